"""`luisterpost demo` runs the intake beside the embedded broker and feeds the demo stream through it."""

from __future__ import annotations

import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import httpx

from luisterpost.intake.client import post_signed

STREAM_LENGTH = 1014


def _wait_for(process: subprocess.Popen[str], pattern: str, seen: list[str], timeout_s: float) -> re.Match[str]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        line = process.stdout.readline() if process.stdout else ""
        if not line and process.poll() is not None:
            break
        seen.append(line)
        found = re.search(pattern, line)
        if found:
            return found
    raise AssertionError(f"no {pattern!r} in the demo's output: {''.join(seen)[-2000:]}")


def test_demo_feeds_its_stream_through_the_intake(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("classify:\n  model: lexicon\nhttp:\n  address: 127.0.0.1:0\n", encoding="utf-8")
    env = {**os.environ, "LUISTERPOST_CONFIG": str(config)}
    env.pop("LUISTERPOST_BOOTSTRAP", None)
    process = subprocess.Popen([sys.executable, "-m", "luisterpost", "demo", "--speed", "1000000"], cwd=tmp_path,
                               env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seen: list[str] = []
    try:
        metrics_url = _wait_for(process, r"Metrics: (http://\S+/metrics)", seen, 120).group(1)
        intake_url = _wait_for(process, r"Intake: (http://127\.0\.0\.1:\d+/v1/mentions)", seen, 30).group(1)
        _wait_for(process, rf"Demo stream fed \({STREAM_LENGTH} mentions\)", seen, 120)
        secret_file = tmp_path / "var" / "demo-intake-secret"
        assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600
        secret = secret_file.read_text(encoding="utf-8")
        assert secret not in "".join(seen)
        with urllib.request.urlopen(metrics_url, timeout=10) as response:
            exposed = response.read().decode()
        assert f'luisterpost_intake_records_accepted_total{{client="demo"}} {STREAM_LENGTH}.0' in exposed
        with httpx.Client(timeout=30) as http:  # a person can sign with the secret file, as docs/intake.md says
            extra = b'{"id": "x:demo-extra", "platform": "x", "created_at": "2018-11-27T10:00:00+01:00", ' \
                    b'"text": "Coolblue, waar blijft mijn pakket?"}\n'
            assert post_signed(http, intake_url, secret, extra).status_code == 202
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
