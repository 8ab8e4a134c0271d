"""The auditor on the real corpus: labelled inconsistencies found, unlabelled errors, planted errors.

    python bench/audit.py --real ../shared/corpus            # all of it (held-out files: numbers only)

Part 1 runs ``jixiao check`` over every ``real/rNNN.txt`` and the seeds and matches the findings
against the labels' ``inconsistencies``: a label without a ``rounding:`` / ``definition:`` prefix
is found when a finding at warning or above names its figures (the stated value and the other
side of the comparison, as numbers of the finding's stated / recomputed / arithmetic text and of
the label's stated / recomputed / arithmetic text). An error-level finding that matches no label
is an unlabelled error. For the held-out third only codes and counts are printed.

Part 2 plants errors in memory in every real text and seed (never written anywhere): one figure of
a sum that checks out, of a rate that reproduces from its inputs, of a count that matches its list,
and the restatement of a total its parts confirm, changed by a few units of its last digit (two changes
per site, each in its own copy); recall per kind, other new errors in the changed copies, and the
errors found on the unmutated texts. A planted change is found by a new finding at the severity the
rule promises (an error; a warning for a restatement that no breakdown ties down) whose evidence or
related evidence covers the changed figure.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

from jixiao.audit import check
from jixiao.extract import extract
from jixiao.figures import build_index
from jixiao.ingest import read_bytes

#: The held-out third of real/: never printed, only counted.
HELD_OUT = {f"r{n:03d}" for n in (5, 7, 9, 11, 12, 18, 19, 20, 22, 25, 30, 32, 35, 36, 39, 40, 42, 43, 51, 53, 54,
                                  67, 68, 72, 73)}
_RANK = {"error": 0, "warning": 1, "info": 2}
_NUM = re.compile(r"\d+(?:\.\d+)?")


def _nums(*texts) -> set[Decimal]:
    out: set[Decimal] = set()
    for t in texts:
        if t is None:
            continue
        for m in _NUM.finditer(str(t).replace(",", "")):
            d = Decimal(m.group(0))
            out.add(d.normalize())
            out.add((d / 10000).normalize())  # a figure the label converted from 元 to 万元
    return out


def _first(text) -> Decimal | None:
    if text is None:
        return None
    m = _NUM.search(str(text).replace(",", ""))
    return Decimal(m.group(0)).normalize() if m else None


def matches(f, label: dict) -> bool:
    """A finding names a labelled inconsistency: its stated figure and its other side are the label's."""
    lab = _nums(label.get("stated"), label.get("recomputed"), label.get("arithmetic"))
    st = _first(f.stated)
    if st is None or not ({st, (st / 10000).normalize()} & lab):
        return False
    other = _nums(f.recomputed, f.arithmetic, *(e.text for e in f.related)) - {st}
    return bool(other & lab)


def analyse_text(name: str, text: str):
    doc = read_bytes(text.encode("utf-8"), f"{name}.txt")
    ev = extract(doc)
    idx = build_index(doc)
    return check(ev, doc, index=idx), idx


def labelled(corpus: Path, show: bool = True) -> dict:
    """Part 1: recall of labelled inconsistencies and unlabelled errors over real/ and the seeds."""
    files = sorted((corpus / "real").glob("r*.txt")) + sorted(corpus.glob("[0-9]*.txt"))
    res = {"targets": 0, "found": 0, "found_error": 0, "unlabelled": 0, "docs": 0, "held_targets": 0,
           "held_found": 0, "held_unlabelled": 0, "held_docs": 0, "seed_unlabelled": 0}
    held_codes: Counter = Counter()
    lines: list[str] = []
    t0 = time.process_time()
    for p in files:
        name = p.stem
        held = name in HELD_OUT
        seed = p.parent == corpus
        labels = json.loads(p.with_suffix(".expected.json").read_text("utf-8")).get("inconsistencies", [])
        findings, _ = analyse_text(name, p.read_text("utf-8"))
        targets = [lb for lb in labels if not lb["what"].startswith(("rounding:", "definition:"))]
        for lb in targets:
            hit = [f for f in findings if _RANK[f.severity] <= 1 and matches(f, lb)]
            res["targets"] += 1
            res["found"] += bool(hit)
            res["found_error"] += any(f.severity == "error" for f in hit)
            if held:
                res["held_targets"] += 1
                res["held_found"] += bool(hit)
            elif show and not hit:
                lines.append(f"  MISSED {name}: {lb['what'][:90]}")
        errors = [f for f in findings if f.severity == "error" and not any(matches(f, lb) for lb in targets)]
        res["unlabelled"] += len(errors)
        res["docs"] += 1
        if seed:
            res["seed_unlabelled"] += len(errors)
        if held:
            res["held_unlabelled"] += len(errors)
            res["held_docs"] += 1
            held_codes.update(f.code for f in errors)
        elif show:
            for f in errors:
                lines.append(f"  UNLABELLED {name}:{f.evidence.line if f.evidence else '?'} {f.code} {f.message[:110]}")
    res["cpu"] = time.process_time() - t0
    res["held_codes"] = dict(held_codes)
    res["lines"] = lines
    return res


# -- planted errors -------------------------------------------------------------------------------------

def _bump(raw: str, rng: random.Random, up: bool | None = None, min_step: Decimal = Decimal(0)) -> str:
    """The same figure a few units of its last digit off (same written precision); ``up`` forces the
    direction (a part raised above its total, a count above its list), ``min_step`` the least change."""
    dec = len(raw.partition(".")[2])
    v = Decimal(raw.replace(",", ""))
    step = Decimal(1).scaleb(-dec)
    k = rng.choice([3, 4, 5, 7])
    if up is False or (up is None and rng.random() < 0.5 and v - k * step > 0):
        k = -k
    delta = k * step
    if abs(delta) < min_step:
        delta = (min_step // step + 1) * step * (1 if k > 0 else -1)
    if v + delta <= 0:
        delta = abs(delta)
    return f"{v + delta:.{dec}f}"


def plant_sites(idx) -> dict[str, list[tuple]]:
    """(figure, direction, least change) per kind: figures whose change a careful reader catches.

    A part of a sum that checks out is raised above what its total allows (parts exceeding a total
    are an error; parts falling short may be a non-exhaustive list, a warning); a stated rate that
    reproduces from its inputs moves out of their rounding interval; a count that matches its list
    is raised (a list shorter than its count); one of two equal statements of a labelled amount moves.
    """
    from jixiao.audit.figures import _rate_working, rate_verdict, sum_band, sum_verdict, tol, unit_of

    out: dict[str, list] = defaultdict(list)

    def rate_site(rate, num, den) -> None:
        sev, *_ = rate_verdict(rate, num, [den], cutoff=None)
        if sev is None:
            _e, lo, hi = _rate_working(num, den)
            out["rate"].append((rate, None, (hi - lo) + 2 * tol(rate)))

    for g in idx.groups:
        if g.kind == "sum" and g.where == "text" and len(g.parts) >= 2 and not g.etc:
            counts = g.total.kind == "count"
            sev, _s, _d, _t = sum_verdict(g.total, g.parts, exhaustive=False, counts=counts)
            if sev is None:
                p = g.parts[0]
                t, band = sum_band(g.total, g.parts, counts)
                # past the tolerance and the last-digit band: a clear mismatch, not rounding
                out["sum"].append((p, True, (2 * t + band + unit_of(p)) / _scale(p)))
        elif g.kind == "rate" and g.rate.decimals <= 2:
            rate_site(g.rate, g.numerator, g.denominators[0])
        elif g.kind == "count" and len(g.items) == int(g.count.value) and not g.etc:
            out["count"].append((g.count, True, Decimal(0)))
        elif g.kind == "exec_row" and g.fig("rate") is not None and g.fig("executed") is not None \
                and g.fig("budget") is not None and g.fig("budget").value > 0:
            rate_site(g.fig("rate"), g.fig("executed"), g.fig("budget"))
    from jixiao.audit.figures import _sum_roles
    from jixiao.figures.lists import repeat_keys

    _failing, confirmed = _sum_roles(idx)
    grouped = {f.i for g in idx.groups if g.kind == "sum" for f in (g.total, *g.parts)}
    for fs in repeat_keys(idx).values():
        same = [f for f in fs if f.value == fs[0].value]
        tied = [f for f in same if f.i in confirmed]
        if len(same) >= 2 and any(f.i in grouped for f in same):
            other = next(f for f in reversed(same) if not tied or f is not tied[0])
            # an error when a confirmed total is restated, else the rule promises a warning
            out["repeat"].append((other, None, 4 * tol(other) / _scale(other), "error" if tied else "warning"))
    return out


def _scale(f) -> Decimal:
    from jixiao.audit.figures import scale

    return scale(f)


def planted(corpus: Path, seed: int = 0, variants: int = 2, per_doc: int = 5) -> dict:
    """Part 2: each planted change in its own copy of the text (``variants`` changes per site)."""
    rng = random.Random(seed)
    per_kind: Counter = Counter()
    found: Counter = Counter()
    false_planted: dict[str, Counter] = defaultdict(Counter)
    false_clean = Counter()
    clean_docs = 0
    missed: dict[str, str] = {}
    others: list[str] = []
    files = sorted((corpus / "real").glob("r*.txt")) + sorted(corpus.glob("[0-9]*.txt"))
    for p in files:
        text = p.read_text("utf-8")
        base, idx = analyse_text(p.stem, text)
        clean_docs += 1
        labels = json.loads(p.with_suffix(".expected.json").read_text("utf-8")).get("inconsistencies", [])
        false_clean.update(f.code for f in base if f.severity == "error"
                           and not any(matches(f, lb) for lb in labels))
        before = {(f.code, f.message) for f in base}
        for kind, sites in plant_sites(idx).items():
            for f, up, least, *expect in sites[:per_doc]:
                need = _RANK[expect[0] if expect else "error"]
                for _ in range(variants):
                    raw = idx.text[f.start:f.start + len(f.raw)]
                    new = _bump(raw, rng, up, least)
                    mutated = text[:f.start] + new + text[f.start + len(raw):]
                    a, b = f.start, f.start + len(new)
                    fs, _ = analyse_text(p.stem, mutated)
                    per_kind[kind] += 1
                    fresh = [f2 for f2 in fs if _RANK[f2.severity] <= need and (f2.code, f2.message) not in before]
                    touching = [f2 for f2 in fresh if any(e.start < b and a < e.end
                                                          for e in (f2.evidence, *f2.related) if e is not None)]
                    found[kind] += bool(touching)
                    false_planted[kind].update(f2.code for f2 in fresh if f2 not in touching and f2.severity == "error")
                    if p.stem not in HELD_OUT:
                        for f2 in fresh:
                            if f2 not in touching and f2.severity == "error":
                                others.append(f"{p.stem}: {raw} → {new}: {f2.code} {f2.message[:80]}")
                    if not touching and p.stem not in HELD_OUT:
                        missed.setdefault(kind, [])
                        missed[kind].append(f"{p.stem}: {raw} → {new} …{idx.context(f)}…")
    return {"per_kind": dict(per_kind), "found": dict(found), "false_clean": dict(false_clean),
            "false_planted": {k: dict(v) for k, v in false_planted.items()}, "clean_docs": clean_docs,
            "missed": missed, "others": others}


def report(corpus: Path, seed: int = 0) -> int:
    r = labelled(corpus)
    print(f"real corpus + seeds: {r['docs']} documents ({r['held_docs']} held out), CPU {r['cpu']:.1f} s "
          f"({r['docs'] / max(r['cpu'], 1e-9):.0f} documents/s for extract + index + check)")
    print(f"labelled inconsistencies (no rounding:/definition: prefix): found {r['found']}/{r['targets']} "
          f"= {r['found'] / max(r['targets'], 1):.2f} (as error: {r['found_error']}); "
          f"held-out: {r['held_found']}/{r['held_targets']}")
    print(f"error findings matching no label: {r['unlabelled']} on {r['docs']} documents "
          f"(seeds {r['seed_unlabelled']}; held-out {r['held_unlabelled']}: {r['held_codes'] or '-'})")
    for line in r["lines"]:
        print(line)
    m = planted(corpus, seed)
    print("planted errors in real texts (one change per site, in memory):")
    print(f"{'kind':<10}{'planted':>8}{'found':>8}{'recall':>9}  other new errors in those copies")
    for kind in sorted(m["per_kind"]):
        n, k = m["per_kind"][kind], m["found"].get(kind, 0)
        fp = ", ".join(f"{c}×{x}" for c, x in sorted(m["false_planted"].get(kind, {}).items())) or "0"
        print(f"{kind:<10}{n:>8}{k:>8}{k / n:>9.1%}  {fp}")
    fc = ", ".join(f"{c}×{n}" for c, n in sorted(m["false_clean"].items())) or "none"
    print(f"errors matching no label on the {m['clean_docs']} unmutated texts (real + seeds): {fc}")
    for ex in m["others"][:6]:
        print(f"  other new error: {ex}")
    for kind, exs in m["missed"].items():
        for ex in exs[:6]:
            print(f"  missed {kind}: {ex}")
    return 0
