"""Views: organizations."""
