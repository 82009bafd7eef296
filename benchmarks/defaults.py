"""Defaults that train (issue 18): positive networks at their defaults on text,
multilabel, tabular and image data, and how often their fits warn.

Every model is at its defaults except ``positive``, the ``output`` the target needs
and the hidden sizes stated. Sections (``--sections``):

- ``reuters``: Reuters-21578 top-10 (ModApte), multilabel, tf-idf
  (``min_df=3, sublinear_tf=True, stop_words="english"``), ``(30,)`` hidden units,
  ``output="logistic"``; micro-F1 on the test split and fit time, for ``positive`` in
  True, "hidden", "output", False, with a one-vs-rest ``LinearSVC`` for scale.
- ``tabular``: breast cancer, wine, Spambase and Adult (``ColumnTransformer``:
  scaled numeric columns, one-hot categories), 5-fold CV accuracy of the positive
  network (defaults) with ``MinMaxScaler`` and ``StandardScaler`` vs the better of
  ``MLPClassifier`` and ``LogisticRegression``; and the grid ``hidden_layer_sizes`` x
  ``l2`` x ``positive`` on the small sets (``--grid``), its worst cell reported.
- ``images``: digits (5-fold CV, min-max) and the 5k MNIST subset of
  ``foundation_mnist.py`` (10k test set), positive and unconstrained.
- ``mnist_adam``: full MNIST, positive, 150 hidden, projected Adam (batch 128, step
  6e-3 decaying linearly, 30 epochs, float32), the default gain schedule of Adam and
  the annealed ``(1, 2)``, over ``--seeds``. Expensive: run it alone, last.

Every fit records the warnings it raised (``ConvergenceWarning`` and its subclass
``DegenerateFitWarning``) and whether it predicts one class for all samples.

Run from the repository root::

    python benchmarks/defaults.py --data-home ../shared/data
    python benchmarks/defaults.py --sections mnist_adam --seeds 0 1 2

Results: ``benchmarks/results/defaults.json`` and ``.md`` (sections merged into the
existing file, so they can be run separately).

Private imports (sknonneg._*): ``--no-first-layer-scaling`` sets
``LBFGSB.first_layer_scaling = False`` for comparison runs: a switch of the solver,
not a parameter.
"""

import argparse
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.datasets import load_breast_cancer, load_digits, load_wine  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402
from sklearn.multiclass import OneVsRestClassifier  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import (  # noqa: E402
    MinMaxScaler,
    MultiLabelBinarizer,
    OneHotEncoder,
    StandardScaler,
)
from sklearn.svm import LinearSVC  # noqa: E402

from _common import (  # noqa: E402
    DEFAULT_DATA_HOME,
    git_commit,
    load_json,
    machine,
    save_json,
    set_threads,
)
from sknonneg import DegenerateFitWarning, NonNegMLPClassifier  # noqa: E402
from sknonneg.datasets import load_reuters, load_spambase  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ALL_SECTIONS = ("reuters", "tabular", "images", "mnist_adam")


class Watch:
    """Fits run inside: counts their warnings, by kind."""

    def __init__(self):
        self.fits = self.convergence = self.degenerate = self.one_class = 0

    def fit(self, est, X, y):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X, y)
        kinds = {type(w.message) for w in caught}
        self.fits += 1
        self.degenerate += DegenerateFitWarning in kinds
        self.convergence += any(issubclass(k, ConvergenceWarning)
                                and k is not DegenerateFitWarning for k in kinds)
        return est

    def record(self):
        return {"fits": self.fits, "convergence_warnings": self.convergence,
                "degenerate_warnings": self.degenerate, "one_class_fits": self.one_class}

    def add(self, other):
        """Adds the counts of ``other`` (the fits of one row or grid cell)."""
        for k in ("fits", "convergence", "degenerate", "one_class"):
            setattr(self, k, getattr(self, k) + getattr(other, k))


def cv_accuracy(make, X, y, watch=None, folds=5):
    scores, one_class = [], 0
    for tr, te in StratifiedKFold(folds, shuffle=True, random_state=0).split(X, y):
        est = make()
        if watch is not None:
            watch.fit(est, X[tr], y[tr])
            one_class += np.unique(est.predict(X[tr])).size == 1
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est.fit(X[tr], y[tr])
        scores.append(est.score(X[te], y[te]))
    if watch is not None:
        watch.one_class += one_class
    return float(np.mean(scores)), int(one_class)


# ---------------------------------------------------------------- reuters
def section_reuters(args, watch):
    bunch = load_reuters(data_home=args.data_home)
    vec = TfidfVectorizer(min_df=3, sublinear_tf=True, stop_words="english")
    X_train, X_test = vec.fit_transform(bunch.data_train), vec.transform(bunch.data_test)
    mlb = MultiLabelBinarizer()
    Y_train, Y_test = mlb.fit_transform(bunch.target_train), mlb.transform(bunch.target_test)
    rows = []
    start = time.perf_counter()
    svc = OneVsRestClassifier(LinearSVC()).fit(X_train, Y_train)
    rows.append({"model": "OneVsRest(LinearSVC)", "micro_f1": float(
        f1_score(Y_test, svc.predict(X_test), average="micro")),
        "fit_s": time.perf_counter() - start})
    print(rows[-1], flush=True)
    configs = [({"positive": {"True": True, "False": False}.get(p, p)}, "")
               for p in args.reuters_positive]
    if args.reuters_early_stopping:
        # Not at the defaults: the held-out 10% and the best iterate kept.
        configs.append(({"positive": True, "early_stopping": True},
                        ", early_stopping=True"))
    if args.reuters_l1_zero:
        # Not at the defaults: the fifth round's l1="auto" switched off (the
        # default before it), in the same run for a paired comparison.
        configs.append(({"positive": True, "l1": 0.0}, ", l1=0"))
    seeds = args.reuters_seeds
    configs = [(dict(params, random_state=seed),
                label + (f", seed {seed}" if len(seeds) > 1 else ""))
               for params, label in configs for seed in seeds]
    for params, label in configs:
        pos = params["positive"]
        est = NonNegMLPClassifier((30,), output="logistic", **params)
        load_before = os.getloadavg()[0]
        start, cpu_start = time.perf_counter(), time.process_time()
        w = Watch()
        w.fit(est, X_train, Y_train)
        fit_s = time.perf_counter() - start
        fit_cpu_s = time.process_time() - cpu_start
        pred = est.predict(X_test)
        proba = est.predict_proba(X_test)
        train_pred = est.predict(X_train)
        row = {"model": f"NonNegMLPClassifier((30,), positive={pos!r}{label})",
               "micro_f1": float(f1_score(Y_test, pred, average="micro")),
               "train_micro_f1": float(f1_score(Y_train, train_pred, average="micro")),
               # The ranking apart from the 0.5 threshold: each test document's most
               # probable label added to its predicted ones.
               "micro_f1_top_label_added": float(f1_score(
                   Y_test, np.maximum(pred, proba == proba.max(axis=1, keepdims=True)),
                   average="micro")),
               "fit_s": fit_s, "fit_cpu_s": fit_cpu_s, "n_iter": est.n_iter_,
               "iter_per_cpu_s": est.n_iter_ / max(fit_cpu_s, 1e-9),
               "load_1min": [load_before, os.getloadavg()[0]],
               "docs_without_label": int((pred.sum(axis=1) == 0).sum()),
               **w.record()}
        watch.add(w)
        rows.append(row)
        print(row, flush=True)
    return {"n_train": X_train.shape[0], "n_test": X_test.shape[0],
            "n_features": X_train.shape[1], "rows": rows}


# ---------------------------------------------------------------- tabular
def _adult(data_home):
    import pandas as pd

    names = ["age", "workclass", "fnlwgt", "education", "education-num",
             "marital-status", "occupation", "relationship", "race", "sex",
             "capital-gain", "capital-loss", "hours-per-week", "native-country", "y"]
    df = pd.read_csv(Path(data_home) / "adult.data.gz", names=names,
                     skipinitialspace=True, na_values="?")
    y = (df.pop("y").str.strip(".") == ">50K").to_numpy().astype(int)
    return df, y


def _spambase(data_home):
    X, y = load_spambase(data_home=data_home, return_X_y=True)
    y = y.to_numpy()
    return X.to_numpy(dtype=float), y  # an array: no ColumnTransformer (_preprocessor)


def _preprocessor(scaler, X):
    if hasattr(X, "select_dtypes"):
        num = list(X.select_dtypes("number").columns)
        cat = [c for c in X.columns if c not in num]
        return ColumnTransformer([
            ("num", scaler, num),
            ("cat", OneHotEncoder(handle_unknown="ignore", min_frequency=20), cat)])
    return scaler


def tabular_sets(args):
    sets = {"breast_cancer": load_breast_cancer(return_X_y=True),
            "wine": load_wine(return_X_y=True)}
    if "spambase" in args.tabular:
        sets["spambase"] = _spambase(args.data_home)
    if "adult" in args.tabular:
        X, y = _adult(args.data_home)
        if args.adult_rows and len(y) > args.adult_rows:
            X, _, y, _ = train_test_split(X, y, train_size=args.adult_rows, stratify=y,
                                          random_state=0)
            X = X.reset_index(drop=True)
        sets["adult"] = (X, y)
    return {k: v for k, v in sets.items() if k in args.tabular}


def _rows(X, idx):
    return X.iloc[idx] if hasattr(X, "iloc") else X[idx]


def section_tabular(args, watch):
    rows, grid = [], []
    for name, (X, y) in tabular_sets(args).items():
        def cv(make, w=None):
            scores, one_class = [], 0
            for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(
                    np.zeros(len(y)), y):
                est = make()
                if w is not None:
                    w.fit(est, _rows(X, tr), y[tr])
                    one_class += np.unique(est.predict(_rows(X, tr))).size == 1
                else:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", ConvergenceWarning)
                        est.fit(_rows(X, tr), y[tr])
                scores.append(est.score(_rows(X, te), y[te]))
            if w is not None:
                w.one_class += one_class
            return float(np.mean(scores)), int(one_class)

        for sname, scaler in (("minmax", MinMaxScaler), ("standard", StandardScaler)):
            if sname not in args.scalers:
                continue
            pre = lambda: _preprocessor(scaler(), X)  # noqa: E731
            start = time.perf_counter()
            # the baselines' ConvergenceWarnings are counted as ours are, not silenced
            w_mlp, w_lr = Watch(), Watch()
            mlp = cv(lambda: make_pipeline(pre(), MLPClassifier(random_state=0)), w_mlp)[0]
            lr = cv(lambda: make_pipeline(pre(), LogisticRegression(max_iter=1000)),
                    w_lr)[0]
            baseline_s = time.perf_counter() - start
            baseline_warnings = {"mlp_convergence_warnings": w_mlp.convergence,
                                 "logreg_convergence_warnings": w_lr.convergence}
            for positive, output in ((True, "softmax"), ("hidden", "softmax"),
                                     (True, "logistic")):
                start = time.perf_counter()
                w = Watch()
                acc, one = cv(lambda: make_pipeline(pre(), NonNegMLPClassifier(
                    positive=positive, output=output, random_state=0)), w)
                watch.add(w)
                row = {"data": name, "scaler": sname, "positive": positive,
                       "output": output,
                       "accuracy": acc, "mlp": mlp, "logreg": lr,
                       "gap_to_best": acc - max(mlp, lr), "one_class_folds": one,
                       "fit_s_5_folds": time.perf_counter() - start,
                       "baselines_s": baseline_s, **baseline_warnings,
                       **w.record()}
                rows.append(row)
                print(row, flush=True)
            if name not in args.grid:
                continue
            for hidden in ((10,), (50,), (20, 10)):
                for l2 in (0.0, 1e-5, 1e-4):
                    for positive in (True, "hidden"):
                        w = Watch()
                        acc, one = cv(lambda: make_pipeline(pre(), NonNegMLPClassifier(
                            hidden, positive=positive, l2=l2, random_state=0)), w)
                        watch.add(w)
                        cell = {"data": name, "scaler": sname, "hidden": list(hidden),
                                "l2": l2, "positive": positive, "accuracy": acc,
                                "one_class_folds": one, **w.record()}
                        grid.append(cell)
                        print(cell, flush=True)
    return {"rows": rows, "grid": grid}


# ---------------------------------------------------------------- images
def section_images(args, watch):
    rows = []
    X, y = load_digits(return_X_y=True)
    for positive in (True, False):
        acc, one = cv_accuracy(lambda: make_pipeline(MinMaxScaler(), NonNegMLPClassifier(
            positive=positive, random_state=0)), X, y, watch)
        rows.append({"data": "digits (5-fold CV, min-max)", "positive": positive,
                     "accuracy": acc, "one_class_folds": one})
        print(rows[-1], flush=True)
    d = np.load(Path(args.data_home) / "mnist.npz")
    Xm, ym = d["X_train"] / 255.0, d["y_train"].astype(np.int64)
    X_test, y_test = d["X_test"] / 255.0, d["y_test"].astype(np.int64)
    X5, _, y5, _ = train_test_split(Xm, ym, train_size=5000, stratify=ym, random_state=0)
    for positive in (True, False):
        for seed in args.image_seeds:
            start = time.perf_counter()
            est = watch.fit(NonNegMLPClassifier((150,), positive=positive,
                                                random_state=seed), X5, y5)
            data = "MNIST 5k subset (10k test)"
            rows.append({"data": data if seed == 0 else f"{data}, seed {seed}",
                         "positive": positive,
                         "accuracy": float(est.score(X_test, y_test)),
                         "fit_s": time.perf_counter() - start, "n_iter": est.n_iter_})
            print(rows[-1], flush=True)
    return {"rows": rows, "before": {"mnist5k_positive": 0.9395,
                                     "mnist5k_unconstrained": 0.9502}}


def section_mnist_adam(args, watch):
    d = np.load(Path(args.data_home) / "mnist.npz")
    X = (d["X_train"] / 255.0).astype(np.float32)
    X_test = (d["X_test"] / 255.0).astype(np.float32)
    y, y_test = d["y_train"].astype(np.int64), d["y_test"].astype(np.int64)
    rows = []
    for gain in args.adam_gains:
        gain = "default" if gain == "default" else tuple(map(float, gain.split(",")))
        for seed in args.seeds:
            kw = {} if gain == "default" else {"gain": gain}
            est = NonNegMLPClassifier(
                (150,), solver="adam", batch_size=128, learning_rate_init=6e-3,
                learning_rate="linear", max_iter=30, dtype="float32",
                random_state=seed, **kw)
            start = time.perf_counter()
            watch.fit(est, X, y)
            rows.append({"gain": str(gain), "seed": seed,
                         "test_error": 1.0 - float(est.score(X_test, y_test)),
                         "fit_s": time.perf_counter() - start})
            print(rows[-1], flush=True)
    return {"rows": rows}


# ---------------------------------------------------------------- report
def markdown(rec):
    out = ["# Defaults that train (issue 18)", "",
           f"Commands: {'; '.join(f'`{c}`' for c in rec['commands'])}  ",
           f"git_commit {rec['git_commit']}, {rec['machine']['cpu_count']} CPUs "
           "(shared with other jobs: times are indicative only)", ""]
    if rec.get("part_commits"):  # a merged record: the commit each part ran at
        out[-1:-1] = ["", "Parts merged, in order, and the commit each ran at: "
                      + "; ".join(f"`{name}` {commit}"
                                  for name, commit in rec["part_commits"]) + "."]
    out += [f"- {note}" for note in rec.get("notes", [])] + [""] * bool(rec.get("notes"))
    r = rec.get("reuters")
    if r:
        out += ["## Reuters top-10, multilabel, tf-idf, (30,) logistic outputs", "",
                f"{r['n_train']} training / {r['n_test']} test documents, "
                f"{r['n_features']} features. Target: positive micro-F1 >= 0.915, fit "
                "< 60 s (before issue 18: 0.639; first round, gain annealed 1 -> 2: "
                "positive 0.897, 'hidden' 0.926, 'output' 0.942, unconstrained 0.941).",
                "",
                "| model | micro-F1 | training micro-F1 | top label added | fit (s) | "
                "fit CPU (s) | iterations | iterations per CPU s | load | "
                "test docs without label | warned |",
                "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- |"]

        def fmt(row, key, spec):
            return format(row[key], spec) if key in row else ""
        for row in r["rows"]:
            warned = ("degenerate" if row.get("degenerate_warnings") else
                      "convergence" if row.get("convergence_warnings") else "")
            load = ("-".join(f"{x:.1f}" for x in row["load_1min"])
                    if "load_1min" in row else "")
            out.append(f"| {row['model']} | {row['micro_f1']:.4f} | "
                       f"{fmt(row, 'train_micro_f1', '.4f')} | "
                       f"{fmt(row, 'micro_f1_top_label_added', '.4f')} | "
                       f"{row['fit_s']:.1f} | {fmt(row, 'fit_cpu_s', '.1f')} | "
                       f"{row.get('n_iter', '')} | {fmt(row, 'iter_per_cpu_s', '.1f')} | "
                       f"{load} | {row.get('docs_without_label', '')} | {warned} |")
        seeded = {}
        for row in r["rows"]:
            if ", seed " in row["model"]:
                seeded.setdefault(row["model"].rsplit(", seed ", 1)[0] + ")",
                                  []).append(row["micro_f1"])
        if seeded:
            out += ["", "| model | seeds | mean micro-F1 |", "| --- | ---: | ---: |"]
            out += [f"| {m} | {len(v)} | {float(np.mean(v)):.4f} |"
                    for m, v in seeded.items()]
        out.append("")
    t = rec.get("tabular")
    if t:
        out += ["## Tabular, 5-fold CV accuracy at the defaults", "",
                "Target: within 1 point of the better of MLPClassifier and "
                "LogisticRegression.", "",
                "| data | scaler | positive | output | accuracy | MLPClassifier | "
                "LogisticRegression | gap | one-class folds | folds warning |",
                "| --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
        for row in t["rows"]:
            out.append(f"| {row['data']} | {row['scaler']} | {row['positive']} | "
                       f"{row['output']} | {row['accuracy']:.4f} | {row['mlp']:.4f} | {row['logreg']:.4f} | "
                       f"{100 * row['gap_to_best']:+.2f} | {row['one_class_folds']} | "
                       f"{row.get('convergence_warnings', '')} |")
        for name in dict.fromkeys(c["data"] for c in t["grid"]):
            cells = [c for c in t["grid"] if c["data"] == name]
            worst = min(cells, key=lambda c: c["accuracy"])
            out += ["", f"Grid on {name} ({len(cells)} cells: hidden_layer_sizes in "
                    "(10,), (50,), (20, 10) x l2 in 0, 1e-5, 1e-4 x positive in True, "
                    f"'hidden' x min-max / standard scaling, 5 folds each): worst cell "
                    f"{worst['accuracy']:.4f} ({worst['scaler']}, {worst['hidden']}, "
                    f"l2={worst['l2']}, positive={worst['positive']}); one-class folds "
                    f"{sum(c['one_class_folds'] for c in cells)}." + _grid_warnings(cells)]
        out.append("")
    im = rec.get("images")
    if im:
        out += ["## Digits and the 5k MNIST subset", "",
                "Before (main): 5k MNIST positive 93.95%, unconstrained 95.02%.", "",
                "| data | positive | accuracy | fit (s) |", "| --- | --- | ---: | ---: |"]
        for row in im["rows"]:
            out.append(f"| {row['data']} | {row['positive']} | {row['accuracy']:.4f} | "
                       f"{row.get('fit_s', float('nan')):.1f} |")
        out.append("")
    ma = rec.get("mnist_adam")
    if ma:
        out += ["## Full MNIST, positive, projected Adam", "",
                "| gain | seed | test error | fit (s) |", "| --- | ---: | ---: | ---: |"]
        for row in ma["rows"]:
            out.append(f"| {row['gain']} | {row['seed']} | {100 * row['test_error']:.2f}% | "
                       f"{row['fit_s']:.1f} |")
        for gain in dict.fromkeys(row["gain"] for row in ma["rows"]):
            errors = [row["test_error"] for row in ma["rows"] if row["gain"] == gain]
            out.append(f"| {gain} | mean of {len(errors)} | "
                       f"{100 * float(np.mean(errors)):.2f}% | |")
        out.append("")
    w = rec.get("warnings", {})
    if w:
        out += ["## Warnings over all fits of the recorded sections", "",
                "| section | fits | ConvergenceWarning | DegenerateFitWarning | "
                "fits predicting one class |", "| --- | ---: | ---: | ---: | ---: |"]
        for name, c in w.items():
            out.append(f"| {name} | {c['fits']} | {c['convergence_warnings']} | "
                       f"{c['degenerate_warnings']} | {c['one_class_fits']} |")
        total = {k: sum(c[k] for c in w.values()) for k in next(iter(w.values()))}
        out.append(f"| all | {total['fits']} | {total['convergence_warnings']} | "
                   f"{total['degenerate_warnings']} | {total['one_class_fits']} |")
        out += ["", f"{100 * total['convergence_warnings'] / max(total['fits'], 1):.1f}% of "
                "the fits raise a ConvergenceWarning (the mnist_adam fits are not at the "
                "defaults: a step decaying linearly over 30 epochs, whose end is "
                "planned and warns only if it ends badly);"
                f" DegenerateFitWarning: {total['degenerate_warnings']} fits, fits "
                f"predicting one class: {total['one_class_fits']}."]
        out.append("")
    return "\n".join(out)


def _grid_warnings(cells):
    """The grid's ConvergenceWarning count and the cells that warned, where the run
    recorded them per cell."""
    if not all("convergence_warnings" in c for c in cells):
        return ""
    warned = [c for c in cells if c["convergence_warnings"]]
    where = "; ".join(f"{c['scaler']}, {c['hidden']}, l2={c['l2']}, "
                      f"positive={c['positive']}: {c['convergence_warnings']}"
                      for c in warned)
    return (f" Fits that raise a ConvergenceWarning: "
            f"{sum(c['convergence_warnings'] for c in cells)} of "
            f"{sum(c['fits'] for c in cells)}" + (f" ({where})." if where else "."))


# Sections whose parts add up when merged (separate data sets, separate seeds); a
# later part of any other section replaces the earlier one, warnings included. In
# an additive section a later part's rows and grid cells replace earlier ones with
# the same key where all of them record their warnings (``_replaces``).
_ADDITIVE = {"tabular": lambda r: (r["data"], r["scaler"], str(r["positive"]), r["output"]),
             "mnist_adam": lambda r: (r["gain"], r["seed"])}


_GRID_KEY = lambda c: (c["data"], c["scaler"], tuple(c["hidden"]), c["l2"],  # noqa: E731
                       str(c["positive"]))
_COUNTS = ("fits", "convergence_warnings", "degenerate_warnings", "one_class_fits")


def _replaces(earlier, later, key):
    """Whether the rows and grid cells of ``later`` that overlap ``earlier`` can
    replace them: every row and cell involved records its own warning counts."""
    keys = ((key, "rows"), (_GRID_KEY, "grid"))
    overlap = [r for item_key, items in keys
               for r in earlier.get(items, [])
               if item_key(r) in {item_key(n) for n in later.get(items, [])}]
    new = later.get("rows", []) + later.get("grid", [])
    return bool(overlap) and all(k in r for r in overlap + new for k in _COUNTS)


def merge_parts(parts):
    """One record of the result files ``parts`` of separate runs, in order."""
    rec = {"commands": [], "warnings": {}}
    commits = []
    for part in parts:
        rec["commands"] += part["commands"]
        commits.append(part["git_commit"])
        rec["machine"] = part["machine"]
        for section in ALL_SECTIONS:
            if section not in part:
                continue
            counts = part["warnings"].get(section, {})
            key = _ADDITIVE.get(section)
            if key is None or section not in rec:
                rec[section] = part[section]
                rec["warnings"][section] = dict(counts)
                continue
            total = rec["warnings"].setdefault(section, dict.fromkeys(counts, 0))
            if _replaces(rec[section], part[section], key):
                # The later part's rows and grid cells replace the earlier ones with
                # the same key; both carry their warning counts, so the section's
                # counts are corrected.
                for items, item_key in (("rows", key), ("grid", _GRID_KEY)):
                    new = part[section].get(items, [])
                    new_keys = {item_key(r) for r in new}
                    for old in rec[section].get(items, []):
                        if item_key(old) in new_keys:
                            for k in total:
                                total[k] -= old[k]
                    rec[section][items] = [r for r in rec[section].get(items, [])
                                           if item_key(r) not in new_keys] + new
                for k, v in counts.items():
                    total[k] = total.get(k, 0) + v
                continue
            seen = {key(r) for r in rec[section]["rows"]}
            rec[section]["rows"] += [r for r in part[section]["rows"] if key(r) not in seen]
            if "grid" in part[section]:
                rec[section]["grid"] += part[section]["grid"]
            for k, v in counts.items():
                total[k] = total.get(k, 0) + v
    rec["git_commit"] = ", ".join(dict.fromkeys(commits))
    return rec


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    parser.add_argument("--sections", nargs="+", default=list(ALL_SECTIONS[:3]),
                        choices=ALL_SECTIONS)
    parser.add_argument("--reuters-positive", nargs="+",
                        default=["True", "hidden", "output", "False"])
    parser.add_argument("--reuters-early-stopping", action="store_true",
                        help="add a positive network with early_stopping=True (not "
                             "at the defaults) to the reuters section")
    parser.add_argument("--reuters-seeds", type=int, nargs="+", default=[0],
                        help="random_state of each Reuters fit (one row per seed)")
    parser.add_argument("--reuters-l1-zero", action="store_true",
                        help="add a positive row with l1=0 (the default before "
                             "l1='auto') to the reuters section")
    parser.add_argument("--tabular", nargs="+",
                        default=["breast_cancer", "wine", "spambase", "adult"])
    parser.add_argument("--adult-rows", type=int, default=0,
                        help="stratified subsample of Adult (0: all 32,561 rows)")
    parser.add_argument("--grid", nargs="*", default=["breast_cancer", "wine"])
    parser.add_argument("--scalers", nargs="+", default=["minmax", "standard"],
                        choices=["minmax", "standard"], help="scalings of the tabular section")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--image-seeds", type=int, nargs="+", default=[0],
                        help="random_state of each 5k MNIST fit of the images section "
                             "(one row per seed; 0 is the row the targets name)")
    parser.add_argument("--adam-gains", nargs="+", default=["default", "1,2"],
                        help='gains of the mnist_adam section: "default" (gain="auto") '
                             'or "start,end"')
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--no-first-layer-scaling", action="store_true",
                        help="L-BFGS-B without the first-layer scaling of "
                             "sknonneg._engine.precondition (the code before it), for "
                             "comparison runs")
    parser.add_argument("--out", default="defaults")
    parser.add_argument("--merge", nargs="*", default=[],
                        help="result files (JSON, in benchmarks/results) of separate "
                             "runs to merge into --out, sections in the order given")
    parser.add_argument("--note", nargs="*", default=[],
                        help="with --merge: lines printed under the commands")
    args = parser.parse_args()
    set_threads(args.threads)
    if args.no_first_layer_scaling:
        from sknonneg._solvers import LBFGSB

        LBFGSB.first_layer_scaling = False
    json_path, md_path = RESULTS / f"{args.out}.json", RESULTS / f"{args.out}.md"
    if args.merge:
        parts = [load_json(RESULTS / name) for name in args.merge]
        rec = merge_parts(parts)
        rec["part_commits"] = [[Path(name).stem, part["git_commit"]]
                               for name, part in zip(args.merge, parts)]
        rec["notes"] = list(args.note)
        save_json(json_path, rec)
        md_path.write_text(markdown(load_json(json_path)) + "\n")
        return
    rec = load_json(json_path) or {"commands": [], "warnings": {}}
    rec["commands"] = [c for c in rec["commands"]
                       if c != "python " + " ".join(sys.argv)] + ["python " + " ".join(sys.argv)]
    rec["git_commit"], rec["machine"] = git_commit(), machine()
    sections = {"reuters": section_reuters, "tabular": section_tabular,
                "images": section_images, "mnist_adam": section_mnist_adam}
    for name in args.sections:
        watch = Watch()
        rec[name] = sections[name](args, watch)
        rec["warnings"][name] = watch.record()
        save_json(json_path, rec)
        md_path.write_text(markdown(rec) + "\n")
    print(markdown(rec))


if __name__ == "__main__":
    main()
