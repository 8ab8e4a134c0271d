"""Audit a self-evaluation like a careful reviewer: ``check(ev, doc) -> list[Finding]``.

Checks live in one module per family — :mod:`.arithmetic` (JX1xx; the score table's in :mod:`.weights`),
:mod:`.logic` (JX2xx), :mod:`.quality` (JX3xx), and :mod:`.figures` / :mod:`.forms` (JX4xx, over the
figure index of :mod:`jixiao.figures`) — and register themselves in
:data:`jixiao.audit.registry.REGISTRY`. ``check`` runs every selected rule and
returns the findings sorted by their position in the document. The rule
catalogue is ``docs/audit.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from jixiao.audit import arithmetic, figures, forms, logic, quality, scoring, weights  # noqa: F401  (registers the checks)
from jixiao.audit.context import Context, profile_for
from jixiao.audit.registry import REGISTRY, Rule, selected
from jixiao.model import Evaluation, Finding

__all__ = ["check", "REGISTRY", "Rule", "selected", "sort_findings", "summary"]

_SEV_ORDER = {"error": 0, "warning": 1, "info": 2}


def _score(ev: Evaluation, framework: str | None) -> Any:
    """The scoring engine's result, which the score checks compare with the stated scores.

    An auditor profile that is no scoring framework (``adjusted-base``) scores under the detected
    framework; a framework that is named but cannot be loaded is an error, not a silent loss of the
    score checks.
    """
    from jixiao.audit.context import PROFILES
    from jixiao.scoring import FrameworkError, load_framework, score_evaluation

    if framework in PROFILES:
        try:
            load_framework(framework)
        except FrameworkError:
            framework = None
    try:
        return score_evaluation(ev, framework)
    except FrameworkError:
        if framework:
            raise
        return None
    except Exception:  # noqa: BLE001 - the audit must not fail because scoring did
        return None


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    """By position in the document (findings without evidence last), then code."""
    big = 1 << 62
    return sorted(findings, key=lambda f: (f.evidence.start if f.evidence else big,
                                           f.evidence.end if f.evidence else big,
                                           f.code, _SEV_ORDER.get(f.severity, 9)))


def check(ev: Evaluation, doc: Any = None, *, framework: str | None = None, score_result: Any = None,
          select: list[str] | None = None, ignore: list[str] | None = None, index: Any = None) -> list[Finding]:
    """Run every selected check over ``ev`` (and ``doc`` for the text checks); findings sorted by position.

    ``select``/``ignore`` take ruff-style code prefixes (``JX1``, ``JX204``, ``ALL``). ``index`` is the
    document's figure index when the caller built it already (``jixiao.pipeline.analyse`` does).
    """
    if score_result is None:
        score_result = _score(ev, framework)
    fw = framework or getattr(score_result, "framework", None)
    ctx = Context(ev=ev, doc=doc, profile=profile_for(fw if isinstance(fw, str) else None),
                  score_result=score_result)
    if index is not None:
        ctx.cache["figure_index"] = index
    out: list[Finding] = []
    seen: set[tuple] = set()
    for r in selected(select, ignore):
        if r.needs_doc and doc is None:
            continue
        try:
            found = list(r.func(ctx) or ())
        except ArithmeticError:  # a degenerate figure (zero or negative base) leaves nothing to recompute
            continue
        for f in found:
            key = (f.code, f.path, f.message, f.evidence.start if f.evidence else None)
            if key in seen or (f.code.startswith("JX4") and _reported(f, out)):
                continue
            seen.add(key)
            out.append(f)
    return sort_findings(out)


def _reported(f: Finding, earlier: list[Finding]) -> bool:
    """A figure-index finding that a field rule already made on the same figure (same stated and
    recomputed figures)."""
    if f.evidence is None:
        return False
    spans = [(f.evidence.start, f.evidence.end)]
    for g in earlier:
        if g.evidence is None or g.code.startswith("JX4"):
            continue
        for e in (g.evidence, *g.related):
            if any(e.start < b and a < e.end for a, b in spans) and _same_number(f.stated, g.stated) \
                    and _same_number(f.recomputed, g.recomputed):
                return True
    return False


def _same_number(a: str | None, b: str | None) -> bool:
    import re
    from decimal import Decimal

    na = re.findall(r"\d+(?:\.\d+)?", (a or "").replace(",", ""))
    nb = re.findall(r"\d+(?:\.\d+)?", (b or "").replace(",", ""))
    return bool(na and nb) and Decimal(na[0]) == Decimal(nb[0])


def summary(findings: Iterable[Finding]) -> dict[str, int]:
    """Counts per severity plus the total."""
    out = {"error": 0, "warning": 0, "info": 0}
    n = 0
    for f in findings:
        out[f.severity] = out.get(f.severity, 0) + 1
        n += 1
    out["total"] = n
    return out
