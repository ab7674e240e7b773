"""audit_log: every write request of the college, kept from each service's audit_recorded

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision: str = '0009'
down_revision: Union[str, Sequence[str], None] = '0008'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'audit_log',
        sa.Column('event_id', sa.UUID(), nullable=False),
        sa.Column('tenant_id', sa.UUID(), nullable=False),
        sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('service', sa.String(length=32), nullable=False),
        sa.Column('entrypoint', sa.String(length=200), nullable=False),
        sa.Column('route', sa.String(length=300), nullable=True),
        sa.Column('person_id', sa.UUID(), nullable=True),
        sa.Column('roles', postgresql.ARRAY(sa.String(length=32)), nullable=False),
        sa.Column('credential', sa.String(length=80), nullable=True),
        sa.Column('targets', postgresql.ARRAY(sa.String(length=160)), nullable=False),
        sa.Column('target_ids', postgresql.ARRAY(sa.UUID()), nullable=False),
        sa.Column('summary', sa.String(length=1000), nullable=False),
        sa.Column('correlation_id', sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint('event_id'),
    )
    op.create_index('ix_audit_log_tenant_time', 'audit_log', ['tenant_id', 'occurred_at'], unique=False)
    op.create_index('ix_audit_log_tenant_person_time', 'audit_log', ['tenant_id', 'person_id', 'occurred_at'],
                    unique=False)
    op.create_index('ix_audit_log_target_ids', 'audit_log', ['target_ids'], unique=False, postgresql_using='gin')


def downgrade() -> None:
    op.drop_index('ix_audit_log_target_ids', table_name='audit_log')
    op.drop_index('ix_audit_log_tenant_person_time', table_name='audit_log')
    op.drop_index('ix_audit_log_tenant_time', table_name='audit_log')
    op.drop_table('audit_log')
