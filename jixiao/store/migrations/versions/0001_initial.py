"""Initial schema: users, reports, reviews, evaluations.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(80), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department", sa.String(200)),
        sa.Column("region", sa.String(200)),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "reports",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("batch", sa.String(40)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text),
        sa.Column("department", sa.String(200)),
        sa.Column("region", sa.String(200)),
        sa.Column("year", sa.Integer),
        sa.Column("scope", sa.String(16)),
        sa.Column("dept_type", sa.String(100)),
        sa.Column("title", sa.String(300)),
        sa.Column("framework", sa.String(100)),
        sa.Column("score_total", sa.Numeric(10, 2)),
        sa.Column("self_score", sa.Numeric(10, 2)),
        sa.Column("grade", sa.String(10)),
        sa.Column("execution_rate", sa.Numeric(10, 2)),
        sa.Column("findings_count", sa.Integer, nullable=False),
        sa.Column("errors_count", sa.Integer, nullable=False),
        sa.Column("uploaded_by", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("processed_at", sa.DateTime),
        sa.Column("data", sa.LargeBinary),
        sa.Column("text", sa.Text),
        sa.Column("evaluation_json", sa.JSON),
        sa.Column("score_json", sa.JSON),
        sa.Column("findings_json", sa.JSON),
    )
    op.create_index("ix_reports_sha256", "reports", ["sha256"])
    op.create_index("ix_reports_dept_year", "reports", ["department", "year"])
    op.create_index("ix_reports_region", "reports", ["region"])
    op.create_index("ix_reports_batch", "reports", ["batch"])
    op.create_table(
        "reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("report_id", sa.Integer, sa.ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("finding_index", sa.Integer, nullable=False),
        sa.Column("finding_code", sa.String(20)),
        sa.Column("decision", sa.String(16), nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("user_name", sa.String(80), nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_reviews_report_id", "reviews", ["report_id"])
    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("region", sa.String(200)),
        sa.Column("year", sa.Integer),
        sa.Column("title", sa.String(300)),
        sa.Column("framework", sa.String(100)),
        sa.Column("data", sa.JSON, nullable=False),
        sa.Column("owner_id", sa.Integer, sa.ForeignKey("users.id", ondelete="SET NULL")),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_evaluations_dept", "evaluations", ["department"])


def downgrade() -> None:
    op.drop_table("evaluations")
    op.drop_table("reviews")
    op.drop_table("reports")
    op.drop_table("users")
