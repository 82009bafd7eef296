"""NonNegMLPClassifier: the network of Chorowski & Zurada (2015)."""

from collections.abc import Iterable
from numbers import Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from .. import _activations
from .._compat import Interval, StrOptions
from .._lipschitz import mlp_lipschitz_bound
from .._validation import parameter_error, search_hint
from ._autoencoder import NonNegAutoencoder
from ._base import GAIN_RANGE, PENALTY_MAX, fitted_property
from ._classifier import BaseNetworkClassifier, fill_doc
from ._dense import DenseNetworkMixin, _activation_slope
from ._monotone import has_constraint
from ._training import fit_output_layer

__all__ = ["NonNegMLPClassifier"]

# Iterations of the output stage of a pre-trained stack (``from_autoencoders``): the
# softmax of the UFLDL stacked-autoencoder exercise is trained by 100 L-BFGS
# iterations on the top codes before fine-tuning.
_OUTPUT_FIT_ITER = 100
# Multilabel outputs start at their labels' log-odds, clipped to [1e-3, 1 - 1e-3]
# (Notes): at 0.5, the first steps of a fit on many rare labels lower every output
# at once, which a non-negative output layer does by switching hidden units off for
# good, and labels end at their prior (Reuters all-90,
# benchmarks/results/reuters90_prior.md).
_PRIOR_CLIP = 1e-3


@fill_doc
class NonNegMLPClassifier(DenseNetworkMixin, BaseNetworkClassifier):
    r"""Multi-layer perceptron classifier with non-negative or sign-constrained weights.

    The network of Chorowski & Zurada (2015): sigmoid hidden units (or tanh, relu,
    identity: ``activation``) with a gain that is annealed during training, a
    softmax (or logistic) output, L1/L2 penalties per weight layer and a sparsity
    penalty on the hidden activations, fitted with scipy's bound-constrained
    L-BFGS-B (weights bounded at zero, biases free), full batch or on stratified
    mini-batches, or with projected Adam.

    Read more in the :ref:`User Guide <nonneg>`.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int, default=(100,)
        Number of units of each hidden layer.
    positive : bool, {"hidden", "output"} or array-like of bool, default=True
        Which weight layers are constrained to be >= 0: ``True`` every layer,
        ``False`` none (the unconstrained baseline), ``"hidden"`` all but the
        output layer, ``"output"`` the last only, or one bool per weight layer.
        With logistic outputs ``True`` makes every label's probability
        non-decreasing in every feature: labels that fall where others rise
        cannot both be fitted then, so take ``"hidden"`` or ``False`` for them
        (which settings are monotone: :ref:`choosing`).
    monotonic_cst : array-like of int of shape (n_features,) or dict, default=None
        Monotonic constraint per feature, as ``HistGradientBoostingClassifier``
        takes it: 1 (non-decreasing), -1 (non-increasing), 0 (free), or a dict
        (or pandas Series) ``{feature_name: -1|0|1}`` for a DataFrame with string
        column names. It signs each feature's first-layer weights, overriding
        ``positive`` there. With every later layer non-negative (``positive=True``,
        a list ``True`` after the first layer, or ``"output"`` with a
        single hidden layer) and a single logistic output, P(``classes_[1]``)
        (each label's, multilabel) is non-decreasing in every +1 feature and
        non-increasing in every -1 feature, exactly. Refused with an error: a
        signed later layer, a softmax output, a multiclass target (constraints
        of 0 alone promise nothing and are accepted with each of these;
        :ref:`choosing`).
    activation : {"logistic", "tanh", "relu", "identity"}, default="logistic"
        Activation ``f`` of the hidden units, applied to ``gain * (x @ W + b)``:
        the paper's sigmoid, ``tanh``, ``max(t, 0)`` or the identity, all
        non-decreasing. ``activity_l1`` needs ``"logistic"`` or ``"relu"``
        (activations >= 0).
    gain : "auto", float or (float, float), default="auto"
        Gain ``lambda`` of the hidden units, ``f(lambda * (x @ W + b))``. A pair
        ``(start, end)`` is annealed exponentially over the epochs or over 5
        L-BFGS-B stages (full batch). ``"auto"``: the paper's ``(1.0, 2.0)`` for
        ``"logistic"`` and ``"tanh"`` units under ``solver="lbfgsb"`` with a
        softmax output, else ``1.0`` (:ref:`docstring-measurements`).
        <<gain_range>>
    l1 : "auto", float or array-like of float, default="auto"
        L1 penalty, one value for every weight layer or one per layer (the paper's
        pH1, pC1). Exact, also on unconstrained weights (see Notes). ``"auto"``:
        ``1e-4`` on the first layer of a network whose every layer is non-negative
        fitted to multilabel targets, 0 everywhere else (why: Notes). At most 1e6
        (see ``l2``).
    <<l2_params>>
    output : {"auto", "softmax", "logistic"}, default="auto"
        ``"softmax"``: one output per class, mutually exclusive classes.
        ``"logistic"``: one sigmoid unit per label (a single unit for binary
        problems; required for multilabel indicator targets). ``"auto"``: logistic
        units for multilabel targets, a single logistic unit for a binary
        problem when ``monotonic_cst`` constrains a feature, else a softmax
        (which can fit any labelling). The single unit gives P(``classes_[1]``),
        the second of the sorted labels (:ref:`choosing`).
    <<solver_param>>
    <<training_params>>
    <<class_weight_param>>
    <<common_params>>

    Attributes
    ----------
    coefs_ : list of ndarray
        ``coefs_[i]`` of shape (n_in, n_out): weights of layer ``i``. The fitted
        arrays (``coefs_``, ``intercepts_``, ``components_``) are read-only and,
        with ``weight_constraints_``, ``monotonic_cst_`` and
        ``out_activation_``, describe the fit: a value put in their place
        changes nothing (:doc:`/reliability`, "Prediction uses what was
        fitted").
    intercepts_ : list of ndarray
        ``intercepts_[i]`` of shape (n_out,): biases of layer ``i`` (free).
    components_ : ndarray of shape (n_hidden, n_features)
        First-layer weights, one row per hidden unit, as ``NMF``/``PCA`` expose
        theirs.
    weight_constraints_ : list of str
        ``"nonneg"``, ``"free"`` or ``"mixed"`` for each weight layer.
    activation_ : str
        Activation of the hidden units of the fitted network, the one prediction
        uses (``set_params(activation=...)`` takes effect at the next fit).
        Read-only: computed from the fitted network.
    gain_ : float
        Gain of the hidden units at the end of training (the end of the ``gain``
        schedule reached), the one prediction uses.
        Read-only: computed from the fitted network.
    monotonic_cst_ : ndarray of shape (n_features_in_,) or None
        The per-feature constraints (-1, 0, 1) resolved from ``monotonic_cst``;
        None without it. Read-only, and as fitted: a value set since changes
        nothing (``coefs_``).
    lipschitz_bound_ : float
        Upper bound on the Lipschitz constant of the logits with respect to the
        input (L2 norms), of the fitted weights and gain cast to ``dtype``
        (:ref:`nonneg`, "Certificates"): exact arithmetic, not the rounding of
        the outputs, for which :meth:`certified_radius` allows.
        Read-only: computed from the fitted network.
    <<classifier_attributes>>
    <<fit_attributes>>

    See Also
    --------
    sklearn.neural_network.MLPClassifier : Unconstrained multi-layer perceptron.
    sklearn.decomposition.NMF : Non-negative parts-based representation.

    Notes
    -----
    With hidden activations :math:`a_l = f(\lambda (a_{l-1} W_l + b_l))` for
    :math:`l = 1, \dots, L - 1` (:math:`a_0 = x`; ``f`` the ``activation``;
    :math:`\lambda` the gain), logits :math:`z = a_{L-1} W_L + b_L` and sample
    weights :math:`s_i` (``sample_weight`` times ``class_weight``; ones by
    default), training minimises eq. (1) of the paper, with the change below in
    its first-layer L2 term:

    .. math::

        & \frac{1}{\sum_i s_i} \sum_i s_i ( \mathrm{nll}(z_i, y_i)
            + \mathrm{activity\_l1} \sum_{l=1}^{L-1} \sum_j a_{l,ij} ) \\
        & + \sum_{l=1}^{L} \mathrm{l1}_l \|W_l\|_1
            + \mathrm{l2}_1 \sum_j u_j^2 \|W_{1,j}\|_2^2
            + \sum_{l=2}^{L} \mathrm{l2}_l \|W_l\|_F^2

    subject to :math:`W_l \geq 0` on the constrained layers (the biases are
    free and not penalised), where :math:`\mathrm{nll}(z, y) = \log \sum_k
    e^{z_k} - z_y` for a softmax output and :math:`\sum_k (\log(1 + e^{z_k}) -
    y_k z_k)` for logistic outputs (each unit's binary cross-entropy),
    :math:`\mathrm{l1}_l` and :math:`\mathrm{l2}_l` are ``l1`` and ``l2`` of
    layer :math:`l`, :math:`W_{1,j}` is row :math:`j` of the first layer and
    :math:`u_j = \max(1, \max_i x_{ij} - \min_i x_{ij})` the span of input
    column :math:`j` (the paper has :math:`u_j = 1`; why: :ref:`nonneg`). A free
    weight with L1 is held as :math:`w = w^+ - w^-`, both parts bounded at zero,
    which keeps the penalty exact; a fit stopped at ``max_iter`` with both parts
    of a weight positive has a ``loss_`` that exceeds the objective above at
    ``coefs_`` by :math:`2 \sum_l \mathrm{l1}_l \sum \min(w^+, w^-)` over the
    split weights of layer :math:`l`.

    The initialisation is data-dependent (:doc:`/engine`, "Initialisation"): each
    unit's pre-activation starts with a set spread over the training data (with
    a softmax output, 2 for a non-negative output layer and 0.1 for a signed
    one), each multilabel output at its label's log-odds. ``l1="auto"`` keeps
    the positive-only evidence of a multilabel non-negative network on fewer,
    stronger inputs, so that fewer rows get no label (:doc:`/defaults`, fifth
    round). Scale the inputs (``MinMaxScaler`` or ``StandardScaler`` in a
    ``Pipeline``): see ``InputScaleWarning``, and :doc:`/reliability` for the
    warnings. On inputs whose largest column root-mean-square is below 1e-3 (an
    ``InputScaleWarning``) a fit of either solver starts with its first layer
    shrunk to an L2 penalty of at most 1 (:doc:`/reliability`, "Small inputs").

    A non-negative network with a single logistic output unit is monotone in
    every input and cannot fit XOR (Wang et al. 2022); with a softmax and sigmoid
    units it can fit any labelling (Chorowski & Zurada 2015, Appendix A). Why
    ``monotonic_cst`` holds: :ref:`choosing`.

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

    # The first layer's L2 penalty in units of each input column's range (where it
    # spans more than 1): see Notes and ``_engine.precondition.penalty_units``.
    _column_unit_penalty = True

    _parameter_constraints = {
        **BaseNetworkClassifier._parameter_constraints,
        "positive": ["boolean", StrOptions({"hidden", "output"}), list, tuple,
                     np.ndarray],
        "monotonic_cst": ["array-like", dict, None],
        "output": [StrOptions({"auto", "softmax", "logistic"})],
        "activation": [StrOptions(set(_activations.DENSE))],
        "gain": [Interval(Real, *GAIN_RANGE, closed="both"), tuple, list, np.ndarray,
                 StrOptions({"auto"})],
        "activity_l1": [Interval(Real, 0, PENALTY_MAX, closed="both")],
        "l1": [Interval(Real, 0, PENALTY_MAX, closed="both"), "array-like",
               StrOptions({"auto"})],
    }

    # ``activation`` is read by prediction through the fitted layers; kept from the
    # fit, so a partial_fit cannot continue with another.
    _FITTED_PARAMS = (*BaseNetworkClassifier._FITTED_PARAMS, "activation")
    _LAYOUT_PARAMS = ("hidden_layer_sizes", "positive", "monotonic_cst", "l1")

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        *,
        positive=True,
        monotonic_cst=None,
        activation="logistic",
        gain="auto",
        l1="auto",
        l2=1e-5,
        activity_l1=0.0,
        output="auto",
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
        class_weight=None,
        dtype="float64",
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.positive = positive
        self.monotonic_cst = monotonic_cst
        self.activation = activation
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
        self.scoring = scoring
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.class_weight = class_weight
        self.dtype = dtype
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------ output, monotonicity
    def _monotone_output(self):
        """``(output, n_classes)`` for ``check_monotone_network``: a multilabel
        target has no class count (each label's probability is its own sigmoid)."""
        if getattr(self, "_multilabel", False) or not hasattr(self, "classes_"):
            n_classes = None  # multilabel, or no targets seen yet
        else:
            n_classes = len(self.classes_)
        return self._output_type(), n_classes

    @classmethod
    def from_autoencoders(cls, autoencoders, *, output_init="fit", **params):
        """A classifier whose hidden layers start from a fitted stack of autoencoders.

        The stacked autoencoders' recipe (Hosseini-Asl et al. 2016, section III-C,
        after the UFLDL tutorial): greedy layer-wise pre-training (the
        ``autoencoders``, each fitted on the codes of the one before, as in a
        ``Pipeline``), then the output layer trained alone on the top codes, then
        the whole network fine-tuned. The encoders become the hidden layers, in
        order; the first ``fit`` fits the output layer on their codes (see
        ``output_init``), then fine-tunes everything with the classifier's solver.

        Parameters
        ----------
        autoencoders : list of NonNegAutoencoder
            Fitted, ``n_components`` of each equal to the input width of the next.
        output_init : {"fit", "default"}, default="fit"
            How the first ``fit`` (or ``partial_fit``) starts the output layer.
            ``"fit"``: as the recipe, the output layer alone (softmax or logistic
            regression, with its sign constraints, ``l1`` and ``l2``) is fitted to
            the targets on the codes of the frozen hidden layers (all training
            rows), by full-batch L-BFGS-B for up to 100 iterations from the usual
            start; fine-tuning then begins from a fitted classifier. ``"default"``:
            the classifier's data-dependent initialisation (Notes of the class).
        **params
            Parameters of the classifier. ``hidden_layer_sizes`` defaults to the
            stack's ``n_components``, ``gain`` to 1.0 (the autoencoders' sigmoid)
            and ``positive`` to non-negative hidden layers where the encoder was
            bounded non-negative (``nonneg="bounds", nonneg_layers="both"``) and
            non-negative layers after the stack: ``True`` where every encoder was
            so bounded (at any ``hidden_layer_sizes`` set since), else a list of
            one bool per weight layer, which a deeper ``hidden_layer_sizes`` set
            since must come with (``set_params(positive=...)``).

        Returns
        -------
        clf : NonNegMLPClassifier
            Not fitted yet. The pre-trained weights are held by this instance
            and travel with ``clone`` (so ``GridSearchCV`` and
            ``cross_val_score`` fine-tune every candidate from the stack). They
            are not a parameter: an estimator built anew from ``get_params()``
            starts from the default initialisation; the instance's own ``repr``
            says it holds a stack (not the ``repr`` of a ``Pipeline`` or a search
            holding it, which shows parameters only). A
            parameter set since (``set_params``) that does not fit them (other
            ``hidden_layer_sizes``, or ``positive`` on a layer with negative
            weights) is refused by ``fit``.

        Raises
        ------
        TypeError
            If ``autoencoders`` is not a list (an iterable) of
            :class:`NonNegAutoencoder`.
        ValueError
            If the stack's sizes do not chain, a layer that ``positive``
            constrains to be non-negative gets negative pre-trained weights, or
            ``output_init`` is not one of the above.

        Notes
        -----
        Fine-tuning runs with the classifier's parameters as given (``solver``,
        ``learning_rate_init``, ``max_iter`` ...); only ``gain`` defaults to 1,
        the autoencoders' sigmoid, so that the hidden layers compute the codes
        they were trained to. On MNIST, projected Adam (``solver="adam"``) with
        a step of 3e-3 to 1e-2 fine-tuned the stack better per CPU second than
        the default step 1e-3 or full-batch L-BFGS-B, and the larger step did not
        undo the pre-training. There, autoencoders fitted on a random subset of
        the rows started fine-tuning about as well as ones fitted on all of
        them, at a fraction of the cost. At equal total CPU time, pre-training
        included, a stack so pre-trained and fine-tuned long enough (80 epochs,
        step 1e-2 decaying linearly) ended with a slightly lower test error than
        the same network from its default initialisation; at shorter budgets
        the two tied or the default initialisation won. The runs, their
        figures and their results files: :doc:`/defaults`, "Stacked
        autoencoders: the output stage and fine-tuning".

        With early stopping (``do_early_stopping_``) the output stage sees the
        training rows only, not the validation rows split off for early stopping.
        A warm start (``warm_start=True`` after a fit) continues the fitted network
        and repeats neither stage.

        Examples
        --------
        >>> from sklearn.datasets import load_digits
        >>> from sknonneg import NonNegAutoencoder, NonNegMLPClassifier
        >>> X, y = load_digits(return_X_y=True)
        >>> ae = NonNegAutoencoder(20, nonneg_layers="both", max_iter=100,
        ...                        random_state=0).fit(X / 16)
        >>> clf = NonNegMLPClassifier.from_autoencoders([ae], max_iter=200,
        ...                                             random_state=0)
        >>> clf.fit(X / 16, y).coefs_[0].shape
        (64, 20)
        """
        if output_init not in ("fit", "default"):
            raise parameter_error("NonNegMLPClassifier.from_autoencoders",
                                  "output_init", "a str among {'fit', 'default'}",
                                  output_init)
        if (isinstance(autoencoders, (BaseEstimator, str, bytes))
                or not isinstance(autoencoders, Iterable)):
            # Before: "'NonNegAutoencoder' object is not iterable".
            raise TypeError(
                f"from_autoencoders needs a list of fitted NonNegAutoencoder, got "
                f"{type(autoencoders).__name__}; pass [autoencoder] for one."
                + search_hint(autoencoders, "pass"))
        # A list: a generator is read twice below (the weights, the constraints).
        autoencoders = list(autoencoders)
        coefs, intercepts = [], []
        for i, ae in enumerate(autoencoders):
            if not isinstance(ae, NonNegAutoencoder):
                # Before: an AttributeError (weight_constraints_, coefs_) for a
                # scikit-learn MLP or a Pipeline, and a fitted NonNegMLPRegressor
                # was taken as a stack.
                hint = (" Pass the Pipeline's autoencoder step (pipeline[-1]) and "
                        "put its preprocessing in front of the classifier."
                        if hasattr(ae, "steps") else search_hint(ae, "pass"))
                raise TypeError(
                    f"from_autoencoders needs fitted NonNegAutoencoder instances; "
                    f"autoencoder {i} is a {type(ae).__name__}.{hint}")
            check_is_fitted(ae)
            # The encoder as the autoencoder computes with it (_fitted_arrays), not
            # its public coefs_ and intercepts_ lists: before, an array put in the
            # place of one of theirs (which changes no transform) was stacked, and
            # a negative one on a non-negative encoder refused.
            fitted_coefs, fitted_intercepts = ae._fitted_arrays()
            coef = np.array(fitted_coefs[0], dtype=np.float64)
            if coefs and coefs[-1].shape[1] != coef.shape[0]:
                raise ValueError(
                    f"autoencoder {i} takes {coef.shape[0]} inputs, but the one before "
                    f"has {coefs[-1].shape[1]} components.")
            coefs.append(coef)
            intercepts.append(np.array(fitted_intercepts[0], dtype=np.float64))
        if not coefs:
            raise ValueError("from_autoencoders needs at least one fitted autoencoder.")
        sizes = tuple(c.shape[1] for c in coefs)
        params.setdefault("hidden_layer_sizes", sizes)
        params.setdefault("gain", 1.0)
        chosen = None  # the positive list chosen here, if one is
        if "positive" not in params:
            # The stack's constraints, then non-negative layers for every layer
            # after it: the hidden layers added beyond the stack (before: a list
            # one bool per stack layer plus the output, refused as too short when
            # hidden_layer_sizes went on past the stack) and the output. A stack
            # of non-negative encoders: True, which holds at any depth (before,
            # a list of one bool per layer, refused once set_params or a grid
            # search deepened hidden_layer_sizes past the stack).
            # Read from the fitted layout, as weight_constraints_ is set at the fit
            # (a list that can be set since: before, read from it).
            stack = [ae._layout.nonneg_layers[0] for ae in autoencoders]
            if all(stack):
                params["positive"] = True
            else:
                n_hidden = len(cls(hidden_layer_sizes=params["hidden_layer_sizes"])
                               ._hidden_sizes())
                params["positive"] = stack + [True] * max(
                    1, n_hidden - len(autoencoders) + 1)
                chosen = list(params["positive"])
        clf = cls(**params)
        hidden = clf._hidden_sizes()
        if tuple(hidden[:len(sizes)]) != sizes:
            raise ValueError(f"hidden_layer_sizes={params['hidden_layer_sizes']!r} "
                             f"does not start with the stack's sizes {sizes}.")
        positive = clf._positive_layers(len(hidden) + 1)
        for i, coef in enumerate(coefs):
            if positive[i] and coef.min() < 0:
                raise ValueError(
                    f"layer {i} is constrained to be non-negative (positive="
                    f"{clf.positive!r}) but its pre-trained weights have negative "
                    "values; fit the autoencoder with nonneg='bounds', "
                    "nonneg_layers='both', or pass positive with this layer free.")
        clf._pretrained = (coefs, intercepts)
        clf._pretrained_output = output_init
        clf._pretrained_positive = chosen
        return clf

    def __repr__(self, N_CHAR_MAX=700):
        # The pre-trained stack is not a parameter (get_params does not show it):
        # the repr says it is there, as a comment after the call.
        text = super().__repr__(N_CHAR_MAX=N_CHAR_MAX)
        if hasattr(self, "_pretrained"):
            sizes = tuple(c.shape[1] for c in self._pretrained[0])
            text += f"  # from_autoencoders: starts from a pre-trained stack {sizes}"
        return text

    def __sklearn_clone__(self):
        # scikit-learn's cloning protocol: a clone is unfitted and has the same
        # parameters. The pre-trained stack of ``from_autoencoders`` is part of how
        # this instance was configured, not fitted state, so it travels with the
        # clone; otherwise a grid search would silently start every candidate from
        # the default initialisation.
        clone = super().__sklearn_clone__()
        if hasattr(self, "_pretrained"):
            clone._pretrained = self._pretrained
            clone._pretrained_output = self._pretrained_output
            clone._pretrained_positive = getattr(self, "_pretrained_positive", None)
        return clone

    def _check_pretrained(self, layout):
        """Refuse a pre-trained stack that the parameters set since no longer fit."""
        coefs, _ = self._pretrained
        shapes = [tuple(c.shape) for c in coefs]
        expected = [(layout.layer_sizes[i], layout.layer_sizes[i + 1])
                    for i in range(min(len(coefs), layout.n_layers - 1))]
        if shapes and shapes[0][0] != layout.layer_sizes[0]:
            # Before: blamed hidden_layer_sizes, which did start with the stack.
            raise ValueError(
                f"X has {layout.layer_sizes[0]} features, but the pre-trained stack's "
                f"first autoencoder (from_autoencoders) takes {shapes[0][0]}: fit the "
                "classifier on the data the stack was fitted on.")
        if len(coefs) >= layout.n_layers or shapes != expected:
            raise ValueError(
                f"hidden_layer_sizes={self.hidden_layer_sizes!r} with "
                f"{layout.layer_sizes[0]} input features does not start with the "
                f"pre-trained stack's layers {shapes} (from_autoencoders); keep "
                "hidden_layer_sizes starting with the stack's n_components.")
        for i, coef in enumerate(coefs):
            signs = np.asarray(layout.coef_signs[i])[:, None]
            if np.any(((signs > 0) & (coef < 0)) | ((signs < 0) & (coef > 0))):
                raise ValueError(
                    f"the pre-trained weights of layer {i} (from_autoencoders) break "
                    f"its sign constraints (positive={self.positive!r}, "
                    f"monotonic_cst={self.monotonic_cst!r}).")
        # An autoencoder fitted in float64 whose weights lie beyond float32's range:
        # before, a fit with dtype="float32" was refused as "The network's
        # parameters overflowed ... in L-BFGS-B", advice that named neither.
        top = float(np.finfo(self._compute_dtype).max)
        for i, (coef, intercept) in enumerate(zip(*self._pretrained)):
            largest = max(float(np.max(np.abs(coef), initial=0.0)),
                          float(np.max(np.abs(intercept), initial=0.0)))
            if largest > top:
                name = np.dtype(self._compute_dtype).name
                raise ValueError(
                    f"the pre-trained weights of layer {i} (from_autoencoders) reach "
                    f"{largest:.3g}, beyond the largest {name} ({top:.3g}): with "
                    f"dtype={name!r} the network would compute with inf. Use "
                    f"dtype='float64'.")

    def _init_output(self, layout, theta, X, targets, sample_weight):
        """The start refined with the targets: multilabel outputs at their labels'
        log-odds (``_prior_intercepts``); or the output stage of a pre-trained
        stack (``from_autoencoders`` with ``output_init="fit"``): the output layer
        of ``theta`` fitted alone on the last hidden layer's outputs for ``X``, the
        layers below held fixed.

        The output stage is one full-batch L-BFGS-B run of the engine's objective
        over the output layer (its signs, ``l1`` and ``l2``), from ``theta``'s
        output layer: ``_training.fit_output_layer``, with the training loops."""
        if getattr(self, "_pretrained_output", "default") != "fit":
            if getattr(self, "_multilabel", False):
                return self._prior_intercepts(layout, theta, targets, sample_weight)
            return theta
        return fit_output_layer(self, layout, theta, X, targets, sample_weight,
                                max_iter=_OUTPUT_FIT_ITER)

    @staticmethod
    def _prior_intercepts(layout, theta, targets, sample_weight):
        """``theta`` with each multilabel output's bias raised by its label's
        weighted log-odds (clipped to ``[_PRIOR_CLIP, 1 - _PRIOR_CLIP]``): every
        label starts at its training frequency, not at 0.5 (Notes)."""
        coefs, intercepts = layout.arrays(theta)  # lists of new arrays
        weights = (np.ones(targets.shape[0]) if sample_weight is None
                   else np.asarray(sample_weight, dtype=np.float64))
        prior = np.clip(weights @ targets / weights.sum(), _PRIOR_CLIP,
                        1.0 - _PRIOR_CLIP)
        intercepts[-1] = intercepts[-1] + (np.log(prior) - np.log1p(-prior))
        return layout.pack(coefs, intercepts)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # A monotonic_cst that constrains a feature refuses more than two classes
        # (check_monotone_network): before, the tag said multi_class, and
        # check_classifiers_train failed on its three-class problem with that error.
        tags.classifier_tags.multi_class = not has_constraint(self.monotonic_cst)
        # One logistic unit per class, every layer after the first >= 0: the output
        # is monotone in every feature that the first layer's signs constrain
        # (positive, or monotonic_cst), in their direction. poor_score (an accuracy
        # of 0.83 on check_classifiers_train's blobs) only where that direction
        # contradicts the blobs' (_fails_common_check). Before, every such network
        # was tagged: also those monotonic_cst made free or non-increasing in the
        # blobs' second feature, which pass the check. "auto" gives that one
        # logistic unit only to a binary target under monotonic_cst (_auto_output;
        # a softmax otherwise, whose class probabilities are not monotone).
        output = self.output
        logistic = isinstance(output, str) and (
            output == "logistic"
            or (output == "auto" and has_constraint(self.monotonic_cst)))
        tags.classifier_tags.poor_score = (
            logistic and self._fails_common_check("classifier"))
        return tags

    @fitted_property
    def lipschitz_bound_(self):
        """Upper bound on the logits' Lipschitz constant in the input (L2 norms).

        ``c^(L - 1)`` times ``||W_1 ... W_L||_2`` when every layer is
        sign-constrained (the Jacobian is then a product of non-negative matrices),
        else the product of the layers' spectral norms (eq. 3); runs of constrained
        layers between free ones are bounded together, by the spectral norm of
        the product of their absolute values. ``c`` is the largest slope of
        the hidden units at the fitted gain: ``gain / 4`` for the sigmoid, ``gain``
        for tanh, relu and the identity. The computed norms are enlarged by an
        allowance for their rounding (about ``m n`` unit roundoffs for ``m x n``
        layers), so that the value bounds the exact constant of the network as
        computed: its weights and gain cast to the fitted ``dtype`` (float32 rounds
        each by up to ``2^-24`` relative, which moved the constant by up to 4e-8
        relative when the bound was that of the float64 weights).
        """
        self._not_while_listing("lipschitz_bound_")
        check_is_fitted(self)
        return mlp_lipschitz_bound(self._fitted_arrays()[0], self._layout.coef_signs,
                                   _activation_slope(self), self._compute_dtype)
