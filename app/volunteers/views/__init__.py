"""Page views of the volunteers feature, one module per subject."""

from app.volunteers.views import checkins, claims, milestones, profiles, recommendations  # noqa: F401
