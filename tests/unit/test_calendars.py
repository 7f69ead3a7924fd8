"""Outlook calendar importers and exporters, against values worked out by hand."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from cohort_eval import io
from cohort_eval.calendars import (
    EVENT_COLUMNS,
    OUTLOOK_COLUMNS,
    REPORT_COLUMNS,
    CalendarRules,
    events_to_diary,
    read_ics,
    read_outlook_csv,
)
from cohort_eval.errors import ConfigError, DropError
from cohort_eval.export_calendars import fold, ics_exports, outlook_csv_exports
from cohort_eval.parse import parse_dates
from cohort_eval.text import normalise, normalise_ref

FIXTURES = Path(__file__).parent / "fixtures" / "calendars"
RULES = CalendarRules(daily_hours=3.75)
START, MONTHS = "2023-09-04", 6  # window 2023-09-04 .. 2024-03-03
HEADER = ",".join(f'"{c}"' for c in OUTLOOK_COLUMNS)


def _fixture(name: str, encoding: str | None = None) -> str:
    return io.decode_text((FIXTURES / name).read_bytes(), name, encoding)


def _csv(*rows: str) -> str:
    """An Outlook CSV from short rows: subject,start date,start time,end date,end time,all day,
    categories,show time as (the other columns are filled in)."""
    lines = [HEADER]
    for row in rows:
        subject, sd, st, ed, et, all_day, cats, show = row.split(",")
        cells = [subject, sd, st, ed, et, all_day, "False", "", "", "", "", "", "", "", cats]
        cells += ["", "", "", "Normal", "False", "Normal", show]
        lines.append(",".join(f'"{c}"' for c in cells))
    return "\r\n".join(lines) + "\r\n"


def _events(*events: tuple, file: str = "cal.csv", ref: str = "p1") -> pd.DataFrame:
    """Events frame from (start, end, categories, busy[, all_day]) tuples; row = position + 2."""
    records = []
    for i, ev in enumerate(events):
        start, end, cats, busy = ev[:4]
        records.append(
            {
                "file": file,
                "row": i + 2,
                "participant_ref": ref,
                "subject": f"event {i + 2}",
                "start": pd.Timestamp(start),
                "end": pd.Timestamp(end),
                "all_day": ev[4] if len(ev) > 4 else False,
                "categories": tuple(cats),
                "busy": busy,
            }
        )
    return pd.DataFrame.from_records(records, columns=EVENT_COLUMNS)


def _hours(diary: pd.DataFrame) -> dict[tuple[str, str], float]:
    """(date, category) -> total hours."""
    out: dict[tuple[str, str], float] = {}
    for _, row in diary.iterrows():
        key = (row["date"], row["category"])
        out[key] = out.get(key, 0.0) + float(row["hours"])
    return out


# --------------------------------------------------------------------------- Outlook CSV


def test_outlook_csv_en_gb_with_bom(activities) -> None:
    text = _fixture("outlook_en_gb_bom.csv")
    events = read_outlook_csv(text, "cal/a.csv", "p1")
    assert list(events.columns) == EVENT_COLUMNS
    # Row 3 has a two-line Description: rows are spreadsheet rows, not physical lines.
    assert events["row"].tolist() == [2, 3, 4, 5, 6, 7]
    assert events["subject"].tolist()[:2] == ["Team meeting", "Project work"]
    assert events.loc[2, "categories"] == ("Leading", "CPD")  # "Leading;CPD"
    assert events.loc[5, "categories"] == ("Conference",)  # "Conference; " -> empty name dropped
    assert events["busy"].tolist() == ["busy", "busy", "busy", "oof", "oof", "busy"]
    assert events["all_day"].tolist() == [False] * 4 + [True] * 2
    assert events.loc[4, "start"] == pd.Timestamp("2023-09-07")
    assert events.loc[4, "end"] == pd.Timestamp("2023-09-08")  # Outlook writes the next day
    assert events.loc[0, "start"] == pd.Timestamp("2023-09-04 09:00")
    # Organiser, attendees and description are never read.
    shown = events.to_string()
    for name in ("Margaret", "Barker", "Qureshi", "Notes line"):
        assert name not in shown

    diary, report = events_to_diary(events, activities, RULES, START, MONTHS)
    assert _hours(diary) == {
        # 09-10 meeting alone, 10-11 shared (0.5 each), 11-12 project alone
        ("2023-09-04", "meeting_attendance"): 1.5,
        ("2023-09-04", "project_delivery"): 1.5,
        # 2 h split between two categories
        ("2023-09-05", "leading_presenting"): 1.0,
        ("2023-09-05", "cpd"): 1.0,
        # out of office with a work category -> annual leave
        ("2023-09-06", "annual_leave"): 2.0,
        # all-day AL on a Thursday
        ("2023-09-07", "annual_leave"): 3.75,
        # all-day Fri-Sun conference: Friday only
        ("2023-09-08", "external_event"): 3.75,
    }
    assert report.to_dict("records") == [
        {
            "file": "cal/a.csv",
            "events": 6,
            "occurrences": 6,
            "all_day": 2,
            "leave": 2,
            "overlapping": 2,
            "multi_category": 1,
            "outside_window": 0,
            "hours": 14.5,
        }
    ]


def test_outlook_csv_cp1252_without_bom() -> None:
    raw = (FIXTURES / "outlook_cp1252.csv").read_bytes()
    with pytest.raises(DropError, match="cannot read the file as utf-8"):
        io.decode_text(raw, "b.csv")
    events = read_outlook_csv(io.decode_text(raw, "b.csv", "cp1252"), "b.csv", "p1")
    assert events.loc[0, "subject"] == "Café – réunion £5"
    # 24-hour times without seconds, lower/upper-case booleans, busy as code or word
    assert events.loc[0, "start"] == pd.Timestamp("2023-09-12 09:30")
    assert events.loc[0, "end"] == pd.Timestamp("2023-09-12 10:15")
    assert events["busy"].tolist() == ["free", "busy"]
    assert events["all_day"].tolist() == [False, False]


def test_outlook_csv_en_us(activities) -> None:
    events = read_outlook_csv(_fixture("outlook_en_us.csv"), "c.csv", "p1", locale="en-US")
    assert events.loc[0, "start"] == pd.Timestamp("2023-09-18 09:00")
    assert events.loc[0, "end"] == pd.Timestamp("2023-09-18 13:30")
    assert events.loc[1, "start"] == pd.Timestamp("2023-09-18 23:30")
    assert events.loc[1, "end"] == pd.Timestamp("2023-09-19 00:30")
    assert events["busy"].tolist() == ["busy", "elsewhere"]
    diary, _ = events_to_diary(events, activities, RULES, START, MONTHS)
    assert _hours(diary) == {
        ("2023-09-18", "project_delivery"): 4.5,
        ("2023-09-18", "meeting_attendance"): 0.5,  # split at midnight
        ("2023-09-19", "meeting_attendance"): 0.5,
    }
    # The same file read as en-GB fails on the first date with a month 18.
    with pytest.raises(DropError) as err:
        read_outlook_csv(_fixture("outlook_en_us.csv"), "c.csv", "p1")
    assert str(err.value) == (
        "c.csv: row 2, column 'Start Date': '9/18/2023' is not a date; expected dd/mm/yyyy as "
        "Outlook writes it with locale en-GB, e.g. 18/09/2023"
    )


def test_outlook_csv_errors() -> None:
    with pytest.raises(DropError, match=r"unknown calendar locale 'fr-FR'; expected one of en-GB"):
        read_outlook_csv(_csv(), "x.csv", "p1", locale="fr-FR")
    bad_time = _csv("A,04/09/2023,9h00,04/09/2023,10:00,False,Admin,2")
    with pytest.raises(DropError, match=r"x.csv: row 2, column 'Start Time': '9h00' is not a time"):
        read_outlook_csv(bad_time, "x.csv", "p1")
    bad_flag = _csv("A,04/09/2023,09:00,04/09/2023,10:00,Maybe,Admin,2")
    with pytest.raises(DropError, match=r"row 2, column 'All day event': 'Maybe' is not True"):
        read_outlook_csv(bad_flag, "x.csv", "p1")
    bad_show = _csv("A,04/09/2023,09:00,04/09/2023,10:00,False,Admin,7")
    with pytest.raises(DropError, match=r"row 2, column 'Show time as': '7' is not a busy"):
        read_outlook_csv(bad_show, "x.csv", "p1")
    with pytest.raises(DropError, match=r"x.csv: missing column\(s\) 'Categories'"):
        read_outlook_csv('"Subject","Start Date","Start Time","End Date","End Time",'
                         '"All day event"\r\n', "x.csv", "p1")  # fmt: skip
    # Header only: no events, typed columns.
    empty = read_outlook_csv(_csv(), "x.csv", "p1")
    assert empty.empty and list(empty.columns) == EVENT_COLUMNS


def test_outlook_csv_all_day_end_date_equal_to_start_is_one_day() -> None:
    events = read_outlook_csv(_csv("Away,05/09/2023,,05/09/2023,,TRUE,AL,3"), "x.csv", "p1")
    assert events.loc[0, "start"] == pd.Timestamp("2023-09-05")
    assert events.loc[0, "end"] == pd.Timestamp("2023-09-06")


# --------------------------------------------------------------------------- iCalendar


def test_ics_fixture_recurrence_time_zones_and_all_day(activities) -> None:
    events = read_ics(_fixture("outlook.ics"), "cal/o.ics", "p1")
    got = [
        (r.row, r.start.strftime("%m-%d %H:%M"), r.end.strftime("%m-%d %H:%M"), r.all_day)
        for r in events.itertuples()
    ]
    assert got == [
        (21, "10-16 10:00", "10-16 11:00", False),  # weekly series, BST; 10-23 is an EXDATE
        (70, "10-25 14:00", "10-25 15:30", False),  # 15:00 Berlin (CEST) = 14:00 London (BST)
        (79, "10-27 00:00", "10-30 00:00", True),  # VALUE=DATE Fri-Sun
        (47, "10-27 10:00", "10-27 10:30", False),  # 09:00Z in BST
        (61, "10-28 23:00", "10-29 03:00", False),  # Europe/London across the clock change
        (54, "10-30 09:00", "10-30 09:30", False),  # 09:00Z in GMT
        (38, "10-30 14:00", "10-30 15:30", False),  # RECURRENCE-ID override of 10:00
        (21, "11-06 10:00", "11-06 11:00", False),  # still 10:00 wall time after the change
    ]
    # the cancelled Eastern Standard Time event is absent
    assert "Boston" not in events.to_string()
    assert events.loc[1, "categories"] == ("Leading", "CPD", "Conference")  # folded + 2 props
    assert events.loc[3, "subject"] == "Expenses, timesheet; and emails"  # escapes undone
    assert events.loc[4, "subject"].endswith("summary long enough to be folded")
    assert events.loc[2, "busy"] == "oof"
    assert events.loc[4, "busy"] == "busy"

    diary, report = events_to_diary(events, activities, RULES, START, MONTHS)
    assert _hours(diary) == {
        ("2023-10-16", "meeting_attendance"): 1.0,
        ("2023-10-25", "leading_presenting"): 0.5,
        ("2023-10-25", "cpd"): 0.5,
        ("2023-10-25", "external_event"): 0.5,
        ("2023-10-27", "annual_leave"): 3.75,  # Friday; Sat/Sun count 0
        ("2023-10-27", "administration"): 0.5,
        ("2023-10-28", "project_delivery"): 1.0,  # 23:00-24:00
        ("2023-10-29", "project_delivery"): 3.0,  # 00:00-03:00 by the clock
        ("2023-10-30", "administration"): 0.5,
        ("2023-10-30", "meeting_attendance"): 1.5,
        ("2023-11-06", "meeting_attendance"): 1.0,
    }
    assert report.loc[0, "events"] == 7  # 6 VEVENT masters/override kept (one cancelled) ...
    assert report.loc[0, "occurrences"] == 8  # ... giving 8 occurrences
    assert report.loc[0, "multi_category"] == 1
    assert report.loc[0, "leave"] == 1


def _ics(*body: str) -> str:
    return "\r\n".join(["BEGIN:VCALENDAR", "VERSION:2.0", *body, "END:VCALENDAR"]) + "\r\n"


def _vevent(*props: str) -> list[str]:
    return ["BEGIN:VEVENT", *props, "END:VEVENT"]


def test_ics_unknown_tzid_defined_by_vtimezone_block() -> None:
    text = _ics(
        "BEGIN:VTIMEZONE",
        "TZID:(UTC+01:00) Amsterdam\\, Berlin",
        "BEGIN:STANDARD",
        "DTSTART:16011028T030000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        "TZOFFSETFROM:+0200",
        "TZOFFSETTO:+0100",
        "END:STANDARD",
        "BEGIN:DAYLIGHT",
        "DTSTART:16010325T020000",
        "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "TZOFFSETFROM:+0100",
        "TZOFFSETTO:+0200",
        "END:DAYLIGHT",
        "END:VTIMEZONE",
        *_vevent(
            'DTSTART;TZID="(UTC+01:00) Amsterdam\\, Berlin":20231025T150000',
            'DTEND;TZID="(UTC+01:00) Amsterdam\\, Berlin":20231025T160000',
            "CATEGORIES:Admin",
        ),
        *_vevent(
            'DTSTART;TZID="(UTC+01:00) Amsterdam\\, Berlin":20231101T150000',
            "DURATION:PT1H",
            "CATEGORIES:Admin",
        ),
    )
    events = read_ics(text, "t.ics", "p1")
    assert events["start"].tolist() == [
        pd.Timestamp("2023-10-25 14:00"),  # +0200 vs BST +0100
        pd.Timestamp("2023-11-01 14:00"),  # +0100 vs GMT
    ]


def test_ics_open_series_until_and_floating_times() -> None:
    daily = _vevent(
        "UID:d", "DTSTART:20230904T090000", "DTEND:20230904T093000", "RRULE:FREQ=DAILY",
        "CATEGORIES:Admin",
    )  # fmt: skip
    events = read_ics(_ics(*daily), "t.ics", "p1")
    # floating time = London wall time; open series expanded for two years (731 days)
    assert events["start"].iloc[0] == pd.Timestamp("2023-09-04 09:00")
    assert len(events) == 731
    limited = read_ics(_ics(*daily), "t.ics", "p1", expand_until="2023-09-10")
    assert len(limited) == 7
    until = _vevent(
        "UID:w", "DTSTART;TZID=Europe/London:20231016T100000",
        "DTEND;TZID=Europe/London:20231016T110000",
        "RRULE:FREQ=WEEKLY;UNTIL=20231106T100000Z", "CATEGORIES:Admin",
    )  # fmt: skip
    # UNTIL 10:00Z = 10:00 GMT on 6 Nov, so the 6 Nov occurrence is included
    starts = read_ics(_ics(*until), "t.ics", "p1")["start"].dt.strftime("%m-%d").tolist()
    assert starts == ["10-16", "10-23", "10-30", "11-06"]
    cancelled_series = _vevent(
        "UID:c", "DTSTART:20231016T100000", "RRULE:FREQ=DAILY;COUNT=3", "STATUS:CANCELLED",
        "CATEGORIES:Admin",
    ) + _vevent(
        "UID:c", "RECURRENCE-ID:20231017T100000", "DTSTART:20231017T120000", "CATEGORIES:Admin",
    )  # fmt: skip
    assert read_ics(_ics(*cancelled_series), "t.ics", "p1").empty
    # no DTEND or DURATION: a date-time event lasts 0, a date event one day
    events = read_ics(
        _ics(*_vevent("DTSTART:20231016T100000"), *_vevent("DTSTART;VALUE=DATE:20231017")),
        "t.ics",
        "p1",
    )
    assert (events["end"] - events["start"]).tolist() == [pd.Timedelta(0), pd.Timedelta("1D")]
    # Outlook's all-day flag on date-time values, busy status from TRANSP
    flagged = _vevent(
        "DTSTART;TZID=W. Europe Standard Time:20231018T000000",
        "DTEND;TZID=W. Europe Standard Time:20231019T000000",
        "X-MICROSOFT-CDO-ALLDAYEVENT:TRUE", "TRANSP:TRANSPARENT",
    )  # fmt: skip
    event = read_ics(_ics(*flagged), "t.ics", "p1").iloc[0]
    assert (event["start"], event["end"], event["all_day"], event["busy"]) == (
        pd.Timestamp("2023-10-18"),
        pd.Timestamp("2023-10-19"),
        True,
        "free",
    )


def test_ics_errors() -> None:
    with pytest.raises(DropError, match="t.ics: no BEGIN:VCALENDAR found"):
        read_ics("hello\r\n", "t.ics", "p1")
    with pytest.raises(DropError, match="t.ics: line 3: the event has no DTSTART property"):
        read_ics(_ics(*_vevent("SUMMARY:x")), "t.ics", "p1")
    with pytest.raises(DropError) as err:
        read_ics(_ics(*_vevent("DTSTART:20230931T090000")), "t.ics", "p1")
    assert str(err.value).startswith(
        "t.ics: line 4, property DTSTART: '20230931T090000' is not an iCalendar date"
    )
    with pytest.raises(DropError, match=r"line 4, property DTSTART: time zone 'Mars/Olympus'"):
        read_ics(_ics(*_vevent("DTSTART;TZID=Mars/Olympus:20230904T090000")), "t.ics", "p1")
    with pytest.raises(DropError, match=r"line 5, property RRULE: 'FREQ=SOMETIMES'"):
        read_ics(_ics(*_vevent("DTSTART:20230904T090000", "RRULE:FREQ=SOMETIMES")), "t.ics", "p")
    with pytest.raises(DropError, match=r"BEGIN:VEVENT on line 3 is never closed"):
        read_ics("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\n", "t.ics", "p1")


# --------------------------------------------------------------------------- events_to_diary


def test_overlap_split_and_keep(activities) -> None:
    events = _events(
        ("2023-09-05 09:00", "2023-09-05 11:00", ["Meeting"], "busy"),
        ("2023-09-05 10:00", "2023-09-05 12:00", ["Project"], "busy"),
    )
    diary, report = events_to_diary(events, activities, RULES, START, MONTHS)
    assert diary["hours"].tolist() == ["1.5", "1.5"]
    assert report.loc[0, "overlapping"] == 2
    keep = CalendarRules(daily_hours=3.75, overlap="keep")
    diary, _ = events_to_diary(events, activities, keep, START, MONTHS)
    assert diary["hours"].tolist() == ["2", "2"]


def test_overlap_three_way_and_other_participant(activities) -> None:
    # 09:00-12:00 A, 10:00-11:00 B and C: 10-11 shared by three (1/3 h each).
    # A = 1 + 1/3 + 1 = 2.3333; B = C = 0.3333; union = 3 h.
    events = pd.concat(
        [
            _events(
                ("2023-09-05 09:00", "2023-09-05 12:00", ["Admin"], "busy"),
                ("2023-09-05 10:00", "2023-09-05 11:00", ["Meeting"], "busy"),
                ("2023-09-05 10:00", "2023-09-05 11:00", ["CPD"], "busy"),
            ),
            # another participant's event at the same time is not an overlap
            _events(("2023-09-05 10:00", "2023-09-05 11:00", ["CPD"], "busy"), ref="p2"),
        ],
        ignore_index=True,
    )
    diary, _ = events_to_diary(events, activities, RULES, START, MONTHS)
    p1 = diary[diary["participant_ref"] == "p1"]
    assert dict(zip(p1["category"], p1["hours"], strict=True)) == {
        "administration": "2.3333",
        "meeting_attendance": "0.3333",
        "cpd": "0.3333",
    }
    assert diary[diary["participant_ref"] == "p2"]["hours"].tolist() == ["1"]


def test_all_day_weekday_and_weekend(activities) -> None:
    # Fri 2023-09-08 to Mon 2023-09-11 included (end exclusive Tue): Fri + Mon count.
    events = _events(("2023-09-08", "2023-09-12", ["Conference"], "busy", True))
    diary, report = events_to_diary(events, activities, RULES, START, MONTHS)
    assert diary[["date", "category", "hours"]].values.tolist() == [
        ["2023-09-08", "external_event", "3.75"],
        ["2023-09-11", "external_event", "3.75"],
    ]
    assert report.loc[0, "all_day"] == 1
    # all-day events take no part in the overlap rule
    events = _events(
        ("2023-09-08", "2023-09-09", ["AL"], "oof", True),
        ("2023-09-08 09:00", "2023-09-08 10:00", ["Meeting"], "busy"),
    )
    diary, report = events_to_diary(events, activities, RULES, START, MONTHS)
    assert _hours(diary) == {
        ("2023-09-08", "annual_leave"): 3.75,
        ("2023-09-08", "meeting_attendance"): 1.0,
    }
    assert report.loc[0, "overlapping"] == 0
    # a Saturday-only all-day event writes nothing
    diary, _ = events_to_diary(
        _events(("2023-09-09", "2023-09-10", ["AL"], "busy", True)),
        activities,
        RULES,
        START,
        MONTHS,
    )
    assert diary.empty


def test_leave_rules(activities) -> None:
    events = _events(
        ("2023-09-05 09:00", "2023-09-05 10:00", ["Meeting"], "oof"),  # status -> AL
        ("2023-09-05 10:00", "2023-09-05 11:00", [], "oof"),  # no category, status -> AL
        ("2023-09-05 11:00", "2023-09-05 12:00", ["Sick", "Meeting"], "busy"),  # leave only
        ("2023-09-05 12:00", "2023-09-05 13:00", ["TOIL"], "oof"),  # keeps its leave category
        ("2023-09-05 13:00", "2023-09-05 14:00", ["Meeting"], "elsewhere"),  # work
    )
    diary, report = events_to_diary(events, activities, RULES, START, MONTHS)
    assert list(zip(diary.index, diary["category"], strict=True)) == [
        (2, "annual_leave"),
        (3, "annual_leave"),
        (4, "sick_leave"),
        (5, "other_leave"),
        (6, "meeting_attendance"),
    ]
    assert diary["hours"].tolist() == ["1"] * 5
    assert report.loc[0, "leave"] == 4
    assert report.loc[0, "multi_category"] == 0  # the sick + meeting event is leave only
    # other statuses as leave, another leave category (an alias works too)
    rules = CalendarRules(3.75, leave_busy=("oof", "elsewhere"), leave_category="Study leave")
    diary, _ = events_to_diary(events, activities, rules, START, MONTHS)
    assert diary["category"].tolist()[-1] == "other_leave"
    assert diary["category"].tolist()[0] == "other_leave"


def test_multi_category_split_and_first(activities) -> None:
    events = _events(
        ("2023-09-05 09:00", "2023-09-05 12:00", ["CPD", "Meeting", "Meetings", "Admin"], "busy")
    )
    diary, report = events_to_diary(events, activities, RULES, START, MONTHS)
    # Meeting and Meetings are one category: 3 h over 3 categories
    assert dict(zip(diary["category"], diary["hours"], strict=True)) == {
        "cpd": "1",
        "meeting_attendance": "1",
        "administration": "1",
    }
    assert report.loc[0, "multi_category"] == 1
    first = CalendarRules(3.75, multi_category="first")
    diary, _ = events_to_diary(events, activities, first, START, MONTHS)
    assert diary[["category", "hours"]].values.tolist() == [["cpd", "3"]]


def test_midnight_and_window_boundaries(activities) -> None:
    events = _events(
        ("2023-09-03 22:00", "2023-09-04 02:00", ["Admin"], "busy"),  # 2 h before the window
        ("2024-03-03 22:00", "2024-03-04 01:00", ["Admin"], "busy"),  # last day in, next out
        ("2024-03-04 09:00", "2024-03-04 10:00", ["Admin"], "busy"),  # day after: out
        ("2023-09-01", "2023-09-06", ["AL"], "oof", True),  # Fri 1, Mon 4, Tue 5 weekdays
        ("2023-09-06 10:00", "2023-09-06 10:00", ["Admin"], "busy"),  # zero length
    )
    diary, report = events_to_diary(events, activities, RULES, START, MONTHS)
    assert diary[["date", "category", "hours"]].values.tolist() == [
        ["2023-09-04", "administration", "2"],
        ["2023-09-04", "annual_leave", "3.75"],
        ["2023-09-05", "annual_leave", "3.75"],
        ["2024-03-03", "administration", "2"],
    ]
    assert diary.index.tolist() == [2, 5, 5, 3]
    assert report.loc[0, "outside_window"] == 4
    assert report.loc[0, "occurrences"] == 5
    assert report.loc[0, "hours"] == 11.5


def test_diary_shape_order_and_report_privacy(activities) -> None:
    events = pd.concat(
        [
            _events(("2023-09-06 09:00", "2023-09-06 09:20", ["Admin"], "busy"), file="b.csv"),
            _events(
                ("2023-09-06 08:00", "2023-09-06 09:00", ["Project"], "busy"),
                ("2023-09-05 09:00", "2023-09-05 10:00", ["Project", "Admin"], "busy"),
                file="a.ics",
            ),
        ],
        ignore_index=True,
    )
    diary, report = events_to_diary(events, activities, RULES, START, MONTHS)
    assert list(diary.columns) == ["participant_ref", "date", "category", "hours", "description"]
    assert all(diary[c].dtype == object for c in diary.columns)
    assert diary.index.name == "row" and diary.index.dtype == "int64"
    assert diary[["date", "category", "hours"]].values.tolist() == [
        ["2023-09-05", "administration", "0.5"],
        ["2023-09-05", "project_delivery", "0.5"],
        ["2023-09-06", "project_delivery", "1"],
        ["2023-09-06", "administration", "0.3333"],  # 20 minutes
    ]
    assert diary.attrs["files"] == ["a.ics", "a.ics", "a.ics", "b.csv"]
    assert diary["description"].tolist() == ["event 3", "event 3", "event 2", "event 2"]
    assert list(report.columns) == REPORT_COLUMNS
    assert report["file"].tolist() == ["a.ics", "b.csv"]
    cells = report.astype(str).to_numpy().ravel().tolist()
    assert not any("p1" in c or "event" in c for c in cells)
    empty, empty_report = events_to_diary(events.iloc[:0], activities, RULES, START, MONTHS)
    assert empty.empty and list(empty.columns) == list(diary.columns)
    assert empty_report.empty


def test_diary_errors(activities) -> None:
    events = _events(
        ("2023-09-05 09:00", "2023-09-05 10:00", ["Admin"], "busy"),
        ("2023-09-05 10:00", "2023-09-05 11:00", ["Lunch"], "busy"),
        ("2023-09-06 10:00", "2023-09-06 11:00", ["Admin", "lunch "], "busy"),
        ("2023-09-07 10:00", "2023-09-07 11:00", ["Lunch"], "busy"),
    )
    with pytest.raises(DropError) as err:
        events_to_diary(events, activities, RULES, START, MONTHS)
    assert str(err.value) == (
        "cal.csv: category 'Lunch' is not in config/activities.yaml (3 events, first on row 3); "
        "add it as an alias of a category or recode the events"
    )
    no_category = _events(("2023-09-05 09:00", "2023-09-05 10:00", [], "busy"), file="x.ics")
    with pytest.raises(DropError) as err:
        events_to_diary(no_category, activities, RULES, START, MONTHS)
    assert str(err.value) == (
        "x.ics: line 2: the event has no category; give it one of the categories in "
        "config/activities.yaml"
    )
    backwards = _events(("2023-09-05 10:00", "2023-09-05 09:30", ["Admin"], "busy"))
    with pytest.raises(DropError) as err:
        events_to_diary(backwards, activities, RULES, START, MONTHS)
    assert str(err.value) == (
        "cal.csv: row 2: the event ends (2023-09-05 09:30) before it starts "
        "(2023-09-05 10:00); correct its start or end"
    )
    with pytest.raises(ConfigError, match="multi_category 'all'"):
        events_to_diary(events, activities, CalendarRules(3.75, multi_category="all"), START, 6)
    with pytest.raises(ConfigError, match="leave_category 'cpd' is not a leave category"):
        events_to_diary(events, activities, CalendarRules(3.75, leave_category="cpd"), START, 6)


def test_error_messages_do_not_echo_subjects(activities) -> None:
    text = _csv("Secret review with Dr Who,04/09/2023,09:00,04/09/2023,10:00,False,Lunch,2")
    events = read_outlook_csv(text, "x.csv", "p1")
    with pytest.raises(DropError) as err:
        events_to_diary(events, activities, RULES, START, MONTHS)
    assert "Secret" not in str(err.value) and "row 2" in str(err.value)


# --------------------------------------------------------------------------- exporters


@pytest.fixture(scope="module")
def example(root):
    diary = io.read_raw_table(root / "resources" / "example" / "activity_diary.csv")
    date_format = io.read_yaml(root / "resources" / "example" / "drop.yaml")["date_format"]
    return diary, date_format


def _totals(frame: pd.DataFrame, activities, date_format: str | None) -> pd.Series:
    days = parse_dates(frame["date"], date_format).dt.strftime("%Y-%m-%d")
    keyed = pd.DataFrame(
        {
            "ref": frame["participant_ref"].map(normalise_ref).to_numpy(),
            "date": days.to_numpy(),
            "category": frame["category"].map(lambda c: activities.keys[normalise(c)]).to_numpy(),
            "hours": frame["hours"].astype(float).to_numpy(),
        }
    )
    return keyed.groupby(["ref", "date", "category"])["hours"].sum()


@pytest.mark.parametrize("kind", ["en-GB", "en-US", "ics"])
def test_round_trip_of_the_example_diary(example, activities, kind) -> None:
    diary, date_format = example
    if kind == "ics":
        files = ics_exports(diary, date_format=date_format)
    else:
        files = outlook_csv_exports(diary, kind, date_format=date_format)
    frames = []
    for name, text in files.items():
        decoded = io.decode_text(text.encode("utf-8"), name)
        ref = name.rsplit(".", 1)[0]
        if kind == "ics":
            frames.append(read_ics(decoded, name, ref))
        else:
            frames.append(read_outlook_csv(decoded, name, ref, locale=kind))
    events = pd.concat(frames, ignore_index=True)
    back, report = events_to_diary(events, activities, RULES, START, MONTHS)
    assert report["overlapping"].sum() == 0 and report["outside_window"].sum() == 0
    expected = _totals(diary, activities, date_format)
    got = _totals(back, activities, None)
    assert got.index.equals(expected.index)
    assert (got - expected).abs().max() < 1e-9


def test_outlook_csv_export_format() -> None:
    diary = pd.DataFrame(
        {
            "participant_ref": [" Kate.Marsh@Example.nhs.uk", "kate.marsh@example.nhs.uk"],
            "date": ["05/09/2023", "2023-09-05"],
            "category": ["Project delivery", "Admin"],
            "hours": ["2.5", "0.75"],
            "description": ['Survey "analysis", part 1', None],
        }
    )
    files = outlook_csv_exports(diary, "en-US", date_format="%d/%m/%Y")
    assert list(files) == ["kate.marsh@example.nhs.uk.csv"]
    text = files["kate.marsh@example.nhs.uk.csv"]
    assert text.startswith("\ufeff" + HEADER + "\r\n")
    lines = text[1:].split("\r\n")
    assert lines[-1] == "" and "\n" not in "".join(lines)
    assert lines[1].startswith('"Survey ""analysis"", part 1","9/5/2023","9:00:00 AM","9/5/2023",')
    assert lines[2].startswith('"","9/5/2023","11:30:00 AM","9/5/2023","12:15:00 PM","False",')
    assert lines[2].endswith('"Admin","","","","Normal","False","Normal","2"')


def test_ics_export_format() -> None:
    long = "Réunion régionale, équipe; " * 6  # multi-byte characters across a fold
    diary = pd.DataFrame(
        {
            "participant_ref": ["P1"] * 3,
            "date": ["2023-10-29"] * 3,
            "category": ["Leading, presenting", "Meetings", "AL"],
            "hours": ["8", "8", "0.5"],  # 16.5 h: starts at 07:30 to end by midnight
            "description": [long, "Line one\nline two", ""],
        }
    )
    text = ics_exports(diary)["p1.ics"]
    assert text == ics_exports(diary)["p1.ics"]  # deterministic (UIDs included)
    assert text.startswith("BEGIN:VCALENDAR\r\nPRODID:") and "VERSION:2.0\r\n" in text
    assert text.endswith("END:VCALENDAR\r\n") and "\n" not in text.replace("\r\n", "")
    assert "BEGIN:VTIMEZONE\r\nTZID:Europe/London" in text
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    assert "DTSTART;TZID=Europe/London:20231029T073000" in text
    assert "DTEND;TZID=Europe/London:20231030T000000" in text
    assert "CATEGORIES:Leading\\, presenting" in text
    assert "SUMMARY:Line one\\nline two" in text
    assert len({line for line in text.split("\r\n") if line.startswith("UID:")}) == 3
    assert "p1" not in text.lower().replace("prodid", "")
    events = read_ics(text, "p1.ics", "p1")
    assert events["subject"].tolist() == [long.strip(), "Line one\nline two", ""]
    assert events["categories"].tolist() == [("Leading, presenting",), ("Meetings",), ("AL",)]
    assert events["start"].tolist()[0] == datetime(2023, 10, 29, 7, 30)


def test_export_errors() -> None:
    over = pd.DataFrame(
        {
            "participant_ref": ["p1", "p1"],
            "date": ["2023-09-05", "2023-09-05"],
            "category": ["Admin", "Admin"],
            "hours": ["20", "5"],
            "description": ["", ""],
        }
    )
    with pytest.raises(DropError, match="rows 2, 3 add up to 25 hours on 2023-09-05"):
        ics_exports(over)
    with pytest.raises(DropError, match=r"row 2, column 'date': '5 Sept' is not a date"):
        outlook_csv_exports(over.assign(date=["5 Sept", "2023-09-05"]))
    with pytest.raises(DropError, match="unknown calendar locale 'de-DE'"):
        outlook_csv_exports(over, "de-DE")


def test_fold_keeps_characters_whole() -> None:
    line = "SUMMARY:" + "é" * 80
    folded = fold(line)
    pieces = folded.split("\r\n")
    assert all(len(p.encode("utf-8")) <= 75 for p in pieces)
    assert "".join(p[1:] if i else p for i, p in enumerate(pieces)) == line


def test_dates_in_implausible_years_are_refused_not_crashed_on():
    text = _fixture("outlook_en_us.csv").replace("9/18/2023", "9/18/0023", 1)
    with pytest.raises(
        DropError, match=r"row 2, column 'Start Date': '9/18/0023' is in the year 23"
    ):
        read_outlook_csv(text, "c.csv", "p1", "en-US")
    ics = _fixture("outlook.ics")
    event = ics.index("BEGIN:VEVENT")
    first = re.compile(r"DTSTART[^:\n]*:(\d{4})").search(ics, event)
    broken = ics[: first.start(1)] + "2523" + ics[first.end(1) :]
    line = ics[:event].count("\n") + 1
    with pytest.raises(DropError, match=f"c.ics: line {line}: the event starts in the year 2523"):
        read_ics(broken, "c.ics", "p1")
