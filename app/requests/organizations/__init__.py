"""Organisations: profiles, cause areas, colleagues and invitations, verification, the private contact."""
