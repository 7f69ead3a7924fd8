rule validate_raw_input:
    input:
        data=lambda w: raw_input_file(w.cohort, w.raw_input),
        companions=input_companions,
        roster=lambda w: raw_input_file(w.cohort, "roster"),
        roster_checked=validated_inputs,
        settings=drop_settings_file,
        instrument=config["instrument"],
        codebook=config["codebook"],
        activities=config["activities"],
        suites=suite_files,
    output:
        checked="results/.build/{cohort}/validation/{raw_input}.ok.json",
    log:
        result="results/.build/{cohort}/validation/{raw_input}.json",
        messages="results/.build/{cohort}/logs/validate_raw_input/{raw_input}.log",
    benchmark:
        "results/.build/{cohort}/benchmarks/validate_raw_input/{raw_input}.tsv"
    params:
        start=lambda w: cohort(w)["start"],
        months=lambda w: cohort(w)["months"],
        date_format=lambda w: drop_settings(w).get("date_format"),
        encoding=lambda w: drop_settings(w).get("encoding"),
        importing=import_settings,
        calendars=calendar_checksum,
        code=code_hash("validate_raw_input.py"),
    script:
        "../scripts/validate_raw_input.py"
