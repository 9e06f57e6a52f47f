"""Organisations, users, roles, API keys and login."""
