"""Small classification data sets of the objective tests (MLP and ABBA alike)."""

import numpy as np
import scipy.sparse as sp


def objective_data(kind, sparse=False, seed=0, n_samples=12, n_features=3):
    """``(X, y)``: non-negative ``X`` with ~30% zeros (CSR if ``sparse``); ``y``
    binary, 3-class or a 3-label indicator matrix (``kind`` ends in ``binary``,
    ``multiclass`` or ``multilabel``) with an all-zero and an all-one row."""
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, n_features)) * (rng.random((n_samples, n_features)) < 0.7)
    if kind.endswith("binary"):
        y = np.arange(n_samples) % 2
    elif kind.endswith("multiclass"):
        y = np.arange(n_samples) % 3
    else:
        y = (rng.random((n_samples, 3)) < 0.5).astype(int)
        y[0], y[1] = [0, 0, 0], [1, 1, 1]
    return (sp.csr_matrix(X) if sparse else X), y


def gradient_case(kind, sparse, request, n_samples=12, n_features=3):
    """``(X, y, sample_weights, rng)`` of a gradient check: ``sample_weights`` is
    ``[None, positive weights with one zero]``, ``rng`` the generator that drew them
    (for the parameters); ``sparse="blocked"`` makes CSR input take the
    blocked-CSC gradient path (through the ``small_blocks`` fixture)."""
    if sparse == "blocked":
        request.getfixturevalue("small_blocks")
    X, y = objective_data(kind, sparse, 0, n_samples, n_features)
    rng = np.random.default_rng(1)
    weights = rng.uniform(0.2, 3.0, n_samples) * (np.arange(n_samples) != 2)
    return X, y, [None, weights], rng
