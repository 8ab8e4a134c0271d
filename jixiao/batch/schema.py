"""The one schema of a batch's results, as SQLAlchemy tables.

The SQLite output is created from these tables, records are inserted and read through them,
and the Parquet output's columns are derived from them (:func:`arrow_schema`), so the two
outputs cannot drift apart. Money, rates and scores are ``Decimal`` strings (TEXT), never
floating point; names follow the workbench's models (``self_score`` is the total the report
states, ``score_total`` the one the framework recomputes).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    select,
)

#: "2": the scores are ``self_score`` / ``score_total`` (they were ``score_stated`` / ``score_recomputed``).
SCHEMA_VERSION = "2"
#: Old column names, by new name: a results file of schema 1 is renamed in place when it is opened.
RENAMED = {"self_score": "score_stated", "score_total": "score_recomputed"}

metadata = MetaData()

meta = Table("meta", metadata, Column("key", Text, primary_key=True), Column("value", Text, nullable=False))

reports = Table(
    "reports", metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", Text, nullable=False, unique=True),
    Column("path", Text, nullable=False),
    Column("suffix", Text),
    Column("size", Integer),
    Column("department", Text),
    Column("year", Integer),
    Column("scope", Text),
    Column("form", Text),
    Column("framework", Text),
    Column("budget_adjusted", Text, comment="万元, Decimal as text"),
    Column("budget_executed", Text, comment="万元"),
    Column("execution_rate", Text, comment="percent as stated"),
    Column("execution_rate_recomputed", Text, comment="executed / adjusted × 100, 2 places half-up"),
    Column("self_score", Text, comment="the total the report states"),
    Column("score_total", Text, comment="the total the framework recomputes"),
    Column("grade_stated", Text),
    Column("grade", Text),
    Column("n_errors", Integer, nullable=False, server_default="0"),
    Column("n_warnings", Integer, nullable=False, server_default="0"),
    Column("n_info", Integer, nullable=False, server_default="0"),
    Column("error", Text, comment="one-line reason when the file could not be processed"),
    Column("seconds", Float, comment="processing time (not money)"),
    Column("risk", Numeric(12, 2), comment="抽查 risk score, see jixiao.batch.risk"),
    Column("processed_at", Text),
    Index("reports_risk", "risk"),
)

findings = Table(
    "findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
    Column("sha256", Text, nullable=False),
    Column("code", Text, nullable=False),
    Column("severity", Text, nullable=False),
    Column("kind", Text),
    Column("message", Text),
    Column("path", Text),
    Column("stated", Text),
    Column("recomputed", Text),
    Column("line", Integer),
    Index("findings_report", "report_id"),
    Index("findings_code", "code"),
)

files = Table(
    "files", metadata,
    Column("path", Text, nullable=False),
    Column("sha256", Text, nullable=False),
    PrimaryKeyConstraint("path", "sha256"),
)

#: The fields of a report record, in storage order (everything but the row id).
REPORT_FIELDS: tuple[str, ...] = tuple(c.name for c in reports.columns if c.name != "id")
#: The fields of a finding record (``sha256`` joins it to its report).
FINDING_FIELDS: tuple[str, ...] = tuple(c.name for c in findings.columns if c.name not in ("id", "report_id"))
#: What the ``ranking`` view and :func:`jixiao.batch.store.top_risks` show.
RANK_FIELDS: tuple[str, ...] = ("risk", "path", "department", "year", "n_errors", "n_warnings", "self_score",
                                "score_total", "execution_rate", "execution_rate_recomputed", "error", "sha256")

#: The 抽查 sample, riskiest first (a view in the SQLite output).
ranking = select(*(reports.c[k] for k in RANK_FIELDS)).order_by(reports.c.risk.desc(), reports.c.path)


def arrow_schema(table: Table, names: tuple[str, ...]) -> Any:
    """The Parquet columns of ``names`` from ``table``: integers, the float seconds, and text for the rest."""
    import pyarrow as pa

    def kind(col: Column) -> Any:
        if isinstance(col.type, Integer):
            return pa.int64()
        if isinstance(col.type, Float):
            return pa.float64()
        return pa.string()

    return pa.schema([(n, kind(table.c[n])) for n in names])
