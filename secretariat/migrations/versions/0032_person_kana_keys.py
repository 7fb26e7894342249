"""a person's kana search keys, indexed, so a kana search reads a few rows instead of every person

Revision ID: 0032
Revises: 0031
"""

import sqlalchemy as sa
from alembic import op

from secretariat.core.text import kana_keys

revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('kana_key', sa.String(length=100), nullable=False, server_default=''))
        batch.add_column(sa.Column('given_kana_key', sa.String(length=100), nullable=False, server_default=''))
    _fill_keys()
    with op.batch_alter_table('person') as batch:
        batch.alter_column('kana_key', server_default=None)
        batch.alter_column('given_kana_key', server_default=None)
    op.create_index('ix_person_kana_key', 'person', ['programme_id', 'kana_key'],
                    postgresql_ops={'kana_key': 'text_pattern_ops'})
    op.create_index('ix_person_given_kana_key', 'person', ['programme_id', 'given_kana_key'],
                    postgresql_ops={'given_kana_key': 'text_pattern_ops'})


def _fill_keys() -> None:
    """The keys of the persons already stored, computed by the same function the product uses."""
    connection = op.get_bind()
    person = sa.table('person', sa.column('id', sa.Integer), sa.column('name_kana', sa.String),
                      sa.column('kana_key', sa.String), sa.column('given_kana_key', sa.String))
    update = (sa.update(person).where(person.c.id == sa.bindparam('person_id'))
              .values(kana_key=sa.bindparam('kana_key'), given_kana_key=sa.bindparam('given_kana_key')))
    last = 0
    while rows := connection.execute(sa.select(person.c.id, person.c.name_kana).where(person.c.id > last)
                                     .order_by(person.c.id).limit(BATCH)).all():
        connection.execute(update, [dict(person_id=id_, **kana_keys(name_kana or "")) for id_, name_kana in rows])
        last = rows[-1][0]


def downgrade() -> None:
    op.drop_index('ix_person_given_kana_key', table_name='person')
    op.drop_index('ix_person_kana_key', table_name='person')
    with op.batch_alter_table('person') as batch:
        batch.drop_column('given_kana_key')
        batch.drop_column('kana_key')
