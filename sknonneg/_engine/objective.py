"""The training objective over ``theta``, one loop over the layers, and prediction.

For a network of layers ``f_l`` and a loss ``ell`` (``losses``), with sample
weights ``s`` (ones by default; the paper's ``1/n`` is their normalisation)::

    loss(theta) = sum_i s_i ell(z_i, y_i) / sum_i s_i             (data term)
                + sum_l l2_l ||W_l||_F^2                          (L2)
                + l1_linear @ theta                               (L1, exact: see layout)
                + activity_l1 * sum_i s_i sum_{hidden} a_lij / sum_i s_i   (ActivityL1)
                + other penalties (generic path)

eq. (1) of Chorowski & Zurada (2015) for sigmoid dense layers (dense hidden layers
may have another activation ``f``, applied to ``gain * (x W + b)``). The backward
pass: ``delta_L = dloss/dz = s_i dell_i/dz / sum s``; for a hidden layer ``delta_l =
(delta_{l+1} @ W_{l+1}.T + activity_l1 s_i / sum s) * gain * f'``, ``f'`` read off the
outputs (``a_l (1 - a_l)`` for the sigmoid); ``dloss/dW_l = a_{l-1}.T @ delta_l``,
``dloss/db_l = sum_i delta_l``. ABBA layers do the same in their sum/difference
coordinates (``sknonneg._kernels.abba``).

``Objective.loss_grad`` runs the forward steps up to the last hidden layer, the
output layer with the loss, then for each layer from the top its weight gradient and
the delta of the layer below. Where a pair of layers allows it the loop hands them
to one fused kernel: a dense hidden layer under a dense output layer with a kernel
loss runs as ``linear_sigmoid_loss_backprop`` (each block of rows through the
hidden layer, the output layer, the loss, the output gradient and the backward step
while in cache). Every step writes into buffers allocated once per data set; a CSR
input goes through the CSR kernels, never densified.

The Gram head: where the targets are the input itself (an autoencoder; the
estimator says so, ``targets_are_input``) and the network is a dense hidden layer
under a dense identity output layer with the squared error, the head runs through
the Gram identity instead (``DenseLayer.gram_head``; with ``H`` the codes, ``W``,
``b`` the decoder, ``S = diag(s)``)::

    sum_i s_i ||h_i W + b - x_i||^2 = tr(W^T H^T S H W) + 2 b^T W^T H^T s
        + ||b||^2 sum(s) - 2 sum(H o S X W^T) - 2 b^T X^T s + sum_i s_i ||x_i||^2
    dW = H^T S H W + (H^T s) b^T - H^T S X,   db = W^T H^T s + sum(s) b - X^T s
    upstream of the hidden layer = S (H W W^T + 1 b^T W^T - X W^T)

(each over ``sum s``): products of k x k x d and sparse-times-dense, nothing of the
reconstruction's size, a CSR ``X`` never densified. ``gram_head_applies`` decides
it in one place, where it is exact and cheaper (a CSR input or a float64 fit,
``k`` at most the batch's rows, half of them in float32); the pieces that cancel
are computed in float64, and its BLAS products run on one thread (with NumPy's BLAS
on several, its pool and the numba kernels launched between its products spun
against each other: 1.9x the direct path's time at k = 64 on two threads). On Reuters tf-idf (9,936 terms, batches of
200 rows, float32) an epoch of the autoencoder took 0.30x (k = 16) and 0.64x (k =
64) the direct path's time on one thread, 0.40x and 0.89x on two
(``benchmarks/results/autoencoder_gram.md``, ``autoencoder_gram_threads2.md``).

A reparametrisation hook (``reparametrization``: ABBA's ``LipschitzCap``) rescales
the whole network before an evaluation, and the gradient goes through the scale.

``Objective.solver_scaling()`` offers L-BFGS-B the diagonal change of variables
``theta = D u`` of the first layer's rows (``precondition``); the solver asks the
objective for it, and knows nothing of how it is decided.
"""

import numpy as np
import scipy.sparse as sp

from .._kernels import LOSS_CODES, NUMPY, flavour_for, kernels, n_chunks_for
from .._scoped import ScopedSetting
from .._threads import fit_threads, set_numba_threads, single_blas_thread
from .data import (CSRInput, FirstLayerGradient, InputTargets, check_weight_values,
                   prepare_input, prepare_targets_and_weights)
from .layers import DenseLayer
from .losses import get_loss
from .pool import pool_empty
from .precondition import FirstLayerScaling

__all__ = ["Objective", "forward", "gram_head_applies"]

# The Gram head's switch in the current thread (``gram_head``).
_gram_head = ScopedSetting("sknonneg_gram_head", True)


def gram_head(mode):
    """Context in which objectives take the Gram head by ``mode``: True (outside any
    context) where ``gram_head_applies`` says; False, never (every objective takes
    the direct path, the fused kernel); "always", for a dense input in a float32
    fit too, where it does not pay. For the tests and
    benchmarks/autoencoder_gram.py only. In the current thread only, and contexts
    closed out of order leave nothing behind (``sknonneg._scoped``)."""
    if not (isinstance(mode, bool) or mode == "always"):
        raise ValueError(f"mode must be True, False or 'always', got {mode!r}")
    return _gram_head.scoped(mode)


def gram_head_applies(layers, loss, targets_are_input, n_rows, dtype=np.float64,
                      sparse=True):
    """Whether an objective over ``layers`` with ``loss`` on batches of ``n_rows``
    rows, computing in ``dtype``, runs its head through the Gram identity
    (``DenseLayer.gram_head``); ``sparse``: whether the input, as the kernels take
    it (``data.prepare_input``), is CSR.

    Where it is exact: the targets are the network's input (``targets_are_input``,
    which only the estimator knows: the autoencoder), and the network is a dense
    hidden layer reading the input under a dense identity output layer as wide as
    it, with the squared error. And where it is cheaper: its products cost about
    ``2 k^2 d`` per evaluation, in float64 whatever the fit's dtype (see
    ``gram_head``), against the direct path's ``2 n k d`` in the fit's dtype; it is
    taken for ``k <= n_rows`` hidden units in a float64 fit and ``k <= n_rows / 2``
    in a float32 one. Measured on Reuters tf-idf (CSR, 9,936 terms, 200 rows, one
    thread, one evaluation, float32 fit): k = 16, 0.19x the direct path's time;
    k = 64, 0.54x; k = 96, 0.72x; k = 196, 1.05x (with the k^2 d products in
    float32, 0.39x at k = 64 and 0.75x at 196, but a float32 gradient 6 to 14 times
    less accurate than the direct path's); k = 400 (float32 products), 1.04x at 200
    rows and 1.49x at 100 rows. These are one-thread times; the head's BLAS
    products stay on one thread (see ``Objective.loss_grad``) while the direct
    path's kernels share its ``2 n k d`` among the budget's threads: on two, an
    epoch at k = 64 took 0.89x the direct path's time (0.64x on one); more threads
    were not measured, and with many the direct path may be the faster at such k.

    A dense input takes it in a float64 fit only: there its ``X W^T`` and ``(S
    H)^T X`` cost the direct path's ``2 n k d`` already, and in a float32 fit the
    second is cast up to float64. Epochs on 6,000 x 784 dense rows (60% non-zeros,
    batches of 200; ``benchmarks/results/autoencoder_gram_dense*.md``) took, against
    the direct path's, in float32 1.10x (k = 16) and 1.16x (k = 64) on one thread,
    1.21x and 1.14x on two; in float64 0.98x and 0.98x on one, 0.89x and 0.94x on
    two. A dense input that is mostly zeros is CSR as the kernels take it.
    """
    wide = np.dtype(dtype) == np.float64
    mode = _gram_head.get()
    if not mode or not (sparse or wide or mode == "always"):
        return False
    k = layers[0].n_out if layers else 0
    per_row = 1 if wide else 2
    return (bool(targets_are_input) and len(layers) == 2
            and isinstance(layers[0], DenseLayer)
            and k * per_row <= n_rows
            and layers[0].gram_with(layers[1], get_loss(loss)))

def prepared_for_gram_head(layers, loss, targets_are_input, X, dtype, parallel):
    """``(X, gram)``: ``X`` as the kernels take it (``data.prepare_input``; an
    objective's ``set_data`` then takes it as it is), and whether an objective over
    it runs its head through the Gram identity (``gram_head_applies``, which the
    prepared input's kind decides)."""
    X = prepare_input(X, dtype, parallel if parallel == NUMPY else bool(parallel))
    return X, gram_head_applies(layers, loss, targets_are_input, X.shape[0], dtype,
                                sparse=isinstance(X, CSRInput))


def check_loss_code(loss):
    """Refuses a ``Loss`` whose kernel ``code`` no output kernel has a branch for
    (``sknonneg._kernels.codes.LOSS_CODES``): such a code would reach the fused
    kernels, which return NaN for it. ``code = None`` takes the generic path."""
    code = loss.code
    if code is None:
        return
    if (isinstance(code, bool) or not isinstance(code, (int, np.integer))
            or code not in LOSS_CODES):
        raise ValueError(f"{loss!r} has the kernel code {code!r}, which no output "
                         f"kernel computes (known codes: {LOSS_CODES}); a loss "
                         f"without a fused row takes the generic path with code = None")


def check_input_width(X, layers):
    """Raises ``ValueError`` unless the prepared input ``X`` is a matrix with a column
    for each input of the first layer (the kernels read its rows unchecked)."""
    shape = X.shape
    n_in = layers[0].n_in
    if len(shape) != 2 or shape[1] != n_in:
        raise ValueError(f"X must have shape (n_samples, {n_in}) for a first layer of "
                         f"{n_in} inputs; got shape {shape}")


class _Context:
    """What the layers' steps read during one evaluation."""

    # Prediction (``forward``) marks the network's last layer, its output layer,
    # and whether the products are summed in a fixed order.
    last = False
    fixed_order = False
    # Prediction: whether a hidden layer's public output is wanted (``forward``'s
    # ``keep``); an ABBA layer builds its ``(x, z)`` pair only then.
    public = True


class Objective:
    """Loss and gradient over ``theta`` for one data set, with reusable buffers.

    Parameters
    ----------
    layout : ParameterLayout
        The layers, in order, and their place in ``theta``.
    loss : Loss or str
        See ``losses.get_loss``.
    penalties : list of Penalty
    X : array-like, sparse matrix, DenseInput or CSRInput of shape (n_samples, n_features)
        Prepared once here (``data.prepare_input``) unless prepared already.
    y : ndarray
        Targets, in the form ``loss.prepare_targets`` makes.
    sample_weight : ndarray of shape (n_samples,) or None
        Non-negative and finite, with a positive sum; None weighs every row 1.
    gain : float, default=1.0
        Gain of the sigmoid layers; may be changed between evaluations (annealing).
    reparametrization : reparametrization.LipschitzCap, default=None
    dtype : {np.float32, np.float64}
        Floating type of the computation; ``theta``, the loss and the gradient
        returned are float64 whatever it is.
    parallel : bool or "numpy"
        Use the parallel kernels, one chunk of rows per numba thread (call
        ``loss_grad`` inside ``sknonneg._threads.fit_threads()``), the serial ones,
        or the NumPy twins (``sknonneg._kernels.flavour_for``).
    targets_are_input : bool, default=False
        The targets are the input ``X`` itself (an autoencoder: only the estimator
        knows it). Where the network allows it (``gram_head_applies``) the head
        then runs through the Gram identity and ``y`` is not read.
    pool : BufferPool, default=None
        Where the buffers come from (``sknonneg._engine.pool``): shared with the
        other objectives on the pool, which must not run at the same time as this
        one, nor read the gradient ``loss_grad(copy=False)`` returns after another
        objective's evaluation; None, buffers of its own.
    first_layer : FirstLayerGradient, default=None
        Made for ``X`` before, taken where it serves (see ``set_data``).
    """

    def __init__(self, layout, loss, penalties, X, y, sample_weight, *, gain=1.0,
                 reparametrization=None, dtype=np.float64, parallel=True,
                 targets_are_input=False, pool=None, first_layer=None):
        self.layout = layout
        self.layers = layout.network
        self.loss = get_loss(loss)
        check_loss_code(self.loss)
        self.targets_are_input = bool(targets_are_input)
        X, self.gram = prepared_for_gram_head(self.layers, self.loss,
                                              self.targets_are_input, X, dtype,
                                              parallel)
        self.targets = None
        self.dtype = np.dtype(dtype)
        self.gain = float(gain)
        self.reparametrization = reparametrization
        n_layers = len(self.layers)
        self.l2 = [0.0] * n_layers
        self.activity_l1 = 0.0
        self.generic_penalties = []
        # Per input column of a dense first layer: the unit its weights' L2 penalty
        # is measured in (``l2 * units_j**2 * ||W_j||^2``), or None (units of 1);
        # set by the training loop (``_training._Objectives``) or an ``L2`` with
        # units (``L2.fuse``).
        self.penalty_units = None
        # What the fused kernels read, each fused penalty adding its share
        # (Penalty.fuse); the others take the generic path after them.
        for penalty in penalties:
            if penalty.fused:
                penalty.fuse(self)
            else:
                self.generic_penalties.append(penalty)
        self.kernels = kernels(parallel)
        self.parallel = parallel if parallel == NUMPY else bool(parallel)
        self.n_samples = X.shape[0]
        self.n_chunks = n_chunks_for(
            X.shape[0], sum(layer.work_per_row() for layer in self.layers), parallel)
        self.pool = pool
        self.grad = pool_empty(pool, "grad", (layout.n_params,))
        self._unit_scratch = None  # column_l2_grad's temporary, allocated once
        self.first_layer = None
        self._data_kind = None
        self.set_data(X, y, sample_weight, first_layer=first_layer)

    def _allocate(self):
        layers, n = self.layers, len(self.layers)
        options = {"gram": True} if self.gram else {}  # dense layers only
        if self.pool is not None:
            options["pool"] = self.pool
        self.buffers = [
            layer.buffers(self.n_samples, self.n_chunks, self.dtype, i,
                          layers[i + 1] if i + 1 < n else None, self.X, **options)
            for i, layer in enumerate(layers)]
        for layer, buf, grad_blocks in zip(layers, self.buffers,
                                           self.layout.blocks(self.grad)):
            layer.bind_grad(buf, grad_blocks)

    def set_data(self, X, y, sample_weight, first_layer=None):
        """Points the objective at another batch with as many rows, reusing every
        buffer (the mini-batch loops call this instead of building an objective
        per batch). ``X`` prepared already (``inputs[idx]`` of a prepared input) is
        not converted again.

        ``first_layer``: a ``FirstLayerGradient`` made for this very prepared ``X``
        before (this objective's ``first_layer`` after an earlier ``set_data`` to
        it, or that of another objective of as many rows and the same flavour),
        taken instead of a new one where it ``serves`` (``RowBlockObjective``
        keeps its blocks' blocked CSC copies so); otherwise a new one is made, as
        without it."""
        if X.shape[0] != self.n_samples:
            raise ValueError(f"set_data needs {self.n_samples} rows, got {X.shape[0]}")
        X = prepare_input(X, self.dtype, self.parallel)
        check_input_width(X, self.layers)
        if sample_weight is None:
            sample_weight = np.ones(self.n_samples)
        # With the Gram head the targets are X: ``y`` is not read (nor densified).
        y, sample_weight, scale = prepare_targets_and_weights(
            self.loss, None if self.gram else y, sample_weight)
        self._check_targets_and_weights(y, sample_weight)
        self.X, self.y, self.sample_weight, self.scale = X, y, sample_weight, scale
        if self.gram:
            self.targets = InputTargets(self.X, self.sample_weight)
        if type(self.X) is not self._data_kind:
            # The first layer's buffers depend on the kind of input (CSR: padded
            # where they are a copy, see DenseLayer.buffers).
            self._data_kind = type(self.X)
            self._allocate()
        if first_layer is not None and first_layer.serves(
                self.X, self.layers[0].n_out, self.n_chunks, self.kernels):
            self.first_layer = first_layer
        else:
            self.first_layer = FirstLayerGradient(self.X, self.layers[0].n_out,
                                                  self.n_chunks, self.kernels,
                                                  self.first_layer, self.pool)
        for penalty in self.generic_penalties:
            penalty.bind(self)

    def _check_targets_and_weights(self, y, sample_weight):
        """Targets and weights of the batch's rows, as many as the output layer has
        outputs (``Loss.check_targets``): the kernels read them unchecked."""
        if sample_weight.shape != (self.n_samples,):
            raise ValueError(f"sample_weight must have shape ({self.n_samples},) for "
                             f"{self.n_samples} rows; got shape {sample_weight.shape}")
        check_weight_values(sample_weight)
        if y is not None:
            if y.shape[0] != self.n_samples:
                raise ValueError(f"y must have {self.n_samples} rows, one per row of "
                                 f"X; got {y.shape[0]}")
            self.loss.check_targets(y, self.layers[-1].n_out)

    def _context(self):
        ctx = _Context()
        ctx.kernels, ctx.n_chunks, ctx.dtype = self.kernels, self.n_chunks, self.dtype
        ctx.data, ctx.y, ctx.loss = self.X, self.y, self.loss
        ctx.sample_weight, ctx.scale = self.sample_weight, self.scale
        ctx.gain = self.gain
        ctx.activity_coef = self.activity_l1 * self.scale
        ctx.first_layer = self.first_layer
        ctx.targets = self.targets
        return ctx

    # loss_grad(theta, copy=False) returns the gradient buffer itself (the solvers'
    # protocol, sknonneg._solvers).
    grad_buffer = True

    # Where solver_scaling() takes the scaling from: a callable that the training
    # loops set (``_training._Objectives``), or None (this objective's own data).
    scaling_source = None
    # solver_scaling()'s own decision: (X, sample_weight, scaling) of its last call.
    _solver_scaling = None

    def solver_scaling(self):
        """The ``FirstLayerScaling`` L-BFGS-B runs this objective under, or None
        (``precondition``; the solvers' protocol, ``sknonneg._solvers``).

        The training loops decide it once per fit, on the whole training data, and
        hand it over as ``scaling_source``, a callable that decides it at its first
        call (so only a solver that scales pays for it) and returns the same ``D``
        for every stage and every mini-batch of the fit. An objective built outside
        them gets the scaling of its own data, built once per data set and kept on
        the objective."""
        if self.scaling_source is not None:
            return self.scaling_source()
        X, sample_weight = self.X, self.sample_weight
        cached = self._solver_scaling
        if cached is not None and cached[0] is X and cached[1] is sample_weight:
            return cached[2]
        scaling = FirstLayerScaling.for_data(self.layout, X, sample_weight)
        self._solver_scaling = (X, sample_weight, scaling)
        return scaling

    def loss_grad(self, theta, copy=True):
        """``(loss, grad)`` at ``theta``, both float64; for ``jac=True`` optimizers.

        ``copy=False`` returns the objective's own gradient buffer (``self.grad``),
        overwritten by the next evaluation: a solver that uses the gradient at once
        (projected Adam, the L-BFGS-B driver) saves a copy of the parameters' size.

        With ``parallel``, the caller sets numba's thread count to ``n_chunks`` once
        (the training loops do, when they build or switch objectives), not per call.
        """
        layers, bufs, layout = self.layers, self.buffers, self.layout
        last = len(layers) - 1
        blocks = layout.blocks(theta)
        c, dc = 1.0, None
        if self.reparametrization is not None:
            c, dc = self.reparametrization.scale(layout.views(theta))
        for layer, layer_blocks, buf in zip(layers, blocks, bufs):
            layer.load(layer_blocks, buf, c, self.kernels)
        ctx = self._context()

        def below(i):
            return bufs[i - 1] if i > 0 else None

        # Forward to the last hidden layer, then the output layer and its loss.
        gram = self.gram
        fused = gram or (last > 0
                         and layers[last - 1].fuses_with(layers[last], self.loss))
        activity = 0.0
        for i in range(last - 1 if fused else last):
            activity += layers[i].forward(ctx, below(i), bufs[i])
        if gram:
            # Its BLAS products on one thread: on a budget of two, NumPy's pool
            # and the numba kernels launched between them spun against each other
            # (1.9x the direct path's epoch at k = 64 on Reuters tf-idf).
            with single_blas_thread():
                data_loss, head_activity = layers[0].gram_head(
                    ctx, None, bufs[0], layers[1], bufs[1])
            activity += head_activity
            top = 0
        elif fused:
            data_loss, head_activity = layers[last - 1].fused_head(
                ctx, below(last - 1), bufs[last - 1], layers[last], bufs[last])
            activity += head_activity
            top = last - 1
        else:
            data_loss = layers[last].output(ctx, below(last), bufs[last])
            top = last
        loss = (data_loss + self.activity_l1 * activity) * self.scale
        # Backward: each layer's weight gradient, then the delta of the one below.
        for i in range(top, -1, -1):
            layers[i].weight_grad(ctx, below(i), bufs[i])
            if i > 0:
                layers[i].backprop(ctx, bufs[i], layers[i - 1], bufs[i - 1])

        grad = self.grad
        grad_blocks = layout.blocks(grad)
        inner = 0.0  # sum_l <G_l, W_l>, G the gradient w.r.t. the scaled blocks
        for i in range(last, -1, -1):
            units = self.penalty_units if i == 0 and self.l2[0] > 0 else None
            penalty, layer_inner = layers[i].pack_grad(
                ctx, blocks[i], grad_blocks[i], bufs[i], c,
                self.l2[i] if units is None else 0.0)
            if units is not None:
                shape = layers[i].n_in, layers[i].n_out
                if self._unit_scratch is None or self._unit_scratch.shape != shape:
                    self._unit_scratch = np.empty(shape, dtype=np.float64)
                penalty += layers[i].column_l2_grad(blocks[i], grad_blocks[i],
                                                    self.l2[i] * units * units,
                                                    self._unit_scratch)
            loss += penalty
            inner += layer_inner
        if dc is not None:
            self.reparametrization.add_grad(inner, layout.views(grad), dc)
        if layout.has_l1:
            loss += layout.box.l1_penalty(theta)
            layout.box.add_l1_grad(grad)
        for penalty in self.generic_penalties:
            loss += penalty.value_grad(layout, theta, grad)
        return float(loss), (grad.copy() if copy else grad)

    def penalty_value(self, theta):
        """The part of ``loss_grad(theta)``'s loss that depends on the parameters
        alone, without a pass over the data: the L2 penalty of each layer (in
        ``penalty_units`` where set), the exact L1 term and the generic penalties
        that do not read the data (``Penalty.reads_data``). The rest of the loss is
        the data term: the loss over the rows and the penalties that read them
        (``ActivityL1``, ``KLSparsity``). Dense layers, no reparametrisation (the
        autoencoder's stall rule asks for it: ``TrainableNetwork._stall_tol``)."""
        layout = self.layout
        value = 0.0
        for i, (alpha, layer, blocks) in enumerate(zip(self.l2, self.layers,
                                                       layout.blocks(theta))):
            if alpha == 0:
                continue
            coef = layer.coef(blocks)
            if i == 0 and self.penalty_units is not None:
                units = self.penalty_units  # as column_l2_grad measures it
                value += alpha * float((units * units) @ np.einsum("ij,ij->i", coef,
                                                                   coef))
            else:
                value += alpha * float(np.vdot(coef, coef))
        if layout.has_l1:
            value += layout.box.l1_penalty(theta)
        for penalty in self.generic_penalties:
            if not penalty.reads_data:
                value += penalty.value(layout, theta)
        return value


def forward(layers, params, X, *, gain=1.0, dtype=np.float64, fixed_order=False,
            keep="all"):
    """Outputs of the layers of a network, for prediction (allocating): all of them
    by default, or only what ``keep`` asks for.

    ``params[l]`` holds layer ``l``'s arrays (``(coef, intercept)`` of a dense
    layer, ``(A, B, b_u, b_v)`` of an ABBA one). Returns ``(hidden, logits)``,
    ``hidden`` the list of the hidden layers' outputs (an ABBA layer's as its
    ``(x, z)`` pair). ``fixed_order`` (dense layers only): every product summed in
    a fixed order, so that a row's outputs depend on that row alone, bit for bit,
    and a monotone network is monotone as computed (``sknonneg._kernels.fixed``);
    a sparse ``X`` is then put in canonical form (sorted, duplicates summed).

    ``keep`` says what prediction needs, and so what it holds: ``"all"``, every
    hidden output and the logits; ``"logits"``, the logits alone (``hidden`` is
    empty); ``"last"``, the last hidden layer's output alone (``hidden`` its only
    entry, ``logits`` None: the output layer is not evaluated). Outside ``"all"``
    each layer's output is dropped once the next one is computed, and an ABBA layer
    builds its ``(x, z)`` pair only where it is kept (``ctx.public``): the same
    kernels in the same order, so the same values, bit for bit. Peaks of
    ``predict`` in units of one hidden output (n x 256 float32; 20,000 x 784
    inputs): one ABBA layer of 256 (half-)units, 5.0 with ``"all"`` (``s``,
    ``d``, ``x``, ``z`` and a temporary), 2.1 with ``"logits"``; three ABBA
    layers, 11.0 and 4.0; three dense layers, 3.0 and 2.0.
    """
    if keep not in ("all", "logits", "last"):
        raise ValueError(f"keep must be 'all', 'logits' or 'last', got {keep!r}")
    if fixed_order and sp.issparse(X) and not X.has_canonical_format:
        X = X.copy()
        X.sum_duplicates()
    work_per_row = sum(layer.work_per_row() for layer in layers)
    with fit_threads() as parallel:
        parallel = flavour_for(parallel, X.shape[0], work_per_row)
        ctx = _Context()
        ctx.kernels, ctx.dtype, ctx.gain = kernels(parallel), np.dtype(dtype), float(gain)
        ctx.fixed_order = bool(fixed_order)
        ctx.n_chunks = n_chunks_for(X.shape[0], work_per_row, parallel)
        if parallel is True:
            set_numba_threads(ctx.n_chunks)
        inputs = prepare_input(X, dtype, parallel)
        check_input_width(inputs, layers)
        params = list(params)
        n_layers = len(layers)
        hidden, logits = [], None
        with single_blas_thread(parallel == NUMPY):
            for i in range(n_layers - 1 if keep == "last" else n_layers):
                ctx.last = i == n_layers - 1
                ctx.public = keep == "all" or (keep == "last" and i == n_layers - 2)
                # ``inputs`` is rebound to this layer's output: the one below goes.
                out, inputs = layers[i].predict(ctx, inputs, *params[i])
                if ctx.last:
                    logits = out
                elif ctx.public:
                    hidden.append(out)
                out = None
    return hidden, logits
