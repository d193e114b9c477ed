"""The requests feature blueprint."""

from flask import Blueprint

bp = Blueprint("requests", __name__)

from app.requests import models, stats  # noqa: E402,F401
