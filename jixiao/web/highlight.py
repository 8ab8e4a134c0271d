"""Lay a stored document text out as numbered lines with the evidence spans marked.

Pure presentation: the spans come from the extractor's evidence and the
auditor's findings (``{"start", "end", "line", "text"}``); nothing is parsed here.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Mark:
    start: int
    end: int
    kind: str  # "fig" (an extracted figure), "hit" (a finding's evidence) or "hit rel" (a figure it was recomputed from)
    title: str
    ref: str  # the evidence path or "f3" for finding 3


@dataclass(slots=True)
class Segment:
    text: str
    mark: Mark | None = None
    sentences: str = ""  # "f0 f3": the findings whose sentence this piece belongs to


@dataclass(slots=True)
class Line:
    number: int
    segments: list[Segment] = field(default_factory=list)
    findings: list[int] = field(default_factory=list)


def marks_from(evidence: Mapping[str, Any] | None, findings: Iterable[Mapping[str, Any]] | None,
               labels: Mapping[str, str] | None = None) -> list[Mark]:
    out: list[Mark] = []
    for i, f in enumerate(findings or ()):
        ev = f.get("evidence") or {}
        if isinstance(ev.get("start"), int) and isinstance(ev.get("end"), int) and ev["end"] > ev["start"]:
            out.append(Mark(ev["start"], ev["end"], "hit", f"{f.get('code', '')} {f.get('message', '')}", f"f{i}"))
        for rel in f.get("related") or ():
            if isinstance(rel, Mapping) and isinstance(rel.get("start"), int) and isinstance(rel.get("end"), int) \
                    and rel["end"] > rel["start"]:
                out.append(Mark(rel["start"], rel["end"], "hit rel", f"{f.get('code', '')} 参与计算的数字", f"f{i}"))
    for path, ev in (evidence or {}).items():
        if (isinstance(ev, Mapping) and isinstance(ev.get("start"), int) and isinstance(ev.get("end"), int)
                and ev["end"] > ev["start"]):
            label = (labels or {}).get(path.split("[")[0].split(".")[-1], "")
            out.append(Mark(ev["start"], ev["end"], "fig", f"{path}{' ' + label if label else ''}", path))
    return out


SENTENCE_ENDS = "。；！？\n"


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``[start, end)``: from after the previous 。；！？ or line break to the next one."""
    a = max((text.rfind(ch, 0, start) for ch in SENTENCE_ENDS), default=-1) + 1
    ends = [i for i in (text.find(ch, end) for ch in SENTENCE_ENDS) if i != -1]
    b = min(ends) + (0 if text[min(ends)] == "\n" else 1) if ends else len(text)
    while a < start and text[a] in " \t\u3000":
        a += 1
    return a, max(b, end)


def layout(text: str, marks: Iterable[Mark], findings: Iterable[Mapping[str, Any]] | None = None) -> list[Line]:
    """Numbered lines (1-based, like the evidence) with non-overlapping marks; findings' marks win.

    Each finding's sentence is tagged on the pieces it covers (``Segment.sentences``) so the page can
    light the whole sentence up when the finding is clicked.
    """
    findings = list(findings or ())
    chosen: list[Mark] = []
    taken: list[tuple[int, int]] = []
    rank = {"hit": 0, "hit rel": 1}
    for m in sorted(marks, key=lambda m: (rank.get(m.kind, 2), m.start, -(m.end - m.start))):
        if m.start < 0 or m.end > len(text):
            continue
        i = bisect.bisect_left(taken, (m.start, m.start))
        overlaps = (i > 0 and taken[i - 1][1] > m.start) or (i < len(taken) and taken[i][0] < m.end)
        if overlaps:
            continue
        taken.insert(i, (m.start, m.end))
        chosen.append(m)
    chosen.sort(key=lambda m: m.start)
    sentences: list[tuple[int, int, str]] = []
    for i, f in enumerate(findings):
        ev = f.get("evidence") or {}
        if isinstance(ev.get("start"), int) and isinstance(ev.get("end"), int) and 0 <= ev["start"] < ev["end"] <= len(text):
            a, b = sentence_span(text, ev["start"], ev["end"])
            sentences.append((a, b, f"f{i}"))
    cuts = sorted({0, len(text), *(p for m in chosen for p in (m.start, m.end)),
                   *(p for a, b, _ in sentences for p in (a, b))})

    lines: list[Line] = []
    pos = 0
    mi = 0
    ci = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        start, end = pos, pos + len(raw)
        line = Line(number)
        while mi < len(chosen) and chosen[mi].end <= start:
            mi += 1
        while ci < len(cuts) and cuts[ci] <= start:
            ci += 1
        cj = bisect.bisect_left(cuts, end, ci)
        points = [start, *cuts[ci:cj], end] if start < end else []
        j = mi
        for a, b in zip(points, points[1:], strict=False):
            if b <= a:
                continue
            while j < len(chosen) and chosen[j].end <= a:
                j += 1
            mark = chosen[j] if j < len(chosen) and chosen[j].start <= a < chosen[j].end else None
            tags = " ".join(tag for sa, sb, tag in sentences if sa <= a < sb) if sentences else ""
            line.segments.append(Segment(text[a:b], mark, tags))
        lines.append(line)
        pos = end + 1
    for i, f in enumerate(findings):
        n = (f.get("evidence") or {}).get("line")
        if isinstance(n, int) and 1 <= n <= len(lines):
            lines[n - 1].findings.append(i)
    return lines
