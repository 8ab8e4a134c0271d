"""Does reading and extracting stay linear? ``extract(read(...))`` on texts of 10 KB to 4 MB.

Usage: python -m bench.scaling [--sizes 10K,100K,1M,4M] [--shapes dense-row,dense-table,paragraph]
                               [--seconds 60] [--memory-mb 2048]

Three shapes of report text (our own words), each grown to the size in UTF-8 bytes:

* ``dense-row``: a stated rate, then one table row of figures apart by spaces (a PDF table without
  rules), as long as the size;
* ``dense-table``: rows of 50 figures each, a stated rate every 20 rows;
* ``paragraph``: one paragraph of clauses with figures and no line break.

Each size runs in a bounded child (:func:`jixiao.workers.run_limited`), so a quadratic case prints
"over budget" instead of hanging. Printed: CPU time per character (µs), the peak memory the run
added per input byte, and for each shape the ratio of the largest size's time per character to the
smallest's (linear: within 1.5×).
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HEAD = "青石县农业技术推广站2023年度部门整体支出绩效自评报告\n全年预算数86.40万元，执行数85.12万元，预算执行率98.52%。\n"
SHAPES = ("dense-row", "dense-table", "paragraph")
_UNITS = {"K": 1024, "M": 1024 * 1024}


def parse_size(text: str) -> int:
    text = text.strip().upper().removesuffix("B")
    return int(float(text[:-1]) * _UNITS[text[-1]]) if text[-1:] in _UNITS else int(text)


def make_text(shape: str, size: int, seed: int = 1) -> str:
    """A report of ``shape`` whose UTF-8 encoding is about ``size`` bytes."""
    rng = random.Random(seed)
    parts = [HEAD]
    used = len(HEAD.encode())

    def figure() -> str:
        return f"{rng.randrange(1, 99999)}.{rng.randrange(100):02d}"

    if shape == "dense-row":
        parts.append("资金到位率98.52%\n")
        row: list[str] = []
        while used < size:
            f = figure()
            row.append(f)
            used += len(f) + 2
        parts.append("  ".join(row) + "\n")
    elif shape == "dense-table":
        k = 0
        while used < size:
            line = ("到位率98.52%\n" if k % 20 == 0 else "") + "\t".join(figure() for _ in range(50)) + "\n"
            parts.append(line)
            used += len(line.encode())
            k += 1
    elif shape == "paragraph":
        clause = "全年预算数{}万元，执行数{}万元，执行率98.52%，"
        while used < size:
            c = clause.format(figure(), figure())
            parts.append(c)
            used += len(c.encode())
        parts.append("\n")
    else:
        raise ValueError(f"unknown shape {shape!r}; use one of {SHAPES}")
    return "".join(parts)


def _measure(shape: str, size: int) -> dict:
    """In the child: build the text, then read + extract it; CPU seconds and the peak memory added."""
    from jixiao.extract import extract
    from jixiao.ingest import read_bytes

    data = make_text(shape, size).encode()
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    t0 = time.process_time()
    w0 = time.perf_counter()
    doc = read_bytes(data, f"{shape}.txt")
    extract(doc)
    cpu = time.process_time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"bytes": len(data), "chars": len(doc.text), "cpu": cpu, "wall": time.perf_counter() - w0,
            "added": max(0, peak - base)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10K,100K,1M,4M")
    ap.add_argument("--shapes", default=",".join(SHAPES))
    ap.add_argument("--seconds", type=float, default=60, help="budget of one run (wall clock)")
    ap.add_argument("--memory-mb", type=int, default=2048, help="memory budget of one run")
    args = ap.parse_args(argv)
    import jixiao.extract  # noqa: F401 - imported once, so children do not pay for it
    import jixiao.ingest.text  # noqa: F401
    from jixiao.workers import Limits, WorkerMemory, WorkerTimeout, run_limited

    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    limits = Limits(args.seconds, args.memory_mb)
    print(f"budget per run: {args.seconds:g} s wall, {args.memory_mb} MB; times are CPU seconds of the child")
    print(f"{'shape':12} {'size':>8} {'chars':>10} {'CPU s':>8} {'µs/char':>8} {'MB added':>9} {'B/input B':>10}")
    verdicts = []
    for shape in args.shapes.split(","):
        per_char: list[float] = []
        for size in sizes:
            label = f"{size // 1024} KB" if size < 1024 * 1024 else f"{size / 1048576:g} MB"
            try:
                r = run_limited(_measure, shape, size, limits=limits)
            except WorkerTimeout:
                print(f"{shape:12} {label:>8} {'':>10} over budget (> {args.seconds:g} s)", flush=True)
                per_char.append(float("inf"))
                continue
            except WorkerMemory:
                print(f"{shape:12} {label:>8} {'':>10} over memory budget (> {args.memory_mb} MB)", flush=True)
                per_char.append(float("inf"))
                continue
            us = r["cpu"] / max(r["chars"], 1) * 1e6
            per_char.append(us)
            print(f"{shape:12} {label:>8} {r['chars']:>10,} {r['cpu']:>8.3f} {us:>8.2f} "
                  f"{r['added'] / 1048576:>9.1f} {r['added'] / r['bytes']:>10.1f}", flush=True)
        if not per_char or per_char[0] in (0, float("inf")):
            verdicts.append(f"{shape}: no ratio (the smallest size did not finish)")
        elif per_char[-1] == float("inf"):
            verdicts.append(f"{shape}: NOT linear (the largest size ran over budget)")
        else:
            ratio = per_char[-1] / per_char[0]
            verdicts.append(f"{shape}: largest/smallest time per char {ratio:.2f}× "
                            f"({'linear' if ratio <= 1.5 else 'NOT linear'})")
    print("\n" + "\n".join(verdicts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
