"""Server-side SVG charts (matplotlib) with Chinese labels drawn as paths from Debian's Noto CJK font.

Glyphs become SVG paths (svg.fonttype "path"), so the page needs no web font and no internet; each bar
carries a link (matplotlib's set_url) to the tickets behind it.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")
from matplotlib import font_manager
from matplotlib.figure import Figure

CJK_FONT_FILE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
_COLOR = "#1f5f99"
_ALERT = "#c0392b"


def _font_family() -> list[str]:
    """Noto Sans CJK when installed (make install adds fonts-noto-cjk), then matplotlib's default."""
    names = {f.name for f in font_manager.fontManager.ttflist if "Noto Sans CJK" in f.name}
    preferred = [n for n in ("Noto Sans CJK SC", "Noto Sans CJK JP") if n in names]
    return [*preferred, "DejaVu Sans"]


def _svg(figure: Figure) -> str:
    """The figure as an inline SVG document (glyphs as paths)."""
    buffer = io.StringIO()
    # Fit the labels by layout rather than bbox_inches="tight", which draws the whole figure twice.
    figure.tight_layout()
    with matplotlib.rc_context({"svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg")
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    links: Sequence[str | None],
    title: str,
    horizontal: bool = True,
) -> str:
    """Bars with a link on each (drill-down); horizontal for categories, vertical for periods."""
    with matplotlib.rc_context({"font.family": _font_family(), "font.size": 9}):
        height = max(2.2, 0.28 * len(labels) + 0.8) if horizontal else 3.0
        # A bare Figure, not pyplot's: no global figure registry to update (and safe in threads).
        figure = Figure(figsize=(7.5, height))
        axes = figure.subplots()
        positions = list(range(len(labels)))
        if horizontal:
            bars = axes.barh(positions, values, color=_COLOR)
            axes.set_yticks(positions)
            axes.set_yticklabels(labels)
            axes.invert_yaxis()
        else:
            bars = axes.bar(positions, values, color=_COLOR)
            step = max(1, len(labels) // 12)
            axes.set_xticks(positions[::step])
            axes.set_xticklabels(list(labels)[::step], rotation=45, ha="right")
        for bar, link in zip(bars, links, strict=True):
            if link:
                bar.set_url(link)
        axes.set_title(title)
        axes.spines[["top", "right"]].set_visible(False)
        return _svg(figure)


def trend_chart(
    weeks: Sequence[str],
    counts: Sequence[int],
    expected: Sequence[float],
    title: str,
    legend: tuple[str, str],
) -> str:
    """Weekly counts of an alert's cell against the expected counts."""
    with matplotlib.rc_context({"font.family": _font_family(), "font.size": 9}):
        figure = Figure(figsize=(7.5, 2.8))
        axes = figure.subplots()
        positions = list(range(len(weeks)))
        axes.bar(positions, counts, color=_ALERT, label=legend[0])
        axes.plot(positions, expected, color="#333333", marker="o", markersize=3, label=legend[1])
        axes.set_xticks(positions[::2])
        axes.set_xticklabels(list(weeks)[::2], rotation=45, ha="right")
        axes.set_title(title)
        axes.legend(loc="upper left")
        axes.spines[["top", "right"]].set_visible(False)
        return _svg(figure)
