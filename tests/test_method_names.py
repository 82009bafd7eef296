"""Errors Python raises for a call of an estimator's method name the public
estimator, not the private base class that defines the method."""

import inspect
import re

import numpy as np
import pytest

from sknonneg import ABBAClassifier, NonNegMLPClassifier, NonNegMLPRegressor

ESTIMATORS = [NonNegMLPClassifier, NonNegMLPRegressor, ABBAClassifier]


@pytest.mark.parametrize("Est", ESTIMATORS, ids=lambda E: E.__name__)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_unexpected_keyword_names_the_estimator(Est, method):
    # Before: "BaseNetworkClassifier.partial_fit() got an unexpected keyword
    # argument 'foo'" (the classifiers' fit too), a class users never see.
    X, y = np.ones((4, 2)), np.array([0, 1, 0, 1])
    est = Est(hidden_layer_sizes=(2,), max_iter=1)
    with pytest.raises(TypeError, match=re.escape(
            f"{Est.__name__}.{method}() got an unexpected keyword argument 'foo'")):
        getattr(est, method)(X, y, foo=1)


@pytest.mark.parametrize("Est", ESTIMATORS, ids=lambda E: E.__name__)
def test_public_methods_carry_the_estimator_name(Est):
    # Every public method inherited from sknonneg's private bases is named after
    # the estimator (predict, score, ...), as if the estimator defined it; not
    # transform and fit_transform, which scikit-learn's set_output wraps.
    for name, member in inspect.getmembers(Est, inspect.isfunction):
        if (name.startswith("_") or not member.__module__.startswith("sknonneg")
                or hasattr(member, "__wrapped__")):
            continue
        assert member.__qualname__ == f"{Est.__name__}.{name}", name
    fitted = Est(hidden_layer_sizes=(2,), max_iter=1).fit(
        np.array([[0.0, 1.0], [1.0, 0.0]] * 2), np.array([0, 1] * 2))
    with pytest.raises(TypeError, match=re.escape(
            f"{Est.__name__}.predict() got an unexpected keyword argument 'foo'")):
        fitted.predict(np.ones((1, 2)), foo=1)


def test_inherited_methods_are_not_changed_on_the_base():
    from sknonneg.neural_network._classifier import BaseNetworkClassifier

    assert BaseNetworkClassifier.fit.__qualname__ == "BaseNetworkClassifier.fit"
    assert NonNegMLPClassifier.fit.__doc__ == BaseNetworkClassifier.fit.__doc__
    assert (inspect.signature(NonNegMLPClassifier.partial_fit)
            == inspect.signature(BaseNetworkClassifier.partial_fit))
