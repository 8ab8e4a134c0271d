"""Where a batch's records go: SQLite through SQLAlchemy, or a Parquet dataset; and how they are read back.

Both outputs hold the tables of :mod:`jixiao.batch.schema`. The driver alone writes, one
record at a time:

* **SQLite** (``*.db`` / ``*.sqlite``): WAL journal, one short transaction every few files (or
  second), ``UNIQUE(sha256)``, a ``ranking`` view;
* **Parquet** (``*.parquet``, a directory): ``reports/part-*.parquet`` and ``findings/part-*.parquet``
  written row group by row group with :class:`pyarrow.parquet.ParquetWriter`, plus a line-per-record
  journal (``_journal.jsonl``) that makes a killed run recoverable (see docs/batch.md).
"""

from __future__ import annotations

import heapq
import json
import sqlite3
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    PrimaryKeyConstraint,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    create_engine,
    event,
    func,
    insert,
    inspect,
    literal_column,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from jixiao.batch import schema
from jixiao.batch.runner import CENT
from jixiao.batch.schema import (
    FINDING_FIELDS,
    RANK_FIELDS,
    RENAMED,
    REPORT_FIELDS,
    SCHEMA_VERSION,
    arrow_schema,
)

# --------------------------------------------------------------------------- the schema as SQLAlchemy tables

_TYPES = {schema.TEXT: Text, schema.INTEGER: Integer, schema.REAL: Float, schema.DECIMAL: lambda: Numeric(12, 2)}


def _columns(spec: tuple[schema.Column, ...]) -> list[Column]:
    return [Column(c.name, _TYPES[c.kind](), nullable=not c.required, server_default=c.default,
                   comment=c.note or None) for c in spec]


metadata = MetaData()
meta = Table("meta", metadata, Column("key", Text, primary_key=True), Column("value", Text, nullable=False))
reports = Table("reports", metadata, Column("id", Integer, primary_key=True), *_columns(schema.REPORTS),
                UniqueConstraint("sha256"), Index("reports_risk", "risk"))
findings = Table("findings", metadata, Column("id", Integer, primary_key=True),
                 Column("report_id", Integer, ForeignKey("reports.id", ondelete="CASCADE"), nullable=False),
                 *_columns(schema.FINDINGS), Index("findings_report", "report_id"), Index("findings_code", "code"))
files = Table("files", metadata, *_columns(schema.FILES), PrimaryKeyConstraint("path", "sha256"))
#: The 抽查 sample, riskiest first (a view in the SQLite output).
ranking = select(*(reports.c[k] for k in RANK_FIELDS)).order_by(reports.c.risk.desc(), reports.c.path)


@dataclass(frozen=True)
class Known:
    """What the output already holds for a content hash (enough for the exit code)."""

    error: bool
    n_errors: int
    n_warnings: int
    n_info: int = 0


class Store(Protocol):
    path: Path

    def lookup(self, sha256: str) -> Known | None: ...
    def add(self, rec: dict[str, Any]) -> bool: ...
    def note_path(self, path: str, sha256: str) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


def is_parquet(out: str | Path) -> bool:
    return Path(out).suffix.lower() == ".parquet"


def open_store(out: str | Path, commit_every: int = 8) -> Store:
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    if is_parquet(p):
        return ParquetStore(p)
    return SQLiteStore(p, commit_every=commit_every)


def known_of(rec: dict[str, Any]) -> Known:
    return Known(bool(rec.get("error")), rec.get("n_errors") or 0, rec.get("n_warnings") or 0,
                 rec.get("n_info") or 0)


# --------------------------------------------------------------------------- SQLite


def _pragmas(dbapi_con: Any, _record: Any) -> None:
    dbapi_con.execute("PRAGMA journal_mode=WAL")
    dbapi_con.execute("PRAGMA synchronous=NORMAL")
    dbapi_con.execute("PRAGMA foreign_keys=ON")


def _sqlite_engine(path: Path, *, read_only: bool = False) -> Engine:
    if read_only:
        uri = f"file:{quote(str(path))}?mode=ro"
        return create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 30}, poolclass=NullPool)
    event.listen(engine, "connect", _pragmas)
    return engine


def _view_sql(con: Connection) -> str:
    return str(ranking.compile(con, compile_kwargs={"literal_binds": True}))


def _upgrade(con: Connection) -> None:
    """A results file of schema 1 gets its score columns renamed in place (SQLite ≥ 3.25)."""
    names = {c["name"] for c in inspect(con).get_columns("reports")} if inspect(con).has_table("reports") else set()
    old = [(new, was) for new, was in RENAMED.items() if was in names and new not in names]
    if not old:
        return
    con.execute(text("DROP VIEW IF EXISTS ranking"))
    for new, was in old:
        con.execute(text(f"ALTER TABLE reports RENAME COLUMN {was} TO {new}"))
    con.execute(text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": SCHEMA_VERSION})


class SQLiteStore:
    """Results in SQLite: WAL, one short transaction every ``commit_every`` files (or second)."""

    def __init__(self, path: str | Path, commit_every: int = 8, commit_seconds: float = 1.0):
        self.path = Path(path)
        self.engine = _sqlite_engine(self.path)
        self.con = self.engine.connect()
        _upgrade(self.con)
        metadata.create_all(self.con)
        self.con.execute(text(f"CREATE VIEW IF NOT EXISTS ranking AS {_view_sql(self.con)}"))
        self.con.execute(insert(meta).prefix_with("OR IGNORE"), {"key": "schema_version", "value": SCHEMA_VERSION})
        self.con.commit()
        self.commit_every = max(1, commit_every)
        self.commit_seconds = commit_seconds
        self._pending = 0
        self._since = time.monotonic()
        self._insert_report = insert(reports).prefix_with("OR IGNORE")
        self._insert_finding = insert(findings)
        self._insert_file = insert(files).prefix_with("OR IGNORE")
        self._lookup = select(reports.c.error, reports.c.n_errors, reports.c.n_warnings, reports.c.n_info) \
            .where(reports.c.sha256 == bindparam("sha"))

    def lookup(self, sha256: str) -> Known | None:
        row = self.con.execute(self._lookup, {"sha": sha256}).first()
        return None if row is None else Known(bool(row[0]), row[1], row[2], row[3])

    def _begin(self) -> None:
        if not self.con.in_transaction():
            self._since = time.monotonic()

    def add(self, rec: dict[str, Any]) -> bool:
        self._begin()
        values = {k: rec.get(k) for k in REPORT_FIELDS}
        if values["risk"] is not None:
            values["risk"] = Decimal(str(values["risk"]))
        try:
            cur = self.con.execute(self._insert_report, values)
            added = cur.rowcount == 1
            if added and rec.get("findings"):
                rid = cur.lastrowid
                self.con.execute(self._insert_finding, [
                    {"report_id": rid, "sha256": rec["sha256"], **{k: f.get(k) for k in FINDING_FIELDS[1:]}}
                    for f in rec["findings"]])
        except BaseException:
            # never a report without its findings (Ctrl-C between the two): the open transaction's few files
            # are done again by the next run
            self.con.rollback()
            self._pending = 0
            raise
        self._pending += 1
        if self._pending >= self.commit_every or time.monotonic() - self._since >= self.commit_seconds:
            self.flush()
        return added

    def note_path(self, path: str, sha256: str) -> None:
        self._begin()
        self.con.execute(self._insert_file, {"path": path, "sha256": sha256})

    def flush(self) -> None:
        if self.con.in_transaction():
            self.con.commit()
        self._pending = 0

    def close(self) -> None:
        try:
            self.flush()
        except SQLAlchemyError:
            # a Ctrl-C inside a statement invalidated the connection: what was committed stays, the files of
            # the open transaction are done again by the next run
            self.con.rollback()
        finally:
            self.con.close()
            self.engine.dispose()


# --------------------------------------------------------------------------- Parquet


class ParquetStore:
    """Results as a Parquet dataset directory (``results.parquet/``).

    ``reports/part-*.parquet`` and ``findings/part-*.parquet`` are written row group by
    row group while the run goes; each record is first appended to ``_journal.jsonl``
    (flushed every file), so a killed run loses nothing but its in-flight files: the next
    run turns the journal into a recovered part, deletes unfinished ``*.tmp`` parts and
    reads the hashes of every finished part to know what to skip. The set of known
    hashes is kept in memory (about 150 bytes a report).
    """

    ROW_GROUP = 256

    def __init__(self, path: str | Path):
        import pyarrow as pa

        self.pa = pa
        self.path = Path(path)
        (self.path / "reports").mkdir(parents=True, exist_ok=True)
        (self.path / "findings").mkdir(parents=True, exist_ok=True)
        self.report_schema = arrow_schema(schema.REPORTS)
        self.finding_schema = arrow_schema(schema.FINDINGS)
        self.known: dict[str, Known] = {}
        for tmp in self.path.glob("*/*.tmp"):
            tmp.unlink()
        for r in iter_parquet(self.path / "reports", ("sha256", "error", "n_errors", "n_warnings", "n_info")):
            self.known[r["sha256"]] = known_of(r)
        self._writers: dict[str, Any] = {}
        self._buf: dict[str, list[dict]] = {"reports": [], "findings": []}
        self._run = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.journal_path = self.path / "_journal.jsonl"
        self._recover_journal()
        self.journal = open(self.journal_path, "a", encoding="utf-8")  # noqa: SIM115

    def _recover_journal(self) -> None:
        if not self.journal_path.exists():
            return
        with open(self.journal_path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    rec = json.loads(line)
                except ValueError:  # a line cut short by the kill
                    continue
                self._append(rec)
        self._close_writers("recovered-")
        self.journal_path.unlink()

    def lookup(self, sha256: str) -> Known | None:
        return self.known.get(sha256)

    def _append(self, rec: dict[str, Any]) -> bool:
        sha = rec["sha256"]
        if sha in self.known:
            return False
        self.known[sha] = known_of(rec)
        self._buf["reports"].append({k: rec.get(k) for k in REPORT_FIELDS})
        for f in rec.get("findings", ()):
            self._buf["findings"].append({"sha256": sha, **{k: f.get(k) for k in FINDING_FIELDS[1:]}})
        if len(self._buf["reports"]) >= self.ROW_GROUP:
            self._write_groups()
        return True

    def add(self, rec: dict[str, Any]) -> bool:
        if rec["sha256"] in self.known:
            return False
        self.journal.write(json.dumps(rec, ensure_ascii=False) + "\n")
        self.journal.flush()
        return self._append(rec)

    def note_path(self, path: str, sha256: str) -> None:
        return None

    def _write_groups(self) -> None:
        import pyarrow.parquet as pq

        for name, arrow in (("reports", self.report_schema), ("findings", self.finding_schema)):
            rows = self._buf[name]
            if not rows:
                continue
            w = self._writers.get(name)
            if w is None:
                tmp = self.path / name / f"part-{self._run}.parquet.tmp"
                w = self._writers[name] = pq.ParquetWriter(str(tmp), arrow, compression="zstd")
            w.write_table(self.pa.Table.from_pylist(rows, schema=arrow))
            self._buf[name] = []

    def _close_writers(self, prefix: str = "") -> None:
        self._write_groups()
        for name, w in self._writers.items():
            w.close()
            tmp = self.path / name / f"part-{self._run}.parquet.tmp"
            tmp.rename(self.path / name / f"part-{prefix}{self._run}.parquet")
        self._writers = {}
        if prefix:
            self._run = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]

    def flush(self) -> None:
        self.journal.flush()

    def close(self) -> None:
        self._close_writers()
        self.journal.close()
        self.journal_path.unlink(missing_ok=True)


def iter_parquet(folder: Path, columns: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Rows of every part in ``folder``, a few columns at a time (parts of schema 1 read under the new names)."""
    import pyarrow.parquet as pq

    cols = list(columns)
    for part in sorted(folder.glob("*.parquet")):
        f = pq.ParquetFile(part)
        have = set(f.schema_arrow.names)
        names = {c: c if c in have or c not in RENAMED else RENAMED[c] for c in cols}
        wanted = [n for n in names.values() if n in have]
        for batch in f.iter_batches(columns=wanted, batch_size=1024):
            for row in batch.to_pylist():
                yield {c: row.get(n) for c, n in names.items()}


# --------------------------------------------------------------------------- reading results back


def _report_columns(con: Connection, names: Iterable[str]) -> list[Any]:
    """The ``reports`` columns of ``names`` (a file of schema 1 has some under their old names)."""
    have = {c["name"] for c in inspect(con).get_columns("reports")}
    return [reports.c[n] if n in have else literal_column(RENAMED[n]).label(n) for n in names]


def iter_reports(out: str | Path, columns: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Stored reports, a few columns each, streamed from either output."""
    p, cols = Path(out), list(columns)
    if is_parquet(p):
        yield from iter_parquet(p / "reports", cols)
        return
    if not p.exists():
        raise FileNotFoundError(str(p))
    engine = _sqlite_engine(p, read_only=True)
    try:
        with engine.connect() as con:
            for row in con.execute(select(*_report_columns(con, cols)).select_from(reports)):
                yield dict(zip(cols, row, strict=True))
    finally:
        engine.dispose()


def finding_codes(out: str | Path, severities: tuple[str, ...] = ("error", "warning")) -> Iterator[tuple[Any, str, int]]:
    """(department, code, count) of the stored findings of those severities."""
    p = Path(out)
    if is_parquet(p):
        dept = {r["sha256"]: r["department"] for r in iter_parquet(p / "reports", ("sha256", "department"))}
        counts: Counter[tuple[Any, str]] = Counter()
        for f in iter_parquet(p / "findings", ("sha256", "code", "severity")):
            if f["severity"] in severities:
                counts[(dept.get(f["sha256"]), f["code"])] += 1
        for (d, code), n in counts.items():
            yield d, code, n
        return
    engine = _sqlite_engine(p, read_only=True)
    try:
        with engine.connect() as con:
            q = (select(reports.c.department, findings.c.code, func.count())
                 .join(reports, reports.c.id == findings.c.report_id)
                 .where(findings.c.severity.in_(severities))
                 .group_by(reports.c.department, findings.c.code))
            yield from ((d, code, n) for d, code, n in con.execute(q))
    finally:
        engine.dispose()


def finding_values(out: str | Path, code: str) -> Iterator[tuple[Any, Any]]:
    """(department, recomputed) of every stored finding with that code (e.g. the partial-score note)."""
    p = Path(out)
    if is_parquet(p):
        dept = {r["sha256"]: r["department"] for r in iter_parquet(p / "reports", ("sha256", "department"))}
        for f in iter_parquet(p / "findings", ("sha256", "code", "recomputed")):
            if f["code"] == code:
                yield dept.get(f["sha256"]), f["recomputed"]
        return
    engine = _sqlite_engine(p, read_only=True)
    try:
        with engine.connect() as con:
            q = (select(reports.c.department, findings.c.recomputed)
                 .join(reports, reports.c.id == findings.c.report_id)
                 .where(findings.c.code == code))
            yield from ((d, v) for d, v in con.execute(q))
    finally:
        engine.dispose()


def _rank_row(d: dict[str, Any]) -> dict[str, Any]:
    if d.get("risk") is not None:
        d["risk"] = str(Decimal(str(d["risk"])).quantize(CENT))
    return d


def top_risks(out: str | Path, n: int = 20) -> list[dict[str, Any]]:
    """The ``n`` riskiest reports of an output (SQLite or Parquet), for 抽查复核."""
    p = Path(out)
    if is_parquet(p):
        best = heapq.nlargest(n, iter_parquet(p / "reports", RANK_FIELDS),
                              key=lambda r: (Decimal(r["risk"] or 0), r["path"]))
        return [_rank_row(r) for r in best]
    engine = _sqlite_engine(p, read_only=True)
    try:
        with engine.connect() as con:
            q = select(*_report_columns(con, RANK_FIELDS)).order_by(reports.c.risk.desc(), reports.c.path).limit(n)
            return [_rank_row(dict(zip(RANK_FIELDS, r, strict=True))) for r in con.execute(q)]
    finally:
        engine.dispose()
