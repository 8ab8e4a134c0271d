"""Region reader agreement: the place read from each label's ``department`` against the label's ``region``.

Reads the development labels (default ``/tmp/dev``, the non-held-out real texts; never the held-out third)
and the five seeds (whose README table names their place). A label's region is written like
``云南省临沧市永德县``; it is read with the same reader, so 红河州 and 红河哈尼族彝族自治州 compare equal.
Per label: *exact* (every level the label has, nothing else), *subset* (fewer levels, none wrong), *wrong*
(a level that contradicts the label), *empty* (nothing read). Labels whose region is unknown are skipped.

Usage: python bench/region.py [--dir /tmp/dev] [--show]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from jixiao.region import read_region

SEED_REGIONS = {"000": "广东省广州市荔湾区", "001": "广东省广州市番禺区", "002": "广东省佛山市三水区",
                "003": "湖南省衡阳市南岳区", "004": "广东省深圳市宝安区"}


def labels(folder: Path, seeds: Path | None) -> list[tuple[str, str, str]]:
    out = []
    for f in sorted(folder.glob("*.expected.json")):
        d = json.loads(f.read_text(encoding="utf-8"))
        region, dept = d.get("region"), d.get("department")
        if region and dept and not str(region).startswith("unknown"):
            out.append((f.name.split(".")[0], dept, str(region).split(" (")[0].split("（")[0]))
    if seeds is not None:
        for f in sorted(seeds.glob("*.expected.json")):
            d = json.loads(f.read_text(encoding="utf-8"))
            key = f.name[:3]
            if key in SEED_REGIONS and d.get("department"):
                out.append((key, d["department"], SEED_REGIONS[key]))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/dev"))
    ap.add_argument("--seeds", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "corpus")
    ap.add_argument("--show", action="store_true", help="print each label's reading")
    args = ap.parse_args()
    rows = labels(args.dir, args.seeds if args.seeds.is_dir() else None)
    if not rows:
        print(f"no labels with a region under {args.dir}")
        return
    tally = {"exact": 0, "subset": 0, "wrong": 0, "empty": 0}
    levels_label = levels_read = 0
    t0 = time.process_time()
    for key, dept, region in rows:
        want, got = read_region(region), read_region(dept)
        pairs = [(w, g) for w, g in zip(want.parts_by_level(), got.parts_by_level(), strict=True)]
        wrong = any(g and w and g != w or g and not w for w, g in pairs)
        levels_label += sum(1 for w, _ in pairs if w)
        levels_read += sum(1 for w, g in pairs if w and g == w)
        verdict = ("wrong" if wrong else "empty" if not got else
                   "exact" if all(g == w for w, g in pairs) else "subset")
        tally[verdict] += 1
        if args.show:
            print(f"{key}  {verdict:6}  {dept}  →  {got.text() or '—'}  （标注 {want.text()}）")
    cpu = time.process_time() - t0
    n = len(rows)
    print(f"labels with a region: {n}  exact {tally['exact']}  subset {tally['subset']}  wrong {tally['wrong']}  "
          f"empty {tally['empty']}")
    print(f"levels (省/市/县) agreed: {levels_read}/{levels_label} = {levels_read / max(levels_label, 1):.3f}; "
          f"no wrong level: {(n - tally['wrong']) / n:.3f}; {n / max(cpu, 1e-9):,.0f} names/s CPU")


if __name__ == "__main__":
    main()
