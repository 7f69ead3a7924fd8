"""Check frames: the raw tables reshaped so that great-expectations suites can judge them.

Every frame carries ``row`` (the spreadsheet row, header = 1) so that a failed expectation
can be reported as file, row, column and value.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from cohort_eval.config import (
    Activities,
    Codebook,
    Instrument,
    load_activities,
    load_codebook,
    load_instrument,
)
from cohort_eval.contract import EXEMPLAR_VALUES, STATUSES, InputSpec
from cohort_eval.parse import (
    blank_to_none,
    map_distinct,
    parse_dates,
    parse_likert,
    parse_numbers,
    ref_keys,
    secondment_window,
)
from cohort_eval.text import column_key, normalise


@dataclass(frozen=True)
class CohortContext:
    """What the checks of one cohort's drop need to know besides the file itself."""

    start: str
    months: int
    date_format: str | None
    instrument: Instrument
    codebook: Codebook
    activities: Activities
    roster_keys: frozenset[str] = frozenset()


def cohort_context(
    start: str, months: int, date_format: str | None, study: dict[str, Any]
) -> CohortContext:
    """The context of a cohort's checks from its settings and the study files as read
    (``study`` maps instrument, codebook and activities to their parsed YAML)."""
    return CohortContext(
        start=start,
        months=months,
        date_format=date_format,
        instrument=load_instrument(study["instrument"]),
        codebook=load_codebook(study["codebook"]),
        activities=load_activities(study["activities"]),
    )


def roster_keys(roster: pd.DataFrame) -> frozenset[str]:
    """Normalised participant references of a raw roster (empty if it has no such column)."""
    for column in roster.columns:
        if column_key(column) == column_key("participant_ref"):
            return frozenset(k for k in ref_keys(blank_to_none(roster[column])) if k)
    return frozenset()


def column_params(spec: InputSpec, instrument: Instrument) -> dict[str, Any]:
    """Suite parameters for the header check of ``spec``."""
    required = list(spec.required)
    if spec.kind == "survey":
        required += instrument.statement_ids
        expected = (
            "participant_ref, one column per statement headed by its id (e.g. "
            f"{instrument.statement_ids[0]}) or its text as in the instrument, and free-text "
            "columns whose header starts with 'comment'"
        )
    else:
        expected = ", ".join([*spec.required, *(f"{c} (optional)" for c in spec.optional)])
    return {"required_columns": required, "expected_columns": expected}


def _base(raw: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame({"row": raw.index.to_numpy()})
    if raw.attrs.get("files"):  # an imported table: rows come from several files
        frame["file"] = list(raw.attrs["files"])
    frame.index = pd.RangeIndex(len(frame))
    return frame


def _refs(frame: pd.DataFrame, raw: pd.DataFrame, roster_keys: frozenset[str]) -> None:
    frame["participant_ref"] = blank_to_none(raw["participant_ref"]).to_numpy()
    frame["ref_key"] = ref_keys(frame["participant_ref"]).to_numpy()
    in_roster = map_distinct(frame["ref_key"], lambda k: k is None or k in roster_keys)
    frame["in_roster"] = in_roster.astype(bool)


def _text(values: pd.Series) -> pd.Series:
    return blank_to_none(values).reset_index(drop=True)


def _strip(value: object) -> object:
    return value.strip() if isinstance(value, str) else None


def _keys(values: pd.Series) -> pd.Series:
    return map_distinct(values, lambda v: normalise(v) if isinstance(v, str) else None)


def roster_frames(raw: pd.DataFrame, ctx: CohortContext) -> dict[str, pd.DataFrame]:
    """The roster, one row per participant, with parsed years and normalised status."""
    frame = _base(raw)
    _refs(frame, raw, frozenset())
    for column in ("name", "email", "sex", "profession", "role_level", "years_registered"):
        frame[column] = map_distinct(_text(raw[column]), _strip).to_numpy()
    frame["years"] = parse_numbers(raw["years_registered"]).to_numpy()
    frame["status"] = _text(raw["status"]).to_numpy()
    frame["status_key"] = _keys(frame["status"])
    return {"rows": frame}


def survey_frames(raw: pd.DataFrame, ctx: CohortContext) -> dict[str, pd.DataFrame]:
    """Respondents (one row each) and answers (one row per respondent and statement)."""
    rows = _base(raw)
    _refs(rows, raw, ctx.roster_keys)
    ids = ctx.instrument.statement_ids
    cells = raw[ids]
    answers = pd.DataFrame(
        {
            "row": pd.Series(cells.index.to_numpy()).repeat(len(ids)).to_numpy(),
            "column": ids * len(cells),
            "raw": blank_to_none(pd.Series(cells.to_numpy().ravel(), dtype=object)).to_numpy(),
        }
    )
    scores = parse_likert(answers["raw"], ctx.instrument)
    answers["answer"] = [
        (str(s) if not pd.isna(s) else r) for s, r in zip(scores, answers["raw"], strict=True)
    ]
    answers["answer"] = answers["answer"].astype(object)
    return {"rows": rows, "answers": answers}


def activity_frames(raw: pd.DataFrame, ctx: CohortContext) -> dict[str, pd.DataFrame]:
    """Activity diary rows with parsed dates and hours and normalised categories."""
    frame = _base(raw)
    _refs(frame, raw, ctx.roster_keys)
    frame["date_raw"] = _text(raw["date"]).to_numpy()
    frame["date"] = parse_dates(raw["date"], ctx.date_format).to_numpy()
    frame["category"] = _text(raw["category"]).to_numpy()
    frame["category_key"] = _keys(frame["category"])
    frame["hours_raw"] = _text(raw["hours"]).to_numpy()
    frame["hours"] = parse_numbers(raw["hours"]).to_numpy()
    return {"rows": frame}


def segment_frames(raw: pd.DataFrame, ctx: CohortContext) -> dict[str, pd.DataFrame]:
    """Coded diary segments with parsed entry dates, normalised codes and, where given, the
    source and character positions (``start``/``end``) of each."""
    frame = _base(raw)
    _refs(frame, raw, ctx.roster_keys)
    frame["entry_date_raw"] = _text(raw["entry_date"]).to_numpy()
    frame["entry_date"] = parse_dates(raw["entry_date"], ctx.date_format).to_numpy()
    frame["code"] = _text(raw["code"]).to_numpy()
    frame["code_key"] = _keys(frame["code"])
    frame["segment"] = _text(raw["segment"]).to_numpy()
    exemplar = raw["exemplar"] if "exemplar" in raw else pd.Series([""] * len(raw))
    frame["exemplar"] = _text(exemplar).to_numpy()
    frame["exemplar_key"] = _keys(frame["exemplar"])
    frame["source"] = _text(_optional(raw, "source")).to_numpy()
    for column in ("start", "end"):
        frame[f"{column}_raw"] = _text(_optional(raw, column)).to_numpy()
        frame[column] = parse_positions(_optional(raw, column)).astype("float64").to_numpy()
    has_start, has_end = frame["start_raw"].notna(), frame["end_raw"].notna()
    frame["span"] = [
        f"start {s if isinstance(s, str) else 'empty'}, end {e if isinstance(e, str) else 'empty'}"
        for s, e in zip(frame["start_raw"], frame["end_raw"], strict=True)
    ]
    frame["positions_paired"] = (has_start == has_end).astype(bool)
    frame["positions_ordered"] = (~(frame["start"] > frame["end"])).astype(bool)
    frame["source_given"] = (frame["source"].notna() | ~(has_start | has_end)).astype(bool)
    return {"rows": frame}


def _optional(raw: pd.DataFrame, column: str) -> pd.Series:
    """An optional column of a raw table, or empty cells where the table has none."""
    return raw[column] if column in raw else pd.Series([""] * len(raw), dtype=object)


def parse_positions(values: pd.Series) -> pd.Series:
    """Character positions from text cells: whole numbers 0 or more; anything else missing."""
    numbers = parse_numbers(values)
    whole = (numbers >= 0) & (numbers < 2**53) & (numbers == numbers.round())
    return numbers.where(whole).astype("Int64")


ROW_FRAMES = {
    "roster": roster_frames,
    "survey": survey_frames,
    "activity_diary": activity_frames,
    "diary_segments": segment_frames,
}


def row_params(spec: InputSpec, ctx: CohortContext) -> dict[str, Any]:
    """Suite parameters for the row checks of ``spec`` in this cohort."""
    first, last = secondment_window(ctx.start, ctx.months)
    scale = ctx.instrument
    return {
        "statuses": list(STATUSES),
        "scale_values": [str(s) for s in range(scale.scale_min, scale.scale_max + 1)],
        "scale_text": f"{scale.scale_min}-{scale.scale_max} or a scale label ("
        + ", ".join(f"'{label}'" for label in scale.point_labels.values())
        + ")",
        "window_start": first,
        "window_end": last,
        "window_text": f"{first:%Y-%m-%d} to {last:%Y-%m-%d}",
        "date_text": "a date written as 2023-09-18"
        + (f" or in the drop's date_format '{ctx.date_format}'" if ctx.date_format else ""),
        "category_keys": sorted(ctx.activities.keys),
        "code_keys": sorted(ctx.codebook.keys),
        "exemplar_values": list(EXEMPLAR_VALUES),
    }
