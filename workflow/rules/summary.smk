# `summary` is not a cohort id (the schema refuses it), but results/.build/summary/published.json
# also matches publish_cohort's output pattern: the summary's record is made here.
ruleorder: publish_summary > publish_cohort


rule summarise_cohorts:
    input:
        domains=cohort_tables("survey_domains"),
        instrument=config["instrument"],
    output:
        table=report_result(
            "results/.build/summary/cohort_summary.csv",
            "cohort_summary",
            "Summary",
            "Cross-cohort summary table",
        ),
        forest_png=report_result(
            "results/.build/summary/forest.png", "forest_plot", "Summary", "Forest plot"
        ),
        forest_svg="results/.build/summary/forest.svg",
        page=report_result(
            "results/.build/summary/summary.html",
            "summary_page",
            "Summary",
            "Cross-cohort summary page",
        ),
    log:
        "results/.build/summary/logs/summarise_cohorts.log",
    benchmark:
        "results/.build/summary/benchmarks/summarise_cohorts.tsv"
    params:
        cohorts=COHORTS,
        code=code_hash("summarise_cohorts.py"),
    script:
        "../scripts/summarise_cohorts.py"


rule publish_summary:
    input:
        published=summary_files,
        domains=cohort_tables("survey_domains"),
        # Each cohort's publication: the summary is published after the cohorts it shows.
        records=expand("results/.build/{cohort}/published.json", cohort=COHORTS),
        study=config["instrument"],
    output:
        record="results/.build/summary/published.json",
    log:
        "results/.build/summary/logs/publish_summary.log",
    benchmark:
        "results/.build/summary/benchmarks/publish_summary.tsv"
    params:
        cohorts=COHORTS,
        published=summary_names,
        keep=config["publish"]["keep_versions"],
        code_version=CODE_VERSION,
        config_values=summary_config_values(),
        code=code_hash("publish_summary.py"),
    script:
        "../scripts/publish_summary.py"
