"""each plan year holds the number of safe spaces the borough should have by its end

``training_plan_years.safe_space_target``: empty (no target) for years saved before the upgrade.
``ix_training_certificates_progress``: the dashboard counts a plan year's certificates per agency
and course or level from this index alone (bench/training_dashboard.py).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 15:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("training_plan_years", schema=None) as batch_op:
        batch_op.add_column(sa.Column("safe_space_target", sa.Integer(), nullable=True))
    with op.batch_alter_table("training_certificates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_certificates_progress",
            ["issued_on", "agency_id", "course_id", "level", "trainee_id", "revoked_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("training_certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_training_certificates_progress")
    with op.batch_alter_table("training_plan_years", schema=None) as batch_op:
        batch_op.drop_column("safe_space_target")
