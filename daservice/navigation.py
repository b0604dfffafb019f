"""The service navigation: each entry is shown to whoever may open its page, as the permissions
table says (``security.permissions``); nothing here repeats which role does what."""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for
from flask_login import current_user

from .security import permissions

ENTRIES: list[tuple[str, str]] = [
    ("Home", "main.home"),
    ("Referrals", "referrals.index"),
    ("Inbox", "inbox.inbox"),
    ("Programmes", "programmes.index"),
    ("Training", "training.dashboard"),
    ("Reports", "reports.dashboard"),
    ("Your training", "training_runs.mine"),
    ("Users", "admin.users"),
    ("Services", "directory.index"),
    ("Notifications", "notifications.index"),
    ("Access log", "dpo.access_log"),
]
# Entries left out for users who reach the same page another way: a training lead or coordinator
# finds her own training among the training programme's sections on the Training page.
COVERED_BY: dict[str, permissions.Permission] = {
    "training_runs.mine": permissions.Permission.LEAD_TRAINING,
}
# "Your account" and "Sign out" are in the bar above (templates/base.html), beside who is signed
# in, so an administrator's entries fit on one line beside the service name at 1280 px.


def nav_items() -> list[dict[str, Any]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for text, endpoint in ENTRIES:
        needed = permissions.required_for(current_app, endpoint)
        if not permissions.allows_all(current_user, needed):
            continue
        covering = COVERED_BY.get(endpoint)
        if covering is not None and permissions.allows(current_user, covering):
            continue
        href = url_for(endpoint)
        # An entry is where you are on its page and on the pages under it (a referral under
        # Referrals, a user under Users); Home only on itself.
        under = href != "/" and request.path.startswith(href.rstrip("/") + "/")
        items.append({"text": text, "href": href, "active": request.path == href or under})
    return items
