"""``monotonic_cst`` for the dense networks: the per-feature directions, and the
conditions under which they are a guarantee.

The guarantee (Wehenkel & Louppe's and Chorowski & Zurada's argument, used by every
"constrained monotonic network"): with every layer after the first non-negative and
the first layer's rows signed by ``monotonic_cst`` (``>= 0`` for ``+1``, ``<= 0`` for
``-1``, free for ``0``), each hidden unit is a non-decreasing function of
``cst_j * x_j`` for every constrained feature ``j`` (a sigmoid of a sum whose
coefficient on ``x_j`` has the sign ``cst_j``, composed with non-negative
combinations of non-decreasing functions), and so is every output logit: the
regression value, or P(class 1) = sigmoid(logit) for a single logistic output. A
softmax output (P(class 1) depends on a difference of logits) or a signed later
layer breaks it, and such combinations are refused rather than silently weakened.
"""

import re
import warnings

import numpy as np

from .._monotonic_cst import (as_argument, check_dict_keys, directions_from_argument,
                              plain_value, short_repr)
from .._validation import user_stacklevel

__all__ = ["check_monotone_network", "fails_common_check", "has_constraint",
           "monotone_directions", "monotonic_entries",
           "resolve_monotonic_cst"]


def resolve_monotonic_cst(estimator, n_features):
    """The per-feature array of -1/0/1 given by ``estimator.monotonic_cst``, or
    None. A dict maps feature names (of a DataFrame seen in ``fit``) to directions,
    the features it does not name being free; as ``HistGradientBoosting*`` take it."""
    cst = as_argument(estimator.monotonic_cst)  # a pandas Series by its index
    if cst is None:
        return None
    if isinstance(cst, dict):
        check_dict_keys(cst, n_features)  # before the names: the key is the mistake
        names = getattr(estimator, "feature_names_in_", None)
        if names is None:
            raise ValueError(
                "monotonic_cst given as a dict needs feature names: fit on a pandas "
                "or polars DataFrame with string column names (after a transformer "
                "in a Pipeline, e.g. MinMaxScaler, ask for its columns with "
                "set_output(transform='pandas')), or pass an array of shape "
                f"({n_features},).")
        # The same resolution as check_monotonic's (unknown names are an error).
        names = [str(n) for n in names]
        directions = directions_from_argument(cst, names, n_features)
        _warn_partly_constrained_ramps(estimator, names, directions)
        return directions
    arr = np.asarray(cst)
    # The given values, not the array's: np.asarray([True, 0, -1]) holds 1, not
    # True (before: accepted as +1 here, refused by check_monotonic).
    values = cst if isinstance(cst, (list, tuple)) else arr
    # The first entry that is not a direction, named by its index: the argument,
    # shown shortened, may not reach it.
    what = None
    if arr.shape != (n_features,):
        what = f"got shape {arr.shape}"
    else:
        bad = next((j for j, v in enumerate(values) if not _is_direction(v)), None)
        if bad is not None:
            what = f"entry {bad} is {short_repr(plain_value(values[bad]))}"
        elif arr.dtype.kind not in "biuf":
            what = f"got dtype {arr.dtype}"
    if what is not None:
        raise ValueError(
            f"monotonic_cst must be an array of shape ({n_features},) with values in "
            f"{{-1, 0, 1}}, or a dict {{feature_name: -1|0|1}}; {what}: "
            f"{short_repr(cst)}.")
    return arr.astype(np.int8)


_RAMP_COLUMN = re.compile(r"^(?P<feature>.+)_ramp\d+$")


def _warn_partly_constrained_ramps(estimator, names, directions):
    """A UserWarning when a dict ``monotonic_cst`` constrains some of the columns
    that ``RampTransformer`` made from one feature (``{feature}_ramp{k}``, and the
    feature itself with ``include_input``) and leaves others free or signs them
    the other way: the model is then not monotone in that raw feature, although
    every column keeps its own constraint. The usual cause: a constraint expanded
    for one ``n_knots`` (``RampTransformer.expand_monotonic_cst``) and a
    transformer fitted with more, as in a grid search over ``n_knots`` (before,
    silently; ``check_monotonic`` found drops of 0.98)."""
    by_name = dict(zip(names, directions))
    groups = {}
    for name, direction in by_name.items():
        match = _RAMP_COLUMN.match(name)
        if match:
            groups.setdefault(match["feature"], []).append(direction)
    mixed = []
    for feature, group in groups.items():
        if feature in by_name:  # include_input=True: the feature's own column
            group = group + [by_name[feature]]
        if any(group) and len(set(group)) > 1:
            mixed.append(feature)
    if mixed:
        warnings.warn(
            f"{type(estimator).__name__}: monotonic_cst constrains some of the ramp "
            f"columns of {mixed} (RampTransformer's '<feature>_rampK' columns, and "
            "the feature itself with include_input) and leaves the others free or "
            "in another direction, so the model is not monotone in those features. "
            "Expand the constraint for the n_knots the transformer was fitted with "
            "(RampTransformer(n_knots).expand_monotonic_cst); a grid over n_knots "
            "pairs each value with its own constraint (see its Notes).",
            UserWarning, stacklevel=user_stacklevel())


def _is_direction(value):
    """Whether ``value`` is one of -1, 0, 1 (not a bool or a string); False for
    anything ``float`` refuses, including an int beyond float's range (``10**400``:
    before, its OverflowError came out of ``fit`` and ``warm_kernels``)."""
    try:
        v = float(value)
    except (TypeError, ValueError, OverflowError):
        return False
    return v in (-1.0, 0.0, 1.0) and not isinstance(value, (bool, np.bool_, str))


def check_monotone_network(estimator, cst, positive, output=None, n_classes=None):
    """Raises if the network cannot keep the monotonicity ``cst`` promises.

    ``positive``: one bool per weight layer; ``output``: the resolved output of a
    classifier (None for a regressor); ``n_classes``: of a single-label classifier
    (None for multilabel targets and regressors)."""
    if cst is None or not np.any(cst):
        return
    if not all(positive[1:]):
        signed = [i + 1 for i, p in enumerate(positive) if i > 0 and not p]
        raise ValueError(
            f"monotonic_cst needs every weight layer after the first non-negative, "
            f"but positive={estimator.positive!r} leaves weight layer(s) {signed} "
            "(counted from 1) signed: the output would not be monotone. Pass "
            "positive=True with monotonic_cst.")
    if n_classes is not None and n_classes > 2:
        raise ValueError(
            "monotonic constraints are not supported for multiclass classification.")
    if output is not None and output != "logistic":
        raise ValueError(
            f"monotonic_cst needs a logistic output, but output={estimator.output!r} "
            "gives a softmax, whose P(class 1) depends on a difference of logits and "
            'is not monotone. Pass output="logistic" (or "auto").')


def monotonic_entries(monotonic_cst):
    """The entries of ``monotonic_cst`` as given: a dict's (or a Series of feature
    names') values, an array's elements, flattened; None for None and for a value
    that :func:`as_argument` refuses (its error comes later, with the shapes)."""
    try:
        monotonic_cst = as_argument(monotonic_cst)
    except ValueError:
        return None  # refused by resolve_monotonic_cst, with the shapes
    if monotonic_cst is None:
        return None
    if isinstance(monotonic_cst, dict):
        return list(monotonic_cst.values())
    return np.ravel(np.asarray(monotonic_cst, dtype=object)).tolist()


def has_constraint(monotonic_cst):
    """Whether ``monotonic_cst`` (an array, a dict or None) constrains a feature;
    False for values it cannot read (their error comes later, with the shapes)."""
    values = monotonic_entries(monotonic_cst)
    if not values:
        return False
    # A list mixing bools and ints, [True, 0, 1], reads as a constraint here;
    # resolve_monotonic_cst then refuses its True.
    array = np.asarray(values)
    if array.dtype.kind in "iuf":
        return bool(np.any(array != 0))
    return any(_is_direction(v) and float(v) != 0 for v in values)


# What scikit-learn's ``poor_score`` tag stands for, by its definition: a training
# accuracy of 0.83 in check_classifiers_train, on its binary blobs
# (make_blobs(n_samples=300, random_state=0), classes 0 and 1, two standardised
# features), and an R^2 of 0.5 in check_regressors_train (make_regression(200,
# n_features=10, n_informative=1, random_state=42), standardised). Each needs a
# direction in one feature: (n_features, feature, direction). Measured (5 hidden
# units, 50 iterations, every monotonic_cst over {-1, 0, 1} for the blobs, the
# regression's with each of -1, 0, 1 at feature 4 among others): P(class 1) falls
# along feature 1 of the blobs, and every network non-decreasing in it failed
# (0.83), every other passed, whatever feature 0's direction, free included; the
# regression's target rises along feature 4 (its one informative feature), and
# every network non-increasing in it failed, every other passed.
COMMON_CHECK_DIRECTIONS = {"classifier": (2, 1, -1), "regressor": (10, 4, 1)}


def monotone_directions(estimator, positive, n_features):
    """Per feature, the direction in which the output of the dense network
    ``estimator`` with sign-constrained layers ``positive`` (one bool per weight
    layer, as resolved) is monotone for ``n_features`` inputs, as set before a
    fit: +1 non-decreasing, -1 non-increasing, 0 free; None where its output is
    monotone in no feature at all (a signed layer after the first), or where
    ``monotonic_cst`` does not resolve without the data (a dict, which needs
    feature names, or a value of another length, which a fit refuses).

    The first layer is signed by ``monotonic_cst`` where one is given (its free
    entries free even with ``positive=True``), else by ``positive``; every later
    layer must be non-negative. Whether the output is a single logistic unit (a
    softmax is not monotone) is the caller's to decide."""
    if not all(positive[1:]):
        return None
    if estimator.monotonic_cst is None:
        return np.full(n_features, 1 if positive[0] else 0, dtype=np.int8)
    try:
        # The resolution check_monotonic uses; without feature names a dict
        # (or a Series indexed by names) does not resolve.
        return directions_from_argument(estimator.monotonic_cst, None, n_features)
    except ValueError:
        return None


def fails_common_check(directions, kind):
    """Whether a network monotone in ``directions`` (``monotone_directions``, for
    the check's number of features) cannot fit the data of scikit-learn's
    accuracy check for ``kind`` ("classifier" or "regressor";
    ``COMMON_CHECK_DIRECTIONS``): it is monotone in that data's feature against
    the direction the data need. The ``poor_score`` tag."""
    _, feature, needed = COMMON_CHECK_DIRECTIONS[kind]
    return directions is not None and int(directions[feature]) == -needed
