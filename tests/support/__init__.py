"""Helpers that build things tests need (a tiny encoder)."""
