"""The review page in a cluster, as rendered: a token from a Secret file, a NetworkPolicy that
admits only the ingress controller and Prometheus, pages that link to an https base URL."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest
import yaml

from tests.unit.test_deploy_rendered import OVERLAYS, named

pytestmark = pytest.mark.tools  # every test reads the overlays as kubectl kustomize renders them

SELECTOR = {"app.kubernetes.io/name": "luisterpost", "app.kubernetes.io/component": "review"}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_page_asks_for_a_token_from_a_secret_file(overlay: str) -> None:
    spec = named(overlay, "Deployment", "luisterpost-review")["spec"]["template"]["spec"]
    (container,) = spec["containers"]
    assert container["args"] == ["review"]
    env = {variable["name"]: variable.get("value") for variable in container["env"]}
    token_file = PurePosixPath(str(env["LUISTERPOST_REVIEW_TOKEN_FILE"]))
    mounts = {mount["name"]: mount["mountPath"] for mount in container["volumeMounts"]}
    secrets = {volume["name"]: volume["secret"]["secretName"] for volume in spec["volumes"] if "secret" in volume}
    token_volume = next(name for name, path in mounts.items() if PurePosixPath(path) == token_file.parent)
    assert secrets[token_volume] == "luisterpost-review-token", f"{overlay}: the token is not from its Secret"
    assert env["LUISTERPOST_REVIEW_ADDRESS"] == "0.0.0.0:9465"  # in a pod; 127.0.0.1 is the default
    context = {**spec["securityContext"], **container["securityContext"]}
    assert context["runAsNonRoot"] and context["readOnlyRootFilesystem"] and not context["allowPrivilegeEscalation"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_ingress_controller_and_prometheus_reach_the_review_pod(overlay: str) -> None:
    policy = named(overlay, "NetworkPolicy", "luisterpost-review")["spec"]
    assert policy["podSelector"]["matchLabels"] == SELECTOR and policy["policyTypes"] == ["Ingress"]
    ports = [[port["port"] for port in rule["ports"]] for rule in policy["ingress"]]
    assert ports == [["http"], ["metrics"]], f"{overlay}: {ports}"
    assert all(rule["from"] for rule in policy["ingress"]), f"{overlay}: an ingress rule admits everyone"
    service = named(overlay, "Service", "luisterpost-review")["spec"]
    assert service["selector"] == SELECTOR and service["ports"][0]["targetPort"] == "http"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pages_link_to_an_https_incident_page(overlay: str) -> None:
    from luisterpost.config import build

    data = named(overlay, "ConfigMap", "luisterpost-config")["data"]
    config = build(yaml.safe_load(data["config.yaml"]), environ={})
    assert config.review.page_base().startswith("https://"), f"{overlay}: {config.review.page_base()}"
