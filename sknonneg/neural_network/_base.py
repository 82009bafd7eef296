"""What every sknonneg network estimator shares, whatever it predicts.

``BaseNetwork`` holds the parameter validation, the compute dtype, input validation,
warm starts and pickling (a pickle carries the packed parameters ``_theta``, not the
fitted layers built from them). The training loops are in ``_training.py``, what
classifiers share in ``_classifier.py``. Every input passes ``sknonneg._validation``
(sparse structure, scale) before a kernel sees it; the parameters that prediction
reads (``_FITTED_PARAMS``) are kept from the fit (``doc/reliability.md``).

A subclass describes its network through four hooks:

- ``_build_layout(n_features, n_outputs)``: the parameter layout (``n_params``,
  ``bounds``, ``project(theta)``, ``pack``).
- ``_init_theta(layout, X, rng, sample_weight)``: the initial ``theta``;
  ``_init_output(layout, theta, X, targets, sample_weight)`` may then refine it with
  the targets (by default it returns ``theta``; a pre-trained stack fits its output
  layer there).
- ``_make_objective(layout, X, targets, sample_weight, gain, parallel)``: an object
  with ``loss_grad(theta) -> (loss, grad)``, a settable ``gain``, ``set_data(X,
  targets, sample_weight)`` for another batch of as many rows, and ``n_chunks``, the
  numba threads its kernels use.
- ``_set_fitted_layers(theta)``: the public fitted attributes (``coefs_`` ...),
  kept as fitted (``_keep_fitted``) for every reader other than prediction, which
  computes with ``theta`` itself: they read them through ``fitted_attribute``,
  never the public attributes, whose lists and values can be replaced.

A loaded estimator (``sknonneg.persist.load``) is checked by
``_check_fitted_state``: its fitted state agrees with itself, and its layout and
output function are those its fitted parameters build. A subclass says which output
function those are through ``_expected_out_activation``.
"""

import contextlib
import copy
import warnings
from abc import abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.metrics import get_scorer_names
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .._compat import (
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_parameter_constraints,
)
from .._engine import csr_if_mostly_zeros
from .._engine.layers import ABBA_ACTIVATIONS, DENSE_ACTIVATIONS, DenseLayer
from .._kernels import flavour_for
from .._solvers import SOLVERS
from .._threads import fit_threads
from .._validation import (
    check_finite_output,
    check_input_scale,
    check_missing_targets,
    check_network_range,
    _unchecked_input_note,
    check_sparse_structure,
    largest_magnitude,
    parameter_error,
)
from .._versioned import VersionedState

__all__ = ["BaseNetwork", "PENALTY_MAX", "fitted_attribute", "fitted_property"]


def _is_positive_real(value):
    return (isinstance(value, Real) and not isinstance(value, bool)
            and np.isfinite(value) and value > 0)


# The gains a fit takes (``gain``, each end of a ``(start, end)`` schedule): the
# initialisation sets each hidden unit's pre-activation ``x @ W + b`` to a spread of
# order one, whatever the gain, so the gain alone says how far into the sigmoid's
# saturation (above) or linear middle (below) the units start, and the weights that
# compensate it are of the order of its inverse. Measured (digits / 16, Friedman #1
# standardised; logistic units; L-BFGS-B 100 iterations, Adam 30 epochs; float32
# and float64, dense and CSR): every fit between 1e-2 and 1e2 trained (digits test
# accuracy 0.95-0.98 under L-BFGS-B against 0.97 at "auto"; Adam slower near 1e2,
# the regressor's training R^2 0.17-0.29 against 0.66-0.73). At 1e-3 the
# classifier reached 0.39-0.43 (silently in float32 CSR) and the regressor a
# negative training R^2; at 1e3 Adam a negative training R^2 and 0.72 accuracy.
# Beyond, the fits predicted one label (1e-8 and below; 1e8 and above under Adam)
# or stopped at a poor network, some without a warning (L-BFGS-B at 1e12 to
# 1e300: 0.73-0.74, a ConvergenceWarning at most). With relu and the identity a
# gain only rescales what the weights can, so the range costs them nothing.
# Weights of order 1e2 to 1e-2, their squares (L2) and gradients stay far inside
# float32's range.
GAIN_RANGE = (1e-2, 1e2)

# The largest penalty strength a fit takes: ``l1`` and ``l2`` (each value of a
# per-layer sequence), ``activity_l1``, and the autoencoder's ``l2``,
# ``nonneg_penalty`` and ``sparsity_weight``. A penalised weight has a curvature of
# order the penalty (``2 l2`` for L2), its intercepts one of order 1 or below:
# L-BFGS-B's curvature pairs then take the penalty's scale, its steps along the
# intercepts shrink by the ratio, and its relative-reduction test (64 eps of the
# loss) ended fits with the output bias wherever the start left it, reported as
# converged (0ac97d1). Measured (make_regression + 50, 3%-minority and digits
# classification, digits autoencoder; max_iter 20 and 200): every fit up to 1e10
# reached the constant model (training R^2 0, log-loss the class prior's to 1e-9);
# from 1e11 (l2: ABBA on digits, the regressor at max_iter=20; 1e10 for
# ``nonneg_penalty``) some stopped at once far from it, at 1e16 the regressor's
# R^2 was -0.45 and from 1e18 -2.4, the classifier's log-loss up to twice its
# prior's; ``l1`` beyond 2^128 (a gradient L-BFGS-B runs scaled down, in which the
# intercepts' gradient vanished) and ``activity_l1`` from about 1e20 alike. 1e6 keeps
# a margin of 1e4 below the first failure and lies far above any useful strength:
# at ``l2=1e2`` every network above fits the constant model already (the first
# layer's penalty is measured in the units of its columns' spans, so that does not
# depend on the inputs' scale).
PENALTY_MAX = 1e6
PENALTY_NOTE = (f"Penalties above {PENALTY_MAX!r} are refused: L-BFGS-B cannot fit "
                "the intercepts under them (the fit is the constant model long "
                "before).")


def _validate_gain(gain, caller):
    """``gain``: a float in ``GAIN_RANGE``, or a (start, end) pair of them (a
    schedule). Before, any positive float was taken: gains of 1e30 and above or
    1e-8 and below were fitted, and the fit kept its starting point or predicted
    one label, not always with a warning."""
    low, high = GAIN_RANGE
    in_range = f"in the range [{low!r}, {high!r}]"
    if np.isscalar(gain):
        if not (_is_positive_real(gain) and low <= gain <= high):
            raise parameter_error(caller, "gain", f"a float {in_range}", gain)
        return
    # One dimension only: before, a 2-D array was flattened here and failed
    # later with NumPy's bare TypeError (a 0-d array is refused as before).
    values = np.asarray(gain, dtype=object) if hasattr(gain, "__len__") else None
    values = tuple(values) if values is not None and values.ndim == 1 else ()
    if len(values) != 2 or not all(_is_positive_real(g) and low <= g <= high
                                   for g in values):
        raise parameter_error(
            caller, "gain",
            f"a float {in_range} or a (start, end) pair of floats {in_range}", gain)


def _validate_scoring(estimator):
    """``InvalidParameterError`` for a ``scoring`` string that is neither ``"loss"``
    nor a scikit-learn scorer name: refused at fit, early stopping on or off, in
    scikit-learn's words (``HistGradientBoosting*`` takes any string and refuses an
    unknown one only when early stopping builds its scorer)."""
    scoring = estimator.scoring
    if (isinstance(scoring, str) and scoring != "loss"
            and scoring not in get_scorer_names()):
        raise InvalidParameterError(
            f"The 'scoring' parameter of {type(estimator).__name__} must be "
            f"\"loss\", a str among sklearn.metrics.get_scorer_names(), a callable "
            f"or None. Got {scoring!r} instead.")


def _refuse_bool_counts(estimator):
    """A bool for a scalar int parameter (``max_iter``, ``batch_size``,
    ``n_iter_no_change``, ``steps_per_batch``, ``n_components``) is an
    InvalidParameterError. ``Interval(Integral)`` takes ``True`` (bool is an int):
    before, ``max_iter=True`` ran one L-BFGS-B iteration but failed Adam's gain
    schedule with a TypeError from ``np.full``, and ``n_components=True`` failed
    likewise. ``hidden_layer_sizes`` refuses bools itself (``_hidden_sizes``)."""
    for name, options in estimator._parameter_constraints.items():
        intervals = [o for o in options
                     if isinstance(o, Interval) and o.type is Integral]
        value = getattr(estimator, name, None)
        if intervals and "array-like" not in options and isinstance(value, bool):
            raise InvalidParameterError(
                f"The {name!r} parameter of {type(estimator).__name__} must be "
                f"{intervals[0]}, not a bool. Got {value!r} instead.")


def _as_float_dtype(dtype):
    """np.float32 or np.float64 for a ``dtype`` parameter naming one of them (a
    string, a type or a NumPy dtype), else None."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        return None
    return dtype.type if dtype in (np.dtype(np.float32), np.dtype(np.float64)) else None


def _as_kernel_csr(X, dtype):
    """A dense ``X`` that is mostly zeros, converted straight to CSR of ``dtype`` by
    the engine (one pass, no dense copy); None if it is not mostly zeros.

    The one place where the estimators reach into the engine's data preparation."""
    with fit_threads() as parallel:
        parallel = flavour_for(parallel, X.shape[0], X.shape[1])
        csr = csr_if_mostly_zeros(X, dtype, parallel)
    if csr is None:
        return None
    return sp.csr_matrix((csr.data, csr.indices, csr.indptr), shape=csr.shape)


def _same(a, b):
    """Whether ``a`` and ``b`` are equal and of the same types, arrays (of one dtype)
    and containers compared entry by entry."""
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and bool(np.array_equal(a, b))
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(_same(u, v) for u, v in zip(a, b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


# The public fitted attributes that a network's ``_set_fitted_layers`` derives from
# its fitted parameters and keeps (``BaseNetwork._keep_fitted``), one network or
# another; read through ``fitted_attribute``.
_KEPT = frozenset({"coefs_", "intercepts_", "components_", "weight_constraints_",
                   "monotonic_cst_", "coefs_a_", "coefs_b_", "lipschitz_bound_",
                   "lipschitz_bound_separable_"})


class fitted_property(property):
    """A fitted attribute computed from the fitted network (``lipschitz_bound_``,
    ``gain_``, ...): read-only, an assignment or ``del`` raises ``AttributeError``
    saying so, rather than Python's "property ... has no setter" (and rather than
    being taken and ignored, as ABBA's stored bounds were: prediction and
    ``certified_radius`` read the fitted network). A subclass of ``property``:
    every reader that looks for one (``fitted_attribute``, the HTML repr's listing)
    finds it. A saved state that holds a value under its name (written before the
    attribute was computed) has it dropped on loading: the fitted parameters give
    it."""

    def _refuse(self, obj, what):
        name = self.fget.__name__
        return AttributeError(
            f"{name} of {type(obj).__name__} is computed from the fitted network and "
            f"cannot be {what}; it changes with a fit (fit, partial_fit) only.")

    def __set__(self, obj, value):
        raise self._refuse(obj, "set")

    def __delete__(self, obj):
        raise self._refuse(obj, "deleted")


class BaseNetwork(VersionedState, BaseEstimator):
    """Base class of sknonneg's network estimators. Not for direct use."""

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "l1": [Interval(Real, 0, PENALTY_MAX, closed="both"), "array-like"],
        "l2": [Interval(Real, 0, PENALTY_MAX, closed="both"), "array-like"],
        "solver": [StrOptions(set(SOLVERS))],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}),
                       None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "steps_per_batch": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions({"constant", "linear"})],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        # "loss", or any scorer name (checked by _validate_scoring), as
        # HistGradientBoosting*'s constraint.
        "scoring": [str, callable, None],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "dtype": [StrOptions({"float32", "float64"}), type, np.dtype],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _build_layout(self, n_features, n_outputs):
        """ParameterLayout of the network."""

    @abstractmethod
    def _init_theta(self, layout, X, rng, sample_weight=None):
        """Initial ``theta`` (may look at X and its sample weights)."""

    def _init_output(self, layout, theta, X, targets, sample_weight):
        """The initial ``theta`` refined with the encoded ``targets`` of the first
        fit (the output stage of ``NonNegMLPClassifier.from_autoencoders``); by
        default ``theta`` itself."""
        return theta

    @abstractmethod
    def _make_objective(self, layout, X, y, sample_weight, gain, parallel):
        """An object with ``loss_grad(theta)``, a settable ``gain``, ``set_data`` and
        ``n_chunks`` (module docstring)."""

    @abstractmethod
    def _set_fitted_layers(self, theta):
        """Sets the public fitted attributes (``coefs_`` ...) from ``theta``."""

    def _validate_extra_params(self):
        """Checks that ``_parameter_constraints`` cannot express."""

    # ------------------------------------------------------------- parameters
    def _validate_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=self.__class__.__name__,
        )
        _refuse_bool_counts(self)
        if "scoring" in self._parameter_constraints:
            _validate_scoring(self)
        if _as_float_dtype(self.dtype) is None:
            raise parameter_error(type(self).__name__, "dtype",
                                  "'float32' or 'float64'", self.dtype)
        _validate_gain(self._gain_param(), type(self).__name__)
        self._validate_extra_params()

    def _gain_param(self):
        return getattr(self, "gain", 1.0)

    # Parameters that prediction reads. ``fit`` (and a first ``partial_fit``) keeps
    # a copy of them, so a ``set_params`` after fitting cannot change what
    # ``predict`` computes; only the next fit takes the new values.
    _FITTED_PARAMS = ("dtype",)

    # Further parameters that ``_build_layout`` reads (the network's shape and weight
    # bounds), kept from the fit with ``_FITTED_PARAMS`` (in ``_fitted_params``, as
    # copies): ``sknonneg.persist.load`` rebuilds the layout from them and refuses a
    # file whose layout is another, whatever ``set_params`` changed since the fit.
    _LAYOUT_PARAMS = ()

    def _snapshot_params(self, layout_only=False):
        """Records the parameters of this fit in ``_fitted_params``; ``layout_only``:
        the ``_LAYOUT_PARAMS`` alone (a later ``partial_fit`` call, which trains
        with them where they build the fitted network, ``_layout_now``)."""
        fitted = (dict(getattr(self, "_fitted_params", {})) if layout_only else
                  {name: getattr(self, name, None) for name in self._FITTED_PARAMS})
        for name in self._LAYOUT_PARAMS:
            if name not in self._FITTED_PARAMS:
                # A copy: a list or dict changed in place after the fit.
                fitted[name] = copy.deepcopy(getattr(self, name, None))
        self._fitted_params = fitted

    def _fitted_param(self, name):
        fitted = getattr(self, "_fitted_params", None)
        if fitted is not None and name in fitted:
            return fitted[name]
        return getattr(self, name)

    def _changed_fitted_params(self):
        """The ``_FITTED_PARAMS`` whose values differ from those of the last fit
        (the dtype as the compute dtype it names: ``"float32"`` is ``np.float32``)."""
        return [
            name for name in self._FITTED_PARAMS
            if (_as_float_dtype(self._fitted_param(name)) != self._compute_dtype_param()
                if name == "dtype"
                else self._fitted_param(name) != getattr(self, name, None))
        ]

    def _check_params_unchanged(self):
        """A later ``partial_fit`` continues the model of the first: the parameters
        that define it may not change in between."""
        changed = self._changed_fitted_params()
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed since the model was fitted (by fit, or "
                f"by the first call to partial_fit); partial_fit continues that model. "
                f"Call fit to start anew."
            )

    def _warm_start_fitted(self):
        """Whether ``fit`` continues the fitted model (``warm_start``); asked before
        ``_snapshot_params``, which records the parameters of the new fit. Not
        after a fit (or a first ``partial_fit`` call, alone) that had nothing to
        learn (``_nothing_learned``: a constant target, a single class of
        positive weight): there is nothing to continue, and its network is a
        poor start (a constant target leaves the hidden weights collapsed to
        about 0 under ``l2``, a stationary point of every later objective; a
        single class saturates the output). Before, such warm starts stalled at
        R^2 0 (until collapsed layers were drawn anew) and at accuracy 0.48,
        where a fresh fit gets 0.997 and 1.0; scikit-learn's MLPs, whose
        weights are never exactly 0, learn from the same start."""
        return (self.warm_start and hasattr(self, "_theta")
                and not getattr(self, "_nothing_learned", False)
                and self._warm_start_compatible())

    def _warm_start_compatible(self):
        """Whether ``fit`` with ``warm_start`` may continue the fitted ``theta``:
        not after a change of a parameter that prediction reads (``_FITTED_PARAMS``:
        the compute dtype, the activation, the output, the decoder, ABBA's ``cap``,
        ``cap_slope`` and ``lipschitz_max``), since the same weights are then
        another function. Before, only the output, the activation (not ABBA's) and
        the decoder were compared: a warm start after ``set_params(dtype=...)``,
        or ABBA's ``activation``/``cap``, continued the old weights (and histories)
        where the docs promise a fresh fit. Nor after a change of what shapes the
        network (``_LAYOUT_PARAMS`` that build another network, ``_layout_now``:
        another size, packing or sign constraint): the fit is then fresh from its
        start, its targets encoded anew (a regressor's scaling, a classifier's
        classes) as a fresh fit encodes them. Before, only ``theta`` started
        anew: a regressor kept the old ``y_mean_`` and ``y_scale_`` (R^2 0.37
        where a fresh fit on the new targets got 0.85), and a classifier refused
        other classes as a warm start would. A subclass refuses further
        changes."""
        return (not self._changed_fitted_params()
                and self._layout_now(quiet=True)[1] is None)

    def _layout_now(self, layout=None, quiet=False):
        """``(layout, None)`` where the parameters as set build the fitted network
        (``_layout``: the same packing and per-row signs, so ``theta`` reads
        alike) on the fitted ``n_features_in_`` and ``n_outputs_``, or where
        ``layout`` (the fit's, compared only) is it; else ``(None, reason)``: the
        ValueError or TypeError of parameters that build none, or ``"another
        network"``. ``quiet``: a question only (a warm start's): the fitted
        ``monotonic_cst_`` is kept and the warnings of building are silenced,
        for the fit that follows to raise once."""
        if layout is None:
            kept = {name: self.__dict__[name] for name in ("monotonic_cst_",)
                    if quiet and name in self.__dict__}
            try:
                with warnings.catch_warnings() if quiet else contextlib.nullcontext():
                    if quiet:
                        warnings.simplefilter("ignore")
                    layout = self._build_layout(self.n_features_in_, self.n_outputs_)
            except (ValueError, TypeError) as exc:
                return None, exc
            finally:
                self.__dict__.update(kept)
        fitted = getattr(self, "_layout", None)
        if (fitted is not None and layout.n_params == self._theta.shape[0]
                and fitted.same_network(layout)):
            return layout, None
        return None, "another network"

    def _compute_dtype_param(self):
        return _as_float_dtype(self.dtype)

    @property
    def _compute_dtype(self):
        return _as_float_dtype(self._fitted_param("dtype"))

    def _per_layer(self, value, name, n_layers):
        try:
            values = np.atleast_1d(np.asarray(value, dtype=float))
        except (TypeError, ValueError):
            # Before: numpy's "could not convert string to float: 'a'".
            raise parameter_error(
                type(self).__name__, name,
                f"a float or one value per weight layer ({n_layers})", value) from None
        if np.ndim(value) == 0:  # a float: every layer (a sequence must match)
            values = np.repeat(values, n_layers)
        if values.shape != (n_layers,):
            raise parameter_error(
                type(self).__name__, name,
                f"a float or one value per weight layer ({n_layers})", value)
        if not np.all((values >= 0) & (values <= PENALTY_MAX)):
            # One message for every value out of the range (negative, NaN,
            # infinite, above PENALTY_MAX), as a float out of it gets
            # (_parameter_constraints). Before, a negative, NaN or infinite entry
            # said "non-negative and finite", and 1e300 then got another error.
            above = bool(np.any(np.isfinite(values) & (values > PENALTY_MAX)))
            raise parameter_error(
                type(self).__name__, name,
                f"a float or one value per weight layer in the range [0.0, "
                f"{PENALTY_MAX!r}]", value, PENALTY_NOTE if above else "")
        return values

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if isinstance(sizes, np.ndarray):
            # A 0-d array is one size (before: "iteration over a 0-d array").
            sizes = sizes.tolist()
        if np.isscalar(sizes):
            sizes = [sizes]
        sizes = list(sizes)
        if len(sizes) == 0 or not all(
            isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
        ):
            raise parameter_error(
                type(self).__name__, "hidden_layer_sizes",
                "a positive int or a non-empty sequence of positive ints",
                self.hidden_layer_sizes)
        return [int(s) for s in sizes]

    # ------------------------------------------------------------------ input
    def _validate_X_y(self, X, y, reset):
        check_sparse_structure(X)
        if sp.issparse(y):
            check_sparse_structure(y, name="y")
        check_missing_targets(y, "y")
        X, y = validate_data(
            self, X, y, reset=reset, accept_sparse=["csr", "csc", "coo"],
            dtype=self._input_dtypes(X), multi_output=True,
        )
        if reset:
            # What a multilabel classifier's predict returns: a sparse indicator
            # matrix after a sparse y, as MLPClassifier's (decided by the first fit,
            # as its LabelBinarizer is; a warm start keeps it).
            self._sparse_y = sp.issparse(y)
        if sp.issparse(y):
            # A sparse label indicator matrix (or multi-output target), as
            # scikit-learn's MLPClassifier takes it: n_samples x n_outputs, dense.
            y = y.toarray()
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _training_X(self, X, y, targets, initialise=True):
        """``(X, y, targets)`` of the rows a fit trains on (those of positive
        weight: ``_weighted_rows``), ``X`` in the compute dtype and refused where
        its values are too large for the network, or were all flushed to 0 by the
        cast (``check_input_scale``). Runs
        after the rows of weight 0 are dropped: those are not fitted, and their
        values are not checked (before, a row of weight 0 at 1e200 refused the
        fit). ``initialise``: False where the fit continues a fitted network (a
        warm start, a later ``partial_fit`` call), whose refusal of subnormal
        values then names no initialisation."""
        return (check_input_scale(self._as_compute_dtype(X), original=X,
                                  initialise=initialise), y, targets)

    @staticmethod
    def _weighted_rows(X, y, targets, strata, sample_weight):
        """``(X, y, targets, strata, sample_weight)`` without the rows of weight 0
        (the same objects when there are none). A row of weight 0 is a removed
        row: its values reach neither the scale checks, the initialisation, early
        stopping's split, the mini-batches nor the solver, so that the fit is the
        fit without it exactly. ``X`` as ``validate_data`` returns it (a sparse
        one becomes CSR, which keeps its rows' stored entries as they are)."""
        keep = sample_weight > 0
        if keep.all():
            return X, y, targets, strata, sample_weight

        def rows(a):  # an autoencoder's y and targets are X itself: one copy
            return kept if a is X else None if a is None else a[keep]

        kept = (sp.csr_matrix(X) if sp.issparse(X) and X.format != "csr" else X)[keep]
        return (kept, rows(y), rows(targets), rows(strata), sample_weight[keep])

    def _check_X(self, X):
        check_is_fitted(self)
        check_sparse_structure(X)
        X = validate_data(self, X, reset=False, accept_sparse=["csr", "csc", "coo"],
                          dtype=self._input_dtypes(X))
        return self._as_compute_dtype(X)

    def _validated_logits(self, X):
        """float64 outputs of the last layer for ``X``, validated; an overflow is a
        ValueError, not inf or NaN (the reliability policy)."""
        X = self._check_range(self._check_X(X))
        return check_finite_output(self._logits(X)).astype(np.float64)

    def _check_range(self, X):
        """Validated ``X``, refused (ValueError) where a weighted sum of the fitted
        network could overflow (``check_network_range``)."""
        return check_network_range(self._range_layers(), X, self._compute_dtype)

    def _range_layers(self):
        """The fitted network as ``check_network_range`` reads it."""
        return self._rounding_layers()

    def _input_dtypes(self, X):
        """The float dtypes ``validate_data`` keeps as they are, in the order it
        tries them for other inputs. An array of integers, booleans or float16
        (NumPy, SciPy sparse) is converted straight to the compute dtype: before,
        float64 came first, and ``dtype="float32"`` fits and predictions of uint8
        images made a float64 copy (8 times the input) and then a float32 one
        (predict_proba of 20,000 x 784 uint8 peaked at 3.25 times the float32
        copy). Other inputs (lists, object arrays, DataFrames) still go through
        float64, where ``_as_compute_dtype`` refuses finite values too large for
        float32 in its own words (scikit-learn's check would call them infinity)."""
        compute = np.dtype(self._compute_dtype)
        other = np.dtype(np.float32 if compute == np.float64 else np.float64)
        kind = getattr(getattr(X, "dtype", None), "kind", None)
        if kind in ("b", "i", "u", "f"):
            return [compute.type, other.type]
        return [np.float64, np.float32]

    def _as_compute_dtype(self, X):
        """X as CSR or dense array of the compute dtype; finite values that do not fit
        float32 are an error, not a silent inf."""
        original = X
        narrowing = np.dtype(X.dtype).itemsize > np.dtype(self._compute_dtype).itemsize
        if narrowing and not sp.issparse(X):
            # A float64 input that the kernels will read as CSR anyway is converted
            # straight to float32 CSR: its dense float32 copy would cost half the
            # input's memory and a pass over it.
            csr = _as_kernel_csr(X, self._compute_dtype)
            if csr is not None:
                X = csr
        if sp.issparse(X):
            X = sp.csr_matrix(X)
            if not X.has_canonical_format:
                # Duplicate entries mean their sum (scipy's reading): the products
                # sum them, but per-column statistics of the stored values (the
                # initialisation's scales, the column preconditioner) would not.
                # Summed on a copy (the caller's matrix stays as it is), in the
                # input's dtype, before a narrowing cast: before, each duplicate was
                # rounded to float32 alone and then summed (an entry 0.549 stored
                # as 1e8 + 0.549 and -1e8 was read as 0).
                X = X.copy()
                X.sum_duplicates()
        with np.errstate(over="ignore"):  # too large for float32: refused below
            X = X.astype(self._compute_dtype, copy=False)
        values = X.data if sp.issparse(X) else X
        # validate_data rejected NaN and inf already (unless assume_finite=True);
        # only a narrowing cast can make new ones, so the (costly) check runs only
        # then.
        if narrowing and not np.all(np.isfinite(values)):
            before = original.data if sp.issparse(original) else np.asarray(original)
            if not np.all(np.isfinite(before)):
                # NaN or infinity in the input itself, which validate_data let
                # through under scikit-learn's assume_finite=True (before: called
                # "too large for dtype=float32", without naming the setting).
                found = "NaN" if np.isnan(before).any() else "infinity"
                raise ValueError(
                    f"Input X contains {found}. {_unchecked_input_note()}".rstrip())
            # scikit-learn's words, then what is too large and the remedy (before:
            # the first sentence alone). The fitted dtype (before: self.dtype,
            # changed by set_params since).
            name = np.dtype(self._compute_dtype).name
            raise ValueError(
                f"Input X contains values too large for dtype={name}. X has values "
                f"of magnitude up to {largest_magnitude(original):.3g}; {name} holds "
                f"values up to {float(np.finfo(self._compute_dtype).max):.3g}. Use "
                f"dtype='float64', or scale the features, e.g. with "
                f"sklearn.preprocessing.MaxAbsScaler."
            )
        return X

    # ------------------------------------------------------------- warm start
    def _start_theta(self, layout, X, rng, sample_weight, warm):
        """``(theta, fresh)``: the previous solution if ``warm`` (a warm start of a
        compatible model, see ``_warm_start_fitted``) and ``layout`` is the fitted
        network (``_layout_now``), else the
        initialisation ``_init_theta``; a ``fresh`` one then goes through
        ``_init_output`` on the training rows (``_start_output``)."""
        # The same packing, not only the same number of parameters: hidden sizes
        # (5, 7) and (7, 5) between 10 inputs and 10 outputs both have 177. And the
        # same sign constraints (positive, monotonic_cst, nonneg): before, a warm
        # start after positive="hidden" -> True continued the old weights clipped
        # at 0, Adam's moments too, where the docs promise a fresh fit.
        if warm and self._layout_now(layout)[1] is None:
            return self._theta.copy(), False
        return self._init_theta(layout, X, rng, sample_weight), True

    def _start_output(self, layout, theta, X, targets, sample_weight, rows=None):
        """``_init_output`` on the training ``rows`` (all when None): early stopping's
        validation rows stay unseen by the output stage of a pre-trained stack."""
        if rows is not None:
            X, targets = X[rows], targets[rows]
            sample_weight = None if sample_weight is None else sample_weight[rows]
        return self._init_output(layout, theta, X, targets, sample_weight)

    def _log(self, msg):
        if self.verbose:
            print(f"[{self.__class__.__name__}] {msg}", flush=True)

    # --------------------------------------------------------------- pickling
    # ``coefs_``, ``intercepts_`` and ``components_`` are copies (or views) of
    # ``_theta``; a pickle carries ``_theta`` alone and rebuilds them, so a fitted
    # estimator sent to a Dask worker or saved is about the size of its parameters.
    _THETA_LAYERS = ("coefs_", "intercepts_", "components_", "_fitted_public")

    def _keep_fitted(self, *names):
        """Keeps the public fitted attributes ``names``, as ``_set_fitted_layers``
        has just set them from ``_theta``, in ``_fitted_public`` (their lists as
        tuples of the same read-only arrays): what ``_fitted_attribute`` returns.
        Not pickled: rebuilt from ``_theta`` with them (``_THETA_LAYERS``)."""
        self._fitted_public = {
            name: tuple(value) if isinstance(value, list) else value
            for name, value in ((name, getattr(self, name, None)) for name in names)}

    def _fitted_attribute(self, name, *default):
        """The public fitted attribute ``name`` as the fit set it, whatever was put
        in its place since: what every reader of the fitted network other than
        prediction (inspection, persistence, conversions, the certificate, the
        attack) reads, through :func:`fitted_attribute`.

        The attributes that ``_set_fitted_layers`` derives from ``_theta``
        (``coefs_``, ``intercepts_``, ``components_``, ``weight_constraints_``,
        ``monotonic_cst_``; ABBA's ``coefs_a_``, ``coefs_b_`` and stored
        Lipschitz bounds) come from
        ``_fitted_public`` (a list as a new list of the fitted read-only arrays),
        ``out_activation_`` from the fitted parameters
        (``_fitted_out_activation``); any other name is the attribute itself (a
        property computed from the fitted state, such as the dense networks'
        ``lipschitz_bound_``). ``default``: returned for a name the estimator does
        not have, as ``getattr``'s."""
        check_is_fitted(self)
        if name == "out_activation_":
            out = self._fitted_out_activation()
            if out is not None:
                return out
        kept = getattr(self, "_fitted_public", {})
        if name in kept:
            value = kept[name]
            return list(value) if isinstance(value, tuple) else value
        if name in _KEPT and not isinstance(getattr(type(self), name, None),
                                            property):
            # Not one of this network's (ABBA's blocks on a dense network): a
            # value set since is not read either.
            if default:
                return default[0]
            raise AttributeError(f"{type(self).__name__} has no fitted {name}.")
        return getattr(self, name, *default)

    def _fitted_out_activation(self):
        """The output function of the fitted network, from its fitted parameters
        (the output, loss or decoder chosen at fit), never from ``out_activation_``,
        which can be set; None where there is none."""
        return None

    def _fitted_arrays(self):
        """``(coefs, intercepts)``: the weights and biases of a fitted dense network
        (or autoencoder), from its fitted parameters ``_theta``, as prediction
        computes with them (views where the layout stores them as such), never
        from ``coefs_`` and ``intercepts_``. Those are lists: an array put in the
        place of one of theirs (its own arrays are read-only), or a list in the
        place of either, changes no prediction, and so must not change what is
        bounded, certified or range-checked either."""
        views = self._layout.views(self._theta)
        return [v[0] for v in views], [v[1] for v in views]

    @staticmethod
    def _read_only(arrays):
        """``arrays`` (an array or a list of them), made read-only in place: the
        fitted arrays derive from ``_theta``, which prediction of a copy, a pickle,
        a saved file and a warm start read; an edit of one of them would change
        some of those and not the others (and could break the sign constraints that
        ``monotonic_cst_`` and the certificates rest on).

        Each array given is made read-only and a read-only view of it returned:
        NumPy lets the flag of an array that owns its data be set back
        (``a.flags.writeable = True``), not that of a view of a read-only array.
        Before, that one line let an edit in place through, and ABBA, which
        predicts from its fitted arrays, then predicted from the edit while its
        copies, pickles and saved files predicted from the fitted parameters."""
        def lock(array):
            array.flags.writeable = False
            return array.view()  # read-only too, and its flag cannot be set back

        if isinstance(arrays, np.ndarray):
            return lock(arrays)
        return [lock(array) for array in arrays]

    def __getstate__(self):
        state = super().__getstate__()
        if "_theta" in state:
            state = {k: v for k, v in state.items() if k not in self._THETA_LAYERS}
            # The fitted values of the attributes pickled with the parameters
            # (out_activation_, monotonic_cst_, ...), not values set since: a
            # copy, a pickle or a saved file computes and reports as the
            # estimator does (and persist.load refuses a file edited by hand).
            kept = getattr(self, "_fitted_public", {})
            for name in [*kept, "out_activation_"]:
                if name in state:
                    state[name] = self._fitted_attribute(name)
        return state

    def __setstate__(self, state):
        if isinstance(state, dict):
            # Computed from the fitted parameters (fitted_property): a value saved
            # under such a name (ABBA's bounds, stored before they were computed)
            # would shadow nothing and be refused by persist.load; dropped.
            state = {k: v for k, v in state.items()
                     if not isinstance(getattr(type(self), k, None), fitted_property)}
        super().__setstate__(state)
        if "_theta" in state:
            # Through the class: the state may hold an attribute of that name
            # (refused by persist.load's check, which runs after this).
            type(self)._set_fitted_layers(self, self._theta)

    # ------------------------------------------------------------ loaded state
    def _check_fitted_state(self, fail):
        """The fitted state of a loaded network agrees with itself: parameters of
        the layout's length, finite and within its bounds, shapes matching the
        number of features and outputs, and a layout and an output function that are
        the ones the parameters it was fitted with build (``_check_fitted_layout``).
        ``fail(reason)`` raises (``sknonneg.persist.load``: a ``ValueError`` naming
        the file). A file edited by hand, or written by an incompatible version, is
        an error here rather than a wrong prediction, an overstated Lipschitz bound
        or certificate, or a read out of bounds in a kernel. Not fitted: nothing
        to check."""
        if not hasattr(self, "_theta"):
            # Not fitted: nothing to check, unless fitted attributes say otherwise.
            # Before, a file without _theta but with the rest of a fitted state
            # loaded, and predict raised "object has no attribute 'coefs_'".
            fitted = sorted(name for name in vars(self)
                            if name.endswith("_") and not name.startswith("_"))
            if fitted:
                fail(f"it holds fitted attributes ({', '.join(fitted[:5])}"
                     f"{', ...' if len(fitted) > 5 else ''}) but not its fitted "
                     "parameters (_theta)")
            return
        layout, theta = getattr(self, "_layout", None), self._theta
        if layout is None or not hasattr(layout, "n_params"):
            fail("its parameter layout is missing")
        if not (isinstance(theta, np.ndarray) and theta.dtype == np.float64
                and theta.shape == (layout.n_params,)):
            # Before: a float32 theta of the right shape was "shape (23,), its
            # layout needs (23,)".
            fail(f"its parameters are {type(theta).__name__} of dtype "
                 f"{getattr(theta, 'dtype', None)} and shape "
                 f"{getattr(theta, 'shape', None)}, its layout needs float64 of shape "
                 f"({layout.n_params},)")
        if not np.all(np.isfinite(theta)):
            fail("its parameters are not all finite")
        box = getattr(layout, "box", None)
        if (box is not None and box.n_params == theta.shape[0]
                and not box.contains(theta)):
            fail("its parameters violate the layout's sign constraints")
        for layer in getattr(layout, "network", ()):
            known = (DENSE_ACTIVATIONS if isinstance(layer, DenseLayer)
                     else ABBA_ACTIVATIONS)
            if getattr(layer, "activation", None) not in known:
                fail(f"a layer has the unknown activation "
                     f"{getattr(layer, 'activation', None)!r}")
        sizes = list(layout.layer_sizes)
        for name in ("n_features_in_", "n_outputs_"):
            value = getattr(self, name, None)
            # Before: n_features_in_="3" was "n_features_in_=3 but the network's
            # first layer reads 3 features".
            if not isinstance(value, Integral) or isinstance(value, bool):
                fail(f"its {name}={value!r} is of type {type(value).__name__}, not "
                     f"an int")
        n_features = self.n_features_in_
        if (n_features != sizes[0]
                or self._fitted_attribute("components_").shape[1] != sizes[0]):
            fail(f"n_features_in_={n_features} but the network's first layer reads "
                 f"{sizes[0]} features")
        if self.n_outputs_ != sizes[-1]:
            fail(f"n_outputs_={self.n_outputs_} but the network has {sizes[-1]} "
                 f"outputs")
        if hasattr(self, "classes_"):
            n_classes = len(self.classes_)
            if n_classes != sizes[-1] and not (n_classes == 2 and sizes[-1] == 1):
                fail(f"{n_classes} classes for {sizes[-1]} outputs")
        if any(w.min() < 0 for w in self._fitted_attribute("coefs_a_", [])
               + self._fitted_attribute("coefs_b_", [])):
            fail("an ABBA block is negative")

        def numbers_in(value, positive=False):
            """Whether ``value`` is made of finite (and positive) ints or floats; a
            string (before: numpy's raw TypeError, "ufunc 'isfinite' not
            supported") or a bool is not."""
            try:
                array = np.asarray(value)
            except (TypeError, ValueError):  # ragged nested lists
                return False
            return (array.dtype.kind in "iuf" and bool(np.all(np.isfinite(array)))
                    and (not positive or bool(np.all(array > 0))))

        gain = self._fitted_gain() if hasattr(self, "_fitted_gain") else None
        if gain is not None and not numbers_in(gain, positive=True):
            fail(f"its gain {gain!r} is not a finite positive number")
        if hasattr(self, "y_scale_"):  # regressor: y = y_mean_ + y_scale_ * z
            shape = (sizes[-1],)
            if not (np.shape(self.y_scale_) == shape == np.shape(self.y_mean_)
                    and numbers_in(self.y_mean_)
                    and numbers_in(self.y_scale_, positive=True)):
                fail("its target scaling (y_mean_, y_scale_) is not finite and "
                     f"positive, of shape {shape}")
        cst = getattr(self, "monotonic_cst_", None)
        if cst is not None:
            signs = layout.coef_signs
            cst = np.asarray(cst)
            if (cst.shape != (sizes[0],)
                    or not np.all(signs[0][cst != 0] == cst[cst != 0])
                    or not all(np.all(s > 0) for s in signs[1:])):
                fail("its monotonic_cst_ is not what its network's sign constraints "
                     "keep")
        # The checks are looked up on the class (here and below): a loaded file sets
        # the instance's attributes, and one named like a check would replace it.
        type(self)._check_fitted_layout(self, layout, fail)

    def _check_fitted_layout(self, layout, fail):
        """The loaded layout is the one the estimator's fitted parameters build: its
        ``_build_layout``, on a copy whose parameters are those of the fit (kept in
        ``_fitted_params``: ``_FITTED_PARAMS`` and ``_LAYOUT_PARAMS``; a file without
        them, the current ones), valid as the estimator's parameter constraints
        define them. Every layer's fields (signs, activation, ABBA role, slope and
        cap, L1, free or split storage), the packing of ``theta`` and the output
        function (``_check_out_activation``) must agree: an edited field would
        change what prediction computes (or what the Lipschitz bounds and
        monotonicity certificates promise) without any array changing."""
        names = (*self._FITTED_PARAMS, *getattr(self, "_LAYOUT_PARAMS", ()))
        ref = object.__new__(type(self))  # no __setstate__: nothing derived is rebuilt
        ref.__dict__.update(vars(self))
        errors = (ValueError, TypeError, KeyError, AttributeError, IndexError,
                  MemoryError)
        try:
            fitted = getattr(self, "_fitted_params", None) or {}
            params = {name: self._fitted_param(name) for name in names
                      if name in fitted or hasattr(self, name)}
            ref.__dict__.update(params)
            constraints = self._parameter_constraints
            validate_parameter_constraints(
                {name: constraints[name] for name in params if name in constraints},
                params, caller_name=type(self).__name__)
            hidden = (ref._hidden_sizes() if "hidden_layer_sizes" in params
                      else [ref.n_components] if "n_components" in params else None)
        except errors as exc:
            fail(f"the parameters it was fitted with are not valid ({exc})")
        # The hidden widths first: a rebuild allocates per-row bounds of their size.
        if hidden is not None and list(hidden) != list(layout.layer_sizes[1:-1]):
            fail(f"its hidden layers have {list(layout.layer_sizes[1:-1])} units, the "
                 f"parameters it was fitted with give {list(hidden)}")
        try:
            expected = ref._build_layout(self.n_features_in_, self.n_outputs_)
        except errors as exc:
            fail(f"the parameters it was fitted with build no network ({exc})")
        network = getattr(layout, "network", None)
        if not (isinstance(network, list) and len(network) == len(expected.network)):
            fail(f"its network has "
                 f"{len(network) if isinstance(network, list) else None} "
                 f"layers, the parameters it was fitted with build "
                 f"{len(expected.network)}")
        for i, (layer, want) in enumerate(zip(network, expected.network)):
            if type(layer) is not type(want):
                fail(f"layer {i} is a {type(layer).__name__}, the parameters it was "
                     f"fitted with build a {type(want).__name__}")
            got, wanted = vars(layer), vars(want)
            for field in sorted(set(got) | set(wanted)):
                if field not in got or field not in wanted or not _same(
                        got[field], wanted[field]):
                    fail(f"layer {i} has {field}={got.get(field, '(none)')!r}, the "
                         f"parameters it was fitted with give "
                         f"{wanted.get(field, '(none)')!r}")
        try:
            same_packing = (layout.packing() == expected.packing()
                            and _same(layout.layer_sizes, expected.layer_sizes)
                            and layout.n_layers == expected.n_layers
                            and layout.n_params == expected.n_params)
        except (ValueError, TypeError, KeyError, AttributeError, IndexError):
            same_packing = False
        if not same_packing:
            fail("its parameter layout does not place the blocks of its layers as "
                 "they are built")
        if hasattr(ref, "monotonic_cst_") or hasattr(self, "monotonic_cst_"):
            if not _same(getattr(self, "monotonic_cst_", None),
                         getattr(ref, "monotonic_cst_", None)):
                fail(f"its monotonic_cst_={getattr(self, 'monotonic_cst_', None)!r} "
                     f"is not the monotonic_cst it was fitted with "
                     f"({getattr(ref, 'monotonic_cst_', None)!r})")
        type(self)._check_out_activation(self, ref, layout, fail)

    def _check_out_activation(self, ref, layout, fail):
        """``out_activation_``, which prediction reads, is the output function of
        the parameters the network was fitted with: ``ref`` (a copy holding them)
        gives it, ``ref._expected_out_activation(layout, fail)``; None, nothing to
        check. Before, a binary softmax classifier whose ``out_activation_`` was
        edited to "logistic" (or "bogus") loaded, and predict_proba changed by up
        to 0.37."""
        want = type(ref)._expected_out_activation(ref, layout, fail)
        if want is None:
            return
        got = getattr(self, "out_activation_", None)
        if not _same(got, want):
            fail(f"its out_activation_={got!r} is not the output function it was "
                 f"fitted with ({want!r})")

    def _expected_out_activation(self, layout, fail):
        """The ``out_activation_`` that the fitted parameters give (called on a
        copy whose parameters are those of the fit, by ``_check_out_activation``),
        after checking the output against ``layout``'s (``fail(reason)`` raises);
        None: no output function to check."""
        return None

    @property
    def _n_features_out(self):
        check_is_fitted(self)
        # The width of the last hidden layer: the rows of the fitted output weights.
        return self._fitted_attribute("coefs_")[-1].shape[0]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def fitted_attribute(estimator, name, *default):
    """The public fitted attribute ``name`` of ``estimator`` as it was fitted.

    For sknonneg's fitted networks, what they compute with
    (``BaseNetwork._fitted_attribute``): ``coefs_``, ``intercepts_``,
    ``components_``, ``weight_constraints_``, ``monotonic_cst_``,
    ``out_activation_`` (and ABBA's ``coefs_a_``, ``coefs_b_``,
    ``lipschitz_bound_``) as the fit set them. Their
    arrays are read-only, but an array can be put in a list's place
    (``est.coefs_[0] = W``) or another value in an attribute's
    (``est.out_activation_ = "softmax"``): that changes no prediction, so it
    changes nothing that is reported, drawn, saved, converted, bounded or
    certified either. For any other estimator (scikit-learn's MLPs, PCA, NMF),
    its attribute. For the satellites (inspection, robustness, persistence),
    which read no private attribute themselves.

    Parameters
    ----------
    estimator : estimator
        A fitted estimator, sknonneg's or another.
    name : str
        The fitted attribute, e.g. ``"coefs_"``.
    *default : object
        At most one: returned where ``estimator`` has no such attribute, as
        ``getattr``'s default.

    Returns
    -------
    value : object
        The attribute as fitted (a list attribute as a new list of the fitted
        read-only arrays).

    Raises
    ------
    AttributeError
        Where the attribute is missing (an unfitted estimator's too) and no
        ``default`` is given.
    """
    if isinstance(estimator, BaseNetwork) and hasattr(estimator, "_fitted_public"):
        return estimator._fitted_attribute(name, *default)
    return getattr(estimator, name, *default)
