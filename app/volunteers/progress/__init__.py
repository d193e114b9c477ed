"""Progress: check-ins on the team's cadence, answers, reminders, nudges and stalled requests."""
