"""The ``monotonic_cst`` argument: per-feature directions as a user gives them.

A direction is ``1`` (non-decreasing), ``-1`` (non-increasing) or ``0`` (free), given
as an array-like with one value per feature or as a dict ``{feature_name:
direction}``. The estimators (``neural_network._monotone``), ``RampTransformer`` and
``check_monotonic`` read the argument with the same checks and messages, here: a
low module that imports nothing else of sknonneg, so that none of them depends on
another for it.
"""

from numbers import Integral

import numpy as np

__all__ = ["check_direction", "directions_from_argument", "plain_value"]


def directions_from_argument(monotonic_cst, names, n_features):
    """``monotonic_cst`` as an int8 array of shape (n_features,) of -1/0/1.

    ``names`` (list of str, or None when the input has none) resolves a dict's keys;
    a feature the dict does not name is free. ``ValueError`` for a dict without
    names, unknown names, a wrong shape or a value that is not a direction.
    """
    if isinstance(monotonic_cst, dict):
        if names is None:
            raise ValueError(
                "monotonic_cst given as a dict needs feature names: pass X as a "
                "pandas DataFrame or an estimator fitted on one.")
        unknown = sorted(set(map(str, monotonic_cst)) - set(names))
        if unknown:
            raise ValueError(
                f"monotonic_cst names features that are not in X: {unknown}. "
                f"Known features: {names}.")
        cst = np.zeros(n_features, dtype=np.int8)
        for name, value in monotonic_cst.items():
            cst[names.index(str(name))] = check_direction(value, name)
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
            f"monotonic_cst values must be -1, 0 or 1; got {plain_value(value)!r} for "
            f"feature {plain_value(name)!r}.")
    return int(value)
