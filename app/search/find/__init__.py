"""Finding requests: the search page, GET /api/v1/requests, and the query service behind both."""
