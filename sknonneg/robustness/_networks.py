"""Plain-NumPy forward and backward passes of fitted networks, from public attributes.

The robustness tools need the input gradient of a classifier's logits. They compute it
here from what a fitted network exposes -- ``coefs_``, ``intercepts_`` and, for
scikit-learn's :class:`~sklearn.neural_network.MLPClassifier`, ``activation`` -- and
never from an estimator's private engine, so that they stay right whatever the engine
becomes.

With hidden activations ``a_0 = x``, ``a_l = f(a_{l-1} W_l + b_l)`` and logits
``z = a_{L-1} W_L + b_L``, the gradient of ``u . z`` (``u`` one row of output weights
per sample) with respect to ``x`` is obtained by the backward recursion
``delta_L = u``, ``delta_{l-1} = (delta_l W_l^T) * f'(t_{l-1})`` and
``grad_x = delta_1 W_1^T``, ``t_l`` being the pre-activations.

sknonneg's :class:`~sknonneg.NonNegMLPClassifier` uses ``f(gain * t)``, ``f`` its
fitted ``activation_`` (the sigmoid by default), with the gain it reached at the end
of training, its public ``gain_``. The activations, with their slopes written with
their outputs, are ``sknonneg._activations.DENSE`` (scikit-learn's four names).
"""

import numpy as np
import scipy.sparse as sp
from scipy.special import logsumexp

from .. import _activations

__all__ = ["Network", "SoftVote", "dense_coef", "network_of", "soft_vote_members"]


class Network:
    """A fitted feed-forward network: weights, biases and one hidden activation.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        ``coefs[l]`` of shape (n_in, n_out) and ``intercepts[l]`` of shape (n_out,).
    activation : {"logistic", "tanh", "relu", "identity"}
        Activation of every hidden layer.
    gain : float, default=1.0
        Hidden units compute ``f(gain * t)`` (scikit-learn's MLP: 1).
    """

    def __init__(self, coefs, intercepts, activation, gain=1.0):
        self.coefs = [np.asarray(c, dtype=np.float64) for c in coefs]
        self.intercepts = [np.asarray(b, dtype=np.float64) for b in intercepts]
        self.activation = activation
        self.gain = float(gain)
        g = self.gain
        act = _activations.DENSE[activation]
        self._f = lambda t: act.function(g * t)
        # f'(g t) g, from the outputs a = f(g t) (the pre-activations t unused).
        self._df = lambda t, a: act.derivative(a, g)

    def forward(self, X):
        """Pre-activations and activations of every hidden layer, and the logits.

        A sum beyond the float64 range is +-inf, as in scikit-learn's
        ``MLPClassifier`` (the attack scores raised copies of ``X``, up to
        1.8e308), and a sigmoid or tanh reads it as its limit; before, NumPy's
        overflow warning leaked. A sum of both infinities, or an infinite unit
        times a weight of 0, is NaN, without NumPy's "invalid value" warning
        (before, it leaked from a relu network driven to infinite units):
        :meth:`logits` marks such rows."""
        pre, act = [], []
        a = X
        with np.errstate(over="ignore", invalid="ignore"):
            for W, b in zip(self.coefs[:-1], self.intercepts[:-1]):
                t = np.asarray(a @ W) + b
                a = self._f(t)
                pre.append(t)
                act.append(a)
            logits = np.asarray(a @ self.coefs[-1]) + self.intercepts[-1]
        return pre, act, logits

    def logits(self, X):
        """Output-layer pre-activations, shape (n_samples, n_outputs): NaN on every
        row where a hidden unit's output or a logit is not finite (a relu unit
        driven to inf, inf - inf), whose logits mean nothing."""
        _, act, logits = self.forward(X)
        bad = ~np.isfinite(logits).all(axis=1)
        for a in act:
            bad |= ~np.isfinite(a).all(axis=1)
        if bad.any():
            logits = np.array(logits, dtype=np.float64)
            logits[bad] = np.nan
        return logits

    def input_gradient(self, X, output_weights):
        """Gradient of ``sum_k output_weights[i, k] * logits[i, k]`` with respect to
        row ``i`` of ``X``, for every row: ndarray of shape (n_samples, n_features)
        (not finite on a row whose hidden units are not, without NumPy's
        warnings)."""
        pre, act, _ = self.forward(X)
        delta = np.asarray(output_weights, dtype=np.float64)
        with np.errstate(over="ignore", invalid="ignore"):
            for layer in range(len(self.coefs) - 1, 0, -1):
                delta = (delta @ self.coefs[layer].T) * self._df(pre[layer - 1],
                                                                   act[layer - 1])
            return delta @ self.coefs[0].T


def dense_coef(estimator):
    """A linear model's ``coef_`` as a float64 ndarray of shape ``(n_rows,
    n_features)``: a copy of it when ``sparsify()`` made it a SciPy sparse matrix,
    which ``np.asarray`` turned into an object array ("setting an array element
    with a sequence"); a 1-D ``coef_`` as one row. A 1-D ``coef_`` is one score, as
    a row of shape ``(1, n_features)`` is: a single-target regressor's prediction,
    or a binary classifier's score of ``classes_[1]`` (scikit-learn's
    ``RidgeClassifier`` and ``RidgeClassifierCV`` fit a binary problem to a 1-D
    ``coef_``; before, the certificate took its length for a number of rows and
    refused it as not binary, and the attack failed inside NumPy's matmul)."""
    coef = estimator.coef_
    if sp.issparse(coef):
        coef = coef.toarray()
    coef = np.asarray(coef, dtype=np.float64)
    if coef.ndim != 2:
        if coef.ndim != 1:
            raise ValueError(f"{type(estimator).__name__} has a coef_ of shape "
                             f"{coef.shape}; a linear model's coef_ has one or two "
                             "dimensions.")
        coef = coef.reshape(1, -1)
    return coef


def _dropped(est):
    return isinstance(est, str) and est == "drop"


def soft_vote_members(voting):
    """``[(name, fitted member, weight)]`` of a fitted VotingClassifier, dropped
    members left out, paired as its ``predict_proba`` pairs them: the fitted
    members in the order of the fit (``estimators_``), each with the weight at its
    place among the current ``estimators`` that are not dropped.

    Before, each fitted member was looked up by its name in the current
    ``estimators`` and given the weight beside it there: after
    ``set_params(estimators=...)`` reordered them, a member was paired with another
    member's weight, and ``exact_`` (which leaves out members of weight 0) was read
    off weights that ``predict_proba`` does not use. Where the members and the
    weights no longer pair up at all, ``predict_proba`` fails, and this raises."""
    fitted = list(voting.estimators_)
    names = [name for name, est in voting.named_estimators_.items() if not _dropped(est)]
    if voting.weights is None:
        weights = [1.0] * len(fitted)
    else:
        weights = [w for (_, est), w in zip(voting.estimators, voting.weights)
                   if not _dropped(est)]
    if not len(names) == len(weights) == len(fitted):
        raise ValueError(
            f"{type(voting).__name__} has {len(fitted)} fitted members but "
            f"{len(weights)} weights for its current estimators: its estimators or "
            "weights were changed since its fit, and its predict_proba cannot pair "
            "them. Refit it.")
    return [(name, est, float(w)) for name, est, w in zip(names, fitted, weights)]


class SoftVote:
    """Log-odds of a binary soft vote of networks, and its input gradient.

    ``P(classes_[1]) = sum_i w_i sigmoid(s_i) / sum_i w_i`` with ``s_i`` member
    ``i``'s log-odds; :meth:`logits` returns ``log(P1 / P0)`` as one column, computed
    with log-sum-exp so that it stays finite where the probabilities round to 0 or 1.

    Parameters
    ----------
    networks : list of Network
        The members, each with one logit column (its log-odds) or two (a softmax,
        log-odds ``z_1 - z_0``).
    weights : array-like of shape (n_members,)
        Positive vote weights.
    """

    def __init__(self, networks, weights):
        self.networks = list(networks)
        self.log_w = np.log(np.asarray(weights, dtype=np.float64))

    def _members(self, X, gradient=False):
        s, g = [], []
        for net in self.networks:
            z = net.logits(X)
            u = np.array([1.0]) if z.shape[1] == 1 else np.array([-1.0, 1.0])
            s.append(z @ u)
            if gradient:
                g.append(net.input_gradient(X, np.tile(u, (X.shape[0], 1))))
        return np.column_stack(s), g

    def _log_parts(self, s):
        log_p = -np.logaddexp(0.0, -s) + self.log_w  # log(w_i sigmoid(s_i))
        log_q = -np.logaddexp(0.0, s) + self.log_w  # log(w_i sigmoid(-s_i))
        return log_p, log_q, logsumexp(log_p, axis=1), logsumexp(log_q, axis=1)

    def _clean(self, s):
        """``s`` with its rows where a member's log-odds are NaN (see
        :meth:`Network.logits`) set to 0, and those rows, so that the vote's
        formulas run without NumPy's warnings; the caller makes them NaN."""
        bad = np.isnan(s).any(axis=1)
        if bad.any():
            s = s.copy()
            s[bad] = 0.0
        return s, bad

    def logits(self, X):
        """The vote's log-odds ``log(P1 / P0)``, shape (n_samples, 1); NaN where a
        member's are."""
        s, _ = self._members(X)
        s, bad = self._clean(s)
        _, _, log_a, log_b = self._log_parts(s)
        out = (log_a - log_b)[:, None]
        out[bad] = np.nan
        return out

    def input_gradient(self, X, output_weights):
        """Gradient of ``output_weights[i, 0] * log(P1 / P0)`` with respect to row
        ``i`` of ``X``: ``sum_i w_i p_i (1 - p_i) grad s_i (1 / A + 1 / B)`` with
        ``A = sum_i w_i p_i`` and ``B = sum_i w_i (1 - p_i)``."""
        s, grads = self._members(X, gradient=True)
        s, bad = self._clean(s)
        log_p, log_q, log_a, log_b = self._log_parts(s)
        both = log_p + log_q - self.log_w
        coef = np.exp(both - log_a[:, None]) + np.exp(both - log_b[:, None])
        with np.errstate(over="ignore", invalid="ignore"):
            grad = sum(c[:, None] * g for c, g in zip(coef.T, grads))
            grad = np.asarray(output_weights, dtype=np.float64)[:, :1] * grad
        grad[bad] = np.nan
        return grad


def _soft_vote_of(voting):
    """A :class:`SoftVote` for a fitted binary ``VotingClassifier(voting="soft")``
    whose members (positive weights) are bare networks or ``LogisticRegression``
    (whose probabilities are the sigmoid of their log-odds), else None."""
    from sklearn.linear_model import LogisticRegression

    if voting.voting != "soft" or len(voting.classes_) != 2:
        return None
    networks, weights = [], []
    for _, member, w in soft_vote_members(voting):
        if not w > 0:
            if w == 0:
                continue
            return None
        if isinstance(member, LogisticRegression) and member.coef_.shape[0] == 1:
            net = Network([dense_coef(member).T], [member.intercept_], "identity")
        else:
            net = network_of(member)
        if net is None or net.coefs[-1].shape[1] > 2:
            return None
        networks.append(net)
        weights.append(w)
    return SoftVote(networks, weights) if networks else None


def network_of(estimator):
    """A :class:`Network` for a fitted NonNegMLPClassifier or scikit-learn
    MLPClassifier, a :class:`SoftVote` for a soft vote of those, else None."""
    from sklearn.ensemble import VotingClassifier
    from sklearn.neural_network import MLPClassifier

    from ..neural_network import NonNegMLPClassifier
    from ..neural_network._dense import fitted_network

    if isinstance(estimator, VotingClassifier):
        return _soft_vote_of(estimator)

    if isinstance(estimator, NonNegMLPClassifier):
        # The network it predicts with (fitted_network), not its public lists.
        return Network(*fitted_network(estimator)[:2],
                       getattr(estimator, "activation_", "logistic"),
                       # The gain prediction uses (the end of the schedule the fit
                       # reached), whatever set_params(gain=...) said since.
                       float(estimator.gain_))
    if isinstance(estimator, MLPClassifier):
        return Network(estimator.coefs_, estimator.intercepts_, estimator.activation)
    return None
