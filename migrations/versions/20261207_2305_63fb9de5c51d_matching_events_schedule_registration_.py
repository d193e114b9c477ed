"""matching events: schedule, registration status and check-in codes, locked matches, runs

Revision ID: 63fb9de5c51d
Revises: 3f6a9c2e5b17
Create Date: 2026-12-07 23:05:39.532262

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '63fb9de5c51d'
down_revision = '3f6a9c2e5b17'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event_matches', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=10), server_default='member', nullable=False))
        batch_op.add_column(sa.Column('locked', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.String(length=12), server_default='registered', nullable=False))
        batch_op.add_column(sa.Column('check_in_code', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('promoted_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_event_registrations_event_status', ['event_id', 'status'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_event_registrations_check_in_code'), ['check_in_code'])
        batch_op.create_check_constraint(
            'status_valid', "status IN ('registered', 'waitlisted', 'cancelled')")

    with op.batch_alter_table('matching_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('description', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('ends_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('registration_closes_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('city', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('online_url', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('published_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default=sa.text('1'), nullable=False))
        batch_op.add_column(sa.Column('matched_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('matching_notes', sa.JSON(), server_default=sa.text("'{}'"), nullable=False))
        batch_op.add_column(sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_matching_events_status'), ['status'], unique=False)



def downgrade():
    with op.batch_alter_table('matching_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matching_events_status'))
        batch_op.drop_column('closed_at')
        batch_op.drop_column('confirmed_at')
        batch_op.drop_column('matching_notes')
        batch_op.drop_column('matched_at')
        batch_op.drop_column('version')
        batch_op.drop_column('published_at')
        batch_op.drop_column('online_url')
        batch_op.drop_column('city')
        batch_op.drop_column('registration_closes_at')
        batch_op.drop_column('ends_at')
        batch_op.drop_column('description')

    with op.batch_alter_table('event_registrations', schema=None) as batch_op:
        batch_op.drop_constraint('status_valid', type_='check')
        batch_op.drop_constraint(batch_op.f('uq_event_registrations_check_in_code'), type_='unique')
        batch_op.drop_index('ix_event_registrations_event_status')
        batch_op.drop_column('cancelled_at')
        batch_op.drop_column('promoted_at')
        batch_op.drop_column('updated_at')
        batch_op.drop_column('check_in_code')
        batch_op.drop_column('status')

    with op.batch_alter_table('event_matches', schema=None) as batch_op:
        batch_op.drop_column('locked')
        batch_op.drop_column('role')

