"""Indicators stated in prose, inside a section about indicators.

Three wordings are read, each only where it is unambiguous:

- an item followed by its completion rate: ``年度免费开放服务天360天，指标完成率100%`` (the item's actual value, and
  the rate as a stated ratio named after the item);
- a list of at least three rates: ``项目验收合格率100%，按时上报资金使用情况100%，工作任务及时完成率≥90%``;
- a target list and an achievement list naming the same items: ``目标：辅具适配200人，… 实际完成：辅具适配230人，…``.

Level names come from the section heading (``1.产出指标完成情况``) or an inline label (``数量指标：``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from jixiao.extract.collect import Context
from jixiao.extract.text import squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.model import Indicator, Ratio
from jixiao.numbers import D, NumberError

_ITEM_START = re.compile(r"^(?:[（(]?[一二三四五六七八九十\d]+[）)、.．]|[①②③④⑤⑥⑦⑧⑨⑩])\s*")


@vocabulary_cache
def _rx() -> dict[str, re.Pattern[str]]:
    """The patterns of this module, built from ``lexicon.yaml`` ``narrind``."""
    w = lexicon()["narrind"]
    target, actual = alt(w["target_markers"]), w["actual_marker"]
    return {
        "section": re.compile(rf"(?:{w['section']})|(?:{w['section_goal']})[。.:：]"),
        "anchor": re.compile(alt(w["section_anchor"])),
        "heading_end": re.compile(rf"(?:{alt(w['section_heading_end'])})[。.:：]?"),
        "level1": re.compile(rf"({alt(w['level1'])})"),
        "level2": re.compile(rf"^({alt(w['level2'])})[:：]"),
        "value": re.compile(rf"(?P<val>(?:[≥≤≧≦><]=?|{alt(w['value_comparators'])})?\s*\d+(?:\.\d+)?\s*"
                            rf"(?:{alt(w['value_units'])})?)$"),
        "completion": re.compile(rf"^(?:{w['completion_label']})\s*(?:{alt(w['completion_connector'])})?\s*"
                                 r"(?P<rate>\d+(?:\.\d+)?)\s*%$"),
        "qualitative": re.compile(rf"(?P<val>(?:{alt(w['qualitative_adverbs'])})?(?:{alt(w['qualitative_verbs'])}))$"),
        "listed_name": re.compile(rf"(?:{alt(w['listed_name_end'])})$|{alt(w['listed_name_words'])}"),
        "target": re.compile(rf"(?:{target})[:：]"),
        "actual": re.compile(rf"(?:{actual})[:：]"),
        "marker": re.compile(rf"({target}|{actual})[:：]"),
    }


@dataclass
class _Clause:
    text: str
    start: int
    end: int


def _clauses(text: str, start: int, end: int) -> list[_Clause]:
    out = []
    pos = start
    for m in re.finditer(r"[，,；;。\n]", text[start:end]):
        a, b = pos, start + m.start()
        seg = text[a:b]
        lead = len(seg) - len(seg.lstrip())
        if seg.strip():
            out.append(_Clause(seg.strip(), a + lead, a + lead + len(seg.strip())))
        pos = start + m.end()
    if pos < end and text[pos:end].strip():
        seg = text[pos:end]
        lead = len(seg) - len(seg.lstrip())
        out.append(_Clause(seg.strip(), pos + lead, pos + lead + len(seg.strip())))
    return out


def _sections_found(text: str):
    """Matches of the section pattern, tried only around its anchor words (a plain search for 指标 is fast,
    the pattern's optional prefixes are not)."""
    last = -1
    section = _rx()["section"]
    for a in _rx()["anchor"].finditer(text):
        if a.start() <= last:
            continue
        m = section.search(text, max(0, a.start() - 8), a.end() + 8)
        if m:
            last = m.end()
            yield m


def _line_at(text: str, pos: int) -> tuple[int, int]:
    a = text.rfind("\n", 0, pos) + 1
    b = text.find("\n", pos)
    return a, len(text) if b < 0 else b


def _sections(ctx: Context) -> list[tuple[int, int, str | None]]:
    """(start, end, level1) of the text under headings about indicators (a heading starts its line)."""
    out = []
    text = ctx.text
    seen = -1
    rx = _rx()
    for m in _sections_found(text):
        a, b = _line_at(text, m.start())
        if a <= seen or m.start() - a > 40:
            continue
        seen = a
        line = text[a:b]
        head = line.strip()[:40]
        if not line.strip() or ctx.is_claimed(a) or "\t" in line or "|" in line:
            continue
        l1 = rx["level1"].search(head)
        level1 = l1.group(0) if l1 else None
        inline = rx["heading_end"].search(head)
        start = a + line.find(inline.group(0)) + len(inline.group(0)) if inline else b
        end = b
        nxt = b
        for _ in range(3):  # the heading governs up to three following lines
            while nxt < len(text) and text[nxt] == "\n":
                nxt += 1
            if nxt >= len(text):
                break
            qa, qb = _line_at(text, nxt)
            q = text[qa:qb]
            qf = q.strip()
            if _ITEM_START.match(qf) and len(qf) < 40 or rx["section"].search(qf[:40]) or "|" in q or "\t" in q:
                break
            end = qb
            nxt = qb
        out.append((start, end, level1))
    return out


def read_prose_indicators(ctx: Context, ratios: list[Ratio]) -> list[Indicator]:
    """Indicators (and their completion rates) from prose sections; evidence under ``_list[i]``."""
    text = ctx.text
    rx = _rx()
    not_name_end = tuple(lexicon()["narrind"]["not_name_end"])
    out: list[Indicator] = []
    for start, end, level1 in _sections(ctx):
        clauses = _clauses(text, start, end)
        items: list[tuple[Indicator, dict]] = []
        level2 = None
        # target list / achievement list
        paired = _paired_lists(text, clauses)
        if paired:
            items.extend(paired)
        for k, c in enumerate(clauses):
            if paired:
                break
            body = c.text
            off = 0
            m2 = rx["level2"].match(body)
            if m2:
                level2, off = m2.group(0)[:-1], m2.end()
            im = _ITEM_START.match(body[off:])
            off += im.end() if im else 0
            rest = body[off:]
            nxt = clauses[k + 1].text if k + 1 < len(clauses) else ""
            comp = rx["completion"].match(nxt)
            vm = rx["value"].search(rest) or (rx["qualitative"].search(rest) if comp else None)
            if not vm:
                continue
            name = squash(rest[:vm.start()])
            if not (2 <= len(name) <= 30) or re.search(r"\d", name[:1]) or name.endswith(not_name_end):
                continue
            val = squash(vm.group("val"))
            a = c.start + off + vm.start("val")
            spans = {"name": (c.start + off, c.start + off + vm.start()), "actual": (a, a + len(vm.group("val")))}
            ind = Indicator(name=name, level1=level1, level2=level2, actual=val, project=ctx.project_at(c.start))
            if comp:
                items.append((ind, spans))
                r = comp.group("rate")
                rs = clauses[k + 1].start + clauses[k + 1].text.find(r)
                idx = len(ratios)
                ratios.append(Ratio(name=f"{name}指标完成率", stated=D(r)))
                ctx.mark(f"other_rates[{idx}].stated", rs, rs + len(r))
            elif val.endswith("%") and rx["listed_name"].search(name):
                items.append((ind, {**spans, "_list": True}))
        listed = [x for x in items if x[1].get("_list")]
        if 0 < len(listed) < 3:
            items = [x for x in items if not x[1].get("_list")]
        for ind, spans in items:
            idx = len(out)
            out.append(ind)
            for key, span in spans.items():
                if not key.startswith("_"):
                    ctx.mark(f"_list[{idx}].{key}", *span)
        if items:
            ctx.claimed.append((start, end))
    return out


def _paired_lists(text: str, clauses: list[_Clause]) -> list[tuple[Indicator, dict]]:
    """``目标：A 200人，B 39人 … 实际完成：A 230人，B 52人`` → indicators with target and actual."""
    joined = "".join(c.text for c in clauses)
    rx = _rx()
    if not rx["target"].search(joined) or not rx["actual"].search(joined):
        return []
    targets: dict[str, tuple[str, int, int, int, int]] = {}
    mode = None
    out: list[tuple[Indicator, dict]] = []
    marker = rx["marker"]
    target_markers = lexicon()["narrind"]["target_markers"]
    for c in clauses:
        body = c.text
        pieces: list[tuple[str | None, int, int]] = []
        pos = 0
        for mm in marker.finditer(body):
            pieces.append((None, pos, mm.start()))
            pieces.append((mm.group(1), mm.end(), mm.end()))
            pos = mm.end()
        pieces.append((None, pos, len(body)))
        for switch, p0, p1 in pieces:
            if switch:
                mode = "target" if switch in target_markers else "actual"
                continue
            item = body[p0:p1]
            vm = rx["value"].search(item)
            if not vm or mode is None:
                continue
            name = squash(item[:vm.start()])
            a = c.start + p0
            if not name:
                continue
            if mode == "target":
                targets[name] = (squash(vm.group("val")), a, a + vm.start(), a + vm.start("val"), a + vm.end())
            elif name in targets:
                t = targets[name]
                ind = Indicator(name=name, target=t[0], actual=squash(vm.group("val")))
                out.append((ind, {"name": (t[1], t[2]), "target": (t[3], t[4]),
                                  "actual": (a + vm.start("val"), a + vm.end())}))
    if len(out) < 2:
        return []
    return out


def _dec(s: str):
    try:
        return D(s)
    except (NumberError, ValueError):
        return None
