"""The 抽查复核 risk of a report: how much a reviewer's attention it deserves."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from jixiao.batch.runner import CENT, to_decimal


@dataclass(frozen=True)
class RiskWeights:
    """risk = errors×error + warnings×warning + |self-score − recomputed|×score_gap
    + max(0, 100 − execution rate)×shortfall (+ unreadable for a file that could not be read)."""

    error: Decimal = Decimal(10)
    warning: Decimal = Decimal(2)
    score_gap: Decimal = Decimal(1)
    shortfall: Decimal = Decimal("0.5")
    unreadable: Decimal = Decimal(5)


def risk_score(rec: dict[str, Any], w: RiskWeights = RiskWeights()) -> Decimal:
    if rec.get("error"):
        return w.unreadable.quantize(CENT)
    risk = w.error * int(rec.get("n_errors") or 0) + w.warning * int(rec.get("n_warnings") or 0)
    stated, recomputed = to_decimal(rec.get("self_score")), to_decimal(rec.get("score_total"))
    if stated is not None and recomputed is not None:
        risk += abs(stated - recomputed) * w.score_gap
    rate = to_decimal(rec.get("execution_rate_recomputed"))
    if rate is None:
        rate = to_decimal(rec.get("execution_rate"))
    if rate is not None and rate < 100:
        risk += (100 - rate) * w.shortfall
    return risk.quantize(CENT, ROUND_HALF_UP)
