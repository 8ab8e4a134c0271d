"""Who reports, for which year, on what: title, reporting unit, year and scope.

Sources in order of trust: the form's own fields (单位名称, 部门（单位）名称, 实施单位 / 主管部门 of a project form),
the title (``XX县财政局2022年度部门整体支出绩效自评报告``), a subject introduced with 以下简称, the sign-off at the
end, and only then the first sentence that opens with a unit. Page chrome (来源, 发布机构 …), document titles in
《》 and names after a preposition or verb (据, 由, 为 …) never count — except, when nothing else names a unit,
the publisher a government site prints above the report (信息来源：某区农业农村局), if it is a unit with
the title's place. A unit written without its county (``县司法局``) takes the fuller name the text gives
elsewhere (``紫金县司法局``). The words are data (``lexicon.yaml`` ``identity``, ``org_suffix``).
"""

from __future__ import annotations

import re
from collections import Counter

from jixiao.extract.collect import Context
from jixiao.extract.text import squash
from jixiao.extract.vocab import alt, lexicon, vocabulary_cache

_CJK = r"\u4e00-\u9fa5"


def _form_titles() -> list[str]:
    from jixiao.forms import all_forms

    return [f"(?:{f.detect.title.pattern})" for f in all_forms() if f.detect.title is not None]


@vocabulary_cache
def _rx() -> dict[str, re.Pattern[str]]:
    lx = lexicon()
    ix = lx["identity"]
    suffix = lx["org_suffix"]
    labels = "|".join([lx["form_labels"], ix["unit_fields"], ix["implementer_fields"], ix["supervisor_fields"]])
    seals = alt(ix["seal_words"])
    seal_notes = "|".join(rf"[（(]{re.escape(w)}[）)]" for w in ix["seal_words"])  # （公章）|（盖章）
    return {
        # a title names the document's kind: the genre's words, or the title pattern of a report form
        "title_words": re.compile("|".join([ix["title_words"], *_form_titles()])),
        "title_noise": re.compile(ix["title_noise"]),
        "chrome": re.compile(ix["chrome"]),
        "unit_fields": re.compile(rf"(?:{ix['unit_fields']})"),
        "implementer": re.compile(rf"(?:{ix['implementer_fields']})"),
        "supervisor": re.compile(rf"(?:{ix['supervisor_fields']})"),
        "form_suffix": re.compile(rf"(?:{ix['project_form_suffix']})$"),
        "publisher": re.compile(rf"(?<![{_CJK}])(?:{ix['publisher_fields']})[ \t]*[:：][ \t]*(?P<org>[{_CJK}（）()]{{4,40}})"),
        "not_publisher": re.compile(ix["not_publisher"]),
        "labels": re.compile(rf"(?:{labels})"),
        "not_unit": re.compile(ix["not_a_unit"]),
        "org_end": re.compile(rf"(?:{suffix})"),
        "title_org": re.compile(
            rf"^(?P<org>[{_CJK}（）()·]{{2,40}}?(?:{suffix}))"
            rf"(?=\s*(?:20\d\d|[（(]?\d|{alt(ix['title_org_next'])}|$))"),
        "short_name": re.compile(
            rf"(?P<org>[{_CJK}（）()]{{2,40}}?(?:{suffix}))\s*[（(]\s*(?:{alt(ix['short_name_markers'])})"),
        "short_name_marker": re.compile(alt(ix["short_name_markers"])),
        "subject": re.compile(
            rf"(?:^|[。；\n]|(?:{alt(ix['subject_after'])})[，,])[ \t　]*(?:[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．])?\s*"
            rf"(?P<org>(?:[{_CJK}]{{2,8}}?(?:{ix['place_end']}))+[{_CJK}（）()]{{0,24}}?(?:{suffix}))"
            rf"(?=[\s，,]*(?:20\d\d|{ix['subject_duties']}|{alt(ix['subject_verbs'])}))", re.M),
        "place_chain": re.compile(rf"^(?:[{_CJK}]{{1,7}}?(?:{ix['place_end']}))+$"),
        "place_head": re.compile(rf"^([{_CJK}]{{1,7}}?(?:{ix['place_end']}))(?:[{_CJK}]{{1,7}}?(?:{ix['place_end']}))*[{_CJK}]{{2}}"),
        "dept_scope": re.compile(ix["department_scope"]),
        "project_scope": re.compile(ix["project_scope"]),
        "heading": re.compile(r"^\s*(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[）)]|\d+[、.．](?!\d))"),
        "title_continued": re.compile(rf"^({alt(ix['title_continued'])})"),
        "title_rank": re.compile(alt(ix["title_rank"])),
        "org_lead": re.compile(
            rf"^(?:\[\d+\]|［\d+］|\d{{3,}}[-－—]?|{seal_notes}|{alt(ix['code_words'])}|[:：])+"),
        "seal": re.compile(rf"[（(](?:{seals})[）)]"),
        "not_org_start": re.compile(rf"^(?:{alt(ix['not_org_start'])})"),
        "field_gap": re.compile(rf"(?:\s*[（(](?:{seals})[）)])?[\s|:：]*"),
        "year_labels": re.compile(rf"(?:{alt(ix['year_labels'])})年度\s*[:：]?\s*(20\d\d)"),
        "year_own": re.compile(rf"(?=2)(?<![\d《])(20\d\d)\s*年度(?!{alt(ix['year_not_followed'])})"),
        "project_scope_text": re.compile(alt(ix["project_scope_text"])),
        "project_fields": re.compile(rf"(?:{ix['project_fields']})"),
    }


@vocabulary_cache
def _suffixes() -> tuple[str, ...]:
    return tuple(lexicon()["org_suffix"].split("|"))


def _is_chrome(line: str) -> bool:
    return bool(_rx()["chrome"].match(line))


# ---------------------------------------------------------------- title


def read_title(ctx: Context) -> tuple[str | None, int]:
    """The report's title (joined when broken over two lines) and its offset; -1 when none."""
    rx = _rx()
    not_start = tuple(lexicon()["identity"]["not_title_start"])
    text = ctx.text[:2500]
    lines = [(m.start(), m.group(0)) for m in re.finditer(r"[^\n]+", text)][:60]
    candidates: list[tuple[int, str, int]] = []
    for k, (pos, raw) in enumerate(lines):
        if not rx["title_words"].search(raw):
            continue
        for cell_pos, cell in _cells(pos, raw):
            line = rx["title_noise"].sub("", cell.strip())
            if not line or not rx["title_words"].search(line) or len(line) > 90 or re.search(r"[。；;]", line):
                continue
            if _is_chrome(line) or rx["heading"].match(line) or line.startswith(not_start):
                continue
            start = cell_pos + cell.find(line[:4]) if line[:4] in cell else cell_pos
            # a title broken over lines: 某区2021年度部门（单位）整体支出 / 绩效自评报告
            if k > 0 and rx["title_continued"].match(line):
                ppos, prev = lines[k - 1]
                prev = prev.strip().strip("|").strip()
                if 0 < len(prev) <= 40 and not re.search(r"[。；;:：,，|]$", prev) and not _is_chrome(prev):
                    line, start = prev + line, ppos + lines[k - 1][1].find(prev)
            rank = (2 if re.search(r"20\d\d", line) else 0) + (2 if rx["org_end"].search(line) else 0) + \
                (1 if rx["title_rank"].search(line) else 0)
            candidates.append((rank, re.sub(r"\s+", " ", line), start))
        if len(candidates) >= 6:
            break
    if not candidates:
        return None, -1
    best = max(candidates, key=lambda c: (c[0], -c[2]))
    return best[1], best[2]


def _cells(pos: int, line: str) -> list[tuple[int, str]]:
    if "|" not in line:
        return [(pos, line)]
    out, p = [], pos
    for part in line.split("|"):
        out.append((p, part))
        p += len(part) + 1
    return out


# ---------------------------------------------------------------- organisations


def _clean_org(value: str) -> str | None:
    """A unit name from a field value: codes and trailing words dropped; None when it names no unit."""
    rx = _rx()
    v = squash(value)
    v = rx["org_lead"].sub("", v)
    v = rx["seal"].sub("", v)
    suffixes = _suffixes()
    end = next((k for k in range(len(v), 0, -1) if v[:k].endswith(suffixes)), 0)
    if not end:
        return None
    v = v[:end]
    if len(v) < 3 or not re.fullmatch(rf"[{_CJK}（）()·]+", v):
        return None
    if rx["not_org_start"].match(v):
        return None
    return v


_ORG_VALUE = re.compile(r"[^\s|,，。；;]{2,60}")
_NAME_GAP = re.compile(r"[\s|:：]{0,20}")
_NAME_VALUE = re.compile(r"[^\n|\t]{2,80}")


def _value_after(text: str, pos: int, gap: re.Pattern[str], value: re.Pattern[str], reach: int,
                 label_from: int) -> tuple[str, int] | None:
    """The raw value a form line writes after its label at ``pos`` (the gap skipped), cut where the next form
    label starts (searched from ``label_from`` characters in); and where it starts."""
    sm = gap.match(text[pos:pos + 40])
    pos += sm.end() if sm else 0
    vm = value.match(text[pos:pos + reach])
    if not vm:
        return None
    raw = vm.group(0)
    nl = _rx()["labels"].search(raw, label_from)
    return (raw[:nl.start()] if nl else raw), pos


def _field_values(ctx: Context, label: re.Pattern[str], limit: int = 5000) -> list[tuple[str, int, int]]:
    rx = _rx()
    text = ctx.text
    out = []
    for m in label.finditer(text, 0, min(len(text), limit)):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if _is_chrome(text[line_start:m.start() + 1]):
            continue
        got = _value_after(text, m.end(), rx["field_gap"], _ORG_VALUE, 60, 2)
        if got is None:
            continue
        raw, pos = got
        org = _clean_org(raw)
        if org:
            a = text.find(org[:2], pos, pos + 60)
            a = pos if a < 0 else a
            out.append((org, a, a + len(org)))
    return out


def _title_org(title: str | None) -> str | None:
    if not title:
        return None
    t = re.sub(r"^[（(][^）)]{1,12}[）)]", "", squash(title))
    t = re.sub(r"^20\d\d年度?", "", t)
    m = _rx()["title_org"].match(t)
    if not m:
        return None
    return _clean_org(m.group("org"))


def _fuller(ctx: Context, name: str) -> str:
    """The same unit with its place written in front (县司法局 → 紫金县司法局), when the text gives one."""
    rx = _rx()
    text = ctx.text
    before = lexicon()["identity"]["before_place"]
    found: Counter[str] = Counter()
    head = name[0]
    place_ends = lexicon()["identity"]["place_end"].split("|")
    starts_with_place = head in lexicon()["identity"]["place_start_chars"]
    for m in re.finditer(re.escape(name), text):
        a = m.start()
        best = None
        for s in range(a - 1, max(-1, a - 14), -1):
            ch = text[s]
            if not ("\u4e00" <= ch <= "\u9fa5"):
                break
            chain = text[s:a] + (head if starts_with_place else "")
            if not rx["place_chain"].match(chain) or not any(chain.endswith(p) for p in place_ends):
                continue
            prev = text[s - 1] if s > 0 else "\n"
            if not ("\u4e00" <= prev <= "\u9fa5") or prev in before:
                best = text[s:m.end()]
                break  # the shortest valid place in front
        if best and best != name:
            found[best] += 1
    if not found:
        return name
    return max(found, key=lambda k: (found[k], -len(k)))


def _signoff(ctx: Context) -> tuple[str, int, int] | None:
    text = ctx.text
    tail_from = max(0, len(text) - 1500)
    last = None
    for m in re.finditer(r"(?m)^[ \t　]*(?P<org>[\u4e00-\u9fa5（）()]{3,40})[ \t　]*$", text[tail_from:]):
        org = _clean_org(m.group("org"))
        if org and org == squash(m.group("org")):
            rest = text[tail_from + m.end():tail_from + m.end() + 40]
            if re.match(r"\s*\d{4}\s*年|\s*$|\s*20\d\d[-./]", rest):
                last = (org, tail_from + m.start("org"), tail_from + m.start("org") + len(org))
    return last


def _subject(ctx: Context) -> tuple[str, int, int] | None:
    """A unit that opens a sentence, introduced with 以下简称, or (failing that) the first to open one."""
    text = ctx.text[:4000]
    rx = _rx()
    for mk in rx["short_name_marker"].finditer(text):
        # the unit is the run of words just before （以下简称
        m = rx["short_name"].search(text, max(0, mk.start() - 48), mk.end())
        if m:
            o = _clean_org(m.group("org"))
            if o:
                s = m.start("org") + m.group("org").find(o[:2])
                return o, s, s + len(o)
    for m in rx["subject"].finditer(text):
        line_start = text.rfind("\n", 0, m.start("org")) + 1
        before = text[line_start:m.start("org")]
        if _is_chrome(text[line_start:m.start("org") + 1]) or before.count("《") > before.count("》"):
            continue  # page chrome, or inside a document's title (《…局关于…的通知》)
        o = _clean_org(m.group("org"))
        if o:
            return o, m.start("org"), m.start("org") + len(o)
    return None


def read_department(ctx: Context, title: str | None, project_form: bool = False) -> tuple[str | None, int, int]:
    """The reporting unit (see the module docstring for the order of sources)."""
    rx = _rx()
    text = ctx.text
    units = _field_values(ctx, rx["unit_fields"])
    if units:
        org, a, b = max(units, key=lambda u: (len(u[0]), -u[1]))
        return _located(ctx, _fuller(ctx, org), a)
    torg = _title_org(title)
    if torg:
        full = _fuller(ctx, torg)
        pos = text.find(full)
        return full, pos, pos + len(full) if pos >= 0 else -1
    impl = _field_values(ctx, rx["implementer"])
    sup = _field_values(ctx, rx["supervisor"])
    good_impl = [u for u in impl if not rx["not_unit"].search(u[0])]
    if good_impl:
        return _located(ctx, good_impl[0][0], good_impl[0][1])
    if sup:
        return _located(ctx, sup[0][0], sup[0][1])
    for found in (_subject(ctx), _signoff(ctx), _publisher(ctx, title)):
        if found:
            return _located(ctx, _fuller(ctx, found[0]), found[1])
    return None, -1, -1


def _publisher(ctx: Context, title: str | None) -> tuple[str, int, int] | None:
    """The unit a government site names as the page's source, when it is a unit with its place in front
    (某市某区财政局; not 财政局, not the portal's own 人民政府办公室) and the title is about that place."""
    rx = _rx()
    head = ctx.text[:1500]
    for m in rx["publisher"].finditer(head):
        org = _clean_org(m.group("org"))
        place = rx["place_head"].match(org) if org else None
        if not place or rx["not_publisher"].search(org) or not title or place.group(1) not in title:
            continue
        return org, m.start("org"), m.start("org") + len(org)
    return None


def _located(ctx: Context, org: str, near: int) -> tuple[str, int, int]:
    pos = ctx.text.find(org, max(0, near - 20))
    if pos < 0:
        pos = ctx.text.find(org)
    return org, pos, (pos + len(org)) if pos >= 0 else -1


def read_supervisor(ctx: Context) -> tuple[str | None, int, int]:
    """主管部门 of a project form."""
    sup = _field_values(ctx, _rx()["supervisor"], limit=6000)
    return sup[0] if sup else (None, -1, -1)


def read_implementer(ctx: Context) -> tuple[str | None, int, int]:
    """实施单位 of a project form (the unit that carries the project out)."""
    impl = _field_values(ctx, _rx()["implementer"], limit=6000)
    if not impl:
        return None, -1, -1
    return impl[0]


# ---------------------------------------------------------------- year and scope


_YEAR_IN_BRACKETS = re.compile(r"[（(]\s*(20\d\d)\s*年度?\s*[）)]")
_YEAR_FIELD = re.compile(r"年度\s*[:：\t|]\s*(20\d\d)(?!\d)")


def read_year(ctx: Context, title: str | None, title_pos: int) -> tuple[int | None, int, int]:
    text = ctx.text
    rx = _rx()
    if title:
        m = re.search(r"(20\d\d)\s*年", title)
        if m:
            start = title_pos if title_pos >= 0 else 0
            tm = re.search(r"(20\d\d)\s*年", text[start:start + 200])
            if tm:
                return int(m.group(1)), start + tm.start(1), start + tm.end(1)
    head = text[:3000]
    for pat in (rx["year_labels"], _YEAR_IN_BRACKETS, rx["year_own"], _YEAR_FIELD):
        for m in pat.finditer(head):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if _is_chrome(text[line_start:m.start() + 1]) or "《" in text[max(line_start, m.start() - 30):m.start()]:
                continue
            return int(m.group(1)), m.start(1), m.end(1)
    years: Counter[str] = Counter()
    first: dict[str, int] = {}
    for m in re.finditer(r"(?<![\d\-./])(20\d\d)\s*年(?!\s*\d{1,2}\s*月\s*\d{1,2}\s*日)", head):
        line_start = text.rfind("\n", 0, m.start()) + 1
        if _is_chrome(text[line_start:m.start() + 1]):
            continue
        years[m.group(1)] += 1
        first.setdefault(m.group(1), m.start(1))
    if years:
        y, n = years.most_common(1)[0]
        if n >= 2 or len(years) == 1:
            return int(y), first[y], first[y] + 4
    return None, -1, -1


def read_scope(ctx: Context, title: str | None, project_form: bool = False) -> str:
    rx = _rx()
    t = squash(title or "")
    if t and rx["dept_scope"].search(t):
        return "department"
    if t and rx["project_scope"].search(t):
        return "project"
    if project_form:
        return "project"
    if not t and rx["project_scope_text"].search(ctx.text[:800]):
        return "project"
    return "department"


def read_project_name(ctx: Context, start: int = 0, end: int = 8000) -> tuple[str, int, int] | None:
    """The project named on a form line (项目名称 / 专项资金名称 / 转移支付（项目）名称) in text[start:end]."""
    rx = _rx()
    text = ctx.text
    for m in rx["project_fields"].finditer(text, start, min(end, len(text))):
        got = _value_after(text, m.end(), _NAME_GAP, _NAME_VALUE, 80, 1)
        if got is None:
            continue
        raw, pos = got
        raw = re.split(r"\s{2,}|\s(?=[\u4e00-\u9fa5]{2,8}[:：])", raw.strip())[0].strip()
        if " " in raw and not re.search(r"[（(].* .*[）)]", raw):
            raw = raw.split(" ")[0]
        name = rx["form_suffix"].sub("", raw.strip(" :："))  # …补助经费支出绩效自评表: the form's title, not the name
        if len(name) >= 2 and not _is_chrome(name) and not re.fullmatch(r"[\d\s.]+", name):
            return name, pos, pos + len(name)
    return None
