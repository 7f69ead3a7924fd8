"""Outlook calendar exports (classic CSV and iCalendar) read into the canonical activity diary.

Readers return an *events frame* (``EVENT_COLUMNS``), one row per event occurrence, with
``start``/``end`` as naive Europe/London wall times and all-day events running from midnight
of their first day to midnight after their last.

- Outlook CSV (:func:`read_outlook_csv`): ``row`` is the spreadsheet row (header = 1; a quoted
  multi-line Description does not shift it). Dates follow the export's Windows locale (en-GB
  dd/mm/yyyy or en-US m/d/yyyy); times may be 24-hour or AM/PM in either. Organiser,
  attendee, resource, location and description columns are never read.
- iCalendar (:func:`read_ics`): ``row`` is the line of BEGIN:VEVENT. Times in UTC, an IANA or
  Windows TZID, or a TZID defined only by the file's VTIMEZONE block are converted to
  Europe/London; floating times are taken as Europe/London. RRULE/RDATE/EXDATE are expanded in
  the event's own zone (a weekly 10:00 meeting stays at 10:00 across a clock change);
  RECURRENCE-ID replaces one occurrence (RANGE=THISANDFUTURE is read as that one occurrence);
  STATUS:CANCELLED drops an event or a whole series. A series without COUNT or UNTIL is expanded
  for ``OPEN_SERIES_YEARS`` years unless ``expand_until`` is given.

:func:`events_to_diary` turns events into ``activity_diary`` rows by these rules:

1. Categories. Every category name is looked up in ``config/activities.yaml`` (ids, labels and
   aliases; case, spacing, curly quotes and dashes ignored). A name that matches nothing stops
   the run, naming the file, the name, how many events carry it and the first row. An event
   with no category stops the run too, unless it is leave by its busy status (rule 3).
2. Times. An event ending before it starts stops the run; a zero-length event counts 0 hours.
   Hours are wall-clock differences (on the two clock-change nights a year, an event spanning
   01:00-02:00 counts by the clock, not by elapsed time).
3. Leave. An event is leave if one of its categories is a leave category, or if its busy
   status is in ``rules.leave_busy`` (Outlook "Out of office" by default). A leave event keeps
   only its leave categories; an event that is leave by status alone gets
   ``rules.leave_category``. All-day events follow the same rule.
4. All-day events never count 24 hours: each Monday-Friday they cover counts
   ``rules.daily_hours``; Saturdays and Sundays count 0. The end is exclusive (Outlook writes
   the day after the last day); an all-day event ending on its start day covers that one day.
   All-day events take no part in rule 5.
5. Overlap (``rules.overlap == "split"``). For one participant (across all of their files),
   time covered by k timed events at once is divided equally between them, so the hours add
   up to the time covered. ``"keep"`` counts the time for each event.
6. Several categories (``rules.multi_category``): ``"split"`` divides an event's hours equally
   between its distinct category ids; ``"first"`` gives them all to the first one.
7. Days. A timed event crossing midnight is split at midnight; each day is a separate row.
8. Window. Days outside the secondment window (first to last day, both included, as
   :func:`cohort_eval.parse.secondment_window`) are left out and counted in the report.
9. Output: one row per event occurrence x category x day with hours > 0 after rounding to 4
   decimals; hours are written as text ("1.5"). The report counts, per file, events (source
   rows), occurrences, all-day and leave occurrences, occurrences overlapping another timed
   event, occurrences split between categories, occurrences with a day outside the window,
   and total hours written. It never holds subjects or participant references.

No function here reads files: callers decode bytes (``cohort_eval.io.decode_text``) and pass
the text and a display name used in messages.
"""

from __future__ import annotations

import csv
import io as _io
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from dateutil.rrule import rrule, rrulestr

from cohort_eval.config import Activities
from cohort_eval.errors import ConfigError, DropError
from cohort_eval.parse import secondment_window
from cohort_eval.text import column_key, normalise

EVENT_COLUMNS = [
    "file",
    "row",
    "participant_ref",
    "subject",
    "start",
    "end",
    "all_day",
    "categories",
    "busy",
]
DIARY_COLUMNS = ["participant_ref", "date", "category", "hours", "description"]
REPORT_COLUMNS = [
    "file",
    "events",
    "occurrences",
    "all_day",
    "leave",
    "overlapping",
    "multi_category",
    "outside_window",
    "hours",
]
OUTLOOK_COLUMNS = [
    "Subject",
    "Start Date",
    "Start Time",
    "End Date",
    "End Time",
    "All day event",
    "Reminder on/off",
    "Reminder Date",
    "Reminder Time",
    "Meeting Organizer",
    "Required Attendees",
    "Optional Attendees",
    "Meeting Resources",
    "Billing Information",
    "Categories",
    "Description",
    "Location",
    "Mileage",
    "Priority",
    "Private",
    "Sensitivity",
    "Show time as",
]
REQUIRED_COLUMNS = [*OUTLOOK_COLUMNS[:6], "Categories"]
BUSY_STATUSES = ("free", "tentative", "busy", "oof", "elsewhere")
LOCALES = {
    "en-GB": ("%d/%m/%Y", "dd/mm/yyyy", "18/09/2023"),
    "en-US": ("%m/%d/%Y", "m/d/yyyy", "9/18/2023"),
}
# An open-ended RRULE is expanded this far past its DTSTART unless read_ics is given a limit.
OPEN_SERIES_YEARS = 2
MAX_OCCURRENCES = 20_000
LONDON = ZoneInfo("Europe/London")

# Windows time-zone names Outlook and Exchange write as TZID (CLDR windowsZones, territory 001).
WINDOWS_ZONES = {
    "gmt standard time": "Europe/London",
    "greenwich standard time": "Atlantic/Reykjavik",
    "w. europe standard time": "Europe/Berlin",
    "central europe standard time": "Europe/Budapest",
    "central european standard time": "Europe/Warsaw",
    "romance standard time": "Europe/Paris",
    "e. europe standard time": "Europe/Chisinau",
    "fle standard time": "Europe/Kyiv",
    "gtb standard time": "Europe/Bucharest",
    "turkey standard time": "Europe/Istanbul",
    "israel standard time": "Asia/Jerusalem",
    "russian standard time": "Europe/Moscow",
    "egypt standard time": "Africa/Cairo",
    "south africa standard time": "Africa/Johannesburg",
    "morocco standard time": "Africa/Casablanca",
    "eastern standard time": "America/New_York",
    "central standard time": "America/Chicago",
    "mountain standard time": "America/Denver",
    "us mountain standard time": "America/Phoenix",
    "pacific standard time": "America/Los_Angeles",
    "alaskan standard time": "America/Anchorage",
    "hawaiian standard time": "Pacific/Honolulu",
    "atlantic standard time": "America/Halifax",
    "newfoundland standard time": "America/St_Johns",
    "arabian standard time": "Asia/Dubai",
    "india standard time": "Asia/Kolkata",
    "singapore standard time": "Asia/Singapore",
    "china standard time": "Asia/Shanghai",
    "tokyo standard time": "Asia/Tokyo",
    "aus eastern standard time": "Australia/Sydney",
    "new zealand standard time": "Pacific/Auckland",
    "utc": "UTC",
    "coordinated universal time": "UTC",
}


@dataclass(frozen=True)
class CalendarRules:
    """How calendar events become diary hours (see the module docstring)."""

    daily_hours: float  # hours an all-day event counts per weekday (weekly_hours * wte / 5)
    leave_busy: tuple[str, ...] = ("oof",)  # busy statuses that make an event leave
    leave_category: str = "annual_leave"  # category of an event that is leave by status only
    multi_category: str = "split"  # "split" equally between categories, or "first" only
    overlap: str = "split"  # "split" shared time between overlapping events, or "keep"


# --------------------------------------------------------------------------- shared helpers


def _where(name: str, row: int) -> str:
    return f"line {row}" if name.lower().endswith(".ics") else f"row {row}"


# Years a calendar event may fall in: a year outside is a typing error (0023 for 2023), and
# the tables' timestamps cannot hold dates centuries away.
YEARS = (1900, 2200)


def _events_frame(records: list[dict], unit: str = "row") -> pd.DataFrame:
    for record in records:
        for column in ("start", "end"):
            when = record[column]
            if not YEARS[0] <= when.year <= YEARS[1]:
                raise DropError(
                    f"{record['file']}: {unit} {record['row']}: the event {column}s in the year "
                    f"{when.year}; expected a date from {YEARS[0]} to {YEARS[1]}"
                )
    frame = pd.DataFrame.from_records(records, columns=EVENT_COLUMNS)
    for col in ("file", "participant_ref", "subject", "categories", "busy"):
        frame[col] = frame[col].astype(object)
    frame["row"] = frame["row"].astype("int64")
    frame["all_day"] = frame["all_day"].astype(bool)
    for col in ("start", "end"):
        frame[col] = pd.to_datetime(frame[col]).astype("datetime64[ns]")
    return frame


def _split_categories(value: str, sep: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in value.split(sep) if c.strip())


# --------------------------------------------------------------------------- Outlook CSV

_TRUE = {"true", "yes", "1", "waar", "wahr", "vrai", "verdadero", "vero", "sant", "sand"}
_FALSE = {"false", "no", "0", "onwaar", "falsch", "faux", "falso", "usant", "falsk"}
_SHOW_AS = {
    "0": "free",
    "free": "free",
    "1": "tentative",
    "tentative": "tentative",
    "2": "busy",
    "busy": "busy",
    "3": "oof",
    "oof": "oof",
    "out of office": "oof",
    "away": "oof",
    "4": "elsewhere",
    "elsewhere": "elsewhere",
    "working elsewhere": "elsewhere",
    "workingelsewhere": "elsewhere",
}


def _csv_date(value: str, where: str, column: str, locale: str) -> date:
    fmt, shape, example = LOCALES[locale]
    try:
        day = datetime.strptime(value.strip(), fmt).date()
    except ValueError:
        raise DropError(
            f"{where}, column '{column}': '{value}' is not a date; expected {shape} as Outlook "
            f"writes it with locale {locale}, e.g. {example}"
        ) from None
    if not YEARS[0] <= day.year <= YEARS[1]:
        raise DropError(
            f"{where}, column '{column}': '{value}' is in the year {day.year}; expected a date "
            f"from {YEARS[0]} to {YEARS[1]}, e.g. {example}"
        )
    return day


def _csv_time(value: str, where: str, column: str) -> time:
    text = value.strip().upper().replace(".", "")
    for fmt in ("%H:%M:%S", "%H:%M", "%I:%M:%S %p", "%I:%M %p"):
        try:
            return datetime.strptime(text, fmt).time()
        except ValueError:
            continue
    raise DropError(
        f"{where}, column '{column}': '{value}' is not a time; expected a time such as "
        "09:30:00, 09:30 or 9:30:00 AM"
    )


def read_outlook_csv(
    text: str, name: str, participant_ref: str, locale: str = "en-GB"
) -> pd.DataFrame:
    """Events of an Outlook classic calendar CSV export (22 columns), one row per occurrence.

    ``row`` is the spreadsheet row number (header = 1). Attendee, organiser, resource,
    location and description columns are never read.
    """
    if locale not in LOCALES:
        raise DropError(
            f"{name}: unknown calendar locale '{locale}'; expected one of "
            f"{', '.join(LOCALES)} (the Windows regional format the file was exported with)"
        )
    text = text.removeprefix("\ufeff")
    try:
        records = list(csv.reader(_io.StringIO(text, newline="")))
    except csv.Error as err:
        raise DropError(f"{name}: not a readable CSV file ({err}).") from None
    if not records or not any(c.strip() for c in records[0]):
        raise DropError(
            f"{name}: the first row is empty; expected the Outlook header row "
            f"({', '.join(REQUIRED_COLUMNS)}, ...)."
        )
    header = {column_key(h): i for i, h in reversed(list(enumerate(records[0])))}
    missing = [c for c in REQUIRED_COLUMNS if column_key(c) not in header]
    if missing:
        raise DropError(
            f"{name}: missing column(s) {', '.join(repr(c) for c in missing)}; expected an "
            "Outlook calendar export (File > Open & Export > Export to a file > Comma Separated "
            "Values, Calendar) with English column names"
        )
    pos = {c: header.get(column_key(c)) for c in [*REQUIRED_COLUMNS, "Show time as"]}

    def cell(record: list[str], column: str) -> str:
        i = pos[column]
        return record[i] if i is not None and i < len(record) else ""

    rows: list[dict] = []
    for number, record in enumerate(records[1:], start=2):
        if not any(c.strip() for c in record):
            continue
        where = f"{name}: row {number}"
        flag = cell(record, "All day event").strip().casefold()
        if flag not in _TRUE | _FALSE:
            raise DropError(
                f"{where}, column 'All day event': '{cell(record, 'All day event')}' is not "
                "True or False"
            )
        all_day = flag in _TRUE
        start_day = _csv_date(cell(record, "Start Date"), where, "Start Date", locale)
        end_day = _csv_date(cell(record, "End Date"), where, "End Date", locale)
        times = []
        for column in ("Start Time", "End Time"):
            value = cell(record, column)
            times.append(
                time() if all_day and not value.strip() else _csv_time(value, where, column)
            )
        start = datetime.combine(start_day, times[0])
        end = datetime.combine(end_day, times[1])
        if all_day:
            start, end = _all_day_bounds(start, end)
        show = cell(record, "Show time as").strip()
        busy = _SHOW_AS.get(normalise(show), None) if show else ""
        if busy is None:
            raise DropError(
                f"{where}, column 'Show time as': '{show}' is not a busy status; expected 0 "
                "(free), 1 (tentative), 2 (busy), 3 (out of office) or 4 (working elsewhere)"
            )
        rows.append(
            {
                "file": name,
                "row": number,
                "participant_ref": participant_ref,
                "subject": cell(record, "Subject").strip(),
                "start": start,
                "end": end,
                "all_day": all_day,
                "categories": _split_categories(cell(record, "Categories"), ";"),
                "busy": busy,
            }
        )
    return _events_frame(rows)


def _all_day_bounds(start: datetime, end: datetime) -> tuple[datetime, datetime]:
    """Midnight of the first day and midnight after the last (exclusive) for an all-day event."""
    first = datetime.combine(start.date(), time())
    last = datetime.combine(end.date(), time())
    if end > last:
        last += timedelta(days=1)
    if last == first:  # some tools write End Date = Start Date for a one-day event
        last += timedelta(days=1)
    return first, last


# --------------------------------------------------------------------------- iCalendar


@dataclass
class _Prop:
    name: str
    params: dict[str, str]
    value: str
    line: int


@dataclass
class _Comp:
    name: str
    line: int
    props: list[_Prop] = field(default_factory=list)
    children: list[_Comp] = field(default_factory=list)

    def all(self, name: str) -> list[_Prop]:
        return [p for p in self.props if p.name == name]

    def one(self, name: str) -> _Prop | None:
        found = self.all(name)
        return found[0] if found else None


def _unfold(text: str) -> Iterator[tuple[int, str]]:
    """Logical content lines with the number of their first physical line (RFC 5545 3.1)."""
    current: list[str] = []
    first = 0
    for number, line in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if line[:1] in (" ", "\t") and current:
            current.append(line[1:])
            continue
        if current:
            yield first, "".join(current)
        current, first = [line], number
    if current:
        yield first, "".join(current)


def _content_line(line: str, number: int, name: str) -> _Prop:
    quoted = False
    for i, char in enumerate(line):
        if char == '"':
            quoted = not quoted
        elif char == ":" and not quoted:
            head, value = line[:i], line[i + 1 :]
            break
    else:
        raise DropError(
            f"{name}: line {number} is not an iCalendar content line (NAME:value); the file "
            "may be damaged or not an .ics export"
        )
    parts = re.findall(r'(?:[^;"]|"[^"]*")+', head)
    params: dict[str, str] = {}
    for part in parts[1:]:
        key, _, val = part.partition("=")
        params[key.strip().upper()] = val.strip().strip('"')
    return _Prop(parts[0].strip().upper() if parts else "", params, value, number)


def _components(text: str, name: str) -> _Comp:
    root = _Comp("ROOT", 0)
    stack = [root]
    for number, line in _unfold(text.removeprefix("\ufeff")):
        if not line.strip():
            continue
        if len(stack) == 1 and not root.children and line.strip().upper() != "BEGIN:VCALENDAR":
            break  # not an iCalendar file: reported below
        prop = _content_line(line, number, name)
        if prop.name == "BEGIN":
            comp = _Comp(prop.value.strip().upper(), number)
            stack[-1].children.append(comp)
            stack.append(comp)
        elif prop.name == "END":
            if len(stack) == 1 or stack[-1].name != prop.value.strip().upper():
                expected = f"END:{stack[-1].name}" if len(stack) > 1 else "no END"
                raise DropError(
                    f"{name}: line {number}: END:{prop.value.strip()} does not close the open "
                    f"component; expected {expected}. The file may be cut short or damaged."
                )
            stack.pop()
        else:
            stack[-1].props.append(prop)
    if len(stack) > 1:
        raise DropError(
            f"{name}: BEGIN:{stack[-1].name} on line {stack[-1].line} is never closed; the file "
            "may be cut short. Export the calendar again."
        )
    calendars = [c for c in root.children if c.name == "VCALENDAR"]
    if not calendars:
        raise DropError(
            f"{name}: no BEGIN:VCALENDAR found; expected an iCalendar (.ics) calendar export"
        )
    merged = _Comp("VCALENDAR", calendars[0].line)
    for cal in calendars:
        merged.props += cal.props
        merged.children += cal.children
    return merged


def _unescape(value: str) -> str:
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


def _split_escaped(value: str) -> list[str]:
    """Split a TEXT list on commas that are not escaped, then unescape each part."""
    parts, current, i = [], [], 0
    while i < len(value):
        if value[i] == "\\" and i + 1 < len(value):
            current.append(value[i : i + 2])
            i += 2
            continue
        if value[i] == ",":
            parts.append("".join(current))
            current = []
        else:
            current.append(value[i])
        i += 1
    parts.append("".join(current))
    return [_unescape(p) for p in parts]


@dataclass
class _VTimezone:
    """A VTIMEZONE block with a TZID no time-zone database knows: offsets from its rules."""

    onsets: tuple[tuple[datetime, timedelta, rrule | None], ...]
    cache: dict[datetime, timedelta] = field(default_factory=dict)

    def offset(self, local: datetime) -> timedelta:
        if local not in self.cache:
            self.cache[local] = self._offset(local)
        return self.cache[local]

    def _offset(self, local: datetime) -> timedelta:
        best: tuple[datetime, timedelta] | None = None
        for start, offset, rule in self.onsets:
            onset = rule.before(local, inc=True) if rule is not None else start
            if onset is not None and onset <= local and (best is None or onset > best[0]):
                best = (onset, offset)
        if best is None:  # before the first onset: the earliest rule's offset
            best = min(((s, o) for s, o, _ in self.onsets), key=lambda x: x[0])
        return best[1]


_Zone = tzinfo | _VTimezone | None  # None = floating (taken as Europe/London)


def _offset(value: str) -> timedelta | None:
    match = re.fullmatch(r"([+-])(\d\d)(\d\d)(\d\d)?", value.strip())
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    h, m, s = int(match.group(2)), int(match.group(3)), int(match.group(4) or 0)
    return sign * timedelta(hours=h, minutes=m, seconds=s)


def _vtimezone(comp: _Comp, name: str) -> _VTimezone | None:
    onsets = []
    for sub in comp.children:
        if sub.name not in ("STANDARD", "DAYLIGHT"):
            continue
        start_p, to_p = sub.one("DTSTART"), sub.one("TZOFFSETTO")
        offset = _offset(to_p.value) if to_p else None
        if start_p is None or offset is None:
            return None
        start = _parse_value(start_p, name)[0]
        rule = None
        if sub.one("RRULE"):
            rule = _rule(sub.one("RRULE"), start, name, lambda p: _parse_value(p, name)[0])
        onsets.append((start, offset, rule))
    return _VTimezone(tuple(onsets)) if onsets else None


def _zone_by_name(tzid: str) -> tzinfo | None:
    candidates = [tzid, WINDOWS_ZONES.get(normalise(tzid), "")]
    parts = tzid.strip("/").split("/")
    candidates += ["/".join(parts[i:]) for i in range(1, len(parts))]
    for key in candidates:
        if not key:
            continue
        try:
            return ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return None


def _parse_value(prop: _Prop, name: str) -> tuple[datetime, bool]:
    """A DATE or DATE-TIME property value as a naive datetime, and whether it is a DATE."""
    value = prop.value.strip()
    match = re.fullmatch(r"(\d{8})(?:T(\d{6})(Z?))?", value)
    try:
        if match and match.group(2) is None:
            return datetime.strptime(match.group(1), "%Y%m%d"), True
        if match:
            return datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S"), False
    except ValueError:
        pass
    raise DropError(
        f"{name}: line {prop.line}, property {prop.name}: '{value}' is not an iCalendar date "
        "or date-time; expected e.g. 20230918 or 20230918T093000 (or 20230918T083000Z in UTC)"
    )


class _Times:
    """Resolves the zone of DATE-TIME values and converts them to Europe/London wall time."""

    def __init__(self, cal: _Comp, name: str) -> None:
        self.name = name
        self.blocks: dict[str, _Comp] = {}
        for c in cal.children:
            if c.name == "VTIMEZONE" and c.one("TZID"):
                tzid = c.one("TZID").value.strip()
                self.blocks[tzid] = self.blocks[_unescape(tzid)] = c
        self.cache: dict[str, _Zone] = {}

    def zone(self, prop: _Prop) -> _Zone:
        if prop.value.strip().upper().endswith("Z"):
            return UTC
        tzid = prop.params.get("TZID")
        if tzid is None:
            return None
        if tzid not in self.cache:
            zone: _Zone = _zone_by_name(tzid)
            if zone is None and tzid in self.blocks:
                zone = _vtimezone(self.blocks[tzid], self.name)
            if zone is None:
                raise DropError(
                    f"{self.name}: line {prop.line}, property {prop.name}: time zone "
                    f"'{tzid}' is not known; expected an IANA name such as Europe/London, a "
                    "Windows name such as GMT Standard Time, or a VTIMEZONE block defining it"
                )
            self.cache[tzid] = zone
        return self.cache[tzid]

    @staticmethod
    def london(local: datetime, zone: _Zone) -> datetime:
        if zone is None:
            return local
        if isinstance(zone, _VTimezone):
            aware = (local - zone.offset(local)).replace(tzinfo=UTC)
        else:
            aware = local.replace(tzinfo=zone)
        return aware.astimezone(LONDON).replace(tzinfo=None)

    @staticmethod
    def local(london: datetime, zone: _Zone) -> datetime:
        """Europe/London wall time -> wall time in ``zone`` (inverse of :meth:`london`)."""
        if zone is None:
            return london
        aware = london.replace(tzinfo=LONDON).astimezone(UTC)
        if isinstance(zone, _VTimezone):
            naive = aware.replace(tzinfo=None)
            return naive + zone.offset(naive + zone.offset(naive))
        return aware.astimezone(zone).replace(tzinfo=None)

    def values(self, prop: _Prop, zone: _Zone) -> list[tuple[datetime, bool]]:
        """Each comma-separated value of ``prop`` in the wall time of ``zone``.

        A floating value (no TZID, no Z) is taken to be in ``zone`` already.
        """
        out = []
        for part in prop.value.split(","):
            single = _Prop(prop.name, prop.params, part, prop.line)
            value, is_date = _parse_value(single, self.name)
            own = self.zone(single)
            if not is_date and own is not None:
                value = self.local(self.london(value, own), zone)
            out.append((value, is_date))
        return out


def _rule(
    prop: _Prop, dtstart: datetime, name: str, until_value: Callable[[_Prop], datetime]
) -> rrule:
    """An RRULE over naive wall times; ``until_value`` turns its UNTIL into the same wall time."""
    parts = [p for p in prop.value.strip().split(";") if p]
    until = None
    kept = []
    for part in parts:
        key, _, val = part.partition("=")
        if key.strip().upper() == "UNTIL":
            until = until_value(_Prop("RRULE UNTIL", {}, val, prop.line))
        else:
            kept.append(part)
    try:
        rule = rrulestr("RRULE:" + ";".join(kept), dtstart=dtstart)
    except (ValueError, TypeError, KeyError):
        raise DropError(
            f"{name}: line {prop.line}, property RRULE: '{prop.value.strip()}' is not a "
            "recurrence rule this reader understands; expected e.g. FREQ=WEEKLY;COUNT=10;BYDAY=MO"
        ) from None
    if until is not None and "COUNT=" not in prop.value.upper():  # RFC 5545: never both; COUNT wins
        rule = rule.replace(until=until)
    return rule


_BUSY = {
    "FREE": "free",
    "TENTATIVE": "tentative",
    "BUSY": "busy",
    "OOF": "oof",
    "WORKINGELSEWHERE": "elsewhere",
}


def read_ics(
    text: str, name: str, participant_ref: str, expand_until: str | None = None
) -> pd.DataFrame:
    """Events of an iCalendar export, recurrences expanded, one row per occurrence.

    ``row`` is the line of the event's BEGIN:VEVENT. A series without COUNT or UNTIL is
    expanded up to ``expand_until`` (a YYYY-MM-DD day, included) or, without it, up to
    ``OPEN_SERIES_YEARS`` years after its first occurrence; ``expand_until`` also bounds
    series that do end.
    """
    cal = _components(text, name)
    times = _Times(cal, name)
    limit = None
    if expand_until is not None:
        limit = datetime.combine(date.fromisoformat(str(expand_until)[:10]), time.max)
    vevents = [c for c in cal.children if c.name == "VEVENT"]
    overrides = [e for e in vevents if e.one("RECURRENCE-ID") and e.one("UID")]
    masters = [e for e in vevents if not (e.one("RECURRENCE-ID") and e.one("UID"))]
    replaced: dict[str, set[datetime]] = defaultdict(set)
    for ev in overrides:
        replaced[ev.one("UID").value.strip()].add(_occurrence_key(times, ev.one("RECURRENCE-ID")))
    cancelled_series = {
        e.one("UID").value.strip() for e in masters if e.one("UID") and _cancelled(e)
    }
    records: list[tuple] = []
    for ev in masters:
        if _cancelled(ev):
            continue
        skip = replaced.get(ev.one("UID").value.strip(), set()) if ev.one("UID") else set()
        for occurrence in _expand(ev, times, name, limit):
            if occurrence["key"] not in skip:
                records.append(_record(ev, occurrence, name, participant_ref))
    for ev in overrides:
        if _cancelled(ev) or ev.one("UID").value.strip() in cancelled_series:
            continue
        for occurrence in _expand(ev, times, name, limit, single=True):
            records.append(_record(ev, occurrence, name, participant_ref))
    records.sort(key=lambda r: (r[0], r[1]))
    return _events_frame([r[2] for r in records], "line")


def _cancelled(ev: _Comp) -> bool:
    status = ev.one("STATUS")
    return status is not None and status.value.strip().upper() == "CANCELLED"


def _occurrence_key(times: _Times, prop: _Prop) -> datetime:
    value, is_date = _parse_value(prop, times.name)
    return value if is_date else times.london(value, times.zone(prop))


def _duration(prop: _Prop, name: str) -> timedelta:
    match = re.fullmatch(
        r"([+-])?P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?",
        prop.value.strip().upper(),
    )
    if not match or prop.value.strip().upper() in ("P", "PT", "+P", "-P"):
        raise DropError(
            f"{name}: line {prop.line}, property DURATION: '{prop.value.strip()}' is not a "
            "duration; expected e.g. PT1H30M or P1D"
        )
    w, d, h, m, s = (int(g or 0) for g in match.groups()[1:])
    span = timedelta(weeks=w, days=d, hours=h, minutes=m, seconds=s)
    return -span if match.group(1) == "-" else span


def _expand(
    ev: _Comp, times: _Times, name: str, limit: datetime | None, single: bool = False
) -> Iterator[dict]:
    """Occurrences of a VEVENT: start/end in Europe/London wall time, all-day flag, key."""
    start_p = ev.one("DTSTART")
    if start_p is None:
        raise DropError(
            f"{name}: line {ev.line}: the event has no DTSTART property; expected a start "
            "date or date-time for every VEVENT"
        )
    dtstart, is_date = _parse_value(start_p, name)
    zone = None if is_date else times.zone(start_p)
    flag = ev.one("X-MICROSOFT-CDO-ALLDAYEVENT")
    all_day = is_date or (flag is not None and flag.value.strip().upper() == "TRUE")
    end_p, dur_p = ev.one("DTEND"), ev.one("DURATION")
    if end_p is not None:
        dtend, end_is_date = _parse_value(end_p, name)
        if not end_is_date and not is_date:
            dtend = times.local(times.london(dtend, times.zone(end_p)), zone)
        span = dtend - dtstart
    elif dur_p is not None:
        span = _duration(dur_p, name)
    else:
        span = timedelta(days=1) if is_date else timedelta(0)

    starts = {dtstart}
    rule_p = ev.one("RRULE")
    if rule_p is not None and not single:

        def until_value(p: _Prop) -> datetime:
            value, until_is_date = _parse_value(p, name)
            if until_is_date:
                return datetime.combine(value.date(), time.max)
            own = times.zone(p)
            return value if own is None else times.local(times.london(value, own), zone)

        rule = _rule(rule_p, dtstart, name, until_value)
        bounded = re.search(r"(?:^|;)\s*(COUNT|UNTIL)=", rule_p.value.upper()) is not None
        stop = limit
        if not bounded and stop is None:
            stop = dtstart + timedelta(days=round(365.25 * OPEN_SERIES_YEARS))
        for n, occ in enumerate(rule):
            if stop is not None and occ > stop:
                break
            if n >= MAX_OCCURRENCES:
                raise DropError(
                    f"{name}: line {rule_p.line}, property RRULE: the series has more than "
                    f"{MAX_OCCURRENCES} occurrences; export a shorter date range"
                )
            starts.add(occ)
        for prop in ev.all("RDATE"):
            if prop.params.get("VALUE", "").upper() == "PERIOD":
                continue
            starts |= {v for v, _ in times.values(prop, zone)}
    excluded_dates: set[date] = set()
    for prop in ev.all("EXDATE"):
        for value, ex_is_date in times.values(prop, zone):
            if ex_is_date:
                excluded_dates.add(value.date())
            starts.discard(value)
    for occ in sorted(starts):
        if occ.date() in excluded_dates or (limit is not None and occ > limit):
            continue
        key = occ if is_date else times.london(occ, zone)
        if all_day:
            first, last = _all_day_bounds(occ, occ + span)
            yield {"start": first, "end": last, "all_day": True, "key": key}
        else:
            end = times.london(occ + span, zone)
            yield {"start": key, "end": end, "all_day": False, "key": key}


def _record(ev: _Comp, occurrence: dict, name: str, participant_ref: str) -> tuple:
    categories: list[str] = []
    for prop in ev.all("CATEGORIES"):
        categories += [c.strip() for c in _split_escaped(prop.value) if c.strip()]
    status = ev.one("X-MICROSOFT-CDO-BUSYSTATUS") or ev.one("X-MICROSOFT-CDO-INTENDEDSTATUS")
    if status is not None:
        busy = _BUSY.get(status.value.strip().upper())
        if busy is None:
            raise DropError(
                f"{name}: line {status.line}, property {status.name}: '{status.value.strip()}' "
                "is not a busy status; expected FREE, TENTATIVE, BUSY, OOF or WORKINGELSEWHERE"
            )
    else:
        transp = ev.one("TRANSP")
        busy = "free" if transp and transp.value.strip().upper() == "TRANSPARENT" else "busy"
    summary = ev.one("SUMMARY")
    record = {
        "file": name,
        "row": ev.line,
        "participant_ref": participant_ref,
        "subject": _unescape(summary.value).strip() if summary else "",
        "start": occurrence["start"],
        "end": occurrence["end"],
        "all_day": occurrence["all_day"],
        "categories": tuple(categories),
        "busy": busy,
    }
    return occurrence["start"], ev.line, record


# --------------------------------------------------------------------------- to the diary


@dataclass
class _Occurrence:
    index: int
    file: str
    row: int
    ref: str
    subject: str
    start: datetime
    end: datetime
    all_day: bool
    ids: list[str]
    leave: bool
    multi: bool
    parts: dict[date, Fraction] = field(default_factory=dict)  # day -> hours
    overlapping: bool = False


def _check_rules(rules: CalendarRules, activities: Activities) -> str:
    if rules.multi_category not in ("split", "first"):
        raise ConfigError(
            f"calendars: multi_category '{rules.multi_category}'; expected split or first"
        )
    if rules.overlap not in ("split", "keep"):
        raise ConfigError(f"calendars: overlap '{rules.overlap}'; expected split or keep")
    if not rules.daily_hours > 0:
        raise ConfigError(f"calendars: daily hours {rules.daily_hours}; expected more than 0")
    unknown = [b for b in rules.leave_busy if b not in BUSY_STATUSES]
    if unknown:
        raise ConfigError(
            f"calendars: leave_busy {unknown}; expected some of {', '.join(BUSY_STATUSES)}"
        )
    leave = activities.keys.get(normalise(rules.leave_category))
    if leave not in activities.leave:
        raise ConfigError(
            f"calendars: leave_category '{rules.leave_category}' is not a leave category; "
            f"expected one of {sorted(activities.leave)}"
        )
    return leave


def _occurrences(
    events: pd.DataFrame, activities: Activities, rules: CalendarRules, leave_id: str
) -> list[_Occurrence]:
    missing = [c for c in EVENT_COLUMNS if c not in events.columns]
    if missing:
        raise ValueError(f"events frame lacks columns {missing}")
    records = events[EVENT_COLUMNS].to_dict("records")
    unmapped: dict[tuple[str, str], list[int]] = defaultdict(list)
    for rec in records:
        for cat in rec["categories"]:
            if normalise(cat) not in activities.keys:
                unmapped[(rec["file"], normalise(cat))].append(int(rec["row"]))
    if unmapped:
        written = {}
        for rec in records:
            for cat in rec["categories"]:
                written.setdefault((rec["file"], normalise(cat)), cat)
        (file, key), rows = min(unmapped.items(), key=lambda kv: (kv[0][0], min(kv[1])))
        n = len(set(rows))
        raise DropError(
            f"{file}: category '{written[(file, key)]}' is not in config/activities.yaml "
            f"({n} event{'s' if n != 1 else ''}, first on {_where(file, min(rows))}); add it "
            "as an alias of a category or recode the events"
        )
    out = []
    for i, rec in enumerate(records):
        file, row = str(rec["file"]), int(rec["row"])
        start, end = pd.Timestamp(rec["start"]), pd.Timestamp(rec["end"])
        if pd.isna(start) or pd.isna(end):
            raise ValueError(f"{file}: {_where(file, row)}: missing start or end")
        start, end = start.to_pydatetime(), end.to_pydatetime()
        ids = list(dict.fromkeys(activities.keys[normalise(c)] for c in rec["categories"]))
        by_status = rec["busy"] in rules.leave_busy
        if not ids and not by_status:
            raise DropError(
                f"{file}: {_where(file, row)}: the event has no category; give it one of the "
                "categories in config/activities.yaml"
            )
        if end < start:
            raise DropError(
                f"{file}: {_where(file, row)}: the event ends ({end:%Y-%m-%d %H:%M}) before it "
                f"starts ({start:%Y-%m-%d %H:%M}); correct its start or end"
            )
        leave_ids = [c for c in ids if c in activities.leave]
        is_leave = bool(leave_ids) or by_status
        if is_leave:
            ids = leave_ids or [leave_id]
        multi = len(ids) > 1
        if rules.multi_category == "first":
            ids = ids[:1]
        out.append(
            _Occurrence(
                i, file, row, str(rec["participant_ref"]), str(rec["subject"]), start, end,
                bool(rec["all_day"]), ids, is_leave, multi,
            )
        )  # fmt: skip
    return out


def _midnights(start: datetime, end: datetime) -> Iterable[datetime]:
    day = datetime.combine(start.date(), time()) + timedelta(days=1)
    while day < end:
        yield day
        day += timedelta(days=1)


def _seconds(span: timedelta) -> Fraction:
    return Fraction(span // timedelta(microseconds=1), 1_000_000)


def _sweep(timed: list[_Occurrence], split: bool) -> None:
    """Hours per day of each timed occurrence, shared time divided if ``split``."""
    live = sorted((o for o in timed if o.end > o.start), key=lambda o: (o.start, o.index))
    points = set()
    for o in live:
        points |= {o.start, o.end, *_midnights(o.start, o.end)}
    ordered = sorted(points)
    active: list[_Occurrence] = []
    j = 0
    for a, b in zip(ordered, ordered[1:], strict=False):
        active = [o for o in active if o.end > a]
        while j < len(live) and live[j].start <= a:
            active.append(live[j])
            j += 1
        if not active:
            continue
        if len(active) > 1:
            for o in active:
                o.overlapping = True
        share = _seconds(b - a) / 3600 / (len(active) if split else 1)
        for o in active:
            o.parts[a.date()] = o.parts.get(a.date(), Fraction(0)) + share


def _days_touched(o: _Occurrence) -> list[date]:
    if o.all_day:
        first = o.start.date()
        n = max((o.end.date() - first).days, 1)
        return [first + timedelta(days=k) for k in range(n)]
    last = o.end - timedelta(microseconds=1) if o.end > o.start else o.start
    return [
        o.start.date() + timedelta(days=k) for k in range((last.date() - o.start.date()).days + 1)
    ]


def _hours_text(hours: float) -> str:
    return f"{hours:.4f}".rstrip("0").rstrip(".")


def events_to_diary(
    events: pd.DataFrame,
    activities: Activities,
    rules: CalendarRules,
    start: str,
    months: int,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Diary rows (``activity_diary`` columns, index = source row) and a per-file report.

    ``diary.attrs["files"]`` lists the source file of each row. The rules are those of the
    module docstring.
    """
    leave_id = _check_rules(rules, activities)
    occs = _occurrences(events, activities, rules, leave_id)
    first, last = (d.date() for d in secondment_window(start, months))
    daily = Fraction(rules.daily_hours)
    by_ref: dict[str, list[_Occurrence]] = defaultdict(list)
    for o in occs:
        if o.all_day:
            o.parts = {d: daily for d in _days_touched(o) if d.weekday() < 5}
        else:
            by_ref[o.ref].append(o)
    for group in by_ref.values():
        _sweep(group, rules.overlap == "split")

    rows: list[tuple] = []
    report: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    sources: dict[str, set[int]] = defaultdict(set)
    for o in occs:
        stats = report[o.file]
        sources[o.file].add(o.row)
        stats["occurrences"] += 1
        stats["all_day"] += o.all_day
        stats["leave"] += o.leave
        stats["overlapping"] += o.overlapping
        stats["multi_category"] += o.multi
        stats["outside_window"] += any(not first <= d <= last for d in _days_touched(o))
        for day, hours in sorted(o.parts.items()):
            if not first <= day <= last or hours <= 0:
                continue
            for cat in o.ids:
                text = _hours_text(float(hours / len(o.ids)))
                if text == "0":
                    continue
                stats["hours"] += float(text)
                rows.append(
                    (o.ref, day.isoformat(), o.file, o.row, cat, o.start, o.index, text, o.subject)
                )
    rows.sort(key=lambda r: r[:7])
    diary = pd.DataFrame(
        [[r[0], r[1], r[4], r[7], r[8]] for r in rows],
        columns=pd.Index(DIARY_COLUMNS, dtype=object),
        index=pd.Index([r[3] for r in rows], name="row", dtype="int64"),
        dtype=object,
    )
    diary.attrs["files"] = [r[2] for r in rows]
    table = pd.DataFrame(
        [
            {
                "file": file,
                "events": len(sources[file]),
                **{c: int(s[c]) for c in REPORT_COLUMNS[2:-1]},
                "hours": round(s["hours"], 4),
            }
            for file, s in sorted(report.items())
        ],
        columns=REPORT_COLUMNS,
    )
    table["file"] = table["file"].astype(object)
    return diary, table
