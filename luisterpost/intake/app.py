"""The intake's ASGI application (Starlette): POST /v1/mentions, and the OpenAPI document it keeps to."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from luisterpost.config import IntakeConfig
from luisterpost.intake.auth import SIGNATURE, TIMESTAMP, Client, Denied, authenticate
from luisterpost.intake.framing import Refused, records
from luisterpost.intake.limits import RateLimiter
from luisterpost.intake.sink import Sink, Unavailable
from luisterpost.metrics import Metrics

log = logging.getLogger(__name__)

BROKER_RETRY_AFTER_S = 5
CREDENTIAL_HEADERS = (SIGNATURE, TIMESTAMP, "authorization")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="luisterpost-intake"'}


class TooLarge(Exception):
    pass


@dataclass(frozen=True)
class Intake:
    config: IntakeConfig
    clients: tuple[Client, ...]
    sink: Sink
    metrics: Metrics
    topic: str
    clock: Callable[[], float] = time.time


def _error(status: int, reason: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status, headers=headers)


async def _body(request: Request, limit: int) -> bytes:
    """The body, refused as soon as it passes the limit (a missing or false Content-Length included)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise TooLarge
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise TooLarge
    return bytes(body)


def application(intake: Intake) -> Starlette:
    limiter = RateLimiter(intake.config.rate_per_s, intake.config.burst)

    async def post_mentions(request: Request) -> Response:
        response = await _handle(intake, limiter, request)
        intake.metrics.intake_requests.labels(str(response.status_code)).inc()
        return response

    async def openapi(request: Request) -> Response:
        return Response(openapi_document(), media_type="application/yaml")

    return Starlette(routes=[Route("/v1/mentions", post_mentions, methods=["POST"]),
                             Route("/openapi.yaml", openapi, methods=["GET"])])


async def _handle(intake: Intake, limiter: RateLimiter, request: Request) -> Response:
    """Size, then who, then framing, then rate: each refusal before anything is written."""
    admitted = await _admitted(intake, request)
    if isinstance(admitted, Response):
        return admitted
    client, body = admitted
    config = intake.config
    framed = records(body, request.headers.get("content-type", ""), config.max_records)
    if isinstance(framed, Refused):
        return _error(framed.status, framed.reason)
    wait = limiter.retry_after(client.name, len(framed), time.monotonic())
    if wait:
        return _error(429, f"over {config.rate_per_s:g} records/s for this client: retry after {wait} s",
                      {"Retry-After": str(wait)})
    try:
        await run_in_threadpool(intake.sink.write, framed)
    except Unavailable:
        return _error(503, "the broker did not acknowledge: nothing is guaranteed written, retry the request",
                      {"Retry-After": str(BROKER_RETRY_AFTER_S)})
    intake.metrics.produced.labels("intake", intake.topic).inc(len(framed))
    intake.metrics.intake_records.labels(client.name).inc(len(framed))
    return JSONResponse({"accepted": len(framed)}, status_code=202)


async def _admitted(intake: Intake, request: Request) -> tuple[Client, bytes] | Response:
    """The body within its size and time limits, from a client whose credentials hold."""
    config = intake.config
    try:
        # A deadline on the whole body: a sender that trickles bytes must not hold a connection for ever.
        body = await asyncio.wait_for(_body(request, config.max_body_bytes), config.body_timeout_s)
    except TooLarge:
        return _error(413, f"body over {config.max_body_bytes} bytes: send smaller batches")
    except TimeoutError:
        return _error(408, f"the body did not arrive within {config.body_timeout_s:g} s")
    repeated = [name for name in CREDENTIAL_HEADERS if len(request.headers.getlist(name)) > 1]
    if repeated:
        return _error(401, f"more than one {repeated[0]} header", CHALLENGE)
    client = authenticate(intake.clients, request.headers, body, intake.clock(), config.signature_tolerance_s)
    if isinstance(client, Denied):
        return _error(401, client.reason, CHALLENGE)
    return client, body


def openapi_document() -> str:
    return resources.files("luisterpost.intake").joinpath("openapi.yaml").read_text(encoding="utf-8")
