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
        demographics="results/.build/{cohort}/tables/demographics.csv",
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
        mode=config["disclosure"]["mode"],
        threshold=config["disclosure"]["threshold"],
        code=code_hash("anonymise_drop.py"),
    script:
        "../scripts/anonymise_drop.py"
