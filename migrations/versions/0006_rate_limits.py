"""rate limits shared by every app server; the sign-in throttle's failure log moves onto them

``rate_limits`` holds one row per limit and key (a keyed hash of the client address, never the
address): when that key's bucket will have drained (security/ratelimit.py). ``login_failures``,
one row per failed sign-in, is dropped: sign-in is now the ``sign_in`` limit. Failures counted
before the upgrade are forgotten, which at worst gives an address a fresh allowance once.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 09:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'rate_limits',
        sa.Column('name', sa.String(length=32), nullable=False),
        sa.Column('key_hash', sa.String(length=64), nullable=False),
        sa.Column('drained_at_us', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('name', 'key_hash', name=op.f('pk_rate_limits')),
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_failures_source_hash'))
        batch_op.drop_index(batch_op.f('ix_login_failures_occurred_at'))
    op.drop_table('login_failures')


def downgrade():
    op.create_table(
        'login_failures',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_hash', sa.String(length=64), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures')),
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_login_failures_occurred_at'), ['occurred_at'], unique=False
        )
        batch_op.create_index(
            batch_op.f('ix_login_failures_source_hash'), ['source_hash'], unique=False
        )
    op.drop_table('rate_limits')
