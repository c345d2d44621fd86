"""Pages for the receiver tests, built as notify builds them: the event parsed from its bytes."""

from __future__ import annotations

import json
from typing import Any

from alerts.incident_event import IncidentEvent
from alerts.notification.page import Page
from ingest.mention import Invalid


def event_of(document: dict[str, Any]) -> IncidentEvent:
    """An incident event written as its JSON object; a test event must be a valid one."""
    event = IncidentEvent.parse(json.dumps(document, ensure_ascii=False).encode("utf-8"))
    assert not isinstance(event, Invalid), event.reason
    return event


def page_of(document: dict[str, Any], incident_url: str | None = None) -> Page:
    return Page(event_of(document), incident_url)
