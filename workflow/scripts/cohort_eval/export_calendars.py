"""A canonical activity diary re-expressed as Outlook calendar exports (CSV and .ics).

Used by the simulator to produce realistic ``calendars/`` drops. Each participant's day is laid
out as back-to-back timed events in the diary's row order, from 09:00 (or earlier when the day
holds more than 15 hours, so that it ends by midnight); an event lasts its hours, rounded to
the second. Every event is "busy": leave rows are leave through their category. Reading the
files back with :mod:`cohort_eval.calendars` gives the same hours per participant, day and
category. No function here writes files: the caller writes the returned text as UTF-8 without
newline translation (the text carries its own BOM and CRLF line ends).
"""

from __future__ import annotations

import csv
import hashlib
import io as _io
from datetime import datetime, time, timedelta

import pandas as pd

from cohort_eval.calendars import OUTLOOK_COLUMNS
from cohort_eval.errors import DropError
from cohort_eval.parse import parse_dates
from cohort_eval.text import normalise_ref

DAY_START = time(9, 0)
_DAY = 24 * 3600


def _rows(diary: pd.DataFrame, date_format: str | None) -> pd.DataFrame:
    """Diary rows with parsed dates and whole-second durations, in row order."""
    frame = diary.reset_index(drop=True).copy()
    numbers = list(diary.index) if diary.index.name == "row" else [i + 2 for i in range(len(diary))]
    frame["_row"] = numbers
    frame["_date"] = parse_dates(frame["date"].astype(object), date_format)
    hours = pd.to_numeric(frame["hours"].astype(object), errors="coerce")
    for i, row in frame.iterrows():
        if pd.isna(row["_date"]):
            raise DropError(
                f"activity_diary: row {row['_row']}, column 'date': '{row['date']}' is not a "
                "date; expected YYYY-MM-DD or the drop's date_format"
            )
        if pd.isna(hours[i]) or hours[i] < 0:
            raise DropError(
                f"activity_diary: row {row['_row']}, column 'hours': '{row['hours']}' is not "
                "a number of hours of 0 or more"
            )
    frame["_seconds"] = [round(float(h) * 3600) for h in hours]
    frame["_ref"] = frame["participant_ref"].map(normalise_ref)
    for col in ("category", "description"):
        frame[col] = frame[col].astype(object).map(lambda v: "" if pd.isna(v) else str(v))
    return frame


def _layout(diary: pd.DataFrame, date_format: str | None) -> dict[str, list[dict]]:
    """Timed events per normalised participant reference, days in date order."""
    frame = _rows(diary, date_format)
    out: dict[str, list[dict]] = {}
    for ref, person in frame.groupby("_ref", sort=True):
        events = []
        for day, rows in person.groupby("_date", sort=True):
            total = int(rows["_seconds"].sum())
            if total > _DAY:
                raise DropError(
                    f"activity_diary: rows {', '.join(str(r) for r in rows['_row'])} add up to "
                    f"{total / 3600:g} hours on {day:%Y-%m-%d}; a calendar day holds at most 24"
                )
            midnight = datetime.combine(day.date(), time())
            offset = min(DAY_START.hour * 3600, _DAY - total)
            for _, row in rows.iterrows():
                start = midnight + timedelta(seconds=offset)
                offset += int(row["_seconds"])
                events.append(
                    {
                        "start": start,
                        "end": midnight + timedelta(seconds=offset),
                        "category": row["category"],
                        "subject": row["description"],
                    }
                )
        out[str(ref)] = events
    return out


def _csv_date(value: datetime, locale: str) -> str:
    if locale == "en-US":
        return f"{value.month}/{value.day}/{value.year}"
    return f"{value:%d/%m/%Y}"


def _csv_time(value: datetime, locale: str) -> str:
    if locale == "en-US":
        hour = value.hour % 12 or 12
        return f"{hour}:{value:%M:%S} {'AM' if value.hour < 12 else 'PM'}"
    return f"{value:%H:%M:%S}"


def outlook_csv_exports(
    diary: pd.DataFrame, locale: str = "en-GB", *, date_format: str | None = None
) -> dict[str, str]:
    """{``<participant_ref>.csv``: Outlook classic calendar CSV text (BOM, CRLF, 22 columns)}."""
    if locale not in ("en-GB", "en-US"):
        raise DropError(f"unknown calendar locale '{locale}'; expected en-GB or en-US")
    files = {}
    for ref, events in _layout(diary, date_format).items():
        buffer = _io.StringIO()
        writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        writer.writerow(OUTLOOK_COLUMNS)
        for ev in events:
            cells = dict.fromkeys(OUTLOOK_COLUMNS, "")
            cells.update(
                {
                    "Subject": ev["subject"],
                    "Start Date": _csv_date(ev["start"], locale),
                    "Start Time": _csv_time(ev["start"], locale),
                    "End Date": _csv_date(ev["end"], locale),
                    "End Time": _csv_time(ev["end"], locale),
                    "All day event": "False",
                    "Reminder on/off": "False",
                    "Categories": ev["category"],
                    "Priority": "Normal",
                    "Private": "False",
                    "Sensitivity": "Normal",
                    "Show time as": "2",
                }
            )
            writer.writerow(cells.values())
        files[f"{ref}.csv"] = "\ufeff" + buffer.getvalue()
    return files


_VTIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Europe/London",
    "BEGIN:DAYLIGHT",
    "TZOFFSETFROM:+0000",
    "TZOFFSETTO:+0100",
    "TZNAME:BST",
    "DTSTART:19810329T010000",
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
    "END:DAYLIGHT",
    "BEGIN:STANDARD",
    "TZOFFSETFROM:+0100",
    "TZOFFSETTO:+0000",
    "TZNAME:GMT",
    "DTSTART:19961027T020000",
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def escape_text(value: str) -> str:
    """RFC 5545 TEXT escaping: backslash, semicolon, comma and line breaks."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """Fold a content line into CRLF-joined pieces of at most 75 octets (RFC 5545 3.1)."""
    pieces, current, size, limit = [], [], 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [" "], 1, 75
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n".join(pieces)


def ics_exports(diary: pd.DataFrame, *, date_format: str | None = None) -> dict[str, str]:
    """{``<participant_ref>.ics``: iCalendar text (Europe/London times, CRLF, folded lines)}."""
    files = {}
    for ref, events in _layout(diary, date_format).items():
        # Hashed so that the UID does not show the participant reference.
        stem = hashlib.sha256(ref.encode("utf-8")).hexdigest()[:16]
        lines = [
            "BEGIN:VCALENDAR",
            "PRODID:-//cohort-eval//calendar export//EN",
            "VERSION:2.0",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            *_VTIMEZONE,
        ]
        for n, ev in enumerate(events, start=1):
            lines += [
                "BEGIN:VEVENT",
                f"UID:{stem}-{n:05d}@cohort-eval",
                f"DTSTAMP:{ev['start']:%Y%m%d}T000000Z",
                f"DTSTART;TZID=Europe/London:{ev['start']:%Y%m%dT%H%M%S}",
                f"DTEND;TZID=Europe/London:{ev['end']:%Y%m%dT%H%M%S}",
                f"SUMMARY:{escape_text(ev['subject'])}",
                f"CATEGORIES:{escape_text(ev['category'])}",
                "TRANSP:OPAQUE",
                "X-MICROSOFT-CDO-BUSYSTATUS:BUSY",
                "END:VEVENT",
            ]
        lines.append("END:VCALENDAR")
        files[f"{ref}.ics"] = "".join(fold(line) + "\r\n" for line in lines)
    return files
