"""Piecewise-linear ramp features: a monotone calibration of each input feature.

Each feature ``x`` is expanded into the ramps ``r_k(x) = min(max((x - t_k) /
(t_{k+1} - t_k), 0), 1)`` between consecutive knots ``t_0 <= ... <= t_{K-1}``
(quantiles of the training column by default). A non-negative combination
``sum_k a_k r_k(x)`` is any non-decreasing piecewise-linear function of ``x`` with
these knots (TensorFlow Lattice's piecewise-linear calibrators; I-splines of degree
one), so a network whose first-layer weights on the ramps of a feature carry the
feature's sign is monotone in the raw feature, and free features get a flexible
basis. Every ramp is non-decreasing in ``x`` as computed, too: a subtraction of a
constant, a division by a positive constant (single IEEE operations, rounded to
nearest, which is monotone), ``max`` and ``min`` are each non-decreasing.
"""

from numbers import Integral

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted, validate_data

from .._compat import Interval, StrOptions, check_sample_weight, transform_output
from .._monotonic_cst import (
    as_argument,
    check_dict_keys,
    check_direction,
    directions_from_argument,
)
from .._validation import memory_shortfall
from .._versioned import VersionedState

__all__ = ["RampTransformer", "output_sources"]


class RampTransformer(TransformerMixin, VersionedState, BaseEstimator):
    r"""Expand each feature into piecewise-linear ramps between knots.

    Feature :math:`x` with knots :math:`t_0 \leq \dots \leq t_{n-1}` (:math:`n` =
    ``n_knots``, a column of ``knots_``) gives the :math:`n - 1` ramps

    .. math::

        r_k(x) = \min(\max(\frac{x - t_k}{t_{k+1} - t_k}, 0), 1),

    :math:`k = 0, \dots, n - 2` (the columns ``{feature}_ramp{k}``; 0 where
    :math:`t_{k+1} = t_k`), each rising from 0 to 1 between two consecutive knots,
    and, with ``include_input=True``, :math:`x` itself (which keeps a slope beyond
    the last knot). Every output column is non-decreasing in its one input feature,
    exactly in floating point, so a monotone model on the expanded features is
    monotone in the raw ones when each output column carries its input's constraint:
    :meth:`expand_monotonic_cst` writes it.

    Parameters
    ----------
    n_knots : int, default=10
        Knots per feature (at least 2). The number and the names of the output
        columns do not depend on the data: knots that coincide (``"quantile"`` on
        a column with few distinct values) give constant zero ramps, and
        ``"distinct"`` on a column with fewer distinct values than knots spreads
        the knots between them (interpolated quantiles), so that several ramps
        step between the same two values: on the training data their columns are
        equal, except a ramp whose two knots straddle a value (with values 0, 1,
        2 and 6 knots, the ramp from 0.8 to 1.2 is 0.5 at 1).
    knots : {"distinct", "quantile", "uniform"}, default="distinct"
        Knots at equally spaced quantiles of the distinct values of the training
        column (each value counted once: a column that is mostly zeros, such as an
        amount, still gets knots across its non-zero values); at quantiles of the
        column itself; or equally spaced between its minimum and maximum. What
        ``sample_weight`` does to each: :meth:`fit`.
    include_input : bool, default=True
        Also output each feature itself, after its ramps.
    quantile_method : {"linear", "averaged_inverted_cdf"}, default="linear"
        The quantile rule of the knots of ``"quantile"`` and ``"distinct"`` (the
        quantiles of the distinct values); unused by ``"uniform"``. scikit-learn's
        name and meaning (``KBinsDiscretizer``): ``"linear"``, ``np.quantile``'s
        default, interpolates between the two values on either side of the
        quantile; ``"averaged_inverted_cdf"`` takes the smallest value whose share
        of the (weighted) rows at or below it reaches the quantile, or the mean of
        it and the next value when the share equals the quantile. Only
        ``"averaged_inverted_cdf"`` takes ``sample_weight`` with
        ``knots="quantile"``: it depends on the weights through their cumulative
        shares alone, so weights at any scale give the same knots, and integer
        weights those of the repeated rows (see :meth:`fit`). The default is
        ``"linear"``, where scikit-learn 1.9's ``KBinsDiscretizer`` defaults to
        ``"averaged_inverted_cdf"``, so that the knots of an unweighted fit stay
        those of the versions before this parameter (and of models already
        fitted).

    Attributes
    ----------
    knots_ : ndarray of shape (n_knots, n_features)
        The knots of each feature, non-decreasing down each column.
    include_input_ : bool
        Whether ``transform`` keeps each feature after its ramps (``include_input``
        at fit; ``transform`` follows the fit, not a parameter changed since).
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features,)
        Names of the features seen during fit, when X has string column names.

    See Also
    --------
    sklearn.preprocessing.SplineTransformer : Smooth B-spline bases (not monotone
        per column).
    sknonneg.inspection.check_monotonic : Audits a fitted pipeline in the raw
        features; it maps the constraints of the expanded columns back through this
        transformer.

    Notes
    -----
    Output column order: for each input feature, its ``n_knots - 1`` ramps, then
    the feature itself (``include_input=True``). Names: ``{feature}_ramp{k}`` and
    ``{feature}``. Values beyond the outer knots clip the ramps at 0 and 1; only the
    included input keeps growing. Sparse input is not accepted.

    Examples
    --------
    >>> import numpy as np
    >>> from sknonneg.preprocessing import RampTransformer
    >>> X = np.array([[0.0], [1.0], [2.0], [4.0]])
    >>> ramps = RampTransformer(n_knots=3, knots="uniform").fit(X)
    >>> ramps.transform(X)
    array([[0. , 0. , 0. ],
           [0.5, 0. , 1. ],
           [1. , 0. , 2. ],
           [1. , 1. , 4. ]])
    >>> ramps.get_feature_names_out().tolist()
    ['x0_ramp0', 'x0_ramp1', 'x0']
    >>> ramps.expand_monotonic_cst([1]).tolist()
    [1, 1, 1]

    Weighted quantile knots take ``quantile_method="averaged_inverted_cdf"``.
    Weights count rows (integer weights give the knots of the repeated rows), at
    any scale, and a row of weight 0 does not count:

    >>> quantiles = RampTransformer(n_knots=3, knots="quantile",
    ...                             quantile_method="averaged_inverted_cdf")
    >>> quantiles.fit(X, sample_weight=[1, 1, 1, 0]).knots_.ravel().tolist()
    [0.0, 1.0, 2.0]
    >>> quantiles.fit(X, sample_weight=[3, 1, 1, 1]).knots_.ravel().tolist()
    [0.0, 0.5, 4.0]
    >>> quantiles.fit(X, sample_weight=[0.5, 0.5, 0.5, 0.5]).knots_.ravel().tolist()
    [0.0, 1.5, 4.0]
    """

    _parameter_constraints = {
        "n_knots": [Interval(Integral, 2, None, closed="left")],
        "knots": [StrOptions({"quantile", "distinct", "uniform"})],
        "include_input": ["boolean"],
        "quantile_method": [StrOptions({"linear", "averaged_inverted_cdf"})],
    }

    def __init__(self, n_knots=10, *, knots="distinct", include_input=True,
                 quantile_method="linear"):
        self.n_knots = n_knots
        self.knots = knots
        self.include_input = include_input
        self.quantile_method = quantile_method

    def __setstate__(self, state):
        # A transformer pickled before quantile_method existed used the linear
        # rule (its get_params and clone raised AttributeError without this).
        # Not a class attribute: persist.load refuses a file whose attributes
        # shadow one.
        super().__setstate__(state)  # VersionedState: the version that saved it
        self.__dict__.setdefault("quantile_method", "linear")

    def _layout(self, fitted=False):
        """``(n_knots, include_input)``: the parameters, or with ``fitted`` those of
        the fit, which ``transform`` and the names follow, not a parameter changed
        since (before, ``set_params(n_knots=3)`` after a fit with 5 made
        ``transform`` raise an IndexError, and ``include_input=False`` left a
        column of zeros under the wrong names)."""
        if fitted:
            return (self.knots_.shape[0],
                    bool(getattr(self, "include_input_", self.include_input)))
        return int(self.n_knots), bool(self.include_input)  # not int64's overflow

    def _n_out_per_feature(self, fitted=False):
        n_knots, include_input = self._layout(fitted)
        return n_knots - 1 + int(include_input)

    def fit(self, X, y=None, sample_weight=None):
        """Compute the knots of each feature.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the rows (see Notes). None gives every row
            the weight 1. With ``knots="quantile"``, weights need
            ``quantile_method="averaged_inverted_cdf"``.

        Returns
        -------
        self : object
            Fitted transformer.

        Raises
        ------
        ValueError
            Weights with ``knots="quantile"`` and ``quantile_method="linear"``,
            as scikit-learn's ``KBinsDiscretizer`` refuses them, all-ones weights
            included (whether a fit is refused does not depend on the values of
            the weights). The linear rule's knots with weights would depend on
            their scale (weights that sum to 1 are one row and put every knot at
            the column's minimum).

        Notes
        -----
        A row of weight 0 is a removed row, for every rule, and integer weights
        give the knots of the data with each row repeated that many times, bit
        for bit (scikit-learn's sample-weight equivalence):

        - ``"quantile"`` (with ``quantile_method="averaged_inverted_cdf"``): the
          knot at the quantile ``q = k / (n_knots - 1)`` is the smallest value
          whose rows at or below it hold a share ``F`` of the total weight with
          ``F >= q``, or the mean of it and the next value up when ``F = q``
          (not for the first and last knots, which are the minimum and the
          maximum). Only the shares count, so weights times any positive number
          give the same knots, and weights that sum to 1 are no different from
          weights of mean 1. Rounding rule: with integer weights (and
          ``sum(weights) * (n_knots - 1) < 2**53``), ``F = q`` is decided
          exactly, in integers; with other weights, a share within ``(n + 4)
          * 2**-50`` of ``q`` (``n`` the rows of positive weight) counts as
          equal, a margin above the rounding of the cumulative sums, so that
          weights scaled by any number, such as ``w / w.sum()``, give the knots
          of ``w`` (for integer ``w``, up to ``sum(w) * (n_knots - 1) * (n +
          4) < 2**50``: beyond, a share that differs from ``q`` by less than
          the margin may count as equal). Weights are scaled by a power of two
          first (exact), so that no sum overflows; weights that are themselves
          subnormal (below 2.2e-308) hold fewer digits, and their product by a
          scale is rounded more.
        - ``"distinct"``: the quantiles (``quantile_method``) of the distinct
          values of the rows of positive weight, each counted once; the weights
          only decide which values there are.
        - ``"uniform"``: the minimum and the maximum of the rows of positive
          weight.

        Unweighted, ``"averaged_inverted_cdf"`` is the same rule with every
        weight 1: the knots equal ``np.quantile(x, q,
        method="averaged_inverted_cdf")`` except where NumPy's rounding of ``n
        * q`` decides whether the quantile falls on a row (``n_knots - 1`` not a
        power of two): NumPy's knots then change when every row is repeated
        (``x = [0, 1, 2]``, ``n_knots=34``: the knot at ``q = 11 / 33`` is 0.5
        for ``x`` and 1 for ``np.repeat(x, 3)``), these do not. Weights that are
        all 1 give the knots of ``sample_weight=None``, bit for bit.
        """
        self._validate_params()
        X = validate_data(self, X, dtype=[np.float64, np.float32])
        weights = _check_weights(sample_weight, X)
        if (weights is not None and self.knots == "quantile"
                and self.quantile_method != "averaged_inverted_cdf"):
            raise ValueError(
                "When fitting with knots='quantile' and sample weights, "
                "quantile_method should be set to 'averaged_inverted_cdf', got "
                f"quantile_method={self.quantile_method!r} instead.")
        # Before the grid: the float64 values alive at once at the fit's peak, in
        # tables of n_knots (``_knot_tables``), besides the halves of a block of
        # features and their sort (a few tables of at most ``_SORT_BLOCK``
        # values, or of one feature's rows where there are more, whatever the
        # number of features). A Python int: a NumPy integer
        # n_knots overflowed the product in int64 (np.int64(2**62): NumPy's "array
        # is too big" instead of this MemoryError).
        short = memory_shortfall(int(self.n_knots)
                                 * _knot_tables(self.knots, X.shape[1]))
        if short is not None:
            raise MemoryError(
                f"RampTransformer(n_knots={self.n_knots}) needs at least "
                f"{short[0] / 2**30:.1f} GiB for the knots of {X.shape[1]} features, "
                f"more than this machine's {short[1] / 2**30:.1f} GiB of memory. Use "
                "a smaller n_knots.")
        if weights is not None:
            # A row of weight 0 is a removed row, for every rule; weights that are
            # then all 1 are no weights (the knots of None, bit for bit).
            kept = weights > 0
            if not np.all(kept):
                X, weights = X[kept], weights[kept]
            if np.all(weights == 1.0):
                weights = None
        grid = np.linspace(0.0, 1.0, self.n_knots)
        # Interpolated in halves, in float64, so that a column spanning the whole
        # range of its dtype does not overflow: the halves of a block of features
        # at a time (``_halves``, one feature at least), so that the fit holds
        # no float64 copy of all of X but for a single feature (before: one of
        # the whole X, twice its bytes for float32).
        averaged = self.quantile_method == "averaged_inverted_cdf"
        if self.knots == "quantile" and averaged:
            knots = _quantile_knots(X, weights, grid.shape[0])
        elif self.knots == "quantile":
            knots = _linear_quantile_knots(X, grid)
        elif self.knots == "distinct":
            knots = _distinct_knots(X, grid, averaged)
        else:
            knots = _uniform_knots(X, grid)
        knots = np.clip(2.0 * knots, X.min(axis=0), X.max(axis=0)).astype(X.dtype)
        # Rounding may break the order of interpolated knots by an ulp: restore it.
        self.knots_ = np.maximum.accumulate(knots, axis=0)
        self.include_input_ = bool(self.include_input)
        return self

    def transform(self, X):
        """Expand each feature into its ramps (and the feature itself).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Data to expand.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features * (n_knots - 1 + include_input))
            Each feature's ramps, then the feature (``include_input=True``);
            float32 for float32 input, float64 otherwise.
        """
        check_is_fitted(self)
        if transform_output(self) != "default":
            # The output will be named: colliding names are refused here, by this
            # check, not left to scikit-learn's wrapper, which at scikit-learn 1.6
            # and 1.7 swallowed the error of get_feature_names_out and numbered
            # the columns 0, 1, ... (before: no error at those versions).
            self.get_feature_names_out()
        X = validate_data(self, X, dtype=[np.float64, np.float32], reset=False)
        out_dtype = X.dtype
        with np.errstate(over="ignore"):
            knots = self.knots_.astype(X.dtype, copy=False)
        with np.errstate(under="ignore", invalid="ignore"):
            # Distinct knots whose halves float32 merges (1 and 1 + 1e-9 of a
            # float64 fit, 0 and 1e-60; 0 and 1.4e-45 of a float32 fit): their
            # ramp would have width 0 and be left at 0 everywhere (before: 0 where
            # the float64 ramp is 1). (Knots beyond float32's range, inf here,
            # give NaN differences: not merged, handled below.)
            merged = knots.dtype != np.float64 and np.any(
                (np.diff(knots * knots.dtype.type(0.5), axis=0) <= 0)
                & (np.diff(self.knots_.astype(np.float64), axis=0) > 0))
        if merged or not np.all(np.isfinite(knots)):
            # Knots of a float64 fit beyond float32's range (a column spanning more
            # than 3.4e38), or merged by it: float32 input is ramped in float64
            # (exact for it), and the ramps, in [0, 1], rounded back. Before, the
            # knots became inf and a ramp inf - inf = NaN.
            knots = self.knots_.astype(np.float64)
            X_work = X.astype(np.float64)
        else:
            X_work = X
        n_knots, include_input = self._layout(fitted=True)
        per = n_knots - 1 + int(include_input)
        _check_output_fits_in_memory(X.shape[0], X.shape[1], per, out_dtype, n_knots)
        out = np.zeros((X.shape[0], X.shape[1] * per), dtype=out_dtype)
        n_ramps = knots.shape[0] - 1
        # Halves: 0.5 * x - 0.5 * t_k and the half width cannot overflow, so a
        # ramp is never inf / inf. Each operation (a product by 0.5, a difference,
        # a quotient by a positive constant, max, min) is a single rounded IEEE
        # operation, non-decreasing in x.
        half = X_work.dtype.type(0.5)
        halves = knots * half
        _write_ramps(out, X_work, halves, per)
        if include_input:
            out[:, n_ramps::per] = X
        return out

    def get_feature_names_out(self, input_features=None):
        """Get the names of the output columns.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input feature names; default ``feature_names_in_``, else ``x0`` ...

        Returns
        -------
        names : ndarray of str
            ``{feature}_ramp{k}`` for each ramp, ``{feature}`` for the input.
        """
        check_is_fitted(self, "n_features_in_")
        names = OneToOneFeatureMixin.get_feature_names_out(self, input_features)
        return np.asarray(_check_unique_names(self._expand_names(names, fitted=True)),
                          dtype=object)

    def _expand_names(self, names, fitted=False):
        n_knots, include_input = self._layout(fitted)
        out = []
        for name in names:
            out += [f"{name}_ramp{k}" for k in range(n_knots - 1)]
            if include_input:
                out.append(str(name))
        return out

    def expand_monotonic_cst(self, monotonic_cst):
        """Expand a monotonic constraint on the input features to the output columns.

        Each output column inherits its input feature's direction, so that an
        estimator given the result is monotone in the raw features. Needs no fit:
        the output layout depends on ``n_knots`` and ``include_input`` only, those
        of the fit once fitted (as :meth:`transform`), else the parameters.

        Parameters
        ----------
        monotonic_cst : array-like of int of shape (n_features,) or dict
            ``-1``, ``0`` or ``1`` per input feature, or ``{feature_name:
            direction}`` (features not named are free; keys are str names, as the
            estimators take them, fitted or not; a pandas Series indexed by names
            is that dict). Once fitted, the number of
            directions, or the names, must match the features seen in fit.

        Returns
        -------
        expanded : ndarray of int8 or dict
            The array of the output columns' directions, or a dict keyed by the
            names of :meth:`get_feature_names_out` (prefix them yourself when a
            ``ColumnTransformer`` adds its transformer's name).

        Notes
        -----
        The result names (or counts) the columns of this ``n_knots``: fitted with
        more knots, the extra ramp columns are not named, so they are free, and
        the estimator is no longer monotone in that feature: given the dict
        form, sknonneg's estimators warn at fit (a UserWarning naming the
        features), their ``monotonic_cst_`` shows which columns were constrained,
        and ``check_monotonic`` finds the drops. To search ``n_knots``, pair each value
        with its own constraint in a list of grids::

            [{"ramp__n_knots": [k],
              "clf__monotonic_cst": [RampTransformer(k).expand_monotonic_cst(cst)]}
             for k in (5, 10, 20)]
        """
        self._validate_params()
        n_in = getattr(self, "n_features_in_", None)
        # Fitted, the layout of the fit, which transform and the names follow
        # (before: the parameters, so set_params(n_knots=3) after a fit with 5
        # expanded to 3 columns per feature where transform gives 5).
        fitted = n_in is not None and hasattr(self, "knots_")
        per = self._n_out_per_feature(fitted=fitted)
        monotonic_cst = as_argument(monotonic_cst)  # a pandas Series by its index
        if not isinstance(monotonic_cst, dict):
            cst = np.asarray(monotonic_cst)
            if cst.ndim != 1:
                raise ValueError("monotonic_cst must be 1-dimensional (one direction "
                                 f"per feature) or a dict; got shape {cst.shape}.")
        if n_in is not None:
            # Fitted: names, or the number of directions, must match what fit saw.
            names = getattr(self, "feature_names_in_", None)
            if names is not None:
                directions_from_argument(monotonic_cst, [str(n) for n in names], n_in)
            else:
                try:
                    directions_from_argument(
                        monotonic_cst, [f"x{j}" for j in range(n_in)], n_in)
                except ValueError as exc:
                    if not isinstance(monotonic_cst, dict):
                        raise
                    # Before: a DataFrame with integer column names gave "names
                    # features that are not in X: ['0']", although column 0 is.
                    raise ValueError(
                        f"{exc} RampTransformer was fitted without feature names "
                        "(X had none, or column names that are not all strings, "
                        "which scikit-learn does not record), so its features are "
                        "named x0, x1, ... as get_feature_names_out names them: "
                        "use those names, or pass an array of directions.") from None
        else:  # the layout needs no data: any names expand
            if isinstance(monotonic_cst, dict):
                # Keys are feature names, str, as fitted (directions_from_argument)
                # and as the estimators read them. Before: unfitted, {0: 1} became
                # {"0_ramp0": 1, ..., "0": 1}, str names the fitted transformer
                # and the estimators refuse to make of an integer key.
                check_dict_keys(monotonic_cst, None)
            # The given values (np.asarray([True, 0]) holds 1, not True).
            items = (monotonic_cst.items() if isinstance(monotonic_cst, dict)
                     else enumerate(monotonic_cst
                                    if isinstance(monotonic_cst, (list, tuple))
                                    else np.asarray(monotonic_cst)))
            for name, direction in items:
                check_direction(direction, name)
        n_given = len(monotonic_cst) if isinstance(monotonic_cst, dict) else cst.shape[0]
        # Unfitted, n_knots is the parameter, which may be huge (fit checks its
        # knots): before, n_knots=10**9 was NumPy's "Unable to allocate 37.3 GiB",
        # and 2**70 an OverflowError. A name takes about 8 float64s of memory.
        short = memory_shortfall(
            n_given * per * (8 if isinstance(monotonic_cst, dict) else 1))
        if short is not None:
            raise MemoryError(
                f"RampTransformer(n_knots={self._layout(fitted)[0]}) expands "
                f"monotonic_cst to {n_given * per:,} output columns: that needs at "
                f"least {short[0] / 2**30:.1f} GiB, more than this machine's "
                f"{short[1] / 2**30:.1f} GiB of memory. Use a smaller n_knots.")
        if isinstance(monotonic_cst, dict):
            _check_unique_names(self._expand_names(list(monotonic_cst), fitted=fitted))
            out = {}
            for name, direction in monotonic_cst.items():  # the values as given
                out.update(dict.fromkeys(self._expand_names([name], fitted=fitted),
                                         direction))
            return out
        return np.repeat(cst, per).astype(np.int8)

    def _output_sources(self):
        """Input feature of each output column (``check_monotonic`` maps
        constraints back through it: each output column is non-decreasing in its
        source alone)."""
        check_is_fitted(self)
        return list(np.repeat(np.arange(self.n_features_in_),
                              self._n_out_per_feature(fitted=True)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        # transform returns float32 for float32 input, float64 otherwise (before:
        # the tag listed float64 alone).
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


def output_sources(transformer):
    """Input feature of each output column of a fitted ``RampTransformer``: each
    output column is non-decreasing in its source alone. For ``sknonneg._pipeline``,
    which maps features through a Pipeline (the certificate, ``check_monotonic``)."""
    return transformer._output_sources()


def _check_weights(sample_weight, X):
    """``sample_weight`` as float64, checked as scikit-learn checks it (finite,
    non-negative, one per row, not all 0), or None."""
    if sample_weight is None:
        return None
    weights = check_sample_weight(sample_weight, X, dtype=np.float64,
                                  ensure_non_negative=True)
    if not np.any(weights > 0):
        # scikit-learn >= 1.7 refuses them itself, in these words.
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights


# Knots computed at once by ``_averaged_inverted_cdf``: its temporaries stay
# within the tables ``_knot_tables`` counts for np.quantile, whatever n_knots.
_QUANTILE_CHUNK = 1 << 16


def _averaged_inverted_cdf(values, weights, out):
    """The ``n = out.shape[0]`` knots of ``values`` (1-d float64) at the quantiles
    ``k / (n - 1)`` by the averaged inverted CDF, the rows weighted by ``weights``
    (positive and finite; None: all 1), written into ``out``.

    The knot ``k`` is the value of the first row (in sorted order) whose
    cumulative weight ``C_i`` reaches the level ``k W / (n - 1)`` (``W`` the total),
    or, where ``C_i`` equals the level, the mean of it and the next row's value
    (NumPy's ``_lerp`` at 0.5, the same operations); knot 0 is the smallest value
    and knot ``n - 1`` the largest. Comparisons are of ``C_i (n - 1)`` with
    ``k W``: exact for integer weights whose ``W (n - 1)`` is below 2**53, so that
    they give the knots of the repeated rows bit for bit; for other weights, first
    scaled by a power of two (exact; no sum overflows), equality holds within
    ``(rows + 4) 2**-50`` of ``W (n - 1)``, above the rounding of the cumulative
    sums, so that the scale of the weights does not change the knots."""
    n_knots = out.shape[0]
    steps = float(n_knots - 1)
    order = np.argsort(values, kind="stable")
    values = values[order]
    if weights is None:
        weights = np.ones(values.shape[0])
    else:
        weights = weights[order]
    # The first and last knots: the smallest and largest values of the rows of
    # positive weight, also where the scaling below drops a weight too small
    # against the largest (before, [5e-324, 1e308, 5e-324] on 0, 1, 2 put every
    # knot at 1, where "uniform" and "distinct" keep 0 and 2 and the Notes of
    # fit promise the minimum and the maximum).
    lowest, highest = values[0], values[-1]
    integer = bool(np.all(weights == np.floor(weights)))
    if integer:
        with np.errstate(over="ignore"):
            cumulative = np.cumsum(weights)
        integer = bool(cumulative[-1] * steps < 2.0**53)
    if integer:
        tolerance = 0.0
    else:
        # Largest weight to [0.5, 1) / 2**bits(rows): the sum is below 1. Weights
        # below about 2**-1070 of the largest become 0 and leave the knots between
        # the first and the last (their share is below any rounding of the total).
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
        # NumPy's _lerp at t = 0.5: b - (b - a) * 0.5 (halves: no overflow).
        out[start:start + k.shape[0]] = np.where(on, upper - (upper - lower) * 0.5,
                                                 lower)
    out[0], out[n_knots - 1] = lowest, highest
    return out


# Values per temporary table of the vectorised fit (knots times features) and
# transform (ramp values): blocks that keep every temporary small and bounded,
# whatever the width of X, the number of rows or n_knots.
_BLOCK = 1 << 16
# Values per block of the sorted columns of the fit (rows times features).
_SORT_BLOCK = 1 << 18


def _column_blocks(n_rows, n_features):
    """Slices of the features, each holding at most ``_SORT_BLOCK`` values of
    ``n_rows`` rows (one feature at least)."""
    width = max(1, _SORT_BLOCK // max(n_rows, 1))
    for start in range(0, n_features, width):
        yield slice(start, min(start + width, n_features))


def _halves(X, columns, rows=False):
    """``X[:, columns]`` times 0.5 in float64: the values the knots are
    interpolated from, for a block of features (or one, ``columns`` an int), so
    that no float64 copy of more than a block of features (one at least: all
    of its rows) is made. The product of ``x.astype(float64)
    * 0.5`` (float32 values converted exactly, then one rounded product),
    computed in one pass into a new array: in X's layout, or with ``rows`` one
    feature per row, C-ordered (for the sorts along the rows)."""
    block = X[:, columns]
    if rows:
        return np.multiply(block.T, 0.5, dtype=np.float64, order="C")
    return np.multiply(block, 0.5, dtype=np.float64)


def _knot_chunks(n_knots, n_columns):
    """Slices of the knots, each a table of at most ``_BLOCK`` knots of
    ``n_columns`` features (one knot at least) and ``_QUANTILE_CHUNK`` knots."""
    size = max(1, min(_QUANTILE_CHUNK, _BLOCK // max(n_columns, 1)))
    for start in range(0, n_knots, size):
        yield slice(start, min(start + size, n_knots))


def _sorted_rows(X, columns):
    """``(values, mixed)``: the halves of the features ``columns`` of ``X``, one
    per row, each sorted, and which of them hold both 0.0 and -0.0.

    Those compare equal, and which of them a sort or ``np.unique`` leaves where
    depends on its algorithm: NumPy's SIMD sort may even write one of them in
    place of the other (sorted, [0.0, -0.0, -0.0, ...] became three -0.0), so the
    mixed features are found before the sort, and take the code of one feature
    at a time (bit-identical knots; rare)."""
    values = _halves(X, columns, rows=True)  # a new array: sorted in place
    zero = values == 0
    negative = np.signbit(values)
    mixed = np.any(zero & negative, axis=1) & np.any(zero & ~negative, axis=1)
    del zero, negative
    values.sort(axis=1)
    return values, mixed


def _searchsorted_rows(table, levels):
    """``np.searchsorted(table[i], levels[i], side="left")`` for every row ``i``
    at once: a bisection of all rows together (``table``'s rows non-decreasing
    and free of NaN, as NumPy's needs them), the first index whose value is not
    below the level."""
    n_rows, n_values = table.shape
    lo = np.zeros(levels.shape, dtype=np.intp)
    hi = np.full(levels.shape, n_values, dtype=np.intp)
    row = np.arange(n_rows)[:, None]
    for _ in range(n_values.bit_length()):
        active = lo < hi
        mid = (lo + hi) >> 1
        below = table[row, np.minimum(mid, n_values - 1)] < levels
        lo = np.where(active & below, mid + 1, lo)
        hi = np.where(active & ~below, mid, hi)
    return lo


def _distinct_knots(X, grid, averaged):
    """The knots of ``knots="distinct"``: per feature (column of ``X``, in
    halves), the quantiles ``grid`` of its distinct values, ``np.quantile``'s
    linear rule, or with ``averaged`` ``_averaged_inverted_cdf``'s. Bit for bit
    the knots of ``np.quantile(np.unique(column), grid)`` and of
    ``_averaged_inverted_cdf(np.unique(column), None, ...)`` one feature at a
    time, computed for a block of features at once: one sort per block, the
    distinct values by a mask of the changes, NumPy's interpolation (``_lerp``)
    on every feature together."""
    n_knots = grid.shape[0]
    steps = n_knots - 1
    knots = np.empty((n_knots, X.shape[1]))
    for columns in _column_blocks(*X.shape):
        values, alone = _sorted_rows(X, columns)
        n_cols, n_rows = values.shape
        changes = np.empty(values.shape, dtype=bool)
        changes[:, 0] = True
        np.not_equal(values[:, 1:], values[:, :-1], out=changes[:, 1:])
        counts = changes.sum(axis=1)
        # The distinct values of every feature of the block, sorted, one feature
        # after the other: the i-th of feature b is distinct[first[b] + i].
        distinct = values.ravel()[np.flatnonzero(changes)]
        del changes
        first = np.concatenate(([0], np.cumsum(counts)[:-1]))[:, None]
        last = (counts - 1)[:, None]
        # Per feature in Python below: mixed zeros, and (averaged) counts whose
        # comparisons are not exact in float64.
        if averaged:
            alone |= counts * float(steps) >= 2.0**53
        del values
        block = knots[:, columns]
        for chunk in _knot_chunks(n_knots, n_cols):
            if averaged:
                # _averaged_inverted_cdf with every weight 1 (exact integers):
                # the first row i whose (i + 1) * steps reaches k * counts, the
                # mean with the next where it equals it.
                k = np.arange(chunk.start, chunk.stop, dtype=np.int64)[None, :]
                need = k * counts[:, None]
                at = np.minimum(np.maximum((need + steps - 1) // steps - 1, 0), last)
                at[:, k[0] == 0] = 0
                at[:, k[0] == steps] = last
                on = (((at + 1) * steps == need) & (at < last) & (k > 0)
                      & (k < steps))
                lower = distinct[first + at]
                upper = distinct[first + np.minimum(at + 1, last)]
                value = np.where(on, upper - (upper - lower) * 0.5, lower)
            else:
                # np.quantile's linear rule (numpy.lib._function_base_impl:
                # _get_indexes, _get_gamma, _lerp), the same operations.
                virtual = last * grid[None, chunk]
                previous = np.floor(virtual)
                above = virtual >= last
                gamma = virtual - np.where(above, -1.0, previous)
                at = previous.astype(np.intp)
                lower = distinct[first + np.where(above, last, at)]
                upper = distinct[first + np.where(above, last, at + 1)]
                diff = upper - lower
                value = lower + diff * gamma
                np.subtract(upper, diff * (1 - gamma), out=value, where=gamma >= 0.5)
            block[chunk] = value.T
        if averaged:
            block[0] = distinct[first[:, 0]]
            block[-1] = distinct[first[:, 0] + last[:, 0]]
        for j in np.flatnonzero(alone):
            column = np.unique(_halves(X, columns.start + j))
            if averaged:
                _averaged_inverted_cdf(column, None, block[:, j])
            else:
                block[:, j] = np.quantile(column, grid)
    return knots


def _quantile_knots(X, weights, n_knots):
    """The knots of ``knots="quantile"`` with ``quantile_method=
    "averaged_inverted_cdf"``: ``_averaged_inverted_cdf`` of each feature
    (column of ``X``, in halves) with the row weights ``weights`` (positive;
    None: all 1), bit for bit, computed for a block of features at once: one
    sort per block (with weights, the stable order: ``_stable_argsort_rows``),
    the cumulative weights of every feature together and a bisection of all of
    them (``_searchsorted_rows``). The decisions that depend on the
    weights alone (integer or not, their scale, the rows whose scaled weight is
    0) are the same for every feature, and made once."""
    steps = float(n_knots - 1)
    n_samples = X.shape[0]
    unweighted = weights is None
    if unweighted:
        weights = np.ones(n_samples)
    integer = bool(np.all(weights == np.floor(weights)))
    if not integer:
        # As _averaged_inverted_cdf: the largest weight to [0.5, 1) / 2**bits(rows)
        # (exact), and rows whose scaled weight is 0 left out past the first and
        # last knots.
        shift = (int(np.frexp(weights.max())[1]) + int(n_samples).bit_length())
        with np.errstate(under="ignore"):
            weights = np.ldexp(weights, -shift)
    kept = weights > 0
    ties_likely = False
    knots = np.empty((n_knots, X.shape[1]))
    for columns in _column_blocks(*X.shape):
        if unweighted:
            # Every weight 1: the order of equal values changes no cumulative
            # weight, so NumPy's fastest sort serves, bit for bit, but for 0.0 and
            # -0.0, which compare equal (the first in a stable order is the
            # smallest value): their features go alone.
            values, alone = _sorted_rows(X, columns)
            lowest, highest = values[:, 0].copy(), values[:, -1].copy()
            alone |= n_samples * steps >= 2.0**53
            cumulative = np.broadcast_to(np.arange(1.0, n_samples + 1.0), values.shape)
        else:
            order, values, tied = _stable_argsort_rows(
                _halves(X, columns, rows=True), ties_likely)
            # Of the block's features, more than 9 in 10 with ties: the next
            # block is sorted stably at once (the one more sort that finds the
            # ties costs more than the stable sort of the few without).
            ties_likely = np.count_nonzero(tied) > 0.9 * tied.shape[0]
            lowest, highest = values[:, 0].copy(), values[:, -1].copy()
            if integer:
                with np.errstate(over="ignore"):
                    cumulative = np.cumsum(weights[order], axis=1)
                # Features whose total weight is too large for exact comparisons
                # take _averaged_inverted_cdf itself (its other rule; rare: a
                # weight sum near 2**53, and then every feature's).
                alone = ~(cumulative[:, -1] * steps < 2.0**53)
            else:
                if not np.all(kept):
                    sorted_kept = kept[order]
                    values = values[sorted_kept].reshape(values.shape[0], -1)
                    order = order[sorted_kept].reshape(values.shape)
                cumulative = np.cumsum(weights[order], axis=1)
                alone = np.zeros(values.shape[0], dtype=bool)
            del order
        if np.any(alone):
            values, cumulative = values[~alone], cumulative[~alone]
        tolerance = np.zeros(values.shape[0])
        last = values.shape[1] - 1
        total = cumulative[:, -1]
        if not integer:
            tolerance = total * steps * (last + 5) * 2.0**-50
        reached = cumulative * steps
        del cumulative
        out = knots[:, columns]
        fast = out[:, ~alone] if np.any(alone) else out
        for chunk in _knot_chunks(n_knots, values.shape[0]):
            k = np.arange(chunk.start, chunk.stop, dtype=np.float64)
            level = k[None, :] * total[:, None]
            at = np.minimum(
                _searchsorted_rows(reached, level - tolerance[:, None]), last)
            at[:, k == 0] = 0
            at[:, k == steps] = last
            on = ((np.abs(np.take_along_axis(reached, at, axis=1) - level)
                   <= tolerance[:, None])
                  & (at < last) & (k > 0) & (k < steps))
            lower = np.take_along_axis(values, at, axis=1)
            upper = np.take_along_axis(values, np.minimum(at + 1, last), axis=1)
            # NumPy's _lerp at t = 0.5: b - (b - a) * 0.5 (halves: no overflow).
            fast[chunk] = np.where(on, upper - (upper - lower) * 0.5, lower).T
        if fast is not out:
            out[:, ~alone] = fast
        out[0], out[-1] = lowest, highest
        for j in np.flatnonzero(alone):
            _averaged_inverted_cdf(_halves(X, columns.start + j), weights, out[:, j])
    return knots


def _stable_argsort_rows(block, ties_likely=False):
    """``(order, values, tied)``: ``order = np.argsort(block, axis=1,
    kind="stable")`` bit for bit, ``values = np.take_along_axis(block, order,
    axis=1)``, and which rows hold two equal values, with NumPy's fastest sort
    where it gives the same: about three times faster on rows of distinct
    values (continuous features).

    Why it is the same: in a row whose values are all distinct (no two equal;
    0.0 and -0.0 compare equal, so a row holding both has a tie), there is one
    order that sorts them, so any sort, stable or not, gives it; and the sorted
    values are those of the row in that order, bit for bit (a sort can put one
    value in place of another only where they compare equal, as NumPy's SIMD
    sort does with 0.0 and -0.0). Whether a row has a tie is read from its
    sorted values (equal neighbours); the rows with one keep the stable sort,
    whose order of equal values (their rows in increasing order) decides the
    rounding of the cumulative weights of fractional weights and which of 0.0
    and -0.0 a knot is. Finding the ties takes one more sort of the values:
    with ``ties_likely`` (most rows of the block before had ties: features with
    few distinct values), every row is sorted stably at once, as fast as on
    such rows, and the ties are read after."""
    if ties_likely:
        order = np.argsort(block, axis=1, kind="stable")
        values = np.take_along_axis(block, order, axis=1)
        return order, values, np.any(values[:, 1:] == values[:, :-1], axis=1)
    values = np.sort(block, axis=1)
    tied = np.any(values[:, 1:] == values[:, :-1], axis=1)
    if not np.any(tied):
        return np.argsort(block, axis=1), values, tied
    order = np.empty(block.shape, dtype=np.intp)
    order[~tied] = np.argsort(block[~tied], axis=1)
    order[tied] = np.argsort(block[tied], axis=1, kind="stable")
    values[tied] = np.take_along_axis(block[tied], order[tied], axis=1)
    return order, values, tied


def _linear_quantile_knots(X, grid):
    """The knots of ``knots="quantile"`` with ``quantile_method="linear"``:
    ``np.quantile`` of the halves of each feature at ``grid``, a block of
    features at a time (each feature's quantiles are computed on its own column:
    the same as on all of them at once), written into the knots (``out``: no
    table of the block's knots besides np.quantile's temporaries)."""
    knots = np.empty((grid.shape[0], X.shape[1]))
    for columns in _column_blocks(*X.shape):
        np.quantile(_halves(X, columns), grid, axis=0, out=knots[:, columns])
    return knots


def _uniform_knots(X, grid):
    """The knots of ``knots="uniform"``: ``lo + grid * (hi - lo)`` between the
    smallest and the largest half ``lo`` and ``hi`` of each feature, a block of
    features at a time.

    The same values as from the halves of all of X: a minimum or a maximum is
    one of the values, whatever the order NumPy reduces them in (it differs
    between a block of one feature and a wider one), but for which of 0.0 and
    -0.0 it keeps, and that never changes a knot: a zero ``lo`` gives ``lo +
    t`` with ``t = g * (hi - lo)`` zero or positive, which is -0.0 only if
    ``lo`` and ``t`` both are, so ``hi - lo = -0.0``, which needs ``lo = 0.0``;
    and ``hi`` counts only through ``hi - lo``, which for a zero ``hi`` is
    positive (``lo < 0``) or the difference of two zeros, just seen."""
    knots = np.empty((grid.shape[0], X.shape[1]))
    for columns in _column_blocks(*X.shape):
        half = _halves(X, columns)
        lo, hi = half.min(axis=0), half.max(axis=0)
        knots[:, columns] = lo + grid[:, None] * (hi - lo)
    return knots


def _write_ramps(out, X_work, halves, per):
    """Write the ramps ``min(max((x / 2 - halves[k]) / (halves[k + 1] -
    halves[k]), 0), 1)`` of every feature into ``out`` (zeros; ramp ``k`` of
    feature ``j`` at column ``j * per + k``), those of width 0 left at 0.

    The same operations on the same values as one ramp at a time (bit for bit),
    for blocks of at most ``_BLOCK`` ramp values (rows times ramps), so that no
    temporary grows with the output: where most ramps have a positive width
    (continuous features), blocks of rows and whole features, their ramps of
    width 0 set to 0 after; where most are flat (``knots="quantile"`` on features
    with few distinct values: coinciding knots), only the ramps of positive
    width, gathered and written to their columns (before, one NumPy call each)."""
    n_rows, n_features = X_work.shape
    n_ramps = halves.shape[0] - 1
    half = X_work.dtype.type(0.5)
    widths = (halves[1:] - halves[:-1]).T  # (n_features, n_ramps)
    flat = ~(widths > 0)
    n_live = widths.size - int(np.count_nonzero(flat))
    # A quotient may overflow to inf (a narrow ramp far from x): clipped.
    with np.errstate(over="ignore", under="ignore"):
        if 2 * n_live >= widths.size:
            starts = halves[:-1].T
            # 1 keeps the quotients of the flat ramps finite and quiet, before
            # they are set to 0.
            widths = np.where(flat, X_work.dtype.type(1.0), widths)
            out3 = out.reshape(n_rows, n_features, per)
            rows = max(1, min(n_rows, _BLOCK // n_ramps))
            cols = max(1, _BLOCK // (rows * n_ramps))
            for i in range(0, n_rows, rows):
                for j in range(0, n_features, cols):
                    x_half = np.multiply(X_work[i:i + rows, j:j + cols], half)
                    ramp = np.divide(
                        np.subtract(x_half[:, :, None], starts[j:j + cols]),
                        widths[j:j + cols])
                    np.maximum(ramp, 0.0, out=ramp)
                    np.minimum(ramp, 1.0, out=ramp)
                    ramp[:, flat[j:j + cols]] = 0.0
                    out3[i:i + rows, j:j + cols, :n_ramps] = ramp
            return out
        live = np.flatnonzero(~flat.ravel())
        feature, column = np.divmod(live, n_ramps)
        column += feature * per
        starts, widths = halves[:-1].T.ravel()[live], widths.ravel()[live]
        size = max(1, min(n_live, _BLOCK))
        rows = max(1, min(n_rows, _BLOCK // size))
        for r in range(0, n_live, size):
            ramps = slice(r, r + size)
            for i in range(0, n_rows, rows):
                x_half = np.multiply(X_work[i:i + rows, feature[ramps]], half)
                ramp = np.divide(np.subtract(x_half, starts[ramps]), widths[ramps],
                                 out=x_half)
                np.maximum(ramp, 0.0, out=ramp)
                np.minimum(ramp, 1.0, out=ramp)
                out[i:i + rows, column[ramps]] = ramp
    return out


def _knot_tables(knots, n_features):
    """How many float64 tables of ``n_knots`` values ``fit`` holds at once at its
    peak, at most: the grid, the knots and their clipped copies, and
    ``np.quantile``'s temporaries (its indices, weights and the values on either
    side of each quantile, about five tables per column it interpolates: all
    columns of a block of features at once for ``"quantile"``, whose knots are
    written into the table of all knots, one at a time for ``"distinct"``). Peaks
    measured with ``tracemalloc`` (NumPy 2): ``"quantile"`` 5 n + 6 tables for n
    features, ``"distinct"`` the larger of n + 9 and 3 n + 1, ``"uniform"`` 3 n + 1;
    one more for what the fit keeps besides. Before, 1 + 2 n were counted, and
    ``RampTransformer(n_knots=10**9).fit`` on one feature passed the check on a
    24 GiB machine and was killed by the system (``tests/test_preprocessing.py``
    holds the count above the measured peak). ``"distinct"`` (``_distinct_knots``)
    and ``quantile_method="averaged_inverted_cdf"`` (``_quantile_knots``) compute
    blocks of at most ``_BLOCK`` knots (features times knots) at a time: fewer
    tables than ``np.quantile``'s (measured at n_knots=2 * 10**5 on 50 rows:
    ``"distinct"`` 5.3 tables for one feature, 10.1 for three, against 10.2 and
    12.1 one feature at a time). The halves of X, too, are computed a block of
    features at a time (``_halves``: at most ``_SORT_BLOCK`` values, or one
    feature's rows where there are more, and a few temporaries of their size),
    not counted here: before, the fit held them for
    all of X at once (twice X's bytes for float32), counted neither."""
    if knots == "quantile":
        return 7 + 5 * n_features
    if knots == "distinct":
        return max(10 + n_features, 2 + 3 * n_features)
    return 2 + 3 * n_features


def _check_output_fits_in_memory(n_rows, n_features, per, dtype, n_knots):
    """``MemoryError`` before ``transform`` allocates an output larger than this
    machine's physical memory (a large ``n_knots``, or too many rows at once)."""
    n_values = n_rows * n_features * per
    # memory_shortfall counts float64 values.
    short = memory_shortfall(-(-n_values * np.dtype(dtype).itemsize // 8))
    if short is not None:
        raise MemoryError(
            f"The output of RampTransformer(n_knots={n_knots}) for {n_rows:,} rows of "
            f"{n_features} features has {n_values:,} values: it needs at least "
            f"{short[0] / 2**30:.1f} GiB, more than this machine's "
            f"{short[1] / 2**30:.1f} GiB of memory. Use a smaller n_knots or "
            "transform fewer rows at a time.")


def _check_unique_names(names):
    """``names`` if no two are equal, else ``ValueError``: an input feature named
    like another's ramp (``a`` and ``a_ramp0``) gave two output columns one name,
    and a later step under ``set_output(transform="pandas")`` failed on it with
    "Expected unique column names", which said nothing of the ramps. Checked where
    names are made (``get_feature_names_out``, ``transform`` under a pandas or
    polars output, the dict form of ``expand_monotonic_cst``); ``fit`` and a NumPy
    ``transform`` need none."""
    seen, repeated = set(), []
    for name in names:
        if name in seen and name not in repeated:
            repeated.append(name)
        seen.add(name)
    if repeated:
        listed = ", ".join(repr(name) for name in repeated)
        raise ValueError(
            f"RampTransformer's output names are not unique: {listed} "
            f"name{'s' if len(repeated) == 1 else ''} more than one column (an input "
            "feature is named like another's ramp, '{feature}_ramp{k}', or its "
            "input column). Rename the input features.")
    return names
