"""What sknonneg's classifiers share: targets, prediction, certificates, documentation.

``BaseNetworkClassifier`` encodes class labels (or a label indicator matrix) into the
targets of the loss (class indices for a softmax output, a 0/1 indicator matrix for
logistic outputs), applies ``class_weight``, turns logits into probabilities, labels
and certified radii, and scores candidate networks by accuracy for early stopping.
A classifier module adds its network: the ``BaseNetwork`` hooks, ``_logits(X)`` (the
fitted network's logits) and ``_logits_at(theta, gain, X)`` (those of a candidate
``theta``, without touching the fitted attributes).

The parameters and attributes every classifier documents alike are written once
here, in ``SHARED_DOCS``, and filled into each class docstring where it says
``<<name>>`` (:func:`fill_doc`): the final ``__doc__`` is complete numpydoc text.
"""

import inspect
import textwrap
from numbers import Real

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import (
    ClassifierMixin,
    ClassNamePrefixFeaturesOutMixin,
    RegressorMixin,
)
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer, LabelEncoder
from sklearn.utils import compute_sample_weight
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)

from .._compat import StrOptions, check_sample_weight
from .._kernels.reference.fixed import monotone_expit
from .._lipschitz import certified_radius, logit_rounding_bound
from .._validation import (check_finite_output, check_missing_targets,
                           check_positive_weights, scale_score_weights)
from ._monotone import has_constraint
from ._base import GAIN_RANGE, _same, fitted_attribute
from ._training import CandidateModel, SupervisedTransformerMixin, TrainableNetwork

__all__ = ["BaseNetworkClassifier", "SHARED_DOCS", "fill_doc", "is_multilabel"]

SHARED_DOCS = {
    "gain_range": """\
    A gain (a float, or each end of a pair) outside ``[{low!r}, {high!r}]`` is
        refused with scikit-learn's ``InvalidParameterError``: there fits trained
        far worse or not at all (:doc:`/reliability`).""".format(
        low=GAIN_RANGE[0], high=GAIN_RANGE[1]),
    "output_param": """\
    output : {"auto", "softmax", "logistic"}, default="auto"
        ``"softmax"``: one output per class, mutually exclusive classes.
        ``"logistic"``: one sigmoid unit per label (a single unit for binary
        problems; required for multilabel indicator targets). ``"auto"``:
        {auto_output}""",
    "penalty_params": """\
    l1 : float or array-like of float, default=0.0
        L1 penalty, one value for every weight layer or one per layer (the paper's
        pH1, pC1). Exact, also on unconstrained weights (see Notes). At most 1e6
        (see ``l2``).
    <<l2_params>>""",
    "l2_params": """\
    l2 : float or array-like of float, default={l2_default}
        L2 penalty, one value or one per weight layer (the paper's pH2, pC2), on
        ``||W||^2`` next to the *mean* loss: scikit-learn's
        ``alpha / (2 n_samples)`` (:ref:`fitting-l2`).{l2_note}
        At most 1e6, as ``l1`` and ``activity_l1`` (else
        ``InvalidParameterError``): far above it every weight is zero already.
    activity_l1 : float, default=0.0
        Sparsity penalty on the hidden activations (the paper's pS). At most 1e6
        (see ``l2``).""",
    "solver_param": """\
    solver : {"lbfgsb", "lbfgs", "adam"}, default="lbfgsb"
        ``"lbfgsb"`` (or scikit-learn's ``"lbfgs"``, the same solver): scipy's
        L-BFGS-B, full batch when ``batch_size=None``, else ``steps_per_batch``
        iterations on each mini-batch per epoch (the paper's scheme).
        ``"adam"``: Adam with projection onto the bounds.""",
    "training_params": """\
    <<batch_size_param>>
    max_iter : int, default=200
        L-BFGS-B iterations (full batch) or epochs (mini-batch solvers). Reaching
        it raises a ``ConvergenceWarning`` only when the loss was still falling
        there (the rule: :doc:`/reliability`, "When a fit warns").
    tol : float, default=1e-5
        Tolerance: projected-gradient tolerance of L-BFGS-B; for mini-batch
        solvers, the least improvement of the epoch loss (or validation score) that
        counts as progress.
    steps_per_batch : int, default=3
        L-BFGS-B iterations on each mini-batch (and per ``partial_fit`` call).
    learning_rate_init : float, default=1e-3
        Step size of Adam.
    learning_rate : {"constant", "linear"}, default="constant"
        Schedule of Adam's step size over the ``max_iter`` epochs (or
        ``partial_fit`` calls): ``"linear"`` decays it by
        ``learning_rate_init / max_iter`` per epoch, and ``max_iter`` is then the
        planned length of the fit (:ref:`training-parameters`).
    early_stopping : "auto" or bool, default={early_stopping_default}
        Hold out ``validation_fraction`` of the rows and stop, keeping the best
        parameters, when the ``scoring`` score has not improved by ``tol`` for
        ``n_iter_no_change`` checks. ``"auto"``: on above 10,000 rows (of
        positive ``sample_weight``), as ``HistGradientBoosting*``, except for Adam
        under ``learning_rate="linear"``; resolved in ``do_early_stopping_``.
        ``partial_fit`` refuses ``True`` (:ref:`training-parameters`).{es_small_note}
    scoring : str, callable or None, default="loss"
        Score of early stopping, higher is better: ``"loss"`` (minus the held-out
        rows' weighted data term), None (their {score}, as ``score`` gives it), a
        name of ``sklearn.metrics.get_scorer_names()`` (another string is
        refused), or a callable ``scorer(estimator, X, y)``
        (:ref:`training-parameters`). A NaN score is never an improvement.
    validation_fraction : float, default=0.1
        Share of the training rows held out for early stopping. A regressor's
        split is random, a classifier's stratified by class; a multilabel
        classifier's is stratified by each row's first label, and a multilabel
        split gives every label each of its values in training, moving back the
        fewest held-out rows needed. Fewer than 2 held-out rows are refused
        (:ref:`training-parameters`).
    n_iter_no_change : int, default=10
        Checks without improvement before stopping.""",
    "batch_size_param": """\
    batch_size : int, "auto" or None, default=None
        About the number of rows of a mini-batch: each epoch deals the training
        rows into ``max(1, round(n / batch_size))`` batches of equal size, to one
        row (:ref:`training-parameters`); above ``n`` it is clipped to ``n``, with
        a warning. ``None`` (or scikit-learn's ``"auto"``, the same) is full batch
        for L-BFGS-B, ``min(200, n)`` for Adam.{lbfgsb_batch_note}""",
    "class_weight_param": """\
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight``. ``"balanced"``
        (``n_samples / (n_classes * np.bincount(y))`` in weights:
        :ref:`training-parameters`) is refused by ``partial_fit``, where each
        batch would weigh the classes differently: pass a dict.""",
    "common_params": """\
    dtype : {"float64", "float32"}, default="float64"
        Floating type of the forward and backward computation (``np.float32``
        and ``np.dtype("float32")`` are taken too); the fitted attributes and the
        predictions are float64 (:ref:`training-parameters`).
    warm_start : bool, default=False
        Start ``fit`` from the previous solution and extend its
        histories.{warm_start_gain} After a change of
        {warm_start_anew},
        it starts anew, as a fresh fit (:ref:`training-parameters`).
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, the batches and the validation split.
    verbose : int, default=0
        Progress lines on stdout (:ref:`training-parameters`). ``1``: a line
        every 2 seconds of work and the last one; ``2``: a line per iteration or
        epoch.""",
    "classifier_attributes": """\
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_outputs_ : int
        Number of output units (logits).
    out_activation_ : {"softmax", "logistic"}
        Output function fitted (``output`` at fit time); prediction uses it, not a
        later ``set_params``, nor a value set in its place (``coefs_``).""",
    "fit_attributes": """\
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of features seen during fit, when ``X`` has string column names.
    n_iter_ : int
        L-BFGS-B iterations (full batch) or epochs of the last ``fit``, plus one
        per ``partial_fit`` call since (:ref:`training-parameters`).
    loss_ : float
        Objective at the end of training, the last value of ``loss_curve_``
        (the starting objective where it is empty, ``n_iter_ == 0``).
    loss_curve_ : list of float
        Objective after each full-batch L-BFGS-B iteration; for mini-batches, one
        value per epoch, the mean of the batches' objectives. A warm start
        extends it.
    best_loss_ : float
        Least value of ``loss_curve_`` (``loss_`` when it is empty).
    n_layers_ : int
        Number of layers, input and output included: ``len(hidden_layer_sizes)
        + 2``.
    t_ : int
        Training samples the solver went through (rows times iterations or
        epochs; ``partial_fit`` adds its rows), carried over warm starts.
    do_early_stopping_ : bool
        Whether this fit held data out for early stopping (``early_stopping``
        resolved; False after ``partial_fit``).
    validation_scores_ : list of float or None
        Held-out score (``scoring``) after each check, with early stopping; a
        warm start extends it. None without, and after ``partial_fit``.
    best_validation_score_ : float or None
        The best score of the last fit, that of the parameters it kept; NaN if
        every score of the fit was NaN; None without early stopping, and after
        ``partial_fit``.""",
}


class _CandidateClassifier(CandidateModel):
    """A classifier's candidate for early stopping's scorer (``CandidateModel``):
    ``classes_``, ``predict``, ``predict_proba``, ``predict_log_proba`` and
    ``decision_function`` as the fitted classifier computes them, from the
    candidate's logits, with the output function being fitted."""

    @property
    def classes_(self):
        return self._estimator.classes_

    def _activation(self):
        return self._estimator._output_type()

    def predict(self, X):
        return self._estimator._labels(self._logits(X))

    def predict_proba(self, X):
        return self._estimator._proba_of_logits(self._logits(X), self._activation())

    def predict_log_proba(self, X):
        return self._estimator._log_proba_of_logits(self._logits(X),
                                                    self._activation())

    def decision_function(self, X):
        return self._estimator._decision_of_logits(self._logits(X),
                                                   self._activation())


def fill_doc(cls):
    """Class decorator: replaces each ``<<name>>`` line of the docstring by
    ``SHARED_DOCS[name]``; a marker left unfilled is an error. ``{score}`` in the
    sections is the held-out score of early stopping: R^2 for a regressor, accuracy
    otherwise; ``{early_stopping_default}`` the class's default of that parameter."""
    score = "R^2" if issubclass(cls, RegressorMixin) else "accuracy"
    defaults = cls.__init__.__kwdefaults__ or {}
    es_default = repr(defaults.get("early_stopping", False)).replace("'", '"')
    # What makes a warm start start anew: the parameters that shape the network
    # (``_LAYOUT_PARAMS``; ``l1`` only in part, said below) and that prediction
    # reads (``_FITTED_PARAMS``), as the class declares them.
    params = set(inspect.signature(cls.__init__).parameters)
    anew = [f"``{name}``" if name != "output" else "the output"
            for name in dict.fromkeys((*cls._LAYOUT_PARAMS, *cls._FITTED_PARAMS))
            if name != "l1"]
    # Where ``l1`` changes the layout: a dense network's layer with signed
    # weights, held as two non-negative parts under L1; an ABBA network's first
    # and last layers, one signed block ``A - B`` without L1 (and without
    # ``lipschitz_max``), the two bounded blocks with it (ABBAClassifier Notes,
    # Objective). Before, ABBA's said "where a layer has signed weights", of a
    # network whose every weight is >= 0.
    l1_layout = (
        "``l1`` between zero and non-zero on the first or last layer while "
        "``lipschitz_max`` is None (one signed block ``A - B`` without L1)"
        if "lipschitz_max" in params else
        "``l1`` between zero and non-zero where a layer has signed weights")
    warm_start_anew = textwrap.fill(
        f"{', '.join(anew)}, or ``l1``{l1_layout[6:]}",
        width=80, initial_indent=" " * 8, subsequent_indent=" " * 8,
        break_on_hyphens=False, break_long_words=False).lstrip()
    # Classifiers refuse L-BFGS-B on batches too small to hold two classes
    # (TrainableNetwork._check_batch_size).
    lbfgsb_batch_note = ("" if score != "accuracy" else
                         "\n        Mini-batch L-BFGS-B refuses ``batch_size=1`` "
                         "(1 or 2 for multilabel\n        targets): a batch of one "
                         "class has a log-loss without a minimum.")
    warm_start_gain = ("" if "gain" not in params else
                       ' With ``gain="auto"`` it goes on\n        at ``gain_``; '
                       "a gain schedule is run again.")
    # What output="auto" gives: a single logistic unit under monotonic_cst only
    # where the class has that parameter (ABBAClassifier has not).
    auto_output = (
        "logistic units for multilabel indicator targets, a single logistic unit\n"
        "        for a binary problem under ``monotonic_cst`` (the only output that "
        "keeps\n        it), a softmax otherwise, also of two units for other binary "
        "problems\n        (``MLPClassifier`` gives every binary problem one logistic "
        "unit;\n        ``out_activation_`` says which)."
        if "monotonic_cst" in params else
        "logistic units for multilabel indicator targets, a softmax otherwise,\n"
        "        also of two units for binary problems (``MLPClassifier`` gives "
        "every\n        binary problem one logistic unit; ``out_activation_`` says "
        "which).")
    # The regressor's default differs from the paper's 1e-5 (measured: defaults.md).
    l2 = defaults.get("l2", 1e-5)
    mantissa, exponent = f"{l2:.0e}".split("e")
    l2_default = f"{mantissa}e{int(exponent)}" if float(f"{l2:.0e}") == l2 else repr(l2)
    l2_note = (" On the first\n        layer, in units of each input column's span "
               "(Notes)." if score != "R^2" else
               "\n        The default is 10 times the classifier's (:doc:`/defaults`, "
               "eleventh\n        round); on a few hundred noisy rows choose ``l2`` by\n"
               "        cross-validation (:ref:`choosing`, \"Small, noisy regression "
               "data\").")
    es_small_note = (
        "" if score != "R^2" else
        "\n        Below 10,000 rows ``\"auto\"`` runs a held-out check instead, "
        "with L-BFGS-B\n        on full batches and the squared error, and is "
        "``True`` with a log-link\n        loss from 150 rows (:ref:`choosing`, "
        "\"Small, noisy regression data\").")
    doc = cls.__doc__
    if doc is None:  # python -OO strips docstrings: nothing to fill
        return cls
    for _ in range(2):  # a shared section may hold another's marker
        for name, text in SHARED_DOCS.items():
            doc = doc.replace(f"    <<{name}>>", text.replace("{score}", score).replace(
                "{early_stopping_default}", es_default).replace(
                "{warm_start_gain}", warm_start_gain).replace(
                "{warm_start_anew}", warm_start_anew).replace(
                "{lbfgsb_batch_note}", lbfgsb_batch_note).replace(
                "{auto_output}", auto_output).replace(
                "{l2_default}", l2_default).replace("{l2_note}", l2_note).replace(
                "{es_small_note}", es_small_note))
    if "<<" in doc:
        raise ValueError(f"{cls.__name__}: unknown docstring marker in {doc!r}")
    cls.__doc__ = doc
    return cls


def _is_label_sequence(row):
    """Whether ``row`` of a Python sequence ``y`` is a sequence (or set) of labels,
    not one label: a list, tuple or set, not a string or an array."""
    return (isinstance(row, (list, tuple, set, frozenset))
            and not hasattr(row, "__array__"))


def _refuse_label_sequences(y):
    """scikit-learn's refusal of a sequence of label sequences of different lengths
    (or of sets): the legacy multilabel format, in which ``load_reuters`` gives
    its targets. Before: NumPy's "setting an array element with a sequence. The
    requested array has an inhomogeneous shape" from reading ``y`` as an array.
    Lists of equal length are a 2-D ``y`` (an indicator matrix, or class labels per
    output), read as scikit-learn reads them."""
    if (sp.issparse(y) or hasattr(y, "__array__") or isinstance(y, str)
            or not isinstance(y, (list, tuple)) or len(y) == 0):
        return
    nested = [_is_label_sequence(row) for row in y]
    if not any(nested):
        return
    lengths = {len(row) if is_seq else None for row, is_seq in zip(y, nested)}
    if len(lengths) > 1 or any(isinstance(row, (set, frozenset)) for row in y):
        raise ValueError(
            "You appear to be using a legacy multi-label data representation. "
            "Sequence of sequences are no longer supported; use a binary array or "
            "sparse matrix instead - the MultiLabelBinarizer transformer can "
            "convert to this format (y = MultiLabelBinarizer().fit_transform(y), "
            "as for the targets of sknonneg.datasets.load_reuters).")


def _refuse_mixed_labels(labels, name):
    """scikit-learn's ``ValueError`` ("Mix of label input types (string and
    number)", raised by ``sklearn.utils.multiclass.unique_labels``) where
    ``labels`` (``y``, or ``partial_fit``'s ``classes`` as passed) mix strings
    and other values, prefixed by the argument's ``name``. Before: NumPy's bare
    TypeError ("'<' not supported between instances of 'int' and 'str'") from
    sorting them, as scikit-learn's own classifiers raise it (its
    ``type_of_target`` sorts them before ``unique_labels`` checks their types).
    Only an array of objects (or a list) can mix them."""
    array = labels if isinstance(labels, np.ndarray) else np.asarray(labels,
                                                                      dtype=object)
    if array.dtype != object or array.size == 0:
        return
    flat = array.ravel()
    is_string = np.fromiter((isinstance(label, str) for label in flat), dtype=bool,
                            count=flat.shape[0])
    if is_string.all() or not is_string.any():
        return
    # Each kind on its own, as unique_labels reads them: numbers, strings.
    numbers, strings = (np.array(list(dict.fromkeys(flat[mask].tolist())))
                        for mask in (~is_string, is_string))
    try:
        unique_labels(numbers, strings)
        message = ("Mix of label input types (string and number); Got "
                   f"{numbers} and {strings}.")  # a scikit-learn that took them
    except (ValueError, TypeError) as exc:
        message = str(exc)
    raise ValueError(f"`{name}`: {message}")


def _checked_classes(classes):
    """``partial_fit``'s ``classes`` as a 1-D array of labels (None stays None).
    Before, ``classes=[[0, 1]]`` was refused with the message of a 2-D ``y``."""
    if classes is None:
        return None
    _refuse_mixed_labels(classes, "classes")
    array = np.asarray(classes)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(
            f"classes must be a non-empty 1d array-like of the class labels; got "
            f"an array of shape {array.shape}.")
    return array


def _auto_output(y, classes, monotonic_cst):
    """What ``output="auto"`` means for targets ``y``: independent logistic units for
    a multilabel indicator matrix, a single logistic unit for a binary problem under
    ``monotonic_cst`` (the only output that keeps it), a softmax otherwise."""
    try:
        if type_of_target(y) == "multilabel-indicator":
            return auto_output_of(True, None, monotonic_cst)
        n_classes = len(unique_labels(y) if classes is None else np.unique(classes))
    except (ValueError, TypeError):
        return "softmax"  # the classifier's own check reports the bad targets
    return auto_output_of(False, n_classes, monotonic_cst)


def auto_output_of(multilabel, n_classes, monotonic_cst):
    """The rule of ``output="auto"`` (:func:`_auto_output`) for targets already
    read: a loaded classifier's output is checked against it
    (``BaseNetworkClassifier._expected_out_activation``)."""
    if multilabel or (n_classes == 2 and has_constraint(monotonic_cst)):
        return "logistic"
    return "softmax"


def is_multilabel(final):
    """Whether the fitted classifier ``final`` was fitted to a multilabel target:
    sknonneg's classifiers say so (``_multilabel``, set where their targets are
    encoded); scikit-learn's ``MLPClassifier`` by its public attributes (more than
    one logistic output: binary has one, multiclass a softmax). For the satellites
    (inspection, robustness), which read no private attribute themselves."""
    multilabel = getattr(final, "_multilabel", None)
    if multilabel is not None:
        return bool(multilabel)
    coefs = getattr(final, "coefs_", None)
    return (getattr(final, "out_activation_", None) == "logistic"
            and coefs is not None and np.shape(coefs[-1])[1] > 1)


def _indicator_targets(y):
    """A multilabel indicator matrix as float64 0/1 targets. scikit-learn calls any
    2-D integer array of two values "multilabel-indicator" ({-1, 1}, {0, 2}); the
    logistic loss of a target outside [0, 1] has no minimum (the fit drove every
    such label to a constant), so other values are refused."""
    targets = np.asarray(y, dtype=np.float64)
    # At most two integral values (type_of_target's "multilabel-indicator"): within
    # [0, 1] they are 0 and 1. Two passes, no sort of a large matrix.
    if targets.size and (targets.min() < 0.0 or targets.max() > 1.0):
        values = np.unique(targets)
        raise ValueError(
            f"Multilabel targets must be an indicator matrix of 0s and 1s; got the "
            f"values {values.tolist()}. Map them to 0 and 1 "
            "(sklearn.preprocessing.MultiLabelBinarizer encodes lists of labels).")
    return targets


class BaseNetworkClassifier(ClassNamePrefixFeaturesOutMixin, SupervisedTransformerMixin,
                            ClassifierMixin, TrainableNetwork):
    """Base class of sknonneg's classifiers. Not for direct use."""

    _parameter_constraints = {
        **TrainableNetwork._parameter_constraints,
        "output": [StrOptions({"auto", "softmax", "logistic"})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    _candidate_class = _CandidateClassifier  # early stopping's scorers

    # ``output`` is read by prediction: kept from the fit (BaseNetwork).
    _FITTED_PARAMS = ("output", *TrainableNetwork._FITTED_PARAMS)

    def _output_type(self):
        """``output``, with ``"auto"`` resolved by the first fit (softmax before).

        A fitted classifier whose fit had an explicit ``output`` (no
        ``_auto_output``) and whose ``output`` was set to ``"auto"`` since resolves
        it by the rule of ``"auto"`` for the targets it was fitted on (its classes),
        as ``_changed_fitted_params`` does. Before, that read "softmax": after
        ``partial_fit`` at ``output="logistic"`` with ``monotonic_cst``,
        ``set_params(output="auto")`` made the next call refuse with "output='auto'
        gives a softmax ... Pass output="logistic" (or "auto")"."""
        if self.output != "auto":
            return self.output
        auto = getattr(self, "_auto_output", None)
        if auto is None and hasattr(self, "classes_"):
            auto = self._auto_for_fitted_classes()
        return "softmax" if auto is None else auto

    def _auto_for_fitted_classes(self):
        """What ``output="auto"`` resolves to, with ``monotonic_cst`` as set now, for
        the targets the classifier was fitted on (its classes, multilabel or not):
        read where ``"auto"`` is compared with the fitted output."""
        return auto_output_of(bool(getattr(self, "_multilabel", False)),
                              len(self.classes_), getattr(self, "monotonic_cst", None))

    def _snapshot_params(self, layout_only=False):
        # A warm start at output="auto" that continues a fit at an explicit output
        # (the same output function: _changed_fitted_params) records "auto" as
        # the fitted output and encodes no targets: "auto" is resolved here to the
        # output the network was fitted with, as a fit at "auto" resolves it
        # (_auto_output). Before, it was not, and _fitted_out_activation read
        # "softmax": after a fit at output="logistic" with monotonic_cst,
        # set_params(output="auto", warm_start=True).fit(X, y) made predict_proba
        # a column of 1.0 (a softmax of the one logistic unit). A fresh fit at
        # "auto" resolves it again (_encode_targets).
        if (not layout_only and self.output == "auto" and hasattr(self, "_theta")
                and getattr(self, "_auto_output", None) is None):
            self._auto_output = self._fitted_out_activation()
        super()._snapshot_params(layout_only)

    def _fitted_out_activation(self):
        """``"softmax"`` or ``"logistic"``: the ``output`` of the fit (``"auto"``
        resolved as that fit resolved it, ``_auto_output``), kept from it
        (``_FITTED_PARAMS``); what prediction and a later ``partial_fit`` read, not
        ``out_activation_``, which can be set. Before, ``out_activation_ =
        "softmax"`` on a single logistic output unit made ``predict_proba`` a
        column of 1.0 (a softmax of one logit), and the certificate still
        certified the network."""
        output = self._fitted_param("output")
        if output == "auto":
            output = getattr(self, "_auto_output", "softmax")
        return "logistic" if output == "logistic" else "softmax"

    def _expected_out_activation(self, layout, fail):
        """``output`` (``"auto"`` resolved as its fit resolves it), checked against
        the targets and the number of output units of ``layout`` (``BaseNetwork``)."""
        want = self._output_type()
        multilabel = getattr(self, "_multilabel", None)
        n_classes, n_outputs = len(self.classes_), layout.layer_sizes[-1]
        if self.output == "auto":
            auto = self._auto_for_fitted_classes()
            if not _same(want, auto):
                fail(f'output="auto" resolved to {want!r} (_auto_output), but it '
                     f"resolves to {auto!r} for the targets it was fitted on")
        if want not in ("softmax", "logistic") or (want == "softmax" and multilabel):
            fail(f"its output {want!r} is not one its targets were fitted with")
        units = 1 if want == "logistic" and n_classes == 2 and not multilabel \
            else n_classes
        if n_outputs != units:
            fail(f"its {n_classes} classes need {units} {want} output "
                 f"unit{'s' * (units != 1)}, its network has {n_outputs}")
        return want

    def _changed_fitted_params(self):
        """As ``BaseNetwork``'s, with ``output`` compared as the output function it
        resolves to: ``output="softmax"`` after a binary fit at ``"auto"`` (or back
        to ``"auto"``) is the network that was fitted. Before, such a spelling
        counted as a change: a warm start discarded the fit and partial_fit
        refused with "output changed"."""
        changed = super()._changed_fitted_params()
        if "output" in changed and hasattr(self, "out_activation_"):
            now = self.output
            if now == "auto":
                now = self._auto_for_fitted_classes()
            if _same(now, self._fitted_out_activation()):
                changed.remove("output")
        return changed

    def _warm_start_compatible(self):
        # A warm start continues a network with the same output function; after
        # set_params(output=...) fit starts anew. So it does when output="auto"
        # and a monotonic_cst was added or removed since: "auto" resolves with it
        # (a binary problem's constrained model needs one logistic output, a new
        # network). Other changes of the targets are refused by the warm fit, as
        # before.
        if not super()._warm_start_compatible():  # output, dtype ...
            return False
        if self.output == "auto":
            return (has_constraint(fitted_attribute(self, "monotonic_cst_", None))
                    == has_constraint(getattr(self, "monotonic_cst", None)))
        return True

    # ----------------------------------------------------------------- targets
    def _validate_X_y(self, X, y, reset):
        _refuse_label_sequences(y)
        X, y = super()._validate_X_y(X, y, reset)
        # Labels of strings and numbers: refused before any of them is read (fit,
        # a warm start, every partial_fit call).
        _refuse_mixed_labels(y, "y")
        return X, y

    def _encode_targets(self, y, classes=None):
        """Sets ``classes_``, ``n_outputs_`` and the target form the loss needs.

        Returns ``(targets, strata)``: class indices (softmax) or a 0/1 indicator
        matrix (logistic); ``strata`` are integer labels for stratified batching.
        """
        if self.output == "auto":
            self._auto_output = _auto_output(y, classes,
                                             getattr(self, "monotonic_cst", None))
        else:
            # A fit at an explicit output: an earlier fit's resolution of "auto" is
            # not this network's. Before, it stayed, and an "auto" set since read
            # it (_output_type): a fit at "auto" (a softmax), a fit at "logistic"
            # under monotonic_cst, then set_params(output="auto") made partial_fit
            # refuse with "output='auto' gives a softmax ... Pass
            # output="logistic" (or "auto")".
            self.__dict__.pop("_auto_output", None)
        output = self._output_type()
        target_type = type_of_target(y)
        self.out_activation_ = "logistic" if output == "logistic" else "softmax"
        if target_type == "multilabel-indicator":
            if output != "logistic":
                raise ValueError(
                    'Multilabel targets need output="logistic"; a softmax output '
                    "assumes exactly one class per sample."
                )
            targets = _indicator_targets(y)
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
            self._multilabel = True
            self.n_outputs_ = targets.shape[1]
            return targets, np.argmax(targets, axis=1)
        if target_type == "multiclass-multioutput":
            # Before: check_classification_targets' "Unknown label type: (array(..."
            # printed the whole target.
            # (Before: "more than two distinct values", also for two string
            # labels such as 'yes'/'no'.)
            raise ValueError(
                "Multioutput target data is not supported with label binarization: "
                f"y has {y.shape[1]} columns and is not a 0/1 indicator matrix. "
                "Pass one column of class labels, or a 0/1 indicator matrix "
                "(multilabel).")
        check_classification_targets(y)
        self._multilabel = False
        if classes is None:
            classes = unique_labels(y)
        self._label_encoder = LabelEncoder().fit(classes)
        self.classes_ = self._label_encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                "Classifier can't train when only one class is present: the number of "
                f"classes has to be greater than one; got {len(self.classes_)} class."
            )
        self.n_outputs_ = (1 if output == "logistic" and len(self.classes_) == 2
                           else len(self.classes_))
        return self._class_targets(y)

    def _transform_targets(self, y):
        """Targets of a later ``partial_fit`` batch, in the form set by the first."""
        if self._multilabel:
            if (type_of_target(y) != "multilabel-indicator"
                    or np.shape(y)[1] != self.n_outputs_):
                raise ValueError(
                    f"y must be a label indicator matrix with {self.n_outputs_} "
                    f"columns, as in the first fit, got {type_of_target(y)} y of "
                    f"shape {np.shape(y)}."
                )
            return _indicator_targets(y), np.argmax(y, axis=1)
        if np.ndim(y) != 1:
            raise ValueError(
                f"y must be 1-D class labels, as in the first fit, got an array of "
                f"shape {np.shape(y)}."
            )
        check_classification_targets(y)
        unknown = np.setdiff1d(unique_labels(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{self.classes_}. 'y' has {unique_labels(y)}."
            )
        return self._class_targets(y)

    def _check_warm_targets(self, y):
        """A warm start fits the classes of the previous fit, all of them, as
        scikit-learn's MLPClassifier requires. Before, ``y`` with a subset of
        ``classes_`` was taken (a ``partial_fit`` batch may hold a subset), and
        ``class_weight="balanced"`` was then counted on that subset."""
        if not self._multilabel:
            labels = unique_labels(y)
            if not np.array_equal(labels, self.classes_):
                raise ValueError(
                    f"y has the classes {labels}, the previous fit "
                    f"{self.classes_}: they must be the same.")

    def _class_targets(self, y):
        """``(targets, class indices)`` of labels ``y``: the indices themselves for a
        softmax, one 0/1 column for a single logistic unit, else one-hot rows."""
        indices = self._label_encoder.transform(y)
        if self._fitted_out_activation() == "softmax":
            return indices, indices
        if self.n_outputs_ == 1:
            return indices[:, None].astype(np.float64), indices
        return np.eye(self.n_outputs_)[indices], indices

    def _sample_weight(self, X, y, sample_weight):
        sample_weight = check_sample_weight(sample_weight, X, dtype=np.float64)
        if self.class_weight is not None and self._multilabel:
            raise ValueError("class_weight is not supported for multilabel targets; "
                             "pass sample_weight instead.")
        if isinstance(self.class_weight, dict):
            bad = {k: v for k, v in self.class_weight.items()
                   if not (isinstance(v, Real) and np.isfinite(v) and v >= 0)}
            if bad:
                # Before: "sample_weight must be finite and non-negative", about a
                # parameter the user had not passed.
                raise ValueError(f"class_weight values must be finite, non-negative "
                                 f"numbers; got {bad}.")
        if self.class_weight is not None:
            # Both scaled to a largest weight of 1 before their product (the
            # objective divides by the weights' sum, so no fit changes): before,
            # weights of 1e300 of each overflowed, and the error blamed the user's
            # finite sample_weight.
            sample_weight = check_positive_weights(sample_weight)
            per_sample = self._class_weights(y, sample_weight)
            largest = per_sample.max(initial=0.0)
            weighted = sample_weight * (per_sample / largest if largest > 0
                                        else per_sample)
            if not np.any(weighted > 0) and np.any(sample_weight > 0):
                # Before: "sample_weight must have a positive sum", about a
                # parameter the user may not have passed.
                raise ValueError(
                    f"class_weight={self.class_weight!r} gives every sample of the "
                    "classes in y a weight of 0: nothing is left to fit.")
            sample_weight = weighted
        return check_positive_weights(sample_weight)

    def _class_weights(self, y, sample_weight):
        """Each sample's class weight. ``"balanced"``: ``W / (n_classes W_c)``, ``W_c``
        the sum of the sample weights of class ``c`` and ``W`` of all, as
        ``LogisticRegression`` counts them: a weight of 0 is a removed row (before,
        the classes were counted unweighted, and a row of weight 0 changed the
        others' weights). A class whose rows all weigh 0 gets 0 (they weigh 0)
        and is not counted in ``n_classes``, as if its rows were removed (they
        are: ``_weighted_rows``)."""
        if not (isinstance(self.class_weight, str) and self.class_weight == "balanced"):
            return compute_sample_weight(self.class_weight, y)
        classes, codes = np.unique(y, return_inverse=True)
        totals = np.bincount(codes.ravel(), weights=sample_weight,
                             minlength=len(classes))
        per_class = np.zeros_like(totals)
        present = totals > 0
        per_class[present] = (totals.sum()
                              / (np.count_nonzero(present) * totals[present]))
        return per_class[codes.ravel()]

    @property
    def _least_lbfgsb_batch(self):
        """L-BFGS-B mini-batches of one row hold one class, and its log-loss has
        no minimum (``TrainableNetwork._check_batch_size``); with multilabel
        targets two rows agree on most labels often enough to diverge as well
        (intercepts of 30-4,670 and subset accuracy below the prior on 2 and 5
        labels, 3 seeds each, against 6-11 with 3 rows)."""
        return 3 if getattr(self, "_multilabel", False) else 2

    def _small_batch_problem(self, batch_size):
        if not getattr(self, "_multilabel", False):
            return "each of a single class"
        if batch_size == 1:
            return "in which every label takes a single value"
        return (f"in which a label often takes a single value (whenever the "
                f"{batch_size} rows agree on it)")

    def _validation_score(self, theta, gain, X_val, y_val, sample_weight=None):
        """Accuracy on held-out data of the network ``theta`` at ``gain``, as
        ``score`` would give it once fitted, from ``theta`` alone."""
        return accuracy_score(y_val, self._labels(self._logits_at(theta, gain, X_val)),
                              sample_weight=sample_weight)

    # --------------------------------------------------------------- fitting
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse input is used as CSR and never densified.
        y : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_outputs)
            Class labels, or a label indicator matrix (dense or sparse) for
            multilabel problems.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the mean log-loss and in the activation
            penalty (``activity_l1``, where the classifier has one), times
            ``class_weight`` where given. A row of weight 0 is dropped once the
            input is validated (its values must be finite, as every row's, and
            its label counts in ``classes_``): the fit is the fit without that
            row.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the network with one batch of data.

        With ``solver="lbfgsb"`` runs ``steps_per_batch`` L-BFGS-B iterations on the
        batch (the paper's mini-batch scheme); with ``solver="adam"`` one epoch of
        projected Adam over the batch, the Adam state carrying over between calls.
        A network with a ``gain`` (``ABBAClassifier`` has none): the gain
        follows its schedule over ``max_iter`` calls; after ``fit`` it
        stays at the end of that fit's schedule, whatever ``max_iter`` and
        ``solver`` are set to since: the gain the fit ended with (``gain_``) under
        ``gain="auto"``, as a warm start goes on, the end value of an explicit
        gain otherwise.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The batch.
        y : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_outputs)
            Its labels (a multilabel indicator matrix may be sparse).
        classes : array-like of shape (n_classes,), default=None
            All classes that will ever be seen. Required on the first call, unless
            ``y`` is a multilabel indicator matrix, whose classes are its column
            indices ``0 ... n_outputs - 1`` (``classes_``): ``classes``, if given,
            must be those. Afterwards it may be left out, and if given must be
            the same (as scikit-learn's ``partial_fit``).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights of the batch; its rows of weight 0 are dropped, as in
            :meth:`fit`.

        Returns
        -------
        self : object
            The updated estimator.
        """
        # One that raises leaves the estimator as it was (before, a first call
        # refused on its weights or labels left it half fitted).
        return self._partial_fit_keeping_state(self._partial_fit_step, X, y,
                                               sample_weight, classes)

    # ``partial_fit``'s hooks (TrainableNetwork._partial_fit_step): its checks of
    # ``class_weight``, ``classes`` and the labels.
    def _refuse_partial_fit(self):
        super()._refuse_partial_fit()
        if self.class_weight == "balanced":
            # Before: computed from each batch's labels, so the weights changed
            # from batch to batch (scikit-learn's SGDClassifier refuses it too).
            raise ValueError(
                "class_weight='balanced' is not supported for partial_fit: each "
                "batch holds other class frequencies. Compute the weights once, "
                "sklearn.utils.class_weight.compute_class_weight('balanced', "
                "classes=classes, y=y) on the whole target (or a large sample of "
                "it), and pass them as a dict.")

    def _check_later_classes(self, classes):
        given = classes
        classes = _checked_classes(classes)
        if classes is not None and not np.array_equal(
                unique_labels(classes), self.classes_):
            # scikit-learn's words (_check_partial_fit_first_call): the argument
            # as passed.
            raise ValueError(
                f"`classes={given!r}` is not the same as on last call to "
                f"partial_fit, was: {self.classes_!r}")

    def _first_batch_targets(self, y, sample_weight, classes):
        classes = _checked_classes(classes)
        multilabel = type_of_target(y) == "multilabel-indicator"
        if classes is None and not multilabel:
            raise ValueError(
                "classes must be passed on the first call to partial_fit."
            )
        if (classes is not None and multilabel and not np.array_equal(
                unique_labels(classes), np.arange(y.shape[1]))):
            # Before: accepted and ignored (classes_ the column indices), and
            # the same classes then refused by the second call.
            raise ValueError(
                f"The classes of a multilabel indicator y are its column "
                f"indices, {np.arange(y.shape[1])}; got `classes={classes!r}`. "
                "Pass those, or leave classes out.")
        if classes is not None and not np.all(np.isin(unique_labels(y), classes)):
            raise ValueError(
                f"`y` has classes not in `classes`: {unique_labels(y)} "
                f"vs {np.asarray(classes)}."
            )
        return self._encode_targets(y, classes=classes)

    # ------------------------------------------------------------- prediction
    def _labels(self, logits):
        """Predicted labels (an indicator matrix for multilabel targets) of logits."""
        if self._multilabel:
            return (logits > 0).astype(int)
        if logits.shape[1] == 1:
            return self.classes_[(logits[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(logits, axis=1)]

    # The conversions of float64 logits that prediction and early stopping's
    # scorers (``_CandidateClassifier``) share; ``activation``: the output function
    # (``out_activation_`` once fitted, ``_output_type()`` during a fit).
    def _decision_of_logits(self, logits, activation):
        """``decision_function``'s values of ``logits``."""
        if self._multilabel:
            return logits
        if activation == "softmax" and logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        if logits.shape[1] == 1:
            return logits.ravel()
        return logits

    def _proba_of_logits(self, logits, activation):
        """``predict_proba``'s values of ``logits``."""
        if activation == "softmax":
            return softmax(logits, axis=1)
        # A monotone network's probabilities through a sigmoid that is monotone as
        # computed (scipy's rests on the C library's exp, not proven monotone).
        sigmoid = monotone_expit if self._fixed_order() else expit
        if self._multilabel:
            return sigmoid(logits)
        if logits.shape[1] == 1:
            return np.hstack([sigmoid(-logits), sigmoid(logits)])
        # sigmoid(z_k) / sum_j sigmoid(z_j), normalised in log space: all logits
        # very negative would otherwise give 0 / 0.
        return softmax(log_expit(logits), axis=1)

    def _log_proba_of_logits(self, logits, activation):
        """``predict_log_proba``'s values of ``logits``."""
        if activation == "softmax":
            return log_softmax(logits, axis=1)
        if self._multilabel:
            return log_expit(logits)
        if logits.shape[1] == 1:
            return np.hstack([log_expit(-logits), log_expit(logits)])
        return log_softmax(log_expit(logits), axis=1)

    def _fixed_order(self):
        """Whether prediction sums in a fixed order (monotone networks; see
        ``DenseNetworkMixin._fixed_order``)."""
        return False

    def _diagnostic_logits(self, X):
        """Logits of the fitted network on validated ``X`` for the end-of-fit
        diagnostics (``warn_if_degenerate``). No promise rides on them, so a network
        whose prediction sums in a fixed order computes them on its faster path."""
        return self._logits(X)

    def decision_function(self, X):
        """Compute the logits of the output layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input samples.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            For binary problems a single column (the log-odds of ``classes_[1]``),
            raveled, as scikit-learn's linear classifiers do. For a binary
            two-unit softmax that column is the difference of the two logits,
            which can change up to ``sqrt(2)`` times faster than the logits'
            vector: its Lipschitz bound is ``sqrt(2) * lipschitz_bound_``
            (``lipschitz_bound_`` alone for a single logistic output).
        """
        return self._decision_of_logits(self._validated_logits(X),
                                        self._fitted_out_activation())

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Softmax of the logits; for ``output="logistic"`` the sigmoid of each
            logit (binary: ``[1 - p, p]``; multiclass: normalised to sum to one,
            as scikit-learn's one-vs-rest ``LogisticRegression`` does;
            multilabel: the independent label probabilities). With several
            classes and ``output="logistic"``, the sigmoids of logits above about
            37 all round to 1, so such classes tie here; ``predict`` ranks their
            logits, and may then name another tied class than
            ``argmax(predict_proba)``, which takes the first.
        """
        return self._proba_of_logits(self._validated_logits(X),
                                     self._fitted_out_activation())

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``, computed stably.

        Computed from the logits with scipy's ``log_expit`` or ``log_softmax``,
        which keep the tails that ``log(predict_proba(X))`` would round to
        ``-inf``; the monotonicity promised under ``monotonic_cst`` (and of
        non-negative networks) is exact for ``predict_proba`` and
        ``decision_function``, and holds for these values as a function, but
        as computed they may fall by an ulp between adjacent inputs.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Natural logarithm of the probability of each class, in the order of
            ``classes_`` (of each label, for multilabel targets).
        """
        return self._log_proba_of_logits(self._validated_logits(X),
                                         self._fitted_out_activation())

    def predict(self, X):
        """Predicted class labels (a label indicator matrix for multilabel targets).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : {ndarray, sparse matrix} of shape (n_samples,) or (n_samples, n_outputs)
            Labels; for multilabel targets a 0/1 indicator matrix, a CSR matrix
            when the fit's ``y`` was sparse (as ``MLPClassifier``).
        """
        labels = self._labels(self._validated_logits(X))
        if self._multilabel and getattr(self, "_sparse_y", False):
            # A sparse indicator y fitted: a sparse prediction, as MLPClassifier's
            # (its LabelBinarizer's inverse_transform) returns. Here, not in
            # _labels: early stopping's accuracy reads dense labels every epoch.
            return sp.csr_matrix(labels)
        return labels

    def score(self, X, y, sample_weight=None):
        """Return the mean accuracy of the predictions on ``X``.

        As ``ClassifierMixin.score``: the fraction of samples whose predicted label
        is ``y``'s; for multilabel targets, the subset accuracy (every label of
        the sample right). The sample weights are divided by their largest, which
        leaves the accuracy unchanged: uniform weights of any size (1e307, 5e-324)
        give the unweighted accuracy.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test samples.
        y : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_outputs)
            True labels for ``X`` (a multilabel indicator matrix may be sparse).
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights.

        Returns
        -------
        score : float
            Mean accuracy of ``self.predict(X)`` against ``y``.
        """
        # A missing label: "Input y contains NaN.", as fit says (before: a bare
        # TypeError from sorting the labels, or from pandas' NA).
        check_missing_targets(y, "y")
        # Scaled: accuracy_score sums the weights as given (weights of 1e307,
        # which fit takes, overflowed: NaN and RuntimeWarnings).
        return accuracy_score(y, self.predict(X),
                              sample_weight=scale_score_weights(sample_weight))

    def certified_radius(self, X):
        """Per sample, an L2 radius within which the predicted class cannot change.

        ``margin / (sqrt(2) * lipschitz_bound_)``, the margin being the gap between
        the two largest logits (``|logit| / lipschitz_bound_`` for a single logistic
        output; the least over labels for multilabel targets).

        The radius holds for the predictions as computed, rounding included: no
        perturbation of smaller L2 norm changes what ``predict`` returns. The
        computed logits differ from the exact ones, and the computed bound from the
        exact one; a floating-point error analysis bounds both for every kernel
        (:doc:`/reliability`, "Constraints and certificates": ``n u`` relative per
        layer at worst, ``n`` the fan-in, ``u`` = 1.1e-16 in float64, 6e-8 in
        float32), and the radius is that of the margin less four times the logits'
        error over the ball (twice for a sign). That error shortens the radius
        by a negligible fraction in float64 and by a small one in float32 (the
        figures measured on scikit-learn's digits, one or two hidden layers:
        :doc:`/reliability`, "Constraints and certificates"), and a sample whose
        margin is within the error gets 0.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        radius : ndarray of shape (n_samples,)
            L2 norm below which no perturbation of the sample changes its
            prediction; 0 where the margin is within the rounding error, ``inf``
            only where the logits do not depend on the input
            (``lipschitz_bound_`` 0), the largest finite float64 where the
            radius exceeds it (a subnormal ``lipschitz_bound_``).
        """
        X = self._check_range(self._check_X(X))
        layers = self._rounding_layers()
        return certified_radius(
            check_finite_output(self._logits(X)), self._certified_bound(),
            self._multilabel,
            logit_error=lambda radius: logit_rounding_bound(
                layers, X, radius, self._compute_dtype))

    def _certified_bound(self):
        """The Lipschitz bound ``certified_radius`` divides by: ``lipschitz_bound_``
        (computed from the fitted parameters); an estimator whose bound is a
        stored attribute returns its private copy."""
        return self.lipschitz_bound_

    def __setstate__(self, state):
        if "_theta" in state and "out_activation_" not in state:
            # Saved before out_activation_ was stored: the output of that fit.
            state = {**state, "out_activation_": (
                "logistic" if state.get("output") == "logistic" else "softmax")}
        super().__setstate__(state)

    def _finish(self, result, samples_seen, carry=False):
        super()._finish(result, samples_seen, carry)
        self.out_activation_ = self._output_type()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = self.output in ("logistic", "auto")
        return tags
