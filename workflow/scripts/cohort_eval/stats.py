"""Pure statistical helpers (no Snakemake, no file I/O)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "CronbachAlpha",
    "HodgesLehmann",
    "PermutationP",
    "WilcoxonResult",
    "cronbach_alpha",
    "hodges_lehmann",
    "holm",
    "min_achievable_p",
    "rank_biserial",
    "wilcoxon_exact_p",
    "wilcoxon_spss",
]

_DIFF_DECIMALS = 9


@dataclass(frozen=True)
class WilcoxonResult:
    """Wilcoxon signed-rank summary as SPSS (NPAR TESTS) reports it."""

    n_pairs: int  # pairs left after dropping NaN differences
    n_nonzero: int
    n_positive: int
    n_negative: int
    n_ties: int  # zero differences (SPSS "Ties")
    w_plus: float  # rank sum of positive differences
    w_minus: float  # rank sum of negative differences
    t: float  # min(w_plus, w_minus)
    z: float  # always <= 0
    p: float  # two-sided asymptotic


def wilcoxon_spss(differences: ArrayLike) -> WilcoxonResult:
    """Wilcoxon signed-rank test on paired differences, matching SPSS.

    ``differences`` are ``post - pre``. NaNs are dropped (pairwise deletion),
    differences are rounded to 9 dp, zeros are discarded, ``|d|`` is ranked
    with average ranks for ties, and ``Z = (T - n(n+1)/4) / sqrt(n(n+1)(2n+1)/24
    - sum(t^3 - t)/48)`` with ``T = min(W+, W-)``; ``p = 2 * Phi(Z)`` with no
    continuity correction.

    If no nonzero differences remain, ``z`` and ``p`` are NaN (SPSS prints no
    test). A single nonzero pair gives ``Z = -1``, ``p = 0.3173``.
    """
    from scipy.stats import rankdata

    d = np.asarray(differences, dtype=float).ravel()
    d = d[~np.isnan(d)]
    n_pairs = int(d.size)
    d = np.round(d, _DIFF_DECIMALS)
    nonzero = d[d != 0.0]
    n = int(nonzero.size)
    n_positive = int(np.count_nonzero(nonzero > 0))
    n_negative = n - n_positive
    n_ties = n_pairs - n

    if n == 0:
        return WilcoxonResult(
            n_pairs=n_pairs,
            n_nonzero=0,
            n_positive=0,
            n_negative=0,
            n_ties=n_ties,
            w_plus=0.0,
            w_minus=0.0,
            t=0.0,
            z=math.nan,
            p=math.nan,
        )

    abs_d = np.abs(nonzero)
    ranks = rankdata(abs_d, method="average")
    w_plus = float(ranks[nonzero > 0].sum())
    w_minus = float(ranks[nonzero < 0].sum())
    t = min(w_plus, w_minus)

    _, tie_sizes = np.unique(abs_d, return_counts=True)
    tie_term = float(np.sum(tie_sizes.astype(float) ** 3 - tie_sizes)) / 48.0
    variance = n * (n + 1) * (2 * n + 1) / 24.0 - tie_term
    z = (t - n * (n + 1) / 4.0) / math.sqrt(variance)
    p = min(1.0, math.erfc(-z / math.sqrt(2.0)))  # 2 * Phi(z)

    return WilcoxonResult(
        n_pairs=n_pairs,
        n_nonzero=n,
        n_positive=n_positive,
        n_negative=n_negative,
        n_ties=n_ties,
        w_plus=w_plus,
        w_minus=w_minus,
        t=t,
        z=float(z),
        p=p,
    )


# --------------------------------------------------------------------------- exact p


class PermutationP(NamedTuple):
    """A permutation p-value, how it was obtained and its Monte Carlo standard error."""

    p: float
    method: str
    se: float  # 0 for an exact p, NaN when there is no test


def _nonzero_differences(differences: ArrayLike) -> np.ndarray:
    d = np.asarray(differences, dtype=float).ravel()
    d = np.round(d[~np.isnan(d)], _DIFF_DECIMALS)
    return d[d != 0.0]


def _doubled_rank_groups(nonzero: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Tie groups of ``|d|`` as (doubled mid-rank, group size) and the observed doubled W+.

    Mid-ranks are multiples of 1/2, so doubling them keeps every sum an exact integer.
    """
    values, sizes = np.unique(np.abs(nonzero), return_counts=True)
    doubled = 2 * (np.cumsum(sizes) - sizes) + sizes + 1  # 2 * mid-rank of each group
    rank_of = dict(zip(values.tolist(), doubled.tolist(), strict=True))
    w_plus = sum(rank_of[v] for v in nonzero[nonzero > 0].tolist())
    return doubled.astype(np.int64), sizes.astype(np.int64), int(w_plus)


def min_achievable_p(n_nonzero: int) -> float:
    """Smallest two-sided exact signed-rank p with ``n_nonzero`` pairs: ``2 / 2^n``, capped at 1.

    Ties do not change it: only the all-positive (or all-negative) sign pattern is as extreme.
    """
    return min(1.0, math.ldexp(1.0, 1 - int(n_nonzero)))  # 2.0 ** -n would overflow for n > 1023


def wilcoxon_exact_p(
    differences: ArrayLike,
    *,
    max_exact: int = 62,
    draws: int = 100_000,
    seed: int = 1,
) -> PermutationP:
    """Two-sided signed-rank p from the permutation distribution given the observed ties and zeros.

    As in :func:`wilcoxon_spss`, NaNs are dropped, differences rounded to 9 dp, zeros
    discarded and ``|d|`` given mid-ranks. Under H0 each non-zero difference is equally likely
    positive or negative, so the null distribution of W+ is that of the mid-ranks under all
    ``2^n`` sign patterns (what coin's ``wilcoxsign_test(zero.method="Wilcoxon",
    distribution="exact")`` computes). p is the share of patterns with ``|W+ - E| >=`` the
    observed one.

    ``n <= max_exact`` (default and most 62, as counts up to ``2^62`` fit 64-bit integers):
    exact, all ``2^n`` patterns counted by convolving the tie groups (no pattern is listed one
    by one, so n = 62 takes microseconds). Otherwise a Monte Carlo estimate from
    ``draws`` sign patterns drawn with ``numpy.random.default_rng(seed)``: ``p = (b + 1) /
    (draws + 1)`` (never 0; as ``scipy.stats.permutation_test``), with standard error
    ``sqrt(p (1 - p) / draws)`` stated in the method string.
    """
    if not 0 <= max_exact <= 62:
        raise ValueError("max_exact must be between 0 and 62 (exact counts are 64-bit integers)")
    nonzero = _nonzero_differences(differences)
    n = int(nonzero.size)
    if n == 0:
        return PermutationP(math.nan, "no test (no non-zero differences)", math.nan)
    ranks, sizes, w_plus = _doubled_rank_groups(nonzero)
    total = int(np.sum(ranks * sizes))
    observed = abs(2 * w_plus - total)
    if n <= max_exact:
        counts = np.zeros(total + 1, dtype=np.int64)
        counts[0] = 1
        for rank, size in zip(ranks.tolist(), sizes.tolist(), strict=True):
            # k of the `size` tied differences positive: C(size, k) ways, adding k * rank.
            step = np.zeros_like(counts)
            for k in range(size + 1):
                shift = k * rank
                step[shift:] += math.comb(size, k) * counts[: total + 1 - shift]
            counts = step
        sums = np.arange(total + 1)
        extreme = int(counts[np.abs(2 * sums - total) >= observed].sum())
        p = min(1.0, extreme / 2.0**n)
        return PermutationP(p, f"exact (exhaustive, 2^{n} sign patterns)", 0.0)
    rng = np.random.default_rng(seed)
    sampled = np.zeros(draws, dtype=np.int64)
    for rank, size in zip(ranks.tolist(), sizes.tolist(), strict=True):
        sampled += rank * rng.binomial(size, 0.5, size=draws)
    b = int(np.count_nonzero(np.abs(2 * sampled - total) >= observed))
    p = (b + 1) / (draws + 1)
    se = math.sqrt(p * (1.0 - p) / draws)
    text = np.format_float_positional(se, precision=1, unique=False, fractional=False, trim="-")
    return PermutationP(p, f"Monte Carlo ({draws} draws, seed {seed}, s.e. {text})", se)


# --------------------------------------------------------------------------- adjustments


def holm(pvalues: ArrayLike) -> np.ndarray:
    """Holm step-down adjusted p-values, in the input order (as R's ``p.adjust(p, "holm")``).

    NaNs stay NaN and do not count as tests: with m non-missing p-values the i-th smallest is
    multiplied by ``m - i + 1``, the results are made non-decreasing and capped at 1.
    """
    p = np.asarray(pvalues, dtype=float)
    out = np.full(p.shape, math.nan)
    present = np.flatnonzero(~np.isnan(p.ravel()))
    values = p.ravel()[present]
    order = np.argsort(values, kind="stable")
    m = values.size
    adjusted = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * values[order]))
    flat = out.ravel()
    flat[present[order]] = adjusted
    return flat.reshape(p.shape)


# --------------------------------------------------------------------------- effect sizes


def rank_biserial(differences: ArrayLike) -> float:
    """Matched-pairs rank-biserial correlation ``(W+ - W-) / (W+ + W-)`` (Kerby 2014).

    Zeros are dropped as in the test (pingouin's ``RBC``); positive when ``post - pre``
    tends to be positive. NaN when no difference is non-zero.
    """
    res = wilcoxon_spss(differences)
    if res.n_nonzero == 0:
        return math.nan
    return (res.w_plus - res.w_minus) / (res.w_plus + res.w_minus)


@dataclass(frozen=True)
class HodgesLehmann:
    """Hodges-Lehmann estimate of the median difference with its confidence interval."""

    estimate: float
    ci_low: float  # NaN when the confidence level cannot be reached with so few pairs
    ci_high: float
    n: int  # differences used (including zeros unless dropped)


def _walsh_averages(d: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct Walsh averages ``(d_i + d_j) / 2, i <= j`` and how many pairs give each."""
    values, counts = np.unique(d, return_counts=True)
    i, j = np.triu_indices(values.size)
    averages = np.round((values[i] + values[j]) / 2.0, _DIFF_DECIMALS + 1)
    weights = np.where(i == j, counts[i] * (counts[i] + 1) // 2, counts[i] * counts[j])
    distinct, inverse = np.unique(averages, return_inverse=True)
    return distinct, np.bincount(inverse, weights=weights).astype(np.int64)


def hodges_lehmann(
    differences: ArrayLike, *, conf_level: float = 0.95, drop_zeros: bool = False
) -> HodgesLehmann:
    """Hodges-Lehmann estimate (median of the Walsh averages) and its normal-approximation CI.

    Differences are rounded to 9 dp and NaNs dropped. Zero differences are kept by default: a
    pair that did not change is evidence of no shift, and the current R source of
    ``wilcox.test`` (2025) keeps them too; R releases before that rewrite dropped them first
    (``drop_zeros=True`` reproduces those).

    With ``M = n(n+1)/2`` Walsh averages in order, the estimate is their median and the
    interval is ``[w_(L), w_(U)]``: the shifts ``d`` that the tie-corrected, uncorrected
    (no continuity correction) normal signed-rank test of ``x - d`` does not reject, i.e.
    ``L`` is the smallest index with ``cum(L) >= M/2 - z sigma`` and ``U`` the smallest with
    ``cum(U) > M/2 + z sigma``, where ``sigma^2 = n(n+1)(2n+1)/24 - sum(t^3 - t)/48`` over
    groups of equal differences. This is the interval (and estimate) that R's
    ``wilcox.test(post, pre, paired=TRUE, conf.int=TRUE, exact=FALSE, correct=FALSE)`` finds
    by root search, without its ``tol.root = 1e-4`` error. Three cases differ from R: when the
    two middle Walsh averages differ R returns some point between them and we their midpoint;
    when the level cannot be reached (n <= 4 untied) R widens the interval with a warning, we
    return NaN limits; when all differences equal c, R gives no interval, we ``[c, c]`` (every
    other shift is rejected) if the level can be reached.
    """
    from scipy.stats import norm

    d = np.asarray(differences, dtype=float).ravel()
    d = np.round(d[~np.isnan(d)], _DIFF_DECIMALS)
    if drop_zeros:
        d = d[d != 0.0]
    n = int(d.size)
    if n == 0:
        return HodgesLehmann(math.nan, math.nan, math.nan, 0)
    averages, weights = _walsh_averages(d)
    cum = np.cumsum(weights)
    total = n * (n + 1) // 2
    if total % 2:
        estimate = float(averages[np.searchsorted(cum, (total + 1) // 2)])
    else:
        lower = averages[np.searchsorted(cum, total // 2)]
        upper = averages[np.searchsorted(cum, total // 2 + 1)]
        estimate = float((lower + upper) / 2.0)
    _, ties = np.unique(d, return_counts=True)
    variance = n * (n + 1) * (2 * n + 1) / 24.0 - float(np.sum(ties**3 - ties)) / 48.0
    half_width = float(norm.isf((1.0 - conf_level) / 2.0)) * math.sqrt(variance)
    low_index = int(np.searchsorted(cum, total / 2.0 - half_width, side="left"))
    high_index = int(np.searchsorted(cum, total / 2.0 + half_width, side="right"))
    if total / 2.0 - half_width <= 0 or high_index >= averages.size:
        return HodgesLehmann(estimate, math.nan, math.nan, n)
    return HodgesLehmann(estimate, float(averages[low_index]), float(averages[high_index]), n)


# --------------------------------------------------------------------------- reliability


@dataclass(frozen=True)
class CronbachAlpha:
    """Cronbach's alpha with Feldt's confidence interval."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int  # complete rows used
    k: int  # items


def cronbach_alpha(scores: ArrayLike, *, conf_level: float = 0.95) -> CronbachAlpha:
    """Cronbach's alpha of a participants x items matrix, with a Feldt (1965) interval.

    Only complete rows are used (listwise deletion; pingouin's default is pairwise).
    ``alpha = k/(k-1) * (1 - sum(item variances) / variance(row totals))``, variances with
    n - 1. The interval is ``1 - (1 - alpha) * F`` at the upper and lower ``(1 - conf)/2``
    quantiles of F(n - 1, (n - 1)(k - 1)), as ``pingouin.cronbach_alpha`` computes it.
    NaN when there are fewer than 2 items or 2 complete rows, or the totals do not vary.
    """
    from scipy.stats import f

    matrix = np.asarray(scores, dtype=float)
    if matrix.ndim != 2:
        raise ValueError("cronbach_alpha expects a 2-D participants x items matrix")
    matrix = matrix[~np.isnan(matrix).any(axis=1)]
    n, k = matrix.shape
    total_variance = float(np.var(matrix.sum(axis=1), ddof=1)) if n >= 2 else 0.0
    if k < 2 or n < 2 or total_variance == 0.0:
        return CronbachAlpha(math.nan, math.nan, math.nan, int(n), int(k))
    item_variance = float(np.var(matrix, axis=0, ddof=1).sum())
    alpha = k / (k - 1) * (1.0 - item_variance / total_variance)
    tail = (1.0 - conf_level) / 2.0
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - alpha) * float(f.isf(tail, df1, df2))
    high = 1.0 - (1.0 - alpha) * float(f.isf(1.0 - tail, df1, df2))
    return CronbachAlpha(alpha, low, high, int(n), int(k))
