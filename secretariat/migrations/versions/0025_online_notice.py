"""links printed on notices: the short code a resident can type, kept as its hash

Revision ID: 0025
Revises: 0024
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.add_column('online_token', sa.Column('short_sha256', String(length=64), nullable=True))
    op.create_index('ix_online_token_short_sha256', 'online_token', ['short_sha256'], unique=True)


def downgrade() -> None:
    op.drop_index('ix_online_token_short_sha256', table_name='online_token')
    with op.batch_alter_table('online_token') as batch:
        batch.drop_column('short_sha256')
