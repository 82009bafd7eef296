"""What a solver run (or a whole fit) reports."""

from dataclasses import dataclass, field

import numpy as np

__all__ = ["SolverResult"]


@dataclass
class SolverResult:
    """Outcome of a run: the last ``theta``, iterations, last loss, the loss after
    each iteration, whether a stopping criterion (not the iteration limit) ended
    it, the solver's message and the projected-gradient norm."""

    theta: np.ndarray
    n_iter: int = 0
    loss: float = np.inf
    loss_curve: list = field(default_factory=list)
    converged: bool = False
    message: str = ""
    # Infinity norm of the projected gradient at ``theta`` (NaN when not reported).
    proj_grad_norm: float = np.nan
