"""The forms a raw input may take in a drop, and how each becomes the contract's table.

A drop holds each raw input in exactly one form: the contract's own table (CSV, or XLSX where
allowed) or, for two inputs, a tool's export that an importer turns into that table:

- ``activity_diary``: ``activity_diary.csv``/``.xlsx``, or a ``calendars/`` folder of Outlook
  CSV exports and iCalendar ``.ics`` files, one file per participant named by their reference;
- ``diary_segments``: ``diary_segments.csv``, or a REFI-QDA project ``diary_segments.qdpx``,
  a QualCoder coding report ``diary_segments_qualcoder.csv``, or Taguette highlights
  ``diary_segments_taguette.csv``; with optional ``qda_codes.csv`` (tool code -> codebook code)
  and ``qda_sources.csv`` (tool source -> participant and entry date). A ``.qdpx`` also gives
  each segment's ``source`` (its document's name: personal data) and ``start``/``end``.

Calendar file names are participant references, which may be e-mail addresses: everything
written (checks, logs, markers) names them ``calendars file k of n`` (name order) instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cohort_eval import io
from cohort_eval.config import Activities, Codebook
from cohort_eval.errors import DropError
from cohort_eval.forms import (
    QDA_MANIFEST,
    QDA_MAPPING,
    calendar_files,
    calendar_label,
    form_of,
)
from cohort_eval.parse import secondment_window


@dataclass(frozen=True)
class ImportSettings:
    """What the importers need from the configuration and the drop's ``drop.yaml``."""

    encoding: str | None
    calendar_locale: str
    daily_hours: float
    calendars: dict[str, Any]  # the configuration's `calendars` section
    qda_source_pattern: str | None
    qda_date_variable: str | None
    start: str
    months: int
    max_file_bytes: int | None = None  # larger drop files (and .qdpx members) are refused


def _optional_table(
    paths: list[str], file_name: str, encoding: str | None, limit: int | None
) -> pd.DataFrame | None:
    for path in paths:
        if Path(path).name == file_name:
            table = io.read_raw_table(path, encoding, limit)
            table.columns = [str(c).strip().lower() for c in table.columns]
            return table.reset_index(drop=True)
    return None


def read_raw_input(
    name: str,
    path: str | Path,
    extra: list[str],
    settings: ImportSettings,
    activities: Activities,
    codebook: Codebook,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The raw table of input ``name`` (every cell text, index = row) and an import report.

    For the contract's own table this is :func:`cohort_eval.io.read_raw_table`. For a tool's
    export it is the importer's canonical table; ``attrs["files"]`` then names, row by row,
    the file the row came from, and the report holds the importer's counts.
    """
    form = form_of(path)
    if form == "table":
        return io.read_raw_table(path, settings.encoding, settings.max_file_bytes), {}
    try:
        if form == "calendars":
            return _read_calendars(Path(path), settings, activities)
        return _read_coding(form, Path(path), extra, settings, codebook)
    except DropError as err:
        # Importers name files within the export; the drop's path says which cohort it is.
        if str(err).startswith(str(path)):
            raise
        raise DropError(f"{path}: {err}", err.terminal_note) from None


def _read_calendars(
    folder: Path, settings: ImportSettings, activities: Activities
) -> tuple[pd.DataFrame, dict[str, Any]]:
    from cohort_eval.calendars import CalendarRules, events_to_diary, read_ics, read_outlook_csv

    files = calendar_files(folder)
    if not files:
        raise DropError(
            f"{folder}: the folder holds no .csv or .ics calendar file; expected one "
            "file per participant, named by their participant_ref."
        )
    last_day = secondment_window(settings.start, settings.months)[1].date().isoformat()
    events = []
    for k, path in enumerate(files, start=1):
        label = calendar_label(k, len(files))
        data = io.read_bytes(path, settings.max_file_bytes, label)
        text = io.decode_text(data, label, settings.encoding)
        if path.suffix.lower() == ".ics":
            events.append(read_ics(text, label, path.stem, expand_until=last_day))
        else:
            events.append(read_outlook_csv(text, label, path.stem, settings.calendar_locale))
    rules = CalendarRules(
        daily_hours=settings.daily_hours,
        leave_busy=tuple(settings.calendars["leave_busy"]),
        leave_category=settings.calendars["leave_category"],
        multi_category=settings.calendars["multi_category"],
        overlap=settings.calendars["overlap"],
    )
    diary, report = events_to_diary(
        pd.concat(events, ignore_index=True), activities, rules, settings.start, settings.months
    )
    return diary, {"form": "calendars", "files": report.to_dict(orient="records")}


def _read_coding(
    form: str, path: Path, extra: list[str], settings: ImportSettings, codebook: Codebook
) -> tuple[pd.DataFrame, dict[str, Any]]:
    from cohort_eval import qda

    limit = settings.max_file_bytes
    mapping = _optional_table(extra, QDA_MAPPING, settings.encoding, limit)
    manifest = _optional_table(extra, QDA_MANIFEST, settings.encoding, limit)
    # The members of a .qdpx count as files: each within the limit, all within four times it.
    sizes = {"max_member_bytes": limit, "max_total_bytes": 4 * limit} if limit else {}
    options = qda.QdpxSettings(
        source_pattern=settings.qda_source_pattern,
        date_variable=settings.qda_date_variable,
        **sizes,
    )
    data = io.read_bytes(path, limit)
    if form == "qdpx":
        table = qda.read_qdpx(data, str(path), codebook, mapping, manifest, options)
    else:
        text = io.decode_text(data, str(path), settings.encoding)
        read = qda.read_qualcoder_csv if form == "qualcoder" else qda.read_taguette_csv
        table = read(text, str(path), codebook, mapping, manifest, options)
    report = {"form": form, **table.attrs.get("report", {})}
    # positions (REFI-QDA only) are kept: co-occurrence counts overlapping selections
    columns = [c for c in qda.SEGMENT_COLUMNS + qda.POSITION_COLUMNS if c in table.columns]
    raw = table[columns].astype(object).where(table[columns].notna(), "").astype(str)
    raw = raw.astype(object)
    raw.index = pd.Index(range(1, len(raw) + 1), name="row", dtype="int64")
    raw.attrs["files"] = [f"{path.name} coding"] * len(raw)
    return raw, report
