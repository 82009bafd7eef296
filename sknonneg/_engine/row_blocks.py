"""An objective evaluated over blocks of rows: a data term summed over pieces.

``Objective`` holds dense buffers of shape (n_samples, n_outputs) for the output
layer's logits, its ``delta`` and the targets. When the outputs are as wide as the
input (an autoencoder reconstructs its input) and the input is sparse, these would
densify it whole. ``RowBlockObjective`` keeps the input prepared once (CSR stays
CSR) and evaluates the data term block by block, through one engine ``Objective``
per block size pointed at each block in turn (``set_data``: its buffers are
reused, the block's targets densified into them), every block size's on the same
memory (a ``BufferPool``: the last block, usually shorter, runs on the first
rows of the longer blocks' buffers, with its own chunking): with ``S_b`` the
sample weight of block ``b`` and ``S`` the total,

    data(theta) = sum_b (S_b / S) data_b(theta)

which is the data term over all rows. The penalties are added once, over all rows:
``L2`` by its generic path, the others as they are (``KLSparsity`` is bound to this
object and reads the whole input, its first-layer gradient included). With a single
block the engine's ``Objective`` runs as it is, penalties and fused kernels
included.

The object has what the training loops use: ``loss_grad(theta)``, a settable
``gain``, ``set_data`` and ``n_chunks``; and what L-BFGS-B asks an objective for,
``solver_scaling()`` (``Objective``'s).
"""

import numpy as np
import scipy.sparse as sp

from .._kernels import NUMPY, n_chunks_for
from .data import FirstLayerGradient, check_weight_values, prepare_input
from .objective import Objective, _Context, prepared_for_gram_head
from .penalties import L2
from .pool import BufferPool

__all__ = ["RowBlockObjective", "dense_targets"]


def dense_targets(y, out=None):
    """``y`` (a sparse matrix, a prepared input or an array) as a float64 array.

    ``out``: a C-contiguous float64 array of ``y``'s shape to write it into and
    return (the blocks' one buffer, ``RowBlockObjective``), with the same values as
    without it: a sparse ``y`` is densified straight into ``out`` where its values
    are float64, or can be cast up first exactly (no duplicate entries, whose sum
    in their own dtype could differ); otherwise densified in its own dtype and then
    copied."""
    if out is None:
        if sp.issparse(y) or hasattr(y, "toarray"):
            y = y.toarray()
        return np.ascontiguousarray(y, dtype=np.float64)
    if sp.issparse(y) or hasattr(y, "tocsr"):
        # A csr_matrix as it is: wrapped again, scipy would copy its arrays where
        # they are views of much larger ones (a block's rows, ``_block_targets``).
        matrix = y if type(y) is sp.csr_matrix else sp.csr_matrix(y.tocsr())
        if matrix.dtype != np.float64 and matrix.has_canonical_format:
            matrix = matrix.astype(np.float64)  # the stored values only
        if matrix.dtype == np.float64:
            return matrix.toarray(out=out)
        y = matrix.toarray()
    np.copyto(out, y)
    return out


class RowBlockObjective:
    """Loss and gradient over ``theta``, the data term in blocks of ``block_rows``.

    Parameters
    ----------
    layout, loss, penalties, gain, dtype, parallel
        As for ``Objective``.
    X : array-like, sparse matrix or prepared input of shape (n_samples, n_features)
    y : array-like or sparse matrix of shape (n_samples, n_outputs)
        Targets; a sparse ``y`` is densified one block at a time.
    sample_weight : ndarray of shape (n_samples,) or None
        Non-negative and finite, with a positive sum; None weighs every row 1.
    block_rows : int or None
        Rows per block; None: one block.
    targets_are_input : bool, default=False
        The targets ``y`` are ``X`` itself (an autoencoder). Where the network's
        head can then run through the Gram identity (``objective.gram_head_applies``)
        the objective has one block whatever ``block_rows``: nothing of the
        outputs' width is formed, and ``y`` is never densified.
    """

    def __init__(self, layout, loss, penalties, X, y, sample_weight, *, gain=1.0,
                 dtype=np.float64, parallel=True, block_rows=None,
                 targets_are_input=False):
        self.layout = layout
        self.loss = loss
        self.targets_are_input = bool(targets_are_input)
        X, self.gram = prepared_for_gram_head(layout.network, loss,
                                              self.targets_are_input, X, dtype,
                                              parallel)
        if self.gram:
            block_rows = None
        self.penalties = list(penalties)
        self.dtype = np.dtype(dtype)
        # The NumPy twins (NUMPY) stay the NumPy twins: bool("numpy") is True.
        self.parallel = parallel if parallel == NUMPY else bool(parallel)
        self._gain = float(gain)
        self.n_samples = X.shape[0]
        self.block_rows = (self.n_samples if block_rows is None
                           else max(1, min(int(block_rows), self.n_samples)))
        self.single = self.block_rows >= self.n_samples
        fused_only = [p for p in self.penalties if p.fused_only]
        if not self.single and fused_only:
            raise ValueError(f"{type(fused_only[0]).__name__} is fused into the "
                             "kernels; it cannot be evaluated over blocks of rows")
        self._by_rows = {}
        self._pool = None if self.single else BufferPool()
        self.n_chunks = n_chunks_for(
            self.block_rows, sum(layer.work_per_row() for layer in layout.network),
            parallel)
        self._first_layer = self._reuse = None
        self.set_data(X, y, sample_weight)

    def share_buffers(self, pool):
        """Takes the blocks' buffers (their objectives' and their dense targets)
        from ``pool``, a ``BufferPool`` shared with other objectives that run one
        after another: the training loops (``_training._Objectives``) share one
        between the objectives of a fit's batch sizes. Adam's batches are of equal
        size to a row, so a fit whose rows the batch size does not divide has two
        (150 and 149 rows); on 299 x 60,000 CSR, 16 components, blocks of 139 rows,
        each size's blocks held buffers of their own: an epoch's peak 652 MB
        against 360 MB for 300 rows (tracemalloc). Nothing for a single block,
        whose objective's gradient is the one ``loss_grad`` returns."""
        if not self.single and pool is not self._pool:
            self._by_rows, self._pool = {}, pool

    @property
    def gain(self):
        return self._gain

    @gain.setter
    def gain(self, value):
        self._gain = float(value)
        for objective in self._by_rows.values():
            objective.gain = self._gain

    def _objective(self, X, y, sample_weight, penalties, first_layer=None):
        """The objective of ``X``'s number of rows, pointed at ``X`` (its
        ``first_layer`` if given and it serves: ``Objective.set_data``).

        The blocks' objectives take their buffers from one pool (``BufferPool``),
        each block's gradient read before the next block runs: one set of buffers
        for every block size, the longest's. Before, each block size had its own:
        on 150 x 60,000 CSR (16 components, float64) in blocks of 139 and 11 rows,
        the short block's objective held 79 MB of its own (its logits and delta,
        the gradient, the padded first layer, per-chunk partial sums). Where a
        shorter block's objective was made first (the longer blocks before it
        weighed nothing), it is dropped when a longer one is made: it holds the
        pool's smaller arrays."""
        n_rows = X.shape[0]
        objective = self._by_rows.get(n_rows)
        if objective is None:
            if self._pool is not None:
                self._by_rows = {rows: kept for rows, kept in self._by_rows.items()
                                 if rows > n_rows}
            objective = self._by_rows[n_rows] = Objective(
                self.layout, self.loss, penalties, X, y, sample_weight, gain=self._gain,
                dtype=self.dtype, parallel=self.parallel,
                targets_are_input=self.targets_are_input, pool=self._pool,
                first_layer=first_layer)
        else:
            objective.set_data(X, y, sample_weight, first_layer=first_layer)
            objective.gain = self._gain
        return objective

    def set_data(self, X, y, sample_weight):
        """Points the objective at another data set of as many rows."""
        if X.shape[0] != self.n_samples:
            raise ValueError(f"set_data needs {self.n_samples} rows, got {X.shape[0]}")
        self.X = prepare_input(X, self.dtype, self.parallel)
        self.y = y
        self.sample_weight = (np.ones(self.n_samples) if sample_weight is None else
                              np.asarray(sample_weight, dtype=np.float64))
        # Each block's objective checks its rows; these, that no row is left over.
        if self.sample_weight.shape != (self.n_samples,) or (
                not self.gram and y is not None and np.shape(y)[0] != self.n_samples):
            raise ValueError(f"y and sample_weight must have {self.n_samples} rows, "
                             f"one per row of X; got shapes {np.shape(y)} and "
                             f"{self.sample_weight.shape}")
        check_weight_values(self.sample_weight)
        self.scale = 1.0 / float(self.sample_weight.sum())
        if self.single:
            # The engine's objective as it is, penalties (fused L2) included.
            inner = self._objective(self.X, None if self.gram else dense_targets(y),
                                    self.sample_weight, self.penalties)
            self.first_layer = inner.first_layer
            return
        self._blocks = [self.X[start:start + self.block_rows]
                        for start in range(0, self.n_samples, self.block_rows)]
        # Each block's first-layer layout and its sparse targets' rows, made at its
        # first evaluation and kept for this data set (``_evaluate_block``,
        # ``_block_targets``).
        self._first_layers = [None] * len(self._blocks)
        self._target_rows = [None] * len(self._blocks)
        # The whole input's layout is made at its first use (``first_layer``).
        self._reuse, self._first_layer = self._first_layer, None
        for penalty in self.penalties:
            penalty.bind(self)

    _first_layer = None

    @property
    def first_layer(self):
        """The whole input's ``FirstLayerGradient`` (the blocks have their own),
        made at its first use: ``KLSparsity`` reads it, other penalties and the
        evaluations do not. Before 820d3de, ``set_data`` made it for every fit
        over blocks, and a fit that never read it held it: a transposed copy of a
        dense ``X`` (92 MB beside a 3,000 x 4,000 ``X``), or per-thread partial sums
        of the first layer's size for sparse ``X``."""
        if self._first_layer is None and not self.single:
            self._first_layer = FirstLayerGradient(
                self.X, self.layout.network[0].n_out, self.n_chunks,
                self.kernels, self._reuse)
            self._reuse = None
        return self._first_layer

    @first_layer.setter
    def first_layer(self, value):
        self._first_layer = value

    @property
    def kernels(self):
        """The ``KernelSet`` of this objective's flavour (also the solvers' kernels)."""
        from .._kernels import kernels
        return kernels(self.parallel)

    def _context(self):
        ctx = _Context()
        ctx.kernels, ctx.n_chunks, ctx.dtype = self.kernels, self.n_chunks, self.dtype
        ctx.gain = self._gain
        return ctx

    grad_buffer = True  # loss_grad takes copy=False (see Objective.loss_grad)

    # No reparametrisation: the training loops ask before they set penalty_units.
    reparametrization = None
    _penalty_units = None

    @property
    def l2(self):
        """The L2 coefficient of each weight layer (``Objective.l2``): the sum of
        the ``L2`` penalties'."""
        l2 = [0.0] * self.layout.n_layers
        for penalty in self.penalties:
            if isinstance(penalty, L2):
                l2 = [a + b for a, b in zip(l2, penalty.per_layer(len(l2)))]
        return l2

    @property
    def penalty_units(self):
        """Per input column, the unit of the first layer's L2 penalty, or None
        (``Objective.penalty_units``): set by the training loops
        (``_training._Objectives``). The single block's objective reads it through
        its fused kernels; over blocks of rows the ``L2`` penalties, added over all
        rows by their generic path, carry it."""
        return self._penalty_units

    @penalty_units.setter
    def penalty_units(self, units):
        self._penalty_units = units
        self.penalties = [L2(p.alpha, units) if isinstance(p, L2) else p
                          for p in self.penalties]
        if self.single:
            self._by_rows[self.n_samples].penalty_units = units

    # The first-layer scaling L-BFGS-B runs under, decided on the whole input (not
    # per block) as for an Objective: it reads only layout, X and sample_weight.
    scaling_source = None
    _solver_scaling = None
    solver_scaling = Objective.solver_scaling

    # Kept from call to call: the sum of the blocks' gradients (``loss_grad``), the
    # objective's own (the solvers read it); the blocks' dense targets are the
    # pool's (``_block_targets``).
    _grad_sum = None

    def _block_targets(self, index, rows):
        """The targets of block ``index`` (rows ``rows``), densified into the one
        buffer of ``block_rows`` rows that every block shares (its first rows for
        a shorter block; the pool's, ``share_buffers``). A block's objective reads
        them only in the evaluation that follows; before, each block's were a new
        array, and each block size's objective kept its last ones (on 300 x 60,000
        CSR, 64 MB blocks: 96 MB more at the peak of an Adam fit,
        ``benchmarks/autoencoder_sparse_memory.py``).

        A CSR ``y``'s rows are read through a matrix on its own arrays (its values
        and column numbers, sliced), made at the block's first evaluation and kept
        for the data set: the same stored values in the same order as ``y[rows]``,
        which copied them (the autoencoder's targets are its CSR input) at every
        evaluation of every block."""
        n_rows = rows.stop - rows.start
        out = self._pool.empty("row_blocks.targets", (n_rows, *np.shape(self.y)[1:]))
        y = self.y
        if not (sp.issparse(y) and y.format == "csr"):
            return dense_targets(y[rows], out=out)
        block = self._target_rows[index]
        if block is None:
            start, stop = int(y.indptr[rows.start]), int(y.indptr[rows.stop])
            values, columns = y.data[start:stop], y.indices[start:stop]
            block = sp.csr_matrix((values, columns,
                                   y.indptr[rows.start:rows.stop + 1] - start),
                                  shape=(n_rows, y.shape[1]), copy=False)
            # scipy copies a view of a much larger array (``prune``): the views
            # again, the same values (its flags, computed from them, hold).
            if (block.data.dtype, block.indices.dtype) == (values.dtype,
                                                           columns.dtype):
                block.data, block.indices = values, columns
            self._target_rows[index] = block
        return dense_targets(block, out=out)

    def _evaluate_block(self, index, rows, weights, theta):
        """``(loss, grad)`` of block ``index`` (rows ``rows``, weights
        ``weights``) at ``theta``, the gradient its objective's buffer.

        The block's first-layer layout is made once per data set: at the block's
        first evaluation its objective makes it, and where it is the blocked CSC
        copy (``FirstLayerGradient.reusable``) it is kept here and handed to the
        objective at every evaluation that follows. Before, ``set_data`` made it
        anew at every evaluation of every block: a copy of the block's stored
        values regrouped by column, with a (n_chunks, n_columns) int64 array of
        marks twice, counted and filled again. Kept, the blocks' copies are one
        copy of the stored values in all (their row numbers too), as the single
        block's objective keeps. The row-by-row scatter (smaller blocks) has
        nothing of the data to keep, and its partial sums are the pool's; a dense
        block's transposed copy is not kept (it would be a copy of ``X`` in all;
        no estimator evaluates dense input over blocks of rows)."""
        objective = self._objective(self._blocks[index],
                                    self._block_targets(index, rows), weights, [],
                                    self._first_layers[index])
        first_layer = objective.first_layer
        if first_layer.reusable:
            self._first_layers[index] = first_layer
        return objective.loss_grad(theta, copy=False)

    def loss_grad(self, theta, copy=True):
        """``(loss, grad)`` at ``theta``, both float64 (``copy=False``: the
        objective's own buffer, overwritten by the next evaluation, as
        ``Objective.loss_grad``)."""
        if self.single:
            loss, self.grad = self._by_rows[self.n_samples].loss_grad(theta, copy=copy)
            return loss, self.grad
        # The sum goes into one buffer, kept from call to call, and each block's
        # gradient is scaled in its objective's own buffer (copy=False): before,
        # three arrays of the parameters' size per block and evaluation (the sum,
        # the block's copy and the scaled copy), with the same values.
        if self._grad_sum is None:
            self._grad_sum = np.empty(self.layout.n_params)
        loss, grad = 0.0, self._grad_sum
        grad[:] = 0.0
        for start in range(0, self.n_samples, self.block_rows):
            rows = slice(start, min(start + self.block_rows, self.n_samples))
            weights = self.sample_weight[rows]
            share = float(weights.sum()) * self.scale
            if share == 0:
                continue
            block_loss, block_grad = self._evaluate_block(
                start // self.block_rows, rows, weights, theta)
            loss += share * block_loss
            block_grad *= share
            grad += block_grad
        for penalty in self.penalties:
            loss += penalty.value_grad(self.layout, theta, grad)
        self.grad = grad  # the gradient of the last evaluation, as Objective keeps it
        return float(loss), (grad.copy() if copy else grad)

    def penalty_value(self, theta):
        """The part of the loss that depends on the parameters alone
        (``Objective.penalty_value``): the penalties that do not read the data,
        and the exact L1 term, which the blocks' objectives add."""
        if self.single:
            return self._by_rows[self.n_samples].penalty_value(theta)
        value = sum(penalty.value(self.layout, theta) for penalty in self.penalties
                    if not penalty.reads_data)
        if self.layout.has_l1:
            value += self.layout.box.l1_penalty(theta)
        return value
