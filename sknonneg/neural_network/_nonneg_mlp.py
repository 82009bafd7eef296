"""NonNegMLPClassifier: the network of Chorowski & Zurada (2015)."""

from numbers import Real

import numpy as np
from scipy.special import expit
from sklearn.utils.validation import check_is_fitted

from .._compat import Interval, StrOptions
from .._lipschitz import mlp_lipschitz_bound
from .._engine import ActivityL1, DenseLayer, L2, Objective, ParameterLayout, forward
from ._classifier import BaseNetworkClassifier, fill_doc

__all__ = ["NonNegMLPClassifier"]

# Data-dependent initialisation (see Notes of the class): standard deviation of each
# unit's pre-activation over the data, before the gain, as
# (non-negative hidden layer, output layer) per output type; free hidden layers: 1.
# Softmax values chosen on a 5k MNIST subset, 150 hidden units, 200 iterations:
# 93.7% test accuracy at (0.5, 2) vs 93.1% at (1, 1) and 91.3% at (2, 1). A softmax
# only needs differences between logits, and a narrow start keeps the positively
# correlated non-negative units in the sigmoid's sensitive range. Independent
# logistic outputs must each reach 0 or 1 on their own and train better from (1, 1)
# (mean training accuracy over 5 seeds on a small 3-class problem: 0.98 vs 0.76).
_INIT_STD = {"softmax": (0.5, 2.0), "logistic": (1.0, 1.0)}
_FREE_HIDDEN_INIT_STD = 1.0
_INIT_SAMPLES = 2000


@fill_doc
class NonNegMLPClassifier(BaseNetworkClassifier):
    """Multi-layer perceptron whose weights are constrained to be non-negative.

    The network of Chorowski & Zurada (2015): sigmoid hidden units with a gain that is
    annealed during training, a softmax (or logistic) output, L1/L2 penalties per
    weight layer and a sparsity penalty on the hidden activations, fitted with
    scipy's bound-constrained L-BFGS-B (weights bounded at zero, biases free), full
    batch or on stratified mini-batches, or with projected Adam.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Number of units of each hidden layer.
    positive : bool, {"hidden", "output"} or list of bool, default=True
        Which weight layers are constrained to be >= 0. ``True``: every layer;
        ``False``: none (the unconstrained baseline, same code path); ``"hidden"``:
        the input-to-hidden and hidden-to-hidden layers; ``"output"``: the last
        layer only; a list: one bool per weight layer.
    monotonic_cst : array-like of shape (n_features,), default=None
        Per-feature sign constraint on the first layer, overriding ``positive`` for
        it: 1 (weights of that feature >= 0), -1 (<= 0) or 0 (free). With every
        other layer non-negative and ``output="logistic"`` on a binary problem, the
        probability of ``classes_[1]`` is then monotone in each constrained feature.
    gain : float or (float, float), default=(1.0, 2.0)
        Gain ``lambda`` of the hidden sigmoids, ``sigmoid(lambda * (x @ W + b))``.
        A pair ``(start, end)`` is annealed exponentially: over the epochs
        (mini-batch solvers) or over 5 successive L-BFGS-B stages (full batch).
    l1 : float or array-like of float, default=0.0
        L1 penalty, one value for every weight layer or one per layer (the paper's
        pH1, pC1). Exact, also on unconstrained weights (see Notes).
    l2 : float or array-like of float, default=1e-5
        L2 penalty, one value or one per weight layer (the paper's pH2, pC2).
    activity_l1 : float, default=0.0
        Sparsity penalty on the hidden activations (the paper's pS).
    <<output_param>>
    solver : {"lbfgsb", "lbfgs", "adam"}, default="lbfgsb"
        ``"lbfgsb"`` (or ``"lbfgs"``, scikit-learn's name, the same solver):
        scipy's L-BFGS-B, full batch when ``batch_size=None``, else the
        paper's scheme of ``steps_per_batch`` iterations on each stratified
        mini-batch per epoch. ``"adam"``: Adam with projection onto the bounds.
    <<training_params>>
    <<common_params>>

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape (n_in, n_out): weights of layer ``i``.
    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape (n_out,): biases of layer ``i`` (free).
    components_ : ndarray of shape (n_hidden, n_features)
        First-layer weights, one row per hidden unit, as ``NMF``/``PCA`` expose
        theirs.
    weight_constraints_ : list of str
        ``"nonneg"``, ``"free"`` or ``"mixed"`` for each weight layer.
    <<fit_attributes>>

    See Also
    --------
    sklearn.neural_network.MLPClassifier : Unconstrained multi-layer perceptron.
    sklearn.decomposition.NMF : Non-negative parts-based representation.

    Notes
    -----
    With hidden activations ``a_l = sigmoid(lambda (a_{l-1} W_l + b_l))``, logits
    ``z = a_{L-1} W_L + b_L`` and sample weights ``s_i`` (ones by default), training
    minimises eq. (1) of the paper::

        sum_i s_i nll(z_i, y_i) / sum_i s_i
        + sum_l (l1_l ||W_l||_1 + l2_l ||W_l||_F^2)
        + activity_l1 * sum_i s_i sum_l sum_j a_lij / sum_i s_i

    subject to ``W_l >= 0`` on the constrained layers. On a weight bounded at zero
    ``|w|`` is linear, so L1 is smooth there; an unconstrained weight with L1 is
    split as ``w = w+ - w-`` with both parts bounded at zero, which makes the
    penalty linear too and exact under L-BFGS-B.

    Initialisation is data-dependent: weights are drawn (non-negative layers
    uniformly on ``[0, 1)``, free layers uniformly on ``[-1, 1)``), then each unit is
    rescaled so that its pre-activation has a set standard deviation over (a
    subsample of up to 2,000 rows of) the training data -- with a softmax output,
    0.5 for non-negative hidden layers and 2 for the output layer; with logistic
    outputs 1 for both; 1 for other hidden layers -- and its bias is set so that the
    mean pre-activation is 0. A non-negative network initialised with small weights trains very slowly:
    all its hidden units start alike and the output logits barely differ; the
    rescaling gives every unit, output units included, a useful range from the
    first iteration.

    A non-negative network with a single logistic output unit is monotone in
    every input and cannot fit XOR (Wang et al. 2022); with a softmax over two or
    more outputs it can fit any labelling (Chorowski & Zurada 2015, Appendix A).

    References
    ----------
    J. Chorowski and J. M. Zurada, "Learning understandable neural networks with
    nonnegative weight constraints", IEEE TNNLS 26(1), 2015.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknonneg import NonNegMLPClassifier
    >>> X, y = load_digits(return_X_y=True)
    >>> clf = NonNegMLPClassifier(hidden_layer_sizes=20, max_iter=50,
    ...                           random_state=0).fit(X / 16, y)
    >>> bool(min(w.min() for w in clf.coefs_) >= 0)
    True
    >>> clf.components_.shape
    (20, 64)
    """

    _parameter_constraints = {
        **BaseNetworkClassifier._parameter_constraints,
        "positive": ["boolean", StrOptions({"hidden", "output"}), list, tuple],
        "monotonic_cst": ["array-like", None],
        "gain": [Interval(Real, 0, None, closed="neither"), tuple, list],
        "activity_l1": [Interval(Real, 0, None, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        positive=True,
        monotonic_cst=None,
        gain=(1.0, 2.0),
        l1=0.0,
        l2=1e-5,
        activity_l1=0.0,
        output="softmax",
        solver="lbfgsb",
        batch_size=None,
        max_iter=200,
        tol=1e-5,
        steps_per_batch=3,
        learning_rate_init=1e-3,
        learning_rate="constant",
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=10,
        class_weight=None,
        dtype="float64",
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.positive = positive
        self.monotonic_cst = monotonic_cst
        self.gain = gain
        self.l1 = l1
        self.l2 = l2
        self.activity_l1 = activity_l1
        self.output = output
        self.solver = solver
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.steps_per_batch = steps_per_batch
        self.learning_rate_init = learning_rate_init
        self.learning_rate = learning_rate
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.dtype = dtype
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    def _validate_extra_params(self):
        n_layers = len(self._hidden_sizes()) + 1
        self._positive_layers(n_layers)
        self._per_layer(self.l1, "l1", n_layers)
        self._per_layer(self.l2, "l2", n_layers)

    def _positive_layers(self, n_layers):
        positive = self.positive
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
            raise ValueError(
                f"positive must be a bool, 'hidden', 'output' or a list of one bool per "
                f"weight layer ({n_layers}), got {self.positive!r}."
            )
        return [bool(p) for p in positive]

    def _build_layout(self, n_features, n_outputs):
        sizes = [n_features, *self._hidden_sizes(), n_outputs]
        n_layers = len(sizes) - 1
        positive = self._positive_layers(n_layers)
        signs = [np.full(sizes[i], 1 if positive[i] else 0, dtype=np.int8)
                 for i in range(n_layers)]
        if self.monotonic_cst is not None:
            cst = np.asarray(self.monotonic_cst)
            if cst.shape != (n_features,) or not np.all(np.isin(cst, (-1, 0, 1))):
                raise ValueError(
                    f"monotonic_cst must be an array of shape ({n_features},) with "
                    f"values in {{-1, 0, 1}}, got {self.monotonic_cst!r}."
                )
            signs[0] = cst.astype(np.int8)
        l1 = self._per_layer(self.l1, "l1", n_layers)
        return ParameterLayout([
            DenseLayer(sizes[i], sizes[i + 1], signs[i],
                       "identity" if i == n_layers - 1 else "logistic", l1[i])
            for i in range(n_layers)])

    def _init_theta(self, layout, X, rng, sample_weight=None):
        sizes = layout.layer_sizes
        n_samples = X.shape[0]
        weights = (np.ones(n_samples) if sample_weight is None
                   else np.asarray(sample_weight, dtype=np.float64))
        if n_samples > _INIT_SAMPLES:
            sub = rng.choice(n_samples, _INIT_SAMPLES, replace=False,
                             p=weights / weights.sum())
            inputs, weights = X[sub], np.ones(_INIT_SAMPLES)
        else:
            # Weighted statistics over all rows: integer weights give the same start
            # as repeated rows, zero weights the same as removed rows.
            inputs = X
        inputs = inputs.toarray() if hasattr(inputs, "toarray") else np.asarray(inputs)
        inputs = inputs.astype(np.float64)
        weights = weights / weights.sum()
        gain = self._gain_param()
        gain0 = float(gain if np.isscalar(gain) else np.ravel(gain)[0])
        nonneg_hidden_std, output_std = _INIT_STD[self.output]
        coefs, intercepts = [], []
        for i in range(layout.n_layers):
            signs = layout.coef_signs[i][:, None].astype(float)
            draw = rng.uniform(0.0, 1.0, size=(sizes[i], sizes[i + 1]))
            # free rows: symmetric draw; constrained rows: the sign of the constraint.
            coef = np.where(signs == 0, 2.0 * draw - 1.0, signs * draw)
            if i == layout.n_layers - 1:
                target = output_std
            elif np.all(layout.coef_signs[i] > 0):
                target = nonneg_hidden_std
            else:
                target = _FREE_HIDDEN_INIT_STD
            with np.errstate(over="ignore", invalid="ignore"):
                z = inputs @ coef
                mean = weights @ z
                std = np.sqrt(weights @ (z - mean) ** 2)
            usable = np.isfinite(std) & (std > 1e-12) & np.isfinite(mean)
            scale = np.where(usable, target / np.where(usable, std, 1.0),
                             1.0 / np.sqrt(sizes[i]))
            coef *= scale
            intercept = np.where(usable, -mean * scale, 0.0)
            coefs.append(coef)
            intercepts.append(intercept)
            if i < layout.n_layers - 1:
                inputs = expit(gain0 * (inputs @ coef + intercept))
        return layout.pack(coefs, intercepts)

    def _make_objective(self, layout, X, y, sample_weight, gain, parallel):
        penalties = [L2(self._per_layer(self.l2, "l2", layout.n_layers)),
                     ActivityL1(self.activity_l1)]
        return Objective(layout, self.output, penalties, X, y, sample_weight, gain=gain,
                         dtype=self._compute_dtype, parallel=parallel)

    def _set_fitted_layers(self, theta):
        coefs, intercepts = self._layout.arrays(theta)
        self.coefs_ = coefs
        self.intercepts_ = intercepts
        self.components_ = coefs[0].T
        constraints = []
        for signs in self._layout.coef_signs:
            if np.all(signs > 0):
                constraints.append("nonneg")
            elif np.all(signs == 0):
                constraints.append("free")
            else:
                constraints.append("mixed")
        self.weight_constraints_ = constraints

    def _fitted_gain(self):
        gain = self._gain_param()
        return getattr(self, "_gain_", gain if np.isscalar(gain) else gain[-1])

    def _logits_at(self, theta, gain, X):
        """Logits on validated ``X`` of the network ``theta`` at ``gain``, for early
        stopping: what ``_logits`` gives once ``theta`` is fitted, no attribute set."""
        return forward(self._layout.network, self._layout.views(theta), X, gain=gain,
                       dtype=self._compute_dtype)[1]

    def _forward(self, X):
        return forward(self._layout.network, list(zip(self.coefs_, self.intercepts_)), X,
                       gain=self._fitted_gain(), dtype=self._compute_dtype)

    def _logits(self, X):
        return self._forward(X)[1]

    def transform(self, X):
        """Activations of the last hidden layer: a supervised feature extractor.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        hidden : ndarray of shape (n_samples, n_hidden_last)
            Values in (0, 1), in the fitted ``dtype``.
        """
        X = self._check_X(X)
        hidden, _ = self._forward(X)
        return hidden[-1].astype(self._compute_dtype, copy=False)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # All weights >= 0 with one logistic unit per class: the output is monotone
        # non-decreasing in every feature, so data needing a decreasing direction
        # (as in scikit-learn's check_classifiers_train) cannot be fitted well.
        tags.classifier_tags.poor_score = self.output == "logistic" and self.positive is True
        return tags

    @property
    def lipschitz_bound_(self):
        """Lipschitz constant of the logits with respect to the input (L2 norms).

        ``(gain / 4)^(L - 1)`` (the sigmoids' largest slope, at the fitted gain)
        times ``||W_1 ... W_L||_2`` when every layer is sign-constrained (the
        Jacobian is then a product of non-negative matrices), else the product of
        the layers' spectral norms (eq. 3); runs of constrained layers between free
        ones are bounded together (``sknonneg._lipschitz.mlp_lipschitz_bound``).
        """
        check_is_fitted(self)
        return mlp_lipschitz_bound(self.coefs_, self._layout.coef_signs,
                                   self._fitted_gain() / 4)
