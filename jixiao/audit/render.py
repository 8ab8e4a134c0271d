"""Findings as compiler-style text, JSON, or a self-contained HTML page.

Text::

    001.txt:20:4: error JX106 预算执行率 写为 99.96%，按 130.44/130.76 计算为 99.76%
        = 130.44 / 130.76 × 100% = 99.7553% → 99.76%（调整后预算口径）
        | 10 99.96% 9.98

JSON (one object per file, a list for several)::

    {"file", "findings": [{"code", "severity", "message", "path", "stated", "recomputed",
                           "arithmetic", "evidence": {"start", "end", "line", "text"}, ...}],
     "summary": {"error", "warning", "info", "total"}}
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from jixiao.audit import summary
from jixiao.model import Finding


@dataclass
class FileReport:
    """What ``jixiao check`` learnt about one input."""

    file: str
    findings: list[Finding] = field(default_factory=list)
    doc: Any = None  # jixiao.ingest.Document | None
    error: str | None = None


def _column(doc: Any, f: Finding) -> int:
    if f.evidence is None:
        return 0
    if doc is not None and hasattr(doc, "column_of") and f.evidence.start <= len(getattr(doc, "text", "")):
        return doc.column_of(f.evidence.start)
    return 1


def _oneline(s: str, n: int = 160) -> str:
    s = " ".join(s.split())
    return s if len(s) <= n else s[: n - 1] + "…"


def render_text(reports: Sequence[FileReport]) -> str:
    lines: list[str] = []
    for r in reports:
        if r.error:
            continue  # unreadable inputs go to stderr, one line each
        for f in r.findings:
            if f.evidence is not None:
                loc = f"{r.file}:{f.evidence.line}:{_column(r.doc, f)}"
            else:
                loc = r.file
            lines.append(f"{loc}: {f.severity} {f.code} {f.message}")
            if f.arithmetic:
                lines.append(f"    = {f.arithmetic}")
            if f.evidence is not None and f.evidence.text:
                lines.append(f"    | {_oneline(f.evidence.text)}")
            for e in f.related:
                if f.evidence is None or e.line != f.evidence.line:
                    lines.append(f"    | 第 {e.line} 行：{_oneline(e.text, 100)}")
    total = summary(f for r in reports for f in r.findings)
    if total["total"]:
        lines.append(f"共 {total['total']} 条：错误 {total['error']}，警告 {total['warning']}，提示 {total['info']}")
    return "\n".join(lines) + ("\n" if lines else "")


def finding_json(f: Finding) -> dict[str, Any]:
    out: dict[str, Any] = {"code": f.code, "severity": f.severity, "message": f.message, "kind": f.kind,
                           "path": f.path, "stated": f.stated, "recomputed": f.recomputed,
                           "arithmetic": f.arithmetic,
                           "evidence": f.evidence.to_json() if f.evidence is not None else None}
    if f.related:
        out["related"] = [e.to_json() for e in f.related]
    return out


def report_json(r: FileReport) -> dict[str, Any]:
    out: dict[str, Any] = {"file": r.file, "findings": [finding_json(f) for f in r.findings],
                           "summary": summary(r.findings)}
    if r.error:
        out["error"] = r.error
    return out


def render_json(reports: Sequence[FileReport]) -> Any:
    """One object for one file, a list of objects for several."""
    data = [report_json(r) for r in reports]
    return data[0] if len(data) == 1 else data


_CSS = """
body{font-family:system-ui,"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;display:flex;gap:0}
main{flex:3;padding:1em 2em;min-width:0} aside{flex:2;padding:1em;background:#f7f7f9;border-left:1px solid #ddd;
max-height:100vh;overflow:auto;position:sticky;top:0}
pre.doc{white-space:pre-wrap;line-height:1.7;font-family:inherit}
mark{padding:0 1px;border-radius:2px} mark.error{background:#ffc9c9} mark.warning{background:#ffec99}
mark.info{background:#d0ebff} li{margin:.5em 0} .sev{font-weight:bold;text-transform:uppercase;font-size:.8em}
.error .sev,.sev.error{color:#c92a2a} .sev.warning{color:#a86a00} .sev.info{color:#1864ab}
code{background:#eee;padding:0 3px} .arith{color:#555;font-size:.9em} h2{font-size:1.1em;border-bottom:1px solid #ccc}
"""


def _doc_html(text: str, findings: Sequence[Finding], offset: int) -> str:
    """The text, escaped, with each finding's span highlighted; overlapping spans are merged."""
    spans = []
    for i, f in enumerate(findings):
        e = f.evidence
        if e is None or e.start < 0 or e.start > len(text):
            continue
        spans.append((e.start, max(min(e.end, len(text)), e.start), i))
    spans.sort()
    merged: list[list[Any]] = []
    for s, e, i in spans:
        if merged and s < merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], e)
            merged[-1][2].append(i)
        else:
            merged.append([s, e, [i]])
    rank = {"error": 0, "warning": 1, "info": 2}
    out: list[str] = []
    pos = 0
    for s, e, idx in merged:
        out.append(html.escape(text[pos:s]))
        anchors = "".join(f'<a id="f{offset + i}"></a>' for i in idx)
        sev = min((findings[i].severity for i in idx), key=lambda x: rank.get(x, 9))
        title = html.escape(" / ".join(f"{findings[i].code} {findings[i].message}" for i in idx), quote=True)
        out.append(f'{anchors}<mark class="{sev}" title="{title}">{html.escape(text[s:e])}</mark>')
        pos = e
    out.append(html.escape(text[pos:]))
    return "".join(out)


def render_html(reports: Sequence[FileReport], title: str = "jixiao check") -> str:
    """A self-contained page: each document's text with findings highlighted, and the list of findings."""
    main: list[str] = []
    side: list[str] = []
    offset = 0
    for r in reports:
        esc_file = html.escape(r.file)
        main.append(f"<h2>{esc_file}</h2>")
        side.append(f"<h2>{esc_file}</h2>")
        if r.error:
            side.append(f'<p class="sev error">无法读取：{html.escape(r.error)}</p>')
            continue
        text = getattr(r.doc, "text", None)
        if text is not None:
            main.append(f'<pre class="doc">{_doc_html(text, r.findings, offset)}</pre>')
        else:
            main.append("<p>（评价文件，无原文）</p>")
        s = summary(r.findings)
        side.append(f"<p>错误 {s['error']}，警告 {s['warning']}，提示 {s['info']}</p><ol>")
        for i, f in enumerate(r.findings):
            loc = f"第 {f.evidence.line} 行" if f.evidence is not None else "—"
            link = f'<a href="#f{offset + i}">{loc}</a>' if (f.evidence is not None and text is not None) else loc
            arith = f'<div class="arith">{html.escape(f.arithmetic)}</div>' if f.arithmetic else ""
            side.append(f'<li class="{f.severity}"><span class="sev {f.severity}">{f.severity}</span> '
                        f"<code>{f.code}</code> {link}<br>{html.escape(f.message)}{arith}</li>")
        side.append("</ol>")
        offset += len(r.findings)
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<main>{''.join(main)}</main><aside>{''.join(side)}</aside></body></html>\n")


def worst(findings: Iterable[Finding]) -> str | None:
    rank = {"error": 0, "warning": 1, "info": 2}
    best = None
    for f in findings:
        if best is None or rank.get(f.severity, 9) < rank.get(best, 9):
            best = f.severity
    return best
