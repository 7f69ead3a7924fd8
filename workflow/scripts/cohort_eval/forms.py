"""Which files of a drop hold each raw input, in each of the forms it may take (the reading
itself is :mod:`cohort_eval.sources`). Light on purpose: Snakemake imports it at every start."""

from __future__ import annotations

from pathlib import Path

from cohort_eval.contract import RAW_INPUTS

CALENDAR_FOLDER = "calendars"
CALENDAR_SUFFIXES = (".csv", ".ics")
QDA_FILES = {
    "diary_segments.qdpx": "qdpx",
    "diary_segments_qualcoder.csv": "qualcoder",
    "diary_segments_taguette.csv": "taguette",
}
QDA_MAPPING = "qda_codes.csv"
QDA_MANIFEST = "qda_sources.csv"


def candidates(name: str) -> list[str]:
    """Names (relative to the drop) under which raw input ``name`` may be found."""
    spec = RAW_INPUTS[name]
    names = [f"{name}{suffix}" for suffix in spec.suffixes]
    if name == "activity_diary":
        names.append(CALENDAR_FOLDER)
    if name == "diary_segments":
        names += list(QDA_FILES)
    return names


def companions(name: str) -> list[str]:
    """Optional files read together with raw input ``name`` when it is a tool's export."""
    return [QDA_MAPPING, QDA_MANIFEST] if name == "diary_segments" else []


def form_of(path: str | Path) -> str:
    """``table``, ``calendars``, ``qdpx``, ``qualcoder`` or ``taguette``."""
    path = Path(path)
    if path.name == CALENDAR_FOLDER:
        return "calendars"
    return QDA_FILES.get(path.name, "table")


def calendar_files(folder: str | Path) -> list[Path]:
    """The calendar files of a ``calendars/`` folder, in name order."""
    folder = Path(folder)
    return sorted(
        p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in CALENDAR_SUFFIXES
    )


def calendar_label(k: int, n: int) -> str:
    """How calendar file ``k`` (1-based, name order) of ``n`` is named in messages and logs."""
    return f"calendars file {k} of {n}"


def calendar_note(path: str | Path, message: str) -> str:
    """Which file each ``calendars file k of n`` in ``message`` is: for the terminal only."""
    path = Path(path)
    if form_of(path) != "calendars" or not path.is_dir():
        return ""
    files = calendar_files(path)
    named = [
        f"{calendar_label(k, len(files))} is {CALENDAR_FOLDER}/{p.name}"
        for k, p in enumerate(files, start=1)
        if calendar_label(k, len(files)) in message
    ]
    return ("(" + "; ".join(named) + ")") if named else ""


def checked_files(path: str | Path, extra: list[str] | None = None) -> list[str]:
    """The files whose checksum a validation marker records for one raw input."""
    path = Path(path)
    files = [str(p) for p in calendar_files(path)] if path.is_dir() else [str(path)]
    return files + [str(p) for p in (extra or [])]
