"""A report reposted in traditional characters, with a mirror site's pinyin notes, reads like its simplified
original; answers and evidence come back in the text's own characters."""

from __future__ import annotations

from decimal import Decimal

from jixiao.extract import extract
from jixiao.extract.script import view_of
from jixiao.ingest import read_bytes

# Our own project form, in traditional characters; a mirror site added the pinyin of some characters.
FORM = """某縣文化館2023年度項目自評用表
項目名稱 | 鄉村文化廣場建設補助經費 |
主管部門 | 某縣文化和旅遊局 | 實施單位 | 某縣(xiàn)文化館(guǎn) |
項目資金（萬元） | 年初預算數 | 全年預算數 | 全年執行數 | 分值 | 執行率 | 得分 |
年度資金總額 | 45.60 | 45.60 | 44.10 | 10 | 96.71% | 9.67 |
一級指標 | 二級指標 | 三級指標 | 年度指標值 | 實際完成值 | 分值 | 得分 | 偏差說明 |
產出指標 | 數量指標 | 新建文化廣(guǎng)場數量 | ≥6個 | 6個 | 20 | 20 |
質量指標 | 工程驗收合格率 | 100% | 100% | 20 | 20 |
效益指標 | 社會效益指標 | 羣衆(zhòng)文化活動場次 | ≥120場 | 132場 | 30 | 30 |
滿意度指標 | 服務對象滿意度指標 | 羣衆(zhòng)滿意度 | ≥90% | 93% | 20 | 19 | 個別廣場照明不足 |
"""


def test_traditional_form_reads_like_its_simplified_original():
    ev = extract(read_bytes(FORM.encode("utf-8"), "mirror.txt"))
    assert ev.year == 2023 and ev.scope == "project"
    assert (ev.budget.initial, ev.budget.adjusted, ev.budget.executed, ev.budget.execution_rate) == (
        Decimal("45.60"), Decimal("45.60"), Decimal("44.10"), Decimal("96.71"))
    # names come back as the document writes them, pinyin notes included
    assert ev.implementer == "某縣(xiàn)文化館(guǎn)"
    assert [p.name for p in ev.projects] == ["鄉村文化廣場建設補助經費"]
    rows = [(i.level1, i.level2, i.name, i.target, i.actual, i.weight, i.score) for i in ev.indicators
            if i.level2 is not None]
    assert rows == [
        ("產出指標", "數量指標", "新建文化廣(guǎng)場數量", "≥6個", "6個", 20, 20),
        ("產出指標", "質量指標", "工程驗收合格率", "100%", "100%", 20, 20),
        ("效益指標", "社會效益指標", "羣衆(zhòng)文化活動場次", "≥120場", "132場", 30, 30),
        ("滿意度指標", "服務對象滿意度指標", "羣衆(zhòng)滿意度", "≥90%", "93%", 20, 19),
    ]


def test_evidence_points_at_the_documents_own_characters():
    ev = extract(read_bytes(FORM.encode("utf-8"), "mirror.txt"))
    assert ev.evidence
    lines = FORM.split("\n")
    for path, e in ev.evidence.items():
        assert FORM[e.start:e.end] == e.text, path
        assert e.text in lines[e.line - 1] or "\n" in e.text, path
    e = ev.evidence["budget.executed"]
    assert e.text == "44.10"


def test_simplified_text_is_read_as_written():
    # 著 and 乾 are simplified words of their own (显著, 乾坤): a simplified report never goes through the view
    text = "某县档案馆2023年整体绩效自评报告\n一、总体情况\n全年档案查阅服务成效显著,乾坤湾片区档案数字化完成。\n"
    assert view_of(text) is None
    ev = extract(read_bytes(text.encode("utf-8"), "plain.txt"))
    assert ev.department == "某县档案馆"


def test_a_few_bracketed_letters_are_not_pinyin_notes():
    text = "某县档案馆2023年档案数字化项目自评\n采购服务器(a)一台、存储(b)两台。\n"
    assert view_of(text) is None
