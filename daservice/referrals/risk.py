"""Risk: the SafeLives Dash risk identification checklist (RIC) and the four Marac criteria.

The question bank is data, paraphrased; the checklist is © SafeLives and the interface credits
them. Score = number of "yes". Bands and thresholds come from config so a partnership can set its
own local practice. Another tool (the police DARA) plugs in by adding a ``RiskTool``.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


class Answer(enum.StrEnum):
    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"


class Level(enum.StrEnum):
    STANDARD = "standard"
    MEDIUM = "medium"
    HIGH = "high"


class Criterion(enum.StrEnum):
    VISIBLE_HIGH_RISK = "visible_high_risk"
    PROFESSIONAL_JUDGEMENT = "professional_judgement"
    POTENTIAL_ESCALATION = "potential_escalation"
    REPEAT = "repeat"


DASH_CREDIT = (
    "Questions paraphrased from the SafeLives Dash risk identification checklist "
    "(© SafeLives 2015). Used with acknowledgement to SafeLives."
)

# Paraphrased from the SafeLives Dash RIC (24 questions). "They" is the person causing harm.
DASH_QUESTIONS: dict[str, str] = {
    "1": "Has the current incident resulted in injury?",
    "2": "Is she very frightened?",
    "3": "Is she afraid of further injury or violence?",
    "4": "Does she feel isolated from family or friends, for example are they stopped from "
    "seeing her?",
    "5": "Is she feeling depressed or having suicidal thoughts?",
    "6": "Has she separated, or tried to separate, from them within the past year?",
    "7": "Is there conflict over contact with children?",
    "8": "Do they constantly text, call, contact, follow, stalk or harass her?",
    "9": "Is she pregnant, or has she had a baby in the last 18 months?",
    "10": "Is the abuse happening more often?",
    "11": "Is the abuse getting worse?",
    "12": "Do they try to control everything she does, or are they excessively jealous?",
    "13": "Have they ever used weapons or objects to hurt her?",
    "14": "Have they ever threatened to kill her or someone else, and she believed them?",
    "15": "Have they ever attempted to strangle, choke, suffocate or drown her?",
    "16": "Do they do or say things of a sexual nature that make her feel bad or physically hurt "
    "her or someone else?",
    "17": "Is there any other person who has threatened her, or whom she is afraid of?",
    "18": "Does she know if they have hurt anyone else?",
    "19": "Have they ever mistreated an animal or the family pet?",
    "20": "Are there financial issues, for example is she dependent on them for money?",
    "21": "Have they had problems in the past year with drugs, alcohol or mental health that "
    "affect ordinary life?",
    "22": "Have they ever threatened or attempted suicide?",
    "23": "Have they ever broken bail, an injunction or a formal agreement about contact?",
    "24": "Does she know if they have ever been in trouble with the police or have a criminal "
    "history?",
}


@dataclass(frozen=True)
class Thresholds:
    medium_from: int = 10
    high_from: int = 14
    escalation_incidents: int = 3
    repeat_months: int = 12

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Thresholds:
        return cls(
            medium_from=int(config.get("RISK_MEDIUM_FROM", cls.medium_from)),
            high_from=int(config.get("RISK_HIGH_FROM", cls.high_from)),
            escalation_incidents=int(
                config.get("RISK_ESCALATION_INCIDENTS", cls.escalation_incidents)
            ),
            repeat_months=int(config.get("MARAC_REPEAT_MONTHS", cls.repeat_months)),
        )


@dataclass(frozen=True)
class Assessment:
    score: int
    level: Level
    criteria: tuple[Criterion, ...] = field(default_factory=tuple)

    @property
    def marac(self) -> bool:
        return bool(self.criteria)


def dash_score(answers: Mapping[str, Answer]) -> int:
    return sum(1 for key in DASH_QUESTIONS if answers.get(key) == Answer.YES)


def band(score: int, thresholds: Thresholds) -> Level:
    if score >= thresholds.high_from:
        return Level.HIGH
    if score >= thresholds.medium_from:
        return Level.MEDIUM
    return Level.STANDARD


def assess(
    answers: Mapping[str, Answer],
    *,
    thresholds: Thresholds,
    professional_judgement: bool = False,
    incidents_past_12_months: int | None = None,
    repeat: bool = False,
) -> Assessment:
    """Score, band and Marac criteria. Professional judgement can raise to Marac, never lower:
    it adds a criterion but never removes one, and never changes the score or band."""
    score = dash_score(answers)
    level = band(score, thresholds)
    criteria = []
    if score >= thresholds.high_from:
        criteria.append(Criterion.VISIBLE_HIGH_RISK)
    if professional_judgement:
        criteria.append(Criterion.PROFESSIONAL_JUDGEMENT)
    if (incidents_past_12_months or 0) >= thresholds.escalation_incidents:
        criteria.append(Criterion.POTENTIAL_ESCALATION)
    if repeat:
        criteria.append(Criterion.REPEAT)
    return Assessment(score, level, tuple(criteria))
