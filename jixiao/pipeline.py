"""The whole pipeline for one input: load → (ingest → extract) → score → check.

This is the single per-file function that the CLI, the batch engine and the
web layer all call, so a report is processed the same way everywhere.
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jixiao.ingest import Document, IngestError, read
from jixiao.model import Evaluation, Finding
from jixiao.workers import Limits

EVALUATION_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class Analysis:
    """What the pipeline learnt about one file."""

    path: str
    sha256: str
    evaluation: Evaluation | None = None
    document: Document | None = None
    score: Any = None  # jixiao.scoring.ScoreResult
    figures: Any = None  # jixiao.figures.FigureIndex: every number of the document, built once, shared
    findings: list[Finding] = field(default_factory=list)
    error: str | None = None  # one-line reason when the file could not be read

    def to_json(self) -> dict[str, Any]:
        from jixiao.extract import evaluation_to_json

        out: dict[str, Any] = {"file": self.path, "sha256": self.sha256}
        if self.error:
            out["error"] = self.error
            return out
        if self.evaluation is not None:
            out["evaluation"] = evaluation_to_json(self.evaluation)
        if self.score is not None:
            out["score"] = self.score.to_json()
        out["findings"] = [f.to_json() for f in self.findings]
        return out


def load(path: str | Path, **opts: Any) -> tuple[Evaluation, Document | None]:
    """An evaluation from any input: an evaluation file (YAML/JSON), a filled 填报模板 workbook,
    or a report that the extractor reads. Raises IngestError (one-line reason) when unreadable."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in EVALUATION_SUFFIXES:
        from jixiao.evalfile import load_evaluation_file

        return load_evaluation_file(p), None
    if suffix == ".xlsx":
        from jixiao.render.template_reader import is_template, read_template

        if is_template(p):
            return read_template(p), None
    from jixiao.extract import extract

    doc = read(p, **opts)
    return extract(doc), doc


def read_limits() -> Limits:
    """The budget of one bounded read: ``JIXIAO_READ_SECONDS`` (default 300) and ``JIXIAO_READ_MEMORY_MB``
    (default 2048 MiB above the reading process's own size; 0 lifts the memory cap)."""
    try:
        seconds = float(os.environ.get("JIXIAO_READ_SECONDS") or 300)
        memory = int(float(os.environ.get("JIXIAO_READ_MEMORY_MB") or 2048))
    except ValueError:
        seconds, memory = 300.0, 2048
    return Limits(seconds=seconds if seconds > 0 else 300.0, memory_mb=memory if memory > 0 else None)


def load_limited(path: str | Path, *, limits: Limits | None = None, **opts: Any) -> tuple[Evaluation, Document | None]:
    """:func:`load` in a child process within a time and memory budget (:mod:`jixiao.workers`).

    The readers check their limits before a library expands anything; this is the bound for what
    no limit foresees (a parser stuck on a crafted file, an extractor pass that runs away). The
    end of the budget becomes the one-line reason of an :class:`IngestError` naming the limit.
    """
    from jixiao.workers import WorkerError, WorkerMemory, WorkerTimeout, run_limited

    limits = limits or read_limits()
    try:
        return run_limited(_load_quietly, str(path), opts, limits=limits)
    except WorkerTimeout:
        reason = f"读取超时，超过 {limits.seconds:g} 秒上限 (reading time limit, JIXIAO_READ_SECONDS)"
    except WorkerMemory:
        reason = f"读取超出内存上限 {limits.memory_mb} MB (reading memory limit, JIXIAO_READ_MEMORY_MB)"
    except WorkerError as exc:
        reason = f"读取进程异常退出：{exc} (reader process crashed)"
    raise IngestError(path, reason)


def _load_quietly(path: str, opts: dict[str, Any]) -> tuple[Evaluation, Document | None]:
    """:func:`load` with library warnings captured (the CLI prints only its own one-line errors)."""
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        return load(path, **opts)


def analyse(path: str | Path, framework: str | None = None, *, data: bytes | None = None,
            check_options: dict | None = None, **opts: Any) -> Analysis:
    """Load, score and check one file; never raises for a bad input (the error is recorded).

    With ``data`` the bytes are analysed under the name ``path`` (an upload): reports go
    straight to the reader; evaluation files and 填报模板 workbooks, which are read from a
    path, are written to a private temporary file first, and errors still name ``path``.
    """
    p = Path(path)
    raw = data if data is not None else _read_bytes_safely(p)
    sha = hashlib.sha256(raw or b"").hexdigest()
    try:
        if data is None:
            evaluation, doc = load(p, **opts)
        elif p.suffix.lower() in EVALUATION_SUFFIXES + (".xlsx",):
            evaluation, doc = _load_bytes_via_file(p, data, **opts)
        else:
            from jixiao.extract import extract
            from jixiao.ingest import read_bytes

            doc = read_bytes(data, str(path), **opts)
            evaluation = extract(doc)
    except IngestError as exc:
        return Analysis(path=str(path), sha256=sha, error=exc.reason)
    except ValueError as exc:  # evaluation-file validation errors carry file and line
        return Analysis(path=str(path), sha256=sha, error=str(exc))
    from jixiao.audit import check
    from jixiao.scoring import score_evaluation

    index = figure_index(doc)
    result = score_evaluation(evaluation, framework)
    findings = check(evaluation, doc, framework=framework, score_result=result, index=index,
                     **(check_options or {}))
    return Analysis(path=str(path), sha256=sha, evaluation=evaluation, document=doc, score=result,
                    figures=index, findings=findings)


def figure_index(doc: Document | None) -> Any:
    """The document's figure index (:mod:`jixiao.figures`), built once and shared by the checks."""
    if doc is None:
        return None
    from jixiao.figures import build_index

    return build_index(doc)


def _load_bytes_via_file(p: Path, data: bytes, **opts: Any) -> tuple[Evaluation, Document | None]:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="jixiao-") as tmp:
        path = Path(tmp) / f"upload{p.suffix.lower()}"
        path.write_bytes(data)
        try:
            return load(path, **opts)
        except IngestError as exc:
            raise IngestError(p, exc.reason.replace(str(path), str(p))) from None


def _read_bytes_safely(p: Path) -> bytes:
    try:
        if p.stat().st_size > 256 * 1024 * 1024:
            return b""
        return p.read_bytes()
    except OSError:
        return b""
