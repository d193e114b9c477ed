"""The requests feature: organisations, help requests, intake, specs, status machine, timeline."""

from flask import Blueprint

bp = Blueprint("requests", __name__)

from app.requests import api, models, policy, stats, views  # noqa: E402,F401
