"""The one module that talks to great-expectations.

Suites are YAML files under ``workflow/suites/``, loaded strictly. Each suite judges one check
frame. Results are kept whole as JSON (minus the offending values of personal-data columns)
and explained as one line per failed expectation: file, rows, column, value, what was expected.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from cohort_eval.errors import ConfigError

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

import great_expectations as gx  # noqa: E402
from great_expectations.data_context.types.base import ProgressBarsConfig  # noqa: E402
from great_expectations.expectations.expectation_configuration import (  # noqa: E402
    ExpectationConfiguration,
)

_SUITE_KEYS = {"name", "description", "frame", "stop_on_failure", "expectations"}
_ITEM_EXTRAS = {"description", "severity", "meta"}
_META_KEYS = {"show", "column", "sensitive", "unit"}
_VALUE_KEYS = ("partial_unexpected_list", "partial_unexpected_counts", "unexpected_list", "details")
_EXAMPLES = 5
_RESULT_FORMAT = {"result_format": "SUMMARY", "partial_unexpected_count": 20}

logging.getLogger("great_expectations").setLevel(logging.WARNING)


@dataclass
class Suite:
    """A loaded suite: the GX suite plus which frame it judges."""

    name: str
    frame: str
    stop_on_failure: bool
    gx_suite: Any
    path: str


@dataclass
class Outcome:
    """What running one suite found."""

    suite: str
    success: bool
    evaluated: int
    met: int
    messages: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)


def load_suite(path: str | Path) -> Suite:
    """Load a suite file; an unknown expectation type or key is an error, never skipped."""
    from cohort_eval.io import read_yaml

    path = Path(path)
    raw = read_yaml(path)
    if not isinstance(raw, dict) or set(raw) - _SUITE_KEYS or not {"name", "frame"} <= set(raw):
        raise ConfigError(
            f"{path}: a suite is a mapping with keys {sorted(_SUITE_KEYS)} "
            "(name and frame required)"
        )
    expectations = []
    for number, item in enumerate(raw.get("expectations") or [], start=1):
        item = dict(item)
        extras = {k: item.pop(k) for k in list(item) if k in _ITEM_EXTRAS}
        if len(item) != 1:
            raise ConfigError(
                f"{path}: expectation {number} must have one expectation type as its key, "
                f"plus only {sorted(_ITEM_EXTRAS)}; found {sorted(item)}"
            )
        meta = extras.get("meta") or {}
        if set(meta) - _META_KEYS:
            raise ConfigError(f"{path}: expectation {number} has unknown meta {sorted(meta)}")
        etype, kwargs = next(iter(item.items()))
        try:
            config = ExpectationConfiguration(type=etype, kwargs=kwargs or {}, **extras)
            expectations.append(config.to_domain_obj())
        except Exception as err:
            raise ConfigError(f"{path}: expectation {number} ({etype}) is invalid: {err}") from None
    if not expectations:
        raise ConfigError(f"{path}: the suite has no expectations")
    gx_suite = gx.ExpectationSuite(name=raw["name"], expectations=expectations)
    return Suite(raw["name"], raw["frame"], bool(raw.get("stop_on_failure")), gx_suite, str(path))


def _context() -> Any:
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def run_suites(
    suites: list[Suite],
    frames: dict[str, pd.DataFrame],
    params: dict[str, Any],
    file_name: str,
) -> list[Outcome]:
    """Run each suite on its frame, in order, stopping after a failed ``stop_on_failure`` suite."""
    context = _context()
    source = context.data_sources.add_pandas("drop")
    outcomes = []
    for suite in suites:
        frame = frames[suite.frame]
        asset = source.add_dataframe_asset(suite.name)
        batch = asset.add_batch_definition_whole_dataframe(suite.name)
        gx_suite = context.suites.add(suite.gx_suite)
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=suite.name, data=batch, suite=gx_suite)
        )
        result = definition.run(
            batch_parameters={"dataframe": frame},
            expectation_parameters=params,
            result_format=_RESULT_FORMAT,
        )
        outcomes.append(_outcome(suite, result, frame, params, file_name))
        if suite.stop_on_failure and not outcomes[-1].success:
            break
    return outcomes


def _outcome(
    suite: Suite, result: Any, frame: pd.DataFrame, params: dict[str, Any], file_name: str
) -> Outcome:
    data = _without_run_marks(result.to_json_dict())
    messages: list[str] = []
    warnings: list[str] = []
    for item in data["results"]:
        config = item["expectation_config"]
        config.pop("id", None)  # a random id given when the suite was loaded
        meta = config.get("meta") or {}
        line = None if item["success"] else explain(item, frame, params, file_name)
        if meta.get("sensitive"):
            for key in _VALUE_KEYS:
                item["result"].pop(key, None)
        if line is None:
            continue
        if config.get("severity", "critical") == "critical":
            messages.append(line)
        else:
            warnings.append(line)
        item["explanation"] = line
    stats = data["statistics"]
    return Outcome(
        suite=suite.name,
        success=not messages,
        evaluated=int(stats["evaluated_expectations"]),
        met=int(stats["successful_expectations"]),
        messages=messages,
        warnings=warnings,
        result=data,
    )


# Times and random ids of one validation run: without them the same files checked again give
# the same result file, byte for byte.
_RUN_MARKS = {"run_id", "validation_id", "validation_time", "ge_load_time"}


def _without_run_marks(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_run_marks(v) for k, v in value.items() if k not in _RUN_MARKS}
    if isinstance(value, list):
        return [_without_run_marks(v) for v in value]
    return value


def _describe(config: dict[str, Any], params: dict[str, Any]) -> str:
    text = config.get("description") or config["type"].replace("_", " ")
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def _quote(value: Any) -> str:
    if isinstance(value, pd.Timestamp):
        return f"'{value:%Y-%m-%d}'"
    text = str(value)
    return f"'{text[:60]}…'" if len(text) > 60 else f"'{text}'"


def explain(
    item: dict[str, Any], frame: pd.DataFrame, params: dict[str, Any], file_name: str
) -> str:
    """One line saying which rows/columns/values failed an expectation and what was expected."""
    config = item["expectation_config"]
    meta = config.get("meta") or {}
    kwargs = config["kwargs"]
    result = item.get("result") or {}
    expected = _describe(config, params)
    if item.get("exception_info", {}).get("raised_exception"):
        return f"{file_name}: could not check that {expected}: {item['exception_info']}"
    indices = result.get("partial_unexpected_index_list")
    if indices is not None:
        count = int(result.get("unexpected_count", len(indices)))
        unit = meta.get("unit", "row")
        total = int(result.get("element_count", len(frame)))
        places = []
        for index in indices[:_EXAMPLES]:
            row = frame.loc[index]
            column = (
                row["column"] if "column" in frame else meta.get("column", kwargs.get("column"))
            )
            place = f"row {row['row']}, column {column}"
            if "file" in frame:
                place = f"{row['file']} {place}"
            if not meta.get("sensitive"):
                shown = row[meta.get("show", kwargs.get("column"))]
                place += f": {_quote(shown) if not pd.isna(shown) else 'empty'}"
            places.append(place)
        more = f" (and {count - len(places)} more)" if count > len(places) else ""
        hidden = " (values not shown: personal data)" if meta.get("sensitive") else ""
        return (
            f"{file_name}: {count} of {total} {unit}s fail; expected {expected}. "
            f"{'; '.join(places)}{more}{hidden}."
        )
    observed = result.get("observed_value")
    if config["type"] == "expect_column_distinct_values_to_contain_set":
        # GX lists at most 20 missing values; the frame gives all of them.
        present = set(frame[kwargs["column"]].dropna()) if kwargs["column"] in frame else set()
        missing = [v for v in kwargs["value_set"] if v not in present]
        return f"{file_name}: expected {expected}; missing: {', '.join(map(str, missing))}."
    return f"{file_name}: expected {expected}; found {observed}."
