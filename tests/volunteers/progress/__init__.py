"""Tests for check-ins, milestones, cadence, reminders and stalled requests."""
