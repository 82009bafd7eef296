"""A frozen copy of ``RampTransformer``'s knots and ramps as they were computed one
feature at a time (sknonneg.preprocessing._ramps at b5c62b2, session 57), before
session 58 vectorised them over the features. Tests only: the vectorised fit and
transform must give these knots and outputs bit for bit
(``tests/test_ramps_vectorised.py``). Validation, refusals and memory checks are
left out: the input here is what ``fit`` and ``transform`` hold after them."""

import numpy as np

_QUANTILE_CHUNK = 1 << 16


def knots(X, sample_weight=None, *, n_knots=10, knots="distinct",
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
            _averaged_inverted_cdf(half[:, j], weights, out[:, j])
    elif knots == "quantile":
        out = np.quantile(half, grid, axis=0)
    elif knots == "distinct" and averaged:
        out = np.empty((grid.shape[0], X.shape[1]))
        for j in range(X.shape[1]):
            _averaged_inverted_cdf(np.unique(half[:, j]), None, out[:, j])
    elif knots == "distinct":
        out = np.column_stack([np.quantile(np.unique(half[:, j]), grid)
                               for j in range(X.shape[1])])
    else:
        lo, hi = half.min(axis=0), half.max(axis=0)
        out = lo + grid[:, None] * (hi - lo)
    out = np.clip(2.0 * out, X.min(axis=0), X.max(axis=0)).astype(X.dtype)
    return np.maximum.accumulate(out, axis=0)


def transform(fitted_knots, X, include_input=True):
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


def _averaged_inverted_cdf(values, weights, out):
    """The knots of one feature by the averaged inverted CDF (see the docstring of
    ``sknonneg.preprocessing._ramps._averaged_inverted_cdf``)."""
    n_knots = out.shape[0]
    steps = float(n_knots - 1)
    order = np.argsort(values, kind="stable")
    values = values[order]
    if weights is None:
        weights = np.ones(values.shape[0])
    else:
        weights = weights[order]
    lowest, highest = values[0], values[-1]
    integer = bool(np.all(weights == np.floor(weights)))
    if integer:
        with np.errstate(over="ignore"):
            cumulative = np.cumsum(weights)
        integer = bool(cumulative[-1] * steps < 2.0**53)
    if integer:
        tolerance = 0.0
    else:
        shift = (int(np.frexp(weights.max())[1])
                 + int(weights.shape[0]).bit_length())
        with np.errstate(under="ignore"):
            weights = np.ldexp(weights, -shift)
        kept = weights > 0
        if not np.all(kept):
            values, weights = values[kept], weights[kept]
        cumulative = np.cumsum(weights)
    total = float(cumulative[-1])
    last = values.shape[0] - 1
    if not integer:
        tolerance = total * steps * (last + 5) * 2.0**-50
    reached = cumulative * steps
    for start in range(0, n_knots, _QUANTILE_CHUNK):
        k = np.arange(start, min(start + _QUANTILE_CHUNK, n_knots), dtype=np.float64)
        level = k * total
        row = np.minimum(np.searchsorted(reached, level - tolerance, side="left"),
                         last)
        row[k == 0] = 0
        row[k == steps] = last
        on = ((np.abs(reached[row] - level) <= tolerance) & (row < last)
              & (k > 0) & (k < steps))
        lower = values[row]
        upper = values[np.minimum(row + 1, last)]
        out[start:start + k.shape[0]] = np.where(on, upper - (upper - lower) * 0.5,
                                                 lower)
    out[0], out[n_knots - 1] = lowest, highest
    return out
