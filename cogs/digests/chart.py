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
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.digest_parts import Series
from cogs.digests.digest import Digest
from cogs.digests.markdown import community, period, safe_text, zone

if TYPE_CHECKING:
    from matplotlib.axes import Axes

SERIES_KEY = "Steward-Series"
WIDTH_INCHES, PANEL_INCHES, DPI = 10.0, 3.0, 100  # 1000 pixels wide, 300 high per panel
TITLE_INCHES = 0.75
BOTTOM_INCHES = 0.55
LABEL_CHARS = 34
DATE_LABELS = 10  # at most this many dates on the axis
_PANELS = (("activity", "Activity per source, per day"), ("flows", "Treasury: in and out per day"))
_DAY = 86400.0
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def activity_chart(digest: Digest) -> bytes | None:
    """The chart as PNG bytes; None when no part gave series. A panel without data is left out."""
    panels = [
        (chart, name, [s for s in digest.series(chart) if s.points]) for chart, name in _PANELS
    ]
    panels = [panel for panel in panels if panel[2]]
    if not panels:
        return None
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    height = PANEL_INCHES * len(panels) + TITLE_INCHES + BOTTOM_INCHES
    figure = Figure(figsize=(WIDTH_INCHES, height), dpi=DPI)
    FigureCanvasAgg(figure)
    axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    plotted: dict[str, list[dict[str, Any]]] = {}
    for ax, (chart, name, series) in zip(axes, panels, strict=True):
        plotted[chart] = (_bars if chart == "flows" else _lines)(ax, series)
        _style(ax, name)
    _date_axis(axes[-1], digest, [s for _, _, series in panels for s in series])
    figure.suptitle(
        f"{community(digest)} · {period(digest)}", fontsize=12, x=0.015, y=0.99, ha="left", va="top"
    )
    # A fixed layout: measuring every label to fit them (tight_layout) doubles the drawing time.
    figure.subplots_adjust(
        left=0.07,
        right=0.74,
        bottom=BOTTOM_INCHES / height,
        top=1 - TITLE_INCHES / height,
        hspace=0.35,
    )
    out = io.BytesIO()
    metadata = {SERIES_KEY: json.dumps(plotted, sort_keys=True), "Software": "Steward"}
    figure.savefig(out, format="png", dpi=DPI, metadata=metadata, pil_kwargs={"compress_level": 1})
    return out.getvalue()


def _lines(ax: Axes, series: list[Series]) -> list[dict[str, Any]]:
    import numpy

    plotted = []
    for s in series:
        xs = [_x(at) for at, _ in s.points]
        ys = [value for _, value in s.points]
        (line,) = ax.plot(xs, ys, marker="o", markersize=3.5, linewidth=1.8, label=_label(s))
        drawn: list[list[float]] = numpy.asarray(line.get_xydata(), dtype=float).tolist()
        plotted.append(_read_back(s, [(x, y) for x, y in drawn]))
    ax.set_ylim(bottom=0)
    return plotted


def _bars(ax: Axes, series: list[Series]) -> list[dict[str, Any]]:
    """Bars side by side per day, money out below zero: one collection of rectangles per series
    (a patch per bar is ten times slower to draw). Amounts in several units that differ by
    orders of magnitude (USDC and ETH) share a symmetric log scale, so none is flattened."""
    import numpy
    from matplotlib.collections import PolyCollection

    plotted = []
    width = 0.8 / len(series)
    for index, s in enumerate(series):
        offset = (index - (len(series) - 1) / 2) * width
        boxes = [
            [(x, 0.0), (x, value), (x + width, value), (x + width, 0.0)]
            for x, value in ((_x(at) + offset - width / 2, value) for at, value in s.points)
        ]
        colour = f"C{index % 10}"
        bars = PolyCollection(boxes, facecolors=colour, edgecolors="none", label=_label(s))
        ax.add_collection(bars)
        corners = [numpy.asarray(path.vertices, dtype=float) for path in bars.get_paths()]
        points = [(float(c[0, 0]) + width / 2 - offset, float(c[1, 1])) for c in corners]
        plotted.append(_read_back(s, points))
    ax.autoscale_view()
    ax.axhline(0, color="#444444", linewidth=0.8)
    peaks = [max(abs(v) for _, v in s.points) for s in series]
    peaks = [peak for peak in peaks if peak > 0]
    if peaks and max(peaks) / min(peaks) > 100:
        ax.set_yscale("symlog", linthresh=min(peaks))
        ax.set_ylabel("symmetric log scale", fontsize=8, color="#555555")
    return plotted


def _style(ax: Axes, name: str) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.set_title(name, fontsize=10, loc="left", fontweight="bold")
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: _compact(value)))
    ax.tick_params(labelsize=8)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)


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


def _read_back(s: Series, points: list[tuple[float, float]]) -> dict[str, Any]:
    """A series as plotted: its label and unit, and each point's day (UTC, to the second) and
    value, from the coordinates the plot holds."""

    def moment(x: float) -> str:
        seconds = round((x - 0.5) * _DAY)
        return (_EPOCH + timedelta(seconds=seconds)).isoformat()

    return {"label": s.label, "unit": s.unit, "points": [[moment(x), y] for x, y in points]}


def _label(s: Series) -> str:
    label = safe_text(s.label)
    if s.unit and s.unit.lower() not in label.lower():
        label = f"{label} ({s.unit})"
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def _compact(value: float) -> str:
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"
