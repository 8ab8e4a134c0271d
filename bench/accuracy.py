"""Field recall and wrong values of the extractor against the corpus labels.

Usage: python bench/accuracy.py [CORPUS_DIR] [-v|--docs] [--dev] [--synth N] [--formats docx,pdf,gb18030]

With the default corpus (../shared/corpus) it reports the five seeds, the part of ``real/`` worked on, and the
held-aside third of ``real/`` (a fixed random sample, see ``holdout``) on separate lines, each with the fields
missed most often by kind. ``--formats`` also renders every real text to those formats (bench/formats.py) and
reads it back, so ingest can be compared with the text.

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
    for sec in ("projects", "other_rates", "funding_sources"):
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


#: The held-aside third of ``real/``: a fixed random sample, never looked at while the extractor is tuned.
HOLDOUT_SEED = 20261201


def holdout(names: list[str]) -> set[str]:
    import random

    return set(random.Random(HOLDOUT_SEED).sample(sorted(names), len(names) // 3))


def _kind(note: str) -> str:
    m = re.match(r"(missing|WRONG) ([a-z_]+)(?:\[[^]]*\])?\.?([a-z_]*)", note)
    return f"{m.group(2)}.{m.group(3)}".rstrip(".") if m else note.split(":")[0]


def run(docs: list[tuple[dict, Path]], title: str, verbose: bool, show_docs: bool, fmt: str | None = None) -> None:
    """Score the extractor on ``docs`` (label, text path); with ``fmt`` the text is first rendered to it."""
    import tempfile
    from collections import Counter

    T = H = W = 0
    misses: Counter[str] = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for label, src in docs:
            path = src
            if fmt:
                from bench.formats import write

                text = src.read_text("utf-8")
                path = Path(tmp) / (src.stem + (".txt" if fmt == "gb18030" else "." + fmt))
                write(text, path, **({"encoding": "gb18030"} if fmt == "gb18030" else {}))
            got = evaluation_to_json(extract(read(path)), evidence=False)
            t, h, w, notes = compare(label, got)
            T, H, W = T + t, H + h, W + w
            misses.update(_kind(n) for n in notes)
            if show_docs:
                print(f"  {label['doc']:26} {t:6d} {h / t if t else 1:7.3f} {w:5d}")
                if verbose:
                    for n in notes:
                        print("      " + n)
    top = ", ".join(f"{k} {v}" for k, v in misses.most_common(6))
    print(f"{title:28} {T:6d} {H / T if T else 1:7.3f} {W:5d}  {W / T if T else 0:6.3f}   {top}")


def main(argv: list[str]) -> int:
    verbose = "-v" in argv
    show_docs = verbose or "--docs" in argv
    n_synth = int(argv[argv.index("--synth") + 1]) if "--synth" in argv else 0
    formats = argv[argv.index("--formats") + 1].split(",") if "--formats" in argv else []
    args = [a for i, a in enumerate(argv) if not a.startswith("-") and (i == 0 or argv[i - 1] not in ("--synth", "--formats"))]
    corpus = Path(args[0]) if args else ROOT.parent / "shared" / "corpus"
    print(f"{'corpus':28} {'fields':>6} {'recall':>7} {'wrong':>5}  {'wrong%':>6}   fields missed most often")
    seeds = [(json.loads(p.read_text("utf-8")), p.with_name(p.name.replace(".expected.json", ".txt")))
             for p in sorted(corpus.glob("*.expected.json"))]
    real_dir = corpus / "real" if (corpus / "real").is_dir() else None
    if not seeds and real_dir is None:
        print(f"no labels under {corpus}")
        return 0
    if seeds:
        run(seeds, corpus.name if args else "seeds", verbose, show_docs)
    if real_dir is not None:
        real = [(json.loads(p.read_text("utf-8")), p.with_name(p.name.replace(".expected.json", ".txt")))
                for p in sorted(real_dir.glob("*.expected.json"))]
        held = holdout([lb["doc"] for lb, _ in real])
        work = [d for d in real if d[0]["doc"] not in held]
        aside = [d for d in real if d[0]["doc"] in held]
        run(work, "real (worked on)", verbose, show_docs)
        if "--dev" not in argv:  # while tuning, leave the held-aside third unread
            run(aside, "real (held aside)", False, False)
        for fmt in formats:
            run(work, f"real (worked on) as {fmt}", False, False, fmt)
            if "--dev" not in argv:
                run(aside, f"real (held aside) as {fmt}", False, False, fmt)
    if n_synth:
        synth(n_synth, verbose)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
