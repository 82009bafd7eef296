"""Grid search of 24 NonNegMLPClassifier candidates on MNIST: serial vs Dask workers.

The same ``GridSearchCV`` (24 candidates x 3 folds = 72 fits, ``refit=False``) runs

1. ``serial``: ``n_jobs=1`` in this process with its default threads (every fit may
   use all cores through numba and BLAS): what a user gets without Dask;
2. ``serial_1thread``: ``n_jobs=1`` with BLAS and numba held to one thread: the
   one-core baseline that per-core speed-up is measured against;
3. ``dask_<n>w``: ``n_jobs=-1`` under ``joblib.parallel_config(backend="dask")`` on a
   ``LocalCluster(n_workers=n, threads_per_worker=1)``, kernels warmed on every
   worker before the clock starts (the cluster start and warm-up are timed
   separately).

Run from the repository root::

    python benchmarks/dask_gridsearch.py --data-home ../shared/data

Options: ``--n-samples`` (stratified subset of the 60k training images, default
1000), ``--workers 2 4 8``, ``--repeats`` (runs of serial_1thread and of each
cluster, alternating, default 3), ``--serial-repeats`` (default 1). Writes
``benchmarks/results/dask_gridsearch.json`` and ``.md``. Timings are medians over
repeats; no timed run compiles (the parallel kernels come from numba's disk
cache, the serial ones are warmed before timing).
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, StratifiedKFold, train_test_split
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
import sknonneg  # noqa: E402
from _common import git_commit  # noqa: E402
from sknonneg import NonNegMLPClassifier  # noqa: E402
from sknonneg.parallel import ThreadLimits, warm_kernels  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
GRID = {
    "positive": [True, False],
    "l1": [0.0, 1e-5, 1e-4],
    "hidden_layer_sizes": [25, 50, 100, (50, 25)],
}
MAX_ITER = 30
N_FOLDS = 3


def load(data_home, n_samples):
    d = np.load(Path(data_home) / "mnist.npz")
    X, y = d["X_train"], d["y_train"].astype(np.int64)
    if n_samples < X.shape[0]:
        X, _, y, _ = train_test_split(X, y, train_size=n_samples, stratify=y,
                                      random_state=0)
    return X / 255.0, y


def make_search(n_jobs):
    return GridSearchCV(
        NonNegMLPClassifier(max_iter=MAX_ITER, random_state=0), GRID,
        cv=StratifiedKFold(N_FOLDS, shuffle=True, random_state=0), n_jobs=n_jobs,
        refit=False)


def timed(func):
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def summary(search):
    return {"best_params": {k: (list(v) if isinstance(v, tuple) else v)
                            for k, v in search.best_params_.items()},
            "best_score": float(search.best_score_),
            "mean_test_score": [float(s) for s in search.cv_results_["mean_test_score"]]}


def run_serial(X, y, one_thread):
    if one_thread:
        with threadpool_limits(limits=1):
            return timed(lambda: make_search(1).fit(X, y))
    return timed(lambda: make_search(1).fit(X, y))


def start_cluster(n_workers):
    from distributed import Client, LocalCluster

    start = time.perf_counter()
    cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    client.wait_for_workers(n_workers)
    started = time.perf_counter() - start
    start = time.perf_counter()
    client.register_plugin(ThreadLimits(1, warm_for=NonNegMLPClassifier()))
    warmed = time.perf_counter() - start
    return cluster, client, {"cluster_start_s": started, "warm_up_s": warmed}


def run_dask(X, y):
    import joblib

    with joblib.parallel_config(backend="dask"):
        return timed(lambda: make_search(-1).fit(X, y))


def record(runs, name, elapsed, search, **extra):
    run = runs.setdefault(name, {"times_s": [], "load_1min": [], **extra})
    run["times_s"].append(elapsed)
    run["load_1min"].append(os.getloadavg()[0])
    run["median_s"] = float(np.median(run["times_s"]))
    run.update(summary(search))
    print(f"{name}: {elapsed:.1f} s (load {run['load_1min'][-1]:.1f})", flush=True)


def _spin(seconds):
    start, cpu = time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        pass
    return time.process_time() - cpu


def cpu_available(n_procs, seconds=3.0):
    """Cores' worth of CPU that ``n_procs`` busy processes get together right now.

    On a machine shared with other jobs this, not ``os.cpu_count()``, bounds the
    speed-up any number of workers can give.
    """
    import multiprocessing

    with multiprocessing.get_context("spawn").Pool(n_procs) as pool:
        return sum(pool.map(_spin, [seconds] * n_procs)) / seconds


def versions():
    import dask
    import distributed
    import joblib
    import numba
    import scipy
    import sklearn

    return {"python": platform.python_version(), "sknonneg": sknonneg.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__, "numba": numba.__version__,
            "joblib": joblib.__version__, "dask": dask.__version__,
            "distributed": distributed.__version__}


def machine():
    cpu = platform.processor()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "n_cores": os.cpu_count(), "platform": platform.platform()}


def runs_sentence(report):
    """How many runs the timings are: a "median" of one run is one run."""
    n, n_serial = report["repeats"], report["serial_repeats"]
    text = (f"Median of {n} runs" if n > 1 else "One run (no repeat, so no median "
            "and no spread: a single timing on a shared machine)") + (
        " of serial_1thread and of each cluster, alternating; ")
    if n_serial == 0:
        text += ("the all-threads serial search was not run, so there is no "
                 "speed-up against it.")
    else:
        text += f"{n_serial} run(s) of the all-threads serial search."
    return text


def write_markdown(report, path):
    runs = report["runs"]
    base1 = runs["serial_1thread"]["median_s"]
    has_serial = "serial" in runs
    commit = report.get("git_commit")
    lines = [
        "# Grid search on Dask: serial vs LocalCluster workers",
        "",
        f"Command: `{report['command']}`  ",
        f"Commit: `{commit}`" if commit else
        "Commit: not recorded (the run predates the script recording it).",
        "",
        f"MNIST, stratified subset of {report['n_samples']} of the 60,000 training "
        f"images (/255), 784 features; `NonNegMLPClassifier(max_iter={MAX_ITER}, "
        f"random_state=0)` (full-batch L-BFGS-B); grid {report['grid']} = "
        f"{report['n_candidates']} candidates x {N_FOLDS} folds = "
        f"{report['n_fits']} fits; `refit=False`. " + runs_sentence(report),
        "",
        f"Machine: {report['machine']['cpu']}, {report['machine']['n_cores']} cores "
        f"(load average {report['load_before'][0]:.1f} before, "
        f"{report['load_after'][0]:.1f} after; "
        + ("shared with other jobs: the timings are noisy and the speed-ups below "
           "are what this machine gave, not what free cores give)."
           if report["machine"]["n_cores"] < 8 else
           "the CPU probe below says how many of them were free)."),
        "",
        "CPU actually available (cores' worth of CPU time that n busy processes got "
        "together over 3 s; a speed-up from n workers needs the figure near n): "
        + "; ".join(f"{n} process{'es' if n != '1' else ''}: "
                    f"{report['cpu_available_before'][n]:.2f} before, "
                    f"{report['cpu_available_after'][n]:.2f} after"
                    for n in report["cpu_available_before"]) + ".",
        "",
        "| run | " + ("median wall time, s (each run)" if report["repeats"] > 1 else
                     "wall time, s (one run: no median)")
        + " | load average after each run | speed-up vs serial, 1 thread | "
        + ("speed-up vs serial, all threads | " if has_serial else "")
        + "per-worker efficiency |",
        "|---|---|---|---|" + ("---|" if has_serial else "") + "---|",
    ]
    base_all = runs["serial"]["median_s"] if has_serial else None
    for name, run in runs.items():
        n = run.get("n_workers")
        speedup1 = base1 / run["median_s"]
        eff = f"{speedup1 / n:.2f}" if n else ""
        times = ", ".join(f"{t:.0f}" for t in run["times_s"])
        loads = ", ".join(f"{v:.1f}" for v in run["load_1min"])
        lines.append(f"| {name} | {run['median_s']:.1f} ({times}) | {loads} | "
                     f"{speedup1:.2f}x | "
                     + (f"{base_all / run['median_s']:.2f}x | " if has_serial else "")
                     + f"{eff} |")
    lines += [""]
    ref_times = runs["serial_1thread"]["times_s"]
    for name, run in runs.items():
        if name.startswith("dask") and len(run["times_s"]) == len(ref_times):
            pairs = ", ".join(f"{a / b:.2f}x" for a, b in zip(ref_times, run["times_s"]))
            lines.append(f"- {name}: speed-up over serial_1thread in each round "
                         f"(the two ran back to back): {pairs}.")
    for name, run in runs.items():
        if "cluster_start_s" in run:
            lines.append(f"- {name}: cluster start {run['cluster_start_s']:.1f} s, "
                         f"kernel warm-up on every worker {run['warm_up_s']:.1f} s "
                         "(not in the wall time above).")
    lines += [
        f"- Same best parameters in every run: {report['same_best_params']} "
        f"({report['runs']['serial_1thread']['best_params']}, mean CV accuracy "
        f"{report['runs']['serial_1thread']['best_score']:.4f}); identical mean test "
        f"scores of all 24 candidates between serial_1thread and the Dask runs: "
        f"{report['same_scores_as_serial_1thread']}.",
        "- Per-worker efficiency = speed-up over the one-thread serial run / number "
        "of workers (the issue's target: >= 0.8 where cores are free).",
    ]
    if report.get("note_16_cores"):
        lines.append(f"- {report['note_16_cores']}")
    if "serial" in runs and runs["serial"]["median_s"] > base1:
        lines.append(
            f"- The all-threads serial search was "
            f"{runs['serial']['median_s'] / base1:.1f}x slower than the one-thread "
            "one: with the cores busy with other jobs, each of sknonneg's parallel "
            "kernels waits for its slowest thread. On a shared machine, one thread "
            "per fit (and one worker per free core) is the faster setting.")
    lines += [
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()),
        "",
    ]
    path.write_text("\n".join(lines))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-home", default=str(Path(__file__).resolve().parents[2]
                                                   / "shared" / "data"))
    parser.add_argument("--n-samples", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[2])
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of serial_1thread and of each Dask cluster")
    parser.add_argument("--serial-repeats", type=int, default=1,
                        help="runs of the all-threads serial search (0: skip)")
    parser.add_argument("--out", default=str(RESULTS / "dask_gridsearch"))
    parser.add_argument("--render-only", action="store_true",
                        help="rewrite the .md from the .json, running nothing")
    args = parser.parse_args()
    out = Path(args.out)
    if args.render_only:
        write_markdown(json.loads(out.with_suffix(".json").read_text()),
                       out.with_suffix(".md"))
        return
    commit = git_commit()  # the code that runs, read before any later commit
    warnings.simplefilter("ignore", ConvergenceWarning)

    X, y = load(args.data_home, args.n_samples)
    # Compile the serial kernels here too, so no run below pays for compilation.
    warm_kernels(NonNegMLPClassifier())
    load_before = os.getloadavg()
    # Busy processes probed: 1, 2 and the largest cluster (its workers' share).
    probes = sorted({1, 2, min(max(args.workers), os.cpu_count() or 1)})
    probe_before = {str(n): cpu_available(n) for n in probes}
    print("CPU available to", probes, "busy processes:", probe_before, flush=True)
    runs = {}
    # The machine may be shared: the one-thread serial run and the Dask runs
    # alternate, so that a change of load hits both alike.
    for n in args.workers:
        cluster, client, extra = start_cluster(n)
        try:
            for _ in range(args.repeats):
                if n == args.workers[0]:
                    record(runs, "serial_1thread", *run_serial(X, y, one_thread=True))
                record(runs, f"dask_{n}w", *run_dask(X, y), n_workers=n, **extra)
        finally:
            client.close()
            cluster.close()
    for _ in range(args.serial_repeats):
        record(runs, "serial", *run_serial(X, y, one_thread=False))
    load_after = os.getloadavg()
    probe_after = {str(n): cpu_available(n) for n in probes}

    ref = runs["serial_1thread"]
    report = {
        "command": "python benchmarks/dask_gridsearch.py " + " ".join(sys.argv[1:]),
        "git_commit": commit,
        "n_samples": int(X.shape[0]),
        "grid": {k: [list(v) if isinstance(v, tuple) else v for v in vals]
                 for k, vals in GRID.items()},
        "n_candidates": int(np.prod([len(v) for v in GRID.values()])),
        "n_fits": int(np.prod([len(v) for v in GRID.values()])) * N_FOLDS,
        "max_iter": MAX_ITER,
        "repeats": args.repeats,
        "serial_repeats": args.serial_repeats,
        "runs": runs,
        "same_best_params": all(r["best_params"] == ref["best_params"]
                                for r in runs.values()),
        "same_scores_as_serial_1thread": all(
            r["mean_test_score"] == ref["mean_test_score"]
            for name, r in runs.items() if name.startswith("dask")),
        "cpu_available_before": probe_before,
        "cpu_available_after": probe_after,
        "load_before": list(load_before),
        "load_after": list(load_after),
        "machine": machine(),
        "versions": versions(),
        "note_16_cores": None if (os.cpu_count() or 1) >= 8 else (
            "No 16-core machine was available in this session (the device machine "
            "was not lent to this task), so the 1 vs 4 vs 8 worker comparison was not "
            "run; on such a machine: python benchmarks/dask_gridsearch.py "
            "--workers 1 4 8."),
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    write_markdown(report, out.with_suffix(".md"))
    print(out.with_suffix(".md").read_text())


if __name__ == "__main__":
    main()
