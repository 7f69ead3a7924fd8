rule anonymise_drop:
    input:
        unpack(raw_inputs),
        companions=all_companions,
        settings=drop_settings_file,
        validated=validation_markers,
        instrument=config["instrument"],
        codebook=config["codebook"],
        activities=config["activities"],
        suites=guard_suites("anonymised_columns", "anonymised_pids", "anonymised_text"),
    output:
        participants="results/.build/{cohort}/anonymised/participants.csv",
        survey="results/.build/{cohort}/anonymised/survey.csv",
        activities="results/.build/{cohort}/anonymised/activities.csv",
        segments="results/.build/{cohort}/anonymised/segments.csv",
        redactions="results/.build/{cohort}/anonymised/redaction_report.csv",
        summary="results/.build/{cohort}/anonymised/summary.json",
    log:
        guard="results/.build/{cohort}/logs/anonymise_drop/guard.json",
        messages="results/.build/{cohort}/logs/anonymise_drop/anonymise_drop.log",
    benchmark:
        "results/.build/{cohort}/benchmarks/anonymise_drop.tsv"
    params:
        start=lambda w: cohort(w)["start"],
        months=lambda w: cohort(w)["months"],
        date_format=lambda w: drop_settings(w).get("date_format"),
        encoding=lambda w: drop_settings(w).get("encoding"),
        importing=import_settings,
        calendars=calendar_checksum,
        pid_digits=config["anonymisation"]["pid_digits"],
        key_id=KEY_ID,
        code=code_hash("anonymise_drop.py"),
    script:
        "../scripts/anonymise_drop.py"


rule tabulate_demographics:
    input:
        participants="results/.build/{cohort}/anonymised/participants.csv",
    output:
        table="results/.build/{cohort}/tables/demographics.csv",
    log:
        "results/.build/{cohort}/logs/tabulate_demographics.log",
    benchmark:
        "results/.build/{cohort}/benchmarks/tabulate_demographics.tsv"
    params:
        mode=config["disclosure"]["mode"],
        threshold=config["disclosure"]["threshold"],
        code=code_hash("tabulate_demographics.py"),
    script:
        "../scripts/tabulate_demographics.py"
