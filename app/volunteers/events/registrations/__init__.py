"""Registering for an event: the ranking, cancelling, the waiting list, the check-in code, check-in."""
