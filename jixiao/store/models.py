"""SQLAlchemy 2 models of the workbench store.

Large columns (the uploaded bytes, the document text and the analysis JSON) are
deferred so list and comparison queries never load them. Amounts, rates and
scores are ``Numeric`` columns read back as ``Decimal``.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

ROLES = ("admin", "reviewer", "filler")
ROLE_LABELS = {"admin": "管理员", "reviewer": "审核人", "filler": "填报人"}
REPORT_STATUSES = ("queued", "processing", "done", "error")
DECISIONS = ("confirm", "reject")
DECISION_LABELS = {"confirm": "确认", "reject": "驳回"}


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


class User(Base):
    __tablename__ = "users"
    __table_args__ = (Index("ix_users_department", "department"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16))
    department: Mapped[str | None] = mapped_column(String(200), default=None)
    region: Mapped[str | None] = mapped_column(String(200), default=None)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


class Report(Base):
    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_dept_year", "department", "year"),
        Index("ix_reports_region", "region"),
        Index("ix_reports_batch", "batch"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer, default=0)
    batch: Mapped[str | None] = mapped_column(String(40), default=None)
    status: Mapped[str] = mapped_column(String(16), default="queued")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    department: Mapped[str | None] = mapped_column(String(200), default=None)
    region: Mapped[str | None] = mapped_column(String(200), default=None)
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    scope: Mapped[str | None] = mapped_column(String(16), default=None)
    dept_type: Mapped[str | None] = mapped_column(String(100), default=None)
    title: Mapped[str | None] = mapped_column(String(300), default=None)
    framework: Mapped[str | None] = mapped_column(String(100), default=None)
    score_total: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), default=None)
    #: a partial score (no total): points of the items that could be scored, their weight, how many of how many
    score_points: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), default=None)
    score_weight: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), default=None)
    score_items: Mapped[int | None] = mapped_column(Integer, default=None)
    score_items_total: Mapped[int | None] = mapped_column(Integer, default=None)
    self_score: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), default=None)
    grade: Mapped[str | None] = mapped_column(String(10), default=None)
    execution_rate: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), default=None)
    findings_count: Mapped[int] = mapped_column(Integer, default=0)
    errors_count: Mapped[int] = mapped_column(Integer, default=0)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    #: Department and region came from the uploader's scope (a 填报人's upload): never re-read from the text.
    filed_by_scope: Mapped[bool] = mapped_column(default=False)
    #: How many times processing started (a restart re-queues an interrupted one behind the others).
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime, default=None)

    data: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, default=None))
    text: Mapped[str | None] = deferred(mapped_column(Text, default=None))
    evaluation_json: Mapped[dict[str, Any] | None] = deferred(mapped_column(JSON, default=None))
    score_json: Mapped[dict[str, Any] | None] = deferred(mapped_column(JSON, default=None))
    findings_json: Mapped[list[Any] | None] = deferred(mapped_column(JSON, default=None))

    reviews: Mapped[list[Review]] = relationship(back_populates="report", cascade="all, delete-orphan",
                                                 order_by="Review.id")


class Review(Base):
    """A reviewer's decision on one finding of one report (确认 / 驳回), kept with who and when."""

    __tablename__ = "reviews"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    finding_index: Mapped[int] = mapped_column(Integer)
    finding_code: Mapped[str | None] = mapped_column(String(20), default=None)
    decision: Mapped[str] = mapped_column(String(16))
    comment: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    user_name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    report: Mapped[Report] = relationship(back_populates="reviews")

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS.get(self.decision, self.decision)


class EvaluationForm(Base):
    """An evaluation filled in on the 填报 page; ``data`` is the evaluation-file shape."""

    __tablename__ = "evaluations"
    __table_args__ = (Index("ix_evaluations_dept", "department"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200), default=None)
    year: Mapped[int | None] = mapped_column(Integer, default=None)
    title: Mapped[str | None] = mapped_column(String(300), default=None)
    framework: Mapped[str | None] = mapped_column(String(100), default=None)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    #: Raised by every save; a save that started from an older version is refused (optimistic locking).
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class Department(Base):
    """A department of the directory the administrator keeps (offered as choices on the users form)."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("name", name="uq_departments_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str | None] = mapped_column(String(200), default=None)
    dept_type: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class StoredFramework(Base):
    """A framework YAML uploaded by an administrator (validated by jixiao.scoring before it is stored)."""

    __tablename__ = "frameworks"
    __table_args__ = (UniqueConstraint("framework_id", name="uq_frameworks_framework_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    framework_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    file_name: Mapped[str] = mapped_column(String(255))
    sha256: Mapped[str] = mapped_column(String(64))
    yaml_text: Mapped[str] = deferred(mapped_column(Text))
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    uploaded_by_name: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class SessionRecord(Base):
    """A login: the cookie carries a random token whose SHA-256 is kept here. Deleting the row (logout,
    password change, account disabled) ends the session whatever copies of the cookie exist."""

    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("token_hash", name="uq_sessions_token_hash"),
                      Index("ix_sessions_user_id", "user_id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    csrf: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime)
