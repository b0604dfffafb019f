"""reports: whether a certificate was replaced by a later one, from an index

``ix_training_certificates_holder_course`` (trainee, course, completed on, revoked at): the
reports' "certificates expiring" leave out a certificate already replaced by a refresher, one
index lookup per expiring certificate (bench/reports.py: 60 ms to 12 ms over a plan year's
expiries with 20,000 enrolments). The refresher reminders ask the same question.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 18:30:00
"""

from alembic import op


revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("training_certificates", schema=None) as batch_op:
        batch_op.create_index(
            "ix_training_certificates_holder_course",
            ["trainee_id", "course_id", "completed_on", "revoked_at"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("training_certificates", schema=None) as batch_op:
        batch_op.drop_index("ix_training_certificates_holder_course")
