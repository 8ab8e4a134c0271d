"""docs/audit.md is the rule catalogue: every registered code must be documented with its severity."""

from __future__ import annotations

import re
from pathlib import Path

from jixiao.audit import REGISTRY

DOC = Path(__file__).resolve().parents[1] / "docs" / "audit.md"


def test_every_registered_code_is_in_the_catalogue():
    text = DOC.read_text(encoding="utf-8")
    missing = [code for code in REGISTRY if f"#### {code}" not in text]
    assert missing == [], f"document these codes in docs/audit.md: {missing}"
    for code, rule in REGISTRY.items():
        row = re.search(rf"^\| \[{code}\]\(#{code.lower()}\) \| (\w+) \|", text, re.M)
        assert row, f"{code} missing from the table in docs/audit.md"
        assert row.group(1) == rule.severity, f"{code}: docs say {row.group(1)}, registry says {rule.severity}"


def test_catalogue_lists_no_unknown_code():
    text = DOC.read_text(encoding="utf-8")
    documented = set(re.findall(r"^#### (JX\d{3})$", text, re.M))
    assert documented == set(REGISTRY)


def test_catalogue_is_current():
    from jixiao.audit.catalogue import BEGIN, END, rules_markdown

    text = DOC.read_text(encoding="utf-8")
    section = text.split(BEGIN, 1)[1].split(END, 1)[0].strip()
    assert section == rules_markdown().strip(), "run: python -m jixiao.audit.catalogue docs/audit.md"
