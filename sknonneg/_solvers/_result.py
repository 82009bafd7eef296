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
    it (``learning_rate="linear"``), not a cut; where the last stage of a staged fit
    began; the stall rule's threshold of an epoch loop."""

    theta: np.ndarray
    n_iter: int = 0
    loss: float = np.inf
    loss_curve: list = field(default_factory=list)
    converged: bool = False
    message: str = ""
    # Infinity norm of the projected gradient at ``theta`` (NaN when not reported).
    proj_grad_norm: float = np.nan
    planned_end: bool = False
    # Index in ``loss_curve`` of the first iteration of the last solver run of a
    # staged fit (the last gain stage of L-BFGS-B): the losses before it are of
    # another objective (another gain), so a decrease is measured from there on.
    stage_start: int = 0
    # Loss at the starting ``theta`` (the run's first evaluation; NaN before one):
    # a mini-batch epoch reports its batches' losses before their updates, as
    # scikit-learn's MLP does (after several L-BFGS-B steps on a small batch, the
    # batch's own loss says little about the model).
    start_loss: float = np.nan
    # L-BFGS-B ended abnormally before its limit: its line search found no step
    # that lowers the loss (a larger iteration limit does not help).
    abnormal: bool = False
    # The epoch loop's stall rule (mini-batch fits without early stopping): the
    # least fall of the epoch loss below its best so far that counts as progress
    # (NaN where no stall rule ran) and what it is, in words; an estimator whose
    # ConvergenceWarning follows its tol (the autoencoder's) reads them.
    stall_tol: float = np.nan
    stall_text: str = ""
