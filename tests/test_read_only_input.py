"""A read-only input compiles no kernel that a writeable one did not.

numba types a read-only array apart from a writeable one (``Array(...,
readonly=True)``): before, a read-only ``X`` (a joblib memmap in
``GridSearchCV(n_jobs=2)`` on more than 1 MB of data, ``np.load(mmap_mode="r")``,
any array with ``flags.writeable = False``) made numba compile a second set of
kernels, tens of seconds on a cold cache. The engine now hands the kernels every
array of the data as a read-only view (``sknonneg._engine.data.read_only_view``),
whatever the caller's.
"""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp

from conftest import in_thread
from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)


def _signatures():
    """The signatures of every kernel dispatcher (both flavours, each variant of a
    ``support.PerActivation`` kernel), by name."""
    from sknonneg import _kernels

    found = {}
    for module in _kernels.kernel_modules():
        for name in dir(module):
            obj = getattr(module, name)
            dispatchers = ([obj] if hasattr(obj, "signatures") else
                           list(getattr(obj, "_variants", {}).values()))
            for i, dispatcher in enumerate(dispatchers):
                found[f"{module.__name__}.{name}[{i}]"] = {
                    str(s) for s in dispatcher.signatures}
    return found


def _read_only(value):
    """A read-only copy of ``value`` (a CSR matrix: its three arrays)."""
    if value is None:
        return None
    if sp.issparse(value):
        value = value.copy()
        for array in (value.data, value.indices, value.indptr):
            array.flags.writeable = False
        return value
    value = np.array(value, copy=True)
    value.flags.writeable = False
    return value


def _estimators(dtype):
    common = dict(max_iter=3, random_state=0, dtype=dtype)
    return [
        # Two hidden layers: the layer below's output meets the kernels that read
        # the data (linear_sigmoid_forward); mini-batches of rows gathered.
        (NonNegMLPClassifier(hidden_layer_sizes=(4, 3), **common), "classes"),
        (NonNegMLPClassifier(hidden_layer_sizes=(3,), solver="adam", batch_size=16,
                             **common), "classes"),
        # A monotone network predicts with the fixed-order kernels.
        (NonNegMLPRegressor(hidden_layer_sizes=(3,),
                            monotonic_cst=[1, 0, -1, 0, 1, 0], **common), "values"),
        (ABBAClassifier(hidden_layer_sizes=(4, 3), **common), "classes"),
        (NonNegAutoencoder(n_components=2, **common), None),
    ]


def _fit_and_predict(dtype, convert):
    rng = np.random.default_rng(0)
    # In the fit's dtype: the kernels read the caller's array itself.
    dense = rng.random((40, 6)).astype(dtype)
    mostly_zeros = np.where(rng.random((40, 6)) < 0.8, 0, dense)  # CSR kernels
    targets = {"classes": np.arange(40) % 3, "values": dense @ np.arange(6.0), None: None}
    sample_weight = rng.uniform(0.5, 1.5, 40)
    outputs = []
    for estimator, kind in _estimators(dtype):
        for X in (dense, mostly_zeros, sp.csr_matrix(mostly_zeros)):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # three iterations do not converge
                estimator.fit(convert(X), convert(targets[kind]),
                              sample_weight=convert(sample_weight))
            if kind is None:
                outputs.append(estimator.transform(convert(X)))
            elif kind == "classes":
                outputs.append(estimator.predict_proba(convert(X)))
            else:
                outputs.append(estimator.predict(convert(X)))
            outputs.append(estimator._theta.copy())
    return outputs


@pytest.mark.parametrize("thread, dtype", [("worker", "float32"), ("worker", "float64"),
                                           ("main", "float64")])
def test_read_only_input_compiles_no_kernel_and_fits_alike(numba_kernels, thread,
                                                           dtype):
    # In a thread of its own (the serial kernels, as a Dask task) or the main one
    # (the parallel kernels, as a joblib worker process): fits, mini-batches and
    # predictions of every estimator on dense, mostly-zero dense and CSR input,
    # writeable first, then with X, y and sample_weight read-only. Before, the
    # second round compiled every kernel that reads the data again (the dense and
    # CSR forward and fused kernels, the CSR gradient, the conversion to CSR and
    # the transposed copy, the fixed-order products, the ABBA input layers): 11
    # kernels (12 signatures) in each case here.
    def run():
        writeable = _fit_and_predict(dtype, lambda value: value)
        before = _signatures()
        read_only = _fit_and_predict(dtype, _read_only)
        after = _signatures()
        return writeable, read_only, before, after

    writeable, read_only, before, after = run() if thread == "main" else in_thread(run)
    gained = {name: sorted(sigs - before.get(name, set()))
              for name, sigs in after.items() if sigs - before.get(name, set())}
    assert not gained
    assert len(writeable) == len(read_only)
    for a, b in zip(writeable, read_only):
        np.testing.assert_array_equal(a, b)  # bit for bit


def _fit_in_worker(estimator, X, y, sample_weight):
    """Whether the worker's X is read-only (a joblib memmap), and the fit's
    probabilities."""
    data = X.data if sp.issparse(X) else X
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a few iterations do not converge
        estimator.fit(X, y, sample_weight=sample_weight)
    return not data.flags.writeable, estimator.predict_proba(X)


@pytest.mark.parametrize("sparse", [False, True])
def test_fits_in_joblib_workers_on_memmapped_data(sparse):
    # End to end, as a user meets it: joblib.Parallel hands loky workers the
    # arrays over max_nbytes (1 MB by default; here 1500 x 100 float64, 1.2 MB)
    # as read-only memmaps. Every worker fits as the parent does on writeable
    # arrays. (GridSearchCV's workers index their folds: writeable copies.)
    from joblib import Parallel, delayed
    from sklearn.base import clone

    rng = np.random.default_rng(0)
    X = rng.random((1500, 100))
    if sparse:  # its data array alone is over 1 MB
        X = sp.random(1500, 400, density=0.3, format="csr", random_state=0)
    y = np.arange(1500) % 2
    w = rng.uniform(0.5, 1.5, 1500)
    models = [NonNegMLPClassifier(hidden_layer_sizes=(4,), max_iter=10, random_state=s)
              for s in range(2)]
    here = [_fit_in_worker(clone(m), X, y, w) for m in models]
    there = Parallel(n_jobs=2, backend="loky", max_nbytes="1M")(
        delayed(_fit_in_worker)(clone(m), X, y, w) for m in models)
    assert [read_only for read_only, _ in here] == [False, False]
    assert [read_only for read_only, _ in there] == [True, True]
    for (_, a), (_, b) in zip(here, there):
        np.testing.assert_allclose(b, a, rtol=1e-10, atol=0)
