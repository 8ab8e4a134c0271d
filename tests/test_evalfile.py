"""Evaluation files: YAML/JSON → Evaluation with exact Decimals, line-numbered errors, round trip."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from jixiao.evalfile import EvaluationFileError, dump_evaluation, load_evaluation_file, parse_evaluation
from jixiao.ingest import IngestError

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
EXAMPLES = Path(__file__).resolve().parents[1] / "examples"

YAML = (Path(__file__).parent / "fixtures" / "evaluation.yaml").read_text(encoding="utf-8")


def test_yaml_numbers_are_exact_decimals(tmp_path: Path):
    f = tmp_path / "ev.yaml"
    f.write_text(YAML, encoding="utf-8")
    ev = load_evaluation_file(f)
    assert ev.doc == "ev" and ev.year == 2024 and ev.scope == "project"
    assert ev.budget.adjusted == Decimal("130.10") and str(ev.budget.adjusted) == "130.10"
    assert ev.budget.executed == Decimal("1300.5") and ev.budget.execution_rate == Decimal("99.9")
    ind = ev.indicators[0]
    assert ind.actual == "12" and ind.target == "≥10场" and ind.score == Decimal("14.5")
    assert ev.other_rates[0].bases == {"年初": Decimal("64.65")}
    assert ev.score.parts == {"产出指标": Decimal(45)}
    assert ev.breakdowns[0].parts == (("甲", Decimal(4)), ("乙", Decimal(6)))
    assert ev.deductions == ("未定期开展资产清查",)


def test_errors_name_line_and_key(tmp_path: Path):
    f = tmp_path / "bad.yaml"
    f.write_text(YAML.replace("executed: \"1,300.5\"", "executed: abc").replace("scope: project", "scopee: project"),
                 encoding="utf-8")
    with pytest.raises(EvaluationFileError) as exc:
        load_evaluation_file(f)
    err = exc.value
    assert isinstance(err, IngestError) and err.path == str(f)
    assert "第 3 行 scopee: 未知的键（是否为 scope？）" in err.reason
    assert "第 6 行 budget.executed: 应为数字，而不是 'abc'" in err.reason
    assert err.line == 3 and "\n" not in str(err)


def test_syntax_error_and_missing_file(tmp_path: Path):
    f = tmp_path / "broken.json"
    f.write_text('{"department": "x",\n "budget": {', encoding="utf-8")
    with pytest.raises(EvaluationFileError, match="不是有效的 YAML/JSON"):
        load_evaluation_file(f)
    with pytest.raises(EvaluationFileError, match="文件不存在"):
        load_evaluation_file(tmp_path / "nope.yaml")
    with pytest.raises(EvaluationFileError, match=r"indicators\[0\].name: 缺少指标名称"):
        parse_evaluation("indicators:\n  - {weight: 3}\n", "x.yaml")


def test_round_trip(tmp_path: Path):
    ev = parse_evaluation(YAML, "ev.yaml")
    text = dump_evaluation(ev)
    assert "130.10" in text and "!!python" not in text
    again = parse_evaluation(text, "ev.yaml")
    assert again == ev


@pytest.mark.parametrize("name", ["mof-project-2020", "dept-common-2013", "dept-shenzhen"])
def test_examples_load(name):
    ev = load_evaluation_file(EXAMPLES / f"{name}.yaml")
    assert ev.department and ev.indicators


@pytest.mark.corpus
def test_corpus_labels_load_as_evaluation_files():
    if not CORPUS.is_dir():
        pytest.skip("corpus absent")
    for f in sorted(CORPUS.glob("*.expected.json")):
        ev = load_evaluation_file(f)
        assert ev.department
    ev = load_evaluation_file(CORPUS / "004_273d22226811a2f3.expected.json")
    assert ev.budget.adjusted == Decimal("2500.65") and len(ev.indicators) == 21
    assert ev.other_rates[1].numerator == Decimal("155.586")


def test_supervisor_round_trips_through_an_evaluation_file():
    from jixiao.evalfile import evaluation_to_dict, parse_evaluation
    from jixiao.model import Evaluation

    ev = Evaluation(doc="x", department="某县农业技术推广中心", implementer="某县农业技术推广中心",
                    supervisor="某县农业农村局", scope="project")
    import json

    back = parse_evaluation(json.dumps(evaluation_to_dict(ev), ensure_ascii=False), "x.json")
    assert (back.department, back.supervisor) == ("某县农业技术推广中心", "某县农业农村局")


@pytest.mark.parametrize(("section", "reason"), [("projects", "缺少项目名称"), ("funding_sources", "缺少资金来源名称")])
def test_a_named_entry_without_its_name_says_which(section, reason):
    with pytest.raises(EvaluationFileError) as exc:
        parse_evaluation(f"year: 2024\n{section}:\n  - {{budget: 1}}\n", "e.yaml")
    assert exc.value.reason == f"第 3 行 {section}[0].name: {reason}"
