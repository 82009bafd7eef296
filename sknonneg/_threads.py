"""Thread control for a fit: BLAS pools that do not fight, numba within the same budget.

NumPy and SciPy wheels each ship their own OpenBLAS. The big products of a fit run in
NumPy's; L-BFGS-B's vector updates run in SciPy's. After a product, OpenBLAS worker
threads spin for a while; SciPy's pool then starts its own spinning workers on the
same cores, and on a 2-core machine a fit becomes 3-20x slower. The fix: SciPy's (and
any other non-NumPy) BLAS runs on one thread during a fit (its vectors are small),
NumPy's keeps its budget, and numba gets the same budget as NumPy's BLAS. Under
joblib/dask workers that budget is already lowered by the worker's environment, so the
fit never oversubscribes.

Threading layer and fork. numba's default layer on Linux is GNU OpenMP when TBB is
absent, and a process forked after one parallel launch (``multiprocessing``'s
default start method up to Python 3.13, gunicorn, joblib's ``multiprocessing``
backend) is killed at its first launch. When the kernel modules are first
imported (the first fit on them), unless the user chose a layer
(``NUMBA_THREADING_LAYER``, or ``numba.config.THREADING_LAYER`` set in the program)
or numba already started one, sknonneg asks numba for its ``"forksafe"`` layer:
TBB when installed (``pip install tbb``), else ``workqueue`` (on Linux; elsewhere
numba tries OpenMP before it). workqueue is not safe
for concurrent launches from several threads, which sknonneg never makes (parallel
kernels run from the main thread only). If numba already runs a layer
that does not survive fork (GNU OpenMP), a forked child runs the serial kernels.

numba is imported with the kernel modules, not with sknonneg: ``import sknonneg``
and a fit on the NumPy path of small problems never import it. This module only
reads numba where it is already imported (``sys.modules``; an import under way in
another thread is waited for); the kernel modules call
:func:`numba_imported` right after importing numba, before any launch, which
chooses the layer and gives a fit already running in this thread its thread count.
"""

import contextlib
import os
import sys
import threading

import numpy as np
from threadpoolctl import ThreadpoolController

__all__ = ["choose_threading_layer", "fit_threads", "numba_imported", "pool_limit",
           "set_numba_threads", "set_pool_threads_locked", "single_blas_thread",
           "thread_budget"]

_CONTROLLER = None
_NUMPY_DIRS = None
_LOCK = threading.RLock()
_AT_FORK = set()  # the functions registered to run in a forked child (reset_at_fork)


def _set_pool_threads(lib, n):
    """``lib.set_num_threads(n)``, effective from whichever thread calls it.

    threadpoolctl 3.8 lets only one "controlling" Python thread set a process-wide
    (pthreads) OpenBLAS pool, the first to set it while it lives, and silently
    ignores the others: the last fit to leave a hold, in another thread than the
    first, "restored" nothing and left the pool on one thread (four fits started at
    once in threads left SciPy's BLAS at 1 in 2 of 25 runs under load). The holds
    are process-wide and serialised by ``_LOCK``, so the call takes the control
    (``clear_controlling_thread(force=True)``, that version's public way), checks
    that the limit took, and gives the control back, so that the caller's own
    ``threadpool_limits`` later in another thread is not ignored in turn."""
    clear = getattr(type(lib), "clear_controlling_thread", None)
    if clear is None:  # threadpoolctl < 3.8, or a pool without the policy
        lib.set_num_threads(n)
        return
    for _ in range(3):  # another thread may take the control in between: retry
        clear(force=True)
        lib.set_num_threads(n)
        if lib.num_threads == n:
            break
    clear()  # gives the control back if this thread holds it


def set_pool_threads_locked(limits):
    """Each pool at its limit (``limits``: (pool, n_threads) pairs), effective from
    the calling thread (``_set_pool_threads``), under the lock of the fits' holds:
    for ``sknonneg.parallel.ThreadLimits``, whose workers set their process's pools
    while fits in other threads may hold them. A held pool's limit is also the one
    its hold restores: before, a limit of 1 set during a fit's hold was taken for
    the hold's own and the fit's end put back the limit from before it. A pool
    held at one thread stays there until its hold ends: before, a limit of more
    threads applied at once, and the holding fit (and the holds entering
    meanwhile) ran their BLAS on that many threads. In a child forked during a
    hold, it also replaces the limit the child's first fit would restore
    (``_PENDING_LIMITS``): before, that fit put back the parent's limit over
    ``ThreadLimits(1)``."""
    with _LOCK:
        reset_at_fork(_mark_forked_child)
        for lib, n_threads in limits:
            _PENDING_LIMITS.pop(getattr(lib, "filepath", None), None)
            if not _HOLDS.holds_at_one(lib):
                _set_pool_threads(lib, n_threads)
            _HOLDS.replace_saved(lib, n_threads)


def pool_limit(lib):
    """The limit of the pool ``lib`` apart from the fits' one-thread holds (the one
    they restore while they hold it, else its size; ``_restored_limit``): what
    ``ThreadLimits`` records as a process's original limit."""
    with _LOCK:
        reset_at_fork(_mark_forked_child)
        return _restored_limit(lib)


def _restored_limit(lib):
    """The limit of the pool ``lib`` apart from the fits' one-thread holds, under
    ``_LOCK``: while a hold keeps it at one thread, the limit that hold restores;
    in a child forked during a hold (its holder's thread is not in the child),
    the limit the child's first fit or hold restores (``_PENDING_LIMITS``); else
    its size. Before, the child read the parent's hold of one thread until its
    first fit: its ``thread_budget`` was 1, and ``ThreadLimits`` recorded the 1 as
    the process's original limit (its last teardown then left it). A pending
    limit counts only while the pool still runs the hold's one thread
    (``_pending_limit``)."""
    pending = _pending_limit(lib)
    if pending is not None:
        return pending
    return _HOLDS.limit(lib)


def _pending_limit(lib, pop=False):
    """The limit a fork left pending for ``lib``'s pool (``_PENDING_LIMITS``; None if
    none), which its first fit or hold in the child restores, under ``_LOCK``; None
    where the pool no longer runs the parent's hold's one thread: the child set its
    own limit (``threadpool_limits``), which stays. Before, that first fit put back
    the parent's limit over the child's. ``pop``: also drops it."""
    key = getattr(lib, "filepath", None)
    limit = _PENDING_LIMITS.pop(key, None) if pop else _PENDING_LIMITS.get(key)
    return limit if limit is not None and lib.num_threads == 1 else None


class _OneThreadHolds:
    """Process-wide holds of BLAS pools at one thread, counted per pool: the first
    holder of a pool saves its limit and lowers it, the last restores it. Fits in
    threads hold the non-NumPy pools (``fit_threads``) and, on the NumPy path, every
    pool (``single_blas_thread``), in any order and overlap: saving at every entry,
    or per kind of hold, let a holder that entered while another held a pool at 1
    "restore" that 1 for good (four fits started at once left NumPy's or SciPy's
    BLAS on one thread). Used under ``_LOCK``."""

    def __init__(self):
        self.count, self.saved = {}, {}  # pool's path -> holders, (pool, limit)
        # Forks this process descends from: a hold entered before the last one
        # (its count dropped by ``forget``) is told apart when it is left.
        self.generation = 0

    def enter(self, libs, pending=None):
        """Holds ``libs`` at one thread; ``pending`` (path -> limit, from a fork)
        replaces the limit a first holder saves, where the pool still runs the
        fork's one thread (``_pending_limit``). Returns the hold, for ``leave``."""
        for lib in libs:
            key = lib.filepath
            if not self.count.get(key):
                limit = lib.num_threads
                forked = (pending or {}).pop(key, None)
                if forked is not None and limit == 1:
                    limit = forked
                self.saved[key] = (lib, limit)
                _set_pool_threads(lib, 1)
            self.count[key] = self.count.get(key, 0) + 1
        return self.generation, list(libs)

    def leave(self, held, pending=None):
        """The last holder of a pool restores its saved limit, unless something
        else set the pool while it was held (it no longer runs one thread): a
        caller's ``threadpool_limits`` in another thread that ended during a fit
        restored its own limit, which stays. Before, the fit then "restored" the
        limit of 1 it had found inside that block, for good. ``pending`` (path ->
        limit, from a fork): a pool whose hold the fork dropped gets its limit back
        from there when the forking thread, which the child runs, leaves it,
        unless a hold entered in the child holds it (it took that limit and
        restores it: before, this leave took that hold's count and restored the
        limit under it; 07c3878)."""
        generation, libs = held
        for lib in libs:
            key = lib.filepath
            if generation != self.generation:
                # A forked child leaving a hold its forking thread entered: the
                # fork dropped the count and kept the limit as pending (forget).
                limit = (pending or {}).pop(key, None)
                if (limit is not None and not self.count.get(key)
                        and lib.num_threads == 1):
                    _set_pool_threads(lib, limit)
                continue
            if not self.count.get(key):  # pragma: no cover - defensive
                continue
            self.count[key] -= 1
            if self.count[key] == 0:
                held, limit = self.saved.pop(key)
                if held.num_threads == 1:
                    _set_pool_threads(held, limit)

    def limit(self, lib):
        """The limit of ``lib`` apart from these holds: while held at one thread, the
        limit its first holder saved (the one it gets back), else its pool size."""
        key = getattr(lib, "filepath", None)
        n_threads = lib.num_threads
        if self.count.get(key) and n_threads == 1:
            return self.saved[key][1]
        return n_threads

    def holds_at_one(self, lib):
        """Whether ``lib``'s pool is held and still runs the hold's one thread
        (then its last holder restores the limit it saved)."""
        key = getattr(lib, "filepath", None)
        return bool(self.count.get(key)) and lib.num_threads == 1

    def replace_saved(self, lib, limit):
        """While ``lib``'s pool is held, ``limit`` is the one its last holder
        restores (set by ``set_pool_threads_locked``)."""
        key = getattr(lib, "filepath", None)
        if self.count.get(key):
            held, _ = self.saved[key]
            self.saved[key] = (held, limit)

    def forget(self):
        """In a forked child, where the holders (the parent's other threads) never
        leave: drops them and returns the limits they would have restored."""
        pending = {key: limit for key, (_, limit) in self.saved.items()}
        self.count, self.saved = {}, {}
        self.generation += 1
        return pending


_HOLDS = _OneThreadHolds()


_FORKED_CHILD = False
# Limits to restore in a child forked while a fit ran in another thread of the parent
# (that thread does not exist in the child, so its fit never ends there): pool's path
# -> limit, restored by the child's first fit or hold, read as the pool's limit before
# then (_restored_limit), replaced by a limit that ThreadLimits sets meanwhile.
_PENDING_LIMITS = {}
# Per thread, the fits running in it (innermost last): the numba thread count each
# asked for, and the count to restore at its end (None: numba was not imported yet).
_LOCAL = threading.local()


def _mark_forked_child():
    global _FORKED_CHILD, _LOCK, _PENDING_LIMITS
    _FORKED_CHILD = True
    _LOCK = threading.RLock()  # one held by a parent's thread is never released here
    _PENDING_LIMITS = _HOLDS.forget() or _PENDING_LIMITS


def _controller():
    global _CONTROLLER, _NUMPY_DIRS
    with _LOCK:
        if _CONTROLLER is None:
            root = os.path.dirname(os.path.abspath(np.__file__))
            _NUMPY_DIRS = (root + os.sep, root + ".libs" + os.sep)
            _CONTROLLER = ThreadpoolController()
            reset_at_fork(_mark_forked_child)
    return _CONTROLLER


def reset_at_fork(func):
    """Runs ``func`` in every child forked from now on (``os.register_at_fork``):
    registered at its first use, not at import, once per process (a forked child
    inherits the registrations); marked registered only once it is, so that no
    caller relies on it before. Two first calls at once may register it twice: the
    resets are idempotent. ``_mark_forked_child`` is registered under ``_LOCK`` at
    the first fit or the first ``ThreadLimits`` setup (``pool_limit``,
    ``set_pool_threads_locked``): before, only a fit registered it, and a child
    forked while another thread's ``ThreadLimits`` held ``_LOCK``, in a process
    that had run no fit, deadlocked at its own. The Dask plugin registers its lock's
    reset the same way."""
    if func not in _AT_FORK:
        if hasattr(os, "register_at_fork"):
            os.register_at_fork(after_in_child=func)
        _AT_FORK.add(func)


def _numba():
    """The numba module if something imported it already, else None (never imports it).

    A numba that another thread is importing right now is waited for: the import
    statement blocks on the module's import lock until that import ends. Before,
    the module was read from ``sys.modules`` as it was, half-initialised, and fits
    started at once from several threads of a fresh process failed with
    "partially initialized module 'numba' has no attribute 'config'"."""
    if "numba" not in sys.modules:
        return None
    import numba

    return numba


def _numba_layer_started():
    numba_parallel = sys.modules.get("numba.np.ufunc.parallel")
    return bool(getattr(numba_parallel, "_is_initialized", False))


def choose_threading_layer():
    """numba's ``"forksafe"`` threading layer unless the user chose one or numba
    already started one (module docstring). Returns the layer numba will use or
    uses: a name, or ``"default"``/``"forksafe"`` before the first launch. Imports
    numba (call it where numba is needed anyway)."""
    import numba

    if (not _numba_layer_started() and "NUMBA_THREADING_LAYER" not in os.environ
            and str(numba.config.THREADING_LAYER).lower() == "default"):
        numba.config.THREADING_LAYER = "forksafe"
    if _numba_layer_started():
        return numba.threading_layer()
    return str(numba.config.THREADING_LAYER)


def _fits_in_this_thread():
    fits = getattr(_LOCAL, "fits", None)
    if fits is None:
        fits = _LOCAL.fits = []
    return fits


def numba_imported():
    """Called by the kernel modules right after they import numba, before any
    parallel launch: chooses the threading layer (``choose_threading_layer``) and, if
    a fit runs in this thread (``fit_threads``), sets numba's thread count to its
    budget, restored when that fit ends."""
    choose_threading_layer()
    fits = _fits_in_this_thread()
    if fits and fits[-1][1] is None:
        import numba

        # The fits entered before numba was imported (the outermost ones): each
        # restores the count of the fit around it, the outermost numba's default.
        previous = numba.config.NUMBA_NUM_THREADS
        for fit in fits:
            if fit[1] is None:
                fit[1] = previous
            previous = fit[0]
        numba.set_num_threads(fits[-1][0])


def set_numba_threads(n):
    """Sets numba's thread count to ``n`` (one thread per chunk of rows of the
    parallel kernels), inside a ``fit_threads`` block, which restores the count
    when it ends. Imports numba: call it where the numba kernels run anyway."""
    import numba

    numba.set_num_threads(n)


def _parallel_allowed():
    """Parallel kernels run from the main thread only (workqueue is not safe for
    concurrent launches), and not in a forked child whose parent started a layer
    that does not survive fork (GNU OpenMP)."""
    if threading.current_thread() is not threading.main_thread():
        return False
    if _FORKED_CHILD and _numba_layer_started():
        return _numba().threading_layer() != "omp"
    return True


def _numba_max_threads():
    """numba's ``NUMBA_NUM_THREADS`` (its thread pool's size) without importing numba:
    the environment variable, else numba's default, the CPUs this process may use."""
    numba = _numba()
    if numba is not None:
        return numba.config.NUMBA_NUM_THREADS
    try:
        return max(1, int(os.environ["NUMBA_NUM_THREADS"]))
    except (KeyError, ValueError):
        pass
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


def _is_numpy_blas(lib):
    return lib.filepath.startswith(_NUMPY_DIRS)


def thread_budget():
    """Threads NumPy's BLAS may use now (its pool size, as limited by the caller).

    A pool that a fit in another thread holds at one thread (the NumPy path of
    small problems, ``single_blas_thread``) counts at the limit that hold restores:
    before, a fit in the main thread that began while another thread ran a small
    fit or prediction split its rows into one chunk instead of the budget's two,
    so ran on one thread and gave another model (its chunks summed in another
    grouping) than the same fit run alone. In a child forked during such a hold,
    before its first fit, the limit that fit restores (``_restored_limit``)."""
    with _LOCK:
        blas = [lib for lib in _controller().lib_controllers if lib.user_api == "blas"]
        numpy_blas = [lib for lib in blas if _is_numpy_blas(lib)] or blas
        if numpy_blas:
            return max(1, min(_restored_limit(lib) for lib in numpy_blas))
    return max(1, _numba_max_threads())


@contextlib.contextmanager
def fit_threads():
    """Context for a fit; yields whether the numba kernels may run in parallel.

    Safe to enter from several threads at once and to nest: the limits of the
    non-NumPy BLAS pools are lowered once, while any fit runs, and restored
    exactly when the last one ends (unless something else set them meanwhile:
    ``_OneThreadHolds.leave``). numba's thread count is per thread.
    """
    with _LOCK:
        controller = _controller()
        blas = [lib for lib in controller.lib_controllers if lib.user_api == "blas"]
        others = [lib for lib in blas if not _is_numpy_blas(lib)]
        # Lowered only when NumPy's BLAS was told apart from the others, else one
        # shared pool.
        held = _HOLDS.enter(others if len(others) < len(blas) else [],
                            _PENDING_LIMITS)
        # A fork's pending limits of pools no fit holds now are simply restored
        # (where the child set none of its own).
        for lib in blas:
            limit = _pending_limit(lib, pop=True)
            if limit is not None:
                _set_pool_threads(lib, limit)
        # After the fork's limits are back: a child's first fit had the one thread
        # its parent's hold left on NumPy's pool.
        budget = thread_budget()
    n_numba = max(1, min(budget, _numba_max_threads()))
    # With a budget of one thread the parallel flavour still is the one used in the
    # main thread: numba then runs it on one thread, and it is the flavour cached on
    # disk, so joblib/dask worker processes never recompile.
    parallel = _parallel_allowed()
    # numba's count is set now if numba is imported, else by numba_imported() when
    # a kernel module is first imported during this fit (never for the NumPy path).
    fit = [n_numba, None]
    fits = _fits_in_this_thread()
    numba = _numba()
    try:
        if numba is not None:
            choose_threading_layer()  # before numba's first launch (get_num_threads)
            fit[1] = numba.get_num_threads()
            numba.set_num_threads(n_numba)
        fits.append(fit)
        yield parallel
    finally:
        if fits and fits[-1] is fit:
            fits.pop()
        if fit[1] is not None:
            _numba().set_num_threads(fit[1])
        with _LOCK:
            _HOLDS.leave(held, _PENDING_LIMITS)


@contextlib.contextmanager
def single_blas_thread(active=True):
    """Context in which every BLAS runs on one thread (when ``active``): the NumPy
    path of small problems (``sknonneg._kernels.NUMPY``), whose products are too
    small to split. With two threads on a loaded 2-core machine the digits demo fit
    took several times the CPU time of one: the second thread spins more than it
    works."""
    if not active:
        yield
        return
    with _LOCK:
        held = _HOLDS.enter([lib for lib in _controller().lib_controllers
                             if lib.user_api == "blas"], _PENDING_LIMITS)
    try:
        yield
    finally:
        with _LOCK:
            _HOLDS.leave(held, _PENDING_LIMITS)
