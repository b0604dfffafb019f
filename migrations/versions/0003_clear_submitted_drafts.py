"""submitted drafts keep no copy of the answers

A draft's answers were kept after it was sent; the referral holds them now, so the second
encrypted copy is removed. New submissions clear it as they are sent.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24 09:40:00
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.execute("UPDATE referral_drafts SET answers = NULL WHERE submitted_referral_id IS NOT NULL")


def downgrade():
    pass  # what was removed is in the referral itself; there is nothing to put back
