"""The per-file runner: one file → one compact, picklable record, never an exception.

:func:`process_file` is the batch's one per-file function (``jixiao.pipeline.analyse``
reduced to plain ``str``/``int`` values, the fields of :data:`jixiao.batch.schema.REPORT_FIELDS`
plus a ``findings`` list); :func:`run_one` wraps any such function as the engines call it in
their worker processes: a bad file, or a bug, becomes a record with ``error`` set. Time and
memory are bounded by the worker processes themselves (:class:`jixiao.workers.Pool`), not here.

Money, rates and scores are carried as ``Decimal`` strings end to end.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from jixiao.batch.schema import REPORT_FIELDS
from jixiao.ingest import MAX_FILE_BYTES

#: Test hook only: seconds each worker sleeps before a file (lets a test kill a run halfway).
TEST_DELAY_ENV = "JIXIAO_BATCH_TEST_DELAY"

CENT = Decimal("0.01")


def to_decimal(value: Any) -> Decimal | None:
    """A stored value as Decimal (None when empty or not a number)."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    try:
        return Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None


def _s(value: Any) -> str | None:
    d = to_decimal(value)
    return None if d is None else str(d)


def empty_record(path: str, sha256: str = "") -> dict[str, Any]:
    rec: dict[str, Any] = dict.fromkeys(REPORT_FIELDS)
    rec.update(sha256=sha256, path=str(path), suffix=os.path.splitext(str(path))[1].lower(),
               n_errors=0, n_warnings=0, n_info=0, findings=[])
    return rec


def error_record(path: str, sha256: str, reason: str) -> dict[str, Any]:
    rec = empty_record(path, sha256)
    rec["error"] = reason
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
        rec["self_score"] = _s(ev.score.total)
        rec["grade_stated"] = ev.score.grade
    sc = a.score
    if sc is not None:
        total = getattr(sc, "total", None)
        grade = getattr(sc, "grade", None)
        framework = getattr(sc, "framework", None)
        if total is None and hasattr(sc, "to_json"):
            js = sc.to_json()
            total, grade, framework = js.get("total"), js.get("grade"), js.get("framework")
        rec["score_total"] = _s(total)
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


def process_file(path: str, data: bytes | None = None, framework: str | None = None) -> dict[str, Any]:
    """The batch's per-file function: analyse one file, return a compact picklable record.

    Never raises for a bad input: the record's ``error`` holds the one-line reason.
    ``data`` lets a driver send the bytes (Dask workers that cannot see the path); ``framework``
    scores every file under that framework instead of the one detected.
    """
    rec = empty_record(path)
    try:
        if data is None:
            size = os.stat(path).st_size
            if size > MAX_FILE_BYTES:
                from jixiao.batch.walk import file_sha256

                rec.update(sha256=file_sha256(path), size=size,
                           error=f"文件过大 {size / 1048576:.0f} MB，上限 {MAX_FILE_BYTES // 1048576} MB (file too large)")
                return rec
            data = Path(path).read_bytes()
        rec["sha256"] = hashlib.sha256(data).hexdigest()
        rec["size"] = len(data)
        from jixiao.pipeline import analyse

        out = record_from_analysis(analyse(path, framework, data=data))
        out["sha256"], out["size"] = rec["sha256"], rec["size"]
        return out
    except MemoryError:
        rec["error"] = "内存不足，文件可能是压缩炸弹 (out of memory)"
    except RecursionError:
        rec["error"] = "结构嵌套过深 (nesting too deep)"
    except OSError as exc:
        rec["error"] = f"无法读取 ({exc.strerror or exc})"
    except Exception as exc:  # a pipeline bug must not stop the batch: record it
        rec["error"] = f"处理出错 ({type(exc).__name__}: {str(exc)[:200]})"
    return rec


def run_one(fn: Callable[..., dict], path: str, sha256: str, data: bytes | None = None) -> dict[str, Any]:
    """Call the per-file function as a worker does: never raises, stamps the hash and the seconds taken."""
    delay = os.environ.get(TEST_DELAY_ENV)
    if delay:
        time.sleep(float(delay))
    t0 = time.perf_counter()
    try:
        rec = fn(path) if data is None else fn(path, data=data)
    except Exception as exc:
        rec = error_record(path, sha256, f"处理出错 ({type(exc).__name__}: {str(exc)[:200]})")
    rec.setdefault("findings", [])
    if not rec.get("sha256"):
        rec["sha256"] = sha256
    rec["seconds"] = round(time.perf_counter() - t0, 4)
    return rec


def run_chunk(fn: Callable[..., dict], items: list[tuple[str, str, bytes | None]]) -> list[dict[str, Any]]:
    """Several files in one task (Dask): one scheduler round trip per chunk instead of per file."""
    return [run_one(fn, path, sha, data) for path, sha, data in items]
