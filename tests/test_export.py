"""CSV and Fiscal Data Package export: exact decimals, phases mapped to 年初/调整后/执行."""

from __future__ import annotations

import csv
import io
import json

from jixiao.render.export import CSV_FIELDS, PHASES, evaluations_to_csv, write_datapackage
from jixiao.render.samples import dept_eval, project_eval


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_long_format_exact_values():
    rows = _rows(evaluations_to_csv([project_eval(), dept_eval()]))
    assert list(rows[0]) == list(CSV_FIELDS)
    by = {(r["doc"], r["path"]): r for r in rows}
    assert by[("sample-project", "budget.adjusted")]["value"] == "130.76"
    assert by[("sample-project", "budget.adjusted")]["phase"] == "adjusted"
    assert by[("sample-project", "budget.executed")]["phase"] == "executed"
    assert by[("sample-project", "indicators[0].score")]["value"] == "9.98"
    assert by[("sample-dept", "budget.initial")]["phase"] == "proposed"
    assert by[("sample-dept", "score.total")]["value"] == "97.92"
    assert by[("sample-dept", "score.parts.部门管理")]["value"] == "18.99"
    leaf = by[("sample-dept", "indicators[4].score")]
    assert (leaf["level1"], leaf["level2"], leaf["value"], leaf["unit"]) == ("部门管理", "资金管理", "1.99", "分")


def test_datapackage(tmp_path):
    path = write_datapackage([project_eval(), dept_eval()], tmp_path / "pkg")
    pkg = json.loads(path.read_text(encoding="utf-8"))
    assert pkg["profile"] == "fiscal-data-package"
    assert {r["name"] for r in pkg["resources"]} == {"budget", "figures"}
    assert pkg["model"]["measures"]["amount"]["currency"] == "CNY"
    assert PHASES == {"proposed": "年初", "approved": "批复", "adjusted": "调整后", "executed": "执行"}
    budget = _rows((tmp_path / "pkg" / "budget.csv").read_text(encoding="utf-8"))
    fields = [f["name"] for f in pkg["resources"][0]["schema"]["fields"]]
    assert list(budget[0]) == fields
    dept = {(r["item"], r["phase"]): r for r in budget if r["doc"] == "sample-dept"}
    assert dept[("合计", "proposed")]["amount"] == "2377.56" and dept[("合计", "proposed")]["phase_label"] == "年初"
    assert dept[("合计", "adjusted")]["amount"] == "2500.65"
    assert dept[("合计", "executed")]["amount"] == "2470.14"
    assert any(r["item"] == "项目：业务经费" and r["amount"] == "130.44" for r in budget)
    assert (tmp_path / "pkg" / "figures.csv").exists()


def test_report_cli_datapackage(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from jixiao.cli import app

    src = tmp_path / "p.yaml"
    src.write_text(yaml.safe_dump({"doc": "p", "department": "某单位", "year": 2022, "scope": "project",
                                   "budget": {"adjusted": "50.5", "executed": "50"}}, allow_unicode=True),
                   encoding="utf-8")
    res = CliRunner().invoke(app, ["report", str(src), "--to", "xlsx", "-o", str(tmp_path / "p.xlsx"),
                                   "--datapackage", str(tmp_path / "dp"), "--format", "json"])
    assert res.exit_code == 0, res.output
    (info,) = json.loads(res.output)
    assert info["to"] == "xlsx" and info["bytes"] > 0 and info["output"].endswith("p.xlsx")
    budget = (tmp_path / "dp" / "budget.csv").read_text(encoding="utf-8")
    assert "50.5" in budget
