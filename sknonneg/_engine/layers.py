"""Layers of the engine: their parameter blocks, and their forward and backward steps.

A layer declares its parameter blocks (``blocks()``: name, shape, bounds, exact-L1
weights), which ``layout.ParameterLayout`` places in ``theta``, and computes, with the
fused kernels of ``sknonneg._kernels``, on buffers it allocates once per data set
(``buffers``):

- ``load``: its blocks of ``theta`` (float64) into compute buffers (the dtype of the
  fit), scaled by the network's reparametrisation scale ``c`` (1 without one), with
  the objective's kernel set (the NumPy twins on the NumPy path: no numba there);
  a dense layer of a float64 fit, unsplit and unscaled, reads ``theta``'s own
  weights block instead, whatever its input (``DenseLayer.buffers``);
- ``forward``: its outputs from the previous layer's (or from the data); hidden
  layers return their weighted total activation (for ``ActivityL1``);
- ``output``: the last layer with the loss: logits, data loss and ``delta``;
- ``weight_grad``: its weights' gradient from its ``delta`` and its inputs;
- ``backprop``: the ``delta`` of the layer below, through this layer's weights;
- ``pack_grad``: the gradient over its blocks of ``theta`` (chain rule, L2).

A penalty reads a dense layer's weights ``W`` through ``coef(blocks)`` and adds its
gradient over them with ``add_coef_grad(grad_blocks, grad)``, whatever blocks hold
``W`` (one ``coef``, or ``coef_pos - coef_neg`` when the layer is split); an ABBA
layer's weights are its blocks ``A`` and ``B`` (``views``).

``predict`` is the allocating forward step of prediction, from fitted arrays.

Two layer types:

- ``DenseLayer(n_in, n_out, signs, activation)``: a hidden layer ``a = f(gain (x W +
  b))``, ``f`` one of ``DENSE_ACTIVATIONS`` (``"logistic"``, the sigmoid;
  ``"tanh"``, ``"relu"``, ``"identity"``: ``sknonneg._activations.DENSE``), or the
  output layer ``z = x W + b``
  (the last layer of a network, ``"identity"``); a sign constraint per input row
  of ``W``; L1 exact (a free row with L1 is split into ``W = W+ - W-``);
- ``ABBALayer(n_in, n_out, activation, ...)``: the layer
  ``[[A, B], [B, A]]`` of Vasilescu, Neacsu & Pesquet (2024) with ``A, B >= 0``,
  computed as two products in sum/difference coordinates (see
  ``sknonneg._kernels.abba``). The first and the last layer of an ABBA network read
  only ``A - B``; without L1 and a Lipschitz cap they are fitted as one free
  ``W = A - B`` (``free=True``): the same minimum, half the variables, no bounds.
"""

from dataclasses import dataclass

import numpy as np
from scipy.linalg.blas import dger as _DGER

from .. import _activations, _kernels
from .._kernels import FIRST, INNER, LAST
from .data import CSRInput, read_only_view, transpose_into
from .pool import pool_empty, pool_zeros

__all__ = ["ABBA_ACTIVATIONS", "ABBALayer", "Block", "DENSE_ACTIVATIONS", "DenseLayer",
           "activation_function", "activation_slope_from_output",
           "dense_activation_function", "kernel_array"]


def kernel_array(value, dtype):
    """``value`` as a C-contiguous, writeable array of ``dtype`` for the kernels: the
    array itself where it is one already, else a copy. A read-only array (the
    fitted ``coefs_`` are) would be a type of its own to numba, compiled again."""
    return np.require(value, dtype=dtype, requirements=("C", "W"))


# Rows per block of ``sigmoid_backprop``'s scratch: a block of ``delta @ coef.T``
# fills about this many bytes, well inside a core's L2 cache (64-512 rows of 150
# float64 units ran within 25% of each other, the fastest from 128 rows).
_BACKPROP_BLOCK_BYTES = 1 << 17

# Rows of the weights that the CSR kernels gather from start on a cache line where
# the first layer's weights are a copy anyway (a float32 fit, a split layer): each
# stored value adds a row of the first layer's weights to an output row, and a row
# that straddles cache lines costs split loads (60k MNIST, 150 units: the CSR
# forward product 0.92x the time in float32, 0.97x in float64, with 160 columns).
# A float64 fit of an unsplit layer reads theta's block in place instead: the copy
# into padded rows cost more than it saved (``DenseLayer.buffers``).
_CACHE_LINE_BYTES = 64


def backprop_scratch(n_chunks, n_units, dtype, min_rows=16, empty=None):
    """The scratch of ``sigmoid_backprop`` and ``linear_sigmoid_loss_backprop`` for a
    layer of ``n_units`` units; the latter needs ``min_rows`` >= its outputs.
    ``empty(shape, dtype)``: where it is allocated (``np.empty`` by default)."""
    block_rows = max(min_rows, 16,
                     _BACKPROP_BLOCK_BYTES // (n_units * np.dtype(dtype).itemsize))
    return (np.empty if empty is None else empty)((n_chunks, block_rows, n_units),
                                                  dtype=dtype)


def padded_width(n_units, dtype):
    """``n_units`` rounded up to a whole number of cache lines of ``dtype``."""
    per_line = max(1, _CACHE_LINE_BYTES // np.dtype(dtype).itemsize)
    return -(-n_units // per_line) * per_line


@dataclass
class Block:
    """A parameter block: ``lower``/``upper`` bounds and exact-L1 weights, each a
    scalar or an array broadcast to ``shape``."""

    name: str
    shape: tuple
    lower: object = -np.inf
    upper: object = np.inf
    l1: object = 0.0

    @property
    def size(self):
        return int(np.prod(self.shape))


def _csr_arrays(inputs):
    return inputs.data, inputs.indices, inputs.indptr


class _Buffers:
    """A layer's compute buffers for one data set (attributes set by the layer),
    allocated by ``alloc`` and ``alloc_zeros``: new arrays, or views of a ``pool``'s
    (``sknonneg._engine.pool``) under keys of the layer's ``position``."""

    def __init__(self, pool=None, position=0):
        self.pool, self.position = pool, position

    def alloc(self, name, shape, dtype=np.float64):
        return pool_empty(self.pool, (self.position, name), shape, dtype)

    def alloc_zeros(self, name, shape, dtype=np.float64):
        return pool_zeros(self.pool, (self.position, name), shape, dtype)


class _GramBuffers:
    """The Gram head's buffers (``DenseLayer.gram_head``) of a hidden layer of ``k``
    units under an output layer of ``d`` outputs, for a batch of ``n_samples``
    rows: none of shape (n_samples, d)."""

    def __init__(self, n_samples, n_chunks, k, d, dtype, csr, buf=None):
        # ``buf``: the hidden layer's _Buffers, whose pool they come from.
        buf = _Buffers() if buf is None else buf

        def empty(name, shape, dtype=np.float64):
            return buf.alloc("gram." + name, shape, dtype)

        self.weighted = empty("weighted", (n_samples, k))  # S H, in float64
        self.upstream = empty("upstream", (n_samples, k), dtype)
        self.identity = np.eye(k, dtype=dtype)
        # (S H)^T X: as X^T (S H) (d x k) for a CSR input, with W^T to multiply X
        # by; as it is (k x d) for a dense one.
        self.coef_t = empty("coef_t", (d, k), dtype) if csr else None
        # W and its gradient in float64, for a fit in another dtype; (S H)^T X is
        # then computed in float64 too (``InputTargets.cross64``), so the buffers
        # of the product in the fit's dtype are a float64 fit's only.
        wide = np.dtype(dtype) != np.float64
        self.coef64 = empty("coef64", (k, d)) if wide else None
        self.grad64 = empty("grad64", (k, d)) if wide else None
        self.cross = (None if wide else
                      empty("cross", (d, k) if csr else (k, d), dtype))
        # (S H)^T X of a CSR input, computed as X^T (S H), copied in C order (k x
        # d): the loss's inner product and the gradient's difference read it so.
        self.cross_c = empty("cross_c", (k, d)) if csr else None
        self.cross_colsum = None if wide else empty("cross_colsum", (k,), dtype)
        self.partial = None if wide else empty("partial", (n_chunks, k), dtype)


# --------------------------------------------------------------------- dense
# A dense hidden layer's activation, by name: its kernel code. The names and what
# each activation is (every one non-decreasing, so non-negative networks stay
# monotone; applied to ``gain * (x W + b)``) are ``sknonneg._activations.DENSE``.
DENSE_ACTIVATIONS = {name: act.code for name, act in _activations.DENSE.items()}


def dense_activation_function(activation, gain=1.0):
    """``t -> f(gain * t)`` for the dense activation named ``activation``,
    element-wise in float64 (initialisation; the kernels compute their own)."""
    function = _activations.DENSE[activation].function
    return lambda t: function(gain * np.asarray(t, dtype=np.float64))


class DenseLayer:
    """``x W + b`` followed, in a hidden layer, by ``f(gain * .)``.

    Parameters
    ----------
    n_in, n_out : int
    signs : array-like of shape (n_in,), default=None
        Sign constraint per input row of ``W``: +1 (>= 0), -1 (<= 0) or 0 (free;
        the default).
    activation : {"logistic", "tanh", "relu", "identity"}, default="logistic"
        ``f`` of a hidden layer (``DENSE_ACTIVATIONS``), at the objective's gain.
        The last layer of a network is its output layer, ``x W + b``, whose
        activation is the loss's: give it ``"identity"``.
    l1 : float, default=0.0
        Exact L1 penalty on ``W``.
    zeros : array-like of bool of shape (n_in, n_out), default=None
        Entries of ``W`` held at exactly 0 by their bounds (``lower = upper =
        0``): a unit that reads only some inputs. None: none.
    """

    def __init__(self, n_in, n_out, signs=None, activation="logistic", l1=0.0,
                 zeros=None):
        if activation not in DENSE_ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(DENSE_ACTIVATIONS)}, "
                             f"got {activation!r}")
        self.n_in, self.n_out = int(n_in), int(n_out)
        self.signs = (np.zeros(self.n_in, dtype=np.int8) if signs is None
                      else np.asarray(signs, dtype=np.int8))
        self.activation = activation
        self.l1 = float(l1)
        self.zeros = None if zeros is None else np.asarray(zeros, dtype=bool)
        if self.zeros is not None and self.zeros.shape != self.shape:
            raise ValueError(f"zeros must have shape {self.shape}, got "
                             f"{self.zeros.shape}.")
        # A free entry with L1 needs the split form; the whole layer then uses it so
        # the layout stays dense blocks.
        self.split = bool(self.l1 > 0 and np.any(self.signs == 0))

    @property
    def shape(self):
        return (self.n_in, self.n_out)

    @property
    def code(self):
        """The kernel code of this layer's activation."""
        return DENSE_ACTIVATIONS[self.activation]

    def work_per_row(self):
        return self.n_in * self.n_out

    # ------------------------------------------------------------ parameters
    def blocks(self):
        signs = self.signs[:, None]
        # An entry held at zero has both bounds at 0 (in both parts when split).
        pinned = False if self.zeros is None else self.zeros
        if self.split:
            # w_pos, w_neg >= 0; a sign-constrained row pins the other part at 0.
            coef = [Block("coef_pos", self.shape, 0.0,
                          np.where((signs < 0) | pinned, 0.0, np.inf), self.l1),
                    Block("coef_neg", self.shape, 0.0,
                          np.where((signs > 0) | pinned, 0.0, np.inf), self.l1)]
        else:
            # |w| = sign * w on bounded entries; free entries have no L1 here.
            coef = [Block("coef", self.shape,
                          np.where((signs > 0) | pinned, 0.0, -np.inf),
                          np.where((signs < 0) | pinned, 0.0, np.inf), self.l1 * signs)]
        return [*coef, Block("intercept", (self.n_out,))]

    def views(self, blocks):
        """``(coef, intercept)`` of this layer's block views (``coef`` a new array
        for a split layer)."""
        if self.split:
            return blocks["coef_pos"] - blocks["coef_neg"], blocks["intercept"]
        return blocks["coef"], blocks["intercept"]

    def coef(self, blocks, out=None):
        """The weights ``W`` of this layer's blocks (of ``theta``): the block itself,
        or for a split layer ``coef_pos - coef_neg``, a new array (or ``out``)."""
        if self.split:
            return np.subtract(blocks["coef_pos"], blocks["coef_neg"], out=out)
        return blocks["coef"]

    def add_coef_grad(self, grad_blocks, grad):
        """Adds ``grad``, a gradient over the weights ``W``, to this layer's blocks
        of a gradient over ``theta``: ``dL/dw_pos = g``, ``dL/dw_neg = -g`` for a
        split layer."""
        if self.split:
            grad_blocks["coef_pos"] += grad
            grad_blocks["coef_neg"] -= grad
        else:
            grad_blocks["coef"] += grad

    def pack(self, blocks, coef, intercept):
        """Writes ``coef``, ``intercept`` into this layer's block views (a split
        layer gets their positive and negative parts)."""
        coef = np.asarray(coef, dtype=np.float64)
        if self.split:
            blocks["coef_pos"][...] = np.maximum(coef, 0.0)
            blocks["coef_neg"][...] = np.maximum(-coef, 0.0)
        else:
            blocks["coef"][...] = coef
        blocks["intercept"][...] = intercept

    # ---------------------------------------------------------------- compute
    def buffers(self, n_samples, n_chunks, dtype, position, upper, data, gram=False,
                pool=None):
        """Buffers for a batch of ``n_samples`` rows; ``position``: 0 (first), ...;
        ``upper``: the layer above or None; ``data``: the prepared input; ``gram``:
        the pair of this layer and ``upper`` (or of the layer below and this output
        layer) runs as the Gram head (``gram_head``), which needs none of the
        output layer's (n_samples, n_out) buffers and adds its own to the hidden
        layer's; ``pool``: a ``BufferPool`` to take them from, or None (new
        arrays).

        The weights as the kernels read them (``coef``) are, in a float64 fit of an
        unsplit layer, ``theta``'s own block (``load`` points at it), whatever the
        input; else a copy in the compute dtype, which for a first layer on a CSR
        input has its rows padded to whole cache lines (``csr_coef``, see
        ``padded_width``), filled straight from ``theta``. Where the weight
        gradients go is set by ``bind_grad``. A wide first layer (200,000 inputs x
        100 units) then costs no copy of its weights in a float64 fit, nor of its
        gradient.

        The CSR kernels read the same values in the same order from either layout
        (a stored value adds a row of ``coef``; the padding is never read), so the
        two give the same bits; in a float64 fit the copy into padded rows cost
        more than the padding saved (measured in
        ``benchmarks/results/csr_theta_in_place.md`` and, end to end, in
        ``benchmarks/results/adam_overhead_55.md``).
        """
        dtype = np.dtype(dtype)
        buf = _Buffers(pool, position)
        buf.csr_coef = None
        buf.padded = position == 0 and isinstance(data, CSRInput)
        buf.reads_theta = dtype == np.float64 and not self.split
        if buf.padded and not buf.reads_theta:
            buf.csr_coef = self._padded_coef(buf, dtype)
        buf.coef = (None if buf.csr_coef is not None or buf.reads_theta
                    else buf.alloc("coef", self.shape, dtype))
        buf.intercept = buf.alloc("intercept", (self.n_out,), dtype)
        buf.writes_grad = dtype == np.float64 and not self.split
        buf.coef_grad = buf.intercept_grad = None
        # Per-chunk partial sums of the weight gradients (the first layer's belong
        # to its FirstLayerGradient).
        buf.partial_coef = (None if position == 0 or (gram and upper is None)
                            else buf.alloc("partial_coef", (n_chunks, *self.shape),
                                           dtype))
        buf.partial_intercept = buf.alloc("partial_intercept", (n_chunks, self.n_out),
                                          dtype)
        buf.partial_activity = buf.alloc("partial_activity", (n_chunks, self.n_out))
        buf.gram = None
        if gram and upper is None:
            # The Gram head's output layer: no logits, no delta.
            buf.out = buf.delta = buf.scratch = None
            return buf
        # A hidden layer's delta overwrites its activations (see sigmoid_backprop).
        buf.out = buf.alloc("out", (n_samples, self.n_out), dtype)
        buf.delta = (buf.out if upper is not None else
                     buf.alloc("delta", (n_samples, self.n_out), dtype))
        buf.scratch = (None if upper is None else
                       backprop_scratch(n_chunks, self.n_out, dtype,
                                        16 if gram else upper.n_out,
                                        lambda shape, dtype: buf.alloc(
                                            "scratch", shape, dtype)))
        if gram:
            buf.gram = _GramBuffers(n_samples, n_chunks, self.n_out, upper.n_out,
                                    dtype, isinstance(data, CSRInput), buf)
        return buf

    def _padded_coef(self, buf, dtype):
        """A first layer's weights for the CSR kernels, rows padded to whole cache
        lines (``padded_width``); the padding stays zero, unread."""
        return buf.alloc_zeros("csr_coef", (self.n_in, padded_width(self.n_out, dtype)),
                               dtype)

    def bind_grad(self, buf, grad_blocks):
        """Where the kernels write the weight gradients: in a float64 fit of an
        unsplit layer, straight into this layer's blocks of the objective's gradient
        ``grad_blocks`` (views of its float64 ``grad``, allocated once); else into
        buffers of the compute dtype that ``pack_grad`` copies from."""
        if buf.writes_grad:
            buf.coef_grad, buf.intercept_grad = grad_blocks["coef"], grad_blocks["intercept"]
        else:
            buf.coef_grad = buf.alloc("coef_grad", self.shape, buf.intercept.dtype)
            buf.intercept_grad = buf.alloc("intercept_grad", (self.n_out,),
                                           buf.intercept.dtype)

    def load(self, blocks, buf, scale=1.0, kernels=None):
        coef = blocks.get("coef")
        if buf.reads_theta and not (scale == 1.0 and coef.dtype == np.float64
                                    and coef.flags.c_contiguous
                                    and coef.flags.writeable):
            # theta as given cannot be read in place: a buffer of its own (with
            # padded rows for a first layer on a CSR input).
            buf.reads_theta = False
            if buf.padded:
                buf.coef = None
                buf.csr_coef = self._padded_coef(buf, buf.intercept.dtype)
            else:
                buf.coef = buf.alloc("coef", self.shape, buf.intercept.dtype)
        if buf.reads_theta:
            buf.coef = coef  # theta's own float64 block: nothing to copy
        else:
            target = buf.coef if buf.csr_coef is None else buf.csr_coef[:, :self.n_out]
            if self.split:
                np.subtract(blocks["coef_pos"], blocks["coef_neg"], out=target,
                            casting="unsafe")
            else:
                target[...] = coef
            if scale != 1.0:
                target *= scale
        buf.intercept[...] = blocks["intercept"]

    @staticmethod
    def _product_input(ctx, below, buf):
        """``(inputs, coef)`` as the kernels take them: the data (a CSR input as its
        three arrays, with the padded weights where they are a copy, see
        ``buffers``) or the layer below's output, read-only as the data is
        (``data.read_only_view``: one compiled kernel for both)."""
        if below is not None:
            return read_only_view(below.out), buf.coef
        if buf.padded:
            return (_csr_arrays(ctx.data),
                    buf.coef if buf.csr_coef is None else buf.csr_coef)
        return ctx.data.array, buf.coef

    def forward(self, ctx, below, buf):
        inputs, coef = self._product_input(ctx, below, buf)
        if isinstance(inputs, tuple):
            return ctx.kernels.csr_linear_sigmoid_forward(
                *inputs, coef, buf.intercept, ctx.gain, self.code, ctx.sample_weight,
                ctx.n_chunks, buf.partial_activity, buf.out)
        return ctx.kernels.linear_sigmoid_forward(
            inputs, coef, buf.intercept, ctx.gain, self.code, ctx.sample_weight,
            ctx.n_chunks, buf.partial_activity, buf.out)

    def fuses_with(self, upper, loss):
        """Whether this hidden layer and the output layer ``upper`` run as one
        kernel (``linear_sigmoid_loss_backprop``)."""
        return (isinstance(upper, DenseLayer) and upper.activation == "identity"
                and loss.code is not None)

    def fused_head(self, ctx, below, buf, upper, upper_buf):
        """This layer, the output layer ``upper``, its gradient and this layer's
        delta in one pass; returns ``(data loss, activity)``."""
        inputs, coef = self._product_input(ctx, below, buf)
        return ctx.kernels.linear_sigmoid_loss_backprop(
            inputs, coef, buf.intercept, upper_buf.coef, upper_buf.intercept, ctx.y,
            ctx.loss.code, ctx.sample_weight, ctx.scale, ctx.gain, self.code,
            ctx.activity_coef, ctx.n_chunks, buf.scratch, buf.partial_activity,
            upper_buf.partial_coef.reshape(ctx.n_chunks, upper.n_out, upper.n_in),
            upper_buf.partial_intercept, upper_buf.coef_grad, upper_buf.intercept_grad,
            buf.out, upper_buf.out, upper_buf.delta)

    def gram_with(self, upper, loss):
        """Whether this hidden layer and the output layer ``upper`` can run as the
        Gram head (``gram_head``) of a network whose targets are its input: an
        identity output layer as wide as this layer's input, under the squared
        error. ``Objective`` decides whether they do (``gram_head_applies``)."""
        return (isinstance(upper, DenseLayer) and upper.activation == "identity"
                and getattr(loss, "name", None) == "squared_error"
                and upper.n_out == self.n_in)

    def gram_head(self, ctx, below, buf, upper, upper_buf):
        """This layer (the first: it reads the data ``X``), the output layer
        ``upper`` under the squared error against ``X`` itself, its gradient and
        this layer's delta, through the Gram identity; returns ``(data loss,
        activity)`` as ``fused_head``.

        With ``H`` this layer's outputs, ``W``, ``b`` the output layer's weights,
        ``S = diag(s)``, ``G = H^T S H`` and ``M = W W^T`` (k x k)::

            sum_i s_i ||h_i W + b - x_i||^2 = <G, M> + 2 (W b) . (H^T s)
                + ||b||^2 sum(s) - 2 <S H, X W^T> - 2 b . (X^T s) + sum_i s_i ||x_i||^2
            delta_W = scale (G W + (H^T s) b^T - (S H)^T X)
            delta_b = scale (W^T H^T s + sum(s) b - X^T s)
            upstream of this layer = scale S (H M + 1 (W b)^T - X W^T)

        the last then through ``sigmoid_backprop`` (``gain * f'`` and the activity
        term, as the fused kernel) with the identity as weights (exact). Nothing of
        shape (n_samples, n_out) is formed and a CSR ``X`` is never densified: the
        products cost ``2 k^2 d`` (``G W`` and ``M``) and ``nnz(X) k`` twice
        (``X W^T``, ``(S H)^T X`` with the first layer's ``FirstLayerGradient``),
        against ``2 n k d`` for the residual's products.

        Precision: the loss and the gradients are differences of terms much larger
        than themselves where the reconstruction is good (the loss of terms of the
        order of ``sum_i s_i ||x_i||^2``), so everything that cancels in the loss
        and the decoder's gradient is computed in float64 whatever the fit's dtype:
        ``G``, ``M``, ``G W``, ``H M``, ``X^T s``, ``(S H)^T X`` (in a float32 fit
        from a float64 copy of a CSR input's values, or a dense input's rows cast
        up a block at a time) and the scalar pieces, with ``W`` and ``H`` cast up
        (two float64 buffers of W's size in a float32 fit); only ``X W^T``, which
        reaches the encoder's delta alone, is in the fit's dtype. With ``(S H)^T X``
        in float32 the float32 loss of an exact reconstruction came out at -1e-8 of
        ``sum_i ||x_i||^2 / n`` (the direct path: +3e-15) and L-BFGS-B stopped on
        it; with ``X^T s`` of a dense input in float32, the loss of data of mean
        100 reconstructed up to its spread 0.05 was 0.8 of itself off. With the
        ``k^2 d`` products in float32, a float32 gradient on Reuters tf-idf
        (k = 196, 200 rows) was 2.6e-6 (decoder) and 6.6e-7 (encoder) off the
        float64 one, 6 and 14 times the direct path's 4.5e-7 and 4.7e-8. In a
        float64 fit it equals the direct path to ~1e-14 relative
        (``tests/test_gram_objective.py``).
        """
        activity = self.forward(ctx, below, buf)
        H, g, targets = buf.out, buf.gram, ctx.targets
        s, scale = ctx.sample_weight, ctx.scale
        W, b = upper_buf.coef, upper_buf.intercept
        f64 = np.float64
        # The products that the differences below cancel are in float64 whatever
        # the fit's dtype (W64: W itself in a float64 fit).
        W64 = W if W.dtype == f64 else g.coef64
        if W64 is not W:
            W64[...] = W
        b64 = b.astype(f64)
        # S H, G = H^T S H, M = W W^T, H^T s, W b (S H in float64: in a float64
        # fit it is also what the products of (S H)^T X read, in the fit's dtype).
        H64 = H.astype(f64, copy=False)
        weighted64 = np.multiply(H64, s[:, None], out=g.weighted)
        G = weighted64.T @ H64
        M = W64 @ W64.T
        h_sum = weighted64.sum(axis=0)
        wb = W64 @ b64
        # X W^T (n x k), in the fit's dtype.
        if g.coef_t is not None:
            transpose_into(ctx.kernels, ctx.n_chunks, W, g.coef_t)
            xw = targets.matrix @ g.coef_t
        else:
            xw = targets.matrix @ W.T
        xw = xw.astype(f64, copy=False)
        # (S H)^T X (k x d), the decoder gradient's cross term; and the loss's,
        # sum_i s_i h_i . (x_i W^T) = <(S H)^T X, W>, of the order of sum_i s_i
        # ||x_i||^2, of which the loss is a small difference: in float64 whatever
        # the fit's dtype (in float32 the loss of a good reconstruction was off by
        # ~1e-7 sum_i s_i ||x_i||^2, and came out negative).
        if W.dtype != f64:
            cross = targets.cross64(weighted64)
        elif g.coef_t is not None:
            # (S H)^T X as X^T (S H) (d x k) with the first layer's product.
            ctx.first_layer.compute(weighted64, g.partial, g.cross, g.cross_colsum)
            cross = g.cross.T
        else:
            np.matmul(weighted64.T, targets.matrix, out=g.cross)
            cross = g.cross
        if not cross.flags.c_contiguous and g.cross_c is not None:
            # The same values in C order, by the tiled copy. Read as they came
            # (transposed), ``vdot`` below copied them to C order at every step
            # and ``grad64 -= cross`` walked them with a stride of k values: those
            # two took 30% of an Adam step at k = 64 on Reuters tf-idf.
            cross = transpose_into(ctx.kernels, ctx.n_chunks, cross.T, g.cross_c)
        data_loss = 0.5 * (
            float(np.vdot(G, M)) + 2.0 * float(wb @ h_sum)
            + float(b64 @ b64) * targets.weight_total
            - 2.0 * float(np.vdot(cross, W64))
            - 2.0 * float(b64 @ targets.weighted_sum)
            + targets.weighted_sq)
        # The upstream gradient of this layer, scale S (H M + 1 (W b)^T - X W^T).
        upstream = H64 @ M
        upstream += wb
        upstream -= xw
        upstream *= (scale * s)[:, None]
        g.upstream[...] = upstream
        coef_grad = upper_buf.coef_grad
        grad64 = coef_grad if coef_grad.dtype == f64 else g.grad64
        np.matmul(G, W64, out=grad64)
        grad64 -= cross
        # (H^T s) b^T, a rank-one update in place (grad64.T is Fortran-ordered).
        updated = _DGER(1.0, b64, h_sum, a=grad64.T, overwrite_a=True)
        if not np.shares_memory(updated, grad64):  # BLAS worked on a copy
            grad64[...] = updated.T
        grad64 *= scale
        if grad64 is not coef_grad:
            coef_grad[...] = grad64
        icpt = W64.T @ h_sum
        icpt += targets.weight_total * b64
        icpt -= targets.weighted_sum
        upper_buf.intercept_grad[...] = scale * icpt
        # This layer's delta (over its outputs) through gain * f' and the activity.
        ctx.kernels.sigmoid_backprop(g.upstream, g.identity, H, ctx.gain, self.code,
                                     ctx.activity_coef, s, ctx.n_chunks, buf.scratch,
                                     buf.delta)
        return data_loss, activity

    def output(self, ctx, below, buf):
        """Logits, ``delta = dloss/dlogits`` and the data loss ``sum_i s_i loss_i``."""
        inputs, coef = self._product_input(ctx, below, buf)
        if isinstance(inputs, tuple):
            # scipy's product, of the weights' own columns (not the padding).
            inputs, coef = ctx.data.tocsr(), coef[:, :self.n_out]
        return _output_loss(ctx, inputs, coef, buf.intercept, buf.out, buf.delta)

    def weight_grad(self, ctx, below, buf):
        if below is None:
            ctx.first_layer.compute(buf.delta, buf.partial_intercept, buf.coef_grad,
                                    buf.intercept_grad)
        else:
            ctx.kernels.gram_colsum(below.out, buf.delta, ctx.n_chunks,
                                    buf.partial_coef, buf.partial_intercept,
                                    buf.coef_grad, buf.intercept_grad)

    def backprop(self, ctx, buf, lower, lower_buf):
        """``delta`` of the hidden layer ``lower`` (written over its activations)."""
        if not isinstance(lower, DenseLayer):
            raise NotImplementedError("a dense layer backpropagates into dense layers")
        ctx.kernels.sigmoid_backprop(buf.delta, buf.coef, lower_buf.out, ctx.gain,
                                     lower.code, ctx.activity_coef, ctx.sample_weight,
                                     ctx.n_chunks, lower_buf.scratch, lower_buf.delta)

    def pack_grad(self, ctx, blocks, grad_blocks, buf, scale, l2):
        """Chain rule to ``theta``: ``dL/dw_pos = g``, ``dL/dw_neg = -g`` for a split
        layer (nothing to copy where the kernels wrote into ``grad`` itself, see
        ``bind_grad``); returns ``(L2 penalty, 0.0)``."""
        penalty = 0.0
        # Where the weight gradient goes in ``grad`` (itself where the kernels wrote
        # into ``grad``).
        target = (buf.coef_grad if buf.writes_grad
                  else grad_blocks["coef_pos" if self.split else "coef"])
        if l2 > 0:
            # The weights as the kernels read them (the padded copy's first columns).
            # The penalty's gradient added and the sum copied in one pass (the
            # same values as the copy below).
            weights = buf.coef if buf.csr_coef is None else buf.csr_coef
            penalty = ctx.kernels.l2_penalty_grad_to(weights, l2, buf.coef_grad,
                                                     target)
        elif not buf.writes_grad:
            target[...] = buf.coef_grad
        if buf.writes_grad:
            return penalty, 0.0
        if self.split:
            np.negative(buf.coef_grad, out=grad_blocks["coef_neg"], casting="unsafe")
        grad_blocks["intercept"][...] = buf.intercept_grad
        return penalty, 0.0

    def column_l2_grad(self, blocks, grad_blocks, row_l2, scratch=None):
        """``sum_j row_l2[j] ||W[j]||^2`` over the rows (inputs) of the weights in
        ``blocks`` (float64, ``theta``'s), its gradient added to ``grad_blocks``;
        returns the penalty. A split layer's weight is ``w_pos - w_neg``.
        ``scratch``: a float64 array of the weights' shape that takes the one
        temporary (none is allocated then: on a wide input the weights are large)."""
        row_l2 = np.asarray(row_l2, dtype=np.float64)
        coef = self.coef(blocks, out=scratch)
        # Per row ||W[j]||^2 first: the gradient below may overwrite coef (scratch).
        penalty = float(row_l2 @ np.einsum("ij,ij->i", coef, coef))
        grad = np.multiply(coef, (2.0 * row_l2)[:, None], out=scratch)
        self.add_coef_grad(grad_blocks, grad)
        return penalty

    # ------------------------------------------------------------- prediction
    def predict(self, ctx, inputs, coef, intercept):
        """Outputs for prediction (allocating): ``(public hidden output, next
        inputs)``; ``inputs`` a prepared input or the previous output array. An
        ``"identity"`` layer that is the last of the layers evaluated (``ctx.last``)
        is the output layer, ``x W + b``; a hidden one computes ``gain (x W + b)``.
        With ``ctx.fixed_order``, the fixed-order kernels compute them (a row's
        outputs depend on that row only; ``sknonneg._kernels.fixed``)."""
        dtype = ctx.dtype
        coef = kernel_array(coef, dtype)
        intercept = kernel_array(intercept, dtype)
        # A CSR input is read as its three arrays; only the output layer's NumPy
        # product takes a scipy matrix (``tocsr`` copies the indices to int32).
        if isinstance(inputs, CSRInput):
            arrays = _csr_arrays(inputs)
        else:
            # The data or the layer below's output, read-only as the data is
            # (``data.read_only_view``: one compiled kernel for both).
            inputs = read_only_view(getattr(inputs, "array", inputs))
            arrays = None
        output_layer = ctx.last and self.activation == "identity"
        if ctx.fixed_order:
            # A monotone network's prediction: sums in a fixed order, whatever the
            # row's place in the batch (``sknonneg._kernels.fixed``).
            out = np.empty((inputs.shape[0], self.n_out), dtype=dtype)
            if arrays is not None:
                ctx.kernels.csr_fixed_order_product(*arrays, coef, ctx.n_chunks, out)
            else:
                ctx.kernels.fixed_order_product(inputs, coef, ctx.n_chunks, out)
            ctx.kernels.fixed_order_finish(intercept, ctx.gain, self.code,
                                           not output_layer, ctx.n_chunks, out)
            return out, out
        if output_layer:
            out = (inputs.tocsr() if arrays is not None else inputs) @ coef
            out += intercept
            return out, out
        out = np.empty((inputs.shape[0], self.n_out), dtype=dtype)
        partial = np.empty((ctx.n_chunks, self.n_out))
        ones = read_only_view(np.ones(inputs.shape[0]))  # as a fit's weights are
        if arrays is not None:
            ctx.kernels.csr_linear_sigmoid_forward(*arrays, coef, intercept, ctx.gain,
                                                   self.code, ones, ctx.n_chunks,
                                                   partial, out)
        else:
            ctx.kernels.linear_sigmoid_forward(inputs, coef, intercept, ctx.gain,
                                               self.code, ones, ctx.n_chunks, partial,
                                               out)
        return out, out


def _output_loss(ctx, inputs, coef, intercept, logits_out, delta_out):
    """The output layer with its loss: the fused kernel for a loss with a code, the
    loss's ``value_grad`` otherwise (the generic path)."""
    if ctx.loss.code is not None and not hasattr(inputs, "tocsr"):
        # The data, a dense layer's outputs or an ABBA layer's, read-only as the
        # data is (``data.read_only_view``: one compiled kernel for all).
        return ctx.kernels.linear_loss_grad(
            read_only_view(inputs), coef, intercept, ctx.y, ctx.loss.code,
            ctx.sample_weight, ctx.scale, ctx.n_chunks, logits_out, delta_out)
    logits = np.asarray(inputs @ coef, dtype=np.float64) + intercept
    logits_out[...] = logits
    values, grad = ctx.loss.value_grad(logits, ctx.y)
    delta_out[...] = ctx.scale * ctx.sample_weight[:, None] * grad
    return float(ctx.sample_weight @ values)


# ---------------------------------------------------------------------- ABBA
# An ABBA layer's activation, by name: its kernel code (the names and the
# activations: ``sknonneg._activations.ABBA``).
ABBA_ACTIVATIONS = {name: act.code for name, act in _activations.ABBA.items()}


def _abba_activation(activation, slope, cap):
    """``(R, R')`` of the ABBA activation named ``activation``, with the capped
    leaky ReLU's ``slope`` and ``cap``."""
    if activation not in _activations.ABBA:
        raise ValueError(f"unknown activation {activation!r}")
    return _activations.ABBA[activation].bind(slope=slope, cap=cap)


def activation_function(activation, slope=0.0, cap=1.0):
    """The ABBA activation ``R`` named ``activation``, element-wise in float64 (the
    estimator's initialisation uses it; the kernels compute their own).

    ``"tanh"``; ``"identity"``; ``"capped_leaky_relu"``, eq. (20) of Vasilescu et al.
    (2024): ``t`` for ``|t| <= cap``, else ``sign(t) (cap + slope (|t| - cap))``.
    """
    function = _abba_activation(activation, slope, cap)[0]
    return lambda t: function(np.asarray(t, dtype=np.float64))


def activation_slope_from_output(activation, slope=0.0, cap=1.0):
    """``R'(t)`` written with ``y = R(t)``, element-wise in float64, for the
    activation named ``activation`` (see ``activation_function``)."""
    derivative = _abba_activation(activation, slope, cap)[1]
    return lambda y: derivative(np.asarray(y, dtype=np.float64))


class ABBALayer:
    """An ABBA layer ``[x, z] -> R([x, z] [[A, B], [B, A]] + [b_u, b_v])``.

    Parameters
    ----------
    n_in, n_out : int
        Half-widths: blocks ``A``, ``B`` of shape ``(n_in, n_out)``, ``2 n_out``
        units.
    activation : {"tanh", "capped_leaky_relu", "identity"}
        ``R`` of a hidden layer; the last layer of a network is linear (its logits
        are ``(u - v) / 2``).
    role : {"first", "inner", "last"}
        Its place: the first layer meets the doubled input ``[x, -x]``, the last
        one feeds the halving map; both read only ``A - B``.
    slope, cap : float
        Parameters of the capped leaky ReLU (eq. 20: ``alpha``, ``beta``).
    l1 : float, default=0.0
        Exact L1 on ``A`` and ``B`` (linear: they are non-negative).
    free : bool, default=False
        Store ``W = A - B``, unbounded (first or last layer without L1 only).
    """

    def __init__(self, n_in, n_out, activation, role, *, slope=0.0, cap=1.0, l1=0.0,
                 free=False):
        self.n_in, self.n_out = int(n_in), int(n_out)
        if activation not in ABBA_ACTIVATIONS:
            raise ValueError(f"activation must be one of {sorted(ABBA_ACTIVATIONS)}, "
                             f"got {activation!r}")
        self.activation = activation
        self.code = ABBA_ACTIVATIONS[activation]
        self.role = {"first": FIRST, "inner": INNER, "last": LAST}[role]
        self.slope, self.cap, self.l1 = float(slope), float(cap), float(l1)
        self.free = bool(free)
        if self.free and (self.role == INNER or self.l1 != 0.0):
            raise ValueError("an ABBA layer can be free only as the first or the last "
                             "layer, without L1 penalty: only those read A - B alone")

    @property
    def shape(self):
        return (self.n_in, self.n_out)

    def work_per_row(self):
        # The ABBA network doubles every layer: its real width.
        return 4 * self.n_in * self.n_out

    # ------------------------------------------------------------ parameters
    def blocks(self):
        if self.free:
            coef = [Block("A", self.shape)]
        else:
            coef = [Block("A", self.shape, 0.0, np.inf, self.l1),
                    Block("B", self.shape, 0.0, np.inf, self.l1)]
        return [*coef, Block("b_u", (self.n_out,)), Block("b_v", (self.n_out,))]

    def views(self, blocks):
        """``(A, B, b_u, b_v)``: views of ``theta``; a free layer's ``(W, zeros, b_u,
        b_v)``, its ``B`` a new array on each call (what is written into it, such as
        a gradient, is dropped)."""
        block_b = np.zeros(self.shape) if self.free else blocks["B"]
        return blocks["A"], block_b, blocks["b_u"], blocks["b_v"]

    def coef(self, blocks, out=None):
        raise NotImplementedError(
            "an ABBA layer has no single weight matrix: a penalty reads its blocks A "
            "and B (views)")

    def add_coef_grad(self, grad_blocks, grad):
        raise NotImplementedError(
            "an ABBA layer has no single weight matrix: a penalty adds to the "
            "gradients of its blocks A and B")

    def pack(self, blocks, coef_a, coef_b, intercept_u, intercept_v):
        block_a = np.asarray(coef_a, dtype=np.float64)
        block_b = np.asarray(coef_b, dtype=np.float64)
        if self.free:
            blocks["A"][...] = block_a - block_b
        else:
            blocks["A"][...] = block_a
            blocks["B"][...] = block_b
        blocks["b_u"][...] = intercept_u
        blocks["b_v"][...] = intercept_v

    # ---------------------------------------------------------------- compute
    def buffers(self, n_samples, n_chunks, dtype, position, upper, data, pool=None):
        """Buffers for a batch of ``n_samples`` rows (``DenseLayer.buffers``)."""
        buf = _Buffers(pool, position)
        shape, n_out = self.shape, self.n_out
        # coef_sum = A + B (inner layers), coef_diff = A - B (halved for the output
        # layer, whose logits are d (A - B) / 2); intercepts likewise.
        buf.coef_sum = buf.alloc("coef_sum", shape, dtype)
        buf.coef_diff = buf.alloc("coef_diff", shape, dtype)
        buf.intercept_u = buf.alloc("intercept_u", (n_out,), dtype)
        buf.intercept_v = buf.alloc("intercept_v", (n_out,), dtype)
        buf.grad_sum = buf.alloc("grad_sum", shape, dtype)
        buf.grad_diff = buf.alloc("grad_diff", shape, dtype)
        # Column sums of dL/dP (row 0) and dL/dQ (row 1): the intercepts' gradients.
        buf.grad_icpt = buf.alloc("grad_icpt", (2, n_out), dtype)
        buf.partial_coef = (None if self.role == FIRST
                            else buf.alloc("partial_coef", (n_chunks, *shape), dtype))
        buf.partial_coef_diff = (buf.alloc("partial_coef_diff", (n_chunks, *shape),
                                           dtype)
                                 if self.role == INNER else None)
        buf.partial_icpt = buf.alloc("partial_icpt", (n_chunks, n_out), dtype)
        # A free layer's B: zeros to read, a scratch for its (dropped) gradient.
        buf.zeros = buf.alloc_zeros("zeros", shape) if self.free else None
        buf.dropped_grad = buf.alloc("dropped_grad", shape) if self.free else None
        if self.role == LAST:
            buf.logits = buf.alloc("logits", (n_samples, n_out), dtype)
            buf.delta_out = buf.alloc("delta_out", (n_samples, n_out), dtype)
            buf.delta_sums = buf.delta_diffs = buf.delta_out
        else:
            # Outputs (s, d) and deltas (dL/dP, dL/dQ) of a hidden layer.
            buf.partial_sums = buf.alloc("partial_sums", (n_chunks, 2, n_out), dtype)
            buf.sums = buf.alloc("sums", (n_samples, n_out), dtype)
            buf.diffs = buf.alloc("diffs", (n_samples, n_out), dtype)
            buf.delta_sums = buf.alloc("delta_sums", (n_samples, n_out), dtype)
            buf.delta_diffs = buf.alloc("delta_diffs", (n_samples, n_out), dtype)
        return buf

    def bind_grad(self, buf, grad_blocks):
        """ABBA layers compute their gradients in sum/difference coordinates, in
        their own buffers (``pack_grad`` maps them to ``theta``'s blocks)."""

    def _coef_blocks(self, blocks, buf, zeros):
        """``(A, B)`` of theta's (or the gradient's) blocks; a free layer's ``B`` is
        ``zeros`` from ``buf``."""
        return blocks["A"], getattr(buf, zeros) if self.free else blocks["B"]

    def load(self, blocks, buf, scale=1.0, kernels=None):
        a, b = self._coef_blocks(blocks, buf, "zeros")
        bu, bv = blocks["b_u"], blocks["b_v"]
        last = self.role == LAST
        # The first layer sees s = 0 and the logits read only d: no A + B there.
        # The objective's kernel set: its NumPy twin on the NumPy path, which
        # imports no numba.
        kernels = _kernels.kernels(False) if kernels is None else kernels
        kernels.abba_load_layer(a, b, 0.5 * scale if last else scale, self.role == INNER,
                                buf.coef_sum, buf.coef_diff)
        if last:
            # Logits: (u - v) / 2, whose intercept is (b_u - b_v) / 2.
            np.subtract(bu, bv, out=buf.intercept_u, casting="unsafe")
            buf.intercept_u *= 0.5
        else:
            buf.intercept_u[...] = bu
            buf.intercept_v[...] = bv

    def forward(self, ctx, below, buf):
        k, nc = ctx.kernels, ctx.n_chunks
        act, slope, cap = self.code, self.slope, self.cap
        if below is not None:
            k.abba_forward(below.sums, below.diffs, buf.coef_sum, buf.coef_diff,
                           buf.intercept_u, buf.intercept_v, act, slope, cap, nc,
                           buf.sums, buf.diffs)
        elif isinstance(ctx.data, CSRInput):
            k.csr_abba_input_forward(*_csr_arrays(ctx.data), buf.coef_diff,
                                     buf.intercept_u, buf.intercept_v, act, slope, cap,
                                     nc, buf.sums, buf.diffs)
        else:
            k.abba_input_forward(ctx.data.array, buf.coef_diff, buf.intercept_u,
                                 buf.intercept_v, act, slope, cap, nc, buf.sums,
                                 buf.diffs)
        return 0.0

    def fuses_with(self, upper, loss):
        return False

    def output(self, ctx, below, buf):
        # Logits = d C + c0 with C = (A - B) / 2, c0 = (b_u - b_v) / 2.
        return _output_loss(ctx, below.diffs, buf.coef_diff, buf.intercept_u,
                            buf.logits, buf.delta_out)

    def weight_grad(self, ctx, below, buf):
        k, nc = ctx.kernels, ctx.n_chunks
        if self.role == LAST:
            k.gram_colsum(below.diffs, buf.delta_out, nc, buf.partial_coef,
                          buf.partial_icpt, buf.grad_diff, buf.grad_icpt[1])
        elif self.role == INNER:
            k.abba_gram(below.sums, below.diffs, buf.delta_sums, buf.delta_diffs, nc,
                        buf.partial_coef, buf.partial_coef_diff, buf.grad_sum,
                        buf.grad_diff)
        else:
            # First layer: d = 2x and s = 0, so only x^T dL/dQ (its column sums,
            # written again here, are those abba_backprop already gave).
            ctx.first_layer.compute(buf.delta_diffs, buf.partial_icpt, buf.grad_diff,
                                    buf.grad_icpt[1])

    def backprop(self, ctx, buf, lower, lower_buf):
        ctx.kernels.abba_backprop(
            buf.delta_sums, buf.coef_sum, buf.delta_diffs, buf.coef_diff,
            lower_buf.sums, lower_buf.diffs, lower.code, lower.slope, lower.cap,
            self.role != LAST, ctx.n_chunks, lower_buf.partial_sums,
            lower_buf.delta_sums, lower_buf.delta_diffs, lower_buf.grad_icpt)

    def pack_grad(self, ctx, blocks, grad_blocks, buf, scale, l2):
        """Chain rule from the products' gradients to ``theta`` (float64); returns
        ``(L2 penalty, <G_A, A> + <G_B, B>)``, the second for the chain rule
        through the reparametrisation scale."""
        a, b = self._coef_blocks(blocks, buf, "zeros")
        g_a, g_b = self._coef_blocks(grad_blocks, buf, "dropped_grad")
        g_bu, g_bv = grad_blocks["b_u"], grad_blocks["b_v"]
        penalty, inner = ctx.kernels.abba_coef_grad(
            buf.grad_sum, buf.grad_diff, a, b, self.role, scale, l2, g_a, g_b)
        icpt_sum, icpt_diff = buf.grad_icpt
        if self.role == LAST:
            g_bu[...] = 0.5 * icpt_diff
            np.negative(g_bu, out=g_bv)
        else:
            # u = (P + Q) / 2 + b_u, v = (P - Q) / 2 + b_v, and the kernels' deltas
            # are dL/dP = (du + dv) / 2, dL/dQ = (du - dv) / 2.
            np.add(icpt_sum, icpt_diff, out=g_bu, casting="unsafe")
            np.subtract(icpt_sum, icpt_diff, out=g_bv, casting="unsafe")
        return penalty, inner

    # ------------------------------------------------------------- prediction
    def predict(self, ctx, inputs, coef_a, coef_b, intercept_u, intercept_v):
        """``(public output, next inputs)``: a hidden layer's ``(x, z)`` pair (None
        unless ``ctx.public``: two more arrays of its outputs' size) and its
        ``(s, d)``; the last layer's logits ``d (A - B) / 2 + (b_u - b_v) / 2``."""
        k, nc, dtype = ctx.kernels, ctx.n_chunks, ctx.dtype

        def arr(value):
            return kernel_array(value, dtype)

        if self.role == LAST:
            logits = inputs[1] @ arr((coef_a - coef_b) / 2)
            logits += arr((intercept_u - intercept_v) / 2)
            return logits, logits
        n_samples = inputs.shape[0] if self.role == FIRST else inputs[0].shape[0]
        s_out = np.empty((n_samples, self.n_out), dtype=dtype)
        d_out = np.empty_like(s_out)
        act, slope, cap = self.code, self.slope, self.cap
        if self.role == FIRST and isinstance(inputs, CSRInput):
            k.csr_abba_input_forward(*_csr_arrays(inputs), arr(coef_a - coef_b),
                                     arr(intercept_u), arr(intercept_v), act, slope, cap,
                                     nc, s_out, d_out)
        elif self.role == FIRST:
            k.abba_input_forward(inputs.array, arr(coef_a - coef_b), arr(intercept_u),
                                 arr(intercept_v), act, slope, cap, nc, s_out, d_out)
        else:
            k.abba_forward(inputs[0], inputs[1], arr(coef_a + coef_b),
                           arr(coef_a - coef_b), arr(intercept_u), arr(intercept_v), act,
                           slope, cap, nc, s_out, d_out)
        if not ctx.public:
            return None, (s_out, d_out)
        # (s + d) / 2 and (s - d) / 2, each rounded twice as before, with no
        # temporary of their size.
        x_out = np.add(s_out, d_out)
        x_out /= 2
        z_out = np.subtract(s_out, d_out)
        z_out /= 2
        return (x_out, z_out), (s_out, d_out)
