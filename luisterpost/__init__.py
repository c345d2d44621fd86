"""Luisterpost: a crisis-listening daemon for Dutch-speaking brands."""

__version__ = "0.1.0"
