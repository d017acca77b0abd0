"""Column charts drawn by the server as SVG: the staff may be on a closed network, so nothing
comes from a CDN and no script runs.

This module only computes the geometry (bars, gridlines, labels) of a chart; the template
``_chart.html`` writes it out as ``<svg>`` with the page's autoescaping, and the stylesheet colours
each series (``.series-0`` …). Values below zero are drawn as nothing: the table beside each
chart and its CSV hold the exact, signed figures.
"""

from __future__ import annotations

from dataclasses import dataclass

from admin.formats import points

WIDTH = 720
HEIGHT = 260
LEFT = 64
RIGHT = 8
TOP = 12
BOTTOM = 36
MAX_LABELS = 12


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    title: str


@dataclass(frozen=True, slots=True)
class Gridline:
    y: float
    label: str


@dataclass(frozen=True, slots=True)
class AxisLabel:
    x: float
    text: str


@dataclass(frozen=True, slots=True)
class Chart:
    id: str
    title: str
    width: int
    height: int
    left: int
    bottom: float
    bars: list[Bar]
    gridlines: list[Gridline]
    labels: list[AxisLabel]
    legend: list[tuple[int, str]]


def _nice_top(peak: int) -> int:
    """The smallest top at or above ``peak`` with four round, whole gridline steps (1, 2, 5, 10,
    20, 25, 50, 100 …): a peak of 1 has gridlines 0-4, not 0, 0, 0, 1."""
    magnitude = 1
    while True:
        steps = (1, 2, 5) if magnitude == 1 else (magnitude, 2 * magnitude, 5 * magnitude // 2, 5 * magnitude)
        for step in steps:
            if step * 4 >= peak:
                return step * 4
        magnitude *= 10


def columns(chart_id: str, title: str, labels: list[str], series: list[tuple[str, list[int]]]) -> Chart:
    """Grouped columns: one group per label, one column per series in it."""
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    top = _nice_top(max((v for _, values in series for v in values), default=0))
    groups = max(len(labels), 1)
    group_w = plot_w / groups
    bar_w = max(group_w * 0.8 / max(len(series), 1), 1.0)
    bars = []
    for s, (name, values) in enumerate(series):
        for i, value in enumerate(values):
            height = max(value, 0) / top * plot_h
            x = LEFT + i * group_w + group_w * 0.1 + s * bar_w
            bars.append(
                Bar(
                    round(x, 1),
                    round(TOP + plot_h - height, 1),
                    round(bar_w, 1),
                    round(height, 1),
                    s,
                    f"{labels[i]} · {name}: {points(value)}",
                )
            )
    gridlines = [Gridline(round(TOP + plot_h - plot_h * k / 4, 1), points(top * k // 4)) for k in range(5)]
    every = max(1, -(-len(labels) // MAX_LABELS))
    axis = [
        AxisLabel(round(LEFT + i * group_w + group_w / 2, 1), text) for i, text in enumerate(labels) if i % every == 0
    ]
    legend = [(s, name) for s, (name, _) in enumerate(series)]
    return Chart(chart_id, title, WIDTH, HEIGHT, LEFT, TOP + plot_h, bars, gridlines, axis, legend)
