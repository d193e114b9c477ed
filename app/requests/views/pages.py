"""Views: pages."""
