"""ABBAClassifier: almost non-negative ABBA networks (Vasilescu et al. 2024)."""

from numbers import Real

import numpy as np
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from .. import _activations
from .._engine import (ABBALayer, LipschitzCap, Objective, ParameterLayout,
                       activation_function, forward)
from .._compat import Interval, StrOptions
from .._lipschitz import abba_bounds, abba_rounding_layers
from .._validation import check_finite_output, search_hint
from .._engine.init import abba_init, init_rows
from .._engine.penalties import penalties_from_params
from ._base import fitted_attribute, fitted_property
from ._classifier import BaseNetworkClassifier, fill_doc
from ._training import _RESTORE

__all__ = ["ABBAClassifier"]

# Rows of the subsample the data-dependent initialisation (``abba_init``) reads.
_INIT_SAMPLES = 2000


@fill_doc
class ABBAClassifier(BaseNetworkClassifier):
    r"""Almost non-negative ABBA network: signed expressivity, non-negative weights.

    The network of Definition 3.2 of Vasilescu, Neacsu & Pesquet (2024). The input
    is doubled into ``[x, -x]``; then come ``len(hidden_layer_sizes) + 1`` ABBA
    layers whose weights are ``[[A, B], [B, A]]`` with ``A, B >= 0`` (layer ``l``
    has ``2 N_l`` units, ``N_l`` the ``l``-th hidden size); the last one feeds the
    halving map ``[I, -I] / 2`` to the logits, followed by a softmax (or logistic)
    output. Every weight is non-negative, yet the network computes anything a
    signed network of the same hidden sizes does (see :meth:`from_mlp`), and its
    Lipschitz constant has a tight, cheap bound (Proposition 3.3), which
    ``lipschitz_max`` can cap during training.

    Read more in the :ref:`User Guide <nonneg>`.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Half-widths ``N_l`` of the hidden ABBA layers: layer ``l`` has ``2 N_l``
        units.
    activation : {"tanh", "capped_leaky_relu", "identity"}, default="tanh"
        Activation of the hidden layers; all three are odd (symmetric about the
        origin) and 1-Lipschitz. ``"capped_leaky_relu"`` is eq. (20): ``t`` for
        ``|t| <= cap``, else ``sign(t) (cap + cap_slope (|t| - cap))``. The
        ``"logistic"`` and ``"relu"`` of ``NonNegMLPClassifier`` are not offered
        (see Notes, Equivalence).
    cap : float, default=1.0
        ``beta`` of eq. (20): half-width of the unit-slope region.
    cap_slope : float, default=0.1
        ``alpha`` of eq. (20): slope beyond the cap, in ``[0, 1)``.
    l1 : float or array-like of float, default=0.0
        L1 penalty on ``A`` and ``B``, one value or one per layer. Linear on the
        non-negative blocks, hence exact. Each penalty at most 1e6 (see ``l2``).
    l2 : float or array-like of float, default=1e-5
        L2 penalty ``l2 (||A||^2 + ||B||^2)``, one value or one per layer. Each
        penalty at most 1e6 (else ``InvalidParameterError``; see ``l2`` of
        ``NonNegMLPClassifier``).
    <<output_param>>
    lipschitz_max : float, default=None
        Upper bound on ``lipschitz_bound_``, kept at every iterate of the
        training (see Notes), with room for the rounding of the computed bound
        and of float32 weights: the exact bound of the network as computed, in
        the fitted ``dtype``, is below it too. A cap that float32 cannot keep is
        refused with a ``ValueError``, never exceeded. Under a tiny cap the
        fitted bound can end far below it, or every weight at zero
        (:ref:`ABBAClassifier in detail <abba-details>`). ``None`` leaves the bound
        free.
    solver : {"lbfgsb", "lbfgs", "adam"}, default="lbfgsb"
        ``"lbfgsb"`` (or ``"lbfgs"``, scikit-learn's name, the same solver):
        scipy's L-BFGS-B with ``A, B`` bounded at zero (see Notes,
        Objective, for the first and last layer), full batch when
        ``batch_size=None``, else ``steps_per_batch`` iterations on each stratified
        mini-batch per epoch. ``"adam"``: Adam followed by the projection onto
        ``A, B >= 0``.
    <<training_params>>
    <<class_weight_param>>
    <<common_params>>

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[l]`` of shape ``(2 N_{l-1}, 2 N_l)``: the non-negative ABBA matrix
        ``[[A_l, B_l], [B_l, A_l]]`` of layer ``l`` (``N_0`` is
        ``n_features_in_``; the last layer has ``2 n_outputs_`` units). The
        fitted arrays (``coefs_``, ``intercepts_``, ``coefs_a_``, ``coefs_b_``,
        ``components_``) are read-only, and they, ``weight_constraints_`` and
        ``out_activation_`` describe the fit: a value put in their place changes
        nothing (:doc:`/reliability`, "Prediction uses what was fitted").
    intercepts_ : list of ndarray
        ``intercepts_[l]`` of shape ``(2 N_l,)``: the biases ``[b_u, b_v]``.
    coefs_a_, coefs_b_ : list of ndarray
        The blocks ``A_l``, ``B_l``, of shape ``(N_{l-1}, N_l)``. The first and last
        layers act only through ``A - B`` and are stored with the least ``A + B``:
        ``A = (A - B)^+``, ``B = (A - B)^-``.
    components_ : ndarray of shape (2 N_1, n_features)
        The signed map of the first layer on the input: its units compute
        ``(A_1 - B_1).T x`` and ``(B_1 - A_1).T x`` (the doubled input is
        ``[x; -x]``). What ``sknonneg.inspection`` shows as hidden units.
    weight_constraints_ : list of str
        ``"abba"`` for every layer (``A, B >= 0``).
    lipschitz_bound_ : float
        Upper bound on the Lipschitz constant of the logits with respect to the
        input (L2 norms), Proposition 3.3: ``||S_L ... S_1||_2`` with ``S_l =
        A_l + B_l``, computed by SVD and enlarged for its rounding, of the
        network as computed in the fitted ``dtype``. A binary two-unit softmax's
        ``decision_function`` can change by up to ``sqrt(2)`` times it per unit
        of input; :meth:`certified_radius` allows for that and for the rounding
        of the logits (:ref:`ABBAClassifier in detail <abba-details>`).
        Read-only: computed from the fitted network.
    lipschitz_bound_separable_ : float
        The separable bound of eq. (3), ``prod_l ||S_l||_2``, for comparison,
        enlarged for rounding as ``lipschitz_bound_`` is; never below
        ``lipschitz_bound_``.
        Read-only: computed from the fitted network.
    <<classifier_attributes>>
    <<fit_attributes>>

    See Also
    --------
    NonNegMLPClassifier : Network with non-negative (or free) weights and sigmoid
        units.
    sklearn.neural_network.MLPClassifier : Unconstrained multi-layer perceptron.

    Notes
    -----
    **Objective.** With logits :math:`z_i` of row :math:`x_i` and sample weights
    :math:`s_i` (``sample_weight`` times ``class_weight``; ones by default),
    training minimises, over the :math:`L` = ``len(hidden_layer_sizes) + 1``
    ABBA layers,

    .. math::

        & \frac{1}{\sum_i s_i} \sum_i s_i \mathrm{nll}(z_i, y_i) \\
        & + \sum_{l=1}^{L} ( \mathrm{l1}_l (\|A_l\|_1 + \|B_l\|_1)
            + \mathrm{l2}_l (\|A_l\|_F^2 + \|B_l\|_F^2) )

    subject to :math:`A_l, B_l \geq 0` (:math:`\mathrm{nll}` as in
    :class:`NonNegMLPClassifier`'s Notes; :math:`\mathrm{l1}_l`,
    :math:`\mathrm{l2}_l` the ``l1`` and ``l2`` of layer :math:`l`; the biases
    free and not penalised). The first and last layers act through
    :math:`A_l - B_l` alone: without L1 and ``lipschitz_max`` they are fitted as
    one unbounded block :math:`W = A_l - B_l` (the same minimum, with half the
    variables) and stored as its least split, ``A = W^+``, ``B = W^-``. With
    ``l1`` on them, a fit stopped before its solution can hold both blocks of an
    entry positive, and its ``loss_`` then exceeds the objective at the fitted
    blocks by :math:`2 \mathrm{l1}_l \sum \min(A_l, B_l)` over those layers'
    entries as the solver held them.

    **Lipschitz constraint.** With ``lipschitz_max``, the network is evaluated
    with its blocks multiplied by ``c = min(1, (lipschitz_max / bound)^(1/L))``
    and the gradient flows through ``c``: every iterate, whatever the solver,
    satisfies the constraint, and the fitted attributes hold the scaled blocks.
    The penalties ``l1`` and ``l2`` are of the blocks before the scale, the
    parameters the solver moves, so ``loss_curve_`` is not the penalised loss of
    the fitted attributes. A tight cap asks for sparse paths, which L-BFGS-B
    finds slowly: give constrained fits more iterations
    (:ref:`ABBAClassifier in detail <abba-details>`).

    **Equivalence, initialisation, early stopping.** Every hidden activation is
    odd, so :meth:`from_mlp` turns a signed network into an ABBA network with
    the same logits (eq. 9-12); ``"logistic"`` and ``"relu"`` are not offered
    for that reason. A fit starts from a drawn signed network turned into an
    ABBA network, its hidden biases offset at random so that the two halves of
    each layer start different. ``early_stopping`` is False by default, as in
    the paper's MNIST protocol: it was not measured on ABBA networks (all three:
    :ref:`ABBAClassifier in detail <abba-details>`).

    References
    ----------
    V. Vasilescu, A. Neacsu and J.-C. Pesquet, "Are almost non-negative neural
    networks universal approximators?", IEEE MLSP 2024.

    A. Neacsu, J.-C. Pesquet, V. Vasilescu and C. Burileanu, "ABBA neural networks:
    coping with positivity, expressivity, and robustness", SIAM J. Math. Data Sci.,
    2024.

    Q. Wang et al., "Why do networks have inhibitory/negative connections?",
    arXiv:2208.03211, 2022.

    Examples
    --------
    >>> import numpy as np
    >>> from sknonneg import ABBAClassifier
    >>> X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    >>> y = np.array([0, 1, 1, 0])
    >>> clf = ABBAClassifier(hidden_layer_sizes=4, l2=0.0, random_state=0).fit(X, y)
    >>> clf.predict(X)
    array([0, 1, 1, 0])
    >>> bool(min(c.min() for c in clf.coefs_) >= 0)
    True
    >>> bool(clf.lipschitz_bound_ <= clf.lipschitz_bound_separable_)
    True
    """

    _parameter_constraints = {
        **BaseNetworkClassifier._parameter_constraints,
        "activation": [StrOptions(set(_activations.ABBA))],
        "cap": [Interval(Real, 0, None, closed="neither")],
        "cap_slope": [Interval(Real, 0, 1, closed="left")],
        "lipschitz_max": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        activation="tanh",
        cap=1.0,
        cap_slope=0.1,
        l1=0.0,
        l2=1e-5,
        output="auto",
        lipschitz_max=None,
        solver="lbfgsb",
        batch_size=None,
        max_iter=200,
        tol=1e-5,
        steps_per_batch=3,
        learning_rate_init=1e-3,
        learning_rate="constant",
        early_stopping=False,
        scoring="loss",
        validation_fraction=0.1,
        n_iter_no_change=10,
        class_weight=None,
        dtype="float64",
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.cap = cap
        self.cap_slope = cap_slope
        self.l1 = l1
        self.l2 = l2
        self.output = output
        self.lipschitz_max = lipschitz_max
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
        self.class_weight = class_weight
        self.dtype = dtype
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    _FITTED_PARAMS = (*BaseNetworkClassifier._FITTED_PARAMS, "activation", "cap",
                      "cap_slope", "lipschitz_max")
    _LAYOUT_PARAMS = ("hidden_layer_sizes", "l1")
    # A and B (scaled) are rebuilt from ``_theta`` like ``coefs_``: not pickled.
    _THETA_LAYERS = (*BaseNetworkClassifier._THETA_LAYERS, "coefs_a_", "coefs_b_")

    # ------------------------------------------------------------------ hooks
    def _validate_extra_params(self):
        n_layers = len(self._hidden_sizes()) + 1
        self._per_layer(self.l1, "l1", n_layers)
        self._per_layer(self.l2, "l2", n_layers)

    def _build_layout(self, n_features, n_outputs):
        sizes = [n_features, *self._hidden_sizes(), n_outputs]
        n_layers = len(sizes) - 1
        l1 = self._per_layer(self.l1, "l1", n_layers)
        # The first and the last layer read only A - B: without L1 or a Lipschitz
        # scale (which reads A + B) they are fitted as one free W = A - B, the same
        # minimum without bounds (ABBALayer).
        layers = []
        for i in range(n_layers):
            role = "first" if i == 0 else "last" if i == n_layers - 1 else "inner"
            free = role != "inner" and l1[i] == 0.0 and self.lipschitz_max is None
            layers.append(ABBALayer(
                sizes[i], sizes[i + 1], "identity" if role == "last" else self.activation,
                role, slope=self.cap_slope, cap=self.cap, l1=l1[i], free=free))
        return ParameterLayout(layers)

    def _activate(self, t):
        return activation_function(self._fitted_param("activation"),
                                   self._fitted_param("cap_slope"),
                                   self._fitted_param("cap"))(t)

    def _lipschitz_cap(self, lipschitz_max):
        """The reparametrisation of ``lipschitz_max`` (None: none), for the network
        as evaluated in the compute dtype, whose cast of the scaled blocks the
        scale leaves room for (``sknonneg._lipschitz.bound_scale``)."""
        if lipschitz_max is None:
            return None
        return LipschitzCap(lipschitz_max, self._compute_dtype)

    def _init_theta(self, layout, X, rng, sample_weight=None):
        # Weighted statistics (``init_rows``): integer weights start as repeated
        # rows, zero weights as removed ones. The draw and its scaling: abba_init.
        inputs, weights = init_rows(X, sample_weight, rng, _INIT_SAMPLES,
                                    uniform_draw=True)
        small = self._check_input_scale(inputs, weights)
        cap = self._lipschitz_cap(self.lipschitz_max)
        return layout.pack(*abba_init(
            layout.layer_sizes, inputs, weights, rng, self._activate,
            self._per_layer(self.l2, "l2", layout.n_layers), cap, small_inputs=small))

    def _make_objective(self, layout, X, y, sample_weight, gain, parallel):
        cap = self._lipschitz_cap(self.lipschitz_max)
        penalties = penalties_from_params(
            l2=self._per_layer(self.l2, "l2", layout.n_layers))
        return Objective(layout, self._loss(), penalties, X, y,
                         sample_weight, gain=gain, reparametrization=cap,
                         dtype=self._compute_dtype, parallel=parallel)

    def _set_fitted_layers(self, theta):
        views = self._layout.views(theta)
        coefs_a = [a.copy() for a, _, _, _ in views]
        coefs_b = [b.copy() for _, b, _, _ in views]
        c = 1.0
        lipschitz_max = self._fitted_param("lipschitz_max")
        if lipschitz_max is not None:
            c = self._lipschitz_cap(lipschitz_max).factor(coefs_a, coefs_b)
        last = len(views) - 1
        for i in range(len(views)):
            if i in (0, last):
                # Only A - B matters here: store its least A + B (module Notes).
                diff = coefs_a[i] - coefs_b[i]
                coefs_a[i], coefs_b[i] = np.maximum(diff, 0.0), np.maximum(-diff, 0.0)
            coefs_a[i] *= c
            coefs_b[i] *= c
        self.coefs_a_ = self._read_only(coefs_a)
        self.coefs_b_ = self._read_only(coefs_b)
        self.coefs_ = self._read_only(
            [np.block([[a, b], [b, a]]) for a, b in zip(coefs_a, coefs_b)])
        self.intercepts_ = self._read_only(
            [np.concatenate([bu, bv]) for _, _, bu, bv in views])
        # The first layer sees [x; -x]: its 2 N_1 units compute (A - B).T x and
        # (B - A).T x. That signed map is what inspection tools show as components.
        first = coefs_a[0] - coefs_b[0]
        self.components_ = self._read_only(np.vstack([first.T, -first.T]))
        self.weight_constraints_ = ["abba"] * len(views)
        # The bounds of the network as evaluated: these blocks cast to the compute
        # dtype (abba_bounds; c above left room for the cast).
        bound, separable = abba_bounds(coefs_a, coefs_b, dtype=self._compute_dtype)
        # What prediction, the rounding allowance, certified_radius, the cap check
        # and every other reader use (_fitted_blocks, _fitted_attribute): the same
        # read-only arrays and bound, held apart from the public attributes
        # (rebuilt from _theta, as they are, on unpickling). Before, _forward read
        # coefs_a_, coefs_b_ and intercepts_: an array put in the place of one of
        # theirs (clf.coefs_a_[0] = ...; the arrays are read-only, the lists are
        # not) was predicted with, A or B < 0 included, while lipschitz_bound_
        # and certified_radius kept the fitted network's; and
        # clf.lipschitz_bound_ = 1e-9 made certified_radius 1e10 times larger.
        # The bounds are read-only properties of these values (as the dense
        # networks' lipschitz_bound_): an assignment raises, where it was taken
        # and ignored.
        self._keep_fitted("coefs_", "intercepts_", "coefs_a_", "coefs_b_",
                          "components_", "weight_constraints_")
        self._fitted_public.update(lipschitz_bound_=bound,
                                   lipschitz_bound_separable_=separable)

    @fitted_property
    def lipschitz_bound_(self):
        """Upper bound on the logits' Lipschitz constant in the input (L2 norms).

        Proposition 3.3 (class docstring, Attributes). Read-only: computed from
        the fitted network.
        """
        check_is_fitted(self)
        return self._fitted_public["lipschitz_bound_"]

    @fitted_property
    def lipschitz_bound_separable_(self):
        """The separable bound of eq. (3), ``prod_l ||A_l + B_l||_2``.

        Class docstring, Attributes. Read-only: computed from the fitted network.
        """
        check_is_fitted(self)
        return self._fitted_public["lipschitz_bound_separable_"]

    def _finish(self, result, samples_seen, carry=False):
        super()._finish(result, samples_seen, carry)
        self._check_cap_kept()

    def _check_cap_kept(self):
        """``ValueError`` where the fitted network as computed is bounded above
        ``lipschitz_max``: after a fit (rolled back: ``_RESTORE``) or ``from_mlp``,
        not when a saved model is loaded (it is as it was fitted). The scale's room
        for the cast to float32 (``cast_allowance``) is relative; a weight below
        float32's smallest normal number rounds by up to 2^-150 absolute, far more
        than 2^-24 of itself (``lipschitz_max=1e-89``: the cast network's bound
        came out 1.8 times the cap). Refused, never kept above the cap."""
        cap = self._fitted_param("lipschitz_max")
        bound = self._fitted_public["lipschitz_bound_"]
        if cap is None or bound <= cap:
            return
        tiny = np.finfo(self._compute_dtype).tiny
        exc = ValueError(
            f"lipschitz_max={cap!r} cannot be kept with dtype="
            f"{self._fitted_param('dtype')!r}: the network as computed has the bound "
            f"{bound:.9g} ({bound / cap:.9g} times "
            f"lipschitz_max). Weights scaled below {tiny:.3g}, the smallest normal "
            f"number of that dtype, round by more than the scale leaves room for. "
            f"Use a larger lipschitz_max or dtype='float64'.")
        setattr(exc, _RESTORE, True)  # a fit leaves the estimator as it was
        raise exc

    def _logits_at(self, theta, gain, X):
        """Logits on validated ``X`` of the network ``theta``, for early stopping:
        what ``_logits`` gives once ``theta`` is fitted, without setting attributes or
        computing the fitted Lipschitz bounds (ABBA layers have no gain)."""
        views = self._layout.views(theta)
        if self.lipschitz_max is not None:
            # The blocks as evaluated (and fitted): scaled by c (class Notes).
            c = self._lipschitz_cap(self.lipschitz_max).factor([v[0] for v in views],
                                                               [v[1] for v in views])
            views = [(c * a, c * b, bu, bv) for a, b, bu, bv in views]
        return forward(self._layout.network, views, X, dtype=self._compute_dtype,
                       keep="logits")[1]

    def _fitted_blocks(self):
        """``(coefs_a, coefs_b, intercepts)`` of the fitted network (kept by
        ``_set_fitted_layers``), never the public lists."""
        kept = self._fitted_public
        return kept["coefs_a_"], kept["coefs_b_"], kept["intercepts_"]

    def _forward(self, X, keep="all"):
        params = [(a, b, icpt[:a.shape[1]], icpt[a.shape[1]:]) for a, b, icpt
                  in zip(*self._fitted_blocks())]
        return forward(self._layout.network, params, X, dtype=self._compute_dtype,
                       keep=keep)

    def _logits(self, X):
        return self._forward(X, keep="logits")[1]

    def _certified_bound(self):
        """The Lipschitz bound ``certified_radius`` divides by: the fitted network's
        (``_set_fitted_layers``), never the public ``lipschitz_bound_``, which can
        be set."""
        return self._fitted_public["lipschitz_bound_"]

    def _rounding_layers(self):
        """The network as ``certified_radius``'s rounding allowance reads it."""
        return abba_rounding_layers(*self._fitted_blocks(),
                                    self._fitted_param("activation"),
                                    self._fitted_param("cap"))

    # ---------------------------------------------------------------- public
    def transform(self, X):
        """Compute the outputs of the last hidden ABBA layer, both halves: ``[x_L, z_L]``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        hidden : ndarray of shape (n_samples, 2 * N_last)
            In the fitted ``dtype``.
        """
        hidden, _ = self._forward(self._check_range(self._check_X(X)), keep="last")
        x, z = hidden[-1]
        # Under assume_finite=True a NaN is not refused on the way in (before:
        # NaN rows came out here, where predict raised).
        return check_finite_output(np.hstack([x, z])).astype(self._compute_dtype,
                                                              copy=False)

    @classmethod
    def from_mlp(cls, mlp, **params):
        """The ABBA network that computes exactly what a fitted signed MLP computes.

        The constructive proof of Vasilescu, Neacsu & Pesquet (2024), eq. (9)-(12):
        ``A = W^+``, ``B = W^-`` and ``b_v = -b_u`` on every layer (the centres of
        symmetry of odd activations are 0). A logistic hidden unit is an affine
        image of ``tanh``, ``sigmoid(g t) = 1/2 + tanh(g t / 2) / 2``: the factor
        ``g / 2`` goes into the weights and the shift ``1/2`` into the next layer's
        biases. ``relu`` has no centre of symmetry and is refused.

        Parameters
        ----------
        mlp : MLPClassifier or NonNegMLPClassifier
            A fitted ``sklearn.neural_network.MLPClassifier`` with ``activation``
            ``"tanh"``, ``"identity"`` or ``"logistic"``, or a fitted
            ``NonNegMLPClassifier`` (any sign constraints; logistic, tanh or
            identity units at its fitted gain).
        **params
            Other parameters of the returned estimator (``dtype``, ``l2``,
            ``warm_start`` for fine-tuning...). With ``lipschitz_max``, the network
            is scaled onto the constraint and no longer equivalent.
            ``activation``, ``hidden_layer_sizes`` and ``output`` come from ``mlp``;
            another value is a ``ValueError``.

        Returns
        -------
        abba : ABBAClassifier
            A fitted estimator whose ``predict_proba`` equals ``mlp``'s (float64,
            up to rounding).
        """
        from sklearn.neural_network import MLPClassifier

        from ._nonneg_mlp import NonNegMLPClassifier

        if not isinstance(mlp, (MLPClassifier, NonNegMLPClassifier)):
            hint = (" Pass the pipeline's final step (pipeline[-1]) and keep its other "
                    "steps in front of the result." if hasattr(mlp, "steps")
                    else search_hint(mlp, "pass"))
            raise TypeError(
                f"from_mlp needs a fitted MLPClassifier or NonNegMLPClassifier, got "
                f"{type(mlp).__name__}.{hint}"
            )
        check_is_fitted(mlp)
        # A NonNegMLPClassifier's network as it computes (fitted_attribute), not
        # an array or an output function put in its public attributes since.
        coefs = [np.asarray(w, dtype=np.float64)
                 for w in fitted_attribute(mlp, "coefs_")]
        intercepts = [np.asarray(b, dtype=np.float64)
                      for b in fitted_attribute(mlp, "intercepts_")]
        if isinstance(mlp, NonNegMLPClassifier):  # f(gain * t)
            hidden_activation, gain = mlp.activation_, float(mlp.gain_)
            output = fitted_attribute(mlp, "out_activation_")
            multilabel = bool(mlp._multilabel)
            sparse_y = bool(getattr(mlp, "_sparse_y", False))
        else:
            hidden_activation, gain = mlp.activation, 1.0
            output = "softmax" if mlp.out_activation_ == "softmax" else "logistic"
            multilabel = mlp._label_binarizer.y_type_ == "multilabel-indicator"
            sparse_y = bool(getattr(mlp._label_binarizer, "sparse_input_", False))
        if len(coefs) < 2:
            # Before: "hidden_layer_sizes must be a positive int or a non-empty
            # sequence", a parameter the caller never passed.
            raise ValueError(
                f"from_mlp needs a network with at least one hidden layer; "
                f"{type(mlp).__name__}(hidden_layer_sizes=()) is a linear model, which "
                "an ABBA network does not represent as such.")
        if hidden_activation not in ("tanh", "identity", "logistic"):
            raise ValueError(
                f"from_mlp needs activations with a centre of symmetry (tanh, "
                f"identity, logistic), got {hidden_activation!r}."
            )
        # f(gain t) = alpha + beta R(gamma t) with R odd (tanh or the identity).
        alpha, beta, gamma = (0.5, 0.5, gain / 2) if hidden_activation == "logistic" \
            else (0.0, 1.0, gain)
        odd_coefs, odd_intercepts = [], []
        for i, (w, b) in enumerate(zip(coefs, intercepts)):
            # An overflow (weights near float64's largest) is refused below.
            with np.errstate(over="ignore", invalid="ignore"):
                if i > 0 and alpha:  # the previous layer's output is alpha + beta h'
                    # (tanh and the identity: h' itself; before, 0 * the column
                    # sums made NaN biases where those sums overflowed)
                    b = b + alpha * w.sum(axis=0)
                    w = beta * w
                if i < len(coefs) - 1:
                    w, b = gamma * w, gamma * b
            odd_coefs.append(w)
            odd_intercepts.append(b)

        structure = {"activation": "identity" if hidden_activation == "identity"
                     else "tanh",
                     "hidden_layer_sizes": tuple(int(w.shape[1]) for w in coefs[:-1]),
                     "output": output}
        for name, value in structure.items():
            # Another activation, shape or output would no longer compute what mlp
            # computes (before: activation="capped_leaky_relu" was taken silently,
            # P changed by 0.03; hidden_layer_sizes was a bare TypeError).
            given = params.get(name, value)
            if name == "hidden_layer_sizes":  # 3, (3,) and [3] alike
                given = tuple(cls(hidden_layer_sizes=given)._hidden_sizes())
            if given != value:
                raise ValueError(
                    f"from_mlp takes {name} from mlp, the network it copies "
                    f"({name}={value!r}); got {name}={params[name]!r}. Leave it out.")
        params = {**structure, "dtype": "float64", **params}
        est = cls(**params)
        est._validate_params()
        est._snapshot_params()
        est.out_activation_ = output
        est.classes_ = np.array(mlp.classes_, copy=True)
        est._multilabel = multilabel
        # A model fitted on a sparse indicator y predicts a sparse one, as its
        # source does (before: dense).
        est._sparse_y = sparse_y
        if not multilabel:
            est._label_encoder = LabelEncoder().fit(est.classes_)
        est.n_outputs_ = coefs[-1].shape[1]
        est.n_features_in_ = coefs[0].shape[0]
        if hasattr(mlp, "feature_names_in_"):
            est.feature_names_in_ = np.array(mlp.feature_names_in_, copy=True)
        est._layout = est._build_layout(est.n_features_in_, est.n_outputs_)
        theta = est._layout.pack(
            [np.maximum(w, 0.0) for w in odd_coefs],
            [np.maximum(-w, 0.0) for w in odd_coefs],
            odd_intercepts, [-b for b in odd_intercepts],
        )
        _check_copied_range(theta, est._compute_dtype, type(mlp).__name__)
        est._theta = theta
        est._set_fitted_layers(theta)
        est._check_cap_kept()
        _check_some_input_computes(est, type(mlp).__name__)
        est._gain_ = 1.0
        # A later partial_fit fine-tunes from here, at the end of its schedule as
        # after fit (before: AttributeError, no _gain_step).
        est._gain_step = None
        # and with random_state's generator, as after fit (before: AttributeError,
        # no _rng, for a mini-batch or Adam partial_fit).
        est._rng = check_random_state(est.random_state)
        est.t_ = 0
        est.n_iter_ = 0
        est.loss_ = np.nan
        est.loss_curve_ = []
        est.best_loss_ = np.nan
        # The other documented fitted attributes, as after a fit without early
        # stopping (before: unset, an AttributeError).
        est.n_layers_ = est._layout.n_layers + 1
        est.do_early_stopping_ = False
        est.validation_scores_ = est.best_validation_score_ = None
        return est


def _check_copied_range(theta, dtype, source):
    """``ValueError`` unless the parameters ``theta`` that ``from_mlp`` made from a
    ``source`` network are finite and within the range of the compute ``dtype``.
    Before, weights beyond float32's range were taken with ``dtype="float32"``:
    ``lipschitz_bound_`` was inf and ``predict`` refused every input as "too
    large for the fitted network"; weights near float64's largest overflowed
    (RuntimeWarnings) into a network of inf and NaN."""
    top = float(np.finfo(dtype).max)
    largest = float(np.max(np.abs(theta), initial=0.0))  # NaN stays NaN
    if largest <= top:
        return
    name = np.dtype(dtype).name
    if np.isfinite(largest):
        raise ValueError(
            f"from_mlp cannot copy this {source} with dtype={name!r}: its weights "
            f"and biases, as the ABBA network holds them, reach {largest:.3g}, "
            f"beyond the largest {name} ({top:.3g}), and the network would compute "
            f"with inf. Use dtype='float64'.")
    raise ValueError(
        f"from_mlp cannot copy this {source}: its weights and biases, as the ABBA "
        f"network holds them, overflow float64 (inf or NaN).")


def _check_some_input_computes(est, source):
    """``ValueError`` where the network ``from_mlp`` made from a ``source`` network
    could overflow a weighted sum even on an input of zeros, the smallest that
    ``check_network_range`` reads: then ``predict`` refuses every ``X`` ("values
    too large for the fitted network", advice to scale ``X`` that cannot help).
    Before, weights within float32's range but whose sums are not (1e37 on eight
    tanh units with ``dtype="float32"``) were taken so; ``_check_copied_range``
    refused only those beyond the range itself."""
    from .._lipschitz import range_overflow_rows

    zeros = np.zeros((1, est.n_features_in_))
    if not range_overflow_rows(est._range_layers(), zeros, est._compute_dtype)[0]:
        return
    name = np.dtype(est._compute_dtype).name
    advice = (" Use dtype='float64'." if name != "float64" else
              " Its weights are beyond what a float64 network computes.")
    raise ValueError(
        f"from_mlp cannot copy this {source} with dtype={name!r}: a weighted sum "
        f"of its layers could exceed the range of {name} on any input, even all "
        f"zeros (its weights and biases, as the ABBA network holds them, reach "
        f"{float(np.max(np.abs(est._theta))):.3g}), so predict would refuse every "
        f"X.{advice}")
