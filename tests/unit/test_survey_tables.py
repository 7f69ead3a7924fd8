"""Pairing, the domain table, Table 2 and the item table against hand-worked values, and the
bundled example against the study's Table 2 cell for cell."""

from __future__ import annotations

import itertools
import math
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from cohort_eval import io
from cohort_eval.config import Instrument, load_instrument
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.parse import canonical_columns, classify_headers, parse_likert, ref_keys
from cohort_eval.survey import (
    DOMAIN_COLUMNS,
    ITEM_COLUMNS,
    PAIR_COLUMNS,
    TABLE2_COLUMNS,
    domain_table,
    format_half_up,
    item_table,
    pair_answers,
    table2,
    table2_html,
    table2_markdown,
)

LABELS = ["Not at all confident", "Slightly", "Somewhat", "Quite", "Very confident"]
TINY = load_instrument(
    {
        "scale": {
            "min": 1,
            "max": 5,
            "points": [{"score": i + 1, "label": label} for i, label in enumerate(LABELS)],
        },
        "domains": [{"id": "one", "label": "One"}, {"id": "two", "label": "Two"}],
        "statements": [
            {"id": "A01", "domain": "one", "text": "Confidence in alpha"},
            {"id": "A02", "domain": "one", "text": "Confidence in beta"},
            {"id": "B01", "domain": "two", "text": "Confidence in gamma"},
            {"id": "B02", "domain": "two", "text": "Confidence in delta"},
        ],
    }
)
DOMAIN_OF = {"A01": "one", "A02": "one", "B01": "two", "B02": "two"}
NA = None
EXAMPLE = Path(__file__).resolve().parents[2] / "resources" / "example"


def _survey(answers: dict[tuple[str, str], dict[str, int | None]]) -> pd.DataFrame:
    """Long survey from {(pid, timepoint): {item: score}}."""
    rows = [
        {"pid": pid, "timepoint": tp, "item": item, "domain": DOMAIN_OF[item], "score": score}
        for (pid, tp), items in answers.items()
        for item, score in items.items()
    ]
    return pd.DataFrame(rows).astype({"score": "Int64"})


# Domain one: no answer changes. Domain two (B01, B02), post - pre:
#   P1 +2 +1; P2 +1 0; P3 -1 +2; P4 +3 and B02 unanswered before (pair dropped).
TINY_SURVEY = _survey(
    {
        ("P1", "pre"): {"A01": 3, "A02": 2, "B01": 2, "B02": 3},
        ("P1", "post"): {"A01": 3, "A02": 2, "B01": 4, "B02": 4},
        ("P2", "pre"): {"A01": 4, "A02": 5, "B01": 1, "B02": 2},
        ("P2", "post"): {"A01": 4, "A02": 5, "B01": 2, "B02": 2},
        ("P3", "pre"): {"A01": 1, "A02": 2, "B01": 4, "B02": 3},
        ("P3", "post"): {"A01": 1, "A02": 2, "B01": 3, "B02": 5},
        ("P4", "pre"): {"A01": 3, "A02": 3, "B01": 2, "B02": NA},
        ("P4", "post"): {"A01": 3, "A02": 3, "B01": 5, "B02": 4},
        ("P5", "pre"): {"A01": 2, "A02": 2, "B01": 2, "B02": 2},  # never answered post
        ("P6", "post"): {"A01": 5, "A02": NA, "B01": 5, "B02": 5},  # never answered pre
    }
)


def _phi(z: float) -> float:
    return 0.5 * math.erfc(-z / math.sqrt(2))


def _alpha(columns: list[list[float]]) -> float:
    k = len(columns)
    totals = [sum(row) for row in zip(*columns, strict=True)]
    return (
        k
        / (k - 1)
        * (1 - sum(statistics.variance(c) for c in columns) / statistics.variance(totals))
    )


# --------------------------------------------------------------------------- pairing


def test_pair_answers_counts() -> None:
    pairs, summary = pair_answers(TINY_SURVEY)
    assert list(pairs.columns) == PAIR_COLUMNS
    assert sorted(set(pairs["pid"])) == ["P1", "P2", "P3", "P4"]
    assert len(pairs) == 16
    assert pairs["item"].tolist()[:4] == ["A01", "A02", "B01", "B02"]
    assert str(pairs["pre"].dtype) == "Int64" and str(pairs["post"].dtype) == "Int64"
    row = pairs[(pairs["pid"] == "P4") & (pairs["item"] == "B02")].iloc[0]
    assert pd.isna(row["pre"]) and row["post"] == 4
    assert summary["participants"] == {"pre_only": 1, "post_only": 1, "both": 4}
    assert summary["answers"] == {
        "pairs": 16,
        "complete": 15,
        "missing_pre": 1,
        "missing_post": 0,
        "missing_both": 0,
    }
    assert [i["item"] for i in summary["items"]] == ["A01", "A02", "B01", "B02"]
    assert summary["items"][3] == {
        "item": "B02",
        "domain": "two",
        "pairs": 4,
        "complete": 3,
        "missing_pre": 1,
        "missing_post": 0,
        "missing_both": 0,
    }


def test_pair_answers_rejects_duplicates_and_bad_timepoints() -> None:
    doubled = pd.concat([TINY_SURVEY, TINY_SURVEY.iloc[:1]])
    with pytest.raises(ValueError, match="more than one answer"):
        pair_answers(doubled)
    with pytest.raises(ValueError, match="timepoints"):
        pair_answers(TINY_SURVEY.assign(timepoint="later"))
    with pytest.raises(ValueError, match="lacks columns"):
        pair_answers(TINY_SURVEY.drop(columns="score"))


# --------------------------------------------------------------------------- domain table


@pytest.fixture(scope="module")
def tiny_domains() -> pd.DataFrame:
    pairs, _ = pair_answers(TINY_SURVEY)
    return domain_table(pairs, TINY, seed=1)


def test_domain_table_layout(tiny_domains: pd.DataFrame) -> None:
    assert list(tiny_domains.columns) == DOMAIN_COLUMNS
    assert tiny_domains[["domain", "unit"]].values.tolist() == [
        ["one", "item_pairs"],
        ["two", "item_pairs"],
        ["one", "participant"],
        ["two", "participant"],
    ]


def test_domain_table_all_zero_domain(tiny_domains: pd.DataFrame) -> None:
    for _, row in tiny_domains[tiny_domains["domain"] == "one"].iterrows():
        assert (row["n_pairs"], row["n_nonzero"]) == (
            (8, 0) if row["unit"] == "item_pairs" else (4, 0)
        )
        assert row["n_ties"] == row["n_pairs"]
        for column in ("z", "p", "p_exact", "p_holm", "effect_r", "rank_biserial"):
            assert math.isnan(row[column]), column
        # every shift but 0 is rejected: the interval shrinks to the estimate
        assert (row["hl_estimate"], row["hl_ci_low"], row["hl_ci_high"]) == (0.0, 0.0, 0.0)
        assert row["min_achievable_p"] == 1.0
        assert row["p_method"].startswith("no test")
        assert row["note"].startswith("all differences zero: no test")
        assert "not independent" not in row["note"]


def test_domain_table_item_pairs_hand(tiny_domains: pd.DataFrame) -> None:
    row = tiny_domains.iloc[1]
    # d = 2 1 1 0 -1 2 3 (P4's B02 dropped): |d| ranks 1,1,1 -> 2; 2,2 -> 4.5; 3 -> 6.
    assert (row["n_participants"], row["n_pairs"], row["n_nonzero"]) == (4, 7, 6)
    assert (row["n_positive"], row["n_negative"], row["n_ties"]) == (5, 1, 1)
    assert (row["w_plus"], row["w_minus"]) == (19.0, 2.0)
    z = (2 - 6 * 7 / 4) / math.sqrt(6 * 7 * 13 / 24 - ((3**3 - 3) + (2**3 - 2)) / 48)
    assert row["z"] == pytest.approx(z) and row["z"] == pytest.approx(-1.80708, abs=1e-5)
    assert row["p"] == pytest.approx(2 * _phi(z))
    assert row["p_holm"] == pytest.approx(row["p"])  # domain one has no test: m = 1
    # doubled ranks {4, 4, 4, 9, 9, 12}: W+ <= 4 in 4 patterns, >= 38 in 4: 8 / 64.
    assert row["p_exact"] == 0.125
    assert row["p_method"] == "exact (exhaustive, 2^6 sign patterns)"
    assert row["effect_r"] == pytest.approx(abs(z) / math.sqrt(7)) and row["effect_r_n"] == 7
    assert row["rank_biserial"] == pytest.approx(17 / 21)
    walsh = sorted(
        (a + b) / 2 for a, b in itertools.combinations_with_replacement([2, 1, 1, 0, -1, 2, 3], 2)
    )
    assert row["hl_estimate"] == statistics.median(walsh) == 1.0
    assert row["min_achievable_p"] == 2 / 2**6
    pre, post = [2, 1, 4, 2, 3, 2, 3], [4, 2, 3, 5, 4, 2, 5]  # B01 of P1-P4, B02 of P1-P3
    assert row["pre_mean"] == pytest.approx(17 / 7) and row["post_mean"] == pytest.approx(25 / 7)
    assert row["pre_sd"] == pytest.approx(statistics.stdev(pre))
    assert row["post_sd"] == pytest.approx(statistics.stdev(post))
    assert (row["pre_min"], row["pre_max"], row["post_min"], row["post_max"]) == (1, 4, 2, 5)
    note = row["note"]
    assert "n < 10: normal approximation unreliable; see p_exact" in note
    assert "pooled pairs are not independent (several answers per participant)" in note


def test_domain_table_participant_hand(tiny_domains: pd.DataFrame) -> None:
    row = tiny_domains.iloc[3]
    # participant means pre -> post: P1 2.5 -> 4, P2 1.5 -> 2, P3 3.5 -> 4, P4 2 -> 5.
    assert (row["n_participants"], row["n_pairs"], row["n_nonzero"]) == (4, 4, 4)
    assert (row["w_plus"], row["w_minus"]) == (10.0, 0.0)
    z = -5 / math.sqrt(4 * 5 * 9 / 24 - (2**3 - 2) / 48)
    assert row["z"] == pytest.approx(z)
    assert row["p_exact"] == 0.125 == row["min_achievable_p"]
    assert row["pre_mean"] == pytest.approx(2.375) and row["post_mean"] == pytest.approx(3.75)
    assert row["pre_sd"] == pytest.approx(statistics.stdev([2.5, 1.5, 3.5, 2.0]))
    assert (row["pre_min"], row["post_max"]) == (1.5, 5.0)
    assert "4 non-zero pairs: no exact p below 0.125" in row["note"]
    assert "not independent" not in row["note"]
    assert "HL 95% interval not reachable" in row["note"]


def test_domain_table_alpha(tiny_domains: pd.DataFrame) -> None:
    # Domain two at pre: P4 lacks B02, so 3 complete rows: B01 2 1 4, B02 3 2 3 -> 2/3.
    two = tiny_domains[tiny_domains["domain"] == "two"]
    assert two["alpha_pre"].tolist() == pytest.approx([2 / 3, 2 / 3])
    post = _alpha([[4, 2, 3, 5], [4, 2, 5, 4]])
    assert two["alpha_post"].tolist() == pytest.approx([post, post])
    one = tiny_domains[tiny_domains["domain"] == "one"].iloc[0]
    pre = _alpha([[3, 4, 1, 3], [2, 5, 2, 3]])
    assert one["alpha_pre"] == pytest.approx(pre) and one["alpha_post"] == pytest.approx(pre)
    assert one["alpha_ci"].startswith("pre [") and "; post [" in one["alpha_ci"]
    assert "alpha imprecise: fewer than 10 participants" in one["note"]


def test_domain_table_missing_domain_and_tiny_alpha() -> None:
    pairs, _ = pair_answers(TINY_SURVEY[TINY_SURVEY["item"] == "A01"])
    table = domain_table(pairs, TINY, seed=1)
    two = table.iloc[1]
    assert (two["n_pairs"], two["n_participants"]) == (0, 0)
    assert math.isnan(two["pre_mean"]) and math.isnan(two["z"])
    assert two["note"].startswith("no complete pairs: no test")
    assert "alpha not defined: fewer than 2 complete participants" in two["note"]
    assert two["alpha_ci"] == "pre n/a; post n/a"


# --------------------------------------------------------------------------- Table 2


def _domains_for_table2() -> pd.DataFrame:
    rows = [
        # domain, pre mean/sd/min/max, post mean/sd/min/max, z, p
        ("one", 2.25, 0.15, 1, 4, 3.95, 0.05, 3, 5, -3.425, 0.0005),
        ("two", 2.35, 1.25, 1, 5, 4.2, 0.6, 3, 5, -3.415, 0.00049),
        ("three_x", 2.45, 0.95, 2, 3, 2.45, 0.95, 2, 3, -0.004, 0.9995),
        ("four", 3.0, 0.0, 3, 3, 3.0, 0.0, 3, 3, math.nan, math.nan),
    ]
    columns = ["domain", *[f"pre_{k}" for k in ("mean", "sd", "min", "max")]]
    columns += [f"post_{k}" for k in ("mean", "sd", "min", "max")] + ["z", "p"]
    frame = pd.DataFrame(rows, columns=columns).assign(unit="item_pairs")
    other = frame.assign(unit="participant", domain="ignored")
    return pd.concat([frame, other], ignore_index=True)


def test_format_half_up_against_decimal_ties() -> None:
    # Python's own formatting rounds the binary value half-even: 2.25 -> 2.2, 0.15 -> 0.1.
    assert (f"{2.25:.1f}", f"{0.15:.1f}", f"{-3.425:.2f}") == ("2.2", "0.1", "-3.42")
    assert format_half_up(2.25, 1) == "2.3"
    assert format_half_up(0.15, 1) == "0.2"
    assert (
        format_half_up(43 / 20, 1) == "2.2"
    )  # 2.15 exactly as a mean: 2.1499999999999999 in binary
    assert format_half_up(-3.425, 2) == "-3.43"  # away from zero
    assert format_half_up(-0.004, 2) == "0.00"
    assert format_half_up(2.2499, 1) == "2.2"
    assert format_half_up(float("nan"), 1) == "n/a"


def test_table2_formatting() -> None:
    table = table2(_domains_for_table2(), labels={"one": "First & <best>"})
    assert list(table.columns) == TABLE2_COLUMNS
    assert table.values.tolist() == [
        ["First & <best>", "2.3 ± 0.2", "1-4", "4.0 ± 0.1", "3-5", "-3.43", "0.001"],
        ["Two", "2.4 ± 1.3", "1-5", "4.2 ± 0.6", "3-5", "-3.42", "<0.001"],
        ["Three x", "2.5 ± 1.0", "2-3", "2.5 ± 1.0", "2-3", "0.00", "1.000"],
        ["Four", "3.0 ± 0.0", "3-3", "3.0 ± 0.0", "3-3", "n/a", "n/a"],
    ]


def test_table2_markdown_and_html() -> None:
    table = table2(_domains_for_table2().iloc[:2], labels={"one": "A | B <i>"})
    markdown = table2_markdown(table)
    lines = markdown.splitlines()
    assert (
        lines[0] == "| Category | Pre Mean ± SD | Pre Range | Post Mean ± SD | Post Range | Z | p |"
    )
    assert lines[1] == "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    assert lines[2] == "| A \\| B <i> | 2.3 ± 0.2 | 1-4 | 4.0 ± 0.1 | 3-5 | -3.43 | 0.001 |"
    assert len(lines) == 4 and markdown.endswith("\n")
    fragment = table2_html(table, caption="Scores & ranges")
    assert fragment.startswith('<table class="table2">')
    assert "<caption>Scores &amp; ranges</caption>" in fragment
    assert '<th colspan="2">Pre</th>' in fragment and "<th>Mean ± SD</th>" in fragment
    assert "<td>A | B &lt;i&gt;</td>" in fragment
    assert "<td>&lt;0.001</td>" in fragment
    assert "<i>" not in fragment and fragment.rstrip().endswith("</table>")


# --------------------------------------------------------------------------- item table


def test_item_table_hand() -> None:
    pre = [1, 2, 2, 3, 4, 5]
    post = [2, 2, 3, 5, 5, 5]
    rows = [
        {"pid": f"P{i}", "item": "A01", "domain": "one", "pre": a, "post": b}
        for i, (a, b) in enumerate(zip(pre, post, strict=True))
    ]
    rows += [
        {"pid": f"P{i}", "item": "A02", "domain": "one", "pre": 3, "post": b}
        for i, b in enumerate([3, 4, 4, None])
    ]
    pairs = pd.DataFrame(rows).astype({"pre": "Int64", "post": "Int64"})
    table = item_table(pairs, TINY)
    assert list(table.columns) == ITEM_COLUMNS
    assert table["item"].tolist() == ["A01", "A02", "B01", "B02"]
    a01 = table.iloc[0]
    assert a01["text"] == "Confidence in alpha" and a01["n"] == 6
    # SPSS (HAVERAGE) quartiles: position (n + 1) p = 1.75, 3.5, 5.25.
    assert (a01["pre_q1"], a01["pre_median"], a01["pre_q3"]) == (1.75, 2.5, 4.25)
    assert (a01["post_q1"], a01["post_median"], a01["post_q3"]) == (2.0, 4.0, 5.0)
    assert a01["pre_mean"] == pytest.approx(17 / 6)
    assert a01["post_sd"] == pytest.approx(statistics.stdev(post))
    assert (a01["pre_min"], a01["pre_max"], a01["post_min"], a01["post_max"]) == (1, 5, 2, 5)
    assert a01["pre_top2_share"] == pytest.approx(2 / 6)
    assert a01["post_top2_share"] == pytest.approx(3 / 6)
    assert (a01["improved"], a01["same"], a01["worse"]) == (4, 2, 0)
    assert bool(a01["low_after"]) is True  # a post answer of 2
    a02 = table.iloc[1]
    assert a02["n"] == 3 and (a02["improved"], a02["same"], a02["worse"]) == (2, 1, 0)
    assert bool(a02["low_after"]) is False
    empty = table.iloc[2]
    assert empty["n"] == 0 and math.isnan(empty["pre_median"]) and not empty["low_after"]


def test_item_table_low_mean_rule() -> None:
    pairs = pd.DataFrame(
        {"pid": ["P1", "P2"], "item": "A01", "domain": "one", "pre": [3, 3], "post": [3, 4]}
    ).astype({"pre": "Int64", "post": "Int64"})
    assert bool(item_table(pairs, TINY, low_mean=3.6)["low_after"].iloc[0]) is True
    assert bool(item_table(pairs, TINY)["low_after"].iloc[0]) is False


# --------------------------------------------------------------------------- the example drop


def example_survey(instrument: Instrument) -> pd.DataFrame:
    """The bundled drop as a long survey table (pid = participant_ref), withdrawn removed."""
    roster = io.read_raw_table(EXAMPLE / "roster.csv")
    withdrawn = set(
        ref_keys(roster.loc[roster["status"].str.strip() == "withdrawn", "participant_ref"])
    )
    domain = {s.id: s.domain for s in instrument.statements}
    frames = []
    for timepoint in ("pre", "post"):
        raw = io.read_raw_table(EXAMPLE / f"survey_{timepoint}.csv")
        headers = classify_headers(
            list(raw.columns),
            RAW_INPUTS[f"survey_{timepoint}"],
            instrument,
            raw.attrs["column_numbers"],
        )
        wide = canonical_columns(raw, headers)
        wide["pid"] = ref_keys(wide["participant_ref"])
        items = [c for c in wide.columns if c in domain]
        long = wide.melt(id_vars=["pid"], value_vars=items, var_name="item", value_name="answer")
        long["score"] = parse_likert(long["answer"], instrument)
        long["timepoint"] = timepoint
        frames.append(long)
    survey = pd.concat(frames, ignore_index=True)
    survey["domain"] = survey["item"].map(domain)
    survey = survey[~survey["pid"].isin(withdrawn)]
    return survey[["pid", "timepoint", "item", "domain", "score"]].reset_index(drop=True)


STUDY_TABLE2 = [
    ["Communication", "2.7 ± 1.1", "1-4", "3.9 ± 0.5", "3-5", "-3.42", "0.001"],
    ["Networking", "3.3 ± 0.9", "1-5", "4.2 ± 0.6", "3-5", "-4.61", "<0.001"],
    ["Policy", "2.8 ± 1.2", "1-5", "4.1 ± 0.7", "3-5", "-4.11", "<0.001"],
    ["Management", "2.8 ± 1.1", "1-5", "3.7 ± 0.8", "2-5", "-6.70", "<0.001"],
]


@pytest.fixture(scope="module")
def example(instrument: Instrument) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    pairs, summary = pair_answers(example_survey(instrument))
    return pairs, summary, domain_table(pairs, instrument, seed=1)


def test_example_reproduces_table2(example: tuple, root) -> None:
    _, summary, domains = example
    assert summary["participants"] == {"pre_only": 0, "post_only": 0, "both": 6}
    raw = io.read_yaml(root / "config" / "instrument.yaml")
    labels = {d["id"]: d["label"] for d in raw["domains"]}
    assert table2(domains, labels).values.tolist() == STUDY_TABLE2
    assert table2(domains).values.tolist() == STUDY_TABLE2  # default label = id capitalised


def test_example_domain_rows(example: tuple) -> None:
    _, _, domains = example
    pooled = domains[domains["unit"] == "item_pairs"]
    assert pooled["n_pairs"].tolist() == [24, 30, 30, 120]
    assert (pooled["p_holm"] < 0.001).all()
    people = domains[domains["unit"] == "participant"]
    assert people["n_pairs"].tolist() == [6, 6, 6, 6]
    # All six participants improved in every domain: exact p = 2/64, the floor for n = 6.
    assert people["p_exact"].tolist() == [0.03125] * 4
    assert people["min_achievable_p"].tolist() == [0.03125] * 4
    assert np.all(people["z"] >= -math.sqrt(6))


def test_example_item_table(example: tuple, instrument: Instrument) -> None:
    pairs, _, _ = example
    items = item_table(pairs, instrument)
    assert len(items) == 34 and (items["n"] == 6).all()
    low = items.loc[items["low_after"], "item"].tolist()
    assert {"MAN02", "MAN03", "MAN04"} <= set(low)  # the study's finance statements
    assert (items.loc[items["item"].isin(["MAN02", "MAN03", "MAN04"]), "post_max"] <= 3).all()
