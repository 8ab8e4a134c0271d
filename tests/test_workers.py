"""The bounded-worker primitive: results, exceptions, time and memory limits, no orphans."""

from __future__ import annotations

import os
import time

import pytest

from jixiao.workers import Limits, WorkerMemory, WorkerTimeout, run_limited


def _add(a, b):
    return a + b


def _boom():
    raise ValueError("坏文件")


def _sleep(s):
    time.sleep(s)
    return "late"


def _hog():
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024 * 1024))


def _pid():
    return os.getpid()


def test_result_comes_back_from_another_process():
    assert run_limited(_add, 2, 3) == 5
    assert run_limited(_pid) != os.getpid()


def test_exception_is_reraised_in_the_parent():
    with pytest.raises(ValueError, match="坏文件"):
        run_limited(_boom)


def test_timeout_kills_the_child():
    t0 = time.monotonic()
    with pytest.raises(WorkerTimeout, match="超时"):
        run_limited(_sleep, 30, limits=Limits(seconds=0.5))
    assert time.monotonic() - t0 < 10


def test_memory_budget_stops_a_hog():
    with pytest.raises(WorkerMemory):
        run_limited(_hog, limits=Limits(seconds=60, memory_mb=256))


def _nested(a, b):
    return run_limited(_add, a, b, limits=Limits(seconds=30, memory_mb=None))


def test_a_bounded_call_may_make_a_bounded_call():
    """The CLI's bounded read runs inside a bench's or a batch worker's bounded run."""
    assert run_limited(_nested, 2, 3) == 5


def _chained():
    try:
        raise RuntimeError("lxml") from ValueError("unpicklable context")
    except RuntimeError as exc:
        exc.__cause__.lock = __import__("threading").Lock()  # what lxml's error log is to pickle
        raise KeyError("坏文件") from exc


def test_an_exception_crosses_without_its_chain(monkeypatch):
    """Only the exception comes back: its cause and context stay in the child (they may not pickle)."""
    import copyreg

    def with_chain(e):  # what tblib's pickling support does: pickle the chain too
        return (type(e), e.args, {"__cause__": e.__cause__, "__context__": e.__context__})

    monkeypatch.setitem(copyreg.dispatch_table, KeyError, with_chain)
    with pytest.raises(KeyError, match="坏文件") as err:
        run_limited(_chained)
    assert err.value.__cause__ is None
