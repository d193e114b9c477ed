"""Volunteer profiles: skills with levels, time and place, languages, causes, and the public profile."""
