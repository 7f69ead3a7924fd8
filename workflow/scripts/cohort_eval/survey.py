"""Pre/post survey analysis: pairing, the domain table, the study's Table 2 and the item table.

Input is the long survey table (pid, timepoint "pre"/"post", item, domain, score as Int64 with
<NA> for an unanswered statement). Every function is pure: DataFrames in, DataFrames out.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal
from typing import Any

import numpy as np
import pandas as pd

from cohort_eval.config import Instrument
from cohort_eval.stats import (
    cronbach_alpha,
    hodges_lehmann,
    holm,
    min_achievable_p,
    rank_biserial,
    wilcoxon_exact_p,
    wilcoxon_spss,
)

__all__ = [
    "DOMAIN_COLUMNS",
    "domain_guard_frame",
    "statements_only",
    "ITEM_COLUMNS",
    "PAIR_COLUMNS",
    "TABLE2_COLUMNS",
    "UNITS",
    "domain_label",
    "domain_table",
    "format_half_up",
    "item_table",
    "pair_answers",
    "table2",
    "table2_html",
    "table2_markdown",
]

SURVEY_COLUMNS = ["pid", "timepoint", "item", "domain", "score"]
PAIR_COLUMNS = ["pid", "item", "domain", "pre", "post"]
UNITS = ("item_pairs", "participant")
DOMAIN_COLUMNS = [
    "domain",
    "unit",
    "n_participants",
    "n_pairs",
    "n_nonzero",
    "n_positive",
    "n_negative",
    "n_ties",
    "pre_mean",
    "pre_sd",
    "pre_min",
    "pre_max",
    "post_mean",
    "post_sd",
    "post_min",
    "post_max",
    "w_plus",
    "w_minus",
    "z",
    "p",
    "p_exact",
    "p_method",
    "p_holm",
    "effect_r",
    "effect_r_n",
    "rank_biserial",
    "hl_estimate",
    "hl_ci_low",
    "hl_ci_high",
    "min_achievable_p",
    "alpha_pre",
    "alpha_post",
    "alpha_ci",
    "note",
]
TABLE2_COLUMNS = [
    "Category",
    "Pre Mean ± SD",
    "Pre Range",
    "Post Mean ± SD",
    "Post Range",
    "Z",
    "p",
]
ITEM_COLUMNS = [
    "item",
    "domain",
    "text",
    "n",
    "pre_median",
    "pre_q1",
    "pre_q3",
    "post_median",
    "post_q1",
    "post_q3",
    "pre_mean",
    "pre_sd",
    "post_mean",
    "post_sd",
    "pre_min",
    "pre_max",
    "post_min",
    "post_max",
    "pre_top2_share",
    "post_top2_share",
    "improved",
    "same",
    "worse",
    "low_after",
]

SMALL_N = 10  # below this many non-zero pairs the normal approximation is poor
NOT_AVAILABLE = "n/a"


# --------------------------------------------------------------------------- pairing


def statements_only(survey: pd.DataFrame) -> pd.DataFrame:
    """The statement rows of the anonymised survey table (free-text comments dropped)."""
    rows = survey[survey["domain"] != "comment"]
    return rows[SURVEY_COLUMNS].reset_index(drop=True).astype({"score": "Int64"})


def domain_guard_frame(
    domains: pd.DataFrame, instrument: Instrument
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The domain table with the derived sums its output guard compares, and the guard's
    parameters (the instrument's domains and the expected row count)."""
    frame = domains.copy()
    frame["nonzero_plus_ties"] = frame["n_nonzero"] + frame["n_ties"]
    frame["positive_plus_negative"] = frame["n_positive"] + frame["n_negative"]
    frame["row"] = range(2, len(frame) + 2)
    params = {"domains": list(instrument.domains), "n_rows": len(instrument.domains) * len(UNITS)}
    return frame, params


def pair_answers(survey: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Pair pre and post answers by pid and statement, and count what could not be paired.

    ``pairs`` has one row per statement for every participant present at both timepoints
    (columns :data:`PAIR_COLUMNS`; ``pre``/``post`` are Int64, <NA> where unanswered). Tests
    drop incomplete pairs themselves (pairwise deletion, as SPSS /MISSING ANALYSIS).
    ``summary`` (JSON-ready counts, no pids) holds ``participants`` (pre_only, post_only,
    both), ``answers`` (pairs, complete, missing_pre, missing_post, missing_both) and
    ``items`` (the same counts per statement, in order of first appearance).
    """
    missing = [c for c in SURVEY_COLUMNS if c not in survey.columns]
    if missing:
        raise ValueError(f"survey table lacks columns {missing}")
    bad = sorted(set(survey["timepoint"].dropna()) - {"pre", "post"})
    if bad:
        raise ValueError(f"survey timepoints must be 'pre' or 'post', got {bad}")
    if survey.duplicated(["pid", "timepoint", "item"]).any():
        raise ValueError("survey table has more than one answer per pid, timepoint and item")

    pre_ids = set(survey.loc[survey["timepoint"] == "pre", "pid"])
    post_ids = set(survey.loc[survey["timepoint"] == "post", "pid"])
    both = survey[survey["pid"].isin(pre_ids & post_ids)]
    sides = []
    for timepoint in ("pre", "post"):
        side = both.loc[both["timepoint"] == timepoint, ["pid", "item", "domain", "score"]]
        sides.append(side.rename(columns={"score": timepoint}))
    pairs = sides[0].merge(sides[1], on=["pid", "item"], how="outer", suffixes=("", "_post"))
    pairs["domain"] = pairs["domain"].fillna(pairs.pop("domain_post"))
    order = {item: i for i, item in enumerate(pd.unique(survey["item"]))}
    pairs = pairs.assign(_order=pairs["item"].map(order))
    pairs = pairs.sort_values(["pid", "_order"], kind="stable").drop(columns="_order")
    pairs = pairs[PAIR_COLUMNS].reset_index(drop=True)
    pairs = pairs.astype({"pre": "Int64", "post": "Int64"})

    def counts(frame: pd.DataFrame) -> dict[str, int]:
        pre_na, post_na = frame["pre"].isna(), frame["post"].isna()
        return {
            "pairs": len(frame),
            "complete": int((~pre_na & ~post_na).sum()),
            "missing_pre": int(pre_na.sum()),
            "missing_post": int(post_na.sum()),
            "missing_both": int((pre_na & post_na).sum()),
        }

    items = [
        {"item": item, "domain": frame["domain"].iloc[0], **counts(frame)}
        for item, frame in pairs.groupby("item", sort=False)
    ]
    items.sort(key=lambda row: order[row["item"]])
    summary = {
        "participants": {
            "pre_only": len(pre_ids - post_ids),
            "post_only": len(post_ids - pre_ids),
            "both": len(pre_ids & post_ids),
        },
        "answers": counts(pairs),
        "items": items,
    }
    return pairs, summary


# --------------------------------------------------------------------------- domain table


def _statements_by_domain(instrument: Instrument) -> dict[str, list[str]]:
    return {d: [s.id for s in instrument.statements if s.domain == d] for d in instrument.domains}


def _describe(values: np.ndarray, prefix: str) -> dict[str, float]:
    if values.size == 0:
        return {f"{prefix}_{k}": math.nan for k in ("mean", "sd", "min", "max")}
    return {
        f"{prefix}_mean": float(values.mean()),
        f"{prefix}_sd": float(values.std(ddof=1)) if values.size > 1 else math.nan,
        f"{prefix}_min": float(values.min()),
        f"{prefix}_max": float(values.max()),
    }


def _unit_values(complete: pd.DataFrame, unit: str) -> tuple[np.ndarray, np.ndarray, int]:
    """(pre, post, n participants) for one domain's complete pairs in one analysis unit."""
    frame = complete[["pid", "pre", "post"]].astype({"pre": float, "post": float})
    if unit == "participant":
        frame = frame.groupby("pid", sort=True)[["pre", "post"]].mean()
    return frame["pre"].to_numpy(), frame["post"].to_numpy(), int(complete["pid"].nunique())


def _alpha(pairs: pd.DataFrame, statements: list[str]) -> tuple[float, float, str, list[str]]:
    """Cronbach's alpha at pre and post over the domain's statements, the CI text and notes."""
    values, texts = [], []
    problems: dict[tuple[str, str], list[str]] = {}  # (what, why) -> timepoints
    k = len(statements)
    sub = pairs[pairs["item"].isin(statements)]
    for timepoint in ("pre", "post"):
        wide = sub.pivot(index="pid", columns="item", values=timepoint)
        result = cronbach_alpha(wide.reindex(columns=statements).astype(float).to_numpy())
        values.append(result.alpha)
        interval = (
            NOT_AVAILABLE
            if math.isnan(result.ci_low)
            else f"[{format_half_up(result.ci_low, 2)}, {format_half_up(result.ci_high, 2)}]"
        )
        texts.append(f"{timepoint} {interval}")
        if k < 2:
            continue
        found = []
        if result.n < 2:
            found.append(("alpha not defined", "fewer than 2 complete participants"))
        elif math.isnan(result.alpha):
            found.append(("alpha not defined", "total scores do not vary"))
        elif result.n < k:
            found.append(("alpha unstable", f"fewer participants than items ({result.n} < {k})"))
        elif result.n < SMALL_N:
            found.append(("alpha imprecise", f"fewer than {SMALL_N} participants"))
        if result.alpha < 0:
            found.append(("alpha negative", "the statements do not covary positively"))
        for key in found:
            problems.setdefault(key, []).append(timepoint)
    notes = [
        f"{what}: {why}" if len(times) == 2 else f"{what} at {times[0]}: {why}"
        for (what, why), times in problems.items()
    ]
    if k < 2:
        notes.append("alpha not defined: fewer than 2 statements")
    return values[0], values[1], "; ".join(texts), notes


def _unit_row(
    domain: str,
    unit: str,
    pre: np.ndarray,
    post: np.ndarray,
    n_participants: int,
    *,
    seed: int,
    draws: int,
    max_exact: int,
) -> tuple[dict[str, Any], list[str]]:
    differences = post - pre
    test = wilcoxon_spss(differences)
    exact = wilcoxon_exact_p(differences, max_exact=max_exact, draws=draws, seed=seed)
    hl = hodges_lehmann(differences)
    notes = []
    if test.n_pairs == 0:
        notes.append("no complete pairs: no test")
    elif test.n_nonzero == 0:
        notes.append("all differences zero: no test")
    elif test.n_nonzero < SMALL_N:
        notes.append(f"n < {SMALL_N}: normal approximation unreliable; see p_exact")
    if unit == "item_pairs" and test.n_nonzero and test.n_pairs > n_participants:
        notes.append(
            "pooled pairs are not independent (several answers per participant): p is optimistic"
        )
    floor = min_achievable_p(test.n_nonzero)
    if test.n_nonzero and floor > 0.05:
        notes.append(
            f"{test.n_nonzero} non-zero pairs: no exact p below {format_half_up(floor, 3)}"
        )
    if test.n_pairs and math.isnan(hl.ci_low) and test.n_nonzero:
        notes.append(f"HL 95% interval not reachable with {test.n_pairs} pairs")
    row = {
        "domain": domain,
        "unit": unit,
        "n_participants": n_participants,
        "n_pairs": test.n_pairs,
        "n_nonzero": test.n_nonzero,
        "n_positive": test.n_positive,
        "n_negative": test.n_negative,
        "n_ties": test.n_ties,
        **_describe(pre, "pre"),
        **_describe(post, "post"),
        "w_plus": test.w_plus,
        "w_minus": test.w_minus,
        "z": test.z,
        "p": test.p,
        "p_exact": exact.p,
        "p_method": exact.method,
        "effect_r": abs(test.z) / math.sqrt(test.n_pairs) if test.n_nonzero else math.nan,
        "effect_r_n": test.n_pairs,
        "rank_biserial": rank_biserial(differences),
        "hl_estimate": hl.estimate,
        "hl_ci_low": hl.ci_low,
        "hl_ci_high": hl.ci_high,
        "min_achievable_p": floor,
    }
    return row, notes


def domain_table(
    pairs: pd.DataFrame,
    instrument: Instrument,
    *,
    seed: int,
    draws: int = 100_000,
    max_exact: int = 62,
) -> pd.DataFrame:
    """Wilcoxon signed-rank analysis per domain and analysis unit (columns :data:`DOMAIN_COLUMNS`).

    Rows: every domain of the instrument, in order, for unit ``item_pairs`` (each participant x
    statement pair is one pair, as the study pooled them), then for unit ``participant`` (each
    participant's mean over the domain's statements answered at both times is one pair).
    Incomplete pairs are dropped (pairwise deletion); descriptives (SD with n - 1) describe the
    pairs tested. ``z``/``p``: SPSS asymptotic test (:func:`wilcoxon_spss`); ``p_exact``:
    conditional permutation p (:func:`wilcoxon_exact_p`: exact up to ``max_exact`` non-zero
    pairs, else ``draws`` Monte Carlo draws from a generator seeded afresh with ``seed`` for
    every row, so a row does not depend on the others); ``p_holm``: Holm over the
    domains of one unit, applied to ``p``; ``effect_r = |z| / sqrt(effect_r_n)`` with
    ``effect_r_n = n_pairs`` (zeros included); HL estimate and 95 % CI with zero differences
    kept (:func:`hodges_lehmann`). Cronbach's alpha describes the domain's statements (complete
    participant x statement rows of participants with both surveys), not the unit, so both unit
    rows carry the same ``alpha_pre``, ``alpha_post`` and ``alpha_ci``. ``note`` lists warnings
    separated by '; '. A domain whose differences are all zero gets NaN ``z``/``p`` and a note.
    """
    statements = _statements_by_domain(instrument)
    complete = pairs.dropna(subset=["pre", "post"])
    alphas = {d: _alpha(pairs, statements[d]) for d in instrument.domains}
    rows = []
    for unit in UNITS:
        unit_rows = []
        for domain in instrument.domains:
            sub = complete[complete["item"].isin(statements[domain])]
            pre, post, n_participants = _unit_values(sub, unit)
            row, notes = _unit_row(
                domain,
                unit,
                pre,
                post,
                n_participants,
                seed=seed,
                draws=draws,
                max_exact=max_exact,
            )
            alpha_pre, alpha_post, alpha_ci, alpha_notes = alphas[domain]
            row.update(
                alpha_pre=alpha_pre,
                alpha_post=alpha_post,
                alpha_ci=alpha_ci,
                note="; ".join(notes + alpha_notes),
            )
            unit_rows.append(row)
        adjusted = holm([row["p"] for row in unit_rows])
        for row, p_holm in zip(unit_rows, adjusted, strict=True):
            row["p_holm"] = float(p_holm)
        rows += unit_rows
    table = pd.DataFrame(rows, columns=DOMAIN_COLUMNS)
    counts = ["n_participants", "n_pairs", "n_nonzero", "n_positive", "n_negative", "n_ties"]
    return table.astype({c: "int64" for c in [*counts, "effect_r_n"]})


# --------------------------------------------------------------------------- Table 2


def format_half_up(value: float, decimals: int) -> str:
    """``value`` to ``decimals`` places, halves rounded away from zero (as SPSS and the study).

    The float is first taken to 9 dp so that binary noise (2.2499999999999996 for 2.25) does
    not decide the rounding. NaN gives 'n/a'; a result of -0 prints without the sign.
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NOT_AVAILABLE
    exact = Decimal(repr(float(value))).quantize(Decimal("1e-9"), rounding=ROUND_HALF_EVEN)
    rounded = exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{rounded:f}"


def _format_p(p: float) -> str:
    text = format_half_up(p, 3)
    return "<0.001" if text == "0.000" else text


def _format_bound(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return NOT_AVAILABLE
    return str(int(value)) if float(value).is_integer() else format_half_up(value, 1)


def domain_label(domain: str, labels: Mapping[str, str] | None = None) -> str:
    """The printed name of a domain: from ``labels`` (instrument.yaml), else its id capitalised."""
    if labels and domain in labels:
        return labels[domain]
    text = domain.replace("_", " ")
    return text[:1].upper() + text[1:]


def table2(domains: pd.DataFrame, labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The study's Table 2 from the ``item_pairs`` rows of :func:`domain_table`, as text.

    Columns :data:`TABLE2_COLUMNS`: mean ± SD to 1 dp ("2.7 ± 1.1"), range "min-max", Z to
    2 dp, p to 3 dp or "<0.001"; halves rounded away from zero. ``labels`` maps domain ids to
    the names printed in Category (the ``label`` of each domain in instrument.yaml).
    """
    rows = []
    for row in domains[domains["unit"] == "item_pairs"].itertuples(index=False):
        rows.append(
            [
                domain_label(row.domain, labels),
                f"{format_half_up(row.pre_mean, 1)} ± {format_half_up(row.pre_sd, 1)}",
                f"{_format_bound(row.pre_min)}-{_format_bound(row.pre_max)}",
                f"{format_half_up(row.post_mean, 1)} ± {format_half_up(row.post_sd, 1)}",
                f"{_format_bound(row.post_min)}-{_format_bound(row.post_max)}",
                format_half_up(row.z, 2),
                _format_p(row.p),
            ]
        )
    return pd.DataFrame(rows, columns=pd.Index(TABLE2_COLUMNS, dtype=object), dtype=object)


def table2_markdown(table: pd.DataFrame) -> str:
    """A Markdown (pipe) table of :func:`table2`; '|' in cells is escaped."""

    def cells(values: Sequence[Any]) -> str:
        return "| " + " | ".join(str(v).replace("|", "\\|") for v in values) + " |"

    align = ["---"] + ["---:"] * (len(table.columns) - 1)
    lines = [cells(list(table.columns)), cells(align)]
    lines += [cells(list(row)) for row in table.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def table2_html(table: pd.DataFrame, caption: str | None = None) -> str:
    """An HTML ``<table>`` fragment of :func:`table2` in the study's two-row header layout.

    Every header and cell is HTML-escaped ("<0.001" becomes "&lt;0.001").
    """
    esc = html.escape
    lines = ['<table class="table2">']
    if caption:
        lines.append(f"  <caption>{esc(caption)}</caption>")
    if list(table.columns) == TABLE2_COLUMNS:
        lines += [
            "  <thead>",
            '    <tr><th rowspan="2">Category</th><th colspan="2">Pre</th>'
            '<th colspan="2">Post</th><th rowspan="2">Z</th><th rowspan="2">p</th></tr>',
            f"    <tr><th>{esc('Mean ± SD')}</th><th>Range</th>"
            f"<th>{esc('Mean ± SD')}</th><th>Range</th></tr>",
            "  </thead>",
        ]
    else:
        header = "".join(f"<th>{esc(str(c))}</th>" for c in table.columns)
        lines += ["  <thead>", f"    <tr>{header}</tr>", "  </thead>"]
    lines.append("  <tbody>")
    for row in table.itertuples(index=False):
        lines.append("    <tr>" + "".join(f"<td>{esc(str(v))}</td>" for v in row) + "</tr>")
    lines += ["  </tbody>", "</table>"]
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- item table


def item_table(
    pairs: pd.DataFrame,
    instrument: Instrument,
    *,
    low_answer: int = 2,
    low_mean: float = 3.0,
) -> pd.DataFrame:
    """Per statement, in instrument order: pre/post summaries of its complete pairs.

    Columns :data:`ITEM_COLUMNS`. Quartiles as SPSS computes them (weighted average at
    ``(n + 1) p``, R type 6, numpy ``method="weibull"``); SD with n - 1; ``*_top2_share``:
    share of answers in the top two scale points (quite or very confident); improved / same /
    worse count post > / = / < pre; ``low_after``: any post answer <= ``low_answer`` or post
    mean < ``low_mean`` (the study's finance statements).
    """
    complete = pairs.dropna(subset=["pre", "post"])
    top = instrument.scale_max - 1
    rows = []
    for statement in instrument.statements:
        sub = complete[complete["item"] == statement.id]
        pre = sub["pre"].astype(float).to_numpy()
        post = sub["post"].astype(float).to_numpy()
        row: dict[str, Any] = {
            "item": statement.id,
            "domain": statement.domain,
            "text": statement.text,
            "n": int(pre.size),
        }
        for name, values in (("pre", pre), ("post", post)):
            if values.size:
                q1, median, q3 = np.quantile(values, [0.25, 0.5, 0.75], method="weibull")
            else:
                q1 = median = q3 = math.nan
            row.update(
                {f"{name}_median": float(median), f"{name}_q1": float(q1), f"{name}_q3": float(q3)}
            )
        described = {**_describe(pre, "pre"), **_describe(post, "post")}
        row.update({k: described[k] for k in ITEM_COLUMNS if k in described})
        for name, values in (("pre", pre), ("post", post)):
            row[f"{name}_top2_share"] = float(np.mean(values >= top)) if values.size else math.nan
        row["improved"] = int(np.sum(post > pre))
        row["same"] = int(np.sum(post == pre))
        row["worse"] = int(np.sum(post < pre))
        row["low_after"] = bool(
            post.size and (bool((post <= low_answer).any()) or float(post.mean()) < low_mean)
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=ITEM_COLUMNS)
