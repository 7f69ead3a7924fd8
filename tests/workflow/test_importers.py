"""The example drop re-expressed as the tools export it gives the same results as its tables."""

from __future__ import annotations

import csv
import re
import zipfile
from pathlib import Path

import pytest

from cohort_eval.simulate import reexpress_drop

from .helpers import ROOT, make_workdir, snakemake

EXAMPLE = ROOT / "resources" / "example"
FORMS = ("outlook", "ics", "qdpx")
SAME = [
    "tables/activity_phases.csv",
    "tables/activity_change.csv",
    "tables/code_frequencies.csv",
    "tables/threads_by_stage.csv",
    "tables/critical_events.csv",
    "tables/diary_compliance.csv",
]


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _same_table(a: Path, b: Path) -> None:
    left, right = _rows(a), _rows(b)
    assert len(left) == len(right), a.name
    for x, y in zip(left, right, strict=True):
        assert x.keys() == y.keys()
        for key in x:
            try:
                assert float(x[key]) == pytest.approx(float(y[key]), abs=1e-6), (a.name, key)
            except ValueError:
                assert x[key] == y[key], (a.name, key)


def _add_overlapping_coding(path: Path, coded: str, added: str) -> None:
    """Add to ``path`` (a .qdpx) a selection coded ``added`` strictly inside the first
    selection coded ``coded``: it overlaps that selection without being the same text."""
    import xml.etree.ElementTree as ET

    from cohort_eval.qda import PROJECT_NAMESPACE, guid_key

    ns = {"q": PROJECT_NAMESPACE}
    with zipfile.ZipFile(path) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    ET.register_namespace("", PROJECT_NAMESPACE)
    root = ET.fromstring(members["project.qde"])
    guids = {c.get("name"): c.get("guid") for c in root.iterfind(".//q:Code", ns)}
    for source in root.iterfind(".//q:TextSource", ns):
        for position, selection in enumerate(list(source)):
            refs = selection.iterfind("q:Coding/q:CodeRef", ns)
            if not any(guid_key(r.get("targetGUID")) == guid_key(guids[coded]) for r in refs):
                continue
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert end - start > 10
            tag = f"{{{PROJECT_NAMESPACE}}}"
            extra = ET.Element(
                f"{tag}PlainTextSelection",
                {
                    "guid": "e0000000-0000-4000-8000-000000000001",
                    "startPosition": str(start + 3),
                    "endPosition": str(end - 3),
                },
            )
            coding = ET.SubElement(
                extra, f"{tag}Coding", {"guid": "e0000000-0000-4000-8000-000000000002"}
            )
            ET.SubElement(coding, f"{tag}CodeRef", {"targetGUID": guids[added]})
            source.insert(position + 1, extra)
            members["project.qde"] = ET.tostring(root, encoding="utf-8", xml_declaration=True)
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in members.items():
                    archive.writestr(name, data)
            return
    raise AssertionError(f"no selection coded {coded}")


@pytest.fixture(scope="module")
def exports_run(tmp_path_factory):
    """One run of the example re-expressed as the tools export it: ``outlook`` (Outlook CSV
    calendars, .qdpx coding), ``ics`` (iCalendar files, coding table) and ``qdpx`` (.qdpx
    coding with one overlapping selection added). The example itself is the session's."""
    tmp = tmp_path_factory.mktemp("exports")
    drops = tmp / "sources"
    reexpress_drop(EXAMPLE, drops / "outlook", "outlook", "qdpx", ROOT)
    reexpress_drop(EXAMPLE, drops / "ics", "ics", "none", ROOT)
    reexpress_drop(EXAMPLE, drops / "qdpx", "none", "qdpx", ROOT)
    _add_overlapping_coding(drops / "qdpx" / "diary_segments.qdpx", "T01", "T05")
    workdir = make_workdir(tmp / "run", {form: drops / form for form in FORMS})
    return drops, workdir, snakemake(workdir)


def test_calendar_and_qdpx_exports_give_the_tables_results(example_run, exports_run):
    drops, workdir, run = exports_run
    assert (drops / "outlook" / "calendars").is_dir()
    assert zipfile.is_zipfile(drops / "outlook" / "diary_segments.qdpx")
    assert example_run.run.returncode == 0, example_run.run.stderr[-3000:]
    assert run.returncode == 0, run.stderr[-3000:]
    example, results = example_run.results / "north", workdir / "results"
    for name in SAME:
        _same_table(example / name, results / "outlook" / name)
        _same_table(example / name, results / "ics" / name)
    for form in ("outlook", "ics"):
        figure = Path("figures") / "activity_phases.svg"
        assert (results / form / figure).read_bytes() == (example / figure).read_bytes()
    marker = (results / "outlook" / "validation" / "activity_diary.json").read_text()
    assert "@" not in marker  # calendar files are named by participant reference: never written
    assert '"form": "calendars"' in marker


def test_overlapping_qdpx_selections_co_occur_and_no_source_name_is_written(
    example_run, exports_run
):
    drops, workdir, run = exports_run
    drop = drops / "qdpx"
    assert example_run.run.returncode == 0, example_run.run.stderr[-3000:]
    assert run.returncode == 0, run.stderr[-3000:]
    results = workdir / "results"

    def matrix(folder: Path) -> dict[tuple[str, str], int]:
        rows = _rows(folder / "tables" / "code_cooccurrence.csv")
        return {(r["code"], c): int(v) for r in rows for c, v in r.items() if c != "code"}

    plain, overlapped = matrix(example_run.results / "north"), matrix(results / "qdpx")
    gained = {k: overlapped[k] - plain[k] for k in plain if overlapped[k] != plain[k]}
    assert gained == {("T01", "T05"): 1, ("T05", "T01"): 1, ("T05", "T05"): 1}

    segments = _rows(results / "qdpx" / "anonymised" / "segments.csv")
    assert all(r["source"].startswith("S") and r["source"][1:].isdigit() for r in segments)
    assert all(r["start"].isdigit() and r["end"].isdigit() for r in segments)
    table = _rows(example_run.results / "north" / "anonymised" / "segments.csv")
    assert all(r["source"] == r["start"] == r["end"] == "" for r in table)

    roster = _rows(EXAMPLE / "roster.csv")
    with zipfile.ZipFile(drop / "diary_segments.qdpx") as archive:
        qde = archive.read("project.qde").decode("utf-8")
    names = re.findall(r'<TextSource[^>]*\bname="([^"]+)"', qde)
    assert names and all("@" in n for n in names)  # the exporter names sources by reference
    needles = {r["participant_ref"].lower() for r in roster} | set(names)
    needles |= {part for r in roster for part in r["name"].split()}
    # Every file written by either run: the exports' and the example's.
    folders = [w / d for w in (workdir, example_run.workdir) for d in ("results", ".snakemake")]
    written = [p for d in folders for p in d.rglob("*") if p.is_file()]
    assert written
    for path in written:
        data = path.read_bytes().decode("utf-8", errors="replace")
        found = [n for n in needles if n in data]
        assert not found, (path, found)
