"""Plain NumPy twins of the numba kernels in ``sknonneg._kernels``.

Slow and allocating, written for clarity; the tests hold every kernel equal to its
twin in float32 and float64. Same signatures (``n_chunks`` and the partial buffers
are accepted and ignored), same outputs.
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_softmax

from ._kernels import FLUSH


def _flush(values):
    values[np.abs(values) < FLUSH] = 0.0
    return values


def _csr(data, indices, indptr, n_cols):
    return sp.csr_matrix((data, indices, indptr), shape=(indptr.shape[0] - 1, n_cols))


def linear_sigmoid_forward(inputs, coef, intercept, gain, sample_weight, n_chunks,
                           partial_activity, activation_out):
    z = (inputs @ coef).astype(np.float64) + intercept
    activation_out[...] = _flush(expit(gain * z))
    return float(sample_weight @ activation_out.sum(axis=1, dtype=np.float64))


def csr_linear_sigmoid_forward(data, indices, indptr, coef, intercept, gain,
                               sample_weight, n_chunks, partial_activity, activation_out):
    inputs = _csr(data, indices, indptr, coef.shape[0])
    return linear_sigmoid_forward(inputs, coef[:, :activation_out.shape[1]], intercept,
                                  gain, sample_weight, 1, None, activation_out)


def linear_nll_grad(inputs, coef, intercept, y, sample_weight, scale, n_chunks,
                    logits_out, delta_out):
    logits = (inputs @ coef).astype(np.float64) + intercept
    logits_out[...] = logits
    if y.ndim == 1:  # softmax, class indices
        log_p = log_softmax(logits, axis=1)
        rows = np.arange(logits.shape[0])
        grad = np.exp(log_p)
        grad[rows, y] -= 1.0
        nll = -log_p[rows, y]
    else:  # independent sigmoids, indicator matrix
        grad = expit(logits) - y
        nll = (np.logaddexp(0.0, logits) - y * logits).sum(axis=1)
    delta_out[...] = _flush(scale * sample_weight[:, None] * grad)
    return float(sample_weight @ nll)


def sigmoid_backprop(delta, coef, activation, gain, activity_coef, sample_weight,
                     n_chunks, scratch, delta_out):
    a = activation.astype(np.float64)
    upstream = (delta @ coef.T).astype(np.float64) + activity_coef * sample_weight[:, None]
    delta_out[...] = _flush(upstream * gain * a * (1.0 - a))


def linear_sigmoid_nll_backprop(inputs, coef, intercept, out_coef, out_intercept, y,
                                sample_weight, scale, gain, activity_coef, n_chunks,
                                scratch, partial_activity, partial_out_coef,
                                partial_out_intercept, out_coef_grad_out,
                                out_intercept_grad_out, hidden_out, logits_out,
                                delta_out):
    if isinstance(inputs, tuple):  # CSR as (data, indices, indptr), rows maybe padded
        inputs = _csr(*inputs, coef.shape[0])
        coef = coef[:, :intercept.shape[0]]
    activity = linear_sigmoid_forward(inputs, coef, intercept, gain, sample_weight, 1,
                                      None, hidden_out)
    loss = linear_nll_grad(hidden_out, out_coef, out_intercept, y, sample_weight, scale,
                           1, logits_out, delta_out)
    gram_colsum(hidden_out, delta_out, 1, None, None, out_coef_grad_out,
                out_intercept_grad_out)
    sigmoid_backprop(delta_out, out_coef, hidden_out, gain, activity_coef, sample_weight,
                     1, None, hidden_out)
    return loss, activity


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
        starts.append(start + np.concatenate([[0], np.cumsum(counts)[:-1]]))
    pair_columns_out[...] = np.concatenate(columns) if columns else []
    pair_starts_out[:-1] = np.concatenate(starts) if starts else []
    pair_starts_out[-1] = indptr[-1]


def blocked_csc_gram_colsum(pair_columns, pair_starts, data_t, rows_t, column_bounds,
                            delta, n_chunks, partial_intercept, coef_grad_out,
                            intercept_grad_out):
    columns = np.repeat(pair_columns, np.diff(pair_starts))
    inputs_t = sp.csr_matrix((data_t, (columns, rows_t)),
                             shape=(coef_grad_out.shape[0], delta.shape[0]))
    coef_grad_out[...] = inputs_t @ delta
    intercept_grad_out[...] = delta.sum(axis=0)


def l2_penalty_grad(coef, l2, grad_out):
    grad_out += 2.0 * l2 * coef
    return float(l2 * np.sum(coef.astype(np.float64) ** 2))


def projected_adam_step(theta, grad, m, v, lower, upper, learning_rate, beta_1, beta_2,
                        epsilon):
    m *= beta_1
    m += (1 - beta_1) * grad
    v *= beta_2
    v += (1 - beta_2) * grad * grad
    theta -= learning_rate * m / (np.sqrt(v) + epsilon)
    np.clip(theta, lower, upper, out=theta)


def count_row_nonzeros(X, counts_out):
    counts_out[...] = np.count_nonzero(X, axis=1)


def dense_to_csr(X, indptr, data_out, indices_out):
    rows, cols = np.nonzero(X)
    data_out[...] = X[rows, cols]
    indices_out[...] = cols


def transpose(X, out):
    out[...] = X.T
