"""A process forked after a parallel fit and predict can fit and predict in turn:
no hang, no abort ("fork() called from a process already using GNU OpenMP").

Each case runs in a fresh interpreter with a time limit, so a hang fails the test
instead of hanging the suite."""

import subprocess
import sys
from pathlib import Path

import numba
import pytest
from conftest import held_in_a_thread_source

ROOT = Path(__file__).resolve().parents[1]

SCRIPT = """
import multiprocessing as mp, warnings
import numpy as np, scipy.sparse as sp
warnings.simplefilter("ignore")
from threadpoolctl import threadpool_limits
import numba
from sknonneg import ABBAClassifier, NonNegMLPClassifier
from sknonneg._threads import fit_threads

rng = np.random.RandomState(0)
X, y = rng.rand(600, 20), np.arange(600) % 3
X_sparse = sp.csr_matrix(X * (X > 0.5))
with threadpool_limits(limits=2, user_api="blas"):
    with fit_threads() as parallel:
        assert parallel
    est = {Est}((8,), max_iter=5, random_state=0).fit(X_sparse, y)
    est.predict_proba(X_sparse)
print("layer", numba.threading_layer())

def work(i):
    with threadpool_limits(limits=2, user_api="blas"):
        child = {Est}((4,), max_iter=3, random_state=i).fit(X, y)
        return float(est.predict_proba(X_sparse[:5]).sum() + child.loss_)

with mp.get_context("fork").Pool(2) as pool:
    print(pool.map_async(work, range(2)).get(timeout=60))
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="numba has one thread")
@pytest.mark.parametrize("layer, Est", [
    (None, "NonNegMLPClassifier"), (None, "ABBAClassifier"),
    ("omp", "NonNegMLPClassifier"),
])
def test_fork_after_parallel_fit(layer, Est):
    import os

    env = {k: v for k, v in os.environ.items() if k != "NUMBA_THREADING_LAYER"}
    if layer is not None:  # the user's choice is respected, and survives fork too
        env["NUMBA_THREADING_LAYER"] = layer
    try:
        result = subprocess.run([sys.executable, "-c", SCRIPT.format(Est=Est)],
                                cwd=ROOT, env=env, timeout=240, capture_output=True,
                                text=True)
    except subprocess.TimeoutExpired:
        pytest.fail("the forked pool hung")
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]
    if layer is not None:
        assert f"layer {layer}" in result.stdout
    else:  # sknonneg's choice: numba's "forksafe" layer
        assert "layer omp" not in result.stdout


def test_user_choice_is_respected(monkeypatch):
    """An explicit numba.config.THREADING_LAYER is never overridden."""
    from sknonneg import _threads

    monkeypatch.setattr(numba.config, "THREADING_LAYER", "workqueue")
    monkeypatch.setattr(_threads, "_numba_layer_started", lambda: False)
    assert _threads.choose_threading_layer() == "workqueue"
    monkeypatch.setattr(numba.config, "THREADING_LAYER", "default")
    monkeypatch.setenv("NUMBA_THREADING_LAYER", "omp")
    assert _threads.choose_threading_layer() == "default"
    monkeypatch.delenv("NUMBA_THREADING_LAYER")
    assert _threads.choose_threading_layer() == "forksafe"


# The BLAS pools and their thread counts, as the fork scripts compare them.
_BLAS_LISTING = """
from threadpoolctl import ThreadpoolController

def blas():
    return sorted((l.filepath, l.num_threads) for l in ThreadpoolController().lib_controllers
                  if l.user_api == "blas")
"""


# The scripts' thread that holds the pools (a fit running in another thread).
_HELD = held_in_a_thread_source()


def _run_script(script):
    """Run ``script`` in a fresh interpreter; it must exit with 0."""
    result = subprocess.run([sys.executable, "-c", script], cwd=ROOT, timeout=120,
                            capture_output=True, text=True)
    assert result.returncode == 0, (result.stdout + result.stderr)[-3000:]


FORK_DURING_FIT = _BLAS_LISTING + _HELD + """
import os
from threadpoolctl import threadpool_limits
from sknonneg._threads import fit_threads

with threadpool_limits(limits=2, user_api="blas"):
    before = blas()
    with held_in_a_thread(fit_threads):  # a fit in another thread
        pid = os.fork()
        if pid == 0:  # the child: the parent's fit never ends here
            with fit_threads():
                pass
            os._exit(0 if blas() == before else 3)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0, "the child kept the lowered limits"
    assert blas() == before
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_fork_during_a_fit_in_another_thread():
    """The child's first fit restores the limits the parent's unfinished fit lowered."""
    _run_script(FORK_DURING_FIT)


FORK_DURING_A_SMALL_FIT = _HELD + """
import os
import numba
from threadpoolctl import threadpool_limits
from sknonneg._threads import fit_threads, single_blas_thread

with threadpool_limits(limits=2, user_api="blas"):
    with fit_threads():
        assert numba.get_num_threads() == 2, numba.get_num_threads()
    # A small fit in another thread (the NumPy path: every BLAS at one thread).
    with held_in_a_thread(single_blas_thread):
        pid = os.fork()
        if pid == 0:  # the child's first fit: the budget of the limits it gets back
            with fit_threads():
                n = numba.get_num_threads()
            os._exit(0 if n == 2 else 10 + n)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0, ("numba threads", os.WEXITSTATUS(status) - 10)
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="numba has one thread")
def test_fork_during_a_small_fit_gives_the_childs_first_fit_its_budget():
    """A child forked while a small fit in another thread held NumPy's BLAS at one
    thread: its first fit gets NumPy's limit back and numba the budget of that
    limit. Before, the budget was read before the limit came back: one numba
    thread for that fit."""
    _run_script(FORK_DURING_A_SMALL_FIT)


FORK_DURING_A_SMALL_FIT_BEFORE_ANY_FIT = _BLAS_LISTING + _HELD + """
import os
from threadpoolctl import ThreadpoolController, threadpool_limits
from sknonneg._threads import pool_limit, single_blas_thread, thread_budget

with threadpool_limits(limits=2, user_api="blas"):
    budget, before = thread_budget(), blas()
    with held_in_a_thread(single_blas_thread):  # a small fit in another thread
        pid = os.fork()
        if pid == 0:  # before any fit: what the first fit will restore
            limits = sorted((lib.filepath, pool_limit(lib))
                            for lib in ThreadpoolController().lib_controllers
                            if lib.user_api == "blas")
            code = 0 if thread_budget() == budget else 3
            os._exit(code or (0 if limits == before else 4))
    _, status = os.waitpid(pid, 0)
    assert budget == 2 and set(dict(before).values()) == {2}, (budget, before)
    assert os.WEXITSTATUS(status) == 0, ("child", os.WEXITSTATUS(status))
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="numba has one thread")
def test_fork_during_a_small_fit_reads_the_budget_it_gets_back_before_any_fit():
    """In a child forked while a small fit in another thread held the BLAS pools at
    one thread, ``thread_budget`` and ``pool_limit`` read the limits the child's
    first fit restores, before that fit. Before, they read the parent's hold of
    one thread until then: ``ThreadLimits`` in such a child recorded
    that 1 as the process's original limit (see test_dask)."""
    _run_script(FORK_DURING_A_SMALL_FIT_BEFORE_ANY_FIT)


FORK_DURING_A_SMALL_FIT_THEN_THE_CHILD_SETS_ITS_LIMITS = _BLAS_LISTING + _HELD + """
import os
from threadpoolctl import threadpool_limits
from sknonneg._threads import fit_threads, single_blas_thread, thread_budget

with threadpool_limits(limits=2, user_api="blas"):
    two = blas()
with threadpool_limits(limits=1, user_api="blas"):  # the parent's limit
    with held_in_a_thread(single_blas_thread):  # a small fit in another thread
        pid = os.fork()
        if pid == 0:  # the child sets its own limits before its first fit
            with threadpool_limits(limits=2, user_api="blas"):
                code = 0 if thread_budget() == 2 else 3
                with {first}():  # a fit, or a small one (every BLAS at one thread)
                    code = code or (0 if thread_budget() == 2 else 4)
                code = code or (0 if blas() == two else 5)
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert set(dict(two).values()) == {{2}}, two
    assert os.WEXITSTATUS(status) == 0, ("child", os.WEXITSTATUS(status))
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
@pytest.mark.skipif(numba.config.NUMBA_NUM_THREADS < 2, reason="numba has one thread")
@pytest.mark.parametrize("first", ["fit_threads", "single_blas_thread"])
def test_fork_during_a_small_fit_keeps_the_limits_the_child_sets(first):
    """A child forked while a small fit in another thread held the BLAS pools at
    one thread, which sets its own limits before its first fit: that fit keeps
    them. Before, it put back the parent's limit from before the hold (here 1)
    over the child's ``threadpool_limits(2)``."""
    _run_script(FORK_DURING_A_SMALL_FIT_THEN_THE_CHILD_SETS_ITS_LIMITS.format(
        first=first))


FORK_INSIDE_A_HOLD = _BLAS_LISTING + """
import os
from threadpoolctl import threadpool_limits
from sknonneg._threads import fit_threads, single_blas_thread

with threadpool_limits(limits=2, user_api="blas"):
    before = blas()
    with single_blas_thread():  # the forking thread holds every BLAS at one thread
        pid = os.fork()
    if pid == 0:  # the child: the same thread leaves the hold it entered
        try:
            code = 0 if blas() == before else 3
            with fit_threads():  # and a later fit neither fails nor lowers them
                pass
            code = code or (0 if blas() == before else 4)
        except BaseException as exc:
            print(repr(exc), flush=True)
            code = 5
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0, ("child", os.WEXITSTATUS(status))
    assert blas() == before
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_fork_inside_a_hold_leaves_it_in_the_child():
    """A thread that forks while it holds the BLAS pools at one thread leaves that
    hold in the child too (the forking thread is the one the child runs): the
    limits come back there. Before, the child's exit from the hold raised a
    KeyError (the fork had dropped the hold's count)."""
    _run_script(FORK_INSIDE_A_HOLD)


FORK_INSIDE_A_HOLD_THEN_A_THREAD_HOLDS = _BLAS_LISTING + """
import os, threading
from threadpoolctl import threadpool_limits
from sknonneg._threads import single_blas_thread

with threadpool_limits(limits=2, user_api="blas"):
    before = blas()
    with single_blas_thread():
        held = blas()
        pid = os.fork()
        if pid == 0:  # a thread of the child holds the pools too
            entered, go, seen = threading.Event(), threading.Event(), []
            def fit():
                with single_blas_thread():
                    entered.set()
                    go.wait()
                    seen.append(blas())
            thread = threading.Thread(target=fit)
            thread.start()
            entered.wait()
    if pid == 0:  # the forking thread has left its hold; the other still holds
        go.set()
        thread.join()
        code = 0 if seen == [held] else 3
        code = code or (0 if blas() == before else 4)
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0, ("child", os.WEXITSTATUS(status))
    assert blas() == before
"""


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_fork_inside_a_hold_keeps_a_childs_own_hold():
    """In a child forked inside a hold, a thread that holds the pools while the
    forking thread leaves its hold keeps them at one thread until it leaves; then
    the limits come back. Before, the forking thread's leave took that thread's
    count and restored the limits under it."""
    _run_script(FORK_INSIDE_A_HOLD_THEN_A_THREAD_HOLDS)
