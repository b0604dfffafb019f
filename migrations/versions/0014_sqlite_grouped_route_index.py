"""reports: on SQLite, the released routes' index in the order the reports group them by

SQLite groups a period's released routes by sorting them: a plan year's 60,000 routes took
100-120 ms at the benchmark's 100,000 referrals. ``ix_routes_reporting_grouped`` holds the same
columns with the grouping keys first, so SQLite skips from group to group, reads each one's range
of release dates, and sorts nothing (50-55 ms; docs/performance.md). It replaces
``ix_routes_reporting`` on SQLite only: PostgreSQL groups by hashing the period's range, and before
version 18 it cannot skip through an index, so it keeps the index by release date.

The skip needs the planner's statistics, so the tables are analysed here; the
``database.refresh_statistics`` job keeps them current as the data grows.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 05:00:00
"""

from alembic import op


revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

BY_RELEASE = [
    "released_at",
    "service_id",
    "referral_agency_id",
    "referral_risk_level",
    "due_at",
    "first_contact_at",
    "first_contact_working_days",
    "created_at",
]
GROUPED = [
    "service_id",
    "referral_risk_level",
    "first_contact_working_days",
    "released_at",
    "referral_agency_id",
    "due_at",
    "first_contact_at",
    "created_at",
]


def upgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.drop_index("ix_routes_reporting", table_name="routes")
    op.create_index("ix_routes_reporting_grouped", "routes", GROUPED, unique=False)
    op.execute("ANALYZE")


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    op.drop_index("ix_routes_reporting_grouped", table_name="routes")
    op.create_index("ix_routes_reporting", "routes", BY_RELEASE, unique=False)
