"""Escalation rules, one module each, named as their section of the rules file, each a `Rule` (base.py)."""

from __future__ import annotations

from typing import Any

from alerts.rules.base import Rule
from alerts.rules.complaint_spike import ComplaintSpike
from alerts.rules.influencer_complaint import InfluencerComplaint
from alerts.rules.legal_or_media_threat import LegalOrMediaThreat
from alerts.rules.negative_shift import NegativeShift
from alerts.rules.pile_on import PileOn
from alerts.rules.pipeline_silence import PipelineSilence
from alerts.rules_config import RulesConfig


def build_rules(config: RulesConfig) -> list[Rule[Any]]:
    """The enabled rules, in the order of the rules file: the order in which they are judged, and so the
    order of the events one mention causes."""
    rules: list[tuple[bool, Rule[Any]]] = [
        (config.complaint_spike.enabled, ComplaintSpike(config.complaint_spike)),
        (config.influencer_complaint.enabled, InfluencerComplaint(config.influencer_complaint)),
        (config.pile_on.enabled, PileOn(config.pile_on)),
        (config.legal_or_media_threat.enabled, LegalOrMediaThreat(config.legal_or_media_threat)),
        (config.negative_shift.enabled, NegativeShift(config.negative_shift)),
        (config.pipeline_silence.enabled, PipelineSilence(config.pipeline_silence)),
    ]
    return [rule for enabled, rule in rules if enabled]
