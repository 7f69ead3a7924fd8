"""The data contract: which files a drop holds, their columns, and which suites guard them.

No pandas here: the Snakefile imports this module at start-up."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class InputSpec:
    """One raw input of a drop."""

    name: str
    kind: str  # roster, survey, activity_diary, diary_segments
    suffixes: tuple[str, ...]
    required: tuple[str, ...]
    optional: tuple[str, ...] = ()
    sensitive: tuple[str, ...] = ()  # columns whose values are personal data
    suites: tuple[str, ...] = ()  # suite names under workflow/suites/, run in order


RAW_INPUTS: dict[str, InputSpec] = {
    spec.name: spec
    for spec in (
        InputSpec(
            name="roster",
            kind="roster",
            suffixes=(".csv",),
            required=(
                "participant_ref",
                "name",
                "email",
                "sex",
                "profession",
                "role_level",
                "years_registered",
                "status",
            ),
            sensitive=("participant_ref", "name", "email"),
            suites=("columns", "roster"),
        ),
        InputSpec(
            name="survey_pre",
            kind="survey",
            suffixes=(".csv", ".xlsx"),
            required=("participant_ref",),
            sensitive=("participant_ref",),
            suites=("columns", "survey_respondents", "survey_answers"),
        ),
        InputSpec(
            name="survey_post",
            kind="survey",
            suffixes=(".csv", ".xlsx"),
            required=("participant_ref",),
            sensitive=("participant_ref",),
            suites=("columns", "survey_respondents", "survey_answers"),
        ),
        InputSpec(
            name="activity_diary",
            kind="activity_diary",
            suffixes=(".csv", ".xlsx"),
            required=("participant_ref", "date", "category", "hours"),
            optional=("description",),
            sensitive=("participant_ref", "description"),
            suites=("columns", "activity_diary"),
        ),
        InputSpec(
            name="diary_segments",
            kind="diary_segments",
            suffixes=(".csv",),
            required=("participant_ref", "entry_date", "code", "segment"),
            optional=("coder", "exemplar", "source", "start", "end"),
            sensitive=("participant_ref", "segment", "coder", "source"),
            suites=("columns", "diary_segments"),
        ),
    )
}

STATUSES = ("active", "withdrawn")
EXEMPLAR_VALUES = ("true", "false", "yes", "no", "y", "n", "1", "0")
