"""reminders: runs of reminder letters (督促状) and the household each letter went to

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mailroom_reminder_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('directory', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column('letters_file', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column('letter_count', sa.Integer(), nullable=False),
        sa.Column('printed_on', sa.Date(), nullable=False),
        sa.Column('created_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('mailed_date', sa.Date(), nullable=True),
        sa.Column('mailed_count', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_mailroom_reminder_run_municipality_id', 'mailroom_reminder_run', ['municipality_id'])
    op.create_index('ix_mailroom_reminder_run_programme_id', 'mailroom_reminder_run', ['programme_id'])
    op.create_table(
        'mailroom_reminder_letter',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('reminder_run_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['reminder_run_id'], ['mailroom_reminder_run.id'], ),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
        sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('programme_id', 'household_id', name='uq_mailroom_reminder_letter_household'),
    )
    op.create_index('ix_mailroom_reminder_letter_reminder_run_id', 'mailroom_reminder_letter', ['reminder_run_id'])
    op.create_index('ix_mailroom_reminder_letter_municipality_id', 'mailroom_reminder_letter', ['municipality_id'])


def downgrade() -> None:
    op.drop_table('mailroom_reminder_letter')
    op.drop_table('mailroom_reminder_run')
