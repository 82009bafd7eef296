"""An empirical audit of monotonicity for any fitted estimator.

``check_monotonic`` moves each constrained feature of every row along a grid, in the
direction of its constraint, and records how far the output falls on the way: the
largest drop over all rows and all pairs of grid points ``g_k < g_l`` of ``f(x with
x_j = g_k) - f(x with x_j = g_l)`` (for a ``+1`` feature; the reverse for ``-1``).
An exactly monotone model has a largest drop of 0 on every feature. The drops are raw
values of the output, with no tolerance: a model whose monotonicity holds only up to
rounding shows it.
"""

from dataclasses import dataclass, field
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from .._frames import is_polars, polars_to_pandas
from .._monotonic_cst import directions_from_argument
from .._monotonic_cst import feature_names as _strict_names
from .._pipeline import (analyse_steps, feature_edges, final_step_names, flat_steps,
                         input_attribute, split_pipeline, step_refusal)
from .._validation import (check_sparse_structure, memory_shortfall, parameter_error,
                           search_hint)
from .._versioned import VersionedState
from ..exceptions import NonMonotoneStepError
from ..neural_network._base import fitted_attribute

__all__ = ["check_monotonic", "MonotonicityReport"]

# Rows x grid points evaluated by one call of the model, and at most this many
# values in them (a wide sparse X is densified a batch at a time: before, 65536
# rows of 30,000 features, 15 GiB).
_BATCH_ROWS = 1 << 16
_BATCH_VALUES = 1 << 24


@dataclass(eq=False)
class MonotonicityReport(VersionedState):
    """Result of :func:`check_monotonic`.

    Attributes
    ----------
    features : ndarray of shape (n_checked,)
        Column indices of the checked (constrained) features.
    feature_names : list of str
        Their names (``x{j}`` when the input had none).
    directions : ndarray of shape (n_checked,)
        ``+1`` (the output must not decrease as the feature increases) or ``-1``.
    max_drop : ndarray of shape (n_checked,)
        Largest drop of the output found, per feature (0 when none).
    n_violating_rows : ndarray of shape (n_checked,)
        Rows on which the output dropped at all, per feature.
    grids : list of ndarray
        The grid each feature was moved along.

    Reports compare by identity (they hold arrays).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sknonneg.inspection import check_monotonic
    >>> X = np.random.RandomState(0).uniform(size=(30, 2))
    >>> model = LinearRegression().fit(X, X[:, 0] - X[:, 1])
    >>> report = check_monotonic(model, X, monotonic_cst=[1, 1])
    >>> report.is_monotonic, report.feature_names
    (False, ['x0', 'x1'])
    >>> report.to_frame()[["feature", "direction"]].to_dict("list")
    {'feature': ['x0', 'x1'], 'direction': [1, 1]}
    """

    features: np.ndarray
    feature_names: list
    directions: np.ndarray
    max_drop: np.ndarray
    n_violating_rows: np.ndarray
    grids: list = field(repr=False)

    @property
    def is_monotonic(self):
        """True when no drop was found on any checked feature."""
        return bool(np.all(self.max_drop <= 0))

    def to_frame(self):
        """The report as a :class:`pandas.DataFrame`, one row per checked feature.

        Returns
        -------
        frame : pandas.DataFrame
            Columns ``feature``, ``direction``, ``max_drop``, ``n_violating_rows``.
        """
        import pandas as pd

        return pd.DataFrame({
            "feature": self.feature_names,
            "direction": self.directions,
            "max_drop": self.max_drop,
            "n_violating_rows": self.n_violating_rows,
        })


def _input_names(estimator, X):
    names = getattr(X, "columns", None)
    if names is None:
        names = getattr(estimator, "feature_names_in_", None)
    if names is None:
        return None
    return [str(n) for n in names]


def _certified_directions(estimator):
    """Whether a sknonneg network with no ``monotonic_cst_`` has monotone
    directions that its weights certify (``positive=True`` with a logistic
    output): ``monotone_certificate`` then gives them."""
    final = split_pipeline(estimator)[1] if isinstance(estimator, Pipeline) \
        else estimator
    if not type(final).__module__.startswith("sknonneg."):
        return False
    # Imported when asked: the audit of other estimators does not load the
    # certificate's module.
    from ..robustness import monotone_certificate

    try:
        monotone_certificate(estimator)
    except (TypeError, ValueError):
        return False
    return True


_NONE = object()  # no monotonic_cst_ attribute


def _fitted_cst(estimator):
    """The fitted directions: ``monotonic_cst_`` where the estimator keeps one
    (sknonneg's; ``None`` when fitted without constraints, whatever
    ``monotonic_cst`` was set to since), else the ``monotonic_cst`` parameter
    (scikit-learn's estimators keep no other)."""
    cst = fitted_attribute(estimator, "monotonic_cst_", _NONE)
    if cst is _NONE:
        cst = getattr(estimator, "monotonic_cst", None)
        if isinstance(cst, dict):
            # scikit-learn's own estimators keep the dict; they also know the names.
            names = list(getattr(estimator, "feature_names_in_", []))
            if not names:
                return None
            cst = directions_from_argument(cst, [str(n) for n in names], len(names))
    return None if cst is None else np.asarray(cst)


def _named(j, names, what):
    """``what`` ``j``, by its name when there is one: "input column 'age' (column
    2)", else "input column 2"."""
    if names is None or j >= len(names):
        return f"{what} {j}"
    return f"{what} {names[j]!r} (column {j})"


def _resolve_through_pipeline(estimator, n_features, names=None, X=None):
    """Per input column, the constraint that the final step's ``monotonic_cst_``
    puts on it through preprocessing that keeps columns apart; None if the final
    step has none. ``names``: the input columns' names (None when unknown), and
    ``X``, the rows to audit (None when not given), for the refusals."""
    if not isinstance(estimator, Pipeline):
        return _fitted_cst(estimator)
    steps, final = split_pipeline(estimator)  # nested Pipelines flattened
    cst = _fitted_cst(final)
    if cst is None:
        return None
    # Each input column of the final step, mapped to the one raw input column it
    # depends on through non-decreasing per-feature maps (the maps the monotone
    # certificate reads: sknonneg._pipeline), or None (one-hot codes,
    # projections, ...): such a column must be unconstrained. Every raw column a
    # column depends on in any way is marked free when that column is free.
    # X's width: a Pipeline whose first step is "passthrough" has no n_features_in_.
    n_in = input_attribute(estimator, "n_features_in_", n_features)
    sources = [None] * len(cst)
    # The input columns each final-step feature is made from (for the refusal).
    made_from = [[] for _ in range(len(cst))]
    free_edges = []
    refusal = None
    try:
        # Non-decreasing as functions is enough to map a direction (np.exp, whose
        # float32 values can fall by an ulp, included): the audit measures the
        # computed outputs itself.
        kinds = analyse_steps(steps, computed=False)
    except NonMonotoneStepError as exc:  # not a per-feature non-decreasing map
        kinds = None
        # In the audit's words: before, the certificate's ("does not keep a
        # monotone certificate").
        refusal = step_refusal(exc.name, exc.step, exc.reason,
                               keeps="a direction to audit")
    except ValueError as exc:
        kinds = None
        refusal = str(exc).split(" Supported steps")[0]
    # Why a final-step column has no direction, where a step says it: "the
    # ColumnTransformer's transformer 'ordinalencoder' (OrdinalEncoder) keeps no
    # direction to audit: ..." (reason, final-step columns, input columns). The
    # audit's words: before, the certificate's "keeps no certified direction".
    causes = []
    if kinds is not None and "text" not in kinds:
        column, raw, monotone = feature_edges(steps, kinds, n_in, computed=False,
                                              reasons=causes,
                                              direction="direction to audit")
        for c in range(len(cst)):
            here = column == c
            made_from[c] = sorted(set(raw[here].tolist()))
            if here.sum() == 1 and monotone[here][0]:
                sources[c] = int(raw[here][0])
        free_edges = raw[np.asarray(cst)[column] == 0]
    resolved = np.zeros(n_in, dtype=np.int8)
    free = np.zeros(n_in, dtype=bool)
    free[np.asarray(free_edges, dtype=np.intp)] = True
    for out, src in enumerate(sources):
        if cst[out] == 0:
            continue
        if src is None:
            # Before: a step refused for not being non-decreasing (np.negative)
            # was said not to keep the column apart.
            # Before: "the preprocessing does not keep it apart" also for a
            # column that an OrdinalEncoder or a OneHotEncoder makes from one
            # input column alone.
            cause = next((text for text, cols, _ in causes
                          if np.any(np.asarray(cols) == out)), None)
            reason = (
                "the preprocessing is not made of per-feature non-decreasing maps, "
                "which carry a direction: " + refusal.rstrip(".")
                if refusal is not None else cause.rstrip(".") if cause is not None
                else "the preprocessing does not keep it apart")
            # Named by its name where the final step's inputs have names (a
            # one-hot column: 'onehotencoder__color_0'), with the input columns it
            # is made from. Before: "feature 0 of the final step" only.
            final_names = final_step_names(steps, final)
            origin = ""
            if made_from[out]:
                listed = ", ".join(repr(names[r]) if names is not None
                                   and r < len(names) else str(r)
                                   for r in made_from[out][:5])
                origin = (f"made from input column"
                          f"{'s' if len(made_from[out]) > 1 else ''} {listed}")
            if final_names is not None and out < len(final_names):
                which = (f"feature {final_names[out]!r} of the final step (its "
                         f"feature {out}{', ' + origin if origin else ''})")
            else:
                which = (f"feature {out} of the final step"
                         f"{' (' + origin + ')' if origin else ''}")
            raise ValueError(
                f"check_monotonic cannot map the constraint on {which} back to one "
                f"input column: {reason}.{_explicit_advice(made_from[out], names, X, estimator)}")
        if resolved[src] not in (0, cst[out]):
            raise ValueError(f"{_named(src, names, 'input column')} carries "
                             "conflicting constraints.")
        resolved[src] = cst[out]
    # An input column that reaches the final step through both constrained and free
    # columns (e.g. some of its ramps constrained, others not, or a free copy beside
    # constrained ramps) has no direction the model is constrained in.
    mixed = np.flatnonzero(free & (resolved != 0))
    if mixed.size:
        raise ValueError(
            f"{_named(int(mixed[0]), names, 'input column')} reaches the final step "
            "through both "
            "constrained and unconstrained features, so the model is not constrained "
            "to be monotone in it. Pass monotonic_cst for the input columns "
            "explicitly to audit it in a direction.")
    return resolved


def _explicit_advice(sources, names, X, estimator):
    """What to do when a final-step constraint does not map back to one input
    column: pass ``monotonic_cst`` for the input columns, unless one of
    ``sources`` (the input columns the constrained column is made from) is not
    numbers in ``X``, whose constraint would be refused in turn: then say so,
    and what to audit instead (a text Pipeline's word columns, as its refusal
    says, or the final step on the encoded columns). Before 9ae3857: the
    advice alone, and its call was refused ("feature 'education' is constrained
    but not numeric")."""
    for j in sources if X is not None else ():
        try:
            _numeric_column(X, j)
        except (TypeError, ValueError) as exc:
            # A DataFrame's column by its name (monotonic_cst a dict), an array's
            # by its index (a list): before, "0 for 'x1'" for an array.
            which = (repr(names[j]) if names is not None and j < len(names)
                     else f"index {j} of a list")
            instead = _text_hint(estimator) or (
                " Audit the final step on the columns the preprocessing makes, "
                "check_monotonic(pipeline[-1], pipeline[:-1].transform(X)), which "
                "moves the encoded columns.")
            return (f" Nor can a constraint on {_named(j, names, 'input column')} be "
                    f"audited: it is {_not_numeric(exc)}.{instead} Or pass "
                    "monotonic_cst explicitly for the numeric input columns (0 for "
                    f"{which}).")
    return " Pass monotonic_cst for the input columns explicitly."


def _text_hint(estimator):
    """What to audit instead when a Pipeline reads text (a vectorizer first, or on
    a column of a ColumnTransformer first): its word counts. "" otherwise."""
    from sklearn.compose import ColumnTransformer
    from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer

    if not isinstance(estimator, Pipeline):
        return ""

    def skipped(step):
        return step is None or (isinstance(step, str) and step == "passthrough")

    # The index of the hint is the outer Pipeline's (which pipeline[k:] slices);
    # the step read is its first one that is not skipped, nested Pipelines
    # flattened. Before 687f936: the index of the flattened steps, so a
    # nested Pipeline("passthrough", CountVectorizer()) first was told
    # pipeline[2:] of a Pipeline of 2 steps.
    first = next((k for k, (_, step) in enumerate(estimator.steps[:-1])
                  if not skipped(step)), None)
    if first is None:
        return ""
    step = next((s for _, s in flat_steps([estimator.steps[first]])
                 if not skipped(s)), None)
    blocks = ([t for _, t, _ in getattr(step, "transformers_", [])]
              if isinstance(step, ColumnTransformer) else [step])
    starts = [b.steps[0][1] if isinstance(b, Pipeline) and b.steps else b
              for b in blocks]
    if not any(isinstance(b, (CountVectorizer, HashingVectorizer)) for b in starts):
        return ""
    return (f" The Pipeline reads text through {type(step).__name__}: audit its "
            f"word columns instead, check_monotonic(pipeline[{first + 1}:], "
            f"pipeline[:{first + 1}].transform(X), monotonic_cst=...) moves each "
            "(adding a word raises its count), or add words with "
            "sknonneg.robustness.additive_evasion_attack.")


def _output_function(estimator, X):
    """The audited outputs, as a function of rows like ``X``: shape (n_rows,
    n_outputs), one column for a single-output regressor or a binary classifier
    (the probability of ``classes_[1]``), one per output of a multi-output
    regressor, one per label (its probability) of a multilabel classifier. Which
    one is decided once, from the first row of ``X``."""
    if is_classifier(estimator):
        first = X.iloc[:1] if hasattr(X, "iloc") else X[:1]
        if np.ndim(estimator.predict(first)) == 2:
            if not hasattr(estimator, "predict_proba"):
                # RidgeClassifier on an indicator matrix: each label's decision.
                return lambda rows: np.asarray(estimator.decision_function(rows),
                                               dtype=np.float64)

            def labels(rows):
                proba = estimator.predict_proba(rows)
                # A list (one (n, 2) array per label, as MultiOutputClassifier
                # gives) or an (n, n_labels) array of the labels' probabilities.
                if isinstance(proba, list):
                    return np.column_stack([np.asarray(p)[:, 1] for p in proba])
                return np.asarray(proba, dtype=np.float64)
            return labels
        classes = getattr(estimator, "classes_", None)
        if classes is None or len(classes) != 2:
            raise ValueError(
                "check_monotonic audits regressors, binary classifiers (the "
                "probability of classes_[1]) and multilabel classifiers (each "
                "label's probability); this classifier has "
                f"{0 if classes is None else len(classes)} classes.")
        if not hasattr(estimator, "predict_proba"):
            # LinearSVC, SVC(probability=False), RidgeClassifier: the decision
            # function, an increasing function of the score of classes_[1].
            if not hasattr(estimator, "decision_function"):
                raise TypeError(f"{type(estimator).__name__} has neither predict_proba "
                                "nor decision_function to audit.")
            return lambda rows: np.asarray(estimator.decision_function(rows),
                                           dtype=np.float64).reshape(-1, 1)
        return lambda rows: np.asarray(estimator.predict_proba(rows),
                                       dtype=np.float64)[:, 1:2]
    if is_regressor(estimator):
        def values(rows):
            out = np.asarray(estimator.predict(rows), dtype=np.float64)
            return out.reshape(out.shape[0], -1)
        return values
    raise TypeError(f"{type(estimator).__name__} is neither a regressor nor a "
                    "classifier.")


def _with_column(X, j, values, rows):
    """Copies of ``X[rows]`` with column ``j`` set to each of ``values`` in turn:
    shape (len(values) * len(rows), n_features), grid-major."""
    n_steps = len(values)
    if hasattr(X, "iloc"):
        import pandas as pd

        block = X.iloc[rows]
        out = pd.concat([block] * n_steps, ignore_index=True)
        column = out.columns[j]
        dtype = X.dtypes.iloc[j]
        # A NumPy dtype keeps its kind where the grid allows (integers stay
        # integers); an extension dtype (pandas' nullable Int64, say) takes floats;
        # a sparse column stays sparse (before: it became dense, and a DataFrame of
        # sparse and dense columns is densified by scikit-learn, with a warning).
        if isinstance(dtype, pd.SparseDtype):
            # update_dtype converts the fill value too (a boolean column's False
            # is not a float column's fill value: SparseDtype(float64, False) is
            # refused).
            dtype = dtype.update_dtype(
                np.result_type(dtype.subtype, np.asarray(values).dtype))
        else:
            dtype = (np.result_type(dtype, np.asarray(values).dtype)
                     if isinstance(dtype, np.dtype) else np.float64)
        out[column] = pd.Series(np.repeat(values, len(rows))).astype(dtype)
        return out
    block = X[rows]
    if sp.issparse(block):
        block = block.toarray()
    out = np.tile(block, (n_steps, 1)).astype(np.result_type(block.dtype, values.dtype))
    out[:, j] = np.repeat(values, len(rows))
    return out


def _numeric_column(X, j):
    """``(values, integer)``: column ``j`` of ``X`` as float64 (pandas' NA as NaN),
    and whether it holds integers or booleans (its grid is then rounded). A
    column that is not numbers (text, dates) is a ``TypeError`` or
    ``ValueError``."""
    if hasattr(X, "iloc"):
        series = X.iloc[:, j]
        if getattr(series.dtype, "kind", "O") in "mM":
            # Before: read as nanoseconds, then NumPy's DTypePromotionError
            # when the grid was written back into the column.
            raise TypeError(f"dtype {series.dtype} holds dates or durations")
        # pandas' nullable integers have kind "i" too (its booleans "b");
        # their NA becomes NaN.
        integer = getattr(series.dtype, "kind", "O") in "iub"
        return series.to_numpy(dtype=np.float64, na_value=np.nan), integer
    column = X[:, [j]].toarray().ravel() if sp.issparse(X) else X[:, j]
    if column.dtype.kind in "mM":
        raise TypeError(f"dtype {column.dtype} holds dates or durations")
    # Before: a bool column was moved through 0.22, 0.44 ..., values
    # it cannot take; its grid is 0 and 1, as an integer column's is.
    integer = np.issubdtype(column.dtype, np.integer) or column.dtype == np.bool_
    return np.asarray(column, dtype=np.float64), integer


def _not_numeric(exc):
    """Why a constraint on a column that ``_numeric_column`` refuses (with
    ``exc``) cannot be audited, one wording for both refusals that say it."""
    return (f"not numeric ({exc}): check_monotonic moves a feature along its "
            "values, so only numeric features can carry a direction")


def _check_batch_fits_in_memory(n_batch, n_features, n_steps, name, n_grid):
    """``MemoryError`` before a batch of ``n_batch`` rows (the rows of ``X`` once
    per grid point, densified) is allocated, when it exceeds this machine's
    physical memory: a grid of many points on a wide (sparse) ``X``."""
    # The tiled copy of the rows and its cast to the grid's dtype, float64.
    short = memory_shortfall(2 * n_batch * n_features)
    if short is not None:
        raise MemoryError(
            f"check_monotonic(n_steps={n_steps}) moves feature {name!r} along a grid "
            f"of {n_grid:,} points, evaluating the model on {n_batch:,} rows of "
            f"{n_features} features at a time: it needs at least "
            f"{short[0] / 2**30:.1f} GiB, more than this machine's "
            f"{short[1] / 2**30:.1f} GiB of memory. Use a smaller n_steps.")


def check_monotonic(estimator, X, monotonic_cst=None, *, n_steps=100):
    """Audit the monotonicity of a fitted estimator empirically.

    For every row of ``X`` and every constrained feature, the feature is set to each
    point of a grid spanning its values in ``X`` (see ``n_steps``), the other features
    kept, and the output is recorded: ``predict`` for a regressor, the probability
    of ``classes_[1]`` for a binary classifier (its ``decision_function`` when it
    has no ``predict_proba``, as ``LinearSVC``); every output of a multi-output
    regressor, and every label's probability of a multilabel classifier. The drop
    of a ``+1`` feature on a row is the largest ``f(g_k) - f(g_l)`` over grid
    points ``g_k < g_l`` (and over the outputs); for ``-1`` the reverse. The report gives, per feature, the largest drop over all
    rows: 0 for a model that is monotone on these points. It works for any fitted
    estimator with these methods, scikit-learn's included.

    Parameters
    ----------
    estimator : estimator object
        A fitted regressor or binary classifier, or a Pipeline ending in one.
    X : {array-like, sparse matrix, DataFrame} of shape (n_samples, n_features)
        Rows to audit, as the estimator takes them. A sparse X is densified one
        batch of rows at a time. A polars DataFrame is read as the pandas
        DataFrame of its columns, on which the model is called.
    monotonic_cst : array-like of int of shape (n_features,) or dict, default=None
        Direction per input column: ``1`` non-decreasing, ``-1`` non-increasing,
        ``0`` unchecked; or a dict ``{feature_name: direction}`` for a DataFrame X
        with string column names (or an estimator fitted on one), read as the
        estimators read theirs: keys are str feature names (an integer key, or a
        DataFrame with integer column labels, is an error; pass an array to
        select columns by position). A pandas Series indexed by feature names
        is that dict (by position with the integer labels 0, 1, ... only).
        None: the estimator's ``monotonic_cst_`` (or scikit-learn's
        ``monotonic_cst``); for a Pipeline, the final step's, mapped back to the
        input columns through preprocessing that keeps columns apart: the
        per-feature non-decreasing maps that
        :func:`sknonneg.robustness.monotone_certificate` reads (the scalers
        ``StandardScaler``, ``MinMaxScaler``, ``MaxAbsScaler``, ``RobustScaler``,
        ``Binarizer``, ``FunctionTransformer`` with a ufunc of
        ``sknonneg.robustness.MONOTONE_UFUNCS`` or with ``np.log``, ``np.exp`` and
        the other non-decreasing ufuncs the certificate refuses for their
        rounding, ``QuantileTransformer`` (also refused by the certificate),
        feature selectors, ``SimpleImputer(missing_values=np.nan)``,
        ``"passthrough"``, :class:`sknonneg.preprocessing.RampTransformer`, each
        ramp mapping back to the feature it expands), and a ``ColumnTransformer``
        or ``Pipeline`` of those (other transformers of a ``ColumnTransformer``,
        such as a ``OneHotEncoder``, may only feed unconstrained columns). An input
        column that feeds both constrained and unconstrained columns of the final
        step (some of its ramps left free, or a one-hot copy beside constrained
        ramps) is refused: the model is not constrained in it. Anything else needs
        ``monotonic_cst`` explicitly. A DataFrame X whose columns are not those
        the estimator was fitted on, in their order (which a ``ColumnTransformer``
        that selects columns by name reads), takes the fitted directions by
        column name; a column the estimator was not fitted on is not checked.
        Directions that constrain no feature (all
        0) are an error: there would be nothing to check. Text columns cannot be
        moved along a grid: for a Pipeline that reads text, audit its word
        columns, ``check_monotonic(pipeline[1:], pipeline[:1].transform(X),
        monotonic_cst=...)`` (adding a word raises its count), as its error says.
    n_steps : int, default=100
        Largest number of grid points per feature (scikit-learn's
        ``partial_dependence`` grid has 100 by default too; a coarse grid steps
        over violations: in the Adult example, 10 points missed an
        unconstrained network's fall in one feature and found a fifth of it in
        another). Much as :func:`sklearn.inspection.partial_dependence` does
        (which does so with fewer than ``grid_resolution``), a feature with at
        most ``n_steps`` distinct finite values in ``X`` is moved along those
        values; one with more along ``n_steps`` quantiles of its finite values,
        from its minimum to its maximum (interpolated, then rounded for an integer or
        boolean feature; coinciding points are kept once). Each grid point is
        evaluated on every row, so the work grows as ``n_samples`` times the grid
        size; a batch of rows that cannot fit in this machine's memory is a
        ``MemoryError`` before it is allocated. A constrained feature with a
        single value in ``X`` is an error: there is nothing to move it along.

    Returns
    -------
    report : MonotonicityReport
        ``max_drop`` per constrained feature, ``n_violating_rows``, the grids;
        ``report.is_monotonic`` and ``report.to_frame()``.

    See Also
    --------
    sklearn.inspection.PartialDependenceDisplay : The average effect of a feature.

    Notes
    -----
    The audit is empirical: it tests the rows and grid points given, it proves
    nothing about others. A model monotone by construction (sknonneg's estimators
    with ``monotonic_cst``) shows a largest drop of exactly 0; a model that is
    monotone only on average (an unconstrained network) shows its violations.
    Every drop it reports is real, but it can only undercount: ``max_drop`` is a
    lower bound on the largest fall, and a coarse grid (a small ``n_steps``, or a
    column whose quantiles coincide) can step over a violation entirely.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sknonneg.inspection import check_monotonic
    >>> X = np.random.RandomState(0).uniform(size=(50, 2))
    >>> model = LinearRegression().fit(X, X[:, 0] - X[:, 1])
    >>> report = check_monotonic(model, X, monotonic_cst=[1, 1])
    >>> bool(report.max_drop[0] == 0), bool(report.max_drop[1] > 0)
    (True, True)
    """
    if not isinstance(n_steps, (Integral, np.integer)) or n_steps < 2:
        raise parameter_error("check_monotonic", "n_steps", "an int in the range [2, inf)", n_steps)
    check_is_fitted(estimator)
    if is_polars(X):
        # Read as the pandas frame of its columns (the model is called on such
        # frames). Before: a polars X became a NumPy array, so the model warned
        # "X does not have valid feature names" on every call, a dict of names
        # was refused for a model fitted without names, and a Pipeline that
        # selects columns by name failed.
        X = polars_to_pandas(X)
    # Before scipy slices it (its C++ code trusts the indices): a malformed matrix
    # crashed the process here.
    check_sparse_structure(X)
    if sp.issparse(X):
        X = X.tocsr()  # rows are sliced; COO and DOK matrices cannot be
        if not X.dtype.isnative or X.dtype == np.float16:
            # Before: scipy stores big-endian and float16 data but cannot slice
            # it ("scipy.sparse does not support dtype >f8"), although the
            # estimators take such matrices; read in native float64, the grid's.
            X = X.astype(np.float64)
    elif not hasattr(X, "iloc"):
        X = np.asarray(X)
    if X.ndim != 2 or X.shape[0] == 0:
        raise ValueError(f"X must be a non-empty 2-D array, got shape {X.shape}."
                         + _text_hint(estimator))
    n_features = X.shape[1]
    # X's width against the model's, in scikit-learn's words, before the
    # constraints are read against it. Before: an X of 5 columns for a model of
    # 4 was told "monotonic_cst must have shape (5,)" (the user's correct
    # monotonic_cst blamed), or "the estimator's constraints cover 4 features".
    # A DataFrame for a model fitted on named columns is left to the model's own
    # checks: a ColumnTransformer selects its columns by name, and takes a frame
    # with more.
    n_in = input_attribute(estimator, "n_features_in_", n_features)
    fitted_names = input_attribute(estimator, "feature_names_in_")
    by_name = hasattr(X, "columns") and fitted_names is not None
    # A frame whose columns are not the fitted ones in their order: a model that
    # reads it (a ColumnTransformer selects its columns by name) reads it by name.
    moved = by_name and [str(c) for c in X.columns] != [str(n) for n in fitted_names]
    if moved and hasattr(estimator, "predict"):
        # The model's own refusal of the frame, in its words, if it refuses it.
        estimator.predict(X.iloc[:1])
    elif n_in != n_features and not by_name:
        raise ValueError(f"X has {n_features} features, but "
                         f"{type(estimator).__name__} is expecting {n_in} features "
                         "as input.")
    names = _input_names(estimator, X)
    if monotonic_cst is None and moved:
        # The fitted constraints belong to the fitted columns: each column of X
        # takes that of the fitted column of its name, and a column the model
        # was not fitted on (which a ColumnTransformer does not read) none.
        # Before: read by position, so a frame with its columns in another order
        # was audited in the wrong features (violations reported for a model
        # monotone in every constrained feature), and one with an extra column
        # was refused.
        fitted = [str(n) for n in fitted_names]
        cst = _resolve_through_pipeline(estimator, len(fitted), fitted, None)
        if cst is not None:
            position = {n: i for i, n in enumerate(fitted)}
            cst = [cst[position[n]] if n in position else 0
                   for n in (str(c) for c in X.columns)]
    elif monotonic_cst is None:
        cst = _resolve_through_pipeline(estimator, n_features, names, X)
    if monotonic_cst is None:
        if cst is None:
            name = type(estimator).__name__
            # A fitted search predicts with its best_estimator_ (the certificate
            # says the same), whose constraints the audit can read.
            search = search_hint(estimator, "check")
            # A sign-constrained sknonneg network without monotonic_cst (positive=
            # True) has monotonic_cst_ None: its directions are the certificate's.
            certified = (" Its weights certify monotone directions: "
                         "sknonneg.robustness.monotone_certificate(estimator)"
                         ".feature_signs_ gives them."
                         if _certified_directions(estimator) else "")
            raise ValueError(
                f"{name} has no monotonic_cst_: pass monotonic_cst to say which "
                f"features to check.{search}{certified}")
        cst = np.asarray(cst)
        if cst.shape != (n_features,):
            raise ValueError(
                f"the estimator's constraints cover {cst.shape[0]} features, X has "
                f"{n_features}.")
    else:
        # A dict's keys are resolved as the estimators resolve theirs: feature
        # names as scikit-learn defines them (string column names only). Before:
        # a DataFrame's integer column labels, read as "0", "1", ..., took {0: 1}.
        strict = (_strict_names(X) if hasattr(X, "columns") else
                  _input_names(estimator, X))
        cst = directions_from_argument(monotonic_cst, strict, n_features)
    features = np.flatnonzero(cst)
    if features.size == 0:
        # Before: an empty report with is_monotonic True, an audit of nothing.
        # Named by where they came from: scikit-learn's estimators keep theirs in
        # monotonic_cst, a Pipeline's are its final step's.
        source = ("monotonic_cst constrains" if monotonic_cst is not None else
                  f"the monotonic constraints read from {type(estimator).__name__} "
                  f"constrain")
        raise ValueError(
            f"{source} no feature (every direction is 0): there is nothing to "
            f"check. Pass monotonic_cst with the directions to audit.")
    output = _output_function(estimator, X)
    n_rows = X.shape[0]
    max_drop = np.zeros(features.shape[0])
    n_violating = np.zeros(features.shape[0], dtype=np.int64)
    grids = []
    for k, j in enumerate(features):
        try:
            column, integer = _numeric_column(X, j)
        except (TypeError, ValueError) as exc:
            # Before: numpy's "could not convert string to float: 'a'".
            name = names[j] if names is not None else f"x{j}"
            raise ValueError(
                f"feature {name!r} is constrained but {_not_numeric(exc)}."
                + _text_hint(estimator)) from None
        # The grid spans the finite values (a NaN or an infinity would give a grid
        # of NaN, which checks nothing, and report no violation).
        column = column[np.isfinite(column)]
        if column.shape[0] == 0:
            name = names[j] if names is not None else f"x{j}"
            raise ValueError(f"feature {name!r} has no finite value in X to move it "
                             f"along: check_monotonic needs some.")
        # As scikit-learn's partial_dependence builds its grid: a feature with at
        # most n_steps distinct values is moved along those values. Before, the
        # grid was always n_steps interpolated quantiles, so n_steps=10**9 built
        # (and evaluated every row on) 10**9 points for a column of 60 values,
        # until the system killed the process.
        grid = np.unique(column)
        if grid.shape[0] > n_steps:
            grid = np.unique(np.quantile(column, np.linspace(0, 1, n_steps)))
            if integer:
                grid = np.unique(np.round(grid))
        if grid.shape[0] < 2:
            # Before: skipped, and reported with max_drop 0 (a model decreasing in
            # it passed as monotone): a grid of one point tests nothing.
            name = names[j] if names is not None else f"x{j}"
            raise ValueError(
                f"feature {name!r} takes a single value in X ({float(grid[0]):g}): "
                "check_monotonic moves a feature along its values in X, and one value "
                "tests nothing. Audit rows on which it varies.")
        grids.append(grid)
        rows_per_batch = max(1, min(_BATCH_ROWS, _BATCH_VALUES // max(1, n_features))
                             // grid.shape[0])
        _check_batch_fits_in_memory(
            grid.shape[0] * min(rows_per_batch, n_rows), n_features, n_steps,
            names[j] if names is not None else f"x{j}", grid.shape[0])
        for start in range(0, n_rows, rows_per_batch):
            rows = np.arange(start, min(n_rows, start + rows_per_batch))
            out = output(_with_column(X, j, grid, rows))
            if not np.all(np.isfinite(out)):
                # A NaN compares false both ways: it would hide drops (and the
                # running maximum would carry it along the grid).
                name = names[j] if names is not None else f"x{j}"
                raise ValueError(
                    f"{type(estimator).__name__} returned non-finite outputs "
                    f"({int(np.count_nonzero(~np.isfinite(out)))} values) while "
                    f"feature {name!r} moved along its grid: check_monotonic cannot "
                    "audit them. Audit rows on which the model is finite.")
            out = out.reshape(grid.shape[0], rows.shape[0], out.shape[1])
            if cst[j] < 0:
                out = out[::-1]
            # Largest f(g_k) - f(g_l) over k < l: running maximum minus the value;
            # per row, the largest over the outputs.
            drop = (np.maximum.accumulate(out, axis=0) - out).max(axis=(0, 2))
            max_drop[k] = max(max_drop[k], float(drop.max()))
            n_violating[k] += int(np.count_nonzero(drop > 0))
    feature_names = ([names[j] for j in features] if names is not None
                     else [f"x{j}" for j in features])
    return MonotonicityReport(features=features, feature_names=feature_names,
                              directions=cst[features].astype(np.int8),
                              max_drop=max_drop, n_violating_rows=n_violating,
                              grids=grids)
