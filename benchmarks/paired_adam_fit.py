"""Paired CPU time of an Adam fit at two checkouts: the training loop's own cost.

One run (``--child``) fits ``NonNegMLPClassifier(150, solver="adam",
batch_size=128)`` for 4 epochs on 6000 synthetic rows of 784 columns (30% non-zero,
so the estimator's CSR path), one thread, after a 1-epoch warm-up fit on 500 rows
(numba's compilation is cached on disk), and prints the CPU seconds of the timed
fit. With 128-row batches the projected Adam step over the 119,260 parameters is a
large share of each step, so a change to it shows here. The driver runs the two
checkouts in fresh processes, alternating (A B, then B A), and reports the median
ratio new / base with a 95% bootstrap interval (pairs resampled).

Usage::

    python benchmarks/paired_adam_fit.py --base /path/to/checkout-A --pairs 12

``--new`` defaults to this checkout. ``--model abba`` fits ``ABBAClassifier`` (its
tanh layers: the ABBA kernels' activation branches) and ``--model tanh``
``NonNegMLPClassifier(activation="tanh")`` (the dense kernels' general variant)
instead, with the same data and settings. Writes
``benchmarks/results/paired_adam_fit{--suffix}.{json,md}``.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _common import save_result  # noqa: E402
from paired_engine import bootstrap_median_ci  # noqa: E402


MODELS = {
    "nonneg": "NonNegMLPClassifier(150, solver='adam', batch_size=128)",
    "abba": "ABBAClassifier(150, solver='adam', batch_size=128)",
    "tanh": "NonNegMLPClassifier(150, activation='tanh', solver='adam', batch_size=128)",
}


def child(model="nonneg"):
    import warnings

    warnings.simplefilter("ignore")
    from sknonneg import ABBAClassifier, NonNegMLPClassifier

    rng = np.random.RandomState(0)
    X = rng.rand(6000, 784)
    X[X < 0.7] = 0.0
    y = rng.randint(0, 10, 6000)
    kw = dict(hidden_layer_sizes=150, solver="adam", batch_size=128, random_state=0)
    Est = ABBAClassifier if model == "abba" else NonNegMLPClassifier
    if model == "tanh":
        kw["activation"] = "tanh"
    Est(max_iter=1, **kw).fit(X[:500], y[:500])
    start = time.process_time()
    Est(max_iter=4, n_iter_no_change=100, **kw).fit(X, y)
    print(time.process_time() - start)


def run(tree, model="nonneg"):
    env = {**os.environ, "PYTHONPATH": str(tree), "NUMBA_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child",
                          "--model", model],
                         env=env, capture_output=True, text=True, check=True, cwd=tree)
    return float(out.stdout.strip().splitlines()[-1])


def tree_commit(tree):
    return subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"],
                          capture_output=True, text=True).stdout.strip()


def markdown(result):
    rec = result["record"]
    lo, hi = result["ci95"]
    lines = [
        "# Paired Adam fit: new / base CPU time", "",
        f"Command: `{rec['command']}`  ",
        f"base {result['base_commit']}, new {result['new_commit']}; "
        f"{rec['machine']['cpu_count']} CPUs (shared; load {rec['load_1min']:.1f} at "
        "the end), one thread per process", "",
        f"{MODELS[result.get('model', 'nonneg')]}, 4 epochs on 6000 x "
        "784 synthetic rows (30% non-zero), CPU seconds of the fit, fresh processes "
        "alternating A B / B A.", "",
        "| pair | base (s) | new (s) | new / base |", "| ---: | ---: | ---: | ---: |",
    ]
    for i, (a, b) in enumerate(zip(result["base_s"], result["new_s"])):
        lines.append(f"| {i} | {a:.3f} | {b:.3f} | {b / a:.3f} |")
    lines += ["", f"Median ratio new / base: **{result['median_ratio']:.3f}** (95% "
              f"bootstrap interval {lo:.3f} to {hi:.3f}, {len(result['base_s'])} "
              "pairs).", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--base", help="checkout A (the commit before)")
    parser.add_argument("--new", default=str(HERE.parent), help="checkout B")
    parser.add_argument("--pairs", type=int, default=12)
    parser.add_argument("--suffix", default="")
    parser.add_argument("--model", choices=sorted(MODELS), default="nonneg",
                        help="the network fitted (default: nonneg, as before)")
    args = parser.parse_args(argv)
    if args.child:
        child(args.model)
        return
    if not args.base:
        parser.error("--base is required")
    base_s, new_s = [], []
    for i in range(args.pairs):
        order = [("base", args.base), ("new", args.new)]
        if i % 2:
            order.reverse()
        times = {name: run(tree, args.model) for name, tree in order}
        base_s.append(times["base"])
        new_s.append(times["new"])
        print(f"pair {i}: base {times['base']:.3f} s, new {times['new']:.3f} s",
              flush=True)
    ratios = np.array(new_s) / np.array(base_s)
    result = {"model": args.model, "base_commit": tree_commit(args.base),
              "new_commit": tree_commit(args.new),
              "base_s": base_s, "new_s": new_s,
              "median_ratio": float(np.median(ratios)),
              "ci95": bootstrap_median_ci(ratios)}
    save_result(f"paired_adam_fit{args.suffix}", result, markdown)
    print(markdown(result))


if __name__ == "__main__":
    main()
