"""pioneer posts, yearly commitments and their review

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0003'
down_revision: Union[str, Sequence[str], None] = '0002'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('pioneer_posts',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('org_unit_id', sa.UUID(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('started_on', sa.Date(), nullable=False),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint('ended_on IS NULL OR ended_on >= started_on', name='pioneer_post_period'),
    sa.ForeignKeyConstraint(['org_unit_id'], ['org_units.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_pioneer_posts_person', 'pioneer_posts', ['tenant_id', 'person_id'], unique=False)
    op.create_index('ix_pioneer_posts_unit', 'pioneer_posts', ['tenant_id', 'org_unit_id'], unique=False)
    op.create_table('commitments',
    sa.Column('id', sa.UUID(), nullable=False),
    sa.Column('tenant_id', sa.UUID(), nullable=False),
    sa.Column('person_id', sa.UUID(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('items', sa.ARRAY(sa.String(length=500)), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('reviewer_id', sa.UUID(), nullable=True),
    sa.Column('result', sa.String(length=16), nullable=True),
    sa.Column('comment', sa.String(length=1000), nullable=True),
    sa.Column('reviewed_on', sa.Date(), nullable=True),
    sa.CheckConstraint("result IS NULL OR result IN ('fulfilled', 'partly', 'not_fulfilled')", name='commitment_result'),
    sa.CheckConstraint('(result IS NULL) = (reviewed_on IS NULL)', name='commitment_review_complete'),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ),
    sa.ForeignKeyConstraint(['reviewer_id'], ['people.id'], ),
    sa.ForeignKeyConstraint(['tenant_id'], ['tenants.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('tenant_id', 'person_id', 'year', name='uq_commitments_person_year')
    )


def downgrade() -> None:
    op.drop_table('commitments')
    op.drop_index('ix_pioneer_posts_person', table_name='pioneer_posts')
    op.drop_index('ix_pioneer_posts_unit', table_name='pioneer_posts')
    op.drop_table('pioneer_posts')
