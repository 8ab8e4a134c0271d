"""Field recall and wrong values of the extractor against the corpus labels.

Usage: python bench/accuracy.py [CORPUS_DIR] [-v] [--synth N]

``--synth N`` also scores N synthetic reports from ``bench/synth.py`` (own wording,
other departments and provinces) against the figures they were generated from.

A labelled scalar counts as recalled when the extracted value equals it exactly
(numbers compared as Decimal, strings with whitespace removed); a differing
value is wrong. List entries are matched by name (whitespace removed), and for
indicators in table order when names repeat. For seed-style negative labels
(a section the label omits, e.g. 002's budget) any extracted value counts as wrong.
"""

from __future__ import annotations

import json
import re
import sys
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jixiao.extract import evaluation_to_json, extract  # noqa: E402
from jixiao.ingest import read  # noqa: E402

SECTIONS = ("budget", "funding", "projects", "indicators", "score", "staffing", "other_rates")
NEGATIVE = ("budget", "projects", "indicators", "score", "staffing")


def _eq(a, b) -> bool:
    if isinstance(a, (int, float)) and not isinstance(a, bool) and isinstance(b, (int, float)):
        return Decimal(str(a)) == Decimal(str(b))
    if isinstance(a, str) and isinstance(b, str):
        return re.sub(r"\s", "", a) == re.sub(r"\s", "", b)
    return a == b


def _key(name: str) -> str:
    return re.sub(r"\s", "", name or "")


def compare(label: dict, got: dict) -> tuple[int, int, int, list[str]]:
    """(labelled fields, recalled, wrong, notes)."""
    total = hit = wrong = 0
    notes: list[str] = []

    def check(path: str, want, have):
        nonlocal total, hit, wrong
        total += 1
        if want is None:  # the label asserts "not stated" (year null): recalled when nothing is read
            if have is None:
                hit += 1
            else:
                wrong += 1
                notes.append(f"WRONG {path}: want None got {have!r}")
            return
        if have is None:
            notes.append(f"missing {path} = {want!r}")
        elif _eq(want, have):
            hit += 1
        else:
            wrong += 1
            notes.append(f"WRONG {path}: want {want!r} got {have!r}")

    for key in ("department", "year", "scope"):
        check(key, label.get(key), got.get(key))
    for sec in ("budget", "funding", "staffing"):
        for k, v in (label.get(sec) or {}).items():
            check(f"{sec}.{k}", v, (got.get(sec) or {}).get(k))
    if "score" in label:
        check("score.total", label["score"].get("total"), (got.get("score") or {}).get("total"))
        for k, v in (label["score"].get("parts") or {}).items():
            check(f"score.parts.{k}", v, ((got.get("score") or {}).get("parts") or {}).get(k))
    for sec in ("projects", "other_rates"):
        have = {_key(e.get("name")): e for e in got.get(sec) or []}
        for e in label.get(sec) or []:
            g = have.get(_key(e["name"]))
            for k, v in e.items():
                if k in ("name", "budget", "executed", "execution_rate", "stated", "numerator", "denominator"):
                    check(f"{sec}[{e['name']}].{k}", v, None if g is None else g.get(k))
    labelled = label.get("indicators") or []
    have_list = got.get("indicators") or []
    for i, e in enumerate(labelled):
        g = next((h for h in have_list if _key(h.get("name")) == _key(e["name"])), None)
        if g is None and i < len(have_list):
            g = None
        for k, v in e.items():
            check(f"indicators[{i}:{e['name']}].{k}", v, None if g is None else g.get(k))
    for sec in NEGATIVE:
        if sec not in label and got.get(sec):
            wrong += 1
            notes.append(f"WRONG {sec}: label omits it, extracted {json.dumps(got[sec], ensure_ascii=False)[:120]}")
    return total, hit, wrong, notes


def synth(n: int, verbose: bool) -> None:
    from bench.synth import generate
    from jixiao.ingest.base import TextBuilder

    T = H = W = 0
    worst: list[str] = []
    for rep in generate(n, seed=7, error_rate=0.0):
        b = TextBuilder()
        b._add(rep.text)
        got = evaluation_to_json(extract(b.build(rep.name + ".txt", "txt")), evidence=False)
        label = {k: v for k, v in rep.truth.items() if k in ("department", "year", "scope", "budget", "funding",
                                                              "projects", "indicators", "score", "staffing", "other_rates")}
        t, h, w, notes = compare(label, got)
        T, H, W = T + t, H + h, W + w
        worst.extend(f"{rep.name}: {x}" for x in notes)
    print(f"{'synthetic x' + str(n):28} {T:6d} {H / T if T else 1:7.3f} {W:5d}")
    if verbose:
        for line in worst[:40]:
            print("    " + line)


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    n_synth = int(argv[argv.index("--synth") + 1]) if "--synth" in argv else 0
    args = [a for i, a in enumerate(argv) if not a.startswith("-") and (i == 0 or argv[i - 1] != "--synth")]
    corpus = Path(args[0]) if args else ROOT.parent / "shared" / "corpus"
    labels = sorted(corpus.glob("*.expected.json"))
    if not labels:
        print(f"no labels under {corpus}")
        return 0
    T = H = W = 0
    print(f"{'document':28} {'fields':>6} {'recall':>7} {'wrong':>5}")
    for lp in labels:
        label = json.loads(lp.read_text("utf-8"))
        src = lp.with_name(lp.name.replace(".expected.json", ".txt"))
        got = evaluation_to_json(extract(read(src)), evidence=False)
        t, h, w, notes = compare(label, got)
        T, H, W = T + t, H + h, W + w
        print(f"{label['doc']:28} {t:6d} {h / t if t else 1:7.3f} {w:5d}")
        if verbose:
            for n in notes:
                print("    " + n)
    print(f"{'overall':28} {T:6d} {H / T if T else 1:7.3f} {W:5d}")
    if n_synth:
        synth(n_synth, verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
