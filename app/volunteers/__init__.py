"""The volunteers feature blueprint."""

from flask import Blueprint

bp = Blueprint("volunteers", __name__)

from app.volunteers import models  # noqa: E402,F401
