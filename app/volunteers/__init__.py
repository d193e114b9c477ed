"""The volunteers feature blueprint."""

from flask import Blueprint

bp = Blueprint("volunteers", __name__)

from app.volunteers import models, stats  # noqa: E402,F401
