"""Steward: a DAO governance and coordination bot."""

__version__ = "0.1.0"
