"""Saved searches: pages, API routes and forms to keep a search, and digests of its new matches."""
