"""A batch's results by (单位类型, 地区): reports, mean score, unreadable files, common finding codes."""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from jixiao.batch.runner import CENT, to_decimal
from jixiao.batch.store import finding_codes, finding_values, iter_reports
from jixiao.region import dept_type, region_of


def summarize(out: str | Path, depth: int = 3, top_codes: int = 3) -> list[dict[str, Any]]:
    """Rows by (单位类型, 地区): reports, mean score, unreadable, reports with errors, top finding codes.

    Streams the stored reports; memory grows with the number of departments, not reports
    (a Parquet output also keeps a hash → department map to attribute its findings).
    """
    from jixiao.audit.scoring import PARTIAL_CODE
    from jixiao.scoring.engine import Partial

    groups: dict[tuple[str, str], dict[str, Any]] = {}
    dept_key: dict[str | None, tuple[str, str]] = {}

    def group(dept: str | None) -> dict[str, Any]:
        if dept not in dept_key:
            dept_key[dept] = (dept_type(dept), region_of(dept, depth))
        k = dept_key[dept]
        if k not in groups:
            groups[k] = {"type": k[0], "region": k[1], "reports": 0, "scored": 0, "score_sum": Decimal(0),
                         "unreadable": 0, "with_errors": 0, "codes": Counter(), "partial": Partial.tally()}
        return groups[k]

    for r in iter_reports(out, ("department", "score_total", "self_score", "n_errors", "error")):
        _account(group(r["department"]), r)
    for dept, code, n in finding_codes(out):
        group(dept)["codes"][code] += n
    for dept, text in finding_values(out, PARTIAL_CODE):
        group(dept)["partial"].add(text)
    rows = []
    for g in sorted(groups.values(), key=lambda g: (-g["reports"], g["type"], g["region"])):
        mean = (g["score_sum"] / g["scored"]).quantize(CENT, ROUND_HALF_UP) if g["scored"] else None
        rows.append({"type": g["type"], "region": g["region"], "reports": g["reports"],
                     "mean_score": None if mean is None else str(mean), "unreadable": g["unreadable"],
                     "with_errors": g["with_errors"], "top_codes": g["codes"].most_common(top_codes),
                     "partial": g["partial"].to_json()})
    return rows


def _account(g: dict[str, Any], r: dict[str, Any]) -> None:
    g["reports"] += 1
    if r.get("error"):
        g["unreadable"] += 1
        return
    score = to_decimal(r.get("score_total"))
    if score is None:
        score = to_decimal(r.get("self_score"))
    if score is not None:
        g["scored"] += 1
        g["score_sum"] += score
    if (r.get("n_errors") or 0) > 0:
        g["with_errors"] += 1
