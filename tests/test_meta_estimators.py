"""The estimators inside scikit-learn's meta-estimators and tools (review 45c).

What already worked (calibration, threshold tuning, stacking, votes, multi-output
wrappers, searches with loky workers, metadata routing, set_output, pickling of
fitted meta-estimators) is covered by the other test files; here are the cases
that failed before their fix."""

import warnings

import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils import estimator_html_repr

import sknonneg.neural_network._nonneg_mlp as nonneg_mlp
import sknonneg.neural_network._nonneg_mlp_regressor as nonneg_mlp_regressor
from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor
from sknonneg.inspection import describe_network

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

# scikit-learn >= 1.8 lists a fitted estimator's attributes in its HTML repr.
LISTS_FITTED_ATTRIBUTES = hasattr(BaseEstimator, "_get_fitted_attr_html")


def _data():
    rng = np.random.RandomState(0)
    X = rng.uniform(size=(60, 4))
    return X, (X[:, 0] + X[:, 1] > 1).astype(int)


def _fit(Est, **params):
    X, y = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return Est(hidden_layer_sizes=(3, 3), max_iter=3, random_state=0,
                   **params).fit(X, y if Est is NonNegMLPClassifier else X[:, 0])


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor])
def test_html_repr_of_a_fitted_network_whose_lipschitz_bound_overflows(Est):
    # gain=1e300 fits and predicts, but lipschitz_bound_ refuses its overflowing
    # bound with a ValueError. Before: scikit-learn's HTML repr (the notebook
    # display, inspect.getmembers over the fitted attributes) and
    # describe_network raised that ValueError, for the estimator and for every
    # Pipeline or search holding it.
    est = _fit(Est, gain=1e300)
    for obj in (est, make_pipeline(MinMaxScaler(), est)):
        assert "text/html" in obj._repr_mimebundle_()
        html = estimator_html_repr(obj)
        if LISTS_FITTED_ATTRIBUTES:
            assert "coefs_" in html and "gain_" in html
    assert "Lipschitz bound: overflows" in describe_network(est)
    # The property itself still refuses, as before, outside the repr.
    with pytest.raises(ValueError, match="Lipschitz bound overflows"):
        est.lipschitz_bound_


@pytest.mark.parametrize("Est, module", [(NonNegMLPClassifier, nonneg_mlp),
                                         (NonNegMLPRegressor, nonneg_mlp_regressor)])
def test_html_repr_does_not_compute_the_lipschitz_bound(Est, module, monkeypatch):
    # The bound takes SVDs of the free layers: 1.5-3.7 s for a 784-500-10
    # positive="output" classifier on 2 cores, paid by every notebook display of
    # it (scikit-learn's HTML repr read every property ending in "_"). The repr
    # now leaves it out; the attribute computes it when asked.
    est = _fit(Est, positive="output")
    expected = est.lipschitz_bound_
    calls = []
    real = module.mlp_lipschitz_bound
    monkeypatch.setattr(module, "mlp_lipschitz_bound",
                        lambda *a, **k: calls.append(1) or real(*a, **k))
    html = estimator_html_repr(make_pipeline(MinMaxScaler(), est))
    assert calls == []
    if LISTS_FITTED_ATTRIBUTES:
        assert "coefs_" in html and "lipschitz_bound_" not in html
    assert est.lipschitz_bound_ == expected
    assert calls == [1]
