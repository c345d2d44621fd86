"""The configuration error every core raises, and how a pydantic error becomes one that names the key.

It lives in ingest, the first core, because data flows ingest -> classify -> alerts and a core may only
import upstream: classify and alerts can import it, and none of the three imports the runtime. The
runtime (`luisterpost.config`) re-exports it and reports it the same way wherever it was raised.
"""

from __future__ import annotations

from pydantic import ValidationError


class ConfigError(Exception):
    """A configuration problem, worded for the person who wrote the file."""


def problems(error: ValidationError) -> str:
    """Name every bad key as a dotted path, the way a person looks it up in the file."""
    lines = []
    for problem in error.errors():
        key = ".".join(str(part) for part in problem["loc"]) or "(top level)"
        message = "unknown key" if problem["type"] == "extra_forbidden" else problem["msg"]
        lines.append(f"{key}: {message}")
    return "; ".join(lines)
