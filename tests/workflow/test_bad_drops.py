"""Broken drops stop the run with a message naming file, row, column and value."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from cohort_eval.simulate import reexpress_drop

from .helpers import ROOT, make_workdir, snakemake

pytestmark = pytest.mark.workflow
EXAMPLE = ROOT / "resources" / "example"


def _edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _likert7(drop):
    lines = (drop / "survey_post.csv").read_text().splitlines(keepends=True)
    cells = lines[2].split(",")
    cells[1] = "7"
    lines[2] = ",".join(cells)
    (drop / "survey_post.csv").write_text("".join(lines))


def _unknown_statement(drop):
    _edit(drop / "survey_pre.csv", ",COM03,", ",Confidence in juggling,")


def _not_in_roster(drop):
    lines = (drop / "activity_diary.csv").read_text().splitlines(keepends=True)
    lines[5] = "stranger.s@nhs.net," + lines[5].split(",", 1)[1]
    (drop / "activity_diary.csv").write_text("".join(lines))


def _outside_window(drop):
    lines = (drop / "diary_segments.csv").read_text().splitlines(keepends=True)
    cells = lines[3].split(",", 2)
    lines[3] = f"{cells[0]},2024-05-01,{cells[2]}"
    (drop / "diary_segments.csv").write_text("".join(lines))


def _undecodable(drop):
    data = (drop / "survey_pre.csv").read_bytes()
    (drop / "survey_pre.csv").write_bytes(data.rstrip(b"\n") + b" caf\xe9\n")


CASES = {
    "likert7": (_likert7, "survey_post", ["survey_post.csv", "row 3, column COM01: '7'", "1-5"]),
    "unknown": (
        _unknown_statement,
        "survey_pre",
        ["survey_pre.csv", "'Confidence in juggling'", "missing: COM03"],
    ),
    "roster": (
        _not_in_roster,
        "activity_diary",
        ["activity_diary.csv", "row 6, column participant_ref", "listed in roster.csv"],
    ),
    "window": (
        _outside_window,
        "diary_segments",
        [
            "diary_segments.csv",
            "row 4, column entry_date: '2024-05-01'",
            "2023-09-04 to 2024-03-03",
        ],
    ),
    "encoding": (
        _undecodable,
        "survey_pre",
        ["survey_pre.csv", "cannot read the file as utf-8", "0xe9", "line 8"],
    ),
}


# One run checks every case: cases in different files share a drop (a file is validated on its
# own, against the roster only); the undecodable survey_pre.csv needs a second drop, the
# example with Outlook calendars, one of them with an unmapped category.
DROPS = {"tables": ("likert7", "unknown", "roster", "window"), "calendars": ("encoding",)}
DROP_OF = {case: drop for drop, cases in DROPS.items() for case in cases}


def _unmapped_category(drop):
    """Give one event of the drop's first calendar file the unmapped category 'Lunch';
    returns that file."""
    first = sorted((drop / "calendars").iterdir())[0]
    rows = list(csv.reader(io.StringIO(first.read_bytes().decode("utf-8-sig"), newline="")))
    rows[2][rows[0].index("Categories")] = "Lunch"  # spreadsheet row 3
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    first.write_bytes(buffer.getvalue().encode("utf-8-sig"))
    return first


def input_error_lines(stderr: str) -> list[str]:
    """The lines of every INPUT ERROR message on the terminal, without the heading."""
    lines = []
    for block in stderr.split("INPUT ERROR: ")[1:]:
        lines += [line.strip() for line in block.split("\n\n")[0].splitlines()]
    return lines


@pytest.fixture(scope="module")
def broken_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    calendars = tmp / "sources" / "calendars"
    reexpress_drop(EXAMPLE, calendars, "outlook", "none", ROOT)
    workdir = make_workdir(tmp / "run", {"tables": None, "calendars": calendars})
    for drop, cases in DROPS.items():
        assert len({CASES[case][1] for case in cases}) == len(cases)  # one case per file
        for case in cases:
            CASES[case][0](workdir / "drops" / drop)
    unmapped = _unmapped_category(workdir / "drops" / "calendars")
    return workdir, unmapped, snakemake(workdir, "--keep-going")


@pytest.mark.parametrize("case", list(CASES))
def test_broken_drop_fails_with_an_actionable_message(broken_run, case):
    workdir, _, result = broken_run
    _, name, fragments = CASES[case]
    drop = DROP_OF[case]
    assert result.returncode != 0
    # One message per cohort lists every file's problems, one line each, under INPUT ERROR.
    lines = input_error_lines(result.stderr)
    assert any(line.startswith(f"drops/{drop}/{fragments[0]}") for line in lines), lines
    for fragment in fragments[1:]:
        assert fragment in result.stderr
    record = json.loads(
        (workdir / "results" / ".build" / drop / "validation" / f"{name}.json").read_text()
    )
    assert record["success"] is False
    for fragment in fragments[1:]:
        assert any(fragment in m for m in record["messages"]), record["messages"]
    assert not (workdir / "results" / ".build" / drop / "validation" / f"{name}.ok.json").exists()


def test_calendar_with_unmapped_category_names_file_row_and_value(broken_run):
    workdir, first, run = broken_run
    assert run.returncode != 0
    # The calendar's message, up to the blank line that ends it.
    found = re.search(
        r"^INPUT ERROR: calendars file 1 of 7\b.*?(?:\n\n|\Z)", run.stderr, re.M | re.S
    )
    assert found, run.stderr[-3000:]
    message = found.group()
    assert "row 3" in message
    assert "'Lunch'" in message and f"calendars/{first.name}" in message  # terminal only
    assert "Traceback" not in run.stderr
    log = workdir / "results" / ".build" / "calendars" / "validation" / "activity_diary.json"
    log = log.read_text()
    assert "'Lunch'" in log and first.name not in log


def test_no_traceback_on_the_terminal_and_personal_data_kept_out(broken_run):
    workdir, _, result = broken_run
    assert "Traceback (most recent call last)" not in result.stderr
    assert "stranger.s@nhs.net" not in result.stderr
    for path in (workdir / "results").rglob("*"):
        if path.is_file():
            assert b"stranger.s@nhs.net" not in path.read_bytes(), path
