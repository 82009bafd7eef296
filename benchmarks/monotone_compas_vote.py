"""COMPAS: a soft vote of seeds of the chosen candidate (issue 14), a separate row.

For each of the 10 evaluation splits of ``monotone_tabular.py`` and each model
given, the candidate that the benchmark's inner CV chose on that split's training
part (read from the result files, nothing chosen here) is refitted with
``--n-seeds`` random states (the benchmark's own, ``k``, then ``k + 1000 j``) and
the class-1 probabilities are averaged. The accuracy of that vote is a separate,
labelled result beside the table, not the estimator of the table: the seed of a
single fit is the estimator's; a vote of seeds is an ensemble of five fits.

Usage::

    PYTHONPATH=. python benchmarks/monotone_compas_vote.py --parts _compas_s11_a \
        _compas_s11_b _compas_s11_c
"""

import argparse
import ast
import json
import os
import sys
import time
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from _common import RESULTS, add_common_args, git_commit, set_threads  # noqa: E402
from monotone_tabular import MONOTONE, COMPAS_CST, RampTransformer, models  # noqa: E402
from monotone_tabular import splits  # noqa: E402

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import ConvergenceWarning  # noqa: E402

from sknonneg.datasets import load_compas  # noqa: E402


def _params(best):
    """The chosen parameters from their repr, with the expanded monotonic_cst."""
    params = {}
    for k, v in best.items():
        try:
            params[k] = ast.literal_eval(v)
        except (ValueError, SyntaxError):
            params[k] = v
    return params


def main():
    parser = add_common_args(argparse.ArgumentParser(description=__doc__),
                             quick=False, seeds=False)
    parser.add_argument("--parts", nargs="+", required=True)
    parser.add_argument("--models", nargs="+",
                        default=[MONOTONE, "sknonneg unconstrained", "MLPClassifier"])
    parser.add_argument("--n-seeds", type=int, default=5)
    parser.add_argument("--suffix", default="")
    args = parser.parse_args()
    set_threads(args.threads)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    import sknonneg
    print("sknonneg from", sknonneg.__file__, flush=True)
    rows = [r for s in args.parts for t in json.loads(
        (RESULTS / f"monotone_tabular{s}.json").read_text())["tasks"]
        for r in t["rows"] if t["task"] == "compas"]
    X, y = load_compas(data_home=args.data_home, return_X_y=True)
    y = y.to_numpy()
    table, _ = models("compas", False)
    out, c0 = [], time.process_time()
    for k, (tr, te) in enumerate(splits("compas", X, y, False)):
        for name in args.models:
            row = [r for r in rows if r["split"] == k and r["model"] == name]
            if not row:
                continue
            params = _params(row[0]["best_params"])
            knots = params.get("ramps__ramp__n_knots")
            if name == MONOTONE and knots is not None:
                params["model__monotonic_cst"] = RampTransformer(
                    knots).expand_monotonic_cst(COMPAS_CST)
            proba = []
            for j in range(args.n_seeds):
                est = clone(table[name][0](k + 1000 * j)).set_params(**params)
                est.fit(X.iloc[tr], y[tr])
                proba.append(est.predict_proba(X.iloc[te])[:, 1])
            single = float(np.mean((proba[0] >= 0.5) == y[te]))
            vote = float(np.mean((np.mean(proba, axis=0) >= 0.5) == y[te]))
            out.append({"split": k, "model": name, "single": single, "vote": vote,
                        "single_in_table": row[0]["metric"]})
            print(k, name, round(100 * single, 2), round(100 * vote, 2), flush=True)
    result = {"commit": git_commit(), "cpu_s": time.process_time() - c0,
              "command": "python benchmarks/monotone_compas_vote.py "
                         + " ".join(sys.argv[1:]), "rows": out}
    (RESULTS / f"monotone_compas_vote{args.suffix}.json").write_text(
        json.dumps(result, indent=1) + "\n")
    print("CPU s", result["cpu_s"])


if __name__ == "__main__":
    main()
