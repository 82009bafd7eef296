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
of training; :func:`fitted_gain` takes ``gain_`` when the estimator has one and
otherwise finds the gain of sigmoid units from the public ``transform`` (the last
hidden layer's activations), checking the result against the estimator's own
``decision_function``.
"""

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.special import expit, logit, logsumexp

__all__ = ["Network", "SoftVote", "dense_coef", "fitted_gain", "network_of",
           "soft_vote_members"]


def _relu(t):
    return np.maximum(t, 0.0)


def _relu_grad(t, a):
    return (t > 0).astype(t.dtype)


def _identity_grad(t, a):
    return np.ones_like(t)


def _tanh_grad(t, a):
    return 1.0 - a * a


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
        if activation == "logistic":
            self._f = lambda t: expit(g * t)
            self._df = lambda t, a: g * a * (1.0 - a)
        else:
            f, df = {
                "tanh": (np.tanh, _tanh_grad),
                "relu": (_relu, _relu_grad),
                "identity": (lambda t: t, _identity_grad),
            }[activation]
            if g == 1.0:
                self._f, self._df = f, df
            else:
                self._f = lambda t: f(g * t)
                self._df = lambda t, a: g * df(g * t, a)

    def forward(self, X):
        """Pre-activations and activations of every hidden layer, and the logits."""
        pre, act = [], []
        a = X
        for W, b in zip(self.coefs[:-1], self.intercepts[:-1]):
            t = np.asarray(a @ W) + b
            a = self._f(t)
            pre.append(t)
            act.append(a)
        logits = np.asarray(a @ self.coefs[-1]) + self.intercepts[-1]
        return pre, act, logits

    def logits(self, X):
        """Output-layer pre-activations, shape (n_samples, n_outputs)."""
        return self.forward(X)[2]

    def input_gradient(self, X, output_weights):
        """Gradient of ``sum_k output_weights[i, k] * logits[i, k]`` with respect to
        row ``i`` of ``X``, for every row: ndarray of shape (n_samples, n_features)."""
        pre, act, _ = self.forward(X)
        delta = np.asarray(output_weights, dtype=np.float64)
        for layer in range(len(self.coefs) - 1, 0, -1):
            delta = (delta @ self.coefs[layer].T) * self._df(pre[layer - 1],
                                                               act[layer - 1])
        return delta @ self.coefs[0].T


def _hidden_of(network, X):
    return network.forward(X)[1][-1]


def fitted_gain(estimator, X_probe):
    """The gain of a fitted :class:`~sknonneg.NonNegMLPClassifier`'s hidden sigmoids.

    ``estimator.gain_`` when present. Otherwise the value that makes the public
    ``transform`` (last hidden layer) match a NumPy forward pass on ``X_probe``: the
    ``gain`` parameter (or the end of its annealing pair) when it matches, else the
    least-squares fit over ``log(gain)``. The result is checked against the
    estimator's ``decision_function``; a mismatch raises ``RuntimeError``.
    """
    if hasattr(estimator, "gain_"):
        return float(estimator.gain_)
    coefs, intercepts = estimator.coefs_, estimator.intercepts_
    X_probe = X_probe[: min(X_probe.shape[0], 256)]
    X_probe = X_probe.astype(np.float64)
    target = np.asarray(estimator.transform(X_probe), dtype=np.float64)
    float32 = np.dtype(estimator.get_params().get("dtype", "float64")) == np.float32
    tol = 1e-3 if float32 else 1e-8

    def error(g):
        hidden = _hidden_of(Network(coefs, intercepts, "logistic", g), X_probe)
        return float(np.max(np.abs(hidden - target))) if hidden.size else 0.0

    param = estimator.get_params().get("gain", 1.0)
    candidates = [float(param)] if np.isscalar(param) else [float(g) for g in
                                                             np.ravel(param)[::-1]]
    gain = next((g for g in candidates if error(g) <= tol), None)
    if gain is None:
        # The annealing stopped early (early stopping, partial_fit): fit log(gain).
        clipped = np.clip(target, 1e-12, 1 - 1e-12)

        def sq_error(log_g):
            hidden = _hidden_of(Network(coefs, intercepts, "logistic", np.exp(log_g)),
                                X_probe)
            return float(np.sum((logit(np.clip(hidden, 1e-12, 1 - 1e-12))
                                 - logit(clipped)) ** 2))

        grid = np.linspace(np.log(1e-3), np.log(1e3), 121)
        best = grid[int(np.argmin([sq_error(v) for v in grid]))]
        res = minimize_scalar(sq_error, bounds=(best - 0.06, best + 0.06),
                              method="bounded", options={"xatol": 1e-12})
        gain = float(np.exp(res.x))
    logits = Network(coefs, intercepts, "logistic", gain).logits(X_probe)
    own = np.asarray(estimator.decision_function(X_probe), dtype=np.float64)
    ours = _as_decision(logits, estimator)
    scale = 1.0 + np.max(np.abs(own), initial=0.0)
    if np.max(np.abs(own - ours), initial=0.0) > (1e-3 if float32 else 1e-6) * scale:
        raise RuntimeError(
            f"Could not reproduce {type(estimator).__name__}.decision_function from "
            "its public fitted attributes (coefs_, intercepts_, gain); the input "
            "gradient is unavailable. Use method='greedy', which needs scores only."
        )
    return gain


def _as_decision(logits, estimator):
    """Logits shaped as the estimator's ``decision_function`` returns them."""
    if logits.shape[1] == 1:
        return logits.ravel()
    if logits.shape[1] == 2 and len(estimator.classes_) == 2:
        return logits[:, 1] - logits[:, 0]
    return logits


def dense_coef(estimator):
    """A linear model's ``coef_`` as a float64 ndarray: a copy of it when
    ``sparsify()`` made it a SciPy sparse matrix (of shape ``(n_rows,
    n_features)``), which ``np.asarray`` turned into an object array ("setting an
    array element with a sequence")."""
    coef = estimator.coef_
    if sp.issparse(coef):
        coef = coef.toarray()
    return np.asarray(coef, dtype=np.float64)


def soft_vote_members(voting):
    """``[(name, fitted member, weight)]`` of a fitted VotingClassifier, dropped
    members left out, with the weights its ``predict_proba`` uses."""
    members = [(name, voting.named_estimators_[name]) for name, _ in voting.estimators]
    weights = [1.0] * len(members) if voting.weights is None else list(voting.weights)
    return [(name, est, float(w)) for (name, est), w in zip(members, weights)
            if not (isinstance(est, str) and est == "drop")]


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

    def logits(self, X):
        """The vote's log-odds ``log(P1 / P0)``, shape (n_samples, 1)."""
        s, _ = self._members(X)
        _, _, log_a, log_b = self._log_parts(s)
        return (log_a - log_b)[:, None]

    def input_gradient(self, X, output_weights):
        """Gradient of ``output_weights[i, 0] * log(P1 / P0)`` with respect to row
        ``i`` of ``X``: ``sum_i w_i p_i (1 - p_i) grad s_i (1 / A + 1 / B)`` with
        ``A = sum_i w_i p_i`` and ``B = sum_i w_i (1 - p_i)``."""
        s, grads = self._members(X, gradient=True)
        log_p, log_q, log_a, log_b = self._log_parts(s)
        both = log_p + log_q - self.log_w
        coef = np.exp(both - log_a[:, None]) + np.exp(both - log_b[:, None])
        grad = sum(c[:, None] * g for c, g in zip(coef.T, grads))
        return np.asarray(output_weights, dtype=np.float64)[:, :1] * grad


def _soft_vote_of(voting, X_probe):
    """A :class:`SoftVote` for a fitted binary ``VotingClassifier(voting="soft")``
    whose members (positive weights) are bare networks or ``LogisticRegression``
    (whose probabilities are the sigmoid of their log-odds), else None."""
    from sklearn.linear_model import LogisticRegression

    if voting.voting != "soft" or len(voting.classes_) != 2 or X_probe is None:
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
            net = network_of(member, X_probe)
        if net is None or net.coefs[-1].shape[1] > 2:
            return None
        networks.append(net)
        weights.append(w)
    return SoftVote(networks, weights) if networks else None


def network_of(estimator, X_probe=None):
    """A :class:`Network` for a fitted NonNegMLPClassifier or scikit-learn
    MLPClassifier, a :class:`SoftVote` for a soft vote of those, else None."""
    from sklearn.ensemble import VotingClassifier
    from sklearn.neural_network import MLPClassifier

    from ..neural_network import NonNegMLPClassifier

    if isinstance(estimator, VotingClassifier):
        return _soft_vote_of(estimator, X_probe)

    if isinstance(estimator, NonNegMLPClassifier):
        if X_probe is None:
            raise ValueError("X_probe is needed to recover the fitted gain")
        if sp.issparse(X_probe):
            X_probe = sp.csr_matrix(X_probe)
        return Network(estimator.coefs_, estimator.intercepts_,
                       getattr(estimator, "activation_", "logistic"),
                       fitted_gain(estimator, X_probe))
    if isinstance(estimator, MLPClassifier):
        return Network(estimator.coefs_, estimator.intercepts_, estimator.activation)
    return None
