"""wilcoxon_spss against independently worked values (R/SPSS check example, hand-built
SPSS outputs, scipy's asymptotic test) and its edge cases."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
import scipy.stats

from cohort_eval.stats import WilcoxonResult, wilcoxon_spss

PRE = [2, 3, 1, 4, 2, 3, 3, 2, 1, 4, 3, 2, 2, 5, 3]
POST = [4, 3, 3, 4, 4, 4, 5, 3, 3, 4, 4, 3, 4, 5, 2]


def test_check_example_r_spss() -> None:
    res = wilcoxon_spss(np.array(POST) - np.array(PRE))
    assert res.n_pairs == 15
    assert res.n_nonzero == 11
    assert res.n_ties == 4
    assert (res.n_positive, res.n_negative) == (10, 1)
    assert res.w_plus == 63.0
    assert res.w_minus == 3.0
    assert res.t == 3.0
    assert res.z == pytest.approx(-2.742902, abs=5e-7)
    assert res.p == pytest.approx(0.006090, abs=5e-7)


def test_sign_of_differences_does_not_change_z() -> None:
    d = np.array(POST) - np.array(PRE)
    a, b = wilcoxon_spss(d), wilcoxon_spss(-d)
    assert (a.w_plus, a.w_minus) == (b.w_minus, b.w_plus)
    assert a.z == b.z
    assert a.p == b.p


def test_untied_n41_w_minus_215() -> None:
    # Ranks 1..41, untied; negative ranks {20, 37, 38, 39, 40, 41} sum to 215.
    negative = {20, 37, 38, 39, 40, 41}
    assert sum(negative) == 215
    d = [-float(r) if r in negative else float(r) for r in range(1, 42)]
    res = wilcoxon_spss(d)
    assert res.n_nonzero == 41
    assert res.w_minus == 215.0
    assert res.w_plus == 41 * 42 / 2 - 215
    assert f"{res.z:.3f}" == "-2.793"
    assert f"{res.p:.3f}" == "0.005"


def test_untied_n37_all_positive() -> None:
    res = wilcoxon_spss(np.arange(1, 38) * 0.5)
    assert (res.n_nonzero, res.n_negative, res.t) == (37, 0, 0.0)
    assert f"{res.z:.3f}" == "-5.303"


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_matches_scipy_asymptotic(seed: int) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(10, 130))
    pre = rng.integers(1, 6, size)
    post = np.clip(pre + rng.integers(-2, 4, size), 1, 5)
    d = post - pre
    ours = wilcoxon_spss(d)
    ref = scipy.stats.wilcoxon(d, zero_method="wilcox", correction=False, method="asymptotic")
    assert ours.n_nonzero == np.count_nonzero(d)
    assert ours.t == pytest.approx(float(ref.statistic))
    assert ours.z == pytest.approx(float(ref.zstatistic), rel=1e-12)
    assert ours.p == pytest.approx(float(ref.pvalue), rel=1e-9)


def test_all_zero_differences_give_nan() -> None:
    res = wilcoxon_spss([0, 0, 0])
    assert (res.n_pairs, res.n_nonzero, res.n_ties) == (3, 0, 3)
    assert (res.w_plus, res.w_minus, res.t) == (0.0, 0.0, 0.0)
    assert math.isnan(res.z)
    assert math.isnan(res.p)


def test_empty_input_gives_nan() -> None:
    res = wilcoxon_spss([])
    assert res.n_pairs == 0
    assert math.isnan(res.z) and math.isnan(res.p)


def test_one_nonzero_pair() -> None:
    res = wilcoxon_spss([0, 2, 0])
    assert (res.n_nonzero, res.n_positive, res.w_plus, res.t) == (1, 1, 1.0, 0.0)
    assert res.z == pytest.approx(-1.0)
    assert res.p == pytest.approx(0.3173, abs=5e-5)


def test_nans_are_dropped_pairwise() -> None:
    d = [np.nan, 1.0, 2.0, np.nan, -1.0, 0.0]
    res = wilcoxon_spss(d)
    assert res == wilcoxon_spss([1.0, 2.0, -1.0, 0.0])
    assert (res.n_pairs, res.n_ties, res.n_nonzero) == (4, 1, 3)
    assert (res.w_plus, res.w_minus) == (4.5, 1.5)


def test_differences_rounded_to_9_dp_before_ranking() -> None:
    # 0.1 + 0.2 != 0.3 in binary; SPSS treats them as a tie, and 1e-12 as zero.
    res = wilcoxon_spss([(0.1 + 0.2) - 0.3, 0.1 + 0.2, -0.3, 0.3])
    assert res.n_ties == 1
    assert (res.w_plus, res.w_minus) == (4.0, 2.0)


def test_result_is_frozen() -> None:
    res = wilcoxon_spss([1, 2])
    assert isinstance(res, WilcoxonResult)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.z = 0.0  # type: ignore[misc]
