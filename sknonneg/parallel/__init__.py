"""Scaling sknonneg out: Dask clusters, blocks of a dask array, data beyond memory.

Needs nothing beyond sknonneg's own dependencies:

- :func:`partial_fit_chunks`, :func:`iter_chunks`: out-of-core training over row
  chunks of a memory-mapped array.
- :func:`warm_kernels`, :func:`kernel_compile_counts`: compiled kernels of worker
  processes.

Needs ``dask[array]`` and ``distributed``, in sknonneg's ``dask`` extra (from the
clone: ``python -m pip install -e ".[dask]"``), imported on first use:

- :func:`fit_dask_blocks`: ``partial_fit`` over the blocks of a dask array.
- :func:`predict_blocks`: block-wise prediction of a dask array.
- :class:`ThreadLimits`: worker plugin that limits threads and warms the kernels.

See ``doc/scaling.md`` for the recipes.
"""

from ._chunks import iter_chunks, partial_fit_chunks
from ._workers import kernel_compile_counts, warm_kernels

_DASK_NAMES = ("ThreadLimits", "fit_dask_blocks", "predict_blocks")

__all__ = [
    "ThreadLimits",
    "fit_dask_blocks",
    "iter_chunks",
    "kernel_compile_counts",
    "partial_fit_chunks",
    "predict_blocks",
    "warm_kernels",
]


def __getattr__(name):
    if name in _DASK_NAMES:
        try:
            from . import _dask
        except ImportError as exc:
            from .._validation import install_hint

            raise ImportError(
                f"sknonneg.parallel.{name} needs dask[array] and distributed; "
                f"{install_hint('dask')} ({exc})"
            ) from exc
        return getattr(_dask, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
