"""How much the rounding allowance of ``certified_radius`` takes off the radius.

``certified_radius`` subtracts from each margin four times a floating-point error
bound of the logits over the ball (``sknonneg._lipschitz.logit_rounding_bound``), and
``lipschitz_bound_`` is enlarged by the rounding allowance of its norms. On
scikit-learn's bundled digits (pixels / 16, the whole set), for networks of one and
two hidden layers in float64 and float32, this reports per sample:

- the bound ``E`` relative to the largest logit magnitude (median and largest);
- the worst measured error of the computed logits against an extended-precision
  (``np.longdouble``) forward pass, as a share of ``E`` (how pessimistic the
  worst-case analysis is);
- the radius with the allowance over the exact-arithmetic radius (median, least),
  and the share of samples whose radius drops to 0.

No timing: the numbers depend on the fitted weights and the data only.

Usage::

    python benchmarks/certified_radius_rounding.py

Private imports (sknonneg._*): it measures the rounding allowance itself
(``logit_rounding_bound`` on the network's ``_rounding_layers``), which
``certified_radius`` subtracts without returning it.
"""

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import markdown_header, run_without_options  # noqa: E402

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sknonneg import ABBAClassifier, NonNegMLPClassifier  # noqa: E402
from sknonneg._lipschitz import logit_rounding_bound  # noqa: E402

NETWORKS = {
    "NonNegMLPClassifier (100,)": lambda d: NonNegMLPClassifier(
        dtype=d, random_state=0, max_iter=100),
    "NonNegMLPClassifier (100, 50)": lambda d: NonNegMLPClassifier(
        (100, 50), dtype=d, random_state=0, max_iter=100),
    "ABBAClassifier (100,)": lambda d: ABBAClassifier(dtype=d, random_state=0,
                                                      max_iter=100),
    "ABBAClassifier (100, 50)": lambda d: ABBAClassifier(
        (100, 50), dtype=d, random_state=0, max_iter=100),
}


def extended_logits(est, X):
    """``est``'s logits computed in ``np.longdouble`` from its public weights."""
    h = np.asarray(X, dtype=np.longdouble)
    if isinstance(est, ABBAClassifier):
        n_layers = len(est.coefs_a_)
        x, z = h, -h
        for i, (a, b, icpt) in enumerate(zip(est.coefs_a_, est.coefs_b_,
                                             est.intercepts_)):
            a, b = a.astype(np.longdouble), b.astype(np.longdouble)
            n = a.shape[1]
            u = x @ a + z @ b + icpt[:n].astype(np.longdouble)
            v = x @ b + z @ a + icpt[n:].astype(np.longdouble)
            if i == n_layers - 1:
                return (u - v) / 2
            x, z = est._activate(u), est._activate(v)
    gain = np.longdouble(est.gain_)
    for i, (w, b) in enumerate(zip(est.coefs_, est.intercepts_)):
        h = h @ w.astype(np.longdouble) + b.astype(np.longdouble)
        if i < len(est.coefs_) - 1:
            h = 1 / (1 + np.exp(-gain * h))
    return h


def measure():
    import warnings

    X, y = load_digits(return_X_y=True)
    X = X / 16
    rows = []
    for name, make in NETWORKS.items():
        for dtype in ("float64", "float32"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est = make(dtype).fit(X, y)
            logits = est._logits(est._check_X(X))
            top2 = np.sort(logits, axis=1)[:, -2:]
            exact_radius = (top2[:, 1] - top2[:, 0]) / (
                np.sqrt(2) * est.lipschitz_bound_)
            radius = est.certified_radius(X)
            bound = logit_rounding_bound(est._rounding_layers(), X, exact_radius, dtype)
            at_rows = logit_rounding_bound(est._rounding_layers(), X,
                                           np.zeros(X.shape[0]), dtype)
            error = np.max(np.abs(logits.astype(np.longdouble)
                                  - extended_logits(est, X)), axis=1).astype(float)
            scale = np.max(np.abs(logits), axis=1)
            ratio = radius / exact_radius
            rows.append({
                "network": name, "dtype": dtype,
                "bound_over_logits_median": float(np.median(bound / scale)),
                "bound_over_logits_max": float(np.max(bound / scale)),
                "measured_error_over_bound_max": float(np.max(error / at_rows)),
                "radius_ratio_median": float(np.median(ratio)),
                "radius_ratio_min": float(np.min(ratio)),
                "zeroed_share": float(np.mean((radius == 0) & (exact_radius > 0))),
            })
            print(rows[-1], flush=True)
    return {"rows": rows}


def markdown(result):
    lines = markdown_header(result["record"], "certified_radius: the rounding "
                                              "allowance on digits")
    lines += ["scikit-learn's digits (1797 x 64, pixels / 16), every sample. `E`: the "
              "bound of the logits' rounding over the ball of the exact-arithmetic "
              "radius; measured error: the computed logits against an "
              "extended-precision forward pass at the rows, over the bound there; "
              "radius ratio: with the allowance over without.", "",
              "| network | dtype | E / max abs logit (median) | (max) | measured error "
              "/ bound (max) | radius ratio (median) | (min) | radius 0 |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in result["rows"]:
        lines.append(
            f"| {r['network']} | {r['dtype']} | {r['bound_over_logits_median']:.2g} | "
            f"{r['bound_over_logits_max']:.2g} | "
            f"{r['measured_error_over_bound_max']:.2g} | "
            f"{r['radius_ratio_median']:.6f} | {r['radius_ratio_min']:.6f} | "
            f"{100 * r['zeroed_share']:.2f}% |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    # --help prints the docstring; otherwise it measures and writes the results.
    run_without_options(__doc__, "certified_radius_rounding", measure, markdown)
