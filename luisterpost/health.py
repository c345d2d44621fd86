"""/metrics, /healthz (the loops are turning) and /readyz (partitions assigned, model loaded)."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

log = logging.getLogger(__name__)

# Per stage: True when fine; False, or a reason in words, when not (shown in the response body).
Check = Callable[[], Mapping[str, bool | str]]
StartResponse = Callable[..., Any]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        log.debug("http: " + format, *args)


def _status(name: str, checks: Mapping[str, bool | str], start: StartResponse,
            warning: str | None = None) -> Iterable[bytes]:
    passed = {check: value is True for check, value in checks.items()}
    healthy = all(passed.values()) and bool(passed)
    body: dict[str, object] = {name: healthy, "checks": passed}
    reasons = {check: value for check, value in checks.items() if isinstance(value, str)}
    if reasons:
        body["reasons"] = reasons
    if warning:
        body["warning"] = warning
    start("200 OK" if healthy else "503 Service Unavailable", [("Content-Type", "application/json")])
    return [json.dumps(body).encode()]


def application(registry: CollectorRegistry, live: Check, ready: Check,
                warning: str | None = None) -> Callable[..., Iterable[bytes]]:
    """`warning` is shown in every /readyz body (the embedded broker's memory storage, say)."""
    metrics_app = make_wsgi_app(registry)

    def app(environ: dict[str, Any], start: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/healthz":
            return _status("live", live(), start)
        if path == "/readyz":
            return _status("ready", ready(), start, warning)
        if path == "/metrics":
            return metrics_app(environ, start)  # type: ignore[no-any-return]
        start("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: try /metrics, /healthz or /readyz\n"]

    return app


class HealthServer:
    def __init__(self, address: str, registry: CollectorRegistry, live: Check, ready: Check,
                 warning: str | None = None) -> None:
        host, _, port = address.rpartition(":")
        self._server = make_server(host or "127.0.0.1", int(port), application(registry, live, ready, warning),
                                   server_class=_Server, handler_class=_QuietHandler)
        self.port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, name="http", daemon=True)

    def start(self) -> HealthServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
