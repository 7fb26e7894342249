"""gift codes withdrawn and reissued: a code voided when its application is declined after
assignment, and an expired code a supervisor let be replaced; an application's lines numbered by attempt

Revision ID: 0028
Revises: 0027

A decline after a code was assigned voids the code (state `void`, `voided_at`), for the provider to
cancel. An expired, unredeemed code stays expired in the record; a supervisor may let its application
have a new code (`reissue_allowed_by/_at`), which a later batch gives it in a second line. So an
application is no longer in one line ever but once per `attempt` (unique application_id, attempt).

On SQLite dropping the old unique constraint rebuilds the line table, which drops its triggers
(migration 0026): they are dropped first and created again, the same statements.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None

String = sqlmodel.sql.sqltypes.AutoString

_LINE_TRIGGERS = ("exchange_gift_code_line_frozen_insert", "exchange_gift_code_line_frozen_update",
                  "exchange_gift_code_line_frozen_delete")


def _sqlite_line_triggers() -> list[str]:
    """Migration 0026's SQLite triggers on the line table (its statements, so the two stay one)."""
    from importlib import import_module
    gift_codes = import_module("secretariat.migrations.versions.0026_gift_codes")
    return [statement for statement in gift_codes._SQLITE_TRIGGERS
            if any(name in statement for name in _LINE_TRIGGERS)]


def _line_table_to_copy() -> sa.Table:
    """The line table as it stands, without its unique application_id (the rebuilt table's source)."""
    table = sa.Table('exchange_gift_code_line', sa.MetaData(), autoload_with=op.get_bind())
    for constraint in [c for c in table.constraints if isinstance(c, sa.UniqueConstraint)
                       and [column.name for column in c.columns] == ['application_id']]:
        table.constraints.remove(constraint)
    return table


def upgrade() -> None:
    op.add_column('exchange_gift_code', sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('exchange_gift_code', sa.Column('reissue_allowed_by', String(length=100), nullable=True))
    op.add_column('exchange_gift_code', sa.Column('reissue_allowed_at', sa.DateTime(timezone=True), nullable=True))
    attempt = sa.Column('attempt', sa.Integer(), nullable=False, server_default='1')
    if op.get_bind().dialect.name == "postgresql":
        op.add_column('exchange_gift_code_line', attempt)
        op.drop_constraint('exchange_gift_code_line_application_id_key', 'exchange_gift_code_line', type_='unique')
        op.create_unique_constraint('uq_exchange_gift_code_line_application_attempt', 'exchange_gift_code_line',
                                    ['application_id', 'attempt'])
    else:
        for name in _LINE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        with op.batch_alter_table('exchange_gift_code_line', recreate="always", copy_from=_line_table_to_copy()) as batch:
            batch.add_column(attempt)
            batch.create_unique_constraint('uq_exchange_gift_code_line_application_attempt',
                                           ['application_id', 'attempt'])
        for statement in _sqlite_line_triggers():
            op.execute(statement)
    op.create_index(op.f('ix_exchange_gift_code_line_application_id'), 'exchange_gift_code_line',
                    ['application_id'], unique=False)


def downgrade() -> None:
    """Back to one line per application: refused by the unique constraint where an application
    already has a second line (a reissued code), as it should be."""
    op.drop_index(op.f('ix_exchange_gift_code_line_application_id'), table_name='exchange_gift_code_line')
    if op.get_bind().dialect.name == "postgresql":
        op.drop_constraint('uq_exchange_gift_code_line_application_attempt', 'exchange_gift_code_line',
                           type_='unique')
        op.drop_column('exchange_gift_code_line', 'attempt')
        op.create_unique_constraint('exchange_gift_code_line_application_id_key', 'exchange_gift_code_line',
                                    ['application_id'])
    else:
        for name in _LINE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        with op.batch_alter_table('exchange_gift_code_line', recreate="always") as batch:
            batch.drop_constraint('uq_exchange_gift_code_line_application_attempt', type_='unique')
            batch.drop_column('attempt')
            batch.create_unique_constraint('uq_exchange_gift_code_line_application_id', ['application_id'])
        for statement in _sqlite_line_triggers():
            op.execute(statement)
    for column in ('reissue_allowed_at', 'reissue_allowed_by', 'voided_at'):
        op.drop_column('exchange_gift_code', column)
