"""The numba kernels of ``sknonneg._kernels`` (dense, sparse, reductions, parameters)
against their NumPy twins in ``sknonneg._kernels.reference``.

Every kernel, in both flavours (``kernels(True)`` parallel, ``kernels(False)``
serial), each in float32 and float64 (``conftest.flavour_dtypes``), with one chunk, a
few chunks and more chunks than rows; then extreme logits (no overflow, stable
log-loss) and the flushing of values below ``FLUSH`` to exact zeros.
"""

import functools
import zlib

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from conftest import copy_kernel_args as _copy
from conftest import flavour_dtypes
from sknonneg._kernels import (FLUSH, IDENTITY, LOGISTIC, LOGISTIC_NLL, LOSS_CODES,
                               RELU, SIGMOID_SQUARED_ERROR, SOFTMAX_NLL, SQUARED_ERROR,
                               TANH, kernel_names)
from sknonneg._kernels import kernels as kernel_set
from sknonneg._kernels import reference as _reference
from sknonneg._engine.data import read_only_view

DTYPES = [np.float32, np.float64]
# (n_samples, n_chunks): one chunk, uneven chunks, more chunks than rows, one row
# in several chunks (a wide row predicted alone gets as many as the budget).
SHAPES = [(13, 1), (13, 3), (5, 8), (1, 3)]
N_IN, N_OUT = 4, 3


def _tol(dtype):
    return {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-10,
                                                                     "atol": 1e-12}


@pytest.fixture(params=[True, False], ids=["parallel", "serial"])
def kernels(request):
    return kernel_set(request.param)


# Column and row numbers of the size the objective gives inputs of up to 65535 columns
# and rows (sknonneg._engine.data.index_dtype), so that these tests compile the kernels
# the objective's tests then load; test_objective runs int32 ones (larger inputs).
INDEX = np.uint16


def _index_garbage(n):
    return np.full(n, np.iinfo(INDEX).max, dtype=INDEX)


def _data(array):
    """``array`` as the engine hands the kernels its data (the input, a CSR input's
    arrays, a layer's input, the targets, the sample weights): a read-only view
    (``sknonneg._engine.data.read_only_view``), so that these tests compile the
    signatures the estimators' fits then load."""
    return read_only_view(np.asarray(array))


def _garbage(shape, dtype):
    """Output buffers start as NaN: a kernel must write every entry it returns."""
    return np.full(shape, np.nan, dtype=dtype)


def _csr(rng, n_samples, n_cols, dtype, density=0.5):
    dense = rng.normal(size=(n_samples, n_cols)) * (rng.random((n_samples, n_cols))
                                                     < density)
    if n_samples > 1:
        dense[1] = 0.0  # an empty row
    matrix = sp.csr_matrix(dense.astype(dtype))
    return (matrix, _data(matrix.data), _data(matrix.indices.astype(INDEX)),
            _data(matrix.indptr.astype(np.int64)))


def _class_indices(rng, n_samples):
    """Softmax targets as the objective prepares them (``SoftmaxNLL.prepare_targets``):
    one float64 column of class indices, the layout of every loss's targets."""
    return _data(rng.integers(0, N_OUT, n_samples).astype(np.float64).reshape(-1, 1))


def _sample_weight(rng, n_samples):
    sw = rng.uniform(0.5, 2.0, n_samples)
    if n_samples > 1:
        sw[0] = 0.0
    return _data(sw)


# Each builder returns the argument list and the positions of the output buffers.
def _linear_sigmoid_forward(rng, dtype, n_samples, n_chunks):
    args = [_data(rng.normal(size=(n_samples, N_IN)).astype(dtype)),
            rng.normal(size=(N_IN, N_OUT)).astype(dtype),
            rng.normal(size=N_OUT).astype(dtype), 1.7, LOGISTIC,
            _sample_weight(rng, n_samples), n_chunks,
            _garbage((n_chunks, N_OUT), np.float64), _garbage((n_samples, N_OUT), dtype)]
    return args, [8]


# Wide enough for rows with more than 8 and 16 stored values (the CSR kernels add
# eight at a time, then the rest one by one).
N_SPARSE_IN = 29


def _padded(coef):
    """``coef`` with rows padded as the objective pads them for the CSR kernels;
    the padding is NaN, so any read of it shows in the outputs."""
    padded = np.full((coef.shape[0], coef.shape[1] + 3), np.nan, dtype=coef.dtype)
    padded[:, :coef.shape[1]] = coef
    return padded


def _csr_linear_sigmoid_forward(rng, dtype, n_samples, n_chunks):
    _, data, indices, indptr = _csr(rng, n_samples, N_SPARSE_IN, dtype)
    args = [data, indices, indptr,
            _padded(rng.normal(size=(N_SPARSE_IN, N_OUT)).astype(dtype)),
            rng.normal(size=N_OUT).astype(dtype), 0.8, LOGISTIC,
            _sample_weight(rng, n_samples), n_chunks,
            _garbage((n_chunks, N_OUT), np.float64), _garbage((n_samples, N_OUT), dtype)]
    return args, [10]


def _linear_loss_grad(rng, dtype, n_samples, n_chunks):
    args = [_data(rng.random((n_samples, N_IN)).astype(dtype)),
            (3 * rng.normal(size=(N_IN, N_OUT))).astype(dtype),
            rng.normal(size=N_OUT).astype(dtype),
            _class_indices(rng, n_samples), SOFTMAX_NLL,
            _sample_weight(rng, n_samples), 1.0 / n_samples, n_chunks,
            _garbage((n_samples, N_OUT), dtype), _garbage((n_samples, N_OUT), dtype)]
    return args, [8, 9]


def _sigmoid_backprop(rng, dtype, n_samples, n_chunks):
    # Blocks of 2 rows: chunks of several blocks, and a last one cut short.
    args = [rng.normal(size=(n_samples, N_OUT)).astype(dtype),
            rng.normal(size=(N_IN, N_OUT)).astype(dtype),
            rng.random((n_samples, N_IN)).astype(dtype), 1.3, LOGISTIC, 0.05,
            _sample_weight(rng, n_samples), n_chunks, _garbage((n_chunks, 2, N_IN), dtype),
            _garbage((n_samples, N_IN), dtype)]
    return args, [9]


N_HIDDEN = 5


def _sigmoid_loss_backprop_tail(rng, dtype, n_samples, n_chunks):
    """Arguments of ``linear_sigmoid_loss_backprop`` after ``coef``; its scratch
    holds blocks of N_OUT rows, so chunks span several blocks and a short one."""
    return [rng.normal(size=N_HIDDEN).astype(dtype),
            (2 * rng.normal(size=(N_HIDDEN, N_OUT))).astype(dtype),
            rng.normal(size=N_OUT).astype(dtype),
            _class_indices(rng, n_samples), SOFTMAX_NLL,
            _sample_weight(rng, n_samples), 1.0 / n_samples, 1.3, LOGISTIC, 0.05, n_chunks,
            _garbage((n_chunks, N_OUT, N_HIDDEN), dtype),
            _garbage((n_chunks, N_HIDDEN), np.float64),
            _garbage((n_chunks, N_OUT, N_HIDDEN), dtype), _garbage((n_chunks, N_OUT), dtype),
            _garbage((N_HIDDEN, N_OUT), dtype), _garbage(N_OUT, dtype),
            _garbage((n_samples, N_HIDDEN), dtype), _garbage((n_samples, N_OUT), dtype),
            _garbage((n_samples, N_OUT), dtype)]


# Outputs counted from the end: gradient of the output layer, hidden deltas, logits,
# output deltas.
_SIGMOID_LOSS_BACKPROP_OUTS = [-5, -4, -3, -2, -1]


def _linear_sigmoid_loss_backprop(rng, dtype, n_samples, n_chunks):
    args = [_data(rng.normal(size=(n_samples, N_IN)).astype(dtype)),
            rng.normal(size=(N_IN, N_HIDDEN)).astype(dtype),
            *_sigmoid_loss_backprop_tail(rng, dtype, n_samples, n_chunks)]
    return args, [len(args) + i for i in _SIGMOID_LOSS_BACKPROP_OUTS]


def _csr_linear_sigmoid_loss_backprop(rng, dtype, n_samples, n_chunks):
    """The same kernel with a CSR input, the tuple (data, indices, indptr)."""
    _, data, indices, indptr = _csr(rng, n_samples, N_SPARSE_IN, dtype)
    args = [(data, indices, indptr),
            _padded(rng.normal(size=(N_SPARSE_IN, N_HIDDEN)).astype(dtype)),
            *_sigmoid_loss_backprop_tail(rng, dtype, n_samples, n_chunks)]
    return args, [len(args) + i for i in _SIGMOID_LOSS_BACKPROP_OUTS]


def _with_indicator_targets(builder, y_position):
    """The builder with a 0/1 indicator matrix for ``y``: logistic outputs (the
    loss code follows ``y``)."""
    def build(rng, dtype, n_samples, n_chunks):
        args, outs = builder(rng, dtype, n_samples, n_chunks)
        args[y_position] = _data((rng.random((n_samples, N_OUT)) < 0.5).astype(
            np.float64))
        args[y_position + 1] = LOGISTIC_NLL
        return args, outs
    return build


def _with_real_targets(builder, y_position):
    """The builder with real targets for ``y`` and the squared error."""
    def build(rng, dtype, n_samples, n_chunks):
        args, outs = builder(rng, dtype, n_samples, n_chunks)
        args[y_position] = _data(rng.normal(size=(n_samples, N_OUT)))
        args[y_position + 1] = SQUARED_ERROR
        return args, outs
    return build


def _with_unit_targets(builder, y_position):
    """The builder with targets in [0, 1] and the squared error after a sigmoid."""
    def build(rng, dtype, n_samples, n_chunks):
        args, outs = builder(rng, dtype, n_samples, n_chunks)
        args[y_position] = _data(rng.random((n_samples, N_OUT)))
        args[y_position + 1] = SIGMOID_SQUARED_ERROR
        return args, outs
    return build


def _gram_colsum(rng, dtype, n_samples, n_chunks):
    args = [rng.normal(size=(n_samples, N_IN)).astype(dtype),
            rng.normal(size=(n_samples, N_OUT)).astype(dtype), n_chunks,
            _garbage((n_chunks, N_IN, N_OUT), dtype), _garbage((n_chunks, N_OUT), dtype),
            _garbage((N_IN, N_OUT), dtype), _garbage(N_OUT, dtype)]
    return args, [5, 6]


def _transposed_gram_colsum(rng, dtype, n_samples, n_chunks):
    args = [np.ascontiguousarray(rng.normal(size=(n_samples, N_IN)).T.astype(dtype)),
            rng.normal(size=(n_samples, N_OUT)).astype(dtype), n_chunks,
            _garbage((n_chunks, N_OUT), dtype), _garbage((N_IN, N_OUT), dtype),
            _garbage(N_OUT, dtype)]
    return args, [4, 5]


def _csr_gram_colsum(rng, dtype, n_samples, n_chunks):
    _, data, indices, indptr = _csr(rng, n_samples, N_IN, dtype)
    args = [data, indices, indptr, rng.normal(size=(n_samples, N_OUT)).astype(dtype),
            n_chunks, _garbage((n_chunks, N_IN, N_OUT), dtype),
            _garbage((n_chunks, N_OUT), dtype), _garbage((N_IN, N_OUT), dtype),
            _garbage(N_OUT, dtype)]
    return args, [7, 8]


# Blocks of 6 rows over 13 rows: two full blocks and a short one; dense enough that
# some (block, column) pairs hold 6 values and others none.
BLOCK_ROWS = 6


def _blocked_input(rng, dtype, n_samples):
    matrix, data, indices, indptr = _csr(rng, n_samples, N_SPARSE_IN, dtype, density=0.7)
    if n_samples >= 2 * BLOCK_ROWS:
        # The second block of rows is empty (a run of all-zero rows): a block with no
        # column, which the twin once turned into a start of its own.
        matrix = matrix.tolil()
        matrix[BLOCK_ROWS:2 * BLOCK_ROWS] = 0
        matrix = matrix.tocsr()
        matrix.eliminate_zeros()
        data, indices = _data(matrix.data), _data(matrix.indices.astype(INDEX))
        indptr = _data(matrix.indptr.astype(np.int64))
    n_blocks = -(-n_samples // BLOCK_ROWS)
    n_pairs = np.empty(n_blocks, dtype=np.int64)
    _reference.count_block_columns(indices, indptr, BLOCK_ROWS, 1, None, n_pairs)
    block_pair_ptr = np.concatenate([[0], np.cumsum(n_pairs)])
    return data, indices, indptr, block_pair_ptr


def _count_block_columns(rng, dtype, n_samples, n_chunks):
    _, indices, indptr, block_pair_ptr = _blocked_input(rng, dtype, n_samples)
    return [indices, indptr, BLOCK_ROWS, n_chunks,
            np.full((n_chunks, N_SPARSE_IN), 5, dtype=np.int64),
            np.full(block_pair_ptr.shape[0] - 1, -1, dtype=np.int64)], [5]


def _csr_to_blocked_csc(rng, dtype, n_samples, n_chunks):
    data, indices, indptr, block_pair_ptr = _blocked_input(rng, dtype, n_samples)
    n_pairs, nnz = int(block_pair_ptr[-1]), data.shape[0]
    scratch = np.full((n_chunks, N_SPARSE_IN), 5, dtype=np.int64)
    return [data, indices, indptr, BLOCK_ROWS, n_chunks, block_pair_ptr, scratch,
            scratch.copy(), _index_garbage(n_pairs),
            np.full(n_pairs + 1, -1, dtype=np.int64), _garbage(nnz, dtype),
            _index_garbage(nnz)], [8, 9, 10, 11]


def _blocked_csc(rng, dtype, n_samples, n_chunks):
    """The blocked layout of a random CSR matrix (made by the reference twin)."""
    args, outs = _csr_to_blocked_csc(rng, dtype, n_samples, n_chunks)
    _reference.csr_to_blocked_csc(*args)
    return [args[i] for i in outs]


def _blocked_csc_gram_colsum(rng, dtype, n_samples, n_chunks):
    pair_columns, pair_starts, data_t, rows_t = _blocked_csc(rng, dtype, n_samples,
                                                            n_chunks)
    # Uneven column ranges per thread, some of them empty when chunks > columns.
    column_bounds = np.sort(rng.integers(0, N_SPARSE_IN + 1, n_chunks + 1))
    column_bounds[0], column_bounds[-1] = 0, N_SPARSE_IN
    args = [pair_columns, pair_starts, data_t, rows_t, column_bounds.astype(np.int64),
            rng.normal(size=(n_samples, N_OUT)).astype(dtype), n_chunks,
            _garbage((n_chunks, N_OUT), dtype), _garbage((N_SPARSE_IN, N_OUT), dtype),
            _garbage(N_OUT, dtype)]
    return args, [8, 9]


def _l2_penalty_grad_to(rng, dtype, n_samples, n_chunks):
    # The copy in the case's dtype (float64 as the objective's gradient takes
    # it: test_l2_penalty_grad_to_is_l2_penalty_grad_and_a_copy).
    return [rng.normal(size=(N_IN, N_OUT)).astype(dtype), 0.3,
            rng.normal(size=(N_IN, N_OUT)).astype(dtype),
            np.full((N_IN, N_OUT), np.nan, dtype=dtype)], [2, 3]


def _projected_adam_step(rng, dtype, n_samples, n_chunks):
    n = 5 * n_samples
    lower = np.where(rng.random(n) < 0.5, 0.0, -np.inf).astype(dtype)
    upper = np.where(rng.random(n) < 0.2, 0.1, np.inf).astype(dtype)
    theta = np.clip(rng.normal(size=n), lower, upper).astype(dtype)
    # The bounds read-only, as the solver passes them (the box's segments): the
    # signature fits compile, not one of the test's own.
    return [theta, rng.normal(size=n).astype(dtype), rng.normal(size=n).astype(dtype),
            rng.random(n).astype(dtype), read_only_view(lower), read_only_view(upper),
            0.05, 0.9, 0.999, 1e-8], [0, 2, 3]


def _sparse_dense(rng, dtype, n_samples):
    X = rng.normal(size=(n_samples, 7)) * (rng.random((n_samples, 7)) < 0.3)
    X[0] = 0.0  # an empty row
    return _data(X.astype(dtype))


def _count_row_nonzeros(rng, dtype, n_samples, n_chunks):
    X = _sparse_dense(rng, dtype, n_samples)
    return [X, np.full(n_samples, -1, dtype=np.int64)], [1]


def _dense_to_csr(rng, dtype, n_samples, n_chunks):
    X = _sparse_dense(rng, dtype, n_samples)
    indptr = np.concatenate([[0], np.cumsum(np.count_nonzero(X, axis=1))])
    nnz = int(indptr[-1])
    return [X, indptr, _garbage(nnz, dtype), _index_garbage(nnz)], [2, 3]


def _transpose(rng, dtype, n_samples, n_chunks):
    X = _data(rng.normal(size=(n_samples, 70)).astype(dtype))  # > one 64-wide tile
    return [X, _garbage((70, n_samples), dtype)], [1]


def _fixed_order_product(rng, dtype, n_samples, n_chunks):
    X = rng.normal(size=(n_samples, N_IN)) * (rng.random((n_samples, N_IN)) < 0.6)
    return [_data(X.astype(dtype)), rng.normal(size=(N_IN, N_OUT)).astype(dtype),
            n_chunks, _garbage((n_samples, N_OUT), dtype)], [3]


def _csr_fixed_order_product(rng, dtype, n_samples, n_chunks):
    _, data, indices, indptr = _csr(rng, n_samples, N_SPARSE_IN, dtype)
    return [data, indices, indptr,
            rng.normal(size=(N_SPARSE_IN, N_OUT)).astype(dtype), n_chunks,
            _garbage((n_samples, N_OUT), dtype)], [5]


def _fixed_order_finish(rng, dtype, n_samples, n_chunks):
    return [rng.normal(size=N_OUT).astype(dtype), 1.7, LOGISTIC, True, n_chunks,
            (4 * rng.normal(size=(n_samples, N_OUT))).astype(dtype)], [5]


BUILDERS = {
    "fixed_order_product": _fixed_order_product,
    "csr_fixed_order_product": _csr_fixed_order_product,
    "fixed_order_finish": _fixed_order_finish,
    "linear_sigmoid_forward": _linear_sigmoid_forward,
    "csr_linear_sigmoid_forward": _csr_linear_sigmoid_forward,
    "linear_loss_grad": _linear_loss_grad,
    "sigmoid_backprop": _sigmoid_backprop,
    "linear_sigmoid_loss_backprop": _linear_sigmoid_loss_backprop,
    "gram_colsum": _gram_colsum,
    "transposed_gram_colsum": _transposed_gram_colsum,
    "csr_gram_colsum": _csr_gram_colsum,
    "count_block_columns": _count_block_columns,
    "csr_to_blocked_csc": _csr_to_blocked_csc,
    "blocked_csc_gram_colsum": _blocked_csc_gram_colsum,
    "l2_penalty_grad_to": _l2_penalty_grad_to,
    "projected_adam_step": _projected_adam_step,
    "count_row_nonzeros": _count_row_nonzeros,
    "dense_to_csr": _dense_to_csr,
    "transpose": _transpose,
}


def _run_both(kernels, name, args, outs):
    """Runs the kernel and its twin on copies of ``args``; returns
    ``(kernel_return, reference_return, kernel_outputs, reference_outputs)``."""
    args_k, args_r = _copy(args), _copy(args)
    ret_k = getattr(kernels, name)(*args_k)
    ret_r = getattr(_reference, name)(*args_r)
    return ret_k, ret_r, [args_k[i] for i in outs], [args_r[i] for i in outs]


def _run_reference(name, args):
    args_r = _copy(args)
    return getattr(_reference, name)(*args_r), args_r


def test_every_kernel_has_a_reference_twin_and_a_builder():
    public = {name for name in kernel_names() if "abba" not in name}
    assert public == set(BUILDERS)
    for name in public:
        assert callable(getattr(_reference, name))
        for flavour in (True, False):
            assert callable(getattr(kernel_set(flavour), name))
    assert kernel_set(True).parallel and not kernel_set(False).parallel


# Every builder, plus the output kernels with logistic outputs (an indicator matrix)
# and with the squared error, and the fused output kernel with a CSR input.
CASES = {**{name: (name, builder) for name, builder in BUILDERS.items()},
         "linear_loss_grad-logistic": (
             "linear_loss_grad", _with_indicator_targets(_linear_loss_grad, 3)),
         "linear_loss_grad-squared": (
             "linear_loss_grad", _with_real_targets(_linear_loss_grad, 3)),
         "linear_sigmoid_loss_backprop-logistic": (
             "linear_sigmoid_loss_backprop",
             _with_indicator_targets(_linear_sigmoid_loss_backprop, 5)),
         "linear_sigmoid_loss_backprop-squared": (
             "linear_sigmoid_loss_backprop",
             _with_real_targets(_linear_sigmoid_loss_backprop, 5)),
         "linear_loss_grad-sigmoid-squared": (
             "linear_loss_grad", _with_unit_targets(_linear_loss_grad, 3)),
         "linear_sigmoid_loss_backprop-sigmoid-squared": (
             "linear_sigmoid_loss_backprop",
             _with_unit_targets(_linear_sigmoid_loss_backprop, 5)),
         "linear_sigmoid_loss_backprop-csr": (
             "linear_sigmoid_loss_backprop", _csr_linear_sigmoid_loss_backprop),
         "linear_sigmoid_loss_backprop-csr-logistic": (
             "linear_sigmoid_loss_backprop",
             _with_indicator_targets(_csr_linear_sigmoid_loss_backprop, 5))}




def _with_activation(builder, code_position, name):
    """The builder with the hidden activation of code ``ACTIVATIONS[name]`` (the
    argument after the gain); a backward kernel's stored activations (argument 2 of
    ``sigmoid_backprop``) drawn from that activation's range, zeros included."""
    code = ACTIVATIONS[name]

    def build(rng, dtype, n_samples, n_chunks):
        args, outs = builder(rng, dtype, n_samples, n_chunks)
        args[code_position] = code
        if builder is _sigmoid_backprop:
            stored = {TANH: np.tanh(2 * rng.normal(size=args[2].shape)),
                      RELU: np.maximum(rng.normal(size=args[2].shape), 0.0),
                      IDENTITY: 3 * rng.normal(size=args[2].shape)}[code]
            args[2] = stored.astype(dtype)
        return args, outs
    return build


# The kernels that take a hidden activation, and the position of its code.
ACTIVATIONS = {"tanh": TANH, "relu": RELU, "identity": IDENTITY}
ACTIVATION_KERNELS = {"fixed_order_finish": (_fixed_order_finish, 2),
                      "linear_sigmoid_forward": (_linear_sigmoid_forward, 4),
                      "csr_linear_sigmoid_forward": (_csr_linear_sigmoid_forward, 6),
                      "sigmoid_backprop": (_sigmoid_backprop, 4),
                      "linear_sigmoid_loss_backprop": (_linear_sigmoid_loss_backprop, 10),
                      "linear_sigmoid_loss_backprop-csr": (
                          _csr_linear_sigmoid_loss_backprop, 10)}
CASES.update({
    f"{case}-{activation}": (case.split("-")[0],
                             _with_activation(builder, position, activation))
    for case, (builder, position) in ACTIVATION_KERNELS.items()
    for activation in ACTIVATIONS})


def _kernel_cases():
    """(flavour, case, dtype) of ``test_kernel_matches_reference``: every case in both
    flavours and both dtypes (``conftest.flavour_dtypes``: float32 fits run the
    parallel flavour, which numba compiles apart from the serial one). Every loss
    reaches the output kernels with its targets in one layout (a float64 matrix), so
    the fused output kernel compiles one signature per input kind (dense, CSR) and
    dtype, 6-12 CPU-seconds each in its serial flavour and 10-25 in its parallel one,
    whatever the loss: each flavour runs every loss on each input kind and dtype.
    The cases of the activations other than the logistic compile a variant of their
    own (``support.PerActivation``), held to the twins like every other case, in
    both flavours and dtypes (the serial flavour's fused kernel of these
    activations on CSR input in float32 was left out at first, for its
    compile cost of about 8 CPU-seconds: a float32 fit on sparse input small
    enough for the serial flavour runs it)."""
    params = []
    for parallel in (True, False):
        for case in sorted(CASES):
            for dtype in DTYPES:
                params.append(pytest.param(
                    kernel_set(parallel), case, dtype,
                    id=f"{'parallel' if parallel else 'serial'}-{case}-"
                       f"{'f32' if dtype == np.float32 else 'f64'}"))
    return params


@pytest.mark.parametrize("n_samples, n_chunks", SHAPES)
@pytest.mark.parametrize("kernels, case, dtype", _kernel_cases())
def test_kernel_matches_reference(kernels, case, dtype, n_samples, n_chunks):
    name, builder = CASES[case]
    rng = np.random.default_rng([zlib.crc32(case.encode()), n_samples, n_chunks])
    args, outs = builder(rng, dtype, n_samples, n_chunks)
    ret_k, ret_r, out_k, out_r = _run_both(kernels, name, args, outs)
    tol = _tol(dtype)
    if ret_r is None:
        assert ret_k is None
    else:
        assert_allclose(ret_k, ret_r, rtol=tol["rtol"], atol=tol["atol"])
    for k, r in zip(out_k, out_r):
        assert k.dtype == r.dtype
        if np.issubdtype(k.dtype, np.floating):
            assert k.dtype == dtype
        assert np.all(np.isfinite(k))
        assert_allclose(k, r, **tol)


# The position of the loss code among the arguments of the kernels that end in a loss.
LOSS_POSITIONS = {"linear_loss_grad": 4, "linear_sigmoid_loss_backprop": 6}


def test_every_loss_code_is_held_to_its_twin():
    """Every loss code of ``codes.LOSS_CODES`` reaches each output kernel in each
    numba flavour through ``test_kernel_matches_reference``'s cases: a loss with a
    kernel code and no case of its own is not compared with its twin (a missing
    branch computed another loss, and the finite differences agreed with it)."""
    reached = {(name, parallel): set() for name in LOSS_POSITIONS
               for parallel in (True, False)}
    for param in _kernel_cases():
        kernel_set_, case, dtype = param.values
        name, builder = CASES[case]
        if name in LOSS_POSITIONS:
            args, _ = builder(np.random.default_rng(0), dtype, 5, 1)
            reached[name, kernel_set_.parallel].add(args[LOSS_POSITIONS[name]])
    for key, codes in reached.items():
        assert codes == set(LOSS_CODES), key


UNKNOWN_LOSS_CODES = [-1, max(LOSS_CODES) + 1]


@pytest.mark.parametrize("code", UNKNOWN_LOSS_CODES)
@pytest.mark.parametrize("name", sorted(LOSS_POSITIONS))
def test_an_unknown_loss_code_computes_no_loss(kernels, name, code):
    """An unknown code is no known loss: NaN from the numba kernels (loss and
    deltas), an error from the twin, never the values of another loss."""
    builder = {"linear_loss_grad": _linear_loss_grad,
               "linear_sigmoid_loss_backprop": _linear_sigmoid_loss_backprop}[name]
    args, outs = builder(np.random.default_rng(0), np.float64, 13, 3)
    args[LOSS_POSITIONS[name]] = code
    args_k = _copy(args)
    value = getattr(kernels, name)(*args_k)
    value = value[0] if isinstance(value, tuple) else value
    assert np.isnan(value)
    assert np.all(np.isnan(args_k[outs[-1]]))  # the output deltas
    with pytest.raises(ValueError, match="unknown loss code"):
        _run_reference(name, args)


# The position of the activation code among the arguments of the kernels that take
# one.
ACTIVATION_POSITIONS = {"linear_sigmoid_forward": 4, "csr_linear_sigmoid_forward": 6,
                        "sigmoid_backprop": 4, "linear_sigmoid_loss_backprop": 10,
                        "fixed_order_finish": 2}


def test_activation_codes_are_the_kernels_branches():
    """The dense layers' activations are exactly the codes the kernels have a branch
    for (``codes.DENSE_ACTIVATION_CODES``), and each reaches every kernel that takes
    a code in ``test_kernel_matches_reference`` (through the builders' LOGISTIC and
    ``test_activation_kernels``'s others)."""
    from sknonneg._engine.layers import DENSE_ACTIVATIONS
    from sknonneg._kernels.codes import DENSE_ACTIVATION_CODES
    assert sorted(DENSE_ACTIVATIONS.values()) == sorted(DENSE_ACTIVATION_CODES)
    for name, position in ACTIVATION_POSITIONS.items():
        args, _ = BUILDERS[name](np.random.default_rng(0), np.float64, 5, 1)
        assert args[position] == LOGISTIC, name


UNKNOWN_ACTIVATION_CODES = [-1, 2, 99]  # 2: CAPPED_LEAKY_RELU, an ABBA code only


@pytest.mark.parametrize("code", UNKNOWN_ACTIVATION_CODES)
@pytest.mark.parametrize("name", sorted(ACTIVATION_POSITIONS))
def test_an_unknown_activation_code_activates_nothing(kernels, name, code):
    """An unknown code is no activation, never the identity's values (what a missing
    branch gives): the dispatcher of a kernel with a variant per activation refuses
    it; a kernel compiled once for every code (``fixed_order_finish``) gives NaN;
    the twin raises."""
    from sknonneg._kernels.support import PerActivation

    args, outs = BUILDERS[name](np.random.default_rng(0), np.float64, 13, 3)
    args[ACTIVATION_POSITIONS[name]] = code
    args_k = _copy(args)
    kernel = getattr(kernels, name)
    if isinstance(kernel, PerActivation):
        with pytest.raises(ValueError, match="unknown activation code"):
            kernel(*args_k)
        # Past the dispatcher (its general variant), the element maps give NaN.
        kernel.variant(TANH)(*args_k)
    else:
        kernel(*args_k)
    # The hidden activations (the forward kernels) or the hidden deltas (backprop).
    hidden = {"linear_sigmoid_loss_backprop": -3}.get(name, outs[0])
    assert np.all(np.isnan(args_k[hidden])), name
    with pytest.raises(ValueError, match="unknown activation code"):
        _run_reference(name, args)


@pytest.mark.parametrize("kernels, dtype", flavour_dtypes())
def test_chunking_does_not_change_results(kernels, dtype):
    """n_chunks=1, 3 and 20 (more than rows) give the same gradient sums."""
    results = []
    for n_chunks in (1, 3, 20):
        args, outs = _gram_colsum(np.random.default_rng(1), dtype, 11, n_chunks)
        kernels.gram_colsum(*args)
        results.append([args[i] for i in outs])
    for other in results[1:]:
        for a, b in zip(results[0], other):
            assert_allclose(a, b, **_tol(dtype))


@pytest.mark.parametrize("n_chunks", [1, 3])
def test_csr_kernels_equal_dense_kernels(kernels, n_chunks, monkeypatch):
    """The CSR forward, the row-by-row CSR gradient and the blocked-CSC gradient
    (as the objective builds it, with 16-row blocks) against the dense kernels."""
    from sknonneg._engine import data as data_module

    n_samples, n_in = 70, N_SPARSE_IN
    rng = np.random.default_rng(3)
    matrix, data, indices, indptr = _csr(rng, n_samples, n_in, np.float64, 0.6)
    dense = _data(matrix.toarray())
    coef, intercept = rng.normal(size=(n_in, N_OUT)), rng.normal(size=N_OUT)
    sw = _sample_weight(rng, n_samples)
    out_csr, out_dense = np.empty((n_samples, N_OUT)), np.empty((n_samples, N_OUT))
    total_csr = kernels.csr_linear_sigmoid_forward(
        data, indices, indptr, coef, intercept, 1.5, LOGISTIC, sw, n_chunks,
        np.empty((n_chunks, N_OUT)), out_csr)
    total_dense = kernels.linear_sigmoid_forward(dense, coef, intercept, 1.5, LOGISTIC,
                                                 sw, 2, np.empty((2, N_OUT)), out_dense)
    assert_allclose(out_csr, out_dense, rtol=1e-12)
    assert_allclose(total_csr, total_dense, rtol=1e-12)

    monkeypatch.setattr(data_module._BlockedCSC, "BLOCK_BYTES", 1)
    blocked = data_module._BlockedCSC(data_module.CSRInput(matrix, np.float64), N_OUT,
                                      n_chunks, kernels)
    assert data_module._BlockedCSC.block_rows(N_OUT, np.float64) == 16
    assert blocked.column_bounds.shape == (n_chunks + 1,)
    delta = rng.normal(size=(n_samples, N_OUT))
    expected = (dense.T @ delta, delta.sum(axis=0))
    for path in ("csr", "blocked", "dense"):
        pc, pi = np.empty((n_chunks, n_in, N_OUT)), np.empty((n_chunks, N_OUT))
        cg, ig = _garbage((n_in, N_OUT), np.float64), _garbage(N_OUT, np.float64)
        if path == "csr":
            kernels.csr_gram_colsum(data, indices, indptr, delta, n_chunks, pc, pi, cg,
                                    ig)
        elif path == "blocked":
            kernels.blocked_csc_gram_colsum(
                blocked.pair_columns, blocked.pair_starts, blocked.data, blocked.rows,
                blocked.column_bounds, delta, n_chunks, pi, cg, ig)
        else:
            # Writeable, as the objective hands it a layer's output.
            kernels.gram_colsum(np.array(dense), delta, n_chunks, pc, pi, cg, ig)
        assert_allclose(cg, expected[0], rtol=1e-12, atol=1e-14, err_msg=path)
        assert_allclose(ig, expected[1], rtol=1e-12, atol=1e-14, err_msg=path)


# ----------------------------------------------------------------- extreme inputs
def _extreme_output_args(dtype, y, loss):
    """Logits exactly +-1e4 (and 0): identity inputs, logits given by coef rows."""
    logits = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0], [0.0, 0.0, 1e4],
                       [-1e4, -1e4, -1e4]])
    n = logits.shape[0]
    inputs = _data(np.eye(n, dtype=dtype))
    return [inputs, logits.astype(dtype), np.zeros(3, dtype=dtype), _data(y), loss,
            _data(np.ones(n)), 1.0 / n, 2, _garbage((n, 3), dtype),
            _garbage((n, 3), dtype)], logits


@pytest.mark.parametrize("kernels, dtype", flavour_dtypes())
def test_softmax_extreme_logits_are_stable(kernels, dtype):
    y = np.array([[0], [0], [2], [1]], dtype=np.float64)
    args, logits = _extreme_output_args(dtype, y, SOFTMAX_NLL)
    with np.errstate(all="raise"):
        total = kernels.linear_loss_grad(*args)
    delta = args[9]
    # nll per row: 0, 2e4, 0, log(3); exactly log-sum-exp minus the true logit.
    assert_allclose(total, 2e4 + np.log(3.0), rtol=1e-12)
    assert_allclose(args[8], logits)
    expected = np.array([[0.0, 0.0, 0.0], [-1.0, 1.0, 0.0], [0.0, 0.0, 0.0],
                         [1 / 3, -2 / 3, 1 / 3]]) / 4
    assert np.all(np.isfinite(delta))
    assert_allclose(delta, expected, rtol=1e-6, atol=1e-12)
    ret_r, args_r = _run_reference("linear_loss_grad", args)
    assert_allclose(total, ret_r, rtol=1e-12)
    assert_allclose(delta, args_r[9], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("kernels, dtype", flavour_dtypes())
def test_softmax_keeps_the_log_sum_and_the_true_class_delta(kernels, dtype):
    # Row 0: two equal logits of 1e17, label 0: nll is log 2; the log-sum was lost
    # in max + log-sum (the kernel gave 0 in both dtypes). Row 1: logits (0, 20),
    # label 1: the true class's delta is minus the other's, not w p - w, which is
    # exactly 0 once p rounds to 1 (float32); the row's deltas sum to 0.
    inputs = _data(np.eye(2, dtype=dtype))
    coef = np.array([[1e17, 1e17], [0.0, 20.0]], dtype=dtype)
    y = _data([[0.0], [1.0]])
    args = [inputs, coef, np.zeros(2, dtype=dtype), y, SOFTMAX_NLL, _data(np.ones(2)),
            0.5, 1, _garbage((2, 2), dtype), _garbage((2, 2), dtype)]
    total = kernels.linear_loss_grad(*args)
    assert_allclose(total, np.log(2.0) + np.log1p(np.exp(-20.0)), rtol=1e-12)
    delta = args[9]
    assert_allclose(delta[0], [-0.25, 0.25], rtol=1e-6)
    p_other = 0.5 * np.exp(-20.0) / (1 + np.exp(-20.0))
    assert_allclose(delta[1], [p_other, -p_other], rtol=1e-6)
    assert delta[1].astype(np.float64).sum() == 0.0
    ret_r, args_r = _run_reference("linear_loss_grad", args)
    assert_allclose(total, ret_r, rtol=1e-12)
    assert_allclose(delta, args_r[9], rtol=1e-6)


@pytest.mark.parametrize("kernels, dtype", flavour_dtypes())
def test_logistic_extreme_logits_are_stable(kernels, dtype):
    y = np.array([[1, 0, 0], [1, 1, 1], [0, 0, 1], [0, 0, 0]], dtype=np.float64)
    args, logits = _extreme_output_args(dtype, y, LOGISTIC_NLL)
    total = kernels.linear_loss_grad(*args)
    # softplus(t) - y t: 1e4 per wrong-sided 1e4 logit, log 2 per zero logit.
    wrong = np.sum((logits > 0) & (y == 0)) + np.sum((logits < 0) & (y == 1))
    n_zero = np.sum(logits == 0)
    assert_allclose(total, 1e4 * wrong + np.log(2.0) * n_zero, rtol=1e-12)
    sig = (logits > 0) + 0.5 * (logits == 0)
    assert np.all(np.isfinite(args[9]))
    assert_allclose(args[9], (sig - y) / 4, rtol=1e-6, atol=1e-12)
    ret_r, args_r = _run_reference("linear_loss_grad", args)
    assert_allclose(total, ret_r, rtol=1e-12)
    assert_allclose(args[9], args_r[9], rtol=1e-6, atol=1e-12)


@pytest.mark.parametrize("kernels, dtype", flavour_dtypes())
def test_sigmoid_forward_saturates_without_overflow(kernels, dtype):
    inputs = _data(np.array([[1e4], [-1e4], [0.0], [1e30]], dtype=dtype))
    out = _garbage((4, 1), dtype)
    total = kernels.linear_sigmoid_forward(inputs, np.ones((1, 1), dtype=dtype),
                                           np.zeros(1, dtype=dtype), 2.0, LOGISTIC,
                                           _data(np.ones(4)), 2, np.empty((2, 1)), out)
    assert_allclose(out.ravel(), [1.0, 0.0, 0.5, 1.0])
    assert_allclose(total, 2.5)


# ----------------------------------------------------------------------- flushing
def _assert_flushed(values):
    values = np.asarray(values, dtype=np.float64)
    assert np.all((values == 0.0) | (np.abs(values) >= FLUSH)), values[
        (values != 0) & (np.abs(values) < FLUSH)]


@pytest.mark.parametrize("kernels, dtype", flavour_dtypes())
def test_tiny_values_are_flushed_to_exact_zero(kernels, dtype):
    # Forward: pre-activations around log(FLUSH) ~ -69.08 and far below.
    z = _data(np.array([[-69.0], [-69.2], [-80.0], [-745.0], [-1e4], [-30.0]],
                       dtype=dtype))
    out = _garbage((6, 1), dtype)
    kernels.linear_sigmoid_forward(z, np.ones((1, 1), dtype=dtype),
                                   np.zeros(1, dtype=dtype), 1.0, LOGISTIC,
                                   _data(np.ones(6)), 2,
                                   np.empty((2, 1)), out)
    _assert_flushed(out)
    assert np.all(out[1:5] == 0.0) and out[0, 0] > 0 and out[5, 0] > 0

    # Softmax: a class 80 below the top one has p ~ 1e-35.
    args, _ = _extreme_output_args(dtype, np.zeros((4, 1)), SOFTMAX_NLL)
    args[1] = np.array([[0.0, -80.0, -60.0]] * 4, dtype=dtype)
    kernels.linear_loss_grad(*args)
    _assert_flushed(args[9])
    assert np.all(args[9][:, 1] == 0.0)

    # Logistic: sigmoid(-69) ~ 1.08e-30, times scale 1/4 falls below FLUSH.
    args, _ = _extreme_output_args(dtype, np.zeros((4, 3)), LOGISTIC_NLL)
    args[1] = np.array([[-69.0, -60.0, 75.0]] * 4, dtype=dtype)
    args[3] = _data([[0.0, 0.0, 1.0]] * 4)
    kernels.linear_loss_grad(*args)
    _assert_flushed(args[9])
    assert np.all(args[9][:, 0] == 0.0) and np.all(args[9][:, 2] == 0.0)
    assert np.all(args[9][:, 1] > 0.0)

    # Backprop: a * (1 - a) * delta ~ 1e-20 * 1e-15 = 1e-35.
    delta = np.full((3, 1), 1e-15, dtype=dtype)
    activation = np.array([[1e-20], [0.5], [1e-10]], dtype=dtype)
    out = _garbage((3, 1), dtype)
    kernels.sigmoid_backprop(delta, np.ones((1, 1), dtype=dtype), activation, 1.0,
                             LOGISTIC, 0.0, _data(np.ones(3)), 2,
                             _garbage((2, 16, 1), dtype),
                             out)
    _assert_flushed(out)
    assert out[0, 0] == 0.0 and out[1, 0] > 0


@pytest.mark.parametrize("n_samples, n_chunks", SHAPES)
@pytest.mark.parametrize("kernels, dtype", flavour_dtypes())
def test_sigmoid_backprop_in_place(kernels, dtype, n_samples, n_chunks):
    """The objective writes a hidden layer's delta over its activations."""
    rng = np.random.default_rng([n_samples, n_chunks])
    args, outs = _sigmoid_backprop(rng, dtype, n_samples, n_chunks)
    expected = _run_reference("sigmoid_backprop", args)[1][outs[0]]
    activation = args[2].copy()
    args[2] = args[9] = activation
    kernels.sigmoid_backprop(*args)
    assert_allclose(activation, expected, **_tol(dtype))


@pytest.mark.parametrize("name", ["linear_sigmoid_forward", "linear_loss_grad",
                                  "linear_loss_grad-logistic", "sigmoid_backprop"])
@pytest.mark.parametrize("kernels, dtype", flavour_dtypes())
def test_flushing_matches_reference_on_wide_inputs(kernels, name, dtype):
    """Inputs scaled up so that many results land near the flush threshold."""
    rng = np.random.default_rng(7)
    name, builder = CASES[name]
    args, outs = builder(rng, dtype, 40, 3)
    args[1] = (args[1] * 40).astype(dtype)  # coef: pre-activations of +-100s
    ret_k, ret_r, out_k, out_r = _run_both(kernels, name, args, outs)
    for k, r in zip(out_k, out_r):
        _assert_flushed(k)
        assert np.array_equal(k == 0, r == 0) or dtype == np.float32
        assert_allclose(k, r, rtol=_tol(dtype)["rtol"] * 10, atol=1e-6)


def test_both_flavours_have_their_own_disk_cache():
    """The serial flavour is cached under its own name: numba keys cache entries by
    qualified name and signature, not compile flags, so a shared name would make the
    two flavours overwrite each other (and workers would recompile)."""
    from numba.core.caching import NullCache

    from sknonneg._kernels.support import PerActivation

    for name in kernel_names():  # ABBA's too
        parallel_kernel = getattr(kernel_set(True), name)
        serial_kernel = getattr(kernel_set(False), name)
        pairs = [(parallel_kernel, serial_kernel)]
        if isinstance(parallel_kernel, PerActivation):
            # A logistic and a general variant, each with cache files of its own.
            assert serial_kernel.variant(TANH) is serial_kernel.variant(IDENTITY)
            pairs = [(parallel_kernel.variant(code), serial_kernel.variant(code))
                     for code in (LOGISTIC, TANH)]
            assert (pairs[0][0]._cache._cache_file._index_name
                    != pairs[1][0]._cache._cache_file._index_name), name
        for parallel_kernel, serial_kernel in pairs:
            for kernel in (parallel_kernel, serial_kernel):
                assert not isinstance(kernel._cache, NullCache), name
            if serial_kernel is not parallel_kernel:
                assert (serial_kernel._cache._cache_file._index_name
                        != parallel_kernel._cache._cache_file._index_name), name


@pytest.mark.parametrize("n_inputs, n_units", [(3, 7), (7, 3), (5, 5)],
                         ids=["wide-delta", "narrow-delta", "square"])
@pytest.mark.parametrize("kernels, dtype", flavour_dtypes())
def test_gram_colsum_both_orientations(kernels, dtype, n_inputs, n_units):
    """gram_colsum multiplies in the orientation that transposes the narrower
    operand; both must give inputs.T @ delta for any chunking."""
    rng = np.random.default_rng(n_inputs * 10 + n_units)
    inputs = rng.normal(size=(13, n_inputs)).astype(dtype)
    delta = rng.normal(size=(13, n_units)).astype(dtype)
    for n_chunks in (1, 3, 20):
        coef_grad = _garbage((n_inputs, n_units), dtype)
        intercept_grad = _garbage(n_units, dtype)
        kernels.gram_colsum(inputs, delta, n_chunks,
                            _garbage((n_chunks, n_inputs, n_units), dtype),
                            _garbage((n_chunks, n_units), dtype), coef_grad,
                            intercept_grad)
        assert_allclose(coef_grad, inputs.T.astype(np.float64) @ delta, **_tol(dtype))
        assert_allclose(intercept_grad, delta.sum(axis=0, dtype=np.float64),
                        **_tol(dtype))


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_vectorizable_exp_is_accurate_and_never_overflows(dtype):
    """``_exp`` (the kernels' own exp, which lets loops vectorize) against NumPy's:
    within 2 ulp over the range with normal results, clamped beyond it, NaN kept."""
    from numba import njit

    from sknonneg._kernels.support import _exp

    @njit
    def exp_all(x, out):
        for i in range(x.shape[0]):
            out[i] = _exp(x[i])

    info = np.finfo(dtype)
    low, high = (-87.0, 88.0) if dtype == np.float32 else (-708.0, 709.0)
    rng = np.random.default_rng(0)
    x = np.concatenate([rng.uniform(low, high, 20000), rng.uniform(-2, 2, 5000),
                        [0.0, -0.0, low, high, 1e-30, -1e-30]]).astype(dtype)
    out = np.empty_like(x)
    exp_all(x, out)
    expected = np.exp(x.astype(np.float64))
    assert out.dtype == dtype
    assert np.max(np.abs(out - expected) / expected) <= 2 * info.eps
    extreme = np.array([-1e4, 1e4, -np.inf, np.inf, np.nan], dtype=dtype)
    out = np.empty_like(extreme)
    with np.errstate(all="raise"):
        exp_all(extreme, out)
    assert np.all(np.isfinite(out[:4])) and np.isnan(out[4])
    assert out[0] < 1e-37 and out[1] > 1e38


NO_CACHE_LOCATOR = r"""
import warnings
import numpy as np
from numba.core import caching

# No folder numba could cache in: a read-only install run by another user with no
# writable home (before: RuntimeError "cannot cache function '_flush': no locator
# available" at the first import of a kernel module, i.e. the first fit crashed).
caching.CacheImpl._locator_classes = []
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from sknonneg._kernels import parameters, support
    from sknonneg._kernels.reference import parameters as twin
assert support.CACHE is False
assert any("NUMBA_CACHE_DIR" in str(w.message) for w in caught), caught
grad = np.array([0.5, -2.0, 1.0])
out = []
for step in (parameters.projected_adam_step, twin.projected_adam_step):
    theta, m, v = np.zeros(3), np.zeros(3), np.zeros(3)
    lower, upper = np.zeros(1), np.full(1, np.inf)
    step(theta, grad, m, v, lower, upper, 0.01, 0.9, 0.999, 1e-8)
    out.append(theta)
np.testing.assert_allclose(out[0], out[1], rtol=1e-12)
print("ok")
"""


def test_kernels_run_uncached_where_numba_cannot_cache():
    import subprocess
    import sys
    from pathlib import Path

    result = subprocess.run([sys.executable, "-c", NO_CACHE_LOCATOR], timeout=300,
                            cwd=Path(__file__).resolve().parents[1],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip() == "ok"


from sknonneg._kernels.codes import ADAM_GRAD_CAP  # noqa: E402


def _scalar_adam_step(theta, grad, m, v, lower, upper, learning_rate, beta_1, beta_2,
                      epsilon):
    # The projected Adam step as the kernel was before it was vectorised: a loop
    # over absolute indices, compiled under numba's default error model.
    n_rows = lower.shape[0]
    row_len = theta.shape[0] // n_rows
    for r in range(n_rows):
        low, high = lower[r], upper[r]
        for i in range(r * row_len, (r + 1) * row_len):
            g = min(max(grad[i], -ADAM_GRAD_CAP), ADAM_GRAD_CAP)
            m[i] = beta_1 * m[i] + (1.0 - beta_1) * g
            v[i] = beta_2 * v[i] + (1.0 - beta_2) * g * g
            t = theta[i] - learning_rate * m[i] / (np.sqrt(v[i]) + epsilon)
            theta[i] = min(max(t, low), high)


@functools.lru_cache(maxsize=None)
def _compiled_scalar_adam_step():
    # Compiled once, as the kernels are (their options), without a cache file.
    from numba import njit

    from sknonneg._kernels.support import _OPTIONS

    return njit(**{**_OPTIONS, "cache": False})(_scalar_adam_step)


@pytest.mark.parametrize("n_rows, row_len", [(1, 4099), (3, 1001), (257, 5), (6, 1)])
def test_projected_adam_step_vectorised_changes_no_bit(n_rows, row_len):
    # The step is compiled with error_model="numpy" over 0-based views of each row,
    # which LLVM vectorises (before: a scalar loop, 2.1x slower on 328,000
    # parameters). Every parameter takes the same operations (fused multiply-adds
    # included), so theta and the moments are those of the scalar loop, bit for
    # bit: gradients of every magnitude, beyond the cap, inf and nan; zero second
    # moments; free, one-sided and two-sided bounds; rows of any length
    # (remainders of the vector width).
    from sknonneg._kernels import parameters

    scalar = _compiled_scalar_adam_step()
    rng = np.random.default_rng(n_rows)
    n = n_rows * row_len
    grad = rng.normal(size=n) * 10.0 ** rng.integers(-30, 30, n)
    grad[rng.integers(0, n, 3)] = np.nan
    grad[rng.integers(0, n, 3)] = -np.inf
    grad[rng.integers(0, n, 3)] = 1e300
    m = rng.normal(size=n) * 1e-3
    v = np.abs(rng.normal(size=n)) * 1e-4
    v[rng.integers(0, n, 3)] = 0.0
    lower = read_only_view(np.where(rng.random(n_rows) < 0.5, 0.0, -np.inf))
    upper = read_only_view(np.where(rng.random(n_rows) < 0.3, 0.5, np.inf))
    theta = rng.normal(size=n)
    ours = [theta.copy(), grad, m.copy(), v.copy()]
    theirs = [theta.copy(), grad, m.copy(), v.copy()]
    for step in range(3):
        for lr in (1e-3, 0.7):
            parameters.projected_adam_step(*ours, lower, upper, lr, 0.9, 0.999, 1e-8)
            scalar(*theirs, lower, upper, lr, 0.9, 0.999, 1e-8)
    for a, b in zip(ours, theirs):
        np.testing.assert_array_equal(a.view(np.uint64), b.view(np.uint64))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("padded", [False, True])
def test_l2_penalty_grad_to_copies_to_another_block_or_to_itself(dtype, padded):
    # The one kernel of the L2 penalty's gradient (added, the result copied to the
    # float64 gradient block in the same pass: 3.3 -> 2.2 ms on the decoder of a
    # float32 autoencoder of 64 codes, 9,936 inputs) gives the same penalty and
    # gradient whether it copies to another array or to grad_out itself (a float64
    # fit's unsplit layer, whose kernels write into theta's gradient), bit for bit;
    # the padded columns of a first layer's weights are not read.
    from sknonneg._kernels import parameters

    rng = np.random.default_rng(4)
    coef = (rng.normal(size=(37, 16 if padded else 13)) * 3).astype(dtype)
    grad = rng.normal(size=(37, 13)).astype(dtype)
    if padded:
        coef[:, 13:] = np.nan  # never read
    for kernels in (parameters, _reference):
        ours, theirs = grad.copy(), grad.copy()
        copy = np.full(grad.shape, np.nan)
        penalty = kernels.l2_penalty_grad_to(coef, 0.37, ours, copy)
        assert penalty == kernels.l2_penalty_grad_to(coef, 0.37, theirs, theirs)
        assert np.isfinite(penalty) and penalty > 0
        np.testing.assert_array_equal(ours, theirs)
        np.testing.assert_array_equal(copy, theirs.astype(np.float64))
        assert not np.array_equal(ours, grad)
