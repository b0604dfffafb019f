"""Trainees and the staff-list import: every row checked, nothing half-imported, and an agency
training lead kept to her own agency's staff."""

from __future__ import annotations

import html
import io
import re

import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.audit.models import AuditEvent
from daservice.extensions import db
from daservice.training import staff_import
from daservice.training.models import Site, SiteKind, Trainee

from .. import factories
from . import plan_fixtures as make

IMPORT = "/training/staff/import"


def _text(page) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.get_data(as_text=True))))


def _upload(login_as, content: bytes | str, agency=None):
    data = {
        "file": (io.BytesIO(content.encode() if isinstance(content, str) else content), "staff.csv")
    }
    if agency is not None:
        data["agency"] = str(agency.id)
    return login_as.post(IMPORT, data, page=IMPORT)


def _trainees() -> list[tuple[str, str]]:
    return sorted(db.session.execute(sa.select(Trainee.work_email, Trainee.name)).tuples())


def test_a_file_with_bad_rows_imports_nothing_and_says_which_rows_and_why(client, login_as):
    police, health = factories.agency(name="Police"), factories.agency(name="Health")
    make.trainee(health, name="Someone Else").work_email = "taken@example.test"
    db.session.commit()
    before = _trainees()
    lead = factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=police)
    login_as(lead)
    csv = (
        "name,work_email,team,job_role,site\n"
        "Ada Good,ada@example.test,Response,Constable,\n"  # row 2: fine
        ",nameless@example.test,Response,Constable,\n"  # 3: no name
        "Bad Email,not-an-email,Response,Constable,\n"  # 4
        "Ada Again,ADA@example.test,Response,Constable,\n"  # 5: duplicate of row 2
        "Moved Over,taken@example.test,Response,Constable,\n"  # 6: another agency's
        "Lost Site,lost@example.test,Response,Constable,Nowhere Library\n"  # 7
    )
    response = _upload(login_as, csv)
    page = _text(response)
    assert response.status_code == 400
    assert "Nothing was imported" in page
    assert "3 Enter a name" in page
    assert "4 Work email is not an email address" in page
    assert "5 Work email is also on row 2" in page
    assert "6 Work email belongs to a member of another agency's staff" in page
    assert "7 There is no site called Nowhere Library" in page
    assert "5 problems to correct" in page  # row 2 is good: it is not listed
    assert _trainees() == before
    assert (
        db.session.scalar(
            sa.select(AuditEvent).where(AuditEvent.action == "training.trainees_imported")
        )
        is None
    )


def test_the_whole_file_is_refused_for_wrong_headings_encoding_or_size(app):
    agency = factories.agency()
    for content, problem in [
        (b"full name,email\nAda,ada@example.test\n", "The first row must be the column headings"),
        ("name,work_email,team,job_role\nZoë,zoe@example.test,,\n".encode("latin-1"), "CSV UTF-8"),
        (b"name,work_email,team,job_role\n" + b"x" * staff_import.MAX_BYTES, "smaller than 1 MB"),
        (b"name,work_email,team,job_role\n", "no staff in it"),
    ]:
        rows, errors = staff_import.check(agency.id, content)
        assert rows == [] and len(errors) == 1 and problem in errors[0].problem, content[:40]


def test_a_good_file_adds_new_staff_and_updates_existing_ones_in_one_go(client, login_as):
    police = factories.agency(name="Police")
    site = Site(name="Central Library", kind=SiteKind.LIBRARY)
    db.session.add(site)
    existing = make.trainee(police, name="Old Name")
    existing.work_email = "kept@example.test"
    db.session.commit()
    coordinator = factories.user(Role.TRAINING_COORDINATOR)
    login_as(coordinator)
    csv = (
        "\ufeffName, Work_Email ,team,job_role,site\n"  # Excel's BOM, headings in any case
        "New Name,KEPT@example.test,Response,Sergeant,\n"
        "\n"
        "Bea New,bea@example.test,Safeguarding,Officer,central library\n"
    )
    response = _upload(login_as, csv, agency=police)
    assert response.status_code == 302
    follow = client.get(response.location)
    assert "Staff list imported: 1 added, 1 updated, 0 unchanged" in _text(follow)
    assert _trainees() == [("bea@example.test", "Bea New"), ("kept@example.test", "New Name")]
    bea = db.session.scalar(sa.select(Trainee).where(Trainee.work_email == "bea@example.test"))
    assert (bea.agency_id, bea.site_id, bea.team) == (police.id, site.id, "Safeguarding")
    event = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "training.trainees_imported")
    )
    assert event.purpose == "1 added, 1 updated, 0 unchanged" and event.target_id == str(police.id)
    # The same file again changes nothing, and says so.
    again = client.get(_upload(login_as, csv, agency=police).location)
    assert "Staff list imported: 0 added, 0 updated, 2 unchanged" in _text(again)


def test_a_lead_cannot_import_into_or_see_another_agency(client, login_as):
    police, health = factories.agency(name="Police"), factories.agency(name="Health")
    theirs = make.trainee(health, name="Hidden Person")
    mine = make.trainee(police, name="Visible Person")
    login_as(factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=police))
    before = _trainees()
    response = _upload(
        login_as, "name,work_email,team,job_role\nX Y,xy@example.test,,\n", agency=health
    )
    assert response.status_code == 404
    assert _trainees() == before
    listing = _text(client.get("/training/staff/"))
    assert "Visible Person" in listing and "Hidden Person" not in listing
    assert client.get(f"/training/staff/?agency={health.id}").status_code == 404
    assert client.get(f"/training/staff/{theirs.id}").status_code == 404
    assert client.get(f"/training/staff/{mine.id}").status_code == 200
    moved = login_as.post(
        f"/training/staff/{mine.id}",
        {"name": "Visible Person", "work_email": mine.work_email, "agency": str(health.id)},
        page=f"/training/staff/{mine.id}",
    )
    assert moved.status_code == 404
    assert login_as.post(f"/training/staff/{theirs.id}/active", {"active": "no"}).status_code == 404
    db.session.refresh(theirs)
    db.session.refresh(mine)
    assert theirs.active and mine.agency_id == police.id


def test_a_lead_imports_into_her_own_agency_without_choosing_it(client, login_as):
    police = factories.agency(name="Police")
    login_as(factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=police))
    assert (
        _upload(login_as, "name,work_email,team,job_role\nX Y,xy@example.test,,\n").status_code
        == 302
    )
    assert db.session.scalar(sa.select(Trainee.agency_id)) == police.id


def test_adding_a_trainee_lower_cases_the_email_and_refuses_one_already_taken(client, login_as):
    police = factories.agency(name="Police")
    make.trainee(police).work_email = "taken@example.test"
    db.session.commit()
    login_as(factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=police))
    form = {
        "name": "Cat New",
        "work_email": "Cat@Example.TEST",
        "team": "",
        "job_role": "",
        "site": "",
    }
    assert login_as.post("/training/staff/new", form, page="/training/staff/new").status_code == 302
    assert ("cat@example.test", "Cat New") in _trainees()
    taken = login_as.post(
        "/training/staff/new",
        dict(form, work_email="TAKEN@example.test"),
        page="/training/staff/new",
    )
    assert taken.status_code == 400
    assert "Another member of staff already has this work email address" in _text(taken)
    assert 'value="TAKEN@example.test"' in taken.get_data(as_text=True)


def test_staff_search_finds_by_part_of_a_name(client, login_as):
    police = factories.agency(name="Police")
    make.trainee(police, name="Priya Shah")
    make.trainee(police, name="Tom Jones")
    login_as(factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=police))
    page = _text(client.get("/training/staff/?name=shA"))
    assert "Priya Shah" in page and "Tom Jones" not in page and "1 person" in page


def test_a_staff_record_shows_her_courses_and_certificates(client, login_as):
    from datetime import date

    from daservice.training.models import EnrolmentStatus, Level

    police = factories.agency(name="Police")
    person = make.trainee(police, name="Rita Record")
    course = make.course(Level.AWARENESS, "Awareness course")
    later = make.course(Level.PRACTITIONER, "Practitioner course")
    make.enrol(make.run(later, date(2026, 12, 20)), person, EnrolmentStatus.WAITLISTED)
    held = make.certificate(person, course, date(2024, 5, 1))  # on a completed run that day
    make.enrol(make.run(course, date(2024, 6, 1)), make.trainee(police), EnrolmentStatus.BOOKED)
    login_as(factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=police))

    page = _text(client.get(f"/training/staff/{person.id}"))

    courses = page[page.index("Run starts") :]
    courses = courses[: courses.index("Certificates")]
    assert "Practitioner course 20 December 2026 On the waiting list" in courses
    assert "Awareness course 1 May 2024 Completed" in courses
    assert "1 June 2024" not in courses  # someone else's run
    raw = client.get(f"/training/staff/{person.id}").get_data(as_text=True)
    assert f'href="/training/certificates/{held.id}"' in raw
    assert "Change details" in page and 'name="work_email"' in raw
