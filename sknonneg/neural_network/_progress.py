"""Progress of a fit: the lines ``verbose`` prints, and the iterate an interrupted
fit keeps.

``verbose=1`` prints a line every ``PROGRESS_SECONDS`` of work (and the last one),
``verbose=2`` a line per iteration or epoch. A line has the iteration (or epoch),
the loss, the projected-gradient norm (full-batch L-BFGS-B: the largest component of
``theta - clip(theta - grad, lower, upper)``, the quantity its tolerance ``tol`` is
compared with), the held-out score with early stopping, the gain (of estimators that have one)
and the elapsed time.

A ``KeyboardInterrupt`` (Ctrl-C) during ``fit`` leaves the estimator fitted with the
last iterate the solver accepted (with ``early_stopping``, the one of the best
validation score so far), then is raised again so that a surrounding script or
``GridSearchCV`` stops too (see ``TrainableNetwork._fit``).
"""

import time

import numpy as np

__all__ = ["PROGRESS_SECONDS", "Progress"]

PROGRESS_SECONDS = 2.0


class Progress:
    """Prints the progress lines of one fit and keeps its latest iterate.

    Parameters
    ----------
    estimator : TrainableNetwork
        Its ``verbose`` and ``_log`` are used.
    unit : {"iteration", "epoch"}
    total : int
        Iterations or epochs planned.
    theta : ndarray
        The starting point, kept until an iteration is done.
    gain : float
        Its gain.
    shared : bool, default=False
        ``theta`` is the very array the solver updates in place (projected Adam),
        each update a feasible iterate: it is kept as it is, not copied (a copy of a
        wide network's parameters is hundreds of megabytes). Otherwise the iterate
        of each update is copied into a buffer of its own.
    """

    def __init__(self, estimator, unit, total, theta, gain, shared=False):
        self.estimator = estimator
        self.verbose = int(estimator.verbose or 0)
        self.unit, self.total = unit, int(total)
        self.theta = theta if shared else np.array(theta, dtype=np.float64, copy=True)
        self.gain = float(gain)
        # An estimator without a gain parameter (the autoencoder) prints none.
        self.show_gain = "gain" in estimator.get_params(deep=False)
        self.loss = np.nan
        self.n_iter = 0
        self.loss_curve = []
        self._pending = None
        self.start = self._last_line = time.perf_counter()

    def update(self, theta, loss, gain, *, grad_norm=None, score=None):
        """Records an iteration (or epoch) ending at ``theta`` with ``loss``; prints
        its line when due."""
        if theta is not self.theta:
            self.theta[:] = theta
        self.gain, self.loss = float(gain), float(loss)
        self.n_iter += 1
        self.loss_curve.append(self.loss)
        if not self.verbose:
            return
        now = time.perf_counter()
        parts = [f"{self.unit} {self.n_iter}/{self.total}:", f"loss={loss:.6g}"]
        if grad_norm is not None:
            parts.append(f"proj_grad={grad_norm:.3g}")
        if score is not None:
            parts.append(f"validation={score:.4f}")
        if self.show_gain:
            parts.append(f"gain={gain:.3g}")
        parts.append(f"elapsed={now - self.start:.1f}s")
        self._pending = " ".join(parts)
        if (self.verbose >= 2 or self.n_iter >= self.total
                or now - self._last_line >= PROGRESS_SECONDS):
            self._last_line = now
            self.finish()

    def finish(self):
        """Prints the line of the last iteration if it was not printed yet."""
        if self._pending is not None:
            self.estimator._log(self._pending)
            self._pending = None

    @property
    def elapsed(self):
        return time.perf_counter() - self.start
