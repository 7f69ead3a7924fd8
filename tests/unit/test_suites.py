"""Every suite file loads strictly, and the loader refuses what it cannot honour."""

import pytest

from cohort_eval.contract import RAW_INPUTS
from cohort_eval.errors import ConfigError
from cohort_eval.guard import load_suite

EXPECTED_COUNTS = {
    "columns": 3,
    "roster": 14,
    "survey_respondents": 4,
    "survey_answers": 1,
    "activity_diary": 11,
    "diary_segments": 15,
    "anonymised_columns": 1,
    "anonymised_pids": 3,
    "anonymised_text": 3,
    "survey_domains": 13,
    "activity_phases": 6,
    "code_frequencies": 6,
    "threads_by_stage": 6,
}


def test_every_suite_file_is_used_and_loads_every_expectation(root):
    files = sorted(p.stem for p in (root / "workflow" / "suites").glob("*.yaml"))
    rules = "".join(p.read_text() for p in (root / "workflow" / "rules").glob("*.smk"))
    used = {name for spec in RAW_INPUTS.values() for name in spec.suites}
    used |= {name for name in files if f'"{name}"' in rules}
    assert files == sorted(used) == sorted(EXPECTED_COUNTS)
    for name, count in EXPECTED_COUNTS.items():
        suite = load_suite(root / "workflow" / "suites" / f"{name}.yaml")
        assert suite.name == name
        assert len(suite.gx_suite.expectations) == count


def test_unknown_expectation_type_is_an_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nframe: rows\nexpectations:\n  - expect_column_to_be_lovely: {column: a}\n"
    )
    with pytest.raises(ConfigError, match="expect_column_to_be_lovely"):
        load_suite(path)


def test_misspelt_keys_are_errors(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text(
        "name: s\nframe: rows\nexpectations:\n"
        "  - expect_column_values_to_not_be_null: {column: a}\n    descripton: x\n"
    )
    with pytest.raises(ConfigError, match="descripton"):
        load_suite(path)
    path.write_text(
        "name: s\nframe: rows\nexpectation:\n  - expect_column_values_to_not_be_null: {column: a}\n"
    )
    with pytest.raises(ConfigError):
        load_suite(path)


def test_empty_suite_is_an_error(tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("name: s\nframe: rows\nexpectations: []\n")
    with pytest.raises(ConfigError, match="no expectations"):
        load_suite(path)


def test_personal_data_columns_are_never_echoed(root):
    """Every expectation about a column the contract marks as personal hides its values."""
    checked = 0
    for spec in RAW_INPUTS.values():
        for name in spec.suites:
            for item in load_suite(
                root / "workflow" / "suites" / f"{name}.yaml"
            ).gx_suite.expectations:
                meta = item.meta or {}
                column = meta.get("column", getattr(item, "column", None))
                if column in spec.sensitive:
                    checked += 1
                    assert meta.get("sensitive") is True, (name, type(item).__name__, column)
    assert checked >= 10
