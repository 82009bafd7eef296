"""The training objective of Chorowski & Zurada (2015), eq. (1), and its gradient.

For a network with sigmoid hidden layers ``a_l = sigmoid(gain * (a_{l-1} @ W_l + b_l))``
and output logits ``z = a_{L-1} @ W_L + b_L``::

    loss(theta) = sum_i s_i nll(z_i, y_i) / sum_i s_i                 (data term)
                + sum_l l2_l ||W_l||_F^2                              (L2)
                + l1_linear @ theta                                   (L1, exact: see _packing)
                + activity_l1 * sum_i s_i sum_{l<L} sum_j a_lij / sum_i s_i   (sparsity)

with sample weights ``s`` (ones by default; the paper's ``1/n`` is their normalisation),
``nll`` the softmax cross-entropy or, for ``output="logistic"``, the binary
cross-entropy summed over outputs.

The backward pass: ``delta_L = dloss/dz = s_i (p_i - y_i) / sum s``; then for each
hidden layer ``delta_l = (delta_{l+1} @ W_{l+1}.T + activity_l1 s_i / sum s) * gain *
a_l (1 - a_l)``; ``dloss/dW_l = a_{l-1}.T @ delta_l``, ``dloss/db_l = sum_i delta_l``.
Every step is one fused numba kernel (see ``sknonneg._kernels``) writing into buffers
allocated once per data set; a CSR input goes through the CSR kernels, never densified.
"""

import numba
import numpy as np
import scipy.sparse as sp

from ._kernels import KERNELS
from ._threads import fit_threads, thread_budget

# Multiply-adds below which a chunk is not worth a thread: on small batches a parallel
# launch costs more than it saves (and far more on a loaded machine, where threads
# wait to be scheduled).
_MIN_WORK_PER_CHUNK = 1 << 17


def n_chunks_for(n_samples, layer_sizes, parallel):
    """Chunks of rows (= numba threads) for a batch: the thread budget, fewer when
    the batch is small."""
    if not parallel:
        return 1
    work_per_row = sum(a * b for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
    by_work = (n_samples * work_per_row) // _MIN_WORK_PER_CHUNK
    n_threads = min(thread_budget(), numba.config.NUMBA_NUM_THREADS)
    return int(max(1, min(n_threads, by_work)))

__all__ = ["NetworkObjective", "forward"]

# Rows per block of ``sigmoid_backprop``'s scratch: a block of ``delta @ coef.T``
# fills about this many bytes, well inside a core's L2 cache (64-512 rows of 150
# float64 units ran within 25% of each other, the fastest from 128 rows).
_BACKPROP_BLOCK_BYTES = 1 << 17


def backprop_scratch(n_chunks, n_units, dtype, min_rows=16):
    """The scratch of ``sigmoid_backprop`` and ``linear_sigmoid_nll_backprop`` for a
    layer of ``n_units`` units; the latter needs ``min_rows`` >= its outputs."""
    block_rows = max(min_rows, 16,
                     _BACKPROP_BLOCK_BYTES // (n_units * np.dtype(dtype).itemsize))
    return np.empty((n_chunks, block_rows, n_units), dtype=dtype)


# Rows of the weights that the CSR kernels gather from start on a cache line: each
# stored value adds a row of the first layer's weights to an output row, and a row
# that straddles cache lines costs split loads (60k MNIST, 150 units: the CSR
# forward product 0.92x the time in float32, 0.97x in float64, with 160 columns).
_CACHE_LINE_BYTES = 64


def padded_width(n_units, dtype):
    """``n_units`` rounded up to a whole number of cache lines of ``dtype``."""
    per_line = max(1, _CACHE_LINE_BYTES // np.dtype(dtype).itemsize)
    return -(-n_units // per_line) * per_line


def index_dtype(n):
    """Integer type for positions in ``range(n)`` (column or row numbers of the data).

    The narrowest that holds them: the sparse kernels stream through the index
    arrays once per evaluation. uint16 (up to 65535 columns or rows, e.g. MNIST's
    784 columns and 60k rows) instead of int32 made one evaluation on 60k MNIST
    2-4% faster and saves 38 MB of the two copies of its indices.
    """
    if n <= np.iinfo(np.uint16).max:
        return np.uint16
    return np.int32 if n <= np.iinfo(np.int32).max else np.int64


class _CSR:
    """The three arrays of a CSR matrix, in the dtypes the kernels expect: values in
    the compute dtype, column numbers in ``index_dtype``, row pointers in int64."""

    def __init__(self, matrix, dtype):
        matrix = sp.csr_matrix(matrix)
        if not matrix.has_sorted_indices:
            matrix = matrix.sorted_indices()  # a copy: the caller's matrix is left alone
        self.data = np.ascontiguousarray(matrix.data, dtype=dtype)
        self.indices = np.ascontiguousarray(matrix.indices,
                                            dtype=index_dtype(matrix.shape[1]))
        self.indptr = np.ascontiguousarray(matrix.indptr, dtype=np.int64)
        self.shape = matrix.shape

    @classmethod
    def from_dense(cls, X, kernels, counts=None, dtype=None):
        """The CSR arrays of the dense C-contiguous ``X`` (sorted indices), values in
        ``dtype`` (default: that of ``X``). ``counts``: its non-zeros per row, if
        already counted."""
        if counts is None:
            counts = np.empty(X.shape[0], dtype=np.int64)
            kernels.count_row_nonzeros(X, counts)
        indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        nnz = int(indptr[-1])
        self = cls.__new__(cls)
        self.data = np.empty(nnz, dtype=X.dtype if dtype is None else dtype)
        self.indices = np.empty(nnz, dtype=index_dtype(X.shape[1]))
        self.indptr = indptr
        self.shape = X.shape
        kernels.dense_to_csr(X, indptr, self.data, self.indices)
        return self


# Dense inputs with at most this fraction of non-zeros go through the CSR kernels. A
# CSR product costs one multiply-add per stored value and unit, a dense one per entry
# but at BLAS speed. On MNIST (19% non-zeros, 150 units, 2 cores, AVX-512) one
# evaluation through the CSR kernels took 0.48x (float64) and 0.72x (float32) the
# time of the dense products alone, which puts the break-even near 40% and 26%
# non-zeros (benchmarks/foundation_mnist.py measures both paths).
SPARSE_INPUT_DENSITY = {np.dtype(np.float64): 0.25, np.dtype(np.float32): 0.25}


def _as_kernel_input(X, dtype, parallel=False):
    """``X`` as the kernels take it: a C-contiguous array or a ``_CSR``.

    A dense ``X`` that is mostly zeros becomes a ``_CSR`` (see
    ``SPARSE_INPUT_DENSITY``); a sparse one stays sparse. ``parallel``: the
    conversion may use the parallel kernels (main thread only).
    """
    if sp.issparse(X):
        return _CSR(X, dtype)
    csr = csr_if_mostly_zeros(X, dtype, parallel)
    return np.ascontiguousarray(X, dtype=dtype) if csr is None else csr


def csr_if_mostly_zeros(X, dtype, parallel=False):
    """The ``_CSR`` (values in ``dtype``) of the dense 2-D ``X`` if it has at most
    ``SPARSE_INPUT_DENSITY`` non-zeros, else None. Read straight from ``X``, in its
    own dtype: no dense copy in ``dtype`` is made on the way."""
    threshold = SPARSE_INPUT_DENSITY.get(np.dtype(dtype), 0.0)
    if X.ndim != 2 or not X.size or threshold <= 0:
        return None
    X = np.ascontiguousarray(X)
    kernels = KERNELS[bool(parallel)]
    counts = np.empty(X.shape[0], dtype=np.int64)
    kernels.count_row_nonzeros(X, counts)
    if counts.sum() <= threshold * X.size:
        return _CSR.from_dense(X, kernels, counts, dtype)
    return None


class _BlockedCSC:
    """A CSR input regrouped by column within blocks of rows: the layout in which
    ``blocked_csc_gram_colsum`` computes the first layer's weight gradient.

    It is a second copy of the stored values (and of their row numbers), made once
    per data set.
    """

    # Rows per block: the block's rows of the backpropagated delta fill about this
    # many bytes, so they stay in a core's L2 cache next to the gradient rows of its
    # thread (block sizes from 64 to 1024 rows ran within 15% of each other on
    # MNIST).
    BLOCK_BYTES = 1 << 18

    @classmethod
    def block_rows(cls, n_units, dtype):
        return max(16, cls.BLOCK_BYTES // (n_units * np.dtype(dtype).itemsize))

    def __init__(self, csr, n_units, n_chunks, kernels):
        n_rows, n_columns = csr.shape
        block_rows = self.block_rows(n_units, csr.data.dtype)
        n_blocks = (n_rows + block_rows - 1) // block_rows
        mark = np.empty((n_chunks, n_columns), dtype=np.int64)
        n_pairs = np.empty(n_blocks, dtype=np.int64)
        kernels.count_block_columns(csr.indices, csr.indptr, block_rows, n_chunks, mark,
                                    n_pairs)
        block_pair_ptr = np.zeros(n_blocks + 1, dtype=np.int64)
        np.cumsum(n_pairs, out=block_pair_ptr[1:])
        self.pair_columns = np.empty(int(block_pair_ptr[-1]), dtype=csr.indices.dtype)
        self.pair_starts = np.empty(int(block_pair_ptr[-1]) + 1, dtype=np.int64)
        self.data = np.empty_like(csr.data)
        self.rows = np.empty(csr.data.shape[0], dtype=index_dtype(n_rows))
        kernels.csr_to_blocked_csc(csr.data, csr.indices, csr.indptr, block_rows,
                                   n_chunks, block_pair_ptr, mark, np.empty_like(mark),
                                   self.pair_columns, self.pair_starts, self.data,
                                   self.rows)
        # Each thread owns a range of columns holding about as many values.
        per_column = np.bincount(self.pair_columns, weights=np.diff(self.pair_starts),
                                 minlength=n_columns)
        cumulated = np.cumsum(per_column)
        total = cumulated[-1] if n_columns else 0.0
        share = total * np.arange(1, n_chunks) / n_chunks
        self.column_bounds = np.concatenate(
            [[0], np.searchsorted(cumulated, share, side="right"), [n_columns]]
        ).astype(np.int64)


class FirstLayerGradient:
    """``X.T @ delta`` and the column sums of ``delta``, the first weight layer's
    gradient, in the layout of ``X`` that computes it fastest; made once per data set
    (both objectives use it).

    - dense ``X``: a transposed copy, which makes the product a plain one split by
      input features (``transposed_gram_colsum``: 25-30% faster than the transposed
      product, for the memory of a second copy);
    - CSR ``X`` of at least two row blocks: a ``_BlockedCSC`` copy;
    - smaller CSR batches (Adam's) keep the row-by-row scatter of
      ``csr_gram_colsum``: regrouping them would cost about as much as it saves.
      Its per-chunk partial sums are taken from ``reuse`` (the previous data set's
      ``FirstLayerGradient``) when their shape matches.
    """

    def __init__(self, X, n_units, n_chunks, kernels, reuse=None):
        self.X = X
        self.n_chunks = n_chunks
        self.kernels = kernels
        self.X_t = self.blocked = self.partial_coef = None
        if not isinstance(X, _CSR):
            self.X_t = np.empty(X.shape[::-1], dtype=X.dtype)
            kernels.transpose(X, self.X_t)
        elif X.shape[0] >= 2 * _BlockedCSC.block_rows(n_units, X.data.dtype):
            self.blocked = _BlockedCSC(X, n_units, n_chunks, kernels)
        else:
            shape = (n_chunks, X.shape[1], n_units)
            old = None if reuse is None else reuse.partial_coef
            self.partial_coef = (old if old is not None and old.shape == shape
                                 and old.dtype == X.data.dtype
                                 else np.empty(shape, dtype=X.data.dtype))

    def compute(self, delta, partial_intercept, coef_grad_out, intercept_grad_out):
        """``coef_grad_out = X.T @ delta``, ``intercept_grad_out = delta.sum(0)``;
        ``partial_intercept``: per-chunk scratch of shape (n_chunks, n_units)."""
        k, nc = self.kernels, self.n_chunks
        if self.X_t is not None:
            k.transposed_gram_colsum(self.X_t, delta, nc, partial_intercept,
                                     coef_grad_out, intercept_grad_out)
        elif self.blocked is not None:
            b = self.blocked
            k.blocked_csc_gram_colsum(b.pair_columns, b.pair_starts, b.data, b.rows,
                                      b.column_bounds, delta, nc, partial_intercept,
                                      coef_grad_out, intercept_grad_out)
        else:
            X = self.X
            k.csr_gram_colsum(X.data, X.indices, X.indptr, delta, nc, self.partial_coef,
                              partial_intercept, coef_grad_out, intercept_grad_out)


def _hidden_forward(kernels, n_chunks, inputs, coef, intercept, gain, sample_weight,
                    partial_activity, activation_out):
    if isinstance(inputs, _CSR):
        return kernels.csr_linear_sigmoid_forward(
            inputs.data, inputs.indices, inputs.indptr, coef, intercept, gain,
            sample_weight, n_chunks, partial_activity, activation_out)
    return kernels.linear_sigmoid_forward(inputs, coef, intercept, gain, sample_weight,
                                          n_chunks, partial_activity, activation_out)


def prepare_data(X, y, sample_weight, output, dtype, parallel=False):
    """Inputs, targets and weights in the forms the kernels take, and ``1 / sum(w)``.

    Targets are class indices (int64) for a softmax output, a float64 indicator
    matrix for logistic outputs.
    """
    X = _as_kernel_input(X, dtype, parallel)
    y = np.ascontiguousarray(y, dtype=np.int64 if output == "softmax" else np.float64)
    sample_weight = np.ascontiguousarray(sample_weight, dtype=np.float64)
    return X, y, sample_weight, 1.0 / float(sample_weight.sum())


class NetworkObjective:
    """Loss and gradient over ``theta`` for one data set, with reusable buffers.

    Parameters
    ----------
    layout : ParameterLayout
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray
        Class indices of shape (n_samples,) for ``output="softmax"``; a 0/1
        indicator matrix of shape (n_samples, n_outputs) for ``"logistic"``.
    sample_weight : ndarray of shape (n_samples,)
    output : {"softmax", "logistic"}
    l2 : sequence of float, one per weight layer
    activity_l1 : float
    gain : float
        Hidden-unit gain; may be changed between evaluations (annealing).
    dtype : {np.float32, np.float64}
        Floating type of the computation; ``theta``, the loss and the gradient
        returned are float64 whatever it is.
    parallel : bool
        Use the parallel kernels, one chunk of rows per numba thread. Call
        ``loss_grad`` inside ``sknonneg._threads.fit_threads()``.
    """

    def __init__(self, layout, X, y, sample_weight, *, output, l2, activity_l1, gain,
                 dtype=np.float64, parallel=True):
        self.layout = layout
        self.dtype = np.dtype(dtype)
        self.output = output
        self.l2 = [float(v) for v in l2]
        self.activity_l1 = float(activity_l1)
        self.gain = float(gain)
        self.kernels = KERNELS[bool(parallel)]
        self.parallel = bool(parallel)
        self.n_chunks = n_chunks_for(X.shape[0], layout.layer_sizes, parallel)
        n_samples = self.n_samples = X.shape[0]
        sizes = layout.layer_sizes
        n_layers = layout.n_layers
        dt = self.dtype
        self.coefs = [np.empty(layout.coef_shape(i), dtype=dt) for i in range(n_layers)]
        self.intercepts = [np.empty(sizes[i + 1], dtype=dt) for i in range(n_layers)]
        self.coef_grads = [np.empty_like(c) for c in self.coefs]
        self.intercept_grads = [np.empty_like(b) for b in self.intercepts]
        # Per-chunk partial sums of the weight gradients, added up by the kernels (the
        # first layer's belong to its FirstLayerGradient; the output layer's are
        # stored transposed, see linear_sigmoid_nll_backprop).
        self.partial_coef_grads = [
            None if i == 0 else np.empty(
                (self.n_chunks, *(c.shape[::-1] if i == n_layers - 1 else c.shape)),
                dtype=dt)
            for i, c in enumerate(self.coefs)]
        self.partial_intercept_grads = [np.empty((self.n_chunks, b.shape[0]), dtype=dt)
                                        for b in self.intercepts]
        self.partial_activities = [np.empty((self.n_chunks, b.shape[0]))
                                   for b in self.intercepts[:-1]]
        # activations[l] is layer l's output (the logits for the last layer). A
        # hidden layer's delta overwrites its activations (see sigmoid_backprop), so
        # after an evaluation activations[l < last] hold deltas, not activations.
        self.activations = [np.empty((n_samples, sizes[i + 1]), dtype=dt)
                            for i in range(n_layers)]
        self.deltas = [*self.activations[:-1], np.empty_like(self.activations[-1])]
        self.backprop_scratch = [None, *(backprop_scratch(self.n_chunks, c.shape[0], dt,
                                                          c.shape[1])
                                         for c in self.coefs[1:])]
        self.grad = np.empty(layout.n_params)
        self.csr_coef = None
        self.set_data(X, y, sample_weight)

    def set_data(self, X, y, sample_weight):
        """Points the objective at another batch with as many rows, reusing every
        buffer (the mini-batch loops call this instead of building an objective
        per batch)."""
        if X.shape[0] != self.n_samples:
            raise ValueError(f"set_data needs {self.n_samples} rows, got {X.shape[0]}")
        self.X, self.y, self.sample_weight, self.scale = prepare_data(
            X, y, sample_weight, self.output, self.dtype, self.parallel)
        self.first_layer = FirstLayerGradient(self.X, self.coefs[0].shape[1],
                                              self.n_chunks, self.kernels,
                                              getattr(self, "first_layer", None))
        if isinstance(self.X, _CSR) and self.csr_coef is None:
            # The first layer's weights for the CSR kernels, rows padded to whole
            # cache lines (see padded_width); the padding stays zero, unread.
            n_inputs, n_units = self.coefs[0].shape
            self.csr_coef = np.zeros((n_inputs, padded_width(n_units, self.dtype)),
                                     dtype=self.dtype)

    def _first_coef(self):
        """The first layer's weights as its kernels take them (after ``unpack``)."""
        if not isinstance(self.X, _CSR):
            return self.coefs[0]
        self.csr_coef[:, :self.coefs[0].shape[1]] = self.coefs[0]
        return self.csr_coef

    def _forward_hidden(self, n_layers, first_coef):
        """Fills the activations of the first ``n_layers`` hidden layers; returns
        their weighted total activation and the last of them (``X`` if none)."""
        inputs = self.X
        activity = 0.0
        for i in range(n_layers):
            activity += _hidden_forward(self.kernels, self.n_chunks, inputs,
                                        first_coef if i == 0 else self.coefs[i],
                                        self.intercepts[i], self.gain,
                                        self.sample_weight, self.partial_activities[i],
                                        self.activations[i])
            inputs = self.activations[i]
        return activity, inputs

    def _last_hidden_and_output(self, inputs, coef, activity_coef):
        """The last hidden layer (weights ``coef``), the output layer, its gradient
        and the delta of the last hidden layer, in one kernel; returns ``(data loss,
        activity)``."""
        k, last = self.kernels, self.layout.n_layers - 1
        hidden = last - 1
        tail = (coef, self.intercepts[hidden], self.coefs[last],
                self.intercepts[last], self.y, self.sample_weight, self.scale, self.gain,
                activity_coef, self.n_chunks, self.backprop_scratch[last],
                self.partial_activities[hidden], self.partial_coef_grads[last],
                self.partial_intercept_grads[last], self.coef_grads[last],
                self.intercept_grads[last], self.activations[hidden],
                self.activations[last], self.deltas[last])
        if isinstance(inputs, _CSR):
            inputs = (inputs.data, inputs.indices, inputs.indptr)
        return k.linear_sigmoid_nll_backprop(inputs, *tail)

    def loss_grad(self, theta):
        """``(loss, grad)`` at ``theta``, both float64; for ``jac=True`` optimizers."""
        k, n_chunks = self.kernels, self.n_chunks
        if self.parallel:
            # One numba thread per chunk; fit_threads restores the count afterwards.
            numba.set_num_threads(n_chunks)
        self.layout.unpack(theta, self.coefs, self.intercepts)
        last = self.layout.n_layers - 1
        activity_coef = self.activity_l1 * self.scale
        first_coef = self._first_coef()
        activity, inputs = self._forward_hidden(last - 1, first_coef)
        data_loss, last_activity = self._last_hidden_and_output(
            inputs, first_coef if last == 1 else self.coefs[last - 1], activity_coef)
        loss = (data_loss + self.activity_l1 * (activity + last_activity)) * self.scale
        if self.l2[last] > 0:
            loss += k.l2_penalty_grad(self.coefs[last], self.l2[last],
                                      self.coef_grads[last])

        for i in range(last - 1, -1, -1):
            if i == 0:
                self.first_layer.compute(self.deltas[0], self.partial_intercept_grads[0],
                                         self.coef_grads[0], self.intercept_grads[0])
            else:
                k.gram_colsum(self.activations[i - 1], self.deltas[i], n_chunks,
                              self.partial_coef_grads[i], self.partial_intercept_grads[i],
                              self.coef_grads[i], self.intercept_grads[i])
            if self.l2[i] > 0:
                loss += k.l2_penalty_grad(self.coefs[i], self.l2[i], self.coef_grads[i])
            if i > 0:
                k.sigmoid_backprop(self.deltas[i], self.coefs[i], self.activations[i - 1],
                                   self.gain, activity_coef, self.sample_weight,
                                   n_chunks, self.backprop_scratch[i], self.deltas[i - 1])

        grad = self.layout.pack_grad(self.coef_grads, self.intercept_grads, self.grad)
        if self.layout.has_l1:
            loss += self.layout.l1_penalty(theta)
            grad += self.layout.l1_linear
        return float(loss), grad.copy()


def forward(X, coefs, intercepts, gain, dtype=np.float64):
    """Hidden activations and logits of a network, for prediction (allocating).

    Returns ``(hidden, logits)``, ``hidden`` the list of hidden activations.
    """
    with fit_threads() as parallel:
        kernels = KERNELS[parallel]
        n_samples = X.shape[0]
        sizes = [X.shape[1]] + [c.shape[1] for c in coefs]
        n_chunks = n_chunks_for(n_samples, sizes, parallel)
        if parallel:
            numba.set_num_threads(n_chunks)
        inputs = _as_kernel_input(X, dtype, parallel)
        ones = np.ones(n_samples)
        hidden = []
        for coef, intercept in zip(coefs[:-1], intercepts[:-1]):
            a = np.empty((n_samples, coef.shape[1]), dtype=dtype)
            _hidden_forward(kernels, n_chunks, inputs,
                            np.ascontiguousarray(coef, dtype=dtype),
                            np.ascontiguousarray(intercept, dtype=dtype), float(gain),
                            ones, np.empty((n_chunks, coef.shape[1])), a)
            hidden.append(a)
            inputs = a
        logits = inputs @ np.asarray(coefs[-1], dtype=dtype)
        logits += np.asarray(intercepts[-1], dtype=dtype)
    return hidden, logits
