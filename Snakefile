from snakemake.utils import min_version

min_version("9.11")


configfile: "config/config.yaml"


# Run by Snakemake itself even when jobs go to a cluster: publishing is a few file copies and
# an atomic switch of results/<cohort>, and reads the SLURM job ids of the steps it publishes.
localrules:
    all,
    publish_cohort,
    publish_summary,


include: "workflow/rules/common.smk"
include: "workflow/rules/validate.smk"
include: "workflow/rules/anonymise.smk"
include: "workflow/rules/survey.smk"
include: "workflow/rules/activities.smk"
include: "workflow/rules/diaries.smk"
include: "workflow/rules/report.smk"
include: "workflow/rules/publish.smk"
include: "workflow/rules/summary.smk"


wildcard_constraints:
    cohort="[a-z0-9][a-z0-9_-]*",


rule all:
    default_target: True
    input:
        all_outputs(),
