"""Logging for rule scripts: everything to the rule's log file, input problems to the terminal."""

from __future__ import annotations

import errno
import logging
import os
import sys
import traceback
from pathlib import Path
from types import TracebackType

from cohort_eval import io, slurm
from cohort_eval.errors import ConfigError, DropError

# Errors of a disk or folder the run cannot write to: the user can fix these, not the code.
WRITE_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


def cannot_write(error: OSError) -> str:
    """What to tell the user when a file cannot be written (full disk, read-only folder)."""
    target = error.filename2 or error.filename  # a copy names its source first
    where = f"{target}: " if target else ""
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        advice = "Free some space on the disk that holds results/ and run again"
    else:
        advice = "Make results/ writable for the user running the pipeline and run again"
    return (
        f"CANNOT WRITE: {where}{error.strerror}. {advice}; results published earlier are unchanged."
    )


def to_file(path: str | Path) -> logging.Logger:
    """Send logging and uncaught exceptions to ``path``.

    A :class:`DropError` or :class:`ConfigError` is printed to the terminal as its message
    alone (the traceback goes to the log); any other error prints a one-line pointer to the log.
    Either way the process exits 1, as for any uncaught exception.

    Inside a SLURM job, the job's id is noted beside the log (``<log>.slurm.json``) for the
    provenance record; elsewhere a note left there by an earlier run is removed.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        note = path.with_name(path.name + slurm.RECORD_SUFFIX)
        job = slurm.job_record(os.environ)
        if job:
            io.write_json(job, note)
        else:
            note.unlink(missing_ok=True)
        handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    except OSError as err:
        print(f"\n{cannot_write(err)}\n", file=sys.stderr)
        raise SystemExit(1) from None
    # A log that cannot be written (full disk) must not print a traceback of its own.
    logging.raiseExceptions = False
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
    logging.captureWarnings(True)
    terminal = sys.stderr

    def hook(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
        logging.getLogger("cohort_eval").error("".join(traceback.format_exception(kind, error, tb)))
        if isinstance(error, (DropError, ConfigError)):
            note = getattr(error, "terminal_note", "")
            print(f"\nINPUT ERROR: {error}\n{note + chr(10) if note else ''}", file=terminal)
        elif isinstance(error, OSError) and error.errno in WRITE_ERRORS:
            print(f"\n{cannot_write(error)}\n", file=terminal)
        else:
            print(
                f"\nINTERNAL ERROR ({kind.__name__}); details are in {path}\n",
                file=terminal,
            )
        try:
            handler.flush()
        except OSError:  # the log's disk is full: the terminal has the message
            pass

    sys.excepthook = hook
    return logging.getLogger("cohort_eval")
