"""Sparse inputs: the CSR forward product of a first layer, and the conversions that
lay a data set out for the kernels once (dense to CSR, CSR to blocked CSC, a
transposed copy).

The sparse products are written for the memory system, not for the flop count:
see ``support._add_scaled_rows`` (eight stored values per pass over an output row)
and ``reductions.blocked_csc_gram_colsum`` (the first layer's gradient from the
blocked layout built here).
"""

from numba import prange

from .dense import _ACTIVATE, LOGISTIC_MAPS, _sigmoid_rows
from .support import _as_type_of, _chunk, _csr_rows_product, flavours

__all__ = [
    "csr_linear_sigmoid_forward", "csr_linear_sigmoid_forward_serial",
    "count_block_columns", "count_block_columns_serial",
    "csr_to_blocked_csc", "csr_to_blocked_csc_serial",
    "count_row_nonzeros", "count_row_nonzeros_serial",
    "dense_to_csr", "dense_to_csr_serial",
    "transpose", "transpose_serial",
]


def _csr_linear_sigmoid_forward(data, indices, indptr, coef, intercept, gain,
                                activation_code, sample_weight, n_chunks,
                                partial_activity, activation_out):
    """As ``linear_sigmoid_forward`` for CSR ``inputs`` given by its three arrays.

    Each stored value adds a row of ``coef`` to the output row (``_add_scaled_rows``).
    ``coef`` may have more columns than ``activation_out`` (rows padded to whole
    cache lines); the extra ones are never read.
    """
    n_samples, n_units = activation_out.shape
    gain = _as_type_of(activation_out, gain)
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        _csr_rows_product(data, indices, indptr, start, stop, coef, activation_out)
        partial_activity[c, :] = 0.0
        _sigmoid_rows(start, stop, intercept, gain, _ACTIVATE, activation_code,
                      sample_weight, partial_activity[c], activation_out)
    return partial_activity.sum()



def _count_block_columns(indices, indptr, block_rows, n_chunks, mark_scratch,
                         n_pairs_out):
    """n_pairs_out[b] = number of distinct columns among the stored values of rows
    ``b * block_rows`` to ``(b + 1) * block_rows`` of a CSR matrix.

    ``mark_scratch`` (int64, shape (n_chunks, n_columns)) is overwritten: a column
    is marked with its block's number + 1 when first seen, so it is never cleared
    between blocks (wide sparse inputs have far more columns than values per block).
    """
    n_rows = indptr.shape[0] - 1
    n_blocks = n_pairs_out.shape[0]
    for c in prange(n_chunks):
        mark = mark_scratch[c]
        mark[:] = 0
        first, last = _chunk(n_blocks, n_chunks, c)
        for b in range(first, last):
            count = 0
            for p in range(indptr[b * block_rows],
                           indptr[min(n_rows, (b + 1) * block_rows)]):
                column = indices[p]
                if mark[column] != b + 1:
                    mark[column] = b + 1
                    count += 1
            n_pairs_out[b] = count


def _csr_to_blocked_csc(data, indices, indptr, block_rows, n_chunks, block_pair_ptr,
                        mark_scratch, position_scratch, pair_columns_out,
                        pair_starts_out, data_out, rows_out):
    """A CSR matrix regrouped by column within each block of ``block_rows`` rows.

    Block ``b`` owns the (block, column) pairs ``block_pair_ptr[b]`` to
    ``block_pair_ptr[b + 1]`` (the cumulated ``count_block_columns``); pair ``q`` is
    column ``pair_columns_out[q]``, whose stored values in the block are
    ``data_out[pair_starts_out[q]:pair_starts_out[q + 1]]``, in rows ``rows_out[...]``
    (ascending). Pairs appear in block order, columns within a block in order of
    first appearance. ``mark_scratch`` and ``position_scratch`` (int64, shape
    (n_chunks, n_columns)) are overwritten. See ``blocked_csc_gram_colsum`` for why.
    """
    n_rows = indptr.shape[0] - 1
    n_blocks = block_pair_ptr.shape[0] - 1
    for c in prange(n_chunks):
        mark = mark_scratch[c]
        position = position_scratch[c]
        mark[:] = 0
        first, last = _chunk(n_blocks, n_chunks, c)
        for b in range(first, last):
            row_start = b * block_rows
            row_stop = min(n_rows, row_start + block_rows)
            q = block_pair_ptr[b]
            for p in range(indptr[row_start], indptr[row_stop]):
                column = indices[p]
                if mark[column] != b + 1:
                    mark[column] = b + 1
                    position[column] = 0
                    pair_columns_out[q] = column
                    q += 1
                position[column] += 1
            offset = indptr[row_start]
            for q in range(block_pair_ptr[b], block_pair_ptr[b + 1]):
                column = pair_columns_out[q]
                pair_starts_out[q] = offset
                count = position[column]
                position[column] = offset
                offset += count
            for i in range(row_start, row_stop):
                for p in range(indptr[i], indptr[i + 1]):
                    column = indices[p]
                    destination = position[column]
                    position[column] = destination + 1
                    data_out[destination] = data[p]
                    rows_out[destination] = i
    pair_starts_out[pair_starts_out.shape[0] - 1] = indptr[n_rows]


def _count_row_nonzeros(X, counts_out):
    """counts_out[i] = number of non-zeros of row i of the dense matrix ``X``."""
    n_rows, n_cols = X.shape
    for i in prange(n_rows):
        count = 0
        for j in range(n_cols):
            if X[i, j] != 0:
                count += 1
        counts_out[i] = count


def _dense_to_csr(X, indptr, data_out, indices_out):
    """Fills the CSR arrays of the dense ``X`` given its row pointers ``indptr``
    (the cumulated ``_count_row_nonzeros``). scipy's ``csr_matrix(X)`` goes through
    COO; ``benchmarks/dense_to_csr.py`` times the two."""
    n_rows, n_cols = X.shape
    for i in prange(n_rows):
        p = indptr[i]
        for j in range(n_cols):
            value = X[i, j]
            if value != 0:
                data_out[p] = value
                indices_out[p] = j
                p += 1


def _transpose(X, out):
    """out = X.T for C-contiguous ``X`` and ``out``, in cache-sized tiles (NumPy's
    copy of a transposed view walks one side with a large stride)."""
    n_rows, n_cols = X.shape
    tile = 64
    for bi in prange((n_rows + tile - 1) // tile):
        i0 = bi * tile
        i1 = min(n_rows, i0 + tile)
        for j0 in range(0, n_cols, tile):
            j1 = min(n_cols, j0 + tile)
            for j in range(j0, j1):
                for i in range(i0, i1):
                    out[j, i] = X[i, j]


csr_linear_sigmoid_forward, csr_linear_sigmoid_forward_serial = flavours(
    _csr_linear_sigmoid_forward, per_activation=LOGISTIC_MAPS)
count_block_columns, count_block_columns_serial = flavours(_count_block_columns)
csr_to_blocked_csc, csr_to_blocked_csc_serial = flavours(_csr_to_blocked_csc)
count_row_nonzeros, count_row_nonzeros_serial = flavours(_count_row_nonzeros)
dense_to_csr, dense_to_csr_serial = flavours(_dense_to_csr)
transpose, transpose_serial = flavours(_transpose)
