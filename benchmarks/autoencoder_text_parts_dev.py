"""NonNegAutoencoder's parts on text: the KL sparsity weight, both decoders, NMF (dev).

A development run (4cdae2e, "parts are not additive as NMF's on text"): only the
TRAINING part of Reuters-21578 ModApte top-10 (6,490 documents) is read, split once
into a development-training part (80%) and a validation part (20%,
``train_test_split(random_state=SPLIT_SEED)``); the test part is never loaded. The
tf-idf vocabulary (``TfidfVectorizer(stop_words="english", min_df=3)``, as in the
audit's reproducer) is fitted on the development-training part only.

For each k and seed, fitted on the development-training part:

- ``NonNegAutoencoder(k, decoder=d, random_state=seed)`` at its defaults
  (``sparsity_weight=0``) and with ``sparsity_weight`` in ``--weights`` (default
  0.03 0.1 0.3; ``sparsity_target`` stays at its default 0.05, which is also
  NCAE's), for both decoders (``"linear"`` and the default ``"sigmoid"``);
- ``NMF(k, init="nndsvda", random_state=seed)``, its defaults otherwise.

Columns (all on the validation part unless said):

- ``val_mse``: mean squared error per entry of ``inverse_transform(transform(X))``
  (and the development-training mean predictor's, for scale);
- ``mean_code``: mean of the validation codes (the autoencoder's lie in [0, 1];
  NMF's are on another scale, so compare NMF's only with itself);
- ``b2_min`` / ``b2_max``: range of the decoder's biases ``intercepts_[1]`` (NMF: 0);
- ``not_alone``: the share of each part's top-10 words (largest ``components_``
  entries) for which ``components_[j, w] + intercepts_[1][w] <= 0``, averaged over
  the parts: words that part ``j`` alone, at code 1, would not raise above zero.
  For the sigmoid decoder this is a pre-activation (logit) test: ``<= 0`` means
  the part alone reconstructs the word at most 0.5, far above tf-idf's values,
  so the column means something else there (see the Markdown);
- ``npmi``: topic-coherence proxy, mean normalised pointwise mutual information of
  the pairs of each part's top-10 words, from their document co-occurrence in the
  development-training documents (-1: never together, 0: independent, 1: always
  together), averaged over the parts;
- ``fit_cpu_s``: CPU seconds of ``fit`` (this process, one BLAS/numba thread
  unless ``--threads``), and ``n_iter_``.

The full run fits on the first 4,000 of the 5,192 development-training documents
(``--dev-docs``; the split is shuffled) and validates on all 1,298 validation
documents: with all 5,192 the sigmoid decoder's fits (about 30 s each at k = 16 on
the shared 2-core machine at load 3.4) took the run past 15 minutes. The
vocabulary and the NPMI counts come from the same 4,000 documents. ``--quick`` (a
smoke run, ``*_quick`` files) uses 1,200 and 400 documents and seed 0 only.

    PYTHONPATH=. python benchmarks/autoencoder_text_parts_dev.py --quick
    PYTHONPATH=. python benchmarks/autoencoder_text_parts_dev.py

Writes benchmarks/results/autoencoder_text_parts_dev[_quick].{json,md}.
"""

import argparse
import json
import os
import sys
import warnings

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(__file__))
from _common import RESULTS, Timer, add_common_args, markdown_header  # noqa: E402
from _common import run_record, save_json, set_threads  # noqa: E402

from sklearn.decomposition import NMF  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402

from sknonneg import NonNegAutoencoder  # noqa: E402
from sknonneg.datasets import load_reuters  # noqa: E402

SPLIT_SEED = 44
TOP = 10
STEM = "autoencoder_text_parts_dev"


def data(data_home, quick, dev_docs):
    """(X_dev, X_val, binary X_dev, feature names, sizes) of the training part."""
    docs = load_reuters(data_home=data_home, subset="top10").data_train
    dev, val = train_test_split(docs, test_size=0.2, random_state=SPLIT_SEED)
    dev = dev[:dev_docs]
    if quick:
        dev, val = dev[:1200], val[:400]
    vec = TfidfVectorizer(stop_words="english", min_df=3)
    X_dev = sp.csr_matrix(vec.fit_transform(dev), dtype=np.float64)
    X_val = sp.csr_matrix(vec.transform(val), dtype=np.float64)
    B = (X_dev > 0).astype(np.float64).tocsc()
    return X_dev, X_val, B, vec.get_feature_names_out(), {
        "documents_dev": X_dev.shape[0], "documents_val": X_val.shape[0],
        "terms": X_dev.shape[1]}


def models(k, seed, weights):
    """name -> (estimator, what) for one k and seed."""
    out = {}
    for decoder in ("linear", "sigmoid"):
        for w in [0.0, *weights]:
            name = f"ae_{decoder}_" + ("default" if w == 0 else f"sw{w:g}")
            params = {} if w == 0 else {"sparsity_weight": w}
            out[name] = (NonNegAutoencoder(k, decoder=decoder, random_state=seed,
                                           **params),
                         f'decoder="{decoder}", ' + (
                             "defaults otherwise (sparsity_weight=0)" if w == 0 else
                             f"sparsity_weight={w:g}, defaults otherwise"))
    out["nmf"] = (NMF(k, init="nndsvda", random_state=seed),
                  'NMF(init="nndsvda"), defaults otherwise')
    return out


def npmi(B, parts_words):
    """Mean over parts of the mean NPMI of their top words' pairs in ``B``'s rows."""
    n = B.shape[0]
    scores = []
    for words in parts_words:
        sub = B[:, words]
        co = np.asarray((sub.T @ sub).todense()) / n
        p = np.diag(co)
        vals = []
        for a in range(len(words)):
            for b in range(a + 1, len(words)):
                pab = co[a, b]
                if pab <= 0:
                    vals.append(-1.0)
                elif pab >= 1:
                    vals.append(1.0)
                else:
                    vals.append(np.log(pab / (p[a] * p[b])) / -np.log(pab))
        scores.append(np.mean(vals))
    return float(np.mean(scores))


def measure(est, X_val, B, names):
    codes = est.transform(X_val)
    recon = est.inverse_transform(codes)
    mse = float(np.mean((X_val.toarray() - recon) ** 2))
    comp = np.asarray(est.components_, dtype=np.float64)
    bias = (np.asarray(est.intercepts_[1], dtype=np.float64)
            if hasattr(est, "intercepts_") else np.zeros(comp.shape[1]))
    top = np.argsort(-comp, axis=1)[:, :TOP]
    alone = comp[np.arange(comp.shape[0])[:, None], top] + bias[top]
    order = np.argsort(-np.linalg.norm(comp, axis=1))[:3]
    return {
        "val_mse": mse,
        "mean_code": float(np.mean(codes)),
        "codes_above_0.1": float(np.mean(codes > 0.1)),
        "b2_min": float(bias.min()), "b2_max": float(bias.max()),
        "not_alone": float(np.mean(alone <= 0)),
        "npmi": npmi(B, top),
        "top_words": [" ".join(names[i] for i in top[j][:6]) for j in order],
    }


def markdown(result):
    rec = result["record"]
    lines = markdown_header(rec, "NonNegAutoencoder's parts on Reuters tf-idf: "
                                 "sparsity weight, decoders, NMF (development run)")
    s = result["sizes"]
    lines += [
        f"Development run on the TRAINING part of Reuters top-10 only: "
        f"{s['documents_dev']} development-training (the first of 5,192) and "
        f"{s['documents_val']} validation documents (`train_test_split(test_size=0.2, "
        f"random_state={SPLIT_SEED})`"
        + (", then the first 1,200 / 400 of them (--quick)" if result["quick"] else "")
        + f"), {s['terms']} terms (`TfidfVectorizer(stop_words=\"english\", "
        "min_df=3)` fitted on the development-training part). The test part is "
        f"never read. Seeds {result['seeds']}; {result['threads']} thread(s). "
        f"Mean predictor (development-training mean) val_mse: "
        f"{result['mean_predictor_mse']:.4g}.", "",
        "val_mse: validation mean squared error per entry; mean_code: mean "
        "validation code (NMF's on another scale); code>0.1: share of validation "
        "codes above 0.1 (NMF's scale differs too); b2: the decoder's output biases; "
        f"not_alone: share of each part's top-{TOP} words with `components_[j, w] + "
        "intercepts_[1][w] <= 0`, the brief's test of additivity (for the sigmoid decoder, "
        "marked (logit), a test on the logit: the part alone would reconstruct the word "
        "at most 0.5, far above tf-idf's values, so it does not measure additivity "
        "there); "
        f"npmi: mean NPMI of each part's top-{TOP} word pairs over the "
        "development-training documents; fit_cpu_s: CPU seconds of fit. Cells: mean "
        "over the seeds, the range in brackets where there are two or more.", ""]
    cols = ["val_mse", "mean_code", "codes_above_0.1", "b2_min", "b2_max",
            "not_alone", "npmi", "fit_cpu_s", "n_iter"]
    fmt = {"val_mse": "{:.4g}", "fit_cpu_s": "{:.1f}", "n_iter": "{:.0f}"}
    for k in result["ks"]:
        lines += [f"## k = {k}", "", "| model | " + " | ".join(cols) + " |",
                  "| --- |" + " ---: |" * len(cols)]
        for name in result["what"]:
            rows = [r for r in result["rows"] if r["k"] == k and r["model"] == name]
            if not rows:
                continue
            cells = []
            for c in cols:
                v = np.array([r[c] for r in rows], dtype=float)
                f = fmt.get(c, "{:.3f}")
                cell = f.format(v.mean())
                if len(v) > 1:
                    cell += f" [{f.format(v.min())}, {f.format(v.max())}]"
                if c == "not_alone" and name.startswith("ae_sigmoid"):
                    cell += " (logit)"
                cells.append(cell)
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
        lines += ["Top words (seed %d, the 3 parts of largest norm):" % result["seeds"][0],
                  ""]
        for name in result["what"]:
            r = next((r for r in result["rows"] if r["k"] == k and r["model"] == name
                      and r["seed"] == result["seeds"][0]), None)
            if r:
                lines.append(f"- {name}: " + "; ".join(r["top_words"]))
        lines.append("")
    lines += ["Models:", ""] + [f"- {n}: {w}" for n, w in result["what"].items()]
    lines.append("")
    if result.get("reading"):
        lines += ["## Reading", "", result["reading"].strip(), ""]
    return "\n".join(lines) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter))
    parser.set_defaults(seeds=None)
    parser.add_argument("--k", type=int, nargs="+", default=[16, 64])
    parser.add_argument("--weights", type=float, nargs="+", default=[0.03, 0.1, 0.3],
                        help="sparsity_weight values besides the default 0")
    parser.add_argument("--dev-docs", type=int, default=4000,
                        help="fit on the first DEV_DOCS of the 5,192 "
                             "development-training documents (default 4000)")
    parser.add_argument("--models", nargs="+", default=None,
                        help="only these model names (default: all)")
    parser.add_argument("--render", metavar="JSON",
                        help="only rewrite the Markdown of a results JSON (its "
                             "\"reading\" entry becomes the Reading section)")
    args = parser.parse_args()
    if args.render:
        path = RESULTS / args.render
        path.with_suffix(".md").write_text(markdown(json.loads(path.read_text())))
        return
    seeds = args.seeds or ([0] if args.quick else [0, 1])
    set_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    X_dev, X_val, B, names, sizes = data(args.data_home, args.quick, args.dev_docs)
    mean_mse = float(np.mean((X_val.toarray() - np.asarray(X_dev.mean(0))) ** 2))
    stem = STEM + ("_quick" if args.quick else "")
    result = {"record": run_record(), "quick": args.quick, "seeds": seeds,
              "threads": args.threads, "ks": args.k, "sizes": sizes,
              "split_seed": SPLIT_SEED, "mean_predictor_mse": mean_mse,
              "what": {}, "rows": []}
    for k in args.k:
        for seed in seeds:
            for name, (est, what) in models(k, seed, args.weights).items():
                if args.models and name not in args.models:
                    continue
                result["what"][name] = what
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", ConvergenceWarning)
                    with Timer() as t:
                        est.fit(X_dev)
                row = {"k": k, "seed": seed, "model": name, "fit_cpu_s": t.cpu,
                       "fit_wall_s": t.wall, "load": t.load_end,
                       "n_iter": int(est.n_iter_),
                       "convergence_warning": any(
                           issubclass(w.category, ConvergenceWarning) for w in caught)}
                row.update(measure(est, X_val, B, names))
                result["rows"].append(row)
                print(json.dumps({c: v for c, v in row.items() if c != "top_words"}),
                      flush=True)
            save_json(RESULTS / f"{stem}.json", result)
    (RESULTS / f"{stem}.md").write_text(markdown(result))
    print((RESULTS / f"{stem}.md").read_text())


if __name__ == "__main__":
    main()
