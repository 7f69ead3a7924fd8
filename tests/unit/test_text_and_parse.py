import pandas as pd
import pytest

from cohort_eval.contract import RAW_INPUTS
from cohort_eval.parse import (
    HIDDEN,
    classify_headers,
    parse_dates,
    parse_likert,
    parse_numbers,
    ref_keys,
    secondment_month,
    secondment_window,
)
from cohort_eval.text import normalise


def test_normalise_folds_case_space_and_typography():
    assert normalise("  Confidence\u00a0in   \u2018doing\u2019 \u201cthings\u201d \u2013 x ") == (
        "confidence in 'doing' \"things\" - x"
    )


def test_ref_keys_match_case_and_spaces_only():
    refs = [" Jo.Bloggs@NHS.net ", "jo.bloggs@nhs.net", None, "jo bloggs", "JO\u00a0BLOGGS\u200b"]
    keys = ref_keys(pd.Series(refs))
    assert keys[[0, 1, 3, 4]].tolist() == [
        "jo.bloggs@nhs.net",
        "jo.bloggs@nhs.net",
        "jobloggs",
        "jobloggs",
    ]
    assert pd.isna(keys[2])
    assert ref_keys(pd.Series(["jo_bloggs", "jo-bloggs"])).nunique() == 2  # only spaces go


def test_survey_headers_by_id_text_comment_and_unknown(instrument):
    first = instrument.statements[0]
    curly = first.text.upper().replace("'", "\u2019") + "  "
    headers = ["Participant_Ref", "com02", curly, "Comment: anything else?", "Submitted at"]
    frame = classify_headers(headers, RAW_INPUTS["survey_pre"], instrument)
    assert frame["kind"].tolist() == ["column", "statement", "statement", "comment", "unknown"]
    assert frame["canonical"].tolist()[:3] == ["participant_ref", "COM02", first.id]
    assert frame["column"].tolist() == [1, 2, 3, 4, 5]


def test_non_survey_headers_never_match_statements(instrument):
    frame = classify_headers(["participant_ref", "COM01"], RAW_INPUTS["activity_diary"], instrument)
    assert frame["kind"].tolist() == ["column", "unknown"]


def test_likert_numbers_labels_and_aliases(instrument):
    values = pd.Series(
        ["1", " 5 ", "quite CONFIDENT", "Not confident at all", "3.5", "7", "0", None, "meh"]
    )
    scores = parse_likert(values, instrument)
    assert scores.tolist()[:4] == [1, 5, 4, 1]
    assert scores.isna().tolist()[4:] == [True] * 5


def test_dates_iso_always_and_declared_format():
    values = pd.Series(["2023-09-18", "18/09/2023", "09/18/2023", "", None, "yesterday"])
    parsed = parse_dates(values, "%d/%m/%Y")
    assert parsed.iloc[0] == pd.Timestamp("2023-09-18")
    assert parsed.iloc[1] == pd.Timestamp("2023-09-18")
    assert parsed.iloc[2:].isna().all()
    assert parse_dates(pd.Series(["18/09/2023"]), None).isna().all()


def test_numbers():
    assert parse_numbers(pd.Series(["1.5", " 2 ", "two", ""])).tolist()[:2] == [1.5, 2.0]
    assert parse_numbers(pd.Series(["two", ""])).isna().all()


def test_window_is_calendar_months():
    assert secondment_window("2023-09-04", 6) == (
        pd.Timestamp("2023-09-04"),
        pd.Timestamp("2024-03-03"),
    )
    assert secondment_window("2024-01-31", 1) == (
        pd.Timestamp("2024-01-31"),
        pd.Timestamp("2024-02-28"),
    )


@pytest.mark.parametrize(
    ("day", "month"),
    [
        ("2023-09-03", 0),
        ("2023-09-04", 1),
        ("2023-10-03", 1),
        ("2023-10-04", 2),
        ("2023-12-04", 4),
        ("2024-03-03", 6),
        ("2024-03-04", 7),
    ],
)
def test_secondment_month_boundaries(day, month):
    assert secondment_month(pd.Series([pd.Timestamp(day)]), "2023-09-04", 6).iloc[0] == month


def test_contract_columns_match_with_spaces_or_underscores():
    frame = classify_headers(
        [" Participant Ref", "DATE", "category", "hours"], RAW_INPUTS["activity_diary"]
    )
    assert frame["canonical"].tolist() == ["participant_ref", "date", "category", "hours"]


def test_header_cells_that_look_personal_are_hidden():
    spec = RAW_INPUTS["roster"]
    frame = classify_headers(
        ["participant_ref", "jo@nhs.net", "07700 900123", "notes"], spec, None, [1, 3, 4, 5]
    )
    assert frame["shown"].tolist()[1:] == [HIDDEN, HIDDEN, "notes"]
    assert frame["column"].tolist() == [1, 3, 4, 5]
    data_row = classify_headers(["jo@nhs.net", "Jo Bloggs", "female"], spec)
    assert (data_row["shown"] == HIDDEN).all()


def test_partial_or_zoned_dates_are_not_dates():
    assert parse_dates(pd.Series(["2023-09", "2023", "2023-09-04T10:00+01:00"]), None).isna().all()
