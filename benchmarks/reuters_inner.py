"""Reuters top-10 on an inner split of the *training* documents (issue 18): the
development protocol for the positive network's defaults, so that no choice is
made on the test split.

The ModApte training documents are split once (seed 0, 80% / 20%, fixed before
any run); the tf-idf vectoriser of the benchmark (``min_df=3, sublinear_tf=True,
stop_words="english"``) is fitted on the inner 80%; the network
(``(30,)``, ``output="logistic"``, ``positive=True`` unless ``--positive``) is
fitted there and scored on the inner 20%: micro-F1, documents without a label,
micro-F1 with each document's most probable label added, constant hidden units
(standard deviation below 1e-3 over the inner training rows), the loss at a few
iterations and the fit's CPU seconds.

Variants (``--variant``, one or more, each a fit per seed) change one internal
default at a time, through the module constants or a subclass, so that a
candidate can be measured before it is made a default:

- ``defaults``: the code as it is (the ``reuters_inner_*`` results of the fifth
  round ran before ``l1="auto"``, so their ``defaults`` is ``l1=0``; with it, pass
  ``l1=0`` for that; and before the log-odds start of 41aa8be, ``centred``);
- ``hidden_std=S``: start the non-negative hidden layers of logistic-output
  networks at pre-activation standard deviation ``S`` (``LogisticNLL.init_std``);
- ``prior_bias``: output intercepts started at the labels' log-odds (minus the
  mean of the output's pre-activation): the default since 41aa8be, so now the
  same fit as ``defaults``; ``centred``: the start before (outputs centred, 0.5 on
  the mean row);
- ``no_scaling``: L-BFGS-B without the first-layer scaling;
- ``fmax=F``: the scaling's cap ``F_MAX``;
- ``l1=A``: ``l1=[A, 0]``; ``l2=A``: ``l2=A``;
- combinations with ``+`` (``hidden_std=0.3+prior_bias``).

Run from the repository root::

    PYTHONPATH=$PWD python benchmarks/reuters_inner.py --variant defaults --seeds 0 1 2 --out reuters_inner_a

Results: ``benchmarks/results/<out>.json`` and ``.md``.

Private imports (sknonneg._*): it patches the engine's scaling constants
(``precondition``), the logistic loss's start (``LogisticNLL``) and ``LBFGSB`` to
measure the candidates for the defaults; none of them is a parameter.
"""

import argparse
import json
import os
import resource
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.metrics import f1_score  # noqa: E402
from sklearn.preprocessing import MultiLabelBinarizer  # noqa: E402

from _common import DEFAULT_DATA_HOME, git_commit, set_threads  # noqa: E402
import sknonneg  # noqa: E402
from sknonneg import NonNegMLPClassifier  # noqa: E402
from sknonneg.datasets import load_reuters  # noqa: E402
from sknonneg._engine.losses import LogisticNLL  # noqa: E402
import sknonneg._engine.precondition as pc  # noqa: E402
from sknonneg._solvers import LBFGSB  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"


def inner_split(data_home, seed=0, share=0.8):
    bunch = load_reuters(data_home=data_home)
    docs = list(bunch.data_train)
    labels = list(bunch.target_train)
    rng = np.random.RandomState(seed)
    order = rng.permutation(len(docs))
    n_tr = int(round(share * len(docs)))
    tr, va = order[:n_tr], order[n_tr:]
    vec = TfidfVectorizer(min_df=3, sublinear_tf=True, stop_words="english")
    X_tr = vec.fit_transform([docs[i] for i in tr])
    X_va = vec.transform([docs[i] for i in va])
    mlb = MultiLabelBinarizer()
    Y_tr = mlb.fit_transform([labels[i] for i in tr])
    Y_va = mlb.transform([labels[i] for i in va])
    return X_tr, X_va, Y_tr, Y_va


class CentredStart(NonNegMLPClassifier):
    """The start before 41aa8be: multilabel outputs centred, not raised by
    their labels' log-odds (development variant)."""

    @staticmethod
    def _prior_intercepts(layout, theta, targets, sample_weight):
        return theta


def apply_variant(spec):
    """Patches for ``spec``; returns (estimator class, extra params, undo)."""
    saved = (LogisticNLL.init_std, pc.F_MAX, LBFGSB.first_layer_scaling)
    cls, params = NonNegMLPClassifier, {}
    for part in spec.split("+"):
        key, _, value = part.partition("=")
        if key == "defaults":
            continue
        if key == "hidden_std":
            LogisticNLL.init_std = (float(value), LogisticNLL.init_std[1])
        elif key == "out_std":
            LogisticNLL.init_std = (LogisticNLL.init_std[0], float(value))
        elif key == "prior_bias":
            continue  # the default start since 41aa8be
        elif key == "centred":
            cls = CentredStart
        elif key == "no_scaling":
            LBFGSB.first_layer_scaling = False
        elif key == "fmax":
            pc.F_MAX = float(value)
        elif key == "l1":
            params["l1"] = [float(value), 0.0] if float(value) else 0.0
        elif key == "l2":
            params["l2"] = float(value)
        elif key == "max_iter":
            params["max_iter"] = int(value)
        else:
            raise ValueError(f"unknown variant part {part!r}")

    def undo():
        LogisticNLL.init_std = saved[0]
        pc.F_MAX = saved[1]
        LBFGSB.first_layer_scaling = saved[2]

    return cls, params, undo


def run_one(data, spec, seed, positive, hidden=(30,)):
    X_tr, X_va, Y_tr, Y_va = data
    cls, params, undo = apply_variant(spec)
    try:
        est = cls(hidden, output="logistic", positive=positive, random_state=seed,
                  **params)
        cpu = time.process_time()
        wall = time.perf_counter()
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            est.fit(X_tr, Y_tr)
        cpu = time.process_time() - cpu
        wall = time.perf_counter() - wall
    finally:
        undo()
    pred = est.predict(X_va)
    proba = est.predict_proba(X_va)
    activations = est.transform(X_tr)
    curve = est.loss_curve_
    row = {
        "variant": spec, "seed": seed, "positive": positive, "hidden": list(hidden),
        "micro_f1": float(f1_score(Y_va, pred, average="micro")),
        "train_micro_f1": float(f1_score(Y_tr, est.predict(X_tr), average="micro")),
        "top_label_added": float(f1_score(
            Y_va, np.maximum(pred, proba == proba.max(axis=1, keepdims=True)),
            average="micro")),
        "no_label": int((pred.sum(axis=1) == 0).sum()),
        "constant_units": int((activations.std(axis=0) < 1e-3).sum()),
        "loss": {str(i): float(curve[i - 1]) for i in (1, 10, 30, 60, 100, 200)
                 if i <= len(curve)},
        "n_iter": int(est.n_iter_), "cpu_s": cpu, "wall_s": wall,
        "load": os.getloadavg()[0],
        "warnings": sorted({type(w.message).__name__ for w in caught}),
    }
    print(json.dumps(row), flush=True)
    return row


def synthetic(seeds, threads):
    """A second multilabel data set for the same comparison (a check, nothing is
    chosen on it): ``make_multilabel_classification``'s bag-of-words model (each
    label a word distribution, each document drawn from its labels'), 4,000
    documents of 500 words, 10 labels, 2 per document on average, none without a
    label; 3,000 to fit, 1,000 to score; tf-idf (``sublinear_tf``) or min-max
    scaled counts; ``positive=True``, ``(30,)``, ``l1="auto"`` against ``l1=0``."""
    from sklearn.datasets import make_multilabel_classification
    from sklearn.feature_extraction.text import TfidfTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.preprocessing import MinMaxScaler

    X, Y = make_multilabel_classification(
        n_samples=4000, n_features=500, n_classes=10, n_labels=2, length=50,
        allow_unlabeled=False, random_state=0)
    rows = []
    for name, scaler in (("tf-idf", TfidfTransformer(sublinear_tf=True)),
                         ("min-max", MinMaxScaler())):
        X_tr = scaler.fit_transform(X[:3000])
        X_te = scaler.transform(X[3000:])
        # For scale: one-vs-rest logistic regression at its defaults.
        pred = OneVsRestClassifier(LogisticRegression(max_iter=1000)).fit(
            X_tr, Y[:3000]).predict(X_te)
        rows.append({"data": f"synthetic multilabel, {name}",
                     "l1": "OneVsRest(LogisticRegression)", "seed": 0,
                     "micro_f1": float(f1_score(Y[3000:], pred, average="micro")),
                     "no_label": int((pred.sum(axis=1) == 0).sum()), "cpu_s": 0.0,
                     "warnings": []})
        for l1 in ("auto", 0.0):
            for seed in seeds:
                est = NonNegMLPClassifier((30,), l1=l1, random_state=seed)
                cpu = time.process_time()
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always")
                    est.fit(X_tr, Y[:3000])
                pred = est.predict(X_te)
                row = {"data": f"synthetic multilabel, {name}", "l1": l1, "seed": seed,
                       "micro_f1": float(f1_score(Y[3000:], pred, average="micro")),
                       "no_label": int((pred.sum(axis=1) == 0).sum()),
                       "cpu_s": time.process_time() - cpu,
                       "warnings": sorted({type(w.message).__name__ for w in caught})}
                print(json.dumps(row), flush=True)
                rows.append(row)
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data-home", default=os.environ.get("SKNONNEG_DATA",
                                                         str(DEFAULT_DATA_HOME)))
    p.add_argument("--variant", nargs="+", default=["defaults"])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--positive", default="True")
    p.add_argument("--hidden", type=int, nargs="+", default=[30],
                   help="hidden_layer_sizes")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default="reuters_inner")
    p.add_argument("--synthetic", action="store_true",
                   help="the synthetic multilabel check instead of Reuters")
    args = p.parse_args()
    set_threads(args.threads)
    print("sknonneg from", Path(sknonneg.__file__).resolve().parent, flush=True)
    if args.synthetic:
        return write_synthetic(args, synthetic(args.seeds, args.threads))
    positive = {"True": True, "False": False}.get(args.positive, args.positive)
    data = inner_split(args.data_home)
    print("inner split", data[0].shape, data[1].shape, flush=True)
    rows = [run_one(data, spec, seed, positive, tuple(args.hidden))
            for spec in args.variant for seed in args.seeds]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rec = {"command": "python " + " ".join(sys.argv), "commit": git_commit(),
           "cpu_s_process": usage.ru_utime + usage.ru_stime, "rows": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(rec, indent=1))
    lines = [f"# Reuters inner split ({args.out})", "", f"`{rec['command']}` at "
             f"{rec['commit']}; process CPU {rec['cpu_s_process']:.0f} s", "",
             "| variant | seed | micro-F1 | no label | top label added | train F1 "
             "| constant units | loss 1 / 30 / 200 | CPU s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |"]
    for r in rows:
        loss = " / ".join(f"{r['loss'].get(k, float('nan')):.3g}"
                          for k in ("1", "30", "200"))
        lines.append(f"| {r['variant']} | {r['seed']} | {r['micro_f1']:.4f} | "
                     f"{r['no_label']} | {r['top_label_added']:.4f} | "
                     f"{r['train_micro_f1']:.4f} | {r['constant_units']} | {loss} | "
                     f"{r['cpu_s']:.1f} |")
    by = {}
    for r in rows:
        by.setdefault(r["variant"], []).append(r["micro_f1"])
    lines += ["", "| variant | mean micro-F1 | seeds |", "| --- | ---: | ---: |"]
    lines += [f"| {k} | {np.mean(v):.4f} | {len(v)} |" for k, v in by.items()]
    (RESULTS / f"{args.out}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


def write_synthetic(args, rows):
    usage = resource.getrusage(resource.RUSAGE_SELF)
    rec = {"command": "python " + " ".join(sys.argv), "commit": git_commit(),
           "cpu_s_process": usage.ru_utime + usage.ru_stime, "rows": rows}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(rec, indent=1))
    lines = [f"# Synthetic multilabel check ({args.out})", "",
             f"`{rec['command']}` at {rec['commit']}; process CPU "
             f"{rec['cpu_s_process']:.0f} s", "", synthetic.__doc__.split("\n\n")[0]
             .replace("\n    ", " ").replace("\n", " "), "",
             "| data | l1 | seed | micro-F1 | no label | CPU s | warnings |",
             "| --- | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in rows:
        lines.append(f"| {r['data']} | {r['l1']} | {r['seed']} | {r['micro_f1']:.4f} | "
                     f"{r['no_label']} | {r['cpu_s']:.1f} | "
                     f"{', '.join(r['warnings'])} |")
    by = {}
    for r in rows:
        by.setdefault((r["data"], r["l1"]), []).append(r["micro_f1"])
    lines += ["", "| data | l1 | mean micro-F1 |", "| --- | --- | ---: |"]
    lines += [f"| {d} | {l1} | {np.mean(v):.4f} |" for (d, l1), v in by.items()]
    (RESULTS / f"{args.out}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
