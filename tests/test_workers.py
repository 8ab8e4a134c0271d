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
