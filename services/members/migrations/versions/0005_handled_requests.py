"""handled_requests: write requests already carried out, so a redelivered RPC runs once

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


revision: str = '0005'
down_revision: Union[str, Sequence[str], None] = '0004'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table(
        'handled_requests',
        sa.Column('request_id', sa.String(length=64), nullable=False),
        sa.Column('entrypoint', sa.String(length=128), nullable=False),
        sa.Column('tenant_id', sa.UUID(), nullable=True),
        sa.Column('result', postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column('handled_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
        sa.PrimaryKeyConstraint('request_id', 'entrypoint'),
    )
    op.create_index(op.f('ix_handled_requests_handled_at'), 'handled_requests', ['handled_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_handled_requests_handled_at'), table_name='handled_requests')
    op.drop_table('handled_requests')
