"""The kernel input: a data set laid out once for the kernels, with cheap row subsets.

``prepare_input(X, dtype)`` turns an array or a sparse matrix into what the kernels
read: a C-contiguous array of the compute dtype, or a ``CSRInput`` (the three CSR
arrays in the kernels' dtypes). A dense input with few non-zeros becomes a
``CSRInput`` too (``SPARSE_INPUT_DENSITY``). A prepared input is prepared already:
``prepare_input`` returns it as it is, and its row subsets (``inputs[idx]``, what the
mini-batch loops take) are prepared as well, so a batch is never converted again.

``FirstLayerGradient`` holds, per batch, the layout of ``X`` in which the first
layer's weight gradient ``X.T @ delta`` is fastest (a transposed copy for dense
input, a blocked CSC copy for CSR input of at least two row blocks, the row-by-row
scatter otherwise).
"""

import numpy as np
import scipy.sparse as sp

from .._kernels import kernels
from .._scoped import ScopedSetting
from .._validation import check_sparse_structure

__all__ = ["CSRInput", "DenseInput", "FirstLayerGradient", "InputTargets",
           "SPARSE_INPUT_DENSITY", "check_weight_values", "csr_if_mostly_zeros",
           "index_dtype", "prepare_input", "prepare_targets_and_weights",
           "read_only_view", "transpose_into"]


def read_only_view(array):
    """A read-only view of ``array``: how every array of the data (a dense input,
    a CSR input's three arrays, the targets and the sample weights) reaches the
    kernels, which only read it.

    numba types a read-only array apart from a writeable one (``Array(...,
    readonly=True)``) and compiles a kernel anew for each: a read-only ``X`` (a
    joblib memmap in ``GridSearchCV(n_jobs=2)`` on more than 1 MB of data,
    ``np.load(mmap_mode="r")``) compiled a second set of kernels (a classifier's
    first fit and prediction on dense and CSR input: 9 kernels, 21 CPU-seconds
    more on an empty cache), where copying it would cost its memory. Read-only
    always, whatever the caller's array, the kernels see one type of input and
    compile once, the same machine code (the weights, which the kernels read too,
    are the opposite way round: always writeable, see ``layers.kernel_array``). A
    view: no copy, the caller's array left as it is. The layers hand the kernels
    a hidden layer's output read-only too, where a kernel reads either it or the
    data.
    """
    view = array.view()
    view.flags.writeable = False
    return view


def transpose_into(kernel_set, n_chunks, X, out):
    """``out = X.T`` (``X`` and ``out`` C-contiguous) by the tiled transposed copy of
    ``kernel_set`` (``sparse.transpose``; NumPy's copy of a transposed view walks
    one side with a large stride); returns ``out``. With one chunk (one thread),
    the serial flavour: the same copy without the parallel launch, which cost more
    than the copy of a small batch. Every value is copied: ``X.T`` bit for bit."""
    copier = (kernel_set if n_chunks > 1 or not kernel_set.parallel
              else kernels(False))
    copier.transpose(read_only_view(X), out)
    return out


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


def _row_numbers(rows, n_rows):
    """``rows`` (row numbers, a slice or a mask of ``range(n_rows)``) as the
    C-contiguous int64 row numbers they select, checked as NumPy's indexing checks
    them (IndexError). Row numbers in range, a mini-batch's, are taken as they are,
    without ``np.arange(n_rows)[rows]``, which cost a pass over every row of the
    data per batch (18 us of a 200-row batch's 160 on 60,000 MNIST rows)."""
    if (isinstance(rows, np.ndarray) and rows.ndim == 1 and rows.dtype.kind in "iu"
            and rows.size and rows.min() >= 0 and rows.max() < n_rows):
        return np.ascontiguousarray(rows, dtype=np.int64)
    return np.ascontiguousarray(np.arange(n_rows)[rows])


class CSRInput:
    """The three arrays of a CSR matrix, in the dtypes the kernels expect: values in
    the compute dtype, column numbers in ``index_dtype``, row pointers in int64.

    ``inputs[idx]`` (an array of row numbers) is the ``CSRInput`` of those rows,
    gathered from these arrays without going through scipy.
    """

    def __init__(self, matrix, dtype):
        # The one door from scipy to the kernels, which read the arrays unchecked: a
        # malformed matrix is refused before scipy's conversions read it (O(nnz):
        # 0.1 ms for a million stored values).
        check_sparse_structure(matrix)
        matrix = sp.csr_matrix(matrix)
        if not matrix.has_sorted_indices:
            matrix = matrix.sorted_indices()  # a copy: the caller's matrix is left alone
        # Read-only views (``read_only_view``), copies only where the dtype differs.
        self.data, self.indices, self.indptr = (
            read_only_view(np.ascontiguousarray(matrix.data, dtype=dtype)),
            read_only_view(np.ascontiguousarray(matrix.indices,
                                                dtype=index_dtype(matrix.shape[1]))),
            read_only_view(np.ascontiguousarray(matrix.indptr, dtype=np.int64)))
        self.shape = matrix.shape

    @classmethod
    def _from_arrays(cls, data, indices, indptr, shape):
        """The ``CSRInput`` of these arrays (in the kernels' dtypes), as read-only
        views (``read_only_view``)."""
        self = cls.__new__(cls)
        self.data, self.indices, self.indptr = (read_only_view(data),
                                                read_only_view(indices),
                                                read_only_view(indptr))
        self.shape = shape
        return self

    @classmethod
    def from_dense(cls, X, kernel_set, counts=None, dtype=None):
        """The CSR arrays of the dense C-contiguous ``X`` (sorted indices), values in
        ``dtype`` (default: that of ``X``). ``counts``: its non-zeros per row, if
        already counted."""
        X = read_only_view(X)  # the kernels' one type of input
        if counts is None:
            counts = np.empty(X.shape[0], dtype=np.int64)
            kernel_set.count_row_nonzeros(X, counts)
        indptr = np.zeros(X.shape[0] + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        nnz = int(indptr[-1])
        data = np.empty(nnz, dtype=X.dtype if dtype is None else dtype)
        indices = np.empty(nnz, dtype=index_dtype(X.shape[1]))
        kernel_set.dense_to_csr(X, indptr, data, indices)
        return cls._from_arrays(data, indices, indptr, X.shape)

    @property
    def dtype(self):
        return self.data.dtype

    def __getitem__(self, rows):
        rows = _row_numbers(rows, self.shape[0])
        starts = self.indptr[rows]
        counts = self.indptr[rows + 1] - starts
        indptr = np.zeros(rows.shape[0] + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        positions = np.repeat(starts - indptr[:-1], counts)
        positions += np.arange(indptr[-1], dtype=np.int64)
        # Row numbers may now exceed uint16 no more than before: the columns are kept.
        return self._from_arrays(self.data[positions], self.indices[positions], indptr,
                                 (rows.shape[0], self.shape[1]))

    def tocsr(self):
        """A scipy CSR matrix sharing the values (indices as int32)."""
        return sp.csr_matrix((self.data, self.indices.astype(np.int32), self.indptr),
                             shape=self.shape)

    def toarray(self):
        return self.tocsr().toarray()


class DenseInput:
    """A dense input prepared for the kernels: ``array``, C-contiguous in the compute
    dtype, kept dense whatever its density, a read-only view (``read_only_view``;
    a copy only where the layout or the dtype differs); ``inputs[idx]`` its rows,
    prepared."""

    def __init__(self, array, dtype=None):
        self.array = read_only_view(np.ascontiguousarray(array, dtype=dtype))
        self.shape = self.array.shape

    @property
    def dtype(self):
        return self.array.dtype

    def __getitem__(self, rows):
        return DenseInput(self.array[rows])

    def toarray(self):
        return self.array


# Dense inputs with at most this fraction of non-zeros go through the CSR kernels. A
# CSR product costs one multiply-add per stored value and unit, a dense one per entry
# but at BLAS speed. On MNIST (19% non-zeros, 150 units, 2 cores, AVX-512) one
# evaluation through the CSR kernels took 0.48x (float64) and 0.72x (float32) the
# time of the dense products alone, which puts the break-even near 40% (float64) and
# 26% (float32) non-zeros; one threshold of 25% for both stays below either
# (benchmarks/foundation_mnist.py measures both paths).
SPARSE_INPUT_DENSITY = {np.dtype(np.float64): 0.25, np.dtype(np.float32): 0.25}


def csr_if_mostly_zeros(X, dtype, parallel=False, density=None):
    """The ``CSRInput`` (values in ``dtype``) of the dense 2-D ``X`` if it has at most
    ``density`` (default ``SPARSE_INPUT_DENSITY``) non-zeros, else None. Read
    straight from ``X``, in its own dtype: no dense copy in ``dtype`` is made on the
    way. ``parallel``: the conversion may use the parallel kernels (main thread
    only)."""
    threshold = (SPARSE_INPUT_DENSITY.get(np.dtype(dtype), 0.0) if density is None
                 else float(density))
    if X.ndim != 2 or not X.size or threshold <= 0:
        return None
    X = read_only_view(np.ascontiguousarray(X))  # the kernels' one type of input
    kernel_set = kernels(parallel)
    counts = np.empty(X.shape[0], dtype=np.int64)
    kernel_set.count_row_nonzeros(X, counts)
    if counts.sum() <= threshold * X.size:
        return CSRInput.from_dense(X, kernel_set, counts, dtype)
    return None


def prepare_input(X, dtype, parallel=False, density=None):
    """``X`` as the kernels take it: a ``DenseInput`` or a ``CSRInput``.

    A sparse ``X`` stays sparse; a dense one that is mostly zeros becomes a
    ``CSRInput`` (see ``csr_if_mostly_zeros``; ``density=0`` keeps it dense). An
    input prepared already is returned as it is (in ``dtype``).
    """
    dtype = np.dtype(dtype)
    if isinstance(X, CSRInput):
        if X.dtype == dtype:
            return X
        return CSRInput._from_arrays(X.data.astype(dtype), X.indices, X.indptr, X.shape)
    if isinstance(X, DenseInput):
        return X if X.dtype == dtype else DenseInput(X.array, dtype)
    if sp.issparse(X):
        return CSRInput(X, dtype)
    csr = csr_if_mostly_zeros(X, dtype, parallel, density)
    return DenseInput(X, dtype) if csr is None else csr


def check_weight_values(sample_weight):
    """``ValueError`` unless the weights are finite and non-negative with a positive
    sum: the objective divides by the sum and a negative weight turns a loss term
    into a reward."""
    if not (np.all(np.isfinite(sample_weight)) and np.all(sample_weight >= 0)
            and sample_weight.sum() > 0):
        raise ValueError("sample_weight must be finite and non-negative, with a "
                         "positive sum")


def prepare_targets_and_weights(loss, y, sample_weight):
    """Targets in the form ``loss`` takes (None for None: the Gram head's, which
    are the input), weights as float64, and ``1 / sum(w)``; the arrays as
    read-only views (``read_only_view``), as the kernels take them."""
    sample_weight = read_only_view(np.ascontiguousarray(sample_weight,
                                                        dtype=np.float64))
    total = float(sample_weight.sum())
    # A zero or non-finite sum is refused by the caller (``Objective``), not here.
    scale = 1.0 / total if total > 0 and np.isfinite(total) else np.nan
    targets = None if y is None else loss.prepare_targets(y)
    if isinstance(targets, np.ndarray):
        targets = read_only_view(targets)
    return targets, sample_weight, scale


class InputTargets:
    """The targets of a network that reconstructs its input, for the Gram head
    (``layers.DenseLayer.gram_head``): what it reads of the batch ``X`` besides
    ``X`` itself, computed once per batch (``Objective.set_data``), in float64.

    - ``matrix``: ``X`` as BLAS and scipy take it: a scipy CSR matrix sharing the
      values (its column numbers as int32, one copy of them per batch), or the
      dense array itself; never densified;
    - ``weighted_sum = X.T @ s`` (shape (n_features,)), the bias terms;
    - ``weighted_sq = sum_i s_i ||x_i||^2``, the constant of the data term.
    """

    def __init__(self, X, sample_weight):
        s = sample_weight
        # In a fit of another dtype, the float64 CSR matrix of the cross product
        # ``(S H)^T X`` (``cross64``); a dense X is cast up a block of rows at a time.
        self.matrix64 = None
        if isinstance(X, CSRInput):
            self.matrix = X.tocsr()
            values = X.data.astype(np.float64)
            if X.dtype != np.float64:
                m = self.matrix
                self.matrix64 = sp.csr_matrix((values, m.indices, m.indptr),
                                              shape=m.shape)
            # ||x_i||^2 of the entries, duplicates summed first (scipy's reading,
            # and the products'): the squares of a duplicate's parts do not sum to
            # the square of the entry.
            # sum_duplicates works in place: on a copy, never on X's arrays.
            indptr, squared = X.indptr, values
            if not self.matrix.has_canonical_format:
                summed = sp.csr_matrix((values, self.matrix.indices, X.indptr),
                                       shape=X.shape, copy=True)
                summed.sum_duplicates()
                indptr, squared = summed.indptr, summed.data
            row_sq = np.bincount(np.repeat(np.arange(X.shape[0]), np.diff(indptr)),
                                 weights=squared * squared, minlength=X.shape[0])
            self.weighted_sum = np.asarray(self.matrix.T @ s, dtype=np.float64)
        else:
            self.matrix = X.array
            row_sq = np.einsum("ij,ij->i", X.array, X.array, dtype=np.float64)
            # In float64: X^T s cancels against W^T H^T s + sum(s) b in the loss and
            # the bias gradient, so its rounding is relative to the data's scale,
            # not to the residual's (in float32 it made the loss of data far from
            # zero wrong by its own size). A float32 X is cast up a block of rows
            # at a time, never copied whole.
            self.weighted_sum = _weighted_column_sum(X.array, s)
        self.weighted_sq = float(s @ row_sq)
        self.weight_total = float(s.sum())

    def cross64(self, weighted64):
        """``(S H)^T X`` (k x d) in float64 from ``S H`` in float64, for a fit whose
        dtype is not: its inner product with ``W`` is the loss's cross term, of the
        order of ``sum_i s_i ||x_i||^2``, which the loss is a small difference of."""
        if self.matrix64 is not None:
            return np.asarray(self.matrix64.T @ weighted64).T
        X = self.matrix
        cross = np.zeros((weighted64.shape[1], X.shape[1]))
        step = max(1, _CAST_BLOCK_BYTES // (8 * max(1, X.shape[1])))
        for start in range(0, X.shape[0], step):
            cross += weighted64[start:start + step].T @ X[start:start + step].astype(
                np.float64)
        return cross


# Rows of a float32 input cast up to float64 at a time (``_weighted_column_sum``).
_CAST_BLOCK_BYTES = 1 << 22


def _weighted_column_sum(X, s):
    """``X.T @ s`` in float64 for a dense ``X`` of any floating type, without a
    float64 copy of the whole of ``X``."""
    if X.dtype == np.float64:
        return s @ X
    total = np.zeros(X.shape[1])
    step = max(1, _CAST_BLOCK_BYTES // (8 * max(1, X.shape[1])))
    for start in range(0, X.shape[0], step):
        total += s[start:start + step] @ X[start:start + step].astype(np.float64)
    return total


# Largest total size of the per-thread partial gradients of the row-by-row scatter
# (``FirstLayerGradient``); a wider first layer takes the blocked CSC copy of its
# batch. MNIST's 784 inputs x 150 units on two threads take 1.9 MB.
SCATTER_MAX_BYTES = 1 << 25

# Set in a thread by ``blocked_layout_everywhere``: None, or ``(row_dtype,)``.
_blocked_everywhere = ScopedSetting("sknonneg_blocked_layout", None)


def blocked_layout_everywhere(row_dtype=None):
    """Context in which every CSR data set that a ``FirstLayerGradient`` is made for
    in this thread takes the blocked CSC layout, whatever its number of rows:
    ``sknonneg.parallel.warm_kernels`` compiles the blocked kernels on a few rows
    instead of the tens of thousands that take them in a real fit. ``row_dtype``:
    a type for the blocked copy's row numbers, used where it is wider than
    ``index_dtype`` of its rows (``np.int32`` is that of more than 65,535 rows).
    Other threads are not affected (``sknonneg._scoped``)."""
    return _blocked_everywhere.scoped((row_dtype,))


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

    def __init__(self, csr, n_units, n_chunks, kernel_set):
        n_rows, n_columns = csr.shape
        block_rows = self.block_rows(n_units, csr.data.dtype)
        n_blocks = (n_rows + block_rows - 1) // block_rows
        mark = np.empty((n_chunks, n_columns), dtype=np.int64)
        n_pairs = np.empty(n_blocks, dtype=np.int64)
        kernel_set.count_block_columns(csr.indices, csr.indptr, block_rows, n_chunks,
                                       mark, n_pairs)
        block_pair_ptr = np.zeros(n_blocks + 1, dtype=np.int64)
        np.cumsum(n_pairs, out=block_pair_ptr[1:])
        self.pair_columns = np.empty(int(block_pair_ptr[-1]), dtype=csr.indices.dtype)
        self.pair_starts = np.empty(int(block_pair_ptr[-1]) + 1, dtype=np.int64)
        self.data = np.empty_like(csr.data)
        row_dtype = index_dtype(n_rows)
        forced = _blocked_everywhere.get()
        if forced is not None and forced[0] is not None:  # wider, never narrower
            row_dtype = np.promote_types(row_dtype, forced[0])
        self.rows = np.empty(csr.data.shape[0], dtype=row_dtype)
        kernel_set.csr_to_blocked_csc(csr.data, csr.indices, csr.indptr, block_rows,
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
    (every first layer uses it: an ABBA first layer is one product ``x (A - B)``
    whose gradient is the same ``X.T delta``).

    - dense ``X``: a transposed copy, which makes the product a plain one split by
      input features (``transposed_gram_colsum``: 25-30% faster than the transposed
      product, for the memory of a second copy), in one chunk by the serial
      ``transpose`` (the parallel flavour's launch on one thread cost more than
      the copy of a small batch; ``benchmarks/results/adam_overhead_55.md``);
    - CSR ``X`` of at least two row blocks: a ``_BlockedCSC`` copy (of any CSR
      ``X`` within ``blocked_layout_everywhere``);
    - smaller CSR batches (Adam's) keep the row-by-row scatter of
      ``csr_gram_colsum``: regrouping them would cost about as much as it saves.
      Its per-chunk partial sums are taken from ``reuse`` (the previous data set's
      ``FirstLayerGradient``) when their shape matches. They are one partial
      gradient per thread, each as large as the layer's weights: beyond
      ``SCATTER_MAX_BYTES`` in all (a wide first layer: two copies of 153 MB for a
      bag-of-words of 200,000 inputs x 100 units, zeroed and summed at every
      step) the numba kernels take the blocked copy of the batch instead, the
      size of the batch, each thread writing its own rows of the gradient (the
      NumPy twins do not use the partial sums). With a ``pool``
      (``sknonneg._engine.pool``) they are the pool's instead.
    """

    def __init__(self, X, n_units, n_chunks, kernel_set, reuse=None, pool=None):
        self.X = X
        self.n_units = n_units
        self.n_chunks = n_chunks
        self.kernels = kernel_set
        self.X_t = self.blocked = self.partial_coef = None
        if isinstance(X, DenseInput):
            self.X_t = transpose_into(kernel_set, n_chunks, X.array,
                                      np.empty(X.shape[::-1], dtype=X.dtype))
        elif (X.shape[0] >= 2 * _BlockedCSC.block_rows(n_units, X.data.dtype)
              or (not kernel_set.numpy and n_chunks * X.shape[1] * n_units
                  * X.data.dtype.itemsize > SCATTER_MAX_BYTES)
              or _blocked_everywhere.get() is not None):
            self.blocked = _BlockedCSC(X, n_units, n_chunks, kernel_set)
        else:
            shape = (n_chunks, X.shape[1], n_units)
            old = None if reuse is None else reuse.partial_coef
            if pool is not None:
                self.partial_coef = pool.empty("first_layer.partial_coef", shape,
                                               X.data.dtype)
            elif (old is not None and old.shape == shape
                  and old.dtype == X.data.dtype):
                self.partial_coef = old
            else:
                self.partial_coef = np.empty(shape, dtype=X.data.dtype)

    @property
    def reusable(self):
        """Whether it holds nothing but ``X`` in another layout (the blocked CSC
        copy): made for a data set of ``X`` that does not change, it serves every
        evaluation on it (``serves``). Not the row-by-row scatter's, whose partial
        sums may be a ``BufferPool``'s, nor (by choice) the dense transposed copy
        (``row_blocks.RowBlockObjective`` keeps the blocked ones of its blocks)."""
        return self.blocked is not None

    def serves(self, X, n_units, n_chunks, kernel_set):
        """Whether it is the one ``FirstLayerGradient(X, n_units, n_chunks,
        kernel_set, ...)`` would make again, with the same values: made for this
        very ``X`` (an object that does not change), the same chunking and
        kernels, and ``reusable``."""
        return (self.reusable and self.X is X and self.n_units == n_units
                and self.n_chunks == n_chunks
                and (self.kernels.numpy, self.kernels.parallel)
                == (kernel_set.numpy, kernel_set.parallel))

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
