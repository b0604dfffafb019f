"""Dash scoring, bands and the four Marac criteria, at their boundaries."""

from __future__ import annotations

import pytest

from daservice.referrals.risk import (
    DASH_QUESTIONS,
    Answer,
    Criterion,
    Level,
    Thresholds,
    assess,
)

T = Thresholds()


def answers(yes: int, *, not_known: int = 0) -> dict[str, Answer]:
    keys = list(DASH_QUESTIONS)
    out = {k: Answer.NO for k in keys}
    for k in keys[:yes]:
        out[k] = Answer.YES
    for k in keys[yes : yes + not_known]:
        out[k] = Answer.NOT_KNOWN
    return out


def test_there_are_24_questions():
    assert list(DASH_QUESTIONS) == [str(n) for n in range(1, 25)]


@pytest.mark.parametrize(
    "yes,level",
    [
        (0, Level.STANDARD),
        (9, Level.STANDARD),
        (10, Level.MEDIUM),
        (13, Level.MEDIUM),
        (14, Level.HIGH),
        (24, Level.HIGH),
    ],
)
def test_score_bands(yes, level):
    result = assess(answers(yes), thresholds=T)
    assert (result.score, result.level) == (yes, level)


def test_not_known_does_not_score():
    assert assess(answers(3, not_known=10), thresholds=T).score == 3


def test_visible_high_risk_from_14():
    assert Criterion.VISIBLE_HIGH_RISK not in assess(answers(13), thresholds=T).criteria
    assert Criterion.VISIBLE_HIGH_RISK in assess(answers(14), thresholds=T).criteria


def test_professional_judgement_raises_but_never_lowers():
    raised = assess(answers(2), thresholds=T, professional_judgement=True)
    assert raised.marac and raised.criteria == (Criterion.PROFESSIONAL_JUDGEMENT,)
    assert raised.level == Level.STANDARD and raised.score == 2  # the score is not changed
    high = assess(answers(16), thresholds=T, professional_judgement=False)
    assert high.marac and high.level == Level.HIGH  # no judgement can take this away


@pytest.mark.parametrize(
    "incidents,expected", [(None, False), (0, False), (2, False), (3, True), (9, True)]
)
def test_potential_escalation_from_three_incidents(incidents, expected):
    result = assess(answers(0), thresholds=T, incidents_past_12_months=incidents)
    assert (Criterion.POTENTIAL_ESCALATION in result.criteria) is expected


def test_repeat_criterion():
    assert assess(answers(0), thresholds=T, repeat=True).criteria == (Criterion.REPEAT,)


def test_thresholds_are_configurable():
    local = Thresholds.from_config(
        {"RISK_HIGH_FROM": 17, "RISK_MEDIUM_FROM": 12, "RISK_ESCALATION_INCIDENTS": 2}
    )
    assert assess(answers(16), thresholds=local).level == Level.MEDIUM
    assert assess(answers(17), thresholds=local).criteria == (Criterion.VISIBLE_HIGH_RISK,)
    assert assess(answers(0), thresholds=local, incidents_past_12_months=2).marac
