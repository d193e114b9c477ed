"""The volunteers feature's JSON API endpoints, registered on the core API blueprint."""

from app.volunteers.api import checkins, claims, milestones, profiles, recommendations  # noqa: F401
