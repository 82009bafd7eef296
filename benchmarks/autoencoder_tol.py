"""What NonNegAutoencoder's ``tol`` stops: the stall rule of its epoch loop on the
fits the documentation quotes, under three rules.

The stall rule ends a fit after ``n_iter_no_change`` (10) epochs whose loss does
not fall more than a threshold below the best so far. The autoencoder's loss is the
reconstruction error summed over the features, in the data's units. Rules:

- ``absolute``: threshold ``tol`` (before this change);
- ``per_entry``: ``tol * n_features`` (``tol`` on the loss per entry, as
  scikit-learn's ``MLPRegressor`` averages over outputs; measured, not adopted);
- ``relative``: ``tol * loss_curve_[0]`` (the first epoch's loss, as NMF's ``tol``
  is relative to its starting error; the estimator's rule now).

Each fit runs as the estimator runs it; the three thresholds are applied to its
loss curve (a rule does not change the epochs before the one it stops at), so a
rule that never stops it within the epochs run ran them all. Where a rule stops a
fit early,
the fit is run again with ``max_iter`` at that epoch (the same first epochs: a
constant step, no gain schedule) and the quoted number measured there.

Fits (seed 0): digits MinMax-scaled, defaults; digits / 16, k = 16, 200 epochs (the
docstring's and ``examples/plot_autoencoder_parts.py``'s); Reuters top-10 tf-idf, k
= 64, linear decoder, float32 (``autoencoder_linear_start.py``); MNIST 10,000 rows,
k = 64 linear and k = 196, 30 epochs (``autoencoder_defaults.py``); full MNIST, k =
196, defaults (``autoencoder_vs_nmf.py``); one thread.

    python benchmarks/autoencoder_tol.py [--quick]

Writes benchmarks/results/autoencoder_tol.{json,md}.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(__file__))
from _common import (  # noqa: E402
    RESULTS, Timer, git_commit, machine, mnist, save_json, set_threads,
)
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.preprocessing import MinMaxScaler  # noqa: E402

import sknonneg  # noqa: E402
from sknonneg import NonNegAutoencoder  # noqa: E402


def stall_epoch(curve, threshold, n_iter_no_change=10):
    """The epoch (1-based) at which the stall rule ends a fit of epoch losses
    ``curve`` (None: never)."""
    best, stalled = np.inf, 0
    for epoch, loss in enumerate(curve):
        stalled = stalled + 1 if loss > best - threshold else 0
        best = min(best, loss)
        if stalled >= n_iter_no_change:
            return epoch + 1
    return None


def mse(est, X):
    dense = X.toarray() if sp.issparse(X) else np.asarray(X)
    return float(np.mean((dense - est.inverse_transform(est.transform(X))) ** 2))


def fits(data_home, quick):
    """``(name, params, X_train, X_scored, scored_on)``."""
    X = load_digits().data
    yield ("digits MinMax, defaults", {}, MinMaxScaler().fit_transform(X), None, "train")
    yield ("digits / 16, k = 16, 200 epochs", dict(n_components=16, max_iter=200),
           X / 16, None, "train")
    if quick:
        return
    from autoencoder_linear_start import load
    X_train, X_test, *_ = load("reuters", data_home)
    yield ("Reuters tf-idf, k = 64, linear", dict(n_components=64, decoder="linear",
                                                  dtype="float32"), X_train, X_test, "test")
    X_train, X_test, *_ = load("mnist", data_home)
    yield ("MNIST 10k, k = 64, linear", dict(n_components=64, decoder="linear",
                                             dtype="float32"), X_train, X_test, "test")
    yield ("MNIST 10k, k = 196, 30 epochs", dict(n_components=196, max_iter=30,
                                                 dtype="float32"), X_train, X_test, "test")
    X_train, _, X_test, _ = mnist(data_home)
    yield ("MNIST 60k, k = 196, defaults", dict(n_components=196, dtype="float32"),
           X_train, X_test, "test")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--quick", action="store_true", help="the digits fits only")
    args = parser.parse_args(argv)
    set_threads(1)
    warnings.simplefilter("ignore")
    data_home = args.data_home or os.environ.get("SKNONNEG_DATA")
    rows = []
    for name, params, X, X_scored, scored_on in fits(data_home, args.quick):
        X_scored = X if X_scored is None else X_scored
        est = NonNegAutoencoder(random_state=0, **params)
        with Timer() as t:
            est.fit(X)
        curve = np.asarray(est.loss_curve_)
        row = {"fit": name, "n_features": X.shape[1], "max_iter": est.max_iter,
               "epochs_run": est.n_iter_, "first_loss": float(curve[0]),
               "last_loss": float(curve[-1]), "scored_on": scored_on,
               "mse": mse(est, X_scored), "fit_cpu_s": t.cpu, "load": t.load,
               "loss_curve": curve.tolist()}
        for rule, threshold in (("absolute", est.tol),
                                ("per_entry", est.tol * X.shape[1]),
                                ("relative", est.tol * curve[0])):
            stop = stall_epoch(curve, threshold, est.n_iter_no_change)
            row[f"{rule}_epochs"] = est.n_iter_ if stop is None else stop
            if stop is None or stop == est.n_iter_:
                row[f"{rule}_mse"] = row["mse"]
            else:
                cut = NonNegAutoencoder(random_state=0, **dict(params, max_iter=stop))
                row[f"{rule}_mse"] = mse(cut.fit(X), X_scored)
        rows.append(row)
        print({k: v for k, v in row.items() if k != "loss_curve"}, flush=True)
    command = "python benchmarks/autoencoder_tol.py " + " ".join(
        sys.argv[1:] if argv is None else argv)
    result = {"command": command.strip(), "commit": git_commit(), "machine": machine(),
              "date": time.ctime(), "sknonneg": sknonneg.__file__, "rows": rows}
    tag = "_quick" if args.quick else ""
    save_json(RESULTS / f"autoencoder_tol{tag}.json", result)
    cols = ["fit", "n_features", "max_iter", "epochs_run", "first_loss",
            "absolute_epochs", "per_entry_epochs", "relative_epochs", "scored_on",
            "absolute_mse", "per_entry_mse", "relative_mse", "fit_cpu_s", "load"]
    lines = ["# What NonNegAutoencoder's tol stops", "",
             f"Command: `{result['command']}`  ", f"Commit: `{result['commit']}`  ",
             "Seed 0, one thread. `epochs_run`: the fit as the estimator ran it. "
             "`*_epochs`: where the stall rule stops it with threshold `tol` "
             "(absolute, before), `tol * n_features` (per entry, not adopted), "
             "`tol * first_loss` (relative, now), or `epochs_run` where it does "
             "not stop it before; `*_mse`: the mean squared error "
             "per entry (on `scored_on`) of the fit stopped there.", "",
             "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(
            f"{r[c]:.3g}" if c.endswith("mse") or c == "first_loss" else
            f"{r[c]:.1f}" if c in ("fit_cpu_s", "load") else str(r[c]) for c in cols)
            + " |")
    (RESULTS / f"autoencoder_tol{tag}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
