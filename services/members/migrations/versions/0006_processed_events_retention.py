"""processed_events: an index on processed_at for the retention sweep

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24

"""
from typing import Sequence, Union

from alembic import op


revision: str = '0006'
down_revision: Union[str, Sequence[str], None] = '0005'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    # CONCURRENTLY, outside the migration's transaction: the table is large by now, and a plain
    # CREATE INDEX would hold up every consumer's marker insert until it is built.
    with op.get_context().autocommit_block():
        # A concurrent build cut short leaves an invalid index behind; start again without it.
        op.execute('DROP INDEX CONCURRENTLY IF EXISTS ix_processed_events_processed_at')
        op.create_index('ix_processed_events_processed_at', 'processed_events', ['processed_at'], unique=False,
                        postgresql_concurrently=True)


def downgrade() -> None:
    with op.get_context().autocommit_block():
        op.drop_index('ix_processed_events_processed_at', table_name='processed_events',
                      postgresql_concurrently=True)
