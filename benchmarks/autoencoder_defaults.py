"""How NonNegAutoencoder's defaults were chosen (issue 15): test reconstruction error
on MNIST at k = 196 for the KL sparsity weight, the solver and Adam's step size.

Each configuration is one fit on a subset of the MNIST training rows (default 10,000,
seed 0), scored on the 10,000 test rows: mean squared error per entry, accuracy of
LogisticRegression on the codes, wall and CPU seconds of the fit; NMF(196,
init="nndsvda", max_iter=400, tol=1e-4) in the same run as the reference.

    python benchmarks/autoencoder_defaults.py [--rows 10000] [--k 196]

Writes benchmarks/results/autoencoder_defaults.{json,md}.
"""

import argparse
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, __import__("os").path.dirname(__file__))
from _common import (  # noqa: E402
    RESULTS, Timer, git_commit, machine, mnist, package_location, save_json, set_threads,
)
from sklearn.decomposition import NMF  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import sknonneg  # noqa: E402
from sknonneg import NonNegAutoencoder  # noqa: E402

ADAM = dict(solver="adam", learning_rate_init=0.01, max_iter=30)
CONFIGS = {
    "adam lr 0.01, beta 0 (the default's settings, 30 epochs)": dict(ADAM, sparsity_weight=0.0),
    "adam lr 0.01, beta 0.01": dict(ADAM, sparsity_weight=0.01),
    "adam lr 0.01, beta 0.1": dict(ADAM, sparsity_weight=0.1),
    "adam lr 0.003, beta 0": dict(ADAM, sparsity_weight=0.0, learning_rate_init=0.003),
    "lbfgsb full batch, beta 0, 100 iterations": dict(solver="lbfgsb", sparsity_weight=0.0,
                                                      max_iter=100),
    "lbfgsb full batch, beta 3 (NCAE's), 100 iterations": dict(solver="lbfgsb", sparsity_weight=3.0,
                                                 max_iter=100),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--rows", type=int, default=10000)
    parser.add_argument("--k", type=int, default=196)
    args = parser.parse_args(argv)
    set_threads(1)
    import os
    X_train, y_train, X_test, y_test = mnist(args.data_home or os.environ.get("SKNONNEG_DATA"))
    idx = np.random.RandomState(0).choice(X_train.shape[0], args.rows, replace=False)
    X_train, y_train = X_train[idx], y_train[idx]
    models = {name: NonNegAutoencoder(args.k, dtype="float32", random_state=0, **params)
              for name, params in CONFIGS.items()}
    models["NMF"] = NMF(args.k, init="nndsvda", max_iter=400, tol=1e-4, random_state=0)
    rows = []
    for name, est in models.items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Timer() as t:
                est.fit(X_train)
        codes_train, codes_test = est.transform(X_train), est.transform(X_test)
        mse = float(np.mean((X_test - est.inverse_transform(codes_test)) ** 2))
        acc = LogisticRegression(max_iter=1000).fit(codes_train, y_train).score(
            codes_test, y_test)
        rows.append({"config": name, "test_mse": mse, "lr_accuracy": float(acc),
                     "fit_s": t.wall, "fit_cpu_s": t.cpu, "load": t.load})
        print(f"{name:55s} mse={mse:.5f} acc={acc:.4f} fit={t.wall:.1f}s "
              f"cpu={t.cpu:.1f}s load={t.load:.1f}", flush=True)
    result = {"command": "python benchmarks/autoencoder_defaults.py "
                         + " ".join(sys.argv[1:] if argv is None else argv),
              "commit": git_commit(), "machine": machine(), "date": time.ctime(),
              "sknonneg": package_location(), "rows": rows}
    save_json(RESULTS / "autoencoder_defaults.json", result)
    lines = ["# NonNegAutoencoder: choosing the defaults (issue 15)", "",
             f"Command: `{result['command']}`  ", f"Commit: `{result['commit']}`  ",
             f"MNIST: {args.rows} training rows (seed 0), the 10,000 test rows, "
             f"k = {args.k}, float32, one thread, one seed; the machine is shared "
             "(load average at each fit).", "",
             "| configuration | test MSE | LR accuracy | fit s | fit CPU s | load |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {r['config']} | {r['test_mse']:.5f} | {r['lr_accuracy']:.4f} | "
              f"{r['fit_s']:.1f} | {r['fit_cpu_s']:.1f} | {r['load']:.1f} |" for r in rows]
    (RESULTS / "autoencoder_defaults.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
