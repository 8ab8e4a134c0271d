"""Run one call in a child process with a wall-clock and a memory budget.

Parsers of untrusted files (PDFium, openpyxl, lxml, OCR networks) offer no hook to stop
them, so the only reliable bound is a process: the child gets an address-space limit on
top of what it inherited, dies with its parent (``PR_SET_PDEATHSIG`` on Linux), and is
killed when it outlives its time. The result (or the exception) comes back pickled.

This is the one primitive that the CLI, the batch engine and the web workers share; pools
are built on it, never around it.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import resource
import signal
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Limits", "WorkerError", "WorkerTimeout", "WorkerMemory", "WorkerCrashed", "run_limited",
           "die_with_parent", "limit_memory", "Pool"]


class WorkerError(Exception):
    """The child did not return a result; ``str()`` is a one-line Chinese reason."""


class WorkerTimeout(WorkerError):
    pass


class WorkerMemory(WorkerError):
    pass


class WorkerCrashed(WorkerError):
    pass


@dataclass(frozen=True, slots=True)
class Limits:
    """Budget for one call: wall-clock seconds and extra memory (MiB) above what the child inherits."""

    seconds: float = 120.0
    memory_mb: int | None = 2048


_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent exits (Linux; a no-op elsewhere)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)


def _vm_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as fh:
            pages = int(fh.read().split()[0])
        return pages * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def limit_memory(extra_mb: int | None) -> None:
    """Cap this process's address space at its current size plus ``extra_mb`` MiB."""
    if not extra_mb:
        return
    limit = _vm_bytes() + extra_mb * 1024 * 1024
    with contextlib.suppress(ValueError, OSError):
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _child(conn: Any, fn: Callable[..., Any], args: tuple, kwargs: dict, memory_mb: int | None) -> None:
    die_with_parent()
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)  # its own process group: a timeout also stops what it started (LibreOffice)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(memory_mb)
    try:
        result = fn(*args, **kwargs)
        payload: tuple[str, Any] = ("ok", result)
    except MemoryError:
        payload = ("memory", None)
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        payload = ("raise", exc)
    try:
        conn.send(payload)
    except MemoryError:
        conn.send(("memory", None))
    except Exception as exc:  # an unpicklable result or exception
        conn.send(("raise", WorkerCrashed(f"结果无法传回 ({type(exc).__name__})")))
    finally:
        conn.close()


def run_limited(fn: Callable[..., Any], *args: Any, limits: Limits = Limits(), context: str = "fork",
                **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a child process within ``limits``.

    Returns what ``fn`` returns and re-raises what it raises. Raises :class:`WorkerTimeout` when the
    child outlives ``limits.seconds`` (it is killed), :class:`WorkerMemory` when it runs out of its
    memory budget, :class:`WorkerCrashed` when it dies without an answer.
    """
    return _Call(fn, args, kwargs, limits, context).wait()


class _Call:
    """One child process running one call; :meth:`kill` stops it (and its process group) from any thread."""

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict, limits: Limits, context: str):
        ctx = multiprocessing.get_context(context)
        self.limits = limits
        self._recv, send = ctx.Pipe(duplex=False)
        self.proc = ctx.Process(target=_child, args=(send, fn, args, kwargs, limits.memory_mb), daemon=True)
        self.proc.start()
        send.close()

    def kill(self) -> None:
        pid = self.proc.pid
        if pid is not None and self.proc.is_alive():
            with contextlib.suppress(OSError):
                os.killpg(pid, signal.SIGKILL)
            with contextlib.suppress(OSError, ValueError):
                self.proc.kill()

    def wait(self) -> Any:
        limits, proc, recv = self.limits, self.proc, self._recv
        try:
            if not recv.poll(limits.seconds):
                raise WorkerTimeout(f"处理超时，超过 {limits.seconds:g} 秒")
            try:
                status, value = recv.recv()
            except (EOFError, OSError):
                proc.join(1)
                code = proc.exitcode
                if code is not None and code < 0 and -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS):
                    raise WorkerMemory(f"处理进程异常终止（信号 {-code}），可能超出内存上限") from None
                raise WorkerCrashed(f"处理进程异常退出（代码 {code}）") from None
        finally:
            self.kill()
            proc.join(5)
            recv.close()
        if status == "ok":
            return value
        if status == "memory":
            raise WorkerMemory(f"超出内存上限 {limits.memory_mb} MB")
        raise value


class Pool:
    """A few slots that run jobs in bounded child processes, shared fairly between tenants.

    ``schedule(task, tenant=...)`` queues ``task(run)``; when a slot is free, the next task is taken from
    the tenant with the fewest jobs running, then the one served least recently (round robin), so one
    tenant's huge file, or its hundred uploads, never keep the others waiting behind them. The task runs in the slot's thread and calls
    ``run(fn, *args)`` for the heavy part, which runs in a child process within the pool's (or the
    given) :class:`Limits`. Children come from a ``forkserver`` (or ``spawn``) context, safe in a
    threaded server; the forkserver imports ``preload`` once, so each job starts in milliseconds.
    Children die with the server; :meth:`close` kills running ones and cancels queued jobs.
    ``max_per_tenant``: a tenant never holds more slots than this, even when the others are free (for
    work people wait on: one person's slow jobs cannot fill the pool before the next person asks).
    ``isolate=False`` runs ``fn`` in the slot thread itself (no limits; for tests and debugging).
    """

    def __init__(self, workers: int = 2, *, limits: Limits = Limits(), context: str = "forkserver",
                 preload: tuple[str, ...] = (), isolate: bool = True, name: str = "jixiao-pool",
                 max_per_tenant: int | None = None):
        import threading
        from collections import Counter, deque

        self.workers = max(1, workers)
        self.limits = limits
        self.max_per_tenant = max_per_tenant
        self.isolate = isolate
        self._context = context
        if isolate and context == "forkserver" and preload:
            multiprocessing.get_context("forkserver").set_forkserver_preload(list(preload))
        self._cond = threading.Condition()
        self._queues: dict[Any, deque] = {}
        self._running: Counter = Counter()
        self._last: dict[Any, int] = {}  # tenant → the sequence number of its last start (round robin)
        self._calls: set[_Call] = set()
        self._seq = 0
        self._closed = False
        self._deque = deque
        self._threads = [threading.Thread(target=self._slot, name=f"{name}-{i}", daemon=True)
                         for i in range(self.workers)]
        for t in self._threads:
            t.start()

    # -- queueing ----------------------------------------------------------------------------------------
    def schedule(self, task: Callable[[Callable[..., Any]], Any], *, tenant: Any = None) -> Any:
        """Queue ``task(run)``; returns a :class:`concurrent.futures.Future` of its result."""
        from concurrent.futures import Future

        future: Future = Future()
        with self._cond:
            if self._closed:
                raise RuntimeError("pool is closed")
            self._seq += 1
            self._queues.setdefault(tenant, self._deque()).append((self._seq, task, future))
            self._cond.notify()
        return future

    def submit(self, fn: Callable[..., Any], *args: Any, tenant: Any = None, limits: Limits | None = None,
               **kwargs: Any) -> Any:
        """Queue ``fn(*args, **kwargs)`` to run in a child; a Future of its result (or its exception)."""
        return self.schedule(lambda run: run(fn, *args, limits=limits, **kwargs), tenant=tenant)

    def pending(self) -> int:
        with self._cond:
            return sum(len(q) for q in self._queues.values())

    def close(self) -> None:
        """Cancel queued jobs, kill running children, stop the slots."""
        with self._cond:
            self._closed = True
            queued = [job for q in self._queues.values() for job in q]
            self._queues.clear()
            calls = list(self._calls)
            self._cond.notify_all()
        for _seq, _task, future in queued:
            future.cancel()
        for call in calls:
            call.kill()
        for t in self._threads:
            t.join(timeout=10)

    # -- slots -------------------------------------------------------------------------------------------
    def _ready(self) -> list[Any]:
        cap = self.max_per_tenant
        return [t for t, q in self._queues.items() if q and (cap is None or self._running[t] < cap)]

    def _next(self) -> tuple[Any, Callable, Any] | None:
        with self._cond:
            while not self._closed and not self._ready():
                self._cond.wait()
            if self._closed:
                return None
            tenant = min(self._ready(),
                         key=lambda t: (self._running[t], self._last.get(t, 0), self._queues[t][0][0]))
            _seq, task, future = self._queues[tenant].popleft()
            if not self._queues[tenant]:
                del self._queues[tenant]
            self._running[tenant] += 1
            self._seq += 1
            self._last[tenant] = self._seq
            if len(self._last) > 10_000:  # forget the tenants served longest ago
                for t, _ in sorted(self._last.items(), key=lambda kv: kv[1])[:5_000]:
                    self._last.pop(t, None)
            return tenant, task, future

    def _slot(self) -> None:
        while True:
            got = self._next()
            if got is None:
                return
            tenant, task, future = got
            try:
                if future.set_running_or_notify_cancel():
                    try:
                        future.set_result(task(self._run))
                    except BaseException as exc:  # noqa: BLE001 - the caller gets it from the future
                        future.set_exception(exc)
            finally:
                with self._cond:
                    self._running[tenant] -= 1
                    if self._running[tenant] <= 0:
                        del self._running[tenant]
                    self._cond.notify_all()  # a tenant at its cap may go on

    def _run(self, fn: Callable[..., Any], *args: Any, limits: Limits | None = None, **kwargs: Any) -> Any:
        if not self.isolate:
            return fn(*args, **kwargs)
        with self._cond:
            if self._closed:
                raise WorkerCrashed("服务正在停止")
            call = _Call(fn, args, kwargs, limits or self.limits, self._context)
            self._calls.add(call)
        try:
            return call.wait()
        finally:
            with self._cond:
                self._calls.discard(call)
