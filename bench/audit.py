"""Bench the auditor on synthetic reports: recall per planted error kind, false alarms, documents/s.

    python bench/audit.py -n 500 --seed 1            # through the extractor when it is installed
    python bench/audit.py -n 500 --oracle            # figures straight from the truth (auditor alone)
    python bench/audit.py --real ../shared/corpus    # the real corpus: labels found, planted errors (realcorpus.py)

A planted error counts as found when a finding at the expected severity or above (``error`` for
arithmetic plants, ``warning`` for a 其中 breakdown) points at — or relates to — one of the planted
figure's spans. An ``error`` finding that touches no planted span is a false error.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from synth import generate, to_evaluation  # noqa: E402

from jixiao.audit import check  # noqa: E402

_RANK = {"error": 0, "warning": 1, "info": 2}


def _touches(f, spans) -> bool:
    for e in (f.evidence, *f.related):
        if e is None:
            continue
        for s, t in spans:
            if e.start < t and s < e.end:
                return True
    return False


def _extract(rep):
    from jixiao.extract import extract
    from jixiao.ingest import read_bytes

    doc = read_bytes(rep.text.encode("utf-8"), rep.name)
    return extract(doc), doc


_CHECK_PATHS = ("budget.initial", "budget.adjusted", "budget.executed", "budget.execution_rate", "budget.basic",
                "budget.project", "budget.personnel", "budget.public", "budget.adjustment", "score.total")


def _misses(rep, ev) -> list[str]:
    """Labelled figures the extractor did not return (path and the sentence around them)."""
    out = []
    b = rep.truth.get("budget", {})
    for path in _CHECK_PATHS:
        section, _, key = path.partition(".")
        want = (b if section == "budget" else rep.truth.get("score", {})).get(key)
        if want is None:
            continue
        got = getattr(ev.budget if section == "budget" else ev.score, key, None)
        if got is None or Decimal(str(want)) != got:
            s, e = rep.spans[path]
            ctx = rep.text[max(0, s - 25):e + 8].replace("\n", "⏎")
            out.append(f"{path} want {want} got {got}: …{ctx}…")
    n_ind = len(rep.truth.get("indicators", []))
    if n_ind and len(ev.indicators) != n_ind:
        out.append(f"indicators: want {n_ind} rows got {len(ev.indicators)}")
    n_rates = len(rep.truth.get("other_rates", []))
    got_rates = sum(1 for r in ev.other_rates if r.numerator is not None)
    if got_rates < n_rates:
        out.append(f"other_rates with inputs: want {n_rates} got {got_rates}")
    if rep.truth.get("breakdowns") and not ev.breakdowns:
        s, e = rep.spans["breakdowns[0].total"]
        out.append(f"breakdowns: none read: …{rep.text[max(0, s - 12):e + 40]}…")
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--error-rate", type=float, default=0.3)
    ap.add_argument("--oracle", action="store_true", help="build evaluations from the truth, not the extractor")
    ap.add_argument("--show-misses", type=int, default=8, help="extractor misses to print")
    ap.add_argument("--real", metavar="CORPUS", help="audit the real corpus (labels and planted errors) instead")
    args = ap.parse_args(argv)
    if args.real:
        from realcorpus import report

        return report(Path(args.real), seed=args.seed)

    use_extractor = not args.oracle
    if use_extractor:
        try:
            import jixiao.extract  # noqa: F401
        except ImportError:
            print("jixiao.extract not available: using --oracle", file=sys.stderr)
            use_extractor = False

    reports = list(generate(args.n, seed=args.seed, error_rate=args.error_rate))
    planted = Counter()
    found = Counter()
    false_planted: dict[str, Counter] = defaultdict(Counter)
    false_clean = Counter()
    clean_docs = clean_docs_with_errors = 0
    missed_examples: dict[str, str] = {}
    extractor_misses: Counter = Counter()
    miss_examples: list[str] = []
    t_load = t_check = 0.0
    for rep in reports:
        t0 = time.process_time()
        ev, doc = _extract(rep) if use_extractor else to_evaluation(rep)
        t1 = time.process_time()
        findings = check(ev, doc)
        t2 = time.process_time()
        t_load += t1 - t0
        t_check += t2 - t1
        if use_extractor:
            for m in _misses(rep, ev):
                extractor_misses[m.split(" ")[0]] += 1
                if len(miss_examples) < args.show_misses and m.split(" ")[0] not in {x.split(" ")[0] for x in miss_examples}:
                    miss_examples.append(m)
        spans_all = [tuple(s) for p in rep.planted for s in p["spans"]]
        for p in rep.planted:
            planted[p["kind"]] += 1
            need = _RANK[p["expect"]]
            spans = [tuple(s) for s in p["spans"]]
            if any(_RANK.get(f.severity, 9) <= need and _touches(f, spans) for f in findings):
                found[p["kind"]] += 1
            else:
                missed_examples.setdefault(p["kind"], f"{rep.name} {p['path']} stated {p['stated']} true {p['true']}")
        errors = [f for f in findings if f.severity == "error"]
        if rep.planted:
            for f in errors:
                if not _touches(f, spans_all):
                    for p in rep.planted:
                        false_planted[p["kind"]][f.code] += 1
        else:
            clean_docs += 1
            if errors:
                clean_docs_with_errors += 1
                for f in errors:
                    false_clean[f.code] += 1

    mode = "extractor" if use_extractor else "oracle (truth → Evaluation)"
    print(f"documents: {len(reports)}  seed {args.seed}  error rate {args.error_rate}  mode: {mode}")
    print(f"{'kind':<14}{'planted':>8}{'found':>8}{'recall':>9}  false errors in those docs")
    tp = tn = 0
    for kind in sorted(planted):
        n, k = planted[kind], found[kind]
        tp += k
        tn += n
        fp = ", ".join(f"{c}×{m}" for c, m in false_planted[kind].most_common()) or "0"
        print(f"{kind:<14}{n:>8}{k:>8}{k / n:>9.1%}  {fp}")
    if tn:
        print(f"{'all':<14}{tn:>8}{tp:>8}{tp / tn:>9.1%}")
    for kind, ex in missed_examples.items():
        print(f"  missed {kind}: {ex}")
    fc = ", ".join(f"{c}×{m}" for c, m in false_clean.most_common()) or "none"
    print(f"clean documents: {clean_docs}, with a false error: {clean_docs_with_errors} ({fc})")
    n = len(reports)
    print(f"check (CPU time, one process): {n / t_check:,.0f} documents/s ({t_check / n * 1000:.2f} ms each)"
          + (f"; extract+check: {n / (t_check + t_load):,.0f} documents/s" if use_extractor else ""))
    if use_extractor and extractor_misses:
        print("extractor misses (figure not read or read differently):")
        for k, m in extractor_misses.most_common():
            print(f"  {k:<28}{m}")
        for ex in miss_examples:
            print(f"    e.g. {ex}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
