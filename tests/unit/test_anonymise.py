"""The anonymisation of the bundled example drop, checked against the raw files."""

import pandas as pd
import pytest

from cohort_eval import io
from cohort_eval.anonymise import WRITTEN, anonymise
from cohort_eval.checks import CohortContext
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.redact import pseudonym

KEY = b"unit-test-key-0123456789"


@pytest.fixture(scope="module")
def example(root, instrument, codebook, activities):
    drop = root / "resources" / "example"
    raw = {name: io.read_raw_table(drop / f"{name}.csv") for name in RAW_INPUTS}
    ctx = CohortContext("2023-09-04", 6, "%d/%m/%Y", instrument, codebook, activities)
    settings = io.read_drop_settings(drop / "drop.yaml")
    return raw, anonymise(raw, ctx, KEY, 8, settings["redact_names"])


def test_tables_have_exactly_their_columns(example):
    _, result = example
    for name, table in result.tables.items():
        assert list(table.columns) == WRITTEN[name]


def test_withdrawn_participant_is_nowhere(example):
    raw, result = example
    roster = raw["roster"]
    gone = pseudonym(roster.loc[roster["status"] == "withdrawn", "participant_ref"].iloc[0], KEY, 8)
    for table in result.tables.values():
        assert gone not in set(table["pid"])
    assert result.summary["participants_excluded_withdrawn"] == 1
    assert result.summary["participants_analysed"] == 6


def test_pids_pair_pre_and_post_despite_case(example):
    _, result = example
    survey = result.tables["survey"]
    statements = survey[survey["domain"] != "comment"]
    per_time = statements.groupby("timepoint")["pid"].nunique()
    assert per_time.to_dict() == {"post": 6, "pre": 6}
    assert set(statements.loc[statements.timepoint == "pre", "pid"]) == set(
        statements.loc[statements.timepoint == "post", "pid"]
    )


def test_no_identifier_survives(example):
    raw, result = example
    roster = raw["roster"]
    needles = set(roster["participant_ref"]) | set(roster["email"])
    needles |= {part for name in roster["name"] for part in name.split()}
    needles |= {"Margaret", "Ellison", "@", "07700"}
    for name, table in result.tables.items():
        text = table.to_csv(index=False)
        for needle in needles:
            assert needle not in text, (name, needle)


def test_leave_is_reduced_to_totals(example, activities):
    raw, result = example
    diary = raw["activity_diary"]
    leave = diary["category"].str.lower().isin(["annual leave", "sick leave"])
    assert not result.tables["activities"]["category"].isin(activities.leave).any()
    participants = result.tables["participants"]
    active = (
        diary["participant_ref"]
        .str.lower()
        .isin(raw["roster"].loc[raw["roster"]["status"] == "active", "participant_ref"])
    )
    expected = pd.to_numeric(diary.loc[leave & active, "hours"]).sum()
    assert participants["leave_hours"].sum() == pytest.approx(expected)


def test_redaction_report_counts_what_was_planted(example):
    raw, result = example
    report = result.redactions.set_index(["file", "type"])["count"]
    segments = raw["diary_segments"]
    active = segments["participant_ref"].isin(
        raw["roster"].loc[raw["roster"]["status"] == "active", "participant_ref"]
    )
    emails = segments.loc[active, "segment"].str.count(r"@nhs\.net").sum()
    assert report[("diary_segments", "email")] == emails > 0
    assert report[("diary_segments", "name")] > 0
    assert result.summary["redactions"]["phone"] > 0


def test_guard_frames_are_clean(example):
    _, result = example
    text = result.guard["text"]
    assert not text["has_name"].any() and not text["has_nhs_number"].any()
    assert result.guard["columns"]["allowed"].all()
    assert not result.guard["pids"]["withdrawn"].any()
