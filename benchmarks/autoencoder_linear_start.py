"""Why NonNegAutoencoder's parts were dense on Reuters (issue 15): the linear
decoder's starting scale against Adam's step size.

Until this change the decoder's starting weights had Ng's scale ``sqrt(6 / (k + d +
1))`` whatever the decoder; now the linear decoder's are that times the data's
spread per entry (``NonNegAutoencoder._output_unit``). ``start="ng"`` fits with the
old start (a subclass whose unit is 1), ``start="data"`` with the estimator's.

Each configuration is one fit at the defaults but ``decoder="linear"`` (float32,
seed 0, one thread): Reuters top-10 tf-idf (as ``autoencoder_vs_nmf.py``) and
10,000 MNIST training rows (pixels / 255). Columns: test mean squared error per
entry, Hoyer sparsity of the parts and of the test codes, fraction of part weights
below 1e-3 of the largest, LogisticRegression on the codes (Reuters: hit rate),
fit CPU seconds; the test error of predicting the training mean is the floor of
usefulness.

    python benchmarks/autoencoder_linear_start.py [--k 64]

Writes benchmarks/results/autoencoder_linear_start.{json,md}.
"""

import argparse
import os
import sys
import time

import numpy as np
import scipy.sparse as sp

sys.path.insert(0, os.path.dirname(__file__))
from _common import (  # noqa: E402
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
from autoencoder_vs_nmf import hoyer  # noqa: E402
from sklearn.feature_extraction.text import TfidfTransformer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402

import sknonneg  # noqa: E402
from sknonneg import NonNegAutoencoder  # noqa: E402


class NgStart(NonNegAutoencoder):
    """The start before the change: Ng's scale for the linear decoder too."""

    def _output_unit(self, inputs, weights, mean):
        return 1.0


CONFIGS = [  # (data, start, Adam step)
    ("reuters", "ng", 0.01), ("reuters", "ng", 0.001), ("reuters", "data", 0.01),
    ("reuters", "data", 0.003), ("mnist", "ng", 0.01), ("mnist", "data", 0.01),
]


def load(name, data_home):
    """(X_train, X_test, X_lr, y_lr, score): ``score(clf, codes_test)``."""
    if name == "reuters":
        bow = reuters(data_home)
        tfidf = TfidfTransformer().fit(bow.X_train)
        X_train, X_test, X_lr = (sp.csr_matrix(tfidf.transform(X), dtype=np.float32)
                                 for X in (bow.X_train, bow.X_test, bow.Xe))
        return (X_train, X_test, X_lr, bow.ye,
                lambda clf, codes: multilabel_hit_rate(bow.Y_test, clf.predict(codes)))
    X_train, y_train, X_test, y_test = mnist(data_home)
    idx = np.random.RandomState(0).choice(X_train.shape[0], 10000, replace=False)
    X_train, y_train = X_train[idx].astype(np.float32), y_train[idx]
    return (X_train, X_test.astype(np.float32), X_train, y_train,
            lambda clf, codes: clf.score(codes, y_test))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-home", default=None)
    parser.add_argument("--k", type=int, default=64)
    args = parser.parse_args(argv)
    set_threads(1)
    commit = git_commit()
    data_home = args.data_home or os.environ.get("SKNONNEG_DATA")
    rows, cache = [], {}
    for name, start, step in CONFIGS:
        if name not in cache:
            cache[name] = load(name, data_home)
        X_train, X_test, X_lr, y_lr, score = cache[name]
        dense_test = X_test.toarray() if sp.issparse(X_test) else np.asarray(X_test)
        mean = np.asarray(X_train.mean(axis=0)).ravel()
        cls = NgStart if start == "ng" else NonNegAutoencoder
        est = cls(args.k, decoder="linear", learning_rate_init=step, dtype="float32",
                  random_state=0)
        with Timer() as t:
            est.fit(X_train)
        codes = est.transform(X_test)
        comp = est.components_
        clf = LogisticRegression(max_iter=1000).fit(est.transform(X_lr), y_lr)
        row = {"data": name, "start": start, "step": step, "k": args.k,
               "test_mse": float(np.mean((dense_test - est.inverse_transform(codes)) ** 2)),
               "mean_predictor_mse": float(np.mean((dense_test - mean) ** 2)),
               "parts_hoyer": hoyer(comp), "codes_hoyer": hoyer(codes),
               "parts_near_zero": float(np.mean(np.abs(comp) < 1e-3 * np.abs(comp).max())),
               "lr_accuracy": float(score(clf, codes)), "fit_s": t.wall,
               "fit_cpu_s": t.cpu, "load": t.load}
        rows.append(row)
        print(row, flush=True)
    result = {"command": "python benchmarks/autoencoder_linear_start.py "
                         + " ".join(sys.argv[1:] if argv is None else argv),
              "commit": commit, "machine": machine(), "date": time.ctime(),
              "sknonneg": sknonneg.__file__, "rows": rows}
    save_json(RESULTS / "autoencoder_linear_start.json", result)
    cols = ["data", "start", "step", "test_mse", "mean_predictor_mse", "parts_hoyer",
            "parts_near_zero", "codes_hoyer", "lr_accuracy", "fit_cpu_s", "load"]
    lines = ["# The linear decoder's starting scale (issue 15)", "",
             f"Command: `{result['command']}`  ", f"Commit: `{commit}`  ",
             f"k = {args.k}, float32, seed 0, one thread, 50 epochs of Adam; "
             "start: `ng` = Ng's scale (before), `data` = times the data's spread "
             "(now). lr_accuracy: LogisticRegression on the codes (Reuters: hit "
             "rate).", "", "| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(
            f"{r[c]:.3g}" if c.endswith("mse") or c == "step" else
            f"{r[c]:.1f}" if c in ("fit_cpu_s", "load") else
            f"{r[c]:.3f}" if isinstance(r[c], float) else str(r[c]) for c in cols) + " |")
    (RESULTS / "autoencoder_linear_start.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
