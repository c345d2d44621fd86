"""Escalation rules, one module each, named as their section of the rules file."""
