"""Money and projects of reports written as prose about one fund or project (专项, 转移支付, 衔接资金 …).

These reports state their budget as an allocation (``下达…资金100万元``, ``预算安排860万元``, ``指标金额是45万元``)
and what was paid (``实际拨付金额是44万元``, ``已拨付工程款520万元``); the project is named by what the money is
used for (``用于实施X项目``, ``全部列入X项目``), by the title, or by ``现将X绩效自评情况报告如下``; several projects are
numbered (``项目一：X，…预算执行100%``). Words are data (``lexicon.yaml`` ``fund_text``).
"""

from __future__ import annotations

import re

from jixiao.extract.collect import Context
from jixiao.extract.text import numbers_in, squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache
from jixiao.numbers import to_wan


@vocabulary_cache
def _rx() -> dict[str, re.Pattern[str]]:
    """The patterns of ``lexicon.yaml`` ``fund_text`` (its strings), and those built from its word lists."""
    f = lexicon()["fund_text"]
    out = {k: re.compile(v) for k, v in f.items() if isinstance(v, str)}
    out.update({
        "numbered_budget": re.compile(rf"(?:{alt(f['numbered_budget'])})$"),
        "numbered_executed": re.compile(rf"(?:{alt(f['numbered_executed'])})$"),
        "numbered_marker": re.compile(rf"(?:{alt(f['numbered_word'])})[一二三四五六七八九十\d]+[:：]"),
        "title_bracket": re.compile(rf"(?:{alt(f['title_bracket_after'])})[（(](?P<name>.+)[）)]$"),
        "title_project_fund": re.compile(rf"({alt(f['title_project_word'])})(?:{alt(f['title_fund_word'])})$"),
        "title_generic": re.compile(rf"{alt(f['title_generic'])}|\d{{4}}年?"),
        "source_list": re.compile(alt(f["source_list"])),
        "total_only": re.compile(alt(f["total_words"])),
        "source_level": re.compile(alt(f["source_level"])),
        "source_end": re.compile(rf"(?:{alt(f['source_end'])})$"),
    })
    return out


def read_funding_sources(ctx: Context) -> list[dict]:
    """Money by source listed in prose after a total (``…512.40万元。其中：中央资金300万元，省级资金150.40万元，
    县级资金62万元``): the first list of two or more amounts each named by a level or kind of funds (中央, 省级,
    一般公共预算, 彩票公益金 …) and a fund word. Entries: name, budget (万元), spans."""
    rx = _rx()
    text = ctx.text
    limit = min(len(text), 8000)
    for m in rx["source_list"].finditer(text, 0, limit):
        end = text.find("。", m.end(), min(len(text), m.end() + 400))
        end = end if end >= 0 else min(len(text), m.end() + 400)
        got: list[dict] = []
        seen: set[str] = set()
        cut = m.end()
        for n in numbers_in(text, m.end(), end, cells=False):
            if not n.is_money:
                continue
            name = re.split(r"[，,、；;：:]", text[cut:n.start])[-1]
            name = squash(name)
            cut = n.end
            if not (2 <= len(name) <= 24 and rx["source_level"].search(name) and rx["source_end"].search(name)):
                break  # the list has ended (or it is no list of sources)
            if name in seen:
                break
            seen.add(name)
            got.append({"name": name, "budget": to_wan(n.value, n.unit), "_ev": {"budget": (n.start, n.end)}})
        if len(got) >= 2:
            return got
    return []


_NOTE_END = re.compile(r"[（(][^（）()]{1,24}[）)]$")


def read_fund_statements(ctx: Context, budget: dict) -> None:
    """The first allocation as ``adjusted`` and the first payment as ``executed``, unless already read."""
    rx = _rx()
    text = ctx.text
    limit = min(len(text), 6000)
    for sent in ctx.sents:
        if sent.start > limit:
            break
        if ctx.is_claimed(sent.start):
            continue
        for n in numbers_in(text, sent.start, sent.end, cells=False):
            if not n.is_money or ctx.project_at(n.start):
                continue
            prefix = squash(text[max(sent.start, n.start - 160):n.start])
            clauses = re.split(r"[，,；;]", prefix)
            clause = _NOTE_END.sub("", clauses[-1])  # …发展资金(乡村商业网点)3600万元
            if rx["total_only"].fullmatch(clause) and len(clauses) > 1:
                clause = _NOTE_END.sub("", clauses[-2]) + clause  # …维修资金(省级部分),共计980万元
            if rx["not_budget"].search(clause):
                continue
            if "adjusted" not in budget and "initial" not in budget and (
                    rx["allocation"].search(clause) or rx["allocation_end"].search(clause)):
                budget["adjusted"] = to_wan(n.value, n.unit)
                ctx.mark("budget.adjusted", n.start, n.end)
            elif "executed" not in budget and rx["payment"].search(clause):
                budget["executed"] = to_wan(n.value, n.unit)
                ctx.mark("budget.executed", n.start, n.end)


def read_project_name(ctx: Context, title: str | None) -> tuple[str, int, int] | None:
    """The one project a prose report is about (see the module docstring for the order of sources)."""
    rx = _rx()
    text = ctx.text
    m = rx["used_for"].search(text[:6000])
    if m:
        return m.group("name"), m.start("name"), m.end("name")
    if title:
        t = squash(title)
        pm = rx["title_bracket"].search(t)
        if pm and rx["project_end"].search(pm.group("name")):
            return _located(ctx, pm.group("name"))
        t = re.sub(r"^[（(][^）)]{1,12}[）)]", "", t)
        t = rx["title_tail"].sub("", t)
        t = re.sub(r"20\d\d年度?$", "", t)
        t = re.sub(r"^.*?20\d\d年度?", "", t) if re.search(r"20\d\d年", t[:30]) else t
        t = rx["title_project_fund"].sub(r"\1", t)
        specific = rx["title_generic"].sub("", t)
        if 4 <= len(t) <= 60 and len(specific) >= 2 and rx["project_end"].search(t):
            return _located(ctx, t)
    m = rx["report_on"].search(text[:6000])
    if m and rx["project_end"].search(m.group("name")):
        return m.group("name"), m.start("name"), m.end("name")
    return None


def _located(ctx: Context, name: str) -> tuple[str, int, int]:
    pos = ctx.text.find(name)
    return name, pos, (pos + len(name)) if pos >= 0 else -1


def numbered_projects(ctx: Context) -> list[dict]:
    """``项目一：NAME，…预算执行100%`` → projects with what each sentence states; their text becomes their section."""
    rx = _rx()
    text = ctx.text
    out: list[dict] = []
    if not rx["numbered_marker"].search(text):
        return out
    heads = list(rx["numbered"].finditer(text))
    for k, m in enumerate(heads):
        end = heads[k + 1].start() if k + 1 < len(heads) else text.find("\n", m.end())
        end = len(text) if end < 0 else end
        name = m.group("name")
        proj: dict = {"name": name, "_ev": {}}
        ctx.mark(f"_project_name[{len(out)}]", m.start("name"), m.end("name"))
        for n in numbers_in(text, m.end(), end, cells=False):
            before = squash(text[max(m.end(), n.start - 12):n.start])
            if n.is_percent and "execution_rate" not in proj and rx["project_rate"].search(before):
                proj["execution_rate"] = n.value
                proj["_ev"]["execution_rate"] = (n.start, n.end)
            elif n.is_money and "budget" not in proj and rx["numbered_budget"].search(before):
                proj["budget"] = to_wan(n.value, n.unit)
                proj["_ev"]["budget"] = (n.start, n.end)
            elif n.is_money and "executed" not in proj and rx["numbered_executed"].search(before):
                proj["executed"] = to_wan(n.value, n.unit)
                proj["_ev"]["executed"] = (n.start, n.end)
        ctx.project_sections.append((m.start(), end, name))
        out.append(proj)
    return out if len(out) >= 2 else []
