"""NonNegAutoencoder's stall rule: ``tol`` relative to the first epoch's loss, or to
its data term (without the penalties of the parameters alone).

With mini-batches (Adam, the default) a fit stops when its epoch loss has not
fallen more than a threshold below the best so far for ``n_iter_no_change`` (10)
epochs in a row. The threshold is ``tol`` times the first epoch's loss. On Reuters
tf-idf that loss is mostly the L2 penalty of the start (74% at k = 16 to 96% at
k = 128, ``autoencoder_l2_share_dev.md``): the encoder's weights start at norm 1 /
the data's spread along them (about 90 per unit on tf-idf), and ``l2 ||W1||^2``
grows with k, while the reconstruction error (about 0.47) does not. So the
threshold loosens with k and with the start's norm, not with the data.

Candidates (one fit each per cell; ``tol=1e-4`` and every other stall parameter at
its default):

- ``loss`` (the rule now): ``tol`` times the first epoch's loss;
- ``data``: ``tol`` times the first epoch's data term: its loss less the part that
  depends on the parameters alone (``Objective.penalty_value`` at each batch's
  starting parameters, weighted as the loss: the L2 penalty here; the sparsity
  term, off by default, would stay in the data term).

The penalties are non-negative, so ``data``'s threshold is at most ``loss``'s, and
the two fits follow the same path until one stops: ``data`` stops no earlier. A
fit that ``loss`` runs to ``max_iter`` is therefore the same fit under ``data``
(same epochs, same parameters): it is not run again, and its row is marked
``unaffected`` (its numbers copied). Both candidates are subclasses of the
estimator that compute the first epoch's penalty (the same cost in both).

Data (DEVELOPMENT and held-out parts of TRAINING data only; no test part is read):

- Reuters: the development documents of ``autoencoder_text_degenerate_dev.py``
  (``data``: 4,000 development-training documents, 1,298 validation ones, of the
  top-10 ModApte TRAINING part, tf-idf as there), k = 16, 32, 64, 128, two
  decoders: ``sigmoid`` (every parameter at its default) and ``linear``
  (``decoder="linear", dtype="float32", learning_rate_init=0.003``, the step the
  user guide documents for tf-idf);
- digits: ``load_digits``, ``MinMaxScaler`` fitted on the training part of
  ``train_test_split(test_size=0.25, random_state=0)``, k = 16 and 32, defaults;
- MNIST: the first 10,000 rows of the TRAINING part / 255, split by
  ``train_test_split(test_size=0.2, random_state=0)`` into 8,000 fitted rows and
  2,000 held-out ones, k = 64 and 196, defaults.

Seeds: 0 on every cell; 1 on digits too (decided before the run, for the CPU
budget of about 25 minutes on a shared 2-core machine: Reuters at k = 128 and
MNIST at k = 196 take a minute or more a fit).

Measures per fit: ``n_iter``, held-out reconstruction error as a ratio to the
held-out error of the fitted rows' mean row (``val_ratio``; mean squared error
over the entries), the same on the fitted rows (``train_ratio``), the first
epoch's loss and its penalty part, dead codes (standard deviation over the fitted
rows below 1e-3), fit CPU seconds (one thread).

Decision rule (written and committed before the run): adopt ``data`` if

1. on every cell (data set, k, decoder, seed) its ``val_ratio`` is not worse than
   ``loss``'s by more than 0.002;
2. on at least one Reuters cell it is better by at least 0.005; and
3. the median over the cells of the fit-time ratio (``data`` / ``loss``, CPU
   seconds) is at most 1.5 (copied rows count as 1.0).

Otherwise it is not adopted, and the round is written up as measured.

    PYTHONPATH=. python benchmarks/autoencoder_tol_data_term.py
    PYTHONPATH=. python benchmarks/autoencoder_tol_data_term.py --quick  # smoke

Writes benchmarks/results/autoencoder_tol_data_term[_quick].{json,md}.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(__file__))
from _common import RESULTS, add_common_args, markdown_header  # noqa: E402
from _common import run_record, save_json, set_threads  # noqa: E402
from autoencoder_text_degenerate_dev import data as reuters_dev  # noqa: E402

from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

from sknonneg import NonNegAutoencoder  # noqa: E402
from sknonneg.datasets import load_mnist  # noqa: E402

STEM = "autoencoder_tol_data_term"
TOL_ABOVE = 0.002  # rule 1
GAIN_AT_LEAST = 0.005  # rule 2
TIME_RATIO_MAX = 1.5  # rule 3


class _Rule(NonNegAutoencoder):
    """The estimator with the stall rule's reference named by ``_reference``;
    records the first epoch's loss and penalty part."""

    _reference = "loss"
    _stall_reads_penalty = True

    def _stall_tol(self, first_loss, first_penalty=0.0):
        # Both rules written out here: the estimator's own has been ``data`` since
        # this script's run adopted it.
        self.first_penalty_ = float(first_penalty)
        if self._reference == "loss":
            return self.tol * abs(float(first_loss)), "tol times the first loss"
        threshold = self.tol * abs(float(first_loss) - float(first_penalty))
        return threshold, f"tol={self.tol} times the first epoch's data term"


class _DataRule(_Rule):
    _reference = "data"


RULES = {"loss": _Rule, "data": _DataRule}


def cells(data_home, quick):
    """``(data set name, X, X_val, [(k, decoder name, params, seeds)])``."""
    X, X_val = reuters_dev(data_home, quick, 4000)
    decoders = [("sigmoid", {}), ("linear", dict(decoder="linear", dtype="float32",
                                                 learning_rate_init=0.003))]
    ks = [16, 32] if quick else [16, 32, 64, 128]
    yield "reuters", X, X_val, [(k, d, p, [0]) for k in ks for d, p in decoders]
    Xd = load_digits().data
    Xd_tr, Xd_val = train_test_split(Xd, test_size=0.25, random_state=0)
    scaler = MinMaxScaler().fit(Xd_tr)
    yield ("digits", scaler.transform(Xd_tr), scaler.transform(Xd_val),
           [(k, "sigmoid", {}, [0, 1]) for k in (16, 32)])
    Xm = load_mnist(data_home=data_home, return_X_y=True)[0]  # training part only
    Xm = (Xm[:2000 if quick else 10000] / 255.0).astype(np.float64)
    Xm_tr, Xm_val = train_test_split(Xm, test_size=0.2, random_state=0)
    yield ("mnist", Xm_tr, Xm_val,
           [(k, "sigmoid", {}, [0]) for k in ((16,) if quick else (64, 196))])


def mse(X, R):
    X = X.toarray() if sp.issparse(X) else X
    return float(np.mean((np.asarray(X, dtype=np.float64) - R) ** 2))


def fit(rule, k, params, seed, X, X_val, mean_row, max_iter):
    est = RULES[rule](k, random_state=seed, max_iter=max_iter, **params)
    t0 = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X)
    cpu = time.process_time() - t0
    H = np.asarray(est.transform(X), dtype=np.float64)
    train = mse(X, est.inverse_transform(H)) / mse(X, np.broadcast_to(mean_row, X.shape))
    val = (mse(X_val, est.inverse_transform(est.transform(X_val)))
           / mse(X_val, np.broadcast_to(mean_row, X_val.shape)))
    first = float(est.loss_curve_[0])
    return {"n_iter": est.n_iter_, "val_ratio": val, "train_ratio": train,
            "first_loss": first, "first_penalty": est.first_penalty_,
            "penalty_share": est.first_penalty_ / first,
            "dead": int(np.sum(H.std(0) < 1e-3)), "fit_cpu_s": cpu}


def decide(rows):
    deltas = [r["data"]["val_ratio"] - r["loss"]["val_ratio"] for r in rows]
    times = [r["data"]["fit_cpu_s"] / r["loss"]["fit_cpu_s"] if not r["unaffected"]
             else 1.0 for r in rows]
    worst = max(deltas)
    best_reuters = min(d for d, r in zip(deltas, rows) if r["data_set"] == "reuters")
    median_time = float(np.median(times))
    rule1, rule2 = worst <= TOL_ABOVE, best_reuters <= -GAIN_AT_LEAST
    rule3 = median_time <= TIME_RATIO_MAX
    return {"worst_val_delta": worst, "best_reuters_val_delta": best_reuters,
            "median_time_ratio": median_time, "rule1": rule1, "rule2": rule2,
            "rule3": rule3, "adopt": bool(rule1 and rule2 and rule3)}


COLS = ["n_iter", "val_ratio", "train_ratio", "first_loss", "penalty_share", "dead",
        "fit_cpu_s"]


def markdown(result):
    lines = markdown_header(result["record"], "NonNegAutoencoder's stall rule: tol "
                            "relative to the first epoch's loss or its data term")
    lines += ["Held-out parts of TRAINING data only (Reuters development documents, "
              "digits and MNIST training rows); no test part is read. Columns: see "
              "the script's docstring; `loss` the rule now, `data` the candidate; "
              "`unaffected`: `loss` ran max_iter epochs, so `data` is the same fit "
              "(not run again).", "",
              "| cell | rows fitted / held out | " + " | ".join(
                  f"{c} loss / data" for c in COLS) + " | val delta |",
              "| --- | --- |" + " ---: |" * (len(COLS) + 1)]
    for r in result["rows"]:
        a, b = r["loss"], r["data"]
        cells_ = []
        for c in COLS:
            fmt = (lambda v: str(v)) if c in ("n_iter", "dead") else (
                lambda v: f"{v:.4g}")
            cells_.append(f"{fmt(a[c])} / {fmt(b[c])}" if not r["unaffected"]
                          else f"{fmt(a[c])} (same)")
        name = (f"{r['data_set']} k={r['k']} {r['decoder']} seed {r['seed']}"
                + (" (unaffected)" if r["unaffected"] else ""))
        lines.append(f"| {name} | {r['n_fit']} / {r['n_val']} | " + " | ".join(cells_)
                     + f" | {b['val_ratio'] - a['val_ratio']:+.4f} |")
    if "decision" in result:
        d = result["decision"]
        lines += ["", "## Decision", "",
                  f"- rule 1 (no cell worse by more than {TOL_ABOVE}): worst "
                  f"{d['worst_val_delta']:+.4f}: {'met' if d['rule1'] else 'NOT met'}",
                  f"- rule 2 (a Reuters cell better by at least {GAIN_AT_LEAST}): best "
                  f"{d['best_reuters_val_delta']:+.4f}: "
                  f"{'met' if d['rule2'] else 'NOT met'}",
                  f"- rule 3 (median fit-time ratio at most {TIME_RATIO_MAX}): "
                  f"{d['median_time_ratio']:.3f}: {'met' if d['rule3'] else 'NOT met'}",
                  f"- **{'adopt' if d['adopt'] else 'not adopted'}**"]
    return "\n".join(lines) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter),
        seeds=False)
    args = parser.parse_args()
    set_threads(args.threads)
    max_iter = 10 if args.quick else 50
    stem = STEM + ("_quick" if args.quick else "")
    result = {"quick": args.quick, "max_iter": max_iter, "rows": []}
    for name, X, X_val, plan in cells(args.data_home, args.quick):
        mean_row = np.asarray(X.mean(axis=0), dtype=np.float64).ravel()
        for k, decoder, params, seeds in plan:
            for seed in seeds:
                row = {"data_set": name, "k": k, "decoder": decoder, "seed": seed,
                       "n_fit": X.shape[0], "n_val": X_val.shape[0]}
                row["loss"] = fit("loss", k, params, seed, X, X_val, mean_row,
                                  max_iter)
                row["unaffected"] = row["loss"]["n_iter"] == max_iter
                row["data"] = (dict(row["loss"]) if row["unaffected"] else
                               fit("data", k, params, seed, X, X_val, mean_row,
                                   max_iter))
                result["rows"].append(row)
                print({key: row[key] for key in ("data_set", "k", "decoder", "seed",
                                                 "unaffected")},
                      {c: (row["loss"][c], row["data"][c]) for c in COLS}, flush=True)
                result["record"] = run_record()
                save_json(RESULTS / f"{stem}.json", result)
                (RESULTS / f"{stem}.md").write_text(markdown(result))
    result["decision"] = decide(result["rows"])
    print(result["decision"])
    save_json(RESULTS / f"{stem}.json", result)
    (RESULTS / f"{stem}.md").write_text(markdown(result))


if __name__ == "__main__":
    main()
