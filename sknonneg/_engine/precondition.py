"""A diagonal change of variables for L-BFGS-B: the first layer's rows in the units
of their input columns.

Why
---
A first-layer weight ``W_jk`` multiplies input column ``j``: its gradient carries a
factor ``x_j`` and its curvature ``x_j^2``. When the values of a column are small
(min-max scaling squeezes a heavy-tailed column towards 0; tf-idf entries of a
unit-norm row), the weights on it must be large to matter and the loss is flat
along them, while the intercepts and the upper layers (inputs of order one: a
bias, sigmoid outputs) are steep. L-BFGS-B starts from a multiple of the identity
and keeps 20 curvature pairs: that cannot undo a spread of 10-100 in the scales of
thousands of coordinates, and the fit crawls along the flat ones (min-max scaled
Spambase, whose median column value where non-zero is 0.14: the positive
networks' fits stopped at ``max_iter=200`` with the loss still falling).

What
----
L-BFGS-B runs on ``u`` with ``theta = D u``, ``D`` diagonal: ``f_j`` on every weight
of the first layer's row ``j`` (its input column), 1 elsewhere. The loss is the same
function of ``theta``; the gradient the solver sees is ``D grad``. With

    s_j = sqrt(sum_i w_i x_ij^2 / sum_{i: x_ij != 0} w_i),   f_j = clip(1 / s_j, 1, F_MAX)

(``w`` the sample weights; ``f_j = 1`` for a column of zeros), ``s_j`` is the
root-mean-square of column ``j`` *where it is not zero*: the unit of the column's
values, not how often it is non-zero. Full Jacobi scaling (``1 / rms_j`` over all
rows) would also multiply a rare column by ``sqrt(n / nnz_j)``, so that the solver
fits a word seen in three documents as fast as a frequent one: on Reuters tf-idf
that memorises (``doc/defaults.md`` has the measurements).
Columns of unit scale or above are left alone (``f_j >= 1``; inputs far above unit
scale get the ``InputScaleWarning``), and ``F_MAX`` bounds the factor.

When
----
Only when the input is small as a whole: the median of ``s_j`` over the non-zero
columns at most ``SMALL_UNIT`` (min-max scaled Spambase 0.14, Reuters tf-idf 0.15).
Then the whole first layer is flat against the intercepts and the upper layers, which
is what L-BFGS-B cannot absorb. When the typical column is of order one (MNIST and
digits pixels 0.7, min-max breast cancer 0.28, wine 0.43, standardised data 1), a
scalar start of L-BFGS-B fits the first layer already, and rescaling its few small
columns only changes the balance of the steps: measured, it cost the unconstrained
network 0.2 points on the 5k MNIST subset, and on min-max breast cancer it made
fits that stopped at ``max_iter`` converge to optima that generalise worse. Those
data sets run exactly as before.

Which rows: the sign-constrained ones (a non-negative first layer: ``positive=True``
or ``"hidden"``, ``monotonic_cst``); free rows keep ``f_j = 1``. L-BFGS-B finds the
bound-active set through its Cauchy point, a search along the projected *gradient*,
which the scale of the variables governs; free coordinates are moved by the
quasi-Newton step, which adapts to their curvature. Measured on Reuters (3 seeds):
the positive network gained 0.5 points of micro-F1 from the scaling, the
unconstrained one lost 0.2 (with a lower training loss).

What it keeps
-------------
- The bounds of a first-layer weight are 0 or infinite (sign constraints, pinned
  zeros, the split parts of an L1 layer), and ``b / f = b`` for those, so ``u`` has
  the same box as ``theta``; ``theta = f u`` with ``f > 0`` has the sign of ``u``
  exactly (a product of floating-point numbers rounds to the sign of the exact one),
  so the constraints hold at every iterate, not up to rounding. A layer with another
  bound is not scaled.
- Nothing is centred or densified: a sparse input stays sparse, only its column
  statistics are read, once per data set.
- The solver takes and returns ``theta``; the callback sees ``theta``; the fitted
  ``coefs_`` are in the user's units. Warm starts, ``partial_fit`` and prediction do
  not see ``D``: a fit decides it once on its whole training data (the training
  loop's ``_Objectives``; every gain stage and every mini-batch of mini-batch
  L-BFGS-B runs under the same ``D``), a ``partial_fit`` call on the data it is
  given.
- Projected Adam updates every coordinate by its own normalised step, which a
  diagonal rescaling leaves unchanged (up to its ``epsilon``): it is not given ``D``.
"""

import numpy as np
import scipy.sparse as sp

from .data import CSRInput, DenseInput
from .layers import DenseLayer

__all__ = ["F_MAX", "SMALL_UNIT", "FirstLayerScaling", "column_unit_scale",
           "column_span", "penalty_units", "solver_scaling"]

# Largest factor of a column (a column whose values are 1e-2 where non-zero gets
# 100). Beyond it the input is far from unit scale (InputScaleWarning).
F_MAX = 100.0

# The scaling runs when the median unit of the non-zero columns is at most this.
SMALL_UNIT = 0.2

# A column spans "at most 1" for the penalty's units up to this (rounding of a
# min-max scaler: its training columns can span 1 + 2.2e-16).
_SPAN_ROUNDING = 1e-9

# Elements per piece of a dense input in the column statistics: their temporaries
# stay this small (64 kB in float64) whatever the input, so that a fit's memory
# peak (partial_fit over chunks read from disk) is set by its buffers, not here.
_PIECE = 1 << 13


def column_unit_scale(X, sample_weight):
    """``s_j``: the weighted root-mean-square of each column of ``X`` over the rows
    where it is not zero (0 for a column of zeros).

    Parameters
    ----------
    X : DenseInput, CSRInput, ndarray or sparse matrix of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,)

    Returns
    -------
    ndarray of shape (n_features,), float64
    """
    w = np.asarray(sample_weight, dtype=np.float64)
    n_features = X.shape[1]
    if sp.issparse(X):
        X = sp.csr_matrix(X)
    if isinstance(X, CSRInput) or sp.issparse(X):
        row_w = np.repeat(w, np.diff(X.indptr))
        values = X.data.astype(np.float64)
        square = np.bincount(X.indices, weights=row_w * values * values,
                             minlength=n_features)
        count = np.bincount(X.indices, weights=np.where(values != 0, row_w, 0.0),
                            minlength=n_features)
    else:
        A = X.array if isinstance(X, DenseInput) else np.asarray(X)
        square, count = np.zeros(n_features), np.zeros(n_features)
        rows = max(1, _PIECE // max(n_features, 1))
        for start in range(0, A.shape[0], rows):
            piece = A[start:start + rows].astype(np.float64)
            ws = w[start:start + rows]
            count += ws @ (piece != 0)
            piece *= piece
            square += ws @ piece
    positive = count > 0
    scale = np.zeros(n_features)
    scale[positive] = np.sqrt(square[positive] / count[positive])
    return scale


class FirstLayerScaling:
    """``theta = D u`` with ``D`` the factors ``f_j`` on the rows of the first
    layer's weight blocks (module docstring).

    Parameters
    ----------
    segments : list of (start, n_rows, row_len)
        The weight blocks of the first layer in ``theta``, row ``j`` of each scaled
        by ``factors[j]``.
    factors : ndarray of shape (n_rows,)
        Positive, finite.
    """

    def __init__(self, segments, factors):
        self.segments = list(segments)
        self.factors = np.asarray(factors, dtype=np.float64)

    @classmethod
    def for_data(cls, layout, X, sample_weight):
        """The scaling of ``layout``'s first layer for the input ``X``, or None when
        the input is not small as a whole (``SMALL_UNIT``), no factor differs from 1,
        or the first layer is not a dense layer with bounds at 0 or infinity."""
        layer = layout.network[0]
        if not isinstance(layer, DenseLayer):
            return None
        segments = []
        for block in layer.blocks():
            if block.name == "intercept":
                continue
            for bound in (block.lower, block.upper):
                if not np.all((np.asarray(bound) == 0) | np.isinf(bound)):
                    return None
            s, shape = layout.block_slice(0, block.name)
            segments.append((s.start, shape[0], shape[1]))
        scale = column_unit_scale(X, sample_weight)
        small = scale > 0
        if not np.any(small) or np.median(scale[small]) > SMALL_UNIT:
            return None
        factors = np.ones_like(scale)
        scaled = small & (layer.signs != 0)  # sign-constrained rows only
        factors[scaled] = np.clip(1.0 / scale[scaled], 1.0, F_MAX)
        if not segments or np.all(factors == 1.0):
            return None
        return cls(segments, factors)

    def _scale_rows(self, vector, inverse=False):
        """Multiply (divide, ``inverse``) the first layer's rows of ``vector`` by
        their factors, in place."""
        for start, n_rows, row_len in self.segments:
            rows = vector[start:start + n_rows * row_len].reshape(n_rows, row_len)
            if inverse:
                rows /= self.factors[:, None]
            else:
                rows *= self.factors[:, None]
        return vector

    def to_theta(self, u, out):
        """``theta = D u``, written into ``out`` (``out`` may be ``u``)."""
        if out is not u:
            out[...] = u
        return self._scale_rows(out)

    def to_solver(self, theta):
        """``u = D^-1 theta`` (a new array)."""
        return self._scale_rows(np.array(theta, dtype=np.float64), inverse=True)

    def scale_grad(self, grad):
        """``grad <- D grad`` (the gradient with respect to ``u``), in place."""
        return self._scale_rows(grad)

    def unscale_grad(self, grad):
        """``grad <- D^-1 grad`` (back to the gradient with respect to ``theta``),
        in place."""
        return self._scale_rows(grad, inverse=True)


def solver_scaling(objective):
    """The ``FirstLayerScaling`` L-BFGS-B runs ``objective`` under, or None: what
    the objective's ``solver_scaling()`` offers (``Objective.solver_scaling``: how
    it is decided), None for an objective that offers none."""
    offered = getattr(objective, "solver_scaling", None)
    return None if offered is None else offered()


def column_span(X, sample_weight=None):
    """Each column's span ``max_j - min_j`` over the rows of positive weight (the
    zeros of a sparse input counted, nothing densified), float64; None where no
    row has positive weight.

    Parameters
    ----------
    X : DenseInput, CSRInput, ndarray or sparse matrix of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,), default=None
        Rows of weight 0 are not counted (as if absent).
    """
    rows = None
    if sample_weight is not None and not np.all(np.asarray(sample_weight) > 0):
        rows = np.flatnonzero(np.asarray(sample_weight) > 0)
    if sp.issparse(X) or isinstance(X, CSRInput):
        A = (sp.csr_matrix(X) if sp.issparse(X)
             else sp.csr_matrix((X.data, X.indices, X.indptr), shape=X.shape))
        if rows is not None:
            A = A[rows]
        if A.shape[0] == 0:
            return None
        # Column extremes from the stored entries (no densified row or column),
        # the implicit zeros counted where a column has fewer entries than rows.
        n_features = A.shape[1]
        values = A.data.astype(np.float64)
        top, bottom = np.full(n_features, -np.inf), np.full(n_features, np.inf)
        np.maximum.at(top, A.indices, values)
        np.minimum.at(bottom, A.indices, values)
        implicit = np.bincount(A.indices, minlength=n_features) < A.shape[0]
        top = np.where(implicit, np.maximum(top, 0.0), top)
        bottom = np.where(implicit, np.minimum(bottom, 0.0), bottom)
    else:
        A = X.array if isinstance(X, DenseInput) else np.asarray(X)
        if rows is not None:
            A = A[rows]
        if A.shape[0] == 0:
            return None
        top, bottom = A.max(axis=0), A.min(axis=0)
    return np.asarray(top, dtype=np.float64) - np.asarray(bottom, dtype=np.float64)


def penalty_units(X, sample_weight=None, *, narrow=False):
    """The unit of each input column for the first layer's L2 penalty: its span
    ``max_j - min_j`` (zeros of a sparse input counted) where that is above 1, else
    1; or None when every unit is 1, up to rounding (min-max scaled data, pixels in
    [0, 1], tf-idf, one-hot columns: nothing changes) or no row has positive weight.
    ``narrow``: columns spanning less than 1 are measured in their span too (a
    constant column keeps 1: nothing to measure it against).

    Why: a positive affine map of a column (``a x_j + c``, ``a > 0``: min-max or
    standard scaling) leaves the networks a non-negative first layer can express
    unchanged (the weight divides by ``a`` and keeps its sign, the bias takes
    ``c``), and the data-dependent start is normalised over the data; the one part
    of the objective that sees ``a`` is ``l2 ||W||^2``. Measured in units of the
    column's range, the penalty is the one min-max scaled inputs get, whatever the
    scaler. The classifier keeps the paper's penalty on columns within unit range
    (never a weaker one); the autoencoder with the sigmoid decoder measures every
    column (``narrow``): on Reuters tf-idf (columns spanning 0.1-0.5, spread 0.01)
    the penalty in raw units was 73-96% of the first loss and left codes dead.
    ``doc/defaults.md`` has the measurements.

    Parameters
    ----------
    X : DenseInput, CSRInput, ndarray or sparse matrix of shape (n_samples, n_features)
    sample_weight : ndarray of shape (n_samples,), default=None
        Rows of weight 0 are not counted (as if absent).
    narrow : bool, default=False
        Measure the columns spanning less than 1 in their span as well.

    Returns
    -------
    ndarray of shape (n_features,), float64, or None
    """
    span = column_span(X, sample_weight)
    if span is None:
        return None
    # A min-max scaled column spans 1 up to rounding (1 + 2.2e-16 is common): 1, so
    # that its fits are those of the paper's penalty, bit for bit.
    measured = span > 1.0 + _SPAN_ROUNDING
    if narrow:
        measured |= (span > 0) & (span < 1.0 - _SPAN_ROUNDING)
    units = np.where(measured, span, 1.0)
    return None if np.all(units == 1.0) else units
