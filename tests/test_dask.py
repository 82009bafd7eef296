"""Scaling out: small pickles, skops persistence, out-of-core chunks, and Dask.

The Dask tests run on a real ``LocalCluster`` of two worker processes started here
(one module-scoped cluster). A Dask task runs in a worker thread, not the main
thread, with one-thread BLAS pools; the serial references below run the same way
(``like_a_dask_task``), so their floating-point results are bitwise those of the
workers and the comparisons are exact.
"""

import importlib
import importlib.util
import os
import pickle
import re
import signal
import textwrap
import threading
import time
import tracemalloc
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from conftest import held_in_a_thread, held_in_a_thread_source
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from threadpoolctl import threadpool_info, threadpool_limits

import sknonneg
from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg.parallel import iter_chunks, kernel_compile_counts, partial_fit_chunks

ROOT = Path(__file__).resolve().parents[1]


def _importable(*names):
    try:
        for name in names:
            importlib.import_module(name)
    except ImportError:
        return False
    return True


needs_dask = pytest.mark.skipif(
    not _importable("dask", "dask.array", "distributed"),
    reason="dask[array] and distributed are not installed (the dask extra)",
)
needs_dask_ml = pytest.mark.skipif(
    not _importable("dask_ml"), reason="dask-ml is not installed")
needs_skops = pytest.mark.skipif(
    not _importable("skops"),
    reason="skops is not installed (the persist extra)")

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

GRID = {"positive": [True, False], "l1": [0.0, 1e-4, 1e-3],
        "hidden_layer_sizes": [8, 16]}


def like_a_dask_task(func, *args, **kwargs):
    """``func(*args, **kwargs)`` as a one-thread Dask worker runs a task: in a
    thread other than the main one, with one-thread BLAS pools."""
    with threadpool_limits(limits=1), ThreadPoolExecutor(1) as pool:
        return pool.submit(func, *args, **kwargs).result()


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="module")
def small_digits(digits):
    X, y = digits
    rng = np.random.RandomState(0)
    idx = np.sort(rng.choice(X.shape[0], 450, replace=False))
    return X[idx], y[idx]


# ------------------------------------------------------------------ pickling
@pytest.mark.parametrize("solver, max_ratio", [
    ("lbfgsb", 2.0),
    # Adam's two moment vectors are training state that partial_fit continues from.
    ("adam", 4.0),
])
def test_pickle_is_small_and_continues_exactly(digits, solver, max_ratio):
    X, y = digits
    kwargs = dict(hidden_layer_sizes=30, max_iter=5, solver=solver, random_state=0,
                  batch_size=200 if solver == "adam" else None)
    clf = NonNegMLPClassifier(**kwargs).partial_fit(X[:600], y[:600],
                                                    classes=np.unique(y))
    blob = pickle.dumps(clf)
    weights = sum(a.nbytes for a in clf.coefs_ + clf.intercepts_)
    assert len(blob) < max_ratio * weights
    # Nothing compiled travels: no numba object is referenced.
    assert b"numba" not in blob
    copy = pickle.loads(blob)
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    assert np.shares_memory(copy.components_, copy.coefs_[0])
    # The pickled state is all partial_fit needs: continuing gives the same network.
    clf.partial_fit(X[600:1200], y[600:1200])
    copy.partial_fit(X[600:1200], y[600:1200])
    np.testing.assert_array_equal(copy.coefs_[0], clf.coefs_[0])



@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_abba_pickles_its_parameters_once(digits, solver):
    # doc/scaling.md: a pickle is about the size of _theta, the fitted arrays
    # rebuilt from it. Before: ABBAClassifier's coefs_a_ and coefs_b_ (A and B,
    # scaled: as large as _theta) were pickled beside it, nearly doubling it.
    from sknonneg import ABBAClassifier

    X, y = digits
    clf = ABBAClassifier(hidden_layer_sizes=20, max_iter=3, solver=solver,
                         random_state=0).partial_fit(X[:600], y[:600],
                                                     classes=np.unique(y))
    state = clf.__getstate__()
    derived = {"coefs_", "intercepts_", "components_", "coefs_a_", "coefs_b_"}
    assert not derived & set(state)
    held = [k for k, v in state.items() if isinstance(v, np.ndarray) and v.size > 100]
    assert held == ["_theta"]
    copy = pickle.loads(pickle.dumps(clf))
    for name in sorted(derived):
        for a, b in zip(getattr(copy, name), getattr(clf, name)):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(copy.predict_proba(X), clf.predict_proba(X))
    assert copy.lipschitz_bound_ == clf.lipschitz_bound_
    clf.partial_fit(X[600:1200], y[600:1200])
    copy.partial_fit(X[600:1200], y[600:1200])
    np.testing.assert_array_equal(copy._theta, clf._theta)

def test_partial_fit_continues_a_fitted_network(digits):
    X, y = digits
    clf = NonNegMLPClassifier(hidden_layer_sizes=10, max_iter=5, random_state=0)
    clf.fit(X[:500], y[:500])
    theta = clf._theta.copy()
    clf.partial_fit(X[500:1000], y[500:1000])
    assert not np.array_equal(clf._theta, theta)


# ------------------------------------------------------------------- skops
@needs_skops
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_skops_round_trip(digits, tmp_path, solver):
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    from sknonneg import persist

    X, y = digits
    clf = NonNegMLPClassifier(hidden_layer_sizes=10, max_iter=5, solver=solver,
                              positive="hidden", l1=1e-4, random_state=0).fit(X, y)
    path = tmp_path / "model.skops"
    persist.dump(clf, path)
    untrusted = sio.get_untrusted_types(file=path)
    assert set(untrusted) <= set(persist.TRUSTED_TYPES)
    assert "sknonneg.neural_network._nonneg_mlp.NonNegMLPClassifier" in untrusted
    with pytest.raises(UntrustedTypesFoundException):
        sio.load(path)
    for loaded in (sio.load(path, trusted=untrusted), persist.load(path)):
        assert type(loaded) is NonNegMLPClassifier
        np.testing.assert_array_equal(loaded.predict_proba(X), clf.predict_proba(X))
        np.testing.assert_array_equal(loaded._theta, clf._theta)


class _NotAllowed:
    def __init__(self):
        self.value = 1


@needs_skops
def test_skops_load_refuses_foreign_types(digits, tmp_path):
    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    from sknonneg import persist

    X, y = digits
    clf = NonNegMLPClassifier(hidden_layer_sizes=5, max_iter=2, random_state=0).fit(X, y)
    path = tmp_path / "bundle.skops"
    sio.dump({"model": clf, "extra": _NotAllowed()}, path)
    with pytest.raises(UntrustedTypesFoundException, match="_NotAllowed"):
        persist.load(path)
    name = f"{__name__}._NotAllowed"
    assert name in persist.untrusted_types(path)
    assert persist.load(path, trusted=[name])["extra"].value == 1


@needs_skops
def test_skops_load_of_another_versions_file_says_so(tmp_path):
    import skops.io as sio

    from sknonneg import persist

    # A type this version does not have, as an older version's file holds it.
    stale = type("ProjectedAdam", (), {"__module__": "sknonneg._solvers"})
    path = tmp_path / "old.skops"
    sio.dump({"adam": stale()}, path)
    with pytest.raises(ValueError, match="another version of sknonneg.*"
                                         "sknonneg._solvers.ProjectedAdam"):
        persist.load(path)


def test_trusted_types_cover_every_public_estimator():
    # Every public class with fit, from the top level and the public subpackages
    # (before: RampTransformer was missing, and a Pipeline of it and a network,
    # dumped by persist.dump, was refused by persist.load as "written by another
    # version of sknonneg").
    import importlib

    from sknonneg import persist

    checked = []
    for module in ("sknonneg", "sknonneg.preprocessing", "sknonneg.inspection",
                   "sknonneg.robustness", "sknonneg.parallel"):
        mod = importlib.import_module(module)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if isinstance(obj, type) and hasattr(obj, "fit"):
                checked.append(obj.__name__)
                assert f"{obj.__module__}.{obj.__qualname__}" in persist.TRUSTED_TYPES
    assert "RampTransformer" in checked and "NonNegMLPRegressor" in checked


@needs_skops
def test_persist_round_trip_of_pipelines_with_every_estimator(tmp_path):
    from sklearn.pipeline import make_pipeline

    from sknonneg import NonNegAutoencoder, NonNegMLPRegressor, persist
    from sknonneg.preprocessing import RampTransformer

    rng = np.random.RandomState(0)
    X = rng.rand(40, 3)
    models = [
        make_pipeline(RampTransformer(n_knots=3), NonNegMLPRegressor(
            hidden_layer_sizes=3, max_iter=5, solver="adam",
            monotonic_cst=RampTransformer(n_knots=3).fit(X).expand_monotonic_cst(
                [1, 0, -1]), random_state=0)).fit(X, X[:, 0] - X[:, 2]),
        make_pipeline(RampTransformer(), NonNegMLPClassifier(
            hidden_layer_sizes=3, max_iter=5, random_state=0)).fit(X, X[:, 0] > 0.5),
        NonNegAutoencoder(n_components=2, max_iter=5, random_state=0).fit(X),
    ]
    for i, model in enumerate(models):
        path = tmp_path / f"m{i}.skops"
        persist.dump(model, path)
        loaded = persist.load(path)
        method = "transform" if i == 2 else "predict"
        np.testing.assert_array_equal(getattr(loaded, method)(X),
                                      getattr(model, method)(X))


@needs_skops
def test_persist_load_of_a_file_that_is_not_skops(tmp_path):
    import pickle

    from sknonneg import persist

    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps({"a": 1}))
    with pytest.raises(ValueError, match="not a file written by sknonneg.persist.dump"):
        persist.load(path)
    with pytest.raises(ValueError, match="not a file written by sknonneg.persist.dump"):
        persist.untrusted_types(path)


# -------------------------------------------------------------- out of core
def test_iter_chunks_checks_its_arguments_when_called():
    # Before: a generator, it raised only at the first next(), and any truthy
    # shuffle ("no") shuffled.
    with pytest.raises(ValueError, match="chunk_size"):
        iter_chunks(10, 0)
    with pytest.raises(TypeError, match="^The 'shuffle' parameter of iter_chunks must be an "
                       "instance of 'bool'"):
        iter_chunks(10, 3, shuffle="no")
    assert list(iter_chunks(10, 4, shuffle=np.False_)) == [(0, 4), (4, 8), (8, 10)]


def test_partial_fit_chunks_names_itself_for_its_shuffle_flag():
    # Before: "The 'shuffle' parameter of iter_chunks", a function not called.
    with pytest.raises(TypeError, match="^The 'shuffle' parameter of "
                       "partial_fit_chunks must be an instance of 'bool'"):
        partial_fit_chunks(NonNegMLPClassifier(), np.ones((6, 2)), np.arange(6) % 2,
                           classes=[0, 1], shuffle="no")


@needs_dask
@pytest.mark.parametrize("flag", ["shuffle_blocks", "compute"])
@pytest.mark.parametrize("bad", ["no", 0])
def test_fit_dask_blocks_flags_must_be_bools(flag, bad):
    # Before: never checked: shuffle_blocks="no" shuffled, compute="no" computed
    # and compute=0 returned the Delayed.
    import dask.array as da

    from sknonneg.parallel import fit_dask_blocks

    X = da.from_array(np.ones((6, 2)), chunks=3)
    y = da.from_array(np.arange(6) % 2, chunks=3)
    with pytest.raises(TypeError, match=f"^The '{flag}' parameter of fit_dask_blocks "
                       "must be an instance of 'bool'"):
        fit_dask_blocks(NonNegMLPClassifier(), X, y, classes=[0, 1], **{flag: bad})


def test_iter_chunks_covers_each_row_once_per_epoch():
    chunks = list(iter_chunks(1003, 100, n_epochs=2, shuffle=True, random_state=0))
    assert len(chunks) == 22
    for epoch in (chunks[:11], chunks[11:]):
        rows = np.concatenate([np.arange(a, b) for a, b in epoch])
        np.testing.assert_array_equal(np.sort(rows), np.arange(1003))
    assert chunks[:11] != chunks[11:]


def _fit_chunks(path_X, path_y, chunk_size):
    X = np.load(path_X, mmap_mode="r")
    y = np.load(path_y, mmap_mode="r")
    clf = NonNegMLPClassifier(hidden_layer_sizes=8, max_iter=24, random_state=0)
    tracemalloc.start()
    try:
        partial_fit_chunks(clf, X, y, classes=np.arange(10), chunk_size=chunk_size,
                           transform=lambda chunk: chunk / 16.0)
        return tracemalloc.get_traced_memory()[1], clf
    finally:
        tracemalloc.stop()


def test_partial_fit_chunks_memmap_memory_bounded(digits, tmp_path):
    X, y = digits
    X_uint8 = np.rint(X * 16).astype(np.uint8)
    chunk_size = 300
    peaks, fitted = {}, {}
    for copies in (1, 4):
        np.save(tmp_path / f"X{copies}.npy", np.tile(X_uint8, (copies, 1)))
        np.save(tmp_path / f"y{copies}.npy", np.tile(y, copies))
        peaks[copies], fitted[copies] = _fit_chunks(
            tmp_path / f"X{copies}.npy", tmp_path / f"y{copies}.npy", chunk_size)
    # The peak is set by the chunk, not by the file (4x more rows, same peak): a
    # few float64 copies of one chunk (read, scaled, validated) and small buffers.
    assert peaks[4] < 1.25 * peaks[1]
    assert peaks[4] < 8 * chunk_size * X.shape[1] * 8
    # The same network as an in-memory loop over the same chunks.
    ref = NonNegMLPClassifier(**fitted[1].get_params())
    for start in range(0, X.shape[0], chunk_size):
        ref.partial_fit(X[start:start + chunk_size], y[start:start + chunk_size],
                        classes=np.arange(10))
    np.testing.assert_array_equal(fitted[1].coefs_[0], ref.coefs_[0])
    assert fitted[4].score(X, y) > 0.75


def _loop(est, X, y, chunk_size, **kwargs):
    for start in range(0, X.shape[0], chunk_size):
        est.partial_fit(X[start:start + chunk_size], y[start:start + chunk_size],
                        **kwargs)
    return est


def test_partial_fit_chunks_takes_texts_with_a_transform():
    # Before: a list of texts with transform=HashingVectorizer().transform (the
    # out-of-core text recipe), or with transform=pipe[:-1].transform (the advice
    # given for a Pipeline), was refused: "X must be a 2-D array sliced by rows
    # ... got a list that reads as an array of shape (n,)". The texts are sliced
    # as given and the transform makes their rows.
    import pandas as pd
    from sklearn.feature_extraction.text import HashingVectorizer, TfidfVectorizer
    from sklearn.pipeline import make_pipeline

    words = ["free", "money", "meeting", "noon", "prize", "report", "lunch", "win"]
    rng = np.random.RandomState(0)
    docs = [" ".join(rng.choice(words, size=5)) for _ in range(90)]
    y = np.array(["free" in d or "win" in d for d in docs], dtype=int)
    clf = NonNegMLPClassifier(hidden_layer_sizes=3, max_iter=3, random_state=0)
    hashing = HashingVectorizer(n_features=32, alternate_sign=False)
    ref = _loop(clone(clf), hashing.transform(docs), y, 30, classes=[0, 1])
    for texts in (docs, tuple(docs), np.asarray(docs, dtype=object),
                  pd.Series(docs)):
        seen = []

        def transform(chunk):
            seen.append(type(chunk))
            return hashing.transform(chunk)

        got = partial_fit_chunks(clone(clf), texts, y, classes=[0, 1], chunk_size=30,
                                 transform=transform)
        np.testing.assert_array_equal(got._theta, ref._theta)
        assert len(seen) == 3
    # The advice for a Pipeline works on texts.
    pipe = make_pipeline(TfidfVectorizer(), clone(clf))
    pipe[:-1].fit(docs)
    with pytest.raises(TypeError, match=r"transform=pipe\[:-1\]\.transform"):
        partial_fit_chunks(pipe, docs, y, classes=[0, 1])
    got = partial_fit_chunks(pipe[-1], docs, y, classes=[0, 1], chunk_size=30,
                             transform=pipe[:-1].transform)
    ref = _loop(clone(clf), pipe[:-1].transform(docs), y, 30, classes=[0, 1])
    np.testing.assert_array_equal(got._theta, ref._theta)
    # Without a transform, texts are still refused, and told of it.
    with pytest.raises(TypeError, match=r"reads as an array of shape \(90,\), or, "
                                        r"with a transform that makes the rows"):
        partial_fit_chunks(clone(clf), docs, y, classes=[0, 1])


def test_partial_fit_chunks_takes_regressors_and_csr(digits):
    """A regressor (no classes) and a CSR input (chunks stay sparse) train as the
    in-memory loop of partial_fit over the same chunks does."""
    import scipy.sparse as sp

    X, y = digits[0][:600], digits[1][:600]
    reg = NonNegMLPRegressor(hidden_layer_sizes=8, max_iter=5, random_state=0)
    got = partial_fit_chunks(clone(reg), X, y / 9.0, chunk_size=200)
    ref = _loop(clone(reg), X, y / 9.0, 200)
    np.testing.assert_array_equal(got._theta, ref._theta)
    clf = NonNegMLPClassifier(hidden_layer_sizes=8, max_iter=5, random_state=0)
    classes = np.arange(10)
    got = partial_fit_chunks(clone(clf), sp.csr_matrix(X), y, classes=classes,
                             chunk_size=200)
    ref = _loop(clone(clf), X, y, 200, classes=classes)
    np.testing.assert_allclose(got._theta, ref._theta, rtol=1e-10, atol=1e-12)


def test_partial_fit_chunks_takes_what_partial_fit_takes_and_refuses_no_rows(digits):
    # Before: a COO X failed with "'coo_matrix' object is not subscriptable", a
    # sparse label indicator y with "sparse array length is ambiguous" (partial_fit
    # takes both), and 0 rows returned the estimator unfitted, silently.
    import scipy.sparse as sp

    X, y = digits[0][:300], digits[1][:300] % 2
    Y = np.c_[y, 1 - y]
    clf = NonNegMLPClassifier(hidden_layer_sizes=4, max_iter=3, random_state=0)
    got = partial_fit_chunks(clone(clf), sp.coo_matrix(X), y, classes=[0, 1],
                             chunk_size=100)
    ref = _loop(clone(clf), X, y, 100, classes=[0, 1])
    np.testing.assert_allclose(got._theta, ref._theta, rtol=1e-10, atol=1e-12)
    multilabel = partial_fit_chunks(clone(clf), X, sp.csr_matrix(Y), chunk_size=100)
    assert multilabel.predict(X).shape == Y.shape
    with pytest.raises(ValueError, match="0 sample"):
        partial_fit_chunks(clone(clf), X[:0], y[:0], classes=[0, 1])
    assert all(type(stop) is int for _, stop in iter_chunks(10, np.int64(3)))



def test_partial_fit_chunks_takes_a_list(digits):
    # Before: documented as array-like, a list of rows was refused ("X must be a
    # 2-D array sliced by rows ... got list"); it is read as an array, as
    # check_array reads it.
    X, y = digits[0][:300], digits[1][:300] % 2
    clf = NonNegMLPClassifier(hidden_layer_sizes=4, max_iter=3, random_state=0)
    got = partial_fit_chunks(clone(clf), X.tolist(), y.tolist(), classes=[0, 1],
                             chunk_size=100)
    ref = _loop(clone(clf), X, y, 100, classes=[0, 1])
    np.testing.assert_array_equal(got._theta, ref._theta)
    got = partial_fit_chunks(clone(clf), tuple(map(tuple, X)), y, classes=[0, 1],
                             chunk_size=100)
    np.testing.assert_array_equal(got._theta, ref._theta)
    with pytest.raises(ValueError, match="X must be a 2-D array-like; a list whose "
                                         "rows cannot form one"):
        partial_fit_chunks(clone(clf), [[1.0, 2.0], [3.0]], [0, 1], classes=[0, 1])
    with pytest.raises(TypeError, match=r"2-D array sliced by rows .* got a list "
                                        r"that reads as an array of shape \(3,\)"):
        partial_fit_chunks(clone(clf), [1.0, 2.0, 3.0], [0, 1, 0], classes=[0, 1])


def test_partial_fit_chunks_refuses_a_scalar_y(digits):
    # Before: "TypeError: object of type 'int' has no len()".
    X = digits[0][:20]
    for y in (3, np.int64(3), "ab"):
        with pytest.raises(ValueError, match=r"y must be of shape \(n_samples,\) or "
                           r"\(n_samples, n_outputs\), got shape \(\)"):
            partial_fit_chunks(NonNegMLPClassifier(2, max_iter=2), X, y,
                               classes=[0, 1])


def test_partial_fit_chunks_takes_sample_weight(digits, tmp_path):
    # Before: "partial_fit_chunks() got an unexpected keyword argument
    # 'sample_weight'" (fit_dask_blocks takes one). Each call gets its chunk's
    # weights, in the shuffled chunk order, as a loop of partial_fit by hand does.
    import pandas as pd

    X, y = digits[0][:500], digits[1][:500] % 3
    w = np.random.RandomState(1).uniform(0, 2, size=500)
    w[::7] = 0.0
    np.save(tmp_path / "w.npy", w)
    clf = NonNegMLPClassifier(hidden_layer_sizes=4, max_iter=6, random_state=0)
    kwargs = dict(chunk_size=150, n_epochs=2, shuffle=True, random_state=3)
    ref = clone(clf)
    for start, stop in iter_chunks(500, **kwargs):
        ref.partial_fit(X[start:stop], y[start:stop], classes=[0, 1, 2],
                        sample_weight=w[start:stop])
    unweighted = partial_fit_chunks(clone(clf), X, y, classes=[0, 1, 2], **kwargs)
    assert not np.array_equal(unweighted._theta, ref._theta)
    for weights in (w, list(w), np.load(tmp_path / "w.npy", mmap_mode="r"),
                    pd.Series(w, index=np.arange(500)[::-1])):
        got = partial_fit_chunks(clone(clf), X, y, classes=[0, 1, 2],
                                 sample_weight=weights, **kwargs)
        np.testing.assert_array_equal(got._theta, ref._theta)


@pytest.mark.parametrize("weights, match", [
    (np.ones(299), "X has 300 rows but sample_weight has 299"),
    (np.ones((300, 1)), r"sample_weight must be 1-D, of shape \(n_samples,\), got "
                        r"shape \(300, 1\)"),
    (np.array(2.0), r"sample_weight must be 1-D, .* got shape \(\)"),
    (np.r_[np.ones(250), -1.0, np.ones(49)],
     r"finite and non-negative, got -1\.0 at row 250 \(1 such row\(s\) in rows "
     r"200:300\)"),
    (np.r_[np.ones(299), np.nan], r"finite and non-negative, got nan at row 299"),
    (np.r_[np.ones(100), np.zeros(100), np.ones(100)],
     r"sample_weight is 0 on every row of the chunk 100:200 \(chunk_size=100\), "
     "which partial_fit refuses"),
    (["a"] * 300, "sample_weight must be numbers; rows 0:100 are not"),
], ids=["length", "2-D", "0-d", "negative", "nan", "zero-chunk", "strings"])
def test_partial_fit_chunks_checks_sample_weight_before_the_first_call(digits, weights,
                                                                       match):
    X, y = digits[0][:300], digits[1][:300] % 2
    clf = NonNegMLPClassifier(hidden_layer_sizes=4, max_iter=3, random_state=0)
    with pytest.raises(ValueError, match=match):
        partial_fit_chunks(clf, X, y, classes=[0, 1], chunk_size=100,
                           sample_weight=weights, shuffle=True, random_state=0)
    assert not hasattr(clf, "coefs_")  # refused before any chunk was fitted


def test_partial_fit_chunks_sample_weight_needs_a_partial_fit_that_takes_it(digits):
    class NoWeights:
        def partial_fit(self, X, y, classes=None):
            raise AssertionError("not called")

    X, y = digits[0][:300], digits[1][:300] % 2
    with pytest.raises(TypeError, match="NoWeights.partial_fit takes no "
                                        "sample_weight"):
        partial_fit_chunks(NoWeights(), X, y, classes=[0, 1],
                           sample_weight=np.ones(300))


@pytest.mark.parametrize("c", [2.5, 3, np.float32(0.7)])
def test_partial_fit_chunks_takes_a_number_as_sample_weight(digits, c):
    # Before: "sample_weight must be 1-D, of shape (n_samples,), got shape ()",
    # though fit and partial_fit take a number (scikit-learn's
    # _check_sample_weight): every row weighted by it.
    X, y = digits[0][:500], digits[1][:500] % 3
    kwargs = dict(chunk_size=150, n_epochs=2, shuffle=True, random_state=3)
    for est, fit_kwargs in [
            (NonNegMLPClassifier(hidden_layer_sizes=4, max_iter=6, random_state=0),
             dict(classes=[0, 1, 2])),
            (NonNegMLPRegressor(hidden_layer_sizes=4, max_iter=6, random_state=0), {})]:
        ref = partial_fit_chunks(clone(est), X, y, sample_weight=np.full(500, c),
                                 **fit_kwargs, **kwargs)
        got = partial_fit_chunks(clone(est), X, y, sample_weight=c, **fit_kwargs,
                                 **kwargs)
        np.testing.assert_array_equal(got._theta, ref._theta)


@pytest.mark.parametrize("c", [0, 0.0, -1.0, np.nan, np.inf])
def test_partial_fit_chunks_refuses_the_numbers_partial_fit_refuses(digits, c):
    # The estimators' own rule and message, before any chunk is fitted.
    X, y = digits[0][:300], digits[1][:300] % 2
    with pytest.raises(ValueError) as expected:
        clone(NonNegMLPClassifier()).partial_fit(X, y, classes=[0, 1],
                                                 sample_weight=c)
    clf = NonNegMLPClassifier(hidden_layer_sizes=4, max_iter=3, random_state=0)
    with pytest.raises(ValueError, match=re.escape(str(expected.value))):
        partial_fit_chunks(clf, X, y, classes=[0, 1], chunk_size=100,
                           sample_weight=c)
    assert not hasattr(clf, "coefs_")


@needs_dask
@pytest.mark.parametrize("c", [2.5, 3])
def test_fit_dask_blocks_takes_a_number_as_sample_weight(digits, c):
    # Before: "sample_weight must be 1-D, of shape (n_samples,), got shape ()".
    import dask
    import dask.array as da

    from sknonneg.parallel import fit_dask_blocks

    X, y = digits[0][:600], digits[1][:600]
    blocks = da.from_array(X, chunks=(200, -1))
    clf = NonNegMLPClassifier(hidden_layer_sizes=6, max_iter=3, random_state=0)
    with dask.config.set(scheduler="synchronous"):
        ref = fit_dask_blocks(clone(clf), blocks, y, classes=np.arange(10),
                              sample_weight=np.full(600, c))
        got = fit_dask_blocks(clone(clf), blocks, y, classes=np.arange(10),
                              sample_weight=c)
    np.testing.assert_array_equal(got._theta, ref._theta)
    for bad, match in [(0.0, "at least one non-zero"),
                       (-2.0, "finite and non-negative"),
                       (np.nan, "finite and non-negative")]:
        with pytest.raises(ValueError, match=match):  # at the call, not compute
            fit_dask_blocks(clone(clf), blocks, y, classes=np.arange(10),
                            sample_weight=bad, compute=False)


def test_partial_fit_chunks_keeps_a_dataframes_column_names(digits):
    # Before: each chunk went through np.asarray, so feature_names_in_ was missing,
    # a monotonic_cst given by name was refused ("needs feature names: fit on a
    # pandas DataFrame", which the user had done), and a model fitted on the frame
    # warned "X does not have valid feature names" on every chunk.
    import pandas as pd

    X = pd.DataFrame(digits[0][:300, :6], columns=list("abcdef"),
                     index=np.arange(300) * 7 + 5)  # an index that is not positions
    y = pd.Series(digits[1][:300] % 2, index=X.index)
    clf = NonNegMLPClassifier(hidden_layer_sizes=4, max_iter=3, random_state=0,
                              monotonic_cst={"b": 1})
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        got = partial_fit_chunks(clone(clf), X, y, classes=[0, 1], chunk_size=100)
    assert list(got.feature_names_in_) == list("abcdef")
    assert list(got.monotonic_cst_) == [0, 1, 0, 0, 0, 0]
    ref = _loop(clone(clf).set_params(monotonic_cst=[0, 1, 0, 0, 0, 0]),
                X.to_numpy(), y.to_numpy(), 100, classes=[0, 1])
    np.testing.assert_array_equal(got._theta, ref._theta)

@needs_dask
def test_fit_dask_blocks_takes_a_regressor(digits):
    import dask
    import dask.array as da

    from sknonneg.parallel import fit_dask_blocks

    X, y = digits[0][:600], digits[1][:600] / 9.0
    reg = NonNegMLPRegressor(hidden_layer_sizes=8, max_iter=5, random_state=0)
    with dask.config.set(scheduler="synchronous"):
        got = fit_dask_blocks(reg, da.from_array(X, chunks=(200, -1)),
                              da.from_array(y, chunks=200))
    ref = _loop(clone(reg), X, y, 200)
    np.testing.assert_array_equal(got._theta, ref._theta)


def test_partial_fit_chunks_trains_the_autoencoder(digits):
    """y=None for the unsupervised NonNegAutoencoder (before: TypeError, len of
    None), dense or CSR, as the in-memory loop of partial_fit."""
    import scipy.sparse as sp

    from sknonneg import NonNegAutoencoder

    X = digits[0][:600]  # in [0, 1] already
    ae = NonNegAutoencoder(n_components=6, max_iter=5, random_state=0)
    ref = clone(ae)
    for start in range(0, 600, 200):
        ref.partial_fit(X[start:start + 200])
    for X_in in (X, sp.csr_matrix(X)):
        got = partial_fit_chunks(clone(ae), X_in, None, chunk_size=200)
        np.testing.assert_allclose(got._theta, ref._theta, rtol=1e-10, atol=1e-12)
    # y defaults to None, as in fit(X) (before: "missing argument 'y'").
    got = partial_fit_chunks(clone(ae), X, chunk_size=200)
    np.testing.assert_allclose(got._theta, ref._theta, rtol=1e-10, atol=1e-12)


@needs_dask
def test_fit_dask_blocks_splits_sample_weight_at_the_row_chunks(digits):
    # Before: the whole sample_weight went to every block's partial_fit, which
    # refused it ("sample_weight.shape == (600,), expected (200,)").
    import dask
    import dask.array as da

    from sknonneg.parallel import fit_dask_blocks

    X, y = digits[0][:600], digits[1][:600]
    weights = np.random.RandomState(0).uniform(0.5, 2.0, size=600)
    clf = NonNegMLPClassifier(hidden_layer_sizes=6, max_iter=3, random_state=0)
    ref = clone(clf)
    for start in range(0, 600, 200):
        ref.partial_fit(X[start:start + 200], y[start:start + 200],
                        classes=np.arange(10),
                        sample_weight=weights[start:start + 200])
    with dask.config.set(scheduler="synchronous"):
        for w in (weights, da.from_array(weights, chunks=300)):
            got = fit_dask_blocks(clone(clf), da.from_array(X, chunks=(200, -1)), y,
                                  classes=np.arange(10), sample_weight=w)
            np.testing.assert_allclose(got._theta, ref._theta, rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="sample_weight has 599"):
        fit_dask_blocks(clone(clf), da.from_array(X, chunks=(200, -1)), y,
                        classes=np.arange(10), sample_weight=weights[:599])


@needs_dask
def test_fit_dask_blocks_takes_a_sparse_y_and_refuses_a_0d_sample_weight(digits):
    # Before: a bare "IndexError: tuple index out of range" for an in-memory sparse
    # label indicator y (which partial_fit and partial_fit_chunks take) and for a
    # 0-d sample_weight or y: np.asarray made them 0-d. (A number as sample_weight
    # is taken, as partial_fit takes it.)
    import dask
    import dask.array as da
    import scipy.sparse as sp

    from sknonneg.parallel import fit_dask_blocks

    X = digits[0][:600]
    Y = np.c_[digits[1][:600] % 2, digits[1][:600] > 4].astype(int)
    blocks = da.from_array(X, chunks=(200, -1))
    clf = NonNegMLPClassifier(hidden_layer_sizes=6, output="logistic", max_iter=3,
                              random_state=0)
    ref = _loop(clone(clf), X, Y, 200)
    with dask.config.set(scheduler="synchronous"):
        for Y_sparse in (sp.csr_matrix(Y), sp.coo_matrix(Y)):
            got = fit_dask_blocks(clone(clf), blocks, Y_sparse)
            np.testing.assert_array_equal(got._theta, ref._theta)
    with pytest.raises(ValueError, match="X has 600 rows but y has 599"):
        fit_dask_blocks(clone(clf), blocks, sp.csr_matrix(Y[:599]))
    with pytest.raises(ValueError, match=r"sample_weight must be 1-D, of shape "
                       r"\(n_samples,\), got shape \(\)"):
        fit_dask_blocks(clone(clf), blocks, Y, sample_weight=np.array(2.0))
    with pytest.raises(TypeError, match="sample_weight must be a 1-D array-like, "
                       "got a sparse matrix"):
        fit_dask_blocks(clone(clf), blocks, Y, sample_weight=sp.csr_matrix(Y[:, :1]))
    with pytest.raises(ValueError, match=r"y must be of shape \(n_samples,\) or "
                       r"\(n_samples, n_outputs\), got shape \(\)"):
        fit_dask_blocks(clone(clf), blocks, 3)


@needs_dask
def test_fit_dask_blocks_takes_the_autoencoder_and_in_memory_targets(digits):
    import dask
    import dask.array as da

    from sknonneg import NonNegAutoencoder
    from sknonneg.parallel import fit_dask_blocks

    X, y = digits[0][:600], digits[1][:600] / 9.0
    blocks = da.from_array(X, chunks=(200, -1))
    ae = NonNegAutoencoder(n_components=6, max_iter=5, random_state=0)
    ref = clone(ae)
    for start in range(0, 600, 200):
        ref.partial_fit(X[start:start + 200])
    reg = NonNegMLPRegressor(hidden_layer_sizes=8, max_iter=5, random_state=0)
    with dask.config.set(scheduler="synchronous"):
        got = fit_dask_blocks(ae, blocks, None)
        np.testing.assert_array_equal(got._theta, ref._theta)
        got = fit_dask_blocks(ae, blocks)  # y defaults to None, as in fit(X)
        np.testing.assert_array_equal(got._theta, ref._theta)
        # A NumPy y is split at X's row chunks (before: AttributeError, .chunks).
        got = fit_dask_blocks(reg, blocks, y)
    np.testing.assert_array_equal(got._theta, _loop(clone(reg), X, y, 200)._theta)
    with pytest.raises(ValueError, match="X has 600 rows but y has 10"):
        fit_dask_blocks(reg, blocks, y[:10])
    # A dask y of another length too (before: "Chunks do not add up to shape").
    with pytest.raises(ValueError, match="X has 600 rows but y has 300"):
        fit_dask_blocks(reg, blocks, da.from_array(y[:300], chunks=100))
    with pytest.raises(TypeError, match="needs a dask array, got ndarray"):
        fit_dask_blocks(reg, X, y)


# -------------------------------------------------------------------- Dask
def _load_recipes():
    spec = importlib.util.spec_from_file_location(
        "scaling_recipes", ROOT / "examples" / "scaling_recipes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def recipes():
    return _load_recipes()


@pytest.fixture(scope="module")
def client(recipes):
    """The documented cluster: ``start_cluster`` of examples/scaling_recipes.py."""
    if not _importable("dask", "dask.array", "distributed"):
        pytest.skip("dask[array] and distributed are not installed")
    from sknonneg.parallel import warm_kernels

    # Compiled here once, into numba's disk cache, the two workers' plugin loads the
    # serial kernels instead of compiling the same ones in both processes at once
    # (on a cold cache that doubled the CPU time of this fixture; this process's
    # own tests warm the same kernels anyway).
    warm_kernels(NonNegMLPClassifier())
    cluster, client = recipes.start_cluster()
    client.wait_for_workers(2)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def _search():
    return GridSearchCV(
        NonNegMLPClassifier(max_iter=25, random_state=0), GRID,
        cv=StratifiedKFold(3, shuffle=True, random_state=0), n_jobs=-1)


def _dask_search(X, y):
    import joblib

    with joblib.parallel_config(backend="dask"):
        return _search().fit(X, y)


@pytest.fixture(scope="module")
def serial_search(small_digits):
    X, y = small_digits
    return like_a_dask_task(_search().set_params(n_jobs=1).fit, X, y)


def _assert_same_search(search, reference):
    """Same best parameters, bitwise the same score of every fit. (Means and standard
    deviations to the last bit but one: dask-ml averages in another order.)"""
    assert search.best_params_ == reference.best_params_
    for key, value in reference.cv_results_.items():
        if re.fullmatch(r"(split\d+|rank)_test_score", key):
            np.testing.assert_array_equal(search.cv_results_[key], value, err_msg=key)
        elif key in ("mean_test_score", "std_test_score"):
            np.testing.assert_allclose(search.cv_results_[key], value, rtol=1e-12,
                                       atol=1e-15, err_msg=key)


@needs_dask
def test_workers_use_one_thread_and_warm_kernels(client):
    from sknonneg._threads import thread_budget

    budgets = client.run(thread_budget)
    assert list(budgets.values()) == [1, 1]
    pools = client.run(lambda: [p["num_threads"] for p in threadpool_info()
                                if p["user_api"] == "blas"])
    assert all(n == [1] * len(n) for n in pools.values())
    # The plugin loaded (from numba's disk cache) or compiled the serial kernels on
    # every worker before any task.
    def serial_kernel_ready():
        from sknonneg._kernels import dense

        return len(dense.linear_sigmoid_loss_backprop_serial.signatures) > 0

    assert all(client.run(serial_kernel_ready).values())


@needs_dask
@pytest.mark.parametrize("kwargs, error, match", [
    ({"n_threads": 0}, ValueError,
     "The 'n_threads' parameter of ThreadLimits must be a positive int. Got 0"),
    ({"n_threads": -1}, ValueError, "'n_threads' parameter of ThreadLimits must be a"),
    ({"n_threads": 1.5}, ValueError,
     "The 'n_threads' parameter of ThreadLimits must be a positive int. Got 1.5"),
    ({"warm_for": "NonNegMLPClassifier"}, TypeError, "sknonneg estimator"),
])
def test_thread_limits_refuses_bad_arguments(kwargs, error, match):
    # Before: 1.5 was truncated to 1, 0 and -1 were passed to threadpoolctl on every
    # worker, and a bad warm_for failed on every worker's setup instead of here.
    from sknonneg.parallel import ThreadLimits

    with pytest.raises(error, match=match):
        ThreadLimits(**kwargs)


def test_warm_kernels_lets_the_damaged_cache_warning_through(monkeypatch):
    # warm_kernels silences its tiny fit's warnings; before, also the one saying
    # that a damaged numba cache file was removed and its kernel recompiled
    # (sknonneg._kernels.support), so a Dask worker's setup rebuilt it silently.
    from sklearn.base import BaseEstimator, RegressorMixin

    from sknonneg.parallel import _workers, warm_kernels

    class Noisy(RegressorMixin, BaseEstimator):
        def fit(self, X, y):
            warnings.warn("numba's on-disk cache of sknonneg's compiled kernel 'k' "
                          "could not be loaded", UserWarning)
            warnings.warn("a warning of the tiny fit", UserWarning)
            return self

        partial_fit = fit

        def predict(self, X):
            return np.zeros(len(X))

    monkeypatch.setattr(_workers, "_warm_target", lambda estimator: estimator)
    monkeypatch.setattr(_workers, "_small_copy", lambda estimator: Noisy())
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        warm_kernels(Noisy())
    messages = [str(w.message) for w in record]
    assert any(m.startswith("numba's on-disk cache") for m in messages), messages
    assert not any("tiny fit" in m for m in messages), messages


def test_warm_kernels_sparse_must_be_a_bool():
    # Before: any truthy value ("no") compiled the CSR kernels, where iter_chunks
    # refuses a shuffle that is not a bool. Refused before anything is compiled.
    from sknonneg.parallel import warm_kernels

    with pytest.raises(TypeError, match="^The 'sparse' parameter of warm_kernels must be an "
                       "instance of 'bool'"):
        warm_kernels(sparse="no")


# With the tests of ``client``, whose set-up compiles the same serial kernels
# (warm_kernels(NonNegMLPClassifier())): compiled once, in one worker.
@pytest.mark.xdist_group("dask-cluster")
@pytest.mark.parametrize("class_weight", [{"spam": 5.0, "ham": 1.0}, "balanced"])
def test_warm_kernels_ignores_class_weight(class_weight):
    # Before: "The classes, [0, 1, 2], are not in class_weight" for a dict naming
    # the real labels ("balanced": partial_fit's refusal of it), from warm_kernels
    # and from every worker's setup of ThreadLimits(warm_for=...): the tiny warm-up
    # fit kept class_weight and fitted the made-up labels 0..2.
    import asyncio

    from sknonneg import ABBAClassifier, _kernels
    from sknonneg.parallel import ThreadLimits, warm_kernels

    for est, kernel in ((NonNegMLPClassifier(class_weight=class_weight),
                         "linear_sigmoid_loss_backprop_serial"),
                        (ABBAClassifier(class_weight=class_weight),
                         "abba_input_forward_serial")):
        # Before: only "returns a dict"; now the counts and the estimator's serial
        # kernel, compiled or loaded from numba's cache, in its dtype (float64).
        assert warm_kernels(est) == kernel_compile_counts()
        assert any("float64" in str(sig)
                   for sig in getattr(_kernels, kernel).signatures), kernel
        assert est.class_weight == class_weight  # the estimator is not changed
    if _importable("distributed"):
        plugin = ThreadLimits(1, warm_for=NonNegMLPClassifier(class_weight=class_weight))
        asyncio.run(plugin.setup(None))
        plugin.teardown(None)


@needs_dask
def test_grid_search_on_cluster_matches_serial(client, small_digits, serial_search):
    X, y = small_digits
    before = client.run(kernel_compile_counts)
    search = _dask_search(X, y)
    _assert_same_search(search, serial_search)
    assert len(search.cv_results_["params"]) == 12
    # No task compiled anything: every worker reused its kernels.
    assert client.run(kernel_compile_counts) == before


@needs_dask
@pytest.mark.parametrize("wrapper", [
    pytest.param("dask_ml", marks=needs_dask_ml), "fit_dask_blocks"])
def test_incremental_over_blocks_matches_in_memory_loop(client, digits, wrapper):
    import dask.array as da

    from sknonneg.parallel import fit_dask_blocks, predict_blocks

    X, y = digits
    X_train, y_train, X_test, y_test = X[:1500], y[:1500], X[1500:], y[1500:]
    X_da = da.from_array(X_train, chunks=(60, -1))
    y_da = da.from_array(y_train, chunks=60)
    n_blocks = X_da.numblocks[0]
    assert n_blocks >= 20
    classes = np.unique(y)
    est = NonNegMLPClassifier(hidden_layer_sizes=20, max_iter=2 * n_blocks,
                              random_state=0)

    def in_memory_loop():
        ref = NonNegMLPClassifier(**est.get_params())
        for _ in range(2):
            for start in range(0, 1500, 60):
                ref.partial_fit(X_train[start:start + 60], y_train[start:start + 60],
                                classes=classes)
        return ref

    ref = like_a_dask_task(in_memory_loop)
    if wrapper == "dask_ml":
        from dask_ml.wrappers import Incremental

        inc = Incremental(est, shuffle_blocks=False)
        inc.fit(X_da, y_da, classes=classes)
        inc.partial_fit(X_da, y_da, classes=classes)      # second epoch
        fitted = inc.estimator_
        proba = inc.predict_proba(da.from_array(X_test, chunks=(100, -1)))
    else:
        fitted = fit_dask_blocks(est, X_da, y_da, classes=classes, n_epochs=2)
        assert not hasattr(est, "coefs_")                  # the input is not trained
        proba = predict_blocks(fitted, da.from_array(X_test, chunks=(100, -1)),
                               method="predict_proba")
    np.testing.assert_array_equal(fitted._theta, ref._theta)
    assert fitted.score(X_test, y_test) == ref.score(X_test, y_test) > 0.7
    np.testing.assert_array_equal(proba.compute(), ref.predict_proba(X_test))


@needs_dask
def test_parallel_prediction(client, digits):
    import dask.array as da

    from sknonneg.parallel import predict_blocks

    X, y = digits
    clf = NonNegMLPClassifier(hidden_layer_sizes=10, max_iter=10, random_state=0)
    clf.fit(X, y)
    X_da = da.from_array(X, chunks=(200, 32))
    for method in ("predict", "predict_proba", "decision_function", "transform"):
        result = predict_blocks(clf, X_da, method=method)
        assert result.numblocks[0] == X_da.numblocks[0]
        np.testing.assert_allclose(result.compute(), getattr(clf, method)(X),
                                   rtol=1e-12, atol=1e-12)
    # client.map over blocks, with the estimator sent once to every worker.
    blocks = np.array_split(X, 6)
    estimator = client.scatter(clf, broadcast=True, hash=False)
    futures = client.map(NonNegMLPClassifier.predict, [estimator] * len(blocks), blocks)
    np.testing.assert_array_equal(np.concatenate(client.gather(futures)), clf.predict(X))
    if _importable("dask_ml"):
        from dask_ml.wrappers import ParallelPostFit

        wrapped = ParallelPostFit(clf)
        np.testing.assert_array_equal(wrapped.predict(X_da).compute(), clf.predict(X))


@needs_dask
def test_predict_blocks_runs_the_estimator_on_real_rows_only():
    # Before: predict_blocks first ran the estimator on a made-up row of zeros (to
    # learn the output's dtype and columns), and on one for each block of 0 rows:
    # pipelines that refuse zeros failed ("Found unknown categories [0.0]", Box-Cox's
    # "strictly positive", a log's "Input X contains infinity") although
    # pipe.predict(X) works.
    import dask
    import dask.array as da
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import (FunctionTransformer, OneHotEncoder,
                                       PowerTransformer)

    from sknonneg.parallel import predict_blocks

    rng = np.random.RandomState(0)
    X = rng.randint(1, 4, size=(90, 3)).astype(float)  # categories 1..3, never 0
    y = (X[:, 0] > 1).astype(int)
    X_da = da.from_array(X, chunks=(30, 3))
    mask = np.r_[np.zeros(30, bool), np.ones(30, bool), X[60:, 1] > 1]
    with dask.config.set(scheduler="synchronous"):
        for pre in (OneHotEncoder(), PowerTransformer(method="box-cox"),
                    FunctionTransformer(np.log)):
            pipe = make_pipeline(pre, NonNegMLPClassifier(3, max_iter=5,
                                                          random_state=0)).fit(X, y)
            for method in ("predict", "predict_proba"):
                expected = getattr(pipe, method)(X)
                got = predict_blocks(pipe, X_da, method=method)
                assert got.dtype == expected.dtype
                np.testing.assert_array_equal(got.compute(), expected)
                # A block of 0 rows, known or not (boolean indexing: the first
                # block is emptied), gives 0 rows of the output's columns.
                empty_blocks = da.from_array(X, chunks=((0, 30, 0, 60), 3))
                for X_in, rows in ((empty_blocks, slice(None)),
                                   (X_da[da.from_array(mask, chunks=30)], mask)):
                    got = predict_blocks(pipe, X_in, method=method).compute()
                    np.testing.assert_array_equal(got, expected[rows])
                # No row at all: 0 rows of the dtype and columns the fitted
                # classifier gives (before: "Found array with 0 sample(s)").
                got = predict_blocks(pipe, X_da[:0], method=method).compute()
                assert got.shape == (0,) + expected.shape[1:]
                assert got.dtype == expected.dtype


def test_predict_blocks_stays_lazy_where_the_model_takes_a_row_of_zeros():
    # Before (the previous commit): the first row of X was computed when
    # predict_blocks was called, for every model; after a reduction
    # (X - X.mean(0)) that loaded every block of the input, twice in all.
    import dask
    import dask.array as da

    from sknonneg.parallel import predict_blocks

    rng = np.random.RandomState(0)
    X = rng.rand(90, 3)
    clf = NonNegMLPClassifier(3, max_iter=5, random_state=0).fit(X, X[:, 0] > 0.5)
    loaded = []

    def load(block):
        if block.shape[0]:  # not dask's meta probes of 0 rows
            loaded.append(block.shape[0])
        return block

    X_da = da.from_array(X, chunks=(30, 3)).map_blocks(load, dtype=X.dtype)
    with dask.config.set(scheduler="synchronous"):
        centred = X_da - X_da.mean(axis=0)
        got = predict_blocks(clf, centred, method="predict_proba")
        assert loaded == []
        np.testing.assert_allclose(got.compute(),
                                   clf.predict_proba(X - X.mean(axis=0)))
        # An X of no rows gives no rows, as before, where zeros are taken.
        assert predict_blocks(clf, X_da[:0]).compute().shape == (0,)


def test_doc_code_blocks_are_the_example_script():
    """Every code block of doc/scaling.md is a piece of examples/scaling_recipes.py."""
    doc = (ROOT / "doc" / "scaling.md").read_text()
    script = (ROOT / "examples" / "scaling_recipes.py").read_text()
    # Function bodies, dedented by one level, as the doc shows them.
    script = re.sub(r"(?m)^    ", "", script)
    blocks = re.findall(r"```python\n(.*?)```", doc, flags=re.S)
    assert len(blocks) >= 7
    for block in blocks:
        assert textwrap.dedent(block) in script, block


@needs_dask
def test_doc_recipes_run(client, recipes, digits, small_digits, tmp_path, capsys):
    X, y = digits
    search = recipes.grid_search_on_a_cluster(*small_digits)
    assert len(search.cv_results_["params"]) == 8
    # The recipe's check reads the counts before and after the work it is given
    # (before, it read them twice in a row: it could not fail).
    again = recipes.no_recompilation(
        client, lambda: recipes.grid_search_on_a_cluster(*small_digits))
    assert again.best_params_ == search.best_params_

    class Compiling:  # a client whose workers compile one kernel per reading
        readings = 0

        def run(self, function):
            self.readings += 1
            return {"kernel": self.readings}

    with pytest.raises(AssertionError):
        recipes.no_recompilation(Compiling(), lambda: None)
    if _importable("dask_ml"):
        assert recipes.grid_search_with_dask_ml(*small_digits).best_params_ == \
            search.best_params_
        recipes.incremental_with_dask_ml(X, y)
    clf = recipes.incremental_with_dask_only(X, y)
    np.testing.assert_array_equal(recipes.predict_with_client_map(client, clf, X),
                                  clf.predict(X))
    recipes.persist_with_pickle_and_skops(clf, X, tmp_path)
    recipes.out_of_core(np.rint(X * 16).astype(np.uint8), y, tmp_path)
    out = capsys.readouterr().out
    assert "fit_dask_blocks:" in out and "out of core:" in out
    # The two searches of the gallery's run (all rows, then 300 rows)
    # printed the same label beside different scores; each now names its rows.
    assert out.count(f"backend, {len(small_digits[0])} rows: best score") == 2


def _dask_ml_search(X, y):
    from dask_ml.model_selection import GridSearchCV as DaskGridSearchCV

    reference = _search()
    return DaskGridSearchCV(reference.estimator, reference.param_grid,
                            cv=reference.cv).fit(X, y)


@needs_dask
@pytest.mark.parametrize("search, how", [
    # dask-ml's search, one Dask graph, a worker killed outright (its nanny starts
    # a new one). A SIGKILL can fail the joblib search: joblib scatters the CV
    # index arrays to single workers, and Dask cannot recompute scattered data
    # (dask/distributed#3149).
    pytest.param("dask_ml", "sigkill", marks=needs_dask_ml),
    # scikit-learn's search on joblib's Dask backend, a worker closed (retired:
    # it hands its data over and leaves). Last: the cluster keeps one worker.
    ("joblib", "retire"),
])
def test_grid_search_survives_a_lost_worker(client, small_digits, serial_search,
                                            search, how):
    """One of the two workers goes away while the search runs; the scheduler
    reruns its work elsewhere and the results are those of the serial run."""
    X, y = small_digits
    client.wait_for_workers(2, timeout=120)
    pids = client.run(os.getpid)
    done = threading.Event()
    lost = {}

    def remove_a_busy_worker():
        deadline = time.monotonic() + 60
        while not done.is_set() and time.monotonic() < deadline:
            busy = [w for w, keys in client.processing().items() if keys]
            if len(busy) == 2:
                lost.update(worker=busy[0], during_search=True)
                if how == "sigkill":
                    os.kill(pids[busy[0]], signal.SIGKILL)
                else:
                    client.retire_workers([busy[0]], close_workers=True)
                return
            time.sleep(0.005)

    remover = threading.Thread(target=remove_a_busy_worker)
    remover.start()
    try:
        result = (_dask_search if search == "joblib" else _dask_ml_search)(X, y)
    finally:
        done.set()
        remover.join()
    assert lost.get("during_search"), "the search ended before a worker was lost"
    _assert_same_search(result, serial_search)
    if how == "sigkill":
        # The nanny started a new worker process in place of the killed one.
        client.wait_for_workers(2, timeout=120)
        assert pids[lost["worker"]] not in client.run(os.getpid).values()
    else:
        assert lost["worker"] not in client.scheduler_info()["workers"]


@needs_dask
@pytest.mark.parametrize("n_epochs", [0, -1, 1.5, True])
def test_fit_dask_blocks_refuses_a_bad_n_epochs(n_epochs):
    # Before: n_epochs=0 returned the estimator untrained, silently (as
    # partial_fit_chunks refuses it).
    import dask.array as da

    from sknonneg.parallel import fit_dask_blocks

    X = da.from_array(np.random.RandomState(0).rand(20, 3), chunks=(10, -1))
    y = da.from_array(np.arange(20) % 2, chunks=10)
    with pytest.raises(ValueError, match="The 'n_epochs' parameter of fit_dask_blocks "
                                         "must be a positive int"):
        fit_dask_blocks(NonNegMLPClassifier(max_iter=2), X, y, classes=[0, 1],
                        n_epochs=n_epochs)


@needs_dask
def test_fit_dask_blocks_skips_empty_blocks(digits):
    # Before: a block of 0 rows (a chunk of size 0, or boolean indexing that
    # emptied a block) failed the fit with "Found array with 0 sample(s)";
    # predict_blocks skipped them already.
    import dask
    import dask.array as da

    from sknonneg.parallel import fit_dask_blocks

    X, y = digits[0][:600], digits[1][:600] % 2
    clf = NonNegMLPClassifier(hidden_layer_sizes=6, max_iter=3, random_state=0)
    keep = np.r_[np.zeros(200, bool), np.ones(400, bool)]
    ref = _loop(clone(clf), X[keep], y[keep], 200, classes=[0, 1])
    X_da, y_da = da.from_array(X, chunks=(200, -1)), da.from_array(y, chunks=200)
    mask = da.from_array(keep, chunks=200)
    with dask.config.set(scheduler="synchronous"):
        # Unknown chunk sizes (nan), the empty block seen only when computed.
        got = fit_dask_blocks(clf, X_da[mask], y_da[mask], classes=[0, 1])
        np.testing.assert_array_equal(got._theta, ref._theta)
        assert got.t_ == 400
        # Known sizes, with shuffled blocks and weights.
        zero = da.from_array(X[200:], chunks=((200, 0, 200), -1))
        got = fit_dask_blocks(clf, zero, y[200:], classes=[0, 1], n_epochs=2,
                              shuffle_blocks=True, random_state=0,
                              sample_weight=np.ones(400))
        assert got.t_ == 800
        # All blocks empty: refused, known sizes or not.
        none = da.from_array(np.zeros(600, bool), chunks=200)
        for X_empty, y_empty in ((X_da[none], y_da[none]),
                                 (da.from_array(X[:0], chunks=(200, -1)), y[:0])):
            with pytest.raises(ValueError, match=r"0 sample\(s\).*every block of X "
                                                 "is empty"):
                fit_dask_blocks(clf, X_empty, y_empty, classes=[0, 1])


@needs_dask
def test_fit_dask_blocks_with_unknown_chunk_sizes_says_how_to_split_y(digits):
    # Before: "TypeError: slice indices must be integers or None" for an in-memory y
    # and an X of unknown row chunk sizes (after boolean indexing).
    import dask
    import dask.array as da

    from sknonneg.parallel import fit_dask_blocks

    X, y = digits[0][:600], digits[1][:600] % 2
    keep = X[:, 20] > 0.2
    clf = NonNegMLPClassifier(hidden_layer_sizes=6, max_iter=3, random_state=0)
    X_da = da.from_array(X, chunks=(200, -1))
    mask = da.from_array(keep, chunks=200)
    for name, kwargs in (("y", {}), ("sample_weight", {"sample_weight":
                                                       np.ones(keep.sum())})):
        y_in = y[keep] if name == "y" else da.from_array(y, chunks=200)[mask]
        with pytest.raises(ValueError, match=rf"row chunk sizes of X are unknown .*"
                                             rf"{name} cannot be split.*"
                                             r"X\.compute_chunk_sizes\(\)"):
            fit_dask_blocks(clf, X_da[mask], y_in, classes=[0, 1], **kwargs)
    # The fix the message gives works, and gives the serial loop's network.
    with dask.config.set(scheduler="synchronous"):
        got = fit_dask_blocks(clf, X_da[mask].compute_chunk_sizes(), y[keep],
                              classes=[0, 1])
    ref = clone(clf)
    for start in range(0, 600, 200):
        rows = np.flatnonzero(keep[start:start + 200]) + start
        ref.partial_fit(X[rows], y[rows], classes=[0, 1])
    np.testing.assert_array_equal(got._theta, ref._theta)


@needs_dask
def test_a_dask_dataframe_is_told_to_convert_with_to_dask_array(digits):
    # Before: "wrap it with dask.array.from_array(X, chunks=...)" for a dask
    # DataFrame or Series, which converts with .to_dask_array(lengths=True).
    import dask
    import dask.dataframe as dd
    import pandas as pd

    from sknonneg.parallel import fit_dask_blocks, predict_blocks

    X, y = digits[0][:400], digits[1][:400] % 2
    frame = dd.from_pandas(pd.DataFrame(X).assign(y=y), npartitions=2)
    clf = NonNegMLPClassifier(hidden_layer_sizes=4, max_iter=2, random_state=0)
    advice = r"needs a dask array, got a dask {}; convert it with " \
             r"X\.to_dask_array\(lengths=True\)"
    features = frame[list(range(64))]
    for X_in in (features, frame[0]):
        with pytest.raises(TypeError, match=advice.format(type(X_in).__name__)):
            fit_dask_blocks(clf, X_in, frame["y"], classes=[0, 1])
    with dask.config.set(scheduler="synchronous"):
        # The advice works (before and after).
        got = fit_dask_blocks(clf, features.to_dask_array(lengths=True), frame["y"],
                              classes=[0, 1])
        assert got.t_ == 400
        with pytest.raises(TypeError, match=advice.format("DataFrame")):
            predict_blocks(got, features)
    # Other objects keep the advice to wrap them.
    with pytest.raises(TypeError, match=r"got DataFrame; wrap it with "
                                        r"dask\.array\.from_array"):
        fit_dask_blocks(clf, pd.DataFrame(X), y, classes=[0, 1])


@needs_dask
def test_an_estimator_without_partial_fit_is_refused_up_front(digits):
    # Before: AttributeError "'SVC' object has no attribute 'partial_fit'" from the
    # first chunk, and from fit_dask_blocks(..., compute=False) only when the
    # Delayed it returned was computed.
    import dask
    import dask.array as da
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import MinMaxScaler
    from sklearn.svm import SVC

    from sknonneg.parallel import fit_dask_blocks, predict_blocks

    X, y = digits[0][:400], digits[1][:400] % 2
    X_da = da.from_array(X, chunks=(200, -1))
    clf = NonNegMLPClassifier(hidden_layer_sizes=4, max_iter=2, random_state=0)
    pipe = make_pipeline(MinMaxScaler(), clf)
    need = (r"{} needs an estimator that learns incrementally, with a partial_fit "
            r"method \(NonNegMLPClassifier, .*\), and {} has none\.")
    for est in (SVC(), pipe):
        name = type(est).__name__
        with pytest.raises(TypeError, match=need.format("partial_fit_chunks", name)):
            partial_fit_chunks(est, X, y, classes=[0, 1], chunk_size=100)
        for compute in (True, False):
            with pytest.raises(TypeError, match=need.format("fit_dask_blocks", name)):
                fit_dask_blocks(est, X_da, y, classes=[0, 1], compute=compute)
    # A Pipeline is told how to train its last step; the advice works.
    pipe[:-1].fit(X)
    with pytest.raises(TypeError, match=r"has none\. For a Pipeline whose steps "
                                        r"before the last are fitted, train its last "
                                        r"step: partial_fit_chunks\(pipe\[-1\], X, "
                                        r"y, transform=pipe\[:-1\]\.transform\)"):
        partial_fit_chunks(pipe, X, y, classes=[0, 1])
    with pytest.raises(TypeError, match=r"fit_dask_blocks\(pipe\[-1\], "
                                        r"predict_blocks\(pipe\[:-1\], X, "
                                        r"method='transform'\), y\)"):
        fit_dask_blocks(pipe, X_da, y, classes=[0, 1])
    ref = _loop(clone(clf), MinMaxScaler().fit_transform(X), y, 200, classes=[0, 1])
    got = partial_fit_chunks(clone(clf), X, y, classes=[0, 1], chunk_size=200,
                             transform=pipe[:-1].transform)
    np.testing.assert_array_equal(got._theta, ref._theta)
    with dask.config.set(scheduler="synchronous"):
        got = fit_dask_blocks(clone(clf), predict_blocks(pipe[:-1], X_da,
                                                         method="transform"),
                              y, classes=[0, 1])
    np.testing.assert_array_equal(got._theta, ref._theta)


@needs_dask
def test_chunked_training_refuses_classes_the_estimator_does_not_take(digits):
    # Before: "partial_fit() got an unexpected keyword argument 'classes'" from
    # the first chunk (fit_dask_blocks(compute=False): only when computed).
    import dask.array as da

    from sknonneg import NonNegAutoencoder, NonNegMLPRegressor
    from sknonneg.parallel import fit_dask_blocks

    X, y = digits[0][:200], (digits[1][:200] % 2).astype(float)
    X_da = da.from_array(X, chunks=(100, -1))
    for est, y_in in ((NonNegAutoencoder(n_components=2, max_iter=2), None),
                      (NonNegMLPRegressor(hidden_layer_sizes=2, max_iter=2), y)):
        name = type(est).__name__
        need = (rf"{name}\.partial_fit takes no classes \(only a classifier's "
                rf"does\); call {{}} without classes=\.")
        with pytest.raises(TypeError, match=need.format("partial_fit_chunks")):
            partial_fit_chunks(clone(est), X, y_in, classes=[0, 1])
        for compute in (True, False):
            with pytest.raises(TypeError, match=need.format("fit_dask_blocks")):
                fit_dask_blocks(clone(est), X_da, y_in, classes=[0, 1],
                                compute=compute)
        # Without classes it trains.
        assert hasattr(partial_fit_chunks(clone(est), X, y_in, chunk_size=100),
                       "n_features_in_")


@needs_dask
def test_fit_dask_blocks_with_y_of_unknown_chunk_sizes_says_how_to_split_it(digits):
    # Before: dask's own "Chunks must be unchanging along dimensions with missing
    # values" for an X of known row chunk sizes and a y (or sample_weight) of
    # unknown ones (after boolean indexing), even of the same length.
    import dask
    import dask.array as da

    from sknonneg.parallel import fit_dask_blocks

    X, y = digits[0][:600], digits[1][:600] % 2
    clf = NonNegMLPClassifier(hidden_layer_sizes=6, max_iter=3, random_state=0)
    X_da = da.from_array(X, chunks=(200, -1))
    everything = da.from_array(np.ones(600, bool), chunks=150)
    y_nan = da.from_array(y, chunks=150)[everything]
    w_nan = da.ones(600, chunks=150)[everything]
    for name, y_in, kwargs in (("y", y_nan, {}),
                               ("sample_weight", y, {"sample_weight": w_nan})):
        with pytest.raises(ValueError, match=rf"row chunk sizes of {name} are unknown "
                                             rf".*so {name} cannot be split at those "
                                             rf"of X: call {name} = "
                                             rf"{name}\.compute_chunk_sizes\(\)"):
            fit_dask_blocks(clf, X_da, y_in, classes=[0, 1], **kwargs)
    # The fix the message gives works, and gives the serial loop's network.
    with dask.config.set(scheduler="synchronous"):
        got = fit_dask_blocks(clf, X_da, y_nan.compute_chunk_sizes(), classes=[0, 1],
                              sample_weight=w_nan.compute_chunk_sizes())
    np.testing.assert_array_equal(got._theta, _loop(clone(clf), X, y, 200,
                                                    classes=[0, 1])._theta)


@needs_dask
def test_thread_limits_restore_the_process_after_an_in_process_cluster(monkeypatch):
    # Before: two workers in one process (Client(processes=False, n_workers=2))
    # each recorded the limits they found, the second the first one's; torn down
    # first-set first, the process was left at the plugin's limit (1 thread in
    # every later fit). The thread pools are a fake here: the test process's BLAS
    # is held by the suite.
    import asyncio

    import sknonneg.parallel._dask as dask_module
    from sknonneg.parallel import ThreadLimits

    pools = {"threads": 4}

    class FakePool:
        @property
        def num_threads(self):
            return pools["threads"]

        def set_num_threads(self, n):
            pools["threads"] = n

    monkeypatch.setattr(dask_module, "_thread_pools", lambda: [FakePool()])
    first, second = (ThreadLimits(n_threads=1, warm_for=False) for _ in range(2))
    asyncio.run(first.setup(None))
    asyncio.run(second.setup(None))
    assert pools["threads"] == 1
    first.teardown(None)
    assert pools["threads"] == 1  # the second worker still runs
    second.teardown(None)
    assert pools["threads"] == 4
    second.teardown(None)  # a second teardown restores nothing more
    assert pools["threads"] == 4


@needs_dask
def test_thread_limits_set_during_a_fits_hold_stay():
    # A worker's ThreadLimits(1) set up while a small fit in another thread of the
    # process held every BLAS at one thread (an in-process cluster; a worker
    # replacing a lost one while the others fit). Before, the fit's end put back
    # the limit from before its hold (the 1 was taken for its own), so the process
    # ran its BLAS on 2 threads under ThreadLimits(1); and the plugin recorded the
    # hold's 1 as the original, which the last teardown left for good.
    import asyncio

    from sknonneg._threads import single_blas_thread
    from sknonneg.parallel import ThreadLimits

    def blas():
        return {p["filepath"]: p["num_threads"] for p in threadpool_info()
                if p["user_api"] == "blas"}

    with threadpool_limits(limits=2, user_api="blas"):
        before = blas()
        if not before or set(before.values()) != {2}:
            pytest.skip("no BLAS pool of two threads here")
        plugin = ThreadLimits(n_threads=1, warm_for=False)
        with held_in_a_thread(single_blas_thread):  # a small fit in another thread
            asyncio.run(plugin.setup(None))
        assert set(blas().values()) == {1}  # the plugin's limit holds
        plugin.teardown(None)
        assert blas() == before  # and the original comes back


@needs_dask
def test_thread_limits_of_more_threads_wait_for_a_fits_hold_to_end():
    # A worker's ThreadLimits(2) set up, or a ThreadLimits(1) torn down back to 2,
    # while a small fit in another thread of the process holds every BLAS at one
    # thread: the fit and the holds that enter meanwhile keep one thread, and the
    # limit comes when the hold ends. Before, the pools went to 2 threads at once,
    # under the fit's hold.
    import asyncio

    from sknonneg._threads import single_blas_thread
    from sknonneg.parallel import ThreadLimits

    def blas():
        return {p["filepath"]: p["num_threads"] for p in threadpool_info()
                if p["user_api"] == "blas"}

    def during_a_hold(change):
        """The pools just after ``change()`` ran inside a hold, and in a second
        hold entered after it."""
        with held_in_a_thread(single_blas_thread):  # a small fit in another thread
            change()
            inside = set(blas().values())
            with single_blas_thread():
                nested = set(blas().values())
        return inside, nested

    with threadpool_limits(limits=2, user_api="blas"):
        if not blas() or set(blas().values()) != {2}:
            pytest.skip("no BLAS pool of two threads here")
    with threadpool_limits(limits=1, user_api="blas"):
        before = blas()
        plugin = ThreadLimits(n_threads=2, warm_for=False)
        assert during_a_hold(lambda: asyncio.run(plugin.setup(None))) == ({1}, {1})
        assert set(blas().values()) == {2}  # the plugin's limit, once the hold ended
        plugin.teardown(None)
        assert blas() == before
    with threadpool_limits(limits=2, user_api="blas"):
        before = blas()
        plugin = ThreadLimits(n_threads=1, warm_for=False)
        asyncio.run(plugin.setup(None))
        assert during_a_hold(lambda: plugin.teardown(None)) == ({1}, {1})
        assert blas() == before  # the original, once the hold ended


def _script_output(script):
    """The words ``script`` prints, run in a fresh interpreter (it must exit with 0)."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-c", script], capture_output=True,
                         text=True, timeout=120, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-3000:]
    return out.stdout.split()


_FORKED_DURING_A_HOLD = held_in_a_thread_source() + """
import asyncio, os
from threadpoolctl import threadpool_info, threadpool_limits
from sknonneg._threads import fit_threads, single_blas_thread
from sknonneg.parallel import ThreadLimits
def blas():
    return sorted((p["filepath"], p["num_threads"]) for p in threadpool_info()
                  if p["user_api"] == "blas")
with threadpool_limits(limits=2, user_api="blas"):
    before = blas()
    with held_in_a_thread(single_blas_thread):  # a small fit in another thread
        pid = os.fork()
        if pid == 0:  # a worker of the child's own in-process cluster, then a fit
            plugin = ThreadLimits(n_threads=1, warm_for=False)
            asyncio.run(plugin.setup(None))
            with fit_threads():
                in_fit = {n for _, n in blas()}
            after_fit = {n for _, n in blas()}
            plugin.teardown(None)
            code = 0 if in_fit == {1} else 3
            code = code or (0 if after_fit == {1} else 4)
            os._exit(code or (0 if blas() == before else 5))
    _, status = os.waitpid(pid, 0)
    print("before", sorted({n for _, n in before}), "child", os.WEXITSTATUS(status))
"""


@needs_dask
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_thread_limits_in_a_child_forked_during_a_fits_hold():
    # A child forked while a small fit in another thread held every BLAS at one
    # thread: the fit never ends there, and the child's first fit restores the
    # limits from before its hold. Before, ThreadLimits(1) set up in that child
    # recorded the hold's 1 as the original limit, that first fit then put the
    # pools back at 2 under ThreadLimits(1), and the teardown left them at 1.
    out = _script_output(_FORKED_DURING_A_HOLD)
    if out[:2] != ["before", "[2]"]:
        pytest.skip("no BLAS pool of two threads here")
    assert out[2:] == ["child", "0"], out


_FORKED_DURING_A_SETUP = """
import asyncio, os, threading
import sknonneg.parallel._dask as dask_module
from sknonneg._threads import fit_threads
from sknonneg.parallel import ThreadLimits
pools = {"threads": 4}
inside, release = threading.Event(), threading.Event()
class FakePool:  # the process's own pools are left alone
    filepath = "fake"
    @property
    def num_threads(self):
        return pools["threads"]
    def set_num_threads(self, n):
        if threading.current_thread().name == "other":
            inside.set()  # the other worker's setup: under the plugin's and fits' locks
            release.wait(30)
        pools["threads"] = n
dask_module._thread_pools = lambda: [FakePool()]
other = threading.Thread(
    target=lambda: asyncio.run(ThreadLimits(n_threads=1, warm_for=False).setup(None)),
    name="other")
other.start()
inside.wait(30)
pid = os.fork()
if pid == 0:  # a worker of the child's own cluster, then a fit
    done = threading.Event()
    def watchdog():
        if not done.wait(10):
            os._exit(7)  # deadlocked
    threading.Thread(target=watchdog, daemon=True).start()
    # In the main thread: a thread started in the child can reuse the stack, so
    # the ident, of the parent's thread that holds an RLock, and take it as its own.
    plugin = ThreadLimits(n_threads=2, warm_for=False)
    asyncio.run(plugin.setup(None))
    plugin.teardown(None)
    with fit_threads():
        pass
    done.set()
    os._exit(0)
release.set()
other.join()
_, status = os.waitpid(pid, 0)
print("child", os.WEXITSTATUS(status))
"""


@needs_dask
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_thread_limits_in_a_child_forked_during_another_workers_setup():
    # A child forked while another thread's ThreadLimits setup held the plugin's
    # lock (and the fits' lock, in a process that had run no fit): the child's own
    # setup, and its fits, take the locks afresh. Before, the plugin's lock stayed
    # taken in the child (no thread there releases it), and so did the fits' one
    # where no fit had registered its reset: the child deadlocked.
    out = _script_output(_FORKED_DURING_A_SETUP)
    assert out == ["child", "0"], out


_FORKED_BESIDE_A_WORKER = """
import asyncio, os
import sknonneg.parallel._dask as dask_module
from sknonneg.parallel import ThreadLimits
pools = {"threads": 4}
class FakePool:  # the process's own pools are left alone
    filepath = "fake"
    user_api = "blas"
    @property
    def num_threads(self):
        return pools["threads"]
    def set_num_threads(self, n):
        pools["threads"] = n
dask_module._thread_pools = lambda: [FakePool()]
parent = ThreadLimits(n_threads=1, warm_for=False)
asyncio.run(parent.setup(None))  # a worker of the parent: 4 -> 1
pid = os.fork()
if pid == 0:  # a worker of the child's own cluster, set up and torn down
    inherited = pools["threads"]
    child = ThreadLimits(n_threads=3, warm_for=False)
    asyncio.run(child.setup(None))
    during = pools["threads"]
    child.teardown(None)
    os._exit(0 if (inherited, during, pools["threads"]) == (1, 3, 1) else 3)
_, status = os.waitpid(pid, 0)
parent.teardown(None)
print("child", os.WEXITSTATUS(status), "parent", pools["threads"])
"""


@needs_dask
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_thread_limits_in_a_child_forked_beside_a_parents_worker():
    # A child forked while a worker of the parent had its
    # ThreadLimits(1) set up counted that worker, which never runs (nor tears
    # down) in the child: the last teardown of the child's own ThreadLimits(3)
    # restored nothing and left its pools at 3, not the 1 it inherited. The
    # parent's teardown still restores its 4.
    out = _script_output(_FORKED_BESIDE_A_WORKER)
    assert out == ["child", "0", "parent", "4"], out


_HELD_BY_MAIN = """
import warnings; warnings.simplefilter("ignore")
from distributed import Client
from threadpoolctl import threadpool_info, threadpool_limits
from sknonneg.parallel import ThreadLimits
def pools():
    return sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})
threadpool_limits(2)  # a plain call: the main thread becomes the controlling one
print("before", pools())
client = Client(processes=False, n_workers=1, threads_per_worker=1,
                dashboard_address=":0")
client.register_plugin(ThreadLimits(n_threads=1, warm_for=False))
print("worker", list(client.run(pools).values())[0])
client.close()
print("after", pools())
"""


def test_thread_limits_hold_where_the_main_thread_controls_the_pools():
    # Before: after a plain threadpool_limits(2) in the main thread (threadpoolctl
    # 3.8 then ignores limits set from other threads), ThreadLimits(1) on an
    # in-process worker left its BLAS at 2 threads, silently. A fresh process: the
    # suite's own process holds its pools.
    import subprocess
    import sys

    from threadpoolctl import threadpool_info

    if not any(p["user_api"] == "blas" for p in threadpool_info()):
        pytest.skip("no BLAS pool that threadpoolctl controls")
    out = subprocess.run([sys.executable, "-c", _HELD_BY_MAIN], capture_output=True,
                         text=True, timeout=120, check=True).stdout.splitlines()
    assert out == ["before [2]", "worker [1]", "after [2]"], out


def test_predict_blocks_of_a_sparse_multilabel_model_are_dense(multilabel_data):
    # A multilabel classifier fitted on a sparse y predicts CSR matrices (as
    # MLPClassifier); predict_blocks made a dask array of sparse blocks, on which
    # sum(axis=0), mean, == and da.store failed. Its blocks are dense now.
    import dask.array as da
    import scipy.sparse as sp

    from sknonneg import NonNegMLPClassifier
    from sknonneg.parallel import predict_blocks

    X, Y = multilabel_data
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = NonNegMLPClassifier(hidden_layer_sizes=(10,), max_iter=20,
                                    random_state=0).fit(X, sp.csr_matrix(Y))
    expected = model.predict(X).toarray()
    P = predict_blocks(model, da.from_array(X, chunks=40))
    assert isinstance(P._meta, np.ndarray)
    np.testing.assert_array_equal(P.compute(), expected)
    np.testing.assert_array_equal(P.sum(axis=0).compute(), expected.sum(axis=0))
    np.testing.assert_array_equal((P == expected).all(axis=1).compute(), True)


@needs_dask
def test_fit_dask_blocks_names_itself_for_an_unknown_keyword():
    # Before: "BaseNetworkClassifier.partial_fit() got an unexpected keyword
    # argument 'foo'" (a private base class), only once the graph was computed.
    import dask.array as da

    from sknonneg import NonNegAutoencoder
    from sknonneg.parallel import fit_dask_blocks

    X = da.from_array(np.random.RandomState(0).uniform(size=(40, 3)), chunks=(20, 3))
    y = (X[:, 0] > 0.5).astype(int)
    clf = NonNegMLPClassifier(hidden_layer_sizes=3, max_iter=3, random_state=0)
    for compute in (True, False):
        with pytest.raises(TypeError, match=r"^fit_dask_blocks\(\) got an unexpected "
                                            r"keyword argument 'foo': its \*\*fit_"
                                            r"params go to NonNegMLPClassifier\."
                                            r"partial_fit, which takes classes, "
                                            r"sample_weight\.$"):
            fit_dask_blocks(clf, X, y, classes=[0, 1], foo=1, compute=compute)
    with pytest.raises(TypeError, match="NonNegAutoencoder.partial_fit"):
        fit_dask_blocks(NonNegAutoencoder(n_components=2), X, foo=1)


@needs_dask
def test_predict_blocks_of_empty_blocks_for_a_model_that_refuses_zeros():
    # Before: "Found array with 0 sample(s) (shape=(nan, 3)) while a minimum of 1
    # is required by predict_blocks" when every block of a filtered array was
    # empty and the model refused the row of zeros that gives the output's dtype.
    import dask
    import dask.array as da
    from sklearn.linear_model import LinearRegression, LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    from sknonneg.parallel import predict_blocks

    rng = np.random.RandomState(0)
    X = rng.uniform(0.5, 2.0, size=(60, 3))
    y = np.array(["no", "yes", "maybe"])[rng.randint(0, 3, 60)]
    log = FunctionTransformer(np.log, validate=True)  # log(0): -inf, refused
    blocks = da.from_array(X, chunks=(20, 3))
    empty = blocks[blocks[:, 0] > 1e9]  # unknown (nan) row chunks, all empty
    clf = make_pipeline(log, LogisticRegression()).fit(X, y)
    binary = make_pipeline(log, LogisticRegression()).fit(X, y == "yes")
    reg = make_pipeline(log, LinearRegression()).fit(X, X[:, :2])
    with dask.config.set(scheduler="synchronous"):
        for model, method in [(clf, "predict"), (clf, "predict_proba"),
                              (clf, "predict_log_proba"), (clf, "decision_function"),
                              (binary, "decision_function"), (binary, "predict"),
                              (reg, "predict")]:
            want = getattr(model, method)(X[:2])  # a real row's dtype and columns
            got = predict_blocks(model, empty, method=method)
            assert got.dtype == want.dtype and got.shape[1:] == want.shape[1:]
            out = got.compute()
            assert out.shape == (0,) + want.shape[1:] and out.dtype == want.dtype
            # The same model on rows that are there: as before.
            np.testing.assert_array_equal(
                predict_blocks(model, blocks, method=method).compute(),
                getattr(model, method)(X))
        # Known to be empty (chunk sizes known): nothing computed.
        known = predict_blocks(clf, da.zeros((0, 3), chunks=(5, 3)),
                               method="predict_proba")
        assert known.shape == (0, 3) and known.compute().shape == (0, 3)
        # A Pipeline whose final step takes zeros: its output on them says.
        scaled = predict_blocks(make_pipeline(log, StandardScaler()).fit(X), empty,
                                method="transform").compute()
        assert scaled.shape == (0, 3) and scaled.dtype == np.float64
        # transform of a step that refuses zeros itself: nothing says its columns.
        def positive_log(v):
            if np.any(v <= 0):
                raise ValueError("log of a value <= 0")
            return np.log(v)

        with pytest.raises(ValueError, match="every block of X is empty.*refuses a "
                                             "row of zeros"):
            predict_blocks(FunctionTransformer(positive_log).fit(X), empty,
                           method="transform")


def test_predict_blocks_of_empty_blocks_takes_the_final_steps_shape_and_dtype():
    # Before (review of 1aaba3c): a regressor fitted on y of shape (n, 1) gave (0,)
    # for a (n, 1) prediction, a one-vs-one SVC (0, n_classes) for its
    # n (n - 1) / 2 columns, and a float32 coef_ a float32 result where real rows
    # give float64.
    import dask
    import dask.array as da
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import LinearRegression
    from sklearn.neural_network import MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer
    from sklearn.svm import SVC

    from sknonneg.parallel import predict_blocks

    class NoZeros(LinearRegression):
        def predict(self, X):
            if np.any(np.asarray(X) == 0):
                raise ValueError("a row of zeros")
            return super().predict(X)

    rng = np.random.RandomState(0)
    X = rng.uniform(0.5, 2.0, size=(40, 3))
    log = FunctionTransformer(np.log, validate=True)
    blocks = da.from_array(X, chunks=(10, 3))
    empty = blocks[blocks[:, 0] > 1e9]
    class NoZerosForest(RandomForestRegressor):
        def predict(self, X):
            if np.any(np.asarray(X) == 0):
                raise ValueError("a row of zeros")
            return super().predict(X)

    class NoZerosMLP(MLPRegressor):
        def predict(self, X):
            if np.any(np.asarray(X) == 0):
                raise ValueError("a row of zeros")
            return super().predict(X)

    def float32_log(v):
        return np.log(v).astype(np.float32)

    f32 = X.astype(np.float32)
    cases = [
        (make_pipeline(log, LinearRegression()).fit(X, X[:, :1]), "predict", X),
        (make_pipeline(log, SVC(decision_function_shape="ovo")).fit(
            X, np.arange(40) % 4), "decision_function", X),
        (make_pipeline(log, LinearRegression()).fit(f32, f32[:, 0]), "predict", X),
        # float32 throughout
        (make_pipeline(FunctionTransformer(float32_log), LinearRegression()).fit(
            f32, f32[:, 0]), "predict", f32),
        (NoZeros().fit(X, X[:, :2]), "predict", X),  # from coef_'s rows
        (NoZeros().fit(f32, f32[:, 0]), "predict", f32),  # coef_ (p,) float32
        # float64 whatever X's type, as forests predict
        (NoZerosForest(n_estimators=2, random_state=0).fit(f32, f32[:, 0]),
         "predict", f32),
        # an MLPRegressor fitted on float32 predicts float32 (its coefs_)
        (NoZerosMLP(hidden_layer_sizes=(3,), max_iter=5, random_state=0).fit(
            f32, f32[:, 0]), "predict", f32),
    ]
    with dask.config.set(scheduler="synchronous"):
        for model, method, data in cases:
            want = getattr(model, method)(data[:2])
            part = da.from_array(data, chunks=(10, 3))
            out = predict_blocks(model, part[part[:, 0] > 1e9], method=method).compute()
            assert out.shape == (0,) + want.shape[1:] and out.dtype == want.dtype
        # A coef_ of one row says nothing about the shape (LinearRegression on y of
        # shape (n, 1) predicts (n, 1), PLSRegression on y of shape (n,) predicts
        # (n,)): refused, not guessed.
        with pytest.raises(ValueError, match="every block of X is empty"):
            predict_blocks(NoZeros().fit(X, X[:, :1]), empty).compute()


def test_predict_blocks_of_empty_blocks_reads_the_preprocessings_output_type():
    # Before: X of float64, a step that narrows it to float32 before a float32
    # model, and a final step that refuses the preprocessed zeros (log 0 = -inf):
    # an empty result was float64 (X's type widened to coef_'s), where real rows
    # give float32. The preprocessing's output on a row of zeros says the type the
    # final step receives, whatever its values.
    import dask
    import dask.array as da
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

    from sknonneg.parallel import predict_blocks

    def float32_log(v):
        return np.log(v).astype(np.float32)

    rng = np.random.RandomState(0)
    X = rng.uniform(0.5, 2.0, size=(40, 3))
    f32 = X.astype(np.float32)
    cases = [
        # float64 in, float32 out of the preprocessing, a float32 model
        (make_pipeline(FunctionTransformer(float32_log), LinearRegression()).fit(
            f32, f32[:, 0]), X),
        # the same model, nested, after a scaler that keeps X's type
        (make_pipeline(MinMaxScaler(feature_range=(1, 2)), make_pipeline(
            FunctionTransformer(float32_log), LinearRegression())).fit(
                f32, f32[:, 0]), X),
        # float64 through the preprocessing, a float32 model: float64 (as before)
        (make_pipeline(FunctionTransformer(np.log), LinearRegression()).fit(
            f32, f32[:, 0]), X),
    ]
    with dask.config.set(scheduler="synchronous"):
        for model, data in cases:
            want = model.predict(data[:2])
            part = da.from_array(data, chunks=(10, 3))
            out = predict_blocks(model, part[part[:, 0] > 1e9]).compute()
            assert out.shape == (0,) and out.dtype == want.dtype, (model, out.dtype)
