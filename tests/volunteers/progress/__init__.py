"""Tests for check-ins, cadence, reminders and stalled requests."""
