"""The cohort report: one self-contained HTML page built from a run's outputs.

Everything here is pure: tables come in as text DataFrames (:func:`parse_table`, so that every
cell is shown as the CSV holds it), JSON files as dicts and figures as SVG bytes;
:func:`render_report` returns the page. Opening the page fetches nothing: the style is inline
and each figure is an ``<img>`` with a base64 ``data:`` URI (inline ``<svg>`` would clash, as
matplotlib gives every figure the same element ids). The page holds no time stamp and no path
outside the cohort's results, so a rerun on the same outputs gives the same bytes.
"""

from __future__ import annotations

import base64
import html
import io as _io
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from cohort_eval.activity import contract_weeks, phase_label, phase_of_month
from cohort_eval.parse import secondment_month, secondment_window
from cohort_eval.survey import domain_label, format_half_up, table2_html

NOT_AVAILABLE = "n/a"
# Distributions whose versions the report states (read by the rule script at run time), with
# their printed names.
SOFTWARE = {
    "python": "Python",
    "pandas": "pandas",
    "numpy": "NumPy",
    "scipy": "SciPy",
    "great-expectations": "great-expectations",
    "matplotlib": "matplotlib",
    "snakemake": "Snakemake",
}
SECTIONS = [
    ("summary", "1. Cohort summary"),
    ("timeline", "2. Data collection timeline"),
    ("methods", "3. Methods"),
    ("survey", "4. Pre and post secondment survey"),
    ("activities", "5. Work activity diaries"),
    ("diaries", "6. Reflective diaries"),
    ("quality", "7. Data quality"),
    ("small-sample", "8. Small-sample notes"),
    ("provenance", "9. Provenance"),
]
FIGURES = {
    "survey_likert": "Answers to each statement before and after the secondment.",
    "survey_domains": "Mean confidence (± SD) per domain before and after the secondment.",
    "activity_phases": "Fig. 1. Time distribution per activity: comparison of the phases.",
    "code_frequencies": "Coded diary segments per code (participants in brackets).",
    "threads_by_stage": "Narrative threads over the secondment timeline: segments per cell.",
    "diary_compliance": "Diary entries per participant and fortnight.",
}
# Figures that name participants: left out of a publication-mode report.
PARTICIPANT_FIGURES = {"diary_compliance"}
GUARDED_OUTPUTS = {
    "anonymise_drop": "the anonymised tables (anonymised/)",
    "analyse_survey": "the survey tables (tables/survey_*, table2)",
    "aggregate_activity_phases": "the activity tables (activity_phases, activity_change, "
    "contract_hours)",
    "count_diary_codes": "the diary tables (code_frequencies to coder_disagreements)",
}


@dataclass(frozen=True)
class Stage:
    """A stage of the narrative timeline (codebook ``stages``)."""

    id: str
    label: str
    first: int
    last: int


@dataclass(frozen=True)
class GuardSuite:
    """An output guard suite of a pipeline stage, as its YAML file defines it."""

    rule: str
    name: str
    description: str
    expectations: int


@dataclass(frozen=True)
class Settings:
    """The configuration values the report states (passed to the rule as params)."""

    cohort: str
    start: str
    months: int
    mode: str
    threshold: int
    phases: Mapping[str, Sequence[int]]
    contract: Mapping[str, float]
    survey: Mapping[str, Any]


@dataclass(frozen=True)
class SurveyDesign:
    """What the methods paragraph says about the instrument."""

    statements: int
    domain_labels: Mapping[str, str]
    scale: Mapping[int, str]  # score -> label


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report is built from. Tables are text frames from :func:`parse_table`."""

    settings: Settings
    design: SurveyDesign
    stages: list[Stage]
    summary: Mapping[str, Any]  # anonymised/summary.json
    pairing: Mapping[str, Any]  # tables/survey_pairing.json
    markers: list[Mapping[str, Any]]  # validation/<input>.ok.json
    guards: list[GuardSuite]
    survey: pd.DataFrame  # anonymised/survey.csv
    activities: pd.DataFrame  # anonymised/activities.csv
    segments: pd.DataFrame  # anonymised/segments.csv
    demographics: pd.DataFrame
    domains: pd.DataFrame
    table2: pd.DataFrame
    items: pd.DataFrame
    phases: pd.DataFrame
    change: pd.DataFrame
    contract: pd.DataFrame
    frequencies: pd.DataFrame
    threads: pd.DataFrame
    events: pd.DataFrame
    compliance: pd.DataFrame
    agreement: pd.DataFrame
    agreement_summary: Mapping[str, Any]
    figures: Mapping[str, bytes]  # SVG bytes by name (keys of FIGURES)
    checksums: Mapping[str, str]  # input file (relative name) -> SHA-256
    versions: Mapping[str, str]  # software -> version
    code: str  # the rule's code hash


def esc(value: object) -> str:
    """HTML-escape any value (quotes included)."""
    return html.escape(str(value), quote=True)


# --------------------------------------------------------------------------- reading


def parse_table(data: bytes) -> pd.DataFrame:
    """A pipeline CSV as text: every cell as written, an empty cell as ''."""
    return pd.read_csv(
        _io.BytesIO(data), dtype=str, keep_default_na=False, na_filter=False, encoding="utf-8"
    )


def stages_from_codebook(raw: Mapping[str, Any]) -> list[Stage]:
    """The stages of a parsed ``codebook.yaml``, in its order."""
    return [
        Stage(s["id"], s.get("label", s["id"]), int(s["months"][0]), int(s["months"][1]))
        for s in raw["stages"]
    ]


def survey_design(raw: Mapping[str, Any]) -> SurveyDesign:
    """What the report says about a parsed ``instrument.yaml``."""
    labels = {d["id"]: d.get("label", d["id"]) for d in raw.get("domains", [])}
    scale = {int(p["score"]): str(p["label"]) for p in raw["scale"]["points"]}
    return SurveyDesign(len(raw.get("statements", [])), labels, scale)


def guard_suite(rule: str, raw: Mapping[str, Any]) -> GuardSuite:
    """A guard suite from its parsed YAML file."""
    return GuardSuite(
        rule, str(raw["name"]), str(raw.get("description", "")), len(raw.get("expectations", []))
    )


# --------------------------------------------------------------------------- numbers


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(value) else value


def fmt_number(text: str, decimals: int) -> str:
    """A CSV number to ``decimals`` places, halves away from zero; '' is 'n/a'; text stays."""
    if text == "":
        return NOT_AVAILABLE
    value = _float(text)
    return text if value is None else format_half_up(value, decimals)


def fmt_p(text: str) -> str:
    """A p value to 3 decimals, or '<0.001'."""
    shown = fmt_number(text, 3)
    return "<0.001" if shown == "0.000" else shown


def fmt_percent(text: str, share: bool = False) -> str:
    """A percentage to 1 decimal; ``share`` values (0 to 1) are multiplied by 100 first."""
    value = _float(text)
    if value is None:
        return NOT_AVAILABLE if text == "" else text
    return format_half_up(value * 100 if share else value, 1)


def fmt_count(text: str) -> str:
    """A whole number written as 6.0 printed as 6; anything else as it is."""
    value = _float(text)
    return str(int(value)) if value is not None and value.is_integer() else text


def fmt_hours(value: float) -> str:
    """Hours to 2 decimals."""
    return format_half_up(value, 2)


# --------------------------------------------------------------------------- computations


def month_windows(start: str, months: int) -> pd.DataFrame:
    """First and last day of each secondment month (month k starts k - 1 months after start)."""
    first = pd.Timestamp(start).normalize()
    rows = []
    for k in range(1, months + 1):
        begin = first + pd.DateOffset(months=k - 1)
        end = first + pd.DateOffset(months=k) - pd.Timedelta(days=1)
        rows.append({"month": k, "from": begin.date().isoformat(), "to": end.date().isoformat()})
    return pd.DataFrame(rows, columns=["month", "from", "to"])


def _months_of(dates: pd.Series, start: str, months: int) -> pd.Series:
    parsed = pd.to_datetime(dates, format="%Y-%m-%d", errors="coerce")
    return secondment_month(parsed, start, months)


def timeline(
    survey: pd.DataFrame,
    activities: pd.DataFrame,
    segments: pd.DataFrame,
    start: str,
    months: int,
    phases: Mapping[str, Sequence[int]],
    stages: Sequence[Stage],
) -> pd.DataFrame:
    """One row per secondment month: dates, phase, stage and the data collected in it.

    The survey has no date: its respondents count in month 1 (pre) and the last month (post).
    Activity entries are rows of the anonymised diary (work only), a diary entry a distinct
    participant and date with a coded segment; months come from the dates, as at anonymisation.
    """
    frame = month_windows(start, months)
    month = frame["month"]
    phase = phase_of_month(month, phases)
    frame["phase"] = [phase_label(p) if isinstance(p, str) else "" for p in phase]
    stage_of = {m: s.label for s in stages for m in range(s.first, s.last + 1)}
    frame["stage"] = [stage_of.get(int(m), "") for m in month]
    respondents = survey.groupby("timepoint")["pid"].nunique().to_dict()
    frame["survey_pre"] = [int(respondents.get("pre", 0)) if m == 1 else 0 for m in month]
    frame["survey_post"] = [int(respondents.get("post", 0)) if m == months else 0 for m in month]
    act_month = _months_of(activities["date"], start, months)
    hours = pd.to_numeric(activities["hours"], errors="coerce")
    frame["activity_entries"] = [int((act_month == m).sum()) for m in month]
    frame["activity_hours"] = [float(hours[(act_month == m).fillna(False)].sum()) for m in month]
    entries = segments[["pid", "entry_date"]].drop_duplicates()
    entry_month = _months_of(entries["entry_date"], start, months)
    frame["diary_entries"] = [int((entry_month == m).sum()) for m in month]
    return frame


def survey_comments(survey: pd.DataFrame) -> list[tuple[str, str, list[str]]]:
    """Free-text survey comments as (timepoint, question, texts), pre before post.

    Questions keep their order of first appearance; texts are sorted so that their order does
    not follow the pids (nothing links a comment to its author or to other comments).
    """
    is_comment = survey["item"].str.strip().str.lower().str.startswith("comment")
    rows = survey[is_comment & (survey["text"].str.strip() != "")]
    groups = []
    for timepoint in ("pre", "post"):
        at = rows[rows["timepoint"] == timepoint]
        for item in dict.fromkeys(at["item"]):
            question = re.sub(r"(?i)^\s*comments?\s*[:\-–]?\s*", "", item).strip() or item
            groups.append((timepoint, question, sorted(at.loc[at["item"] == item, "text"])))
    return groups


def small_cells(tables: Mapping[str, tuple[pd.DataFrame, str]], threshold: int) -> dict[str, int]:
    """Cells per table whose participant count is from 1 to ``threshold`` - 1."""
    counts = {}
    for name, (frame, column) in tables.items():
        values = pd.to_numeric(frame[column], errors="coerce")
        counts[name] = int(((values > 0) & (values < threshold)).sum())
    return counts


def data_uri(svg: bytes) -> str:
    """An SVG as a base64 data: URI."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")


def without_folder(text: str, file: str) -> str:
    """``text`` with the folder of ``file`` (a drop path, maybe absolute) removed."""
    folder = file.rsplit("/", 1)[0] + "/" if "/" in file else ""
    return text.replace(folder, "") if folder else text


# --------------------------------------------------------------------------- HTML pieces


@dataclass(frozen=True)
class Col:
    """A table column: header and how a row (a dict of CSV text) gives its cell."""

    header: str
    cell: Callable[[Mapping[str, str]], str]
    numeric: bool = False


def text(column: str, header: str | None = None) -> Col:
    """A column shown as written."""
    return Col(header or column, lambda r: r[column])


def count(column: str, header: str | None = None) -> Col:
    """A count, right-aligned."""
    return Col(header or column, lambda r: fmt_count(r[column]), numeric=True)


def number(column: str, decimals: int, header: str | None = None) -> Col:
    """A number to ``decimals`` places."""
    return Col(header or column, lambda r: fmt_number(r[column], decimals), numeric=True)


def pvalue(column: str, header: str | None = None) -> Col:
    """A p value (3 decimals or '<0.001')."""
    return Col(header or column, lambda r: fmt_p(r[column]), numeric=True)


def percent(column: str, header: str | None = None, share: bool = False) -> Col:
    """A percentage to 1 decimal (``share``: a 0-1 value printed as a percentage)."""
    return Col(header or column, lambda r: fmt_percent(r[column], share), numeric=True)


def _records(frame: pd.DataFrame) -> list[dict[str, str]]:
    return [{str(k): str(v) for k, v in row.items()} for row in frame.to_dict("records")]


def table(
    frame: pd.DataFrame | list[dict[str, str]],
    columns: Sequence[Col],
    caption: str = "",
    css: str = "",
) -> str:
    """An HTML table; every header and cell escaped."""
    rows = _records(frame) if isinstance(frame, pd.DataFrame) else frame
    lines = [f'<table class="{esc(css)}">' if css else "<table>"]
    if caption:
        lines.append(f"<caption>{esc(caption)}</caption>")
    lines.append("<thead><tr>" + "".join(f"<th>{esc(c.header)}</th>" for c in columns) + "</tr>")
    lines.append("</thead><tbody>")
    for row in rows:
        cells = "".join(
            f'<td class="n">{esc(c.cell(row))}</td>'
            if c.numeric
            else f"<td>{esc(c.cell(row))}</td>"
            for c in columns
        )
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def pairs_table(pairs: Sequence[tuple[str, str]], caption: str = "") -> str:
    """A two-column table of label and value."""
    rows = [{"k": k, "v": v} for k, v in pairs]
    return table(rows, [text("k", "Item"), text("v", "Value")], caption, "facts")


def figure(inputs: ReportInputs, name: str) -> str:
    """A figure of the run as an embedded image with its caption ('' if not among the inputs)."""
    svg = inputs.figures.get(name)
    if svg is None or (_publication(inputs) and name in PARTICIPANT_FIGURES):
        return ""
    caption = FIGURES[name]
    return (
        f'<figure><img src="{data_uri(svg)}" alt="{esc(caption)}">'
        f"<figcaption>{esc(caption)} (figures/{esc(name)}.svg)</figcaption></figure>"
    )


def para(*sentences: str) -> str:
    """A paragraph of escaped text."""
    return "<p>" + esc(" ".join(s for s in sentences if s)) + "</p>"


def bullets(items: Sequence[str]) -> str:
    """A list of escaped items."""
    return "<ul>" + "".join(f"<li>{esc(i)}</li>" for i in items) + "</ul>"


def _h3(title: str) -> str:
    return f"<h3>{esc(title)}</h3>"


def _join(words: Sequence[str]) -> str:
    words = list(words)
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def _publication(inputs: ReportInputs) -> bool:
    return inputs.settings.mode == "publication"


def _secondment_end(settings: Settings) -> str:
    return secondment_window(settings.start, settings.months)[1].date().isoformat()


def _phase_text(phases: Mapping[str, Sequence[int]]) -> str:
    return _join([phase_label(p, phases) for p in phases])


def _stage_text(stages: Sequence[Stage]) -> str:
    return _join(
        [
            f"{s.label} (month {s.first})"
            if s.first == s.last
            else f"{s.label} (months {s.first}-{s.last})"
            for s in stages
        ]
    )


def _segments_distinct(segments: pd.DataFrame) -> tuple[int, int]:
    entries = len(segments[["pid", "entry_date"]].drop_duplicates())
    return entries, len(segments[["pid", "entry_date", "text"]].drop_duplicates())


# --------------------------------------------------------------------------- sections


def _summary(inputs: ReportInputs) -> str:
    s, summary, pairing = inputs.settings, inputs.summary, inputs.pairing
    people = pairing.get("participants", {})
    both = int(people.get("both", 0))
    pre, post = both + int(people.get("pre_only", 0)), both + int(people.get("post_only", 0))
    answers = pairing.get("answers", {})
    hours = pd.to_numeric(inputs.activities["hours"], errors="coerce").sum()
    entries, segments = _segments_distinct(inputs.segments)
    redactions = summary.get("redactions", {})
    facts = [
        ("Cohort", s.cohort),
        ("Secondment", f"{s.months} months, {s.start} to {_secondment_end(s)}"),
        (
            "Participants analysed",
            f"{summary.get('participants_analysed')} of {summary.get('participants_in_roster')} "
            f"in the roster; {summary.get('participants_excluded_withdrawn')} withdrawn and "
            "removed from every table",
        ),
        ("Survey responses", f"{pre} pre, {post} post; {both} participants answered both"),
        (
            "Survey answers paired",
            f"{answers.get('complete', 0)} complete pairs of {answers.get('pairs', 0)} "
            "(participant × statement)",
        ),
        (
            "Activity diary",
            f"{len(inputs.activities)} work entries, {fmt_hours(float(hours))} hours "
            f"({summary.get('leave_rows_removed', 0)} leave entries removed)",
        ),
        (
            "Reflective diaries",
            f"{entries} entries with {segments} coded segments "
            f"({len(inputs.segments)} segment × code × coder rows)",
        ),
        (
            "Free text redacted",
            "; ".join(f"{k.replace('_', ' ')} {v}" for k, v in redactions.items()) or "none",
        ),
    ]
    demographics = table(
        inputs.demographics,
        [text(c) for c in inputs.demographics.columns],
        "Participant characteristics (tables/demographics.csv), as written under disclosure "
        f"mode {s.mode}.",
    )
    return pairs_table(facts, "The cohort at a glance.") + demographics


def _timeline(inputs: ReportInputs) -> str:
    s = inputs.settings
    frame = timeline(
        inputs.survey,
        inputs.activities,
        inputs.segments,
        s.start,
        s.months,
        s.phases,
        inputs.stages,
    )
    rows = _records(frame)
    total = {c: "" for c in frame.columns}
    total["month"] = "All"
    for column in ("survey_pre", "survey_post", "activity_entries", "diary_entries"):
        total[column] = str(int(frame[column].sum()))
    total["activity_hours"] = str(float(frame["activity_hours"].sum()))
    rows.append(total)
    columns = [
        text("month", "Secondment month"),
        text("from", "From"),
        text("to", "To"),
        text("phase", "Activity phase"),
        text("stage", "Diary stage"),
        count("survey_pre", "Survey pre responses"),
        count("survey_post", "Survey post responses"),
        count("activity_entries", "Activity entries"),
        Col("Activity hours", lambda r: fmt_hours(float(r["activity_hours"])), numeric=True),
        count("diary_entries", "Diary entries"),
    ]
    return table(
        rows, columns, "Table 1. The timing of the data collection elements.", "timeline"
    ) + para(
        "The survey carries no date: its pre responses are placed in month 1 and its post "
        f"responses in month {s.months}, the last month. Activity entries are the work rows of "
        "the anonymised activity diary (leave removed); a diary entry is a participant's dated "
        "reflective diary entry with at least one coded segment. Month k starts k − 1 calendar "
        f"months after {s.start}. Activity analysis: {_phase_text(s.phases)}; diary analysis "
        f"by stage: {_stage_text(inputs.stages)}."
    )


def _methods(inputs: ReportInputs) -> str:
    s, d, v, summary = inputs.settings, inputs.design, inputs.versions, inputs.summary
    survey, contract = s.survey, s.contract
    domains = _join(list(d.domain_labels.values()))
    low, high = min(d.scale), max(d.scale)
    expected = contract_weeks(s.start, s.months) * contract["weekly_hours"] * contract["wte"]
    paragraphs = [
        para(
            f"Cohort {s.cohort} was followed over a {s.months}-month secondment from {s.start} to "
            f"{_secondment_end(s)} with a pre and post secondment survey, work activity diaries "
            "and individual reflective diaries (Table 1). Each raw input was checked against the "
            f"data contract with great-expectations {v.get('great-expectations', '')} before use "
            "(section 7). Participants were then pseudonymised (keyed HMAC-SHA256, "
            f"{summary.get('pid_digits')} hex digits); those who withdrew were removed from every "
            "table, leave was removed from the activity diaries, and free text was redacted "
            "(names, e-mail addresses, NHS, phone and HCPC numbers, postcodes) before analysis.",
        ),
        para(
            f"Confidence in {d.statements} statements grouped into {len(d.domain_labels)} domains "
            f"({domains}) was rated on a {len(d.scale)}-point Likert scale from {low} "
            f"({d.scale[low]}) to {high} ({d.scale[high]}). Pre and post responses of the "
            "participants present in both surveys were compared with the Wilcoxon signed-rank "
            "test (differences post − pre, pairs with a missing answer dropped) in two analysis "
            "units: pooled participant × statement pairs, as the study analysed them (Table 2), "
            "and one pair per participant, the participant's mean over the domain's statements. "
            "Z is the SPSS-compatible asymptotic statistic (tie-corrected, no continuity "
            "correction) with its two-sided asymptotic p. An exact permutation p given the "
            "observed ties is reported alongside: exhaustive up to "
            f"{survey['max_exact_pairs']} non-zero pairs, otherwise a Monte Carlo estimate from "
            f"{survey['monte_carlo_draws']} draws (seed {survey['seed']}). The asymptotic p "
            f"values are adjusted over the {len(d.domain_labels)} domains of each unit by Holm's "
            "step-down method. Effect sizes are r = |Z|/√n and the matched-pairs rank-biserial "
            "correlation; the shift is estimated by the Hodges-Lehmann estimator with its 95 % "
            "interval. Each domain's internal consistency is Cronbach's alpha with Feldt 95 % "
            "intervals. A statement counts as still low after the secondment when any post answer "
            f"is at most {survey['low_answer']} or its post mean is below {survey['low_mean']}.",
        ),
        para(
            "Work activity diary hours were analysed in phases, "
            f"{_phase_text(s.phases)}: each category's share is of all work hours of the phase, "
            "pooled over participants. Expected contract hours are the weeks of the secondment × "
            f"{contract['weekly_hours']} hours × {contract['wte']} WTE, "
            f"{fmt_hours(expected)} hours per participant.",
        ),
        para(
            "Reflective diary segments were coded against the codebook's themes, critical events "
            "and narrative threads, and counted as distinct segments per code and stage of the "
            f"narrative timeline: {_stage_text(inputs.stages)}. Each thread and stage is "
            "illustrated by one redacted segment, chosen among those flagged as exemplars, then "
            "by length. Diary keeping is compared with the agreed rule of at least one entry "
            "every two weeks.",
        ),
        para(
            f"Disclosure mode {s.mode}: "
            + (
                f"in the demographics, counts from 1 to {s.threshold - 1} are suppressed, with "
                "secondary suppression so that no hidden count can be worked out from the total; "
                "this report holds no participant-level table or figure and no survey comment."
                if s.mode == "publication"
                else "nothing is suppressed. This report holds pseudonymised participant-level "
                "tables and redacted free text: it is for the evaluation team, not for "
                f"publication (publication mode would suppress counts below {s.threshold})."
            ),
        ),
        para(
            "Software: "
            + _join([f"{name} {version}" for name, version in v.items()])
            + f"; cohort-eval report code {inputs.code}."
        ),
    ]
    return "".join(paragraphs)


def _domain_rows(inputs: ReportInputs) -> list[dict[str, str]]:
    labels = inputs.design.domain_labels
    rows = _records(inputs.domains)
    for row in rows:
        row["label"] = domain_label(row["domain"], labels)
        low, high = row["hl_ci_low"], row["hl_ci_high"]
        ci = f" [{fmt_number(low, 2)}, {fmt_number(high, 2)}]" if low and high else ""
        row["hl"] = fmt_number(row["hl_estimate"], 2) + ci
        row["notes"] = "; ".join(x for x in (f"p exact: {row['p_method']}", row["note"]) if x)
    return rows


def _survey(inputs: ReportInputs) -> str:
    parts = [
        _h3("Confidence by category"),
        table2_html(
            inputs.table2, "Table 2. Pre and post secondment confidence scores by category."
        ),
        para(
            "Pooled participant × statement pairs, as in the study; Z as SPSS prints it, p "
            "two-sided asymptotic (tables/table2.csv)."
        ),
        _h3("Wilcoxon signed-rank tests, both analysis units"),
        table(
            _domain_rows(inputs),
            [
                text("label", "Domain"),
                text("unit", "Unit"),
                count("n_participants", "Participants"),
                count("n_pairs", "Pairs"),
                count("n_nonzero", "Non-zero"),
                number("z", 2, "Z"),
                pvalue("p", "p"),
                pvalue("p_exact", "p exact"),
                pvalue("p_holm", "p Holm"),
                number("effect_r", 2, "r"),
                number("rank_biserial", 2, "Rank-biserial"),
                Col("HL shift [95 % CI]", lambda r: r["hl"], numeric=True),
                number("alpha_pre", 2, "α pre"),
                number("alpha_post", 2, "α post"),
                text("notes", "Notes"),
            ],
            "Survey domains, pooled pairs (item_pairs) and participant means (participant) "
            "(tables/survey_domains.csv).",
            "wide",
        ),
        para(
            "Z is at most 0 whatever the direction: the direction is in the rank-biserial "
            "correlation and the HL shift (post − pre). Cronbach's alpha describes the domain, "
            "so both units show the same value; Feldt intervals are in the CSV (alpha_ci)."
        ),
        figure(inputs, "survey_likert"),
        figure(inputs, "survey_domains"),
        _h3("Statements"),
        table(
            inputs.items,
            [
                text("item", "Statement"),
                text("text", "Text"),
                count("n", "n"),
                Col("Pre median [Q1, Q3]", lambda r: _median(r, "pre"), numeric=True),
                Col("Post median [Q1, Q3]", lambda r: _median(r, "post"), numeric=True),
                number("pre_mean", 2, "Pre mean"),
                number("post_mean", 2, "Post mean"),
                percent("pre_top2_share", "Pre top two %", share=True),
                percent("post_top2_share", "Post top two %", share=True),
                count("improved", "Improved"),
                count("same", "Same"),
                count("worse", "Worse"),
                text("low_after", "Still low after"),
            ],
            "Each statement over its complete pairs (tables/survey_items.csv).",
            "wide",
        ),
    ]
    if not _publication(inputs):
        parts.append(_comments(inputs))
    return "".join(parts)


def _median(row: Mapping[str, str], time: str) -> str:
    return (
        f"{fmt_number(row[f'{time}_median'], 2)} "
        f"[{fmt_number(row[f'{time}_q1'], 2)}, {fmt_number(row[f'{time}_q3'], 2)}]"
    )


def _comments(inputs: ReportInputs) -> str:
    groups = survey_comments(inputs.survey)
    parts = [
        _h3("Survey comments"),
        para(
            "Free-text answers as redacted at anonymisation, in alphabetical order and not "
            "attributed (internal mode only)."
        ),
    ]
    if not groups:
        parts.append(para("No survey comment was written."))
    for timepoint, question, texts in groups:
        survey = "Pre-secondment survey" if timepoint == "pre" else "Post-secondment survey"
        parts.append(f"<h4>{esc(survey)}: {esc(question)}</h4>")
        parts.append('<ul class="quotes">' + "".join(f"<li>{esc(t)}</li>" for t in texts) + "</ul>")
    return "".join(parts)


def _activities(inputs: ReportInputs) -> str:
    s = inputs.settings
    phases = _records(inputs.phases)
    for row in phases:
        row["phase_label"] = phase_label(row["phase"], s.phases)
    change_columns = [text("label", "Activity")]
    for phase in s.phases:
        change_columns.append(percent(f"percent_{phase}", f"{phase_label(phase, s.phases)} %"))
    change_columns.append(number("change_pp", 1, "Change (percentage points)"))
    contract = inputs.contract
    if _publication(inputs):
        contract = contract[contract["pid"] == "cohort"]
    return "".join(
        [
            figure(inputs, "activity_phases"),
            table(
                phases,
                [
                    text("phase_label", "Phase"),
                    text("label", "Activity"),
                    number("hours", 2, "Hours"),
                    percent("percent", "% of the phase's work hours"),
                    count("n_participants", "Participants"),
                ],
                "Share of work hours per activity and phase (tables/activity_phases.csv).",
            ),
            table(
                inputs.change,
                change_columns,
                "Change in the share of work hours between the first and the last phase "
                "(tables/activity_change.csv).",
            ),
            table(
                contract,
                [
                    text("pid", "Participant"),
                    number("expected_hours", 2, "Expected hours"),
                    number("activity_hours", 2, "Activity hours"),
                    number("leave_hours", 2, "Leave hours"),
                    number("recorded_hours", 2, "Recorded hours"),
                    number("unaccounted_hours", 2, "Unaccounted hours"),
                    percent("recorded_percent", "Recorded %"),
                ],
                "Contract hours against the hours the diaries account for "
                "(tables/contract_hours.csv"
                + (", cohort row only in publication mode)." if _publication(inputs) else ")."),
            ),
        ]
    )


def _threads_grid(inputs: ReportInputs) -> str:
    frame = inputs.threads
    stages = list(dict.fromkeys(zip(frame["stage"], frame["stage_label"], strict=True)))
    threads = list(dict.fromkeys(zip(frame["thread"], frame["thread_label"], strict=True)))
    cells = {(r["thread"], r["stage"]): r for r in _records(frame)}
    lines = [
        '<table class="grid">',
        "<caption>Table 5. Narrative threads and exemplars "
        "(tables/threads_by_stage.csv).</caption>",
        '<thead><tr><th rowspan="2">Narrative thread</th>'
        f'<th colspan="{len(stages)}">Secondment timeline</th></tr><tr>'
        + "".join(f"<th>{esc(label)}</th>" for _, label in stages)
        + "</tr></thead><tbody>",
    ]
    unflagged = False
    for thread, thread_text in threads:
        row = [f"<th>{esc(thread_text)}</th>"]
        for stage, _ in stages:
            cell = cells.get((thread, stage))
            if cell is None or not cell["exemplar"]:
                row.append('<td><span class="count">no segment</span></td>')
                continue
            mark = "" if cell["exemplar_flagged"] == "True" else " †"
            unflagged = unflagged or bool(mark)
            row.append(
                f"<td><i>{esc(cell['exemplar'])}</i>{mark}<br>"
                f'<span class="count">{esc(fmt_count(cell["segments"]))} segments, '
                f"{esc(fmt_count(cell['participants']))} participants</span></td>"
            )
        lines.append("<tr>" + "".join(row) + "</tr>")
    lines.append("</tbody></table>")
    if unflagged:
        lines.append(
            para("† No segment of the cell was flagged as an exemplar: the longest is quoted.")
        )
    return "\n".join(lines)


def _events_grid(inputs: ReportInputs) -> str:
    frame = inputs.events
    months = list(dict.fromkeys(frame["month"]))
    events = list(dict.fromkeys(zip(frame["event"], frame["label"], strict=True)))
    cells = {(r["event"], r["month"]): r for r in _records(frame)}
    lines = [
        '<table class="grid">',
        "<caption>Table 4. Critical events over the secondment: segments (participants) per "
        "secondment month (tables/critical_events.csv).</caption>",
        '<thead><tr><th rowspan="2">Critical event</th>'
        f'<th colspan="{len(months)}">Secondment month</th></tr><tr>'
        + "".join(f"<th>{esc(m)}</th>" for m in months)
        + "</tr></thead><tbody>",
    ]
    for event, label in events:
        row = [f"<th>{esc(label)}</th>"]
        for month in months:
            cell = cells.get((event, month), {"segments": "0", "participants": "0"})
            segments = fmt_count(cell["segments"])
            shown = "0" if segments == "0" else f"{segments} ({fmt_count(cell['participants'])})"
            row.append(f'<td class="n">{esc(shown)}</td>')
        lines.append("<tr>" + "".join(row) + "</tr>")
    lines.append("</tbody></table>")
    return "\n".join(lines)


def _agreement(inputs: ReportInputs) -> str:
    summary = inputs.agreement_summary
    coders = int(summary.get("coders", 0))
    parts = [_h3("Coder agreement")]
    if coders < 2:
        who = "a single coder" if coders == 1 else "no named coder"
        parts.append(
            para(
                f"The diary segments were coded by {who}, so agreement between coders cannot be "
                f"computed ({summary.get('note', 'tables/coder_agreement.json')})."
            )
        )
        return "".join(parts)
    alpha = summary.get("krippendorff_alpha")
    parts.append(
        para(
            f"{coders} coders ({', '.join(map(str, summary.get('coder_ids', [])))}) shared "
            f"{summary.get('units')} segments. Krippendorff's alpha: "
            f"{NOT_AVAILABLE if alpha is None else format_half_up(float(alpha), 2)} "
            f"({summary.get('method', '')})."
        )
    )
    pairs = [
        f"{p['coder_a']} and {p['coder_b']}: {p['units']} shared segments, "
        + (
            NOT_AVAILABLE
            if p.get("percent_agreement") is None
            else f"{format_half_up(float(p['percent_agreement']), 1)} % agreement"
        )
        for p in summary.get("pairs", [])
    ]
    if pairs:
        parts.append(bullets(pairs))
    parts.append(
        table(
            inputs.agreement,
            [
                text("coder_a", "Coder A"),
                text("coder_b", "Coder B"),
                text("code", "Code"),
                text("kind", "Kind"),
                count("units", "Units"),
                count("both", "Both"),
                count("coder_a_only", "A only"),
                count("coder_b_only", "B only"),
                count("neither", "Neither"),
                percent("percent_agreement", "Agreement %"),
                number("kappa", 2, "Kappa"),
            ],
            "Agreement per pair of coders and code (tables/coder_agreement.csv).",
        )
    )
    return "".join(parts)


def _diaries(inputs: ReportInputs) -> str:
    labels = {s.id: s.label for s in inputs.stages}
    stage_columns = [
        count(c, f"Segments: {labels.get(c.removeprefix('segments_'), c)}")
        for c in inputs.frequencies.columns
        if c.startswith("segments_")
    ]
    parts = [
        table(
            inputs.frequencies,
            [
                text("code", "Code"),
                text("kind", "Kind"),
                text("label", "Label"),
                count("segments", "Segments"),
                count("participants", "Participants"),
                percent("share_participants", "% of participants", share=True),
                *stage_columns,
            ],
            "Table 3. Themes, critical events and narrative threads identified in the diaries "
            "(tables/code_frequencies.csv).",
        ),
        figure(inputs, "code_frequencies"),
        _threads_grid(inputs),
        figure(inputs, "threads_by_stage"),
        _events_grid(inputs),
    ]
    if not _publication(inputs):
        parts += [
            _h3("Diary compliance"),
            table(
                inputs.compliance,
                [
                    text("pid", "Participant"),
                    count("entries", "Entries"),
                    text("first_entry", "First entry"),
                    text("last_entry", "Last entry"),
                    count("longest_gap_days", "Longest gap (days)"),
                    percent("fortnights_with_entry_share", "Fortnights with an entry %", True),
                    text("gap_over_14_days", "Gap over 14 days"),
                ],
                "Diary keeping against the rule of an entry at least every two weeks "
                "(tables/diary_compliance.csv; internal mode only).",
            ),
            figure(inputs, "diary_compliance"),
        ]
    parts.append(_agreement(inputs))
    return "".join(parts)


def _quality(inputs: ReportInputs) -> str:
    rows = []
    warnings = []
    for marker in inputs.markers:
        file = str(marker.get("file", ""))
        suites = marker.get("suites", {})
        rows.append(
            {
                "input": str(marker.get("input", "")),
                "file": file.rsplit("/", 1)[-1],
                "rows": str(marker.get("rows", "")),
                "suites": "; ".join(
                    f"{name}: {r['met']} of {r['evaluated']} met" for name, r in suites.items()
                ),
                "all": "yes" if all(r["met"] == r["evaluated"] for r in suites.values()) else "no",
                "warnings": str(len(marker.get("warnings", []))),
                "imported": "; ".join(f"{k}: {v}" for k, v in marker.get("imported", {}).items()),
            }
        )
        warnings += [
            f"{marker.get('input')}: {without_folder(str(w), file)}"
            for w in marker.get("warnings", [])
        ]
    columns = [
        text("input", "Raw input"),
        text("file", "File"),
        count("rows", "Rows"),
        text("suites", "Suites: expectations met of evaluated"),
        text("all", "All met"),
        count("warnings", "Warnings"),
    ]
    if any(r["imported"] for r in rows):
        columns.append(text("imported", "Imported"))
    summary = inputs.summary
    rows_in, rows_out = summary.get("rows_in", {}), summary.get("rows_out", {})
    anonymised = [
        ("Rows read from the drop", "; ".join(f"{k} {v}" for k, v in rows_in.items())),
        ("Rows written (anonymised/)", "; ".join(f"{k} {v}" for k, v in rows_out.items())),
        ("Withdrawn participants removed", str(summary.get("participants_excluded_withdrawn"))),
        ("Leave entries removed", str(summary.get("leave_rows_removed"))),
    ]
    guards = [
        {
            "rule": g.rule,
            "guards": GUARDED_OUTPUTS.get(g.rule, ""),
            "suite": g.name,
            "checks": g.description,
            "expectations": str(g.expectations),
            "result": "all met",
        }
        for g in inputs.guards
    ]
    return "".join(
        [
            _h3("Raw inputs"),
            table(
                rows,
                columns,
                "Validation of each raw input against the data contract "
                "(validation/<input>.ok.json).",
            ),
            bullets(warnings) if warnings else para("No check raised a warning."),
            _h3("Anonymisation"),
            pairs_table(
                anonymised, "What anonymisation kept and removed (anonymised/summary.json)."
            ),
            _h3("Output guards"),
            table(
                guards,
                [
                    text("rule", "Stage"),
                    text("guards", "Guards"),
                    text("suite", "Suite"),
                    text("checks", "Checks"),
                    count("expectations", "Expectations"),
                    text("result", "Result"),
                ],
                "Great-expectations suites each stage runs on its own tables before writing them.",
            ),
            para(
                "A stage writes nothing unless every expectation of its guard suites is met. "
                "This report was built from the outputs of every guarded stage, so their "
                "existence shows that each of these suites passed in full."
            ),
        ]
    )


def _small_sample(inputs: ReportInputs) -> str:
    s = inputs.settings
    rows = _domain_rows(inputs)
    parts = [
        table(
            rows,
            [
                text("label", "Domain"),
                text("unit", "Unit"),
                count("n_nonzero", "Non-zero pairs"),
                pvalue("min_achievable_p", "Smallest possible exact p"),
            ],
            "The smallest two-sided exact p each test can reach with its number of non-zero "
            "pairs, 2/2^n (min_achievable_p of tables/survey_domains.csv).",
        )
    ]
    floors = sorted(
        {_float(r["min_achievable_p"]) for r in rows if r["unit"] == "participant"} - {None}
    )
    if floors:
        shown = [fmt_p(repr(f)) for f in (floors[0], floors[-1])]
        parts.append(
            para(
                "On participant means (one pair per participant, "
                f"{inputs.summary.get('participants_analysed')} participants analysed) no test "
                "can give an exact two-sided p below "
                + (
                    f"{shown[0]}."
                    if shown[0] == shown[1]
                    else f"{shown[0]} to {shown[1]}, by domain."
                ),
                "The pooled item_pairs tests reach smaller p values only because each "
                "participant contributes several pairs, which are not independent.",
            )
        )
    warned = [f"{r['label']}, {r['unit']}: {r['note']}" for r in rows if r["note"]]
    parts += [_h3("Warnings of the survey analysis"), bullets(warned) if warned else ""]
    parts.append(_h3("Disclosure"))
    if _publication(inputs):
        hidden = inputs.demographics[inputs.demographics["suppressed"] == "True"]
        notes = [
            f"{r['variable']} {r['category']} ({r['statistic']}): {r['shown']}, {r['reason']}"
            for r in _records(hidden)
        ]
        small = small_cells(
            {
                "code_frequencies": (inputs.frequencies, "participants"),
                "threads_by_stage": (inputs.threads, "participants"),
                "critical_events": (inputs.events, "participants"),
                "activity_phases": (inputs.phases, "n_participants"),
            },
            s.threshold,
        )
        parts += [
            para(
                f"Publication mode, threshold {s.threshold}: {len(hidden)} demographic cells are "
                "suppressed."
            ),
            bullets(notes) if notes else "",
            para(
                "Left out of this report: the survey comments, the per-participant contract "
                "hours, diary compliance table and figure, and the coder disagreements; the "
                "per-participant tables activity_participant_shares and code_participants are "
                "not made in this mode. The survey, activity and diary counts are not suppressed: "
                + (
                    f"cells with 1 to {s.threshold - 1} participants: "
                    + ", ".join(f"{n} in {name}" for name, n in small.items() if n)
                    + "; check them before publishing."
                    if any(small.values())
                    else f"none of their cells has 1 to {s.threshold - 1} participants."
                )
            ),
        ]
    else:
        parts.append(
            para(
                "Internal mode: nothing is suppressed, and this report names participants by "
                "pid (contract hours, diary compliance). It is not for publication; run the "
                f"pipeline with disclosure mode publication (threshold {s.threshold}) for a "
                "report that can be shared."
            )
        )
    return "".join(parts)


def _provenance(inputs: ReportInputs) -> str:
    s = inputs.settings
    raw = [
        {
            "input": str(m.get("input", "")),
            "file": str(m.get("file", "")).rsplit("/", 1)[-1]
            + "".join(f" + {str(c).rsplit('/', 1)[-1]}" for c in m.get("companions", [])),
            "sha256": str(m.get("sha256", "")),
        }
        for m in inputs.markers
    ]
    files = [{"file": k, "sha256": v} for k, v in inputs.checksums.items()]
    config = [
        ("cohort", s.cohort),
        ("start", s.start),
        ("months", str(s.months)),
        ("phases", "; ".join(f"{p}: months {a}-{b}" for p, (a, b) in s.phases.items())),
        ("codebook stages", "; ".join(f"{g.id}: months {g.first}-{g.last}" for g in inputs.stages)),
        ("contract", f"wte {s.contract['wte']}, weekly_hours {s.contract['weekly_hours']}"),
        ("survey", ", ".join(f"{k} {v}" for k, v in s.survey.items())),
        ("disclosure", f"mode {s.mode}, threshold {s.threshold}"),
        ("anonymisation", f"pid_digits {inputs.summary.get('pid_digits')}"),
    ]
    return "".join(
        [
            table(
                raw,
                [text("input", "Raw input"), text("file", "File"), text("sha256", "SHA-256")],
                "Raw inputs as validated (validation/<input>.ok.json).",
                "hashes",
            ),
            table(
                files,
                [text("file", "File"), text("sha256", "SHA-256")],
                "Files this report was built from, as read when it was rendered.",
                "hashes",
            ),
            pairs_table(config, "Configuration used."),
            pairs_table(
                [*inputs.versions.items(), ("report code hash (render_report)", inputs.code)],
                "Software.",
            ),
        ]
    )


STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
color:#1a1a1a;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}
h2{font-size:1.3rem;border-bottom:2px solid #005eb8;padding-bottom:.2rem;margin-top:2.5rem}
h3{font-size:1.1rem;margin-top:1.6rem}h4{font-size:1rem;margin-bottom:.3rem}
.mode{padding:.5rem .8rem;border-left:4px solid #005eb8;background:#eef4fa}
.mode.internal{border-color:#d5281b;background:#fbeeed}
nav ol{columns:3;padding-left:1.2rem}
table{border-collapse:collapse;margin:1rem 0;font-size:.85rem}
caption{caption-side:top;text-align:left;font-weight:600;padding-bottom:.3rem}
th,td{border:1px solid #c8c8c8;padding:.25rem .45rem;vertical-align:top;text-align:left}
thead th{background:#f0f0f0}td.n{text-align:right;white-space:nowrap}
table.wide{font-size:.78rem}table.grid td{min-width:12rem}
table.hashes td{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.75rem}
table.facts th,table.facts td{border:none;border-bottom:1px solid #e0e0e0}
table.table2 td{text-align:right}table.table2 td:first-child{text-align:left}
.count{color:#555;font-size:.8rem}
ul.quotes li{font-style:italic;margin-bottom:.3rem}
figure{margin:1.2rem 0}figure img{max-width:100%;height:auto}
figcaption{font-size:.85rem;color:#333}
@media print{h2{break-before:page}figure,table{break-inside:avoid}}
"""


def render_report(inputs: ReportInputs) -> str:
    """The whole report as one HTML page."""
    s = inputs.settings
    if _publication(inputs):
        mode = (
            '<p class="mode publication">Publication mode: no participant-level table or '
            "figure, no survey comment; demographic counts below "
            f"{esc(s.threshold)} suppressed.</p>"
        )
    else:
        mode = (
            '<p class="mode internal">Internal report, not for publication: it holds '
            "pseudonymised participant-level tables and redacted free text.</p>"
        )
    bodies = {
        "summary": _summary,
        "timeline": _timeline,
        "methods": _methods,
        "survey": _survey,
        "activities": _activities,
        "diaries": _diaries,
        "quality": _quality,
        "small-sample": _small_sample,
        "provenance": _provenance,
    }
    nav = "".join(f'<li><a href="#{key}">{esc(title[3:])}</a></li>' for key, title in SECTIONS)
    sections = [
        f'<section id="{key}">\n<h2>{esc(title)}</h2>\n{bodies[key](inputs)}\n</section>'
        for key, title in SECTIONS
    ]
    title = f"Cohort evaluation report: {s.cohort}"
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"<header>\n<h1>{esc(title)}</h1>\n"
        f"<p>Secondment of {esc(s.months)} months from {esc(s.start)} to "
        f"{esc(_secondment_end(s))}. Built by cohort-eval from the outputs of the pipeline "
        "run.</p>\n"
        f"{mode}\n<nav><ol>{nav}</ol></nav>\n</header>\n<main>\n"
        + "\n".join(sections)
        + "\n</main>\n</body>\n</html>\n"
    )
