"""Charts as inline SVG drawn on the server: lines, bars and a weekday x hour heatmap.

No script and nothing fetched at run time, so the same markup goes into a page and into a PDF. The plot itself is
always drawn left to right (`direction="ltr"`): numbers and time axes read the same in Hebrew or Arabic, while the
page around the chart mirrors. Labels are isolated (`unicode-bidi: isolate`) so a right-to-left name stays whole.
A line chart's legend is an HTML list under the plot, so it wraps, never covers the lines, and is laid out with bidi
by the browser and by WeasyPrint alike (WeasyPrint draws SVG text letter by letter, without bidi or joining: the
PDF gives the labels that stay inside the SVG in visual order, see stoa.reports.render).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT, PAD = 640, 220, 40
WIDE = 960  # a line chart spans the page's width
# Twelve distinct colours, so the growth of twelve channels (all workspaces) draws no two lines alike.
COLOURS = ("#2563eb", "#db2777", "#059669", "#d97706", "#7c3aed", "#0891b2", "#4b5563", "#dc2626", "#65a30d",
           "#c026d3", "#0f766e", "#92400e")


@dataclass(frozen=True)
class Series:
    name: str
    points: Sequence[tuple[str, float | None]]  # (label of the x axis, value); None: no figure, a gap


def _svg(title: str, body: str, width: int = WIDTH, height: int = HEIGHT, kind: str = "chart") -> SafeString:
    return mark_safe(
        f'<svg class="{kind}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'direction="ltr" style="direction:ltr" font-family="sans-serif" font-size="11">'
        f"<title>{escape(title)}</title>{body}</svg>")


def _text(x: float, y: float, text: str, anchor: str = "middle", extra: str = "") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" style="unicode-bidi:isolate"{extra}>'
            f"{escape(text)}</text>")


def _scale(values: list[float]) -> tuple[float, float]:
    low, high = min([0.0, *values]), max([0.0, *values])
    return low, (high if high > low else low + 1)


def _guides(low: float, high: float, whole: bool) -> list[float]:
    """The values of three guides; whole numbers only for a series of counts (no "18.5 followers")."""
    if not whole:
        return [low, (low + high) / 2, high]
    return sorted({float(round(low)), float(round((low + high) / 2)), float(round(high))})


def _axis(low: float, high: float, to_y, width: int = WIDTH, whole: bool = False) -> str:
    """Three horizontal guides with their values."""
    parts = []
    for value in _guides(low, high, whole):
        y = to_y(value)
        parts.append(f'<line x1="{PAD}" x2="{width - 8}" y1="{y:.1f}" y2="{y:.1f}" stroke="#e5e7eb"/>')
        parts.append(_text(PAD - 4, y + 4, f"{round(value, 2):g}", anchor="end"))  # 1.96, not 1.955
    return "".join(parts)


def _x_labels(labels: Sequence[str], to_x) -> str:
    step = max(1, len(labels) // 8)  # at most about eight labels, so they never overlap
    return "".join(_text(to_x(i), HEIGHT - 8, label) for i, label in enumerate(labels) if i % step == 0)


def line_chart(title: str, series: Sequence[Series]) -> SafeString:
    labels = [label for label, _ in series[0].points] if series else []
    values = [v for s in series for _, v in s.points if v is not None]
    if not labels or not values:
        return _svg(title, "", height=40)
    low, high = _scale(values)
    span = max(1, len(labels) - 1)
    whole = all(float(v).is_integer() for v in values)

    def to_x(i: float) -> float:
        return PAD + i * (WIDE - PAD - 16) / span

    def to_y(v: float) -> float:
        return 12 + (high - v) * (HEIGHT - 12 - 2 * PAD + 20) / (high - low)

    body = [_axis(low, high, to_y, WIDE, whole), _x_labels(labels, to_x)]
    legend = []
    for n, s in enumerate(series):
        colour = COLOURS[n % len(COLOURS)]
        runs: list[list[str]] = [[]]
        for i, (_label, v) in enumerate(s.points):  # a gap (None) breaks the line
            if v is None:
                runs.append([])
            else:
                runs[-1].append(f"{to_x(i):.1f},{to_y(v):.1f}")
        body += [f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(r)}"/>'
                 for r in runs if r]
        legend.append(f'<li><span style="color:{colour}" aria-hidden="true">&#9632;</span> '
                      f"<bdi>{escape(s.name)}</bdi></li>")
    plot = _svg(title, "".join(body), width=WIDE, kind="chart wide")
    return mark_safe(f'{plot}<ul class="chart-legend">{"".join(legend)}</ul>')


def bar_chart(title: str, bars: Sequence[tuple[str, float | None]], unit: str = "") -> SafeString:
    """One bar per label; None is drawn as no bar with "—" (not 0)."""
    values = [v for _, v in bars if v is not None]
    if not bars:
        return _svg(title, "", height=40)
    low, high = _scale(values or [0.0])
    slot = (WIDTH - PAD - 8) / len(bars)

    def to_y(v: float) -> float:
        return 12 + (high - v) * (HEIGHT - 12 - PAD) / (high - low)

    body = [_axis(low, high, to_y)]
    for i, (label, value) in enumerate(bars):
        x = PAD + i * slot + slot * 0.15
        body.append(_text(x + slot * 0.35, HEIGHT - 12, label))
        if value is None:
            body.append(_text(x + slot * 0.35, to_y(low) - 4, "—"))
            continue
        top, bottom = sorted((to_y(value), to_y(0)))
        body.append(f'<rect x="{x:.1f}" y="{top:.1f}" width="{slot * 0.7:.1f}" height="{max(bottom - top, 1):.1f}" '
                    f'fill="{COLOURS[0]}"><title>{escape(label)}: {value:g}{escape(unit)}</title></rect>')
        body.append(_text(x + slot * 0.35, top - 3, f"{value:g}{unit}"))
    return _svg(title, "".join(body))


def heatmap_chart(title: str, weekdays: Sequence[str], cells: dict[tuple[int, int], float | None]) -> SafeString:
    """Weekdays (rows, Monday first) by hours 0-23 (columns); the darker, the higher. No figure: blank."""
    left, size, top = 90, 22, 18
    values = [v for v in cells.values() if v is not None]
    high = max(values) if values else 1.0
    body = [_text(left + h * size + size / 2, top - 6, f"{h:02d}") for h in range(0, 24, 3)]
    for d, name in enumerate(weekdays):
        y = top + d * size
        body.append(_text(left - 6, y + size * 0.65, name, anchor="end"))
        for h in range(24):
            value = cells.get((d, h))
            shade = "#f3f4f6" if value is None else f"rgba(37,99,235,{0.12 + 0.88 * value / high if high else 0:.2f})"
            tip = f"{name} {h:02d}:00 — " + ("—" if value is None else f"{value:g}%")
            body.append(f'<rect x="{left + h * size}" y="{y}" width="{size - 2}" height="{size - 2}" fill="{shade}">'
                        f"<title>{escape(tip)}</title></rect>")
    return _svg(title, "".join(body), width=left + 24 * size + 8, height=top + 7 * size + 6)
