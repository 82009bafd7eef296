"""Which kernels should a fit run on: the NumPy twins or numba's? (``flavour_for``)

A fit whose ``n_samples * work_per_row`` (multiply-adds of one forward pass) is at
most ``NUMPY_MAX_WORK = 2**24`` runs on the NumPy twins of the kernels
(``sknonneg._kernels.flavour_for``), so that it compiles nothing. This times whole
fits on each flavour, each in a fresh process (the cost a user pays: for numba,
importing it and loading the kernels from the disk cache), and a second fit in the
same process (the ``GridSearchCV`` situation, kernels loaded):

- ``numpy``: the NumPy twins (``numpy_max_work(2**62)``);
- ``numba fresh``: the numba kernels from a warm disk cache, first fit of a process;
- ``numba in-process``: the same, second fit of that process;
- ``numba cold``: the first fit with an empty ``NUMBA_CACHE_DIR`` (compilation
  included), for the configurations given to ``--cold``.

CPU seconds (user + system of the process during ``fit``), one thread
(``OMP/OPENBLAS/NUMBA_NUM_THREADS=1``), median over ``--repeats``; the two
flavours of a repeat run one after the other, in a shuffled order. Synthetic data:
standard normal features (CSR: 5% density, uniform values), labels from a noisy
linear score of the first 20 columns; ``tol=0`` so every fit runs ``--max-iter``
L-BFGS-B iterations.

    python benchmarks/flavour_threshold.py [--repeats 3] [--max-iter 100]

Results: ``benchmarks/results/flavour_threshold.{json,md}``.

Private imports (sknonneg._*): ``numpy_max_work`` chooses the kernels' flavour for
whole fits, the threshold being measured; no parameter makes that choice.
"""

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent

# name: (estimator, n_samples, n_features, hidden layers, classes, sparse)
CONFIGS = {
    "bin 2000x20, h10": ("clf", 2000, 20, [10], 2, False),
    "bin 5000x20, h50": ("clf", 5000, 20, [50], 2, False),
    "bin 12000x10, h100": ("clf", 12000, 10, [100], 2, False),
    "bin 50000x20, h50": ("clf", 50000, 20, [50], 2, False),
    "10-class 1500x64, h50": ("clf", 1500, 64, [50], 10, False),
    "10-class 500x784, h50": ("clf", 500, 784, [50], 10, False),
    "10-class 5000x784, h10": ("clf", 5000, 784, [10], 10, False),
    "2 layers 5000x20, h50-50": ("clf", 5000, 20, [50, 50], 2, False),
    "regressor 10000x10, h100": ("reg", 10000, 10, [100], 1, False),
    "CSR bin 2000x500, h50": ("clf", 2000, 500, [50], 2, True),
    "CSR bin 5000x1000, h50": ("clf", 5000, 1000, [50], 2, True),
}
COLD = ["bin 2000x20, h10", "10-class 1500x64, h50", "CSR bin 2000x500, h50"]


def _cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child(spec):
    """One process: ``spec["fits"]`` fits on one flavour; prints a JSON line."""
    import warnings

    import numpy as np
    import scipy.sparse as sp

    warnings.simplefilter("ignore")
    est_kind, n, f, hidden, classes, sparse = CONFIGS[spec["name"]]
    rng = np.random.default_rng(0)
    if sparse:
        X = sp.random(n, f, density=0.05, format="csr",
                      random_state=np.random.RandomState(0))
        X.data = rng.random(X.data.shape[0])
    else:
        X = rng.standard_normal((n, f))
    k = min(f, 20)
    score = np.asarray(X[:, :k] @ rng.standard_normal(k)).ravel()
    score += 0.5 * rng.standard_normal(n)
    if est_kind == "reg":
        y = score
    elif classes == 2:
        y = (score > np.median(score)).astype(int)
    else:
        y = np.digitize(score, np.quantile(score, np.linspace(0, 1, classes + 1)[1:-1]))

    from sknonneg import NonNegMLPClassifier, NonNegMLPRegressor
    from sknonneg._kernels import numpy_max_work

    Est = NonNegMLPClassifier if est_kind == "clf" else NonNegMLPRegressor
    limit = -1 if spec["flavour"] == "numba" else 1 << 62
    fits, outputs = [], []
    with numpy_max_work(limit):
        for _ in range(spec["fits"]):
            est = Est(tuple(hidden), max_iter=spec["max_iter"], tol=0.0, random_state=0)
            start = _cpu()
            est.fit(X, y)
            fits.append(_cpu() - start)
            outputs.append(est.predict(X) if est_kind == "reg" else est.predict_proba(X))
    print(json.dumps({
        "fits": fits, "n_iter": int(est.n_iter_),
        "work": n * sum(int(np.size(w)) for w in est.coefs_),
        "n_units": n * sum(int(np.shape(w)[1]) for w in est.coefs_),
        "output": np.asarray(outputs[0], dtype=float).ravel()[:2000].tolist(),
    }))


def run_child(spec, cache_dir):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1",
               MKL_NUM_THREADS="1", NUMBA_NUM_THREADS="1", NUMBA_CACHE_DIR=cache_dir,
               PYTHONPATH=os.pathsep.join([str(HERE.parent),
                                           os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)],
                          env=env, capture_output=True, text=True, check=False)
    if done.returncode:
        raise RuntimeError(f"{spec}: {done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--max-iter", type=int, default=100)
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS),
                        choices=list(CONFIGS))
    parser.add_argument("--cold", nargs="*", default=COLD, choices=list(CONFIGS))
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(json.loads(args.child))

    import numpy as np

    from _common import markdown_header, run_record, save_json, versions
    from _common import RESULTS

    warm = tempfile.mkdtemp(prefix="sknonneg_numba_warm_")
    try:
        for name in args.configs:  # fill the warm cache (3 iterations each)
            run_child({"name": name, "flavour": "numba", "fits": 1, "max_iter": 3}, warm)
        runs = []
        for rep in range(args.repeats):
            jobs = [(name, flavour) for name in args.configs
                    for flavour in ("numpy", "numba")]
            random.Random(rep).shuffle(jobs)
            for name, flavour in jobs:
                spec = {"name": name, "flavour": flavour, "max_iter": args.max_iter,
                        "fits": 2 if flavour == "numba" else 1}
                out = run_child(spec, warm)
                runs.append({**spec, "repeat": rep, **out})
                print(f"{time.strftime('%H:%M:%S')} {name} {flavour} "
                      f"{[round(t, 2) for t in out['fits']]}", flush=True)
        for rep in range(args.repeats):
            for name in args.cold:
                cold = tempfile.mkdtemp(prefix="sknonneg_numba_cold_")
                try:
                    spec = {"name": name, "flavour": "numba", "fits": 1,
                            "max_iter": args.max_iter}
                    out = run_child(spec, cold)
                finally:
                    shutil.rmtree(cold, ignore_errors=True)
                runs.append({**spec, "flavour": "numba cold", "repeat": rep, **out})
                print(f"{name} cold {round(out['fits'][0], 2)}", flush=True)
    finally:
        shutil.rmtree(warm, ignore_errors=True)

    def median(name, flavour, fit=0):
        return statistics.median(r["fits"][fit] for r in runs
                                 if r["name"] == name and r["flavour"] == flavour)

    rows = []
    for name in args.configs:
        first = {f: next(r for r in runs if r["name"] == name and r["flavour"] == f)
                 for f in ("numpy", "numba")}
        rows.append({
            "config": name, "work": first["numpy"]["work"],
            "n_units": first["numpy"]["n_units"],
            "numpy_rule": first["numpy"]["work"] <= 1 << 24,
            "numpy": median(name, "numpy"), "numba_fresh": median(name, "numba"),
            "numba_in_process": median(name, "numba", 1),
            "numba_cold": median(name, "numba cold") if name in args.cold else None,
            "max_abs_output_difference": float(np.max(np.abs(
                np.subtract(first["numpy"]["output"], first["numba"]["output"])))),
        })
    for r in runs:
        r.pop("output")
    result = {"max_iter": args.max_iter, "repeats": args.repeats,
              "versions": versions(), "rows": rows, "runs": runs}

    def markdown(res):
        lines = markdown_header(res["record"], "NumPy twins or numba kernels: whole fits")
        lines += [
            f"Versions: {res['versions']}. CPU seconds of one `fit` ({res['max_iter']} "
            f"L-BFGS-B iterations, `tol=0`, one thread), median of {res['repeats']} "
            "fresh processes; `numba fresh`: first fit of a process, kernels loaded "
            "from a warm disk cache (numba's import included); `numba in-process`: "
            "the second fit of that process; `numba cold`: an empty cache "
            "(compilation included). `work`: rows x multiply-adds per row, what "
            "`flavour_for` compares with 2**24; `n x units`: rows x (hidden + "
            "output units). `rule`: the flavour `flavour_for` picks. The output "
            "difference is of the fitted models' outputs (the flavours differ by "
            "rounding, which L-BFGS-B amplifies over the iterations).", "",
            "| configuration | work | n x units | rule | NumPy | numba fresh | "
            "numba in-process | numba cold | fresh: faster | max output difference |",
            "| --- | ---: | ---: | --- | ---: | ---: | ---: | ---: | --- | ---: |"]
        for r in res["rows"]:
            cold = "-" if r["numba_cold"] is None else f"{r['numba_cold']:.2f}"
            faster = "NumPy" if r["numpy"] < r["numba_fresh"] else "numba"
            lines.append(
                f"| {r['config']} | {r['work']:.2g} | {r['n_units']:.2g} | "
                f"{'NumPy' if r['numpy_rule'] else 'numba'} | {r['numpy']:.2f} | "
                f"{r['numba_fresh']:.2f} | {r['numba_in_process']:.2f} | {cold} | "
                f"{faster} | {r['max_abs_output_difference']:.1g} |")
        return "\n".join(lines) + "\n"

    result["record"] = run_record()
    save_json(RESULTS / "flavour_threshold.json", result)
    (RESULTS / "flavour_threshold.md").write_text(markdown(result))
    print(markdown(result))


if __name__ == "__main__":
    main()
