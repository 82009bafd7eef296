"""``MonotoneCertificate.uncertified_reasons_`` names the final step's inputs by
the names the certificate knows. Before, after a step without
``get_feature_names_out`` (a ``FunctionTransformer`` without
``feature_names_out``), a reason keyed ``'word_freq_make'`` said "proves no
direction in its input 0", the position of the feature whose name is its key."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MinMaxScaler

from sknonneg import NonNegMLPClassifier
from sknonneg.preprocessing import RampTransformer
from sknonneg.robustness import monotone_certificate

RNG = np.random.RandomState(0)
DF = pd.DataFrame({"a": RNG.rand(80), "b": RNG.rand(80)})
Y = ((DF.a - 0.5) ** 2 + (DF.b - 0.5) ** 2 > 0.1).astype(int)
BOTH = "its weights on it have both signs"
NET = "NonNegMLPClassifier proves no direction in its input"


def _certificate(steps, X):
    net = NonNegMLPClassifier((4,), positive="output", output="logistic",
                              max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cert = monotone_certificate(make_pipeline(*steps, net).fit(X, Y))
    assert cert.feature_signs_.tolist() == [0, 0]  # both have reasons
    return cert.uncertified_reasons_


def test_one_to_one_steps_name_the_input_by_its_feature():
    # The final step's inputs have no names (FunctionTransformer has no
    # feature_names_out), but each is made from one feature alone.
    reasons = _certificate([FunctionTransformer(np.log1p), MinMaxScaler()], DF)
    assert reasons == {"a": f"{NET} 'a': {BOTH}", "b": f"{NET} 'b': {BOTH}"}


def test_inputs_made_from_a_feature_keep_their_position_and_name_it():
    # 'b' makes three inputs (its ramps); the ColumnTransformer has no names out.
    ct = ColumnTransformer([("f", FunctionTransformer(np.log1p), ["a"]),
                            ("r", RampTransformer(n_knots=3), ["b"])])
    with pytest.raises(AttributeError, match="does not provide get_feature_names_out"):
        make_pipeline(ct).fit(DF).get_feature_names_out()
    reasons = _certificate([ct], DF)
    assert reasons["a"] == f"{NET} 'a': {BOTH}"
    assert reasons["b"] == f"{NET} 1, 2, 3 (made from 'b'): {BOTH}"


def test_without_names_the_position_is_kept():
    reasons = _certificate([FunctionTransformer(np.log1p)], DF.to_numpy())
    assert reasons == {0: f"{NET} 0: {BOTH}", 1: f"{NET} 1: {BOTH}"}
