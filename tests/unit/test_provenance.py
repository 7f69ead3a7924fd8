import hashlib
import json
import os

import pytest

from cohort_eval import io, provenance
from cohort_eval.verify import verify


def _record(outputs):
    return provenance.build_record(
        cohort="c1",
        run_id="r1",
        started="2026-01-01T10:00:00+00:00",
        ended="2026-01-01T10:01:00+00:00",
        code={"git_commit": "abc", "git_dirty": False, "package_sha256": "def"},
        software={"python": "3.11.7", "snakemake": "9.27.1"},
        config_values={"b": 1, "a": [1, 2]},
        inputs=provenance.input_entries(
            [
                {"input": "roster", "file": "d/roster.csv", "sha256": "11", "rows": 7, "size": 9},
                {
                    "input": "activity_diary",
                    "file": "d/calendars",
                    "sha256": "22",
                    "rows": 50,
                    "imported": {"form": "calendars"},
                },
            ]
        ),
        study_files=[],
        outputs=outputs,
    )


def test_config_hash_is_order_independent_and_matches_canonical_json():
    assert provenance.config_hash({"b": 1, "a": 2}) == provenance.config_hash({"a": 2, "b": 1})
    expected = hashlib.sha256(b'{"a": 2, "b": 1}').hexdigest()
    assert provenance.config_hash({"b": 1, "a": 2}) == expected


def test_record_and_crate():
    record = _record(
        [
            {"path": "tables/b.csv", "sha256": "bb", "size": 2},
            {"path": "report.html", "sha256": "aa", "size": 1},
        ]
    )
    assert [o["path"] for o in record["outputs"]] == ["report.html", "tables/b.csv"]
    assert [i["input"] for i in record["inputs"]] == ["activity_diary", "roster"]
    assert record["inputs"][0]["form"] == "calendars" and record["inputs"][1]["form"] == "table"
    assert record["config_sha256"] == provenance.config_hash({"a": [1, 2], "b": 1})
    crate = provenance.crate(record)
    ids = {e["@id"]: e for e in crate["@graph"]}
    assert ids["./"]["mentions"] == {"@id": "#run-r1"}
    assert {"@id": "tables/b.csv"} in ids["#run-r1"]["result"]
    assert ids["tables/b.csv"]["encodingFormat"] == "text/csv"
    assert ids["#input-roster"]["contentSize"] == 9
    json.dumps(crate)  # serialisable


def test_compare_names_missing_changed_and_added_files():
    record = _record(
        [
            {"path": "a.csv", "sha256": "1" * 64, "size": 1},
            {"path": "b.csv", "sha256": "2" * 64, "size": 1},
        ]
    )
    assert provenance.compare(record, {"a.csv": "1" * 64, "b.csv": "2" * 64}) == []
    problems = provenance.compare(record, {"a.csv": "3" * 64, "c.csv": "4" * 64})
    assert problems[0].startswith("a.csv: changed")
    assert problems[1].startswith("b.csv: missing")
    assert problems[2].startswith("c.csv: not in the record")


def test_publish_switches_atomically_keeps_old_versions_and_verify_spots_edits(tmp_path):
    staged = tmp_path / "build"
    staged.mkdir()
    (staged / "t.csv").write_text("x,y\n1,2\n")
    root = tmp_path / "results"
    root.mkdir()
    (root / "c1").mkdir()  # results written before publication existed
    (root / "c1" / "old.csv").write_text("old")

    def publish(version, text):
        (staged / "t.csv").write_text(text)
        sha = io.sha256_file(staged / "t.csv")
        record = _record([{"path": "tables/t.csv", "sha256": sha, "size": len(text)}])
        return io.publish_folder(
            {"tables/t.csv": staged / "t.csv"},
            {provenance.RECORD: io.json_text(record)},
            root,
            "c1",
            version,
        )

    first = publish("20260101T000000Z-a", "first\n")
    assert (root / "c1").is_symlink() and (root / "c1").resolve() == first.resolve()
    assert (root / ".versions" / "c1" / "20260101T000000Z-a-unpublished" / "old.csv").exists()
    assert verify(root / "c1") == []
    second = publish("20260102T000000Z-b", "second\n")
    assert (root / "c1" / "tables" / "t.csv").read_text() == "second\n"
    assert first.exists()  # the earlier version stays until pruned
    removed = io.prune_versions(root, "c1", keep=1)
    assert second.exists() and not first.exists() and len(removed) == 2
    (root / "c1" / "tables" / "t.csv").write_text("edited by hand\n")
    [problem] = verify(root / "c1")
    assert problem.startswith("tables/t.csv: changed")
    assert not [p for p in os.listdir(root) if p.startswith(".c1")]  # no stray link


def test_verify_without_record(tmp_path):
    [problem] = verify(tmp_path)
    assert "no provenance record" in problem


@pytest.mark.parametrize("dirty", [True, False])
def test_git_state(tmp_path, dirty):
    import subprocess

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "f").write_text("1")
    git("add", "f")
    git("-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "m")
    if dirty:
        (tmp_path / "f").write_text("2")
    state = io.git_state(tmp_path)
    assert len(state["git_commit"]) == 40 and state["git_dirty"] is dirty
    assert io.git_state(tmp_path.parent / "nowhere") == {"git_commit": None, "git_dirty": None}
