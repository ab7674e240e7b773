"""the roster follows transfers, statuses and leaving; org tree; tenant time zones

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 21:50:00.000000

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    """Upgrade schema."""
    op.add_column('members_view', sa.Column('political_status', sa.String(length=16), nullable=True))
    op.add_column('members_view', sa.Column('status_since', sa.Date(), nullable=True))
    op.add_column('members_view', sa.Column('previous_status', sa.String(length=16), nullable=True))
    op.add_column('members_view', sa.Column('unit_since', sa.Date(), nullable=True))
    op.add_column('members_view', sa.Column('left_on', sa.Date(), nullable=True))
    op.create_table('org_units',
    sa.Column('org_unit_id', sa.UUID(), nullable=False),
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('parent_id', sa.UUID(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('org_unit_id')
    )
    op.create_index('ix_org_units_tenant', 'org_units', ['tenant_id'], unique=False)
    op.create_table('tenants',
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('timezone', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('tenant_id')
    )
    op.create_table('unit_changes',
    sa.Column('event_id', sa.UUID(), nullable=False),
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('member_id', sa.UUID(), nullable=False),
    sa.Column('from_org_unit_id', sa.UUID(), nullable=False),
    sa.Column('to_org_unit_id', sa.UUID(), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    op.create_index('ix_unit_changes_member', 'unit_changes', ['tenant_id', 'member_id', 'effective_on'], unique=False)


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_index('ix_unit_changes_member', table_name='unit_changes')
    op.drop_table('unit_changes')
    op.drop_table('tenants')
    op.drop_index('ix_org_units_tenant', table_name='org_units')
    op.drop_table('org_units')
    op.drop_column('members_view', 'left_on')
    op.drop_column('members_view', 'unit_since')
    op.drop_column('members_view', 'previous_status')
    op.drop_column('members_view', 'status_since')
    op.drop_column('members_view', 'political_status')
