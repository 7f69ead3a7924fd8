"""Survey figures: diverging stacked Likert bars per statement and the domain pre/post chart.

Figures are built on a bare ``matplotlib.figure.Figure`` (no pyplot, so no GUI backend and
no global figure registry); save them with :func:`cohort_eval.io.save_figure`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cohort_eval.config import Instrument
from cohort_eval.survey import domain_label, format_half_up

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["domain_chart", "likert_chart", "short_text"]

PRE_COLOUR = "#9ecae1"
POST_COLOUR = "#08519c"
NEUTRAL_COLOUR = "#d9d9d9"
_ROW = 0.19  # inches per bar row of the Likert chart


def short_text(text: str, width: int = 58) -> str:
    """A statement shortened for a label: without 'Confidence in', capitalised, cut at ``width``."""
    prefix = "confidence in "
    if text.lower().startswith(prefix):
        text = text[len(prefix) :]
    text = text[:1].upper() + text[1:]
    return text if len(text) <= width else text[: width - 1].rstrip(" ,;") + "…"


def _point_colours(points: list[int]) -> dict[int, str]:
    """Reds below the middle of the scale, blues above, grey for an odd scale's middle point."""
    from matplotlib import colormaps
    from matplotlib.colors import to_hex

    cmap = colormaps["RdBu"]
    positions = np.linspace(0.1, 0.9, len(points))
    colours = {p: to_hex(cmap(x)) for p, x in zip(points, positions, strict=True)}
    if len(points) % 2:
        colours[points[len(points) // 2]] = NEUTRAL_COLOUR
    return colours


def _shares(survey: pd.DataFrame, points: list[int]) -> pd.DataFrame:
    """Share of each scale point per (item, timepoint) over the answers given, and n."""
    answered = survey.dropna(subset=["score"]).astype({"score": "int64"})
    counts = (
        answered.groupby(["item", "timepoint"])["score"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(columns=points, fill_value=0)
    )
    n = counts.sum(axis=1)
    shares = counts.div(n.where(n > 0), axis=0).fillna(0.0)
    shares["n"] = n
    return shares


def likert_chart(
    survey: pd.DataFrame,
    instrument: Instrument,
    *,
    labels: Mapping[str, str] | None = None,
    title: str = "Answers per statement before (pre) and after (post)",
) -> Figure:
    """Diverging stacked bars of answer shares per statement, pre above post, grouped by domain.

    Every statement of the instrument gets two bars (statements nobody answered stay empty
    with n = 0). Shares are of the answers given at that timepoint; points below the middle
    of the scale extend left of zero, above it right, and an odd scale's middle point is split
    across zero. Labels: statement id and shortened text; n per bar on the right; a legend
    with the scale labels. ``labels`` maps domain ids to printed names.
    """
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    points = list(range(instrument.scale_min, instrument.scale_max + 1))
    colours = _point_colours(points)
    middle = (instrument.scale_min + instrument.scale_max) / 2
    shares = _shares(survey, points)

    rows: list[tuple[str, str, str]] = []  # (kind, item or domain, timepoint)
    for domain in instrument.domains:
        rows.append(("domain", domain, ""))
        for statement in (s for s in instrument.statements if s.domain == domain):
            rows += [("bar", statement.id, "pre"), ("bar", statement.id, "post")]
        rows.append(("gap", "", ""))
    rows.pop()

    height = len(rows) * _ROW + 1.6
    fig = Figure(figsize=(13.0, height))
    left, right = 5.4 / 13.0, 0.6 / 13.0
    ax = fig.add_axes((left, 0.5 / height, 1 - left - right, 1 - 1.4 / height))
    texts = {s.id: f"{s.id}  {short_text(s.text)}" for s in instrument.statements}
    ticks, tick_labels = [], []
    segments: dict[int, list[tuple[int, float, float]]] = {p: [] for p in points}
    for y, (kind, key, timepoint) in enumerate(rows):
        if kind == "domain":
            ax.text(
                -0.01,
                y,
                domain_label(key, labels),
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="center",
                fontsize=10,
                fontweight="bold",
            )
            ax.axhline(y + 0.5, color="#bdbdbd", linewidth=0.6)
            continue
        if kind == "gap":
            continue
        share = shares.loc[(key, timepoint)] if (key, timepoint) in shares.index else None
        n = int(share["n"]) if share is not None else 0
        if share is not None:
            below = sum(share[p] for p in points if p < middle)
            start = -(below + share[middle] / 2 if middle in points else below) * 100
            for p in points:
                width = float(share[p]) * 100
                segments[p].append((y, start, width))
                start += width
        ax.text(1.01, y, f"n={n}", transform=ax.get_yaxis_transform(), va="center", fontsize=7)
        ticks.append(y)
        tick_labels.append(timepoint)
        if timepoint == "pre":
            ax.text(
                -0.045,
                y + 0.5,
                texts[key],
                transform=ax.get_yaxis_transform(),
                ha="right",
                va="center",
                fontsize=8,
            )
    for p, bars in segments.items():
        if bars:
            ys, lefts, widths = zip(*bars, strict=True)
            ax.barh(ys, widths, left=lefts, height=0.8, color=colours[p], linewidth=0)
    ax.set_yticks(ticks, tick_labels, fontsize=6.5)
    ax.tick_params(axis="y", length=0)
    ax.set_ylim(len(rows) - 0.5, -0.5)
    ax.set_xlim(-100, 100)
    ax.set_xticks(range(-100, 101, 25), [f"{abs(v)}" for v in range(-100, 101, 25)])
    ax.set_xlabel("Share of answers (%); lower scale points to the left, higher to the right")
    ax.axvline(0, color="#525252", linewidth=0.8)
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    handles = [
        Patch(color=colours[p], label=f"{p} {instrument.point_labels.get(p, '')}".strip())
        for p in points
    ]
    ax.legend(
        handles=handles,
        loc="lower right",
        bbox_to_anchor=(1.0, 1.0),
        ncol=len(points),
        fontsize=8,
        frameon=False,
    )
    fig.suptitle(title, x=0.02, y=1 - 0.15 / height, ha="left", fontsize=12)
    return fig


def domain_chart(
    domains: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    scale: tuple[int, int] = (1, 5),
    unit: str = "item_pairs",
) -> Figure:
    """Pre and post mean ± SD per domain from :func:`cohort_eval.survey.domain_table` rows.

    One point-range pair per domain (``unit`` rows, item_pairs by default), with n pairs, Z
    and p under each domain name. The y axis spans the Likert ``scale``.
    """
    from matplotlib.figure import Figure

    rows = domains[domains["unit"] == unit].reset_index(drop=True)
    fig = Figure(figsize=(max(4.0, 1.8 * len(rows) + 1.5), 4.5))
    ax = fig.add_axes((0.1, 0.2, 0.86, 0.68))
    x = np.arange(len(rows), dtype=float)
    for offset, prefix, colour, name in (
        (-0.12, "pre", PRE_COLOUR, "Pre"),
        (0.12, "post", POST_COLOUR, "Post"),
    ):
        ax.errorbar(
            x + offset,
            rows[f"{prefix}_mean"].to_numpy(dtype=float),
            yerr=rows[f"{prefix}_sd"].fillna(0.0).to_numpy(dtype=float),
            fmt="o",
            color=colour,
            ecolor=colour,
            elinewidth=1.5,
            capsize=4,
            markersize=7,
            label=f"{name} mean ± SD",
        )
    tick_labels = []
    for row in rows.itertuples(index=False):
        p = format_half_up(row.p, 3)
        p = "p < 0.001" if p == "0.000" else f"p = {p}"
        stats = f"Z = {format_half_up(row.z, 2)}, {p}" if not math.isnan(row.z) else "no test"
        tick_labels.append(
            f"{domain_label(row.domain, labels)}\n{row.n_pairs} pairs, {row.n_participants} "
            f"participants\n{stats}"
        )
    ax.set_xticks(x, tick_labels, fontsize=8)
    ax.set_xlim(-0.6, len(rows) - 0.4)
    ax.set_ylim(scale[0] - 0.3, scale[1] + 0.3)
    ax.set_yticks(range(scale[0], scale[1] + 1))
    ax.set_ylabel("Score")
    ax.grid(axis="y", color="#f0f0f0")
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, fontsize=8, frameon=False)
    fig.suptitle("Confidence per domain before and after", y=0.98, fontsize=11)
    return fig
