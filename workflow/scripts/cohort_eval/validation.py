"""Validation of one raw input of a drop: headers first, then rows, each by its suites."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cohort_eval.checks import ROW_FRAMES, CohortContext, column_params, row_params
from cohort_eval.contract import InputSpec
from cohort_eval.guard import Outcome, Suite, run_suites
from cohort_eval.parse import canonical_columns, classify_headers


@dataclass
class Report:
    """Everything the validation of one file found, ready to be written as JSON."""

    input: str
    file: str
    sha256: str
    rows: int = 0
    error: str | None = None  # a problem found before any suite could run (e.g. encoding)
    companions: list[str] = field(default_factory=list)  # files read with it (checksummed too)
    size: int | None = None  # bytes of the checksummed files
    imported: dict[str, Any] = field(default_factory=dict)  # an importer's counts
    outcomes: list[Outcome] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def success(self) -> bool:
        return self.error is None and all(o.success for o in self.outcomes)

    @property
    def messages(self) -> list[str]:
        return ([self.error] if self.error else []) + [m for o in self.outcomes for m in o.messages]

    @property
    def warnings(self) -> list[str]:
        return [w for o in self.outcomes for w in o.warnings]

    def to_dict(self) -> dict[str, Any]:
        return {
            "input": self.input,
            "file": self.file,
            "companions": self.companions,
            "sha256": self.sha256,
            "rows": self.rows,
            "imported": self.imported,
            "success": self.success,
            "messages": self.messages,
            "warnings": self.warnings,
            "skipped_suites": self.skipped,
            "suites": [
                {
                    "suite": o.suite,
                    "success": o.success,
                    "evaluated": o.evaluated,
                    "met": o.met,
                    "result": o.result,
                }
                for o in self.outcomes
            ],
        }

    def marker(self) -> dict[str, Any]:
        """The short record a passed check leaves for downstream rules and auditors."""
        return {
            "input": self.input,
            "file": self.file,
            "companions": self.companions,
            "sha256": self.sha256,
            "size": self.size,
            "rows": self.rows,
            "imported": self.imported,
            "warnings": self.warnings,
            "suites": {o.suite: {"evaluated": o.evaluated, "met": o.met} for o in self.outcomes},
        }


def validate_raw_input(
    spec: InputSpec,
    raw: pd.DataFrame,
    file_name: str,
    sha256: str,
    ctx: CohortContext,
    suites: list[Suite],
) -> Report:
    """Run the header suite on the header cells, then, if it passes, the row suites."""
    report = Report(input=spec.name, file=file_name, sha256=sha256, rows=len(raw))
    positions = raw.attrs.get("column_numbers")
    headers = classify_headers(list(raw.columns), spec, ctx.instrument, positions)
    below = header_below(raw, headers, spec, ctx)
    if below is not None:
        report.error = (
            f"{file_name}: row 1 is not the header row: it names none of the expected columns, "
            f"and row {below} looks like the header. Delete the rows above the header (a title "
            "or notes), so that the header is row 1."
        )
        return report
    frames: dict[str, pd.DataFrame] = {"columns": headers}
    params = column_params(spec, ctx.instrument)
    header_suites = [s for s in suites if s.frame == "columns"]
    report.outcomes += run_suites(header_suites, frames, params, file_name)
    row_suites = [s for s in suites if s.frame != "columns"]
    if not report.success:
        report.skipped = [s.name for s in row_suites]
        return report
    table = canonical_columns(raw, headers)
    frames.update(ROW_FRAMES[spec.kind](table, ctx))
    params.update(row_params(spec, ctx))
    report.outcomes += run_suites(row_suites, frames, params, file_name)
    return report


TITLE_ROWS = 10  # rows searched for a header that a title or notes pushed down


def header_below(
    raw: pd.DataFrame, headers: pd.DataFrame, spec: InputSpec, ctx: CohortContext
) -> int | None:
    """The spreadsheet row of the real header when row 1 names no expected column (a title
    row above the header): the first of the next rows that names participant_ref and one
    other expected column. None when row 1 is a header or no such row follows."""
    if headers["kind"].isin(["column", "statement"]).any():
        return None
    for number, cells in raw.head(TITLE_ROWS).iterrows():
        named = classify_headers([str(c) for c in cells], spec, ctx.instrument)["canonical"]
        if "participant_ref" in set(named) and named.notna().sum() >= 2:
            return int(number)
    return None
