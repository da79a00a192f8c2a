"""The digest's chart: activity per source per day, and the treasury's flows per Safe and token.

matplotlib is imported when a chart is drawn, never when the bot starts. The PNG carries the
points it plots, read back from the plot itself, as JSON in a tEXt chunk ("Steward-Series"), so
a test can check that the picture shows the data without reading pixels. The x axis is days
since the Unix epoch; each day is drawn in the middle of its slot and labelled with its date in
the reader's zone.
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.digest_parts import Series
from cogs.digests.digest import Digest
from cogs.digests.markdown import community, period, safe_text, zone

if TYPE_CHECKING:
    from matplotlib.artist import Artist
    from matplotlib.axes import Axes

    # What a panel drew: its series read back from the plot, and the legend's entries.
    _Drawn = tuple[list[dict[str, Any]], list[Artist]]

SERIES_KEY = "Steward-Series"
WIDTH_INCHES, DPI = 10.0, 100  # 1000 pixels wide
PANEL_INCHES = {"activity": 3.0, "flows": 2.4}  # at least: a panel grows with its legend
TITLE_INCHES = 0.75
LEGEND_INCHES = 0.2
BOTTOM_INCHES = 0.55
LABEL_CHARS = 34
DATE_LABELS = 10  # at most this many dates on the axis
MAX_UNITS = 3  # flows panels: the units with the most money moved; the rest are in digest.md
_DAY = 86400.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def activity_chart(digest: Digest) -> bytes | None:
    """The chart as PNG bytes; None when no part gave series. A panel without data is left out."""
    panels = _panels(digest)
    if not panels:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    sizes = [max(PANEL_INCHES[c], 0.6 + LEGEND_INCHES * len(s)) for c, _, s in panels]
    height = sum(sizes) + TITLE_INCHES + BOTTOM_INCHES
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    grid = {"height_ratios": sizes, "hspace": 0.35}
    axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False, gridspec_kw=grid)[:, 0]
    plotted: dict[str, list[dict[str, Any]]] = {}
    # A Safe keeps its colour in every unit's panel.
    safes = dict.fromkeys(
        s.label for chart, _, series in panels if chart == "flows" for s in series
    )
    colours = _palette(list(safes))
    for ax, (chart, name, series) in zip(axes, panels, strict=True):
        if chart == "flows":
            drawn, handles = _stacked(ax, series, colours)
        else:
            drawn, handles = _lines(ax, series)
        plotted.setdefault(chart, []).extend(drawn)
        _style(ax, name, handles)
    _date_axis(axes[-1], digest, [s for _, _, series in panels for s in series])
    figure.suptitle(
        f"{community(digest)} · {period(digest)}", fontsize=12, x=0.015, y=0.99, ha="left", va="top"
    )
    # A fixed layout: measuring every label to fit them (tight_layout) doubles the drawing time.
    figure.subplots_adjust(
        left=0.07, right=0.74, bottom=BOTTOM_INCHES / height, top=1 - TITLE_INCHES / height
    )
    out = io.BytesIO()
    metadata = {SERIES_KEY: json.dumps(plotted, sort_keys=True), "Software": "Steward"}
    figure.savefig(out, format="png", dpi=DPI, metadata=metadata, pil_kwargs={"compress_level": 1})
    return out.getvalue()


def _panels(digest: Digest) -> list[tuple[str, str, list[Series]]]:
    """Activity in one panel; flows in one panel per unit (amounts in USDC and ETH do not share
    an axis), the units that moved most first."""
    panels: list[tuple[str, str, list[Series]]] = []
    activity = [s for s in map(_finite, digest.series("activity")) if s.points]
    if activity:
        panels.append(("activity", "Activity per source, per day", activity))
    by_unit: dict[str, list[Series]] = {}
    for s in map(_finite, digest.series("flows")):
        if s.points:
            by_unit.setdefault(s.unit, []).append(s)
    moved = sorted(
        by_unit.items(), key=lambda pair: -sum(abs(v) for s in pair[1] for _, v in s.points)
    )
    for unit, series in moved[:MAX_UNITS]:
        name = f"Treasury flows, {safe_text(unit) or 'amount'} per day: in above zero, out below"
        panels.append(("flows", name, series))
    return panels


def _lines(ax: Axes, series: list[Series]) -> _Drawn:
    import numpy
    from matplotlib.colors import to_hex

    plotted = []
    handles: list[Artist] = []
    for s in series:
        xs = [_x(at) for at, _ in s.points]
        ys = [value for _, value in s.points]
        (line,) = ax.plot(xs, ys, marker="o", markersize=3.5, linewidth=1.8, label=_label(s))
        drawn: list[list[float]] = numpy.asarray(line.get_xydata(), dtype=float).tolist()
        plotted.append(_read_back(s, [(x, y) for x, y in drawn], to_hex(line.get_color())))
        handles.append(line)
    ax.set_ylim(bottom=0, top=max(1.0, ax.get_ylim()[1]))  # a quiet week is not 0 to 0.05
    return plotted, handles


def _stacked(ax: Axes, series: list[Series], colours: dict[str, str]) -> _Drawn:
    """Each day's flows stacked, in upward and out downward from zero: one collection of
    rectangles for the panel (a patch per bar is ten times slower to draw)."""
    import numpy
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_hex
    from matplotlib.patches import Patch

    above: dict[float, float] = {}
    below: dict[float, float] = {}
    width = 0.7
    boxes: list[list[tuple[float, float]]] = []
    faces: list[str] = []
    for s in series:
        for at, value in s.points:
            x = _x(at)
            stack = above if value >= 0 else below
            base = stack.get(x, 0.0)
            stack[x] = base + value
            left, right = x - width / 2, x + width / 2
            boxes.append([(left, base), (left, base + value), (right, base + value), (right, base)])
            faces.append(colours[s.label])
    bars = PolyCollection(boxes, facecolors=faces, edgecolors="white", linewidths=0.4)
    ax.add_collection(bars)
    ax.set_ymargin(0.08)
    ax.autoscale_view()
    if not any(value for s in series for _, value in s.points):
        ax.set_ylim(-1.0, 1.0)  # a quiet week is not -0.05 to 0.05
    ax.axhline(0, color="#444444", linewidth=0.8)
    handles: list[Artist] = [
        # The panel's title names the unit.
        Patch(facecolor=colours[s.label], label=_label(s, unit=False))
        for s in series
    ]
    corners = [numpy.asarray(path.vertices, dtype=float) for path in bars.get_paths()]
    fills: list[list[float]] = numpy.asarray(bars.get_facecolor(), dtype=float).tolist()
    plotted = []
    first = 0
    for s in series:
        drawn = corners[first : first + len(s.points)]
        points = [((c[0, 0] + c[2, 0]) / 2, c[1, 1] - c[0, 1]) for c in drawn]
        red, green, blue, alpha = fills[first]
        colour = to_hex((red, green, blue, alpha))
        plotted.append(_read_back(s, [(float(x), float(y)) for x, y in points], colour))
        first += len(s.points)
    return plotted, handles


def _style(ax: Axes, name: str, handles: list[Artist]) -> None:
    from matplotlib.ticker import FuncFormatter

    # A fixed place: placing a title clear of the ticks measures every tick label.
    ax.set_title(name, fontsize=10, loc="left", fontweight="bold", y=1.02)
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: _compact(value)))
    ax.tick_params(labelsize=8)
    ax.legend(
        handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
    )


def _date_axis(ax: Axes, digest: Digest, series: list[Series]) -> None:
    """A label under each day that has data (every few days when there are many), the day's
    date in the reader's zone."""
    days = sorted({at for s in series for at, _ in s.points})
    step = -(-len(days) // DATE_LABELS)
    shown = days[::step]
    ax.set_xticks(
        [_x(day) for day in shown],
        [_day_label(day + timedelta(hours=12), digest) for day in shown],
    )
    ax.set_xlim(_x(days[0]) - 0.6, _x(days[-1]) + 0.6)


def _day_label(moment: datetime, digest: Digest) -> str:
    local = moment.astimezone(zone(digest))
    return f"{local:%a}\n{local.day} {local:%b}"


def _x(at: datetime) -> float:
    """A day's place on the axis: its start, in days since the epoch, plus half a day."""
    return (at - _EPOCH).total_seconds() / _DAY + 0.5


def _read_back(s: Series, points: list[tuple[float, float]], colour: str) -> dict[str, Any]:
    """A series as plotted: its label and unit, its colour, and each point's day (UTC, to the
    second) and value, from the coordinates and colours the plot holds."""

    def moment(x: float) -> str:
        seconds = round((x - 0.5) * _DAY)
        return (_EPOCH + timedelta(seconds=seconds)).isoformat()

    values = [[moment(x), round(y, 6)] for x, y in points]
    return {"label": s.label, "unit": s.unit, "colour": colour, "points": values}


def _finite(s: Series) -> Series:
    """A series without the points a chart cannot place (NaN, infinity)."""
    points = tuple((at, value) for at, value in s.points if math.isfinite(value))
    return s if len(points) == len(s.points) else replace(s, points=points)


def _palette(labels: list[str]) -> dict[str, str]:
    """A colour per label; twenty distinct ones when ten are not enough."""
    if len(labels) <= 10:
        return {label: f"C{index}" for index, label in enumerate(labels)}
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    colours = [to_hex(c) for c in colormaps["tab20"].colors]  # type: ignore[attr-defined]
    return {label: colours[index % 20] for index, label in enumerate(labels)}


def _label(s: Series, *, unit: bool = True) -> str:
    label = safe_text(s.label)
    if unit and s.unit and s.unit.lower() not in label.lower():
        label = f"{label} ({s.unit})"
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _compact(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"
