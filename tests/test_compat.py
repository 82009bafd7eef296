"""sknonneg._compat where scikit-learn's private names are gone.

``check_sample_weight`` and ``num_samples`` are scikit-learn's private
``_check_sample_weight`` and ``_num_samples`` (scikit-learn 1.6 to 1.9 have no
public equivalents). Before, a move of either made ``import sknonneg`` fail; now
``_compat`` falls back on its own copies, which must answer as scikit-learn's do
for the calls sknonneg makes. The parameter-validation classes have no fallback:
their absence is an ``ImportError`` that names the supported releases.
"""

import importlib.util
import re

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.utils import _param_validation, validation

import sknonneg._compat


def _fresh_compat(name="_compat_copy"):
    """A new copy of sknonneg/_compat.py, imported with scikit-learn as it is now
    (sknonneg._compat itself is left alone)."""
    spec = importlib.util.spec_from_file_location(name, sknonneg._compat.__file__)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def without_privates():
    """_compat imported where scikit-learn has neither private function (they
    are put back at once)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.delattr(validation, "_check_sample_weight")
        patch.delattr(validation, "_num_samples")
        module = _fresh_compat()
    assert hasattr(validation, "_check_sample_weight")
    return module


def test_the_private_functions_are_used_where_they_exist():
    module = _fresh_compat()
    assert module.check_sample_weight is validation._check_sample_weight
    assert module.num_samples is validation._num_samples


def test_import_without_the_private_functions_falls_back(without_privates):
    assert without_privates.check_sample_weight is \
        without_privates._own_check_sample_weight
    assert without_privates.num_samples is without_privates._own_num_samples


def _outcome(function, *args, **kwargs):
    try:
        result = function(*args, **kwargs)
    except (TypeError, ValueError) as exc:
        return type(exc), str(exc)
    return result


def _name(value):
    """A test id that is the same in every process (pytest-xdist compares
    them): the repr, unless it shows an address."""
    text = repr(value)
    return type(value).__name__ if " at 0x" in text else text


X = np.arange(12.0).reshape(4, 3)
FRAME = pd.DataFrame(X, columns=["a", "b", "c"])
WEIGHTS = [
    None, 2, 2.5, 0, np.float32(1.5), [1, 2, 3, 4], (1, 0, 0, 2),
    np.array([1, 2, 3, 4], dtype=np.int64), np.array([1, 2, 3, 4], dtype=np.float32),
    np.array([0.5, 0, 1, 2]), pd.Series([1.0, 2, 3, 4]), pd.Series([1, 2, 3, 4]),
    [0, 0, 0, 0], [1, -2, 3, 4], [1, np.nan, 3, 4], [1, np.inf, 3, 4],
    [1, 2, 3], [1, 2, 3, 4, 5], [[1, 2, 3, 4]], np.ones((4, 1)), "abc",
    ["a", "b", "c", "d"], sp.csr_matrix(np.ones((1, 4))), [],
    pd.DataFrame({"w": [1.0, 2, 3, 4]}),
]
INPUTS = [X, FRAME, sp.csr_matrix(X), sp.csc_matrix(X), X.tolist(), X[:, 0],
          np.empty((1, 1))]


@pytest.mark.parametrize("weights", WEIGHTS, ids=_name)
@pytest.mark.parametrize("data", INPUTS, ids=lambda d: type(d).__name__)
@pytest.mark.parametrize("options", [{"dtype": np.float64}, {},
                                     {"dtype": np.float64, "ensure_non_negative": True},
                                     {"dtype": np.int64}, {"copy": True}])
def test_own_check_sample_weight_answers_as_scikit_learns(without_privates, weights,
                                                          data, options):
    own = _outcome(without_privates._own_check_sample_weight, weights, data, **options)
    theirs = _outcome(validation._check_sample_weight, weights, data, **options)
    if isinstance(theirs, tuple):
        assert own == theirs
        return
    assert isinstance(own, np.ndarray)
    assert own.dtype == theirs.dtype and own.shape == theirs.shape
    assert own.flags.c_contiguous
    np.testing.assert_array_equal(own, theirs)


def test_own_check_sample_weight_copies_when_asked(without_privates):
    weights = np.array([1.0, 2, 3, 4])
    assert without_privates._own_check_sample_weight(weights, X) is weights
    assert without_privates._own_check_sample_weight(weights, X,
                                                     copy=True) is not weights


class _Fitted:
    shape = (3,)

    def fit(self, X):
        return self


class _OnlyArray:
    def __array__(self, dtype=None, copy=None):
        return np.zeros((5, 2))


@pytest.mark.parametrize("data", [
    X, FRAME, FRAME["a"], sp.csr_matrix(X), X.tolist(), [1, 2], (), np.float64(3.0),
    np.array(2.0), 3, "abcd", None, _Fitted(), _OnlyArray(), {"a": 1, "b": 2},
    range(7), iter([1, 2])], ids=_name)
def test_own_num_samples_answers_as_scikit_learns(without_privates, data):
    own = _outcome(without_privates._own_num_samples, data)
    assert own == _outcome(validation._num_samples, data)


def test_estimators_fit_with_the_fallbacks(without_privates, monkeypatch):
    # What sknonneg's modules use where the private functions are gone: the same
    # weights, the same refusals.
    from sknonneg.preprocessing import RampTransformer, _ramps

    rng = np.random.default_rng(0)
    data = rng.normal(size=(40, 2))
    weights = rng.uniform(size=40)
    expected = RampTransformer(3).fit(data, sample_weight=weights)
    monkeypatch.setattr(_ramps, "check_sample_weight",
                        without_privates.check_sample_weight)
    got = RampTransformer(3).fit(data, sample_weight=weights)
    for mine, theirs in zip(got.knots_, expected.knots_):
        np.testing.assert_array_equal(mine, theirs)
    with pytest.raises(ValueError, match=re.escape(
            "sample_weight.shape == (39,), expected (40,)!")):
        RampTransformer(3).fit(data, sample_weight=weights[:-1])
    with pytest.raises(ValueError, match="Negative values in data passed to "
                       "`sample_weight`"):
        RampTransformer(3).fit(data, sample_weight=-weights)


def test_without_parameter_validation_the_import_error_names_the_releases(
        monkeypatch):
    # No fallback: the constraint classes are scikit-learn's convention and too
    # large to copy. Before: Python's bare "cannot import name 'Interval'".
    monkeypatch.delattr(_param_validation, "Interval")
    with pytest.raises(ImportError) as caught:
        _fresh_compat("_compat_without_validation")
    message = str(caught.value)
    assert "sklearn.utils._param_validation" in message
    assert "Interval" in message
    assert "sknonneg supports scikit-learn 1.6 to 1.9" in message
    assert 'pip install "scikit-learn>=1.6,<1.10"' in message
    assert isinstance(caught.value.__cause__, ImportError)


def test_the_supported_floor_is_pyprojects():
    # The message's floor is the dependency's floor.
    import pathlib

    pyproject = pathlib.Path(sknonneg._compat.__file__).parents[1] / "pyproject.toml"
    if not pyproject.exists():
        pytest.skip("not run from a clone")
    floor = re.search(r'"scikit-learn>=([0-9.]+)"', pyproject.read_text()).group(1)
    assert sknonneg._compat.SUPPORTED_SKLEARN[0] == floor
