"""What a signed-in user's home page tells her needs her now: counts and links, no case content.

Each count comes from the package that owns the rows, scoped to the user there; this module only
asks the ones her roles allow.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from .. import notify
from ..accounts.models import User
from ..directory import queries as directory_queries
from ..directory.models import Service
from ..extensions import utcnow
from ..perpetrators import pages as programme_pages
from ..perpetrators import partner_support
from ..referrals import attention
from ..referrals.models import RouteStatus
from ..security.permissions import Permission, allows
from ..training import dashboard as training_dashboard
from ..training import planning as training_planning
from ..training.queries import agency_ids_in_scope
from ..uk_time import uk_today

# The permissions that have a section on the home page. A role with none of them is told plainly
# that nothing here is for it yet.
PERMISSIONS_WITH_WORK = frozenset(
    {
        Permission.VIEW_REPORTS,
        Permission.WORK_ROUTES,
        Permission.REFER,
        Permission.MANAGE_DIRECTORY,
        Permission.MANAGE_NOTIFICATIONS,
        Permission.MANAGE_USERS,
        Permission.AUDIT_ACCESS,
        Permission.RUN_TRAINING,
        Permission.LEAD_TRAINING,
        Permission.REQUEST_TRAINING,
        Permission.RUN_PROGRAMMES,
    }
)
SOON = timedelta(days=14)  # the coordinator's "runs starting soon"

# How the referrer's home page says each move a service made ("1 accepted by a service").
CHANGE_WORDS = {
    RouteStatus.ACCEPTED: "accepted by a service",
    RouteStatus.DECLINED: "declined by a service",
    RouteStatus.CONTACT_ATTEMPTED: "with a contact attempt logged",
    RouteStatus.IN_SUPPORT: "now in support",
    RouteStatus.CLOSED: "closed by a service",
}


@dataclass(frozen=True)
class Unstaffed:
    """A service nobody works, and how many open referrals wait in it."""

    service: Service
    waiting: int


@dataclass(frozen=True)
class CoordinatorAttention:
    runs_with_places: int  # starting in the next 14 days with places free
    runs_full_with_waitlist: int
    registers_not_taken: int
    expiring: int
    red_agencies: list[str]
    soon_days: int = SOON.days  # the runs list's ?within= that shows the runs counted above


@dataclass(frozen=True)
class LeadAttention:
    requests: int  # her staff's requests waiting for her decision
    expiring: int
    rag: training_dashboard.Rag | None  # None: no targets for her agency this plan year


def _red_and_rag(agencies: list | None) -> list[training_dashboard.AgencyProgress]:
    year = training_planning.current_year(training_planning.current_plan())
    return training_dashboard.progress(year, agencies) if year is not None else []


def for_coordinator(now: datetime) -> CoordinatorAttention:
    """What needs the training coordinator now, across the partnership."""
    today = uk_today(now)
    soon = training_dashboard.upcoming_runs(today, until=today + SOON, limit=1000)
    return CoordinatorAttention(
        runs_with_places=sum(1 for r in soon if r.places_taken < r.capacity),
        runs_full_with_waitlist=sum(1 for r in soon if r.places_taken >= r.capacity and r.waiting),
        registers_not_taken=training_dashboard.registers_not_taken(now),
        expiring=training_dashboard.expiring_count(None, _expiring_within(), today),
        red_agencies=[a.name for a in _red_and_rag(None) if a.rag is training_dashboard.Rag.RED],
    )


def for_lead(user: User, now: datetime) -> LeadAttention:
    """What needs an agency training lead now, for her own agency."""
    agencies = agency_ids_in_scope(user)
    progress = _red_and_rag(agencies)
    return LeadAttention(
        requests=training_dashboard.requests_awaiting(agencies),
        expiring=training_dashboard.expiring_count(agencies, _expiring_within(), uk_today(now)),
        rag=progress[0].rag if progress else None,
    )


def _expiring_within() -> timedelta:
    within: timedelta = current_app.config["CERTIFICATES_EXPIRING_WITHIN"]
    return within


@dataclass(frozen=True)
class Home:
    now: datetime
    worker: attention.WorkerAttention | None = None
    referrer: attention.ReferrerAttention | None = None
    unstaffed: list[Unstaffed] | None = None
    failed_notifications: int | None = None
    coordinator: CoordinatorAttention | None = None
    lead: LeadAttention | None = None
    own_training: training_dashboard.OwnTraining | None = None
    programmes: programme_pages.Attention | None = None
    # Programme updates her partner-support services have not read (None: she works none).
    partner_updates: int | None = None
    expiring_days: int = 0  # what "expiring soon" means, in days
    # True when none of her roles has work in the service yet (training, manager).
    nothing_yet: bool = False


def lands_on_reports(user: User) -> bool:
    """A manager's home page is the reports dashboard: her work is the figures, and one address
    for them keeps the filters she bookmarks. Someone with other roles too keeps this page, with
    a link to the reports among her other work."""
    return allows(user, Permission.VIEW_REPORTS) and not any(
        allows(user, p) for p in PERMISSIONS_WITH_WORK - {Permission.VIEW_REPORTS}
    )


def for_user(user: User, now: datetime | None = None) -> Home:
    """The attention counts the user's roles allow her to see."""
    now = now or utcnow()
    worker = referrer = None
    unstaffed = None
    failed = None
    partner_updates = None
    if allows(user, Permission.WORK_ROUTES):
        worker = attention.for_worker(user, now)
        partner_updates = partner_support.unseen_count(user)
    if allows(user, Permission.REFER):
        referrer = attention.for_referrer(user, now)
    if allows(user, Permission.MANAGE_DIRECTORY):
        services = directory_queries.unstaffed_services()
        waiting = attention.waiting_in([s.id for s in services])
        unstaffed = [Unstaffed(s, waiting.get(s.id, 0)) for s in services]
    if allows(user, Permission.MANAGE_NOTIFICATIONS):
        failed = notify.failed_count()
    coordinator = lead = own = None
    if allows(user, Permission.RUN_TRAINING):
        coordinator = for_coordinator(now)
    elif allows(user, Permission.LEAD_TRAINING):
        lead = for_lead(user, now)
    if allows(user, Permission.REQUEST_TRAINING):
        own = training_dashboard.own_training(user.id, _expiring_within(), now)
    programmes = None
    if allows(user, Permission.RUN_PROGRAMMES):
        programmes = programme_pages.attention(user)
    has_work = any(allows(user, p) for p in PERMISSIONS_WITH_WORK)
    return Home(
        programmes=programmes,
        partner_updates=partner_updates,
        coordinator=coordinator,
        lead=lead,
        own_training=own,
        expiring_days=_expiring_within().days,
        now=now,
        worker=worker,
        referrer=referrer,
        unstaffed=unstaffed,
        failed_notifications=failed,
        nothing_yet=not has_work,
    )
