"""Exact signed-rank p, Holm, rank-biserial, Hodges-Lehmann and Cronbach's alpha against values
worked out by hand or by brute force (enumerating sign patterns and Walsh averages), never by
the code under test."""

from __future__ import annotations

import itertools
import math
import re
import statistics

import numpy as np
import pytest
import scipy.stats

from cohort_eval.stats import (
    cronbach_alpha,
    hodges_lehmann,
    holm,
    min_achievable_p,
    rank_biserial,
    wilcoxon_exact_p,
    wilcoxon_spss,
)

# Hollander & Wolfe, paired data (also R's ?wilcox.test example): d = x - y.
HW_X = [1.83, 0.50, 1.62, 2.48, 1.68, 1.88, 1.55, 3.06, 1.30]
HW_Y = [0.878, 0.647, 0.598, 2.05, 1.06, 1.29, 1.06, 3.14, 1.29]
HW_D = [x - y for x, y in zip(HW_X, HW_Y, strict=True)]

# Check example of docs/notes (SPSS/R/coin): coin's exact conditional p is 0.005859.
PRE = [2, 3, 1, 4, 2, 3, 3, 2, 1, 4, 3, 2, 2, 5, 3]
POST = [4, 3, 3, 4, 4, 4, 5, 3, 3, 4, 4, 3, 4, 5, 2]
CHECK_D = [b - a for a, b in zip(PRE, POST, strict=True)]


def _brute_force_p(d: list[float]) -> float:
    """Two-sided conditional p by listing every sign pattern of the non-zero mid-ranks."""
    nonzero = [round(v, 9) for v in d if round(v, 9) != 0]
    ranks = scipy.stats.rankdata([abs(v) for v in nonzero])
    centre = ranks.sum() / 2
    observed = abs(sum(r for r, v in zip(ranks, nonzero, strict=True) if v > 0) - centre)
    hits = 0
    for signs in itertools.product((0, 1), repeat=len(ranks)):
        w = sum(r for r, s in zip(ranks, signs, strict=True) if s)
        hits += abs(w - centre) >= observed - 1e-9
    return hits / 2 ** len(ranks)


def _walsh(d: list[float]) -> list[float]:
    return sorted((d[i] + d[j]) / 2 for i in range(len(d)) for j in range(i, len(d)))


# --------------------------------------------------------------------------- exact p


def test_hollander_wolfe_exact_p() -> None:
    res = wilcoxon_spss(HW_D)
    assert res.w_plus == 40.0  # V in R
    exact = wilcoxon_exact_p(HW_D)
    # 10 of the 512 sign patterns give W+ <= 5 (or, mirrored, >= 40): p = 2 * 10 / 512.
    assert exact.p == 0.0390625
    assert exact.method == "exact (exhaustive, 2^9 sign patterns)"
    assert exact.se == 0.0


def test_reversed_direction_same_p() -> None:
    flipped = [-v for v in HW_D]
    assert wilcoxon_exact_p(flipped).p == 0.0390625
    assert wilcoxon_spss(flipped).w_minus == 40.0


def test_check_example_matches_coin_exact() -> None:
    assert wilcoxon_exact_p(CHECK_D).p == pytest.approx(0.005859375, abs=1e-12)  # 12/2048


@pytest.mark.parametrize("seed", [3, 4, 5, 6])
def test_exact_p_matches_enumeration_with_ties_and_zeros(seed: int) -> None:
    rng = np.random.default_rng(seed)
    d = rng.integers(-2, 4, size=int(rng.integers(4, 13))).tolist()
    if not any(d):
        d[0] = 1
    assert wilcoxon_exact_p(d).p == pytest.approx(_brute_force_p(d), abs=1e-12)


def test_float_differences_tie_only_after_rounding() -> None:
    pre = [0.775, 0.1, 0.3, 0.5]
    post = [0.825, 0.15, 0.2, 0.7]
    d = [b - a for a, b in zip(pre, post, strict=True)]
    assert d[0] != d[1]  # 0.04999999999999993 vs 0.04999999999999999
    res = wilcoxon_spss(d)
    assert (res.w_plus, res.w_minus) == (7.0, 3.0)  # ranks 1.5, 1.5, 3 (negative), 4
    # Doubled ranks {3, 3, 6, 8} (sum 20), observed doubled W+ = 14: 10 of the 16 sign
    # patterns have |2 W+ - 20| >= |28 - 20| = 8.
    exact = wilcoxon_exact_p(d)
    assert exact.p == 0.625
    assert exact.method == "exact (exhaustive, 2^4 sign patterns)"


def test_all_zero_differences_no_test() -> None:
    exact = wilcoxon_exact_p([0, 0.0, 1e-12, float("nan")])
    assert math.isnan(exact.p) and math.isnan(exact.se)
    assert exact.method.startswith("no test")
    assert math.isnan(wilcoxon_exact_p([]).p)


def test_single_nonzero_pair() -> None:
    res = wilcoxon_spss([0, 0, -3])
    assert res.z == pytest.approx(-1.0)
    assert res.p == pytest.approx(0.3173, abs=5e-5)
    assert wilcoxon_exact_p([0, 0, -3]).p == 1.0  # both sign patterns are as extreme
    assert min_achievable_p(1) == 1.0


def test_monte_carlo_is_seeded_and_states_its_error() -> None:
    first = wilcoxon_exact_p(HW_D, max_exact=0, draws=4000, seed=7)
    again = wilcoxon_exact_p(HW_D, max_exact=0, draws=4000, seed=7)
    other = wilcoxon_exact_p(HW_D, max_exact=0, draws=4000, seed=8)
    assert first == again
    assert other.p != first.p
    assert first.se == pytest.approx(math.sqrt(first.p * (1 - first.p) / 4000))
    assert abs(first.p - 0.0390625) < 4 * first.se
    match = re.fullmatch(r"Monte Carlo \(4000 draws, seed 7, s\.e\. (0\.0+[1-9])\)", first.method)
    assert match, first.method
    assert float(match.group(1)) == pytest.approx(first.se, rel=0.5)


def test_monte_carlo_never_returns_zero() -> None:
    res = wilcoxon_exact_p(list(range(1, 31)), max_exact=20, draws=1000, seed=1)
    assert res.p == pytest.approx(1 / 1001)  # (0 + 1) / (draws + 1); exact would be 2^-29
    assert res.method.startswith("Monte Carlo (1000 draws, seed 1")


def test_max_exact_limit() -> None:
    with pytest.raises(ValueError, match="62"):
        wilcoxon_exact_p([1, 2], max_exact=63)
    big = wilcoxon_exact_p(np.arange(1, 63))  # 62 positive: exact 2 / 2^62
    assert big.p == 2.0**-61
    assert big.method == "exact (exhaustive, 2^62 sign patterns)"


@pytest.mark.parametrize(
    ("n", "expected"), [(0, 1.0), (1, 1.0), (2, 0.5), (5, 0.0625), (6, 0.03125), (7, 0.015625)]
)
def test_min_achievable_p(n: int, expected: float) -> None:
    assert min_achievable_p(n) == expected


def test_min_achievable_p_large_n_underflows_quietly() -> None:
    assert min_achievable_p(1074) == 2.0**-1073 and min_achievable_p(40_000) == 0.0


# --------------------------------------------------------------------------- Holm


def test_holm_hand_example() -> None:
    # sorted 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> kept monotone 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_nan_is_kept_and_not_counted() -> None:
    out = holm([0.01, float("nan"), 0.04, 0.03, 0.005])
    assert math.isnan(out[1])
    assert np.delete(out, 1) == pytest.approx([0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_edge_cases() -> None:
    assert holm([0.6, 0.7]).tolist() == [1.0, 1.0]
    assert holm([0.5, 0.4]) == pytest.approx([0.8, 0.8])
    assert holm([]).size == 0
    assert np.isnan(holm([float("nan")])).all()
    assert holm([0.02]).tolist() == [0.02]


# --------------------------------------------------------------------------- rank-biserial


def test_rank_biserial() -> None:
    assert rank_biserial(CHECK_D) == pytest.approx((63 - 3) / 66)
    assert rank_biserial(HW_D) == pytest.approx((40 - 5) / 45)
    assert rank_biserial([-v for v in HW_D]) == pytest.approx(-(40 - 5) / 45)
    assert math.isnan(rank_biserial([0, 0]))


# --------------------------------------------------------------------------- Hodges-Lehmann


def test_hodges_lehmann_hollander_wolfe() -> None:
    walsh = _walsh(HW_D)
    assert len(walsh) == 45
    hl = hodges_lehmann(HW_D)
    assert hl.estimate == pytest.approx(statistics.median(walsh)) and hl.n == 9
    assert hl.estimate == pytest.approx(0.46)
    # M = 45, sigma^2 = 9*10*19/24 = 71.25, 1.96 sigma = 16.544: lower index ceil(22.5 -
    # 16.544) = 6, upper index 45 + 1 - 6 = 40 (the same as the exact interval here).
    assert hl.ci_low == pytest.approx(walsh[5]) and hl.ci_low == pytest.approx(0.01)
    assert hl.ci_high == pytest.approx(walsh[39]) and hl.ci_high == pytest.approx(0.786)


def test_hodges_lehmann_reversed() -> None:
    hl = hodges_lehmann([-v for v in HW_D])
    assert (hl.estimate, hl.ci_low, hl.ci_high) == pytest.approx((-0.46, -0.786, -0.01))


def test_hodges_lehmann_zero_convention() -> None:
    # Walsh averages of 0, 0, 1, 2: 0 0 0 .5 .5 1 1 1 1.5 2 -> median (0.5 + 1) / 2.
    assert hodges_lehmann([0, 0, 1, 2]).estimate == 0.75
    # Zeros dropped first (R before its 2025 rewrite): Walsh averages of 1, 2: 1 1.5 2.
    dropped = hodges_lehmann([0, 0, 1, 2], drop_zeros=True)
    assert (dropped.estimate, dropped.n) == (1.5, 2)


def _r_style_interval(d: list[float]) -> tuple[float, float]:
    """Invert the asymptotic signed-rank test of d - mu (tie-corrected, zeros of d - mu dropped,
    no correction) as R's wilcox.test does, by brute force between the Walsh averages."""
    points = sorted(set(round(w, 10) for w in _walsh(d)))
    probes = [points[0] - 1] + [(a + b) / 2 for a, b in itertools.pairwise(points)]
    probes.append(points[-1] + 1)
    quantile = scipy.stats.norm.isf(0.025)
    accepted = []
    for i, mu in enumerate(probes):
        shifted = [round(v - mu, 9) for v in d if round(v - mu, 9) != 0]
        n = len(shifted)
        ranks = scipy.stats.rankdata([abs(v) for v in shifted])
        v_plus = sum(r for r, v in zip(ranks, shifted, strict=True) if v > 0)
        _, ties = np.unique(ranks, return_counts=True)
        sigma = math.sqrt(n * (n + 1) * (2 * n + 1) / 24 - np.sum(ties**3 - ties) / 48)
        if abs((v_plus - n * (n + 1) / 4) / sigma) <= quantile:
            accepted.append(i)
    # probe i lies between points[i - 1] and points[i]
    return points[accepted[0] - 1], points[accepted[-1]]


@pytest.mark.parametrize("d", [CHECK_D, HW_D, [1, 1, 1, 2, 0, -1, 3, 2, 2, 1, 0, 1]])
def test_hodges_lehmann_interval_inverts_the_test(d: list[float]) -> None:
    hl = hodges_lehmann(d)
    low, high = _r_style_interval(d)
    assert (hl.ci_low, hl.ci_high) == pytest.approx((low, high))
    assert hl.estimate == pytest.approx(statistics.median(_walsh(d)))


def test_hodges_lehmann_interval_with_ties_hand() -> None:
    # Check example: 15 differences (4 zeros); 120 Walsh averages; ties among equal d only:
    # counts {-1: 1, 0: 4, 1: 4, 2: 6} -> sigma^2 = 15*16*31/24 - (0 + 60 + 60 + 210)/48.
    hl = hodges_lehmann(CHECK_D)
    walsh = _walsh([float(v) for v in CHECK_D])
    sigma = math.sqrt(15 * 16 * 31 / 24 - 330 / 48)
    half = 1.959963984540054 * sigma
    low = next(w for k, w in enumerate(walsh, 1) if k >= 60 - half)
    high = next(w for k, w in enumerate(walsh, 1) if k > 60 + half)
    assert (hl.estimate, hl.ci_low, hl.ci_high) == (1.0, low, high) == (1.0, 0.5, 1.5)


def test_hodges_lehmann_edge_cases() -> None:
    empty = hodges_lehmann([float("nan")])
    assert empty.n == 0 and math.isnan(empty.estimate)
    zeros = hodges_lehmann([0, 0, 0])  # 3 equal values: 95 % not reachable
    assert zeros.estimate == 0.0 and math.isnan(zeros.ci_low) and math.isnan(zeros.ci_high)
    # 8 equal values: M = 36, sigma^2 = 8 * 9^2 / 16 = 40.5, 18 - 1.96 sigma > 0; any shift but 2
    # makes all 8 differences one sign (|z| = 18 / sigma = 2.83), so the interval is [2, 2].
    same = hodges_lehmann([2.0] * 8)
    assert (same.estimate, same.ci_low, same.ci_high) == (2.0, 2.0, 2.0)
    tiny = hodges_lehmann([1.0, 2.0, 3.0])  # 95 % not reachable with 3 untied values
    assert tiny.estimate == 2.0 and math.isnan(tiny.ci_low)


# --------------------------------------------------------------------------- Cronbach's alpha

# 10 respondents x 3 items; item variances 4.1/9, 7.6/9, 6.9/9, total-score variance 38.4/9.
ALPHA_ITEMS = np.array(
    [
        [1, 2, 2, 3, 2, 2, 3, 3, 2, 3],
        [1, 1, 1, 2, 3, 3, 2, 3, 3, 3],
        [1, 1, 2, 1, 2, 3, 3, 3, 2, 3],
    ],
    dtype=float,
).T


def test_cronbach_alpha_hand() -> None:
    res = cronbach_alpha(ALPHA_ITEMS)
    assert res.alpha == pytest.approx(1.5 * (1 - 18.6 / 38.4))  # 0.7734375
    assert (res.n, res.k) == (10, 3)
    # Feldt: 1 - (1 - alpha) F, F(9, 18) quantiles 2.9256 (upper 2.5 %) and 0.26999 (lower).
    f_hi, f_lo = scipy.stats.f.ppf([0.975, 0.025], 9, 18)
    assert res.ci_low == pytest.approx(1 - (1 - 0.7734375) * f_hi)
    assert res.ci_high == pytest.approx(1 - (1 - 0.7734375) * f_lo)
    assert (round(res.ci_low, 3), round(res.ci_high, 3)) == (0.336, 0.939)  # pingouin's docs


def test_cronbach_alpha_listwise_and_undefined() -> None:
    with_gap = np.vstack([ALPHA_ITEMS, [np.nan, 2, 3]])
    assert cronbach_alpha(with_gap).alpha == pytest.approx(0.7734375)
    assert cronbach_alpha(with_gap).n == 10
    assert math.isnan(cronbach_alpha(ALPHA_ITEMS[:, :1]).alpha)  # one item
    assert math.isnan(cronbach_alpha(ALPHA_ITEMS[:1]).alpha)  # one row
    assert math.isnan(cronbach_alpha(np.ones((4, 3))).alpha)  # no variance
    with pytest.raises(ValueError):
        cronbach_alpha([1, 2, 3])
