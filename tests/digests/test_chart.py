"""The digest's chart: a real PNG whose embedded series are read back from what was plotted."""

from __future__ import annotations

import io
import json
from datetime import datetime

from PIL import Image

from bot.digest_parts import DigestPart, Series
from cogs.digests.chart import SERIES_KEY, activity_chart
from tests.digests.render_samples import digest, series

ACTIVITY = (
    series("activity", "Forum", "posts", [12, 30, 7, 0, 4, 9, 15]),
    series("activity", "Discord #governance", "messages", [40, 22, 61, 8, 0, 13, 27]),
)
FLOWS = (
    series("flows", "Main Safe · USDC", "USDC", [0, 25000, -12000.5, 0, 0, -3000, 0]),
    series("flows", "Grants Safe · ETH", "ETH", [1.5, 0, 0, -0.25, 0, 0, 2]),
)


def png(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    assert image.format == "PNG"
    return image


def embedded(image: Image.Image, *, colours: bool = False) -> dict[str, list[dict[str, object]]]:
    """The series the PNG says it plotted (without their colours unless asked)."""
    loaded: dict[str, list[dict[str, object]]] = json.loads(image.info[SERIES_KEY])
    if colours:
        return loaded
    return {
        chart: [{k: v for k, v in s.items() if k != "colour"} for s in shown]
        for chart, shown in loaded.items()
    }


def expected(shown: tuple[Series, ...]) -> list[dict[str, object]]:
    return [
        {
            "label": s.label,
            "unit": s.unit,
            "points": [[at.isoformat(), value] for at, value in s.points],
        }
        for s in shown
    ]


def test_the_chart_is_a_png_whose_series_match_the_data() -> None:
    data = activity_chart(digest(DigestPart("test", series=ACTIVITY + FLOWS)))
    assert data is not None
    image = png(data)
    assert image.size == (1000, 910)
    plotted = embedded(image)
    assert plotted["activity"] == expected(ACTIVITY)
    assert plotted["flows"] == expected(FLOWS)
    # Money out is below zero.
    assert min(point[1] for point in plotted["flows"][0]["points"]) == -12000.5  # type: ignore[index]


def test_a_panel_without_data_is_left_out() -> None:
    data = activity_chart(digest(DigestPart("test", series=ACTIVITY)))
    assert data is not None
    image = png(data)
    assert image.size == (1000, 430)
    assert set(embedded(image)) == {"activity"}
    flows_only = activity_chart(
        digest(DigestPart("t", series=(*FLOWS, Series("activity", "x", "posts", ()))))
    )
    assert flows_only is not None and set(embedded(png(flows_only))) == {"flows"}


def test_flows_get_a_panel_per_unit_the_units_that_moved_most() -> None:
    units = tuple(
        series("flows", f"Main Safe · {unit}", unit, [moved, -moved / 2])
        for unit, moved in (("DAI", 10.0), ("USDC", 90000.0), ("ETH", 30.0), ("WBTC", 0.5))
    )
    data = activity_chart(digest(DigestPart("test", series=units)))
    assert data is not None
    plotted = embedded(png(data))
    assert [s["unit"] for s in plotted["flows"]] == ["USDC", "ETH", "DAI"]
    assert plotted["flows"] == expected(units[1:2] + units[2:3] + units[0:1])


def test_a_days_flows_are_stacked_and_read_back_per_series() -> None:
    safes = (
        series("flows", "Main Safe", "USDC", [100.25, -40.0, 0.1]),
        series("flows", "Grants Safe", "USDC", [50.0, -60.5, 0.2]),
        series("flows", "Ops Safe", "USDC", [-5.0, 30.0, 0.3]),
    )
    data = activity_chart(digest(DigestPart("test", series=safes)))
    assert embedded(png(data or b""))["flows"] == expected(safes)


def test_a_safe_keeps_its_colour_and_twelve_safes_get_twelve() -> None:
    safes = tuple(series("flows", f"Safe {n}", "USDC", [100.0 * (n + 1)]) for n in range(12))
    grants_eth = series("flows", "Safe 3", "ETH", [-2.0])
    data = activity_chart(digest(DigestPart("test", series=(*safes, grants_eth))))
    plotted = embedded(png(data or b""), colours=True)["flows"]
    colour = {(s["label"], s["unit"]): s["colour"] for s in plotted}
    assert len({colour[(f"Safe {n}", "USDC")] for n in range(12)}) == 12
    assert colour[("Safe 3", "ETH")] == colour[("Safe 3", "USDC")]


def test_points_a_chart_cannot_place_are_left_out() -> None:
    broken = series("activity", "Forum", "posts", [float("nan"), 3.0, float("inf")])
    plotted = embedded(png(activity_chart(digest(DigestPart("t", series=(broken,)))) or b""))
    assert [value for _, value in plotted["activity"][0]["points"]] == [3.0]  # type: ignore[attr-defined]


def test_no_series_no_chart() -> None:
    assert activity_chart(digest(DigestPart("test"))) is None
    empty = Series("flows", "Main Safe · USDC", "USDC", ())
    assert activity_chart(digest(DigestPart("test", series=(empty,)))) is None


def test_the_chart_is_deterministic() -> None:
    d = digest(DigestPart("test", series=ACTIVITY + FLOWS))
    first = activity_chart(d)
    assert first == activity_chart(d)
    assert "Software" in png(first or b"").info


def test_thirty_days_of_many_series_are_all_drawn() -> None:
    many = tuple(
        series(
            "flows", f"Safe {n} · USDC", "USDC", [((d * 7 + n) % 11 - 5) * 100.0 for d in range(30)]
        )
        for n in range(10)
    ) + tuple(
        series("activity", f"Source {n}", "posts", [float(d % 9) for d in range(30)])
        for n in range(5)
    )
    d = digest(DigestPart("test", series=many))
    # Thirty days of ten Safes and five sources: the benchmark's community (bench/digest.py).
    data = activity_chart(d)
    plotted = embedded(png(data or b""))
    assert len(plotted["flows"]) == 10 and all(len(s["points"]) == 30 for s in plotted["flows"])  # type: ignore[arg-type]
    assert isinstance(datetime.fromisoformat(str(plotted["flows"][0]["points"][0][0])), datetime)  # type: ignore[index]
