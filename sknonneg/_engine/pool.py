"""Buffers shared by engine objectives that run one after another.

An ``Objective`` allocates its buffers once per data set: some of the batch's size
(a layer's outputs and deltas, ``n_samples`` rows each), some of the parameters'
(the gradient, the first layer's padded weights where they are a copy, per-chunk
partial sums of the weight gradients). ``RowBlockObjective`` runs one ``Objective``
per length of its blocks of rows, one block at a time, and reads each block's
gradient before the next block runs: the objectives of the blocks' lengths can run
on the same memory.
Handed a ``BufferPool``, an objective takes its buffers from it: each buffer by a
key naming its role (the layer's position and the buffer's name), as the first
``size`` elements of the pool's one array for that key and dtype, reshaped (so
always C-contiguous, starting where the array starts). A request larger than the
array replaces it with a new one for the requests that follow; the buffers handed
out before keep the old one.

Objectives on one pool must not run at the same time, and none may expect a
buffer's contents to outlast another's evaluation: an objective writes every
buffer it reads within an evaluation (as it must with ``np.empty``). Contents
that persist from allocation on (``zeros``: a padding that stays zero) are shared
only between buffers of the same shape, which keep the same positions zero.
"""

import math

import numpy as np

__all__ = ["BufferPool", "pool_empty", "pool_zeros"]


class BufferPool:
    """Arrays by ``(key, dtype)``, handed out as views (see the module docstring)."""

    def __init__(self):
        self._arrays = {}
        self._zeros = {}

    def empty(self, key, shape, dtype=np.float64):
        """An uninitialised C-contiguous array of ``shape`` and ``dtype``, on the
        memory of every other buffer of ``key`` (the largest so far)."""
        shape, dtype = tuple(int(n) for n in shape), np.dtype(dtype)
        size = math.prod(shape)
        array = self._arrays.get((key, dtype))
        if array is None or array.size < size:
            array = self._arrays[key, dtype] = np.empty(size, dtype=dtype)
        return array[:size].reshape(shape)

    def zeros(self, key, shape, dtype=np.float64):
        """An array of zeros of ``shape`` and ``dtype``, on the memory of the other
        buffers of ``key`` of this very shape (zeroed again here)."""
        shape, dtype = tuple(int(n) for n in shape), np.dtype(dtype)
        array = self._zeros.get((key, dtype))
        if array is None or array.shape != shape:
            array = self._zeros[key, dtype] = np.zeros(shape, dtype=dtype)
        else:
            array.fill(0)
        return array

    @property
    def nbytes(self):
        """Bytes of the arrays the pool holds now."""
        return sum(a.nbytes for a in (*self._arrays.values(), *self._zeros.values()))


def pool_empty(pool, key, shape, dtype=np.float64):
    """``pool.empty(key, shape, dtype)``, or a new array where ``pool`` is None."""
    if pool is None:
        return np.empty(shape, dtype=dtype)
    return pool.empty(key, shape, dtype)


def pool_zeros(pool, key, shape, dtype=np.float64):
    """``pool.zeros(key, shape, dtype)``, or a new array where ``pool`` is None."""
    if pool is None:
        return np.zeros(shape, dtype=dtype)
    return pool.zeros(key, shape, dtype)
