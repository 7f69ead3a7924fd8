"""Calibrate synthetic Likert answers so their pooled summaries reproduce a published table.

A domain's answers are two ``(n_participants, n_items)`` integer matrices (pre and post,
values 1..5). The published figures pool every participant x statement pair: mean and SD
(n-1) printed to 1 dp, min-max range, and the SPSS Wilcoxon Z printed to 2 dp.

The search has three steps, each driven only by ``rng`` (so a seed fixes the result):

1. enumerate the value counts (how many 1s, 2s, ...) whose mean, SD and range print as the
   target, for pre and for post, and pick one of each (unimodal shapes preferred);
2. pair pre values with post values, starting from a noisy rank-order pairing and swapping
   post values until the Wilcoxon Z prints as the target (Z depends only on the differences);
3. place the pairs into cells, swapping whole pairs (which changes none of the pooled
   figures) until every column has spread and the column constraints hold.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import numpy as np

from cohort_eval.stats import wilcoxon_spss

__all__ = [
    "DOMAIN_SIZES",
    "LIKERT_MAX",
    "LIKERT_MIN",
    "LOW_PRE_MAX",
    "TABLE2",
    "DomainTarget",
    "find_domain_answers",
    "matches",
    "summarise",
]

LIKERT_MIN = 1
LIKERT_MAX = 5
LOW_PRE_MAX = 2  # ``require_low_pre``: every column has a pre value <= this

_EPS = 1e-9  # keep strictly inside the printed-rounding interval
_MAX_DIFF = LIKERT_MAX - LIKERT_MIN
_GRID_CHUNK = 2_000_000  # cells per enumeration chunk (bounds memory)


@dataclass(frozen=True)
class DomainTarget:
    """One row of a published summary table, as printed."""

    pre_mean: float
    pre_sd: float
    pre_min: int
    pre_max: int
    post_mean: float
    post_sd: float
    post_min: int
    post_max: int
    z: float  # to 2 dp, negative


TABLE2: dict[str, DomainTarget] = {
    "communication": DomainTarget(2.7, 1.1, 1, 4, 3.9, 0.5, 3, 5, -3.42),
    "networking": DomainTarget(3.3, 0.9, 1, 5, 4.2, 0.6, 3, 5, -4.61),
    "policy": DomainTarget(2.8, 1.2, 1, 5, 4.1, 0.7, 3, 5, -4.11),
    "management": DomainTarget(2.8, 1.1, 1, 5, 3.7, 0.8, 2, 5, -6.70),
}

DOMAIN_SIZES: dict[str, int] = {
    "communication": 4,
    "networking": 5,
    "policy": 5,
    "management": 20,
}


# --------------------------------------------------------------------------- summaries


def _round_printed(value: float, decimals: int) -> float:
    """Round half away from zero, as SPSS prints (not Python's round-half-even)."""
    if math.isnan(value):
        return value
    quantum = Decimal(1).scaleb(-decimals)
    return float(Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP))


def _raw_figures(pre: np.ndarray, post: np.ndarray) -> tuple[float, ...]:
    a = np.asarray(pre, dtype=float).ravel()
    b = np.asarray(post, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(f"pre and post differ in size: {a.size} vs {b.size}")
    z = wilcoxon_spss(b - a).z
    return (
        float(a.mean()),
        float(a.std(ddof=1)),
        float(a.min()),
        float(a.max()),
        float(b.mean()),
        float(b.std(ddof=1)),
        float(b.min()),
        float(b.max()),
        z,
    )


def summarise(pre: np.ndarray, post: np.ndarray) -> DomainTarget:
    """Pooled figures of a domain as printed: mean/SD to 1 dp, range, Z to 2 dp."""
    pm, ps, plo, phi, qm, qs, qlo, qhi, z = _raw_figures(pre, post)
    return DomainTarget(
        pre_mean=_round_printed(pm, 1),
        pre_sd=_round_printed(ps, 1),
        pre_min=int(plo),
        pre_max=int(phi),
        post_mean=_round_printed(qm, 1),
        post_sd=_round_printed(qs, 1),
        post_min=int(qlo),
        post_max=int(qhi),
        z=_round_printed(z, 2),
    )


def _prints_as(value: float, printed: float, decimals: int) -> bool:
    """True if ``value`` is strictly inside the rounding interval of ``printed``.

    Values on the exact boundary (e.g. 2.65 for "2.7") are rejected, since how they print
    depends on the software; this way SPSS and ``f"{value:.1f}"`` both agree.
    """
    return abs(value - printed) < 0.5 * 10.0**-decimals - _EPS


def matches(pre: np.ndarray, post: np.ndarray, target: DomainTarget) -> bool:
    """True if the pooled figures of ``pre``/``post`` print exactly as ``target``."""
    pm, ps, plo, phi, qm, qs, qlo, qhi, z = _raw_figures(pre, post)
    return (
        _prints_as(pm, target.pre_mean, 1)
        and _prints_as(ps, target.pre_sd, 1)
        and (plo, phi) == (target.pre_min, target.pre_max)
        and _prints_as(qm, target.post_mean, 1)
        and _prints_as(qs, target.post_sd, 1)
        and (qlo, qhi) == (target.post_min, target.post_max)
        and not math.isnan(z)
        and _prints_as(z, target.z, 2)
    )


# ------------------------------------------------------------------ step 1: value counts


class _OutOfTime(Exception):
    """The deadline passed while enumerating value counts."""


def _count_grids(n: int, n_free: int, deadline: float) -> Iterator[np.ndarray]:
    """Yield, in chunks of bounded size, all ``(n_free, m)`` count columns with sum <= n."""
    if n_free == 0:
        yield np.zeros((0, 1), dtype=np.int64)
        return
    steps = np.arange(n + 1)
    tail = np.zeros((), dtype=np.int64)  # sums over all free values but the first
    for _ in range(n_free - 1):
        tail = np.add.outer(tail, steps)
    chunk = max(1, _GRID_CHUNK // tail.size)
    for start in range(0, n + 1, chunk):
        if time.perf_counter() > deadline:
            raise _OutOfTime
        first = np.arange(start, min(start + chunk, n + 1))
        grid = np.array(np.nonzero(np.add.outer(first, tail) <= n), dtype=np.int64)
        grid[0] += start
        yield grid


def _value_count_candidates(
    n: int, mean: float, sd: float, lo: int, hi: int, deadline: float = math.inf
) -> np.ndarray:
    """All count vectors over ``LIKERT_MIN..LIKERT_MAX`` (shape ``(m, 5)``) of ``n`` values
    in ``lo..hi``, both ends present, whose mean and SD print as the target."""
    width = LIKERT_MAX - LIKERT_MIN + 1
    values = np.arange(lo, hi + 1)
    k = values.size
    n_free = max(k - 2, 0)
    totals = [
        s
        for s in range(math.floor((mean - 0.05) * n), math.ceil((mean + 0.05) * n) + 1)
        if _prints_as(s / n, mean, 1)
    ]
    found: list[np.ndarray] = []
    # Counts of all but the two highest values are enumerated; those two follow from n and
    # the total: c_hi + c_(hi-1) = rest, hi * c_hi + (hi - 1) * c_(hi-1) = total - partial.
    for grid in _count_grids(n, n_free, deadline) if totals else ():
        rest = n - grid.sum(axis=0)
        partial = values[:n_free] @ grid
        if k > 1:  # keep columns where some total gives 1 <= c_hi <= rest
            lowest = partial + (hi - 1) * rest + 1
            keep = (lowest <= totals[-1]) & (lowest + rest - 1 >= totals[0])
            grid, rest, partial = grid[:, keep], rest[keep], partial[keep]
        for total in totals:
            if k == 1:
                counts = np.full((1, 1), n) if total == lo * n else np.zeros((0, 1), np.int64)
            else:
                top = total - partial - (hi - 1) * rest
                counts = np.vstack([grid, rest - top, top]).T
            counts = counts[(counts >= 0).all(axis=1) & (counts[:, 0] >= 1) & (counts[:, -1] >= 1)]
            if not counts.size:
                continue
            if n > 1:
                var = (counts @ values**2 - total * total / n) / (n - 1)
            else:
                var = np.zeros(len(counts))
            ok = np.abs(np.sqrt(np.maximum(var, 0.0)) - sd) < 0.05 - _EPS  # as _prints_as
            found.append(counts[ok])
    out = np.zeros((sum(len(f) for f in found), width), dtype=np.int64)
    if found:
        out[:, lo - LIKERT_MIN : hi - LIKERT_MIN + 1] = np.vstack(found)
    return out


def _prefer_unimodal(cands: np.ndarray) -> np.ndarray:
    """Keep count vectors without a dip (a fall followed by a rise), if there are any."""
    steps = np.sign(np.diff(cands, axis=1))
    fallen = np.maximum.accumulate(steps < 0, axis=1)
    dip = (fallen[:, :-1] & (steps[:, 1:] > 0)).any(axis=1)
    return cands[~dip] if (~dip).any() else cands


# -------------------------------------------------------------------- step 2: pairing


def _z_from_diff_counts(counts: list[int]) -> float:
    """SPSS Wilcoxon Z from counts of integer differences ``-_MAX_DIFF.._MAX_DIFF``."""
    cum = 0
    w_plus = 0.0
    w_minus = 0.0
    tie = 0
    for k in range(1, _MAX_DIFF + 1):
        pos = counts[_MAX_DIFF + k]
        neg = counts[_MAX_DIFF - k]
        t = pos + neg
        if t:
            rank = cum + (t + 1) / 2.0
            w_plus += pos * rank
            w_minus += neg * rank
            cum += t
            tie += t * t * t - t
    n = cum
    if n == 0:
        return math.nan
    var = n * (n + 1) * (2 * n + 1) / 24.0 - tie / 48.0
    return (min(w_plus, w_minus) - n * (n + 1) / 4.0) / math.sqrt(var)


def _pair_values(
    pre_vals: np.ndarray,
    post_vals: np.ndarray,
    z_target: float,
    rng: np.random.Generator,
    max_iter: int,
    deadline: float,
) -> np.ndarray | None:
    """Pair pre with post values so ``post - pre`` gives the target Z.

    Returns an ``(n, 2)`` array of ``(pre, post)`` pairs, or None if not found.
    """
    n = pre_vals.size
    # Start from a noisy rank-order pairing (real answers correlate before/after),
    # then anneal with swaps of post values between two pairs.
    pre_sorted = pre_vals[np.argsort(pre_vals + rng.normal(0.0, 1.0, n), kind="stable")]
    post_sorted = post_vals[np.argsort(post_vals + rng.normal(0.0, 1.0, n), kind="stable")]
    pre = [int(v) for v in pre_sorted]
    post = [int(v) for v in post_sorted]
    off = _MAX_DIFF
    counts = [0] * (2 * _MAX_DIFF + 1)
    for a, b in zip(pre, post, strict=True):
        counts[b - a + off] += 1

    def cost(z: float) -> float:
        return math.inf if math.isnan(z) else abs(z - z_target)

    window = 0.005 - _EPS
    temperature = 0.02
    current = cost(_z_from_diff_counts(counts))
    picks = rng.integers(0, n, size=(max_iter, 2)).tolist()
    draws = rng.random(max_iter).tolist()
    for it in range(max_iter):
        if current < window:
            return np.column_stack([pre, post]).astype(np.int64)
        if it % 1024 == 0 and time.perf_counter() > deadline:
            return None
        i, j = picks[it]
        a_i, a_j, b_i, b_j = pre[i], pre[j], post[i], post[j]
        if a_i == a_j or b_i == b_j:
            continue
        counts[b_i - a_i + off] -= 1
        counts[b_j - a_j + off] -= 1
        counts[b_j - a_i + off] += 1
        counts[b_i - a_j + off] += 1
        new = cost(_z_from_diff_counts(counts))
        if new <= current or draws[it] < math.exp(-(new - current) / temperature):
            post[i], post[j] = b_j, b_i
            current = new
        else:
            counts[b_j - a_i + off] -= 1
            counts[b_i - a_j + off] -= 1
            counts[b_i - a_i + off] += 1
            counts[b_j - a_j + off] += 1
    if current < window:
        return np.column_stack([pre, post]).astype(np.int64)
    return None


# ------------------------------------------------------------------ step 3: placement


def _arrange(
    pairs: np.ndarray,
    n_participants: int,
    n_items: int,
    low_cols: Sequence[int],
    low_post_max: int,
    require_low_pre: bool,
    rng: np.random.Generator,
    max_iter: int,
) -> tuple[np.ndarray, np.ndarray] | None:
    """Place ``(pre, post)`` pairs into cells so every column meets the constraints."""
    n_rows = n_participants
    low_set = set(low_cols)
    is_low_pair = pairs[:, 1] <= low_post_max
    low_pool = np.flatnonzero(is_low_pair)
    n_low_cells = n_rows * len(low_cols)
    if low_pool.size < n_low_cells:
        return None
    chosen = rng.permutation(low_pool)[:n_low_cells]
    mask = np.ones(len(pairs), dtype=bool)
    mask[chosen] = False
    others = rng.permutation(np.flatnonzero(mask))
    other_cols = [j for j in range(n_items) if j not in low_set]

    col_pre: list[list[int]] = [[] for _ in range(n_items)]
    col_post: list[list[int]] = [[] for _ in range(n_items)]
    for idx, pair_idx in enumerate(chosen.tolist()):
        j = low_cols[idx // n_rows]
        col_pre[j].append(int(pairs[pair_idx, 0]))
        col_post[j].append(int(pairs[pair_idx, 1]))
    for idx, pair_idx in enumerate(others.tolist()):
        j = other_cols[idx // n_rows]
        col_pre[j].append(int(pairs[pair_idx, 0]))
        col_post[j].append(int(pairs[pair_idx, 1]))

    need_spread = n_rows >= 2

    def violations(j: int) -> int:
        a, b = col_pre[j], col_post[j]
        v = 0
        if need_spread:
            v += (min(a) == max(a)) + (min(b) == max(b))
        if require_low_pre and min(a) > LOW_PRE_MAX:
            v += 1
        return v

    viol = [violations(j) for j in range(n_items)]
    if n_items >= 2:
        picks = rng.integers(0, 1 << 30, size=(max_iter, 4)).tolist()
        for it in range(max_iter):
            bad = [j for j in range(n_items) if viol[j]]
            if not bad:
                break
            x1, x2, x3, x4 = picks[it]
            j1 = bad[x1 % len(bad)]
            j2 = (j1 + 1 + x2 % (n_items - 1)) % n_items
            r1, r2 = x3 % n_rows, x4 % n_rows
            if j2 in low_set and col_post[j1][r1] > low_post_max:
                continue
            if j1 in low_set and col_post[j2][r2] > low_post_max:
                continue
            before = viol[j1] + viol[j2]
            for col in (col_pre, col_post):
                col[j1][r1], col[j2][r2] = col[j2][r2], col[j1][r1]
            v1, v2 = violations(j1), violations(j2)
            if v1 + v2 <= before:
                viol[j1], viol[j2] = v1, v2
            else:
                for col in (col_pre, col_post):
                    col[j1][r1], col[j2][r2] = col[j2][r2], col[j1][r1]
    if any(viol):
        return None
    pre = np.array(col_pre, dtype=np.int64).T
    post = np.array(col_post, dtype=np.int64).T
    return pre, post


# ------------------------------------------------------------------------- search


def _check_target(target: DomainTarget) -> None:
    for name in ("pre", "post"):
        lo, hi = getattr(target, f"{name}_min"), getattr(target, f"{name}_max")
        if not LIKERT_MIN <= lo <= hi <= LIKERT_MAX:
            raise ValueError(f"{name} range {lo}-{hi} is not within {LIKERT_MIN}-{LIKERT_MAX}")


def _candidate_counts(
    n_participants: int,
    n_items: int,
    target: DomainTarget,
    low_cols: Sequence[int],
    low_post_max: int,
    require_low_pre: bool,
    deadline: float,
) -> tuple[np.ndarray, np.ndarray]:
    """Pre and post value counts that print as ``target`` and can meet the column rules."""
    n = n_participants * n_items
    spread = n_participants >= 2
    below = np.arange(LIKERT_MIN, LIKERT_MAX + 1)
    pre_c = _value_count_candidates(
        n, target.pre_mean, target.pre_sd, target.pre_min, target.pre_max, deadline
    )
    if spread:
        pre_c = pre_c[pre_c.max(axis=1) <= n - n_items]
    if require_low_pre:
        pre_c = pre_c[pre_c[:, below <= LOW_PRE_MAX].sum(axis=1) >= n_items]

    post_c = _value_count_candidates(
        n, target.post_mean, target.post_sd, target.post_min, target.post_max, deadline
    )
    if spread:
        post_c = post_c[post_c.max(axis=1) <= n - n_items]
    if low_cols:
        low_counts = post_c[:, below <= low_post_max]
        low_total = low_counts.sum(axis=1)
        ok = low_total >= n_participants * len(low_cols)
        if spread:  # each low column needs a value other than any given one
            ok &= (low_total[:, None] - low_counts >= len(low_cols)).all(axis=1)
        post_c = post_c[ok]

    for name, cands in (("pre", pre_c), ("post", post_c)):
        if not len(cands):
            raise RuntimeError(
                f"no {n} {name} values in 1..5 print as the target mean/SD/range "
                f"under the column constraints: {target}"
            )
    return _prefer_unimodal(pre_c), _prefer_unimodal(post_c)


def find_domain_answers(
    n_participants: int,
    n_items: int,
    target: DomainTarget,
    rng: np.random.Generator,
    *,
    low_post_items: Sequence[int] = (),
    low_post_max: int = 3,
    require_low_pre: bool = False,
    max_seconds: float = 60.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Find integer pre/post answer matrices whose pooled figures print as ``target``.

    Returns ``(pre, post)``, int arrays of shape ``(n_participants, n_items)`` with values
    1..5, such that ``matches(pre, post, target)``. Columns in ``low_post_items`` have every
    post value <= ``low_post_max``; with ``require_low_pre`` every column has a pre value
    <= 2; with two or more participants every column has more than one distinct pre value
    and more than one distinct post value. Deterministic for a given ``rng`` state.

    Raises ``ValueError`` for invalid arguments and ``RuntimeError`` if no solution is
    found within ``max_seconds``.
    """
    if n_participants < 1 or n_items < 1:
        raise ValueError("n_participants and n_items must be at least 1")
    _check_target(target)
    low_cols = sorted({int(j) for j in low_post_items})
    if any(not 0 <= j < n_items for j in low_cols):
        raise ValueError(f"low_post_items {list(low_post_items)} must be in 0..{n_items - 1}")
    if low_cols and low_post_max < target.post_min:
        raise ValueError(
            f"low_post_max={low_post_max} is below the target post minimum {target.post_min}"
        )

    if abs(target.z) - 0.005 >= math.sqrt(n_participants * n_items):
        # |Z| <= sqrt(n): the bound is reached when all n differences are positive and tied.
        raise RuntimeError(
            f"Z={target.z} is impossible with {n_participants * n_items} pairs (|Z| <= sqrt(n))"
        )

    deadline = time.perf_counter() + max_seconds
    below = np.arange(LIKERT_MIN, LIKERT_MAX + 1)
    timeout_message = (
        f"no answers matching {target} found in {max_seconds:g} s ({n_participants} x {n_items})"
    )

    try:
        pre_c, post_c = _candidate_counts(
            n_participants, n_items, target, low_cols, low_post_max, require_low_pre, deadline
        )
    except _OutOfTime:
        raise RuntimeError(timeout_message + " (enumerating value counts)") from None

    attempts = 0
    while time.perf_counter() < deadline:
        attempts += 1
        pre_vals = np.repeat(below, pre_c[rng.integers(len(pre_c))])
        post_vals = np.repeat(below, post_c[rng.integers(len(post_c))])
        pairs = _pair_values(pre_vals, post_vals, target.z, rng, 20_000, deadline)
        if pairs is None:
            continue
        for _ in range(3):
            placed = _arrange(
                pairs,
                n_participants,
                n_items,
                low_cols,
                low_post_max,
                require_low_pre,
                rng,
                5_000,
            )
            if placed is not None and matches(*placed, target):
                return placed
    raise RuntimeError(f"{timeout_message} ({attempts} attempts)")
