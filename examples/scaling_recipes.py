"""
============================================================
Scale-out recipes: Dask, blocks, persistence, out of core
============================================================

The recipes of the :doc:`scaling page </scaling>`, run end to end on the digits
data. Every code block of that page is a piece of this file;
``tests/test_dask.py`` checks that, starts its cluster with ``start_cluster`` and
runs every recipe on it.

It starts a 2-worker ``LocalCluster`` (one process per worker) on this machine.
Run it with ``python examples/scaling_recipes.py``. You will see what each recipe
prints: the best score and parameters of the grid searches, the training accuracy
of the models trained block by block and out of core, the size of a pickled model
and the types its skops file holds.
"""
# sphinx_gallery_thumbnail_path = "_static/scaling_recipes_thumbnail.png"

import os
import pickle
import tempfile
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning

from sknonneg import NonNegMLPClassifier


# %%
# A local cluster
# ---------------
# Two single-threaded worker processes (one per core of a 2-core machine; set
# ``n_workers`` to yours); :class:`~sknonneg.parallel.ThreadLimits`
# limits each worker's BLAS threads and compiles the kernels before its first task.
def start_cluster():
    from dask.distributed import Client, LocalCluster

    from sknonneg.parallel import ThreadLimits

    # Two processes (one per core here), one task at a time in each.
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True)
    client = Client(cluster)
    # Each worker (and any that replaces a lost one) limits its BLAS to one thread
    # and compiles the kernels once, before its first task.
    client.register_plugin(ThreadLimits(1, warm_for=NonNegMLPClassifier()))
    return cluster, client


# %%
# Grid search on a cluster
# ------------------------
# scikit-learn's ``GridSearchCV`` with joblib's Dask backend, or dask-ml's
# ``GridSearchCV`` (one Dask graph for the whole search).
def grid_search_on_a_cluster(X, y):
    import joblib
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(
        NonNegMLPClassifier(max_iter=30, random_state=0),
        {"positive": [True, False], "l1": [0.0, 1e-4], "hidden_layer_sizes": [10, 20]},
        cv=3, n_jobs=-1,
    )
    with joblib.parallel_config(backend="dask"):
        search.fit(X, y)
    print(f"GridSearchCV, joblib's dask backend, {len(X)} rows: best score",
          round(search.best_score_, 3))
    print("  best parameters:", search.best_params_)
    return search


def grid_search_with_dask_ml(X, y):
    from dask_ml.model_selection import GridSearchCV as DaskGridSearchCV

    # The whole search is one Dask graph: data and CV splits included, so any lost
    # piece can be recomputed, even after a worker is killed outright.
    search = DaskGridSearchCV(
        NonNegMLPClassifier(max_iter=30, random_state=0),
        {"positive": [True, False], "l1": [0.0, 1e-4], "hidden_layer_sizes": [10, 20]},
        cv=3,
    )
    search.fit(X, y)                  # on the cluster of the current Client
    print("dask-ml GridSearchCV: best score", round(search.best_score_, 3))
    print("  best parameters:", search.best_params_)
    return search


# %%
# The workers compile the kernels once
# ------------------------------------
def no_recompilation(client, work):
    from sknonneg.parallel import kernel_compile_counts

    before = client.run(kernel_compile_counts)
    result = work()                   # any number of fits on the cluster
    assert client.run(kernel_compile_counts) == before
    return result


# %%
# Training over the blocks of a Dask array
# ----------------------------------------
# ``partial_fit`` over the blocks, with dask-ml's ``Incremental`` or with
# :func:`~sknonneg.parallel.fit_dask_blocks`; block-wise prediction with
# :func:`~sknonneg.parallel.predict_blocks` or ``Client.map``.
def incremental_with_dask_ml(X, y):
    import dask.array as da
    from dask_ml.wrappers import Incremental

    X_da = da.from_array(X, chunks=(75, -1))      # 24 blocks of 75 rows (the last 72)
    y_da = da.from_array(y, chunks=75)
    n_blocks = X_da.numblocks[0]
    # The gain anneals over max_iter partial_fit calls: one per block here.
    inc = Incremental(NonNegMLPClassifier(hidden_layer_sizes=20, max_iter=n_blocks,
                                          random_state=0),
                      shuffle_blocks=False)
    inc.fit(X_da, y_da, classes=np.unique(y))
    proba = inc.predict_proba(X_da)               # a lazy dask array
    print("Incremental: training accuracy", round(float(inc.score(X_da, y_da)), 3),
          proba.shape)
    return inc.estimator_


def incremental_with_dask_only(X, y):
    import dask.array as da

    from sknonneg.parallel import fit_dask_blocks, predict_blocks

    X_da = da.from_array(X, chunks=(75, -1))
    y_da = da.from_array(y, chunks=75)
    clf = fit_dask_blocks(
        NonNegMLPClassifier(hidden_layer_sizes=20, max_iter=X_da.numblocks[0],
                            random_state=0),
        X_da, y_da, classes=np.unique(y))
    y_pred = predict_blocks(clf, X_da).compute()
    print("fit_dask_blocks: training accuracy", round(float(np.mean(y_pred == y)), 3))
    return clf


def predict_with_client_map(client, clf, X):
    blocks = np.array_split(X, 8)
    # The estimator is sent once to every worker, then each block is one task.
    estimator = client.scatter(clf, broadcast=True, hash=False)
    futures = client.map(NonNegMLPClassifier.predict, [estimator] * len(blocks), blocks)
    y_pred = np.concatenate(client.gather(futures))
    return y_pred


# %%
# Persistence: pickle and skops
# -----------------------------
# :func:`sknonneg.persist.dump` and :func:`~sknonneg.persist.load` trust
# sknonneg's own types only.
def persist_with_pickle_and_skops(clf, X, directory):
    path = os.path.join(directory, "model.skops")

    # pickle: fast and small, but loading runs code: only load your own files.
    blob = pickle.dumps(clf)
    print("pickle bytes:", len(blob), "weights bytes:", sum(c.nbytes for c in clf.coefs_))

    # skops: loading builds only trusted types.
    from sknonneg import persist

    persist.dump(clf, path)
    # sknonneg's own types only, one a line:
    print("untrusted types:", *persist.untrusted_types(path), sep="\n  ")
    loaded = persist.load(path)                   # refuses any other untrusted type

    # The same with skops.io directly, with an explicit allow-list:
    import skops.io as sio

    unknown = sio.get_untrusted_types(file=path)
    assert set(unknown) <= set(persist.TRUSTED_TYPES)
    loaded = sio.load(path, trusted=unknown)
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))


# %%
# Out of core: training from a memory-mapped file
# -----------------------------------------------
# :func:`~sknonneg.parallel.partial_fit_chunks` reads one chunk at a time.
def out_of_core(X_uint8, y, directory):
    from sknonneg.parallel import partial_fit_chunks

    np.save(os.path.join(directory, "X.npy"), X_uint8)   # stays uint8 on disk
    np.save(os.path.join(directory, "y.npy"), y)

    X_mm = np.load(os.path.join(directory, "X.npy"), mmap_mode="r")
    y_mm = np.load(os.path.join(directory, "y.npy"), mmap_mode="r")
    chunk_size, n_epochs = 200, 3
    n_chunks = -(-X_mm.shape[0] // chunk_size)
    clf = NonNegMLPClassifier(hidden_layer_sizes=20, max_iter=n_chunks * n_epochs,
                              random_state=0)
    # One chunk at a time is read and converted to floats.
    partial_fit_chunks(clf, X_mm, y_mm, classes=np.arange(10), chunk_size=chunk_size,
                       n_epochs=n_epochs, shuffle=True, random_state=0,
                       transform=lambda chunk: chunk / 16.0)
    print("out of core: training accuracy on its first 500 rows",
          round(clf.score(X_mm[:500] / 16.0, y_mm[:500]), 3))
    return clf


# %%
# Run every recipe
# ----------------
def main():
    # the short max_iter of each recipe stops its fits early (run time)
    warnings.simplefilter("ignore", ConvergenceWarning)
    X_int, y = load_digits(return_X_y=True)
    X = X_int / 16.0
    cluster, client = start_cluster()
    # The workers' own warnings filters (the line above sets the main process's).
    client.run(warnings.simplefilter, "ignore", ConvergenceWarning)
    try:
        grid_search_on_a_cluster(X, y)    # the workers compile or load the kernels
        # A second search, on fewer rows, compiles nothing.
        no_recompilation(client, lambda: grid_search_on_a_cluster(X[:300], y[:300]))
        try:
            import dask_ml  # noqa: F401
        except ImportError:
            print("dask-ml is not installed: its recipes are skipped")
        else:
            grid_search_with_dask_ml(X, y)
            incremental_with_dask_ml(X, y)
        clf = incremental_with_dask_only(X, y)
        y_pred = predict_with_client_map(client, clf, X)
        assert np.array_equal(y_pred, clf.predict(X))
    finally:
        client.close()
        cluster.close()
    with tempfile.TemporaryDirectory() as directory:
        persist_with_pickle_and_skops(clf, X, directory)
        out_of_core(X_int.astype(np.uint8), y, directory)


if __name__ == "__main__":
    main()
