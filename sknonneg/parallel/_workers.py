"""Threads and compiled kernels in worker processes (joblib, Dask).

Two things make a worker process slow if left alone:

- Oversubscription. If every worker's BLAS started one thread per core,
  ``n_workers`` processes would run ``n_workers * n_cores`` threads. Dask's nanny
  already starts each worker process with ``OMP_NUM_THREADS``,
  ``OPENBLAS_NUM_THREADS`` and ``MKL_NUM_THREADS`` set to 1 (its
  ``distributed.nanny.pre-spawn-environ`` setting), and sknonneg's fits give numba
  the budget of NumPy's BLAS (``sknonneg._threads.fit_threads``), so one-thread
  workers do not oversubscribe. ``ThreadLimits`` sets the limit at run time, with
  threadpoolctl, for workers started otherwise. ``NUMBA_NUM_THREADS`` must not be
  changed in a worker once numba is loaded (numba raises on the next compilation),
  so do not pass it in a nanny's ``env=``.
- Compilation. sknonneg's numba kernels exist in two flavours: the parallel one and
  the serial one, used from threads other than the main one (every Dask task runs in
  such a thread). Both are cached on disk; the first process on a machine compiles
  them (seconds), later ones load them (a fraction of a second). ``warm_kernels``
  pays that when a worker starts, instead of in the first task;
  ``kernel_compile_counts`` shows that later tasks compile nothing.
"""

import threading
import warnings

import numpy as np

from .._kernels import numpy_max_work
from .._validation import check_bool

__all__ = ["kernel_compile_counts", "warm_kernels"]


def kernel_compile_counts():
    """Number of compilations of each sknonneg numba kernel in this process.

    A kernel loaded from numba's on-disk cache does not count. Called on every
    worker (``client.run(kernel_compile_counts)``) before and after some work, it
    shows whether that work compiled anything.

    Returns
    -------
    counts : dict of str to int
        Kernel name to compilations so far, kernels never compiled left out.

    Examples
    --------
    >>> from sknonneg.parallel import kernel_compile_counts
    >>> counts = kernel_compile_counts()
    >>> all(isinstance(n, int) and n > 0 for n in counts.values())
    True
    """
    from .. import _kernels

    counts = {}
    kernels = {name: getattr(module, name) for module in _kernels.kernel_modules()
               for name in module.__all__}
    for name, obj in kernels.items():
        stats = getattr(obj, "stats", None)
        if stats is None or not hasattr(stats, "cache_misses"):
            continue
        n = int(sum(stats.cache_misses.values()))
        if n:
            counts[name] = n
    return counts


def _small_copy(estimator):
    """An unfitted copy of ``estimator`` with the same kernels and tiny sizes."""
    from sklearn.base import clone

    params = estimator.get_params()
    # Same structure and dtype as the real fits (so the same kernel signatures),
    # tiny sizes; the loop runs the mini-batch path too when batch_size is set.
    small_params = dict(max_iter=2, verbose=0, random_state=0,
                        batch_size=None if params["batch_size"] is None else 10)
    if "hidden_layer_sizes" in params:
        n_hidden = len(np.atleast_1d(params["hidden_layer_sizes"]))
        small_params.update(hidden_layer_sizes=(2,) * n_hidden, early_stopping=False)
    else:  # NonNegAutoencoder
        small_params["n_components"] = 2
    if "monotonic_cst" in params:
        # Sized for the real data, not these 4 features, but its directions kept:
        # they sign the first layer, and positive="auto" (every layer >= 0 under a
        # constraint), output="auto" (a logistic output for two classes) and the
        # fixed-order prediction of a monotone network follow them. Before, None
        # here left a constrained regressor's copy unconstrained, and its first
        # predict in a task compiled the fixed-order kernels.
        small_params["monotonic_cst"] = _small_monotonic_cst(params["monotonic_cst"])
    if "class_weight" in params:
        # Keyed by the real labels, not the made-up 0..2 (a dict naming others was
        # "The classes, [0, 1, 2], are not in class_weight"), and "balanced" is
        # refused by partial_fit; class weights multiply sample_weight, which every
        # fit passes to the kernels anyway, so they choose no kernel.
        small_params["class_weight"] = None
    return clone(estimator).set_params(**small_params)


def _small_monotonic_cst(monotonic_cst, n_features=4):
    """The directions (-1, 0, 1) that ``monotonic_cst`` holds, each on at least one
    of ``n_features`` features; None for None and for a value whose entries are
    not directions (the real fit reports it). Some values the real fit refuses
    (a dict keyed by position, a 2-D array) still give their directions here: the
    warm-up then compiles what those would need. A dict, or a Series of feature
    names, leaves the features it does not name free: 0 is among its directions."""
    from .._monotonic_cst import as_argument
    from ..neural_network._monotone import _is_direction, monotonic_entries

    values = monotonic_entries(monotonic_cst)
    if not values or not all(_is_direction(v) for v in values):
        return None
    if isinstance(as_argument(monotonic_cst), dict):
        values.append(0)  # the features it does not name
    directions = sorted({int(float(v)) for v in values})
    return [directions[i % len(directions)] for i in range(n_features)]


def _warm_target(estimator):
    """``estimator``, or ``NonNegMLPClassifier()`` for None; a TypeError for
    anything that is not a sknonneg estimator."""
    from ..neural_network import (ABBAClassifier, NonNegAutoencoder,
                                  NonNegMLPClassifier, NonNegMLPRegressor)

    if estimator is None:
        return NonNegMLPClassifier()
    if not isinstance(estimator, (NonNegMLPClassifier, NonNegMLPRegressor,
                                  ABBAClassifier, NonNegAutoencoder)):
        raise TypeError(
            "warm_kernels compiles the kernels of a sknonneg estimator "
            "(NonNegMLPClassifier, NonNegMLPRegressor, ABBAClassifier, "
            f"NonNegAutoencoder), got {estimator!r}.")
    return estimator


def _warm(estimator, sparse):
    import scipy.sparse as sp
    from sklearn.base import clone, is_classifier, is_regressor
    from sklearn.utils import get_tags

    from .._engine.data import blocked_layout_everywhere
    from ..neural_network._monotone import has_constraint

    estimator = _warm_target(estimator)
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(30, 4))
    # One non-zero per row (25%, SPARSE_INPUT_DENSITY): a dense input this empty
    # goes through the CSR kernels, as MNIST's pixels do.
    X_zeros = np.zeros_like(X)
    X_zeros[np.arange(30), np.arange(30) % 4] = X[np.arange(30), np.arange(30) % 4]
    small = _small_copy(estimator)
    labels, coef, offset = None, None, 0.0  # a classifier's y; a regressor's X @ coef
    if is_classifier(small):
        # Two classes under a monotonic constraint (the only case it allows: a
        # logistic output), three otherwise (a softmax).
        n_classes = 2 if has_constraint(small.get_params().get("monotonic_cst")) else 3
        labels = np.arange(30) % n_classes
        predict, extra = "predict_proba", {"classes": np.arange(n_classes)}
    elif is_regressor(small):
        # Targets > 0 for a regressor that takes only non-negative ones
        # (loss="poisson") or positive ones (loss="gamma"): X_zeros @ coef is 0
        # on the rows whose non-zero is feature 1 or 3, so 1 is added.
        positive_only = get_tags(small).target_tags.positive_only
        coef = np.array([1.0, 0.0 if positive_only else -1.0, 0.5, 0.0])
        offset = 1.0 if positive_only else 0.0
        predict, extra = "predict", {}
    else:
        predict, extra = "transform", {}
    inputs = [X, X_zeros] + ([sp.csr_matrix(X_zeros)] if sparse else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny fit's warnings are not the user's
        # ... but a damaged numba cache, found and rebuilt while compiling, is.
        warnings.filterwarnings("default", message="numba's on-disk cache of sknonneg",
                                category=UserWarning)
        for X_in in inputs:
            y = X_in @ coef + offset if coef is not None else labels
            # The fit takes the blocked CSC layout of a CSR input, which a real
            # full-batch fit takes from tens of thousands of rows
            # (FirstLayerGradient); partial_fit the row-by-row scatter of a
            # mini-batch.
            with blocked_layout_everywhere():
                small.fit(X_in, y)
            if X_in is X_zeros:
                # ... and again with the row numbers of more than 65,535 rows.
                with blocked_layout_everywhere(row_dtype=np.int32):
                    clone(small).fit(X_in, y)
            getattr(small, predict)(X_in)
            clone(small).partial_fit(X_in, y, **extra)


def warm_kernels(estimator=None, *, sparse=False):
    """Compile, in this process, the kernels a Dask task fitting ``estimator`` uses.

    Runs a tiny fit, ``partial_fit`` and prediction in a new (non-main) thread, as
    a Dask task does, so the serial kernel flavour is compiled for the same dtype,
    output and sign constraints; later fits and predictions in any thread of the
    process compile nothing. They run on a dense batch and on one that is mostly
    zeros, which goes through the CSR kernels as a sparse input does (and as a
    dense input with at most 25% non-zeros does, such as MNIST's pixels). On it
    the fit takes the blocked CSC layout of the first layer's gradient, which
    full-batch CSR fits of tens of thousands of rows take (with the row numbers
    of up to 65,535 rows and of more), and ``partial_fit`` the row-by-row
    scatter of smaller batches. A read-only input (a memmap) takes the same
    kernels as a writeable one. Not covered: the CSR kernels' wider type of
    column numbers, with which they are compiled anew for a sparse or
    mostly-zero dense input of more than 65,535 columns.

    On a cold numba cache (the first process on a machine) it compiles for tens of
    seconds; later processes load the kernels from the cache.

    Parameters
    ----------
    estimator : sknonneg estimator, default=None
        ``NonNegMLPClassifier``, ``NonNegMLPRegressor``, ``ABBAClassifier`` or
        ``NonNegAutoencoder``. Its parameters set the kernels to compile
        (``dtype``, ``output``, ``positive``, number of hidden layers,
        ``solver``, ABBA's ``activation``, and which directions -1, 0, 1
        ``monotonic_cst`` holds); its sizes do not matter, nor do
        ``class_weight`` and the length or feature names of ``monotonic_cst``
        (made for the real labels and features). Default:
        ``NonNegMLPClassifier()``.
    sparse : bool, default=False
        Also run the warm-up on a ``scipy.sparse`` CSR matrix. The CSR kernels
        are compiled either way (by the mostly-zero dense batch).

    Returns
    -------
    counts : dict of str to int
        ``kernel_compile_counts()`` afterwards.

    Examples
    --------
    Compile what a task fitting a regressor in float32 needs, before the task
    runs (on Dask workers: ``client.run(warm_kernels, estimator)``):

    >>> from sknonneg import NonNegMLPRegressor
    >>> from sknonneg.parallel import kernel_compile_counts, warm_kernels
    >>> counts = warm_kernels(NonNegMLPRegressor(dtype="float32"))
    >>> counts == kernel_compile_counts()  # the compilations so far, per kernel
    True
    """
    # Before: any truthy value ("no") compiled the CSR kernels, where iter_chunks
    # refuses a shuffle that is not a bool.
    sparse = check_bool(sparse, "sparse", "warm_kernels")
    errors = []

    def target():
        try:
            # The tiny fit would run on the NumPy twins: the numba kernels, which
            # the task's real data needs, are compiled on purpose.
            with numpy_max_work(-1):
                _warm(estimator, sparse)
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="sknonneg-warm-kernels")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return kernel_compile_counts()
