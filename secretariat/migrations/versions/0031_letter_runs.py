"""letter runs: the print room's record of push-notice and gift-code letters, and each household's letter

Revision ID: 0031
Revises: 0030
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'mailroom_letter_run',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('programme_id', sa.Integer(), nullable=False),
        sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
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
    op.create_index('ix_mailroom_letter_run_municipality_id', 'mailroom_letter_run', ['municipality_id'])
    op.create_index('ix_mailroom_letter_run_programme_id', 'mailroom_letter_run', ['programme_id'])
    op.create_table(
        'mailroom_letter',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('letter_run_id', sa.Integer(), nullable=False),
        sa.Column('municipality_id', sa.Integer(), nullable=False),
        sa.Column('household_id', sa.Integer(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['letter_run_id'], ['mailroom_letter_run.id'], ),
        sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
        sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('letter_run_id', 'household_id', name='uq_mailroom_letter_household'),
    )
    op.create_index('ix_mailroom_letter_letter_run_id', 'mailroom_letter', ['letter_run_id'])
    op.create_index('ix_mailroom_letter_municipality_id', 'mailroom_letter', ['municipality_id'])
    op.create_index('ix_mailroom_letter_household_id', 'mailroom_letter', ['household_id'])


def downgrade() -> None:
    op.drop_table('mailroom_letter')
    op.drop_table('mailroom_letter_run')
