"""Page views of the volunteers feature, one module per subject."""

from app.volunteers.views import claims, profiles, recommendations  # noqa: F401
