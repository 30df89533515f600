"""The backlog chart of `stats --chart` and `/stats` (DESIGN §12): a PNG readable on a phone.

Panel 1: units short by product (the top ones, the rest summed); panel 2: backordered lines by
days waiting. Labels come from the catalogs in the reader's language, numbers and dates from
babel. Rendered headless with matplotlib's Agg canvas (no display, no pyplot state).
"""

from __future__ import annotations

import html
import io
import os
import tempfile
from pathlib import Path

from bot.domain.stats import BacklogStats, WaitBucket
from bot.i18n import Translator

# Why: 1080 px is a phone screen's width in pixels; 4:5 is the tallest photo a chat shows whole.
WIDTH_PX = 1080
HEIGHT_PX = 1350
DPI = 100
TOP_PRODUCTS = 10
LABEL_CHARS = 24
_BAR = "#c0392b"
_OTHER = "#95a5a6"
_WAIT = "#2c7fb8"


def _configure_matplotlib() -> None:
    """Matplotlib's cache in a writable place of its own, so a read-only HOME works and the
    font cache is built once, not on every run."""
    if "MPLCONFIGDIR" not in os.environ:
        owner = os.getuid() if hasattr(os, "getuid") else "user"
        folder = Path(tempfile.gettempdir()) / f"backorder-bot-matplotlib-{owner}"
        folder.mkdir(mode=0o700, exist_ok=True)
        os.environ["MPLCONFIGDIR"] = str(folder)


_configure_matplotlib()

from matplotlib.axes import Axes  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402


def render_chart(stats: BacklogStats, t: Translator, *, top: int = TOP_PRODUCTS) -> bytes:
    """The chart as PNG bytes, WIDTH_PX x HEIGHT_PX; an empty backlog gives a chart saying so."""
    figure = Figure(figsize=(WIDTH_PX / DPI, HEIGHT_PX / DPI), dpi=DPI)
    FigureCanvasAgg(figure)
    figure.suptitle(
        _plain(t.gettext("Backorders on {date}", date=t.date(stats.today))),
        fontsize=30,
        fontweight="bold",
        y=0.975,
    )
    if stats.open_backorder_lines == 0:
        figure.text(
            0.5,
            0.5,
            _plain(t.gettext("No backorders: nothing is waiting.")),
            ha="center",
            va="center",
            fontsize=28,
            wrap=True,
        )
    else:
        figure.text(
            0.5,
            0.925,
            _headline(stats, t),
            ha="center",
            va="center",
            fontsize=20,
            color="#444444",
        )
        grid = figure.add_gridspec(2, 1, height_ratios=(3, 2), hspace=0.32)
        grid.update(left=0.36, right=0.95, top=0.86, bottom=0.07)
        _products_panel(figure.add_subplot(grid[0]), stats, t, top)
        _waiting_panel(figure.add_subplot(grid[1]), stats.waiting, t)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def _headline(stats: BacklogStats, t: Translator) -> str:
    lines = t.ngettext("{n} line waiting", "{n} lines waiting", stats.open_backorder_lines)
    customers = t.ngettext("{n} customer", "{n} customers", stats.customers_waiting)
    return _plain(f"{lines} · {customers}")


def _products_panel(axes: Axes, stats: BacklogStats, t: Translator, top: int) -> None:
    shown = [row for row in stats.by_sku[:top] if row.units_short > 0]
    rest = [row for row in stats.by_sku if row not in shown]
    labels = [_plain(_short(f"{row.sku} {row.name}"), escaped=False) for row in shown]
    values = [row.units_short for row in shown]
    colours = [_BAR] * len(shown)
    rest_units = sum(row.units_short for row in rest)
    if rest and rest_units > 0:
        labels.append(_plain(t.ngettext("{n} other product", "{n} other products", len(rest))))
        values.append(rest_units)
        colours.append(_OTHER)
    axes.set_title(_plain(t.gettext("Units short by product")), fontsize=24, loc="left", pad=14)
    if not values:
        axes.text(
            0.5,
            0.5,
            _plain(t.gettext("On-hand stock covers every product.")),
            ha="center",
            va="center",
            fontsize=20,
            transform=axes.transAxes,
        )
        axes.set_axis_off()
        return
    positions = list(range(len(values)))
    bars = axes.barh(positions, values, color=colours)
    axes.set_yticks(positions, labels, fontsize=17)
    axes.invert_yaxis()
    axes.bar_label(bars, labels=[t.number(value) for value in values], padding=6, fontsize=17)
    axes.set_xlim(0, max(values) * 1.18)
    axes.tick_params(axis="x", labelsize=15)
    axes.xaxis.set_major_formatter(_number_formatter(t))
    _clean(axes)


def _waiting_panel(axes: Axes, buckets: tuple[WaitBucket, ...], t: Translator) -> None:
    axes.set_title(
        _plain(t.gettext("Backordered lines by days waiting")), fontsize=24, loc="left", pad=14
    )
    labels = [_bucket_label(bucket, t) for bucket in buckets]
    values = [bucket.lines for bucket in buckets]
    positions = list(range(len(values)))
    bars = axes.barh(positions, values, color=_WAIT)
    axes.set_yticks(positions, labels, fontsize=17)
    axes.invert_yaxis()
    axes.bar_label(bars, labels=[t.number(value) for value in values], padding=6, fontsize=17)
    axes.set_xlim(0, max(max(values), 1) * 1.18)
    axes.tick_params(axis="x", labelsize=15)
    axes.xaxis.set_major_formatter(_number_formatter(t))
    _clean(axes)


def _bucket_label(bucket: WaitBucket, t: Translator) -> str:
    if bucket.high is None:
        return _plain(t.gettext("over {days} days", days=t.number(bucket.low - 1)))
    return _plain(
        t.gettext("{low}–{high} days", low=t.number(bucket.low), high=t.number(bucket.high))
    )


def _number_formatter(t: Translator) -> FuncFormatter:
    return FuncFormatter(lambda value, _: t.number(int(value)) if value == int(value) else "")


def _clean(axes: Axes) -> None:
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.grid(axis="x", color="#dddddd")
    axes.set_axisbelow(True)


def _short(text: str) -> str:
    """A label cut to fit beside the bars, with an ellipsis when cut."""
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def _plain(text: str, *, escaped: bool = True) -> str:
    """Catalog text (HTML-escaped values) or a stored value as literal chart text."""
    plain = html.unescape(text) if escaped else text
    # Why: matplotlib reads text between two "$" as math; a product name must stay literal.
    return plain.replace("$", r"\$")
