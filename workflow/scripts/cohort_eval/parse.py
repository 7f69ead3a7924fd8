"""Parsing of raw cells: blanks, references, Likert answers, dates, numbers, months."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from cohort_eval.config import Instrument
from cohort_eval.contract import InputSpec
from cohort_eval.text import column_key, normalise, normalise_ref


def map_distinct(values: pd.Series, func: Callable[[Any], Any]) -> pd.Series:
    """``values.map(func)`` (object dtype), calling ``func`` once per distinct value: columns
    of a large drop repeat a few references, codes and categories hundreds of thousands of
    times."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = [func(u) for u in uniques]
    missing = codes < 0
    mapped.append(func(values[missing].iloc[0]) if missing.any() else None)
    result = np.empty(len(mapped), dtype=object)
    result[:] = mapped
    return pd.Series(result[codes], index=values.index, dtype=object, name=values.name)


def blank_to_none(values: pd.Series) -> pd.Series:
    """Cells that are empty or only whitespace become missing."""
    return map_distinct(values, lambda v: v if isinstance(v, str) and v.strip() else None)


_PERSONAL = re.compile(r"@|\d[\d ]{5,}\d")
HIDDEN = "(not shown: looks like personal data)"


def classify_headers(
    headers: list[str],
    spec: InputSpec,
    instrument: Instrument | None = None,
    positions: list[int] | None = None,
) -> pd.DataFrame:
    """One row per header cell: its spreadsheet column, text, kind and the column it names.

    Contract columns match ignoring case, spacing and '_' versus space; survey headers name a
    statement by id or text (ignoring case, spacing and curly quotes); headers starting with
    'comment' are free-text questions. Kinds: column, statement, comment, unknown. ``shown``
    is the header as it may be printed: hidden when it looks like personal data, and for the
    whole row when nothing in it is a known header (a data row where the header should be).
    """
    known = {column_key(c): c for c in (*spec.required, *spec.optional)}
    statements = instrument.header_keys() if (instrument and spec.kind == "survey") else {}
    rows = []
    for position, header in zip(positions or range(1, len(headers) + 1), headers, strict=True):
        key = normalise(header)
        if column_key(header) in known:
            kind, canonical = "column", known[column_key(header)]
        elif key in known:
            kind, canonical = "column", known[key]
        elif key in statements:
            kind, canonical = "statement", statements[key]
        elif spec.kind == "survey" and key.startswith("comment"):
            kind, canonical = "comment", None
        else:
            kind, canonical = "unknown", None
        shown = HIDDEN if _PERSONAL.search(header) else header
        rows.append(
            {
                "row": 1,
                "column": position,
                "header": header,
                "shown": shown,
                "kind": kind,
                "canonical": canonical,
            }
        )
    frame = pd.DataFrame(rows, columns=["row", "column", "header", "shown", "kind", "canonical"])
    frame = frame.astype({"header": object, "shown": object, "kind": object, "canonical": object})
    if not frame["kind"].isin(["column", "statement"]).any():
        frame["shown"] = HIDDEN
    return frame


def canonical_columns(raw: pd.DataFrame, headers: pd.DataFrame) -> pd.DataFrame:
    """The raw table with canonical column names (statement ids, contract names).

    Comment columns keep their header; unknown columns are dropped.
    """
    names = []
    keep = []
    for i, (kind, canonical, header) in enumerate(
        headers[["kind", "canonical", "header"]].itertuples(index=False)
    ):
        if kind in ("column", "statement"):
            names.append(canonical)
            keep.append(i)
        elif kind == "comment":
            names.append(header)
            keep.append(i)
    frame = raw.iloc[:, keep].copy()
    frame.columns = pd.Index(names, dtype=object)
    return frame


def ref_keys(values: pd.Series) -> pd.Series:
    """Participant references as matched across files (trimmed, lower-cased)."""
    return map_distinct(values, lambda v: normalise_ref(v) if isinstance(v, str) else None)


def parse_likert(values: pd.Series, instrument: Instrument) -> pd.Series:
    """Scores from cells holding 1-5 or a scale label (case-insensitive); others missing."""
    return map_distinct(
        values, lambda v: instrument.labels.get(normalise(v)) if isinstance(v, str) else None
    ).astype("Int64")


def parse_dates(values: pd.Series, date_format: str | None) -> pd.Series:
    """Dates from YYYY-MM-DD cells, or cells in ``date_format``; anything else is NaT."""
    text = map_distinct(values, lambda v: v.strip() if isinstance(v, str) else None)
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    if date_format:
        other = pd.to_datetime(text, format=date_format, errors="coerce")
        parsed = parsed.fillna(other)
    return parsed.dt.normalize().astype("datetime64[ns]")


def parse_numbers(values: pd.Series) -> pd.Series:
    """Numbers from text cells; anything else is NaN."""
    text = map_distinct(values, lambda v: v.strip() if isinstance(v, str) else None)
    return pd.to_numeric(text, errors="coerce").astype("float64")


def secondment_window(start: str | pd.Timestamp, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
    """First and last day of a secondment of ``months`` calendar months from ``start``."""
    first = pd.Timestamp(start).normalize()
    last = first + pd.DateOffset(months=months) - pd.Timedelta(days=1)
    return first, last


def secondment_month(dates: pd.Series, start: str | pd.Timestamp, months: int) -> pd.Series:
    """Secondment month of each date: month k runs from ``start`` + (k - 1) calendar months.

    Dates before ``start`` get 0 and dates after the last month get ``months`` + 1.
    """
    first = pd.Timestamp(start).normalize()
    month = pd.Series(0, index=dates.index, dtype="Int64")
    for k in range(months + 1):
        month += (dates >= first + pd.DateOffset(months=k)).astype("Int64")
    return month.mask(dates.isna())
