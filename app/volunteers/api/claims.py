"""API: claims."""
