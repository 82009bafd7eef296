"""Robustness against additive evasion: the attack, and a certificate that it fails.

Spam and malware filters score a sample from features an attacker can only *add to*
(words, API calls, bytes). :func:`additive_evasion_attack` raises the allowed
features of each flagged sample within an L1 budget until the model lets it through;
:func:`monotone_certificate` reads a fitted model's weights and says, per feature,
whether any increase can lower the score of the flagged class. A
:class:`~sknonneg.NonNegMLPClassifier` with ``positive=True`` and
``output="logistic"`` is certified for every feature, so no additive attack can
evade it; one with ``positive="output"`` (non-negative output layer only, the
answer of a well-known forum thread) is not protected, and the attack finds
evasions. A soft :class:`~sklearn.ensemble.VotingClassifier` is certified for the
features that every member certifies (an average of certified networks from several
seeds keeps the certificate); a ``FrozenEstimator`` or threshold classifier has
its model's certificate, and a binary ``CalibratedClassifierCV`` its classifiers',
turned as each calibrator turns their scores. The certificate also reads regressors
(:class:`~sknonneg.NonNegMLPRegressor` with ``monotonic_cst``, scikit-learn's
``MLPRegressor`` and linear regressors): which features cannot lower the
prediction, a risk score or a price, from the weights.

Both tools read a sknonneg network's fitted state (the weights it predicts with,
whatever was put in its public ``coefs_`` or ``out_activation_`` since), other
estimators' public fitted attributes (``coefs_``, ``intercepts_``, ``classes_``,
``coef_``) and public methods (``decision_function``,
``predict_proba``, ``transform``), and two private parts of scikit-learn that no
public attribute exposes: the ``TfidfTransformer`` a fitted ``TfidfVectorizer``
made (``_tfidf``, whose ``norm`` and ``sublinear_tf`` its ``transform`` applies)
and the classes a fitted ``CalibratedClassifierCV`` is made of. Where a version of
scikit-learn lacks them, the step or the model is refused, never certified on a
guess. They work through Pipelines whose steps are per-feature non-decreasing (see
:func:`monotone_certificate` for the list).
"""

from ._attack import EvasionResult, additive_evasion_attack
from ._certificate import MonotoneCertificate, monotone_certificate
from .._pipeline import MONOTONE_UFUNCS

__all__ = [
    "MONOTONE_UFUNCS",
    "EvasionResult",
    "MonotoneCertificate",
    "additive_evasion_attack",
    "monotone_certificate",
]
