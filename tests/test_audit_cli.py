"""`jixiao check` end to end: text / json / html output, exit codes, select/ignore, config files."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jixiao.audit.render import FileReport, render_html, render_json, render_text
from jixiao.cli import app
from jixiao.ingest.base import Document
from jixiao.model import Evidence, Finding
from jixiao.settings import SettingsError
from jixiao.settings import load as load_settings

runner = CliRunner()
CORPUS = Path("/work/shared/corpus")
SEED_001 = CORPUS / "001_c9021f7b19f56ffc.txt"

WRONG_RATE = """department: 测试单位
year: 2021
scope: project
budget:
  adjusted: 130.76
  executed: 130.44
  execution_rate: 99.96
"""
CLEAN = """department: 测试单位
year: 2021
scope: department
budget:
  adjusted: 675.58
  executed: 674.99
  execution_rate: 99.9
  basic: 567.42
  project: 107.57
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


@pytest.fixture(autouse=True)
def _no_config(tmp_path, monkeypatch):
    """Run from an empty directory so no jixiao.toml / pyproject of the repo is picked up."""
    d = tmp_path / "cwd"
    d.mkdir()
    monkeypatch.chdir(d)
    return d


def test_evaluation_file_error_exit_1(tmp_path):
    p = _write(tmp_path, "e.yaml", WRONG_RATE)
    r = runner.invoke(app, ["check", str(p)])
    assert r.exit_code == 1, r.output
    first = r.stdout.splitlines()[0]
    assert first == f"{p}: error JX106 预算执行率 写为 99.96%，按 130.44/130.76 计算为 99.76%"
    assert r.stdout.splitlines()[1].startswith("    = 130.44 / 130.76 × 100%")


def test_clean_file_exit_0_and_quiet(tmp_path):
    p = _write(tmp_path, "ok.yaml", CLEAN)
    r = runner.invoke(app, ["check", str(p), "--ignore", "JX2"])
    assert r.exit_code == 0, r.output
    assert r.stdout == ""


def test_fail_on_warning(tmp_path):
    p = _write(tmp_path, "ok.yaml", CLEAN + "problems: 无\n")
    r = runner.invoke(app, ["check", str(p)])
    assert r.exit_code == 0 and "JX202" in r.stdout  # a warning does not fail by default
    r = runner.invoke(app, ["check", str(p), "--fail-on", "warning"])
    assert r.exit_code == 1


def test_select_and_ignore(tmp_path):
    p = _write(tmp_path, "e.yaml", WRONG_RATE)
    assert runner.invoke(app, ["check", str(p), "--ignore", "JX106"]).exit_code == 0
    r = runner.invoke(app, ["check", str(p), "--select", "JX2,JX3"])
    assert r.exit_code == 0 and "JX106" not in r.stdout
    r = runner.invoke(app, ["check", str(p), "--select", "jx1"])
    assert r.exit_code == 1


def test_unreadable_input_exit_2_others_processed(tmp_path):
    p = _write(tmp_path, "e.yaml", WRONG_RATE)
    missing = tmp_path / "missing.txt"
    r = runner.invoke(app, ["check", str(missing), str(p), "--format", "json"])
    assert r.exit_code == 2
    assert r.stderr.strip().splitlines() == [f"{missing}: 文件不存在 (file not found)"]
    data = json.loads(r.stdout)
    assert isinstance(data, list) and len(data) == 2
    assert data[0]["error"] and data[0]["findings"] == []
    assert data[1]["file"] == str(p) and data[1]["findings"][0]["code"] == "JX106"


def test_json_shape(tmp_path):
    p = _write(tmp_path, "e.yaml", WRONG_RATE)
    r = runner.invoke(app, ["check", str(p), "--format", "json"])
    (data,) = json.loads(r.stdout)  # one array, one object per FILE, for one file as for many
    assert set(data) == {"file", "findings", "summary"}
    f = data["findings"][0]
    assert {"code", "severity", "message", "path", "stated", "recomputed", "arithmetic", "evidence"} <= set(f)
    assert (f["stated"], f["recomputed"], f["path"]) == ("99.96", "99.76", "budget.execution_rate")
    assert data["summary"] == {"error": 1, "warning": 0, "info": 0, "total": 1}


def test_unknown_framework_exit_2(tmp_path):
    pytest.importorskip("jixiao.scoring")
    p = _write(tmp_path, "e.yaml", WRONG_RATE)
    r = runner.invoke(app, ["check", str(p), "--framework", "no-such-framework"])
    assert r.exit_code == 2 and r.stderr.startswith("--framework: ")
    r = runner.invoke(app, ["check", str(p), "--framework", "mof-project-2020"])
    assert r.exit_code == 1


def test_output_file(tmp_path):
    p = _write(tmp_path, "e.yaml", WRONG_RATE)
    out = tmp_path / "report.html"
    r = runner.invoke(app, ["check", str(p), "--format", "html", "-o", str(out)])
    assert r.exit_code == 1 and r.stdout == ""
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "JX106" in page


def test_config_file_select_ignore_fail_on(tmp_path, _no_config):
    p = _write(tmp_path, "ok.yaml", CLEAN + "problems: 无\n")
    (_no_config / "jixiao.toml").write_text('fail-on = "warning"\n', encoding="utf-8")
    assert runner.invoke(app, ["check", str(p)]).exit_code == 1
    (_no_config / "jixiao.toml").write_text('fail-on = "warning"\nignore = ["JX2"]\n', encoding="utf-8")
    assert runner.invoke(app, ["check", str(p)]).exit_code == 0
    # the command line still wins
    assert runner.invoke(app, ["check", str(p), "--fail-on", "error"]).exit_code == 0


def test_pyproject_tool_table_found_upward(tmp_path, _no_config):
    (_no_config / "pyproject.toml").write_text('[tool.jixiao]\nselect = ["JX3"]\n', encoding="utf-8")
    sub = _no_config / "a" / "b"
    sub.mkdir(parents=True)
    cfg = load_settings(start=sub, env={})
    assert cfg.select == ["JX3"] and cfg.file == _no_config / "pyproject.toml"
    (_no_config / "jixiao.toml").write_text('[check]\nextend-ignore = ["jx307"]\nframework = "shenzhen"\n',
                                            encoding="utf-8")
    cfg = load_settings(start=sub, env={})
    assert cfg.ignore == ["JX307"] and cfg.framework == "shenzhen" and cfg.select is None


def test_bad_config(tmp_path, _no_config):
    (_no_config / "jixiao.toml").write_text('fail-on = "fatal"\n', encoding="utf-8")
    with pytest.raises(SettingsError):
        load_settings(env={})
    p = _write(tmp_path, "e.yaml", WRONG_RATE)
    r = runner.invoke(app, ["check", str(p)])
    assert r.exit_code == 2 and "fail-on" in r.stderr


# -- renderers ------------------------------------------------------------------------------------

def _report():
    text = "第一行\n执行率 <b>99.96%</b> & 其他\n"
    ev = Evidence("t.txt", 11, 16, 2, "99.96")
    f = Finding("JX106", "error", "预算执行率 写为 99.96%，按 130.44/130.76 计算为 99.76%", path="budget.execution_rate",
                stated="99.96", recomputed="99.76", arithmetic="130.44 / 130.76 × 100% = 99.7553%", evidence=ev)
    g = Finding("JX308", "warning", "重复 <script>", evidence=Evidence("t.txt", 12, 14, 2, "9.9"))
    h = Finding("JX305", "warning", "缺少满意度指标")
    doc = Document(name="t.txt", text=text, format="text")
    return FileReport("t.txt", [f, g, h], doc=doc)


def test_text_render_compiler_style():
    out = render_text([_report()])
    lines = out.splitlines()
    assert lines[0] == "t.txt:2:8: error JX106 预算执行率 写为 99.96%，按 130.44/130.76 计算为 99.76%"
    assert lines[1] == "    = 130.44 / 130.76 × 100% = 99.7553%"
    assert lines[2] == "    | 99.96"
    assert "t.txt: warning JX305 缺少满意度指标" in lines
    assert lines[-1] == "共 3 条：错误 1，警告 2，提示 0"


def test_html_escapes_and_anchors_each_finding():
    page = render_html([_report()])
    assert "<b>" not in page and "&lt;b&gt;" in page and "&amp;" in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    # overlapping spans merge into one highlight, each finding keeps its anchor and link
    assert page.count('<mark class="error"') == 1
    assert '<a id="f0"></a><a id="f1"></a>' in page
    assert 'href="#f0"' in page and 'href="#f1"' in page
    body = re.search(r'<pre class="doc">(.*?)</pre>', page, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", body) == "第一行\n执行率 &lt;b&gt;99.96%&lt;/b&gt; &amp; 其他\n"


def test_render_json_one_or_many():
    r = _report()
    one = render_json([r])
    assert one["file"] == "t.txt" and one["summary"]["total"] == 3
    assert one["findings"][0]["evidence"] == {"start": 11, "end": 16, "line": 2, "text": "99.96"}
    many = render_json([r, FileReport("x.txt", error="文件不存在")])
    assert [d["file"] for d in many] == ["t.txt", "x.txt"] and many[1]["error"] == "文件不存在"


# -- on a seed report, through the extractor ------------------------------------------------------

def test_check_seed_001_text_and_html(tmp_path):
    if not SEED_001.is_file():
        pytest.skip("corpus not available")
    r = runner.invoke(app, ["check", str(SEED_001)])
    assert r.exit_code == 1
    errors = [ln for ln in r.stdout.splitlines() if ": error " in ln]
    assert errors == [f"{SEED_001}:20:4: error JX106 预算执行率 写为 99.96%，按 130.44/130.76 计算为 99.76%"]
    out = tmp_path / "001.html"
    runner.invoke(app, ["check", str(SEED_001), "--format", "html", "-o", str(out)])
    page = out.read_text(encoding="utf-8")
    assert "疫情原因业务开展工作延迟" in page and '<mark class="error"' in page
