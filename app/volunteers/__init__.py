"""The volunteers feature: profiles, skills, claims, check-ins, delivery, reviews, matching events."""

from flask import Blueprint

bp = Blueprint("volunteers", __name__)

from app.volunteers import api, jobs, models, progress_jobs, stats, views  # noqa: E402,F401
