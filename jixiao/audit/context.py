"""What every check sees: the evaluation, the document, the framework profile, and the
small arithmetic helpers (written precision, tolerance, formatting, OCR downgrade)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from jixiao.model import Evaluation, Evidence, Finding
from jixiao.numbers import NUM_RE, D, NumberError, quantize

#: Below this OCR confidence an arithmetic error is downgraded to a warning.
OCR_TRUST = Decimal("0.9")

HUNDRED = Decimal(100)

_APPROX_RE = re.compile(r"约|近|逾|余|多|左右|超过|以上|大约|将近")


@dataclass(frozen=True, slots=True)
class Profile:
    """The framework settings the auditor needs (the scoring engine owns the full frameworks).

    ``ratio_base`` is the default denominator for 调整率 / 公用经费控制率 (53号: the 年初 budget);
    ``project_weights`` the first-level defaults of the 项目 自评表; ``grades`` the lower bounds.
    """

    name: str = "default"
    ratio_base: str = "年初"
    project_weights: dict[str, Decimal] = field(default_factory=lambda: {
        "产出": Decimal(50), "效益": Decimal(30), "满意度": Decimal(10), "预算执行率": Decimal(10)})
    grades: tuple[tuple[Decimal, str], ...] = (
        (Decimal(90), "优"), (Decimal(80), "良"), (Decimal(60), "中"), (Decimal(0), "差"))
    over_completion: Decimal = Decimal("1.3")


PROFILES: dict[str, Profile] = {
    "default": Profile(),
    "53": Profile(name="53"),
    "10": Profile(name="10"),
    "shenzhen": Profile(name="shenzhen"),
    "adjusted-base": Profile(name="adjusted-base", ratio_base="调整后"),
}


def profile_for(framework: str | None) -> Profile:
    """The audit settings of the report form whose framework this is (``jixiao.forms``), else a named profile."""
    if not framework:
        return PROFILES["default"]
    form = _form_of(framework)
    if form is not None:
        base = Profile()
        return Profile(name=form.id, ratio_base=form.ratio_base, grades=form.grades or base.grades,
                       over_completion=form.over_completion or base.over_completion)
    key = framework.lower()
    for name, prof in PROFILES.items():
        if name in key:
            return prof
    return Profile(name=framework)


def _form_of(framework: str) -> Any:
    from jixiao.forms import all_forms, get
    from jixiao.scoring.framework import form_frameworks

    if get(framework) is not None:
        return get(framework)
    return next((f for f in all_forms() if form_frameworks().get(f.id) == framework), None)


def fmt(d: Decimal | None) -> str:
    """A Decimal as plain text, no exponent (``Decimal('1E+2')`` → ``100``)."""
    if d is None:
        return "—"
    s = format(d, "f")
    return s


def exponent_decimals(d: Decimal) -> int:
    exp = d.as_tuple().exponent
    return -exp if isinstance(exp, int) and exp < 0 else 0


def half(decimals: int) -> Decimal:
    return Decimal(5).scaleb(-(decimals + 1))


@dataclass
class Context:
    """The inputs of one audit run plus helpers shared by the checks."""

    ev: Evaluation
    doc: Any = None  # jixiao.ingest.Document | None
    profile: Profile = field(default_factory=Profile)
    score_result: Any = None

    # -- evidence and written precision -------------------------------------------------
    def evidence(self, path: str) -> Evidence | None:
        return self.ev.evidence.get(path)

    _dec_cache: dict = field(default_factory=dict)
    cache: dict = field(default_factory=dict)

    def decimals(self, path: str | None, value: Decimal) -> int:
        """Decimals as written: from the evidence text when it shows the figure, else the exponent."""
        key = (path, value)
        hit = self._dec_cache.get(key)
        if hit is None:
            hit = self._dec_cache[key] = self._decimals(path, value)
        return hit

    def _decimals(self, path: str | None, value: Decimal) -> int:
        best = exponent_decimals(value)
        ev = self.evidence(path) if path else None
        if ev is not None and ev.text:
            if ev.text.replace(",", "") == format(value, "f"):
                return max(best, _decimals(ev.text))
            for m in NUM_RE.finditer(ev.text):
                w = m.group(0)
                try:
                    if D(w) == value:
                        best = max(best, _decimals(w))
                except NumberError:
                    continue
        return best

    def tol(self, path: str | None, value: Decimal) -> Decimal:
        """Half a unit of the last written digit of one figure."""
        return half(self.decimals(path, value))

    def first_path(self, *paths: str) -> str | None:
        """The first of ``paths`` that has evidence (an indicator's target may have none, its score may)."""
        return next((p for p in paths if p in self.ev.evidence), paths[0] if paths else None)

    def indicator_path(self, i: int, *prefer: str) -> str:
        fields = (*prefer, "name", "score", "weight", "actual", "target")
        return self.first_path(*(f"indicators[{i}].{f}" for f in fields)) or f"indicators[{i}]"

    def locate(self, needle: str | None) -> Evidence | None:
        """Evidence for the first occurrence of a text in the document (a section the extractor read without span)."""
        if not needle or self.doc is None:
            return None
        needle = needle.strip()
        i = self.text.find(needle[:60]) if needle else -1
        if i < 0:
            return None
        return self.make_evidence(i, i + min(len(needle), 60))

    def approximate(self, path: str | None) -> bool:
        ev = self.evidence(path) if path else None
        if ev is None or not ev.text:
            return False
        return bool(_APPROX_RE.search(ev.text))

    def related(self, paths: Iterable[str | None]) -> tuple[Evidence, ...]:
        out: list[Evidence] = []
        for p in paths:
            e = self.evidence(p) if p else None
            if e is not None and e not in out:
                out.append(e)
        return tuple(out)

    # -- building findings ------------------------------------------------------------------
    def finding(self, code: str, severity: str, message: str, *, path: str | None = None,
                stated: Any = None, recomputed: Any = None, arithmetic: str | None = None,
                related: Iterable[str | None] = (), kind: str | None = None,
                evidence: Evidence | None = None) -> Finding:
        ev = evidence if evidence is not None else (self.evidence(path) if path else None)
        rel = tuple(e for e in self.related(related) if e != ev)
        if ev is None and rel:
            ev, rel = rel[0], rel[1:]
        f = Finding(code=code, severity=severity, message=message, path=path,
                    stated=None if stated is None else (fmt(stated) if isinstance(stated, Decimal) else str(stated)),
                    recomputed=None if recomputed is None else (
                        fmt(recomputed) if isinstance(recomputed, Decimal) else str(recomputed)),
                    arithmetic=arithmetic, evidence=ev, related=rel, kind=kind)
        return f

    def ocr_downgrade(self, f: Finding) -> Finding:
        """An error on an OCR-read figure (confidence < 0.9) becomes a warning naming OCR as a possible cause."""
        if f.severity != "error":
            return f
        confs = [e.confidence for e in (f.evidence, *f.related) if e is not None and e.confidence is not None]
        if not confs or min(confs) >= OCR_TRUST:
            return f
        low = min(confs)
        return replace(f, severity="warning",
                       message=f"{f.message}（该数字为OCR识读，置信度 {fmt(low)}，差异可能由识读错误造成，请核对原件）")

    # -- document helpers -------------------------------------------------------------------
    @property
    def text(self) -> str:
        return getattr(self.doc, "text", "") or ""

    def make_evidence(self, start: int, end: int) -> Evidence | None:
        """Evidence for a span of the document text (quality checks that read the text itself)."""
        if self.doc is None:
            return None
        text = self.text
        line = self.doc.line_of(start)
        ls = self.doc.line_starts[line - 1]
        le = text.find("\n", ls)
        line_text = text[ls: le if le != -1 else len(text)]
        snippet = text[start:end] if end - start <= 200 else text[start:start + 200]
        return Evidence(doc=self.ev.doc, start=start, end=end, line=line,
                        text=snippet if snippet.strip() else line_text,
                        page=self.doc.page_of(start) if hasattr(self.doc, "page_of") else None,
                        confidence=(self.doc.confidence_of(start, end)
                                    if getattr(self.doc, "ocr", False) else None))


def _decimals(raw: str) -> int:
    m = re.search(r"\.(\d+)", raw)
    return len(m.group(1)) if m else 0


# -- interval arithmetic for ratios -------------------------------------------------------------

def ratio_interval(num: Decimal, den: Decimal, tn: Decimal, td: Decimal) -> tuple[Decimal, Decimal] | None:
    """The range of num/den × 100 when each input may be off by half its last written digit."""
    lo_den, hi_den = den - td, den + td
    if den <= 0 or lo_den <= 0:
        return None
    lo = max(num - tn, Decimal(0)) / hi_den * HUNDRED
    hi = (num + tn) / lo_den * HUNDRED
    return lo, hi


def matches_interval(stated: Decimal, tol: Decimal, lo: Decimal, hi: Decimal) -> bool:
    return lo - tol <= stated <= hi + tol


def truncation_matches(stated: Decimal, decimals: int, lo: Decimal, hi: Decimal) -> bool:
    """The stated figure equals the recomputed one cut (not rounded) at the written decimals."""
    return quantize(lo, decimals, "down") <= stated <= quantize(hi, decimals, "down")
