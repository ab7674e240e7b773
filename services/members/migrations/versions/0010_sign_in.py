"""sign-in: accounts, invitations, sessions, failed attempts, WeCom/DingTalk apps; tokens get an id and an expiry

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa


revision: str = '0010'
down_revision: Union[str, Sequence[str], None] = '0009'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    op.create_table('accounts',
    sa.Column('person_id', sa.UUID(), sa.ForeignKey('people.id'), primary_key=True),
    sa.Column('tenant_id', sa.UUID(), sa.ForeignKey('tenants.id'), nullable=False),
    sa.Column('login_name', sa.String(length=64), nullable=False),
    sa.Column('password_hash', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('password_changed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.UniqueConstraint('tenant_id', 'login_name', name='uq_accounts_tenant_login_name'),
    )
    op.create_table('invitations',
    sa.Column('code_hash', sa.String(length=64), primary_key=True),
    sa.Column('tenant_id', sa.UUID(), sa.ForeignKey('tenants.id'), nullable=False),
    sa.Column('person_id', sa.UUID(), sa.ForeignKey('people.id'), nullable=False),
    sa.Column('login_name', sa.String(length=64), nullable=False),
    sa.Column('purpose', sa.String(length=16), nullable=False),
    sa.Column('created_by', sa.UUID(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("purpose IN ('invitation', 'reset')", name='invitations_purpose'),
    )
    op.create_index('ix_invitations_person', 'invitations', ['tenant_id', 'person_id'])
    op.create_table('sign_in_failures',
    sa.Column('id', sa.Integer(), primary_key=True, autoincrement=True),
    sa.Column('tenant_id', sa.UUID(), nullable=True),
    sa.Column('login_name', sa.String(length=64), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=False),
    sa.Column('failed_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    )
    op.create_index('ix_sign_in_failures_login', 'sign_in_failures', ['tenant_id', 'login_name', 'failed_at'])
    op.create_index('ix_sign_in_failures_address', 'sign_in_failures', ['client_address', 'failed_at'])
    op.create_table('sessions',
    sa.Column('id', sa.UUID(), primary_key=True),
    sa.Column('tenant_id', sa.UUID(), sa.ForeignKey('tenants.id'), nullable=False),
    sa.Column('person_id', sa.UUID(), sa.ForeignKey('people.id'), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False, unique=True),
    sa.Column('method', sa.String(length=16), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index('ix_sessions_person', 'sessions', ['tenant_id', 'person_id'])
    op.create_table('sign_in_providers',
    sa.Column('tenant_id', sa.UUID(), sa.ForeignKey('tenants.id'), primary_key=True),
    sa.Column('provider', sa.String(length=16), primary_key=True),
    sa.Column('client_id', sa.String(length=128), nullable=False),
    sa.Column('client_secret', sa.String(length=256), nullable=False),
    sa.Column('agent_id', sa.String(length=64), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), server_default=sa.text('now()'), nullable=False),
    sa.CheckConstraint("provider IN ('wecom', 'dingtalk')", name='sign_in_providers_provider'),
    )
    # Tokens issued before this release get the default lifetime from today, not eternity.
    op.add_column('api_tokens', sa.Column('id', sa.UUID(), server_default=sa.text('gen_random_uuid()'),
                                          nullable=False))
    op.create_unique_constraint('api_tokens_id_key', 'api_tokens', ['id'])
    op.add_column('api_tokens', sa.Column('expires_at', sa.DateTime(timezone=True),
                                          server_default=sa.text("now() + interval '90 days'"), nullable=False))


def downgrade() -> None:
    op.drop_column('api_tokens', 'expires_at')
    op.drop_constraint('api_tokens_id_key', 'api_tokens')
    op.drop_column('api_tokens', 'id')
    op.drop_table('sign_in_providers')
    op.drop_table('sessions')
    op.drop_table('sign_in_failures')
    op.drop_table('invitations')
    op.drop_table('accounts')
