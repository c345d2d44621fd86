"""Where a page links to: the incident page of its dedup key, under `review.base_url`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

LINK_TEXT = "Incident page"


def incident_path(dedup_key: str) -> str:
    """`/incidents/<key>`, the key's / and : kept readable, everything else percent-encoded."""
    return "/incidents/" + quote(dedup_key, safe="/:@")


def with_incident_page(event: dict[str, Any], base_url: str | None) -> dict[str, Any]:
    """The event as the receivers get it: `links` (PagerDuty's shape) first names the incident page.
    Added by notify, not by detect: the address belongs to this deployment, not to the incident."""
    if not base_url:
        return event
    link = {"href": base_url.rstrip("/") + incident_path(str(event["dedup_key"])), "text": LINK_TEXT}
    return {**event, "links": [link, *event.get("links", [])]}
