"""Optimizers over the packed vector ``theta``, behind one protocol.

A solver is a plain object (not an estimator) with::

    solver.run(objective, theta, bounds, schedule, callback=None) -> SolverResult

``objective.loss_grad(theta) -> (loss, grad)`` is the function minimised (an
objective with ``grad_buffer = True`` also takes ``copy=False`` and then returns its
own gradient buffer, valid until its next evaluation), ``bounds`` the box: a
``sknonneg._engine.layout.Box`` (the layout's ``box``, one bound per row of each
block) or a ``(lower, upper)`` pair of arrays (``-inf`` / ``inf`` where there is none),
``schedule`` a :class:`~sknonneg._solvers.schedules.Schedule` (how many iterations,
the tolerance, the step size), and ``callback(theta, loss)`` runs after every
iteration and may raise ``StopIteration`` to end the run early. An objective may
also offer ``objective.solver_scaling() -> FirstLayerScaling or None``, a diagonal
change of variables ``theta = D u`` for a solver that the scale of the variables
slows down (L-BFGS-B runs on ``u``; ``sknonneg._engine.precondition``); a solver
that does not need it (Adam) never asks. The rest of the protocol tells the
training loops how to hold the solver and use it on mini-batches:

- ``new(n_params)`` (class method): a solver for ``n_params`` variables.
- ``full_batch`` (class attribute): ``batch_size=None`` means the whole data set in
  one run (a quasi-Newton method), rather than mini-batches of a default size.
- ``keeps_state`` (class attribute): the solver carries a state from run to run
  (Adam's moments) that warm starts and ``partial_fit`` continue from; the estimator
  then keeps it (and pickles it) as ``_solver_state``.
- ``steps_per_batch(steps)``: iterations of one run on one mini-batch, given the
  estimator's ``steps_per_batch``.
- ``uses_step_size`` (class attribute): the solver takes the schedule's
  ``learning_rate`` (a first-order method), so that a step size decaying over the
  epochs (``learning_rate="linear"``) plans the end of its fit.
- ``in_place`` (class attribute): ``run`` updates the ``theta`` it is given, which
  holds a feasible iterate after every step (the training loops then keep no copy
  of it for an interrupted fit).

Solvers are chosen by name in :data:`SOLVERS` and built by :func:`make_solver`, the
only place where a solver's name is read. A new solver is one module here and one
entry in that dict.

- ``lbfgsb`` (alias ``lbfgs``): scipy's L-BFGS-B (``LBFGSB``), the sign constraints as
  bounds, under the objective's ``solver_scaling()`` (``LBFGSB.first_layer_scaling
  = False`` switches it off).
- ``adam``: Adam followed by the projection onto the bounds (``ProjectedAdam``);
  its moments carry over between runs (``partial_fit`` calls, warm starts).
- ``schedules``: the gain annealing, the step-size decay and the stratified
  mini-batches.
"""

from ._result import SolverResult
from .adam import ProjectedAdam
from .lbfgsb import LBFGSB, MAXCOR
from .schedules import (
    Schedule,
    gain_schedule,
    n_gain_stages,
    step_size,
    stratified_batches,
)

__all__ = [
    "LBFGSB",
    "MAXCOR",
    "SOLVERS",
    "ProjectedAdam",
    "Schedule",
    "SolverResult",
    "gain_schedule",
    "make_solver",
    "n_gain_stages",
    "step_size",
    "stratified_batches",
]

# "lbfgs" is the name scikit-learn's users type: the same bounded L-BFGS-B.
SOLVERS = {"lbfgsb": LBFGSB, "lbfgs": LBFGSB, "adam": ProjectedAdam}


def make_solver(name, n_params, previous=None):
    """The solver called ``name`` for ``n_params`` variables.

    ``previous`` (the solver of an earlier fit, or None) is returned instead when it
    is of the same kind and size, so that a solver with a state (Adam's moments)
    continues where it stopped.
    """
    cls = SOLVERS[name]
    if (cls.keeps_state and isinstance(previous, cls)
            and previous.n_params == n_params):
        return previous
    return cls.new(n_params)
