"""The fixed-order prediction of monotone networks (``sknonneg._kernels.fixed``).

A row's outputs depend on that row only, bit for bit (not on its place in the batch,
the batch size, the kernel flavour or the number of threads), and a monotone
network is monotone as computed: ``x' >= x`` in the constrained directions gives
``f(x') >= f(x)`` exactly, with no tolerance.
"""

import contextvars
import threading

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

from conftest import examples
from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg._engine import DenseLayer, forward
from sknonneg._engine.data import read_only_view
from sknonneg._kernels import IDENTITY, LOGISTIC, RELU, TANH, kernels, numpy_max_work
from sknonneg._kernels import reference
from sknonneg._kernels import FLUSH
from sknonneg._kernels.fixed_constants import EXP_RANGE_32, EXP_RANGE_64, LOG_FLUSH

DTYPES = [np.float32, np.float64]
CODES = {"logistic": LOGISTIC, "tanh": TANH, "relu": RELU, "identity": IDENTITY}


def _bits(a):
    a = np.ascontiguousarray(a)
    return a.view(np.uint64 if a.dtype == np.float64 else np.uint32)


def _assert_same_bits(a, b):
    np.testing.assert_array_equal(_bits(a), _bits(b))


def _sorted_grid(dtype, lo, hi, around=()):
    """Sorted values of ``dtype`` in ``[lo, hi]``, dense near each of ``around``."""
    rng = np.random.default_rng(0)
    values = [rng.uniform(lo, hi, 20000)]
    for point in around:
        v = np.asarray(point, dtype=dtype)
        steps = np.arange(-30, 31)
        values.append(v + steps * np.spacing(v))
    grid = np.unique(np.concatenate(values).astype(dtype))
    return grid[(grid >= lo) & (grid <= hi)]


# ------------------------------------------------------------------ activations
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("activation", sorted(CODES))
@pytest.mark.parametrize("flavour", [True, False, "numpy"])
def test_activations_are_non_decreasing_as_computed(dtype, activation, flavour):
    """f(gain * (s + b)) over a sorted grid that is dense near the switch points of
    exp's argument reduction (k ln2), the clamps and the flush threshold."""
    ln2 = np.log(2.0)
    lo, hi = EXP_RANGE_32 if dtype == np.float32 else EXP_RANGE_64
    bound = 1.0 - LOG_FLUSH
    special = [n * ln2 for n in range(-int(bound / ln2) - 2, int(bound / ln2) + 3)]
    special += [0.0, FLUSH, -FLUSH, bound, -bound, 0.5 * LOG_FLUSH, -0.5 * LOG_FLUSH]
    grid = _sorted_grid(dtype, -bound - 5, bound + 5,
                        [p for p in special if lo < p < hi])
    out = grid[:, None].copy()
    kernel_set = kernels("numpy" if flavour == "numpy" else flavour)
    kernel_set.fixed_order_finish(np.zeros(1, dtype), 1.0, CODES[activation], True, 3,
                                  out)
    assert out.dtype == dtype
    assert np.all(np.diff(out[:, 0]) >= 0)
    expected = {"logistic": lambda t: 1 / (1 + np.exp(-t)), "tanh": np.tanh,
                "relu": lambda t: np.maximum(t, 0), "identity": lambda t: t}[activation]
    reference_values = expected(grid.astype(np.float64))
    reference_values[np.abs(reference_values) < FLUSH] = 0.0
    # tanh's (1 - e) / (1 + e) is accurate to within an ulp of 1, not relatively.
    eps = np.finfo(dtype).eps
    np.testing.assert_allclose(out[:, 0], reference_values, rtol=4 * eps,
                               atol=4 * eps if activation == "tanh" else 0)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
def test_exp_of_the_twin_is_non_decreasing_and_accurate(dtype):
    lo, hi = EXP_RANGE_32 if dtype == np.float32 else EXP_RANGE_64
    ln2 = np.log(2.0)
    grid = _sorted_grid(dtype, lo, hi, [n * ln2 for n in range(int(lo / ln2) + 1,
                                                               int(hi / ln2))])
    values = reference.fixed._exp(grid)
    assert np.all(np.diff(values) >= 0)
    np.testing.assert_allclose(values, np.exp(grid.astype(np.float64)),
                               rtol=3e-7 if dtype == np.float32 else 6e-16)


def test_monotone_expit():
    z = np.sort(np.concatenate([np.linspace(-800, 800, 100001), [0.0, -0.0]]))
    p = reference.monotone_expit(z)
    assert np.all(np.diff(p) >= 0) and np.all((p > 0) & (p <= 1))
    np.testing.assert_allclose(p[np.abs(z) < 700], 1 / (1 + np.exp(-z[np.abs(z) < 700])),
                               rtol=1e-15)


# -------------------------------------------------------------------- kernels
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("flavour", [True, False])
@pytest.mark.parametrize("twin_path", ["accumulate", "blocks", "loop"])
def test_kernels_equal_their_twins_bit_for_bit(dtype, flavour, twin_path, monkeypatch):
    # The dense twin's two paths: every term at once (add.accumulate; in chunks of
    # input columns), or a loop over the columns (larger outputs).
    fixed_twin = reference.fixed
    limit = {"loop": 0}.get(twin_path, 10**9)
    monkeypatch.setattr(fixed_twin, "ACCUMULATE_MAX_OUTPUTS", limit)
    if twin_path == "blocks":  # chunks of 3 input columns
        monkeypatch.setattr(fixed_twin, "_BLOCK_TERMS", 3 * 70 * 11 + 5)
    rng = np.random.default_rng(3)
    X = rng.normal(size=(70, 40)) * (rng.random((70, 40)) < 0.3)
    X[5] = 0.0
    X = X.astype(dtype)
    coef = rng.normal(size=(40, 11)).astype(dtype)
    # Zero weights of either sign: all-zero sums are +0 in the kernel.
    coef[:, 3] = 0.0
    coef[:, 4] = -0.0
    coef[::2, 5] = -0.0
    csr = sp.csr_matrix(X)
    k = kernels(flavour)
    for n_chunks in (1, 3, 100):
        dense_k = np.full((70, 11), np.nan, dtype)
        csr_k = np.full((70, 11), np.nan, dtype)
        # The data read-only and the column numbers as the engine gives them for
        # so few columns (uint16; ``read_only_view``), so that this compiles what
        # the estimators' tests use anyway.
        k.fixed_order_product(read_only_view(X), coef, n_chunks, dense_k)
        k.csr_fixed_order_product(read_only_view(csr.data),
                                  read_only_view(csr.indices.astype(np.uint16)),
                                  read_only_view(csr.indptr.astype(np.int64)), coef,
                                  n_chunks, csr_k)
        dense_r = np.empty_like(dense_k)
        csr_r = np.empty_like(csr_k)
        reference.fixed_order_product(X, coef, n_chunks, dense_r)
        reference.csr_fixed_order_product(csr.data, csr.indices, csr.indptr, coef,
                                          n_chunks, csr_r)
        for out in (csr_k, dense_r, csr_r):
            _assert_same_bits(out, dense_k)
    for code in CODES.values():
        for hidden in (True, False):
            out_k = (30 * dense_k).astype(dtype)
            out_r = out_k.copy()
            intercept = rng.normal(size=11).astype(dtype)
            k.fixed_order_finish(intercept, 0.7, code, hidden, 3, out_k)
            reference.fixed_order_finish(intercept, 0.7, code, hidden, 3, out_r)
            _assert_same_bits(out_k, out_r)


@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("flavour", [True, False])
def test_fixed_order_activation_keeps_nan(dtype, flavour):
    # The flush of tiny values wrote a NaN pre-activation as 0 (|NaN| >= FLUSH is
    # false), kernel and twin alike: input that skipped validation (scikit-learn's
    # assume_finite=True) gave a finite, confident prediction on the fixed-order
    # path. A NaN now stays NaN (and is refused by the output check); every other
    # value is flushed as before (test above).
    k = kernels(flavour)
    for code in CODES.values():
        for hidden in (True, False):
            out_k = np.array([[np.nan, 0.5, 1e-30, -np.nan]], dtype)
            out_r = out_k.copy()
            k.fixed_order_finish(np.zeros(4, dtype), 0.7, code, hidden, 1, out_k)
            reference.fixed_order_finish(np.zeros(4, dtype), 0.7, code, hidden, 1,
                                         out_r)
            _assert_same_bits(out_k, out_r)
            assert np.isnan(out_k[0, [0, 3]]).all() and np.isfinite(out_k[0, 1:3]).all()


# ------------------------------------------------------------------ estimators
def _monotone_data(rng, n_samples=300, n_features=6):
    X = rng.normal(size=(n_samples, n_features))
    y = X[:, 0] - X[:, 1] + np.sin(2 * X[:, 2]) + 0.3 * rng.normal(size=n_samples)
    return X, y


CST = [1, -1, 0, 1, 0, 0]


def _fitted(kind, dtype, hidden=(8, 5), activation="logistic"):
    rng = np.random.default_rng(0)
    X, y = _monotone_data(rng)
    common = dict(hidden_layer_sizes=hidden, monotonic_cst=CST, positive=True, max_iter=30,
                  dtype=dtype, activation=activation, random_state=0)
    if kind == "classifier":
        est = NonNegMLPClassifier(**common).fit(X, (y > 0).astype(int))
    else:
        est = NonNegMLPRegressor(**common).fit(X, y)
    return est, X


def _outputs(est, X):
    if hasattr(est, "predict_proba"):
        return [est.predict_proba(X), est.decision_function(X), est.predict(X)]
    return [est.predict(X)]


def _in_thread(func):
    """``func()`` in another thread: the serial kernels run there (in a copy of this
    thread's context, so under its ``numpy_max_work``)."""
    result = []
    context = contextvars.copy_context()
    thread = threading.Thread(target=lambda: result.append(context.run(func)))
    thread.start()
    thread.join()
    return result[0]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", DTYPES, ids=["f32", "f64"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_a_row_predicts_the_same_bits_at_any_place_in_any_batch(kind, dtype):
    est, X = _fitted(kind, dtype)
    assert est._fixed_order()
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(3, X.shape[1])) * 3
    alone = [_outputs(est, rows[i:i + 1]) for i in range(3)]
    for n_samples in (1, 2, 3, 7, 64, 1100):
        batch = rng.normal(size=(n_samples + 2, X.shape[1]))
        places = rng.choice(n_samples + 2, size=3, replace=False)
        batch[places] = rows
        for forced in (False, True):
            # Forced: the numba kernels (parallel flavour in this thread, serial in
            # another), whatever the size; else what flavour_for picks.
            with numpy_max_work(-1 if forced else 1 << 24):
                runs = [_outputs(est, batch)]
                if forced:
                    runs.append(_in_thread(lambda: _outputs(est, batch)))
                    runs.append(_outputs(est, sp.csr_matrix(batch)))
            for outputs in runs:
                for i, place in enumerate(places):
                    for got, want in zip(outputs, alone[i]):
                        if got.dtype.kind == "f":
                            _assert_same_bits(got[place], want[0])
                        else:
                            assert got[place] == want[0]


@st.composite
def _networks(draw):
    """A monotone network with random weights: layer sizes, activation, dtype, a
    monotone pattern; weights of very different scales (saturated units, sums that
    cancel to the last bit)."""
    dtype = draw(st.sampled_from(DTYPES))
    n_features = draw(st.integers(1, 7))
    cst = np.array(draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=n_features,
                                 max_size=n_features)), dtype=np.int8)
    sizes = draw(st.lists(st.integers(1, 40), min_size=1, max_size=3))
    activation = draw(st.sampled_from(sorted(CODES)))
    seed = draw(st.integers(0, 2 ** 32 - 1))
    rng = np.random.default_rng(seed)
    widths = [n_features, *sizes, draw(st.integers(1, 2))]
    layers, params = [], []
    for i, (n_in, n_out) in enumerate(zip(widths[:-1], widths[1:])):
        last = i == len(widths) - 2
        signs = cst if i == 0 else np.ones(n_in, dtype=np.int8)
        layers.append(DenseLayer(n_in, n_out, signs,
                                 activation="identity" if last else activation))
        scale = 10.0 ** rng.uniform(-3, 2, size=(n_in, n_out))
        coef = rng.normal(size=(n_in, n_out)) * scale
        coef = np.where(signs[:, None] > 0, np.abs(coef),
                        np.where(signs[:, None] < 0, -np.abs(coef), coef))
        params.append((coef, rng.normal(size=n_out) * 3))
    return layers, params, cst, dtype, rng


@examples(60)
@given(network=_networks(), sparse=st.booleans(), n_samples=st.integers(2, 40),
       forced=st.booleans())
def test_monotone_networks_are_monotone_as_computed(network, sparse, n_samples, forced):
    """x' moved from x in the constrained directions (equal elsewhere), both in one
    batch at different places: every output of x' >= that of x, exactly."""
    layers, params, cst, dtype, rng = network
    n_features = cst.shape[0]
    X = rng.normal(size=(n_samples, n_features)) * 10.0 ** rng.uniform(-2, 1)
    X[rng.random(X.shape) < 0.3] = 0.0
    step = np.abs(rng.normal(size=X.shape)) * 10.0 ** rng.uniform(-12, 0, size=X.shape)
    step[rng.random(X.shape) < 0.5] = 0.0
    step[rng.random(n_samples) < 0.4] = 0.0  # x' = x: equal rows, other places
    X_moved = X + cst * step
    # Where rounding makes the move vanish or flip, the inputs are still ordered.
    X, X_moved = X.astype(dtype), X_moved.astype(dtype)
    assert np.all(cst * (X_moved - X) >= 0) and np.all((cst != 0) | (X_moved == X))
    batch = np.vstack([X, X_moved[::-1]])
    data = sp.csr_matrix(batch) if sparse else batch
    with numpy_max_work(-1 if forced else 1 << 24):
        _, logits = forward(layers, params, data, gain=1.3, dtype=dtype,
                            fixed_order=True)
    before, after = logits[:n_samples], logits[n_samples:][::-1]
    assert np.all(after >= before)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_check_monotonic_finds_no_violation(kind):
    from sknonneg.inspection import check_monotonic

    est, X = _fitted(kind, np.float64, hidden=(16,))
    with numpy_max_work(-1):
        report = check_monotonic(est, X[:100], n_steps=7)
    assert np.all(report.max_drop == 0.0)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_only_monotone_networks_take_the_fixed_order():
    rng = np.random.default_rng(0)
    X, y = _monotone_data(rng, n_samples=60)
    assert NonNegMLPClassifier(max_iter=2, positive=True).fit(X, y > 0)._fixed_order()
    assert not NonNegMLPClassifier(max_iter=2, positive=False).fit(X, y > 0)._fixed_order()
    assert not NonNegMLPRegressor(max_iter=2).fit(X, y)._fixed_order()  # "hidden"


def test_twin_product_temporary_is_bounded():
    # The accumulating path of the NumPy twin works in chunks of input columns:
    # its temporary stays within 2^17 terms whatever the layer's width (before a
    # review, one row's temporary was the whole weight matrix: 153 MiB for 100000
    # x 200). Here 20000 x 100 float64 weights, 15 MiB.
    import tracemalloc

    rng = np.random.default_rng(0)
    x = rng.random((1, 20000))
    coef = rng.random((20000, 100))
    out = np.empty((1, 100))
    tracemalloc.start()
    try:
        reference.fixed_order_product(x, coef, 1, out)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 * 2**20
    expected = np.empty_like(out)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(reference.fixed, "ACCUMULATE_MAX_OUTPUTS", 0)  # the column loop
        reference.fixed_order_product(x, coef, 1, expected)
    _assert_same_bits(out, expected)
