"""Reflective-diary analysis: code frequencies, co-occurrence, narrative threads by stage,
critical events by month, diary-keeping compliance and inter-coder agreement.

Input is the anonymised ``segments`` table (one row per coded segment per code, possibly
per coder). A *segment* is a distinct (pid, entry_date, text); counts are of distinct
segments, so a segment that two coders gave the same code counts once. Co-occurrence counts
*passages*: segments joined where their selections overlap in one source (see
:func:`passages`). Rows without a known code are an error, not silently dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from itertools import combinations, pairwise
from typing import Any

import numpy as np
import pandas as pd

from cohort_eval.config import Codebook
from cohort_eval.parse import secondment_window

__all__ = [
    "AGREEMENT_COLUMNS",
    "COMPLIANCE_COLUMNS",
    "DISAGREEMENT_COLUMNS",
    "EVENT_COLUMNS",
    "FORTNIGHT_DAYS",
    "MAX_GAP_DAYS",
    "THREAD_COLUMNS",
    "code_frequencies",
    "code_participant_matrix",
    "co_occurrence",
    "coder_agreement",
    "critical_events",
    "diary_compliance",
    "fortnight_entries",
    "krippendorff_alpha",
    "passages",
    "stage_labels",
    "stage_of",
    "threads_by_stage",
]

UNIT = ["pid", "entry_date", "text"]
MAX_GAP_DAYS = 14  # the study's rule: at least one entry every two weeks
FORTNIGHT_DAYS = 14

THREAD_COLUMNS = [
    "thread",
    "thread_label",
    "stage",
    "stage_label",
    "segments",
    "participants",
    "exemplar",
    "exemplar_flagged",
]
EVENT_COLUMNS = ["event", "label", "month", "segments", "participants"]
COMPLIANCE_COLUMNS = [
    "pid",
    "entries",
    "first_entry",
    "last_entry",
    "longest_gap_days",
    "fortnights_with_entry_share",
    "gap_over_14_days",
]
AGREEMENT_COLUMNS = [
    "coder_a",
    "coder_b",
    "code",
    "kind",
    "units",
    "both",
    "coder_a_only",
    "coder_b_only",
    "neither",
    "percent_agreement",
    "kappa",
]
DISAGREEMENT_COLUMNS = [
    "coder_a",
    "coder_b",
    "pid",
    "entry_date",
    "segment",
    "code",
    "coder_a_has",
    "coder_b_has",
]


def stage_labels(raw_codebook: Mapping[str, Any]) -> dict[str, str]:
    """Stage id -> label from the parsed ``codebook.yaml`` (the typed Codebook keeps no labels)."""
    return {s["id"]: s.get("label", s["id"]) for s in raw_codebook["stages"]}


def stage_of(months: pd.Series, stages: Mapping[str, tuple[int, int]]) -> pd.Series:
    """Stage id of each secondment month (missing where no stage covers the month)."""
    lookup = {m: stage for stage, (a, b) in stages.items() for m in range(a, b + 1)}
    return months.map(lambda m: lookup.get(int(m)) if pd.notna(m) else None).astype("str")


def _coded(segments: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Distinct (segment, code) pairs over all coders, with month and any-coder exemplar flag."""
    unknown = sorted(set(segments["code"]) - {c.id for c in codebook.codes})
    if unknown:
        raise ValueError(f"segments carry codes that are not in the codebook: {unknown}")
    frame = segments.assign(text=segments["text"].fillna(""))
    return (
        frame.groupby([*UNIT, "code"], sort=True)
        .agg(month=("month", "first"), exemplar=("exemplar", "any"))
        .reset_index()
    )


def _check_pids(segments: pd.DataFrame, pids: Sequence[str]) -> list[str]:
    pids = list(pids)
    unknown = sorted(set(segments["pid"]) - set(pids))
    if unknown:
        raise ValueError(f"segments of pids not among the participants: {unknown}")
    return pids


def code_frequencies(
    segments: pd.DataFrame, codebook: Codebook, pids: Sequence[str]
) -> pd.DataFrame:
    """Per code (codebook order): segments, participants with any, their share of all pids,
    and segments per stage (``segments_<stage id>``)."""
    pids = _check_pids(segments, pids)
    coded = _coded(segments, codebook)
    ids = [c.id for c in codebook.codes]
    stage = stage_of(coded["month"], codebook.stages)
    per_stage = (
        coded.groupby(["code", stage.rename("stage")]).size().unstack(fill_value=0)
        if len(coded)
        else pd.DataFrame()
    ).reindex(index=ids, columns=list(codebook.stages), fill_value=0)
    grouped = coded.groupby("code")
    participants = grouped["pid"].nunique().reindex(ids, fill_value=0)
    frame = pd.DataFrame(
        {
            "code": ids,
            "kind": [c.kind for c in codebook.codes],
            "label": [c.label for c in codebook.codes],
            "segments": grouped.size().reindex(ids, fill_value=0).to_numpy(dtype="int64"),
            "participants": participants.to_numpy(dtype="int64"),
            "share_participants": participants.to_numpy(dtype="float64") / len(pids)
            if pids
            else math.nan,
        }
    )
    for s in codebook.stages:
        frame[f"segments_{s}"] = per_stage[s].to_numpy(dtype="int64")
    return frame


def code_participant_matrix(
    segments: pd.DataFrame, codebook: Codebook, pids: Sequence[str]
) -> pd.DataFrame:
    """Segments per code (rows, codebook order) and pid (columns, in the order given).

    The first column is ``code`` so the table writes to CSV as it is. Internal use only:
    per-person counts of small cohorts are disclosive.
    """
    pids = _check_pids(segments, pids)
    coded = _coded(segments, codebook)
    ids = [c.id for c in codebook.codes]
    counts = (
        coded.groupby(["code", "pid"]).size().unstack(fill_value=0)
        if len(coded)
        else pd.DataFrame()
    ).reindex(index=ids, columns=pids, fill_value=0)
    counts = counts.astype("int64")
    counts.columns = pd.Index(pids, dtype=object)
    return pd.concat([pd.DataFrame({"code": ids}), counts.reset_index(drop=True)], axis=1)


def _find(parent: list[int], i: int) -> int:
    """Union-find root of ``i``, halving the path on the way."""
    while parent[i] != i:
        parent[i] = parent[parent[i]]
        i = parent[i]
    return i


def _join(parent: list[int], i: int, j: int) -> None:
    """Put ``i`` and ``j`` in one group (the smaller root stays root)."""
    a, b = _find(parent, i), _find(parent, j)
    if a != b:
        parent[max(a, b)] = min(a, b)


def _positions(segments: pd.DataFrame) -> pd.DataFrame:
    """``source``, ``start``, ``end`` of each row, missing where the row has not all three."""
    absent = pd.Series(np.nan, index=segments.index)
    source = segments.get("source", absent).map(
        lambda v: str(v).strip() if isinstance(v, str) and v.strip() else None
    )
    start = pd.to_numeric(segments.get("start", absent), errors="coerce")
    end = pd.to_numeric(segments.get("end", absent), errors="coerce")
    known = source.notna() & start.notna() & end.notna()
    return pd.DataFrame(
        {
            "source": source.where(known).astype(object),
            "start": start.where(known).astype("float64"),
            "end": end.where(known).astype("float64"),
        },
        index=segments.index,
    )


def passages(segments: pd.DataFrame) -> np.ndarray:
    """Passage number (0, 1, ...) of each row of ``segments``.

    Two rows are in one passage when they are on the same segment (pid, entry_date, text), or
    when both have a position and their selections share at least one character: same pid,
    entry_date and ``source``, and ``max(start) < min(end)`` (touching selections, end ==
    start, do not overlap; an empty selection overlaps nothing). A passage is the closure of
    these links, so A-B and B-C overlapping put A and C in one passage. Without positions a
    passage is a segment. Numbered in order of first row.
    """
    rows = segments.assign(text=segments["text"].fillna("")).reset_index(drop=True)
    parent = list(range(len(rows)))
    for members in rows.groupby(UNIT, sort=False).indices.values():
        for i in members[1:]:
            _join(parent, int(members[0]), int(i))
    where = _positions(rows)
    placed = rows[["pid", "entry_date"]].assign(**where)[where["source"].notna()]
    for _, group in placed.groupby(["pid", "entry_date", "source"], sort=False):
        ordered = group.sort_values(["start", "end"], kind="stable")
        reach, holder = -1.0, -1  # furthest end so far, and a row that reaches it
        for i, start, end in zip(ordered.index, ordered["start"], ordered["end"], strict=True):
            if start >= end:
                continue
            if start < reach:
                _join(parent, int(holder), int(i))
            if end > reach:
                reach, holder = end, i
    roots = [_find(parent, i) for i in range(len(rows))]
    return pd.Series(roots).factorize()[0].astype("int64")


def co_occurrence(segments: pd.DataFrame, codebook: Codebook) -> pd.DataFrame:
    """Code x code counts of passages carrying both codes; the diagonal is passages per code.

    A passage (see :func:`passages`) is a segment, or where the coding tool gave positions the
    overlapping selections of one source together. Each passage counts once per pair of its
    codes, however many codings it holds. Without positions the counts are of segments and
    the diagonal is each code's ``segments`` of :func:`code_frequencies`. First column
    ``code``, then one column per code id (codebook order).
    """
    _coded(segments, codebook)  # checks the codes
    ids = [c.id for c in codebook.codes]
    unit = passages(segments)
    column = segments["code"].map({c: i for i, c in enumerate(ids)}).to_numpy(dtype="int64")
    present = np.zeros((int(unit.max()) + 1 if len(unit) else 0, len(ids)), dtype="int64")
    present[unit, column] = 1
    matrix = pd.DataFrame(present.T @ present, columns=pd.Index(ids, dtype=object))
    return pd.concat([pd.DataFrame({"code": ids}), matrix], axis=1)


def threads_by_stage(
    segments: pd.DataFrame,
    codebook: Codebook,
    labels: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Narrative thread x stage: segments, participants and one exemplar quote per cell.

    The exemplar is a segment a coder flagged as exemplar if the cell has one, otherwise the
    longest text of the cell; ties (and several flagged) go to the longest text, then the
    smallest pid, entry_date and text. ``exemplar_flagged`` says which rule chose it. Quotes
    are the anonymised text only; an empty cell has no exemplar. ``labels`` maps stage ids to
    labels (see :func:`stage_labels`); the stage id is used where none is given.
    """
    coded = _coded(segments, codebook)
    coded = coded[coded["code"].isin([c.id for c in codebook.codes if c.kind == "thread"])]
    coded = coded.assign(stage=stage_of(coded["month"], codebook.stages))
    chosen = (
        coded.assign(_unflagged=~coded["exemplar"], _length=-coded["text"].str.len())
        .sort_values(["_unflagged", "_length", "pid", "entry_date", "text"], kind="stable")
        .drop_duplicates(["code", "stage"])
        .set_index(["code", "stage"])
    )
    cells = coded.groupby(["code", "stage"])
    n_segments = cells.size()
    n_participants = cells["pid"].nunique()
    rows = []
    for thread in (c for c in codebook.codes if c.kind == "thread"):
        for stage in codebook.stages:
            key = (thread.id, stage)
            found = key in chosen.index
            rows.append(
                {
                    "thread": thread.id,
                    "thread_label": thread.label,
                    "stage": stage,
                    "stage_label": (labels or {}).get(stage, stage),
                    "segments": int(n_segments.get(key, 0)),
                    "participants": int(n_participants.get(key, 0)),
                    "exemplar": chosen.at[key, "text"] if found else None,
                    "exemplar_flagged": bool(chosen.at[key, "exemplar"]) if found else False,
                }
            )
    return pd.DataFrame(rows, columns=THREAD_COLUMNS).astype(
        {"segments": "int64", "participants": "int64", "exemplar": object}
    )


def critical_events(segments: pd.DataFrame, codebook: Codebook, months: int) -> pd.DataFrame:
    """Segments and participants per critical event and secondment month, every event x
    month 1..``months`` (zeros included), events in codebook order."""
    coded = _coded(segments, codebook)
    events = [c for c in codebook.codes if c.kind == "event"]
    coded = coded[coded["code"].isin([e.id for e in events]) & coded["month"].notna()]
    cells = coded.groupby(["code", coded["month"].astype("int64")])
    n_segments, n_participants = cells.size(), cells["pid"].nunique()
    rows = [
        {
            "event": e.id,
            "label": e.label,
            "month": m,
            "segments": int(n_segments.get((e.id, m), 0)),
            "participants": int(n_participants.get((e.id, m), 0)),
        }
        for e in events
        for m in range(1, months + 1)
    ]
    return pd.DataFrame(rows, columns=EVENT_COLUMNS).astype(
        {"month": "int64", "segments": "int64", "participants": "int64"}
    )


def _entry_dates(
    segments: pd.DataFrame, start: str | pd.Timestamp, months: int
) -> tuple[pd.DataFrame, pd.Timestamp, pd.Timestamp]:
    """Distinct (pid, entry date) within the secondment window, and the window."""
    first, last = secondment_window(start, months)
    entries = segments[["pid", "entry_date"]].drop_duplicates()
    dates = pd.to_datetime(entries["entry_date"], format="%Y-%m-%d")
    outside = (dates < first) | (dates > last)
    if outside.any():
        raise ValueError(
            f"{int(outside.sum())} diary entries lie outside the secondment "
            f"{first.date()} to {last.date()}"
        )
    entries = pd.DataFrame({"pid": entries["pid"].to_numpy(), "date": dates.to_numpy()})
    return entries.sort_values(["pid", "date"]).reset_index(drop=True), first, last


def fortnight_entries(
    segments: pd.DataFrame, pids: Sequence[str], start: str | pd.Timestamp, months: int
) -> pd.DataFrame:
    """Diary entries (distinct dates) per pid (rows, in the order given) and fortnight.

    Fortnight k (columns 1..K) covers days 14(k-1) to 14k-1 counted from ``start``; the last
    one is shorter when the secondment is not a whole number of fortnights.
    """
    pids = _check_pids(segments, pids)
    entries, first, last = _entry_dates(segments, start, months)
    n_fortnights = math.ceil(((last - first).days + 1) / FORTNIGHT_DAYS)
    fortnight = (entries["date"] - first).dt.days // FORTNIGHT_DAYS + 1
    counts = (
        entries.groupby(["pid", fortnight.rename("fortnight")]).size().unstack(fill_value=0)
        if len(entries)
        else pd.DataFrame()
    )
    columns = pd.Index(range(1, n_fortnights + 1), name="fortnight")
    counts = counts.reindex(index=pids, columns=columns, fill_value=0).astype("int64")
    counts.index = pd.Index(pids, name="pid", dtype=object)
    return counts


def diary_compliance(
    segments: pd.DataFrame, pids: Sequence[str], start: str | pd.Timestamp, months: int
) -> pd.DataFrame:
    """Diary-keeping per pid against the study's rule of an entry at least every two weeks.

    ``entries`` are distinct entry dates with at least one coded segment (an entry nothing
    was coded in is invisible here, so this is a lower bound). ``longest_gap_days`` is the
    largest difference in days between consecutive entries, where the day before the start
    and the day after the last day of the secondment count as entries: so a first entry on
    the start day is a gap of 1, and ``longest_gap_days`` <= 14 exactly when every 14
    consecutive days of the secondment hold an entry. ``gap_over_14_days`` flags a gap of
    15 days or more (a gap of exactly 14, e.g. Monday to Monday two weeks later, keeps the
    rule). A pid without entries has one gap spanning the whole secondment.
    ``fortnights_with_entry_share`` is the share of fortnights (see
    :func:`fortnight_entries`) holding at least one entry.
    """
    grid = fortnight_entries(segments, pids, start, months)
    entries, first, last = _entry_dates(segments, start, months)
    by_pid = dict(list(entries.groupby("pid")["date"]))
    before, after = first - pd.Timedelta(days=1), last + pd.Timedelta(days=1)
    rows = []
    for pid in grid.index:
        dates = list(by_pid[pid]) if pid in by_pid else []
        anchors = [before, *dates, after]
        gap = max((b - a).days for a, b in pairwise(anchors))
        rows.append(
            {
                "pid": pid,
                "entries": len(dates),
                "first_entry": dates[0].strftime("%Y-%m-%d") if dates else None,
                "last_entry": dates[-1].strftime("%Y-%m-%d") if dates else None,
                "longest_gap_days": gap,
                "fortnights_with_entry_share": float((grid.loc[pid] > 0).mean()),
                "gap_over_14_days": gap > MAX_GAP_DAYS,
            }
        )
    return pd.DataFrame(rows, columns=COMPLIANCE_COLUMNS).astype(
        {
            "pid": object,
            "entries": "int64",
            "first_entry": object,
            "last_entry": object,
            "longest_gap_days": "int64",
            "fortnights_with_entry_share": "float64",
            "gap_over_14_days": bool,
        }
    )


def krippendorff_alpha(values: pd.DataFrame) -> float:
    """Krippendorff's alpha for nominal data: rows are units, columns coders, NaN = no value.

    Units with fewer than two values are not pairable and are left out. NaN when fewer than
    two pairable values exist or only one category occurs (alpha is undefined then).
    """
    long = values.reset_index(drop=True).melt(ignore_index=False)["value"].dropna()
    if long.empty:
        return math.nan
    category, categories = pd.factorize(long, sort=True)
    counts = np.zeros((len(values), len(categories)), dtype="float64")
    np.add.at(counts, (long.index.to_numpy(), category), 1.0)
    m = counts.sum(axis=1)
    counts, m = counts[m >= 2], m[m >= 2]
    n_c = counts.sum(axis=0)
    n = n_c.sum()
    expected = n * n - (n_c * n_c).sum()
    if n < 2 or expected == 0:
        return math.nan
    # disagreeing pairable values, each unit weighted by 1 / (m_u - 1) as in the coincidences
    observed = ((m * m - (counts * counts).sum(axis=1)) / (m - 1)).sum()
    return float(1.0 - (n - 1) * observed / expected)


def _kappa(both: int, a_only: int, b_only: int, neither: int) -> float:
    """Cohen's kappa of a 2x2 presence/absence table (NaN when chance agreement is 1)."""
    n = both + a_only + b_only + neither
    if n == 0:
        return math.nan
    p_o = (both + neither) / n
    a_yes, b_yes = (both + a_only) / n, (both + b_only) / n
    p_e = a_yes * b_yes + (1 - a_yes) * (1 - b_yes)
    return math.nan if p_e == 1 else (p_o - p_e) / (1 - p_e)


def coder_agreement(
    segments: pd.DataFrame, codebook: Codebook
) -> tuple[pd.DataFrame, dict[str, Any], pd.DataFrame]:
    """Inter-coder agreement on the presence of each code in each segment.

    A coder has *seen* a segment (pid, entry_date, text) when they gave it at least one code;
    rows without a coder are left out. For each pair of coders the units are the segments
    both have seen, and per code: the 2x2 counts, percent agreement (0-100) and Cohen's
    kappa (NaN when undefined). ``overall`` holds Krippendorff's nominal alpha over every
    (segment, code) seen by two or more coders, presence = 1 and absence = 0, all coders at
    once (None when undefined). ``disagreements`` lists each pair's differing unit x code,
    without text; ``segment`` numbers the segments of one entry in text order. With fewer
    than two coders the tables are empty and ``overall`` says why.
    """
    _coded(segments, codebook)  # checks the codes
    coder = segments["coder"].map(lambda v: v.strip() if isinstance(v, str) else "")
    rows = segments.assign(coder=coder, text=segments["text"].fillna(""))
    without = int((rows["coder"] == "").sum())
    rows = rows[rows["coder"] != ""]
    coders = sorted(rows["coder"].unique())
    if len(coders) < 2:
        note = (
            "agreement needs two or more coders; "
            + ("one coder" if coders else "no coder")
            + " named in the coder column"
        )
        overall: dict[str, Any] = {"coders": len(coders), "note": note}
        if without:
            overall["rows_without_coder"] = without
        return (
            pd.DataFrame(columns=AGREEMENT_COLUMNS),
            overall,
            pd.DataFrame(columns=DISAGREEMENT_COLUMNS),
        )

    ids = [c.id for c in codebook.codes]
    kinds = {c.id: c.kind for c in codebook.codes}
    units = rows[UNIT].drop_duplicates().sort_values(UNIT).reset_index(drop=True)
    units["segment"] = units.groupby(["pid", "entry_date"]).cumcount() + 1
    position = {tuple(u): i for i, u in enumerate(units[UNIT].itertuples(index=False))}
    u = np.array([position[tuple(r)] for r in rows[UNIT].itertuples(index=False)], dtype="int64")
    k = rows["coder"].map({c: i for i, c in enumerate(coders)}).to_numpy(dtype="int64")
    c = rows["code"].map({c: i for i, c in enumerate(ids)}).to_numpy(dtype="int64")
    has = np.zeros((len(units), len(coders), len(ids)), dtype=bool)
    has[u, k, c] = True
    seen = has.any(axis=2)

    per_code, disagree, pairs = [], [], []
    for a, b in combinations(range(len(coders)), 2):
        shared = seen[:, a] & seen[:, b]
        ha, hb = has[shared, a, :], has[shared, b, :]
        both, a_only = (ha & hb).sum(axis=0), (ha & ~hb).sum(axis=0)
        b_only, neither = (~ha & hb).sum(axis=0), (~ha & ~hb).sum(axis=0)
        n = int(shared.sum())
        for j, code in enumerate(ids):
            cell = int(both[j]), int(a_only[j]), int(b_only[j]), int(neither[j])
            per_code.append(
                {
                    "coder_a": coders[a],
                    "coder_b": coders[b],
                    "code": code,
                    "kind": kinds[code],
                    "units": n,
                    "both": cell[0],
                    "coder_a_only": cell[1],
                    "coder_b_only": cell[2],
                    "neither": cell[3],
                    "percent_agreement": 100.0 * (cell[0] + cell[3]) / n if n else math.nan,
                    "kappa": _kappa(*cell),
                }
            )
        agree = (ha == hb).sum()
        pairs.append(
            {
                "coder_a": coders[a],
                "coder_b": coders[b],
                "units": n,
                "percent_agreement": 100.0 * float(agree) / ha.size if ha.size else None,
            }
        )
        unit_index, code_index = np.nonzero(ha != hb)
        shared_units = units[shared].reset_index(drop=True)
        for i, j in zip(unit_index, code_index, strict=True):
            disagree.append(
                {
                    "coder_a": coders[a],
                    "coder_b": coders[b],
                    "pid": shared_units.at[i, "pid"],
                    "entry_date": shared_units.at[i, "entry_date"],
                    "segment": int(shared_units.at[i, "segment"]),
                    "code": ids[j],
                    "coder_a_has": bool(ha[i, j]),
                    "coder_b_has": bool(hb[i, j]),
                }
            )

    # one row per (segment, code), one column per coder; absent where the coder did not see it
    values = np.where(seen[:, :, None], has, np.nan).transpose(0, 2, 1).reshape(-1, len(coders))
    pairable = int((seen.sum(axis=1) >= 2).sum())
    alpha = krippendorff_alpha(pd.DataFrame(values.astype("float64")))
    overall = {
        "coders": len(coders),
        "coder_ids": coders,
        "units": pairable,
        "codes": len(ids),
        "krippendorff_alpha": None if math.isnan(alpha) else alpha,
        "method": "Krippendorff's alpha, nominal, on presence (1) or absence (0) of each "
        "codebook code in each segment seen by two or more coders",
        "pairs": pairs,
    }
    if without:
        overall["rows_without_coder"] = without
    disagreements = pd.DataFrame(disagree, columns=DISAGREEMENT_COLUMNS)
    disagreements = disagreements.sort_values(
        ["coder_a", "coder_b", "pid", "entry_date", "segment", "code"], kind="stable"
    ).reset_index(drop=True)
    return pd.DataFrame(per_code, columns=AGREEMENT_COLUMNS), overall, disagreements


def diary_guard_frames(
    frequencies: pd.DataFrame,
    threads: pd.DataFrame,
    segments: pd.DataFrame,
    codebook: Codebook,
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Frames and parameters for the output guards of the diary tables: the frequencies with
    their summed stage counts; the thread x stage table with the matching frequency count and
    whether each exemplar is, word for word, an anonymised segment text."""
    stage_columns = [f"segments_{s}" for s in codebook.stages]
    freq = frequencies.copy()
    freq["stage_sum"] = freq[stage_columns].sum(axis=1)
    freq["row"] = range(2, len(freq) + 2)
    per_cell = frequencies.melt(
        id_vars="code", value_vars=stage_columns, var_name="stage", value_name="frequency_segments"
    )
    per_cell["stage"] = per_cell["stage"].str.removeprefix("segments_")
    cells = threads.merge(
        per_cell.rename(columns={"code": "thread"}), on=["thread", "stage"], how="left"
    )
    texts = set(segments["text"].dropna())
    cells["quote_from_text"] = cells["exemplar"].map(lambda q: not isinstance(q, str) or q in texts)
    cells["row"] = range(2, len(cells) + 2)
    threads_ids = [c.id for c in codebook.codes if c.kind == "thread"]
    params = {
        "n_codes": len(codebook.codes),
        "codes": [c.id for c in codebook.codes],
        "n_cells": len(threads_ids) * len(codebook.stages),
        "stages": list(codebook.stages),
        "threads": threads_ids,
    }
    return {"frequencies": freq, "threads": cells}, params
