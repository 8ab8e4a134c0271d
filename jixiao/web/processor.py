"""Background processing of uploads: a queue and a few worker threads.

Each queued report is analysed on its own; a failure marks that report with its
one-line error and the worker moves on to the next. With ``isolate=True`` (what
``jixiao serve`` uses) the analysis runs in child processes, so a slow or crashing
parser neither holds the server's GIL nor takes the server down, and a file that
takes longer than ``timeout`` seconds is stopped and marked as failed.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool

from sqlalchemy import select

from jixiao.store import Report, Store
from jixiao.web import services

log = logging.getLogger("jixiao.web")


class Processor:
    def __init__(self, store: Store, workers: int = 1, *, isolate: bool = False, timeout: float = 300.0):
        self.store = store
        self.workers = max(1, workers)
        self.isolate = isolate
        self.timeout = timeout
        self._queue: queue.Queue[tuple[int, bool] | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._pool: ProcessPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def start(self) -> None:
        if self._threads:
            return
        for i in range(self.workers):
            t = threading.Thread(target=self._run, name=f"jixiao-worker-{i}", daemon=True)
            t.start()
            self._threads.append(t)
        # Uploads left unfinished by a previous run are picked up again.
        with self.store.read() as s:
            pending = list(s.scalars(select(Report.id).where(Report.status.in_(("queued", "processing")))
                                     .order_by(Report.id)))
        for rid in pending:
            self.submit(rid)

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for t in self._threads:
            t.join(timeout=10)
        self._threads.clear()
        self._reset_pool()

    def _pool_get(self) -> ProcessPoolExecutor:
        with self._pool_lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                                 mp_context=multiprocessing.get_context("spawn"))
            return self._pool

    def _reset_pool(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            for proc in list(getattr(pool, "_processes", {}).values()):
                proc.terminate()  # a child stuck on one file
            pool.shutdown(wait=False, cancel_futures=True)

    def _analyse(self, name: str, data: bytes) -> tuple[dict, str | None]:
        if not self.isolate:
            return services.analyse_bytes(name, data)
        try:
            future = self._pool_get().submit(services.analyse_bytes, name, data)
            return future.result(timeout=self.timeout)
        except FutureTimeout:
            self._reset_pool()
            return {"file": name, "error": f"处理超时（超过 {self.timeout:g} 秒），已停止"}, None
        except BrokenProcessPool:
            self._reset_pool()
            return {"file": name, "error": "处理进程异常退出，该文件无法分析"}, None

    def submit(self, report_id: int, keep_department: bool = False) -> None:
        self._queue.put((report_id, keep_department))

    def wait(self) -> None:
        """Block until every submitted report has been processed."""
        self._queue.join()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self.process(*item)
            except Exception:  # pragma: no cover - logged, the queue goes on
                log.exception("processing report %s failed", item)
            finally:
                self._queue.task_done()

    def process(self, report_id: int, keep_department: bool = False) -> None:
        got = self.store.report_bytes(report_id)
        if got is None:
            return
        name, data = got
        self.store.set_status(report_id, "processing")
        result, text = self._analyse(name, data or b"")
        if result.get("error"):
            self.store.set_status(report_id, "error", result["error"])
            return
        self.store.save_analysis(report_id, result, text_=text, keep_department=keep_department)
