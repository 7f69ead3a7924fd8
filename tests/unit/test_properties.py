"""Properties of the core functions over generated inputs (hypothesis): the Wilcoxon test's
symmetries, phase shares, redaction, and importers fed arbitrary or damaged bytes.

Examples are derandomised (the same ones every run, see tests/conftest.py), so a failure
here is reproducible; hypothesis prints the smallest input that fails.
"""

from __future__ import annotations

import math
import re
import string
import tempfile
import zipfile
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cohort_eval import io, sources
from cohort_eval.activity import phase_table
from cohort_eval.errors import DropError
from cohort_eval.redact import Redactor, person_labels
from cohort_eval.stats import wilcoxon_exact_p, wilcoxon_spss

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "resources" / "example"

# --------------------------------------------------------------------------- Wilcoxon

likert_differences = st.lists(st.integers(-4, 4), max_size=60)
real_differences = st.lists(
    st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 3)), max_size=40
)
differences = st.one_of(likert_differences, real_differences)


@given(differences)
def test_wilcoxon_z_is_never_positive_and_p_is_a_probability(d):
    result = wilcoxon_spss(d)
    assert result.n_positive + result.n_negative + result.n_ties == len(d)
    if result.n_nonzero == 0:
        assert math.isnan(result.z) and math.isnan(result.p)
        return
    assert result.z <= 0
    assert 0 <= result.p <= 1
    n = result.n_nonzero
    assert result.w_plus + result.w_minus == pytest.approx(n * (n + 1) / 2)
    exact = wilcoxon_exact_p(d, max_exact=20, draws=2000, seed=3).p
    assert 0 < exact <= 1


@given(differences)
def test_swapping_pre_and_post_swaps_w_plus_and_w_minus_and_keeps_z_and_p(d):
    forward, backward = wilcoxon_spss(d), wilcoxon_spss([-x for x in d])
    assert (backward.w_plus, backward.w_minus) == (forward.w_minus, forward.w_plus)
    assert (backward.n_positive, backward.n_negative) == (forward.n_negative, forward.n_positive)
    assert backward.z == pytest.approx(forward.z, nan_ok=True)
    assert backward.p == pytest.approx(forward.p, nan_ok=True)


@given(differences, st.integers(1, 20), st.randoms(use_true_random=False))
def test_zero_differences_change_neither_w_plus_nor_w_minus(d, zeros, rng):
    padded = d + [0] * zeros
    rng.shuffle(padded)
    before, after = wilcoxon_spss(d), wilcoxon_spss(padded)
    assert (after.w_plus, after.w_minus) == (before.w_plus, before.w_minus)
    assert after.n_ties == before.n_ties + zeros
    assert after.z == pytest.approx(before.z, nan_ok=True)


# --------------------------------------------------------------------------- phase shares

CATEGORIES = ["project_delivery", "meetings", "admin", "cpd"]
PHASES = {"phase1": [1, 3], "phase2": [4, 6]}
activity_rows = st.lists(
    st.tuples(
        st.sampled_from(["P-1", "P-2", "P-3"]),
        st.integers(1, 6),
        st.sampled_from(CATEGORIES),
        st.floats(0.01, 24, allow_nan=False),
    ),
    min_size=1,
    max_size=80,
)


@given(activity_rows)
def test_phase_shares_sum_to_100_in_every_phase_with_hours(rows):
    activities = pd.DataFrame(rows, columns=["pid", "month", "category", "hours"])
    table = phase_table(activities, PHASES, CATEGORIES, {})
    for phase, shares in table.groupby("phase"):
        months = range(PHASES[phase][0], PHASES[phase][1] + 1)
        if activities["month"].isin(months).any():
            assert shares["percent"].sum() == pytest.approx(100.0)
            assert (shares["percent"] >= 0).all()
        else:
            assert shares["percent"].isna().all()
    assert table["hours"].sum() == pytest.approx(activities["hours"].sum())


# --------------------------------------------------------------------------- redaction

ROSTER = [
    "Amelia Hartley",
    "Priya Natarajan",
    "Siobhan O'Connell",
    "David Ashworth",
    "Joanne Whitfield",
]
NAME_TOKENS = {t.casefold() for name in ROSTER for t in re.findall(r"[^\W\d_]+", name)}
REDACTOR = Redactor(list(zip(person_labels(len(ROSTER)), ROSTER, strict=True)))
# Text without personal data: words of letters only (no digits, so no phone, NHS, postcode or
# registration number; no '@'), none of them a roster name.
filler_word = st.text(string.ascii_letters, min_size=1, max_size=10).filter(
    lambda w: w.casefold() not in NAME_TOKENS
)
separator = st.sampled_from([" ", "  ", ", ", ". ", "; ", "\n", " - ", " (", ") ", "! ", ": "])
filler = st.lists(st.tuples(filler_word, separator), max_size=30).map(
    lambda parts: "".join(w + s for w, s in parts)
)


@given(filler)
def test_text_without_personal_data_is_left_unchanged(text):
    redacted, counts = REDACTOR.redact(text)
    assert redacted == text
    assert sum(counts.values()) == 0


@given(
    filler,
    filler,
    st.sampled_from(ROSTER),
    st.sampled_from([str, str.upper, str.lower, lambda n: n.split()[0], lambda n: n + "'s"]),
)
def test_a_roster_name_anywhere_in_text_is_removed(before, after, name, form):
    text = f"{before} {form(name)} {after}"
    redacted, counts = REDACTOR.redact(text)
    assert counts["name"] >= 1
    words = {w.casefold() for w in re.findall(r"[^\W\d_]+", redacted)}
    assert not words & {t.casefold() for t in re.findall(r"[^\W\d_]+", name)}, redacted
    assert not REDACTOR.contains_name(redacted)


# --------------------------------------------------------------------------- importers

FORMS = {
    "survey_pre.csv": "survey_pre",
    "survey_pre.xlsx": "survey_pre",
    "calendars/a@nhs.net.csv": "activity_diary",
    "calendars/a@nhs.net.ics": "activity_diary",
    "diary_segments.qdpx": "diary_segments",
    "diary_segments_qualcoder.csv": "diary_segments",
    "diary_segments_taguette.csv": "diary_segments",
}


def _valid_samples() -> dict[str, bytes]:
    """A well-formed file of each form, small: damaging one reaches deep into its reader."""
    import openpyxl

    from cohort_eval.simulate import reexpress_drop

    samples = {}
    with tempfile.TemporaryDirectory() as tmp:
        reexpress_drop(EXAMPLE, Path(tmp) / "o", "outlook", "qdpx", ROOT)
        reexpress_drop(EXAMPLE, Path(tmp) / "i", "ics", "none", ROOT)
        samples["calendars/a@nhs.net.csv"] = sorted((Path(tmp) / "o" / "calendars").iterdir())[
            0
        ].read_bytes()[:3000]
        samples["calendars/a@nhs.net.ics"] = sorted((Path(tmp) / "i" / "calendars").iterdir())[
            0
        ].read_bytes()[:3000]
        samples["diary_segments.qdpx"] = (Path(tmp) / "o" / "diary_segments.qdpx").read_bytes()
        rows = io.read_raw_table(EXAMPLE / "survey_pre.csv")
        book = openpyxl.Workbook()
        book.active.append(list(rows.columns))
        for row in rows.head(3).itertuples(index=False):
            book.active.append(list(row))
        path = Path(tmp) / "s.xlsx"
        book.save(path)
        samples["survey_pre.xlsx"] = path.read_bytes()
    samples["survey_pre.csv"] = (EXAMPLE / "survey_pre.csv").read_bytes()[:1500]
    samples["diary_segments_qualcoder.csv"] = (
        b"File,Coder,Coded text,Codename\namelia.hartley@nhs.net_2023-09-08,R1,Felt lost,T01\n"
    )
    samples["diary_segments_taguette.csv"] = (
        b"id,document,tag,content\n1,amelia.hartley@nhs.net_2023-09-08,T01,Felt lost\n"
    )
    return samples


SAMPLES = _valid_samples()


@pytest.fixture(scope="module")
def reader(codebook, activities):
    """Read ``data`` as the drop file ``name`` through the importer of its form."""
    folder = Path(tempfile.mkdtemp())
    settings_ = sources.ImportSettings(
        encoding=None,
        calendar_locale="en-GB",
        daily_hours=3.75,
        calendars={
            "leave_busy": ["oof"],
            "leave_category": "annual_leave",
            "multi_category": "split",
            "overlap": "split",
        },
        qda_source_pattern=r"(?P<participant_ref>.+)_(?P<entry_date>\d{4}-\d{2}-\d{2})",
        qda_date_variable=None,
        start="2023-09-04",
        months=6,
        max_file_bytes=1_000_000,
    )

    def read(name: str, data: bytes) -> None:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in path.parent.glob("*"):
            if old.is_file() and path.parent.name == "calendars":
                old.unlink()
        path.write_bytes(data)
        source = folder / "calendars" if name.startswith("calendars/") else path
        sources.read_raw_input(FORMS[name], source, [], settings_, activities, codebook)

    return read


def _only_drop_errors(read, name: str, data: bytes) -> None:
    try:
        read(name, data)
    except DropError as err:
        assert str(err).strip()
        assert "Traceback" not in str(err)


PROJECT = (
    '<Project xmlns="urn:QDA-XML:project:1.0" name="p"><Sources><TextSource guid="'
    '5a000000-0000-4000-8000-00000000000a" name="amelia.hartley@nhs.net_2023-09-08" '
    'plainTextPath="internal://a.txt"/></Sources></Project>'
)
SLOW_OK = settings(
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


@SLOW_OK
@given(st.sampled_from(sorted(FORMS)), st.binary(max_size=3000))
def test_importers_given_random_bytes_raise_only_drop_errors(reader, name, data):
    _only_drop_errors(reader, name, data)


@SLOW_OK
@given(
    st.sampled_from(sorted(FORMS)),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, 10**6),
)
def test_importers_given_damaged_files_raise_only_drop_errors(reader, name, flips, cut):
    data = bytearray(SAMPLES[name])
    for position, value in flips:
        data[position % len(data)] = value
    if name.endswith((".qdpx", ".xlsx")):
        _only_drop_errors(reader, name, bytes(data))
    _only_drop_errors(reader, name, bytes(data[: cut % (len(data) + 1)]))


@SLOW_OK
@given(st.sampled_from(["project.qde", "sources/a.txt"]), st.binary(max_size=400))
def test_qdpx_members_holding_anything_raise_only_drop_errors(reader, member, junk):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("project.qde", junk if member == "project.qde" else PROJECT)
        if member != "project.qde":
            archive.writestr(member, junk)
    _only_drop_errors(reader, "diary_segments.qdpx", buffer.getvalue())
