"""What a new user waits for: import, the first fit and the first predict, cold.

Every measurement runs in a fresh Python process. "Cold" means an empty numba cache
directory (``NUMBA_CACHE_DIR`` set to a new temporary folder per run), "warm" the
same folder once a first process filled it. Times are CPU seconds of the process
(user + system, all threads, from ``resource.getrusage``), the figure that stays
meaningful on a shared, loaded machine; wall seconds are reported next to them but
move with the load. Compilation = CPU seconds of the cold process minus those of the
warm one.

Measured:

- ``import sknonneg`` against ``import sklearn.neural_network`` (fresh processes);
- the digits demo network (``python -m sknonneg``'s first model:
  ``NonNegMLPClassifier((50,), positive=True, max_iter=200)`` on 1347 digits rows):
  its fit and first ``predict`` cold and warm, and ``predict`` after
  ``sknonneg.persist.load`` in a fresh process; on the default path (small problems
  on the NumPy twins of the kernels) and with the numba kernels forced
  (``numpy_max_work(-1)``), to show what the compilation costs;
- scikit-learn's ``MLPClassifier(logistic, lbfgs)`` on the same data, for scale.

Usage: ``python benchmarks/first_run.py [--repeats 3]``; writes
``benchmarks/results/first_run.{json,md}``.

Private imports (sknonneg._*): ``numpy_max_work`` (in the child processes) forces
the numba kernels, to show what their compilation costs: a choice of kernels that no
parameter makes.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import RESULTS, git_commit, machine, save_json

REPO = Path(__file__).resolve().parents[1]

CHILD = r"""
import json, os, resource, sys, time, warnings
warnings.simplefilter("ignore")

def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime

out = {}
task = sys.argv[1]
c0, w0 = cpu(), time.perf_counter()
if task == "import_sklearn":
    import sklearn.neural_network  # noqa
elif task == "import_sknonneg":
    import sknonneg  # noqa
out["import_cpu"], out["import_wall"] = cpu() - c0, time.perf_counter() - w0
if task.startswith("import"):
    print(json.dumps(out)); sys.exit()

import contextlib
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X / 16.0, y, test_size=0.25, stratify=y, random_state=0)
model_file = sys.argv[2]
force_numba = sys.argv[3] == "numba"
if task == "load_predict":
    import sknonneg.persist
    c0, w0 = cpu(), time.perf_counter()
    est = sknonneg.persist.load(model_file, trusted=["sknonneg.neural_network._nonneg_mlp.NonNegMLPClassifier"])
    out["load_cpu"] = cpu() - c0
    c0, w0 = cpu(), time.perf_counter()
    context = contextlib.nullcontext()
    if force_numba:
        from sknonneg._kernels import numpy_max_work
        context = numpy_max_work(-1)
    with context:
        est.predict(X_test)
    out["predict_cpu"], out["predict_wall"] = cpu() - c0, time.perf_counter() - w0
elif task == "sklearn_fit":
    from sklearn.neural_network import MLPClassifier
    c0, w0 = cpu(), time.perf_counter()
    MLPClassifier((50,), activation="logistic", solver="lbfgs", max_iter=200,
                  random_state=0).fit(X_train, y_train)
    out["fit_cpu"], out["fit_wall"] = cpu() - c0, time.perf_counter() - w0
else:  # fit
    from sknonneg import NonNegMLPClassifier
    context = contextlib.nullcontext()
    if force_numba:
        from sknonneg._kernels import numpy_max_work
        context = numpy_max_work(-1)
    with context:
        est = NonNegMLPClassifier((50,), positive=True, max_iter=200, random_state=0)
        c0, w0 = cpu(), time.perf_counter()
        est.fit(X_train, y_train)
        out["fit_cpu"], out["fit_wall"] = cpu() - c0, time.perf_counter() - w0
        c0, w0 = cpu(), time.perf_counter()
        out["accuracy"] = float(np.mean(est.predict(X_test) == y_test))
        out["predict_cpu"], out["predict_wall"] = cpu() - c0, time.perf_counter() - w0
    try:
        import sknonneg.persist
        sknonneg.persist.dump(est, model_file)
    except ImportError:
        pass
out["process_cpu"] = cpu()
print(json.dumps(out))
"""


def child(task, cache_dir, model_file="", path="numpy"):
    env = dict(os.environ, NUMBA_CACHE_DIR=str(cache_dir),
               PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    result = subprocess.run([sys.executable, "-c", CHILD, task, str(model_file), path],
                            env=env, capture_output=True, text=True, cwd=REPO)
    if result.returncode:
        raise RuntimeError(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


def median(runs, key):
    return statistics.median(run[key] for run in runs)


def measure_path(path, repeats):
    """Cold and warm fits (+ predicts) of the demo network on ``path``."""
    runs = []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as cache:
            model = Path(cache) / "model.skops"
            cold = child("fit", cache, model, path)
            load_cold = child("load_predict", cache, model, path)
            warm = child("fit", cache, model, path)
            load_warm = child("load_predict", cache, model, path)
        runs.append(dict(cold=cold, warm=warm, load_cold=load_cold, load_warm=load_warm))
    cold = [r["cold"] for r in runs]
    warm = [r["warm"] for r in runs]
    return {
        "fit_cpu_cold": median(cold, "fit_cpu"),
        "fit_wall_cold": median(cold, "fit_wall"),
        "fit_cpu_warm": median(warm, "fit_cpu"),
        "fit_wall_warm": median(warm, "fit_wall"),
        "compile_cpu": statistics.median(
            c["process_cpu"] - w["process_cpu"] for c, w in zip(cold, warm)),
        "predict_cpu_cold": median(cold, "predict_cpu"),
        "predict_cpu_warm": median(warm, "predict_cpu"),
        "load_predict_cpu_cold": median([r["load_cold"] for r in runs], "predict_cpu"),
        "load_predict_cpu_warm": median([r["load_warm"] for r in runs], "predict_cpu"),
        "accuracy": cold[0]["accuracy"],
        "runs": runs,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--numba-repeats", type=int, default=1,
                        help="repeats of the forced-numba path (each compiles)")
    parser.add_argument("--output", default="first_run")
    args = parser.parse_args(argv)
    results = {"command": "python benchmarks/first_run.py " + " ".join(argv or sys.argv[1:]),
               "commit": git_commit(), "machine": machine(),
               "load_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as cache:
        imports = {name: [child(name, cache) for _ in range(args.repeats)]
                   for name in ("import_sklearn", "import_sknonneg")}
    results["import"] = {name: {"cpu": median(runs, "import_cpu"),
                                "wall": median(runs, "import_wall")}
                         for name, runs in imports.items()}
    with tempfile.TemporaryDirectory() as cache:
        sk = [child("sklearn_fit", cache) for _ in range(args.repeats)]
    results["sklearn_fit_cpu"] = median(sk, "fit_cpu")
    results["sklearn_fit_wall"] = median(sk, "fit_wall")
    results["default_path"] = measure_path("numpy", args.repeats)
    results["numba_forced"] = measure_path("numba", args.numba_repeats)
    results["load_end"] = os.getloadavg()[0]
    save_json(RESULTS / f"{args.output}.json", results)
    (RESULTS / f"{args.output}.md").write_text(markdown(results))
    print(markdown(results))


def markdown(r):
    imp = r["import"]
    extra = imp["import_sknonneg"]["cpu"] - imp["import_sklearn"]["cpu"]
    lines = [
        "# First run: import, first fit, first predict (digits demo network)",
        "",
        f"Command: `{r['command']}`; commit `{r['commit']}`; "
        f"{r['machine']['cpu_count']} CPUs, load average {r['load_start']:.1f} -> "
        f"{r['load_end']:.1f} (shared machine: CPU seconds are the figure to read, "
        "wall seconds move with the load). Medians over fresh processes; cold = "
        "empty `NUMBA_CACHE_DIR`.",
        "",
        "| measurement | CPU s | wall s |",
        "|---|---:|---:|",
        f"| `import sklearn.neural_network` | {imp['import_sklearn']['cpu']:.2f} | "
        f"{imp['import_sklearn']['wall']:.2f} |",
        f"| `import sknonneg` | {imp['import_sknonneg']['cpu']:.2f} | "
        f"{imp['import_sknonneg']['wall']:.2f} |",
        f"| import overhead (sknonneg - sklearn) | {extra:.2f} | |",
        f"| sklearn `MLPClassifier(logistic, lbfgs)` fit | {r['sklearn_fit_cpu']:.2f} | "
        f"{r['sklearn_fit_wall']:.2f} |",
    ]
    for key, label in (("default_path", "default path"),
                       ("numba_forced", "numba kernels forced")):
        p = r[key]
        lines += [
            f"| {label}: fit, cold | {p['fit_cpu_cold']:.2f} | {p['fit_wall_cold']:.2f} |",
            f"| {label}: fit, warm | {p['fit_cpu_warm']:.2f} | {p['fit_wall_warm']:.2f} |",
            f"| {label}: compilation (process CPU cold - warm) | {p['compile_cpu']:.2f} | |",
            f"| {label}: first predict after fit, cold / warm | "
            f"{p['predict_cpu_cold']:.2f} / {p['predict_cpu_warm']:.2f} | |",
            f"| {label}: first predict after `persist.load`, cold / warm | "
            f"{p['load_predict_cpu_cold']:.2f} / {p['load_predict_cpu_warm']:.2f} | |",
        ]
    lines += ["", f"Test accuracy of the demo network: "
              f"{r['default_path']['accuracy']:.2%} (default path), "
              f"{r['numba_forced']['accuracy']:.2%} (numba kernels).", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
