"""processed_events: a BRIN index on processed_at for the retention sweep

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-24

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_index('ix_processed_events_processed_at', 'processed_events', ['processed_at'], unique=False,
                    postgresql_using='brin')


def downgrade() -> None:
    op.drop_index('ix_processed_events_processed_at', table_name='processed_events')
