"""Views: profiles."""
