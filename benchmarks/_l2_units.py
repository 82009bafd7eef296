"""The candidates of the autoencoder's L2-units round, outside the package.

``UnitsAutoencoder`` is ``NonNegAutoencoder`` whose encoder L2 penalty is
``l2 * sum_jk (u_j W1_jk)^2`` with per-column units ``u`` set before ``fit``
(``units_rule``): the engine's ``Objective.penalty_units``, the hook the
classifier's column units use (``_engine.precondition.penalty_units``), set on
each mini-batch objective. With ``decoder_units`` (the linear decoder only:
its weights are in the data's units, the sigmoid decoder's act on logits, whose
unit is 1) the decoder's L2 is ``l2 * sum_kj (W2_kj / u_j)^2`` instead, ``u`` the
same rule's units of the output columns; otherwise it is unchanged. Only
single-block objectives (Adam's mini-batches; the data sets of the round) are
supported.

Rules (``units(X, rule)``), each a unit per input column over the training rows:

- ``"std"``: the column's standard deviation (sparse zeros counted); 1 for a
  constant column (nothing to measure it against: the paper's penalty);
- ``"span"``: the column's span ``max - min`` (sparse zeros counted), 1 for a
  constant column: ``penalty_units`` of the classifier, for every column.

Private imports (sknonneg._*): ``sknonneg._engine.penalties`` (``L2``,
``Penalty``) and ``sknonneg._engine.precondition`` (``column_span``), and the
estimator's ``_make_objective`` and ``_penalties`` hooks: the candidates are
penalties of the engine's objective, which no public parameter sets (the
package had none of them before the round adopted one).
"""

import numpy as np
import scipy.sparse as sp

from sknonneg import NonNegAutoencoder
from sknonneg._engine.penalties import L2, Penalty
from sknonneg._engine.precondition import column_span


class _DecoderUnitsL2(Penalty):
    """``alpha * sum_kj (W2_kj / u_j)^2`` on the second weight layer."""

    def __init__(self, alpha, units):
        self.alpha, self.inverse2 = float(alpha), 1.0 / np.asarray(units) ** 2

    def value_grad(self, layout, theta, grad_out):
        layer, blocks = layout.network[1], layout.blocks(theta)[1]
        coef = layer.coef(blocks)
        weighted = coef * self.inverse2
        layer.add_coef_grad(layout.blocks(grad_out)[1], 2.0 * self.alpha * weighted)
        return self.alpha * float(np.vdot(coef, weighted))


def units(X, rule):
    if rule is None:
        return None
    if rule == "span":
        u = column_span(X)
    elif rule == "std":
        n = X.shape[0]
        if sp.issparse(X):
            X = sp.csr_matrix(X, dtype=np.float64)
            mean = np.asarray(X.sum(0)).ravel() / n
            second = np.asarray(X.multiply(X).sum(0)).ravel() / n
        else:
            X = np.asarray(X, dtype=np.float64)
            mean, second = X.mean(0), (X * X).mean(0)
        u = np.sqrt(np.maximum(second - mean * mean, 0.0))
    else:
        raise ValueError(rule)
    return np.where(u > 0, u, 1.0)


class UnitsAutoencoder(NonNegAutoencoder):
    """``NonNegAutoencoder`` with the encoder's L2 in the units of ``units_rule``
    (an attribute, not a parameter: set it after construction)."""

    units_rule = None
    decoder_units = False
    _units = None

    def _penalties(self):
        penalties = super()._penalties()
        if self._units is None or not (self.decoder_units
                                       and self.decoder == "linear"):
            return penalties
        assert isinstance(penalties[0], L2)
        return [L2([self.l2, 0.0]), *penalties[1:],
                _DecoderUnitsL2(self.l2, self._units)]

    def fit(self, X, y=None, sample_weight=None):
        self._units = units(X, self.units_rule)
        return super().fit(X, y, sample_weight=sample_weight)

    def _make_objective(self, layout, X, y, sample_weight, gain, parallel):
        objective = super()._make_objective(layout, X, y, sample_weight, gain,
                                            parallel)
        if self._units is not None:
            if not objective.single:
                raise NotImplementedError("blocks of rows")
            objective._by_rows[objective.n_samples].penalty_units = self._units
        return objective
