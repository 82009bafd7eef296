"""Plain NumPy twins of the numba kernels in ``sknonneg._kernels.sparse``.

Written for clarity and allocating; the engine runs them on small problems
(``sknonneg._kernels.flavour_for``: they compile nothing), and the tests hold every
kernel equal to its twin in float32 and float64. Same signatures (``n_chunks`` and
the partial buffers are accepted and ignored), same outputs.
"""

import numpy as np

from .dense import linear_sigmoid_forward
from .support import _csr


def csr_linear_sigmoid_forward(data, indices, indptr, coef, intercept, gain,
                               activation_code, sample_weight, n_chunks, partial_activity,
                               activation_out):
    inputs = _csr(data, indices, indptr, coef.shape[0])
    return linear_sigmoid_forward(inputs, coef[:, :activation_out.shape[1]], intercept,
                                  gain, activation_code, sample_weight, 1, None,
                                  activation_out)


def _blocks(indptr, block_rows):
    n_rows = indptr.shape[0] - 1
    for row_start in range(0, n_rows, block_rows):
        row_stop = min(n_rows, row_start + block_rows)
        yield row_start, row_stop, indptr[row_start], indptr[row_stop]


def count_block_columns(indices, indptr, block_rows, n_chunks, mark_scratch,
                        n_pairs_out):
    n_pairs_out[...] = [np.unique(indices[start:stop]).shape[0]
                        for _, _, start, stop in _blocks(indptr, block_rows)]


def csr_to_blocked_csc(data, indices, indptr, block_rows, n_chunks, block_pair_ptr,
                       mark_scratch, position_scratch, pair_columns_out, pair_starts_out,
                       data_out, rows_out):
    rows = np.repeat(np.arange(indptr.shape[0] - 1), np.diff(indptr))
    columns, starts = [], []
    for _, _, start, stop in _blocks(indptr, block_rows):
        block_columns = indices[start:stop]
        # Columns in order of first appearance, values grouped by column.
        unique, first = np.unique(block_columns, return_index=True)
        by_appearance = unique[np.argsort(first)]
        rank = np.empty(int(indices.max()) + 1 if indices.size else 0, dtype=np.int64)
        rank[by_appearance] = np.arange(by_appearance.shape[0])
        order = start + np.argsort(rank[block_columns], kind="stable")
        data_out[start:stop] = data[order]
        rows_out[start:stop] = rows[order]
        counts = np.bincount(rank[block_columns], minlength=by_appearance.shape[0])
        columns.append(by_appearance)
        # A block of empty rows has no column and no start (``cumsum - counts``: the
        # start of each column's run, empty for an empty block).
        starts.append(start + np.cumsum(counts) - counts)
    pair_columns_out[...] = np.concatenate(columns) if columns else []
    pair_starts_out[:-1] = np.concatenate(starts) if starts else []
    pair_starts_out[-1] = indptr[-1]


def count_row_nonzeros(X, counts_out):
    counts_out[...] = np.count_nonzero(X, axis=1)


def dense_to_csr(X, indptr, data_out, indices_out):
    rows, cols = np.nonzero(X)
    data_out[...] = X[rows, cols]
    indices_out[...] = cols


def transpose(X, out):
    out[...] = X.T
