"""NonNegMLPRegressor: the network of NonNegMLPClassifier with an identity output and
the squared error, on the same engine and training loops."""

import copy
import math
from numbers import Real

import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassNamePrefixFeaturesOutMixin, RegressorMixin, clone
from sklearn.metrics import r2_score
from sklearn.utils import assert_all_finite
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .. import _activations
from .._compat import Interval, StrOptions, _own_num_samples, check_sample_weight
from .._lipschitz import mlp_lipschitz_bound, upper_product
from .._validation import (
    check_finite_output,
    check_positive_weights,
    check_sparse_structure,
    check_target_scale,
    largest_magnitude,
    scale_score_weights,
    squared_errors_limit,
    user_stacklevel,
)
from .._engine import get_loss
from .._engine.losses import HalfTweedieDeviance
from ._base import GAIN_RANGE, PENALTY_MAX, fitted_property
from ._classifier import fill_doc
from ._monotone import has_constraint
from ._dense import DenseNetworkMixin, _activation_slope
from ._training import (_AUTO_EARLY_STOPPING_ROWS, CandidateModel,
                        SupervisedTransformerMixin, TrainableNetwork)

__all__ = ["NonNegMLPRegressor"]


class _CandidateRegressor(CandidateModel):
    """The regressor's candidate for early stopping's scorer (``CandidateModel``):
    ``predict`` as the fitted regressor computes it, in the units of ``y`` (the
    target scaling undone)."""

    def predict(self, X):
        return self._estimator._predict_from_logits(self._logits(X))


def _overfit_gap(scores):
    """``(best_iter, gap)`` of a held-out curve (``validation_scores_`` under
    ``scoring="loss"``: minus the held-out squared error): the first iteration of
    the best score, and how much larger the held-out error is at the end than at
    that best, relative to it, ``(best - final) / |best|`` (0 where the best is
    the last score or the curve is not finite; inf where the best error is 0 and
    the last is not)."""
    v = np.asarray(scores, dtype=np.float64)
    if v.size == 0 or not np.all(np.isfinite(v)):
        return None, 0.0
    best = float(v.max())
    drop = best - float(v[-1])
    gap = drop / abs(best) if best != 0 else (np.inf if drop > 0 else 0.0)
    return int(np.argmax(v)) + 1, float(gap)


def _refit_plan(stages, best_iter, factor, max_iter):
    """Iterations per gain stage of the refit on all rows: ``stages`` (those each
    stage of the held-out fit ran) cut after iteration ``best_iter``, with their
    cumulative ends ``c`` scaled to ``min(max_iter, ceil(factor c))``."""
    ends, total = [], 0
    for n in stages:
        end = min(total + int(n), best_iter)
        ends.append(end)
        total += int(n)
        if end == best_iter:
            break
    scaled = [min(max_iter, math.ceil(factor * e - 1e-9)) for e in ends]
    return [int(n) for n in np.diff([0, *scaled])]


def _target_matrix(y):
    """``y`` as a finite float64 ``(n_samples, n_targets)`` array. Its scale is
    checked on the rows of positive weight (``check_target_scale``, by
    ``_encode_targets`` and ``_check_standardised_targets``): a row of weight 0 is
    not fitted."""
    # C order: the targets' mean and scale sum each column in an order that
    # follows the layout (before: a Fortran-ordered y or a DataFrame's was one ulp
    # off, predictions 1.5e-13).
    y = np.ascontiguousarray(y, dtype=np.float64)
    # An object y holding None (a pandas object column) passes validate_data's
    # NaN check (None == None) and becomes NaN here. Before: the fit ran on it and
    # failed with "The network's parameters overflowed".
    assert_all_finite(y, input_name="y")
    return y.reshape(y.shape[0], -1)


def _unit_scale(y, y_pred, sample_weight):
    """``(y, y_pred)`` (finite, 2-d, float64) under one affine map per output that
    brings them to unit scale, which leaves their R^2 unchanged: divided by a power
    of two near their largest magnitude, centred on a mean of that output of
    ``y``, divided by a power of two near the largest magnitude left. Powers of
    two divide exactly, and the squares of the result neither overflow nor
    underflow while R^2 is within float64's range.

    The centre is the output's own (weighted) mean: before, ``y_mean_`` of the
    fit, and a ``y`` far below the fitted scale lost its spread in ``y - y_mean_``
    (targets of order 1 for a model fitted on targets of 1e150 were all one value
    after it, and R^2 was 0.0 instead of -3e301; at 1e-10 of the fitted scale it
    kept 7 digits). Any centre gives the same R^2; a mean of ``y`` loses none.
    ``sample_weight`` weighs the mean where it is usable as weights (else the
    plain mean; r2_score then judges the weights)."""
    def to_unit(*arrays):
        peak = np.max([np.max(np.abs(a), axis=0, initial=0.0) for a in arrays], axis=0)
        exponent = np.frexp(np.where(peak > 0, peak, 1.0))[1]
        return [np.ldexp(a, -exponent) for a in arrays]

    y, y_pred = to_unit(y, y_pred)
    weights = None
    if sample_weight is not None:
        w = np.asarray(sample_weight)
        if (w.shape == y.shape[:1] and w.dtype.kind in "biuf"
                and np.all(np.isfinite(w)) and np.all(w >= 0) and np.sum(w) > 0):
            weights = w.astype(np.float64)
    centre = np.average(y, axis=0, weights=weights) if y.shape[0] else 0.0
    return to_unit(y - centre, y_pred - centre)


@fill_doc
class NonNegMLPRegressor(DenseNetworkMixin, ClassNamePrefixFeaturesOutMixin,
                         SupervisedTransformerMixin, RegressorMixin, TrainableNetwork):
    r"""Multi-layer perceptron regressor with non-negative or sign-constrained weights.

    The regressor twin of :class:`NonNegMLPClassifier`: the same hidden layers
    under an identity output and the squared error, or an ``exp`` output and the
    Poisson, Gamma or Tweedie deviance (``loss``), fitted with scipy's
    bound-constrained L-BFGS-B or projected Adam. With ``monotonic_cst`` the
    prediction is monotone in the chosen features, exactly, for every input.

    Read more in the :ref:`User Guide <nonneg>`.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Number of units of each hidden layer.
    loss : {"squared_error", "poisson", "gamma", "tweedie"}, default="squared_error"
        Half the squared error of an identity output, or half the Poisson, Gamma
        or Tweedie deviance of a log link (``out_activation_ = "exp"``), by
        ``HistGradientBoostingRegressor``'s names. ``"poisson"`` (counts) and
        ``"tweedie"`` (amounts with exact zeros) require ``y >= 0`` with a
        positive sum per target; ``"gamma"`` (positive amounts) requires
        ``y > 0``, each at least ``100 exp(-50)`` (about 1.9e-20) times its
        target's weighted mean. ``monotonic_cst`` holds with each; ``lipschitz_bound_``
        is not defined with a log link. Which to choose: :ref:`nonneg`.
    power : float, default=1.5
        The power ``p`` of the Tweedie deviance, in the open interval (1, 2)
        (variance ``phi mu^p``; 1 would be ``"poisson"``, 2 ``"gamma"``). Read by
        ``loss="tweedie"`` only (another loss ignores it, and a change of it does
        not stop a warm start or ``partial_fit`` of another loss); kept from the
        fit, as ``loss`` is. Near the ends the loss's value loses precision
        (:ref:`docstring-measurements`): there, use ``"poisson"`` or ``"gamma"``.
    positive : "auto", bool, {"hidden", "output"} or array-like of bool, default="auto"
        Which weight layers are constrained to be >= 0: ``True`` every layer
        (the prediction is then non-decreasing in every feature unless
        ``monotonic_cst`` signs the first layer), ``False`` none, ``"hidden"``
        all but the output layer, ``"output"`` the last only, or one bool per
        weight layer. ``"auto"``: ``True`` when ``monotonic_cst`` constrains a
        feature, else ``"hidden"``. With such a ``monotonic_cst`` a value that
        leaves a later layer signed is an error, not silently changed
        (:ref:`choosing`).
    monotonic_cst : array-like of int of shape (n_features,) or dict, default=None
        Monotonic constraint per feature, as ``HistGradientBoostingRegressor``
        takes it: 1 (non-decreasing), -1 (non-increasing), 0 (free), or a dict
        (or pandas Series) ``{feature_name: -1|0|1}`` for a DataFrame with string
        column names. It signs each feature's first-layer weights; with every
        later layer non-negative every output is non-decreasing in the +1
        features and non-increasing in the -1 features, exactly
        (:ref:`choosing`).
    activation : {"logistic", "tanh", "relu", "identity"}, default="logistic"
        Activation ``f`` of the hidden units, applied to ``gain * (x @ W + b)``:
        the sigmoid, ``tanh``, ``max(t, 0)`` or the identity, all
        non-decreasing. ``activity_l1`` needs ``"logistic"`` or ``"relu"``
        (activations >= 0).
    gain : "auto", float or (float, float), default="auto"
        Gain ``lambda`` of the hidden units, ``f(lambda * (x @ W + b))``. A pair
        ``(start, end)`` is annealed over the epochs or 5 L-BFGS-B stages (full
        batch). ``"auto"``: ``(1.0, 2.0)`` for ``"logistic"`` and ``"tanh"``
        units under ``solver="lbfgsb"``, else ``1.0``
        (:ref:`docstring-measurements`).
        <<gain_range>>
    <<penalty_params>>
    <<solver_param>>
    <<training_params>>
    <<common_params>>

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape (n_in, n_out): weights of layer ``i`` (of the
        network on scaled targets, see Notes). The fitted arrays (``coefs_``,
        ``intercepts_``, ``components_``) are read-only and, with
        ``weight_constraints_``, ``monotonic_cst_`` and ``out_activation_``,
        describe the fit: a value put in their place changes nothing
        (:doc:`/reliability`, "Prediction uses what was fitted").
    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape (n_out,): biases of layer ``i``.
    components_ : ndarray of shape (n_hidden, n_features)
        First-layer weights, one row per hidden unit.
    weight_constraints_ : list of str
        ``"nonneg"``, ``"free"`` or ``"mixed"`` for each weight layer.
    monotonic_cst_ : ndarray of shape (n_features_in_,) or None
        The per-feature constraints resolved from ``monotonic_cst``; None without.
        Read-only, and as fitted: a value set since changes nothing (``coefs_``).
    activation_ : str
        Activation of the fitted hidden units, the one prediction uses.
        Read-only: computed from the fitted network.
    gain_ : float
        Gain of the hidden units at the end of training, the one prediction uses.
        Read-only: computed from the fitted network.
    lipschitz_bound_ : float
        Upper bound on the Lipschitz constant of the predictions with respect to
        the input (L2 norms): the network's (as
        ``NonNegMLPClassifier.lipschitz_bound_``) times the largest ``y_scale_``.
        It bounds that function in exact arithmetic, not the rounding of its
        computed predictions (:ref:`the regressor in detail <regressor-details>`).
        Read-only: computed from the fitted network.
    y_mean_ : ndarray of shape (n_outputs_,)
        Weighted mean of the training targets.
    y_scale_ : ndarray of shape (n_outputs_,)
        Their weighted standard deviation; 1 for a target equal on every
        weighted row, which is then predicted exactly. With a log link, the
        weighted mean (:ref:`the regressor in detail <regressor-details>`).
    n_outputs_ : int
        Number of targets.
    out_activation_ : {"identity", "exp"}
        The output function (as ``MLPRegressor`` names it): ``"exp"`` with
        ``loss="poisson"``, ``"gamma"`` or ``"tweedie"``, as fitted: a value set
        since changes nothing (``coefs_``).
    <<fit_attributes>>
    held_out_check_ : bool
        Whether this fit ran the held-out check of ``early_stopping="auto"``;
        False after ``partial_fit`` and a continuing warm start.
    held_out_gap_ : float or None
        The check's held-out squared error at the end of its run over its best,
        minus 1; None without the check.
    refit_n_iter_ : int or None
        The iterations the fit on all rows was cut to (then ``n_iter_``); None
        where it ran ``max_iter`` or no check ran.

    See Also
    --------
    NonNegMLPClassifier : The classifier on the same network.
    sklearn.neural_network.MLPRegressor : Unconstrained multi-layer perceptron.
    sklearn.ensemble.HistGradientBoostingRegressor : Trees with ``monotonic_cst``.

    Notes
    -----
    The targets are standardised with their weighted mean ``y_mean_`` and standard
    deviation ``y_scale_``, and ``predict`` undoes it: ``y = y_mean_ + y_scale_ *
    z``, an increasing affine map of each output, so monotonicity is kept. With
    hidden activations :math:`a_l = f(\lambda (a_{l-1} W_l + b_l))` for :math:`l =
    1, \dots, L - 1` (:math:`a_0 = x`; ``activation``; :math:`\lambda` the gain),
    outputs :math:`z = a_{L-1} W_L + b_L`, standardised targets :math:`t_{ik} =
    (y_{ik} - \bar{y}_k) / \sigma_k` (:math:`\bar{y}_k` = ``y_mean_[k]``,
    :math:`\sigma_k` = ``y_scale_[k]``) and sample weights :math:`s_i`,
    training minimises:

    .. math::

        & \frac{1}{2 \sum_i s_i} \sum_i s_i \|z_i - t_i\|_2^2
            + \frac{\mathrm{activity\_l1}}{\sum_i s_i} \sum_i s_i
            \sum_{l=1}^{L-1} \sum_j a_{l,ij} \\
        & + \sum_{l=1}^{L} ( \mathrm{l1}_l \|W_l\|_1 + \mathrm{l2}_l \|W_l\|_F^2 )

    subject to the sign constraints (:math:`\mathrm{l1}_l`, :math:`\mathrm{l2}_l`
    the ``l1`` and ``l2`` of layer :math:`l`; the biases are free and not
    penalised; :math:`\|z_i - t_i\|_2^2` is summed over the targets). L1 is exact
    as in :class:`NonNegMLPClassifier`, and so is what ``loss_`` counts (see its
    Notes). The first layer's L2 term is the paper's, in the inputs' own units, so
    the scaler sets its strength: ``l2`` is best chosen with the scaler in a
    ``Pipeline``. On inputs whose largest column root-mean-square is below 1e-3
    (an ``InputScaleWarning``) a fit of either solver starts with its first layer
    shrunk to an L2 penalty of at most 1 (:doc:`/reliability`, "Small inputs").

    With ``loss="poisson"``, ``"gamma"`` or ``"tweedie"`` the targets are divided
    by their weighted mean instead, :math:`t_{ik} = y_{ik} / \bar{y}_k`, the data
    term is half the deviance of the mean :math:`\mu = e^z`, summed over the
    targets, and ``predict`` returns ``y_mean_ exp(z)`` through an ``exp`` that is
    monotone as computed. Half the Poisson, Gamma and Tweedie (power :math:`p` =
    ``power``) deviances:

    .. math::

        \frac{1}{\sum_i s_i} \sum_i s_i \sum_k
            ( t_{ik} \log(t_{ik} / \mu_{ik}) - t_{ik} + \mu_{ik} )

    .. math::

        \frac{1}{\sum_i s_i} \sum_i s_i \sum_k
            ( \log(\mu_{ik} / t_{ik}) + t_{ik} / \mu_{ik} - 1 )

    .. math::

        \frac{1}{\sum_i s_i} \sum_i s_i \sum_k
            ( \frac{t_{ik}^{2-p}}{(1-p)(2-p)} - \frac{t_{ik} \mu_{ik}^{1-p}}{1-p}
            + \frac{\mu_{ik}^{2-p}}{2-p} )

    So that they stay finite, their exponentials continue by their tangents
    where they grow past :math:`|z| = 50` (Poisson's ``exp(z)`` above 50,
    Gamma's ``exp(-z)`` below -50, Tweedie's two each at its own end), a
    target more than ``exp(50) / 100`` times its weighted mean is
    refused, and a prediction beyond float64's range is refused with a
    ``ValueError``, never returned as inf
    (:ref:`the regressor in detail <regressor-details>`).

    Below 10,000 rows the default stops a fit that over-fits held-out rows
    (:ref:`choosing`, "Small, noisy regression data").

    A fit no better than predicting the mean (training R^2, or D^2 for the
    deviances, at most 0.01) raises a ``DegenerateFitWarning``; ``score`` and
    ``scoring=None`` stay R^2, as ``MLPRegressor``'s. Why ``monotonic_cst``
    holds: :ref:`choosing`.

    References
    ----------
    J. Chorowski and J. M. Zurada, "Learning understandable neural networks with
    nonnegative weight constraints", IEEE TNNLS 26(1), 2015.

    Examples
    --------
    >>> import numpy as np
    >>> from sknonneg import NonNegMLPRegressor
    >>> rng = np.random.RandomState(0)
    >>> X = rng.uniform(size=(200, 3))
    >>> y = 2 * X[:, 0] - X[:, 1] + np.sin(6 * X[:, 2])
    >>> reg = NonNegMLPRegressor(hidden_layer_sizes=10, positive=True,
    ...                          monotonic_cst=[1, -1, 0], max_iter=100,
    ...                          random_state=0).fit(X, y)
    >>> reg.monotonic_cst_
    array([ 1, -1,  0], dtype=int8)
    >>> bool(reg.score(X, y) > 0.9)
    True

    Non-negative amounts with exact zeros, increasing in the first feature:

    >>> amounts = rng.poisson(np.exp(X[:, 0])) * rng.gamma(2.0, 1.0, size=200)
    >>> tweedie = NonNegMLPRegressor(hidden_layer_sizes=5, loss="tweedie",
    ...                              power=1.5, monotonic_cst=[1, 0, 0], l2=1e-2,
    ...                              max_iter=100, random_state=0).fit(X, amounts)
    >>> bool(np.all(tweedie.predict(X) > 0))
    True
    """

    _parameter_constraints = {
        **TrainableNetwork._parameter_constraints,
        "positive": ["boolean", StrOptions({"auto", "hidden", "output"}), list, tuple,
                     np.ndarray],
        "loss": [StrOptions({"squared_error", "poisson", "gamma", "tweedie"})],
        "power": [Interval(Real, 1, 2, closed="neither")],
        "monotonic_cst": ["array-like", dict, None],
        "activation": [StrOptions(set(_activations.DENSE))],
        "gain": [Interval(Real, *GAIN_RANGE, closed="both"), tuple, list, np.ndarray,
                 StrOptions({"auto"})],
        "activity_l1": [Interval(Real, 0, PENALTY_MAX, closed="both")],
    }

    # ``activation`` is read by prediction through the fitted layers; kept from the
    # fit, so a partial_fit cannot continue with another.
    # ``loss`` too: prediction applies its inverse link; ``power``, the Tweedie
    # loss's, which the D^2 diagnostics and a later partial_fit read.
    _FITTED_PARAMS = (*TrainableNetwork._FITTED_PARAMS, "activation", "loss", "power")
    _LAYOUT_PARAMS = ("hidden_layer_sizes", "positive", "monotonic_cst", "l1")

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        loss="squared_error",
        power=1.5,
        positive="auto",
        monotonic_cst=None,
        activation="logistic",
        gain="auto",
        l1=0.0,
        l2=1e-4,
        activity_l1=0.0,
        solver="lbfgsb",
        batch_size=None,
        max_iter=200,
        tol=1e-5,
        steps_per_batch=3,
        learning_rate_init=1e-3,
        learning_rate="constant",
        early_stopping="auto",
        scoring="loss",
        validation_fraction=0.1,
        n_iter_no_change=10,
        dtype="float64",
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.loss = loss
        self.power = power
        self.positive = positive
        self.monotonic_cst = monotonic_cst
        self.activation = activation
        self.gain = gain
        self.l1 = l1
        self.l2 = l2
        self.activity_l1 = activity_l1
        self.solver = solver
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.steps_per_batch = steps_per_batch
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.scoring = scoring
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.dtype = dtype
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # The network: DenseNetworkMixin's hooks, shared with NonNegMLPClassifier.
    def _positive_layers(self, n_layers):
        # "auto": every layer >= 0 under monotonic_cst (the guarantee needs every
        # layer after the first non-negative; monotonic_cst signs the first), a
        # signed output layer otherwise (the network can then fit y = -x).
        if isinstance(self.positive, str) and self.positive == "auto":
            if has_constraint(self.monotonic_cst):
                return [True] * n_layers
            return [True] * (n_layers - 1) + [False]
        return super()._positive_layers(n_layers)

    # The classifier's penalty in column units (its Notes) is not used here: on
    # Auto MPG (standardised inputs, 10 splits, l2 by inner CV) it raised the
    # monotone network's test MSE from 7.57 to 8.25 (doc/defaults.md, f6f9f38:
    # benchmarks/results/monotone_tabular_autompg_units.md).
    _column_unit_penalty = False
    _candidate_class = _CandidateRegressor  # early stopping's scorers

    def _output_type(self):
        # ``loss`` as fitted (``_FITTED_PARAMS``), as set before the first fit.
        return self._fitted_param("loss")

    def _loss(self):
        """The ``Loss`` of the fitted ``loss``; with ``"tweedie"``, built with the
        fitted ``power`` (``_FITTED_PARAMS``; before a fit, the one set), never a
        value set since, nor the loss's default."""
        name = self._output_type()
        if name == "tweedie":
            return HalfTweedieDeviance(power=self._fitted_param("power"))
        return get_loss(name)

    def _changed_fitted_params(self):
        # ``power`` is read by the Tweedie loss only: a change of it is no change
        # of a model fitted, and continued, with another loss (a partial_fit or a
        # warm start goes on), as HistGradientBoostingRegressor's ``quantile`` is
        # read by loss="quantile" only.
        changed = super()._changed_fitted_params()
        if "power" in changed and "tweedie" not in (self._output_type(), self.loss):
            changed.remove("power")
        return changed

    def _fitted_out_activation(self):
        # The output function of the fitted loss (BaseNetwork).
        return self._loss().out_activation

    def _expected_out_activation(self, layout, fail):
        # The output function of a loaded regressor (BaseNetwork): the fitted one.
        return self._fitted_out_activation()

    def __setstate__(self, state):
        # Saved before ``loss`` existed: fitted with the squared error, which its
        # snapshot of the fitted parameters must say too (prediction reads it
        # there, so that a later set_params(loss=...) cannot change predict).
        if "loss" not in state:
            state = {**state, "loss": "squared_error"}
        fitted = state.get("_fitted_params")
        if isinstance(fitted, dict) and "loss" not in fitted:
            state = {**state, "_fitted_params": {**fitted, "loss": "squared_error"}}
        # Saved before ``power`` existed (and "tweedie" with it): fitted with
        # another loss, which does not read it; the default.
        if "power" not in state:
            state = {**state, "power": 1.5}
        fitted = state.get("_fitted_params")
        if isinstance(fitted, dict) and "power" not in fitted:
            state = {**state, "_fitted_params": {**fitted, "power": 1.5}}
        super().__setstate__(state)

    def _monotone_output(self):
        return None, None

    def _check_fitted_state(self, fail):
        # A loss that scales by the mean fitted y / y_mean_ and predicts
        # y_scale_ exp(z): a loaded model whose two differ (a file edited by hand)
        # is not one that was fitted, and its warm start or score would read
        # y_mean_. Before, it loaded.
        super()._check_fitted_state(fail)
        if (hasattr(self, "_theta") and self._scales_by_mean()
                and not np.array_equal(self.y_mean_, self.y_scale_)):
            fail(f"its y_mean_ {self.y_mean_!r} is not its y_scale_ "
                 f"{self.y_scale_!r}, which loss={self._output_type()!r} fits "
                 f"and predicts with")

    # ----------------------------------------------------------------- targets
    def _encode_targets(self, y, classes=None, first_batch=False):
        """Standardised targets (weighted by the fit's sample weights); sets
        ``n_outputs_``, ``y_mean_``, ``y_scale_``, ``out_activation_``. The
        scaling reads the rows of positive weight only, the rows that are fitted
        (``_weighted_rows`` drops the others; their targets are not checked):
        before, a row of weight 0 whose target was 1e200 refused the fit, and a
        smaller one changed the rounding of ``y_scale_``."""
        self._y_ndim = np.ndim(y)
        self.out_activation_ = self._loss().out_activation
        y = _target_matrix(y)
        try:
            given = check_sample_weight(self._fit_weights, y, dtype=np.float64)
            # Relative weights (the largest 1): the same averages, no overflow.
            weights = check_positive_weights(given)
        except ValueError:
            # The weight check reports it next (not the scale of targets that
            # the weights may have excluded): a scaling of all rows, unchecked.
            with np.errstate(all="ignore"):
                self._scale_targets(y, np.ones(y.shape[0]))
                return self._standardised(y)
        positive = weights > 0
        fitted = y
        if not positive.all():
            fitted, weights, given = y[positive], weights[positive], given[positive]
        check_target_scale(fitted)
        if first_batch:
            # A negative target is refused as such; a batch the loss cannot scale
            # by (all 0 under the Poisson deviance) with the advice that the
            # first batch's scaling is kept.
            self._loss().check_target_values(fitted, whole=False)
            try:
                self._loss().check_target_values(fitted)
            except ValueError as exc:
                raise ValueError(
                    f"{exc} The first partial_fit batch sets the scaling y_mean_ "
                    f"that every later batch keeps: start with a batch whose "
                    f"targets are not all 0, or call fit first.") from None
        else:
            self._loss().check_target_values(fitted)
        peak, scale = self._scale_targets(fitted, weights)
        self._check_weighted_scale(peak, scale, given, fitted.shape[0])
        if self._scales_by_mean():
            self._check_smallest_scaled_target(fitted)
        return self._standardised(y)

    def _check_whole_targets(self, y):
        """A warm fit is a fit: its targets on the rows of positive weight must be
        values the loss takes over a whole data set, as a fresh fit's must (with
        ``loss="poisson"``, not all 0). Before, a warm fit on all-zero counts was
        accepted and drove every prediction toward 0, which a fresh fit refuses.
        Weights that the weight check refuses are left to it."""
        try:
            weights = check_sample_weight(self._fit_weights, y, dtype=np.float64)
        except ValueError:
            return
        fitted = _target_matrix(y)[weights > 0]
        if fitted.shape[0]:
            self._loss().check_target_values(fitted)

    def _scales_by_mean(self):
        """Whether the loss scales the targets by their mean (``y / y_mean_``, the
        Poisson deviance's) rather than standardising them."""
        return self._loss().target_scaling == "mean"

    def _scale_targets(self, fitted, weights):
        """Sets ``n_outputs_``, ``y_mean_`` and ``y_scale_`` from the targets
        ``fitted`` of the rows of positive ``weights``; returns ``(peak, scale)``:
        each target's largest deviation from its mean, and ``y_scale_`` (under a
        loss that scales by the mean: each target's largest value and its mean,
        ``y_scale_ = y_mean_``)."""
        mean = np.average(fitted, axis=0, weights=weights)
        # A target equal on every weighted row is that value exactly: the rounding
        # of its average (0.1 x 569 rows averages to 0.1 - 1.4e-17) would become a
        # spread of 1e-17, standardised to +-1.
        constant = np.all(fitted == fitted[:1], axis=0)
        mean[constant] = fitted[0, constant]
        self.n_outputs_ = fitted.shape[1]
        if self._scales_by_mean():
            # Targets >= 0 of positive weighted mean (Loss.check_target_values): y /
            # y_mean_ keeps them >= 0, a constant one is exactly 1.
            self.y_mean_, self.y_scale_ = mean, mean.copy()
            return np.max(fitted, axis=0, initial=0.0), self.y_scale_
        # The deviations in units of the largest one: their squares cannot
        # underflow (a target of scale 1e-300 was taken for a constant).
        deviations = fitted - mean
        peak = np.max(np.abs(deviations), axis=0, initial=0.0)
        unit = np.where(peak > 0, peak, 1.0)
        scale = peak * np.sqrt(np.average((deviations / unit) ** 2, axis=0,
                                          weights=weights))
        # A target that varies but whose standard deviation rounds to 0 (values
        # near float64's smallest number, 5e-324; or nearly all of the weight on
        # one value): its largest deviation, in the units of y. Before: 1, and
        # targets 0 and 5e-324 were fitted in units of 1 (predictions of +-0.4).
        rounded = ~(scale > 0) & (peak > 0)
        scale[rounded] = peak[rounded]
        scale[~(scale > 0) | constant] = 1.0
        self.y_mean_, self.y_scale_ = mean, scale
        return peak, scale

    def _check_weighted_scale(self, peak, scale, weights, n_rows):
        """``ValueError`` if the scaling just computed from the fit's own targets
        (``peak``: each target's largest deviation from its weighted mean,
        ``scale``: its weighted standard deviation, over the ``n_rows`` rows of
        positive ``weights``, as given) puts a row so many ``y_scale_`` from
        ``y_mean_`` that its squared error overflows the compute dtype. With equal
        weights no row is more than ``sqrt(n_rows)`` standard deviations away;
        only weights that leave (nearly) all of the weight on rows of one target
        value get there. Before, this was refused by the check of later batches,
        whose message blamed y and a scaling fixed by an earlier fit."""
        dtype = self._compute_dtype or np.float64
        limit = (self._largest_scaled_target() if self._scales_by_mean()
                 else squared_errors_limit(n_rows, dtype))
        with np.errstate(over="ignore", divide="ignore"):  # inf: refused below
            ratios = peak / scale
        worst = int(np.argmax(ratios))
        if not ratios[worst] > limit:
            return
        with np.errstate(over="ignore"):
            ratio = float(weights.max() / weights.min())
        ratio = f"{ratio:.3g}" if np.isfinite(ratio) else "more than 1.8e308"
        if self._scales_by_mean():
            # The cause: a mean below float64's normal range (rounded, or 0), or
            # weights that leave the mean to rows of small targets.
            rounded = not bool(scale[worst] >= np.finfo(np.float64).tiny)
            raise ValueError(
                f"y's largest value is {ratios[worst]:.3g} times its weighted mean "
                f"y_mean_" + (f" (target {worst})" if scale.shape[0] > 1 else "")
                + (": its mean is so small that it rounds (targets near float64's "
                   "smallest numbers)" if rounded else
                   f": sample_weight puts nearly all of the weight on rows of small "
                   f"targets (its largest weight is {ratio} times its smallest "
                   f"positive one)")
                + f". loss={self._output_type()!r} fits a row up to {limit:.3g} "
                f"times the mean (the logarithm of that ratio stays below the cap "
                f"of the exp link's exact range). "
                + ("Scale y up." if rounded else
                   "Give the rows weights of closer magnitudes, or drop the rows of "
                   "negligible weight."))
        raise ValueError(
            f"The weighted standard deviation of y is nearly 0 (y_scale_="
            f"{scale[worst]:.3g}"
            + (f" for target {worst}" if scale.shape[0] > 1 else "")
            + f"): sample_weight puts nearly all of the weight on rows of one "
            f"target value (its largest weight is {ratio} times its smallest "
            f"positive one). The other rows lie up to {ratios[worst]:.3g} times "
            f"y_scale_ from the weighted mean y_mean_, and their squared errors "
            f"overflow {np.dtype(dtype).name} (at most {limit:.3g} is supported). "
            f"Give the rows weights of closer magnitudes, or drop the rows of "
            f"negligible weight.")

    def _check_smallest_scaled_target(self, y):
        """``ValueError`` if a target of the rows ``y`` (of positive weight) that
        just set ``y_mean_`` is below the loss's ``min_scaled_target`` times it
        (the Gamma deviance's: a row's optimum ``log(y / y_mean_)`` stays above
        the range where the loss's ``exp(-z)`` is exact); a later batch is checked
        by ``_check_later_scaled_targets``. Weights are not named: a weighted mean
        is at most the largest target, so only targets spanning more than ``1 /
        min_scaled_target`` are refused, whatever the weights."""
        limit = self._loss().min_scaled_target
        if limit is None or not y.shape[0]:
            return
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            ratios = np.min(y, axis=0) / self.y_scale_
        worst = int(np.argmin(ratios))
        if ratios[worst] >= limit:
            return
        which = f" (target {worst})" if ratios.shape[0] > 1 else ""
        raise ValueError(
            f"y's smallest value is {ratios[worst]:.3g} times its weighted mean "
            f"y_mean_{which}. loss={self._output_type()!r} fits a row down to "
            f"{limit:.3g} times the mean (the logarithm of that ratio stays above "
            f"the range where the loss's exp(-z) is exact). Drop the rows of such "
            f"small targets, or fit log(y) with loss='squared_error'.")

    def _check_later_scaled_targets(self, y):
        """``ValueError`` if a later batch's targets ``y`` (rows of positive
        weight), divided by the ``y_mean_`` an earlier fit fixed, leave the range
        the loss fits, ``[min_scaled_target, _largest_scaled_target()]``, at
        either end (one check and one message for both)."""
        low = self._loss().min_scaled_target or 0.0
        high = self._largest_scaled_target()
        if not y.shape[0]:
            return
        with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
            ratios = y / self.y_scale_
        for word, value, limit, bad in (
                ("up", ratios.max(), high, not ratios.max() <= high),
                ("down", ratios.min(), low, ratios.min() < low)):
            if bad:
                raise ValueError(
                    f"y is {word} to {value:.3g} times y_mean_, the scaling that the "
                    f"first fit (or first call to partial_fit) fixed; "
                    f"loss={self._output_type()!r} fits a row {word} to {limit:.3g} "
                    f"times it (dtype="
                    f"{np.dtype(self._compute_dtype or np.float64).name}). Give "
                    f"every batch targets of one scale, or start anew (fit with "
                    f"warm_start=False).")

    def _largest_scaled_target(self):
        """The largest ``y / y_mean_`` that a loss scaling by the mean takes in
        the compute dtype (its ``largest_scaled_target``: for the Poisson
        deviance, a row's optimum ``log(y / y_mean_)`` stays below the cap of the
        exact exp link); else no limit."""
        limit = self._loss().largest_scaled_target(self._compute_dtype or np.float64)
        return np.inf if limit is None else limit

    def _init_output(self, layout, theta, X, targets, sample_weight):
        """The initial network with the output units of targets that are equal on
        every weighted training row zeroed (weights and bias): each predicts its
        constant ``y_mean_`` exactly (scaled, 0 when standardised and 1 when
        divided by the mean, which an output of 0 gives through ``exp``), and
        keeps it, its residuals and hence its gradients being 0 (a random start
        was still 0.07 off after 200 L-BFGS-B iterations)."""
        theta = super()._init_output(layout, theta, X, targets, sample_weight)
        kept = targets if sample_weight is None else targets[sample_weight > 0]
        # The scaled value of a constant target (0 standardised, 1 divided by its
        # mean): on the rows fitted here, which early stopping's split may have
        # left constant where the whole target is not; such an output is not
        # zeroed (its value is not the scaled constant).
        constant = np.all(kept == (1.0 if self._scales_by_mean() else 0.0), axis=0)
        if not np.any(constant):
            return theta
        coefs, intercepts = layout.arrays(theta)  # lists of new arrays
        coefs[-1][:, constant] = 0.0
        intercepts[-1][constant] = 0.0
        return layout.pack(coefs, intercepts)

    def _transform_targets(self, y):
        y = _target_matrix(y)
        if y.shape[1] != self.n_outputs_:
            raise ValueError(f"y has {y.shape[1]} targets; the regressor was fitted "
                             f"with {self.n_outputs_}.")
        return self._standardised(y)

    def _standardised(self, y):
        # The targets of rows of weight 0, whose scale is not checked, may
        # overflow: those rows are dropped (the others are checked).
        with np.errstate(over="ignore"):
            if self._scales_by_mean():
                return np.ascontiguousarray(y / self.y_scale_), None
            return np.ascontiguousarray((y - self.y_mean_) / self.y_scale_), None

    def _sample_weight(self, X, y, sample_weight):
        sample_weight = check_sample_weight(sample_weight, X, dtype=np.float64)
        sample_weight = check_positive_weights(sample_weight)
        # In fit (``_fit_weights`` set), fresh or warm, the loss checked the values
        # of these rows as a whole data set's already (``_encode_targets``,
        # ``_check_whole_targets``): a later batch's check would find nothing more
        # (before, a warm fit ran both).
        self._check_standardised_targets(y, sample_weight,
                                         values=not hasattr(self, "_fit_weights"))
        return sample_weight

    def _check_standardised_targets(self, y, sample_weight, values=True):
        """``ValueError`` if the targets of the rows of positive weight, standardised
        with the fitted ``y_mean_`` and ``y_scale_``, overflow the squared errors in
        the compute dtype. A later batch (partial_fit, warm start) keeps the first
        fit's scaling: targets 1e30 times that scale overflowed float32 (a
        RuntimeWarning, a loss of 4.8e60 and predictions that stayed near the first
        batch's) and were refused in float64 as "the parameters overflowed", which
        did not name the targets. Rows of weight 0 are not fitted: not checked.
        ``values``: whether the loss checks the values (as a later batch's,
        ``check_target_values(y, whole=False)``); False where a whole data set's
        check of the same rows passed, which implies it."""
        # y was validated (_target_matrix) when it was encoded.
        y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)[sample_weight > 0]
        check_target_scale(y)
        if self._scales_by_mean():
            if values:
                self._loss().check_target_values(y, whole=False)
            self._check_later_scaled_targets(y)
            return
        with np.errstate(over="ignore"):  # inf: refused below
            largest = largest_magnitude((y - self.y_mean_) / self.y_scale_)
        dtype = self._compute_dtype or np.float64
        limit = squared_errors_limit(y.shape[0], dtype)
        if largest is not None and not largest <= limit:
            raise ValueError(
                f"y's deviations from the fitted y_mean_ are up to {largest:.3g} times "
                f"y_scale_, the scaling that the first fit (or first call to "
                f"partial_fit) fixed: their squared errors overflow "
                f"{np.dtype(dtype).name} (at most {limit:.3g} is supported). Give "
                f"every batch targets of one scale, or start anew (fit with "
                f"warm_start=False).")

    def _predict_from_logits(self, logits):
        if self._scales_by_mean():
            # y_scale_ exp(z): in the units of y, the link's inverse undone. Finite
            # logits (checked) can still give a mean beyond float64: refused.
            with np.errstate(over="ignore"):
                y = check_finite_output(self._loss().inverse_link(logits)
                                        * self.y_scale_)
        else:
            y = np.asarray(logits, dtype=np.float64) * self.y_scale_ + self.y_mean_
        return y.ravel() if self._y_ndim == 1 else y

    def _validation_score(self, theta, gain, X_val, y_val, sample_weight=None):
        """R^2 on held-out data of the network ``theta`` at ``gain``."""
        return self._r2(y_val, self._predict_from_logits(
            self._logits_at(theta, gain, X_val)), sample_weight)

    def _r2(self, y, y_pred, sample_weight=None):
        """R^2 of ``y_pred`` for ``y``, both mapped to unit scale first
        (``_unit_scale``): an affine map of both leaves R^2 unchanged, and the sums
        of squares of a target of scale 1e-300 no longer underflow (scikit-learn's
        ``r2_score`` gave 1.0 there, whatever the predictions), nor those of one
        far above the fitted scale overflow. An output constant
        on the rows of nonzero weight is decided on the raw ``y`` and scored as
        ``r2_score`` scores a constant target (1.0 if predicted exactly, else 0.0):
        standardised, its weighted mean is rounded, and R^2 was its residuals over
        a sum of squares of rounding errors (-1e31). The weights are divided by
        their largest (``scale_score_weights``)."""
        sample_weight = scale_score_weights(sample_weight)
        try:
            columns = [np.asarray(a, dtype=np.float64) for a in (y, y_pred)]
        except (TypeError, ValueError):
            columns = []
        columns = [c[:, None] if c.ndim == 1 else c for c in columns if c.ndim in (1, 2)]
        if (len(columns) != 2 or columns[0].shape != columns[1].shape
                or columns[0].shape[1] != self.n_outputs_):
            # Not 1-d or 2-d arrays of numbers, of as many rows and of the fitted
            # outputs (a scalar, 3 dimensions, another number of outputs):
            # scikit-learn's own error. Before, a y of 3 dimensions was flattened.
            return r2_score(y, y_pred, sample_weight=sample_weight)
        y, y_pred = columns
        rows = slice(None)
        if sample_weight is not None and np.shape(sample_weight) == y.shape[:1]:
            rows = np.asarray(sample_weight) != 0  # else r2_score's error below
        finite = bool(np.all(np.isfinite(y)) and np.all(np.isfinite(y_pred)))
        if (finite and not isinstance(rows, slice) and not rows.all()
                and np.count_nonzero(rows) > 1):  # (r2_score needs 2 rows)
            # Rows of weight 0 add nothing to R^2 (nor are they fitted): left out,
            # so that their values do not set the unit scale. Before, one such row
            # predicted at 1e200 scaled the others' spread to 0, and R^2 was -inf
            # (r2_score: NaN). A NaN or inf in them still gets r2_score's error.
            y, y_pred = y[rows], y_pred[rows]
            sample_weight = np.asarray(sample_weight)[rows]
            rows = slice(None)
        # (Finite predictions too: NaN or inf ones get r2_score's own error.)
        constant = (np.all(y[rows] == y[rows][:1], axis=0)
                    & np.all(np.isfinite(y), axis=0)
                    & np.all(np.isfinite(y_pred), axis=0))
        if finite:
            y_std, pred_std = _unit_scale(y, y_pred, sample_weight)
        else:  # r2_score's own error on NaN or inf
            y_std, pred_std = y.copy(), y_pred.copy()
        # A constant output as r2_score sees a constant target, without its rounded
        # mean: 0 everywhere, predicted with an error of 1 where not exactly.
        y_std[:, constant] = 0.0
        pred_std[:, constant] = (y_pred != y)[:, constant]
        with np.errstate(over="ignore", under="ignore", divide="ignore"):
            scores = r2_score(y_std, pred_std, sample_weight=sample_weight,
                              multioutput="raw_values")
            # An output that varies, but by less than 1e-162 of its predictions'
            # errors (y of 1e-300 predicted at 1): its sum of squares underflows to
            # 0, and r2_score would score it as a constant target, 0.0. Its R^2 is
            # below -1e308: -inf, as r2_score gives where the ratio overflows.
            # Proven only where the weights are >= 0 (at most 1, scaled) and the
            # residuals' sum is large enough: each term of a spread that rounds to
            # 0 is below 2.5e-324, so the spread is below n 2.5e-324, and residuals
            # above n 5e-16 put R^2 below -2e308. Else (a spread that underflows
            # through a weight of 1e-320, predictions exact: before, -inf)
            # r2_score's value stands.
            w = 1.0 if sample_weight is None else np.asarray(sample_weight, float)
            w = np.reshape(w, (-1, 1))
            centred = y_std - np.average(y_std, axis=0, weights=sample_weight)
            spread = (w * centred ** 2).sum(axis=0)
            residual = (w * (pred_std - y_std) ** 2).sum(axis=0)
        below = (~constant & (spread == 0) & (residual > 5e-16 * y.shape[0])
                 & bool(np.all(w >= 0)))
        scores = np.where(below, -np.inf, scores)
        return float(np.mean(scores))  # r2_score's uniform average over the outputs

    def score(self, X, y, sample_weight=None):
        """Return the coefficient of determination R^2 of the predictions.

        As ``RegressorMixin.score`` (scikit-learn's ``r2_score``), computed on the
        targets and predictions of each output brought to unit scale and centred on
        the mean of its ``y`` (the same value up to rounding: R^2 is unchanged by an
        affine map of the targets and the predictions alike), so that its sums of
        squares neither underflow for targets of scale below 1e-154 nor overflow
        for targets far above the training targets' scale, and targets far below
        it keep their spread. An R^2 below float64's range is ``-inf``. Rows of
        ``sample_weight`` 0, which add nothing to R^2, are left out of that
        scaling (their values must still be finite). An output
        of ``y`` that is constant on the rows
        of nonzero weight (decided on ``y`` as given) scores as ``r2_score``
        scores a constant target: 1.0 if it is predicted exactly on those rows,
        else 0.0 (``r2_score`` itself rounds the mean of a constant such as 0.1,
        and can give -1e29 there); the scores of several outputs are averaged
        uniformly. The sample weights are divided by their largest, which leaves
        R^2 unchanged: uniform weights of any size (1e307, 5e-324) give the
        unweighted score.

        With ``loss="poisson"``, ``"gamma"`` or ``"tweedie"`` it is R^2 too, as
        ``MLPRegressor(loss="poisson")`` and ``HistGradientBoostingRegressor``
        score theirs, not the D^2 (share of the deviance explained) that
        ``PoissonRegressor``, ``GammaRegressor`` and ``TweedieRegressor`` return:
        for D^2, ``sklearn.metrics.d2_tweedie_score(y, reg.predict(X),
        power=p)`` (``p`` 1 for Poisson, 2 for Gamma, ``power`` for Tweedie), or
        ``make_scorer(d2_tweedie_score, power=p)`` as ``scoring`` of a search.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_outputs)
            True values for ``X`` (a sparse matrix is densified, as :meth:`fit`
            takes it).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            R^2 of ``self.predict(X)`` against ``y`` (uniform average over the
            outputs).
        """
        if sp.issparse(y):
            # As fit reads it. Before: np.asarray of the sparse matrix, "setting
            # an array element with a sequence".
            check_sparse_structure(y, name="y")
            y = y.toarray()
        return self._r2(y, self.predict(X), sample_weight)

    # ------------------------------------------------------ the held-out check
    #: The losses whose fits ``early_stopping="auto"`` checks on held-out rows.
    _held_out_check_losses = ("squared_error",)
    #: The losses whose fits ``early_stopping="auto"`` stops early below
    #: ``_AUTO_EARLY_STOPPING_ROWS`` rows too (full-batch L-BFGS-B).
    _small_early_stopping_losses = ("poisson", "gamma", "tweedie")
    #: The fewest rows (of positive weight) such a fit stops early on: the rounds
    #: that measured it fitted 160 rows and more; on 60 rows its 6 held-out rows
    #: picked an iteration whose predictions sat at their own mean (training D^2
    #: -0.21 against 0.00 for the full fit, tests/test_small_input_start.py).
    _small_early_stopping_min_rows = 150

    def _small_auto_rows(self, losses, n):
        """The rows ``early_stopping="auto"`` holds out of a fit of ``n`` rows (of
        positive weight) with one of ``losses`` under L-BFGS-B on full batches, up
        to ``_AUTO_EARLY_STOPPING_ROWS`` rows: None where it does not apply (another
        ``early_stopping``, loss or solver, mini-batches, more rows, or fewer than
        2 rows to hold out or to train on). The one gate of the held-out check and
        of the log-link losses' early stopping."""
        if not (isinstance(self.early_stopping, str)
                and self.loss in losses
                and self.solver in ("lbfgsb", "lbfgs")
                and self._batch_size_param() is None
                and n <= _AUTO_EARLY_STOPPING_ROWS):
            return None
        n_val = math.ceil(self.validation_fraction * n)
        return n_val if n_val >= 2 and n - n_val >= 2 else None

    def _do_early_stopping(self, n_samples):
        """``early_stopping`` resolved: as the classifier's, and with a log-link
        loss ``"auto"`` holds data out from 150 to ``_AUTO_EARLY_STOPPING_ROWS``
        rows as well, under L-BFGS-B on full batches, where
        ``validation_fraction`` leaves at least 2 rows on each side
        (doc/defaults.md, seventeenth round: the full schedule over-fits small
        noisy counts and amounts)."""
        if (n_samples >= self._small_early_stopping_min_rows
                and self._small_auto_rows(self._small_early_stopping_losses,
                                          n_samples) is not None):
            return True
        # Otherwise "auto" below _AUTO_EARLY_STOPPING_ROWS rows is False there.
        return super()._do_early_stopping(n_samples)

    def _held_out_check_rows(self, X, sample_weight):
        """The held-out rows of the check that ``early_stopping="auto"`` runs below
        ``_AUTO_EARLY_STOPPING_ROWS`` rows (of positive weight): None where it does
        not run (``_small_auto_rows``, or a warm start that continues the fitted
        network)."""
        if self.loss not in self._held_out_check_losses or self._warm_start_fitted():
            return None
        try:
            n = _own_num_samples(X)
        except TypeError:
            return None  # fit refuses it
        if sample_weight is not None:
            w = np.asarray(sample_weight)
            if w.ndim == 1 and w.shape[0] == n and w.dtype.kind in "biuf":
                n = int(np.count_nonzero(w > 0))
        return self._small_auto_rows(self._held_out_check_losses, n)

    def _held_out_check(self, X, y, sample_weight):
        """``(n_val, validation_scores_, iterations per stage)`` of the check: a
        fit that holds ``validation_fraction`` of the rows out, from the start the
        fit on all rows has (the same draws of ``random_state``), and runs the
        whole schedule (no stall rule) scoring the held-out squared error after
        every iteration; its warnings are not shown (the fit on all rows raises
        its own). None where it does not run, or where it fails (the fit on all
        rows then runs as without it, and raises its own error)."""
        n_val = self._held_out_check_rows(X, sample_weight)
        if n_val is None:
            return None
        check = clone(self)
        if self.random_state is None:
            # NumPy's global RandomState: the check draws from a copy, so that the
            # fit after it starts from the same state.
            check.random_state = copy.deepcopy(check_random_state(None))
        check.set_params(early_stopping=True, n_iter_no_change=self.max_iter + 1,
                         scoring="loss", verbose=0, warm_start=False)
        check._stage_log = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                check.fit(X, y, sample_weight)
        except Exception:
            return None
        return n_val, list(check.validation_scores_), list(check._stage_log)

    def _fit(self, X, y, sample_weight=None):
        """``fit``; with ``early_stopping="auto"`` below 10,000 rows, after the
        held-out check (Notes, "Over-fitting on small data"). The parameters are
        validated first: the check reads some of them, and an invalid one would
        otherwise cost a check fit before the fit refuses it."""
        self._validate_params()
        check = self._held_out_check(X, y, sample_weight)
        plan = gap = None
        if check is not None:
            n_val, scores, stages = check
            best_iter, gap = _overfit_gap(scores)
            if gap > math.sqrt(2.0 / n_val):
                plan = _refit_plan(stages, best_iter,
                                   1.0 / (1.0 - self.validation_fraction),
                                   self.max_iter)
            self._log(
                f"held-out check on {n_val} rows: best iteration {best_iter}, "
                f"over-fit {gap:.3g} (margin {math.sqrt(2.0 / n_val):.3g}): "
                + (f"fit on all rows for {sum(plan)} iterations." if plan is not None
                   else "fit on all rows for max_iter iterations."))
        self._stage_plan = plan
        try:
            super()._fit(X, y, sample_weight)
        except KeyboardInterrupt:
            self._set_held_out_check(check, gap, plan)
            raise
        finally:
            self.__dict__.pop("_stage_plan", None)
        self._set_held_out_check(check, gap, plan)
        return self

    def _set_held_out_check(self, check, gap, plan):
        self.held_out_check_ = check is not None
        self.held_out_gap_ = gap
        self.refit_n_iter_ = None if plan is None else int(sum(plan))

    # --------------------------------------------------------------- fitting
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse input is used as CSR and never densified.
        y : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_outputs)
            Target values (a sparse matrix is densified).
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the loss (the mean squared error, Poisson,
            Gamma or Tweedie deviance), the target scaling and
            the activation penalty. A row of weight 0 is dropped once the input is
            validated (its values must be finite, as every row's): the fit is the
            fit without that row.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._fit_weights = sample_weight
        try:
            return self._fit(X, y, sample_weight)
        finally:
            del self._fit_weights

    def partial_fit(self, X, y, sample_weight=None):
        """Update the network with one batch of data.

        On the first call the target scaling (``y_mean_``, ``y_scale_``) is
        taken from this batch and kept by the later ones: a first batch whose
        targets are constant (one row, say) leaves them unscaled, and warns
        (with ``loss="poisson"``, ``"gamma"`` or ``"tweedie"`` it divides them by
        that constant,
        without a warning; a first batch whose targets are all 0 is refused,
        having no mean to scale by; with ``"gamma"`` every batch's targets must
        be > 0).
        The gain follows its schedule over ``max_iter`` calls; after ``fit`` it
        stays at the end of that fit's schedule, whatever ``max_iter`` and
        ``solver`` are set to since: the gain the fit ended with (``gain_``) under
        ``gain="auto"``, as a warm start goes on, the end value of an explicit
        gain otherwise.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The batch.
        y : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_outputs)
            Its targets (a sparse matrix is densified, as in :meth:`fit`).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights of the batch; its rows of weight 0 are dropped, as in
            :meth:`fit`.

        Returns
        -------
        self : object
            The updated estimator.
        """
        # One that raises leaves the estimator as it was (before, a first call
        # refused on its weights left y_mean_, n_outputs_ ... behind).
        self._partial_fit_keeping_state(self._partial_fit_step, X, y, sample_weight)
        self._set_held_out_check(None, None, None)  # partial_fit runs no check
        return self

    def _first_batch_targets(self, y, sample_weight, classes):
        """The first ``partial_fit`` batch sets the target scaling (weighted as
        ``fit``'s), and warns where its targets are constant."""
        self._fit_weights = sample_weight
        try:
            targets, strata = self._encode_targets(y, first_batch=True)
        finally:
            del self._fit_weights
        if not self._scales_by_mean():
            # Divided by its mean, a constant batch's scale is the constant: no
            # warning to give.
            _warn_constant_first_batch(targets, type(self).__name__)
        return targets, strata

    def _validate_X_y(self, X, y, reset):
        X, y = super()._validate_X_y(X, y, reset)
        return X, np.asarray(y, dtype=np.float64)

    # ------------------------------------------------------------- prediction
    def predict(self, X):
        """Predicted values.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values, in the units of the training targets; float64
            whatever ``dtype`` (the network runs in ``dtype``, the targets'
            scaling is undone in float64; scikit-learn's ``MLPRegressor`` returns
            float32 for float32 input).
        """
        return self._predict_from_logits(self._validated_logits(X))

    @fitted_property
    def lipschitz_bound_(self):
        """Upper bound on the predictions' Lipschitz constant in the input.

        In L2 norms: the network's bound (as ``NonNegMLPClassifier.lipschitz_bound_``,
        tight when every layer is sign-constrained) times the largest
        ``y_scale_`` (for several outputs: a bound on each output's).

        Not defined with ``loss="poisson"``, ``"gamma"`` or ``"tweedie"`` (an
        ``AttributeError``): the
        prediction ``y_scale_ exp(z)`` has no finite Lipschitz constant (its
        logarithm, the network's output ``z``, is Lipschitz, but no bound of it
        is offered)."""
        self._not_while_listing("lipschitz_bound_")
        check_is_fitted(self)
        if self._scales_by_mean():
            raise AttributeError(
                f"lipschitz_bound_ is not defined with loss="
                f"{self._output_type()!r}: its prediction, y_scale_ * exp(z), has "
                f"no finite Lipschitz constant.")
        # Multiplied upwards (upper_product): a rounded product may be an ulp
        # below the exact one, and a subnormal one far below it, or 0.
        return upper_product(float(np.max(self.y_scale_)), mlp_lipschitz_bound(
            self._fitted_arrays()[0], self._layout.coef_signs, _activation_slope(self),
            self._compute_dtype))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        # Monotone in a feature against the direction check_regressors_train's
        # data need (_fails_common_check). Before: every network whose every layer
        # is >= 0, also those that pass it (positive=True; monotonic_cst with the
        # check's informative feature free or non-decreasing).
        tags.regressor_tags.poor_score = self._fails_common_check("regressor")
        # A loss that scales its targets by their mean takes only non-negative
        # (Poisson) or positive (Gamma) ones: scikit-learn's common checks then
        # draw y >= 1 for their regressor checks (HistGradientBoostingRegressor
        # does not set the tag: the checks run it with its default squared error).
        try:
            scaling = get_loss(self.loss).target_scaling
        except ValueError:  # an unknown loss, refused by fit
            scaling = None
        tags.target_tags.positive_only = scaling == "mean"
        return tags


def _warn_constant_first_batch(targets, name):
    """A UserWarning when a first ``partial_fit`` batch holds a constant target:
    its scaling (``y_scale_ = 1``) is kept by every later batch. Before, a first
    batch of one row left targets of scale 1e6 unscaled, silently (R^2 0.07 after
    100 batches, against 0.98 from a first batch of 60 rows)."""
    # ``targets``: the batch's standardised targets, of shape (n_rows, n_outputs);
    # a constant one is exactly 0 on every row (its mean is the constant itself).
    constant = np.flatnonzero(np.all(targets == 0, axis=0))
    if constant.size:
        which = ("its target is" if targets.shape[1] == 1
                 else f"outputs {constant.tolist()} of its targets are")
        warnings.warn(
            f"{name}.partial_fit: {which} constant on the first batch "
            f"({targets.shape[0]} row{'s' if targets.shape[0] != 1 else ''}), which "
            "sets the target scaling that every later "
            "batch keeps: those targets are not standardised (y_scale_ = 1). Start "
            "with a batch that shows the targets' spread, or call fit first.",
            UserWarning, stacklevel=user_stacklevel())
