"""NonNegAutoencoder against NMF, MiniBatchNMF and PCA: parts, codes, time (issue 15).

For each data set (MNIST pixels / 255 with a sigmoid decoder; Reuters top-10 bag of
words, tf-idf of log(1 + count), with a linear decoder, or with ``--reuters-decoder
sigmoid`` the estimator's default decoder) and each k:

- NonNegAutoencoder: non-negative by bounds or by NCAE's penalty, on the decoder
  only or on both layers, and the unconstrained sparse autoencoder;
- NMF(k, init="nndsvda", max_iter=400, tol=1e-4), MiniBatchNMF(k), PCA(k).

Columns: test reconstruction error (mean squared error per entry), sparsity of the
parts (mean Hoyer sparsity of the rows of ``components_``; fraction of weights below
1e-3 of the largest magnitude), sparsity of the codes (mean Hoyer of the test codes),
fraction of negative weights (parts, and all weights of an autoencoder), test
accuracy of ``make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))``
on the codes (Reuters: the paper's hit rate), fit time and transform time of 10k
rows (or all test rows when fewer).

The codes are standardised for every method, as a competent user would
(``doc/user_guide/inputs.rst``): the autoencoder's codes lie in [0, 1] and NMF's
are far smaller, so a LogisticRegression on the raw codes regularises NMF's much
more and made NMF lose for that reason alone. Results written before this change
(JSON without ``"lr_codes": "standardised"``) used the raw codes.

    python benchmarks/autoencoder_vs_nmf.py --quick        # 10k MNIST rows, k 16 64
    python benchmarks/autoencoder_vs_nmf.py --mnist-rows 60000 --k 16 64 196

Writes benchmarks/results/autoencoder_vs_nmf[_quick].{json,md} and figures under
doc/figures/ (the parts of each method as images; top words of 10 Reuters parts in
the Markdown).
"""

import argparse
import sys
import time

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, __import__("os").path.dirname(__file__))
from _common import (  # noqa: E402
    FIGURES,
    RESULTS,
    Timer,
    git_commit,
    machine,
    mnist,
    multilabel_hit_rate,
    reuters,
    save_json,
    set_threads,
)
from sklearn.decomposition import NMF, PCA, MiniBatchNMF  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

from sknonneg import NonNegAutoencoder  # noqa: E402

AE_VARIANTS = {
    "ae_bounds_decoder": dict(nonneg="bounds", nonneg_layers="decoder"),
    "ae_bounds_both": dict(nonneg="bounds", nonneg_layers="both"),
    "ae_penalty_decoder": dict(nonneg="penalty", nonneg_layers="decoder"),
    "ae_penalty_both": dict(nonneg="penalty", nonneg_layers="both"),
    "ae_free": dict(nonneg=False),
}
METHODS = [*AE_VARIANTS, "nmf", "minibatch_nmf", "pca"]


def hoyer(A):
    """Mean Hoyer sparsity of the rows of ``A`` (1: one non-zero, 0: all equal)."""
    A = np.abs(np.asarray(A, dtype=np.float64))
    n = A.shape[1]
    l1, l2 = A.sum(1), np.sqrt((A ** 2).sum(1))
    ok = l2 > 0
    return float(np.mean((np.sqrt(n) - l1[ok] / l2[ok]) / (np.sqrt(n) - 1)))


def build(method, k, decoder, max_iter, seed):
    if method in AE_VARIANTS:
        extra = {} if max_iter is None else {"max_iter": max_iter}
        return NonNegAutoencoder(k, decoder=decoder, random_state=seed, dtype="float32",
                                 **extra, **AE_VARIANTS[method])
    if method == "nmf":
        return NMF(k, init="nndsvda", max_iter=400, tol=1e-4, random_state=seed)
    if method == "minibatch_nmf":
        return MiniBatchNMF(k, init="nndsvda", batch_size=1024, max_iter=50,
                            random_state=seed)
    return PCA(k, random_state=seed)


def dense(X):
    return X.toarray() if sp.issparse(X) else np.asarray(X)


def evaluate(est, method, X_train, X_test, labels, n_transform):
    """Metrics of a fitted ``est``; ``labels``: (y_train, y_test or indicator, kind)."""
    y_train, y_test, kind = labels
    X_t = X_test[:n_transform]
    with Timer() as t:
        codes_t = est.transform(X_t)
    codes_train, codes_test = est.transform(X_train), est.transform(X_test)
    recon = est.inverse_transform(codes_test)
    mse = float(np.mean((dense(X_test) - recon) ** 2))
    comp = np.asarray(est.components_)
    weights = comp if method not in AE_VARIANTS else np.concatenate(
        [est.coefs_[0].ravel(), est.coefs_[1].ravel()])
    # the same pipeline for every method: codes standardised, as a competent user
    # would (raw codes on different scales get different effective regularisation)
    clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(
        codes_train, y_train)
    if kind == "multilabel":
        acc = multilabel_hit_rate(y_test, clf.predict(codes_test))
    else:
        acc = float(clf.score(codes_test, y_test))
    return {
        "test_mse": mse,
        "parts_hoyer": hoyer(comp),
        "parts_near_zero": float(np.mean(np.abs(comp) < 1e-3 * np.abs(comp).max())),
        "codes_hoyer": hoyer(codes_test),
        "parts_negative": float(np.mean(comp < 0)),
        "weights_negative": float(np.mean(np.ravel(weights) < 0)),
        "lr_accuracy": float(acc),
        "transform_s": t.wall,
        "transform_rows": int(X_t.shape[0]),
        "_codes": codes_t,
    }


def run(data, X_train, X_test, labels, ks, methods, decoder, max_iter, seed, fitted):
    rows = []
    for k in ks:
        for method in methods:
            est = build(method, k, decoder, max_iter, seed)
            with Timer() as t:
                est.fit(X_train)
            row = {"data": data, "k": k, "method": method, "fit_s": t.wall,
                   "fit_cpu_s": t.cpu, "load": t.load,
                   "n_iter": int(getattr(est, "n_iter_", 0) or 0)}
            row.update(evaluate(est, method, X_train, X_test, labels, 10000))
            row.pop("_codes")
            rows.append(row)
            fitted[(data, method, k)] = est
            print(f"{data} k={k} {method:20s} mse={row['test_mse']:.5f} "
                  f"acc={row['lr_accuracy']:.4f} fit={row['fit_s']:.1f}s "
                  f"transform={row['transform_s']:.3f}s", flush=True)
    return rows


def parts_figure(fitted, data, k, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    methods = [m for m in METHODS if (data, m, k) in fitted]
    n_side = int(np.ceil(np.sqrt(k)))
    fig, axes = plt.subplots(1, len(methods), figsize=(3.2 * len(methods), 3.6))
    for ax, method in zip(np.atleast_1d(axes), methods):
        comp = np.asarray(fitted[(data, method, k)].components_)
        grid = np.zeros((n_side * 29, n_side * 29))
        for j, part in enumerate(comp):
            r, c = divmod(j, n_side)
            img = part.reshape(28, 28)
            m = np.abs(img).max() or 1.0
            grid[r * 29:r * 29 + 28, c * 29:c * 29 + 28] = img / m
        ax.imshow(grid, cmap="gray", vmin=-1, vmax=1)
        ax.set_title(method, fontsize=9)
        ax.axis("off")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def top_words(fitted, k, names, n_parts=10, n_words=8):
    lines = []
    for method in ("ae_bounds_decoder", "nmf"):
        est = fitted.get(("reuters", method, k))
        if est is None:
            continue
        lines.append(f"\n**{method}, k = {k}** (10 parts with the largest norm)\n")
        comp = np.asarray(est.components_)
        order = np.argsort(-np.linalg.norm(comp, axis=1))[:n_parts]
        for j in order:
            words = [names[i] for i in np.argsort(-comp[j])[:n_words]]
            lines.append(f"- part {j}: " + ", ".join(words))
    return lines


def markdown(result):
    cols = ["method", "test_mse", "parts_hoyer", "parts_near_zero", "codes_hoyer",
            "parts_negative", "weights_negative", "lr_accuracy", "fit_s", "fit_cpu_s",
            "load", "transform_s"]
    out = ["# NonNegAutoencoder vs NMF, MiniBatchNMF, PCA (issue 15)", "",
           f"Command: `{result['command']}`  ", f"Commit: `{result['commit']}`  ",
           f"Machine: {result['machine']['cpu_count']} cores, shared (load average "
           "at each fit in the JSON); wall seconds, one seed.", "",
           "test_mse: mean squared error per entry on the test set; parts_hoyer / "
           "codes_hoyer: mean Hoyer sparsity of the parts / test codes; "
           "parts_near_zero: fraction of part weights below 1e-3 of the largest; "
           + ("lr_accuracy: `make_pipeline(StandardScaler(), LogisticRegression())` "
              "on the codes (Reuters: hit rate); codes standardised for every method, "
              "as a competent user would; "
              if result.get("lr_codes") == "standardised" else
              "lr_accuracy: LogisticRegression on the **raw, unscaled** codes "
              "(Reuters: hit rate); superseded: unscaled codes favour the "
              "autoencoder's [0, 1] codes over NMF's small ones, see "
              "`autoencoder_vs_nmf.md`; ")
           + "transform_s: transform of `transform_rows` rows.", ""]
    for data in ("mnist", "reuters"):
        rows = [r for r in result["rows"] if r["data"] == data]
        if not rows:
            continue
        info = result["sizes"][data]
        out.append(f"## {data}: {info}")
        for k in sorted({r["k"] for r in rows}):
            out += ["", f"### k = {k}", "", "| " + " | ".join(cols) + " |",
                    "|" + "---|" * len(cols)]
            for r in rows:
                if r["k"] != k:
                    continue
                cells = [r["method"]] + [
                    f"{r[c]:.3g}" if c == "test_mse" else
                    f"{r[c]:.2f}" if c.endswith("_s") else f"{r[c]:.3f}"
                    for c in cols[1:]]
                out.append("| " + " | ".join(cells) + " |")
        out.append("")
    out += result.get("words", [])
    out += ["", "Figures: " + ", ".join(f"`{p}`" for p in result["figures"])]
    return "\n".join(out) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--quick", action="store_true",
                        help="10k MNIST rows, 2k test rows, k 16 64, 1.5k Reuters docs")
    parser.add_argument("--mnist-rows", type=int, default=None)
    parser.add_argument("--k", type=int, nargs="*", default=None,
                        help="MNIST k values (none: skip MNIST)")
    parser.add_argument("--reuters-k", type=int, nargs="*", default=None)
    parser.add_argument("--reuters-decoder", choices=["linear", "sigmoid"],
                        default="linear",
                        help="the autoencoders' decoder on Reuters (default: linear, "
                             "as every run before this option; sigmoid is the "
                             "estimator's default)")
    parser.add_argument("--max-iter", type=int, default=None,
                        help="autoencoders' max_iter (default: the estimator's)")
    parser.add_argument("--methods", nargs="+", default=METHODS)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tag", default="")
    parser.add_argument("--render", metavar="JSON", default=None,
                        help="only rewrite the Markdown of a results JSON")
    args = parser.parse_args(argv)
    if args.render:
        import json
        from pathlib import Path
        path = Path(args.render)
        path.with_suffix(".md").write_text(markdown(json.loads(path.read_text())))
        return
    set_threads(args.threads)
    commit = git_commit()  # the code that runs, before any later commit
    import os
    data_home = args.data_home or os.environ.get("SKNONNEG_DATA")
    ks = args.k if args.k is not None else ([16, 64] if args.quick else [16, 64, 196])
    reuters_ks = args.reuters_k if args.reuters_k is not None else (
        [16] if args.quick else [16, 64])
    n_rows = args.mnist_rows or (10000 if args.quick else 60000)
    suffix = ("_quick" if args.quick else "") + (f"_{args.tag}" if args.tag else "")
    fitted, rows, sizes, figures, words = {}, [], {}, [], []

    def save():
        """Write the results so far (after each data set and k: a long run that is
        cut keeps what it finished); returns the Markdown."""
        result = {"command": "python benchmarks/autoencoder_vs_nmf.py "
                             + " ".join(sys.argv[1:] if argv is None else argv),
                  "commit": commit, "machine": machine(), "date": time.ctime(),
                  "lr_codes": "standardised",
                  "sizes": sizes, "rows": rows, "figures": figures, "words": words}
        save_json(RESULTS / f"autoencoder_vs_nmf{suffix}.json", result)
        text = markdown(result)
        (RESULTS / f"autoencoder_vs_nmf{suffix}.md").write_text(text)
        return text

    X_train, y_train, X_test, y_test = mnist(data_home)
    rng = np.random.RandomState(0)
    if n_rows < X_train.shape[0]:
        idx = rng.choice(X_train.shape[0], n_rows, replace=False)
        X_train, y_train = X_train[idx], y_train[idx]
    if args.quick:
        idx = rng.choice(X_test.shape[0], 2000, replace=False)
        X_test, y_test = X_test[idx], y_test[idx]
    sizes["mnist"] = (f"{X_train.shape[0]} training rows, {X_test.shape[0]} test rows, "
                      f"784 pixels / 255, sigmoid decoder, autoencoders at their "
                      f"defaults (max_iter={args.max_iter or 'default'}), float32")
    rows += run("mnist", X_train, X_test, (y_train, y_test, "single"), ks, args.methods,
                "sigmoid", args.max_iter, args.seed, fitted)
    for k in ks:
        figures.append(str(parts_figure(
            fitted, "mnist", k, FIGURES / f"autoencoder_parts_mnist_k{k}{suffix}.png")
            .relative_to(FIGURES.parent.parent)))
    if ks:
        save()

    if reuters_ks:
        bow = reuters(data_home, quick=args.quick)
        tfidf = TfidfTransformer().fit(bow.X_train)
        Xr_train = sp.csr_matrix(tfidf.transform(bow.X_train), dtype=np.float32)
        Xr_test = sp.csr_matrix(tfidf.transform(bow.X_test), dtype=np.float32)
        Xe = sp.csr_matrix(tfidf.transform(bow.Xe), dtype=np.float32)
        sizes["reuters"] = (f"{Xr_train.shape[0]} training documents, "
                            f"{Xr_test.shape[0]} test, {Xr_train.shape[1]} terms, "
                            f"tf-idf of log(1 + count), {args.reuters_decoder} decoder; "
                            "LR on the codes "
                            "of the expanded single-label set, hit rate on the test set")
        methods = [m for m in args.methods if m != "pca"]  # PCA densifies
        for k in reuters_ks:
            for method in methods:
                est = build(method, k, args.reuters_decoder, args.max_iter, args.seed)
                with Timer() as t:
                    est.fit(Xr_train)
                row = {"data": "reuters", "k": k, "method": method, "fit_s": t.wall,
                       "fit_cpu_s": t.cpu, "load": t.load}
                m = evaluate(est, method, Xe, Xr_test, (bow.ye, bow.Y_test, "multilabel"),
                             10000)
                m.pop("_codes")
                row.update(m)
                rows.append(row)
                fitted[("reuters", method, k)] = est
                print(f"reuters k={k} {method:20s} mse={row['test_mse']:.6f} "
                      f"hit={row['lr_accuracy']:.4f} fit={row['fit_s']:.1f}s", flush=True)
            words += top_words(fitted, k, bow.feature_names)
            save()

    print(save())


if __name__ == "__main__":
    main()
