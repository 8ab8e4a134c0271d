"""The one loader for YAML from outside: anchors refused or budgeted, sizes and nesting capped, lines named."""

from __future__ import annotations

import pytest

from bench.hostile import yaml_alias_bomb
from jixiao.safeyaml import YAMLLimits, YAMLRefused, check, compose, load
from jixiao.workers import Limits, run_limited


def test_plain_documents_load_like_safe_load():
    assert load("id: x\nname: 名称\nweights: [1, 2.5]\n") == {"id": "x", "name": "名称", "weights": [1, 2.5]}
    assert compose("a: 1\n").value[0][0].start_mark.line == 0


def test_anchors_and_aliases_are_refused_by_default_with_the_line():
    with pytest.raises(YAMLRefused) as info:
        load("a: 1\nb: &x [1, 2]\nc: *x\n", "fw.yaml")
    assert str(info.value).startswith("fw.yaml:2: (yaml):") and "锚点" in str(info.value)


def test_a_billion_laughs_is_stopped_by_counting_not_by_building():
    # in a child with 256 MB to spare: building the 9^9 nodes would run out of memory, not raise this
    with pytest.raises(YAMLRefused, match="节点过多"):
        run_limited(load, yaml_alias_bomb(9), "bomb.yaml", YAMLLimits(max_aliases=1000),
                    limits=Limits(seconds=120, memory_mb=256))


def test_aliases_within_a_budget_expand_to_the_same_value():
    doc = "a: &x [1, [2, 3]]\nb: [*x, *x]\n"
    assert load(doc, limits=YAMLLimits(max_aliases=2)) == {"a": [1, [2, 3]], "b": [[1, [2, 3]], [1, [2, 3]]]}
    with pytest.raises(YAMLRefused, match="别名过多"):
        load(doc, limits=YAMLLimits(max_aliases=1))
    with pytest.raises(YAMLRefused, match="节点过多"):  # 19 nodes once expanded
        check(doc, limits=YAMLLimits(max_aliases=2, max_nodes=18))


def test_size_and_depth_are_capped():
    with pytest.raises(YAMLRefused, match="文件过大"):
        check("a: " + "x" * 2000 + "\n", limits=YAMLLimits(max_bytes=1000))
    with pytest.raises(YAMLRefused, match="嵌套过深"):
        check("a: " + "[" * 80 + "]" * 80 + "\n")


def test_syntax_errors_are_left_to_the_loader():
    check("a: [1, 2\n")  # no refusal: the loader names the problem
    with pytest.raises(Exception, match="flow sequence"):
        load("a: [1, 2\n")
