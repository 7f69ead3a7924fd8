rule count_diary_codes:
    input:
        segments="results/.build/{cohort}/anonymised/segments.csv",
        participants="results/.build/{cohort}/anonymised/participants.csv",
        codebook=config["codebook"],
        suites=guard_suites("code_frequencies", "threads_by_stage"),
    output:
        **participant_level(
            code_participants="results/.build/{cohort}/tables/code_participants.csv"
        ),
        frequencies=report_result(
            "results/.build/{cohort}/tables/code_frequencies.csv",
            "code_frequencies",
            "Reflective diaries",
            "Table 3: code frequencies",
        ),
        cooccurrence="results/.build/{cohort}/tables/code_cooccurrence.csv",
        threads=report_result(
            "results/.build/{cohort}/tables/threads_by_stage.csv",
            "threads_by_stage",
            "Reflective diaries",
            "Table 5: threads by stage",
        ),
        events=report_result(
            "results/.build/{cohort}/tables/critical_events.csv",
            "critical_events",
            "Reflective diaries",
            "Table 4: critical events",
        ),
        compliance=report_result(
            "results/.build/{cohort}/tables/diary_compliance.csv",
            "diary_compliance",
            "Reflective diaries",
            "Diary compliance",
            participant_level=True,
        ),
        agreement="results/.build/{cohort}/tables/coder_agreement.csv",
        disagreements="results/.build/{cohort}/tables/coder_disagreements.csv",
        agreement_summary="results/.build/{cohort}/tables/coder_agreement.json",
        threads_png=report_result(
            "results/.build/{cohort}/figures/threads_by_stage.png",
            "threads_by_stage",
            "Reflective diaries",
            "Threads by stage (figure)",
        ),
        threads_svg="results/.build/{cohort}/figures/threads_by_stage.svg",
        codes_png=report_result(
            "results/.build/{cohort}/figures/code_frequencies.png",
            "code_frequencies",
            "Reflective diaries",
            "Code frequencies (figure)",
        ),
        codes_svg="results/.build/{cohort}/figures/code_frequencies.svg",
        compliance_png=report_result(
            "results/.build/{cohort}/figures/diary_compliance.png",
            "diary_compliance",
            "Reflective diaries",
            "Diary compliance (figure)",
            participant_level=True,
        ),
        compliance_svg="results/.build/{cohort}/figures/diary_compliance.svg",
    log:
        guard="results/.build/{cohort}/logs/count_diary_codes/guard.json",
        messages="results/.build/{cohort}/logs/count_diary_codes/count_diary_codes.log",
    benchmark:
        "results/.build/{cohort}/benchmarks/count_diary_codes.tsv"
    params:
        start=lambda w: cohort(w)["start"],
        months=lambda w: cohort(w)["months"],
        mode=config["disclosure"]["mode"],
        code=code_hash("count_diary_codes.py"),
    script:
        "../scripts/count_diary_codes.py"
