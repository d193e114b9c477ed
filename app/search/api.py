"""Search: api."""
