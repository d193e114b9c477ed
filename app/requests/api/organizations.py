"""API: organizations."""
