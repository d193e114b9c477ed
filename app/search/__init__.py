"""The search feature: analyzer, index, index jobs, query service, search pages, saved-search digests."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from app.search import api, digests, health, jobs, models, subscriptions, views  # noqa: E402,F401
