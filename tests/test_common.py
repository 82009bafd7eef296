"""scikit-learn's common estimator checks.

Three configurations: the default non-negative softmax network, the unconstrained
baseline, and the single-logistic-output network. Small and fast settings; every
expected failure carries its reason ("BUG" marks a defect of the estimator that a
test elsewhere also records, the rest are checks that do not apply). The
single-logistic-output non-negative network declares the ``poor_score`` tag: it is
monotone in every feature (Wang et al. 2022), and check_classifiers_train's binary
blobs need a decreasing direction.
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

# Weighting a row by 2 and repeating it give the same objective up to rounding: the
# kernels sum the terms in another order (and fuse multiply-adds), and after 50
# L-BFGS-B iterations decision_function differs by 1e-7 to 2e-7 relative, at or just
# above the check's rtol=1e-7. test_estimator_api.py checks the equivalence at 1e-6.
_ROUNDING = ("equal only up to rounding: weights and repeated rows sum the objective's "
             "terms in another order, and after 50 L-BFGS-B iterations "
             "decision_function differs by ~1e-7 to 2e-7 relative, at the check's "
             "rtol=1e-7 (test_estimator_api.py checks the equivalence at rtol 1e-6)")
# On sparse input the difference is 9.1e-8 relative here, just under the rtol, so that
# check usually passes (an XPASS, not strict): whether it does is a matter of rounding.
_ROUNDING_SPARSE = ("equal only up to rounding, as on dense data; here 9.1e-8 "
                    "relative, just under the check's rtol=1e-7, so it usually passes "
                    "(XPASS): another BLAS or CPU can round it over")
COMMON_FAILURES = {
    "check_sample_weight_equivalence_on_dense_data": _ROUNDING,
    "check_sample_weight_equivalence_on_sparse_data": _ROUNDING_SPARSE,
}


def expected_failed_checks(estimator):
    # Seen on the default configuration only (the checks' three classes give it a
    # softmax output, "auto" as "softmax"); the others pass within rtol=1e-7.
    if estimator.positive is not True or estimator.output not in ("auto", "softmax"):
        return {}
    failures = dict(COMMON_FAILURES)
    return failures


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
