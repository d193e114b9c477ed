"""Codebridge's test suite."""
