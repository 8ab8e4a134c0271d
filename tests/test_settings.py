"""One settings object (jixiao.toml, environment, flags) and the options every verb spells the same way."""

from __future__ import annotations

import json
from enum import Enum
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from jixiao.cli import app
from jixiao.settings import SettingsError
from jixiao.settings import load as load_settings

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SHENZHEN = EXAMPLES / "dept-shenzhen.yaml"  # its stated 预算执行率 score differs from the recomputed one (JX117)


@pytest.fixture
def cwd(tmp_path, monkeypatch):
    """An empty working directory (no jixiao.toml above it) and no JIXIAO_* settings in the environment."""
    d = tmp_path / "cwd"
    d.mkdir()
    monkeypatch.chdir(d)
    for var in ("JIXIAO_FRAMEWORK", "JIXIAO_FRAMEWORKS", "JIXIAO_FAIL_ON", "JIXIAO_SELECT", "JIXIAO_IGNORE"):
        monkeypatch.delenv(var, raising=False)
    return d


def _commands() -> dict:
    root = typer.main.get_command(app)
    out = {}
    for name, cmd in root.commands.items():
        if cmd.params or not getattr(cmd, "commands", None):  # a verb, or a group that is one (frameworks)
            out[name] = cmd
        for sub, subcmd in getattr(cmd, "commands", {}).items():
            out[f"{name} {sub}"] = subcmd
    return out


def _choices(param) -> tuple[str, ...]:
    """The choices of an option (click's Choice, or the enum typer built it from)."""
    choices = getattr(getattr(param, "type", None), "choices", None)
    if choices is None:
        ann = getattr(getattr(param, "type_descriptor", None), "annotation", None)
        choices = [m.value for m in ann] if isinstance(ann, type) and issubclass(ann, Enum) else ()
    return tuple(choices)


def test_every_verb_spells_the_shared_options_the_same_way():
    spelt: dict[str, set[tuple]] = {"--format": set(), "--framework": set(), "--fail-on": set()}
    for name, cmd in _commands().items():
        opts = {o: p for p in cmd.params for o in p.opts}
        assert "--format" in opts, name
        assert "json" in _choices(opts["--format"]), name
        assert opts.get("-f") is opts["--format"], f"{name}: -f is not --format"
        for flag in spelt:
            if flag in opts:
                p = opts[flag]
                spelt[flag].add((tuple(sorted(p.opts)), _choices(p) if flag != "--format" else ()))
    assert spelt["--format"] == {(("--format", "-f"), ())}
    assert spelt["--framework"] == {(("--framework",), ())}
    assert spelt["--fail-on"] == {(("--fail-on",), ("error", "warning", "info", "never"))}
    assert {"check", "score", "report", "template"} <= {n for n, c in _commands().items()
                                                       if any("--framework" in p.opts for p in c.params)}


def test_settings_come_from_the_file_then_the_environment_then_the_flags(cwd):
    (cwd / "jixiao.toml").write_text('fail-on = "info"\nframework = "dept-shenzhen"\nignore = ["JX3"]\n'
                                     '[check]\nselect = ["JX1", "jx2"]\n', encoding="utf-8")
    s = load_settings(env={})
    assert (s.fail_on, s.framework, s.select, s.ignore) == ("info", "dept-shenzhen", ["JX1", "JX2"], ["JX3"])
    s = load_settings(env={"JIXIAO_FAIL_ON": "warning", "JIXIAO_IGNORE": "jx201"})
    assert (s.fail_on, s.ignore, s.origin["fail_on"]) == ("warning", ["JX3", "JX201"], "JIXIAO_FAIL_ON")
    s = load_settings({"fail_on": "never", "framework": "mof-project-2020", "ignore": "JX9"},
                      env={"JIXIAO_FAIL_ON": "warning"})
    assert (s.fail_on, s.framework, s.ignore) == ("never", "mof-project-2020", ["JX3", "JX9"])
    assert s.origin == {"fail_on": "--fail-on", "framework": "--framework", "select": str(cwd / "jixiao.toml")}
    assert not s.failing("error") and load_settings(env={}).failing("info")


@pytest.mark.parametrize(("toml", "message"), [
    ('framwork = "dept-shenzhen"\n', "未知设置项 'framwork'"),
    ('[check]\nfail_on = "error"\nseverity = 1\n', "未知设置项 'severity'"),
    ('fail-on = "fatal"\n', "fail-on 须为 error | warning | info | never"),
    ('select = 3\n', "select"),
    ('framework = "shenzen"\n', "framework shenzen: 找不到评分框架（是否为 'dept-shenzhen'？）"),
    ('fail-on = \n', "无法读取设置文件"),
])
def test_a_bad_settings_file_is_one_line_naming_the_file_and_exit_2(cwd, toml, message):
    (cwd / "jixiao.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(SettingsError, match=message):
        load_settings(env={})
    for verb in (["check", str(SHENZHEN)], ["score", str(SHENZHEN)], ["report", str(SHENZHEN), "-o", "x.xlsx"],
                 ["batch", str(SHENZHEN), "--out", "o.db"]):
        r = runner.invoke(app, verb)
        assert r.exit_code == 2, (verb, r.output)
        assert r.stderr.startswith(f"{cwd / 'jixiao.toml'}: ") and len(r.stderr.splitlines()) == 1
        assert message in r.stderr and "Traceback" not in r.stderr


def test_unknown_framework_from_the_environment_or_a_flag_says_where(cwd, monkeypatch):
    monkeypatch.setenv("JIXIAO_FRAMEWORK", "no-such-framework")
    r = runner.invoke(app, ["check", str(SHENZHEN)])
    assert r.exit_code == 2 and r.stderr.startswith("JIXIAO_FRAMEWORK: framework no-such-framework: ")
    r = runner.invoke(app, ["check", str(SHENZHEN), "--framework", "dept-shenzhen"])  # the flag wins
    assert r.exit_code == 0 and "JX117" in r.stdout  # a warning: below --fail-on error


def test_an_auditor_profile_in_the_settings_file_keeps_the_score_checks(cwd):
    """``shenzhen`` names the auditor's profile, not a scoring framework: scoring used to fail silently
    and take the score checks (JX117) with it; now the framework is detected and the checks run."""
    (cwd / "jixiao.toml").write_text('framework = "shenzhen"\n', encoding="utf-8")
    r = runner.invoke(app, ["check", str(SHENZHEN)])
    assert "JX117" in r.stdout and r.exit_code == 0


def test_the_auditor_no_longer_swallows_a_framework_it_cannot_load():
    from jixiao.audit import check
    from jixiao.evalfile import load_evaluation_file
    from jixiao.scoring import FrameworkError

    ev = load_evaluation_file(SHENZHEN)
    assert any(f.code == "JX117" for f in check(ev, framework="shenzhen"))
    with pytest.raises(FrameworkError):
        check(ev, framework="shenzen")


def test_json_is_one_array_per_run_for_one_file_as_for_many(cwd):
    missing = cwd / "missing.yaml"
    for verb in ("extract", "score", "check", "report"):
        out = ["-o", str(cwd / f"{verb}.xlsx")] if verb == "report" else []
        one = runner.invoke(app, [verb, *out, str(SHENZHEN), "--format", "json"])
        (item,) = json.loads(one.stdout)
        assert item["file"] == str(SHENZHEN) and "error" not in item, verb
        out = ["-o", str(cwd / "reports")] if verb == "report" else []
        two = runner.invoke(app, [verb, *out, str(SHENZHEN), str(missing), "-f", "json"])
        assert two.exit_code == 2
        first, second = json.loads(two.stdout)
        assert first["file"] == str(SHENZHEN) and "error" not in first
        assert second["file"] == str(missing) and second["error"] == "文件不存在 (file not found)"
        assert two.stderr.strip() == f"{missing}: 文件不存在 (file not found)"


def test_report_scores_each_file_once(cwd, monkeypatch):
    import jixiao.scoring

    calls = []
    real = jixiao.scoring.score_evaluation

    def counting(*args, **kwargs):
        calls.append(args[0].department)
        return real(*args, **kwargs)

    monkeypatch.setattr(jixiao.scoring, "score_evaluation", counting)
    r = runner.invoke(app, ["report", str(SHENZHEN), str(EXAMPLES / "mof-project-2020.yaml"), "--to", "docx",
                            "-o", str(cwd / "out")])
    assert r.exit_code == 0, r.output
    assert len(calls) == 2 and len(set(calls)) == 2
