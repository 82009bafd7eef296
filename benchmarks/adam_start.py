"""How projected Adam starts at the defaults, against scikit-learn's MLPClassifier.

On digits, ``NonNegMLPClassifier(positive=False, solver="adam")`` was far
behind ``MLPClassifier(solver="adam")`` after 10 epochs. The Adam update itself is
right (it matches a NumPy reference step for step; the moments carry over between
epochs; free layers are not projected). What differs is the start: with a softmax,
each output unit is scaled so that its logit has a standard deviation of 2 over the
data (``SoftmaxNLL.init_std = (0.5, 2.0)``, chosen for non-negative networks). The
logits of a non-negative output layer move together (they share the positively
correlated hidden units), so the softmax starts near uniform; those of a signed
output layer are independent, and the network starts with confident random
predictions (training log-loss about 4.5 against ln 10 = 2.30), which Adam's steps
of about ``learning_rate_init`` per weight take many epochs to undo.

This measures, on the same split and seeds, per number of epochs (each a fit of its
own with ``max_iter`` epochs; with a constant step and no early stopping it is the
start of the longer fit):

- scikit-learn's ``MLPClassifier`` as a user would run it on this data: 100 hidden
  units, ``solver="adam"``, its defaults otherwise (relu, step 1e-3, batches of 200,
  ``alpha=1e-4``), and the same with ``activation="logistic"`` (sknonneg's unit);
- ``NonNegMLPClassifier(100, solver="adam")`` at its defaults (step 1e-3, batches of
  200, gain 1) with ``positive`` False, ``"hidden"``, ``"output"`` and True;
- candidates for the start of a *signed* output layer: its logits scaled to a
  standard deviation of 1, 0.5, 0.25 or 0.1 instead of 2 (the non-negative output
  layers keep 2). Not a parameter: this script sets the loss's
  ``SoftmaxNLL.signed_output_init_std`` for each row (at 90d0cb9, where the results
  were recorded, it wrapped ``dense_init`` to the same effect). 74788bd made 0.1
  the package's start (``signed_softmax_start.py``); the rows without a candidate
  keep measuring the start before it, spread 2, as recorded;
- for reference, what the same candidates do to the default solver (full-batch
  L-BFGS-B, 200 iterations), which shares the initialisation.

Data: scikit-learn's digits, pixels / 16, one stratified 75/25 split
(``random_state=0``); seeds 0, 1, 2 seed the estimators. Medians over the seeds.

    python benchmarks/adam_start.py [--seeds 0 1 2] [--threads 1]

Results: benchmarks/results/adam_start.{json,md}.

Private imports (sknonneg._*): it sets ``SoftmaxNLL.signed_output_init_std``, the
start being measured, which is a constant of the engine, not a parameter.
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from _common import add_common_args, markdown_header, save_result, set_threads

EPOCHS = [1, 2, 3, 5, 10, 20, 50]
HIDDEN = (100,)
SIGNED_OUTPUT_STDS = [1.0, 0.5, 0.25, 0.1]


def _signed_output_std(std):
    """A context in which a dense network whose output layer is not all >= 0 starts
    with its logits scaled to ``std`` (None: 2, the package's start before
    74788bd, which the rows without a candidate measure)."""
    from contextlib import contextmanager

    from sknonneg._engine.losses import SoftmaxNLL

    @contextmanager
    def context():
        saved = SoftmaxNLL.signed_output_init_std
        SoftmaxNLL.signed_output_init_std = 2.0 if std is None else std
        try:
            yield
        finally:
            SoftmaxNLL.signed_output_init_std = saved

    return context()


def _adam_models():
    from sknonneg import NonNegMLPClassifier

    def sk(**kw):
        return lambda e, s: MLPClassifier(HIDDEN, solver="adam", max_iter=e,
                                          random_state=s, **kw)

    def nn(**kw):
        return lambda e, s: NonNegMLPClassifier(HIDDEN, solver="adam", max_iter=e,
                                                random_state=s, **kw)

    models = [
        ("MLPClassifier (relu, its defaults)", sk(), None),
        ("MLPClassifier activation='logistic'", sk(activation="logistic"), None),
        ("positive=False (defaults: logits std 2)", nn(positive=False), None),
        ("positive='hidden'", nn(positive="hidden"), None),
        ("positive='output'", nn(positive="output"), None),
        ("positive=True", nn(positive=True), None),
    ]
    for std in SIGNED_OUTPUT_STDS:
        models.append((f"positive=False, signed logits std {std:g}",
                       nn(positive=False), std))
        models.append((f"positive='hidden', signed logits std {std:g}",
                       nn(positive="hidden"), std))
    models.append(("positive=False, learning_rate_init=1e-2", nn(
        positive=False, learning_rate_init=1e-2), None))
    models.append(("MLPClassifier, learning_rate_init=1e-2",
                   sk(learning_rate_init=1e-2), None))
    return models


def _start_loss(make, seed, std, X, y):
    """Training log-loss of the starting network: one epoch at a step of 1e-12
    (an MLPClassifier draws its start in fit, as sknonneg does)."""
    est = make(1, seed).set_params(learning_rate_init=1e-12)
    with _signed_output_std(std):
        est.fit(X, y)
    return float(log_loss(y, est.predict_proba(X)))


def main():
    from sknonneg import NonNegMLPClassifier

    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False)
    args = parser.parse_args()
    set_threads(args.threads)
    warnings.simplefilter("ignore")  # ConvergenceWarning at every short fit
    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    X_tr, X_va, y_tr, y_va = train_test_split(X, y, test_size=0.25, random_state=0,
                                              stratify=y)
    rows = []
    for name, make, std in _adam_models():
        for seed in args.seeds:
            row = {"section": "adam", "model": name, "seed": seed,
                   "signed_output_std": std,
                   "start_log_loss": _start_loss(make, seed, std, X_tr, y_tr),
                   "epochs": EPOCHS, "train_acc": [], "val_acc": [],
                   "train_log_loss": [], "cpu_s": []}
            for e in EPOCHS:
                start = time.process_time()
                with _signed_output_std(std):
                    est = make(e, seed).fit(X_tr, y_tr)
                row["cpu_s"].append(time.process_time() - start)
                row["train_acc"].append(float(est.score(X_tr, y_tr)))
                row["val_acc"].append(float(est.score(X_va, y_va)))
                row["train_log_loss"].append(
                    float(log_loss(y_tr, est.predict_proba(X_tr))))
            rows.append(row)
            print(name, seed, [round(a, 3) for a in row["val_acc"]], flush=True)
    for std in [None, *SIGNED_OUTPUT_STDS]:
        for seed in args.seeds:
            start = time.process_time()
            with _signed_output_std(std):
                est = NonNegMLPClassifier(HIDDEN, positive=False,
                                          random_state=seed).fit(X_tr, y_tr)
            rows.append({
                "section": "lbfgsb", "model": "positive=False, lbfgsb (defaults)"
                + ("" if std is None else f", signed logits std {std:g}"),
                "seed": seed, "signed_output_std": std,
                "train_acc": float(est.score(X_tr, y_tr)),
                "val_acc": float(est.score(X_va, y_va)), "n_iter": int(est.n_iter_),
                "cpu_s": time.process_time() - start})
            print(rows[-1], flush=True)
    result = {"epochs": EPOCHS, "seeds": args.seeds, "hidden_layer_sizes": HIDDEN,
              "rows": rows}
    save_result("adam_start", result, _markdown)
    print(_markdown(result))


def _median(runs, key, i=None):
    values = [r[key] if i is None else r[key][i] for r in runs]
    return float(np.median(values))


def _markdown(result):
    rows = result["rows"]
    lines = (markdown_header(result["record"], "How Adam starts: NonNegMLPClassifier "
                             "and MLPClassifier on digits")
             if result.get("record") else [])
    epochs = result["epochs"]
    lines += [
        "Digits, pixels / 16, one stratified 75/25 split (1,347 training rows); "
        f"{HIDDEN[0]} hidden units; medians over seeds "
        f"{', '.join(map(str, result['seeds']))}. Each cell: training / validation "
        "accuracy after that many epochs (a fit of its own). \"start\": training "
        "log-loss of the starting network (ln 10 = 2.303 is the uniform guess). "
        "\"signed logits std\": the candidate start of a signed output layer "
        "(the package's is 2; non-negative output layers keep 2).", "",
        "| model | start | " + " | ".join(f"{e} ep" for e in epochs)
        + " | log-loss at 10 ep |",
        "| --- | ---: | " + " | ".join("---:" for _ in epochs) + " | ---: |"]
    names = list(dict.fromkeys(r["model"] for r in rows if r["section"] == "adam"))
    for name in names:
        runs = [r for r in rows if r["model"] == name]
        cells = [f"{_median(runs, 'train_acc', i):.3f} / {_median(runs, 'val_acc', i):.3f}"
                 for i in range(len(epochs))]
        ten = epochs.index(10)
        lines.append(f"| {name} | {_median(runs, 'start_log_loss'):.3f} | "
                     + " | ".join(cells)
                     + f" | {_median(runs, 'train_log_loss', ten):.3f} |")
    lines += ["", "The default solver (full-batch L-BFGS-B, 200 iterations) from the "
              "same starts:", "",
              "| model | train acc | val acc | iterations | CPU s |",
              "| --- | ---: | ---: | ---: | ---: |"]
    names = list(dict.fromkeys(r["model"] for r in rows if r["section"] == "lbfgsb"))
    for name in names:
        runs = [r for r in rows if r["model"] == name]
        lines.append(f"| {name} | {_median(runs, 'train_acc'):.3f} | "
                     f"{_median(runs, 'val_acc'):.3f} | {_median(runs, 'n_iter'):.0f} | "
                     f"{_median(runs, 'cpu_s'):.2f} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
