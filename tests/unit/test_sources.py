from pathlib import Path

from cohort_eval.forms import calendar_label, calendar_note, candidates, checked_files, form_of


def test_candidates_and_forms():
    assert candidates("roster") == ["roster.csv"]
    assert candidates("activity_diary") == [
        "activity_diary.csv",
        "activity_diary.xlsx",
        "calendars",
    ]
    assert "diary_segments.qdpx" in candidates("diary_segments")
    assert form_of("drops/x/calendars") == "calendars"
    assert form_of("drops/x/diary_segments.qdpx") == "qdpx"
    assert form_of("drops/x/diary_segments_taguette.csv") == "taguette"
    assert form_of("drops/x/activity_diary.xlsx") == "table"


def test_calendar_files_are_named_by_position_and_only_the_terminal_note_names_them(
    tmp_path: Path,
):
    folder = tmp_path / "calendars"
    folder.mkdir()
    for name in ("b@nhs.net.ics", "a@nhs.net.csv", "notes.txt"):
        (folder / name).write_text("x")
    assert [Path(f).name for f in checked_files(folder)] == ["a@nhs.net.csv", "b@nhs.net.ics"]
    assert calendar_label(2, 2) == "calendars file 2 of 2"
    note = calendar_note(folder, "calendars file 2 of 2: row 3 ...")
    assert note == "(calendars file 2 of 2 is calendars/b@nhs.net.ics)"
    assert calendar_note(folder, "no calendar named") == ""
    assert calendar_note(tmp_path / "activity_diary.csv", "calendars file 1 of 2") == ""
