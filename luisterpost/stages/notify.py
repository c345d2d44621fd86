"""notify: incidents -> the pagers. Each receiver delivers in its own lane (alerts/notification/notifier.py); an
offset is committed only once every receiver accepted, finally rejected or gave up its event.

`process` never waits for a receiver for longer than SETTLE_S: it hands the batch to the lanes and
reports the leading records that are settled as handled. The loop re-reads the rest on its next
turn (a re-read event is not sent again), so the loop keeps turning, and /healthz keeps meaning
"the loop is turning", through any pager outage. Pager trouble shows in the metrics and alerts."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from alerts.incident_event import IncidentEvent
from alerts.notification.notifier import GivenUp, Notifier
from alerts.notification.page import Page
from alerts.notification.receivers.text import printable
from alerts.notification.silences import Silence, SilenceSource
from ingest.mention import Invalid
from luisterpost.kafka import Topics
from luisterpost.loop import Output, Result
from luisterpost.metrics import Metrics
from luisterpost.review.links import with_incident_page
from luisterpost.stages.base import Stage
from luisterpost.stages.dlq import dead_letter

log = logging.getLogger(__name__)

SETTLE_S = 0.5  # the longest a turn waits for the lanes; then the loop turns and asks again


@dataclass(frozen=True)
class _Step:
    """What one record of a batch became: not an incident, held back by a silence, or submitted.
    `page` is what the receivers render: the event, with the link to its incident page."""

    record: Any
    event: IncidentEvent | Invalid
    page: Page | None = None
    silence: Silence | None = None


class NotifyStage(Stage):
    stage = "notify"

    def __init__(self, notifier: Notifier, topics: Topics, metrics: Metrics,
                 silences: SilenceSource | None = None, page_base: str | None = None,
                 settle_s: float = SETTLE_S) -> None:
        self.input_topic = topics.incidents
        self._page_base = page_base  # review.base_url: every page links to its incident page
        self._notifier, self._topics, self._metrics = notifier, topics, metrics
        self._silences, self._settle_s = silences, settle_s
        self._muted_by: dict[str, str] = {}  # dedup_key -> silence id, to log a muted incident once

    def _silence(self, event: IncidentEvent) -> Silence | None:
        if self._silences is None:
            return None
        return self._silences.current().muting(event, self._silences.clock())

    def _step(self, record: Any) -> _Step:
        event = IncidentEvent.parse(record.value)
        if isinstance(event, Invalid):
            return _Step(record, event)
        page = with_incident_page(event, self._page_base)
        if self._notifier.settled(page) is None:  # not submitted yet, or in a lane: a silence may hold it
            silence = self._silence(event)
            if silence is not None:
                return _Step(record, event, page, silence)
            self._notifier.submit(page)
        return _Step(record, event, page)

    def _done(self, step: _Step) -> list[GivenUp] | None:
        if step.page is None or step.silence is not None:
            return []
        return self._notifier.settled(step.page)

    def process(self, records: list[Any]) -> Result:
        steps = [self._step(record) for record in records]
        submitted = [step.page for step in steps if step.page is not None and step.silence is None]
        self._notifier.wait_settled(submitted, self._settle_s)
        outputs: list[Output] = []
        for handled, step in enumerate(steps):
            given_up = self._done(step)
            if given_up is None:
                self._report_backlog()
                return Result(outputs, handled)  # this one and the rest: re-read and asked again next turn
            outputs += self._finish(step, given_up)
        self._report_backlog()
        return Result(outputs, len(records))

    def _finish(self, step: _Step, given_up: list[GivenUp]) -> list[Output]:
        """Count, log and dead-letter a settled record: each record once, when its offset moves on."""
        if isinstance(step.event, Invalid):
            self._metrics.dlq.labels(self.stage, step.event.kind).inc()
            return [dead_letter(self._topics.dlq, self.stage, step.record, step.event.reason)]
        if step.silence is not None:
            self._count_muted(step.event, step.silence)
            return []
        if not given_up:
            return []
        self._metrics.dlq.labels(self.stage, "receiver_gave_up").inc()
        reason = "; ".join(f"receiver {g.receiver} gave up after {g.attempts} attempts in {g.seconds:.0f} s: "
                           f"{g.error}" for g in given_up)
        return [dead_letter(self._topics.dlq, self.stage, step.record, reason)]

    def _count_muted(self, event: IncidentEvent, silence: Silence) -> None:
        """A silence holds the page back; the event stays on the topic, counted and logged once."""
        self._metrics.silenced.labels(event.rule, event.action).inc()
        if self._muted_by.get(event.dedup_key) != silence.id:
            if len(self._muted_by) > 10_000:
                self._muted_by.clear()  # bounded; the worst case is one repeated log line
            self._muted_by[event.dedup_key] = silence.id
            log.info("notify: %s %s muted by silence %s (%s: %s)", printable(event.action),
                     printable(event.dedup_key), silence.id[:8], printable(silence.created_by),
                     printable(silence.comment[:80]))

    def _report_backlog(self) -> None:
        for receiver, backlog in self._notifier.backlog().items():
            self._metrics.pager_pending.labels(receiver).set(backlog.pending)
            self._metrics.pager_oldest_pending.labels(receiver).set(backlog.oldest_s)

    def close(self) -> None:
        self._notifier.close()
        if self._silences is not None:
            self._silences.close()
        for receiver in self._notifier.receivers:
            receiver.close()
