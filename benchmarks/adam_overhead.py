"""Adam's per-batch overhead: where an Adam fit's time goes outside the kernels, and
a paired before / after timing of two checkouts.

Each case fits one estimator with ``solver="adam"`` (5 epochs, ``tol=0`` and
``n_iter_no_change`` above them, so every run does the same work), one thread
(``NUMBA_NUM_THREADS=1`` and the BLAS pool at 1: the benchmark machine is shared),
after a one-epoch warm-up fit in the same process (numba's compilation is cached
on disk):

- ``mnist-f64``, ``mnist-f32``: ``NonNegMLPClassifier(solver="adam")`` on 10,000
  MNIST training rows (pixels / 255, dense; 19% non-zeros, so the kernels read
  them as CSR), ``dtype`` float64 / float32, the default batches (200 rows) and
  ``-b32`` ``batch_size=32``;
- ``reuters``: the same classifier on Reuters-21578 top-10 tf-idf
  (``TfidfVectorizer(min_df=3, sublinear_tf=True, stop_words="english")`` on the
  6,490 training documents, CSR, 9,936 terms; each document's first label);
- ``regressor-dense``: ``NonNegMLPRegressor(solver="adam")`` on
  ``make_regression(10000, 300)`` (dense);
- ``autoencoder-csr``: ``NonNegAutoencoder(solver="adam")`` on the first 2,000
  Reuters tf-idf rows (CSR; 3 epochs).

``--profile`` (in each checkout given): the fit's time split by where it is spent,
exclusive times of nested wrappers: the numba compute kernels; the batch gathers
(``_Data.__getitem__``; in a checkout that has it, 2c4dc85's CSR gather kernel
``csr_take_rows``, reverted since, counted with them); the first layer's layout
of each batch (``FirstLayerGradient``: the transposed copy of a dense batch); the
objective's ``set_data`` (``_Objectives.get``); the per-fit penalty units (its
first call); the Python of ``loss_grad``, of Adam's step and of the epoch loop;
and the rest of the fit (validation, initialisation, diagnostics: per fit, not
per epoch).

``--base PATH`` (paired): for each case, ``--repeats`` pairs of fresh processes,
one per checkout, alternating A B / B A so that the shared machine's load hits
both; wall and CPU seconds of the timed fit, the 1-minute load before each run,
medians and the median ratio new / base; each run's predictions are saved and
compared across checkouts with ``np.array_equal`` (a change that is to leave
every bit alone must).

Usage::

    python benchmarks/adam_overhead.py --base /tmp/base-checkout [--repeats 5]
    python benchmarks/adam_overhead.py --quick --base /tmp/base-checkout

Writes ``benchmarks/results/adam_overhead{_quick}.{json,md}``, or
``benchmarks/results/<name>.{json,md}`` with ``--name <name>`` (so that a later
session's run keeps the records of the earlier ones).

Private imports (sknonneg._*): it instruments the engine (the kernels, the
objectives, the Adam solver, the training loop's batch copies) to split an Adam
fit's time among them; only those internals can be timed so.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# The epochs of a timed fit; the autoencoder's (slower per epoch) and --quick's.
EPOCHS, AUTOENCODER_EPOCHS, QUICK_EPOCHS = 5, 3, 2

CASES = {
    "mnist-f64": ("classifier", "mnist", {}),
    "mnist-f64-b32": ("classifier", "mnist", {"batch_size": 32}),
    "mnist-f32": ("classifier", "mnist", {"dtype": "float32"}),
    "mnist-f32-b32": ("classifier", "mnist", {"dtype": "float32", "batch_size": 32}),
    "reuters": ("classifier", "reuters", {}),
    "reuters-b32": ("classifier", "reuters", {"batch_size": 32}),
    "regressor-dense": ("regressor", "regression", {}),
    "autoencoder-csr": ("autoencoder", "reuters-2000", {}),
}
QUICK_CASES = ("mnist-f32", "reuters", "regressor-dense", "autoencoder-csr")

CATEGORIES = ("compute kernels", "gather", "batch layout", "set_data",
              "penalty units (per fit)", "loss_grad Python", "Adam step Python",
              "epoch loop Python", "rest of the fit (per fit)")
# Outside the compute kernels, repeated per batch (the overhead this script is about).
PER_BATCH = ("gather", "batch layout", "set_data", "loss_grad Python",
             "Adam step Python", "epoch loop Python")


# ----------------------------------------------------------------- data (parent)
def make_data(folder, data_home, quick):
    """The cases' data as .npz files in ``folder`` (the tf-idf made once, here)."""
    import scipy.sparse as sp
    from sklearn.datasets import make_regression
    from sklearn.feature_extraction.text import TfidfVectorizer

    from sknonneg.datasets import load_mnist, load_reuters

    n = 3000 if quick else 10_000
    X, _, y, _ = load_mnist(data_home=data_home, return_X_y=True)
    np.savez(folder / "mnist.npz", X=X[:n], y=y[:n])
    bunch = load_reuters(data_home=data_home, subset="top10")
    docs, labels = bunch.data_train, bunch.target_train
    if quick:
        docs, labels = docs[:2000], labels[:2000]
    vec = TfidfVectorizer(min_df=3, sublinear_tf=True, stop_words="english")
    Xr = vec.fit_transform(docs).tocsr()
    sp.save_npz(folder / "reuters.npz", Xr)
    np.save(folder / "reuters_y.npy", np.array([t[0] for t in labels]))
    Xg, yg = make_regression(n, 300, n_informative=50, noise=5.0, random_state=0)
    np.savez(folder / "regression.npz", X=Xg, y=yg)


def load_case_data(folder, source, dtype):
    import scipy.sparse as sp

    if source == "mnist":
        d = np.load(folder / "mnist.npz")
        return (d["X"] / 255.0).astype(dtype), d["y"].astype(np.int64)
    if source == "regression":
        d = np.load(folder / "regression.npz")
        return d["X"].astype(dtype), d["y"]
    X = sp.load_npz(folder / "reuters.npz").astype(dtype)
    if source == "reuters-2000":
        return X[:2000], None
    return X, np.load(folder / "reuters_y.npy")


# ------------------------------------------------------------------ child side
class _Clock:
    """Exclusive times of nested, wrapped calls, by category."""

    def __init__(self):
        self.times, self.stack = {}, []

    def wrap(self, category, func):
        clock = self

        def timed(*args, **kwargs):
            now = time.perf_counter()
            if clock.stack:
                parent = clock.stack[-1]
                clock.times[parent[0]] = (clock.times.get(parent[0], 0.0)
                                          + now - parent[1])
            clock.stack.append([category, now])
            try:
                return func(*args, **kwargs)
            finally:
                end = time.perf_counter()
                top = clock.stack.pop()
                clock.times[category] = clock.times.get(category, 0.0) + end - top[1]
                if clock.stack:
                    clock.stack[-1][1] = end

        timed.__wrapped__ = func
        return timed


def _instrument(clock):
    from sknonneg import _kernels
    from sknonneg._engine import data as engine_data
    from sknonneg._engine.objective import Objective
    from sknonneg._engine.row_blocks import RowBlockObjective
    from sknonneg._solvers.adam import ProjectedAdam
    from sknonneg.neural_network import _training

    # csr_take_rows: the CSR gather kernel of 2c4dc85 (reverted in c3e1255), for
    # a checkout that has it (adam_overhead_gather_kernel.md); absent since.
    copies = {"csr_take_rows": "gather", "transpose": "batch layout"}
    for flavour in (False, True):
        kernel_set = _kernels.kernels(flavour)
        for name in _kernels.kernel_names():
            try:
                kernel = getattr(kernel_set, name)
            except AttributeError:
                continue
            setattr(kernel_set, name,
                    clock.wrap(copies.get(name, "compute kernels"), kernel))
    T = _training
    T.TrainableNetwork._fit_body = clock.wrap("rest of the fit (per fit)",
                                              T.TrainableNetwork._fit_body)
    T.TrainableNetwork._epoch_step = clock.wrap("epoch loop Python",
                                                T.TrainableNetwork._epoch_step)
    T._Data.__getitem__ = clock.wrap("gather", T._Data.__getitem__)
    T._Objectives.get = clock.wrap("set_data", T._Objectives.get)
    T._Objectives._penalty_units = clock.wrap("penalty units (per fit)",
                                              T._Objectives._penalty_units)
    engine_data.FirstLayerGradient.__init__ = clock.wrap(
        "batch layout", engine_data.FirstLayerGradient.__init__)
    Objective.loss_grad = clock.wrap("loss_grad Python", Objective.loss_grad)
    RowBlockObjective.loss_grad = clock.wrap("loss_grad Python",
                                             RowBlockObjective.loss_grad)
    ProjectedAdam.step = clock.wrap("Adam step Python", ProjectedAdam.step)


def _estimator(kind, params, epochs):
    from sknonneg import NonNegAutoencoder, NonNegMLPClassifier, NonNegMLPRegressor

    kw = dict(solver="adam", random_state=0, max_iter=epochs, tol=0.0, **params)
    if kind == "autoencoder":
        return NonNegAutoencoder(**kw)
    kw["n_iter_no_change"] = epochs + 10
    return (NonNegMLPClassifier if kind == "classifier" else NonNegMLPRegressor)(**kw)


def child(case, folder, out, profile, epochs):
    import warnings

    warnings.simplefilter("ignore")
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
    kind, source, params = CASES[case]
    X, y = load_case_data(Path(folder), source, params.get("dtype", "float64"))
    args = (X,) if kind == "autoencoder" else (X, y)
    if kind == "autoencoder":
        epochs = min(epochs, AUTOENCODER_EPOCHS)
    _estimator(kind, params, 1).fit(*args)  # warm-up: kernels loaded or compiled
    clock = _Clock()
    if profile:
        _instrument(clock)
    load = os.getloadavg()[0]
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    est = _estimator(kind, params, epochs).fit(*args)
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    times = dict(clock.times)  # the fit's: prediction below is not timed
    rows = X[:2000]
    prediction = (est.transform(rows) if kind == "autoencoder" else
                  est.predict_proba(rows) if kind == "classifier" else est.predict(rows))
    np.save(out, np.asarray(prediction))
    print(json.dumps({"wall": wall, "cpu": cpu, "load_before": load,
                      "n_iter": int(est.n_iter_), "times": times}))


# ----------------------------------------------------------------- parent side
def run_child(tree, case, folder, out, profile, epochs):
    env = {**os.environ, "PYTHONPATH": str(tree), "NUMBA_NUM_THREADS": "1",
           "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", case,
           "--folder", str(folder), "--out", str(out), "--epochs", str(epochs)]
    if profile:
        cmd.append("--profile")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=tree)
    if done.returncode:
        raise RuntimeError(f"{case} in {tree} failed:\n{done.stderr[-3000:]}")
    record = json.loads(done.stdout.strip().splitlines()[-1])
    record["uptime"] = subprocess.run(["uptime"], capture_output=True,
                                      text=True).stdout.strip()
    return record


def tree_commit(tree):
    return subprocess.run(["git", "-C", str(tree), "describe", "--always", "--dirty",
                           "--abbrev=7"], capture_output=True, text=True).stdout.strip()


def breakdown(record):
    """Fractions of the fit's wall time by category (``CATEGORIES``)."""
    times = record["times"]
    total = sum(times.values())
    shares = {c: times.get(c, 0.0) / total for c in CATEGORIES}
    shares["outside compute kernels"] = 1.0 - shares["compute kernels"]
    shares["per-batch overhead"] = sum(shares[c] for c in PER_BATCH)
    shares["total_s"] = total
    return shares


def markdown(result):
    from _common import markdown_header

    rec = result["record"]
    lines = markdown_header(rec, "Adam's per-batch overhead, before and after")
    lines += [f"base {result['base_commit']}, new {result['new_commit']}; one thread "
              f"per process; {result['epochs']} epochs per timed fit (the "
              f"autoencoder {min(result['epochs'], AUTOENCODER_EPOCHS)}); "
              "fresh processes alternating A B / B A.", "",
              "## Where the fit's time goes (profiled fits)", "",
              f"Median over {result['profile_repeats']} profiled fits per checkout "
              "(alternating) of the shares of the fit's wall time (exclusive times "
              "of nested "
              "wrappers; `gather`: `_Data.__getitem__`, with the CSR gather kernel "
              "`csr_take_rows` where a checkout has it; `batch layout` the "
              "transposed copy of a dense batch). *Per-batch overhead*: gather + "
              "batch layout + set_data + the Python of loss_grad, Adam's step and "
              "the epoch loop.", "",
              "| case | tree | fit (s) | compute kernels | outside kernels | "
              "per-batch overhead | gather | batch layout | set_data | penalty "
              "units | loss_grad Py | Adam step Py | epoch loop Py | rest (per fit) |",
              "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
              "| ---: | ---: | ---: | ---: |"]
    for case, entry in result["cases"].items():
        for tree in ("base", "new"):
            b = entry["profile"][tree]
            cells = [f"{100 * b[c]:.1f}%" for c in (
                "compute kernels", "outside compute kernels", "per-batch overhead",
                "gather", "batch layout", "set_data", "penalty units (per fit)",
                "loss_grad Python", "Adam step Python", "epoch loop Python",
                "rest of the fit (per fit)")]
            lines.append(f"| {case} | {tree} | {b['total_s']:.2f} | "
                         + " | ".join(cells) + " |")
    lines += ["", "## Paired timing (no profiling)", "",
              "| case | pairs | base wall (s) | new wall (s) | new / base wall | "
              "new / base CPU | predictions equal | load (1 min) |",
              "| --- | ---: | ---: | ---: | ---: | ---: | --- | --- |"]
    for case, entry in result["cases"].items():
        p = entry["paired"]
        loads = [r["load_before"] for r in p["base"] + p["new"]]
        lines.append(
            f"| {case} | {len(p['base'])} | {p['median_wall']['base']:.3f} | "
            f"{p['median_wall']['new']:.3f} | **{p['median_ratio_wall']:.3f}** "
            f"({p['ci95_wall'][0]:.3f}-{p['ci95_wall'][1]:.3f}) | "
            f"{p['median_ratio_cpu']:.3f} | {entry['predictions_equal']} | "
            f"{min(loads):.1f}-{max(loads):.1f} |")
    lines += ["", "Ratios: median of the per-pair ratios, with a 95% bootstrap "
              "interval (pairs resampled). Predictions: each run's predictions on "
              "2,000 training rows (`predict_proba`, `predict`, `transform`), "
              "compared with `np.array_equal` across checkouts and runs.", ""]
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--profile", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=None,
                        help=f"epochs per timed fit (default {EPOCHS}; --quick "
                             f"{QUICK_EPOCHS})")
    parser.add_argument("--base", help="checkout A (the commit before the change)")
    parser.add_argument("--new", default=str(HERE.parent),
                        help="checkout B (default: this one)")
    parser.add_argument("--repeats", type=int, default=5,
                        help="pairs of runs per case (default 5)")
    parser.add_argument("--profile-repeats", type=int, default=3,
                        help="profiled fits per case and checkout, alternating; "
                             "the median share of each category (default 3)")
    parser.add_argument("--cases", nargs="+", choices=sorted(CASES), default=None)
    parser.add_argument("--quick", action="store_true",
                        help="3,000 MNIST rows, 2,000 Reuters documents, 2 epochs, "
                             "four cases, 2 pairs; writes adam_overhead_quick.*")
    parser.add_argument("--name", default=None,
                        help="results file name, without extension (default "
                             "adam_overhead, or adam_overhead_quick with --quick)")
    parser.add_argument("--data-home", default=None,
                        help="mnist.npz and the Reuters files (default: "
                             "$SKNONNEG_DATA, else ../shared/data)")
    args = parser.parse_args(argv)
    epochs = args.epochs or (QUICK_EPOCHS if args.quick else EPOCHS)
    if args.child:
        child(args.child, args.folder, args.out, args.profile, epochs)
        return
    if not args.base:
        parser.error("--base is required")
    if args.name is not None and (not args.name or "/" in args.name
                                  or os.sep in args.name or args.name.startswith(".")):
        parser.error("--name must be a non-empty file name without a folder, not "
                     f"starting with '.', got {args.name!r}")
    from _common import DEFAULT_DATA_HOME, save_result

    cases = args.cases or (list(QUICK_CASES) if args.quick else list(CASES))
    repeats = 2 if args.quick and args.repeats == 5 else args.repeats
    trees = {"base": Path(args.base).resolve(), "new": Path(args.new).resolve()}
    result = {"epochs": epochs, "repeats": repeats,
              "profile_repeats": args.profile_repeats,
              "base_commit": tree_commit(trees["base"]),
              "new_commit": tree_commit(trees["new"]), "cases": {}}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_data(folder, args.data_home or str(DEFAULT_DATA_HOME), args.quick)
        for case in cases:
            entry = {"profile": {}, "paired": {"base": [], "new": []}}
            predictions = []
            runs = {name: [] for name in trees}
            for i in range(args.profile_repeats):
                for name, tree in (list(trees.items())[::-1] if i % 2
                                   else trees.items()):
                    out = folder / f"{case}-{name}-profile.npy"
                    runs[name].append(run_child(tree, case, folder, out, True, epochs))
                    predictions.append(np.load(out))
            for name in trees:
                shares = [breakdown(record) for record in runs[name]]
                entry["profile"][name] = {
                    **{key: float(np.median([s[key] for s in shares]))
                       for key in shares[0]}, "runs": runs[name]}
                print(f"{case} profile {name}: "
                      f"{entry['profile'][name]['per-batch overhead']:.1%} per-batch "
                      f"overhead, {entry['profile'][name]['outside compute kernels']:.1%}"
                      " outside the compute kernels", flush=True)
            for i in range(repeats):
                order = list(trees.items())
                if i % 2:
                    order.reverse()
                for name, tree in order:
                    out = folder / f"{case}-{name}-{i}.npy"
                    record = run_child(tree, case, folder, out, False, epochs)
                    entry["paired"][name].append(record)
                    predictions.append(np.load(out))
                print(f"{case} pair {i}: base {entry['paired']['base'][-1]['wall']:.3f}"
                      f" s, new {entry['paired']['new'][-1]['wall']:.3f} s", flush=True)
            from paired_engine import bootstrap_median_ci

            p = entry["paired"]
            for unit in ("wall", "cpu"):
                a = np.array([r[unit] for r in p["base"]])
                b = np.array([r[unit] for r in p["new"]])
                p[f"median_{unit}"] = {"base": float(np.median(a)),
                                       "new": float(np.median(b))}
                p[f"median_ratio_{unit}"] = float(np.median(b / a))
                p[f"ci95_{unit}"] = bootstrap_median_ci(b / a)
            entry["predictions_equal"] = all(np.array_equal(predictions[0], q)
                                             for q in predictions[1:])
            result["cases"][case] = entry
    name = args.name or ("adam_overhead_quick" if args.quick else "adam_overhead")
    save_result(name, result, markdown)
    print(markdown(result))


if __name__ == "__main__":
    main()
