"""handled_requests: the fingerprint of the request that claimed a key, answers kept verbatim

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op

from services.common.migrations import answer_client_keys, unanswer_client_keys


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    answer_client_keys(op)


def downgrade() -> None:
    unanswer_client_keys(op)
