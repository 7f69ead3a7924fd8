"""find_domain_answers reproduces every Table 2 row, checked independently with numpy and
scipy on the printed figures."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats

from cohort_eval.calibrate import (
    DOMAIN_SIZES,
    TABLE2,
    DomainTarget,
    find_domain_answers,
    matches,
    summarise,
)

SEED = 20240611
N_PARTICIPANTS = 6
FINANCE = {"management": (1, 2, 3)}  # MAN02-MAN04 in config/instrument.yaml


def _solve(domain: str, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    return find_domain_answers(
        N_PARTICIPANTS,
        DOMAIN_SIZES[domain],
        TABLE2[domain],
        np.random.default_rng(seed),
        low_post_items=FINANCE.get(domain, ()),
        require_low_pre=domain != "communication",
        max_seconds=10.0,
    )


@pytest.fixture(scope="module")
def solved() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {domain: _solve(domain) for domain in TABLE2}


def test_table2_rows() -> None:
    assert DOMAIN_SIZES == {"communication": 4, "networking": 5, "policy": 5, "management": 20}
    assert TABLE2["communication"] == DomainTarget(2.7, 1.1, 1, 4, 3.9, 0.5, 3, 5, -3.42)
    assert TABLE2["networking"] == DomainTarget(3.3, 0.9, 1, 5, 4.2, 0.6, 3, 5, -4.61)
    assert TABLE2["policy"] == DomainTarget(2.8, 1.2, 1, 5, 4.1, 0.7, 3, 5, -4.11)
    assert TABLE2["management"] == DomainTarget(2.8, 1.1, 1, 5, 3.7, 0.8, 2, 5, -6.70)


@pytest.mark.parametrize("domain", list(TABLE2))
def test_reproduces_printed_row(domain: str, solved: dict) -> None:
    pre, post = solved[domain]
    target = TABLE2[domain]
    assert pre.shape == post.shape == (N_PARTICIPANTS, DOMAIN_SIZES[domain])
    assert np.issubdtype(pre.dtype, np.integer) and np.issubdtype(post.dtype, np.integer)
    for values, mean, sd, lo, hi in (
        (pre, target.pre_mean, target.pre_sd, target.pre_min, target.pre_max),
        (post, target.post_mean, target.post_sd, target.post_min, target.post_max),
    ):
        assert f"{values.mean():.1f}" == f"{mean:.1f}"
        assert f"{values.std(ddof=1):.1f}" == f"{sd:.1f}"
        assert (int(values.min()), int(values.max())) == (lo, hi)
    z = scipy.stats.wilcoxon(
        post.ravel() - pre.ravel(), zero_method="wilcox", correction=False, method="asymptotic"
    ).zstatistic
    assert f"{z:.2f}" == f"{target.z:.2f}"
    assert matches(pre, post, target)
    assert summarise(pre, post) == target


@pytest.mark.parametrize("domain", list(TABLE2))
def test_column_constraints(domain: str, solved: dict) -> None:
    pre, post = solved[domain]
    assert ((pre >= 1) & (pre <= 5)).all() and ((post >= 1) & (post <= 5)).all()
    for col in range(pre.shape[1]):  # every statement has some spread
        assert len(set(pre[:, col])) > 1 and len(set(post[:, col])) > 1
    if domain != "communication":
        assert (pre.min(axis=0) <= 2).all()
    for col in FINANCE.get(domain, ()):
        assert (post[:, col] <= 3).all()


@pytest.mark.parametrize("domain", ["communication", "management"])
def test_same_seed_same_answers(domain: str, solved: dict) -> None:
    pre, post = _solve(domain)
    np.testing.assert_array_equal(pre, solved[domain][0])
    np.testing.assert_array_equal(post, solved[domain][1])


def test_other_seed_other_answers(solved: dict) -> None:
    pre, post = _solve("policy", SEED + 1)
    assert matches(pre, post, TABLE2["policy"])
    assert not (
        np.array_equal(pre, solved["policy"][0]) and np.array_equal(post, solved["policy"][1])
    )


def test_summarise_rounds_half_away_from_zero() -> None:
    pre = np.array([[2, 2], [2, 3]])  # mean 2.25: Python's round() gives 2.2, SPSS 2.3
    post = np.array([[3, 3], [3, 3]])
    assert summarise(pre, post).pre_mean == 2.3


def test_matches_rejects_a_wrong_row(solved: dict) -> None:
    pre, post = solved["policy"]
    assert not matches(pre, post, TABLE2["networking"])


def test_impossible_z_raises_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="impossible"):
        find_domain_answers(6, 4, TABLE2["management"], np.random.default_rng(0))


def test_timeout_raises_runtime_error() -> None:
    with pytest.raises(RuntimeError, match="no answers"):
        find_domain_answers(
            6, 4, TABLE2["communication"], np.random.default_rng(0), max_seconds=0.0
        )


def test_bad_low_post_items_raise_value_error() -> None:
    with pytest.raises(ValueError, match="low_post_items"):
        find_domain_answers(6, 5, TABLE2["policy"], np.random.default_rng(0), low_post_items=(5,))
