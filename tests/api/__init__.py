"""Tests of the JSON API base: errors, field shapes, language, health and the OpenAPI document."""
