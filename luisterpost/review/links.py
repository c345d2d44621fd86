"""Where a page links to: the incident page of its dedup key, under `review.base_url`."""

from __future__ import annotations

from urllib.parse import quote

from alerts.incident_event import IncidentEvent
from alerts.notification.page import LINK_TEXT, Page

__all__ = ["LINK_TEXT", "incident_path", "with_incident_page"]


def incident_path(dedup_key: str) -> str:
    """`/incidents/<key>`, the key's / and : kept readable, everything else percent-encoded."""
    return "/incidents/" + quote(dedup_key, safe="/:@")


def with_incident_page(event: IncidentEvent, base_url: str | None) -> Page:
    """The event as the receivers get it: its page's `links` (PagerDuty's shape) first name the incident
    page. Added by notify, not by detect: the address belongs to this deployment, not to the incident."""
    if not base_url:
        return Page(event)
    return Page(event, base_url.rstrip("/") + incident_path(event.dedup_key))
