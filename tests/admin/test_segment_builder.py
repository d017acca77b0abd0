"""The segment builder's rows become the same JSON filter the admin's JSON form takes (pure)."""

from __future__ import annotations

import pytest

from admin.segment_builder import (
    Row,
    SegmentRowsInvalid,
    definition_from_rows,
    field_options,
    rows_from_definition,
    rows_from_form,
)
from loyalty.campaigns.segment_fields import FIELDS
from loyalty.campaigns.segment_filters import compile_filter


def test_two_rows_joined_by_and_are_the_documented_filter() -> None:
    rows = [Row("visits_90d", "gte", ("3",)), Row("city", "eq", ("Hà Nội",)), Row("", "")]
    definition = definition_from_rows("and", rows)
    assert definition == {
        "and": [{"field": "visits_90d", "op": "gte", "value": 3}, {"field": "city", "op": "eq", "value": "Hà Nội"}]
    }
    compile_filter(definition)  # what save_segment validates


def test_values_are_read_by_the_fields_kind() -> None:
    rows = [
        Row("age", "between", ("18",), "30"),
        Row("gender", "in", ("female", "other")),
        Row("city", "not_in", ("Hà Nội, Huế",)),
        Row("in_vip_group", "eq", ("true",)),
        Row("spend_12m", "gte", ("5.000.000",)),
        Row("tier", "eq", ("gold",)),
    ]
    assert definition_from_rows("or", rows) == {
        "or": [
            {"field": "age", "op": "between", "value": [18, 30]},
            {"field": "gender", "op": "in", "value": ["female", "other"]},
            {"field": "city", "op": "not_in", "value": ["Hà Nội", "Huế"]},
            {"field": "in_vip_group", "op": "eq", "value": True},
            {"field": "spend_12m", "op": "gte", "value": 5_000_000},
            {"field": "tier", "op": "eq", "value": "gold"},
        ]
    }


@pytest.mark.parametrize(
    ("join", "rows", "words"),
    [
        ("and", [], "ít nhất một điều kiện"),
        ("xor", [Row("age", "gte", ("3",))], "VÀ hoặc HOẶC"),
        ("and", [Row("nope", "eq", ("1",))], "Dòng 1"),
        ("and", [Row("age", "contains", ("1",))], "phép so sánh"),
        ("and", [Row("visits_90d", "gte", ("ba",))], "không phải số nguyên"),
        ("and", [Row("visits_90d", "gte", ())], "nhập giá trị"),
        ("and", [Row("age", "between", ("3",))], "hai số"),
        ("and", [Row("gender", "eq", ("nữ",))], "chọn một trong"),
        ("and", [Row("in_vip_group", "eq", ("maybe",))], "Có hoặc Không"),
    ],
)
def test_bad_rows_are_refused_in_vietnamese_naming_the_row(join: str, rows: list[Row], words: str) -> None:
    with pytest.raises(SegmentRowsInvalid) as refused:
        definition_from_rows(join, rows)
    assert words in refused.value.detail


def test_a_form_posts_its_rows_by_number_and_blank_ones_are_skipped() -> None:
    form = {
        "field_0": ["visits_90d"],
        "op_0": ["gte"],
        "value_0": ["3"],
        "field_3": ["gender"],
        "op_3": ["in"],
        "value_3": ["female", "male"],
        "field_1": [""],
        "op_1": ["eq"],
        "name": ["x"],
    }
    rows = rows_from_form(form)
    assert [r.field for r in rows] == ["visits_90d", "", "gender"]
    assert definition_from_rows("and", rows)["and"][1] == {"field": "gender", "op": "in", "value": ["female", "male"]}


def test_a_one_level_filter_comes_back_as_rows_and_a_nested_one_does_not() -> None:
    definition = {
        "or": [
            {"field": "age", "op": "between", "value": [18, 30]},
            {"field": "channel", "op": "in", "value": ["claim", "both"]},
        ]
    }
    join, rows = rows_from_definition(definition) or ("", [])
    assert definition_from_rows(join, rows) == definition
    single = rows_from_definition({"field": "in_vip_group", "op": "eq", "value": True})
    assert single is not None and definition_from_rows(*single) == {
        "and": [{"field": "in_vip_group", "op": "eq", "value": True}]
    }
    deeper = {"and": [{"or": [{"and": [{"field": "age", "op": "gte", "value": 3}]}]}]}
    assert rows_from_definition(deeper) is None
    assert rows_from_definition({"and": [{"and": [{"field": "age", "op": "gte", "value": 3}]}]}) is None


def test_rows_of_one_group_are_joined_the_other_way_where_the_group_first_stands() -> None:
    rows = [
        Row("city", "eq", ("Huế",), group="1"),
        Row("visits_90d", "gte", ("3",)),
        Row("city", "eq", ("Đà Nẵng",), group="1"),
        Row("age", "gte", ("18",), group="2"),
    ]
    definition = definition_from_rows("and", rows)
    assert definition == {
        "and": [
            {"or": [{"field": "city", "op": "eq", "value": "Huế"}, {"field": "city", "op": "eq", "value": "Đà Nẵng"}]},
            {"field": "visits_90d", "op": "gte", "value": 3},
            {"field": "age", "op": "gte", "value": 18},  # a group of one is the condition itself
        ]
    }
    compile_filter(definition)
    join, back = rows_from_definition(definition) or ("", [])
    assert join == "and" and [r.group for r in back] == ["1", "1", "", ""]
    assert definition_from_rows(join, back) == definition
    assert definition_from_rows("or", [Row("age", "gte", ("1",), group="x"), Row("age", "lte", ("9",), group="x")]) == {
        "or": [{"and": [{"field": "age", "op": "gte", "value": 1}, {"field": "age", "op": "lte", "value": 9}]}]
    }


def test_every_field_has_a_vietnamese_label_and_its_own_operators() -> None:
    options = {o["name"]: o for o in field_options([("gold", "Vàng")], ["Khách Tết"])}
    assert set(options) == set(FIELDS)
    assert all(o["label"] != o["name"] for o in options.values())
    assert options["tier"]["choices"] == [{"value": "gold", "label": "Vàng (gold)"}]
    assert options["vip_group"]["input"] == "select" and options["age"]["input"] == "number"
    assert [o["op"] for o in options["city"]["ops"]] == list(FIELDS["city"].ops)
