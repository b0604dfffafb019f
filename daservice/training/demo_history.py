"""What the programme's jobs would have recorded by the time the demo is loaded: refresher
reminders already sent, and each site's safe-space history, both worked out from the demo's
certificates."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta

from flask import current_app

from ..extensions import db
from .demo_plan import at
from .models import (
    Certificate,
    Course,
    Level,
    RefresherReminder,
    RefresherStage,
    SafeSpaceChange,
    Site,
    Trainee,
)

# (certificate, its holder, when it was issued)
Made = Sequence[tuple[Certificate, Trainee, datetime]]


def refresher_reminders(made: Made, courses: Iterable[Course], today: date) -> None:
    """One reminder per stage already reached, so the jobs send none of them again."""
    closing = current_app.config["REFRESHER_CLOSING_NOTICE"]
    windows = {c.id: timedelta(days=c.refresher_window_days) for c in courses}
    for certificate, _, _ in made:
        if certificate.expires_on is None or certificate.revoked_at is not None:
            continue
        for stage, day in (
            (RefresherStage.WINDOW_OPENS, certificate.expires_on - windows[certificate.course_id]),
            (RefresherStage.WINDOW_CLOSING, certificate.expires_on - closing),
            (RefresherStage.EXPIRED, certificate.expires_on + timedelta(days=1)),
        ):
            if day <= today:
                db.session.add(
                    RefresherReminder(
                        certificate_id=certificate.id, stage=stage, sent_at=at(day, "08:00")
                    )
                )


def safe_spaces(
    made: Made,
    site_of: Mapping[Trainee, Site],
    left: Mapping[Trainee, datetime],
    now: datetime,
) -> None:
    """Each site's history under the rule: the count of its active staff holding a valid
    practitioner-or-higher certificate, and the moments it reached or fell below the threshold
    (a certificate counts from issue until it expires, is revoked or its holder leaves)."""
    needed = current_app.config["SAFE_SPACE_MIN_TRAINED_STAFF"]
    steps: dict[Site, list[tuple[datetime, int]]] = defaultdict(list)
    for certificate, trainee, issued in made:
        site = site_of.get(trainee)
        if site is None or certificate.level.rank < Level.PRACTITIONER.rank:
            continue
        ends = [left.get(trainee), certificate.revoked_at]
        if certificate.expires_on is not None:
            ends.append(at(certificate.expires_on + timedelta(days=1), "00:00"))
        end = min((e for e in ends if e is not None), default=None)
        steps[site].append((issued, +1))
        if end is not None and end <= now:
            steps[site].append((end, -1))
    for trainee in left:
        trainee.active = False
    for site, changes in steps.items():
        count = 0
        for moment, step in sorted(changes):  # at the same moment, a loss first
            count += step
            if (step > 0 and count == needed) or (step < 0 and count == needed - 1):
                db.session.add(SafeSpaceChange(site_id=site.id, gained=step > 0, at=moment))
                site.safe_space_since = moment if step > 0 else None
