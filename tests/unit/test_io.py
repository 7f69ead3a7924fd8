import pytest

from cohort_eval import io
from cohort_eval.errors import DropError


def test_decode_boms_and_declared_encoding():
    assert io.decode_text("\ufeffa,b".encode("utf-8"), "f.csv") == "a,b"
    assert io.decode_text("a,b".encode("utf-16"), "f.csv") == "a,b"
    assert io.decode_text("caf\u00e9".encode("cp1252"), "f.csv", "cp1252") == "caf\u00e9"


def test_undecodable_file_names_file_line_and_fix():
    data = b"participant_ref,name\nx,Ren\xe9e\n"
    with pytest.raises(DropError) as err:
        io.decode_text(data, "roster.csv")
    message = str(err.value)
    assert "roster.csv" in message and "line 2" in message and "0xe9" in message
    assert "encoding" in message


def test_raw_table_keeps_text_and_spreadsheet_row_numbers(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b,\n1,007,\n,,\n 2 ,x,\n,,\n", encoding="utf-8")
    frame = io.read_raw_table(path)
    assert list(frame.columns) == ["a", "b"]
    assert frame.index.tolist() == [2, 4]
    assert frame["b"].tolist() == ["007", "x"]
    assert frame["a"].tolist() == ["1", " 2 "]


def test_raw_table_xlsx(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["participant_ref", "hours"])
    sheet.append(["a@nhs.net", 2.0])
    sheet.append(["b@nhs.net", 1.5])
    book.save(tmp_path / "x.xlsx")
    frame = io.read_raw_table(tmp_path / "x.xlsx")
    assert frame["hours"].tolist() == ["2", "1.5"]
    assert frame.index.tolist() == [2, 3]


def test_empty_file_is_a_drop_error(tmp_path):
    (tmp_path / "roster.csv").write_bytes(b"")
    with pytest.raises(DropError, match="roster.csv: the file is empty"):
        io.read_raw_table(tmp_path / "roster.csv")


def test_written_files_are_atomic_and_readable(tmp_path):
    io.write_json({"b": 1, "a": [1, 2]}, tmp_path / "d" / "x.json")
    assert (tmp_path / "d" / "x.json").read_text().startswith('{\n  "b": 1')
    assert not list((tmp_path / "d").glob(".*tmp"))


def test_files_over_the_size_limit_are_refused_before_reading(tmp_path):
    path = tmp_path / "survey_pre.csv"
    path.write_bytes(b"participant_ref\n" + b"x\n" * 100)
    assert len(io.read_raw_table(path, limit=216)) == 100
    with pytest.raises(DropError) as err:
        io.read_raw_table(path, limit=215)
    assert str(err.value).startswith(f"{path}: the file is 216 bytes, larger than the limit of")
    assert "limits: max_file_mb" in str(err.value)
    with pytest.raises(DropError, match="calendars file 1 of 2: the file is 216 bytes"):
        io.read_bytes(path, 100, "calendars file 1 of 2")


def test_utf16_without_bom_is_named_as_such():
    data = "participant_ref,name\nx,Ren\u00e9e\n".encode("utf-16-le")
    with pytest.raises(DropError) as err:
        io.decode_text(data, "roster.csv")
    assert "NUL bytes (the first on line 1)" in str(err.value)
    assert "encoding: utf-16-le" in str(err.value)
    assert io.decode_text(data, "roster.csv", "utf-16-le").endswith("Ren\u00e9e\n")


def _book(path, sheets, merge=None):
    import openpyxl

    book = openpyxl.Workbook()
    for k, (title, rows) in enumerate(sheets.items()):
        sheet = book.active if k == 0 else book.create_sheet()
        sheet.title = title
        for row in rows:
            sheet.append(row)
    if merge:
        book.worksheets[0].merge_cells(merge)
    book.save(path)
    return path


def test_xlsx_merged_header_cells_and_data_on_other_sheets_are_refused(tmp_path):
    rows = [["participant_ref", "hours", None], ["a@nhs.net", 2, 3]]
    merged = _book(tmp_path / "m.xlsx", {"Data": rows}, merge="B1:C1")
    with pytest.raises(DropError, match=r"merged cells in the header row \(B1:C1\)"):
        io.read_raw_table(merged)
    assert len(io.read_raw_table(_book(tmp_path / "b.xlsx", {"Data": rows}, "A2:B2"))) == 1
    sheets = {"Data": rows, "Empty": [], "Kate 07700 900123": [["x"]]}
    with pytest.raises(DropError) as err:
        io.read_raw_table(_book(tmp_path / "s.xlsx", sheets))
    assert "sheet 1 ('Data') is read, and sheet 3 ('not shown: looks like personal" in str(
        err.value
    )
    assert "07700" not in str(err.value)
    empty_extra = _book(tmp_path / "e.xlsx", {"Data": rows, "Sheet2": [], "Sheet3": []})
    assert io.read_raw_table(empty_extra).index.tolist() == [2]


def test_xlsx_that_is_not_a_zip_or_unpacks_too_far_is_refused(tmp_path):
    import zipfile

    (tmp_path / "g.xlsx").write_bytes(b"PK not really")
    with pytest.raises(DropError, match="not a readable Excel .xlsx file"):
        io.read_raw_table(tmp_path / "g.xlsx")
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * 5_000_000)
    with pytest.raises(DropError, match="possible zip bomb"):
        io.read_raw_table(bomb)


def test_csv_cells_that_spreadsheets_run_as_formulas_are_neutralised(tmp_path):
    import csv

    import pandas as pd

    cells = ['=HYPERLINK("http://x")', "+SUM(A1)", "-2+3", "@cmd", "\tx", "-1.5", "+44", "a=b"]
    frame = pd.DataFrame({"text": cells, "n": range(len(cells))})
    io.write_csv(frame, tmp_path / "t.csv")
    with open(tmp_path / "t.csv", encoding="utf-8", newline="") as handle:
        written = [row[0] for row in csv.reader(handle)][1:]
    assert written == ["'" + c for c in cells[:5]] + cells[5:]
    assert frame["text"].tolist() == cells  # the caller's frame is left alone
