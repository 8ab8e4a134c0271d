"""JX3xx — quality: how the indicators and the text are written (财预〔2021〕101号 guidance).

These do not say a number is wrong; they say a reviewer would send the form back:
targets without a measurable standard, process metrics filed as outputs, actuals
copied from targets, off-default weights, no 满意度 indicator, a summary over the
form's own length limit, paragraphs pasted twice, stuttered words.
Source: scoring-rules.md §3 (T-3, T-5, T-6) and §5.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from jixiao.audit.context import Context, fmt
from jixiao.audit.registry import rule
from jixiao.model import Finding

_VAGUE = ("有所提高", "明显提升", "进一步改善", "进一步提高", "显著提高", "正常开展", "正常运转", "提高", "提升",
          "改善", "健全", "完善", "合规", "有效", "良好", "较好", "持续", "稳步", "规范", "增强", "达标")
_VAGUE_RE = re.compile("|".join(_VAGUE))
_PROCESS_RE = re.compile(r"资金到位率|预算执行率|支付合规率|支付进度|资金支付率|执行进度|资金使用合规")


def _level1(ind) -> str:
    return re.sub(r"\s", "", ind.level1 or "")


@rule("JX301", "指标值表述模糊、不可衡量", severity="warning",
      source="财预〔2021〕101号 量化易评原则；scoring-rules.md T-3、T-5(a)、T-6")
def vague_targets(ctx: Context) -> Iterator[Finding]:
    """A target value such as 提高, 正常开展, 健全, 合规, 有效, 良好 with no number or measurable
    standard cannot be assessed (101号: quantify; a qualitative indicator must be gradable)."""
    for i, ind in enumerate(ctx.ev.indicators):
        t = (ind.target or "").strip()
        if not t or re.search(r"\d|[一二三四五六七八九十百千]+[项个次场人件]", t):
            continue
        m = _VAGUE_RE.search(t)
        if m:
            yield ctx.finding("JX301", "warning",
                              f"{ind.name} 的年度指标值“{t}”无可衡量的标准（“{m.group(0)}”），应量化或分级",
                              path=ctx.indicator_path(i, "target"), stated=t, related=[f"indicators[{i}].name"])


@rule("JX302", "过程指标误列为产出或效益指标", severity="warning",
      source="财预〔2021〕101号：资金到位率、预算执行率、支付合规率等过程/投入指标不作为产出、效益指标；scoring-rules.md T-6")
def process_as_output(ctx: Context) -> Iterator[Finding]:
    """资金到位率 / 预算执行率 / 支付合规率 … measure the process, not the outputs or effects; filed
    under 产出 or 效益 they inflate the score without saying what was delivered."""
    for i, ind in enumerate(ctx.ev.indicators):
        l1 = _level1(ind)
        if not ("产出" in l1 or "效益" in l1):
            continue
        m = _PROCESS_RE.search(re.sub(r"\s", "", ind.name))
        if m:
            yield ctx.finding("JX302", "warning",
                              f"{ind.name} 是过程指标（{m.group(0)}），不应列在{l1}{('/' + ind.level2) if ind.level2 else ''}下",
                              path=ctx.indicator_path(i, "name"), stated=ind.name,
                              related=[f"indicators[{i}].score", f"indicators[{i}].target"])


_NOT_APPLICABLE = {"不适用", "无", "/", "—", "-", "——", "N/A"}


@rule("JX303", "实际完成值照抄指标值", severity="info",
      source="scoring-rules.md T-6：实际完成值仅重复目标文字（目标“提高”/实际“提高”）")
def actual_repeats_target(ctx: Context) -> Iterator[Finding]:
    """An actual value that repeats a non-numeric target word for word states no result."""
    for i, ind in enumerate(ctx.ev.indicators):
        t, a = (ind.target or "").strip(), (ind.actual or "").strip()
        if t and a and t == a and not re.search(r"\d", t) and t not in _NOT_APPLICABLE:
            yield ctx.finding("JX303", "info", f"{ind.name} 的实际完成值“{a}”照抄年度指标值，未反映实际完成情况",
                              path=ctx.indicator_path(i, "actual"), stated=a, related=[f"indicators[{i}].target"])


def _family(ind) -> str | None:
    l1 = _level1(ind)
    if "执行率" in ind.name and ("项目资金" in l1 or not l1 or "执行" in l1):
        return "预算执行率"
    for fam in ("产出", "效益", "满意度"):
        if fam in l1:
            return fam
    return None


@rule("JX304", "一级指标权重偏离框架默认值", severity="info",
      source="财预〔2020〕10号：产出50、效益30、满意度10、预算执行率10，特殊情况可调整；scoring-rules.md P-W1、P-W2")
def first_level_weights(ctx: Context) -> Iterator[Finding]:
    """In a 项目 自评表, the first-level weights against the framework defaults (产出 50 / 效益 30 /
    满意度 10 / 预算执行率 10). Allowed "in special cases", so info."""
    ev = ctx.ev
    if ev.scope != "project" or not ev.indicators:
        return
    sums: dict[str, Decimal] = {}
    first: dict[str, int] = {}
    for i, ind in enumerate(ev.indicators):
        fam = _family(ind)
        if fam is None or ind.weight is None:
            continue
        sums[fam] = sums.get(fam, Decimal(0)) + ind.weight
        first.setdefault(fam, i)
    if len(sums) < 2:
        return
    defaults = ctx.profile.project_weights
    diffs = [k for k in defaults if sums.get(k, Decimal(0)) != defaults[k]]
    if not diffs:
        return
    shown = "，".join(f"{k} {fmt(sums.get(k, Decimal(0)))}" for k in defaults)
    dflt = "，".join(f"{k} {fmt(v)}" for k, v in defaults.items())
    yield ctx.finding("JX304", "info", f"一级指标权重为 {shown}，偏离框架默认值（{dflt}）",
                      path=ctx.indicator_path(min(first.values()), "weight"), stated=shown, recomputed=dflt,
                      arithmetic="；".join(f"{k}: {fmt(sums.get(k, Decimal(0)))} vs {fmt(defaults[k])}" for k in diffs))


@rule("JX305", "缺少满意度指标", severity="warning",
      source="财预〔2020〕10号、101号：满意度指标（服务对象满意度）为一级指标；scoring-rules.md P-W1、T-5(f)")
def no_satisfaction(ctx: Context) -> Iterator[Finding]:
    """An indicator table with first-level families but no 满意度 indicator at all."""
    inds = ctx.ev.indicators
    if not inds or not any(ind.level1 for ind in inds):
        return
    if any("满意" in f"{ind.level1 or ''}{ind.level2 or ''}{ind.name}" for ind in inds):
        return
    header = re.search(r"一级指标[^\n]*三级指标", ctx.text) if ctx.doc is not None else None
    yield ctx.finding("JX305", "warning", "绩效指标表未设置满意度指标（服务对象满意度）",
                      path=ctx.indicator_path(0, "level1"),
                      evidence=ctx.make_evidence(header.start(), header.end()) if header else None)


_LIMIT_RE = re.compile(r"(?:篇幅|字数|全文|总结)[^。\n]{0,8}?(?:不超过|不得超过|控制在|不多于|限)\s*([\d,，]+|[一二三四五六七八九十百千]+)\s*字")
_END_RE = re.compile(r"单位主要领导意见|单位公章|领导签字|附件\s*\d")


@rule("JX306", "超出表格自身的篇幅限制", severity="warning", needs_doc=True,
      source="表格填报说明（例：自评总结“篇幅不超过2000字”）；scoring-rules.md §5 seed 002")
def length_limit(ctx: Context) -> Iterator[Finding]:
    """When the form states a length limit (篇幅不超过2000字), the text it governs (``ev.summary`` or,
    from the document, everything after the limit's line up to the signature block) must keep to it.
    Characters are counted without whitespace."""
    text = ctx.text
    m = _LIMIT_RE.search(text)
    if not m:
        return
    raw = m.group(1).replace(",", "").replace("，", "")
    try:
        from jixiao.numbers import parse_number
        limit = int(parse_number(raw).value)
    except Exception:  # noqa: BLE001 - an unreadable limit is simply not checked
        return
    if ctx.ev.summary:
        body = ctx.ev.summary
    else:
        start = text.find("\n", m.end())
        start = len(text) if start == -1 else start
        end_m = _END_RE.search(text, start)
        body = text[start:end_m.start() if end_m else len(text)]
    n = len(re.sub(r"\s", "", body))
    cjk = len(re.findall(r"[\u4e00-\u9fff]", body))
    if n <= limit:
        return
    yield ctx.finding("JX306", "warning",
                      f"表格要求篇幅不超过 {limit} 字，自评总结约 {n} 字（汉字 {cjk} 个），超出限制",
                      path="summary", stated=f"{limit}字", recomputed=f"{n}字",
                      arithmetic=f"非空白字符 {n} > {limit}",
                      evidence=ctx.make_evidence(m.start(), m.end()))


_HEADING_RE = re.compile(r"^[ \t　]*(?P<num>[一二三四五六七八九十]{1,3})、(?P<title>[^\n\t。；;：:！？!?]{1,38})$", re.M)


@rule("JX309", "一级标题序号不连续", severity="warning", needs_doc=True,
      source="党政机关公文格式（GB/T 9704）结构层次序数“一、（一）1.（1）”；scoring-rules.md §5 checks 8（seed 003：一、→三、→二、）")
def heading_sequence(ctx: Context) -> Iterator[Finding]:
    """First-level headings (一、二、三、…) must count up by one. A heading that skips or goes back
    (一、 → 三、, 三、 → 二、) is flagged with the number expected. Starting again at 一、 is allowed: a table of
    contents before the body, or a form appended with its own numbering."""
    from jixiao.numbers import parse_number

    prev = None  # (number, heading text)
    for m in _HEADING_RE.finditer(ctx.text):
        try:
            n = int(parse_number(m.group("num")).value)
        except Exception:  # noqa: BLE001 - not a numeral after all
            continue
        if n != 1 and (prev is None or n != prev[0] + 1):
            want = 1 if prev is None else prev[0] + 1
            expected = _cn_numeral(want)
            after = f"上一个一级标题“{prev[1]}”之后" if prev else "第一个一级标题"
            yield ctx.finding("JX309", "warning",
                              f"一级标题序号不连续：“{m.group('num')}、{m.group('title').strip()}”处应为“{expected}、”",
                              stated=f"{m.group('num')}、", recomputed=f"{expected}、",
                              arithmetic=f"{after}应为“{expected}、”",
                              evidence=ctx.make_evidence(m.start("num"), m.end("title")))
        prev = (n, f"{m.group('num')}、{m.group('title').strip()}")


def _cn_numeral(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return (digits[tens] if tens > 1 else "") + "十" + (digits[ones] if ones else "")


def _paragraphs(text: str) -> list[tuple[int, str]]:
    out = []
    pos = 0
    for line in text.split("\n"):
        stripped = line.strip()
        if len(stripped) >= 60 and "\t" not in line:
            out.append((pos + line.find(stripped), stripped))
        pos += len(line) + 1
    return out


def _shingles(s: str) -> set[str]:
    s = re.sub(r"\s", "", s)
    return {s[i:i + 4] for i in range(0, max(len(s) - 3, 1))}


@rule("JX307", "段落重复", severity="warning", needs_doc=True,
      source="scoring-rules.md §5 checks 8（seed 000：自评结论综述照抄项目段落）")
def duplicated_paragraphs(ctx: Context) -> Iterator[Finding]:
    """A paragraph of 60+ characters that repeats an earlier one (90 % of its 4-character shingles
    shared): copy-paste that pads the report without new content."""
    paras = _paragraphs(ctx.text)
    sets = [_shingles(p) for _, p in paras]
    reported: set[int] = set()
    for j in range(1, len(paras)):
        sj = sets[j]
        for i in range(j):
            if i in reported or j in reported:
                continue
            si = sets[i]
            small = min(len(si), len(sj))
            if small == 0 or small / max(len(si), len(sj)) < 0.6:
                continue
            shared = len(si & sj) / small
            if shared >= 0.9:
                reported.add(j)
                yield _duplicate(ctx, paras[j], paras[i], shared)
                break


def _duplicate(ctx: Context, later: tuple[int, str], earlier: tuple[int, str], shared: float) -> Finding:
    from dataclasses import replace

    start, p = later
    first_line = ctx.doc.line_of(earlier[0])
    pct = round(shared * 100)
    f = ctx.finding("JX307", "warning", f"本段与第 {first_line} 行的段落基本相同（{pct}% 重合），疑为重复粘贴",
                    stated=p[:30] + "…", arithmetic=f"4字片段重合 {pct}%",
                    evidence=ctx.make_evidence(start, start + len(p)))
    rel = ctx.make_evidence(earlier[0], earlier[0] + len(earlier[1]))
    return replace(f, related=(rel,) if rel else ())


_STUTTER_RE = re.compile(r"([\u4e00-\u9fff]{2,4})\1")
_LEGIT_REPEATS = {"研究", "讨论", "商量", "考虑", "了解", "看看", "试试", "谢谢", "哈哈", "一对一"}


@rule("JX308", "词语重复（口吃字）", severity="warning", needs_doc=True,
      source="scoring-rules.md §5 checks 8（seeds 000、001：“提供提供”）")
def stuttered_words(ctx: Context) -> Iterator[Finding]:
    """A word written twice in a row (提供提供), the trace of an editing slip. Verb reduplication
    used in speech (研究研究) and 一X一X patterns (一步一步, 一对一对接) are allowed."""
    for m in _STUTTER_RE.finditer(ctx.text):
        w = m.group(1)
        if w in _LEGIT_REPEATS or len(set(w)) == 1 or w.startswith("一"):  # 一步一步, 一对一对接
            continue
        yield ctx.finding("JX308", "warning", f"“{w}{w}”词语重复，疑为笔误（应为“{w}”）",
                          stated=w + w, recomputed=w, evidence=ctx.make_evidence(m.start(), m.end()))
