import json
import logging
import sys
import time

import pytest

from cohort_eval import io, logs, provenance, slurm

# A line of `scontrol show job --oneliner` as Slurm 22.05 prints it (fields cut for length).
SCONTROL = (
    "JobId=21 JobName=a679a180 UserId=root(0) JobState=COMPLETED Reason=None ExitCode=0:0 "
    "SubmitTime=2026-06-30T18:43:51 EligibleTime=2026-06-30T18:43:51 "
    "StartTime=2026-06-30T18:43:52 EndTime=2026-06-30T18:44:03 Partition=main "
    "NodeList=vm BatchHost=vm Comment=rule_render_report_wildcards_north Command=(null)\n"
    "JobId=22 ArrayJobId=20 ArrayTaskId=2 JobName=a679a180 JobState=RUNNING "
    "SubmitTime=2026-06-30T18:44:00 StartTime=2026-06-30T18:44:01 EndTime=Unknown NodeList=vm\n"
)
# `sacct --noheader --parsable2 --allocations --format=JobID,Submit,Start,End,State,NodeList`
SACCT = (
    "21|2026-12-01T09:00:00|2026-12-01T09:00:02|2026-12-01T09:01:32|COMPLETED|n01\n"
    "23|2026-12-01T09:00:00|Unknown|Unknown|PENDING|None assigned\n"
    "24|2026-12-01T09:00:00|2026-12-01T09:00:03|2026-12-01T09:00:04|CANCELLED by 0|n02\n"
)


@pytest.fixture
def london(monkeypatch):
    """SLURM prints local times: run in a zone an hour off UTC in summer, none in winter."""
    monkeypatch.setenv("TZ", "Europe/London")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_job_record_from_slurms_variables():
    assert slurm.job_record({"HOME": "/root"}) is None
    environ = {"SLURM_JOB_ID": "42", "SLURM_CLUSTER_NAME": "hpc", "SLURMD_NODENAME": "n07"}
    assert slurm.job_record(environ) == {"job_id": "42", "cluster": "hpc", "node": "n07"}
    array = {"SLURM_JOB_ID": "101", "SLURM_ARRAY_JOB_ID": "100", "SLURM_ARRAY_TASK_ID": "1"}
    assert slurm.job_record(array) == {"job_id": "100_1"}


def test_scontrol_times_become_utc_and_array_tasks_take_slurms_names(london):
    jobs = slurm.parse_scontrol(SCONTROL)
    assert jobs["21"] == {
        "submitted": "2026-06-30T17:43:51+00:00",
        "started": "2026-06-30T17:43:52+00:00",
        "ended": "2026-06-30T17:44:03+00:00",
        "state": "COMPLETED",
        "node": "vm",
        "elapsed_s": 11,
    }
    assert jobs["20_2"]["ended"] is None and "elapsed_s" not in jobs["20_2"]
    assert jobs["20_2"]["state"] == "RUNNING"


def test_sacct_lines_unknown_times_and_states_with_reasons(london):
    jobs = slurm.parse_sacct(SACCT + "malformed line\n")
    assert sorted(jobs) == ["21", "23", "24"]
    assert jobs["21"]["started"] == "2026-12-01T09:00:02+00:00"  # winter: London is UTC
    assert jobs["21"]["elapsed_s"] == 90 and jobs["21"]["node"] == "n01"
    assert jobs["23"]["started"] is None and jobs["23"]["state"] == "PENDING"
    assert jobs["24"]["state"] == "CANCELLED"


def test_section_merges_times_into_each_steps_record_in_log_order(london):
    records = {
        "logs/render_report.log": {"job_id": "21", "node": "vm"},
        "logs/anonymise_drop/anonymise_drop.log": {"job_id": "9"},
    }
    section = slurm.section(records, slurm.parse_scontrol(SCONTROL), "scontrol")
    assert section["timing_source"] == "scontrol"
    first, second = section["jobs"]
    # SLURM no longer knows job 9: its id is recorded, without times.
    assert first == {"log": "logs/anonymise_drop/anonymise_drop.log", "job_id": "9"}
    assert second["log"] == "logs/render_report.log" and second["elapsed_s"] == 11
    assert slurm.first_start(section) == "2026-06-30T17:43:52+00:00"
    assert slurm.first_start(slurm.section(records, {}, None)) is None


def _write_notes(folder, notes):
    for name, job in notes.items():
        path = folder / "logs" / (name + slurm.RECORD_SUFFIX)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(job))


@pytest.mark.parametrize(
    ("answers", "source"),
    [
        ({"sacct": SACCT, "scontrol": SCONTROL}, "sacct"),
        ({"sacct": None, "scontrol": SCONTROL}, "scontrol"),  # no accounting database
        ({"sacct": "99|x|x|x|COMPLETED|n\n", "scontrol": ""}, None),  # the jobs are forgotten
    ],
)
def test_slurm_jobs_ask_sacct_then_scontrol(tmp_path, monkeypatch, answers, source):
    _write_notes(tmp_path, {"a/a.log": {"job_id": "21"}, "b.log": {"job_id": "24"}})
    asked = []

    def answer(command, environ=None):
        assert environ == {"SLURM_TIME_FORMAT": "standard"}
        asked.append(command)
        return answers[command[0]]

    monkeypatch.setattr(provenance.io, "command_output", answer)
    section = provenance.slurm_jobs(tmp_path / "logs")
    assert section["timing_source"] == source
    assert [job["log"] for job in section["jobs"]] == ["logs/a/a.log", "logs/b.log"]
    assert asked[0][0] == "sacct" and "--jobs=21,24" in asked[0]
    assert ("started" in section["jobs"][0]) == (source is not None)


def test_a_local_run_asks_slurm_nothing_and_records_no_slurm_section(tmp_path, monkeypatch):
    monkeypatch.setattr(provenance.io, "command_output", lambda *a, **k: pytest.fail("asked"))
    (tmp_path / "logs").mkdir()
    assert provenance.slurm_jobs(tmp_path / "logs") is None
    fields = {
        "cohort": "c",
        "run_id": "r",
        "started": "s",
        "ended": "e",
        "code": {},
        "software": {},
        "config_values": {},
        "inputs": [],
        "study_files": [],
        "outputs": [],
    }
    assert "slurm" not in provenance.build_record(**fields)
    record = provenance.build_record(**fields, slurm_section={"timing_source": None, "jobs": []})
    assert list(record)[-1] == "slurm"


def test_run_identity_takes_slurms_start_when_given(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("x\n")
    _, started, _ = provenance.run_identity([path])
    assert started.endswith("+00:00")
    _, started, _ = provenance.run_identity([path], "2026-06-30T17:43:52+00:00")
    assert started == "2026-06-30T17:43:52+00:00"


def _close_log_files():
    for handler in logging.getLogger().handlers:
        handler.close()


@pytest.fixture
def restore_logging():
    hook, handlers = sys.excepthook, logging.getLogger().handlers[:]
    yield
    _close_log_files()
    logging.captureWarnings(False)
    sys.excepthook, logging.getLogger().handlers[:] = hook, handlers


def test_log_setup_notes_the_slurm_job_and_a_local_rerun_removes_the_note(
    tmp_path, monkeypatch, restore_logging
):
    log = tmp_path / "logs" / "step.log"
    note = tmp_path / "logs" / "step.log.slurm.json"
    monkeypatch.setenv("SLURM_JOB_ID", "77")
    monkeypatch.setenv("SLURMD_NODENAME", "n3")
    monkeypatch.delenv("SLURM_ARRAY_JOB_ID", raising=False)
    monkeypatch.delenv("SLURM_CLUSTER_NAME", raising=False)
    logs.to_file(log)
    assert json.loads(note.read_text()) == {"job_id": "77", "node": "n3"}
    _close_log_files()
    monkeypatch.delenv("SLURM_JOB_ID")
    logs.to_file(log)
    assert log.exists() and not note.exists()


def test_command_output_adds_variables_and_is_none_when_the_command_fails():
    echo = ["sh", "-c", "echo $SLURM_TIME_FORMAT"]
    assert io.command_output(echo, environ=slurm.TIME_FORMAT) == "standard\n"
    assert io.command_output(["sh", "-c", "echo no; exit 1"]) is None
    assert io.command_output(["/nonexistent/sacct"]) is None
