"""Bulk imports of a partner's own programme (``hub import members``): each file's run and
the line it has committed up to, so a crashed import resumes after its last chunk; the rows it
refused, with their lines, for the report; and each imported member under the partner's own id,
so no member is imported twice, whichever file names it again.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from hub.adapters.types import UtcDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "import_runs",
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("file_sha256", sa.LargeBinary(32), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("next_line", sa.Integer(), nullable=False),
        sa.Column("imported_members", sa.BigInteger(), nullable=False),
        sa.Column("imported_points", sa.BigInteger(), nullable=False),
        sa.Column("refused_rows", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_import_runs_partner_id_partners"
        ),
        sa.PrimaryKeyConstraint("partner_id", "file_sha256", name="pk_import_runs"),
    )
    op.create_table(
        "import_refusals",
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("file_sha256", sa.LargeBinary(32), nullable=False),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id", "file_sha256"],
            ["import_runs.partner_id", "import_runs.file_sha256"],
            name="fk_import_refusals_partner_id_import_runs",
        ),
        sa.PrimaryKeyConstraint("partner_id", "file_sha256", "line", name="pk_import_refusals"),
    )
    op.create_table(
        "imported_members",
        sa.Column("partner_id", sa.String(32), nullable=False),
        sa.Column("external_id", sa.String(64), nullable=False),
        sa.Column("member_id", sa.Uuid(as_uuid=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["partners.id"], name="fk_imported_members_partner_id_partners"
        ),
        sa.ForeignKeyConstraint(
            ["member_id"], ["members.id"], name="fk_imported_members_member_id_members"
        ),
        sa.PrimaryKeyConstraint("partner_id", "external_id", name="pk_imported_members"),
    )


def downgrade() -> None:
    op.drop_table("imported_members")
    op.drop_table("import_refusals")
    op.drop_table("import_runs")
