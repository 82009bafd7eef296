"""Learned hidden units vs PCA and NMF components (Chorowski & Zurada 2015, Figs. 2-4).

On full MNIST and on Reuters-21578 (top 10, the paper's multilabel protocol), for each
k given, fits

* ``nonneg``: NonNegMLPClassifier(k hidden, positive=True), the paper's Table I
  penalties for that data set;
* ``unconstrained``: the same with positive=False (and that row's Table I penalties);
* ``sklearn_mlp``: sklearn MLPClassifier(k hidden, logistic activation, adam) at
  scikit-learn's default budget (``max_iter=200``, ``tol=1e-4``, 10 epochs without
  improvement; no early stopping), on the same inputs as the networks (MNIST
  pixels / 255, Reuters log(1 + count)). Until this was changed it ran 15 epochs with
  its ConvergenceWarning silenced, which left it under-trained (14.3% on Reuters);
* ``pca_lr``: PCA(k) + LogisticRegression;
* ``nmf_lr``: NMF(k) + LogisticRegression;
* ``nonneg_transform_lr``: the fitted non-negative network used as a ``transform``
  feature extractor (its k hidden activations), followed by LogisticRegression.

Columns: test error, fit time, sparsity of the k feature vectors (mean Hoyer
sparsity, fraction of entries with |w| <= 1e-3 max|w|), and of the output layer
(fraction of |w| <= 1e-3 max|w| in the net's output weights, or in the logistic
regression's coefficients). Every row also records the iterations run (``n_iter``,
where the model has one) and the ConvergenceWarnings its fit raised: they are
counted and reported, not silenced.

Figures (``doc/figures/``): Fig. 2 (reduced MNIST 1/2/6 networks, Hinton diagram of
output weights with the hidden units as images), Fig. 3 (32 random hidden units of
the positive and unconstrained full-MNIST networks, 32 PCA and 32 NMF components),
Fig. 4 (Reuters: top-10 words of each hidden unit next to the output Hinton diagram,
for both networks; top words of PCA and NMF components).

Usage (from the repository root)::

    python benchmarks/compare_features.py --mnist-k 32 150 --reuters-k 10 15
    python benchmarks/compare_features.py --quick

Network settings are those of ``chorowski2015.py``'s "paper" rows. With
``--reuse-models``, networks pickled by ``chorowski2015.py --save-models`` (seed 0)
are used instead of refitting when their hidden size matches k.
"""

import argparse
import pickle
import sys
import warnings
from pathlib import Path

import numpy as np
from sklearn.base import clone
from sklearn.decomposition import NMF, PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    FIGURES,
    RESULTS,
    Timer,
    add_common_args,
    load_json,
    mnist,
    reuters,
    reuters_error,
    run_record,
    save_json,
    set_threads,
    versions,
)
from chorowski2015 import ROWS, make_estimator  # noqa: E402

from sknonneg.inspection import hoyer_sparsity  # noqa: E402

NEAR_ZERO = 1e-3
# scikit-learn's default budget for MLPClassifier (what a user who does not tune it
# gets); --quick cuts it to 20 epochs.
SKLEARN_MLP_MAX_ITER = 200
METHODS = ["nonneg", "unconstrained", "sklearn_mlp", "pca_lr", "nmf_lr",
           "nonneg_transform_lr"]
NET_ROW = {("mnist", "nonneg"): "full_pos", ("mnist", "unconstrained"): "full_unc",
           ("reuters", "nonneg"): "reuters_pos", ("reuters", "unconstrained"): "reuters_unc",
           ("reduced", "nonneg"): "reduced_pos", ("reduced", "unconstrained"): "reduced_unc"}


def near_zero(W):
    W = np.abs(np.asarray(W))
    return float((W <= NEAR_ZERO * W.max()).mean()) if W.size and W.max() > 0 else 1.0


def lr(seed):
    return LogisticRegression(max_iter=300, C=1.0, random_state=seed)


def net(data, method, k, seed, quick, models, reuse):
    row = NET_ROW[(data, method)]
    spec = dict(ROWS[row], hidden=k)
    path = RESULTS / "models" / f"{row}.pkl"
    if reuse and not quick and seed == 0 and path.exists() and ROWS[row]["hidden"] == k:
        with open(path, "rb") as f:
            return pickle.load(f), True
    return make_estimator(spec, seed, quick), False


def build(data, method, k, seed, quick, reuse):
    """(estimator, already_fitted)."""
    if method in ("nonneg", "unconstrained"):
        return net(data, method, k, seed, quick, None, reuse)
    if method == "sklearn_mlp":
        return MLPClassifier((k,), activation="logistic", alpha=1e-4,
                             max_iter=20 if quick else SKLEARN_MLP_MAX_ITER,
                             early_stopping=False, random_state=seed), False
    if method == "pca_lr":
        # arpack works on the sparse Reuters matrix (centred implicitly)
        solver = "arpack" if data == "reuters" else "auto"
        return make_pipeline(PCA(k, svd_solver=solver, random_state=seed),
                             StandardScaler(), lr(seed)), False
    if method == "nmf_lr":
        return make_pipeline(NMF(k, init="nndsvda", max_iter=50 if quick else 200,
                                 random_state=seed),
                             StandardScaler(), lr(seed)), False
    raise ValueError(method)


def features_and_output(est):
    """(k feature vectors as rows, output weight matrix)."""
    if hasattr(est, "steps"):
        return est[0].components_, est[-1].coef_
    if hasattr(est, "components_"):
        return est.components_, est.coefs_[-1]
    return est.coefs_[0].T, est.coefs_[-1]


def evaluate(est, data, test):
    if data == "reuters":
        return reuters_error(est, test[2])
    X_test, y_test = test
    return 1.0 - est.score(X_test, y_test)


def n_iter(est):
    """Iterations (epochs) the fit ran, where the model reports them."""
    for step in (est[0], est[-1]) if hasattr(est, "steps") else (est,):
        n = getattr(step, "n_iter_", None)
        if n is not None:
            return int(np.max(n))
    return None


def run_data(data, ks, seed, data_home, quick, reuse, fitted, skip=(), commit=None):
    if data == "mnist":
        X, y, X_test, y_test = mnist(data_home, quick=quick)
        test = (X_test, y_test)
    else:
        bow = reuters(data_home, quick=quick)
        X, y = bow.Xe, bow.ye
        test = (bow.X_test, None, bow)
        fitted[("reuters", "bow")] = bow
    rows = []
    for k in ks:
        for method in METHODS:
            if f"{method}:{k}" in skip or f"{data}:{method}:{k}" in skip:
                continue
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                if method == "nonneg_transform_lr":
                    base = fitted[(data, "nonneg", k)]
                    est = make_pipeline(base, StandardScaler(), lr(seed))
                    # the network is already fitted: fit only the regression on top
                    with Timer() as t:
                        H = base.transform(X)
                        scaler = StandardScaler().fit(H)
                        est.steps[1] = ("standardscaler", scaler)
                        est.steps[2] = ("logisticregression",
                                        lr(seed).fit(scaler.transform(H), y))
                    reused = True
                    feats, out = base.components_, est[-1].coef_
                else:
                    est, reused = build(data, method, k, seed, quick, reuse)
                    if est.__class__.__name__ == "NMF":
                        est = clone(est)
                    with Timer() as t:
                        if not reused:
                            est.fit(X, y)
                    feats, out = features_and_output(est)
            conv = [str(w.message) for w in caught
                    if issubclass(w.category, ConvergenceWarning)]
            for w in caught:  # the others are shown as usual
                if not issubclass(w.category, ConvergenceWarning):
                    warnings.showwarning(w.message, w.category, w.filename, w.lineno)
            err = evaluate(est, data, test)
            fitted[(data, method, k)] = est
            row = dict(data=data, k=k, method=method, seed=seed, test_error=float(err),
                       fit_wall_s=None if reused and method != "nonneg_transform_lr"
                       else t.wall,
                       fit_cpu_s=None if reused and method != "nonneg_transform_lr"
                       else t.cpu,
                       reused_model=bool(reused) and method != "nonneg_transform_lr",
                       n_iter=None if method == "nonneg_transform_lr" else n_iter(est),
                       max_iter=(est.get_params().get("max_iter")
                                 if method == "sklearn_mlp" else None),
                       convergence_warnings=len(conv),
                       convergence_messages=sorted(set(conv)),
                       git_commit=commit,
                       load_avg_start=t.load,
                       feature_hoyer=float(np.mean(hoyer_sparsity(np.asarray(feats)))),
                       feature_near_zero=near_zero(feats),
                       feature_negative=float((np.asarray(feats) < 0).mean()),
                       output_near_zero=near_zero(out))
            if row["reused_model"]:
                row["note"] = "network reused from chorowski2015.py --save-models (seed 0)"
            if method == "nonneg_transform_lr":
                row["note"] = "fit time: transform + LogisticRegression only"
            print(f"  {data} k={k} {method}: error={100 * err:.2f}% "
                  f"fit={row['fit_wall_s']} hoyer={row['feature_hoyer']:.3f} "
                  f"near0={row['feature_near_zero']:.3f} out0={row['output_near_zero']:.3f} "
                  f"n_iter={row['n_iter']} ConvergenceWarnings={len(conv)}",
                  flush=True)
            rows.append(row)
    return rows


def markdown(results):
    lines = ["# Hidden units vs PCA / NMF features", "",
             "Generated by `benchmarks/compare_features.py` from `compare_features.json`. "
             "Feature vectors: the k first-layer weight vectors (networks) or components "
             "(PCA, NMF). near-zero: |w| <= 1e-3 max|w| over the matrix. Output layer: the "
             "network's hidden->output weights, or the logistic regression's "
             "coefficients. Fit time in wall seconds on a shared 2-core machine, one run "
             "(not a benchmark timing); '-' marks a network reused from "
             "`chorowski2015.py` (its time is in that table). iters: the epochs or "
             "iterations the fit ran (of max_iter for sklearn's MLPClassifier, which "
             f"runs at scikit-learn's default budget, max_iter={SKLEARN_MLP_MAX_ITER}); "
             "conv. warn.: ConvergenceWarnings the fit raised (counted, not silenced). "
             "One seed: no interval, so differences of a few tenths of a point are not "
             "established.", ""]
    runs = results.get("runs", [])
    if runs:
        lines += ["Runs:", ""]
        for run in runs:
            v = run.get("versions") or {}
            lines.append(f"* `{run['command']}` at commit `{run['git_commit']}`"
                         + (", " + ", ".join(f"{k} {v[k]}" for k in
                                             ("numpy", "scipy", "scikit-learn", "numba")
                                             if k in v) if v else ""))
        lines.append("")
    if any(r.get("git_commit") is None for r in results["rows"]):
        legacy = results.get("legacy_commands", [])
        lines += ["Rows marked * come from an earlier run that recorded no commit or "
                  "versions" + (": " + "; ".join(f"`{c}`" for c in legacy)
                                if legacy else "") + ".", ""]
    for data in ("mnist", "reuters"):
        rows = [r for r in results["rows"] if r["data"] == data]
        if not rows:
            continue
        lines += [f"## {'Full MNIST' if data == 'mnist' else 'Reuters-21578 top 10'}", "",
                  "| k | method | test error % | fit s | iters | conv. warn. | feature Hoyer "
                  "| feature near-zero | feature < 0 | output near-zero |",
                  "|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            fit = "-" if r["fit_wall_s"] is None else f"{r['fit_wall_s']:.1f}"
            iters = "?" if "n_iter" not in r else (
                "-" if r["n_iter"] is None else str(r["n_iter"])
                + (f" of {r['max_iter']}" if r.get("max_iter") else ""))
            warn = str(r["convergence_warnings"]) if "convergence_warnings" in r else "?"
            star = " *" if r.get("git_commit") is None else ""
            lines.append(f"| {r['k']} | {r['method']}{star} | {100 * r['test_error']:.2f} "
                         f"| {fit} | {iters} | {warn} "
                         f"| {r['feature_hoyer']:.3f} | {r['feature_near_zero']:.3f} | "
                         f"{r['feature_negative']:.3f} | {r['output_near_zero']:.3f} |")
        lines.append("")
    lines += ["Commands:", ""] + [f"    {c}" for c in results.get("commands", [])]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- figures
def figures(fitted, data_home, quick, seed, out_dir):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from sknonneg.inspection import HiddenUnitsDisplay, OutputWeightsDisplay, top_features

    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    # Fig. 2: reduced MNIST
    X, y, X_test, y_test = mnist(data_home, digits=[1, 2, 6], quick=quick)
    nets = {}
    for method in ("unconstrained", "nonneg"):
        est, reused = net("reduced", method, 10, seed, quick, None, True)
        if not reused:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                est.fit(X, y)
        nets[method] = est
    fig, axes = plt.subplots(1, 2, figsize=(13, 5.0))
    for ax, (method, est) in zip(axes, nets.items()):
        err = 1 - est.score(X_test, y_test)
        OutputWeightsDisplay.from_estimator(est, X_test, y_test, order="class",
                                            show_images=True, ax=ax, title=False)
        ax.set_title(f"({'a' if method == 'unconstrained' else 'b'}) "
                     f"{'unconstrained' if method == 'unconstrained' else 'non-negative'}"
                     f" weights, test error {100 * err:.2f}%", fontsize="medium", pad=8)
    fig.suptitle("Fig. 2 (reduced MNIST 1/2/6, 10 hidden units): output weights as a "
                 "Hinton diagram (white +, black -),\nhidden units' weights as images "
                 "below their columns, mean hidden activation per class as bars",
                 fontsize="medium", y=1.03)
    paths.append(out_dir / "fig2_reduced_mnist.png")
    fig.savefig(paths[-1], dpi=100, bbox_inches="tight")
    plt.close(fig)

    # Fig. 3: full MNIST, 32 random units, from the models this run fitted: the
    # networks at 150 units (else the largest k that has both), PCA and NMF at 32
    # components (else at the networks' k). A run that skipped a panel's model (NMF
    # at 150 is skipped by default) draws no Fig. 3; before, it failed here with a
    # KeyError after writing its results.
    def both(data, methods):
        return sorted(key[2] for key in fitted if len(key) == 3 and key[0] == data
                      and key[1] == methods[0]
                      and all((data, m, key[2]) in fitted for m in methods[1:]))

    net_ks = both("mnist", ("nonneg", "unconstrained"))
    part_ks = both("mnist", ("pca_lr", "nmf_lr"))
    k = 150 if 150 in net_ks else (net_ks[-1] if net_ks else None)
    kf = next((c for c in (32, k) if c in part_ks), None)
    if net_ks and kf is None:
        print("Fig. 3 not drawn: PCA and NMF were not both fitted at k = 32 or "
              f"k = {k} in this run")
    if k is not None and kf is not None:
        rng = np.random.RandomState(0)
        units = np.sort(rng.choice(k, min(32, k), replace=False))
        panels = [
            (fitted[("mnist", "unconstrained", k)], units,
             f"(a) unconstrained net, 32 of {k} units"),
            (fitted[("mnist", "nonneg", k)], units, f"(b) non-negative net, 32 of {k} units"),
            (fitted[("mnist", "pca_lr", kf)][0], np.arange(min(32, kf)),
             "(c) PCA: first 32 components"),
            (fitted[("mnist", "nmf_lr", kf)][0], np.arange(min(32, kf)),
             f"(d) NMF: {'32' if kf == 32 else 'first 32 of ' + str(kf)} components"),
        ]
        fig, axes = plt.subplots(2, 2, figsize=(11, 6.6))
        for ax, (est, u, title) in zip(axes.ravel(), panels):
            HiddenUnitsDisplay.from_estimator(est, units=u, image_shape=(28, 28), ax=ax,
                                              n_cols=8, normalize="unit", titles=False,
                                              title=title)
            ax.title.set_fontsize("medium")
        fig.suptitle("Fig. 3 (full MNIST): weights of hidden units / components, each "
                     "scaled to its own max |w|; signed: 0 = grey, non-negative: 0 = black",
                     fontsize="medium")
        paths.append(out_dir / "fig3_mnist_units.png")
        fig.savefig(paths[-1], dpi=100, bbox_inches="tight")
        plt.close(fig)

    # Fig. 4: Reuters word lists + Hinton diagram
    bow = fitted.get(("reuters", "bow"))
    ks = both("reuters", ("nonneg", "unconstrained"))
    if bow is not None and not ks and any(key[:2] in (("reuters", "nonneg"),
                                                     ("reuters", "unconstrained"))
                                          for key in fitted if len(key) == 3):
        print("Fig. 4 not drawn: the two Reuters networks were not both fitted at "
              "one k in this run")
    if bow is not None and ks:
        k = 15 if 15 in ks else ks[-1]
        names = np.asarray(bow.feature_names)
        # One panel above the other: side by side, the word lists were too small to
        # read at the width of a documentation page.
        fig, axes = plt.subplots(2, 1, figsize=(8.7, 2 * (0.42 * k + 2.2)))
        for ax, method, tag in zip(axes, ("unconstrained", "nonneg"), "ab"):
            est = fitted[("reuters", method, k)]
            table = top_features(est, feature_names=names, k=10)
            signed = (table["weight"] < 0).any()
            words = {u: " ".join((("+" if w > 0 else "-") if signed else "") + f
                                 for f, w in zip(r["feature"], r["weight"]))
                     for u, r in table.groupby("unit")}
            disp = OutputWeightsDisplay.from_estimator(est, order="class", transpose=True,
                                                       ax=ax, title=False)
            disp.ax_.set_yticks(np.arange(len(disp.unit_ids)),
                                [words[u] for u in disp.unit_ids], fontsize=7.5)
            disp.ax_.set_ylabel("")
            # the networks are trained on class indices: label columns by category
            labels = [t.get_text() for t in disp.ax_.get_xticklabels()]
            labels = [bow.target_names[int(t)] if t.isdigit() else t for t in labels]
            disp.ax_.set_xticks(disp.ax_.get_xticks(), labels,
                                rotation=60, ha="left", fontsize=8)
            err = reuters_error(est, bow)
            disp.ax_.set_title(f"({tag}) {'unconstrained' if method == 'unconstrained' else 'non-negative'}"
                               f" weights, test error {100 * err:.1f}%", fontsize="medium",
                               pad=8)
        fig.suptitle("Fig. 4 (Reuters-21578 top 10): each hidden unit (row) listed by "
                     "its ten strongest words;\nHinton diagram of hidden->category "
                     "weights", fontsize="medium", y=1.0)
        fig.subplots_adjust(hspace=0.3)
        paths.append(out_dir / "fig4_reuters_words.png")
        fig.savefig(paths[-1], dpi=100, bbox_inches="tight")
        plt.close(fig)

        # PCA / NMF word lists for comparison (text file, the paper has no figure)
        lines = []
        for method in ("pca_lr", "nmf_lr"):
            if ("reuters", method, k) in fitted:
                comp = fitted[("reuters", method, k)][0]
                table = top_features(comp, feature_names=names, k=10)
                lines.append(f"## {method.split('_')[0].upper()} ({k} components), "
                             "top 10 words by |weight| (sign shown for PCA)")
                lines.append("")
                for u, r in table.groupby("unit"):
                    signed = method == "pca_lr"
                    lines.append(f"{u:2d}: " + " ".join(
                        (("+" if w > 0 else "-") if signed else "") + f
                        for f, w in zip(r["feature"], r["weight"])))
                lines.append("")
        name = "reuters_component_words" + ("_quick" if quick else "") + ".md"
        (RESULTS / name).write_text("\n".join(lines) + "\n")
    return paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_common_args(parser)
    parser.add_argument("--mnist-k", type=int, nargs="*", default=[150, 32])
    parser.add_argument("--reuters-k", type=int, nargs="*", default=[10, 15])
    parser.add_argument("--reuse-models", action="store_true",
                        help="use networks pickled by chorowski2015.py --save-models")
    parser.add_argument("--no-figures", action="store_true")
    parser.add_argument("--render", action="store_true",
                        help="only rewrite the Markdown from the results JSON")
    parser.add_argument("--skip", nargs="*", default=["mnist:nmf_lr:150"],
                        help="data:method:k or method:k entries not to run (default: "
                             "mnist:nmf_lr:150, too slow for the time budget)")
    args = parser.parse_args(argv)
    if args.render:
        suffix = "_quick" if args.quick else ""
        results = load_json(RESULTS / f"compare_features{suffix}.json")
        (RESULTS / f"compare_features{suffix}.md").write_text(markdown(results))
        return
    set_threads(args.threads)
    record = dict(run_record(), versions=versions())
    seed = args.seeds[0]
    suffix = "_quick" if args.quick else ""
    json_path = RESULTS / f"compare_features{suffix}.json"
    fitted, rows = {}, []
    for data, ks in (("reuters", args.reuters_k), ("mnist", args.mnist_k)):
        if ks:
            rows += run_data(data, ks, seed, args.data_home, args.quick,
                             args.reuse_models, fitted, set(args.skip),
                             commit=record["git_commit"])
    old = load_json(json_path) or {"rows": []}
    done = {(r["data"], r["k"], r["method"]) for r in rows}
    rows = [r for r in old["rows"] if (r["data"], r["k"], r["method"]) not in done] + rows
    rows.sort(key=lambda r: (r["data"], r["k"], METHODS.index(r["method"])))
    command = ("python benchmarks/compare_features.py" + (" --quick" if args.quick else "")
               + " --seeds " + str(seed)
               + " --mnist-k " + " ".join(map(str, args.mnist_k))
               + " --reuters-k " + " ".join(map(str, args.reuters_k))
               + (" --reuse-models" if args.reuse_models else "")
               + (" --skip " + " ".join(args.skip) if args.skip else " --skip"))
    record["command"] = command
    for r in rows:
        if r.get("git_commit") is not None and "run_command" not in r:
            r["run_command"] = command
    # rows kept from earlier runs keep their run's record; runs none of whose rows
    # are left are dropped
    kept = {r.get("run_command") for r in rows}
    runs = [r for r in old.get("runs", []) if r["command"] in kept
            and r["command"] != command] + [record]
    results = {"record": record, "threads": args.threads, "rows": rows, "runs": runs,
               "commands": [r["command"] for r in runs]}
    if any(r.get("git_commit") is None for r in rows):
        # rows of runs from before the results recorded runs: keep their commands
        results["legacy_commands"] = old.get("legacy_commands") or [
            c for c in old.get("commands", [])
            if c not in {r["command"] for r in old.get("runs", [])}]
    save_json(json_path, results)
    (RESULTS / f"compare_features{suffix}.md").write_text(markdown(results))
    print(markdown(results))
    if not args.no_figures:
        out = FIGURES if not args.quick else RESULTS / "figures_quick"
        for p in figures(fitted, args.data_home, args.quick, seed, out):
            print("wrote", p)


if __name__ == "__main__":
    main()
