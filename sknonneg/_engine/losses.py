"""Losses of the output layer, chosen by name (``get_loss``), never by the shape of y.

A loss says how it wants its targets (``prepare_targets``) and reaches the fused
output kernels through its ``code`` (``sknonneg._kernels.losses``), where one row of
logits becomes ``sw_i * loss_i`` and the delta ``scale * sw_i * dloss_i/dlogits``.
A loss with no kernel code (``code = None``) takes the generic path: the objective
computes the logits and calls its ``value_grad``; that is all a new loss needs until
a fused row pays for itself in a benchmark.

For every loss here ``value_grad`` is also written out in NumPy: it documents the
maths, and the tests hold the kernels to it.

A loss also carries what an estimator decides by it, so that no estimator names a
loss: the starting spread of the layers (``init_std``), whether the first layer
starts from a sparse draw (``sparse_init``), what ``gain="auto"`` means
(``auto_gain``) and, for a classifier, whether its outputs score mutually exclusive
classes (``exclusive_classes``). The base class's defaults suit a loss of
independent outputs; a loss changes only those it needs.

Adding a loss, step by step (the generic path: one file, nothing else edited):

1. subclass ``Loss`` in a module of its own, with a class attribute ``name`` (and
   optional ``aliases``): a class that declares a name is selectable by it, by
   ``get_loss`` and by every ``Objective``, once its module is imported
   (``get_loss`` looks the names up among ``Loss``'s subclasses when it is called:
   no table to edit, nothing written at import; two classes declaring one name are
   refused when the second is defined);
2. write ``value_grad(logits, y)``: the loss per sample and its derivative in the
   logits, float64 (``prepare_targets`` if its targets are not a float matrix);
3. override the estimator hints above where the defaults do not fit;
4. test ``value_grad`` against central differences through an ``Objective``
   (``tests/test_engine.py`` does it for a Huber loss defined in the test module).

An estimator's ``loss`` or ``output`` parameter lists the names it accepts in its
``_parameter_constraints`` and docstring: offering the new loss there is the
estimator's change, not the loss's. A fused (numba) version, when a benchmark
shows the generic path costs, additionally needs: a code in
``sknonneg/_kernels/codes.py``; a row function and a branch of ``_loss_rows`` in
``sknonneg/_kernels/losses.py`` (the fused kernels take the code alone, no loss
parameter: a parametrised loss is fused at fixed parameter values only); the
branch of its NumPy twin (``_kernels/reference/dense.py``, ``linear_loss_grad``);
``code = <the code>`` on the class; and its cases in ``tests/test_kernels.py`` and
``tests/test_engine.py`` (fused == generic). Editing a kernel module recompiles
every kernel at its next use.
"""

import numpy as np
from scipy.special import expit, log_softmax, xlogy

from .._kernels import LOGISTIC_NLL, SIGMOID_SQUARED_ERROR, SOFTMAX_NLL, SQUARED_ERROR
from .._kernels.reference.fixed import monotone_exp

__all__ = ["Loss", "SoftmaxNLL", "LogisticNLL", "SquaredError", "SigmoidSquaredError",
           "HalfPoissonDeviance", "HalfGammaDeviance", "HalfTweedieDeviance", "get_loss",
           "losses_by_name"]


def _declared_names(cls):
    """The names ``cls`` declares itself (none if it only inherits a name)."""
    if cls.__dict__.get("name") is None:
        return ()
    return (cls.__dict__["name"], *cls.__dict__.get("aliases", ()))


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _same_definition(cls, other):
    return (cls.__module__, cls.__qualname__) == (other.__module__, other.__qualname__)


def losses_by_name(exclude=None):
    """``{name: Loss subclass}`` over every subclass of ``Loss`` defined so far (in
    any imported module) that declares a ``name``, its ``aliases`` included; of a
    class defined more than once (a module reloaded), the last definition."""
    found = {}
    for cls in _subclasses(Loss):  # in order of definition: the last one wins
        # A class refused at its definition stays among the subclasses until the
        # garbage collector takes it (never, while a traceback holds it): skipped.
        if cls is not exclude and not cls.__dict__.get("_refused", False):
            found.update(dict.fromkeys(_declared_names(cls), cls))
    return found


class Loss:
    """Base class: ``name``, ``code`` (kernel hook or None), ``prepare_targets``,
    ``value_grad``, and what the estimators read from a loss.

    Attributes
    ----------
    name : str or None
        The name ``get_loss`` selects the class by; None (the base class's): not
        selectable by name. Only a class that declares it itself is selectable
        (a subclass inherits the behaviour, not the name).
    aliases : tuple of str
        Other names of the class.
    code : int or None
        Its row of the fused output kernels; None: the generic path.
    init_std : tuple of float
        ``(non-negative hidden layers, output layer)``: the standard deviation of
        each unit's pre-activation over the data at the start of a dense
        network's fit (``_engine.init.dense_init``).
    signed_output_init_std : float or None
        The output layer's entry of ``init_std`` for an output layer whose weights
        are not all constrained >= 0 (``positive=False``, ``"hidden"``, a list
        ending in False): its logits are independent, where those of a
        non-negative output layer move together; None: ``init_std[1]`` for every
        output layer.
    sparse_init : bool
        Whether a dense network starts its non-negative layers from a sparse
        draw (``dense_init``'s ``sparse_draw``).
    auto_gain : float or None
        ``gain="auto"`` for saturating hidden units: None, the estimator's
        default (the paper's annealing ``(1, 2)`` under L-BFGS-B, 1 under Adam);
        a number, that gain under every solver.
    exclusive_classes : bool
        For a classifier: whether the outputs score mutually exclusive classes
        (its prediction is their argmax, its log-loss that of a softmax); False:
        each output is a label of its own (decided by the sign of its logit).
    out_activation : str
        For a regressor: the name of its output function (``out_activation_``, as
        scikit-learn's ``MLPRegressor`` names it), which ``inverse_link`` computes.
    target_scaling : {"standardise", "mean"}
        For a regressor: how it scales its targets before the fit (and undoes it in
        ``predict``): ``"standardise"``, ``(y - mean) / std``; ``"mean"``, ``y /
        mean``, for a loss of non-negative targets whose prediction is a mean
        (``y / mean`` keeps the targets >= 0 and their mean at 1, which an output
        of 0 predicts through a log link).
    min_scaled_target : float or None
        For a regressor scaling by the mean: the smallest ``y / mean`` it fits (a
        row whose optimum lies below the range where the loss is computed exactly
        is refused); None: no
        limit of the loss's own. The largest is ``largest_scaled_target(dtype)``:
        it may depend on the compute dtype.
    """

    name = None
    aliases = ()
    code = None
    init_std = (1.0, 1.0)
    signed_output_init_std = None
    sparse_init = False
    auto_gain = None
    exclusive_classes = False
    out_activation = "identity"
    target_scaling = "standardise"
    min_scaled_target = None

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Refuse a second class under a name already taken: the lookup (get_loss)
        # would otherwise depend on which was defined first. The same class
        # defined again (a module reloaded, a notebook cell run again) replaces it.
        if cls.__dict__.get("aliases") and cls.__dict__.get("name") is None:
            cls._refused = True
            raise TypeError(f"{cls.__qualname__} declares aliases but no name of its "
                            "own: declare name too, or it is not selectable by them")
        taken = losses_by_name(exclude=cls)
        for name in _declared_names(cls):
            if name in taken and not _same_definition(taken[name], cls):
                cls._refused = True
                raise TypeError(f"loss name {name!r} of {cls.__qualname__} is "
                                f"taken by {taken[name].__qualname__}")

    def prepare_targets(self, y):
        """Targets as a C-contiguous float64 matrix of shape (n_samples, n_outputs):
        the one layout the output kernels take for every loss, so that each is
        compiled once per input kind and dtype (``sknonneg._kernels.losses``)."""
        y = np.asarray(y, dtype=np.float64)
        return np.ascontiguousarray(y.reshape(y.shape[0], -1))

    def check_targets(self, targets, n_outputs):
        """Raises ``ValueError`` unless the prepared ``targets`` (``prepare_targets``)
        fit a network of ``n_outputs`` outputs: the fused kernels read them
        unchecked. Here, for a loss with a kernel code: one column per output (a
        loss with targets of another form checks that). The generic path (``code =
        None``) reads them in its own ``value_grad`` only, in NumPy."""
        if self.code is None:
            return
        if targets.ndim != 2 or targets.shape[1] != n_outputs:
            raise ValueError(f"{self!r} takes targets of shape (n_samples, "
                             f"{n_outputs}) for {n_outputs} outputs; got shape "
                             f"{targets.shape}")

    def value_grad(self, logits, y):
        """``(loss per sample, dloss/dlogits)``, float64, of shapes (n_samples,) and
        (n_samples, n_outputs)."""
        raise NotImplementedError

    def inverse_link(self, logits):
        """A regressor's prediction (in the scaled targets' units) from its output
        units' values ``logits``: here the identity (a copy, float64)."""
        return np.array(logits, dtype=np.float64)

    def largest_scaled_target(self, dtype):
        """For a regressor scaling by the mean: the largest ``y / mean`` it fits in
        the compute ``dtype`` (a row whose optimum lies beyond the inverse link's
        exact range is refused, and one whose gradient would overflow ``dtype``);
        None: no limit of the loss's own."""
        return None

    def check_target_values(self, y, whole=True):
        """Raises ``ValueError`` unless a regressor's targets ``y`` (a float64
        matrix of the rows of positive weight, finite) are values the loss takes:
        ``whole``, the data a fit scales its targets by; else a later batch of it
        (``partial_fit``). Any finite value here. A whole data set's check implies
        a later batch's on any of its rows: the regressor runs only the first on
        the targets of a fit."""

    def __repr__(self):
        return f"{type(self).__name__}()"


class SoftmaxNLL(Loss):
    """Softmax with the negative log-likelihood of class indices ``y``:
    ``nll = logsumexp(z) - z[y]``, ``dnll/dz = softmax(z) - onehot(y)``.

    The class indices are prepared as one float64 column (``prepare_targets``: the
    layout of every loss's targets; indices are exact in float64)."""

    name = "softmax"
    aliases = ("softmax_nll",)
    code = SOFTMAX_NLL
    # Softmax values chosen on a 5k MNIST subset, 150 hidden units, 200
    # iterations: 93.7% test accuracy at (0.5, 2) vs 93.1% at (1, 1) and 91.3% at
    # (2, 1). A softmax only needs differences between logits, and a narrow start
    # keeps the positively correlated non-negative units in the sigmoid's
    # sensitive range (Notes of NonNegMLPClassifier). It compares its logits, so it
    # keeps the dense draw.
    init_std = (0.5, 2.0)
    # The 2 suits a non-negative output layer, whose logits move together (they
    # share the positively correlated hidden units), so that its softmax still
    # starts near uniform (digits: log-loss 2.32 against ln 10 = 2.30). A signed
    # output layer's logits are independent: at 2 it started as a confident random
    # guess (log-loss 4.35), which Adam took 20 to 50 epochs to undo. 74788bd,
    # preregistered between 0.1 and 0.25 (benchmarks/results/signed_softmax_start.md, means
    # of 3 seeds): Adam, 20 epochs, 5k MNIST, positive=False, 0.9142 at 2 -> 0.9179
    # (0.9178 at 0.25); digits 0.821 -> 0.901; L-BFGS-B unchanged within 0.1 point
    # (5k MNIST 0.9508 -> 0.9506, digits 0.9800 -> 0.9793; 0.25 lost 0.15 point on
    # digits and failed the rule); positive="hidden" L-BFGS-B 0.912 -> 0.938 on 5k
    # MNIST.
    signed_output_init_std = 0.1
    exclusive_classes = True

    def prepare_targets(self, y):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] != 1:
            raise ValueError(f"softmax targets are class indices, one per sample; "
                             f"got an array of shape {y.shape}")
        return super().prepare_targets(y)

    def check_targets(self, targets, n_outputs):
        """One class index per sample, an integer in ``[0, n_outputs)``: the kernels
        index the logits' row with it (out of range, they wrote out of bounds)."""
        if targets.ndim != 2 or targets.shape[1] != 1:
            raise ValueError(f"softmax targets are class indices, one per sample; "
                             f"got prepared targets of shape {targets.shape}")
        if targets.size:
            low, high = targets.min(), targets.max()
            # Written so that NaN fails: it compares false.
            integers = (np.trunc(targets) == targets).all()
            if not (low >= 0 and high < n_outputs and integers):
                raise ValueError(f"softmax targets are class indices, integers in "
                                 f"[0, {n_outputs}) for {n_outputs} outputs; got "
                                 f"values in [{low}, {high}]")

    def value_grad(self, logits, y):
        labels = np.asarray(y).reshape(-1).astype(np.intp)
        log_p = log_softmax(logits, axis=1)
        rows = np.arange(logits.shape[0])
        grad = np.exp(log_p)
        # p - 1 of the true class as minus the other classes' p, as the kernels
        # write it (p - 1 is exactly 0 once p rounds to 1).
        grad[rows, labels] = 0.0
        grad[rows, labels] = -grad.sum(axis=1)
        return -log_p[rows, labels], grad


class LogisticNLL(Loss):
    """Independent sigmoids with the binary cross-entropy of a 0/1 matrix ``y``
    (binary and multilabel), summed over outputs: per entry
    ``max(z, 0) + log1p(exp(-|z|)) - y z``, derivative ``sigmoid(z) - y``."""

    name = "logistic"
    aliases = ("logistic_nll",)
    code = LOGISTIC_NLL
    # Independent logistic outputs must each reach 0 or 1 on their own and train
    # better from (1, 1) (mean training accuracy over 5 seeds on a small 3-class
    # problem: 0.98 vs 0.76). They cannot cancel what all
    # hidden units share, so the non-negative layers start from a sparse draw
    # (Notes of NonNegMLPClassifier).
    init_std = (1.0, 1.0)
    sparse_init = True
    # A fixed gain of 1 with L-BFGS-B too (Reuters top-10, tf-idf, (30,),
    # positive, 200 iterations, seeds 0, 1, 2: test micro-F1 0.905, 0.904, 0.894
    # at gain 1 vs 0.899, 0.900, 0.892 annealed 1 -> 2).
    auto_gain = 1.0

    def value_grad(self, logits, y):
        return ((np.logaddexp(0.0, logits) - y * logits).sum(axis=1),
                expit(logits) - y)


class SquaredError(Loss):
    """Half the squared error summed over outputs, ``|z - y|^2 / 2``, derivative
    ``z - y``: for regressors and reconstruction."""

    name = "squared_error"
    code = SQUARED_ERROR
    # The regressor's standardised targets start as logistic outputs do: the
    # defaults, (1, 1) and a dense draw. A signed output layer (positive="auto",
    # False) keeps 1 too (no signed_output_init_std): 0.5, 0.25 and 0.1 were
    # measured under a preregistered rule (benchmarks/results/
    # signed_regression_start.md, 3 seeds, development data): Adam's held-out R^2
    # rose by 0.035-0.054 on average, but the default L-BFGS-B lost 0.11-0.22 on
    # diabetes, beyond the rule's 0.01.

    def value_grad(self, logits, y):
        residual = logits - y
        return 0.5 * (residual ** 2).sum(axis=1), residual


class SigmoidSquaredError(Loss):
    """Half the squared error after a sigmoid, summed over outputs:
    ``|sigmoid(z) - y|^2 / 2``, derivative ``(p - y) p (1 - p)`` with ``p =
    sigmoid(z)``: the reconstruction loss of a sigmoid decoder (inputs in [0, 1],
    NCAE's). Fused (kernel code): the generic NumPy path took 3-5x the time of an
    evaluation on 10k MNIST rows, 64 units."""

    name = "sigmoid_squared_error"
    code = SIGMOID_SQUARED_ERROR

    def value_grad(self, logits, y):
        p = expit(logits)
        residual = p - y
        return 0.5 * (residual ** 2).sum(axis=1), residual * p * (1.0 - p)


class _LogLink(Loss):
    """What the log-link regression losses share (not selectable: no name): an
    ``exp`` output on targets divided by their mean, and the capped ``exp`` of
    their mean and prediction.

    So that the loss, its gradient and a prediction stay finite up to ``z`` of
    about 3e286 (where ``exp`` overflowed at 710), the mean ``mu`` continues
    ``exp`` linearly beyond ``z = LOGIT_CAP`` (50: a mean 5e21 times the targets'
    mean, ``target_scaling="mean"``): ``mu = e^c (1 + z - c)`` there, with
    ``exp``'s value and slope at ``c``. It stays increasing and convex, so the
    prediction's monotonicity holds for every ``z``; the regressor refuses
    targets whose optimum could lie beyond the cap (``largest_scaled_target``)."""

    out_activation = "exp"
    target_scaling = "mean"
    LOGIT_CAP = 50.0

    @staticmethod
    def _which(bad, n_targets):
        """The targets a refusal names, when there are several."""
        return (f" (targets {np.flatnonzero(bad).tolist()} of {n_targets})"
                if n_targets > 1 else "")

    def largest_scaled_target(self, dtype):
        """``exp(LOGIT_CAP) / 100``, about 5.2e19, in every dtype: scaled targets
        above it are refused, so that the fit's optimum for a row, ``log(y)``,
        stays below the cap by ``log(100)``."""
        return float(np.exp(self.LOGIT_CAP) / 100.0)

    def _mean(self, z, exp):
        """``(dmu/dz, mu)`` of the float64 outputs ``z``: ``exp`` up to the cap,
        continued linearly beyond it."""
        slope = exp(np.minimum(z, self.LOGIT_CAP))
        with np.errstate(over="ignore"):  # inf beyond z of about 3e286
            return slope, slope * (1.0 + np.maximum(z - self.LOGIT_CAP, 0.0))

    def inverse_link(self, logits):
        """``exp(z)``, continued linearly beyond the cap: finite up to ``z`` of
        about 3e286, inf beyond (no warning; the regressor refuses it). Its ``exp``
        is the monotone one of the fixed-order kernels (within an ulp of
        ``np.exp``, whose computed values are not proven non-decreasing and fell
        between adjacent float32 inputs, ``benchmarks/results/ufunc_monotone_scan.md``),
        and each step after it (a rounded sum, a product by a positive number) is
        non-decreasing: a prediction is non-decreasing in ``z`` as computed, which
        ``monotonic_cst`` and the monotone certificate need."""
        return self._mean(np.asarray(logits, dtype=np.float64), monotone_exp)[1]


class HalfPoissonDeviance(_LogLink):
    """Half the Poisson deviance of non-negative targets ``y`` with a log link,
    summed over outputs: per entry ``y log(y / mu) - y + mu`` with the mean ``mu =
    exp(z)``, derivative ``mu - y``. The loss of ``MLPRegressor(loss="poisson")``
    and ``HistGradientBoostingRegressor(loss="poisson")`` (scikit-learn's
    ``HalfPoissonLoss``, its constant ``y log y - y`` included here, so that a
    perfect fit has loss 0 and the relative ``tol`` sees the deviance).

    ``mu`` is ``_LogLink``'s capped ``exp`` (linear beyond ``z = LOGIT_CAP``):
    increasing and convex, so the prediction's monotonicity and the loss's
    convexity in ``z`` hold for every ``z``. Generic path (no kernel code): the
    output layer is one matrix product, and the hidden layers' kernels are the
    same as for every loss."""

    name = "poisson"
    aliases = ("half_poisson",)
    # The output starts narrow: a spread sigma of the log-mean over the data makes
    # the mean prediction exp(sigma^2 / 2) times the targets' (1.65 at 1, 1.03 at
    # 0.25) and each row's off by a factor exp(+-sigma). Measured on simulated
    # counts (benchmarks/results/log_link_init_spread.md: 1000 training rows, 16
    # units, 3 seeds, mean deviance on 4000 fresh rows, the true means' 1.110): at
    # 1.0 / 0.5 / 0.25 / 0.1, the default L-BFGS-B fit 1.153 / 1.147 / 1.153 /
    # 1.142, Adam (50 epochs of 100-row batches) 1.259 / 1.243 / 1.230 / 1.231,
    # 20 L-BFGS-B iterations 1.514 / 1.319 / 1.277 / 1.270. 0.25 was chosen on a
    # first measurement (other test rows), where it was lowest for the full fit;
    # here 0.1 is lower by 1% there, within the seeds' spread.
    init_std = (1.0, 0.25)

    def check_target_values(self, y, whole=True):
        """``y >= 0`` and, over the whole data (``whole``), each target's sum > 0,
        in ``HistGradientBoostingRegressor(loss="poisson")``'s words: a mean of 0
        has no logarithm."""
        negative = np.any(y < 0, axis=0)
        bad = negative | (~(y.sum(axis=0) > 0) if whole else False)
        if np.any(bad):
            need = "non-negative y and sum(y) > 0" if whole else "non-negative y"
            raise ValueError(f"loss={self.name!r} requires {need} on the rows of "
                             f"positive weight{self._which(bad, y.shape[1])}.")

    def value_grad(self, logits, y):
        z = np.asarray(logits, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        slope, mu = self._mean(z, np.exp)
        # y log(y / mu) - y + mu, with y log mu = y z (0 log 0 = 0: an entry y = 0
        # costs mu alone). Beyond the cap the term stays y z (not y log mu): a
        # convex surrogate with derivative mu' - y, where no optimum lies.
        values = xlogy(y, y) - y - y * z + mu
        return values.sum(axis=1), slope - y


class HalfGammaDeviance(_LogLink):
    """Half the Gamma deviance of strictly positive targets ``y`` with a log link,
    summed over outputs: per entry ``log(mu / y) + y / mu - 1`` with the mean ``mu
    = exp(z)``, that is ``z - log y + y exp(-z) - 1``, derivative ``1 - y
    exp(-z)``. The loss of ``HistGradientBoostingRegressor(loss="gamma")`` and
    ``GammaRegressor`` (scikit-learn's ``HalfGammaLoss``, its constant ``-log y -
    1`` included here, so that a perfect fit has loss 0 and the relative ``tol``
    sees the deviance; scikit-learn's ``mean_gamma_deviance`` is twice its mean).

    The loss reads ``exp(-z)``, which overflows below ``z`` of about -709: beyond
    ``z = -LOGIT_CAP`` it continues linearly, ``e^c (1 - z - c)`` with ``c =
    LOGIT_CAP`` (``exp(-z)``'s tangent there): convex and finite (up to ``-z`` of
    about 1e266 for the largest targets taken), so the loss stays convex in ``z``
    with a continuous derivative. Above ``+LOGIT_CAP`` the loss needs no cap
    (``exp(-z)`` underflows to 0: the loss ``z - log y - 1``, derivative 1) and the
    prediction is the shared capped ``exp`` (``_LogLink.inverse_link``). A row's
    optimum ``z = log y`` stays inside ``[-LOGIT_CAP, LOGIT_CAP]`` by ``log(100)``:
    the regressor refuses scaled targets outside ``[min_scaled_target,
    largest_scaled_target(dtype)]``. Generic path (no kernel code), as the Poisson
    deviance."""

    name = "gamma"
    aliases = ("half_gamma",)
    # The Poisson deviance's narrow output start, for the same reason (a log
    # link: a spread sigma of the log-mean biases the mean prediction by
    # exp(sigma^2 / 2)). Measured on simulated amounts
    # (benchmarks/results/log_link_init_spread.md: 1000 training rows, 16 units,
    # 3 seeds; mean Gamma deviance on 4000 fresh rows, the true means' 0.2517):
    # at 1.0 / 0.5 / 0.25 / 0.1, the default
    # L-BFGS-B fit 0.2629 / 0.2614 / 0.2623 / 0.2616, Adam (50 epochs of 100-row
    # batches, step 0.01) 0.3399 / 0.3252 / 0.3098 / 0.3201, 20 L-BFGS-B
    # iterations 0.5664 / 0.3714 / 0.3643 / 0.3555.
    init_std = (1.0, 0.25)
    # Scaled targets below this are refused: a row's optimum, log(y), stays above
    # the lower cap by log(100).
    min_scaled_target = float(100.0 * np.exp(-_LogLink.LOGIT_CAP))

    def check_target_values(self, y, whole=True):
        """``y > 0``, in ``HistGradientBoostingRegressor(loss="gamma")``'s words (a
        Gamma deviance of 0 has no logarithm), over a whole data set and a later
        batch alike."""
        bad = ~np.all(y > 0, axis=0)  # NaN fails too
        if np.any(bad):
            raise ValueError(f"loss={self.name!r} requires strictly positive y on "
                             f"the rows of positive weight"
                             f"{self._which(bad, y.shape[1])}.")

    def largest_scaled_target(self, dtype):
        """Below ``z = -LOGIT_CAP`` the gradient is ``1 - t e^cap``: a row's
        ``s_i t_i / sum(s)`` is at most 1 in a fresh fit, not in a later batch
        (a warm start, ``partial_fit``), whose scale an earlier fit fixed. So
        ``t e^cap`` is kept 1e4 below the largest value of ``dtype``: about 6.6e12
        in float32 (there, such a row's output delta overflowed the float32
        buffer, and the fit was refused as "the parameters overflowed"); in
        float64 the log link's limit (``_LogLink.largest_scaled_target``)."""
        limit = float(np.finfo(dtype).max) / np.exp(self.LOGIT_CAP) / 1e4
        return min(super().largest_scaled_target(dtype), limit)

    def _inverse_mean(self, z):
        """``(d/dz, value)`` of ``exp(-z)``, continued linearly below ``-cap``."""
        cap = self.LOGIT_CAP
        slope = -np.exp(-np.maximum(z, -cap))
        with np.errstate(over="ignore"):  # inf only for -z beyond about 1e266
            return slope, -slope * (1.0 + np.maximum(-cap - z, 0.0))

    def value_grad(self, logits, y):
        z = np.asarray(logits, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        slope, inverse = self._inverse_mean(z)
        with np.errstate(over="ignore"):
            values = z - np.log(y) + y * inverse - 1.0
            return values.sum(axis=1), 1.0 + y * slope


class HalfTweedieDeviance(_LogLink):
    """Half the Tweedie deviance of power ``p`` in (1, 2) of non-negative targets
    ``y`` with a log link, summed over outputs: per entry
    ``y^(2-p) / ((1-p)(2-p)) - y mu^(1-p) / (1-p) + mu^(2-p) / (2-p)`` with the
    mean ``mu = exp(z)``, derivative ``mu^(2-p) - y mu^(1-p)``. The compound
    Poisson-Gamma family: non-negative targets with exact zeros (claim amounts,
    rainfall); its deviance tends to the Poisson one as ``p`` tends to 1 and to the
    Gamma one as ``p`` tends to 2. The loss of ``TweedieRegressor(power=p,
    link="log")`` (scikit-learn's ``HalfTweedieLoss``, with its
    constant ``y^(2-p) / ((1-p)(2-p))`` included here, so that a perfect fit has
    loss 0 and the relative ``tol`` sees the deviance; scikit-learn's
    ``mean_tweedie_deviance`` is twice its mean).

    In ``z`` the loss is ``y e^((1-p) z) / (p-1) + e^((2-p) z) / (2-p)`` plus that
    constant: two convex exponentials, the first overflowing for very negative
    ``z``, the second for large ``z``. Each continues linearly (its tangent)
    beyond the cap: the first below ``z = -LOGIT_CAP``, the second above ``z =
    +LOGIT_CAP``, so that the loss stays finite (up to ``|z|`` of about 1e266 for
    the largest targets taken), convex, with a continuous derivative, for every
    ``z``. Inside ``[-LOGIT_CAP, LOGIT_CAP]`` it is the deviance exactly. The
    prediction is the shared capped ``exp`` (``_LogLink.inverse_link``).
    Generic path (no kernel code), as the Poisson and Gamma deviances.

    Parameters
    ----------
    power : float, default=1.5
        The Tweedie power ``p``, in the open interval (1, 2).
    """

    name = "tweedie"
    aliases = ("half_tweedie",)
    # The Poisson and Gamma deviances' narrow output start (a log link: a spread
    # sigma of the log-mean biases the mean prediction by exp(sigma^2 / 2)); not
    # measured for this loss on its own.
    init_std = (1.0, 0.25)

    def __init__(self, power=1.5):
        power = float(power)
        if not 1.0 < power < 2.0:
            raise ValueError(f"The Tweedie power must be in the open interval "
                             f"(1, 2); got {power!r}.")
        self.power = power

    def __repr__(self):
        return f"{type(self).__name__}(power={self.power!r})"

    def check_target_values(self, y, whole=True):
        """As the Poisson deviance's: ``y >= 0`` and, over the whole data
        (``whole``), each target's sum > 0 (a mean of 0 has no logarithm)."""
        HalfPoissonDeviance.check_target_values(self, y, whole)

    def largest_scaled_target(self, dtype):
        """Below ``z = -LOGIT_CAP`` the gradient is ``e^((2-p) z) - t
        e^((p-1) cap)``: ``t e^((p-1) cap)`` is kept 1e4 below the largest value of
        ``dtype`` (as the Gamma deviance's), at most the log link's limit
        (``_LogLink.largest_scaled_target``)."""
        limit = (float(np.finfo(dtype).max) / np.exp((self.power - 1.0) * self.LOGIT_CAP)
                 / 1e4)
        return min(super().largest_scaled_target(dtype), limit)

    def _terms(self, z):
        """``(value, d/dz)`` of ``e^((1-p) z) / (p-1)`` and of ``e^((2-p) z) /
        (2-p)``, each continued by its tangent beyond the cap (the first below
        ``-cap``, the second above ``+cap``)."""
        p, cap = self.power, self.LOGIT_CAP
        low = np.maximum(z, -cap)
        high = np.minimum(z, cap)
        with np.errstate(over="ignore"):  # inf only for |z| beyond about 1e266
            # e^((1-p) z) / (p-1): decreasing; its tangent at -cap below it.
            slope_a = -np.exp((1.0 - p) * low)
            value_a = -slope_a * (1.0 / (p - 1.0) + np.maximum(-cap - z, 0.0))
            # e^((2-p) z) / (2-p): increasing; its tangent at +cap above it.
            slope_b = np.exp((2.0 - p) * high)
            value_b = slope_b * (1.0 / (2.0 - p) + np.maximum(z - cap, 0.0))
        return value_a, slope_a, value_b, slope_b

    def value_grad(self, logits, y):
        z = np.asarray(logits, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        p = self.power
        value_a, slope_a, value_b, slope_b = self._terms(z)
        with np.errstate(over="ignore"):
            # y^(2-p) / ((1-p)(2-p)) + y e^((1-p) z) / (p-1) + e^((2-p) z) / (2-p)
            # An entry y = 0 costs the second term alone (0 times an infinite
            # first term, beyond |z| of 1e266, would be NaN).
            first = np.multiply(y, value_a, out=np.zeros(np.broadcast_shapes(
                y.shape, value_a.shape)), where=y > 0)
            values = y ** (2.0 - p) / ((1.0 - p) * (2.0 - p)) + first + value_b
            return values.sum(axis=1), y * slope_a + slope_b


def get_loss(loss):
    """The loss named ``loss`` (an estimator's ``output``), or ``loss`` itself if it is
    a ``Loss``. The names are those that the subclasses of ``Loss`` declare
    (``losses_by_name``), so that a loss defined in a module of its own is
    selectable once that module is imported. By name, a loss with parameters of its
    own (``HalfTweedieDeviance``'s ``power``) takes their defaults: an estimator
    passes the instance it built (its ``_loss()``), never the name."""
    if isinstance(loss, Loss):
        return loss
    found = losses_by_name()
    try:
        cls = found[loss]
    except (KeyError, TypeError):
        raise ValueError(f"unknown loss {loss!r}; expected one of "
                         f"{sorted(found)} or a Loss") from None
    return cls()
