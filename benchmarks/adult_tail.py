"""Why the default fit warns on min-max Adult, and what would converge (issue 18).

Development runs on the training rows of fold 0 of the defaults benchmark's 5-fold
split only (an inner stratified 80/20 split of them, ``random_state=0``; the
benchmark's held-out fold is not read): the positive network at its defaults and
one change each (``CASES``), fitted for ``max_iter`` iterations, then continued for
``--more`` iterations (warm start, the gain fixed at its end value), as
``warning_continuation.py`` does. Recorded: whether the fit warned, the share of
its loss decrease in its last 20 iterations (the warning's rule: > 1%), the further
fall after the limit (share of the whole decrease), training and inner-validation
accuracy at the limit and after; for the default fit also which first-layer rows
(input columns) moved after the limit (``tail_by_column``).

Changes (each alone): ``l2``; ``gain`` fixed at 1 (no annealing); the first-layer
scaling of ``_engine.precondition`` forced on (its gate ``SMALL_UNIT`` raised to 1:
min-max Adult's median column unit is 1, the one-hot columns', so it is off at the
defaults; forced on, it scales the small numeric columns); ``fnlwgt`` dropped (a
noise column); the one-hot or the numeric columns divided by sqrt(10) (their
penalty ten times stronger for the same network: a column within unit range keeps
penalty unit 1, so its weights must grow by sqrt(10)).

Run from the repository root (``SKNONNEG_DATA`` set)::

    python benchmarks/adult_tail.py --more 400

Results: ``benchmarks/results/adult_tail.{json,md}``.

Private imports (sknonneg._*): it raises ``precondition.SMALL_UNIT``, the engine's
gate of the first layer's scaling, to measure the scaling where the default leaves
it off; no parameter reaches it.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402
from sklearn.preprocessing import MinMaxScaler, StandardScaler  # noqa: E402

from _common import (  # noqa: E402
    DEFAULT_DATA_HOME, RESULTS, markdown_header, run_record, save_json,
    set_threads)
from defaults import _adult, _preprocessor, _rows  # noqa: E402
from warning_continuation import continue_fit, fit_recording  # noqa: E402
from sknonneg import NonNegMLPClassifier  # noqa: E402
from sknonneg._engine import precondition  # noqa: E402

# (name, scaler, changes): changes are NonNegMLPClassifier parameters, or
# "small_unit" (the scaling gate), "drop" (columns), "shrink" (("cat"|"num", c)).
CASES = [
    ("defaults", "minmax", {}),
    ("defaults", "standard", {}),
    *[(f"l2={l2:g}", s, {"l2": l2}) for s in ("minmax", "standard")
      for l2 in (2e-5, 3e-5, 5e-5, 1e-4)],
    ("gain=1", "minmax", {"gain": 1.0}),
    ("gain=1", "standard", {"gain": 1.0}),
    ("scaling gate 1", "minmax", {"small_unit": 1.0}),
    ("no fnlwgt", "minmax", {"drop": ["fnlwgt"]}),
    ("one-hot / sqrt(10)", "minmax", {"shrink": ("cat", np.sqrt(10.0))}),
    ("numeric / sqrt(10)", "minmax", {"shrink": ("num", np.sqrt(10.0))}),
]


def _shrink(pre, A, group, c):
    names = np.asarray(pre.get_feature_names_out()).astype(str)
    d = sp.diags(np.where(np.char.startswith(names, group + "__"), 1.0 / c, 1.0))
    return sp.csr_matrix(sp.csr_matrix(A) @ d)


def fold0_inner_split(X, y, scaler):
    """``(A, B, y_fit, y_val, preprocessor)``: the training rows of fold 0 of the
    defaults benchmark's 5-fold split, split 80/20 (stratified, ``random_state=0``)
    and preprocessed with ``scaler`` ("minmax" or "standard") fitted on the 80%."""
    tr, _ = next(StratifiedKFold(5, shuffle=True, random_state=0).split(
        np.zeros(len(y)), y))
    X_fit, X_val, y_fit, y_val = train_test_split(
        _rows(X, tr), y[tr], test_size=0.2, stratify=y[tr], random_state=0)
    pre = _preprocessor({"minmax": MinMaxScaler, "standard": StandardScaler}[scaler](),
                        X_fit)
    return pre.fit_transform(X_fit), pre.transform(X_val), y_fit, y_val, pre


def run_case(X, y, scaler, changes, more):
    changes = dict(changes)
    small_unit = changes.pop("small_unit", None)
    drop = changes.pop("drop", [])
    shrink = changes.pop("shrink", None)
    A, B, y_fit, y_val, pre = fold0_inner_split(X.drop(columns=drop), y, scaler)
    if shrink is not None:
        A, B = _shrink(pre, A, *shrink), _shrink(pre, B, *shrink)
    gate = precondition.SMALL_UNIT
    if small_unit is not None:
        precondition.SMALL_UNIT = small_unit
    try:
        # early_stopping=False: the fits as recorded (the default "auto" holds out
        # a validation split above 10,000 rows since the eighth round).
        est = NonNegMLPClassifier(random_state=0, early_stopping=False, **changes)
        cpu0 = time.process_time()
        warned = fit_recording(est, A, y_fit)
        curve = np.asarray(est.loss_curve_)
        W0 = est.coefs_[0].copy()
        row = {"warned": bool(warned),
               "n_iter": est.n_iter_, "loss": float(curve[-1]),
               "tail_share": float((curve[-21] - curve[-1]) / (curve[0] - curve[-1])),
               "train_acc": est.score(A, y_fit), "val_acc": est.score(B, y_val)}
        continue_fit(est, A, y_fit, more)
        row.update({"loss_more": est.loss_,
                    "further_share": float((curve[-1] - est.loss_)
                                           / (curve[0] - curve[-1])),
                    "train_acc_more": est.score(A, y_fit),
                    "val_acc_more": est.score(B, y_val),
                    "cpu_s": time.process_time() - cpu0})
        moved = np.sum((est.coefs_[0] - W0) ** 2, axis=1)
        names = np.asarray(pre.get_feature_names_out()).astype(str)
        numeric = np.char.startswith(names, "num__")
        order = np.argsort(-moved)[:5]
        row["tail_by_column"] = {
            "numeric_share": float(moved[numeric].sum() / moved.sum()),
            "n_numeric": int(numeric.sum()), "n_columns": int(names.size),
            "first_layer_sq_norm": [float(np.sum(W0 ** 2)),
                                    float(np.sum(est.coefs_[0] ** 2))],
            "top": [[names[i], float(moved[i] / moved.sum())] for i in order]}
    finally:
        precondition.SMALL_UNIT = gate
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    parser.add_argument("--more", type=int, default=400)
    parser.add_argument("--cases", type=int, nargs="*", default=None,
                        help="indices into CASES (default: all)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", default="adult_tail")
    args = parser.parse_args()
    set_threads(args.threads)
    X, y = _adult(args.data_home)
    rows = []
    cases = CASES if args.cases is None else [CASES[i] for i in args.cases]
    for name, scaler, changes in cases:
        row = {"case": name, "scaler": scaler,
               **run_case(X, y, scaler, changes, args.more)}
        rows.append(row)
        print({k: v for k, v in row.items() if k != "tail_by_column"}, flush=True)
        rec = {**run_record(), "more": args.more, "rows": rows}
        save_json(RESULTS / f"{args.out}.json", rec)
        (RESULTS / f"{args.out}.md").write_text(markdown(rec) + "\n")


def markdown(rec):
    out = markdown_header(
        rec, "Min-max Adult at the defaults: the slow tail (issue 18)") + [
           "Training rows of fold 0 of the defaults benchmark's split only (inner "
           "stratified 80/20 split); positive network, `(100,)`, defaults except the "
           f"change named; continued for {rec['more']} iterations (warm start, gain "
           "fixed at its end value). `last 20`: loss decrease over the last 20 of 200 "
           "iterations as a share of the fit's decrease (warns above 1%); `further`: "
           "the decrease after the limit, same unit; `numeric`: share of the first "
           "layer's squared movement after the limit on the numeric columns.", "",
           "| case | scaler | warned | loss | last 20 | train | val | further | "
           "train after | val after | numeric | CPU s |",
           "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
           "| ---: |"]
    for r in rec["rows"]:
        t = r["tail_by_column"]
        out.append(
            f"| {r['case']} | {r['scaler']} | {'yes' if r['warned'] else 'no'} | "
            f"{r['loss']:.4f} | {100 * r['tail_share']:.2f}% | {r['train_acc']:.4f} | "
            f"{r['val_acc']:.4f} | {100 * r['further_share']:.1f}% | "
            f"{r['train_acc_more']:.4f} | {r['val_acc_more']:.4f} | "
            f"{100 * t['numeric_share']:.0f}% ({t['n_numeric']} of {t['n_columns']}) | "
            f"{r['cpu_s']:.1f} |")
    return "\n".join(out)


if __name__ == "__main__":
    main()
