"""Rule render_report: the cohort's self-contained HTML report, from the outputs of the run."""

import importlib.metadata
import os
import platform
from typing import TYPE_CHECKING

from cohort_eval import io, logs, report

if TYPE_CHECKING:
    from snakemake.script import snakemake

log = logs.to_file(snakemake.log[0])
params, inputs = snakemake.params, snakemake.input
results = os.path.dirname(snakemake.output.report)  # the cohort folder the report sits in
GUARD_INPUTS = {
    "anonymise_suites": "anonymise_drop",
    "survey_suites": "analyse_survey",
    "activity_suites": "aggregate_activity_phases",
    "diary_suites": "count_diary_codes",
}


def table(name):
    return report.parse_table(io.read_bytes(getattr(inputs, name)))


def shown_name(path):
    """Results files relative to the cohort's folder; configuration and suites by file name
    (they may live anywhere, and the report holds no absolute path)."""
    relative = os.path.relpath(path, results)
    return path.rsplit("/", 1)[-1] if relative.startswith("..") else relative


versions = {
    shown: platform.python_version() if name == "python" else importlib.metadata.version(name)
    for name, shown in report.SOFTWARE.items()
}
checksums = {shown_name(path): io.sha256_file(path) for path in inputs}
page = report.render_report(
    report.ReportInputs(
        settings=report.Settings(
            cohort=snakemake.wildcards.cohort,
            start=params.start,
            months=params.months,
            mode=params.mode,
            threshold=params.threshold,
            phases=params.phases,
            contract=params.contract,
            survey=params.survey,
        ),
        design=report.survey_design(io.read_yaml(inputs.instrument)),
        stages=report.stages_from_codebook(io.read_yaml(inputs.codebook)),
        summary=io.read_json(inputs.summary),
        pairing=io.read_json(inputs.pairing),
        markers=[io.read_json(path) for path in inputs.markers],
        guards=[
            report.guard_suite(rule, io.read_yaml(path))
            for name, rule in GUARD_INPUTS.items()
            for path in getattr(inputs, name)
        ],
        survey=table("survey"),
        activities=table("activities"),
        segments=table("segments"),
        demographics=table("demographics"),
        domains=table("domains"),
        table2=table("table2"),
        items=table("item_table"),
        phases=table("phases"),
        change=table("change"),
        contract=table("contract"),
        frequencies=table("frequencies"),
        threads=table("threads"),
        events=table("events"),
        compliance=table("compliance"),
        agreement=table("agreement"),
        agreement_summary=io.read_json(inputs.agreement_summary),
        figures={name: io.read_bytes(getattr(inputs, name)) for name in report.FIGURES},
        checksums=checksums,
        versions=versions,
        code=params.code,
    )
)
io.write_text(page, snakemake.output.report)
log.info("report written: %d characters", len(page))
