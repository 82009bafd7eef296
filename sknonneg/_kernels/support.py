"""What every kernel module shares: constants, scalar maps, chunking, compilation.

Kernel conventions (every module of ``sknonneg._kernels``): pure functions, arrays
in, results written into ``*_out`` buffers, scalars returned; nothing allocates (row
slices are views). The rows of a batch are split into ``n_chunks`` blocks, one per
numba thread, and each thread does everything for its block: a single-threaded BLAS
product (``np.dot`` inside numba calls SciPy's BLAS, held at one thread during a fit
by ``sknonneg._threads``) followed by the element-wise map while the block is still
in cache. Running the products in NumPy's threaded BLAS and the maps in numba's
threads instead put two pools of spinning workers on the same cores; on 2 cores that
made one evaluation 5-40x slower (measured).

Every kernel is compiled twice from one Python function (``flavours``): ``<name>``
(``parallel=True``) and ``<name>_serial``; the serial flavour (called with
``n_chunks=1``) is used from threads other than the main one, where numba's
workqueue layer is not safe. Both flavours are cached on disk (see ``_renamed``).
``sknonneg._kernels.reference`` holds a plain NumPy twin of every kernel; the tests
keep them equal in float32 and float64.

Every kernel is compiled with ``fastmath={"contract"}`` and nothing else: a multiply
followed by an add may become one fused multiply-add (one rounding instead of two;
the sparse products ran 20-30% faster), while the order of operations, NaN and
infinity semantics stay as written.

Values below ``FLUSH`` are written as exact zeros. Left alone, saturated sigmoids and
confident softmax outputs produce subnormal numbers, with which BLAS products and
``exp`` run 10-50x slower (measured). 1e-30 is far below anything that changes a loss
or a gradient, and keeps float32 products of flushed values out of the subnormal
range too.
"""

import functools
import hashlib
import math
import os
import types as types_module
import warnings

import numpy as np
from numba import njit as _numba_njit, types
from numba.extending import intrinsic, overload
from numba.np.numpy_support import as_dtype

from .._threads import numba_imported

# numba was just imported (with the first kernel module): its threading layer is
# chosen now, before any parallel launch (``sknonneg._threads``).
numba_imported()

__all__ = ["CACHE", "FLUSH", "NUMPY_ERRORS_OPTIONS", "flavours", "njit", "serial_only"]


def _numba_can_cache():
    """Whether numba can cache the kernels of this directory on disk.

    numba writes its cache to ``__pycache__`` beside the kernels' files, else to
    its user-wide directory (under ``$HOME``, or ``NUMBA_CACHE_DIR``). Where neither
    is writable (a read-only install run by another user, a container without a
    home, a serverless function), ``njit(cache=True)`` raises ``RuntimeError`` ("no
    locator available") when the decorator runs, at the first import of a kernel
    module: the first fit crashed. Decorating a function of this file, without
    compiling it, asks numba the same question.
    """
    def probe():  # pragma: no cover - never compiled
        return 0

    try:
        _numba_njit(cache=True)(probe)
    except RuntimeError:
        warnings.warn(
            "numba cannot cache sknonneg's compiled kernels: neither the __pycache__ "
            "folder beside them nor numba's user cache folder is writable, so every "
            "new process compiles them again (seconds per kernel). Set the "
            "environment variable NUMBA_CACHE_DIR to a writable folder to keep them.",
            UserWarning, stacklevel=2)
        return False
    return True


#: Whether the kernels are cached on disk (``njit(cache=CACHE)``).
CACHE = _numba_can_cache()


# numba's loader of its on-disk cache (numba/core/caching.py, ``IndexDataCacheFile``)
# catches only a missing file: an index (``.nbi``) or data file (``.nbc``) cut short
# or garbled (a full disk, a killed process, a copied container layer) raised
# ``UnpicklingError`` or ``EOFError`` from the first call of that kernel in every
# later process, and numba never rewrote the file. Every kernel dispatcher is made by
# ``njit`` below, which guards its cache: a load that fails with anything but an
# ``OSError`` removes the damaged file, warns, and returns nothing, so numba compiles
# the kernel afresh and saves it (rewriting the file). The normal path is unchanged:
# the guard runs only when numba consults the cache (the first call of a signature).
#
# numba internals relied on (private; where one is missing, as in another numba
# version, the dispatcher is left unguarded): ``Dispatcher._cache`` (a
# ``caching.Cache``) and its ``load_overload``, ``save_overload`` and
# ``_index_key(sig, codegen)`` (all three replaced on the instance); its ``_cache_file``
# (``IndexDataCacheFile``) with ``_index_path``, ``_load_index()`` and
# ``_data_path(name)``. Checked with numba 0.68.
_CACHE_PRIVATES = ("load_overload", "save_overload", "_index_key", "_cache_file")
_CACHE_FILE_PRIVATES = ("_index_path", "_load_index", "_data_path")


def _damaged_cache_files(cache, sig, target_context):
    """The cache files of ``cache`` whose loading failed: the index if it no longer
    loads, else the data file the index gives for ``sig``; ``[]`` if neither."""
    cache_file = cache._cache_file
    try:
        overloads = cache_file._load_index()
    except OSError:
        return []
    except Exception:
        return [cache_file._index_path]
    try:
        name = overloads.get(cache._index_key(sig, target_context.codegen()))
        path = None if name is None else cache_file._data_path(name)
    except Exception:
        return []
    return [] if path is None or not _pickle_damaged(path) else [path]


def _pickle_damaged(path):
    """Whether the data file ``path`` (numba writes one pickle) is cut short or
    garbled: read with ``pickletools.genops``, which parses the opcodes and runs
    nothing. An intact file whose loading failed for another reason (an import in
    the pickled code, say) is not removed: that error is raised (before, any
    error removed the file, warning that it was damaged, in every process)."""
    import pickletools

    try:
        with open(path, "rb") as f:
            data = f.read()
        for _ in pickletools.genops(data):
            pass
    except OSError:
        return False
    except Exception:
        return True
    return False


def _index_damaged(cache_file):
    """Whether the index file of ``cache_file`` exists but no longer loads."""
    try:
        cache_file._load_index()
    except OSError:
        return False
    except Exception:
        return True
    return False


def _remove_damaged(paths, name, error, saving=False):
    """Removes ``paths`` (damaged cache files of kernel ``name``, at least one) and
    warns; ``saving``: found when saving the compiled kernel, not when loading it."""
    kept = []
    for path in paths:
        try:
            os.remove(path)
        except FileNotFoundError:
            pass
        except OSError:
            kept.append(path)
    if kept:
        what = f"the damaged cache file(s) {', '.join(paths)} could not all be removed"
    else:
        what = f"removed the damaged cache file(s) {', '.join(paths)}"
    done = ("the compiled kernel was cached afresh" if saving else
            "the kernel was recompiled and cached again")
    warnings.warn(
        f"numba's on-disk cache of sknonneg's compiled kernel {name!r} could not be "
        f"{'updated' if saving else 'loaded'} ({type(error).__name__}: {error}): "
        f"{what}; {done}.", UserWarning, stacklevel=2)


@functools.lru_cache(maxsize=None)
def kernel_sources_digest(folder=None):
    """sha256 of the source of every kernel module (the ``*.py`` files of ``folder``,
    by default this one), names and bytes, in name order; ``""`` where one cannot be
    read.

    numba keys a kernel's cache entry on its own function's bytecode, and drops a
    module's whole index when that module's file changes; a kernel that calls or
    inlines a function of another module (``dense``'s output kernels take the loss
    rows of ``losses``) kept loading its compiled code after that other module
    changed: an edited loss ran the old loss, silently, until ``__pycache__`` was
    cleared (an editable install updated by ``git pull``, a developer's tree). Every
    kernel's index key ends with this digest (``_guard_cache``), so any change to a
    kernel module compiles every kernel afresh, once.
    """
    folder = os.path.dirname(os.path.abspath(__file__)) if folder is None else folder
    digest = hashlib.sha256()
    try:
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as source:
                    digest.update(name.encode() + b"\0" + source.read() + b"\0")
    except OSError:
        return ""
    return digest.hexdigest()


def _guard_cache(dispatcher):
    """``dispatcher``, its on-disk cache guarded against damaged files (see above)
    and keyed on the source of every kernel module (``kernel_sources_digest``);
    unchanged when it does not cache or numba's internals differ."""
    cache = getattr(dispatcher, "_cache", None)
    cache_file = getattr(cache, "_cache_file", None)
    if (not all(hasattr(cache, attr) for attr in _CACHE_PRIVATES)
            or not all(hasattr(cache_file, attr) for attr in _CACHE_FILE_PRIVATES)):
        return dispatcher
    index_key = cache._index_key

    def keyed_on_sources(sig, codegen):
        return (*index_key(sig, codegen), kernel_sources_digest())

    cache._index_key = keyed_on_sources
    load, save = cache.load_overload, cache.save_overload
    name = getattr(dispatcher, "__name__", repr(dispatcher))

    def load_overload(sig, target_context):
        try:
            return load(sig, target_context)
        except OSError:
            raise  # numba's own handling (a missing file is not an error)
        except Exception as error:
            damaged = _damaged_cache_files(cache, sig, target_context)
            if not damaged:
                raise  # not a damaged file: numba's error, as it raised it
            _remove_damaged(damaged, name, error)
            return None  # numba compiles, then saves (save_overload)

    def save_overload(sig, data):
        # numba's save reads the index first: one damaged since this process's load
        # (by another process) is removed, and the save tried once more.
        try:
            return save(sig, data)
        except OSError:
            raise
        except Exception as error:
            if not _index_damaged(cache_file):
                raise
            _remove_damaged([cache_file._index_path], name, error, saving=True)
        return save(sig, data)

    load_overload.sknonneg_guard = save_overload.sknonneg_guard = True
    cache.load_overload, cache.save_overload = load_overload, save_overload
    return dispatcher


def cache_guarded(dispatcher):
    """Whether ``dispatcher`` caches on disk with the guard of ``_guard_cache``."""
    return getattr(getattr(getattr(dispatcher, "_cache", None), "load_overload", None),
                   "sknonneg_guard", False)


def njit(*args, **options):
    """numba's ``njit``, every dispatcher it makes with its disk cache guarded
    (``_guard_cache``): the kernel modules decorate with this one."""
    made = _numba_njit(*args, **options)
    if hasattr(made, "py_func"):  # njit(func, ...): a dispatcher
        return _guard_cache(made)

    def decorate(func):
        return _guard_cache(made(func))

    return decorate


from .codes import DENSE_ACTIVATION_CODES, FLUSH, IDENTITY, LOGISTIC, RELU, TANH

# The codes of the dense hidden activations (``dense``).
ACTIVATION_CODES = DENSE_ACTIVATION_CODES

_LOG_FLUSH = math.log(FLUSH)


def _as_type_of(like, value):
    """``value`` converted to the floating type of ``like`` (an array or a scalar).

    Literals and Python floats are float64 in numba, and one float64 operand turns a
    float32 expression into float64 arithmetic (a double-precision ``exp`` is twice
    as slow). The kernels convert their constants and scalar arguments with this.
    """


@overload(_as_type_of, inline="always")
def _as_type_of_overload(like, value):
    scalar_type = like.dtype if isinstance(like, types.Array) else like
    convert = as_dtype(scalar_type).type

    def impl(like, value):
        return convert(value)

    return impl


@njit(inline="always", cache=CACHE)
def _flush(value):
    # Flushes |value| < FLUSH; a NaN (comparisons false) passes through, so that
    # input that skipped validation (scikit-learn's assume_finite) stays NaN and is
    # caught by the output check rather than becoming a confident prediction.
    return _as_type_of(value, 0.0) if abs(value) < _as_type_of(value, FLUSH) else value


@intrinsic
def _bits_as_float(typingctx, bits):
    """The float whose bit pattern is the integer ``bits`` (int64 -> float64,
    int32 -> float32)."""
    if bits == types.int64:
        signature = types.float64(types.int64)
    elif bits == types.int32:
        signature = types.float32(types.int32)
    else:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], context.get_value_type(sig.return_type))

    return signature, codegen


def _exp(x):
    """``exp(x)`` in the floating type of ``x``, written so that loops vectorize.

    numba calls the C library's scalar ``exp`` (no vector math library is available
    to it without Intel's SVML), which keeps every loop around it scalar; with this
    the sigmoid of 60k x 150 activations ran about 3x faster in float64, 2x in
    float32 when it was written. Cody-Waite reduction ``x = k ln2 + r``,
    ``|r| <= ln2 / 2``, a Taylor polynomial for ``exp(r)`` (degree 13 in float64, 7 in
    float32: truncation below one ulp), and ``2**k`` built from its bit pattern.
    Measured error: at most 1 ulp (float64), 0.5 ulp (float32). ``x`` is clamped to
    the range with a normal result, so nothing overflows; NaN stays NaN.
    """


@overload(_exp, inline="always")
def _exp_overload(x):
    if x == types.float64:
        def impl(x):
            x = min(max(x, -708.0), 709.0)
            k = math.floor(x * 1.4426950408889634 + 0.5)
            # ln2 split in two: k * hi is exact for |k| < 2**20.
            r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
            p = 1.0 / 6227020800.0
            p = p * r + 1.0 / 479001600.0
            p = p * r + 1.0 / 39916800.0
            p = p * r + 1.0 / 3628800.0
            p = p * r + 1.0 / 362880.0
            p = p * r + 1.0 / 40320.0
            p = p * r + 1.0 / 5040.0
            p = p * r + 1.0 / 720.0
            p = p * r + 1.0 / 120.0
            p = p * r + 1.0 / 24.0
            p = p * r + 1.0 / 6.0
            p = p * r + 0.5
            p = p * r + 1.0
            p = p * r + 1.0
            return p * _bits_as_float((np.int64(k) + 1023) << 52)
        return impl
    if x == types.float32:
        def impl(x):
            x = min(max(x, np.float32(-87.0)), np.float32(88.0))
            k = math.floor(x * np.float32(1.44269504) + np.float32(0.5))
            r = ((x - k * np.float32(0.693359375))
                 - k * np.float32(-2.12194440e-4))
            p = np.float32(1.0 / 5040.0)
            p = p * r + np.float32(1.0 / 720.0)
            p = p * r + np.float32(1.0 / 120.0)
            p = p * r + np.float32(1.0 / 24.0)
            p = p * r + np.float32(1.0 / 6.0)
            p = p * r + np.float32(0.5)
            p = p * r + np.float32(1.0)
            p = p * r + np.float32(1.0)
            return p * _bits_as_float(np.int32((np.int32(k) + np.int32(127))
                                               << np.int32(23)))
        return impl


@njit(inline="always", cache=CACHE)
def _sigmoid(t):
    """Sigmoid in the floating type of ``t``, without overflow or subnormals.

    Clamping to +-(log(1/FLUSH) + 1) keeps ``exp`` far from overflow (beyond it the
    result is flushed to 0, or is 1: 1 / (1 + 1e-30) is 1.0). Written without
    branches on purpose: a data-dependent branch per element mispredicted often
    enough to make the map 2-3x slower (measured on random pre-activations), and
    keeps the loops around it vectorizable.
    """
    bound = _as_type_of(t, 1.0 - _LOG_FLUSH)
    one = _as_type_of(t, 1.0)
    t = min(max(t, -bound), bound)
    return _flush(one / (one + _exp(-t)))


@njit(inline="always", cache=CACHE)
def _tanh(t):
    """tanh in the floating type of ``t``: ``(1 - e) / (1 + e)`` with ``e = exp(-2|t|)``,
    one ``exp`` that cannot overflow, to within 3e-16 absolutely (float64).

    ``|t|`` is clamped at ``-log(FLUSH) / 2``, beyond which tanh is +-1 to working
    precision, which keeps ``exp`` off its subnormal range; written without branches
    and with the kernels' own ``exp`` so that the loops around it vectorize (libm's
    scalar ``exp`` kept them scalar; see ``sknonneg._kernels.support._exp``).
    """
    one = _as_type_of(t, 1.0)
    a = min(abs(t), _as_type_of(t, -0.5 * _LOG_FLUSH))
    e = _exp(_as_type_of(t, -2.0) * a)
    r = (one - e) / (one + e)
    return r if t >= 0 else -r


@njit(inline="always", cache=CACHE)
def _chunk(n_rows, n_chunks, c):
    step = (n_rows + n_chunks - 1) // n_chunks
    start = min(n_rows, c * step)
    return start, min(n_rows, start + step)



@njit(inline="always", cache=CACHE)
def _add_scaled_rows(values, rows, start, stop, source, target, target_row):
    """``target[target_row] += sum_p values[p] * source[rows[p]]`` over ``p`` in
    ``start:stop``: a sparse row (or column) times a dense matrix.

    Eight values are added in one pass over the target row, so it is loaded and
    stored once per eight values, not once per value (1.4x faster in float64, 1.8x
    in float32 on MNIST's forward product); the rest one by one.
    """
    n_units = target.shape[1]
    p = start
    while p + 8 <= stop:
        v0, v1, v2, v3 = values[p], values[p + 1], values[p + 2], values[p + 3]
        v4, v5, v6, v7 = values[p + 4], values[p + 5], values[p + 6], values[p + 7]
        r0, r1, r2, r3 = rows[p], rows[p + 1], rows[p + 2], rows[p + 3]
        r4, r5, r6, r7 = rows[p + 4], rows[p + 5], rows[p + 6], rows[p + 7]
        for j in range(n_units):
            target[target_row, j] += (
                ((v0 * source[r0, j] + v1 * source[r1, j])
                 + (v2 * source[r2, j] + v3 * source[r3, j]))
                + ((v4 * source[r4, j] + v5 * source[r5, j])
                   + (v6 * source[r6, j] + v7 * source[r7, j])))
        p += 8
    while p < stop:
        value, row = values[p], rows[p]
        for j in range(n_units):
            target[target_row, j] += value * source[row, j]
        p += 1


@njit(inline="always", cache=CACHE)
def _csr_rows_product(data, indices, indptr, start, stop, coef, out):
    """``out[start:stop] = X[start:stop] @ coef`` for the CSR ``X`` given by ``(data,
    indices, indptr)``, row by row (``_add_scaled_rows``)."""
    for i in range(start, stop):
        for j in range(out.shape[1]):
            out[i, j] = 0.0
        _add_scaled_rows(data, indices, indptr[i], indptr[i + 1], coef, out, i)


def _renamed(func, name, globals_=None):
    """A copy of ``func`` under another qualified name (and optionally globals).

    numba's on-disk cache files are named after a function's qualified name, and its
    index keys entries by signature, not by compile flags: a serial and a parallel
    flavour of one function would overwrite each other's entries. Renaming the serial
    flavour gives it cache files of its own, so that worker threads and processes
    load it instead of compiling it (seconds per kernel).
    """
    code = func.__code__.replace(co_name=name)
    if hasattr(code, "co_qualname"):  # Python >= 3.11
        code = code.replace(co_qualname=name)
    copy = types_module.FunctionType(code, func.__globals__ if globals_ is None
                                     else globals_, name, func.__defaults__,
                                     func.__closure__)
    copy.__qualname__ = name
    copy.__doc__ = func.__doc__
    return copy


_OPTIONS = dict(cache=CACHE, nogil=True, fastmath={"contract"})
EXACT_OPTIONS = dict(cache=CACHE, nogil=True)
# numba's default error model ("python") tests every floating division's divisor
# for zero, to raise ZeroDivisionError: a branch per division, which keeps LLVM
# from vectorising the loop around it. Under "numpy" a division is IEEE 754's (x
# / 0 is inf or nan, as in the NumPy twins): for a kernel whose divisors are
# never zero, the same values (``parameters.projected_adam_step``).
NUMPY_ERRORS_OPTIONS = dict(_OPTIONS, error_model="numpy")


class _Stats:
    """``cache_hits`` and ``cache_misses`` (signature to count) summed over the
    variants of a ``PerActivation`` kernel, as a dispatcher's ``stats`` holds them."""

    def __init__(self, dispatchers):
        self.cache_hits, self.cache_misses = {}, {}
        for dispatcher in dispatchers:
            for mine, theirs in ((self.cache_hits, dispatcher.stats.cache_hits),
                                 (self.cache_misses, dispatcher.stats.cache_misses)):
                for key, count in theirs.items():
                    mine[key] = mine.get(key, 0) + count


class PerActivation:
    """A kernel taking a hidden activation's code, compiled in two variants: one for
    ``LOGISTIC`` alone, one for every other code.

    The logistic variant is ``func`` compiled with some of its globals rebound
    (``logistic_globals``: the element maps it passes to its helpers, the sigmoid's
    alone), the general one ``func`` as written, reading the code at run time. So a
    logistic fit compiles and runs the code written for the sigmoid, nothing else,
    while the other activations share one compiled variant (a variant each would
    compile each fused kernel three more times in the tests). One kernel for every
    code compiled 15-30% longer and ran the float32 logistic forward map 4-8% slower
    (``benchmarks/results/kernel_compile.md``). Variants are named
    ``<name>_logistic`` and ``<name>_any`` (their own on-disk cache files) and made
    on first call.
    """

    def __init__(self, func, parallel, name, logistic_globals, globals_=None):
        import inspect

        self.py_func = func
        self.__name__ = self.__qualname__ = name
        self.__doc__ = func.__doc__
        self._parallel = parallel
        self._globals = func.__globals__ if globals_ is None else globals_
        self._logistic_globals = logistic_globals
        self._index = list(inspect.signature(func).parameters).index("activation_code")
        self._variants = {}

    def variant(self, code):
        """The dispatcher that runs activation code ``code``."""
        if code not in ACTIVATION_CODES:
            raise ValueError(f"unknown activation code {code!r}")
        logistic = code == LOGISTIC
        dispatcher = self._variants.get(logistic)
        if dispatcher is None:
            globals_ = ({**self._globals, **self._logistic_globals} if logistic
                        else self._globals)
            name = f"{self.__name__}_{'logistic' if logistic else 'any'}"
            dispatcher = njit(parallel=self._parallel, **_OPTIONS)(
                _renamed(self.py_func, name, globals_))
            self._variants[logistic] = dispatcher
        return dispatcher

    def __call__(self, *args):
        return self.variant(int(args[self._index]))(*args)

    @property
    def signatures(self):
        return [sig for d in self._variants.values() for sig in d.signatures]

    @property
    def stats(self):
        return _Stats(self._variants.values())


def flavours(func, serial_globals=None, per_activation=None, options=_OPTIONS):
    """``(parallel, serial)`` dispatchers of ``func``; ``serial_globals``: names the
    serial flavour sees rebound (a reducing kernel calls the serial reduction);
    ``per_activation``: ``PerActivation`` kernels, with the names their logistic
    variant sees rebound; ``options``: numba's (``EXACT_OPTIONS``: no contraction
    into fused multiply-adds, for the fixed-order kernels)."""
    globals_ = None if serial_globals is None else {**func.__globals__, **serial_globals}
    if per_activation is not None:
        return (PerActivation(func, True, func.__name__, per_activation),
                PerActivation(func, False, func.__name__ + "_serial", per_activation,
                              globals_))
    parallel = njit(parallel=True, **options)(func)
    serial = njit(parallel=False, **options)(
        _renamed(func, func.__name__ + "_serial", globals_))
    return parallel, serial


def serial_only(func, options=_OPTIONS):
    """The serial dispatcher of a parameter-sized kernel, far below the cost of a
    thread launch; ``options``: numba's (as ``flavours``)."""
    return njit(parallel=False, **options)(_renamed(func, func.__name__ + "_serial"))
