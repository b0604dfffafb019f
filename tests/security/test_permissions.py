"""One permissions table decides who may open what: a sweep of every route × every role ×
anonymous gives the status the table says, and navigation follows it."""

from __future__ import annotations

import re

import pytest

from daservice.navigation import COVERED_BY, ENTRIES
from daservice.security import permissions
from daservice.security.guard import is_public, uses_tokens
from daservice.security.permissions import ROLE_PERMISSIONS, Permission, Role, permissions_of

from .. import factories
from ..conftest import LoginActions, csrf_token
from ..test_sweeps import _example_url, _rules

NAV_LINK = re.compile(
    r'navigation__item[^"]*">\s*<a class="govuk-service-navigation__link"[^>]*>'
    r"\s*(?:<strong[^>]*>)?\s*([^<]+?)\s*<"
)


# What each private page needs, written out here rather than read from the views, so a view that
# loses its guard (or a new one without one) fails. Empty: any signed-in user; the rows it shows
# are scoped by its queries.
REQUIRED: dict[str, set[Permission]] = {
    "main.home": set(),
    "accounts.change_password": set(),
    "accounts.logout": set(),
    "accounts.recovery_codes": set(),
    "accounts.keep_alive": set(),
    "referrals.detail": set(),
    "referrals.index": {Permission.REFER},
    "referrals.record_consent": {Permission.REFER},
    "journey.start": {Permission.REFER},
    "journey.section": {Permission.REFER},
    "journey.children": {Permission.REFER},
    "journey.check": {Permission.REFER},
    "journey.task_list": {Permission.REFER},
    "journey.child": {Permission.REFER},
    "journey.remove_child": {Permission.REFER},
    "journey.delete_draft": {Permission.REFER},
    "journey.confirmation": {Permission.REFER},
    "inbox.inbox": {Permission.WORK_ROUTES},
    "inbox.accept": {Permission.WORK_ROUTES},
    "inbox.decline": {Permission.WORK_ROUTES},
    "inbox.contact": {Permission.WORK_ROUTES},
    "inbox.start_support": {Permission.WORK_ROUTES},
    "inbox.close": {Permission.WORK_ROUTES},
    "admin.users": {Permission.MANAGE_USERS},
    "admin.new_user": {Permission.MANAGE_USERS},
    "admin.edit_user": {Permission.MANAGE_USERS},
    "admin.disable": {Permission.MANAGE_USERS},
    "admin.enable": {Permission.MANAGE_USERS},
    "admin.reset_mfa": {Permission.MANAGE_USERS},
    "admin.reset_password": {Permission.MANAGE_USERS},
    "admin.link_sent": {Permission.MANAGE_USERS},
    "directory.index": {Permission.MANAGE_DIRECTORY},
    "directory.new": {Permission.MANAGE_DIRECTORY},
    "directory.edit": {Permission.MANAGE_DIRECTORY},
    "directory.add_member": {Permission.MANAGE_DIRECTORY},
    "directory.remove_member": {Permission.MANAGE_DIRECTORY},
    "notifications.index": {Permission.MANAGE_NOTIFICATIONS},
    "notifications.retry": {Permission.MANAGE_NOTIFICATIONS},
    "dpo.access_log": {Permission.AUDIT_ACCESS},
    "dpo.find_person": {Permission.AUDIT_ACCESS},
    "dpo.find_user": {Permission.AUDIT_ACCESS},
    "dpo.user_activity": {Permission.AUDIT_ACCESS},
    "training_runs.index": {Permission.LEAD_TRAINING},
    "training_runs.new": {Permission.RUN_TRAINING},
    "training_runs.detail": {Permission.LEAD_TRAINING},
    "training_runs.change": {Permission.RUN_TRAINING},
    "training_runs.cancel": {Permission.RUN_TRAINING},
    "training_runs.add_session": {Permission.RUN_TRAINING},
    "training_runs.change_session": {Permission.RUN_TRAINING},
    "training_runs.cancel_session": {Permission.RUN_TRAINING},
    "training_runs.register": {Permission.RUN_TRAINING},
    "training_runs.score": {Permission.RUN_TRAINING},
    "training_runs.enrol": {Permission.LEAD_TRAINING},
    "training_runs.cancel_enrolment": {Permission.REQUEST_TRAINING},
    "training_runs.book_waitlisted": {Permission.RUN_TRAINING},
    "training_runs.ask": {Permission.REQUEST_TRAINING},
    "training_runs.requests": {Permission.LEAD_TRAINING},
    "training_runs.approve": {Permission.LEAD_TRAINING},
    "training_runs.decline": {Permission.LEAD_TRAINING},
    "training_runs.mine": {Permission.REQUEST_TRAINING},
    "certificates.index": {Permission.REQUEST_TRAINING, Permission.LEAD_TRAINING},
    "certificates.mine": {Permission.REQUEST_TRAINING},
    "certificates.detail": {Permission.REQUEST_TRAINING},
    "certificates.download": {Permission.REQUEST_TRAINING},
    "certificates.run_pdf": {Permission.REQUEST_TRAINING, Permission.RUN_TRAINING},
    "certificates.revoke": {Permission.REQUEST_TRAINING, Permission.RUN_TRAINING},
    "certificates.reissue": {Permission.REQUEST_TRAINING, Permission.RUN_TRAINING},
    "evaluations.index": {Permission.LEAD_TRAINING},
    "evaluations.course": {Permission.LEAD_TRAINING},
    "evaluations.comments": {Permission.LEAD_TRAINING, Permission.RUN_TRAINING},
    "evaluations.run": {Permission.LEAD_TRAINING},
    "evaluations.record_paper": {Permission.LEAD_TRAINING, Permission.RUN_TRAINING},
    "sites.index": {Permission.LEAD_TRAINING},
    "sites.new": {Permission.LEAD_TRAINING, Permission.RUN_TRAINING},
    "sites.detail": {Permission.LEAD_TRAINING},
    "sites.edit": {Permission.LEAD_TRAINING},
    "sites.staff": {Permission.LEAD_TRAINING},
    "sites.remove_staff": {Permission.LEAD_TRAINING},
    "training.dashboard": {Permission.LEAD_TRAINING},
    "reports.dashboard": {Permission.VIEW_REPORTS},
    "programmes.index": {Permission.RUN_PROGRAMMES},
    "programmes.programme": {Permission.RUN_PROGRAMMES},
    "programmes.new_programme": {Permission.RUN_PROGRAMMES},
    "programmes.edit_programme": {Permission.RUN_PROGRAMMES},
    "programmes.new_placement": {Permission.RUN_PROGRAMMES},
    "programmes.placement": {Permission.RUN_PROGRAMMES},
    "programmes.new_risk_review": {Permission.RUN_PROGRAMMES},
    "programmes.new_disruption": {Permission.RUN_PROGRAMMES},
    "programmes.new_session": {Permission.RUN_PROGRAMMES},
    "programmes.register": {Permission.RUN_PROGRAMMES},
    "programmes.follow_up": {Permission.RUN_PROGRAMMES},
    "partner_support.partner_updates": {Permission.WORK_ROUTES},
    "programme_figures.figures": {Permission.RUN_PROGRAMMES},
    "report_exports.index": {Permission.VIEW_REPORTS},
    "report_exports.create": {Permission.VIEW_REPORTS},
    "report_exports.status": {Permission.VIEW_REPORTS},
    "report_exports.download": {Permission.VIEW_REPORTS},
    "reports.table_csv": {Permission.VIEW_REPORTS},
    "reports.tables_zip": {Permission.VIEW_REPORTS},
    "marac_return.download": {Permission.VIEW_REPORTS},
    "training_plan.plan": {Permission.RUN_TRAINING},
    "training_plan.targets": {Permission.RUN_TRAINING},
    "courses.index": {Permission.RUN_TRAINING},
    "courses.new": {Permission.RUN_TRAINING},
    "courses.edit": {Permission.RUN_TRAINING},
    "trainees.staff_list": {Permission.LEAD_TRAINING},
    "trainees.new_trainee": {Permission.LEAD_TRAINING},
    "trainees.edit_trainee": {Permission.LEAD_TRAINING},
    "trainees.set_active": {Permission.LEAD_TRAINING},
    "trainees.import_staff": {Permission.LEAD_TRAINING},
}


def _private_endpoints(app) -> set[str]:
    return {
        r.endpoint
        for r in app.url_map.iter_rules()
        if r.endpoint != "static" and not is_public(app, r.endpoint) and not uses_tokens(r.endpoint)
    }


def _expected(app, endpoint: str, role: Role) -> str:
    return "allowed" if REQUIRED[endpoint] <= ROLE_PERMISSIONS[role] else "refused"


def test_every_private_page_is_in_the_table_and_guarded_as_it_says(app):
    assert _private_endpoints(app) == set(REQUIRED)
    for endpoint, needed in REQUIRED.items():
        assert permissions.required_for(app, endpoint) == needed, endpoint


def test_every_role_has_a_row_in_the_table():
    assert set(ROLE_PERMISSIONS) == set(Role)


def test_every_permission_is_needed_by_some_view():
    assert set().union(*REQUIRED.values()) == set(Permission)


# Roles whose home page is another page ("/" redirects there).
HOME = {Role.MANAGER: "/reports/"}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_what_the_table_says_on_every_route(app, role):
    client = app.test_client()
    LoginActions(client)(factories.user(role))
    token = csrf_token(client, "/")
    checked = 0
    for method in ("GET", "POST"):
        for rule in _rules(app, method):
            if is_public(app, rule.endpoint) or uses_tokens(rule.endpoint):
                continue
            if rule.endpoint == "accounts.logout":
                continue  # would end this sweep's session
            data = {"csrf_token": token} if method == "POST" else None
            status = client.open(_example_url(rule), method=method, data=data).status_code
            if _expected(app, rule.endpoint, role) == "refused":
                assert status == 403, (role, method, rule.endpoint, status)
            else:
                assert status != 403 and status < 500, (role, method, rule.endpoint, status)
            checked += 1
    assert checked >= 20
    # Still signed in: nothing in the sweep signed out.
    home = client.get("/")
    assert home.status_code == 200 or home.location == HOME.get(role), role


def test_anonymous_users_are_sent_to_sign_in_from_every_private_route(app, client):
    for rule in _rules(app, "GET"):
        if is_public(app, rule.endpoint) or uses_tokens(rule.endpoint):
            continue
        response = client.get(_example_url(rule))
        assert response.status_code == 302 and "/sign-in" in response.location, rule.endpoint


@pytest.mark.parametrize("role", list(Role))
def test_navigation_offers_exactly_what_the_role_may_open(app, role):
    client = app.test_client()
    LoginActions(client)(factories.user(role))
    page = client.get(HOME.get(role, "/")).get_data(as_text=True)
    shown = set(NAV_LINK.findall(page))
    offered = {
        text
        for text, endpoint in ENTRIES
        if _expected(app, endpoint, role) == "allowed"
        and not (endpoint in COVERED_BY and COVERED_BY[endpoint] in permissions_of({role}))
    }
    assert shown == offered, role


def test_a_disabled_account_is_allowed_nothing():
    class Disabled:
        roles = {Role.ADMIN}
        is_active = False

    assert not permissions.allows(Disabled(), Permission.MANAGE_USERS)
