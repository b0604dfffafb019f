"""manager reports: exports prepared in the background, a manager limited to her agency, and the
Marac return's flags on referrals

``report_exports``: board packs and CSV files being prepared, and the files they became.
``users.reports_own_agency_only``: a manager who sees only her own agency's figures.
``referrals.victim_male`` … ``children_count``: what the SafeLives Marac data return counts,
derived at intake; empty ("not known") for referrals made before the upgrade, whose protected
fields are not read by a migration.
``ix_referrals_reporting``: a period's referrals by agency and risk level.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 18:30:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "reports_own_agency_only", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.add_column(sa.Column("victim_male", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("victim_aged_16_17", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("victim_disabled", sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column("perpetrator_under_18", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column("children_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.create_index(
            "ix_referrals_reporting", ["created_at", "agency_id", "risk_level"], unique=False
        )
    op.create_table(
        "report_exports",
        sa.Column("requested_by_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "format",
            sa.Enum(
                "pdf", "csv", "marac-return", name="exportformat", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("period_key", sa.String(length=16), nullable=False),
        sa.Column("agency_id", sa.Uuid(), nullable=True),
        sa.Column("service_id", sa.Uuid(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="exportstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("steps_done", sa.Integer(), nullable=False),
        sa.Column("steps_total", sa.Integer(), nullable=False),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("filename", sa.String(length=120), nullable=True),
        sa.Column("content", sa.LargeBinary(), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("failure", sa.String(length=200), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_report_exports_agency_id_agencies")
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_report_exports_requested_by_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["service_id"], ["services.id"], name=op.f("fk_report_exports_service_id_services")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_exports")),
    )
    op.create_index(
        "ix_report_exports_requester", "report_exports", ["requested_by_id", "created_at"]
    )


def downgrade():
    op.drop_index("ix_report_exports_requester", table_name="report_exports")
    op.drop_table("report_exports")
    with op.batch_alter_table("referrals", schema=None) as batch_op:
        batch_op.drop_index("ix_referrals_reporting")
        batch_op.drop_column("children_count")
        batch_op.drop_column("perpetrator_under_18")
        batch_op.drop_column("victim_disabled")
        batch_op.drop_column("victim_aged_16_17")
        batch_op.drop_column("victim_male")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("reports_own_agency_only")
