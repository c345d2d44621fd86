"""`luisterpost review`: the incident page's own server, next to the /metrics, /healthz and /readyz
of every Luisterpost process. Default bind 127.0.0.1; in a cluster, a bearer token from a Secret."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from classify.serving.labels import HEADS
from luisterpost import kafka
from luisterpost.config import Config, ConfigError, ReviewConfig
from luisterpost.health import HealthServer
from luisterpost.metrics import Metrics
from luisterpost.review.feed import LabelWriter, ReviewFeed
from luisterpost.review.labels import Correction
from luisterpost.review.security import Keys
from luisterpost.review.view import ReviewView
from luisterpost.review.web import ReviewApp, Settings

log = logging.getLogger(__name__)


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        log.debug("review http: " + format, *args)


def bearer_token(config: ReviewConfig) -> str | None:
    """The token from the mounted Secret file (or the configuration); None: no token asked."""
    if config.token is not None:
        return config.token.get_secret_value()
    if config.token_file is None:
        return None
    try:
        token = Path(config.token_file).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ConfigError(f"review.token_file: cannot read {config.token_file}: {error.strerror}") from None
    if not token:
        raise ConfigError(f"review.token_file: {config.token_file} is empty")
    return token


def counter(metrics: Metrics) -> Callable[[Correction], None]:
    def count(correction: Correction) -> None:
        metrics.label_corrections.labels(correction.head, bounded(correction.head, correction.model_label),
                                         correction.label, str(correction.agrees).lower()).inc()
    return count


def bounded(head: str, label: str) -> str:
    """A model label outside the head's set (another model's) is counted as `other`: bounded labels."""
    return label if label in HEADS.get(head, ()) else "other"


@dataclass
class Review:
    app: ReviewApp
    feed: ReviewFeed
    port: int


@contextlib.contextmanager
def reviewing(config: Config, bootstrap: str, metrics: Metrics, stopping: threading.Event) -> Iterator[Review]:
    """The feed and the page server, for as long as the block runs."""
    review = config.review
    keys = Keys(bearer_token(review))
    if keys.bearer is None and not _loopback(review.address):
        log.warning("review: serving on %s without review.token_file: anyone who reaches it can correct "
                    "labels (put an authenticating proxy in front, or set a token)", review.address)
    topics = kafka.Topics.with_prefix(config.kafka.topic_prefix)
    kafka.ensure_topics(config.kafka, bootstrap, topics)
    view = ReviewView(review.max_mentions)
    feed = ReviewFeed(config.kafka, bootstrap, topics, view, stopping).start()
    writer = LabelWriter(config.kafka, bootstrap, topics.labels)
    app = ReviewApp(view, keys, writer, counter(metrics), Settings(review.user_header, review.secure_cookies))
    host, _, port = review.address.rpartition(":")
    server = make_server(host or "127.0.0.1", int(port), app, server_class=_Server, handler_class=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="review-http", daemon=True)
    thread.start()
    try:
        yield Review(app, feed, server.server_port)
    finally:
        stopping.set()
        server.shutdown()
        server.server_close()
        feed.join()
        writer.close()


def _loopback(address: str) -> bool:
    return address.rpartition(":")[0] in ("127.0.0.1", "localhost", "[::1]")


def serve(config: Config, stopping: threading.Event) -> int:
    """`luisterpost review` until SIGTERM: the page, plus /metrics, /healthz and /readyz on http.address."""
    bootstrap = config.kafka.bootstrap
    if not bootstrap:
        raise ConfigError("kafka.bootstrap: the review page reads the cluster's topics; "
                          "give --bootstrap or LUISTERPOST_BOOTSTRAP (`luisterpost demo` serves it too)")
    metrics = Metrics()
    with reviewing(config, bootstrap, metrics, stopping) as review:
        health = HealthServer(config.http.address, metrics.registry,
                              lambda: {"review": review.feed.alive()},
                              lambda: {"review": review.feed.caught_up.is_set()}).start()
        print(f"Luisterpost review: http://{config.review.address.rpartition(':')[0]}:{review.port}/ "
              f"(pages link to {config.review.page_base()})", flush=True)
        stopping.wait()
        health.stop()
    return 0 if review.feed.failed is None else 1
