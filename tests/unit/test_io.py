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
