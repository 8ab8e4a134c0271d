"""单位类型 and 地区 from a department name, by rules kept as data in ``jixiao/batch_regions.yaml``.

Kept together and as they were in ``jixiao/batch.py`` (only the YAML's path is spelt from this
package), so the whole module can move to the model layer in one step.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any


@lru_cache(maxsize=1)
def region_rules() -> dict[str, Any]:
    import yaml

    path = Path(__file__).parent.with_name("batch_regions.yaml")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    suffixes = sorted(((s, t) for t, ss in data["dept_types"].items() for s in ss),
                      key=lambda st: -len(st[0]))
    return {"suffixes": suffixes, "units": sorted(data["region_units"], key=len, reverse=True),
            "not_region": tuple(data["not_region_starts"]), "stops": tuple(data["dept_keywords"]),
            "other": data.get("other_type", "其他"), "unknown_region": data.get("unknown_region", "（未识别）")}


_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def dept_type(name: str | None) -> str:
    """单位类型 from the department name's suffix (rules in batch_regions.yaml)."""
    rules = region_rules()
    if not name:
        return rules["other"]
    n = _BRACKETS.sub("", name).strip()
    for suffix, kind in rules["suffixes"]:
        if n.endswith(suffix):
            return kind
    return rules["other"]


def region_parts(name: str | None) -> list[str]:
    """The administrative prefix of a department name, split by level:
    ``深圳市南山区妇女联合会`` → ``["深圳市", "南山区"]``."""
    if not name:
        return []
    rules = region_rules()
    n = _BRACKETS.sub("", name).strip()
    parts: list[str] = []
    i = 0
    while i < len(n) and len(parts) < 4:
        found = None
        for j in range(i + 2, min(len(n), i + 11) + 1):
            seg = n[i:j]
            if any(k in seg for k in rules["stops"]) or seg.startswith(rules["not_region"]):
                break
            if any(seg.endswith(u) for u in rules["units"]) and j < len(n):
                found = j
                break
        if found is None:
            break
        parts.append(n[i:found])
        i = found
    return parts


def region_of(name: str | None, depth: int = 2) -> str:
    parts = region_parts(name)
    return "".join(parts[:depth]) if parts else region_rules()["unknown_region"]
