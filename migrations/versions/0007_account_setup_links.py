"""account set-up links: a new account or a reset reaches its holder as a single-use link

``account_setup_links`` holds at most one link per user, stored as the SHA-256 digest of its
token (security/tokens.py), with when it expires and when it was used. Administrators no longer
see passwords: the holder chooses one and sets up their authenticator from the link.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 12:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'account_setup_links',
        sa.Column('user_id', sa.Uuid(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('set_password', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ['user_id'], ['users.id'],
            name=op.f('fk_account_setup_links_user_id_users'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_setup_links')),
        sa.UniqueConstraint('token_hash', name=op.f('uq_account_setup_links_token_hash')),
        sa.UniqueConstraint('user_id', name=op.f('uq_account_setup_links_user_id')),
    )


def downgrade():
    op.drop_table('account_setup_links')
