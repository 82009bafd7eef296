"""numba threading layers for sknonneg: speed of a fit, and survival of a fork.

For each layer (``omp``, ``workqueue``, ``tbb``; ``NUMBA_THREADING_LAYER`` set in a
fresh process each), fits a NonNegMLPClassifier (full-batch L-BFGS-B) on an MNIST
subset with a 2-thread budget, after a warm-up fit, and reports the median time
per L-BFGS-B iteration over the repeats; then forks a ``multiprocessing`` pool
whose workers fit and predict, with a time limit (a hang or abort is "fails").
Results: benchmarks/results/threading_layers.{json,md}.

    python benchmarks/threading_layers.py [--n-samples 10000] [--repeats 3]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time

from _common import REPO, RESULTS, add_common_args, git_commit, machine, save_json

CHILD = r"""
import json, multiprocessing as mp, sys, time, warnings
import numpy as np
warnings.simplefilter("ignore")
sys.path.insert(0, {repo!r})
from threadpoolctl import threadpool_limits
import numba
from sknonneg import NonNegMLPClassifier
from sknonneg.datasets import load_mnist
X, _, y, _ = load_mnist(data_home={data_home!r}, return_X_y=True)
X, y = (X[:{n}] / 255.0).astype(np.float32), y[:{n}]
times = []
with threadpool_limits(2, user_api="blas"):
    for repeat in range({repeats} + 1):
        est = NonNegMLPClassifier((150,), max_iter=15, dtype="float32",
                                  early_stopping=False, random_state=0)
        t0 = time.perf_counter()
        est.fit(X, y)
        if repeat:  # the first is the warm-up
            times.append((time.perf_counter() - t0) / max(1, len(est.loss_curve_)))
layer = numba.threading_layer()

def work(i):
    small = NonNegMLPClassifier((10,), max_iter=3, random_state=0).fit(X[:500], y[:500])
    return float(est.predict_proba(X[:10]).sum() + small.loss_)

try:
    with mp.get_context("fork").Pool(2) as pool:
        pool.map_async(work, range(2)).get(timeout=120)
    fork = "survives"
except Exception as exc:
    fork = "fails (" + type(exc).__name__ + ")"
print(json.dumps({{"layer": layer, "s_per_iter": sorted(times)[len(times) // 2],
                  "all": times, "fork": fork}}))
"""


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--n-samples", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--layers", nargs="+", default=["omp", "workqueue", "tbb"])
    args = parser.parse_args()
    rows = []
    for layer in args.layers:
        code = CHILD.format(repo=str(REPO), data_home=args.data_home, n=args.n_samples,
                            repeats=args.repeats)
        env = {**os.environ, "NUMBA_THREADING_LAYER": layer}
        t0 = time.time()
        try:
            out = subprocess.run([sys.executable, "-c", code], env=env, timeout=900,
                                 capture_output=True, text=True)
            last = out.stdout.strip().splitlines()[-1] if out.stdout.strip() else ""
            # The error's exception line (a layer that is not installed: numba's
            # "ValueError: No threading layer could be loaded."), not a slice of the
            # traceback.
            text = (out.stderr or out.stdout).strip().splitlines()
            raised = [line for line in text if re.match(r"\w+(Error|Exception): ", line)]
            error = raised[-1] if raised else (text[-1] if text else
                                               f"exit {out.returncode}")
            row = json.loads(last) if last.startswith("{") else {
                "layer": layer, "error": error}
        except subprocess.TimeoutExpired:
            row = {"layer": layer, "error": "timed out"}
        row["requested"] = layer
        row["wall_s"] = round(time.time() - t0, 1)
        rows.append(row)
        print(row, flush=True)
    base = next((r["s_per_iter"] for r in rows if r.get("layer") == "omp"), None)
    argv = ["<data_home>" if a == args.data_home else a for a in sys.argv]
    result = {"command": " ".join(["python", *argv]),
              "git_commit": git_commit(), "machine": machine(),
              "n_samples": args.n_samples, "repeats": args.repeats, "rows": rows}
    save_json(RESULTS / "threading_layers.json", result)
    lines = ["# numba threading layers: fit speed and fork survival", "",
             f"Command: `{result['command']}` at commit `{result['git_commit']}`; "
             f"{args.n_samples} MNIST rows (float32, dense), 150 hidden units, "
             f"full-batch L-BFGS-B, 2-thread budget, median of {args.repeats} fits "
             f"after a warm-up. Shared 2-core machine: timings are noisy.", "",
             "| layer | s / iteration | vs omp | fork + Pool.map in the child |",
             "|---|---|---|---|"]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['requested']} | error: {r['error'][:160]} | | |")
            continue
        ratio = f"{r['s_per_iter'] / base:.2f}" if base else "n/a"
        lines.append(f"| {r['layer']} | {r['s_per_iter']:.4f} | {ratio} | {r['fork']} |")
    lines += ["", "Every layer survives because sknonneg runs the serial kernels in a "
              "child forked from a process whose numba runs GNU OpenMP; without that "
              "fallback the omp child is killed at its first parallel launch "
              "(\"fork() called from a process already using GNU OpenMP\"). sknonneg "
              "asks numba for its \"forksafe\" layer (tbb if installed, else "
              "workqueue) unless the user chose one."]
    (RESULTS / "threading_layers.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
