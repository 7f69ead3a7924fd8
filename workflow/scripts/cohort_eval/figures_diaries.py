"""Reflective-diary figures: thread x stage heatmap, code frequency bars, compliance grid.

Built on a bare ``matplotlib.figure.Figure`` as in :mod:`cohort_eval.figures`; save them with
:func:`cohort_eval.io.save_figure`. Colours are from the Okabe-Ito palette and a single-hue
sequential map, so they stay distinct for colour-blind readers and in greyscale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from cohort_eval.diaries import MAX_GAP_DAYS, diary_compliance, fortnight_entries
from cohort_eval.figures import short_text
from cohort_eval.parse import secondment_window

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["KIND_COLOURS", "code_frequency_bars", "compliance_grid", "thread_stage_heatmap"]

KIND_COLOURS = {"theme": "#0072B2", "event": "#E69F00", "thread": "#009E73"}  # Okabe-Ito
ENTRY_COLOUR = "#0072B2"
NO_ENTRY_COLOUR = "#eeeeee"
# Above this many participants the grid would be unreadable (and slow to draw): the figure
# shows the share of participants writing in each fortnight instead.
GRID_MAX_PARTICIPANTS = 60


def thread_stage_heatmap(table: pd.DataFrame) -> Figure:
    """Segments per narrative thread (rows) and stage (columns) from
    :func:`cohort_eval.diaries.threads_by_stage`, each cell annotated with its segment and
    participant counts."""
    from matplotlib.figure import Figure

    threads = list(dict.fromkeys(table["thread_label"]))
    stages = list(dict.fromkeys(table["stage_label"]))
    counts = table.pivot(index="thread_label", columns="stage_label", values="segments")
    people = table.pivot(index="thread_label", columns="stage_label", values="participants")
    counts = counts.reindex(index=threads, columns=stages).fillna(0).to_numpy(dtype=float)
    people = people.reindex(index=threads, columns=stages).fillna(0).to_numpy(dtype=int)

    fig = Figure(figsize=(2.0 * len(stages) + 3.0, 0.8 * len(threads) + 1.6), layout="constrained")
    ax = fig.subplots()
    top = max(float(counts.max()) if counts.size else 0.0, 1.0)
    image = ax.imshow(counts, cmap="Blues", vmin=0, vmax=top, aspect="auto")
    for (i, j), value in np.ndenumerate(counts):
        # dark text on light cells, white on dark ones
        colour = "white" if value > 0.6 * top else "#252525"
        ax.text(
            j,
            i,
            f"{int(value)}\n{people[i, j]} participants",
            ha="center",
            va="center",
            color=colour,
            fontsize=9,
        )
    ax.set_xticks(range(len(stages)), stages, fontsize=9)
    ax.set_yticks(range(len(threads)), threads, fontsize=9)
    ax.tick_params(length=0)
    ax.xaxis.tick_top()
    for side in ax.spines.values():
        side.set_visible(False)
    fig.colorbar(image, ax=ax, label="Coded segments", shrink=0.8)
    fig.suptitle("Narrative threads over the secondment (coded segments)", fontsize=11)
    return fig


def code_frequency_bars(freq: pd.DataFrame) -> Figure:
    """Horizontal bars of segments per code from :func:`cohort_eval.diaries.code_frequencies`,
    codebook order top to bottom, coloured by kind, each labelled with its participants."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    n = len(freq)
    fig = Figure(figsize=(10.0, 0.32 * n + 1.6), layout="constrained")
    ax = fig.subplots()
    y = np.arange(n)
    values = freq["segments"].to_numpy(dtype=float)
    ax.barh(y, values, color=[KIND_COLOURS.get(k, "#999999") for k in freq["kind"]], height=0.7)
    top = max(float(values.max()) if n else 0.0, 1.0)
    for yi, value, people in zip(y, values, freq["participants"], strict=True):
        ax.text(
            value + top * 0.01, yi, f"{int(value)} ({people} participants)", va="center", fontsize=7
        )
    labels = [
        f"{code}  {short_text(label, 52)}"
        for code, label in zip(freq["code"], freq["label"], strict=True)
    ]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_ylim(n - 0.5, -0.5)
    ax.set_xlim(0, top * 1.3)
    ax.set_xlabel("Coded segments (participants with at least one)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    kinds = [k for k in KIND_COLOURS if k in set(freq["kind"])]
    ax.legend(
        handles=[Patch(color=KIND_COLOURS[k], label=k) for k in kinds],
        loc="lower right",
        fontsize=8,
        frameon=False,
    )
    fig.suptitle("Coded segments per code", fontsize=11)
    return fig


def compliance_grid(
    segments: pd.DataFrame, pids: Sequence[str], start: str | pd.Timestamp, months: int
) -> Figure:
    """Participant x fortnight grid: a filled cell (with the number of entries) where the
    participant wrote at least one diary entry; the longest gap per participant on the right,
    marked when it breaks the every-two-weeks rule."""
    from matplotlib.colors import ListedColormap
    from matplotlib.figure import Figure

    grid = fortnight_entries(segments, pids, start, months)
    compliance = diary_compliance(segments, pids, start, months).set_index("pid")
    first, _ = secondment_window(start, months)
    rows, cols = grid.shape
    if rows > GRID_MAX_PARTICIPANTS:
        return _compliance_shares(grid, compliance, first)
    fig = Figure(figsize=(0.5 * cols + 4.2, 0.34 * rows + 1.8), layout="constrained")
    ax = fig.subplots()
    filled = (grid.to_numpy() > 0).astype(float)
    ax.imshow(
        filled,
        cmap=ListedColormap([NO_ENTRY_COLOUR, ENTRY_COLOUR]),
        vmin=0,
        vmax=1,
        aspect="auto",
    )
    for (i, j), n in np.ndenumerate(grid.to_numpy()):
        if n:
            ax.text(j, i, str(n), ha="center", va="center", color="white", fontsize=7)
    ax.set_xticks(np.arange(cols + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(rows + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="both", length=0)
    starts = [first + pd.Timedelta(days=14 * k) for k in range(cols)]
    ax.set_xticks(range(cols), [f"{k + 1}\n{d:%d %b}" for k, d in enumerate(starts)], fontsize=7)
    ax.set_yticks(range(rows), list(grid.index), fontsize=8)
    ax.set_xlabel("Fortnight of the secondment (first day)")
    for i, pid in enumerate(grid.index):
        gap = int(compliance.at[pid, "longest_gap_days"])
        over = gap > MAX_GAP_DAYS
        ax.text(
            1.01,
            i,
            f"{gap} d{'  > 14' if over else ''}",
            transform=ax.get_yaxis_transform(),
            va="center",
            fontsize=8,
            fontweight="bold" if over else "normal",
        )
    ax.text(1.01, -0.8, "longest gap", transform=ax.get_yaxis_transform(), fontsize=8)
    for side in ax.spines.values():
        side.set_visible(False)
    fig.suptitle("Reflective diary entries per fortnight (number of entries)", fontsize=11)
    return fig


def _compliance_shares(grid: pd.DataFrame, compliance: pd.DataFrame, first: pd.Timestamp) -> Figure:
    """The compliance figure of a large cohort: per fortnight, the percentage of participants
    with at least one entry; the title counts those whose longest gap breaks the rule."""
    from matplotlib.figure import Figure

    rows, cols = grid.shape
    shares = 100 * (grid.to_numpy() > 0).sum(axis=0) / rows
    over = int((compliance["longest_gap_days"] > MAX_GAP_DAYS).sum())
    fig = Figure(figsize=(0.5 * cols + 4.2, 4.5), layout="constrained")
    ax = fig.subplots()
    ax.bar(range(cols), shares, color=ENTRY_COLOUR)
    for j, share in enumerate(shares):
        ax.text(j, share + 1, f"{share:.0f}", ha="center", va="bottom", fontsize=7)
    starts = [first + pd.Timedelta(days=14 * k) for k in range(cols)]
    ax.set_xticks(range(cols), [f"{k + 1}\n{d:%d %b}" for k, d in enumerate(starts)], fontsize=7)
    ax.set_ylim(0, 105)
    ax.set_ylabel("% of participants with an entry")
    ax.set_xlabel("Fortnight of the secondment (first day)")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.suptitle(
        f"Reflective diary entries per fortnight: {rows} participants, "
        f"{over} with a gap of more than {MAX_GAP_DAYS} days",
        fontsize=11,
    )
    return fig
