"""In-app notifications (the bell): writing and reading them (services) and their page (views)."""
