"""The numba kernels of the engine, grouped by what they compute.

- ``dense``: a dense layer's product fused with the sigmoid, the output layer fused
  with its loss, the backward maps, and the last hidden layer, output layer and
  backward step in one kernel;
- ``sparse``: the CSR forward product and the data conversions made once per data
  set (dense to CSR, blocked CSC, transposed copy);
- ``reductions``: weight gradients ``inputs.T @ delta`` and sums over chunks;
- ``abba``: the two-product ABBA layers;
- ``losses``: the output losses, row by row (the loss hook of the output kernels);
- ``parameters``: parameter-sized kernels (L2 penalty, projected Adam step);
- ``support``: constants, ``_exp``, the sigmoid, chunking, compilation;
- ``reference``: a plain NumPy twin of every kernel, for the tests only.

Every kernel with rows to split exists in two flavours, ``<name>`` (parallel) and
``<name>_serial`` (threads other than the main one): ``kernels(parallel)`` looks
them up by name for the flavour a caller needs. The names below are the modules'
own, imported statically; nothing is generated at import, and nothing is compiled
before a kernel's first call.
"""

from functools import lru_cache

from . import abba, dense, parameters, reductions, sparse
from .abba import *  # noqa: F401,F403
from .dense import *  # noqa: F401,F403
from .losses import (  # noqa: F401
    LOGISTIC_NLL, SIGMOID_SQUARED_ERROR, SOFTMAX_NLL, SQUARED_ERROR)
from .parameters import *  # noqa: F401,F403
from .reductions import *  # noqa: F401,F403
from .sparse import *  # noqa: F401,F403
from .support import FLUSH  # noqa: F401

_MODULES = (dense, sparse, reductions, abba, parameters)


class KernelSet:
    """The kernels of one flavour, by name: ``kernels(False).gram_colsum`` is
    ``reductions.gram_colsum_serial``. Parameter-sized kernels have one flavour."""

    def __init__(self, parallel):
        self.parallel = bool(parallel)

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        for module in _MODULES:
            kernel = getattr(module, name if self.parallel else name + "_serial", None)
            if kernel is None and name in module.__all__:
                kernel = getattr(module, name)
            if kernel is not None:
                setattr(self, name, kernel)  # found once, then a plain attribute
                return kernel
        raise AttributeError(f"no kernel named {name!r}")


@lru_cache(maxsize=None)
def kernels(parallel):
    """The ``KernelSet`` of the parallel or the serial flavour."""
    return KernelSet(bool(parallel))


def kernel_names():
    """Names of every kernel (without the ``_serial`` suffix)."""
    return sorted({name for module in _MODULES for name in module.__all__
                   if name.islower() and not name.endswith("_serial")})
