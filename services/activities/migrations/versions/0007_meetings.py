"""meetings and their attendees; activity days become meetings of kind activity_day; the years
of activity days scheduled without anybody asking; the branches' 三会一课 norms

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0007'
down_revision: Union[str, Sequence[str], None] = '0006'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'meetings',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('tenant_id', sa.UUID(), nullable=False),
        sa.Column('org_unit_id', sa.UUID(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('place', sa.String(length=200), nullable=True),
        sa.Column('agenda', sa.Text(), nullable=True),
        sa.Column('check_in_code', sa.String(length=8), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('moved_reason', sa.String(length=500), nullable=True),
        sa.Column('moves', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
        sa.Column('minutes', sa.Text(), nullable=True),
        sa.Column('evidence', postgresql.JSONB(astext_type=sa.Text()), server_default='[]', nullable=False),
        sa.Column('created_by', sa.UUID(), nullable=True),
        sa.Column('closed_by', sa.UUID(), nullable=True),
        sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_meetings_tenant_unit_period', 'meetings', ['tenant_id', 'org_unit_id', 'period'])
    op.create_index('uq_meetings_activity_day', 'meetings', ['tenant_id', 'org_unit_id', 'period'], unique=True,
                    postgresql_where=sa.text("kind = 'activity_day'"))
    op.create_table(
        'meeting_attendees',
        sa.Column('meeting_id', sa.UUID(), nullable=False),
        sa.Column('member_id', sa.UUID(), nullable=False),
        sa.Column('tenant_id', sa.UUID(), nullable=False),
        sa.Column('org_unit_id', sa.UUID(), nullable=False),
        sa.Column('guest', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_by', sa.UUID(), nullable=True),
        sa.Column('leave_reason', sa.String(length=500), nullable=True),
        sa.Column('leave_decided_by', sa.UUID(), nullable=True),
        sa.Column('leave_refusal', sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint('meeting_id', 'member_id', name='pk_meeting_attendees'),
    )
    op.create_table(
        'activity_day_years',
        sa.Column('tenant_id', sa.UUID(), nullable=False),
        sa.Column('org_unit_id', sa.UUID(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('scheduled_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id', 'org_unit_id', 'year', name='pk_activity_day_years'),
    )
    op.create_table(
        'meeting_norms',
        sa.Column('tenant_id', sa.UUID(), nullable=False),
        sa.Column('org_unit_id', sa.UUID(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('frequency', sa.String(length=16), nullable=False),
        sa.Column('updated_by', sa.UUID(), nullable=True),
        sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id', 'org_unit_id', 'kind', name='pk_meeting_norms'),
    )
    op.create_index('ix_meeting_attendees_tenant_member', 'meeting_attendees', ['tenant_id', 'member_id'])
    # Every activity day scheduled so far becomes its meeting, with the same id (the activities
    # recorded on it keep pointing at it), starting at 14:30 local time; the code is drawn per row.
    op.execute("""
        INSERT INTO meetings (id, tenant_id, org_unit_id, kind, title, period, held_on, starts_at, timezone,
                              check_in_code, status, moved_reason, created_at)
        SELECT id, tenant_id, org_unit_id, 'activity_day', '主题党日 ' || period, period, held_on,
               (held_on + time '14:30') AT TIME ZONE timezone, timezone,
               upper(substr(md5(random()::text || id::text), 1, 6)), 'planned', moved_reason, created_at
        FROM activity_days
    """)
    op.drop_table('activity_days')
    op.add_column('activities', sa.Column('meeting_id', sa.UUID(), nullable=True))
    op.create_unique_constraint('uq_activities_meeting_member', 'activities', ['meeting_id', 'member_id'])


def downgrade() -> None:
    op.drop_constraint('uq_activities_meeting_member', 'activities', type_='unique')
    op.drop_column('activities', 'meeting_id')
    op.create_table(
        'activity_days',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('tenant_id', sa.UUID(), nullable=False),
        sa.Column('org_unit_id', sa.UUID(), nullable=False),
        sa.Column('period', sa.String(length=7), nullable=False),
        sa.Column('held_on', sa.Date(), nullable=False),
        sa.Column('timezone', sa.String(length=64), nullable=False),
        sa.Column('moved_reason', sa.String(length=500), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('tenant_id', 'org_unit_id', 'period', name='uq_activity_days_unit_period'),
    )
    op.execute("""
        INSERT INTO activity_days (id, tenant_id, org_unit_id, period, held_on, timezone, moved_reason, created_at)
        SELECT id, tenant_id, org_unit_id, period, held_on, timezone, moved_reason, created_at
        FROM meetings WHERE kind = 'activity_day'
    """)
    op.drop_table('meeting_norms')
    op.drop_table('activity_day_years')
    op.drop_table('meeting_attendees')
    op.drop_index('uq_meetings_activity_day', table_name='meetings', postgresql_where=sa.text("kind = 'activity_day'"))
    op.drop_index('ix_meetings_tenant_unit_period', table_name='meetings')
    op.drop_table('meetings')
