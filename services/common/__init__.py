"""Shared building blocks. Each concern lives here once and every service imports it."""
