"""The cohort report on a tiny hand-made cohort: per-month counts, escaping, no external URL,
nothing participant-level in publication mode, every section in order."""

from __future__ import annotations

import base64
import dataclasses
import re
from html.parser import HTMLParser

import pandas as pd
import pytest

from cohort_eval import report
from cohort_eval.report import (
    SECTIONS,
    GuardSuite,
    ReportInputs,
    Settings,
    Stage,
    SurveyDesign,
    fmt_count,
    fmt_number,
    fmt_p,
    fmt_percent,
    month_windows,
    parse_table,
    render_report,
    survey_comments,
    timeline,
)

PID = re.compile(r"P-[0-9a-f]{6,16}")
DATA_URI = re.compile(r"data:image/svg\+xml;base64,[A-Za-z0-9+/=]*")
START = "2023-09-04"  # month 1: 2023-09-04 to 2023-10-03; month 2: 2023-10-04 to 2023-11-03
PHASES = {"phase1": [1, 1], "phase2": [2, 2]}
STAGES = [Stage("beginning", "Beginning - Surviving", 1, 1), Stage("end", "End - Thriving", 2, 2)]
SCRIPT = "I hope to lead <script>alert('x')</script> & grow"


def csv(text: str) -> pd.DataFrame:
    return parse_table(text.encode("utf-8"))


SURVEY = csv(
    "pid,timepoint,item,domain,score,text\n"
    "P-0000aaaa,pre,COM01,communication,2,\n"
    f'P-0000aaaa,pre,comment: What do you hope to gain?,comment,,"{SCRIPT}"\n'
    "P-0000aaaa,post,COM01,communication,4,\n"
    "P-0000aaaa,post,Comment: What impact has it had?,comment,,Zest for strategy.\n"
    "P-0000bbbb,pre,COM01,communication,3,\n"
    "P-0000bbbb,pre,comment: What do you hope to gain?,comment,,A wider network.\n"
    "P-0000cccc,post,COM01,communication,5,\n"
    "P-0000cccc,post,Comment: What impact has it had?,comment,,\n"
)
ACTIVITIES = csv(
    "pid,date,month,category,hours,description\n"
    "P-0000aaaa,2023-09-04,1,cpd,1.5,\n"
    "P-0000aaaa,2023-10-03,1,cpd,2.0,\n"
    "P-0000bbbb,2023-10-04,2,project_delivery,3.25,\n"
)
SEGMENTS = csv(
    "pid,entry_date,month,code,kind,text,coder,exemplar\n"
    "P-0000aaaa,2023-10-03,1,N01,thread,I doubt myself.,R1,True\n"
    "P-0000aaaa,2023-10-03,1,T01,theme,I doubt myself.,R1,False\n"
    "P-0000aaaa,2023-10-04,2,N01,thread,Now I know what I bring.,R1,False\n"
    "P-0000bbbb,2023-11-03,2,T01,theme,Last day.,R1,False\n"
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect/></svg>'
LIST_COLUMNS = "variable,category,statistic,value,shown,suppressed,reason\n"


def inputs(mode: str = "internal") -> ReportInputs:
    demographics = (
        "participants,all,count,3.0,3,False,internal mode: not for publication\n"
        if mode == "internal"
        else "participants,all,count,3.0,3,False,\n"
        "sex,female,count,,<5,True,primary: count below 5\n"
    )
    return ReportInputs(
        settings=Settings(
            cohort="tiny",
            start=START,
            months=2,
            mode=mode,
            threshold=5,
            phases=PHASES,
            contract={"wte": 0.5, "weekly_hours": 37.5},
            survey={
                "max_exact_pairs": 62,
                "monte_carlo_draws": 100000,
                "seed": 1,
                "low_answer": 2,
                "low_mean": 3.0,
            },
        ),
        design=SurveyDesign(1, {"communication": "Communication"}, {1: "Not at all", 5: "Very"}),
        stages=STAGES,
        summary={
            "participants_in_roster": 4,
            "participants_analysed": 3,
            "participants_excluded_withdrawn": 1,
            "rows_in": {"roster": 4},
            "rows_out": {"participants": 3},
            "leave_rows_removed": 2,
            "redactions": {"name": 1},
            "pid_digits": 8,
        },
        pairing={
            "participants": {"pre_only": 1, "post_only": 1, "both": 1},
            "answers": {"pairs": 1, "complete": 1},
        },
        markers=[
            {
                "input": "roster",
                "file": "/secure/drops/tiny/roster.csv",
                "sha256": "a" * 64,
                "rows": 4,
                "warnings": ["/secure/drops/tiny/roster.csv: 1 of 4 rows look odd"],
                "suites": {"columns": {"evaluated": 3, "met": 3}},
            }
        ],
        guards=[GuardSuite("analyse_survey", "survey_domains", "One row per domain.", 13)],
        survey=SURVEY,
        activities=ACTIVITIES,
        segments=SEGMENTS,
        demographics=csv(LIST_COLUMNS + demographics),
        domains=csv(
            "domain,unit,n_participants,n_pairs,n_nonzero,z,p,p_exact,p_method,p_holm,effect_r,"
            "rank_biserial,hl_estimate,hl_ci_low,hl_ci_high,min_achievable_p,alpha_pre,"
            "alpha_post,note\n"
            "communication,item_pairs,3,12,10,-3.4204586498323657,0.0006251563880912274,"
            "0.0002,exact,0.0006251563880912274,0.69,0.9,1.5,0.5,2.0,0.001953125,0.41,0.33,"
            "pooled pairs are not independent\n"
            "communication,participant,3,3,3,-1.6,0.109,0.25,exact,0.109,0.92,1.0,1.25,,,"
            "0.25,0.41,0.33,n < 10: normal approximation unreliable; see p_exact\n"
        ),
        table2=csv(
            "Category,Pre Mean ± SD,Pre Range,Post Mean ± SD,Post Range,Z,p\n"
            "Communication,2.7 ± 1.1,1-4,3.9 ± 0.5,3-5,-6.70,<0.001\n"
        ),
        items=csv(
            "item,text,n,pre_median,pre_q1,pre_q3,post_median,post_q1,post_q3,pre_mean,"
            "post_mean,pre_top2_share,post_top2_share,improved,same,worse,low_after\n"
            "COM01,Confidence in presenting,1,2.0,2.0,2.0,4.0,4.0,4.0,2.0,4.0,0.0,1.0,1,0,0,"
            "False\n"
        ),
        phases=csv(
            "phase,category,label,hours,percent,n_participants\n"
            "phase1,cpd,CPD,3.5,100.0,1\nphase2,project_delivery,Project delivery,3.25,100.0,1\n"
        ),
        change=csv(
            "category,label,percent_phase1,percent_phase2,change_pp\n"
            "cpd,CPD,100.0,0.0,-100.0\nproject_delivery,Project delivery,0.0,100.0,100.0\n"
        ),
        contract=csv(
            "pid,expected_hours,activity_hours,leave_hours,recorded_hours,unaccounted_hours,"
            "recorded_percent\n"
            "P-0000aaaa,162.5,3.5,0.0,3.5,159.0,2.1538461538461537\n"
            "cohort,487.5,6.75,0.0,6.75,480.75,1.3846153846153846\n"
        ),
        frequencies=csv(
            "code,kind,label,segments,participants,share_participants,segments_beginning,"
            "segments_end\n"
            "T01,theme,Limited self-belief,2,2,0.6666666666666666,1,1\n"
            "N01,thread,Self-belief,2,1,0.3333333333333333,1,1\n"
        ),
        threads=csv(
            "thread,thread_label,stage,stage_label,segments,participants,exemplar,"
            "exemplar_flagged\n"
            "N01,Self-belief,beginning,Beginning - Surviving,1,1,I doubt myself.,True\n"
            "N01,Self-belief,end,End - Thriving,1,1,Now I know what I bring.,False\n"
        ),
        events=csv("event,label,month,segments,participants\nE01,Induction,1,0,0\n"),
        compliance=csv(
            "pid,entries,first_entry,last_entry,longest_gap_days,fortnights_with_entry_share,"
            "gap_over_14_days\nP-0000aaaa,2,2023-10-03,2023-10-04,30,0.4,True\n"
        ),
        agreement=csv(
            "coder_a,coder_b,code,kind,units,both,coder_a_only,coder_b_only,neither,"
            "percent_agreement,kappa\n"
        ),
        agreement_summary={"coders": 1, "note": "agreement needs two or more coders"},
        figures={name: SVG for name in report.FIGURES},
        checksums={"tables/table2.csv": "b" * 64},
        versions={"Python": "3.11.7", "great-expectations": "1.24.1"},
        code="0123456789abcdef",
    )


@pytest.fixture(scope="module")
def internal() -> str:
    return render_report(inputs("internal"))


@pytest.fixture(scope="module")
def publication() -> str:
    return render_report(inputs("publication"))


def test_month_windows_follow_calendar_months_from_the_start():
    windows = month_windows("2024-01-31", 3)
    assert windows.to_dict("records") == [
        {"month": 1, "from": "2024-01-31", "to": "2024-02-28"},
        {"month": 2, "from": "2024-02-29", "to": "2024-03-30"},
        {"month": 3, "from": "2024-03-31", "to": "2024-04-29"},
    ]


def test_timeline_counts_each_month_on_both_sides_of_a_month_boundary():
    # 2023-10-03 is the last day of month 1 and 2023-10-04 the first of month 2.
    frame = timeline(SURVEY, ACTIVITIES, SEGMENTS, START, 2, PHASES, STAGES)
    assert frame.to_dict("records") == [
        {
            "month": 1,
            "from": "2023-09-04",
            "to": "2023-10-03",
            "phase": "Phase 1",
            "stage": "Beginning - Surviving",
            "survey_pre": 2,
            "survey_post": 0,
            "activity_entries": 2,
            "activity_hours": 3.5,
            "diary_entries": 1,
        },
        {
            "month": 2,
            "from": "2023-10-04",
            "to": "2023-11-03",
            "phase": "Phase 2",
            "stage": "End - Thriving",
            "survey_pre": 0,
            "survey_post": 2,
            "activity_entries": 1,
            "activity_hours": 3.25,
            "diary_entries": 2,
        },
    ]


def test_survey_comments_are_grouped_by_question_pre_first_and_sorted():
    assert survey_comments(SURVEY) == [
        ("pre", "What do you hope to gain?", ["A wider network.", SCRIPT]),
        ("post", "What impact has it had?", ["Zest for strategy."]),
    ]


def test_numbers_are_formatted_for_reading():
    assert fmt_p("0.0006251563880912274") == "0.001"  # Communication in Table 2
    assert fmt_p("3.975558838127125e-06") == "<0.001"
    assert fmt_p("0.027281171477618025") == "0.027"
    assert fmt_p("") == "n/a"
    assert fmt_number("2.25", 1) == "2.3"  # halves away from zero, as Table 2
    assert fmt_number("-3.4204586498323657", 2) == "-3.42"
    assert fmt_percent("0.8333333333333334", share=True) == "83.3"
    assert fmt_percent("29.947205534316403") == "29.9"
    assert fmt_count("6.0") == "6" and fmt_count("<5") == "<5"


def test_parse_table_keeps_every_cell_as_written():
    frame = parse_table(b"Z,p,note\n-6.70,n/a,\n")
    assert frame.to_dict("records") == [{"Z": "-6.70", "p": "n/a", "note": ""}]


def test_every_section_heading_is_there_in_order(internal, publication):
    for page in (internal, publication):
        positions = [page.index(f"<h2>{title}</h2>") for _, title in SECTIONS]
        assert positions == sorted(positions)


def test_data_is_html_escaped(internal):
    assert "<script" not in internal
    assert "I hope to lead &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; grow" in internal


def test_nothing_is_fetched_and_figures_are_embedded_whole(internal):
    uris = DATA_URI.findall(internal)
    assert len(uris) == len(report.FIGURES)
    assert all(base64.b64decode(u.split(",", 1)[1]) == SVG for u in uris)
    outside = DATA_URI.sub("", internal)
    assert "http://" not in outside and "https://" not in outside
    assert "<svg" not in outside and "<link" not in outside and "<script" not in outside
    assert "@import" not in outside and "url(" not in outside


def test_no_absolute_path_and_no_time_stamp(internal):
    assert "/secure" not in internal
    assert "roster.csv: 1 of 4 rows look odd" in internal
    assert not re.search(r"\d\d:\d\d:\d\d", internal)
    assert render_report(inputs("internal")) == internal


def test_internal_mode_shows_participant_tables_and_comments(internal):
    assert "P-0000aaaa" in internal
    assert "Zest for strategy." in internal
    assert "Diary compliance" in internal


def test_publication_mode_has_no_pid_no_comment_and_no_participant_table(publication):
    assert not PID.search(publication)
    assert "What do you hope" not in publication and "Zest" not in publication
    assert "Diary compliance" not in publication
    assert len(DATA_URI.findall(publication)) == len(report.FIGURES) - 1
    assert "<td>cohort</td>" in publication and "480.75" in publication  # contract hours
    assert "sex female (count): &lt;5, primary: count below 5" in publication
    # Activity and diary counts are not suppressed: the report says which cells are small.
    assert (
        "cells with 1 to 4 participants: 2 in code_frequencies, 2 in threads_by_stage, "
        "2 in activity_phases; check them before publishing."
    ) in publication


def test_study_table_2_values_and_the_timeline_are_printed(internal):
    assert "<td>-6.70</td>" in internal and "<td>&lt;0.001</td>" in internal
    assert '<td class="n">3.50</td>' in internal  # month 1 activity hours
    assert "pre responses are placed in month 1 and its post responses in month 2" in internal


def test_single_coder_is_said_plainly_and_unflagged_quotes_are_marked(internal):
    assert "coded by a single coder, so agreement between coders cannot be computed" in internal
    assert "<i>Now I know what I bring.</i> †" in internal


def test_html_tags_are_balanced(internal, publication):
    void = {"meta", "img", "br", "link"}

    class Checker(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[str] = []

        def handle_starttag(self, tag, attrs):
            if tag not in void:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack and self.stack.pop() == tag, tag

    for page in (internal, publication):
        checker = Checker()
        checker.feed(page)
        assert checker.stack == []


def test_guard_suite_counts_the_expectations_of_its_file():
    raw = {"name": "s", "description": "d", "expectations": [{"a": {}}, {"b": {}}]}
    assert report.guard_suite("count_diary_codes", raw) == GuardSuite(
        "count_diary_codes", "s", "d", 2
    )


def test_two_coders_give_alpha_pair_agreement_and_the_per_code_table():
    two = dataclasses.replace(
        inputs("internal"),
        agreement=csv(
            "coder_a,coder_b,code,kind,units,both,coder_a_only,coder_b_only,neither,"
            "percent_agreement,kappa\n"
            "R1,R2,T01,theme,12,0,0,1,11,91.66666666666667,0.0\n"
            "R1,R2,T05,theme,12,0,0,0,12,100.0,\n"
        ),
        agreement_summary={
            "coders": 2,
            "coder_ids": ["R1", "R2"],
            "units": 12,
            "krippendorff_alpha": 0.7888631090487239,
            "method": "Krippendorff's alpha, nominal",
            "pairs": [
                {"coder_a": "R1", "coder_b": "R2", "units": 12, "percent_agreement": 97.8070}
            ],
        },
    )
    page = render_report(two)
    assert "2 coders (R1, R2) shared 12 segments. Krippendorff&#x27;s alpha: 0.79" in page
    assert "R1 and R2: 12 shared segments, 97.8 % agreement" in page
    assert '<td class="n">91.7</td><td class="n">0.00</td>' in page
    assert '<td class="n">100.0</td><td class="n">n/a</td>' in page
    assert "single coder" not in page
