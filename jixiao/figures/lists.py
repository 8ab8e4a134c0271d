"""Groups found in lists and restatements: counts and the items after them, the same amount stated
twice, quantity × unit price, sources and uses. Split from :mod:`jixiao.figures.groups` (same
window rules: every finder looks only inside a bounded window around a figure)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from jixiao.figures.groups import _WINDOW, SumGroup
from jixiao.figures.index import Figure, FigureIndex
from jixiao.figures.lexicon import lexicon


@dataclass
class CountGroup:
    """A stated count and the items listed or enumerated after it."""

    count: Figure
    items: list[tuple[int, int]]  # spans of the items
    how: str  # "list" (A、B、C) or "ordinal" (一是…二是…) or "parts" (3个 + 5 listed)
    etc: bool = False
    kind: str = "count"


@dataclass
class Repeat:
    """The same labelled quantity stated more than once with different values."""

    key: str
    figures: list[Figure]
    kind: str = "repeat"


@dataclass
class Product:
    """A quantity, a unit price and the amount they should make (9名 × 0.60万元 = 5.4万元)."""

    quantity: Figure
    price: Figure
    amount: Figure
    kind: str = "product"


@dataclass
class Balance:
    """A sources total and a uses total of the same funds, with any stated balance (结转结余)."""

    sources: Figure
    uses: Figure
    balance: Figure | None = None
    kind: str = "balance"



# -- counts -----------------------------------------------------------------------------------------

_LIST_END = set("。；;\n")


def counts(idx: FigureIndex) -> list[CountGroup]:
    """A count followed by the list of what it counts (10个单位，分别为A、B…), or by 一是…二是…."""
    lex = lexicon()
    text = idx.text
    out = []
    for f in idx.figures:
        if f.kind != "count" or f.approx or f.table is not None or f.value < 2 or f.value > 40:
            continue
        j = f.end
        # the counted noun, then an opener of the list
        k = j
        while k < len(text) and k - j < 12 and text[k] not in "，,：:。；;\n（(":
            k += 1
        if k >= len(text):
            continue
        rest = text[k:k + 6]
        opener: str | None = None
        if rest[:1] in "：:":
            opener = rest[:1]
        else:
            r = rest.lstrip("，, ")
            w = lex.list_openers.at(r, 0)
            if w in ("分别为", "分别是", "包括", "即"):
                opener = w
        og = _ordinals_after(idx, f, k)
        if og is not None:
            out.append(og)
            continue
        if not opener:
            continue
        start = text.find(opener, k) + len(opener)
        end = start
        while end < len(text) and end - start < _WINDOW and text[end] not in _LIST_END:
            end += 1
        body = text[start:end]
        items = _list_items(body, start)
        if 0 < len(items) < f.value:
            items = _split_last(text, items)
        if len(items) < 2:
            continue
        etc = body.rstrip(" 。").endswith(("等", "等等")) or "等" in body[-4:]
        out.append(CountGroup(f, items, "list", etc=etc))
    return out


_ORDINALS = "一二三四五六七八九十"
_ORDINAL_REACH = 1500  # how far an enumeration 一是…二是… is followed


def _ordinals_after(idx: FigureIndex, f: Figure, k: int) -> CountGroup | None:
    """主要开展了三方面工作：一是…；二是…: a count and the 一是/二是… that enumerate it. The items are
    counted while they follow in order; ``etc`` is set when the enumeration leaves the count's paragraph
    (a later paragraph may hold the rest)."""
    text = idx.text
    first = text.find("一是", k, k + 14)
    gap = text[k:first]
    if first == -1 or "。" in gap or any(ch in gap for ch in "（(*0123456789") or \
            ("\n" in gap and not gap.strip().startswith((":", "："))):
        return None  # the enumeration must start right after the count (a nested （1）… 一是 is another list)
    items = []
    pos = first
    line_end = text.find("\n", k)
    line_end = len(text) if line_end == -1 else line_end
    for n, ch in enumerate(_ORDINALS):
        at = text.find(ch + "是", pos, first + _ORDINAL_REACH)
        if at == -1 or (n and at < pos):
            break
        items.append((at, at + 2))
        pos = at + 2
    if len(items) < 2:
        return None
    return CountGroup(f, items, "ordinal", etc=items[-1][0] > line_end)


def remainders(idx: FigureIndex, found: list[SumGroup]) -> list[CountGroup]:
    """N个项目，其中k个…，剩余/其余 A …%；B …%: the k counted plus the items listed after 剩余 against N."""
    text = idx.text
    out = []
    for g in found:
        if g.total.kind != "count" or len(g.parts) != 1 or g.opener != "其中":
            continue
        k = g.parts[0]
        end = k.end
        while end < len(text) and end - k.end < _WINDOW and text[end] not in "。\n":
            end += 1
        seg = text[k.end:end]
        m = re.search("剩余|其余|其他", seg)
        if m is None:
            continue
        a = k.end + m.end()
        items = [(f.start, f.end) for f in idx.between(a, end) if f.kind == "percent"]
        if len(items) < 2:
            continue
        cg = CountGroup(g.total, items, "parts")
        cg.counted = k  # type: ignore[attr-defined]
        out.append(cg)
    return out


def _split_last(text: str, items: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """A、B和C: the last item holds two names joined by 和 / 及 / 以及 / 与."""
    a, b = items[-1]
    last = text[a:b]
    for w in ("以及", "和", "及", "与"):
        k = last.find(w)
        if k > 0 and k + len(w) < len(last):
            return items[:-1] + [(a, a + k), (a + k + len(w), b)]
    return items


def _list_items(body: str, base: int) -> list[tuple[int, int]]:
    """The items of an enumeration separated by 、 (a 、 inside brackets belongs to its item)."""
    sep = "、" if "、" in body else None
    if sep is None:
        return []
    items = []
    a = 0
    depth = 0
    for i, ch in enumerate(body + sep):
        if ch in "(（":
            depth += 1
        elif ch in ")）" and depth:
            depth -= 1
        if ch == sep and depth == 0:
            s, e = a, i
            while s < e and body[s] in " ":
                s += 1
            if e > s:
                items.append((base + s, base + e))
            a = i + 1
    return items


# -- the same quantity stated twice -----------------------------------------------------------------

_GENERIC = {"资金", "预算", "金额", "支出", "收入", "项目", "合计", "总计", "小计", "总额", "经费", "费用", "万元", "元",
            "得分", "分值", "预算数", "执行数", "决算数", "年初预算数", "全年预算数", "全年执行数", "其他资金", "其中",
            "当年财政拨款", "上年结转资金", "年度资金总额", "本年", "资金总额", "财政拨款", "人员经费", "公用经费",
            "基本支出", "项目支出", "年初预算", "调整预算", "全年预算", "执行", "其他", "补助", "投资"}


def _key(label: str) -> str:
    return _key_verb(label)[0]


def _key_verb(label: str) -> tuple[str, str | None]:
    """(the name an amount is known by, the verb before it): 下达中央级资金转移支付 → (中央级资金转移支付, 下达)."""
    lex = lexicon()
    s = re.sub(r"[\s()（）【】\[\]“”\"'《》·,，.、]", "", label)
    s = re.sub(r"^\d{4}年(度)?", "", s)
    verb = None
    changed = True
    while changed and s:
        changed = False
        w = lex.label_head.at(s, 0) or lex.key_head.at(s, 0)
        v = None if w else lex.key_verbs.at(s, 0)
        if (w or v) and len(w or v) < len(s):
            s = s[len(w or v):]
            verb = verb or v
            changed = True
    return s, verb


def _distinctive(key: str) -> str:
    """The CJK characters of a label that are not generic budget words (中央级资金转移支付 → 中央级转移)."""
    gw = lexicon().generic_words
    out = []
    i = 0
    while i < len(key):
        w = gw.at(key, i)
        if w:
            i += len(w)
            continue
        if "\u4e00" <= key[i] <= "\u9fff":
            out.append(key[i])
        i += 1
    return "".join(out)


def repeat_keys(idx: FigureIndex) -> dict[str, list[Figure]]:
    """Narrative amounts by distinctive label (the candidates :func:`repeats` compares)."""
    by: dict[str, list[Figure]] = {}
    for f in idx.figures:
        if f.kind != "money" or f.table is not None or f.approx or f.paren:
            continue
        key = _key(f.label)
        if len(key) < 4 or key in _GENERIC or len(_distinctive(key)) < 2:
            continue
        if re.search(r"\d|同比|上年|较|增加|减少|增长|下降|每|均|标准|超|节约|结余|结转|剩余|累计|首批|第", f.label):
            continue
        by.setdefault(key, []).append(f)
    return by


def repeats(idx: FigureIndex, grouped: set[int] | None = None) -> list[Repeat]:
    """Narrative amounts whose distinctive labels are written again with another value; at least one
    statement is a total or a part of a breakdown (中央级资金 in 755.19 = 中央 + 省级 + 市级), the
    quantities a report restates section after section, and no two name different years."""
    by = repeat_keys(idx)
    out = []
    for key, fs in by.items():
        verbs = {_key_verb(f.label)[1] for f in fs} - {None}
        if len(verbs) > 1:
            continue  # 下达 … / 拨付 …: an allocation and a payment, not one amount
        if len({f.value for f in fs}) == 2 and len(fs) <= 4 and (grouped is None or any(f.i in grouped for f in fs)) \
                and len({f.line for f in fs}) > 1:
            years = {frozenset(_YEAR.findall(idx.text[slice(*idx.sentences[f.sentence])])) for f in fs}
            if len({f.sentence for f in fs}) == len(fs) and len(years - {frozenset()}) <= 1:
                out.append(Repeat(key, fs))
    return out


_YEAR = re.compile(r"(?=[12])(?<!\d)(?:19|20)\d\d(?=年)")


# -- quantity × unit price --------------------------------------------------------------------------

def products(idx: FigureIndex) -> list[Product]:
    """9名学生，每人0.60万元，共6.46万元: a count, a unit price and an amount in one sentence."""
    lex = lexicon()
    out = []
    figs = idx.figures
    for i, price in enumerate(figs):
        if price.kind != "money" or price.table is not None or not lex.unit_price.find_in(price.label[-6:]):
            continue
        sent = price.sentence
        qty = next((f for f in reversed(figs[max(0, i - 4):i]) if f.sentence == sent and f.kind == "count"
                    and not f.approx), None)
        amount = next((f for f in figs[i + 1:i + 4] if f.sentence == sent and f.kind == "money"
                       and lex.total_words.find_in(idx.text[price.end:f.start])), None)
        if qty is not None and amount is not None and not price.approx and not amount.approx:
            out.append(Product(qty, price, amount))
    return out


# -- sources and uses -------------------------------------------------------------------------------

def balances(idx: FigureIndex) -> list[Balance]:
    """A sources total (按收入性质分, 收入合计) and a uses total (按支出性质分, 支出合计) stated near each other."""
    lex = lexicon()
    out = []
    def clause(f: Figure) -> str:
        return idx.text[f.label_start:f.start]

    def when(f: Figure) -> str | None:
        c = clause(f)
        return next((w for w in ("上年", "本年", "当年", "今年", "年初", "年末") if w in c), None)

    src = [f for f in idx.figures if f.kind in ("money", "plain") and lex.sources.find_in(clause(f)) and not f.approx]
    for s in src:
        use = next((f for f in idx.figures[s.i + 1:s.i + 12] if lex.uses.find_in(clause(f))
                    and f.kind == s.kind and f.start - s.end < 600 and when(f) in (when(s), None)), None)
        if use is None:
            continue
        bal = next((f for f in idx.figures[use.i + 1:use.i + 8] if lex.balance.find_in(clause(f))
                    and f.kind == s.kind and f.start - use.end < 300), None)
        out.append(Balance(s, use, bal))
    return out
