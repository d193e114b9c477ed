"""Reliability tests: the app under faults (Redis gone, workers killed) and adversarial use."""
