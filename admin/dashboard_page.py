"""The programme's dashboard (``templates/dashboard.html``), the staff's landing page.

Served by the API at ``/staff/dashboard`` and ``/staff/dashboard.csv`` under the staff login.
This module turns the page's query (a preset or two dates, a grain, a store) into a
:class:`loyalty.reports.Period`, and the domain's figures into the page's cards, charts and
tables, formatted the Vietnamese way (``admin.formats``). Every table links its CSV, which holds
the same figures unformatted (``loyalty.reports.figure_table``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlencode

from admin.charts import Chart, columns
from admin.formats import day, local_time, permille, points, vnd
from loyalty.errors import InvalidInput
from loyalty.reports import Dashboard, Grain, Period, last_days, this_month

TEMPLATE = "dashboard.html"
PRESETS = {"7d": "7 ngày qua", "30d": "30 ngày qua", "90d": "90 ngày qua", "month": "Tháng này", "custom": "Tùy chọn"}
GRAINS = {"day": "Theo ngày", "week": "Theo tuần", "month": "Theo tháng"}


class UnknownStore(InvalidInput):
    code = "unknown_store"
    title = "No such store"


@dataclass(frozen=True, slots=True)
class Choice:
    """What the staff member picked, as the form and the CSV links carry it."""

    preset: str
    grain: Grain
    store: str
    period: Period

    def query(self, **more: str) -> str:
        values = {"preset": self.preset, "grain": self.grain.value}
        if self.preset == "custom":
            values |= {"from": self.period.first.isoformat(), "to": self.period.last.isoformat()}
        if self.store:
            values["store"] = self.store
        return urlencode(values | more)


def choose(
    today: date,
    stores: dict[str, int],
    *,
    preset: str | None,
    first: date | None,
    last: date | None,
    grain: str,
    store: str,
) -> Choice:
    """The period asked for; dates given make it a custom one. Bad input is a 400, never a guess."""
    if grain not in GRAINS:
        raise InvalidInput(f"grain must be one of {', '.join(GRAINS)}, not {grain[:20]!r}")
    kind = Grain(grain)
    store = store.strip()
    if store and store not in stores:
        raise UnknownStore(f"no store {store[:20]!r}")
    store_id = stores[store] if store else None
    if first is not None or last is not None or preset == "custom":
        if first is None or last is None:
            raise InvalidInput("a custom period needs both dates, from and to")
        return Choice("custom", kind, store, Period(first, last, kind, store_id))
    chosen = preset or "30d"
    if chosen == "month":
        return Choice(chosen, kind, store, this_month(today, kind, store_id))
    if chosen not in ("7d", "30d", "90d"):
        raise InvalidInput(f"preset must be one of {', '.join(PRESETS)}, not {chosen[:20]!r}")
    return Choice(chosen, kind, store, last_days(today, int(chosen[:-1]), kind, store_id))


def _bucket_label(bucket: date, grain: Grain) -> str:
    return f"{bucket:%m/%Y}" if grain is Grain.MONTH else f"{bucket:%d/%m}"


def _card(figure: str, label: str, value: int | None, shown: str, note: str = "") -> dict[str, Any]:
    return {"id": figure, "label": label, "value": "" if value is None else value, "shown": shown, "note": note}


def _cards(d: Dashboard) -> list[dict[str, Any]]:
    m, p, c = d.members, d.points.total, d.complaints
    return [
        _card("members_total", "Thành viên", m.total, points(m.total)),
        _card("members_new", "Thành viên mới trong kỳ", m.new, points(m.new)),
        _card("members_active_30d", "Mua hàng trong 30 ngày", m.active_30d, points(m.active_30d)),
        _card("members_active_90d", "Mua hàng trong 90 ngày", m.active_90d, points(m.active_90d)),
        _card("points_issued", "Điểm đã phát", p.issued, points(p.issued)),
        _card("points_redeemed", "Điểm đã đổi", p.redeemed, points(p.redeemed)),
        _card("points_expired", "Điểm hết hạn", p.expired, points(p.expired)),
        _card("points_adjusted", "Điểm điều chỉnh", p.adjusted, points(p.adjusted), "thực, có dấu"),
        _card(
            "liability_vnd",
            "Điểm còn nợ khách (quy ra tiền)",
            m.liability_vnd,
            vnd(m.liability_vnd),
            f"{points(m.points_owed)} điểm × {vnd(m.point_cost_vnd)}",
        ),
        _card("breakage_permille", "Tỷ lệ điểm hết hạn", p.breakage_permille, permille(p.breakage_permille)),
        _card("redemption_permille", "Tỷ lệ đổi điểm", p.redemption_permille, permille(p.redemption_permille)),
        _card("complaints_open", "Khiếu nại đang mở", c.open, points(c.open), f"{points(c.overdue)} quá hạn"),
        _card(
            "complaints_breach_permille",
            "Tỷ lệ vi phạm SLA",
            c.breach_permille,
            permille(c.breach_permille),
            f"trên {points(c.opened)} khiếu nại trong kỳ",
        ),
    ]


def _charts(d: Dashboard) -> list[Chart]:
    grain = d.period.grain
    labels = [_bucket_label(b, grain) for b, _ in d.points.by_bucket]
    flows = [f for _, f in d.points.by_bucket]
    stores = d.points.by_store[:15]
    return [
        columns(
            "chart-points",
            "Điểm theo thời gian",
            labels,
            [
                ("phát", [f.issued for f in flows]),
                ("đổi", [f.redeemed for f in flows]),
                ("hết hạn", [f.expired for f in flows]),
            ],
        ),
        columns(
            "chart-members",
            "Thành viên mới theo thời gian",
            [_bucket_label(b, grain) for b, _ in d.members.new_by_bucket],
            [("thành viên mới", [n for _, n in d.members.new_by_bucket])],
        ),
        columns(
            "chart-stores",
            "Điểm theo cửa hàng",
            [s.code or "—" for s in stores],
            [("phát", [s.flow.issued for s in stores]), ("đổi", [s.flow.redeemed for s in stores])],
        ),
        columns(
            "chart-tiers",
            "Thành viên theo hạng",
            [t.name for t in d.members.tiers],
            [("thành viên", [t.members for t in d.members.tiers])],
        ),
    ]


def _tables(d: Dashboard) -> list[dict[str, Any]]:
    grain = d.period.grain
    flow = ["phát", "đổi", "hết hạn", "điều chỉnh", "hoàn / đảo"]
    return [
        {
            "figure": "points",
            "title": "Điểm theo " + GRAINS[grain.value].removeprefix("Theo ").lower(),
            "header": ["từ ngày", *flow],
            "rows": [
                [day(b), *(points(v) for v in (f.issued, f.redeemed, f.expired, f.adjusted, f.reversed))]
                for b, f in d.points.by_bucket
            ],
        },
        {
            "figure": "stores",
            "title": "Điểm theo cửa hàng",
            "header": ["cửa hàng", *flow],
            "rows": [
                [f"{s.code} · {s.name}" if s.code else s.name]
                + [
                    points(v)
                    for v in (s.flow.issued, s.flow.redeemed, s.flow.expired, s.flow.adjusted, s.flow.reversed)
                ]
                for s in d.points.by_store
            ],
        },
        {
            "figure": "members",
            "title": "Thành viên mới",
            "header": ["từ ngày", "thành viên mới"],
            "rows": [[day(b), points(n)] for b, n in d.members.new_by_bucket],
        },
        {
            "figure": "tiers",
            "title": "Thành viên theo hạng",
            "header": ["hạng", "thành viên"],
            "rows": [[t.name, points(t.members)] for t in d.members.tiers],
        },
        {
            "figure": "rewards",
            "title": "Quà được đổi nhiều nhất",
            "header": ["quà", "voucher đã phát", "đã dùng", "điểm"],
            "rows": [[r.name, points(r.vouchers), points(r.redeemed), points(r.points)] for r in d.rewards],
        },
        {
            "figure": "campaigns",
            "title": "Chiến dịch đang chạy",
            "header": ["chiến dịch", "quà đã tặng", "voucher đã dùng", "doanh thu"],
            "rows": [
                [c.name, points(c.gifts_issued), points(c.vouchers_redeemed), vnd(c.revenue)] for c in d.campaigns
            ],
        },
    ]


def dashboard_context(d: Dashboard, choice: Choice, stores: dict[str, str], username: str) -> dict[str, Any]:
    period = d.period
    return {
        "username": username,
        "title": f"Tổng quan chương trình · {day(period.first)} – {day(period.last)}",
        "at": local_time(d.at),
        "store_name": stores.get(choice.store, ""),
        "choice": choice,
        "first": period.first.isoformat(),
        "last": period.last.isoformat(),
        "presets": PRESETS,
        "grains": GRAINS,
        "stores": stores,
        "cards": _cards(d),
        "charts": _charts(d),
        "tables": _tables(d),
        "csv": {
            figure: "/staff/dashboard.csv?" + choice.query(figure=figure)
            for figure in ("summary", "points", "stores", "members", "tiers", "rewards", "campaigns")
        },
    }
