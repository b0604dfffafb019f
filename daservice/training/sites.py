"""Sites (the places that can become safe spaces) and who works at each: the scoped loaders and
the use cases. A training coordinator manages every site; an agency training lead sees and edits
her own agency's sites, and puts her own agency's staff at them. A site outside a user's scope is
a 404, as everywhere in training."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import abort

from .. import audit
from ..accounts.models import Agency, User
from ..audit import AuditAction
from ..exceptions import DomainError, PermissionDenied
from ..extensions import db
from ..security.permissions import Permission, require
from ..uk_time import uk_today
from . import safe_spaces
from .models import Certificate, Site, SiteKind, Trainee
from .queries import agency_condition, agency_ids_in_scope


class NotEligible(DomainError):
    """A trainee who may not be put at this site (another agency's, or outside the user's
    scope)."""


# --- Reading -----------------------------------------------------------------------------------


def _in_scope(user: User) -> Any:
    """SQL: a site this user manages. A site without an agency (a pharmacy) is a coordinator's."""
    return agency_condition(user, Site.agency_id)


def get_site_or_404(user: User, site_id: uuid.UUID) -> Site:
    site = db.session.scalar(sa.select(Site).where(Site.id == site_id, _in_scope(user)))
    if site is None:
        abort(404)
    return site


@dataclass(frozen=True)
class SiteRow:
    site: Site
    trained: int
    safe_space: bool


def list_sites(user: User, *, kind: str = "", area: str = "", status: str = "") -> list[SiteRow]:
    """The sites this user manages, filtered by kind, area and status (``safe`` or ``not_safe``),
    each with its trained staff today."""
    statement = sa.select(Site).where(_in_scope(user))
    if kind in {k.value for k in SiteKind}:
        statement = statement.where(Site.kind == SiteKind(kind))
    if area:
        statement = statement.where(Site.area == area)
    today_safe = safe_spaces.safe_space_ids(uk_today())
    if status == "safe":
        statement = statement.where(Site.id.in_(today_safe))
    elif status == "not_safe":
        statement = statement.where(Site.id.not_in(today_safe))
    sites = list(db.session.scalars(statement.order_by(Site.name)))
    counts = safe_spaces.trained_counts([s.id for s in sites])
    needed = safe_spaces.min_trained_staff()
    return [SiteRow(s, counts.get(s.id, 0), counts.get(s.id, 0) >= needed) for s in sites]


def areas_in_scope(user: User) -> list[str]:
    """The areas of the sites this user manages (the list's filter)."""
    return [
        a
        for a in db.session.scalars(
            sa.select(Site.area).where(_in_scope(user)).distinct().order_by(Site.area)
        )
        if a
    ]


@dataclass(frozen=True)
class StaffMember:
    trainee: Trainee
    certificate: Certificate | None  # her longest-lasting certificate that counts today


@dataclass(frozen=True)
class SiteSummary:
    site: Site
    staff: list[StaffMember]
    trained: int
    needed: int  # the threshold
    safe_space: bool

    @property
    def more_needed(self) -> int:
        return max(0, self.needed - self.trained)


def summary(site: Site) -> SiteSummary:
    """A site's staff, each with her current counting certificate, and where the site stands."""
    trainees = list(
        db.session.scalars(
            sa.select(Trainee)
            .where(Trainee.site_id == site.id)
            .order_by(Trainee.active.desc(), Trainee.name)
        )
    )
    certificates = safe_spaces.current_certificates(t.id for t in trainees if t.active)
    staff = [StaffMember(t, certificates.get(t.id) if t.active else None) for t in trainees]
    trained = sum(1 for m in staff if m.certificate is not None)
    needed = safe_spaces.min_trained_staff()
    return SiteSummary(site, staff, trained, needed, trained >= needed)


def eligible_staff(user: User, site: Site) -> list[Trainee]:
    """Active trainees who could be put at this site: of its agency (any agency's, for a site
    without one), within the user's scope, and not already there."""
    statement = sa.select(Trainee).where(
        Trainee.active.is_(True),
        agency_condition(user, Trainee.agency_id),
        sa.or_(Trainee.site_id.is_(None), Trainee.site_id != site.id),
    )
    if site.agency_id is not None:
        statement = statement.where(Trainee.agency_id == site.agency_id)
    return list(db.session.scalars(statement.order_by(Trainee.name)))


def agencies_for(user: User) -> list[Agency]:
    """The agencies a user may give a site: all for a coordinator, her own for a lead."""
    scope = agency_ids_in_scope(user)
    statement = sa.select(Agency).order_by(Agency.name)
    if scope is not None:
        statement = statement.where(Agency.id.in_(scope))
    return list(db.session.scalars(statement))


# --- Changing ----------------------------------------------------------------------------------


def save_site(actor: User, site: Site | None, data: dict[str, Any]) -> Site:
    """Add a site (coordinators) or change one (coordinators; a lead her own agency's)."""
    require(actor, Permission.RUN_TRAINING if site is None else Permission.LEAD_TRAINING)
    agency_id = uuid.UUID(data["agency"]) if data.get("agency") else None
    scope = agency_ids_in_scope(actor)
    if scope is not None and agency_id not in scope:
        raise PermissionDenied("a training lead's sites stay with her own agency")
    creating = site is None
    if site is not None:
        safe_spaces.lock_sites([site.id])
    site = site or Site()
    site.name = data["name"]
    site.kind = SiteKind(data["kind"])
    site.agency_id = agency_id
    site.area = data["area"]
    site.address = data.get("address") or ""
    site.opening_times = data.get("opening_times") or ""
    site.listed = data["listed"] == "yes"
    if creating:
        db.session.add(site)
    db.session.flush()
    if not creating:
        # A site moved to another agency keeps only the staff that agency could put there.
        _drop_staff_of_other_agencies(site)
    audit.record(
        AuditAction.SITE_SAVED, actor=actor, target_type="training_site", target_id=site.id
    )
    safe_spaces.record_changes(site_ids=[site.id], actor=actor)
    db.session.commit()
    return site


def _drop_staff_of_other_agencies(site: Site) -> None:
    if site.agency_id is None:
        return
    db.session.execute(
        sa.update(Trainee)
        .where(Trainee.site_id == site.id, Trainee.agency_id != site.agency_id)
        .values(site_id=None)
    )


def assign_staff(actor: User, site: Site, trainee_ids: list[uuid.UUID]) -> int:
    """Put these trainees at the site (moving them from any other); returns how many moved."""
    require(actor, Permission.LEAD_TRAINING)
    eligible = {t.id: t for t in eligible_staff(actor, site)}
    if not trainee_ids or any(i not in eligible for i in trainee_ids):
        raise NotEligible("Select staff of the site's agency to work at this site")
    moved_from = {i for i in (eligible[t].site_id for t in trainee_ids) if i is not None}
    safe_spaces.lock_sites({site.id} | moved_from)  # before any change: see lock_sites
    for trainee_id in trainee_ids:
        eligible[trainee_id].site_id = site.id
    _record_staff_change(actor, site, moved_from)
    return len(trainee_ids)


def remove_staff(actor: User, site: Site, trainee_id: uuid.UUID) -> None:
    """She no longer works at this site (she stays a trainee of her agency)."""
    require(actor, Permission.LEAD_TRAINING)
    safe_spaces.lock_sites([site.id])
    trainee = db.session.scalar(
        sa.select(Trainee).where(Trainee.id == trainee_id, Trainee.site_id == site.id)
    )
    if trainee is None:
        abort(404)
    trainee.site_id = None
    _record_staff_change(actor, site, set())


def _record_staff_change(actor: User, site: Site, other_sites: set[uuid.UUID]) -> None:
    """Audit, then record at once any site that gained or lost being a safe space by it (the
    site the staff left too), and commit."""
    db.session.flush()
    audit.record(
        AuditAction.SITE_STAFF_CHANGED, actor=actor, target_type="training_site", target_id=site.id
    )
    touched = {site.id} | other_sites
    safe_spaces.record_changes(site_ids=touched, actor=actor)
    db.session.commit()
