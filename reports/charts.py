"""Bar charts drawn on the server: every number the SVG needs, worked out here.

The template (templates/jinja2/reports/charts.jinja) only copies these numbers into
SVG attributes, so a chart reads without JavaScript and needs no inline style (the
Content-Security-Policy allows styles from our own stylesheet only). Each chart carries
the same figures as table rows, shown under the drawing for anyone who cannot see it.

The colours are NHS.UK frontend's palette (node_modules/nhsuk-frontend, core/settings/
_colours-palette.scss). Every bar colour but warm yellow has at least 3:1 contrast with
the page (WCAG 1.4.11); warm yellow bars get a dark outline that has it. Other bars get
a thin white edge, so that two dark bars side by side (dark blue and green) stay apart.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

Number = int | float | Decimal

NHS_BLUE = "#005eb8"
NHS_DARK_BLUE = "#003087"
NHS_WARM_YELLOW = "#ffb81c"
NHS_GREY_1 = "#4c6272"  # "dark grey" before v10 was #425563; v10 calls it grey-1
NHS_GREEN = "#007f3b"  # v10's NHS green; the older #009639 is too pale for 3:1 on white
NHS_PURPLE = "#330072"
NHS_DARK_PINK = "#7c2855"
NHS_BLACK = "#212b32"  # NHS.UK text colour
NHS_GREY_4 = "#d8dde0"  # NHS.UK border colour, used for the grid lines

# Series colours in the order series are given. Neighbours differ in lightness as well
# as hue, so grouped bars stay apart for people who see colours differently.
PALETTE: tuple[str, ...] = (
    NHS_BLUE,
    NHS_WARM_YELLOW,
    NHS_DARK_BLUE,
    NHS_GREEN,
    NHS_PURPLE,
    NHS_GREY_1,
    NHS_DARK_PINK,
)
# Colours too light to stand out against the page on their own get this outline.
OUTLINED = {NHS_WARM_YELLOW: NHS_BLACK}
WHITE = "#ffffff"  # the edge of every other bar

NO_DATA = "No data for this period"

# The drawing's own units (the SVG viewBox); the page scales it to its width.
WIDTH = 640
HEIGHT = 320
MARGIN_LEFT = 48  # room for the tick labels
MARGIN_RIGHT = 16
MARGIN_TOP = 32  # room for a value written above the tallest bar
MARGIN_BOTTOM = 48  # room for two lines of label under each group
GROUP_SHARE = 0.75  # of each label's slot, the rest is the gap between groups
MAX_INTERVALS = 5  # at most this many steps between ticks
FONT_SIZE = 16  # ticks and labels, in the drawing's units (16 px at its widest)
VALUE_FONT_SIZE = 14  # the number above each bar
LINE_HEIGHT = 18
# A generous average width of a character, as a share of the font size, to tell
# whether a text fits (Frutiger and Arial average nearer 0.5).
CHARACTER_WIDTH = 0.6


@dataclass(frozen=True)
class Tick:
    value: float
    y: float
    text: str


@dataclass(frozen=True)
class XLabel:
    x: float
    y: float
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Bar:
    label: str
    series: str
    value: Number
    text: str  # the value as people read it, with its unit
    x: float
    y: float
    width: float
    height: float
    colour: str
    outline: str
    text_x: float  # where the value is written, above the bar
    text_y: float


@dataclass(frozen=True)
class LegendItem:
    name: str
    colour: str
    outline: str | None


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    unit: str
    stacked: bool
    width: int
    height: int
    plot_left: float
    plot_top: float
    plot_right: float
    plot_bottom: float
    axis_max: float
    ticks: tuple[Tick, ...]
    x_labels: tuple[XLabel, ...]
    bars: tuple[Bar, ...]
    legend: tuple[LegendItem, ...]
    show_values: bool
    font_size: int
    value_font_size: int
    line_height: int
    empty: bool
    empty_message: str
    table_head: tuple[str, ...]
    table_rows: tuple[tuple[str, ...], ...]

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"


def nice_step(largest: float, *, whole: bool = True, intervals: int = MAX_INTERVALS) -> float:
    """The smallest of 1, 2, 5, 10, 20, 50 … (0.1, 0.2, 0.5 … for fractions) that
    covers `largest` in at most `intervals` steps; whole numbers only for counts."""
    if largest <= 0:
        return 1
    exponent = math.floor(math.log10(largest / intervals))
    if whole:
        exponent = max(exponent, 0)
    while True:
        for mantissa in (1, 2, 5):
            step = mantissa * 10.0**exponent
            if math.ceil(round(largest / step, 9)) <= intervals:
                return int(step) if step >= 1 else round(step, 12)
        exponent += 1


def nice_axis(largest: float, *, whole: bool = True) -> tuple[float, list[float]]:
    """The top of the axis and its ticks from 0: the nice step repeated until it reaches
    the largest value (values [3, 7, 0] give 0, 2, 4, 6, 8)."""
    step = nice_step(largest, whole=whole)
    count = max(1, math.ceil(round(largest / step, 9)))
    ticks = [_tidy(step * i) for i in range(count + 1)]
    return ticks[-1], ticks


def fixed_axis(maximum: float) -> tuple[float, list[float]]:
    step = nice_step(maximum, whole=float(maximum).is_integer())
    count = max(1, math.ceil(round(maximum / step, 9)))
    return maximum, [_tidy(min(step * i, maximum)) for i in range(count + 1)]


def format_value(value: Number | None, unit: str = "") -> str:
    """3 → "3", 1234 → "1,234", 4.24 → "4.2" (one decimal for anything not whole);
    with a unit: "4.2 out of 5", "12 working days", "40%"."""
    if value is None:
        return "No figure"
    text = f"{value:,}" if isinstance(value, int) else f"{float(value):,.1f}"
    if not unit:
        return text
    if unit.startswith("%"):
        return text + unit
    return f"{text} {unit}"


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number | None]]],
    *,
    unit: str = "",
    stacked: bool = False,
    maximum: Number | None = None,
    label_heading: str = "Month",
) -> "Chart":
    """A bar chart with one group of bars per label, one bar per series (or one stacked
    bar per label). `maximum` fixes the top of the axis (ratings out of 5); otherwise it
    is the nice number just above the largest value. `label_heading` heads the table's
    first column (the labels: months, questions…). A value of None is "no figure":
    no bar, and the table says so. With no labels, or nothing above zero, the drawing
    says there is no data instead of drawing bars; the table still gives the zeros."""
    labels = [str(label) for label in labels]
    for name, values in series:
        if len(values) != len(labels):
            raise ValueError(f"Series {name!r} has {len(values)} values for {len(labels)} labels")
    colours = [PALETTE[i % len(PALETTE)] for i in range(len(series))]
    if any(v is not None and v < 0 for _, values in series for v in values):
        raise ValueError("Bar charts here start at 0: no value may be negative")
    whole = all(isinstance(v, int) for _, values in series for v in values if v is not None)

    if stacked:
        heights = [sum(float(values[i] or 0) for _, values in series) for i in range(len(labels))]
    else:
        heights = [float(v) for _, values in series for v in values if v is not None]
    largest = max(heights, default=0.0)
    empty = not labels or largest <= 0

    if maximum is not None:
        axis_max, tick_values = fixed_axis(float(maximum))
    else:
        axis_max, tick_values = nice_axis(largest, whole=whole)

    left, top = float(MARGIN_LEFT), float(MARGIN_TOP)
    right, bottom = float(WIDTH - MARGIN_RIGHT), float(HEIGHT - MARGIN_BOTTOM)
    plot_height = bottom - top

    def y_of(value: float) -> float:
        return _round(bottom - plot_height * min(value, axis_max) / axis_max)

    ticks = tuple(Tick(value=v, y=y_of(v), text=format_value(_as_number(v))) for v in tick_values)

    slot = (right - left) / len(labels) if labels else 0.0
    group_width = slot * GROUP_SHARE
    bar_width = group_width if stacked or not series else group_width / len(series)
    bars: list[Bar] = []
    if not empty:
        for i, label in enumerate(labels):
            group_left = left + slot * i + (slot - group_width) / 2
            base = 0.0
            for s, (name, values) in enumerate(series):
                value = values[i]
                if value is None:
                    continue
                amount = float(value)
                if stacked:
                    x, low, high = group_left, base, base + amount
                    base = high
                else:
                    x, low, high = group_left + bar_width * s, 0.0, amount
                y = y_of(high)
                bars.append(
                    Bar(
                        label=label,
                        series=name,
                        value=value,
                        text=format_value(value),
                        x=_round(x),
                        y=y,
                        width=_round(bar_width),
                        height=_round(y_of(low) - y),
                        colour=colours[s],
                        outline=OUTLINED.get(colours[s], WHITE),
                        text_x=_round(x + bar_width / 2),
                        text_y=_round(y - 6),
                    )
                )

    wrapped = [_label_lines(label, slot) for label in labels]
    # Labels too wide for their slot (five years of months) are shown one in `every`.
    widest = max((_text_width(line, FONT_SIZE) for lines in wrapped for line in lines), default=0)
    needed = max(1, math.ceil((widest + 8) / slot)) if slot else 1
    # In steps that suit months: every 2, 3, 4 or 6, or whole years of them.
    every = next(n for n in (1, 2, 3, 4, 6, *range(12, 12 * (needed + 1), 12)) if n >= needed)
    x_labels = tuple(
        XLabel(
            x=_round(left + slot * i + slot / 2),
            y=bottom + LINE_HEIGHT + 2,
            lines=tuple(lines) if i % every == 0 else (),
        )
        for i, lines in enumerate(wrapped)
    )
    names = [name for name, _ in series]
    legend = (
        tuple(
            LegendItem(name=name, colour=colour, outline=OUTLINED.get(colour))
            for name, colour in zip(names, colours, strict=True)
        )
        if len(series) > 1
        else ()
    )
    table_head = (label_heading, *names)
    table_rows = tuple(
        (label, *(format_value(values[i], unit) for _, values in series))
        for i, label in enumerate(labels)
    )
    return Chart(
        title=title,
        description=_describe(title, labels, series, unit=unit, stacked=stacked, empty=empty),
        unit=unit,
        stacked=stacked,
        width=WIDTH,
        height=HEIGHT,
        plot_left=left,
        plot_top=top,
        plot_right=right,
        plot_bottom=bottom,
        axis_max=_tidy(axis_max),
        ticks=ticks,
        x_labels=x_labels,
        bars=tuple(bars),
        legend=legend,
        show_values=not stacked
        and all(_text_width(bar.text, VALUE_FONT_SIZE) <= bar_width - 2 for bar in bars),
        font_size=FONT_SIZE,
        value_font_size=VALUE_FONT_SIZE,
        line_height=LINE_HEIGHT,
        empty=empty,
        empty_message=NO_DATA,
        table_head=table_head,
        table_rows=table_rows,
    )


def _describe(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number | None]]],
    *,
    unit: str,
    stacked: bool,
    empty: bool,
) -> str:
    kind = "Stacked bar chart" if stacked else "Bar chart"
    parts = [f"{kind} of {title[:1].lower() + title[1:]}"]
    if labels:
        parts[0] += f", {labels[0]} to {labels[-1]}" if len(labels) > 1 else f", {labels[0]}"
    parts[0] += "."
    if empty:
        parts.append(f"{NO_DATA}.")
    elif len(series) > 1:
        parts.append(f"Bars for {_and_list([name for name, _ in series])}.")
    elif len(series) == 1:
        values = series[0][1]
        known = [(v, label) for v, label in zip(values, labels, strict=True) if v is not None]
        if known:
            top, where = max(known, key=lambda pair: float(pair[0]))
            parts.append(f"Highest: {format_value(top, unit)} ({where}).")
    parts.append("The table below gives the figures.")
    return " ".join(parts)


def _and_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _label_lines(label: str, room: float) -> list[str]:
    """A label on one line if it fits its slot, else on two, split at the space that
    keeps the longer line shortest ("Jan 2027" → Jan / 2027)."""
    words = label.split()
    if len(words) < 2 or _text_width(label, FONT_SIZE) <= room - 4:
        return [label]
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    return list(min(splits, key=lambda lines: max(len(line) for line in lines)))


def _text_width(text: str, font_size: int) -> float:
    return len(text) * font_size * CHARACTER_WIDTH


def _as_number(value: float) -> Number:
    return int(value) if float(value).is_integer() else value


def _tidy(value: float) -> float:
    """Ticks of 0.1 steps without floating-point dust (0.30000000000000004)."""
    return _as_number(round(value, 9))  # type: ignore[return-value]


def _round(value: float) -> float:
    return round(value, 2)
