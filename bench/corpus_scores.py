"""Scores of the labelled corpus: how many documents that state indicator weights get a recomputed total,
how many a partial one, and how the totals compare with the stated ones.

Built from the labels (``*.expected.json``: the seeds and the development third of ``real/``; the held-out
files are never opened), and, for comparison, from the same texts through the extractor. Prints aggregate
figures only. Usage: python bench/corpus_scores.py [--corpus ../shared/corpus]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_scoring_labels import HELD_OUT, load_label  # noqa: E402

from jixiao.scoring import score_evaluation  # noqa: E402


def files(corpus: Path) -> list[Path]:
    real = [p for p in sorted((corpus / "real").glob("r*.expected.json")) if p.name[:4] not in HELD_OUT]
    return [*sorted(corpus.glob("*.expected.json")), *real]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = ap.parse_args()
    if not args.corpus.is_dir():
        print(f"corpus absent: {args.corpus}")
        return
    tally: Counter[str] = Counter()
    frameworks: Counter[str] = Counter()
    t0 = time.process_time()
    for path in files(args.corpus):
        data, ev = load_label(path)
        if not any(i.get("weight") is not None for i in data.get("indicators", [])):
            continue
        tally["weighted"] += 1
        res = score_evaluation(ev)
        frameworks[res.framework] += 1
        stated = (data.get("score") or {}).get("total")
        listed = [i for i in data.get("inconsistencies", []) if not str(i.get("what", "")).startswith("rounding")]
        if res.total is not None:
            tally["complete"] += 1
            if stated is not None:
                key = "equal" if res.total == Decimal(str(stated)) else "differs"
                tally[f"stated total, {key}{', inconsistency listed' if listed else ''}"] += 1
        elif res.partial is not None:
            tally["partial"] += 1
        else:
            tally["nothing"] += 1
        tally["disagreeing items"] += sum(1 for it in res.items if it.recomputed and it.stated is not None
                                          and it.score is not None and it.score != it.stated)
        for inc in listed:  # a listed inconsistency about a row's score: does the engine score it as listed?
            rows = [i for i, row in enumerate(data.get("indicators", [])) if row.get("score") == inc.get("stated")]
            if rows and inc.get("recomputed") is not None:
                tally["listed score inconsistencies"] += 1
                tally["listed score inconsistencies reproduced"] += any(
                    it.index in rows and it.score is not None and it.score != it.stated
                    and abs(it.score - Decimal(str(inc["recomputed"]))) <= Decimal("0.01") for it in res.items)
        # the same text through the extractor, for comparison
        text = path.with_name(path.name.replace(".expected.json", ".txt"))
        try:
            from jixiao.pipeline import load

            got, _ = load(text)
            r2 = score_evaluation(got)
            tally["extracted: total"] += r2.total is not None
            tally["extracted: partial"] += r2.total is None and r2.partial is not None
        except Exception:  # noqa: BLE001 - a bench counts, it does not stop
            tally["extracted: unreadable"] += 1
    cpu = time.process_time() - t0
    n = tally["weighted"]
    print(f"labelled documents with indicator weights: {n} (seeds + development third of real/)")
    print(f"  recomputed total {tally['complete']}, partial (marked) {tally['partial']}, nothing {tally['nothing']}")
    for key in sorted(k for k in tally if k.startswith("stated total")):
        print(f"  {key}: {tally[key]}")
    print(f"  listed score inconsistencies reproduced by the engine: "
          f"{tally['listed score inconsistencies reproduced']}/{tally['listed score inconsistencies']}")
    print(f"  items where the engine disagrees with the stated score: {tally['disagreeing items']}")
    print(f"  frameworks chosen: {dict(frameworks)}")
    print(f"  through the extractor: total {tally['extracted: total']}, partial {tally['extracted: partial']}, "
          f"unreadable {tally['extracted: unreadable']}  ({cpu:.1f} s CPU)")


if __name__ == "__main__":
    main()
