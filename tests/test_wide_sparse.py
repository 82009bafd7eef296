"""A wide sparse input is never densified: no (n_samples, n_features) array in fit,
partial_fit or prediction (the initialisation multiplies CSR rows directly). The
peak memory at bag-of-words sizes is measured by benchmarks/memory_wide_sparse.py."""

import numpy as np
import pytest
import scipy.sparse as sp

from sknonneg import ABBAClassifier, NonNegMLPClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.mark.parametrize("Est, solver, dtype", [
    (NonNegMLPClassifier, "lbfgsb", "float64"), (NonNegMLPClassifier, "adam", "float32"),
    (ABBAClassifier, "lbfgsb", "float32"), (ABBAClassifier, "adam", "float64"),
])
def test_wide_csr_is_never_densified(Est, solver, dtype, monkeypatch):
    # 60,000 columns keep to the kernels' 16-bit index path, compiled by other tests
    n_samples, n_features = 1000, 60_000  # dense float64: 480 MB
    rng = np.random.default_rng(0)
    per_row = 6  # scipy's sp.random takes seconds at this width; built directly
    indices = np.sort(rng.choice(n_features, (n_samples, per_row)), axis=1)
    X = sp.csr_matrix((rng.random(n_samples * per_row), indices.ravel(),
                       np.arange(0, n_samples * per_row + 1, per_row)),
                      shape=(n_samples, n_features))
    X.sum_duplicates()
    y = np.arange(n_samples) % 3

    def densify(self, *args, **kwargs):
        raise AssertionError("a sparse input was densified")

    for cls in (sp.csr_matrix, sp.csc_matrix, sp.coo_matrix):
        monkeypatch.setattr(cls, "toarray", densify)
        monkeypatch.setattr(cls, "todense", densify)
    est = Est(hidden_layer_sizes=2, solver=solver, max_iter=1, dtype=dtype,
              random_state=0)
    est.fit(X, y)
    est.partial_fit(X, y)
    assert np.all(np.isfinite(est.predict_proba(X)))
    assert np.all(np.isfinite(est.transform(X)))
