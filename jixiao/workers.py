"""Run one call in a child process with a wall-clock and a memory budget.

Parsers of untrusted files (PDFium, openpyxl, lxml, OCR networks) offer no hook to stop
them, so the only reliable bound is a process: the child gets an address-space limit on
top of what it inherited, dies with its parent (``PR_SET_PDEATHSIG`` on Linux), and is
killed when it outlives its time. The result (or the exception) comes back pickled.

This is the one primitive that the CLI, the batch engine and the web workers share; pools
are built on it, never around it. :func:`run_limited` runs one call in a fresh child;
:class:`Pool` keeps a few children alive for a stream of calls (each call still bounded in
time, each child in memory, and a child that fails is replaced); :class:`JobQueue` runs each job in a
fresh child, taking jobs from its tenants in turn (the workbench).
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import multiprocessing
import os
import resource
import signal
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing import connection as mp_connection
from multiprocessing.reduction import ForkingPickler
from typing import Any

__all__ = ["Limits", "WorkerError", "WorkerTimeout", "WorkerMemory", "WorkerCrashed", "run_limited",
           "die_with_parent", "limit_memory", "Pool", "Outcome", "JobQueue"]


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


def _answer(conn: Any, fn: Callable[..., Any], args: tuple, kwargs: dict) -> str:
    """Run one call and send its outcome back; returns the status sent (ok / memory / raise)."""
    try:
        result = fn(*args, **kwargs)
        payload: tuple[str, Any] = ("ok", result)
    except MemoryError:
        payload = ("memory", None)
    except BaseException as exc:  # noqa: BLE001 - everything goes back to the parent
        # only the exception itself crosses: a chained library error (lxml's error log) or a traceback
        # may not pickle, and libraries that pickle exceptions with their chain (tblib) would try
        exc.__cause__ = exc.__context__ = None
        exc.__traceback__ = None
        payload = ("raise", exc)
    try:
        conn.send(payload)
    except MemoryError:
        payload = ("memory", None)
        conn.send(payload)
    except Exception as exc:  # an unpicklable result or exception: name it
        what = type(payload[1]).__name__
        payload = ("raise", None)
        conn.send(("raise", WorkerCrashed(f"结果无法传回 ({type(exc).__name__}: {str(exc)[:120]}; {what})")))
    return payload[0]


def _child(conn: Any, fn: Callable[..., Any], args: tuple, kwargs: dict, memory_mb: int | None) -> None:
    die_with_parent()
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)  # its own process group: a timeout also stops what it started (LibreOffice)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(memory_mb)
    try:
        _answer(conn, fn, args, kwargs)
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
        # not daemonic, so a bounded call may make one of its own (the CLI's bounded read inside a bench's
        # bounded run): the child is killed when it overruns, and dies with its parent otherwise
        self.proc = ctx.Process(target=_child, args=(send, fn, args, kwargs, limits.memory_mb), daemon=False)
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
                raise _death(proc.exitcode) from None
        finally:
            self.kill()
            proc.join(5)
            recv.close()
        if status == "ok":
            return value
        if status == "memory":
            raise WorkerMemory(f"超出内存上限 {limits.memory_mb} MB")
        raise value


def _death(code: int | None) -> WorkerError:
    """Why a child died without an answer: killed by the kernel (memory) or crashed."""
    if code is not None and code < 0 and -code in (signal.SIGKILL, signal.SIGSEGV, signal.SIGBUS):
        return WorkerMemory(f"处理进程异常终止（信号 {-code}），可能超出内存上限")
    return WorkerCrashed(f"处理进程异常退出（代码 {code}）")


# --------------------------------------------------------------------------- long-lived children


@dataclass(slots=True)
class Outcome:
    """What one call of a :class:`Pool` gave: its value, or the error (a :class:`WorkerError` or what it raised)."""

    key: Any
    value: Any = None
    error: BaseException | None = None


#: A call is queued behind a running one only when it pickles to at most this many bytes, so sending it can
#: never block the parent (a socket buffer holds it) while that child is busy.
QUEUE_BYTES = 16 * 1024


def _serve(conn: Any, memory_mb: int | None, initializer: Callable[[], Any] | None) -> None:
    """A pool child: answer calls one after another until told to stop, or until it runs out of memory."""
    die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if initializer is not None:
        initializer()
    limit_memory(memory_mb)
    first = True
    while True:
        try:
            raw = conn.recv_bytes()
        except (EOFError, OSError):
            return
        try:
            msg = ForkingPickler.loads(raw)
        except Exception as exc:  # the call cannot be rebuilt here (a function this child cannot import)
            conn.send(("raise", WorkerCrashed(f"任务无法传入 ({type(exc).__name__}: {exc})")))
            continue
        if msg is None:
            return
        if first:  # the first call's clock starts now, not while its modules were imported to unpickle it
            conn.send(("start", None))
            first = False
        if _answer(conn, *msg) == "memory":
            return  # its heap may be spent: a fresh child takes the next call


#: Seconds a fresh child may take to take up its first call (unpickle it: import the function's module)
#: before the call's own clock starts; a child stuck there is replaced too.
TAKE_UP_SECONDS = 60.0


class _Slot:
    __slots__ = ("proc", "conn", "calls", "started", "fresh")

    def __init__(self) -> None:
        self.proc: Any = None
        self.conn: Any = None
        self.calls: deque[tuple[Any, bytes]] = deque()  # (key, pickled call), the first one running
        self.started = 0.0  # when the first call began (for a fresh child: when it became first)
        self.fresh = True  # a new child that has not yet said it began a call

    def deadline(self, seconds: float) -> float:
        return self.started + (max(seconds, TAKE_UP_SECONDS) if self.fresh else seconds)


class Pool:
    """Long-lived children that run many calls each, every call within ``limits``.

    For a stream of small calls (a batch of files) a child per call would throw the child's warm caches
    away each time; these children are started once (``initializer`` runs in each), die with their parent
    and get the memory budget of ``limits`` on top of what they inherit. A call that outlives
    ``limits.seconds`` has its child killed and comes back as :class:`WorkerTimeout`; a child that dies
    gives :class:`WorkerCrashed` (or :class:`WorkerMemory`) for the call it was running, exactly that one;
    either way the child is replaced and the calls queued behind it run in the replacement. Up to ``depth``
    calls wait per child, so a child never idles while the parent is busy.
    """

    def __init__(self, size: int, *, limits: Limits = Limits(), context: str = "forkserver",
                 initializer: Callable[[], Any] | None = None, depth: int = 2):
        self.limits = limits
        self.depth = max(1, depth)
        self.initializer = initializer
        self._ctx = multiprocessing.get_context(context)
        self._slots = [_Slot() for _ in range(max(1, size))]
        for slot in self._slots:
            self._start(slot)

    # -- children

    def _start(self, slot: _Slot) -> None:
        mine, theirs = self._ctx.Pipe(duplex=True)
        proc = self._ctx.Process(target=_serve, args=(theirs, self.limits.memory_mb, self.initializer),
                                 name="jixiao-worker")
        proc.start()
        theirs.close()
        slot.proc, slot.conn = proc, mine
        for _, raw in slot.calls:  # calls that were waiting behind the one that failed
            mine.send_bytes(raw)
        slot.started, slot.fresh = time.monotonic(), True

    def _restart(self, slot: _Slot) -> None:
        if slot.proc.is_alive():
            slot.proc.kill()
        slot.proc.join(5)
        slot.conn.close()
        self._start(slot)

    # -- calls

    @property
    def pending(self) -> int:
        """Calls submitted and not yet collected."""
        return sum(len(s.calls) for s in self._slots)

    def has_room(self) -> bool:
        return any(len(s.calls) < self.depth for s in self._slots)

    def submit(self, key: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """Queue ``fn(*args, **kwargs)`` under ``key``; False when every child is busy (collect first)."""
        raw = bytes(ForkingPickler.dumps((fn, args, kwargs)))
        idle = [s for s in self._slots if not s.calls]
        if idle:
            slot = idle[0]
        elif len(raw) <= QUEUE_BYTES and self.has_room():
            slot = min(self._slots, key=lambda s: len(s.calls))
        else:
            return False
        if not slot.calls:
            if not slot.proc.is_alive():  # died while idle (killed from outside): a fresh one takes the call
                self._restart(slot)
            slot.started = time.monotonic()
        slot.calls.append((key, raw))
        with contextlib.suppress(OSError):  # a child that is gone: collect() reports the call it was running
            slot.conn.send_bytes(raw)
        return True

    def collect(self, timeout: float | None = None) -> list[Outcome]:
        """Wait up to ``timeout`` seconds (None: until something happens) and return the finished calls."""
        busy = [s for s in self._slots if s.calls]
        if not busy:
            return []
        now = time.monotonic()
        wait_for = timeout
        if math.isfinite(self.limits.seconds):
            first = min(s.deadline(self.limits.seconds) for s in busy) - now
            wait_for = max(0.0, first if wait_for is None else min(wait_for, first))
        mp_connection.wait([s.conn for s in busy] + [s.proc.sentinel for s in busy], wait_for)
        out: list[Outcome] = []
        for slot in busy:  # every answer that has arrived, before any clock is looked at
            self._read(slot, out)
        now = time.monotonic()
        for slot in busy:
            if slot.calls and now > slot.deadline(self.limits.seconds):
                key, _ = slot.calls.popleft()
                out.append(Outcome(key, error=WorkerTimeout(f"处理超时，超过 {self.limits.seconds:g} 秒")))
                self._restart(slot)
        return out

    def _read(self, slot: _Slot, out: list[Outcome]) -> None:
        while slot.calls:
            try:
                if not slot.conn.poll():
                    break
                status, value = slot.conn.recv()
            except (EOFError, OSError):
                break
            slot.started, slot.fresh = time.monotonic(), False  # the next call, queued, begins now
            if status == "start":
                continue
            key, _ = slot.calls.popleft()
            if status == "ok":
                out.append(Outcome(key, value))
            elif status == "memory":
                out.append(Outcome(key, error=WorkerMemory(f"超出内存上限 {self.limits.memory_mb} MB")))
                self._restart(slot)  # the child leaves after a MemoryError
                return
            else:
                out.append(Outcome(key, error=value))
        if slot.calls and not slot.proc.is_alive():
            slot.proc.join(1)
            key, _ = slot.calls.popleft()
            out.append(Outcome(key, error=_death(slot.proc.exitcode)))
            self._restart(slot)

    def close(self, wait: bool = True) -> None:
        """Stop the children: let them finish what they hold (``wait``), or kill them now."""
        for slot in self._slots:
            if wait:
                with contextlib.suppress(OSError):
                    slot.conn.send_bytes(bytes(ForkingPickler.dumps(None)))
        for slot in self._slots:
            if wait:
                finite = math.isfinite(self.limits.seconds)
                slot.proc.join(5 if not slot.calls else self.limits.seconds * len(slot.calls) if finite else None)
            if slot.proc.is_alive():
                slot.proc.kill()
            slot.proc.join(5)
            slot.conn.close()

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close(wait=exc[0] is None)


# --------------------------------------------------------------------------- fair job queue


class JobQueue:
    """A few slots that run jobs, each in a fresh bounded child process, shared fairly between tenants.

    For work that people wait on (the workbench's uploads, exports and imports), where each job is large
    and must be isolated from the next; a stream of small calls (a batch) goes to :class:`Pool`.

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
                 preload: tuple[str, ...] = (), isolate: bool = True, name: str = "jixiao-jobs",
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
