"""Figures stated in prose: budget slots, funding, projects, staffing, ratios, breakdowns.

The rule throughout: a figure is read with the label written just before it
(the clause up to the number), classified by the lexicon, and the first
statement of a slot wins (later mentions repeat it). Sentences about another
subject (三公经费, 政府采购, 公用经费 …) do not feed the department budget.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal

from jixiao.extract.collect import Context, rx
from jixiao.extract.text import LABEL_WINDOW, Num, Seg, clause_start, numbers_in, squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.model import Breakdown, Project, Ratio
from jixiao.numbers import ROUND_DOWN, ROUND_HALF_UP, parse_number, to_wan


@dataclass
class Found:
    """Mutable accumulator for the narrative pass (turned into model objects at the end)."""

    budget: dict[str, Decimal] = field(default_factory=dict)
    funding: dict[str, Decimal] = field(default_factory=dict)
    staffing: dict[str, int] = field(default_factory=dict)
    projects: list[dict] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    ratio_spans: list[tuple[int, int]] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)


def label_before(ctx: Context, pos: int, floor: int) -> str:
    """The clause text just before a figure, whitespace removed.

    A figure written right after a colon (``年初预算：600万元``) takes the words before the colon.
    """
    text = ctx.text
    cs = clause_start(text, pos, floor)
    label = squash(text[cs:pos])
    if not label and cs - 1 >= floor and text[cs - 1] in "：:":
        label = squash(text[clause_start(text, cs - 1, floor):cs - 1])
    return label


def _money(n: Num) -> Decimal:
    return to_wan(n.value, n.unit)


@vocabulary_cache
def _rx() -> dict[str, re.Pattern[str]]:
    """The patterns of this module, built from ``lexicon.yaml`` ``narrative``."""
    w = lexicon()["narrative"]
    return {
        "project_heading": re.compile(
            r"^\s*(?:[（(]\s*[\d一二三四五六七八九十]+\s*[）)]|\d+[.、．]|[一二三四五六七八九十]+、)\s*"
            rf"(?P<name>[^，。；：:\n]{{2,60}}?(?:{alt(w['project_name_end'])}))"
            rf"(?:{w['project_heading_tail']})?\s*$"),
        # 项目资金情况 / 部门预算资金 / 专项资金 name no project of their own
        "generic_name": re.compile(rf"{alt(w['generic_name_words'])}|\d{{4}}年?"),
        "adjustment_down": re.compile(alt(w["adjustment_down"])),
        "expense_total": re.compile(w["expense_total"]),
        "expense_item": re.compile(rf"^(?:{alt(w['expense_lead'])})?(?P<name>.{{2,40}}?(?:{alt(w['expense_name_end'])}))"
                                   rf"(?:{w['expense_label_end']})$"),
        "expense_generic": re.compile(w["expense_generic"]),
        "funding": re.compile("|".join(lexicon()["funding"].values())),
        "range": re.compile(rf"\s*({alt(w['range_words'])}|~|～|-|—)\s*\d"),
        "not_budget_execution": re.compile(alt(w["not_budget_execution"])),
        "subject_lead": re.compile(rf"^({alt(w['subject_lead'])})+[:：]?"),
        "subject_end": re.compile(rf"({alt(w['subject_end'])})+$"),
        "rate_name_unit": re.compile(w["rate_name_unit"]),
        "sentence_subject_end": re.compile(w["sentence_subject_end"]),
        "clause_subject_lead": re.compile(rf"^({alt(w['clause_subject_lead'])})+"),
        "same_figure": re.compile(alt(w["same_figure"])),
        "rate_kind": re.compile(w["rate_kind"]),
        "rate_connector_end": re.compile(rf"({alt(w['rate_connector_end'])})+$"),
        "breakdown_budget": re.compile(alt(w["breakdown_budget_words"])),
        "breakdown_total_lead": re.compile(rf"^({alt(w['breakdown_total_lead'])})+"),
        "breakdown_total_end": re.compile(rf"({alt(w['breakdown_total_end'])})$"),
        "breakdown_part_lead": re.compile(rf"^({alt(w['breakdown_part_lead'])})+"),
    }


# ---------------------------------------------------------------- project sections

def find_project_sections(ctx: Context) -> None:
    """Headings naming a project (（1）XX专项经费项目) and the text they govern."""
    heads: list[tuple[int, int, str]] = []
    pats = _rx()
    for p in ctx.paras:
        first = p.text.strip().split("\n", 1)[0]
        m = pats["project_heading"].match(first)
        if m and len(pats["generic_name"].sub("", m.group("name"))) >= 2:
            heads.append((p.start, p.end, m.group("name").strip()))
    for i, (start, _end, name) in enumerate(heads):
        stop = len(ctx.text)
        # the section ends at the next heading-like paragraph
        for p in ctx.paras:
            if p.start > start and _is_any_heading(p.text.strip().split("\n", 1)[0]):
                stop = p.start
                break
        if i + 1 < len(heads):
            stop = min(stop, heads[i + 1][0])
        ctx.project_sections.append((start, stop, name))


_ANY_HEADING = re.compile(r"^\s*(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十\d]+[）)]|\d+[.、．])")


def _is_any_heading(s: str) -> bool:
    s = s.strip()
    return "\n" not in s and len(s) < 45 and bool(_ANY_HEADING.match(s)) and not re.search(r"[，。；]", s)


# ---------------------------------------------------------------- budget, funding, staffing

def read_budget(ctx: Context, found: Found) -> None:
    lx = lexicon()
    slots = [(s["slot"], rx(s["label"])) for s in lx["budget_slots"]]
    funding = [(k, rx(v)) for k, v in lx["funding"].items()]
    staffing = [(k, rx(v)) for k, v in lx["staffing"].items()]
    public_scope = rx(lx["scoped_subjects"]["public"])
    ignore_scope = rx(lx["scoped_subjects"]["ignore"])
    text = ctx.text
    w = lx["narrative"]
    staffing_units, not_spending = w["staffing_units"], w["not_spending"]
    for sent in ctx.sents:
        if ctx.is_claimed(sent.start):
            continue
        last_main: str | None = None
        for n in numbers_in(text, sent.start, sent.end, cells=False):
            project = ctx.project_at(n.start)
            label = label_before(ctx, n.start, sent.start)
            if n.unit in staffing_units and not project:
                for key, pat in staffing:
                    if pat.search(label) and key not in found.staffing and n.value == n.value.to_integral_value():
                        found.staffing[key] = int(n.value)
                        ctx.mark(f"staffing.{key}", n.start, n.end)
                        break
                continue
            if not n.is_money:
                continue
            prefix = squash(text[max(sent.start, n.start - 2 * LABEL_WINDOW):n.start])
            if any(p.search(label) for _, p in funding) and not project:
                for key, pat in funding:
                    if pat.search(label) and key not in found.funding:
                        found.funding[key] = _money(n)
                        ctx.mark(f"funding.{key}", n.start, n.end)
                        break
                continue
            slot = next((s for s, pat in slots if pat.search(label)), None)
            if slot is None or (slot in ("initial", "adjusted", "executed") and any(x in label for x in not_spending)):
                continue
            if project:
                _project_figure(ctx, found, project, slot, n)
                continue
            if ignore_scope.search(label) or (ignore_scope.search(prefix) and not public_scope.search(prefix)):
                continue
            if public_scope.search(prefix) and slot in ("initial", "adjusted", "executed", "public"):
                slot = {"initial": "public_initial", "adjusted": "public_adjusted", "executed": "public",
                        "public": "public"}[slot]
            elif slot in ("basic", "project") and last_main == "initial":
                slot = "initial_" + slot
            if slot in ("initial", "adjusted", "executed"):
                last_main = slot
            if slot == "adjustment" and _rx()["adjustment_down"].search(label):
                value = -_money(n)
            else:
                value = _money(n)
            if slot not in found.budget:
                found.budget[slot] = value
                ctx.mark(f"budget.{slot}", n.start, n.end)


def _project_figure(ctx: Context, found: Found, name: str, slot: str, n: Num) -> None:
    proj = next((p for p in found.projects if p["name"] == name), None)
    if proj is None:
        proj = {"name": name}
        found.projects.append(proj)
    key = {"adjusted": "budget", "initial": "budget", "executed": "executed"}.get(slot)
    if key and key not in proj:
        proj[key] = _money(n)
        proj.setdefault("_ev", {})[key] = (n.start, n.end)


# ---------------------------------------------------------------- project expense lists (003)

def read_expense_lists(ctx: Context, found: Found) -> None:
    """Clauses 'XX经费支出 N 万元' after a 项目支出 total: the named project lines (003)."""
    text = ctx.text
    pats = _rx()
    funding = pats["funding"]
    anchor = lexicon()["narrative"]["expense_anchor"]
    for para in ctx.paras:
        if not any(a in para.text for a in anchor) or ctx.is_claimed(para.start):
            continue
        nums = numbers_in(text, para.start, para.end, cells=False)
        seen_total = False
        items: list[tuple[str, Num]] = []
        for n in nums:
            if not n.is_money:
                continue
            label = label_before(ctx, n.start, para.start)
            if pats["expense_total"].search(label):
                seen_total = True
                continue
            if not seen_total:
                continue
            m = pats["expense_item"].match(label)
            if not m:
                continue
            name = m.group("name")
            if (funding.search(label) or pats["expense_generic"].fullmatch(name)
                    or any(p["name"] == name for p in found.projects)):
                continue
            items.append((name, n))
        if len(items) >= 2:  # a list of named lines, not a stray clause
            for name, n in items:
                found.projects.append({"name": name, "executed": _money(n), "_ev": {"executed": (n.start, n.end)}})
                ctx.claimed.append((n.start, n.end))


# ---------------------------------------------------------------- ratios

_PCT_WORDS = re.compile(r"百分之[零〇一二两三四五六七八九十百点]+")


def _percents(ctx: Context, sent: Seg) -> list[Num]:
    out = [n for n in numbers_in(ctx.text, sent.start, sent.end, cells=False) if n.is_percent]
    for m in _PCT_WORDS.finditer(ctx.text, sent.start, sent.end):
        try:
            v = parse_number(m.group(0)).value
        except ValueError:
            continue
        out.append(Num(value=v, unit="%", start=m.start(), end=m.end(), raw=m.group(0)))
    return sorted(out, key=lambda n: n.start)


def read_ratios(ctx: Context, found: Found) -> None:
    lx = lexicon()
    name_end = rx(f"(?:{lx['rate_name_end']})$")
    connector = rx(f"{lx['rate_connector']}$")
    strip = rx(lx["rate_name_strip"])
    generic = rx(lx["rate_generic_names"])
    skip = rx(lx["rate_skip"])
    exec_label = rx(lx["execution_rate_label"])
    adj_label = rx(lx["adjustment_rate_label"])
    pats = _rx()
    w = lx["narrative"]
    several_end, several = tuple(w["several_rates_end"]), w["several_rates"]
    text = ctx.text
    for si, sent in enumerate(ctx.sents):
        if ctx.is_claimed(sent.start):
            continue
        for n in _percents(ctx, sent):
            label = label_before(ctx, n.start, sent.start)
            after = text[n.end:n.end + 4]
            if pats["range"].match(after) or label.endswith(several_end) or any(x in label for x in several):
                continue
            project = ctx.project_at(n.start)
            if project and exec_label.search(label):
                proj = next((p for p in found.projects if p["name"] == project), None)
                if proj is not None and "execution_rate" not in proj:
                    proj["execution_rate"] = n.value
                    proj.setdefault("_ev", {})["execution_rate"] = (n.start, n.end)
                continue
            if exec_label.search(label) and not pats["not_budget_execution"].search(label):
                if "execution_rate" not in found.budget:
                    found.budget["execution_rate"] = n.value
                    ctx.mark("budget.execution_rate", n.start, n.end)
                continue
            if adj_label.search(label) and "adjustment_rate" not in found.budget:
                found.budget["adjustment_rate"] = n.value
                ctx.mark("budget.adjustment_rate", n.start, n.end)
            composed = _composed_rate_name(ctx, sent, n, label)
            if "=" in label and name_end.search(label.split("=", 1)[0]):
                label = label.split("=", 1)[0]  # 三公经费变动率=(本年-上年)÷上年=98.31%
            m = connector.search(label)
            name = label[: m.start()] if m else label
            if composed:
                name = composed
            elif not name_end.search(name) or skip.search(name):
                continue
            name = _clean_rate_name(name, strip)
            if not name:
                continue
            if generic.match(name):
                subject = _rate_subject(ctx, sent, n, name)
                if subject and len(subject) <= 16 and not re.search(r"[，,。]", subject):
                    name = subject + name
                elif name not in w["standalone_rates"]:
                    continue
            if any(r.name == name for r in found.ratios):
                continue
            num, den = _find_inputs(ctx, si, n)
            if num is None:
                num, den = _stated_inputs(ctx, si, n, generic.match(label[: m.start()] if m else label) is not None)
            bases = _bases_for(ctx, found, si, n, name)
            idx = len(found.ratios)
            den_value = den.value if den else None
            den_span = (den.start, den.end) if den else None
            if num and "年初" in bases and bases["年初"] != den_value and _matches(n.value, _money_or(num) / bases["年初"] * 100):
                # both bases reproduce the figure: the default (53号) base is the 年初 budget
                den_value = bases["年初"]
                src = ctx.evidence.get("budget.initial")
                den_span = (src.start, src.end) if src and src.text.replace(",", "").startswith(str(den_value)) else den_span
            if num is not None and num.is_money:
                num_value = _money_or(num)
                if den is not None and den_value == den.value:
                    den_value = _money_or(den)
            else:
                num_value = num.value if num else None
            found.ratios.append(Ratio(name=name, stated=n.value, numerator=num_value,
                                      denominator=den_value, bases=bases))
            ctx.mark(f"other_rates[{idx}].stated", n.start, n.end)
            if num and den_span:
                ctx.mark(f"other_rates[{idx}].numerator", num.start, num.end)
                ctx.mark(f"other_rates[{idx}].denominator", *den_span)


def _composed_rate_name(ctx: Context, sent: Seg, n: Num, label: str) -> str | None:
    """占总收入的 / 同比下降 named after the subject of the clause before (财政拨款收入占总收入, 收入同比下降)."""
    lx = lexicon()
    share = rx(lx["rate_share"]).match(label)
    change = rx(lx["rate_change"]).match(label)
    if not share and not change:
        return None
    text = ctx.text
    cs = clause_start(text, n.start, sent.start)
    prev_end = cs - 1
    if prev_end <= sent.start:
        return None
    pcs = clause_start(text, prev_end, sent.start)
    nums = numbers_in(text, pcs, prev_end)
    if not nums:
        return None
    subject = squash(text[pcs:nums[-1].start])
    pats = _rx()
    subject = pats["subject_lead"].sub("", subject)
    subject = pats["subject_end"].sub("", subject)
    if not (2 <= len(subject) <= 16) or re.search(r"\d", subject):
        return None
    return subject + ("占" + share.group("base") if share else change.group("word"))


def _clean_rate_name(name: str, strip: re.Pattern[str]) -> str:
    if re.search(r"[、\d%％.．]", name):
        name = re.split(r"[、\d%％.．]", name)[-1]
        name = _rx()["rate_name_unit"].sub("", name)  # the unit of the cut figure
    if "“" in name:
        name = name[name.index("“"):]
    prev = None
    while prev != name:
        prev = name
        name = strip.sub("", name)
    # a long name is usually a sentence: keep its tail after the last verb-like break
    for sep in lexicon()["narrative"]["rate_name_breaks"]:
        if len(name) > 14 and sep in name:
            name = name.rsplit(sep, 1)[1]
    return name


def _rate_subject(ctx: Context, sent: Seg, n: Num, name: str) -> str:
    """The subject a generic rate name refers to (得分率 → 部门管理指标; 占比 → 45岁以下)."""
    text = ctx.text
    pats = _rx()
    if name in lexicon()["narrative"]["sentence_subject_rates"]:
        first_num = next(iter(numbers_in(text, sent.start, n.start)), None)
        head = squash(text[sent.start:first_num.start if first_num else n.start])
        head = pats["sentence_subject_end"].sub("", head)
        head = re.sub(r"^[\d.、]+", "", head)
        return head + ("指标" if head and not head.endswith("指标") and "指标" in text[sent.start:n.start] else "")
    # previous clause: the text before its last number
    cs = clause_start(text, n.start, sent.start)
    prev_end = cs - 1
    if prev_end <= sent.start:
        return ""
    pcs = clause_start(text, prev_end, sent.start)
    nums = numbers_in(text, pcs, prev_end)
    if not nums:
        return ""
    subject = squash(text[pcs:nums[-1].start])
    subject = pats["clause_subject_lead"].sub("", subject)
    return subject


def _matches(stated: Decimal, value: Decimal) -> bool:
    """Does a recomputed percent equal the stated one at its written precision (rounded or truncated)?

    A figure written with more decimals than any report uses (or too large) matches nothing.
    """
    exp = stated.as_tuple().exponent
    places = -exp if isinstance(exp, int) and exp < 0 else 0
    if places > 6 or abs(value) >= 10**9 or abs(stated) >= 10**9:
        return False
    q = Decimal(1).scaleb(-places)
    try:
        return value.quantize(q, rounding=ROUND_HALF_UP) == stated or value.quantize(q, rounding=ROUND_DOWN) == stated
    except ArithmeticError:
        return False


def _window(ctx: Context, si: int) -> tuple[int, int]:
    sent = ctx.sents[si]
    start = ctx.sents[si - 1].start if si > 0 else sent.start
    return start, sent.end


def _find_inputs(ctx: Context, si: int, rate: Num) -> tuple[Num | None, Num | None]:
    """Numerator and denominator among the figures near a stated rate that reproduce it."""
    text = ctx.text
    start, end = _window(ctx, si)
    nums = [n for n in numbers_in(text, start, end) if not n.is_percent and n.value >= 0]
    # the inputs of a rate are written near it: the twelve nearest figures bound the pairs tried
    nums = sorted(nums, key=lambda n: abs(n.start - rate.start))[:12]
    best: tuple[int, Num, Num] | None = None
    same_figure = _rx()["same_figure"]
    for a in nums:
        for b in nums:
            if b.value == 0:
                continue
            same = a is b
            if not _same_kind(a, b):
                continue
            if same and not same_figure.search(text[a.end:a.end + 12]):
                continue
            if not _matches(rate.value, _money_or(a) / _money_or(b) * 100):
                continue
            dist = abs(rate.start - a.start) + abs(rate.start - b.start)
            if best is None or dist < best[0]:
                best = (dist, a, b)
    if best is None:
        return None, None
    return best[1], best[2]


def _stated_inputs(ctx: Context, si: int, rate: Num, is_share: bool) -> tuple[Num | None, Num | None]:
    """Inputs the text states even when they do not reproduce the rate (so a wrong rate can be caught).

    Only unambiguous layouts: a share (占比) takes the count of the clause before it over the
    nearest earlier larger total of the same unit; any other rate takes the only two figures of
    one kind that precede it in its sentence, in the order closest to the stated value.
    """
    text = ctx.text
    sent = ctx.sents[si]
    before = [n for n in numbers_in(text, sent.start, rate.start, cells=False) if not n.is_percent]
    if is_share:
        cs = clause_start(text, rate.start, sent.start)
        prev = [n for n in before if n.end <= cs]
        if not prev:
            return None, None
        part = prev[-1]
        earlier = [n for n in before if n.end <= part.start]
        if si > 0:
            p = ctx.sents[si - 1]
            earlier = [n for n in numbers_in(text, p.start, p.end, cells=False) if not n.is_percent] + earlier
        totals = [n for n in earlier if _same_kind(n, part) and n.value > part.value]
        return (part, totals[-1]) if totals else (None, None)
    if not before and si > 0 and ctx.sents[si - 1].end >= sent.start - 2:
        # the rate opens its sentence: its inputs may close the previous one, if they name its subject
        p = ctx.sents[si - 1]
        prev = [n for n in numbers_in(text, p.start, p.end, cells=False) if not n.is_percent and n.value != 0]
        labels = "".join(label_before(ctx, n.start, p.start) for n in prev)
        key = _rx()["rate_kind"].sub("", _strip_rate_name(text, sent, rate))
        if len(key) >= 2 and any(key[i:i + 2] in labels for i in range(len(key) - 1)):
            before = prev
    if len(before) != 2 or not _same_kind(before[0], before[1]) or 0 in (before[0].value, before[1].value):
        return None, None
    a, b = before
    q1 = abs(_money_or(a) / _money_or(b) * 100 - rate.value)
    q2 = abs(_money_or(b) / _money_or(a) * 100 - rate.value)
    return (a, b) if q1 <= q2 else (b, a)


def _strip_rate_name(text: str, sent: Seg, rate: Num) -> str:
    """The words of a rate's own clause before its connector (固定资产利用率为 → 固定资产利用率)."""
    words = squash(text[clause_start(text, rate.start, sent.start):rate.start])
    return _rx()["rate_connector_end"].sub("", words)


def _money_or(n: Num) -> Decimal:
    return to_wan(n.value, n.unit) if n.is_money else n.value


def _same_kind(a: Num, b: Num) -> bool:
    if a.is_money or b.is_money:
        return a.is_money and b.is_money
    return (a.unit[:1] or "") == (b.unit[:1] or "")


def _bases_for(ctx: Context, found: Found, si: int, rate: Num, name: str) -> dict[str, Decimal]:
    """Candidate denominators named near a ratio (年初 / 调整后 预算), for definition checks."""
    bases: dict[str, Decimal] = {}
    start, end = ctx.sents[si].start, ctx.sents[si].end
    w = lexicon()["narrative"]
    budget_words = w["rate_base_budget"]
    for n in numbers_in(ctx.text, start, end):
        if not n.is_money:
            continue
        label = label_before(ctx, n.start, start)
        for word, key in w["rate_bases"].items():
            if word in label and any(b in label for b in budget_words) and key not in bases:
                bases[key] = _money(n)
    if any(x in name for x in w["adjustment_rates"]):
        if "initial" in found.budget:
            bases.setdefault("年初", found.budget["initial"])
        if "adjusted" in found.budget:
            bases.setdefault("调整后", found.budget["adjusted"])
    return bases if len(bases) > 1 else {}


# ---------------------------------------------------------------- breakdowns (其中 lists)

def read_breakdowns(ctx: Context, found: Found) -> None:
    """A total followed by 其中 parts of the same unit (共处置个案 N 宗。其中 A 宗，B 宗 …)."""
    text = ctx.text
    pats = _rx()
    w = lexicon()["narrative"]
    budget_words = pats["breakdown_budget"]
    for si, sent in enumerate(ctx.sents):
        if ctx.is_claimed(sent.start):
            continue
        body = text[sent.start:sent.end]
        k = min((i for i in (body.find(o) for o in w["breakdown_opener"]) if i >= 0), default=-1)
        if k < 0:
            continue
        pos = sent.start + k
        after = [n for n in numbers_in(text, pos, sent.end) if not n.is_percent]
        before = [n for n in numbers_in(text, sent.start, pos) if not n.is_percent]
        if not before and si > 0:
            prev = ctx.sents[si - 1]
            before = [n for n in numbers_in(text, prev.start, prev.end) if not n.is_percent]
        by_unit: dict[str, list[Num]] = {}
        for n in after:
            by_unit.setdefault(n.unit, []).append(n)
        for unit, parts in by_unit.items():
            if len(parts) < 2 or not unit:
                continue
            total = next((n for n in before if n.unit == unit), None)
            if total is None:
                continue
            labels = [label_before(ctx, p.start, pos) for p in parts]
            if any(budget_words.search(lb) for lb in labels):
                continue  # budget splits are checked from the budget slots
            s = sum((p.value for p in parts), Decimal(0))
            if s > total.value:
                continue  # overlapping categories (党员, 45岁以下 …), not a partition
            name = pats["breakdown_total_lead"].sub("", label_before(
                ctx, total.start, sent.start if total.start >= sent.start else ctx.sents[si - 1].start))
            name = pats["breakdown_total_end"].sub("", name)
            key = (total.value, tuple(p.value for p in parts))
            if any((b.total, tuple(v for _, v in b.parts)) == key for b in found.breakdowns):
                continue  # the same list stated twice
            idx = len(found.breakdowns)
            found.breakdowns.append(Breakdown(
                name=name or "合计", total=total.value,
                parts=tuple((pats["breakdown_part_lead"].sub("", lb).rstrip("".join(w["breakdown_part_end"])) or f"第{i + 1}项",
                             p.value) for i, (lb, p) in enumerate(zip(labels, parts, strict=True))),
                unit=unit, exhaustive=any(c in lb for lb in labels for c in w["breakdown_catch_all"])))
            ctx.mark(f"breakdowns[{idx}].total", total.start, total.end)
            for j, p in enumerate(parts):
                ctx.mark(f"breakdowns[{idx}].parts[{j}]", p.start, p.end)


def projects_from(found: Found, ctx: Context) -> tuple[Project, ...]:
    out = []
    for i, p in enumerate(found.projects):
        for key, (a, b) in p.get("_ev", {}).items():
            ctx.mark(f"projects[{i}].{key}", a, b)
        out.append(Project(name=p["name"], budget=p.get("budget"), executed=p.get("executed"),
                           execution_rate=p.get("execution_rate")))
    return tuple(out)
