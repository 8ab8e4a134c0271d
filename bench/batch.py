"""Throughput, peak memory and recall of ``jixiao batch``.

Usage: python -m bench.batch [--n 300] [--seed 0] [--error-rate 0.3] [--engines local1,local2,dask]
                             [--flat] [--keep DIR]

N mixed reports (txt, docx, pdf in turn) are generated with known figures and planted errors
by ``bench.synth.generate`` (the small generator below stands in when that module is missing)
and written with ``bench.formats.write``; generation is cached in ``bench/out/batch-N-seed``.
Then each engine processes the folder into a fresh SQLite output:

* ``local1`` / ``local2``: ``--engine local`` with 1 and 2 worker processes;
* ``dask``: ``--engine dask`` on a ``LocalCluster`` of 2 single-threaded worker processes
  (its start-up, ~2 s, is included in the time).

For each run it prints files/s (wall time of the whole run: walk, hash, process, store) and
the peak RSS of the driver plus all its child processes (workers, fork server, Dask nanny and
scheduler), sampled every 0.2 s with psutil; each run is a fresh Python process. ``--flat`` also runs ``local2`` on 2N files to show that
peak memory does not grow with N.

Recall: a planted error counts as recalled when the report has a finding of severity error or
warning whose ``path`` is the planted path (or the planted path's field, e.g. a finding on
``budget.execution_rate`` for a planted ``budget.execution_rate``), or whose message /
stated value mentions the planted stated value. False alarms: error findings on reports
with nothing planted.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.formats import write  # noqa: E402
from jixiao.batch import run_batch  # noqa: E402

SUFFIXES = (".txt", ".docx", ".pdf")


# ---------------------------------------------------------------- a stand-in generator


class _Report:
    def __init__(self, name: str, text: str, truth: dict, planted: list[dict]):
        self.name, self.text, self.truth, self.planted = name, text, truth, planted


_PLACES = ["东湖区", "西山县", "南江市", "北塘区", "青石县", "云溪区"]
_UNITS = ["教育局", "民政局", "妇女联合会", "人民医院", "财政局", "科学技术协会"]


def _fallback_generate(n: int, seed: int = 0, error_rate: float = 0.3):
    """Short 部门整体 reports in our own wording; a planted error is a wrong stated execution rate."""
    rnd = random.Random(seed)
    for i in range(n):
        budget = Decimal(rnd.randint(20000, 900000)) / 100
        executed = (budget * Decimal(rnd.randint(900, 1000)) / 1000).quantize(Decimal("0.01"))
        rate = (executed * 100 / budget).quantize(Decimal("0.01"), ROUND_HALF_UP)
        planted = []
        stated = rate
        if rnd.random() < error_rate:
            stated = rate + Decimal(rnd.choice([1, 2, -3])) + Decimal("0.2")
            planted.append({"kind": "ratio", "path": "budget.execution_rate", "stated": f"{stated}%",
                            "true": f"{rate}%"})
        dept = f"{rnd.choice(['东江省', '西岭省'])}{rnd.choice(_PLACES)}{rnd.choice(_UNITS)}"
        text = (f"{dept}2023年度部门整体支出绩效自评报告\n\n一、基本情况\n"
                f"本单位2023年全年预算数 {budget} 万元，执行数 {executed} 万元，完成预算的 {stated}%。\n\n"
                f"二、自评结论\n自评得分 {rnd.randint(85, 99)} 分。\n\n三、存在问题\n个别项目执行进度偏慢。\n")
        yield _Report(f"{i:06d}", text, {"department": dept}, planted)


def _generator():
    try:
        from bench.synth import generate

        return generate, "bench.synth"
    except ImportError:
        return _fallback_generate, "bench.batch fallback (bench.synth missing)"


def build_corpus(n: int, seed: int, error_rate: float, root: Path) -> tuple[Path, Path, str]:
    """Write (or reuse) the N files and a manifest of planted errors; returns (folder, manifest, source)."""
    generate, source = _generator()
    folder = root / f"batch-{n}-{seed}"
    manifest = folder / "_planted.jsonl"
    done = folder / "_complete"
    if done.exists() and done.read_text(encoding="utf-8") == source:
        return folder, manifest, source
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    t0 = time.perf_counter()
    with open(manifest, "w", encoding="utf-8") as mf:
        for i, rep in enumerate(generate(n, seed=seed, error_rate=error_rate)):
            path = folder / f"{Path(rep.name).stem}{SUFFIXES[i % len(SUFFIXES)]}"
            write(rep.text, path)
            mf.write(json.dumps({"file": str(path), "planted": rep.planted}, ensure_ascii=False) + "\n")
    done.write_text(source, encoding="utf-8")
    print(f"generated {n} files in {time.perf_counter() - t0:.1f} s with {source} → {folder}", flush=True)
    return folder, manifest, source


# ---------------------------------------------------------------- measurement


def tree_rss(proc) -> int:
    """RSS of a process and all its descendants (workers, fork server, Dask nanny and scheduler)."""
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with contextlib.suppress(Exception):  # a worker that just exited
            total += p.memory_info().rss
    return total


class Timeline:
    """A progress hook that notes when the first and the last result arrived (steady-state rate)."""

    def __init__(self) -> None:
        self.first = self.last = None
        self.count = 0

    def start(self, total: int | None) -> None:
        pass

    def advance(self, rec: dict | None) -> None:
        if rec is not None:
            now = time.perf_counter()
            self.first = self.first or now
            self.last = now
            self.count += 1

    def stop(self) -> None:
        pass

    @property
    def steady(self) -> float:
        span = (self.last or 0) - (self.first or 0)
        return (self.count - 1) / span if span > 0 else 0.0


def _one(engine: str, jobs: int, folder: str, out: str) -> None:
    """Child side of :func:`run`: one batch, its figures as a JSON line on stdout."""
    timeline = Timeline()
    stats = run_batch([folder], out, jobs=jobs, engine=engine, timeout=120, progress=timeline, count_first=False)
    print(json.dumps({"files": stats.processed, "seconds": round(stats.seconds, 2),
                      "files_per_second": round(stats.files_per_second, 1), "steady": round(timeline.steady, 1),
                      "unreadable": stats.unreadable}))


def run(folder: Path, out: Path, engine: str, jobs: int) -> dict:
    """One batch in a fresh Python process; peak RSS of that process tree sampled every 0.2 s."""
    for suffix in ("", "-wal", "-shm"):
        Path(str(out) + suffix).unlink(missing_ok=True)
    child = subprocess.Popen([sys.executable, "-m", "bench.batch", "--one", engine, str(jobs), str(folder), str(out)],
                             cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    peak = 0
    try:
        import psutil

        proc = psutil.Process(child.pid)
        while child.poll() is None:
            peak = max(peak, tree_rss(proc))
            time.sleep(0.2)
    except ImportError:  # without psutil: the largest child's max RSS (workers are grandchildren)
        import resource

        child.wait()
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
    result = json.loads(child.stdout.read().strip().splitlines()[-1])
    return {"engine": engine, "jobs": jobs, "peak_rss_mb": round(peak / 2**20), **result}


def cpu_per_file(folder: Path, per_suffix: int = 20) -> dict[str, float]:
    """CPU milliseconds of ``process_file`` per file, by suffix (load-independent, unlike wall time)."""
    from jixiao.batch import process_file

    out = {}
    for suffix in SUFFIXES:
        files = sorted(folder.glob(f"*{suffix}"))[:per_suffix]
        if not files:
            continue
        process_file(str(files[0]))  # warm-up: lazy imports and framework loading
        t0 = time.process_time()
        for f in files:
            process_file(str(f))
        out[suffix.lstrip(".")] = (time.process_time() - t0) * 1000 / len(files)
    return out


def recall(db: Path, manifest: Path) -> dict:
    con = sqlite3.connect(db)
    findings: dict[str, list[tuple]] = defaultdict(list)
    for path, sev, fpath, msg, stated in con.execute(
            "SELECT r.path, f.severity, f.path, f.message, f.stated FROM findings f "
            "JOIN reports r ON r.id = f.report_id"):
        findings[path].append((sev, fpath, msg or "", stated or ""))
    unreadable = {p for (p,) in con.execute("SELECT path FROM reports WHERE error IS NOT NULL")}
    con.close()
    planted_n, hit_n = Counter(), Counter()
    clean_docs = false_alarm_docs = 0
    with open(manifest, encoding="utf-8") as mf:
        for line in mf:
            item = json.loads(line)
            fs = findings.get(item["file"], [])
            if not item["planted"]:
                clean_docs += 1
                false_alarm_docs += any(sev == "error" for sev, *_ in fs)
            for p in item["planted"]:
                kind = p.get("kind", "?")
                planted_n[kind] += 1
                hit_n[kind] += any(_matches(p, f) for f in fs if f[0] in ("error", "warning"))
    total, hits = sum(planted_n.values()), sum(hit_n.values())
    return {"planted": total, "recalled": hits, "recall": round(hits / total, 3) if total else None,
            "by_kind": {k: f"{hit_n[k]}/{planted_n[k]}" for k in sorted(planted_n)},
            "clean_docs": clean_docs, "clean_docs_with_error": false_alarm_docs,
            "unreadable": len(unreadable)}


_NUMBER = re.compile(r"-?\d[\d,]*(?:\.\d+)?")


def _numbers(s: str) -> set[Decimal]:
    return {Decimal(m.replace(",", "")) for m in _NUMBER.findall(s or "")}


def _matches(planted: dict, finding: tuple) -> bool:
    """Same path (or a parent/child path), or the finding mentions the planted stated value."""
    _, fpath, msg, stated = finding
    ppath = planted.get("path") or ""
    if fpath and ppath and (fpath == ppath or fpath.startswith(ppath + ".") or ppath.startswith(fpath + ".")):
        return True
    values = _numbers(str(planted.get("stated", "")))
    return bool(values) and bool(values & (_numbers(stated) | _numbers(msg)))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=300, help="number of reports (default 300)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--error-rate", type=float, default=0.3)
    ap.add_argument("--engines", default="local1,local2,dask")
    ap.add_argument("--flat", action="store_true", help="also run local2 on 2N files (memory flatness)")
    ap.add_argument("--keep", type=Path, default=ROOT / "bench" / "out", help="where corpora and outputs go")
    ap.add_argument("--one", nargs=4, metavar=("ENGINE", "JOBS", "FOLDER", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        engine, jobs, folder, out = args.one
        _one(engine, int(jobs), folder, out)
        return

    folder, manifest, source = build_corpus(args.n, args.seed, args.error_rate, args.keep)
    print(f"corpus: {args.n} files (txt/docx/pdf in turn) from {source}; cores: {os.cpu_count()}, "
          f"load average now {os.getloadavg()[0]:.1f} (other processes share the cores)")
    cpu = cpu_per_file(folder)
    mean = sum(cpu.values()) / len(cpu)
    print("CPU per file, in-process on one core: "
          + ", ".join(f"{k} {v:.1f} ms" for k, v in cpu.items())
          + f"; mixed mean {mean:.1f} ms → capacity {1000 / mean:.0f} files/s per free core", flush=True)
    results = []
    for name in args.engines.split(","):
        engine, jobs = ("dask", 2) if name == "dask" else ("local", int(name.removeprefix("local") or 2))
        r = run(folder, args.keep / f"batch-{args.n}-{name}.db", engine, jobs)
        results.append(r)
        print(f"{name:>7}: {r['files']} files in {r['seconds']} s = {r['files_per_second']} files/s "
              f"({r['steady']} files/s after the first result, i.e. without start-up); "
              f"peak RSS {r['peak_rss_mb']} MB (driver + workers); unreadable {r['unreadable']}", flush=True)
    by = {f"{r['engine']}{r['jobs']}": r for r in results}
    if "local1" in by and "local2" in by and by["local1"]["files_per_second"]:
        print(f"scaling 2 vs 1 worker: ×{by['local2']['files_per_second'] / by['local1']['files_per_second']:.2f}")
    if args.flat:
        folder2, _, _ = build_corpus(2 * args.n, args.seed, args.error_rate, args.keep)
        r2 = run(folder2, args.keep / f"batch-{2 * args.n}-local2.db", "local", 2)
        print(f"   flat: {2 * args.n} files with 2 workers: {r2['files_per_second']} files/s "
              f"({r2['steady']} steady); peak RSS {r2['peak_rss_mb']} MB "
              f"(vs {by.get('local2', {}).get('peak_rss_mb')} MB for {args.n})", flush=True)
    db = args.keep / f"batch-{args.n}-{args.engines.split(',')[-1]}.db"
    rc = recall(db, manifest)
    print(f"recall of planted errors: {rc['recalled']}/{rc['planted']} = {rc['recall']} by kind {rc['by_kind']}; "
          f"clean reports with an error finding: {rc['clean_docs_with_error']}/{rc['clean_docs']}; "
          f"unreadable: {rc['unreadable']}")


if __name__ == "__main__":
    main()
