"""Thread control during a fit: no fighting BLAS pools, no oversubscription."""

import numba
import numpy as np
import pytest
from joblib import Parallel, delayed
from threadpoolctl import ThreadpoolController, threadpool_limits

from sknonneg._threads import _is_numpy_blas, fit_threads, thread_budget


def _blas_threads():
    controller = ThreadpoolController()
    return {lib.filepath: lib.num_threads for lib in controller.lib_controllers
            if lib.user_api == "blas"}


def _run_fresh(script, default_blas_threads=False):
    """Runs ``script`` in a fresh Python process from the repository root;
    ``default_blas_threads``: without the thread-count variables that an earlier
    test's dask workers leave set in this process (``OMP_NUM_THREADS=1`` ...), so
    that BLAS starts on its default pool size."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = None
    if default_blas_threads:
        env = {k: v for k, v in os.environ.items()
               if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                            "MKL_NUM_THREADS")}
    return subprocess.run([sys.executable, "-c", script], timeout=300,
                          cwd=Path(__file__).resolve().parents[1],
                          capture_output=True, text=True, env=env)


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


def test_overlapping_fits_restore_the_limits_exactly():
    """Fit A enters, fit B enters (seeing SciPy's pool at 1), A leaves, B leaves:
    the limits are those from before A, not the 1 that B saw."""
    import threading

    with threadpool_limits(limits=2, user_api="blas"):
        before = _blas_threads()
        a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
        errors = []

        def fit_a():
            try:
                with fit_threads():
                    a_in.set()
                    assert b_in.wait(30)
            except BaseException as exc:  # reported below
                errors.append(exc)
            a_out.set()

        def fit_b():
            try:
                assert a_in.wait(30)
                with fit_threads():
                    b_in.set()
                    assert a_out.wait(30)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=fit_a), threading.Thread(target=fit_b)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors
        assert _blas_threads() == before


def test_four_concurrent_first_fits_leave_blas_limits_alone():
    """The reported case, in a fresh process: four fits in threads as its first."""
    script = """
import threading, numpy as np, warnings
warnings.simplefilter("ignore")
from threadpoolctl import ThreadpoolController
from sknonneg import NonNegMLPClassifier
def blas():
    return sorted((l.filepath, l.num_threads) for l in ThreadpoolController().lib_controllers
                  if l.user_api == "blas")
before = blas()
X, y = np.random.RandomState(0).rand(200, 10), np.arange(200) % 2
barrier = threading.Barrier(4)
def fit():
    barrier.wait()
    NonNegMLPClassifier((4,), max_iter=10, random_state=0).fit(X, y)
threads = [threading.Thread(target=fit) for _ in range(4)]
[t.start() for t in threads]; [t.join() for t in threads]
assert blas() == before, (before, blas())
"""
    result = _run_fresh(script)
    assert result.returncode == 0, result.stderr[-2000:]


def test_fit_threads_waits_for_a_numba_import_under_way_in_another_thread():
    """A fresh process: one thread imports numba (as the first kernel module
    does) while the main thread enters ``fit_threads`` again and again. Before,
    the half-imported module was read from ``sys.modules`` and fits started at
    once from several threads failed with "partially initialized module 'numba'
    has no attribute 'config'"; now the import under way is waited for."""
    script = """
import sys, threading
from sknonneg._threads import fit_threads
assert "numba" not in sys.modules
def importer():
    import numba  # noqa: F401
t = threading.Thread(target=importer)
t.start()
entered = 0
while t.is_alive():
    with fit_threads():
        entered += 1
t.join()
assert "numba" in sys.modules
print("entered", entered)
"""
    result = _run_fresh(script)
    assert result.returncode == 0, result.stderr[-2000:]


LAZY_NUMBA = """
import os, sys, warnings
warnings.simplefilter("ignore")
import sknonneg
assert "numba" not in sys.modules, "import sknonneg imported numba"
import numpy as np
from threadpoolctl import threadpool_limits
from sknonneg import NonNegMLPClassifier
from sknonneg._threads import fit_threads

X, y = np.random.RandomState(0).rand(40, 3), np.arange(40) % 2
for solver in ("lbfgsb", "adam"):  # the NumPy path of small problems
    NonNegMLPClassifier((3,), solver=solver, max_iter=3).fit(X, y).predict_proba(X)
assert "numba" not in sys.modules, "a small fit imported numba"
from sknonneg import ABBAClassifier
for activation in ("tanh", "capped_leaky_relu"):  # ABBA layers load theta too
    ABBAClassifier((3, 3), activation=activation, max_iter=3).fit(X, y).predict(X)
assert "numba" not in sys.modules, "a small ABBA fit imported numba"

# The first kernel module imported during a fit (numba with it): the layer is
# chosen before any launch, numba gets the fit's budget, restored at its end.
with threadpool_limits(limits=1, user_api="blas"):
    with fit_threads():
        from sknonneg._kernels import dense  # noqa: F401
        import numba
        assert numba.get_num_threads() == 1, numba.get_num_threads()
assert numba.get_num_threads() == numba.config.NUMBA_NUM_THREADS
print("layer", numba.config.THREADING_LAYER)
"""


def test_numba_is_imported_with_the_first_kernel_module():
    """``import sknonneg`` and a fit on the NumPy path (an MLP's, an ABBA network's)
    import no numba; the kernel
    modules, imported during a fit, set numba up as ``fit_threads`` would have."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    result = subprocess.run([sys.executable, "-c", LAZY_NUMBA], env=env, timeout=300,
                            cwd=Path(__file__).resolve().parents[1],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "layer forksafe" in result.stdout


def test_overlapping_single_blas_thread_holds_restore_the_first_limits():
    """Interleaved holds (as fits in threads make them): the limits found by the
    first are restored by the last, never the 1 a later one found."""
    from sknonneg._threads import single_blas_thread

    before = _blas_threads()
    a, b = single_blas_thread(), single_blas_thread()
    a.__enter__()
    b.__enter__()  # finds every BLAS at 1
    assert all(n == 1 for n in _blas_threads().values())
    a.__exit__(None, None, None)
    assert all(n == 1 for n in _blas_threads().values())  # b still holds them
    b.__exit__(None, None, None)
    assert _blas_threads() == before


USER_LIMITS_END_DURING_A_HOLD = """
import sys, threading
from threadpoolctl import ThreadpoolController, threadpool_limits
from sknonneg._threads import single_blas_thread

def limits():
    return sorted((lib.filepath, lib.num_threads)
                  for lib in ThreadpoolController().lib_controllers
                  if lib.user_api == "blas")

before = limits()
if not before or all(n == 1 for _, n in before):
    sys.exit(77)
entered, leave = threading.Event(), threading.Event()

def fit():  # a fit in a background thread, on the NumPy path
    with single_blas_thread():
        entered.set()
        leave.wait(60)

with threadpool_limits(limits=1, user_api="blas"):
    t = threading.Thread(target=fit)
    t.start()
    assert entered.wait(60)
assert limits() == before, ("the user's block restored", before, limits())
leave.set()
t.join()
assert limits() == before, ("after the fit", before, limits())
"""


def test_a_user_limit_that_ends_during_a_fit_in_another_thread_stays_restored():
    """The user's ``threadpool_limits(1)`` in the main thread ends while a fit in
    a background thread holds the pools: the fit's end must not put back the 1 it
    found inside that block. Before, both OpenBLAS pools stayed on one thread for
    the rest of the process."""
    import pytest

    result = _run_fresh(USER_LIMITS_END_DURING_A_HOLD, default_blas_threads=True)
    if result.returncode == 77:
        pytest.skip("no BLAS pool runs more than one thread here")
    assert result.returncode == 0, result.stderr[-2000:]


HOLDS_UNDER_CONTROL = """
import sys, threading
from threadpoolctl import ThreadpoolController, threadpool_limits
from sknonneg._threads import single_blas_thread

def limits():
    return sorted((lib.filepath, lib.num_threads)
                  for lib in ThreadpoolController().lib_controllers
                  if lib.user_api == "blas")

took, done = threading.Event(), threading.Event()

def controller():  # sets every pool to 2, so takes the control, and stays alive
    for lib in ThreadpoolController().lib_controllers:
        if lib.user_api == "blas":
            lib.set_num_threads(2)
    took.set()
    done.wait(60)

other = threading.Thread(target=controller)
other.start()
assert took.wait(60)
before = limits()
if not before or any(n != 2 for _, n in before):
    done.set()
    sys.exit(77)  # no pool of two threads to lower here
with single_blas_thread():
    assert all(n == 1 for _, n in limits()), limits()
assert limits() == before, (before, limits())
done.set()
other.join()
# No thread was left in control: limits set here take effect (and are undone).
with threadpool_limits(limits=1, user_api="blas"):
    assert all(n == 1 for _, n in limits()), limits()
assert limits() == before, (before, limits())
"""


def test_holds_take_effect_while_another_thread_controls_openblas():
    """threadpoolctl 3.8 ignores OpenBLAS limits set from a thread other than its
    "controlling" one (the first to set them, while it lives): a hold lowers and
    restores the pools from any thread all the same, and leaves no thread in
    control, so that a later ``threadpool_limits`` of another thread works. In a
    fresh process: the suite's own limits make the main thread the controller."""
    import pytest

    result = _run_fresh(HOLDS_UNDER_CONTROL)
    if result.returncode == 77:
        pytest.skip("no BLAS pool runs two threads here")
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_small_fit_in_another_thread_leaves_the_main_threads_budget(parallel_threads):
    """A small fit or prediction in another thread (the NumPy path) holds every BLAS
    at one thread while it runs. A fit in the main thread meanwhile keeps the budget
    the caller set: its rows in as many chunks, so the same model, bit for bit, as
    the same fit alone. Before, it read the other thread's hold as its budget, ran
    on one chunk, and its model differed in the last bits (probabilities 7e-13
    apart after 30 iterations)."""
    from conftest import held_in_a_thread
    from numpy.testing import assert_array_equal

    from sknonneg import NonNegMLPClassifier
    from sknonneg._kernels import n_chunks_for
    from sknonneg._threads import single_blas_thread

    budget = thread_budget()
    if budget < 2:
        pytest.skip("NumPy's BLAS runs a single thread here")
    rng = np.random.RandomState(0)
    X = rng.rand(2000, 20)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)

    def fit():
        return NonNegMLPClassifier((16,), max_iter=30, random_state=0).fit(X, y)

    alone = fit()
    # A small fit in another thread holds the pools as a fit on the NumPy path does.
    with held_in_a_thread(single_blas_thread, timeout=120):
        assert thread_budget() == budget
        assert n_chunks_for(2000, 1 << 20, True) == min(
            budget, numba.config.NUMBA_NUM_THREADS)
        beside = fit()
    assert_array_equal(beside.predict_proba(X), alone.predict_proba(X))
    assert beside.loss_ == alone.loss_


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_fit_in_a_thread_equals_the_main_threads_on_one_thread(numba_kernels):
    """The documented equality (performance.rst, "Threads"): a fit in another thread
    runs the serial kernels on one chunk, the main thread's under
    ``threadpool_limits(1)`` the parallel ones on one chunk; the same bits."""
    from conftest import in_thread
    from numpy.testing import assert_array_equal

    from sknonneg import NonNegMLPClassifier

    rng = np.random.RandomState(0)
    X = rng.rand(2000, 20)
    y = (X[:, 0] + X[:, 1] > 1).astype(int)

    def fit():
        return NonNegMLPClassifier((16,), max_iter=30, random_state=0).fit(X, y)

    with threadpool_limits(limits=1, user_api="blas"):
        main = fit()
    other = in_thread(fit)
    assert_array_equal(other.predict_proba(X), main.predict_proba(X))
    assert other.loss_ == main.loss_
