"""processed_events: an index on processed_at for the retention sweep

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24

"""
from typing import Sequence, Union

from alembic import op

from services.common.migrations import create_processed_at_index, drop_processed_at_index


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_processed_at_index(op)


def downgrade() -> None:
    drop_processed_at_index(op)
