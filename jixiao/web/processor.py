"""Heavy work of the workbench in bounded worker processes (:class:`jixiao.workers.JobQueue`).

Two pools share the machine: ``analysis`` works through the uploads in the background (several
workers, fair between uploaders, each file within a time and memory limit); ``interactive`` runs what a
person waits for (an export, a 填报 import) so it never queues behind a batch. Nothing heavy runs in
the server process or on its event loop.

Uploads are queued in the database: a restart picks up what was left, those interrupted fewer times
first, and gives up on a file that was being processed when the server stopped too often.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from typing import Any

from jixiao.store import Store
from jixiao.web import jobs
from jixiao.web.budget import OfficeBudget
from jixiao.workers import JobQueue, Limits, WorkerCrashed, WorkerError, WorkerMemory, WorkerTimeout

log = logging.getLogger("jixiao.web")


def worker_error(exc: WorkerError, what: str, limits: Limits) -> str:
    """A worker's failure as one line for the person waiting."""
    if isinstance(exc, WorkerTimeout):
        return f"{what}超时（超过 {limits.seconds:g} 秒），已停止"
    if isinstance(exc, WorkerMemory):
        return f"{what}超出内存上限（{limits.memory_mb} MB），已停止"
    if isinstance(exc, WorkerCrashed):
        return f"{what}进程异常退出，已停止"
    return f"{what}失败：{exc}"


class Processor:
    def __init__(self, store: Store, workers: int = 2, *, isolate: bool = True, timeout: float = 300.0,
                 memory_mb: int | None = 1536, interactive_timeout: float = 120.0,
                 budget: OfficeBudget = OfficeBudget(), max_attempts: int = 2):
        self.store = store
        self.workers = max(1, workers)
        self.isolate = isolate
        self.timeout = timeout
        self.limits = Limits(timeout, memory_mb)
        self.interactive_limits = Limits(interactive_timeout, memory_mb)
        self.budget = budget
        self.max_attempts = max_attempts
        self._analysis: JobQueue | None = None
        self._interactive: JobQueue | None = None
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._outstanding = 0

    # -- lifecycle -------------------------------------------------------------------------------------
    def _pool(self, workers: int, limits: Limits, name: str, max_per_tenant: int | None = None) -> JobQueue:
        return JobQueue(workers, limits=limits, preload=jobs.PRELOAD, isolate=self.isolate, name=name,
                    max_per_tenant=max_per_tenant)

    def start(self) -> None:
        """Start the analysis workers and queue what the database still holds."""
        with self._lock:
            if self._analysis is not None:
                return
            self._analysis = self._pool(self.workers, self.limits, "jixiao-analysis")
        for report_id, uploader in self.store.pending_reports(self.max_attempts):
            self.submit(report_id, uploader)

    def stop(self) -> None:
        with self._lock:
            pools = [p for p in (self._analysis, self._interactive) if p is not None]
            self._analysis = self._interactive = None
            self._outstanding = 0
            self._idle.notify_all()
        for pool in pools:
            pool.close()

    def wait(self) -> None:
        """Block until every queued upload has been processed (tests, ``--demo``)."""
        with self._idle:
            while self._outstanding:
                self._idle.wait()

    # -- uploads ---------------------------------------------------------------------------------------
    def submit(self, report_id: int, uploader: int | None = None) -> None:
        """Queue a stored upload (it stays queued in the database when the workers are not running)."""
        with self._lock:
            pool = self._analysis
            if pool is None:
                return
            self._outstanding += 1
        future = pool.schedule(lambda run: self.process(report_id, run), tenant=uploader)
        future.add_done_callback(self._done)

    def _done(self, future: Any) -> None:
        if not future.cancelled() and future.exception() is not None:
            log.error("processing failed: %s", future.exception())
        with self._idle:
            self._outstanding = max(0, self._outstanding - 1)
            if not self._outstanding:
                self._idle.notify_all()

    def process(self, report_id: int, run: Callable[..., Any]) -> None:
        """One upload, in a slot of the analysis pool: read it, analyse it in a worker, store the result."""
        got = self.store.start_processing(report_id)
        if got is None:
            return
        name, data = got
        try:
            result, text = run(jobs.analyse_upload, name, data or b"", self.budget)
        except WorkerError as exc:
            self.store.set_status(report_id, "error", worker_error(exc, "处理", self.limits))
            return
        except Exception as exc:  # pragma: no cover - analyse_bytes turns errors into results
            from jixiao.web.services import one_line

            self.store.set_status(report_id, "error", f"分析失败：{one_line(exc)}")
            return
        if result.get("error"):
            self.store.set_status(report_id, "error", result["error"])
            return
        self.store.save_analysis(report_id, result, text_=text)

    # -- interactive jobs ------------------------------------------------------------------------------
    async def run(self, fn: Callable[..., Any], *args: Any, tenant: Any = None) -> Any:
        """``fn(*args)`` in an interactive worker, awaited without holding the event loop or a thread.

        Raises :class:`jixiao.workers.WorkerError` subclasses (see :func:`worker_error`).
        """
        with self._lock:
            if self._interactive is None:
                self._interactive = self._pool(2, self.interactive_limits, "jixiao-interactive", max_per_tenant=1)
            pool = self._interactive
        return await asyncio.wrap_future(pool.submit(fn, *args, tenant=tenant))
