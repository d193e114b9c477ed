"""Intake: a nonprofit drafts a request one question per step, adds files and submits; spec v1 is drafted."""
