"""Stance and sentiment classification of brand mentions."""
