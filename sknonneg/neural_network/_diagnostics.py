"""What a fit tells its user: input scale, degenerate fits, non-convergence.

- :func:`warn_input_scale`: inputs far from unit scale (called by the initialisation,
  which measures the columns anyway).
- :func:`warn_if_degenerate`: a classifier that ends predicting one label for every
  training sample, or no better than the class prior; a regressor no better than
  the mean of its targets (called once at the end of ``fit``).
- :func:`warn_if_not_converged`: the iteration limit stopped a fit that was still
  improving (or a decaying step-size schedule ended badly); the message shows the
  loss and the projected-gradient norm.
"""

import sys
import warnings

import numpy as np
import scipy.linalg
import scipy.sparse as sp
import scipy.sparse.linalg
from scipy.special import log_expit, log_softmax
from sklearn.base import is_classifier, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import r2_score

from .._validation import largest_magnitude, overflow_remedies, user_stacklevel
from ..exceptions import DegenerateFitWarning, InputScaleWarning
from ._base import fitted_attribute

__all__ = ["report_fit", "warn_if_degenerate", "warn_if_not_converged",
           "warn_input_scale"]

# stacklevel: the user's call to ``fit`` (fit -> _fit -> report_fit -> warn_*, and
# fit -> _fit -> _start_theta -> _init_theta -> warn_input_scale).

# Column root-mean-square beyond which (or, for the largest column, below which)
# inputs are "far from unit scale". 1e2, not 1e3: raw MNIST (pixels 0..255, largest
# column root-mean-square 178) trained to 0.908 test accuracy at the defaults
# against 0.969 divided by 255 (full training set), ABBAClassifier to 0.918
# against 0.951 (5,000 rows), without a warning below 1e3; the same 5,000 rows
# with pixels up to 100 (largest 70) lost 1.3 points, up to 30 none.
_SCALE_HIGH, _SCALE_LOW = 1e2, 1e-3
# Columns above _SPREAD_LARGE with a root-mean-square over _SPREAD_RATIO times the
# median of the non-zero columns' are far from the others' scale: raw Spambase
# (largest 669, median 0.47) trained to 0.869 test accuracy against 0.944 scaled,
# without a warning below _SCALE_HIGH.
_SPREAD_LARGE, _SPREAD_RATIO = 10.0, 100.0
# Inputs larger than _LARGE_INPUT in size get the advice to scale them, unless
# every column's root-mean-square is at most _UNIT_RMS: columns as a scaler leaves
# them (StandardScaler: 1; MinMaxScaler, one-hot codes: at most 1), whose large
# values are outliers or a heavy tail that another scaler does not shrink.
# Before, the standardised Adult of a ColumnTransformer (capital-gain 13.8 on
# 2,000 rows) was told "put a scaler in a Pipeline"; its min-max twin (largest
# input 1) did not converge in 200 iterations either.
_LARGE_INPUT, _UNIT_RMS = 10.0, 2.0
# A fit whose training log-loss is within this share of the class-prior model's is
# no better than it; so is a regressor whose training R^2 is at most this share.
_PRIOR_MARGIN = 0.01
# The iteration limit means something when the loss still fell, over the last 10%
# of the iterations (at least 5), by more than 1% of its decrease after its
# initial transient (below).
_TAIL_SHARE, _TAIL_MIN, _TAIL_GAIN = 0.1, 5, 0.01
# A fit whose tail is small against its whole decrease still warns where it has
# an initial transient, the leading iterations (at most as many as the tail) each
# of which removed more than this share of the loss left above the fit's last
# (``_transient_end``), and its tail is more than 1% of both its decrease after
# the transient and its loss. Before, where the first step was huge
# (``nonneg_penalty=1e6`` on 300 digits / 16: 1.5e5 -> 9.87, then 4.50 -> 4.26
# over the last 20 of 200 iterations, 4.2% of the decrease after it, 5.6% of
# the loss) a fit still falling at the limit was called converged. First a
# share of 0.5 and the decrease alone: 95 small fits of the test suite (20-60
# iterations, a first step removing mostly 50-90% of what was left) started to
# warn, 56 of them with tails of 0.003-0.9% of their loss; with both measures
# still 39 (scikit-learn's checks on toy data); with 0.9 and both, none.
_TRANSIENT_STEP = 0.9


def _than(loss, reference):
    """How a degenerate fit's ``loss`` compares with the constant model's
    ``reference`` (both lower-better), in a warning's words: ``"worse than"``
    where it exceeds it by more than ``_PRIOR_MARGIN`` of it, else ``"no better
    than"``. Before, a fit ending far worse than the constant model (a log-loss 10
    times the class prior's) was said to be "no better than" it."""
    worse = loss > reference * (1.0 + _PRIOR_MARGIN)
    return "worse than" if worse else "no better than"


def column_rms(inputs, weights):
    """Weighted root-mean-square of each column of ``inputs`` (dense or sparse,
    float64; ``weights`` summing to 1), computed on the column divided by its largest
    magnitude so that columns of magnitude 1e300 do not overflow."""
    if sp.issparse(inputs):  # the same, never densified
        inputs = sp.csr_matrix(inputs)
        top = np.zeros(inputs.shape[1])
        np.maximum.at(top, inputs.indices, np.abs(inputs.data))
        unit = np.where(top > 0, top, 1.0)
        # Each entry divided by its column's unit, as the dense branch: 1 / unit
        # would overflow for a subnormal unit.
        scaled = sp.csr_matrix((inputs.data / unit[inputs.indices], inputs.indices,
                                inputs.indptr), shape=inputs.shape)
        rms = top * np.sqrt(np.asarray(scaled.multiply(scaled).T @ weights).ravel())
    else:
        # A block of rows at a time: no float64 copy of X (np.abs(X) and
        # (X / unit) ** 2 were two, 376 MB each for MNIST's training set).
        inputs = np.asarray(inputs)
        n_rows, n_columns = inputs.shape
        top = np.zeros(n_columns)
        for start in range(0, n_rows, _RMS_BLOCK):
            block = inputs[start:start + _RMS_BLOCK]
            np.maximum(top, np.max(np.abs(block), axis=0, initial=0.0), out=top)
        unit = np.where(top > 0, top, 1.0)
        squares = np.zeros(n_columns)
        for start in range(0, n_rows, _RMS_BLOCK):
            block = np.asarray(inputs[start:start + _RMS_BLOCK],
                               dtype=np.float64) / unit
            squares += weights[start:start + _RMS_BLOCK] @ (block * block)
        rms = top * np.sqrt(squares)
    return rms


_RMS_BLOCK = 4096  # rows per block of column_rms on dense inputs


def small_input_scale(rms):
    """Whether columns of root-mean-square ``rms`` (``column_rms``) are small as
    a whole: the largest below 1e-3 and not 0, the test by which
    ``warn_input_scale`` calls inputs small. The networks' starts shrink their
    first layer there, whatever the solver (``_engine.init.dense_init``'s
    ``small_inputs``)."""
    largest = float(np.max(rms)) if np.size(rms) else 0.0
    return 0.0 < largest < _SCALE_LOW


def warn_input_scale(inputs, weights, name, rms=None):
    """``InputScaleWarning`` if the weighted root-mean-square of the columns of
    ``inputs`` (dense or sparse, float64) is far from 1: the largest above 1e2 or
    below 1e-3 (``small_input_scale``), or above 10 and 100 times the median of
    the non-zero columns'. ``rms``: ``column_rms(inputs, weights)`` where the
    caller has it already. Returns whether it warned where the user sees it
    (``warn_scale``)."""
    if inputs.size == 0:
        return False
    if rms is None:
        rms = column_rms(inputs, weights)
    largest = float(np.max(rms))
    nonzero = rms[rms > 0]
    median = float(np.median(nonzero)) if nonzero.size else 0.0
    spread = largest > _SPREAD_LARGE and largest > _SPREAD_RATIO * median
    if largest > _SCALE_HIGH or small_input_scale(rms) or spread:
        return warn_scale(
            f"{name}: input columns are far from unit scale (largest column "
            f"root-mean-square {largest:.3g}, median {float(np.median(rms)):.3g}"
            + (f", {median:.3g} over the non-zero columns" if nonzero.size < rms.size
               else "") + "); it trains best on inputs of order one. Put a "
            # Before: "Networks with sigmoid units and non-negative weights train on
            # inputs of order one", also said of ABBAClassifier (tanh units, signed
            # weights) and of relu or positive=False networks.
            + ("MaxAbsScaler (it keeps sparse input sparse)" if sp.issparse(inputs)
               else "MinMaxScaler or StandardScaler")
            + " before it in a Pipeline.")
    return False


def warn_scale(message):
    """``warnings.warn(message, InputScaleWarning)`` at the user's line; returns
    whether the warnings filters let it through (any action but "ignore"; "error"
    raises), for ``note_input_scale_warning``. Before, a fit whose
    InputScaleWarning the user had filtered out (``warnings.simplefilter("ignore",
    InputScaleWarning)``) was still taken to have given the scaling advice: its
    ConvergenceWarning dropped "Inputs as large as ... slow it: put a scaler in a
    Pipeline." and its DegenerateFitWarning said "see the InputScaleWarning", a
    warning never shown. The filters are matched as ``warnings.warn_explicit``
    matches them (message, category, module and line of the user's frame)."""
    level = user_stacklevel()
    warnings.warn(message, InputScaleWarning, stacklevel=level)
    try:
        frame = sys._getframe(level - 1)  # the frame warnings.warn attributed it to
        module, lineno = frame.f_globals.get("__name__", "<string>"), frame.f_lineno
    except ValueError:  # past the outermost frame: warnings.warn's "sys"
        module, lineno = "sys", 0
    for action, text, category, where, line in warnings.filters:
        if (_filter_matches(text, message)
                and issubclass(InputScaleWarning, category)
                and _filter_matches(where, module)
                and (line == 0 or line == lineno)):
            return action != "ignore"
    return warnings.defaultaction != "ignore"


def _filter_matches(pattern, value):
    """Whether a warnings filter's message or module ``pattern`` matches ``value``
    as ``warnings`` matches it: None always, a plain string (an entry put in
    ``warnings.filters`` by hand) exactly, else a compiled pattern's ``match``."""
    if pattern is None:
        return True
    if isinstance(pattern, str):
        return pattern == value
    return pattern.match(value) is not None


def note_input_scale_warning(estimator, warned):
    """Record on ``estimator`` that this fit raised an ``InputScaleWarning`` that
    the warnings filters showed (``warned``: a warning function's return value,
    ``warn_scale``'s): ``report_fit`` leaves the scaling advice to that warning
    (``fit_warned_input_scale``)."""
    if warned:
        estimator._input_scale_warned = True


def fit_warned_input_scale(estimator):
    """Whether this fit raised an ``InputScaleWarning``, and forget it: the record
    (``note_input_scale_warning``) is cleared at the start of each fit and
    ``partial_fit`` call (``clear_input_scale_warning``)."""
    return bool(estimator.__dict__.pop("_input_scale_warned", False))


def clear_input_scale_warning(estimator):
    """Start a fit's record of the ``InputScaleWarning`` anew."""
    estimator.__dict__.pop("_input_scale_warned", None)


def _data_nll(logits, targets, sample_weight, softmax):
    """Mean log-loss of ``logits`` and the class-prior model's, weighted; and for
    logistic outputs the same per label (``_label_nll``), else None."""
    w = sample_weight / sample_weight.sum()
    if softmax:
        idx = np.asarray(targets, dtype=np.int64)
        nll = -(w @ log_softmax(logits, axis=1)[np.arange(idx.size), idx])
        prior = np.bincount(idx, weights=w, minlength=logits.shape[1])
        prior = prior[prior > 0]
        return float(nll), float(-(prior @ np.log(prior))), None
    nll, prior = _label_nll(logits, targets, w)
    return float(nll.sum()), float(prior.sum()), (nll, prior)


def _label_nll(logits, targets, w):
    """Per label of logistic ``logits``: the mean log-loss and the label-prior
    model's, with row weights ``w`` that sum to 1."""
    t = np.asarray(targets, dtype=np.float64)
    nll = -(w @ (t * log_expit(logits) + (1.0 - t) * log_expit(-logits)))
    p = np.clip(w @ t, 1e-300, 1.0 - 1e-16)
    return nll, -(p * np.log(p) + (1.0 - p) * np.log1p(-p))


def _regression_r2(estimator, X, targets, sample_weight):
    """Training R^2 (weighted) of the fitted regressor on its standardised
    ``targets``, per output (D^2 for a loss that scales its targets by their
    mean), with the mask of the outputs that vary on rows of positive weight and
    whether the scores are D^2; None when no output varies."""
    t = np.asarray(targets, dtype=np.float64)
    t = t.reshape(t.shape[0], -1)
    varies = np.ptp(t[np.asarray(sample_weight) > 0], axis=0) > 0
    if not np.any(varies):
        return None
    z = np.asarray(estimator._diagnostic_logits(X), dtype=np.float64).reshape(t.shape)
    loss = estimator._loss()
    if loss.target_scaling == "mean":
        return _deviance_explained(loss, z, t, sample_weight), varies, True
    return (r2_score(t, z, sample_weight=sample_weight, multioutput="raw_values"),
            varies, False)


def _deviance_explained(loss, z, t, sample_weight):
    """Per output, D^2 = 1 - (the loss of the outputs ``z``) / (the mean model's),
    both weighted means over the rows, for targets ``t`` scaled by a mean
    (``target_scaling="mean"``, a log link): the mean model predicts the weighted
    mean of these ``t``, the output ``log(mean)`` (0 for a first fit's own
    targets, whose mean is 1; not for a warm start's): R^2's counterpart for a
    deviance (scikit-learn's ``d2_tweedie_score``). An output whose mean model's
    loss is 0 gets 1."""
    w = np.asarray(sample_weight, dtype=np.float64)
    d2 = np.ones(t.shape[1])
    means = (w @ t) / w.sum()
    for j in range(t.shape[1]):
        if not means[j] > 0:
            continue  # all 0: the mean model is exact (a log link reaches it only
            # in the limit); such an output does not vary
        fitted = w @ loss.value_grad(z[:, j:j + 1], t[:, j:j + 1])[0]
        null = w @ loss.value_grad(np.full((t.shape[0], 1), np.log(means[j])),
                                   t[:, j:j + 1])[0]
        if null > 0:
            d2[j] = 1.0 - fitted / null
    return d2


def _listed(indices, limit=10):
    """``[0, 3, 7]``, at most ``limit`` of them, then how many more."""
    shown = ", ".join(str(int(i)) for i in indices[:limit])
    more = f" and {len(indices) - limit} more" if len(indices) > limit else ""
    return f"[{shown}]{more}"


def _listed_r2(values, limit=10, score="R^2"):
    """``R^2 0.1, -2`` for the first ``limit`` of ``values``."""
    return f"{score} " + ", ".join(f"{v:.3g}" for v in values[:limit])


def _degenerate_labels(truth, nll, prior):
    """Indices of the labels of a multilabel fit that vary in ``truth`` but whose
    log-loss ``nll`` is within ``_PRIOR_MARGIN`` of their ``prior``'s
    (``_label_nll``). (Not "predicted alike for every row": a rare label that no row
    reaches 0.5 on can still be ranked well.)"""
    varies = truth.any(axis=0) & ~truth.all(axis=0)
    return np.flatnonzero(varies & (prior > 0) & (nll >= prior * (1.0 - _PRIOR_MARGIN)))


def _has_monotonic_cst(estimator):
    """Whether the fitted ``estimator`` constrains some feature (``monotonic_cst_``)."""
    cst = fitted_attribute(estimator, "monotonic_cst_", None)
    return cst is not None and bool(np.any(np.asarray(cst) != 0))


def _penalty_remedy(estimator, penalties=("l2", "l1", "activity_l1")):
    """"smaller penalties (l2, l1)", naming only the ``penalties`` this estimator
    has above 0 ("a smaller l2" for one; empty for none), with what ``l1="auto"``
    put on the first layer. Before: "smaller penalties (l2, l1)" always, also to
    fits with ``l1=0`` (the regressor's default) or ``l2=0``."""
    params = estimator.get_params(deep=False)
    names, auto = [], ""
    for name in penalties:
        value = params.get(name)
        if value is None:
            continue
        if isinstance(value, str):  # l1="auto": what it put, where that is known
            if hasattr(estimator, "_l1_per_layer") and hasattr(estimator, "_layout"):
                first = float(estimator._l1_per_layer(
                    estimator._layout.coef_signs)[0])
                if not first > 0:
                    continue
                auto = f'{name}="auto" put {first:g} on the first layer'
            names.append(name)
        elif np.any(np.asarray(value, dtype=float) != 0):
            names.append(name)
    if not names:
        return ""
    if len(names) == 1:
        return f"a smaller {names[0]}" + (f" ({auto})" if auto else "")
    return f"smaller penalties ({', '.join(names)}" + (f"; {auto})" if auto else ")")


def _constraint_note(estimator, monotone_outputs):
    """What the sign constraints forbid, when they make every output monotone
    (``monotone_outputs``: logistic or identity outputs, not a softmax): the
    likeliest cause of a degenerate fit then."""
    if not monotone_outputs:
        return ""
    if _has_monotonic_cst(estimator):
        return (" With monotonic_cst every output moves in the given direction with "
                "each constrained feature: an output that moves against it cannot be "
                "fitted." + _binary_class_note(estimator))
    kinds = fitted_attribute(estimator, "weight_constraints_", None)
    if kinds and all(k == "nonneg" for k in kinds):
        return (" Every weight is >= 0: every output is non-decreasing in every "
                "feature, so one that falls as a feature rises cannot be fitted, and "
                "the hidden units the outputs share can only add features up."
                + _binary_class_note(estimator))
    return ""


def _binary_class_note(estimator):
    """Which class's probability the single logistic output of a binary classifier
    gives (``classes_[1]``, the labels being sorted), and how to point the
    constraint at the other class; empty for other estimators. Labels that sort
    the other way ("spam"/"valid": P("valid") rises) were not pointed at before."""
    classes = getattr(estimator, "classes_", None)
    if (classes is None or getattr(estimator, "_multilabel", False)
            or fitted_attribute(estimator, "out_activation_", None) != "logistic"
            or len(classes) != 2):
        return ""
    first, second = np.asarray(classes).tolist()  # Python values: 'ham', not np.str_
    return (f" The output is P(classes_[1]) = P({second!r}), the labels being "
            "sorted: to constrain the other class's probability, encode the target "
            f"so that it sorts last (e.g. y == {first!r}).")


def _adam_steps_note(estimator, loss, reference, loss_name, reference_name, rise):
    """The sentence blaming Adam's step size for a degenerate fit whose training
    ``loss`` ended above ``_DIVERGED`` times that of the constant model
    (``reference``) and whose objective rose to more than ``_DIVERGED`` times its
    value at the fit's starting parameters (``rise``: ``(start, end)``, or None
    when it did not); empty otherwise. Before, such fits (digits,
    learning_rate_init=10: training log-loss 84 against the prior's 2.3) were told
    to scale their already scaled inputs, lower their penalties or raise max_iter,
    and an Adam fit that diverged within its first epoch got no warning about its
    steps (its loss curve starts high: ``warn_if_not_converged``). Both conditions:
    a fit can start far above the constant model and improve slowly (imbalanced
    classes, which the initialisation starts near equal probabilities; a positive
    network and a falling target), and was told to lower its step in the first
    version of this note."""
    if (getattr(estimator, "solver", None) != "adam" or rise is None
            or not reference > 0 or not loss > _DIVERGED * reference):
        return ""
    return (f" Its training {loss_name} is {loss / reference:.3g} times the "
            f"{reference_name}, and its objective rose from {rise[0]:.4g} at its "
            f"starting parameters to {rise[1]:.4g}: Adam's steps were too large for "
            "the data. Lower learning_rate_init first.")


# A fit on inputs whose largest magnitude is below this is told, when degenerate,
# that the inputs' scale is the cause (_small_input_note).
_SMALL_INPUT = 0.1


def _is_sparse_input(X):
    """Whether the fit's training inputs ``X`` (an array, a sparse matrix, or the
    engine's ``CSRInput`` / ``DenseInput``) are sparse."""
    return sp.issparse(X) or hasattr(X, "indptr")


def _input_matrix(X):
    """The fit's training inputs ``X`` as a SciPy sparse matrix (a ``CSRInput``'s
    arrays, shared, not copied) or an ndarray (a ``DenseInput``'s array)."""
    if sp.issparse(X):
        return X
    if hasattr(X, "indptr"):
        return sp.csr_matrix((X.data, X.indices, X.indptr), shape=X.shape)
    return np.asarray(X.array if hasattr(X, "array") else X)


def _small_input_note(X, estimator, scale_warned=False, ended=None):
    """The cause and the remedy of a degenerate fit on inputs whose largest
    magnitude is below ``_SMALL_INPUT`` (empty otherwise, and for ``X`` None);
    where the fit raised an ``InputScaleWarning`` (``scale_warned``), which names
    the scaler, the remedy points to it. ``ended``: how the fit compares with the
    constant model (``_than``), which the note then states; None where it did
    better than it (a classifier that predicts one label with a log-loss below
    the prior's), and the note states nothing of the kind.

    The data-dependent start gives the first layer weights of the inverse of the
    inputs' scale, and their L2 penalty is counted in the inputs' own units (only
    columns spanning more than 1 are measured in their span: ``penalty_units``): on
    ``X * 1e-4`` it is about 1e6 against a data term of order one, L-BFGS-B's first
    steps drove the first layer to 0 and left the units saturated, and a log-link
    output (Poisson, Gamma) ended far below or above the targets (training D^2 of
    -4.8e3 to -4.4e4, measured: ``doc/reliability.md``). Where the largest column
    root-mean-square is below 1e-3 (``small_input_scale``), the fits of either
    solver now start with that layer shrunk (``_engine.init.cap_first_layer_l2``)
    and end at about the constant model; inputs between that and a largest
    magnitude of 0.1 start as drawn. The note states how this fit ended
    (``ended``), not how such fits can end. Before, the warning listed scaling
    among four remedies and blamed the monotonic constraints first.
    """
    if X is None:
        return ""
    sparse = _is_sparse_input(X)
    largest = _input_largest(X)
    if largest is None or not 0.0 < largest < _SMALL_INPUT:
        return ""
    scaler = ("MaxAbsScaler (it keeps sparse input sparse)" if sparse
              else "StandardScaler or MinMaxScaler")
    # What this fit did, measured (``ended``). Before, "so the fit can end no
    # better than the constant model" for every loss but the log links, whose
    # fits were all said to "end far worse than the mean model" (also those at
    # D^2 0.0), and a fit far worse than the class prior was "no better".
    end = "" if ended is None else f" This fit ended {ended} the constant model."
    # Before, with the InputScaleWarning of the same fit (largest column
    # root-mean-square below 1e-3), the remedy was given twice.
    remedy = (" Scale the features (see the InputScaleWarning)." if scale_warned
              else f" Scale the features: put a {scaler} before the estimator in a "
              "Pipeline.")
    return (f" Its inputs are small (largest magnitude {largest:.3g}): the first "
            "layer needs weights of the inverse of that scale to use them, and "
            f"their L2 penalty outweighs the data.{end}{remedy}")


def _input_largest(X):
    """``max|X|`` of the training inputs as the fit holds them (an array, a
    sparse matrix, or a block's ``array``), None where not known."""
    if X is None:
        return None
    inputs = _input_matrix(X)
    return largest_magnitude(inputs.data if sp.issparse(inputs) else inputs)


def _unscaled_largest(X):
    """``max|X|`` of the training inputs where the advice to scale them holds: it
    exceeds ``_LARGE_INPUT`` and some column's root-mean-square exceeds
    ``_UNIT_RMS``; 0.0 where it does not (small inputs, or columns of unit scale
    with outliers); None where ``X`` is not known."""
    largest = _input_largest(X)
    if largest is None or not largest > _LARGE_INPUT:
        return largest
    # The fit's inputs as column_rms takes them, unweighted.
    rms = column_rms(_input_matrix(X), np.full(X.shape[0], 1.0 / max(X.shape[0], 1)))
    return largest if np.max(rms) > _UNIT_RMS else 0.0


def _constant_input_note(X, sample_weight, n_dropped=0, n_held_out=0):
    """The cause of a degenerate fit whose inputs are equal on every row it fits
    (every column constant on the rows of positive ``sample_weight``; all zero,
    say): no function of ``X`` does better than the mean of the targets or the
    class prior, so no remedy helps. Empty otherwise, and where ``X`` is not
    known. Before, such a fit was told to try a smaller l2, a larger max_iter or
    (sparse zeros) a scaler, none of which can help.

    ``X`` holds the rows the fit trained on: ``n_dropped`` rows of weight 0 and
    ``n_held_out`` rows held out for early stopping are not among them, and the
    note says so (``_rows_seen``)."""
    if X is None or not X.shape[0]:
        return ""
    keep = (np.ones(X.shape[0], dtype=bool) if sample_weight is None
            else np.asarray(sample_weight) > 0)
    if not keep.any():
        return ""
    inputs = _input_matrix(X)
    if sp.issparse(inputs):
        rows = sp.csr_matrix(inputs)[keep]
        # Sparse column extremes compared sparse: a wide input is never densified,
        # not even as a row of n_features values.
        constant = (rows.max(axis=0) != rows.min(axis=0)).nnz == 0
    else:
        where = keep[:, None]  # a view: no copy of the kept rows
        constant = np.array_equal(
            np.max(inputs, axis=0, where=where, initial=-np.inf),
            np.min(inputs, axis=0, where=where, initial=np.inf))
    if not constant:
        return ""
    seen = _rows_seen(n_dropped + int(np.count_nonzero(~keep)), n_held_out)
    if inputs.dtype == np.float32:
        # Before: "whatever the settings" here too, though inputs that vary by
        # less than float32's precision (1 + 1e-9 * rand) round to one value in
        # a float32 fit and stay apart in float64, or scaled.
        return (f" Every column of X is constant{seen} in float32, the fit's "
                "dtype: no function of those inputs can do better. If X varies by "
                "less than float32's precision (about 6e-8 of its size), pass "
                "dtype='float64' or centre and scale it; else check the inputs.")
    return (f" Every column of X is constant{seen}: no function of X can do "
            "better, whatever the settings. Check the inputs.")


def _rows_seen(n_dropped, n_held_out):
    """The rows a fit trained on, as the degenerate-fit note names them: " on the
    rows it trains on (not ...)", the rows given to ``fit`` that are not among
    them (of weight 0, held out for early stopping); empty where it trains on
    every row. Before, every note said "the rows it fits
    (those of positive sample_weight)", also of a fit given no weights, and
    of one whose validation rows (which the check never saw) were held out."""
    def rows(n):
        return f"the {n} row{'s' if n != 1 else ''}"

    left = ([f"{rows(n_dropped)} of sample_weight 0"] if n_dropped else []) + (
        [f"{rows(n_held_out)} held out for early stopping"] if n_held_out else [])
    if not left:
        return ""
    return f" on the rows it trains on (not {' or '.join(left)})"


def _remedies(X, *others, scale_warned=False, lead="Try"):
    """"Try scaling the inputs (...), a, b or c." The scaling only where an input
    exceeds 10 in size on columns not all of unit scale (``_unscaled_largest``), or
    where that is not known, as ``_scale_hint``: before, fits on inputs in [0, 1]
    (min-max scaled digits, diabetes) were told to scale them first. Where the fit
    raised an ``InputScaleWarning`` (``scale_warned``), which names the scaler, the
    item points to it."""
    largest = None if scale_warned else _unscaled_largest(X)
    # Sparse inputs: MaxAbsScaler, as the InputScaleWarning names (before:
    # MinMaxScaler, which refuses sparse input, or StandardScaler, which refuses
    # it with its default with_mean=True).
    sparse = X is not None and _is_sparse_input(X)
    scalers = ("MaxAbsScaler: it keeps sparse input sparse" if sparse
               else "MinMaxScaler or StandardScaler")
    # After an InputScaleWarning, which names the scaler, a pointer to it.
    items = ([] if largest is not None and not largest > _LARGE_INPUT
             else ["scaling the inputs (see the InputScaleWarning)"] if scale_warned
             else [f"scaling the inputs ({scalers})"])
    items += [item for item in others if item]
    if not items:
        return ""
    listed = (", ".join(items[:-1]) + " or " + items[-1] if len(items) > 1
              else items[0])
    return f" {lead} {listed}."


# After "Adam's steps were too large ... Lower learning_rate_init first"
# (``_adam_steps_note``) the other remedies come second, without a larger max_iter
# (the ConvergenceWarning beside it says that it does not help) or a smaller
# learning_rate_init again. Before, the same fit was told "a larger max_iter does
# not help" and "Try ... a larger max_iter".
_AFTER_STEPS = "If the fit stays degenerate with smaller steps, try"


def warn_if_degenerate(estimator, X, targets, sample_weight, rise=None,
                       scale_warned=False, n_dropped=0, n_held_out=0):
    """``DegenerateFitWarning`` if the fitted classifier ``estimator`` predicts one
    label (set) for every row of ``X`` (with positive weight) although ``targets``
    hold several, or its training log-loss is no better than the class prior's, or
    (multilabel) that of one of its labels.

    A regressor: ``DegenerateFitWarning`` if its training R^2 is at most
    ``_PRIOR_MARGIN``, no better than predicting the mean of every target, or that
    of one of them. The message notes when the constraints make every output
    monotone (``_constraint_note``).

    An autoencoder (``_degenerate_errors``): ``DegenerateFitWarning`` if its
    training reconstruction error (the mean squared error per entry, weighted) is
    at least ``1 - _PRIOR_MARGIN`` times that of reconstructing every row by the
    (weighted) mean row of the training rows, the constant model, which either
    decoder can reach on data in [0, 1]; nothing where no column varies (the
    mean row is then exact). ``scale_warned``: the fit raised an ``InputScaleWarning``, which gives
    the advice to scale the inputs (not repeated here). ``n_dropped``,
    ``n_held_out``: rows of the data given to ``fit`` that are not in ``X`` (of
    weight 0; held out for early stopping), which the message names."""
    if hasattr(estimator, "_degenerate_errors"):
        _warn_if_degenerate_reconstruction(estimator, X, sample_weight, rise,
                                           scale_warned, n_dropped)
        return
    if is_regressor(estimator) and hasattr(estimator, "_diagnostic_logits"):
        fitted = _regression_r2(estimator, X, targets, sample_weight)
        if fitted is None:
            return
        r2, varies, deviance = fitted
        mean = float(np.mean(r2[varies]))
        # Squared error: R^2; a deviance (Poisson, Gamma: a loss scaling by the
        # mean): D^2, its share explained.
        score, error = (("D^2", "deviance") if deviance
                        else ("R^2", "squared error"))
        # R^2 < 1 - _DIVERGED: the squared error is over twice the mean model's.
        # Several outputs: 1 - mean R^2 is the mean over outputs of each one's ratio.
        steps = _adam_steps_note(estimator, 1.0 - mean, 1.0, error + (
            ", averaged over outputs," if np.count_nonzero(varies) > 1 else ""),
            "mean model's", rise)
        # Each output on its own too: a flat output beside well-fitted ones.
        bad = np.flatnonzero(varies & ~(r2 > _PRIOR_MARGIN))
        # 1 - R^2 (1 - D^2): the error over the mean model's.
        ended = _than(1.0 - mean, 1.0)
        if not mean > _PRIOR_MARGIN:
            what = (f"its training {score} ({mean:.4g}) is {ended} predicting "
                    "the mean of the targets")
        elif bad.size:
            what = (f"the training {score} of outputs {_listed(bad)} (of "
                    f"{varies.size}; {_listed_r2(r2[bad], score=score)}) is "
                    f"{_than(1.0 - float(np.max(r2[bad])), 1.0)} predicting their "
                    "mean")
            ended = None  # the fit as a whole is better than the mean model
        else:
            return
        # Small inputs: their scale is the cause, and scaling the first remedy;
        # the constraints' note and the other remedies come once they are scaled.
        # learning_rate_init only where it acts (Adam): before, L-BFGS-B fits
        # were told to lower it too.
        step = ("a smaller learning_rate_init"
                if getattr(estimator, "solver", None) == "adam" and not steps else "")
        advice = (_constant_input_note(X, sample_weight, n_dropped, n_held_out)
                  or _small_input_note(X, estimator, scale_warned, ended)) or (
            _constraint_note(estimator, True)
            + _remedies(X, _penalty_remedy(estimator), step,
                        "" if steps else "a larger max_iter",
                        scale_warned=scale_warned,
                        lead=_AFTER_STEPS if steps else "Try"))
        warnings.warn(
            f"{estimator.__class__.__name__}: degenerate fit: {what}.{steps}{advice}",
            DegenerateFitWarning, stacklevel=user_stacklevel(),
        )
        return
    if not hasattr(estimator, "classes_") or not hasattr(estimator, "_diagnostic_logits"):
        return
    keep = np.asarray(sample_weight) > 0
    logits = np.asarray(estimator._diagnostic_logits(X), dtype=np.float64)[keep]
    targets = np.asarray(targets)[keep]
    sample_weight = np.asarray(sample_weight, dtype=np.float64)[keep]
    # Mutually exclusive classes (a softmax): the argmax is the prediction; else each
    # output a label of its own, decided by the sign of its logit.
    softmax = estimator._loss().exclusive_classes
    if softmax:
        predicted, truth = np.argmax(logits, axis=1), targets
    else:
        predicted, truth = logits > 0, targets > 0.5
    n_true = np.unique(truth, axis=0).shape[0]
    if n_true < 2:
        # The rows with positive weight hold one label (set): predicting it is the
        # fit, not a degenerate one.
        return
    n_predicted = np.unique(predicted, axis=0).shape[0]
    nll, prior, per_label = _data_nll(logits, targets, sample_weight, softmax)
    what = None
    # The log-loss and the prior's, for the Adam-steps note where ``what`` does not
    # give them already.
    numbers = f" ({nll:.4g} against {prior:.4g})"
    if n_true > 1 and n_predicted == 1:
        single = truth.ndim == 1 or truth.shape[1] == 1
        what = (f"it predicts the same {'label' if single else 'label set'} for "
                f"all {truth.shape[0]} training samples, which hold {n_true} different "
                "ones")
    elif prior > 0 and nll >= prior * (1.0 - _PRIOR_MARGIN):
        what = (f"its training log-loss ({nll:.4g}) is {_than(nll, prior)} the "
                f"class-prior model's ({prior:.4g})")
        numbers = ""
    elif not softmax and truth.ndim == 2 and truth.shape[1] > 1:
        # Each label on its own too: one left at its prior beside fitted ones.
        bad = _degenerate_labels(truth, *per_label)
        if bad.size:
            counts = truth[:, bad].sum(axis=0)
            span = (f"{counts.min()}" if counts.min() == counts.max()
                    else f"{counts.min()} to {counts.max()}")
            nll_bad, prior_bad = per_label[0][bad], per_label[1][bad]
            worse = bool(np.all(nll_bad > prior_bad * (1.0 + _PRIOR_MARGIN)))
            what = (f"labels {_listed(bad)} (of {truth.shape[1]}; {span} positive "
                    "training rows each) are fitted "
                    + ("worse than their prior (a training log-loss over 1.01 times "
                       "the prior's)" if worse else
                       "no better than their prior (a training log-loss at least "
                       "0.99 times the prior's)"))
    if what is not None:
        note = _adam_steps_note(estimator, nll, prior, "log-loss",
                                "class-prior model's" + numbers, rise)
        steps = bool(note)
        # positive="hidden" frees the output layer, which monotonic_cst refuses.
        # Only where a positive output layer can be freed: before, ABBAClassifier
        # (no positive parameter) and positive=False networks were told to try it.
        constraints = list(fitted_attribute(estimator, "weight_constraints_", None)
                           or [])
        free = ("" if _has_monotonic_cst(estimator)
                or "positive" not in estimator.get_params(deep=False)
                or not constraints or constraints[-1] != "nonneg"
                else 'positive="hidden" (a free output layer)')
        # How the whole fit compares with the class prior (None: better than it,
        # where one label is predicted for every row or one label is degenerate).
        ended = (_than(nll, prior)
                 if prior > 0 and nll >= prior * (1.0 - _PRIOR_MARGIN) else None)
        small = (_constant_input_note(X, sample_weight, n_dropped, n_held_out)
                 or _small_input_note(X, estimator, scale_warned, ended))
        if small:  # as for the regressor
            note += small
        else:
            note += _constraint_note(estimator, not softmax)
            note += _remedies(X, _penalty_remedy(estimator),
                              "" if steps else "a larger max_iter", free,
                              scale_warned=scale_warned,
                              lead=_AFTER_STEPS if steps else "Try")
        warnings.warn(
            f"{estimator.__class__.__name__}: degenerate fit: {what}.{note}",
            DegenerateFitWarning, stacklevel=user_stacklevel(),
        )


# Rows of the training data on which a degenerate autoencoder fit's principal
# components are taken (evenly spaced), and the share of the mean row's error
# that its n_components leading ones must leave for the advice to name a larger
# n_components (``_components_note``): more than 0.9, the best reconstruction
# through that many dimensions removing less than a tenth of it. First 0.5:
# the default 64 codes on 2,000 Reuters tf-idf documents (L-BFGS-B, sigmoid
# decoder, a degenerate fit) leave 0.65 there, and were told to add codes where
# the fit was far from what its codes can do.
_PRINCIPAL_ROWS, _FEW_COMPONENTS = 2000, 0.9
# ``_principal_share`` takes k eigenvalues of an n x n matrix by Lanczos where
# ``_LANCZOS_SHARE * k < n``, by a full eigensolve otherwise.
_LANCZOS_SHARE = 64


def _principal_share(X, sample_weight, k):
    """The share of the mean row's squared error (the weighted variance of ``X``'s
    rows, summed over columns) that the ``k`` leading principal components of
    the rows leave: 1 minus their share of the variance, as
    ``PCA.explained_variance_ratio_`` counts it, with ``sample_weight``. On up
    to ``_PRINCIPAL_ROWS`` rows of positive weight (evenly spaced beyond that),
    through the smaller of the columns' covariance and the rows' Gram matrix,
    never a dense copy of a wide sparse ``X``. None where ``k`` components
    reproduce those rows exactly (``k`` at least their rank bound) or none vary.
    The share does not depend on the data's scale: the rows are divided by
    their largest magnitude first, so no product overflows (inputs up to
    float64's limit)."""
    X = _input_matrix(X)
    w = (np.ones(X.shape[0]) if sample_weight is None
         else np.asarray(sample_weight, dtype=np.float64))
    keep = np.flatnonzero(w > 0)
    if keep.size > _PRINCIPAL_ROWS:
        keep = keep[np.linspace(0, keep.size - 1, _PRINCIPAL_ROWS).astype(np.intp)]
    rows = X[keep]
    w = w[keep] / np.max(w[keep])
    w /= w.sum()
    m, d = rows.shape
    if k >= min(m - 1, d):
        return None
    largest = largest_magnitude(rows.data if sp.issparse(rows) else rows)
    if not largest or not np.isfinite(largest):
        return None
    if sp.issparse(rows):
        rows = sp.csr_matrix(rows, dtype=np.float64) * (1.0 / largest)
        mean = np.asarray(rows.T @ w).ravel()
    else:
        rows = np.asarray(rows, dtype=np.float64) / largest
        mean = w @ rows
    root = np.sqrt(w)
    if d <= m:  # the columns' weighted covariance, d x d
        centred = (rows.toarray() if sp.issparse(rows) else rows) - mean
        centred *= root[:, None]
        gram = centred.T @ centred
    else:  # the centred, weighted rows' Gram matrix, m x m
        inner = rows @ rows.T
        gram = np.asarray(inner.toarray() if sp.issparse(inner) else inner)
        along = np.asarray(rows @ mean).ravel()
        gram = gram - along[:, None] - along[None, :] + mean @ mean
        gram *= root[:, None] * root[None, :]
    total = float(np.trace(gram))
    if not np.isfinite(total) or not total > 0:
        return None
    n = gram.shape[0]
    top = None
    # A few leading eigenvalues: Lanczos, from a fixed start, where it is the
    # cheaper; else all of them. Before, Lanczos up to k < n / 4: on 2,000
    # rows x 10,000 columns (the Gram matrix, n = 2,000), k=499 took 4.9 s and
    # k=64 0.7 s in ARPACK, where the full eigensolve takes 0.7 s at any k
    # (one core); k=8 0.4 s, k=1 0.04 s.
    if _LANCZOS_SHARE * k < n:
        try:
            top = scipy.sparse.linalg.eigsh(gram, k=k, which="LA",
                                            v0=np.full(n, n ** -0.5),
                                            return_eigenvectors=False)
        except scipy.sparse.linalg.ArpackError:  # not converged: all of them
            top = None
    if top is None:
        top = scipy.linalg.eigh(gram, eigvals_only=True,
                                subset_by_index=[n - k, n - 1])
    return min(1.0, max(0.0, 1.0 - float(np.sum(top)) / total))


def _components_note(estimator, X, sample_weight):
    """Where a degenerate autoencoder's ``n_components`` leading principal
    components of the training rows leave more than ``_FEW_COMPONENTS`` of the
    mean row's error (``_principal_share``), the sentence saying so; empty
    otherwise. Its codes are then few for the data, and a larger
    ``n_components`` the first remedy (e2b40d9: ``n_components=1`` on 2,000
    Reuters tf-idf documents ended at 0.996 and 1.002 times the mean row's
    error, where the first principal component leaves 0.94 and 2 codes reach
    0.92; one code on digits leaves 0.85, 16 codes 0.15, 64 none). The linear
    decoder's reconstructions lie in an affine space of ``n_components``
    dimensions, so no fit of it does better than those components: the
    sentence says so. Before, such a fit was told to lower l2 or
    learning_rate_init or to raise max_iter only."""
    k = getattr(estimator, "n_components_", None)
    if k is None or X is None:
        return ""
    share = _principal_share(X, sample_weight, int(k))
    if share is None or not share > _FEW_COMPONENTS:
        return ""
    # Beyond _PRINCIPAL_ROWS rows of positive weight the share is that of an
    # evenly spaced sample, and the message says so. Before, it spoke of "the
    # training rows" and of a bound on their reconstruction, for a sample.
    rows = _input_matrix(X).shape[0] if sample_weight is None else int(
        np.count_nonzero(np.asarray(sample_weight, dtype=np.float64) > 0))
    sampled = rows > _PRINCIPAL_ROWS
    of = (f"{_PRINCIPAL_ROWS:,} of the {rows:,} training rows (evenly spaced)"
          if sampled else "the training rows")
    what = (f"first principal component of {of} leaves" if k == 1
            else f"{k} leading principal components of {of} leave")
    bound = ("" if getattr(estimator, "_fitted_param", lambda name: None)(
        "decoder") != "linear" else
        f" (no reconstruction by {k} code{'' if k == 1 else 's'} through the "
        f"linear decoder does better{' on them' if sampled else ''})")
    return (f" With n_components={k} the codes are few for the data: the {what} "
            f"{share:.2g} of the mean row's error{bound}.")


def _warn_if_degenerate_reconstruction(estimator, X, sample_weight, rise,
                                       scale_warned, n_dropped):
    """``warn_if_degenerate`` for an autoencoder (see there). Before ba08b2e,
    none: ``nonneg="penalty", nonneg_penalty=1e6`` with the linear
    decoder on 300 digits / 16 ended at 1.8 times the mean row's error, silently."""
    errors = estimator._degenerate_errors(X, sample_weight)
    if errors is None:
        return
    error, mean_error = errors
    if not mean_error > 0 or error < (1.0 - _PRIOR_MARGIN) * mean_error:
        return
    what = (f"its training reconstruction error ({error:.4g}, the mean squared "
            f"error per entry){_rows_seen(n_dropped, 0)} is "
            f"{_than(error, mean_error)} reconstructing every row by the mean row "
            f"of the training data "
            f"({mean_error:.4g})")
    steps = _adam_steps_note(estimator, error, mean_error, "reconstruction error",
                             "mean row's", rise)
    # Small inputs: their scale is the cause and scaling the remedy, as for the
    # supervised networks (``_small_input_note``), in the decoder's terms.
    # Before, a warm start on digits / 16 times 0.1 (sigmoid decoder) was told
    # to lower l2 or learning_rate_init or to raise max_iter.
    small = estimator._small_input_note(_input_largest(X), scale_warned)
    if small:
        tail = small
    else:
        few = _components_note(estimator, X, sample_weight)
        adam = getattr(estimator, "solver", None) == "adam"
        bounds = ('nonneg="bounds" (exact, without a penalty)'
                  if getattr(estimator, "nonneg", None) == "penalty" else "")
        # The autoencoder's penalties; nonneg_penalty acts only with nonneg="penalty".
        penalties = (("nonneg_penalty",) if bounds else ()) + ("sparsity_weight", "l2")
        tail = few + _remedies(X, "a larger n_components" if few else "",
                               _penalty_remedy(estimator, penalties), bounds,
                               "a smaller learning_rate_init" if adam and not steps
                               else "",
                               "" if steps else "a larger max_iter",
                               scale_warned=scale_warned,
                               lead=_AFTER_STEPS if steps else "Try")
    warnings.warn(
        f"{estimator.__class__.__name__}: degenerate fit: {what}.{steps}{tail}",
        DegenerateFitWarning, stacklevel=user_stacklevel(),
    )


def _schedule_end_problem(curve):
    """What went wrong in a fit whose decaying step-size schedule ran to its planned
    end (None: nothing). ``curve``: the loss of each epoch."""
    # Each first part follows "the step-size schedule ... ended after N epochs
    # (loss L)". Before: "ended after 1 epochs with one epoch is no schedule", and
    # "with its last epoch, at the smallest step, still giving more than 1% of its
    # decrease".
    if curve.size < 2:
        return (": one epoch is no schedule", "Increase max_iter, the length of the "
                "schedule.")
    total = curve[0] - np.min(curve)
    if curve[-1] - np.min(curve) > _TAIL_GAIN * max(total, 0.0):
        return (f", with the loss above its lowest by more than {_TAIL_GAIN:.0%} "
                "of its total decrease",
                "The steps were too large: lower learning_rate_init.")
    if curve[-2] - curve[-1] > _TAIL_GAIN * max(total, 0.0):
        return (f", and its last epoch, at the smallest step, still lowered the "
                f"loss by more than {_TAIL_GAIN:.0%} of its total decrease",
                "The schedule was too short: increase max_iter (its length).")
    return None


# Factor by which an Adam fit's last epoch loss exceeds its first for the "steps
# too large" warning. First 1% (as the tail rule): a noisy warm start (digits,
# batch_size=32, learning_rate_init=0.05, 10 more epochs) ended 2% above its first
# epoch (0.0751 -> 0.0767) after falling to 0.0557 and was told to lower its step
# in 2 of 3 seeds. Divergence multiplies the loss (2.4 -> 1.4e7).
_DIVERGED = 2.0


def _solver_note(message):
    """The solver's own message, unless it only repeats what the warning says
    (scipy's "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT")."""
    message = str(message or "")
    return "" if "ITERATIONS REACHED LIMIT" in message else message


def _scale_hint(X, scale_warned=False):
    """The advice to scale ``X`` where its largest absolute value exceeds 10 and
    some column is far from unit scale (``_unscaled_largest``; ``None``: not
    known, no advice), unless the fit raised an
    ``InputScaleWarning`` (``scale_warned``), which gives it. Before, every
    ConvergenceWarning said "Unscaled inputs slow it", also for inputs already in
    [0, 1]; and a fit on raw inputs was told to scale them by both warnings."""
    largest = None if X is None or scale_warned else _unscaled_largest(X)
    if largest is None or not largest > _LARGE_INPUT:
        return ""
    return (f" Inputs as large as {largest:.3g} slow it: put a scaler in a "
            "Pipeline.")


def _unpenalised_note(unpenalised, classifier):
    """"With l2=0 the loss need not have a finite minimum: ..." (empty where
    ``unpenalised`` is False; a tuple: the 1-based weight layers with l2=0, where
    others have l2 > 0). Separable training data is a classifier's case
    (``classifier``); a regressor's or an autoencoder's weights can grow without
    bound too, where their loss approaches its infimum only in the limit."""
    if unpenalised is False or unpenalised is None:
        return ""
    where = "l2=0"
    if not isinstance(unpenalised, bool):
        layers = [int(i) for i in unpenalised]
        where += (f" on weight layer{'s' if len(layers) > 1 else ''} "
                  + (", ".join(map(str, layers[:-1])) + " and " if len(layers) > 1
                     else "") + str(layers[-1]))
    how = ("on separable training data the weights grow while it falls"
           if classifier else "the weights can grow without bound while it falls")
    return f" With {where} the loss need not have a finite minimum: {how}."


def _transient_end(curve, head):
    """The first iteration after the fit's initial transient: the number of
    leading iterations, at most ``head``, each of which lowered the loss by more
    than ``_TRANSIENT_STEP`` (nine tenths) of what was left above its last value
    ``curve[-1]``; 0 where the first one did not. A steady fit's first steps
    remove a few percent of its decrease each (digits at the defaults: 6%, then
    12%), a penalty's first step almost all of it (300 digits / 16,
    ``nonneg_penalty=1e6``: 99.99%)."""
    end, j = curve[-1], 0
    # Only above the last value: below it, a rise smaller than nine tenths of the
    # gap passed the test (its "removal" and the gap both negative), and
    # [1e5, 4.0, 4.2, ..., 4.6, ..., 4.5] was a transient of 5 iterations.
    while (j < head and curve[j] > end
           and curve[j] - curve[j + 1] > _TRANSIENT_STEP * (curve[j] - end)):
        j += 1
    return j


def _stall_rule_fall(curve, threshold, text, window):
    """Why a fit that reached its limit under the epoch loop's stall rule
    (``warn_if_not_converged``'s ``stall``) has not converged by its ``tol``: a
    sentence with the largest fall of the epoch loss below its best so far among
    its last ``window`` epochs (its first excepted), where that fall is positive and
    at least ``threshold`` (the rule's test for progress); None where none is
    (the loss did not fall by ``tol`` there: the fit had settled)."""
    if curve.size < 2:
        return None
    lo = max(1, curve.size - window)
    best = np.minimum.accumulate(curve)
    falls = best[lo - 1:-1] - curve[lo:]
    fall = float(np.max(falls))
    if not (fall > 0 and fall >= threshold):
        return None
    n = curve.size - lo
    last = "its last epoch" if n == 1 else f"its last {n} epochs"
    return (f" Its epoch loss still fell below its best so far by {fall:.3g} within "
            f"{last}; the fit stops once {window} epochs in a row fall below it by "
            f"less than {text}.")


def _tail_rule_fall(curve, stage_start, skip, not_finite, n_done, max_iter):
    """Why a fit that reached its limit under the tail rule
    (``warn_if_not_converged``) has not converged: a sentence (empty where its
    last gain stage is one iteration, which cannot show its decrease), or None
    where its fall over the tail is small against its whole decrease and, after
    an initial transient, against its decrease since and its loss (the fit had
    settled). ``curve`` from ``skip`` on, after the last loss that was not
    finite (``not_finite``: the sentence that says so); ``stage_start``: the
    last gain stage's first iteration in it; ``n_done`` of ``max_iter``: the
    iterations the fit ran."""
    wanted = max(_TAIL_MIN, int(_TAIL_SHARE * curve.size))
    # The tail stays inside the last gain stage: a gain step raises the loss (another
    # objective), and a drop measured across it hid a fit cut short (max_iter=20,
    # stages of 4 iterations).
    tail = min(wanted, curve.size - stage_start - 1)
    if not tail > 0:
        # Why it warns, a sentence (or nothing: a last gain stage of one iteration
        # cannot show its decrease, and "it stopped after max_iter iterations" only
        # repeated the limit).
        return (("" if n_done == max_iter
                 else f" It stopped after {n_done} iterations.") + not_finite)
    drop = curve[-tail - 1] - curve[-1]
    total = curve[0] - curve[-1]
    # A stage shorter than the tail is held to the same rate: its share of the
    # 1% (before, the whole 1% over a window of one or two iterations let a
    # digits fit at max_iter=10, stages of 2 iterations, loss 1.14 and still
    # falling 0.8% of its decrease a step, end without a warning). The window
    # is cut by a gain stage (its first iteration ends it) or by the fit
    # itself; the message gives the share and the window, and the rule is in
    # max_iter's description (before, it was spelt out here: "1% over 5
    # iterations pro rata: the last gain stage is shorter").
    share = _TAIL_GAIN * tail / wanted
    first = 0
    if np.isfinite(drop) and drop <= share * max(total, 0.0):
        # Small against the whole decrease: also small against the decrease
        # after an initial transient (which ends before the tail), or
        # against the loss (>= 0) itself? Both, for the warning.
        # A transient that ended below the last loss leaves no decrease
        # after it (the loss rose since): as before, the whole decrease.
        # Before, "more than 1% of its decrease after its first iteration"
        # was said of a decrease below 0 ([1e5, 4.0, rising to 4.6, 4.5]).
        first = _transient_end(curve, min(wanted, curve.size - tail - 1))
        if not (first and curve[first] > curve[-1]
                and drop > share * (curve[first] - curve[-1])
                and drop > share * abs(curve[-1])):
            return None
    last = "last iteration" if tail == 1 else f"last {tail} iterations"
    # After a transient: both measures, and where the transient took it.
    # Before: "of its total decrease" only, which was a millionth there.
    since = ("its total decrease" if not first else
             f"its decrease after its first {first} iterations" if first > 1
             else "its decrease after its first iteration")
    if skip:  # measured after the last loss that was not finite
        since = f"its decrease since iteration {skip + first + 1}"
    after = ("" if not first else
             f" (which took it from {curve[0]:.4g} to {curve[first]:.4g}) and "
             f"of its value")
    return (f"{not_finite} The loss still fell by more than "
            f"{share * 100:.2g}% of {since}{after} over the {last}.")


def warn_if_not_converged(result, name, max_iter, unpenalised=False,
                          early_stopping=True, held_out=False, X=None, adam=False,
                          scale_warned=False, classifier=True, params=None,
                          stall=None):
    """``ConvergenceWarning`` if the iteration limit (not a stopping criterion) ended
    the fit while its loss was still falling: by more than 1% of the fit's whole
    decrease over the last 10% of the iterations (at least 5), within the last gain
    stage (``result.stage_start``; a stage shorter than that is held to the same
    rate, its share of the 1%; a stage of one iteration warns), or, after an
    initial transient, by more than that share of both its decrease after the
    transient and its loss. The message shows the loss and, when the solver
    reports it, the projected-gradient norm. A curve with losses that are not
    finite is measured after the last of them (named in the message); one that
    ends on such a loss warns that it is not finite, not that it still fell.

    The initial transient (``_transient_end``) is the leading iterations, at most
    as many as the tail, each of which removed more than nine tenths of the loss
    left above the last: none in a fit that falls steadily, the first step of a
    fit that starts far above where it settles (an autoencoder under a large
    ``nonneg_penalty``, whose negative starting weights the first step clears).
    Against the whole decrease alone such a fit, still falling by 2-6% of its
    loss over its last 20 iterations, was called converged: the tail was a
    millionth of a first step of 1.5e5. Both measures after the transient: the
    decrease after it alone (with transient steps of more than half) made 95
    small fits of the test suite warn, 56 of them with tails of 0.003-0.9% of
    their loss; the loss alone would make fits at the defaults that reach the
    limit near a small training loss warn (digits: 2-3% of a loss of 0.019 over
    the tail, 0.02% of their decrease).

    A fit whose step size decays over ``max_iter`` epochs (``result.planned_end``:
    ``learning_rate="linear"``) ended as planned, not cut short: it warns only when
    its last epoch, at the schedule's smallest step, still lowered the loss by more
    than 1% of the whole decrease (a schedule too short for the data), or ended
    above its lowest loss by more than that (steps too large).

    An Adam fit (``adam``) whose loss ended at more than twice its first epoch's
    (``_DIVERGED``) warns that its steps were too large, converged or not (a stall
    up there stopped it), unless early stopping kept the parameters of the best
    held-out loss. Only Adam: the epoch loss of mini-batch L-BFGS-B (the mean over
    its batches before their updates) rose so in warm-started fits that improved,
    and ``learning_rate_init`` does not act on it. A fit that diverged within its
    first epoch (its curve starts high) is caught by its last epoch's loss above
    twice its value at the starting parameters (``SolverResult.start_loss``), as
    ``warn_if_degenerate`` compares them too.

    The advice says what a larger ``max_iter`` does: it fits the *training*
    objective further. Measured on the benchmark's fits that warn (Adult, Spambase;
    ``doc/defaults.md``) the loss still falls a lot after the limit (by another
    11-30% of its decrease, and to a twentieth with ``l2=0``) while the held-out
    accuracy stays or drops, so the limit was acting as early stopping, and the
    regularised fixes are named beside it. ``unpenalised``: a weight layer has
    ``l2=0`` (True: every one; a tuple: the 1-based numbers of those with
    ``l2=0`` where others have ``l2 > 0``), where the loss need not have a finite
    minimum (said once, and the advice names ``l2 > 0``, not "a larger l2"; the
    separable case only for a ``classifier``); ``early_stopping``:
    the estimator has that parameter (the autoencoder has not: it is told to
    increase ``max_iter``, which lowered its held-out reconstruction error) and
    this fit did not use it; ``held_out``: this fit held rows out for early stopping, which had not
    stopped it, so a larger ``max_iter`` leaves the stop to it; ``X``: the training
    inputs, read (only when it warns) for the advice to scale them, which is left
    to the ``InputScaleWarning`` where the fit raised one (``scale_warned``);
    ``params``: the names of the warning estimator's parameters, of which the
    advice for a loss that is not finite names those that it has (None: a
    network's ``gain``, ``l1``, ``l2``, ``activity_l1``; an autoencoder's are
    ``nonneg_penalty``, ``sparsity_weight``, ``l2``).

    ``stall``: ``(threshold, text, window)``, the stall rule of the fit's epoch loop
    (``n_iter_no_change`` = ``window`` epochs in a row without a fall of the epoch
    loss below its best so far by at least ``threshold`` end it), for an estimator
    whose warning follows its own ``tol`` (the autoencoder's: ``tol`` times the
    first epoch's data term). The tail rule is then replaced by that rule: a fit that
    reached ``max_iter`` warns where one of its last ``window`` epochs (its first
    excepted, which has no best before it) still fell below the best so far by at
    least ``threshold``, and not otherwise; a fit that met ``tol`` stopped
    (``result.converged``) and does not warn. A fit of one epoch, which has no
    fall to measure, warns under the tail rule, as before. Before, the tail rule (1% of the
    whole decrease over the last 10% of the epochs) made a warning depend on the
    budget: digits / 16 at the defaults warned at ``max_iter=50`` and not at 100,
    where the loss still fell by 5 times ``tol``'s threshold an epoch and went on
    to fall by another 35% before the stall rule stopped it (epoch 257)."""
    curve = np.asarray(result.loss_curve, dtype=np.float64)
    start = curve[min(result.stage_start, curve.size - 1)] if curve.size else np.nan
    if (adam and not held_out and curve.size > 1
            and curve[-1] > _DIVERGED * abs(start)):
        # Before: "a larger max_iter fits the training data further" for a fit whose
        # steps had thrown it far above its start (Adam, learning_rate_init=1e3:
        # 2.4 -> 2.3e8 -> 1.4e7). Also for a fit that stopped on a stall, up there
        # (not where early stopping kept the parameters of the best held-out loss).
        warnings.warn(
            f"{name}: the loss ended at more than twice its first epoch's "
            f"({start:.6g} -> {curve[-1]:.6g}, highest {np.nanmax(curve):.6g}): the "
            "steps are too large for the data. Lower learning_rate_init; a larger "
            "max_iter does not help.",
            ConvergenceWarning, stacklevel=user_stacklevel(),
        )
        return
    origin = float(getattr(result, "start_loss", np.nan))
    if (adam and not held_out and curve.size and np.isfinite(origin)
            and curve[-1] > _DIVERGED * abs(origin)):
        # Diverged within the first epoch, whose loss is already high. Before:
        # "A larger max_iter fits the training data further", beside the
        # DegenerateFitWarning's "Adam's steps were too large for the data. Lower
        # learning_rate_init first" (digits / 16, learning_rate_init=10,
        # max_iter=10: 2.335 at the start, 312 after its first epoch, 221.5 at
        # its last).
        warnings.warn(
            f"{name}: the loss ended at more than twice its value at the starting "
            f"parameters ({origin:.6g} -> {curve[-1]:.6g}, highest "
            f"{np.nanmax(curve):.6g}): the steps are too large for the data. Lower "
            "learning_rate_init; a larger max_iter does not help.",
            ConvergenceWarning, stacklevel=user_stacklevel(),
        )
        return
    if result.converged:
        return
    pg = getattr(result, "proj_grad_norm", np.nan)
    pg_text = "" if not np.isfinite(pg) else f", projected-gradient norm {pg:.3g}"
    # A loss that is not finite (NaN, inf) has no decrease to measure. Before, the
    # tail rule took a NaN or infinite drop for a fit still falling: "The loss
    # still fell by more than 0.4% of its total decrease over the last 2
    # iterations" of [nan, nan, nan] and of [inf, 1, 0.5]. A fit does not get here
    # so (check_finite_parameters refuses a run whose last loss is not finite, and
    # an epoch's loss); where one does, a last loss that is not finite is said to
    # be so, and the tail is measured after the last one that is not.
    n_done, stage_start, skip, not_finite = curve.size, result.stage_start, 0, ""
    bad = np.flatnonzero(~np.isfinite(curve))
    if bad.size:
        if bad[-1] == curve.size - 1:
            warnings.warn(
                f"{name}: the loss was not finite ({curve[-1]:.6g}) at the fit's "
                f"last iteration ({n_done} of max_iter={max_iter}){pg_text}: it "
                "overflowed, so whether the fit converged cannot be told, and a "
                f"larger max_iter does not help. {overflow_remedies(params)}",
                ConvergenceWarning, stacklevel=user_stacklevel(),
            )
            return
        skip = int(bad[-1]) + 1
        curve = curve[skip:]
        stage_start = max(stage_start - skip, 0)
        not_finite = (f" The loss was not finite at {bad.size} of its iterations, "
                      f"the last at iteration {skip}.")
    if result.planned_end:
        problem = _schedule_end_problem(curve)
        if problem is None:
            return
        warnings.warn(
            f"{name}: the step-size schedule (learning_rate='linear') ended after "
            f"{max_iter} epoch{'' if max_iter == 1 else 's'} (loss "
            f"{result.loss:.6g}{pg_text}){problem[0]}. {problem[1]}",
            ConvergenceWarning, stacklevel=user_stacklevel(),
        )
        return
    # One epoch has no fall to measure (its first is excepted): it warns as
    # before, under the tail rule (before, no warning at all: max_iter=1 was
    # silent though tol's stall rule needs n_iter_no_change epochs to stop).
    # (Under the stall rule no loss was not finite: not skip.)
    if stall is not None and not skip and curve.size > 1:
        why = _stall_rule_fall(curve, *stall)
    else:
        why = _tail_rule_fall(curve, stage_start, skip, not_finite, n_done, max_iter)
    if why is None:  # the rule finds the fit settled
        return
    # Before, with l2=0: "... early_stopping=True or a larger l2 regularise
    # instead. With l2=0 the loss need not have a finite minimum: on separable
    # training data the weights grow while it falls; set l2 > 0." (l2 named
    # twice, "a larger" of 0), also for regressors and autoencoders, which have
    # no separable data. The fact now comes before the advice, which names l2 once.
    minimum = _unpenalised_note(unpenalised, classifier)
    larger_l2 = "l2 > 0" if minimum else "a larger l2"
    if getattr(result, "abnormal", False):
        # Before: "maximum iterations reached ... a larger max_iter fits further",
        # for a run that its line search ended (after 0 iterations on inputs of
        # order 1e30), with scipy's bare "ABNORMAL:" at the end.
        warnings.warn(
            f"{name}: L-BFGS-B stopped after {n_done} of max_iter={max_iter} "
            f"iterations without converging (loss {result.loss:.6g}{pg_text}): its "
            "line search found no step that lowers the loss, so a larger max_iter "
            "does not help. This happens on inputs far from unit scale"
            + ("" if scale_warned else " (put a scaler in a Pipeline)")
            + " or where the loss is flat to rounding; solver='adam' needs no line "
            "search.",
            ConvergenceWarning, stacklevel=user_stacklevel(),
        )
        return
    if held_out:
        advice = ("Early stopping had not stopped it (its held-out score had not "
                  "stalled for n_iter_no_change checks): increase max_iter and let "
                  "early stopping end the fit" + (", or set l2 > 0." if minimum
                                                  else "."))
    elif early_stopping:
        advice = ("A larger max_iter fits the training data further, which can lower "
                  f"held-out scores; early_stopping=True or {larger_l2} regularise "
                  "instead.")
    else:
        # An estimator without early stopping (the autoencoder). Before: "A larger
        # max_iter fits the training data further, which can lower held-out
        # scores; a larger l2 regularises instead", measured on classifiers. On
        # held-out digits (16 or 32 components, sigmoid or linear decoder, l2
        # 1e-5 or 1e-3) 200 iterations gave 0.57 to 0.77 times the reconstruction
        # error of 50, and l2=1e-3 1.2 times that of 1e-5.
        advice = ("Increase max_iter to fit further"
                  + (", or set l2 > 0." if minimum else "."))
        if (not adam and X is not None and sp.issparse(X) and params is not None
                and params.get("batch_size") is None):
            # Full-batch L-BFGS-B on sparse input (tf-idf). Before: only "Increase
            # max_iter", which the user guide measured as a poor remedy there
            # (Reuters tf-idf, sigmoid decoder: 0.9964 -> 0.9733 of the mean
            # row's held-out error from 50 to 200 iterations, Adam's 50 epochs
            # 0.8296; linear decoder, benchmarks/results/autoencoder_solver_tfidf.md:
            # 300 iterations came within 0.9% of Adam's 50 epochs at k=16 and
            # below it at k=64, in 3.6 and 3.8 times the time). Mini-batch
            # L-BFGS-B (batch_size set) was not measured there.
            advice += (" On sparse input such as tf-idf, solver='adam' (the "
                       "default) is the faster route: on Reuters tf-idf full-batch "
                       "L-BFGS-B needed 300 iterations, 3.6 to 3.8 times the time "
                       "of Adam's 50 epochs, to come within 1% of their error "
                       "(decoder='linear'), and did not come close in 200 "
                       "(decoder='sigmoid').")
    warnings.warn(
        f"{name}: maximum iterations ({max_iter}) reached and the optimization hasn't "
        f"converged yet (loss {result.loss:.6g}{pg_text}).{why}{minimum} {advice}"
        f"{_scale_hint(X, scale_warned)} {_solver_note(result.message)}".strip(),
        ConvergenceWarning, stacklevel=user_stacklevel(),
    )


def _stall_rule(estimator, result):
    """``warn_if_not_converged``'s ``stall`` for an estimator whose
    ``ConvergenceWarning`` follows its ``tol`` (``_warns_by_tol``: the autoencoder)
    and a fit that ran the epoch loop's stall rule; None otherwise (the tail
    rule: the supervised networks, and full-batch L-BFGS-B, whose ``tol`` is a
    projected-gradient tolerance, not a fall of the loss)."""
    threshold = getattr(result, "stall_tol", np.nan)
    if not getattr(estimator, "_warns_by_tol", False) or not np.isfinite(threshold):
        return None
    return (float(threshold), result.stall_text, int(estimator.n_iter_no_change))


def report_fit(estimator, result, data, n_dropped=0, n_held_out=0):
    """The warnings at the end of ``fit``: non-convergence (meaningful only), then a
    degenerate fit on the training ``data`` (``X``, ``targets``, ``sample_weight``).
    Where this fit raised an ``InputScaleWarning`` (``fit_warned_input_scale``),
    neither repeats its advice to scale the inputs: one warning per cause.
    ``n_dropped``, ``n_held_out``: rows given to ``fit`` that are not in ``data``
    (of weight 0; held out for early stopping)."""
    scale_warned = fit_warned_input_scale(estimator)
    l2 = getattr(estimator, "l2", None)
    held_out = bool(getattr(estimator, "do_early_stopping_", False))
    zero = (np.atleast_1d(np.asarray(l2, dtype=float) == 0) if l2 is not None
            else np.zeros(1, dtype=bool))
    # True where every weight layer has l2=0, else the 1-based numbers of the
    # layers with l2=0 (False: none).
    unpenalised = (bool(np.all(zero)) if np.all(zero) or not np.any(zero)
                   else tuple(np.flatnonzero(zero) + 1))
    warn_if_not_converged(result, estimator.__class__.__name__, estimator.max_iter,
                          unpenalised,
                          "early_stopping" in estimator.get_params() and not held_out,
                          held_out, data.X,
                          adam=getattr(estimator, "solver", None) == "adam",
                          scale_warned=scale_warned,
                          classifier=is_classifier(estimator),
                          params=estimator.get_params(deep=False),
                          stall=_stall_rule(estimator, result))
    # The objective at the fit's starting parameters (Adam: its first batch, or
    # every batch where the last epoch's loss is over twice that) and at
    # its last epoch, when it rose more than _DIVERGED times.
    start = getattr(result, "start_loss", np.nan)
    end = result.loss_curve[-1] if len(result.loss_curve) else np.nan
    rise = (start, end) if end > _DIVERGED * start else None
    warn_if_degenerate(estimator, data.X, data.targets, data.sample_weight, rise,
                       scale_warned, n_dropped, n_held_out)
