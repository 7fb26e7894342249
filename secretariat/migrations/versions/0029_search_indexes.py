"""indexes the load benchmark asked for: a caller found by phone, a station's count of the day

Revision ID: 0029
Revises: 0028
"""

from alembic import op

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_household_phone', 'household', ['phone'])
    op.create_index('ix_audit_event_username_at', 'audit_event', ['username', 'at'])


def downgrade() -> None:
    op.drop_index('ix_audit_event_username_at', table_name='audit_event')
    op.drop_index('ix_household_phone', table_name='household')
