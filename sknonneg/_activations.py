"""The hidden activations, by name: what each one computes, and what sknonneg relies on.

One record per name (``ACTIVATIONS``), as scikit-learn's ``neural_network/_base.py``
looks its activations up by name: the kernel code (``sknonneg._kernels.codes``), a
NumPy ``function`` and its ``derivative``, and the facts that the rest of the
package builds on:

- ``lower``, ``upper``: bounds of the range of ``f`` (``-inf``/``inf`` where there
  is none); from them, ``saturating`` (both finite: a gain makes the unit steeper,
  where relu and the identity are positively homogeneous and a gain only rescales
  them, so ``gain="auto"`` anneals only saturating units), ``nonnegative``
  (``lower >= 0``: ``activity_l1`` is an L1 norm of the activations) and
  ``ceiling`` (``sup |f|``, for the rounding analysis of ``sknonneg._lipschitz``);
- ``max_slope``: the Lipschitz constant of ``f`` (``t -> f(gain t)`` has
  ``gain * max_slope``), a factor of every Lipschitz bound;
- ``zero_at_zero``: ``f(0) = 0``, so that ``|f(t)| <= max_slope |t|``;
- ``non_decreasing``: a network with non-negative weights is then monotone
  (every activation here is; ``robustness.monotone_certificate`` relies on it).

``DENSE`` and ``ABBA`` are the names that a dense hidden layer (``NonNegMLP*``, the
names of scikit-learn's MLPs) and an ABBA layer take, and nothing else spells them
out: the estimators' parameter constraints, the engine's layers
(``sknonneg._engine.layers``, which maps them to kernel codes), the Lipschitz bounds
(``sknonneg._lipschitz``, below the engine) and the satellites (``inspection``,
``robustness``, which evaluate fitted networks from their public attributes) read
them here. The kernels (``sknonneg._kernels``) compute their own, by code; the tests
hold them equal to ``function`` and ``derivative``, and hold every fact against the
function on a grid (``tests/test_activation.py``).

This module imports NumPy, SciPy and the kernels' codes only (no numba, nothing
of the engine), so that everything above may import it.
"""

import math
from dataclasses import dataclass
from functools import partial
from typing import Callable

import numpy as np
from scipy.special import expit

from ._kernels.codes import CAPPED_LEAKY_RELU, IDENTITY, LOGISTIC, RELU, TANH

__all__ = ["ABBA", "ACTIVATIONS", "Activation", "DENSE"]


@dataclass(frozen=True)
class Activation:
    """A hidden activation ``f`` and its facts (see the module docstring).

    ``function(t)``: ``f(t)`` element-wise, in the floating dtype of ``t`` (the
    identity returns ``t`` itself). ``derivative(a, gain=1.0)``: the slope of ``t ->
    f(gain t)`` at the ``t`` where it outputs ``a``, that is ``gain f'(gain t)``
    written with ``a = f(gain t)`` (the backward pass keeps the outputs, not the
    pre-activations). ``parameters``: the names of the keyword parameters that both
    take (the capped leaky ReLU's ``slope`` and ``cap``); the facts hold for every
    value the estimators allow.
    """

    name: str
    code: int
    function: Callable
    derivative: Callable
    lower: float
    upper: float
    max_slope: float
    zero_at_zero: bool
    non_decreasing: bool = True
    parameters: tuple = ()

    @property
    def saturating(self):
        """The range is bounded on both sides."""
        return math.isfinite(self.lower) and math.isfinite(self.upper)

    @property
    def nonnegative(self):
        """Every output is ``>= 0``."""
        return self.lower >= 0.0

    @property
    def ceiling(self):
        """``sup |f(t)|`` (``inf`` without a bound)."""
        return max(-self.lower, self.upper)

    def bind(self, **params):
        """``(function, derivative)`` with this activation's ``parameters`` taken
        from ``params`` (the others are ignored)."""
        values = {name: params[name] for name in self.parameters}
        return partial(self.function, **values), partial(self.derivative, **values)


def _logistic_derivative(a, gain=1.0):
    return gain * a * (1.0 - a)


def _tanh_derivative(a, gain=1.0):
    return gain * (1.0 - a * a)


def _relu(t):
    return np.maximum(t, 0.0)


def _relu_derivative(a, gain=1.0):
    return gain * (a > 0).astype(a.dtype)


def _identity(t):
    return t


def _identity_derivative(a, gain=1.0):
    return gain * np.ones_like(a)


def _capped_leaky_relu(t, slope=0.0, cap=1.0):
    """Eq. (20) of Vasilescu, Neacsu & Pesquet (2024), ``alpha = slope`` and ``beta
    = cap``: ``t`` for ``|t| <= cap``, else ``sign(t) (cap + slope (|t| - cap))``."""
    outside = np.sign(t) * (cap + slope * (np.abs(t) - cap))
    return np.where(np.abs(t) <= cap, t, outside)


def _capped_leaky_relu_derivative(a, gain=1.0, slope=0.0, cap=1.0):
    # Strict: with slope == 0 every t beyond the cap maps to exactly +-cap.
    return gain * np.where(np.abs(a) < cap, 1.0, slope)


ACTIVATIONS = {
    # The sigmoid 1 / (1 + exp(-t)): slope a (1 - a), at most 1/4 (at t = 0).
    "logistic": Activation("logistic", LOGISTIC, expit, _logistic_derivative,
                           lower=0.0, upper=1.0, max_slope=0.25, zero_at_zero=False),
    "tanh": Activation("tanh", TANH, np.tanh, _tanh_derivative,
                       lower=-1.0, upper=1.0, max_slope=1.0, zero_at_zero=True),
    "relu": Activation("relu", RELU, _relu, _relu_derivative,
                       lower=0.0, upper=math.inf, max_slope=1.0, zero_at_zero=True),
    "identity": Activation("identity", IDENTITY, _identity, _identity_derivative,
                           lower=-math.inf, upper=math.inf, max_slope=1.0,
                           zero_at_zero=True),
    # Slope 1 inside the cap and ``slope`` in [0, 1) beyond it; unbounded for
    # slope > 0 (bounded by the cap at slope 0: the bounds hold for both).
    "capped_leaky_relu": Activation(
        "capped_leaky_relu", CAPPED_LEAKY_RELU, _capped_leaky_relu,
        _capped_leaky_relu_derivative, lower=-math.inf, upper=math.inf, max_slope=1.0,
        zero_at_zero=True, parameters=("slope", "cap")),
}

# The hidden activations of a dense layer (scikit-learn's MLPs have the same four
# names) and of an ABBA layer (odd ones, Vasilescu et al. 2024), in this order.
DENSE = {name: ACTIVATIONS[name] for name in ("logistic", "tanh", "relu", "identity")}
ABBA = {name: ACTIVATIONS[name] for name in ("identity", "tanh", "capped_leaky_relu")}
