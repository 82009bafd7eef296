"""NonNegAutoencoder's DegenerateFitWarning: a fit whose training reconstruction
error is no better than reconstructing every row by the mean row (before:
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
    # They end worse than the mean row, which the message says (before: "no
    # better than").
    with pytest.warns(DegenerateFitWarning, match="is worse than reconstructing "
                      "every row by the mean row") as record:
        ae.fit(X)
    message = str([r for r in record if r.category is DegenerateFitWarning][0].message)
    error, mean_error = _errors(ae, X)
    assert error > 1.01 * mean_error
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
    # DegenerateFitWarning's own docstring named the classifier's and
    # the regressor's checks only, not the autoencoder's.
    doc = " ".join(DegenerateFitWarning.__doc__.split())
    assert "NonNegAutoencoder" in doc
    assert "0.99 times that of reconstructing every row by their weighted mean row" in doc


def _degenerate_messages(fit):
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        fit()
    return [str(x.message) for x in w if issubclass(x.category, DegenerateFitWarning)]


def _wide_tfidf_like(n=200, d=400):
    X = sp.random(n, d, density=0.02, random_state=0, format="csr")
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    return sp.csr_matrix(X.multiply(1.0 / np.maximum(norms, 1e-12)[:, None]))


@pytest.mark.parametrize("decoder", ["linear", "sigmoid"])
def test_one_code_on_wide_data_names_a_larger_n_components(decoder):
    # n_components=1 on wide tf-idf was told "Try a smaller l2, a
    # smaller learning_rate_init or a larger max_iter." only, though one code was
    # the limit (the first principal component leaves 0.94 there).
    X = _wide_tfidf_like()
    messages = _degenerate_messages(lambda: NonNegAutoencoder(
        n_components=1, decoder=decoder, random_state=0).fit(X))
    assert len(messages) == 1, messages
    bound = (" (no reconstruction by 1 code through the linear decoder does "
             "better)" if decoder == "linear" else "")
    assert ("With n_components=1 the codes are few for the data: the first "
            "principal component of the training rows leaves 0.98 of the mean "
            f"row's error{bound}. Try a larger n_components, a smaller l2"
            in messages[0])


@pytest.mark.parametrize("n_components", [1, 16])
def test_enough_codes_do_not_name_n_components(n_components):
    # On digits one principal component leaves 0.85 of the mean row's error, 16
    # leave 0.15: a penalty's degenerate fit is not told to add codes (only
    # where they leave more than 0.9: the best reconstruction through them
    # removes less than a tenth).
    messages = _degenerate_messages(lambda: NonNegAutoencoder(
        n_components=n_components, solver="lbfgsb", max_iter=50, nonneg="penalty",
        nonneg_penalty=1e6, decoder="linear", random_state=0).fit(_digits(300)))
    assert len(messages) == 1, messages
    assert "n_components" not in messages[0]
    assert "Try smaller penalties (nonneg_penalty, l2)" in messages[0]


@pytest.mark.parametrize("sparse", [False, True])
def test_principal_share_is_pca_s_unexplained_variance(sparse):
    from sklearn.decomposition import PCA

    from sknonneg.neural_network._diagnostics import _principal_share

    X = _digits(300)
    for k in (1, 4, 16):
        expected = 1.0 - PCA(k).fit(X).explained_variance_ratio_.sum()
        got = _principal_share(sp.csr_matrix(X) if sparse else X, None, k)
        assert got == pytest.approx(expected, rel=1e-9)
    # Integer weights count as repeated rows; the Gram path (wider than tall).
    wide = X[:40]
    weights = np.arange(40) % 3  # rows of weight 0 left out
    repeated = np.repeat(wide, weights, axis=0)
    expected = 1.0 - PCA(2).fit(repeated).explained_variance_ratio_.sum()
    got = _principal_share(sp.csr_matrix(wide) if sparse else wide, weights, 2)
    assert got == pytest.approx(expected, rel=1e-9)
    assert _principal_share(X, None, 64) is None  # as many codes as columns
    # Scale-free, and no product overflows near float64's limit.
    huge = X * 1e300
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = _principal_share(sp.csr_matrix(huge) if sparse else huge, None, 4)
    assert got == pytest.approx(_principal_share(X, None, 4), rel=1e-9)
    assert _principal_share(np.zeros((10, 5)), None, 1) is None


def test_principal_share_uses_lanczos_only_for_a_few_components(monkeypatch):
    # ARPACK's Lanczos pays for a handful of eigenvalues only: on the largest
    # case a fit reaches (2,000 rows x 10,000 columns, a 2,000 x 2,000 Gram
    # matrix), k=499 took 4.9 s in it, the full eigensolve 0.7 s. Before, it
    # was used up to k < n / 4 (here k=10 of n=100).
    import scipy.sparse.linalg

    from sknonneg.neural_network import _diagnostics

    calls = []
    eigsh = scipy.sparse.linalg.eigsh

    def counted(*args, **kwargs):
        calls.append(kwargs["k"])
        return eigsh(*args, **kwargs)

    monkeypatch.setattr(scipy.sparse.linalg, "eigsh", counted)
    X = np.random.default_rng(0).random((100, 300))  # the Gram path, n = 100
    for k in (1, 10, 24):
        expected = np.sort(np.linalg.eigvalsh(np.cov(X, rowvar=False, bias=True)))[::-1]
        got = _diagnostics._principal_share(X, None, k)
        assert got == pytest.approx(1 - expected[:k].sum() / expected.sum(),
                                    rel=1e-9)
    assert calls == [1]


@pytest.mark.parametrize("decoder", ["sigmoid"])
def test_warm_start_on_small_inputs_names_their_scale(decoder):
    # After fit(X), set_params(warm_start=True).fit(X * 0.1) ended at
    # 1.5 times the mean row's error and was told "Try a smaller l2, a smaller
    # learning_rate_init or a larger max_iter."; a warm start does not check the
    # scale at its start (no InputScaleWarning), and the supervised networks'
    # warning names small inputs as the cause.
    X = load_digits().data / 16
    ae = NonNegAutoencoder(n_components=16, max_iter=20, solver="adam",
                           decoder=decoder, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae.fit(X)
    messages = _degenerate_messages(lambda: ae.set_params(warm_start=True).fit(X * 0.1))
    assert len(messages) == 1, messages
    assert ("Its inputs are small (largest magnitude 0.1): decoder='sigmoid' fits "
            "data that fill [0, 1], and on data this small its reconstruction can "
            "be worse than the mean row's. Scale X into [0, 1] (a MinMaxScaler or "
            "MaxAbsScaler in a Pipeline)." in messages[0])
    assert "Try" not in messages[0] and "max_iter" not in messages[0]


def test_small_input_note_per_decoder_and_after_the_scale_warning():
    ae = NonNegAutoencoder(decoder="linear", max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ae.fit(_digits())
    assert ae._small_input_note(0.15) == ""  # the linear decoder's limit is 0.1
    note = ae._small_input_note(0.05)
    assert "decoder='linear' fits data of order one" in note
    assert "Multiply X by a constant" in note
    assert ae._small_input_note(0.05, scale_warned=True).endswith(
        "Scale X (see the InputScaleWarning).")
    assert ae._small_input_note(None) == "" and ae._small_input_note(0.0) == ""


def test_components_note_says_when_its_rows_are_a_sample():
    # Beyond 2,000 rows of positive weight the principal components are those
    # of an evenly spaced sample. Before, the message spoke of "the training
    # rows" (and of a bound on their reconstruction by the linear decoder).
    from types import SimpleNamespace

    from sknonneg.neural_network._diagnostics import _components_note

    ae = SimpleNamespace(n_components_=1, _fitted_param=lambda name: "linear")
    X = np.random.default_rng(0).random((2500, 20))
    note = _components_note(ae, X, None)
    assert ("the first principal component of 2,000 of the 2,500 training rows "
            "(evenly spaced) leaves" in note)
    assert "through the linear decoder does better on them)" in note
    # Rows of weight 0 do not count; 1,500 rows are all used.
    weights = np.r_[np.ones(1500), np.zeros(1000)]
    for note in (_components_note(ae, X, weights),
                 _components_note(ae, X[:1500], None)):
        assert "the first principal component of the training rows leaves" in note
        assert "does better)" in note


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("decoder", ["linear", "sigmoid"])
def test_sparse_error_blocks_without_dense_copies_change_no_bit(monkeypatch, dtype,
                                                                decoder):
    # The residuals of a CSR input (reconstruction_err_, the held-out score, the
    # weighted error of the degenerate check) are its stored values added to the
    # negated reconstruction, and the mean row's error densifies each block
    # straight to float64 (in place thereafter); before, every block was
    # densified in the input's dtype, then copied (Reuters tf-idf, k = 16: about
    # 1 s of a 6.9 s fit). The same float64 values, so the same results bit for
    # bit as through the dense copies (``_scatters`` False).
    from sknonneg.neural_network import _autoencoder

    rng = np.random.default_rng(0)
    X = sp.random(300, 50, density=0.1, format="csr", random_state=1,
                  dtype=np.float64)
    w = rng.uniform(0.2, 2.0, X.shape[0])
    ae = NonNegAutoencoder(6, decoder=decoder, dtype=dtype, max_iter=3,
                           random_state=0).fit(X)
    Xc = ae._as_compute_dtype(X)
    monkeypatch.setattr(_autoencoder, "_BLOCK_BYTES", 8 * 50 * 40)  # 40-row blocks

    def results():
        return (ae._reconstruction_error(Xc), ae._degenerate_errors(Xc, w),
                ae._degenerate_errors(Xc, np.ones(X.shape[0])),
                ae._validation_score(ae._theta, 1.0, Xc, None, w))

    scattered = results()
    assert _autoencoder._scatters(Xc[:40])
    monkeypatch.setattr(_autoencoder, "_scatters", lambda block: False)
    assert scattered == results()
