"""Where the per-file runner runs: local worker processes (:class:`jixiao.workers.Pool`) or a Dask cluster.

Both engines take the driver's stream of ``(path, sha256)`` and hand every record to
``store_result(record, sha256)``; neither holds more than ``max_inflight`` files at once.
"""

from __future__ import annotations

import importlib
import math
import os
import uuid
from collections.abc import Callable, Iterator
from multiprocessing import forkserver, get_context
from pathlib import Path
from typing import Any

from jixiao.batch.runner import error_record, run_chunk, run_one
from jixiao.workers import Limits, Pool, WorkerError, WorkerTimeout

StoreResult = Callable[[dict[str, Any], str], None]

#: Imported once in the fork server, so every worker (and every replacement after a crash)
#: starts with the pipeline loaded instead of importing it again.
PRELOAD = ("jixiao.batch.runner", "jixiao.pipeline", "jixiao.extract", "jixiao.scoring", "jixiao.audit",
           "jixiao.evalfile", "jixiao.ingest.text", "jixiao.ingest.docx", "jixiao.ingest.pdf",
           "jixiao.ingest.html", "jixiao.ingest.xlsx")

_PRELOAD_ENV = "JIXIAO_BATCH_PRELOAD"

CRASHED = "处理时工作进程崩溃 (worker process crashed)"


def _preload_pipeline() -> None:
    """Import the pipeline in the fork server. A module that fails to import is skipped (each file
    then records the failure as its error) instead of killing the server."""
    for name in PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # recorded per file later
            continue


def _start_fork_server() -> None:
    # The fork server imports only this module (it cannot fail); the environment variable, seen
    # while the server starts, makes that import preload the pipeline with errors caught.
    get_context("forkserver").set_forkserver_preload([__name__])
    saved = os.environ.get(_PRELOAD_ENV)
    os.environ[_PRELOAD_ENV] = "1"
    try:
        forkserver.ensure_running()
    finally:
        if saved is None:
            os.environ.pop(_PRELOAD_ENV, None)
        else:
            os.environ[_PRELOAD_ENV] = saved


def failure_record(path: str, sha: str, error: BaseException, timeout: float | None) -> dict[str, Any]:
    """The record of a file whose worker did not answer: timed out, or died."""
    if isinstance(error, WorkerTimeout):
        return error_record(path, sha, f"处理超时，超过 {timeout:g} 秒，工作进程已终止 (timed out, worker killed)")
    if isinstance(error, WorkerError):
        return error_record(path, sha, CRASHED)
    return error_record(path, sha, f"处理出错 ({type(error).__name__}: {str(error)[:200]})")


def run_local(items: Iterator[tuple[str, str]], fn: Callable, *, jobs: int, max_inflight: int,
              timeout: float | None, memory_mb: int | None, inflight: set[str], store_result: StoreResult,
              on_crash: Callable[[], None]) -> None:
    """``jobs`` long-lived worker processes, started from a fork server with the pipeline imported.

    Each file is bounded by the pool: past ``timeout`` seconds its worker is killed and the file
    recorded as timed out; a worker that dies (segfault, out of memory) costs exactly the file it
    was reading. Either way a fresh worker takes over, in milliseconds.
    """
    _start_fork_server()
    limits = Limits(seconds=timeout or math.inf, memory_mb=memory_mb)
    pool = Pool(jobs, limits=limits, context="forkserver", depth=max(1, min(3, max_inflight // jobs)))

    def collect() -> None:
        for o in pool.collect():
            path, sha = o.key
            if o.error is None:
                rec = o.value
            else:
                if isinstance(o.error, WorkerError) and not isinstance(o.error, WorkerTimeout):
                    on_crash()
                rec = failure_record(path, sha, o.error, timeout)
            store_result(rec, sha)

    try:
        for path, sha in items:
            while pool.pending >= max_inflight:
                collect()
            inflight.add(sha)
            while not pool.submit((path, sha), run_one, fn, path, sha):
                collect()
        while pool.pending:
            collect()
    except BaseException:
        pool.close(wait=False)
        raise
    pool.close()


#: Files per Dask task. The client and scheduler cost a few milliseconds of driver CPU per task,
#: which is a fifth of a report's own cost; chunks of 8 make that negligible.
DASK_CHUNK = 8


def run_dask(items: Iterator[tuple[str, str]], fn: Callable, *, jobs: int, max_inflight: int,
             inflight: set[str], store_result: StoreResult, scheduler: str | None, send_bytes: bool,
             processes: bool, chunk: int | None = None) -> None:
    """The same runner on ``dask.distributed``: a local cluster of ``jobs`` processes, or ``scheduler``'s."""
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
            fut = client.submit(run_chunk, fn, payload, pure=False,
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
                recs = [error_record(path, sha, f"处理时工作进程崩溃 ({type(exc).__name__})")]
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


if os.environ.get(_PRELOAD_ENV) == "1":  # we are the batch's fork server starting up
    _preload_pipeline()
