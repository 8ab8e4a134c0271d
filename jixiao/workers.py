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
           "die_with_parent", "limit_memory"]


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
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    limit_memory(memory_mb)
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
        conn.send(("memory", None))
    except Exception as exc:  # an unpicklable result or exception
        what = payload[1] if payload[0] == "raise" else payload[1].__class__
        conn.send(("raise", WorkerCrashed(f"结果无法传回 ({type(exc).__name__}: {str(exc)[:120]}; "
                                          f"{type(what).__name__ if payload[0] == 'raise' else what.__name__})")))
    finally:
        conn.close()


def run_limited(fn: Callable[..., Any], *args: Any, limits: Limits = Limits(), context: str = "fork",
                **kwargs: Any) -> Any:
    """``fn(*args, **kwargs)`` in a child process within ``limits``.

    Returns what ``fn`` returns and re-raises what it raises. Raises :class:`WorkerTimeout` when the
    child outlives ``limits.seconds`` (it is killed), :class:`WorkerMemory` when it runs out of its
    memory budget, :class:`WorkerCrashed` when it dies without an answer.
    """
    ctx = multiprocessing.get_context(context)
    recv, send = ctx.Pipe(duplex=False)
    # not daemonic, so a bounded call may make one of its own (the CLI's bounded read inside a bench's
    # bounded run): the child is killed below when it overruns, and dies with its parent otherwise
    proc = ctx.Process(target=_child, args=(send, fn, args, kwargs, limits.memory_mb), daemon=False)
    proc.start()
    send.close()
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
        if proc.is_alive():
            proc.kill()
        proc.join(5)
        recv.close()
    if status == "ok":
        return value
    if status == "memory":
        raise WorkerMemory(f"超出内存上限 {limits.memory_mb} MB")
    raise value
