"""A monotone certificate read from a fitted model's weights."""

import math

import numpy as np
from sklearn.base import is_regressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.utils.validation import check_is_fitted

from .. import _activations
from .._monotonic_cst import plain_value
from ..exceptions import UncertifiableModelError
from .._validation import parameter_error, search_hint
from .._pipeline import (
    analyse_steps,
    feature_edges,
    final_step_names,
    input_attribute,
    split_pipeline,
    vectorizer_width,
)
from .._versioned import VersionedState
from ..neural_network._classifier import is_multilabel
from ..neural_network._base import fitted_attribute
from ..neural_network._dense import fitted_network
from ._networks import dense_coef, soft_vote_members

__all__ = ["MonotoneCertificate", "monotone_certificate"]

# Hidden activations of scikit-learn's MLPs (the names of sknonneg's dense layers)
# that are non-decreasing: all four.
_MONOTONE_ACTIVATIONS = tuple(name for name, act in _activations.DENSE.items()
                              if act.non_decreasing)


class MonotoneCertificate(VersionedState):
    """Per feature, whether an increase can lower a model's score.

    The score of ``classes_[1]`` for a classifier, the prediction for a regressor.
    Returned by :func:`monotone_certificate`; not meant to be built directly.

    Parameters
    ----------
    up : array-like of bool of shape (n_features,)
        Features in which the score is proven non-decreasing.
    down : array-like of bool of shape (n_features,)
        Features in which it is proven non-increasing.
    feature_names : ndarray of str or None
        Names of the features, None when unknown.
    classes : ndarray of shape (2,) or None
        The model's classes; None for a regressor.
    model : str
        What was certified, in words.
    reasons : dict or None, default=None
        Why each feature of ``feature_signs_ == 0`` has no certified direction.
    exact : bool, default=False
        Whether the directions hold for the outputs as computed (see ``exact_``).

    Attributes
    ----------
    certified_features_ : ndarray of bool of shape (n_features,)
        True where no increase of the feature (the others fixed, at any input) can
        lower the score (probability, decision function) of ``classes_[1]``, or
        any output of a regressor.
    feature_signs_ : ndarray of int8 of shape (n_features,)
        ``1``: the score of ``classes_[1]`` is non-decreasing in the feature (this
        includes features it does not depend on); ``-1``: non-increasing; ``0``: no
        certified direction.
    feature_names_ : ndarray of str or None
        Names of the features (the vocabulary when the Pipeline starts with a
        vectorizer, None for a ``HashingVectorizer``'s hashed columns, else
        ``feature_names_in_``: a text column of a ``ColumnTransformer`` is one
        feature), None when unknown.
    classes_ : ndarray of shape (2,) or None
        The model's classes; None for a regressor.
    positive_class_ : object
        ``classes_[1]``, the class whose score the certificate is about; None for
        a regressor.
    model_ : str
        What was certified, in words.
    exact_ : bool
        True where the certified directions hold for the outputs as computed in
        floating point, for every input: sknonneg's certified networks, alone,
        after the trusted Pipeline steps, in a soft vote of such networks (a
        member of weight 0 adds exactly 0 and does not count), or behind a
        ``FrozenEstimator`` or a threshold classifier. False where they
        hold for the model's function in real arithmetic only, and a computed
        output can fall by rounding when a certified feature rises (by an ulp in
        the measurements of the Notes of :func:`monotone_certificate`):
        scikit-learn's models, which predict through BLAS, and anything behind a
        ``CalibratedClassifierCV`` (its isotonic interpolation can round a
        higher score an ulp lower). ``repr`` says "in real arithmetic" then.
    uncertified_reasons_ : dict
        For each feature without a certified direction (``feature_signs_ == 0``),
        keyed by its name (its index when the features have no names), why, in
        words: the final step's weights on it have both signs, or it goes through
        a ``ColumnTransformer``'s transformer that is not a monotone map (say, a
        ``TfidfVectorizer`` with its default ``norm="l2"``: the refusal a Pipeline
        starting with it would raise). The final step's inputs are named by
        their names (its ``feature_names_in_``, or the Pipeline's
        ``get_feature_names_out()``); where those are unknown (a
        ``FunctionTransformer`` without ``feature_names_out`` before it, say), by
        the name of the one feature an input is made from, or by position with
        the names of the features it is made from; by position alone where the
        features have no names. Empty when every feature has a direction.
        Built when first read (for a ``HashingVectorizer``'s 2**20 columns, a
        string per feature).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sknonneg.robustness import monotone_certificate
    >>> X = np.random.RandomState(0).uniform(size=(100, 2))
    >>> y = (X[:, 0] - X[:, 1] > 0).astype(int)
    >>> certificate = monotone_certificate(LogisticRegression().fit(X, y))
    >>> certificate.feature_signs_.tolist()  # the signs of coef_
    [1, -1]
    >>> certificate.certified_for(0).tolist()  # an increase cannot lower class 0
    [False, True]
    """

    def __init__(self, up, down, feature_names, classes, model, reasons=None,
                 exact=False):
        self._up = np.asarray(up, dtype=bool)
        self._down = np.asarray(down, dtype=bool)
        self.certified_features_ = self._up.copy()
        signs = np.zeros(self._up.shape[0], dtype=np.int8)
        signs[self._down] = -1
        signs[self._up] = 1
        self.feature_signs_ = signs
        self.feature_names_ = feature_names
        self.classes_ = classes
        self.positive_class_ = None if classes is None else classes[1]
        self.model_ = model
        self.exact_ = bool(exact)
        self._reasons = None if reasons is None else dict(reasons)
        # Set by monotone_certificate: builds the reasons when first read.
        self._explain = None

    def __setstate__(self, state):
        # A certificate pickled before exact_ existed (its repr raised
        # AttributeError) reads the meaning that claims less. Not a class
        # attribute: persist.load refuses a file whose attributes shadow one.
        super().__setstate__(state)  # VersionedState: the version that saved it
        self.__dict__.setdefault("exact_", False)

    @property
    def uncertified_reasons_(self):
        """Why each feature of ``feature_signs_ == 0`` has no certified direction."""
        if self._reasons is None:
            self._reasons = {} if self._explain is None else self._explain.build()
            self._explain = None
        return self._reasons

    @property
    def n_features_(self):
        """Number of input features."""
        return self._up.shape[0]

    @property
    def all_certified_(self):
        """Whether no increase of any feature can lower the score of ``classes_[1]``."""
        return bool(np.all(self._up))

    def certified_for(self, target_class=None):
        """Per feature, whether no increase can lower the score of ``target_class``.

        Parameters
        ----------
        target_class : object, default=None
            One of ``classes_``; None means ``classes_[1]`` (for a regressor, its
            prediction: the only choice).

        Returns
        -------
        certified : ndarray of bool of shape (n_features,)
            True where no increase of the feature can lower the score.
        """
        if target_class is not None and np.ndim(target_class) != 0:
            # Before: [0] compared as an array and was taken; [0, 1] was NumPy's
            # "truth value of an array with more than one element is ambiguous".
            raise parameter_error("MonotoneCertificate.certified_for", "target_class",
                                  "one class label (a scalar)", target_class)
        if self.classes_ is None:
            if target_class is not None:
                raise parameter_error("MonotoneCertificate.certified_for",
                                      "target_class", "None (a regressor's "
                                      "certificate is about its prediction)",
                                      target_class)
            return self._up.copy()
        if target_class is None or target_class == self.classes_[1]:
            return self._up.copy()
        if target_class == self.classes_[0]:
            return self._down.copy()
        raise parameter_error("MonotoneCertificate.certified_for", "target_class",
                              f"one of the classes {self.classes_.tolist()}",
                              target_class)

    def __repr__(self):
        about = ("the prediction" if self.classes_ is None
                 else f"class {plain_value(self.positive_class_)!r}")
        # The non-increasing ones too: a regressor certified decreasing in three
        # features read "0 of 3 features certified", as if nothing were.
        down = int(np.sum(self._down & ~self._up))
        return (f"MonotoneCertificate({self.model_}: {int(self._up.sum())} of "
                f"{self.n_features_} features certified for {about}"
                + (f", {down} certified non-increasing" if down else "")
                + ("" if self.exact_ else ", in real arithmetic") + ")")


def is_linear_classifier(estimator):
    """Whether ``estimator`` is one of scikit-learn's linear classifiers, whose
    decision function is ``X @ coef_.T + intercept_`` (the classifiers of
    ``sklearn.linear_model`` and ``sklearn.svm.LinearSVC``); read through public
    names only."""
    from sklearn.base import is_classifier
    from sklearn.svm import LinearSVC

    module = type(estimator).__module__
    return is_classifier(estimator) and (
        isinstance(estimator, LinearSVC) or module.startswith("sklearn.linear_model."))


def _is_linear_regressor(estimator):
    """Whether ``estimator`` is one of scikit-learn's linear regressors, whose
    prediction is ``X @ coef_.T + intercept_`` (``sklearn.linear_model`` and
    ``sklearn.svm.LinearSVR``)."""
    from sklearn.base import is_regressor
    from sklearn.svm import LinearSVR

    module = type(estimator).__module__
    return is_regressor(estimator) and (
        isinstance(estimator, LinearSVR) or module.startswith("sklearn.linear_model."))


def _network_layers(final):
    """The weight matrices of ``final`` and its effective output column ``v``.

    Returns ``(coefs, v, description)`` where the score of ``classes_[1]`` is an
    increasing function of ``a_{L-1} v`` (``a_{L-1}`` the last hidden layer, or the
    input for a linear model). Raises ``TypeError`` / ``ValueError`` otherwise.
    """
    from ..neural_network import ABBAClassifier, NonNegMLPClassifier

    name = type(final).__name__
    if isinstance(final, ABBAClassifier):
        # Before: a bare TypeError, where every other refusal of a fitted model is
        # a ValueError (UncertifiableModelError is both).
        raise UncertifiableModelError(
            "ABBAClassifier cannot be certified monotone, whatever its weights: its "
            "input layer reads [x, -x] and its logits are the difference (u - v) / 2 "
            "of its last layer's halves, so every feature it reads reaches the "
            "logits through paths of both signs (its non-negative ABBA blocks "
            "compute a signed network: see ABBAClassifier.from_mlp). Certified "
            "models: NonNegMLPClassifier(positive=True, output='logistic'), or "
            "monotonic_cst for chosen features; "
            "sknonneg.inspection.check_monotonic(estimator, X, monotonic_cst) "
            "audits an ABBA network's directions on data."
        )
    from ..neural_network import NonNegMLPRegressor

    if isinstance(final, (NonNegMLPClassifier, NonNegMLPRegressor)):
        _check_direction_keeping(final)
    if isinstance(final, (NonNegMLPRegressor, MLPRegressor)):
        # Identity outputs: each output is a_{L-1} W_L + b_L (MLPRegressor with
        # loss="poisson": its exp, increasing too). With W_L >= 0 (checked with
        # the other layers after the first), every output is non-decreasing
        # wherever a_{L-1} is: the certificate holds for all outputs at once.
        if isinstance(final, MLPRegressor) and (
                final.activation not in _MONOTONE_ACTIVATIONS):  # pragma: no cover
            raise ValueError(f"{name}: activation {final.activation!r} is not known "
                             "to be non-decreasing.")
        # sknonneg's: the weights it computes with (fitted_network), not its
        # public coefs_ list, in which an array can be put (it changes no
        # prediction). Before, clf.coefs_[0] = np.maximum(clf.coefs_[0], 0) on
        # a positive="output" network certified every feature, exact_ True,
        # while predict still used the signed first layer.
        coefs = list(fitted_network(final)[0] if isinstance(final, NonNegMLPRegressor)
                     else final.coefs_)
        outputs = coefs[-1].shape[1]
        # The fitted output function: before, an exp output (loss="poisson") was
        # described as "identity output". sknonneg's as fitted (fitted_attribute),
        # not a value set since.
        act = fitted_attribute(final, "out_activation_", None) or "identity"
        if isinstance(final, MLPRegressor) and act not in (*_MONOTONE_ACTIVATIONS,
                                                           "exp"):
            # MLPRegressor.predict applies ACTIVATIONS[out_activation_], which
            # scikit-learn lets be set: "softmax" divides each output by the sum of
            # them all, and a rise of one lowers the others. Before, certified
            # (every output of a 2-output network whose later layers are >= 0).
            raise ValueError(
                f"{name} is not certified: its out_activation_ {act!r} is not an "
                "elementwise non-decreasing function (a fit sets 'identity', or "
                "'exp' with loss='poisson'); 'softmax' divides each output by the "
                "sum of them all, so a rise of one output lowers the others.")
        return coefs, (f"{name}, {len(coefs)} layers, "
                       f"{f'{act} output' if outputs == 1 else f'{outputs} outputs'}")
    if _is_linear_regressor(final):
        check_is_fitted(final)
        if not hasattr(final, "coef_"):  # RANSACRegressor: a wrapper, no coef_
            _cannot_certify(final)
        coef = dense_coef(final)  # one row per output
        return [coef.T], f"{name}, linear"
    classes = getattr(final, "classes_", None)
    if classes is None and is_regressor(final):
        _cannot_certify(final)  # a regressor whose weights it does not read
    if classes is not None and is_multilabel(final):
        raise ValueError(
            f"monotone_certificate needs a binary classifier or a regressor it "
            f"reads; {name} is fitted to {len(classes)} labels (multilabel). "
            "sknonneg.inspection.check_monotonic audits each label's probability."
        )
    if classes is None or len(classes) != 2:
        raise ValueError(
            f"monotone_certificate needs a binary classifier or a regressor it "
            f"reads; {name} has "
            f"{'no classes_' if classes is None else f'{len(classes)} classes'}."
        )
    if isinstance(final, NonNegMLPClassifier):
        coefs = list(fitted_network(final)[0])  # as for the regressor above
        last = coefs[-1]
        # The fitted output (``output="auto"`` resolved), not the parameter,
        # which may have been changed since, nor out_activation_, which can be
        # set: before, out_activation_ = "softmax" on a binary logistic network
        # made predict_proba a column of 1.0, and it was still certified.
        output = fitted_attribute(final, "out_activation_")
        if last.shape[1] == 1:
            v = last[:, 0]
            what = "single logistic output"
        elif last.shape[1] == 2 and output == "softmax":
            # Even with W_L[:, 1] - W_L[:, 0] >= 0, the computed probability
            # compares two separately rounded logits, and a rise of one unit in the
            # last place of z_0 alone can lower it: monotone in real arithmetic, not
            # as computed. Exact or refused.
            raise ValueError(
                f"{name} with a two-class softmax output is not certified: its "
                "probability compares two separately rounded logits, which is not "
                "monotone as computed, and non-negative weights do not make the "
                "difference of its output columns non-negative either. Fit with "
                "output='logistic' (the output that monotonic_cst's 'auto' picks)."
            )
        else:
            raise ValueError(f"{name} has {last.shape[1]} outputs; the certificate "
                             "needs a binary problem.")
        return coefs[:-1] + [v[:, None]], f"{name}, {len(coefs)} layers, {what}"
    if isinstance(final, MLPClassifier):
        if final.activation not in _MONOTONE_ACTIVATIONS:  # pragma: no cover
            raise ValueError(f"{name}: activation {final.activation!r} is not known "
                             "to be non-decreasing.")
        if final.out_activation_ != "logistic" or final.coefs_[-1].shape[1] != 1:
            raise ValueError(f"{name} needs a single logistic output to be certified.")
        coefs = list(final.coefs_)
        return coefs, f"{name}, {len(coefs)} layers, {final.activation} hidden units"
    if is_linear_classifier(final):
        check_is_fitted(final)
        if not hasattr(final, "coef_"):
            _cannot_certify(final)
        coef = dense_coef(final)  # sparse after sparsify(): densified
        if coef.shape[0] != 1:
            raise ValueError(f"{name} has {coef.shape[0]} coefficient rows; the "
                             "certificate needs a binary problem.")
        return [coef.T], f"{name}, linear"
    _cannot_certify(final)


def _check_trusted_final(final):
    """Final estimators are recognised by their exact class (a linear model by its
    module, sklearn.linear_model): a subclass can override what its base predicts,
    and is refused (before, isinstance accepted it)."""
    from sklearn.ensemble import VotingClassifier
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC, LinearSVR

    from ..neural_network import ABBAClassifier, NonNegMLPClassifier, NonNegMLPRegressor

    wrappers = _wrapper_classes()
    known = (NonNegMLPClassifier, NonNegMLPRegressor, ABBAClassifier, MLPClassifier,
             MLPRegressor, VotingClassifier, LinearSVC, LinearSVR, Pipeline,
             wrappers["frozen"], *wrappers["threshold"], wrappers["calibrated"])

    def read(cls):
        return cls in known or cls.__module__.startswith("sklearn.linear_model.")

    cls = type(final)
    if read(cls):
        return
    bases = [b for b in cls.__mro__[1:] if read(b)]
    if bases:
        raise UncertifiableModelError(
            f"{cls.__name__} cannot be certified: it is a subclass of "
            f"{bases[0].__name__}, which can override what {bases[0].__name__} "
            f"computes; subclasses are not trusted (certify a {bases[0].__name__} "
            "itself)."
        )


def _check_direction_keeping(final):
    """The fitted scalars of a sknonneg network that the proof assumes positive:
    the gain of its hidden units (``f(gain * t)`` is non-decreasing in ``t`` only
    for ``gain > 0``) and a regressor's target scale (``y = y_mean_ + y_scale_ *
    z``), and its target offset ``y_mean_`` finite. Fits keep them so; a model
    whose attributes were set or loaded otherwise is refused, not certified."""
    name = type(final).__name__
    gain = np.asarray(final.gain_, dtype=np.float64)
    if not (np.all(np.isfinite(gain)) and np.all(gain > 0)):
        raise ValueError(f"{name} is not certified: its gain_ {gain.tolist()} is not "
                         "finite and positive, so its hidden units are not "
                         "non-decreasing functions of their inputs.")
    scale = getattr(final, "y_scale_", None)
    if scale is not None:
        scale = np.asarray(scale, dtype=np.float64)
        if not (np.all(np.isfinite(scale)) and np.all(scale > 0)):
            raise ValueError(f"{name} is not certified: its y_scale_ "
                             f"{scale.tolist()} is not finite and positive, so its "
                             "prediction does not rise with its network's output.")
    offset = getattr(final, "y_mean_", None)
    if offset is not None and not np.all(np.isfinite(np.asarray(offset,
                                                                dtype=np.float64))):
        # As a NaN or infinite intercept (de06bcc): before, certified, while every
        # prediction was NaN or inf.
        raise ValueError(f"{name} is not certified: its y_mean_ "
                         f"{np.asarray(offset, dtype=np.float64).tolist()} is not "
                         "finite, so its predictions are not finite numbers whose "
                         "direction a certificate could state.")


def _cannot_certify(final):
    name = type(final).__name__
    hint = search_hint(final, "certify")
    raise UncertifiableModelError(
        f"{name} cannot be certified: monotone_certificate reads the weights of "
        "sknonneg's NonNegMLPClassifier and NonNegMLPRegressor, scikit-learn's "
        "MLPClassifier, MLPRegressor and linear models (coef_), and a soft "
        "VotingClassifier of classifiers among those, a FrozenEstimator, "
        "FixedThresholdClassifier, TunedThresholdClassifierCV or binary "
        "CalibratedClassifierCV of one, optionally at the end of a Pipeline." + hint
    )


def monotone_certificate(estimator):
    """Certify, from a fitted model's weights, which features cannot lower its score.

    For each input feature, decide whether increasing it (all other features fixed,
    at any input) can lower the score of ``classes_[1]``: the question of an
    additive evasion attack, where an attacker can only add words, API calls or
    bytes to a sample that the model flags as ``classes_[1]`` (spam, malware).

    Parameters
    ----------
    estimator : estimator or Pipeline
        A fitted binary classifier: :class:`~sknonneg.NonNegMLPClassifier`,
        scikit-learn's :class:`~sklearn.neural_network.MLPClassifier`, a linear
        classifier with ``coef_`` (e.g.
        :class:`~sklearn.linear_model.LogisticRegression`), a
        :class:`~sklearn.ensemble.VotingClassifier` with
        ``voting="soft"`` whose every member is one of these; or a fitted
        regressor: :class:`~sknonneg.NonNegMLPRegressor`, scikit-learn's
        :class:`~sklearn.neural_network.MLPRegressor` or a linear regressor with
        ``coef_`` (the score is then the prediction, every output of a
        multi-output one); one of these inside a
        :class:`~sklearn.frozen.FrozenEstimator`, a
        :class:`~sklearn.model_selection.FixedThresholdClassifier` or
        :class:`~sklearn.model_selection.TunedThresholdClassifierCV`, or a binary
        :class:`~sklearn.calibration.CalibratedClassifierCV` (see Notes); or a
        :class:`~sklearn.pipeline.Pipeline` ending in one of these whose other
        steps are per-feature non-decreasing maps (see Notes).

    Returns
    -------
    certificate : MonotoneCertificate
        With ``certified_features_`` (per feature: True where no increase can lower
        the score of ``classes_[1]``), ``feature_signs_``, ``all_certified_`` and
        ``certified_for(target_class)``.

    Raises
    ------
    ValueError
        When the weights do not give a certificate (a hidden-to-hidden or output
        weight is negative; a sknonneg network whose layers after the first were
        not all sign-constrained in its fit, even if their weights are ``>= 0``; a
        two-class softmax; more than two classes; a Pipeline step that is not
        per-feature non-decreasing, a :class:`~sknonneg.NonMonotoneStepError`
        naming it; a hard vote, a negative or non-finite vote
        weight, vote weights whose sum overflows or is 0, or a member of a vote
        that is not certified; a sknonneg network whose ``gain_`` or ``y_scale_`` is not
        positive, or whose ``y_mean_`` is not finite, as no fit leaves it; NaN or
        infinite weights or intercepts; a ``CalibratedClassifierCV`` of more than
        two classes, or whose calibrator is not monotone or not finite, or
        whose inner model is refused).
    UncertifiableModelError
        For models whose weights it does not read (trees, a fitted search ...),
        for subclasses of the classes it reads (every estimator and Pipeline
        step is recognised by its exact class, since a subclass can override what
        it computes), and for an ``ABBAClassifier``, which reaches every feature
        it reads through paths of both signs whatever its weights. A
        :class:`~sknonneg.UncertifiableModelError` is a ``ValueError``, as
        scikit-learn's refusals of an estimator of an unsupported kind are, and a
        ``TypeError``, which it was before.

    See Also
    --------
    additive_evasion_attack : Search for additive perturbations that evade a model.
    sknonneg.NonNegMLPClassifier : ``positive=True, output="logistic"`` and
        ``monotonic_cst`` give the certified models.

    Notes
    -----
    **The certificate follows from the fitted weights alone, and it is exact.**
    Write the network as ``a_0 = x``, ``a_l = f(a_{l-1} W_l + b_l)`` for the
    hidden layers ``l = 1 .. L-1`` and ``s(x) = a_{L-1} v + c``, where ``f`` is
    non-decreasing (for sknonneg ``f(gain * t)`` with ``gain > 0``) and ``v`` is
    the single logistic output column (``P(classes_[1]) = sigmoid(s)``), or
    ``coef_`` of a linear model. If ``W_2, ..., W_{L-1} >= 0`` and ``v >= 0``
    elementwise, and row ``j`` of ``W_1`` is ``>= 0`` (resp. ``<= 0``), then
    ``s`` and ``P(classes_[1])`` are non-decreasing (resp. non-increasing) in
    ``x_j``: an increase of ``x_j`` propagates as a non-negative change through
    every layer. A regressor's outputs are each non-decreasing in the same way.
    So a sample flagged as ``classes_[1]`` stays flagged under any increase of
    certified features: additive evasion succeeds 0% of the time, whatever the
    attack. The proof, and how each model is read: :ref:`certificate-details`.

    *Votes and wrappers.* A soft vote is certified for the features that
    *every* member certifies; a ``FrozenEstimator`` or a threshold classifier
    has its inner model's certificate; a binary ``CalibratedClassifierCV``
    certifies each classifier turned by its calibrator, where all agree, in
    real arithmetic only.

    *What this does not cover.* Non-negative output weights alone are not
    enough: ``positive="output"`` leaves the first layer signed, and
    :func:`additive_evasion_attack` finds evasions through the features it
    leaves uncertified. A two-class softmax is refused. ``monotonic_cst_`` is
    not read: the signs are taken from the weights. The certificate is about
    the features the model reads: on word *counts*, certified means certified
    against adding words; on *frequencies* (dilution) it does not.

    *Pipelines.* The preprocessing steps must be per-feature non-decreasing: the
    supported ones are listed in :mod:`sknonneg.robustness`; anything else (a
    ``Normalizer``, normalised tf-idf, PCA) raises
    :class:`~sknonneg.NonMonotoneStepError`, a ``ValueError``.

    *Floating point.* sknonneg's certified networks (every layer after the first
    sign-constrained in the fit) predict in a fixed order of summation, so their
    computed scores obey the certificate exactly (``exact_`` is True); a
    sknonneg network with a layer after the first that its fit left free is
    refused, even where its weights happen to be ``>= 0``. scikit-learn's
    models predict through BLAS and are certified for the function in real
    arithmetic only: an attacker can gain the rounding of the score
    (:doc:`/robustness`, "Exact as computed, or in real arithmetic").

    References
    ----------
    W. Fleshman, E. Raff, R. Zak, M. McLean and C. Nicholas, "Non-negative networks
    against adversarial attacks", AAAI Workshop on Artificial Intelligence for Cyber
    Security, 2019 (arXiv:1806.06108).

    Q. Wang et al., "Why do networks have inhibitory/negative connections?",
    arXiv:2208.03211, 2022 (non-negative networks preserve elementwise dominance).

    Examples
    --------
    >>> import numpy as np
    >>> from sknonneg import NonNegMLPClassifier
    >>> from sknonneg.robustness import monotone_certificate
    >>> rng = np.random.RandomState(0)
    >>> X = rng.poisson(1.0, size=(200, 5)).astype(float)
    >>> y = (X[:, 0] + X[:, 1] > 2).astype(int)
    >>> clf = NonNegMLPClassifier(hidden_layer_sizes=4, output="logistic",
    ...                           max_iter=30, random_state=0).fit(X, y)
    >>> cert = monotone_certificate(clf)
    >>> cert.all_certified_
    True
    >>> cert.certified_features_
    array([ True,  True,  True,  True,  True])
    >>> cert.exact_  # as computed, not only in real arithmetic
    True
    """
    cert = _certificate(estimator)
    cert.exact_ = _holds_as_computed(estimator)
    return cert


def _holds_as_computed(estimator):
    """Whether a certificate of ``estimator`` holds for its outputs as computed
    (``MonotoneCertificate.exact_``): sknonneg's networks (the certified ones
    predict in a fixed order: a rise of a certified feature never lowers the
    computed score), reached through trusted Pipeline steps (non-decreasing as
    computed: ``check_monotone_step``), a ``FrozenEstimator`` or a threshold
    classifier (their scores are the inner model's), or a soft vote of such
    members (``sum_i w_i p_i / sum_i w_i`` with ``w_i >= 0``: each correctly
    rounded product, sum and quotient is non-decreasing in ``p_i``; a member of
    weight 0 adds ``0 * p_i = 0`` exactly, however its ``p_i`` is rounded). Not
    scikit-learn's models (BLAS sums in an order that depends on how a row is
    passed) nor a calibrator (``interp1d`` rounds a higher score an ulp lower
    just below a knot)."""
    from sklearn.ensemble import VotingClassifier
    from ..neural_network import NonNegMLPClassifier, NonNegMLPRegressor

    inner = _delegate(estimator)
    if inner is not None:
        return _holds_as_computed(inner)
    _, final = split_pipeline(estimator)
    if final is not estimator:
        return _holds_as_computed(final)
    if type(final) is VotingClassifier:
        # Before: a member of weight 0 (which adds exactly 0) that is not exact
        # made the whole vote "in real arithmetic".
        return all(_holds_as_computed(member)
                   for _, member, w in soft_vote_members(final) if w != 0)
    return type(final) in (NonNegMLPClassifier, NonNegMLPRegressor)


def _rewrapped(exc, message):
    """The refusal ``exc`` of a wrapped model, of the same class, with the wrapper's
    ``message``. A :class:`~sknonneg.NonMonotoneStepError` keeps its step, reason
    and name (before, ``type(exc)(message)`` called its constructor without them:
    a FrozenEstimator, VotingClassifier or CalibratedClassifierCV of a Pipeline
    with a non-monotone step raised "NonMonotoneStepError.__init__() missing 2
    required positional arguments" instead of the refusal); a class whose
    constructor takes more than the message becomes its ``ValueError`` or
    ``TypeError`` base."""
    from ..exceptions import NonMonotoneStepError

    if isinstance(exc, NonMonotoneStepError):
        return NonMonotoneStepError(message, exc.step, exc.reason, exc.name)
    try:
        return type(exc)(message)
    except Exception:  # a constructor that needs more than the message
        return (ValueError if isinstance(exc, ValueError) else TypeError)(message)


def _certificate(estimator):
    """:func:`monotone_certificate` but ``exact_``."""
    inner = _delegate(estimator)
    if inner is not None:
        # A FrozenEstimator or a threshold classifier scores with its inner model:
        # its certificate, features and reasons (a vectorizer first included).
        try:
            cert = _certificate(inner)
        except (TypeError, ValueError) as exc:
            raise _rewrapped(exc, f"{type(estimator).__name__} is not certified: "
                                  f"its inner model is not ({exc})") from exc
        cert.model_ = f"{type(estimator).__name__} of {cert.model_}"
        return cert
    if _one_text_calibration(estimator):
        # One calibrated classifier (ensemble=False, or a FrozenEstimator) that
        # starts with a vectorizer reads one vocabulary: its certificate over that
        # vocabulary, turned by its calibrator, as a FrozenEstimator of it has
        # (before: refused as if each fold had fitted its own vocabulary).
        up, down, what, members = _wrapper_signs(estimator, text=True)
        turned = members[0][1]
        cert = MonotoneCertificate(up, down, turned.feature_names_,
                                   np.asarray(estimator.classes_), what)
        cert._explain = _Borrowed(lambda: dict(turned.uncertified_reasons_))
        return cert
    steps, final = split_pipeline(estimator)
    check_is_fitted(final)
    for _, step in steps:
        # Every step, not only the final one (before: an unfitted scaler put back
        # by set_params was a bare AttributeError "'StandardScaler' object has no
        # attribute 'scale_'" from the analysis).
        if step is not None and not (isinstance(step, str) and step == "passthrough"):
            check_is_fitted(step)
    kinds = analyse_steps(steps)
    up_t, down_t, what, members = _final_signs(final)
    if "text" in kinds:  # the first step, after "passthrough" or None ones if any
        vectorizer = steps[kinds.index("text")][1]
        n_features = vectorizer_width(vectorizer)
        # A HashingVectorizer has no vocabulary: its columns are hashes, unnamed.
        names = (np.asarray(vectorizer.get_feature_names_out(), dtype=object)
                 if hasattr(vectorizer, "vocabulary_") else None)
    else:
        # Before: a Pipeline starting with "passthrough" (no n_features_in_) took
        # the final step's width, and the features a selector dropped before it
        # were lost (a feature that lowered the score was never reported).
        n_features = input_attribute(estimator, "n_features_in_", up_t.shape[0])
        names = input_attribute(estimator, "feature_names_in_")
    # text=True: a vectorizer inside a ColumnTransformer maps its text column to
    # counts of the words added to it.
    reasons = []
    column, source, monotone = feature_edges(steps, kinds, n_features, text=True,
                                             reasons=reasons)
    if column.size and column.max() >= up_t.shape[0]:  # pragma: no cover - defensive
        raise ValueError("could not map the Pipeline's features to the final step's.")
    # Features dropped by a selector or a ColumnTransformer cannot change the score:
    # both directions hold. A feature that feeds several columns (RampTransformer)
    # holds a direction when every one of them does; through a column that is not
    # a non-decreasing function of it alone (a one-hot code), only when the model
    # does not read that column at all (its weights hold both directions: zero).
    up_t, down_t = np.asarray(up_t, dtype=bool), np.asarray(down_t, dtype=bool)
    unread = up_t & down_t
    up = np.ones(n_features, dtype=bool)
    down = np.ones(n_features, dtype=bool)
    np.logical_and.at(up, source, np.where(monotone, up_t[column], unread[column]))
    np.logical_and.at(down, source, np.where(monotone, down_t[column],
                                             unread[column]))
    if steps:
        what = " -> ".join(["passthrough" if s is None or isinstance(s, str)
                            else type(s).__name__ for _, s in steps] + [what])
    classes = getattr(final, "classes_", None)
    cert = MonotoneCertificate(up, down, names,
                               None if classes is None else np.asarray(classes), what)
    cert._explain = _UncertifiedReasons(up, down, reasons, (column, source, monotone),
                                        up_t, down_t, steps, final, names, members)
    return cert


class _UncertifiedReasons:
    """What ``uncertified_reasons_`` is built from, computed with whole-array
    operations (before: a loop over the features, each comparing every pair: 30 s
    for a ``HashingVectorizer(n_features=2**18)`` before a ``positive="output"``
    network, whose hashed columns are mostly uncertified, against 0.07 s for the
    rest of the certificate); the strings are made in :meth:`build`, when read."""

    def __init__(self, up, down, reasons, edges, up_t, down_t, steps, final, names,
                 members):
        from sklearn.ensemble import VotingClassifier

        column, source, monotone = edges
        n = up.shape[0]
        uncertified = ~up & ~down
        unread = up_t & down_t
        self.features = np.flatnonzero(uncertified)
        self.names = None if names is None else [str(name) for name in names]
        # A reason holds for a feature through the pairs whose column the model
        # reads: a block whose columns it does not read (zero weights, or a later
        # selector dropped them) is not blamed.
        self.blamed = []
        for message, col, feature in reasons:
            hit = np.unique(feature[~unread[col]])
            self.blamed.append((message, hit[uncertified[hit]]))
        # The model's own inputs that go both ways, per uncertified feature.
        mixed = monotone & ~up_t[column] & ~down_t[column] & uncertified[source]
        order = np.argsort(source[mixed], kind="stable")
        self.mixed_features = source[mixed][order]
        self.mixed_columns = column[mixed][order]
        self.read = np.zeros(n, dtype=bool)
        self.read[source[monotone]] = True
        cst = fitted_attribute(final, "monotonic_cst_", None)
        self.free = None
        if cst is not None and self.mixed_columns.size:
            held = np.asarray(cst)[self.mixed_columns] != 0
            self.free = np.bincount(self.mixed_features[held], minlength=n) == 0
        inputs = final_step_names(steps, final)
        self.inputs = None if inputs is None else np.asarray(inputs, dtype=object)
        # Where the final step's inputs have no names (a FunctionTransformer
        # without feature_names_out before it, say) but the features have: the
        # features each input is made from, to name it by them (before: "its input
        # 0" for word_freq_make, the name the reason is keyed by).
        self.made_from = None
        if self.inputs is None and self.names is not None and column.size:
            pairs = np.unique(np.stack([column, source]), axis=1)
            n_inputs = up_t.shape[0]
            self.made_from = (pairs[1], np.searchsorted(pairs[0], np.arange(n_inputs)),
                              np.searchsorted(pairs[0], np.arange(n_inputs), "right"),
                              np.bincount(pairs[1], minlength=n))
        self.owner = type(final).__name__
        self.vote = members is not None
        # A vote's members are named "its member 'm0'", a wrapper's inner models
        # by their attribute ("its estimator_").
        self.member_word = ("its member {!r}" if isinstance(final, VotingClassifier)
                            else "its {}")
        self.members = members

    def _input(self, c):
        """The final step's input ``c`` in words: its name where known; else, where
        it is made from one feature alone that makes no other input (a chain of
        one-to-one steps), that feature's name; else its position, with the names
        of the features it is made from; its position alone where no name is
        known."""
        return self._inputs([c])

    def _inputs(self, shown, more=""):
        """:meth:`_input` of each column of ``shown``, then ``more``; the features
        they are made from said once where they are the same for all."""
        if self.inputs is not None:
            return ", ".join(repr(self.inputs[c]) for c in shown) + more
        if self.made_from is None:
            return ", ".join(str(c) for c in shown) + more
        sources, starts, ends, n_inputs = self.made_from
        made = [tuple(sources[starts[c]:ends[c]].tolist()) for c in shown]
        if all(len(m) == 1 and n_inputs[m[0]] == 1 for m in made):
            return ", ".join(repr(self.names[m[0]]) for m in made) + more

        def words(m):
            listed = ", ".join(repr(self.names[j]) for j in m[:3])
            return f" (made from {listed}{', ...' if len(m) > 3 else ''})" if m else ""

        if len(set(made)) == 1:
            return ", ".join(str(c) for c in shown) + more + words(made[0])
        return ", ".join(f"{c}{words(m)}" for c, m in zip(shown, made)) + more

    def _vote_why(self, c):
        """Why a soft vote proves no direction in its input ``c``: a member that
        proves none (its own reason), or members certified in opposite ones."""
        why = []
        for label, cert in self.members:
            if cert.feature_signs_[c] == 0:
                key = (int(c) if cert.feature_names_ is None
                       else str(cert.feature_names_[c]))
                why.append(f"{self.member_word.format(label)} proves none: "
                           f"{cert.uncertified_reasons_.get(key, 'no reason given')}")
        if why:
            return "; ".join(why)
        ups = [label for label, cert in self.members if cert.feature_signs_[c] > 0]
        downs = [label for label, cert in self.members if cert.feature_signs_[c] < 0]
        who = ("its members" if self.member_word.startswith("its member")
               else "its calibrated classifiers")
        return (f"{who} go in opposite directions in it (non-decreasing: "
                f"{ups}; non-increasing: {downs})")

    def build(self):
        by_feature = {}
        for message, hit in self.blamed:
            for j in hit.tolist():
                by_feature.setdefault(j, []).append(message)
        groups, first, counts = np.unique(self.mixed_features, return_index=True,
                                          return_counts=True)
        where = dict(zip(groups.tolist(), zip(first.tolist(), counts.tolist())))
        columns = self.mixed_columns.tolist()
        read = self.read.tolist()
        out = {}
        for j in self.features.tolist():
            why = list(dict.fromkeys(by_feature.get(j, ())))
            if j in where:
                start, count = where[j]
                shown = columns[start:start + min(count, 5)]
                more = ", ..." if count > 5 else ""
                if self.vote:
                    why.extend(f"{self.owner} proves no direction in its input "
                               f"{self._input(c)}: {self._vote_why(c)}" for c in shown)
                    if more:
                        why.append(f"and in {count - 5} more of its inputs")
                else:
                    which = self._inputs(shown, more)
                    why.append(f"{self.owner} proves no direction in its input "
                               f"{which}: its weights on it have both signs"
                               + (" (monotonic_cst leaves it free: 0)"
                                  if self.free is not None and self.free[j] else ""))
            elif read[j] and not why:
                why.append(f"it feeds {self.owner}'s inputs that go in opposite "
                           "directions")
            key = j if self.names is None else self.names[j]
            out[key] = "; ".join(why) if why else "no direction could be proven"
        return out


def _final_signs(final):
    """``(up, down, what, members)`` over the input features of the final step:
    where its score of ``classes_[1]`` is proven non-decreasing, non-increasing,
    what was certified, in words, and a soft vote's ``(label, certificate)`` per
    member (None for other models)."""
    from sklearn.ensemble import VotingClassifier

    _check_trusted_final(final)
    if isinstance(final, VotingClassifier):
        return _soft_vote_signs(final)
    kinds = _wrapper_classes()
    if type(final) in (kinds["frozen"], *kinds["threshold"], kinds["calibrated"]):
        return _wrapper_signs(final)
    from ..neural_network import NonNegMLPClassifier, NonNegMLPRegressor

    layers, what = _network_layers(final)
    # Before: a NaN or infinite weight or intercept (set by hand, or a diverged
    # fit of scikit-learn's) was read by its sign: an inf certified its feature,
    # a NaN in the output layer none, while the model's scores are NaN.
    ours = isinstance(final, (NonNegMLPClassifier, NonNegMLPRegressor))
    _, intercepts, nonneg = (fitted_network(final) if ours
                             else (None, getattr(final, "intercepts_", None), None))
    if intercepts is None:
        intercepts = [getattr(final, "intercept_", 0.0)]
    n_bad = sum(int(np.count_nonzero(~np.isfinite(np.asarray(A, dtype=np.float64))))
                for A in list(layers) + list(intercepts))
    if n_bad:
        raise ValueError(
            f"{type(final).__name__} is not certified: its weights and intercepts "
            f"hold {n_bad} NaN or infinite value(s), with which its scores are not "
            "finite numbers whose direction a certificate could state. Refit it.")
    for i, W in enumerate(layers[1:], start=2):
        if np.any(W < 0):
            where = "output" if i == len(layers) else f"hidden layer {i}"
            raise ValueError(
                f"{type(final).__name__} is not certified: the weights of layer {i} "
                f"({where}) have {int(np.sum(W < 0))} negative entries, so a hidden "
                "unit that grows can lower the score. The certificate needs every "
                "layer after the first >= 0: "
                + (_REFIT_HINT if ours else "scikit-learn's networks cannot be "
                   "constrained; fit sknonneg's " + _REFIT_HINT_CLASS)
                + "."
            )
    # The layers fitted sign-constrained non-negative, read from the network as
    # it computes (fitted_network): it predicts in a fixed order exactly when
    # every layer after the first is (_fixed_order reads the same flags). Before,
    # from weight_constraints_, a public list that describes them and can be set:
    # with ["nonneg", "nonneg"] set on a positive="hidden" network whose free
    # output weights happened to be >= 0, it was certified, exact_ True, while
    # it predicts through BLAS (below).
    free = ([i + 1 for i, kept in enumerate(nonneg) if i > 0 and not kept]
            if ours else [])
    if free:
        # Before: the signs of the fitted weights alone were read, and a network
        # whose later layers are free in its layout (positive=False, "hidden",
        # the regressor's default "auto") was certified whenever its free weights
        # happened to be >= 0. Such a network predicts through BLAS, whose order
        # of summation depends on a row's batch: a certified feature's rise
        # lowered its computed output by an ulp and flipped predict's class.
        raise ValueError(
            f"{type(final).__name__} is not certified: its weight layer(s) {free} "
            "were fitted free (not sign-constrained: positive=False, 'hidden', "
            "'output' with two or more hidden layers, or the regressor's default "
            "'auto' without monotonic_cst), so their signs are not constraints of "
            "the fit; and a network with a free layer after the first predicts "
            "through BLAS, whose order of summation depends on the batch, so its "
            "prediction does not keep monotonicity exact in floating point even "
            f"where the free weights happen to be >= 0. Refit with {_REFIT_HINT}."
        )
    first = np.asarray(layers[0], dtype=np.float64)
    return np.all(first >= 0, axis=1), np.all(first <= 0, axis=1), what, None


# What to refit with for a certificate, in the refusals' words.
_REFIT_HINT = ("positive=True (every feature non-decreasing), or monotonic_cst for "
               "per-feature directions (with positive=True, or the regressor's "
               "default 'auto'), and output='logistic' for a classifier")
_REFIT_HINT_CLASS = ("NonNegMLPClassifier(positive=True, output='logistic'), or "
                     "monotonic_cst for per-feature directions")


def _soft_vote_signs(voting):
    """Signs of a soft vote: the features that every member certifies."""
    name = type(voting).__name__
    if voting.voting != "soft":
        raise ValueError(
            f"{name}(voting={voting.voting!r}) is not certified: a hard vote has no "
            "score (no predict_proba) whose direction the certificate could state. "
            "Use voting='soft', whose averaged probability is non-decreasing "
            "wherever every member's is."
        )
    classes = voting.classes_
    if len(classes) != 2:
        raise ValueError(f"monotone_certificate needs a binary classifier; {name} "
                         f"has {len(classes)} classes.")
    members = soft_vote_members(voting)
    negative = [label for label, _, w in members if not w >= 0]
    if negative:
        raise ValueError(
            f"{name} is not certified: the weight(s) of {negative} are negative (or "
            "NaN), so a member whose probability grows can lower the average. The "
            "certificate needs weights >= 0."
        )
    # predict_proba is np.average: sum_i w_i p_i / sum_i w_i. An infinite weight
    # makes it inf / inf = NaN; weights whose sum overflows divide by inf (0, or
    # NaN). Before, both were certified. With sum_i w_i <= max / 2 (exactly), no
    # partial sum in any order rounds to inf, and for a fixed order
    # each rounded step is non-decreasing in every p_i: the computed average is.
    weights = [w for _, _, w in members]
    limit = np.finfo(np.float64).max / 2
    # fsum (exact) of the weights scaled by 2**-60 (exact but for subnormal bits),
    # which cannot overflow in fsum's intermediate sums as the weights can.
    if not all(np.isfinite(weights)) or not (
            math.fsum(math.ldexp(w, -60) for w in weights) <= math.ldexp(limit, -60)):
        raise ValueError(
            f"{name} is not certified: its weights {weights} are not finite or "
            f"their sum exceeds {limit:.3g} (half the largest float), so "
            "predict_proba's weighted average can overflow (NaN or 0). Rescale the "
            "weights: only their ratios matter."
        )
    if not any(w > 0 for w in weights):
        # Before: certified, though predict_proba (np.average) raises
        # ZeroDivisionError: there is no score whose direction could be stated.
        raise ValueError(
            f"{name} is not certified: its weights {weights} sum to 0, so "
            "predict_proba cannot average its members' probabilities (it raises "
            "ZeroDivisionError) and there is no score to certify. Give at least one "
            "member a positive weight."
        )
    # Through the wrappers too: a FrozenEstimator of a Pipeline that starts with a
    # vectorizer was certified over its own vocabulary's columns, and intersected
    # with another member's by position.
    up, down, certs = _agreed_signs(
        name, [(label, member, 1) for label, member, _ in members],
        "member {!r}", "members",
        "it starts with a vectorizer; put the vectorizer before the "
        f"{name}, so that every member reads the same features")
    what = f"{name}(voting='soft') of {len(members)} certified members"
    return up, down, what, certs


def _agreed_signs(name, members, who, plural, text_refusal):
    """``(up, down, certs)``: the certificate of each of ``members`` (``(label,
    model, how)``, ``how`` the direction in which its score is passed on: 1 for a
    vote's member, its calibrator's for a calibrated classifier), turned by ``how``,
    and the features where all of them hold a direction. ``who`` names one in
    messages (formatted with its label), ``plural`` all of them; ``text_refusal``
    is why a model that starts with a vectorizer is refused, None where it is
    not."""
    up = down = None
    certs = []
    for label, model, how in members:
        try:
            if text_refusal is not None and _reads_text(model):
                raise ValueError(text_refusal)
            cert = monotone_certificate(model)
        except (TypeError, ValueError) as exc:
            raise _rewrapped(exc, f"{name} is not certified: its "
                                  f"{who.format(label)} is not ({exc})") from exc
        if up is not None and cert.n_features_ != up.shape[0]:
            raise ValueError(f"{name}'s {plural} read different numbers of features.")
        cert = _turned(cert, how)
        certs.append((label, cert))
        # A regressor's certificate (FrozenEstimator) has no classes_.
        up = cert._up if up is None else up & cert._up
        down = cert._down if down is None else down & cert._down
    return up, down, certs


# ------------------------------------------------ scikit-learn's probability wrappers
def _wrapper_classes():
    """The wrappers read, by exact class: ``FrozenEstimator``, the two threshold
    classifiers and ``CalibratedClassifierCV``; and the private classes a fitted
    ``CalibratedClassifierCV`` is made of (None where this scikit-learn has not
    got one)."""
    import sklearn.calibration as calibration
    from sklearn.frozen import FrozenEstimator
    from sklearn.model_selection import (FixedThresholdClassifier,
                                         TunedThresholdClassifierCV)

    return {"frozen": FrozenEstimator,
            "threshold": (FixedThresholdClassifier, TunedThresholdClassifierCV),
            "calibrated": calibration.CalibratedClassifierCV,
            "pair": getattr(calibration, "_CalibratedClassifier", None),
            "sigmoid": getattr(calibration, "_SigmoidCalibration", None),
            "temperature": getattr(calibration, "_TemperatureScaling", None)}


def _delegate(estimator):
    """The fitted model that a ``FrozenEstimator`` or a threshold classifier (by
    exact class) scores with, else None: their ``predict_proba`` and
    ``decision_function`` are that model's, unchanged."""
    classes = _wrapper_classes()
    if type(estimator) is classes["frozen"]:
        check_is_fitted(estimator)
        return estimator.estimator
    if type(estimator) in classes["threshold"]:
        check_is_fitted(estimator, "estimator_")
        return estimator.estimator_
    return None


def _reads_text(estimator):
    """Whether ``estimator`` starts with a text vectorizer, seen through Pipelines
    and the wrappers read here: its features are then the vocabulary it fitted,
    which another model (a vote's other member, a calibrated classifier fitted on
    another fold) does not share."""
    steps, final = split_pipeline(estimator)
    if "text" in analyse_steps(steps):
        return True
    inner = _delegate(final)
    if inner is not None:
        return _reads_text(inner)
    if type(final) is _wrapper_classes()["calibrated"]:
        return any(_reads_text(getattr(pair, "estimator", None))
                   for pair in getattr(final, "calibrated_classifiers_", ()))
    return False


def _one_text_calibration(estimator):
    """Whether ``estimator`` is a fitted ``CalibratedClassifierCV`` (exact class)
    of one calibrated classifier that starts with a vectorizer."""
    if type(estimator) is not _wrapper_classes()["calibrated"]:
        return False
    check_is_fitted(estimator)
    pairs = list(getattr(estimator, "calibrated_classifiers_", ()))
    return len(pairs) == 1 and _reads_text(getattr(pairs[0], "estimator", None))


class _Borrowed:
    """The reasons of another certificate, read when first asked for."""

    def __init__(self, build):
        self.build = build


def _turned(cert, how):
    """``cert``, the inner model's, as a calibrator that is a non-decreasing
    (``how=1``) or non-increasing (``-1``) function of its score, or a constant
    (``"both"``), leaves it."""
    if how == 1:
        return cert
    if how == -1:
        out = MonotoneCertificate(cert._down, cert._up, cert.feature_names_,
                                  cert.classes_, cert.model_)
        out._explain = _Borrowed(lambda: dict(cert.uncertified_reasons_))
        return out
    every = np.ones(cert.n_features_, dtype=bool)
    return MonotoneCertificate(every, every, cert.feature_names_, cert.classes_,
                               cert.model_)


def _calibrator_direction(pair, name):
    """How a fitted ``_CalibratedClassifier`` of a binary ``CalibratedClassifierCV``
    maps its estimator's score of ``classes_[1]`` (its decision function, else
    its probability) to ``predict_proba[:, 1]``: ``1`` non-decreasing, ``-1``
    non-increasing, ``"both"`` constant. ``ValueError`` for a state it cannot
    read."""
    from scipy.interpolate import interp1d
    from sklearn.isotonic import IsotonicRegression

    kinds = _wrapper_classes()
    method = getattr(pair, "method", None)
    calibrators = list(getattr(pair, "calibrators", ()))
    if len(calibrators) != 1:
        raise ValueError(f"{name} is not certified: a binary calibrated classifier "
                         f"has one calibrator, this one {len(calibrators)}.")
    calibrator = calibrators[0]
    kind = type(calibrator)
    if method == "isotonic" and kind is IsotonicRegression:
        # predict: np.clip to [X_min_, X_max_] (out_of_bounds="clip"), then linear
        # interpolation through (X_thresholds_, y_thresholds_); a NaN or infinite
        # score is refused by its check_array. Non-decreasing when the y's are.
        x = np.asarray(calibrator.X_thresholds_, dtype=np.float64)
        y = np.asarray(calibrator.y_thresholds_, dtype=np.float64)
        if calibrator.out_of_bounds != "clip":
            raise ValueError(
                f"{name} is not certified: its IsotonicRegression has out_of_bounds="
                f"{calibrator.out_of_bounds!r}, not 'clip' (the one "
                "CalibratedClassifierCV fits), so a score outside its fitted range is "
                "NaN or an error, not its end value.")
        if (x.shape != y.shape or x.size == 0 or not np.all(np.isfinite(x))
                or not np.all(np.isfinite(y)) or np.any(np.diff(x) <= 0)):
            raise ValueError(f"{name} is not certified: its IsotonicRegression's "
                             "thresholds are not finite, strictly increasing X's with "
                             "one finite y each.")
        # predict interpolates with f_, which the fit (and unpickling) builds from
        # the thresholds, an interp1d of copies of them (a constant for a single
        # one); scikit-learn lets the thresholds be set without it. Before, only
        # the thresholds were read: with y_thresholds_ set reversed, the
        # certificate reversed every direction while predict_proba still rose.
        f = getattr(calibrator, "f_", None)
        if isinstance(f, interp1d):
            fx = np.asarray(f.x, dtype=np.float64)
            fy = np.asarray(f.y, dtype=np.float64)
            same = (fx.shape == x.shape and fy.shape == y.shape
                    and np.array_equal(fx, x) and np.array_equal(fy, y))
        elif x.size == 1:
            same = callable(f)
        else:
            # Not scikit-learn's interpolation (a newer scikit-learn, or f_ set by
            # hand): nothing to hold the thresholds to. Before, refused with the
            # message below, which blamed thresholds set since the fit.
            raise ValueError(
                f"{name} is not certified: its IsotonicRegression's f_, which its "
                f"predict applies, is a {type(f).__name__}, not the "
                "scipy.interpolate.interp1d of its X_thresholds_ and y_thresholds_ "
                "that scikit-learn's fit builds, so what it computes cannot be read "
                "from them. Use method='sigmoid', or check_monotonic for an "
                "empirical audit.")
        if not same:
            raise ValueError(f"{name} is not certified: its IsotonicRegression's "
                             "interpolation f_, which its predict applies, is not "
                             "the one of its X_thresholds_ and y_thresholds_ (set "
                             "since the fit?), so they do not say what it "
                             "computes. Refit it.")
        step = np.diff(y)
        if np.all(step == 0):
            return "both"
        if np.all(step >= 0):
            return 1
        if np.all(step <= 0):
            return -1
        raise ValueError(f"{name} is not certified: its IsotonicRegression's "
                         "y_thresholds_ rise and fall, so it is not monotone.")
    if (method == "sigmoid" and kinds["sigmoid"] is not None
            and kind is kinds["sigmoid"]):
        # predict: expit(-(a_ * score + b_)).
        a, b = float(calibrator.a_), float(calibrator.b_)
        if not (math.isfinite(a) and math.isfinite(b)):
            raise ValueError(f"{name} is not certified: its sigmoid calibrator's a_ = "
                             f"{a!r}, b_ = {b!r} are not finite.")
        # a_ < 0: increasing in the score; a_ > 0: decreasing (the signs flip);
        # a_ == 0: the constant expit(-b_), both directions (a score that
        # overflows to inf makes it 0 * inf = NaN: real arithmetic, see Notes).
        return "both" if a == 0 else 1 if a < 0 else -1
    if (method == "temperature" and kinds["temperature"] is not None
            and kind is kinds["temperature"]):
        # predict: softmax(beta_ * [-d, d]) of a decision function d (sigmoid(2
        # beta_ d)), or softmax(beta_ * log([1 - p, p] + eps)) of a probability p:
        # both increasing in the score for beta_ > 0.
        beta = float(np.asarray(calibrator.beta_, dtype=np.float64))
        if not (math.isfinite(beta) and beta > 0):
            raise ValueError(f"{name} is not certified: its temperature calibrator's "
                             f"beta_ = {beta!r} is not finite and positive.")
        return 1
    raise ValueError(f"{name} is not certified: its calibrator "
                     f"{type(calibrator).__name__} for method={method!r} is not one "
                     "it reads (IsotonicRegression for 'isotonic', scikit-learn's "
                     "sigmoid calibrator for 'sigmoid', its temperature scaling for "
                     "'temperature', each by exact class).")


def _wrapper_signs(final, text=False):
    """``(up, down, what, members)`` of a ``FrozenEstimator``, a threshold
    classifier or a ``CalibratedClassifierCV`` (exact classes), over their input
    features: their inner models' certificates, turned as their calibrators turn
    the score, where all of them agree. ``text``: an inner model may start with
    a vectorizer (a ``CalibratedClassifierCV`` of one calibrated classifier,
    certified on its own: its features are that vectorizer's vocabulary)."""
    name = type(final).__name__
    kinds = _wrapper_classes()
    inner = _delegate(final)
    if inner is not None:
        members = [("estimator" if type(final) is kinds["frozen"] else "estimator_",
                    inner, 1)]
        what = name
    else:
        check_is_fitted(final)
        classes = np.asarray(final.classes_)
        if len(classes) != 2:
            raise ValueError(
                f"{name} is not certified: it is fitted to {len(classes)} classes; "
                "with more than two, each class's calibrated probability is divided "
                "by the sum of them all, which is not monotone per class (a rise of "
                "another class's can lower it). The certificate needs a binary "
                "problem.")
        pairs = list(getattr(final, "calibrated_classifiers_", ()))
        if not pairs:
            raise ValueError(f"{name} is not certified: it has no calibrated "
                             "classifiers, so predict_proba averages none.")
        members = []
        for i, pair in enumerate(pairs):
            label = f"calibrated_classifiers_[{i}]"
            if kinds["pair"] is None or type(pair) is not kinds["pair"]:
                raise UncertifiableModelError(
                    f"{name} cannot be certified: its {label} is a "
                    f"{type(pair).__name__}, not the calibrated classifier it reads.")
            inner = pair.estimator
            own = np.asarray(getattr(inner, "classes_", ()))
            # Temperature scaling fits its classifiers to string labels encoded as
            # 0, 1 (LabelEncoder: i stands for classes_[i]).
            encoded = (pair.method == "temperature" and own.dtype.kind in "iu"
                       and own.tolist() == [0, 1])
            if not (np.array_equal(np.asarray(pair.classes), classes)
                    and (encoded or np.array_equal(own, classes))):
                raise ValueError(f"{name} is not certified: its {label} or its "
                                 "estimator has other classes than its classes_ "
                                 f"{classes.tolist()}.")
            members.append((label, inner,
                            _calibrator_direction(pair, f"{name}'s {label}")))
        what = (f"{name}(method={pairs[0].method!r}) of {len(pairs)} calibrated "
                "classifier(s)")
    text_refusal = None if text else (
        f"it starts with a vectorizer, and each of the {len(members)} "
        "calibrated classifiers fitted its own vocabulary; put the "
        f"vectorizer before the {name}, or fit it with ensemble=False "
        "(one classifier, one vocabulary)"
        if len(members) > 1 else
        "it starts with a vectorizer; put the vectorizer before the "
        f"{name}, so that it reads the same features throughout")
    up, down, certs = _agreed_signs(name, members, "{}", "calibrated classifiers",
                                    text_refusal)
    return up, down, f"{what} of {certs[0][1].model_}", certs
