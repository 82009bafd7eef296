"""Numba kernels of the forward and backward passes: products fused with their maps.

Why fused, and why one thread pool. A fit alternates dense products and element-wise
maps (sigmoid, softmax, their derivatives). Running the products in NumPy's threaded
BLAS and the maps in numba's threads puts two pools of spinning workers on the same
cores; on 2 cores that made one evaluation 5-40x slower (measured). So every kernel
here splits the rows of its batch into ``n_chunks`` blocks, one per numba thread, and
each thread does everything for its block: a single-threaded BLAS product on the
block (``np.dot`` inside numba calls SciPy's BLAS, held at one thread during a fit by
``sknonneg._threads``) followed by the element-wise map while the block is still in
cache. Weight gradients ``inputs.T @ delta`` are summed over blocks: each thread
writes its own partial product, then a parallel loop adds them up.

Conventions: pure functions, arrays in, results written into ``*_out`` buffers,
scalars returned; nothing allocates (row slices are views). Every kernel is compiled
twice from one Python function: ``<name>`` (``parallel=True``) and
``<name>_serial``; the serial flavour (called with ``n_chunks=1``) is used from
threads other than the main one, where numba's workqueue layer is not safe. Both
flavours are cached on disk (see ``_renamed``). ``sknonneg._reference`` holds a
plain NumPy twin of every kernel; the tests keep them equal in float32 and float64.

Every kernel is compiled with ``fastmath={"contract"}`` and nothing else: a multiply
followed by an add may become one fused multiply-add (one rounding instead of two;
the sparse products ran 20-30% faster), while the order of operations, NaN and
infinity semantics stay as written.

Values below ``FLUSH`` are written as exact zeros. Left alone, saturated sigmoids and
confident softmax outputs produce subnormal numbers, with which BLAS products and
``exp`` run 10-50x slower (measured). 1e-30 is far below anything that changes a loss
or a gradient, and keeps float32 products of flushed values out of the subnormal
range too.
"""

import math
import os
import types as types_module

# numba's OpenMP threads busy-wait between parallel regions by default. On a machine
# with other work on its cores that wait steals the cores from the threads being
# waited for: one evaluation on 5k MNIST took 296 ms instead of 192 ms with passive
# waiting (load 6 on 2 cores), and up to 40x longer in worse cases. Passive waiting
# costs a few microseconds per region on an idle machine. libgomp reads the variable
# when numba first loads it (on the first parallel launch); a value set by the user
# is kept.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np  # noqa: E402
from numba import njit, prange, types  # noqa: E402
from numba.extending import intrinsic, overload  # noqa: E402
from numba.np.numpy_support import as_dtype  # noqa: E402

__all__ = [
    "FLUSH",
    "KERNELS",
    "linear_sigmoid_forward",
    "csr_linear_sigmoid_forward",
    "linear_nll_grad",
    "sigmoid_backprop",
    "linear_sigmoid_nll_backprop",
    "gram_colsum",
    "transposed_gram_colsum",
    "csr_gram_colsum",
    "count_block_columns",
    "csr_to_blocked_csc",
    "blocked_csc_gram_colsum",
    "l2_penalty_grad",
    "projected_adam_step",
    "count_row_nonzeros",
    "dense_to_csr",
    "transpose",
]

FLUSH = 1e-30
_LOG_FLUSH = math.log(FLUSH)


def _as_type_of(like, value):
    """``value`` converted to the floating type of ``like`` (an array or a scalar).

    Literals and Python floats are float64 in numba, and one float64 operand turns a
    float32 expression into float64 arithmetic (a double-precision ``exp`` is twice
    as slow). The kernels convert their constants and scalar arguments with this.
    """


@overload(_as_type_of, inline="always")
def _as_type_of_overload(like, value):
    scalar_type = like.dtype if isinstance(like, types.Array) else like
    convert = as_dtype(scalar_type).type

    def impl(like, value):
        return convert(value)

    return impl


@njit(inline="always", cache=True)
def _flush(value):
    return value if abs(value) >= _as_type_of(value, FLUSH) else _as_type_of(value, 0.0)


@intrinsic
def _bits_as_float(typingctx, bits):
    """The float whose bit pattern is the integer ``bits`` (int64 -> float64,
    int32 -> float32)."""
    if bits == types.int64:
        signature = types.float64(types.int64)
    elif bits == types.int32:
        signature = types.float32(types.int32)
    else:
        return None

    def codegen(context, builder, sig, args):
        return builder.bitcast(args[0], context.get_value_type(sig.return_type))

    return signature, codegen


def _exp(x):
    """``exp(x)`` in the floating type of ``x``, written so that loops vectorize.

    numba calls the C library's scalar ``exp`` (no vector math library is available
    to it without Intel's SVML), which keeps every loop around it scalar: the
    sigmoid of 60k x 150 activations took 38 ms in float64, 18 ms in float32; with
    this, 11 ms and 8 ms (2 cores). Cody-Waite reduction ``x = k ln2 + r``,
    ``|r| <= ln2 / 2``, a Taylor polynomial for ``exp(r)`` (degree 13 in float64, 7 in
    float32: truncation below one ulp), and ``2**k`` built from its bit pattern.
    Measured error: at most 1 ulp (float64), 0.5 ulp (float32). ``x`` is clamped to
    the range with a normal result, so nothing overflows; NaN stays NaN.
    """


@overload(_exp, inline="always")
def _exp_overload(x):
    if x == types.float64:
        def impl(x):
            x = min(max(x, -708.0), 709.0)
            k = math.floor(x * 1.4426950408889634 + 0.5)
            # ln2 split in two: k * hi is exact for |k| < 2**20.
            r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
            p = 1.0 / 6227020800.0
            p = p * r + 1.0 / 479001600.0
            p = p * r + 1.0 / 39916800.0
            p = p * r + 1.0 / 3628800.0
            p = p * r + 1.0 / 362880.0
            p = p * r + 1.0 / 40320.0
            p = p * r + 1.0 / 5040.0
            p = p * r + 1.0 / 720.0
            p = p * r + 1.0 / 120.0
            p = p * r + 1.0 / 24.0
            p = p * r + 1.0 / 6.0
            p = p * r + 0.5
            p = p * r + 1.0
            p = p * r + 1.0
            return p * _bits_as_float((np.int64(k) + 1023) << 52)
        return impl
    if x == types.float32:
        def impl(x):
            x = min(max(x, np.float32(-87.0)), np.float32(88.0))
            k = math.floor(x * np.float32(1.44269504) + np.float32(0.5))
            r = ((x - k * np.float32(0.693359375))
                 - k * np.float32(-2.12194440e-4))
            p = np.float32(1.0 / 5040.0)
            p = p * r + np.float32(1.0 / 720.0)
            p = p * r + np.float32(1.0 / 120.0)
            p = p * r + np.float32(1.0 / 24.0)
            p = p * r + np.float32(1.0 / 6.0)
            p = p * r + np.float32(0.5)
            p = p * r + np.float32(1.0)
            p = p * r + np.float32(1.0)
            return p * _bits_as_float(np.int32((np.int32(k) + np.int32(127))
                                               << np.int32(23)))
        return impl


@njit(inline="always", cache=True)
def _sigmoid(t):
    """Sigmoid in the floating type of ``t``, without overflow or subnormals.

    Clamping to +-(log(1/FLUSH) + 1) keeps ``exp`` far from overflow (beyond it the
    result is flushed to 0, or is 1: 1 / (1 + 1e-30) is 1.0). Written without
    branches on purpose: a data-dependent branch per element mispredicted often
    enough to make the map 2-3x slower (measured on random pre-activations), and
    keeps the loops around it vectorizable.
    """
    bound = _as_type_of(t, 1.0 - _LOG_FLUSH)
    one = _as_type_of(t, 1.0)
    t = min(max(t, -bound), bound)
    return _flush(one / (one + _exp(-t)))


@njit(inline="always", cache=True)
def _sigmoid_rows(start, stop, intercept, gain, sample_weight, activity_out,
                  activation_out):
    """Rows ``start:stop`` of ``activation_out`` (holding ``inputs @ coef``) become
    ``sigmoid(gain * (. + intercept))``; ``sum_i sample_weight[i] * a_ij`` is added
    to ``activity_out[j]`` (float64, one per unit).

    The total is kept per unit, not per row: a running sum over a row is a
    floating-point reduction, which keeps the loop scalar (70 ms instead of 13 ms for
    the sigmoid of 60k x 150 values).
    """
    n_units = activation_out.shape[1]
    for i in range(start, stop):
        w = sample_weight[i]
        for j in range(n_units):
            a = _sigmoid(gain * (activation_out[i, j] + intercept[j]))
            activation_out[i, j] = a
            activity_out[j] += w * a


@njit(inline="always", cache=True)
def _chunk(n_rows, n_chunks, c):
    step = (n_rows + n_chunks - 1) // n_chunks
    start = min(n_rows, c * step)
    return start, min(n_rows, start + step)


@njit(inline="always", cache=True)
def _column_sums(delta, start, stop, sums_out):
    """sums_out[j] = sum of delta[start:stop, j]."""
    for j in range(delta.shape[1]):
        sums_out[j] = 0.0
    for i in range(start, stop):
        for j in range(delta.shape[1]):
            sums_out[j] += delta[i, j]


@njit(inline="always", cache=True)
def _sum_chunks(partial, out):
    """out[j] = sum over chunks c of partial[c, j]."""
    for j in range(out.shape[0]):
        s = 0.0
        for c in range(partial.shape[0]):
            s += partial[c, j]
        out[j] = s


def _linear_sigmoid_forward(inputs, coef, intercept, gain, sample_weight, n_chunks,
                            partial_activity, activation_out):
    """activation_out = sigmoid(gain * (inputs @ coef + intercept)).

    Returns ``sum_i sample_weight[i] * sum_j activation_out[i, j]``, the weighted
    total activation that the sparsity penalty needs, at no second pass;
    ``partial_activity`` (float64, shape (n_chunks, n_units)) holds its per-chunk,
    per-unit parts.
    """
    n_samples, n_units = activation_out.shape
    gain = _as_type_of(activation_out, gain)
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        if start < stop:
            np.dot(inputs[start:stop], coef, activation_out[start:stop])
        partial_activity[c, :] = 0.0
        _sigmoid_rows(start, stop, intercept, gain, sample_weight, partial_activity[c],
                      activation_out)
    return partial_activity.sum()


@njit(inline="always", cache=True)
def _add_scaled_rows(values, rows, start, stop, source, target, target_row):
    """``target[target_row] += sum_p values[p] * source[rows[p]]`` over ``p`` in
    ``start:stop``: a sparse row (or column) times a dense matrix.

    Eight values are added in one pass over the target row, so it is loaded and
    stored once per eight values, not once per value (1.4x faster in float64, 1.8x
    in float32 on MNIST's forward product); the rest one by one.
    """
    n_units = target.shape[1]
    p = start
    while p + 8 <= stop:
        v0, v1, v2, v3 = values[p], values[p + 1], values[p + 2], values[p + 3]
        v4, v5, v6, v7 = values[p + 4], values[p + 5], values[p + 6], values[p + 7]
        r0, r1, r2, r3 = rows[p], rows[p + 1], rows[p + 2], rows[p + 3]
        r4, r5, r6, r7 = rows[p + 4], rows[p + 5], rows[p + 6], rows[p + 7]
        for j in range(n_units):
            target[target_row, j] += (
                ((v0 * source[r0, j] + v1 * source[r1, j])
                 + (v2 * source[r2, j] + v3 * source[r3, j]))
                + ((v4 * source[r4, j] + v5 * source[r5, j])
                   + (v6 * source[r6, j] + v7 * source[r7, j])))
        p += 8
    while p < stop:
        value, row = values[p], rows[p]
        for j in range(n_units):
            target[target_row, j] += value * source[row, j]
        p += 1


def _csr_linear_sigmoid_forward(data, indices, indptr, coef, intercept, gain,
                                sample_weight, n_chunks, partial_activity,
                                activation_out):
    """As ``linear_sigmoid_forward`` for CSR ``inputs`` given by its three arrays.

    Each stored value adds a row of ``coef`` to the output row (``_add_scaled_rows``).
    ``coef`` may have more columns than ``activation_out`` (rows padded to whole
    cache lines); the extra ones are never read.
    """
    n_samples, n_units = activation_out.shape
    gain = _as_type_of(activation_out, gain)
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        for i in range(start, stop):
            for j in range(n_units):
                activation_out[i, j] = 0.0
            _add_scaled_rows(data, indices, indptr[i], indptr[i + 1], coef,
                             activation_out, i)
        partial_activity[c, :] = 0.0
        _sigmoid_rows(start, stop, intercept, gain, sample_weight, partial_activity[c],
                      activation_out)
    return partial_activity.sum()


@njit(inline="always", cache=True)
def _softmax_nll_row(i, intercept, y, sample_weight, scale, logits_out, delta_out):
    """Row ``i`` of a softmax output whose ``logits_out[i]`` holds ``inputs[i] @
    coef``: adds the intercept, writes ``delta_out[i]``; returns ``sw_i nll_i``."""
    n_classes = logits_out.shape[1]
    log_flush = _as_type_of(logits_out, _LOG_FLUSH)
    zero = _as_type_of(logits_out, 0.0)
    zmax = _as_type_of(logits_out, -np.inf)
    for k in range(n_classes):
        v = logits_out[i, k] + intercept[k]
        logits_out[i, k] = v
        zmax = max(zmax, v)
    sum_exp = 0.0
    for k in range(n_classes):
        shifted = logits_out[i, k] - zmax
        # A select, not a branch around exp: see _sigmoid.
        e = _exp(max(shifted, log_flush))
        sum_exp += e if shifted > log_flush else 0.0
    log_sum = math.log(sum_exp)
    lse = zmax + log_sum
    # (logit - max) - log_sum, not logit - lse: in float32 lse itself is rounded to
    # the magnitude of the largest logit.
    log_sum_typed = _as_type_of(logits_out, log_sum)
    label = y[i]
    w = _as_type_of(logits_out, sample_weight[i] * scale)
    for k in range(n_classes):
        log_p = (logits_out[i, k] - zmax) - log_sum_typed
        p = _exp(max(log_p, log_flush))
        delta_out[i, k] = _flush(w * p) if log_p > log_flush else zero
    delta_out[i, label] -= w
    return sample_weight[i] * (lse - logits_out[i, label])


@njit(inline="always", cache=True)
def _logistic_nll_row(i, intercept, y, sample_weight, scale, logits_out, delta_out):
    """Row ``i`` of independent sigmoid outputs (``y`` a 0/1 indicator matrix),
    as ``_softmax_nll_row``."""
    row = 0.0
    w = sample_weight[i] * scale
    for k in range(logits_out.shape[1]):
        t = logits_out[i, k] + intercept[k]
        logits_out[i, k] = t
        target = y[i, k]
        row += max(t, 0.0) - target * t
        if -abs(t) > _LOG_FLUSH:
            row += math.log1p(math.exp(-abs(t)))
        delta_out[i, k] = _flush(_as_type_of(logits_out, w * (_sigmoid(t) - target)))
    return sample_weight[i] * row


def _nll_row(i, intercept, y, sample_weight, scale, logits_out, delta_out):
    """``_softmax_nll_row`` for class indices ``y`` (1-d), ``_logistic_nll_row`` for
    an indicator matrix (2-d): chosen when the kernel is compiled."""


@overload(_nll_row, inline="always")
def _nll_row_overload(i, intercept, y, sample_weight, scale, logits_out, delta_out):
    return _softmax_nll_row.py_func if y.ndim == 1 else _logistic_nll_row.py_func


def _linear_nll_grad(inputs, coef, intercept, y, sample_weight, scale, n_chunks,
                     logits_out, delta_out):
    """Output layer and its loss: ``logits = inputs @ coef + intercept``, written in
    ``logits_out``; ``delta_out = dLoss/dlogits``; returns ``sum_i sw_i nll_i``.

    Softmax with negative log-likelihood for class indices ``y`` (1-d): with the
    log-sum-exp taken after subtracting the max, ``nll = lse - logits[y]`` and
    ``delta = scale * sw_i * (softmax(logits) - onehot(y))``. Independent sigmoids
    with binary cross-entropy for a 0/1 indicator matrix ``y`` (2-d): per entry, with
    t the logit, ``nll = max(t, 0) + log1p(exp(-|t|)) - y t`` (never overflows),
    ``delta = scale * sw_i * (sigmoid(t) - y)``.
    """
    n_samples = logits_out.shape[0]
    total = 0.0
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        if start == stop:
            continue
        np.dot(inputs[start:stop], coef, logits_out[start:stop])
        chunk_total = 0.0
        for i in range(start, stop):
            chunk_total += _nll_row(i, intercept, y, sample_weight, scale, logits_out,
                                    delta_out)
        total += chunk_total
    return total


@njit(inline="always", cache=True)
def _sigmoid_backprop_rows(block_start, block_stop, upstream, activation, gain,
                           activity_coef, sample_weight, delta_out):
    """Rows ``block_start:block_stop`` of ``delta_out = (upstream + activity_coef *
    sw_i) * gain * a * (1 - a)``, ``upstream`` holding ``delta @ coef.T`` for the
    block; ``delta_out`` may be ``activation`` itself."""
    one = _as_type_of(delta_out, 1.0)
    for i in range(block_start, block_stop):
        extra = _as_type_of(delta_out, activity_coef * sample_weight[i])
        row = upstream[i - block_start]
        for j in range(delta_out.shape[1]):
            a = activation[i, j]
            delta_out[i, j] = _flush((row[j] + extra) * gain * a * (one - a))


def _sigmoid_backprop(delta, coef, activation, gain, activity_coef, sample_weight,
                      n_chunks, scratch, delta_out):
    """Backpropagation through a sigmoid layer into its pre-activations.

    delta_out = (delta @ coef.T + activity_coef * sw_i) * gain * a * (1 - a), where
    ``delta`` is dLoss/d(pre-activation) of the layer above, ``coef`` that layer's
    weights, ``a`` = ``activation`` this layer's output, and ``activity_coef * sw_i``
    the derivative of the normalised activation-sparsity penalty.

    ``delta_out`` may be ``activation`` itself: the backward pass needs a layer's
    activations no more once this has run, so the objective overwrites them (one
    buffer per hidden layer instead of two: 72 MB less at 60k x 150 in float64, and
    as many fewer page faults on the first evaluation). ``delta @ coef.T`` goes to
    ``scratch`` (shape (n_chunks, block_rows, n_units)) a block of rows at a time
    and is combined from there while the block is in cache; one pass over
    ``delta_out`` instead of three (60k x 150, float64: 11 -> 8 ms).
    """
    n_samples = delta_out.shape[0]
    block_rows = scratch.shape[1]
    coef_T = coef.T
    gain = _as_type_of(delta_out, gain)
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        for block_start in range(start, stop, block_rows):
            block_stop = min(stop, block_start + block_rows)
            upstream = scratch[c, :block_stop - block_start]
            np.dot(delta[block_start:block_stop], coef_T, upstream)
            _sigmoid_backprop_rows(block_start, block_stop, upstream, activation, gain,
                                   activity_coef, sample_weight, delta_out)


@njit(inline="always", cache=True)
def _sigmoid_output_backprop_block(block_start, block_stop, c, intercept, out_coef,
                                   out_intercept, y, sample_weight, scale, gain,
                                   activity_coef, scratch, activity_out, partial_out_coef,
                                   partial_out_intercept, hidden_out, logits_out,
                                   delta_out):
    """Rows ``block_start:block_stop`` of ``hidden_out`` (holding ``inputs @ coef``)
    through the rest of a one-hidden-layer pass, while they are in cache: the
    sigmoid (its weighted total added to ``activity_out``), the output layer and
    its loss (returns ``sum_i sw_i nll_i`` over the block), the output layer's
    weight gradient added to chunk ``c``'s partial sums (``partial_out_coef[c]``,
    stored transposed, as ``gram_colsum`` does), and the backpropagated delta
    written over the activations."""
    n_units = hidden_out.shape[1]
    n_outputs = logits_out.shape[1]
    n_rows = block_stop - block_start
    _sigmoid_rows(block_start, block_stop, intercept, gain, sample_weight, activity_out,
                  hidden_out)
    hidden = hidden_out[block_start:block_stop]
    np.dot(hidden, out_coef, logits_out[block_start:block_stop])
    block_loss = 0.0
    for i in range(block_start, block_stop):
        block_loss += _nll_row(i, out_intercept, y, sample_weight, scale, logits_out,
                               delta_out)
    delta = delta_out[block_start:block_stop]
    # The block's output-weight gradient goes through the scratch (at least
    # n_outputs rows, see backprop_scratch) before the scratch takes the upstream
    # gradient below.
    gram = scratch[c, :n_outputs]
    np.dot(delta.T, hidden, gram)
    partial = partial_out_coef[c].reshape((n_outputs, n_units))
    for k in range(n_outputs):
        for j in range(n_units):
            partial[k, j] += gram[k, j]
        for i in range(n_rows):
            partial_out_intercept[c, k] += delta[i, k]
    upstream = scratch[c, :n_rows]
    np.dot(delta, out_coef.T, upstream)
    _sigmoid_backprop_rows(block_start, block_stop, upstream, hidden_out, gain,
                           activity_coef, sample_weight, hidden_out)
    return block_loss


def _hidden_block_product(inputs, block_start, block_stop, coef, hidden_out):
    """``hidden_out[block] = inputs[block] @ coef`` for rows ``block_start:block_stop``:
    BLAS for a dense ``inputs``; for a CSR one, given as ``(data, indices, indptr)``,
    each stored value adds a row of ``coef`` (``_add_scaled_rows``), so ``coef`` may
    have padded rows. Chosen when the kernel is compiled."""


@overload(_hidden_block_product, inline="always")
def _hidden_block_product_overload(inputs, block_start, block_stop, coef, hidden_out):
    if isinstance(inputs, types.Array):
        def dense(inputs, block_start, block_stop, coef, hidden_out):
            np.dot(inputs[block_start:block_stop], coef,
                   hidden_out[block_start:block_stop])
        return dense

    def sparse(inputs, block_start, block_stop, coef, hidden_out):
        data, indices, indptr = inputs
        for i in range(block_start, block_stop):
            for j in range(hidden_out.shape[1]):
                hidden_out[i, j] = 0.0
            _add_scaled_rows(data, indices, indptr[i], indptr[i + 1], coef, hidden_out, i)
    return sparse


@njit(inline="always", cache=True)
def _sigmoid_nll_backprop_chunk(c, start, stop, inputs, coef, intercept, out_coef,
                                out_intercept, y, sample_weight, scale, gain,
                                activity_coef, scratch, partial_activity,
                                partial_out_coef, partial_out_intercept, hidden_out,
                                logits_out, delta_out):
    """Chunk ``c`` (rows ``start:stop``) of ``linear_sigmoid_nll_backprop``, block
    by block; returns its data loss."""
    partial_activity[c, :] = 0.0
    partial_out_coef[c, :, :] = 0.0
    partial_out_intercept[c, :] = 0.0
    chunk_loss = 0.0
    for block_start in range(start, stop, scratch.shape[1]):
        block_stop = min(stop, block_start + scratch.shape[1])
        _hidden_block_product(inputs, block_start, block_stop, coef, hidden_out)
        chunk_loss += _sigmoid_output_backprop_block(
            block_start, block_stop, c, intercept, out_coef, out_intercept, y,
            sample_weight, scale, gain, activity_coef, scratch, partial_activity[c],
            partial_out_coef, partial_out_intercept, hidden_out, logits_out, delta_out)
    return chunk_loss


def _linear_sigmoid_nll_backprop(inputs, coef, intercept, out_coef, out_intercept, y,
                                 sample_weight, scale, gain, activity_coef, n_chunks,
                                 scratch, partial_activity, partial_out_coef,
                                 partial_out_intercept, out_coef_grad_out,
                                 out_intercept_grad_out, hidden_out, logits_out,
                                 delta_out):
    """The last hidden layer, the output layer and their backward pass up to the
    hidden pre-activations, in one pass over blocks of rows.

    ``inputs``: a dense array, or a CSR matrix as the tuple ``(data, indices,
    indptr)`` (whose ``coef`` may have padded rows, as in
    ``csr_linear_sigmoid_forward``); the kernel is compiled for each.

    Computes what ``linear_sigmoid_forward``, ``linear_nll_grad``, ``gram_colsum``
    (output layer) and ``sigmoid_backprop`` compute one after the other, but each
    block of ``scratch.shape[1]`` rows goes through all four while it is in cache:
    the activations are read from memory once instead of four times (one 60k
    MNIST evaluation, 150 units, CSR input: 0.88x the time in float64, 0.89x in
    float32).

    On return ``hidden_out`` holds dLoss/d(pre-activation) of the hidden layer
    (the activations are overwritten block by block, as in ``sigmoid_backprop``),
    ``logits_out`` the logits, ``delta_out`` dLoss/dlogits, and
    ``out_coef_grad_out``, ``out_intercept_grad_out`` the output layer's gradient.
    Returns ``(sum_i sw_i nll_i, sum_i sw_i sum_j a_ij)``: the data loss and the
    weighted total activation. ``partial_activity`` (float64), ``partial_out_coef``
    (n_chunks blocks of n_outputs x n_units values, stored transposed) and
    ``partial_out_intercept`` are per-chunk sums.
    """
    gain = _as_type_of(hidden_out, gain)
    total = 0.0
    for c in prange(n_chunks):
        start, stop = _chunk(hidden_out.shape[0], n_chunks, c)
        total += _sigmoid_nll_backprop_chunk(
            c, start, stop, inputs, coef, intercept, out_coef, out_intercept, y,
            sample_weight, scale, gain, activity_coef, scratch, partial_activity,
            partial_out_coef, partial_out_intercept, hidden_out, logits_out, delta_out)
    _reduce_chunks(n_chunks, partial_out_coef, partial_out_intercept, out_coef_grad_out,
                   out_intercept_grad_out, out_coef.shape[0], out_coef.shape[1], True)
    return total, partial_activity.sum()


def _gram_colsum(inputs, delta, n_chunks, partial_coef, partial_intercept,
                 coef_grad_out, intercept_grad_out):
    """coef_grad_out = inputs.T @ delta, intercept_grad_out = delta.sum(axis=0).

    Each chunk of rows writes ``partial_coef[c]``, ``partial_intercept[c]`` (buffers of
    shape (n_chunks, ...)); a parallel loop then adds the chunks up. When ``delta`` is
    the narrower operand (fewer units than inputs, e.g. a 10-class output layer on
    150 hidden units) each chunk computes the transpose ``delta_c.T @ inputs_c``
    instead, into the same buffer read as (n_units, n_inputs): BLAS then transposes
    the narrow matrix, not the wide one, which ran 1.3-2x faster (150 x 10 and
    150 x 50, float32 and float64; no gain at 150 x 100, a loss at 100 x 150).
    """
    n_samples, n_units = delta.shape
    n_inputs = inputs.shape[1]
    transposed = n_units < n_inputs
    for c in prange(n_chunks):
        start, stop = _chunk(n_samples, n_chunks, c)
        if start == stop:
            partial_coef[c, :, :] = 0.0
            partial_intercept[c, :] = 0.0
            continue
        if transposed:
            np.dot(delta[start:stop].T, inputs[start:stop],
                   partial_coef[c].reshape((n_units, n_inputs)))
        else:
            np.dot(inputs[start:stop].T, delta[start:stop], partial_coef[c])
        _column_sums(delta, start, stop, partial_intercept[c])
    _reduce_chunks(n_chunks, partial_coef, partial_intercept, coef_grad_out,
                   intercept_grad_out, n_inputs, n_units, transposed)


def _transposed_gram_colsum(inputs_t, delta, n_chunks, partial_intercept,
                            coef_grad_out, intercept_grad_out):
    """coef_grad_out = inputs_t @ delta, intercept_grad_out = delta.sum(axis=0).

    ``inputs_t`` is the input matrix transposed and C-contiguous, shape (n_inputs,
    n_samples). Each chunk computes a block of rows of the gradient (a block of input
    features), so no partial gradients are summed; the product is the plain ``NN``
    case of BLAS, which ran 25-30% faster than the transposed ``TN`` product of
    ``gram_colsum`` on MNIST (784 x 150, 5k-60k rows, float32 and float64). The
    column sums of ``delta`` are summed per chunk of rows in ``partial_intercept``.
    """
    n_samples, n_units = delta.shape
    n_inputs = inputs_t.shape[0]
    for c in prange(n_chunks):
        start, stop = _chunk(n_inputs, n_chunks, c)
        if start < stop:
            np.dot(inputs_t[start:stop], delta, coef_grad_out[start:stop])
        row_start, row_stop = _chunk(n_samples, n_chunks, c)
        _column_sums(delta, row_start, row_stop, partial_intercept[c])
    _sum_chunks(partial_intercept, intercept_grad_out)


def _csr_gram_colsum(data, indices, indptr, delta, n_chunks, partial_coef,
                     partial_intercept, coef_grad_out, intercept_grad_out):
    """As ``gram_colsum`` for CSR ``inputs``: each chunk scatters its rows' products
    into its own partial buffer, so no CSC copy of the input is needed."""
    n_samples, n_units = delta.shape
    n_inputs = partial_coef.shape[1]
    for c in prange(n_chunks):
        partial_coef[c, :, :] = 0.0
        partial_intercept[c, :] = 0.0
        start, stop = _chunk(n_samples, n_chunks, c)
        for i in range(start, stop):
            for j in range(n_units):
                partial_intercept[c, j] += delta[i, j]
            for p in range(indptr[i], indptr[i + 1]):
                value = data[p]
                row = indices[p]
                for j in range(n_units):
                    partial_coef[c, row, j] += value * delta[i, j]
    _reduce_chunks(n_chunks, partial_coef, partial_intercept, coef_grad_out,
                   intercept_grad_out, n_inputs, n_units, False)


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


def _blocked_csc_gram_colsum(pair_columns, pair_starts, data_t, rows_t, column_bounds,
                             delta, n_chunks, partial_intercept, coef_grad_out,
                             intercept_grad_out):
    """coef_grad_out = inputs.T @ delta, intercept_grad_out = delta.sum(axis=0), for a
    sparse ``inputs`` in the blocked layout of ``csr_to_blocked_csc``.

    Thread ``c`` owns the gradient rows (input columns) ``column_bounds[c]`` to
    ``column_bounds[c + 1]``, so nothing is summed across threads. For each (block,
    column) pair it adds ``sum_k value_k * delta[row_k]`` to the column's gradient
    row (``_add_scaled_rows``). Block after block, the rows of
    ``delta`` read stay in cache. On MNIST (60k x 784, 19% stored, 150 units) this
    took 100 ms (float64) / 60 ms (float32) against 155 / 140 ms for the
    row-by-row scatter of ``csr_gram_colsum``, which loads and stores a gradient row
    per stored value.
    """
    n_samples, n_units = delta.shape
    n_pairs = pair_columns.shape[0]
    for c in prange(n_chunks):
        low, high = column_bounds[c], column_bounds[c + 1]
        for f in range(low, high):
            for j in range(n_units):
                coef_grad_out[f, j] = 0.0
        for q in range(n_pairs):
            f = pair_columns[q]
            if f < low or f >= high:
                continue
            _add_scaled_rows(data_t, rows_t, pair_starts[q], pair_starts[q + 1], delta,
                             coef_grad_out, f)
        row_start, row_stop = _chunk(n_samples, n_chunks, c)
        _column_sums(delta, row_start, row_stop, partial_intercept[c])
    _sum_chunks(partial_intercept, intercept_grad_out)


def _reduce_chunks_impl(n_chunks, partial_coef, partial_intercept, coef_grad_out,
                        intercept_grad_out, n_inputs, n_units, transposed):
    """Sums the per-chunk partial gradients; ``transposed``: each partial product is
    stored as (n_units, n_inputs) (see ``gram_colsum``)."""
    flat = partial_coef.reshape((n_chunks, n_inputs * n_units))
    for r in prange(n_inputs):
        for j in range(n_units):
            index = j * n_inputs + r if transposed else r * n_units + j
            s = 0.0
            for c in range(n_chunks):
                s += flat[c, index]
            coef_grad_out[r, j] = s
    _sum_chunks(partial_intercept, intercept_grad_out)


def _l2_penalty_grad(coef, l2, grad_out):
    """Adds ``2 * l2 * coef`` to ``grad_out`` and returns ``l2 * sum(coef ** 2)``."""
    n_rows, n_cols = coef.shape
    total = 0.0
    for i in range(n_rows):
        for j in range(n_cols):
            w = coef[i, j]
            total += w * w
            grad_out[i, j] += 2.0 * l2 * w
    return l2 * total


def _projected_adam_step(theta, grad, m, v, lower, upper, learning_rate, beta_1,
                         beta_2, epsilon):
    """One Adam step, then the projection onto ``[lower, upper]``, in one pass.

    ``learning_rate`` already carries the bias corrections. Updates ``theta``, ``m``
    and ``v`` in place. Eight NumPy passes over the parameters took as long as the
    loss and gradient of a 128-row MNIST batch; this is one.
    """
    for i in range(theta.shape[0]):
        g = grad[i]
        m[i] = beta_1 * m[i] + (1.0 - beta_1) * g
        v[i] = beta_2 * v[i] + (1.0 - beta_2) * g * g
        t = theta[i] - learning_rate * m[i] / (math.sqrt(v[i]) + epsilon)
        theta[i] = min(max(t, lower[i]), upper[i])


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
    COO and took 0.8 s on 60k x 784 MNIST; this takes a few tens of milliseconds."""
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


def _renamed(func, name, globals_=None):
    """A copy of ``func`` under another qualified name (and optionally globals).

    numba's on-disk cache files are named after a function's qualified name, and its
    index keys entries by signature, not by compile flags: a serial and a parallel
    flavour of one function would overwrite each other's entries. Renaming the serial
    flavour gives it cache files of its own, so that worker threads and processes
    load it instead of compiling it (seconds per kernel).
    """
    code = func.__code__.replace(co_name=name)
    if hasattr(code, "co_qualname"):  # Python >= 3.11
        code = code.replace(co_qualname=name)
    copy = types_module.FunctionType(code, func.__globals__ if globals_ is None
                                     else globals_, name, func.__defaults__,
                                     func.__closure__)
    copy.__qualname__ = name
    copy.__doc__ = func.__doc__
    return copy


def _compile(func, parallel):
    if not parallel:
        func = _renamed(func, func.__name__ + "_serial")
    return njit(parallel=parallel, cache=True, nogil=True, fastmath={"contract"})(func)


_reduce_chunks = _compile(_reduce_chunks_impl, True)
_reduce_chunks_serial = _compile(_reduce_chunks_impl, False)
_FUSED = {
    "linear_sigmoid_forward": _linear_sigmoid_forward,
    "csr_linear_sigmoid_forward": _csr_linear_sigmoid_forward,
    "linear_nll_grad": _linear_nll_grad,
    "sigmoid_backprop": _sigmoid_backprop,
    "transposed_gram_colsum": _transposed_gram_colsum,
    "count_block_columns": _count_block_columns,
    "csr_to_blocked_csc": _csr_to_blocked_csc,
    "blocked_csc_gram_colsum": _blocked_csc_gram_colsum,
    "count_row_nonzeros": _count_row_nonzeros,
    "dense_to_csr": _dense_to_csr,
    "transpose": _transpose,
}
for _name, _func in _FUSED.items():
    globals()[_name] = _compile(_func, True)
    globals()[_name + "_serial"] = _compile(_func, False)

# Kernels that end in the reduction of per-chunk partial gradients: their serial
# flavour must call the serial reduction, so it sees a rebound global.
_REDUCING = {
    "gram_colsum": _gram_colsum,
    "csr_gram_colsum": _csr_gram_colsum,
    "linear_sigmoid_nll_backprop": _linear_sigmoid_nll_backprop,
}
_serial_globals = {**globals(), "_reduce_chunks": _reduce_chunks_serial}
for _name, _func in _REDUCING.items():
    globals()[_name] = _compile(_func, True)
    globals()[_name + "_serial"] = _compile(
        _renamed(_func, _func.__name__, _serial_globals), False)
# Parameter-sized, far below the cost of a thread launch: serial only.
l2_penalty_grad = _compile(_l2_penalty_grad, False)
projected_adam_step = _compile(_projected_adam_step, False)


class _KernelSet:
    """The kernels of one flavour, looked up by name (``kernels.sigmoid_backprop``)."""

    def __init__(self, parallel):
        suffix = "" if parallel else "_serial"
        g = globals()
        self.parallel = parallel
        for name in [*_FUSED, *_REDUCING]:
            setattr(self, name, g[name + suffix])
        self.l2_penalty_grad = l2_penalty_grad
        self.projected_adam_step = projected_adam_step


KERNELS = {True: _KernelSet(True), False: _KernelSet(False)}
