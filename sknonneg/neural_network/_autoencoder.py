"""NonNegAutoencoder: part-based sparse autoencoders (NCAE) as a transformer."""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, logit
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .._compat import Interval, Options, StrOptions, check_sample_weight
from .._engine.init import init_rows, scale_to_spread, signed_draw
from .._engine.penalties import penalties_from_params
from .._engine import (
    DenseLayer,
    ParameterLayout,
    RowBlockObjective,
    forward,
)
from .._lipschitz import dense_rounding_layers
from .._solvers import SOLVERS
from .._validation import (
    check_finite_output,
    check_network_fits_in_memory,
    check_network_range,
    check_positive_weights,
    check_reconstruction_scale,
    check_sparse_structure,
    largest_magnitude,
)
from ._base import PENALTY_MAX, fitted_property
from ._diagnostics import column_rms, note_input_scale_warning, warn_scale
from ._training import TrainableNetwork

__all__ = ["NonNegAutoencoder"]

# A sparse input is reconstructed in blocks of rows whose dense reconstruction (and
# its delta and targets, one buffer each) takes at most this many bytes each.
_BLOCK_BYTES = 64 << 20
# Bytes per stored value of the temporaries of a residual's scatter of a CSR block
# (``_scatter_is_lighter``).
_SCATTER_BYTES = 16
# Rows of the data looked at by the initialisation.
_INIT_SAMPLES = 2000
# Standard deviation of each encoder unit's pre-activation over the data at the start.
_ENCODER_INIT_STD = 1.0
_LOGIT_CLIP = 1e-3


def _warn_outside_unit_range(X, name):
    """``InputScaleWarning`` if ``X`` (dense or sparse) has values outside [0, 1]:
    a sigmoid decoder reconstructs values in (0, 1) only. Returns whether it
    warned where the user sees it (``warn_scale``)."""
    values = X.data if sp.issparse(X) else X
    if values.size == 0:
        return False
    low, high = float(values.min()), float(values.max())
    if sp.issparse(X) and values.size < X.shape[0] * X.shape[1]:
        low, high = min(low, 0.0), max(high, 0.0)  # the implicit zeros
    # A few units of rounding allowed: MinMaxScaler's output, the fix this warning
    # recommends, reaches 1.0000000000000002.
    slack = 8 * float(np.finfo(values.dtype).eps) if values.dtype.kind == "f" else 0.0
    if low < -slack or high > 1.0 + slack:
        def show(v):  # three digits, or all where those read as 0 or 1
            text = f"{v:.3g}"
            return repr(v) if text in ("0", "-0", "1") else text

        return warn_scale(
            f"{name}: decoder='sigmoid' reconstructs values in [0, 1], but X ranges "
            f"over [{show(low)}, {show(high)}]: "
            "its reconstruction error cannot reach zero. Scale X into [0, 1] (a "
            "MinMaxScaler in a Pipeline), or use decoder='linear'.")
    return False


def _warn_small_for_sigmoid(inputs, name):
    """``InputScaleWarning`` if ``inputs`` (the initialisation's rows: at a fit that
    starts anew or a first ``partial_fit``, once, not per batch) have a largest
    absolute value below ``_SIGMOID_MAX_LOW``: the sigmoid decoder's fit then
    collapses. Returns whether it warned where the user sees it (``warn_scale``)."""
    top = largest_magnitude(inputs) or 0.0
    if 0.0 < top < _SIGMOID_MAX_LOW:
        return warn_scale(
            f"{name}: decoder='sigmoid' fits data that fill [0, 1], but the largest "
            f"value of X is {top:.3g}: its outputs must then stay near 0, where "
            "the sigmoid is flat, and on data this small its reconstruction can be "
            "worse than predicting the column means. "
            "Scale X into [0, 1] (a MinMaxScaler or MaxAbsScaler in a Pipeline).")
    return False


# Largest absolute value below which the sigmoid decoder is warned of (data inside
# [0, 1] but small). 300 digits / 16 times s, k = 16, relative reconstruction
# error, L-BFGS-B 200 iterations: 0.17 at s = 1, 0.22 at 0.3, 0.26 at 0.2, 0.62 at
# 0.1, 0.78 at 0.01 (predicting the column means: 0.55; NMF 0.23 at every s), where
# L-BFGS-B stopped after 15 iterations, every code constant over the rows; Adam,
# 50 epochs: 0.38, 0.38, 0.40, 0.45, 0.53. No warning said so. With the encoder's
# L2 in the columns' spans (which scale with s): L-BFGS-B 0.17, 0.22, 0.25, 0.37,
# 0.74; Adam 0.38, 0.37, 0.38, 0.41, 0.53: the decoder's outputs near 0, where the
# sigmoid's slope is its output, still fail on the smallest data.
_SIGMOID_MAX_LOW = 0.2


# Largest column root-mean-square above which the linear decoder is warned of: on a
# rank-4 count matrix (300 x 40, tests/test_autoencoder.py) the relative
# reconstruction error of L-BFGS-B stayed at 0.115-0.121 up to a largest column RMS
# of 2, then rose to 0.26 at 6, 0.48 at 20 and 0.67 at 80 (NMF: 0.11).
_LINEAR_RMS_HIGH = 3.0
# Largest absolute value below which the linear decoder is warned of: Adam's step
# (learning_rate_init, absolute) and the L2 penalty (on encoder weights that grow as
# 1 / scale) do not scale with the data. 500 digits / 16 times s, k = 16, 30 Adam
# epochs: relative reconstruction error 0.34 at s = 1 and 0.3, 0.41 at 0.1 to 0.01,
# 0.68 at 3e-3, 1.75 at 1e-3, 14.6 at 1e-4 (predicting the column means: 0.55); the
# same data multiplied back to order one: 0.35 at every s. tf-idf (rows of unit
# norm) has a largest value near 1 and does not warn.
_LINEAR_MAX_LOW = 0.1


def _warn_far_from_unit_scale(inputs, weights, name):
    """``InputScaleWarning`` if ``inputs`` (the initialisation's rows, float64,
    and their weights) are far from order one: largest absolute value below
    ``_LINEAR_MAX_LOW``, or a column root-mean-square above ``_LINEAR_RMS_HIGH``.
    The linear decoder builds its output from codes in [0, 1] with L2-penalised
    weights and an absolute step size, and fits data of order one far better.
    Returns whether it warned where the user sees it (``warn_scale``)."""
    if inputs.size == 0:
        return False
    top = float(abs(inputs).max())
    if 0.0 < top < _LINEAR_MAX_LOW:
        return warn_scale(
            f"{name}: decoder='linear' fits data of order one, but the largest "
            f"absolute value of X is {top:.3g}: the step size and the L2 penalty do "
            "not scale with the data, and on data this small its reconstruction can "
            "be far worse than predicting the column means. Multiply X by a constant "
            "(say 1 / its largest value), or put a MaxAbsScaler before it in a "
            "Pipeline.")
    rms = column_rms(inputs, weights)
    largest = float(np.max(rms))
    if largest > _LINEAR_RMS_HIGH:
        return warn_scale(
            f"{name}: decoder='linear' fits data of order one, but a column of X has "
            f"a root-mean-square of {largest:.3g} (median {float(np.median(rms)):.3g}):"
            " on data of that scale its reconstruction is far worse than on the same"
            " data scaled. Put a MaxAbsScaler (which keeps sparsity and zeros) before"
            " it in a Pipeline.")
    return False


class NonNegAutoencoder(ClassNamePrefixFeaturesOutMixin, TransformerMixin,
                        TrainableNetwork):
    r"""Sparse autoencoder with non-negative weights: additive parts, as NMF's.

    One sigmoid hidden layer (the codes) and a decoder, sigmoid or linear, trained
    to reconstruct the input, with an optional KL sparsity penalty on the mean
    activation of each hidden unit (Ng's sparse autoencoder; off by default,
    ``sparsity_weight=0``: NCAE's setting is ``sparsity_weight=3``) and the
    decoder's weights kept non-negative: exactly, through the bounds of L-BFGS-B or
    the projection of Adam (``nonneg="bounds"``), or by the quadratic penalty on
    negative weights of Hosseini-Asl, Zurada & Nasraoui (2016, NCAE;
    ``nonneg="penalty"``). The rows of ``components_`` (the decoder's weights)
    are then additive parts of the data, as NMF's ``components_``; ``transform``
    is one forward pass of the encoder, not an optimisation per call.

    Read more in the :ref:`User Guide <nonneg>`.

    Parameters
    ----------
    n_components : int, default=64
        Number of hidden units (codes, parts).
    nonneg : {"bounds", "penalty"} or False, default="bounds"
        ``"bounds"``: the weights of ``nonneg_layers`` are >= 0 exactly
        (L-BFGS-B bounds, or the projection of Adam). ``"penalty"``: NCAE's
        ``nonneg_penalty / 2 * sum_{w < 0} w^2`` on them instead: a soft
        constraint, under which weights end negative wherever the penalty is
        too weak to hold them (:ref:`docstring-measurements`); use ``"bounds"``
        when the parts must be >= 0. ``False``: the plain sparse autoencoder.
    nonneg_layers : {"decoder", "both"}, default="decoder"
        Which weights ``nonneg`` applies to. ``"decoder"``: the parts
        (``components_``) only; the encoder, of any sign, can inhibit.
        ``"both"``: encoder and decoder, as NCAE. The default was chosen by
        measurement (see Notes).
    nonneg_penalty : float, default=3e-3
        NCAE's ``lambda``, with ``nonneg="penalty"``. At most 1e6 (see ``l2``).
    sparsity_target : float, default=0.05
        Target mean activation ``rho`` of each hidden unit, in (0, 1).
    sparsity_weight : float, default=0.0
        Weight ``beta`` of the KL sparsity penalty; 0 (the default) switches it
        off. NCAE's setting is 3 (see Notes). At most 1e6 (see ``l2``).
    l2 : float, default=1e-5
        L2 penalty on both weight matrices; with ``decoder="sigmoid"`` the
        encoder's is measured in the spans of its input columns (Notes). ``l2``,
        ``nonneg_penalty`` and ``sparsity_weight`` are at most 1e6 (else
        ``InvalidParameterError``; why:
        :ref:`the autoencoder in detail <autoencoder-details>`).
    decoder : {"sigmoid", "linear"}, default="sigmoid"
        ``"sigmoid"``: ``x_hat = sigmoid(h W2 + b2)``, for data that fill [0, 1]
        (images). ``"linear"``: ``x_hat = h W2 + b2``, for data of any range, of
        order one (tf-idf, counts divided by their largest, e.g. by a
        ``MaxAbsScaler``). Data outside the decoder's domain raise an
        ``InputScaleWarning`` (when:
        :ref:`the autoencoder in detail <autoencoder-details>`). With
        ``W2 >= 0`` and codes in [0, 1], each feature's reconstruction lies in
        ``[b2, b2 + sum(W2[:, j])]``: a part can only add to it.
    solver : {"lbfgsb", "lbfgs", "adam"}, default="adam"
        Projected Adam on mini-batches (the weights of ``nonneg="bounds"`` layers
        are clipped at 0 after each step, so they are >= 0 exactly), full-batch
        L-BFGS-B (``batch_size=None``) or L-BFGS-B steps on mini-batches
        (``"lbfgs"``, scikit-learn's name, is the same solver as ``"lbfgsb"``).
    batch_size : int, "auto" or None, default=None
        About the number of rows of a mini-batch: each epoch deals the training
        rows into ``max(1, round(n / batch_size))`` batches of equal size, to one
        row (:ref:`training-parameters`); above ``n`` it is clipped to ``n``, with
        a warning. ``None`` (or scikit-learn's ``"auto"``, the same) is full batch
        for L-BFGS-B, ``min(200, n)`` for Adam.
    max_iter : int, default=50
        Epochs (mini-batches, Adam) or L-BFGS-B iterations (full batch; NCAE
        used 400). Reaching it raises a ``ConvergenceWarning`` only when the
        loss was still falling there: with mini-batches, by ``tol``'s measure (a
        fit that met ``tol`` stopped before); full batch, by the rule of the
        other estimators (:ref:`the autoencoder in detail <autoencoder-details>`).
    tol : float, default=1e-4
        Mini-batch solvers (Adam, L-BFGS-B with ``batch_size``): a fit stops when,
        for 10 epochs in a row, the epoch loss has not fallen below its best value
        so far by more than ``tol`` times the first epoch's data term (its loss
        less the weights' penalty: relative, as NMF's). Full-batch
        L-BFGS-B and each mini-batch's L-BFGS-B steps: the absolute
        projected-gradient tolerance.
        On very sparse input the fit can stop before its first iteration, with a
        ``ConvergenceWarning``: lower ``tol`` there
        (:ref:`the autoencoder in detail <autoencoder-details>`).
    learning_rate_init : float, default=0.01
        Step size of Adam.
    dtype : {"float64", "float32"}, default="float64"
        Floating type of the computation and of ``transform``'s codes; the
        fitted attributes and ``inverse_transform`` are float64.
    warm_start : bool, default=False
        Start ``fit`` from the previous solution and extend ``loss_curve_`` and
        ``t_``. After a change of ``n_components``, ``decoder`` or ``dtype``, or
        of which weights ``nonneg="bounds"`` bounds, it starts anew, as a fresh
        fit; other changes of ``nonneg`` and ``nonneg_layers`` change the penalty
        only, and the fit continues
        (:ref:`the autoencoder in detail <autoencoder-details>`).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation and the mini-batches.
    verbose : int, default=0
        Progress lines on stdout (:ref:`training-parameters`). ``1``: a line
        every 2 seconds of work and the last one; ``2``: a line per iteration or
        epoch.

    Attributes
    ----------
    components_ : ndarray of shape (n_components, n_features)
        The decoder's weights: row ``j`` is what code ``j`` adds to the
        reconstruction (before the decoder's sigmoid, if any).
    coefs_ : list of ndarray
        ``[W1, W2]``: encoder weights of shape (n_features, n_components) and
        decoder weights of shape (n_components, n_features). The fitted arrays
        (``coefs_``, ``intercepts_``, ``components_``) are read-only, and they,
        ``weight_constraints_`` and ``out_activation_`` describe the fit: a value
        put in their place changes nothing (:doc:`/reliability`, "Prediction
        uses what was fitted").
    intercepts_ : list of ndarray
        ``[b1, b2]``: the biases (free).
    weight_constraints_ : list of str
        ``"nonneg"`` (bounded), ``"penalty"`` or ``"free"`` for each weight layer:
        ``"penalty"`` names the layers ``nonneg="penalty"`` applies to, whose
        negative weights cost ``nonneg_penalty`` as fitted (nothing at 0; no
        bound, so they may be negative).
    out_activation_ : {"logistic", "identity"}
        The decoder's output function as fitted (``decoder="sigmoid"`` or
        ``"linear"``); :meth:`inverse_transform` applies it. A value set since
        changes nothing (``coefs_``).
    reconstruction_err_ : float
        Frobenius norm of ``X - inverse_transform(transform(X))`` on the training
        data (as NMF's; its rows of positive ``sample_weight``, unweighted),
        computed in blocks of rows; after ``partial_fit``, on its last batch.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.
    n_outputs_ : int
        The decoder's outputs: ``n_features_in_``.
    n_components_ : int
        Number of codes (hidden units) of the fitted autoencoder: ``n_components``
        at fit time (a later ``set_params`` does not change it).
        Read-only: computed from the fitted network.
    n_layers_ : int
        Number of layers, input and reconstruction included: 3.
    n_iter_ : int
        L-BFGS-B iterations (full batch) or epochs of the last ``fit``, plus one
        per ``partial_fit`` call since (:ref:`training-parameters`).
    t_ : int
        Training samples the solver went through (rows times iterations or
        epochs; ``partial_fit`` adds its rows), carried over warm starts.
    loss_ : float
        Objective at the end of training, the last value of ``loss_curve_``
        (the starting objective where it is empty, ``n_iter_ == 0``).
    loss_curve_ : list of float
        Objective after each full-batch L-BFGS-B iteration; for mini-batches, one
        value per epoch, the mean of the batches' objectives.
    best_loss_ : float
        Least value of ``loss_curve_`` (``loss_`` when it is empty).
    do_early_stopping_ : bool
        Always False: the autoencoder holds no data out (it has no
        ``early_stopping`` parameter).
    validation_scores_ : None
        Always None (no early stopping).
    best_validation_score_ : None
        Always None (no early stopping).

    See Also
    --------
    sklearn.decomposition.NMF : Non-negative matrix factorisation.
    sklearn.decomposition.MiniBatchNMF : Its mini-batch variant.
    NonNegMLPClassifier : Non-negative network; ``from_autoencoders`` starts one
        from a fitted stack of autoencoders.
    sknonneg.inspection.top_features : Each part's strongest features (the
        words of a topic), for this estimator as for NMF.

    Notes
    -----
    With codes :math:`h_i = \sigma(x_i W_1 + b_1)` (:math:`\sigma` the
    sigmoid), reconstruction :math:`\hat{x}_i = f(h_i W_2 + b_2)` (:math:`f` the
    sigmoid or the identity: ``decoder``), sample weights :math:`s_i` (ones by
    default) and mean activations :math:`\hat{\rho}_j = \sum_i s_i h_{ij} /
    \sum_i s_i`, training minimises NCAE's cost (as the authors'
    ``sparseAutoencoderCost_nonneg``):

    .. math::

        & \frac{1}{2 \sum_i s_i} \sum_i s_i \|x_i - \hat{x}_i\|_2^2
            + \beta \sum_j \mathrm{KL}(\rho \| \hat{\rho}_j) \\
        & + \mathrm{l2} (\sum_j u_j^2 \|W_{1,j}\|_2^2 + \|W_2\|_F^2)
            + \frac{\lambda}{2} \sum_{w < 0} w^2

    with :math:`u_j` the span (max - min) of input column :math:`j` over the
    rows of the fit (of the call, for ``partial_fit``) with
    ``decoder="sigmoid"`` (1 for a constant column; :doc:`/defaults`), 1 with
    ``decoder="linear"``,
    :math:`\beta` = ``sparsity_weight``, :math:`\rho` =
    ``sparsity_target``, :math:`\mathrm{KL}(\rho \| q) = \rho \log(\rho / q)
    + (1 - \rho) \log((1 - \rho) / (1 - q))` (:math:`q` clipped into
    :math:`[10^{-12}, 1 - 10^{-12}]`) and the last term, with :math:`\lambda` =
    ``nonneg_penalty``, only under ``nonneg="penalty"``, over the weights of
    ``nonneg_layers`` (the biases are free and not penalised); under
    ``nonneg="bounds"`` training is subject to :math:`W \geq 0` on
    ``nonneg_layers`` instead. The KL term is evaluated on the batch the solver
    sees (all rows for full-batch L-BFGS-B).

    A fit whose training reconstruction error (the first term, per entry) is at
    least 0.99 times that of reconstructing every row by their weighted mean
    row raises a ``DegenerateFitWarning`` with both numbers; where it fires,
    and its advice: :ref:`the autoencoder in detail <autoencoder-details>`.

    Input domain: every finite real ``X``, dense or sparse (values so large that
    a sum would overflow are refused); unlike NMF, negative values are not
    refused. ``decoder="linear"`` reconstructs any range; ``decoder="sigmoid"``
    reconstructs values in (0, 1) only, and worse than the column means on data
    far outside (:ref:`docstring-measurements`). ``transform`` encodes any finite
    ``X`` into codes in [0, 1] without looking at its range: scale new data as
    the training data, in a ``Pipeline``. A sparse input is never densified
    whole (:ref:`the autoencoder in detail <autoencoder-details>`).

    The defaults were chosen for reconstruction against NMF on MNIST
    (:doc:`/defaults`, "NonNegAutoencoder's defaults"): ``sparsity_weight=0``,
    ``solver="adam"`` with ``learning_rate_init=0.01`` and ``max_iter=50`` epochs
    (on small data sets raise ``max_iter``, or use ``solver="lbfgsb"``),
    ``nonneg_layers="decoder"``, which reconstructs better than the
    all-non-negative network, and ``nonneg="bounds"``, which is exact. On tf-idf
    NMF reconstructs better, and faster (:ref:`docstring-measurements`); there
    the linear decoder needs ``learning_rate_init=0.003`` (0.001 beyond 64 codes):
    0.01 ends at the mean row's error from 64 codes
    (:ref:`the autoencoder in detail <autoencoder-details>`). With free
    decoder biases and dense codes a part's top words
    (:func:`sknonneg.inspection.top_features`) need not come from that part
    alone; a small KL term (``sparsity_weight=0.1``) made the parts on Reuters
    tf-idf additive as NMF's (:ref:`the autoencoder in detail <autoencoder-details>`).

    Deep use, as NCAE's section III-C: the codes of one autoencoder feed the
    next (``make_pipeline(ae1, ae2)``), and
    ``NonNegMLPClassifier.from_autoencoders([ae1, ae2])`` makes the stack a
    classifier. NCAE's own configuration is ``nonneg="penalty",
    nonneg_layers="both", nonneg_penalty=3e-3, sparsity_target=0.05,
    sparsity_weight=3, solver="lbfgsb", max_iter=400``: sparser codes, a larger
    reconstruction error, and negative weights wherever the weak penalty allows
    them.

    References
    ----------
    E. Hosseini-Asl, J. M. Zurada and O. Nasraoui, "Deep learning of part-based
    representation of data using sparse autoencoders with nonnegativity
    constraints", IEEE TNNLS 27(12), 2016.

    Andrew Ng, "Sparse autoencoder", CS294A lecture notes, Stanford, 2011.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sknonneg import NonNegAutoencoder
    >>> X = load_digits().data / 16
    >>> ae = NonNegAutoencoder(16, max_iter=200, tol=1e-3, random_state=0).fit(X)
    >>> bool(ae.components_.min() >= 0)
    True
    >>> ae.transform(X[:5]).shape
    (5, 16)
    >>> ae.inverse_transform(ae.transform(X[:5])).shape
    (5, 64)
    """

    _parameter_constraints = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        # np.False_ too (a param grid built with NumPy), as "boolean" takes it.
        "nonneg": [StrOptions({"bounds", "penalty"}), Options(bool, {False}),
                   Options(np.bool_, {False})],
        "nonneg_layers": [StrOptions({"decoder", "both"})],
        "nonneg_penalty": [Interval(Real, 0, PENALTY_MAX, closed="both")],
        "sparsity_target": [Interval(Real, 0, 1, closed="neither")],
        "sparsity_weight": [Interval(Real, 0, PENALTY_MAX, closed="both")],
        "l2": [Interval(Real, 0, PENALTY_MAX, closed="both")],
        "decoder": [StrOptions({"sigmoid", "linear"})],
        "solver": [StrOptions(set(SOLVERS))],
        "batch_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"}),
                       None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "dtype": [StrOptions({"float32", "float64"}), type, np.dtype],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # What the training loops read and this estimator does not expose.
    steps_per_batch = 3
    learning_rate = "constant"
    early_stopping = False
    n_iter_no_change = 10
    # Reaching max_iter warns by the stall rule of tol (report_fit), not by the
    # supervised networks' tail rule.
    _warns_by_tol = True
    validation_fraction = 0.1

    def __init__(
        self,
        n_components=64,
        *,
        nonneg="bounds",
        nonneg_layers="decoder",
        nonneg_penalty=3e-3,
        sparsity_target=0.05,
        sparsity_weight=0.0,
        l2=1e-5,
        decoder="sigmoid",
        solver="adam",
        batch_size=None,
        max_iter=50,
        tol=1e-4,
        learning_rate_init=0.01,
        dtype="float64",
        warm_start=False,
        random_state=None,
        verbose=0,
    ):
        self.n_components = n_components
        self.nonneg = nonneg
        self.nonneg_layers = nonneg_layers
        self.nonneg_penalty = nonneg_penalty
        self.sparsity_target = sparsity_target
        self.sparsity_weight = sparsity_weight
        self.l2 = l2
        self.decoder = decoder
        self.solver = solver
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.tol = tol
        self.learning_rate_init = learning_rate_init
        self.dtype = dtype
        self.warm_start = warm_start
        self.random_state = random_state
        self.verbose = verbose

    # ---------------------------------------------------------------- network
    # The decoder sets the loss and out_activation_: a later partial_fit may not
    # change it, and a warm start after set_params(decoder=...) starts anew.
    _FITTED_PARAMS = (*TrainableNetwork._FITTED_PARAMS, "decoder")
    _LAYOUT_PARAMS = ("n_components", "nonneg", "nonneg_layers")

    def _constrained_layers(self, fitted=False):
        """Weight layers (0: encoder, 1: decoder) that ``nonneg`` applies to (with
        ``fitted``, the ``nonneg`` and ``nonneg_layers`` of the last fit)."""
        param = self._fitted_param if fitted else lambda name: getattr(self, name)
        if not isinstance(param("nonneg"), str):  # False or np.False_
            return ()
        return (0, 1) if param("nonneg_layers") == "both" else (1,)

    def _build_layout(self, n_features, n_outputs):
        bounded = self._constrained_layers() if self.nonneg == "bounds" else ()
        sizes = [n_features, self.n_components, n_outputs]
        check_network_fits_in_memory(sizes)  # before the sign vectors
        return ParameterLayout([
            DenseLayer(sizes[i], sizes[i + 1],
                       np.full(sizes[i], 1 if i in bounded else 0, dtype=np.int8),
                       "logistic" if i == 0 else "identity")
            for i in range(2)])

    def _init_theta(self, layout, X, rng, sample_weight=None):
        """Encoder: uniform weights (on [0, 1) where bounded), each unit rescaled so
        that its pre-activation has standard deviation 1 over (up to 2,000 rows of)
        the data, with mean 0. Decoder: uniform weights of scale ``sqrt(6 / (k + d +
        1))`` (Ng's) times the output's unit, and biases that make the first
        reconstruction the data's mean.

        The output's unit is 1 for the sigmoid decoder (its weights act on logits)
        and the data's standard deviation per entry (around each feature's mean)
        for the linear one, whose weights are in the data's units: Ng's scale
        assumes outputs of order 1, and on tf-idf (entries of order 0.01) it made
        every part a dense positive block, larger than the data, whose mean the
        biases cancel; training never left that start (``doc/defaults.md``)."""
        n_samples, n_features = X.shape
        # A CSR subset stays sparse (2,000 rows of a 10k-word vocabulary would be
        # 160 MB dense); every use below is a product or a weighted column moment.
        inputs, weights = init_rows(X, sample_weight, rng, _INIT_SAMPLES)
        if self.decoder == "linear":  # before: nothing said raw counts fit badly
            warned = _warn_far_from_unit_scale(inputs, weights, type(self).__name__)
        else:  # before: nothing said that small data made the fit collapse
            warned = _warn_small_for_sigmoid(inputs, type(self).__name__)
        note_input_scale_warning(self, warned)
        bounded = self._constrained_layers() if self.nonneg == "bounds" else ()
        k = self.n_components

        def draw(n_in, n_out, layer):
            # Uniform on [0, 1) where bounded, else on [-1, 1).
            signs = np.full(n_in, 1 if layer in bounded else 0, dtype=np.int8)
            return signed_draw(signs, n_out, 1.0, rng)

        coef1 = draw(n_features, k, 0)
        intercept1 = scale_to_spread(inputs, coef1, weights, _ENCODER_INIT_STD,
                                     spread="absolute")
        hidden = expit(inputs @ coef1 + intercept1)
        target = (np.asarray(inputs.T @ weights).ravel() if sp.issparse(inputs)
                  else weights @ inputs)
        unit = self._output_unit(inputs, weights, target)
        if self.decoder == "sigmoid":
            target = logit(np.clip(target, _LOGIT_CLIP, 1.0 - _LOGIT_CLIP))
        coef2 = draw(k, n_features, 1) * (unit * np.sqrt(6.0 / (k + n_features + 1)))
        intercept2 = target - (weights @ hidden) @ coef2
        return layout.pack([coef1, coef2], [intercept1, intercept2])

    def _output_unit(self, inputs, weights, mean):
        """Scale of the decoder's outputs: 1 (logits) for the sigmoid decoder; for
        the linear one, the root mean over features of the weighted variance of
        ``inputs`` around ``mean`` (1 if that is 0 or not finite)."""
        if self.decoder == "sigmoid":
            return 1.0
        if sp.issparse(inputs):
            # E_w[x^2] - mean^2 per feature (``weights`` sum to 1): no dense copy.
            second = np.asarray(inputs.multiply(inputs).T @ weights).ravel()
            variance = np.maximum(second - mean ** 2, 0.0)
        else:
            variance = weights @ (inputs - mean) ** 2
        spread = np.sqrt(np.mean(variance))
        return float(spread) if np.isfinite(spread) and spread > 0 else 1.0

    def _small_input_note(self, largest, scale_warned=False):
        """For a degenerate fit's warning (``warn_if_degenerate``): the cause and
        the remedy where the training inputs' largest magnitude ``largest`` is
        below the fitted decoder's lower limit (``_SIGMOID_MAX_LOW``,
        ``_LINEAR_MAX_LOW``, those of the ``InputScaleWarning`` of a fit that
        starts anew); empty otherwise. A warm-started fit checks no scale at its
        start: digits / 16, 16 codes, 20 Adam epochs, continued on the data times
        0.1 for 20 more, ended at 1.5 times the mean row's error (started anew
        on those data: 0.70 times), and the warning named no scaling. Where
        the fit raised the ``InputScaleWarning`` (``scale_warned``), the remedy
        points to it (the supervised networks' ``_small_input_note``)."""
        sigmoid = self._fitted_param("decoder") == "sigmoid"
        limit = _SIGMOID_MAX_LOW if sigmoid else _LINEAR_MAX_LOW
        if largest is None or not 0.0 < largest < limit:
            return ""
        fits = ("decoder='sigmoid' fits data that fill [0, 1]" if sigmoid
                else "decoder='linear' fits data of order one")
        remedy = (" Scale X (see the InputScaleWarning)." if scale_warned else
                  " Scale X into [0, 1] (a MinMaxScaler or MaxAbsScaler in a "
                  "Pipeline)." if sigmoid else
                  " Multiply X by a constant (say 1 / its largest value), or put "
                  "a MaxAbsScaler before it in a Pipeline.")
        return (f" Its inputs are small (largest magnitude {largest:.3g}): {fits}, "
                "and on data this small its reconstruction can be worse than the "
                f"mean row's.{remedy}")

    def _penalties(self):
        nonneg = self.nonneg == "penalty" and self.nonneg_penalty > 0
        return penalties_from_params(
            l2=self.l2, sparsity_target=self.sparsity_target,
            sparsity_weight=self.sparsity_weight,
            nonneg_penalty=self.nonneg_penalty if nonneg else 0.0,
            nonneg_layers=self._constrained_layers() if nonneg else ())

    @property
    def _column_unit_penalty(self):
        """The encoder's L2 in units of each input column's span
        (``precondition.penalty_units`` with ``narrow``, through the training
        loops) with the fitted sigmoid decoder; the paper's penalty with the linear one. Chosen in a
        preregistered round (``doc/defaults.md``, "The encoder's L2 in the columns'
        spans"): on Reuters tf-idf the sigmoid decoder reconstructed the test
        documents better and left no code dead; the linear decoder's fits got
        worse (it is not asked)."""
        return "every" if self._fitted_param("decoder") == "sigmoid" else False

    # The stall rule reads the first epoch's penalty on the weights (_stall_tol).
    _stall_reads_penalty = True

    def _stall_tol(self, first_loss, first_penalty=0.0):
        """The stall rule's least decrease of the epoch loss: ``tol`` times the
        first epoch's data term, ``first_loss - first_penalty``
        (``TrainableNetwork._stall_tol``; ``first_penalty`` the part of the loss
        that depends on the weights alone, ``Objective.penalty_value``). The
        reconstruction error is summed over the features and in the data's
        units, so an absolute ``tol`` meant something else on every data set (on
        10,000-term tf-idf, a first epoch's loss of 17, on digits 2.2); relative
        to where the fit started, as NMF's ``tol`` is relative to its starting
        error, it does not depend on the scale or the width of the data.

        Not relative to the whole first loss: the encoder's weights start at norm
        1 / the data's spread along them, so their L2 penalty grows with k and
        with that norm, not with the data: on Reuters tf-idf it was 69% (k = 16)
        to 95% (k = 128) of the first epoch's loss, and the default fits stopped
        after 29-33 of their 50 epochs, 0.003-0.011 worse on held-out documents
        (``doc/defaults.md``, "The autoencoder's tol: relative to the first
        epoch's data term")."""
        threshold = self.tol * abs(float(first_loss) - float(first_penalty))
        return threshold, (f"tol={self.tol} times the first epoch's data term "
                           f"({threshold:.3g})")

    def _output_type(self):
        """The name of the decoder's loss, which ``TrainableNetwork._loss()`` builds
        (the one place every estimator's loss is built): the squared error after a
        sigmoid, or the squared error, of the fitted ``decoder`` (as set before the
        first fit). Before, the objective named its loss here under another name
        (``_loss_name``) and the shared ``_loss()`` raised AttributeError."""
        return ("sigmoid_squared_error" if self._fitted_param("decoder") == "sigmoid"
                else "squared_error")

    def _block_rows(self, X):
        """Rows per block of the training objective for a sparse ``X`` (None: one
        block)."""
        if not (sp.issparse(X) or hasattr(X, "indptr")):
            return None
        return _rows_per_block(X)

    def _make_objective(self, layout, X, y, sample_weight, gain, parallel):
        return RowBlockObjective(layout, self._loss(), self._penalties(), X, y,
                                 sample_weight, gain=gain, dtype=self._compute_dtype,
                                 parallel=parallel, block_rows=self._block_rows(X),
                                 targets_are_input=True)

    def _expected_out_activation(self, layout=None, fail=None):
        """The output function of the fitted decoder (``BaseNetwork``)."""
        return "logistic" if self._fitted_param("decoder") == "sigmoid" else "identity"

    def _fitted_out_activation(self):
        # The output function of the fitted decoder (BaseNetwork).
        return self._expected_out_activation()

    def _set_fitted_layers(self, theta):
        coefs, intercepts = self._layout.arrays(theta)
        self.coefs_ = self._read_only(coefs)
        self.intercepts_ = self._read_only(intercepts)
        self.components_ = self.coefs_[1]
        # The fitted decoder and constraints, not the current parameters: this also
        # runs on unpickling and persist.load (before, a set_params(decoder=...)
        # after the fit changed inverse_transform once the model was copied).
        nonneg = self._fitted_param("nonneg")
        self.out_activation_ = self._expected_out_activation()
        kind = {"bounds": "nonneg", "penalty": "penalty"}.get(nonneg, "free")
        constrained = self._constrained_layers(fitted=True)
        self.weight_constraints_ = [kind if i in constrained else "free"
                                    for i in range(2)]
        self._keep_fitted("coefs_", "intercepts_", "components_",
                          "weight_constraints_")

    # ---------------------------------------------------------- target hooks
    def _validate_X_y(self, X, y, reset):
        check_sparse_structure(X)  # before scipy or a kernel reads it
        X = validate_data(self, X, reset=reset, accept_sparse=["csr", "csc", "coo"],
                          dtype=self._input_dtypes(X))
        return X, X

    def _training_X(self, X, y, targets, initialise=True):
        """The rows of positive weight in the compute dtype, its own targets, and
        refused where the reconstruction's gradient would overflow, the cast made
        them all zeros, or they are all below float32's smallest normal number
        (whose reason names no initialisation, so ``initialise`` is not read)."""
        original, X = X, self._as_compute_dtype(X)
        # Stricter than check_input_scale at the top; at the bottom the same rule
        # (check_normal_magnitude), and an X that the cast to float32 made all
        # zeros is refused too.
        check_reconstruction_scale(X, X.dtype, original=original)
        if self.decoder == "sigmoid":
            note_input_scale_warning(
                self, _warn_outside_unit_range(X, type(self).__name__))
        return X, X, X

    def _encode_targets(self, y, classes=None):
        self.n_outputs_ = y.shape[1]
        return y, None

    def _transform_targets(self, y):
        return y, None

    def _sample_weight(self, X, y, sample_weight):
        sample_weight = check_sample_weight(sample_weight, X, dtype=np.float64)
        return check_positive_weights(sample_weight)

    def _validation_score(self, theta, gain, X_val, y_val, sample_weight=None):
        views = self._layout.views(theta)
        # During the fit: the decoder being fitted (out_activation_ comes after).
        activation = "logistic" if self.decoder == "sigmoid" else "identity"
        row_errors = np.concatenate([
            np.einsum("ij,ij->i", residual, residual) / X_val.shape[1]
            for residual in self._residual_blocks(X_val, views[0], views[1],
                                                  activation)])
        if sample_weight is None:
            return -float(np.mean(row_errors))
        return -float(np.average(row_errors, weights=sample_weight))

    # ---------------------------------------------------------------- fitting
    def fit(self, X, y=None, sample_weight=None):
        """Fit the autoencoder to ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse input is used as CSR and never densified whole.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the reconstruction error and the mean
            activations. A row of weight 0 is dropped once the input is validated
            (its values must be finite, as every row's): the fit, and
            ``reconstruction_err_``, are those without that row.

        Returns
        -------
        self : object
            The fitted autoencoder.
        """
        return self._fit(X, None, sample_weight)

    def partial_fit(self, X, y=None, sample_weight=None):
        """Update the autoencoder with one batch of data.

        ``steps_per_batch`` (3) L-BFGS-B iterations on the batch, or one epoch of
        projected Adam over it (the Adam state carries over between calls).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The batch.
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample; rows of weight 0 are dropped, as in
            :meth:`fit`.

        Returns
        -------
        self : object
            The updated autoencoder.
        """
        # One that raises leaves the autoencoder as it was (before, a first call
        # refused on its weights left n_features_in_, n_outputs_ ... behind).
        return self._partial_fit_keeping_state(self._partial_fit_step, X, None,
                                               sample_weight)

    def _trained_on(self, X):
        """``reconstruction_err_`` of the rows the fit (or the ``partial_fit``
        batch) trained on: those of positive weight."""
        self.reconstruction_err_ = self._reconstruction_error(X)

    def fit_transform(self, X, y=None, sample_weight=None):
        """Fit, then return the codes of ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
        y : None
            Ignored.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample, as in :meth:`fit`.

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            What :meth:`transform` returns.
        """
        return self.fit(X, sample_weight=sample_weight).transform(X)

    # ------------------------------------------------------------- transforms
    def _encode(self, X, params):
        """The codes of ``X``, in the compute dtype (as the kernels give them)."""
        _, codes = forward(self._layout.network[:1], [params], X,
                           dtype=self._compute_dtype, keep="logits")
        return codes

    def _decode(self, codes, params, out_activation):
        """``f(codes W2 + b2)`` in float64 (the codes cast up first), a new array."""
        coef, intercept = params
        out = np.asarray(codes, dtype=np.float64) @ coef
        out += intercept
        if out_activation == "logistic":
            expit(out, out=out)
        return out

    def transform(self, X):
        """Encode ``X``: the hidden layer's activations ``sigmoid(X W1 + b1)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Any finite values, without a range check (see "Input domain" in
            the class's Notes).

        Returns
        -------
        codes : ndarray of shape (n_samples, n_components)
            Values in [0, 1], in the fitted ``dtype`` (as the classifiers'
            ``transform``): float32 under ``dtype="float32"``, else float64.
        """
        X = self._check_range(self._check_X(X))
        # Under assume_finite=True a NaN is not refused on the way in (before:
        # NaN codes came out). The codes are computed in the fitted dtype; before,
        # they were cast up to float64, so a float32 pipeline became float64 here
        # where the classifiers' transform and NMF keep float32.
        # The kernels compute them in that dtype: no float64 round trip (before,
        # cast up then down, the same values at twice the memory).
        # The fitted parameters' views: writeable, taken by the kernels uncopied.
        codes = self._encode(X, self._layout.views(self._theta)[0])
        return check_finite_output(codes)

    def _range_layers(self):
        # The encoder: sigmoid(X W1 + b1), read as an output layer (no gain).
        coefs, intercepts = self._fitted_arrays()
        return dense_rounding_layers(coefs[:1], intercepts[:1], "logistic", 1.0)

    def _decoder_range_layers(self):
        # The decoder: f(codes W2 + b2), read as an output layer (no gain).
        coefs, intercepts = self._fitted_arrays()
        return dense_rounding_layers(coefs[1:], intercepts[1:], "logistic", 1.0)

    def inverse_transform(self, X):
        """Reconstruction from codes: the decoder ``f(codes W2 + b2)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_components)
            Codes, as :meth:`transform` returns them (sparse ones are densified,
            as NMF's ``inverse_transform`` takes them). Any finite values are
            decoded by the same formula, without a range check: codes outside
            [0, 1] (which :meth:`transform` never returns) are no input's codes,
            and a negative one subtracts its part.

        Returns
        -------
        X_original : ndarray of shape (n_samples, n_features)
            Dense, float64 whatever the fitted ``dtype`` (the decoder computes in
            float64; NMF's keeps a float32 fit's dtype).
        """
        check_is_fitted(self)
        check_sparse_structure(X)  # before scipy densifies it
        # Named as the estimators' checks name it (before: "Input contains NaN.").
        codes = check_array(X, accept_sparse=["csr", "csc", "coo"],
                            dtype=[np.float64, np.float32], input_name="X",
                            estimator=self)
        if sp.issparse(codes):  # n_components columns: small once dense
            codes = codes.toarray()
        if codes.shape[1] != self.n_components_:
            raise ValueError(
                f"X has {codes.shape[1]} features, but {type(self).__name__} "
                f"inverse_transform expects {self.n_components_} (n_components).")
        # As transform: refused where a sum of the decoder (float64) could overflow
        # (before: NumPy's "overflow encountered in matmul" on codes of 1e308).
        codes = check_network_range(self._decoder_range_layers(), codes, np.float64)
        # The fitted decoder (_fitted_arrays), never the public coefs_ list: before,
        # ae.coefs_[1] = -parts (the arrays are read-only, the list is not) made
        # inverse_transform decode with negative parts, while transform, copies
        # and pickles kept the fitted ones.
        coefs, intercepts = self._fitted_arrays()
        return check_finite_output(
            self._decode(codes, (coefs[1], intercepts[1]),
                         self._fitted_out_activation()))

    @fitted_property
    def n_components_(self):
        """Number of hidden units (codes) of the fitted autoencoder."""
        check_is_fitted(self)
        return self._fitted_attribute("coefs_")[0].shape[1]

    def _residual_blocks(self, X, encoder, decoder, out_activation):
        """The float64 residuals ``x - decode(encode(x))`` of the blocks of rows of
        ``X`` (``_rows_per_block``, dense ``X`` included), one at a time, each
        computed in place of its block's reconstruction."""
        rows = _rows_per_block(X)
        for start in range(0, X.shape[0], rows):
            block = X[start:start + rows]
            codes = self._encode(block, encoder)
            residual = self._decode(codes, decoder, out_activation)
            del codes
            if _scatters(block) and _scatter_is_lighter(block):
                # x - r as (-r) + x, the stored values added where they are: the
                # same float64 values (negation is exact, addition commutes; a zero
                # residual may come out as -0.0, whose square is 0), without the
                # block's dense copy. Before, densified and subtracted: on Reuters
                # tf-idf (1% stored) 0.4 s of a 6.9 s fit.
                np.negative(residual, out=residual)
                residual[_row_numbers(block), block.indices] += block.data
            else:
                # x - r, x cast up to float64 element by element by the subtraction.
                block = block.toarray() if sp.issparse(block) else np.asarray(block)
                np.subtract(block, residual, out=residual)
            yield residual
            del residual  # before the next block's: one block's residual at a time

    def _reconstruction_error(self, X):
        """Frobenius norm of ``X - decode(encode(X))``, in blocks of rows, dense
        ``X`` included (``_residual_blocks``), its squares summed in float64.

        Before, a dense ``X`` was one block: a float64 copy of it, its
        reconstruction and their difference (``Adam``, 20,000 x 784 float32, 32
        components: 6.08x ``X``'s bytes at the peak of ``fit``, its training loop
        0.31x). The blocks change the order of the sum only (a relative change of
        the order of 1e-16)."""
        total = 0.0
        encoder, decoder = self._layout.views(self._theta)  # writeable: uncopied
        for residual in self._residual_blocks(X, encoder, decoder,
                                              self._fitted_out_activation()):
            total += float(np.vdot(residual, residual))
        return float(np.sqrt(total))

    def _degenerate_errors(self, X, sample_weight):
        """For ``warn_if_degenerate``: ``(error, mean_error)``, the mean squared
        reconstruction error per entry of the training rows ``X`` (those of
        positive weight, as ``_trained_on`` saw them), weighted by
        ``sample_weight``, and that of the constant model, which reconstructs
        every row by their weighted mean row (reachable by either decoder on data
        in [0, 1]: ``sigmoid(b2)`` is any row in (0, 1)). None where no column of
        ``X`` varies (one row, constant data): the mean row is then exact.

        The fit's error is ``reconstruction_err_`` where the weights are equal
        (computed once, by ``_trained_on``), else one forward pass in blocks of
        rows; the mean model's is one pass over ``X`` in blocks."""
        if sp.issparse(X):
            varies = (X.max(axis=0) != X.min(axis=0)).toarray().ravel()
        else:
            varies = np.ptp(X, axis=0) > 0 if X.shape[0] else np.zeros(0, bool)
        if not np.any(varies):
            return None
        w = np.asarray(sample_weight, dtype=np.float64)
        w = w / w.max()  # huge weights: their sum stays finite
        w /= w.sum()
        rows = _rows_per_block(X)

        def blocks():
            # float64 blocks of rows (never a float64 copy of X whole), and whether
            # the block is a new array (else a view of a float64 X).
            for start in range(0, X.shape[0], rows):
                block = X[start:start + rows]
                if _scatters(block) and _float64_copy_is_lighter(block):
                    # Densified in float64 at once: the values of the float32
                    # block's dense copy cast up, without that copy (no duplicate
                    # entries, which a float32 densification sums in float32).
                    yield (w[start:start + rows],
                           block.astype(np.float64).toarray(), True)
                    continue
                block = block.toarray() if sp.issparse(block) else block
                dense = np.asarray(block, dtype=np.float64)
                yield (w[start:start + rows], dense,
                       sp.issparse(X) or not np.may_share_memory(dense, X))

        mean_row = sum(weights @ block for weights, block, _ in blocks())
        mean_error = 0.0
        for weights, block, new in blocks():
            # In place where the block is a new array; a float64 X's is a view.
            block = (np.subtract(block, mean_row, out=block) if new
                     else block - mean_row)
            mean_error += float(weights @ np.einsum("ij,ij->i", block, block))
        if np.all(w == w[0]):
            error = self.reconstruction_err_ ** 2 / X.shape[0]
        else:
            encoder, decoder = self._layout.views(self._theta)
            error, start = 0.0, 0
            for residual in self._residual_blocks(X, encoder, decoder,
                                                  self._fitted_out_activation()):
                stop = start + residual.shape[0]
                error += float(w[start:stop]
                               @ np.einsum("ij,ij->i", residual, residual))
                start = stop
        return error / X.shape[1], mean_error / X.shape[1]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # transform returns the codes in the fitted dtype, whatever the input's
        # (inverse_transform returns float64). Before: ["float64"]
        # whatever dtype.
        dtype = self._compute_dtype or np.float64  # an invalid dtype: the default
        tags.transformer_tags.preserves_dtype = [np.dtype(dtype).name]
        return tags


def _scatters(block):
    """Whether ``block`` (rows of the data) is a CSR matrix without duplicate
    entries (canonical), whose stored values can be added to a dense float64 array
    where they are (``_residual_blocks``, ``_degenerate_errors``)."""
    return (sp.issparse(block) and block.format == "csr"
            and block.has_canonical_format)


def _scatter_is_lighter(block):
    """Whether adding the stored values of the CSR ``block`` to its residual where
    they are (``_residual_blocks``) holds less memory than the block's dense copy
    in its dtype: the scatter's temporaries (each stored value's row number, int64,
    and the residual's values there, float64) take ``_SCATTER_BYTES`` per stored
    value, the dense copy the dtype's size per entry, so the dense copy is the
    lighter on a block of more than 1/4 (float32) or 1/2 (float64) stored values.
    Either way the same squares."""
    n_rows, n_cols = block.shape
    return block.nnz * _SCATTER_BYTES <= n_rows * n_cols * block.dtype.itemsize


def _float64_copy_is_lighter(block):
    """Whether densifying the CSR ``block`` straight to float64 through a float64
    copy of it (``_degenerate_errors``) holds less memory than its dense copy in
    its own dtype cast up: the copy takes the float64 values and the column
    indices again per stored value, the dense copy the dtype's size per entry. A
    float64 block's dense copy is already float64 (no cast): never; a float32
    block's, where at most about 1/3 of its values are stored. Either way the same
    float64 values."""
    n_rows, n_cols = block.shape
    if block.dtype == np.float64:
        return False
    per_stored = 8 + block.indices.dtype.itemsize
    return block.nnz * per_stored <= n_rows * n_cols * block.dtype.itemsize


def _row_numbers(block):
    """The row number of each stored value of the CSR ``block``."""
    return np.repeat(np.arange(block.shape[0]), np.diff(block.indptr))


def _rows_per_block(X):
    """Rows per block: a block's float64 copy (a residual, a densified sparse
    block) within ``_BLOCK_BYTES``."""
    return max(1, _BLOCK_BYTES // (8 * max(1, X.shape[1])))
