"""Scoring throughput: 10,000 generated evaluations over the three shipped frameworks.

Prints indicator rows scored per second (aim: ≥ 50,000 rows/s on one core) and the total time.
Usage: python bench/scoring.py [--n 10000] [--seed 1] [--profile]
"""

from __future__ import annotations

import argparse
import random
import time
from decimal import Decimal

from jixiao.model import Budget, Evaluation, Indicator, Project, Ratio, Staffing
from jixiao.scoring import Scorer, load_framework

D = Decimal


def _d(rng: random.Random, lo: int, hi: int, places: int = 2) -> Decimal:
    """A random Decimal in [lo, hi] with ``places`` decimals, made from integers (no floats)."""
    scale = 10 ** places
    return D(rng.randint(lo * scale, hi * scale)).scaleb(-places)


def shenzhen(rng: random.Random, fw) -> Evaluation:
    rows = []
    for top in fw.tree:
        for l2 in top.children:
            for leaf in l2.children:
                rows.append(Indicator(name=leaf.name, level1=top.name, level2=l2.name, weight=leaf.weight,
                                      score=leaf.weight - _d(rng, 0, 1) if leaf.weight > 1 else leaf.weight))
    plan = _d(rng, 50, 500, 3)
    rates = [
        Ratio("政府采购执行率", D(99), plan - _d(rng, 0, 5, 3), plan),
        Ratio("固定资产利用率", D(100), _d(rng, 300, 527), D("527.49")),
        Ratio("财政供养人员控制率", D(90), D(rng.randint(5, 12)), D(10)),
        Ratio("日常公用经费控制率", D(100), D("57.94"), D("57.94"), {"年初": _d(rng, 50, 70), "调整后": _d(rng, 55, 65)}),
        *(Ratio(f"{q}季度序时执行率", _d(rng, 75, 105)) for q in "一二三四"),
    ]
    return Evaluation(doc="sz", scope="department", indicators=tuple(rows), other_rates=tuple(rates))


def mof(rng: random.Random, fw) -> Evaluation:
    budget = _d(rng, 10, 500)
    rows = [Indicator(name="预算执行率", level1="项目资金", weight=D(10), score=D(10))]
    kinds = [("≥{t}场", "{a}场", False), ("≤{t}%", "{a}%", False), ("={t}", "{a}", False), ("合规", "合规", True),
             ("提高", "部分达成", True)]
    for l1, n, w in (("产出指标", 5, 10), ("效益指标", 3, 10), ("满意度指标", 1, 10)):
        for i in range(n):
            tmpl_t, tmpl_a, qual = kinds[rng.randrange(len(kinds))]
            t, a = rng.randint(1, 200), rng.randint(0, 220)
            rows.append(Indicator(name=f"{l1}{i}", level1=l1, level2="数量指标", target=tmpl_t.format(t=t),
                                  actual=tmpl_a.format(a=a), weight=D(w),
                                  score=D(w) if not qual else _d(rng, 6, 10)))
    return Evaluation(doc="mof", scope="project", indicators=tuple(rows),
                      budget=Budget(adjusted=budget, executed=budget - _d(rng, 0, 9)),
                      projects=(Project("p", budget),))


def common(rng: random.Random, fw) -> Evaluation:
    rows = []
    for top in fw.tree:
        for l2 in top.children:
            for leaf in l2.children:
                rows.append(Indicator(name=leaf.name, level1=top.name, level2=l2.name, weight=leaf.weight,
                                      score=leaf.weight))
    initial = _d(rng, 100, 1000)
    rates = [Ratio(n, _d(rng, 80, 100)) for n in ("三公经费控制率", "政府采购执行率", "固定资产利用率", "实际完成率",
                                                   "完成及时率", "质量达标率", "重点工作办结率", "服务对象满意度")]
    rates += [Ratio("三公经费变动率", _d(rng, -10, 10)), *(Ratio(f"{q}季度支付进度", _d(rng, 80, 105)) for q in "一二三四")]
    return Evaluation(doc="c", scope="department", indicators=tuple(rows), other_rates=tuple(rates),
                      staffing=Staffing(rng.randint(8, 20), rng.randint(5, 20), 0),
                      budget=Budget(initial=initial, adjusted=initial + _d(rng, 0, 50), executed=initial - _d(rng, 0, 30),
                                    adjustment=_d(rng, 0, 50), carryover_end=_d(rng, 0, 30), public=_d(rng, 10, 20),
                                    public_initial=_d(rng, 15, 20)),
                      deductions=("未定期开展资产清查",) if rng.random() < 0.3 else ())


GENERATORS = {"dept-shenzhen": shenzhen, "mof-project-2020": mof, "dept-common-2013": common}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="runs; the best (least CPU) is reported")
    ap.add_argument("--explain", action="store_true",
                    help="also build every item's formula and reason (they are otherwise made on first access)")
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    scorers = {name: Scorer(load_framework(name)) for name in GENERATORS}
    fws = {name: load_framework(name) for name in GENERATORS}
    names = list(GENERATORS)
    jobs = []
    for i in range(args.n):
        name = names[i % len(names)]
        jobs.append((scorers[name], GENERATORS[name](rng, fws[name])))
    rows = sum(len(ev.indicators) for _, ev in jobs)

    def run() -> int:
        scored = 0
        for scorer, ev in jobs:
            items = scorer.score(ev).items
            if args.explain:
                for it in items:
                    it.reason  # noqa: B018 - forces the lazy explanation
            scored += len(items)
        return scored

    if args.profile:
        import cProfile
        import pstats

        cProfile.runctx("run()", globals(), {"run": run}, "/tmp/scoring.prof")
        pstats.Stats("/tmp/scoring.prof").sort_stats("tottime").print_stats(25)
        return
    dt = cpu = float("inf")
    for _ in range(max(1, args.repeat)):
        t0, c0 = time.perf_counter(), time.process_time()
        items = run()
        dt, cpu = min(dt, time.perf_counter() - t0), min(cpu, time.process_time() - c0)
    what = "scores with formulas and reasons" if args.explain else "scores (explanations built on first access)"
    print(f"evaluations: {args.n:,}  indicator rows: {rows:,}  scored items: {items:,}  — {what}")
    print(f"total time (best of {args.repeat}): {dt:.3f} s wall, {cpu:.3f} s CPU (one core)")
    print(f"throughput: {rows / cpu:,.0f} indicator rows/s per CPU-second "
          f"({rows / dt:,.0f} rows/s wall-clock; {args.n / cpu:,.0f} evaluations/s)")


if __name__ == "__main__":
    main()
