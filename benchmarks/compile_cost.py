"""Compilation cost of the digits demo network on the numba kernels, per source tree.

For each ``--tree`` (a checkout or ``git archive`` of a commit), runs
``first_run.py``'s forced-numba fit (``NonNegMLPClassifier((50,), positive=True,
max_iter=200)`` on 1347 digits rows, ``numpy_max_work(-1)``) in a fresh process with
an empty ``NUMBA_CACHE_DIR``, then again with the cache it filled: compilation =
process CPU seconds cold minus warm. Run the trees concurrently (one process each)
on a shared machine, so that they see the same load.

Usage: ``python benchmarks/compile_cost.py --tree DIR [--repeats 1]``; prints one
JSON line per repeat.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", required=True)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    tree = Path(args.tree).resolve()
    sys.path.insert(0, str(tree / "benchmarks"))
    import first_run  # the tree's own, which puts the tree first on PYTHONPATH

    assert Path(first_run.REPO) == tree, first_run.REPO
    runs = []
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as cache:
            model = Path(cache) / "model.skops"
            cold = first_run.child("fit", cache, model, "numba")
            warm = first_run.child("fit", cache, model, "numba")
        runs.append({"compile_cpu": cold["process_cpu"] - warm["process_cpu"],
                     "fit_cpu_cold": cold["fit_cpu"], "fit_cpu_warm": warm["fit_cpu"],
                     "fit_wall_cold": cold["fit_wall"], "accuracy": cold["accuracy"],
                     "load": os.getloadavg()[0]})
        print(json.dumps(runs[-1]), flush=True)
    print("median compile CPU s:", statistics.median(r["compile_cpu"] for r in runs))


if __name__ == "__main__":
    main()
