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

# Paraphrased from the SafeLives Dash RIC (24 questions). As on the checklist itself, each is asked
# of the person being referred ("you"); "they" is always the person causing harm.
DASH_QUESTIONS: dict[str, str] = {
    "1": "Has the current incident resulted in injury?",
    "2": "Are you very frightened?",
    "3": "Are you afraid of further injury or violence?",
    "4": "Do you feel isolated from family or friends, for example do they stop you seeing them?",
    "5": "Are you feeling depressed or having suicidal thoughts?",
    "6": "Have you separated, or tried to separate, from them within the past year?",
    "7": "Is there conflict over contact with children?",
    "8": "Do they constantly text, call, contact, follow, stalk or harass you?",
    "9": "Are you pregnant, or have you had a baby in the last 18 months?",
    "10": "Is the abuse happening more often?",
    "11": "Is the abuse getting worse?",
    "12": "Do they try to control everything you do, or are they excessively jealous?",
    "13": "Have they ever used weapons or objects to hurt you?",
    "14": "Have they ever threatened to kill you or someone else, and you believed them?",
    "15": "Have they ever attempted to strangle, choke, suffocate or drown you?",
    "16": "Do they do or say things of a sexual nature that make you feel bad or that physically "
    "hurt you or someone else?",
    "17": "Is there any other person who has threatened you, or whom you are afraid of?",
    "18": "Do you know if they have hurt anyone else?",
    "19": "Have they ever mistreated an animal or the family pet?",
    "20": "Are there financial issues, for example are you dependent on them for money?",
    "21": "Have they had problems in the past year with drugs, alcohol or mental health that "
    "affect ordinary life?",
    "22": "Have they ever threatened or attempted suicide?",
    "23": "Have they ever broken bail, an injunction or a formal agreement about contact?",
    "24": "Do you know if they have ever been in trouble with the police or have a criminal "
    "history?",
}

# What to say when a question is left unanswered: the question's own words, never its number.
# "The person" is the person being referred; "the person causing harm" is who "they" are above.
DASH_ERRORS: dict[str, str] = {
    "1": "Select if the current incident resulted in injury",
    "2": "Select if the person is very frightened",
    "3": "Select if the person is afraid of further injury or violence",
    "4": "Select if the person feels isolated from family or friends",
    "5": "Select if the person is feeling depressed or having suicidal thoughts",
    "6": "Select if the person has separated, or tried to separate, within the past year",
    "7": "Select if there is conflict over contact with children",
    "8": "Select if the person causing harm constantly contacts, follows or harasses them",
    "9": "Select if the person is pregnant or has had a baby in the last 18 months",
    "10": "Select if the abuse is happening more often",
    "11": "Select if the abuse is getting worse",
    "12": "Select if the person causing harm tries to control everything or is excessively jealous",
    "13": "Select if the person causing harm has used weapons or objects to hurt them",
    "14": "Select if the person causing harm has threatened to kill them or someone else",
    "15": "Select if the person causing harm has attempted to strangle, choke, suffocate or drown "
    "them",
    "16": "Select if the person causing harm does or says things of a sexual nature that hurt them",
    "17": "Select if anyone else has threatened them or they are afraid of anyone else",
    "18": "Select if the person causing harm has hurt anyone else",
    "19": "Select if the person causing harm has mistreated an animal or the family pet",
    "20": "Select if there are financial issues",
    "21": "Select if the person causing harm has had problems with drugs, alcohol or mental health",
    "22": "Select if the person causing harm has threatened or attempted suicide",
    "23": "Select if the person causing harm has broken bail, an injunction or a formal agreement",
    "24": "Select if the person causing harm has been in trouble with the police",
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
