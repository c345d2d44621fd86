"""Who may write to mentions.raw: signatures with a tolerance window, bearer tokens, secrets from the env."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from luisterpost.config import ConfigError, IntakeClientConfig, build
from luisterpost.intake.auth import Client, Denied, authenticate, clients_from, signature
from luisterpost.intake.limits import RateLimiter, TokenBucket

SECRET, TOKEN = "s" * 40, "t" * 40
ENV = {"FEED_SECRET": SECRET, "COLLECTOR_TOKEN": TOKEN}
CLIENTS = clients_from((IntakeClientConfig(name="feed", hmac_secret_from_env="FEED_SECRET"),
                        IntakeClientConfig(name="collector", token_from_env="COLLECTOR_TOKEN")), ENV)
NOW, BODY = 1_800_000_000.0, b'{"id": "x:1"}'


def signed(timestamp: int, body: bytes = BODY, secret: str = SECRET) -> dict[str, str]:
    return {"x-luisterpost-timestamp": str(timestamp),
            "x-luisterpost-signature": signature(secret.encode(), str(timestamp), body)}


def who(headers: dict[str, str], body: bytes = BODY) -> str:
    found = authenticate(CLIENTS, headers, body, NOW, tolerance_s=300)
    return found.name if isinstance(found, Client) else f"401: {found.reason}"


@pytest.mark.parametrize(("headers", "expected"), [
    (signed(int(NOW)), "feed"),
    (signed(int(NOW) - 299), "feed"),
    (signed(int(NOW) + 299), "feed"),  # a sender's clock a little ahead
    ({"authorization": f"Bearer {TOKEN}"}, "collector"),
    ({"authorization": f"bearer {TOKEN}"}, "collector"),
])
def test_accepted(headers: dict[str, str], expected: str) -> None:
    assert who(headers) == expected


@pytest.mark.parametrize(("headers", "why"), [
    (signed(int(NOW) - 301), "more than 300 s from the server's clock"),  # a replayed old request
    (signed(int(NOW) + 301), "more than 300 s from the server's clock"),
    (signed(int(NOW), secret="w" * 40), "signature does not match"),
    ({**signed(int(NOW)), "x-luisterpost-timestamp": str(int(NOW) + 1)}, "signature does not match"),
    ({**signed(int(NOW)), "x-luisterpost-timestamp": "1.5e9"}, "must be Unix seconds"),
    ({"x-luisterpost-signature": "sha256=00"}, "must be Unix seconds"),
    ({"authorization": "Bearer " + "t" * 39}, "token not accepted"),
    ({"authorization": f"Bearer {TOKEN}", "x-luisterpost-timestamp": ""}, "must be Unix seconds"),  # no mixing
    ({"authorization": f"Basic {TOKEN}"}, "missing credentials"),
    ({}, "missing credentials"),
])
def test_denied(headers: dict[str, str], why: str) -> None:
    assert who(headers).startswith("401") and why in who(headers)


def test_signature_covers_the_body() -> None:
    assert who(signed(int(NOW)), body=BODY + b" ") == "401: signature does not match"


def test_a_token_cannot_be_used_as_an_hmac_secret_or_the_reverse() -> None:
    assert who({"authorization": f"Bearer {SECRET}"}).startswith("401")
    assert who(signed(int(NOW), secret=TOKEN)).startswith("401")


@given(st.dictionaries(st.sampled_from(["x-luisterpost-timestamp", "x-luisterpost-signature", "authorization"]),
                       st.text(alphabet=st.characters(codec="latin-1"), max_size=80)), st.binary(max_size=200))
def test_any_headers_give_a_client_or_a_reason(headers: dict[str, str], body: bytes) -> None:
    found = authenticate(CLIENTS, headers, body, NOW, tolerance_s=300)
    assert isinstance(found, Client | Denied)


def test_secrets_stay_out_of_reprs() -> None:
    assert SECRET not in repr(CLIENTS) and "sss" not in repr(CLIENTS)
    assert TOKEN not in repr(IntakeClientConfig(name="c", token=TOKEN))  # type: ignore[arg-type]


@pytest.mark.parametrize(("client", "env", "key"), [
    ({"name": "a", "hmac_secret_from_env": "NOPE"}, {}, "intake.clients.0.hmac_secret_from_env"),
    ({"name": "a", "token_from_env": "SHORT"}, {"SHORT": "changeme"}, "intake.clients.0.token"),
    ({"name": "a"}, {}, "intake.clients.0 (a): needs hmac_secret_from_env or token_from_env"),
    ({"name": "a", "token": TOKEN, "token_from_env": "X"}, {"X": TOKEN}, "intake.clients.0.token: set token"),
])
def test_config_errors_name_the_key(client: dict[str, str], env: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError, match=key.replace("(", r"\(").replace(")", r"\)")) as raised:
        clients_from((IntakeClientConfig.model_validate(client),), env)
    assert "changeme" not in str(raised.value)


def test_no_clients_means_no_intake() -> None:
    with pytest.raises(ConfigError, match="intake.clients"):
        clients_from((), {})


@pytest.mark.parametrize(("taken", "later_s", "cost", "wait"), [
    (0, 0, 10, 0.0),  # a full bucket takes a burst
    (10, 0, 1, 0.5),  # empty: one token comes in 1/rate s
    (10, 1.0, 2, 0.0),  # refilled at the rate
    (10, 100.0, 11, 0.5),  # never deeper than the burst
])
def test_token_bucket(taken: int, later_s: float, cost: int, wait: float) -> None:
    bucket = TokenBucket(rate_per_s=2, depth=10, tokens=10, updated=0)
    bucket.take(taken, 0)
    assert bucket.take(cost, later_s) == pytest.approx(wait)


def test_each_client_has_its_own_bucket_and_a_whole_second_retry_after() -> None:
    limiter = RateLimiter(rate_per_s=4, burst=8)
    assert limiter.retry_after("feed", 8, now=0) == 0
    assert limiter.retry_after("feed", 5, now=0) == 2  # 5 tokens at 4/s: 1.25 s, rounded up
    assert limiter.retry_after("collector", 8, now=0) == 0
    assert limiter.retry_after("feed", 4, now=1.0) == 0


@pytest.mark.parametrize(("intake", "message"), [
    ({"clients": [{"name": "a", "token_from_env": "X"}, {"name": "a", "token_from_env": "Y"}]},
     "intake: clients: each name once"),
    ({"burst": 10}, "intake: burst (10) must be at least max_records (1000)"),
    ({"clients": [{"name": "Vendor X"}]}, "intake.clients.0.name"),
    ({"clients": [{"name": "a", "token_env": "X"}]}, "intake.clients.0.token_env: unknown key"),
])
def test_intake_configuration_errors_name_the_key(intake: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        build({"intake": intake}, environ={})
