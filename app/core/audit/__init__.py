"""The audit trail: recording state changes (services), the coordinators' page (views) and the API (api)."""
