"""The safe-space rule, the job that records its history, and the public page."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from daservice import jobs
from daservice.accounts.models import Agency
from daservice.audit.models import AuditEvent
from daservice.extensions import db
from daservice.training import certificates, safe_spaces
from daservice.training.models import (
    Certificate,
    Course,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Level,
    SafeSpaceChange,
    Site,
    SiteKind,
    Trainee,
)
from daservice.uk_time import uk_today

from .. import factories

_seq = itertools.count(1)


# --- Factories (training rows, made directly: the rule reads rows, not journeys) ----------------


def site(agency: Agency | None = None, **fields: object) -> Site:
    n = next(_seq)
    row = Site(
        name=fields.pop("name", f"Site {n}"),
        kind=fields.pop("kind", SiteKind.LIBRARY),
        agency_id=agency.id if agency else None,
        area=fields.pop("area", "Eastfield ward"),
        opening_times=fields.pop("opening_times", "Monday to Friday, 9am to 5pm"),
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def trainee(agency: Agency, at: Site | None = None, **fields: object) -> Trainee:
    n = next(_seq)
    row = Trainee(
        agency_id=agency.id,
        name=fields.pop("name", f"Trainee Person {n}"),
        work_email=f"trainee{n}@example.test",
        site_id=at.id if at else None,
        **fields,
    )
    db.session.add(row)
    db.session.commit()
    return row


def certify(
    person: Trainee,
    level: Level = Level.PRACTITIONER,
    expires_on: date | None = None,
    revoked: bool = False,
) -> Certificate:
    """A certificate issued the real way (certificates.issue), with the dates the test needs."""
    n = next(_seq)
    course = Course(title=f"Course {n}", level=level, duration_minutes=180, validity_months=36)
    run = CourseRun(course=course, trainer="A Trainer", capacity=10, starts_on=date(2025, 1, 6))
    enrolment = Enrolment(
        run=run,
        trainee_id=person.id,
        agency_id=person.agency_id,
        status=EnrolmentStatus.COMPLETED,
        completed_on=date(2025, 1, 6),
    )
    db.session.add_all([course, run, enrolment])
    db.session.flush()
    certificate = certificates.issue(enrolment, actor=None)
    certificate.expires_on = expires_on
    if revoked:
        certificate.revoked_at = datetime.now(UTC)
        certificate.revoked_reason = "Issued in error"
    db.session.commit()
    return certificate


def safe_site(agency: Agency | None = None, staff: int = 2, **fields: object) -> Site:
    """A site with ``staff`` trained people (two make it a safe space by default)."""
    row = site(agency, **fields)
    owner = agency or factories.agency()
    for _ in range(staff):
        certify(trainee(owner, at=row))
    return row


# --- The rule -----------------------------------------------------------------------------------


def test_two_trained_staff_make_a_safe_space_and_one_does_not(app):
    agency = factories.agency()
    enough, short = safe_site(agency), safe_site(agency, staff=1)
    assert safe_spaces.current_safe_space_ids() == {enough.id}
    assert safe_spaces.is_safe_space(enough) and not safe_spaces.is_safe_space(short)
    assert safe_spaces.count_now() == 1


def test_expired_revoked_awareness_and_inactive_staff_do_not_count(app):
    agency = factories.agency()
    today = uk_today()
    place = site(agency)
    certify(trainee(agency, at=place))  # one who counts
    certify(trainee(agency, at=place), expires_on=today - timedelta(days=1))
    certify(trainee(agency, at=place), revoked=True)
    certify(trainee(agency, at=place), level=Level.AWARENESS)
    certify(trainee(agency, at=place, active=False))
    certify(trainee(agency))  # trained, but works at no site
    assert not safe_spaces.is_safe_space(place)

    certify(trainee(agency, at=place), expires_on=today)  # valid to the end of today
    assert safe_spaces.is_safe_space(place)
    assert not safe_spaces.is_safe_space(place, today + timedelta(days=1))


def test_a_trainee_with_two_certificates_counts_once(app):
    agency = factories.agency()
    place = site(agency)
    person = trainee(agency, at=place)
    certify(person)
    certify(person, level=Level.SPECIALIST)
    assert not safe_spaces.is_safe_space(place)


def test_the_threshold_comes_from_config(app):
    place = safe_site(staff=2)
    app.config["SAFE_SPACE_MIN_TRAINED_STAFF"] = 3
    assert not safe_spaces.is_safe_space(place)
    app.config["SAFE_SPACE_MIN_TRAINED_STAFF"] = 1
    assert safe_spaces.current_safe_space_ids() == {place.id}


# --- The job and its history --------------------------------------------------------------------


def _changes() -> list[tuple[object, bool]]:
    return [
        (c.site_id, c.gained)
        for c in db.session.scalars(sa.select(SafeSpaceChange).order_by(SafeSpaceChange.id))
    ]


def _audited() -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(AuditEvent)
        .where(AuditEvent.action == "training.safe_space_changed")
    )


def test_the_job_records_gains_and_losses_once(app):
    place = safe_site()
    assert place.safe_space_since is None  # made directly: nothing recorded yet
    first = datetime(2026, 3, 2, 9, tzinfo=UTC)
    assert safe_spaces.check(first) == "1 gained, 0 lost"
    db.session.refresh(place)
    assert place.safe_space_since == first
    assert _changes() == [(place.id, True)]

    assert safe_spaces.check(first + timedelta(hours=1)) == "0 gained, 0 lost"  # idempotent
    db.session.refresh(place)
    assert place.safe_space_since == first and len(_changes()) == 1 and _audited() == 1

    # One of its two trained staff leaves: it is no longer a safe space.
    leaver = db.session.scalars(sa.select(Trainee).where(Trainee.site_id == place.id)).first()
    leaver.active = False
    db.session.commit()
    assert safe_spaces.check(first + timedelta(days=1)) == "0 gained, 1 lost"
    db.session.refresh(place)
    assert place.safe_space_since is None
    assert _changes() == [(place.id, True), (place.id, False)]
    assert _audited() == 2
    assert safe_spaces.check(first + timedelta(days=2)) == "0 gained, 0 lost"


def test_the_job_is_registered_and_runs_from_the_scheduler(app):
    place = safe_site()
    [outcome] = jobs.run_due(app, only=["training.safe_spaces"], force=True)
    assert outcome.ok and outcome.summary == "1 gained, 0 lost"
    db.session.expire_all()
    assert db.session.get(Site, place.id).safe_space_since is not None


def test_gained_and_lost_counts_changes_in_the_period(app):
    place = safe_site()
    safe_spaces.check(datetime(2026, 1, 10, 12, tzinfo=UTC))
    db.session.execute(sa.update(Trainee).values(active=False))
    db.session.commit()
    safe_spaces.check(datetime(2026, 2, 10, 12, tzinfo=UTC))
    assert safe_spaces.gained_and_lost(date(2026, 1, 1), date(2026, 3, 1)) == (1, 1)
    assert safe_spaces.gained_and_lost(date(2026, 1, 1), date(2026, 2, 1)) == (1, 0)
    assert safe_spaces.gained_and_lost(
        datetime(2026, 2, 10, 12, tzinfo=UTC), datetime(2026, 2, 11, tzinfo=UTC)
    ) == (0, 1)
    assert safe_spaces.gained_and_lost(date(2025, 1, 1), date(2026, 1, 10)) == (0, 0)
    assert place.id is not None


# --- The public page ----------------------------------------------------------------------------


def test_public_page_lists_only_listed_current_safe_spaces_and_no_staff(app, client):
    agency = factories.agency()
    listed = safe_site(agency, name="Northgate Library", area="Northgate")
    staff_names = [t.name for t in db.session.scalars(sa.select(Trainee))]
    unlisted = safe_site(agency, name="Quiet Pharmacy", listed=False)
    not_yet = safe_site(agency, staff=1, name="Half Trained Hub")
    response = client.get("/safe-spaces")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Northgate Library" in page and "Monday to Friday, 9am to 5pm" in page
    assert "Library" in page and "Northgate" in page
    assert unlisted.name not in page and not_yet.name not in page
    assert staff_names and not any(name in page for name in staff_names)
    for name in db.session.scalars(sa.select(Trainee.name)):
        assert name not in page
    assert "If you are in danger, call 999" in page
    assert 'data-module="govuk-exit-this-page"' in page
    assert response.headers["Cache-Control"] == "no-store"
    assert listed.id is not None


def test_public_page_filters_by_area_without_javascript(app, client):
    safe_site(name="Eastfield Hub", area="Eastfield ward")
    safe_site(name="Town Library", area="Town centre")
    page = client.get("/safe-spaces?area=Town+centre").get_data(as_text=True)
    assert "Town Library" in page and "Eastfield Hub" not in page
    assert '<option value="Town centre" selected>' in page
    # An area nobody asked for (or typed into the address bar) shows everything, not an error.
    page = client.get("/safe-spaces?area=<script>").get_data(as_text=True)
    assert "Town Library" in page and "Eastfield Hub" in page and "<script>" not in page


def test_public_page_drops_a_site_at_once_when_a_certificate_is_revoked(app, client):
    place = safe_site(name="Riverside Surgery")
    safe_spaces.check()
    assert "Riverside Surgery" in client.get("/safe-spaces").get_data(as_text=True)
    certificate = db.session.scalars(sa.select(Certificate)).first()
    certificate.revoked_at = datetime.now(UTC)
    db.session.commit()
    # The job has not run again: the page reads the rule, not the recorded state.
    assert "Riverside Surgery" not in client.get("/safe-spaces").get_data(as_text=True)
    assert db.session.get(Site, place.id).safe_space_since is not None


def test_the_footer_links_to_the_safe_spaces_page(client):
    page = client.get("/sign-in").get_data(as_text=True)
    assert 'href="/safe-spaces">Safe spaces</a>' in page
