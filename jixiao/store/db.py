"""Engine and session setup, migrations, and the store's queries.

SQLite (the default, a file in the working folder) runs in WAL mode with one
writer: every write goes through :meth:`Store.write`, which holds a process-wide
lock, while reads run concurrently. PostgreSQL is used when the URL says so.
The schema is managed by the Alembic migrations in ``jixiao/store/migrations``,
applied at startup by :meth:`Store.migrate`.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker, undefer

from jixiao.model import json_default
from jixiao.region import dept_type, read_region
from jixiao.store import policy
from jixiao.store.accounts import Accounts
from jixiao.store.directory import Directory
from jixiao.store.models import Report, Review, User, utcnow

MIGRATIONS = Path(__file__).with_name("migrations")
DEFAULT_URL = "sqlite:///jixiao.db"

#: Columns read by list and comparison pages (never the deferred blobs).
SUMMARY_COLUMNS = (
    Report.id, Report.file_name, Report.status, Report.error, Report.department, Report.region, Report.year,
    Report.scope, Report.dept_type, Report.score_total, Report.self_score, Report.grade,
    Report.execution_rate, Report.findings_count, Report.errors_count, Report.created_at, Report.batch,
    Report.size, Report.score_points, Report.score_weight, Report.score_items, Report.score_items_total,
)


def json_dumps(value: Any, **kwargs: Any) -> str:
    kwargs.setdefault("ensure_ascii", False)
    return json.dumps(value, default=json_default, **kwargs)


def json_loads(value: str | bytes) -> Any:
    """JSON read back with every non-integral number as ``Decimal``."""
    return json.loads(value, parse_float=Decimal)


def normalise_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean psycopg 3; a bare path means a SQLite file."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if "://" not in url:
        url = f"sqlite:///{url}"
    return url


class StoreUnavailable(RuntimeError):
    """The database cannot be opened or written; ``str()`` is one line that never shows a password."""


def redact(url: str) -> str:
    """``url`` with its password (if any) replaced by ``***``."""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def one_line(exc: BaseException, url: str | None = None) -> str:
    """The first line of an error, without the database password even when the driver repeats it."""
    text_ = next((ln for ln in str(exc).splitlines() if ln.strip()), type(exc).__name__).strip()
    if url:
        try:
            from sqlalchemy.engine import make_url

            password = make_url(url).password
        except Exception:
            password = None
        if password:
            text_ = text_.replace(str(password), "***")
    return text_[:300]


@dataclass(frozen=True)
class Viewer:
    """Who is asking: the subset of :class:`User` the visibility rules need."""

    id: int
    name: str
    role: str
    department: str | None = None
    region: str | None = None

    @classmethod
    def of(cls, user: User) -> Viewer:
        return cls(id=user.id, name=user.name, role=user.role, department=user.department, region=user.region)


class Store(Accounts, Directory):
    """The workbench database: reports and reviews here; accounts, sessions, departments, frameworks and
    填报 in the mixins."""

    def __init__(self, url: str = DEFAULT_URL, *, echo: bool = False):
        self.url = normalise_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": echo, "json_serializer": json_dumps, "json_deserializer": json_loads}
        if self.is_sqlite:
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            kwargs.update(pool_pre_ping=True, pool_size=5, max_overflow=5)
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = threading.RLock() if self.is_sqlite else None

    # -- lifecycle -------------------------------------------------------------------------------------
    def migrate(self) -> None:
        """Bring the schema to the newest migration (idempotent)."""
        from alembic import command
        from alembic.config import Config

        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        cfg.set_main_option("sqlalchemy.url", self.url.replace("%", "%%"))
        with self._write(), self.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")

    def check_writable(self) -> None:
        """Raise (one line, no password) when the database cannot be written: read-only file or server."""
        try:
            with self._write(), self.engine.begin() as conn:
                conn.execute(text("UPDATE alembic_version SET version_num = version_num"))
        except Exception as exc:
            raise StoreUnavailable(f"数据库不可写（只读？）：{one_line(exc, self.url)}") from None

    def open(self) -> Store:
        """Migrate and check the database can be written; StoreUnavailable (one line, no password) if not."""
        try:
            self.migrate()
        except Exception as exc:
            raise StoreUnavailable(f"无法打开数据库：{one_line(exc, self.url)}") from None
        self.check_writable()
        return self

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def dispose(self) -> None:
        self.engine.dispose()

    def _write(self):
        return self._write_lock if self._write_lock is not None else nullcontext()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session that commits on success; on SQLite only one writer at a time."""
        with self._write(), self._sessions() as session, session.begin():
            yield session

    # -- reports ---------------------------------------------------------------------------------------
    def add_report(self, *, file_name: str, sha256: str, data: bytes | None, batch: str | None = None,
                   department: str | None = None, region: str | None = None, year: int | None = None,
                   dept_type: str | None = None, uploaded_by: int | None = None, status: str = "queued",
                   error: str | None = None, filed_by_scope: bool = False) -> int:
        """A new report; ``filed_by_scope``: its department and region are the uploader's and stay so."""
        with self.write() as s:
            report = Report(file_name=file_name, sha256=sha256, size=len(data or b""), data=data, batch=batch,
                            department=department, region=region, year=year, dept_type=dept_type,
                            uploaded_by=uploaded_by, status=status, error=error, filed_by_scope=filed_by_scope,
                            findings_count=0, errors_count=0, attempts=0)
            s.add(report)
            s.flush()
            return report.id

    def report_bytes(self, report_id: int) -> tuple[str, bytes | None] | None:
        with self.read() as s:
            row = s.execute(select(Report.file_name, Report.data).where(Report.id == report_id)).first()
            return None if row is None else (row[0], row[1])

    def pending_reports(self, max_attempts: int) -> list[tuple[int, int | None]]:
        """(id, uploader) of the reports to (re)process after a start, those interrupted fewer times first.

        A report that was being processed ``max_attempts`` times when the server stopped is marked failed
        instead: a file that takes the server down is not tried for ever, nor first after every restart.
        """
        with self.write() as s:
            for report in s.scalars(select(Report).where(Report.status == "processing",
                                                         Report.attempts >= max_attempts)):
                report.status = "error"
                report.error = f"处理中断 {report.attempts} 次（服务重启或进程终止），已停止处理该文件"
                report.processed_at = utcnow()
        with self.read() as s:
            rows = s.execute(select(Report.id, Report.uploaded_by)
                             .where(Report.status.in_(("queued", "processing")))
                             .order_by(Report.attempts, Report.id))
            return [(rid, who) for rid, who in rows]

    def start_processing(self, report_id: int) -> tuple[str, bytes | None] | None:
        """Mark a report as being processed (one more attempt); its (name, bytes), None when gone or done."""
        with self.write() as s:
            report = s.get(Report, report_id)
            if report is None or report.status not in ("queued", "processing"):
                return None
            report.status = "processing"
            report.error = None
            report.attempts = (report.attempts or 0) + 1
        return self.report_bytes(report_id)

    def move_report(self, report_id: int, **fields: Any) -> Report | None:
        """Re-file a report (``department``, ``region``, ``year``, ``dept_type``); it stays where it is put."""
        unknown = set(fields) - {"department", "region", "year", "dept_type"}
        if unknown:
            raise ValueError(f"未知字段 {', '.join(sorted(unknown))}")
        with self.write() as s:
            report = s.get(Report, report_id)
            if report is None:
                return None
            for key, value in fields.items():
                setattr(report, key, value.strip() or None if isinstance(value, str) else value)
            report.filed_by_scope = True
            report.processed_at = utcnow()  # the comparison cache follows
            s.flush()
            return report

    def set_status(self, report_id: int, status: str, error: str | None = None) -> None:
        with self.write() as s:
            report = s.get(Report, report_id)
            if report is not None:
                report.status = status
                report.error = error
                if status in ("done", "error"):
                    report.processed_at = utcnow()

    def save_analysis(self, report_id: int, result: dict[str, Any], *, text_: str | None) -> None:
        """Store a pipeline result (``Analysis.to_json()`` shape plus the document text).

        The department named in the text files the report unless it was filed by the uploader's scope.
        """
        ev = result.get("evaluation") or {}
        score = result.get("score") or {}
        findings = result.get("findings") or []
        stated = (ev.get("score") or {}).get("total")
        with self.write() as s:
            report = s.get(Report, report_id)
            if report is None:
                return
            report.text = text_
            report.evaluation_json = ev or None
            report.score_json = score or None
            report.findings_json = findings
            if not (report.filed_by_scope and report.department):
                report.department = ev.get("department") or report.department
            report.year = report.year or ev.get("year")
            report.scope = ev.get("scope")
            report.title = ev.get("title")
            report.framework = score.get("framework")
            report.score_total = _dec(score.get("total"))
            partial = score.get("partial") or {}
            report.score_points, report.score_weight = _dec(partial.get("points")), _dec(partial.get("weight"))
            report.score_items, report.score_items_total = partial.get("scored"), partial.get("items")
            department = ev.get("department") or report.department
            if not report.region:  # the upload named none: where the unit's name (and text) says it is
                report.region = read_region(department, text_).text() or None
            if not report.dept_type and department:
                report.dept_type = dept_type(department)
            report.self_score = _dec(stated)
            report.grade = score.get("grade")
            report.execution_rate = _dec((ev.get("budget") or {}).get("execution_rate"))
            report.findings_count = len(findings)
            report.errors_count = sum(1 for f in findings if f.get("severity") == "error")
            report.status = "error" if result.get("error") else "done"
            report.error = result.get("error")
            report.processed_at = utcnow()

    def report(self, report_id: int, viewer: Viewer | None = None, *, full: bool = True) -> Report | None:
        """One report, or None when it does not exist or the viewer may not see it."""
        with self.read() as s:
            q = select(Report).where(Report.id == report_id)
            if full:
                q = q.options(undefer(Report.text), undefer(Report.evaluation_json), undefer(Report.score_json),
                              undefer(Report.findings_json))
            if viewer is not None:
                q = policy.visible(q, viewer, Report)
            report = s.scalar(q)
            if report is not None:
                list(report.reviews)
            return report

    def reports(self, viewer: Viewer | None = None, *, region: str | None = None, year: int | None = None,
                dept_type: str | None = None, department: str | None = None, batch: str | None = None,
                status: str | None = None, q: str | None = None, limit: int | None = None,
                offset: int = 0, order: str = "recent") -> list[Any]:
        """Summary rows (no blobs) of the reports the viewer may see, newest first."""
        stmt = select(*SUMMARY_COLUMNS)
        if viewer is not None:
            stmt = policy.visible(stmt, viewer, Report)
        for column, value in ((Report.region, region), (Report.year, year), (Report.dept_type, dept_type),
                              (Report.department, department), (Report.batch, batch), (Report.status, status)):
            if value not in (None, ""):
                stmt = stmt.where(column == value)
        if q:
            like = f"%{q}%"
            stmt = stmt.where(Report.file_name.like(like) | Report.department.like(like))
        if order == "dept":
            stmt = stmt.order_by(Report.department, Report.year, Report.id)
        else:
            stmt = stmt.order_by(Report.id.desc())
        if limit:
            stmt = stmt.limit(limit).offset(offset)
        with self.read() as s:
            return list(s.execute(stmt))

    def count_reports(self, viewer: Viewer | None = None, **filters: Any) -> int:
        stmt = select(func.count(Report.id))
        if viewer is not None:
            stmt = policy.visible(stmt, viewer, Report)
        for key, value in filters.items():
            if value not in (None, ""):
                stmt = stmt.where(getattr(Report, key) == value)
        with self.read() as s:
            return s.scalar(stmt) or 0

    def facets(self, viewer: Viewer | None = None) -> dict[str, list[Any]]:
        """Distinct regions, years and department types for the filters."""
        out: dict[str, list[Any]] = {}
        with self.read() as s:
            for key, column in (("region", Report.region), ("year", Report.year), ("dept_type", Report.dept_type)):
                stmt = select(column).where(column.is_not(None)).distinct().order_by(column)
                if viewer is not None:
                    stmt = policy.visible(stmt, viewer, Report)
                out[key] = [v for (v,) in s.execute(stmt)]
        return out

    def fingerprint(self) -> tuple[Any, ...]:
        """Changes whenever a report is added, processed or deleted (a cheap cache key)."""
        with self.read() as s:
            return tuple(s.execute(select(func.count(Report.id), func.max(Report.id),
                                          func.max(Report.processed_at))).one())

    def delete_report(self, report_id: int) -> bool:
        with self.write() as s:
            report = s.get(Report, report_id)
            if report is None:
                return False
            s.delete(report)
            return True

    # -- reviews ---------------------------------------------------------------------------------------
    def add_review(self, report_id: int, finding_index: int, decision: str, comment: str, viewer: Viewer) -> Review:
        if decision not in ("confirm", "reject"):
            raise ValueError("decision must be confirm or reject")
        with self.write() as s:
            report = s.scalar(policy.visible(select(Report).where(Report.id == report_id), viewer, Report)
                              .options(undefer(Report.findings_json)))
            if report is None:
                raise LookupError("report")
            findings = report.findings_json or []
            if not 0 <= finding_index < len(findings):
                raise LookupError("finding")
            review = Review(report_id=report_id, finding_index=finding_index,
                            finding_code=findings[finding_index].get("code"), decision=decision,
                            comment=comment.strip(), user_id=viewer.id, user_name=viewer.name)
            s.add(review)
            s.flush()
            return review

    def reviews(self, report_id: int) -> list[Review]:
        with self.read() as s:
            return list(s.scalars(select(Review).where(Review.report_id == report_id).order_by(Review.id)))

def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cur = dbapi_connection.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()

