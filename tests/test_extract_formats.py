"""The same report as txt, docx, pdf and html gives the same figures (readers + extractor together)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jixiao.extract import evaluation_to_json, extract
from jixiao.ingest import read

formats = pytest.importorskip("bench.formats")

HERE = Path(__file__).parent / "fixtures" / "reports"
KEYS = ("department", "year", "scope", "budget", "funding", "staffing", "score")


def _facts(path: Path) -> dict:
    got = evaluation_to_json(extract(read(path)), evidence=False)
    out = {k: got.get(k) for k in KEYS}
    out["rates"] = sorted((r["name"], r["stated"]) for r in got.get("other_rates", []))
    out["indicators"] = [(i.get("level1"), i.get("name"), i.get("weight"), i.get("score")) for i in got.get("indicators", [])]
    return out


@pytest.mark.parametrize("suffix", [".docx", ".pdf", ".html"])
@pytest.mark.parametrize("name", ["county_agri_2024.txt", "city_culture_project_2024.txt"])
def test_same_figures_in_every_format(tmp_path, name, suffix):
    text = (HERE / name).read_text("utf-8")
    want = _facts(HERE / name)
    path = formats.write(text, tmp_path / (Path(name).stem + suffix))
    got = _facts(path)
    assert got == want


def test_evidence_in_docx_points_into_the_document_text(tmp_path):
    text = (HERE / "city_culture_project_2024.txt").read_text("utf-8")
    path = formats.write(text, tmp_path / "form.docx")
    doc = read(path)
    ev = extract(doc)
    for key, e in ev.evidence.items():
        assert doc.text[e.start:e.end] == e.text, key
    assert ev.evidence["indicators[3].score"].text == "13.5"
