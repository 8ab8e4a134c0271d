"""Forms rendered per second, xlsx and docx (form + draft), on one core.

Usage: python -m bench.render [-n 40]

Renders the demo evaluations of :mod:`jixiao.render.samples` (a project form and a
department three-level table) with a precomputed score result, so the figure is the
renderer's own cost. Aim: ≥ 20 forms/s per format. Wall-clock and CPU-time rates are both
printed: on a shared machine the CPU-time rate is the one that measures the code.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import time


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=40, help="forms per format and evaluation")
    ap.add_argument("--json", action="store_true", help="print JSON")
    args = ap.parse_args()
    with contextlib.suppress(AttributeError, OSError):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    from jixiao.render import render
    from jixiao.render.context import compute_score
    from jixiao.render.samples import dept_eval, project_eval

    evs = [(ev, compute_score(ev)) for ev in (project_eval(), dept_eval())]
    out = {}
    for to in ("xlsx", "docx"):
        for ev, sr in evs:  # warm-up: imports, layout cache
            render(ev, to, score_result=sr)
        t0, c0 = time.perf_counter(), time.process_time()
        count = 0
        for _ in range(args.n):
            for ev, sr in evs:
                render(ev, to, score_result=sr)
                count += 1
        dt, cpu = time.perf_counter() - t0, time.process_time() - c0
        out[to] = {"forms": count, "seconds": round(dt, 3), "cpu_seconds": round(cpu, 3),
                   "forms_per_second": round(count / dt, 1), "forms_per_cpu_second": round(count / cpu, 1)}
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
    else:
        for to, r in out.items():
            print(f"{to:5s} {r['forms_per_second']:7.1f} forms/s wall, {r['forms_per_cpu_second']:7.1f} forms/s CPU "
                  f"({r['forms']} forms in {r['seconds']} s wall / {r['cpu_seconds']} s CPU, one core)")


if __name__ == "__main__":
    main()
