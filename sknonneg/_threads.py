"""Thread control for a fit: BLAS pools that do not fight, numba within the same budget.

NumPy and SciPy wheels each ship their own OpenBLAS. The big products of a fit run in
NumPy's; L-BFGS-B's vector updates run in SciPy's. After a product, OpenBLAS worker
threads spin for a while; SciPy's pool then starts its own spinning workers on the
same cores, and on a 2-core machine a fit becomes 3-20x slower. The fix: SciPy's (and
any other non-NumPy) BLAS runs on one thread during a fit (its vectors are small),
NumPy's keeps its budget, and numba gets the same budget as NumPy's BLAS. Under
joblib/dask workers that budget is already lowered by the worker's environment, so the
fit never oversubscribes.
"""

import contextlib
import os
import threading

import sys

import numpy as np
from threadpoolctl import ThreadpoolController

__all__ = ["fit_threads", "single_blas_thread", "thread_budget"]

_CONTROLLER = None
_NUMPY_DIRS = None


def _controller():
    global _CONTROLLER, _NUMPY_DIRS
    if _CONTROLLER is None:
        _CONTROLLER = ThreadpoolController()
        root = os.path.dirname(os.path.abspath(np.__file__))
        _NUMPY_DIRS = (root + os.sep, root + ".libs" + os.sep)
    return _CONTROLLER


def _is_numpy_blas(lib):
    return lib.filepath.startswith(_NUMPY_DIRS)


def thread_budget():
    """Threads NumPy's BLAS may use now (its pool size, as limited by the caller)."""
    blas = [lib for lib in _controller().lib_controllers if lib.user_api == "blas"]
    numpy_blas = [lib for lib in blas if _is_numpy_blas(lib)] or blas
    if numpy_blas:
        return max(1, min(lib.num_threads for lib in numpy_blas))
    return max(1, _numba_threads())


@contextlib.contextmanager
def fit_threads():
    """Context for a fit; yields whether the numba kernels may run in parallel."""
    controller = _controller()
    blas = [lib for lib in controller.lib_controllers if lib.user_api == "blas"]
    others = [lib for lib in blas if not _is_numpy_blas(lib)]
    budget = thread_budget()
    # numba is imported by the first numba kernel asked for (small problems run on
    # NumPy and never import it): if it is not yet, its thread count is set when it
    # is (numba_imported), and put back to its default at the end.
    numba = sys.modules.get("numba")
    n_numba = max(1, min(budget, _numba_threads()))
    # numba's workqueue layer aborts on concurrent launches from several threads, so
    # the parallel flavour runs from the main thread only. With a budget of one thread
    # it still is the one used there: numba then runs it on one thread, and it is
    # the flavour cached on disk, so joblib/dask worker processes never recompile.
    parallel = threading.current_thread() is threading.main_thread()
    saved = [(lib, lib.num_threads) for lib in others]
    previous_numba = None if numba is None else numba.get_num_threads()
    global _PENDING_NUMBA_THREADS
    pending = _PENDING_NUMBA_THREADS
    try:
        # Only when NumPy's BLAS was told apart from the others, else one shared pool.
        if len(others) < len(blas):
            for lib in others:
                lib.set_num_threads(1)
        if numba is None:
            _PENDING_NUMBA_THREADS = n_numba
        else:
            numba.set_num_threads(n_numba)
        yield parallel
    finally:
        _PENDING_NUMBA_THREADS = pending
        for lib, n in saved:
            lib.set_num_threads(n)
        numba = sys.modules.get("numba")
        if numba is not None:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS
                                  if previous_numba is None else previous_numba)


# The numba thread count of the fit_threads context entered before numba was
# imported, applied by numba_imported.
_PENDING_NUMBA_THREADS = None


def _numba_threads():
    """numba's thread pool size, without importing numba (same default and
    environment variable as numba's config)."""
    numba = sys.modules.get("numba")
    if numba is not None:
        return numba.config.NUMBA_NUM_THREADS
    value = os.environ.get("NUMBA_NUM_THREADS")
    return int(value) if value else (os.cpu_count() or 1)


def numba_imported():
    """Called by ``sknonneg._kernels`` once it imported numba: applies the thread
    count of a ``fit_threads`` context entered before."""
    if _PENDING_NUMBA_THREADS is not None:
        import numba

        numba.set_num_threads(_PENDING_NUMBA_THREADS)


@contextlib.contextmanager
def single_blas_thread(active=True):
    """Context in which every BLAS runs on one thread (when ``active``): the NumPy
    path of small problems (``sknonneg._kernels.NUMPY``), whose products are too
    small to split. With two threads on a loaded 2-core machine the digits demo fit
    took 5 CPU-seconds instead of 0.6: the second thread spins more than it works."""
    if not active:
        yield
        return
    controller = _controller()
    blas = [lib for lib in controller.lib_controllers if lib.user_api == "blas"]
    saved = [(lib, lib.num_threads) for lib in blas]
    try:
        for lib in blas:
            lib.set_num_threads(1)
        yield
    finally:
        for lib, n in saved:
            lib.set_num_threads(n)
