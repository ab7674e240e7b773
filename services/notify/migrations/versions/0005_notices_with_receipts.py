"""notices with receipts; the org tree and the branches' officers as notify knows them

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30

"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'notices',
        sa.Column('id', sa.UUID(), nullable=False),
        sa.Column('tenant_id', sa.UUID(), nullable=False),
        sa.Column('org_unit_id', sa.UUID(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('sent_by', sa.UUID(), nullable=True),
        sa.Column('reminders', sa.Integer(), server_default=sa.text('0'), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_notices_tenant_unit', 'notices', ['tenant_id', 'org_unit_id', 'sent_at'])
    op.create_table(
        'notice_receipts',
        sa.Column('notice_id', sa.UUID(), nullable=False),
        sa.Column('person_id', sa.UUID(), nullable=False),
        sa.Column('tenant_id', sa.UUID(), nullable=False),
        sa.Column('org_unit_id', sa.UUID(), nullable=True),
        sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('last_reminded_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['notice_id'], ['notices.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('notice_id', 'person_id'),
    )
    op.create_index('ix_notice_receipts_tenant_person', 'notice_receipts', ['tenant_id', 'person_id'])
    op.create_table(
        'org_units',
        sa.Column('org_unit_id', sa.UUID(), nullable=False),
        sa.Column('tenant_id', sa.UUID(), nullable=False),
        sa.Column('parent_id', sa.UUID(), nullable=True),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('closed', sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint('org_unit_id'),
    )
    op.create_index('ix_org_units_tenant', 'org_units', ['tenant_id'])
    op.create_table(
        'branch_officers',
        sa.Column('tenant_id', sa.UUID(), nullable=False),
        sa.Column('org_unit_id', sa.UUID(), nullable=False),
        sa.Column('person_id', sa.UUID(), nullable=False),
        sa.Column('role', sa.String(length=32), nullable=False),
        sa.Column('started_on', sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint('tenant_id', 'org_unit_id', 'person_id', 'role'),
    )


def downgrade() -> None:
    op.drop_table('branch_officers')
    op.drop_index('ix_org_units_tenant', table_name='org_units')
    op.drop_table('org_units')
    op.drop_table('notice_receipts')
    op.drop_index('ix_notices_tenant_unit', table_name='notices')
    op.drop_table('notices')
