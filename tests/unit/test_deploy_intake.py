"""The intake's manifests (deploy/components/intake), as kustomize renders them in each overlay."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from luisterpost.config import build
from tests.unit.test_deploy import DRAIN_S, SECRET_WORDS, quantity
from tests.unit.test_deploy_rendered import OVERLAYS, named, of_kind

pytestmark = pytest.mark.tools  # every test reads the overlays as kubectl kustomize renders them

INTAKE_LABELS = {"app.kubernetes.io/name": "luisterpost", "app.kubernetes.io/component": "intake"}


def _pod(overlay: str) -> dict[str, Any]:
    spec: dict[str, Any] = named(overlay, "Deployment", "luisterpost-intake")["spec"]["template"]["spec"]
    return spec


def _env(overlay: str) -> dict[str, dict[str, Any]]:
    return {variable["name"]: variable for variable in _pod(overlay)["containers"][0]["env"]}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_intake_runs_as_the_other_stages_do(overlay: str) -> None:
    deployment = named(overlay, "Deployment", "luisterpost-intake")
    assert deployment["spec"]["selector"]["matchLabels"] == INTAKE_LABELS
    assert deployment["spec"]["replicas"] >= 2, "one intake pod is a front door that closes on every rollout"
    spec = _pod(overlay)
    (container,) = spec["containers"]
    assert container["args"] == ["run", "intake"] and "command" not in container
    assert spec["terminationGracePeriodSeconds"] > DRAIN_S and spec["automountServiceAccountToken"] is False
    context = {**spec["securityContext"], **container["securityContext"]}
    assert context["runAsNonRoot"] and context["readOnlyRootFilesystem"] and not context["allowPrivilegeEscalation"]
    probes = {name: container[name]["httpGet"] for name in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert {probe["port"] for probe in probes.values()} == {"metrics"}
    assert probes["readinessProbe"]["path"] == "/readyz" and probes["livenessProbe"]["path"] == "/healthz"
    for resource in ("cpu", "memory"):
        assert quantity(resource, container["resources"]["requests"][resource]) <= \
            quantity(resource, container["resources"]["limits"][resource])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_intake_listens_where_the_service_and_the_policy_point(overlay: str) -> None:
    container = _pod(overlay)["containers"][0]
    ports = {port["name"]: port["containerPort"] for port in container["ports"]}
    address = _env(overlay)["LUISTERPOST_INTAKE_ADDRESS"]["value"]
    assert address == f"0.0.0.0:{ports['http']}", "the intake must listen on the pod's http port"
    service = named(overlay, "Service", "luisterpost-intake")
    assert service["spec"]["selector"] == INTAKE_LABELS
    assert [port["targetPort"] for port in service["spec"]["ports"]] == ["http"]
    policy = named(overlay, "NetworkPolicy", "luisterpost-intake")["spec"]
    assert policy["podSelector"]["matchLabels"] == INTAKE_LABELS
    assert set(policy["policyTypes"]) == {"Ingress", "Egress"}
    http_rules = [rule for rule in policy["ingress"] if {"port": "http", "protocol": "TCP"} in rule["ports"]]
    assert len(http_rules) == 1 and all(peer for peer in http_rules[0]["from"]), "the intake port is open to all"
    for peer in http_rules[0]["from"]:
        labels = {**peer.get("podSelector", {}).get("matchLabels", {}),
                  **peer.get("namespaceSelector", {}).get("matchLabels", {})}
        assert labels == {"luisterpost.io/intake-client": "true"}, f"{overlay}: unlabelled peer {peer}"
    budgets = [pdb for pdb in of_kind(overlay, "PodDisruptionBudget")
               if pdb["spec"]["selector"]["matchLabels"] == INTAKE_LABELS]
    assert len(budgets) == 1 and budgets[0]["spec"]["maxUnavailable"] == 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_client_secret_comes_from_the_intake_secret(overlay: str) -> None:
    data = named(overlay, "ConfigMap", "luisterpost-config")["data"]
    config = build(yaml.safe_load(data["config.yaml"]), environ={})
    assert config.intake.clients, f"{overlay}: no intake client configured"
    env = _env(overlay)
    for client in config.intake.clients:
        for variable in filter(None, (client.hmac_secret_from_env, client.token_from_env)):
            assert variable in env, f"{overlay}: {client.name} reads {variable}, which the pod does not set"
            reference = env[variable]["valueFrom"]["secretKeyRef"]
            assert reference["name"] == "luisterpost-intake" and not reference.get("optional", False)
        assert client.hmac_secret is None and client.token is None, f"{overlay}: an inline intake secret"
    for name, variable in env.items():
        if any(word in name.upper() for word in SECRET_WORDS):
            assert "value" not in variable, f"{overlay}: {name} is inline"
    assert not of_kind(overlay, "Secret"), f"{overlay}: a Secret is inlined in the manifests"
