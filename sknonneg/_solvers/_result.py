"""What a solver run (or a whole fit) reports."""

from dataclasses import dataclass, field

import numpy as np

__all__ = ["SolverResult"]


@dataclass
class SolverResult:
    """Outcome of a run: the last ``theta``, iterations, last loss, the loss after
    each iteration, whether a stopping criterion (not the iteration limit) ended
    it, the solver's message, the projected-gradient norm, and whether the
    iteration limit was the planned end of a step-size schedule that decays over
    it (``learning_rate="linear"``), not a cut."""

    theta: np.ndarray
    n_iter: int = 0
    loss: float = np.inf
    loss_curve: list = field(default_factory=list)
    converged: bool = False
    message: str = ""
    # Infinity norm of the projected gradient at ``theta`` (NaN when not reported).
    proj_grad_norm: float = np.nan
    planned_end: bool = False
