"""Typed views of the study configuration files (instrument, codebook, activities)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from cohort_eval.errors import ConfigError
from cohort_eval.text import normalise


@dataclass(frozen=True)
class Statement:
    id: str
    domain: str
    text: str


@dataclass(frozen=True)
class Instrument:
    """The Likert scale and the statements of the pre/post survey."""

    scale_min: int
    scale_max: int
    labels: dict[str, int]  # normalised label or alias -> score
    point_labels: dict[int, str]  # score -> the label as written
    domains: list[str]
    statements: list[Statement]
    domain_labels: dict[str, str] = field(default_factory=dict)  # domain id -> printed name
    finance_statements: list[str] = field(default_factory=list)

    @property
    def statement_ids(self) -> list[str]:
        return [s.id for s in self.statements]

    def header_keys(self) -> dict[str, str]:
        """Normalised statement id or text -> statement id."""
        keys: dict[str, str] = {}
        for s in self.statements:
            keys[normalise(s.id)] = s.id
            keys[normalise(s.text)] = s.id
        return keys


@dataclass(frozen=True)
class Code:
    id: str
    kind: str
    label: str


@dataclass(frozen=True)
class Codebook:
    stages: dict[str, tuple[int, int]]  # stage id -> (first month, last month)
    codes: list[Code]
    keys: dict[str, str]  # normalised id, label or alias -> code id


@dataclass(frozen=True)
class Activities:
    keys: dict[str, str]  # normalised id, label or alias -> category id
    labels: dict[str, str]  # category id -> label
    leave: frozenset[str]  # category ids that are leave


def _unique_keys(items: list[tuple[str, str]], what: str) -> dict[str, str]:
    keys: dict[str, str] = {}
    for name, target in items:
        key = normalise(name)
        if key in keys and keys[key] != target:
            raise ConfigError(f"{what}: '{name}' names both {keys[key]} and {target}")
        keys[key] = target
    return keys


def load_instrument(raw: dict[str, Any]) -> Instrument:
    """Build an :class:`Instrument` from the parsed ``instrument.yaml``."""
    scale = raw["scale"]
    pairs: list[tuple[str, int]] = []
    point_labels: dict[int, str] = {}
    scores = [int(point["score"]) for point in scale["points"]]
    if len(set(scores)) != len(scores):
        raise ConfigError(f"instrument: a scale score is listed twice in {scores}")
    for point in scale["points"]:
        score = int(point["score"])
        point_labels[score] = point["label"]
        for name in [str(score), point["label"], *point.get("aliases", [])]:
            pairs.append((name, score))
    labels = {k: int(v) for k, v in _unique_keys([(n, str(s)) for n, s in pairs], "scale").items()}
    if sorted(point_labels) != list(range(int(scale["min"]), int(scale["max"]) + 1)):
        raise ConfigError(
            f"instrument: scale points {sorted(point_labels)} must be every score from "
            f"min {scale['min']} to max {scale['max']}, once each"
        )
    domains = [d["id"] for d in raw["domains"]]
    if len(set(domains)) != len(domains):
        raise ConfigError("instrument: domain ids must be unique")
    statements = [Statement(s["id"], s["domain"], s["text"]) for s in raw["statements"]]
    for s in statements:
        if s.domain not in domains:
            raise ConfigError(f"instrument: statement {s.id} has unknown domain '{s.domain}'")
    _unique_keys(
        [(s.id, s.id) for s in statements] + [(s.text, s.id) for s in statements], "instrument"
    )
    if len({s.id for s in statements}) != len(statements):
        raise ConfigError("instrument: statement ids must be unique")
    unknown = set(raw.get("finance_statements", [])) - {s.id for s in statements}
    if unknown:
        raise ConfigError(
            f"instrument: finance_statements names unknown statements {sorted(unknown)}"
        )
    return Instrument(
        scale_min=int(scale["min"]),
        scale_max=int(scale["max"]),
        labels=labels,
        point_labels=point_labels,
        domains=domains,
        statements=statements,
        domain_labels={d["id"]: d["label"] for d in raw["domains"]},
        finance_statements=list(raw.get("finance_statements", [])),
    )


def load_codebook(raw: dict[str, Any]) -> Codebook:
    """Build a :class:`Codebook` from the parsed ``codebook.yaml``."""
    if len({s["id"] for s in raw["stages"]}) != len(raw["stages"]):
        raise ConfigError("codebook: stage ids must be unique")
    stages = {s["id"]: (int(s["months"][0]), int(s["months"][1])) for s in raw["stages"]}
    check_ranges(list(stages.items()), "codebook stages")
    codes = [Code(c["id"], c["kind"], c["label"]) for c in raw["codes"]]
    names = []
    for c in raw["codes"]:
        names += [(c["id"], c["id"]), (c["label"], c["id"])]
        names += [(a, c["id"]) for a in c.get("aliases", [])]
    if len({c.id for c in codes}) != len(codes):
        raise ConfigError("codebook: code ids must be unique")
    return Codebook(stages=stages, codes=codes, keys=_unique_keys(names, "codebook"))


def check_ranges(ranges: list[tuple[str, tuple[int, int]]], what: str) -> None:
    """Month ranges must be ordered, each first <= last, and must follow on without overlap."""
    previous = 0
    for name, (first, last) in ranges:
        if first > last:
            raise ConfigError(f"{what}: {name} starts in month {first}, after its end {last}")
        if first != previous + 1:
            raise ConfigError(
                f"{what}: {name} starts in month {first}; expected month {previous + 1} "
                "(ranges must follow on from each other without gaps or overlap)"
            )
        previous = last


def load_activities(raw: dict[str, Any]) -> Activities:
    """Build :class:`Activities` from the parsed ``activities.yaml``."""
    ids = [c["id"] for c in raw["categories"]]
    if len(set(ids)) != len(ids):
        raise ConfigError("activities: category ids must be unique")
    names = []
    for c in raw["categories"]:
        names += [(c["id"], c["id"]), (c["label"], c["id"])]
        names += [(a, c["id"]) for a in c.get("aliases", [])]
    return Activities(
        keys=_unique_keys(names, "activities"),
        labels={c["id"]: c["label"] for c in raw["categories"]},
        leave=frozenset(c["id"] for c in raw["categories"] if c["leave"]),
    )


COHORT_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
RESERVED_IDS = ("summary",)


def check_cohort_ids(ids: list[Any]) -> None:
    """ConfigError naming the first cohort id that cannot name results/<cohort> and a
    Snakemake wildcard value (the schema says the same, less plainly)."""
    for cohort in ids:
        if not isinstance(cohort, str) or not COHORT_ID.fullmatch(cohort):
            raise ConfigError(
                f"cohorts: the cohort id '{cohort}' is not allowed; expected lower-case letters "
                "a-z, digits 0-9, '_' and '-', starting with a letter or digit, e.g. "
                "'north-2024' (the id names the folder results/<cohort>)."
            )
        if cohort in RESERVED_IDS:
            raise ConfigError(
                f"cohorts: the cohort id '{cohort}' is reserved for the cross-cohort summary "
                "(results/summary); choose another id."
            )
