"""Data entering the engine is checked before a kernel reads it.

The kernels check no bounds, and the public estimators validate their input; but the
engine (``Objective``, ``RowBlockObjective``, ``forward``, ``CSRInput``) is what a
new estimator or loss calls directly. Before these checks, a softmax class index of
1e8 crashed the numba kernel, 7 for 3 outputs wrote out of bounds, -1 wrapped to the
last class, and targets or weights of the wrong shape were read out of bounds, all
without an error; a loss with an unknown kernel code computed another loss.
"""

import numpy as np
import pytest
import scipy.sparse as sp

from sknonneg._engine import (CSRInput, DenseLayer, Objective, ParameterLayout,
                              RowBlockObjective, SquaredError, forward)
from sknonneg._engine.losses import Loss

N_SAMPLES, N_FEATURES, N_OUT = 14, 4, 3
FLAVOURS = pytest.mark.parametrize("parallel", ["numpy", False], ids=["numpy", "serial"])


def _layout(n_out=N_OUT):
    return ParameterLayout([DenseLayer(N_FEATURES, 3, np.zeros(N_FEATURES), "logistic"),
                            DenseLayer(3, n_out, np.zeros(3), "identity")])


def _X(sparse=False):
    rng = np.random.default_rng(0)
    X = rng.random((N_SAMPLES, N_FEATURES)) * (rng.random((N_SAMPLES, N_FEATURES)) < 0.7)
    return sp.csr_matrix(X) if sparse else X


def _labels():
    return (np.arange(N_SAMPLES) % N_OUT).astype(float)


@FLAVOURS
@pytest.mark.parametrize("label", [N_OUT, 7, 1e8, -1, 1.5, np.nan])
def test_softmax_labels_outside_the_outputs_are_refused(parallel, label):
    y = _labels()
    y[0] = label
    with pytest.raises(ValueError, match=r"class indices, integers in \[0, 3\)"):
        Objective(_layout(), "softmax", [], _X(), y, np.ones(N_SAMPLES),
                  parallel=parallel)


@FLAVOURS
def test_valid_softmax_labels_are_taken(parallel):
    objective = Objective(_layout(), "softmax", [], _X(), _labels(), np.ones(N_SAMPLES),
                          parallel=parallel)
    loss, grad = objective.loss_grad(np.full(_layout().n_params, 0.1))
    assert np.isfinite(loss) and np.all(np.isfinite(grad))


@FLAVOURS
@pytest.mark.parametrize("loss, y, sample_weight, message", [
    ("squared_error", np.zeros((N_SAMPLES, 1)), np.ones(N_SAMPLES),
     r"targets of shape \(n_samples, 3\)"),
    ("logistic", np.zeros((N_SAMPLES, 4)), np.ones(N_SAMPLES),
     r"targets of shape \(n_samples, 3\)"),
    ("squared_error", np.zeros((10, N_OUT)), np.ones(N_SAMPLES), "y must have 14 rows"),
    ("squared_error", np.zeros((20, N_OUT)), np.ones(N_SAMPLES), "y must have 14 rows"),
    ("softmax", _labels()[:10], np.ones(N_SAMPLES), "y must have 14 rows"),
    ("softmax", np.zeros((N_SAMPLES, 2)), np.ones(N_SAMPLES), "class indices"),
    ("squared_error", np.zeros((N_SAMPLES, N_OUT)), np.ones(10),
     r"sample_weight must have shape \(14,\)"),
    ("squared_error", np.zeros((N_SAMPLES, N_OUT)), np.ones((N_SAMPLES, 1)),
     r"sample_weight must have shape \(14,\)"),
], ids=["y-narrow", "y-wide", "y-short", "y-long", "labels-short", "labels-2d",
        "sw-short", "sw-2d"])
def test_targets_and_weights_of_the_wrong_shape_are_refused(parallel, loss, y,
                                                            sample_weight, message):
    with pytest.raises(ValueError, match=message):
        Objective(_layout(), loss, [], _X(), y, sample_weight, parallel=parallel)


def test_set_data_refuses_a_bad_batch_and_keeps_the_last():
    objective = Objective(_layout(), "softmax", [], _X(), _labels(), np.ones(N_SAMPLES),
                          parallel="numpy")
    theta = np.full(_layout().n_params, 0.1)
    before = objective.loss_grad(theta)[0]
    y = _labels()
    y[3] = 5
    with pytest.raises(ValueError, match="class indices"):
        objective.set_data(_X(), y, np.ones(N_SAMPLES))
    assert objective.loss_grad(theta)[0] == before


@FLAVOURS
@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "csr"])
@pytest.mark.parametrize("n_features", [N_FEATURES - 1, N_FEATURES + 2])
def test_inputs_of_another_width_are_refused(parallel, sparse, n_features):
    X = np.random.default_rng(0).random((N_SAMPLES, n_features))
    X = sp.csr_matrix(X) if sparse else X
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 4\)"):
        Objective(_layout(), "squared_error", [], X, np.zeros((N_SAMPLES, N_OUT)),
                  np.ones(N_SAMPLES), parallel=parallel)
    layout = _layout()
    params = layout.views(np.zeros(layout.n_params))
    with pytest.raises(ValueError, match=r"X must have shape \(n_samples, 4\)"):
        forward(layout.network, params, X)


def _malformed(kind):
    X = _X(sparse=True)
    if kind == "index":
        X.indices[0] = N_FEATURES + 5
    elif kind == "negative-index":
        X.indices[-1] = -1
    elif kind == "decreasing":
        X.indptr[3], X.indptr[4] = X.indptr[4], X.indptr[3]
        assert X.indptr[3] > X.indptr[4]
    elif kind == "indptr-end":
        X.indptr[-1] -= 1
    return X


@pytest.mark.parametrize("kind", ["index", "negative-index", "decreasing", "indptr-end"])
def test_malformed_csr_is_refused_at_the_engine_door(kind):
    X = _malformed(kind)
    with pytest.raises(ValueError, match="malformed sparse matrix"):
        CSRInput(X, np.float64)
    with pytest.raises(ValueError, match="malformed sparse matrix"):
        Objective(_layout(), "squared_error", [], X, np.zeros((N_SAMPLES, N_OUT)),
                  np.ones(N_SAMPLES), parallel="numpy")


def test_row_block_objective_refuses_rows_left_over():
    y = np.zeros((N_SAMPLES + 3, N_OUT))
    with pytest.raises(ValueError, match="must have 14 rows"):
        RowBlockObjective(_layout(), SquaredError(), [], _X(), y, np.ones(N_SAMPLES),
                          parallel="numpy", block_rows=5)
    with pytest.raises(ValueError, match="must have 14 rows"):
        RowBlockObjective(_layout(), SquaredError(), [], _X(),
                          np.zeros((N_SAMPLES, N_OUT)), np.ones(N_SAMPLES + 1),
                          parallel="numpy", block_rows=5)


class _Coded(SquaredError):
    """The squared error under another kernel code (a fused loss whose row and
    branch were never written)."""

    def __init__(self, code):
        self.code = code


@pytest.mark.parametrize("code", [-1, 4, 99, 2.0, True, "2"])
def test_a_loss_with_an_unknown_kernel_code_is_refused(code):
    with pytest.raises(ValueError, match="no output kernel computes"):
        Objective(_layout(), _Coded(code), [], _X(), np.zeros((N_SAMPLES, N_OUT)),
                  np.ones(N_SAMPLES), parallel="numpy")


def test_a_loss_without_a_kernel_code_takes_the_generic_path():
    class Generic(Loss):
        def value_grad(self, logits, y):
            return SquaredError().value_grad(logits, y)

    y = np.random.default_rng(1).normal(size=(N_SAMPLES, N_OUT))
    theta = np.random.default_rng(2).normal(size=_layout().n_params)
    generic = Objective(_layout(), Generic(), [], _X(), y, np.ones(N_SAMPLES),
                        parallel="numpy")
    fused = Objective(_layout(), SquaredError(), [], _X(), y, np.ones(N_SAMPLES),
                      parallel="numpy")
    np.testing.assert_allclose(generic.loss_grad(theta)[0], fused.loss_grad(theta)[0],
                               rtol=1e-12)


@FLAVOURS
@pytest.mark.parametrize("Obj", [Objective, RowBlockObjective])
def test_no_sample_weight_weighs_every_row_one(parallel, Obj):
    """``sample_weight=None`` is unit weights (it used to read as a 0-d array and
    fail with "got shape ()")."""
    theta = np.full(_layout().n_params, 0.1)
    values = [Obj(_layout(), "softmax", [], _X(), _labels(), sw,
                  parallel=parallel).loss_grad(theta)
              for sw in (None, np.ones(N_SAMPLES))]
    assert values[0][0] == values[1][0]
    np.testing.assert_array_equal(values[0][1], values[1][1])


@FLAVOURS
@pytest.mark.parametrize("Obj", [Objective, RowBlockObjective])
@pytest.mark.parametrize("bad", ["negative", "nan", "inf", "zeros"])
def test_weights_the_objective_cannot_take_are_refused(parallel, bad, Obj):
    """Negative, non-finite or all-zero weights (a ZeroDivisionError or a silent
    negative loss before)."""
    sw = np.ones(N_SAMPLES)
    if bad == "zeros":
        sw[:] = 0.0
    else:
        sw[2] = {"negative": -1.0, "nan": np.nan, "inf": np.inf}[bad]
    with pytest.raises(ValueError, match="sample_weight must be finite and "
                                         "non-negative, with a positive sum"):
        Obj(_layout(), "softmax", [], _X(), _labels(), sw, parallel=parallel)
