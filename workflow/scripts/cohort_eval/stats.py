"""Pure statistical helpers (no Snakemake, no file I/O)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["WilcoxonResult", "wilcoxon_spss"]

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
