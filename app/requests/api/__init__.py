"""The requests feature's JSON API endpoints, registered on the core API blueprint."""

from app.requests.api import organizations, requests, specs  # noqa: F401
