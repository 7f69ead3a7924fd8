"""All file reading and writing of the package: decoding, CSV/XLSX/YAML/JSON, checksums."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io as _io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterable
from itertools import compress
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from cohort_eval.errors import DropError

# pandas is imported where it is used: Snakemake imports this module at every start.
if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

# libyaml's loader when PyYAML has it (its wheels do): the same safe loading, ten times faster.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_UMASK = os.umask(0)
os.umask(_UMASK)
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_files(paths: Iterable[str | Path]) -> str:
    """One SHA-256 over several files, in the order given (names and contents)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(Path(path).name.encode())
        digest.update(b"\0")
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def sha256_checked(files: list[str]) -> str:
    """The checksum a validation marker records: of the file, or over several files."""
    return sha256_file(files[0]) if len(files) == 1 else sha256_files(files)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:,.1f} MB" if size >= 100_000 else f"{size:,} bytes"


def check_size(path: str | Path, limit: int | None, name: str | None = None) -> None:
    """DropError when a drop file is larger than ``limit`` bytes (None: no limit), before any
    of it is read: an oversized file is a wrong file or an attack, and parsing it could
    exhaust memory. ``name`` replaces the path in the message (calendar files)."""
    size = Path(path).stat().st_size
    if limit is not None and size > limit:
        raise DropError(
            f"{name or path}: the file is {_megabytes(size)}, larger than the limit of "
            f"{_megabytes(limit)} (limits: max_file_mb in the configuration); it was not read. "
            "Check that it is the right file, or raise the limit."
        )


def read_bytes(path: str | Path, limit: int | None = None, name: str | None = None) -> bytes:
    """The bytes of a drop file, refused when larger than ``limit`` bytes."""
    path = Path(path)
    if not path.exists():
        raise DropError(f"{name or path}: file not found")
    check_size(path, limit, name)
    return path.read_bytes()


def _codec_name(encoding: str) -> str:
    try:
        return codecs.lookup(encoding).name
    except LookupError:
        return encoding


def decode_text(data: bytes, name: str, encoding: str | None = None) -> str:
    """Decode a text file: a BOM wins, then the declared encoding, then UTF-8."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            enc = codec
            break
    else:
        enc = encoding or "utf-8"
    if b"\x00" in data and not _codec_name(enc).startswith(("utf-16", "utf-32")):
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise DropError(
            f"{name}: the file holds NUL bytes (the first on line {line}), as UTF-16 text saved "
            f"without a byte order mark does; it cannot be read as {enc} text. Save it as UTF-8 "
            "(in Excel: 'CSV UTF-8'), or declare its encoding in drop.yaml, e.g. "
            "'encoding: utf-16-le'."
        )
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise DropError(
            f"{name}: cannot read the file as {enc} text (byte 0x{data[err.start]:02x} on line "
            f"{line}). Save it as UTF-8 (in Excel: 'CSV UTF-8'), or declare its encoding in "
            f"drop.yaml, e.g. 'encoding: cp1252'."
        ) from None
    except LookupError:
        raise DropError(
            f"drop.yaml: unknown encoding '{enc}' declared for {name}; use a Python codec name "
            f"such as utf-8, cp1252 or utf-16."
        ) from None
    return text


KEY_VARIABLE = "COHORT_EVAL_KEY"
KEY_FILE_VARIABLE = "COHORT_EVAL_KEY_FILE"
KEY_MIN_LENGTH = 16
NO_KEY = (
    "No pseudonymisation key. Set the environment variable COHORT_EVAL_KEY to a secret of at "
    "least 16 characters, or COHORT_EVAL_KEY_FILE to the path of a file holding it. Keep the "
    "key outside the drop, outside git and outside results/; the same key gives the same "
    "pseudonyms across reruns and cohorts. For the bundled example only: "
    "COHORT_EVAL_KEY_FILE=resources/demo.key (make run sets it)."
)


def read_key(environ: dict[str, str]) -> bytes:
    """The pseudonymisation key from COHORT_EVAL_KEY, or the file named by COHORT_EVAL_KEY_FILE."""
    from cohort_eval.errors import ConfigError

    if environ.get(KEY_VARIABLE):
        key = environ[KEY_VARIABLE].strip()
        source = KEY_VARIABLE
    elif environ.get(KEY_FILE_VARIABLE):
        path = Path(environ[KEY_FILE_VARIABLE])
        try:
            key = path.read_text(encoding="utf-8").strip()
        except OSError as err:
            raise ConfigError(f"{KEY_FILE_VARIABLE}: cannot read {path}: {err.strerror}") from None
        source = f"the file {path}"
    else:
        raise ConfigError(NO_KEY)
    if len(key) < KEY_MIN_LENGTH:
        raise ConfigError(f"the key in {source} is shorter than {KEY_MIN_LENGTH} characters")
    return key.encode("utf-8")


def key_id(key: bytes) -> str:
    """A short one-way fingerprint of the key: changes when the key does, reveals nothing."""
    return hashlib.sha256(b"cohort-eval key id\0" + key).hexdigest()[:12]


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file (safe loader)."""
    with open(path, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=SAFE_LOADER)


def read_drop_settings(path: str | Path | None) -> dict[str, Any]:
    """The optional ``drop.yaml`` of a drop as a dict ({} when absent or empty)."""
    if not path:
        return {}
    data = read_yaml(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise DropError(
            f"{Path(path).name}: expected a mapping of settings, got {type(data).__name__}"
        )
    return data


def read_raw_table(
    path: str | Path, encoding: str | None = None, limit: int | None = None
) -> pd.DataFrame:
    """Read a CSV or XLSX drop file with every cell as text (refused when larger than ``limit``
    bytes, before it is parsed).

    Returns a DataFrame whose columns are the header cells exactly as written (duplicates kept,
    made distinct only by position) and whose index is the spreadsheet row number (header = 1).
    Rows and unnamed columns that are entirely empty (spreadsheet artefacts) are dropped;
    ``frame.attrs["column_numbers"]`` keeps the spreadsheet column number of each column.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise DropError(f"{path}: file not found")
    check_size(path, limit)
    if path.stat().st_size == 0:
        raise DropError(f"{path}: the file is empty; expected a header row and data rows.")
    if path.suffix.lower() == ".xlsx":
        rows = _read_xlsx_rows(path, limit)
    else:
        text = decode_text(path.read_bytes(), str(path), encoding)
        try:
            rows = list(csv.reader(_io.StringIO(text, newline="")))
        except csv.Error as err:
            raise DropError(f"{path}: not a readable CSV file ({err}).") from None
    # Cells are text here (CSV reader, _xlsx_cell); a row is empty when its joined cells are
    # only whitespace. Written for large drops: one pass per row, no per-cell Python work.
    if not rows or not "".join(rows[0]).strip():
        raise DropError(f"{path}: the first row is empty; expected the header row.")
    width = max(map(len, rows))
    if any(len(r) != width for r in rows):
        rows = [r + [""] * (width - len(r)) for r in rows]
    header = [h.strip() for h in rows[0]]
    body = rows[1:]
    filled = [bool("".join(r).strip()) for r in body]
    keep = [i for i, h in enumerate(header) if h or any(r[i].strip() for r in body)]
    numbers = [i + 2 for i, f in enumerate(filled) if f]
    body = list(compress(body, filled))
    frame = pd.DataFrame(
        body if len(keep) == width else [[r[i] for i in keep] for r in body],
        columns=pd.Index([header[i] for i in keep], dtype=object),
        index=pd.Index(numbers, name="row", dtype="int64"),
        dtype=object,
    )
    frame.attrs["column_numbers"] = [i + 1 for i in keep]
    return frame


# An .xlsx is a zip: its members are checked before openpyxl unpacks them (zip bombs).
XLSX_MAX_RATIO = 100
_RATIO_FLOOR = 1 << 20  # members smaller than this cannot be a meaningful bomb
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*\bref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')


def _check_xlsx_archive(path: Path, limit: int | None) -> None:
    """DropError for an .xlsx that is not a zip, or that would unpack to more than 4 x
    ``limit`` bytes or from a member packed more than XLSX_MAX_RATIO times."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,
    ):
        raise DropError(
            f"{path}: not a readable Excel .xlsx file (an .xlsx is a zip archive and this is "
            "not one). Save it again from Excel as 'Excel Workbook (.xlsx)', or as CSV UTF-8."
        ) from None
    total = sum(m.file_size for m in members)
    packed = [
        m
        for m in members
        if m.file_size >= _RATIO_FLOOR and m.file_size > XLSX_MAX_RATIO * max(m.compress_size, 1)
    ]
    if packed or (limit is not None and total > 4 * limit):
        raise DropError(
            f"{path}: the workbook would unpack to {_megabytes(total)}"
            + (f", packed more than {XLSX_MAX_RATIO} times" if packed else "")
            + "; it is refused as a possible zip bomb. Save the data again from Excel, or as "
            "CSV UTF-8."
        )


def _merged_header_cells(path: Path, sheet_path: str) -> list[str]:
    """Merged ranges of a worksheet that include its first row, e.g. ['A1:B1']."""
    with zipfile.ZipFile(path) as archive:
        try:
            xml = archive.read(sheet_path)
        except KeyError:
            return []
    found = []
    for first_col, first_row, last_col, last_row in _MERGE.findall(xml):
        if int(first_row) <= 1:
            end = f":{last_col.decode()}{last_row.decode()}" if last_col else ""
            found.append(f"{first_col.decode()}{first_row.decode()}{end}")
    return found


def _read_xlsx_rows(path: Path, limit: int | None = None) -> list[list[Any]]:
    import openpyxl

    _check_xlsx_archive(path, limit)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many types for a broken file
        raise DropError(f"{path}: not a readable Excel .xlsx file ({err}).") from None
    try:
        return _sheet_rows(path, book)
    except DropError:
        raise
    except Exception as err:  # read-only sheets are parsed while they are read
        raise DropError(f"{path}: not a readable Excel .xlsx file ({err}).") from None
    finally:
        book.close()


def _sheet_rows(path: Path, book: Any) -> list[list[Any]]:
    """The first sheet's rows; DropError if another sheet holds data or header cells are
    merged."""
    if not book.worksheets:
        raise DropError(f"{path}: the workbook has no worksheet; expected the data on one.")
    sheet = book.worksheets[0]
    rows = [[_xlsx_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    others = [
        f"sheet {k} ('{_shown(other.title)}')"
        for k, other in enumerate(book.worksheets[1:], start=2)
        if any(_xlsx_cell(v).strip() for r in other.iter_rows(values_only=True) for v in r)
    ]
    if others:
        raise DropError(
            f"{path}: data on more than one sheet: sheet 1 ('{_shown(sheet.title)}') is read, "
            f"and {', '.join(others)} also {'holds' if len(others) == 1 else 'hold'} data that "
            "would be ignored. Keep the data on the first sheet only: delete or empty the "
            "other sheets."
        )
    merged = _merged_header_cells(path, _sheet_member(book, sheet))
    if merged:
        raise DropError(
            f"{path}: merged cells in the header row ({', '.join(merged)}); expected one "
            "header cell per column. Unmerge them and give each column its own header."
        )
    return rows


def _sheet_member(book: Any, sheet: Any) -> str:
    """The archive member of a read-only worksheet (openpyxl keeps it privately)."""
    return str(getattr(sheet, "_worksheet_path", "xl/worksheets/sheet1.xml")).lstrip("/")


_PERSONAL_TEXT = re.compile(r"@|\d[\d ]{5,}\d")


def _shown(title: str) -> str:
    """A sheet name as a message may print it (hidden if it looks like personal data)."""
    return "not shown: looks like personal data" if _PERSONAL_TEXT.search(title) else title


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "date") and hasattr(value, "hour"):
        return (
            value.date().isoformat() if (value.hour, value.minute) == (0, 0) else value.isoformat()
        )
    return str(value)


def read_json(path: str | Path) -> Any:
    """Parse a JSON file."""
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def read_csv(path: str | Path, dtype: dict[str, str] | None = None) -> pd.DataFrame:
    """Read a CSV written by this pipeline (UTF-8, header row), with optional column dtypes."""
    import pandas as pd

    return pd.read_csv(path, encoding="utf-8", dtype=dtype)


def json_text(data: Any) -> str:
    """JSON as this pipeline writes it: UTF-8, indented, keys in insertion order."""
    return json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"


def write_json(data: Any, path: str | Path) -> None:
    """Write JSON (UTF-8, indented, keys in insertion order) atomically."""
    write_text(json_text(data), path)


def write_text(text: str, path: str | Path) -> None:
    """Write text atomically: a temporary file in the same folder, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_yaml(data: Any, path: str | Path, comment: str = "") -> None:
    """Write YAML (keys in insertion order) atomically, under an optional comment line."""
    header = f"# {comment}\n" if comment else ""
    write_text(header + yaml.safe_dump(data, sort_keys=False, allow_unicode=True), path)


# A cell starting with one of these is run as a formula by Excel and LibreOffice when a CSV is
# opened (CSV injection): =HYPERLINK(...) can send data away, =cmd|... could start programs.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, made plain text by a leading
    apostrophe (the OWASP advice); numbers written as text, such as -1.5, are left alone."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with :func:`neutralise` applied to every text cell (a copy if any changed)."""
    import pandas as pd

    out = frame
    for i in range(frame.shape[1]):
        column = frame.iloc[:, i]
        if pd.api.types.is_numeric_dtype(column.dtype):
            continue
        mapped = column.map(neutralise)
        if not mapped.equals(column):
            out = out.copy() if out is frame else out
            out.isetitem(i, mapped)
    return out


def write_csv(frame: pd.DataFrame, path: str | Path) -> None:
    """Write a DataFrame as UTF-8 CSV with '\\n' line ends, without the index; text cells that
    a spreadsheet would run as formulas are neutralised first."""
    write_text(neutralised(frame).to_csv(index=False, lineterminator="\n"), path)


def write_bytes(data: bytes, path: str | Path) -> None:
    """Write bytes atomically: a temporary file in the same folder, then a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, 0o666 & ~_UMASK)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_figure(fig: Figure, path: str | Path, *, dpi: int = 150) -> None:
    """Save a matplotlib figure as PNG or SVG (by suffix), byte-identical on reruns, and close it.

    No date in the metadata and a fixed ``svg.hashsalt`` (SVG element ids are random
    otherwise); the creator names cohort-eval and the matplotlib version.
    """
    import sys

    import matplotlib

    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    creator = f"cohort-eval (matplotlib {matplotlib.__version__})"
    if fmt == "svg":
        metadata: dict[str, Any] = {"Date": None, "Creator": creator}
    elif fmt == "png":
        metadata = {"Software": creator}
    else:
        raise ValueError(f"{path}: figures are saved as .png or .svg, not '{path.suffix}'")
    buffer = _io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "cohort-eval", "svg.fonttype": "path"}):
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    write_bytes(buffer.getvalue(), path)
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:  # only pyplot keeps figures alive; importing it here would cost time
        pyplot.close(fig)


VERSIONS = ".versions"


def publish_folder(
    files: dict[str, str | Path], texts: dict[str, str], root: str | Path, name: str, version: str
) -> Path:
    """Publish a cohort's results as a whole: copy ``files`` (relative path -> file) and write
    ``texts`` (relative path -> text) into ``root/.versions/<name>/<version>/``, then switch the
    symlink ``root/<name>`` to it in one atomic rename. Readers see the old results or the new
    ones, never a mixture; a failure before the switch leaves the old ones as they were."""
    import shutil

    root = Path(root)
    final = root / VERSIONS / name / version
    partial = final.with_name(f".{version}.partial")
    if partial.exists():
        shutil.rmtree(partial)
    for relative, source in sorted(files.items()):
        target = partial / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    for relative, text in texts.items():
        write_text(text, partial / relative)
    os.replace(partial, final)
    link = root / name
    if link.exists() and not link.is_symlink():  # results of a run before publication existed
        os.replace(link, root / VERSIONS / name / f"{version}-unpublished")
    staged = root / f".{name}.link"
    staged.unlink(missing_ok=True)
    os.symlink(os.path.relpath(final, root), staged)
    os.replace(staged, link)
    return final


def prune_versions(root: str | Path, name: str, keep: int) -> list[Path]:
    """Delete all but the newest ``keep`` published versions of ``name`` (never the current
    one, nor one being written); return what was deleted."""
    import shutil

    root = Path(root)
    current = (root / name).resolve() if (root / name).is_symlink() else None
    folder = root / VERSIONS / name
    versions = sorted(
        (p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")),
        key=lambda p: p.name,
    )
    removed = [p for p in folder.glob(".*.partial") if p.is_dir()]  # left by a failed copy
    for path in removed:
        shutil.rmtree(path)
    for path in versions[: max(len(versions) - keep, 0)]:
        if path.resolve() != current:
            shutil.rmtree(path)
            removed.append(path)
    return removed


def folder_checksums(folder: str | Path, skip: Iterable[str] = ()) -> dict[str, str]:
    """Relative path -> SHA-256 of every file under ``folder``, except the names in ``skip``."""
    folder = Path(folder)
    skipped = set(skip)
    return {
        p.relative_to(folder).as_posix(): sha256_file(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).as_posix() not in skipped
    }


def git_state(path: str | Path) -> dict[str, Any]:
    """Commit of the checkout holding ``path`` and whether its tracked files differ from it
    (None and None outside a git checkout)."""
    import subprocess

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", *args], cwd=path, capture_output=True, text=True, timeout=30, check=False
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain") if commit else None
    return {"git_commit": commit, "git_dirty": None if status is None else bool(status)}


def command_output(
    args: list[str], timeout: float = 60, environ: dict[str, str] | None = None
) -> str | None:
    """Standard output of a command (e.g. ``sacct``), run with the variables ``environ`` added
    to this process's, or None when it is not installed, fails or takes over ``timeout`` s."""
    import subprocess

    env = {**os.environ, **environ} if environ else None
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, check=False, env=env
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def read_slurm_records(logs: str | Path, suffix: str) -> dict[str, dict[str, str]]:
    """The SLURM job records (files ending in ``suffix``) beside the logs under ``logs``, by
    the path of their log relative to the parent of ``logs``."""
    logs = Path(logs)
    return {
        path.relative_to(logs.parent).as_posix().removesuffix(suffix): read_json(path)
        for path in sorted(logs.rglob(f"*{suffix}"))
    }


RUN_LOCK = Path(".snakemake") / "cohort-eval.lock"
SNAKEMAKE_LOCKS = Path(".snakemake") / "locks"


def claim_run(folder: str | Path) -> tuple[Any, int]:
    """Hold an exclusive lock on ``folder`` (the working directory) for as long as this
    process lives; returns the open lock file (keep it) and the number of Snakemake lock files
    removed as stale.

    The operating system releases the lock when the process ends, also when it is killed
    (SIGKILL, power loss), unlike Snakemake's own lock files. So when the lock is free, no
    run is active here and any Snakemake lock files are left by a killed run: they are
    removed, as ``snakemake --unlock`` would. When it is held, RunError names the holder.
    """
    import datetime
    import fcntl

    from cohort_eval.errors import RunError

    folder = Path(folder)
    path = folder / RUN_LOCK
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(path, "a+", encoding="utf-8")
    except OSError as err:
        raise RunError(f"cannot create the run lock {path}: {err.strerror}") from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        holder = handle.read().strip() or "a run"
        handle.close()
        raise RunError(
            f"another cohort-eval run is active in {folder.resolve()} ({holder}). Only one run "
            "at a time may use a working directory: wait for it to finish, then run again. "
            "This attempt changed nothing."
        ) from None
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    handle.seek(0)
    handle.truncate()
    handle.write(f"process {os.getpid()}, started {started}\n")
    handle.flush()
    stale = [p for p in (folder / SNAKEMAKE_LOCKS).glob("*.lock") if p.is_file()]
    for lock in stale:
        lock.unlink(missing_ok=True)
    return handle, len(stale)


def check_writable(folder: str | Path) -> None:
    """RunError unless a file can be created in ``folder`` (or, if it does not exist yet, in
    the folder that will hold it)."""
    from cohort_eval.errors import RunError

    folder = Path(folder)
    target = folder if folder.exists() else folder.parent
    try:
        with tempfile.TemporaryFile(dir=target, prefix=".writable-"):
            pass
    except OSError as err:
        raise RunError(
            f"cannot write to {folder}/ ({err.strerror}). Make it writable for the user "
            "running the pipeline (or free space on its disk) and run again; results "
            "published earlier are unchanged."
        ) from None
