"""Which Pipeline steps keep a monotone certificate, and how features flow through them.

A step keeps the certificate when each of its output features is a non-decreasing
function of one input feature (or a selection of input features). The supported
steps, each checked on its fitted state:

* ``"passthrough"`` / ``None``;
* :class:`~sklearn.preprocessing.MaxAbsScaler` (``x / s``, ``s > 0``),
  :class:`~sklearn.preprocessing.MinMaxScaler` (``x * s + m``, ``s > 0`` since
  ``feature_range`` is increasing; ``clip=True`` clips, which is non-decreasing),
  :class:`~sklearn.preprocessing.StandardScaler` and
  :class:`~sklearn.preprocessing.RobustScaler` (``(x - c) / s``, ``s > 0``),
  :class:`~sklearn.preprocessing.Binarizer` (``x > threshold``);
* :class:`~sklearn.preprocessing.FunctionTransformer` whose ``func`` is ``None`` or
  one of the NumPy ufuncs of :data:`MONOTONE_UFUNCS`, without ``kw_args`` (any other
  function cannot be verified and is refused);
* :class:`~sklearn.feature_extraction.text.TfidfTransformer` with ``norm=None``
  (``tf * idf``, ``idf >= 1``); ``sublinear_tf=True`` (``1 + log(tf)`` on non-zero
  entries, which is below 0 for ``0 < tf < 1/e``) only right after a count
  vectorizer, whose outputs are integers;
* feature selectors (:class:`~sklearn.feature_selection.SelectorMixin`: dropped
  features cannot change the score at all);
* :class:`~sknonneg.preprocessing.RampTransformer`: each output column is a
  non-decreasing function of one input feature, exactly as computed (a feature is
  certified when every column made from it is);
* as the first step only, on raw text: :class:`~sklearn.feature_extraction.text.
  CountVectorizer` and :class:`~sklearn.feature_extraction.text.TfidfVectorizer`
  (``norm=None``) with ``analyzer="word"`` and ``ngram_range=(1, 1)``: adding a word
  to a text raises that word's count and changes no other (with word n-grams,
  inserting a word between two others removes the n-gram they formed).

Refused: :class:`~sklearn.preprocessing.Normalizer` and normalised tf-idf (adding one
word lowers every other feature), PCA and other projections, polynomial or spline
features, column transformers, and anything not listed.
"""

import numpy as np
from sklearn.feature_extraction.text import (
    CountVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.feature_selection import SelectorMixin
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    Binarizer,
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    RobustScaler,
    StandardScaler,
)

__all__ = ["MONOTONE_UFUNCS", "analyse_steps", "check_monotone_step", "feature_source",
           "split_pipeline"]

#: NumPy ufuncs that are non-decreasing on their whole domain (``FunctionTransformer``).
MONOTONE_UFUNCS = (np.log1p, np.log, np.log2, np.log10, np.sqrt, np.cbrt, np.exp,
                   np.expm1, np.exp2, np.arcsinh, np.tanh, np.arctan, np.sign,
                   np.floor, np.ceil, np.rint, np.trunc)


def split_pipeline(estimator):
    """``(steps, final)``: the fitted transformers before the final step, and it."""
    if not isinstance(estimator, Pipeline):
        return [], estimator
    steps = [(name, step) for name, step in estimator.steps[:-1]]
    return steps, estimator.steps[-1][1]


def _refuse(name, step, why):
    raise ValueError(
        f"Pipeline step {name!r} ({type(step).__name__}) does not keep a monotone "
        f"certificate: {why}. Supported steps are per-feature non-decreasing maps "
        "(MaxAbsScaler, MinMaxScaler, StandardScaler, RobustScaler, Binarizer, "
        "FunctionTransformer with a monotone NumPy ufunc, TfidfTransformer(norm=None), "
        "feature selectors, RampTransformer, and a word-unigram CountVectorizer / "
        "TfidfVectorizer(norm=None) as the first step); see "
        "sknonneg.robustness.monotone_certificate."
    )


def _check_vectorizer(name, step):
    if step.analyzer != "word":
        _refuse(name, step, f"analyzer={step.analyzer!r}: adding characters or "
                            "calling a custom analyzer can lower other features")
    if tuple(step.ngram_range) != (1, 1):
        _refuse(name, step, f"ngram_range={step.ngram_range}: inserting a word "
                            "between two others removes the n-gram they formed")
    if isinstance(step, TfidfVectorizer) and step.norm is not None:
        _refuse(name, step, f"norm={step.norm!r}: normalising lowers every other "
                            "feature when a word is added")


def check_monotone_step(name, step, position, after_counts):
    """Raise ``ValueError`` unless ``step`` is per-feature non-decreasing.

    ``position`` is the step's index in the Pipeline; ``after_counts`` says whether
    the step's input is the output of a count vectorizer (integer counts).
    Returns ``"text"`` for a vectorizer, ``"select"`` for a selector, ``"expand"``
    for a ``RampTransformer`` (several output columns per input feature), else
    ``"elementwise"``.
    """
    from ..preprocessing import RampTransformer

    if step is None or (isinstance(step, str) and step == "passthrough"):
        return "elementwise"
    if isinstance(step, (CountVectorizer,)):
        if position != 0:
            _refuse(name, step, "a vectorizer must be the first step (it reads text)")
        _check_vectorizer(name, step)
        return "text"
    if isinstance(step, SelectorMixin):
        return "select"
    if isinstance(step, RampTransformer):
        return "expand"
    if isinstance(step, (MaxAbsScaler, MinMaxScaler, RobustScaler, Binarizer)):
        scale = getattr(step, "scale_", None)
        if scale is not None and np.any(np.asarray(scale) <= 0):
            _refuse(name, step, "a fitted scale is not positive")
        return "elementwise"
    if isinstance(step, StandardScaler):
        if step.scale_ is not None and np.any(step.scale_ <= 0):
            _refuse(name, step, "a fitted scale is not positive")
        return "elementwise"
    if isinstance(step, FunctionTransformer):
        func = step.func
        if func is not None and not any(func is u for u in MONOTONE_UFUNCS):
            _refuse(name, step, f"func={func!r} is not a known non-decreasing ufunc "
                                "(see sknonneg.robustness.MONOTONE_UFUNCS)")
        if step.kw_args:
            _refuse(name, step, "kw_args may change what func computes")
        return "elementwise"
    if isinstance(step, TfidfTransformer):
        if step.norm is not None:
            _refuse(name, step, f"norm={step.norm!r}: normalising lowers every other "
                                "feature when one grows")
        if step.sublinear_tf and not after_counts:
            _refuse(name, step, "sublinear_tf=True maps tf in (0, 1/e) below its value "
                                "at 0; it is monotone on integer counts only (put it "
                                "right after a CountVectorizer)")
        return "elementwise"
    _refuse(name, step, "it is not a known per-feature non-decreasing map")


def analyse_steps(steps):
    """Check every step (``ValueError`` for one that breaks the certificate);
    return their kinds (see :func:`check_monotone_step`)."""
    kinds = []
    after_counts = False
    for position, (name, step) in enumerate(steps):
        kind = check_monotone_step(name, step, position, after_counts)
        kinds.append(kind)
        after_counts = kind == "text" and not isinstance(step, TfidfVectorizer)
    return kinds


def feature_source(steps, kinds, n_features):
    """Index of the input feature that each final-estimator feature depends on."""
    source = np.arange(n_features)
    for (_, step), kind in zip(steps, kinds):
        if kind == "text":
            source = np.arange(len(step.vocabulary_))
        elif kind == "select":
            source = source[step.get_support(indices=True)]
        elif kind == "expand":
            source = source[np.asarray(step._output_sources(), dtype=np.intp)]
    return source
