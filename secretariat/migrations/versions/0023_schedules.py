"""periodic jobs: the periods each schedule entry has queued, claimed once across all workers

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('job_schedule_run',
    sa.Column('name', String(length=100), nullable=False),
    sa.Column('period', String(length=40), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['job_id'], ['job.id'], ),
    sa.PrimaryKeyConstraint('name', 'period')
    )


def downgrade() -> None:
    op.drop_table('job_schedule_run')
