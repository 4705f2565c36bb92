"""The report's charts as PNG images in data: URIs, so the HTML file works offline and by mail.
The only module that imports matplotlib, always with the Agg backend (no display needed)."""
from __future__ import annotations

import base64
import io
from datetime import date

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend is chosen first)

LEVELS = ("L0", "L1", "L2")
COLOURS = {"L0": "#4c78a8", "L1": "#f58518", "L2": "#54a24b"}
RESOLUTION_BINS = (0, 4, 8, 16, 24, 40, 80, 160)


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def tickets_per_week(weekly: dict[tuple[date, str], int], title: str, week_label: str) -> str:
    """Grouped bars: tickets opened per week (by its Monday) and level."""
    weeks = sorted({week for week, _ in weekly})
    figure, axes = plt.subplots(figsize=(7, 3.2))
    width = 0.8 / len(LEVELS)
    for index, level in enumerate(LEVELS):
        axes.bar([i + index * width for i in range(len(weeks))],
                 [weekly.get((week, level), 0) for week in weeks], width, label=level,
                 color=COLOURS[level])
    axes.set_xticks([i + width for i in range(len(weeks))],
                    [week.strftime("%d %b") for week in weeks])
    axes.set_title(title)
    axes.set_xlabel(week_label)
    axes.legend()
    return _png(figure)


def resolution_distribution(hours: dict[str, list[float]], title: str, x_label: str) -> str:
    """Stacked histogram of resolution times in business hours, per level."""
    figure, axes = plt.subplots(figsize=(7, 3.2))
    present = [level for level in LEVELS if hours.get(level)]
    top = max([RESOLUTION_BINS[-1], *(v for level in present for v in hours[level])]) + 1
    if present:
        axes.hist([hours[level] for level in present], bins=[*RESOLUTION_BINS, top],
                  stacked=True, label=present, color=[COLOURS[level] for level in present])
        axes.legend()
    axes.set_title(title)
    axes.set_xlabel(x_label)
    return _png(figure)


def compliance_per_team(values: dict[str, float | None], title: str) -> str:
    """Horizontal bars: SLA compliance in percent per team."""
    teams = sorted(values)
    figure, axes = plt.subplots(figsize=(7, 0.5 + 0.45 * max(1, len(teams))))
    axes.barh(teams, [values[team] or 0 for team in teams], color="#4c78a8")
    axes.set_xlim(0, 100)
    axes.set_title(title)
    return _png(figure)
