"""The wellbeing chart: what a worker reads from it, with no, one and many scales."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtGui import QColor

from leerrecht_desktop.models.wellbeing import ScoredScale, series
from leerrecht_desktop.ui import style
from leerrecht_desktop.ui.chart import WellbeingChart

from .conftest import scale

START = dt.date(2025, 9, 1)


def scored(*totals_by_day: tuple[int, list[int]]) -> list[ScoredScale]:
    return series(scale(START + dt.timedelta(days=day), values) for day, values in totals_by_day)


@pytest.fixture
def chart(qtbot) -> WellbeingChart:  # type: ignore[no-untyped-def]
    widget = WellbeingChart()
    qtbot.addWidget(widget)
    widget.resize(640, 320)
    widget.show()
    return widget


def painted_colours(chart: WellbeingChart) -> set[str]:
    image = chart.grab().toImage()
    step = 3
    return {QColor(image.pixel(x, y)).name() for x in range(0, image.width(), step)
            for y in range(0, image.height(), step)}


def test_without_scales_it_says_so(chart: WellbeingChart) -> None:
    chart.set_series([])
    assert chart.point_positions() == []
    assert "Nog geen welbevindenschaal" in chart.accessibleDescription()
    assert not chart.grab().isNull()


def test_one_scale_sits_in_the_middle(chart: WellbeingChart) -> None:
    chart.set_series(scored((0, [3] * 8)))
    (point,) = chart.point_positions()
    plot_centre = chart._plot_rect().center().x()
    assert point.x() == pytest.approx(plot_centre)
    assert style.ACCENT.lower() in painted_colours(chart)


def test_many_scales_run_left_to_right_in_time_and_higher_is_better(chart: WellbeingChart) -> None:
    data = scored((0, [2] * 8), (10, [3] * 8), (30, [5] * 8), (31, [1] * 8))
    chart.set_series(list(reversed(data)))  # the order given does not matter
    points = chart.point_positions()
    xs = [p.x() for p in points]
    assert xs == sorted(xs)
    # Time is to scale: 10 days take half the width of 20 days.
    assert (xs[1] - xs[0]) * 2 == pytest.approx(xs[2] - xs[1])
    # A higher total is drawn higher (smaller y); the lowest possible total sits on the bottom axis.
    assert points[2].y() < points[1].y() < points[0].y() < points[3].y()
    assert points[3].y() == pytest.approx(chart._plot_rect().bottom())
    assert "totaal 40" in chart.accessibleDescription()
    assert "+8 sinds de vorige keer" in chart.accessibleDescription()


def test_scales_on_the_same_day_do_not_break_the_axis(chart: WellbeingChart) -> None:
    chart.set_series(scored((0, [2] * 8), (0, [4] * 8)))
    points = chart.point_positions()
    assert points[0].x() == points[1].x()
    assert not chart.grab().isNull()


def test_per_question_mode_has_a_legend_and_one_colour_per_question(chart: WellbeingChart) -> None:
    chart.set_series(scored((0, [1, 2, 3, 4, 5, 4, 3, 2]), (14, [2, 3, 4, 5, 4, 3, 2, 1])))
    assert chart.legend_labels() == []
    chart.set_mode("items")
    assert chart.mode() == "items"
    assert chart.legend_labels() == [f"Vraag {n}" for n in range(1, 9)]
    colours = painted_colours(chart)
    assert sum(1 for c in style.SERIES_COLOURS if c.lower() in colours) >= 6  # thin lines: most are sampled
    chart.set_mode("total")
    assert chart.legend_labels() == []


def test_unknown_mode_is_refused(chart: WellbeingChart) -> None:
    with pytest.raises(ValueError):
        chart.set_mode("pie")  # type: ignore[arg-type]


def test_many_points_still_render_in_a_small_widget(qtbot, chart: WellbeingChart) -> None:  # type: ignore[no-untyped-def]
    chart.resize(330, 220)
    chart.set_series(scored(*((7 * i, [1 + (i % 5)] * 8) for i in range(60))))
    for mode in ("total", "items"):
        chart.set_mode(mode)  # type: ignore[arg-type]
        assert not chart.grab().isNull()
    assert len(chart.point_positions()) == 60
