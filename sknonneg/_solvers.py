"""Optimizers over the packed vector ``theta``: plain classes, not estimators.

- ``lbfgsb_full_batch``: scipy's L-BFGS-B with the sign constraints as bounds; the
  gain is annealed over successive L-BFGS-B stages.
- ``lbfgsb_minibatch_epoch``: the paper's scheme: one epoch splits the data into
  stratified mini-batches and runs a few L-BFGS-B steps on each.
- ``ProjectedAdam``: Adam followed by the Euclidean projection onto the bounds.

All of them report through ``SolverResult``; ``finish`` turns it into the estimator's
``n_iter_``, ``loss_``, ``loss_curve_`` and a ``ConvergenceWarning``.
"""

import time
import warnings
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import minimize
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "SolverResult",
    "gain_schedule",
    "lbfgsb_minimize",
    "stratified_batches",
    "ProjectedAdam",
    "warn_if_not_converged",
]


@dataclass
class SolverResult:
    theta: np.ndarray
    n_iter: int = 0
    loss: float = np.inf
    loss_curve: list = field(default_factory=list)
    converged: bool = False
    message: str = ""


def gain_schedule(gain, n_steps):
    """Gains for ``n_steps`` stages/epochs: exponential from start to end.

    ``gain`` is a float (constant) or ``(start, end)``:
    ``gain_t = start * (end / start) ** (t / (n_steps - 1))``.
    """
    if np.isscalar(gain):
        return np.full(n_steps, float(gain))
    start, end = float(gain[0]), float(gain[1])
    if n_steps == 1:
        return np.array([end])
    return start * (end / start) ** (np.arange(n_steps) / (n_steps - 1))


def lbfgsb_minimize(fun, theta0, bounds, max_iter, tol, callback=None):
    """One L-BFGS-B run; returns ``scipy.optimize.OptimizeResult``.

    ``bounds`` are ``(lower, upper)`` arrays, passed as arrays (scipy builds a
    ``Bounds`` object without a per-variable Python loop). ``callback(theta, loss)``
    after each iteration may raise ``StopIteration`` to end the run early.
    """
    from scipy.optimize import Bounds

    lower, upper = bounds
    scipy_callback = None
    if callback is not None:
        def scipy_callback(intermediate_result):
            callback(intermediate_result.x, float(intermediate_result.fun))

    return minimize(
        fun,
        theta0,
        method="L-BFGS-B",
        jac=True,
        bounds=Bounds(lower, upper) if np.isfinite(lower).any() or np.isfinite(upper).any()
        else None,
        callback=scipy_callback,
        options={"maxiter": int(max_iter), "maxfun": max(15000, 2 * int(max_iter)),
                 "gtol": tol, "ftol": 64 * np.finfo(float).eps},
    )


def stratified_batches(y_strata, batch_size, rng):
    """Index arrays of mini-batches that keep the class proportions of ``y_strata``.

    Each class is shuffled and dealt over the batches in turn, so every batch holds
    about ``batch_size * share`` of each class (the paper's stratified sampling).
    """
    n_samples = y_strata.shape[0]
    n_batches = max(1, int(round(n_samples / batch_size)))
    if n_batches == 1:
        return [rng.permutation(n_samples)]
    slots = np.empty(n_samples, dtype=np.int64)
    order = np.empty(n_samples, dtype=np.int64)
    offset = 0
    # Dealing class after class, continuing the rotation, evens out batch sizes.
    for label in np.unique(y_strata):
        members = np.flatnonzero(y_strata == label)
        members = members[rng.permutation(members.shape[0])]
        order[offset:offset + members.shape[0]] = members
        slots[offset:offset + members.shape[0]] = (
            np.arange(offset, offset + members.shape[0]) % n_batches)
        offset += members.shape[0]
    batch_order = rng.permutation(n_batches)
    return [rng.permutation(order[slots == b]) for b in batch_order]


class ProjectedAdam:
    """Adam (Kingma & Ba 2015) with a projection onto the box after every step.

    The state (moments, step count) lives in the object, so ``partial_fit`` calls
    continue where the last one stopped.
    """

    def __init__(self, n_params, learning_rate=1e-3, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8):
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.m = np.zeros(n_params)
        self.v = np.zeros(n_params)
        self.t = 0

    def step(self, theta, grad, lower, upper):
        self.t += 1
        self.m *= self.beta_1
        self.m += (1 - self.beta_1) * grad
        self.v *= self.beta_2
        self.v += (1 - self.beta_2) * grad * grad
        lr = (self.learning_rate * np.sqrt(1 - self.beta_2 ** self.t)
              / (1 - self.beta_1 ** self.t))
        theta -= lr * self.m / (np.sqrt(self.v) + self.epsilon)
        np.clip(theta, lower, upper, out=theta)
        return theta


def warn_if_not_converged(result, solver, max_iter):
    if not result.converged:
        warnings.warn(
            f"{solver}: maximum iterations ({max_iter}) reached and the optimization "
            f"hasn't converged yet. {result.message}".strip(),
            ConvergenceWarning,
        )


class Timer:
    def __init__(self):
        self.start = time.perf_counter()

    def __call__(self):
        return time.perf_counter() - self.start
