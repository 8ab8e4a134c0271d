"""The rule catalogue in docs/audit.md, generated from the registry.

``python -m jixiao.audit.catalogue docs/audit.md`` rewrites everything between the
``<!-- rules:begin -->`` and ``<!-- rules:end -->`` markers with the current table of
codes, severities, rules (the checks' docstrings) and sources.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jixiao.audit import REGISTRY

BEGIN, END = "<!-- rules:begin -->", "<!-- rules:end -->"
_FAMILY_TITLES = {"arithmetic": "JX1xx 算术（arithmetic）", "logic": "JX2xx 逻辑（logic）",
                  "quality": "JX3xx 质量（quality，财预〔2021〕101号）",
                  "figures": "JX4xx 每个写明的数字（figures：数字索引上的通用核算）"}


def rules_markdown() -> str:
    out = ["| code | severity | title |", "|---|---|---|"]
    rules = [REGISTRY[c] for c in sorted(REGISTRY)]
    out += [f"| [{r.code}](#{r.code.lower()}) | {r.severity} | {r.title} |" for r in rules]
    family = None
    for r in rules:
        if r.family != family:
            family = r.family
            out += ["", f"### {_FAMILY_TITLES.get(family, family)}"]
        needs = " (needs the document text)" if r.needs_doc else ""
        out += ["", f"#### {r.code}", "", f"**{r.title}** — severity `{r.severity}`{needs}", "",
                f"- Rule: {' '.join(r.doc.split())}", f"- Source: {r.source}"]
        if r.example:
            out.append(f"- Example: {r.example}")
    return "\n".join(out)


def update(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    path.write_text(f"{head}{BEGIN}\n{rules_markdown()}\n{END}{tail}", encoding="utf-8")


if __name__ == "__main__":
    update(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/audit.md"))
