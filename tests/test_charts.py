"""Bar charts for the scheme's figures: the numbers reports.charts works out, and the
markup the chart macro draws from them (SVG and the same figures in a table)."""

import re
from html.parser import HTMLParser

import pytest
from django.template import engines

from reports.charts import (
    NHS_BLACK,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_WARM_YELLOW,
    NO_DATA,
    OUTLINED,
    PALETTE,
    WHITE,
    bar_chart,
    format_value,
    nice_axis,
)

MONTHS = ["Jan 2027", "Feb 2027", "Mar 2027"]


def draw(chart, chart_id: str = "a-chart") -> str:
    template = engines["jinja2"].from_string(
        '{% from "reports/charts.jinja" import chart %}{{ chart(c, chart_id) }}'
    )
    return template.render({"c": chart, "chart_id": chart_id})


class Markup(HTMLParser):
    """What a drawn chart holds: every tag with its attributes, and the table's cells."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.rows: list[list[str]] = []
        self.texts: list[str] = []  # of the SVG's <text> elements
        self._cell: list[str] | None = None
        self._in_text = False
        self._in_heading_span = False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.tags.append((tag, attributes))
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "text":
            self._in_text = True
            self.texts.append("")
        elif tag == "span" and "nhsuk-table__heading" in (attributes.get("class") or ""):
            self._in_heading_span = True  # the column's name, shown on narrow screens

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "text":
            self._in_text = False
        elif tag == "span":
            self._in_heading_span = False

    def handle_data(self, data):
        if self._cell is not None and not self._in_heading_span:
            self._cell.append(data)
        if self._in_text:
            self.texts[-1] += data

    def all(self, tag: str) -> list[dict[str, str | None]]:
        return [attributes for name, attributes in self.tags if name == tag]


# --- Numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("largest", "axis_max", "ticks"),
    [
        (0, 1, [0, 1]),
        (1, 1, [0, 1]),
        (3, 3, [0, 1, 2, 3]),
        (5, 5, [0, 1, 2, 3, 4, 5]),
        (7, 8, [0, 2, 4, 6, 8]),
        (10, 10, [0, 2, 4, 6, 8, 10]),
        (12, 15, [0, 5, 10, 15]),
        (21, 25, [0, 5, 10, 15, 20, 25]),
        (99, 100, [0, 20, 40, 60, 80, 100]),
        (101, 150, [0, 50, 100, 150]),
        (1234, 1500, [0, 500, 1000, 1500]),
    ],
)
def test_nice_axis_steps_of_one_two_or_five_with_at_most_five_intervals(largest, axis_max, ticks):
    assert nice_axis(largest) == (axis_max, ticks)


def test_nice_axis_for_fractions_and_for_counts():
    # Counts never get ticks between whole numbers; averages may.
    assert nice_axis(0.7, whole=False) == (0.8, [0, 0.2, 0.4, 0.6, 0.8])
    assert nice_axis(0.7) == (1, [0, 1])
    assert nice_axis(4.2, whole=False) == (5, [0, 1, 2, 3, 4, 5])


def test_one_series_geometry():
    chart = bar_chart("Requests sent", MONTHS, [("Sent", [3, 7, 0])])

    assert chart.view_box == "0 0 640 320"
    # The plot: x 48 to 624 (576 wide, 192 a month), y 32 to 272 (240 high).
    assert (chart.plot_left, chart.plot_top, chart.plot_right, chart.plot_bottom) == (
        48,
        32,
        624,
        272,
    )
    assert chart.axis_max == 8
    assert [(t.text, t.y) for t in chart.ticks] == [
        ("0", 272),
        ("2", 212),
        ("4", 152),
        ("6", 92),
        ("8", 32),
    ]
    # A bar takes three quarters of its month (144 of 192), centred.
    assert [(b.x, b.y, b.width, b.height) for b in chart.bars] == [
        (72, 182, 144, 90),
        (264, 62, 144, 210),
        (456, 272, 144, 0),
    ]
    assert {b.colour for b in chart.bars} == {NHS_BLUE}
    assert [(label.x, label.lines) for label in chart.x_labels] == [
        (144, ("Jan 2027",)),
        (336, ("Feb 2027",)),
        (528, ("Mar 2027",)),
    ]
    assert chart.show_values
    assert chart.legend == ()  # the title names the only series
    assert chart.table_head == ("Month", "Sent")
    assert chart.table_rows == (("Jan 2027", "3"), ("Feb 2027", "7"), ("Mar 2027", "0"))
    assert chart.description == (
        "Bar chart of requests sent, Jan 2027 to Mar 2027. Highest: 7 (Feb 2027). "
        "The table below gives the figures."
    )


def test_grouped_series_side_by_side_in_the_palette_order():
    chart = bar_chart(
        "Requests and their outcomes",
        ["Jan 2027", "Feb 2027"],
        [("Sent", [3, 7]), ("Accepted", [2, 5]), ("Declined", [1, 0])],
    )

    assert chart.axis_max == 8
    # 288 a month, 216 for the group, 72 a bar.
    assert [(b.label, b.series, b.x, b.y, b.width, b.height) for b in chart.bars] == [
        ("Jan 2027", "Sent", 84, 182, 72, 90),
        ("Jan 2027", "Accepted", 156, 212, 72, 60),
        ("Jan 2027", "Declined", 228, 242, 72, 30),
        ("Feb 2027", "Sent", 372, 62, 72, 210),
        ("Feb 2027", "Accepted", 444, 122, 72, 150),
        ("Feb 2027", "Declined", 516, 272, 72, 0),
    ]
    assert [(item.name, item.colour, item.outline) for item in chart.legend] == [
        ("Sent", NHS_BLUE, None),
        ("Accepted", NHS_WARM_YELLOW, NHS_BLACK),
        ("Declined", NHS_DARK_BLUE, None),
    ]
    assert chart.table_head == ("Month", "Sent", "Accepted", "Declined")
    assert chart.table_rows == (("Jan 2027", "3", "2", "1"), ("Feb 2027", "7", "5", "0"))
    assert "Bars for Sent, Accepted and Declined." in chart.description


def test_stacked_series_share_one_bar_and_the_axis_covers_the_totals():
    chart = bar_chart(
        "Sessions",
        ["Jan 2027", "Feb 2027"],
        [("Held", [6, 2]), ("Cancelled", [3, 1])],
        stacked=True,
    )

    assert chart.axis_max == 10  # the largest total is 9
    assert [(b.series, b.x, b.y, b.width, b.height) for b in chart.bars] == [
        ("Held", 84, 128, 216, 144),
        ("Cancelled", 84, 56, 216, 72),
        ("Held", 372, 224, 216, 48),
        ("Cancelled", 372, 200, 216, 24),
    ]
    assert not chart.show_values
    assert chart.description.startswith("Stacked bar chart of sessions")


def test_ratings_out_of_five_on_a_fixed_axis_with_their_unit():
    chart = bar_chart(
        "Feedback at the end",
        ["Useful", "Listened to"],
        [("Mentees", [4.25, None]), ("Mentors", [3.5, 5.0])],
        unit="out of 5",
        maximum=5,
        label_heading="Question",
    )

    assert chart.axis_max == 5
    assert [t.text for t in chart.ticks] == ["0", "1", "2", "3", "4", "5"]
    # No answers to one question from mentees: no bar, and the table says so.
    assert [(b.series, b.label, b.height, b.text) for b in chart.bars] == [
        ("Mentees", "Useful", 204, "4.2"),
        ("Mentors", "Useful", 168, "3.5"),
        ("Mentors", "Listened to", 240, "5.0"),
    ]
    assert chart.table_head == ("Question", "Mentees", "Mentors")
    assert chart.table_rows == (
        ("Useful", "4.2 out of 5", "3.5 out of 5"),
        ("Listened to", "No figure", "5.0 out of 5"),
    )


def test_answer_times_in_working_days_have_a_fractional_axis():
    chart = bar_chart(
        "Median working days to answer",
        MONTHS,
        [("Median", [0.5, 1.5, 0.0])],
        unit="working days",
    )

    assert chart.axis_max == 1.5
    assert [t.text for t in chart.ticks] == ["0", "0.5", "1", "1.5"]
    assert chart.table_rows[1] == ("Feb 2027", "1.5 working days")


@pytest.mark.parametrize(
    ("value", "unit", "text"),
    [
        (3, "", "3"),
        (1234, "", "1,234"),
        (4.25, "out of 5", "4.2 out of 5"),
        (2, "working days", "2 working days"),
        (40, "%", "40%"),
        (None, "out of 5", "No figure"),
    ],
)
def test_values_as_people_read_them(value, unit, text):
    assert format_value(value, unit) == text


@pytest.mark.parametrize(
    ("labels", "series"),
    [
        (MONTHS, [("Sent", [0, 0, 0]), ("Accepted", [0, 0, 0])]),
        ([], [("Sent", [])]),
        (MONTHS, []),
    ],
)
def test_no_data_draws_no_bars(labels, series):
    chart = bar_chart("Requests sent", labels, series)

    assert chart.empty
    assert chart.bars == ()
    assert NO_DATA in chart.description


def test_zeros_still_fill_the_table():
    chart = bar_chart("Requests sent", MONTHS, [("Sent", [0, 0, 0])])

    assert chart.table_rows == (("Jan 2027", "0"), ("Feb 2027", "0"), ("Mar 2027", "0"))
    assert [t.text for t in chart.ticks] == ["0", "1"]


def test_labels_wrap_to_two_lines_or_thin_out_when_months_are_many():
    year = [f"{month} 2027" for month in ("Jan", "Feb", "Mar", "Apr", "May", "Jun")] * 2
    chart = bar_chart("Sessions", year, [("Held", [1] * 12)])
    # 48 units a month: "Jan 2027" does not fit on one line, "Jan" and "2027" do.
    assert [label.lines for label in chart.x_labels[:2]] == [("Jan", "2027"), ("Feb", "2027")]

    five_years = year * 5
    chart = bar_chart("Sessions", five_years, [("Held", [1] * 60)])
    # 9.6 units a month: a "2027" is about 38 units wide, so one label in six (five
    # would do, but months read better in halves of a year).
    shown = [i for i, label in enumerate(chart.x_labels) if label.lines]
    assert shown == list(range(0, 60, 6))
    assert len(chart.table_rows) == 60  # the table has them all

    chart = bar_chart("Answers", ["0 working days", "5 or more"], [("Answered", [1, 2])])
    assert [label.lines for label in chart.x_labels] == [("0 working days",), ("5 or more",)]


def test_numbers_above_bars_only_where_they_fit():
    wide = bar_chart("Sent", MONTHS, [("Sent", [1234, 7, 0])])
    assert wide.show_values
    narrow = bar_chart("Sent", MONTHS * 4, [("Sent", [1234, 7, 0] * 4)])
    assert not narrow.show_values  # 36 units a bar; "1,234" needs about 42


def test_negative_values_are_refused():
    with pytest.raises(ValueError, match="negative"):
        bar_chart("Requests sent", MONTHS, [("Sent", [1, -2, 3])])


def test_a_series_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="'Sent' has 2 values for 3 labels"):
        bar_chart("Requests sent", MONTHS, [("Sent", [1, 2])])


def luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


PAGE = "#f0f4f5"  # NHS.UK's page background (grey-5); cards and tables are white


def test_every_bar_stands_out_from_the_page_and_from_its_neighbours():
    chart = bar_chart("Many", ["A"], [(str(i), [i + 1]) for i in range(len(PALETTE))])
    for bar in chart.bars:
        edge = OUTLINED.get(bar.colour, bar.colour)
        # WCAG 1.4.11, non-text contrast: the bar's edge against the page
        assert contrast(edge, PAGE) >= 3, bar
        assert contrast(edge, WHITE) >= 3, bar
        # and its edge against the bar beside it.
        assert contrast(bar.outline, bar.colour) >= 3 or bar.outline == OUTLINED.get(bar.colour)
    assert contrast(NHS_BLACK, NHS_WARM_YELLOW) >= 3


def test_text_in_the_drawing_has_enough_contrast():
    html = draw(bar_chart("Sent", MONTHS, [("Sent", [3, 7, 0])]))
    fills = {attributes["fill"] for attributes in Markup(html).all("text")}
    assert fills == {"#4c6272", NHS_BLACK}
    for fill in fills:
        assert contrast(fill, PAGE) >= 4.5  # WCAG 1.4.3, AA
        assert contrast(fill, WHITE) >= 4.5


# --- Markup --------------------------------------------------------------------------


def test_the_drawing_and_the_table_give_the_same_figures():
    chart = bar_chart(
        "Requests and their outcomes",
        ["Jan 2027", "Feb 2027"],
        [("Sent", [3, 7]), ("Accepted", [2, 5])],
    )
    html = draw(chart, "requests-per-month")
    markup = Markup(html)

    [figure] = markup.all("figure")
    assert figure["id"] == "requests-per-month"
    svg = markup.all("svg")[0]
    assert svg["role"] == "img"
    assert svg["viewbox"] == "0 0 640 320"
    assert svg["width"] == "100%"
    assert "height" not in svg  # follows the width, keeping the shape
    assert svg["aria-labelledby"] == "requests-per-month-svg-title requests-per-month-svg-desc"
    assert re.search(
        r'<title id="requests-per-month-svg-title">Requests and their outcomes</title>', html
    )
    assert re.search(
        r'<desc id="requests-per-month-svg-desc">Bar chart of requests and their outcomes, '
        r"Jan 2027 to Feb 2027\. Bars for Sent and Accepted\. "
        r"The table below gives the figures\.</desc>",
        html,
    )
    assert "<figcaption" in html
    assert "Requests and their outcomes</figcaption>" in html

    bars = [r for r in markup.all("rect") if r["height"] != "15"]  # not the key's swatches
    assert [(r["x"], r["y"], r["width"], r["height"], r["fill"]) for r in bars] == [
        ("84.0", "182.0", "108.0", "90.0", NHS_BLUE),
        ("192.0", "212.0", "108.0", "60.0", NHS_WARM_YELLOW),
        ("372.0", "62.0", "108.0", "210.0", NHS_BLUE),
        ("480.0", "122.0", "108.0", "150.0", NHS_WARM_YELLOW),
    ]
    # Tick labels, the values above the bars, then the months.
    assert markup.texts == ["0", "2", "4", "6", "8", "3", "2", "7", "5", "Jan 2027", "Feb 2027"]
    # The key, then the table with the same numbers.
    assert "Sent</li>" in html
    assert "Accepted</li>" in html
    assert markup.rows == [
        ["Month", "Sent", "Accepted"],
        ["Jan 2027", "3", "2"],
        ["Feb 2027", "7", "5"],
    ]
    assert [th.get("scope") for th in markup.all("th")] == ["col", "col", "col", "row", "row"]
    assert "Requests and their outcomes: the figures" in html  # the table's caption
    assert 'class="nhsuk-table' in html


def test_no_style_attribute_and_no_script():
    # The Content-Security-Policy allows styles from our stylesheet only, and the chart
    # must read without JavaScript.
    charts = [
        bar_chart("One", MONTHS, [("Sent", [3, 7, 0])]),
        bar_chart("Several", MONTHS, [("A", [1, 2, 3]), ("B", [3, 2, 1])], stacked=True),
        bar_chart("None", MONTHS, [("Sent", [0, 0, 0])]),
    ]
    for chart in charts:
        html = draw(chart)
        assert not any("style" in attributes for _, attributes in Markup(html).tags)
        assert "style=" not in html
        assert "<script" not in html.lower()
        assert "<style" not in html.lower()


def test_no_data_says_so_and_the_table_keeps_the_zeros():
    html = draw(bar_chart("Requests sent", MONTHS, [("Sent", [0, 0, 0])]))
    markup = Markup(html)

    assert NO_DATA in markup.texts
    assert not markup.all("rect")
    assert markup.rows[1:] == [["Jan 2027", "0"], ["Feb 2027", "0"], ["Mar 2027", "0"]]


def test_no_labels_draws_the_message_and_no_empty_table():
    html = draw(bar_chart("Requests sent", [], [("Sent", [])]))

    assert NO_DATA in Markup(html).texts
    assert "<table" not in html


def test_text_in_the_chart_is_escaped():
    html = draw(bar_chart("Trusts <b>", ["A & B"], [("<i>", [1])]))

    assert "<b>" not in html
    assert "<i>" not in html
    assert "Trusts &lt;b&gt;" in html
    assert "A &amp; B" in html
