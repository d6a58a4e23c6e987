"""Mentor App: encrypted, offline records for peer mentors."""

__version__ = "0.1.0"
APP_NAME = "Mentor App"
