"""API: profiles."""
