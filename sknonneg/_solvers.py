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
from scipy.optimize import Bounds, OptimizeResult, minimize
from sklearn.exceptions import ConvergenceWarning

__all__ = [
    "SolverResult",
    "gain_schedule",
    "LBFGSB",
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


_STATUS = {0: "START", 1: "NEW_X", 2: "RESTART", 3: "FG", 4: "CONVERGENCE", 5: "STOP",
           6: "WARNING", 7: "ERROR", 8: "ABNORMAL"}
_TASK = {401: "NORM OF PROJECTED GRADIENT <= PGTOL",
         402: "RELATIVE REDUCTION OF F <= FACTR*EPSMCH",
         502: "TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT",
         504: "TOTAL NO. OF ITERATIONS REACHED LIMIT",
         505: "CALLBACK REQUESTED HALT",
         601: "ROUNDING ERRORS PREVENT PROGRESS", 602: "STP = STPMAX",
         603: "STP = STPMIN", 604: "XTOL TEST SATISFIED"}
_FG, _NEW_X, _CONVERGENCE, _STOP = 3, 1, 4, 5

# Curvature pairs L-BFGS-B keeps. Measured on the 5k MNIST subset (150 hidden units,
# default settings, 200 iterations, seeds 0-3): with scipy's default of 10 the
# unconstrained network reached 94.99-95.06% test accuracy, with 20 95.07-95.24%
# (the positive one 93.60-93.82% vs 93.70-94.02%). The price is L-BFGS-B's own work
# per iteration, which grows with it: a bounded 5k fit took 11.5 s instead of 8.6 s;
# unbounded fits and large data sets (where evaluations dominate) hardly change.
MAXCOR = 20


class LBFGSB:
    """scipy's L-BFGS-B for one set of bounds, run as many times as needed.

    ``scipy.optimize.minimize`` rebuilds its bound arrays with Python loops over
    every variable on each call (0.4-0.6 s at 119k variables, more than a hundred
    loss evaluations of a 5k-sample batch). A fit calls L-BFGS-B once per gain stage,
    and the mini-batch scheme once per batch, so this driver converts the bounds and
    allocates the workspace once, then drives scipy's compiled ``setulb`` routine
    through its reverse-communication loop, exactly as ``minimize`` does. With a
    scipy whose ``setulb`` has another signature it falls back to ``minimize``.

    Parameters
    ----------
    lower, upper : ndarray of shape (n_params,)
        Bounds, ``-inf`` / ``inf`` where there is none.
    maxcor : int, default=MAXCOR
        Number of curvature pairs kept (``minimize``'s default is 10; see ``MAXCOR``).
    maxls : int, default=20
        Maximum line-search steps per iteration.
    """

    def __init__(self, lower, upper, maxcor=None, maxls=20):
        from ._compat import lbfgsb_setulb

        self.lower = np.asarray(lower, dtype=np.float64)
        self.upper = np.asarray(upper, dtype=np.float64)
        self.maxcor = MAXCOR if maxcor is None else int(maxcor)
        self.maxls = int(maxls)
        self._setulb = lbfgsb_setulb
        self.bounded = bool(np.isfinite(self.lower).any() or np.isfinite(self.upper).any())
        if self._setulb is None:  # pragma: no cover - depends on the scipy version
            return
        n, m = self.lower.shape[0], self.maxcor
        has_lower, has_upper = np.isfinite(self.lower), np.isfinite(self.upper)
        # setulb's codes: 0 free, 1 lower bound only, 2 both, 3 upper bound only.
        self._nbd = np.select([has_lower & has_upper, has_lower, has_upper], [2, 1, 3],
                              0).astype(np.int32)
        self._low = np.where(has_lower, self.lower, 0.0)
        self._up = np.where(has_upper, self.upper, 0.0)
        # setulb initialises what it reads of the workspace on START, so it is reused.
        self._wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m)
        self._iwa = np.zeros(3 * n, dtype=np.int32)
        self._g = np.zeros(n)

    def minimize(self, fun, theta0, max_iter, tol, callback=None,
                 ftol=64 * np.finfo(float).eps, max_fun=None):
        """Minimize ``fun`` from ``theta0``; returns an ``OptimizeResult``.

        ``fun(theta) -> (loss, grad)``. ``callback(theta, loss)`` runs after each
        iteration (``theta`` is the solver's buffer: copy it to keep it) and may raise
        ``StopIteration`` to end the run. Stops as ``minimize(method="L-BFGS-B")``
        with ``maxiter=max_iter``, ``gtol=tol``, ``ftol=ftol``, ``maxfun=max_fun``
        (default ``max(15000, 2 * max_iter)``).
        """
        max_iter = int(max_iter)
        max_fun = max(15000, 2 * max_iter) if max_fun is None else int(max_fun)
        if self._setulb is None:  # pragma: no cover - depends on the scipy version
            return self._minimize_scipy(fun, theta0, max_iter, tol, callback, ftol,
                                        max_fun)
        x = np.clip(np.asarray(theta0, dtype=np.float64), self.lower, self.upper)
        g = self._g
        task = np.zeros(2, dtype=np.int32)
        ln_task = np.zeros(2, dtype=np.int32)
        lsave = np.zeros(4, dtype=np.int32)
        isave = np.zeros(44, dtype=np.int32)
        dsave = np.zeros(29)
        factr = ftol / np.finfo(float).eps
        f, n_iter, n_fev = 0.0, 0, 0
        while True:
            self._setulb(self.maxcor, x, self._low, self._up, self._nbd, f, g, factr,
                         tol, self._wa, self._iwa, task, lsave, isave, dsave,
                         self.maxls, ln_task)
            if task[0] == _FG:
                f, grad = fun(x)
                f = float(f)
                g[:] = grad
                n_fev += 1
            elif task[0] == _NEW_X:
                n_iter += 1
                if callback is not None:
                    try:
                        callback(x, f)
                    except StopIteration:
                        task[:] = (_STOP, 505)
                        continue
                if n_iter >= max_iter:
                    task[:] = (_STOP, 504)
                elif n_fev > max_fun:
                    task[:] = (_STOP, 502)
            else:
                break
        if task[0] == _CONVERGENCE:
            status = 0
        elif n_fev > max_fun or n_iter >= max_iter:
            status = 1
        else:
            status = 2
        message = f"{_STATUS.get(int(task[0]), '')}: {_TASK.get(int(task[1]), '')}"
        return OptimizeResult(x=x, fun=f, jac=g.copy(), nit=n_iter, nfev=n_fev,
                              njev=n_fev, status=status, success=status == 0,
                              message=message)

    def _minimize_scipy(self, fun, theta0, max_iter, tol, callback, ftol, max_fun):
        scipy_callback = None
        if callback is not None:
            def scipy_callback(intermediate_result):
                callback(intermediate_result.x, float(intermediate_result.fun))

        return minimize(
            fun, theta0, method="L-BFGS-B", jac=True,
            bounds=Bounds(self.lower, self.upper) if self.bounded else None,
            callback=scipy_callback,
            options={"maxiter": max_iter, "maxfun": max_fun, "gtol": tol,
                     "ftol": ftol, "maxcor": self.maxcor, "maxls": self.maxls},
        )


def lbfgsb_minimize(fun, theta0, bounds, max_iter, tol, callback=None):
    """One L-BFGS-B run over ``bounds = (lower, upper)``; see ``LBFGSB.minimize``.

    Converts the bounds on each call: hold an ``LBFGSB`` to run many times.
    """
    return LBFGSB(*bounds).minimize(fun, theta0, max_iter, tol, callback)


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
        """Updates ``theta`` in place (one fused pass) and returns it."""
        from ._kernels import projected_adam_step

        self.t += 1
        lr = (self.learning_rate * np.sqrt(1 - self.beta_2 ** self.t)
              / (1 - self.beta_1 ** self.t))
        projected_adam_step(theta, np.ascontiguousarray(grad, dtype=np.float64), self.m,
                            self.v, lower, upper, lr, self.beta_1, self.beta_2,
                            self.epsilon)
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
