rule analyse_survey:
    input:
        survey="results/{cohort}/anonymised/survey.csv",
        instrument=config["instrument"],
        suites=guard_suites("survey_domains"),
    output:
        domains="results/{cohort}/tables/survey_domains.csv",
        table2="results/{cohort}/tables/table2.csv",
        table2_md="results/{cohort}/tables/table2.md",
        table2_html="results/{cohort}/tables/table2.html",
        item_table="results/{cohort}/tables/survey_items.csv",
        pairing="results/{cohort}/tables/survey_pairing.json",
    log:
        guard="results/{cohort}/logs/analyse_survey/guard.json",
        messages="results/{cohort}/logs/analyse_survey/analyse_survey.log",
    benchmark:
        "results/{cohort}/benchmarks/analyse_survey.tsv"
    params:
        max_exact=config["survey"]["max_exact_pairs"],
        draws=config["survey"]["monte_carlo_draws"],
        seed=config["survey"]["seed"],
        low_answer=config["survey"]["low_answer"],
        low_mean=config["survey"]["low_mean"],
        code=code_hash("analyse_survey.py"),
    script:
        "../scripts/analyse_survey.py"


rule plot_survey:
    input:
        survey="results/{cohort}/anonymised/survey.csv",
        domains="results/{cohort}/tables/survey_domains.csv",
        instrument=config["instrument"],
    output:
        likert_png="results/{cohort}/figures/survey_likert.png",
        likert_svg="results/{cohort}/figures/survey_likert.svg",
        domains_png="results/{cohort}/figures/survey_domains.png",
        domains_svg="results/{cohort}/figures/survey_domains.svg",
    log:
        "results/{cohort}/logs/plot_survey.log",
    benchmark:
        "results/{cohort}/benchmarks/plot_survey.tsv"
    params:
        code=code_hash("plot_survey.py"),
    script:
        "../scripts/plot_survey.py"
