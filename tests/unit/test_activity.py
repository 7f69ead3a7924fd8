"""Activity diaries: phase shares, phase change, participant shares, contract hours, Fig. 1.

Expected values are worked out by hand in the comments, not by the code under test.
"""

from __future__ import annotations

import math
import subprocess
import sys

import pandas as pd
import pytest

from cohort_eval import io
from cohort_eval.activity import (
    PHASE_COLUMNS,
    contract_hours,
    contract_weeks,
    participant_shares,
    phase_change,
    phase_label,
    phase_of_month,
    phase_table,
    work_categories,
)
from cohort_eval.anonymise import anonymise
from cohort_eval.checks import CohortContext
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.figures_activity import _luminance, activity_chart
from cohort_eval.parse import secondment_month

KEY = b"unit-test-key-0123456789"
PHASES = {"phase1": [1, 3], "phase2": [4, 6]}
ORDER = ["project_delivery", "meeting_attendance", "cpd"]
LABELS = {"project_delivery": "Project delivery", "meeting_attendance": "Meeting attendance"}


def _activities(rows: list[tuple[str, int, str, float]], month_dtype: str = "Int64"):
    frame = pd.DataFrame(rows, columns=["pid", "month", "category", "hours"])
    frame.insert(1, "date", "2023-09-04")
    frame["description"] = None
    return frame.astype({"month": month_dtype})


# Phase 1: project 3 + 4 = 7 h (A, B), meeting 1 h (A), cpd 0 -> total 8 h: 87.5 / 12.5 / 0 %.
# Phase 2: project 1.5 h (A), cpd 4.5 h (B) -> total 6 h: 25 / 0 / 75 %.
TINY = [
    ("A", 1, "project_delivery", 3.0),
    ("A", 3, "meeting_attendance", 1.0),
    ("B", 2, "project_delivery", 4.0),
    ("A", 4, "project_delivery", 1.5),
    ("B", 6, "cpd", 4.5),
]


@pytest.mark.parametrize("month_dtype", ["Int64", "int64"])  # as anonymised / as read from CSV
def test_phase_table_exact_percents(month_dtype) -> None:
    table = phase_table(_activities(TINY, month_dtype), PHASES, ORDER, LABELS)
    assert list(table.columns) == PHASE_COLUMNS
    assert list(table["phase"]) == ["phase1"] * 3 + ["phase2"] * 3
    assert list(table["category"]) == ORDER * 2
    assert list(table["label"]) == ["Project delivery", "Meeting attendance", "cpd"] * 2
    assert list(table["hours"]) == [7.0, 1.0, 0.0, 1.5, 0.0, 4.5]
    assert list(table["percent"]) == pytest.approx([87.5, 12.5, 0.0, 25.0, 0.0, 75.0])
    assert list(table["n_participants"]) == [2, 1, 0, 1, 0, 1]
    assert table.groupby("phase")["percent"].sum().to_dict() == pytest.approx(
        {"phase1": 100.0, "phase2": 100.0}
    )


def test_phase_table_categories_with_no_hours_and_empty_phase() -> None:
    rows = [("A", 2, "cpd", 2.0)]
    table = phase_table(_activities(rows), PHASES, ORDER, LABELS)
    first = table[table["phase"] == "phase1"]
    assert list(first["hours"]) == [0.0, 0.0, 2.0]
    assert list(first["percent"]) == [0.0, 0.0, 100.0]
    assert list(first["n_participants"]) == [0, 0, 1]
    second = table[table["phase"] == "phase2"]
    assert list(second["hours"]) == [0.0, 0.0, 0.0]
    assert second["percent"].isna().all()  # no hours at all: no share to speak of


def test_guard_passes_a_phase_with_no_work_hours_and_fails_a_broken_sum(root) -> None:
    from cohort_eval.activity import phase_guard_frame
    from cohort_eval.guard import load_suite, run_suites

    suite = load_suite(root / "workflow" / "suites" / "activity_phases.yaml")
    table = phase_table(_activities([("A", 2, "cpd", 2.0)]), PHASES, ORDER, LABELS)
    frame, params = phase_guard_frame(table, PHASES, ORDER)
    [outcome] = run_suites([suite], {"phases": frame}, params, "activity_phases.csv")
    assert outcome.success, outcome.messages
    table.loc[table["category"] == "cpd", "percent"] = 90.0
    frame, params = phase_guard_frame(table, PHASES, ORDER)
    [outcome] = run_suites([suite], {"phases": frame}, params, "activity_phases.csv")
    assert not outcome.success and "add up to 100" in " ".join(outcome.messages)


def test_phase_table_rejects_unlisted_categories() -> None:
    rows = [("A", 1, "cpd", 2.0), ("A", 1, "annual_leave", 7.5)]
    with pytest.raises(ValueError, match="annual_leave"):
        phase_table(_activities(rows), PHASES, ORDER, LABELS)


def test_months_outside_every_phase_are_not_in_the_table() -> None:
    # A 9-month cohort with 6-month phases: month 7 belongs to no phase.
    rows = [("A", 6, "cpd", 2.0), ("A", 7, "project_delivery", 5.0)]
    table = phase_table(_activities(rows), PHASES, ORDER, LABELS)
    assert table["hours"].sum() == 2.0


def test_phase_boundary_last_day_of_month_3_and_first_of_month_4() -> None:
    # start 2023-09-04: month 4 starts on 2023-12-04, so 2023-12-03 is still month 3.
    dates = pd.Series(pd.to_datetime(["2023-12-03", "2023-12-04"]))
    months = secondment_month(dates, "2023-09-04", 6)
    assert list(months) == [3, 4]
    assert list(phase_of_month(months, PHASES)) == ["phase1", "phase2"]
    frame = _activities([("A", m, "cpd", h) for m, h in zip(months, [2.0, 3.0], strict=True)])
    table = phase_table(frame, PHASES, ORDER, LABELS).set_index(["phase", "category"])
    assert table.loc[("phase1", "cpd"), "hours"] == 2.0
    assert table.loc[("phase2", "cpd"), "hours"] == 3.0


def test_phase_change() -> None:
    change = phase_change(phase_table(_activities(TINY), PHASES, ORDER, LABELS))
    assert list(change.columns) == [
        "category",
        "label",
        "percent_phase1",
        "percent_phase2",
        "change_pp",
    ]
    assert list(change["category"]) == ORDER
    # 25 - 87.5, 0 - 12.5, 75 - 0
    assert list(change["change_pp"]) == pytest.approx([-62.5, -12.5, 75.0])
    assert list(change["percent_phase2"]) == pytest.approx([25.0, 0.0, 75.0])


def test_participant_shares() -> None:
    shares = participant_shares(_activities(TINY), PHASES, ORDER)
    assert list(shares.columns) == ["pid", "phase", "category", "hours", "percent"]
    got = {(r.pid, r.phase, r.category): (r.hours, r.percent) for r in shares.itertuples()}
    # A phase 1: 3 h project + 1 h meeting = 4 h -> 75 % / 25 %; B phase 1: all 4 h project.
    assert got[("A", "phase1", "project_delivery")] == (3.0, pytest.approx(75.0))
    assert got[("A", "phase1", "meeting_attendance")] == (1.0, pytest.approx(25.0))
    assert got[("A", "phase1", "cpd")] == (0.0, 0.0)
    assert got[("B", "phase1", "project_delivery")] == (4.0, pytest.approx(100.0))
    assert got[("B", "phase2", "cpd")] == (4.5, pytest.approx(100.0))
    assert len(shares) == 4 * len(ORDER)  # (A, B) x (phase1, phase2), all with hours
    assert list(shares["category"][:3]) == ORDER
    observed = participant_shares(_activities(TINY), PHASES)
    assert len(observed) == 5
    assert list(observed.loc[observed["pid"] == "A", "category"][:2]) == [
        "meeting_attendance",
        "project_delivery",
    ]


def test_contract_weeks() -> None:
    # 2023-09-04 .. 2024-03-03: 27 + 31 + 30 + 31 + 31 + 29 (leap year) + 3 = 182 days.
    assert contract_weeks("2023-09-04", 6) == 26.0
    assert contract_weeks("2023-02-01", 1) == 4.0  # 28 days


def test_contract_hours_by_hand() -> None:
    participants = pd.DataFrame(
        {"pid": ["B", "A", "C"], "leave_hours": [0.0, 7.5, 0.0]}  # C recorded nothing
    )
    table = contract_hours(_activities(TINY), participants, "2023-09-04", 6, 0.5, 37.5)
    assert list(table.columns) == [
        "pid",
        "expected_hours",
        "activity_hours",
        "leave_hours",
        "recorded_hours",
        "unaccounted_hours",
        "recorded_percent",
    ]
    rows = table.set_index("pid")
    assert list(rows.index) == ["A", "B", "C", "cohort"]
    # 26 weeks x 37.5 h x 0.5 = 487.5 h each; A: 3 + 1 + 1.5 = 5.5 h work + 7.5 h leave = 13 h.
    assert list(rows["expected_hours"]) == [487.5, 487.5, 487.5, 1462.5]
    assert list(rows["activity_hours"]) == [5.5, 8.5, 0.0, 14.0]
    assert list(rows["leave_hours"]) == [7.5, 0.0, 0.0, 7.5]
    assert list(rows["recorded_hours"]) == [13.0, 8.5, 0.0, 21.5]
    assert list(rows["unaccounted_hours"]) == [474.5, 479.0, 487.5, 1441.0]
    assert list(rows["recorded_percent"]) == pytest.approx(
        [13 / 487.5 * 100, 8.5 / 487.5 * 100, 0.0, 21.5 / 1462.5 * 100]
    )


def test_contract_hours_rejects_unknown_pids() -> None:
    with pytest.raises(ValueError, match="not in participants"):
        contract_hours(
            _activities(TINY),
            pd.DataFrame({"pid": ["A"], "leave_hours": [0.0]}),
            "2023-09-04",
            6,
            0.5,
            37.5,
        )


def test_phase_label() -> None:
    assert phase_label("phase1", PHASES) == "Phase 1 (months 1-3)"
    assert phase_label("phase2") == "Phase 2"
    assert phase_label("late_stage", {"late_stage": [4, 4]}) == "Late stage (month 4)"


# --------------------------------------------------------------------------- example drop


@pytest.fixture(scope="module")
def example(root, instrument, codebook, activities):
    drop = root / "resources" / "example"
    raw = {name: io.read_raw_table(drop / f"{name}.csv") for name in RAW_INPUTS}
    ctx = CohortContext("2023-09-04", 6, "%d/%m/%Y", instrument, codebook, activities)
    settings = io.read_drop_settings(drop / "drop.yaml")
    return anonymise(raw, ctx, KEY, 8, settings["redact_names"]).tables


def test_example_reproduces_the_study_narrative(example, activities) -> None:
    order = work_categories(activities)
    assert order == [
        "project_delivery",
        "meeting_attendance",
        "leading_presenting",
        "external_event",
        "administration",
        "cpd",
        "reflection",
    ]
    table = phase_table(example["activities"], PHASES, order, activities.labels)
    assert len(table) == 2 * len(order)
    assert table.groupby("phase")["percent"].sum().tolist() == pytest.approx([100.0, 100.0])
    assert table["n_participants"].between(1, 6).all()
    change = phase_change(table).set_index("category")
    for phase in PHASES:
        assert 9.6 <= change.loc["meeting_attendance", f"percent_{phase}"] <= 10.2
    assert change.loc["administration", "change_pp"] < 0
    assert change.loc["cpd", "change_pp"] < 0
    assert change.loc["project_delivery", "change_pp"] > 0
    assert change.loc["external_event", "change_pp"] < 0


def test_example_contract_hours_are_accounted_for(example) -> None:
    table = contract_hours(
        example["activities"], example["participants"], "2023-09-04", 6, 0.5, 37.5
    )
    assert len(table) == 6 + 1
    assert (table["expected_hours"][:-1] == 487.5).all()
    assert 99.0 <= table["recorded_percent"].iloc[-1] <= 101.0


# --------------------------------------------------------------------------- figure


def test_activity_chart_labels_and_saves_identically(tmp_path) -> None:
    table = phase_table(_activities(TINY), PHASES, ORDER, LABELS)
    fig = activity_chart(table, phases=PHASES)
    ax = fig.axes[0]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["Phase 1 (months 1-3)", "Phase 2 (months 4-6)"]
    bar_texts = sorted(t.get_text() for t in ax.texts)
    assert bar_texts == sorted(["87.5%", "12.5%", "0.0%", "25.0%", "0.0%", "75.0%"])
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks == ["Project\ndelivery", "Meeting\nattendance", "cpd"]
    # Print in grey: the two phases differ in hatching and clearly in lightness.
    first, second = ax.patches[0], ax.patches[len(ORDER)]
    assert first.get_hatch() != second.get_hatch()
    assert abs(_luminance(first.get_facecolor()) - _luminance(second.get_facecolor())) > 0.2
    io.save_figure(fig, tmp_path / "activity.png")
    io.save_figure(fig, tmp_path / "activity1.svg")
    io.save_figure(fig, tmp_path / "activity2.svg")
    assert (tmp_path / "activity.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (tmp_path / "activity1.svg").read_bytes() == (tmp_path / "activity2.svg").read_bytes()
    assert "<dc:date>" not in (tmp_path / "activity1.svg").read_text(encoding="utf-8")


def test_activity_chart_rounds_half_up_and_marks_empty_phase() -> None:
    rows = [("A", 1, "cpd", 12.25), ("A", 1, "project_delivery", 87.75)]
    fig = activity_chart(phase_table(_activities(rows), PHASES, ORDER, LABELS))
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "12.3%" in texts and "87.8%" in texts
    assert texts.count("n/a") == len(ORDER)
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["Phase 1", "Phase 2"]
    assert not math.isnan(fig.axes[0].get_ylim()[1])


def test_importing_the_modules_loads_no_matplotlib() -> None:
    code = (
        "import sys, cohort_eval.activity, cohort_eval.figures_activity; "
        "print('matplotlib' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_an_empty_diary_gives_zero_rows_not_errors() -> None:
    empty = _activities([])
    table = phase_table(empty, PHASES, ORDER, LABELS)
    assert len(table) == 6 and (table["hours"] == 0).all() and table["percent"].isna().all()
    assert list(participant_shares(empty, PHASES, ORDER).columns) == [
        "pid",
        "phase",
        "category",
        "hours",
        "percent",
    ]
    assert participant_shares(empty, PHASES).empty
    people = pd.DataFrame({"pid": ["A"], "leave_hours": [0.0]})
    hours = contract_hours(empty, people, "2023-09-04", 6, 0.5, 37.5)
    assert list(hours["unaccounted_hours"]) == [487.5, 487.5]
