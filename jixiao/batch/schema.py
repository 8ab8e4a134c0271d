"""The one schema of a batch's results: every column once, as data.

The SQLite output's tables are built from it (SQLAlchemy, :mod:`jixiao.batch.store`), the Parquet
output's columns are derived from it (:func:`arrow_schema`), and the per-file runner fills records
with exactly its fields, so the outputs cannot drift apart. It is plain data so that the worker
processes, which only fill records, need not import SQLAlchemy.

Money, rates and scores are ``Decimal`` strings (TEXT), never floating point; names follow the
workbench's models (``self_score`` is the total the report states, ``score_total`` the one the
framework recomputes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: "2": the scores are ``self_score`` / ``score_total`` (they were ``score_stated`` / ``score_recomputed``).
SCHEMA_VERSION = "2"
#: Old column names, by new name: a results file of schema 1 is renamed in place when it is opened.
RENAMED = {"self_score": "score_stated", "score_total": "score_recomputed"}

TEXT, INTEGER, REAL, DECIMAL = "text", "integer", "real", "decimal"


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    kind: str = TEXT
    note: str = ""
    required: bool = False
    default: str | None = None


REPORTS: tuple[Column, ...] = (
    Column("sha256", required=True, note="SHA-256 of the content: one row per distinct content"),
    Column("path", required=True, note="the first path seen with this content"),
    Column("suffix"),
    Column("size", INTEGER),
    Column("department"),
    Column("year", INTEGER),
    Column("scope"),
    Column("form"),
    Column("framework"),
    Column("budget_adjusted", note="万元, Decimal as text"),
    Column("budget_executed", note="万元"),
    Column("execution_rate", note="percent as stated"),
    Column("execution_rate_recomputed", note="executed / adjusted × 100, 2 places half-up"),
    Column("self_score", note="the total the report states"),
    Column("score_total", note="the total the framework recomputes"),
    Column("grade_stated"),
    Column("grade"),
    Column("n_errors", INTEGER, required=True, default="0"),
    Column("n_warnings", INTEGER, required=True, default="0"),
    Column("n_info", INTEGER, required=True, default="0"),
    Column("error", note="one-line reason when the file could not be processed"),
    Column("seconds", REAL, note="processing time (not money)"),
    Column("risk", DECIMAL, note="抽查 risk score, see jixiao.batch.risk"),
    Column("processed_at"),
)

FINDINGS: tuple[Column, ...] = (
    Column("sha256", required=True, note="joins the finding to its report"),
    Column("code", required=True),
    Column("severity", required=True),
    Column("kind"),
    Column("message"),
    Column("path", note="the field, e.g. budget.execution_rate"),
    Column("stated"),
    Column("recomputed"),
    Column("line", INTEGER),
)

FILES: tuple[Column, ...] = (
    Column("path", required=True),
    Column("sha256", required=True),
)

#: The fields of a report record, in storage order.
REPORT_FIELDS: tuple[str, ...] = tuple(c.name for c in REPORTS)
#: The fields of a finding record (``sha256`` joins it to its report).
FINDING_FIELDS: tuple[str, ...] = tuple(c.name for c in FINDINGS)
#: What the ``ranking`` view and :func:`jixiao.batch.store.top_risks` show, riskiest first.
RANK_FIELDS: tuple[str, ...] = ("risk", "path", "department", "year", "n_errors", "n_warnings", "self_score",
                                "score_total", "execution_rate", "execution_rate_recomputed", "error", "sha256")


def arrow_schema(columns: tuple[Column, ...]) -> Any:
    """The Parquet columns: integers, the float seconds, and text for the rest (the risk included)."""
    import pyarrow as pa

    kinds = {INTEGER: pa.int64(), REAL: pa.float64()}
    return pa.schema([(c.name, kinds.get(c.kind, pa.string())) for c in columns])
