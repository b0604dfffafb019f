"""Routing rules, as data: which kinds of service a referral goes to, and whether each route may
be made without the victim's consent (DESIGN.md §4)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from ..directory.models import ServiceKind
from .risk import Assessment, Criterion


@dataclass(frozen=True)
class Facts:
    """What routing may look at: plain facts, no protected values."""

    assessment: Assessment
    has_children: bool
    needs: frozenset[str]
    refer_perpetrator_to_programme: bool


@dataclass(frozen=True)
class Rule:
    name: str
    applies: Callable[[Facts], bool]
    to: tuple[ServiceKind, ...]
    lawful_without_consent: bool


RULES: tuple[Rule, ...] = (
    Rule(
        "any Marac criterion",
        lambda f: f.assessment.marac,
        (ServiceKind.MARAC, ServiceKind.IDVA),
        lawful_without_consent=True,
    ),
    # A referral that meets a Marac criterion only because she was referred to Marac before goes
    # to community outreach as well: its referrer, who is never told she was known (DESIGN §3),
    # then sees the same routes as for a first referral (services.submitter_routes).
    Rule(
        "no Marac criterion the referrer is told of",
        lambda f: not set(f.assessment.criteria) - {Criterion.REPEAT},
        (ServiceKind.OUTREACH,),
        lawful_without_consent=False,
    ),
    Rule(
        "children in the household",
        lambda f: f.has_children,
        (ServiceKind.CHILDRENS_SAFEGUARDING,),
        lawful_without_consent=True,
    ),
    Rule(
        "housing need",
        lambda f: "housing" in f.needs,
        (ServiceKind.HOUSING,),
        lawful_without_consent=False,
    ),
    Rule(
        "perpetrator programme requested",
        lambda f: f.refer_perpetrator_to_programme,
        (ServiceKind.PERPETRATOR_PROGRAMME,),
        lawful_without_consent=False,
    ),
)


def plan(facts: Facts) -> dict[ServiceKind, bool]:
    """Service kinds to route to, each with whether it is lawful without consent."""
    kinds: dict[ServiceKind, bool] = {}
    for rule in RULES:
        if rule.applies(facts):
            for kind in rule.to:
                kinds[kind] = kinds.get(kind, False) or rule.lawful_without_consent
    return kinds


def plan_either_way(facts: Facts) -> dict[ServiceKind, tuple[bool, bool]]:
    """``plan(facts)`` as ``{kind: (lawful without consent, routed)}``, with the kinds a referral
    would also go to had she been referred to Marac before, or not (those not ``routed``).

    When the referrer's answers meet no Marac criterion, whether she was referred to Marac before
    decides the Marac and Idva routes. Intake plans them either way, so that a request about her
    does the same work as one about someone new (DESIGN §3): only the kept ones are written."""
    planned = plan(facts)
    told = tuple(c for c in facts.assessment.criteria if c != Criterion.REPEAT)
    if told:  # Marac on what the referrer said: an earlier referral changes no route
        return {kind: (lawful, True) for kind, lawful in planned.items()}
    # As a repeat it goes everywhere it would go as a first referral, and to Marac and Idva.
    as_repeat = replace(facts, assessment=replace(facts.assessment, criteria=(Criterion.REPEAT,)))
    return {
        kind: (planned.get(kind, lawful), kind in planned)
        for kind, lawful in plan(as_repeat).items()
    }
