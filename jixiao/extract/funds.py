"""The funds block of a project form, in any printed shape.

``项目资金（万元）| 年初预算数 | 全年预算数 | 全年执行数 | 分值 | 执行率 | 得分`` then ``年度资金总额 | 128.50 |
128.50 | 10 | 100% | 10``: the header words (``lexicon.yaml`` ``funds``) give the columns; the figures after
the total row are matched to them. Crawled forms drop empty cells, so a row may carry fewer figures than the
header has columns: the percent fixes the 执行率 column, a small whole number just before it is the 分值, the one
after it the 得分, and the amounts take the budget columns whose ratio reproduces the stated rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.extract.cells import Tok, tokenize
from jixiao.extract.text import squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.numbers import ROUND_DOWN, ROUND_HALF_UP, D, NumberError, normalize

_AMOUNT_ROLES = ("initial", "adjusted", "executed")


@dataclass
class Figure:
    value: Decimal
    raw: str
    start: int
    end: int
    percent: bool = False


@dataclass
class FundsBlock:
    """What one funds block states. Amounts are as written (see ``unit``); ``rate`` in percent."""

    start: int
    end: int
    columns: tuple[str, ...]
    unit: str = "万元"
    label: str | None = None
    rate_name: str | None = None
    total_label: str | None = None
    weight_note: Figure | None = None
    values: dict[str, Figure] = field(default_factory=dict)
    rows: list[tuple[str, dict[str, Figure]]] = field(default_factory=list)
    row_starts: list[int] = field(default_factory=list)  # where each row's label starts
    total_start: int | None = None


@vocabulary_cache
def _vocab() -> dict:
    f = lexicon()["funds"]
    words = sorted(((w, r) for r, ws in f["header_words"].items() for w in ws), key=lambda x: -len(x[0]))
    spaced = "|".join(r"\s*".join(re.escape(c) for c in w) for w, _ in words)
    yuan, unit_label = alt(f["yuan"]), alt(f["unit_label"])
    return {
        "header_re": re.compile(rf"(?:{spaced}){f['header_suffix']}"),
        "words": words,
        "total_re": re.compile(f["total_row"]),
        "sub_re": re.compile(f["sub_row"]),
        "label_re": re.compile(f["block_label"]),
        "anchor": f["anchor"],
        "figure": re.compile(rf"[-−]?(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d+)?({alt(f['figure_units'])})?"),
        "figure_units": "".join(f["figure_units"]),
        "placeholder": re.compile(rf"^(—+|-+|/|／|{alt(f['placeholders'])})$"),
        "header_gap": re.compile(rf"[|\t（）()A-Za-z/*{''.join(map(re.escape, f['header_gap_chars']))}\d]"),
        "yuan_near": re.compile(rf"[（(](?:{yuan})[）)]|(?:{unit_label})[:：](?:{yuan})(?!/)"),
        "yuan_above": re.compile(rf"(?:{alt(f['amount_unit_label'])})[:：]?\s*(?:{yuan})|(?:{unit_label})[:：]\s*(?:{yuan})(?![/])"),
        "weight_note": re.compile(rf"[（(]\s*(\d{{1,3}})\s*(?:{alt(f['score_unit'])})\s*(?:[*×x]\s*(?:{alt(f['weight_times'])}))?\s*[）)]"),
        "block_stop": re.compile(alt(f["block_stop"])),
        "pair_connectors": frozenset(f["pair_connectors"]),
        "row_words": re.compile(alt(f["row_words"])),
    }


def _role(matched: str) -> str | None:
    s = squash(matched)
    k = min((i for i in (s.find("（"), s.find("(")) if i >= 0), default=-1)
    s = s[:k] if k >= 0 else s
    for w, r in _vocab()["words"]:
        if s == w:
            return r
    return None


def _figure(t: Tok) -> Figure | None:
    s = normalize(squash(t.text))
    v = _vocab()
    m = v["figure"].fullmatch(s)
    if not m:
        return None
    try:
        value = D(s.rstrip(v["figure_units"]).replace(",", "").replace("−", "-"))
    except NumberError:
        return None
    return Figure(value, t.text.strip(), t.start, t.end, percent=m.group(1) == "%")


def _fragment(text: str, f: Figure) -> bool:
    """A figure cut from a run of glued cells (``310.2154.74`` read as 310.2154): digits or a point touch it."""
    after = text[f.end:f.end + 2]
    before = text[f.start - 1:f.start] if f.start else ""
    return (len(after) == 2 and after[0] == "." and after[1].isdigit()) or before.isdigit() or before == "."


def read_funds(text: str, start: int = 0, end: int | None = None) -> list[FundsBlock]:
    end = len(text) if end is None else end
    v = _vocab()
    if not any(w in text for w in v["anchor"]):
        return []
    runs: list[list[tuple[int, int, str, str]]] = []
    run: list[tuple[int, int, str, str]] = []
    for m in v["header_re"].finditer(text, start, end):
        role = _role(m.group(0))
        if role is None:
            continue
        if run:
            gap = text[run[-1][1]:m.start()]
            if len(gap) > 20 or re.search(r"[。；;]", gap) or len(squash(v["header_gap"].sub("", gap))) > 6:
                runs.append(run)
                run = []
        run.append((m.start(), m.end(), role, squash(m.group(0))))
    if run:
        runs.append(run)
    blocks = []
    for r in runs:
        roles = [x[2] for x in r]
        if len(roles) < 3 or "rate" not in roles and not ("executed" in roles and ("adjusted" in roles or "initial" in roles)):
            continue
        if len(set(roles) & set(_AMOUNT_ROLES)) < 1:
            continue
        b = _read_block(text, r, end)
        if b is not None:
            blocks.append(b)
    return blocks


def _read_block(text: str, run: list[tuple[int, int, str, str]], limit: int) -> FundsBlock | None:
    v = _vocab()
    h0, h1 = run[0][0], run[-1][1]
    roles = tuple(x[2] for x in run)
    before = text[max(0, h0 - 80):h0]
    labels = list(v["label_re"].finditer(before))
    label = labels[-1].group(1) if labels else None
    unit = "万元"
    near = squash(text[max(0, h0 - 80):h1])
    if v["yuan_near"].search(near) or v["yuan_above"].search(text[max(0, h0 - 600):h0]):
        unit = "元"
    block = FundsBlock(start=h0, end=h1, columns=roles, unit=unit, label=label)
    rate_cols = [x[3] for x in run if x[2] == "rate"]
    block.rate_name = rate_cols[0] if rate_cols else None
    # the row's 分值 written in a header: 预算执行情况（20分） / 得分（20分*执行率）
    wm = v["weight_note"].search(text[max(0, h0 - 60):h1 + 20])
    if wm:
        a = max(0, h0 - 60) + wm.start(1)
        block.weight_note = Figure(D(wm.group(1)), wm.group(1), a, a + len(wm.group(1)))
    # pairs written as label figure label figure … (预算数 12.30 到位数 12.30 执行数 11.95), when they open a line,
    # a cell or a sentence (after a subject, 办公经费年初预算数…, they are that subject's, not the block's)
    lead = text[max(0, h0 - 12):h0]
    opens = not re.search(r"[\u4e00-\u9fa5]$", lead) or re.search(r"[。；;:：]\s*(?:[（(]?[一二三四五六七八九十\d]+[）)、.．])?$", lead)
    pairs = _pairs(text, run) if opens else {}
    if pairs:
        block.values = pairs
        return block
    window_end = min(limit, h1 + 1500)
    stop = v["block_stop"].search(text[h1:window_end])
    window_end = h1 + stop.start() if stop else window_end
    rows: list[tuple[str, list[Figure | None], int]] = []
    labels = [(m.start(), m.end(), m.group(0), "total") for m in v["total_re"].finditer(text, h1, window_end)]
    labels += [(m.start(), m.end(), m.group(0), "sub") for m in v["sub_re"].finditer(text, h1, window_end)]
    labels = _other_rows(text, h1, window_end, labels)
    labels.sort(key=lambda x: x[0])
    if not any(kind == "total" for *_, kind in labels):
        # the row label printed before the header (crawled cells out of order): figures right after it
        toks = tokenize(text, h1, window_end)[:12]
        if toks and _figure(toks[0]) is not None and v["total_re"].search(text, max(0, h0 - 200), h0):
            figs = _collect(toks, 0, one_rate=True)
            if figs:
                rows.append(("total", figs, h1))
                block.total_label = v["total_re"].search(text, max(0, h0 - 200), h0).group(0)
    for k, (ls, le, label, kind) in enumerate(labels):
        nxt = labels[k + 1][0] if k + 1 < len(labels) else window_end
        figs = _glued(text, le, roles) or [None if f is not None and _fragment(text, f) else f
                                           for f in _collect(tokenize(text, le, nxt)[:14], 0)]
        name = label.strip()
        if kind == "total" and block.total_label is None:
            block.total_label = name
        rows.append(("total" if kind == "total" else name, figs, ls))
        if kind == "total":
            last = [f for f in figs if f is not None]
            block.end = max(block.end, last[-1].end if last else le)
    if not rows:
        return None
    total = next((f for k, f, _ in rows if k == "total"), None)
    block.values = _assign(roles, total or []) if total is not None else {}
    base = block.values.get("adjusted") or block.values.get("initial")
    ex = block.values.get("executed")
    if base is not None and ex is not None and base.value == 0 and ex.value != 0:
        for r in _AMOUNT_ROLES:  # cells out of order: no budget of 0 is spent
            block.values.pop(r, None)
    block.total_start = next((at for k, _f, at in rows if k == "total"), None)
    for k, figs, at in rows:
        if k != "total":
            block.rows.append((k, _assign(roles, figs)))
            block.row_starts.append(at)
    # amounts written only on the first 其中 row (the total row carries 分值 / 执行率 / 得分)
    if not any(r in block.values for r in _AMOUNT_ROLES):
        for _k, vals in block.rows:
            if any(r in vals for r in _AMOUNT_ROLES):
                for r in _AMOUNT_ROLES:
                    if r in vals:
                        block.values[r] = vals[r]
                break
    return block


def _other_rows(text: str, a: int, b: int, labels: list) -> list:
    """Row names the lexicon does not list (基本支出, 项目支出, 其中：当年 财政拨款 as one cell): a cell of words
    about money followed by a figure. A named row found by the lexicon keeps its own span."""
    taken = [(s, e) for s, e, *_ in labels]
    out = list(labels)
    toks = tokenize(text, a, b)
    i = 0
    while i < len(toks):
        t = toks[i]
        if t.kind != "text" or t.gap != 2:
            i += 1
            continue
        j = i + 1
        while j < len(toks) and toks[j].kind == "text" and toks[j].gap == 1:
            j += 1  # a cell broken by a space (其中：当年 财政拨款)
        s, e = t.start, toks[j - 1].end
        cell = text[s:e]
        nxt = toks[j] if j < len(toks) else None
        if nxt is not None and _figure(nxt) is not None and _vocab()["row_words"].search(cell) and len(squash(cell)) <= 20:
            inside = [x for x in taken if x[0] < e and s < x[1]]
            if inside:  # the lexicon's name sits inside this cell: the cell is the row's name
                out = [x for x in out if not (x[0] < e and s < x[1])]
                kind = next(k for ls, le, _l, k in labels if (ls, le) == inside[0])
                out.append((s, e, cell, kind))
            else:
                out.append((s, e, cell, "cell"))
        i = j
    return out


def _collect(toks: list[Tok], i: int, one_rate: bool = False) -> list[Figure | None]:
    """Figures (None for a placeholder cell) from ``toks[i]`` on, up to the first word."""
    figs: list[Figure | None] = []
    placeholder = _vocab()["placeholder"]
    for t in toks[i:]:
        s = squash(t.text)
        f = _figure(t)
        if f is not None:
            if one_rate and f.percent and any(x is not None and x.percent for x in figs):
                break
            figs.append(f)
        elif placeholder.match(s):
            figs.append(None)
        elif s in ("(", ")", "（", "）", ":", "："):
            continue
        else:
            break
    return figs


_GLUED = re.compile(r"[:：]?[ \t]*(?P<run>\d[\d.]{0,29}%[\d.]{0,6}|\d+(?:\.\d+){2,5})(?![\d.])")


def _glued(text: str, pos: int, roles: tuple[str, ...]) -> list[Figure | None]:
    """Figures whose cells lost their separators (``25002500100%``, ``86.584.297.34%``), split where the
    pieces are valid figures and the amounts reproduce the stated rate; [] unless exactly one split does."""
    m = _GLUED.match(text, pos)
    if not m:
        return []
    run = m.group("run")
    head, _, tail = run.partition("%")
    if "%" in run and head.count(".") <= 1 and len(head.replace(".", "")) <= 5 and not tail:
        return []  # an ordinary percent
    cols = [c for c in roles if c != "ignore"]
    if "rate" not in cols:
        return []
    ri = cols.index("rate")
    before = cols[:ri]
    after = [c for c in cols[ri + 1:] if c in ("score", "weight")]
    sols = []
    for parts in _splits(head, len(before) + 1):
        vals = dict(zip(before + ["rate"], parts, strict=True))
        if not _valid_split(vals):
            continue
        if after and tail:
            if not _num_ok(tail, 2):
                continue
            vals[after[0]] = tail
        sols.append(vals)
    if len(sols) != 1:
        return []
    sol = sols[0]
    base = m.start("run")
    out: list[Figure | None] = []
    off = 0
    for c in before + ["rate"] + (after[:1] if after and tail else []):
        raw = sol[c]
        k = run.index(raw, off)
        out.append(Figure(D(raw), raw + ("%" if c == "rate" else ""), base + k, base + k + len(raw), percent=c == "rate"))
        off = k + len(raw) + (1 if c == "rate" else 0)
    return out


def _splits(s: str, n: int):
    if n == 1:
        yield [s]
        return
    for i in range(1, len(s)):
        for rest in _splits(s[i:], n - 1):
            yield [s[:i], *rest]


def _num_ok(s: str, max_dec: int = 4) -> bool:
    if not re.fullmatch(r"(?:0|[1-9]\d*)(?:\.\d+)?", s):
        return False
    return "." not in s or len(s.split(".")[1]) <= max_dec


def _valid_split(vals: dict[str, str]) -> bool:
    for c, raw in vals.items():
        if not _num_ok(raw, 2 if c in ("rate", "weight") else 4):
            return False
    rate = D(vals["rate"])
    if not 0 < rate <= 200:
        return False
    if "weight" in vals and not (0 < D(vals["weight"]) <= 100 and "." not in vals["weight"]):
        return False
    ex = vals.get("executed")
    base = vals.get("adjusted") or vals.get("initial")
    if ex is None or base is None or D(base) == 0:
        return False
    return _matches(rate, D(ex) / D(base) * 100) or abs(D(ex) / D(base) * 100 - rate) < Decimal("0.5") and \
        rate == rate.to_integral_value()


def _pairs(text: str, run: list[tuple[int, int, str, str]]) -> dict[str, Figure]:
    out: dict[str, Figure] = {}
    connectors = _vocab()["pair_connectors"]
    for _a, b, role, _ in run:
        toks = tokenize(text, b, min(len(text), b + 24))
        toks = toks[1:] if toks and squash(toks[0].text) in connectors else toks
        if not toks or (f := _figure(toks[0])) is None:
            continue
        if role in _AMOUNT_ROLES and not f.percent or role == "rate" and f.percent:
            out[role] = f
    return out if sum(1 for r in out if r in _AMOUNT_ROLES) >= 2 else {}


def _matches(stated: Decimal, value: Decimal) -> bool:
    exp = stated.as_tuple().exponent
    places = -exp if isinstance(exp, int) and exp < 0 else 0
    q = Decimal(1).scaleb(-places)
    return value.quantize(q, rounding=ROUND_HALF_UP) == stated or value.quantize(q, rounding=ROUND_DOWN) == stated


def _assign(columns: tuple[str, ...], figs: list[Figure | None]) -> dict[str, Figure]:
    """Match a row's figures (None = a placeholder cell) to the header's columns."""
    cols = [c for c in columns if c != "ignore"]
    if not any(f is not None for f in figs):
        return {}
    if len(figs) == len(cols):
        return {c: f for c, f in zip(cols, figs, strict=True) if f is not None}
    pi = next((i for i, f in enumerate(figs) if f is not None and f.percent), None)
    if pi is None or "rate" not in cols:
        if len(figs) < len(cols) and all(f is not None for f in figs):
            amount_cols = [c for c in cols if c in _AMOUNT_ROLES]
            if len(figs) <= len(amount_cols):
                return {c: f for c, f in zip(amount_cols[-len(figs):], figs, strict=True)}
        return {}
    ri = cols.index("rate")
    out: dict[str, Figure] = {"rate": figs[pi]}  # type: ignore[dict-item]
    before, after = figs[:pi], figs[pi + 1:]
    cb, ca = cols[:ri], cols[ri + 1:]
    if len(before) == len(cb):
        out.update({c: f for c, f in zip(cb, before, strict=True) if f is not None})
    else:
        before = list(before)
        if "weight" in cb and before and before[-1] is not None and before[-1].value <= 100 and \
                before[-1].value == before[-1].value.to_integral_value():
            out["weight"] = before.pop()  # type: ignore[assignment]
        amounts = [f for f in before if f is not None]
        amount_cols = [c for c in cb if c in _AMOUNT_ROLES]
        out.update(_amounts(amount_cols, amounts, figs[pi]))  # type: ignore[arg-type]
    if ca and after:
        for c, f in zip(ca, after, strict=False):
            if f is not None:
                out[c] = f
    elif not ca and len(after) == 1 and after[0] is not None and "weight" in cols and "score" not in cols:
        # the form's 得分 column after 执行率 whose header word was lost: a plain number within the 分值
        w, f = out.get("weight"), after[0]
        if not f.percent and w is not None and 0 <= f.value <= w.value:
            out["score"] = f
    return out


def _amounts(cols: list[str], amounts: list[Figure], rate: Figure) -> dict[str, Figure]:
    if len(amounts) >= len(cols):
        return dict(zip(cols, amounts[-len(cols):], strict=True)) if cols else {}
    if len(amounts) == 2 and set(cols) >= {"adjusted", "executed"}:
        a, b = amounts
        if a.value and _matches(rate.value, b.value / a.value * 100):
            return {"adjusted": a, "executed": b}
        if "initial" in cols and b.value and rate.value == 100 and a.value != b.value:
            return {"initial": a, "adjusted": b}
        return {"adjusted": a, "executed": b}
    return {}
