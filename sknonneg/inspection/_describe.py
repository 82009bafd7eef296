"""Short text report of a fitted network (or decomposition)."""

from decimal import ROUND_CEILING, Decimal

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier

from ..neural_network._autoencoder import NonNegAutoencoder
from ._sparsity import _weight_table
from ._utils import (estimator_name, final_estimator, fitted_attribute, has_fitted,
                     is_network, output_classes)


def _fmt_classes(classes, max_shown=8):
    if len(classes) <= max_shown:
        return ", ".join(classes)
    return ", ".join(classes[: max_shown - 2]) + ", ..., " + classes[-1]


def _rounded_up(value, digits=4):
    """``value`` (a float >= 0) to ``digits`` significant digits, rounded up: the
    printed bound is never below the bound (``f"{value:.4g}"`` rounds to nearest,
    1.23444 to 1.234)."""
    if not np.isfinite(value) or value == 0:
        return f"{value:g}"
    exact = Decimal(float(value))
    step = Decimal(1).scaleb(exact.adjusted() - digits + 1)
    up = exact.quantize(step, rounding=ROUND_CEILING)
    # Printed as a float is (1.235e+08, 1.001e-05, 1; a Decimal prints 1.235E+8,
    # 0.00001001, 1.000): the nearest double to ``up`` is within far less than a
    # digit of it, so ``.{digits}g`` gives back ``up``'s digits, unless it is
    # beyond the float range.
    near = float(up)
    return f"{near:.{digits}g}" if np.isfinite(near) else f"{up:.{digits}g}"


def describe_network(estimator, tol=1e-6):
    """Short text report of a fitted network's structure and sparsity.

    Parameters
    ----------
    estimator : fitted estimator
        NonNegMLPClassifier, ABBAClassifier, MLPClassifier, PCA, NMF, or a
        Pipeline ending in one of them.
    tol : float, default=1e-6
        Relative zero threshold passed to :func:`weight_sparsity`
        (``|w| <= tol * max|w|`` per layer).

    Returns
    -------
    report : str
        Multi-line report: architecture (layer sizes), then one line per
        weight layer with its shape, constraint (from ``weight_constraints_``
        or, marked ``(inferred)``, from the signs of the weights), fraction of
        zero and of negative weights, mean Hoyer sparsity of the receiving
        neurons' weight vectors and the number of dead neurons (all incoming
        weights zero); for ABBAClassifier the layers are measured on their
        blocks ``A, B`` as :func:`weight_sparsity` describes (Notes), which a
        line under the table recalls; then the totals (over the measured
        weights); finally the Lipschitz bound when the estimator exposes
        ``lipschitz_bound_``, to 4 significant digits rounded up, with what it
        bounds (the logits or the predictions, in the network's own input: after
        a Pipeline's preceding steps) ("overflows the float range" where it
        refuses a bound beyond the float range).

    See Also
    --------
    weight_sparsity : The same numbers as a DataFrame.

    Examples
    --------
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import PCA
    >>> from sknonneg.inspection import describe_network
    >>> X = load_digits().data
    >>> print(describe_network(PCA(4).fit(X)).splitlines()[0])
    PCA: 64 input features -> 4 components
    """
    if not hasattr(estimator, "fit") and not hasattr(estimator, "coefs_") \
            and not hasattr(estimator, "components_"):
        # Before: scikit-learn's "<the whole input> is not an estimator instance."
        # (an array printed in full).
        hint = (" For weight matrices themselves, use weight_sparsity."
                if isinstance(estimator, (np.ndarray, list, tuple))
                or sp.issparse(estimator) else "")
        raise TypeError(
            f"describe_network takes a fitted estimator (a network with coefs_, an "
            f"estimator with components_ such as PCA or NMF, or a Pipeline ending "
            f"in one); got a {type(estimator).__name__} object, which is not an "
            f"estimator instance.{hint}")
    final = final_estimator(estimator)
    name = estimator_name(estimator)
    df = _weight_table(estimator, tol, True, "describe_network")
    lines = []
    if is_network(final):
        # the stored layer sizes (an ABBA network's table is of its blocks)
        coefs = fitted_attribute(final, "coefs_")
        sizes = [np.shape(coefs[0])[0]] + [np.shape(c)[1] for c in coefs]
        arch = " -> ".join(str(s) for s in sizes)
        n_hidden = len(sizes) - 2
        head = f"{name}: {arch} ({n_hidden} hidden layer{'s' if n_hidden != 1 else ''})"
        if has_fitted(final, "coefs_a_"):
            # coefs_ hold ABBA's doubled matrices [[A, B], [B, A]].
            coefs_a = fitted_attribute(final, "coefs_a_")
            blocks = [coefs_a[0].shape[0]] + [c.shape[1] for c in coefs_a]
            head += (" in ABBA form [[A, B], [B, A]] of "
                     + " -> ".join(str(s) for s in blocks))
        # The fitted activation (a set_params since the fit changes nothing):
        # activation_ (NonNegMLP*), the fitted parameter (ABBA), else the parameter
        # (scikit-learn's MLPs keep no other).
        if hasattr(final, "activation_"):
            act = final.activation_
        elif hasattr(final, "_fitted_param") and hasattr(final, "activation"):
            act = final._fitted_param("activation")
        elif isinstance(final, NonNegAutoencoder):
            # Its codes are always sigmoid units, its decoder the output function
            # (before: the report named the output only, "output=logistic", and
            # left the codes' function out).
            act = "logistic"
        else:
            act = getattr(final, "activation", None)
        out_act = fitted_attribute(final, "out_activation_", None)
        functions = ([f"activation={act}"] if act is not None else []) + (
            [f"output={out_act}"] if out_act is not None else [])
        if functions:
            head += "; " + ", ".join(functions)
        lines.append(head)
        classes = output_classes(final, sizes[-1], estimator)
        lines.append(f"  outputs ({len(classes)}): {_fmt_classes(classes)}")
    else:
        lines.append(
            f"{name}: {df['n_in'].iloc[0]} input features -> "
            f"{df['n_out'].iloc[0]} components"
        )
    if hasattr(estimator, "steps") and len(estimator.steps) > 1:
        # "passthrough" and None steps by that name (before: "str -> NoneType").
        pre = " -> ".join("passthrough" if s is None or isinstance(s, str)
                          else type(s).__name__ for _, s in estimator.steps[:-1])
        lines.append(f"  preceded by: {pre}")

    header = (
        f"  {'layer':<12} {'shape':>11}  {'constraint':<19} "
        f"{'zero':>6} {'neg':>6} {'hoyer':>6} {'dead':>5}"
    )
    lines.append(header)
    for layer, row in df.iterrows():
        shape = f"{row['n_in']} x {row['n_out']}"
        constraint = row["constraint"] + ("" if row["declared"] else " (inferred)")
        hoyer = "nan" if np.isnan(row["hoyer"]) else f"{row['hoyer']:.3f}"
        lines.append(
            f"  {layer:<12} {shape:>11}  {constraint:<19} "
            f"{row['fraction_zero']:>6.1%} {row['fraction_negative']:>6.1%} "
            f"{hoyer:>6} {row['dead_units']:>5d}"
        )
    if (df["constraint"] == "abba").any() and has_fitted(final, "coefs_a_"):
        lines.append("  abba rows: weights are the pairs (A_ij, B_ij) of the blocks, zero "
                     "when A + B is, negative when A - B is; hoyer of A + B")
    n_weights = int(df["n_weights"].sum())
    n_zero = int(df["n_zero"].sum())
    lines.append(
        f"  total: {n_weights} weights, {n_zero} zero ({n_zero / n_weights:.1%})"
        if n_weights
        else "  total: 0 weights"
    )
    try:
        bound = fitted_attribute(final, "lipschitz_bound_", None)
    except ValueError:
        # A bound that overflows the float range (NonNegMLPClassifier with
        # gain=1e300: its lipschitz_bound_ refuses it). Before: the report raised.
        lines.append("  Lipschitz bound: overflows the float range")
    else:
        if bound is not None:
            # Rounded up, and of what: the logits (classifiers) or the predictions
            # (the regressor), as functions of the network's own input, which
            # is a Pipeline's input only without preceding steps.
            of = "logits" if is_classifier(final) else "predictions"
            wrt = ("the network's input, after the preceding steps"
                   if hasattr(estimator, "steps") and len(estimator.steps) > 1
                   else "the input")
            lines.append(f"  Lipschitz bound: {_rounded_up(float(bound))} "
                         f"(L2 norms, of the {of} with respect to {wrt}; "
                         f"rounded up)")
    return "\n".join(lines)
