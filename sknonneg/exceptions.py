"""Warnings and errors raised by sknonneg's estimators and tools."""

from sklearn.exceptions import ConvergenceWarning

__all__ = ["DegenerateFitWarning", "InconsistentVersionWarning", "InputScaleWarning",
           "NonMonotoneStepError", "UncertifiableModelError"]


class DegenerateFitWarning(ConvergenceWarning):
    """A fit that ended no better than a constant prediction.

    Raised at the end of ``fit`` when the fitted classifier predicts the same label
    (or the same label set) for every training sample although several are present,
    or when its training log-loss is no better than that of the class-prior model
    (the constant predictor of the class frequencies), or, with several labels
    (multilabel), when one of them is fitted so (named by index); for a regressor,
    when its training R^2 (weighted, averaged over the targets that vary) is at most
    0.01, no better than predicting the mean of each target, or that of one of them;
    for ``NonNegAutoencoder``, when its training reconstruction error (the mean
    squared error per entry, weighted) is at least 0.99 times that of
    reconstructing every row by their weighted mean row (data in which no column
    varies are not checked).
    Rows of weight zero do not count, nor those early stopping holds out (the
    training rows are checked), and a fit whose weighted rows hold one label
    (a target that does not vary) does not warn. When the sign constraints make
    every output monotone (every weight >= 0 with logistic or identity outputs, or
    ``monotonic_cst``), the message says so: an output that moves against them
    cannot be fitted. The message says "worse than" the constant model where the
    fit's loss exceeds the constant model's by more than 1% of it (a log-loss, a
    squared error or deviance, a reconstruction error), else "no better than".
    When every column of ``X`` is constant on the rows fitted
    (all zero, say), it says that no setting can help (in a ``dtype="float32"``
    fit, unless ``X`` varies below float32's precision: then ``dtype="float64"``
    or scaling). A subclass of
    :class:`sklearn.exceptions.ConvergenceWarning`, so filters on that class cover it.

    See Also
    --------
    InputScaleWarning : Inputs far from unit scale.
    sklearn.exceptions.ConvergenceWarning : The optimizer did not converge.

    Examples
    --------
    >>> import warnings
    >>> from sknonneg.exceptions import DegenerateFitWarning
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", DegenerateFitWarning)
    ...     pass  # a fit that collapses would raise here
    """


class InconsistentVersionWarning(UserWarning):
    """An object loaded from a file that another version of sknonneg saved.

    sknonneg's counterpart of :class:`sklearn.exceptions.InconsistentVersionWarning`
    (which scikit-learn raises for its own estimators only). Every sknonneg
    estimator, and the other objects it saves (``RampTransformer``,
    ``MonotoneCertificate``, ``EvasionResult``, ``MonotonicityReport``), records
    the version of sknonneg that pickled it (``sknonneg.__version__``) in its
    state; loading it with another version warns this, once per object, through
    ``pickle``, ``joblib`` and :func:`sknonneg.persist.load` alike. A file saved
    before sknonneg recorded its version warns with the version ``"unknown"`` (not
    for a subclass of yours whose own ``__getstate__`` or ``__reduce__`` leaves
    the version out, whose states never hold one). Its
    parameters and fitted layout may differ between versions, so the loaded model
    may fail or give other results: refit it with this version, or load it with
    the version that saved it. ``warnings.simplefilter("error",
    InconsistentVersionWarning)`` turns it into an error. Copies (``clone``,
    ``copy.deepcopy``) and round trips within one version do not warn. Each
    parameter is kept as the attribute of its name, as in scikit-learn's warning.

    Parameters
    ----------
    estimator_name : str
        The class name of the loaded object.
    current_sknonneg_version : str
        The version of sknonneg that loads it.
    original_sknonneg_version : str
        The version that saved it, or ``"unknown"`` for a file saved before
        sknonneg recorded its version.

    See Also
    --------
    sknonneg.persist.load : Load a file saved with skops.
    sklearn.exceptions.InconsistentVersionWarning : The same for scikit-learn.

    Examples
    --------
    >>> import pickle, warnings
    >>> from sknonneg import NonNegMLPClassifier
    >>> from sknonneg.exceptions import InconsistentVersionWarning
    >>> blob = pickle.dumps(NonNegMLPClassifier())
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("error", InconsistentVersionWarning)
    ...     model = pickle.loads(blob)  # the same version: no warning
    """

    def __init__(self, *, estimator_name, current_sknonneg_version,
                 original_sknonneg_version):
        self.estimator_name = estimator_name
        self.current_sknonneg_version = current_sknonneg_version
        self.original_sknonneg_version = original_sknonneg_version
        super().__init__(self._message())

    def _message(self):
        saved = self.original_sknonneg_version
        by = ("an unknown version of sknonneg (one that did not record its "
              "version)" if saved == "unknown" else f"sknonneg {saved}")
        use = ("the version that saved it" if saved == "unknown"
               else f"sknonneg {saved}, the version that saved it")
        return (f"Loading {self.estimator_name} saved by {by} with sknonneg "
                f"{self.current_sknonneg_version}: its parameters or fitted state "
                "may differ between versions, so the model may not work or may give "
                f"other results. Refit it with this version, or load it with {use}.")

    def __str__(self):
        return self._message()

    def __reduce__(self):
        # Rebuilt from its keyword arguments: the default rebuilds a warning from
        # ``args`` (the message), which this __init__ refuses (a warning turned
        # into an error in a joblib or Dask worker is pickled back).
        return (_inconsistent_version_warning, (self.estimator_name,
                self.current_sknonneg_version, self.original_sknonneg_version),
                self.__dict__)


def _inconsistent_version_warning(estimator_name, current, original):
    return InconsistentVersionWarning(estimator_name=estimator_name,
                                      current_sknonneg_version=current,
                                      original_sknonneg_version=original)


class InputScaleWarning(UserWarning):
    """Input columns far from unit scale.

    Raised once per fit when the largest root-mean-square of an input column is
    above ``100`` (raw MNIST pixels, 0 to 255: 178) or the largest is below
    ``1e-3``, or above 10 and 100 times the
    median of the non-zero columns' (measured on up to 2000 rows drawn from the
    data, as the initialisation reads them): a network whose first layer is
    non-negative, with sigmoid units, trains best on inputs of order one (a
    ``MinMaxScaler`` or ``StandardScaler`` in a ``Pipeline``). Also raised by
    ``NonNegAutoencoder`` by its own rules (its ``decoder`` parameter): with
    ``decoder="sigmoid"``, which reconstructs values in [0, 1] only, for data
    outside that range or whose largest value is below 0.2; with
    ``decoder="linear"``, for columns of root-mean-square above 3 or data whose
    largest absolute value is below 0.1.

    See Also
    --------
    DegenerateFitWarning : A fit no better than a constant prediction.

    Examples
    --------
    >>> from sknonneg.exceptions import InputScaleWarning
    >>> issubclass(InputScaleWarning, UserWarning)
    True
    """


class NonMonotoneStepError(ValueError):
    """A Pipeline step that does not carry a monotone direction.

    Raised by :func:`sknonneg.robustness.monotone_certificate` (and the tools that
    read a Pipeline's steps as it does) for a step that is not one of the
    per-feature non-decreasing maps it certifies through (``np.negative`` in a
    ``FunctionTransformer``, a ``PCA``, a vectorizer that normalises its rows):
    the message names the step and says why, and lists the supported steps. A
    subclass of :class:`ValueError`, so ``except ValueError`` covers it.

    Parameters
    ----------
    message : str
        The whole message.
    step : object
        The refused step (a transformer, or a ColumnTransformer's block).
    reason : str
        Why it is refused, the message's reason alone.
    name : str, default=None
        The refused step's name in its Pipeline.

    Attributes
    ----------
    step : object
        The refused step.
    reason : str
        Why it is refused.
    name : str or None
        The refused step's name.

    See Also
    --------
    sknonneg.robustness.monotone_certificate : Which features cannot lower a score.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import FunctionTransformer
    >>> from sknonneg.exceptions import NonMonotoneStepError
    >>> from sknonneg.robustness import monotone_certificate
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> model = make_pipeline(FunctionTransformer(np.negative),
    ...                       LogisticRegression()).fit(X, [0, 0, 1, 1])
    >>> try:
    ...     monotone_certificate(model)
    ... except NonMonotoneStepError as error:
    ...     print(type(error.step).__name__, isinstance(error, ValueError))
    FunctionTransformer True
    """

    def __init__(self, message, step, reason, name=None):
        super().__init__(message)
        self.step, self.reason, self.name = step, reason, name

    def __reduce__(self):
        # Rebuilt from all of its arguments (and its notes): the default rebuilds
        # an exception from ``args``, the message alone, which this __init__
        # refuses. Before, pickle (a refusal raised in a joblib or Dask worker)
        # and copy.copy raised a TypeError instead.
        return (type(self), (*self.args[:1], self.step, self.reason, self.name),
                self.__dict__)


class UncertifiableModelError(ValueError, TypeError):
    """A model of a kind that :func:`~sknonneg.robustness.monotone_certificate` refuses.

    Raised for a model whose weights it does not read (a tree ensemble, a fitted
    search: certify its ``best_estimator_``), for a subclass of a class it reads
    (a subclass can override what its base computes), and for an
    :class:`~sknonneg.ABBAClassifier`, whose logits reach every feature it reads
    through paths of both signs whatever its non-negative weights; the message
    says which and why. A subclass of :class:`ValueError`, as every other refusal
    of ``monotone_certificate`` and scikit-learn's refusals of an estimator of a
    kind they do not support (``partial_dependence``, ``SelectFromModel``), and of
    :class:`TypeError`, which it raised before, so that ``except TypeError``
    still covers it (scikit-learn's ``InvalidParameterError`` is both as well).

    See Also
    --------
    sknonneg.robustness.monotone_certificate : Which features cannot lower a score.
    NonMonotoneStepError : A Pipeline step that does not carry a monotone direction.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.tree import DecisionTreeClassifier
    >>> from sknonneg.exceptions import UncertifiableModelError
    >>> from sknonneg.robustness import monotone_certificate
    >>> X = np.array([[0.0], [1.0], [2.0], [3.0]])
    >>> tree = DecisionTreeClassifier().fit(X, [0, 0, 1, 1])
    >>> try:
    ...     monotone_certificate(tree)
    ... except ValueError as error:
    ...     print(type(error).__name__, isinstance(error, TypeError))
    UncertifiableModelError True
    """
