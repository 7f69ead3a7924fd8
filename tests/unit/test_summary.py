import math

import jsonschema
import pandas as pd
import pytest

from cohort_eval import io, provenance, summary
from cohort_eval.verify import verify

NAN = float("nan")


def _domains(rows):
    """A survey_domains table with the columns the summary reads (and one it does not)."""
    columns = [
        "domain",
        "unit",
        "n_participants",
        "n_pairs",
        "pre_mean",
        "post_mean",
        "hl_estimate",
        "hl_ci_low",
        "hl_ci_high",
        "effect_r",
        "rank_biserial",
        "p",
        "p_holm",
        "note",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["z"] = -1.0  # not carried over
    return frame


A = _domains(
    [
        # item_pairs rows first, as analyse_survey writes them
        ["d1", "item_pairs", 3, 9, 2.25, 3.0, 1.0, 0.5, 1.5, 0.6, 0.8, 0.01, 0.02, "pooled"],
        ["d2", "item_pairs", 3, 6, 3.0, 2.5, -0.5, -1.0, 0.0, 0.4, -0.5, 0.2, 0.2, "pooled"],
        ["d1", "participant", 3, 3, 2.0, 3.5, 1.5, 1.0, 2.0, 0.9, 1.0, 0.1, 0.2, "n < 10"],
        ["d2", "participant", 2, 2, 3.0, 2.75, -0.25, NAN, NAN, 0.7, -1.0, 0.3, 0.3, NAN],
    ]
)
B = _domains(
    [
        ["d2", "participant", 0, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "no pairs"],
        ["d1", "participant", 5, 5, 1.5, 1.5, 0.0, -0.5, 0.5, 0.0, 0.0, 1.0, 1.0, ""],
        ["d2", "item_pairs", 0, 0, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, NAN, "no pairs"],
        ["d1", "item_pairs", 5, 10, 1.5, 1.75, 0.25, 0.0, 0.5, 0.3, 0.2, 0.5, 0.5, "pooled"],
    ]
)


def test_summary_rows_columns_and_change_by_hand():
    table = summary.cohort_summary({"b-cohort": B, "a-cohort": A}, order=["d1", "d2"])
    assert list(table.columns) == summary.SUMMARY_COLUMNS
    # cohorts in the given order, domains in the instrument's, participant before item_pairs
    assert list(zip(table["cohort"], table["domain"], table["unit"], strict=True)) == [
        ("b-cohort", "d1", "participant"),
        ("b-cohort", "d1", "item_pairs"),
        ("b-cohort", "d2", "participant"),
        ("b-cohort", "d2", "item_pairs"),
        ("a-cohort", "d1", "participant"),
        ("a-cohort", "d1", "item_pairs"),
        ("a-cohort", "d2", "participant"),
        ("a-cohort", "d2", "item_pairs"),
    ]
    # change = post_mean - pre_mean: 1.5 - 1.5, 1.75 - 1.5, none, none, 3.5 - 2.0, ...
    expected = [0.0, 0.25, NAN, NAN, 1.5, 0.75, -0.25, -0.5]
    for got, want in zip(table["change"], expected, strict=True):
        assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want)
    row = table.iloc[6].to_dict()  # a-cohort, d2, participant: values carried over as written
    assert row["n_participants"] == 2 and row["n_pairs"] == 2
    assert row["hl_estimate"] == -0.25 and math.isnan(row["hl_ci_low"])
    assert row["rank_biserial"] == -1.0 and row["p_holm"] == 0.3
    assert table.iloc[4]["note"] == "n < 10" and table.iloc[4]["hl_ci_high"] == 2.0


def test_domain_order_without_instrument_follows_the_first_cohort():
    table = summary.cohort_summary({"b": B, "a": A})
    assert list(dict.fromkeys(table["domain"])) == ["d2", "d1"]


def test_bad_tables_are_refused():
    with pytest.raises(ValueError, match="cohort a: survey_domains has no column hl_estimate"):
        summary.cohort_summary({"a": A.drop(columns="hl_estimate")})
    with pytest.raises(ValueError, match="unknown unit pooled"):
        summary.cohort_summary({"a": A.assign(unit="pooled")})
    with pytest.raises(ValueError, match="appear twice"):
        summary.cohort_summary({"a": pd.concat([A, A.iloc[:1]])})
    assert list(summary.cohort_summary({}).columns) == summary.SUMMARY_COLUMNS


def test_cohort_sizes_are_the_participant_unit_range():
    table = summary.cohort_summary({"a": A, "b": B})
    sizes = summary.cohort_sizes(table)
    assert sizes.to_dict("records") == [
        {"cohort": "a", "n_min": 2, "n_max": 3},
        {"cohort": "b", "n_min": 0, "n_max": 5},
    ]


def test_forest_plot_is_saved_identically_twice(tmp_path):
    table = summary.cohort_summary({"north": A, "south": B}, order=["d1", "d2"])
    labels = {"d1": "Domain one", "d2": "Domain two"}
    for suffix in ("png", "svg"):
        first, second = tmp_path / f"a.{suffix}", tmp_path / f"b.{suffix}"
        io.save_figure(summary.forest_plot(table, labels=labels), first)
        io.save_figure(summary.forest_plot(table, labels=labels), second)
        assert first.read_bytes() == second.read_bytes()
    svg = (tmp_path / "a.svg").read_bytes()
    assert svg.startswith(b"<?xml") and len(svg) > 10_000


def test_forest_plot_panels_rows_and_labels():
    table = summary.cohort_summary({"north": A, "south": B}, order=["d1", "d2"])
    fig = summary.forest_plot(table, labels={"d1": "Domain one"})
    axes = fig.axes
    assert [ax.get_title(loc="left") for ax in axes] == ["Domain one", "D2"]
    assert [t.get_text() for t in axes[0].get_yticklabels()] == [
        "north (n = 3)",
        "south (n = 5)",
    ]
    texts = [t.get_text() for t in axes[1].texts]
    assert "-0.25 (no 95% CI)" in texts and "no pairs" in texts
    assert "1.50 [1.00, 2.00]" in [t.get_text() for t in axes[0].texts]
    low, high = axes[0].get_xlim()
    assert low < -0.5 and high > 2.0  # every interval and 0 in view


def test_summary_page_is_self_contained_and_states_each_cohorts_n():
    table = summary.cohort_summary({"north": A, "south<b>": B}, order=["d1", "d2"])
    svg = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>'
    page = summary.render_summary(
        table, svg, labels={"d1": "Domain one"}, checksums={"north/x.csv": "ab" * 32}, code="c0de"
    )
    assert page == summary.render_summary(
        table, svg, labels={"d1": "Domain one"}, checksums={"north/x.csv": "ab" * 32}, code="c0de"
    )
    assert "<title>Cross-cohort summary</title>" in page
    assert "http" not in page and "<script" not in page and "<link" not in page
    assert 'src="data:image/svg+xml;base64,' in page
    assert "north (n = 2-3)" in page and "south&lt;b&gt; (n = 0-5)" in page
    assert "Small cohorts give wide intervals" in page
    assert "Domain one" in page and "+1.50" in page and "n/a" in page
    assert "ab" * 32 in page and "c0de" in page


def test_summary_record_is_checked_by_verify(tmp_path):
    (tmp_path / "cohort_summary.csv").write_text("cohort\na\n")
    files = {"cohort_summary.csv": tmp_path / "cohort_summary.csv"}
    (entry,) = provenance.file_entries({"a/tables/survey_domains.csv": files["cohort_summary.csv"]})
    cohort_record = {"run_id": "r-a", "outputs": [{**entry, "path": "tables/survey_domains.csv"}]}
    same = summary.summary_input("a", entry, cohort_record)
    assert same["cohort_run_id"] == "r-a" and same["same_as_published"] is True
    other = summary.summary_input("b", {**entry, "sha256": "00"}, cohort_record)
    assert other["same_as_published"] is False
    assert summary.summary_input("c", entry, None)["cohort_run_id"] is None
    record = summary.summary_record(
        run_id="r1",
        started="2026-01-01T10:00:00+00:00",
        ended="2026-01-01T10:01:00+00:00",
        code={"git_commit": None, "git_dirty": None, "package_sha256": "def"},
        software={"python": "3.11.7"},
        config_values={"cohorts": {"a": {}}},
        inputs=[other, same],
        study_files=[],
        outputs=provenance.file_entries(files),
    )
    assert record["name"] == "summary" and [i["cohort"] for i in record["inputs"]] == ["a", "b"]
    io.write_json(record, tmp_path / provenance.RECORD)
    assert verify(tmp_path) == []
    (tmp_path / "cohort_summary.csv").write_text("changed\n")
    assert verify(tmp_path)[0].startswith("cohort_summary.csv: changed")


def test_summary_is_not_a_cohort_id(root):
    schema = io.read_yaml(root / "workflow" / "schemas" / "config.schema.yaml")
    cohorts = schema["properties"]["cohorts"]
    settings = {"drop": "d", "start": "2024-01-01", "months": 6}
    jsonschema.validate({"summary-2024": settings}, cohorts)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"summary": settings}, cohorts)
