"""Validation of small raw tables: passes, precise messages, no personal data echoed."""

import json

import pandas as pd
import pytest

from cohort_eval.checks import CohortContext
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.guard import load_suite
from cohort_eval.validation import validate_raw_input

REFS = ["ann.a@nhs.net", "bob.b@nhs.net"]


@pytest.fixture(scope="module")
def suites(root):
    def load(name):
        return [
            load_suite(root / "workflow" / "suites" / f"{s}.yaml") for s in RAW_INPUTS[name].suites
        ]

    return {name: load(name) for name in RAW_INPUTS}


@pytest.fixture()
def ctx(instrument, codebook, activities):
    return CohortContext(
        start="2023-09-04",
        months=6,
        date_format="%d/%m/%Y",
        instrument=instrument,
        codebook=codebook,
        activities=activities,
        roster_keys=frozenset(REFS),
    )


def table(rows, columns):
    frame = pd.DataFrame(rows, columns=pd.Index(columns, dtype=object), dtype=object)
    frame.index = pd.Index(range(2, len(rows) + 2), name="row")
    return frame


def survey(instrument, cells=None, refs=REFS):
    ids = instrument.statement_ids
    rows = []
    for ref in refs:
        rows.append([ref, *["3"] * len(ids), "fine"])
    for (r, c), value in (cells or {}).items():
        rows[r][1 + ids.index(c)] = value
    return table(rows, ["participant_ref", *ids, "comment: anything else?"])


def run(spec, raw, ctx, suites):
    return validate_raw_input(RAW_INPUTS[spec], raw, f"{spec}.csv", "0" * 64, ctx, suites[spec])


def test_valid_survey_passes(instrument, ctx, suites):
    raw = survey(instrument, {(0, "COM02"): "Quite confident", (1, "MAN20"): ""})
    report = run("survey_post", raw, ctx, suites)
    assert report.success, report.messages
    assert [o.suite for o in report.outcomes] == ["columns", "survey_respondents", "survey_answers"]


def test_likert_seven_names_file_row_column_and_value(instrument, ctx, suites):
    raw = survey(instrument, {(1, "NET03"): "7", (0, "POL01"): "3.5"})
    report = run("survey_post", raw, ctx, suites)
    assert not report.success
    (line,) = report.messages
    assert line.startswith("survey_post.csv: 2 of 68 answers fail; expected an answer 1-5")
    assert "row 2, column POL01: '3.5'" in line and "row 3, column NET03: '7'" in line


def test_unknown_and_missing_statement_columns(instrument, ctx, suites):
    raw = survey(instrument).rename(columns={"COM03": "Confidence in juggling"})
    report = run("survey_pre", raw, ctx, suites)
    assert not report.success
    text = "\n".join(report.messages)
    assert "'Confidence in juggling'" in text and "row 1, column 4" in text
    assert "missing: COM03" in text
    assert report.skipped == ["survey_respondents", "survey_answers"]


def test_participant_not_in_roster_and_duplicates_hide_the_reference(instrument, ctx, suites):
    raw = survey(instrument, refs=["ann.a@nhs.net", "ghost.g@nhs.net", " ANN.A@nhs.net"])
    report = run("survey_pre", raw, ctx, suites)
    text = "\n".join(report.messages)
    assert "listed in roster.csv" in text and "row 3, column participant_ref" in text
    assert "one row per participant" in text and "row 4" in text
    assert "ghost" not in text and "ann.a" not in text.lower()
    dumped = json.dumps(report.to_dict(), default=str).lower()
    assert "ghost" not in dumped and "ann.a@" not in dumped


def test_activity_dates_hours_and_categories(ctx, suites):
    rows = [
        ["ann.a@nhs.net", "18/09/2023", "Admin", "1.5", "emails"],
        ["ann.a@nhs.net", "2024-04-01", "Meetings", "2", ""],
        ["bob.b@nhs.net", "31/02/2023", "Knitting", "30", ""],
        ["bob.b@nhs.net", "19/09/2023", "Annual leave", "0", ""],
    ]
    raw = table(rows, ["participant_ref", "date", "category", "hours", "description"])
    report = run("activity_diary", raw, ctx, suites)
    text = "\n".join(report.messages)
    assert "row 3, column date: '2024-04-01'" in text and "2023-09-04 to 2024-03-03" in text
    assert "row 4, column date: '31/02/2023'" in text
    assert "row 4, column category: 'Knitting'" in text
    assert "row 4, column hours: '30'" in text and "row 5, column hours: '0'" in text
    assert len(report.messages) == 4


def test_segments_codes_and_personal_text(ctx, suites):
    rows = [
        ["ann.a@nhs.net", "2023-09-10", "T01", "Ann said hello", "R1", "yes"],
        ["bob.b@nhs.net", "2023-09-10", "Dragons Den", "", "R1", "maybe"],
        ["bob.b@nhs.net", "2023-09-11", "T99", "text", "", ""],
    ]
    raw = table(rows, ["participant_ref", "entry_date", "code", "segment", "coder", "exemplar"])
    report = run("diary_segments", raw, ctx, suites)
    text = "\n".join(report.messages)
    assert "row 4, column code: 'T99'" in text
    assert "row 3, column segment (values not shown" in text
    assert "row 3, column exemplar: 'maybe'" in text
    assert len(report.messages) == 3


def test_roster_checks(ctx, suites):
    columns = list(RAW_INPUTS["roster"].required)
    rows = [
        ["ann.a@nhs.net", "Ann A", "ann.a@nhs.net", "female", "dr", "advanced", "12", "Active"],
        ["ANN.A@nhs.net", "Ann B", "not-an-email", "female", "dr", "advanced", "twelve", "left"],
    ]
    report = run("roster", table(rows, columns), ctx, suites)
    text = "\n".join(report.messages)
    assert "each participant_ref only once" in text
    assert "row 3, column email (values not shown" in text
    assert "row 3, column status: 'left'" in text
    assert "row 3, column years_registered: 'twelve'" in text
    assert "not-an-email" not in json.dumps(report.to_dict(), default=str)


def test_roster_without_active_participant(ctx, suites):
    columns = list(RAW_INPUTS["roster"].required)
    rows = [
        ["ann.a@nhs.net", "Ann A", "ann.a@nhs.net", "female", "dr", "advanced", "12", "withdrawn"]
    ]
    report = run("roster", table(rows, columns), ctx, suites)
    assert any("at least one participant with status active" in m for m in report.messages)


def test_roster_with_empty_optional_cells(ctx, suites):
    columns = list(RAW_INPUTS["roster"].required)
    rows = [["ann.a@nhs.net", "Ann A", "", "female", "dr", "advanced", "12", "active"]]
    report = run("roster", table(rows, columns), ctx, suites)
    assert report.success, report.messages
    rows[0][4] = " "
    report = run("roster", table(rows, columns), ctx, suites)
    assert report.messages == [
        "roster.csv: 1 of 1 rows fail; expected profession on every row. "
        "row 2, column profession: empty."
    ]


def test_all_missing_statements_are_listed(instrument, ctx, suites):
    raw = survey(instrument)[["participant_ref", "COM01"]]
    report = run("survey_pre", raw, ctx, suites)
    (line,) = [m for m in report.messages if "missing:" in m]
    assert line.endswith(", ".join(instrument.statement_ids[1:]) + ".")


def test_title_row_above_the_header_names_the_header_row(ctx, suites):
    columns = ["Activity diary, autumn", "", "", ""]
    rows = [
        ["participant_ref", "date", "category", "hours"],
        ["ann.a@nhs.net", "2023-09-05", "CPD", "1"],
    ]
    report = run("activity_diary", table(rows, columns), ctx, suites)
    assert report.messages == [
        "activity_diary.csv: row 1 is not the header row: it names none of the expected columns, "
        "and row 2 looks like the header. Delete the rows above the header (a title or notes), "
        "so that the header is row 1."
    ]
