"""Tables 1-2 of Vasilescu, Neacsu & Pesquet (2024) for dense networks, with sknonneg.

For each data set, networks of the same hidden sizes:

- signed MLP: ``NonNegMLPClassifier(positive=False)``;
- non-negative MLP: ``NonNegMLPClassifier(positive=True)``;
- ABBA, unconstrained, and ABBA with ``lipschitz_max`` at a few values;

and for each: test accuracy, the tight and separable Lipschitz bounds of the logits,
fit time, iterations; the accuracy under an L2 projected-gradient attack at a few
perturbation sizes (our own attack, through the input gradient of each network,
written below in NumPy from the fitted attributes), and the mean certified radius.
Finally the per-evaluation time of ABBA against ``NonNegMLPClassifier(positive=False)``
with the same hidden sizes (interleaved repeats of the full-batch objective, median),
the quantity behind "fit time per iteration".

Data sets: full MNIST (60,000 / 10,000, pixels / 255) and Reuters-21578 ModApte
top-10, single-label documents only, as L2-normalised log(1 + counts) of the 2,000
most frequent terms (sparse CSR input); corn and wheat almost never come alone, so
8 categories remain (5,569 / 2,332 documents).

Run from the repository root::

    python benchmarks/abba_mnist.py [--quick] [--data-home ../shared/data]

Writes ``benchmarks/results/abba_mnist.json`` and ``.md`` (``--quick``: a smoke run on
subsets, written to ``abba_mnist_quick.*``).

Private imports (sknonneg._*): ``fit_threads`` and the estimators' objective
(``time_per_evaluation``) time one evaluation of the engine, below any public API;
``activation_function`` and ``activation_slope_from_output`` give ABBA's capped
activation to the NumPy attack, which needs the network's input gradient (no public
method gives it). The dense networks' separable bound uses NumPy's 2-norm and the
public ``gain_``.
"""

import argparse
import json
import os
import platform
import sys
import time
import warnings

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import normalize

import sknonneg
from sknonneg import ABBAClassifier, NonNegMLPClassifier
from sknonneg._engine.layers import activation_function, activation_slope_from_output
from sknonneg._threads import fit_threads

HERE = os.path.dirname(os.path.abspath(__file__))

CONFIG = {
    "mnist": {
        "hidden": (64, 32),
        "timing_hidden": [(64, 32), (256, 128)],
        "max_iter": 100,
        "lipschitz_max": [100.0, 30.0, 10.0],
        "attack_eps": [0.5, 1.0, 1.5, 2.0],
        "box": (0.0, 1.0),
        "n_attack": 1000,
    },
    "reuters": {
        "hidden": (64,),
        "timing_hidden": [(64,), (64, 32)],
        "max_iter": 300,
        "lipschitz_max": [100.0, 30.0, 10.0],
        "attack_eps": [0.1, 0.2, 0.3, 0.5],
        "box": (0.0, None),
        "n_attack": 1000,
    },
}
ATTACK_STEPS = 40
N_TIMING_REPEATS = 9
DTYPE = "float32"


# -------------------------------------------------------------------- data
def load_mnist(data_home, n_train=None):
    d = np.load(os.path.join(data_home, "mnist.npz"))
    X, y = d["X_train"] / 255.0, d["y_train"].astype(np.int64)
    Xt, yt = d["X_test"] / 255.0, d["y_test"].astype(np.int64)
    if n_train is not None:
        idx = np.random.default_rng(0).choice(X.shape[0], n_train, replace=False)
        X, y = X[idx], y[idx]
    return X, y, Xt, yt


def load_reuters(data_home, n_train=None):
    from sknonneg.datasets import load_reuters as load, reuters_bag_of_words

    bow = reuters_bag_of_words(load(data_home=data_home, download_if_missing=False),
                               max_features=2000)

    def single_label(X, Y):
        keep = Y.sum(axis=1) == 1
        X = X[keep].astype(np.float64)
        X.data = np.log1p(X.data)
        return sp.csr_matrix(normalize(X)), Y[keep].argmax(axis=1)

    X, y = single_label(bow.X_train, bow.Y_train)
    Xt, yt = single_label(bow.X_test, bow.Y_test)
    # corn and wheat (almost) never come alone: keep the 8 categories that do.
    classes = np.flatnonzero(np.bincount(y, minlength=len(bow.target_names)) >= 10)
    train, test = np.isin(y, classes), np.isin(yt, classes)
    X, y, Xt, yt = X[train], np.searchsorted(classes, y[train]), Xt[test], \
        np.searchsorted(classes, yt[test])
    if n_train is not None:
        idx = np.random.default_rng(0).choice(X.shape[0], n_train, replace=False)
        X, y = X[idx], y[idx]
    return X, y, Xt, yt


# --------------------------------------------- networks as plain layers, attack
def plain_layers(est):
    """``[(W, b, act, act_slope_from_output), ...]`` computing ``est``'s logits."""
    if isinstance(est, ABBAClassifier):
        act = activation_function(est.activation, est.cap_slope, est.cap)
        act_slope = activation_slope_from_output(est.activation, est.cap_slope, est.cap)

        layers = []
        last = len(est.coefs_) - 1
        for i, (w, b) in enumerate(zip(est.coefs_, est.intercepts_)):
            if i == 0:  # doubling [x, -x]
                n = w.shape[0] // 2
                w = w[:n] - w[n:]
            if i == last:  # halving (x - z) / 2, identity
                n = w.shape[1] // 2
                layers.append(((w[:, :n] - w[:, n:]) / 2, (b[:n] - b[n:]) / 2, None,
                               None))
            else:
                layers.append((w, b, act, act_slope))
        return layers
    gain = est._fitted_gain()
    layers = [(w, b, lambda t: expit(gain * t), lambda a: gain * a * (1 - a))
              for w, b in zip(est.coefs_[:-1], est.intercepts_[:-1])]
    return layers + [(est.coefs_[-1], est.intercepts_[-1], None, None)]


def forward(layers, X):
    outs = []
    h = X
    for w, b, act, _ in layers:
        h = h @ w + b
        if act is not None:
            h = act(h)
        outs.append(h)
    return h, outs


def input_gradient(layers, X, outs, v):
    """Gradient of ``sum(v * logits)`` with respect to the input rows."""
    g = v
    for i in range(len(layers) - 1, -1, -1):
        w, _, _, act_slope = layers[i]
        if act_slope is not None:
            g = g * act_slope(outs[i])
        g = g @ w.T
    return g


def pgd_l2(layers, X, y, eps, box, n_steps=ATTACK_STEPS, seed=0):
    """L2 projected gradient ascent of ``max_{j != y} z_j - z_y`` within ``eps``
    (and the input box); returns the accuracy on the perturbed inputs."""
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
    rng = np.random.default_rng(seed)
    rows = np.arange(X.shape[0])
    delta = rng.normal(size=X.shape)
    delta *= 0.001 * eps / np.linalg.norm(delta, axis=1, keepdims=True)
    step = 2.5 * eps / n_steps
    fooled = np.zeros(X.shape[0], dtype=bool)
    for _ in range(n_steps):
        z, outs = forward(layers, X + delta)
        others = z.copy()
        others[rows, y] = -np.inf
        v = np.zeros_like(z)
        v[rows, others.argmax(1)] = 1.0
        v[rows, y] = -1.0
        g = input_gradient(layers, X + delta, outs, v)
        delta += step * g / (np.linalg.norm(g, axis=1, keepdims=True) + 1e-12)
        norm = np.linalg.norm(delta, axis=1, keepdims=True)
        delta *= np.minimum(1.0, eps / np.maximum(norm, 1e-12))
        lo, hi = box
        delta = np.clip(X + delta, lo, hi) - X
        fooled |= forward(layers, X + delta)[0].argmax(1) != y
    return 1.0 - fooled.mean()


# ----------------------------------------------------------------- models
def models(cfg):
    # early_stopping=False: the recorded results ran without early stopping (the
    # networks' default "auto" holds out a validation split above 10,000 rows).
    common = {"max_iter": cfg["max_iter"], "dtype": DTYPE, "random_state": 0,
              "early_stopping": False}
    hidden = cfg["hidden"]
    out = [
        ("signed MLP", NonNegMLPClassifier(hidden, positive=False, **common)),
        ("non-negative MLP", NonNegMLPClassifier(hidden, positive=True, **common)),
        ("ABBA", ABBAClassifier(hidden, **common)),
    ]
    for theta in cfg["lipschitz_max"]:
        out.append((f"ABBA theta<={theta:g}",
                    ABBAClassifier(hidden, lipschitz_max=theta, **common)))
    return out


def bounds(est):
    if isinstance(est, ABBAClassifier):
        return est.lipschitz_bound_, est.lipschitz_bound_separable_
    slope = est.gain_ / 4
    separable = np.prod([np.linalg.norm(np.asarray(w, np.float64), 2)
                         for w in est.coefs_]) * slope ** (
        len(est.coefs_) - 1)
    return est.lipschitz_bound_, separable


def evaluate(name, est, X, y, Xt, yt, cfg, log):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        t0 = time.perf_counter()
        est.fit(X, y)
        fit_time = time.perf_counter() - t0
    tight, separable = bounds(est)
    rng = np.random.default_rng(1)
    idx = rng.choice(Xt.shape[0], min(cfg["n_attack"], Xt.shape[0]), replace=False)
    Xa, ya = Xt[idx], yt[idx]
    layers = plain_layers(est)
    Xa_dense = Xa.toarray() if sp.issparse(Xa) else Xa
    assert np.allclose(forward(layers, Xa_dense)[0], est._logits(Xa), rtol=1e-3,
                       atol=1e-3)  # the NumPy network is the estimator's network
    radius = est.certified_radius(Xt)
    row = {
        "model": name,
        "test_accuracy": float(est.score(Xt, yt)),
        "train_accuracy": float(est.score(X, y)),
        "lipschitz_tight": float(tight),
        "lipschitz_separable": float(separable),
        "fit_time_s": fit_time,
        "n_iter": int(est.n_iter_),
        "fit_time_per_iter_s": fit_time / max(1, est.n_iter_),
        "mean_certified_radius": float(radius.mean()),
        "median_certified_radius": float(np.median(radius)),
        "attacked_accuracy": {
            f"{eps:g}": float(pgd_l2(layers, Xa, ya, eps, cfg["box"]))
            for eps in cfg["attack_eps"]},
        "clean_accuracy_attack_subset": float((est.predict(Xa) == ya).mean()),
    }
    log(f"  {name:22s} acc={row['test_accuracy']:.4f} tight={tight:.4g} "
        f"sep={separable:.4g} fit={fit_time:.1f}s it={row['n_iter']} "
        f"radius={row['mean_certified_radius']:.3g} attacked={row['attacked_accuracy']}")
    return row


def time_per_evaluation(hidden, X, y):
    """Seconds of one full-batch objective evaluation (loss and gradient) of ABBA
    and of ``NonNegMLPClassifier(positive=False)``, interleaved; medians, and the
    median of the per-round ratios (robust to other load on the machine)."""
    objectives = []
    with fit_threads() as parallel:
        for est in (NonNegMLPClassifier(hidden, positive=False, dtype=DTYPE, random_state=0),
                    ABBAClassifier(hidden, dtype=DTYPE, random_state=0)):
            est._validate_params()
            targets, _ = est._encode_targets(y)
            Xc = X.astype(np.float32)
            layout = est._build_layout(X.shape[1], est.n_outputs_)
            theta = est._init_theta(layout, Xc, np.random.RandomState(0))
            objective = est._make_objective(layout, Xc, targets, np.ones(X.shape[0]),
                                            1.0, parallel)
            objective.loss_grad(theta)  # warm-up (compilation, first touch)
            objectives.append((objective, theta))
        times = [[], []]
        for _ in range(N_TIMING_REPEATS):
            for j, (objective, theta) in enumerate(objectives):
                t0 = time.perf_counter()
                objective.loss_grad(theta)
                times[j].append(time.perf_counter() - t0)
    ratios = np.array(times[1]) / np.array(times[0])
    return {"hidden": list(hidden), "signed_mlp_s": float(np.median(times[0])),
            "abba_s": float(np.median(times[1])), "ratio": float(np.median(ratios)),
            "repeats": N_TIMING_REPEATS}


# ----------------------------------------------------------------- report
def versions():
    import numba
    import scipy
    import sklearn

    from _common import git_commit

    return {"python": platform.python_version(), "numpy": np.__version__,
            "scipy": scipy.__version__, "scikit-learn": sklearn.__version__,
            "numba": numba.__version__, "sknonneg": sknonneg.__version__,
            "git_commit": git_commit(), "machine": platform.machine(),
            "cpu_count": os.cpu_count()}


def markdown(report):
    lines = [
        "# ABBA networks vs standard networks (Tables 1-2 of Vasilescu et al. 2024)",
        "",
        f"Command: `{report['command']}`",
        "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in report["versions"].items()),
        "",
        f"Load average (1 min) at start / end: {report['load_start']:.2f} / "
        f"{report['load_end']:.2f} on {report['versions']['cpu_count']} cores; total "
        f"run time {report['total_time_s'] / 60:.1f} min. Compute dtype {DTYPE}.",
        "",
    ]
    for ds, res in report["datasets"].items():
        cfg = res["config"]
        lines += [
            f"## {ds}: {res['n_train']} train / {res['n_test']} test, "
            f"{res['n_features']} features, hidden sizes {tuple(cfg['hidden'])}",
            "",
            f"Full-batch L-BFGS-B, max_iter={cfg['max_iter']}, l2=1e-5 (defaults "
            f"otherwise). Bounds: Lipschitz constants of the logits (L2). Attack: L2 "
            f"PGD, {ATTACK_STEPS} steps, on {cfg['n_attack']} test samples "
            f"(box {cfg['box']}); certified radius averaged over the test set. "
            "Tight bound: `lipschitz_bound_` (Proposition 3.3 for ABBA; "
            "`||W_1 ... W_L||` times the sigmoid slopes for the non-negative MLP; for "
            "the signed MLP no tighter bound is cheap, so it is the separable one).",
            "",
            "| model | test acc | tight bound | separable bound | fit time (s) | "
            "iterations | s / iter | mean cert. radius | "
            + " | ".join(f"acc @ eps={e:g}" for e in cfg["attack_eps"]) + " |",
            "|" + "---|" * (8 + len(cfg["attack_eps"])),
        ]
        for row in res["rows"]:
            attacked = [row["attacked_accuracy"][f"{e:g}"] for e in cfg["attack_eps"]]
            lines.append(
                f"| {row['model']} | {100 * row['test_accuracy']:.2f} | "
                f"{row['lipschitz_tight']:.4g} | {row['lipschitz_separable']:.4g} | "
                f"{row['fit_time_s']:.1f} | {row['n_iter']} | "
                f"{row['fit_time_per_iter_s']:.3f} | {row['mean_certified_radius']:.3g} | "
                + " | ".join(f"{100 * a:.1f}" for a in attacked) + " |")
        lines += [
            "",
            "Time of one full-batch objective evaluation (loss and gradient, the work "
            "of one L-BFGS-B function call) on the whole training set, ABBA vs "
            "`NonNegMLPClassifier(positive=False)` of the same hidden sizes, "
            f"interleaved, {res['timing'][0]['repeats']} rounds; ratio = median of "
            "the per-round ratios:",
            "",
            "| hidden sizes | signed MLP (s) | ABBA (s) | ratio |",
            "|---|---|---|---|",
        ]
        for t in res["timing"]:
            lines.append(f"| {tuple(t['hidden'])} | {t['signed_mlp_s']:.3f} | "
                         f"{t['abba_s']:.3f} | **{t['ratio']:.2f}x** |")
        lines.append("")
    lines += ["## Targets", ""]
    lines += [f"- {'met' if ok else 'NOT met'}: {text}" for text, ok in report["targets"]]
    lines.append("")
    return "\n".join(lines)


def targets(report):
    out = []
    mnist = report["datasets"].get("mnist")
    if mnist is None:
        return out
    rows = {r["model"]: r for r in mnist["rows"]}
    signed, nonneg, abba = rows["signed MLP"], rows["non-negative MLP"], rows["ABBA"]
    gap = 100 * (abba["test_accuracy"] - signed["test_accuracy"])
    out.append((f"MNIST: ABBA within 0.5 points of the signed MLP ({gap:+.2f} points)",
                abs(gap) <= 0.5 or gap > 0))
    out.append(("MNIST: the non-negative MLP below both "
                f"({100 * nonneg['test_accuracy']:.2f} vs {100 * signed['test_accuracy']:.2f}"
                f" / {100 * abba['test_accuracy']:.2f})",
                nonneg["test_accuracy"] < min(signed["test_accuracy"],
                                              abba["test_accuracy"])))
    for name, row in rows.items():
        if "theta" not in name:
            continue
        drop = 100 * (abba["test_accuracy"] - row["test_accuracy"])
        beats_radius = row["mean_certified_radius"] > signed["mean_certified_radius"]
        beats_attack = all(row["attacked_accuracy"][e] > signed["attacked_accuracy"][e]
                           for e in row["attacked_accuracy"])
        out.append((f"MNIST {name}: accuracy within 2 points of unconstrained ABBA "
                    f"({drop:+.2f} points lost), certified radius above the signed "
                    f"MLP's ({row['mean_certified_radius']:.3g} vs "
                    f"{signed['mean_certified_radius']:.3g}), attacked accuracy above "
                    f"it at every eps", drop <= 2.0 and beats_radius and beats_attack))
    for ds, res in report["datasets"].items():
        for t in res["timing"]:
            out.append((f"{ds} {tuple(t['hidden'])}: ABBA time per evaluation / signed "
                        f"MLP's = {t['ratio']:.2f} (<= 1.3)", t["ratio"] <= 1.3))
        rows = {r["model"]: r for r in res["rows"]}
        fit_ratio = (rows["ABBA"]["fit_time_per_iter_s"]
                     / rows["signed MLP"]["fit_time_per_iter_s"])
        out.append((f"{ds}: ABBA fit time per iteration / signed MLP's = {fit_ratio:.2f} "
                    "(<= 1.3; single fits, sensitive to other load)", fit_ratio <= 1.3))
    return out


def rewrite_markdown(stem="abba_mnist"):
    """Regenerate the Markdown report from the JSON one (no fitting)."""
    with open(os.path.join(HERE, "results", stem + ".json")) as f:
        report = json.load(f)
    with open(os.path.join(HERE, "results", stem + ".md"), "w") as f:
        f.write(markdown(report))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run on small subsets with few iterations")
    parser.add_argument("--data-home", default=os.path.join(HERE, "..", "..", "shared",
                                                            "data"))
    parser.add_argument("--datasets", nargs="+", default=["mnist", "reuters"])
    args = parser.parse_args()
    t_start = time.perf_counter()
    load_start = os.getloadavg()[0]
    report = {"command": " ".join(["python", *sys.argv]), "versions": versions(),
              "load_start": load_start, "datasets": {}}
    log = print
    for ds in args.datasets:
        cfg = dict(CONFIG[ds])
        n_train = None
        if args.quick:
            cfg.update(max_iter=10, n_attack=100, timing_hidden=cfg["timing_hidden"][:1])
            n_train = 3000
        loader = load_mnist if ds == "mnist" else load_reuters
        X, y, Xt, yt = loader(args.data_home, n_train)
        log(f"{ds}: X {X.shape}, test {Xt.shape}, config {cfg}")
        rows = [evaluate(name, est, X, y, Xt, yt, cfg, log) for name, est in models(cfg)]
        timing = [time_per_evaluation(h, X, y) for h in cfg["timing_hidden"]]
        log(f"  per-evaluation time: {timing}")
        report["datasets"][ds] = {"config": cfg, "n_train": X.shape[0],
                                  "n_test": Xt.shape[0], "n_features": X.shape[1],
                                  "rows": rows, "timing": timing}
    report["load_end"] = os.getloadavg()[0]
    report["total_time_s"] = time.perf_counter() - t_start
    report["targets"] = targets(report)
    stem = "abba_mnist_quick" if args.quick else "abba_mnist"
    os.makedirs(os.path.join(HERE, "results"), exist_ok=True)
    with open(os.path.join(HERE, "results", stem + ".json"), "w") as f:
        json.dump(report, f, indent=2)
    with open(os.path.join(HERE, "results", stem + ".md"), "w") as f:
        f.write(markdown(report))
    log(markdown(report))


if __name__ == "__main__":
    main()
