"""one receipt per form and arrival, held by a unique index

Revision ID: 0009
Revises: 0008

Receipts recorded twice by a race before this revision keep their rows: each gets its own
arrival number, in the order they were recorded, so nothing is lost and the index holds.
"""

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('mailroom_receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('arrival', sa.Integer(), nullable=False, server_default='0'))
    op.execute("""
        UPDATE mailroom_receipt SET arrival = (
            SELECT count(*) FROM mailroom_receipt AS earlier
            WHERE earlier.form_id = mailroom_receipt.form_id AND earlier.id < mailroom_receipt.id)
    """)
    with op.batch_alter_table('mailroom_receipt', schema=None) as batch_op:
        batch_op.drop_index('ix_mailroom_receipt_form')
        batch_op.create_index('ux_mailroom_receipt_form_arrival', ['form_id', 'arrival'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('mailroom_receipt', schema=None) as batch_op:
        batch_op.drop_index('ux_mailroom_receipt_form_arrival')
        batch_op.create_index('ix_mailroom_receipt_form', ['form_id'], unique=False)
        batch_op.drop_column('arrival')
