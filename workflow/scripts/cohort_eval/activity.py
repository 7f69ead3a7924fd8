"""Work-activity diaries: time share per category and phase (the study's Fig. 1), contract hours.

Input is the anonymised ``activities`` table (pid, date, month, category, hours, description;
leave rows already removed) and, for contract hours, the ``participants`` table (pid, ...,
leave_hours). Every function is pure: DataFrames in, DataFrames out.

Phase boundary: a row's phase comes from its ``month`` column alone, the secondment month that
the anonymisation stage computed from the cohort's ``start`` with
:func:`cohort_eval.parse.secondment_month`. Month k runs from ``start`` + (k - 1) calendar
months up to the day before ``start`` + k months, so with ``start`` 2023-09-04 and phases
``{phase1: [1, 3], phase2: [4, 6]}`` phase 1 ends on 2023-12-03 and phase 2 starts on
2023-12-04 (not on a calendar-month boundary). Rows in a month that no phase covers (a
9-month cohort with the shipped 6-month phases) count in no phase, but do count towards
contract hours.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date

import pandas as pd

from cohort_eval.config import Activities
from cohort_eval.parse import secondment_window

__all__ = [
    "CHANGE_ID_COLUMNS",
    "CONTRACT_COLUMNS",
    "COHORT_ROW",
    "PHASE_COLUMNS",
    "SHARE_COLUMNS",
    "contract_hours",
    "contract_weeks",
    "phase_change",
    "phase_label",
    "phase_of_month",
    "phase_table",
    "participant_shares",
    "work_categories",
]

PHASE_COLUMNS = ["phase", "category", "label", "hours", "percent", "n_participants"]
CHANGE_ID_COLUMNS = ["category", "label"]  # followed by percent_<phase>..., change_pp
SHARE_COLUMNS = ["pid", "phase", "category", "hours", "percent"]
CONTRACT_COLUMNS = [
    "pid",
    "expected_hours",
    "activity_hours",
    "leave_hours",
    "recorded_hours",
    "unaccounted_hours",
    "recorded_percent",
]
COHORT_ROW = "cohort"

Phases = Mapping[str, Sequence[int]]


def work_categories(activities: Activities) -> list[str]:
    """The analysed (non-leave) category ids in the order of activities.yaml."""
    return [c for c in activities.labels if c not in activities.leave]


def phase_label(phase: str, phases: Phases | None = None) -> str:
    """Printed name of a phase: 'phase1' -> 'Phase 1 (months 1-3)' (months only with ``phases``)."""
    match = re.fullmatch(r"phase[ _-]?(\d+)", phase, flags=re.IGNORECASE)
    text = phase.replace("_", " ")
    name = f"Phase {match.group(1)}" if match else text[:1].upper() + text[1:]
    if phases is None or phase not in phases:
        return name
    first, last = (int(m) for m in phases[phase])
    return f"{name} (month {first})" if first == last else f"{name} (months {first}-{last})"


def phase_of_month(months: pd.Series, phases: Phases) -> pd.Series:
    """The phase id of each secondment month (missing for a month in no phase)."""
    lookup = {
        month: phase
        for phase, (first, last) in phases.items()
        for month in range(int(first), int(last) + 1)
    }
    return months.astype("Int64").map(lookup).astype(object)


def _with_phase(activities: pd.DataFrame, phases: Phases) -> pd.DataFrame:
    """Activity rows of some phase, with a ``phase`` column."""
    frame = activities.assign(phase=phase_of_month(activities["month"], phases))
    return frame[frame["phase"].notna()]


def _check_categories(activities: pd.DataFrame, category_order: Sequence[str]) -> None:
    # An unlisted category (a leave row, a renamed id) would silently change every share.
    unknown = sorted(set(activities["category"]) - set(category_order))
    if unknown:
        raise ValueError(
            f"activity categories {unknown} are not among the analysed categories "
            f"{list(category_order)}"
        )


def _percent(hours: pd.Series, totals: pd.Series) -> pd.Series:
    """``hours`` as a percentage of ``totals`` (NaN where the total is 0)."""
    return hours / totals.where(totals > 0) * 100.0


def phase_table(
    activities: pd.DataFrame,
    phases: Phases,
    category_order: Sequence[str],
    labels: Mapping[str, str],
) -> pd.DataFrame:
    """Hours and share of the phase's work hours per phase and category (the study's Fig. 1).

    One row per phase (config order) x category (``category_order``, the analysed categories
    of activities.yaml, see :func:`work_categories`); columns :data:`PHASE_COLUMNS`. A category
    with no hours in a phase gets 0 hours, 0 percent and 0 participants; each phase's percents
    sum to 100, except in a phase with no hours at all, where they are NaN. ``n_participants``
    counts participants with any hours in that category and phase. A category in the data but
    not in ``category_order`` raises ValueError.
    """
    _check_categories(activities, category_order)
    rows = _with_phase(activities, phases)
    grid = pd.MultiIndex.from_product([list(phases), list(category_order)])
    grouped = rows.groupby(["phase", "category"])
    hours = grouped["hours"].sum().reindex(grid, fill_value=0.0).astype(float)
    people = grouped["pid"].nunique().reindex(grid, fill_value=0).astype("int64")
    totals = hours.groupby(level=0).transform("sum")
    phase_ids, category_ids = grid.get_level_values(0), grid.get_level_values(1)
    return pd.DataFrame(
        {
            "phase": list(phase_ids),
            "category": list(category_ids),
            "label": [labels.get(c, c) for c in category_ids],
            "hours": hours.to_numpy(),
            "percent": _percent(hours, totals).to_numpy(),
            "n_participants": people.to_numpy(),
        },
        columns=PHASE_COLUMNS,
    )


def phase_change(table: pd.DataFrame) -> pd.DataFrame:
    """Per category: the percent of each phase side by side and the change, last minus first.

    Columns ``category``, ``label``, ``percent_<phase>`` for each phase in table order, and
    ``change_pp`` (percentage points, last phase minus first).
    """
    phase_ids = list(dict.fromkeys(table["phase"]))
    wide = table.pivot(index="category", columns="phase", values="percent")
    order = list(dict.fromkeys(table["category"]))
    labels = table.drop_duplicates("category").set_index("category")["label"]
    result = pd.DataFrame({"category": order, "label": labels.reindex(order).to_numpy()})
    for phase in phase_ids:
        result[f"percent_{phase}"] = wide.loc[order, phase].to_numpy(dtype=float)
    result["change_pp"] = result[f"percent_{phase_ids[-1]}"] - result[f"percent_{phase_ids[0]}"]
    return result


def participant_shares(
    activities: pd.DataFrame,
    phases: Phases,
    category_order: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Each participant's hours and share of their own work hours per phase and category.

    Columns :data:`SHARE_COLUMNS`, sorted by pid, phase (config order), category. Without
    ``category_order`` only categories with hours appear (alphabetically); with it, every
    category of it appears for each pid and phase in which that pid has any hours (0 where
    none), in that order. A pid with no hours in a phase has no rows for it.
    """
    rows = _with_phase(activities, phases)
    hours = rows.groupby(["pid", "phase", "category"])["hours"].sum()
    if category_order is None:
        category_order = sorted(set(rows["category"]))
    else:
        _check_categories(activities, category_order)
        present = hours.index.droplevel("category").unique()
        grid = [(pid, phase, c) for pid, phase in present for c in category_order]
        if grid:
            hours = hours.reindex(
                pd.MultiIndex.from_tuples(grid, names=["pid", "phase", "category"]),
                fill_value=0.0,
            )
    frame = hours.rename("hours").astype(float).reset_index()
    frame["percent"] = _percent(
        frame["hours"], frame.groupby(["pid", "phase"])["hours"].transform("sum")
    )
    order = frame.assign(
        _phase=frame["phase"].map({p: i for i, p in enumerate(phases)}),
        _category=frame["category"].map({c: i for i, c in enumerate(category_order)}),
    ).sort_values(["pid", "_phase", "_category"], kind="stable")
    frame = frame.loc[order.index]
    return frame.reset_index(drop=True)[SHARE_COLUMNS]


def contract_weeks(start: str | date | pd.Timestamp, months: int) -> float:
    """Weeks of a secondment of ``months`` calendar months from ``start``: days / 7."""
    first, last = secondment_window(start, months)
    return ((last - first).days + 1) / 7.0


def contract_hours(
    activities: pd.DataFrame,
    participants: pd.DataFrame,
    start: str | date | pd.Timestamp,
    months: int,
    wte: float,
    weekly_hours: float,
) -> pd.DataFrame:
    """Contract hours against recorded hours, per participant and for the cohort.

    ``expected_hours`` = weeks of the secondment x ``weekly_hours`` x ``wte``, where weeks =
    (last day - first day + 1 day) / 7 (6 months from 2023-09-04: 182 days, 26 weeks; 26 x
    37.5 x 0.5 = 487.5 h). Every participant is expected to work the whole secondment (no
    pro-rating for late starts). ``activity_hours`` sums all diary hours, in any phase or
    none; ``leave_hours`` comes from ``participants``; ``recorded_hours`` is their sum,
    ``unaccounted_hours`` = expected - recorded (negative when more was recorded) and
    ``recorded_percent`` = recorded / expected x 100. One row per participant (by pid), then a
    ``cohort`` row of the totals. Columns :data:`CONTRACT_COLUMNS`. A pid in ``activities``
    but not in ``participants`` raises ValueError.
    """
    people = participants.sort_values("pid", kind="stable")
    stray = sorted(set(activities["pid"]) - set(people["pid"]))
    if stray:
        raise ValueError(f"{len(stray)} pid(s) of the activities are not in participants")
    expected = contract_weeks(start, months) * weekly_hours * wte
    worked = activities.groupby("pid")["hours"].sum()
    frame = pd.DataFrame(
        {
            "pid": people["pid"].to_numpy(dtype=object),
            "expected_hours": expected,
            "activity_hours": people["pid"].map(worked).fillna(0.0).to_numpy(dtype=float),
            "leave_hours": people["leave_hours"].fillna(0.0).to_numpy(dtype=float),
        }
    )
    total = frame.drop(columns="pid").sum().to_dict()
    frame = pd.concat(
        [frame, pd.DataFrame([{"pid": COHORT_ROW, **total}])], ignore_index=True
    ).astype({"pid": object})
    frame["recorded_hours"] = frame["activity_hours"] + frame["leave_hours"]
    frame["unaccounted_hours"] = frame["expected_hours"] - frame["recorded_hours"]
    frame["recorded_percent"] = _percent(frame["recorded_hours"], frame["expected_hours"])
    return frame[CONTRACT_COLUMNS]


def phase_guard_frame(
    table: pd.DataFrame, phases: Phases, categories: Sequence[str]
) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """The phase table with each phase's summed percent, and the parameters of its guard."""
    frame = table.copy()
    frame["phase_percent_sum"] = frame.groupby("phase")["percent"].transform("sum")
    # A phase with no work hours has no shares (empty percents): nothing to add up.
    empty = frame.groupby("phase")["hours"].transform("sum") <= 0
    frame.loc[empty, "phase_percent_sum"] = float("nan")
    frame["row"] = range(2, len(frame) + 2)
    return frame, {"phases": list(phases), "work_categories": list(categories)}
