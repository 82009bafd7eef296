"""Thread control during a fit: no fighting BLAS pools, no oversubscription."""

import numba
import numpy as np
from joblib import Parallel, delayed
from threadpoolctl import ThreadpoolController, threadpool_limits

from sknonneg._threads import _is_numpy_blas, fit_threads, thread_budget


def _blas_threads():
    controller = ThreadpoolController()
    return {lib.filepath: lib.num_threads for lib in controller.lib_controllers
            if lib.user_api == "blas"}


def test_fit_threads_holds_other_blas_at_one_and_restores():
    before = _blas_threads()
    with threadpool_limits(limits=2, user_api="blas"):
        with fit_threads() as parallel:
            assert parallel  # the main thread runs the parallel flavour
            controller = ThreadpoolController()
            blas = [lib for lib in controller.lib_controllers if lib.user_api == "blas"]
            numpy_blas = [lib for lib in blas if _is_numpy_blas(lib)]
            if numpy_blas and len(numpy_blas) < len(blas):
                assert all(lib.num_threads == 1 for lib in blas
                           if not _is_numpy_blas(lib))
            assert numba.get_num_threads() == min(thread_budget(),
                                                  numba.config.NUMBA_NUM_THREADS)
    assert _blas_threads() == before


def test_numba_follows_a_lowered_blas_budget():
    with threadpool_limits(limits=1, user_api="blas"):
        assert thread_budget() == 1
        with fit_threads():
            assert numba.get_num_threads() == 1


def _worker_budget():
    from sknonneg._threads import thread_budget as budget

    with fit_threads():
        return budget(), numba.get_num_threads()


def test_joblib_workers_do_not_oversubscribe():
    """loky workers get cpu_count // n_jobs threads; the fit's numba pool follows."""
    results = Parallel(n_jobs=2, backend="loky")(delayed(_worker_budget)() for _ in range(2))
    import os

    limit = max(1, (os.cpu_count() or 1) // 2)
    for blas, numba_threads in results:
        assert blas <= limit
        assert numba_threads <= blas


def test_fit_in_a_thread_uses_serial_kernels():
    """Non-main threads get the serial flavour (numba's workqueue is not thread-safe)."""
    from concurrent.futures import ThreadPoolExecutor

    from sknonneg import NonNegMLPClassifier

    rng = np.random.RandomState(0)
    X, y = rng.rand(40, 3), np.arange(40) % 2

    def fit():
        with fit_threads() as parallel:
            assert not parallel
        return NonNegMLPClassifier((3,), max_iter=5, random_state=0).fit(X, y).loss_

    with ThreadPoolExecutor(2) as pool:
        losses = list(pool.map(lambda _: fit(), range(2)))
    assert losses[0] == losses[1]
