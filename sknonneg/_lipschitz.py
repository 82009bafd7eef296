"""Lipschitz bounds of fitted networks, their gradients, and certified radii.

Everything is in the L2 norm, for the logits as a function of the input, with weight
matrices in scikit-learn's row convention (``outputs = inputs @ coef``): the Jacobian
of a network is ``W_1 D_1 W_2 ... D_{L-1} W_L`` read right to left, with diagonal
``D_l`` holding the activations' slopes.

Two facts do the work (Combettes & Pesquet 2020; Vasilescu, Neacsu & Pesquet 2024):

- Non-negative layers. If every ``W_l >= 0`` and each slope lies in ``[0, k_l]``,
  then ``|J v| <= (prod k_l) W_1 ... W_L |v|`` entrywise, so
  ``||J|| <= (prod k_l) ||W_1 ... W_L||``: the norm of one product, not the product of
  the norms (eq. 3, the "separable" bound). The same argument works on any run of
  consecutive sign-constrained layers, with ``|W_l|``.
- ABBA layers. ``M = [[A, B], [B, A]]`` is block-diagonalised by the orthogonal map
  ``[[I, I], [I, -I]] / sqrt(2)`` into ``A + B`` and ``A - B``; products of ABBA
  matrices are ABBA with ``S(M M') = S(M) S(M')``, ``S(M) = A + B``, and for
  ``A, B >= 0``, ``||A - B|| <= ||A + B||``. Hence Proposition 3.3: an ABBA network
  with non-expansive activations has the Lipschitz constant
  ``||W_out|| ||S(M_L) ... S(M_1)|| ||W_in||``, where the doubling map
  ``[I; -I]`` has norm ``sqrt(2)`` and the halving map ``[I, -I] / 2`` has norm
  ``1 / sqrt(2)``: the two cancel.

In an ABBA network the first layer meets the doubled input ``[x; -x]`` and the last
one feeds the halving map, so both act only through ``A - B``; their ``A + B`` is
free. Taken at its least, ``A = (A - B)^+`` and ``B = (A - B)^-``, it is ``|A - B|``:
the factors used below (and the form the fitted estimator stores) are
``|A_1 - B_1|, A_2 + B_2, ..., A_{L-1} + B_{L-1}, |A_L - B_L|``.
"""

import math

import numpy as np

__all__ = [
    "spectral_norm",
    "chain_product",
    "product_norm",
    "product_norm_grad",
    "abba_factors",
    "abba_factor_grads",
    "abba_bounds",
    "bound_scale",
    "mlp_lipschitz_bound",
    "certified_radius",
]


def spectral_norm(matrix):
    """Largest singular value, exactly (LAPACK SVD)."""
    matrix = np.asarray(matrix, dtype=np.float64)
    if matrix.size == 0:
        return 0.0
    return float(np.linalg.svd(matrix, compute_uv=False)[0])


def chain_product(factors):
    """``factors[0] @ factors[1] @ ... @ factors[-1]``, multiplied from the right
    (networks narrow towards the output, so every intermediate stays small)."""
    product = np.asarray(factors[-1], dtype=np.float64)
    for factor in factors[-2::-1]:
        product = np.asarray(factor, dtype=np.float64) @ product
    return product


def product_norm(factors):
    """``||factors[0] @ ... @ factors[-1]||_2``."""
    return spectral_norm(chain_product(factors))


def product_norm_grad(factors):
    """``(beta, grads)``: ``beta = ||F_1 ... F_k||_2`` and ``dbeta/dF_j``.

    With ``u, v`` the top singular vectors of ``P = F_1 ... F_k``, ``dbeta/dP = u v^T``
    and ``dbeta/dF_j = (F_1 ... F_{j-1})^T u v^T (F_{j+1} ... F_k)^T``: rank one, the
    outer product of ``u`` pulled back through the factors on the left and ``v``
    pushed through those on the right. (Where the top singular value is repeated
    this is one element of the subdifferential.)
    """
    product = chain_product(factors)
    u_mat, sigma, vt = np.linalg.svd(product, full_matrices=False)
    beta = float(sigma[0])
    left = [u_mat[:, 0]]
    for factor in factors[:-1]:
        left.append(left[-1] @ factor)
    right = [vt[0]]
    for factor in factors[:0:-1]:
        right.append(factor @ right[-1])
    right = right[::-1]
    return beta, [np.outer(lv, rv) for lv, rv in zip(left, right)]


def abba_factors(coefs_a, coefs_b):
    """The sum matrices of Proposition 3.3: ``|A_1 - B_1|``, ``A_l + B_l`` for the
    inner layers, ``|A_L - B_L|`` (see the module docstring)."""
    n_layers = len(coefs_a)
    factors = []
    for i, (a, b) in enumerate(zip(coefs_a, coefs_b)):
        if i == 0 or i == n_layers - 1:
            factors.append(np.abs(a - b))
        else:
            factors.append(a + b)
    return factors


def abba_factor_grads(coefs_a, coefs_b, factor_grads):
    """Chain rule from ``d/dF_l`` to ``(d/dA_l, d/dB_l)`` for ``abba_factors``."""
    n_layers = len(coefs_a)
    grads = []
    for i, (a, b, g) in enumerate(zip(coefs_a, coefs_b, factor_grads)):
        if i == 0 or i == n_layers - 1:
            ga = np.sign(a - b) * g
            grads.append((ga, -ga))
        else:
            grads.append((g, g))
    return grads


def abba_bounds(coefs_a, coefs_b, activation_lipschitz=1.0):
    """``(tight, separable)`` Lipschitz bounds of an ABBA network's logits.

    ``tight`` is Proposition 3.3, ``||S_L ... S_1|| * k^(L-1)``; ``separable`` is
    eq. (3), ``prod_l ||S_l|| * k^(L-1)`` (the spectral norm of a non-negative ABBA
    matrix is that of its sum matrix), ``k`` the activations' Lipschitz constant.
    """
    factors = abba_factors(coefs_a, coefs_b)
    gain = float(activation_lipschitz) ** (len(factors) - 1)
    tight = product_norm(factors) * gain
    separable = math.prod(spectral_norm(f) for f in factors) * gain
    return tight, separable


def bound_scale(factors, lipschitz_max, activation_lipschitz=1.0, margin=1e-10):
    """Scale that brings the bound of ``factors`` under ``lipschitz_max``.

    Multiplying every weight layer by ``c`` multiplies the bound by ``c^k`` (``k``
    layers, biases untouched), so ``c = min(1, (lipschitz_max / bound)^(1/k))``
    (times ``1 - margin``, against rounding) puts the network on the constraint set
    when it is outside, and leaves it alone inside. ``ABBAClassifier`` computes its
    network with the scaled weights, differentiating through ``c``: the constraint
    holds at every iterate, for any solver.

    Returns ``(c, bound, dc/dF)``, ``dc/dF`` a list per factor, or ``None`` when
    ``c == 1``.
    """
    k = len(factors)
    gain = float(activation_lipschitz) ** (k - 1)
    beta, grads = product_norm_grad(factors)
    bound = beta * gain
    target = float(lipschitz_max) * (1.0 - margin)
    if bound <= target:
        return 1.0, bound, None
    c = (target / bound) ** (1.0 / k)
    # c = (target / (gain beta))^(1/k): dc/dbeta = -c / (k beta).
    coef = -c / (k * beta)
    return c, bound, [coef * g for g in grads]


def mlp_lipschitz_bound(coefs, coef_signs, max_slope):
    """Lipschitz bound of a network with monotone activations of slope <= ``max_slope``.

    Consecutive layers whose every row is sign-constrained (``coef_signs`` of
    ``sknonneg._engine.layout.ParameterLayout``: +1 or -1, no 0) are bounded together,
    ``|| |W_i| ... |W_j| ||`` (first fact of the module docstring); any other layer by
    its own spectral norm. All layers non-negative: ``||W_1 ... W_L||``, the tight
    bound; all free: the separable product (eq. 3).
    """
    try:
        bound = float(max_slope) ** (len(coefs) - 1)
    except OverflowError:
        bound = math.inf
    if not math.isfinite(bound):
        raise ValueError(
            f"The Lipschitz bound overflows: the sigmoids' slope {max_slope:.3g} "
            f"(gain / 4) to the power {len(coefs) - 1} exceeds the float range. "
            f"Use a smaller gain."
        )
    run = []
    for coef, signs in zip(coefs, coef_signs):
        if np.all(np.asarray(signs) != 0):
            run.append(np.abs(coef))
            continue
        if run:
            bound *= product_norm(run)
            run = []
        bound *= spectral_norm(coef)
    if run:
        bound *= product_norm(run)
    return bound


def certified_radius(logits, bound, multilabel=False):
    """Per sample, the L2 radius within which the prediction provably stays.

    ``logits`` of shape (n_samples, n_outputs), ``bound`` a Lipschitz constant of
    the logit map. With two or more logits the prediction is the arg-max: a
    perturbation ``delta`` moves ``z_i - z_j`` by at most
    ``sqrt(2) ||z(x + delta) - z(x)|| <= sqrt(2) bound ||delta||``, so the top class
    stays while ``||delta|| < margin / (sqrt(2) bound)``, ``margin`` the gap between
    the two largest logits. A single logit ``t`` (binary logistic output) decides by
    its sign: radius ``|t| / bound``; multilabel outputs: the least of those.
    """
    logits = np.asarray(logits, dtype=np.float64)
    if multilabel or logits.shape[1] == 1:
        margin = np.min(np.abs(logits), axis=1)
        scale = 1.0
    else:
        top2 = np.partition(logits, logits.shape[1] - 2, axis=1)[:, -2:]
        margin = top2[:, 1] - top2[:, 0]
        scale = math.sqrt(2.0)
    with np.errstate(divide="ignore"):
        return np.where(margin > 0, margin / (scale * bound), 0.0) if bound > 0 \
            else np.where(margin > 0, np.inf, 0.0)
