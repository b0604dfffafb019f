"""directory version for per-process caching; indexes that no query uses are dropped

Routing and notifications read the service directory on every referral. Processes now keep a
copy, checked on each use against ``directory_version``: one row that triggers give a fresh random
value in the same transaction as any change to services, service members, a user's email or
disabled flag, or partner systems' API clients (so a revoked token stops working at once).

Every index costs each insert a page write; these served no query: referrals.risk_level,
audit_events.action, routes.referral_id (the (referral_id, service_id) unique constraint already
finds a referral's routes), and routes.service_id/status/due_at singly, replaced by the one index
a service's inbox reads (service_id, status, due_at).

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
    ('users_update', 'users', 'UPDATE OF email, disabled'),
    ('users_delete', 'users', 'DELETE'),
    ('api_clients_insert', 'api_clients', 'INSERT'),
    ('api_clients_update', 'api_clients', 'UPDATE'),
    ('api_clients_delete', 'api_clients', 'DELETE'),
]


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
    else:
        for name, table, event in CHANGES:
            op.execute(
                f"CREATE TRIGGER directory_{name} AFTER {event} ON {table} "
                f"FOR EACH ROW BEGIN {bump}; END"
            )

    op.drop_index('ix_referrals_risk_level', table_name='referrals')
    op.drop_index('ix_audit_events_action', table_name='audit_events')
    op.drop_index('ix_routes_referral_id', table_name='routes')
    op.drop_index('ix_routes_service_id', table_name='routes')
    op.drop_index('ix_routes_status', table_name='routes')
    op.drop_index('ix_routes_due_at', table_name='routes')
    op.create_index('ix_routes_inbox', 'routes', ['service_id', 'status', 'due_at'])


def downgrade():
    op.drop_index('ix_routes_inbox', table_name='routes')
    op.create_index('ix_routes_due_at', 'routes', ['due_at'])
    op.create_index('ix_routes_status', 'routes', ['status'])
    op.create_index('ix_routes_service_id', 'routes', ['service_id'])
    op.create_index('ix_routes_referral_id', 'routes', ['referral_id'])
    op.create_index('ix_audit_events_action', 'audit_events', ['action'])
    op.create_index('ix_referrals_risk_level', 'referrals', ['risk_level'])
    for name, table, _ in CHANGES:
        op.execute(f"DROP TRIGGER directory_{name}" + (
            f" ON {table}" if op.get_bind().dialect.name == 'postgresql' else ""
        ))
    if op.get_bind().dialect.name == 'postgresql':
        op.execute("DROP FUNCTION new_directory_version()")
    op.drop_table('directory_version')
