import pandas as pd
import pytest

from cohort_eval.disclosure import demographics


@pytest.fixture()
def people():
    return pd.DataFrame(
        {
            "sex": ["female"] * 5 + ["male"],
            "profession": ["dr", "dr", "dr", "tr", "tr", "ct"],
            "role_level": ["advanced"] * 4 + ["consultant"] * 2,
            "years_registered": [7, 11, 14, 16, 18, 28],
        }
    )


def cell(table, variable, category, statistic="count"):
    row = table[
        (table["variable"] == variable)
        & (table["category"] == category)
        & (table["statistic"] == statistic)
    ]
    return row.iloc[0]


def test_internal_shows_everything(people):
    table = demographics(people, "internal", 5)
    assert not table["suppressed"].any()
    assert cell(table, "sex", "male")["shown"] == "1"
    assert cell(table, "years_registered", "all", "mean")["shown"] == "15.7"  # 94 / 6
    assert (table["reason"] == "internal mode: not for publication").all()


def test_publication_primary_and_secondary_suppression(people):
    table = demographics(people, "publication", 5)
    male, female = cell(table, "sex", "male"), cell(table, "sex", "female")
    # male (1) is below 5; female (5) would give it away as 6 - 5: both hidden.
    assert (male["shown"], male["suppressed"]) == ("<5", True)
    assert (female["shown"], female["suppressed"]) == ("*", True)
    assert female["reason"].startswith("secondary")
    assert pd.isna(male["value"]) and pd.isna(female["value"])
    # role level 4 and 2: both below 5, hidden total 6 >= 5 with two cells: no more needed.
    assert cell(table, "role_level", "advanced")["shown"] == "<5"
    assert cell(table, "participants", "all")["shown"] == "6"
    assert cell(table, "years_registered", "all", "mean")["shown"] == "15.7"  # 6 >= 5
    for stat in ("min", "max"):
        assert cell(table, "years_registered", "all", stat)["suppressed"]
    assert demographics(people.head(4), "publication", 5)["suppressed"].iloc[-3]  # mean of 4


def test_publication_secondary_until_total_is_safe():
    people = pd.DataFrame(
        {
            "sex": ["female"] * 9 + ["male"] * 7 + ["other"],
            "profession": ["x"] * 17,
            "role_level": ["a"] * 17,
            "years_registered": [10] * 17,
        }
    )
    table = demographics(people, "publication", 5)
    shown = {c: cell(table, "sex", c)["shown"] for c in ("female", "male", "other")}
    # other (1) primary; one hidden cell alone: the smallest open cell (male, 7) goes too.
    assert shown == {"female": "9", "male": "*", "other": "<5"}
    assert cell(table, "years_registered", "all", "mean")["shown"] == "10.0"


def test_unknown_mode_is_refused(people):
    with pytest.raises(ValueError):
        demographics(people, "public", 5)
