"""agents: telephony profiles (languages, skills, Voice SDK identity), state spells, callbacks from the
queue (virtual hold), the router's and the wrap-up's stamps on a call; programmes each member of staff serves

Revision ID: 0021
Revises: 0020
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('callcenter_agent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('languages', String(length=60), nullable=False),
    sa.Column('skills', String(length=200), nullable=False),
    sa.Column('client_identity', String(length=100), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('client_identity'),
    sa.UniqueConstraint('user_id')
    )
    op.create_table('callcenter_agent_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('state', String(length=20), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('call_sid', String(length=64), nullable=True),
    sa.Column('reason', String(length=40), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('callcenter_agent_state', schema=None) as batch_op:
        batch_op.create_index('ix_callcenter_agent_state_user_started', ['user_id', 'started_at'], unique=False)

    op.create_table('staff_programme',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.ForeignKeyConstraint(['user_id'], ['staff_user.id'], ),
    sa.PrimaryKeyConstraint('user_id', 'programme_id')
    )
    with op.batch_alter_table('staff_programme', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_programme_programme_id'), ['programme_id'], unique=False)

    op.create_table('callcenter_queue_callback',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('call_sid', String(length=64), nullable=False),
    sa.Column('to_e164', String(length=20), nullable=False),
    sa.Column('language', String(length=5), nullable=False),
    sa.Column('household_id', sa.Integer(), nullable=True),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', String(length=20), nullable=False),
    sa.Column('dialled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dialled_call_sid', String(length=64), nullable=True),
    sa.Column('agent', String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['household_id'], ['household.id'], ),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('call_sid')
    )
    with op.batch_alter_table('callcenter_queue_callback', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_callcenter_queue_callback_municipality_id'), ['municipality_id'], unique=False)

    with op.batch_alter_table('callcenter_call', schema=None) as batch_op:
        batch_op.add_column(sa.Column('routed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('wrap_up_code', String(length=30), nullable=True))
        batch_op.add_column(sa.Column('wrapped_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('callcenter_call', schema=None) as batch_op:
        batch_op.drop_column('wrapped_at')
        batch_op.drop_column('wrap_up_code')
        batch_op.drop_column('routed_at')

    with op.batch_alter_table('callcenter_queue_callback', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_callcenter_queue_callback_municipality_id'))

    op.drop_table('callcenter_queue_callback')
    with op.batch_alter_table('staff_programme', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_programme_programme_id'))

    op.drop_table('staff_programme')
    with op.batch_alter_table('callcenter_agent_state', schema=None) as batch_op:
        batch_op.drop_index('ix_callcenter_agent_state_user_started')

    op.drop_table('callcenter_agent_state')
    op.drop_table('callcenter_agent')
