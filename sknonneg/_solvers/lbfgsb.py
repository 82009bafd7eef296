"""scipy's L-BFGS-B, driven through its reverse-communication routine ``setulb``.

``scipy.optimize.minimize`` rebuilds its bound arrays with Python loops over every
variable on each call, which costs more than many loss evaluations of a small batch
when there are ~1e5 variables (``doc/engine.md`` has the measurement). A fit calls
L-BFGS-B once per gain stage, and the mini-batch scheme once per batch, so this driver
converts the bounds and allocates the workspace once, then drives scipy's compiled
``setulb`` through its loop, exactly as ``minimize`` does. With a scipy whose
``setulb`` has another signature it falls back to ``minimize``.
"""

import numpy as np
from scipy.optimize import Bounds, OptimizeResult, minimize

from .._compat import lbfgsb_setulb
from .._engine.layout import as_box
from .._validation import check_workspace_fits_in_memory
from ._result import SolverResult

__all__ = ["LBFGSB", "MAXCOR"]

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

# Curvature pairs L-BFGS-B keeps (scipy's default is 10). 20 gave higher test
# accuracies on MNIST, at the price of L-BFGS-B's own work per iteration, which grows
# with it: bounded fits on small data sets slow down, unbounded fits and large data
# sets (where evaluations dominate) hardly change. The measurements are in
# ``doc/engine.md``.
MAXCOR = 20


# Largest gradient entry L-BFGS-B is given as it is (2^128 = 3.4e38). L-BFGS-B forms
# sums of squares of the gradient and its products with the curvature pairs: at
# inputs near check_input_scale's limit (a first-layer gradient of 3e153, the
# input's magnitude) they overflowed to inf and its trial steps to NaN. A run whose
# first gradient passes this minimises the loss times 2^-k instead (``loss_shift``).
GRAD_LIMIT = 2.0 ** 128

# scipy's setulb addresses its float64 workspace through 32-bit integers (the
# offsets it keeps in ``isave``): a workspace longer than this crashed the process
# (SIGSEGV in ``setulb``: 6e7 parameters, ``maxcor=20``) where its memory fitted.
SETULB_INDEX_MAX = int(np.iinfo(np.int32).max)


def workspace_size(n, m):
    """Length of ``setulb``'s float64 workspace for ``n`` parameters and ``m``
    curvature pairs (as ``scipy.optimize.minimize`` allocates it)."""
    return 2 * m * n + 5 * n + 11 * m * m + 8 * m


def max_params(m):
    """The largest number of parameters whose workspace ``setulb`` can address
    with ``m`` curvature pairs."""
    return (SETULB_INDEX_MAX - 11 * m * m - 8 * m) // (2 * m + 5)


def loss_shift(grad):
    """``k`` such that the largest entry of ``grad`` times ``2**-k`` lies in
    ``[0.5, 1)``, where that entry passes ``GRAD_LIMIT``; else 0 (also for a
    gradient that is not finite, which the fit refuses).

    Without bounds, L-BFGS-B's iterates depend on the scale of the loss only
    through rounding: its steps are ratios of gradient products, and its line
    search compares the loss with ``stp g'd``, both scaled alike (measured: the
    iterates of a loss times 2^520 equal those at scale 1 to 6e-15 relative after 8
    iterations). With bounds, its first step goes to the Cauchy point of the
    identity metric, which depends on the scale: scaled, it is the step of a
    gradient of order one, where unscaled it overflowed. Its two tests that see
    the scale are scaled with it: the gradient tolerance, and the relative
    reduction of the loss, whose ``max(|f|, |f+|, 1)`` is not (its factor is
    scaled too: the run can stop later, never earlier). Below ``GRAD_LIMIT``
    (every fit on inputs of ordinary scale) nothing changes.
    """
    grad = np.asarray(grad)
    # No |grad| temporary: the gradient has one entry per parameter.
    largest = max(float(grad.max()), -float(grad.min())) if grad.size else 0.0
    if not largest > GRAD_LIMIT or not np.isfinite(largest):
        return 0
    return int(np.frexp(largest)[1])


class LBFGSB:
    """scipy's L-BFGS-B for one set of bounds, run as many times as needed.

    The bounds are converted and the workspace allocated once (module docstring);
    :meth:`run` (the solver protocol) and :meth:`minimize` then reuse them as long as
    they are given the same bound arrays.

    Parameters
    ----------
    lower, upper : ndarray of shape (n_params,), default=None
        Bounds, ``-inf`` / ``inf`` where there is none; ``None`` until :meth:`run`
        gives them.
    maxcor : int, default=MAXCOR
        Number of curvature pairs kept (``minimize``'s default is 10; see ``MAXCOR``).
    maxls : int, default=20
        Maximum line-search steps per iteration.
    """

    # batch_size=None means one run over all the data (see sknonneg._solvers).
    full_batch = True
    # The solver holds no state worth keeping between fits (only a workspace).
    keeps_state = False
    # The line search sets the steps; schedule.learning_rate is not read.
    uses_step_size = False
    # run() works on a copy of theta and returns its own array.
    in_place = False
    # Run under the first-layer scaling an objective offers (its solver_scaling()).
    # False: on theta itself, as before the scaling (comparison runs in benchmarks
    # and tests: ``LBFGSB.first_layer_scaling = False``).
    first_layer_scaling = True

    def __init__(self, lower=None, upper=None, maxcor=None, maxls=20):
        self.maxcor = MAXCOR if maxcor is None else int(maxcor)
        self.maxls = int(maxls)
        self._setulb = lbfgsb_setulb()
        self.box = None
        if lower is not None:
            self.set_bounds((lower, upper))

    @classmethod
    def new(cls, n_params):
        """A solver for ``n_params`` variables, its bounds given to :meth:`run`."""
        return cls()

    @staticmethod
    def steps_per_batch(steps):
        """Iterations of one run on a mini-batch: ``steps`` (``steps_per_batch``)."""
        return steps

    def set_bounds(self, bounds):
        """Converts the bounds (a ``Box`` or a ``(lower, upper)`` pair) for
        ``setulb``, unless this very box already is.

        What L-BFGS-B holds, per parameter: the bounds as ``setulb`` reads them
        (two float64 arrays and the int32 codes), its gradient (float64), its
        integer workspace (3 int32) and its float64 workspace, ``2 maxcor + 5``
        doubles for the curvature pairs and their products (45 at ``maxcor=20``),
        of which the pages are touched as the pairs fill.
        """
        box = as_box(bounds)
        if self.box is box:
            return
        self.box = box
        self.bounded = box.is_bounded
        n, m = box.n_params, self.maxcor
        if workspace_size(n, m) > SETULB_INDEX_MAX:
            raise ValueError(
                f"L-BFGS-B (solver='lbfgsb' or 'lbfgs') cannot fit {int(n):,} "
                "parameters: "
                f"scipy's setulb addresses its workspace ({2 * m + 5} float64 values "
                f"per parameter with {m} curvature pairs) through 32-bit integers, "
                f"which reach {max_params(m):,} parameters. Use solver='adam', or "
                "fewer hidden units or input features.")
        # Per parameter: the bounds (2 float64 and an int32 code), the gradient, the
        # integer workspace (3 int32) and the float64 one (2 m + 5).
        check_workspace_fits_in_memory(
            n, 2 * m + 5 + 1 + 2 + 2, f"L-BFGS-B (solver='lbfgsb', {m} curvature "
            f"pairs: {2 * m + 5} float64 values per parameter)",
            "Use solver='adam' (two values per parameter), or fewer hidden units or "
            "input features.")
        if self._setulb is None:  # pragma: no cover - depends on the scipy version
            return  # scipy's minimize allocates the same workspace on each run
        # setulb's codes: 0 free, 1 lower bound only, 2 both, 3 upper bound only.
        self._nbd, self._low, self._up = box.lbfgsb_bounds()
        # setulb initialises what it reads of the workspace on START, so it is reused.
        self._wa = np.zeros(2 * m * n + 5 * n + 11 * m * m + 8 * m)
        self._iwa = np.zeros(3 * n, dtype=np.int32)
        self._g = np.zeros(n)

    def run(self, objective, theta, bounds, schedule, callback=None):
        """At most ``schedule.max_iter`` iterations on ``objective.loss_grad`` from
        ``theta`` (not modified), within ``bounds`` (a ``Box`` or a ``(lower,
        upper)`` pair); gradient tolerance ``schedule.tol``. Returns a
        ``SolverResult`` (``converged``: a stopping criterion of L-BFGS-B, not the
        iteration limit or the callback, ended it).

        An objective that offers a scaling (``objective.solver_scaling()``: a
        ``FirstLayerScaling`` or None; the engine's objectives, the diagonal scaling
        of the first layer's rows for their data, ``sknonneg._engine.precondition``)
        is minimised over ``u`` with ``theta = D u`` (the same box, exactly), unless
        ``first_layer_scaling`` is False; ``theta``, the callback's iterate and the
        result are in ``theta``'s units, and ``tol`` applies to the projected
        gradient with respect to ``u``.
        """
        self.set_bounds(bounds)
        offered = (getattr(objective, "solver_scaling", None)
                   if self.first_layer_scaling else None)
        scaling = None if offered is None else offered()
        start_loss = []  # the first evaluation, at the (projected) start
        copy = not (getattr(objective, "grad_buffer", False) and self._setulb is not None)

        if scaling is None:
            def fun(x):
                # copy=False: the driver copies the gradient into its own array.
                return objective.loss_grad(x) if copy else objective.loss_grad(x, copy=False)
            start, wrapped = theta, callback
        else:
            point = np.empty(np.shape(theta))
            grad_u = None if copy else np.empty_like(point)

            def fun(u):
                # The objective's gradient stays with respect to theta (the
                # callback's caller may read it); the solver gets D grad.
                scaling.to_theta(u, point)
                if copy:
                    loss, grad = objective.loss_grad(point)
                    return loss, scaling.scale_grad(grad)
                loss, grad = objective.loss_grad(point, copy=False)
                grad_u[...] = grad
                return loss, scaling.scale_grad(grad_u)
            start = scaling.to_solver(theta)
            wrapped = callback
            if callback is not None:
                def wrapped(u, loss):
                    callback(scaling.to_theta(u, np.empty_like(point)), loss)
        def first(x, fun=fun):
            loss, grad = fun(x)
            if not start_loss:
                start_loss.append(float(loss))
            return loss, grad
        opt = self.minimize(first, start, schedule.max_iter, schedule.tol, wrapped)
        x = np.asarray(opt.x, dtype=np.float64)
        jac = opt.jac
        if scaling is not None:
            # theta = D u has u's signs (D > 0); the projection only guards bounds
            # other than 0 and infinity, which the scaling never sees.
            x = self.box.project(scaling.to_theta(x, x), out=x)
            jac = None if jac is None else scaling.unscale_grad(np.array(jac))
        return SolverResult(theta=x, n_iter=int(opt.nit), loss=float(opt.fun),
                            converged=bool(opt.status == 0), message=str(opt.message),
                            proj_grad_norm=self.box.projected_gradient_norm(x, jac),
                            start_loss=start_loss[0] if start_loss else np.nan,
                            abnormal=bool(opt.status == 2))

    def minimize(self, fun, theta0, max_iter, tol, callback=None,
                 ftol=64 * np.finfo(float).eps, max_fun=None):
        """Minimize ``fun`` from ``theta0``; returns an ``OptimizeResult``.

        ``fun(theta) -> (loss, grad)``. ``callback(theta, loss)`` runs after each
        iteration (``theta`` is the solver's buffer: copy it to keep it) and may raise
        ``StopIteration`` to end the run. Stops as ``minimize(method="L-BFGS-B")``
        with ``maxiter=max_iter``, ``gtol=tol``, ``ftol=ftol``, ``maxfun=max_fun``
        (default ``max(15000, 2 * max_iter)``).

        A loss whose gradient at ``theta0`` passes ``GRAD_LIMIT`` is given to
        L-BFGS-B times ``2**-loss_shift(gradient)``, its tolerances alike;
        ``callback`` and the result get ``fun``'s own loss and gradient. The result's
        loss is that of its ``x``: after a failed line search, of the iterate
        L-BFGS-B restored, not of the rejected trial.
        """
        max_iter = int(max_iter)
        max_fun = max(15000, 2 * max_iter) if max_fun is None else int(max_fun)
        if self._setulb is None:  # pragma: no cover - depends on the scipy version
            return self._minimize_scipy(fun, theta0, max_iter, tol, callback, ftol,
                                        max_fun)
        x = self.box.project(theta0)
        g = self._g
        task = np.zeros(2, dtype=np.int32)
        ln_task = np.zeros(2, dtype=np.int32)
        lsave = np.zeros(4, dtype=np.int32)
        isave = np.zeros(44, dtype=np.int32)
        dsave = np.zeros(29)
        factr = ftol / np.finfo(float).eps
        f, n_iter, n_fev = 0.0, 0, 0
        # setulb sees the loss and gradient times 2^-shift (loss_shift, decided at
        # the first evaluation; 0 unless its gradient passes GRAD_LIMIT), with its
        # tolerances scaled alike; the callback and the result get fun's own.
        shift, pgtol, factr_s = 0, tol, factr
        # fun's loss at x, the solver's iterate: at the start, then at each accepted
        # step. A line search that fails restores x (and g, in place) to the iterate
        # before it, but setulb cannot hand its restored f back (a Python float):
        # the last evaluation is then a rejected trial, whose loss was returned
        # (NaN where that trial overflowed; scipy's minimize returns it too).
        f_user, f_at_x = 0.0, np.nan
        while True:
            self._setulb(self.maxcor, x, self._low, self._up, self._nbd, f, g,
                         factr_s, pgtol, self._wa, self._iwa, task, lsave, isave,
                         dsave, self.maxls, ln_task)
            if task[0] == _FG:
                f_user, grad = fun(x)
                f_user = float(f_user)
                g[:] = grad
                n_fev += 1
                if n_fev == 1:
                    f_at_x = f_user
                    shift = loss_shift(g)
                    if shift:
                        pgtol = float(np.ldexp(tol, -shift))
                        factr_s = float(np.ldexp(factr, -shift))
                if shift:
                    np.ldexp(g, -shift, out=g)
                    f = float(np.ldexp(f_user, -shift))
                else:
                    f = f_user
            elif task[0] == _NEW_X:
                n_iter += 1
                f_at_x = f_user
                if callback is not None:
                    try:
                        callback(x, f_user)
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
        elif task[0] == _STOP and (n_fev > max_fun or n_iter >= max_iter):
            status = 1
        else:
            # The line search failed (also where its trials had passed max_fun:
            # before, that was reported as the limit, with a bare "ABNORMAL: ").
            status = 2
        # x is the last accepted iterate (or the start) on every exit: after a
        # failed line search, the iterate before it. Its loss is f_at_x; elsewhere
        # f_at_x is the last evaluation's. (Before, only status 2 took f_at_x, so a
        # line search that failed after its trials passed max_fun returned the
        # rejected trial's loss, NaN where it overflowed.)
        f_user = f_at_x
        reason = _TASK.get(int(task[1]), "")
        if status == 2 and not reason:
            reason = "THE LINE SEARCH FOUND NO LOWER LOSS"  # before: "ABNORMAL: "
        message = f"{_STATUS.get(int(task[0]), '')}: {reason}"
        jac = g.copy()
        if shift:
            np.ldexp(jac, shift, out=jac)
        return OptimizeResult(x=x, fun=f_user, jac=jac, nit=n_iter, nfev=n_fev,
                              njev=n_fev, status=status, success=status == 0,
                              message=message)

    def _minimize_scipy(self, fun, theta0, max_iter, tol, callback, ftol, max_fun):
        # As the driver above: a loss whose gradient at the start passes GRAD_LIMIT
        # runs scaled by 2^-loss_shift (its tolerances alike), the callback and the
        # result get fun's own loss and gradient, and the result's loss is that of
        # its x (scipy returns a failed line search's rejected trial's, NaN where
        # it overflowed). Before, this path (scipy < 1.15) had neither (61e56b7).
        x0 = np.asarray(theta0, dtype=np.float64)
        if self.bounded:
            x0 = self.box.project(x0.copy())
        f0, g0 = fun(x0)
        f0, g0 = float(f0), np.array(g0, dtype=np.float64)
        shift = loss_shift(g0)
        state = {"first": (x0.copy(), f0, g0), "last": f0, "at_x": f0}

        def scaled(x):
            first = state.pop("first", None)
            if first is not None and np.array_equal(x, first[0]):
                f, g = first[1], first[2].copy()  # minimize's first call: x0
            else:
                f, g = fun(x)
                f, g = float(f), np.array(g, dtype=np.float64)
            state["last"] = f
            if shift:
                return float(np.ldexp(f, -shift)), np.ldexp(g, -shift)
            return f, g

        def scipy_callback(intermediate_result):
            state["at_x"] = state["last"]  # the new iterate was the last evaluation
            if callback is not None:
                callback(intermediate_result.x, state["last"])

        result = minimize(
            scaled, x0, method="L-BFGS-B", jac=True,
            bounds=Bounds(*self.box.arrays()) if self.bounded else None,
            callback=scipy_callback,
            options={"maxiter": max_iter, "maxfun": max_fun,
                     "gtol": float(np.ldexp(tol, -shift)),
                     "ftol": float(np.ldexp(ftol, -shift)), "maxcor": self.maxcor,
                     "maxls": self.maxls},
        )
        if result.status == 1 and "ABNORMAL" in str(result.message):
            result.status, result.success = 2, False  # a failed line search
        result.fun = state["at_x"]
        if shift and result.get("jac") is not None:
            result.jac = np.ldexp(np.asarray(result.jac, dtype=np.float64), shift)
        return result
