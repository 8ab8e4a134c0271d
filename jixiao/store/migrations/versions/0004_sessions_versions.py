"""Server-side sessions; 填报 versions (optimistic locking); uploads filed by the uploader's scope; attempts.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("address", sa.String(64)),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("expires_at", sa.DateTime, nullable=False),
        sa.UniqueConstraint("token_hash", name="uq_sessions_token_hash"),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    with op.batch_alter_table("evaluations") as batch:
        batch.add_column(sa.Column("version", sa.Integer, nullable=False, server_default="1"))
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("filed_by_scope", sa.Boolean, nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("attempts", sa.Integer, nullable=False, server_default="0"))
    # Uploads of a 填报人 made before this revision kept their department only while queued: file them now.
    op.execute("UPDATE reports SET filed_by_scope = true WHERE uploaded_by IN "
               "(SELECT id FROM users WHERE role = 'filler') AND department IS NOT NULL "
               "AND status IN ('queued', 'processing')")


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("attempts")
        batch.drop_column("filed_by_scope")
    with op.batch_alter_table("evaluations") as batch:
        batch.drop_column("version")
    op.drop_index("ix_sessions_user_id", table_name="sessions")
    op.drop_table("sessions")
