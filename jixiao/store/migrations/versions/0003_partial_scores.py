"""Partial scores on the report list: the points and weight of the items that could be scored.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("score_points", sa.Numeric(10, 2)))
        batch.add_column(sa.Column("score_weight", sa.Numeric(10, 2)))
        batch.add_column(sa.Column("score_items", sa.Integer))
        batch.add_column(sa.Column("score_items_total", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        for name in ("score_items_total", "score_items", "score_weight", "score_points"):
            batch.drop_column(name)
