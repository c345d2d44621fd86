"""Ingest: untrusted bytes on mentions.raw become validated, brand-tagged mentions."""
