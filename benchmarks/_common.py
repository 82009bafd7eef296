"""Shared helpers of the Chorowski & Zurada (2015) reproduction scripts.

Data loading (MNIST pixels / 255, reduced MNIST 1/2/6, Reuters bag of words with
the paper's multilabel protocol), timing (wall and CPU seconds plus the machine's
load average, since the benchmark machine is shared) and result files.
"""

import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import scipy.sparse as sp

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sknonneg.datasets import (  # noqa: E402
    expand_multilabel,
    load_mnist,
    load_reuters,
    multilabel_hit_rate,
    reuters_bag_of_words,
)

RESULTS = REPO / "benchmarks" / "results"
FIGURES = REPO / "doc" / "figures"
# The data folder: $SKNONNEG_DATA when set (as the estimators' loaders read it),
# else ../shared/data beside the repository.
DEFAULT_DATA_HOME = Path(
    os.environ.get("SKNONNEG_DATA")
    or Path(__file__).resolve().parents[2] / "shared" / "data"
)

# Reuters vocabulary: terms in >= 3 training documents, English stop words removed,
# features log(1 + count) (the paper used a stemmed, stop-word-filtered bag of
# words; we do not stem).
REUTERS_MIN_DF = 3


def add_common_args(parser, *, quick=True, seeds=True):
    """``--data-home``, ``--threads`` and, where the script reads them (``quick``,
    ``seeds``), ``--quick`` and ``--seeds``. Before, every script offered both:
    ``regressor_adam_gain.py --quick`` ran the whole benchmark and wrote over its
    recorded results, and ``--seeds`` changed nothing there."""
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME),
                        help="directory holding mnist.npz and the Reuters files "
                             "(default: $SKNONNEG_DATA, else ../shared/data beside the "
                             "repository)")
    if quick:
        parser.add_argument("--quick", action="store_true",
                            help="fast smoke run: subsampled data, few iterations; "
                                 "writes *_quick result files")
    if seeds:
        parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                            help="random seeds (default: 0 1 2)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/numba thread budget of the fits (default 1: on the "
                             "shared, oversubscribed benchmark machine the 2-thread "
                             "kernels were up to 10x slower; 0 leaves the default)")
    return parser


def set_threads(n):
    """Limit NumPy's BLAS pool, which sknonneg's fits take as their thread budget."""
    if n and n > 0:
        from threadpoolctl import threadpool_limits
        threadpool_limits(limits=n)
    return n


def mnist(data_home, digits=None, quick=False, dtype=np.float32):
    X_train, X_test, y_train, y_test = load_mnist(data_home=data_home,
                                                  return_X_y=True)
    if digits is not None:
        keep, keep_test = np.isin(y_train, digits), np.isin(y_test, digits)
        X_train, y_train = X_train[keep], y_train[keep]
        X_test, y_test = X_test[keep_test], y_test[keep_test]
    if quick:
        rng = np.random.RandomState(0)
        tr = rng.choice(len(y_train), min(3000, len(y_train)), replace=False)
        te = rng.choice(len(y_test), min(2000, len(y_test)), replace=False)
        X_train, y_train, X_test, y_test = X_train[tr], y_train[tr], X_test[te], y_test[te]
    X_train = (X_train / 255.0).astype(dtype)
    X_test = (X_test / 255.0).astype(dtype)
    return X_train, y_train.astype(np.int64), X_test, y_test.astype(np.int64)


def reuters(data_home, quick=False, dtype=np.float32):
    """Bag of words of the top-10 ModApte split.

    Returns a Bunch with X_train/X_test (CSR, log(1 + count)), the expanded
    single-label training set (Xe, ye: each multi-label document once per label),
    Y_test (indicator matrix) and feature/target names.
    """
    bunch = load_reuters(data_home=data_home, subset="top10")
    if quick:
        bunch.data_train, bunch.target_train = bunch.data_train[:1500], bunch.target_train[:1500]
        bunch.data_test, bunch.target_test = bunch.data_test[:800], bunch.target_test[:800]
    bow = reuters_bag_of_words(bunch, min_df=REUTERS_MIN_DF, dtype=dtype)
    for name in ("X_train", "X_test"):
        X = bow[name].astype(dtype)
        X.data = np.log1p(X.data)
        bow[name] = sp.csr_matrix(X)
    bow.Xe, bow.ye = expand_multilabel(bow.X_train, bow.Y_train)
    return bow


def reuters_error(est, bow, X=None):
    """Paper's protocol: wrong unless the predicted class is one of the labels."""
    pred = est.predict(bow.X_test if X is None else X)
    return 1.0 - multilabel_hit_rate(bow.Y_test, pred)


class Timer:
    """Wall and CPU (this process, all threads) seconds of a block."""

    def __enter__(self):
        self.load = os.getloadavg()[0]
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0
        self.load_end = os.getloadavg()[0]


def machine():
    return {"platform": platform.platform(), "python": platform.python_version(),
            "cpu_count": os.cpu_count(), "processor": platform.processor()}


def git_commit():
    """The commit the benchmark's code is at, ``-dirty`` if the tree differs from it."""
    try:
        return subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=7"],
                              cwd=Path(__file__).resolve().parent, capture_output=True,
                              text=True).stdout.strip()
    except OSError:
        return ""


# The commit a run starts at: importing this module is a benchmark's start. Before,
# ``run_record`` read it when the results were saved, so a run during which commits
# were made recorded the later commit (regressor_small_defaults ran at e538ed3 and
# recorded b88b09f-dirty).
COMMIT_AT_START = git_commit()


def load_json(path):
    if path.exists():
        return json.loads(path.read_text())
    return None


def provenance():
    """What every results JSON records of the code and libraries that wrote it: the
    commit (``-dirty`` when the tree differed from it) and the versions of
    numpy, scipy, scikit-learn, numba and sknonneg. ``save_json`` adds it; it is
    read when the file is written, so a run's own record (``run_record``, read at
    its start) is the one to trust when commits were made during the run."""
    try:
        lib = versions()
    except ImportError as exc:  # a benchmark run without numba, say
        lib = {"error": repr(exc)}
    return {"git_commit_at_write": git_commit(), "versions": lib}


def save_json(path, obj):
    """Write ``obj`` as JSON; a dict gets a ``"provenance"`` entry (``provenance()``)
    unless it has one, so every results file names its commit and versions."""
    if isinstance(obj, dict) and "provenance" not in obj:
        obj = {**obj, "provenance": provenance()}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=1, sort_keys=False) + "\n")


def pct(x):
    return "n/a" if x is None else f"{100 * x:.2f}"


def versions():
    """Versions of the libraries a benchmark's numbers depend on."""
    import numba
    import scipy
    import sklearn

    import sknonneg

    return {"python": platform.python_version(), "sknonneg": sknonneg.__version__,
            "numpy": np.__version__, "scipy": scipy.__version__,
            "scikit-learn": sklearn.__version__, "numba": numba.__version__}


def package_location():
    """Where ``sknonneg`` was imported from, relative to this repository when it is
    inside (results must not record the paths of the machine that made them)."""
    import sknonneg

    path = Path(sknonneg.__file__).resolve()
    try:
        return str(path.relative_to(REPO))
    except ValueError:
        return f"<installed>/{path.parent.name}/{path.name}"


def command_line():
    """The command that ran the benchmark, relative to the repository root."""
    script = Path(sys.argv[0]).resolve()
    try:
        script = script.relative_to(REPO)
    except ValueError:
        script = Path(script.name)
    return shlex.join(["python", str(script), *sys.argv[1:]])


def run_record():
    """What every result records of its run: the command, the commit the run
    started at (``COMMIT_AT_START``; ``-dirty`` when the tree differed from it) and,
    where another one is checked out when the record is made, that one
    (``git_commit_at_save``), the versions of numpy, scipy, scikit-learn, numba and
    sknonneg, where ``sknonneg`` came from, the machine and the 1-minute load when
    the record is made."""
    record = {"command": command_line(), "git_commit": COMMIT_AT_START,
              "versions": versions(), "sknonneg": package_location(),
              "machine": machine(), "load_1min": os.getloadavg()[0]}
    if git_commit() != COMMIT_AT_START:
        record["git_commit_at_save"] = git_commit()
    return record


def markdown_header(rec, title):
    """The first lines of a result's Markdown: its title, the command, the commit,
    where ``sknonneg`` came from, the machine and its load (``run_record``)."""
    return [f"# {title}", "", f"Command: `{rec['command']}`  ",
            f"git_commit {rec['git_commit']}"
            + (f" (at the start; {rec['git_commit_at_save']} when saved)"
               if rec.get("git_commit_at_save") else "")
            + f", sknonneg from `{rec['sknonneg']}`, "
            f"{rec['machine']['cpu_count']} CPUs (shared; load {rec['load_1min']:.1f} at "
            "the end)" + ("  " if rec.get("versions") else ""),
            *([", ".join(f"{k} {v}" for k, v in rec["versions"].items())]
              if rec.get("versions") else []), ""]


def save_result(stem, result, markdown):
    """``RESULTS/{stem}.json`` and ``RESULTS/{stem}.md`` (``markdown(result)``),
    after setting ``result["record"]`` to this run's ``run_record``."""
    result["record"] = run_record()
    save_json(RESULTS / f"{stem}.json", result)
    (RESULTS / f"{stem}.md").write_text(markdown(result))


def run_without_options(doc, stem, measure, markdown):
    """The ``__main__`` of a benchmark without options: ``--help`` prints ``doc``;
    otherwise ``measure()`` is saved as ``RESULTS/{stem}`` (``save_result``) and its
    Markdown printed."""
    import argparse

    argparse.ArgumentParser(description=doc,
                            formatter_class=argparse.RawDescriptionHelpFormatter
                            ).parse_args()
    save_result(stem, measure(), markdown)
    print((RESULTS / f"{stem}.md").read_text())


def combined_parts(stem, suffixes):
    """The results ``RESULTS/{stem}{suffix}.json`` of separate runs (disjoint
    splits) as one: their rows and ``what`` merged, every run's record under
    ``runs``, the first one's as ``record`` with the commands joined."""
    parts = [json.loads((RESULTS / f"{stem}{s}.json").read_text()) for s in suffixes]
    return {"record": {**parts[0]["record"], "command": "; ".join(
                p["record"]["command"] for p in parts)},
            "runs": [p["record"] for p in parts],
            "rows": [r for p in parts for r in p["rows"]],
            "what": {k: v for p in parts for k, v in p["what"].items()}}, parts


def start_dev_run(args, load, table):
    """``(X, y, result)`` of a development-split run: the thread budget set,
    ConvergenceWarning silenced, the data of ``load(data_home=...)`` and the result
    skeleton (this run's record, no rows, what each of ``args.variants`` is: the
    third entry of its ``table`` row)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning

    set_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X, y = load(data_home=args.data_home, return_X_y=True)
    y = y.to_numpy()  # NumPy targets, as the loaders' tuple gave before 0.1
    result = {"record": run_record(), "rows": [],
              "what": {v: table[v][2] for v in args.variants}}
    return X, y, result


def select_and_refit(factory, grid, seed, scoring, cv, X, y):
    """A development run's model choice: ``GridSearchCV`` of ``factory(seed)`` over
    ``grid`` (a copy) on ``(X, y)`` with ``scoring`` and ``cv``, then the best
    candidate refitted on all of it. Returns ``(model, inner-CV score, the chosen
    parameters as reprs, monotonic_cst left out)``."""
    import copy

    from sklearn.base import clone
    from sklearn.model_selection import GridSearchCV

    search = GridSearchCV(factory(seed), copy.deepcopy(grid), scoring=scoring, cv=cv,
                          refit=False, n_jobs=1).fit(X, y)
    model = clone(factory(seed)).set_params(**search.best_params_).fit(X, y)
    params = {p: repr(v) for p, v in search.best_params_.items()
              if not p.endswith("monotonic_cst")}
    return model, float(search.best_score_), params


def timed_search_refit(factory, grid, seed, scoring, X, y):
    """A test split's model choice with its cost: ``GridSearchCV`` of
    ``factory(seed)`` over ``grid`` on ``(X, y)`` with ``scoring`` and
    ``KFold(3, shuffle=True, random_state=seed)`` (errors raised), then the best
    candidate refitted on all of it, timed. Returns ``(model, best_params, wall
    seconds, CPU seconds, ConvergenceWarnings raised by the search and the
    refit)``. (``select_and_refit`` is the development runs' untimed choice.)"""
    import warnings

    from sklearn.base import clone
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV, KFold

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        search = GridSearchCV(
            factory(seed), grid, scoring=scoring,
            cv=KFold(3, shuffle=True, random_state=seed), refit=False,
            error_score="raise").fit(X, y)
        model = clone(factory(seed)).set_params(**search.best_params_)
        wall, cpu = time.perf_counter(), time.process_time()
        model.fit(X, y)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    n_warnings = sum(issubclass(w.category, ConvergenceWarning) for w in caught)
    return model, search.best_params_, wall, cpu, n_warnings


def splits_at_grid_edges(grid, rows):
    """How many of ``rows`` (each with the ``"params"`` a search chose, as their
    reprs) chose the first or last value of an ordered grid parameter of
    ``grid`` (numbers, three values or more, as reprs), and which parameters:
    ``"2 (alpha, l2)"``."""
    def is_number(text):
        try:
            float(text)
        except ValueError:
            return False
        return True

    ordered = {p: v for p, v in grid.items()
               if len(v) >= 3 and all(is_number(x) for x in v)}
    hits, names = 0, set()
    for r in rows:
        at = [p for p, v in ordered.items() if r["params"].get(p) in (v[0], v[-1])]
        hits += bool(at)
        names.update(p.split("__")[-1] for p in at)
    return f"{hits}" + (f" ({', '.join(sorted(names))})" if names else "")


def compound_poisson_gamma(rng, mu, power, dispersion):
    """Tweedie amounts of mean ``mu``, ``power`` in (1, 2) and ``dispersion``: a
    Poisson number of Gamma claims (exact zeros where there are none), drawn from
    ``rng`` (``RandomState``) as ``tweedie_simulated`` and
    ``regressor_small_defaults`` draw them."""
    lam = mu ** (2 - power) / (dispersion * (2 - power))
    alpha = (2 - power) / (power - 1)
    scale = dispersion * (power - 1) * mu ** (power - 1)
    counts = rng.poisson(lam)
    return np.where(counts > 0, rng.gamma(np.maximum(counts, 1) * alpha, scale), 0.0)


def deviance_table(result, rows, ours, digits):
    """The rows of the deviance benchmarks' table (``poisson_counts``,
    ``gamma_autompg``, ``tweedie_simulated``): per model of ``result["models"]``,
    the test deviance's mean and std and the per-split paired difference against
    ``ours`` (``digits`` decimals), D^2, the largest violation, the median refit
    CPU time, the ConvergenceWarnings, the chosen parameters and the splits at a
    grid edge; header included."""
    mark = {r["split"]: r["deviance"] for r in rows if r["model"] == ours}
    lines = ["| model | deviance mean +- std | D^2 mean | paired diff (splits > 0) "
             "| max violation | fit CPU s | ConvergenceWarnings | chosen params "
             "| splits at a grid edge |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
    for name in result["models"]:
        mine = [r for r in rows if r["model"] == name]
        if not mine:
            continue
        dev = np.array([r["deviance"] for r in mine])
        if name == ours:
            paired = "-"
        else:
            diff = np.array([r["deviance"] - mark[r["split"]] for r in mine
                             if r["split"] in mark])
            paired = (f"{diff.mean():+.{digits}f} ({int(np.sum(diff > 0))} of "
                      f"{diff.size})")
        params = "; ".join(sorted({", ".join(f"{p.split('__')[-1]}={v}"
                                             for p, v in r["params"].items())
                                   for r in mine}))
        lines.append(
            f"| {name} | {dev.mean():.{digits}f} +- {dev.std():.{digits}f} | "
            f"{np.mean([r['d2'] for r in mine]):.4f} | {paired} | "
            f"{max(r['max_violation'] for r in mine):.3g} | "
            f"{np.median([r['fit_cpu_s'] for r in mine]):.2f} | "
            f"{sum(r['convergence_warnings'] for r in mine)} | {params} | "
            f"{splits_at_grid_edges(result.get('grids', {}).get(name, {}), mine)} |")
    return lines
