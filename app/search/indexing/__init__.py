"""Keeping the index true: documents from the database, index jobs, subscriptions, health, commands."""
