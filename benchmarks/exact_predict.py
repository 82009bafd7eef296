"""Prediction time of the fixed-order path (monotone networks) against the BLAS path.

Monotone networks (every weight layer after the first non-negative) predict through
``sknonneg._kernels.fixed``: each product summed in a fixed order, so that a row's
outputs depend on that row only and the network is monotone as computed. This
measures what that costs against the BLAS products the other networks use, on the
same fitted model (the BLAS path forced by switching the model's fixed order off):

- Adult (official test split, 16281 rows, one-hot + scaled as in
  ``monotone_tabular.py``), the monotone network of that benchmark (32 units);
- MNIST (10000 test rows, pixels / 255), a ``positive=True`` 784-150-10 network,
  dense and CSR input.

Warm-up, then the median of ``--repeats`` calls of ``predict_proba``, wall and CPU
seconds, and the ratio fixed / BLAS in the same run.
"""

import argparse
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning

from _common import (RESULTS, add_common_args, git_commit, machine, mnist, save_json,
                     set_threads)
from monotone_tabular import MONOTONE, models

import sknonneg
from sknonneg import NonNegMLPClassifier
from sknonneg.datasets import load_adult


def _timed(func, repeats):
    func()  # warm-up (compiles on a cold cache)
    walls, cpus = [], []
    for _ in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        func()
        walls.append(time.perf_counter() - t0)
        cpus.append(time.process_time() - c0)
    return float(np.median(walls)), float(np.median(cpus))


def _compare(name, est, X, repeats):
    """Fixed-order against BLAS predict_proba of ``est`` on ``X``; checks that the
    two agree to rounding."""
    assert est._fixed_order()
    fixed = _timed(lambda: est.predict_proba(X), repeats)
    p_fixed = est.predict_proba(X)
    est._fixed_order = lambda: False  # the BLAS path, on the same weights
    blas = _timed(lambda: est.predict_proba(X), repeats)
    p_blas = est.predict_proba(X)
    del est._fixed_order
    row = {"case": name, "rows": X.shape[0], "fixed_wall_s": fixed[0],
           "fixed_cpu_s": fixed[1], "blas_wall_s": blas[0], "blas_cpu_s": blas[1],
           "ratio_wall": fixed[0] / blas[0], "ratio_cpu": fixed[1] / blas[1],
           "max_abs_diff": float(np.abs(p_fixed - p_blas).max())}
    print(row, flush=True)
    return row


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             seeds=False)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    set_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    print("sknonneg from", sknonneg.__file__, flush=True)
    rows = []
    # Adult: the monotone network of monotone_tabular.py, preprocessing excluded.
    X, y = load_adult(subset="train", data_home=args.data_home, return_X_y=True)
    y = y.to_numpy()
    X_test, _ = load_adult(subset="test", data_home=args.data_home,
                           return_X_y=True)
    pipe = models("adult", args.quick)[0][MONOTONE][0](0)
    pipe.set_params(model__max_iter=30).fit(X, y)
    est = pipe[-1]
    Xt = np.ascontiguousarray(pipe[:-1].transform(X_test), dtype=np.float64)
    rows.append(_compare(f"Adult {Xt.shape[0]} x {Xt.shape[1]}, (32,), float64", est,
                         Xt, args.repeats))
    # MNIST: positive=True 784-150-10.
    X_train, y_train, X_te, _ = mnist(args.data_home, quick=args.quick)
    net = NonNegMLPClassifier(hidden_layer_sizes=(150,), positive=True, max_iter=10,
                              random_state=0).fit(X_train[:10000], y_train[:10000])
    X_te = np.ascontiguousarray(X_te, dtype=net._compute_dtype)
    rows.append(_compare(f"MNIST {X_te.shape[0]} x 784, (150,), "
                         f"{np.dtype(net._compute_dtype).name}, dense", net, X_te,
                         args.repeats))
    rows.append(_compare(f"MNIST {X_te.shape[0]} x 784, (150,), "
                         f"{np.dtype(net._compute_dtype).name}, CSR", net,
                         sp.csr_matrix(X_te), args.repeats))
    import os
    result = {"commit": git_commit(), "machine": machine(), "threads": args.threads,
              "load_average": os.getloadavg(), "rows": rows,
              "command": "python benchmarks/exact_predict.py " + " ".join(sys.argv[1:])}
    stem = "exact_predict" + ("_quick" if args.quick else "")
    save_json(RESULTS / f"{stem}.json", result)
    lines = ["# Prediction time: fixed-order (monotone networks) against BLAS", "",
             f"Command: `{result['command']}`; commit `{result['commit']}`; "
             f"{args.threads} thread(s); load average {result['load_average'][0]:.1f} "
             "at the end (a shared 2-core machine).", "",
             "Median of the `predict_proba` calls (after a warm-up), the same fitted "
             "model on both paths.", "",
             "| case | fixed wall (s) | fixed CPU (s) | BLAS wall (s) | BLAS CPU (s) | "
             "ratio wall | ratio CPU | max abs diff |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['fixed_wall_s']:.4f} | {r['fixed_cpu_s']:.4f} "
                     f"| {r['blas_wall_s']:.4f} | {r['blas_cpu_s']:.4f} | "
                     f"{r['ratio_wall']:.2f} | {r['ratio_cpu']:.2f} | "
                     f"{r['max_abs_diff']:.2g} |")
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
