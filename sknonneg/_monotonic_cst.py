"""The ``monotonic_cst`` argument: per-feature directions as a user gives them.

A direction is ``1`` (non-decreasing), ``-1`` (non-increasing) or ``0`` (free), given
as an array-like with one value per feature or as a dict ``{feature_name:
direction}``. A dict follows ``HistGradientBoosting*``'s rule: its keys are feature
names, str, matched exactly, and only data whose column names are all strings has
feature names (scikit-learn's ``feature_names_in_``, :func:`feature_names`); an
integer key, or a dict for data without feature names, is refused (an array
constrains features by position). The estimators (``neural_network._monotone``), ``RampTransformer`` and
``check_monotonic`` read the argument with the same checks and messages, here: a
low module that imports nothing else of sknonneg, so that none of them depends on
another for it.
"""

import reprlib
import sys
from numbers import Integral

import numpy as np

__all__ = ["as_argument", "check_dict_keys", "check_direction",
           "directions_from_argument", "feature_names", "plain_value", "short_repr"]


def as_argument(monotonic_cst):
    """``monotonic_cst`` with a pandas Series read as what its index says: indexed
    by feature names (str), the dict of them; with the default ``RangeIndex`` (the
    integers 0, 1, ..., n - 1), its values by position; any other index (other
    integers, bools, floats, mixed labels) is refused. Anything else is returned
    as it is.

    scikit-learn's ``HistGradientBoosting*`` read a Series by position whatever its
    index. So did sknonneg, silently: ``pd.Series({"b": -1, "c": 0, "a": 1})`` on
    columns a, b, c constrained ``a`` to decrease and left ``b`` free, and
    ``check_monotonic`` audited ``a`` for a constraint meant for ``b``."""
    pd = sys.modules.get("pandas")  # a Series exists only where pandas is imported
    if pd is None or not isinstance(monotonic_cst, pd.Series):
        return monotonic_cst
    index = list(monotonic_cst.index)
    if index and all(isinstance(name, str) for name in index):
        if len(set(index)) != len(index):
            duplicated = sorted({name for name in index if index.count(name) > 1})
            raise ValueError(
                f"monotonic_cst given as a pandas Series names features more than "
                f"once: {duplicated}.")
        return dict(zip(index, monotonic_cst.tolist()))
    # Positions: integer labels 0, 1, ..., n - 1 (the default RangeIndex, or the
    # same integers in an object or categorical index), not labels that merely
    # compare equal to them (False/True, 0.0/1.0).
    if (all(isinstance(label, (Integral, np.integer))
            and not isinstance(label, (bool, np.bool_)) for label in index)
            and index == list(range(len(index)))):
        return monotonic_cst.to_numpy()
    raise ValueError(
        "monotonic_cst given as a pandas Series needs an index of feature names "
        "(str), read as a dict {feature_name: direction}, or the default RangeIndex "
        f"(0, 1, ...), read by position; got the index {index[:5]!r}"
        f"{' ...' if len(index) > 5 else ''}.")


def directions_from_argument(monotonic_cst, names, n_features):
    """``monotonic_cst`` as an int8 array of shape (n_features,) of -1/0/1.

    ``names`` (list of str, or None when the input has none: :func:`feature_names`)
    resolves a dict's keys, which must be among them exactly; a feature the dict
    does not name is free. ``ValueError`` for a key that is not a str
    (:func:`check_dict_keys`), a dict without names, unknown names, a wrong shape
    or a value that is not a direction. A pandas Series is read as
    :func:`as_argument` says.
    """
    monotonic_cst = as_argument(monotonic_cst)
    if isinstance(monotonic_cst, dict):
        check_dict_keys(monotonic_cst, n_features)
        if names is None:
            raise ValueError(
                "monotonic_cst given as a dict needs feature names: pass X as a "
                "pandas or polars DataFrame with string column names, or an "
                f"estimator fitted on one; or pass an array of shape ({n_features},).")
        unknown = sorted(set(monotonic_cst) - set(names))
        if unknown:
            raise ValueError(
                f"monotonic_cst names features that are not in X: {unknown}. "
                f"{_prefix_hint(unknown, names, monotonic_cst)}Known features: "
                f"{names}.")
        cst = np.zeros(n_features, dtype=np.int8)
        for name, value in monotonic_cst.items():
            cst[names.index(name)] = check_direction(value, name)
        return cst
    cst = np.asarray(monotonic_cst)
    if cst.shape != (n_features,):
        raise ValueError(
            f"monotonic_cst must have shape ({n_features},) (one value per feature of "
            f"X), got shape {cst.shape}.")
    # The given values, not the array's: np.asarray([True, 0]) holds 1, not True.
    # Before: [True, 0, ...] passed as +1.
    values = monotonic_cst if isinstance(monotonic_cst, (list, tuple)) else cst
    return np.array([check_direction(v, j) for j, v in enumerate(values)],
                    dtype=np.int8)


def _prefix_hint(unknown, names, given=()):
    """A sentence for the unknown-names error when an unknown name is a known one
    with or without a transformer's prefix: ``"education-num"`` where ``X`` holds
    a ``ColumnTransformer``'s output column ``"num__education-num"`` (the model in
    a Pipeline), or the reverse where ``X`` holds the raw columns
    (``check_monotonic`` on the Pipeline). Empty when none is. Before, the error
    listed every known name (over a hundred on Adult's one-hot coded columns) and
    left the user to find the prefix in it.

    Both the prefix and the name after it are non-empty (before, the key ``""``
    was told "Did you mean 'num__'", and ``"a__"`` a column named ``""``), and a
    known name that ``given`` (the user's dict) already holds is not offered
    (before, ``{"age": 1, "num__age": 1}`` was told to name ``'num__age'`` for
    ``'age'``, a key it had)."""
    def prefixed(longer, shorter):
        return (bool(shorter) and longer.endswith("__" + shorter)
                and len(longer) > len(shorter) + 2)

    pairs = []
    for name in unknown:
        matches = [known for known in names if known not in given
                   and (prefixed(known, name) or prefixed(name, known))]
        pairs.extend((name, known) for known in matches)
    if not pairs:
        return ""
    shown = ", ".join(f"{known!r} for {name!r}" for name, known in pairs[:5])
    more = " ..." if len(pairs) > 5 else ""
    return (f"Did you mean {shown}{more}? Name the columns of X as given here: a "
            "ColumnTransformer's output columns carry its transformers' names as a "
            "prefix ('num__age'; not with verbose_feature_names_out=False), its "
            "input columns do not ('age'). ")


def feature_names(X):
    """The feature names of ``X`` as scikit-learn defines them (the
    ``feature_names_in_`` a fit on ``X`` sets): its column names when all are
    strings, else None (an array, or a DataFrame with integer or mixed column
    labels)."""
    columns = getattr(X, "columns", None)
    if columns is None:
        return None
    names = list(columns)
    if names and all(isinstance(name, str) for name in names):
        return [str(name) for name in names]
    return None


def check_dict_keys(monotonic_cst, n_features):
    """``ValueError`` unless every key of the dict ``monotonic_cst`` is a str (a
    feature name), as ``HistGradientBoosting*`` require: an integer key is not
    read as a column position, nor as the name its str would be (before: ``{0:
    1}`` constrained a column named ``"0"``, and a DataFrame's integer column 0 in
    ``check_monotonic`` only). ``n_features`` None: not known yet (an unfitted
    ``RampTransformer``)."""
    shape = "" if n_features is None else f" of shape ({n_features},)"
    for key in monotonic_cst:
        if not isinstance(key, str):
            raise ValueError(
                "monotonic_cst given as a dict maps feature names (str) to "
                f"directions, got the key {plain_value(key)!r} "
                f"({type(key).__name__}). To constrain features by position, pass "
                f"an array{shape} with one direction per feature.")


def short_repr(value):
    """``repr(value)`` shortened for a message: a 400-digit entry or a list of
    thousands of values would fill the screen."""
    short = reprlib.Repr()
    short.maxlist = short.maxtuple = 12
    short.maxlong, short.maxstring, short.maxother = 40, 100, 200
    # Not for feature names: a message shows one whole (``plain_value(name)!r``).
    return short.repr(value)


def plain_value(value):
    """A NumPy scalar as the Python value it holds, for messages: ``2``, not
    ``np.int64(2)`` (NumPy 2's repr)."""
    return value.item() if isinstance(value, np.generic) else value


def check_direction(value, name):
    """``value`` as the int -1, 0 or 1; ``ValueError`` naming feature ``name`` for
    anything else (an integral float such as ``1.0`` is a direction, a bool is not)."""
    # bool is an Integral, but True is not a direction (as for the array form).
    if isinstance(value, (bool, np.bool_)) or not (
            isinstance(value, (Integral, np.integer)) or
            (isinstance(value, (float, np.floating)) and float(value).is_integer())) \
            or int(value) not in (-1, 0, 1):
        raise ValueError(
            f"monotonic_cst values must be -1, 0 or 1; got "
            f"{short_repr(plain_value(value))} for feature {plain_value(name)!r}.")
    return int(value)
