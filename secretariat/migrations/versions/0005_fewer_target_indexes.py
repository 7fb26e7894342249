"""fewer indexes on the target tables

A target list of a million persons writes every index of person and household a million
times. The single-column programme_id indexes repeat what the unique (programme_id, …)
indexes already give, so they go.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index('ix_person_programme_id')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index('ix_household_programme_id')


def downgrade() -> None:
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index('ix_household_programme_id', ['programme_id'], unique=False)
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index('ix_person_programme_id', ['programme_id'], unique=False)
