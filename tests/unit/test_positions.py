"""Source and character positions of coded segments: kept from a .qdpx, checked in a hand-made
table, and anonymised to source ids that never reveal a document's name."""

from __future__ import annotations

import pandas as pd
import pytest

from cohort_eval import io
from cohort_eval.anonymise import WRITTEN, anonymise, source_ids
from cohort_eval.checks import CohortContext, parse_positions
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.export_qda import DATE_VARIABLE, qdpx_from_segments
from cohort_eval.guard import load_suite, run_suites
from cohort_eval.parse import classify_headers
from cohort_eval.redact import PID_PATTERN
from cohort_eval.sources import ImportSettings, read_raw_input
from cohort_eval.validation import validate_raw_input

KEY = b"unit-test-key-0123456789"
REFS = ["ann.a@nhs.net", "bob.b@nhs.net"]
COLUMNS = ["participant_ref", "entry_date", "code", "segment", "source", "start", "end"]


def table(rows: list[list[str]], columns: list[str] = COLUMNS) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=pd.Index(columns, dtype=object), dtype=object)
    frame.index = pd.Index(range(2, len(rows) + 2), name="row")
    return frame


@pytest.fixture()
def ctx(instrument, codebook, activities) -> CohortContext:
    return CohortContext(
        "2023-09-04", 6, "%d/%m/%Y", instrument, codebook, activities, frozenset(REFS)
    )


@pytest.fixture(scope="module")
def suites(root):
    return [
        load_suite(root / "workflow" / "suites" / f"{s}.yaml")
        for s in RAW_INPUTS["diary_segments"].suites
    ]


def test_positions_are_optional_contract_columns(instrument) -> None:
    spec = RAW_INPUTS["diary_segments"]
    assert {"source", "start", "end"} <= set(spec.optional) and "source" in spec.sensitive
    headers = classify_headers(
        ["Participant ref", "Entry date", "code", "segment", "Source", "START", "end"],
        spec,
        instrument,
    )
    assert headers["kind"].eq("column").all()
    assert headers["canonical"].tolist()[-3:] == ["source", "start", "end"]


def test_parse_positions() -> None:
    values = pd.Series(["0", " 12 ", "7.0", "-1", "1.5", "x", "", None, "inf"], dtype=object)
    got = parse_positions(values)
    assert got.tolist()[:3] == [0, 12, 7]
    assert got.iloc[3:].isna().all() and str(got.dtype) == "Int64"


def test_qdpx_keeps_source_and_positions_as_text(tmp_path, codebook, activities) -> None:
    segments = table(
        [
            ["ann.a@nhs.net", "2023-09-10", "T01", "First passage.", "", "", ""],
            ["ann.a@nhs.net", "2023-09-10", "T05", "Second one.", "", "", ""],
        ]
    )
    path = tmp_path / "diary_segments.qdpx"
    path.write_bytes(qdpx_from_segments(segments[COLUMNS[:4]], codebook))
    settings = ImportSettings(
        encoding=None,
        calendar_locale="en_GB",
        daily_hours=7.5,
        calendars={},
        qda_source_pattern=None,
        qda_date_variable=DATE_VARIABLE,
        start="2023-09-04",
        months=6,
    )
    raw, report = read_raw_input("diary_segments", path, [], settings, activities, codebook)
    assert report["form"] == "qdpx"
    assert list(raw.columns) == [
        *RAW_INPUTS["diary_segments"].required,
        "coder",
        "exemplar",
        *COLUMNS[4:],
    ]
    # the exporter separates selections by a blank line (\r\n\r\n): 14 + 4 = 18
    assert raw[["source", "start", "end"]].to_numpy().tolist() == [
        ["ann.a@nhs.net_2023-09-10", "0", "14"],
        ["ann.a@nhs.net_2023-09-10", "18", "29"],
    ]
    assert all(isinstance(v, str) for v in raw.to_numpy().ravel())


def test_hand_made_table_with_positions_passes(ctx, suites) -> None:
    raw = table(
        [
            ["ann.a@nhs.net", "2023-09-10", "T01", "Ann's first passage", "Ann diary 3", "0", "19"],
            ["ann.a@nhs.net", "2023-09-10", "T05", "first", "Ann diary 3", "6", "11"],
            ["bob.b@nhs.net", "2023-09-11", "T02", "no position", "", "", ""],
            ["bob.b@nhs.net", "2023-09-11", "T03", "source alone", "Bob diary", "", ""],
        ]
    )
    report = validate_raw_input(
        RAW_INPUTS["diary_segments"], raw, "diary_segments.csv", "0" * 64, ctx, suites
    )
    assert report.success, report.messages


def test_bad_positions_name_row_and_value_but_never_the_source(ctx, suites) -> None:
    raw = table(
        [
            ["ann.a@nhs.net", "2023-09-10", "T01", "a", "Ann diary 3", "x", "4"],  # row 2
            ["ann.a@nhs.net", "2023-09-10", "T01", "b", "Ann diary 3", "-2", "4"],  # row 3
            ["ann.a@nhs.net", "2023-09-10", "T01", "c", "Ann diary 3", "", "4"],  # row 4
            ["ann.a@nhs.net", "2023-09-10", "T01", "d", "Ann diary 3", "9", "4"],  # row 5
            ["bob.b@nhs.net", "2023-09-11", "T02", "e", "", "1", "4"],  # row 6
            ["bob.b@nhs.net", "2023-09-11", "T02", "f", "Bob diary", "1", "4.5"],  # row 7
        ]
    )
    report = validate_raw_input(
        RAW_INPUTS["diary_segments"], raw, "diary_segments.csv", "0" * 64, ctx, suites
    )
    text = "\n".join(report.messages)
    assert "2 of 5 rows fail; expected start as a character position" in text
    assert "row 2, column start: 'x'; row 3, column start: '-2'" in text
    assert "row 7, column end: '4.5'" in text
    assert "row 4, column start and end: 'start empty, end 4'" in text
    assert (
        "expected start no greater than end. row 5, column start and end: 'start 9, end 4'" in text
    )
    assert "row 6, column source (values not shown: personal data)" in text
    assert len(report.messages) == 5
    written = str(report.to_dict())
    assert "diary 3" not in written and "Bob diary" not in written


def test_source_ids_follow_pid_date_and_name() -> None:
    pids = pd.Series(["P-b", "P-a", "P-a", "P-a", "P-b", "P-a"])
    dates = pd.to_datetime(
        pd.Series(
            ["2023-09-01", "2023-09-02", "2023-09-01", "2023-09-02", "2023-09-01", "2023-09-01"]
        )
    )
    names = pd.Series(["Same", "zed", "Same", "alpha", "same ", None], dtype=object)
    # distinct (pid, date, name): (P-a, 09-01, same)=S001, (P-a, 09-02, alpha)=S002,
    # (P-a, 09-02, zed)=S003, (P-b, 09-01, same)=S004; the name is compared normalised
    got = source_ids(pids, dates, names)
    assert got.iloc[:5].tolist() == ["S004", "S003", "S001", "S002", "S004"]
    assert pd.isna(got.iloc[5])


@pytest.fixture(scope="module")
def positioned(root, instrument, codebook, activities):
    drop = root / "resources" / "example"
    raw = {name: io.read_raw_table(drop / f"{name}.csv") for name in RAW_INPUTS}
    segments = raw["diary_segments"].copy()
    refs = segments["participant_ref"].str.lower()
    first = segments.index[refs == "amelia.hartley@nhs.net"][:3]
    gone = segments.index[refs == "joanne.whitfield@nhs.net"][:1]  # withdrawn
    segments["source"], segments["start"], segments["end"] = "", "", ""
    segments.loc[first, "source"] = ["Amelia diary 3", "Amelia diary 3", "Amelia diary 3"]
    segments.loc[first, "start"] = ["0", "10", "40"]
    segments.loc[first, "end"] = ["20", "30", "50"]
    segments.loc[gone, ["source", "start", "end"]] = ["Joanne Whitfield notes", "0", "5"]
    raw["diary_segments"] = segments
    ctx = CohortContext("2023-09-04", 6, "%d/%m/%Y", instrument, codebook, activities)
    settings = io.read_drop_settings(drop / "drop.yaml")
    return anonymise(raw, ctx, KEY, 8, settings["redact_names"])


def test_anonymised_segments_carry_source_ids_not_names(positioned, root) -> None:
    out = positioned.tables["segments"]
    assert list(out.columns) == WRITTEN["segments"]
    with_source = out[out["source"].notna()]
    assert with_source["source"].tolist() == ["S001"] * 3  # one source; the withdrawn one gone
    spans = sorted(zip(with_source["start"], with_source["end"], strict=True))
    assert spans == [(0, 20), (10, 30), (40, 50)]
    assert str(out["start"].dtype) == "Int64" and out["start"].isna().sum() == len(out) - 3
    csv = out.to_csv(index=False)
    assert "diary 3" not in csv and "Amelia" not in csv and "Joanne" not in csv
    written = [line.split(",")[-3:] for line in csv.splitlines()[1:]]
    assert written.count(["", "", ""]) == len(out) - 3  # empty where absent
    assert ["S001", "0", "20"] in written
    suites = [
        load_suite(root / "workflow" / "suites" / f"{s}.yaml")
        for s in ("anonymised_columns", "anonymised_pids", "anonymised_text")
    ]
    outcomes = run_suites(suites, positioned.guard, {"pid_regex": PID_PATTERN}, "anonymised")
    assert all(o.success for o in outcomes), [m for o in outcomes for m in o.messages]
    checked = positioned.guard["text"]
    assert (checked.loc[checked["column"] == "source", "value"] == "S001").sum() == 3
