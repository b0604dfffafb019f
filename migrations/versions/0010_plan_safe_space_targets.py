"""each plan year holds the number of safe spaces the borough should have by its end

``training_plan_years.safe_space_target``: empty (no target) for years saved before the upgrade.

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


def downgrade():
    with op.batch_alter_table("training_plan_years", schema=None) as batch_op:
        batch_op.drop_column("safe_space_target")
