"""The fast tier's guard (tests/conftest.py) refuses every program but this Python interpreter, and a
Python that builds or installs a package; it ignores events that start nothing."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from tests.conftest import _Guard

PYTHON = sys.executable


@pytest.mark.parametrize(("event", "args", "refused"), [
    ("subprocess.Popen", ("/usr/bin/promtool", ["promtool", "check", "rules"], None, None), True),
    ("subprocess.Popen", ("kubectl", ["kubectl", "kustomize"], None, None), True),
    ("subprocess.Popen", ("/bin/sh", ["/bin/sh", "-c", "openssl version"], None, None), True),
    ("subprocess.Popen", (PYTHON, [PYTHON, "-m", "pip", "wheel", "."], None, None), True),
    ("subprocess.Popen", (PYTHON, [PYTHON, "-m", "build"], None, None), True),
    ("os.system", ("openssl version",), True),
    ("os.posix_spawn", ("/usr/bin/chromium", ["chromium", "--headless"], {}), True),
    ("subprocess.Popen", (PYTHON, [PYTHON, "-c", "import luisterpost"], None, None), False),
    ("subprocess.Popen", (PYTHON.encode(), [PYTHON.encode(), b"build.py"], None, None), False),
    ("open", ("/etc/hosts", "r", 0), False),
])
def test_the_guard_refuses_programs_in_the_fast_tier(event: str, args: tuple[Any, ...], refused: bool) -> None:
    guard = _Guard()
    guard.test = "tests/unit/test_x.py::test_y"
    if refused:
        with pytest.raises(RuntimeError, match="mark it `tools`"):
            guard(event, args)
    else:
        guard(event, args)
    assert bool(guard.started) is refused


def test_the_guard_is_off_outside_the_fast_tier() -> None:
    guard = _Guard()  # no test of the fast tier running
    guard("subprocess.Popen", ("/usr/bin/promtool", ["promtool"], None, None))
    assert guard.started == []
