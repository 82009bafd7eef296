"""NonNegAutoencoder's DegenerateFitWarning: a fit whose training reconstruction
error is no better than reconstructing every row by the mean row (reviews 56c, 56e:
``nonneg="penalty"`` with a huge ``nonneg_penalty`` fitted worse than the mean row,
silently)."""

import re
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.datasets import load_digits

from sknonneg import NonNegAutoencoder
from sknonneg.exceptions import DegenerateFitWarning

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _digits(n=100):
    return load_digits().data[:n] / 16


def _errors(ae, X, sample_weight=None):
    """(fit's, mean row's) weighted mean squared error per entry, in NumPy."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    w = np.ones(X.shape[0]) if sample_weight is None else np.asarray(sample_weight, float)
    keep = w > 0
    X, w = X[keep], w[keep]
    rec = ae.inverse_transform(ae.transform(X))
    mean_row = np.average(X, axis=0, weights=w)
    return (np.average(((X - rec) ** 2).mean(1), weights=w),
            np.average(((X - mean_row) ** 2).mean(1), weights=w))


def _numbers(message):
    found = re.search(r"error \(([-0-9.e+]+), the mean squared error per entry\)"
                      r".*training data \(([-0-9.e+]+)\)", message)
    assert found, message
    return float(found.group(1)), float(found.group(2))


@pytest.mark.parametrize("decoder, penalty", [("linear", 1e6), ("sigmoid", 1e4)])
def test_huge_penalty_warns_with_the_numbers(decoder, penalty):
    # The reviews' reproducer, shorter: L-BFGS-B under nonneg_penalty at the cap
    # (linear) or 1e4 (sigmoid) ends worse than the mean row.
    X = _digits()
    ae = NonNegAutoencoder(16, solver="lbfgsb", max_iter=30, decoder=decoder,
                           nonneg="penalty", nonneg_penalty=penalty, random_state=0)
    with pytest.warns(DegenerateFitWarning, match="no better than reconstructing "
                      "every row by the mean row") as record:
        ae.fit(X)
    message = str([r for r in record if r.category is DegenerateFitWarning][0].message)
    error, mean_error = _errors(ae, X)
    assert error >= 0.99 * mean_error
    assert _numbers(message) == pytest.approx((error, mean_error), rel=1e-3)
    assert "nonneg_penalty" in message and 'nonneg="bounds"' in message
    assert "sparsity_weight" not in message  # off: not a remedy


@pytest.mark.parametrize("sparse", [False, True])
def test_adam_sparsity_weight_warns_dense_and_csr(sparse):
    # NCAE's sparsity_weight=3 after 5 Adam epochs: about twice the mean row's error.
    X = _digits(200)
    X = sp.csr_matrix(X) if sparse else X
    ae = NonNegAutoencoder(16, sparsity_weight=3, max_iter=5, random_state=0)
    with pytest.warns(DegenerateFitWarning) as record:
        ae.fit(X)
    message = str([r for r in record if r.category is DegenerateFitWarning][0].message)
    assert _numbers(message) == pytest.approx(_errors(ae, X), rel=1e-3)
    assert "smaller penalties (sparsity_weight, l2)" in message
    assert "learning_rate_init" in message and "nonneg_penalty" not in message


def test_sample_weight_weights_both_errors_and_rows_of_weight_0_are_named():
    X = _digits()
    sw = np.r_[np.zeros(3), np.linspace(0.5, 3, X.shape[0] - 3)]
    ae = NonNegAutoencoder(16, solver="lbfgsb", max_iter=30, decoder="linear",
                           nonneg="penalty", nonneg_penalty=1e6, random_state=0)
    with pytest.warns(DegenerateFitWarning) as record:
        ae.fit(X, sample_weight=sw)
    message = str([r for r in record if r.category is DegenerateFitWarning][0].message)
    assert _numbers(message) == pytest.approx(_errors(ae, X, sw), rel=1e-3)
    assert "not the 3 rows of sample_weight 0" in message


@pytest.mark.parametrize("params", [
    dict(solver="lbfgsb", max_iter=30),
    dict(max_iter=10),
    dict(solver="lbfgsb", max_iter=30, decoder="linear", nonneg="penalty"),
    dict(max_iter=10, decoder="linear", sparsity_weight=3),
])
@pytest.mark.parametrize("sparse", [False, True])
def test_ordinary_fits_do_not_warn(params, sparse):
    X = _digits(200)
    X = sp.csr_matrix(X) if sparse else X
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        ae = NonNegAutoencoder(16, random_state=0, **params).fit(X)
    error, mean_error = _errors(ae, X)
    assert error < 0.99 * mean_error


@pytest.mark.parametrize("X", [
    np.full((10, 4), 0.5),          # constant data
    np.zeros((6, 3)),               # all zeros
    _digits(1),                     # one row
], ids=["constant", "zeros", "one-row"])
@pytest.mark.parametrize("solver", ["lbfgsb", "adam"])
def test_data_the_mean_row_reconstructs_exactly_do_not_warn(X, solver):
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=UserWarning)
        warnings.simplefilter("error", DegenerateFitWarning)
        NonNegAutoencoder(4, solver=solver, max_iter=5, random_state=0).fit(X)
        NonNegAutoencoder(4, solver=solver, max_iter=5, random_state=0).fit(
            sp.csr_matrix(X))


def test_partial_fit_does_not_check():
    # As the supervised networks' partial_fit: one step on a batch is no fit.
    X = _digits()
    ae = NonNegAutoencoder(16, sparsity_weight=3, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateFitWarning)
        ae.partial_fit(X)
    assert _errors(ae, X)[0] >= 0.99 * _errors(ae, X)[1]


def test_check_leaves_float64_input_unchanged():
    # The mean row's error is computed on float64 blocks of X, which for a float64
    # X are views: the check must not centre X in place.
    X = _digits()
    before = X.copy()
    ae = NonNegAutoencoder(16, sparsity_weight=3, max_iter=5, random_state=0)
    with pytest.warns(DegenerateFitWarning):
        ae.fit(X)
    np.testing.assert_array_equal(X, before)


def test_warning_class_documents_the_autoencoder_check():
    # Review 56g: DegenerateFitWarning's own docstring named the classifier's and
    # the regressor's checks only, not the autoencoder's.
    doc = " ".join(DegenerateFitWarning.__doc__.split())
    assert "NonNegAutoencoder" in doc
    assert "0.99 times that of reconstructing every row by their weighted mean row" in doc
