"""Search: views."""
