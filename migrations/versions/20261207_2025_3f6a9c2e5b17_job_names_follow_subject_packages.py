"""job names follow the subject packages: outbox rows written before issue #12 name the new modules

The outbox stores each job as the dotted path of its function. Issue #12 moved the job modules into
their subjects' packages, so rows still pending, failed or scheduled under an old path would no
longer resolve; this renames them (and back on downgrade).

Revision ID: 3f6a9c2e5b17
Revises: 86b0c7d0e061
Create Date: 2026-12-07 20:25:00

"""
from alembic import op
import sqlalchemy as sa


revision = '3f6a9c2e5b17'
down_revision = '86b0c7d0e061'
branch_labels = None
depends_on = None

RENAMED = {
    'app.volunteers.jobs.send_claim_notice': 'app.volunteers.claims.jobs.send_claim_notice',
    'app.volunteers.progress_jobs.send_checkin_notice': 'app.volunteers.progress.jobs.send_checkin_notice',
    'app.search.jobs.remove_request_from_index': 'app.search.indexing.jobs.remove_request_from_index',
    'app.search.jobs.update_request_index': 'app.search.indexing.jobs.update_request_index',
    'app.search.jobs.rebuild_search_index': 'app.search.indexing.jobs.rebuild_search_index',
    'app.search.digests.send_digest': 'app.search.saved.jobs.send_digest',
}

outbox_jobs = sa.table('outbox_jobs', sa.column('name', sa.String))


def _rename(pairs):
    for old, new in pairs:
        op.execute(outbox_jobs.update().where(outbox_jobs.c.name == old).values(name=new))


def upgrade():
    _rename(RENAMED.items())


def downgrade():
    _rename((new, old) for old, new in RENAMED.items())
