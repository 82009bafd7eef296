"""scikit-learn's common estimator checks.

Three configurations: the default non-negative softmax network, the unconstrained
baseline, and the single-logistic-output network. Small and fast settings; every
expected failure carries its reason ("BUG" marks a defect of the estimator that a
test elsewhere also records, the rest are checks that do not apply).
"""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from sknonneg import NonNegMLPClassifier

FAST = {"hidden_layer_sizes": (5,), "max_iter": 50, "random_state": 0}

ESTIMATORS = [
    NonNegMLPClassifier(**FAST),
    NonNegMLPClassifier(positive=False, **FAST),
    NonNegMLPClassifier(output="logistic", **FAST),
]

COMMON_FAILURES = {
    "check_fit_score_takes_y": (
        "BUG: partial_fit after fit raises AttributeError (_partial_calls is only set "
        "by a first partial_fit call; _base.py partial_fit); see "
        "test_estimator_api.py::test_partial_fit_continues_a_fit"),
    "check_supervised_y_2d": (
        "BUG: a column-vector y of shape (n, 1) is raveled silently in _base.py "
        "_validate_X_y; scikit-learn classifiers (MLPClassifier included) warn with a "
        "DataConversionWarning through column_or_1d(y, warn=True)"),
    "check_sample_weight_equivalence_on_dense_data": (
        "the data-dependent initialisation rescales units by unweighted statistics of "
        "the training rows, so repeated rows give another starting point than integer "
        "weights; the objectives are equal (test_estimator_api.py::"
        "test_sample_weight_equals_repetition_in_the_objective / _from_the_same_start)"),
    "check_sample_weight_equivalence_on_sparse_data": (
        "same as check_sample_weight_equivalence_on_dense_data"),
}


def expected_failed_checks(estimator):
    failures = dict(COMMON_FAILURES)
    if estimator.output == "logistic" and estimator.positive is True:
        failures["check_classifiers_train"] = (
            "not applicable: one logistic output on non-negative weights makes "
            "P(class 1) non-decreasing in every feature (Wang et al. 2022); the "
            "check's binary blobs put class 1 higher in feature 0 but lower in "
            "feature 1, and fits reach ~0.70 accuracy there (0.83 required); "
            "the multiclass problem (3 logistic outputs) reaches 0.93")
    return failures


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
