rule render_report:
    input:
        markers=validation_markers,
        summary="results/.build/{cohort}/anonymised/summary.json",
        survey="results/.build/{cohort}/anonymised/survey.csv",
        activities="results/.build/{cohort}/anonymised/activities.csv",
        segments="results/.build/{cohort}/anonymised/segments.csv",
        demographics="results/.build/{cohort}/tables/demographics.csv",
        domains="results/.build/{cohort}/tables/survey_domains.csv",
        table2="results/.build/{cohort}/tables/table2.csv",
        item_table="results/.build/{cohort}/tables/survey_items.csv",
        pairing="results/.build/{cohort}/tables/survey_pairing.json",
        phases="results/.build/{cohort}/tables/activity_phases.csv",
        change="results/.build/{cohort}/tables/activity_change.csv",
        contract="results/.build/{cohort}/tables/contract_hours.csv",
        frequencies="results/.build/{cohort}/tables/code_frequencies.csv",
        threads="results/.build/{cohort}/tables/threads_by_stage.csv",
        events="results/.build/{cohort}/tables/critical_events.csv",
        compliance="results/.build/{cohort}/tables/diary_compliance.csv",
        agreement="results/.build/{cohort}/tables/coder_agreement.csv",
        agreement_summary="results/.build/{cohort}/tables/coder_agreement.json",
        survey_likert="results/.build/{cohort}/figures/survey_likert.svg",
        survey_domains="results/.build/{cohort}/figures/survey_domains.svg",
        activity_phases="results/.build/{cohort}/figures/activity_phases.svg",
        code_frequencies="results/.build/{cohort}/figures/code_frequencies.svg",
        threads_by_stage="results/.build/{cohort}/figures/threads_by_stage.svg",
        diary_compliance="results/.build/{cohort}/figures/diary_compliance.svg",
        instrument=config["instrument"],
        codebook=config["codebook"],
        # Each stage's guard suites, taken from its rule so that the report lists what ran.
        anonymise_suites=rules.anonymise_drop.input.suites,
        survey_suites=rules.analyse_survey.input.suites,
        activity_suites=rules.aggregate_activity_phases.input.suites,
        diary_suites=rules.count_diary_codes.input.suites,
    output:
        report=report_result(
            "results/.build/{cohort}/report.html", "cohort_report", "Report", "Cohort report"
        ),
    log:
        "results/.build/{cohort}/logs/render_report.log",
    benchmark:
        "results/.build/{cohort}/benchmarks/render_report.tsv"
    params:
        start=lambda w: cohort(w)["start"],
        months=lambda w: cohort(w)["months"],
        phases=config["phases"],
        contract=config["contract"],
        survey=config["survey"],
        mode=config["disclosure"]["mode"],
        threshold=config["disclosure"]["threshold"],
        code=code_hash("render_report.py"),
    script:
        "../scripts/render_report.py"
