"""The search feature blueprint."""

from flask import Blueprint

bp = Blueprint("search", __name__)

from app.search import models  # noqa: E402,F401
