"""Notification: silences, and delivery of incident events to the receivers (the pagers)."""
