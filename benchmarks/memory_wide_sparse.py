"""Peak memory of a fit on a wide sparse bag-of-words (issue: no dense
(n_samples, n_features) array for a sparse input, ever).

Each configuration runs in a fresh process: it builds a random CSR matrix
(``--n-samples`` x ``--n-features``, ``--density``, float64 values, int32 indices),
then fits a NonNegMLPClassifier (``--hidden`` units, 10 classes) while a thread samples
the resident set size every 5 ms. Reported: the peak above the level just before
``fit``, against the sizes that explain it and the bound of the reliability issue,
``2 x (CSR input + 4 x parameters)``. With ``--warm-up`` the process first fits the
same estimator on 400 rows, so that numba's compiled kernels are loaded before the
measured fit (the peak is then the fit's arrays alone); without it, loading them
is part of the measured fit, as in a fresh process.

    python benchmarks/memory_wide_sparse.py [--solvers adam lbfgsb] [--n-features 200000]

Results: benchmarks/results/<name>.{json,md} (``--name``, default
memory_wide_sparse).
"""

import argparse
import json
import os
import subprocess
import sys
import time

from _common import (
    REPO, RESULTS, git_commit, machine, package_location, save_json,
)

CHILD = r"""
import gc, json, sys, threading, time, warnings
import numpy as np, psutil, scipy.sparse as sp
warnings.simplefilter("ignore")
sys.path.insert(0, {repo!r})
from threadpoolctl import threadpool_limits
from sknonneg import NonNegMLPClassifier
rng = np.random.default_rng(0)
n, d, density = {n}, {d}, {density}
nnz_row = max(1, int(round(d * density)))
indices = np.sort(rng.integers(0, d, size=(n, nnz_row)).astype(np.int32), axis=1)
indptr = np.arange(0, n * nnz_row + 1, nnz_row, dtype=np.int32)
X = sp.csr_matrix((rng.random(n * nnz_row) + 0.5, indices.ravel(), indptr), shape=(n, d))
X.sum_duplicates()
y = rng.integers(0, 10, n)
del indices
gc.collect()
proc = psutil.Process()
peak = [0]
stop = threading.Event()
def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], proc.memory_info().rss)
        time.sleep(0.005)
est = NonNegMLPClassifier(({hidden},), solver={solver!r}, max_iter={max_iter},
                          gain={gain}, early_stopping=False, random_state=0)
if {warm_up}:
    from sklearn.base import clone
    clone(est).fit(X[:400], y[:400])
    gc.collect()
with threadpool_limits(1):
    base = proc.memory_info().rss
    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    est.fit(X, y)
    seconds = time.perf_counter() - t0
    stop.set()
    thread.join()
peak[0] = max(peak[0], proc.memory_info().rss)
input_bytes = X.data.nbytes + X.indices.nbytes + X.indptr.nbytes
print(json.dumps({{"solver": {solver!r}, "warm_up": {warm_up}, "n_samples": n, "n_features": d,
                  "sknonneg": {location!r},
                  "nnz": int(X.nnz), "n_params": int(est._theta.shape[0]),
                  "input_mb": input_bytes / 2**20,
                  "params_mb": est._theta.nbytes / 2**20,
                  "peak_above_base_mb": (peak[0] - base) / 2**20,
                  "fit_s": seconds, "n_iter": int(est.n_iter_)}}))
"""


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--solvers", nargs="+", default=["adam", "lbfgsb"])
    parser.add_argument("--n-samples", type=int, default=20_000)
    parser.add_argument("--n-features", type=int, default=200_000)
    parser.add_argument("--density", type=float, default=0.001)
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--max-iter", type=int, default=1)
    parser.add_argument("--gain", type=float, default=None,
                        help="a fixed gain: full-batch L-BFGS-B then runs one stage, "
                             "so max_iter >= 20 fills its 20 curvature pairs (default: "
                             "the annealed (1, 2), five stages)")
    parser.add_argument("--warm-up", action="store_true",
                        help="also measure each solver after a warm-up fit on 400 rows "
                             "(numba's kernels loaded before the measured fit)")
    parser.add_argument("--name", default="memory_wide_sparse",
                        help="result file name (without extension)")
    args = parser.parse_args()
    rows = []
    runs = [(solver, warm) for solver in args.solvers
            for warm in ((False, True) if args.warm_up else (False,))]
    for solver, warm in runs:
        # The child imports sknonneg from the repository too (its sys.path), so its
        # location is the parent's (before: the child called package_location,
        # which it had not imported, and every row was a NameError).
        code = CHILD.format(repo=str(REPO), location=package_location(),
                            n=args.n_samples, d=args.n_features,
                            density=args.density, hidden=args.hidden, solver=solver,
                            max_iter=args.max_iter, warm_up=warm,
                            gain=(1.0, 2.0) if args.gain is None else args.gain)
        out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                             text=True, timeout=3000)
        last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
        row = json.loads(last) if last.startswith("{") else {
            "solver": solver, "error": (out.stderr or out.stdout)[-500:]}
        rows.append(row)
        print(row, flush=True)
    result = {"command": "python benchmarks/memory_wide_sparse.py " + " ".join(sys.argv[1:]),
              "git_commit": git_commit(), "machine": machine(), "rows": rows}
    md = ["# Peak memory of a fit on a wide CSR bag-of-words", "",
          f"Command: `{result['command']}` at commit `{result['git_commit']}`. "
          f"Peak resident memory above the level just before `fit` (sampled every "
          f"5 ms), one run each. Input: CSR float64 values + int32 indices; parameters: "
          f"float64. Bound: 2 x (input + 4 x parameters). Warm-up: a fit on 400 rows "
          f"first, so that numba's compiled kernels are loaded before the measured fit.",
          "", "| solver | warm-up | shape | nnz | input MB | params MB | bound MB | peak MB | "
          "peak / bound | peak / params | fit s (iterations) |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            md.append(f"| {r['solver']} | error: {r['error'][:100]} | | | | | | | | | |")
            continue
        bound = 2 * (r["input_mb"] + 4 * r["params_mb"])
        r["bound_mb"] = bound
        md.append(f"| {r['solver']} | {'yes' if r.get('warm_up') else 'no'} "
                  f"| {r['n_samples']} x {r['n_features']} | {r['nnz']:,} "
                  f"| {r['input_mb']:.1f} | {r['params_mb']:.1f} | {bound:.0f} | "
                  f"{r['peak_above_base_mb']:.0f} | {r['peak_above_base_mb'] / bound:.2f} "
                  f"| {r['peak_above_base_mb'] / r['params_mb']:.1f} "
                  f"| {r['fit_s']:.1f} ({r['n_iter']}) |")
    save_json(RESULTS / f"{args.name}.json", result)
    (RESULTS / f"{args.name}.md").write_text("\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
