"""Magen: one live picture and safe guidance for a town under attack."""

__version__ = "0.1.0"
