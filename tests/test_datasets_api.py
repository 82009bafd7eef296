"""The loaders' calling conventions, as scikit-learn's fetchers have them: every
argument keyword-only (a positional one still accepted, with a FutureWarning naming
its keyword), a Bunch by default, ``return_X_y`` for ``(data, target)``, and for the
tabular data sets ``as_frame``."""

import gzip
import inspect
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

import sknonneg.datasets as datasets
from sknonneg.datasets import _tabular

pytestmark = pytest.mark.filterwarnings("error::FutureWarning")

LOADERS = ["load_mnist", "load_reuters", "load_compas", "load_auto_mpg",
           "load_adult", "load_spambase"]

_AUTO_MPG = ("cylinders,displacement,horsepower,weight,acceleration,model_year,"
             "origin,car_name,mpg\n8,307.0,130.0,3504.0,12.0,70,1,a b,18.0\n"
             "4,97.0,?,2130.0,14.5,70,3,c,27.0\n4,97.0,88.0,2130.0,14.5,70,2,d,26.0\n")
_ADULT_ROW = ("39, State-gov, 77516, Bachelors, 13, Never-married, Adm-clerical, "
              "Not-in-family, White, Male, 2174, 0, 40, United-States, {}\n")


@pytest.fixture
def tabular_home(tmp_path, monkeypatch):
    """Small Auto MPG and Adult files (2 rows each) in ``tmp_path``."""
    monkeypatch.setattr(_tabular, "N_ROWS", dict.fromkeys(_tabular.N_ROWS, 2))
    with gzip.open(tmp_path / "autompg.csv.gz", "wt") as f:
        f.write(_AUTO_MPG)
    for name in ("adult.data.gz", "adult.test.gz"):
        with gzip.open(tmp_path / name, "wt") as f:
            f.write(_ADULT_ROW.format("<=50K") + _ADULT_ROW.format(">50K"))
    return tmp_path


@pytest.mark.parametrize("name", LOADERS)
def test_loaders_arguments_are_keyword_only(name):
    params = inspect.signature(getattr(datasets, name)).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)


@pytest.mark.parametrize("name", LOADERS)
def test_loaders_return_X_y_and_as_frame_are_documented(name):
    params = inspect.signature(getattr(datasets, name)).parameters
    assert "return_X_y" in params and "data_home" in params
    doc = getattr(datasets, name).__doc__
    assert "return_X_y : bool, default=False" in doc
    if name not in ("load_mnist", "load_reuters"):
        assert "as_frame : bool, default=True" in doc


def test_positional_data_home_is_deprecated(tmp_path):
    # Before: load_mnist(home) and load_reuters(home, "all90") were the documented
    # calls; they still work, with scikit-learn's FutureWarning.
    for call, text in [
        (lambda: datasets.load_mnist(tmp_path, download_if_missing=False),
         rf"Pass data_home={tmp_path!r} as keyword args"),
        (lambda: datasets.load_reuters(tmp_path, "all90", download_if_missing=False),
         rf"Pass data_home={tmp_path!r}, subset='all90' as keyword args"),
    ]:
        with pytest.warns(FutureWarning, match=text.replace("(", r"\(")
                          .replace(")", r"\)")):
            with pytest.raises(FileNotFoundError, match=str(tmp_path)):
                call()


def test_positional_subset_of_load_adult_is_deprecated(tabular_home):
    with pytest.warns(FutureWarning, match=r"Pass subset='test' as keyword args\. "
                                           r"From version 0\.2 passing these as "
                                           r"positional arguments will result in an "
                                           r"error"):
        X, y = datasets.load_adult("test", data_home=tabular_home, return_X_y=True)
    assert list(y) == [0, 1]
    with pytest.raises(TypeError, match="multiple values for argument 'subset'"):
        datasets.load_adult("test", subset="train", data_home=tabular_home)
    with pytest.raises(TypeError, match=r"load_adult\(\) takes at most 1 positional"):
        datasets.load_adult("test", tabular_home)


def test_tabular_loaders_return_a_bunch(tabular_home):
    # Before: an (X, y) tuple, where scikit-learn's fetchers return a Bunch.
    bunch = datasets.load_auto_mpg(data_home=tabular_home)
    assert isinstance(bunch, Bunch)
    assert set(bunch) == {"data", "target", "frame", "feature_names", "target_names",
                          "DESCR"}
    assert isinstance(bunch.data, pd.DataFrame) and bunch.data.shape == (2, 9)
    assert isinstance(bunch.target, pd.Series) and bunch.target.name == "mpg"
    assert bunch.target.tolist() == [18.0, 26.0]
    assert bunch.feature_names == list(bunch.data.columns)
    assert bunch.target_names == ["mpg"]
    assert list(bunch.frame.columns) == bunch.feature_names + ["mpg"]
    assert "Auto MPG" in bunch.DESCR
    X, y = datasets.load_auto_mpg(data_home=tabular_home, return_X_y=True)
    pd.testing.assert_frame_equal(X, bunch.data)
    pd.testing.assert_series_equal(y, bunch.target)


def test_tabular_loaders_as_frame_false(tabular_home):
    bunch = datasets.load_auto_mpg(data_home=tabular_home, as_frame=False)
    assert isinstance(bunch.data, np.ndarray) and bunch.data.dtype == np.float64
    assert isinstance(bunch.target, np.ndarray) and bunch.frame is None
    assert len(bunch.feature_names) == bunch.data.shape[1] == 9
    X, y = datasets.load_auto_mpg(data_home=tabular_home, as_frame=False,
                                  return_X_y=True)
    np.testing.assert_array_equal(X, bunch.data)
    # Adult's categorical columns are strings: no numeric array holds them
    # (fetch_openml(as_frame=False) refuses only STRING attributes so).
    with pytest.raises(ValueError, match=r"load_adult\(as_frame=False\).*string "
                                         r"columns.*workclass.*as_frame=True"):
        datasets.load_adult(data_home=tabular_home, as_frame=False)
    bunch = datasets.load_adult(subset="test", data_home=tabular_home)
    assert bunch.target.tolist() == [0, 1] and bunch.target_names == ["income>50K"]



def _parameter_entry(doc, name):
    """The text of one numpydoc parameter entry of ``doc``."""
    lines = doc.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.strip().startswith(f"{name} : "))
    body = []
    for line in lines[start + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= 4:
            break
        body.append(line.strip())
    return " ".join(body)


@pytest.mark.parametrize("name", ["load_compas", "load_auto_mpg", "load_adult",
                                  "load_spambase"])
def test_as_frame_entry_says_what_false_does(name):
    # load_adult's as_frame entry, shared with the other loaders, said "if False,
    # NumPy arrays and no frame", while load_adult(as_frame=False) is a
    # ValueError (said only under Returns): a user reading the parameter was
    # sent into the error.
    entry = _parameter_entry(getattr(datasets, name).__doc__, "as_frame")
    if name == "load_adult":
        assert "NumPy arrays" not in entry
        assert "False is a ``ValueError``" in entry
    else:
        assert "if False, NumPy arrays and no ``frame``" in entry


@pytest.mark.parametrize("flag", ["return_X_y", "as_frame"])
def test_tabular_loaders_check_their_flags(tabular_home, flag):
    with pytest.raises(ValueError, match=f"'{flag}' parameter of load_auto_mpg"):
        datasets.load_auto_mpg(data_home=tabular_home, **{flag: "yes"})


def test_keyword_calls_do_not_warn(tabular_home):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        datasets.load_adult(subset="test", data_home=tabular_home)
        datasets.load_auto_mpg(data_home=tabular_home)
