"""Where the L2 share of the autoencoder's first epoch loss comes from (dev).

Development data only, as ``autoencoder_text_degenerate_dev.py`` (its ``data``:
4,000 development-training and 1,298 validation documents of the Reuters TRAINING
part; the test part is never read). For k in ``--k`` and each decoder (the
default sigmoid; ``decoder="linear", dtype="float32",
learning_rate_init=0.003``), at the start the fit draws (``_init_theta`` with
``RandomState(0)``, over the first 2,000 rows):

- ``l2_W1``, ``l2_W2``: ``l2 * ||W||_F^2`` of the encoder and the decoder, in the
  raw units of the weights (the autoencoder has no ``penalty_units``);
- ``dir_spread``: the data's spread along each encoder unit's direction,
  ``std(X w_j / ||w_j||)`` over the rows (root mean square over the units): the
  start scales each unit to a pre-activation spread of 1, so ``||w_j|| = 1 /
  spread_j`` and ``l2 ||W1||^2 = l2 sum_j 1 / spread_j^2`` (``pred_l2_W1``);
- ``data0``: the data term at the start (half the squared error summed over the
  features, mean over the rows), and the L2 share ``l2 / (l2 + data0)``.

``--refit NAME ...`` adds, for the default (sigmoid) decoder at k = 64, seed 0,
the fits ``tol1e-4`` (every parameter at its default), ``tol0`` (``tol=0``: all
50 epochs) and ``l2_0_tol0`` (``l2=0, tol=0``): epochs, training ratio to the
mean row's error, and the dead codes (standard deviation over the training rows
below 1e-3); fits of an earlier run are kept.

    PYTHONPATH=. python benchmarks/autoencoder_l2_share_dev.py --refit tol1e-4 tol0
    PYTHONPATH=. python benchmarks/autoencoder_l2_share_dev.py --refit l2_0_tol0

(the run recorded: the two commands in this order; the first printed
``enc_scale``, a rescaling factor of a draw of its own, instead of
``dir_spread``, and was rerun without its fits).

Writes benchmarks/results/autoencoder_l2_share_dev.{json,md}.
"""

import argparse
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import RESULTS, add_common_args, markdown_header  # noqa: E402
from _common import run_record, save_json, set_threads  # noqa: E402
from autoencoder_text_degenerate_dev import data, mse  # noqa: E402

from sknonneg import NonNegAutoencoder  # noqa: E402

DECODERS = {"sigmoid": {}, "linear": dict(decoder="linear", dtype="float32",
                                          learning_rate_init=0.003)}


def start(k, params, X):
    est = NonNegAutoencoder(k, random_state=0, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.set_params(max_iter=1).fit(X[:50])
    layout = est._build_layout(X.shape[1], X.shape[1])
    Xs = X[:2000]
    theta = est._init_theta(layout, Xs, np.random.RandomState(0))
    (W1, W2), (b1, b2) = layout.arrays(theta)
    H = 1.0 / (1.0 + np.exp(-(Xs @ W1 + b1)))
    out = H @ W2 + b2
    if est.decoder == "sigmoid":
        out = 1.0 / (1.0 + np.exp(-out))
    data0 = 0.5 * float(np.sum((Xs.toarray().astype(np.float64) - out) ** 2)) / Xs.shape[0]
    W = W1.astype(np.float64)
    norms = np.sqrt(np.sum(W ** 2, axis=0))
    spread = np.asarray(Xs @ (W / norms)).std(0)
    l2_w1 = est.l2 * float(np.sum(W1.astype(np.float64) ** 2))
    l2_w2 = est.l2 * float(np.sum(W2.astype(np.float64) ** 2))
    return {"l2_W1": l2_w1, "l2_W2": l2_w2, "data0": data0,
            "dir_spread": float(np.sqrt(np.mean(spread ** 2))),
            "pred_l2_W1": est.l2 * float(np.sum(1.0 / spread ** 2)),
            "share": (l2_w1 + l2_w2) / (l2_w1 + l2_w2 + data0)}


REFITS = {"tol1e-4": {}, "tol0": dict(tol=0.0), "l2_0_tol0": dict(l2=0.0, tol=0.0)}


def refit(X, mean_row, name):
    est = NonNegAutoencoder(64, random_state=0, **REFITS[name])
    t0 = time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        est.fit(X)
    H = np.asarray(est.transform(X), dtype=np.float64)
    ratio = mse(X, est.inverse_transform(H)) / mse(X, np.broadcast_to(mean_row, X.shape))
    return {"fit": name, "n_iter": est.n_iter_, "train_ratio": ratio,
            "dead": np.flatnonzero(H.std(0) < 1e-3).tolist(),
            "first_loss": float(est.loss_curve_[0]), "last_loss": float(est.loss_),
            "fit_cpu_s": time.process_time() - t0}


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             seeds=False)
    parser.add_argument("--k", type=int, nargs="+", default=[16, 32, 64, 128])
    parser.add_argument("--refit", nargs="*", default=[], choices=list(REFITS))
    args = parser.parse_args()
    set_threads(args.threads)
    X, _ = data(args.data_home, args.quick, 4000)
    rows = []
    for k in args.k:
        for name, params in DECODERS.items():
            row = {"k": k, "decoder": name, **start(k, params, X)}
            rows.append(row)
            print(row, flush=True)
    fits = []
    if (RESULTS / "autoencoder_l2_share_dev.json").exists():
        import json
        fits = json.loads((RESULTS / "autoencoder_l2_share_dev.json").read_text())["fits"]
    fits = [f for f in fits if f["fit"] not in args.refit]
    mean_row = np.asarray(X.mean(axis=0), dtype=np.float64)
    for name in args.refit:
        fits.append(refit(X, mean_row, name))
        print(fits[-1], flush=True)
    result = {"record": run_record(), "rows": rows, "fits": fits,
              "n_features": X.shape[1]}
    save_json(RESULTS / "autoencoder_l2_share_dev.json", result)
    lines = markdown_header(result["record"], "NonNegAutoencoder on Reuters tf-idf: "
                            "the L2 share of the first loss (development run)")
    cols = ["l2_W1", "l2_W2", "pred_l2_W1", "dir_spread", "data0", "share"]
    lines += [f"Development documents only ({X.shape[0]} x {X.shape[1]}); columns: "
              "see the script's docstring.", "",
              "| k | decoder | " + " | ".join(cols) + " |",
              "| ---: | --- |" + " ---: |" * len(cols)]
    for r in rows:
        lines.append(f"| {r['k']} | {r['decoder']} | "
                     + " | ".join(f"{r[c]:.4g}" for c in cols) + " |")
    if fits:
        lines += ["", "| sigmoid, k = 64 | n_iter | train_ratio | dead codes | "
                  "first_loss | last_loss | fit_cpu_s |",
                  "| ---: | ---: | ---: | --- | ---: | ---: | ---: |"]
        for f in fits:
            lines.append(f"| {f['fit']} | {f['n_iter']} | {f['train_ratio']:.4f} | "
                         f"{len(f['dead'])}: {f['dead']} | {f['first_loss']:.4g} | "
                         f"{f['last_loss']:.4g} | {f['fit_cpu_s']:.1f} |")
    (RESULTS / "autoencoder_l2_share_dev.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
