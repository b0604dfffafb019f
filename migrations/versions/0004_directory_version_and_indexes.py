"""directory version for per-process caching; indexes that no query uses are dropped

Routing and notifications read the service directory on every referral. Processes now keep a
copy, checked on each use against ``directory_version``: one row that triggers give a fresh random
value in the same transaction as any change to services, service members, a user's email or
disabled flag, or partner systems' API clients (so a revoked token stops working at once).

Every index costs each insert a page write; these served no query: referrals.risk_level,
referrals.agency_id, audit_events.action, routes.status and routes.due_at (a service's inbox
reads routes.service_id's index and sorts), routes.referral_id (the (referral_id, service_id)
unique constraint already finds a referral's routes); and a referrer's list reads one index,
(referrer_id, created_at), instead of two.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 11:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# (trigger name, table, event) — what makes the cached directory stale.
CHANGES = [
    ('services_insert', 'services', 'INSERT'),
    ('services_update', 'services', 'UPDATE'),
    ('services_delete', 'services', 'DELETE'),
    ('service_members_insert', 'service_members', 'INSERT'),
    ('service_members_update', 'service_members', 'UPDATE'),
    ('service_members_delete', 'service_members', 'DELETE'),
    ('users_insert', 'users', 'INSERT'),  # also SQLite's INSERT OR REPLACE
    ('users_update', 'users', 'UPDATE OF email, disabled'),
    ('users_delete', 'users', 'DELETE'),
    ('api_clients_insert', 'api_clients', 'INSERT'),
    ('api_clients_update', 'api_clients', 'UPDATE'),
    ('api_clients_delete', 'api_clients', 'DELETE'),
]
# PostgreSQL's TRUNCATE fires no row or statement triggers of its own kind: these catch it.
TRUNCATED = ['services', 'service_members', 'users', 'api_clients']


def upgrade():
    op.create_table(
        'directory_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version', sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_directory_version')),
    )
    postgresql = op.get_bind().dialect.name == 'postgresql'
    fresh = "md5(gen_random_uuid()::text)" if postgresql else "lower(hex(randomblob(16)))"
    op.execute(f"INSERT INTO directory_version (id, version) VALUES (1, {fresh})")
    bump = f"UPDATE directory_version SET version = {fresh}"
    if postgresql:
        op.execute(
            "CREATE FUNCTION new_directory_version() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {bump}; RETURN NULL; END $$"
        )
        for name, table, event in CHANGES:
            op.execute(
                f"CREATE TRIGGER directory_{name} AFTER {event} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION new_directory_version()"
            )
        for table in TRUNCATED:
            op.execute(
                f"CREATE TRIGGER directory_{table}_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION new_directory_version()"
            )
    else:
        for name, table, event in CHANGES:
            op.execute(
                f"CREATE TRIGGER directory_{name} AFTER {event} ON {table} "
                f"FOR EACH ROW BEGIN {bump}; END"
            )

    op.drop_index('ix_referrals_risk_level', table_name='referrals')
    op.drop_index('ix_referrals_agency_id', table_name='referrals')
    op.drop_index('ix_referrals_referrer_id', table_name='referrals')
    op.drop_index('ix_referrals_created_at', table_name='referrals')
    op.create_index('ix_referrals_referrer', 'referrals', ['referrer_id', 'created_at'])
    op.drop_index('ix_audit_events_action', table_name='audit_events')
    op.drop_index('ix_routes_referral_id', table_name='routes')
    op.drop_index('ix_routes_status', table_name='routes')
    op.drop_index('ix_routes_due_at', table_name='routes')


def downgrade():
    op.create_index('ix_routes_due_at', 'routes', ['due_at'])
    op.create_index('ix_routes_status', 'routes', ['status'])
    op.create_index('ix_routes_referral_id', 'routes', ['referral_id'])
    op.create_index('ix_audit_events_action', 'audit_events', ['action'])
    op.create_index('ix_referrals_risk_level', 'referrals', ['risk_level'])
    op.drop_index('ix_referrals_referrer', table_name='referrals')
    op.create_index('ix_referrals_created_at', 'referrals', ['created_at'])
    op.create_index('ix_referrals_referrer_id', 'referrals', ['referrer_id'])
    op.create_index('ix_referrals_agency_id', 'referrals', ['agency_id'])
    for name, table, _ in CHANGES:
        op.execute(f"DROP TRIGGER directory_{name}" + (
            f" ON {table}" if op.get_bind().dialect.name == 'postgresql' else ""
        ))
    if op.get_bind().dialect.name == 'postgresql':
        for table in TRUNCATED:
            op.execute(f"DROP TRIGGER directory_{table}_truncate ON {table}")
        op.execute("DROP FUNCTION new_directory_version()")
    op.drop_table('directory_version')
