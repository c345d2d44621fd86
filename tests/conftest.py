"""The test tiers, and a guard that keeps the fast one honest.

- integration: every test under tests/integration (marked here, by where it lives): a real broker,
  daemons, Alertmanager, Prometheus, a browser.
- tools: a test elsewhere that runs an external program (promtool, kubectl, openssl, a wheel build),
  marked `@pytest.mark.tools` where it is written.
- the fast tier, `-m "not integration and not tools"` (`make test-unit`): everything else. A test in it
  that starts any program but this Python interpreter (a broker, a tool, a browser, pip) fails."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest

INTEGRATION = Path(__file__).resolve().parent / "integration"
SLOW_TIERS = ("integration", "tools")
PYTHON = os.path.realpath(sys.executable)
# A Python child is fine (a fresh interpreter to check imports, the corpus builder), unless it builds
# or installs a package: that is the wheel build of the tools tier.
PACKAGING = ("pip", "build")


@pytest.hookimpl(tryfirst=True)  # before pytest's own hook deselects by `-m`
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if INTEGRATION in item.path.resolve().parents:
            item.add_marker(pytest.mark.integration)


class _Guard:
    """Watches, through an audit hook, for programs that a fast-tier test starts."""

    def __init__(self) -> None:
        self.test: str | None = None  # the fast-tier test now running, if any
        self.started: list[str] = []

    def __call__(self, event: str, args: tuple[Any, ...]) -> None:
        if self.test is None:
            return
        argv = _argv(event, args)
        if argv is None or _allowed(argv):
            return
        command = " ".join(argv)[:200]
        self.started.append(command)
        raise RuntimeError(f"{self.test} is in the fast tier, which starts no program, but it ran "
                           f"{command!r}: mark it `tools` (tests/conftest.py) or move it to tests/integration")


def _argv(event: str, args: tuple[Any, ...]) -> list[str] | None:
    """The command line of an audit event that starts a program; None for any other event."""
    if event == "subprocess.Popen":  # (executable, args, cwd, env): Popen has made both a path and a list
        return [os.fsdecode(args[0]), *map(os.fsdecode, list(args[1])[1:])]
    if event in ("os.posix_spawn", "os.exec"):  # (path, argv, env)
        return [os.fsdecode(args[0]), *map(os.fsdecode, list(args[1])[1:])]
    if event == "os.spawn":  # (mode, path, args, env)
        return [os.fsdecode(args[1]), *map(os.fsdecode, list(args[2])[1:])]
    if event == "os.system":  # (command,)
        return [os.fsdecode(args[0])]
    return None


def _allowed(argv: list[str]) -> bool:
    words = argv[0].split()  # os.system's is a whole command line
    program = shutil.which(words[0]) if words else None
    if program is None or os.path.realpath(program) != PYTHON:
        return False
    return not (len(argv) > 2 and argv[1] == "-m" and argv[2] in PACKAGING)


_GUARD = _Guard()
sys.addaudithook(_GUARD)  # audit hooks cannot be removed: the guard is off outside fast-tier tests


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, object, object]:
    """On for a fast-tier test's whole run: its fixtures of every scope too, which it sets up first."""
    fast = not any(item.get_closest_marker(tier) for tier in SLOW_TIERS)
    _GUARD.test, _GUARD.started = (item.nodeid if fast else None), []
    try:
        return (yield)
    finally:
        _GUARD.test = None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    outcome = yield
    if _GUARD.started:  # the test caught the guard's error and passed
        pytest.fail(f"the fast tier starts no program, but this test ran: {_GUARD.started}")
    return outcome
