"""Shared test settings: tiny fits run on the serial kernels.

Small fits run on the NumPy twins of the kernels (``sknonneg._kernels.flavour_for``)
unless a test asks for the ``numba_kernels`` fixture.

On a busy 2-core machine one parallel kernel launch on a dozen rows costs
milliseconds (threads wait to be scheduled) against microseconds serially, so the
suite holds NumPy's BLAS, and with it ``fit_threads``' budget, at one thread. Tests of
the parallel path ask for the ``parallel_threads`` fixture.
"""

import contextlib
import contextvars
import os
import threading

import numba
import numpy as np
import scipy.sparse as sp
import pytest
from threadpoolctl import threadpool_limits

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # hypothesis is a test extra; test_fuzz.py skips without it
    settings = None

if settings is not None:
    # Property tests (every file that imports hypothesis): "ci" keeps the suite fast
    # (< ~60 s); "dev" searches far longer:
    # HYPOTHESIS_PROFILE=dev python -m pytest tests/test_fuzz.py
    # A test that asks for its own number of examples does so with ``examples(n)``
    # (below), which "dev" overrides (test_property_profiles.py checks it).
    _slow = [HealthCheck.too_slow, HealthCheck.data_too_large]
    settings.register_profile("ci", max_examples=25, deadline=None,
                              suppress_health_check=_slow, derandomize=True,
                              print_blob=True)
    settings.register_profile("dev", max_examples=2000, deadline=None,
                              suppress_health_check=_slow, print_blob=True)
    settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def examples(n):
    """``@settings`` of a property test: ``n`` examples under the "ci" profile, the
    loaded profile's settings under any other. A test decorated with a fixed
    ``@settings(max_examples=n)`` (or ``derandomize=True``) keeps them under "dev"
    too, so that ``HYPOTHESIS_PROFILE=dev`` and ``--hypothesis-seed`` changed
    nothing for it: before, only test_fuzz.py and test_promises.py searched longer
    under "dev"."""
    if os.environ.get("HYPOTHESIS_PROFILE", "ci") != "ci":
        return settings()
    return settings(max_examples=n)

from sknonneg._kernels import numpy_max_work
from sknonneg._threads import fit_threads


# Under pytest-xdist (``-n 2 --dist loadgroup``, the README's test command), the tests
# that compile the same numba kernels run in one worker, so that no kernel is compiled
# twice (by both workers at once): the kernel and objective tests of the dense and of
# the ABBA kernels, in four groups: the serial flavour's dense kernels, the serial
# flavour's ABBA kernels, and the tests of the parallel flavour, split by dtype (dense
# and ABBA alike: the parallel ABBA fit compiles the parallel dense output kernels
# too). The parallel flavour's float32 signatures, which cost about as much to compile
# as its float64 ones, are a group of their own ("parallel-f32": the kernel tests'
# float32 cases, ``flavour_dtypes``, test_memory's float32 fits and test_gram_objective's
# parallel float32 objectives, which compile many of the same signatures), so that
# the two parallel groups can run in different workers. Other tests are spread test
# by test; they compile little (small fits run on the NumPy twins) and load what the
# groups compiled from numba's cache on disk.
# test_fixed_order shares the dense family: test_kernels compiles the fixed-order
# kernels too, and one worker compiling them saves the other from doing it again.
# test_wide_sparse too: its fits run on the serial kernels that test_kernels compiles.
# One "serial" group of dense and ABBA was tried and measured worse: it
# and "parallel" went to different workers, and test_abba's
# test_serial_and_parallel_objectives_agree ("parallel") compiles the serial ABBA
# kernels too (six signatures twice, +6.3 CPU-s). loadgroup hands out the groups
# largest first, and so far has put "abba-serial" beside "parallel" in every run.
_KERNEL_FAMILIES = {"test_kernels": "dense", "test_objective": "dense",
                    "test_fixed_order": "dense", "test_wide_sparse": "dense",
                    "test_abba_kernels": "abba", "test_abba": "abba"}
_PARALLEL_FIXTURES = {"parallel_threads", "numba_kernels"}


def _kernel_group(item):
    """The xdist group of a test that compiles numba kernels, else None."""
    params = getattr(getattr(item, "callspec", None), "params", {})
    kernels = params.get("kernels")
    # The kernel tests' ``kernels``: a flavour (fixture parameter) or a KernelSet;
    # test_gram_objective's ``parallel``: the flavour of the objective.
    parallel = (bool(_PARALLEL_FIXTURES & set(item.fixturenames))
                or getattr(kernels, "parallel", kernels) is True
                or params.get("parallel") is True)
    family = _KERNEL_FAMILIES.get(item.path.stem)
    if parallel:
        dtype = params.get("dtype", np.float64)
        return "parallel-f32" if np.dtype(dtype) == np.float32 else "parallel"
    return None if family is None else f"{family}-serial"


# (kernels, dtype) of the kernel tests (test_kernels, test_abba_kernels): both flavours
# in float32 and float64. The two flavours are compiled from one Python function
# (``sknonneg._kernels.support.flavours``), the parallel one running the serial one's
# loop body inside a loop over chunks, but they are two compilations (numba's parfor
# passes rewrite the parallel one's loops), and float32 fits run the parallel flavour:
# each is held to the twins in both dtypes. The float32 parallel cases are the xdist
# group "parallel-f32" (``_kernel_group``).
def flavour_dtypes():
    from sknonneg._kernels import kernels

    return [pytest.param(kernels(True), np.float32, id="parallel-f32"),
            pytest.param(kernels(True), np.float64, id="parallel-f64"),
            pytest.param(kernels(False), np.float32, id="serial-f32"),
            pytest.param(kernels(False), np.float64, id="serial-f64")]


def copy_kernel_args(args):
    """Copies of the arrays among a kernel's ``args`` (the kernel and its twin each
    get their own), read-only where the original is: the kernel tests hand the
    kernels their data read-only, as the engine does (``read_only_view``)."""
    from sknonneg._engine.data import read_only_view

    return [(a.copy() if a.flags.writeable else read_only_view(a.copy()))
            if isinstance(a, np.ndarray) else a for a in args]


# Tests that share an expensive module-scoped fixture run in one worker, so that it
# is set up once: test_dask's ``client``, the documented LocalCluster (two worker
# processes; its setup also warms the serial kernels in the test process), ~4 CPU-s
# and 5 s wall per set-up. Before, its tests were spread test by test, and each
# worker started a cluster of its own and compiled the same kernels as the other
# (measured in cold profiles of the suite).
_FIXTURE_GROUPS = {"client": "dask-cluster"}


def _fixture_group(item):
    """The xdist group of a test that uses an expensive shared fixture, else None."""
    names = set(getattr(item, "fixturenames", ()))
    return next((group for name, group in _FIXTURE_GROUPS.items() if name in names),
                None)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    for item in items:
        group = _kernel_group(item) or _fixture_group(item)
        # A group the test names itself (a ``pytest.param`` mark) stands.
        if group is not None and not any(mark.name == "xdist_group"
                                         for mark in item.own_markers):
            item.add_marker(pytest.mark.xdist_group(group))


def pytest_collection_finish(session):
    """Freezes the heap that collection left (``gc.freeze``): the imported modules
    and the collected tests, some half a million objects that live as long as the
    process. Every full collection after, the automatic ones and each test's
    ``gc.collect()``, passes over the objects made since, not over these (measured:
    0.12 CPU-s less a full collection in a process that collected the whole suite
    and ran three of the memory tests, which collect before and after each
    measurement, ``frozen_heap``)."""
    import gc

    gc.collect()
    gc.freeze()


def frozen_heap():
    """Collects the garbage (``gc.collect()``) and freezes the objects left
    (``gc.freeze``), so that a ``gc.collect()`` after passes over the objects made
    since only: the tracemalloc measurements of the memory tests, which collect
    the garbage their evaluation made. tracemalloc counts the blocks allocated
    while it traces, so the figures are those of a full collection, without a
    second pass over a worker's heap of some two million objects (about 1 s on a
    busy 2-core machine). A frozen object that becomes cyclic garbage later is not
    collected (it is freed when its last reference goes, as any other)."""
    import gc

    gc.collect()
    gc.freeze()


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session):
    """In a pytest-xdist worker, collect the garbage and freeze the rest of the heap
    (``gc.freeze``) before the worker reports that it finished (xdist sends that
    event after every ``pytest_sessionfinish``; this one runs after the session
    fixtures' teardown).

    Once the controller has every worker's report it closes them, and execnet sends
    a worker whose execution goes on 5 s later a SIGINT. A worker ends with some
    2 million live objects (about 1 s a full collection on a busy 2-core machine)
    and pytest's unraisable-exception check then runs ``gc.collect()`` five times
    (``gc_collect_harder``): the SIGINT came during it, and its KeyboardInterrupt
    was raised in the first Python code that ran, hypothesis's gc callback, which
    ``gc`` ignores: one "PytestUnraisableExceptionWarning: Exception ignored in:
    <function gc_cumulative_time.<locals>.gc_callback> ... KeyboardInterrupt" at the
    end of every full run (no test raised it). The garbage is still collected
    while pytest's unraisable hook listens (here, not later), and its five
    collections then pass over the objects made since, not the frozen heap."""
    if hasattr(session.config, "workerinput"):
        import gc

        gc.collect()
        gc.freeze()


@pytest.fixture(autouse=True, scope="session")
def _serial_kernels():
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture
def small_blocks(monkeypatch):
    """CSR inputs of a few rows take the blocked-CSC gradient path (4-row blocks)."""
    from sknonneg._engine import data

    monkeypatch.setattr(data._BlockedCSC, "block_rows",
                        classmethod(lambda cls, n_units, dtype: 4))


@pytest.fixture
def numba_kernels():
    """Fits and predictions of any size run on the numba kernels, not on the NumPy
    path of small problems (``sknonneg._kernels.flavour_for``)."""
    with numpy_max_work(-1):
        yield


@pytest.fixture
def parallel_threads(numba_kernels):
    """Two BLAS threads, so that ``fit_threads`` picks the parallel kernels."""
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has a single thread")
    with threadpool_limits(limits=2, user_api="blas"):
        with fit_threads() as parallel:
            assert parallel
        yield


def in_thread(func):
    """``func()`` run in a thread of its own, its result returned (its exception
    raised): a fit there runs on the serial numba kernels (the main thread's fits run
    the parallel flavour), whose signatures the kernel tests compile in both dtypes.
    It runs in a copy of the caller's context: a ``numpy_max_work`` open here holds
    there too (it is per thread)."""
    result, error = [], []
    context = contextvars.copy_context()

    def target():
        try:
            result.append(context.run(func))
        except BaseException as exc:  # re-raised in the calling thread
            error.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join()
    if error:
        raise error[0]
    return result[0]


@contextlib.contextmanager
def held_in_a_thread(hold, timeout=60):
    """Another thread inside ``with hold():`` (a fit's hold of the BLAS pools,
    ``fit_threads`` or ``single_blas_thread``) for the whole of the block: it has
    entered before the block starts and leaves after the block ends."""
    entered, leave = threading.Event(), threading.Event()

    def run():
        with hold():
            entered.set()
            leave.wait(timeout)

    thread = threading.Thread(target=run)
    thread.start()
    try:
        assert entered.wait(timeout), "the other thread did not enter its hold"
        yield
    finally:
        leave.set()
        thread.join(timeout)


def held_in_a_thread_source():
    """``held_in_a_thread``'s source, for the scripts tests run in a fresh
    interpreter (forks)."""
    import inspect

    return ("import contextlib, threading\n\n"
            + inspect.getsource(held_in_a_thread) + "\n\n")


def _central_differences(fun, theta, h=1e-6):
    """Central finite differences of ``fun(theta)[0]`` (a ``loss_grad``)."""
    import numpy as np

    grad = np.empty_like(theta)
    for i in range(theta.shape[0]):
        step = np.zeros_like(theta)
        step[i] = h
        grad[i] = (fun(theta + step)[0] - fun(theta - step)[0]) / (2 * h)
    return grad


@pytest.fixture
def finite_differences():
    """The gradient checks' reference: central differences of a ``loss_grad``."""
    return _central_differences


# Small classification data sets of the objective tests (MLP and ABBA alike), imported
# by test_objective.py and test_abba.py (``from conftest import ...``).
def objective_data(kind, sparse=False, seed=0, n_samples=12, n_features=3):
    """``(X, y)``: non-negative ``X`` with ~30% zeros (CSR if ``sparse``); ``y``
    binary, 3-class or a 3-label indicator matrix (``kind`` ends in ``binary``,
    ``multiclass`` or ``multilabel``) with an all-zero and an all-one row."""
    rng = np.random.default_rng(seed)
    X = rng.random((n_samples, n_features)) * (rng.random((n_samples, n_features)) < 0.7)
    if kind.endswith("binary"):
        y = np.arange(n_samples) % 2
    elif kind.endswith("multiclass"):
        y = np.arange(n_samples) % 3
    else:
        y = (rng.random((n_samples, 3)) < 0.5).astype(int)
        y[0], y[1] = [0, 0, 0], [1, 1, 1]
    return (sp.csr_matrix(X) if sparse else X), y


def gradient_case(kind, sparse, request, n_samples=12, n_features=3):
    """``(X, y, sample_weights, rng)`` of a gradient check: ``sample_weights`` is
    ``[None, positive weights with one zero]``, ``rng`` the generator that drew them
    (for the parameters); ``sparse="blocked"`` makes CSR input take the
    blocked-CSC gradient path (through the ``small_blocks`` fixture)."""
    if sparse == "blocked":
        request.getfixturevalue("small_blocks")
    X, y = objective_data(kind, sparse, 0, n_samples, n_features)
    rng = np.random.default_rng(1)
    weights = rng.uniform(0.2, 3.0, n_samples) * (np.arange(n_samples) != 2)
    return X, y, [None, weights], rng


@pytest.fixture(scope="session")
def multilabel_data():
    """``(X, Y)``: 120 rows of 8 features in [0, 1] and a dense 4-label indicator
    matrix (scikit-learn's make_multilabel_classification)."""
    from sklearn.datasets import make_multilabel_classification

    X, Y = make_multilabel_classification(n_samples=120, n_features=8, n_classes=4,
                                          random_state=0)
    return X / X.max(), Y


# ------------------------------------------------- targets of the log-link losses
def poisson_counts(n=600, seed=0, n_features=4):
    """Poisson counts whose log-mean rises in feature 0, falls in feature 1, and
    depends on feature 2 through a sine (feature 3 is noise)."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(size=(n, n_features))
    mu = np.exp(-0.5 + 1.5 * X[:, 0] - X[:, 1] + np.sin(4 * X[:, 2]))
    return X, rng.poisson(mu).astype(float), mu


def gamma_amounts(n=600, seed=0, n_features=4, shape=4.0):
    """Gamma amounts (coefficient of variation 1 / sqrt(shape)) whose log-mean
    rises in feature 0, falls in feature 1 and depends on feature 2 through a sine
    (feature 3 is noise)."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(size=(n, n_features))
    mu = np.exp(0.5 + 1.5 * X[:, 0] - X[:, 1] + np.sin(4 * X[:, 2]))
    return X, rng.gamma(shape, mu / shape), mu


def tweedie_amounts(n=600, seed=0, n_features=4, power=1.5, dispersion=1.5):
    """Compound Poisson-Gamma amounts (Tweedie ``power`` in (1, 2), exact zeros:
    a Poisson number of Gamma claims) whose log-mean rises in feature 0, falls in
    feature 1 and depends on feature 2 through a sine (feature 3 is noise)."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(size=(n, n_features))
    mu = np.exp(-0.5 + 1.5 * X[:, 0] - X[:, 1] + np.sin(4 * X[:, 2]))
    # Tweedie (mu, dispersion, power) = sum of N Gamma(alpha, scale) claims.
    lam = mu ** (2 - power) / (dispersion * (2 - power))
    alpha = (2 - power) / (power - 1)
    scale = dispersion * (power - 1) * mu ** (power - 1)
    counts = rng.poisson(lam)
    y = np.where(counts > 0, rng.gamma(np.maximum(counts, 1) * alpha, scale), 0.0)
    return X, y, mu


def with_fitted_gain(est, gain, compensate=False):
    """``est``, a fitted dense network, made to predict at ``gain``: a model
    fitted before ``gain`` was held to ``GAIN_RANGE`` (by an older sknonneg, and
    loaded), whose numerics the Lipschitz bound and the certificates still face.
    ``compensate``: the next layers' weights divided by ``gain / gain_`` as the
    initialisation compensated a gain (relu and the identity are positively
    homogeneous, so the network computes the same function, up to rounding)."""
    factor = gain / est._gain_
    if compensate:
        for coef, _ in est._layout.views(est._theta)[1:]:
            coef /= factor
    est._gain_ = float(gain)
    est._set_fitted_layers(est._theta)
    return est
