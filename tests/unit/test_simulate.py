"""The bundled example drop: reproducible byte for byte, and calibrated to the study."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import wilcoxon

from cohort_eval import io
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.parse import canonical_columns, classify_headers, parse_likert, ref_keys
from cohort_eval.simulate import main

EXAMPLE_FILES = [
    "activity_diary.csv",
    "diary_segments.csv",
    "drop.yaml",
    "roster.csv",
    "survey_post.csv",
    "survey_pre.csv",
]

# Table 2 of Mills et al. (2026), as printed.
TABLE2 = {
    "communication": ("2.7 ± 1.1", "1-4", "3.9 ± 0.5", "3-5", "-3.42"),
    "networking": ("3.3 ± 0.9", "1-5", "4.2 ± 0.6", "3-5", "-4.61"),
    "policy": ("2.8 ± 1.2", "1-5", "4.1 ± 0.7", "3-5", "-4.11"),
    "management": ("2.8 ± 1.1", "1-5", "3.7 ± 0.8", "2-5", "-6.70"),
}


def test_default_seed_reproduces_the_committed_example(root, tmp_path):
    main(["--out", str(tmp_path), "--root", str(root)])
    example = root / "resources" / "example"
    assert sorted(p.name for p in tmp_path.iterdir()) == EXAMPLE_FILES
    for name in EXAMPLE_FILES:
        assert (tmp_path / name).read_bytes() == (example / name).read_bytes(), name


def scores(root, name, instrument):
    raw = io.read_raw_table(root / "resources" / "example" / f"{name}.csv")
    table = canonical_columns(
        raw, classify_headers(list(raw.columns), RAW_INPUTS[name], instrument)
    )
    frame = table[instrument.statement_ids].apply(lambda c: parse_likert(c, instrument))
    frame.index = ref_keys(table["participant_ref"])
    return frame


@pytest.fixture(scope="module")
def example(root, instrument):
    roster = io.read_raw_table(root / "resources" / "example" / "roster.csv")
    return roster, scores(root, "survey_pre", instrument), scores(root, "survey_post", instrument)


def test_cohort_matches_the_study(example):
    roster, pre, post = example
    assert len(roster) == 7
    assert roster["status"].tolist().count("withdrawn") == 1
    assert roster["sex"].value_counts().to_dict() == {"female": 6, "male": 1}
    years = roster["years_registered"].astype(int)
    assert (years.min(), years.max(), years.mean()) == (7, 28, 16)
    assert roster["role_level"].value_counts()["consultant"] == 2
    assert roster["profession"].value_counts().to_dict() == {
        "diagnostic radiographer": 4,
        "therapeutic radiographer": 2,
        "clinical technologist": 1,
    }
    withdrawn = ref_keys(roster.loc[roster["status"] == "withdrawn", "participant_ref"]).iloc[0]
    assert withdrawn in pre.index and withdrawn not in post.index
    assert len(post) == 6


@pytest.mark.parametrize("domain", list(TABLE2))
def test_completers_reproduce_table_2(example, instrument, domain):
    roster, pre, post = example
    active = ref_keys(roster.loc[roster["status"] == "active", "participant_ref"])
    ids = [s.id for s in instrument.statements if s.domain == domain]
    a = pre.loc[list(active), ids].to_numpy(dtype=float).ravel()
    b = post.loc[list(active), ids].to_numpy(dtype=float).ravel()
    assert not np.isnan(a).any() and not np.isnan(b).any()
    z = wilcoxon(b - a, zero_method="wilcox", correction=False, method="asymptotic").zstatistic
    printed = (
        f"{a.mean():.1f} ± {a.std(ddof=1):.1f}",
        f"{a.min():.0f}-{a.max():.0f}",
        f"{b.mean():.1f} ± {b.std(ddof=1):.1f}",
        f"{b.min():.0f}-{b.max():.0f}",
        f"{z:.2f}",
    )
    assert printed == TABLE2[domain]


def test_finance_statements_stay_low_after(example, root):
    roster, pre, post = example
    finance = io.read_yaml(root / "config" / "instrument.yaml")["finance_statements"]
    assert post[finance].max().max() <= 3


def test_diary_compliance_and_leave(root):
    segments = io.read_raw_table(root / "resources" / "example" / "diary_segments.csv")
    dates = segments.assign(d=pd.to_datetime(segments["entry_date"])).groupby("participant_ref")[
        "d"
    ]
    gaps = dates.apply(lambda d: d.drop_duplicates().sort_values().diff().dt.days.max())
    assert (gaps == 28).sum() == 1 and (gaps.drop(gaps[gaps == 28].index) <= 14).all()
    diary = io.read_raw_table(root / "resources" / "example" / "activity_diary.csv")
    assert {"Annual leave", "Sick leave"} <= set(diary["category"])


def test_synthetic_cohorts_and_config(root, tmp_path):
    main(["--out", str(tmp_path), "--root", str(root), "--participants", "9", "--cohorts", "2"])
    config = io.read_yaml(tmp_path / "cohorts.yaml")
    assert list(config["cohorts"]) == ["c0001", "c0002"]
    roster = io.read_raw_table(tmp_path / "c0002" / "roster.csv")
    assert len(roster) == 9 and roster["participant_ref"].is_unique


def test_activity_shares_follow_the_study(root, activities):
    from cohort_eval.parse import parse_dates, secondment_month
    from cohort_eval.text import normalise

    diary = io.read_raw_table(root / "resources" / "example" / "activity_diary.csv")
    diary["category_id"] = diary["category"].map(lambda v: activities.keys[normalise(v)])
    diary["hours"] = diary["hours"].astype(float)
    month = secondment_month(parse_dates(diary["date"], "%d/%m/%Y"), "2023-09-04", 6)
    diary["phase"] = np.where(month <= 3, 1, 2)
    work = diary[~diary["category_id"].isin(activities.leave)]
    hours = work.pivot_table(index="category_id", columns="phase", values="hours", aggfunc="sum")
    share = hours / hours.sum() * 100
    assert share.loc["meeting_attendance"].between(9.6, 10.2).all()
    for falling in ("administration", "cpd", "external_event"):
        assert share.loc[falling, 1] > share.loc[falling, 2], falling
    assert share.loc["project_delivery", 2] > share.loc["project_delivery", 1]
    per_person = diary.groupby("participant_ref")["hours"].sum()
    assert (per_person.sort_values().iloc[1:] == 26 * 18.75).sum() >= 4
