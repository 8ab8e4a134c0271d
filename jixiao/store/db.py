"""Engine and session setup, migrations, and the store's queries.

SQLite (the default, a file in the working folder) runs in WAL mode with one
writer: every write goes through :meth:`Store.write`, which holds a process-wide
lock, while reads run concurrently. PostgreSQL is used when the URL says so.
The schema is managed by the Alembic migrations in ``jixiao/store/migrations``,
applied at startup by :meth:`Store.migrate`.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, func, inspect, select, text
from sqlalchemy.orm import Session, sessionmaker, undefer

from jixiao.model import json_default
from jixiao.region import dept_type, read_region
from jixiao.store.models import (
    ROLES,
    Department,
    EvaluationForm,
    Report,
    Review,
    StoredFramework,
    User,
    utcnow,
)
from jixiao.store.passwords import hash_password, verify_password

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


class Store:
    """The workbench database."""

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

    # -- users -----------------------------------------------------------------------------------------
    def add_user(self, name: str, password: str, role: str, *, department: str | None = None,
                 region: str | None = None) -> User:
        name = name.strip()
        if not name:
            raise ValueError("用户名不能为空 (empty user name)")
        if role not in ROLES:
            raise ValueError(f"未知角色 {role} (role must be one of {', '.join(ROLES)})")
        if role == "filler" and not department:
            raise ValueError("填报人必须指定部门 (a filler needs --department)")
        with self.write() as s:
            if s.scalar(select(User.id).where(User.name == name)) is not None:
                raise ValueError(f"用户 {name} 已存在 (user exists)")
            user = User(name=name, password_hash=hash_password(password), role=role, department=department,
                        region=region)
            s.add(user)
            s.flush()
            return user

    def set_password(self, name: str, password: str) -> None:
        with self.write() as s:
            user = s.scalar(select(User).where(User.name == name))
            if user is None:
                raise ValueError(f"用户 {name} 不存在 (no such user)")
            user.password_hash = hash_password(password)

    def user(self, user_id: int) -> User | None:
        with self.read() as s:
            return s.get(User, user_id)

    def users(self) -> list[User]:
        with self.read() as s:
            return list(s.scalars(select(User).order_by(User.id)))

    def count_users(self) -> int:
        with self.read() as s:
            return s.scalar(select(func.count(User.id))) or 0

    def authenticate(self, name: str, password: str) -> User | None:
        with self.read() as s:
            user = s.scalar(select(User).where(User.name == name.strip()))
        if user is None or not user.active:
            verify_password(_DUMMY_HASH, password)  # same cost whether or not the user exists
            return None
        return user if verify_password(user.password_hash, password) else None

    # -- reports ---------------------------------------------------------------------------------------
    def add_report(self, *, file_name: str, sha256: str, data: bytes | None, batch: str | None = None,
                   department: str | None = None, region: str | None = None, year: int | None = None,
                   dept_type: str | None = None, uploaded_by: int | None = None, status: str = "queued",
                   error: str | None = None) -> int:
        with self.write() as s:
            report = Report(file_name=file_name, sha256=sha256, size=len(data or b""), data=data, batch=batch,
                            department=department, region=region, year=year, dept_type=dept_type,
                            uploaded_by=uploaded_by, status=status, error=error,
                            findings_count=0, errors_count=0)
            s.add(report)
            s.flush()
            return report.id

    def report_bytes(self, report_id: int) -> tuple[str, bytes | None] | None:
        with self.read() as s:
            row = s.execute(select(Report.file_name, Report.data).where(Report.id == report_id)).first()
            return None if row is None else (row[0], row[1])

    def set_status(self, report_id: int, status: str, error: str | None = None) -> None:
        with self.write() as s:
            report = s.get(Report, report_id)
            if report is not None:
                report.status = status
                report.error = error
                if status in ("done", "error"):
                    report.processed_at = utcnow()

    def save_analysis(self, report_id: int, result: dict[str, Any], *, text_: str | None,
                      keep_department: bool = False) -> None:
        """Store a pipeline result (``Analysis.to_json()`` shape plus the document text)."""
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
            if not (keep_department and report.department):
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
                q = _visible(q, viewer, Report)
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
            stmt = _visible(stmt, viewer, Report)
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
            stmt = _visible(stmt, viewer, Report)
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
                    stmt = _visible(stmt, viewer, Report)
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
            report = s.scalar(_visible(select(Report).where(Report.id == report_id), viewer, Report)
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

    # -- departments -----------------------------------------------------------------------------------
    def add_department(self, name: str, *, region: str | None = None, dept_type: str | None = None) -> Department:
        name = (name or "").strip()
        if not name:
            raise ValueError("部门名称不能为空 (empty department name)")
        with self.write() as s:
            if s.scalar(select(Department.id).where(Department.name == name)) is not None:
                raise ValueError(f"部门 {name} 已存在 (department exists)")
            dept = Department(name=name, region=_blank(region), dept_type=_blank(dept_type))
            s.add(dept)
            s.flush()
            return dept

    def update_department(self, department_id: int, *, name: str | None = None, region: str | None = None,
                          dept_type: str | None = None) -> Department | None:
        """Change the given fields (``""`` clears region / type); None when there is no such department.

        Users, reports and evaluations keep the department name they were filed under.
        """
        with self.write() as s:
            dept = s.get(Department, department_id)
            if dept is None:
                return None
            if name is not None:
                name = name.strip()
                if not name:
                    raise ValueError("部门名称不能为空 (empty department name)")
                clash = s.scalar(select(Department.id).where(Department.name == name, Department.id != department_id))
                if clash is not None:
                    raise ValueError(f"部门 {name} 已存在 (department exists)")
                dept.name = name
            if region is not None:
                dept.region = _blank(region)
            if dept_type is not None:
                dept.dept_type = _blank(dept_type)
            s.flush()
            return dept

    def department(self, department_id: int) -> Department | None:
        with self.read() as s:
            return s.get(Department, department_id)

    def department_named(self, name: str) -> Department | None:
        with self.read() as s:
            return s.scalar(select(Department).where(Department.name == name.strip()))

    def departments(self) -> list[Department]:
        with self.read() as s:
            return list(s.scalars(select(Department).order_by(Department.region, Department.name)))

    def delete_department(self, department_id: int) -> bool:
        with self.write() as s:
            dept = s.get(Department, department_id)
            if dept is None:
                return False
            s.delete(dept)
            return True

    # -- uploaded frameworks -----------------------------------------------------------------------------
    def save_framework(self, framework_id: str, name: str, file_name: str, yaml_text: str, *,
                       uploaded_by: Viewer | None = None) -> tuple[StoredFramework, bool]:
        """Store (or replace, by framework id) a validated framework YAML; (row, created)."""
        import hashlib

        sha = hashlib.sha256(yaml_text.encode("utf-8")).hexdigest()
        with self.write() as s:
            row = s.scalar(select(StoredFramework).where(StoredFramework.framework_id == framework_id))
            created = row is None
            if row is None:
                row = StoredFramework(framework_id=framework_id, created_at=utcnow())
                s.add(row)
            row.name = name
            row.file_name = file_name
            row.sha256 = sha
            row.yaml_text = yaml_text
            row.uploaded_by = uploaded_by.id if uploaded_by else None
            row.uploaded_by_name = uploaded_by.name if uploaded_by else ""
            row.updated_at = utcnow()
            s.flush()
            return row, created

    def stored_frameworks(self) -> list[StoredFramework]:
        """Uploaded frameworks without their YAML text (see :meth:`framework_yaml`)."""
        with self.read() as s:
            return list(s.scalars(select(StoredFramework).order_by(StoredFramework.framework_id)))

    def framework_yaml(self, framework_id: str) -> str | None:
        with self.read() as s:
            return s.scalar(select(StoredFramework.yaml_text).where(StoredFramework.framework_id == framework_id))

    def delete_framework(self, framework_id: str) -> bool:
        with self.write() as s:
            row = s.scalar(select(StoredFramework).where(StoredFramework.framework_id == framework_id))
            if row is None:
                return False
            s.delete(row)
            return True

    # -- evaluations (填报) ------------------------------------------------------------------------------
    def save_evaluation(self, data: dict[str, Any], viewer: Viewer, *, evaluation_id: int | None = None,
                        framework: str | None = None, region: str | None = None) -> EvaluationForm:
        department = (data.get("department") or "").strip() or viewer.department
        if viewer.role == "filler":
            department = viewer.department  # a filler fills in for their own department only
        if not department:
            raise ValueError("请填写部门名称 (department is required)")
        data = dict(data, department=department)
        with self.write() as s:
            if evaluation_id is None:
                form = EvaluationForm(owner_id=viewer.id, department=department)
                s.add(form)
            else:
                form = s.scalar(_visible(select(EvaluationForm).where(EvaluationForm.id == evaluation_id),
                                         viewer, EvaluationForm))
                if form is None:
                    raise LookupError("evaluation")
            form.department = department
            form.region = region or form.region or viewer.region
            form.year = data.get("year")
            form.title = data.get("title")
            form.framework = framework
            form.data = data
            form.updated_at = utcnow()
            s.flush()
            return form

    def evaluation(self, evaluation_id: int, viewer: Viewer | None = None) -> EvaluationForm | None:
        with self.read() as s:
            q = select(EvaluationForm).where(EvaluationForm.id == evaluation_id)
            if viewer is not None:
                q = _visible(q, viewer, EvaluationForm)
            return s.scalar(q)

    def evaluations(self, viewer: Viewer | None = None) -> Sequence[EvaluationForm]:
        with self.read() as s:
            q = select(EvaluationForm).order_by(EvaluationForm.updated_at.desc(), EvaluationForm.id.desc())
            if viewer is not None:
                q = _visible(q, viewer, EvaluationForm)
            return list(s.scalars(q))

    def delete_evaluation(self, evaluation_id: int, viewer: Viewer) -> bool:
        with self.write() as s:
            form = s.scalar(_visible(select(EvaluationForm).where(EvaluationForm.id == evaluation_id),
                                     viewer, EvaluationForm))
            if form is None:
                return False
            s.delete(form)
            return True


def _visible(stmt, viewer: Viewer, model):
    """Row-level access: 管理员 all, 审核人 their region, 填报人 their department."""
    if viewer.role == "admin":
        return stmt
    if viewer.role == "reviewer":
        return stmt.where(model.region == viewer.region) if viewer.region else stmt.where(model.id < 0)
    if viewer.role == "filler" and viewer.department:
        return stmt.where(model.department == viewer.department)
    return stmt.where(model.id < 0)


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


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


_DUMMY_HASH = hash_password("jixiao-timing-equaliser")
