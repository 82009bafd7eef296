"""The estimators inside scikit-learn's meta-estimators and tools.

The combinations that already worked (calibration, threshold tuning, stacking,
votes, multi-output wrappers, searches with loky workers, metadata routing,
set_output, pickling of fitted meta-estimators) were checked by script in that
review; here are the cases that failed before their fix."""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import BaseEstimator
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler
from sklearn.utils import estimator_html_repr

import sknonneg.neural_network._nonneg_mlp as nonneg_mlp
import sknonneg.neural_network._nonneg_mlp_regressor as nonneg_mlp_regressor
from sknonneg import (ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier,
                      NonNegMLPRegressor)
from sknonneg.inspection import describe_network

from conftest import with_fitted_gain

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
    # A network fitted at gain=1e300 (before fit refused it, GAIN_RANGE; loaded)
    # predicts, but lipschitz_bound_ refuses its overflowing
    # bound with a ValueError. Before: scikit-learn's HTML repr (the notebook
    # display, inspect.getmembers over the fitted attributes) and
    # describe_network raised that ValueError, for the estimator and for every
    # Pipeline or search holding it.
    est = with_fitted_gain(_fit(Est), 1e300)
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


# ------------------------------------------- read-only fitted state (memmaps)
def _adam_fit(Est, X, y):
    args = (X,) if Est is NonNegAutoencoder else (X, y)
    params = ({"n_components": 3} if Est is NonNegAutoencoder
              else {"hidden_layer_sizes": (3,), "solver": "adam"})
    return Est(max_iter=3, random_state=0, **params).fit(*args), args


@pytest.mark.parametrize("Est", [NonNegMLPClassifier, NonNegMLPRegressor,
                                 ABBAClassifier, NonNegAutoencoder])
@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
@pytest.mark.parametrize("mmap_mode", ["r", "r+"])
def test_adam_continues_from_a_memmapped_state(Est, how, mmap_mode, tmp_path):
    # joblib.load(..., mmap_mode="r"), and joblib's workers for a fitted estimator
    # of more than 1 MB (OneVsRestClassifier.partial_fit with n_jobs=2 below),
    # give read-only memmaps for Adam's moments. Before: partial_fit and a warm
    # start raised "output array is read-only" (NumPy kernels) or numba's
    # TypingError (compiled kernels) when Adam updated them in place; with
    # mmap_mode="r+" they wrote the new moments into the saved file.
    X, y = _data()
    est, args = _adam_fit(Est, X, y if Est is not NonNegMLPRegressor else X[:, 0])
    joblib.dump(est, tmp_path / "est.joblib")
    loaded = joblib.load(tmp_path / "est.joblib", mmap_mode=mmap_mode)
    assert isinstance(loaded._solver_state.m, np.memmap)
    reference = pickle.loads(pickle.dumps(est))
    for model in (loaded, reference):
        if how == "partial_fit":
            model.partial_fit(*args)
        else:
            model.set_params(warm_start=True).fit(*args)
    # The same continuation as from a writeable copy of the state.
    np.testing.assert_array_equal(loaded._theta, reference._theta)
    np.testing.assert_array_equal(loaded._solver_state.m, reference._solver_state.m)
    # The file the model was loaded from is left as it was.
    again = joblib.load(tmp_path / "est.joblib")
    np.testing.assert_array_equal(again._theta, est._theta)
    np.testing.assert_array_equal(again._solver_state.m, est._solver_state.m)


def test_one_vs_rest_partial_fit_in_workers_continues_adam():
    # OneVsRestClassifier.partial_fit(n_jobs=2) sends its fitted estimators to
    # joblib's workers, which memmap arrays of more than 1 MB read-only: 300 x 600
    # first-layer weights. Before: numba's TypingError from the second call.
    rng = np.random.RandomState(0)
    X, y = rng.uniform(size=(60, 300)), rng.randint(0, 3, 60)
    base = NonNegMLPClassifier(hidden_layer_sizes=(600,), solver="adam",
                               random_state=0)
    fits = [OneVsRestClassifier(base, n_jobs=n_jobs) for n_jobs in (1, 2)]
    for ovr in fits:
        ovr.partial_fit(X, y, classes=np.arange(3)).partial_fit(X, y)
    np.testing.assert_array_equal(fits[0].decision_function(X),
                                  fits[1].decision_function(X))
