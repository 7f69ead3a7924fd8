"""Personal data never leaves the anonymisation stage: canary markers, keys, withdrawal."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest

from cohort_eval.simulate import main as simulate

from .helpers import DEMO_KEY, ROOT, clone, make_workdir, snakemake

pytestmark = pytest.mark.workflow


def _rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def _write(path: Path, rows: list[list[str]]) -> None:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")


def plant(drop: Path, tag: str) -> list[str]:
    """Replace every identity in ``drop`` by unique markers, mention them in free text, and
    mark the withdrawn participant's text; returns the markers that must never be found."""
    roster = _rows(drop / "roster.csv")
    refs, names, markers = {}, [], []
    withdrawn = set()
    for i, row in enumerate(roster[1:]):
        ref = f"canaryref{tag}{i}@canary-nhs.net"
        first, last = f"Canaryfirst{tag}{i}", f"Canarylast{tag}{i}"
        refs[row[0].lower()] = ref
        if row[7] == "withdrawn":
            withdrawn.add(ref)
        row[0], row[1], row[2] = ref, f"{first} {last}", f"canarymail{tag}{i}@canary-nhs.net"
        names.append((first, last))
        markers += [ref, first, last, row[2]]
    _write(drop / "roster.csv", roster)
    extra = f"Canaryextra{tag}"
    (drop / "drop.yaml").write_text(
        'date_format: "%d/%m/%Y"\nredact_names:\n' + f"  - {extra} Nobody\n", encoding="utf-8"
    )
    markers += [
        extra,
        f"canarytext{tag}@canary-mail.org",
        "07700 900777",
        "900777",
        f"Withdrawncanary{tag}",
    ]

    def mention(k: int) -> str:
        first, last = names[k % len(names)]
        return (
            f" {first} {last} and {first}'s notes; {extra}; canarytext{tag}@canary-mail.org; "
            "call 07700 900777."
        )

    for name, ref_col, text_cols in [
        ("survey_pre.csv", 0, None),
        ("survey_post.csv", 0, None),
        ("activity_diary.csv", 0, [4]),
        ("diary_segments.csv", 0, [3]),
    ]:
        rows = _rows(drop / name)
        header = rows[0]
        columns = text_cols or [i for i, h in enumerate(header) if h.lower().startswith("comment")]
        for k, row in enumerate(rows[1:]):
            row[ref_col] = refs[row[ref_col].strip().lower()]
            for c in columns:
                row[c] = (row[c] + mention(k)).strip()
                if row[ref_col] in withdrawn:
                    row[c] += f" Withdrawncanary{tag}"
        _write(drop / name, rows)
    return markers


def test_canary_markers_never_leave_anonymisation(tmp_path):
    synthetic = tmp_path / "synthetic"
    simulate(
        ["--out", str(synthetic), "--root", str(ROOT), "--participants", "9", "--cohorts", "1"]
    )
    workdir = make_workdir(tmp_path / "run", {"example": None, "other": synthetic / "c0001"})
    markers = plant(workdir / "drops" / "example", "x") + plant(workdir / "drops" / "other", "y")
    markers.append(DEMO_KEY.read_text().strip())
    result = snakemake(workdir)
    assert result.returncode == 0, result.stderr[-3000:]
    searched = 0
    needles = [m.lower().encode() for m in markers]
    for folder in (workdir / "results", workdir / ".snakemake"):
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes().lower()
                searched += 1
                for needle in needles:
                    assert needle not in data, (path, needle)
    assert searched > 30
    assert all(m.lower() not in result.stdout.lower() + result.stderr.lower() for m in markers)
    for cohort in ("example", "other"):
        summary = json.loads(
            (workdir / "results" / cohort / "anonymised" / "summary.json").read_text()
        )
        assert summary["participants_excluded_withdrawn"] >= 1
        assert summary["redactions"]["name"] > 0 and summary["redactions"]["email"] > 0
        report = (workdir / "results" / cohort / "anonymised" / "redaction_report.csv").read_text()
        assert re.search(r"^diary_segments,phone,[1-9]", report, re.M)


def test_same_key_same_pids_other_key_other_pids(example_run, tmp_path):
    def pids(workdir: Path) -> set[str]:
        # The build folder's table: --until below stops before publication.
        built = workdir / "results" / ".build" / "north"
        table = (built / "anonymised" / "participants.csv").read_text()
        return {line.split(",")[0] for line in table.splitlines()[1:]}

    first = example_run.workdir  # run with the demo key
    assert example_run.run.returncode == 0
    second = clone(first, tmp_path / "b")
    env = {**os.environ, "COHORT_EVAL_KEY": "a-different-key-for-this-test"}
    env.pop("COHORT_EVAL_KEY_FILE", None)
    assert snakemake(second, "--until", "anonymise_drop", env=env).returncode == 0
    assert len(pids(first)) == 6 and pids(first).isdisjoint(pids(second))
    again = snakemake(first, "--dry-run", "--until", "anonymise_drop")
    # The first run went past anonymisation: no job at all, not even up to it.
    assert again.returncode == 0 and "Nothing to be done" in again.stdout, again.stdout
    rekeyed = snakemake(first, "--dry-run", "--until", "anonymise_drop", env=env)
    assert "anonymise_drop" in rekeyed.stdout


def test_run_without_a_key_refuses_to_start(tmp_path):
    workdir = make_workdir(tmp_path, {"example": None})
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHORT_EVAL_KEY")}
    result = snakemake(workdir, env=env)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "No pseudonymisation key" in output and "COHORT_EVAL_KEY_FILE" in output
    assert not (workdir / "results").exists()
