"""Thread scaling of sknonneg's fits, 1 to 16 threads, beside scikit-learn's MLP.

Each workload is fitted at every thread budget of ``--threads``, set the way
doc/engine.md ("Threads") tells a user to: ``threadpoolctl.threadpool_limits(n,
user_api="blas")`` around the fit. sknonneg's fits take NumPy's BLAS limit as their
budget and give numba as many threads (``sknonneg/_threads.py``), so one setting
governs both; scikit-learn's ``MLPClassifier`` gets the same BLAS limit.

Workloads (fixed work: ``tol=0``, no early stopping, a fixed number of iterations or
epochs, in brackets, ``--quick`` 3 and 1; every fit ``random_state=0``; MNIST: the
first ``--n-samples`` training rows, default 10,000):

a. ``mnist_lbfgsb``: ``NonNegMLPClassifier((150,), dtype="float32")``, full-batch
   L-BFGS-B (30 iterations), dense float32 MNIST rows (pixels / 255). MNIST has 19%
   non-zeros, so sknonneg runs it on its CSR kernels (doc/engine.md, "Kernels").
b. ``mnist_adam``: the same network and data, ``solver="adam"`` (mini-batches of
   200 rows), 3 epochs.
c. ``reuters_lbfgsb``: the same classifier on Reuters-21578 top-10 (ModApte
   training documents, ``TfidfVectorizer(stop_words="english", min_df=3)``, float32
   CSR; target: each document's first category), full-batch L-BFGS-B (15).
d. ``mnist_autoencoder``: ``NonNegAutoencoder(64, solver="lbfgsb", dtype="float32")``
   on (a)'s rows, full-batch L-BFGS-B (20).
e. ``sklearn_mlp``: scikit-learn's ``MLPClassifier((150,), activation="logistic",
   solver="lbfgs", alpha=1e-5, tol=0)`` on (a)'s rows (float32, which it keeps; 30),
   the baseline: the same network and data; its products run in NumPy's BLAS.

They run in the order a to e: scikit-learn's last, so that ``--time-limit`` cuts
its repeats first (on the loaded 2-core machine where this script was written, its
fit with NumPy's and SciPy's BLAS both on 2 threads took 3-4x its time on one).
Per workload: one warm-up fit at each thread count (the first one compiles numba's
kernels where the disk cache has none; its time is recorded apart), then
``--repeats`` rounds, each fitting once at every thread count in turn (so that a
drift of the machine hits every count alike).
Reported per thread count: median wall and CPU (this process, all threads) seconds
per iteration (Adam: per epoch), speed-up and efficiency against the smallest count
(1 thread); the evaluations of the objective (loss and gradient), their share of the
wall time and their own speed-up (the rest is the solver's serial work: on Reuters,
whose first layer has 1.5M weights, L-BFGS-B's ``setulb`` takes most of a fit);
and the threads actually in effect
during the fit, read at its first evaluation of the objective (wrapped for the
warm-up fit, not assumed): numba's ``get_num_threads()``, the kernels' row chunks
and flavour, and every BLAS pool's ``num_threads`` (threadpoolctl), NumPy's told
apart from SciPy's. The results are written after each workload, so a run cut short
keeps the workloads done (``"complete": false``); so does ``--time-limit`` (default
330 s), past which no workload and no round of repeats is started that would end
later.

Usage (16 free cores; the data folder holds mnist.npz and
reuters21578_modapte_top10.jsonl.gz)::

    SKNONNEG_DATA=/path/to/data python benchmarks/thread_scaling.py --threads 1 2 4 8 16

Writes benchmarks/results/thread_scaling.{json,md} (``--output`` another stem;
``--quick``: tiny sizes, one repeat, ``thread_scaling_quick``). A thread count above
the cores this process may run on stops the script before any fit.

Private imports (sknonneg._*): it wraps the objectives' ``loss_grad``
(``Objective``, ``RowBlockObjective``) to record how long each fit spends in
evaluations and on how many threads; the fits themselves go through the public
estimators.
"""

import argparse
import gc
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    RESULTS, add_common_args, run_record, save_json, versions,
)

DEFAULT_THREADS = (1, 2, 4, 8, 16)
WORKLOADS = ("mnist_lbfgsb", "mnist_adam", "reuters_lbfgsb", "mnist_autoencoder",
             "sklearn_mlp")
LETTERS = {"mnist_lbfgsb": "a", "mnist_adam": "b", "reuters_lbfgsb": "c",
           "mnist_autoencoder": "d", "sklearn_mlp": "e"}
HIDDEN = 150
COMPONENTS = 64
# Iterations (L-BFGS-B) or epochs (Adam) per fit: full and --quick.
ITERATIONS = {"mnist_lbfgsb": (30, 3), "mnist_adam": (3, 1), "reuters_lbfgsb": (15, 3),
              "mnist_autoencoder": (20, 3), "sklearn_mlp": (30, 3)}
QUICK_MNIST_ROWS = 1500
QUICK_REUTERS_DOCS = 1500
ENV_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
            "NUMBA_NUM_THREADS", "NUMBA_THREADING_LAYER", "OMP_WAIT_POLICY")
# Recorded as set or not: results do not hold the paths of the machine that made them.
PATH_VARS = ("NUMBA_CACHE_DIR", "SKNONNEG_DATA")


def usable_cores():
    """CPUs this process may run on (its affinity mask), and the cgroup's CPU quota
    in cores where one is set (None otherwise)."""
    cores = (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
             else os.cpu_count() or 1)
    quota = None
    try:
        text = Path("/sys/fs/cgroup/cpu.max").read_text().split()
        if text and text[0] != "max":
            quota = int(text[0]) / int(text[1])
    except (OSError, ValueError, IndexError, ZeroDivisionError):
        pass
    return cores, quota


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def machine_facts():
    cores, quota = usable_cores()
    facts = {"cpu_model": cpu_model(), "os_cpu_count": os.cpu_count(),
             "usable_cores": cores, "cgroup_cpu_quota": quota,
             "platform": platform.platform(), "load_1min_at_start": os.getloadavg()[0],
             "environment": {**{k: os.environ[k] for k in ENV_VARS if k in os.environ},
                             **{k: "(set)" for k in PATH_VARS if k in os.environ}}}
    try:
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        facts["memory_gib"] = round(pages / 2 ** 30, 1)
    except (ValueError, OSError, AttributeError):
        pass
    return facts


def check_threads(threads, parser):
    """Stops with a clear message where a thread count cannot be had here."""
    import numba

    if any(t < 1 for t in threads):
        parser.error(f"--threads must be positive, got {threads}")
    cores, quota = usable_cores()
    over = [t for t in threads if t > cores]
    if over:
        parser.error(
            f"--threads {' '.join(map(str, over))} exceeds the {cores} cores this "
            f"process may run on (os.sched_getaffinity; os.cpu_count() is "
            f"{os.cpu_count()}): a scaling measurement needs a free core per thread. "
            f"Use --threads up to {cores}.")
    if quota is not None and max(threads) > quota + 1e-9:
        parser.error(f"--threads {max(threads)} exceeds the cgroup's CPU quota of "
                     f"{quota:g} cores (/sys/fs/cgroup/cpu.max)")
    if max(threads) > numba.config.NUMBA_NUM_THREADS:
        parser.error(
            f"--threads {max(threads)} exceeds numba's thread pool "
            f"(NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}): unset "
            "NUMBA_NUM_THREADS or raise it")


def blas_pools():
    """Every BLAS pool loaded now: library, its file's name, whether it is NumPy's,
    and its thread count."""
    from threadpoolctl import threadpool_info

    numpy_dir = os.path.dirname(os.path.abspath(np.__file__))
    pools = []
    for info in threadpool_info():
        if info.get("user_api") != "blas":
            continue
        path = info.get("filepath", "")
        pools.append({"library": info.get("internal_api"),
                      "file": os.path.basename(path),
                      "numpy": path.startswith((numpy_dir + os.sep,
                                                numpy_dir + ".libs" + os.sep)),
                      "num_threads": info.get("num_threads"),
                      "threading_layer": info.get("threading_layer")})
    return pools


class Probe:
    """Counts a fit's evaluations of the objective, adds up their wall time, and,
    where ``full``, reads the threads in effect at its first one (sknonneg:
    ``Objective.loss_grad`` and ``RowBlockObjective.loss_grad``, the outer call
    only; scikit-learn: ``_loss_grad_lbfgs``)."""

    def __init__(self):
        self.start(False)

    def start(self, full):
        self.full, self.calls, self.depth, self.seen = full, 0, 0, None
        self.wall, self._entered = 0.0, 0.0

    def enter(self, objective=None):
        self.depth += 1
        if self.depth > 1:
            return
        self.calls += 1
        self._entered = time.perf_counter()
        if self.calls > 1:
            return
        seen = {"numba_threads": None}  # scikit-learn's objective runs no numba
        if objective is not None:
            numba = sys.modules.get("numba")
            seen["numba_threads"] = numba.get_num_threads() if numba else None
            parallel = getattr(objective, "parallel", None)
            seen["kernels"] = {True: "numba parallel", False: "numba serial"}.get(
                parallel, str(parallel))
            seen["row_chunks"] = getattr(objective, "n_chunks", None)
            seen["input"] = type(getattr(objective, "X", None)).__name__
        if self.full:
            seen["blas"] = blas_pools()
        self.seen = seen
        self._entered = time.perf_counter()  # the probe's own reads left out

    def leave(self):
        self.depth -= 1
        if self.depth == 0:
            self.wall += time.perf_counter() - self._entered


PROBE = Probe()


def install_probe():
    """Wraps the objectives' ``loss_grad`` (called from ``main`` only: importing this
    script, or ``--help``, changes nothing)."""
    from sknonneg._engine.objective import Objective
    from sknonneg._engine.row_blocks import RowBlockObjective

    for cls in (Objective, RowBlockObjective):
        original = cls.loss_grad

        def loss_grad(self, theta, copy=True, _original=original):
            PROBE.enter(self)
            try:
                return _original(self, theta, copy=copy)
            finally:
                PROBE.leave()

        cls.loss_grad = loss_grad


def sklearn_mlp_class():
    from sklearn.neural_network import MLPClassifier

    class ProbedMLPClassifier(MLPClassifier):
        """scikit-learn's MLPClassifier, its L-BFGS objective counted (``Probe``)."""

        def _loss_grad_lbfgs(self, *args, **kwargs):
            PROBE.enter()
            try:
                return super()._loss_grad_lbfgs(*args, **kwargs)
            finally:
                PROBE.leave()

    return ProbedMLPClassifier


def check_data(data_home, workloads):
    need = {"mnist.npz"} if any(w != "reuters_lbfgsb" for w in workloads) else set()
    if "reuters_lbfgsb" in workloads:
        need.add("reuters21578_modapte_top10.jsonl.gz")
    missing = sorted(n for n in need if not (Path(data_home) / n).is_file())
    if missing:
        sys.exit(f"thread_scaling.py: {', '.join(missing)} not found in {data_home} "
                 "(--data-home, else $SKNONNEG_DATA); nothing was run")


def load_mnist_rows(data_home, n_samples):
    from sknonneg.datasets import load_mnist

    X, _, y, _ = load_mnist(data_home=data_home, return_X_y=True,
                            download_if_missing=False)
    X, y = X[:n_samples], np.asarray(y[:n_samples], dtype=np.int64)
    return (X / 255.0).astype(np.float32), y


def load_reuters_tfidf(data_home, n_docs):
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

    from sknonneg.datasets import load_reuters

    bunch = load_reuters(data_home=data_home, subset="top10", download_if_missing=False)
    docs, labels = bunch.data_train[:n_docs], bunch.target_train[:n_docs]
    X = TfidfVectorizer(stop_words="english", min_df=3).fit_transform(docs)
    y = np.array([categories[0] for categories in labels])
    return sp.csr_matrix(X, dtype=np.float32), y


def make_estimator(workload, n_iter):
    from sknonneg import NonNegAutoencoder, NonNegMLPClassifier

    if workload in ("mnist_lbfgsb", "reuters_lbfgsb"):
        return NonNegMLPClassifier((HIDDEN,), solver="lbfgsb", max_iter=n_iter, tol=0.0,
                                   early_stopping=False, dtype="float32",
                                   random_state=0)
    if workload == "mnist_adam":
        return NonNegMLPClassifier((HIDDEN,), solver="adam", max_iter=n_iter, tol=0.0,
                                   early_stopping=False, dtype="float32",
                                   random_state=0)
    if workload == "mnist_autoencoder":
        return NonNegAutoencoder(COMPONENTS, solver="lbfgsb", max_iter=n_iter, tol=0.0,
                                 dtype="float32", random_state=0)
    if workload == "sklearn_mlp":
        return sklearn_mlp_class()((HIDDEN,), activation="logistic", solver="lbfgs",
                                   alpha=1e-5, max_iter=n_iter, max_fun=10 ** 6,
                                   tol=0.0, random_state=0)
    raise ValueError(workload)


DESCRIPTIONS = {
    "mnist_lbfgsb": "NonNegMLPClassifier((150,), L-BFGS-B full batch, float32), dense "
                    "MNIST",
    "mnist_adam": "NonNegMLPClassifier((150,), Adam, batches of 200, float32), dense "
                  "MNIST",
    "reuters_lbfgsb": "NonNegMLPClassifier((150,), L-BFGS-B full batch, float32), "
                      "Reuters top-10 tf-idf CSR",
    "mnist_autoencoder": "NonNegAutoencoder(64, L-BFGS-B full batch, float32), dense "
                         "MNIST",
    "sklearn_mlp": "scikit-learn MLPClassifier((150,), logistic, lbfgs, alpha=1e-5), "
                   "dense MNIST float32",
}


def fit_once(workload, n_iter, X, y, n_threads, full_probe):
    """One timed fit at a BLAS limit of ``n_threads``."""
    from threadpoolctl import threadpool_limits

    est = make_estimator(workload, n_iter)
    args = (X,) if workload == "mnist_autoencoder" else (X, y)
    gc.collect()
    with threadpool_limits(n_threads, user_api="blas"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        PROBE.start(full_probe)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        est.fit(*args)
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    n_done = int(est.n_iter_)
    return {"wall_s": wall, "cpu_s": cpu, "n_iter": n_done, "evaluations": PROBE.calls,
            "objective_wall_s": PROBE.wall, "seen": PROBE.seen}


def run_workload(workload, n_iter, X, y, threads, repeats, deadline):
    """Warm-ups, then up to ``repeats`` rounds over ``threads``: a round that would
    end past ``deadline`` (``time.perf_counter()`` seconds; None: none), by the
    time of the round before (the first: of the warm-ups after the first, which
    compiles), is not started once one round is done."""
    start = time.perf_counter()
    load0 = os.getloadavg()[0]
    warm = {}
    for t in threads:
        fit = fit_once(workload, n_iter, X, y, t, full_probe=True)
        warm[t] = fit
        print(f"  {workload} warm-up, {t} thread(s): {fit['wall_s']:.2f} s, "
              f"{fit['n_iter']} iterations, in effect {fit['seen']}", flush=True)
    fits = {t: [] for t in threads}
    round_s = sum(warm[t]["wall_s"] for t in threads[1:]) + (
        warm[threads[1]]["wall_s"] if len(threads) > 1 else warm[threads[0]]["wall_s"])
    for r in range(repeats):
        if r and deadline is not None and time.perf_counter() + round_s > deadline:
            print(f"  {workload}: {r} of {repeats} repeats, stopped by --time-limit",
                  flush=True)
            break
        round_start = time.perf_counter()
        for t in threads:
            fit = fit_once(workload, n_iter, X, y, t, full_probe=False)
            fits[t].append(fit)
            print(f"  {workload} repeat {r + 1}, {t} thread(s): {fit['wall_s']:.2f} s "
                  f"wall, {fit['cpu_s']:.2f} s CPU", flush=True)
        round_s = time.perf_counter() - round_start
    rows = []
    for t in threads:
        timed = fits[t]
        per_iter = [f["wall_s"] / max(1, f["n_iter"]) for f in timed]
        cpu_iter = [f["cpu_s"] / max(1, f["n_iter"]) for f in timed]
        per_eval = [f["wall_s"] / max(1, f["evaluations"]) for f in timed]
        obj_eval = [f["objective_wall_s"] / max(1, f["evaluations"]) for f in timed]
        share = [f["objective_wall_s"] / f["wall_s"] for f in timed]
        seen = warm[t]["seen"] or {}
        numba_timed = sorted({(f["seen"] or {}).get("numba_threads") for f in timed},
                             key=str)
        blas = seen.get("blas", [])
        rows.append({
            "threads": t,
            "wall_s_per_iter": float(np.median(per_iter)),
            "cpu_s_per_iter": float(np.median(cpu_iter)),
            "wall_s_per_eval": float(np.median(per_eval)),
            "objective_s_per_eval": float(np.median(obj_eval)),
            "objective_share": float(np.median(share)),
            "wall_s": [f["wall_s"] for f in timed],
            "cpu_s": [f["cpu_s"] for f in timed],
            "n_iter": [f["n_iter"] for f in timed],
            "evaluations": [f["evaluations"] for f in timed],
            "warm_up_wall_s": warm[t]["wall_s"], "warm_up_cpu_s": warm[t]["cpu_s"],
            "numba_threads": seen.get("numba_threads"),
            "numba_threads_timed_fits": numba_timed,
            "kernels": seen.get("kernels"), "row_chunks": seen.get("row_chunks"),
            "input": seen.get("input"),
            "numpy_blas_threads": [p["num_threads"] for p in blas if p["numpy"]],
            "other_blas_threads": [p["num_threads"] for p in blas if not p["numpy"]],
            "blas": blas,
        })
    base = rows[0]
    for row in rows:
        row["speedup_per_iter"] = base["wall_s_per_iter"] / row["wall_s_per_iter"]
        row["speedup_per_eval"] = base["wall_s_per_eval"] / row["wall_s_per_eval"]
        row["speedup_objective"] = (base["objective_s_per_eval"]
                                    / row["objective_s_per_eval"])
        row["efficiency"] = row["speedup_per_iter"] * base["threads"] / row["threads"]
    return {"workload": workload, "letter": LETTERS[workload],
            "description": DESCRIPTIONS[workload], "iterations": n_iter,
            "unit": "epoch" if workload == "mnist_adam" else "iteration",
            "repeats_done": len(fits[threads[0]]),
            "n_samples": int(X.shape[0]), "n_features": int(X.shape[1]),
            "input_nnz_fraction": float((X.nnz if hasattr(X, "nnz")
                                         else np.count_nonzero(X)) / np.prod(X.shape)),
            "wall_s_total": time.perf_counter() - start, "load_1min_before": load0,
            "load_1min_after": os.getloadavg()[0], "rows": rows}


def fmt_list(values):
    return "/".join(str(v) for v in values) if values else "-"


def markdown(result):
    rec, m = result["record"], result["machine"]
    lines = ["# Thread scaling of sknonneg's fits", "",
             f"Command: `{rec['command']}`  ",
             f"git_commit {rec['git_commit']}"
             + (f" (at the start; {rec['git_commit_at_save']} when saved)"
                if rec.get("git_commit_at_save") else "")
             + f", sknonneg from `{rec['sknonneg']}`  ",
             ", ".join(f"{k} {v}" for k, v in result["versions"].items()), "",
             f"Machine: {m['cpu_model']}, {m['usable_cores']} usable cores "
             f"(os.cpu_count() {m['os_cpu_count']}"
             + (f", cgroup quota {m['cgroup_cpu_quota']:g}" if m["cgroup_cpu_quota"]
                else "") + ")"
             + (f", {m['memory_gib']} GiB" if "memory_gib" in m else "")
             + f", {m['platform']}; load {m['load_1min_at_start']:.1f} at the start, "
             f"{rec['load_1min']:.1f} at the end. numba threading layer: "
             f"{result['numba_threading_layer']}. Environment: "
             + (", ".join(f"{k}={v}" for k, v in m["environment"].items()
                          if k != "SKNONNEG_DATA") or "no thread variable set") + ".",
             "",
             f"Thread budget set with `threadpool_limits(n, user_api=\"blas\")` around "
             f"each fit; {result['repeats']} repeat(s) after a warm-up fit per thread "
             "count, the counts interleaved; medians. Speed-up and efficiency: wall "
             "time per iteration (Adam: per epoch) against the smallest count. "
             "Objective: the evaluations of loss and gradient (L-BFGS-B's line search "
             "evaluates more than once in some iterations); its share of the fit's "
             "wall time, its wall time per evaluation and that time's speed-up; the "
             "rest of a fit is the solver's own work (L-BFGS-B's two-loop recursion "
             "and line search, Adam's steps) and Python. numba and BLAS "
             "threads: read at the first evaluation of the warm-up fit (BLAS: NumPy's "
             "pool / the others, SciPy's among them). Total wall time of the run: "
             f"{result['wall_s_total']:.0f} s"
             + ("" if result["complete"] else
                " (INCOMPLETE: stopped by --time-limit or cut short; skipped: "
                + (", ".join(result.get("skipped", [])) or "none") + ")")
             + ".", ""]
    for w in result["workloads"]:
        lines += [f"## ({w['letter']}) {w['workload']}: {w['description']}", "",
                  f"{w['n_samples']} rows x {w['n_features']} features "
                  f"({100 * w['input_nnz_fraction']:.1f}% non-zero), {w['iterations']} "
                  f"{w['unit']}s per fit, {w['repeats_done']} repeat(s); "
                  f"{w['wall_s_total']:.0f} s for the workload (warm-ups included), "
                  "load "
                  f"{w['load_1min_before']:.1f} -> {w['load_1min_after']:.1f}.", "",
                  f"| threads | numba threads | kernels (row chunks) | BLAS threads "
                  f"NumPy / others | {w['unit']}s | evaluations "
                  f"| wall ms / {w['unit']} | CPU ms / {w['unit']} | CPU / wall "
                  "| objective share of wall "
                  "| objective ms / evaluation | speed-up | speed-up of the objective "
                  "| efficiency | warm-up s |",
                  "| ---: | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: "
                  "| ---: | ---: | ---: | ---: | ---: |"]
        for r in w["rows"]:
            kernels = ("-" if r["kernels"] is None
                       else f"{r['kernels']} ({r['row_chunks']})")
            numba_threads = "-" if r["numba_threads"] is None else r["numba_threads"]
            lines.append(
                f"| {r['threads']} | {numba_threads} "
                f"| {kernels} | {fmt_list(r['numpy_blas_threads'])} / "
                f"{fmt_list(r['other_blas_threads'])} "
                f"| {fmt_list(sorted(set(r['n_iter'])))} "
                f"| {fmt_list(sorted(set(r['evaluations'])))} "
                f"| {1e3 * r['wall_s_per_iter']:.1f} | {1e3 * r['cpu_s_per_iter']:.1f} "
                f"| {r['cpu_s_per_iter'] / r['wall_s_per_iter']:.2f} "
                f"| {r['objective_share']:.2f} | {1e3 * r['objective_s_per_eval']:.1f} "
                f"| {r['speedup_per_iter']:.2f} | {r['speedup_objective']:.2f} "
                f"| {r['efficiency']:.2f} | {r['warm_up_wall_s']:.1f} |")
        lines.append("")
        mismatch = [r["threads"] for r in w["rows"]
                    if (r["numba_threads"] is not None
                        and r["numba_threads"] != min(r["threads"],
                                                      r["row_chunks"] or r["threads"]))
                    or any(n != r["threads"] for n in r["numpy_blas_threads"])]
        if mismatch:
            lines += [f"Threads in effect differ from the budget at "
                      f"{fmt_list(mismatch)} thread(s): see the table.", ""]
    base = {w["workload"]: w for w in result["workloads"]}
    if "mnist_lbfgsb" in base and "sklearn_mlp" in base:
        ours, theirs = base["mnist_lbfgsb"]["rows"], base["sklearn_mlp"]["rows"]
        lines += ["## (a) against (e): same network and data, per iteration", "",
                  "| threads | sknonneg ms / iteration | scikit-learn ms / iteration "
                  "| scikit-learn / sknonneg |", "| ---: | ---: | ---: | ---: |"]
        for a, e in zip(ours, theirs):
            lines.append(f"| {a['threads']} | {1e3 * a['wall_s_per_iter']:.1f} | "
                         f"{1e3 * e['wall_s_per_iter']:.1f} | "
                         f"{e['wall_s_per_iter'] / a['wall_s_per_iter']:.2f} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
        conflict_handler="resolve"), quick=True, seeds=False)
    parser.add_argument("--threads", type=int, nargs="+", default=None,
                        help="thread budgets to measure, the smallest first "
                             "(default: 1 2 4 8 16); none may exceed the cores this "
                             "process may run on")
    parser.add_argument("--repeats", type=int, default=None,
                        help="timed fits per workload and thread count (default 3; "
                             "--quick 1)")
    parser.add_argument("--n-samples", type=int, default=None,
                        help=f"MNIST training rows (default 10000; --quick "
                             f"{QUICK_MNIST_ROWS})")
    parser.add_argument("--reuters-docs", type=int, default=None,
                        help="Reuters training documents (default all 6490; --quick "
                             f"{QUICK_REUTERS_DOCS})")
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=None,
                        help="workloads to run, in this order (default: all: "
                             + " ".join(WORKLOADS) + ")")
    parser.add_argument("--time-limit", type=float, default=330.0,
                        help="seconds after which no workload and no round of "
                             "repeats is started that would end later (at least one "
                             "round per workload started is done; default 330; 0: "
                             "none): what is measured by then is written")
    parser.add_argument("--output", default=None,
                        help="stem of the result files in benchmarks/results/ "
                             "(default thread_scaling; --quick thread_scaling_quick)")
    args = parser.parse_args()
    threads = sorted(set(args.threads or DEFAULT_THREADS))
    repeats = args.repeats if args.repeats is not None else (1 if args.quick else 3)
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    n_mnist = args.n_samples or (QUICK_MNIST_ROWS if args.quick else 10_000)
    n_docs = args.reuters_docs or (QUICK_REUTERS_DOCS if args.quick else 10 ** 9)
    workloads = [w for w in WORKLOADS if w in (args.workloads or WORKLOADS)]
    stem = args.output or ("thread_scaling_quick" if args.quick else "thread_scaling")
    check_threads(threads, parser)
    check_data(args.data_home, workloads)

    import numba
    import threadpoolctl

    install_probe()
    start = time.perf_counter()
    info = versions()
    info["threadpoolctl"] = threadpoolctl.__version__
    result = {"threads": threads, "repeats": repeats, "quick": bool(args.quick),
              "versions": info, "machine": machine_facts(),
              "numba_num_threads": numba.config.NUMBA_NUM_THREADS,
              "blas_at_start": blas_pools(), "workloads": [], "complete": False}
    print(f"Threads {threads}, {repeats} repeat(s); usable cores "
          f"{result['machine']['usable_cores']}; BLAS {result['blas_at_start']}",
          flush=True)
    data = {}
    if any(w != "reuters_lbfgsb" for w in workloads):
        data["mnist"] = load_mnist_rows(args.data_home, n_mnist)
    if "reuters_lbfgsb" in workloads:
        data["reuters"] = load_reuters_tfidf(args.data_home, n_docs)
    result["data_load_s"] = time.perf_counter() - start
    deadline = start + args.time_limit if args.time_limit > 0 else None
    result["skipped"] = []
    for workload in workloads:
        if deadline is not None and time.perf_counter() > deadline:
            print(f"({LETTERS[workload]}) {workload}: skipped, --time-limit "
                  f"{args.time_limit:g} s reached", flush=True)
            result["skipped"].append(workload)
            continue
        X, y = data["reuters" if workload == "reuters_lbfgsb" else "mnist"]
        n_iter = ITERATIONS[workload][1 if args.quick else 0]
        print(f"({LETTERS[workload]}) {workload}: {X.shape[0]} x {X.shape[1]}, "
              f"{n_iter} per fit", flush=True)
        result["workloads"].append(run_workload(workload, n_iter, X, y, threads,
                                                repeats, deadline))
        try:
            result["numba_threading_layer"] = numba.threading_layer()
        except ValueError:  # no parallel launch yet (scikit-learn's workload alone)
            result["numba_threading_layer"] = "none launched"
        result["wall_s_total"] = time.perf_counter() - start
        result["record"] = run_record()
        # Written after every workload: a run cut short keeps what it measured.
        save_json(RESULTS / f"{stem}.json", result)
        (RESULTS / f"{stem}.md").write_text(markdown(result))
    result["complete"] = not result["skipped"] and all(
        w["repeats_done"] == repeats for w in result["workloads"])
    result["wall_s_total"] = time.perf_counter() - start
    result["record"] = run_record()
    save_json(RESULTS / f"{stem}.json", result)
    (RESULTS / f"{stem}.md").write_text(markdown(result))
    print((RESULTS / f"{stem}.md").read_text())


if __name__ == "__main__":
    main()
