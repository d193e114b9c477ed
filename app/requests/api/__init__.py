"""The requests feature's JSON API endpoints, registered on the core API blueprint."""

from app.requests.api import help_requests, organizations, specs  # noqa: F401
