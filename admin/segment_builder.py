"""The segment builder's rows, and the filter they stand for (pure: no database, no request).

Marketers build a segment from rows of (field, operator, value), all joined by AND or all by OR,
and rows given the same group number joined the other way among themselves (``(a OR b) AND c``);
:func:`definition_from_rows` turns the rows as a form posts them into the same JSON filter the
"Save a segment" form takes (``loyalty.campaigns.segment_filters``), so the domain validates and
saves it as before. A value arrives as text (or several texts from a multiple select) and is read
by the field's kind: whole numbers, true/false, a choice, or text; a list operator (``in``) takes
several values, or one text separated by commas. Bad rows raise :class:`SegmentRowsInvalid` with
a Vietnamese message naming the row.

:func:`rows_from_definition` goes back for the edit page; a filter nested deeper (groups in
groups in groups) has no rows and is edited as JSON in the admin's form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from loyalty.campaigns import SEGMENT_FIELDS as FIELDS
from loyalty.campaigns import SegmentField as Field
from loyalty.campaigns import SegmentFieldKind as Kind
from loyalty.errors import InvalidInput

JOINS = {"and": "Tất cả các điều kiện (VÀ) / all of them", "or": "Một trong các điều kiện (HOẶC) / any of them"}
MAX_ROWS = 50
LIST_OPS = ("in", "not_in")
NUMBER_KINDS = (Kind.INT, Kind.DAYS, Kind.YEARS)

FIELD_LABELS: dict[str, str] = {
    "age": "Tuổi",
    "gender": "Giới tính",
    "city": "Tỉnh / thành phố",
    "locale": "Ngôn ngữ",
    "member_since_days": "Số ngày từ khi gia nhập",
    "birthday_month": "Tháng sinh (1–12)",
    "birthday_this_month": "Sinh nhật trong tháng này",
    "tier": "Hạng thành viên",
    "vip_group": "Nhóm VIP",
    "in_vip_group": "Thuộc một nhóm VIP",
    "channel": "Nơi mua hàng",
    "days_since_last_visit": "Số ngày từ lần mua gần nhất",
    "days_since_first_visit": "Số ngày từ lần mua đầu tiên",
    "recency_score": "Điểm gần đây R (1–5)",
    "frequency_score": "Điểm tần suất F (1–5)",
    "monetary_score": "Điểm chi tiêu M (1–5)",
    "visits_90d": "Số hoá đơn trong 90 ngày",
    "spend_90d": "Chi tiêu trong 90 ngày (đ)",
    "visits_12m": "Số hoá đơn trong 12 tháng",
    "spend_12m": "Chi tiêu trong 12 tháng (đ)",
    "visits_total": "Tổng số hoá đơn",
    "spend_total": "Tổng chi tiêu (đ)",
    "avg_basket": "Hoá đơn trung bình 12 tháng (đ)",
}
OP_LABELS: dict[str, str] = {
    "eq": "bằng",
    "ne": "khác",
    "lt": "nhỏ hơn",
    "lte": "không quá (≤)",
    "gt": "lớn hơn",
    "gte": "ít nhất (≥)",
    "between": "trong khoảng",
    "in": "là một trong",
    "not_in": "không là một trong",
    "contains": "có chứa",
}
CHOICE_LABELS: dict[str, dict[str, str]] = {
    "gender": {"female": "Nữ", "male": "Nam", "other": "Khác"},
    "locale": {"vi": "Tiếng Việt", "en": "Tiếng Anh"},
    "channel": {"none": "Chưa mua", "till": "Tại quầy", "claim": "Quét hoá đơn trong ứng dụng", "both": "Cả hai"},
}
BOOL_LABELS = {"true": "Có", "false": "Không"}
_TRUE = {"true", "1", "yes", "có", "co"}
_FALSE = {"false", "0", "no", "không", "khong"}
_SPLIT = re.compile(r"\s*[,;\n]\s*")


class SegmentRowsInvalid(InvalidInput):
    code = "invalid_segment_rows"
    title = "Các điều kiện chưa đúng / The conditions are not valid"


@dataclass(frozen=True, slots=True)
class Row:
    """One condition as the form posts it: the field, the operator and the value(s) as text."""

    field: str
    op: str
    values: tuple[str, ...] = ()
    high: str = ""  # the upper bound of "between"
    group: str = ""  # rows with the same group are joined the other way (one nesting level)

    @property
    def blank(self) -> bool:
        """A row left empty (no field chosen): the form's spare rows, ignored."""
        return not self.field.strip()


def field_label(name: str) -> str:
    return FIELD_LABELS.get(name, name)


def rows_from_form(form: Mapping[str, Sequence[str]]) -> list[Row]:
    """The rows of a posted form (``field_0``, ``op_0``, ``value_0`` …, ``high_0``), in order."""
    numbers = sorted({int(key[6:]) for key in form if key.startswith("field_") and key[6:].isdigit() and len(key) < 12})
    rows = []
    for n in numbers:

        def first(name: str, n: int = n) -> str:
            items = form.get(f"{name}_{n}") or [""]
            return str(items[0])

        values = tuple(str(v) for v in form.get(f"value_{n}") or [] if str(v).strip())
        group = first("group").strip()[:3]
        rows.append(Row(first("field").strip(), first("op").strip(), values, first("high").strip(), group))
    return rows


def definition_from_rows(join: str, rows: Sequence[Row], *, need_one: bool = True) -> dict[str, Any]:
    """The JSON filter of the rows (blank rows skipped): ``{"and": [...]}`` or ``{"or": [...]}``."""
    if join not in JOINS:
        raise SegmentRowsInvalid("Chọn cách nối điều kiện: VÀ hoặc HOẶC / choose AND or OR", field="join")
    filled = [row for row in rows if not row.blank]
    if len(filled) > MAX_ROWS:
        raise SegmentRowsInvalid(f"Tối đa {MAX_ROWS} điều kiện / at most {MAX_ROWS} conditions")
    if need_one and not filled:
        raise SegmentRowsInvalid("Thêm ít nhất một điều kiện / add at least one condition")
    # Rows of one group become one sub-group joined the other way, where its first row stands.
    inner = "or" if join == "and" else "and"
    parts: list[Any] = []
    groups: dict[str, list[Any]] = {}
    for i, row in enumerate(filled, start=1):
        condition = _condition(i, row)
        if not row.group:
            parts.append(condition)
        elif row.group in groups:
            groups[row.group].append(condition)
        else:
            groups[row.group] = [condition]
            parts.append({inner: groups[row.group]})
    return {join: [part[inner][0] if inner in part and len(part[inner]) == 1 else part for part in parts]}


def _condition(number: int, row: Row) -> dict[str, Any]:
    spec = FIELDS.get(row.field)
    where = f"Dòng {number}"
    if spec is None:
        raise SegmentRowsInvalid(f"{where}: không có trường «{row.field[:50]}» / unknown field", field="field")
    where = f"{where} ({field_label(spec.name)})"
    if row.op not in spec.ops:
        allowed = ", ".join(OP_LABELS[op] for op in spec.ops)
        raise SegmentRowsInvalid(
            f"{where}: phép so sánh này không dùng được; chọn: {allowed} / operator not allowed", field="op"
        )
    return {"field": spec.name, "op": row.op, "value": _value(spec, row, where)}


def _value(spec: Field, row: Row, where: str) -> Any:
    texts = [t.strip() for t in row.values if t.strip()]
    if row.op in LIST_OPS:
        items = [item for text in texts for item in _SPLIT.split(text) if item]
        if not items:
            raise SegmentRowsInvalid(f"{where}: nhập ít nhất một giá trị / enter at least one value", field="value")
        return [_one(spec, item, where) for item in items]
    if not texts:
        raise SegmentRowsInvalid(f"{where}: nhập giá trị / enter a value", field="value")
    if row.op == "between":
        if not row.high:
            raise SegmentRowsInvalid(f"{where}: «trong khoảng» cần hai số: từ … đến … / needs two numbers")
        return [_one(spec, texts[0], where), _one(spec, row.high, where)]
    return _one(spec, texts[0], where)


def _one(spec: Field, text: str, where: str) -> Any:
    if spec.kind in NUMBER_KINDS:
        digits = text.replace(".", "").replace(" ", "") if spec.name.startswith(("spend", "avg")) else text
        if not re.fullmatch(r"\d{1,14}", digits):
            raise SegmentRowsInvalid(f"{where}: «{text[:30]}» không phải số nguyên ≥ 0 / not a whole number")
        return int(digits)
    if spec.kind == Kind.BOOL:
        lowered = text.lower()
        if lowered not in _TRUE | _FALSE:
            raise SegmentRowsInvalid(f"{where}: chọn Có hoặc Không / choose yes or no")
        return lowered in _TRUE
    if spec.choices and text not in spec.choices:
        labels = CHOICE_LABELS.get(spec.name, {})
        shown = ", ".join(f"{labels.get(c, c)} ({c})" for c in spec.choices)
        raise SegmentRowsInvalid(f"{where}: chọn một trong: {shown} / choose one of them")
    if len(text) > 200:
        raise SegmentRowsInvalid(f"{where}: tối đa 200 ký tự / at most 200 characters")
    return text


def rows_from_definition(definition: Any) -> tuple[str, list[Row]] | None:
    """The join and rows of a filter the builder can show (conditions, and groups of conditions
    joined the other way, numbered 1, 2, …); None for one nested deeper."""
    if isinstance(definition, dict) and "field" in definition:
        join, children = "and", [definition]
    elif isinstance(definition, dict) and len(definition) == 1 and next(iter(definition)) in JOINS:
        join = next(iter(definition))
        children = definition[join]
    else:
        return None
    if not isinstance(children, list):
        return None
    inner = "or" if join == "and" else "and"
    rows: list[Row] = []
    groups = 0
    for child in children:
        if _is_condition(child):
            rows.append(_row(child))
        elif isinstance(child, dict) and list(child) == [inner] and isinstance(child[inner], list):
            if not child[inner] or not all(_is_condition(c) for c in child[inner]):
                return None
            groups += 1
            rows += [_row(c, str(groups)) for c in child[inner]]
        else:
            return None
    return join, rows


def _is_condition(node: Any) -> bool:
    return isinstance(node, dict) and "field" in node


def _row(condition: dict[str, Any], group: str = "") -> Row:
    value, op, field = condition.get("value"), str(condition.get("op", "")), str(condition["field"])
    if op == "between" and isinstance(value, list) and len(value) == 2:
        return Row(field, op, (_text(value[0]),), _text(value[1]), group)
    if isinstance(value, list):
        return Row(field, op, tuple(_text(v) for v in value), group=group)
    return Row(field, op, (_text(value),), group=group)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def field_options(tiers: Sequence[tuple[str, str]], groups: Sequence[str]) -> list[dict[str, Any]]:
    """Every field for the page and its script: label, operators, and the value's input (a number,
    text, or a select of choices: tiers and VIP groups as the database has them now)."""
    options = []
    for name, spec in FIELDS.items():
        choices: list[tuple[str, str]] = []
        if spec.kind == Kind.TIER:
            choices = [(code, f"{label} ({code})") for code, label in tiers]
        elif spec.kind == Kind.VIP:
            choices = [(group, group) for group in groups]
        elif spec.kind == Kind.BOOL:
            choices = list(BOOL_LABELS.items())
        elif spec.choices:
            labels = CHOICE_LABELS.get(name, {})
            choices = [(c, labels.get(c, c)) for c in spec.choices]
        kind = "number" if spec.kind in NUMBER_KINDS else "select" if choices else "text"
        options.append(
            {
                "name": name,
                "label": field_label(name),
                "input": kind,
                "ops": [{"op": op, "label": OP_LABELS[op]} for op in spec.ops],
                "choices": [{"value": v, "label": label} for v, label in choices],
            }
        )
    return sorted(options, key=lambda o: str(o["label"]))
