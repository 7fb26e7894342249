"""print batches as jobs: when a print run's last batch was reserved and queued

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.add_column('mailroom_print_run', sa.Column('batches_queued_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('mailroom_print_run') as batch:
        batch.drop_column('batches_queued_at')
