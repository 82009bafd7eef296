"""Additive evasion attacks: raise allowed features, within an L1 budget, until a
sample flagged as the target class is not flagged any more."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import CountVectorizer, HashingVectorizer
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_array, check_is_fitted

from .._frames import from_pandas_like, is_polars, polars_to_pandas
from .._lipschitz import dense_rounding_layers, range_overflow_rows
from .._monotonic_cst import plain_value
from .._validation import (check_sparse_structure, is_finite_number, parameter_error,
                           user_stacklevel)
from .._pipeline import (
    analyse_steps,
    feature_source,
    flat_steps,
    input_attribute,
    is_passthrough,
    split_pipeline,
)
from .._versioned import VersionedState
from ..neural_network._classifier import is_multilabel
from ._networks import SoftVote, dense_coef, network_of, soft_vote_members

__all__ = ["EvasionResult", "additive_evasion_attack"]

# The largest finite value of float64, the dtype of the search: a move whose result
# would pass it is never made.
_LARGEST = float(np.finfo(np.float64).max)


class EvasionResult(VersionedState):
    """What :func:`additive_evasion_attack` found. Not meant to be built directly.

    Parameters
    ----------
    **fields : dict
        The attributes listed below, as :func:`additive_evasion_attack` sets them.

    Attributes
    ----------
    X_adv_ : ndarray, sparse CSR or DataFrame of shape (n_samples, n_features)
        The perturbed samples (the others unchanged), in the format of ``X``: a
        sparse ``X`` comes back in CSR format, a ``csr_array`` for a sparse array
        (``csr_array``, ``csc_array``, ``coo_array``) and a ``csr_matrix`` for a
        sparse matrix; a DataFrame as a DataFrame of the same columns and index,
        its sparse columns sparse (a polars DataFrame as polars, of the same
        columns).
        Integer and boolean features keep their dtype under a whole ``step``;
        floating-point ones come back as float64 (a float32 ``X`` included), as do
        numbers held as objects (an object array, a DataFrame's object column:
        converted as the estimators' ``validate_data`` converts them, to float64;
        a categorical column of integers keeps its categories' integer dtype), the
        dtype the search scored them in, which ``attacked_``, ``success_`` and
        ``margin_after_`` describe: a float32 copy rounds most raised values
        (0.1 + 1), and even where it is exact, models that compute in their
        input's float dtype (``LogisticRegression``) score it differently.
        Its attacked rows are the rows the search scored: each step was added to
        the feature's value as it then was (``x + step``, rounded once), so a
        feature raised ``k`` times holds ``((x + step) + step) ...``, which can
        differ from ``x + k * step`` by rounding.
    attacked_ : ndarray of bool of shape (n_samples,)
        Samples predicted as ``target_class`` before the attack: the ones attacked.
    success_ : ndarray of bool of shape (n_samples,)
        Attacked samples whose row of ``X_adv_`` is not flagged any more (not
        predicted as ``target_class``, or of margin below ``threshold``), judged
        on ``X_adv_`` itself, with ``margin_after_``.
    success_rate_ : float
        ``success_.sum() / attacked_.sum()`` (NaN when nothing was attacked).
    cost_ : ndarray of shape (n_samples,)
        L1 norm of each sample's increase, the row sums of ``X_adv_ - X`` in
        float64 (at the first success for successes; 0 for samples not
        attacked; a missing value, never raised, counts 0): ``n_steps_ * step``
        up to the rounding of the raised values;
        ``inf`` where that sum passes the largest float64 (with
        ``budget=np.inf``).
    n_steps_ : ndarray of int of shape (n_samples,)
        Number of steps made on each sample. A step that would not change a
        value (``x + step == x``: ``step`` at most half the value's unit in the last
        place) is never made, so every step raised a feature; nor is one whose
        result would pass the largest float64, nor one whose outcome in the
        model is not finite or out of its range (see ``step`` of
        :func:`additive_evasion_attack`).
    margin_before_, margin_after_ : ndarray of shape (n_samples,)
        Score of ``target_class`` minus the best other class's score (log-odds for
        binary models), before and after (on ``X_adv_``); NaN for samples not
        attacked.
    n_queries_ : int
        Number of rows scored by the model during the search.
    budget, step, method, target_class
        The attack's settings.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sknonneg.robustness import additive_evasion_attack
    >>> rng = np.random.RandomState(0)
    >>> X = rng.poisson(1.0, size=(200, 4)).astype(float)
    >>> y = (X[:, 0] - X[:, 1] > 0).astype(int)
    >>> result = additive_evasion_attack(LogisticRegression().fit(X, y), X, budget=3)
    >>> result.success_rate_ > 0, result.X_adv_.shape
    (True, (200, 4))
    >>> bool(np.all(result.X_adv_ >= X))  # features only ever rise
    True
    """

    def __init__(self, **fields):
        self.__dict__.update(fields)

    def success_rate_at(self, budget):
        """Success rate of the same search stopped at a smaller ``budget``.

        Both searches choose each move without looking at the budget, so the moves
        of a run at budget ``B`` are, up to the first success, those of any run at
        ``b <= B``: a sample is evaded at ``b`` when its ``n_steps_`` fit in ``b``
        (``n_steps_ * step <= b``, counted as the search counts its steps; its
        ``cost_`` is that up to the rounding of the raised values).

        Parameters
        ----------
        budget : float
            In ``[0, budget]`` of the attack.

        Returns
        -------
        rate : float
            Fraction of the attacked samples evaded within ``budget`` (NaN when
            nothing was attacked).
        """
        if (isinstance(budget, Real) and not isinstance(budget, bool)
                and budget == np.inf and self.budget == np.inf):
            # The attack's own (infinite) budget: its rate.
            return self.success_rate_
        if not is_finite_number(budget) or budget < 0:
            # Before: -1 and NaN gave a rate of 0.0 (and an int beyond int64,
            # np.isfinite's "ufunc 'isfinite' not supported" TypeError).
            raise parameter_error(
                "EvasionResult.success_rate_at", "budget",
                f"a float in the range [0, {self.budget}]"
                f"{' (finite, or np.inf)' if self.budget == np.inf else ''}", budget)
        if budget > self.budget + 1e-12:
            raise parameter_error("EvasionResult.success_rate_at", "budget",
                                  f"a float in the range [0, {self.budget}] (the "
                                  f"attack's budget)", budget)
        n = int(self.attacked_.sum())
        if n == 0:
            return float("nan")
        # The steps a run at this budget makes, counted as the search counts them
        # (before: cost_ <= budget, when cost_ was n_steps_ * step).
        fit = int(np.floor(budget / self.step + 1e-9))
        return float(np.sum(self.success_ & (self.n_steps_ <= fit)) / n)

    def __repr__(self):
        return (f"EvasionResult(method={self.method!r}, budget={self.budget}, "
                f"attacked={int(self.attacked_.sum())}, "
                f"success_rate_={self.success_rate_:.3f})")


class _Scorer:
    """The margin of the target class and, where it can be had, its first-order
    change for a ``step`` increase of each input feature."""

    def __init__(self, estimator, target_index, X_probe, step, columns=None):
        from sklearn.ensemble import VotingClassifier
        from sklearn.neural_network import MLPClassifier

        from ._certificate import is_linear_classifier

        self.estimator = estimator
        # The column names of a DataFrame X: the model (a ColumnTransformer that
        # selects by name, say) is called on DataFrames of them.
        self.columns = columns
        self.steps, self.final = split_pipeline(estimator)
        self.t = target_index
        self.step = step
        self.n_classes = len(estimator.classes_)
        self.queries = 0
        # Why there is no input gradient, when there is none (the gradient
        # method's refusal names it; before, it blamed the final estimator).
        self.no_gradient = None
        try:
            kinds = analyse_steps(self.steps)
        except ValueError as exc:
            kinds = None
            self.no_gradient = str(exc)
        if (X_probe.shape[0]
                and np.asarray(estimator.predict(self.frame(X_probe[:1]))).ndim != 1):
            raise ValueError("additive_evasion_attack needs single-label predictions; "
                             "multilabel models are not supported.")
        self.network = self.coef = None
        if kinds is not None:
            try:
                # The first-order change below needs each transformed feature to
                # depend on one input feature (no one-hot block of a
                # ColumnTransformer); otherwise the search scores moves only.
                self.source = feature_source(self.steps, kinds, X_probe.shape[1])
            except ValueError as exc:
                kinds = None
                self.no_gradient = str(exc)
        if kinds is not None:
            self.network = network_of(self.final)
            if self.network is None and is_linear_classifier(self.final):
                self.coef = dense_coef(self.final)
        elif isinstance(self.final, (MLPClassifier, VotingClassifier)):
            self.network = network_of(self.final)
        # MLPClassifier has no decision_function and its probabilities round to
        # 0 / 1; a soft vote has probabilities only: both are scored by their
        # log-odds, computed from the members' weights.
        self.own_logits = isinstance(self.final, MLPClassifier) or isinstance(
            self.network, SoftVote)
        self.has_gradient = self.network is not None or self.coef is not None
        if self.has_gradient and kinds is None:
            self.has_gradient = False
        # sknonneg networks whose predictions refuse a row on which a weighted sum
        # could overflow ("Input X has values too large for the fitted
        # network"): the final estimator, or the members of a soft vote.
        self.range_checks = _range_checks(self.final)
        # The screen of the same kind for the attack's own copy of the network.
        self.network_layers = _network_layers(self.network)

    def frame(self, X):
        """``X`` as the model was fitted on it: a DataFrame of ``columns`` (of sparse
        columns for a sparse ``X``, made from a DataFrame of sparse columns)."""
        if self.columns is None:
            return X
        import pandas as pd

        if sp.issparse(X):
            return pd.DataFrame.sparse.from_spmatrix(X, columns=self.columns)
        return pd.DataFrame(np.asarray(X), columns=self.columns)

    def _prefix(self, X):
        X = self.frame(X)
        for _, step in self.steps:
            if step is not None and not isinstance(step, str):
                X = step.transform(X)
        return X

    def _margin_of(self, scores):
        scores = np.asarray(scores, dtype=np.float64)
        if scores.ndim == 1 or scores.shape[1] == 1:
            scores = scores.reshape(-1)
            return scores if self.t == 1 else -scores
        others = np.delete(scores, self.t, axis=1)
        # A difference beyond the float64 range is +-inf, as a margin of a
        # probability of 0 is (before: NumPy's overflow warning).
        with np.errstate(over="ignore"):
            return scores[:, self.t] - others.max(axis=1)

    def _final_input(self, X):
        """The rows ``X`` as the final estimator reads them: a NumPy array or a
        sparse matrix."""
        Xt = self._prefix(X) if self.steps else X
        return Xt.to_numpy() if hasattr(Xt, "to_numpy") else Xt

    def _out_of_range(self, Xt):
        """Per row of ``Xt`` (the final estimator's input), whether a sknonneg
        network's range check refuses it."""
        bad = np.zeros(Xt.shape[0], dtype=bool)
        for layers, dtype in self.range_checks:
            bad |= range_overflow_rows(layers, Xt, dtype)
        return bad

    def refused(self, X):
        """Per row of ``X`` (a raised copy the search would move to), whether that
        move is not allowed: its outcome is not finite in the attack's copy of
        the network (a relu unit driven to inf; :meth:`Network.logits`), or the
        model's own range check would refuse it. Neither calls the model: the
        rows are screened by the bound of ``range_overflow_rows``, and only those
        it does not clear are run through the copy."""
        if not self.range_checks and not self.network_layers:
            return np.zeros(X.shape[0], dtype=bool)
        Xt = self._final_input(X)
        bad = self._out_of_range(Xt)
        screen = np.zeros(Xt.shape[0], dtype=bool)
        for layers in self.network_layers:
            screen |= range_overflow_rows(layers, Xt, np.float64)
        rows = np.flatnonzero(screen & ~bad)
        if rows.size:
            bad[rows] = np.isnan(self.network.logits(Xt[rows])).any(axis=1)
        return bad

    def margin(self, X, count=True):
        """Score of the target class minus the best other one, per row; NaN on a
        row whose outcome is not finite in the attack's copy of the network, or
        that the model's range check would refuse (a move not allowed: the model
        is not called on it). ``count``: the rows count in ``queries``."""
        if self.range_checks:
            bad = self._out_of_range(self._final_input(X))
            if bad.any():
                out = np.full(X.shape[0], np.nan)
                keep = np.flatnonzero(~bad)
                if keep.size:
                    out[keep] = self._margin(X[keep], count)
                return out
        return self._margin(X, count)

    def check_scores(self, X, margins):
        """Refuses ``X`` where ``margins`` (its rows' margins) hold NaN: the
        model's scores of those rows are not finite numbers (a NaN or infinite
        weight, set by hand or by a diverged fit; rows so large that its finite
        weights of both signs sum inf - inf, as LogisticRegression's do near
        1.8e308; or rows that the model's own range check refuses). Before, such rows were never flagged (NaN compares
        false: "nothing attacked", a success rate of NaN) or, flagged by
        ``predict``'s argmax of NaN, never evaded (0% success), silently."""
        bad = np.isnan(margins)
        if not bad.any():
            return
        where = np.flatnonzero(bad)
        shown = ", ".join(str(i) for i in where[:10].tolist())
        rows = (f"{where.size} of the {X.shape[0]} rows of X (row"
                f"{'s' if where.size > 1 else ''} {shown}"
                f"{', ...' if where.size > 10 else ''})")
        if self.range_checks and self._out_of_range(self._final_input(X)).any():
            raise ValueError(
                f"Input X has values too large for the fitted network: on {rows} "
                "its weighted sums could exceed the range of float64, so the "
                "model has no finite score to attack. Scale X as the training "
                "data was.")
        name = type(self.estimator).__name__
        raise ValueError(
            f"additive_evasion_attack: the scores of {name} are not finite "
            f"(NaN) on {rows}, so no sample there can be judged flagged or "
            "evaded. Either its weights or intercepts hold NaN or infinite values "
            "(a diverged fit, or values set by hand: refit it), or the values of "
            "those rows are so large that its arithmetic overflows (inf - inf, "
            "where weights of both signs meet values near the largest float: "
            "scale X as the training data was).")

    def _margin(self, X, count=True):
        if count:
            self.queries += X.shape[0]
        est = self.estimator
        if self.own_logits:
            return self._margin_of(self.network.logits(self._prefix(X)))
        X = self.frame(X)
        if hasattr(est, "decision_function"):
            return self._margin_of(est.decision_function(X))
        if hasattr(est, "predict_log_proba"):
            with np.errstate(divide="ignore"):
                return self._margin_of(est.predict_log_proba(X))
        with np.errstate(divide="ignore"):
            return self._margin_of(np.log(est.predict_proba(X)))

    def _output_weights(self, scores):
        """Per row, the weights ``u`` of the logits whose combination is the margin."""
        n = scores.shape[0]
        if scores.ndim == 1 or scores.shape[1] == 1:
            return np.full((n, 1), 1.0 if self.t == 1 else -1.0)
        u = np.zeros_like(scores)
        others = scores.copy()
        others[:, self.t] = -np.inf
        u[:, self.t] = 1.0
        u[np.arange(n), np.argmax(others, axis=1)] -= 1.0
        return u

    def first_order(self, X):
        """Predicted change of the margin when ``step`` is added to each feature:
        ndarray of shape (n_rows, n_features). The final estimator's input gradient
        times the change of each transformed feature over the step (exact for
        linear models behind per-feature steps). A change beyond the float64 range
        is the largest float of its sign (it orders and signs the moves; inf marks
        a move not allowed), and a move whose result, or a transformed value of
        it, would pass the largest float64 gets inf. Before, such products and
        sums overflowed with NumPy's warnings, a change of -inf dropped the best
        candidates, and a raise to inf reached the model's steps ("Input X
        contains infinity")."""
        Xt = self._prefix(X)
        if self.network is not None:
            logits = self.network.logits(Xt)
            u = self._output_weights(logits)
            grad = self.network.input_gradient(Xt, u)
        else:
            if self.coef.shape[0] == 1:
                grad = np.tile(self.coef[0] * (1.0 if self.t == 1 else -1.0),
                               (X.shape[0], 1))
            else:
                # Only which other class scores best is read from these.
                with np.errstate(over="ignore", invalid="ignore"):
                    scores = np.asarray(Xt @ self.coef.T)
                grad = self._output_weights(scores) @ self.coef
        if not self.steps:
            return _clipped_product(grad, self.step)
        dense = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
        with np.errstate(over="ignore"):
            raised = dense + self.step
        beyond = np.isinf(raised)  # X is finite: an overflow
        raised[beyond] = dense[beyond]
        shifted = self._prefix(raised)
        shifted = shifted.toarray() if sp.issparse(shifted) else np.asarray(shifted)
        Xt = Xt.toarray() if sp.issparse(Xt) else np.asarray(Xt)
        change = np.zeros(X.shape, dtype=np.float64)
        # Summed over the columns made from one feature (RampTransformer makes
        # several: an assignment would keep one of them), each clipped so that
        # the sum stays finite.
        n_terms = int(np.bincount(self.source, minlength=1).max())
        with np.errstate(over="ignore"):
            moved = shifted - Xt
        np.add.at(change, (slice(None), self.source),
                  _clipped_product(grad, moved, n_terms))
        # Nor a move whose transformed value overflows (a scale above 1): the
        # model refuses it ("Input X contains infinity"). Before, its change of
        # 0 * inf = NaN hid it from the greedy candidates by chance.
        np.logical_or.at(beyond, (slice(None), self.source), ~np.isfinite(shifted))
        change[beyond] = np.inf
        return change


def _warn_stopped(stopped, n_attacked, where, advice):
    """A ``UserWarning`` for the failed samples (``stopped``, a mask) whose search
    stopped ``where`` no move could be made: their failure shows no robustness."""
    n_stopped = int(np.sum(stopped))
    if n_stopped:
        warnings.warn(
            f"additive_evasion_attack: {n_stopped} of the {n_attacked} attacked "
            f"samples were not evaded because the search stopped where {where}, so "
            f"no such move could be made; their failure does not show robustness. "
            f"{advice}", UserWarning, stacklevel=user_stacklevel())


def _range_checks(final):
    """``[(layers, dtype)]``: the range checks of the sknonneg networks that
    predict for ``final`` (itself, or the bare members of a soft vote), as their
    predictions apply them (``check_network_range``)."""
    from sklearn.ensemble import VotingClassifier

    from ..neural_network._base import BaseNetwork

    members = ([est for _, est, _ in soft_vote_members(final)]
               if isinstance(final, VotingClassifier) else [final])
    return [(est._range_layers(), est._compute_dtype) for est in members
            if isinstance(est, BaseNetwork)]


def _network_layers(network):
    """The layers of ``network`` (a :class:`Network`, a :class:`SoftVote` or None),
    one list per network, as ``range_overflow_rows`` reads them."""
    nets = (network.networks if isinstance(network, SoftVote)
            else [] if network is None else [network])
    return [dense_rounding_layers(net.coefs, net.intercepts, net.activation,
                                  net.gain) for net in nets]


def _clipped_product(a, b, n_terms=1):
    """``a * b`` clipped to ``+-_LARGEST / 2**k``, ``2**k >= n_terms`` (a sum of
    ``n_terms`` of them stays finite), its sign kept; no NumPy warning. Infinite
    factors count as ``+-_LARGEST``, so that a zero times one is 0. Before, a
    feature of zero gradient whose transformed value overflowed (``shifted - Xt``
    = inf) got 0 * inf = NaN, "invalid value" warned, and the gradient method's
    ``argmin`` took that NaN as the best move: no move was made on any row."""
    limit = _LARGEST / 2.0 ** int(np.ceil(np.log2(max(n_terms, 1))))
    a, b = np.clip(a, -_LARGEST, _LARGEST), np.clip(b, -_LARGEST, _LARGEST)
    with np.errstate(over="ignore"):
        return np.clip(a * b, -limit, limit)


class _State:
    """The attacked rows and the moves made on them: ``moves[i, :n_done[i]]`` are
    the features raised so far, one ``step`` at a time.

    Each move adds ``step`` to the feature's current value, rounded once (``x +
    step``), whether ``X`` is dense or sparse: the rows that :meth:`current` returns,
    which the search scores, are the rows of the returned ``X_adv_``. A move that
    would not change the value (``x + step == x``: a step at most half the value's
    unit in the last place) is never made (:func:`_absorbed`), nor one whose
    result would pass the largest float64 (:func:`_overflowing`), nor one whose
    outcome is not finite or out of the model's range (``_Scorer.refused``)."""

    def __init__(self, X, rows, n_moves, step):
        self.X = X[rows]
        self.sparse = sp.issparse(X)
        if self.sparse:
            self.X = sp.csr_matrix(self.X, dtype=np.float64)
            self.X.sum_duplicates()  # one stored value per position
        else:
            self.X = np.array(self.X, dtype=np.float64)
        # Grown as moves are made (at most n_moves per row): before, a budget of
        # 1e9 allocated rows x 1e9 moves up front (a MemoryError of 715 GiB) for a
        # search that stopped after a dozen.
        width = max(min(n_moves, 64), 1)
        self.moves = np.full((len(rows), width), -1, dtype=np.int64)
        self.n_moves = n_moves
        self.n_done = np.zeros(len(rows), dtype=np.int64)
        self.step = step

    def current(self, idx):
        if not self.sparse:
            return self.X[idx]
        out = self.X[idx]
        out.eliminate_zeros()
        return out

    def move(self, idx, features, before):
        """Raise feature ``features[i]`` of row ``idx[i]``, whose value is
        ``before[i]``, by ``step``."""
        after = before + self.step
        width = self.moves.shape[1]
        if idx.size and int(self.n_done[idx].max()) >= width:
            grown = np.full((self.moves.shape[0], min(2 * width, self.n_moves)), -1,
                            dtype=np.int64)
            grown[:, :width] = self.moves
            self.moves = grown
        if self.sparse:
            # In place, one row at most once per call: the stored value is replaced
            # (new positions inserted in one go). Before, the raised rows were
            # rebuilt from every move so far at every round (2.2x slower on long
            # sparse searches, quadratic in the steps).
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", sp.SparseEfficiencyWarning)
                self.X[idx, features] = after
        else:
            self.X[idx, features] = after
        self.moves[idx, self.n_done[idx]] = features
        self.n_done[idx] += 1


def _stored_where(Xc, step, test):
    """``(rows, features)`` of the stored entries ``x`` of ``Xc`` (every entry of a
    dense one) for which ``test(x, x + step)``, ``x + step`` in float64 (inf where
    it overflows, without a warning). An implicit zero of a sparse ``Xc`` is never
    among them: ``0 + step`` changes it and does not overflow."""
    with np.errstate(over="ignore"):
        if sp.issparse(Xc):
            coo = sp.coo_matrix(Xc)
            coo.sum_duplicates()
            hit = test(coo.data, coo.data + step)
            return coo.row[hit], coo.col[hit]
        Xc = np.asarray(Xc)
        return np.nonzero(test(Xc, Xc + step))


def _absorbed(Xc, step):
    """``(rows, features)`` of the entries of ``Xc`` that a step does not change:
    ``x + step == x`` in float64, a step at most half the value's unit in the last
    place (an overflow is not absorbed)."""
    return _stored_where(Xc, step, lambda x, raised: raised == x)


def _overflowing(Xc, step):
    """``(rows, features)`` of the entries of ``Xc`` that a step would raise past
    the largest float64 (``x + step`` rounds to inf): moves never made, as one past
    ``upper``."""
    return _stored_where(Xc, step, lambda x, raised: np.isinf(raised))


def _with_moves(X, rows, features, step):
    """``X`` with row ``rows[i]`` raised by ``step`` at ``features[i]`` (-1: none)."""
    keep = np.flatnonzero(features >= 0)
    if sp.issparse(X):
        added = sp.csr_matrix((np.full(keep.shape[0], step), (keep, features[keep])),
                              shape=(len(rows), X.shape[1]))
        return (X[rows] + added).tocsr()
    out = X[rows]
    out[keep, features[keep]] += step
    return out


def _values_at(X, rows, features):
    """``X[rows[i], features[i]]`` for dense or CSR ``X``."""
    if len(rows) == 0:
        return np.zeros(0)
    if sp.issparse(X):
        return np.asarray(X[rows, features]).ravel()
    return X[rows, features]


def _missing(Xc):
    """``(rows, features)`` of the missing values (NaN) of dense or sparse ``Xc``."""
    return _stored_where(Xc, 0.0, lambda x, raised: np.isnan(x))


def _missing_as(Xc, value):
    """``Xc`` (dense or sparse) with its missing values (NaN) replaced by
    ``value``: a copy where it has any."""
    if sp.issparse(Xc):
        if not np.isnan(Xc.data).any():
            return Xc
        Xc = Xc.copy()
        Xc.data = np.where(np.isnan(Xc.data), value, Xc.data)
        return Xc
    Xc = np.asarray(Xc)
    return np.where(np.isnan(Xc), value, Xc) if np.isnan(Xc).any() else Xc


def _allowed_mask(features, n_features, estimator):
    if features is None:
        return np.ones(n_features, dtype=bool)
    given, features = features, np.asarray(features)
    nothing = ("features selects no feature: pass None (every feature may be "
               "raised), or the indices, names or mask of at least one.")
    if features.ndim > 1:
        # Before: flattened, so [[0, 1]] read as [0, 1]. The value is shown as
        # given (an array by NumPy's abridged repr, not made a list of every item).
        raise parameter_error("additive_evasion_attack", "features",
                              "a 1-D array-like (indices, names or a mask) or None",
                              given, f"(shape {features.shape}.)")
    if features.size == 0:
        raise ValueError(nothing)
    if features.dtype == object and all(
            isinstance(f, Integral) and not isinstance(f, (bool, np.bool_))
            for f in features.ravel()):
        # Indices beyond int64 (2**70) are held as Python ints in an object array:
        # before, they were taken for names ("features given by name need ...").
        # In range, they are indices (an object Index of ints, say: a259d08 called
        # [0, 2] out of range).
        values = [int(f) for f in features.ravel()]
        bad = [f for f in values if not 0 <= f < n_features]
        if bad:
            raise parameter_error(
                "additive_evasion_attack", "features",
                f"feature indices in the range [0, {n_features - 1}] (X has "
                f"{n_features} features)", bad[:5])
        features = np.array(values, dtype=np.int64)
    if features.dtype == bool:
        if features.shape != (n_features,):
            raise parameter_error("additive_evasion_attack", "features",
                                  f"a boolean mask of shape ({n_features},), feature "
                                  f"indices or feature names", features,
                                  f"(a mask of shape {features.shape}).")
        if not features.any():
            # An attack that may raise nothing reports 0% success, which reads as
            # robustness; the empty list is refused for the same reason.
            raise ValueError(nothing)
        return features.copy()
    if features.dtype.kind in "OUS":
        names = getattr(estimator, "feature_names_in_", None)
        if names is None:
            raise ValueError("features given by name need an estimator fitted on data "
                             "with feature names (feature_names_in_).")
        lookup = {name: i for i, name in enumerate(names)}
        unknown = [f for f in features.ravel() if f not in lookup]
        if unknown:
            raise ValueError(
                f"Unknown feature names: {[plain_value(f) for f in unknown[:5]]}.")
        features = np.array([lookup[f] for f in features.ravel()], dtype=np.int64)
    if features.dtype.kind not in "iu":
        raise parameter_error("additive_evasion_attack", "features",
                              "a boolean mask, feature indices, feature names or None",
                              features, f"(dtype {features.dtype}).")
    bad = features[(features < 0) | (features >= n_features)]
    if bad.size:
        # As scikit-learn's partial_dependence: an index counts from the start, and
        # a negative one is refused (not read from the end), so that a mistake in
        # computed indices does not select another feature.
        raise parameter_error(
            "additive_evasion_attack", "features",
            f"feature indices in the range [0, {n_features - 1}] (X has {n_features} "
            f"features; negative indices are not accepted, as in scikit-learn's "
            f"partial_dependence)", [plain_value(b) for b in bad[:5]])
    mask = np.zeros(n_features, dtype=bool)
    mask[features] = True
    return mask


def _refuse_text_pipeline(estimator):
    """A Pipeline that starts with a text vectorizer reads text, which the attack
    does not edit: refused with what to attack instead. Before, only a vectorizer
    the certificate accepts got this message; a TfidfVectorizer (normalised), an
    n-gram or char analyzer failed inside scikit-learn ('csr_matrix' object has no
    attribute 'lower', or 'Expected 2D array'). The vectorizer is the first step
    that is not "passthrough" or None, nested Pipelines flattened: before, only
    ``steps[0]`` was read, and one after a "passthrough" or inside a nested
    Pipeline failed in the same way."""
    if not isinstance(estimator, Pipeline) or not estimator.steps:
        return
    # (index of the outer step, flattened name, step), "passthrough" and None left
    # out: the first is the step that reads X.
    doing = [(i, name, step) for i, outer in enumerate(estimator.steps)
             for name, step in flat_steps([outer]) if not is_passthrough(step)]
    if doing and isinstance(doing[0][2], ColumnTransformer):
        _refuse_text_columns(estimator, doing)
    if not doing or not isinstance(doing[0][2], (CountVectorizer, HashingVectorizer)):
        return
    i, vec_name, first = doing[0]
    name = type(first).__name__
    words = ((_BINARY_HINT.format(f"The {name}'s features") if first.binary else "")
             if _counts_words(first) else
             f" The {name}'s features are not word counts, so a step of the attack "
             "is then a unit of its weight, not an added word: to attack added words, "
             "build the model as CountVectorizer followed by the rest (a "
             "TfidfTransformer, say) and pass the counts.")
    if any(j == i for j, _, _ in doing[1:]):
        # The outer step holds more than the vectorizer: no slice of the outer
        # Pipeline splits the two.
        what = (f"attack the steps that follow its vectorizer {vec_name!r} (a "
                "Pipeline of them) on the features the vectorizer makes (its "
                "transform of the texts)")
    elif i == 0 and vec_name == estimator.steps[0][0]:
        what = ("attack the rest of the Pipeline (pipeline[1:]) on the features its "
                "first step makes (pipeline[0].transform(texts))")
    else:
        what = (f"attack the rest of the Pipeline (pipeline[{i + 1}:]) on the "
                f"features its vectorizer {vec_name!r} makes "
                f"(pipeline[:{i + 1}].transform(texts))")
    raise ValueError(
        f"additive_evasion_attack raises numeric features and does not edit text, but "
        f"this Pipeline starts with a {name}: {what}.{words}")


# binary=True: a column is 1 once its word is in the text, and a raise past 1 is no
# text's (before, such columns were said to count words, raised to 2 and more).
_BINARY_HINT = (" {} are 0 or 1 (binary=True): a raise from 0 to 1 adds a word, one "
                "past 1 none that a text can give, so pass upper=1 as well.")


def _counts_words(vectorizer):
    """Whether a vectorizer's columns count words: a step of 1 is an added word
    (a CountVectorizer, or a HashingVectorizer that adds +1 per token and does not
    normalise; two words whose hashes collide share a column)."""
    if type(vectorizer) is CountVectorizer:
        return True
    return (type(vectorizer) is HashingVectorizer and not vectorizer.alternate_sign
            and vectorizer.norm is None)


def _block_vectorizer(trans):
    """The vectorizer a ColumnTransformer's transformer starts with, or None."""
    inner = [s for _, s in (flat_steps(trans.steps) if type(trans) is Pipeline
                            else [("", trans)]) if not is_passthrough(s)]
    if inner and isinstance(inner[0], (CountVectorizer, HashingVectorizer)):
        return inner[0], len(inner) > 1
    return None


def _refuse_text_columns(estimator, doing):
    """A Pipeline whose first step is a ColumnTransformer with a vectorizer among
    its transformers (a subject and a body column, say) reads text as well:
    refused with what to attack (before: "X has non-numeric columns", which did
    not say how to add words)."""
    i, ct_name, ct = doing[0]
    found = []
    for name, trans, columns in getattr(ct, "transformers_", ct.transformers):
        if isinstance(trans, str):
            continue
        vec = _block_vectorizer(trans)
        if vec is not None:
            found.append((name, columns, vec[0], vec[1]))
    if not found:
        return
    listed = ", ".join(f"{name!r} ({type(vec).__name__} on {columns!r})"
                       for name, columns, vec, _ in found)
    if any(j == i for j, _, _ in doing[1:]):
        # The outer step holds more than the ColumnTransformer: no slice of the
        # outer Pipeline splits them.
        rest, made = "the steps after it", "its transform of X"
    else:
        rest, made = f"pipeline[{i + 1}:]", f"pipeline[:{i + 1}].transform(X)"
    counts = [name for name, _, vec, more in found if _counts_words(vec) and not more]
    other = [name for name, _, vec, more in found
             if not (_counts_words(vec) and not more)]
    how = (f" The columns of {', '.join(map(repr, counts))} count the words of "
           "their text column, so raising one by 1 adds that word to that column; "
           "select them with features, their indices: the slice "
           f"output_indices_[{counts[0]!r}] of the ColumnTransformer (as "
           "np.arange(n_features)[ct.output_indices_[...]]; its "
           "get_feature_names_out() also names them, but not for a "
           "HashingVectorizer)."
           if counts else "")
    binary = [name for name, _, vec, more in found
              if _counts_words(vec) and not more and vec.binary]
    if binary:
        how += _BINARY_HINT.format(
            f"The columns of {', '.join(map(repr, binary))}")
    if other:
        how += (f" The columns of {', '.join(map(repr, other))} are not plain word "
                "counts (tf-idf weights, or further steps after the vectorizer), so "
                "a step of the attack there is a unit of their value, not an "
                "added word.")
    raise ValueError(
        f"additive_evasion_attack raises numeric features and does not edit text, "
        f"but this Pipeline's ColumnTransformer {ct_name!r} reads text through "
        f"{listed}: attack the rest of the Pipeline ({rest}) on the features the "
        f"ColumnTransformer makes ({made}).{how}")


def _check_params(budget, step, method, max_candidates, batch_rows, threshold):
    for name, value, integral in (("budget", budget, False), ("step", step, False),
                                  ("max_candidates", max_candidates, True),
                                  ("batch_rows", batch_rows, True)):
        kind = Integral if integral else Real
        # budget=np.inf is checked with upper (_moves_under_upper).
        if (not isinstance(value, kind)
                or not (is_finite_number(value)
                        or (name == "budget" and value == np.inf))
                or value <= 0):
            raise parameter_error(
                "additive_evasion_attack", name,
                ("an int in the range [1, inf)" if integral
                 else "a float in the range (0, inf)")
                + (" (finite, or np.inf with upper)" if name == "budget" else ""),
                value)
    # An attack that can make no move reports 0% success, which reads as
    # robustness (before: budget=3 with step=5 did, for a model evaded 94% of the
    # time at step 1); so many moves that their count overflows is refused too.
    # (In Python floats, which overflow to inf silently: NumPy scalars warned.)
    moves = float(budget) / float(step)
    if budget < np.inf and moves + 1e-9 < 1:  # as the search counts moves
        raise ValueError(f"budget={budget!r} is less than step={step!r}: no move fits "
                         "within it, and an attack that can make no move would report "
                         "0% success.")
    if budget < np.inf and moves > 1e9:
        raise ValueError(f"budget / step = {moves:.3g} moves: more than 1e9 "
                         "rounds of the search; use a larger step.")
    if method not in ("greedy", "gradient"):
        raise parameter_error("additive_evasion_attack", "method",
                              "a str among {'greedy', 'gradient'}", method)
    if threshold is not None and not is_finite_number(threshold):
        raise parameter_error("additive_evasion_attack", "threshold",
                              "a finite float (a margin) or None", threshold)


def _numeric_columns(frame):
    """``(frame, text)``: the DataFrame with its columns of numbers held in other
    dtypes (objects, categoricals, pandas' strings of numbers) converted as
    ``check_array(dtype="numeric")`` converts them, which the estimators'
    ``validate_data`` calls, and the names of the columns it cannot convert to
    numbers (text, dates)."""
    text, converted = [], {}
    for j, (c, d) in enumerate(frame.dtypes.items()):
        if getattr(d, "kind", "O") in "iufb":
            continue
        try:
            column = check_array(frame.iloc[:, [j]], dtype="numeric",
                                 ensure_all_finite=False, ensure_min_samples=0)
        except (TypeError, ValueError):
            column = None
        if column is None or column.dtype.kind not in "iufb":
            text.append(str(c))
        else:
            converted[j] = column[:, 0]
    if converted and not text:
        frame = frame.copy()
        for j, values in converted.items():
            frame.isetitem(j, values)
    return frame, text


def _numpy_dtype(dtype):
    """The NumPy dtype of a DataFrame column's ``dtype``: pandas' nullable integers
    and booleans (Int64, UInt8, boolean) name it ``numpy_dtype``, its sparse
    columns (``Sparse[int64, 0]``) ``subtype``. Before, a sparse column's dtype
    reached ``np.dtype``: "Cannot interpret 'Sparse[int64, 0]' as a data type"."""
    if isinstance(dtype, np.dtype):
        return dtype
    inner = getattr(dtype, "numpy_dtype", None)
    if inner is None:
        inner = getattr(dtype, "subtype", None)
    return np.dtype(dtype if inner is None else inner)


def _moves_under_upper(X, rows, allowed, upper, step):
    """For ``budget=np.inf``: the most steps the search can make on one attacked row,
    each allowed feature raised at most up to its bound (one more per feature, for
    the rounding of the raised values: the search never stops short of it). An
    allowed feature without a bound is refused: the search could raise it for
    ever."""
    loose = np.flatnonzero(allowed & (upper == np.inf))
    if loose.size:
        raise ValueError(
            f"budget=np.inf needs a finite upper bound on every feature the attack "
            f"may raise, so that the search ends (each feature can only rise to its "
            f"bound); {loose.size} of them have none "
            f"({', '.join(map(str, loose[:5].tolist()))}"
            f"{', ...' if loose.size > 5 else ''}). Pass upper (a float, "
            f"or one per feature, -np.inf for a feature never raised), restrict "
            f"features, or pass a finite budget.")
    if rows.size == 0:
        return 0
    bound = np.where(allowed & (upper > -np.inf), upper, -np.inf)
    live = np.flatnonzero(bound > -np.inf)

    def room(values, j):
        values, limit = np.broadcast_arrays(values, bound[j])
        with np.errstate(over="ignore"):
            gap = limit - values
            count = gap / step
        # A gap beyond the float64 range (a value near -1.8e308 below a bound near
        # 1.8e308): its count from the halves, which divide exactly (before:
        # NumPy's overflow warning, and a count of inf refused).
        beyond = np.isinf(gap)
        if beyond.any():
            with np.errstate(over="ignore", divide="ignore"):
                count[beyond] = (limit[beyond] / 2 - values[beyond] / 2) / (step / 2)
        # A missing value (NaN) is never raised: no room.
        return np.where(np.isnan(count), 0.0,
                        np.maximum(np.floor(count + 1e-9) + 1, 0))

    Xr = X[rows]
    if sp.issparse(Xr):
        # The implicit zeros first, then the stored values in their place.
        # Sums of counts near 1e308 overflow to inf, refused below as more than
        # 1e9 steps (before: NumPy's "overflow encountered in reduce" warning).
        with np.errstate(over="ignore"):
            total = np.full(rows.size, room(np.zeros(live.size), live).sum())
        coo = sp.coo_matrix(Xr)
        coo.sum_duplicates()
        keep = np.isin(coo.col, live)
        r, c, v = coo.row[keep], coo.col[keep], coo.data[keep]
        stored, implicit = room(v, c), room(np.zeros(c.size), c)
        # An implicit zero's count of inf (beyond the float64 range) made the
        # row's total inf already (before: inf - inf, NumPy's "invalid value"
        # warning, and a total of NaN: "cannot convert float NaN to integer").
        with np.errstate(over="ignore"):
            np.add.at(total, r, np.where(np.isinf(implicit), 0.0,
                                         stored - np.minimum(implicit, _LARGEST)))
    else:
        with np.errstate(over="ignore"):  # as above
            total = room(np.asarray(Xr)[:, live], live).sum(axis=1)
    n_moves = float(total.max()) if total.size else 0.0
    if n_moves > 1e9:
        raise ValueError(
            f"budget=np.inf lets a sample take up to {n_moves:.3g} steps of "
            f"{step!r} under its upper bounds (upper, and the largest value of an "
            "integer dtype): more than 1e9 rounds of the search; use a larger step, "
            "a lower upper, or a finite budget.")
    return int(n_moves)


def _integer_caps(in_dtype, frame_dtypes, step, n_features):
    """Per feature, the largest value its integer or boolean dtype holds (inf for
    the others): with an integral ``step`` the perturbed samples keep integer dtypes,
    so a raise past the maximum would wrap around (uint8 255 + 1 -> 0) in
    ``X_adv_``. A boolean feature stops at 1 (True) whatever the step: before, a
    presence flag was raised to 2 and the evasions that needed it counted."""
    caps = np.full(n_features, np.inf)
    whole = float(step).is_integer()

    def cap(dtype):
        # pandas' nullable integers (Int64, UInt8), booleans and sparse columns
        # name their NumPy dtype.
        dtype = _numpy_dtype(dtype)
        if dtype.kind == "b":
            return 1.0
        if not whole:
            return np.inf
        top = np.iinfo(dtype).max
        # float64 rounds the 64-bit maxima up, past the type: one float below.
        return float(top) if float(top) <= top else float(np.nextafter(float(top), 0))

    if frame_dtypes is not None:
        for j, dtype in enumerate(frame_dtypes):
            if getattr(dtype, "kind", "O") in "iub":
                caps[j] = cap(dtype)
    elif in_dtype.kind in "iub":
        caps[:] = cap(in_dtype)
    return caps


def _check_exact_integers(parts, budget):
    """Refuse integers that float64 does not hold exactly: the attack raises and
    scores X in float64 and casts integer features back (an integral ``step`` keeps
    them integers). Before, an int64 value of 2**60 + 1 came back as 2**60 in
    ``X_adv_``, lowered, and ``cost_`` was not the increase of ``X_adv_``."""
    limit = 2 ** 53
    for part in parts:
        if part.shape[0] == 0:
            continue
        try:
            # Python integers: exact, and abs(int64 min) does not overflow.
            # The search raises values by up to the budget (before: only X was
            # checked, and 2**53 - 1 raised twice by 3 came back as 2**53 + 4).
            top = max(abs(int(part.max()) + int(np.ceil(budget))),
                      abs(int(part.min())))
        except TypeError:  # pandas' NA only: refused as missing by check_array
            continue
        if top > limit:
            raise ValueError(
                f"X has integer values that reach a magnitude of {top} (raised by "
                f"the budget, {budget}), above 2**53: "
                "additive_evasion_attack raises and scores X in float64, which does "
                "not hold them exactly, and an integral step returns them as "
                "integers, so X_adv_ would not keep them. Convert X to float64 to "
                "attack the rounded values.")


def _check_upper(upper, n_features):
    """``upper`` as one float per feature (inf: unbounded)."""
    if upper is None:
        return np.full(n_features, np.inf)
    try:
        values = np.asarray(upper, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        # Before: NumPy's "could not convert string to float: 'a'", naming nothing.
        raise parameter_error("additive_evasion_attack", "upper",
                              f"a float or an array-like of shape ({n_features},) of "
                              f"floats", upper, f"({exc}.)") from None
    if values.ndim > 1 or values.size not in (1, n_features):
        raise parameter_error("additive_evasion_attack", "upper",
                              f"a float or an array-like of shape ({n_features},) of "
                              f"floats", upper, f"(shape {values.shape}.)")
    if np.isnan(values).any():
        raise ValueError("upper must not contain NaN (use np.inf for an unbounded "
                         "feature).")
    return np.broadcast_to(values, (n_features,))


def additive_evasion_attack(estimator, X, *, budget, features=None, step=1.0,
                            method="greedy", target_class=None, upper=None,
                            threshold=None, max_candidates=200, batch_rows=4096):
    """Evade a classifier by raising features: add words, API calls, bytes.

    Every sample that ``estimator`` predicts as ``target_class`` is attacked: the
    search raises the allowed features by ``step`` at a time, at most ``budget`` in
    total (an L1 budget on the increase; features never decrease), until the
    prediction is no longer ``target_class``.

    Parameters
    ----------
    estimator : fitted classifier or Pipeline
        Anything with ``predict`` and ``decision_function``, ``predict_log_proba``
        or ``predict_proba``, scikit-learn models included. Not a Pipeline that
        starts with a vectorizer (the attack raises numbers, it does not edit
        text; a ``ValueError``): pass the steps after it, ``pipeline[1:]``, with
        its counts ``pipeline[0].transform(texts)`` as ``X``. Nor one whose first
        step is a ``ColumnTransformer`` with a vectorizer on a text column (a
        subject and a body, say): pass ``pipeline[1:]`` with
        ``pipeline[0].transform(X)``, whose columns from a ``CountVectorizer``
        count the words of their text column (``features``: the indices of
        the slice ``pipeline[0].output_indices_[name]`` of that transformer, to
        raise those alone).
    X : {array-like, sparse matrix} of shape (n_samples, n_features)
        Numeric samples (for a text model: the counts of its ``CountVectorizer``,
        as above), converted as the estimators' ``validate_data`` converts them;
        strings that are not numbers are an error. Sparse input stays sparse, and
        a DataFrame (of numbers only) is passed to the model as DataFrames of its
        columns and comes back as one in ``X_adv_``. Missing values (NaN) are
        accepted where the model reads them: a missing value stays missing, is
        never raised and costs nothing (which inputs, in detail:
        :ref:`attack-details`).
    budget : float
        Largest L1 norm of the increase of a sample: the number of added units
        (word occurrences for counts). The search makes at most ``budget / step``
        steps per sample (the increase is that many steps up to the rounding of
        the raised values, see ``cost_``). At least ``step`` (and an ``upper``
        that leaves some allowed feature room for a step): an attack that can make
        no move is an error, not a success rate of 0. ``np.inf``: no budget, with
        an ``upper`` bound on every allowed feature (else a ``ValueError``: the
        search could raise a feature for ever; a boolean feature, and with an
        integral ``step`` an integer one whose dtype's maximum lies within 1e9
        steps (8- and 16-bit integers at ``step=1``), is bounded by its dtype);
        each feature then rises at most to its bound, so the search ends, as a run
        at a budget of every bound's room would (at most 1e9 steps per sample).
    features : array-like, default=None
        Features the attacker may raise: indices in ``[0, n_features - 1]``
        (negative ones are refused, as in
        :func:`sklearn.inspection.partial_dependence`), a boolean mask of shape
        (n_features,) or names from ``feature_names_in_``. None: all. A selection
        of no feature (an empty list, an all-False mask) is an error: there would
        be nothing to attack.
    step : float, default=1.0
        Size of one increase, added to a feature's current value (rounded once).
        A move that would not change the value, pass the largest float64 or
        ``upper``, or make the model's output not finite is not allowed (a
        ``UserWarning`` counts the failures that stopped there), and a ``step``
        that leaves no allowed feature of any attacked sample a move is an
        error. With integer or boolean ``X`` and an integral ``step`` the
        perturbed samples stay integers of ``X``'s dtype, at most ``2**53`` in
        magnitude; a step that is not integral moves boolean features through
        values between False and True (:ref:`attack-details`).
    method : {"greedy", "gradient"}, default="greedy"
        ``"greedy"``: each round, scores every candidate move with the model (in
        batches) and makes the one that lowers the target's margin most; stops a
        sample when no candidate lowers it. Needs scores only. Candidates are the
        ``max_candidates`` features with the most negative first-order change
        (input gradient; coefficients for linear models), or, for models without a
        gradient, all allowed features in the first round and the best
        ``max_candidates`` of them afterwards. ``"gradient"``: each round, raises
        the allowed feature whose first-order change of the margin is most negative
        (steepest descent in L1) among the moves that change the sample; stops
        when none is negative. Needs an input
        gradient: sknonneg's ``NonNegMLPClassifier``, scikit-learn's
        ``MLPClassifier`` and linear classifiers, and a binary soft
        ``VotingClassifier`` of those (``LogisticRegression`` as the linear
        member), behind per-feature Pipeline steps.
    target_class : object, default=None
        The class to evade (spam, malware). None: ``classes_[1]`` of a binary model.
    upper : float or array-like of shape (n_features,), default=None
        Largest value of each feature (e.g. 100 for percentages; ``np.inf``:
        unbounded; ``-np.inf``: never raised); None: unbounded. Integer features
        raised by an integral ``step`` also stop at their dtype's
        maximum (255 for ``uint8``), since they stay integers, and boolean features
        stop at 1 (``True``) whatever the ``step``.
    threshold : float, default=None
        A decision threshold on the margin (see Notes), e.g. one tuned for a 1%
        false-positive rate: samples whose margin is ``>= threshold`` are flagged
        and attacked, and an attack succeeds when the margin falls below it. None:
        flagged means ``predict`` returns ``target_class``. For a binary model the
        margin is the log-odds of ``target_class``, not its probability: a
        threshold ``p`` on ``predict_proba`` is ``threshold=np.log(p / (1 - p))``
        (``threshold=0.9`` flags the rows whose probability is at least 0.71).
    max_candidates : int, default=200
        Candidate features per sample and round of the greedy search.
    batch_rows : int, default=4096
        Rows per call to the model when scoring candidates.

    Returns
    -------
    result : EvasionResult
        ``X_adv_``, ``attacked_``, ``success_``, ``success_rate_``, ``cost_``,
        ``n_steps_``, ``margin_before_``, ``margin_after_``, ``n_queries_`` and
        ``success_rate_at(b)`` for any smaller budget ``b``. ``success_``,
        ``margin_after_`` and ``cost_`` are computed on the returned ``X_adv_``.

    See Also
    --------
    monotone_certificate : Which features cannot lower a model's score, from its
        weights.

    Notes
    -----
    The margin is the target class's decision function (log-odds for binary
    models), or its log-probability, minus the best other class's; for
    scikit-learn's ``MLPClassifier`` its logits from ``coefs_`` and ``intercepts_``
    (its probabilities round to 0 and 1); for a binary soft ``VotingClassifier``
    of networks, its log-odds ``log(P1 / P0)`` from its members' log-odds and
    weights (finite where its probabilities round). Success is judged by ``predict``, or by
    the margin against ``threshold``, on the returned ``X_adv_``. Every row of
    ``X`` is scored before the search (outside ``n_queries_`` where ``predict``
    flags the rows): a model whose margin is NaN on a row (a NaN or infinite
    weight, a row so large that its arithmetic overflows to ``inf - inf``, or a
    row its own range check refuses) is refused with a ``ValueError`` naming the
    rows, since such a row can be judged neither
    flagged nor evaded.

    The search is a heuristic: a failure does not prove that no evasion exists. A
    model certified by :func:`monotone_certificate` on the allowed features cannot
    be evaded by any increase, so every attack on it fails; the attack shows the
    other side, that uncertified models (``positive="output"`` included) are
    evaded.

    The greedy search makes a move only where it lowers the margin. On a model whose
    scores are saturated or piecewise constant (a fully grown decision tree, nearest
    neighbours, isotonic calibration: probabilities of exactly 0 or 1, a margin of
    ``inf``, plateaus) a sample can stop where no candidate move changes its score
    at all, though a few more moves would evade it. For a model without an input
    gradient (whose candidates are scored blind) a ``UserWarning`` then says how
    many of the failures stopped that way: they do not show robustness. Attack a
    model with graded scores (a smooth surrogate fitted to the model's predictions,
    or the uncalibrated classifier), or pass a larger ``step``.

    A step too small to change a feature's value (``x + step == x`` in float64:
    values above about ``2 * step / 2.2e-16``, e.g. a step of 1 on values of
    ``1e17``) is never made: it would leave ``X_adv_`` as it is. Where a search
    stops because the only moves that would lower the margin are such steps, a
    ``UserWarning`` says how many samples stopped that way: their failure does not
    show robustness; pass a larger ``step``.

    Both searches make each move without looking at the budget, so one run at the
    largest budget gives the success rate at every smaller one
    (``success_rate_at``).

    References
    ----------
    W. Fleshman, E. Raff, R. Zak, M. McLean and C. Nicholas, "Non-negative networks
    against adversarial attacks", 2019 (arXiv:1806.06108).

    Daniel Lowd and Christopher Meek, "Good word attacks on statistical spam
    filters", CEAS 2005.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sknonneg.robustness import additive_evasion_attack
    >>> rng = np.random.RandomState(0)
    >>> X = rng.poisson(1.0, size=(300, 6)).astype(float)
    >>> y = (X[:, 0] - X[:, 1] > 0).astype(int)
    >>> clf = LogisticRegression().fit(X, y)
    >>> res = additive_evasion_attack(clf, X, budget=5)
    >>> bool(res.success_rate_ > 0.5)
    True
    >>> bool(np.all(res.cost_ <= 5))
    True
    """
    _check_params(budget, step, method, max_candidates, batch_rows, threshold)
    check_is_fitted(estimator)
    _refuse_text_pipeline(estimator)
    if getattr(estimator, "classes_", None) is None:
        raise ValueError(
            f"additive_evasion_attack attacks classifiers, but "
            f"{type(estimator).__name__} has no classes_: a regressor has no class to "
            "evade (for a monotone regressor, monotonic_cst_ says which features "
            "cannot lower its output).")
    if not any(hasattr(estimator, name) for name in
               ("decision_function", "predict_log_proba", "predict_proba")):
        # Before: an AttributeError from deep inside the search (a hard
        # VotingClassifier has predict only).
        raise ValueError(
            f"additive_evasion_attack scores moves by the target's margin, which "
            f"{type(estimator).__name__} does not give: it needs decision_function, "
            "predict_log_proba or predict_proba (a VotingClassifier: voting='soft').")
    # With budget=np.inf, integers are checked below against upper, which bounds
    # their rise.
    finite_budget = budget if budget < np.inf else 0
    columns = frame_dtypes = frame_index = None
    X_in = X
    if is_polars(X):
        # Attacked as the pandas frame of its columns, X_adv_ given back as
        # polars. Before: AttributeError "'list' object has no attribute 'items'"
        # (a polars frame's dtypes are a list).
        X = polars_to_pandas(X)
    if hasattr(X, "columns") and hasattr(X, "dtypes"):
        # A DataFrame: attacked as numbers, the model called on DataFrames of its
        # columns (before: a ColumnTransformer selecting by name failed on the
        # NumPy copy).
        # A column of numbers held as objects is converted as the estimators'
        # validate_data converts it (check_array, dtype="numeric": float64 for
        # objects, the categories' dtype for a categorical of numbers), and attacked so.
        # Before: refused as non-numeric, although the model took it.
        X, text = _numeric_columns(X)
        if text:
            raise ValueError(
                f"additive_evasion_attack raises numeric features; X has non-numeric "
                f"columns {text}. Attack the numeric columns of a model that reads "
                "them alone, or encode the others first.")
        columns, frame_dtypes, frame_index = list(X.columns), X.dtypes, X.index
        if float(step).is_integer():
            _check_exact_integers(
                [X[c] for c, d in frame_dtypes.items()
                 if _numpy_dtype(d).kind in "iu"], finite_budget)
    check_sparse_structure(X)  # before scipy converts or slices it
    # NaN is a missing value: it stays missing and is never raised (a value
    # filled in is no added word); whether the model reads it (a Pipeline that
    # starts with SimpleImputer) is the model's to say, on the first call.
    # Before: refused here ("Input contains NaN."), even behind an imputer.
    # dtype="numeric", as the estimators validate X: an object array of numbers
    # becomes float64 (before: refused, "X must be numeric, got dtype object"),
    # strings are scikit-learn's error.
    # input_name: "Input X contains infinity ..." as the estimators say it
    # (before: "Input contains infinity ...", naming no argument).
    X = check_array(X, accept_sparse=["csr", "csc", "coo"], dtype="numeric",
                    ensure_all_finite="allow-nan", input_name="X")
    # X_adv_ comes back in the sparse container given: a sparse array (csr_array)
    # for one, a sparse matrix for the other (before: always csr_matrix).
    sparse_array = isinstance(X, sp.sparray)
    if X.dtype.kind not in "iufb":
        raise ValueError(f"X must be numeric, got dtype {X.dtype}.")
    int_input = X.dtype.kind in "iub" and float(step).is_integer()
    if int_input and X.dtype.kind in "iu" and X.shape[0] and columns is None:
        _check_exact_integers([X], finite_budget)
    in_dtype = X.dtype
    X = sp.csr_matrix(X, dtype=np.float64) if sp.issparse(X) else X.astype(np.float64)
    n_samples, n_features = X.shape
    n_in = input_attribute(estimator, "n_features_in_", n_features)
    if n_in != n_features:
        raise ValueError(f"X has {n_features} features, but {type(estimator).__name__} "
                         f"is expecting {n_in} features as input.")
    classes = np.asarray(estimator.classes_)
    if is_multilabel(split_pipeline(estimator)[1]):
        # Before: "target_class is required for a model with 10 classes" first,
        # then, with one, this refusal.
        raise ValueError("additive_evasion_attack needs single-label predictions; "
                         "multilabel models are not supported.")
    if target_class is not None and np.ndim(target_class) != 0:
        # Before: [0, 1] broadcast against classes_ ("operands could not be
        # broadcast together") or chose a class by its first match; [[1]] an
        # IndexError deep in the search.
        raise parameter_error("additive_evasion_attack", "target_class",
                              "one class label (a scalar)", target_class)
    if target_class is None:
        if len(classes) != 2:
            raise ValueError("target_class is required for a model with "
                             f"{len(classes)} classes.")
        target_class = classes[1]
    if not np.any(classes == target_class):
        raise parameter_error("additive_evasion_attack", "target_class",
                              f"one of the classes {classes.tolist()}", target_class)
    t = int(np.flatnonzero(classes == target_class)[0])
    allowed = _allowed_mask(features, n_features, estimator)
    kinds = (np.array([_numpy_dtype(d).kind for d in frame_dtypes])
             if frame_dtypes is not None else np.full(n_features, in_dtype.kind))
    boolean, integer = kinds == "b", np.isin(kinds, ("i", "u"))
    given = _check_upper(upper, n_features)
    caps = _integer_caps(in_dtype, frame_dtypes, step, n_features)
    upper = np.minimum(given, caps)
    # A cap of -inf freezes its feature: before, caps were read only when one was
    # finite, so an upper of only +-inf (np.where(frozen, -np.inf, np.inf)) raised
    # the frozen features too.
    capped = bool(np.any(upper < np.inf))
    if budget == np.inf:
        # A feature without a bound is refused before the model is called. A
        # dtype bounds its feature where the search can reach its maximum within
        # 1e9 steps and float64 holds it (booleans always, 8- and 16-bit integers
        # at step 1); larger maxima are no bound here (before: the refusals below
        # asked to "pass a lower upper" of a call without one).
        by_dtype = boolean | (caps <= min(1e9 * step, 2.0 ** 53))
        _moves_under_upper(X, np.zeros(0, dtype=np.intp), allowed,
                           np.where(by_dtype, upper, given), step)
        reach = upper[allowed & integer & (upper > -np.inf)]
        if float(step).is_integer() and reach.size and reach.max() > 2 ** 53:
            # As _check_exact_integers: the raised integers float64 holds.
            raise ValueError(
                f"budget=np.inf raises integer features up to upper "
                f"({reach.max():.6g}), above 2**53: additive_evasion_attack raises "
                "and scores X in float64, which does not hold them exactly, and an "
                "integral step returns them as integers. Pass a lower upper.")
    else:
        n_moves = int(np.floor(budget / step + 1e-9))

    scorer = _Scorer(estimator, t, X, step, columns)

    def flagged(X_rows):
        if threshold is None:
            return np.asarray(estimator.predict(scorer.frame(X_rows)) == target_class)
        return scorer.margin(X_rows) >= threshold

    # The margins of every row of X must be numbers: a NaN one is neither flagged
    # nor not. With threshold they flag the rows (counted in n_queries_, as
    # before); with predict they are scored beside it, outside the search's
    # count, as predict is.
    if threshold is None:
        attacked = flagged(X)
        scores = np.empty(n_samples)
        for chunk in np.array_split(np.arange(n_samples),
                                    max(1, n_samples // batch_rows)):
            if chunk.size:
                scores[chunk] = scorer.margin(X[chunk], count=False)
    else:
        scores = scorer.margin(X)
        attacked = scores >= threshold
    scorer.check_scores(X, scores)
    rows = np.flatnonzero(attacked)
    if rows.size:
        # As budget < step: no allowed feature of any attacked row can take one
        # step under its upper bound (before: 0% success, reported as if
        # attacked). Only the attacked rows count: before, the column minima of
        # all rows were read, so a row the model did not flag could pass the check
        # for rows that could make no move.
        # A missing value (NaN) takes no step: read as +inf here.
        lowest = _missing_as(X[rows], np.inf).min(axis=0)
        lowest = (np.asarray(lowest.todense()).ravel() if sp.issparse(lowest)
                  else lowest)
        # A column of +inf here is missing on every attacked row (X holds no inf).
        # Before, such a call was refused as if upper or an overflowing step left
        # no room ("raises every allowed feature ... past the largest float64").
        if not np.any(allowed & np.isfinite(lowest)):
            raise ValueError("every allowed feature is missing (NaN) on every "
                             "attacked row of X, and a missing value is never "
                             "raised: an attack that can make no move would report "
                             "0% success.")
        with np.errstate(over="ignore"):
            raised = lowest + step
        # upper is the largest value (strictly, here and in the searches). Before,
        # a move to upper + 1e-12 was allowed: features on a scale of 1e-13 were
        # raised to twice their upper, and 0.1 + 0.1 + 0.1 past upper=0.3.
        if not np.any(allowed & (raised <= upper)):
            raise ValueError("upper leaves no allowed feature room for one step on "
                             "any attacked row of X: an attack that can make no "
                             "move would report 0% success.")
        if not np.any(allowed & (raised <= upper) & np.isfinite(raised)):
            # Before: NumPy's overflow warning, then the raised copies, of inf,
            # reached the model ("Input X contains infinity").
            raise ValueError(
                f"step={step!r} raises every allowed feature of every attacked row "
                f"of X past the largest float64 ({_LARGEST:.6g}) or above upper: an "
                "attack that can make no move would report 0% success; use a "
                "smaller step.")
    if budget == np.inf:
        n_moves = _moves_under_upper(X, rows, allowed, upper, step)
    if method == "gradient" and not scorer.has_gradient:
        why = (f"its Pipeline does not give (the attack differentiates through the "
               f"maps the certificate reads: {scorer.no_gradient.rstrip('.')})"
               if scorer.no_gradient and scorer.steps else
               f"{type(scorer.final).__name__} does not give")
        raise ValueError(
            f"method='gradient' needs an input gradient, which {why}; use "
            "method='greedy', which needs scores only."
        )
    state = _State(X, rows, n_moves, step)
    # The attacked rows' margins, already computed above (before: scored again;
    # counted in n_queries_ as then).
    margin = scores[rows].astype(float, copy=True)
    scorer.queries += len(rows)
    margin_before = margin.copy()
    active = np.ones(len(rows), dtype=bool) & (n_moves > 0)
    success = np.zeros(len(rows), dtype=bool)
    flat_rows = np.zeros(len(rows), dtype=bool)
    fixed_candidates = None
    n_allowed = int(allowed.sum())

    # Attacked rows stopped where a move the first-order change says would lower
    # the margin is absorbed by rounding (x + step == x): set when they stop.
    absorbed_rows = np.zeros(len(rows), dtype=bool)
    # Attacked rows stopped where a move was ruled out because its outcome is not
    # finite, or because the model would refuse it: set when they stop.
    refused_rows = np.zeros(len(rows), dtype=bool)
    # x + step == x needs |x| >= 2 * step * 2**52; no value of the search exceeds
    # max |X| + budget (with a margin of 2 for rounding): most inputs skip the
    # check.
    if rows.size:
        top = abs(_missing_as(X[rows], 0.0)).max()
        # Python floats: NumPy scalars (a budget of np.float64) warned on overflow.
        reach = float(budget) if budget < np.inf else n_moves * float(step)
        may_absorb = not (float(top) + 2 * reach) * 2.0 ** -52 < step
        # Nor can x + step pass the largest float64 below half of it.
        may_overflow = not 2.0 * (float(top) + reach + float(step)) < _LARGEST
    else:
        may_absorb = may_overflow = False

    def skip_absorbed(Xc, change):
        """Rule out, in ``change``, the moves that would not change ``Xc``; per row,
        whether one of them would have lowered the margin. Before, the gradient
        search made them (its first-order change stays negative), counted each as
        a step of cost and looped on them until the budget ran out: X_adv_
        unchanged, cost_ the whole budget, a run time linear in the budget."""
        lost = np.zeros(Xc.shape[0], dtype=bool)
        # A missing value stays missing: never raised (its move would leave the
        # imputed row as it is, a step of cost that changes nothing).
        change[_missing(Xc)] = np.inf
        if may_overflow:
            # Not allowed, as a move past upper (not absorbed: no warning of it).
            # Before: made, with NumPy's overflow warning, and the rows of inf
            # given to the model failed there ("Input X contains infinity").
            change[_overflowing(Xc, step)] = np.inf
        if not may_absorb:
            return lost
        r, c = _absorbed(Xc, step)
        # Without an input gradient, any allowed move might have lowered it.
        lowers = change[r, c] < 0 if scorer.has_gradient else np.isfinite(change[r, c])
        lost[r[lowers]] = True
        change[r, c] = np.inf
        return lost

    def candidates(Xc, idx, full):
        """(n_rows, K) candidate features (-1: none), and per row whether a move
        that would lower the margin was ruled out as absorbed."""
        if scorer.has_gradient and not full:
            change = scorer.first_order(Xc)
        elif fixed_candidates is not None and not full:
            return fixed_candidates[idx], np.zeros(idx.size, dtype=bool)
        else:
            change = np.zeros((Xc.shape[0], n_features))
        change[:, ~allowed] = np.inf
        lost = skip_absorbed(Xc, change)
        k = min(max_candidates if scorer.has_gradient or not full else n_allowed,
                n_allowed)
        if k == 0:
            return np.full((Xc.shape[0], 1), -1), lost
        cand = np.argpartition(change, k - 1, axis=1)[:, :k]
        cand = np.where(np.isfinite(np.take_along_axis(change, cand, axis=1)), cand, -1)
        return cand, lost

    for round_ in range(n_moves):
        idx_all = np.flatnonzero(active)
        if idx_all.size == 0:
            break
        moved = []
        per_call = max(1, batch_rows // (max_candidates if method == "greedy" else 1))
        for idx in np.array_split(idx_all, int(np.ceil(idx_all.size / per_call))):
            Xc = state.current(idx)
            if method == "gradient":
                change = scorer.first_order(Xc)
                change[:, ~allowed] = np.inf
                if capped:
                    with np.errstate(over="ignore"):  # inf > upper: not allowed
                        change[:, :] = np.where(
                            (Xc.toarray() if state.sparse else Xc) + step
                            > upper, np.inf, change)
                lost = skip_absorbed(Xc, change)
                best = np.argmin(change, axis=1)
                gain = change[np.arange(idx.size), best]
                go = gain < 0
                ruled = np.zeros(idx.size, dtype=bool)
                while go.any():
                    # A move whose outcome is not finite, or that the model
                    # would refuse, is not allowed: the next best instead.
                    # Before: made, NumPy's "invalid value" warnings leaked from
                    # the network's copy, or the model refused the raised copy
                    # ("Input X has values too large for the fitted network").
                    at = np.flatnonzero(go)
                    bad = scorer.refused(_with_moves(Xc, at, best[at], step))
                    if not bad.any():
                        break
                    at = at[bad]
                    change[at, best[at]] = np.inf
                    ruled[at] = True
                    best[at] = np.argmin(change[at], axis=1)
                    gain[at] = change[at, best[at]]
                    go[at] = gain[at] < 0
                active[idx[~go]] = False
                absorbed_rows[idx[~go]] = lost[~go]
                refused_rows[idx[~go]] = ruled[~go]
                if go.any():
                    at = np.flatnonzero(go)
                    state.move(idx[go], best[go], _values_at(Xc, at, best[go]))
                    moved.append(idx[go])
                continue
            full = not scorer.has_gradient and round_ == 0
            cand, lost = candidates(Xc, idx, full)
            n_c = cand.shape[1]
            rep = np.repeat(np.arange(idx.size), n_c)
            flat = cand.ravel()
            ok = flat >= 0
            values = np.full(flat.shape, np.inf)
            values[ok] = _values_at(Xc, rep[ok], flat[ok])
            with np.errstate(over="ignore"):
                raised = values + step
            # A fixed candidate of an earlier round can have become absorbed, or
            # its move pass the largest float64 (never made, as past upper).
            absorbed_flat = ok & (raised == values)
            # A missing value (a fixed candidate's) is never raised either.
            flat = np.where(absorbed_flat | np.isinf(raised) | np.isnan(raised), -1,
                            flat)
            if capped:
                flat = np.where(raised <= upper[np.maximum(flat, 0)],
                                flat, -1)
            scores = np.empty(flat.shape[0])
            for part in np.array_split(np.arange(flat.shape[0]),
                                       int(np.ceil(flat.shape[0] / batch_rows))):
                scores[part] = scorer.margin(_with_moves(Xc, rep[part], flat[part],
                                                         step))
            # NaN: a move whose outcome is not finite, or that the model would
            # refuse (Scorer.margin): not allowed, as one past upper.
            refused_flat = (flat >= 0) & np.isnan(scores)
            scores[(flat < 0) | refused_flat] = np.inf
            scores = scores.reshape(idx.size, n_c)
            ruled = refused_flat.reshape(idx.size, n_c).any(axis=1)
            if full:
                top = min(max_candidates, n_c)
                order = np.argpartition(scores, top - 1, axis=1)[:, :top]
                if fixed_candidates is None:
                    fixed_candidates = np.full((len(rows), top), -1)
                fixed_candidates[idx] = np.take_along_axis(cand, order, axis=1)
            best = np.argmin(scores, axis=1)
            best_score = scores[np.arange(idx.size), best]
            go = best_score < margin[idx]
            # Stopped on a plateau: every candidate move left the score as it was
            # (a leaf of a tree, a nearest neighbour, a probability of exactly 0 or
            # 1: inf == inf). Not where a move raised it: a certified model's rows
            # stop there.
            # Only for models without an input gradient: with one, the candidates
            # are the moves of least first-order change, and where they all leave
            # the score as it is, so does every move that could lower it (a
            # certified network's candidates are its words of weight 0; before,
            # all 1099 failures of one were warned of as plateaus).
            if not scorer.has_gradient:
                valid = (flat >= 0).reshape(idx.size, n_c)
                same = scores == margin[idx][:, None]
                flat_rows[idx[~go & np.any(valid, axis=1)
                              & np.all(same | ~valid, axis=1)]] = True
                # Without a gradient, absorption stopped a row when it left the
                # row no candidate (before: those candidates were dropped
                # silently, a 0% success rate without a warning).
                lost = ~np.any(valid, axis=1) & (
                    lost | np.any(absorbed_flat.reshape(idx.size, n_c), axis=1))
            active[idx[~go]] = False
            absorbed_rows[idx[~go]] = lost[~go]
            refused_rows[idx[~go]] = ruled[~go]
            if go.any():
                at = np.flatnonzero(go)
                chosen = best[go]
                state.move(idx[go], cand[at, chosen],
                           values.reshape(idx.size, n_c)[at, chosen])
                margin[idx[go]] = best_score[go]
                moved.append(idx[go])
        if moved:
            moved = np.concatenate(moved)
            flipped = ~flagged(state.current(moved))
            success[moved[flipped]] = True
            active[moved[flipped]] = False
        active &= state.n_done < n_moves

    # Assemble the perturbed samples: the attacked rows are the rows the search
    # scored (before: X + n_moves * step, added in one go, which rounds otherwise
    # than the search's one step at a time, so success_ could contradict
    # predict(X_adv_) and margin_after_).
    adv_rows = state.current(np.arange(len(rows)))
    if sp.issparse(X):
        index = np.arange(n_samples)
        index[rows] = n_samples + np.arange(len(rows))
        X_adv = sp.vstack([X, adv_rows], format="csr")[index]
    else:
        X_adv = X.copy()
        X_adv[rows] = adv_rows
    # success_, margin_after_ and cost_ describe X_adv_ itself, judged anew on it.
    cost = np.zeros(n_samples)
    succ = np.zeros(n_samples, dtype=bool)
    before = np.full(n_samples, np.nan)
    after = np.full(n_samples, np.nan)
    before[rows] = margin_before
    if rows.size:
        # Row sums of the difference, sparse for a sparse X (before: .toarray(),
        # attacked rows x features dense, 1.5 GB for 4000 rows of 100,000
        # features). adv_rows are X_adv_'s attacked rows, before any integer cast.
        # inf where the increase passes the largest float64 (with
        # budget=np.inf; before: NumPy's overflow warning).
        with np.errstate(over="ignore"):
            # Missing values are never raised: NaN - NaN counts 0.
            cost[rows] = np.asarray(_missing_as(adv_rows - X[rows], 0.0)
                                    .sum(axis=1)).ravel()
        after[rows] = scorer.margin(adv_rows)
        if threshold is None:
            succ[rows] = np.asarray(
                estimator.predict(scorer.frame(adv_rows)) != target_class)
        else:
            succ[rows] = after[rows] < threshold
    success = succ[rows]
    n_steps = np.zeros(n_samples, dtype=np.int64)
    n_steps[rows] = state.n_done
    if int_input:
        X_adv = X_adv.astype(in_dtype)

    n_flat = int(np.sum(flat_rows & ~success))
    if n_flat:
        # Before: these rows read as failures of the attack like any other, so a
        # fully grown tree or a 1-nearest-neighbour model looked robust (53% and 26%
        # evaded where a brute force over the same budget evades 98%).
        warnings.warn(
            f"additive_evasion_attack: {n_flat} of the {rows.size} attacked samples "
            "were not evaded because the greedy search stopped where no candidate "
            "move changed the model's score (saturated or piecewise-constant scores: "
            "decision trees, nearest neighbours, isotonic calibration, probabilities "
            "of exactly 0 or 1); a search by single moves cannot tell such a plateau "
            "from features the model does not read, so their failure does not show "
            "robustness. Attack a "
            "model with graded scores (a smooth surrogate fitted to this model's "
            "predictions, or the uncalibrated classifier), or pass a larger step.",
            UserWarning, stacklevel=user_stacklevel())
    _warn_stopped(
        absorbed_rows & ~success, rows.size,
        f"a step of {step!r} is too small to change the features whose rise would "
        "lower the margin (x + step == x in float64: the step is at most half the "
        "value's unit in the last place)",
        "Pass a larger step, or attack features on a smaller scale.")
    # Before: such moves were made, with NumPy's "invalid value" warnings from the
    # network's copy, or the model refused the raised copy.
    _warn_stopped(
        refused_rows & ~success, rows.size,
        f"moves by a step of {step!r} were not allowed: their outcome is not finite "
        "in float64 (a hidden unit or a logit of the network overflows) or the "
        "model refuses them as values too large for the fitted network",
        "Pass a smaller step (or upper), or attack features on a smaller scale.")

    if columns is not None:
        import pandas as pd

        if sp.issparse(X_adv):
            # A DataFrame of sparse columns, given as such: its sparse columns come
            # back sparse (before: refused, "Cannot interpret 'Sparse[int64, 0]'
            # as a data type").
            X_adv = pd.DataFrame.sparse.from_spmatrix(X_adv, index=frame_index,
                                                      columns=columns)
        else:
            X_adv = pd.DataFrame(X_adv, columns=columns, index=frame_index)
        whole = float(step).is_integer()
        dtypes = {}
        for c, d in frame_dtypes.items():
            if whole and getattr(d, "kind", "O") in "iub":
                # Integer and boolean columns keep their dtypes (a whole step
                # keeps them whole, and booleans stop at 1).
                dtypes[c] = d
            elif isinstance(d, pd.SparseDtype):
                # Raised in float64 (see X_adv_), still sparse.
                # (update_dtype converts the fill value: a boolean column's False
                # is refused as a float64 one's.)
                dtypes[c] = d.update_dtype(np.float64)
        X_adv = from_pandas_like(X_adv.astype(dtypes), X_in)
    elif sparse_array:
        X_adv = sp.csr_array(X_adv)
    rate = float(succ.sum() / rows.size) if rows.size else float("nan")
    return EvasionResult(
        X_adv_=X_adv, attacked_=attacked, success_=succ, success_rate_=rate,
        cost_=cost, n_steps_=n_steps, margin_before_=before, margin_after_=after,
        n_queries_=int(scorer.queries), budget=budget, step=step, method=method,
        target_class=target_class,
    )
