"""The cross-cohort summary: each cohort's survey results per domain, side by side.

Pure functions: :func:`cohort_summary` puts the cohorts' ``tables/survey_domains.csv`` into
one table, :func:`forest_plot` draws the participant-unit Hodges-Lehmann estimates with
their 95 % intervals (save it with :func:`cohort_eval.io.save_figure`), :func:`render_summary`
returns the self-contained HTML page and :func:`summary_record` the provenance record of a
publication of ``results/summary``. Each cohort keeps its own analysis: nothing is pooled or
tested across cohorts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from cohort_eval import provenance, report
from cohort_eval.survey import domain_label, format_half_up

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = [
    "SUMMARY_COLUMNS",
    "cohort_summary",
    "cohort_sizes",
    "forest_plot",
    "render_summary",
    "summary_record",
]

NAME = "summary"  # results/summary, results/.versions/summary; no cohort may be called so
UNITS = ("participant", "item_pairs")
SUMMARY_COLUMNS = [
    "cohort",
    "domain",
    "unit",
    "n_participants",
    "n_pairs",
    "pre_mean",
    "post_mean",
    "change",
    "hl_estimate",
    "hl_ci_low",
    "hl_ci_high",
    "effect_r",
    "rank_biserial",
    "p",
    "p_holm",
    "note",
]
# Taken from survey_domains.csv as they are (change is computed, cohort added).
_SOURCE_COLUMNS = [c for c in SUMMARY_COLUMNS if c not in ("cohort", "change")]
# Okabe-Ito blue: one hue for every cohort (the rows name them), dark enough for grey print.
POINT_COLOUR = "#0072B2"
ZERO_COLOUR = "#555555"
MIN_EXACT_N = 6  # the fewest non-zero pairs with a two-sided exact p below 0.05 (2/2^6)


# --------------------------------------------------------------------------- table


def cohort_summary(
    domains: Mapping[str, pd.DataFrame], order: Sequence[str] | None = None
) -> pd.DataFrame:
    """One row per cohort x domain x unit from each cohort's ``survey_domains.csv``.

    ``domains`` maps cohort id -> its table (as :func:`cohort_eval.survey.domain_table`
    writes it); cohorts keep the mapping's order. Domains follow ``order`` (the instrument's)
    or the order of the first table that lists them, then any others in the order met;
    within a domain the ``participant`` row comes before the ``item_pairs`` row. Columns
    :data:`SUMMARY_COLUMNS`; ``change`` is ``post_mean`` - ``pre_mean`` (NaN when either is).
    """
    frames = []
    for cohort, frame in domains.items():
        missing = [c for c in _SOURCE_COLUMNS if c not in frame.columns]
        if missing:
            raise ValueError(f"cohort {cohort}: survey_domains has no column {', '.join(missing)}")
        units = set(frame["unit"]) - set(UNITS)
        if units:
            raise ValueError(f"cohort {cohort}: unknown unit {', '.join(sorted(units))}")
        if frame.duplicated(["domain", "unit"]).any():
            raise ValueError(f"cohort {cohort}: a domain and unit appear twice")
        part = frame.loc[:, _SOURCE_COLUMNS].copy()
        part.insert(0, "cohort", cohort)
        frames.append(part)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUMMARY_COLUMNS})
    table = pd.concat(frames, ignore_index=True)
    for column in ("pre_mean", "post_mean"):
        table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    table["change"] = table["post_mean"] - table["pre_mean"]
    domain_order = list(dict.fromkeys([*(order or []), *table["domain"]]))
    cohort_order = list(domains)
    rank = pd.DataFrame(
        {
            "c": table["cohort"].map(cohort_order.index),
            "d": table["domain"].map(domain_order.index),
            "u": table["unit"].map(UNITS.index),
        }
    )
    table = table.loc[rank.sort_values(["c", "d", "u"], kind="stable").index]
    return table[SUMMARY_COLUMNS].reset_index(drop=True)


def cohort_sizes(table: pd.DataFrame) -> pd.DataFrame:
    """Per cohort (in the table's order) the smallest and largest ``n_participants`` over
    its domains, participant unit: participants with at least one complete pre/post pair."""
    rows = table[table["unit"] == "participant"]
    cohorts = list(dict.fromkeys(table["cohort"]))
    grouped = rows.groupby("cohort", sort=False)["n_participants"]
    sizes = pd.DataFrame(
        {"n_min": grouped.min(), "n_max": grouped.max()}, index=pd.Index(cohorts, name="cohort")
    )
    return sizes.fillna(0).astype("int64").reset_index()


def _n_text(n_min: int, n_max: int) -> str:
    return str(n_max) if n_min == n_max else f"{n_min}-{n_max}"


def _join(words: Sequence[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _finite(value: Any) -> bool:
    """A number that is not NaN ('' and None are not)."""
    try:
        return not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _estimate_text(row: Mapping[str, Any]) -> str:
    """'1.25 [0.50, 1.88]', '0.90 (no 95% CI)' or 'no pairs'."""
    if not _finite(row["hl_estimate"]):
        return "no pairs"
    estimate = format_half_up(float(row["hl_estimate"]), 2)
    if not (_finite(row["hl_ci_low"]) and _finite(row["hl_ci_high"])):
        return f"{estimate} (no 95% CI)"
    low = format_half_up(float(row["hl_ci_low"]), 2)
    high = format_half_up(float(row["hl_ci_high"]), 2)
    return f"{estimate} [{low}, {high}]"


# --------------------------------------------------------------------------- figure


def forest_plot(
    table: pd.DataFrame,
    *,
    labels: Mapping[str, str] | None = None,
    title: str = "Change in confidence per domain and cohort (participant means)",
) -> Figure:
    """A forest plot of :func:`cohort_summary` output, ``participant`` unit: one panel per
    domain (``labels`` maps domain ids to printed names), one row per cohort labelled with
    its n, the Hodges-Lehmann estimate as a square and its 95 % interval as a line, a dashed
    line at 0, and the values written to the right. An estimate without an interval is an
    open square; a cohort without pairs says so. Panels share the x axis."""
    from matplotlib.figure import Figure

    rows = table[table["unit"] == "participant"]
    domains = list(dict.fromkeys(rows["domain"]))
    cohorts = list(dict.fromkeys(table["cohort"]))
    values = pd.concat(
        [
            pd.to_numeric(rows[c], errors="coerce")
            for c in ("hl_estimate", "hl_ci_low", "hl_ci_high")
        ]
    ).dropna()
    low = min(0.0, float(values.min())) if len(values) else 0.0
    high = max(0.0, float(values.max())) if len(values) else 0.0
    pad = max((high - low) * 0.08, 0.1)

    panel = 0.42 + 0.3 * len(cohorts)
    fig = Figure(figsize=(7.5, 0.9 + panel * max(len(domains), 1)), layout="constrained")
    axes = fig.subplots(max(len(domains), 1), 1, sharex=True, squeeze=False)[:, 0]
    for ax, domain in zip(axes, domains, strict=False):
        by_cohort = rows[rows["domain"] == domain].set_index("cohort")
        ticks = []
        for y, cohort in enumerate(cohorts):
            row = by_cohort.loc[cohort] if cohort in by_cohort.index else None
            n = int(row["n_participants"]) if row is not None else 0
            ticks.append(f"{cohort} (n = {n})")
            text = "no pairs" if row is None else _estimate_text(row)
            if row is not None and _finite(row["hl_estimate"]):
                estimate = float(row["hl_estimate"])
                has_ci = _finite(row["hl_ci_low"]) and _finite(row["hl_ci_high"])
                if has_ci:
                    ax.hlines(
                        y,
                        float(row["hl_ci_low"]),
                        float(row["hl_ci_high"]),
                        color=POINT_COLOUR,
                        linewidth=1.8,
                    )
                ax.plot(
                    [estimate],
                    [y],
                    marker="s",
                    markersize=6.5,
                    color=POINT_COLOUR,
                    markerfacecolor=POINT_COLOUR if has_ci else "#ffffff",
                    markeredgewidth=1.3,
                    linestyle="none",
                )
            ax.annotate(
                text,
                xy=(1.02, y),
                xycoords=("axes fraction", "data"),
                va="center",
                ha="left",
                fontsize=8.5,
                annotation_clip=False,
            )
        ax.axvline(0.0, color=ZERO_COLOUR, linewidth=0.9, linestyle="--", zorder=0)
        ax.set_yticks(range(len(cohorts)), ticks, fontsize=9)
        ax.set_ylim(len(cohorts) - 0.4, -0.6)
        ax.tick_params(axis="y", length=0)
        ax.grid(axis="x", color="#e0e0e0", linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_title(domain_label(domain, labels), loc="left", fontsize=10, fontweight="bold")
        for side in ("top", "right", "left"):
            ax.spines[side].set_visible(False)
    axes[0].set_xlim(low - pad, high + pad)
    axes[0].annotate(
        "Estimate [95% CI]",
        xy=(1.02, 1.0),
        xycoords="axes fraction",
        va="bottom",
        ha="left",
        fontsize=8.5,
        fontweight="bold",
        annotation_clip=False,
    )
    axes[-1].set_xlabel(
        "Change post − pre in scale points: Hodges-Lehmann estimate and 95% interval",
        fontsize=9,
    )
    fig.suptitle(title, fontsize=11)
    return fig


# --------------------------------------------------------------------------- page


def _text_frame(table: pd.DataFrame) -> pd.DataFrame:
    """The table as its CSV holds it (every cell as written), as the cohort report reads
    its tables."""
    return report.parse_table(table.to_csv(index=False, lineterminator="\n").encode("utf-8"))


def _change(row: Mapping[str, str]) -> str:
    shown = report.fmt_number(row["change"], 2)
    return f"+{shown}" if _finite(row["change"]) and float(row["change"]) > 0 else shown


def render_summary(
    table: pd.DataFrame,
    forest_svg: bytes,
    *,
    labels: Mapping[str, str] | None = None,
    checksums: Mapping[str, str] | None = None,
    code: str = "",
) -> str:
    """The cross-cohort summary page: each cohort's n, a note on small cohorts, the forest
    plot (an ``<img>`` with a data: URI), the table of :func:`cohort_summary` and the
    checksums of the files it was built from (``checksums``: shown name -> SHA-256). Inline
    style, no script, no link outside the page, no time stamp."""
    sizes = cohort_sizes(table)
    cohorts = list(sizes["cohort"])
    rows = _text_frame(table)
    size_rows = [
        {"cohort": str(r.cohort), "n": _n_text(int(r.n_min), int(r.n_max))}
        for r in sizes.itertuples(index=False)
    ]
    small = [str(r.cohort) for r in sizes.itertuples(index=False) if int(r.n_min) < MIN_EXACT_N]
    no_ci = sorted(
        {
            str(r["cohort"])
            for r in table[table["unit"] == "participant"].to_dict("records")
            if _finite(r["hl_estimate"]) and not _finite(r["hl_ci_low"])
        }
    )
    title = "Cross-cohort summary"
    cohort_list = _join([f"{c} (n = {s['n']})" for c, s in zip(cohorts, size_rows, strict=True)])
    intro = report.para(
        f"The pre and post secondment survey of {len(cohorts)} "
        f"cohort{'s' if len(cohorts) != 1 else ''}, domain by domain: {cohort_list}.",
        "Each cohort is analysed on its own, exactly as in its report "
        "(tables/survey_domains.csv); this page puts the results side by side. Nothing is "
        "pooled across cohorts and no difference between cohorts is tested.",
    )
    caution = [
        "The 95% interval of a cohort's estimate narrows only with the square root of its "
        "number of participants, so a cohort of 6 has an "
        "interval about 1.8 times as wide as a cohort of 20 with the same spread of changes.",
        "Intervals that overlap do not show that cohorts differ, nor that they do not; "
        "compare the estimates and their intervals, not the p values.",
        f"With fewer than {MIN_EXACT_N} participants whose answers changed, no two-sided "
        "exact p below 0.05 is possible at all.",
    ]
    if small:
        caution.append(
            f"Cohorts with fewer than {MIN_EXACT_N} participants in some domain: "
            f"{', '.join(small)}."
        )
    if no_ci:
        caution.append(
            "With so few pairs the 95% interval cannot be reached for "
            f"{', '.join(no_ci)} in some domains: shown as an open square and n/a."
        )
    columns = [
        report.text("cohort", "Cohort"),
        report.Col("Domain", lambda r: domain_label(r["domain"], labels)),
        report.count("n_participants", "Participants"),
        report.count("n_pairs", "Pairs"),
        report.number("pre_mean", 2, "Pre mean"),
        report.number("post_mean", 2, "Post mean"),
        report.Col("Change", _change, numeric=True),
        report.number("hl_estimate", 2, "HL estimate"),
        report.Col(
            "95% CI",
            lambda r: (
                f"{report.fmt_number(r['hl_ci_low'], 2)} to {report.fmt_number(r['hl_ci_high'], 2)}"
                if r["hl_ci_low"] and r["hl_ci_high"]
                else report.NOT_AVAILABLE
            ),
            numeric=True,
        ),
        report.number("effect_r", 2, "r"),
        report.number("rank_biserial", 2, "Rank-biserial"),
        report.pvalue("p", "p"),
        report.pvalue("p_holm", "p (Holm)"),
        report.text("note", "Notes"),
    ]
    participant = rows[rows["unit"] == "participant"]
    pooled = rows[rows["unit"] == "item_pairs"]
    figure = (
        f'<figure><img src="{report.data_uri(forest_svg)}" alt="Forest plot of the change per '
        'domain and cohort">'
        "<figcaption>Change in confidence per domain: for each cohort the Hodges-Lehmann "
        "estimate of the participants' change (post − pre of each participant's mean over the "
        "domain's statements) with its 95% interval; the dashed line is no change "
        "(forest.svg).</figcaption></figure>"
    )
    reading = report.bullets(
        [
            "Participant: one pair per participant (the mean of the domain's statements); "
            "these rows are the ones to compare. Item pairs: every statement answered at "
            "both times is a pair, as the study's Table 2; pairs of one participant are not "
            "independent, so their p values are optimistic.",
            "Change: post mean − pre mean. HL estimate: the Hodges-Lehmann estimate of the "
            "shift (median of the Walsh averages of the differences), with its 95% interval.",
            "r: |Z| / sqrt(pairs); rank-biserial: +1 when every change is an increase.",
            "p: Wilcoxon signed-rank, two-sided, asymptotic; p (Holm): adjusted over the "
            "domains of one cohort and unit, not across cohorts.",
            "Numbers are rounded for reading; cohort_summary.csv keeps full precision.",
        ]
    )
    hashes = [{"k": k, "v": v} for k, v in sorted((checksums or {}).items())]
    provenance_html = report.table(
        hashes, [report.text("k", "File"), report.text("v", "SHA-256")], "", "hashes"
    ) + report.para(f"Code hash of the summary rule: {code}." if code else "")
    sections = [
        (
            "cohorts",
            "1. Cohorts",
            report.table(
                size_rows,
                [report.text("cohort", "Cohort"), report.count("n", "Participants (n)")],
                "Participants with pre and post answers (a range where it differs by domain)",
                "facts",
            )
            + '<div class="mode"><p><strong>Small cohorts give wide intervals.</strong></p>'
            + report.bullets(caution)
            + "</div>",
        ),
        ("forest", "2. Change per domain", figure),
        (
            "table",
            "3. Results per cohort, domain and unit",
            report.table(participant, columns, "Participant unit", "wide")
            + report.table(pooled, columns, "Item pairs (the study's pooled analysis)", "wide")
            + reading,
        ),
        ("provenance", "4. Provenance", provenance_html),
    ]
    nav = "".join(
        f'<li><a href="#{key}">{report.esc(name[3:])}</a></li>' for key, name, _ in sections
    )
    body = "\n".join(
        f'<section id="{key}">\n<h2>{report.esc(name)}</h2>\n{content}\n</section>'
        for key, name, content in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{report.esc(title)}</title>\n<style>{report.STYLE}</style>\n</head>\n<body>\n"
        f"<header>\n<h1>{report.esc(title)}</h1>\n{intro}\n<nav><ol>{nav}</ol></nav>\n"
        "</header>\n<main>\n" + body + "\n</main>\n</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- provenance


def summary_record(*, inputs: list[dict[str, Any]], **fields: Any) -> dict[str, Any]:
    """The provenance record of one publication of ``results/summary``: a cohort's record
    (:func:`cohort_eval.provenance.build_record`, so that ``cohort_eval.verify`` checks it)
    with ``name`` instead of ``cohort`` and, as inputs, each cohort's survey table with the
    cohort's published run."""
    record = provenance.build_record(
        cohort=NAME, inputs=sorted(inputs, key=lambda i: i["cohort"]), **fields
    )
    return {("name" if key == "cohort" else key): value for key, value in record.items()}


def summary_input(
    cohort: str, entry: Mapping[str, Any], cohort_record: Mapping[str, Any] | None
) -> dict[str, Any]:
    """A cohort's input to the summary: its ``survey_domains.csv`` (``entry``: path, sha256,
    size) and the run id of the cohort's publication (``cohort_record``, its provenance
    record), with whether that publication holds the same file."""
    published = {o["path"]: o["sha256"] for o in (cohort_record or {}).get("outputs", [])}
    return {
        "cohort": cohort,
        "path": entry["path"],
        "sha256": entry["sha256"],
        "size": entry["size"],
        "cohort_run_id": (cohort_record or {}).get("run_id"),
        "same_as_published": published.get("tables/survey_domains.csv") == entry["sha256"],
    }
