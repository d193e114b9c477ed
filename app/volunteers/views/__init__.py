"""Page views of the volunteers feature, one module per subject."""

from app.volunteers.views import (  # noqa: F401
    checkins,
    claims,
    delivery,
    milestones,
    profiles,
    recommendations,
    reviews,
)
