"""Sites and their staff: who may see and change which, the form's errors, assigning staff."""

from __future__ import annotations

import sqlalchemy as sa

from daservice.accounts.models import Role
from daservice.extensions import db
from daservice.training.models import SafeSpaceChange, Site, SiteKind, Trainee

from .. import factories
from .test_safe_spaces import certify, safe_site, site, trainee

VALID = {
    "name": "Northgate Library",
    "kind": "library",
    "agency": "",
    "area": "Northgate",
    "address": "1 High Street",
    "opening_times": "Monday to Saturday, 9am to 6pm",
    "listed": "yes",
}


def test_coordinator_adds_a_site_without_an_agency(app, login_as):
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    response = login_as.post("/training/sites/new", VALID, page="/training/sites/new")
    assert response.status_code == 302
    saved = db.session.scalar(sa.select(Site))
    assert (saved.name, saved.kind, saved.agency_id, saved.listed) == (
        "Northgate Library",
        SiteKind.LIBRARY,
        None,
        True,
    )
    assert response.location.endswith(f"/training/sites/{saved.id}")


def test_the_site_form_shows_errors_and_keeps_what_was_typed(app, login_as):
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    bad = dict(VALID, name="", kind="", area="x" * 121, listed="", address="Kept address")
    response = login_as.post("/training/sites/new", bad, page="/training/sites/new")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    for message in (
        "Enter the site name",
        "Select what kind of site it is",
        "Area must be 120 characters or fewer",
        "Select whether the site has agreed to be named publicly",
    ):
        assert message in page
    assert "Kept address" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Site)) == 0


def test_lead_sees_and_edits_only_her_agencys_sites(app, client, login_as):
    mine, theirs = factories.agency(), factories.agency()
    own = site(mine, name="Own Office")
    other = site(theirs, name="Other Office")
    no_agency = site(None, name="Corner Pharmacy")
    login_as(factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=mine))

    listing = client.get("/training/sites/").get_data(as_text=True)
    assert "Own Office" in listing
    assert "Other Office" not in listing and "Corner Pharmacy" not in listing

    for hidden in (other, no_agency):
        assert client.get(f"/training/sites/{hidden.id}").status_code == 404
        assert client.get(f"/training/sites/{hidden.id}/edit").status_code == 404
        response = login_as.post(
            f"/training/sites/{hidden.id}/edit",
            dict(VALID, agency=str(mine.id)),
            page=f"/training/sites/{own.id}/edit",
        )
        assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Site, other.id).name == "Other Office"
    assert db.session.get(Site, other.id).agency_id == theirs.id

    response = login_as.post(
        f"/training/sites/{own.id}/edit",
        dict(VALID, name="Own Office, renamed", agency=str(mine.id)),
        page=f"/training/sites/{own.id}/edit",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Site, own.id).name == "Own Office, renamed"


def test_lead_cannot_give_her_site_to_another_agency_or_add_sites(app, client, login_as):
    mine, theirs = factories.agency(), factories.agency()
    own = site(mine, name="Own Office")
    login_as(factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=mine))
    response = login_as.post(
        f"/training/sites/{own.id}/edit",
        dict(VALID, agency=str(theirs.id)),
        page=f"/training/sites/{own.id}/edit",
    )
    assert response.status_code == 400  # not one of her choices
    response = login_as.post(
        f"/training/sites/{own.id}/edit", dict(VALID, agency=""), page="/training/sites/"
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Site, own.id).agency_id == mine.id
    assert client.get("/training/sites/new").status_code == 403


def test_site_page_shows_staff_certificates_and_how_many_more_are_needed(app, client, login_as):
    agency = factories.agency()
    place = site(agency, name="Eastfield Surgery")
    trained = trainee(agency, at=place, name="Amina Trained")
    certify(trained)
    trainee(agency, at=place, name="Bella Untrained")
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    page = client.get(f"/training/sites/{place.id}").get_data(as_text=True)
    assert "Amina Trained" in page and "Bella Untrained" in page
    assert "Not a safe space yet" in page
    assert "It needs 1 more trained person" in page


def test_assigning_staff_makes_a_safe_space_at_once_and_records_it(app, client, login_as):
    agency = factories.agency()
    place = site(agency, name="Eastfield Hub")
    people = [trainee(agency, name=f"Staff {n}") for n in range(2)]
    for person in people:
        certify(person)
    stranger = trainee(factories.agency(), name="Other Agency Person")
    login_as(factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=agency))

    form = client.get(f"/training/sites/{place.id}/staff").get_data(as_text=True)
    assert "Staff 0" in form and "Other Agency Person" not in form

    response = login_as.post(
        f"/training/sites/{place.id}/staff",
        {"trainees": [str(stranger.id)]},
        page=f"/training/sites/{place.id}/staff",
    )
    assert response.status_code == 400
    assert "Select staff of the site" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Trainee, stranger.id).site_id is None

    response = login_as.post(
        f"/training/sites/{place.id}/staff", {}, page=f"/training/sites/{place.id}/staff"
    )
    assert response.status_code == 400
    assert "Select at least one person" in response.get_data(as_text=True)

    response = login_as.post(
        f"/training/sites/{place.id}/staff",
        {"trainees": [str(p.id) for p in people]},
        page=f"/training/sites/{place.id}/staff",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert {
        t.site_id
        for t in db.session.scalars(sa.select(Trainee).where(Trainee.agency_id == agency.id))
    } == {place.id}
    assert db.session.get(Site, place.id).safe_space_since is not None
    assert [c.gained for c in db.session.scalars(sa.select(SafeSpaceChange))] == [True]
    assert "A safe space since" in client.get(f"/training/sites/{place.id}").get_data(as_text=True)

    response = login_as.post(
        f"/training/sites/{place.id}/staff/{people[0].id}/remove",
        page=f"/training/sites/{place.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Trainee, people[0].id).site_id is None
    assert db.session.get(Site, place.id).safe_space_since is None


def test_list_filters_by_kind_area_and_status(app, client, login_as):
    safe_site(name="Safe Library", kind=SiteKind.LIBRARY, area="Northgate")
    site(None, name="Plain Pharmacy", kind=SiteKind.PHARMACY, area="Southgate")
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    page = client.get("/training/sites/?status=safe").get_data(as_text=True)
    assert "Safe Library" in page and "Plain Pharmacy" not in page
    page = client.get("/training/sites/?status=not_safe").get_data(as_text=True)
    assert "Safe Library" not in page and "Plain Pharmacy" in page
    page = client.get("/training/sites/?kind=pharmacy").get_data(as_text=True)
    assert "Safe Library" not in page and "Plain Pharmacy" in page
    page = client.get("/training/sites/?area=Northgate").get_data(as_text=True)
    assert "Safe Library" in page and "Plain Pharmacy" not in page


def test_two_leads_adding_the_last_trained_staff_at_once_record_one_gain(app):
    """Each adds one trained person; together they make the site a safe space. Whichever commits
    second must see the first's change (the sites are locked before the rule is read), so the
    gain is recorded once, at once. Really concurrent on PostgreSQL (``--db=postgresql``)."""
    import threading

    from daservice.accounts.models import User
    from daservice.training import sites as use_cases

    for _ in range(4):
        agency = factories.agency()
        place = site(agency)
        people = [trainee(agency) for _ in range(2)]
        for person in people:
            certify(person)
        leads = [factories.user(Role.AGENCY_TRAINING_LEAD, agency_row=agency) for _ in range(2)]
        start = threading.Barrier(2)
        failures: list[BaseException] = []

        def add(lead_id, trainee_id, site_id=place.id, start=start, failures=failures) -> None:
            with app.app_context():
                try:
                    lead = db.session.get(User, lead_id)
                    target = db.session.get(Site, site_id)
                    start.wait()
                    use_cases.assign_staff(lead, target, [trainee_id])
                except BaseException as exc:  # noqa: BLE001 - reported below
                    failures.append(exc)
                finally:
                    db.session.remove()

        threads = [
            threading.Thread(target=add, args=(lead.id, person.id))
            for lead, person in zip(leads, people, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not failures, failures
        db.session.expire_all()
        changes = db.session.scalars(
            sa.select(SafeSpaceChange).where(SafeSpaceChange.site_id == place.id)
        ).all()
        assert [c.gained for c in changes] == [True]
        assert db.session.get(Site, place.id).safe_space_since is not None


def test_moving_trained_staff_records_the_site_they_left_losing_it(app, login_as):
    agency = factories.agency()
    old = safe_site(agency, name="Old Office")
    new = site(agency, name="New Office")
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    # Editing the old site records what it already is (made directly, nothing recorded yet).
    login_as.post(
        f"/training/sites/{old.id}/edit",
        dict(VALID, name="Old Office", agency=str(agency.id)),
        page=f"/training/sites/{old.id}/edit",
    )
    mover = db.session.scalars(sa.select(Trainee).where(Trainee.site_id == old.id)).first()
    response = login_as.post(
        f"/training/sites/{new.id}/staff",
        {"trainees": [str(mover.id)]},
        page=f"/training/sites/{new.id}/staff",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Site, old.id).safe_space_since is None
    assert [
        (c.site_id, c.gained)
        for c in db.session.scalars(sa.select(SafeSpaceChange).order_by(SafeSpaceChange.id))
    ] == [(old.id, True), (old.id, False)]


def test_a_site_given_to_another_agency_keeps_only_that_agencys_staff(app, login_as):
    first, second = factories.agency(), factories.agency()
    place = site(first)
    stays = trainee(second, at=place)  # a site without an agency once took anyone's staff
    goes = trainee(first, at=place)
    login_as(factories.user(Role.TRAINING_COORDINATOR))
    response = login_as.post(
        f"/training/sites/{place.id}/edit",
        dict(VALID, agency=str(second.id)),
        page=f"/training/sites/{place.id}/edit",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Trainee, stays.id).site_id == place.id
    assert db.session.get(Trainee, goes.id).site_id is None
