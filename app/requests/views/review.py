"""Views: review."""
