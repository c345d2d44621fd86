"""Detect and notify: escalation rules over classified mentions, incidents, and the pagers."""
