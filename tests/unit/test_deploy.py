"""The container image and the Kustomize base keep the promises a safe rollout depends on.

These tests parse the files (there is no Docker engine or cluster in CI), so each failure names the
file and what is wrong with it.
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BASE = DEPLOY / "base"
DOCKERFILE = DEPLOY / "Dockerfile"
STAGES = ("ingest", "classify", "detect", "notify")
DRAIN_S = 30  # what `luisterpost run` promises after SIGTERM
SECRET_WORDS = ("SECRET", "PASSWORD", "TOKEN", "KEY")
SHELLS = {"sh", "bash", "ash", "dash", "/bin/sh", "/bin/bash", "/usr/bin/env"}


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def load_one(path: Path) -> dict[str, Any]:
    assert path.is_file(), f"{rel(path)}: missing"
    documents = [doc for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")) if doc]
    assert len(documents) == 1, f"{rel(path)}: expected one YAML document, found {len(documents)}"
    assert isinstance(documents[0], dict), f"{rel(path)}: not a mapping"
    return documents[0]


def kustomization() -> dict[str, Any]:
    return load_one(BASE / "kustomization.yaml")


def configmap() -> dict[str, Any]:
    return load_one(BASE / "configmap.yaml")


def deployment_file(stage: str) -> Path:
    return BASE / f"deployment-{stage}.yaml"


def pod_spec(stage: str) -> tuple[str, dict[str, Any]]:
    path = deployment_file(stage)
    doc = load_one(path)
    assert doc.get("kind") == "Deployment", f"{rel(path)}: kind is {doc.get('kind')!r}, not Deployment"
    return rel(path), doc["spec"]["template"]["spec"]


def containers(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [*spec.get("initContainers", []), *spec["containers"]]


def main_container(stage: str) -> tuple[str, dict[str, Any], dict[str, Any]]:
    name, spec = pod_spec(stage)
    assert len(spec["containers"]) == 1, f"{name}: expected one container, found {len(spec['containers'])}"
    return name, spec, spec["containers"][0]


# --- Kustomize base -----------------------------------------------------------------------------


def test_every_file_listed_in_kustomization_exists() -> None:
    for resource in kustomization().get("resources", []):
        assert (BASE / resource).exists(), (
            f"deploy/base/kustomization.yaml: lists {resource}, which is missing")


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_is_in_kustomization(stage: str) -> None:
    listed = kustomization().get("resources", [])
    assert deployment_file(stage).name in listed, (
        f"deploy/base/kustomization.yaml: {deployment_file(stage).name} is not in resources")


@pytest.mark.parametrize("stage", STAGES)
def test_labels_select_the_stage(stage: str) -> None:
    doc = load_one(deployment_file(stage))
    expected = {"app.kubernetes.io/name": "luisterpost", "app.kubernetes.io/component": stage}
    where = rel(deployment_file(stage))
    for place, labels in (("metadata.labels", doc["metadata"].get("labels", {})),
                          ("spec.selector.matchLabels", doc["spec"]["selector"]["matchLabels"]),
                          ("spec.template.metadata.labels", doc["spec"]["template"]["metadata"]["labels"])):
        assert expected.items() <= labels.items(), f"{where}: {place} is {labels}, should include {expected}"


@pytest.mark.parametrize("stage", STAGES)
def test_runs_as_non_root_on_a_read_only_root(stage: str) -> None:
    name, spec, _ = main_container(stage)
    for container in containers(spec):
        # A container's securityContext overrides the pod's, field by field.
        context = {**spec.get("securityContext", {}), **container.get("securityContext", {})}
        where = f"{name}: container {container['name']}"
        assert context.get("runAsNonRoot") is True, f"{where}: runAsNonRoot is not true"
        user = context.get("runAsUser")
        assert isinstance(user, int) and user > 0, f"{where}: runAsUser {user!r} is not a non-root UID"
        assert context.get("readOnlyRootFilesystem") is True, f"{where}: root filesystem is writable"
        assert context.get("allowPrivilegeEscalation") is False, f"{where}: privilege escalation allowed"
        assert "ALL" in context.get("capabilities", {}).get("drop", []), f"{where}: capabilities not dropped"
        seccomp = context.get("seccompProfile", {}).get("type")
        assert seccomp == "RuntimeDefault", f"{where}: seccompProfile is {seccomp!r}, not RuntimeDefault"


@pytest.mark.parametrize("stage", STAGES)
def test_probes_hit_healthz_and_readyz_on_the_metrics_port(stage: str) -> None:
    name, _, container = main_container(stage)
    ports = {port.get("name"): port["containerPort"] for port in container.get("ports", [])}
    assert ports.get("metrics") == 9464, f"{name}: no containerPort 9464 named metrics (found {ports})"
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        http = container.get(probe, {}).get("httpGet")
        assert http, f"{name}: {probe} missing or not httpGet"
        assert http.get("path") == path, f"{name}: {probe} checks {http.get('path')!r}, not {path}"
        assert http.get("port") in ("metrics", 9464), f"{name}: {probe} port {http.get('port')!r} is wrong"


@pytest.mark.parametrize("stage", STAGES)
def test_grace_period_outlasts_the_drain(stage: str) -> None:
    name, spec = pod_spec(stage)
    grace = spec.get("terminationGracePeriodSeconds", 30)
    assert grace > DRAIN_S, f"{name}: terminationGracePeriodSeconds {grace} is not above the {DRAIN_S}s drain"


@pytest.mark.parametrize("stage", STAGES)
def test_args_run_its_own_stage_through_the_entrypoint(stage: str) -> None:
    name, _, container = main_container(stage)
    args = container.get("args")
    assert args == ["run", stage], f"{name}: args {args!r} do not run {stage}"
    assert "command" not in container, f"{name}: command overrides the exec-form ENTRYPOINT"


CPU = re.compile(r"^(\d+(?:\.\d+)?)(m?)$")
MEMORY = re.compile(r"^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$")
MEMORY_UNITS = {None: 1, "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
                "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40}


def quantity(resource: str, value: object) -> float:
    """Kubernetes quantities, as far as these manifests use them."""
    if resource == "cpu" and (match := CPU.match(str(value))):
        return float(match[1]) / (1000 if match[2] else 1)
    if resource == "memory" and (match := MEMORY.match(str(value))):
        return float(match[1]) * MEMORY_UNITS[match[2]]
    raise ValueError(f"unreadable {resource} quantity {value!r}")


@pytest.mark.parametrize("stage", STAGES)
def test_resources_have_requests_within_limits(stage: str) -> None:
    name, spec = pod_spec(stage)
    for container in containers(spec):
        resources = container.get("resources", {})
        for resource in ("cpu", "memory"):
            request = resources.get("requests", {}).get(resource)
            limit = resources.get("limits", {}).get(resource)
            where = f"{name}: container {container['name']} {resource}"
            assert request is not None and limit is not None, f"{where}: needs both a request and a limit"
            assert quantity(resource, request) <= quantity(resource, limit), (
                f"{where}: request {request} is above limit {limit}")


@pytest.mark.parametrize("stage", STAGES)
def test_secrets_never_appear_inline(stage: str) -> None:
    name, spec = pod_spec(stage)
    for container in containers(spec):
        for variable in container.get("env", []):
            if not any(word in variable["name"].upper() for word in SECRET_WORDS):
                continue
            where = f"{name}: env {variable['name']}"
            assert "value" not in variable, f"{where} has an inline value; use secretKeyRef or envFrom"
            assert "secretKeyRef" in variable.get("valueFrom", {}), f"{where} must come from a Secret"


@pytest.mark.parametrize("stage", STAGES)
def test_pager_secret_is_for_notify_only_and_optional(stage: str) -> None:
    name, _, container = main_container(stage)
    refs = [source["secretRef"] for source in container.get("envFrom", []) if "secretRef" in source]
    pagers = [ref for ref in refs if ref.get("name") == "luisterpost-pagers"]
    if stage != "notify":
        assert not pagers, f"{name}: only notify may read the luisterpost-pagers Secret"
        return
    assert pagers, f"{name}: notify does not read the luisterpost-pagers Secret through envFrom"
    assert pagers[0].get("optional") is True, f"{name}: the luisterpost-pagers Secret must be optional"


@pytest.mark.parametrize("stage", STAGES)
def test_writes_only_to_tmp_and_reads_the_mounted_config(stage: str) -> None:
    name, spec, container = main_container(stage)
    volumes = {volume["name"]: volume for volume in spec.get("volumes", [])}
    mounts = {mount["mountPath"]: mount for mount in container.get("volumeMounts", [])}
    env = {variable["name"]: variable for variable in container.get("env", [])}
    tmp = volumes.get(mounts.get("/tmp", {}).get("name"), {})
    assert "emptyDir" in tmp, f"{name}: /tmp is not an emptyDir, so the read-only pod has nowhere to write"
    assert env.get("HOME", {}).get("value") == "/tmp", f"{name}: HOME is not /tmp"
    config = mounts.get("/etc/luisterpost", {})
    source = volumes.get(config.get("name"), {}).get("configMap", {}).get("name")
    assert source == "luisterpost-config", f"{name}: /etc/luisterpost is not the luisterpost-config ConfigMap"
    assert config.get("readOnly") is True, f"{name}: /etc/luisterpost is not mounted read-only"
    config_path = env.get("LUISTERPOST_CONFIG", {}).get("value", "")
    key = config_path.removeprefix("/etc/luisterpost/")
    assert key in configmap()["data"], f"{name}: LUISTERPOST_CONFIG {config_path!r} is not a ConfigMap key"
    bootstrap = env.get("LUISTERPOST_BOOTSTRAP", {}).get("valueFrom", {}).get("configMapKeyRef", {})
    assert bootstrap.get("key") in configmap()["data"], f"{name}: LUISTERPOST_BOOTSTRAP has no ConfigMap key"
    address = env.get("LUISTERPOST_HTTP_ADDRESS", {}).get("value")
    assert address == "0.0.0.0:9464", f"{name}: LUISTERPOST_HTTP_ADDRESS {address!r} is not 0.0.0.0:9464"


def test_configmap_config_is_valid() -> None:
    raw = yaml.safe_load(configmap()["data"]["config.yaml"])
    assert isinstance(raw, dict), "deploy/base/configmap.yaml: config.yaml is not a mapping"
    config = pytest.importorskip("luisterpost.config", reason="luisterpost is not importable")
    try:
        config.build(raw, environ={})
    except config.ConfigError as error:
        pytest.fail(f"deploy/base/configmap.yaml: config.yaml is rejected: {error}")


# --- Dockerfile ---------------------------------------------------------------------------------


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """(INSTRUCTION, arguments) per build stage, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    stages: list[list[tuple[str, str]]] = [[]]  # the first holds the global ARGs
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction.upper() == "FROM":
            stages.append([])
        stages[-1].append((instruction.upper(), arguments.strip()))
    return stages


def final_stage() -> list[tuple[str, str]]:
    return dockerfile_stages()[-1]


def last(stage: list[tuple[str, str]], instruction: str) -> str:
    found = [arguments for name, arguments in stage if name == instruction]
    assert found, f"deploy/Dockerfile: the final stage has no {instruction}"
    return found[-1]


def test_dockerfile_is_multi_stage_on_slim_bookworm() -> None:
    stages = dockerfile_stages()
    assert len(stages) >= 3, "deploy/Dockerfile: expected a builder stage and a runtime stage"
    defaults = dict(arg.split("=", 1) for name, arg in stages[0] if name == "ARG" and "=" in arg)
    image = re.sub(r"\$\{(\w+)\}", lambda match: defaults.get(match[1], match[0]), last(stages[-1], "FROM"))
    assert image.split()[0] == "python:3.11-slim-bookworm", f"deploy/Dockerfile: runtime base is {image}"
    copies = [arguments for name, arguments in stages[-1] if name == "COPY" and "--from=" in arguments]
    assert copies, "deploy/Dockerfile: the runtime stage copies nothing from the builder"


def test_dockerfile_runs_as_a_numeric_non_root_user() -> None:
    user = last(final_stage(), "USER")
    for part in user.split(":"):
        assert part.isdigit(), f"deploy/Dockerfile: USER {user} is not numeric; runAsNonRoot cannot check it"
        assert int(part) != 0, f"deploy/Dockerfile: USER {user} is root"


@pytest.mark.parametrize("instruction", ["ENTRYPOINT", "CMD"])
def test_dockerfile_entrypoint_and_cmd_are_exec_form(instruction: str) -> None:
    arguments = last(final_stage(), instruction)
    try:
        words = json.loads(arguments)
    except json.JSONDecodeError:
        words = None
    assert isinstance(words, list) and all(isinstance(word, str) for word in words), (
        f"deploy/Dockerfile: {instruction} {arguments} is shell form; SIGTERM would stop at /bin/sh")


def test_dockerfile_entrypoint_is_luisterpost_without_a_shell() -> None:
    words = json.loads(last(final_stage(), "ENTRYPOINT"))
    assert words and words[0] not in SHELLS and "-c" not in words, (
        f"deploy/Dockerfile: ENTRYPOINT {words} wraps the program in a shell")
    assert words == ["luisterpost"], f"deploy/Dockerfile: ENTRYPOINT is {words}, not ['luisterpost']"
    assert json.loads(last(final_stage(), "CMD")) == ["run", "all"], "deploy/Dockerfile: CMD is not run all"


def test_dockerfile_runtime_environment() -> None:
    env = dict(word.split("=", 1) for name, arguments in final_stage() if name == "ENV"
               for word in shlex.split(arguments) if "=" in word)
    assert env.get("PYTHONUNBUFFERED") == "1", "deploy/Dockerfile: PYTHONUNBUFFERED=1 is not set"
    exposed = [arguments for name, arguments in final_stage() if name == "EXPOSE"]
    assert any("9464" in ports.split() for ports in exposed), "deploy/Dockerfile: port 9464 is not exposed"
    assert last(final_stage(), "WORKDIR") == "/app", "deploy/Dockerfile: WORKDIR is not /app"


def test_dockerignore_keeps_local_state_out_of_the_context() -> None:
    path = ROOT / ".dockerignore"
    assert path.is_file(), ".dockerignore: missing, so .git and .venv go into the build context"
    patterns = {line.strip().rstrip("/") for line in path.read_text(encoding="utf-8").splitlines()}
    for needed in (".git", ".venv", "var"):
        assert needed in patterns, f".dockerignore: {needed} is not excluded"


@pytest.mark.tools
def test_the_installed_package_has_every_module_the_model_and_the_int8_calibration_split(tmp_path: Path) -> None:
    # The image runs `pip install .`, then `luisterpost setup` exports the int8 model, which measures the
    # outlier channels on the corpus training split: a wheel without it cannot build the int8 path.
    import shutil
    import subprocess
    import sys
    import zipfile

    # from a clean copy: setuptools keeps files of earlier builds in build/, which would hide a missing entry
    source = tmp_path / "source"
    local = shutil.ignore_patterns(".git", ".venv", "build", "*.egg-info", "var", "__pycache__", ".*_cache")
    shutil.copytree(ROOT, source, ignore=local)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp_path / "dist")], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("luisterpost-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "classify/corpus/train.csv" in names
    modules = {str(path.relative_to(ROOT)) for top in ("luisterpost", "ingest", "classify", "alerts")
               for path in (ROOT / top).rglob("*.py") if (path.parent / "__init__.py").is_file()}
    assert modules <= names, f"left out of the package: {sorted(modules - names)}"
    assert {"classify/models/luisterpost-e5-small/luisterpost.json",
            "classify/models/luisterpost-e5-small/top.safetensors"} <= names
    assert {"ingest/defaults/brands.yaml", "alerts/defaults/rules.yaml"} <= names, "the bundled defaults are left out"
