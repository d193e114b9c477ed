"""API: spec review (GET/PUT spec, versions, publish)."""
