rule aggregate_activity_phases:
    input:
        activities="results/.build/{cohort}/anonymised/activities.csv",
        participants="results/.build/{cohort}/anonymised/participants.csv",
        categories=config["activities"],
        suites=guard_suites("activity_phases"),
    output:
        **participant_level(shares="results/.build/{cohort}/tables/activity_participant_shares.csv"),
        phases=report_result(
            "results/.build/{cohort}/tables/activity_phases.csv",
            "activity_tables",
            "Activities",
            "Fig. 1 data: shares per phase",
        ),
        change=report_result(
            "results/.build/{cohort}/tables/activity_change.csv",
            "activity_tables",
            "Activities",
            "Change between phases",
        ),
        contract=report_result(
            "results/.build/{cohort}/tables/contract_hours.csv",
            "activity_tables",
            "Activities",
            "Contract hours",
        ),
        png=report_result(
            "results/.build/{cohort}/figures/activity_phases.png",
            "activity_phases",
            "Activities",
            "Fig. 1",
        ),
        svg="results/.build/{cohort}/figures/activity_phases.svg",
    log:
        guard="results/.build/{cohort}/logs/aggregate_activity_phases/guard.json",
        messages="results/.build/{cohort}/logs/aggregate_activity_phases/aggregate_activity_phases.log",
    benchmark:
        "results/.build/{cohort}/benchmarks/aggregate_activity_phases.tsv"
    params:
        phases=config["phases"],
        start=lambda w: cohort(w)["start"],
        months=lambda w: cohort(w)["months"],
        wte=config["contract"]["wte"],
        weekly_hours=config["contract"]["weekly_hours"],
        mode=config["disclosure"]["mode"],
        code=code_hash("aggregate_activity_phases.py"),
    script:
        "../scripts/aggregate_activity_phases.py"
