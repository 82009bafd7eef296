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
    if "monotonic_cst" in params:  # sized for the real data, not these 4 features
        small_params["monotonic_cst"] = None
    if "class_weight" in params:
        # Keyed by the real labels, not the made-up 0..2 (a dict naming others was
        # "The classes, [0, 1, 2], are not in class_weight"), and "balanced" is
        # refused by partial_fit; class weights multiply sample_weight, which every
        # fit passes to the kernels anyway, so they choose no kernel.
        small_params["class_weight"] = None
    return clone(estimator).set_params(**small_params)


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

    estimator = _warm_target(estimator)
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(30, 4))
    small = _small_copy(estimator)
    if is_classifier(small):
        y, predict, extra = np.arange(30) % 3, "predict_proba", {"classes": np.arange(3)}
    elif is_regressor(small):
        y, predict, extra = X @ np.array([1.0, -1.0, 0.5, 0.0]), "predict", {}
    else:
        y, predict, extra = None, "transform", {}
    inputs = [X] + ([sp.csr_matrix(X)] if sparse else [])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the tiny fit's warnings are not the user's
        # ... but a damaged numba cache, found and rebuilt while compiling, is.
        warnings.filterwarnings("default", message="numba's on-disk cache of sknonneg",
                                category=UserWarning)
        for X_in in inputs:
            getattr(small.fit(X_in, y), predict)(X_in)
            clone(small).partial_fit(X_in, y, **extra)


def warm_kernels(estimator=None, *, sparse=False):
    """Compile, in this process, the kernels a Dask task fitting ``estimator`` uses.

    Runs a tiny fit, ``partial_fit`` and prediction in a new (non-main) thread, as
    a Dask task does, so the serial kernel flavour is compiled for the same dtype
    and output; later fits in any thread of the process compile nothing.

    Parameters
    ----------
    estimator : sknonneg estimator, default=None
        ``NonNegMLPClassifier``, ``NonNegMLPRegressor``, ``ABBAClassifier`` or
        ``NonNegAutoencoder``. Its parameters set the kernels to compile
        (``dtype``, ``output``, number of hidden layers, ``solver``, ABBA's
        ``activation``); its sizes do not matter, nor do ``class_weight`` and
        ``monotonic_cst`` (made for the real labels and features). Default:
        ``NonNegMLPClassifier()``.
    sparse : bool, default=False
        Also compile the CSR kernels.

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
