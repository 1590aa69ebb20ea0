"""The SPC chart as a reader gets it: the SVG of the indicator page, parsed with
``xml.etree``, for a series whose mean, limits and special-cause point are worked out by hand;
markers by shape; suppressed values left off; no chart without two values."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.utils import timezone

from opensend.insight import kpi, selectors
from opensend.insight.spc_chart import spc_chart
from opensend.insight.tests.factories import indicator, value

pytestmark = pytest.mark.django_db

#: Nine months of a percentage, higher is better, target 90%. The mean is 540 / 9 = 60; the
#: moving ranges are seven of 10 and one of 50, a mean of 120 / 8 = 15; the process limits are
#: 60 ± 2.66 × 15 = 20.1 and 99.9. The last value, 20, is below the lower limit: special cause.
VALUES = [60, 70, 60, 70, 60, 70, 60, 70, 20]
#: The plot (720 × 320, margins 64 left, 16 right, 16 top, 56 bottom) is 640 wide and 248 high.
#: Nine points are 80 apart from x = 64. The values, limits and target run from 20 to 99.9; a
#: tenth of that (7.99) either side makes the scale 12.01 to 107.89 (95.88 high).
LEFT, RIGHT_EDGE, STEP = 64.0, 704.0, 80.0
TOP, PLOT_HEIGHT, LOW, HIGH = 16.0, 248.0, 12.01, 107.89


def y_of(value_shown):
    return TOP + (HIGH - value_shown) / (HIGH - LOW) * PLOT_HEIGHT


def _months(count):
    """The ``count`` months before the current one, oldest first."""
    current = kpi.Period(timezone.localdate().replace(day=1), kpi.Frequency.MONTHLY)
    return kpi.previous_periods(current, count)


def _series(target_indicator, figures):
    """Record ``figures`` (numerator, denominator) for the months before this one."""
    periods = _months(len(figures))
    for period, (numerator, denominator) in zip(periods, figures, strict=True):
        value(target_indicator, period.start, numerator, denominator, today=timezone.localdate())
    return periods


def _svg(world, target_indicator, user=None):
    client = Client()
    client.force_login(user or world.send_manager)
    page = client.get(f"/performance/indicators/{target_indicator.pk}/")
    assert page.status_code == 200
    found = re.search(r'<svg[^>]*data-chart="spc".*?</svg>', page.text, re.S)
    if found is None:
        return page.text, None
    return page.text, ET.fromstring(found.group(0))  # noqa: S314 - our own page, parsed back


def _markers(svg):
    """Each point's (shape, x, y, title), in order."""
    found = []
    for element in svg.iter():
        shape = element.get("data-marker")
        if shape is None:
            continue
        if element.tag == "circle":
            x, y = float(element.get("cx")), float(element.get("cy"))
        else:
            corners = [
                tuple(float(n) for n in pair.split(",")) for pair in element.get("points").split()
            ]
            xs, ys = [c[0] for c in corners], [c[1] for c in corners]
            x, y = (min(xs) + max(xs)) / 2, (min(ys) + max(ys)) / 2
        found.append((shape, x, y, element.find("title").text))
    return found


def _lines(svg, kind):
    return [
        (float(line.get("x1")), float(line.get("x2")), float(line.get("y1")))
        for line in svg.iter("line")
        if line.get("data-line") == kind
    ]


@pytest.fixture
def known(world):
    target_indicator = indicator(world.area, name="Plans reviewed on time", code="reviews")
    periods = _series(target_indicator, [(n, 100) for n in VALUES])
    return target_indicator, periods


def test_title_and_description_name_the_chart(world, known):
    target_indicator, periods = known
    _, svg = _svg(world, target_indicator)
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "spc-title spc-desc"
    title, desc = svg.find("title"), svg.find("desc")
    assert (title.get("id"), desc.get("id")) == ("spc-title", "spc-desc")
    assert title.text == "Plans reviewed on time: statistical process control chart"
    assert desc.text.startswith(
        f"An XmR chart of 9 periods from {periods[0].label} to {periods[-1].label}. "
    )
    assert "The mean (60%) is a solid line" in desc.text
    assert "the process limits (20.1% to 99.9%) are dashed lines" in desc.text
    assert "the target of 90% as a dash-dot line" in desc.text
    assert "1 point shows special cause variation" in desc.text


def test_one_point_per_period_where_the_values_are(world, known):
    target_indicator, periods = known
    _, svg = _svg(world, target_indicator)
    markers = _markers(svg)
    assert len(markers) == len(VALUES)
    for index, ((_, x, y, title), period, shown) in enumerate(
        zip(markers, periods, VALUES, strict=True)
    ):
        assert x == pytest.approx(LEFT + index * STEP)
        assert y == pytest.approx(y_of(shown), abs=0.6)  # a triangle sits 0.5 high
        assert title.startswith(f"{period.label}: {shown}%")
    path = [
        tuple(float(n) for n in pair.split(","))
        for pair in svg.find("polyline").get("points").split()
    ]
    assert path == [
        pytest.approx((LEFT + index * STEP, y_of(shown)), abs=0.05)
        for index, shown in enumerate(VALUES)
    ]
    axis = [text.text for text in svg.iter("text") if text.get("text-anchor") == "middle"]
    assert axis == [period.label for period in periods]


def test_mean_limits_and_target_at_their_heights(world, known):
    target_indicator, _ = known
    _, svg = _svg(world, target_indicator)
    assert _lines(svg, "mean") == [pytest.approx((LEFT, RIGHT_EDGE, y_of(60)))]
    assert sorted(_lines(svg, "limit"), key=lambda line: line[2]) == [
        pytest.approx((LEFT, RIGHT_EDGE, y_of(99.9))),
        pytest.approx((LEFT, RIGHT_EDGE, y_of(20.1))),
    ]
    # The upper limit is the top of the range: a twelfth of the plot below its top edge.
    assert _lines(svg, "limit")[0][2] == pytest.approx(TOP + PLOT_HEIGHT / 12)
    assert _lines(svg, "target") == [pytest.approx((LEFT, RIGHT_EDGE, y_of(90)))]


@pytest.mark.parametrize(
    ("polarity", "shape", "colour", "words"),
    [
        ("higher", "triangle", "#d4351c", "special cause: concerning"),
        ("lower", "square", "#1d70b8", "special cause: improving"),
        ("neither", "diamond", "#4c2c92", "special cause: neither better nor worse"),
    ],
)
def test_special_cause_is_marked_by_shape(world, polarity, shape, colour, words):
    rag = {} if polarity != "neither" else {"rag_kind": "", "rag_tolerance": None}
    target_indicator = indicator(world.area, code="reviews", polarity=polarity, **rag)
    _series(target_indicator, [(n, 100) for n in VALUES])
    _, svg = _svg(world, target_indicator)
    shapes = [marker[0] for marker in _markers(svg)]
    assert shapes == ["circle"] * 8 + [shape]
    last = [element for element in svg.iter() if element.get("data-marker")][-1]
    assert last.get("fill") == colour
    assert last.find("title").text.endswith(f": 20% ({words})")
    keys = spc_chart(selectors.indicator_series(target_indicator, on=timezone.localdate())).keys
    assert [key[0] for key in keys] == ["circle", shape]


def test_a_series_without_special_cause_is_all_circles(world):
    target_indicator = indicator(world.area, code="steady")
    _series(target_indicator, [(n, 100) for n in VALUES[:-1]])
    _, svg = _svg(world, target_indicator)
    assert {marker[0] for marker in _markers(svg)} == {"circle"}
    assert "0 points show special cause variation" in svg.find("desc").text


def test_a_suppressed_value_is_left_off_the_chart(world):
    """3 of 4 children is a small number: the board member's chart leaves that period out
    (the table shows [c]); the officer's shows it."""
    target_indicator = indicator(world.area, name="Plans reviewed on time", code="reviews")
    figures = [(60, 100), (70, 100), (3, 4), (70, 100), (60, 100)]
    periods = _series(target_indicator, figures)
    page, svg = _svg(world, target_indicator, world.board_member)
    markers = _markers(svg)
    assert [title.split(":")[0] for *_, title in markers] == [
        periods[i].label for i in (0, 1, 3, 4)
    ]
    assert not any("75%" in title for *_, title in markers)
    # The other points keep their places: the gap is where the suppressed period was.
    assert [x for _, x, _, _ in markers] == pytest.approx([LEFT + i * 160 for i in (0, 1, 3, 4)])
    assert len(svg.find("polyline").get("points").split()) == 4
    assert "[c]" in page
    # nor can it be worked back from the mean: the board member's chart is of the other four
    # periods only (mean 65%), the officer's of all five (mean 67%)
    today = timezone.localdate()
    board = selectors.indicator_series(target_indicator, on=today, exact=False)
    officer = selectors.indicator_series(target_indicator, on=today, exact=True)
    assert board.chart is not None and officer.chart is not None
    assert float(board.chart.limits.mean) == pytest.approx(65)
    assert float(officer.chart.limits.mean) == pytest.approx(67)
    assert [point.value for point in board.points if point.shown.suppressed] == [None]
    _, officers = _svg(world, target_indicator, world.send_manager)
    assert len(_markers(officers)) == 5
    assert any(title.startswith(f"{periods[2].label}: 75%") for *_, title in _markers(officers))


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (0, "An SPC chart needs at least 2 points; there are 0"),
        (1, "An SPC chart needs at least 2 points; there is 1"),
    ],
)
def test_no_chart_without_two_values(world, count, message):
    target_indicator = indicator(world.area, code="new")
    _series(target_indicator, [(60, 100)] * count)
    series = selectors.indicator_series(target_indicator, on=timezone.localdate())
    assert spc_chart(series) is None
    page, svg = _svg(world, target_indicator)
    assert svg is None
    assert series.chart_problems == (message,)
    assert message in page


def test_a_flat_series_gets_a_scale_around_its_value(world):
    """Every value the same: no spread, so the scale is a tenth of the value either side
    (54 to 66) and the points, mean and both limits sit in the middle."""
    target_indicator = indicator(
        world.area, code="flat", target=None, rag_kind="", rag_tolerance=None
    )
    _series(target_indicator, [(60, 100)] * 3)
    _, svg = _svg(world, target_indicator)
    middle = TOP + PLOT_HEIGHT / 2
    assert [y for _, _, y, _ in _markers(svg)] == pytest.approx([middle] * 3)
    assert [line[2] for line in _lines(svg, "mean") + _lines(svg, "limit")] == pytest.approx(
        [middle] * 3
    )
    assert _lines(svg, "target") == []
    assert "target" not in svg.find("desc").text
    chart = spc_chart(selectors.indicator_series(target_indicator, on=timezone.localdate()))
    assert [tick.text for tick in chart.ticks] == ["54%", "57%", "60%", "63%", "66%"]
