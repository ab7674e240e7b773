"""the development pipeline (each person's dated steps, the reminders sent) and transfers between colleges

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision: str = '0008'
down_revision: Union[str, Sequence[str], None] = '0007'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('development_records',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=True),
    sa.Column('recorded_by', sa.UUID(), nullable=True),
    sa.Column('actors', sa.String(length=200), nullable=True),
    sa.Column('materials', postgresql.ARRAY(sa.String(length=200)), server_default='{}', nullable=False),
    sa.Column('votes_for', sa.Integer(), nullable=True),
    sa.Column('votes_against', sa.Integer(), nullable=True),
    sa.Column('votes_abstained', sa.Integer(), nullable=True),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('current', sa.Boolean(), server_default=sa.text('true'), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("source IN ('pipeline', 'backfill', 'status_route', 'roster', 'transfer')",
                       name='development_record_source'),
    sa.CheckConstraint('votes_for IS NULL OR (votes_for >= 0 AND votes_against >= 0 AND votes_abstained >= 0)',
                       name='development_record_votes'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ux_development_records_current_step', 'development_records', ['tenant_id', 'person_id', 'step'],
                    unique=True, postgresql_where=sa.text('current'))
    op.create_table('development_reminders',
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('step', sa.String(length=40), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('tenant_id', 'person_id', 'step', 'due_on', 'level')
    )
    op.create_table('inter_tenant_transfers',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('transfer_id', sa.UUID(), nullable=False),
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('side', sa.String(length=8), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=True),
    sa.Column('org_unit_id', sa.UUID(), nullable=True),
    sa.Column('letter_no', sa.String(length=64), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=False),
    sa.Column('expires_on', sa.Date(), nullable=False),
    sa.Column('destination_code', sa.String(length=64), nullable=True),
    sa.Column('destination_name', sa.String(length=200), nullable=True),
    sa.Column('particulars', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
    sa.Column('origin_tenant_id', sa.UUID(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=True),
    sa.Column('decided_by', sa.UUID(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("side IN ('outgoing', 'incoming')", name='inter_tenant_transfer_side'),
    sa.CheckConstraint("state IN ('issued', 'pending', 'accepted', 'refused', 'expired', 'left')",
                       name='inter_tenant_transfer_state'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant_id', 'transfer_id', name='uq_inter_tenant_transfers_tenant_transfer')
    )
    op.create_index('ux_inter_tenant_transfers_open', 'inter_tenant_transfers', ['tenant_id', 'person_id'],
                    unique=True, postgresql_where=sa.text("side = 'outgoing' AND state = 'issued'"))
    op.create_index('ix_inter_tenant_transfers_state', 'inter_tenant_transfers', ['tenant_id', 'side', 'state'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_inter_tenant_transfers_state', table_name='inter_tenant_transfers')
    op.drop_index('ux_inter_tenant_transfers_open', table_name='inter_tenant_transfers',
                  postgresql_where=sa.text("side = 'outgoing' AND state = 'issued'"))
    op.drop_table('inter_tenant_transfers')
    op.drop_table('development_reminders')
    op.drop_index('ux_development_records_current_step', table_name='development_records',
                  postgresql_where=sa.text('current'))
    op.drop_table('development_records')
