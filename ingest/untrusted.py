"""Every string of a raw record is untrusted: bound its sizes, and make it text that UTF-8 can carry.

JSON escapes such as "\\udfff" decode to lone surrogates, which no UTF-8 encoder accepts, so a record
that carries one anywhere would fail on its way out. Outside the ids they become U+FFFD, as a UTF-8
decoder does for broken bytes; in an id, replacing could make two mentions one, so the record is refused.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

LONE_SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"
# Fields that identify a mention or a thread: the dedup key, the Kafka key, part of an incident's dedup_key.
IDENTITY_FIELDS = (("id",), ("thread", "root_id"), ("thread", "parent_id"), ("author", "id"))
MAX_LANG_CHARS = 35  # the longest BCP 47 tag in practical use (RFC 5646, section 4.4.1)


@dataclass(frozen=True)
class Limits:
    """Sizes a mention may have; the defaults and their reasons are IngestConfig's."""

    max_text_chars: int = 20_000
    max_id_chars: int = 200
    max_name_chars: int = 200
    max_url_chars: int = 4096
    max_depth: int = 32


def has_lone_surrogate(value: object) -> bool:
    return isinstance(value, str) and not value.isascii() and LONE_SURROGATE.search(value) is not None


def _clean(value: str) -> str:
    return value if value.isascii() else LONE_SURROGATE.sub(REPLACEMENT, value)


def scrub(document: dict[str, Any], max_depth: int) -> dict[str, Any] | None:
    """A copy with every string (keys too) free of lone surrogates; None if nested deeper than max_depth.
    Iterative, so no input can exhaust the stack here, and the depth bound keeps json.dumps safe later."""
    root: dict[str, Any] = {}
    pending: list[tuple[Any, Any, int]] = [(document, root, 1)]
    while pending:
        source, target, depth = pending.pop()
        if depth > max_depth:
            return None
        children = [(_clean(key), item) for key, item in source.items()] if isinstance(source, dict) \
            else [(None, item) for item in source]
        for key, item in children:
            copied = _copy_node(item)
            if key is None:
                target.append(copied)
            else:
                target[key] = copied
            if isinstance(item, dict | list):
                pending.append((item, copied, depth + 1))
    return root


def _copy_node(item: Any) -> Any:
    if isinstance(item, str):
        return _clean(item)
    if isinstance(item, dict):
        return {}
    if isinstance(item, list):
        return []
    return item


def lookup(document: dict[str, Any], path: tuple[str, ...]) -> object:
    node: object = document
    for part in path:
        if not isinstance(node, dict):
            return None
        node = node.get(part)
    return node


def identity_problem(document: dict[str, Any], max_id_chars: int) -> tuple[str, str] | None:
    """(reason, kind) for the first id that cannot identify a mention, or None."""
    for path in IDENTITY_FIELDS:
        value, key = lookup(document, path), ".".join(path)
        if has_lone_surrogate(value):
            return f"{key}: contains a lone surrogate (broken UTF-16); an id cannot be repaired", "bad_unicode"
        if isinstance(value, str) and len(value) > max_id_chars:
            return (f"{key}: {len(value)} characters, more than ingest.max_id_chars ({max_id_chars})",
                    "too_long")
    return None


def unsendable(document: object) -> str | None:
    """Why a decoded record could not be written again as UTF-8 JSON (a lone surrogate from an escape
    such as "\\udfff" anywhere in it), or None. For topics past ingest, where nothing scrubbed it."""
    try:
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        return f"a lone surrogate ({error.object[error.start:error.end]!a}) that UTF-8 cannot carry"
    except (RecursionError, ValueError) as error:
        return f"not writable as JSON ({type(error).__name__})"
    return None
