"""API: requests (create, read, update, submit, withdraw, timeline)."""
