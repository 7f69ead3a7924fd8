"""Disclosure control of cohort tables: small counts suppressed in publication mode."""

from __future__ import annotations

import pandas as pd

MODES = ("internal", "publication")
CATEGORICAL = ("sex", "profession", "role_level")


def _suppress_counts(cells: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Primary suppression of counts 1..threshold-1, then secondary suppression until the
    suppressed cells' total (derivable from the published total) is at least ``threshold``
    and no single cell is suppressed alone."""
    cells = cells.copy()
    primary = cells["value"].between(1, threshold - 1)
    cells.loc[primary, ["suppressed", "reason"]] = [True, f"primary: count below {threshold}"]
    while cells["suppressed"].any():
        hidden = cells.loc[cells["suppressed"], "value"]
        if len(hidden) >= 2 and hidden.sum() >= threshold:
            break
        open_cells = cells[~cells["suppressed"]]
        if open_cells.empty:
            break
        nxt = open_cells["value"].idxmin()
        cells.loc[nxt, ["suppressed", "reason"]] = [
            True,
            "secondary: otherwise the suppressed count could be worked out from the total",
        ]
    return cells


def _shown(value: float, stat: str, hidden: bool, reason: str, threshold: int) -> str:
    if not hidden:
        return f"{value:.1f}" if stat == "mean" else f"{value:.0f}"
    if reason.startswith("primary"):
        return f"<{threshold}"
    return "*"


def demographics(participants: pd.DataFrame, mode: str, threshold: int) -> pd.DataFrame:
    """Counts by sex, profession and role level, and mean and range of years registered.

    Columns: variable, category, statistic, value, shown, suppressed, reason. In
    ``publication`` mode counts below ``threshold`` show as ``<threshold`` and cells hidden by
    secondary suppression as ``*``; the mean needs ``threshold`` participants; the range (one
    person's value at each end) is never shown; hidden values are blank. ``internal`` shows
    everything.
    """
    if mode not in MODES:
        raise ValueError(f"disclosure mode must be one of {MODES}, not {mode!r}")
    n = len(participants)
    rows = [{"variable": "participants", "category": "all", "statistic": "count", "value": n}]
    blocks = []
    for variable in CATEGORICAL:
        counts = participants[variable].fillna("not stated").value_counts().sort_index()
        block = pd.DataFrame(
            {
                "variable": variable,
                "category": counts.index.astype(str),
                "statistic": "count",
                "value": counts.to_numpy(dtype=float),
            }
        )
        blocks.append(block)
    years = participants["years_registered"].astype(float)
    stats = pd.DataFrame(
        {
            "variable": "years_registered",
            "category": "all",
            "statistic": ["mean", "min", "max"],
            "value": [years.mean(), years.min(), years.max()],
        }
    )
    table = pd.concat([pd.DataFrame(rows), *blocks, stats], ignore_index=True)
    table["value"] = table["value"].astype(float)
    table["suppressed"] = False
    table["reason"] = ""
    if mode == "publication":
        for variable in CATEGORICAL:
            part = table["variable"] == variable
            table.loc[part] = _suppress_counts(table.loc[part], threshold)
        mean = (table["variable"] == "years_registered") & (table["statistic"] == "mean")
        if n < threshold:
            table.loc[mean, ["suppressed", "reason"]] = [True, f"mean of fewer than {threshold}"]
        extremes = table["statistic"].isin(["min", "max"])
        table.loc[extremes, ["suppressed", "reason"]] = [True, "an extreme value is one person's"]
    else:
        table["reason"] = "internal mode: not for publication"
    table["shown"] = [
        _shown(value, stat, hidden, reason, threshold)
        for value, stat, hidden, reason in zip(
            table["value"], table["statistic"], table["suppressed"], table["reason"], strict=True
        )
    ]
    table["suppressed"] = table["suppressed"].astype(bool)
    table.loc[table["suppressed"], "value"] = float("nan")
    return table[["variable", "category", "statistic", "value", "shown", "suppressed", "reason"]]
