"""Page views of the requests feature, one module per subject."""

from app.requests.views import intake, organizations, pages, review  # noqa: F401
