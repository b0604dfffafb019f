"""Routing rules (DESIGN.md §4), one fact at a time."""

from __future__ import annotations

import pytest

from daservice.directory.models import ServiceKind as K
from daservice.referrals.risk import Assessment, Criterion, Level
from daservice.referrals.routing import Facts, plan


def facts(*criteria: Criterion, children=False, needs=(), programme=False) -> Facts:
    return Facts(
        Assessment(5, Level.STANDARD, tuple(criteria)), children, frozenset(needs), programme
    )


def test_no_criterion_goes_to_outreach_needing_consent():
    assert plan(facts()) == {K.OUTREACH: False}


@pytest.mark.parametrize(
    "criterion",
    [Criterion.VISIBLE_HIGH_RISK, Criterion.PROFESSIONAL_JUDGEMENT, Criterion.POTENTIAL_ESCALATION],
)
def test_a_criterion_the_referrer_sees_goes_to_marac_and_idva_without_consent(criterion):
    assert plan(facts(criterion)) == {K.MARAC: True, K.IDVA: True}


def test_repeat_alone_goes_to_marac_and_idva_and_outreach_too():
    # Outreach as well, so the referrer (who is not told "repeat") sees a first referral's routes.
    assert plan(facts(Criterion.REPEAT)) == {K.MARAC: True, K.IDVA: True, K.OUTREACH: False}
    both = plan(facts(Criterion.REPEAT, Criterion.VISIBLE_HIGH_RISK))
    assert both == {K.MARAC: True, K.IDVA: True}


def test_children_housing_and_programme_add_their_routes():
    assert plan(facts(children=True, needs=("housing",), programme=True)) == {
        K.OUTREACH: False,
        K.CHILDRENS_SAFEGUARDING: True,
        K.HOUSING: False,
        K.PERPETRATOR_PROGRAMME: False,
    }
