rule publish_cohort:
    input:
        published=published_files,
        markers=validation_markers,
        study=[config["instrument"], config["codebook"], config["activities"]],
    output:
        record="results/.build/{cohort}/published.json",
    log:
        "results/.build/{cohort}/logs/publish_cohort.log",
    benchmark:
        "results/.build/{cohort}/benchmarks/publish_cohort.tsv"
    params:
        published=published_names,
        keep=config["publish"]["keep_versions"],
        code_version=CODE_VERSION,
        config_values=cohort_config_values,
        code=code_hash("publish_cohort.py"),
    script:
        "../scripts/publish_cohort.py"
