"""Indicator tables in the three printed shapes of the seed reports (the report forms themselves are
:mod:`jixiao.forms`; the shape-free readers are :mod:`jixiao.extract.grid` and :mod:`jixiao.extract.funds`).

- Tab-separated tables (how ingest renders every docx/pdf/xlsx/html table, and
  how some text reports print them): columns are found from the header words.
- The MoF 项目支出绩效自评表 flattened to text, its cells broken across lines:
  label lines stack up until a data line ``目标值 实际值 分值 得分``.
- Per-project 指标完成情况 lists in prose: ``1.档案查阅满意率98%，达到年度目标``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import Decimal

from jixiao.extract.collect import Context
from jixiao.extract.text import is_table_line, numbers_in, split_row, squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.model import Indicator
from jixiao.numbers import D, NumberError

_NUM = re.compile(r"^[-−]?\d+(?:\.\d+)?$")


@vocabulary_cache
def _rx() -> dict:
    """The patterns of this module, built from ``lexicon.yaml`` ``seedforms``."""
    w = lexicon()["seedforms"]
    header = r"[ 　]*".join(re.escape(x) for x in w["mof_header"])
    return {
        "mof_header": re.compile(header),
        "mof_header_line": re.compile(rf"{header}[^\n]*\n"),
        "mof_columns": re.compile(rf"{alt(w['mof_columns'])}|[\s　]"),
        "mof_end": re.compile(rf"^\s*({w['mof_end']})"),
        "item": re.compile(r"(?:^|[。；;]|\s)(?:\d+[.、．]|[（(]\d+[）)])\s*(?P<body>[^。；;]+?)[，,]\s*"
                           rf"(?:{alt(w['item_done'])})"),
        "list_heading": re.compile(rf"(?:{w['list_heading']})[:：]"),
    }


def _is_num(s: str) -> bool:
    return bool(_NUM.match(s.replace(",", "")))


def _dec(s: str) -> Decimal | None:
    s = s[:-1] if s.endswith("分") else s  # a 分值 cell may carry its unit (15分)
    try:
        return D(s) if _is_num(s) else None
    except NumberError:
        return None


_WEIGHT_NOTE = re.compile(r"[（(](\d+(?:\.\d+)?)分?[）)]$|(?<=[\u4e00-\u9fa5])(\d+(?:\.\d+)?)分$")


def _level(cell: str) -> tuple[str, Decimal | None]:
    """A level cell without its weight note (产出指标（30分） → 产出指标, 30)."""
    m = _WEIGHT_NOTE.search(cell)
    if not m:
        return cell, None
    return cell[:m.start()], _dec(m.group(1) or m.group(2))


# ---------------------------------------------------------------- tab-separated tables

_FALLBACK_ROLES = ("score", "weight", "actual", "target", "nature", "unit", "deviation")


def _header_roles(header_rows: list[list[str]], ncols: int) -> dict[int, str]:
    """Compose each column's header words across header rows, then map to a role."""
    composed = [""] * ncols
    for row in header_rows:
        filled = list(row) + [""] * (ncols - len(row))
        last = ""
        for c in range(ncols):
            v = squash(filled[c])
            if v:
                last = v
            elif last and any(squash(r[c]) if c < len(r) else "" for r in header_rows[header_rows.index(row) + 1:]):
                v = last  # a merged header spanning the sub-headers below it
            composed[c] += "/" + v if v else ""
    roles: dict[int, str] = {}
    for c, label in enumerate(composed):
        for rule in lexicon()["table_headers"]:
            words_all = rule.get("all")
            words_any = rule.get("any")
            if words_all and all(w in label for w in words_all):
                roles[c] = rule["role"]
                break
            if words_any and any(w in label for w in words_any):
                roles[c] = rule["role"]
                break
        else:  # the shape-free reader's column words (自评分, 权重分, 度量单位 …) name the rest
            words = lexicon()["grid"]["header_words"]
            last = label.rsplit("/", 1)[-1]
            for role in _FALLBACK_ROLES:
                if last and any(w in last for w in words[role]):
                    roles[c] = role
                    break
    # a bare 分值 column right after a level's name column is that level's weight
    prev_role = None
    for c in sorted(roles):
        if roles[c] == "weight" and prev_role in ("level1", "level2"):
            roles[c] = f"{prev_role}_weight"
        prev_role = roles[c]
    return roles


def _is_header(cells: list[str]) -> bool:
    """A header row names at least two column words and carries fewer than two figures."""
    joined = squash("".join(cells))
    hits = sum(1 for w in lexicon()["seedforms"]["header_row_words"] if w in joined)
    figures = sum(1 for c in cells if _is_num(squash(c)))
    return hits >= 2 and figures < 2


def read_tab_tables(ctx: Context) -> tuple[list[Indicator], dict]:
    """Indicator rows from tab-separated blocks of the text; also a 合计 row's total."""
    text = ctx.text
    lines = []
    pos = 0
    # a markdown grid keeps its empty cells, so columns stay aligned; crawled pipe rows drop them (grid.py reads those)
    markdown = bool(re.search(r"(?m)^\|?\s*:?-{3,}:?\s*\|", text))
    for line in text.split("\n"):
        if ("\t" in line or markdown and is_table_line(line)) and not re.fullmatch(r"[\s|:：\-—=+]+", line):
            lines.append((pos, pos + len(line), line))
        pos += len(line) + 1
    indicators: list[Indicator] = []
    extra: dict = {}
    roles: dict[int, str] | None = None
    headers: list[list[str]] = []
    header_start = 0
    fill: dict[str, tuple[str, Decimal | None]] = {}
    prev_end = 0
    total_rows = lexicon()["seedforms"]["total_rows"]
    for start, end, line in lines:
        split = split_row(line)
        cells = [c for c, _ in split]
        offsets = [o for _, o in split]
        if text[prev_end:start].strip():  # prose between two tables: the next one needs its own header
            roles, fill = None, {}
        prev_end = end
        if _is_header(cells):
            if not headers:
                header_start = start
            headers.append(cells)
            continue
        if headers:
            ncols = max(len(h) for h in headers + [cells])
            new_roles = _header_roles(headers, ncols)
            headers = []
            if "name" in new_roles.values() and ("score" in new_roles.values() or "weight" in new_roles.values()):
                roles = new_roles
                ctx.claimed.append((header_start, start))  # the header rows belong to this reader too
            else:
                roles = None
        if roles is None:
            continue
        row = {role: (squash(cells[c]) if c < len(cells) else "", c) for c, role in roles.items()}
        first = squash(cells[0]) if cells else ""
        if first in total_rows:
            nums = [(squash(c), i) for i, c in enumerate(cells) if _is_num(squash(c))]
            if nums:
                v, i = nums[-1]
                extra["total"] = (D(v), _cell_span(start, cells, offsets, i))
            continue
        ind = _row_to_indicator(ctx, row, fill, start, cells, offsets, len(indicators))
        if ind is not None:
            indicators.append(ind)
            ctx.claimed.append((start, end))
    return indicators, extra


def _cell_span(line_start: int, cells: list[str], offsets: list[int], i: int) -> tuple[int, int]:
    """Span of cell ``i``'s text (surrounding spaces trimmed) in the document."""
    raw = cells[i]
    lead = len(raw) - len(raw.lstrip())
    off = line_start + offsets[i] + lead
    return off, off + len(raw.strip())


@vocabulary_cache
def _placeholder() -> re.Pattern[str]:
    return re.compile(lexicon()["grid"]["placeholder"])


@vocabulary_cache
def _natures() -> frozenset[str]:
    return frozenset(lexicon()["cells"]["natures"])


def _row_to_indicator(ctx: Context, row: dict, fill: dict, line_start: int, cells: list[str], offsets: list[int],
                      idx: int) -> Indicator | None:
    values = defaultdict(str, {r: v for r, (v, _c) in row.items()})
    for r in ("target", "actual"):
        if values[r] and _placeholder().match(values[r]):
            values[r] = ""  # — or /: no value
    get = values.__getitem__

    for lvl, wrole in (("level1", "level1_weight"), ("level2", "level2_weight")):
        if get(lvl):
            name, note = _level(get(lvl))
            fill[lvl] = (name, _dec(get(wrole)) if get(wrole) else note)
            if lvl == "level1":
                fill.pop("level2", None)
    name = get("name")
    if not name or _is_num(name):
        return None
    weight = _dec(get("weight"))
    score = _dec(get("score"))
    if weight is None and score is None:
        return None
    l1 = fill.get("level1", (None, None))
    l2 = fill.get("level2", (None, None))
    path = f"indicators[{idx}]"
    for role in ("weight", "score", "name", "target", "actual"):
        if role in row and get(role):
            a, b = _cell_span(line_start, cells, offsets, row[role][1])
            ctx.mark(f"{path}.{role}", a, b, cell=f"R{ctx.doc.line_of(line_start)}C{row[role][1] + 1}")
    # ≥ | 300 | 天 → ≥300天 (a 正向/反向 nature is the indicator's kind, not part of its target)
    sign = "" if get("nature") in _natures() else get("nature")
    target = get("target") and sign + get("target") + get("unit")
    return Indicator(name=name, level1=l1[0], level2=l2[0], target=target or None,
                     actual=get("actual") or None, weight=weight, score=score,
                     deviation=get("deviation") or None, nature=get("nature") or None,
                     level1_weight=l1[1], level2_weight=l2[1])


# ---------------------------------------------------------------- MoF form flattened to text

_DATA_LINE = re.compile(r"^\s*(?P<body>.+?)\s+(?P<w>\d+(?:\.\d+)?)\s+(?P<s>\d+(?:\.\d+)?)(?:\s+(?P<dev>\S.*))?\s*$")


def read_mof_text_form(ctx: Context) -> dict | None:
    """The 项目支出绩效自评表 as text (cells broken over lines); None when absent."""
    text = ctx.text
    rx = _rx()
    if "\t" in text[:200] or not rx["mof_header"].search(text):
        return None
    m = rx["mof_header_line"].search(text)
    if not m:
        return None
    # the layout of this reader: a header line of column words only, cells broken over the lines below
    rest = rx["mof_columns"].sub("", m.group(0))
    if len(rest) > 6:
        return None
    out: dict = {"indicators": []}
    lx = lexicon()["mof"]
    level1_words = lx["level1"]
    level2_words = lx["level2"]
    pos = m.end()
    pending: list[tuple[int, int, str]] = []
    level1 = level2 = None
    end_re = rx["mof_end"]
    stop = len(text)
    for lm in re.finditer(r"[^\n]*\n?", text[pos:]):
        line = lm.group(0).rstrip("\n")
        lstart = pos + lm.start()
        if not line.strip():
            continue
        if end_re.match(line):
            stop = lstart
            break
        dm = _DATA_LINE.match(line)
        # a row ends with 分值 and 得分; a line of bare figures is a row only after its label lines
        if dm is not None and (pending or not re.fullmatch(r"[\d.%\s]+", dm.group("body"))):
            labels = _join_fragments([p[2] for p in pending], level1_words, level2_words)
            for kind, value in labels:
                if kind == "l1":
                    level1, level2 = value, None
                elif kind == "l2":
                    level2 = value
            names = [v for k, v in labels if k == "name"]
            name = "".join(names)
            body = dm.group("body").split()
            if not name:
                pending = []
                continue
            target, actual = _split_pair(body)
            idx = len(out["indicators"])
            w, s = D(dm.group("w")), D(dm.group("s"))
            out["indicators"].append(Indicator(name=name, level1=level1, level2=level2, target=target,
                                               actual=actual, weight=w, score=s,
                                               deviation=(dm.group("dev") or None)))
            ctx.mark(f"_mof[{idx}].weight", lstart + dm.start("w"), lstart + dm.end("w"))
            ctx.mark(f"_mof[{idx}].score", lstart + dm.start("s"), lstart + dm.end("s"))
            if pending:
                ctx.mark(f"_mof[{idx}].name", pending[-1][0], pending[-1][1])
            pending = []
            continue
        pending.append((lstart, lstart + len(line), line.strip()))
    ctx.claimed.append((m.start(), stop))
    return out


def _split_pair(tokens: list[str]) -> tuple[str | None, str | None]:
    if not tokens:
        return None, None
    if len(tokens) == 1:
        return None, tokens[0]
    half = len(tokens) // 2
    return "".join(tokens[:half]), "".join(tokens[half:])


def _join_fragments(lines: list[str], level1_words: list[str], level2_words: list[str]) -> list[tuple[str, str]]:
    """Label lines before a data line → [(kind, text)], joining cells broken over lines."""
    out: list[tuple[str, str]] = []
    i = 0
    buf = ""
    while i < len(lines):
        cur = squash(lines[i])
        joined_next = cur + squash(lines[i + 1]) if i + 1 < len(lines) else None
        if cur in level1_words and not out:
            out.append(("l1", cur))
        elif cur in level2_words or (joined_next and joined_next in level2_words):
            if joined_next and joined_next in level2_words:
                cur = joined_next
                i += 1
            out.append(("l2", cur))
        elif cur in level1_words:
            out.append(("l1", cur))
        else:
            buf += cur
        i += 1
    if buf:
        out.append(("name", buf))
    return out


# ---------------------------------------------------------------- 指标完成情况 lists in prose

def read_indicator_lists(ctx: Context) -> list[Indicator]:
    """``指标完成情况：1.NAME VALUE，已完成。`` → indicators with their actual values."""
    text = ctx.text
    out: list[Indicator] = []
    rx = _rx()
    for m in rx["list_heading"].finditer(text):
        end = text.find("\n\n", m.end())
        end = len(text) if end < 0 else end
        seg = text[m.end():end]
        for it in rx["item"].finditer(seg):
            body = it.group("body")
            bstart = m.end() + it.start("body")
            nums = numbers_in(text, bstart, bstart + len(body))
            if not nums:
                continue
            last = nums[-1]
            name = squash(text[bstart:last.start])
            actual = squash(text[last.start:bstart + len(body)])
            if not name:
                continue
            idx = len(out)
            ctx.mark(f"_list[{idx}].actual", last.start, bstart + len(body))
            out.append(Indicator(name=name, actual=actual, project=ctx.project_at(m.start())))
        ctx.claimed.append((m.start(), end))
    return out
