"""The numba kernels of ``sknonneg._kernels.abba`` against their NumPy twins.

Every kernel, in both flavours (parallel, serial), each in float32 and float64
(``conftest.flavour_dtypes``), every activation, with one chunk, uneven chunks and
more chunks than rows; then the two-product form of an ABBA layer against the
four-product block matrix it stands for, and the fast tanh against NumPy's on
extreme inputs.
"""

import zlib

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose

from conftest import copy_kernel_args as _copy
from conftest import flavour_dtypes
from sknonneg._engine.data import read_only_view
from sknonneg._engine.layers import ABBA_ACTIVATIONS as ACTIVATIONS
from sknonneg._kernels import FIRST, FLUSH, INNER, LAST, TANH, kernel_names
from sknonneg._kernels import kernels as kernel_set
from sknonneg._kernels.reference import abba as _abba_reference

DTYPES = [np.float32, np.float64]
SHAPES = [(13, 1), (13, 3), (5, 8), (1, 3)]  # one row in several chunks too
N_IN, N_OUT = 4, 3
# Wide enough that CSR rows hold groups of eight stored values (the product's fast path)
# and a remainder.
N_SPARSE_IN = 29
SLOPE, CAP = 0.2, 0.6


def _tol(dtype):
    return ({"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32
            else {"rtol": 1e-10, "atol": 1e-12})


@pytest.fixture(params=[True, False], ids=["parallel", "serial"])
def kernels(request):
    return kernel_set(request.param)


def _garbage(shape, dtype):
    return np.full(shape, np.nan, dtype=dtype)


def _normal(rng, shape, dtype, scale=1.0):
    return (scale * rng.normal(size=shape)).astype(dtype)


def _csr(rng, n_samples, dtype, n_in=N_IN):
    dense = rng.normal(size=(n_samples, n_in)) * (rng.random((n_samples, n_in)) < 0.5)
    if n_samples > 1:
        dense[1] = 0.0
    m = sp.csr_matrix(dense.astype(dtype))
    # uint16: the objective's type for inputs of up to 65535 columns; read-only as
    # the engine hands the kernels its data (``read_only_view``).
    return (read_only_view(m.data), read_only_view(m.indices.astype(np.uint16)),
            read_only_view(m.indptr.astype(np.int64)))


def _abba_input_forward(rng, dtype, n, n_chunks, act):
    return [read_only_view(_normal(rng, (n, N_IN), dtype)),
            _normal(rng, (N_IN, N_OUT), dtype), _normal(rng, N_OUT, dtype),
            _normal(rng, N_OUT, dtype), act, SLOPE, CAP, n_chunks,
            _garbage((n, N_OUT), dtype), _garbage((n, N_OUT), dtype)], [8, 9]


def _csr_abba_input_forward(rng, dtype, n, n_chunks, act):
    return [*_csr(rng, n, dtype, N_SPARSE_IN), _normal(rng, (N_SPARSE_IN, N_OUT), dtype),
            _normal(rng, N_OUT, dtype), _normal(rng, N_OUT, dtype), act, SLOPE, CAP,
            n_chunks, _garbage((n, N_OUT), dtype), _garbage((n, N_OUT), dtype)], [10, 11]


def _abba_forward(rng, dtype, n, n_chunks, act):
    return [_normal(rng, (n, N_IN), dtype), _normal(rng, (n, N_IN), dtype),
            np.abs(_normal(rng, (N_IN, N_OUT), dtype)), _normal(rng, (N_IN, N_OUT), dtype),
            _normal(rng, N_OUT, dtype), _normal(rng, N_OUT, dtype), act, SLOPE, CAP,
            n_chunks, _garbage((n, N_OUT), dtype), _garbage((n, N_OUT), dtype)], [10, 11]


def _abba_backprop(rng, dtype, n, n_chunks, act, use_sum=True):
    # The layer's outputs must be outputs of the activation: |x|, |z| < 1 for tanh.
    x = np.tanh(rng.normal(size=(n, N_IN)))
    z = np.tanh(rng.normal(size=(n, N_IN)))
    return [_normal(rng, (n, N_OUT), dtype), _normal(rng, (N_IN, N_OUT), dtype),
            _normal(rng, (n, N_OUT), dtype), _normal(rng, (N_IN, N_OUT), dtype),
            (x + z).astype(dtype), (x - z).astype(dtype), act, SLOPE, CAP, use_sum,
            n_chunks, _garbage((n_chunks, 2, N_IN), dtype), _garbage((n, N_IN), dtype),
            _garbage((n, N_IN), dtype), _garbage((2, N_IN), dtype)], [12, 13, 14]


def _abba_backprop_output(rng, dtype, n, n_chunks, act):
    return _abba_backprop(rng, dtype, n, n_chunks, act, use_sum=False)


def _abba_gram(rng, dtype, n, n_chunks, act):
    return [_normal(rng, (n, N_IN), dtype), _normal(rng, (n, N_IN), dtype),
            _normal(rng, (n, N_OUT), dtype), _normal(rng, (n, N_OUT), dtype), n_chunks,
            _garbage((n_chunks, N_IN, N_OUT), dtype), _garbage((n_chunks, N_IN, N_OUT), dtype),
            _garbage((N_IN, N_OUT), dtype), _garbage((N_IN, N_OUT), dtype)], [7, 8]


def _abba_load_layer(rng, dtype, n, n_chunks, act):
    return [rng.random((N_IN, N_OUT)), rng.random((N_IN, N_OUT)), 0.7, True,
            _garbage((N_IN, N_OUT), dtype), _garbage((N_IN, N_OUT), dtype)], [4, 5]


def _coef_grad(role):
    def build(rng, dtype, n, n_chunks, act):
        return [_normal(rng, (N_IN, N_OUT), dtype), _normal(rng, (N_IN, N_OUT), dtype),
                rng.random((N_IN, N_OUT)), rng.random((N_IN, N_OUT)), role, 0.6, 0.03,
                _garbage((N_IN, N_OUT), np.float64), _garbage((N_IN, N_OUT), np.float64)
                ], [7, 8]
    return build


BUILDERS = {
    "abba_input_forward": _abba_input_forward,
    "csr_abba_input_forward": _csr_abba_input_forward,
    "abba_forward": _abba_forward,
    "abba_backprop": _abba_backprop,
    "abba_backprop[output]": _abba_backprop_output,
    "abba_gram": _abba_gram,
}
# Parameter-sized kernels: no rows, no activation.
PARAMETER_BUILDERS = {
    "abba_load_layer": _abba_load_layer,
    "abba_coef_grad[first]": _coef_grad(FIRST),
    "abba_coef_grad[inner]": _coef_grad(INNER),
    "abba_coef_grad[last]": _coef_grad(LAST),
}


def test_every_kernel_has_a_reference_twin():
    public = {name for name in kernel_names() if "abba" in name}
    assert public == {name.split("[")[0] for name in [*BUILDERS, *PARAMETER_BUILDERS]}
    for name in public:
        assert callable(getattr(_abba_reference, name))
        for flavour in (True, False):
            assert callable(getattr(kernel_set(flavour), name))
    assert kernel_set(True).parallel and not kernel_set(False).parallel


def _check_against_reference(kernels, name, args, outs, dtype):
    kernel = name.split("[")[0]
    args_k, args_r = _copy(args), _copy(args)
    ret_k = getattr(kernels, kernel)(*args_k)
    ret_r = getattr(_abba_reference, kernel)(*args_r)
    if ret_r is None:
        assert ret_k is None
    else:
        assert_allclose(ret_k, ret_r, rtol=1e-5 if dtype == np.float32 else 1e-10)
    for i in outs:
        assert np.all(np.isfinite(args_k[i]))
        assert_allclose(args_k[i], args_r[i], **_tol(dtype))


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("n_samples, n_chunks", SHAPES)
@pytest.mark.parametrize("kernels, dtype", flavour_dtypes())
@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_kernel_matches_reference(kernels, name, dtype, n_samples, n_chunks, activation):
    seed = [zlib.crc32(name.encode()), n_samples, n_chunks, ACTIVATIONS[activation]]
    args, outs = BUILDERS[name](np.random.default_rng(seed), dtype, n_samples,
                                n_chunks, ACTIVATIONS[activation])
    _check_against_reference(kernels, name, args, outs, dtype)


@pytest.mark.parametrize("kernels, dtype", flavour_dtypes())
@pytest.mark.parametrize("name", sorted(PARAMETER_BUILDERS))
def test_parameter_kernel_matches_reference(kernels, name, dtype):
    args, outs = PARAMETER_BUILDERS[name](np.random.default_rng(zlib.crc32(name.encode())),
                                          dtype, 0, 1, 0)
    _check_against_reference(kernels, name, args, outs, dtype)


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_two_products_equal_the_block_matrix(activation):
    """(s, d) kernels == R([x, z] @ [[A, B], [B, A]] + [b_u, b_v]), four products."""
    rng = np.random.default_rng(0)
    code = ACTIVATIONS[activation]
    x, z = rng.normal(size=(7, N_IN)), rng.normal(size=(7, N_IN))
    a, b = rng.random((N_IN, N_OUT)), rng.random((N_IN, N_OUT))
    bu, bv = rng.normal(size=N_OUT), rng.normal(size=N_OUT)
    pre = np.hstack([x, z]) @ np.block([[a, b], [b, a]]) + np.concatenate([bu, bv])
    out = _abba_reference.activate(pre, code, SLOPE, CAP)
    s_out, d_out = np.empty((7, N_OUT)), np.empty((7, N_OUT))
    kernel_set(False).abba_forward(x + z, x - z, a + b, a - b, bu, bv, code, SLOPE, CAP, 1,
                                s_out, d_out)
    assert_allclose(s_out, out[:, :N_OUT] + out[:, N_OUT:], rtol=1e-12, atol=1e-14)
    assert_allclose(d_out, out[:, :N_OUT] - out[:, N_OUT:], rtol=1e-12, atol=1e-14)
    # The first layer on the doubled input [x, -x]: s = 0, d = 2 x.
    pre = np.hstack([x, -x]) @ np.block([[a, b], [b, a]]) + np.concatenate([bu, bv])
    out = _abba_reference.activate(pre, code, SLOPE, CAP)
    kernel_set(False).abba_input_forward(read_only_view(x), a - b, bu, bv, code, SLOPE,
                                         CAP, 1, s_out, d_out)
    assert_allclose(s_out, out[:, :N_OUT] + out[:, N_OUT:], rtol=1e-12, atol=1e-14)
    assert_allclose(d_out, out[:, :N_OUT] - out[:, N_OUT:], rtol=1e-12, atol=1e-14)


def test_fast_tanh_is_accurate_odd_saturating_and_flushed(kernels):
    t = np.array([0.0, 1e-40, -1e-12, 1e-6, 0.3, -2.0, 17.0, 34.0, 35.0, -800.0, 1e300])
    n = t.shape[0]
    s_out, d_out = np.empty((n, 1)), np.empty((n, 1))
    # u = t and v = -t: x = tanh(t), z = tanh(-t), so s = 0 and d = 2 tanh(t).
    kernels.abba_input_forward(read_only_view(t[:, None]), np.ones((1, 1)), np.zeros(1),
                               np.zeros(1), TANH, 0.0, 1.0, 1, s_out, d_out)
    expected = 2 * np.tanh(t)
    expected[np.abs(expected) < FLUSH] = 0.0
    assert_allclose(d_out[:, 0], expected, rtol=0, atol=8e-16)
    assert np.all(s_out == 0.0)  # exactly odd
    assert d_out[1, 0] == 0.0  # 1e-40: flushed, never subnormal
    assert np.all(np.abs(d_out) <= 2.0)


def test_activation_codes_are_the_kernels_branches():
    """The layers' activations are exactly the codes the ABBA kernels have a branch
    for (``codes.ABBA_ACTIVATION_CODES``): no activation falls through to another."""
    from sknonneg._kernels.codes import ABBA_ACTIVATION_CODES
    assert sorted(ACTIVATIONS.values()) == sorted(ABBA_ACTIVATION_CODES)


UNKNOWN_ACTIVATION_CODES = [-1, 99]


@pytest.mark.parametrize("code", UNKNOWN_ACTIVATION_CODES)
@pytest.mark.parametrize("name", ["abba_input_forward", "csr_abba_input_forward",
                                  "abba_forward", "abba_backprop",
                                  "abba_backprop[output]"])
def test_an_unknown_activation_code_activates_nothing(kernels, name, code):
    """An unknown code is no activation: NaN from the numba kernels, an error from
    the twin, never the identity's values (what a missing branch used to give)."""
    args, outs = BUILDERS[name](np.random.default_rng(0), np.float64, 13, 2, code)
    kernel = name.split("[")[0]
    args_k = _copy(args)
    getattr(kernels, kernel)(*args_k)
    assert np.all(np.isnan(args_k[outs[0]]))
    with pytest.raises(ValueError, match="unknown activation code"):
        getattr(_abba_reference, kernel)(*_copy(args))


def test_abba_layer_refuses_an_unknown_activation():
    from sknonneg._engine.layers import ABBALayer
    with pytest.raises(ValueError, match="activation must be one of"):
        ABBALayer(3, 2, "relu", "first")
