import copy

import pytest

from cohort_eval import io
from cohort_eval.config import check_ranges, load_activities, load_codebook, load_instrument
from cohort_eval.errors import ConfigError


@pytest.fixture()
def raw(root):
    return {
        k: io.read_yaml(root / "config" / f"{k}.yaml")
        for k in ("instrument", "codebook", "activities")
    }


def test_bundled_study_files(raw):
    instrument = load_instrument(raw["instrument"])
    counts = {d: sum(s.domain == d for s in instrument.statements) for d in instrument.domains}
    assert counts == {"communication": 4, "networking": 5, "policy": 5, "management": 20}
    assert instrument.labels["very confident"] == 5
    codebook = load_codebook(raw["codebook"])
    kinds = [c.kind for c in codebook.codes]
    assert (kinds.count("theme"), kinds.count("event"), kinds.count("thread")) == (10, 5, 4)
    assert codebook.stages == {"beginning": (1, 2), "middle": (3, 4), "end": (5, 6)}
    activities = load_activities(raw["activities"])
    assert activities.leave == {"annual_leave", "sick_leave", "other_leave"}
    assert activities.keys["admin"] == "administration"


def test_alias_shared_by_two_categories_is_refused(raw):
    bad = copy.deepcopy(raw["activities"])
    bad["categories"][1]["aliases"].append("Admin")
    with pytest.raises(ConfigError, match="'Admin' names both"):
        load_activities(bad)


def test_instrument_cross_checks(raw):
    bad = copy.deepcopy(raw["instrument"])
    bad["finance_statements"] = ["MAN99"]
    with pytest.raises(ConfigError, match="MAN99"):
        load_instrument(bad)
    bad = copy.deepcopy(raw["instrument"])
    bad["scale"]["max"] = 7
    with pytest.raises(ConfigError, match="every score"):
        load_instrument(bad)
    bad = copy.deepcopy(raw["instrument"])
    bad["statements"][1]["domain"] = "finance"
    with pytest.raises(ConfigError, match="unknown domain"):
        load_instrument(bad)


def test_month_ranges():
    check_ranges([("a", (1, 3)), ("b", (4, 6))], "phases")
    with pytest.raises(ConfigError, match="expected month 4"):
        check_ranges([("a", (1, 3)), ("b", (3, 6))], "phases")
    with pytest.raises(ConfigError, match="after its end"):
        check_ranges([("a", (2, 1))], "phases")
