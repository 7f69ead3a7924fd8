"""QDA-tool importers (REFI-QDA .qdpx, QualCoder and Taguette CSV) and the .qdpx exporter,
against hand-worked archives and exports."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from cohort_eval import io as cio
from cohort_eval.config import load_codebook
from cohort_eval.errors import ConfigError, DropError
from cohort_eval.export_qda import DATE_VARIABLE, ROUND_TRIP_SETTINGS, qdpx_from_segments
from cohort_eval.qda import (
    POSITION_COLUMNS,
    SEGMENT_COLUMNS,
    QdpxSettings,
    _Archive,
    read_qdpx,
    read_qualcoder_csv,
    read_taguette_csv,
)

ROOT = Path(__file__).resolve().parents[2]
NS = "urn:QDA-XML:project:1.0"

# GUIDs, written below in mixed forms (braces, upper case) on purpose.
ANN = "a1a1a1a1-0000-4000-8000-000000000001"
BOB = "b2b2b2b2-0000-4000-8000-000000000002"
C_THEMES = "c0000000-0000-4000-8000-000000000000"
C_SELF = "c0000000-0000-4000-8000-000000000001"  # "Limited self belief" -> T01 (alias)
C_PEER = "c0000000-0000-4000-8000-000000000002"  # nested under C_SELF: "Peer support" -> T08
C_EVENTS = "c0000000-0000-4000-8000-000000000003"  # codable parent "Induction" -> E01
C_DEN = "c0000000-0000-4000-8000-000000000004"  # child "Dragons Den" -> E03
C_THREAD = "c0000000-0000-4000-8000-000000000005"  # "Self-belief" -> N01
C_MINE = "c0000000-0000-4000-8000-000000000006"  # "My tension code" -> T04 via mapping GUID
C_UNUSED = "c0000000-0000-4000-8000-000000000007"  # never used, needs no mapping
CASE_P1 = "ca5e0000-0000-4000-8000-000000000001"
CASE_P9 = "ca5e0000-0000-4000-8000-000000000009"
SRC_A = "5a000000-0000-4000-8000-00000000000a"
SRC_B = "5b000000-0000-4000-8000-00000000000b"
SRC_C = "5c000000-0000-4000-8000-00000000000c"
VAR_DATE = "fa000000-0000-4000-8000-000000000001"

# Source A: CRLF text. Offsets: "First line." 0-11, CRLF 11-13, "Second line here." 13-30,
# CRLF CRLF 30-34, "Third para." 34-45; 45 code points.
TEXT_A = "First line.\r\nSecond line here.\r\n\r\nThird para."
# Source B: one non-ASCII character; positions count code points, not bytes.
TEXT_B = "Café day.\r\nAll good."


def up(guid: str) -> str:
    return "{" + guid.upper() + "}"


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(cio.read_yaml(ROOT / "config" / "codebook.yaml"))


def make_zip(members: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data.encode("utf-8") if isinstance(data, str) else data)
    return buffer.getvalue()


def project(sources: str, codes: str = "", cases: str = "") -> str:
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="diaries" origin="test">
  <Users>
    <User guid="{up(ANN)}" name="Ann"/>
    <User guid="{BOB}" name="Bob"/>
  </Users>
  <CodeBook><Codes>
    <Code guid="{C_THEMES}" name="Themes" isCodable="false">
      <Code guid="{up(C_SELF)}" name="Limited self belief" isCodable="true">
        <Code guid="{C_PEER}" name="Peer support" isCodable="true"/>
      </Code>
    </Code>
    <Code guid="{C_EVENTS}" name="Induction" isCodable="true">
      <Code guid="{C_DEN}" name="Dragons Den" isCodable="true"/>
    </Code>
    <Code guid="{C_THREAD}" name="Self-belief" isCodable="true"/>
    <Code guid="{C_UNUSED}" name="Not in the codebook" isCodable="true"/>
    {codes}
  </Codes></CodeBook>
  <Variables>
    <Variable guid="{up(VAR_DATE)}" name="Diary date" typeOfVariable="DateTime"/>
  </Variables>
  <Cases>
    <Case guid="{CASE_P1}" name="p-001"><SourceRef targetGUID="{up(SRC_A)}"/></Case>
    {cases}
  </Cases>
  <Sources>{sources}</Sources>
</Project>"""


SOURCE_A = f"""
<TextSource guid="{up(SRC_A)}" name="Diary one" plainTextPath="internal://{SRC_A}.txt">
  <PlainTextSelection guid="{{5E1EC700-0000-4000-8000-000000000001}}" startPosition="0"
      endPosition="30">
    <Coding guid="c0d10000-0000-4000-8000-000000000001" creatingUser="{ANN}">
      <CodeRef targetGUID="{C_SELF.upper()}"/>
    </Coding>
  </PlainTextSelection>
  <PlainTextSelection guid="5e1ec700-0000-4000-8000-000000000002" startPosition="13"
      endPosition="30" creatingUser="{ANN.upper()}">
    <Coding guid="c0d10000-0000-4000-8000-000000000002" creatingUser="{up(BOB)}">
      <CodeRef targetGUID="{C_THREAD}"/>
    </Coding>
    <Coding guid="c0d10000-0000-4000-8000-000000000003">
      <CodeRef targetGUID="{up(C_EVENTS)}"/>
    </Coding>
  </PlainTextSelection>
  <PlainTextSelection guid="5e1ec700-0000-4000-8000-000000000003" startPosition="34"
      endPosition="45"><Description>an annotation, not a coding</Description>
  </PlainTextSelection>
  <PlainTextSelection guid="5e1ec700-0000-4000-8000-000000000004" startPosition="34"
      endPosition="45" creatingUser="{BOB}">
    <Coding guid="c0d10000-0000-4000-8000-000000000004">
      <CodeRef targetGUID="{CASE_P1}"/>
    </Coding>
  </PlainTextSelection>
  <VariableValue>
    <VariableRef targetGUID="{VAR_DATE}"/>
    <DateTimeValue>2023-09-08T10:15:00</DateTimeValue>
  </VariableValue>
</TextSource>"""

SOURCE_B = f"""
<TextSource guid="{SRC_B}" name="amelia_2023-09-15.txt" plainTextPath="internal://{SRC_B}.txt">
  <PlainTextSelection guid="5e1ec700-0000-4000-8000-00000000000b" startPosition="0"
      endPosition="9">
    <Coding guid="c0d10000-0000-4000-8000-00000000000b">
      <CodeRef targetGUID="{C_DEN}"/>
    </Coding>
  </PlainTextSelection>
</TextSource>"""

SOURCE_C = f"""
<TextSource guid="{SRC_C}" name="misc note">
  <PlainTextContent>We all went quiet. I will aim for a national role.</PlainTextContent>
  <PlainTextSelection guid="5e1ec700-0000-4000-8000-00000000000c" startPosition="0"
      endPosition="18" creatingUser="{BOB}">
    <Coding guid="c0d10000-0000-4000-8000-00000000000c">
      <CodeRef targetGUID="{up(C_MINE)}"/>
    </Coding>
    <Coding guid="c0d10000-0000-4000-8000-00000000000d">
      <CodeRef targetGUID="{C_PEER}"/>
    </Coding>
  </PlainTextSelection>
</TextSource>"""

MINE = f'<Code guid="{C_MINE}" name="My tension code" isCodable="true"/>'
CASE_C = f'<Case guid="{CASE_P9}" name="p-999"><SourceRef targetGUID="{SRC_C}"/></Case>'
PATTERN = r"(?P<participant_ref>[a-z]+)_(?P<entry_date>\d{4}-\d{2}-\d{2})"
SETTINGS = QdpxSettings(source_pattern=PATTERN, date_variable="diary date")
MAPPING = pd.DataFrame(
    {"qda_code": [up(C_MINE)], "code": ["Negative emotion within peer group"]}, index=[2]
)
MANIFEST = pd.DataFrame(
    {"source": ["Misc Note"], "participant_ref": ["p-003"], "entry_date": ["2023-10-01"]},
    index=[2],
)


def full_archive() -> bytes:
    return make_zip(
        {
            "project.qde": project(SOURCE_A + SOURCE_B + SOURCE_C, codes=MINE, cases=CASE_C),
            f"Sources/{SRC_A}.txt": TEXT_A,
            f"Sources/{SRC_B}.txt": TEXT_B,
        }
    )


def test_qdpx_rows_match_hand_worked_expectations(codebook):
    frame = read_qdpx(full_archive(), "diaries.qdpx", codebook, MAPPING, MANIFEST, SETTINGS)
    assert list(frame.columns) == SEGMENT_COLUMNS + POSITION_COLUMNS
    assert frame.index.name == "row" and frame.index.tolist() == list(range(1, 7))
    got = [tuple(r) for r in frame.itertuples(index=False)]
    assert got == [
        # source_pattern gives participant and date; no coder anywhere
        ("amelia", "2023-09-15", "E03", "Café day.", "", "", "amelia_2023-09-15.txt", 0, 9),
        # Case gives participant, the DateTime variable gives the date (cut to the date);
        # CRLF counted in positions, read back as "\n"
        (
            "p-001",
            "2023-09-08",
            "T01",
            "First line.\nSecond line here.",
            "Ann",
            "",
            "Diary one",
            0,
            30,
        ),
        # a codable parent code; Coding without creatingUser falls back to the selection's
        ("p-001", "2023-09-08", "E01", "Second line here.", "Ann", "", "Diary one", 13, 30),
        ("p-001", "2023-09-08", "N01", "Second line here.", "Bob", "", "Diary one", 13, 30),
        # manifest beats the Case p-999; mapping by GUID; a nested code by name
        ("p-003", "2023-10-01", "T04", "We all went quiet.", "Bob", "", "misc note", 0, 18),
        ("p-003", "2023-10-01", "T08", "We all went quiet.", "Bob", "", "misc note", 0, 18),
    ]
    assert frame["start"].dtype == "int64" and frame["end"].dtype == "int64"
    assert frame.attrs["report"] == {
        "sources": 3,
        "selections": 6,
        "codings": 7,
        "annotations_skipped": 1,
        "non_code_refs_skipped": 1,
        "source_codings_skipped": 0,
        "non_text_sources_skipped": 0,
        "rows": 6,
    }


def test_qdpx_mapping_by_name_and_lowercase_sources_folder(codebook):
    data = make_zip(
        {
            "project.qde": project(SOURCE_B, codes=MINE),
            f"sources/{SRC_B}.txt": TEXT_B,
        }
    )
    mapping = pd.DataFrame({"QDA code": ["dragons den"], "Code": ["T06"]}, index=[2])
    frame = read_qdpx(data, "x.qdpx", codebook, mapping, settings=QdpxSettings(PATTERN))
    assert frame["code"].tolist() == ["T06"]
    assert frame["participant_ref"].tolist() == ["amelia"]


def test_qdpx_error_code_without_mapping_names_code_and_count(codebook):
    mystery = f'<Code guid="{C_MINE}" name="Mystery" isCodable="true"/>'
    data = make_zip({"project.qde": project(SOURCE_C, codes=mystery), "sources/x.txt": "x"})
    with pytest.raises(DropError) as err:
        read_qdpx(data, "diaries.qdpx", codebook, manifest=MANIFEST)
    message = str(err.value)
    assert "diaries.qdpx" in message and "'Mystery' (1 coding)" in message
    assert "qda_codes.csv" in message and "We all went" not in message


def test_qdpx_error_selection_beyond_end_of_text(codebook):
    source = SOURCE_B.replace('endPosition="9"', 'endPosition="21"')
    data = make_zip({"project.qde": project(source), f"sources/{SRC_B}.txt": TEXT_B})
    with pytest.raises(DropError) as err:
        read_qdpx(data, "d.qdpx", codebook, settings=QdpxSettings(PATTERN))
    message = str(err.value)
    assert "amelia_2023-09-15" not in message  # source names may name people: position only
    assert "source 1 of the project" in message
    assert "5e1ec700-0000-4000-8000-00000000000b" in message
    assert "endPosition 21" in message and "20 characters" in message
    assert "Café" not in message


def test_qdpx_error_start_after_end(codebook):
    source = SOURCE_B.replace('startPosition="0"', 'startPosition="5"').replace(
        'endPosition="9"', 'endPosition="4"'
    )
    data = make_zip({"project.qde": project(source), f"sources/{SRC_B}.txt": TEXT_B})
    with pytest.raises(DropError, match="starts after it ends"):
        read_qdpx(data, "d.qdpx", codebook, settings=QdpxSettings(PATTERN))


def test_qdpx_refuses_doctype_and_entities(codebook):
    xxe = (
        '<?xml version="1.0"?>\n<!DOCTYPE Project [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
        f'<Project xmlns="{NS}" name="p"><Description>&x;</Description></Project>'
    )
    with pytest.raises(DropError) as err:
        read_qdpx(make_zip({"project.qde": xxe}), "evil.qdpx", codebook)
    message = str(err.value)
    assert "evil.qdpx" in message and "DOCTYPE" in message
    assert "external entities" in message and "billion laughs" in message


def test_qdpx_refuses_member_paths_leaving_the_archive(codebook):
    for member in ["../evil.txt", "/etc/evil.txt", "sources\\..\\..\\evil.txt"]:
        data = make_zip({"project.qde": project(""), member: "x"})
        with pytest.raises(DropError, match="would leave the archive"):
            read_qdpx(data, "d.qdpx", codebook)


def test_qdpx_refuses_internal_path_escaping_sources(codebook):
    source = SOURCE_B.replace(f"internal://{SRC_B}.txt", "internal://../project.qde")
    data = make_zip({"project.qde": project(source)})
    with pytest.raises(DropError, match="would leave the archive's sources folder"):
        read_qdpx(data, "d.qdpx", codebook, settings=QdpxSettings(PATTERN))


def test_qdpx_refuses_zip_bomb(codebook):
    data = make_zip({"project.qde": project(""), "sources/zeros.txt": b"\0" * 10_000_000})
    assert len(data) < 100_000
    with pytest.raises(DropError) as err:
        read_qdpx(data, "bomb.qdpx", codebook, settings=QdpxSettings(max_ratio=20))
    assert "zeros.txt" in str(err.value) and "zip bomb" in str(err.value)


def test_qdpx_refuses_oversized_member_and_total(codebook):
    data = full_archive()
    with pytest.raises(DropError, match="limits: max_file_mb"):
        read_qdpx(data, "d.qdpx", codebook, settings=QdpxSettings(max_member_bytes=1000))
    with pytest.raises(DropError, match="four times limits: max_file_mb"):
        read_qdpx(data, "d.qdpx", codebook, settings=QdpxSettings(max_total_bytes=1000))


def test_qdpx_size_cap_holds_while_reading_even_if_declared_sizes_lie():
    data = make_zip({"project.qde": "<Project/>", "sources/a.txt": "y" * 5000})
    archive = _Archive(data, "d.qdpx", QdpxSettings())
    archive.settings = QdpxSettings(max_member_bytes=1000)  # as if the header had said less
    with pytest.raises(DropError, match="unpacks to at least"):
        archive.read(archive.members["sources/a.txt"])


def test_qdpx_refuses_non_zip_and_missing_project(codebook):
    with pytest.raises(DropError, match="not a readable zip"):
        read_qdpx(b"<Project/>", "d.qdpx", codebook)
    with pytest.raises(DropError, match="no project.qde"):
        read_qdpx(make_zip({"sources/a.txt": "x"}), "d.qdpx", codebook)
    with pytest.raises(DropError, match="expected <Project>"):
        read_qdpx(make_zip({"project.qde": "<CodeBook/>"}), "d.qdpx", codebook)


def test_qdpx_error_source_without_participant(codebook):
    data = make_zip({"project.qde": project(SOURCE_B), f"sources/{SRC_B}.txt": TEXT_B})
    with pytest.raises(DropError) as err:
        read_qdpx(data, "d.qdpx", codebook)
    message = str(err.value)
    assert "source 1 of the project (no participant and no entry date)" in message
    assert "amelia" not in message
    assert err.value.terminal_note == "(source 1 of the project is 'amelia_2023-09-15.txt')"
    assert "qda_sources.csv" in message and "Case" in message and "source_pattern" in message


def test_qdpx_bad_source_pattern_is_a_config_error(codebook):
    with pytest.raises(ConfigError, match="named group"):
        read_qdpx(full_archive(), "d.qdpx", codebook, settings=QdpxSettings(r"\w+"))


def test_qdpx_mapping_to_unknown_code_names_row(codebook):
    mapping = pd.DataFrame({"qda_code": ["Mystery"], "code": ["X99"]}, index=[3])
    with pytest.raises(DropError, match=r"qda_codes.csv row 3: code 'X99'"):
        read_qdpx(full_archive(), "d.qdpx", codebook, mapping)


# --------------------------------------------------------------------------- exporter


def test_export_round_trip_reproduces_example(codebook):
    example = cio.read_raw_table(ROOT / "resources" / "example" / "diary_segments.csv")
    data = qdpx_from_segments(example, codebook)
    assert data == qdpx_from_segments(example, codebook)  # byte-deterministic

    def rows(frame: pd.DataFrame) -> Counter:
        return Counter(
            zip(
                frame["participant_ref"].str.strip().str.lower(),
                frame["entry_date"],
                frame["code"],
                frame["segment"].str.strip(),
                frame["coder"],
                frame["exemplar"].str.strip().str.lower().isin(["true", "yes", "y", "1"]),
                strict=True,
            )
        )

    for settings in (ROUND_TRIP_SETTINGS, QdpxSettings(date_variable=DATE_VARIABLE)):
        back = read_qdpx(data, "sim.qdpx", codebook, settings=settings)
        assert rows(back) == rows(example)
        flagged = example["exemplar"].str.strip().str.lower().isin(["true", "yes", "y", "1"])
        assert flagged.sum() > 0  # exemplars travel as a code named Exemplar on the selection
        assert back.attrs["report"]["codings"] == len(example) + flagged.sum()

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        texts = [archive.read(n) for n in names if n.startswith("sources/")]
        qde = archive.read("project.qde").decode("utf-8")
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in archive.infolist())
    assert names[0] == "project.qde" and len(texts) == back["source"].nunique()
    assert b"\r\n\r\n" in texts[0]
    assert "{" in qde and 'name="amelia.hartley@nhs.net_2023-09-08"' in qde


def test_export_reads_codes_by_label_and_dates_in_drop_format(codebook):
    segments = pd.DataFrame(
        {
            "participant_ref": [" P-01 ", "p-01"],
            "entry_date": ["08/09/2023", "2023-09-08"],
            "code": ["Dragons Den", "goal setting"],
            "segment": ["Line one\nline two", "Pitched today."],
            "coder": ["R1", ""],
            "exemplar": ["", "yes"],
        }
    )
    data = qdpx_from_segments(segments, codebook, date_format="%d/%m/%Y")
    back = read_qdpx(data, "s.qdpx", codebook, settings=ROUND_TRIP_SETTINGS)
    assert [tuple(r) for r in back[SEGMENT_COLUMNS].itertuples(index=False)] == [
        ("p-01", "2023-09-08", "E03", "Line one\nline two", "R1", ""),
        ("p-01", "2023-09-08", "T09", "Pitched today.", "", "true"),
    ]
    assert back[["start", "end"]].values.tolist() == [[0, 18], [22, 36]]


# --------------------------------------------------------------------------- CSV exports


def qualcoder_csv() -> str:
    """A QualCoder coding report as its export_csv_file writes it: BOM, all cells quoted."""
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerow(
        ["File/case", "Coder", "Coded", "Id", "Codename", "Coded_Memo", "Category"]
        + ["FileVar_Diary date"]
    )
    writer.writerow(
        [
            "amelia_2023-09-15.txt",
            "Ann",
            "I froze.",
            "ctid:12",
            "Limited self belief",
            "",
            "Themes",
            "",
        ]
    )
    writer.writerow(["amelia_2023-09-15.txt", "Bob", "image", "imid:3", "Peer support", "", "", ""])
    writer.writerow(
        [
            "p2 notes.txt",
            "Bob",
            "Line one\r\nline two ",
            "ctid:13",
            "UKIO",
            "memo",
            "",
            "2023-10-02",
        ]
    )
    return "\ufeff" + out.getvalue()


def test_qualcoder_csv(codebook):
    manifest = pd.DataFrame({"source": ["p2 notes.txt"], "participant_ref": ["p-002"]}, index=[2])
    frame = read_qualcoder_csv(
        qualcoder_csv(), "report.csv", codebook, manifest=manifest, settings=SETTINGS
    )
    assert list(frame.columns) == SEGMENT_COLUMNS
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("amelia", "2023-09-15", "T01", "I froze.", "Ann", ""),
        ("p-002", "2023-10-02", "E02", "Line one\nline two", "Bob", ""),
    ]
    assert frame.attrs["report"] == {"records": 3, "non_text_skipped": 1, "rows": 2}


def test_qualcoder_csv_errors(codebook):
    with pytest.raises(DropError) as err:
        read_qualcoder_csv(qualcoder_csv(), "report.csv", codebook, settings=SETTINGS)
    assert "document 1 of the file (no participant)" in str(err.value)
    assert "'p2 notes.txt'" in err.value.terminal_note
    with pytest.raises(DropError, match="no column Codename"):
        read_qualcoder_csv('"File/case","Coded"\r\n"a","b"\r\n', "report.csv", codebook)


def taguette_csv() -> str:
    """A Taguette highlights export: id, document, tag, content; one row per tag."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "document", "tag", "content"])
    writer.writerow([1, "amelia_2023-09-15", "Goal setting", "I will apply for the 8a role."])
    writer.writerow([1, "amelia_2023-09-15", "career development", "I will apply for the 8a role."])
    writer.writerow([2, "amelia_2023-09-15", "", "Untagged."])
    writer.writerow([3, "other doc", "Peer support", "We met, and it helped."])
    return out.getvalue()


def test_taguette_csv(codebook):
    manifest = pd.DataFrame(
        {"source": ["Other Doc"], "participant_ref": ["p-004"], "entry_date": ["2023-11-01"]},
        index=[2],
    )
    frame = read_taguette_csv(
        taguette_csv(), "highlights.csv", codebook, manifest=manifest, settings=SETTINGS
    )
    assert [tuple(r) for r in frame.itertuples(index=False)] == [
        ("amelia", "2023-09-15", "T09", "I will apply for the 8a role.", "", ""),
        ("amelia", "2023-09-15", "T10", "I will apply for the 8a role.", "", ""),
        ("p-004", "2023-11-01", "T08", "We met, and it helped.", "", ""),
    ]
    assert frame.attrs["report"] == {"records": 4, "untagged_skipped": 1, "rows": 3}


def test_taguette_csv_unknown_tag(codebook):
    text = "id,document,tag,content\r\n1,a_2023-09-01,Mystery,x\r\n2,a_2023-09-01,Mystery,y\r\n"
    with pytest.raises(DropError) as err:
        read_taguette_csv(text, "highlights.csv", codebook, settings=SETTINGS)
    assert "'Mystery' (2 codings)" in str(err.value) and "highlights.csv" in str(err.value)


def test_qdpx_date_from_variable_of_a_single_source_case_and_empty_project(codebook):
    # MAXQDA/Quirkos keep file variables in an unnamed Case with one SourceRef.
    case = (
        f'<Case guid="{CASE_P9}"><VariableValue><VariableRef targetGUID="{VAR_DATE}"/>'
        f'<DateValue>2023-09-20</DateValue></VariableValue><SourceRef targetGUID="{SRC_B}"/></Case>'
    )
    data = make_zip({"project.qde": project(SOURCE_B, cases=case), f"sources/{SRC_B}.txt": TEXT_B})
    settings = QdpxSettings(r"(?P<participant_ref>[a-z]+)_.*", date_variable="Diary Date")
    frame = read_qdpx(data, "d.qdpx", codebook, settings=settings)
    assert frame[["participant_ref", "entry_date"]].values.tolist() == [["amelia", "2023-09-20"]]

    empty = read_qdpx(make_zip({"project.qde": project("")}), "d.qdpx", codebook)
    assert list(empty.columns) == SEGMENT_COLUMNS + POSITION_COLUMNS and len(empty) == 0
