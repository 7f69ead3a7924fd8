rule analyse_survey:
    input:
        survey="results/.build/{cohort}/anonymised/survey.csv",
        instrument=config["instrument"],
        suites=guard_suites("survey_domains"),
    output:
        domains=report_result(
            "results/.build/{cohort}/tables/survey_domains.csv",
            "survey_domains",
            "Survey",
            "Survey domains (Wilcoxon tests)",
        ),
        table2=report_result(
            "results/.build/{cohort}/tables/table2.csv", "table2", "Survey", "Table 2 (CSV)"
        ),
        table2_md="results/.build/{cohort}/tables/table2.md",
        table2_html=report_result(
            "results/.build/{cohort}/tables/table2.html", "table2", "Survey", "Table 2"
        ),
        item_table="results/.build/{cohort}/tables/survey_items.csv",
        pairing="results/.build/{cohort}/tables/survey_pairing.json",
        likert_png=report_result(
            "results/.build/{cohort}/figures/survey_likert.png",
            "survey_likert",
            "Survey",
            "Likert chart",
        ),
        likert_svg="results/.build/{cohort}/figures/survey_likert.svg",
        domains_png=report_result(
            "results/.build/{cohort}/figures/survey_domains.png",
            "survey_domain_chart",
            "Survey",
            "Domain means chart",
        ),
        domains_svg="results/.build/{cohort}/figures/survey_domains.svg",
    log:
        guard="results/.build/{cohort}/logs/analyse_survey/guard.json",
        messages="results/.build/{cohort}/logs/analyse_survey/analyse_survey.log",
    benchmark:
        "results/.build/{cohort}/benchmarks/analyse_survey.tsv"
    params:
        max_exact=config["survey"]["max_exact_pairs"],
        draws=config["survey"]["monte_carlo_draws"],
        seed=config["survey"]["seed"],
        low_answer=config["survey"]["low_answer"],
        low_mean=config["survey"]["low_mean"],
        code=code_hash("analyse_survey.py"),
    script:
        "../scripts/analyse_survey.py"
