"""The search feature: analyzer, index, index jobs, query service, search pages."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from app.search import api, health, models, subscriptions, views  # noqa: E402,F401
