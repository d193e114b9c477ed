"""The dashboard: each role's panels (panels) and the page that shows them (views)."""
