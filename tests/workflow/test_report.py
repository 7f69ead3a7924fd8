"""End-to-end: the cohort report of the example, its reruns, and the same cohort switched to
publication mode."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess

import pytest
import yaml

from .helpers import ROOT, clone, snakemake

pytestmark = pytest.mark.workflow
PID = re.compile(r"P-[0-9a-f]{6,16}")
DATA_URI = re.compile(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]*)")
FIGURES = [
    "survey_likert",
    "survey_domains",
    "activity_phases",
    "code_frequencies",
    "threads_by_stage",
    "diary_compliance",
]


# The browser's own background requests (updates, time, accounts), not the page's.
BROWSER_HOSTS = re.compile(r"^https?://([a-z0-9-]+\.)*(google\.com|googleapis\.com|gvt1\.com)/")


def _open_offline(page, tmp_path):
    """Open ``page`` in headless Chromium with the network unreachable; return what the page
    logged to its console and the URLs anything asked for, and write a screenshot."""
    chromium = shutil.which("chromium")
    assert chromium, "Debian's chromium is installed by make test (make browser)"
    shot, net = tmp_path / "report.png", tmp_path / "net.json"
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--proxy-server=127.0.0.1:9",
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--enable-logging=stderr",
            "--v=0",
            f"--log-net-log={net}",
            "--window-size=1280,2000",
            f"--screenshot={shot}",
            page.resolve().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.stat().st_size > 50_000  # a rendered page, not a blank one
    console = [line for line in done.stderr.splitlines() if ":CONSOLE" in line]
    urls = set(re.findall(r'"url":"([^"]*)"', net.read_text(errors="replace")))
    return console, {u for u in urls if not BROWSER_HOSTS.match(u)}


def test_report_of_the_example_then_in_publication_mode(example_run, tmp_path):
    run = example_run.run
    assert run.returncode == 0, run.stderr
    report = example_run.results / "north" / "report.html"
    first = report.read_bytes()
    page = first.decode("utf-8")

    figures = example_run.results / "north" / "figures"
    embedded = [base64.b64decode(data) for data in DATA_URI.findall(page)]
    assert embedded == [(figures / f"{name}.svg").read_bytes() for name in FIGURES]
    outside = DATA_URI.sub("", page)
    assert "http://" not in outside and "https://" not in outside
    assert str(example_run.workdir) not in page and str(ROOT) not in page
    for value in ("-3.42", "-4.61", "-4.11", "-6.70", "&lt;0.001", "2.7 ± 1.1", "3.7 ± 0.8"):
        assert f"<td>{value}</td>" in page, value
    assert "coded by a single coder" in page
    assert PID.search(page)  # internal mode: contract hours and diary compliance by pid
    console, requested = _open_offline(report, tmp_path)
    assert console == [] and requested == set(), (console, requested)

    # Reruns change the example's run: they are made on a copy of it.
    workdir = clone(example_run.workdir, tmp_path / "work")
    report = workdir / "results" / "north" / "report.html"
    again = snakemake(workdir, "--forcerun", "render_report")
    assert again.returncode == 0, again.stderr
    assert "render_report" in again.stdout + again.stderr
    assert report.read_bytes() == first

    config = yaml.safe_load((workdir / "config.yaml").read_text())
    config["disclosure"] = {"mode": "publication", "threshold": 5}
    (workdir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    published = snakemake(workdir)
    assert published.returncode == 0, published.stderr
    page = report.read_text(encoding="utf-8")
    assert page.encode("utf-8") != first
    assert not PID.search(page)
    assert "Publication mode" in page and "Survey comments" not in page
    assert len(DATA_URI.findall(page)) == len(FIGURES) - 1
    assert "<td>-6.70</td>" in page
