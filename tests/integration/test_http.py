"""/metrics, /healthz and /readyz of a running pipeline, as Kubernetes and Prometheus see them."""

from __future__ import annotations

import threading

import httpx

from luisterpost.app import STAGES
from luisterpost.broker import EmbeddedBroker
from luisterpost.metrics import Metrics
from luisterpost.runner import running
from tests.integration.conftest import config_for, wait_for


def test_probes_and_metrics(broker: EmbeddedBroker, prefix: str) -> None:
    stopping = threading.Event()
    config = config_for(broker, prefix)
    with running(config, broker.bootstrap, STAGES, Metrics(), stopping) as run:
        assert run.http is not None
        base = f"http://127.0.0.1:{run.http.port}"
        assert httpx.get(f"{base}/healthz").status_code == 200
        wait_for(lambda: httpx.get(f"{base}/readyz").status_code == 200, 60, "partitions assigned")
        ready = httpx.get(f"{base}/readyz").json()
        assert ready == {"ready": True, "checks": {stage: True for stage in STAGES}}
        metrics = httpx.get(f"{base}/metrics").text
        assert 'luisterpost_model_info{name="luisterpost-e5-small",version="4.0"}' in metrics
        assert 'luisterpost_assigned_partitions{stage="detect"} 1.0' in metrics
        assert httpx.get(f"{base}/nothing").status_code == 404
