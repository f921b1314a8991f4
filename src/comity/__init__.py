"""Comity: case management and computable law for cross-border criminal-justice cooperation."""

__version__ = "0.1.0"
