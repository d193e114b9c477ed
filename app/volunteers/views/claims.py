"""Views: claims."""
