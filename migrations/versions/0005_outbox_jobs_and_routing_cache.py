"""notifications outbox, scheduled job runs, SLA breach time; the directory copy is routing only

Notifications are now written to ``outbox_messages`` in the transaction of the change and sent by
``flask jobs run``, which records each job's runs and leases in ``job_runs``. Routes get
``sla_breached_at``, set when the first contact attempt became overdue.

The per-process directory copy now holds only the services referrals route to: who works a
service is read when a message to it is sent, and API tokens are looked up by their index. The
triggers that renewed ``directory_version`` on changes to service members, users and API clients
have nothing left to invalidate and are dropped; those on services stay.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

# (trigger name, table, event) of 0004's triggers no longer needed.
DROPPED = [
    ('service_members_insert', 'service_members', 'INSERT'),
    ('service_members_update', 'service_members', 'UPDATE'),
    ('service_members_delete', 'service_members', 'DELETE'),
    ('users_insert', 'users', 'INSERT'),
    ('users_update', 'users', 'UPDATE OF email, disabled'),
    ('users_delete', 'users', 'DELETE'),
    ('api_clients_insert', 'api_clients', 'INSERT'),
    ('api_clients_update', 'api_clients', 'UPDATE'),
    ('api_clients_delete', 'api_clients', 'DELETE'),
]
DROPPED_TRUNCATE = ['service_members', 'users', 'api_clients']


def upgrade():
    op.create_table(
        'outbox_messages',
        sa.Column('template', sa.String(length=64), nullable=False),
        sa.Column('audience', sa.String(length=32), nullable=False),
        sa.Column('address', sa.String(length=320), nullable=False),
        sa.Column('params', sa.JSON(), nullable=True),
        sa.Column('status', sa.Enum('pending', 'sent', 'failed', name='messagestatus', native_enum=False, length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_error', sa.String(length=120), nullable=True),
        sa.Column('id', sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_messages')),
    )
    op.create_index('ix_outbox_messages_due', 'outbox_messages', ['status', 'next_attempt_at'])
    op.create_table(
        'job_runs',
        sa.Column('name', sa.String(length=64), nullable=False),
        sa.Column('next_run_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_started_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_outcome', sa.String(length=200), nullable=True),
        sa.Column('last_failed', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('name', name=op.f('pk_job_runs')),
    )
    with op.batch_alter_table('routes') as batch_op:
        batch_op.add_column(sa.Column('sla_breached_at', sa.DateTime(timezone=True), nullable=True))

    postgresql = op.get_bind().dialect.name == 'postgresql'
    for name, table, _ in DROPPED:
        op.execute(f"DROP TRIGGER directory_{name}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        for table in DROPPED_TRUNCATE:
            op.execute(f"DROP TRIGGER directory_{table}_truncate ON {table}")


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    fresh = "md5(gen_random_uuid()::text)" if postgresql else "lower(hex(randomblob(16)))"
    bump = f"UPDATE directory_version SET version = {fresh}"
    for name, table, event in DROPPED:
        if postgresql:
            op.execute(
                f"CREATE TRIGGER directory_{name} AFTER {event} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION new_directory_version()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER directory_{name} AFTER {event} ON {table} "
                f"FOR EACH ROW BEGIN {bump}; END"
            )
    if postgresql:
        for table in DROPPED_TRUNCATE:
            op.execute(
                f"CREATE TRIGGER directory_{table}_truncate AFTER TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION new_directory_version()"
            )
    with op.batch_alter_table('routes') as batch_op:
        batch_op.drop_column('sla_breached_at')
    op.drop_table('job_runs')
    op.drop_index('ix_outbox_messages_due', table_name='outbox_messages')
    op.drop_table('outbox_messages')
