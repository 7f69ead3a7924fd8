"""Check published results against their provenance record: ``make verify COHORT=<id>``.

Re-hashes every file under ``results/<cohort>/`` and compares it with the checksums recorded
when the results were published; prints what differs and exits 1 if anything does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cohort_eval import io, provenance


def verify(folder: str | Path) -> list[str]:
    """Differences between a published folder and its record ([] when they match)."""
    folder = Path(folder)
    record_path = folder / provenance.RECORD
    if not record_path.exists():
        return [f"{record_path}: no provenance record; is {folder} a published cohort?"]
    record = io.read_json(record_path)
    found = io.folder_checksums(folder, skip=(provenance.RECORD, provenance.CRATE))
    return provenance.compare(record, found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m cohort_eval.verify",
        description="Re-hash a cohort's published results against its provenance record.",
    )
    parser.add_argument("folders", nargs="+", help="published cohort folders, e.g. results/example")
    args = parser.parse_args(argv)
    failed = False
    for folder in args.folders:
        problems = verify(folder)
        if problems:
            failed = True
            print(f"{folder}: {len(problems)} difference(s) from its provenance record:")
            print("\n".join(f"  {p}" for p in problems))
        else:
            record = io.read_json(Path(folder) / provenance.RECORD)
            print(
                f"{folder}: all {len(record['outputs'])} files match the record of run "
                f"{record['run_id']}."
            )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
