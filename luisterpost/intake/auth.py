"""Who is calling: an HMAC-SHA256 signature over timestamp and body, or a bearer token. Pure: the clock is
passed in, secrets are compared in constant time and never leave this module (no repr, no log)."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field

from pydantic import SecretStr

from luisterpost.config import ConfigError, IntakeClientConfig, process_environment

TIMESTAMP = "x-luisterpost-timestamp"
SIGNATURE = "x-luisterpost-signature"
SCHEME = "sha256="
MIN_SECRET_CHARS = 32  # a "changeme" would make the signature worthless


@dataclass(frozen=True)
class Client:
    name: str
    hmac_secret: bytes | None = field(default=None, repr=False)
    token_digest: bytes | None = field(default=None, repr=False)  # sha256 of the token: equal-length compares


@dataclass(frozen=True)
class Denied:
    """401: `reason` is safe to show the caller (it never says which secret or client came close)."""

    reason: str


def signature(secret: bytes, timestamp: str, body: bytes) -> str:
    """What a sender puts in X-Luisterpost-Signature: sha256=HEX(HMAC(secret, timestamp + "." + body))."""
    return SCHEME + hmac.new(secret, timestamp.encode("ascii") + b"." + body, hashlib.sha256).hexdigest()


def authenticate(clients: tuple[Client, ...], headers: Mapping[str, str], body: bytes, now: float,
                 tolerance_s: float) -> Client | Denied:
    if SIGNATURE in headers or TIMESTAMP in headers:  # either one: judged as signed, never as a token too
        return _signed(clients, headers.get(TIMESTAMP, ""), headers.get(SIGNATURE, ""), body, now, tolerance_s)
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return _bearer(clients, token.strip())
    return Denied("missing credentials: send X-Luisterpost-Timestamp and X-Luisterpost-Signature, "
                  "or Authorization: Bearer <token>")


def _signed(clients: tuple[Client, ...], timestamp: str, sent: str, body: bytes, now: float,
            tolerance_s: float) -> Client | Denied:
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        return Denied("X-Luisterpost-Timestamp must be Unix seconds (an integer)")
    if abs(now - int(timestamp)) > tolerance_s:
        return Denied(f"X-Luisterpost-Timestamp is more than {tolerance_s:g} s from the server's clock: "
                      "sign each request when it is sent (and check the sender's clock)")
    if not sent.isascii():
        return Denied("signature does not match")
    # Every client is tried, without an early exit, so the time taken does not say which one came close.
    found = None
    for client in clients:
        if client.hmac_secret is not None and \
                hmac.compare_digest(signature(client.hmac_secret, timestamp, body), sent):
            found = client
    return found or Denied("signature does not match")


def _bearer(clients: tuple[Client, ...], token: str) -> Client | Denied:
    digest = hashlib.sha256(token.encode("utf-8", "surrogateescape")).digest()
    found = None
    for client in clients:
        if client.token_digest is not None and hmac.compare_digest(client.token_digest, digest):
            found = client
    return found or Denied("token not accepted")


def clients_from(configs: tuple[IntakeClientConfig, ...], environ: Mapping[str, str] | None = None) -> \
        tuple[Client, ...]:
    """The configured senders with their secrets resolved; a missing or weak secret names its key."""
    if not configs:
        raise ConfigError("intake.clients: at least one client (with hmac_secret_from_env or token_from_env) "
                          "is needed: the intake never runs unauthenticated")
    env = process_environment() if environ is None else environ
    return tuple(_client(index, config, env) for index, config in enumerate(configs))


def _client(index: int, config: IntakeClientConfig, env: Mapping[str, str]) -> Client:
    key = f"intake.clients.{index}"
    secret = _secret(f"{key}.hmac_secret", config.hmac_secret, config.hmac_secret_from_env, env)
    token = _secret(f"{key}.token", config.token, config.token_from_env, env)
    if secret is None and token is None:
        raise ConfigError(f"{key} ({config.name}): needs hmac_secret_from_env or token_from_env")
    return Client(config.name, secret.encode("utf-8") if secret else None,
                  hashlib.sha256(token.encode("utf-8")).digest() if token else None)


def _secret(key: str, inline: SecretStr | None, variable: str | None, env: Mapping[str, str]) -> str | None:
    if inline is not None and variable is not None:
        raise ConfigError(f"{key}: set {key.rsplit('.', 1)[1]} or {key.rsplit('.', 1)[1]}_from_env, not both")
    if variable is not None:
        value = env.get(variable, "").strip()
        if not value:
            raise ConfigError(f"{key}_from_env: environment variable {variable} is not set or empty")
    elif inline is not None:
        value = inline.get_secret_value()
    else:
        return None
    if len(value) < MIN_SECRET_CHARS:
        raise ConfigError(f"{key}: shorter than {MIN_SECRET_CHARS} characters; generate one with "
                          "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`")
    return value
