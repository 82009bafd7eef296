"""NonNegAutoencoder: its objective against finite differences and a NumPy reference
for every option, exact bounds, the transformer API, blocks of rows for sparse input,
and parts recovered from sums of bars."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose
from scipy.special import expit
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from conftest import frozen_heap
from sknonneg import InputScaleWarning, NonNegAutoencoder
from sknonneg._engine import KLSparsity, NegativeWeightsL2, RowBlockObjective
from sknonneg._engine.losses import SigmoidSquaredError, SquaredError
from sknonneg._engine.precondition import penalty_units

N_SAMPLES, N_FEATURES, K = 13, 6, 3

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _data(sparse, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((N_SAMPLES, N_FEATURES)) * (rng.random((N_SAMPLES, N_FEATURES)) < 0.5)
    return sp.csr_matrix(X) if sparse else X


def _reference_loss(ae, theta, X, sw, units=None):
    """NCAE's cost in NumPy, from the docstring's formula (``units``: the encoder's
    L2 in those units per input column)."""
    X = X.toarray() if sp.issparse(X) else X
    (w1, b1), (w2, b2) = ae._layout.views(theta)
    if units is not None:
        in_units = ae.l2 * ((units ** 2) @ (w1 ** 2).sum(1) - (w1 ** 2).sum())
        return in_units + _reference_loss(ae, theta, X, sw)
    h = expit(X @ w1 + b1)
    z = h @ w2 + b2
    xhat = expit(z) if ae.decoder == "sigmoid" else z
    data = sw @ (0.5 * ((xhat - X) ** 2).sum(1)) / sw.sum()
    rho_hat = sw @ h / sw.sum()
    r, beta = ae.sparsity_target, ae.sparsity_weight
    kl = r * np.log(r / rho_hat) + (1 - r) * np.log((1 - r) / (1 - rho_hat))
    loss = data + beta * kl.sum() + ae.l2 * ((w1 ** 2).sum() + (w2 ** 2).sum())
    if ae.nonneg == "penalty":
        for i in ae._constrained_layers():
            w = (w1, w2)[i]
            loss += ae.nonneg_penalty / 2 * (np.minimum(w, 0) ** 2).sum()
    return loss


def _objective(sparse, block_rows=None, **params):
    X = _data(sparse)
    sw = np.random.default_rng(1).uniform(0.2, 3.0, N_SAMPLES)
    ae = NonNegAutoencoder(K, l2=0.01, sparsity_weight=0.7, sparsity_target=0.2,
                           nonneg_penalty=0.5, **params)
    layout = ae._layout = ae._build_layout(N_FEATURES, N_FEATURES)
    objective = RowBlockObjective(layout, ae._loss(), ae._penalties(), X, X, sw,
                                  gain=1.0, parallel=False, block_rows=block_rows)
    theta = np.random.default_rng(2).normal(scale=0.7, size=layout.n_params)
    theta = layout.project(theta)
    return ae, objective, theta, X, sw


OPTIONS = [
    {"decoder": "sigmoid"},
    {"decoder": "linear"},
    {"decoder": "sigmoid", "nonneg": "penalty", "nonneg_layers": "both"},
    {"decoder": "linear", "nonneg": "penalty"},
    {"decoder": "sigmoid", "nonneg": False},
    {"decoder": "linear", "nonneg_layers": "both"},
]


@pytest.mark.parametrize("block_rows", [None, 5], ids=["one-block", "blocks"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("params", OPTIONS, ids=lambda p: "-".join(map(str, p.values())))
def test_penalty_value_is_the_loss_of_the_parameters_alone(params, sparse, block_rows):
    # penalty_value: the L2 and non-negativity penalties, not the data term and
    # not the KL sparsity term (which reads the data), without a pass over rows.
    ae, objective, theta, X, sw = _objective(sparse, block_rows, **params)
    (w1, _), (w2, _) = ae._layout.views(theta)
    expected = ae.l2 * ((w1 ** 2).sum() + (w2 ** 2).sum())
    if ae.nonneg == "penalty":
        for i in ae._constrained_layers():
            expected += ae.nonneg_penalty / 2 * (np.minimum((w1, w2)[i], 0) ** 2).sum()
    assert_allclose(objective.penalty_value(theta), expected, rtol=1e-10)
    data_only = NonNegAutoencoder(K, l2=0.0, sparsity_weight=0.7, sparsity_target=0.2,
                                  nonneg_penalty=0.0, **params)
    data_only._layout = ae._layout
    assert_allclose(objective.loss_grad(theta)[0] - objective.penalty_value(theta),
                    _reference_loss(data_only, theta, X, sw), rtol=1e-10)


@pytest.mark.parametrize("block_rows", [None, 5], ids=["one-block", "blocks"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("params", OPTIONS, ids=lambda p: "-".join(map(str, p.values())))
def test_gradient_matches_finite_differences(params, sparse, block_rows,
                                             finite_differences):
    ae, objective, theta, X, sw = _objective(sparse, block_rows, **params)
    loss, grad = objective.loss_grad(theta)
    assert_allclose(loss, _reference_loss(ae, theta, X, sw), rtol=1e-10)
    assert_allclose(grad, finite_differences(objective.loss_grad, theta), rtol=1e-6,
                    atol=1e-8)


def _units_objective(sparse, block_rows, decoder):
    """``_objective`` on columns spanning 0.1 to 1, with the encoder's L2 in the
    columns' spans (``penalty_units(narrow=True)``), as the training loops set it."""
    ae, objective, theta, X, sw = _objective(sparse, block_rows, decoder=decoder)
    X = (sp.csr_matrix(X.multiply(SPANS)) if sparse else X * SPANS)
    objective = RowBlockObjective(objective.layout, ae._loss(), ae._penalties(), X, X,
                                  sw, gain=1.0, parallel=False, block_rows=block_rows)
    units = penalty_units(X, narrow=True)
    assert_allclose(units, np.ptp(_dense(X), axis=0))
    objective.penalty_units = units
    return ae, objective, theta, X, sw, units


SPANS = np.linspace(0.1, 1.0, N_FEATURES)


def _dense(X):
    return X.toarray() if sp.issparse(X) else X


@pytest.mark.parametrize("block_rows", [None, 5], ids=["one-block", "blocks"])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("decoder", ["sigmoid", "linear"])
def test_encoder_l2_in_column_units_value_and_gradient(decoder, sparse, block_rows,
                                                       finite_differences):
    # l2 * sum_j u_j^2 ||W1_j||^2 + l2 ||W2||^2: through the fused kernels (one
    # block: Objective.penalty_units) and through L2's generic path over blocks of
    # rows (L2 with units), the same value, gradient and penalty_value.
    ae, objective, theta, X, sw, units = _units_objective(sparse, block_rows, decoder)
    (w1, _), (w2, _) = ae._layout.views(theta)
    loss, grad = objective.loss_grad(theta)
    assert_allclose(loss, _reference_loss(ae, theta, X, sw, units), rtol=1e-10)
    assert_allclose(grad, finite_differences(objective.loss_grad, theta), rtol=1e-6,
                    atol=1e-8)
    expected = ae.l2 * ((units ** 2) @ (w1 ** 2).sum(1) + (w2 ** 2).sum())
    assert_allclose(objective.penalty_value(theta), expected, rtol=1e-10)
    _, whole, _, _, _, _ = _units_objective(sparse, None, decoder)
    for a, b in zip(whole.loss_grad(theta), objective.loss_grad(theta)):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr-blocks"])
@pytest.mark.parametrize("decoder", ["sigmoid", "linear"])
def test_sigmoid_decoder_measures_the_encoder_l2_in_column_spans(decoder, sparse,
                                                                 monkeypatch):
    # With the sigmoid decoder the encoder's L2 is l2 * sum_j span_j^2 ||W1_j||^2
    # (doc/defaults.md, "The encoder's L2 in the columns' spans"): the loss_ of a
    # full-batch fit is that objective at the fitted weights, over one block or
    # (a CSR input in blocks of 4 rows) over blocks. The linear decoder keeps the
    # paper's penalty. Before, both were measured in the weights' own units.
    from sknonneg.neural_network import _autoencoder

    monkeypatch.setattr(_autoencoder, "_BLOCK_BYTES", 4 * 8 * N_FEATURES)
    X = _data(sparse)
    X = sp.csr_matrix(X.multiply(SPANS)) if sparse else X * SPANS
    ae = NonNegAutoencoder(K, decoder=decoder, l2=0.01, solver="lbfgsb", max_iter=5,
                           random_state=0).fit(X)
    units = np.ptp(_dense(X), axis=0) if decoder == "sigmoid" else None
    sw = np.ones(N_SAMPLES)
    assert_allclose(ae.loss_, _reference_loss(ae, ae._theta, X, sw, units), rtol=1e-9)


def test_blocks_equal_one_block():
    _, whole, theta, _, _ = _objective(True, None)
    _, blocks, _, _, _ = _objective(True, 4)
    assert not blocks.single and whole.single
    for a, b in zip(whole.loss_grad(theta), blocks.loss_grad(theta)):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("kind", ["csr", "duplicates", "prepared", "dense"])
def test_dense_targets_into_a_buffer_equal_a_new_array(kind, dtype):
    # The blocks' targets go into one shared buffer (dense_targets' out): the same
    # values as a new array, duplicate entries summed in their own dtype.
    from sknonneg._engine.data import prepare_input
    from sknonneg._engine.row_blocks import dense_targets

    rng = np.random.default_rng(0)
    indptr = np.arange(0, 43, 7)  # 6 rows of 7 entries, columns 0 to 3 twice over
    indices = np.concatenate([rng.permutation(np.r_[0:4, 0:3]) for _ in range(6)])
    values = (rng.random(42) * 1e-3 + 0.1).astype(dtype)
    y = sp.csr_matrix((values, indices, indptr), shape=(6, 9))
    assert not y.has_canonical_format
    if kind in ("csr", "prepared"):
        y.sum_duplicates()
    if kind == "prepared":
        y = prepare_input(y, dtype, False)
    elif kind == "dense":
        y = y.toarray()
    out = np.full((6, 9), np.nan)
    got = dense_targets(y, out=out)
    assert got is out
    np.testing.assert_array_equal(got, dense_targets(y))


@pytest.mark.parametrize("n_rows, k, block_rows, unit", [
    (300, 2, 100, "block"), (30, 20, 10, "parameters")])
def test_an_evaluation_over_blocks_allocates_neither_targets_nor_gradients(
        n_rows, k, block_rows, unit):
    # Before, every block's targets were a new dense array at every evaluation
    # (each block size's objective kept its last ones), and its gradient three
    # arrays of the parameters' size (the sum, the block's copy, its scaled copy):
    # 2.1 blocks' and 3.0 parameters' sizes at the peak of these evaluations. Now
    # one buffer of block_rows rows for the targets, one for the sum.
    import tracemalloc

    rng = np.random.default_rng(0)
    X = sp.random(n_rows, 4000, density=0.01, format="csr", random_state=0)
    ae = NonNegAutoencoder(k)
    layout = ae._layout = ae._build_layout(X.shape[1], X.shape[1])

    def objective(rows):
        return RowBlockObjective(layout, ae._loss(), ae._penalties(), X, X,
                                 None, parallel=False, block_rows=rows,
                                 targets_are_input=True)

    blocks = objective(block_rows)
    theta = layout.project(rng.normal(size=layout.n_params))
    loss, grad = blocks.loss_grad(theta)
    size = (block_rows * X.shape[1] if unit == "block" else layout.n_params) * 8
    frozen_heap()
    tracemalloc.start()
    try:
        again, buffer = blocks.loss_grad(theta, copy=False)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 0.5 * size, peak / size
    assert again == loss
    np.testing.assert_array_equal(buffer, grad)
    # copy=True is a copy; copy=False the buffer, overwritten by the next call.
    _, copied = blocks.loss_grad(theta)
    assert not np.shares_memory(copied, buffer)
    assert blocks.loss_grad(layout.project(theta + 0.1), copy=False)[1] is buffer
    np.testing.assert_array_equal(copied, grad)
    for a, b in zip(objective(None).loss_grad(theta), (loss, grad)):
        assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def _blocks_by_hand(layout, loss, X, sw, block_rows, dtype, parallel, theta):
    """The data term over blocks of rows as ``RowBlockObjective`` sums it, each
    block through a new engine ``Objective`` of its own."""
    from sknonneg._engine import Objective
    from sknonneg._engine.row_blocks import dense_targets

    total, grad, scale = 0.0, np.zeros(layout.n_params), 1.0 / float(sw.sum())
    for start in range(0, X.shape[0], block_rows):
        rows = slice(start, start + block_rows)
        share = float(sw[rows].sum()) * scale
        if share == 0:
            continue
        block = Objective(layout, loss, [], X[rows], dense_targets(X[rows]), sw[rows],
                          dtype=dtype, parallel=parallel, targets_are_input=True)
        block_loss, block_grad = block.loss_grad(theta, copy=False)
        total += share * block_loss
        block_grad *= share
        grad += block_grad
    return total, grad


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "parallel"])
def test_blocks_of_two_lengths_share_one_set_of_buffers(dtype, parallel):
    # The last block of rows is usually shorter than the others. Before, it had an
    # engine Objective of its own, with buffers of its own: its output layer's
    # logits and delta (as wide as the input), and the parameters' size several
    # times over (the gradient, the padded first layer, per-chunk partial sums):
    # 2.0x the memory of one block length's. Now every block length runs on the
    # buffers of the longest, with its own chunking, and the same values bit for
    # bit as a new Objective per block.
    import gc
    import tracemalloc

    from sknonneg._threads import fit_threads

    rng = np.random.default_rng(0)
    X = sp.random(300, 3000, density=0.01, format="csr", random_state=0)
    ae = NonNegAutoencoder(8, dtype=dtype)
    layout = ae._layout = ae._build_layout(X.shape[1], X.shape[1])
    loss = ae._loss()
    theta = layout.project(rng.normal(scale=0.3, size=layout.n_params))
    sw = rng.uniform(0.5, 2.0, 300)

    def evaluated(n_rows):
        """A RowBlockObjective over blocks of 100 of ``n_rows`` rows, and its
        evaluation at ``theta``."""
        blocks = RowBlockObjective(layout, loss, [], X[:n_rows], X[:n_rows],
                                   sw[:n_rows], dtype=dtype, parallel=parallel,
                                   block_rows=100, targets_are_input=True)
        return blocks, blocks.loss_grad(theta)

    def held(n_rows):
        """Bytes a RowBlockObjective over blocks of 100 of ``n_rows`` rows keeps
        after an evaluation, and the evaluation."""
        frozen_heap()
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            blocks, result = evaluated(n_rows)
            gc.collect()
            kept = tracemalloc.get_traced_memory()[0] - start
        finally:
            tracemalloc.stop()
        return kept, blocks, result

    with fit_threads() as parallel_ok:
        parallel = parallel and parallel_ok
        # Compiles the kernels (their caches are not the buffers) before tracemalloc
        # starts: numba compiles ~2.5x slower with every allocation traced.
        evaluated(190)
        even, _, _ = held(200)
        kept, blocks, _ = held(190)  # blocks of 100 and 90 rows
        assert sorted(blocks._by_rows) == [90, 100]
        assert kept < 1.15 * even, kept / even
        # Blocks of 100, 100 and 5 rows: on two threads or more, the short block
        # runs on one chunk of rows, the others on two.
        _, blocks, (value, grad) = held(205)
        assert sorted(blocks._by_rows) == [5, 100]
        expected = _blocks_by_hand(layout, loss, X[:205], sw[:205], 100, dtype,
                                   parallel, theta)
        assert value == expected[0]
        np.testing.assert_array_equal(grad, expected[1])
        # Another theta, then the first again: nothing of one evaluation (or of
        # the other block length) is read by the next.
        blocks.loss_grad(layout.project(theta + 0.2))
        again = blocks.loss_grad(theta)
        assert again[0] == value
        np.testing.assert_array_equal(again[1], grad)


def test_a_short_block_evaluated_first_gives_way_to_the_longer():
    # With the long blocks' weights zero, the short block's objective is made
    # first, on buffers of its length; a longer block's then takes its place.
    rng = np.random.default_rng(0)
    X = sp.random(250, 500, density=0.02, format="csr", random_state=0)
    ae = NonNegAutoencoder(4)
    layout = ae._layout = ae._build_layout(X.shape[1], X.shape[1])
    loss = ae._loss()
    theta = layout.project(rng.normal(scale=0.3, size=layout.n_params))
    sw = np.r_[np.zeros(200), rng.uniform(0.5, 2.0, 50)]
    blocks = RowBlockObjective(layout, loss, [], X, X, sw, parallel=False,
                               block_rows=100, targets_are_input=True)
    first = blocks.loss_grad(theta)
    assert sorted(blocks._by_rows) == [50]
    expected = _blocks_by_hand(layout, loss, X, sw, 100, np.float64, False, theta)
    assert first[0] == expected[0]
    np.testing.assert_array_equal(first[1], expected[1])
    weights = np.ones(250)
    blocks.set_data(X, X, weights)
    value, grad = blocks.loss_grad(theta)
    assert sorted(blocks._by_rows) in ([50, 100], [100])
    expected = _blocks_by_hand(layout, loss, X, weights, 100, np.float64, False,
                               theta)
    assert value == expected[0]
    np.testing.assert_array_equal(grad, expected[1])


def test_batches_of_two_sizes_share_their_blocks_buffers():
    # Adam's batches are of equal size to a row: 299 rows at batch_size=150 make
    # batches of 150 and 149 rows, each size with an objective of its own. Before,
    # each size's blocks (100 + 50 and 100 + 49 rows here) held buffers of their
    # own: their logits, deltas and targets, as wide as the input, and the
    # parameters' size several times over (1.36x the peak of the fit on 300 rows).
    # Now the fit's objectives take them from one pool.
    import tracemalloc

    X = sp.random(300, 3000, density=0.01, format="csr", random_state=0)

    def peak(n_rows):
        def fit():
            ae = NonNegAutoencoder(8, solver="adam", batch_size=150, max_iter=1,
                                   random_state=0)
            ae._block_rows = lambda X: 100
            return ae.fit(X[:n_rows])

        fit()  # compiles the kernels: their caches are not the fit's arrays
        frozen_heap()
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            fit()
            return tracemalloc.get_traced_memory()[1] - start
        finally:
            tracemalloc.stop()

    even = peak(300)
    two = peak(299)
    assert two < 1.15 * even, two / even


def _count_blocked_copies(monkeypatch):
    """A list that grows by one at every blocked CSC copy made (``_BlockedCSC``)."""
    from sknonneg._engine import data

    made = []
    original = data._BlockedCSC.__init__

    def counted(self, csr, *args, **kwargs):
        made.append(csr.shape[0])
        original(self, csr, *args, **kwargs)

    monkeypatch.setattr(data._BlockedCSC, "__init__", counted)
    return made


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("parallel", [False, True], ids=["serial", "parallel"])
def test_each_blocks_first_layer_copy_is_made_once_per_data_set(monkeypatch, dtype,
                                                                parallel):
    # Blocks of 1040, 1040 and 300 rows of 128 units: the long blocks' first-layer
    # gradient runs on a blocked CSC copy of the block (at least two of its row
    # blocks, of 256 rows in float64, 512 in float32; the short block, the
    # row-by-row scatter). Before, each
    # evaluation made both long blocks' copies again (six copies in three
    # evaluations); now once per data set, with the same values bit for bit as a
    # new Objective per block and evaluation.
    from sknonneg._threads import fit_threads

    rng = np.random.default_rng(0)
    X = sp.random(2380, 1500, density=0.01, format="csr", random_state=0)
    X.data[:] = rng.random(X.nnz)
    ae = NonNegAutoencoder(128, dtype=dtype)
    layout = ae._layout = ae._build_layout(X.shape[1], X.shape[1])
    loss = ae._loss()
    thetas = [layout.project(rng.normal(scale=0.3, size=layout.n_params))
              for _ in range(2)]
    sw = rng.uniform(0.5, 2.0, X.shape[0])
    made = _count_blocked_copies(monkeypatch)
    with fit_threads() as parallel_ok:
        parallel = parallel and parallel_ok
        blocks = RowBlockObjective(layout, loss, [], X, X, sw, dtype=dtype,
                                   parallel=parallel, block_rows=1040,
                                   targets_are_input=True)
        # The whole input's copy is made at its first use (KLSparsity reads it;
        # before, at every set_data): none here.
        assert made == []
        for theta in (*thetas, thetas[0]):
            value, grad = blocks.loss_grad(theta)
            expected = _blocks_by_hand(layout, loss, X, sw, 1040, dtype, parallel,
                                       theta)
            assert value == expected[0]
            np.testing.assert_array_equal(grad, expected[1])
        del made[:]  # the blocks' copies and _blocks_by_hand's own
        # Another data set of as many rows: its blocks' copies, once.
        Y = X[::-1]
        blocks.set_data(Y, Y, sw)
        for theta in thetas:
            value, grad = blocks.loss_grad(theta)
        assert made == [1040, 1040]
        expected = _blocks_by_hand(layout, loss, Y, sw, 1040, dtype, parallel,
                                   theta)
        assert value == expected[0]
        np.testing.assert_array_equal(grad, expected[1])


def test_kept_first_layer_copies_are_one_copy_of_the_stored_values(monkeypatch):
    # The blocks' kept copies hold the stored values and their row numbers once in
    # all (as the whole input's blocked copy does): beyond what the objective kept
    # before (the last copy of each block length), one block's copy here. And an
    # evaluation after the first allocates nothing of the data's size.
    import gc
    import tracemalloc

    from sknonneg._engine import data

    rng = np.random.default_rng(0)
    X = sp.random(1300, 1500, density=0.1, format="csr", random_state=0)
    ae = NonNegAutoencoder(128)
    layout = ae._layout = ae._build_layout(X.shape[1], X.shape[1])
    theta = layout.project(rng.normal(scale=0.3, size=layout.n_params))

    def nbytes(blocked):
        return sum(getattr(blocked, name).nbytes for name in
                   ("pair_columns", "pair_starts", "data", "rows", "column_bounds"))

    def kept(reusable):
        monkeypatch.setattr(data.FirstLayerGradient, "reusable",
                            property(lambda self: reusable and self.blocked is not None))
        frozen_heap()
        tracemalloc.start()
        try:
            start = tracemalloc.get_traced_memory()[0]
            blocks = RowBlockObjective(layout, ae._loss(), [], X, X, None,
                                       parallel=False, block_rows=520,
                                       targets_are_input=True)
            result = blocks.loss_grad(theta)
            gc.collect()
            held = tracemalloc.get_traced_memory()[0] - start
            tracemalloc.reset_peak()
            base = tracemalloc.get_traced_memory()[0]
            again = blocks.loss_grad(theta, copy=False)
            peak = tracemalloc.get_traced_memory()[1] - base
        finally:
            tracemalloc.stop()
        assert again[0] == result[0]
        np.testing.assert_array_equal(again[1], result[1])
        return held, peak, blocks, result

    rebuilt_held, rebuilt_peak, _, rebuilt = kept(False)
    held, peak, blocks, result = kept(True)
    assert result[0] == rebuilt[0]
    np.testing.assert_array_equal(result[1], rebuilt[1])
    copies = [f.blocked for f in blocks._first_layers if f is not None]
    assert len(copies) == 2
    whole = nbytes(blocks.first_layer.blocked)  # one copy of all the stored values
    assert sum(nbytes(c) for c in copies) < 0.9 * whole  # the short block has none
    # Rebuilt, the objective kept the last copy of one block length; now both.
    assert held - rebuilt_held < 1.1 * nbytes(copies[0]) + (64 << 10)
    # An evaluation after the first copies nothing of the data: before, each
    # block's targets were sliced from X (a copy of its stored values, 0.9 MB
    # here) and its blocked copy made again (0.8 MB).
    stored = X[:520].data.nbytes + X[:520].indices.nbytes
    assert peak < 0.25 * min(stored, nbytes(copies[0])), (peak, rebuilt_peak)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("duplicates", [False, True])
def test_sparse_targets_are_read_in_place_with_the_sliced_values(dtype, duplicates):
    # Each block's CSR targets are read through a matrix on the targets' own
    # arrays, kept for the data set, instead of a slice copied at every
    # evaluation: the same dense targets bit for bit, in a float32 matrix with
    # duplicate entries too (summed in their dtype, as the slice's), and none of
    # the targets' arrays copied.
    from sknonneg._engine.row_blocks import dense_targets

    rng = np.random.default_rng(0)
    X = sp.random(250, 300, density=0.05, format="csr", random_state=0,
                  dtype=dtype)
    X.data[:] = rng.random(X.nnz)
    if duplicates:
        # Each stored value split in two entries of its row.
        split, values, columns = X.data * np.asarray(0.375, dtype), [], []
        for a, b in zip(X.indptr[:-1], X.indptr[1:]):
            values += [split[a:b], X.data[a:b] - split[a:b]]
            columns += [X.indices[a:b]] * 2
        X = sp.csr_matrix((np.concatenate(values), np.concatenate(columns),
                           2 * X.indptr), shape=X.shape)
        assert X.dtype == dtype and not X.has_canonical_format
    ae = NonNegAutoencoder(4)
    layout = ae._layout = ae._build_layout(X.shape[1], X.shape[1])
    blocks = RowBlockObjective(layout, ae._loss(), [], X, X, None, parallel=False,
                               block_rows=100, targets_are_input=True)
    import tracemalloc

    for _ in range(2):
        for index, start in enumerate(range(0, 250, 100)):
            rows = slice(start, min(start + 100, 250))
            got = blocks._block_targets(index, rows)
            np.testing.assert_array_equal(got, dense_targets(X[rows]))
            kept = blocks._target_rows[index]
            assert np.shares_memory(kept.data, X.data)
            assert np.shares_memory(kept.indices, X.indices)
    if dtype == np.float64:  # (float32: cast up, or densified in float32 first)
        stored = X[:100].data.nbytes + X[:100].indices.nbytes
        tracemalloc.start()
        try:
            blocks._block_targets(1, slice(100, 200))
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 0.1 * stored, (peak, stored)


def test_a_fit_over_kept_blocks_is_the_fit_over_blocks_made_again(monkeypatch):
    # A sparse autoencoder's fit with every block's first-layer copy made anew at
    # every evaluation (as before) and with the copies kept: the same fit, bit for
    # bit, with Adam (batches of 1040 rows: blocks of 520) and L-BFGS-B. Adam
    # evaluates each batch once (a data set per step): it makes as many copies
    # as before; L-BFGS-B one per block and data set, whatever its evaluations.
    from sknonneg._engine import data

    X = sp.random(2080, 1200, density=0.05, format="csr", random_state=0)
    X.data[:] = np.random.default_rng(0).random(X.nnz)
    made = _count_blocked_copies(monkeypatch)

    def fit(reusable, **params):
        monkeypatch.setattr(data.FirstLayerGradient, "reusable",
                            property(lambda self: reusable and self.blocked is not None))
        ae = NonNegAutoencoder(128, max_iter=3, random_state=0, **params)
        ae._block_rows = lambda X: 520
        del made[:]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ae.fit(X)
        assert ae.n_iter_ == 3
        return ae, list(made)

    for params in ({"solver": "adam", "batch_size": 1040}, {"solver": "lbfgsb"}):
        rebuilt, made_rebuilt = fit(False, **params)
        kept, made_kept = fit(True, **params)
        np.testing.assert_array_equal(kept.components_, rebuilt.components_)
        for a, b in zip(kept.coefs_ + kept.intercepts_,
                        rebuilt.coefs_ + rebuilt.intercepts_):
            np.testing.assert_array_equal(a, b)
        assert kept.loss_curve_ == rebuilt.loss_curve_
        if params["solver"] == "adam":
            assert made_kept == made_rebuilt == [520, 520] * 6
        else:
            assert made_kept == [520] * 4
            assert len(made_rebuilt) > 2 * len(made_kept)


def test_blocks_take_one_dimensional_targets():
    # The blocks' targets buffer takes y's shape past its rows: a 1-d y (one
    # output) evaluates over blocks as over one block, as before the buffer.
    from sknonneg import NonNegMLPRegressor

    rng = np.random.default_rng(0)
    X, y = rng.random((30, 5)), rng.random(30)
    layout = NonNegMLPRegressor((4,))._build_layout(5, 1)
    theta = rng.normal(size=layout.n_params)
    whole = RowBlockObjective(layout, "squared_error", [], X, y, None,
                              parallel=False).loss_grad(theta)
    for targets in (y, y[:, None]):
        blocks = RowBlockObjective(layout, "squared_error", [], X, targets, None,
                                   parallel=False, block_rows=7)
        for a, b in zip(blocks.loss_grad(theta), whole):
            assert_allclose(a, b, rtol=1e-12, atol=1e-15)
    # set_data to targets of another shape: another buffer.
    blocks.set_data(X, y, None)
    for a, b in zip(blocks.loss_grad(theta), whole):
        assert_allclose(a, b, rtol=1e-12, atol=1e-15)


def test_engine_parts_directly():
    loss = SigmoidSquaredError()
    z = np.array([[0.3, -2.0]])
    y = np.array([[1.0, 0.0]])
    values, grad = loss.value_grad(z, y)
    p = expit(z)
    assert_allclose(values, [0.5 * ((p - y) ** 2).sum()])
    assert_allclose(grad, (p - y) * p * (1 - p))
    kl = KLSparsity(0.1, 2.0)
    value, g = kl.mean_activation_grad(np.array([0.1, 0.5]))
    assert value > 0 and g[0] == pytest.approx(0.0)
    with pytest.raises(RuntimeError, match="bind"):
        kl.value_grad(None, None, None)
    assert NegativeWeightsL2(1.0, [1]).layers == (1,)


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("nonneg_layers", ["decoder", "both"])
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_bounds_exact_and_shapes(sparse, nonneg_layers, solver):
    X = sp.random(40, 9, density=0.4, random_state=0, format="csr")
    X = X if sparse else X.toarray()
    ae = NonNegAutoencoder(4, nonneg_layers=nonneg_layers, solver=solver, max_iter=15,
                           random_state=0).fit(X)
    assert ae.components_.shape == (4, 9) and ae.components_.min() >= 0
    assert ae.coefs_[1].min() >= 0
    if nonneg_layers == "both":
        assert ae.coefs_[0].min() >= 0
    codes = ae.transform(X)
    assert codes.shape == (40, 4) and codes.dtype == np.float64
    assert np.all((codes >= 0) & (codes <= 1))
    recon = ae.inverse_transform(codes)
    assert recon.shape == (40, 9) and recon.dtype == np.float64
    assert isinstance(recon, np.ndarray)
    dense = X.toarray() if sparse else X
    assert_allclose(ae.reconstruction_err_, np.linalg.norm(dense - recon), rtol=1e-8)
    assert len(ae.loss_curve_) == ae.n_iter_ or solver == "lbfgsb"


def test_float32_sparse_blocks_and_partial_fit(monkeypatch):
    from sknonneg.neural_network import _autoencoder
    monkeypatch.setattr(_autoencoder, "_BLOCK_BYTES", 8 * 9 * 7)  # 7 rows a block
    X = sp.random(30, 9, density=0.4, random_state=1, format="csr")
    ae = NonNegAutoencoder(3, dtype="float32", decoder="linear", max_iter=10,
                           random_state=0).fit(X)
    assert ae.components_.dtype == np.float64 and ae.components_.min() >= 0
    err = np.linalg.norm(X.toarray() - ae.inverse_transform(ae.transform(X)))
    assert_allclose(ae.reconstruction_err_, err, rtol=1e-5)
    ae2 = NonNegAutoencoder(3, random_state=0)
    for _ in range(3):
        ae2.partial_fit(X)
    assert ae2.n_iter_ == 3 and ae2.components_.min() >= 0


def test_penalty_layers_at_a_zero_penalty_are_free():
    """``weight_constraints_`` names the layers ``nonneg="penalty"`` applies to;
    at ``nonneg_penalty=0`` they cost nothing (the docstring says so): the fit is
    the unconstrained one, bit for bit, and its weights may be negative."""
    X = np.random.default_rng(0).random((30, 8))
    kw = dict(n_components=3, max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pen = NonNegAutoencoder(nonneg="penalty", nonneg_penalty=0.0, **kw).fit(X)
        free = NonNegAutoencoder(nonneg=False, **kw).fit(X)
    assert pen.weight_constraints_ == ["free", "penalty"]
    assert free.weight_constraints_ == ["free", "free"]
    assert_allclose(pen.components_, free.components_, rtol=0, atol=0)
    assert pen.components_.min() < 0
    doc = " ".join(NonNegAutoencoder.__doc__.split())
    assert "cost ``nonneg_penalty`` as fitted (nothing at 0; no bound" in doc


def test_penalty_version_and_api():
    X = np.random.default_rng(0).random((30, 8))
    ae = NonNegAutoencoder(3, nonneg="penalty", max_iter=20, random_state=0)
    codes = ae.fit_transform(X)
    assert ae.weight_constraints_ == ["free", "penalty"]
    assert codes.shape == (30, 3)
    names = ae.get_feature_names_out()
    assert list(names) == [f"nonnegautoencoder{i}" for i in range(3)]
    with pytest.raises(ValueError, match="n_components"):
        ae.inverse_transform(codes[:, :2])
    # True is not one of the options: refused by the parameter validation, as any
    # other invalid value (it passed the constraints and failed later before).
    with pytest.raises(ValueError, match="'nonneg' parameter.*bool among {False}"):
        NonNegAutoencoder(nonneg=True).fit(X)


def test_penalty_leaves_negative_parts_on_digits_as_the_docstring_says():
    # The measurement behind nonneg="penalty" (in the docstring until it moved, in
    # doc/defaults.md since): on digits / 16, 16 components, 50 full-batch
    # L-BFGS-B iterations, the most negative part weight is -0.9 to -1.3 over seeds
    # 0 to 2 (it said -1.1; seed 0 gives -1.25).
    from pathlib import Path

    page = (Path(__file__).parents[1] / "doc" / "defaults.md").read_text("utf-8")
    assert "-0.9 to -1.3 with 16 components after 50 L-BFGS-B iterations" in page
    from sklearn.datasets import load_digits

    X = load_digits().data / 16
    lows = [NonNegAutoencoder(16, nonneg="penalty", solver="lbfgsb", max_iter=50,
                              random_state=seed).fit(X).components_.min()
            for seed in range(3)]
    assert -1.3 <= min(lows) and max(lows) <= -0.9


def test_pipeline_of_two():
    X = np.random.default_rng(0).random((30, 8))
    pipe = make_pipeline(NonNegAutoencoder(5, max_iter=10, random_state=0),
                         NonNegAutoencoder(2, max_iter=10, random_state=0))
    assert pipe.fit_transform(X).shape == (30, 2)
    assert pipe.set_output(transform="default").transform(X).shape == (30, 2)


def _bars(n, side=6, seed=0):
    """Images of ``side x side`` pixels, each the sum of a few of the 2 * side
    horizontal and vertical bars (Foldiak's bars)."""
    rng = np.random.default_rng(seed)
    parts = []
    for i in range(side):
        img = np.zeros((side, side))
        img[i, :] = 1
        parts.append(img.ravel())
        img = np.zeros((side, side))
        img[:, i] = 1
        parts.append(img.ravel())
    parts = np.array(parts)
    on = rng.random((n, len(parts))) < 1.5 / len(parts)
    X = np.minimum(on.astype(float) @ parts, 1.0)
    return X, parts


def test_bars_parts_recovered():
    X, parts = _bars(400)
    # NCAE's configuration (KL sparsity, full-batch L-BFGS-B): on 400 rows the
    # default (Adam, 50 epochs of 2 batches, no sparsity) stops far from this.
    ae = NonNegAutoencoder(12, sparsity_target=0.1, sparsity_weight=3.0,
                           solver="lbfgsb", max_iter=300, random_state=0).fit(X)
    comp = ae.components_
    assert comp.min() >= 0
    # Each true bar is matched by a learned part (cosine similarity).
    norm = comp / np.linalg.norm(comp, axis=1, keepdims=True).clip(1e-12)
    sim = (parts / np.linalg.norm(parts, axis=1, keepdims=True)) @ norm.T
    assert np.median(sim.max(axis=1)) > 0.8, sim.max(axis=1)


# X * 1e-3 is small-scale data on purpose (it warns; the start is still equivariant).
@pytest.mark.filterwarnings("ignore::sknonneg.InputScaleWarning")
@pytest.mark.parametrize("nonneg", ["bounds", False])
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
def test_linear_decoder_start_follows_the_data_scale(sparse, nonneg):
    # The linear decoder's weights are in the data's units: scaling the data by c
    # scales the starting parts and output biases by c and the encoder's weights by
    # 1 / c (same codes), so that the parts never start larger than the data.
    X = _data(sparse)
    ae = NonNegAutoencoder(K, decoder="linear", nonneg=nonneg)
    layout = ae._build_layout(N_FEATURES, N_FEATURES)
    c = 1e-3
    (w1, w2), (b1, b2) = layout.arrays(ae._init_theta(layout, X, np.random.RandomState(0)))
    (v1, v2), (c1, c2) = layout.arrays(
        ae._init_theta(layout, X * c, np.random.RandomState(0)))
    assert_allclose(v1 * c, w1, rtol=1e-10)
    assert_allclose(c1, b1, rtol=1e-10, atol=1e-12)
    assert_allclose(v2, w2 * c, rtol=1e-10)
    assert_allclose(c2, b2 * c, rtol=1e-10, atol=1e-15)
    dense = X.toarray() if sparse else X
    spread = np.sqrt(np.mean(dense.var(0)))
    assert np.abs(w2).max() <= spread * np.sqrt(6.0 / (K + N_FEATURES + 1))


@pytest.mark.parametrize("decoder", ["linear", "sigmoid"])
def test_start_from_csr_equals_start_from_dense(decoder, monkeypatch):
    # The start reads a CSR subset as CSR (products and weighted column moments),
    # never densified, and equals the dense start up to rounding.
    X = _data(True)
    ae = NonNegAutoencoder(K, decoder=decoder)
    layout = ae._build_layout(N_FEATURES, N_FEATURES)
    dense = ae._init_theta(layout, X.toarray(), np.random.RandomState(0))

    def refuse(*args, **kwargs):
        raise AssertionError("the start densified a sparse matrix")

    monkeypatch.setattr(sp.csr_matrix, "toarray", refuse)
    sparse = ae._init_theta(layout, X, np.random.RandomState(0))
    assert_allclose(sparse, dense, rtol=1e-10, atol=1e-12)


def _expected_failed_transformer_checks(est):
    """The checks each configuration of ``test_sklearn_compatible_transformer`` is
    expected to fail, with the reason."""
    if np.dtype(est.dtype) != np.float32:
        return {}
    # Weighting a row by 2 and repeating it give the same codes up to the sums'
    # order; returned in float32, they then differ by one or two units in the last
    # place (at most 7.5e-8 dense and 1.2e-7 sparse, on codes in (0, 1), relative
    # 3.4e-7 and 4.8e-7), and the check's rtol=1e-7 is below float32's resolution
    # (eps 1.19e-7). The float64 configuration passes both checks.
    reason = ("float32 codes: one or two units in the last place apart, below the "
              "check's rtol=1e-7 (float32's eps is 1.19e-7)")
    return {"check_sample_weight_equivalence_on_dense_data": reason,
            "check_sample_weight_equivalence_on_sparse_data": reason}


# scikit-learn's checks fit on data outside [0, 1], which the sigmoid decoder
# cannot reconstruct: the warning that says so is expected there. The float32
# configuration declares preserves_dtype=["float32"], so that
# check_transformer_preserve_dtypes holds transform and fit_transform to float32
# (the float64 one checks float64 only).
@pytest.mark.filterwarnings("ignore::sknonneg.InputScaleWarning")
@parametrize_with_checks(
    [NonNegAutoencoder(3, max_iter=20, random_state=0),
     NonNegAutoencoder(3, max_iter=20, random_state=0, dtype="float32")],
    expected_failed_checks=_expected_failed_transformer_checks)
def test_sklearn_compatible_transformer(estimator, check):
    check(estimator)


def test_stack_initialises_classifier():
    from sknonneg import NonNegMLPClassifier
    rng = np.random.default_rng(0)
    X = rng.random((60, 8))
    y = (X[:, 0] > 0.5).astype(int)
    ae1 = NonNegAutoencoder(5, nonneg_layers="both", max_iter=10, random_state=0).fit(X)
    ae2 = NonNegAutoencoder(3, nonneg_layers="both", max_iter=10,
                            random_state=0).fit(ae1.transform(X))
    clf = NonNegMLPClassifier.from_autoencoders([ae1, ae2], max_iter=1, random_state=0)
    assert clf.hidden_layer_sizes == (5, 3) and clf.positive is True
    # The repr says the stack is there (get_params does not hold it).
    assert repr(clf).endswith("# from_autoencoders: starts from a pre-trained stack "
                              "(5, 3)")
    assert "from_autoencoders" not in repr(NonNegMLPClassifier(**clf.get_params()))
    theta = clf._init_theta(clf._build_layout(8, 2), X, np.random.RandomState(0))
    coefs, intercepts = clf._build_layout(8, 2).arrays(theta)
    assert_allclose(coefs[0], ae1.coefs_[0])
    assert_allclose(intercepts[1], ae2.intercepts_[0])
    clf.fit(X, y)
    assert min(w.min() for w in clf.coefs_) >= 0
    free = NonNegAutoencoder(4, nonneg=False, max_iter=5, random_state=0).fit(X)
    assert NonNegMLPClassifier.from_autoencoders([free]).positive == [False, True]
    with pytest.raises(ValueError, match="negative"):
        NonNegMLPClassifier.from_autoencoders([free], positive=True)
    with pytest.raises(ValueError, match="inputs"):
        NonNegMLPClassifier.from_autoencoders([ae2, ae1])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_stack_output_stage_on_codes_that_are_mostly_zeros(dtype):
    """The output stage (``output_init="fit"``) on codes with at most 25% non-zeros,
    which the engine takes as CSR: its one-layer objective's product read the
    padded copy of the weights whole and raised "operands could not be broadcast
    together with shapes (300,16) (10,)". A sparse autoencoder's encoder under a
    ReLU hidden layer gives such codes."""
    from sklearn.datasets import load_digits

    from sknonneg import NonNegMLPClassifier
    X, y = load_digits(return_X_y=True)
    X, y = X[:300] / 16, y[:300]
    ae = NonNegAutoencoder(16, sparsity_target=0.02, sparsity_weight=0.3, max_iter=10,
                           random_state=0).fit(X)
    codes = np.maximum(X @ ae.coefs_[0] + ae.intercepts_[0], 0.0)
    assert 0 < np.count_nonzero(codes) <= 0.25 * codes.size
    clf = NonNegMLPClassifier.from_autoencoders([ae], activation="relu", max_iter=2,
                                                random_state=0, dtype=dtype)
    clf.fit(X, y)
    assert np.isfinite(clf.loss_) and clf.predict_proba(X).shape == (300, 10)


def test_a_stack_beyond_float32_is_refused_by_a_float32_fit_in_its_words():
    # A float64 autoencoder whose weights lie beyond
    # float32's range, stacked into a dtype="float32" classifier, was refused as
    # "The network's parameters overflowed to non-finite values in L-BFGS-B",
    # advice (lower learning_rate_init, gain, the penalties) that named neither
    # the stack nor the dtype.
    from sknonneg import NonNegMLPClassifier
    rng = np.random.default_rng(0)
    X = rng.random((60, 4))
    y = (X[:, 0] > 0.5).astype(int)
    ae = NonNegAutoencoder(3, max_iter=5, random_state=0).fit(X)
    # As a float64 fit may end (finite in float64), set in the fitted parameters,
    # which from_autoencoders stacks (not the coefs_ list).
    ae._layout.views(ae._theta)[0][0][0, 0] = 1e39
    ae._set_fitted_layers(ae._theta)
    assert ae.coefs_[0][0, 0] == 1e39
    for dtype in ("float32", np.float32):
        clf = NonNegMLPClassifier.from_autoencoders([ae], dtype=dtype, max_iter=2)
        with pytest.raises(ValueError, match=(
                r"^the pre-trained weights of layer 0 \(from_autoencoders\) reach "
                r"1e\+39, beyond the largest float32 \(3\.4e\+38\): with "
                r"dtype='float32' the network would compute with inf\. Use "
                r"dtype='float64'\.$")):
            clf.fit(X, y)
        assert not hasattr(clf, "coefs_")
    clf = NonNegMLPClassifier.from_autoencoders([ae], max_iter=2).fit(X, y)
    assert clf.coefs_[0][0, 0] > 1e38


def test_a_stack_fine_tunes_at_a_depth_set_since():
    # Before: from_autoencoders set positive to one bool per layer of the network
    # it built, so set_params (or a grid search) of a deeper hidden_layer_sizes
    # that starts with the stack was refused, naming a positive never set.
    from sklearn.model_selection import GridSearchCV
    from sknonneg import NonNegMLPClassifier
    rng = np.random.default_rng(0)
    X = rng.random((60, 6))
    y = (X[:, 0] > 0.5).astype(int)
    ae = NonNegAutoencoder(3, nonneg_layers="both", max_iter=10, random_state=0).fit(X)
    clf = NonNegMLPClassifier.from_autoencoders([ae], max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 5 iterations do not converge
        deep = clf.set_params(hidden_layer_sizes=(3, 4)).fit(X, y)
        assert [c.shape for c in deep.coefs_] == [(6, 3), (3, 4), (4, 2)]
        assert min(c.min() for c in deep.coefs_) >= 0
        search = GridSearchCV(clf, {"hidden_layer_sizes": [(3,), (3, 4)]}, cv=2,
                              error_score="raise").fit(X, y)
    assert search.best_estimator_.n_layers_ in (3, 4)
    # A stack with a free encoder keeps its list, and a deeper network set since
    # is refused, saying where the list comes from.
    free = NonNegAutoencoder(3, nonneg=False, max_iter=5, random_state=0).fit(X)
    clf = NonNegMLPClassifier.from_autoencoders([free], max_iter=5)
    with pytest.raises(ValueError, match="from_autoencoders set it for the depth"):
        clf.set_params(hidden_layer_sizes=(3, 4)).fit(X, y)
    # A list the caller set is not blamed on from_autoencoders.
    with pytest.raises(ValueError, match="positive") as caught:
        clf.set_params(positive=[False]).fit(X, y)
    assert "from_autoencoders" not in str(caught.value)


def test_stack_refuses_what_is_not_a_list_of_autoencoders():
    # Before: AttributeError (weight_constraints_, coefs_) for a scikit-learn MLP or
    # a Pipeline, "not iterable" for one autoencoder, and a fitted regressor was
    # taken as a stack; a generator was read twice (its second pass empty).
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import MinMaxScaler
    from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor
    rng = np.random.default_rng(0)
    X = rng.random((40, 5))
    y = (X[:, 0] > 0.5).astype(int)
    ae = NonNegAutoencoder(4, nonneg_layers="both", max_iter=3, random_state=0).fit(X)
    others = [MLPClassifier((4,), max_iter=3).fit(X, y),
              NonNegMLPRegressor((4,), max_iter=3).fit(X, X[:, 0])]
    for other in others:
        with pytest.raises(TypeError, match=f"NonNegAutoencoder instances; "
                                            f"autoencoder 1 is a {type(other).__name__}"):
            NonNegMLPClassifier.from_autoencoders([ae, other])
    with pytest.raises(TypeError, match=r"autoencoder step \(pipeline\[-1\]\)"):
        NonNegMLPClassifier.from_autoencoders([make_pipeline(MinMaxScaler(), ae)])
    with pytest.raises(TypeError, match=r"list of fitted NonNegAutoencoder, got "
                                        r"NonNegAutoencoder; pass \[autoencoder\]"):
        NonNegMLPClassifier.from_autoencoders(ae)
    from_gen = NonNegMLPClassifier.from_autoencoders(a for a in [ae])
    assert from_gen.hidden_layer_sizes == (4,) and from_gen.positive is True


def _small_stack(seed=0):
    """Three clusters in [0, 1]^8 (90 rows) and a fitted 8 -> 5 -> 3 stack."""
    rng = np.random.default_rng(seed)
    y = np.repeat(np.arange(3), 30)
    X = np.clip(rng.random((3, 8))[y] + 0.15 * rng.standard_normal((90, 8)), 0, 1)
    ae1 = NonNegAutoencoder(5, nonneg_layers="both", max_iter=20, random_state=0).fit(X)
    ae2 = NonNegAutoencoder(3, nonneg_layers="both", max_iter=20,
                            random_state=0).fit(ae1.transform(X))
    return X, y, [ae1, ae2]


def _start_loss(stack, X, y, output_init):
    """Training loss at the start: one epoch of Adam with a negligible step."""
    from sknonneg import NonNegMLPClassifier
    clf = NonNegMLPClassifier.from_autoencoders(
        stack, output_init=output_init, solver="adam", learning_rate_init=1e-12,
        batch_size=len(y), random_state=0)
    return clf.partial_fit(X, y, classes=np.unique(y))


def test_stack_output_stage_fits_the_output_layer_on_the_codes():
    X, y, stack = _small_stack()
    fitted, default = (_start_loss(stack, X, y, init) for init in ("fit", "default"))
    # The recipe's second stage: fine-tuning starts from a softmax fitted on the
    # frozen codes, not from a random output layer.
    assert fitted.loss_curve_[0] < default.loss_curve_[0] - 0.1
    assert fitted.loss_curve_[0] < np.log(3)
    # The hidden layers are the encoders, untouched by the output stage.
    assert_allclose(fitted.coefs_[0], stack[0].coefs_[0], atol=1e-8)
    assert_allclose(fitted.coefs_[1], stack[1].coefs_[0], atol=1e-8)
    # The output layer is the (constrained) softmax regression of y on the codes:
    # its gradient there is zero, or points out of the box on weights at 0.
    from sknonneg import NonNegMLPClassifier
    clf = NonNegMLPClassifier.from_autoencoders(stack, solver="adam", max_iter=1,
                                                random_state=0)
    clf._validate_params()
    clf._snapshot_params()
    Xv, yv = clf._validate_X_y(X, y, reset=True)
    targets, _ = clf._encode_targets(yv)
    sw = np.ones(len(y))
    layout = clf._build_layout(Xv.shape[1], clf.n_outputs_)
    theta, fresh = clf._start_theta(layout, Xv, np.random.RandomState(0), sw, False)
    assert fresh
    theta = clf._start_output(layout, theta, Xv, targets, sw)
    grad = clf._make_objective(layout, Xv, targets, sw, 1.0, False).loss_grad(theta)[1]
    coef_grad, intercept_grad = layout.views(grad)[-1]
    coef, _ = layout.views(theta)[-1]
    assert np.abs(intercept_grad).max() < 1e-3
    assert np.abs(np.where(coef > 0, coef_grad, np.minimum(coef_grad, 0))).max() < 1e-3


@pytest.mark.parametrize("solver", ["adam", "lbfgsb"])
def test_stack_fine_tuning_shapes_bounds_reproducible(solver):
    from sknonneg import NonNegMLPClassifier
    X, y, stack = _small_stack()

    def fit():
        return NonNegMLPClassifier.from_autoencoders(
            stack, solver=solver, max_iter=5, random_state=0).fit(X, y)

    clf = fit()
    assert [c.shape for c in clf.coefs_] == [(8, 5), (5, 3), (3, 3)]
    assert all(c.min() >= 0 for c in clf.coefs_)  # exact: bounds / projection
    assert clf.predict_proba(X).shape == (90, 3)
    again = fit()
    for a, b in zip(clf.coefs_ + clf.intercepts_, again.coefs_ + again.intercepts_):
        assert_allclose(a, b, rtol=0, atol=0)
    with pytest.raises(ValueError, match="output_init"):
        NonNegMLPClassifier.from_autoencoders(stack, output_init="softmax")


def test_hidden_units_display_shows_parts():
    import matplotlib
    matplotlib.use("Agg")
    from sknonneg.inspection import HiddenUnitsDisplay
    X, _ = _bars(50)
    ae = NonNegAutoencoder(4, max_iter=5, random_state=0).fit(X)
    disp = HiddenUnitsDisplay.from_estimator(ae, image_shape=(6, 6))
    assert disp is not None
    import matplotlib.pyplot as plt
    plt.close("all")


def test_stack_output_stage_leaves_out_the_validation_rows(monkeypatch):
    # Early stopping's validation rows stay unseen: the output stage is fitted on the
    # training rows only, and the initialisation draws from rng as without a stack.
    from sknonneg import NonNegMLPClassifier
    X, y, stack = _small_stack()
    seen = []
    original = NonNegMLPClassifier._init_output

    def spy(self, layout, theta, X, targets, sample_weight):
        seen.append(X.shape[0])
        return original(self, layout, theta, X, targets, sample_weight)

    monkeypatch.setattr(NonNegMLPClassifier, "_init_output", spy)
    clf = NonNegMLPClassifier.from_autoencoders(
        stack, solver="adam", max_iter=3, early_stopping=True, validation_fraction=0.2,
        n_iter_no_change=5, random_state=0).fit(X, y)
    assert seen == [72]  # 90 rows, 18 held out
    assert len(clf.validation_scores_) == clf.n_iter_


def test_clone_keeps_the_pretrained_stack():
    # GridSearchCV clones: every candidate must fine-tune from the stack, not from
    # the default initialisation.
    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV
    from sknonneg import NonNegMLPClassifier
    X, y, stack = _small_stack()
    clf = NonNegMLPClassifier.from_autoencoders(stack, output_init="default",
                                                max_iter=1, random_state=0)
    copy = clone(clf)
    assert copy._pretrained_output == "default"
    layout = copy._build_layout(8, 3)
    coefs, _ = layout.arrays(copy._init_theta(layout, X, np.random.RandomState(0)))
    assert_allclose(coefs[0], stack[0].coefs_[0])
    assert_allclose(coefs[1], stack[1].coefs_[0])
    search = GridSearchCV(clf, {"l2": [0.0, 1e-4]}, cv=2).fit(X, y)
    assert hasattr(search.best_estimator_, "_pretrained")
    # A parameter set since that the stack does not fit is refused at fit.
    with pytest.raises(ValueError, match="pre-trained stack"):
        clone(clf).set_params(hidden_layer_sizes=(4, 3)).fit(X, y)
    with pytest.raises(ValueError, match="pre-trained stack"):
        clone(clf).set_params(hidden_layer_sizes=(5,), positive=True).fit(X, y)
    # A deeper network that starts with the stack is fine.
    deeper = clone(clf).set_params(hidden_layer_sizes=(5, 3, 2), positive=True)
    assert [c.shape for c in deeper.fit(X, y).coefs_] == [(8, 5), (5, 3), (3, 2), (2, 3)]
    ae = NonNegAutoencoder(4, nonneg=False, max_iter=5, random_state=0).fit(X)
    free = NonNegMLPClassifier.from_autoencoders([ae], max_iter=1)
    with pytest.raises(ValueError, match="sign constraints"):
        clone(free).set_params(positive=True).fit(X, y)


@pytest.mark.parametrize("sparse", [False, True])
def test_sigmoid_decoder_warns_on_data_outside_the_unit_interval(sparse):
    """A sigmoid decoder cannot reconstruct values outside [0, 1]: fitting it there
    says so (and points to MinMaxScaler or decoder="linear"); data inside, or the
    linear decoder, fit without the warning."""
    X = np.random.RandomState(0).rand(40, 5)
    make = sp.csr_matrix if sparse else np.asarray
    params = {"n_components": 3, "max_iter": 2, "random_state": 0}
    with pytest.warns(InputScaleWarning, match=r"ranges over \[0\.0141, 3\].*"
                      "MinMaxScaler.*decoder='linear'"):
        NonNegAutoencoder(**params).fit(make(X * 3))
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputScaleWarning)
        NonNegAutoencoder(**params).fit(make(X))
        NonNegAutoencoder(decoder="linear", **params).fit(make(X * 3))


def test_inverse_transform_takes_sparse_codes():
    # As NMF.inverse_transform; before: "Sparse data was passed, but dense data is
    # required".
    import scipy.sparse as sp

    from sknonneg import NonNegAutoencoder

    X = np.random.RandomState(0).rand(30, 5)
    ae = NonNegAutoencoder(n_components=3, max_iter=5, random_state=0).fit(X)
    codes = ae.transform(X)
    codes[codes < 0.5] = 0.0
    for fmt in ("csr", "csc", "coo"):
        np.testing.assert_array_equal(
            ae.inverse_transform(sp.csr_matrix(codes).asformat(fmt)),
            ae.inverse_transform(codes))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["adam", "lbfgsb"])
def test_batch_size_auto_is_none_as_in_the_classifiers(solver):
    # Before: batch_size="auto", which the classifiers (and MLPClassifier) take,
    # was an InvalidParameterError here.
    X = np.random.RandomState(0).rand(300, 6)
    kw = dict(n_components=3, solver=solver, max_iter=5, random_state=0)
    auto = NonNegAutoencoder(batch_size="auto", **kw).fit(X)
    none = NonNegAutoencoder(batch_size=None, **kw).fit(X)
    np.testing.assert_array_equal(auto.components_, none.components_)


def test_linear_decoder_warns_far_from_unit_scale():
    # Before: nothing said that raw counts fit badly; on this rank-4 count matrix
    # the relative reconstruction error was 0.115 scaled to [0, 1] and 0.66 raw.
    import warnings

    from sknonneg.exceptions import InputScaleWarning

    rng = np.random.RandomState(0)
    H = rng.gamma(0.5, 1, (300, 4))
    W = rng.gamma(0.3, 1, (4, 40)) * 20
    X = rng.poisson(H @ W).astype(float)
    make = lambda: NonNegAutoencoder(4, decoder="linear", max_iter=2,  # noqa: E731
                                     random_state=0)
    with pytest.warns(InputScaleWarning, match="MaxAbsScaler"):
        make().fit(X)
    with pytest.warns(InputScaleWarning, match="MaxAbsScaler"):
        make().fit(sp.csr_matrix(X))
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputScaleWarning)
        make().fit(X / X.max())


def test_parameters_as_numpy_scalars_and_bools():
    # Before: n_components=True passed validation and failed in np.full with a
    # TypeError; nonneg=np.False_ (a param grid built with NumPy) was refused.
    from sklearn.utils._param_validation import InvalidParameterError

    X = np.random.RandomState(0).rand(20, 5)
    with pytest.raises(InvalidParameterError, match="'n_components' parameter"):
        NonNegAutoencoder(True).fit(X)
    a = NonNegAutoencoder(3, nonneg=np.False_, max_iter=3, random_state=0).fit(X)
    b = NonNegAutoencoder(3, nonneg=False, max_iter=3, random_state=0).fit(X)
    np.testing.assert_array_equal(a.coefs_[1], b.coefs_[1])
    assert a.weight_constraints_ == b.weight_constraints_


def test_dtype_message_names_the_fitted_dtype():
    # Before: after set_params(dtype="float64"), a value too large for the fitted
    # float32 was said to be too large for float64.
    X = np.random.RandomState(0).rand(20, 5)
    ae = NonNegAutoencoder(3, max_iter=3, dtype="float32", random_state=0).fit(X)
    ae.set_params(dtype="float64")
    Xb = X.copy()
    Xb[0, 0] = 1e39
    with pytest.raises(ValueError, match="too large for dtype=float32"):
        ae.transform(Xb)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_inverse_transform_names_its_input_in_the_non_finite_message(bad):
    # Before: "Input contains NaN." (the estimators say "Input X contains NaN").
    X = np.random.RandomState(0).rand(20, 5)
    ae = NonNegAutoencoder(2, max_iter=2, random_state=0).fit(X)
    codes = ae.transform(X)
    codes[0, 0] = bad
    with pytest.raises(ValueError, match="Input X contains (NaN|infinity)"):
        ae.inverse_transform(codes)


@pytest.mark.parametrize("decoder", ["sigmoid", "linear"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_inverse_transform_refuses_codes_whose_sums_could_overflow(decoder, dtype):
    # Before: inverse_transform had no range check (transform has one): codes of
    # 1e308 gave NumPy's bare "overflow encountered in matmul" and a saturated
    # reconstruction (sigmoid), or inf (linear decoder).
    X = np.random.RandomState(0).rand(20, 4)
    ae = NonNegAutoencoder(3, decoder=decoder, dtype=dtype, max_iter=5,
                           random_state=0).fit(X)
    codes = ae.transform(X).astype(np.float64)
    codes[1] = 1e308
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match="Input X has values too large for the "
                                             "fitted network: on 1 of its 20 rows"):
            ae.inverse_transform(codes)
    codes[1] = 1e200  # large, but its sums fit float64: reconstructed
    assert np.all(np.isfinite(ae.inverse_transform(codes)))


def test_partial_fit_layout_message_names_the_autoencoders_parameters():
    # Before: the message named hidden_layer_sizes, positive and monotonic_cst, which
    # the autoencoder does not have (it was shared with the MLPs).
    X = np.random.RandomState(0).rand(50, 10)
    ae = NonNegAutoencoder(8, random_state=0).partial_fit(X)
    ae.set_params(n_components=4)
    with pytest.raises(ValueError, match="changed since the model was fitted") as info:
        ae.partial_fit(X)
    message = str(info.value)
    assert "(n_components, nonneg or nonneg_layers, set with set_params" in message
    for name in ("hidden_layer_sizes", "positive", "monotonic_cst"):
        assert name not in message


def test_docstring_example_fits_without_a_warning():
    # Before: the Examples section (digits, k = 16, max_iter=50) raised a
    # ConvergenceWarning as written; tests/test_docstrings.py ignores those.
    # Since the warning follows tol's stall rule, 200 epochs at tol=1e-4 warn
    # (the loss still fell by more than the threshold): the example sets
    # tol=1e-3, which stops it after 107 epochs.
    import doctest

    test = doctest.DocTestFinder().find(NonNegAutoencoder, "NonNegAutoencoder")[0]
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS, verbose=False)
    output = []
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        runner.run(test, out=output.append)
    assert runner.summarize(verbose=False).failed == 0, "".join(output)


def test_linear_decoder_warns_on_small_scale_data():
    # Before: digits / 16 times 1e-4 fitted silently to a relative reconstruction
    # error of 14.6, where predicting the column means gives 0.55 (Adam's step and
    # the L2 penalty do not scale with the data). tf-idf rows (unit norm, the
    # documented use) and data of order one fit without the warning.
    from sklearn.datasets import load_digits
    from sklearn.feature_extraction.text import TfidfTransformer

    X = load_digits().data[:200] / 16
    make = lambda: NonNegAutoencoder(8, decoder="linear", max_iter=2,  # noqa: E731
                                     random_state=0)
    with pytest.warns(InputScaleWarning, match="largest absolute value of X is 0.0001"
                      ".*Multiply X by a constant"):
        make().fit(X * 1e-4)
    with pytest.warns(InputScaleWarning, match="MaxAbsScaler"):
        make().fit(sp.csr_matrix(X * 1e-3))
    rng = np.random.RandomState(0)
    counts = sp.csr_matrix(rng.poisson(0.05, (300, 2000)).astype(float))
    tfidf = TfidfTransformer().fit_transform(counts)
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputScaleWarning)
        make().fit(X)
        make().fit(tfidf)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("in_dtype", [np.float32, np.float64])
def test_transform_returns_fitted_dtype(dtype, in_dtype):
    # transform's codes come out in the fitted dtype, as the classifiers' transform
    # and NMF keep float32 (before: float64 whatever dtype, so a float32 pipeline
    # was cast up here); the tags say so, and a later set_params(dtype=...) does
    # not change what the fitted model returns.
    X = np.random.RandomState(0).rand(40, 6).astype(in_dtype)
    ae = NonNegAutoencoder(n_components=3, max_iter=5, random_state=0,
                           dtype=dtype).fit(X)
    codes = ae.transform(X)
    assert codes.dtype == np.dtype(dtype)
    assert ae.__sklearn_tags__().transformer_tags.preserves_dtype == [dtype]
    assert ae.inverse_transform(codes).dtype == np.float64
    other = "float64" if dtype == "float32" else "float32"
    ae.set_params(dtype=other)
    assert ae.transform(X).dtype == np.dtype(dtype)
    np.testing.assert_array_equal(ae.transform(X), codes)


def test_sigmoid_decoder_warns_of_small_data():
    # Data inside [0, 1] but small (digits / 16 times 1e-2): L-BFGS-B stopped after
    # a few iterations with every code constant over the rows, its reconstruction
    # worse than predicting the column means, and nothing warned. It now warns, as
    # the linear decoder does; data that fill [0, 1] do not warn.
    from sklearn.datasets import load_digits
    X = load_digits().data[:200] / 16
    est = NonNegAutoencoder(n_components=4, max_iter=2, random_state=0)
    with pytest.warns(InputScaleWarning, match=r"decoder='sigmoid' fits data that "
                                               r"fill \[0, 1\], .* is 0\.01"):
        est.fit(X * 1e-2)
    with pytest.warns(InputScaleWarning, match="is 0.1:"):
        est.fit(sp.csr_matrix(X * 0.1))
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputScaleWarning)
        est.fit(X)
        est.fit(X * 0.5)
        est.fit(np.zeros_like(X))  # nothing to scale


def test_diverged_fit_says_its_steps_were_too_large():
    # Adam with learning_rate_init=1e3 threw the loss from 2.4 to 2.3e8; the only
    # message was the usual "a larger max_iter fits the training data further".
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    X = load_digits().data[:200] / 16
    est = NonNegAutoencoder(n_components=6, random_state=0, max_iter=10,
                            learning_rate_init=1e3, decoder="linear")
    with pytest.warns(ConvergenceWarning) as record:
        est.fit(X)
    messages = [str(w.message) for w in record if w.category is ConvergenceWarning]
    assert len(messages) == 1
    assert "the loss ended at more than twice its first epoch's" in messages[0]
    assert "Lower learning_rate_init" in messages[0]
    assert "larger max_iter fits" not in messages[0]
    assert est.loss_curve_[-1] > 100 * est.loss_curve_[0]


def test_partial_fit_after_fit_names_fit_in_its_refusal():
    # Before: after fit (no partial_fit yet) and set_params(decoder="linear"),
    # partial_fit said "decoder changed since the first call to partial_fit".
    X = np.random.RandomState(0).rand(50, 10)
    ae = NonNegAutoencoder(4, max_iter=2, random_state=0).fit(X)
    ae.set_params(decoder="linear")
    with pytest.raises(ValueError, match=r"decoder changed since the model was "
                                         r"fitted \(by fit, or by the first call"):
        ae.partial_fit(X)


def test_small_data_warning_comes_once_per_partial_fit_sequence():
    # The warning names the batch's largest value, so under the default filters it
    # repeated for every batch: it now comes with the first call only.
    from sklearn.datasets import load_digits
    X = load_digits().data[:200] / 16 * 0.1
    ae = NonNegAutoencoder(n_components=3, random_state=0)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for start in range(0, 200, 40):
            ae.partial_fit(X[start:start + 40])
    assert sum(issubclass(w.category, InputScaleWarning) for w in record) == 1


@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("decoder", ["sigmoid", "linear"])
def test_input_domain_is_every_finite_real_as_the_notes_say(decoder, sparse):
    """The Notes' "Input domain": negative input is not refused (unlike NMF) by
    fit, partial_fit, fit_transform or transform, dense or CSR; the sigmoid decoder
    warns at fit and every partial_fit call of data outside [0, 1], the linear one
    does not; transform and inverse_transform never look at the range, and
    inverse_transform decodes negative codes by the same formula."""
    rng = np.random.RandomState(0)
    dense = (rng.rand(40, 5) - 0.5) * (rng.rand(40, 5) < 0.7)  # negative values too
    X = sp.csr_matrix(dense) if sparse else dense
    params = {"n_components": 3, "decoder": decoder, "max_iter": 3, "random_state": 0}
    assert not NonNegAutoencoder(**params).__sklearn_tags__().input_tags.positive_only
    fitting = [lambda ae: ae.fit(X), lambda ae: ae.fit_transform(X),
               lambda ae: ae.partial_fit(X).partial_fit(X)]
    for call in fitting:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            call(NonNegAutoencoder(**params))
        scale = [w for w in record if issubclass(w.category, InputScaleWarning)]
        if decoder == "sigmoid":  # once per fit or partial_fit call
            assert len(scale) == (2 if call is fitting[2] else 1)
            assert all("but X ranges over [-0.481, 0.479]" in str(w.message)
                       for w in scale)
        else:
            assert scale == []
    ae = NonNegAutoencoder(**params).fit(abs(X))  # fitted inside its domain
    with warnings.catch_warnings():
        warnings.simplefilter("error", InputScaleWarning)
        codes = ae.transform(X)
        assert codes.min() >= 0 and codes.max() <= 1
        negative = -codes
        decoded = ae.inverse_transform(negative)
    # The same formula: a negative code subtracts its part.
    z = negative @ ae.components_ + ae.intercepts_[1]
    assert_allclose(decoded, expit(z) if decoder == "sigmoid" else z, rtol=1e-12)


def test_input_domain_measurements_quoted_in_the_notes():
    """The reconstruction errors the Notes' "Input domain" quotes (300 digits / 16,
    k = 16, L-BFGS-B, 200 iterations, seed 0; error relative to predicting the
    column means): the linear decoder 0.35 on X, X - 0.5 and -X; the sigmoid one
    0.31 on X, 0.86 on 2 X, 1.42 on X - 0.5 and 1.80 on -X, and 1.51 on X - 0.5 as
    transformed by the model fitted on X."""
    from sklearn.datasets import load_digits
    X = load_digits().data[:300] / 16

    def fitted(decoder, data):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InputScaleWarning)
            return NonNegAutoencoder(16, decoder=decoder, solver="lbfgsb", max_iter=200,
                                     random_state=0).fit(data)

    def error(ae, data):
        recon = ae.inverse_transform(ae.transform(data))
        return np.linalg.norm(data - recon) / np.linalg.norm(data - data.mean(0))

    for decoder, data, quoted in [
            ("linear", X, 0.35), ("linear", X - 0.5, 0.35), ("linear", -X, 0.35),
            ("sigmoid", X, 0.31), ("sigmoid", 2 * X, 0.86),
            ("sigmoid", X - 0.5, 1.42), ("sigmoid", -X, 1.80)]:
        assert error(fitted(decoder, data), data) == pytest.approx(quoted, abs=0.01)
    assert error(fitted("sigmoid", X), X - 0.5) == pytest.approx(1.51, abs=0.01)


def test_convergence_warning_does_not_point_away_from_max_iter():
    # The autoencoder was told "A larger max_iter fits the training data further,
    # which can lower held-out scores; a larger l2 regularises instead" (advice
    # measured on classifiers): on held-out digits its reconstruction error at 200
    # iterations is below that at 50, which is what the warning should lead to.
    from sklearn.datasets import load_digits
    from sklearn.exceptions import ConvergenceWarning
    X = load_digits().data / 16
    train, test = X[:1200], X[1200:]
    short = NonNegAutoencoder(n_components=16, max_iter=50, random_state=0)
    with pytest.warns(ConvergenceWarning) as record:
        short.fit(train)
    message = " ".join(str(w.message) for w in record
                       if w.category is ConvergenceWarning)
    assert "maximum iterations (50)" in message
    assert "Increase max_iter to fit further." in message
    assert "held-out" not in message and "l2" not in message
    longer = NonNegAutoencoder(n_components=16, max_iter=200, random_state=0)
    longer.fit(train)

    def error(ae):
        return np.mean((ae.inverse_transform(ae.transform(test)) - test) ** 2)

    assert error(longer) < 0.8 * error(short)


def test_convergence_warning_of_full_batch_lbfgsb_on_sparse_input_names_adam():
    # Full-batch L-BFGS-B on sparse input (tf-idf) was told only "Increase
    # max_iter to fit further", which the user guide measured as a poor remedy
    # there (Reuters tf-idf, sigmoid decoder: 0.9964 -> 0.9733 of the mean row's
    # held-out error from 50 to 200 iterations, against Adam's 0.8296). The
    # warning now names solver='adam'; dense input and mini-batches keep the
    # advice as it was.
    from sklearn.exceptions import ConvergenceWarning

    X = sp.random(300, 200, density=0.05, random_state=0, format="csr")

    def message(X, **params):
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            NonNegAutoencoder(n_components=8, solver="lbfgsb", random_state=0,
                              **params).fit(X)
        (found,) = [str(w.message) for w in record
                    if w.category is ConvergenceWarning]
        return found

    sparse = message(X, max_iter=5)
    assert "Increase max_iter to fit further. On sparse input such as tf-idf, " \
        "solver='adam' (the default) is the faster route" in sparse
    dense = message(X.toarray(), max_iter=5)
    assert dense.endswith("Increase max_iter to fit further.")
    assert "solver='adam'" not in message(X, max_iter=2, batch_size=50)


@pytest.mark.parametrize("decoder, loss", [("sigmoid", SigmoidSquaredError),
                                           ("linear", SquaredError)])
def test_the_loss_is_built_where_every_estimator_builds_it(decoder, loss):
    # doc/engine.md says every estimator builds its loss in one method,
    # TrainableNetwork._loss() (the loss that _output_type() names). The
    # autoencoder's objective named its loss through a method of its own
    # (_loss_name), and the shared _loss() raised AttributeError (no
    # _output_type). Now the objective reads _loss(), of the fitted decoder.
    X = _data(False)
    ae = NonNegAutoencoder(3, decoder=decoder, max_iter=3, random_state=0)
    assert type(ae._loss()) is loss  # before a fit: the decoder as set
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae.fit(X)
    objective = ae._make_objective(ae._layout, X, X, None, 1.0, False)
    assert type(objective.loss) is loss
    # After a fit, the fitted decoder's loss, not one set since.
    ae.set_params(decoder="linear" if decoder == "sigmoid" else "sigmoid")
    assert type(ae._loss()) is loss


def test_a_fit_that_stops_at_its_starting_point_warns():
    # Before: full-batch L-BFGS-B on very sparse data (1% stored,
    # as tf-idf text) met tol=1e-4 at the random initial weights and stopped
    # there, n_iter_=0, without a word (only verbose=1 said so).
    from sklearn.exceptions import ConvergenceWarning

    X = sp.random(300, 600, density=0.01, format="csr", random_state=0)
    X.data[:] = np.random.default_rng(0).random(X.nnz)
    ae = NonNegAutoencoder(16, solver="lbfgsb", max_iter=5, random_state=0)
    with pytest.warns(ConvergenceWarning, match="stopped at its starting point") as rec:
        ae.fit(X)
    assert ae.n_iter_ == 0
    assert "Lower tol" in str(rec[0].message) and rec[0].filename == __file__
    # What it advises trains; a warm start that has nothing left to do is silent.
    ae = NonNegAutoencoder(16, solver="lbfgsb", max_iter=5, tol=0, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        assert ae.fit(X).n_iter_ == 5
    ae = NonNegAutoencoder(16, solver="lbfgsb", max_iter=5, random_state=0,
                           warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ae.fit(X)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ae.fit(X)
    assert not [w for w in caught if "starting point" in str(w.message)]


def test_the_whole_inputs_first_layer_copy_is_made_only_for_a_penalty_that_reads_it(
        monkeypatch):
    # Before: RowBlockObjective.set_data made the whole input's
    # FirstLayerGradient for every fit over blocks, and only KLSparsity reads it:
    # a fit without it held a transposed copy of a dense X, or a blocked copy of a
    # sparse one, for nothing. Now made at its first use, once per data set.
    rng = np.random.default_rng(0)
    X = sp.random(2380, 1500, density=0.01, format="csr", random_state=0)
    X.data[:] = rng.random(X.nnz)
    ae = NonNegAutoencoder(128)
    layout = ae._layout = ae._build_layout(X.shape[1], X.shape[1])
    theta = layout.project(rng.normal(scale=0.3, size=layout.n_params))
    sw = np.ones(X.shape[0])
    made = _count_blocked_copies(monkeypatch)
    for penalties, whole in (([], 0), ([KLSparsity(0.05, 0.1)], 1)):
        del made[:]
        blocks = RowBlockObjective(layout, ae._loss(), penalties, X, X, sw,
                                   block_rows=1040, targets_are_input=True)
        for _ in range(3):
            blocks.loss_grad(theta)
        assert made.count(X.shape[0]) == whole, made
    # A dense X: its transposed copy is not held either.
    dense = RowBlockObjective(layout, ae._loss(), [], X[:600].toarray(),
                              X[:600].toarray(), sw[:600], block_rows=300,
                              targets_are_input=True)
    dense.loss_grad(theta)
    assert dense._first_layer is None
