"""The training loops, written once for every network estimator.

Nothing here knows about classes: an estimator turns ``y`` into the targets of its
loss, and scores a candidate network on held-out data, through four hooks, so that a
regressor or an autoencoder trains with the same loops:

- ``_encode_targets(y) -> (targets, strata)``: on the first fit; sets ``n_outputs_``.
  ``strata`` (integer labels, or None) keep the mini-batches and the validation
  split stratified.
- ``_transform_targets(y) -> (targets, strata)``: on later ``partial_fit`` calls and
  warm starts, in the encoding of the first.
- ``_sample_weight(X, y, sample_weight) -> ndarray``: validated weights. The
  rows whose weight is 0 are then dropped (``_weighted_rows``), and only then is
  ``X`` converted to the compute dtype and its scale checked (``_training_X``):
  every step after it sees the rows of positive weight only.
- ``_validation_score(theta, gain, X_val, y_val, sample_weight) -> float``: the
  score (higher is better) of the network ``theta`` at ``gain`` on held-out data,
  its rows weighted by ``sample_weight`` (None: equally), computed from ``theta``
  without touching the fitted attributes (``scoring=None``);
- ``_candidate_class``: the ``CandidateModel`` subclass that stands for the
  estimator at ``theta`` before a scikit-learn scorer (``scoring`` a scorer name or
  a callable); an estimator without ``scoring`` needs none.

plus the network hooks of ``BaseNetwork`` (layout, initialisation, objective, fitted
layers). ``partial_fit``'s checks are written once too (``_partial_fit_step``), with
three hooks (by default: no check, and the targets as ``_encode_targets``):
``_refuse_partial_fit()``, ``_check_later_classes(classes)`` and
``_first_batch_targets(y, sample_weight, classes)`` (a classifier's ``classes``
passed through, unread here). The loops:

- full batch (``batch_size=None`` with a quasi-Newton solver): the gain is annealed
  over successive solver runs (stages), each continuing from the last;
- epochs: each epoch deals the data into stratified mini-batches and runs the solver
  a few steps on each (``steps_per_batch`` L-BFGS-B iterations, or one Adam step),
  the gain following its schedule from epoch to epoch; ``partial_fit`` is one such
  epoch over the batch it is given;
- early stopping, in both: the held-out score is checked after every iteration
  (full batch) or epoch, the best ``theta`` kept.
- the output stage of a pre-trained stack (``fit_output_layer``): one full-batch
  run over the output layer alone, the layers below held fixed.

The solver is chosen by name in ``sknonneg._solvers`` and used through its protocol
only. The numba thread count is set when an objective is built (or another is
picked), not at every evaluation.
"""

import contextlib
import copy
import numbers
import time
import warnings
from abc import abstractmethod

import numpy as np
import scipy.sparse as sp
from sklearn.base import TransformerMixin, is_classifier, is_regressor
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import check_scoring
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from .._solvers import (
    SOLVERS,
    Schedule,
    SolverResult,
    gain_schedule,
    make_solver,
    n_gain_stages,
    step_size,
    stratified_batches,
)
from .._engine import (DenseLayer, Objective, ParameterLayout, forward,
                       prepare_input)
from .._engine.losses import get_loss
from .._engine.penalties import penalties_from_params
from .._engine.pool import BufferPool
from .._engine.precondition import FirstLayerScaling, column_span, penalty_units
from .._kernels import NUMPY, flavour_for
from .._threads import fit_threads, set_numba_threads, single_blas_thread
from .._lipschitz import range_overflow_rows
from .._validation import check_finite_parameters, user_stacklevel
from ..exceptions import InputScaleWarning
from ._base import BaseNetwork
from ._diagnostics import (clear_input_scale_warning, column_rms,
                           note_input_scale_warning, report_fit, small_input_scale,
                           warn_input_scale)
from ._progress import Progress

__all__ = ["CandidateModel", "EarlyStopping", "SupervisedTransformerMixin",
           "TrainableNetwork", "fit_output_layer"]


# Set on a ValueError raised after ``_finish`` set the new parameters that must
# still put the estimator back as it was (``_keeping_state``): a fitted network
# that cannot predict its own training rows (``_check_predicts_training_rows``).
_RESTORE = "_sknonneg_restore_state"


# A hidden layer whose weights into any unit sum (in absolute value, times the
# gain) to at most this is collapsed (``TrainableNetwork._redraw_flat_layers``):
# its units vary over the rows by at most this share of how much its inputs vary.
_FLAT_SHARE = 1e-8


def _nothing_to_learn(targets, sample_weight):
    """Whether ``targets`` are equal on every row of positive weight (a constant
    regression target, one class, identical rows to reconstruct): a fit on them
    has nothing to learn from ``X``. Column spans only (``column_span``): an
    autoencoder's targets are its input, dense or sparse, never densified."""
    if not sp.issparse(targets) and np.ndim(targets) == 1:
        targets = np.asarray(targets).reshape(-1, 1)
    span = column_span(targets, sample_weight)
    return span is None or not np.any(span)


class _Data:
    """Rows of a training set: inputs, targets, strata (or None), sample weights."""

    def __init__(self, X, targets, strata, sample_weight):
        self.X, self.targets, self.strata = X, targets, strata
        self.sample_weight = sample_weight

    def __getitem__(self, idx):
        return _Data(self.X[idx], self.targets[idx],
                     None if self.strata is None else self.strata[idx],
                     self.sample_weight[idx])

    @property
    def n_samples(self):
        return self.X.shape[0]

    def prepared(self, dtype, parallel):
        """The same data with ``X`` prepared for the kernels once (dense, or CSR when
        mostly zeros); its row subsets are then prepared too, so a mini-batch loop
        converts nothing per batch."""
        return _Data(prepare_input(self.X, dtype, parallel), self.targets,
                     self.strata, self.sample_weight)


# early_stopping="auto" holds out validation_fraction of a fit with more rows than
# this: scikit-learn's HistGradientBoosting* rule (issue 18: it is what ends the slow
# tail of min-max Adult's fits, doc/defaults.md, eighth round).
_AUTO_EARLY_STOPPING_ROWS = 10_000
_UNDECIDED = object()  # a per-fit statistic not computed yet (_Objectives)


def _work_per_row(layout):
    """Multiply-adds per row of one evaluation of the network of ``layout``."""
    return sum(layer.work_per_row() for layer in layout.network)


class _LazyScaling:
    """The first-layer scaling of one fit (``FirstLayerScaling`` or None), decided
    on the fit's whole data at the first call: by L-BFGS-B's first run
    (``Objective.solver_scaling`` calls the objective's ``scaling_source``), so
    that a solver that does not scale (Adam) never pays the pass over the data. It
    holds the layout and the data, never an objective: objectives hold it, and a
    reference back would keep each fit's objectives and buffers alive in a cycle
    until the garbage collector ran."""

    def __init__(self, layout, X, sample_weight):
        self.layout, self._X, self._sample_weight = layout, X, sample_weight
        self._value = _UNDECIDED

    def use(self, X, sample_weight):
        """Decide on ``X`` (the same rows, already prepared) instead."""
        if self._value is _UNDECIDED:
            self._X, self._sample_weight = X, sample_weight

    def __call__(self):
        if self._value is _UNDECIDED:
            self._value = FirstLayerScaling.for_data(self.layout, self._X,
                                                     self._sample_weight)
            self._X = self._sample_weight = None
        return self._value


class _Objectives:
    """The objectives of one fit, one per batch size (their buffers reused from
    batch to batch and epoch to epoch), and the numba thread count they run on,
    set when it changes, not at every evaluation.

    ``data``: the fit's whole training data. L-BFGS-B's first-layer scaling
    (``sknonneg._engine.precondition``) is decided once on it and handed to every
    objective, so that every gain stage and every mini-batch runs under the same
    ``D`` (decided per batch, it cost a pass over each batch and could differ from
    batch to batch). So are the units of the first layer's L2 penalty of a network
    that asks for them (``_column_unit_penalty``: ``precondition.penalty_units``,
    with ``narrow`` where it is ``"every"``).
    Objectives with ``share_buffers`` (``RowBlockObjective``) take their blocks'
    buffers from one ``BufferPool`` of the fit, held here: they run one after
    another."""

    def __init__(self, network, layout, parallel, data):
        self.network, self.layout, self.parallel = network, layout, parallel
        self._by_rows = {}
        self._n_threads = None
        self._data = data
        self._units = _UNDECIDED
        self._scaling = _LazyScaling(layout, data.X, data.sample_weight)
        self._pool = BufferPool()

    def _penalty_units(self):
        """The first layer's penalty units of the fit's whole data, decided at the
        first call; None for other first layers."""
        if self._units is _UNDECIDED:
            self._units = None
            if isinstance(self.layout.network[0], DenseLayer):
                # "every": every column in its span (the autoencoder's sigmoid
                # decoder); True: columns spanning more than 1 (the classifier).
                self._units = penalty_units(
                    self._data.X, self._data.sample_weight,
                    narrow=self.network._column_unit_penalty == "every")
        return self._units

    def get(self, data, gain):
        """The objective over ``data`` at ``gain``."""
        objective = self._by_rows.get(data.n_samples)
        if objective is None:
            objective = self._by_rows[data.n_samples] = self.network._make_objective(
                self.layout, data.X, data.targets, data.sample_weight, gain,
                self.parallel)
            share = getattr(objective, "share_buffers", None)
            if share is not None:
                # The objectives of the batch sizes run one after another: those
                # that can (RowBlockObjective's blocks) take one set of buffers.
                share(self._pool)
        else:
            objective.set_data(data.X, data.targets, data.sample_weight)
            objective.gain = gain
        if (getattr(objective, "n_samples", None) == self._data.n_samples
                and getattr(objective, "X", None) is not None):
            # Full batch: the objective holds the whole data, prepared already
            # (the statistics do not depend on the order of the rows).
            self._scaling.use(objective.X, objective.sample_weight)
        objective.scaling_source = self._scaling
        if (getattr(self.network, "_column_unit_penalty", False)
                and hasattr(objective, "penalty_units")
                and objective.reparametrization is None and objective.l2[0] > 0):
            # Units only where the first layer has an L2 term to measure in them.
            objective.penalty_units = self._penalty_units()
        if self.parallel is True and objective.n_chunks != self._n_threads:
            # One numba thread per chunk of rows; fit_threads restores the count.
            self._n_threads = objective.n_chunks
            set_numba_threads(objective.n_chunks)
        return objective


def fit_output_layer(estimator, layout, theta, X, targets, sample_weight, *,
                     max_iter):
    """``theta`` with its output layer fitted alone on the last hidden layer's
    outputs for ``X``, the layers below held fixed: the output stage of a
    pre-trained stack (``NonNegMLPClassifier.from_autoencoders`` with
    ``output_init="fit"``, through its ``_init_output`` hook).

    One full-batch L-BFGS-B run of up to ``max_iter`` iterations (``estimator.tol``)
    of the engine's objective over the output layer (its signs, ``l1`` and ``l2``,
    the loss ``estimator._loss()``), from ``theta``'s output layer, the hidden
    layers at the starting gain (the first of ``estimator``'s ``gain``)."""
    coefs, intercepts = layout.arrays(theta)
    gain = estimator._gain_param()
    gain0 = float(gain if np.isscalar(gain) else np.ravel(gain)[0])
    network = layout.network
    hidden, _ = forward(network, list(zip(coefs, intercepts)), X, gain=gain0,
                        dtype=estimator._compute_dtype, keep="last")
    codes = hidden[-1]
    top = network[-1]
    output = ParameterLayout([DenseLayer(top.n_in, top.n_out, top.signs,
                                         "identity", top.l1, top.zeros)])
    l2 = estimator._per_layer(estimator.l2, "l2", layout.n_layers)[-1]
    # Serial kernels (or their NumPy twins on small data): the problem is
    # n_samples x n_in x n_out, small next to the network's.
    parallel = flavour_for(False, codes.shape[0], top.work_per_row())
    objective = Objective(output, estimator._loss(),
                          penalties_from_params(l2=[l2]), codes,
                          targets, sample_weight, dtype=estimator._compute_dtype,
                          parallel=parallel)
    start = output.pack(coefs[-1:], intercepts[-1:])
    run = make_solver("lbfgsb", output.n_params).run(
        objective, start, output.box,
        Schedule(max_iter=max_iter, tol=estimator.tol))
    # An L-BFGS-B fit of the output layer, whose one penalty is l2: the advice
    # names no step size and no gain (before: "Lower learning_rate_init, gain or
    # the penalties (l1, l2, activity_l1)").
    check_finite_parameters(run.theta, "in the output stage of from_autoencoders",
                            run.loss, params={"l2": l2, "solver": "lbfgsb"})
    (coefs[-1],), (intercepts[-1],) = output.arrays(run.theta)
    return layout.pack(coefs, intercepts)


def _hold_out_every_class(idx_train, idx_val, strata, rng):
    """``(idx_train, idx_val)`` of a stratified split with a row of every class
    of ``idx_train`` held out where the held-out rows can spare one: a class
    missing from ``idx_val`` swaps a random row of its own for a random held-out
    row of the class with the most held-out rows (two or more), so the split
    keeps its sizes. ``train_test_split(stratify=...)`` rounds a small class's
    share to 0 held-out rows (3 rows of 100, 10 held out: none), and early
    stopping's scorer then scored rows of one class (``"neg_log_loss"`` raised,
    ``"f1"`` scored 0 at every check). A split that holds every class is
    returned as it is, ``rng`` untouched."""
    n_codes = int(max(strata[idx_train].max(initial=0),
                      strata[idx_val].max(initial=0))) + 1
    held = np.bincount(strata[idx_val], minlength=n_codes)
    missing = np.flatnonzero((held == 0)
                             & (np.bincount(strata[idx_train], minlength=n_codes) > 0))
    if not missing.shape[0]:
        return idx_train, idx_val
    idx_train, idx_val = idx_train.copy(), idx_val.copy()
    for code in missing:
        donor = int(np.argmax(held))
        if held[donor] < 2:
            break
        i = rng.choice(np.flatnonzero(strata[idx_train] == code))
        j = rng.choice(np.flatnonzero(strata[idx_val] == donor))
        idx_train[i], idx_val[j] = idx_val[j], idx_train[i]
        held[donor] -= 1
        held[code] += 1
    return idx_train, idx_val


def _too_few_held_out_for_classes(n_rows, stratify, validation_fraction):
    """The number of rows ``train_test_split(n_rows, test_size=
    validation_fraction, stratify=stratify)`` holds out where they are fewer than
    the classes of ``stratify`` (so that it refuses the split: "The test_size = 4
    should be greater or equal to the number of classes = 10") and the rows left
    to train can still hold every class; else 0 (no ``stratify``, or a split
    that ``train_test_split`` draws or refuses for another reason)."""
    if stratify is None:
        return 0
    n_classes = np.unique(stratify).shape[0]
    n_test = int(np.ceil(float(validation_fraction) * n_rows))
    if 0 < n_test < n_classes <= n_rows - n_test:
        return n_test
    return 0


def _hold_out_one_row_per_class(rows, codes, n_test, rng):
    """``(idx_train, idx_val)`` of ``rows`` with ``n_test`` rows held out, fewer
    than the classes of ``codes`` (each with two rows or more): one random row
    each of ``n_test`` distinct classes, the classes drawn as the first to come
    up in a random order of the rows (a large class comes up sooner: its chance
    grows with its size). Every class keeps a row for training. This is where
    ``train_test_split(stratify=codes)`` refuses the split ("The test_size = 4
    should be greater or equal to the number of classes = 10"): before, early
    stopping failed there (the first rounds of ``HalvingGridSearchCV(...,
    min_resources="smallest")`` on 10 classes), where scikit-learn's
    ``MLPClassifier``, which does not stratify multiclass splits, fits."""
    order = rng.permutation(rows.shape[0])
    first = np.unique(codes[order], return_index=True)[1]
    held = np.zeros(rows.shape[0], dtype=bool)
    held[order[np.sort(first)[:n_test]]] = True
    return rows[order[~held[order]]], rows[order[held[order]]]


def _rows_covering(cover, budget=10_000):
    """The fewest rows of the boolean matrix ``cover`` (rows x items, every item
    in some row) whose union covers every item, as sorted row positions: items
    that one row alone has take it, then a greedy cover (the row with the most
    uncovered items first, the earliest on ties) bounds an exact search that
    branches on the item of the fewest rows and stops after ``budget`` nodes
    (keeping the best cover found; the greedy one where it found none smaller),
    so that it cannot hang. Deterministic. Only the rows that have an item are
    searched (the same choices, in the same order): before, every node of the
    search summed all of them, and 50,000 held-out rows of which 300 had a
    missing label's value took 22 s."""
    useful = np.flatnonzero(np.asarray(cover).any(axis=1))
    if useful.shape[0] < cover.shape[0]:
        return useful[_rows_covering(np.asarray(cover)[useful], budget)].tolist()
    uncovered = np.ones(cover.shape[1], dtype=bool)
    forced = []
    while True:
        counts = cover[:, uncovered].sum(axis=0)
        single = np.flatnonzero(uncovered)[counts == 1]
        if not single.shape[0]:
            break
        row = int(np.flatnonzero(cover[:, single[0]])[0])
        forced.append(row)
        uncovered &= ~cover[row]
    greedy, left = [], uncovered.copy()
    while left.any():
        row = int(np.argmax(cover[:, left].sum(axis=1)))
        greedy.append(row)
        left &= ~cover[row]
    best = [greedy]
    nodes = [0]

    def search(chosen, left):
        if not left.any():
            if len(chosen) < len(best[0]):
                best[0] = list(chosen)
            return
        if len(chosen) + 1 >= len(best[0]) or nodes[0] >= budget:
            return
        nodes[0] += 1
        items = np.flatnonzero(left)
        item = items[np.argmin(cover[:, items].sum(axis=0))]
        for row in np.flatnonzero(cover[:, item]).tolist():
            search(chosen + [row], left & ~cover[row])

    if len(greedy) > 1 and len(greedy) < 100:  # depth bounded by the greedy cover
        search([], uncovered)
    return sorted(forced + best[0])


def _train_every_label(idx_train, idx_val, indicator):
    """``(idx_train, idx_val, n_moved)`` of a multilabel split with the fewest
    held-out rows moved back to training (appended to ``idx_train`` in their
    held-out order; ``_rows_covering``) such that every label that has a
    positive row among the split's rows keeps one in training, and every label
    that has a negative row keeps one too: otherwise the network is trained on a
    constant column and learns never (always) to predict the label, silently.
    ``indicator`` is the 0/1 indicator of every row (indexed by the row numbers
    in the split); the training rows' 1s are counted by a product, without a
    copy of their rows. A split that already trains every label's values is
    returned as it is (the same arrays, ``n_moved`` 0)."""
    indicator = np.asarray(indicator)
    in_train = np.zeros(indicator.shape[0])
    in_train[idx_train] = 1.0
    ones = in_train @ indicator  # exact: counts of 0/1 values
    held = indicator[idx_val] != 0
    values = np.hstack([held, ~held])  # a label's 1s, then its 0s
    missing = values.any(axis=0) & (np.r_[ones, idx_train.shape[0] - ones] == 0)
    if not missing.any():
        return idx_train, idx_val, 0
    cover = values[:, missing]
    moved = np.zeros(idx_val.shape[0], dtype=bool)
    moved[_rows_covering(cover)] = True
    return (np.concatenate([idx_train, idx_val[moved]]), idx_val[~moved],
            int(moved.sum()))


class CandidateModel:
    """The estimator as it would predict with the candidate ``theta`` at ``gain``,
    for early stopping's scikit-learn scorer (``scoring`` a scorer name or a
    callable): the subclass of each estimator (its ``_candidate_class``) gives what
    its scorers read (``classes_``, ``predict``, ``predict_proba``, ...) from
    ``_logits_at``, as the fitted estimator would compute them, and sets no fitted
    attribute. scikit-learn sees it as the estimator is (its ``__sklearn_tags__``:
    a classifier, a regressor). It predicts the held-out ``rows`` only, as the fit
    validated them; their logits are computed once, so a scorer that reads two
    methods (``predict`` and ``predict_proba``) runs the network once, and each
    method reads a copy of them, so that a scorer that changes what one returns
    in place (a single logistic output's ``decision_function`` is a view of the
    logits) leaves the others' as they were: the fitted estimator's methods
    return new arrays too."""

    def __init__(self, estimator, theta, gain, rows):
        self._estimator, self._theta, self._gain = estimator, theta, float(gain)
        self._rows, self._rows_logits = rows, None

    def _check_rows(self, X):
        """Refuses rows other than the held-out ones: they were validated (dtype,
        features, range) by ``fit``, any others would reach the network raw."""
        if X is not self._rows:
            raise ValueError(
                f"early stopping's scorer is given a stand-in for "
                f"{type(self._estimator).__name__} at the parameters being checked, "
                f"which predicts only the held-out rows it is called with (X, as "
                f"fit validated them); it was called on other data.")

    def _logits(self, X):
        """float64 logits of the candidate network on the held-out rows ``X``."""
        self._check_rows(X)
        if self._rows_logits is None:
            self._rows_logits = np.array(
                self._estimator._logits_at(self._theta, self._gain, X),
                dtype=np.float64)
        return self._rows_logits.copy()

    def score(self, X, y, sample_weight=None):
        """The estimator's ``score`` of the candidate (``scoring=None``'s)."""
        self._check_rows(X)
        return self._estimator._validation_score(self._theta, self._gain, X, y,
                                                 sample_weight)

    def __sklearn_tags__(self):
        return self._estimator.__sklearn_tags__()


def _scoring_mode(scoring):
    """``"loss"``, ``"score"`` (None) or ``"scorer"`` (a name or a callable)."""
    if scoring is None:
        return "score"
    if isinstance(scoring, str) and scoring == "loss":
        return "loss"
    return "scorer"


def _response_methods(scorer):
    """The methods of the estimator that a scikit-learn scorer reads, as a tuple
    (the first that the estimator has is used), from its ``_response_method`` (a
    scorer of ``get_scorer`` or ``make_scorer``); None where it does not say (a
    plain callable, or a scikit-learn whose scorers keep it elsewhere)."""
    method = getattr(scorer, "_response_method", None)
    if isinstance(method, str):
        return (method,)
    if (isinstance(method, (list, tuple)) and method
            and all(isinstance(name, str) for name in method)):
        return tuple(method)
    return None


def early_stopping_scorer(estimator):
    """Early stopping's scikit-learn scorer (``scoring`` a scorer name or a
    callable), resolved by ``sklearn.metrics.check_scoring``; a ``ValueError``
    naming ``scoring`` and early stopping where it reads a method that the
    estimator lacks (``"roc_auc"`` or ``"neg_log_loss"`` on a regressor: no
    ``decision_function`` or ``predict_proba``), in scikit-learn's words. Called
    before any training; before, scikit-learn's AttributeError came at the first
    validation check, naming neither. A scorer that does not say which methods it
    reads is called as it is (its AttributeError, if any, comes at that check)."""
    scoring = estimator._scoring()
    scorer = check_scoring(estimator, scoring)
    methods = _response_methods(scorer)
    stand_in = estimator._candidate_class  # what the scorer is given
    if (methods is not None and stand_in is not None
            and not any(hasattr(stand_in, method) for method in methods)):
        name = type(estimator).__name__
        example = ("'r2'" if is_regressor(estimator) else "'accuracy'")
        raise ValueError(
            f"{name}: early stopping's scorer (scoring={_scoring_name(scoring)}) "
            f"reads {' or '.join(methods)}: {name} has none of the following "
            f"attributes: {', '.join(methods)}. Use a scoring that reads predict "
            f"(such as {example}), scoring='loss', or early_stopping=False.")
    return scorer


class EarlyStopping:
    """Tracks the held-out score of the iterates; keeps the best ``theta`` seen.

    Scores by ``scoring``: ``"loss"``, through ``estimator._validation_loss``;
    None, through ``estimator._validation_score``; a scorer name or a callable,
    resolved once by ``sklearn.metrics.check_scoring`` (as ``HistGradientBoosting*``
    resolves it: ``scorer``, what ``early_stopping_scorer`` returned, else here)
    and called on ``estimator._candidate_class``'s stand-in. Each
    reads ``theta`` and leaves the fitted attributes alone; :meth:`publish` sets
    ``validation_scores_`` and ``best_validation_score_`` once, at the end of the
    fit.
    """

    def __init__(self, estimator, X_val, y_val, targets_val=None, weights_val=None,
                 scorer=None):
        self.estimator = estimator
        self.X_val, self.y_val = X_val, y_val
        self.targets_val, self.weights_val = targets_val, weights_val
        # The score (accuracy, R^2, a scorer's) weighs the held-out rows as the fit
        # does (as scikit-learn's MLPs score them); equal weights: the plain score.
        uniform = weights_val is None or np.ptp(weights_val) == 0
        self.score_weights = None if uniform else weights_val
        scoring = estimator._scoring()
        self.mode = _scoring_mode(scoring)
        if self.mode != "scorer":
            scorer = None
        elif scorer is None:
            scorer = early_stopping_scorer(estimator)
        self.scorer = scorer
        self.best_score = -np.inf
        self.stage_best = -np.inf  # the best score of the current gain stage
        self._best = None
        self.no_improvement = 0
        self.stopped = False
        self.validation_scores = []

    def update(self, theta, gain):
        """Scores ``theta`` at ``gain``; returns whether training should stop."""
        est = self.estimator
        if self.mode == "loss":
            score = -est._validation_loss(theta, float(gain), self.X_val,
                                          self.targets_val, self.weights_val)
        elif self.mode == "scorer":
            # The weights as HistGradientBoosting* passes them: a keyword, and
            # only where there are any (here: unequal ones, as for None).
            weights = ({} if self.score_weights is None
                       else {"sample_weight": self.score_weights})
            candidate = est._candidate_class(est, theta, gain, self.X_val)
            try:
                score = self.scorer(candidate, self.X_val, self.y_val, **weights)
            except AttributeError as exc:
                # A scorer that needs a method the estimator lacks ("roc_auc" on a
                # regressor): scikit-learn's message, naming the estimator, not
                # its private stand-in.
                name = type(candidate).__name__
                if "has none of the following attributes" not in str(exc):
                    raise
                raise AttributeError(str(exc).replace(
                    name, type(est).__name__)) from None
            except ValueError as exc:
                # A scorer that fails on the held-out rows ("neg_log_loss" where
                # they hold one class: scikit-learn's "provide the labels
                # argument", which names nothing the caller passed).
                # More held-out rows can help only where they miss a class (a
                # value of a label) of the fit; a scorer that cannot score the
                # targets at all ("accuracy" on a regressor's, "r2" on string
                # labels) fails on any rows.
                advice = ("Use another scoring, a larger validation_fraction, or "
                          "early_stopping=False." if self._rows_miss_a_class() else
                          "Use another scoring (a regression scorer, such as "
                          "'r2', or 'loss'), or early_stopping=False."
                          if is_regressor(est) else
                          "Use another scoring, or early_stopping=False.")
                raise ValueError(
                    f"{type(est).__name__}: early stopping's scorer (scoring="
                    f"{_scoring_name(est._scoring())}) failed on the "
                    f"{self.X_val.shape[0]} held-out rows (validation_fraction="
                    f"{est.validation_fraction}): {_sentence(exc)} {advice}") from exc
            if hasattr(score, "item"):
                # A NumPy scalar or 0-d array, as scikit-learn's cross-validation
                # reads it (score.item()); a larger array stays refused below.
                with contextlib.suppress(ValueError):
                    score = score.item()
            if not isinstance(score, numbers.Real):
                # scikit-learn's words (cross_validate's): before, float() of None
                # or of an array raised a bare TypeError naming neither the
                # scorer nor early stopping.
                raise ValueError(
                    f"{type(est).__name__}: early stopping's scoring must return a "
                    f"number, got {score!s} ({type(score)}) instead. (scorer="
                    f"{_scoring_name(est._scoring())})")
            score = float(score)
        else:
            score = est._validation_score(theta, float(gain), self.X_val, self.y_val,
                                          self.score_weights)
        self.validation_scores.append(score)
        # A NaN score (a scorer undefined on the held-out rows: "roc_auc" on rows
        # of one class) is never an improvement: it counts as a stall, and neither
        # the stage's best nor the fit's best (nor its parameters) takes it.
        if score > self.stage_best + est.tol:
            self.no_improvement = 0
        else:
            self.no_improvement += 1
        if not np.isnan(score):
            self.stage_best = max(self.stage_best, score)
        if score > self.best_score:
            self.best_score = score
            self._best = (np.array(theta, dtype=np.float64, copy=True), float(gain))
        self.stopped = self.no_improvement >= est.n_iter_no_change
        return self.stopped

    def _rows_miss_a_class(self):
        """Whether the held-out labels miss a class of the classifier (for
        multilabel targets: a label of one value only); never for a regressor."""
        est = self.estimator
        if not is_classifier(est):
            return False
        y_val = self.y_val
        if getattr(est, "_multilabel", False):
            y_val = np.asarray(y_val.toarray() if hasattr(y_val, "toarray")
                               else y_val)
            return bool(np.any(np.all(y_val == y_val[:1], axis=0)))
        classes = getattr(est, "classes_", None)
        if classes is None:
            return True
        return bool(np.setdiff1d(classes, np.unique(y_val)).shape[0])

    def log_stall(self, what):
        """Says that the score stalled and ``what`` follows."""
        est = self.estimator
        est._log(f"validation score did not improve more than tol={est.tol} for "
                 f"{est.n_iter_no_change} consecutive checks. {what}")

    def next_stage(self):
        """A new gain stage starts: its improvement is measured against its own
        best score, from its first check (a gain step moves the held-out loss, up
        as a rule, before the stage's iterations bring it down); the best score and
        parameters of the whole fit are kept."""
        self.no_improvement = 0
        self.stage_best = -np.inf
        self.stopped = False

    @property
    def has_best(self):
        """Whether a validation score was seen (``best`` returns its parameters)."""
        return self._best is not None

    def best(self, theta, gain):
        """``(theta, gain)`` of the best validation score seen; ``theta, gain``
        themselves before any."""
        return (theta, gain) if self._best is None else self._best

    def publish(self, estimator, carry=False):
        """Sets ``validation_scores_`` and ``best_validation_score_``; ``carry``: a
        warm start continuing the last fit, whose scores it extends, as
        ``loss_curve_`` is extended (and as scikit-learn's MLPs extend both). The
        best score is this fit's: that of the parameters it keeps."""
        previous = getattr(estimator, "validation_scores_", None) if carry else None
        estimator.validation_scores_ = (list(previous or [])
                                        + list(self.validation_scores))
        estimator.best_validation_score_ = self.best_score
        if (self._best is None and len(self.validation_scores)
                and np.isnan(self.validation_scores).all()):
            # No score but NaN: no parameters were selected (the latest are kept).
            # Before: best_validation_score_ was -inf, a value never scored, and
            # nothing said that early stopping had nothing to go by.
            estimator.best_validation_score_ = np.nan
            name = _scoring_name(estimator._scoring())
            n = len(self.validation_scores)
            # Before, four sentences: "the validation scores of early stopping
            # (scoring=...) were NaN at all 5 checks, so early stopping could not
            # select parameters: the estimator keeps the latest ones, and
            # best_validation_score_ is NaN. A scorer is NaN where ...; use ...".
            warnings.warn(
                f"{type(estimator).__name__}: early stopping's scoring={name} was "
                f"NaN at {'all ' + str(n) + ' checks' if n != 1 else 'its one check'}"
                f" (a scorer is NaN where it is undefined, as 'roc_auc' on held-out "
                f"rows of one class), so the fit kept its latest parameters and "
                f"best_validation_score_ is NaN. Use another scoring, a larger "
                f"validation_fraction, or early_stopping=False.", UserWarning,
                stacklevel=user_stacklevel())


def _sentence(exc):
    """``exc``'s message ending in a full stop, so that a sentence can follow."""
    text = str(exc).rstrip()
    return text if text.endswith((".", "!", "?")) else text + "."


def _scoring_name(scoring):
    """``scoring`` as an error message names it: a name's repr, a callable's
    ``__name__``."""
    if scoring is None or isinstance(scoring, str):
        return repr(scoring)
    return getattr(scoring, "__name__", None) or repr(scoring)


def _is_auto(value):
    """Whether a parameter is the string ``"auto"`` (it may be an array)."""
    return isinstance(value, str) and value == "auto"


class SupervisedTransformerMixin(TransformerMixin):
    """``fit_transform`` of a supervised network whose ``transform`` returns its last
    hidden layer (the classifiers and the regressor): written once, before
    ``TransformerMixin``'s in the method order."""

    def fit_transform(self, X, y, sample_weight=None):
        """Fit, then return the last hidden layer's outputs on ``X``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data.
        y : {array-like, sparse matrix} of shape (n_samples,) or (n_samples, n_outputs)
            Targets, as :meth:`fit` takes them.
        sample_weight : array-like of shape (n_samples,), default=None
            Weight of each sample, as in :meth:`fit`.

        Returns
        -------
        hidden : ndarray of shape (n_samples, n_features_out)
            What :meth:`transform` returns.
        """
        return self.fit(X, y, sample_weight=sample_weight).transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # transform returns the hidden layer in the fitted dtype, whatever the
        # input's: float32 input keeps float32 only under dtype="float32", and
        # float64 input becomes float32 there. Before: ["float64"] whatever dtype,
        # so scikit-learn's check_transformer_preserve_dtypes failed for float32.
        dtype = self._compute_dtype or np.float64  # an invalid dtype: the default
        tags.transformer_tags.preserves_dtype = [np.dtype(dtype).name]
        return tags


class TrainableNetwork(BaseNetwork):
    """A network trained by the loops of this module (see its docstring for the
    hooks a subclass provides)."""

    @abstractmethod
    def _encode_targets(self, y, classes=None):
        """``(targets, strata)`` of a first fit; sets ``n_outputs_``."""

    @abstractmethod
    def _transform_targets(self, y):
        """``(targets, strata)`` in the encoding of the first fit."""

    @abstractmethod
    def _sample_weight(self, X, y, sample_weight):
        """Validated sample weights."""

    @abstractmethod
    def _validation_score(self, theta, gain, X_val, y_val, sample_weight=None):
        """Held-out score of ``theta`` at ``gain`` (higher is better), the rows
        weighted by ``sample_weight`` (None: equally)."""

    def _check_input_scale(self, inputs, weights):
        """The ``InputScaleWarning`` of the start's rows ``inputs`` (of
        ``weights``, summing to 1; ``warn_input_scale``), recorded for
        ``report_fit``; returns whether those rows are flagged as small
        (``small_input_scale``: the largest column root-mean-square below 1e-3,
        the warning's test). There, whatever the solver, the start shrinks its
        first layer to an L2 penalty of order one
        (``sknonneg._engine.init.cap_first_layer_l2``) and no start hands the
        solver a penalty beyond float64's range
        (``sknonneg._engine.init.range_l2_factor``). Decided on the data and
        the parameters before the fit starts, so every other start is the one
        drawn before."""
        rms = column_rms(inputs, weights)
        note_input_scale_warning(self, warn_input_scale(
            inputs, weights, self.__class__.__name__, rms=rms))
        return bool(small_input_scale(rms))

    def _loss(self):
        """The ``Loss`` instance of the output, the one place that builds it: the
        loss named by ``_output_type()``, with the parameters of its own that the
        estimator fitted it with (a subclass whose loss takes any, such as the
        regressor's Tweedie ``power``, overrides this). Every objective, held-out
        score and diagnostic of the estimator reads its loss here: a loss rebuilt
        from its name alone would take its default parameters."""
        return get_loss(self._output_type())

    def _validation_loss(self, theta, gain, X_val, targets_val, weights_val):
        """The training loss's data term (no penalty) of ``theta`` at ``gain`` on
        held-out rows: the mean per-sample loss weighted by their sample weights,
        ``targets_val`` encoded as for the fit (a regressor's standardised)."""
        loss = self._loss()
        logits = self._logits_at(theta, gain, X_val)
        values, _ = loss.value_grad(np.asarray(logits, dtype=np.float64),
                                    loss.prepare_targets(targets_val))
        if weights_val is None or not np.sum(weights_val) > 0:
            return float(np.mean(values))  # held-out rows all of weight 0
        return float(np.average(values, weights=weights_val))

    def _scoring(self):
        """``scoring``: ``"loss"``, None (the estimator's ``score``), a scorer name
        or a callable."""
        return getattr(self, "scoring", "loss")

    #: The ``CandidateModel`` subclass a scikit-learn scorer is given (early
    #: stopping's ``scoring`` a scorer name or a callable); None for an estimator
    #: that scores early stopping by its loss only.
    _candidate_class = None

    #: Whether ``_stall_tol`` is given the first epoch's penalty of the parameters
    #: alone (``Objective.penalty_value`` at each batch's starting parameters,
    #: weighted as the epoch's loss): computed only where it is read.
    _stall_reads_penalty = False

    def _stall_tol(self, first_loss, first_penalty=0.0):
        """``(threshold, text)``: the least decrease of the epoch loss, below the
        best so far, that counts as progress in the stall rule of the epoch loop
        (``n_iter_no_change`` epochs without it end the fit), given ``first_loss``,
        the loss of the fit's first epoch, and ``first_penalty``, the part of it
        that depends on the parameters alone (0 unless ``_stall_reads_penalty``);
        ``text`` says what it is in the log line. ``tol`` itself here (absolute, as
        scikit-learn's MLPs); an estimator whose loss has no fixed scale
        (``NonNegAutoencoder``) measures it relative to the first epoch."""
        return self.tol, f"tol={self.tol}"

    def _validation_split(self, strata, sample_weight, rng, targets=None):
        """``(idx_train, idx_val)``: ``validation_fraction`` of the rows of positive
        weight held out (stratified by class where every class has two rows), so
        that the validation score never reads rows the user weighted 0 (an all-0
        validation part was scored unweighted); the rows of weight 0, if any, train,
        where they add nothing (``fit`` drops them before: ``_weighted_rows``). The
        only row of a class (single-label classifiers) always
        trains, and the others are stratified: before, one such row turned
        stratification off, and the split could hold out a class's only row, so
        that the network never saw that class (a silent degenerate fit;
        scikit-learn's MLPClassifier refuses such a split). Where the held-out
        rows would be fewer than the classes, which ``train_test_split`` refuses
        to stratify, one row each of as many classes is held out
        (``_hold_out_one_row_per_class``); a split whose training part cannot
        hold every class, or that holds out one row, still raises.

        Multilabel targets: ``strata`` are each row's first label (the argmax of
        its indicator row: a row of no label is in the first column's stratum);
        the split is stratified by them, one row each of as many strata where
        fewer are held out, only where every stratum has two rows of positive
        weight, and is random otherwise. No missing label is swapped in
        (``_hold_out_every_class``) or warned of. After the split, the fewest
        held-out rows move back to training such that every label with a
        positive (negative) row among the rows of positive weight keeps one in
        training (``_train_every_label``; ``targets``, the indicator rows, are
        needed for this); a split that trains them all is left as it is. Before,
        the only row of a label could be held out (always where the strata had
        a row of its own, since the split was then random), and the network
        learnt never to predict that label, silently."""
        multilabel = strata is not None and getattr(self, "_multilabel", False)
        if multilabel and targets is None:
            raise TypeError("_validation_split needs the targets of a multilabel "
                            "classifier: it keeps every label in training.")
        positive = np.flatnonzero(sample_weight > 0)
        rows, lone, stratify = positive, positive[:0], None
        if strata is not None and not getattr(self, "_multilabel", False):
            lone_rows = np.bincount(strata[positive])[strata[positive]] < 2
            lone, rows = positive[lone_rows], positive[~lone_rows]
            stratify = strata[rows]
        elif strata is not None and np.min(np.bincount(strata[positive])) >= 2:
            stratify = strata[positive]
        # The lone rows always train: say so, since the split's own message counts
        # only the others (before: "With n_samples=0 ..." for three rows of three
        # classes, a count the user never passed).
        lone_note = (f" ({lone.shape[0]} of them the only row of a class, kept for "
                     f"training, leaving {rows.shape[0]} to split)"
                     if lone.shape[0] else "")
        if rows.shape[0] == 0:
            raise ValueError(
                f"early_stopping holds out validation_fraction="
                f"{self.validation_fraction} of the training rows, but "
                + (f"each of the {positive.shape[0]} rows of positive weight is"
                   if positive.shape[0] != 1 else "the one row of positive weight is")
                + " the only row of its class, which always trains: no row is left "
                "to hold out. Pass more rows, or early_stopping=False.")
        short = _too_few_held_out_for_classes(rows.shape[0], stratify,
                                              self.validation_fraction)
        try:
            if short:
                idx_train, idx_val = _hold_out_one_row_per_class(
                    rows, stratify, short, rng)
            else:
                idx_train, idx_val = train_test_split(
                    rows, test_size=float(self.validation_fraction),
                    random_state=rng, stratify=stratify)
        except ValueError as exc:
            raise ValueError(
                f"early_stopping holds out validation_fraction="
                f"{self.validation_fraction} of the {positive.shape[0]} training "
                f"row{'s' if positive.shape[0] != 1 else ''} of positive "
                f"weight{lone_note}, and that split is impossible: "
                f"{str(exc).rstrip('.')}. Pass more "
                f"rows, another validation_fraction, or early_stopping=False."
            ) from exc
        moved = 0
        if multilabel:
            idx_train, idx_val, moved = _train_every_label(idx_train, idx_val,
                                                           targets)
        if idx_val.shape[0] < 2:
            # One held-out row scores nothing a stopping rule can use (R^2 of one
            # row is undefined: every validation score was NaN, silently).
            # Before: "... holds out validation_fraction=0.1 of the 12 training
            # rows of positive weight (8 of them the only row of a class, kept for
            # training, leaving 4 to split), 1 row.": the count came last.
            lone_said = (f"; {lone.shape[0]} of them, the only row of their class, "
                         f"always train" if lone.shape[0] else "")
            if moved:
                lone_said += (
                    f"; {moved} more {'row trains' if moved == 1 else 'rows train'}"
                    f" so that no label loses all its 1s or all its 0s to the "
                    f"held-out rows")
            raise ValueError(
                f"The validation set is too small: early_stopping would hold out "
                f"{idx_val.shape[0]} row{'' if idx_val.shape[0] == 1 else 's'} "
                f"(validation_fraction="
                f"{self.validation_fraction} of the {positive.shape[0]} training "
                f"rows of positive weight{lone_said}), and it needs at least 2. "
                f"Increase 'validation_fraction' or the size of your dataset, or "
                f"set early_stopping=False.")
        if (stratify is not None and not short
                and not getattr(self, "_multilabel", False)):
            idx_train, idx_val = _hold_out_every_class(idx_train, idx_val, strata,
                                                       rng)
        if stratify is not None and not getattr(self, "_multilabel", False):
            self._warn_classes_not_held_out(strata, positive, idx_val, lone)
        if lone.shape[0] or positive.shape[0] < sample_weight.shape[0]:
            idx_train = np.concatenate([idx_train, lone,
                                        np.flatnonzero(sample_weight <= 0)])
        return idx_train, idx_val

    def _warn_classes_not_held_out(self, strata, positive, idx_val, lone):
        """A ``UserWarning`` where early stopping's scorer (``scoring`` a scorer
        name or a callable) scores held-out rows that miss a class of the
        training rows: one whose only row always trains, or, where fewer rows are
        held out than there are classes (``_hold_out_one_row_per_class``), the
        classes left without a held-out row (otherwise every class has one:
        ``_hold_out_every_class``). Such a score may be undefined:
        ``"neg_log_loss"`` raises scikit-learn's "Please provide the true labels
        explicitly through the labels argument"; ``"loss"`` and None (accuracy)
        are defined on any rows."""
        missing = np.setdiff1d(strata[positive], strata[idx_val])
        if (not missing.shape[0] or _scoring_mode(self._scoring()) != "scorer"
                or self._scoring() == "accuracy"):  # defined on any rows
            return
        classes = getattr(self, "classes_", None)

        def names(codes):
            labels = [classes[code] if classes is not None else code
                      for code in codes.tolist()]
            return ", ".join(repr(getattr(label, "item", lambda: label)())
                             for label in labels)

        alone = np.intersect1d(missing, strata[lone])
        short = np.setdiff1d(missing, alone)
        # Before: "early_stopping holds out validation_fraction=0.1 of the
        # training rows, and they hold no row of classes 1, 2, 3, 6, 7, 9: 4
        # held-out rows cannot hold all 10 classes (one row each of 4 classes is
        # held out): scoring=... is computed without them and may be undefined or
        # fail (scoring='loss' and scoring=None, accuracy, are defined on any
        # held-out rows). Pass more rows ...": the count came after the classes,
        # and the scorings that work sat in a parenthesis, not in the remedies.
        parts = []
        if short.shape[0]:
            parts.append(
                f"{idx_val.shape[0]} rows (validation_fraction="
                f"{self.validation_fraction}), one each of {idx_val.shape[0]} of the "
                f"{np.unique(strata[positive]).shape[0]} classes")
        if alone.shape[0]:
            several = alone.shape[0] > 1
            parts.append(
                f"no row of class{'es' * several} {names(alone)}, whose only "
                f"row{'s' * several} always train{'' if several else 's'}")
        what = (f"class{'es' * (missing.shape[0] > 1)} {names(missing)}"
                if short.shape[0] else "them" if missing.shape[0] > 1 else "it")
        warnings.warn(
            f"early_stopping holds out {', and '.join(parts)}, so "
            f"scoring={self._scoring()!r} is computed without {what} and may be "
            f"undefined or fail. Pass more rows of such classes"
            f"{', a larger validation_fraction' if short.shape[0] else ''}, "
            f"scoring='loss' or None (accuracy; both are defined on any held-out "
            f"rows), or early_stopping=False.", UserWarning,
            stacklevel=user_stacklevel())

    def _do_early_stopping(self, n_samples):
        """``early_stopping`` resolved: ``"auto"`` holds data out when the fit has
        more than ``_AUTO_EARLY_STOPPING_ROWS`` rows, as scikit-learn's
        ``HistGradientBoosting*`` do (their ``early_stopping="auto"``), except when
        the step size decays over ``max_iter`` epochs (``learning_rate="linear"``
        with a solver that takes a step): that schedule is the planned length of
        the fit, and stopping it early keeps an iterate of a large step (full
        MNIST, Adam: 2.52% -> 2.68% mean test error, ``doc/defaults.md``)."""
        if isinstance(self.early_stopping, str):
            planned = (SOLVERS[self.solver].uses_step_size
                       and self.learning_rate == "linear")
            return n_samples > _AUTO_EARLY_STOPPING_ROWS and not planned
        return bool(self.early_stopping)

    # ---------------------------------------------------------------- solver
    def _batch_size_param(self):
        """``batch_size`` with scikit-learn's ``"auto"`` read as None (full batch
        for L-BFGS-B, ``min(200, n_samples)`` for Adam, as in ``MLPClassifier``)."""
        return None if self.batch_size == "auto" else self.batch_size

    def _solver_for(self, layout, reuse):
        """The solver named by ``solver``; one that keeps a state (Adam's moments)
        continues from the last fit's when ``reuse`` and the sizes match."""
        previous = getattr(self, "_solver_state", None) if reuse else None
        solver = make_solver(self.solver, layout.n_params, previous)
        if solver.keeps_state:
            self._solver_state = solver
        else:
            # The parameters move without it: a later Adam run must not take up
            # moments that belong to other parameters. Before, adam -> lbfgsb ->
            # adam (warm starts or partial_fit calls) reused the first run's moments
            # and step count.
            self.__dict__.pop("_solver_state", None)
        return solver

    # ------------------------------------------------------------------- fit
    def _fit(self, X, y, sample_weight=None):
        """``fit``; one that raises leaves the estimator as it was. Before, a
        refused fit (parameters checked after the targets were encoded) had
        already rewritten ``out_activation_`` and ``n_outputs_`` of the fitted
        model, whose predictions then changed. An interrupted fit keeps its latest
        parameters instead (``_keep_interrupted``)."""
        # A warm start continues Adam's moments in place; a cold fit makes new ones
        # and leaves the old object untouched (no copy needed). Ctrl-C too: before
        # the solver ran (input checks, initialisation, the validation split), it
        # left a new estimator with classes_ and n_features_in_ but no coefs_
        # (check_is_fitted passed, predict raised AttributeError); in the solver
        # loop the estimator keeps its latest parameters (_keep_interrupted).
        return self._keeping_state(
            self._fit_body, X, y, sample_weight,
            copies=("_solver_state",) if self.warm_start else (), catch=BaseException)

    def _redraw_flat_layers(self, layout, theta, X, rng, sample_weight):
        """``(theta, redrawn)``: the ``theta`` a ``partial_fit`` call continues (a
        copy where anything is redrawn) whose collapsed hidden layers got the
        weights of a new initialisation (every hidden layer where the output
        layer's weights are all exactly zero); ``redrawn``: their indices. (A warm
        start after a fit with nothing to learn is a fresh fit instead:
        ``_warm_start_fitted``.)

        A hidden layer is collapsed when the absolute weights into each of its
        units sum, times the gain, to at most ``_FLAT_SHARE``: its units then vary
        over any rows by at most that share of how much its inputs vary, they are
        alike and (nearly) constant, the network after it is constant in ``X``,
        and with a zero output layer no gradient moves it. A first fit with
        nothing to learn leaves it so: a constant target zeroes the regressor's
        output, and ``l2`` then drives the non-negative hidden weights to within
        1e-11 of 0. Before, 20 partial_fit calls on a learnable target left it at
        R^2 0, without a warning, where scikit-learn's MLPRegressor learns from
        the same start.
        The rest of ``theta`` is kept (a zero output layer stays zero: the network
        predicts what it did). The test reads the weights only: a few operations
        per parameter, nothing per row. Only after a fit (or a first
        ``partial_fit`` call) whose targets had nothing to learn
        (``_nothing_to_learn``): a penalty that collapses a layer on learnable
        targets gives the minimum of the objective, which is continued as it
        is."""
        if not getattr(self, "_nothing_learned", False):
            # A network that a penalty collapsed on learnable targets is the
            # minimum of its objective: continued as it is (drawn anew, every
            # partial_fit call would start from a random network again).
            return theta, []
        # An output layer that is exactly zero learned nothing, and its zero
        # gradient taught the hidden layers nothing either (only l2 moved them):
        # all of them are drawn anew. In float32, L-BFGS-B stopped with hidden
        # weights near 1e-2, above the collapse threshold, and continuing stalled
        # as in float64.
        hidden = range(layout.n_layers - 1)
        if not any(np.any(b) for b in layout.weight_blocks(theta, layout.n_layers - 1)):
            redrawn = [i for i in hidden if layout.weight_blocks(theta, i)]
        else:
            scale = max(1.0, float(getattr(self, "_gain_", 1.0)))
            redrawn = []
            for i in hidden:
                blocks = layout.weight_blocks(theta, i)
                if not blocks:
                    continue
                into_unit = sum(np.abs(b).sum(axis=0) for b in blocks)
                if float(np.max(into_unit, initial=0.0)) * scale <= _FLAT_SHARE:
                    redrawn.append(i)
        if not redrawn:
            return theta, []
        theta = theta.copy()
        with warnings.catch_warnings():
            # The initialisation's input-scale warning was given by the first fit.
            warnings.simplefilter("ignore", InputScaleWarning)
            fresh = self._init_theta(layout, X, rng, sample_weight)
        for i in redrawn:
            for old, new in zip(layout.weight_blocks(theta, i),
                                layout.weight_blocks(fresh, i)):
                old[...] = new
        self._log(f"the last fit had nothing to learn: hidden layer"
                  f"{'s' * (len(redrawn) > 1)} "
                  f"{', '.join(str(i + 1) for i in redrawn)} drawn anew to continue.")
        return theta, redrawn

    def _check_warm_targets(self, y):
        """``ValueError`` where a warm start's targets ``y`` (already accepted by
        ``_transform_targets``, the check of a later ``partial_fit`` batch) do not
        continue the previous fit's; nothing to check by default."""

    def _check_whole_targets(self, y):
        """``ValueError`` where a warm start's targets ``y`` (validated, all rows)
        are not what a fit takes as a whole data set, which ``_encode_targets``
        checks in a fresh fit (a later ``partial_fit`` batch is not one); nothing
        to check by default."""

    def _partial_fit_keeping_state(self, body, *args):
        """``body(*args)``, the whole of a ``partial_fit`` call, leaving the
        estimator as it was if it raises (or is interrupted) before its epoch
        ends: unfitted after a first call, the previous model after a later one.
        Before, a first call refused on its sample weights or labels had already
        set ``classes_``, ``n_features_in_``, ``loss_curve_`` ...: the estimator
        passed ``check_is_fitted`` and ``predict`` raised AttributeError. A later
        call continues Adam's moments and the batches' random state in place:
        they are restored from copies."""
        return self._keeping_state(body, *args, copies=("_solver_state", "_rng"),
                                   catch=BaseException)

    def _partial_fit_step(self, X, y, sample_weight, classes=None):
        """The whole of a ``partial_fit`` call, written once (``X`` the batch,
        ``y`` its targets or None, ``classes`` a classifier's): its checks, in the
        order that decides which error a user sees first, then the epoch.

        1. ``_validate_params``, on every call: a ``set_params`` between calls is
           checked before it is used (before, a later call took
           ``learning_rate_init=-1`` or ``tol=-5``, and ``batch_size=0`` was a
           ZeroDivisionError);
        2. ``_refuse_partial_fit()``: parameters ``partial_fit`` cannot use at all,
           before they are snapshotted or compared;
        3. the first call snapshots the parameters that define the model; a later
           one checks they did not change, then ``_check_later_classes(classes)``;
        4. ``_validate_X_y`` (``n_features_in_`` set by the first call, checked by
           the later ones);
        5. the targets: ``_first_batch_targets(y, sample_weight, classes)`` on the
           first call, ``_transform_targets(y)`` on the later ones;
        6. the epoch (``_partial_fit``, which first checks that the network's
           shape did not change: after the number of features, as before; then
           the weights, and drops the rows of weight 0 before ``X`` is converted
           and its scale checked, ``_training_X``).
        """
        first = not hasattr(self, "_theta")
        self._validate_params()
        self._refuse_partial_fit()
        if first:
            self._snapshot_params()
        else:
            self._check_params_unchanged()
            self._check_later_classes(classes)
        X, y = self._validate_X_y(X, y, reset=first)
        if first:
            targets, strata = self._first_batch_targets(y, sample_weight, classes)
        else:
            targets, strata = self._transform_targets(y)
        return self._partial_fit(X, y, targets, strata, sample_weight, first)

    def _refuse_partial_fit(self):
        """``ValueError`` where the parameters as set cannot be used by
        ``partial_fit`` at all: ``early_stopping=True``, which needs a whole data
        set to hold rows out of (scikit-learn's MLPs refuse it in the same words;
        ``"auto"`` resolves to off). Before, it was ignored silently."""
        if not isinstance(self.early_stopping, str) and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")

    def _check_later_classes(self, classes):
        """``ValueError`` where a later ``partial_fit`` call's ``classes`` are not
        those of the first; nothing to check by default (no classes)."""

    def _first_batch_targets(self, y, sample_weight, classes):
        """``(targets, strata)`` of the first ``partial_fit`` batch (validated
        ``y``), as ``_encode_targets``; sets ``n_outputs_``."""
        return self._encode_targets(y, classes=classes)

    def _keeping_state(self, body, *args, copies=(), catch=Exception):
        """``body(*args)``; if it raises (``catch``) before ``_finish`` set new
        parameters, the estimator's attributes are put back as they were
        (``copies``: those ``body`` may change in place, restored from deep
        copies)."""
        state = dict(self.__dict__)
        for name in copies:
            if name in state:
                state[name] = copy.deepcopy(state[name])
        try:
            return body(*args)
        except catch as exc:
            if (self.__dict__.get("_theta") is not state.get("_theta")
                    and not getattr(exc, _RESTORE, False)):
                # The fit finished (``_finish`` set the new parameters) and what
                # followed raised: a ConvergenceWarning turned into an error by a
                # warnings filter, say. The fitted model stays, as scikit-learn's.
                raise
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    def _fit_body(self, X, y, sample_weight=None):
        self._validate_params()
        # This fit's InputScaleWarning, if it raises one (before _training_X, which
        # can: the autoencoder's), is recorded for report_fit, which then does not
        # repeat its advice.
        clear_input_scale_warning(self)
        fitted = self._warm_start_fitted()
        self._snapshot_params()
        X, y = self._validate_X_y(X, y, reset=not fitted)
        if fitted:
            try:
                targets, strata = self._transform_targets(y)
                self._check_warm_targets(y)
            except ValueError as exc:
                raise ValueError(
                    f"warm_start=True continues the previous fit, whose targets y "
                    f"must match: {exc} Set warm_start=False to fit anew.") from exc
            self._check_whole_targets(y)
        else:
            targets, strata = self._encode_targets(y)
        sample_weight = self._sample_weight(X, y, sample_weight)
        # From here on the rows of weight 0 are gone (the labels above saw them:
        # a classifier's classes_ include a label of such rows only, as
        # scikit-learn's do); X then goes to the compute dtype and its scale is
        # checked on the rows that are fitted.
        n_given = X.shape[0]
        X, y, targets, strata, sample_weight = self._weighted_rows(
            X, y, targets, strata, sample_weight)
        n_dropped = n_given - X.shape[0]  # named by report_fit's notes
        X, y, targets = self._training_X(X, y, targets, initialise=not fitted)
        scorer = None
        if (self._do_early_stopping(X.shape[0])
                and _scoring_mode(self._scoring()) == "scorer"):
            # A scorer that reads a method the estimator lacks is refused here,
            # before the network is drawn and trained; early stopping then uses
            # this one (before, check_scoring resolved it a second time there).
            scorer = early_stopping_scorer(self)
        rng = check_random_state(self.random_state)
        self._rng = rng
        layout = self._build_layout(X.shape[1], self.n_outputs_)
        # The initialisation draws from rng before the validation split, as it always
        # has; the output stage (a pre-trained stack's) runs after it.
        theta, fresh = self._start_theta(layout, X, rng, sample_weight, fitted)
        # A warm start that starts anew (another network shape) starts its histories
        # anew too: before, loss_curve_, validation_scores_ and t_ went on from the
        # other network's.
        continuing = fitted and not fresh
        self._layout = layout
        # Adam's moments continue only with the theta they belong to: a warm start
        # that starts anew (a changed output, activation or packing) starts them
        # anew too.
        solver = self._solver_for(layout, reuse=self.warm_start and not fresh)

        data = _Data(X, targets, strata, sample_weight)
        monitor = None
        self.do_early_stopping_ = self._do_early_stopping(X.shape[0])
        if self.do_early_stopping_:
            idx_train, idx_val = self._validation_split(strata, sample_weight, rng,
                                                        targets)
            monitor = EarlyStopping(self, X[idx_val], y[idx_val], targets[idx_val],
                                    sample_weight[idx_val], scorer=scorer)
            data = data[idx_train]
        if fresh:
            theta = self._start_output(layout, theta, X, targets, sample_weight,
                                       idx_train if self.do_early_stopping_ else None)

        train = data
        full_batch = solver.full_batch and self._batch_size_param() is None
        if not full_batch:
            self._check_batch_size(solver, data.n_samples)
        # A warm start that continues the fitted network with gain="auto" goes on
        # at the gain it ended with (gain_): before, the annealing restarted at 1,
        # and the network fitted at gain 2 was trained again from gain 1 up (a
        # regressor continued for 5 iterations went from R^2 0.9994 to 0.986). An
        # explicit gain schedule is run again, as asked.
        gain = (float(self._gain_) if continuing and hasattr(self, "_gain_")
                and _is_auto(getattr(self, "gain", None)) else self._gain_param())
        # A solver that updates theta in place (Adam) leaves a feasible iterate in
        # it after every step: the progress (what Ctrl-C keeps) shares it.
        progress = Progress(self, "iteration" if full_batch else "epoch", self.max_iter,
                            theta, gain if np.isscalar(gain) else gain[0],
                            shared=solver.in_place and not full_batch)
        try:
            # An overflow in a trial point of the line search (inputs of 1e140 beside
            # ones of order one) is the solver's to handle: a loss of inf is a step
            # rejected. Parameters that end non-finite are a ValueError
            # (check_finite_parameters); before, NumPy's bare "overflow encountered in
            # matmul" leaked out of the fit as well.
            with fit_threads() as parallel, np.errstate(over="ignore"):
                parallel = flavour_for(parallel, data.n_samples, _work_per_row(layout))
                if not full_batch:
                    data = data.prepared(self._compute_dtype, parallel)
                objectives = _Objectives(self, layout, parallel, data)
                with single_blas_thread(parallel == NUMPY):
                    if full_batch:
                        result = self._fit_full_batch(solver, objectives, theta, data,
                                                      gain, monitor, progress)
                    else:
                        result = self._fit_epochs(solver, objectives, theta, data, rng,
                                                  gain, monitor, progress)
        except KeyboardInterrupt:
            progress.finish()
            clear_input_scale_warning(self)
            objectives = None  # their buffers go before the fitted arrays are made
            self._keep_interrupted(progress, monitor, data.n_samples, continuing)
            raise
        # The buffers of the objectives and a solver's workspace (L-BFGS-B's curvature
        # pairs) go before the fitted arrays are made.
        objectives = solver = None
        progress.finish()
        if progress.n_iter == 0:
            # Before: nothing at verbose=1 for a fit that never took a step (an
            # L-BFGS-B run whose starting point already met tol).
            note = f" ({result.message})" if result.message else ""
            self._log(f"stopped at its starting point, before its first "
                      f"{progress.unit}: loss={result.loss:.6g}{note}.")
            # Only where the solver says tol was met: a failed line search has
            # its own warning (report_fit).
            if (not continuing and result.converged
                    and not getattr(result, "abnormal", False)
                    and not _nothing_to_learn(targets, sample_weight)):
                # Before b899a34: silent but at verbose=1; a full-batch
                # L-BFGS-B autoencoder on sparse data (2,080 x 1,200 at 1%,
                # 128 units) kept its random initial weights, n_iter_=0.
                warnings.warn(
                    f"{type(self).__name__}: the fit stopped at its starting "
                    f"point, before its first {progress.unit}{note}: the initial "
                    f"weights already met tol={self.tol}, so it kept them: the "
                    "network did not train. Lower tol (tol=0 runs all max_iter "
                    "iterations).", ConvergenceWarning, stacklevel=user_stacklevel())
        carry = continuing and hasattr(self, "t_")
        if monitor is not None:
            monitor.publish(self, carry)
        else:
            self.validation_scores_ = self.best_validation_score_ = None
        self._finish(result, data.n_samples * result.n_iter, carry=carry)
        self._check_predicts_training_rows(X, sample_weight)
        self._trained_on(X)
        # Once anything was learned, the network keeps it (a warm start continues).
        self._nothing_learned = (not continuing
                                 and _nothing_to_learn(targets, sample_weight))
        # A later partial_fit continues at the end of the gain schedule, whatever
        # max_iter is then (_partial_fit_gain).
        self._gain_step = None
        report_fit(self, result, train, n_dropped,
                   len(idx_val) if self.do_early_stopping_ else 0)
        return self

    def _keep_interrupted(self, progress, monitor, n_samples, fitted):
        """After a ``KeyboardInterrupt`` in ``fit``: the estimator fitted with the
        latest iterate (the best validated one with early stopping), so that
        ``predict`` works and ``warm_start`` continues from it."""
        theta, gain = progress.theta, progress.gain
        if monitor is not None:
            theta, gain = monitor.best(theta, gain)
            monitor.publish(self, fitted and hasattr(self, "t_"))
        else:
            self.validation_scores_ = self.best_validation_score_ = None
        # Projected onto the bounds: the interrupt may have come between a step's
        # update and its projection (the NumPy twin of the Adam step makes them two
        # calls), and the kept iterate is the solver's array itself. Before, Ctrl-C
        # there published weights below 0 in non-negative layers (6 of 195 timed
        # interrupts of a small monotone Adam fit); a feasible iterate is unchanged.
        theta = self._layout.project(theta, out=theta)
        self._gain_ = float(gain)
        loss = progress.loss if progress.n_iter else np.nan
        self._finish(SolverResult(theta=theta, n_iter=progress.n_iter, loss=loss,
                                  loss_curve=list(progress.loss_curve)),
                     n_samples * progress.n_iter, carry=fitted and hasattr(self, "t_"))
        self._gain_step = None  # as after fit: the schedule ended
        self._nothing_learned = False  # a warm start continues what it kept
        # Before: "keeps the latest parameters" also where early stopping kept those
        # of the best held-out score.
        kept = ("latest parameters" if monitor is None or not monitor.has_best
                else "parameters of its best validation score")
        self._log(f"interrupted after {progress.n_iter} {progress.unit}s "
                  f"({progress.elapsed:.1f}s): the estimator keeps the {kept}.")

    def _trained_on(self, X):
        """After a fit or a ``partial_fit`` call: ``X``, the rows it trained on
        (those of positive weight, in the compute dtype), for fitted attributes
        that describe them; nothing by default."""

    def _check_predicts_training_rows(self, X, sample_weight):
        """After ``_finish``: a fitted network that ``predict`` would refuse on the
        rows it was trained on (those of positive weight; a weighted sum that
        could overflow: the range check) is refused, and the estimator is put back
        as it was (``_RESTORE``). Before, a gain just inside the range of the dtype
        (1e38 in float32, 1e307 in float64) fitted, and ``predict`` then refused
        every training row."""
        if sample_weight is not None:
            keep = np.asarray(sample_weight) > 0
            if not keep.all():
                X = X[keep]
        bad = range_overflow_rows(self._range_layers(), X, self._compute_dtype)
        if bad.any():
            gain = (f" at gain={self._gain_:.4g}" if "gain" in
                    self.get_params(deep=False) and hasattr(self, "_gain_") else "")
            exc = ValueError(
                f"The fitted network cannot predict the rows it was trained on: on "
                f"{int(bad.sum())} of the {bad.shape[0]} rows of positive weight a "
                f"weighted sum of a layer could exceed the range of "
                f"{np.dtype(self._compute_dtype).name}{gain}. Scale X down"
                f"{' or use a smaller gain' if gain else ''}; the estimator is left "
                f"as it was before this call.")
            setattr(exc, _RESTORE, True)
            raise exc

    def _finish(self, result, samples_seen, carry=False):
        """Sets the fitted attributes from ``result``; ``samples_seen``: rows the
        solver went through in this fit (added to ``t_``); ``carry``: a warm start
        continuing the last fit, whose ``loss_curve_`` and ``t_`` it extends, as
        scikit-learn's MLP does (``n_iter_`` counts this fit)."""
        curve = list(self.loss_curve_) if carry else []
        t = self.t_ if carry else 0
        self._theta = result.theta
        self._set_fitted_layers(result.theta)
        self.n_iter_ = int(result.n_iter)
        self.n_layers_ = self._layout.n_layers + 1
        self.t_ = int(t + samples_seen)
        self.loss_ = float(result.loss)
        self.loss_curve_ = curve + list(result.loss_curve)
        self.best_loss_ = (float(min(self.loss_curve_)) if self.loss_curve_
                           else self.loss_)

    def _fit_full_batch(self, solver, objectives, theta, data, gain, monitor,
                        progress):
        """Solver runs over all of ``data``, one per stage of the ``gain``
        schedule."""
        layout = objectives.layout
        gains = gain_schedule(gain, n_gain_stages(gain, self.max_iter))
        objective = objectives.get(data, float(gains[0]))
        stage_iters = np.diff(np.linspace(0, self.max_iter, len(gains) + 1).round())
        # A planned cut (the regressor's held-out check, _stage_plan): the first
        # stages only, each for the iterations the plan gives it (0: skipped).
        plan = getattr(self, "_stage_plan", None)
        if plan is not None:
            stage_iters = np.asarray(plan)[:len(gains)]
        # The iterations each stage ran, where a list is there to take them (the
        # regressor's held-out check sets one on the fit it runs).
        ran = getattr(self, "_stage_log", None)
        ran = [] if ran is None else ran
        result = SolverResult(theta=theta)
        t0 = time.perf_counter()

        box = layout.box

        def callback(x, loss):
            result.loss_curve.append(loss)
            stop = monitor is not None and monitor.update(x, objective.gain)
            # objective.grad: the gradient of the last evaluation, at x.
            progress.update(
                x, loss, objective.gain,
                grad_norm=box.projected_gradient_norm(x, objective.grad),
                score=None if monitor is None else monitor.validation_scores[-1])
            if stop:
                raise StopIteration

        left = 0  # iterations a stalled stage did not use, handed to the next
        for stage, (gain, n_iter) in enumerate(zip(gains, stage_iters)):
            if plan is not None and n_iter == 0:
                ran.append(0)
                continue
            objective.gain = float(gain)
            n_iter, left = int(n_iter) + left, 0
            result.stage_start = len(result.loss_curve)
            run = solver.run(objective, result.theta, box,
                             Schedule(max_iter=n_iter, tol=self.tol), callback)
            result.theta = run.theta
            check_finite_parameters(
                result.theta,
                f"in L-BFGS-B stage {stage + 1} ({self._gain_text(gain).strip()})"
                if len(gains) > 1 else "in L-BFGS-B", run.loss, self._compute_dtype,
                self.get_params(deep=False))
            result.n_iter += run.n_iter
            ran.append(int(run.n_iter))
            result.loss = run.loss
            result.converged = run.converged
            result.message = run.message
            result.abnormal = run.abnormal
            result.proj_grad_norm = run.proj_grad_norm
            if self.verbose >= 2:
                # One stage (no gain schedule: ABBA, the autoencoder, a fixed
                # gain) is the solver's run, not "stage 1/1".
                where = (f"stage {stage + 1}/{len(gains)}" if len(gains) > 1
                         else "L-BFGS-B")
                self._log(f"{where}: {self._gain_text(gain)}"
                          f"iterations={run.n_iter} loss={run.loss:.6g} "
                          f"time={time.perf_counter() - t0:.2f}s")
            if monitor is not None and monitor.stopped:
                # A stage whose held-out score stalls (against the stage's own best)
                # ends, and the next gain goes on from it; a stall in the last stage
                # ends the fit. (Stopping at the first stall ended min-max Adult fits
                # on the plateau before a gain step that lowered the held-out loss
                # again; a gain step moves the held-out loss up before the stage
                # brings it down: doc/defaults.md, eighth round.)
                # The last iteration's line first (verbose=1 holds it back).
                progress.finish()
                if stage == len(gains) - 1:
                    monitor.log_stall("Stopping.")
                    result.converged = True
                    break
                monitor.log_stall("Next gain stage.")
                monitor.next_stage()
                left = n_iter - run.n_iter
        if plan is not None and result.n_iter == int(np.sum(stage_iters)):
            # The planned iterations ran: the fit stopped where the held-out check
            # chose, not short of convergence (no ConvergenceWarning).
            result.converged = True
        self._gain_ = float(objective.gain)
        if monitor is not None:
            if not monitor.validation_scores:
                # L-BFGS-B stopped before its first iteration (the projected
                # gradient at the start already below tol): the held-out score of
                # the parameters kept, instead of an empty history and a best
                # score of -inf.
                monitor.update(result.theta, self._gain_)
            result.theta, self._gain_ = monitor.best(result.theta, self._gain_)
        return result

    #: The fewest rows of a mini-batch on which L-BFGS-B trains this estimator
    #: (``_check_batch_size``); None: any number.
    _least_lbfgsb_batch = None

    def _check_batch_size(self, solver, n_samples):
        """Before the epochs of a fit over ``n_samples`` training rows: a
        ``batch_size`` larger than them is clipped, with scikit-learn's
        ``MLPClassifier`` warning; one that deals L-BFGS-B mini-batches of fewer
        rows than ``_least_lbfgsb_batch`` is refused: its runs diverge (a
        classifier's batch of one row holds one class, whose log-loss has no
        minimum: 3 L-BFGS-B iterations on each sent the free output intercepts
        to 1e3-1e14 in 9 of 11 fits on 60-200 rows of 2 and 3 classes, every
        one at the class prior's accuracy, where batch_size=2 trained, as Adam
        on 1-row batches did; ABBAClassifier's bounded logits ended at a loss
        of 4-5, accuracy 0.5 on balanced classes)."""
        batch_size = self._batch_size_param()
        if batch_size is None:
            return
        if batch_size > n_samples:
            warnings.warn("Got `batch_size` less than 1 or larger than sample size. "
                          "It is going to be clipped", stacklevel=user_stacklevel())
            return
        least = self._least_lbfgsb_batch
        if (solver.full_batch and least is not None and batch_size < least
                and batch_size < n_samples):
            raise ValueError(
                f"solver={self.solver!r} with batch_size={batch_size} runs L-BFGS-B "
                f"on mini-batches of {batch_size} row{'s' * (batch_size > 1)}, "
                f"{self._small_batch_problem(batch_size)}: the loss of such a batch "
                f"has no minimum, and the fit diverges or ends at the class "
                f"prior's accuracy. Set batch_size to at least {least}, "
                f"batch_size=None (full batch) or solver='adam'.")

    def _small_batch_problem(self, batch_size):
        """What is wrong with a mini-batch of ``batch_size`` rows
        (``_check_batch_size``), in its message."""
        return "too few for a minimum"

    def _batches(self, strata, n_samples, rng):
        batch_size = self._batch_size_param()
        if batch_size is None:
            batch_size = min(200, n_samples)
        batch_size = min(batch_size, n_samples)
        if strata is None:
            strata = np.zeros(n_samples, dtype=np.int64)
        return stratified_batches(strata, batch_size, rng)

    def _epoch_step(self, solver, objectives, theta, data, batches, gain, epoch,
                    penalty=None):
        """One pass over ``batches`` (index arrays into ``data``); returns ``(theta,
        mean loss, first loss)``: each batch's loss before its update, weighted by
        the batch's sample weights (as scikit-learn's MLP reports an epoch), and that
        of the first batch, at the parameters the epoch started from. A batch of
        zero total weight is skipped; a non-finite result is a ValueError.

        ``penalty``: a list, to which the part of the mean loss that depends on the
        parameters alone is appended (each batch's ``penalty_value`` at its
        starting parameters, weighted as its loss); None: not computed."""
        schedule = Schedule(
            max_iter=solver.steps_per_batch(self.steps_per_batch), tol=self.tol,
            learning_rate=step_size(self.learning_rate, self.learning_rate_init, epoch,
                                    self.max_iter))
        box = objectives.layout.box
        total, weight, first, penalties = 0.0, 0.0, np.nan, 0.0
        # Parameters that overflowed (a huge learning_rate_init) make inf - inf in
        # the NumPy kernels: a NaN that check_finite_parameters refuses below, with
        # a ValueError naming the parameter. Before, NumPy's bare "invalid value
        # encountered in multiply" leaked out first (over: ignored by the caller).
        with np.errstate(invalid="ignore"):
            for idx in batches:
                w = float(data.sample_weight[idx].sum())
                if w <= 0:
                    continue  # a batch of zero weight adds nothing to the weighted loss
                batch = data[idx]
                objective = objectives.get(batch, gain)
                if penalty is not None:  # before the run updates theta in place
                    penalties += objective.penalty_value(theta) * w
                run = solver.run(objective, theta, box, schedule)
                theta = run.theta
                # The batch's loss before its update (the run's first evaluation).
                total += run.start_loss * w
                weight += w
                if np.isnan(first):
                    first = float(run.start_loss)
        params = self.get_params(deep=False)
        if self.solver == "adam":
            epoch = (f"in an epoch of adam "
                     f"(learning_rate_init={self.learning_rate_init:.3g})")
        elif "gain" in params:
            epoch = f"in an epoch of lbfgsb (gain={gain:.3g})"
        else:
            # An autoencoder or an ABBA network has no gain (before: "(gain=1)").
            epoch = "in an epoch of lbfgsb"
        check_finite_parameters(theta, epoch, total, self._compute_dtype, params)
        if penalty is not None:
            penalty.append(penalties / weight)
        return theta, total / weight, first

    def _fit_epochs(self, solver, objectives, theta, data, rng, gain, monitor,
                    progress):
        """Epochs of mini-batches, the ``gain`` schedule annealed from epoch to
        epoch."""
        gains = gain_schedule(gain, self.max_iter)
        # In place: theta is this fit's own (initialised or copied for a warm start).
        theta = objectives.layout.project(theta, out=theta)
        result = SolverResult(theta=theta)
        best_loss, no_improvement = np.inf, 0
        start = None
        for epoch, gain in enumerate(gains):
            batches = self._batches(data.strata, data.n_samples, rng)
            if epoch == 0 and self.solver == "adam" and len(batches) > 1:
                # The starting parameters (the epoch updates theta in place), for
                # the loss over every batch at them (_start_loss_all_batches).
                start = (theta.copy(), batches, float(gain))
            penalty = [] if epoch == 0 and self._stall_reads_penalty else None
            theta, loss, first = self._epoch_step(solver, objectives, theta, data,
                                                  batches, float(gain), epoch,
                                                  penalty=penalty)
            if epoch == 0:
                # The loss at the fit's starting parameters (one batch): where the
                # diagnostics tell a fit that got worse from one that started badly.
                result.start_loss = first
                stall_tol, stall_text = self._stall_tol(
                    loss, penalty[0] if penalty else 0.0)
            result.theta, result.loss = theta, loss
            result.loss_curve.append(loss)
            result.n_iter = epoch + 1
            stop = monitor is not None and monitor.update(theta, gain)
            progress.update(theta, loss, gain, score=None if monitor is None
                            else monitor.validation_scores[-1])
            if monitor is not None:
                if stop:
                    # Before: this line came before the epoch's own (verbose=1).
                    progress.finish()
                    monitor.log_stall("Stopping.")
                    result.converged = True
                    break
                continue
            result.stall_tol, result.stall_text = stall_tol, stall_text
            if loss > best_loss - stall_tol:
                no_improvement += 1
            else:
                no_improvement = 0
            best_loss = min(best_loss, loss)
            if no_improvement >= self.n_iter_no_change:
                result.converged = True
                progress.finish()
                self._log(f"training loss did not improve more than {stall_text} "
                          f"for {self.n_iter_no_change} consecutive epochs. Stopping.")
                break
        # A step size that decays over max_iter epochs (a first-order solver's
        # "linear" schedule) ends there by design: the limit did not cut the fit.
        result.planned_end = (not result.converged and result.n_iter == self.max_iter
                              and solver.uses_step_size
                              and self.learning_rate == "linear")
        self._gain_ = float(gains[result.n_iter - 1])
        if (start is not None and result.loss_curve
                and result.loss_curve[-1] > 2.0 * abs(result.start_loss)):
            # One batch's loss is no estimate of the data's: a batch of one row
            # that the starting parameters fit well (0.039) made a fine fit (R^2
            # 0.76, its epoch loss falling 0.195 -> 0.151) warn that the loss
            # ended at more than twice its starting value, "the steps are too
            # large". Where the diagnostics compare with it, the loss over every
            # batch at the starting parameters, weighted as an epoch's.
            result.start_loss = self._start_loss_all_batches(objectives, data,
                                                             *start)
        if monitor is not None:
            result.theta, self._gain_ = monitor.best(result.theta, self._gain_)
        return result

    @staticmethod
    def _start_loss_all_batches(objectives, data, theta, batches, gain):
        """The loss at ``theta`` over ``batches``, each weighted by its sample
        weights, as ``_epoch_step`` weights an epoch's (no update)."""
        total, weight = 0.0, 0.0
        with np.errstate(invalid="ignore"):
            for idx in batches:
                w = float(data.sample_weight[idx].sum())
                if w <= 0:
                    continue
                loss, _ = objectives.get(data[idx], gain).loss_grad(theta)
                total += float(loss) * w
                weight += w
        return total / weight if weight > 0 else np.nan

    # ----------------------------------------------------------- partial_fit
    def _check_layout_unchanged(self):
        """The layout a later ``partial_fit`` call trains with: the one the
        parameters as set build, which must be the fitted network
        (``_layout_now``), else a ValueError naming this estimator's
        ``_LAYOUT_PARAMS``; they are recorded as a fit records them. Before, the
        call went on with the first call's layout (a changed ``l1`` was ignored)
        and set ``monotonic_cst_`` from parameters it did not record
        (``persist.load`` then refused the model).

        The warnings of building (``_build_layout``'s: a ``monotonic_cst`` that
        constrains some of a feature's ramp columns only) are silenced: the same
        network (which this call must build, or raise) was built, and warned
        about, by the first call; before, every later call repeated them, where a
        warm-started ``fit`` raises them once. ``monotonic_cst_`` is set anew (not
        kept, as a warm start's question keeps it): it must match the parameters
        recorded here."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layout, reason = self._layout_now()
        if reason is None:
            self._snapshot_params(layout_only=True)
            return layout
        names = list(self._LAYOUT_PARAMS)
        listed = (", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1
                  else "".join(names))
        message = ("The network's shape or weight bounds changed since the model was "
                   f"fitted ({listed}, set with set_params after fit or the first "
                   "call to partial_fit); partial_fit continues that network. Call "
                   "fit to start anew.")
        if isinstance(reason, Exception):
            # The parameters the first call built a network from cannot build one
            # now (monotonic_cst added to a softmax network, say): they changed.
            raise ValueError(f"{message} With the parameters as set now: {reason}"
                             ) from reason
        raise ValueError(message)

    def _partial_fit(self, X, y, targets, strata, sample_weight, first):
        """One epoch over the batch ``X`` (validated, ``targets`` encoded); the gain
        and step size follow their schedules over ``max_iter`` calls."""
        if first:
            self._rng = check_random_state(self.random_state)
            self._layout = self._build_layout(X.shape[1], self.n_outputs_)
            self._gain_step = 0
            self.n_iter_ = 0
            self.loss_curve_ = []
        else:
            self._layout = self._check_layout_unchanged()
        layout = self._layout
        sample_weight = self._sample_weight(X, y, sample_weight)
        # As in fit: the rows of weight 0 go, then X is converted and checked.
        X, y, targets, strata, sample_weight = self._weighted_rows(
            X, y, targets, strata, sample_weight)
        X, y, targets = self._training_X(X, y, targets, initialise=first)
        redrawn = []
        if first:
            # Not self._theta until the epoch ends (``_finish``): a call that
            # raises before leaves the estimator unfitted (_keeping_state).
            theta, _ = self._start_theta(layout, X, self._rng, sample_weight, False)
            theta = self._start_output(layout, theta, X, targets, sample_weight)
        else:
            theta, redrawn = self._redraw_flat_layers(layout, self._theta, X,
                                                      self._rng, sample_weight)
        # partial_fit reports no convergence: its InputScaleWarning record goes.
        clear_input_scale_warning(self)
        # Adam's moments do not belong to weights drawn anew.
        solver = self._solver_for(layout, reuse=not redrawn)
        gain = self._partial_fit_gain()
        # The step size's epoch: after fit, the end of its schedule.
        epoch = self.max_iter if self._gain_step is None else self._gain_step
        theta = layout.project(theta)
        data = _Data(X, targets, strata, sample_weight)
        with fit_threads() as parallel, np.errstate(over="ignore"):  # as in fit
            parallel = flavour_for(parallel, X.shape[0], _work_per_row(layout))
            if solver.full_batch:
                batches = [np.arange(X.shape[0])]
            else:
                self._check_batch_size(solver, X.shape[0])
                batches = self._batches(strata, X.shape[0], self._rng)
                data = data.prepared(self._compute_dtype, parallel)
            with single_blas_thread(parallel == NUMPY):
                objectives = _Objectives(self, layout, parallel, data)
                theta, loss, _ = self._epoch_step(solver, objectives, theta, data,
                                                  batches, gain, epoch)
        if self._gain_step is not None:
            self._gain_step += 1
        self._gain_ = gain
        if first:
            self.t_ = 0
        # partial_fit never holds rows out, and the scores an earlier fit's early
        # stopping kept no longer describe the parameters: None, as after a fit
        # without early stopping (before, they were kept after a first call, as
        # scikit-learn's MLPs keep them; b22308c).
        self.validation_scores_ = self.best_validation_score_ = None
        self.do_early_stopping_ = False
        self._finish(SolverResult(theta=theta, n_iter=self.n_iter_ + 1, loss=loss,
                                  loss_curve=[loss], converged=True), X.shape[0],
                     carry=True)
        self._check_predicts_training_rows(X, sample_weight)
        self._trained_on(X)
        # A first call with nothing to learn, only: a later batch of one row or
        # one class still continues what the stream learned (online learning on
        # 1-row batches, alternating single-class batches), which a warm start
        # then continues.
        self._nothing_learned = first and _nothing_to_learn(targets, sample_weight)
        # Before: partial_fit printed nothing at any verbose (scikit-learn's MLPs
        # print a line per call).
        self._log(f"partial_fit call {self.n_iter_}: {X.shape[0]} rows, "
                  f"{self._gain_text(gain)}loss={loss:.6g}")
        return self

    def _partial_fit_gain(self):
        """The gain of a ``partial_fit`` call. In a stream of calls from the first,
        the ``gain`` schedule's value at the call's index (``_gain_step``) over
        ``max_iter`` calls, its end value from the ``max_iter``-th on. After
        ``fit`` (``_gain_step`` None: its schedule ended), whatever ``max_iter``
        and ``solver`` are now: under ``gain="auto"`` the gain the fit ended with,
        ``gain_`` (as a warm start goes on), an explicit gain's end value
        otherwise. Before, ``gain="auto"`` was resolved anew (a fit under
        L-BFGS-B ended at gain 2, and a call after ``set_params(solver="adam")``
        ran at Adam's 1: training accuracy 0.937 -> 0.787 in one call), and the
        index after a fit was the fit's ``max_iter``, partway through the
        schedule of a larger one (gain 2 -> 1.23 after ``max_iter`` 60 -> 200)."""
        step = getattr(self, "_gain_step", None)
        if step is None:
            if _is_auto(getattr(self, "gain", None)):
                return float(self._gain_)
            # Two steps: the end value as a fit's schedule computes it.
            return float(gain_schedule(self._gain_param(), 2)[-1])
        gains = gain_schedule(self._gain_param(), self.max_iter)
        return float(gains[min(step, self.max_iter - 1)])

    def _gain_text(self, gain):
        """``"gain=G "`` for the log lines of a network that has a ``gain``
        (before, ABBAClassifier's said ``gain=1``: it has none)."""
        return f"gain={gain:.3g} " if "gain" in self.get_params(deep=False) else ""
