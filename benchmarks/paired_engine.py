"""Paired speed check of two commits of the engine: evaluation time and fit time per
iteration, alternating runs A B A B ... in fresh processes.

The rows are those of ``foundation_mnist.py`` (one evaluation of the 150-unit
network on the 5k MNIST subset, float64 / float32, the estimator's CSR path and the
dense path; a fit's seconds per L-BFGS-B iteration, positive and unconstrained) and
of ``abba_mnist.py`` (one evaluation of the (64, 32) ABBA network and of the signed
MLP, float32), plus evaluations on Adam-sized batches of 128 rows (where the Python
cost of an evaluation weighs most) and of the default autoencoder on a batch of 200
wide sparse rows (its loss over 20,000 outputs), measured through the estimators'
hooks (``_build_layout``, ``_init_theta``, ``_make_objective``) that both commits
share. Each process warms up (numba compilation is cached on disk) and reports
medians of its repeats; the report gives, per row, the median over pairs of the
ratio B / A.

Usage::

    python benchmarks/paired_engine.py --base /path/to/checkout-A --new . --pairs 5

Writes ``benchmarks/results/engine_paired.json`` and ``.md`` (``--output STEM``:
``STEM.json`` and ``STEM.md``). ``--clock cpu`` times the process's CPU seconds
instead of wall seconds, and ``--threads N`` runs both sides on N threads (numba,
OpenMP, BLAS): on a machine shared with other work, ``--clock cpu --threads 1``
compares the work done rather than the share of the cores each side got.
``--warmup`` runs each side once, unrecorded, first (a cold numba cache);
``--rows "eval float32" ...`` measures only the rows whose names contain one of the
strings.

Resolving a few per cent on a noisy machine. Single ratios of one evaluation spread
+-13% between processes of the same tree (5 pairs gave medians of
0.81-1.11 for trees whose kernels timed equal), so one process is one noisy sample
and only many processes average it out. ``--stat min`` takes each process's fastest
repeat (interference only ever adds time) instead of the median; the order within a
pair alternates (A B, then B A: a drift of the machine's speed cancels); ``--budget
SECONDS`` runs pairs until that many seconds have passed (at least ``--min-pairs``,
at most ``--pairs``). The report gives, per row, the median ratio B / A over pairs
and a 95% bootstrap confidence interval of it (pairs resampled, 2000 draws), and
reads it: "within 5%" when the interval's upper end is at most 1.05, "slower" when
its lower end is above 1.05, else "not resolved" (with fewer than 10 pairs, no
verdict: the interval is too coarse).

A short command for the evaluation rows (one process takes about 11 CPU-seconds,
mostly loading MNIST and building the objectives: about 17 pairs, 7 minutes, on an
idle 2-core machine)::

    python benchmarks/paired_engine.py --base /tmp/cc7 --new . --rows eval \\
        --clock cpu --threads 1 --stat min --repeats 15 --warmup --pairs 40 \\
        --min-pairs 12 --budget 400 --output warm_paired_eval

Private imports (sknonneg._*): ``prepare_input`` and ``fit_threads`` time one
evaluation of the engine in each of two checkouts, below any public API (older
checkouts: ``sknonneg._objective``).
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_DATA_HOME = os.environ.get("SKNONNEG_DATA", HERE.parents[1] / "shared" / "data")


# ------------------------------------------------------------- one process
def _mnist_5k(data_home):
    from sklearn.model_selection import train_test_split

    d = np.load(Path(data_home) / "mnist.npz")
    X, y = d["X_train"] / 255.0, d["y_train"].astype(np.int64)
    X5, _, y5, _ = train_test_split(X, y, train_size=5000, stratify=y, random_state=0)
    return X5, y5


def _dense_input(X, dtype, parallel):
    """``X`` for the dense kernels whatever its zeros, in either commit."""
    import sknonneg

    if (Path(sknonneg.__file__).parent / "_engine").exists():
        from sknonneg._engine import prepare_input

        return prepare_input(X, dtype, parallel, density=0)
    return np.ascontiguousarray(X, dtype=dtype)  # the old objective re-checks density


def _old_density_off():
    """The old engine reads its threshold at every conversion (only there)."""
    import sknonneg

    if (Path(sknonneg.__file__).parent / "_engine").exists():
        return {}
    from sknonneg import _objective

    saved = dict(_objective.SPARSE_INPUT_DENSITY)
    _objective.SPARSE_INPUT_DENSITY.clear()
    return saved


_clock = time.perf_counter


_stat = np.median


def _time_evals(objective, theta, repeats):
    objective.loss_grad(theta)
    times = []
    for _ in range(repeats):
        start = _clock()
        objective.loss_grad(theta)
        times.append(_clock() - start)
    return float(_stat(times))


def _eval_seconds(est, X, y, dtype, repeats, dense=False):
    from sknonneg._threads import fit_threads

    est._validate_params()
    targets, _ = est._encode_targets(y)
    rng = np.random.RandomState(0)
    with fit_threads() as parallel:
        layout = est._build_layout(X.shape[1], est.n_outputs_)
        theta = est._init_theta(layout, X, rng)
        saved = _old_density_off() if dense else {}
        try:
            inputs = _dense_input(X, dtype, parallel) if dense else X
            objective = est._make_objective(layout, inputs, targets, np.ones(X.shape[0]),
                                            1.0, parallel)
        finally:
            if saved:
                from sknonneg import _objective

                _objective.SPARSE_INPUT_DENSITY.update(saved)
        return _time_evals(objective, theta, repeats)


def _fit_seconds_per_iter(est, X, y, repeats):
    """Seconds per iteration of ``est.fit``, in the process's steady state.

    One untimed fit first: the first fit of a process also pays one-off costs
    (importing numba, loading the cached kernels, first touches of memory), and
    where they fall differs between commits (cc7cdf6 imports numba with
    ``import sknonneg``, later commits on the first fit), so timing only that fit
    compares import schedules, not fits. ``benchmarks/first_run.py`` measures the
    first fit of a fresh process. Then ``repeats`` timed fits, and their ``_stat``.
    """
    from sklearn.base import clone
    from sklearn.exceptions import ConvergenceWarning

    times = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clone(est).fit(X, y)
        for _ in range(repeats):
            fitted = clone(est)
            start = _clock()
            fitted.fit(X, y)
            times.append((_clock() - start) / fitted.n_iter_)
    return float(_stat(times))


def _wide_sparse():
    from scipy import sparse
    from sklearn.preprocessing import normalize

    X = sparse.random(200, 20000, density=0.005, format="csr", random_state=0)
    return normalize(X)


def measure(data_home, repeats, fit_iter, only=(), fit_repeats=3):
    """The rows' seconds; ``only``: substrings of the rows to measure (all if empty)."""
    from sknonneg import ABBAClassifier, NonNegAutoencoder, NonNegMLPClassifier

    X, y = _mnist_5k(data_home)
    rows = {}

    def want(key):
        return not only or any(part in key for part in only)

    for dtype in ("float64", "float32"):
        for path in ("auto", "dense"):
            key = f"mlp eval {dtype} {path}"
            if want(key):
                est = NonNegMLPClassifier((150,), dtype=dtype, random_state=0)
                rows[key] = _eval_seconds(est, X, y, np.dtype(dtype), repeats,
                                          dense=path == "dense")
    for hidden in [(64, 32)]:
        key = f"signed mlp eval float32 {hidden}"
        if want(key):
            rows[key] = _eval_seconds(
                NonNegMLPClassifier(hidden, positive=False, dtype="float32",
                                    random_state=0),
                X.astype(np.float32), y, np.float32, repeats)
        key = f"abba eval float32 {hidden}"
        if want(key):
            rows[key] = _eval_seconds(
                ABBAClassifier(hidden, dtype="float32", random_state=0),
                X.astype(np.float32), y, np.float32, repeats)
    # Adam-sized batches: the Python cost of an evaluation shows most here.
    batch = np.random.default_rng(0).choice(X.shape[0], 128, replace=False)
    if want("mlp eval float64 batch=128"):
        rows["mlp eval float64 batch=128"] = _eval_seconds(
            NonNegMLPClassifier((150,), random_state=0), X[batch], y[batch], np.float64,
            5 * repeats)
    if want("abba eval float32 (64, 32) batch=128"):
        rows["abba eval float32 (64, 32) batch=128"] = _eval_seconds(
            ABBAClassifier((64, 32), dtype="float32", random_state=0),
            X[batch].astype(np.float32), y[batch], np.float32, 5 * repeats)
    # The autoencoder's fused output kernel on one Adam batch of wide sparse rows
    # (tf-idf-like: 200 x 20,000 CSR, 0.5% stored, rows of unit norm; Reuters top-10
    # has 24,041 terms): its loss rows run over every one of the 20,000 outputs.
    for decoder in ("sigmoid", "linear"):
        key = f"autoencoder eval float64 sparse 200x20000 decoder={decoder}"
        if want(key):
            rows[key] = _eval_seconds(NonNegAutoencoder(64, decoder=decoder,
                                                        random_state=0),
                                      _wide_sparse(), _wide_sparse(), np.float64,
                                      repeats)
    for dtype in ("float64", "float32"):
        for positive in (True, False):
            key = f"mlp fit/iter {dtype} positive={positive}"
            if want(key):
                est = NonNegMLPClassifier((150,), positive=positive, dtype=dtype,
                                          gain=1.0, max_iter=fit_iter, random_state=0)
                rows[key] = _fit_seconds_per_iter(est, X, y, fit_repeats)
    if want("abba fit/iter float32 (64, 32)"):
        rows["abba fit/iter float32 (64, 32)"] = _fit_seconds_per_iter(
            ABBAClassifier((64, 32), dtype="float32", max_iter=fit_iter, random_state=0),
            X, y, fit_repeats)
    return rows


# ------------------------------------------------------------------ driver
def bootstrap_median_ci(ratios, draws=2000, level=0.95, seed=0):
    """Percentile bootstrap interval of the median of ``ratios`` (pairs resampled)."""
    ratios = np.asarray(ratios, dtype=float)
    rng = np.random.default_rng(seed)
    medians = np.median(rng.choice(ratios, (draws, ratios.size)), axis=1)
    tail = 100 * (1 - level) / 2
    return float(np.percentile(medians, tail)), float(np.percentile(medians, 100 - tail))


# Fewer pairs than this give a bootstrap interval of the median that is too coarse to
# read (its ends can only be a few of the ratios themselves).
MIN_PAIRS_FOR_VERDICT = 10


def verdict(low, high, n_pairs, limit=1.05):
    """What a 95% interval of the ratio B / A says about a slowdown beyond ``limit``."""
    if n_pairs < MIN_PAIRS_FOR_VERDICT:
        return "too few pairs"
    if high <= limit:
        return "within 5%"
    if low > limit:
        return "slower"
    return "not resolved"


def _children_cpu():
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _commit(tree):
    return subprocess.run(["git", "-C", str(tree), "describe", "--always", "--dirty"],
                          capture_output=True, text=True).stdout.strip()


def _run(tree, args):
    # Passive OpenMP waiting on both sides (commit A set it at import, B documents
    # it): the comparison is of the engines, not of a wait policy on a loaded machine.
    env = dict(os.environ, PYTHONPATH=str(Path(tree).resolve()),
               OMP_WAIT_POLICY=os.environ.get("OMP_WAIT_POLICY", "PASSIVE"))
    if args.threads:
        env.update({name: str(args.threads) for name in (
            "NUMBA_NUM_THREADS", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS",
            "MKL_NUM_THREADS")})
    out = subprocess.run(
        [sys.executable, __file__, "--measure", "--data-home", str(args.data_home),
         "--repeats", str(args.repeats), "--fit-iter", str(args.fit_iter),
         "--fit-repeats", str(args.fit_repeats),
         "--clock", args.clock, "--stat", args.stat,
         *(["--rows", *args.rows] if args.rows else [])],
        env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", help="checkout A (the commit before the change)")
    parser.add_argument("--new", default=str(HERE.parent), help="checkout B")
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--fit-iter", type=int, default=20)
    parser.add_argument("--fit-repeats", type=int, default=3,
                        help="timed fits per process and fit row, after an untimed one")
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    parser.add_argument("--clock", choices=["wall", "cpu"], default="wall")
    parser.add_argument("--threads", type=int, default=0,
                        help="threads of both sides (default: as the environment)")
    parser.add_argument("--warmup", action="store_true")
    parser.add_argument("--output", default="engine_paired")
    parser.add_argument("--rows", nargs="+", default=[],
                        help="measure only the rows whose name contains one of these")
    parser.add_argument("--stat", choices=["median", "min"], default="median",
                        help="per process: the median or the fastest of the repeats")
    parser.add_argument("--budget", type=float, default=0.0,
                        help="stop starting pairs after this many seconds (0: none)")
    parser.add_argument("--min-pairs", type=int, default=5,
                        help="pairs run whatever --budget says")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        global _clock, _stat
        if args.clock == "cpu":
            _clock = time.process_time
        _stat = np.min if args.stat == "min" else np.median
        print(json.dumps(measure(args.data_home, args.repeats, args.fit_iter,
                                 args.rows, args.fit_repeats)))
        return
    start = time.perf_counter()
    cpu_start = _children_cpu()
    if args.warmup:
        for tree in (args.base, args.new):
            _run(tree, args)
    pairs = []
    for i in range(args.pairs):
        if (args.budget and i >= args.min_pairs
                and time.perf_counter() - start > args.budget):
            break
        # A B, then B A: a slow drift of the machine weighs on both sides alike.
        if i % 2:
            b, a = _run(args.new, args), _run(args.base, args)
        else:
            a, b = _run(args.base, args), _run(args.new, args)
        pairs.append({"A": a, "B": b, "load": os.getloadavg()[0],
                      "order": "BA" if i % 2 else "AB"})
        print(f"pair {i + 1}: " + ", ".join(f"{k}: {b[k] / a[k]:.3f}" for k in a),
              flush=True)
    wall, cpu = time.perf_counter() - start, _children_cpu() - cpu_start
    rows = []
    for key in pairs[0]["A"]:
        a = [p["A"][key] for p in pairs]
        b = [p["B"][key] for p in pairs]
        ratios = [y / x for x, y in zip(a, b)]
        low, high = bootstrap_median_ci(ratios)
        rows.append({"row": key, "A_ms": 1e3 * float(np.median(a)),
                     "B_ms": 1e3 * float(np.median(b)), "ratios": ratios,
                     "median_ratio": float(np.median(ratios)),
                     "ci95": [low, high], "verdict": verdict(low, high, len(ratios))})
    report = {"command": " ".join(["python", "benchmarks/paired_engine.py",
                                   *sys.argv[1:]]),
              "A_commit": _commit(args.base), "B_commit": _commit(args.new),
              "pairs": pairs, "rows": rows, "wall_s": wall, "cpu_s": cpu,
              "loadavg_end": os.getloadavg()}
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    (results / f"{args.output}.json").write_text(json.dumps(report, indent=2))
    lines = ["# Engine refactor: paired speed check", "",
             f"Command: `{report['command']}`", "",
             f"A (before): `{report['A_commit']}`, B (after): `{report['B_commit']}`; "
             f"{len(pairs)} pairs (A B, B A, A B, ...), each a fresh process (warm "
             f"numba cache), the {args.stat} of {args.repeats} evaluations / of "
             f"{args.fit_repeats} fits of {args.fit_iter} iterations after an untimed "
             f"one per process; 5k MNIST subset, 150 hidden "
             f"units for the MLP rows; OMP_WAIT_POLICY=PASSIVE on both sides; "
             f"{'process CPU' if args.clock == 'cpu' else 'wall'} seconds, "
             f"{args.threads or 'default'} thread(s). Whole run {wall:.0f} s wall, "
             f"{cpu:.0f} CPU-s (user + system). Load average per pair: "
             + ", ".join(f"{p['load']:.1f}" for p in pairs) + ".", "",
             "CI: 95% bootstrap interval of the median ratio (pairs resampled); "
             "verdict: within 5% when its upper end is <= 1.05, slower when its lower "
             f"end is > 1.05 (none with fewer than {MIN_PAIRS_FOR_VERDICT} pairs).", "",
             "| row | A ms | B ms | median ratio B/A | 95% CI | verdict | ratios |",
             "| --- | ---: | ---: | ---: | --- | --- | --- |"]
    for r in rows:
        lines.append(f"| {r['row']} | {r['A_ms']:.2f} | {r['B_ms']:.2f} | "
                     f"{r['median_ratio']:.3f} | {r['ci95'][0]:.3f}-{r['ci95'][1]:.3f} | "
                     f"{r['verdict']} | "
                     + " ".join(f"{x:.2f}" for x in r["ratios"]) + " |")
    (results / f"{args.output}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
