r"""Which Pipeline steps keep a monotone certificate, and how features flow through them.

Read by the robustness tools (the certificate, the attack) and by
``check_monotonic`` (which maps a final step's constraints back to the input
columns); it depends on no satellite but ``preprocessing`` (``RampTransformer``).

A step keeps the certificate when each of its output features is a non-decreasing
function of one input feature (or a selection of input features). The supported
steps, each checked on its fitted state:

* ``"passthrough"`` / ``None``;
* :class:`~sklearn.preprocessing.MaxAbsScaler` (``x / s``, ``s > 0``),
  :class:`~sklearn.preprocessing.MinMaxScaler` (``x * s + m``, ``s > 0`` since
  ``feature_range`` is increasing; ``clip=True`` clips, which is non-decreasing),
  :class:`~sklearn.preprocessing.StandardScaler` and
  :class:`~sklearn.preprocessing.RobustScaler` (``(x - c) / s``, ``s > 0``),
  :class:`~sklearn.preprocessing.Binarizer` (``x > threshold``); a fitted scale
  set to a value that is not positive (NaN included), or an offset (``c``, ``m``)
  that the transform applies set to a non-finite one, is refused (not the NaN
  scale and offset a fit gives a column all NaN in it, which a later
  ``SimpleImputer`` fills or drops);
* :class:`~sklearn.preprocessing.FunctionTransformer` whose ``func`` is ``None`` or
  one of the NumPy ufuncs of :data:`MONOTONE_UFUNCS`, without ``kw_args`` (any other
  function cannot be verified and is refused). The list holds the ufuncs whose
  *computed* values are non-decreasing: exact or correctly rounded ones (``sqrt``,
  ``sign``, ``floor``, ``ceil``, ``rint``, ``trunc``), and ``log1p``, ``log2``,
  ``exp2`` and ``arcsinh``, whose float32 values were checked over every input (in
  float64, where no exhaustive check is possible, 1e7 adjacent pairs each showed no
  fall), with NumPy 2.4 on x86-64, with and without its AVX-512 (SKX) code paths
  (``benchmarks/results/ufunc_monotone_scan*.md``); NumPy's implementations
  differ between CPUs and versions, and other platforms are unchecked
  (``benchmarks/ufunc_monotone_scan.py`` runs the scan). ``exp``, ``log``,
  ``log10``, ``cbrt``, ``expm1``, ``tanh`` and ``arctan`` are refused: NumPy does not round them correctly, and at some adjacent float32
  inputs their computed values fall by an ulp;
* :class:`~sklearn.feature_extraction.text.TfidfTransformer` with ``norm=None``
  (``tf * idf``, ``idf >= 1`` as fitted; an ``idf_`` set to a negative or
  non-finite weight is refused); ``sublinear_tf=True`` (``1 + log(tf)`` on
  non-zero entries, which is below 0 for ``0 < tf < 1/e``) only right after a
  count vectorizer, whose outputs are integers;
* scikit-learn's feature selectors (those of ``sklearn.feature_selection``:
  dropped features cannot change the score at all);
* :class:`~sklearn.impute.SimpleImputer` with ``missing_values=np.nan`` (its
  default): a value that is not missing passes through unchanged, so a rise of a
  present value is the same rise of its output (any ``strategy``: the fill only
  replaces missing values, and going from missing to present is no rise). Its
  ``add_indicator`` columns depend only on whether a value is missing, which no
  rise changes, and a column it drops (no observed value at fit) cannot change
  the score. With ``missing_values`` a number (``0``, ``-1``) it is refused: the
  rise from that number to a present value below the fill lowers the output;
* :class:`~sknonneg.preprocessing.RampTransformer`: each output column is a
  non-decreasing function of one input feature, exactly as computed (a feature is
  certified when every column made from it is);
* :class:`~sklearn.compose.ColumnTransformer`: each of its transformers sees only
  its own columns, so each output column depends on those alone. A transformer
  that is one of the maps listed here (or a Pipeline of them, or ``"passthrough"``)
  keeps its columns' certificates; any other (``OneHotEncoder``,
  ``SimpleImputer(missing_values=0)``, ``PCA`` ...) is read as an arbitrary
  function of its columns, which are then certified only if the model does not
  read its outputs at all. Dropped columns cannot change the score. A transformer
  that starts with one of the vectorizers below (alone, or first in a Pipeline of
  the maps listed here) on one text column, selected by a single name or index
  (``("body", CountVectorizer(), "body")``: a list would hand it a DataFrame),
  maps that column to counts of the words added to it, under the same rules as a
  vectorizer that starts the Pipeline: the text column is certified when every
  column made from it is, so that adding words to it cannot lower the score (a
  vectorizer those rules refuse, ``TfidfVectorizer()`` normalised, n-grams ...,
  leaves its text column uncertified). For the certificate only:
  ``check_monotonic`` and the attack raise input values as numbers, which a text
  column is not;
* as the first step only (after ``"passthrough"`` or None steps, if any), on raw
  text: :class:`~sklearn.feature_extraction.text.CountVectorizer` and
  :class:`~sklearn.feature_extraction.text.TfidfVectorizer` (``norm=None``) with
  ``analyzer="word"`` and ``ngram_range=(1, 1)``: adding a word to a text (between
  spaces) raises that word's count and changes no other (with word n-grams,
  inserting a word between two others removes the n-gram they formed). The tokens
  must be runs of word characters (the default ``token_pattern``, or
  ``r"(?u)\b\w+\b"``), without a custom ``tokenizer``,
  ``preprocessor`` or callable ``strip_accents`` (which could drop or merge words;
  ``"ascii"`` and ``"unicode"`` are accepted), reading the texts themselves
  (``input="content"``, not file names or files), and the counts of an integer
  ``dtype`` of at least 32 bits (narrower ones wrap around) or a float one
  (``sublinear_tf`` not on float32 counts, whose NumPy log is not monotone). A
  fitted ``TfidfVectorizer`` transforms with the ``TfidfTransformer`` its fit
  made, with the ``norm`` and ``sublinear_tf`` of the fit: one whose parameters
  were changed since is refused (refit it).
  :class:`~sklearn.feature_extraction.text.HashingVectorizer` under the same
  rules, with ``alternate_sign=False`` (with ``True`` a word whose hash has the
  negative sign adds -1 to its column) and ``norm=None``: each added word adds 1
  to the column its hash picks. Words whose hashes collide share a column, which
  counts them all, so the certificate is over the hashed columns: a certified
  column is one that no added word hashed to it can lower the score through;
  with every column certified, no added word can.

Each class is recognised by its exact type: a subclass can override what its base
computes, and is refused (inside a ``ColumnTransformer``, read as an arbitrary map
of its columns), as are selectors from outside ``sklearn.feature_selection``.

Refused as Pipeline steps: :class:`~sklearn.preprocessing.Normalizer` and
normalised tf-idf (adding one word lowers every other feature), PCA and other
projections, polynomial or spline features, and anything not listed (inside a
``ColumnTransformer`` they make only their own columns uncertified, as above).
"""

from numbers import Integral, Real

import numpy as np
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.feature_selection import SelectorMixin
from sklearn.impute import SimpleImputer
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    Binarizer,
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)

from .exceptions import NonMonotoneStepError
from .preprocessing import RampTransformer
from .preprocessing._ramps import output_sources

__all__ = ["MONOTONE_UFUNCS", "analyse_steps", "check_monotone_step", "feature_edges",
           "feature_source", "final_step_names", "flat_steps", "input_attribute",
           "is_passthrough",
           "split_pipeline", "step_refusal", "vectorizer_width"]

#: NumPy ufuncs whose computed values are non-decreasing (``FunctionTransformer``):
#: exact or correctly rounded (``sqrt``, ``sign``, ``floor``, ``ceil``, ``rint``,
#: ``trunc``), or checked over every float32 input (``log1p``, ``log2``, ``exp2``,
#: ``arcsinh``: no fall with NumPy 2.4 on x86-64; other platforms unchecked:
#: ``benchmarks/results/ufunc_monotone_scan.md``).
MONOTONE_UFUNCS = (np.log1p, np.log2, np.sqrt, np.exp2, np.arcsinh, np.sign, np.floor,
                   np.ceil, np.rint, np.trunc)

# Non-decreasing functions whose NumPy values are not: at some pairs of adjacent
# float32 inputs the computed value falls by an ulp (np.exp(-1.7328681) >
# np.exp(-1.732868); 19,245 such pairs for exp, 2 for tanh: the scan above).
_ROUNDED_NOT_MONOTONE = (np.log, np.log10, np.cbrt, np.exp, np.expm1, np.tanh,
                         np.arctan)


#: Token patterns of whole runs of word characters between word boundaries: a word
#: inserted between spaces leaves every other token as it was.
_SAFE_TOKEN_PATTERNS = (r"(?u)\b\w\w+\b", r"(?u)\b\w+\b", r"\b\w\w+\b", r"\b\w+\b")


def is_passthrough(step):
    """Whether a Pipeline step is ``"passthrough"`` or None: it changes nothing."""
    return step is None or (isinstance(step, str) and step == "passthrough")


def flat_steps(steps, prefix=""):
    """The steps of a Pipeline with every nested Pipeline replaced by its own steps
    (named ``outer__inner``): applying them in turn is applying the Pipeline."""
    for name, step in steps:
        if type(step) is Pipeline:  # a subclass may not apply its steps in turn
            yield from flat_steps(step.steps, f"{prefix}{name}__")
        else:
            yield f"{prefix}{name}", step


def split_pipeline(estimator):
    """``(steps, final)``: the fitted transformers before the final step, and it;
    nested Pipelines (a step, or the final step, that is itself a Pipeline) are
    flattened."""
    if type(estimator) is not Pipeline:  # a subclass: read as a final estimator
        return [], estimator
    steps = list(flat_steps(estimator.steps))
    return steps[:-1], steps[-1][1]


def final_step_names(steps, final):
    """Names of the final step's input features, as str: its ``feature_names_in_``,
    else the preceding steps' ``get_feature_names_out()``; None when neither is
    known."""
    names = getattr(final, "feature_names_in_", None)
    if names is None and steps:
        try:
            names = Pipeline(steps).get_feature_names_out()
        except Exception:  # a step without get_feature_names_out, say
            names = None
    return None if names is None else [str(n) for n in names]


def input_attribute(estimator, attribute, default=None):
    """``n_features_in_`` or ``feature_names_in_`` of what ``estimator`` reads: its
    own, else (a Pipeline whose first steps are ``"passthrough"`` or None, which has
    none) that of its first step that is not, which reads the same columns."""
    value = getattr(estimator, attribute, None)
    if value is not None or not isinstance(estimator, Pipeline):
        return default if value is None else value
    for _, step in flat_steps(estimator.steps):
        if step is None or (isinstance(step, str) and step == "passthrough"):
            continue
        value = getattr(step, attribute, None)
        break
    return default if value is None else value


# What a ColumnTransformer's transformer that is not a monotone map is said to keep
# none of, in the monotone certificate's reasons (feature_edges' ``direction``).
_CERTIFIED = "certified direction"


def step_refusal(name, step, why, keeps="a monotone certificate"):
    """The head of a refused step's message: "Pipeline step 'scale' (PCA) does not
    keep a monotone certificate: <why>". ``keeps``: what it does not keep (the
    certificate's words by default; the empirical audit rewords a
    :class:`~sknonneg.exceptions.NonMonotoneStepError` with its own)."""
    return f"Pipeline step {name!r} ({type(step).__name__}) does not keep {keeps}: {why}"


def _refuse(name, step, why):
    raise NonMonotoneStepError(
        f"{step_refusal(name, step, why)}. Supported steps are per-feature non-decreasing maps "
        "(MaxAbsScaler, MinMaxScaler, StandardScaler, RobustScaler, Binarizer, "
        "FunctionTransformer with a monotone NumPy ufunc, TfidfTransformer(norm=None), "
        "feature selectors, SimpleImputer(missing_values=np.nan), RampTransformer, "
        "a ColumnTransformer of these, and a word-unigram CountVectorizer / "
        "TfidfVectorizer(norm=None) / HashingVectorizer(alternate_sign=False, "
        "norm=None) as the first step, or first on one text column of a "
        "ColumnTransformer); see "
        "sknonneg.robustness.monotone_certificate.", step, why, name
    )


def _check_idf(name, step):
    """A fitted tf-idf weighting's ``idf_`` (``TfidfTransformer`` multiplies every
    column by it whenever the attribute exists; a ``TfidfVectorizer`` through the
    transformer its fit made) must be finite and ``>= 0``: a fit gives ``>= 1``, but
    scikit-learn lets it be set, and a negative weight turns a rise of the column
    into a fall (before, certified)."""
    idf = getattr(step, "idf_", None)
    if idf is None:
        return
    idf = np.asarray(idf, dtype=np.float64)
    if not np.all(np.isfinite(idf) & (idf >= 0)):
        _refuse(name, step, "its idf_ holds negative or non-finite weights (a fit "
                            "gives weights >= 1), so a rise of a count can lower "
                            "its column")


# The fitted offset each scaler's transform applies, and the parameter that
# switches it on (None: always applied).
_SCALER_OFFSETS = {StandardScaler: ("mean_", "with_mean"),
                   RobustScaler: ("center_", "with_centering"),
                   MinMaxScaler: ("min_", None)}


def _empty_columns(step, n):
    """The columns of which a fitted scaler saw no value (all NaN in its fit):
    scikit-learn's scalers disregard NaN in fit and keep it in transform, so such
    a column's fitted scale and offset are NaN and it transforms every value to
    NaN, for a later ``SimpleImputer`` to fill or drop. Read from the fit's own
    record of the column, not from the scale or offset: ``n_samples_seen_`` 0
    (StandardScaler), ``data_min_`` and ``data_max_`` NaN (MinMaxScaler),
    ``max_abs_`` NaN (MaxAbsScaler); a RobustScaler keeps no other record than
    its ``center_`` and ``scale_``, both NaN (those it has) there."""
    def nan_at(attr):
        value = getattr(step, attr, None)
        if value is None or np.shape(value) != (n,):
            return np.zeros(n, dtype=bool)
        return np.isnan(np.asarray(value, dtype=np.float64))

    if isinstance(step, StandardScaler):
        seen = getattr(step, "n_samples_seen_", None)
        if np.ndim(seen) == 1 and np.shape(seen) == (n,):
            return np.asarray(seen) == 0
        return np.zeros(n, dtype=bool)
    if isinstance(step, MinMaxScaler):
        return nan_at("data_min_") & nan_at("data_max_")
    if isinstance(step, MaxAbsScaler):
        return nan_at("max_abs_")
    if isinstance(step, RobustScaler) and (step.center_ is not None
                                           or step.scale_ is not None):
        center = step.center_ is None or nan_at("center_")
        return center & (step.scale_ is None or nan_at("scale_"))
    return np.zeros(n, dtype=bool)


def _check_scaler(name, step):
    """A fitted scaler's ``scale_`` must be positive (``(x - c) / s`` and ``x * s +
    m`` are non-decreasing in ``x`` only for ``s > 0``), and the offset its
    transform applies finite. A fit gives both, but scikit-learn lets them be set:
    before, ``np.any(scale_ <= 0)`` let a NaN ``scale_`` through (``NaN <= 0`` is
    False), and a pipeline whose every transformed value is NaN, which its model
    refuses, was certified, as was one with an infinite ``mean_``, ``center_`` or
    ``min_`` (every value infinite); a network's NaN or infinite weights, its
    ``y_mean_`` and a tf-idf ``idf_`` were already refused so. The NaN scale and
    offset a fit gives a column it saw no value of (``_empty_columns``) are not
    refused: that column is NaN whatever its value, as scikit-learn means it to
    be, for a later ``SimpleImputer`` (before 20b245e they were refused,
    and with them ``make_pipeline(StandardScaler(), SimpleImputer(), model)``
    fitted on data with a column all NaN, certified before)."""
    scale = getattr(step, "scale_", None)
    if scale is not None:
        scale = np.asarray(scale, dtype=np.float64)
        empty = _empty_columns(step, scale.shape[-1]) if scale.ndim == 1 else False
        if not np.all((scale > 0) | (empty & np.isnan(scale))):
            _refuse(name, step, "a fitted scale is not positive (or is NaN)")
    attr, switch = _SCALER_OFFSETS.get(type(step), (None, None))
    offset = getattr(step, attr, None) if attr is not None else None
    if offset is not None and (switch is None or getattr(step, switch, True)):
        offset = np.asarray(offset, dtype=np.float64)
        empty = _empty_columns(step, offset.shape[-1]) if offset.ndim == 1 else False
        if not np.all(np.isfinite(offset) | (empty & np.isnan(offset))):
            _refuse(name, step, f"its fitted {attr} is not finite, so every value "
                                "it transforms is infinite or NaN (a fit gives a "
                                "finite one)")


def _check_fitted_tfidf(name, step):
    """A fitted ``TfidfVectorizer`` transforms with the ``TfidfTransformer`` its
    fit made, with the ``norm`` and ``sublinear_tf`` it had then: a parameter set
    after the fit is not applied. Before, ``set_params(norm=None)`` on a vectorizer
    fitted with ``norm="l2"`` was certified, while every transform still
    normalised and an added word lowered the score."""
    # The transformer is scikit-learn's private ``_tfidf`` (no public attribute
    # holds it); without it, refused rather than certified on the parameters.
    fitted = getattr(step, "_tfidf", None)
    if fitted is None:
        _refuse(name, step, "the weighting its fit made (scikit-learn's _tfidf, which "
                            "its transform applies) cannot be read: fit it first, "
                            "or this version of scikit-learn keeps it elsewhere")
    for param in ("norm", "sublinear_tf"):
        now, then = getattr(step, param), getattr(fitted, param, None)
        if now != then:
            _refuse(name, step, f"{param}={now!r} was set after the fit, but its "
                                f"transform still applies the fitted {param}={then!r} "
                                "(a TfidfVectorizer transforms with the "
                                "TfidfTransformer its fit made); refit it")
    _check_idf(name, step)  # its idf_: the fitted transformer's


def _check_vectorizer(name, step, computed=True):
    if isinstance(step, TfidfVectorizer):
        _check_fitted_tfidf(name, step)
    if step.input != "content":
        _refuse(name, step, f"input={step.input!r}: the column holds file names or "
                            "file objects, not the counted text, so what is added to "
                            "it is not a word (use input='content')")
    if step.analyzer != "word":
        _refuse(name, step, f"analyzer={step.analyzer!r}: adding characters or "
                            "calling a custom analyzer can lower other features")
    if tuple(step.ngram_range) != (1, 1):
        _refuse(name, step, f"ngram_range={step.ngram_range}: inserting a word "
                            "between two others removes the n-gram they formed")
    if isinstance(step, (TfidfVectorizer, HashingVectorizer)) and step.norm is not None:
        _refuse(name, step, f"norm={step.norm!r}: normalising lowers every other "
                            "feature when a word is added")
    if isinstance(step, HashingVectorizer) and step.alternate_sign:
        # Each token adds +1 or -1 to its hashed column (by the sign of its
        # hash): an added word can lower its column.
        _refuse(name, step, "alternate_sign=True: a word whose hash has the "
                            "negative sign lowers its column when it is added "
                            "(use alternate_sign=False, with norm=None)")
    for param in ("tokenizer", "preprocessor"):
        if getattr(step, param) is not None:
            _refuse(name, step, f"a custom {param} cannot be verified: it can drop "
                                "or merge words when one is added")
    # strip_accents="ascii" / "unicode" (and lowercase) keep the certificate. Each
    # maps the text through NFKD (or str.lower), then drops characters (non-ASCII,
    # or combining marks). Decomposition and lowercasing act character by character,
    # and the reordering of combining marks stops at a space (a starter), so with a
    # word W added between spaces the mapped text is the mapped original with the
    # mapped W added between the same spaces: the other words' tokens are unchanged.
    # The mapped W gives zero, one or several tokens ("ﬁle" -> "file", "a½" ->
    # "a12"), or a token equal to another word's ("café" and "cafe" share the
    # column "cafe"): each only adds to some counts, and a column that sums the
    # counts of several raw words is non-decreasing in each. A callable
    # strip_accents is applied to the whole text like a preprocessor, and can drop
    # or merge words (before, it was accepted while a custom preprocessor was
    # refused). stop_words (tokens left out), a fitted or given vocabulary
    # (max_features, min_df, max_df: tokens outside it are ignored) and
    # binary=True (min(count, 1)) are non-decreasing per token as well.
    if callable(step.strip_accents):
        _refuse(name, step, "a callable strip_accents cannot be verified: it is "
                            "applied to the whole text, like a preprocessor, and can "
                            "drop or merge words when one is added (accepted: "
                            "'ascii', 'unicode' or None)")
    if step.token_pattern not in _SAFE_TOKEN_PATTERNS:
        _refuse(name, step, f"token_pattern={step.token_pattern!r} cannot be "
                            "verified (anchors, look-arounds or tokens across "
                            "spaces can change other tokens when a word is added); "
                            "accepted: " + ", ".join(map(repr, _SAFE_TOKEN_PATTERNS)))
    dtype = np.dtype(step.dtype)
    if dtype.kind in "iu" and dtype.itemsize < 4:
        _refuse(name, step, f"dtype={dtype.name}: counts above "
                            f"{np.iinfo(dtype).max} wrap around to a lower value")
    if (computed and isinstance(step, TfidfVectorizer) and step.sublinear_tf
            and dtype == np.float32):
        _refuse(name, step, _FLOAT32_LOG)


# NumPy's float32 log is not correctly rounded: over the integer counts 1 .. 2**24
# it falls by an ulp at 8 adjacent pairs (np.log(np.float32(11940145)) <
# np.log(np.float32(11940144)), NumPy 2.4, x86-64); in float64 (counts below 2**31,
# their logs at least 1 / 2**31 apart, about 10**5 ulp) it cannot.
_FLOAT32_LOG = ("sublinear_tf=True on float32 counts computes 1 + log(tf) in "
                "float32, whose NumPy log falls by an ulp between some adjacent "
                "counts (11,940,144 -> 11,940,145); use dtype=np.float64")


def _trusted_classes():
    from sklearn.compose import ColumnTransformer

    return (ColumnTransformer, CountVectorizer, TfidfVectorizer, HashingVectorizer,
            RampTransformer,
            MaxAbsScaler, MinMaxScaler, RobustScaler, Binarizer, StandardScaler,
            QuantileTransformer, FunctionTransformer, TfidfTransformer, SimpleImputer,
            Pipeline)


def _check_trusted(name, step):
    """Steps are recognised by their exact class. Before, by isinstance: a subclass
    of StandardScaler whose transform negated was certified, as if it scaled."""
    cls = type(step)
    if cls in _trusted_classes():
        return
    if isinstance(step, SelectorMixin):
        if cls.__module__.startswith("sklearn.feature_selection."):
            return
        _refuse(name, step, "it is not one of scikit-learn's own feature selectors "
                            "(sklearn.feature_selection); other selectors and "
                            "subclasses are not trusted: their transform may be "
                            "other than the selection get_support reports")
    for base in _trusted_classes():
        if isinstance(step, base):
            _refuse(name, step, f"it is a subclass of {base.__name__}, which can "
                                f"override what {base.__name__} computes; subclasses "
                                f"are not trusted (use {base.__name__} itself)")


def check_monotone_step(name, step, position, after_counts, computed=True):
    """Raise ``ValueError`` unless ``step`` is per-feature non-decreasing.

    ``position`` is the step's index among the Pipeline's steps that are not
    ``"passthrough"`` or None (a vectorizer must be at 0: it reads the raw text);
    ``after_counts`` says whether the step's input is the output of a count
    vectorizer (integer counts).
    ``computed``: the step's computed values must be non-decreasing (the
    certificate's need); ``False``: non-decreasing as a function suffices (to map a
    constraint's direction to the raw features, as ``check_monotonic`` does: it
    measures the computed values itself).
    Returns ``"text"`` for a vectorizer, ``"select"`` for a selector, ``"impute"``
    for a ``SimpleImputer`` (it can drop columns and append indicators),
    ``"expand"`` for a ``RampTransformer`` (several output columns per input feature),
    ``"columns"`` for a ``ColumnTransformer`` (see :func:`feature_edges`), else
    ``"elementwise"``.
    """
    from sklearn.compose import ColumnTransformer

    if step is None or (isinstance(step, str) and step == "passthrough"):
        return "elementwise"
    _check_trusted(name, step)
    if isinstance(step, ColumnTransformer):
        return "columns"
    if isinstance(step, (CountVectorizer, HashingVectorizer)):
        if position != 0:
            _refuse(name, step, 'a vectorizer must be the first step that is not '
                                '"passthrough" or None (it reads text)')
        _check_vectorizer(name, step, computed)
        return "text"
    if isinstance(step, SelectorMixin):
        return "select"
    if isinstance(step, SimpleImputer):
        missing = step.missing_values
        if not (isinstance(missing, Real) and not isinstance(missing, bool)
                and np.isnan(missing)):
            _refuse(name, step, f"missing_values={step.missing_values!r} is a value: "
                                "a rise from it to a present value below the fill "
                                "lowers the output (use missing_values=np.nan)")
        return "impute"
    if isinstance(step, RampTransformer):
        return "expand"
    if isinstance(step, (MaxAbsScaler, MinMaxScaler, RobustScaler, StandardScaler,
                         Binarizer)):
        _check_scaler(name, step)
        return "elementwise"
    if isinstance(step, QuantileTransformer):
        # Non-decreasing in each feature as a function (an interpolation of its
        # sorted quantiles, then a non-decreasing output distribution): the
        # direction of a constraint maps through it (before: check_monotonic
        # refused it as "not keeping features apart", against the user guide).
        if computed:
            _refuse(name, step, "its interpolation is non-decreasing as a function, "
                                "but its computed values are NumPy's interpolation, "
                                "which sknonneg does not verify")
        return "elementwise"
    if isinstance(step, FunctionTransformer):
        func = step.func
        rounded = any(func is u for u in _ROUNDED_NOT_MONOTONE)
        if rounded and computed:
            _refuse(name, step, f"func=np.{func.__name__} is non-decreasing as a "
                                "function, but NumPy's computed values are not: at some "
                                "adjacent float32 inputs they fall by an ulp (see "
                                "sknonneg.robustness.MONOTONE_UFUNCS for the ufuncs "
                                "that keep the certificate, e.g. np.log1p, np.log2, "
                                "np.exp2, np.sqrt)")
        if func is not None and not rounded and not any(
                func is u for u in MONOTONE_UFUNCS):
            _refuse(name, step, f"func={func!r} is not a known non-decreasing ufunc "
                                "(see sknonneg.robustness.MONOTONE_UFUNCS)")
        if step.kw_args:
            _refuse(name, step, "kw_args may change what func computes")
        return "elementwise"
    if isinstance(step, TfidfTransformer):
        _check_idf(name, step)
        if step.norm is not None:
            _refuse(name, step, f"norm={step.norm!r}: normalising lowers every other "
                                "feature when one grows")
        if step.sublinear_tf and not after_counts:
            _refuse(name, step, "sublinear_tf=True maps tf in (0, 1/e) below its value "
                                "at 0; it is monotone on integer counts only (put it "
                                "right after a CountVectorizer)")
        return "elementwise"
    _refuse(name, step, "it is not a known per-feature non-decreasing map")


def analyse_steps(steps, computed=True):
    """Check every step (``ValueError`` for one that breaks the certificate);
    return their kinds (see :func:`check_monotone_step`, also for ``computed``)."""
    kinds = []
    after_counts = False
    # "passthrough" and None steps change nothing and are not counted: a vectorizer
    # after them is the first step that reads the input (before, one after a
    # "passthrough" was refused as "not the first step", while one inside a nested
    # Pipeline was accepted).
    position, previous = 0, None
    for name, step in steps:
        kind = check_monotone_step(name, step, position, after_counts, computed)
        if is_passthrough(step):
            kinds.append(kind)
            continue
        if (computed and after_counts and isinstance(step, TfidfTransformer)
                and step.sublinear_tf and np.dtype(previous.dtype) == np.float32):
            _refuse(name, step, _FLOAT32_LOG.replace(
                "use dtype", "give the vectorizer dtype"))
        kinds.append(kind)
        after_counts = kind == "text" and not isinstance(step, TfidfVectorizer)
        position, previous = position + 1, step
    return kinds


def _identity(n):
    cols = np.arange(n)
    return cols, cols.copy(), np.ones(n, dtype=bool)


def _compose(edges, step_edges):
    """Edges to the raw features of a step's outputs: ``step_edges`` (step output,
    step input, monotone) after ``edges`` (step input, raw feature, monotone)."""
    col, raw, mono = edges
    out, inp, step_mono = step_edges
    order = np.argsort(col, kind="stable")
    col, raw, mono = col[order], raw[order], mono[order]
    start = np.searchsorted(col, inp, side="left")
    stop = np.searchsorted(col, inp, side="right")
    counts = stop - start
    pick = np.repeat(start - np.cumsum(counts) + counts, counts) + np.arange(
        counts.sum())
    return (np.repeat(out, counts), raw[pick],
            np.repeat(step_mono, counts) & mono[pick])


def _forward(pending, edges, step_edges, local):
    """The reasons of :func:`feature_edges` past one step: ``pending``'s pairs
    (step input, feature) carried to the step's outputs, and the step's own
    ``local`` ones, ``(reason, output, input)`` over its columns, mapped back to
    the features through ``edges``; as ``[(reason, (output, feature, _)), ...]``,
    one composition per reason (no loop over columns)."""
    pending = [(m, _compose(e, step_edges)) for m, e in pending]
    for reason, out, inp in local or ():
        out, inp = np.asarray(out, dtype=np.intp), np.asarray(inp, dtype=np.intp)
        pending.append((reason, _compose(edges, (out, inp,
                                                  np.ones(out.size, dtype=bool)))))
    return pending


def vectorizer_width(vectorizer):
    """Number of columns a fitted text vectorizer makes: its vocabulary's size, or
    ``n_features`` for a ``HashingVectorizer`` (which has no vocabulary)."""
    if isinstance(vectorizer, HashingVectorizer):
        return int(vectorizer.n_features)
    return len(vectorizer.vocabulary_)


def _step_edges(step, kind, n_in, computed=True, text=False, reasons=None,
                direction=_CERTIFIED):
    """``((output, input, monotone), n_out)``: the column pairs of a fitted step of
    ``kind`` reading ``n_in`` columns, and its number of output columns
    (``text``: as for :func:`feature_edges`; ``reasons``: a list that gets
    ``(reason, output, input)`` over the step's own columns, for a
    ColumnTransformer's pairs that are not monotone, saying that it keeps no
    ``direction``: as for :func:`feature_edges`)."""
    if kind in ("elementwise", "text"):
        return _identity(n_in), n_in
    if kind == "select":
        support = np.asarray(step.get_support(indices=True), dtype=np.intp)
        return (np.arange(support.size), support,
                np.ones(support.size, dtype=bool)), support.size
    if kind == "impute":
        return _imputer_edges(step, n_in)
    if kind == "expand":
        sources = np.asarray(output_sources(step), dtype=np.intp)
        return (np.arange(sources.size), sources,
                np.ones(sources.size, dtype=bool)), sources.size
    return _column_transformer_edges(step, computed, text, reasons, direction)


def _imputer_edges(imputer, n_in):
    """A fitted ``SimpleImputer(missing_values=np.nan)``: its kept columns (all with
    ``keep_empty_features``, else those whose statistic is not NaN, as its
    ``transform`` keeps them) pass present values through unchanged; the
    indicator columns after them get no edge, since whether a value is missing
    does not change when a present value rises."""
    statistics = np.asarray(imputer.statistics_)
    if imputer.keep_empty_features:
        kept = np.arange(statistics.size, dtype=np.intp)
    else:
        # statistics != statistics: NaN in float and object arrays alike
        kept = np.flatnonzero(~np.asarray(statistics != statistics, dtype=bool))
    if statistics.size != n_in:  # pragma: no cover - defensive
        raise ValueError("could not map the columns of a SimpleImputer.")
    indicator = getattr(imputer, "indicator_", None)
    n_indicator = 0 if indicator is None else len(indicator.features_)
    return (np.arange(kept.size), kept.astype(np.intp),
            np.ones(kept.size, dtype=bool)), kept.size + n_indicator


def _column_indices(column_transformer, columns):
    """Input column indices of a fitted ColumnTransformer's column selection, or
    None when it is given in a form not resolved here (a callable)."""
    n_in = column_transformer.n_features_in_
    if callable(columns):
        return None
    if isinstance(columns, slice):
        if isinstance(columns.start, str) or isinstance(columns.stop, str):
            # Names: both ends included, as ColumnTransformer (pandas .loc) reads it.
            names = [str(n) for n in getattr(column_transformer, "feature_names_in_",
                                             [])]
            first = 0 if columns.start is None else names.index(str(columns.start))
            last = (len(names) - 1 if columns.stop is None
                    else names.index(str(columns.stop)))
            return list(range(n_in))[first:last + 1:columns.step]
        return list(range(n_in))[columns]
    cols = np.atleast_1d(np.asarray(columns))
    if cols.dtype.kind in "US" or cols.dtype == object:
        names = [str(n) for n in getattr(column_transformer, "feature_names_in_", [])]
        return [names.index(str(c)) for c in cols]
    if cols.dtype == bool:
        return list(np.flatnonzero(cols))
    if cols.size == 0:
        return []
    if cols.dtype.kind not in "iu":
        raise ValueError(f"could not resolve the column selection {columns!r}.")
    cols = cols.astype(np.intp)
    if np.any((cols < -n_in) | (cols >= n_in)):
        raise ValueError(f"column selection {columns!r} is out of range for "
                         f"{n_in} input columns.")
    # A negative index counts from the end, as ColumnTransformer reads it. Before,
    # it was kept negative, matched no input column, and the column dropped out of
    # the mapping: its feature was certified while a negating map fed the model.
    return [int(c) for c in cols % n_in]


def _column_transformer_edges(ct, computed=True, text=False, reasons=None,
                              direction=_CERTIFIED):
    from sklearn.utils.validation import check_is_fitted

    check_is_fitted(ct)
    parts, n_out = [], 0
    for name, trans, columns in ct.transformers_:
        out = ct.output_indices_.get(name, slice(0, 0))
        n_out = max(n_out, out.stop)
        if (isinstance(trans, str) and trans == "drop") or out.stop == out.start:
            continue
        inputs = _column_indices(ct, columns)
        if inputs is None:  # pragma: no cover - transformers_ holds resolved columns
            raise ValueError(f"could not resolve the columns of {name!r}.")
        inputs = np.asarray(inputs, dtype=np.intp)
        # A vectorizer reads one text column only when the selection is a single
        # name or index (a 1-D column of texts); given a list, it would read a
        # DataFrame, whose iteration yields the column names, not the texts.
        one = text and isinstance(columns, (str, Integral)) and inputs.size == 1
        why = []
        local = _block_edges(trans, inputs.size, out.stop - out.start, computed, one,
                             why, direction, reads_text=text)
        weight = (ct.transformer_weights or {}).get(name, 1.0)
        if not (isinstance(weight, Real) and np.isfinite(weight) and weight >= 0):
            # A negative transformer weight multiplies the block's columns by it,
            # and reverses their directions: not monotone here. Before, it was
            # ignored, and a feature read through it was certified non-decreasing
            # while the prediction fell as it rose.
            local = (local[0], local[1], np.zeros(local[2].size, dtype=bool))
            why.append((f"its transformer_weights entry {weight!r} is not a "
                        "non-negative number", None))
        if reasons is not None and why:
            what = (f"{trans!r}" if isinstance(trans, str)
                    else type(trans).__name__)
            head = (f"the ColumnTransformer's transformer {name!r} ({what}) keeps no "
                    f"{direction}: ")
            # The whole block's reasons hold for each of its pairs that is not
            # monotone; an inner one (a ColumnTransformer inside it) for its own.
            whole = [reason for reason, _ in why if _ is None]
            if whole:
                bad = ~local[2]
                reasons.append((head + "; ".join(whole),
                                local[0][bad] + out.start, inputs[local[1][bad]]))
            for reason, (o, i) in ((r, pairs) for r, pairs in why if pairs is not None):
                reasons.append((head + reason, o + out.start, inputs[i]))
        parts.append((local[0] + out.start, inputs[local[1]], local[2]))
    if not parts:
        return (np.zeros(0, dtype=np.intp), np.zeros(0, dtype=np.intp),
                np.zeros(0, dtype=bool)), n_out
    return tuple(np.concatenate(p) for p in zip(*parts)), n_out


def _block_edges(trans, n_in, n_out, computed=True, text=False, why=None,
                 direction=_CERTIFIED, reads_text=False):
    """Edges of one transformer of a ColumnTransformer over its ``n_in`` columns:
    its own if it is made of the maps this module knows (the widths agreeing),
    else every output on every input, not monotone. ``text``: the transformer
    reads one text column, and may start with a vectorizer (each of its columns
    then counts words of that column: a non-decreasing function of the words
    added to it); without it, a vectorizer is read as an arbitrary map. ``why``:
    a list that gets ``(reason, None)`` when the block is read as arbitrary (the
    reason holds for all its pairs), and ``(reason, (output, input))`` for the
    pairs a ColumnTransformer inside it leaves not monotone (worded with
    ``direction``, as for :func:`feature_edges`). ``reads_text``: the caller
    reads text columns (``text`` of :func:`feature_edges`), so a vectorizer
    read as an arbitrary map was given a list of columns."""
    if isinstance(trans, str) and trans == "passthrough":
        inner = []
    else:
        inner = (list(flat_steps(trans.steps)) if type(trans) is Pipeline
                 else [("", trans)])
    try:
        if text:
            # As a Pipeline's steps: a vectorizer first (after "passthrough"
            # ones), sublinear_tf only right after integer counts, ...
            kinds = analyse_steps(inner, computed)
        else:
            kinds = [check_monotone_step(name, step, 1, False, computed)
                     for name, step in inner]
        edges, width = _identity(n_in), n_in
        pending = []
        for (name, step), kind in zip(inner, kinds):
            if kind == "text":
                # Every column it makes depends on the one text column alone.
                width = vectorizer_width(step)
                edges = (np.arange(width), np.zeros(width, dtype=np.intp),
                         np.ones(width, dtype=bool))
                pending = []
                continue
            local = [] if why is not None else None
            step_edges, width = _step_edges(step, kind, width, computed, text, local,
                                            direction)
            pending = _forward(pending, edges, step_edges, local)
            edges = _compose(edges, step_edges)
        if width == n_out:
            if why is not None:
                # A ColumnTransformer inside the block: its reasons, for its pairs.
                why.extend((f"in it, {m}", (e[0], e[1])) for m, e in pending)
            return edges
        reason = (f"its steps make {width} columns where it outputs {n_out}")
    except NonMonotoneStepError as error:
        reason = (error.reason if len(inner) == 1
                  else f"its step {type(error.step).__name__}: {error.reason}")
        if not text and isinstance(error.step, (CountVectorizer, HashingVectorizer)):
            # Before: the first reason for callers that read no text (the audit)
            # too, whatever the selection.
            reason = ("a vectorizer is certified on one text column selected by a "
                      "single name or index, not a list" if reads_text else
                      "it reads text: its columns count the words of a text column")
    except ValueError as error:
        reason = str(error)
    if why is not None:
        why.append((reason, None))
    out = np.repeat(np.arange(n_out), n_in)
    return out, np.tile(np.arange(n_in), n_out), np.zeros(out.size, dtype=bool)


def feature_edges(steps, kinds, n_features, computed=True, text=False,
                  reasons=None, direction=_CERTIFIED):
    """How the final estimator's features depend on the Pipeline's input features.

    Returns ``(column, feature, monotone)``, arrays of equal length: final-step
    feature ``column[k]`` depends on input feature ``feature[k]``, as a
    non-decreasing function of it alone when ``monotone[k]``, else in an unknown
    way. An input feature with no pair (dropped) cannot change the final step's
    input. ``computed``: as for :func:`check_monotone_step`. ``text``: a
    ``ColumnTransformer``'s transformer that starts with a vectorizer of the
    kinds a Pipeline may start with, on one text column (selected by a single
    name or index), maps that column to its word counts, each a non-decreasing
    function of the words added to it (the column is then a feature whose rise
    is an added word); without it (the default, for callers that raise input
    values as numbers), such a transformer is read as an arbitrary map.
    ``reasons``: a list that gets ``(reason, column, feature)`` for each cause of
    pairs that are not monotone (a ColumnTransformer's transformer that is not a
    monotone map, or whose weight is negative), in words, with the final-step
    columns and input features of the pairs it holds for (arrays of equal length;
    a pair a later step drops is left out). ``direction``: what such a
    transformer is said to keep none of ("the ColumnTransformer's transformer
    'ordinalencoder' (OrdinalEncoder) keeps no certified direction: ..."): the
    certificate's words by default; the empirical audit passes its own.
    """
    return _edges_and_width(steps, kinds, n_features, computed, text, reasons,
                            direction)[0]


def _edges_and_width(steps, kinds, n_features, computed=True, text=False,
                     reasons=None, direction=_CERTIFIED):
    """:func:`feature_edges`, and the number of the final estimator's features."""
    edges, width = _identity(n_features), n_features
    pending = []
    for (_, step), kind in zip(steps, kinds):
        if kind == "text":
            width = vectorizer_width(step)
            edges = _identity(width)
            pending = []
            continue
        local = [] if reasons is not None else None
        step_edges, width = _step_edges(step, kind, width, computed, text, local,
                                        direction)
        pending = _forward(pending, edges, step_edges, local)
        edges = _compose(edges, step_edges)
    if reasons is not None:
        reasons.extend((m, e[0], e[1]) for m, e in pending)
    return edges, width


def feature_source(steps, kinds, n_features):
    """Index of the input feature that each final-estimator feature depends on,
    when each depends non-decreasingly on exactly one; else ``ValueError``."""
    (col, raw, mono), width = _edges_and_width(steps, kinds, n_features)
    order = np.argsort(col, kind="stable")
    col, raw, mono = col[order], raw[order], mono[order]
    # Every final feature needs its one source: a SimpleImputer's indicator
    # columns, last, have none (before they were skipped here, and the attack's
    # first-order change failed with "array is not broadcastable").
    if (not mono.all() or np.any(np.diff(col) != 1) or col.size != width
            or (col.size and col[0] != 0)):
        raise ValueError("a final-step feature does not depend on one input feature "
                         "through non-decreasing per-feature maps.")
    return raw
