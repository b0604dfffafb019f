"""reports: what a report counts by, held where one index scan finds it

- ``referrals.repeat_victim``: her victim had an earlier referral in the 12 months before (set at
  intake from now on; worked out here for the referrals already made).
- ``routes.referral_agency_id`` and ``routes.referral_risk_level``: the referral's agency and
  risk level, copied (neither ever changes), so routes are counted without a look-up of each
  route's referral.
- ``routes.first_contact_working_days``: working days from release to the first attempt, counted
  when the attempt is logged (England's bank holidays are in Python, not the database); worked
  out here for the attempts already logged.
- ``ix_referrals_reporting`` covers every dimension the reports count referrals by;
  ``ix_routes_reporting`` every one they count released routes by; ``ix_routes_held`` the routes
  held for consent now. bench/reports.py: docs/performance.md, "Manager reports".

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 22:30:00
"""

from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from alembic import op


revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

REFERRAL_DIMENSIONS = [
    "created_at",
    "agency_id",
    "risk_level",
    "marac",
    "serial_perpetrator",
    "repeat_victim",
    "override_legal_basis",
    "visible_high_risk",
    "professional_judgement",
    "potential_escalation",
    "repeat",
]
ROUTE_DIMENSIONS = [
    "released_at",
    "service_id",
    "referral_agency_id",
    "referral_risk_level",
    "due_at",
    "first_contact_at",
    "first_contact_working_days",
    "created_at",
]
HELD = sa.text("status = 'held_for_consent'")
LONDON = ZoneInfo("Europe/London")
BATCH = 5_000


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("repeat_victim", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referral_agency_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("referral_risk_level", sa.String(16), nullable=True))
        batch_op.add_column(sa.Column("first_contact_working_days", sa.Integer(), nullable=True))

    if bind.dialect.name == "postgresql":
        a_year_before = sa.text("r.created_at - interval '12 months'")
    else:  # SQLite keeps date-times as text; the result compares as text. Its '-12 months'
        # takes 29 February to 1 March (intake's relativedelta to 28 February): a day's
        # difference, once in four years, for the referrals made before this migration.
        a_year_before = sa.text("strftime('%Y-%m-%d %H:%M:%f', r.created_at, '-12 months')")
    bind.execute(
        sa.text(
            "UPDATE referrals AS r SET repeat_victim = EXISTS (SELECT 1 FROM referrals AS e "
            "WHERE e.victim_id = r.victim_id AND e.id <> r.id AND e.created_at < r.created_at "
            f"AND e.created_at >= {a_year_before.text})"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE routes SET "
            "referral_agency_id = (SELECT agency_id FROM referrals WHERE id = routes.referral_id), "
            "referral_risk_level = (SELECT risk_level FROM referrals WHERE id = routes.referral_id)"
        )
    )
    _backfill_working_days(bind)

    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.alter_column("referral_agency_id", existing_type=sa.Uuid(), nullable=False)
        batch_op.alter_column("referral_risk_level", existing_type=sa.String(16), nullable=False)
        batch_op.create_foreign_key(
            op.f("fk_routes_referral_agency_id_agencies"),
            "agencies",
            ["referral_agency_id"],
            ["id"],
        )
        batch_op.create_index("ix_routes_reporting", ROUTE_DIMENSIONS, unique=False)
        batch_op.create_index(
            "ix_routes_held",
            ["service_id", "referral_agency_id"],
            unique=False,
            sqlite_where=HELD,
            postgresql_where=HELD,
        )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_reporting")
        batch_op.create_index("ix_referrals_reporting", REFERRAL_DIMENSIONS, unique=False)


def downgrade():
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_reporting")
        batch_op.create_index(
            "ix_referrals_reporting", ["created_at", "agency_id", "risk_level"], unique=False
        )
    with op.batch_alter_table("routes", schema=None) as batch_op:
        batch_op.drop_index("ix_routes_held")
        batch_op.drop_index("ix_routes_reporting")
        batch_op.drop_constraint(op.f("fk_routes_referral_agency_id_agencies"), type_="foreignkey")
        batch_op.drop_column("first_contact_working_days")
        batch_op.drop_column("referral_risk_level")
        batch_op.drop_column("referral_agency_id")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_column("repeat_victim")


# Working days as the SLA counts them on 1 December 2026 (referrals/sla.py): after the UK day of
# release up to and including the UK day of the attempt, weekends and England's bank holidays
# skipped. A copy, so that this migration means the same whatever the code becomes.


def _uk_day(moment):
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LONDON).date()


def _working_days_between(start, end, bank_holidays):
    day, last, count = _uk_day(start), _uk_day(end), 0
    while day < last:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in bank_holidays:
            count += 1
    return count


def _backfill_working_days(bind):
    routes = sa.table(
        "routes",
        sa.column("id", sa.Uuid()),
        sa.column("released_at", sa.DateTime(timezone=True)),
        sa.column("first_contact_at", sa.DateTime(timezone=True)),
        sa.column("first_contact_working_days", sa.Integer()),
    )
    rows = bind.execute(
        sa.select(routes.c.id, routes.c.released_at, routes.c.first_contact_at).where(
            routes.c.first_contact_at.is_not(None), routes.c.released_at.is_not(None)
        )
    ).all()
    if not rows:
        return
    years = range(min(r.released_at.year for r in rows), date.today().year + 2)
    bank_holidays = frozenset(holidays.country_holidays("GB", subdiv="ENG", years=years))
    update = (
        sa.update(routes)
        .where(routes.c.id == sa.bindparam("route_id"))
        .values(first_contact_working_days=sa.bindparam("days"))
    )
    values = [
        {
            "route_id": r.id,
            "days": _working_days_between(r.released_at, r.first_contact_at, bank_holidays),
        }
        for r in rows
    ]
    for start in range(0, len(values), BATCH):
        bind.execute(update, values[start : start + BATCH])
