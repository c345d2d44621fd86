"""A PagerDuty Events API v2 fake that follows the documented contract (facts.md, "Monitoring and
paging tools"): it validates what PagerDuty validates, answers what PagerDuty answers, and keeps
incidents the way PagerDuty does: a trigger on an open dedup_key joins that incident, a resolve
closes it. Usable as an httpx transport (unit tests) and as an HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

SEVERITIES = ("critical", "error", "warning", "info")
ACTIONS = ("trigger", "acknowledge", "resolve")


@dataclass
class Incident:
    dedup_key: str
    status: str = "triggered"
    alerts: int = 1


@dataclass
class PagerDutyFake:
    routing_key: str = "0123456789abcdef0123456789abcdef"
    script: list[int] = field(default_factory=list)  # answers given before the contract applies: 500, 429...
    retry_after: str | None = None  # sent with a scripted 429
    limit_per_minute: int | None = None  # PagerDuty's rate limit, on the injected clock
    clock: Callable[[], float] = lambda: 0.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    accepted: list[dict[str, Any]] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    limited: int = 0
    _times: list[float] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, path: str, raw: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            return self._answer(path, raw)

    def _answer(self, path: str, raw: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
        if path != "/v2/enqueue":
            return 404, {}, {"status": "not found"}
        try:
            body = json.loads(raw)
        except ValueError:
            return 400, {}, {"status": "invalid event", "message": "Event object is invalid", "errors": ["bad JSON"]}
        self.requests.append(body)
        if self.script:
            status = self.script.pop(0)
            return status, {"Retry-After": self.retry_after} if status == 429 and self.retry_after else {}, {}
        if self.limit_per_minute is not None:
            now = self.clock()
            self._times = [t for t in self._times if t > now - 60] + [now]
            if len(self._times) > self.limit_per_minute:
                self.limited += 1
                return 429, {}, {"status": "throttle event",
                                 "message": "Requests for this service are arriving too quickly"}
        errors = self.errors(body)
        if errors:
            return 400, {}, {"status": "invalid event", "message": "Event object is invalid", "errors": errors}
        self.accepted.append(body)
        self._apply(body)
        return 202, {}, {"status": "success", "message": "Event processed", "dedup_key": body["dedup_key"]}

    def errors(self, body: dict[str, Any]) -> list[str]:
        found = []
        if body.get("routing_key") != self.routing_key:
            found.append("Length of 'routing_key' is incorrect (should be 32 characters)"
                         if len(str(body.get("routing_key"))) != 32 else "Invalid routing key")
        if body.get("event_action") not in ACTIONS:
            found.append("'event_action' is invalid (must be one of: trigger, acknowledge, resolve)")
        if not isinstance(body.get("dedup_key"), str) or not 0 < len(body["dedup_key"]) <= 255:
            found.append("'dedup_key' must be a string of at most 255 characters")
        if body.get("event_action") == "trigger":
            payload = body.get("payload") or {}
            if not isinstance(payload.get("summary"), str) or not 0 < len(payload["summary"]) <= 1024:
                found.append("'payload.summary' is missing or longer than 1024 characters")
            if not payload.get("source"):
                found.append("'payload.source' is missing")
            if payload.get("severity") not in SEVERITIES:
                found.append("'payload.severity' is invalid (must be one of: critical, error, warning, info)")
        return found

    def _apply(self, body: dict[str, Any]) -> None:
        open_ = next((i for i in self.incidents if i.dedup_key == body["dedup_key"] and i.status != "resolved"),
                     None)
        if body["event_action"] == "trigger":
            if open_ is None:
                self.incidents.append(Incident(body["dedup_key"]))
            else:
                open_.alerts += 1
        elif open_ is not None:
            open_.status = "resolved" if body["event_action"] == "resolve" else "acknowledged"

    def incidents_for(self, dedup_key: str) -> list[Incident]:
        return [i for i in self.incidents if i.dedup_key == dedup_key]

    def __call__(self, request: httpx.Request) -> httpx.Response:
        status, headers, body = self.answer(request.url.path, request.read())
        return httpx.Response(status, headers=headers, json=body)


class PagerDutyServer(ThreadingHTTPServer):
    """The fake on 127.0.0.1 (an ephemeral port), serving from a daemon thread until stop()."""

    def __init__(self, fake: PagerDutyFake) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


class _Handler(BaseHTTPRequestHandler):
    server: PagerDutyServer

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, headers, body = self.server.fake.answer(self.path, raw)
        payload = json.dumps(body).encode()
        self.send_response(status)
        for name, value in {**headers, "Content-Type": "application/json"}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        return None
