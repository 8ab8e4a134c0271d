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
    with pytest.raises(WorkerTimeout, match="超时"):
        run_limited(_sleep, 30, limits=Limits(seconds=0.5))


def test_memory_budget_stops_a_hog():
    with pytest.raises(WorkerMemory):
        run_limited(_hog, limits=Limits(seconds=60, memory_mb=256))


def _echo_or_fail(x):
    if x == "crash":
        os._exit(3)
    if x == "hang":
        time.sleep(60)
    if x == "raise":
        raise ValueError("坏文件")
    return x, os.getpid()


def _drain(pool):
    got = {}
    while pool.pending:
        for o in pool.collect(timeout=30):
            got[o.key] = o
    return got


def test_pool_runs_many_calls_in_few_children_and_isolates_the_bad_ones():
    from jixiao.workers import Pool, WorkerCrashed

    calls = ["a", "crash", "b", "hang", "c", "raise", "d", "e"]
    got = {}
    with Pool(2, limits=Limits(seconds=1.0, memory_mb=None), context="fork") as pool:
        for i, x in enumerate(calls):
            while not pool.submit(i, _echo_or_fail, x):
                got.update((o.key, o) for o in pool.collect(timeout=30))
        got.update(_drain(pool))
    assert sorted(got) == list(range(len(calls)))
    assert isinstance(got[1].error, WorkerCrashed)
    assert isinstance(got[3].error, WorkerTimeout)
    assert isinstance(got[5].error, ValueError) and "坏文件" in str(got[5].error)
    good = [got[i] for i, x in enumerate(calls) if x in "abcde"]
    assert [o.value[0] for o in good] == ["a", "b", "c", "d", "e"] and all(o.error is None for o in good)
    # a child serves more than one call (its caches survive), and none runs in this process
    pids = [o.value[1] for o in good]
    assert os.getpid() not in pids and len(set(pids)) < len(pids)


def test_pool_memory_budget_replaces_the_child():
    from jixiao.workers import Pool

    with Pool(1, limits=Limits(seconds=60, memory_mb=256), context="fork") as pool:
        assert pool.submit("hog", _hog)
        assert pool.submit("after", _add, 1, 2)
        got = _drain(pool)
    assert isinstance(got["hog"].error, WorkerMemory)
    assert got["after"].value == 3


def test_pool_replaces_a_child_killed_while_it_waited():
    import signal

    from jixiao.workers import Pool

    with Pool(1, limits=Limits(seconds=30, memory_mb=None), context="fork") as pool:
        assert pool.submit("first", _pid)
        first = _drain(pool)["first"].value
        os.kill(first, signal.SIGKILL)
        time.sleep(0.2)
        assert pool.submit("second", _pid)
        second = _drain(pool)["second"]
    assert second.error is None and second.value != first


def test_job_queue_runs_jobs_in_children_and_returns_results():
    from jixiao.workers import JobQueue

    pool = JobQueue(2, limits=Limits(seconds=30, memory_mb=512))
    try:
        futures = [pool.submit(_add, i, 1) for i in range(6)]
        assert [f.result(timeout=60) for f in futures] == [1, 2, 3, 4, 5, 6]
        assert pool.submit(_pid).result(timeout=60) != os.getpid()
        with pytest.raises(ValueError, match="坏文件"):
            pool.submit(_boom).result(timeout=60)
        with pytest.raises(WorkerTimeout):
            pool.submit(_sleep, 30, limits=Limits(seconds=0.5)).result(timeout=60)
    finally:
        pool.close()


def test_job_queue_shares_slots_fairly_between_tenants():
    """One slot; tenant A queues three jobs, then B one: B's runs second, not fourth."""
    import threading

    from jixiao.workers import JobQueue

    order: list[str] = []
    gate = threading.Event()
    pool = JobQueue(1, isolate=False)
    try:
        def job(label, wait=False):
            def task(run):
                if wait:
                    gate.wait(10)
                order.append(label)
            return task

        first = pool.schedule(job("a1", wait=True), tenant="A")
        rest = [pool.schedule(job(x), tenant="A") for x in ("a2", "a3")]
        b = pool.schedule(job("b1"), tenant="B")
        gate.set()
        for f in (first, *rest, b):
            f.result(timeout=10)
        assert order == ["a1", "b1", "a2", "a3"]
    finally:
        pool.close()


def test_job_queue_close_kills_running_children_and_cancels_queued():
    from jixiao.workers import JobQueue

    pool = JobQueue(1, limits=Limits(seconds=60, memory_mb=256))
    running = pool.submit(_sleep, 30)
    queued = pool.submit(_add, 1, 2)
    deadline = time.monotonic() + 30
    while not running.running() and time.monotonic() < deadline:
        time.sleep(0.05)
    pool.close()
    assert queued.cancelled()
    with pytest.raises(Exception):  # noqa: B017 - killed: crashed or memory, never a result
        running.result(timeout=10)


def test_job_queue_caps_one_tenants_slots_when_asked():
    """Two slots, at most one per tenant: A's second job waits even with a slot free; B's runs at once."""
    import threading

    from jixiao.workers import JobQueue

    gate = threading.Event()
    started: list[str] = []
    pool = JobQueue(2, isolate=False, max_per_tenant=1)
    try:
        def job(label):
            def task(run):
                started.append(label)
                gate.wait(10)
            return task

        a1 = pool.schedule(job("a1"), tenant="A")
        a2 = pool.schedule(job("a2"), tenant="A")
        deadline = time.monotonic() + 10
        while "a1" not in started and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        assert started == ["a1"]  # a2 waits although a slot is free
        b1 = pool.schedule(job("b1"), tenant="B")
        while "b1" not in started and time.monotonic() < deadline:
            time.sleep(0.01)
        assert started == ["a1", "b1"]
        gate.set()
        for f in (a1, a2, b1):
            f.result(timeout=10)
        assert started == ["a1", "b1", "a2"]
    finally:
        pool.close()


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
