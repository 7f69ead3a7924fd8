"""Importers for qualitative-analysis (QDA) tool exports: REFI-QDA projects (``.qdpx``), the
QualCoder coding report CSV and the Taguette highlights CSV, into the canonical
``diary_segments`` table of the data contract.

Pure functions: they take the file's bytes or decoded text and a display name, never touch the
file system, and raise :class:`DropError` with a message a non-programmer can act on. Segment
text, participant references and coder names are personal data and never appear in messages.
"""

from __future__ import annotations

import csv
import io as _io
import math
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cohort_eval.config import Codebook
from cohort_eval.errors import ConfigError, DropError
from cohort_eval.text import column_key, normalise

SEGMENT_COLUMNS = ["participant_ref", "entry_date", "code", "segment", "coder", "exemplar"]
POSITION_COLUMNS = ["source", "start", "end"]  # extra columns where positions exist
# Tools have no "exemplar quote" flag: researchers mark a quote with a code of this name
# (unless the codebook has such a code), which flags the selection's other codings.
EXEMPLAR_CODE = "exemplar"

MAPPING_NAME = "qda_codes.csv"
MANIFEST_NAME = "qda_sources.csv"
PROJECT_NAMESPACE = "urn:QDA-XML:project:1.0"

_CHUNK = 1 << 16
_RATIO_FLOOR = 1 << 20  # members smaller than this are too small to be a compression bomb
_SHOW = 10  # items listed in one message before "and N more"
_ISO_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?"
)
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")
_XML_DECLARATION = re.compile(rb"""^<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_NON_TEXT_SOURCES = {"PictureSource", "PDFSource", "AudioSource", "VideoSource"}


@dataclass(frozen=True)
class QdpxSettings:
    """How sources are tied to participants and dates, and the archive safety limits."""

    source_pattern: str | None = None  # regex with named groups participant_ref and/or entry_date
    date_variable: str | None = None  # name of a source variable holding the entry date
    max_member_bytes: int = 50_000_000  # per uncompressed member
    max_total_bytes: int = 200_000_000  # all uncompressed members
    max_ratio: int = 100  # compression ratio above which a member is refused (zip bomb)


DEFAULT_SETTINGS = QdpxSettings()


# --------------------------------------------------------------------------- shared helpers


def guid_key(value: str | None) -> str:
    """A GUID as compared: trimmed, without braces, lower case."""
    return (value or "").strip().strip("{}").strip().lower()


def _cell(value: Any) -> str:
    """A table cell as trimmed text; missing values become ''."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value).strip()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _listing(items: list[str]) -> str:
    """Items joined with '; ', cut after a few with 'and N more'."""
    shown = "; ".join(items[:_SHOW])
    return shown + (f"; and {len(items) - _SHOW} more" if len(items) > _SHOW else "")


def _entry_date(value: str) -> str:
    """A date as written, except that an ISO date-time is cut to its date."""
    value = value.strip()
    match = _ISO_DATETIME.fullmatch(value)
    return match.group(1) if match else value


def _segment(text: str) -> str:
    """Coded text as stored: Windows line ends read as '\\n', outer whitespace removed."""
    return text.replace("\r\n", "\n").strip()


def _table_columns(
    frame: pd.DataFrame, name: str, wanted: list[str], required: list[str]
) -> dict[str, Any]:
    """Columns of a drop table by :func:`column_key`; DropError naming any required one missing."""
    found: dict[str, Any] = {}
    for column in frame.columns:
        key = column_key(column)
        for want in wanted:
            if key == column_key(want) and want not in found:
                found[want] = column
    missing = [w for w in required if w not in found]
    if missing:
        raise DropError(
            f"{name}: no column {', '.join(missing)}; expected the columns {', '.join(wanted)} "
            f"(found: {', '.join(str(c) for c in frame.columns) or 'none'})."
        )
    return found


def _mapping_keys(mapping: pd.DataFrame | None, codebook: Codebook) -> dict[str, str]:
    """Normalised tool code name or GUID -> codebook code id, from ``qda_codes.csv``."""
    if mapping is None:
        return {}
    cols = _table_columns(mapping, MAPPING_NAME, ["qda_code", "code"], ["qda_code", "code"])
    keys: dict[str, str] = {}
    for row, qda_value, code_value in zip(
        mapping.index, mapping[cols["qda_code"]], mapping[cols["code"]], strict=True
    ):
        qda, code = _cell(qda_value), _cell(code_value)
        if not qda and not code:
            continue
        if not qda:
            raise DropError(
                f"{MAPPING_NAME} row {row}: qda_code is empty; expected a code's name (or GUID) "
                "as it is in the QDA tool."
            )
        if not code:
            raise DropError(
                f"{MAPPING_NAME} row {row}: code is empty for qda_code '{qda}'; expected a code "
                "id, label or alias from config/codebook.yaml."
            )
        target = codebook.keys.get(normalise(code))
        if target is None:
            raise DropError(
                f"{MAPPING_NAME} row {row}: code '{code}' (for qda_code '{qda}') is not a code "
                "id, label or alias in config/codebook.yaml; correct it, or add it to the "
                "aliases of the right code."
            )
        for key in {normalise(qda), guid_key(qda)}:
            if keys.get(key, target) != target:
                raise DropError(
                    f"{MAPPING_NAME} row {row}: qda_code '{qda}' is mapped to both {keys[key]} "
                    f"and {target}; keep one row for it."
                )
            keys[key] = target
    return keys


def _resolve_code(keys: dict[str, str], codebook: Codebook, name: str, guid: str = "") -> str:
    """Codebook id of a tool code: mapping by GUID, mapping by name, codebook keys; '' if none."""
    for key in (guid_key(guid), normalise(name)):
        if key and key in keys:
            return keys[key]
    return codebook.keys.get(normalise(name), "")


def _unmapped_error(name: str, unmapped: Counter[str], has_mapping: bool) -> DropError:
    listed = _listing(
        [f"'{code}' ({_plural(n, 'coding')})" for code, n in sorted(unmapped.items())]
    )
    where = f"config/codebook.yaml or {MAPPING_NAME}" if has_mapping else "config/codebook.yaml"
    return DropError(
        f"{name}: {_plural(len(unmapped), 'code')} used in the coding match no code in {where}: "
        f"{listed}. Add a row for each to {MAPPING_NAME} (columns qda_code = the name in the "
        "tool, code = the codebook id), or add the name to the aliases of the right code in "
        "config/codebook.yaml."
    )


def _manifest_keys(manifest: pd.DataFrame | None) -> dict[str, tuple[str, str]]:
    """Normalised source name -> (participant_ref, entry_date) from ``qda_sources.csv``."""
    if manifest is None:
        return {}
    wanted = ["source", "participant_ref", "entry_date"]
    cols = _table_columns(manifest, MANIFEST_NAME, wanted, ["source"])
    if len(cols) == 1:
        raise DropError(
            f"{MANIFEST_NAME}: no column participant_ref or entry_date; expected the columns "
            f"{', '.join(wanted)}."
        )
    out: dict[str, tuple[str, str]] = {}
    for row in manifest.index:
        values = {w: _cell(manifest.at[row, c]) for w, c in cols.items()}
        source = values["source"]
        value = (values.get("participant_ref", ""), values.get("entry_date", ""))
        if not source:
            if any(value):
                raise DropError(
                    f"{MANIFEST_NAME} row {row}: source is empty; expected a source (document) "
                    "name exactly as it is in the QDA tool."
                )
            continue
        key = normalise(source)
        if out.get(key, value) != value:
            raise DropError(
                f"{MANIFEST_NAME} row {row}: source '{source}' is listed more than once with "
                "different values; keep one row for it."
            )
        out[key] = value
    return out


def _pattern(settings: QdpxSettings) -> re.Pattern[str] | None:
    """The compiled ``source_pattern``; ConfigError if it is unusable."""
    if not settings.source_pattern:
        return None
    try:
        pattern = re.compile(settings.source_pattern)
    except re.error as err:
        raise ConfigError(
            f"qda setting source_pattern '{settings.source_pattern}' is not a valid regular "
            f"expression ({err})."
        ) from None
    if not {"participant_ref", "entry_date"} & set(pattern.groupindex):
        raise ConfigError(
            f"qda setting source_pattern '{settings.source_pattern}' has no named group; add "
            "(?P<participant_ref>...) and/or (?P<entry_date>...)."
        )
    return pattern


def _from_pattern(pattern: re.Pattern[str] | None, source: str) -> dict[str, str]:
    """Named groups of ``pattern`` matched against the whole source name (or it without its
    file extension)."""
    if pattern is None:
        return {}
    for candidate in (source, _EXTENSION.sub("", source)):
        match = pattern.fullmatch(candidate)
        if match:
            return {k: v.strip() for k, v in match.groupdict().items() if v}
    return {}


@dataclass
class _Place:
    """Where a source's participant and date come from."""

    manifest: dict[str, tuple[str, str]]
    pattern: re.Pattern[str] | None

    def of(self, source: str, participant: str = "", date: str = "") -> tuple[str, str]:
        """(participant_ref, entry_date): manifest first, then the tool's own, then the pattern."""
        listed = self.manifest.get(normalise(source), ("", ""))
        groups = _from_pattern(self.pattern, source)
        ref = listed[0] or participant or groups.get("participant_ref", "")
        when = listed[1] or date or groups.get("entry_date", "")
        return ref.strip(), _entry_date(when)


def _unplaced_error(
    name: str, missing: list[tuple[str, bool, bool]], ways: str, names: dict[str, str]
) -> DropError:
    """Sources are named by position in the message (their names may name people); the
    terminal note, never logged, gives their names."""
    what = []
    for source, no_participant, no_date in missing:
        lacks = [w for w, m in (("participant", no_participant), ("entry date", no_date)) if m]
        what.append(f"{source} (no {' and no '.join(lacks)})")
    note = "; ".join(f"{shown} is '{names[shown]}'" for shown, _, _ in missing)
    return DropError(
        f"{name}: {_plural(len(missing), 'source')} with coded text cannot be tied to a "
        f"participant and an entry date: {_listing(what)}. Give them in one of these ways: "
        f"{ways}",
        f"({note})",
    )


def _frame(rows: list[tuple[Any, ...]], columns: list[str], report: dict[str, int]) -> pd.DataFrame:
    """The output table: index 1..n named 'row', the counts in ``attrs['report']``."""
    frame = pd.DataFrame(rows, columns=columns, dtype=object)
    for column in columns:
        if column in ("start", "end"):
            frame[column] = frame[column].astype("int64")
        else:
            frame[column] = frame[column].astype(str)
    frame.index = pd.Index(range(1, len(frame) + 1), name="row", dtype="int64")
    report["rows"] = len(frame)
    frame.attrs["report"] = report
    return frame


# --------------------------------------------------------------------------- archive


def _local(tag: Any) -> str:
    """An element's name without its namespace."""
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _kids(element: ET.Element, name: str) -> list[ET.Element]:
    return [child for child in element if _local(child.tag) == name]


def _kid(element: ET.Element, name: str) -> ET.Element | None:
    found = _kids(element, name)
    return found[0] if found else None


def _unsafe_path(path: str) -> bool:
    """True for a member path that is absolute or climbs out of the archive."""
    flat = path.replace("\\", "/")
    return (
        flat.startswith("/")
        or bool(re.match(r"^[A-Za-z]:", flat))
        or ".." in flat.split("/")
        or "\x00" in flat
    )


def _decode(data: bytes, where: str, what: str) -> str:
    """Text of an archive member: a BOM wins, then an XML encoding declaration, then UTF-8."""
    boms = {b"\xef\xbb\xbf": "utf-8-sig", b"\xff\xfe": "utf-16", b"\xfe\xff": "utf-16"}
    codec = next((c for bom, c in boms.items() if data.startswith(bom)), "")
    if not codec:
        declared = _XML_DECLARATION.match(data)
        codec = declared.group(1).decode("ascii") if declared else "utf-8"
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        raise DropError(
            f"{where}: cannot read {what} as {codec} text; a REFI-QDA project stores its XML and "
            "source texts as UTF-8. Export the project again from the QDA tool."
        ) from None


class _Archive:
    """A checked ``.qdpx`` zip: members are read in chunks under hard size caps."""

    def __init__(self, data: bytes, name: str, settings: QdpxSettings) -> None:
        self.name = name
        self.settings = settings
        self.used = 0
        try:
            self.zip = zipfile.ZipFile(_io.BytesIO(data))
            infos = self.zip.infolist()
        except (
            zipfile.BadZipFile,
            zipfile.LargeZipFile,
            ValueError,
            OSError,
            EOFError,
            NotImplementedError,
        ):
            raise DropError(
                f"{name}: not a REFI-QDA project; a .qdpx file is a zip archive and this file "
                "is not a readable zip. Export the project from the QDA tool as a REFI-QDA "
                "project (.qdpx)."
            ) from None
        total = 0
        for info in infos:
            if _unsafe_path(info.filename):
                raise DropError(
                    f"{name}: the archive member '{info.filename}' has a path that would leave "
                    "the archive (absolute, or containing '..'); the file is refused and nothing "
                    "was read from it. Export the project again from the QDA tool."
                )
            self._check_size(info, info.file_size)
            total += info.file_size
        if total > settings.max_total_bytes:
            raise DropError(
                f"{name}: the archive would unpack to {total:,} bytes, more than the limit of "
                f"{settings.max_total_bytes:,} (four times limits: max_file_mb); the file is "
                "refused. Export only the diary project, or raise the limit if the project "
                "really is that big."
            )
        self.members = {i.filename.replace("\\", "/"): i for i in infos if not i.is_dir()}
        self.base, self.qde = self._find_project()
        self.sources: dict[str, zipfile.ZipInfo] = {}
        for path, info in self.members.items():
            if not path.startswith(self.base):
                continue
            folder, _, rest = path[len(self.base) :].partition("/")
            if folder.lower() == "sources" and rest:
                self.sources[rest] = info

    def _check_size(self, info: zipfile.ZipInfo, size: int, reading: bool = False) -> None:
        """DropError if a member is (declared or found while reading) too big or too packed."""
        limits = self.settings
        amount = f"unpacks to at least {size:,} bytes" if reading else f"declares {size:,} bytes"
        if size > limits.max_member_bytes:
            raise DropError(
                f"{self.name}: the archive member '{info.filename}' {amount} unpacked, more than "
                f"the limit of {limits.max_member_bytes:,} (limits: max_file_mb); the file is "
                "refused."
            )
        if size >= _RATIO_FLOOR and size > limits.max_ratio * max(info.compress_size, 1):
            raise DropError(
                f"{self.name}: the archive member '{info.filename}' {amount} unpacked from "
                f"{info.compress_size:,} compressed, a compression ratio above the limit of "
                f"{limits.max_ratio} (max_ratio); the file is refused as a possible zip bomb."
            )

    def _find_project(self) -> tuple[str, str]:
        found = [p for p in self.members if p.rsplit("/", 1)[-1].lower() == "project.qde"]
        top = [p for p in found if "/" not in p]
        if len(top) == 1 or (not top and len(found) == 1):
            path = (top or found)[0]
            return path[: len(path) - len("project.qde")], path
        if not found:
            raise DropError(
                f"{self.name}: the archive has no project.qde; a REFI-QDA project (.qdpx) holds "
                "project.qde and a sources folder. Export the whole project as REFI-QDA, not "
                "only its codebook (.qdc)."
            )
        raise DropError(
            f"{self.name}: the archive holds {len(found)} project.qde files "
            f"({', '.join(sorted(found))}); expected one. Export one project per file."
        )

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """A member's bytes, refused as soon as it passes a size or ratio limit."""
        chunks: list[bytes] = []
        size = 0
        try:
            with self.zip.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    size += len(chunk)
                    self._check_size(info, size, reading=True)
                    if self.used + size > self.settings.max_total_bytes:
                        raise DropError(
                            f"{self.name}: the archive unpacks to more than the limit of "
                            f"{self.settings.max_total_bytes:,} bytes (four times limits: "
                            "max_file_mb); the file is refused."
                        )
                    chunks.append(chunk)
        except (zipfile.BadZipFile, RuntimeError, NotImplementedError, OSError, EOFError) as err:
            raise DropError(
                f"{self.name}: cannot read the archive member '{info.filename}' ({err}); the "
                "archive is damaged, password-protected or uses an unsupported compression. "
                "Export the project again."
            ) from None
        except zlib.error as err:
            raise DropError(
                f"{self.name}: the archive member '{info.filename}' is damaged ({err}). "
                "Export the project again."
            ) from None
        self.used += size
        return b"".join(chunks)

    def project(self) -> ET.Element:
        """The parsed project.qde, refusing DTDs (no external entities, no entity expansion)."""
        text = _decode(self.read(self.members[self.qde]), self.name, self.qde)
        if _DTD.search(text):
            raise DropError(
                f"{self.name}: {self.qde} contains a DOCTYPE or ENTITY declaration, which is "
                "refused: it could make the file read other files (external entities) or expand "
                "without limit ('billion laughs'). A REFI-QDA project never needs one; export it "
                "again from the QDA tool."
            )
        try:
            root = ET.fromstring(text)
        except ET.ParseError as err:
            raise DropError(
                f"{self.name}: {self.qde} is not well-formed XML ({err}). Export the project again."
            ) from None
        if _local(root.tag) != "Project":
            raise DropError(
                f"{self.name}: {self.qde} has the root element <{_local(root.tag)}>; expected "
                f"<Project> (namespace {PROJECT_NAMESPACE}). A codebook-only export has no coded "
                "text; export the whole project."
            )
        return root

    def source_text(self, path: str, source: str) -> str:
        """Text of ``internal://<path>``, from the sources folder (any case)."""
        if _unsafe_path(path) or not path:
            raise DropError(
                f"{self.name}: {source} names its text internal://{path}, a path that "
                "would leave the archive's sources folder; the file is refused."
            )
        info = self.sources.get(path)
        if info is None:
            near = [k for k in self.sources if k.lower() == path.lower()]
            info = self.sources[near[0]] if len(near) == 1 else None
        if info is None:
            raise DropError(
                f"{self.name}: source '{source}' keeps its text in internal://{path}, but the "
                f"archive has no sources/{path}. Export the project again with its sources."
            )
        return _decode(self.read(info), self.name, info.filename)


def _text_of(source: ET.Element, archive: _Archive, label: str) -> str:
    """Plain text of a TextSource: PlainTextContent, or its internal:// file."""
    content = _kid(source, "PlainTextContent")
    if content is not None:
        return content.text or ""
    path = (source.get("plainTextPath") or "").strip()
    if not path:
        raise DropError(
            f"{archive.name}: {label} has coded selections but no plain text (no "
            "plainTextPath or PlainTextContent). Export the project again with its sources."
        )
    scheme, sep, rest = path.partition("://")
    if sep and scheme.lower() == "internal":
        return archive.source_text(rest, label)
    raise DropError(
        f"{archive.name}: {label} keeps its text outside the archive ({scheme}://…); "
        "only sources stored inside the .qdpx (internal://) can be read. Export the project "
        "with its sources embedded."
    )


def _position(selection: ET.Element, attr: str, where: str) -> int:
    value = (selection.get(attr) or "").strip()
    if not re.fullmatch(r"\d+", value):
        raise DropError(
            f"{where}: {attr} '{value}' is not a whole number; expected a character position "
            "(0 = the first character)."
        )
    return int(value)


def _user(element: ET.Element, users: dict[str, str]) -> str:
    for attr in ("creatingUser", "modifyingUser"):
        key = guid_key(element.get(attr))
        if key and key in users:
            return users[key]
    return ""


def _variable_values(element: ET.Element, variables: dict[str, str]) -> dict[str, str]:
    """Normalised variable name -> value written, for the VariableValues of an element."""
    out: dict[str, str] = {}
    for holder in _kids(element, "VariableValue"):
        ref = _kid(holder, "VariableRef")
        variable = variables.get(guid_key(ref.get("targetGUID") if ref is not None else ""))
        values = [c for c in holder if _local(c.tag).endswith("Value")]
        if variable and values:
            out[normalise(variable)] = (values[0].text or "").strip()
    return out


def read_qdpx(
    data: bytes,
    name: str,
    codebook: Codebook,
    mapping: pd.DataFrame | None = None,
    manifest: pd.DataFrame | None = None,
    settings: QdpxSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Coded text segments of a REFI-QDA project (``.qdpx``): one row per Coding of a
    PlainTextSelection, with SEGMENT_COLUMNS + POSITION_COLUMNS."""
    codes_by_key = _mapping_keys(mapping, codebook)
    place = _Place(_manifest_keys(manifest), _pattern(settings))
    date_key = normalise(settings.date_variable) if settings.date_variable else ""
    archive = _Archive(data, name, settings)
    root = archive.project()

    users = {
        guid_key(u.get("guid")): (u.get("name") or u.get("id") or "").strip()
        for u in root.iter()
        if _local(u.tag) == "User"
    }
    codes: dict[str, str] = {}
    for book in _kids(root, "CodeBook"):
        for code in book.iter():
            if _local(code.tag) == "Code" and guid_key(code.get("guid")):
                codes[guid_key(code.get("guid"))] = (code.get("name") or "").strip()
    variables = {
        guid_key(v.get("guid")): (v.get("name") or "").strip()
        for v in root.iter()
        if _local(v.tag) == "Variable"
    }
    case_names: dict[str, set[str]] = {}
    case_dates: dict[str, str] = {}
    for case in (c for c in root.iter() if _local(c.tag) == "Case"):
        refs = [guid_key(r.get("targetGUID")) for r in _kids(case, "SourceRef")]
        case_name = (case.get("name") or "").strip()
        for ref in refs:
            if case_name:
                case_names.setdefault(ref, set()).add(case_name)
        value = _variable_values(case, variables).get(date_key) if date_key else None
        if value and len(set(refs)) == 1:
            case_dates.setdefault(refs[0], value)

    report = dict.fromkeys(
        [
            "sources",
            "selections",
            "codings",
            "annotations_skipped",
            "non_code_refs_skipped",
            "source_codings_skipped",
            "non_text_sources_skipped",
        ],
        0,
    )
    report["non_text_sources_skipped"] = sum(
        1 for el in root.iter() if _local(el.tag) in _NON_TEXT_SOURCES
    )
    unmapped: Counter[str] = Counter()
    missing: list[tuple[str, bool, bool]] = []
    shown_names: dict[str, str] = {}
    rows: list[tuple[Any, ...]] = []
    for source in (el for el in root.iter() if _local(el.tag) == "TextSource"):
        report["sources"] += 1
        source_guid = guid_key(source.get("guid"))
        label = (source.get("name") or "").strip() or (source.get("guid") or "(no name)")
        shown = f"source {report['sources']} of the project"
        shown_names[shown] = label
        selections = _kids(source, "PlainTextSelection")
        report["selections"] += len(selections)
        report["source_codings_skipped"] += len(_kids(source, "Coding"))
        coded = [s for s in selections if _kids(s, "Coding")]
        report["annotations_skipped"] += len(selections) - len(coded)
        if not coded:
            continue
        text = _text_of(source, archive, shown)
        pending: list[tuple[int, int, str, str]] = []
        marked: set[tuple[int, int]] = set()
        for selection in coded:
            where = f"{name}: {shown}, selection {selection.get('guid') or '(no guid)'}"
            start = _position(selection, "startPosition", where)
            end = _position(selection, "endPosition", where)
            if start > end or end > len(text):
                problem = (
                    "starts after it ends"
                    if start > end
                    else f"ends after the end of its text ({len(text)} characters)"
                )
                raise DropError(
                    f"{where}: startPosition {start}, endPosition {end} {problem}; expected "
                    f"0 <= startPosition <= endPosition <= {len(text)}. The project and its "
                    "source text do not match: export the project again."
                )
            for coding in _kids(selection, "Coding"):
                report["codings"] += 1
                coder = _user(coding, users) or _user(selection, users)
                for ref in _kids(coding, "CodeRef"):
                    target = guid_key(ref.get("targetGUID"))
                    if target not in codes:
                        report["non_code_refs_skipped"] += 1
                        continue
                    code = _resolve_code(codes_by_key, codebook, codes[target], target)
                    if not code and normalise(codes[target]) == EXEMPLAR_CODE:
                        marked.add((start, end))
                        continue
                    if not code:
                        unmapped[codes[target] or target] += 1
                        continue
                    pending.append((start, end, code, coder))
        if not pending:
            continue
        names = case_names.get(source_guid, set())
        if len(names) > 1 and not place.manifest.get(normalise(label), ("", ""))[0]:
            raise DropError(
                f"{name}: {shown} belongs to {len(names)} Cases with different names, "
                "so its participant is unclear. List the source in "
                f"{MANIFEST_NAME} (columns source, participant_ref, entry_date)."
            )
        own_date = ""
        if date_key:
            own_date = _variable_values(source, variables).get(date_key) or case_dates.get(
                source_guid, ""
            )
        participant, date = place.of(label, next(iter(names), ""), own_date)
        if not participant or not date:
            missing.append((shown, not participant, not date))
            continue
        for start, end, code, coder in pending:
            segment = _segment(text[start:end])
            flag = "true" if (start, end) in marked else ""
            rows.append((participant, date, code, segment, coder, flag, label, start, end))
    if unmapped:
        raise _unmapped_error(name, unmapped, mapping is not None)
    if missing:
        raise _unplaced_error(
            name,
            missing,
            f"list them in {MANIFEST_NAME} (columns source, participant_ref, entry_date); or in "
            "the QDA tool point a Case named after the participant at the source and give the "
            "source a variable named as date_variable holding the entry date; or set "
            "source_pattern to a regular expression with the named groups participant_ref and "
            "entry_date, matched against the whole source name.",
            shown_names,
        )
    rows.sort(key=lambda r: (r[0], r[1], r[6], r[7], r[8], r[2], r[4]))
    return _frame(rows, SEGMENT_COLUMNS + POSITION_COLUMNS, report)


# --------------------------------------------------------------------------- CSV exports


def _csv_records(text: str, name: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (first line number, cells) of each non-empty record of a CSV text."""
    reader = csv.reader(_io.StringIO(text.lstrip("\ufeff"), newline=""))
    records: list[tuple[int, list[str]]] = []
    try:
        header = next(reader, [])
        line = reader.line_num
        for cells in reader:
            if any(c.strip() for c in cells):
                records.append((line + 1, cells))
            line = reader.line_num
    except csv.Error as err:
        raise DropError(f"{name}: not a readable CSV file ({err}).") from None
    if not any(h.strip() for h in header):
        raise DropError(f"{name}: the first row is empty; expected the header row.")
    return [h.strip() for h in header], records


def _csv_index(header: list[str]) -> dict[str, int]:
    """column_key of each header cell -> its first position."""
    index: dict[str, int] = {}
    for i, cell in enumerate(header):
        index.setdefault(column_key(cell), i)
    return index


def _get(cells: list[str], i: int | None) -> str:
    return cells[i] if i is not None and i < len(cells) else ""


def _segments_from_items(
    items: list[tuple[int, str, str, str, str, str]],
    name: str,
    codebook: Codebook,
    mapping: pd.DataFrame | None,
    manifest: pd.DataFrame | None,
    settings: QdpxSettings,
    ways: str,
    report: dict[str, int],
) -> pd.DataFrame:
    """Rows from (line, document, code name, text, coder, date from a variable) items."""
    codes_by_key = _mapping_keys(mapping, codebook)
    place = _Place(_manifest_keys(manifest), _pattern(settings))
    unmapped: Counter[str] = Counter()
    missing: dict[str, tuple[str, bool, bool]] = {}
    shown_names: dict[str, str] = {}
    rows: list[tuple[Any, ...]] = []
    for line, document, code_name, text, coder, own_date in items:
        code = _resolve_code(codes_by_key, codebook, code_name)
        if not code:
            unmapped[code_name] += 1
            continue
        participant, date = place.of(document, "", own_date)
        if not participant or not date:
            shown = f"document {len(shown_names) + 1} of the file"
            if document not in missing:
                shown_names[shown] = document
                missing[document] = (shown, not participant, not date)
            continue
        rows.append((participant, date, code, _segment(text), coder.strip(), "", document, line))
    if unmapped:
        raise _unmapped_error(name, unmapped, mapping is not None)
    if missing:
        raise _unplaced_error(name, list(missing.values()), ways, shown_names)
    rows.sort(key=lambda r: (r[0], r[1], r[6], r[7]))
    return _frame([r[:6] for r in rows], SEGMENT_COLUMNS, report)


def _require(
    index: dict[str, int], names: list[str], name: str, what: str, header: list[str]
) -> None:
    """DropError naming the CSV columns that are missing."""
    missing = [n for n in names if column_key(n) not in index]
    if missing:
        raise DropError(
            f"{name}: no column {', '.join(missing)}; this does not look like {what} "
            f"(found: {', '.join(header)})."
        )


def read_qualcoder_csv(
    text: str,
    name: str,
    codebook: Codebook,
    mapping: pd.DataFrame | None = None,
    manifest: pd.DataFrame | None = None,
    settings: QdpxSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Coded text segments of a QualCoder coding report CSV (columns File/case, Coder, Coded,
    Id, Codename, Coded_Memo, Category…, FileVar_…, CaseVar_…); SEGMENT_COLUMNS only."""
    header, records = _csv_records(text, name)
    index = _csv_index(header)
    file_col = next((index[k] for k in ("file/case", "file", "file case") if k in index), None)
    expected = (
        "a QualCoder coding report; expected the columns File/case, Coder, Coded, Id, "
        "Codename, Coded_Memo (Reports > Coding reports, export as CSV)"
    )
    if file_col is None:
        _require(index, ["File/case"], name, expected, header)
    _require(index, ["Coded", "Codename"], name, expected, header)
    date_col = (
        index.get(column_key("FileVar_" + settings.date_variable))
        if settings.date_variable
        else None
    )
    report = {"records": len(records), "non_text_skipped": 0}
    items: list[tuple[int, str, str, str, str, str]] = []
    for line, cells in records:
        coding_id = _get(cells, index.get("id")).strip().lower()
        if coding_id.startswith(("imid:", "avid:")):
            report["non_text_skipped"] += 1
            continue
        document = _get(cells, file_col).strip()
        code_name = _get(cells, index["codename"]).strip()
        if not document or not code_name:
            empty = "File/case" if not document else "Codename"
            raise DropError(
                f"{name}: line {line}: {empty} is empty; expected the file name and the code "
                "name of each coded segment."
            )
        items.append(
            (
                line,
                document,
                code_name,
                _get(cells, index["coded"]),
                _get(cells, index.get("coder")),
                _get(cells, date_col),
            )
        )
    ways = (
        f"list them in {MANIFEST_NAME} (columns source = the file name, participant_ref, "
        "entry_date); or give each file a file variable named as date_variable and export it "
        "with the report (FileVar_ column) for the date; or set source_pattern to a regular "
        "expression with the named groups participant_ref and entry_date, matched against the "
        "whole file name."
    )
    return _segments_from_items(items, name, codebook, mapping, manifest, settings, ways, report)


def read_taguette_csv(
    text: str,
    name: str,
    codebook: Codebook,
    mapping: pd.DataFrame | None = None,
    manifest: pd.DataFrame | None = None,
    settings: QdpxSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Coded text segments of a Taguette highlights CSV (columns id, document, tag, content;
    one row per highlight and tag); SEGMENT_COLUMNS only. Untagged highlights are skipped."""
    header, records = _csv_records(text, name)
    index = _csv_index(header)
    _require(
        index,
        ["document", "tag", "content"],
        name,
        "a Taguette highlights export; expected the columns id, document, tag, content "
        "(Highlights > Export this view > CSV)",
        header,
    )
    report = {"records": len(records), "untagged_skipped": 0}
    items: list[tuple[int, str, str, str, str, str]] = []
    for line, cells in records:
        tag = _get(cells, index["tag"]).strip()
        if not tag:
            report["untagged_skipped"] += 1
            continue
        document = _get(cells, index["document"]).strip()
        if not document:
            raise DropError(
                f"{name}: line {line}: document is empty; expected the document name of each "
                "highlight."
            )
        items.append(
            (
                line,
                document,
                tag,
                _get(cells, index["content"]),
                _get(cells, index.get("coder")),
                "",
            )
        )
    ways = (
        f"list them in {MANIFEST_NAME} (columns source = the document name, participant_ref, "
        "entry_date); or set source_pattern to a regular expression with the named groups "
        "participant_ref and entry_date, matched against the whole document name."
    )
    return _segments_from_items(items, name, codebook, mapping, manifest, settings, ways, report)
