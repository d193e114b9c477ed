"""The requests feature's JSON API endpoints, registered on the core API blueprint."""
