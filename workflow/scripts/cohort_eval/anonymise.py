"""The anonymisation stage: validated raw tables in, pseudonymised and redacted tables out.

Withdrawn participants are dropped from every table; leave rows of the activity diary are
reduced to a per-participant total; free text is redacted; only pids leave this module.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from cohort_eval.checks import CohortContext, parse_positions
from cohort_eval.contract import RAW_INPUTS
from cohort_eval.parse import (
    blank_to_none,
    canonical_columns,
    classify_headers,
    map_distinct,
    parse_dates,
    parse_likert,
    parse_numbers,
    ref_keys,
    secondment_month,
)
from cohort_eval.redact import PLACEHOLDERS, Redactor, has_nhs_number, person_labels, pseudonyms
from cohort_eval.text import normalise

REDACTION_TYPES = ["name", *PLACEHOLDERS]

COLUMNS = {
    "participants": [
        "pid",
        "sex",
        "profession",
        "role_level",
        "years_registered",
        "leave_hours",
    ],
    "survey": ["pid", "timepoint", "item", "domain", "score", "text"],
    "activities": ["pid", "date", "month", "category", "hours", "description"],
    "segments": ["pid", "entry_date", "month", "code", "kind", "text", "coder", "exemplar"],
}
# Where a coding tool gave positions: a pseudonymous source id (never the document's name,
# which may name a person) and the selection's character positions; empty otherwise.
POSITION_COLUMNS = ["source", "start", "end"]
WRITTEN = {**COLUMNS, "segments": [*COLUMNS["segments"], *POSITION_COLUMNS]}
# Columns checked by the output guard for identifiers: text that came from people, and the
# source ids (a leaked document name would show there).
FREE_TEXT = {
    "participants": ["sex", "profession", "role_level"],
    "survey": ["text"],
    "activities": ["description"],
    "segments": ["text", "coder", "source"],
}
TRUE_VALUES = {"true", "yes", "y", "1"}


@dataclass
class Anonymised:
    """The anonymised tables of one cohort and what it took to make them."""

    tables: dict[str, pd.DataFrame]
    redactions: pd.DataFrame  # file, type, count
    summary: dict[str, Any] = field(default_factory=dict)
    guard: dict[str, pd.DataFrame] = field(default_factory=dict)  # frames for the output guard


def canonical(raw: pd.DataFrame, name: str, ctx: CohortContext) -> pd.DataFrame:
    """A validated raw table with the contract's column names."""
    headers = classify_headers(list(raw.columns), RAW_INPUTS[name], ctx.instrument)
    table = canonical_columns(raw, headers)
    table.index = raw.index
    return table


def _redact_column(values: pd.Series, redactor: Redactor, counts: Counter[str]) -> pd.Series:
    """Redact each distinct text once (diaries repeat themselves), counting every occurrence."""
    text = map_distinct(values, lambda v: v.strip() if isinstance(v, str) and v.strip() else None)
    done: dict[str, str] = {}
    for value, times in text.value_counts().items():
        done[value], found = redactor.redact(value)
        counts.update({kind: n * times for kind, n in found.items()})
    return text.map(done).astype(object)


def source_ids(pids: pd.Series, dates: pd.Series, names: pd.Series) -> pd.Series:
    """Pseudonymous source ids ``S001``, ``S002``, ... numbered in order of (pid, entry date,
    source name), so that the same name for two participants or dates is two sources; missing
    where no source is given. Names compare as :func:`normalise` does."""
    keys = pd.Series(
        [
            (p, f"{d:%Y-%m-%d}", normalise(n)) if isinstance(n, str) else None
            for p, d, n in zip(pids, dates, names, strict=True)
        ],
        index=names.index,
        dtype=object,
    )
    distinct = sorted(set(keys.dropna()))
    width = max(3, len(str(len(distinct))))
    number = {key: f"S{k:0{width}d}" for k, key in enumerate(distinct, start=1)}
    return keys.map(number).astype(object)


def build_redactor(roster: pd.DataFrame, pids: dict[str, str], extra_names: list[str]) -> Redactor:
    """Placeholders ordered by pid (stable across reruns with the same key and roster), then
    the drop's extra names."""
    people = sorted(
        (pids[k], name)
        for k, name in zip(ref_keys(roster["participant_ref"]), roster["name"], strict=True)
        if isinstance(name, str) and name.strip()
    )
    names = [name for _, name in people] + [n for n in extra_names if n.strip()]
    return Redactor(list(zip(person_labels(len(names)), names, strict=True)))


def anonymise(
    raw: dict[str, pd.DataFrame],
    ctx: CohortContext,
    key: bytes,
    pid_digits: int,
    extra_names: list[str],
) -> Anonymised:
    """Pseudonymise, drop withdrawn participants, redact free text, reshape to long tables.

    ``raw`` maps each raw input name to its validated raw table (as read by io).
    """
    roster = canonical(raw["roster"], "roster", ctx)
    keys = ref_keys(roster["participant_ref"])
    pids = pseudonyms(keys, key, pid_digits)
    status = dict(zip(keys, roster["status"].map(normalise), strict=True))
    active = {k for k, s in status.items() if s == "active"}
    redactor = build_redactor(roster, pids, extra_names)
    counts: dict[str, Counter[str]] = {name: Counter() for name in RAW_INPUTS}

    def keep(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
        k = ref_keys(table["participant_ref"])
        mask = k.isin(active)
        return table[mask], k[mask].map(pids)

    tables: dict[str, pd.DataFrame] = {}
    survey, rows_in = [], {}
    for timepoint in ("pre", "post"):
        name = f"survey_{timepoint}"
        table = canonical(raw[name], name, ctx)
        rows_in[name] = len(table)
        table, pid = keep(table)
        domains = {s.id: s.domain for s in ctx.instrument.statements}
        for item, domain in domains.items():
            survey.append(
                pd.DataFrame(
                    {
                        "pid": pid,
                        "timepoint": timepoint,
                        "item": item,
                        "domain": domain,
                        "score": parse_likert(table[item], ctx.instrument),
                        "text": None,
                    }
                )
            )
        for column in [c for c in table.columns if normalise(c).startswith("comment")]:
            text = _redact_column(blank_to_none(table[column]), redactor, counts[name])
            survey.append(
                pd.DataFrame(
                    {
                        "pid": pid,
                        "timepoint": timepoint,
                        "item": column.strip(),
                        "domain": "comment",
                        "score": pd.Series(pd.NA, index=pid.index, dtype="Int64"),
                        "text": text,
                    }
                )[lambda f: f["text"].notna()]
            )
    tables["survey"] = pd.concat(survey, ignore_index=True).astype({"score": "Int64"})

    diary = canonical(raw["activity_diary"], "activity_diary", ctx)
    rows_in["activity_diary"] = len(diary)
    diary, pid = keep(diary)
    category = map_distinct(diary["category"], lambda v: ctx.activities.keys[normalise(v)])
    hours = parse_numbers(diary["hours"])
    dates = parse_dates(diary["date"], ctx.date_format)
    leave = category.isin(ctx.activities.leave)
    leave_hours = hours[leave].groupby(pid[leave]).sum()
    description = (
        diary["description"] if "description" in diary else pd.Series(None, index=diary.index)
    )
    work = ~leave
    tables["activities"] = pd.DataFrame(
        {
            "pid": pid[work],
            "date": dates[work].dt.strftime("%Y-%m-%d"),
            "month": secondment_month(dates[work], ctx.start, ctx.months),
            "category": category[work],
            "hours": hours[work],
            "description": _redact_column(
                blank_to_none(description[work]), redactor, counts["activity_diary"]
            ),
        }
    )

    segments = canonical(raw["diary_segments"], "diary_segments", ctx)
    rows_in["diary_segments"] = len(segments)
    segments, pid = keep(segments)
    code = map_distinct(segments["code"], lambda v: ctx.codebook.keys[normalise(v)])
    kinds = {c.id: c.kind for c in ctx.codebook.codes}
    entry = parse_dates(segments["entry_date"], ctx.date_format)
    coder = segments["coder"] if "coder" in segments else pd.Series(None, index=segments.index)
    exemplar = (
        segments["exemplar"] if "exemplar" in segments else pd.Series("", index=segments.index)
    )
    absent = pd.Series(None, index=segments.index, dtype=object)
    positions = {c: parse_positions(segments.get(c, absent)) for c in ("start", "end")}
    tables["segments"] = pd.DataFrame(
        {
            "pid": pid,
            "entry_date": entry.dt.strftime("%Y-%m-%d"),
            "month": secondment_month(entry, ctx.start, ctx.months),
            "code": code,
            "kind": code.map(kinds),
            "text": _redact_column(segments["segment"], redactor, counts["diary_segments"]),
            "coder": _redact_column(blank_to_none(coder), redactor, counts["diary_segments"]),
            "exemplar": map_distinct(
                exemplar, lambda v: isinstance(v, str) and normalise(v) in TRUE_VALUES
            ).astype(bool),
            "source": source_ids(pid, entry, blank_to_none(segments.get("source", absent))),
            **positions,
        }
    )

    rows_in["roster"] = len(roster)
    members = roster[keys.isin(active).to_numpy()]
    member_pids = ref_keys(members["participant_ref"]).map(pids)
    tables["participants"] = pd.DataFrame(
        {
            "pid": member_pids,
            "sex": members["sex"].str.strip().str.lower(),
            "profession": members["profession"].str.strip().str.lower(),
            "role_level": members["role_level"].str.strip().str.lower(),
            "years_registered": parse_numbers(members["years_registered"]),
            "leave_hours": member_pids.map(leave_hours).fillna(0.0).astype(float),
        }
    )

    order = {
        "participants": ["pid"],
        "survey": ["pid", "timepoint", "domain", "item"],
        "activities": ["pid", "date", "category", "hours"],
        "segments": ["pid", "entry_date", "code"],
    }
    for name, table in tables.items():
        tables[name] = (
            table[WRITTEN[name]].sort_values(order[name], kind="stable").reset_index(drop=True)
        )

    redactions = pd.DataFrame(
        [
            {"file": f"{name}", "type": kind, "count": int(counts[name][kind])}
            for name in RAW_INPUTS
            for kind in REDACTION_TYPES
        ]
    )
    withdrawn = sorted(pids[k] for k, s in status.items() if s != "active")
    summary = {
        "participants_in_roster": len(roster),
        "participants_analysed": len(members),
        "participants_excluded_withdrawn": int(sum(s == "withdrawn" for s in status.values())),
        "rows_in": rows_in,
        "rows_out": {name: len(table) for name, table in tables.items()},
        "leave_rows_removed": int(leave.sum()),
        "redactions": {
            kind: int(sum(c[kind] for c in counts.values())) for kind in REDACTION_TYPES
        },
        "pid_digits": pid_digits,
    }
    guard = guard_frames(tables, redactor, withdrawn)
    return Anonymised(tables=tables, redactions=redactions, summary=summary, guard=guard)


def guard_frames(
    tables: dict[str, pd.DataFrame], redactor: Redactor, withdrawn: list[str]
) -> dict[str, pd.DataFrame]:
    """Check frames for the output guard: every column, every pid and every free-text cell.

    Name checks are done here, at run time, so that no name is ever written into a suite,
    a result or a log: the frames carry only whether a cell still holds one.
    """
    columns = pd.DataFrame(
        [
            {"file": f"{name}.csv", "row": 1, "column": c, "allowed": c in WRITTEN[name]}
            for name, table in tables.items()
            for c in table.columns
        ]
    )
    pid_frames, text_frames = [], []
    for name, table in tables.items():
        rows = pd.Series(range(2, len(table) + 2), index=table.index)
        pid_frames.append(
            pd.DataFrame({"file": f"{name}.csv", "row": rows, "column": "pid", "pid": table["pid"]})
        )
        for column in FREE_TEXT[name]:
            values = table[column]
            present = values.notna()
            unique = {v: redactor.contains_name(v) for v in values[present].unique()}
            text_frames.append(
                pd.DataFrame(
                    {
                        "file": f"{name}.csv",
                        "row": rows[present],
                        "column": column,
                        "value": values[present].astype(str),
                        "has_name": values[present].map(unique).astype(bool),
                        "has_nhs_number": values[present].map(has_nhs_number).astype(bool),
                    }
                )
            )
    pids = pd.concat(pid_frames, ignore_index=True)
    pids["withdrawn"] = pids["pid"].isin(withdrawn)
    return {
        "columns": columns,
        "pids": pids,
        "text": pd.concat(text_frames, ignore_index=True),
    }
