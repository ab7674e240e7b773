"""the roster follows transfers, statuses and leaving; org tree; tenant time zones (activities)

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
    op.add_column('roster', sa.Column('political_status', sa.String(length=16), nullable=True))
    op.add_column('roster', sa.Column('status_since', sa.Date(), nullable=True))
    op.add_column('roster', sa.Column('previous_status', sa.String(length=16), nullable=True))
    op.add_column('roster', sa.Column('unit_since', sa.Date(), nullable=True))
    op.add_column('roster', sa.Column('left_on', sa.Date(), nullable=True))
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


def downgrade() -> None:
    """Downgrade schema."""
    op.drop_table('tenants')
    op.drop_index('ix_org_units_tenant', table_name='org_units')
    op.drop_table('org_units')
    op.drop_column('roster', 'left_on')
    op.drop_column('roster', 'unit_since')
    op.drop_column('roster', 'previous_status')
    op.drop_column('roster', 'status_since')
    op.drop_column('roster', 'political_status')
