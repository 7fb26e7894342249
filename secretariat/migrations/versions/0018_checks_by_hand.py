"""checks by hand: a form an operator judged from the paper has readings with no scanned page

Revision ID: 0018
Revises: 0017
"""

import sqlalchemy as sa
from alembic import op

revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mailroom_field_reading', schema=None) as batch_op:
        batch_op.alter_column('scanned_page_id', existing_type=sa.Integer(), nullable=True)


def downgrade() -> None:
    op.execute("DELETE FROM mailroom_field_reading WHERE scanned_page_id IS NULL")
    with op.batch_alter_table('mailroom_field_reading', schema=None) as batch_op:
        batch_op.alter_column('scanned_page_id', existing_type=sa.Integer(), nullable=False)
