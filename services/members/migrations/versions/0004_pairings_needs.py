"""pairings, their follow-up state, and needs

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('pairing_settings',
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('org_unit_id', sa.UUID(), nullable=False),
    sa.Column('contact_every_days', sa.Integer(), nullable=False),
    sa.Column('need_overdue_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('contact_every_days BETWEEN 1 AND 366', name='pairing_settings_contact_days'),
    sa.CheckConstraint('need_overdue_days BETWEEN 1 AND 366', name='pairing_settings_need_days'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('tenant_id', 'org_unit_id')
    )
    op.create_table('pairings',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('org_unit_id', sa.UUID(), nullable=False),
    sa.Column('mentor_id', sa.UUID(), nullable=False),
    sa.Column('target_kind', sa.String(length=32), nullable=False),
    sa.Column('target_person_id', sa.UUID(), nullable=True),
    sa.Column('target_class', sa.String(length=200), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('end_reason', sa.String(length=200), nullable=True),
    sa.Column('last_contact_on', sa.Date(), nullable=True),
    sa.Column('next_due_on', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("target_kind IN ('staff_non_party', 'class', 'student_member')", name='pairing_target_kind'),
    sa.CheckConstraint("(target_kind = 'class') = (target_class IS NOT NULL) "
                       "AND (target_kind = 'class') = (target_person_id IS NULL)", name='pairing_target'),
    sa.ForeignKeyConstraint(['mentor_id'], ['people.id'], ),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], ),
    sa.ForeignKeyConstraint(['target_person_id'], ['people.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ux_pairings_active_kind', 'pairings', ['tenant_id', 'mentor_id', 'target_kind'], unique=True,
                    postgresql_where=sa.text('ended_on IS NULL'))
    op.create_index('ix_pairings_branch', 'pairings', ['tenant_id', 'org_unit_id'], unique=False)
    op.create_table('pairing_contacts',
    sa.Column('pairing_id', sa.UUID(), nullable=False),
    sa.Column('activity_id', sa.UUID(), nullable=False),
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairings.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('pairing_id', 'activity_id')
    )
    op.create_index('ix_pairing_contacts_activity', 'pairing_contacts', ['tenant_id', 'activity_id'], unique=False)
    op.create_table('pairing_overdue_claims',
    sa.Column('pairing_id', sa.UUID(), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('level', sa.String(length=16), nullable=False),
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('scanned_on', sa.Date(), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("level IN ('mentor', 'secretary')", name='pairing_overdue_level'),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairings.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('pairing_id', 'due_on', 'level')
    )
    op.create_table('needs',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('org_unit_id', sa.UUID(), nullable=False),
    sa.Column('raised_by', sa.UUID(), nullable=False),
    sa.Column('recorded_by', sa.UUID(), nullable=True),
    sa.Column('pairing_id', sa.UUID(), nullable=True),
    sa.Column('activity_id', sa.UUID(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('assignee_id', sa.UUID(), nullable=True),
    sa.Column('resolution', sa.Text(), nullable=True),
    sa.Column('raised_on', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('escalated_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("status IN ('open', 'assigned', 'resolved', 'confirmed')", name='need_status'),
    sa.ForeignKeyConstraint(['assignee_id'], ['people.id'], ),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], ),
    sa.ForeignKeyConstraint(['pairing_id'], ['pairings.id'], ),
    sa.ForeignKeyConstraint(['raised_by'], ['people.id'], ),
    sa.ForeignKeyConstraint(['recorded_by'], ['people.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_needs_branch_status', 'needs', ['tenant_id', 'org_unit_id', 'status'], unique=False)
    op.create_table('need_transitions',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('need_id', sa.UUID(), nullable=False),
    sa.Column('from_status', sa.String(length=16), nullable=True),
    sa.Column('to_status', sa.String(length=16), nullable=False),
    sa.Column('by_person_id', sa.UUID(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.ForeignKeyConstraint(['need_id'], ['needs.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_need_transitions_need', 'need_transitions', ['tenant_id', 'need_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_need_transitions_need', table_name='need_transitions')
    op.drop_table('need_transitions')
    op.drop_index('ix_needs_branch_status', table_name='needs')
    op.drop_table('needs')
    op.drop_table('pairing_overdue_claims')
    op.drop_index('ix_pairing_contacts_activity', table_name='pairing_contacts')
    op.drop_table('pairing_contacts')
    op.drop_index('ix_pairings_branch', table_name='pairings')
    op.drop_index('ux_pairings_active_kind', table_name='pairings')
    op.drop_table('pairings')
    op.drop_table('pairing_settings')
