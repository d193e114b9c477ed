"""Milestones: dated steps the team or the nonprofit plans, ticked off when done, and the progress bar."""
