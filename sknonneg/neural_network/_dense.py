"""The dense network that NonNegMLPClassifier and NonNegMLPRegressor share.

``DenseNetworkMixin`` holds the ``BaseNetwork`` hooks of a stack of ``DenseLayer``
(sign-constrained weights, ``activation`` and ``gain``): the layout (``positive``,
``monotonic_cst``, ``l1``), the data-dependent initialisation, the objective, the
fitted layers and their forward pass, and what is read from them (``transform``,
``gain_``, ``activation_``). An estimator puts it first among its bases and adds its
output: ``_output_type()`` (the loss's name: ``"softmax"``, ``"logistic"`` or
``"squared_error"``; what the mixin decides by the loss, it reads from the ``Loss``
that ``_loss()`` builds: ``init_std``, ``sparse_init``, ``auto_gain``), ``_monotone_output()`` (for
``check_monotone_network``), its targets and its prediction. It may refine ``_positive_layers`` (the regressor's
``positive="auto"``) and refine ``BaseNetwork._init_output``.
"""

import contextvars

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .. import _activations
from .._engine import DenseLayer, Objective, ParameterLayout, forward
from .._engine.init import dense_init, init_rows
from .._engine.layers import dense_activation_function
from .._engine.penalties import penalties_from_params
from .._lipschitz import dense_lipschitz_factor, dense_rounding_layers
from .._validation import (check_finite_output, check_network_fits_in_memory,
                           parameter_error)
from ._base import fitted_property
from ._monotone import (COMMON_CHECK_DIRECTIONS, check_monotone_network,
                        fails_common_check, monotone_directions,
                        resolve_monotonic_cst)
from ._training import SupervisedTransformerMixin

__all__ = ["DenseNetworkMixin"]

# Data-dependent initialisation (see the Notes of NonNegMLPClassifier): standard
# deviation of each unit's pre-activation over the data, before the gain, as
# (non-negative hidden layer, output layer): the loss's ``init_std`` (values and
# their reasons in ``_engine/losses.py``), an output layer not all >= 0 its
# ``signed_output_init_std`` where the loss sets one; free hidden layers: 1.
_FREE_HIDDEN_INIT_STD = 1.0
# gain="auto": the paper's annealing for L-BFGS-B; a fixed gain for Adam (issue 18:
# full MNIST, projected Adam, 30 epochs: 2.59% test error at gain 1 vs 2.81-2.87%
# annealed 1 -> 2; over seeds 0, 1, 2 at gain 1: 2.62%, 2.42%, 2.52%). For the
# saturating activations (logistic, tanh: ``_activations``) only: a gain makes them
# steeper; relu and the identity are positively homogeneous, a gain only rescales
# them (what the weights can do), so "auto" is 1 for them.
_AUTO_GAIN = {"lbfgsb": (1.0, 2.0), "adam": 1.0}


def _auto_gain(activation, solver, saturating_gain):
    """What ``gain="auto"`` means: ``saturating_gain`` (per solver, a dict, or one
    value) for the saturating units (logistic, tanh), 1 for relu and the identity."""
    if not _activations.DENSE[activation].saturating:
        return 1.0
    if isinstance(saturating_gain, dict):
        return saturating_gain.get(solver, (1.0, 2.0))
    return saturating_gain


def _check_activation_params(est):
    """The checks of ``activation`` that its constraint cannot express: activity_l1
    is an L1 penalty only on activations whose outputs are >= 0."""
    if est.activity_l1 > 0 and not _activations.DENSE[est.activation].nonnegative:
        nonnegative = " or ".join(repr(name) for name, act in _activations.DENSE.items()
                                  if act.nonnegative)
        # Before, every message ended "without bound for 'identity'", tanh's too.
        low = _activations.DENSE[est.activation].lower
        push = ("to negative values without bound" if low == -np.inf
                else f"towards {low:g}")
        raise ValueError(
            f"activity_l1={est.activity_l1!r} needs non-negative hidden activations "
            f"({nonnegative}), got activation={est.activation!r}: the penalty "
            f"is the sum of the activations, an L1 norm only when they are >= 0 "
            f"(with {est.activation!r} it would push units {push}).")
_INIT_SAMPLES = 2000

# True while scikit-learn's HTML repr lists a fitted network's attributes
# (DenseNetworkMixin._get_fitted_attr_html): lipschitz_bound_ then reads as absent.
_LISTING_ATTRIBUTES = contextvars.ContextVar("sknonneg_listing_attributes",
                                             default=False)
# l1="auto" (issue 18, doc/defaults.md "Fifth round"): an L1 penalty on a
# non-negative first layer for multilabel targets, none elsewhere. Each label is
# decided by its own threshold; a monotone network raises a label only on positive
# evidence, and L2 spreads that evidence over many co-occurring inputs, so that a
# document with a few of them gets no label; L1 (linear on weights >= 0) keeps the
# evidence on fewer inputs. Strength chosen among 3e-5, 1e-4, 3e-4 on an inner
# validation split of Reuters' training documents (seeds 0, 1, 2: micro-F1 0.9253 at
# 0, 0.9307, 0.9321, 0.9290; benchmarks/results/reuters_inner_*.md).
_AUTO_L1_MULTILABEL = 1e-4


def _activation_slope(est):
    """The largest slope of the fitted hidden units (the Lipschitz bound's factor),
    at the larger of the gains the kernels use: the numba kernels compute ``f(fl(gain)
    t)`` with the gain cast to the compute dtype (``fl32(0.3)`` is 4e-8 relative
    above 0.3), their NumPy twins (small problems: a ``predict`` on a few rows)
    ``f(gain t)`` with the float64 gain (``fl32(0.7)`` is 1.2e-8 below 0.7)."""
    gain = float(est._fitted_gain())
    gain = max(gain, float(np.dtype(est._compute_dtype).type(gain)))
    return dense_lipschitz_factor(est._layout.network[0].activation, gain)


class DenseNetworkMixin(SupervisedTransformerMixin):
    """The hooks of a dense network with sign-constrained weights. Not for direct use.

    A transformer on the last hidden layer (``transform``); a subclass of
    ``SupervisedTransformerMixin`` so that scikit-learn's ``set_output`` wraps that
    ``transform`` once, here, for every estimator that inherits it.
    """

    def _gain_param(self):
        """``gain`` with ``"auto"`` resolved (``_auto_gain``): the loss's
        ``auto_gain`` where it sets one (1 for logistic outputs); for the others (a
        softmax, the regressor's squared error) ``_AUTO_GAIN``, (1, 2) under
        L-BFGS-B and a fixed 1 under Adam
        (``benchmarks/results/regressor_adam_gain.md``)."""
        if isinstance(self.gain, str) and self.gain == "auto":
            auto_gain = self._loss().auto_gain
            return _auto_gain(self.activation, self.solver,
                              _AUTO_GAIN if auto_gain is None else auto_gain)
        return self.gain

    def _validate_extra_params(self):
        n_layers = len(self._hidden_sizes()) + 1
        self._positive_layers(n_layers)
        if not self._l1_is_auto():
            self._per_layer(self.l1, "l1", n_layers)
        self._per_layer(self.l2, "l2", n_layers)
        _check_activation_params(self)

    def _positive_layers(self, n_layers):
        """``positive`` as one bool per weight layer (the regressor adds
        ``"auto"``)."""
        positive = self.positive
        if isinstance(positive, np.ndarray):
            # A param grid built with NumPy (np.array([True, False])): its entries,
            # as a list's (before: refused, while the list was taken).
            positive = positive.tolist()
        if isinstance(positive, (bool, np.bool_)):
            return [bool(positive)] * n_layers
        if positive == "hidden":
            return [True] * (n_layers - 1) + [False]
        if positive == "output":
            return [False] * (n_layers - 1) + [True]
        positive = list(positive)
        if len(positive) != n_layers or not all(
            isinstance(p, (bool, np.bool_)) for p in positive
        ):
            # A list that from_autoencoders chose for another depth: said so
            # (not for a list the caller set).
            chosen = getattr(self, "_pretrained_positive", None)
            hint = ("from_autoencoders set it for the depth of the network it built: "
                    "pass positive with hidden_layer_sizes."
                    if chosen is not None and positive == chosen else "")
            raise parameter_error(
                type(self).__name__, "positive",
                f"a bool, 'hidden', 'output' or a list of one bool per weight layer "
                f"({n_layers})", self.positive, hint)
        return [bool(p) for p in positive]

    def _fails_common_check(self, kind):
        """The ``poor_score`` tag: whether the network as set is monotone, in a
        feature of the data of scikit-learn's accuracy check for ``kind``
        ("classifier", "regressor"), against the direction those data need
        (``_monotone.COMMON_CHECK_DIRECTIONS``), so that it cannot reach the
        check's score. Read before a fit: parameters that a fit would refuse, and
        a ``monotonic_cst`` that does not resolve for the check's features (the
        check then fails at the fit, whatever the score), read False. The caller
        says whether the output is monotone (a single logistic unit per label,
        not a softmax)."""
        n_features = COMMON_CHECK_DIRECTIONS[kind][0]
        try:
            positive = self._positive_layers(len(self._hidden_sizes()) + 1)
        except (TypeError, ValueError):
            return False
        return fails_common_check(
            monotone_directions(self, positive, n_features), kind)

    def _l1_is_auto(self):
        return isinstance(self.l1, str) and self.l1 == "auto"

    def _l1_per_layer(self, signs):
        """``l1`` per weight layer, ``"auto"`` resolved for the layers' ``signs``:
        ``_AUTO_L1_MULTILABEL`` on the first layer of a network whose every weight
        is >= 0 (monotone in every input) fitted to multilabel targets, 0 elsewhere
        (Notes of NonNegMLPClassifier)."""
        n_layers = len(signs)
        if not self._l1_is_auto():
            return self._per_layer(self.l1, "l1", n_layers)
        l1 = np.zeros(n_layers)
        if getattr(self, "_multilabel", False) and all(np.all(s > 0) for s in signs):
            l1[0] = _AUTO_L1_MULTILABEL
        return l1

    def _build_layout(self, n_features, n_outputs):
        sizes = [n_features, *self._hidden_sizes(), n_outputs]
        check_network_fits_in_memory(sizes)  # before the sign vectors
        n_layers = len(sizes) - 1
        positive = self._positive_layers(n_layers)
        signs = [np.full(sizes[i], 1 if positive[i] else 0, dtype=np.int8)
                 for i in range(n_layers)]
        cst = resolve_monotonic_cst(self, n_features)
        check_monotone_network(self, cst, positive, *self._monotone_output())
        # A read-only copy: before, monotonic_cst_ was the layout's sign vector
        # itself, and reg.monotonic_cst_[:] = 1 changed the fitted network's
        # weight bounds (lipschitz_bound_ computed as for a layer >= 0, the next
        # partial_fit's projection, pickles) without a weight changing.
        self.monotonic_cst_ = None if cst is None else self._read_only(cst.copy())
        if cst is not None:
            signs[0] = cst
        l1 = self._l1_per_layer(signs)
        return ParameterLayout([
            DenseLayer(sizes[i], sizes[i + 1], signs[i],
                       "identity" if i == n_layers - 1 else self.activation, l1[i])
            for i in range(n_layers)])

    def _init_theta(self, layout, X, rng, sample_weight=None):
        inputs, weights = init_rows(X, sample_weight, rng, _INIT_SAMPLES)
        small = self._check_input_scale(inputs, weights)
        gain = self._gain_param()
        gain0 = float(gain if np.isscalar(gain) else np.ravel(gain)[0])
        activate = dense_activation_function(layout.network[0].activation, gain0)
        loss = self._loss()
        nonneg_hidden_std, output_std = loss.init_std
        # A pre-trained stack: NonNegMLPClassifier.from_autoencoders sets
        # ``_pretrained`` (its first layers start as they were fitted), and the
        # classifier checks it (``_check_pretrained``).
        fixed = getattr(self, "_pretrained", ((), ()))
        if fixed[0]:
            self._check_pretrained(layout)
        # Independent logistic outputs cannot cancel what all hidden units share; a
        # softmax compares its logits and keeps the dense draw (Notes of
        # NonNegMLPClassifier): the loss's ``sparse_init``.
        coefs, intercepts = dense_init(
            layout, inputs, weights, rng, activate,
            nonneg_hidden_std=nonneg_hidden_std,
            free_hidden_std=_FREE_HIDDEN_INIT_STD, output_std=output_std,
            sparse_draw=loss.sparse_init, fixed=fixed,
            signed_output_std=loss.signed_output_init_std,
            # Inputs flagged as small (the InputScaleWarning's test), whatever
            # the solver: a first layer whose L2 penalty would dwarf the data
            # term is shrunk, and none whose penalty's sum of squares overflows
            # (inputs below about 1e-150).
            small_inputs=small,
            first_l2=float(self._per_layer(self.l2, "l2", layout.n_layers)[0]))
        return layout.pack(coefs, intercepts)

    def _make_objective(self, layout, X, y, sample_weight, gain, parallel):
        penalties = penalties_from_params(
            l2=self._per_layer(self.l2, "l2", layout.n_layers),
            activity_l1=self.activity_l1)
        return Objective(layout, self._loss(), penalties, X, y, sample_weight,
                         gain=gain,
                         dtype=self._compute_dtype, parallel=parallel)

    def _set_fitted_layers(self, theta):
        coefs, intercepts = self._layout.arrays(theta)
        self.coefs_ = self._read_only(coefs)
        self.intercepts_ = self._read_only(intercepts)
        self.components_ = self.coefs_[0].T  # a view: read-only too
        self.weight_constraints_ = [
            "nonneg" if nonneg else "free" if np.all(signs == 0) else "mixed"
            for nonneg, signs in zip(self._layout.nonneg_layers,
                                     self._layout.coef_signs)]
        cst = getattr(self, "monotonic_cst_", None)
        if cst is not None and (not isinstance(cst, np.ndarray)
                                or cst.flags.writeable):
            # unpickled: writeable again; or a list, as a file edited by hand
            # holds it (before: AttributeError 'list' object has no attribute
            # 'flags'; persist.load's check then reads its values).
            self.monotonic_cst_ = self._read_only(np.array(cst))
        self._keep_fitted("coefs_", "intercepts_", "components_",
                          "weight_constraints_", "monotonic_cst_")

    def _fitted_gain(self):
        """The gain prediction uses: the fitted ``_gain_``. Only without it (never
        after a fit) the ``gain`` parameter's, read then and only then: a
        parameter changed (even to an invalid value) since the fit is not read."""
        if hasattr(self, "_gain_"):
            return self._gain_
        gain = self._gain_param()
        return gain if np.isscalar(gain) else gain[-1]

    def _logits_at(self, theta, gain, X):
        """Logits on validated ``X`` of the network ``theta`` at ``gain``, for early
        stopping: what ``_logits`` gives once ``theta`` is fitted, no attribute set."""
        return forward(self._layout.network, self._layout.views(theta), X, gain=gain,
                       dtype=self._compute_dtype, keep="logits")[1]

    def _fixed_order(self):
        """Whether prediction sums in a fixed order: when every weight layer after
        the first is non-negative (``positive=True``, ``monotonic_cst``, or
        ``"output"`` on one hidden layer), the network is monotone in every feature
        whose first-layer row is one-signed, the promise of ``monotonic_cst`` and
        of :func:`sknonneg.robustness.monotone_certificate`, and the fixed order
        keeps it exact in floating point (``sknonneg._kernels.fixed``)."""
        return all(self._layout.nonneg_layers[1:])

    def _forward(self, X, fixed_order=None, keep="all"):
        """The layers' outputs on validated ``X`` that ``keep`` names (``forward``);
        ``fixed_order`` None: as prediction sums (``_fixed_order``)."""
        if fixed_order is None:
            fixed_order = self._fixed_order()
        # The fitted parameters' views (what coefs_ were copied from, the same
        # values): writeable float64, so the kernels take them without a copy (the
        # public coefs_ are read-only, which numba would compile for anew).
        return forward(self._layout.network, self._layout.views(self._theta), X,
                       gain=self._fitted_gain(), dtype=self._compute_dtype,
                       fixed_order=fixed_order, keep=keep)

    def _logits(self, X):
        return self._forward(X, keep="logits")[1]

    def _diagnostic_logits(self, X):
        # The training rows' logits for warn_if_degenerate: the fused kernels, not
        # the fixed-order ones (2-3x slower; a fit's cost, not prediction's).
        return self._forward(X, fixed_order=False, keep="logits")[1]

    def transform(self, X):
        """Compute the last hidden layer's activations: a supervised feature extractor.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        hidden : ndarray of shape (n_samples, n_hidden_last)
            In the fitted ``dtype``; values in [0, 1] for ``activation="logistic"``,
            [-1, 1] for ``"tanh"``, >= 0 for ``"relu"``, any for ``"identity"``.
        """
        X = self._check_range(self._check_X(X))
        hidden, _ = self._forward(X, keep="last")
        # Under assume_finite=True a NaN is not refused on the way in (before:
        # NaN rows came out here, where predict raised).
        return check_finite_output(hidden[-1]).astype(self._compute_dtype, copy=False)

    def _get_fitted_attr_html(self, *args, **kwargs):
        """scikit-learn's table of the fitted attributes, for its HTML repr (>= 1.8:
        the notebook display of a fitted estimator, alone or in a Pipeline or a
        search), without ``lipschitz_bound_``. The table reads every attribute with
        ``inspect.getmembers``, properties included: the bound's SVDs of the free
        layers took 1.5-3.7 s per display of a 784-500-10 ``positive="output"``
        classifier (2 cores), and a bound that overflows (a model fitted at
        ``gain=1e300`` before the gain's range refused it) raised
        its ``ValueError`` from the display. The property computes it when asked.

        This overrides a private hook of scikit-learn's, deliberately: it takes and
        passes on any arguments, so a change of its signature cannot break the
        display, and if scikit-learn stops calling it the display only gets slow
        again, which ``tests/test_meta_estimators.py`` then reports."""
        token = _LISTING_ATTRIBUTES.set(True)
        try:
            return super()._get_fitted_attr_html(*args, **kwargs)
        finally:
            _LISTING_ATTRIBUTES.reset(token)

    @staticmethod
    def _not_while_listing(name):
        """An ``AttributeError`` (which ``inspect.getmembers`` skips) for the
        computed attribute ``name`` while the HTML repr lists the fitted ones."""
        if _LISTING_ATTRIBUTES.get():
            raise AttributeError(f"{name} is computed when asked for; scikit-learn's "
                                 "HTML repr does not list it.")

    @fitted_property
    def gain_(self):
        """Gain of the hidden units at the end of training, the one prediction uses.

        The end of the ``gain`` schedule that training reached.
        """
        check_is_fitted(self)
        return float(self._fitted_gain())

    @fitted_property
    def activation_(self):
        """Activation of the fitted hidden units, the one prediction uses.

        ``set_params(activation=...)`` takes effect at the next fit.
        """
        check_is_fitted(self)
        return self._layout.network[0].activation

    def _rounding_layers(self):
        """The network as ``certified_radius``'s rounding allowance reads it."""
        return dense_rounding_layers(*self._fitted_arrays(), self.activation_,
                                     self._fitted_gain())


def fitted_network(est):
    """``(coefs, intercepts, nonneg_layers)`` of a fitted ``NonNegMLPClassifier``
    or ``NonNegMLPRegressor``, as it computes: its weights and biases from its
    fitted parameters (``_fitted_arrays``), and per weight layer whether its fit
    constrained every weight >= 0 (its layout's ``nonneg_layers``, which decide
    whether it predicts in a fixed order, ``_fixed_order``).
    For the satellites (the certificate, the attack), which read no private
    attribute themselves: not ``coefs_``, ``intercepts_`` or
    ``weight_constraints_``, public lists that can be set (an array put in the
    place of one of ``coefs_``'s changes no prediction)."""
    check_is_fitted(est)
    coefs, intercepts = est._fitted_arrays()
    return coefs, intercepts, est._layout.nonneg_layers
