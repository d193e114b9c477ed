"""The volunteers feature's JSON API endpoints, registered on the core API blueprint."""

from app.volunteers.api import checkins, claims, delivery, milestones, profiles, recommendations, reviews  # noqa: F401
