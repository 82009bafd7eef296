"""Plain NumPy twins of the numba kernels in ``sknonneg._kernels.reductions``.

Written for clarity and allocating; the engine runs them on small problems
(``sknonneg._kernels.flavour_for``: they compile nothing), and the tests hold every
kernel equal to its twin in float32 and float64. Same signatures (``n_chunks`` and
the partial buffers are accepted and ignored), same outputs.
"""

import numpy as np
import scipy.sparse as sp

from .support import _csr


def gram_colsum(inputs, delta, n_chunks, partial_coef, partial_intercept,
                coef_grad_out, intercept_grad_out):
    coef_grad_out[...] = inputs.T @ delta
    intercept_grad_out[...] = delta.sum(axis=0)


def transposed_gram_colsum(inputs_t, delta, n_chunks, partial_intercept, coef_grad_out,
                           intercept_grad_out):
    gram_colsum(inputs_t.T, delta, 1, None, None, coef_grad_out, intercept_grad_out)


def csr_gram_colsum(data, indices, indptr, delta, n_chunks, partial_coef,
                    partial_intercept, coef_grad_out, intercept_grad_out):
    inputs = _csr(data, indices, indptr, coef_grad_out.shape[0])
    gram_colsum(inputs, delta, 1, None, None, coef_grad_out, intercept_grad_out)


def blocked_csc_gram_colsum(pair_columns, pair_starts, data_t, rows_t, column_bounds,
                            delta, n_chunks, partial_intercept, coef_grad_out,
                            intercept_grad_out):
    columns = np.repeat(pair_columns, np.diff(pair_starts))
    inputs_t = sp.csr_matrix((data_t, (columns, rows_t)),
                             shape=(coef_grad_out.shape[0], delta.shape[0]))
    coef_grad_out[...] = inputs_t @ delta
    intercept_grad_out[...] = delta.sum(axis=0)
