"""The driver of a batch run: walk and hash the inputs, skip what the output holds, run the rest, store.

Resumability: the driver hashes every file before submitting it; a content hash already
in the output is skipped. Only a bounded number of files is in flight, so memory stays
flat however many files there are, and killing the run loses at most those files (plus
the last few uncommitted SQLite rows). A bad file is a recorded error, never an
exception. The driver alone writes the output.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from jixiao.batch.engines import run_dask, run_local
from jixiao.batch.risk import RiskWeights, risk_score
from jixiao.batch.runner import process_file
from jixiao.batch.store import Known, known_of, open_store
from jixiao.batch.walk import count_inputs, file_sha256, iter_inputs
from jixiao.workers import Limits


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


#: ``--fail-on``: the lowest severity that makes the exit code 1 (``never``: findings never do).
FAIL_ON = ("error", "warning", "info", "never")


def fails(known: Known, fail_on: str) -> bool:
    if fail_on == "never":
        return False
    counts = (known.n_errors, known.n_warnings, known.n_info)[:FAIL_ON.index(fail_on) + 1]
    return any(n > 0 for n in counts)


def _unreachable(exc: OSError) -> str:
    if isinstance(exc, FileNotFoundError):
        return "文件不存在 (file not found)"
    if isinstance(exc, IsADirectoryError):
        return "不是普通文件 (not a regular file)"
    return f"无法读取 ({exc.strerror or exc})"


def run_batch(paths: Iterable[str | Path], out: str | Path, *, jobs: int | None = None,
              engine: str = "local", scheduler: str | None = None,
              fn: Callable[..., dict] = process_file, progress: Progress | None = None,
              on_error: Callable[[str, str], None] | None = None,
              timeout: float | None = 300.0, memory_mb: int | None = Limits().memory_mb,
              max_inflight: int | None = None, commit_every: int = 8,
              weights: RiskWeights = RiskWeights(), fail_on: str = "error", send_bytes: bool = False,
              dask_processes: bool = True, dask_chunk: int | None = None, count_first: bool = True) -> BatchStats:
    """Process every input file into ``out`` (SQLite ``.db`` or Parquet ``.parquet``).

    ``fn(path[, data=bytes]) -> record`` is the per-file function (default
    :func:`~jixiao.batch.runner.process_file`); it must be a picklable top-level function. At most
    ``max_inflight`` (default 4 × jobs) files are submitted and not yet stored. The local engine
    bounds each file by ``timeout`` seconds and each worker by ``memory_mb`` MiB beyond its start.
    """
    if engine not in ("local", "dask"):
        raise ValueError(f"unknown engine {engine!r} (local or dask)")
    if fail_on not in FAIL_ON:
        raise ValueError(f"unknown fail-on level {fail_on!r} ({', '.join(FAIL_ON)})")
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
                reason = _unreachable(exc)
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
                    stats.with_errors += fails(known, fail_on)
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
            stats.with_errors += fails(known_of(rec), fail_on)
        else:
            stats.duplicates += 1
        if progress:
            progress.advance(rec)

    def crashed() -> None:
        stats.crashed_workers += 1

    try:
        if engine == "local":
            run_local(candidates(), fn, jobs=jobs, max_inflight=max_inflight, timeout=timeout,
                      memory_mb=memory_mb, inflight=inflight, store_result=store_result, on_crash=crashed)
        else:
            run_dask(candidates(), fn, jobs=jobs, max_inflight=max_inflight, inflight=inflight,
                     store_result=store_result, scheduler=scheduler, send_bytes=send_bytes,
                     processes=dask_processes, chunk=dask_chunk)
    except KeyboardInterrupt:
        stats.interrupted = True
    finally:
        stats.seconds = time.perf_counter() - t0
        store.close()
        if progress:
            progress.stop()
    return stats
