"""One source for every default: the bundled rules.yaml says exactly what the models default to.

A user's rules file replaces the bundled one, and every key it leaves out takes the model's default
(deploy/base/rules.yaml is empty and promises "the bundled defaults"). So the two must agree, key by key.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import yaml

from alerts.detection.incidents import Policy
from alerts.rules_config import BUNDLED_RULES, IncidentsConfig, RulesConfig, load_rules


def flat(tree: Any, prefix: str = "") -> dict[str, Any]:
    """{"pile_on.threshold": 10, ...}: every leaf by its dotted key, lists as lists."""
    if not isinstance(tree, dict) or not tree:
        return {prefix: list(tree) if isinstance(tree, tuple | list) else tree}
    leaves: dict[str, Any] = {}
    for key, value in tree.items():
        leaves |= flat(value, f"{prefix}.{key}" if prefix else str(key))
    return leaves


def differences(written: dict[str, Any], defaults: dict[str, Any]) -> list[str]:
    return [f"{key}: rules.yaml {written.get(key, '(missing)')!r}, model default {defaults.get(key, '(missing)')!r}"
            for key in sorted(written.keys() | defaults.keys()) if written.get(key, ...) != defaults.get(key, ...)]


def test_the_bundled_rules_file_states_every_model_default() -> None:
    written = flat(yaml.safe_load(BUNDLED_RULES.read_text(encoding="utf-8")))
    defaults = flat(RulesConfig().model_dump(mode="json"))
    found = differences(written, defaults)
    assert not found, "rules.yaml and alerts/rules_config.py disagree:\n" + "\n".join(found)


def test_an_empty_rules_file_means_the_bundled_rules(tmp_path: Any) -> None:
    empty = tmp_path / "rules.yaml"
    empty.write_text("# nothing tuned\n", encoding="utf-8")
    assert load_rules(empty) == load_rules(None)


def test_a_difference_is_reported_by_its_key() -> None:
    written = flat({"pile_on": {"threshold": 12, "abuse_weight": 2.0}})
    defaults = flat({"pile_on": {"threshold": 10, "abuse_weight": 2.0, "min_defenders": 5}})
    assert differences(written, defaults) == ["pile_on.min_defenders: rules.yaml '(missing)', model default 5",
                                              "pile_on.threshold: rules.yaml 12, model default 10"]


def test_the_incident_policy_has_no_defaults_of_its_own() -> None:
    """Its values come from the `incidents` section, so they cannot drift from rules.yaml."""
    own = [field.name for field in dataclasses.fields(Policy)
           if field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING]
    assert own == []
    assert load_rules(None).incidents.policy() == IncidentsConfig().policy()
