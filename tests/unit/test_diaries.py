"""Reflective-diary tables, agreement statistics and figures, against hand-worked values."""

from __future__ import annotations

import json
import math
from itertools import combinations_with_replacement

import numpy as np
import pandas as pd
import pytest

from cohort_eval import io
from cohort_eval.anonymise import COLUMNS, anonymise
from cohort_eval.checks import CohortContext
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.diaries import (
    AGREEMENT_COLUMNS,
    COMPLIANCE_COLUMNS,
    DISAGREEMENT_COLUMNS,
    EVENT_COLUMNS,
    THREAD_COLUMNS,
    co_occurrence,
    code_frequencies,
    code_participant_matrix,
    coder_agreement,
    critical_events,
    diary_compliance,
    fortnight_entries,
    krippendorff_alpha,
    passages,
    stage_labels,
    stage_of,
    threads_by_stage,
)
from cohort_eval.figures_diaries import (
    code_frequency_bars,
    compliance_grid,
    thread_stage_heatmap,
)

START = "2023-09-04"
KEY = b"unit-test-key-0123456789"


def segments(rows: list[tuple]) -> pd.DataFrame:
    """A segments table from (pid, entry_date, month, code, text[, coder[, exemplar]]) rows."""
    kinds = {"T": "theme", "E": "event", "N": "thread"}
    full = []
    for pid, date, month, code, text, *rest in rows:
        coder, exemplar = (*rest, "R1", False)[:2] if len(rest) != 1 else (rest[0], False)
        full.append((pid, date, month, code, kinds[code[0]], text, coder, exemplar))
    frame = pd.DataFrame(full, columns=COLUMNS["segments"])
    return frame.astype({"month": "Int64", "exemplar": bool})


@pytest.fixture
def tiny() -> pd.DataFrame:
    # segment a: T01 + N01; b: T01; c: T01 + T02 + N01; d: E05; a/T01 again by a second coder
    return segments(
        [
            ("P1", "2023-09-10", 1, "T01", "a"),
            ("P1", "2023-09-10", 1, "N01", "a"),
            ("P1", "2023-09-10", 1, "T01", "b"),
            ("P2", "2023-11-10", 3, "T01", "c"),
            ("P2", "2023-11-10", 3, "T02", "c"),
            ("P2", "2023-11-10", 3, "N01", "c"),
            ("P2", "2024-02-10", 6, "E05", "d"),
            ("P1", "2023-09-10", 1, "T01", "a", "R2"),
        ]
    )


def test_stage_of(codebook) -> None:
    months = pd.Series([1, 2, 3, 6, 7, None], dtype="Int64")
    stages = stage_of(months, codebook.stages)
    assert stages.iloc[:4].tolist() == ["beginning", "beginning", "middle", "end"]
    assert stages.iloc[4:].isna().all()


def test_code_frequencies(tiny, codebook) -> None:
    freq = code_frequencies(tiny, codebook, ["P1", "P2", "P3"])
    assert freq["code"].tolist() == [c.id for c in codebook.codes]
    assert list(freq.columns) == [
        "code",
        "kind",
        "label",
        "segments",
        "participants",
        "share_participants",
        "segments_beginning",
        "segments_middle",
        "segments_end",
    ]
    got = freq.set_index("code")
    expected = {  # segments, participants, beginning, middle, end
        "T01": (3, 2, 2, 1, 0),
        "T02": (1, 1, 0, 1, 0),
        "N01": (2, 2, 1, 1, 0),
        "E05": (1, 1, 0, 0, 1),
        "T03": (0, 0, 0, 0, 0),
    }
    for code, values in expected.items():
        row = got.loc[code]
        assert (
            row["segments"],
            row["participants"],
            row["segments_beginning"],
            row["segments_middle"],
            row["segments_end"],
        ) == values
    assert got.at["T01", "share_participants"] == pytest.approx(2 / 3)
    assert got.at["E05", "share_participants"] == pytest.approx(1 / 3)
    assert got.at["N01", "label"] == "Self-belief" and got.at["N01", "kind"] == "thread"


def test_code_participant_matrix_keeps_participants_without_segments(tiny, codebook) -> None:
    matrix = code_participant_matrix(tiny, codebook, ["P1", "P2", "P3"]).set_index("code")
    assert list(matrix.columns) == ["P1", "P2", "P3"]
    assert matrix.loc["T01"].tolist() == [2, 1, 0]
    assert matrix.loc["E05"].tolist() == [0, 1, 0]
    assert matrix["P3"].sum() == 0
    with pytest.raises(ValueError, match="not among the participants"):
        code_participant_matrix(tiny, codebook, ["P1"])


def test_co_occurrence(tiny, codebook) -> None:
    matrix = co_occurrence(tiny, codebook).set_index("code")
    ids = [c.id for c in codebook.codes]
    assert list(matrix.index) == ids and list(matrix.columns) == ids
    assert (matrix.to_numpy() == matrix.to_numpy().T).all()
    assert [matrix.at[c, c] for c in ("T01", "T02", "N01", "E05")] == [3, 1, 2, 1]
    assert matrix.at["T01", "N01"] == 2  # segments a and c
    assert matrix.at["T01", "T02"] == 1 and matrix.at["T02", "N01"] == 1
    assert matrix.at["E05", "T01"] == 0
    assert matrix.to_numpy().sum() == 3 + 1 + 2 + 1 + 2 * (2 + 1 + 1)


def test_unknown_code_is_an_error(tiny, codebook) -> None:
    bad = tiny.assign(code=tiny["code"].replace({"E05": "X99"}))
    with pytest.raises(ValueError, match="X99"):
        co_occurrence(bad, codebook)


def test_critical_events(tiny, codebook) -> None:
    events = critical_events(tiny, codebook, 6)
    assert list(events.columns) == EVENT_COLUMNS
    assert len(events) == 5 * 6
    assert events["month"].tolist() == list(range(1, 7)) * 5
    hit = events[events["segments"] > 0]
    assert hit[["event", "month", "segments", "participants"]].values.tolist() == [["E05", 6, 1, 1]]
    assert events.loc[events["event"] == "E05", "label"].iloc[0] == "Secondment end and next steps"


def test_threads_by_stage_exemplars(codebook) -> None:
    table = segments(
        [
            # beginning: the flagged segment wins over a longer one
            ("P2", "2023-09-10", 1, "N01", "short flagged", "R1", True),
            ("P1", "2023-09-11", 1, "N01", "a much longer text nobody flagged", "R1", False),
            # middle: none flagged, two longest tie on length: the smaller pid wins
            ("P2", "2023-11-10", 3, "N01", "aaaa", "R1", False),
            ("P1", "2023-11-12", 3, "N01", "zzzz", "R1", False),
            ("P1", "2023-11-13", 3, "N01", "cc", "R1", False),
            # end: two flagged: the longer of them
            ("P1", "2024-02-10", 6, "N01", "flagged one", "R1", True),
            ("P2", "2024-02-11", 6, "N01", "flagged, longer", "R1", True),
            ("P2", "2024-02-11", 6, "N01", "unflagged and longest of all here", "R1", False),
            (
                "P2",
                "2024-02-11",
                6,
                "T01",
                "a theme is not a thread, however long it is",
                "R1",
                True,
            ),
        ]
    )
    labels = {"beginning": "Beginning - Surviving", "middle": "Middle - Emerging"}
    result = threads_by_stage(table, codebook, labels)
    assert list(result.columns) == THREAD_COLUMNS
    assert len(result) == 4 * 3
    assert result[["thread", "stage"]].values.tolist()[:4] == [
        ["N01", "beginning"],
        ["N01", "middle"],
        ["N01", "end"],
        ["N02", "beginning"],
    ]
    n01 = result[result["thread"] == "N01"].set_index("stage")
    assert n01["exemplar"].to_dict() == {
        "beginning": "short flagged",
        "middle": "zzzz",
        "end": "flagged, longer",
    }
    assert n01["exemplar_flagged"].tolist() == [True, False, True]
    assert n01["segments"].tolist() == [2, 3, 3]
    assert n01["participants"].tolist() == [2, 2, 2]
    assert n01["stage_label"].tolist() == ["Beginning - Surviving", "Middle - Emerging", "end"]
    empty = result[result["thread"] == "N04"]
    assert empty["segments"].tolist() == [0, 0, 0] and empty["exemplar"].isna().all()
    shuffled = table.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(threads_by_stage(shuffled, codebook, labels), result)


def test_stage_labels_from_the_raw_codebook(root) -> None:
    raw = io.read_yaml(root / "config" / "codebook.yaml")
    assert stage_labels(raw) == {
        "beginning": "Beginning - Surviving",
        "middle": "Middle - Emerging",
        "end": "End - Thriving",
    }


def _dates(pid: str, dates: list[str]) -> list[tuple]:
    return [(pid, d, 1, "T01", f"entry {d}") for d in dates]


def test_compliance_at_the_14_day_boundary() -> None:
    # one month from 2023-09-04: 2023-09-04 to 2023-10-03 (30 days, fortnights of 14, 14, 2)
    table = segments(
        _dates("P1", ["2023-09-04", "2023-09-18", "2023-10-02"])  # gaps 1, 14, 14, 2
        + _dates("P2", ["2023-09-04", "2023-09-19", "2023-10-03"])  # 15 between entries
        + _dates("P4", ["2023-09-17", "2023-10-01"])  # 14 from the start
        + _dates("P5", ["2023-09-18", "2023-10-02"])  # 15 from the start
        + _dates("P6", ["2023-09-04", "2023-09-18", "2023-09-19"])  # 15 to the end
    )
    pids = ["P1", "P2", "P3", "P4", "P5", "P6"]
    result = diary_compliance(table, pids, START, 1)
    assert list(result.columns) == COMPLIANCE_COLUMNS
    got = result.set_index("pid")
    assert got["longest_gap_days"].to_dict() == {
        "P1": 14,
        "P2": 15,
        "P3": 31,  # no entry: 2023-09-03 to 2023-10-04
        "P4": 14,
        "P5": 15,
        "P6": 15,
    }
    assert got["gap_over_14_days"].to_dict() == {
        "P1": False,
        "P2": True,
        "P3": True,
        "P4": False,
        "P5": True,
        "P6": True,
    }
    assert got["entries"].tolist() == [3, 3, 0, 2, 2, 3]
    assert (
        got.at["P1", "first_entry"] == "2023-09-04" and got.at["P1", "last_entry"] == "2023-10-02"
    )
    assert pd.isna(got.at["P3", "first_entry"]) and pd.isna(got.at["P3", "last_entry"])
    shares = got["fortnights_with_entry_share"]
    assert shares.to_dict() == pytest.approx(
        {"P1": 1.0, "P2": 1.0, "P3": 0.0, "P4": 2 / 3, "P5": 2 / 3, "P6": 2 / 3}
    )
    grid = fortnight_entries(table, pids, START, 1)
    assert list(grid.columns) == [1, 2, 3]
    assert grid.loc["P6"].tolist() == [1, 2, 0]


def test_compliance_rejects_dates_outside_the_secondment() -> None:
    table = segments(_dates("P1", ["2023-10-04"]))
    with pytest.raises(ValueError, match="outside the secondment"):
        diary_compliance(table, ["P1"], START, 1)


def test_kappa_percent_agreement_and_alpha_by_hand(codebook) -> None:
    # ten segments seen by both coders (each gives every one T02); T01 2x2 table:
    # both 4 (u0-u3), R1 only 1 (u4), R2 only 1 (u5), neither 4 (u6-u9)
    # p_o = 8/10, p_e = 0.5*0.5 + 0.5*0.5 = 0.5, kappa = (0.8 - 0.5) / (1 - 0.5) = 0.6
    rows = []
    for i in range(10):
        pid, date = ("P1" if i < 5 else "P2"), f"2023-09-{10 + i}"
        for coder in ("R1", "R2"):
            rows.append((pid, date, 1, "T02", f"unit {i}", coder, False))
        if i <= 4:
            rows.append((pid, date, 1, "T01", f"unit {i}", "R1", False))
        if i <= 3 or i == 5:
            rows.append((pid, date, 1, "T01", f"unit {i}", "R2", False))
    rows.append(("P3", "2023-09-30", 1, "T01", "seen by R1 only", "R1", False))
    per_code, overall, disagreements = coder_agreement(segments(rows), codebook)

    assert list(per_code.columns) == AGREEMENT_COLUMNS
    assert len(per_code) == len(codebook.codes)
    t01 = per_code.set_index("code").loc["T01"]
    assert (t01["coder_a"], t01["coder_b"], t01["units"]) == ("R1", "R2", 10)
    assert (t01["both"], t01["coder_a_only"], t01["coder_b_only"], t01["neither"]) == (4, 1, 1, 4)
    assert t01["percent_agreement"] == pytest.approx(80.0)
    assert t01["kappa"] == pytest.approx(0.6)
    t02 = per_code.set_index("code").loc["T02"]
    assert t02["percent_agreement"] == pytest.approx(100.0) and math.isnan(t02["kappa"])

    # alpha over 10 segments x 19 codes, two values each: n = 380 values, 30 of them 1;
    # two units disagree (u4, u5), each adding 2 / (2 - 1) disagreeing pairs
    # alpha = 1 - (n - 1) * 4 / (2 * 30 * 350) = 1 - 1516 / 21000
    assert overall["coders"] == 2 and overall["units"] == 10 and overall["codes"] == 19
    assert overall["krippendorff_alpha"] == pytest.approx(1 - 1516 / 21000)
    assert json.loads(json.dumps(overall)) == overall
    assert overall["pairs"][0]["percent_agreement"] == pytest.approx(100 * 188 / 190)

    assert list(disagreements.columns) == DISAGREEMENT_COLUMNS
    shown = ["pid", "entry_date", "segment", "code", "coder_a_has", "coder_b_has"]
    assert disagreements[shown].values.tolist() == [
        ["P1", "2023-09-14", 1, "T01", True, False],  # u4
        ["P2", "2023-09-15", 1, "T01", False, True],  # u5
    ]
    assert "text" not in disagreements.columns


def test_one_coder_gives_empty_tables(tiny, codebook) -> None:
    single = tiny[tiny["coder"] == "R1"]
    per_code, overall, disagreements = coder_agreement(single, codebook)
    assert per_code.empty and disagreements.empty
    assert list(per_code.columns) == AGREEMENT_COLUMNS
    assert overall["coders"] == 1 and "two or more coders" in overall["note"]


def test_krippendorff_alpha_textbook_examples() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability": binary, two coders
    binary = pd.DataFrame(
        {"A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0], "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]}
    )
    # o_01 = o_10 = 4, n_0 = 14, n_1 = 6, n = 20: alpha = 1 - 19 * 4 / (14 * 6)
    assert krippendorff_alpha(binary) == pytest.approx(1 - 76 / 84)
    assert round(krippendorff_alpha(binary), 3) == 0.095
    # the same paper's nominal example: four coders, twelve units, missing values: 0.743
    n = np.nan
    nominal = pd.DataFrame(
        {
            "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
            "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
            "C": [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
            "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
        }
    )
    assert round(krippendorff_alpha(nominal), 3) == 0.743
    assert math.isnan(krippendorff_alpha(pd.DataFrame({"A": [1, 1], "B": [1, 1]})))


@pytest.fixture(scope="module")
def example(root, instrument, codebook, activities):
    drop = root / "resources" / "example"
    raw = {name: io.read_raw_table(drop / f"{name}.csv") for name in RAW_INPUTS}
    ctx = CohortContext(START, 6, "%d/%m/%Y", instrument, codebook, activities)
    settings = io.read_drop_settings(drop / "drop.yaml")
    tables = anonymise(raw, ctx, KEY, 8, settings["redact_names"]).tables
    return tables["segments"], tables["participants"]["pid"].tolist()


def test_example_has_exactly_one_fellow_with_a_long_gap(example) -> None:
    segs, pids = example
    result = diary_compliance(segs, pids, START, 6)
    assert len(result) == 6
    flagged = result[result["gap_over_14_days"]]
    assert len(flagged) == 1
    assert flagged["longest_gap_days"].tolist() == [28]
    assert (result.loc[~result["gap_over_14_days"], "longest_gap_days"] <= 14).all()


def test_example_threads_use_the_flagged_exemplars(example, codebook) -> None:
    segs, _ = example
    table = threads_by_stage(segs, codebook)
    assert table["exemplar_flagged"].all()
    assert set(table["exemplar"]) <= set(segs["text"])


def test_figures_save(example, codebook, tmp_path) -> None:
    segs, pids = example
    figures = {
        "heatmap": thread_stage_heatmap(threads_by_stage(segs, codebook)),
        "bars": code_frequency_bars(code_frequencies(segs, codebook, pids)),
        "grid": compliance_grid(segs, pids, START, 6),
    }
    texts = [t.get_text() for t in figures["grid"].findobj(lambda a: hasattr(a, "get_text"))]
    assert set(pids) <= set(texts)
    assert sum(t.endswith("> 14") for t in texts) == 1
    for name, fig in figures.items():
        io.save_figure(fig, tmp_path / f"{name}.png")
        assert (tmp_path / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    io.save_figure(thread_stage_heatmap(threads_by_stage(segs, codebook)), first)
    io.save_figure(thread_stage_heatmap(threads_by_stage(segs, codebook)), second)
    assert first.read_bytes() == second.read_bytes()


def test_same_results_from_the_written_csv(example, codebook, tmp_path) -> None:
    segs, pids = example
    io.write_csv(segs, tmp_path / "segments.csv")
    back = io.read_csv(tmp_path / "segments.csv")
    for table in (
        lambda s: code_frequencies(s, codebook, pids),
        lambda s: threads_by_stage(s, codebook),
        lambda s: diary_compliance(s, pids, START, 6),
        lambda s: critical_events(s, codebook, 6),
    ):
        pd.testing.assert_frame_equal(table(back), table(segs))


# --------------------------------------------------------------------------- positions


def placed(rows: list[tuple]) -> pd.DataFrame:
    """Segments of P1's entry of 2023-09-10 from (code, text, source, start, end) rows; source
    None for a row without a position."""
    frame = segments([("P1", "2023-09-10", 1, code, text) for code, text, *_ in rows])
    where = [rest if rest[0] else (None, None, None) for _, _, *rest in rows]
    frame["source"] = pd.Series([w[0] for w in where], dtype=object)
    frame["start"] = pd.Series([w[1] for w in where], dtype="Int64")
    frame["end"] = pd.Series([w[2] for w in where], dtype="Int64")
    return frame


def pairs(matrix: pd.DataFrame) -> dict[tuple[str, str], int]:
    """Non-zero cells on and above the diagonal, by code pair."""
    m = matrix.set_index("code")
    ids = list(m.index)
    return {(a, b): int(m.at[a, b]) for i, a in enumerate(ids) for b in ids[i:] if m.at[a, b]}


def test_co_occurrence_of_overlapping_selections(codebook) -> None:
    table = placed([("T01", "a", "S001", 0, 10), ("T05", "b", "S001", 5, 15)])
    assert pairs(co_occurrence(table, codebook)) == {
        ("T01", "T01"): 1,
        ("T01", "T05"): 1,
        ("T05", "T05"): 1,
    }
    assert passages(table).tolist() == [0, 0]


def test_touching_selections_do_not_co_occur(codebook) -> None:
    table = placed([("T01", "a", "S001", 0, 10), ("T05", "b", "S001", 10, 20)])
    assert pairs(co_occurrence(table, codebook)) == {("T01", "T01"): 1, ("T05", "T05"): 1}


def test_nested_and_chained_selections_make_one_passage(codebook) -> None:
    # T02 and T03 do not overlap each other, but both lie inside T01: one passage of three
    nested = placed(
        [("T01", "a", "S001", 0, 30), ("T02", "b", "S001", 5, 10), ("T03", "c", "S001", 12, 20)]
    )
    chained = placed(  # a-b and b-c overlap, a and c do not
        [("T01", "a", "S001", 0, 10), ("T02", "b", "S001", 8, 20), ("T03", "c", "S001", 18, 30)]
    )
    for table in (nested, chained):
        assert passages(table).tolist() == [0, 0, 0]
        got = pairs(co_occurrence(table, codebook))
        assert got == {
            (a, b): 1 for a, b in combinations_with_replacement(["T01", "T02", "T03"], 2)
        }


def test_same_positions_in_different_sources_do_not_co_occur(codebook) -> None:
    table = placed([("T01", "a", "S001", 0, 10), ("T05", "b", "S002", 0, 10)])
    assert pairs(co_occurrence(table, codebook)) == {("T01", "T01"): 1, ("T05", "T05"): 1}


def test_co_occurrence_mixed_with_rows_without_positions(codebook) -> None:
    table = placed(
        [
            ("T01", "a", "S001", 0, 10),  # 1: passage A
            ("T02", "b", "S001", 5, 12),  # 2: overlaps 1 -> A
            ("T03", "c", "S001", 12, 20),  # 3: touches 2 only -> passage B
            ("T04", "d", "S001", 14, 16),  # 4: inside 3 -> B
            ("T05", "c", None, None, None),  # 5: no position, same segment as 3 -> B
            ("T06", "e", "S002", 0, 10),  # 6: same span as 1 in another source -> C
            ("T07", "f", None, None, None),  # 7: no position, its own segment -> D
            ("T01", "g", "S001", 8, 9),  # 8: inside 1 and 2, T01 again -> A
            ("T08", "h", "S001", 3, 3),  # 9: empty selection overlaps nothing -> E
        ]
    )
    assert passages(table).tolist() == [0, 0, 1, 1, 1, 2, 3, 0, 4]
    matrix = co_occurrence(table, codebook)
    diagonal = {(c, c): 1 for c in ("T01", "T02", "T03", "T04", "T05", "T06", "T07", "T08")}
    assert pairs(matrix) == {
        **diagonal,
        ("T01", "T02"): 1,
        ("T03", "T04"): 1,
        ("T03", "T05"): 1,
        ("T04", "T05"): 1,
    }
    values = matrix.set_index("code").to_numpy()
    assert (values == values.T).all() and values.sum() == 8 + 2 * 4
    # the diagonal counts passages: T01 is on two segments (a, g) but in one passage
    frequencies = code_frequencies(table, codebook, ["P1"]).set_index("code")
    assert frequencies.at["T01", "segments"] == 2


def test_positions_leave_segment_counts_alone_when_absent(tiny, codebook) -> None:
    empty = tiny.assign(source=np.nan, start=np.nan, end=np.nan)
    pd.testing.assert_frame_equal(co_occurrence(empty, codebook), co_occurrence(tiny, codebook))
    assert passages(tiny).tolist() == [0, 0, 1, 2, 2, 2, 3, 0]


def test_example_co_occurrence_unchanged_through_the_written_csv(example, codebook, tmp_path):
    segs, _ = example
    assert segs[["source", "start", "end"]].isna().all().all()
    io.write_csv(segs, tmp_path / "segments.csv")
    back = io.read_csv(tmp_path / "segments.csv")
    matrix = co_occurrence(back, codebook).set_index("code")
    pd.testing.assert_frame_equal(co_occurrence(back, codebook), co_occurrence(segs, codebook))
    coded = segs.drop_duplicates(["pid", "entry_date", "text", "code"])
    per_segment = coded.groupby(["pid", "entry_date", "text"])["code"].nunique()
    expected = coded.groupby("code").size()  # every example segment carries one code
    assert (per_segment == 1).all()
    for code, n in expected.items():
        assert matrix.at[code, code] == n
    assert matrix.to_numpy().sum() == len(coded)


def test_compliance_figure_of_a_large_cohort_shows_shares_per_fortnight() -> None:
    # one month (fortnights of 14, 14 and 2 days); 80 participants: 40 write in fortnight 1
    # only (gap to the end > 14), 20 in fortnights 1 and 2 (last gap 16), 10 in all three
    # (gaps 14, 14, 2: within the rule), 10 never.
    rows = []
    for k in range(40):
        rows += _dates(f"P{k:02d}", ["2023-09-04"])
    for k in range(40, 60):
        rows += _dates(f"P{k:02d}", ["2023-09-04", "2023-09-18"])
    for k in range(60, 70):
        rows += _dates(f"P{k:02d}", ["2023-09-04", "2023-09-18", "2023-10-02"])
    pids = [f"P{k:02d}" for k in range(80)]
    fig = compliance_grid(segments(rows), pids, START, 1)
    bars = [p.get_height() for p in fig.axes[0].patches]
    assert bars == pytest.approx([100 * 70 / 80, 100 * 30 / 80, 100 * 10 / 80])
    title = fig._suptitle.get_text()
    assert "80 participants, 70 with a gap of more than 14 days" in title
    assert not any(t.get_text().startswith("P") for t in fig.axes[0].texts)
