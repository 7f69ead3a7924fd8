"""The activity figure: time share per activity category, one bar per phase (the study's Fig. 1).

Built on a bare ``matplotlib.figure.Figure`` like :mod:`cohort_eval.figures`; save it with
:func:`cohort_eval.io.save_figure`.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cohort_eval.activity import phase_label
from cohort_eval.survey import format_half_up

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["PHASE_STYLES", "activity_chart"]

# Okabe-Ito colours (colour-blind safe), ordered so that neighbouring phases also differ in
# lightness and hatching and stay apart when printed in grey.
PHASE_STYLES: list[tuple[str, str]] = [
    ("#E69F00", ""),  # orange, light, plain
    ("#0072B2", "///"),  # blue, dark, hatched
    ("#56B4E9", "..."),  # sky blue
    ("#D55E00", "xxx"),  # vermillion
    ("#009E73", "\\\\\\"),  # bluish green
    ("#CC79A7", "---"),  # reddish purple
    ("#F0E442", "ooo"),  # yellow
]


def _luminance(colour: str | tuple[float, ...]) -> float:
    """Relative luminance (WCAG) of a hex colour: what is left of it in greyscale print."""
    from matplotlib.colors import to_rgb

    def linear(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in to_rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def activity_chart(
    table: pd.DataFrame,
    *,
    phases: Mapping[str, Sequence[int]] | None = None,
    title: str = "Time distribution per activity: comparison of phases",
) -> Figure:
    """Grouped bars of each category's share of the phase's work hours, phases side by side.

    ``table`` is :func:`cohort_eval.activity.phase_table` output; categories and phases keep
    its order and categories are named by its ``label``. Each bar carries its percent to 1 dp
    (halves rounded up, as the study); a phase with no hours shows 'n/a'. ``phases`` (the
    config mapping) adds the months to the legend: 'Phase 1 (months 1-3)'.
    """
    from matplotlib.figure import Figure

    phase_ids = list(dict.fromkeys(table["phase"]))
    categories = list(dict.fromkeys(table["category"]))
    labels = table.drop_duplicates("category").set_index("category")["label"]
    percent = table.pivot(index="category", columns="phase", values="percent").loc[categories]

    width_in = max(7.0, 1.25 * len(categories) + 1.5)
    fig = Figure(figsize=(width_in, 5.0))
    ax = fig.add_axes((0.9 / width_in, 0.2, 1 - 1.2 / width_in, 0.62))
    x = np.arange(len(categories), dtype=float)
    bar_width = 0.8 / len(phase_ids)
    top = 0.0
    for i, phase in enumerate(phase_ids):
        colour, hatch = PHASE_STYLES[i % len(PHASE_STYLES)]
        values = percent[phase].to_numpy(dtype=float)
        heights = np.nan_to_num(values, nan=0.0)
        top = max(top, float(heights.max(initial=0.0)))
        bars = ax.bar(
            x + (i - (len(phase_ids) - 1) / 2) * bar_width,
            heights,
            width=bar_width,
            color=colour,
            edgecolor="#000000",
            linewidth=0.6,
            hatch=hatch or None,
            hatchcolor="#ffffff" if _luminance(colour) < 0.3 else "#000000",
            label=phase_label(phase, phases),
        )
        texts = ["n/a" if math.isnan(v) else f"{format_half_up(v, 1)}%" for v in values]
        ax.bar_label(
            bars,
            labels=texts,
            padding=2,
            fontsize=7,
            rotation=90 if len(phase_ids) > 2 else 0,
        )
    ax.set_xticks(
        x, [textwrap.fill(str(labels[c]), 14) for c in categories], fontsize=8.5, linespacing=1.1
    )
    ax.tick_params(axis="x", length=0)
    ax.set_xlim(-0.6, len(categories) - 0.4)
    ax.set_ylim(0, max(top * (1.25 if len(phase_ids) > 2 else 1.12), 1.0))
    ax.set_ylabel("Share of the phase's work hours (%)")
    ax.grid(axis="y", color="#e0e0e0", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.legend(
        loc="lower center",
        bbox_to_anchor=(0.5, 1.02),
        ncol=min(len(phase_ids), 4),
        fontsize=9,
        frameon=False,
    )
    fig.suptitle(title, y=0.97, fontsize=11)
    return fig
