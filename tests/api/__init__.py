"""Tests of the JSON API base: accounts, tokens, errors, pagination and the OpenAPI document."""
