"""The dashboard's filters: which period, agency and service the figures are for.

The form is sent by GET, so a chosen view is a link a manager can bookmark or share. Every value
comes from the address bar and may have been typed: a bad one is an error on its field (the GOV.UK
error summary), never a 500 and never a 404, except an agency a limited manager may not see,
which is a 404 like any record outside her scope (``scope.query_for``).

The period is one select whose options are grouped by kind (quarters, months, the training plan's
years), so choosing the kind and the period is one question, answered without JavaScript; its
value is the period's key (``2026-Q3``, ``2026-07``, ``PY2024``), as in every link the page makes.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovSelect
from wtforms import SelectField

from ..accounts.models import Agency
from ..directory.models import Service
from . import periods
from .periods import BadPeriod, Period, PeriodKind

RECENT_MONTHS = 24
RECENT_QUARTERS = 12
GROUPS = {
    PeriodKind.QUARTER: "Quarters",
    PeriodKind.MONTH: "Months",
    PeriodKind.PLAN_YEAR: "Plan years",
}
NOT_STARTED = "Choose a period that has started"
PICK_AGENCY = "Select an agency from the list"
PICK_SERVICE = "Select a service from the list"
_Option = TypeVar("_Option", Agency, Service)


class FilterForm(FlaskForm):
    class Meta:
        csrf = False  # read-only, sent by GET

    # Choices grouped by kind (a dict: optgroups), filled in by ``read_filters``.
    period = SelectField("Period", choices=[], widget=GovSelect(), validate_choice=False)
    agency = SelectField("Agency", choices=[], widget=GovSelect(), validate_choice=False)
    service = SelectField("Service", choices=[], widget=GovSelect(), validate_choice=False)


@dataclass(frozen=True)
class Filters:
    """What the reader chose (a limited manager's agency is hers, whatever she chose)."""

    period: Period
    agency: Agency | None  # None: every agency
    service: Service | None  # None: every service
    limited: bool  # the reader sees only her own agency's figures

    @property
    def agency_id(self) -> uuid.UUID | None:
        return self.agency.id if self.agency else None

    @property
    def service_id(self) -> uuid.UUID | None:
        return self.service.id if self.service else None

    def args(self) -> dict[str, str]:
        """The filters as a link's query string (the period as one key)."""
        chosen = {"period": self.period.key}
        if self.agency and not self.limited:
            chosen["agency"] = str(self.agency.id)
        if self.service:
            chosen["service"] = str(self.service.id)
        return chosen

    @property
    def agency_words(self) -> str:
        return self.agency.name if self.agency else "All agencies"

    @property
    def service_words(self) -> str:
        return self.service.name if self.service else "All services"


class OutOfScope(Exception):
    """A limited manager asked for another agency's figures (the view answers 404)."""


def period_options(plan_years: list[Period], today: date) -> dict[PeriodKind, list[Period]]:
    """The periods each select offers, newest first: recent months and quarters (this one,
    unfinished, too) and the training plan's years that have started."""
    return {
        PeriodKind.MONTH: [periods.month(today).shifted(-n) for n in range(RECENT_MONTHS)],
        PeriodKind.QUARTER: [periods.quarter(today).shifted(-n) for n in range(RECENT_QUARTERS)],
        PeriodKind.PLAN_YEAR: [p for p in reversed(plan_years) if p.start <= today],
    }


def _option(period: Period, today: date) -> tuple[str, str]:
    return period.key, period.label + ("" if period.is_complete(today) else " (so far)")


def read_filters(
    form: FilterForm,
    args: Mapping[str, str],
    *,
    agencies: list[Agency],
    services: list[Service],
    plan_years: list[Period],
    own_agency: uuid.UUID | None,
    today: date,
) -> Filters | None:
    """Fill the form's choices, check what was sent, and return the filters; None when the form
    has errors (set on its fields). ``own_agency``: the agency a limited manager is pinned to.

    Raises ``OutOfScope`` when a limited manager asks for an agency that is not hers."""
    offered = period_options(plan_years, today)
    period = _read_period(form, args.get("period", ""), offered, plan_years, today)
    agency = _read_agency(form, args, agencies, own_agency)
    form.service.choices = [("", "All services")] + [(str(s.id), s.name) for s in services]
    service = _pick(form.service, args.get("service", ""), services, PICK_SERVICE)
    if form.errors or period is None:
        return None
    return Filters(period, agency, service, limited=own_agency is not None)


def _read_period(
    form: FilterForm,
    sent: str,
    offered: dict[PeriodKind, list[Period]],
    plan_years: list[Period],
    today: date,
) -> Period | None:
    """The period sent (the latest complete quarter when none was), or None with an error."""
    groups = {kind: [_option(p, today) for p in offered[kind]] for kind in GROUPS}
    form.period.choices = {GROUPS[kind]: options for kind, options in groups.items() if options}
    key = sent.strip()
    if not key:
        key = periods.latest_complete_quarter(today).key
    form.period.data = key
    try:
        period = periods.parse(key, plan_years)
    except BadPeriod as problem:
        form.period.errors = [str(problem)]
        return None
    if period.key not in {value for value, _ in groups[period.kind]}:
        # A period further back than the select lists, asked for by its key: still shown.
        groups[period.kind].insert(0, _option(period, today))
        form.period.choices[GROUPS[period.kind]] = groups[period.kind]
    form.period.data = period.key  # "2026-q3" typed in the address is 2026-Q3
    if period.start > today:
        form.period.errors = [NOT_STARTED]
        return None
    return period


def _read_agency(
    form: FilterForm,
    args: Mapping[str, str],
    agencies: list[Agency],
    own_agency: uuid.UUID | None,
) -> Agency | None:
    sent = args.get("agency", "").strip()
    if own_agency is not None:
        if sent and sent != str(own_agency):
            raise OutOfScope
        own = next((a for a in agencies if a.id == own_agency), None)
        form.agency.choices = [(str(own_agency), own.name if own else "Your agency")]
        form.agency.data = str(own_agency)
        return own
    form.agency.choices = [("", "All agencies")] + [(str(a.id), a.name) for a in agencies]
    return _pick(form.agency, sent, agencies, PICK_AGENCY)


def _pick(
    field: SelectField, sent: str, options: Sequence[_Option], message: str
) -> _Option | None:
    """The option whose id was sent ("" is every one); an error on the field otherwise."""
    field.data = sent
    if not sent:
        return None
    found = next((o for o in options if str(o.id) == sent), None)
    if found is None:
        field.data = ""
        field.errors = [message]
    return found
