"""the call forecast's expected online share: a supervisor's figure per programme for the share of
households expected to answer online or by push, used until the programme's own answers measure it

Revision ID: 0030
Revises: 0029
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table('callcenter_forecast_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('expected_online_share', sa.Float(), nullable=False),
    sa.Column('set_by', String(length=100), nullable=False),
    sa.Column('set_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('programme_id')
    )


def downgrade() -> None:
    op.drop_table('callcenter_forecast_setting')
