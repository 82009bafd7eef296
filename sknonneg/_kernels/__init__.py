"""The numba kernels of the engine, grouped by what they compute.

- ``dense``: a dense layer's product fused with the sigmoid, the output layer fused
  with its loss, the backward maps, and the last hidden layer, output layer and
  backward step in one kernel;
- ``sparse``: the CSR forward product and the data conversions made once per data
  set (dense to CSR, blocked CSC, transposed copy);
- ``reductions``: weight gradients ``inputs.T @ delta`` and sums over chunks;
- ``abba``: the two-product ABBA layers;
- ``fixed``: the fixed-order forward step of prediction for monotone networks
  (a row's outputs depend on that row only, bit for bit);
- ``losses``: the output losses, row by row (the loss hook of the output kernels);
- ``parameters``: parameter-sized kernels (L2 penalty, projected Adam step);
- ``support``: constants, ``_exp``, the sigmoid, chunking, compilation;
- ``reference``: a plain NumPy twin of every kernel (same signature, same outputs),
  which the tests hold equal to the kernel, and the NumPy path of small problems.

Every kernel with rows to split exists in two flavours, ``<name>`` (parallel) and
``<name>_serial`` (threads other than the main one): ``kernels(parallel)`` looks
them up by name for the flavour a caller needs. The kernels are the modules' own,
imported (with numba) when first asked for: ``import sknonneg`` imports neither them
nor numba (``codes`` holds the constants the engine needs); nothing is generated at
import, and nothing is compiled before a kernel's first call.

A third flavour, ``kernels(NUMPY)``, is the NumPy twins: a problem small enough
(``flavour_for``) runs on them and compiles nothing. numba compiles a kernel the
first time it is called in a fresh environment (the fused one-hidden-layer kernel
alone took 12 CPU-seconds in its parallel flavour, 5 in its serial one), which a
small fit never earns back: the digits demo network (1347 rows, 64-50-10) fits
in about the same time on the twins as on the warm kernels
(``benchmarks/first_run.py``).
"""

import importlib
from functools import lru_cache

from .._scoped import ScopedSetting
from .._threads import thread_budget
from .codes import *  # noqa: F401,F403

_MODULE_NAMES = ("dense", "sparse", "reductions", "abba", "parameters", "fixed")


def kernel_modules():
    """The numba kernel modules, imported (with numba) on first use."""
    global _LOADED
    if _LOADED is None:
        _LOADED = tuple(importlib.import_module(f"{__name__}.{name}")
                        for name in _MODULE_NAMES)
    return _LOADED


_LOADED = None


def __getattr__(name):
    """A kernel by name (``sknonneg._kernels.gram_colsum``), its module imported on
    first use: importing sknonneg does not import numba."""
    if name in _MODULE_NAMES or name in ("losses", "support", "reference"):
        return importlib.import_module(f"{__name__}.{name}")
    if not name.startswith("_"):
        for module in kernel_modules():
            if name in module.__all__:
                return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


NUMPY = "numpy"

# Rows x multiply-adds per row up to which a fit (or a prediction) runs on the NumPy
# twins. The digits demo network is 1347 x 3700 = 5.0e6; one full-batch evaluation
# of a problem at this limit takes a few milliseconds in NumPy, so that 10 CPU-
# seconds of compilation would pay off only after thousands of evaluations.
NUMPY_MAX_WORK = 1 << 24
# The limit ``flavour_for`` applies in the current thread (``numpy_max_work``).
_numpy_max_work = ScopedSetting("sknonneg_numpy_max_work", NUMPY_MAX_WORK)


def flavour_for(parallel, n_samples, work_per_row):
    """The flavour of kernels for a problem of ``n_samples`` rows of ``work_per_row``
    multiply-adds each: ``NUMPY`` when small (see ``NUMPY_MAX_WORK``), else the
    parallel (``parallel`` true) or the serial numba kernels."""
    if int(n_samples) * int(work_per_row) <= _numpy_max_work.get():
        return NUMPY
    return bool(parallel) and parallel != NUMPY


# Multiply-adds below which a chunk is not worth a thread: on small batches a parallel
# launch costs more than it saves (and far more on a loaded machine, where threads
# wait to be scheduled).
_MIN_WORK_PER_CHUNK = 1 << 17


def n_chunks_for(n_samples, work_per_row, parallel):
    """Chunks of rows (= numba threads) for a batch of ``n_samples`` rows costing
    ``work_per_row`` multiply-adds each: the thread budget, fewer when the batch is
    small; one for the NumPy twins and the serial kernels (``flavour_for``)."""
    if not parallel or parallel == NUMPY:
        return 1
    by_work = (n_samples * work_per_row) // _MIN_WORK_PER_CHUNK
    import numba

    n_threads = min(thread_budget(), numba.config.NUMBA_NUM_THREADS)
    return int(max(1, min(n_threads, by_work)))


def numpy_max_work(value):
    """Context in which ``flavour_for`` sends problems up to ``value`` (rows x
    multiply-adds) to the NumPy twins: ``numpy_max_work(-1)`` forces the numba kernels
    (their tests, ``sknonneg.parallel.warm_kernels``).

    In the current thread only, and contexts closed out of order leave nothing
    behind (``sknonneg._scoped``): the innermost open one applies, else
    ``NUMPY_MAX_WORK``."""
    return _numpy_max_work.scoped(value)


class KernelSet:
    """The kernels of one flavour, by name: ``kernels(False).gram_colsum`` is
    ``reductions.gram_colsum_serial``, ``kernels(NUMPY).gram_colsum`` its NumPy twin
    ``reference.gram_colsum``. Parameter-sized kernels have one numba flavour."""

    def __init__(self, parallel):
        self.numpy = parallel == NUMPY
        self.parallel = bool(parallel) and not self.numpy

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        if self.numpy:
            from . import reference

            kernel = getattr(reference, name, None)
            if kernel is None or name.endswith("_serial"):
                raise AttributeError(f"no kernel named {name!r}")
            setattr(self, name, kernel)
            return kernel
        for module in kernel_modules():
            kernel = getattr(module, name if self.parallel else name + "_serial", None)
            if kernel is None and name in module.__all__:
                kernel = getattr(module, name)
            if kernel is not None:
                setattr(self, name, kernel)  # found once, then a plain attribute
                return kernel
        raise AttributeError(f"no kernel named {name!r}")


@lru_cache(maxsize=None)
def kernels(parallel):
    """The ``KernelSet`` of the parallel (true) or the serial (false) flavour, or of
    the NumPy twins (``NUMPY``)."""
    return KernelSet(NUMPY if parallel == NUMPY else bool(parallel))


def kernel_names():
    """Names of every kernel (without the ``_serial`` suffix)."""
    return sorted({name for module in kernel_modules() for name in module.__all__
                   if name.islower() and not name.endswith("_serial")})
