"""What a receiver gets: the incident event, and the link to its incident page when the deployment
has one (`review.base_url`). The address belongs to the deployment, not to the incident: notify pairs
them, detect never writes a link."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from alerts.incident_event import IncidentEvent

LINK_TEXT = "Incident page"

Identity = tuple[str, str, str]  # dedup_key, action, event_time: one incident event


@dataclass(frozen=True)
class Page:
    event: IncidentEvent
    incident_url: str | None = None  # None: no incident page, the event's own links only

    @property
    def identity(self) -> Identity:
        return (self.event.dedup_key, self.event.action, self.event.event_time.isoformat())

    @property
    def links(self) -> Any:
        """`links` in PagerDuty's shape: the incident page first, then whatever the event carried
        (an unknown key, so untrusted and of any type: the receivers keep only http(s) links)."""
        carried = self.event.extra.get("links")
        if self.incident_url is None:
            return carried
        return [{"href": self.incident_url, "text": LINK_TEXT}, *self.event.extra.get("links", [])]

    def to_json(self) -> dict[str, Any]:
        """The JSON object the webhook posts and `replay --incidents-out` writes: the event's, with
        `links` where its incident page goes."""
        document = self.event.to_json()
        return document if self.incident_url is None else {**document, "links": self.links}
