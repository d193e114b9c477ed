"""Delivery: the team hands the work over; the organisation accepts it or asks for changes."""
