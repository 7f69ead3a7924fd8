"""Re-express a canonical ``diary_segments`` table as a REFI-QDA project (``.qdpx``).

Used by the simulator to produce QDA-tool style drops. The output is byte-deterministic: GUIDs
are uuid5 of fixed keys and zip members carry a fixed timestamp. Some GUIDs are written in
upper case with braces, and source texts use Windows line ends, on purpose, so that
:func:`cohort_eval.qda.read_qdpx` is exercised on both.
"""

from __future__ import annotations

import io as _io
import uuid
import xml.etree.ElementTree as ET
import zipfile
from datetime import datetime
from typing import Any

import pandas as pd

from cohort_eval.config import Codebook
from cohort_eval.errors import DropError
from cohort_eval.qda import EXEMPLAR_CODE, PROJECT_NAMESPACE, QdpxSettings
from cohort_eval.text import normalise, normalise_ref

DATE_VARIABLE = "entry_date"
SOURCE_PATTERN = r"(?P<participant_ref>.+)_(?P<entry_date>\d{4}-\d{2}-\d{2})"
# Settings that read an exported project back without a manifest.
ROUND_TRIP_SETTINGS = QdpxSettings(source_pattern=SOURCE_PATTERN, date_variable=DATE_VARIABLE)

_NAMESPACE = uuid.UUID("0b7d3c52-6f1e-5a8b-9c4d-2e6f8a1b3c5d")
_SEPARATOR = "\r\n\r\n"
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def _guid(*parts: str) -> str:
    """Deterministic lower-case GUID of a key."""
    return str(uuid.uuid5(_NAMESPACE, "\x1f".join(parts)))


def _loud(guid: str) -> str:
    """The same GUID as some tools write it: upper case, in braces."""
    return "{" + guid.upper() + "}"


def _tag(name: str) -> str:
    """Element names stay unqualified: the root declares the default namespace (ElementTree's
    default_namespace option refuses unqualified attribute names)."""
    return name


def _text(value: Any) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return ""
    return str(value).strip()


def _iso_date(value: str, date_format: str | None, row: Any) -> str:
    """A date as YYYY-MM-DD, read with ``date_format`` or as YYYY-MM-DD."""
    for fmt in ([date_format] if date_format else []) + ["%Y-%m-%d"]:
        try:
            return datetime.strptime(value, fmt).date().isoformat()
        except ValueError:
            continue
    accepted = "YYYY-MM-DD" + (f" or the date_format '{date_format}'" if date_format else "")
    raise DropError(f"segments row {row}: entry_date '{value}' is not a date; expected {accepted}.")


def _zip_member(archive: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    archive.writestr(info, data)


def qdpx_from_segments(
    segments: pd.DataFrame, codebook: Codebook, date_format: str | None = None
) -> bytes:
    """A REFI-QDA project holding ``segments``: one TextSource per (participant, entry date),
    one Case per participant, one PlainTextSelection + Coding per row."""
    entries: dict[tuple[str, str], list[tuple[str, str, str, bool]]] = {}
    coders: list[str] = []
    for row in segments.index:
        participant = normalise_ref(_text(segments.at[row, "participant_ref"]))
        date = _iso_date(_text(segments.at[row, "entry_date"]), date_format, row)
        written = _text(segments.at[row, "code"])
        code = codebook.keys.get(normalise(written))
        if code is None:
            raise DropError(
                f"segments row {row}: code '{written}' is not a code id, label or alias in "
                "config/codebook.yaml."
            )
        coder = _text(segments.at[row, "coder"]) if "coder" in segments.columns else ""
        if coder and coder not in coders:
            coders.append(coder)
        text = _text(segments.at[row, "segment"]).replace("\r\n", "\n").replace("\n", "\r\n")
        flag = _text(segments.at[row, "exemplar"]) if "exemplar" in segments.columns else ""
        exemplar = normalise(flag) in ("true", "yes", "y", "1")
        entries.setdefault((participant, date), []).append((code, text, coder, exemplar))

    user_guids = {c: _guid("user", c) for c in coders}
    code_guids = {c.id: _guid("code", c.id) for c in codebook.codes}
    variable_guid = _guid("variable", DATE_VARIABLE)
    source_guids = {key: _guid("source", *key) for key in entries}

    root = ET.Element(
        _tag("Project"),
        {"xmlns": PROJECT_NAMESPACE, "name": "cohort-eval diaries", "origin": "cohort-eval"},
    )
    if coders:
        users = ET.SubElement(root, _tag("Users"))
        for coder in coders:
            ET.SubElement(users, _tag("User"), {"guid": user_guids[coder], "name": coder})
    codes = ET.SubElement(ET.SubElement(root, _tag("CodeBook")), _tag("Codes"))
    parents: dict[str, ET.Element] = {}
    for i, code in enumerate(codebook.codes):
        if code.kind not in parents:
            parents[code.kind] = ET.SubElement(
                codes,
                _tag("Code"),
                {"guid": _guid("kind", code.kind), "name": code.kind, "isCodable": "false"},
            )
        guid = code_guids[code.id]
        ET.SubElement(
            parents[code.kind],
            _tag("Code"),
            {"guid": _loud(guid) if i % 2 else guid, "name": code.id, "isCodable": "true"},
        )
    exemplar_guid = _guid("code", EXEMPLAR_CODE)
    ET.SubElement(
        codes, _tag("Code"), {"guid": exemplar_guid, "name": "Exemplar", "isCodable": "true"}
    )
    variables = ET.SubElement(root, _tag("Variables"))
    ET.SubElement(
        variables,
        _tag("Variable"),
        {"guid": variable_guid, "name": DATE_VARIABLE, "typeOfVariable": "Date"},
    )
    cases = ET.SubElement(root, _tag("Cases"))
    case_elements: dict[str, ET.Element] = {}
    for i, (participant, date) in enumerate(entries):
        if participant not in case_elements:
            case_elements[participant] = ET.SubElement(
                cases, _tag("Case"), {"guid": _guid("case", participant), "name": participant}
            )
        guid = source_guids[(participant, date)]
        ET.SubElement(
            case_elements[participant],
            _tag("SourceRef"),
            {"targetGUID": _loud(guid) if i % 2 else guid},
        )

    sources = ET.SubElement(root, _tag("Sources"))
    files: list[tuple[str, bytes]] = []
    for (participant, date), items in entries.items():
        guid = source_guids[(participant, date)]
        source = ET.SubElement(
            sources,
            _tag("TextSource"),
            {
                "guid": guid,
                "name": f"{participant}_{date}",
                "plainTextPath": f"internal://{guid}.txt",
            },
        )
        position = 0
        for k, (code, text, coder, exemplar) in enumerate(items):
            if k:
                position += len(_SEPARATOR)
            start, position = position, position + len(text)
            attrs = {
                "guid": _loud(_guid("selection", participant, date, str(k))),
                "startPosition": str(start),
                "endPosition": str(position),
            }
            coding_attrs = {"guid": _guid("coding", participant, date, str(k))}
            if coder:
                attrs["creatingUser"] = _loud(user_guids[coder])
                coding_attrs["creatingUser"] = user_guids[coder]
            selection = ET.SubElement(source, _tag("PlainTextSelection"), attrs)
            coding = ET.SubElement(selection, _tag("Coding"), coding_attrs)
            ET.SubElement(coding, _tag("CodeRef"), {"targetGUID": code_guids[code]})
            if exemplar:
                coding_attrs["guid"] = _guid("exemplar", participant, date, str(k))
                marker = ET.SubElement(selection, _tag("Coding"), coding_attrs)
                ET.SubElement(marker, _tag("CodeRef"), {"targetGUID": exemplar_guid})
        value = ET.SubElement(source, _tag("VariableValue"))
        ET.SubElement(value, _tag("VariableRef"), {"targetGUID": _loud(variable_guid)})
        ET.SubElement(value, _tag("DateValue")).text = date
        body = _SEPARATOR.join(item[1] for item in items)
        files.append((f"sources/{guid}.txt", body.encode("utf-8")))

    ET.indent(root)
    xml = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    buffer = _io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        _zip_member(archive, "project.qde", xml)
        for member, data in files:
            _zip_member(archive, member, data)
    return buffer.getvalue()
