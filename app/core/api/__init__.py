"""The JSON API v1 blueprint (mounted at /api/v1)."""

from flask import Blueprint

bp = Blueprint("api", __name__)
