"""The borough's safe spaces: the rule that makes a site one, the job that keeps its history, and
the queries the site pages, the public page and the dashboard read.

**The rule.** A site is a safe space while at least ``SAFE_SPACE_MIN_TRAINED_STAFF`` of its active
staff each hold a certificate that is not revoked, not expired (no expiry, or expiring today or
later, UK date) and of practitioner level or higher. One grouped query answers it for every site.

**Live rule, recorded history.** Pages read the rule live, so a site whose last trained member of
staff had her certificate revoked this morning is off the public page this morning, not at the
next check: the public page tells someone at risk where to go, and it must not send her to a site
with nobody trained. ``Site.safe_space_since`` and ``SafeSpaceChange`` are the history that the
``training.safe_spaces`` job (and a change of a site's staff, at once) records from the same
rule: "since when", and the gains and losses the dashboard counts.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, time

import sqlalchemy as sa
from flask import current_app

from .. import audit
from ..audit import AuditAction
from ..extensions import db, utcnow
from ..uk_time import LONDON, uk_today
from .models import Certificate, Level, SafeSpaceChange, Site, SiteKind, Trainee

COUNTING_LEVELS = tuple(level for level in Level if level.rank >= Level.PRACTITIONER.rank)

# What the public page and the site pages call each kind of site.
KIND_WORDS: dict[SiteKind, str] = {
    SiteKind.AGENCY_PREMISES: "Partner agency office",
    SiteKind.GP_SURGERY: "GP surgery",
    SiteKind.PHARMACY: "Pharmacy",
    SiteKind.LIBRARY: "Library",
    SiteKind.COMMUNITY_HUB: "Community hub",
}


def min_trained_staff() -> int:
    """How many trained staff make a site a safe space (configured)."""
    return int(current_app.config["SAFE_SPACE_MIN_TRAINED_STAFF"])


def counting_certificate(today: date) -> sa.ColumnElement[bool]:
    """SQL condition: this certificate counts towards a safe space on ``today``."""
    return sa.and_(
        Certificate.revoked_at.is_(None),
        sa.or_(Certificate.expires_on.is_(None), Certificate.expires_on >= today),
        Certificate.level.in_(COUNTING_LEVELS),
    )


def _trained_by_site(today: date) -> sa.Select[tuple[uuid.UUID | None, int]]:
    """Per site: how many of its active staff hold a counting certificate (a trainee with two
    counts once). Sites with none have no row."""
    return (
        sa.select(Trainee.site_id, sa.func.count(sa.distinct(Trainee.id)))
        .join(Certificate, Certificate.trainee_id == Trainee.id)
        .where(Trainee.site_id.is_not(None), Trainee.active.is_(True), counting_certificate(today))
        .group_by(Trainee.site_id)
    )


def safe_space_ids(today: date) -> sa.Select[tuple[uuid.UUID | None]]:
    """The rule as one query: the ids of the sites that are safe spaces on ``today`` (usable as a
    subquery: ``Site.id.in_(safe_space_ids(today))``)."""
    return (
        sa.select(Trainee.site_id)
        .join(Certificate, Certificate.trainee_id == Trainee.id)
        .where(Trainee.site_id.is_not(None), Trainee.active.is_(True), counting_certificate(today))
        .group_by(Trainee.site_id)
        .having(sa.func.count(sa.distinct(Trainee.id)) >= min_trained_staff())
    )


def current_safe_space_ids(today: date | None = None) -> set[uuid.UUID]:
    """The sites that are safe spaces today (UK date), or on ``today``."""
    return {i for i in db.session.scalars(safe_space_ids(today or uk_today())) if i is not None}


def is_safe_space(site: Site, today: date | None = None) -> bool:
    """Is this site a safe space today?"""
    return trained_counts([site.id], today).get(site.id, 0) >= min_trained_staff()


def count_now(today: date | None = None) -> int:
    """How many sites are safe spaces today (listed publicly or not): the dashboard's figure."""
    return len(current_safe_space_ids(today))


def trained_counts(
    site_ids: Iterable[uuid.UUID] | None = None, today: date | None = None
) -> dict[uuid.UUID, int]:
    """How many trained staff each site has today (sites with none are left out)."""
    statement = _trained_by_site(today or uk_today())
    if site_ids is not None:
        statement = statement.where(Trainee.site_id.in_(list(site_ids)))
    return {site_id: n for site_id, n in db.session.execute(statement) if site_id is not None}


def current_certificates(
    trainee_ids: Iterable[uuid.UUID], today: date | None = None
) -> dict[uuid.UUID, Certificate]:
    """Each trainee's counting certificate that lasts longest (one that never expires first);
    trainees with none are left out."""
    found: dict[uuid.UUID, Certificate] = {}
    ids = list(trainee_ids)
    if not ids:
        return found
    rows = db.session.scalars(
        sa.select(Certificate).where(
            Certificate.trainee_id.in_(ids), counting_certificate(today or uk_today())
        )
    )
    for certificate in rows:
        best = found.get(certificate.trainee_id)
        if best is None or _lasts_longer(certificate, best):
            found[certificate.trainee_id] = certificate
    return found


def _lasts_longer(a: Certificate, b: Certificate) -> bool:
    if b.expires_on is None:
        return False
    return a.expires_on is None or a.expires_on > b.expires_on


# --- The public list ---------------------------------------------------------------------------


def listed_safe_spaces(area: str | None = None, today: date | None = None) -> list[Site]:
    """The safe spaces that agreed to be named publicly, by area then name (in ``area`` only if
    given)."""
    statement = sa.select(Site).where(
        Site.listed.is_(True), Site.id.in_(safe_space_ids(today or uk_today()))
    )
    if area:
        statement = statement.where(Site.area == area)
    return list(db.session.scalars(statement.order_by(Site.area, Site.name)))


def listed_areas(today: date | None = None) -> list[str]:
    """The areas that have at least one listed safe space (the public page's filter)."""
    return [
        a
        for a in db.session.scalars(
            sa.select(Site.area)
            .where(Site.listed.is_(True), Site.id.in_(safe_space_ids(today or uk_today())))
            .distinct()
            .order_by(Site.area)
        )
        if a
    ]


# --- The history -------------------------------------------------------------------------------


def lock_sites(site_ids: Iterable[uuid.UUID] | None = None) -> list[Site]:
    """Lock these sites (all of them if None) for the rest of the transaction, in id order.

    Whoever changes who counts at a site calls this before changing anything: putting a trainee
    at a site takes a key-share lock on the site's row (the foreign key), so a use case that
    changed staff first and locked the site afterwards would deadlock with another doing the
    same (each waiting for the other's key-share lock, or for the audit chain's head). Locked
    first, the second waits at the start and then reads the rule with the first's change
    committed: one gain is recorded, not two or none. On SQLite one writer at a time does the
    same."""
    statement = sa.select(Site)
    if site_ids is not None:
        statement = statement.where(Site.id.in_(list(site_ids)))
    return list(
        db.session.scalars(
            statement.order_by(Site.id).with_for_update().execution_options(populate_existing=True)
        )
    )


def record_changes(
    now: datetime | None = None, site_ids: Iterable[uuid.UUID] | None = None, actor: object = None
) -> tuple[int, int]:
    """Bring ``safe_space_since`` in line with the rule (for ``site_ids`` only, if given), with a
    ``SafeSpaceChange`` and an audit event for each site that gained or lost it. In the caller's
    transaction, which locks the sites with ``lock_sites`` before changing their staff. Changes
    nothing when nothing changed. Returns (gained, lost)."""
    now = now or utcnow()
    sites = lock_sites(site_ids)
    qualifying = current_safe_space_ids(uk_today(now))
    gained = lost = 0
    for site in sites:
        now_safe = site.id in qualifying
        if now_safe == (site.safe_space_since is not None):
            continue
        site.safe_space_since = now if now_safe else None
        db.session.add(SafeSpaceChange(site_id=site.id, gained=now_safe, at=now))
        audit.record(
            AuditAction.SAFE_SPACE_CHANGED,
            actor=actor,
            target_type="training_site",
            target_id=site.id,
        )
        gained, lost = (gained + 1, lost) if now_safe else (gained, lost + 1)
    return gained, lost


def check(now: datetime | None = None) -> str:
    """The ``training.safe_spaces`` job: record which sites gained or lost being a safe space
    (certificates expire with time, so this runs on a schedule). One commit; a rerun with nothing
    changed changes nothing."""
    gained, lost = record_changes(now)
    db.session.commit()
    return f"{gained} gained, {lost} lost"


def _as_moment(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time.min, tzinfo=LONDON)  # the start of that UK day


def gained_and_lost(
    between_start: date | datetime, between_end: date | datetime
) -> tuple[int, int]:
    """How many times sites became a safe space, and stopped being one, from ``between_start``
    (inclusive) to ``between_end`` (exclusive). A date means the start of that day in the UK, so
    a plan year is ``gained_and_lost(year.starts_on, year.ends_on + timedelta(days=1))``."""
    start, end = _as_moment(between_start), _as_moment(between_end)
    rows = db.session.execute(
        sa.select(SafeSpaceChange.gained, sa.func.count())
        .where(SafeSpaceChange.at >= start, SafeSpaceChange.at < end)
        .group_by(SafeSpaceChange.gained)
    )
    counts = {bool(gained): n for gained, n in rows}
    return counts.get(True, 0), counts.get(False, 0)
