"""RampTransformer's fit and transform, vectorised over the features, give the
knots and the outputs of the code that looped over them one feature at a time
(``_reference_knots`` and ``_reference_transform`` below, frozen from the code
before; each feature's averaged inverted CDF is ``_ramps._averaged_inverted_cdf``,
the per-feature definition the vectorised code must reproduce), bit for bit: every
``knots`` rule, both quantile methods, with and without weights, ties, constant
columns, signed zeros, float32, and blocks of every size (the block sizes shrunk so
that a small input spans many blocks of features, rows and knots), in every
layout (C, Fortran, strided, read-only): the fit takes the halves of X a block of
features at a time (one at least), and never more in float64 at once."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import examples
from sknonneg.preprocessing import RampTransformer
from sknonneg.preprocessing import _ramps

RULES = [("distinct", "linear"), ("distinct", "averaged_inverted_cdf"),
         ("quantile", "linear"), ("quantile", "averaged_inverted_cdf"),
         ("uniform", "linear"), ("uniform", "averaged_inverted_cdf")]


# The fit and transform as they were computed one feature at a time, frozen
# (validation, refusals and memory checks left out: the input is what fit and
# transform hold after them).

def _reference_knots(X, sample_weight=None, *, n_knots=10, knots="distinct",
          quantile_method="linear"):
    """``knots_`` of ``RampTransformer(n_knots, knots=knots, quantile_method=
    quantile_method).fit(X, sample_weight=sample_weight)`` (``X`` float64 or
    float32 and finite, the weights float64, non-negative, not all 0)."""
    weights = sample_weight
    if weights is not None:
        kept = weights > 0
        if not np.all(kept):
            X, weights = X[kept], weights[kept]
        if np.all(weights == 1.0):
            weights = None
    grid = np.linspace(0.0, 1.0, n_knots)
    half = X.astype(np.float64) * 0.5
    averaged = quantile_method == "averaged_inverted_cdf"
    if knots == "quantile" and averaged:
        out = np.empty((grid.shape[0], X.shape[1]))
        for j in range(X.shape[1]):
            _ramps._averaged_inverted_cdf(half[:, j], weights, out[:, j])
    elif knots == "quantile":
        out = np.quantile(half, grid, axis=0)
    elif knots == "distinct" and averaged:
        out = np.empty((grid.shape[0], X.shape[1]))
        for j in range(X.shape[1]):
            _ramps._averaged_inverted_cdf(np.unique(half[:, j]), None, out[:, j])
    elif knots == "distinct":
        out = np.column_stack([np.quantile(np.unique(half[:, j]), grid)
                               for j in range(X.shape[1])])
    else:
        lo, hi = half.min(axis=0), half.max(axis=0)
        out = lo + grid[:, None] * (hi - lo)
    out = np.clip(2.0 * out, X.min(axis=0), X.max(axis=0)).astype(X.dtype)
    return np.maximum.accumulate(out, axis=0)


def _reference_transform(fitted_knots, X, include_input=True):
    """``transform(X)`` of a ``RampTransformer`` whose ``knots_`` are
    ``fitted_knots`` (``X`` float64 or float32, finite)."""
    out_dtype = X.dtype
    with np.errstate(over="ignore"):
        kn = fitted_knots.astype(X.dtype, copy=False)
    with np.errstate(under="ignore", invalid="ignore"):
        merged = kn.dtype != np.float64 and np.any(
            (np.diff(kn * kn.dtype.type(0.5), axis=0) <= 0)
            & (np.diff(fitted_knots.astype(np.float64), axis=0) > 0))
    if merged or not np.all(np.isfinite(kn)):
        kn = fitted_knots.astype(np.float64)
        X_work = X.astype(np.float64)
    else:
        X_work = X
    per = kn.shape[0] - 1 + int(include_input)
    out = np.zeros((X.shape[0], X.shape[1] * per), dtype=out_dtype)
    n_ramps = kn.shape[0] - 1
    half = X_work.dtype.type(0.5)
    halves = kn * half
    with np.errstate(over="ignore", under="ignore"):
        for j in range(X.shape[1]):
            x_half = np.multiply(X_work[:, j], half)
            for k in range(n_ramps):
                width = halves[k + 1, j] - halves[k, j]
                if width > 0:
                    ramp = np.divide(np.subtract(x_half, halves[k, j]), width)
                    out[:, j * per + k] = np.minimum(np.maximum(ramp, 0.0), 1.0)
            if include_input:
                out[:, j * per + n_ramps] = X[:, j]
    return out


def _same(a, b):
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


def _check(X, weights, n_knots, knots, method, include_input=True, new=None):
    """Fit and transform against the reference, bit for bit (signed zeros too)."""
    ramps = RampTransformer(n_knots, knots=knots, quantile_method=method,
                            include_input=include_input).fit(X, sample_weight=weights)
    expected = _reference_knots(X, weights, n_knots=n_knots, knots=knots,
                               quantile_method=method)
    assert _same(ramps.knots_, expected), (knots, method, ramps.knots_, expected)
    for data in [X] + ([] if new is None else [new]):
        assert _same(ramps.transform(data),
                     _reference_transform(expected, data, include_input))


def _layout(X, layout):
    """``X`` (the same values) C-ordered, Fortran-ordered, a strided view or
    read-only."""
    if layout == "F":
        return np.asfortranarray(X)
    if layout == "strided":
        return np.repeat(X, 2, axis=1)[:, ::2]
    X = np.ascontiguousarray(X)
    if layout == "read-only":
        X.flags.writeable = False
    return X


def _blocks(sort_block, block):
    """Set the block sizes of the vectorised code; returns the previous ones."""
    previous = _ramps._SORT_BLOCK, _ramps._BLOCK
    _ramps._SORT_BLOCK, _ramps._BLOCK = sort_block, block
    return previous


@st.composite
def _data(draw):
    n_samples = draw(st.integers(1, 25))
    n_features = draw(st.integers(1, 9))
    kind = draw(st.sampled_from(["small integers", "continuous", "signed zeros",
                                 "constant", "wide range", "mixed",
                                 "float32 extremes"]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    shape = (n_samples, n_features)
    if kind == "small integers":  # one-hot-like: 0/1 and a few levels
        X = rng.integers(0, draw(st.integers(1, 4)), shape).astype(float)
    elif kind == "continuous":
        X = rng.normal(size=shape)
    elif kind == "signed zeros":
        X = rng.choice([0.0, -0.0, 1.0, -2.5], shape)
    elif kind == "constant":
        X = np.repeat(rng.normal(size=(1, n_features)), n_samples, axis=0)
    elif kind == "wide range":
        X = np.round(rng.normal(size=shape), 1) * 10.0 ** rng.integers(-300, 300, shape)
    elif kind == "float32 extremes":
        # Near float32's largest value, its subnormals, both zeros: their
        # float64 halves are exact, and a column may span float32's whole range.
        big = np.float32(3.4e38)
        X = rng.choice(np.array([big, -big, np.nextafter(big, 0), 1.5e-45, -1.5e-45,
                                 1e-40, -1e-39, 0.0, -0.0, 1.0], dtype=np.float32),
                       shape)
    else:
        X = rng.normal(size=shape)
        X[:, ::2] = rng.integers(0, 2, X[:, ::2].shape)
        X[:, -1] = 3.0  # a constant column
    if kind == "float32 extremes" or (kind != "wide range" and draw(st.booleans())):
        X = X.astype(np.float32)
    layout = draw(st.sampled_from(["C", "F", "strided", "read-only"]))
    X = _layout(X, layout)
    weighting = draw(st.sampled_from(["none", "ones", "integer", "fractional",
                                      "tiny", "huge"]))
    weights = {"none": None,
               "ones": np.ones(n_samples),
               "integer": rng.integers(0, 4, n_samples).astype(float),
               "fractional": rng.random(n_samples) * (rng.random(n_samples) > 0.25),
               "tiny": rng.random(n_samples) * 1e-310,
               "huge": rng.integers(0, 4, n_samples) * 1e300}[weighting]
    if weights is not None and not np.any(weights > 0):
        weights[0] = 0.5
    return X, weights


# scikit-learn's finite check sums X: float32 values near +-3.4e38 give inf - inf
# and NumPy's RuntimeWarning (not sknonneg's; the data is finite and accepted).
@pytest.mark.filterwarnings("ignore:invalid value encountered in reduce:RuntimeWarning")
@examples(80)
@given(data=_data(), n_knots=st.sampled_from([2, 3, 5, 10, 34, 100]),
       rule=st.sampled_from(RULES), include_input=st.booleans(),
       blocks=st.sampled_from([(1 << 18, 1 << 16), (7, 5), (1, 1), (40, 3),
                               (50, 1 << 16)]))
def test_knots_and_output_are_those_of_one_feature_at_a_time(
        data, n_knots, rule, include_input, blocks):
    X, weights = data
    knots, method = rule
    if weights is not None and rule == ("quantile", "linear"):
        weights = None  # refused (test_preprocessing.py)
    with np.errstate(over="ignore"):
        new = np.concatenate([X, 1.5 * X - 1, X[:1] + 1])
    new = new[np.all(np.isfinite(new), axis=1)]  # float32 extremes times 1.5
    previous = _blocks(*blocks)
    try:
        _check(X, weights, n_knots, knots, method, include_input, new=new)
    finally:
        _blocks(*previous)


@pytest.mark.parametrize("knots, method", RULES)
def test_rare_paths_are_those_of_one_feature_at_a_time(knots, method):
    # Paths a random search seldom reaches, each on its own: a feature holding
    # both 0.0 and -0.0 (np.unique keeps one of them, by its own algorithm);
    # integer weights whose sum times n_knots - 1 reaches 2**53 (the tolerance
    # rule); fractional weights of which some scale to 0 (left out past the
    # first and last knots); many knots (chunks); a float32 fit of knots that
    # float32 halves merge.
    rng = np.random.default_rng(0)
    zeros = np.array([[1.0, 0.0], [0.0, -0.0], [-0.0, 0.0], [2.0, -0.0],
                      [1.0, 1.0], [-0.0, 2.0]])
    # Sorted by NumPy's SIMD sort, the -0.0 of this column became 0.0 (an
    # earlier draft took the mixed zeros from the sorted values, and missed it).
    long_zeros = np.array([[-1.0, 0.0, -0.0, 2.0] * 4]).T
    cases = [
        (zeros, None),
        (np.hstack([long_zeros, long_zeros[::-1]]), None),
        (np.hstack([long_zeros, long_zeros[::-1]]), np.arange(16) % 3 + 0.5),
        (zeros[::-1].copy(), np.array([1.0, 2.0, 0.0, 1.0, 3.0, 1.0])),
        (rng.normal(size=(30, 3)), rng.integers(1, 3, 30) * 2.0**50),
        (rng.normal(size=(30, 3)), np.where(rng.random(30) < 0.5, 1e300, 5e-324)),
        (np.array([[1.0], [1.0 + 2**-40], [2.0], [2.0 + 2**-30]]).astype(np.float32),
         None),
        # Mostly flat ramps with knots="quantile" (one-hot-like columns): the
        # transform writes the ramps of positive width alone.
        (np.repeat([[0.0, 0.0], [0.0, 1.0], [0.0, 0.0], [1.0, 0.0]], 5, axis=0), None),
    ]
    for X, weights in cases:
        if weights is not None and (knots, method) == ("quantile", "linear"):
            weights = None
        for n_knots in (2, 7, 300):
            _check(X, weights, n_knots, knots, method, new=X * 3 - 1)
    previous = _blocks(1, 1)  # one feature, one knot per block
    try:
        weights = None if (knots, method) == ("quantile", "linear") else rng.random(20)
        _check(rng.normal(size=(20, 3)), weights, 7, knots, method)
    finally:
        _blocks(*previous)


def test_fit_does_not_change_its_input():
    # The vectorised fit sorts copies of its columns: not X (an earlier draft
    # sorted a one-column X's halves in place, which changed the distinct values).
    X = np.array([[3.0, 1.0], [1.0, 2.0], [2.0, 0.0]])
    X1 = X[:, :1].copy()
    for data in (X, X1):
        before = data.copy()
        for knots, method in RULES:
            RampTransformer(3, knots=knots, quantile_method=method).fit(data)
        assert _same(data, before)


def test_transform_builds_no_table_beyond_its_output():
    # The ramps are computed in blocks of at most _BLOCK values: the transform's
    # peak is its output and a few blocks (before: a few columns), not a table of
    # every ramp of every feature before the output.
    X = np.random.default_rng(0).normal(size=(200, 500))
    ramps = RampTransformer(10).fit(X)
    ramps.transform(X[:5])
    tracemalloc.start()
    try:
        out = ramps.transform(X)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < out.nbytes + 16 * 8 * _ramps._BLOCK


def test_weighted_quantile_knots_sort_ties_in_the_stable_order():
    # Weighted quantile knots sort each feature with NumPy's fastest sort where
    # its values are distinct, and stably where two are equal (0.0 and -0.0
    # included): equal values of fractional weights summed in another order
    # round to other cumulative weights, and a knot among equal zeros is the
    # zero of the row the order puts there. The order and the sorted values
    # are those of the stable sort, bit for bit, in blocks of rows with ties,
    # without, and both. (A fastest sort of the rows with ties too fails here.)
    rng = np.random.default_rng(4)
    for n in (1, 2, 7, 64, 300):
        block = rng.normal(size=(9, n))
        block[1] = rng.choice([0.0, -0.0, 1.0, 2.0], n)    # ties, mixed zeros
        block[2] = rng.integers(0, 3, n)                   # few distinct
        block[3, : n // 2] = 0.5                           # one long run
        block[4, ::3] = -0.0                               # one kind of zero
        for rows in (block, block[[0, 5, 6]], block[1:5], block[3:5]):
            expected = np.argsort(rows, axis=1, kind="stable")
            sorted_rows = np.take_along_axis(rows, expected, axis=1)
            for ties_likely in (False, True):
                order, values, tied = _ramps._stable_argsort_rows(
                    rows.copy(), ties_likely)
                assert np.array_equal(order, expected)
                assert _same(values, sorted_rows)
                assert np.array_equal(
                    tied, [len(np.unique(row)) < len(row) for row in rows])
    # Through the fit: equal values of different fractional (and integer)
    # weights, with columns of distinct values beside them, in blocks of both
    # kinds; against the knots of one feature at a time (the stable order).
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 6))
    # Zeros inside the range (not the clip's bound): a knot among them is the
    # zero of the row the stable order puts there.
    X[:, 1] = rng.choice([-1.0, 0.0, -0.0, 0.0, -0.0, 2.0], 60)
    X[:, 3] = np.round(X[:, 3], 1)
    X[:, 4] = rng.integers(0, 2, 60)
    weights = rng.random(60) * 3 + 0.1
    for blocks in ((1 << 18, 1 << 16), (120, 7), (60, 1)):
        previous = _blocks(*blocks)
        try:
            for n_knots in (2, 5, 10, 34):
                _check(X, weights, n_knots, "quantile", "averaged_inverted_cdf")
                _check(X, np.round(weights), n_knots, "quantile",
                       "averaged_inverted_cdf")
        finally:
            _blocks(*previous)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fit_holds_no_float64_copy_of_x(dtype):
    # Before, the fit interpolated the halves of all of X in float64 at once: a
    # copy of X of twice its bytes for float32, as many for float64, which was
    # most of the fit's peak on wide data (787 MiB for 763 MiB of X). The halves
    # are taken a block of features at a time: the fit's peak is the knots and a
    # few blocks, whatever the number of features (a block holds one feature at
    # least: all of its rows).
    rng = np.random.default_rng(5)
    X = rng.normal(size=(500, 3000)).astype(dtype)
    weights = rng.uniform(0.5, 2.0, 500)
    previous = _blocks(1 << 14, 1 << 16)
    try:
        for knots, method in RULES:
            for w in (None, weights):
                if w is not None and (knots, method) == ("quantile", "linear"):
                    continue
                ramps = RampTransformer(10, knots=knots, quantile_method=method)
                tracemalloc.start()
                try:
                    ramps.fit(X, sample_weight=w)
                    peak = tracemalloc.get_traced_memory()[1]
                finally:
                    tracemalloc.stop()
                assert peak < X.nbytes / 2, (knots, method, w is None, peak)
    finally:
        _blocks(*previous)
