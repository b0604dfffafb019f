"""reports: ended months counted once, and triggers that say when a month's counts are out of date

``report_referral_months`` and ``report_route_months`` hold each ended UK month's referrals and
released routes, counted by every dimension the reports count by; ``report_months`` says which
months are counted. The job ``reports.count_closed_months`` fills them
(``reports/measures/month_counts.py``).

The triggers write a row to ``report_month_changes`` for each referral or route added, changed (a
column the reports count by given a different value) or deleted whose moment (a referral's
making, a route's release) is over a day old, for the UTC month of that moment and the one after
(a UTC moment's UK month is one of the two; SQLite cannot tell which). They only insert, so
writers never wait for one another here. Writes of the present moment, such as every referral
made now, write nothing: they belong to a month not yet counted. On PostgreSQL a TRUNCATE of
either table forgets every count of it.

A migration that rebuilds ``referrals`` or ``routes`` (SQLite's batch mode copies a table to a new
one and drops the old, and its triggers with it) must create these triggers again, with any column
added to what the reports count by: ``tests/test_migrations.py`` checks both at the head.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 08:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# The columns a report counts by, as they are at this revision (a migration keeps its own list).
WATCHED = {
    "referrals": (
        "created_at",
        [
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
        ],
    ),
    "routes": (
        "released_at",
        [
            "released_at",
            "created_at",
            "service_id",
            "referral_agency_id",
            "referral_risk_level",
            "due_at",
            "first_contact_at",
            "first_contact_working_days",
        ],
    ),
}
REFERRAL_COUNTS = [
    "n",
    "high",
    "medium",
    "standard",
    "marac",
    "serial_perpetrator",
    "repeat_victim",
    "visible_high_risk",
    "professional_judgement",
    "potential_escalation",
    "repeat",
]
ROUTE_COUNTS = ["n", "attempted", "in_time", "decided", "after_consent"]


def _counts(names):
    return [sa.Column(name, sa.Integer(), nullable=False) for name in names]


def upgrade():
    op.create_table(
        "report_referral_months",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=False),
        sa.Column("override_legal_basis", sa.String(length=40), nullable=True),
        *_counts(REFERRAL_COUNTS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_referral_months")),
    )
    op.create_index("ix_report_referral_months_month", "report_referral_months", ["month"])
    op.create_table(
        "report_route_months",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("service_id", sa.Uuid(), nullable=False),
        sa.Column("referral_agency_id", sa.Uuid(), nullable=False),
        sa.Column("referral_risk_level", sa.String(length=16), nullable=False),
        sa.Column("first_contact_working_days", sa.Integer(), nullable=True),
        *_counts(ROUTE_COUNTS),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_route_months")),
    )
    op.create_index("ix_report_route_months_month", "report_route_months", ["month"])
    op.create_table(
        "report_months",
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("counted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kind", "month", name=op.f("pk_report_months")),
    )
    op.create_table(
        "report_month_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_month_changes")),
    )
    op.create_index(
        "ix_report_month_changes_month", "report_month_changes", ["kind", "month"]
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _sqlite_triggers():
    def changed(kind, moment):
        # Both UTC months the moment's UK month may be; nothing for a moment under a day old.
        return (
            "INSERT INTO report_month_changes (kind, month) "
            f"SELECT '{kind}', month FROM ("
            f"SELECT date({moment}, 'start of month') AS month UNION ALL "
            f"SELECT date({moment}, 'start of month', '+1 month')"
            f") WHERE {moment} < datetime('now', '-1 day');"
        )

    for table, (moment, columns) in WATCHED.items():
        differs = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in columns)
        op.execute(
            f"CREATE TRIGGER report_month_{table}_insert AFTER INSERT ON {table} "
            f"BEGIN {changed(table, f'NEW.{moment}')} END"
        )
        op.execute(
            f"CREATE TRIGGER report_month_{table}_delete AFTER DELETE ON {table} "
            f"BEGIN {changed(table, f'OLD.{moment}')} END"
        )
        op.execute(
            f"CREATE TRIGGER report_month_{table}_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} WHEN {differs} "
            f"BEGIN {changed(table, f'OLD.{moment}')} {changed(table, f'NEW.{moment}')} END"
        )


def _postgresql_triggers():
    op.execute(
        """
        CREATE FUNCTION report_month_changed(changed_kind text, changed_at timestamptz)
        RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            IF changed_at < now() - interval '1 day' THEN
                INSERT INTO report_month_changes (kind, month)
                SELECT changed_kind,
                       (date_trunc('month', changed_at AT TIME ZONE 'UTC')
                        + step * interval '1 month')::date
                FROM (VALUES (0), (1)) AS steps (step);
            END IF;
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION report_months_forgotten() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            DELETE FROM report_months WHERE kind = TG_ARGV[0];
            RETURN NULL;
        END $$
        """
    )
    for table, (moment, columns) in WATCHED.items():
        differs = " OR ".join(f"OLD.{column} IS DISTINCT FROM NEW.{column}" for column in columns)
        op.execute(
            f"""
            CREATE FUNCTION report_month_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN
                    PERFORM report_month_changed('{table}', OLD.{moment});
                END IF;
                IF TG_OP <> 'DELETE' THEN
                    PERFORM report_month_changed('{table}', NEW.{moment});
                END IF;
                RETURN NULL;
            END $$
            """
        )
        op.execute(
            f"CREATE TRIGGER report_month_{table}_insert_delete AFTER INSERT OR DELETE ON {table} "
            f"FOR EACH ROW EXECUTE FUNCTION report_month_{table}()"
        )
        op.execute(
            f"CREATE TRIGGER report_month_{table}_update AFTER UPDATE OF {', '.join(columns)} "
            f"ON {table} FOR EACH ROW WHEN ({differs}) "
            f"EXECUTE FUNCTION report_month_{table}()"
        )
        op.execute(
            f"CREATE TRIGGER report_month_{table}_truncate AFTER TRUNCATE ON {table} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION report_months_forgotten('{table}')"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in WATCHED:
            for event in ("insert_delete", "update", "truncate"):
                op.execute(f"DROP TRIGGER report_month_{table}_{event} ON {table}")
            op.execute(f"DROP FUNCTION report_month_{table}()")
        op.execute("DROP FUNCTION report_months_forgotten()")
        op.execute("DROP FUNCTION report_month_changed(text, timestamptz)")
    else:
        for table in WATCHED:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER report_month_{table}_{event}")
    op.drop_index("ix_report_month_changes_month", table_name="report_month_changes")
    op.drop_table("report_month_changes")
    op.drop_table("report_months")
    op.drop_index("ix_report_route_months_month", table_name="report_route_months")
    op.drop_table("report_route_months")
    op.drop_index("ix_report_referral_months_month", table_name="report_referral_months")
    op.drop_table("report_referral_months")
