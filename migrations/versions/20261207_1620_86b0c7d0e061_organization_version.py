"""organisation version: an edit counter, so a save made on an older profile is refused (issue #11 item 7)

Revision ID: 86b0c7d0e061
Revises: 7c1e2b9d4a01
Create Date: 2026-12-07 15:52:45

"""
from alembic import op
import sqlalchemy as sa


revision = '86b0c7d0e061'
down_revision = '7c1e2b9d4a01'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False))


def downgrade():
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_column('version')
