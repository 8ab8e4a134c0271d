"""Any bytes in, a clear answer out: mutated files of seven kinds through ``jixiao extract --format json``.

A fixed seed and a few hundred mutants (``bench/fuzz.py`` runs thousands, each in a forked child
with its file descriptors captured). Here the CLI's command group runs in this process, its streams
captured, and each file must keep the contract: exit 0 with JSON on stdout and nothing on stderr, or
exit 2 with one line ``FILE: reason``; no traceback; within the time and memory bound of the CLI's
bounded read, which must not be what stops it (a reader limit should refuse the file first).
"""

from __future__ import annotations

import collections

import pytest

from bench.fuzz import KINDS, Mutator, judge, make_seeds, preload, reason_of, run_cli

SEED = 17
PER_KIND = 30
SECONDS = 20
MEMORY_MB = 1536


@pytest.fixture(scope="module")
def seeds(tmp_path_factory):
    preload()
    return make_seeds(tmp_path_factory.mktemp("fuzz-seeds"))


def _run(mutator: Mutator, n: int, folder) -> tuple[list[str], collections.Counter]:
    failures: list[str] = []
    seen: collections.Counter = collections.Counter()
    for i, m in enumerate(mutator.mutants(n)):
        path = folder / f"m{i:04d}{m.suffix}"
        path.write_bytes(m.data)
        outcome = run_cli(path, SECONDS, MEMORY_MB, fork=False)
        bad = judge(outcome, path, SECONDS, MEMORY_MB)
        seen[(m.kind, "failed" if bad else ("read" if outcome.exit == 0 else "refused"))] += 1
        if bad:
            tail = (outcome.stderr.strip().splitlines() or [""])[-1][:200]
            failures.append(f"#{i} {m.kind}/{m.op}: {bad} ({outcome.seconds:.1f} s, {outcome.peak_mb:.0f} MB) {tail}")
        elif outcome.exit == 2:
            assert reason_of(outcome, path)
        path.unlink()
    return failures, seen


def test_mutants_of_every_kind_keep_the_cli_contract(seeds, tmp_path):
    mutator = Mutator(seeds, tmp_path, seed=SEED, hostile_text=False)
    failures, seen = _run(mutator, PER_KIND * len(KINDS), tmp_path)
    assert not failures, "\n".join(failures)
    for kind in KINDS:  # the mutants really are of every kind, and some of each are broken
        assert seen[(kind, "read")] + seen[(kind, "refused")] == PER_KIND
        assert seen[(kind, "refused")] > 0, kind
