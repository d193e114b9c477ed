"""API: recommendations."""
