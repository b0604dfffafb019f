"""Administration of users: only admins, every change audited, sessions revoked where it matters."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from daservice.accounts.models import Role, User
from daservice.extensions import db

from .. import factories
from ..conftest import LoginActions, csrf_token, row_count
from .conftest import recorded_actions


@pytest.mark.parametrize("role", [r for r in Role if r is not Role.ADMIN])
def test_non_admins_are_refused_user_administration(client, login_as, role):
    target = factories.user()
    login_as(factories.user(role))
    for path in ("/admin/users", "/admin/users/new", f"/admin/users/{target.id}"):
        assert client.get(path).status_code == 403
    token = csrf_token(client, "/")
    response = client.post(f"/admin/users/{target.id}/disable", data={"csrf_token": token})
    assert response.status_code == 403
    db.session.refresh(target)
    assert not target.disabled


def test_admin_creates_a_user_and_the_holder_is_emailed_a_set_up_link(client, admin):
    agency = factories.agency("TST", "Test Agency")
    token = csrf_token(client, "/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "New.Person@Example.test",
            "display_name": "New Person",
            "agency": str(agency.id),
            "roles": ["referrer", "manager"],
            "csrf_token": token,
        },
        follow_redirects=True,
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We have emailed New Person at new.person@example.test a link" in body
    assert "temporary-password" not in body and "You will not see their password" in body
    user = db.session.scalar(sa.select(User).where(User.email == "new.person@example.test"))
    assert user.roles == {Role.REFERRER, Role.MANAGER}
    assert not user.must_change_password and not user.totp_confirmed
    assert "user.created" in recorded_actions() and "account.setup_link_sent" in recorded_actions()
    sent = factories.deliver()
    assert [m.to for m in sent] == ["new.person@example.test"]
    assert "/account/set-up/" in sent[0].body


def test_invalid_user_form_explains_each_field_and_keeps_input(client, admin):
    token = csrf_token(client, "/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "email": "not an email",
            "display_name": "x" * 121,
            "agency": "",
            "csrf_token": token,
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in (
        "Enter an email address in the correct format",
        "Full name must be 120 characters or fewer",
        "Select an agency",
        "Select at least one role",
    ):
        assert message in body
    assert 'value="not an email"' in body


def test_duplicate_email_is_refused(client, admin):
    existing = factories.user()
    token = csrf_token(client, "/admin/users/new")
    response = client.post(
        "/admin/users/new",
        data={
            "email": existing.email.upper(),
            "display_name": "Copy",
            "agency": str(existing.agency_id),
            "roles": ["referrer"],
            "csrf_token": token,
        },
    )
    assert response.status_code == 400
    assert "already exists" in response.get_data(as_text=True)


def test_admin_changes_roles(client, admin):
    target = factories.user(Role.REFERRER)
    token = csrf_token(client, f"/admin/users/{target.id}")
    response = client.post(
        f"/admin/users/{target.id}",
        data={
            "display_name": target.display_name,
            "agency": str(target.agency_id),
            "roles": ["service_worker"],
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).roles == {Role.SERVICE_WORKER}
    assert "user.roles_changed" in recorded_actions()


def test_admin_cannot_remove_own_admin_role_or_disable_self(client, admin):
    token = csrf_token(client, f"/admin/users/{admin.id}")
    response = client.post(
        f"/admin/users/{admin.id}",
        data={
            "display_name": admin.display_name,
            "agency": str(admin.agency_id),
            "roles": ["referrer"],
            "csrf_token": token,
        },
    )
    assert "You cannot remove your own administrator role" in response.get_data(as_text=True)
    client.post(f"/admin/users/{admin.id}/disable", data={"csrf_token": token})
    db.session.expire_all()
    me = db.session.get(User, admin.id)
    assert Role.ADMIN in me.roles and not me.disabled


def test_disabling_a_user_ends_their_sessions(client, admin, app):
    target = factories.user()
    theirs = app.test_client()
    LoginActions(theirs)(target)
    assert theirs.get("/").status_code == 200
    token = csrf_token(client, "/")
    client.post(f"/admin/users/{target.id}/disable", data={"csrf_token": token})
    assert theirs.get("/").status_code == 302
    db.session.expire_all()
    assert db.session.get(User, target.id).disabled
    client.post(f"/admin/users/{target.id}/enable", data={"csrf_token": token})
    db.session.expire_all()
    assert not db.session.get(User, target.id).disabled


def test_reset_mfa_removes_the_authenticator_and_emails_the_holder(client, admin, app):
    target = factories.user()
    token = csrf_token(client, "/")
    response = client.post(f"/admin/users/{target.id}/reset-mfa", data={"csrf_token": token})
    assert "a link to set up a new authenticator app" in client.get(response.location).get_data(
        as_text=True
    )
    db.session.expire_all()
    reset = db.session.get(User, target.id)
    assert reset.totp_secret is None and not reset.totp_confirmed
    assert [m.to for m in factories.deliver()] == [target.email]
    # Signing in with the password does not offer enrolment: the link does.
    response = LoginActions(app.test_client()).password(target.email)
    assert response.status_code == 403
    assert "Use the link we emailed you" in response.get_data(as_text=True)
    assert "login.setup_link_required" in recorded_actions()


def test_reset_password_emails_a_link_and_ends_sessions(client, admin, app):
    target = factories.user()
    theirs = app.test_client()
    LoginActions(theirs)(target)
    token = csrf_token(client, "/")
    response = client.post(f"/admin/users/{target.id}/reset-password", data={"csrf_token": token})
    page = client.get(response.location).get_data(as_text=True)
    assert "a link to choose a new password" in page and "temporary-password" not in page
    assert theirs.get("/").status_code == 302
    db.session.expire_all()
    from daservice.accounts import passwords

    user = db.session.get(User, target.id)
    assert not passwords.verify_password(user.password_hash, factories.PASSWORD)
    assert not user.must_change_password and user.totp_confirmed
    assert [m.to for m in factories.deliver()] == [target.email]


def test_admin_pages_show_no_case_content_links(client, admin):
    body = client.get("/admin/users").get_data(as_text=True)
    assert "/referrals" not in body


def test_unknown_user_id_is_404(client, admin):
    assert client.get("/admin/users/00000000-0000-0000-0000-000000000000").status_code == 404
    assert row_count("users") == 1


def test_admin_cannot_give_themselves_a_case_role(client, admin):
    token = csrf_token(client, f"/admin/users/{admin.id}")
    response = client.post(
        f"/admin/users/{admin.id}",
        data={
            "display_name": admin.display_name,
            "agency": str(admin.agency_id),
            "roles": ["admin", "service_worker"],
            "csrf_token": token,
        },
    )
    assert response.status_code == 400
    assert "An administrator cannot also be" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, admin.id).roles == {Role.ADMIN}


def test_moving_a_worker_to_another_agency_ends_their_inbox_memberships(client, admin):
    from daservice.directory.models import ServiceKind, ServiceMember

    directory = factories.directory()
    worker = factories.user(Role.SERVICE_WORKER)
    db.session.add(ServiceMember(service_id=directory[ServiceKind.IDVA].id, user_id=worker.id))
    db.session.commit()
    new_agency = factories.agency("NEW", "New Agency")
    token = csrf_token(client, f"/admin/users/{worker.id}")
    client.post(
        f"/admin/users/{worker.id}",
        data={
            "display_name": worker.display_name,
            "agency": str(new_agency.id),
            "roles": ["service_worker"],
            "csrf_token": token,
        },
    )
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ServiceMember)) == 0


def test_an_admin_sees_notifications_that_failed_and_can_send_them_again(client, admin, login_as):
    from daservice import notify
    from daservice.notify.models import MessageStatus, OutboxMessage

    notify.register_template("test.admin", subject="Waiting", body="{service_url}")
    message = notify.enqueue("test.admin", to="worker@demo.daservice.invalid")
    message.status, message.attempts, message.last_error = MessageStatus.FAILED, 8, "SMTPError"
    db.session.commit()
    message_id = message.id
    page = client.get("/admin/notifications").get_data(as_text=True)
    assert "worker@demo.daservice.invalid" in page and "SMTPError" in page
    response = login_as.post(
        f"/admin/notifications/{message_id}/retry", page="/admin/notifications"
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(OutboxMessage, message_id).status == MessageStatus.PENDING
    assert "notification.retried" in recorded_actions()
    assert [m.to for m in factories.deliver()] == ["worker@demo.daservice.invalid"]
    assert "Every notification has been sent" in client.get("/admin/notifications").get_data(
        as_text=True
    )


def test_only_admins_see_failed_notifications(client, login_as):
    login_as(factories.user(Role.SERVICE_WORKER))
    assert client.get("/admin/notifications").status_code == 403
