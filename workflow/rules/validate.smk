rule validate_drop:
    input:
        unpack(raw_inputs),
        companions=all_companions,
        settings=drop_settings_file,
        instrument=config["instrument"],
        codebook=config["codebook"],
        activities=config["activities"],
        suites=all_input_suites(),
    output:
        markers=expand("results/.build/{{cohort}}/validation/{name}.ok.json", name=RAW_INPUT_NAMES),
    log:
        results=expand("results/.build/{{cohort}}/validation/{name}.json", name=RAW_INPUT_NAMES),
        messages="results/.build/{cohort}/logs/validate_drop.log",
    benchmark:
        "results/.build/{cohort}/benchmarks/validate_drop.tsv"
    params:
        inputs=RAW_INPUT_NAMES,
        companions=input_companions,
        suites=input_suites(),
        start=lambda w: cohort(w)["start"],
        months=lambda w: cohort(w)["months"],
        date_format=lambda w: drop_settings(w).get("date_format"),
        importing=import_settings,
        calendars=calendar_checksum,
        code=code_hash("validate_drop.py"),
    script:
        "../scripts/validate_drop.py"
