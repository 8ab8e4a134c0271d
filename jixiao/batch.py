"""Many reports at once: walk, hash, process in parallel, store, rank for 抽查复核.

The engine runs ONE pure per-file function, :func:`process_file` (``analyse(path)``
reduced to a compact, picklable record), either in local worker processes
(:class:`concurrent.futures.ProcessPoolExecutor`) or on a ``dask.distributed``
cluster. The driver alone writes the output, one record at a time:

* **SQLite** (``*.db`` / ``*.sqlite``): tables ``reports`` (UNIQUE ``sha256``),
  ``findings`` and ``files`` (every path seen → its content hash), WAL journal,
  a commit every few files, a ``ranking`` view;
* **Parquet** (``*.parquet``, a directory): ``reports/part-*.parquet`` and
  ``findings/part-*.parquet`` written row group by row group with
  :class:`pyarrow.parquet.ParquetWriter`, plus a line-per-record journal
  (``_journal.jsonl``) that makes a killed run recoverable (see docs/batch.md).

Resumability: the driver hashes every file before submitting it; a content hash
already in the output is skipped. Only a bounded number of files is in flight, so
memory stays flat however many files there are, and killing the run loses at most
those files (plus the last few uncommitted SQLite rows). A bad file is a recorded
error, never an exception: a worker that crashes or hangs is replaced and the file
that did it is recorded as an error.

Money and rates are carried as ``Decimal`` strings end to end (stored as TEXT).
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import heapq
import importlib
import json
import multiprocessing
import os
import signal
import sqlite3
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from multiprocessing import forkserver
from pathlib import Path
from typing import Any, Protocol

from jixiao.ingest import MAX_FILE_BYTES, SUPPORTED_SUFFIXES
from jixiao.region import dept_type, region_of

EVALUATION_SUFFIXES = (".yaml", ".yml", ".json")
#: Suffixes picked up when walking a folder or expanding a glob.
BATCH_SUFFIXES = tuple(sorted(set(SUPPORTED_SUFFIXES) | set(EVALUATION_SUFFIXES)))

#: Test hook only: seconds each worker sleeps before a file (lets a test kill a run halfway).
TEST_DELAY_ENV = "JIXIAO_BATCH_TEST_DELAY"

SCHEMA_VERSION = "1"
CENT = Decimal("0.01")

#: The fields of a report record, in storage order. Money/rates/scores are Decimal strings.
REPORT_FIELDS: tuple[str, ...] = (
    "sha256", "path", "suffix", "size", "department", "year", "scope", "form", "framework",
    "budget_adjusted", "budget_executed", "execution_rate", "execution_rate_recomputed",
    "score_stated", "score_recomputed", "grade_stated", "grade",
    "n_errors", "n_warnings", "n_info", "error", "seconds", "risk", "processed_at",
)
FINDING_FIELDS: tuple[str, ...] = (
    "sha256", "code", "severity", "kind", "message", "path", "stated", "recomputed", "line",
)
_INT_FIELDS = {"size", "year", "n_errors", "n_warnings", "n_info", "line"}


# --------------------------------------------------------------------------- inputs


def iter_inputs(paths: Iterable[str | Path]) -> Iterator[str]:
    """Every input file named by ``paths``, lazily and in a stable order.

    A folder is walked recursively and a glob expanded, keeping only
    :data:`BATCH_SUFFIXES` (hidden files and folders skipped). A file named
    explicitly is always yielded, whatever its suffix, so an unsupported type is
    recorded as an error rather than silently dropped; a name that does not exist
    is yielded too (the driver reports it as missing).
    """
    for raw in paths:
        raw = str(raw)
        p = Path(raw)
        if p.is_dir():
            yield from _walk(p)
        elif p.exists() or not glob.has_magic(raw):
            yield raw
        else:
            for match in sorted(glob.iglob(raw, recursive=True)):
                mp = Path(match)
                if mp.is_dir():
                    yield from _walk(mp)
                elif _wanted(mp.name):
                    yield match


def _wanted(name: str) -> bool:
    return not name.startswith(".") and os.path.splitext(name)[1].lower() in BATCH_SUFFIXES


def _walk(root: Path) -> Iterator[str]:
    for dirpath, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if _wanted(name):
                yield os.path.join(dirpath, name)


def count_inputs(paths: Iterable[str | Path]) -> int:
    return sum(1 for _ in iter_inputs(paths))


def file_sha256(path: str | Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


# --------------------------------------------------------------------------- the per-file function


class FileTimeout(Exception):
    """Raised inside a worker when one file takes longer than the batch's timeout."""


def _dec(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _s(value: Any) -> str | None:
    d = _dec(value)
    return None if d is None else str(d)


def empty_record(path: str, sha256: str = "") -> dict[str, Any]:
    rec: dict[str, Any] = dict.fromkeys(REPORT_FIELDS)
    rec.update(sha256=sha256, path=str(path), suffix=os.path.splitext(str(path))[1].lower(),
               n_errors=0, n_warnings=0, n_info=0, findings=[])
    return rec


def record_from_analysis(a: Any) -> dict[str, Any]:
    """Reduce a :class:`jixiao.pipeline.Analysis` to a compact record (plain str/int values)."""
    rec = empty_record(a.path, a.sha256)
    if a.error:
        rec["error"] = a.error
        return rec
    ev = a.evaluation
    if ev is not None:
        rec.update(department=ev.department, year=ev.year, scope=ev.scope, form=ev.form)
        b = ev.budget
        rec["budget_adjusted"] = _s(b.adjusted)
        rec["budget_executed"] = _s(b.executed)
        rec["execution_rate"] = _s(b.execution_rate)
        if b.adjusted is not None and b.executed is not None and b.adjusted > 0:
            rate = (Decimal(b.executed) * 100 / Decimal(b.adjusted)).quantize(CENT, ROUND_HALF_UP)
            rec["execution_rate_recomputed"] = str(rate)
        rec["score_stated"] = _s(ev.score.total)
        rec["grade_stated"] = ev.score.grade
    sc = a.score
    if sc is not None:
        total = getattr(sc, "total", None)
        grade = getattr(sc, "grade", None)
        framework = getattr(sc, "framework", None)
        if total is None and hasattr(sc, "to_json"):
            js = sc.to_json()
            total, grade, framework = js.get("total"), js.get("grade"), js.get("framework")
        rec["score_recomputed"] = _s(total)
        rec["grade"] = grade
        if framework is not None and not isinstance(framework, str):
            framework = getattr(framework, "name", str(framework))
        rec["framework"] = framework
    findings = []
    for f in a.findings:
        findings.append({
            "code": f.code, "severity": f.severity, "kind": f.kind, "message": (f.message or "")[:500],
            "path": f.path, "stated": f.stated, "recomputed": f.recomputed,
            "line": f.evidence.line if f.evidence is not None else None,
        })
        key = {"error": "n_errors", "warning": "n_warnings"}.get(f.severity, "n_info")
        rec[key] += 1
    rec["findings"] = findings
    return rec


def process_file(path: str, data: bytes | None = None) -> dict[str, Any]:
    """The batch's per-file function: analyse one file, return a compact picklable record.

    Never raises for a bad input: the record's ``error`` holds the one-line reason.
    ``data`` lets a driver send the bytes (Dask workers that cannot see the path).
    """
    rec = empty_record(path)
    try:
        if data is None:
            size = os.stat(path).st_size
            if size > MAX_FILE_BYTES:
                rec.update(sha256=file_sha256(path), size=size,
                           error=f"文件过大 {size / 1048576:.0f} MB，上限 {MAX_FILE_BYTES // 1048576} MB (file too large)")
                return rec
            data = Path(path).read_bytes()
        rec["sha256"] = hashlib.sha256(data).hexdigest()
        rec["size"] = len(data)
        from jixiao.pipeline import analyse

        out = record_from_analysis(analyse(path, data=data))
        out["sha256"], out["size"] = rec["sha256"], rec["size"]
        return out
    except FileTimeout as exc:
        rec["error"] = str(exc)
    except MemoryError:
        rec["error"] = "内存不足，文件可能是压缩炸弹 (out of memory)"
    except RecursionError:
        rec["error"] = "结构嵌套过深 (nesting too deep)"
    except OSError as exc:
        rec["error"] = f"无法读取 ({exc.strerror or exc})"
    except Exception as exc:  # a pipeline bug must not stop the batch: record it
        rec["error"] = f"处理出错 ({type(exc).__name__}: {str(exc)[:200]})"
    return rec


def _alarm(signum: int, frame: Any) -> None:
    raise FileTimeout("处理超时 (timed out)")


def run_one(fn: Callable[..., dict], path: str, sha256: str, timeout: float | None = None,
            data: bytes | None = None) -> dict[str, Any]:
    """Call the per-file function in a worker, with a per-file time limit; never raises."""
    delay = os.environ.get(TEST_DELAY_ENV)
    if delay:
        time.sleep(float(delay))
    use_alarm = bool(timeout) and threading.current_thread() is threading.main_thread()
    if use_alarm:
        old = signal.signal(signal.SIGALRM, _alarm)
        signal.setitimer(signal.ITIMER_REAL, timeout)
    t0 = time.perf_counter()
    try:
        rec = fn(path) if data is None else fn(path, data=data)
    except FileTimeout:
        rec = empty_record(path, sha256)
        rec["error"] = f"处理超时，超过 {timeout:g} 秒 (timed out)"
    except Exception as exc:
        rec = empty_record(path, sha256)
        rec["error"] = f"处理出错 ({type(exc).__name__}: {str(exc)[:200]})"
    finally:
        if use_alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
    if rec.get("error") == "处理超时 (timed out)" and timeout:
        rec["error"] = f"处理超时，超过 {timeout:g} 秒 (timed out)"
    rec.setdefault("findings", [])
    if not rec.get("sha256"):
        rec["sha256"] = sha256
    rec["seconds"] = round(time.perf_counter() - t0, 4)
    return rec


def _worker_init() -> None:
    # Ctrl-C goes to the driver, which saves what is done and stops the pool.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# --------------------------------------------------------------------------- risk ranking


@dataclass(frozen=True)
class RiskWeights:
    """risk = errors×error + warnings×warning + |self-score − recomputed|×score_gap
    + max(0, 100 − execution rate)×shortfall (+ unreadable for a file that could not be read)."""

    error: Decimal = Decimal(10)
    warning: Decimal = Decimal(2)
    score_gap: Decimal = Decimal(1)
    shortfall: Decimal = Decimal("0.5")
    unreadable: Decimal = Decimal(5)


def risk_score(rec: dict[str, Any], w: RiskWeights = RiskWeights()) -> Decimal:
    if rec.get("error"):
        return w.unreadable.quantize(CENT)
    risk = w.error * int(rec.get("n_errors") or 0) + w.warning * int(rec.get("n_warnings") or 0)
    stated, recomputed = _dec(rec.get("score_stated")), _dec(rec.get("score_recomputed"))
    if stated is not None and recomputed is not None:
        risk += abs(stated - recomputed) * w.score_gap
    rate = _dec(rec.get("execution_rate_recomputed"))
    if rate is None:
        rate = _dec(rec.get("execution_rate"))
    if rate is not None and rate < 100:
        risk += (100 - rate) * w.shortfall
    return risk.quantize(CENT, ROUND_HALF_UP)


# --------------------------------------------------------------------------- stores


@dataclass(frozen=True)
class Known:
    """What the output already holds for a content hash (enough for the exit code)."""

    error: bool
    n_errors: int
    n_warnings: int


class Store(Protocol):
    path: Path

    def lookup(self, sha256: str) -> Known | None: ...
    def add(self, rec: dict[str, Any]) -> bool: ...
    def note_path(self, path: str, sha256: str) -> None: ...
    def flush(self) -> None: ...
    def close(self) -> None: ...


def open_store(out: str | Path, commit_every: int = 8) -> Store:
    p = Path(out)
    p.parent.mkdir(parents=True, exist_ok=True)
    if p.suffix.lower() == ".parquet":
        return ParquetStore(p)
    return SQLiteStore(p, commit_every=commit_every)


_SQL_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL UNIQUE,
    path TEXT NOT NULL,
    suffix TEXT,
    size INTEGER,
    department TEXT,
    year INTEGER,
    scope TEXT,
    form TEXT,
    framework TEXT,
    budget_adjusted TEXT,            -- 万元, Decimal as text
    budget_executed TEXT,            -- 万元
    execution_rate TEXT,             -- percent as stated
    execution_rate_recomputed TEXT,  -- executed / adjusted × 100, 2 places half-up
    score_stated TEXT,
    score_recomputed TEXT,
    grade_stated TEXT,
    grade TEXT,
    n_errors INTEGER NOT NULL DEFAULT 0,
    n_warnings INTEGER NOT NULL DEFAULT 0,
    n_info INTEGER NOT NULL DEFAULT 0,
    error TEXT,                      -- one-line reason when the file could not be processed
    seconds REAL,                    -- processing time (not money)
    risk NUMERIC,                    -- 抽查 risk score, see jixiao.batch.RiskWeights
    processed_at TEXT
);
CREATE TABLE IF NOT EXISTS findings (
    id INTEGER PRIMARY KEY,
    report_id INTEGER NOT NULL REFERENCES reports(id) ON DELETE CASCADE,
    sha256 TEXT NOT NULL,
    code TEXT NOT NULL,
    severity TEXT NOT NULL,
    kind TEXT,
    message TEXT,
    path TEXT,
    stated TEXT,
    recomputed TEXT,
    line INTEGER
);
CREATE TABLE IF NOT EXISTS files (
    path TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (path, sha256)
);
CREATE INDEX IF NOT EXISTS findings_report ON findings(report_id);
CREATE INDEX IF NOT EXISTS findings_code ON findings(code);
CREATE INDEX IF NOT EXISTS reports_risk ON reports(risk);
CREATE VIEW IF NOT EXISTS ranking AS
    SELECT risk, path, department, year, n_errors, n_warnings, score_stated, score_recomputed,
           execution_rate, execution_rate_recomputed, error, sha256
    FROM reports ORDER BY risk DESC, path;
"""

RANK_FIELDS = ("risk", "path", "department", "year", "n_errors", "n_warnings", "score_stated",
               "score_recomputed", "execution_rate", "execution_rate_recomputed", "error", "sha256")


class SQLiteStore:
    """Results in SQLite: WAL, one short transaction every ``commit_every`` files (or second)."""

    def __init__(self, path: str | Path, commit_every: int = 8, commit_seconds: float = 1.0):
        self.path = Path(path)
        self.con = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
        self.con.execute("PRAGMA journal_mode=WAL")
        self.con.execute("PRAGMA synchronous=NORMAL")
        self.con.execute("PRAGMA foreign_keys=ON")
        self.con.executescript(_SQL_SCHEMA)
        self.con.execute("INSERT OR IGNORE INTO meta VALUES ('schema_version', ?)", (SCHEMA_VERSION,))
        self.commit_every = max(1, commit_every)
        self.commit_seconds = commit_seconds
        self._pending = 0
        self._since = time.monotonic()
        cols = ", ".join(REPORT_FIELDS)
        self._insert_report = (f"INSERT OR IGNORE INTO reports ({cols}) "
                               f"VALUES ({', '.join('?' * len(REPORT_FIELDS))})")
        fcols = ", ".join(FINDING_FIELDS)
        self._insert_finding = (f"INSERT INTO findings (report_id, {fcols}) "
                                f"VALUES (?, {', '.join('?' * len(FINDING_FIELDS))})")

    def lookup(self, sha256: str) -> Known | None:
        row = self.con.execute("SELECT error, n_errors, n_warnings FROM reports WHERE sha256 = ?",
                               (sha256,)).fetchone()
        return None if row is None else Known(bool(row[0]), row[1], row[2])

    def _begin(self) -> None:
        if not self.con.in_transaction:
            self.con.execute("BEGIN")
            self._since = time.monotonic()

    def add(self, rec: dict[str, Any]) -> bool:
        self._begin()
        cur = self.con.execute(self._insert_report, [rec.get(k) for k in REPORT_FIELDS])
        added = cur.rowcount == 1
        if added:
            rid = cur.lastrowid
            self.con.executemany(self._insert_finding, (
                [rid, rec["sha256"]] + [f.get(k) for k in FINDING_FIELDS[1:]] for f in rec.get("findings", ())))
        self._pending += 1
        if self._pending >= self.commit_every or time.monotonic() - self._since >= self.commit_seconds:
            self.flush()
        return added

    def note_path(self, path: str, sha256: str) -> None:
        self._begin()
        self.con.execute("INSERT OR IGNORE INTO files VALUES (?, ?)", (path, sha256))

    def flush(self) -> None:
        if self.con.in_transaction:
            self.con.execute("COMMIT")
        self._pending = 0

    def close(self) -> None:
        self.flush()
        self.con.close()


def _rank_row(d: dict[str, Any]) -> dict[str, Any]:
    if d.get("risk") is not None:
        d["risk"] = str(Decimal(str(d["risk"])).quantize(CENT))
    return d


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
        self.report_schema = pa.schema([(k, pa.int64() if k in _INT_FIELDS else
                                          pa.float64() if k == "seconds" else pa.string())
                                         for k in REPORT_FIELDS])
        self.finding_schema = pa.schema([(k, pa.int64() if k in _INT_FIELDS else pa.string())
                                          for k in FINDING_FIELDS])
        self.known: dict[str, Known] = {}
        for tmp in self.path.glob("*/*.tmp"):
            tmp.unlink()
        self._read_known()
        self._writers: dict[str, Any] = {}
        self._buf: dict[str, list[dict]] = {"reports": [], "findings": []}
        self._run = time.strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:6]
        self.journal_path = self.path / "_journal.jsonl"
        self._recover_journal()
        self.journal = open(self.journal_path, "a", encoding="utf-8")  # noqa: SIM115

    def _read_known(self) -> None:
        import pyarrow.parquet as pq

        for part in sorted((self.path / "reports").glob("*.parquet")):
            t = pq.read_table(part, columns=["sha256", "error", "n_errors", "n_warnings"])
            for sha, err, ne, nw in zip(*(t.column(i).to_pylist() for i in range(4)), strict=True):
                self.known[sha] = Known(bool(err), ne or 0, nw or 0)

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
        self.known[sha] = Known(bool(rec.get("error")), rec.get("n_errors") or 0, rec.get("n_warnings") or 0)
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

        for name, schema in (("reports", self.report_schema), ("findings", self.finding_schema)):
            rows = self._buf[name]
            if not rows:
                continue
            w = self._writers.get(name)
            if w is None:
                tmp = self.path / name / f"part-{self._run}.parquet.tmp"
                w = self._writers[name] = pq.ParquetWriter(str(tmp), schema, compression="zstd")
            w.write_table(self.pa.Table.from_pylist(rows, schema=schema))
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


def _iter_parquet(folder: Path, columns: Iterable[str]) -> Iterator[dict[str, Any]]:
    import pyarrow.parquet as pq

    cols = list(columns)
    for part in sorted(folder.glob("*.parquet")):
        f = pq.ParquetFile(part)
        for batch in f.iter_batches(columns=cols, batch_size=1024):
            yield from batch.to_pylist()


# --------------------------------------------------------------------------- the run


class Progress(Protocol):
    def start(self, total: int | None) -> None: ...
    def advance(self, rec: dict[str, Any] | None) -> None: ...
    def stop(self) -> None: ...


@dataclass
class BatchStats:
    """What one run did; ``exit_code`` follows the CLI convention over every input of the run."""

    out: str = ""
    seen: int = 0
    processed: int = 0
    skipped: int = 0  # content already in the output
    duplicates: int = 0  # same content as another file of this run
    unreadable: int = 0  # inputs (this run or stored earlier) that could not be read
    missing: list[str] = field(default_factory=list)
    with_errors: int = 0  # inputs with findings at/above --fail-on
    crashed_workers: int = 0
    seconds: float = 0.0
    interrupted: bool = False

    @property
    def files_per_second(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0

    @property
    def exit_code(self) -> int:
        if self.unreadable or self.missing:
            return 2
        return 1 if self.with_errors else 0

    def to_json(self) -> dict[str, Any]:
        return {"out": self.out, "seen": self.seen, "processed": self.processed, "skipped": self.skipped,
                "duplicates": self.duplicates, "unreadable": self.unreadable, "missing": self.missing,
                "with_errors": self.with_errors, "crashed_workers": self.crashed_workers,
                "seconds": round(self.seconds, 3), "files_per_second": round(self.files_per_second, 2),
                "interrupted": self.interrupted, "exit_code": self.exit_code}


FAIL_ON = ("error", "warning", "never")


def _fails(known: Known, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    return known.n_errors > 0 or (fail_on == "warning" and known.n_warnings > 0)


def run_batch(paths: Iterable[str | Path], out: str | Path, *, jobs: int | None = None,
              engine: str = "local", scheduler: str | None = None,
              fn: Callable[..., dict] = process_file, progress: Progress | None = None,
              on_error: Callable[[str, str], None] | None = None,
              timeout: float | None = 300.0, max_inflight: int | None = None, commit_every: int = 8,
              weights: RiskWeights = RiskWeights(), fail_on: str = "error", send_bytes: bool = False,
              dask_processes: bool = True, dask_chunk: int | None = None, count_first: bool = True) -> BatchStats:
    """Process every input file into ``out`` (SQLite ``.db`` or Parquet ``.parquet``).

    ``fn(path[, data=bytes]) -> record`` is the per-file function (default
    :func:`process_file`); it must be a picklable top-level function. At most
    ``max_inflight`` (default 4 × jobs) files are submitted and not yet stored.
    """
    paths = list(paths)
    jobs = max(1, jobs or os.cpu_count() or 1)
    max_inflight = max_inflight or 4 * jobs
    stats = BatchStats(out=str(out))
    store = open_store(out, commit_every=commit_every)
    if progress is not None:
        progress.start(count_inputs(paths) if count_first else None)
    t0 = time.perf_counter()
    inflight: set[str] = set()

    def candidates() -> Iterator[tuple[str, str]]:
        """Hash each input; yield the ones to process, account for the others."""
        for path in iter_inputs(paths):
            stats.seen += 1
            try:
                if os.path.exists(path) and not os.path.isfile(path):  # a FIFO or device would block
                    raise IsADirectoryError(0, "")
                sha = file_sha256(path)
            except OSError as exc:
                if isinstance(exc, FileNotFoundError):
                    reason = "文件不存在 (file not found)"
                elif isinstance(exc, IsADirectoryError):
                    reason = "不是普通文件 (not a regular file)"
                else:
                    reason = f"无法读取 ({exc.strerror or exc})"
                stats.missing.append(path)
                if on_error:
                    on_error(path, reason)
                if progress:
                    progress.advance({"path": path, "error": reason})
                continue
            store.note_path(path, sha)
            known = store.lookup(sha)
            if known is not None or sha in inflight:
                if known is None:
                    stats.duplicates += 1
                else:
                    stats.skipped += 1
                    stats.unreadable += known.error
                    stats.with_errors += _fails(known, fail_on)
                if progress:
                    progress.advance(None)
                continue
            yield path, sha

    def store_result(rec: dict[str, Any], sha: str) -> None:
        inflight.discard(sha)
        rec["risk"] = str(risk_score(rec, weights))
        rec["processed_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        if store.add(rec):
            stats.processed += 1
            if rec.get("error"):
                stats.unreadable += 1
                if on_error:
                    on_error(rec["path"], rec["error"])
            stats.with_errors += _fails(Known(bool(rec.get("error")), rec.get("n_errors") or 0,
                                              rec.get("n_warnings") or 0), fail_on)
        else:
            stats.duplicates += 1
        if progress:
            progress.advance(rec)

    try:
        if engine == "local":
            _run_local(candidates(), fn, jobs, max_inflight, timeout, inflight, store_result, stats)
        elif engine == "dask":
            _run_dask(candidates(), fn, jobs, max_inflight, timeout, inflight, store_result, scheduler,
                      send_bytes, dask_processes, dask_chunk)
        else:
            raise ValueError(f"unknown engine {engine!r} (local or dask)")
    except KeyboardInterrupt:
        stats.interrupted = True
    finally:
        stats.seconds = time.perf_counter() - t0
        store.close()
        if progress:
            progress.stop()
    return stats


def _crash_record(path: str, sha: str) -> dict[str, Any]:
    rec = empty_record(path, sha)
    rec["error"] = "处理时工作进程崩溃 (worker process crashed)"
    return rec


#: Imported once in the fork server, so every worker (and every replacement after a crash)
#: starts with the pipeline loaded instead of importing it again.
PRELOAD = ("jixiao.batch", "jixiao.pipeline", "jixiao.extract", "jixiao.scoring", "jixiao.audit",
           "jixiao.evalfile", "jixiao.ingest.text", "jixiao.ingest.docx", "jixiao.ingest.pdf",
           "jixiao.ingest.html", "jixiao.ingest.xlsx")


_PRELOAD_ENV = "JIXIAO_BATCH_PRELOAD"


def _preload_pipeline() -> None:
    """Import the pipeline in the fork server. A module that fails to import is skipped (each file
    then records the failure as its error) instead of killing the server."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # recorded per file later
            continue


def _new_pool(jobs: int) -> ProcessPoolExecutor:
    ctx = multiprocessing.get_context("forkserver")
    # The fork server imports only this module (it cannot fail); the environment variable, seen
    # while the server starts, makes that import preload the pipeline with errors caught.
    ctx.set_forkserver_preload(["jixiao.batch"])
    saved = os.environ.get(_PRELOAD_ENV)
    os.environ[_PRELOAD_ENV] = "1"
    try:
        forkserver.ensure_running()
    finally:
        if saved is None:
            os.environ.pop(_PRELOAD_ENV, None)
        else:
            os.environ[_PRELOAD_ENV] = saved
    return ProcessPoolExecutor(max_workers=jobs, mp_context=ctx, initializer=_worker_init)


#: Seconds beyond the per-file timeout before the driver kills a worker that ignores the alarm.
WATCHDOG_MARGIN = 30.0


def _kill_workers(pool: ProcessPoolExecutor) -> None:
    """Last resort against a file stuck in C code (no signal gets through): kill the pool's processes."""
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.kill()


def _run_local(items: Iterator[tuple[str, str]], fn: Callable, jobs: int, max_inflight: int,
               timeout: float | None, inflight: set[str], store_result: Callable, stats: BatchStats) -> None:
    pool = _new_pool(jobs)
    pending: dict[Any, tuple[str, str, float]] = {}
    suspects: list[tuple[str, str]] = []
    # The per-file alarm normally stops a slow file; this watchdog covers one that ignores it.
    # A future's age counts its time in the queue too, hence the generous bound.
    hard_limit = None if not timeout else timeout * (-(-max_inflight // jobs) + 1) + WATCHDOG_MARGIN

    def step() -> None:
        """Wait for some results and store them; a crashed pool leaves its files in ``suspects``."""
        done, _ = wait(pending, timeout=min(5.0, hard_limit or 5.0), return_when=FIRST_COMPLETED)
        if not done and hard_limit and time.monotonic() - min(t for _, _, t in pending.values()) > hard_limit:
            _kill_workers(pool)
        for fut in done:
            path, sha, _ = pending.pop(fut)
            try:
                rec = fut.result()
            except BrokenProcessPool:
                suspects.append((path, sha))
                continue
            store_result(rec, sha)

    def isolate() -> ProcessPoolExecutor:
        """After a crash: replace the pool, rerun each file that was in flight on its own."""
        nonlocal pool
        pool.shutdown(wait=False, cancel_futures=True)
        stats.crashed_workers += 1
        while suspects:
            path, sha = suspects.pop()
            pool = _new_pool(1)
            try:
                rec = pool.submit(run_one, fn, path, sha, timeout).result(
                    timeout=None if not timeout else timeout + WATCHDOG_MARGIN)
            except BrokenProcessPool:
                rec = _crash_record(path, sha)
            except FuturesTimeout:
                _kill_workers(pool)
                rec = empty_record(path, sha)
                rec["error"] = f"处理超时，超过 {timeout:g} 秒，工作进程已终止 (timed out, worker killed)"
            pool.shutdown(wait=False, cancel_futures=True)
            store_result(rec, sha)
        return _new_pool(jobs)

    try:
        for path, sha in items:
            while len(pending) >= max_inflight:
                step()
                if suspects and not pending:
                    pool = isolate()
            inflight.add(sha)
            try:
                fut = pool.submit(run_one, fn, path, sha, timeout)
            except BrokenProcessPool:
                suspects.append((path, sha))
                while pending:
                    step()
                pool = isolate()
                continue
            pending[fut] = (path, sha, time.monotonic())
        while pending or suspects:
            if pending:
                step()
            if suspects and not pending:
                pool = isolate()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


def run_chunk(fn: Callable[..., dict], items: list[tuple[str, str, bytes | None]],
              timeout: float | None = None) -> list[dict[str, Any]]:
    """Several files in one task (Dask): one scheduler round trip per chunk instead of per file."""
    return [run_one(fn, path, sha, timeout, data) for path, sha, data in items]


#: Files per Dask task. The client and scheduler cost a few milliseconds of driver CPU per task,
#: which is a fifth of a report's own cost; chunks of 8 make that negligible.
DASK_CHUNK = 8


def _run_dask(items: Iterator[tuple[str, str]], fn: Callable, jobs: int, max_inflight: int,
              timeout: float | None, inflight: set[str], store_result: Callable, scheduler: str | None,
              send_bytes: bool, processes: bool, chunk: int | None = None) -> None:
    from distributed import Client, LocalCluster, as_completed

    chunk = max(1, chunk or DASK_CHUNK)
    max_tasks = max(jobs + 1, max_inflight // chunk)  # in flight: at most max_tasks × chunk files
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=jobs, threads_per_worker=1, processes=processes,
                               dashboard_address=":0", silence_logs=40)
        client = Client(cluster)
    try:
        ac = as_completed(with_results=False)
        meta: dict[str, list[tuple[str, str]]] = {}

        def submit(batch_items: list[tuple[str, str]]) -> None:
            payload = [(path, sha, Path(path).read_bytes() if send_bytes else None) for path, sha in batch_items]
            inflight.update(sha for _, sha in batch_items)
            fut = client.submit(run_chunk, fn, payload, timeout, pure=False,
                                key=f"jixiao-{batch_items[0][1][:16]}-{uuid.uuid4().hex[:8]}")
            meta[fut.key] = batch_items
            ac.add(fut)

        it = iter(items)

        def next_chunk() -> list[tuple[str, str]]:
            return [x for _, x in zip(range(chunk), it, strict=False)]

        for _ in range(max_tasks):
            c = next_chunk()
            if not c:
                break
            submit(c)
        for fut in ac:
            batch_items = meta.pop(fut.key)
            try:
                recs = fut.result()
            except Exception as exc:  # KilledWorker and friends
                fut.release()
                if len(batch_items) > 1:  # find the culprit: each file of the chunk on its own
                    for item in batch_items:
                        submit([item])
                    continue
                path, sha = batch_items[0]
                rec = empty_record(path, sha)
                rec["error"] = f"处理时工作进程崩溃 ({type(exc).__name__})"
                recs = [rec]
            fut.release()
            for (_, sha), rec in zip(batch_items, recs, strict=True):
                store_result(rec, sha)
            c = next_chunk()
            if c:
                submit(c)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


# --------------------------------------------------------------------------- summary by department type / region


def summarize(out: str | Path, depth: int = 3, top_codes: int = 3) -> list[dict[str, Any]]:
    """Rows by (单位类型, 地区): reports, mean score, unreadable, reports with errors, top finding codes.

    Streams the stored reports; memory grows with the number of departments, not reports.
    """
    from jixiao.audit.scoring import PARTIAL_CODE
    from jixiao.scoring.engine import Partial

    p = Path(out)
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    dept_key: dict[str | None, tuple[str, str]] = {}

    def key_of(dept: str | None) -> tuple[str, str]:
        if dept not in dept_key:
            dept_key[dept] = (dept_type(dept), region_of(dept, depth))
        return dept_key[dept]

    def group(dept: str | None) -> dict[str, Any]:
        k = key_of(dept)
        if k not in groups:
            groups[k] = {"type": k[0], "region": k[1], "reports": 0, "scored": 0, "score_sum": Decimal(0),
                         "unreadable": 0, "with_errors": 0, "codes": Counter(), "partial": Partial.tally()}
        return groups[k]

    if p.suffix.lower() == ".parquet":
        sha_dept: dict[str, str | None] = {}
        for r in _iter_parquet(p / "reports", ("sha256", "department", "score_recomputed", "score_stated",
                                               "n_errors", "error")):
            sha_dept[r["sha256"]] = r["department"]
            _account(group(r["department"]), r)
        for f in _iter_parquet(p / "findings", ("sha256", "code", "severity", "recomputed")):
            if f["severity"] in ("error", "warning"):
                group(sha_dept.get(f["sha256"]))["codes"][f["code"]] += 1
            elif f["code"] == PARTIAL_CODE:
                group(sha_dept.get(f["sha256"]))["partial"].add(f["recomputed"])
    else:
        if not p.exists():
            raise FileNotFoundError(str(p))
        con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
        try:
            cols = ("department", "score_recomputed", "score_stated", "n_errors", "error")
            for row in con.execute(f"SELECT {', '.join(cols)} FROM reports"):
                r = dict(zip(cols, row, strict=True))
                _account(group(r["department"]), r)
            for dept, code, n in con.execute(
                    "SELECT r.department, f.code, COUNT(*) FROM findings f JOIN reports r ON r.id = f.report_id "
                    "WHERE f.severity IN ('error', 'warning') GROUP BY r.department, f.code"):
                group(dept)["codes"][code] += n
            for dept, text in con.execute("SELECT r.department, f.recomputed FROM findings f JOIN reports r "
                                          "ON r.id = f.report_id WHERE f.code = ?", (PARTIAL_CODE,)):
                group(dept)["partial"].add(text)
        finally:
            con.close()
    rows = []
    for g in sorted(groups.values(), key=lambda g: (-g["reports"], g["type"], g["region"])):
        mean = (g["score_sum"] / g["scored"]).quantize(CENT, ROUND_HALF_UP) if g["scored"] else None
        rows.append({"type": g["type"], "region": g["region"], "reports": g["reports"],
                     "mean_score": None if mean is None else str(mean), "unreadable": g["unreadable"],
                     "with_errors": g["with_errors"], "top_codes": g["codes"].most_common(top_codes),
                     "partial": g["partial"].to_json()})
    return rows


def _account(g: dict[str, Any], r: dict[str, Any]) -> None:
    g["reports"] += 1
    if r.get("error"):
        g["unreadable"] += 1
        return
    score = _dec(r.get("score_recomputed"))
    if score is None:
        score = _dec(r.get("score_stated"))
    if score is not None:
        g["scored"] += 1
        g["score_sum"] += score
    if (r.get("n_errors") or 0) > 0:
        g["with_errors"] += 1


def top_risks(out: str | Path, n: int = 20) -> list[dict[str, Any]]:
    """The ``n`` riskiest reports of an output (SQLite or Parquet), for 抽查复核."""
    p = Path(out)
    if p.suffix.lower() == ".parquet":
        best = heapq.nlargest(n, _iter_parquet(p / "reports", RANK_FIELDS),
                              key=lambda r: (Decimal(r["risk"] or 0), r["path"]))
        return [_rank_row(r) for r in best]
    con = sqlite3.connect(f"file:{p}?mode=ro", uri=True)
    try:
        rows = con.execute(f"SELECT {', '.join(RANK_FIELDS)} FROM ranking LIMIT ?", (n,))
        return [_rank_row(dict(zip(RANK_FIELDS, r, strict=True))) for r in rows]
    finally:
        con.close()


if os.environ.get(_PRELOAD_ENV) == "1":  # we are the batch's fork server starting up
    _preload_pipeline()
