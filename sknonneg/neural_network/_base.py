"""What every sknonneg network estimator shares: targets, fitting loops, prediction.

A subclass says how its network is laid out (``_build_layout``), how it is
initialised (``_init_theta``), how to evaluate its objective (``_make_objective``),
and how to compute logits (``_logits``). Everything else -- label encoding, sample
and class weights, the L-BFGS-B full-batch / mini-batch and projected-Adam loops, gain
annealing, early stopping, ``partial_fit``, warm starts and thread control -- lives
here once.
"""

import time
from abc import abstractmethod
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelBinarizer, LabelEncoder
from sklearn.utils import check_random_state, compute_sample_weight
from sklearn.utils.multiclass import (
    check_classification_targets,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from .._compat import (
    Interval,
    StrOptions,
    check_sample_weight,
    validate_parameter_constraints,
)
from .._objective import csr_if_mostly_zeros
from .._solvers import (
    LBFGSB,
    ProjectedAdam,
    SolverResult,
    gain_schedule,
    stratified_batches,
    warn_if_not_converged,
)
from .._threads import fit_threads
from .._validation import (
    check_finite_output,
    check_finite_parameters,
    check_input_scale,
    check_sparse_structure,
)

# Full-batch L-BFGS-B anneals the gain over this many successive stages.
N_GAIN_STAGES = 5


def _is_positive_real(value):
    return (isinstance(value, Real) and not isinstance(value, bool)
            and np.isfinite(value) and value > 0)


def _validate_gain(gain):
    if np.isscalar(gain):
        if not _is_positive_real(gain):
            raise ValueError(f"gain must be a positive float, got {gain!r}.")
        return
    pair = tuple(np.asarray(gain, dtype=object).ravel()) if hasattr(gain, "__len__") else ()
    if len(pair) != 2 or not all(_is_positive_real(g) for g in pair):
        raise ValueError(
            f"gain must be a positive float or a (start, end) pair of positive floats, "
            f"got {gain!r}."
        )



def _as_float_dtype(dtype):
    """np.float32 or np.float64 for a ``dtype`` parameter naming one of them (a
    string, a type or a NumPy dtype), else None."""
    try:
        dtype = np.dtype(dtype)
    except TypeError:
        return None
    return dtype.type if dtype in (np.dtype(np.float32), np.dtype(np.float64)) else None


class BaseNetworkClassifier(ClassifierMixin, BaseEstimator):
    """Base class of sknonneg's classifiers. Not for direct use."""

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "l1": [Interval(Real, 0, None, closed="left"), "array-like"],
        "l2": [Interval(Real, 0, None, closed="left"), "array-like"],
        "solver": [StrOptions({"lbfgsb", "adam"})],
        "batch_size": [Interval(Integral, 1, None, closed="left"), None],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "steps_per_batch": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate": [StrOptions({"constant", "linear"})],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "dtype": [StrOptions({"float32", "float64"}), type, np.dtype],
        "warm_start": ["boolean"],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    # ------------------------------------------------------------------ hooks
    @abstractmethod
    def _build_layout(self, n_features, n_outputs):
        """ParameterLayout of the network."""

    @abstractmethod
    def _init_theta(self, layout, X, rng, sample_weight=None):
        """Initial ``theta`` (may look at X and its sample weights)."""

    @abstractmethod
    def _make_objective(self, layout, X, y, sample_weight, gain, parallel):
        """An object with ``loss_grad(theta)`` and a settable ``gain``."""

    @abstractmethod
    def _set_fitted_layers(self, theta):
        """Sets the public fitted attributes (``coefs_`` ...) from ``theta``."""

    @abstractmethod
    def _logits(self, X):
        """Output-layer pre-activations of validated X, shape (n_samples, n_outputs)."""

    def _validate_extra_params(self):
        """Checks that ``_parameter_constraints`` cannot express."""

    # -------------------------------------------------------------- utilities
    def _validate_params(self):
        validate_parameter_constraints(
            self._parameter_constraints,
            self.get_params(deep=False),
            caller_name=self.__class__.__name__,
        )
        _validate_gain(self._gain_param())
        if _as_float_dtype(self.dtype) is None:
            raise ValueError(
                f"dtype must be 'float32' or 'float64', got {self.dtype!r}."
            )
        self._validate_extra_params()

    def _gain_param(self):
        return getattr(self, "gain", 1.0)

    # Parameters that prediction reads. ``fit`` (and a first ``partial_fit``) keeps
    # a copy of them, so a ``set_params`` after fitting cannot change what
    # ``predict`` computes; only the next fit takes the new values.
    _FITTED_PARAMS = ("output", "dtype")

    def _snapshot_params(self):
        self._fitted_params = {name: getattr(self, name, None)
                               for name in self._FITTED_PARAMS}

    def _fitted_param(self, name):
        fitted = getattr(self, "_fitted_params", None)
        if fitted is not None and name in fitted:
            return fitted[name]
        return getattr(self, name)

    def _check_params_unchanged(self):
        """A later ``partial_fit`` continues the model of the first: the parameters
        that define it may not change in between."""
        changed = [
            name for name in self._FITTED_PARAMS
            if (_as_float_dtype(self._fitted_param(name)) != self._compute_dtype_param()
                if name == "dtype"
                else self._fitted_param(name) != getattr(self, name, None))
        ]
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed since the first call to partial_fit; "
                f"partial_fit continues the model fitted then. Call fit to start anew."
            )

    def _compute_dtype_param(self):
        return _as_float_dtype(self.dtype)

    @property
    def _compute_dtype(self):
        return _as_float_dtype(self._fitted_param("dtype"))

    def _per_layer(self, value, name, n_layers):
        values = np.atleast_1d(np.asarray(value, dtype=float))
        if values.shape == (1,):
            values = np.repeat(values, n_layers)
        if values.shape != (n_layers,):
            raise ValueError(
                f"{name} must be a float or one value per weight layer "
                f"({n_layers}), got {value!r}."
            )
        if np.any(values < 0) or not np.all(np.isfinite(values)):
            raise ValueError(f"{name} must be non-negative and finite, got {value!r}.")
        return values

    def _hidden_sizes(self):
        sizes = self.hidden_layer_sizes
        if np.isscalar(sizes):
            sizes = [sizes]
        sizes = list(sizes)
        if len(sizes) == 0 or not all(
            isinstance(s, Integral) and not isinstance(s, bool) and s >= 1 for s in sizes
        ):
            raise ValueError(
                f"hidden_layer_sizes must be a positive int or a non-empty sequence "
                f"of positive ints, got {self.hidden_layer_sizes!r}."
            )
        return [int(s) for s in sizes]

    def _output_type(self):
        return "softmax"

    # ----------------------------------------------------------------- targets
    def _encode_targets(self, y, classes=None):
        """Sets ``classes_``, ``n_outputs_`` and the target form the loss needs.

        Returns ``(targets, strata)``: class indices (softmax) or a 0/1 indicator
        matrix (logistic); ``strata`` are integer labels for stratified batching.
        """
        output = self._output_type()
        target_type = type_of_target(y)
        self.out_activation_ = "logistic" if output == "logistic" else "softmax"
        if target_type == "multilabel-indicator":
            if output != "logistic":
                raise ValueError(
                    'Multilabel targets need output="logistic"; a softmax output '
                    "assumes exactly one class per sample."
                )
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
            self._multilabel = True
            targets = np.asarray(y, dtype=np.float64)
            self.n_outputs_ = targets.shape[1]
            return targets, np.argmax(targets, axis=1)
        check_classification_targets(y)
        self._multilabel = False
        if classes is None:
            classes = unique_labels(y)
        self._label_encoder = LabelEncoder().fit(classes)
        self.classes_ = self._label_encoder.classes_
        if len(self.classes_) < 2:
            raise ValueError(
                "Classifier can't train when only one class is present: the number of "
                f"classes has to be greater than one; got {len(self.classes_)} class."
            )
        indices = self._label_encoder.transform(y)
        n_classes = len(self.classes_)
        if output == "softmax":
            self.n_outputs_ = n_classes
            return indices, indices
        if n_classes == 2:
            self.n_outputs_ = 1
            return indices[:, None].astype(np.float64), indices
        self.n_outputs_ = n_classes
        return np.eye(n_classes)[indices], indices

    def _transform_targets(self, y):
        """Targets of a later ``partial_fit`` batch, in the form set by the first."""
        if self._multilabel:
            if (type_of_target(y) != "multilabel-indicator"
                    or np.shape(y)[1] != self.n_outputs_):
                raise ValueError(
                    f"y must be a label indicator matrix with {self.n_outputs_} "
                    f"columns, as in the first fit, got {type_of_target(y)} y of "
                    f"shape {np.shape(y)}."
                )
            return np.asarray(y, dtype=np.float64), np.argmax(y, axis=1)
        if np.ndim(y) != 1:
            raise ValueError(
                f"y must be 1-D class labels, as in the first fit, got an array of "
                f"shape {np.shape(y)}."
            )
        check_classification_targets(y)
        unknown = np.setdiff1d(unique_labels(y), self.classes_)
        if unknown.size:
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has "
                f"{self.classes_}. 'y' has {unique_labels(y)}."
            )
        indices = self._label_encoder.transform(y)
        if self.out_activation_ == "softmax":
            return indices, indices
        if self.n_outputs_ == 1:
            return indices[:, None].astype(np.float64), indices
        return np.eye(self.n_outputs_)[indices], indices

    def _sample_weight(self, X, y, sample_weight):
        sample_weight = check_sample_weight(sample_weight, X, dtype=np.float64)
        if self.class_weight is not None and self._multilabel:
            raise ValueError("class_weight is not supported for multilabel targets; "
                             "pass sample_weight instead.")
        if self.class_weight is not None:
            sample_weight = sample_weight * compute_sample_weight(self.class_weight, y)
        if not np.all(np.isfinite(sample_weight)) or np.any(sample_weight < 0):
            raise ValueError("sample_weight must be finite and non-negative.")
        if sample_weight.sum() <= 0:
            raise ValueError("sample_weight must have a positive sum.")
        return sample_weight

    def _validate_X_y(self, X, y, reset):
        check_sparse_structure(X)
        X, y = validate_data(
            self, X, y, reset=reset, accept_sparse=["csr", "csc", "coo"],
            dtype=[np.float64, np.float32], multi_output=True,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        X = self._as_compute_dtype(X)
        return check_input_scale(X), y

    def _as_compute_dtype(self, X):
        """X as CSR or dense array of the compute dtype; finite values that do not fit
        float32 are an error, not a silent inf."""
        narrowing = np.dtype(X.dtype).itemsize > np.dtype(self._compute_dtype).itemsize
        if narrowing and not sp.issparse(X):
            # A float64 input that the kernels will read as CSR anyway is converted
            # straight to float32 CSR: its dense float32 copy would cost half the
            # input's memory (190 MB for 60k MNIST) and a pass over it.
            with fit_threads() as parallel:
                csr = csr_if_mostly_zeros(X, self._compute_dtype, parallel)
            if csr is not None:
                X = sp.csr_matrix((csr.data, csr.indices, csr.indptr), shape=csr.shape)
        X = X.astype(self._compute_dtype, copy=False)
        if sp.issparse(X):
            X = sp.csr_matrix(X)
        values = X.data if sp.issparse(X) else X
        # validate_data rejected NaN and inf already; only a narrowing cast can
        # make new ones (a pass over 60k x 784 costs 0.15 s).
        if narrowing and not np.all(np.isfinite(values)):
            raise ValueError(
                f"Input X contains values too large for dtype={np.dtype(self.dtype).name}."
            )
        return X

    # --------------------------------------------------------------- fitting
    def fit(self, X, y, sample_weight=None):
        """Fit the network to data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data. Sparse input is used as CSR and never densified.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels, or a label indicator matrix for multilabel problems.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample in the mean log-loss and the activation penalty.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        fitted = (self.warm_start and hasattr(self, "_theta")
                  and self._fitted_param("output") == getattr(self, "output", None))
        self._snapshot_params()
        X, y = self._validate_X_y(X, y, reset=not fitted)
        if fitted:
            targets, strata = self._transform_targets(y)
        else:
            targets, strata = self._encode_targets(y)
        sample_weight = self._sample_weight(X, y, sample_weight)
        rng = check_random_state(self.random_state)
        self._rng = rng
        layout = self._build_layout(X.shape[1], self.n_outputs_)
        if fitted and layout.n_params == self._theta.shape[0]:
            theta = self._theta.copy()
        else:
            theta = self._init_theta(layout, X, rng, sample_weight)
        self._layout = layout

        X_val = None
        if self.early_stopping:
            stratify = strata if np.min(np.bincount(strata)) >= 2 else None
            idx_train, idx_val = train_test_split(
                np.arange(X.shape[0]), test_size=self.validation_fraction,
                random_state=rng, stratify=stratify,
            )
            X_val, y_val = X[idx_val], y[idx_val]
            X, targets, strata = X[idx_train], targets[idx_train], strata[idx_train]
            sample_weight = sample_weight[idx_train]

        with fit_threads() as parallel:
            if self.solver == "lbfgsb" and self.batch_size is None:
                result = self._fit_full_batch(layout, theta, X, targets, sample_weight,
                                              parallel, X_val, y_val if X_val is not None
                                              else None)
            else:
                result = self._fit_epochs(layout, theta, X, targets, strata,
                                          sample_weight, parallel, rng, X_val,
                                          y_val if X_val is not None else None)
        self._finish(result)
        # A later partial_fit continues at the end of the gain schedule.
        self._gain_step = self.max_iter
        warn_if_not_converged(result, self.__class__.__name__, self.max_iter)
        return self

    def _finish(self, result):
        self._theta = result.theta
        self._set_fitted_layers(result.theta)
        self.n_iter_ = int(result.n_iter)
        self.loss_ = float(result.loss)
        self.loss_curve_ = list(result.loss_curve)
        self.best_loss_ = float(min(result.loss_curve)) if result.loss_curve else self.loss_

    def _val_score(self, theta, gain, X_val, y_val):
        """Accuracy on held-out data of the network ``theta`` at ``gain``."""
        self._set_fitted_layers(theta)
        self._gain_ = float(gain)
        return self.score(X_val, y_val)

    def _log(self, msg):
        if self.verbose:
            print(f"[{self.__class__.__name__}] {msg}", flush=True)

    def _fit_full_batch(self, layout, theta, X, targets, sample_weight, parallel,
                        X_val, y_val):
        gains = gain_schedule(self._gain_param(), min(N_GAIN_STAGES, self.max_iter)
                              if not np.isscalar(self._gain_param()) else 1)
        objective = self._make_objective(layout, X, targets, sample_weight, gains[0],
                                         parallel)
        stage_iters = np.diff(np.linspace(0, self.max_iter, len(gains) + 1).round())
        result = SolverResult(theta=theta)
        monitor = _EarlyStopping(self, X_val, y_val) if X_val is not None else None
        t0 = time.perf_counter()

        def callback(x, loss):
            result.loss_curve.append(loss)
            if monitor is not None and monitor.update(x, objective.gain):
                raise StopIteration

        solver = LBFGSB(*layout.bounds)
        for stage, (gain, n_iter) in enumerate(zip(gains, stage_iters)):
            objective.gain = float(gain)
            opt = solver.minimize(objective.loss_grad, result.theta, int(n_iter),
                                  self.tol, callback)
            result.theta = np.asarray(opt.x, dtype=np.float64)
            check_finite_parameters(np.append(result.theta, opt.fun),
                                    f"in L-BFGS-B stage {stage + 1} (gain={gain:.3g})")
            result.n_iter += int(opt.nit)
            result.loss = float(opt.fun)
            result.converged = bool(opt.status == 0)
            result.message = str(opt.message)
            self._log(f"stage {stage + 1}/{len(gains)}: gain={gain:.3g} "
                      f"iterations={opt.nit} loss={opt.fun:.6g} "
                      f"time={time.perf_counter() - t0:.2f}s")
            if monitor is not None and monitor.stopped:
                result.converged = True
                break
        self._gain_ = float(objective.gain)
        if monitor is not None:
            result.theta, self._gain_ = monitor.best(result.theta, self._gain_)
        return result

    def _adam_learning_rate(self, epoch):
        """Adam's step size in epoch ``epoch`` (0-based) of ``max_iter``."""
        if self.learning_rate == "linear":
            return self.learning_rate_init * (1.0 - min(epoch, self.max_iter - 1)
                                              / self.max_iter)
        return self.learning_rate_init

    def _epoch_step(self, layout, theta, X, targets, sample_weight, batches, gain,
                    parallel, epoch=0):
        """One pass over ``batches``; returns ``(theta, mean loss)``."""
        total, weight = 0.0, 0.0
        if self.solver == "adam":
            self._adam.learning_rate = self._adam_learning_rate(epoch)
        # One driver per pass: the bounds are converted once, not per batch.
        solver = LBFGSB(*layout.bounds) if self.solver == "lbfgsb" else None
        # Batches mostly share one size: their objective (and its buffers) is reused.
        objectives = {}
        for idx in batches:
            w = float(sample_weight[idx].sum())
            if w <= 0:
                continue  # a batch of zero weight adds nothing to the weighted loss
            objective = objectives.get(idx.shape[0])
            if objective is None:
                objective = objectives[idx.shape[0]] = self._make_objective(
                    layout, X[idx], targets[idx], sample_weight[idx], gain, parallel)
            else:
                objective.set_data(X[idx], targets[idx], sample_weight[idx])
            if self.solver == "lbfgsb":
                opt = solver.minimize(objective.loss_grad, theta, self.steps_per_batch,
                                      self.tol)
                theta = np.asarray(opt.x, dtype=np.float64)
                loss = float(opt.fun)
            else:
                loss, grad = objective.loss_grad(theta)
                theta = self._adam.step(theta, grad, layout.lower, layout.upper)
            total += loss * w
            weight += w
        check_finite_parameters(
            np.append(theta, total),
            f"in an epoch of adam (learning_rate_init={self.learning_rate_init:.3g})"
            if self.solver == "adam" else f"in an epoch of lbfgsb (gain={gain:.3g})")
        return theta, total / weight

    def _batches(self, strata, rng):
        n_samples = strata.shape[0]
        batch_size = self.batch_size
        if batch_size is None:
            batch_size = min(200, n_samples)
        batch_size = min(batch_size, n_samples)
        return stratified_batches(strata, batch_size, rng)

    def _fit_epochs(self, layout, theta, X, targets, strata, sample_weight, parallel,
                    rng, X_val, y_val):
        gains = gain_schedule(self._gain_param(), self.max_iter)
        if self.solver == "adam" and (not self.warm_start
                                      or not hasattr(self, "_adam")
                                      or self._adam.m.shape[0] != layout.n_params):
            self._adam = ProjectedAdam(layout.n_params, self.learning_rate_init)
        theta = layout.project(theta)
        result = SolverResult(theta=theta)
        monitor = _EarlyStopping(self, X_val, y_val) if X_val is not None else None
        best_loss, no_improvement = np.inf, 0
        t0 = time.perf_counter()
        for epoch, gain in enumerate(gains):
            batches = self._batches(strata, rng)
            theta, loss = self._epoch_step(layout, theta, X, targets, sample_weight,
                                           batches, float(gain), parallel, epoch)
            result.theta, result.loss = theta, loss
            result.loss_curve.append(loss)
            result.n_iter = epoch + 1
            self._log(f"epoch {epoch + 1}/{self.max_iter}: gain={gain:.3g} "
                      f"loss={loss:.6g} time={time.perf_counter() - t0:.2f}s")
            if monitor is not None:
                if monitor.update(theta, gain):
                    result.converged = True
                    break
                continue
            if loss > best_loss - self.tol:
                no_improvement += 1
            else:
                no_improvement = 0
            best_loss = min(best_loss, loss)
            if no_improvement >= self.n_iter_no_change:
                result.converged = True
                self._log(f"training loss did not improve more than tol={self.tol} "
                          f"for {self.n_iter_no_change} consecutive epochs. Stopping.")
                break
        self._gain_ = float(gains[result.n_iter - 1])
        if monitor is not None:
            result.theta, self._gain_ = monitor.best(result.theta, self._gain_)
        return result

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Update the network with one batch of data.

        With ``solver="lbfgsb"`` runs ``steps_per_batch`` L-BFGS-B iterations on the
        batch (the paper's mini-batch scheme); with ``solver="adam"`` one epoch of
        projected Adam over the batch, the Adam state carrying over between calls.
        The gain follows its schedule over ``max_iter`` calls; after ``fit`` it
        stays at its end value.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The batch.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Its labels.
        classes : array-like of shape (n_classes,), default=None
            All classes that will ever be seen. Required on the first call, unless
            ``y`` is a multilabel indicator matrix; ignored afterwards.
        sample_weight : array-like of shape (n_samples,), default=None
            Sample weights of the batch.

        Returns
        -------
        self : object
            The updated estimator.
        """
        first = not hasattr(self, "_theta")
        # Every call: a set_params between calls is checked before it is used.
        self._validate_params()
        if first:
            self._snapshot_params()
        else:
            self._check_params_unchanged()
        X, y = self._validate_X_y(X, y, reset=first)
        if first:
            if classes is None and type_of_target(y) != "multilabel-indicator":
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            if classes is not None and not np.all(np.isin(unique_labels(y), classes)):
                raise ValueError(
                    f"`y` has classes not in `classes`: {unique_labels(y)} "
                    f"vs {np.asarray(classes)}."
                )
            targets, strata = self._encode_targets(y, classes=classes)
            self._rng = check_random_state(self.random_state)
            self._layout = self._build_layout(X.shape[1], self.n_outputs_)
            self._gain_step = 0
            self.n_iter_ = 0
            self.loss_curve_ = []
        else:
            targets, strata = self._transform_targets(y)
        if self.solver == "adam" and (
                getattr(self, "_adam", None) is None
                or self._adam.m.shape[0] != self._layout.n_params):
            self._adam = ProjectedAdam(self._layout.n_params, self.learning_rate_init)
        sample_weight = self._sample_weight(X, y, sample_weight)
        if first:
            self._theta = self._init_theta(self._layout, X, self._rng, sample_weight)
        layout = self._layout
        gains = gain_schedule(self._gain_param(), self.max_iter)
        gain = float(gains[min(self._gain_step, self.max_iter - 1)])
        theta = layout.project(self._theta)
        with fit_threads() as parallel:
            if self.solver == "lbfgsb":
                batches = [np.arange(X.shape[0])]
            else:
                batches = self._batches(strata, self._rng)
            theta, loss = self._epoch_step(layout, theta, X, targets, sample_weight,
                                           batches, gain, parallel, self._gain_step)
        self._gain_step += 1
        self._gain_ = gain
        curve = self.loss_curve_ + [loss]
        self._finish(SolverResult(theta=theta, n_iter=self.n_iter_ + 1, loss=loss,
                                  loss_curve=curve, converged=True))
        return self

    # ------------------------------------------------------------- prediction
    def _check_X(self, X):
        check_is_fitted(self)
        check_sparse_structure(X)
        X = validate_data(self, X, reset=False, accept_sparse=["csr", "csc", "coo"],
                          dtype=[np.float64, np.float32])
        return self._as_compute_dtype(X)

    def _validated_logits(self, X):
        """float64 logits of X, validated; an overflow is a ValueError, not NaN."""
        return check_finite_output(self._logits(self._check_X(X))).astype(np.float64)

    def decision_function(self, X):
        """Logits of the output layer.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            For binary problems a single column (the log-odds of ``classes_[1]``),
            raveled, as scikit-learn's linear classifiers do.
        """
        logits = self._validated_logits(X)
        if self._multilabel:
            return logits
        if self.out_activation_ == "softmax" and logits.shape[1] == 2:
            return logits[:, 1] - logits[:, 0]
        if logits.shape[1] == 1:
            return logits.ravel()
        return logits

    def predict_proba(self, X):
        """Class probabilities.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Softmax of the logits; for ``output="logistic"`` the sigmoid of each
            logit (binary: ``[1 - p, p]``; multiclass: normalised to sum to one;
            multilabel: the independent label probabilities).
        """
        logits = self._validated_logits(X)
        if self.out_activation_ == "softmax":
            return softmax(logits, axis=1)
        if self._multilabel:
            return expit(logits)
        if logits.shape[1] == 1:
            return np.hstack([expit(-logits), expit(logits)])
        # sigmoid(z_k) / sum_j sigmoid(z_j), normalised in log space: all logits
        # very negative would otherwise give 0 / 0.
        return softmax(log_expit(logits), axis=1)

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``, computed stably.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
        """
        logits = self._validated_logits(X)
        if self.out_activation_ == "softmax":
            return log_softmax(logits, axis=1)
        if self._multilabel:
            return log_expit(logits)
        if logits.shape[1] == 1:
            return np.hstack([log_expit(-logits), log_expit(logits)])
        return log_softmax(log_expit(logits), axis=1)

    def predict(self, X):
        """Predicted class labels (a label indicator matrix for multilabel targets).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        logits = self._validated_logits(X)
        if self._multilabel:
            return (logits > 0).astype(int)
        if logits.shape[1] == 1:
            return self.classes_[(logits[:, 0] > 0).astype(int)]
        return self.classes_[np.argmax(logits, axis=1)]

    # --------------------------------------------------------------- pickling
    # ``coefs_``, ``intercepts_`` and ``components_`` are copies (or views) of
    # ``_theta``; a pickle carries ``_theta`` alone and rebuilds them, so a fitted
    # estimator sent to a Dask worker or saved is about the size of its parameters.
    _THETA_LAYERS = ("coefs_", "intercepts_", "components_")

    def __getstate__(self):
        state = super().__getstate__()
        if "_theta" in state:
            state = {k: v for k, v in state.items() if k not in self._THETA_LAYERS}
        return state

    def __setstate__(self, state):
        super().__setstate__(state)
        if "_theta" in state:
            if "out_activation_" not in state:  # saved before it was stored
                self.out_activation_ = ("logistic" if self._output_type() == "logistic"
                                        else "softmax")
            self._set_fitted_layers(self._theta)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.classifier_tags.multi_label = self._output_type() == "logistic"
        return tags


class _EarlyStopping:
    """Tracks the validation score; keeps the best ``theta`` seen."""

    def __init__(self, estimator, X_val, y_val):
        self.estimator = estimator
        self.X_val, self.y_val = X_val, y_val
        self.best_score = -np.inf
        self._best = None
        self.no_improvement = 0
        self.stopped = False
        self.validation_scores = []

    def update(self, theta, gain):
        est = self.estimator
        score = est._val_score(theta, gain, self.X_val, self.y_val)
        self.validation_scores.append(score)
        if score > self.best_score + est.tol:
            self.no_improvement = 0
        else:
            self.no_improvement += 1
        if score > self.best_score:
            self.best_score = score
            self._best = (np.array(theta, dtype=np.float64, copy=True), float(gain))
        est.validation_scores_ = list(self.validation_scores)
        est.best_validation_score_ = self.best_score
        self.stopped = self.no_improvement >= est.n_iter_no_change
        if self.stopped:
            est._log(f"validation score did not improve more than tol={est.tol} for "
                     f"{est.n_iter_no_change} consecutive checks. Stopping.")
        return self.stopped

    def best(self, theta, gain):
        """``(theta, gain)`` of the best validation score seen."""
        return (theta, gain) if self._best is None else self._best
