"""handled_requests: every write request recorded with its answer

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op

from services.common.migrations import create_handled_requests, drop_handled_requests


revision: str = '0004'
down_revision: Union[str, Sequence[str], None] = '0003'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    create_handled_requests(op)


def downgrade() -> None:
    drop_handled_requests(op)
