"""a contact attempt made against her safe-contact instructions keeps the worker's reason

``contact_attempts.override_reason`` is a protected field (ciphertext, like ``notes``): empty for
every attempt made before the upgrade, which were never checked against the instructions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 12:00:00
"""

import sqlalchemy as sa
from alembic import op


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("contact_attempts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("override_reason", sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table("contact_attempts", schema=None) as batch_op:
        batch_op.drop_column("override_reason")
