"""Are the ConvergenceWarnings of ``benchmarks/defaults.py`` real? (issue 18)

For fits of the defaults benchmark that stop at ``max_iter`` (fold 0 of its 5-fold
split, the same pipelines), this records what happens after the limit: the fit is
continued (``warm_start``, the gain fixed at the end of its schedule) for
``--more`` iterations, and the training loss, training and held-out accuracy are
compared. It also applies two stopping rules that would have declared the fit
converged:

- scikit-learn's rule for its stochastic solvers: the loss improved by less than
  ``tol`` for ``n_iter_no_change`` (10) consecutive iterations, at scikit-learn's
  ``tol=1e-4`` and at this package's ``tol=1e-5``;
- scipy's L-BFGS-B default ``factr=1e7`` (``ftol`` 2.2e-9): the relative decrease of
  one iteration ``(f_k - f_k+1) / max(|f_k|, |f_k+1|, 1)`` at most ``ftol``.

A warning is real when the loss keeps falling by a share of its decrease that a
user would call unfinished and neither rule had fired.

Run from the repository root (``SKNONNEG_DATA`` set)::

    python benchmarks/warning_continuation.py --more 400

Results: ``benchmarks/results/warning_continuation.{json,md}``.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.datasets import load_breast_cancer  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

from _common import (  # noqa: E402
    DEFAULT_DATA_HOME,
    RESULTS,
    command_line,
    git_commit,
    machine,
    package_location,
    save_json,
    set_threads,
)
from defaults import _adult, _preprocessor, _rows, _spambase  # noqa: E402
from sknonneg import NonNegMLPClassifier  # noqa: E402

# (data, scaler, hidden_layer_sizes, l2, positive): the defaults rows that warned
# (Adult, Spambase "hidden") and grid cells of each kind that warned.
CASES = [
    ("adult", "minmax", (100,), 1e-5, True),
    ("adult", "standard", (100,), 1e-5, True),
    ("spambase", "minmax", (100,), 1e-5, "hidden"),
    ("spambase", "standard", (100,), 1e-5, "hidden"),
    ("spambase", "minmax", (50,), 0.0, "hidden"),
    ("spambase", "minmax", (20, 10), 0.0, True),
    ("spambase", "standard", (20, 10), 0.0, "hidden"),
    ("spambase", "minmax", (50,), 1e-4, "hidden"),
    ("spambase", "standard", (50,), 1e-4, "hidden"),
    ("spambase", "minmax", (20, 10), 1e-5, "hidden"),
    ("spambase", "standard", (50,), 1e-5, "hidden"),
    ("breast_cancer", "minmax", (10,), 1e-5, "hidden"),
    ("breast_cancer", "minmax", (20, 10), 1e-4, "hidden"),
]


def fit_recording(est, X, y):
    """Fits ``est``; returns the messages of the ConvergenceWarnings it raised."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y)
    return [str(w.message) for w in caught
            if issubclass(w.category, ConvergenceWarning)]


def continue_fit(est, X, y, more):
    """Continues a fitted ``est`` for ``more`` iterations from where it stopped
    (warm start, the gain fixed at its end value), warnings ignored."""
    est.set_params(warm_start=True, gain=float(est._fitted_gain()), max_iter=more)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        est.fit(X, y)
    return est


def sklearn_rule_fires(curve, tol, n_iter_no_change=10):
    """First iteration at which scikit-learn's rule (``loss > best - tol`` for
    ``n_iter_no_change`` consecutive iterations) stops, or None."""
    best, count = np.inf, 0
    for i, loss in enumerate(curve):
        count = count + 1 if loss > best - tol else 0
        best = min(best, loss)
        if count >= n_iter_no_change:
            return i + 1
    return None


def factr_rule_fires(curve, ftol=1e7 * np.finfo(float).eps):
    """First iteration whose relative decrease is at most ``ftol``, or None. A rise
    (only at a change of the gain between L-BFGS-B stages) is not counted."""
    for i in range(1, len(curve)):
        a, b = curve[i - 1], curve[i]
        if 0.0 <= (a - b) / max(abs(a), abs(b), 1.0) <= ftol:
            return i + 1
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    parser.add_argument("--more", type=int, default=400)
    parser.add_argument("--cases", type=int, nargs="*", default=None,
                        help="indices into CASES (default: all)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="warning_continuation")
    args = parser.parse_args()
    set_threads(args.threads)
    data = {"breast_cancer": load_breast_cancer(return_X_y=True)}
    rows = []
    cases = CASES if args.cases is None else [CASES[i] for i in args.cases]
    for name, sname, hidden, l2, positive in cases:
        if name not in data:
            data[name] = (_adult if name == "adult" else _spambase)(args.data_home)
        X, y = data[name]
        tr, te = next(StratifiedKFold(5, shuffle=True, random_state=0).split(
            np.zeros(len(y)), y))
        scaler = MinMaxScaler if sname == "minmax" else StandardScaler
        pre = _preprocessor(scaler(), X).fit(_rows(X, tr))
        X_tr, X_te = pre.transform(_rows(X, tr)), pre.transform(_rows(X, te))
        # early_stopping=False: the fits as recorded (before early_stopping="auto").
        est = NonNegMLPClassifier(hidden, positive=positive, l2=l2,
                                  early_stopping=False, random_state=0)
        cpu0 = time.process_time()
        warned = fit_recording(est, X_tr, y[tr])
        cpu_fit = time.process_time() - cpu0
        curve = np.array(est.loss_curve_)
        row = {"data": name, "scaler": sname, "hidden": list(hidden), "l2": l2,
               "positive": positive, "warned": bool(warned),
               "message": warned[0] if warned else "",
               "n_iter": est.n_iter_, "loss": est.loss_,
               "decrease": float(curve[0] - curve[-1]),
               "tail_share": float((curve[-21] - curve[-1]) / (curve[0] - curve[-1])),
               "last10_per_iter": float((curve[-11] - curve[-1]) / 10),
               "sklearn_rule_1e-4": sklearn_rule_fires(curve, 1e-4),
               "sklearn_rule_1e-5": sklearn_rule_fires(curve, 1e-5),
               "scipy_factr_1e7": factr_rule_fires(curve),
               "train_acc": est.score(X_tr, y[tr]), "test_acc": est.score(X_te, y[te]),
               "fit_cpu_s": cpu_fit}
        continue_fit(est, X_tr, y[tr], args.more)
        row.update({"more_iter": est.n_iter_, "loss_more": est.loss_,
                    "further_share": float((row["loss"] - est.loss_) / row["decrease"]),
                    "train_acc_more": est.score(X_tr, y[tr]),
                    "test_acc_more": est.score(X_te, y[te]),
                    "cpu_s": time.process_time() - cpu0})
        rows.append(row)
        print({k: v for k, v in row.items() if k != "message"}, flush=True)
        rec = {"command": command_line(), "git_commit": git_commit(),
               "sknonneg": package_location(), "machine": machine(),
               "load_1min": os.getloadavg()[0], "more": args.more, "rows": rows}
        save_json(RESULTS / f"{args.out}.json", rec)
        (RESULTS / f"{args.out}.md").write_text(markdown(rec) + "\n")


def markdown(rec):
    out = ["# Fits that warn: continued past max_iter (issue 18)", "",
           f"Command: `{rec['command']}`  ",
           f"git_commit {rec['git_commit']}, sknonneg from `{rec['sknonneg']}`, "
           f"{rec['machine']['cpu_count']} CPUs (shared; load {rec['load_1min']:.1f} "
           "at the end)", "",
           "Fold 0 of the defaults benchmark's 5-fold split (same pipelines); each fit "
           f"continued for {rec['more']} iterations (warm start, gain fixed at its "
           "end value). `further`: the loss decrease after the limit, as a share of "
           "the fit's decrease; the rules: first iteration at which they would have "
           "stopped the fit (blank: never within it).", "",
           "| data | scaler | hidden | l2 | positive | warned | loss | last 20 its / "
           "decrease | per it (last 10) | sklearn tol 1e-4 | tol 1e-5 | factr 1e7 | "
           "loss after | further | train acc | after | test acc | after |",
           "| --- | --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | "
           "---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rec["rows"]:
        def it(v):
            return "" if v is None else str(v)
        out.append(
            f"| {r['data']} | {r['scaler']} | {r['hidden']} | {r['l2']:g} | "
            f"{r['positive']} | {'yes' if r['warned'] else 'no'} | {r['loss']:.4f} | "
            f"{100 * r['tail_share']:.2f}% | {r['last10_per_iter']:.1e} | "
            f"{it(r['sklearn_rule_1e-4'])} | {it(r['sklearn_rule_1e-5'])} | "
            f"{it(r['scipy_factr_1e7'])} | {r['loss_more']:.4f} | "
            f"{100 * r['further_share']:.1f}% | {r['train_acc']:.4f} | "
            f"{r['train_acc_more']:.4f} | {r['test_acc']:.4f} | {r['test_acc_more']:.4f} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
