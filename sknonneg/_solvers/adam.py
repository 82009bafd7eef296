"""Projected Adam: Adam (Kingma & Ba 2015) followed by the Euclidean projection onto
the box of the bounds after every step, which keeps every iterate feasible."""

import numpy as np

from .._engine.layout import as_box
from .._validation import check_workspace_fits_in_memory
from ._result import SolverResult

__all__ = ["ProjectedAdam"]


def _adam_step_kernel():
    # The fused kernel lives with the other numba kernels; imported on first use so
    # that the solvers import without compiling anything.
    from .._kernels import projected_adam_step

    return projected_adam_step


class ProjectedAdam:
    """Adam with a projection onto the box after every step.

    The state (moments, step count) lives in the object, so ``partial_fit`` calls and
    warm starts continue where the last run stopped.

    Parameters
    ----------
    n_params : int
        Number of variables.
    learning_rate : float, default=1e-3
        Step size; a run's ``schedule.learning_rate`` replaces it.
    beta_1, beta_2, epsilon : float
        Adam's decay rates of the first and second moments and its regulariser.
    """

    # batch_size=None means mini-batches of a default size (see sknonneg._solvers).
    full_batch = False
    # The moments carry over between runs, fits and partial_fit calls.
    keeps_state = True
    # Each step follows schedule.learning_rate.
    uses_step_size = True
    # run() updates the theta it is given, each step leaving a feasible iterate.
    in_place = True

    def __init__(self, n_params, learning_rate=1e-3, beta_1=0.9, beta_2=0.999,
                 epsilon=1e-8):
        self.n_params = int(n_params)
        self.learning_rate = learning_rate
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        # Its two moments, beside the fit's own vectors (5.5 copies of the
        # parameters were measured on wide sparse input, doc/reliability.md).
        check_workspace_fits_in_memory(
            n_params, 2, "Adam (solver='adam', two moments: 2 float64 values per "
            "parameter)", "Use fewer hidden units or input features.")
        self.m = np.zeros(n_params)
        self.v = np.zeros(n_params)
        self.t = 0

    @classmethod
    def new(cls, n_params):
        """A solver with fresh moments for ``n_params`` variables."""
        return cls(n_params)

    @staticmethod
    def steps_per_batch(steps):
        """Iterations of one run on a mini-batch: one step, whatever ``steps``."""
        return 1

    def step(self, theta, grad, bounds, kernels=None):
        """Updates ``theta`` in place (one fused pass per segment of the bounds) and
        returns it. ``bounds``: a ``Box`` (``layout.box``) or a ``(lower, upper)``
        pair of arrays. ``kernels``: the ``KernelSet`` whose ``projected_adam_step``
        makes the step (an objective's, so that a fit on the NumPy twins compiles
        nothing); the numba kernel when None."""
        box = as_box(bounds)
        n = self.n_params
        if not (theta.shape == (n,) and np.shape(grad) == (n,) and box.n_params == n):
            raise ValueError(f"Adam for {n} parameters got theta of shape "
                             f"{theta.shape}, a gradient of shape {np.shape(grad)} "
                             f"and bounds for {box.n_params}")
        self._writeable_moments()
        self.t += 1
        lr = (self.learning_rate * np.sqrt(1 - self.beta_2 ** self.t)
              / (1 - self.beta_1 ** self.t))
        grad = np.ascontiguousarray(grad, dtype=np.float64)
        kernel = (_adam_step_kernel() if kernels is None
                  else kernels.projected_adam_step)
        for seg in box.segments:
            part = slice(seg.start, seg.stop)
            kernel(theta[part], grad[part], self.m[part], self.v[part], seg.lower,
                   seg.upper, lr, self.beta_1, self.beta_2, self.epsilon)
        return theta

    def _writeable_moments(self):
        """The moments as writeable float64 arrays, which the step updates in place:
        copies of read-only ones. A state loaded by ``joblib.load(...,
        mmap_mode="r")``, or sent to joblib's workers inside a fitted estimator of
        more than 1 MB (``OneVsRestClassifier.partial_fit`` with ``n_jobs=2``),
        holds read-only memmaps; before, the step raised "output array is
        read-only" (the NumPy kernels) or numba's TypingError."""
        for name in ("m", "v"):
            moment = getattr(self, name)
            if not (type(moment) is np.ndarray and moment.flags.writeable):
                setattr(self, name, np.array(moment, dtype=np.float64))

    def run(self, objective, theta, bounds, schedule, callback=None):
        """``schedule.max_iter`` steps on ``objective.loss_grad``, updating ``theta``
        in place, at step size ``schedule.learning_rate`` (if given).

        The loss reported for a step is the one at which its gradient was taken.
        ``converged`` is False: Adam has no stopping criterion of its own. The
        gradient is used before the next evaluation, so the objective is asked for
        its own buffer, not a copy (``loss_grad(theta, copy=False)``).
        """
        if schedule.learning_rate is not None:
            self.learning_rate = schedule.learning_rate
        box = as_box(bounds)
        kernels = getattr(objective, "kernels", None)
        result = SolverResult(theta=theta)
        for _ in range(int(schedule.max_iter)):
            loss, grad = _loss_grad(objective, theta)
            theta = self.step(theta, grad, box, kernels)
            result.n_iter += 1
            result.loss = float(loss)
            if not result.loss_curve:
                result.start_loss = result.loss
            result.loss_curve.append(result.loss)
            if callback is not None:
                try:
                    callback(theta, result.loss)
                except StopIteration:
                    break
        result.theta = theta
        return result


def _loss_grad(objective, theta):
    """``objective.loss_grad(theta)``, without a copy of the gradient when the
    objective offers it (the engine's objectives do)."""
    if getattr(objective, "grad_buffer", False):
        return objective.loss_grad(theta, copy=False)
    return objective.loss_grad(theta)
