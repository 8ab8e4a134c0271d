"""Indicator tables read from the cell stream, whatever their printed shape.

A table is found by its header: a run of column words (一级指标 二级指标 三级指标 年度指标值 实际完成值 分值 得分
偏差原因…, the vocabulary in ``lexicon.yaml`` ``grid``). The run's order gives the row template. Rows are then
read from the tokens after the header (:mod:`jixiao.extract.cells`) by one dynamic programme that aligns tokens to
the template: each column accepts tokens of its kind (a level-1 name, a 指标 phrase, a figure, a comparator, a
unit, words), any column but the name may be missing (merged or blank cells), level names are carried down to the
rows below them, and stray tokens between rows are dropped at a cost. So a pipe table, one cell a line, tab rows
and one long line of space-separated cells are read by the same code, and a new layout is a header word in data.

Linear in the number of tokens: each token is tried against each column with a bounded number of continuations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from jixiao.extract.cells import GLUED, SPACE, STRONG, Tok, is_score_number, tokenize
from jixiao.extract.text import squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache

NEG = float("-inf")

#: How many tokens a column may take, and what leaving it empty costs.
_SPAN = {"level1": 3, "level2": 3, "name": 10, "nature": 1, "target": 3, "unit": 1, "actual": 3, "weight": 1,
         "score": 1, "deviation": 8, "ignore": 20, "remark": 2, "seq": 1, "initial": 1, "budget": 1, "executed": 1,
         "rate": 1, "level1_weight": 1, "level2_weight": 1}
_SKIP = {"level1": 0.0, "level2": 0.0, "name": NEG, "nature": -0.1, "target": -0.6, "unit": -0.1, "actual": -0.6,
         "weight": -0.9, "score": -0.9, "deviation": 0.0, "ignore": 0.0, "remark": 0.0, "seq": 0.0, "initial": -0.5,
         "budget": -0.9, "executed": -0.9, "rate": -0.5, "level1_weight": 0.0, "level2_weight": 0.0}
_JUNK = -1.2
_JUNK_LEVEL = -0.3  # a level name over an empty row (生态效益指标 with no indicator under it)
_VALUE_ROLES = ("target", "actual", "weight", "score")
_SEQ = re.compile(r"^\d{1,3}$")
_MONEY_ROLES = ("initial", "budget", "executed", "rate")
_ONE_TOKEN = frozenset({"weight", "score", "nature", "unit", "initial", "budget", "executed", "rate", "level1_weight",
                        "level2_weight"})
_SEQ_RATE = re.compile(r"^\d{1,3}(?:\.\d+)?$")
_MONEY = re.compile(r"^[-−]?[\d,.]+(?:万元|元|亿元)$")
# a clause break with a figure beside it, a sentence's end, a calculation
_CLAUSE = re.compile(r"[，,；;][^，,；;]*\d|\d[^，,；;]*[，,；;](?!$)|[。.](?=[\u4e00-\u9fa5])|[=＝÷]")


@dataclass(frozen=True, slots=True)
class Header:
    """A table header found in the text: its span and its column roles in order."""

    start: int
    end: int
    roles: tuple[str, ...]


@dataclass
class Row:
    """One indicator row: role → (text as read, start, end) of the tokens it took."""

    cells: dict[str, tuple[str, int, int]] = field(default_factory=dict)
    parts: dict[str, list[Tok]] = field(default_factory=dict)


# ---------------------------------------------------------------- vocabulary


@vocabulary_cache
def _vocab() -> dict:
    g = lexicon()["grid"]
    words: list[tuple[str, str]] = []
    for role, ws in g["header_words"].items():
        words.extend((w, role) for w in ws)
    words.sort(key=lambda x: -len(x[0]))
    words_re = "|".join(spaced(w) for w, _ in words)
    return {
        "header_re": re.compile(rf"(?:{words_re}){g['header_suffix']}"),
        "role_of": {w: r for w, r in words},
        "level1": set(g["level1"]),
        "level2": set(g["level2"]),
        "both": set(g["level1_or_level2"]),
        "level2_re": re.compile(g["level2_pattern"]),
        "stop_re": re.compile(g["stop"]),
        "placeholder_re": re.compile(g["placeholder"]),
        "name_prefix_re": re.compile(g["name_prefix"]),
        "header_words": {w for w, _ in words},
        "weak": set(g["weak_words"]),
        "header_anchor": g["header_anchor"],
        "name_anchor": re.compile("|".join(spaced(w) for w in g["name_anchor"])),
        "fallback_anchor": re.compile("|".join(spaced(w) for w in g["fallback_anchor"])),
        # a level's weight note: 产出指标（50分）, 产出指标50分, 产出指标(50)
        "weight_note": re.compile(rf"[（(]?\d+(?:\.\d+)?(?:{alt(g['score_unit'])})[）)]?$|[（(]\d+(?:\.\d+)?[）)]$"),
        "bare": frozenset(g["bare_indicator"]),
        "layouts": g.get("layouts", []),
        "also_names": frozenset(g["also_names"]),
        # level names that end in 指标, as they run into neighbouring cells (spaces from wrapped cells allowed)
        "glued_level_re": re.compile("|".join(spaced(w) for w in sorted(
            {w for w in (*g["level1"], *g["level2_common"]) if w.endswith("指标")}, key=len, reverse=True))),
        # a cell that is a scoring rule or a sentence's tail (每超过1天扣1分, ，计8分), not an indicator's name
        "bad_name": re.compile(rf"。(?!$)|[≥≤≧≦><=＝═﹦:：,，、]$|^[,，、.。:：;；)）]|(?:{alt(g['rule_per'])})|"
                               rf"(?:{alt(g['rule_deduct'])})\d|(?:{alt(g['rule_count'])})\d+(?:{alt(g['score_unit'])})|"
                               rf"{alt(g['score_words'])}|{alt(g['rule_phrases'])}"),
        "bare_start": tuple(g["bare_indicator"]),
    }


def spaced(word: str) -> str:
    """A word as a pattern that allows spaces between its characters (指 标 名 称)."""
    return r"\s*".join(re.escape(ch) for ch in word)


@vocabulary_cache(maxsize=4096)  # keyed by cell text: bounded
def level1_name(s: str) -> str | None:
    """The level-1 name a cell holds (``产出指标（50分）`` → 产出指标), or None."""
    v = _vocab()
    s = v["weight_note"].sub("", squash(s))
    return s if s in v["level1"] else None


@vocabulary_cache(maxsize=4096)
def level2_name(s: str) -> str | None:
    v = _vocab()
    s = v["weight_note"].sub("", squash(s))
    if s in v["level2"] or v["level2_re"].match(s):
        return s if s not in v["level1"] or s in v["both"] else None
    return None


# ---------------------------------------------------------------- headers


def _role_of(matched: str, v: dict | None = None) -> str | None:
    v = v or _vocab()
    s = squash(matched)
    s = re.sub(r"[（(][^）)]*[）)]$", "", s) if s not in v["role_of"] else s
    return v["role_of"].get(s)


def find_headers(text: str, start: int = 0, end: int | None = None, vocab: dict | None = None) -> list[Header]:
    """Indicator-table headers in ``text[start:end]``: runs of column words with a name and two value columns.

    ``vocab`` reads another kind of table with the same rules (:mod:`jixiao.extract.projtable`).
    """
    end = len(text) if end is None else end
    v = vocab or _vocab()
    value_roles = v.get("value_roles", _VALUE_ROLES)
    out: list[Header] = []
    if not any(w in text for w in v["header_anchor"]):
        return out  # no column word can be there
    run: list[tuple[int, int, str]] = []

    def close() -> None:
        if len(run) >= 3:
            found = tuple(r for _, _, r in run)
            found = tuple(r for r in found if r != "name_if_alone") if "name" in found else \
                tuple("name" if r == "name_if_alone" else r for r in found)
            roles = (_layout({squash(text[a:b]) for a, b, _ in run}) or _merge_two_row(found)) if vocab is None \
                else found
            if "name" in roles and sum(r in roles for r in value_roles) >= 2:
                out.append(Header(run[0][0], run[-1][1], roles))
        run.clear()

    matches = [m for a, b in _windows(text, start, end, v) for m in v["header_re"].finditer(text, a, b)
               if _role_of(m.group(0), v) is not None]
    starts = {m.start() for m in matches}
    ends = {m.end() for m in matches}
    for m in matches:
        role = _role_of(m.group(0), v)
        # a column word is a cell of its own, or runs into the next column word (cells glued by a crawl);
        # inside a longer word (整体绩效评价指标体系) it is not a header
        slack = (0, 0) if squash(m.group(0)) in v["weak"] else (2, 3)
        if (m.start() not in ends and _cjk_run(text, m.start() - 1, -1, start, end) > slack[0]) or \
                (m.end() not in starts and _cjk_run(text, m.end(), 1, start, end) > slack[1]):
            continue
        if run:
            gap = text[run[-1][1]:m.start()]
            if len(gap) > 24 or re.search(r"[。；;]", gap) or len(squash(re.sub(r"[|\t（）()A-Za-z/]", "", gap))) > 8:
                close()
        run.append((m.start(), m.end(), role))
    close()
    return out


def _windows(text: str, start: int, end: int, v: dict, reach: int = 300) -> list[tuple[int, int]]:
    """Where a header can be: around its name column's words (every header names its indicators)."""
    out: list[list[int]] = []
    for m in v["name_anchor"].finditer(text, start, end):
        a, b = max(start, m.start() - reach), min(end, m.end() + reach)
        if out and a <= out[-1][1]:
            out[-1][1] = b
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _cjk_run(text: str, i: int, step: int, lo: int, hi: int) -> int:
    """How many Chinese characters run from ``i`` in direction ``step`` (at most 8 are counted)."""
    n = 0
    while lo <= i < hi and n < 8 and "\u4e00" <= text[i] <= "\u9fff":
        n += 1
        i += step
    return n


def _layout(words: set[str]) -> tuple[str, ...] | None:
    """The printed columns of a provincial form whose header words name it (``grid.layouts``), or None.

    For forms whose two-row header hides the row order (sub-columns under 预期指标值 and 自评得分).
    """
    for lay in _vocab()["layouts"]:
        if all(any(w.startswith(x) for w in words) for x in lay["when"]):
            return tuple(lay["columns"])
    return None


def _merge_two_row(roles: tuple[str, ...]) -> tuple[str, ...]:
    """A two-row header (values first, then 一级 二级 三级 … under 绩效指标) → the columns as printed.

    Also: a 分值/得分 right after a level's own column is that level's weight.
    """
    if "name" in roles:
        k = roles.index("name")
        first_level = next((i for i, r in enumerate(roles) if r in ("level1", "level2", "name")), k)
        if any(r in _VALUE_ROLES for r in roles[:first_level]):
            top, sub = roles[:first_level], roles[first_level:]
            roles = sub + tuple(r for r in top if r not in sub)
    out: list[str] = []
    for r in roles:
        if r in ("weight", "score") and out and out[-1] in ("level1", "level2"):
            out.append(f"{out[-1]}_weight")
        else:
            out.append(r)
    # a level weight followed later by the name's own 得分 column: the name's first number is its 分值
    if "level1_weight" in out or "level2_weight" in out:
        k = out.index("name")
        if k + 1 < len(out) and out[k + 1] == "score" and out.count("score") > 1:
            out[k + 1] = "weight"
    # the same role twice keeps the first (later duplicates are sub-columns we do not read)
    seen: set[str] = set()
    final = []
    for r in out:
        if r in seen and r != "ignore":
            final.append("ignore")
        else:
            seen.add(r)
            final.append(r)
    return tuple(final)


# ---------------------------------------------------------------- emissions


def _cjk(s: str) -> int:
    return sum(1 for ch in s if "\u4e00" <= ch <= "\u9fff")


class _Table:
    """The tokens of one table region and the emission scores of every (column, span).

    Per-token facts are computed once and kept as prefix sums, so scoring a span costs a few lookups.
    """

    def __init__(self, toks: list[Tok], strong: bool):
        self.toks = toks
        self.strong = strong
        self.sq = [squash(t.text) for t in toks]
        self.kinds = [t.kind for t in toks]
        v = _vocab()
        self.bare, self.bare_start, self.bad_name = v["bare"], v["bare_start"], v["bad_name"]
        self.l1 = [level1_name(s) is not None for s in self.sq]
        self.l2 = [level2_name(s) is not None for s in self.sq]
        self.ph = [bool(v["placeholder_re"].match(s)) for s in self.sq]
        head = [s in v["header_words"] and s not in v["also_names"] for s in self.sq]
        # a row number written before a name (指标8:) opens a row: no other column takes it
        opens = [bool(v["name_prefix_re"].match(s)) for s in self.sq]
        figure = [k in ("num", "pct", "value") for k in self.kinds]
        self._head = _prefix(head)
        self._opens = _prefix(opens)
        self._strong = _prefix([t.gap == STRONG for t in toks])
        self._sep = _prefix([t.gap != GLUED for t in toks])
        self._fig = _prefix(figure)
        self._cache: dict[tuple[str, int, int], float] = {}

    def _alone(self, i: int) -> bool:
        """Token ``i`` is a cell of its own: separated from both neighbours."""
        t = self.toks
        return t[i].gap != GLUED and (i + 1 == len(t) or t[i + 1].gap != GLUED)

    def joined(self, i: int, k: int) -> str:
        return "".join(self.sq[i:k])

    def _gaps(self, i: int, k: int) -> float:
        """Cost of a cell that crosses separators, or starts inside a strongly separated cell."""
        cost = 0.0
        t = self.toks
        if self.strong and i > 0 and t[i].gap != STRONG:
            cost -= 1.0 if t[i].gap == SPACE else 2.5
        crossings = self._strong[k] - self._strong[i + 1] if k > i + 1 else 0
        return cost - crossings * (0.9 if self.strong else 0.3)

    def emit(self, role: str, i: int, k: int) -> float:
        key = (role, i, k)
        got = self._cache.get(key)
        if got is None:
            got = self._cache[key] = self._emit(role, i, k)
        return got

    def _emit(self, role: str, i: int, k: int) -> float:
        toks, sq, kinds = self.toks, self.sq, self.kinds
        n = k - i
        if self._head[k] - self._head[i]:
            return NEG
        if self._opens[k] - self._opens[i + (role == "name")] if i + (role == "name") <= k else 0:
            return NEG  # a row number (指标8:) opens a name and nothing else
        if role in ("weight", "score", "level1_weight", "level2_weight"):
            if n == 1 and is_score_number(sq[i]) and (kinds[i] == "num" or kinds[i] == "value" and self._alone(i)):
                # 15, or 15分 as a cell of its own (not 计8分 inside a criterion)
                return 1.6 + self._gaps(i, k)
            return NEG
        if role == "nature":
            return 1.2 + self._gaps(i, k) if n == 1 and kinds[i] == "cmp" else NEG
        if role == "unit":
            return 1.0 + self._gaps(i, k) if n == 1 and kinds[i] == "unit" else NEG
        if role == "level1":
            joined = self.joined(i, k)
            if not level1_name(joined):
                return NEG
            if level2_name(joined) and not (k < len(toks) and self.l2[k]):
                return NEG  # 成本指标 alone before a name is the level-2 column of the MoF form
            return 3.0 + self._gaps(i, k) * 0.5
        if role == "level2":
            joined = self.joined(i, k)
            if sq[i].startswith(self.bare_start) or not level2_name(joined) or (self.l1[i] and not level2_name(sq[i])):
                return NEG
            if n > 1 and self.l2[k - 1]:
                return NEG  # 闭馆维修一个月 质量指标: the level name is the last cell alone
            return 2.5 + self._gaps(i, k) * 0.5
        if role in ("target", "actual"):
            if self.ph[i] and n == 1 and sq[i] not in self.bare:
                return 0.4 + self._gaps(i, k)  # — or / in an empty value cell: it holds the column, no value
            if self.l1[i] or self.l2[i] or self.ph[i]:
                return NEG
            if n == 1:
                kind = kinds[i]
                if kind in ("pct", "value"):
                    s = 1.6
                elif kind == "num":
                    s = 1.2
                elif kind == "text":
                    c = _cjk(sq[i])
                    s = 0.5 if c <= 8 else (0.0 if c <= 16 else -1.0)
                else:
                    return NEG
            else:
                # 不少于12 种, ≧ 95, 100 %, 2023年 12月
                if self._fig[k] - self._fig[i] != 1 or kinds[i] == "unit" or kinds[k - 1] == "cmp":
                    return NEG
                s = 1.3 if sum(len(x) for x in sq[i:k]) <= 14 else 0.2
            return s + self._gaps(i, k)
        if role == "name":
            if self.l1[i] or self.ph[i] and n == 1:
                return NEG
            joined = self.joined(i, k)
            if _cjk(joined) < 2 or joined in self.bare or level1_name(joined) or self.bad_name.search(joined):
                return NEG
            if not self.strong and _CLAUSE.search(joined):
                return NEG  # without cell separators a clause break is prose (评价标准, 指标说明), not a name
            s = 1.0 - 0.15 * (self._sep[k] - self._sep[i + 1] if k > i + 1 else 0)
            if level2_name(joined):
                # 服务对象满意度 is a level-2 word and, under 服务对象满意度指标, a name: only right after its level
                if n > 1 or not (i > 0 and self.l2[i - 1]) or joined.endswith("指标"):
                    return NEG
                s -= 0.2
            if kinds[k - 1] in ("num", "pct") and toks[k - 1].gap != GLUED:
                s -= 1.0
            return s + self._gaps(i, k)
        if role in ("deviation", "ignore"):
            if self.l1[i] or self.l2[i]:
                return NEG
            if role == "deviation" and all(x in ("num", "pct") for x in kinds[i:k]):
                return NEG
            return 0.1 + self._gaps(i, k) * 0.5
        if role in ("initial", "budget", "executed"):  # an amount (a project list's 预算数, 执行数)
            return 1.6 + self._gaps(i, k) if n == 1 and (kinds[i] == "num" or kinds[i] == "value" and
                                                          _MONEY.search(sq[i])) else NEG
        if role == "rate":  # 执行率: 96.71% or 96.71 under 执行率（%）
            if n == 1 and (kinds[i] == "pct" or kinds[i] == "num" and _SEQ_RATE.match(sq[i])):
                return (1.6 if kinds[i] == "pct" else 1.2) + self._gaps(i, k)
            return NEG
        if role == "seq":  # the row's number under 序号 (1, 2, 3 …)
            return 1.0 + self._gaps(i, k) if n == 1 and kinds[i] == "num" and _SEQ.match(sq[i]) else NEG
        if role == "remark":  # a words-only cell we do not keep (完成 / 未完成 under 单项指标完成情况)
            return 0.1 + self._gaps(i, k) * 0.5 if self._fig[k] == self._fig[i] and not self.l1[i] else NEG
        return NEG


def _prefix(flags: list[bool]) -> list[int]:
    out = [0]
    for f in flags:
        out.append(out[-1] + (1 if f else 0))
    return out


_PAGE_NO = re.compile(r"\d{1,2}、(?=[\u4e00-\u9fa5])")


def _is_glued(toks: list[Tok]) -> bool:
    """A table whose cells ran together (a doc-sharing site's copy): most figures touch what comes before them."""
    figs = [t for t in toks[1:] if t.is_figure]
    return len(figs) >= 5 and sum(t.gap == GLUED for t in figs) >= 0.6 * len(figs)


def unglue(text: str, toks: list[Tok]) -> list[Tok]:
    """In a run-together table, a space is where a cell's text wrapped, not a cell edge (养护工程验收合 格率), and
    the level names run into the cell after them (数量指标农村公路…): join the one, split off the other."""
    if not _is_glued(toks):
        return toks
    joined: list[Tok] = []
    after_page_no = False
    for i, t in enumerate(toks):
        if after_page_no:  # the 、 after a page number, alone or leading the next cell
            after_page_no = False
            if t.text == "、":
                continue
            t = Tok(t.text[1:], t.start + 1, t.end, STRONG, t.kind)
        elif t.gap == STRONG and t.kind == "num" and len(t.text) <= 2 and i + 1 < len(toks) and \
                toks[i + 1].gap == GLUED and toks[i + 1].text.startswith("、"):
            after_page_no = True  # the site's page number opens the line (2、100%): page chrome, not a cell
            continue
        elif t.gap == STRONG and t.kind == "text" and (m := _PAGE_NO.match(t.text)):
            t = Tok(t.text[m.end():], t.start + m.end(), t.end, STRONG, "text")
        p = joined[-1] if joined else None
        if p is not None and t.gap == SPACE and p.kind == "text" and t.kind == "text":
            joined[-1] = Tok(text[p.start:t.end], p.start, t.end, p.gap, "text")
        else:
            joined.append(t)
    level_re = _vocab()["glued_level_re"]
    out: list[Tok] = []
    for t in joined:
        if t.kind != "text":
            out.append(t)
            continue
        a, gap = t.start, t.gap
        for m in level_re.finditer(text, t.start, t.end):
            if m.start() > a:
                out.append(Tok(text[a:m.start()], a, m.start(), gap, "text"))
                gap = GLUED
            out.append(Tok(m.group(0), m.start(), m.end(), gap, "text"))
            a, gap = m.end(), GLUED
        if a < t.end:
            out.append(Tok(text[a:t.end], a, t.end, gap, "text"))
    return out


def _stop_index(toks: list[Tok], start: int) -> int:
    v = _vocab()
    for i in range(start, len(toks)):
        if v["stop_re"].match(squash(toks[i].text)):
            return i
    return len(toks)


def parse_rows(toks: list[Tok], roles: tuple[str, ...]) -> list[Row]:
    """Align tokens to rows of ``roles`` (the best-scoring reading), dropping stray tokens between rows."""
    n = len(toks)
    if n == 0 or "name" not in roles:
        return []
    strong = sum(1 for t in toks if t.gap == STRONG) >= 0.5 * n
    tab = _Table(toks, strong)
    roles = tuple(r for r in roles)
    m = len(roles)
    # best[i][j]: best score having consumed toks[:i], next column j of the current row (j == 0: between rows)
    best = [[NEG] * (m + 1) for _ in range(n + 1)]
    back: list[list[tuple | None]] = [[None] * (m + 1) for _ in range(n + 1)]
    best[0][0] = 0.0
    name_at = roles.index("name")
    # a free-text column after the last value column (偏差原因, 备注) takes words only when they are not the next
    # row's name: with its empty cells dropped (one long line), the two cannot be told apart otherwise
    last_value = max((j for j, r in enumerate(roles) if r in _VALUE_ROLES or r in _MONEY_ROLES), default=m)
    tail_cost = [0.15 if j > last_value and roles[j] in ("deviation", "ignore", "remark") else 0.0 for j in range(m)]
    for i in range(n + 1):
        row = best[i]
        # closing a row: any position after the name (trailing columns left empty)
        for j in range(name_at + 1, m + 1):
            if row[j] > NEG:
                tail = sum(_SKIP[r] for r in roles[j:])
                if row[j] + tail > row[0]:
                    row[0] = row[j] + tail
                    back[i][0] = ("close", i, j)
        for j in range(m):
            cur = row[j]
            if cur == NEG:
                continue
            role = roles[j]
            # leave the column empty
            sk = _SKIP[role]
            if sk > NEG and cur + sk > row[j + 1]:
                row[j + 1] = cur + sk
                back[i][j + 1] = ("skip", i, j)
            for span in range(1, _SPAN[role] + 1):
                k = i + span
                if k > n:
                    break
                e = tab.emit(role, i, k)
                if e == NEG:
                    if role in _ONE_TOKEN:
                        break
                    continue
                e -= tail_cost[j]
                if cur + e > best[k][j + 1]:
                    best[k][j + 1] = cur + e
                    back[k][j + 1] = ("take", i, j)
        junk = _JUNK_LEVEL if i < n and (tab.l1[i] or tab.l2[i] or tab.sq[i] in tab.bare) else _JUNK
        if i < n and row[0] > NEG and row[0] + junk > best[i + 1][0]:
            best[i + 1][0] = row[0] + junk
            back[i + 1][0] = ("junk", i, 0)
    # walk back
    rows: list[Row] = []
    cur_row: dict[str, tuple[int, int]] = {}
    i, j = n, 0
    steps = []
    while (i, j) != (0, 0):
        b = back[i][j]
        if b is None:
            break
        kind, pi, pj = b
        steps.append((kind, pi, pj, i, j))
        i, j = pi, pj
    for kind, pi, pj, ci, _cj in reversed(steps):
        if kind == "take":
            cur_row[roles[pj]] = (pi, ci)
        elif kind == "close":
            if cur_row:
                rows.append(_make_row(toks, cur_row))
            cur_row = {}
    if cur_row:
        rows.append(_make_row(toks, cur_row))
    return rows


def _make_row(toks: list[Tok], spans: dict[str, tuple[int, int]]) -> Row:
    row = Row()
    for role, (a, b) in spans.items():
        ts = toks[a:b]
        row.parts[role] = ts
        row.cells[role] = ("".join(squash(t.text) for t in ts), ts[0].start, ts[-1].end)
    return row


#: The columns of the MoF 项目支出绩效自评表, for a form whose header cells were scattered by the crawl.
DEFAULT_ROLES = ("level1", "level2", "name", "target", "actual", "weight", "score", "deviation")


def read_tables(text: str, start: int = 0, end: int | None = None, fallback_from: int | None = None,
                skip=None, ranges: list[tuple[int, int]] | None = None,
                vocab: dict | None = None) -> list[tuple[Header, list[Row], int]]:
    """Every indicator table in ``text[start:end]``: (header, rows, end offset of the region read).

    With ``fallback_from`` (the end of a project form's funds block) and no header found, the rows after the
    form's first 三级指标 / 一级指标 word are read with the MoF form's own columns. ``vocab`` reads another kind
    of table (:func:`find_headers`).
    """
    end = len(text) if end is None else end
    out = []
    if ranges is None:
        headers = find_headers(text, start, end, vocab)
    else:  # only where a table can be: the form-like lines (a header is never inside punctuated prose)
        headers = [h for a, b in ranges for h in find_headers(text, max(a, start), min(b, end), vocab)]
    if not headers and fallback_from is not None:
        m = _vocab()["fallback_anchor"].search(text[fallback_from:end])
        if m:
            a = fallback_from + m.start()
            headers = [Header(a, fallback_from + m.end(), DEFAULT_ROLES)]
    for hi, h in enumerate(headers):
        if skip is not None and (skip(h.start) or skip(h.end - 1)):
            continue  # read already (a docx/xlsx grid)
        region_end = headers[hi + 1].start if hi + 1 < len(headers) else end
        region_end = min(region_end, h.end + 12000)
        toks = unglue(text, tokenize(text, h.end, region_end))
        stop = _stop_index(toks, 0)
        toks = toks[:stop]
        stop_at = toks[-1].end if toks else h.end
        rows = parse_rows(toks, h.roles)
        out.append((h, rows, stop_at))
    return out
