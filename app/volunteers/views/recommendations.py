"""Views: recommendations."""
