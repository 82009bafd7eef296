"""RampTransformer on wide dense data: fit and transform, this tree against an earlier one.

``RampTransformer`` computes its knots and ramps for blocks of features at once
(``sknonneg/preprocessing/_ramps.py``). At b5c62b2 it looped over the features in
Python; at 8cb4d04 (the default baseline) it was vectorised, but its fit made a
float64 copy of all of X (``X.astype(np.float64) * 0.5``: twice X's bytes for
float32 input) and sorted weighted quantile knots with a stable argsort only. Now
the halves are taken a block of features at a time, and the weighted sort is
NumPy's fastest where the stable order is the same (features of distinct values).
This times both trees in the same process, alternating, on the same data:

- before: ``sknonneg/preprocessing/_ramps.py`` at the commit ``--baseline``
  (default 8cb4d04; b5c62b2 for the loops over features), read with ``git show``
  and run as a private module beside the package;
- after: the public ``sknonneg.preprocessing.RampTransformer`` of this tree.

Data: dense float64, 1,000 rows and ``--columns`` columns (default 1,000, 10,000
and 100,000), of two kinds: "few distinct" (one-hot-like: every other column 0/1
with 5% ones, the others small counts, Poisson(0.5), as a bag of words) and
"continuous" (standard normal). Fits: every ``knots`` rule, both
``quantile_method``s where the rule reads them (``"uniform"`` does not), with and
without ``sample_weight`` (uniform on [0.5, 2); ``knots="quantile"`` with the
linear method refuses weights, so that cell is left out). ``n_knots=10``
(the default). Transforms: each rule's fitted transformer (default method),
on the first ``--transform-rows`` rows (default 1,000 at 1,000 columns, 200 at
10,000, 20 at 100,000): the output has 10 columns per feature, 8 GB for 1,000
rows of 100,000 features in float64, more than this shared machine can spare.
CSR input: ``RampTransformer`` refuses it (its tags, ``validate_data``); the
refusal is recorded, nothing is timed. Float32 input (``--float32``, on by
default): the continuous data as float32, every fit once under ``tracemalloc``
each side, for the peak memory and the bit-identity of the knots (not timed).

Each cell: one warm-up call of each (traced by ``tracemalloc``: its peak, beyond
the input, is the peak memory reported), then ``--repeats`` (default 5) calls of
each, alternating, timed with ``time.perf_counter``; medians and the ratio
before / after. Every after-fit's ``knots_`` and every transform's output are
compared with the before ones, bit for bit (``identical``).

Reference points, on the same data (median of ``--reference-repeats`` calls,
default 3, after a warm-up):
scikit-learn's ``SplineTransformer(n_knots=10, degree=1, knots="quantile")``
(hat functions, not ramps: a B-spline basis of degree 1 on knots at quantiles of
the column, not of its distinct values, 10 columns per feature; no monotone
guarantee; on a column with few distinct values most of its knots coincide, and
their basis functions are 0 or 1) and ``KBinsDiscretizer(n_bins=9, encode="ordinal", strategy="quantile",
quantile_method="averaged_inverted_cdf")`` (bin edges at quantiles, one integer
code per feature: 1/10 of the output; it merges the bins of repeated edges, with
a warning).

    python benchmarks/ramp_wide.py [--columns 1000 10000 100000] [--repeats 5]
        [--reference-repeats 3] [--baseline 8cb4d04] [--no-float32]

Results: benchmarks/results/ramp_wide.{json,md}.

Private imports (sknonneg._*): the baseline is the module
``sknonneg/preprocessing/_ramps.py`` of the commit ``--baseline``, executed as a
private module of the package (its relative imports), so that the before and
after times are paired in one process; the after side is the public class.
"""

import argparse
import importlib.util
import os
import subprocess
import sys
import time
import tracemalloc
import warnings

import numpy as np
import scipy.sparse as sp

from _common import REPO, add_common_args, markdown_header, save_result, set_threads

STEM = "ramp_wide"
N_ROWS = 1000
N_KNOTS = 10
DEFAULT_TRANSFORM_ROWS = {1000: 1000, 10_000: 200, 100_000: 20}
AVERAGED = "averaged_inverted_cdf"
# (knots, quantile_method, weighted); "uniform" reads no quantile_method, and
# "quantile" with the linear method refuses weights.
FITS = [("distinct", "linear", False), ("distinct", "linear", True),
        ("distinct", AVERAGED, False), ("distinct", AVERAGED, True),
        ("quantile", "linear", False),
        ("quantile", AVERAGED, False), ("quantile", AVERAGED, True),
        ("uniform", "linear", False), ("uniform", "linear", True)]


# What runs the same code in the baseline and in this tree: their ratios show the
# noise of the shared machine.
SAME_CODE = {
    "b5c62b2": "`knots=\"quantile\"` with `\"linear\"` and `\"uniform\"` run the same "
               "code before and after: their ratios show the noise of the shared "
               "machine.",
    "8cb4d04": "The transform runs the same code before and after, and so does "
               "every fit but for where the halves of X are taken (all of X at "
               "once before, a block of features at a time after) and the sort of "
               "weighted `\"quantile\"` knots: the ratios of the transforms show "
               "the noise of the shared machine.",
}


def baseline_class(commit):
    """``RampTransformer`` of ``sknonneg/preprocessing/_ramps.py`` at ``commit``."""
    source = subprocess.run(
        ["git", "show", f"{commit}:sknonneg/preprocessing/_ramps.py"], cwd=REPO,
        capture_output=True, text=True, check=True).stdout
    import sknonneg.preprocessing  # noqa: F401  (the package of its imports)

    name = "sknonneg.preprocessing._ramps_baseline"
    module = importlib.util.module_from_spec(
        importlib.util.spec_from_loader(name, loader=None))
    module.__package__ = "sknonneg.preprocessing"
    sys.modules[name] = module
    exec(compile(source, f"{commit}:sknonneg/preprocessing/_ramps.py", "exec"),
         module.__dict__)
    return module.RampTransformer


def make_data(kind, n_columns, rng):
    if kind == "few distinct":
        X = rng.poisson(0.5, size=(N_ROWS, n_columns)).astype(np.float64)
        X[:, ::2] = rng.random((N_ROWS, X[:, ::2].shape[1])) < 0.05
        return X
    return rng.standard_normal((N_ROWS, n_columns))


def traced(call):
    """``(result, peak bytes)`` of ``call()`` under ``tracemalloc``."""
    tracemalloc.start()
    try:
        result = call()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


def paired(calls, repeats):
    """Medians of ``repeats`` timed calls of each of ``calls``, alternating."""
    times = [[] for _ in calls]
    for _ in range(repeats):
        for call, spent in zip(calls, times):
            start = time.perf_counter()
            call()
            spent.append(time.perf_counter() - start)
    return [float(np.median(t)) for t in times]


def reference_rows(X, Xt, kind, repeats):
    """SplineTransformer and KBinsDiscretizer fit and transform, or their refusal."""
    from sklearn.preprocessing import KBinsDiscretizer, SplineTransformer

    rows = []
    for name, make in [
            ("SplineTransformer(n_knots=10, degree=1, knots='quantile')",
             lambda: SplineTransformer(n_knots=N_KNOTS, degree=1, knots="quantile")),
            ("KBinsDiscretizer(n_bins=9, encode='ordinal', strategy='quantile', "
             "quantile_method='averaged_inverted_cdf')",
             lambda: KBinsDiscretizer(n_bins=N_KNOTS - 1, encode="ordinal",
                                      strategy="quantile", quantile_method=AVERAGED))]:
        row = {"columns": X.shape[1], "data": kind, "estimator": name}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                fitted = make().fit(X)
            except ValueError as error:
                row["refused"] = str(error).split("\n")[0][:160]
                rows.append(row)
                continue
            fitted.transform(Xt)
            row["fit_s"], = paired([lambda: make().fit(X)], repeats)
            row["transform_s"], = paired([lambda: fitted.transform(Xt)], repeats)
            row["transform_rows"] = Xt.shape[0]
        rows.append(row)
    return rows


def csr_refusal(RampTransformer):
    try:
        RampTransformer().fit(sp.random(10, 5, density=0.5, format="csr",
                                        random_state=0))
    except TypeError as error:
        return f"refused: {error}".split("\n")[0]
    return "accepted"


def float32_rows(X, Before, After, weights):
    """Every fit of ``FITS`` on float32 ``X``, once each side under ``tracemalloc``:
    the peaks and whether the knots are identical (not timed)."""
    rows = []
    for knots, method, weighted in FITS:
        w = weights if weighted else None
        params = dict(n_knots=N_KNOTS, knots=knots, quantile_method=method)
        before, peak_before = traced(lambda: Before(**params).fit(X, sample_weight=w))
        after, peak_after = traced(lambda: After(**params).fit(X, sample_weight=w))
        rows.append({
            "columns": X.shape[1], "data": "continuous, float32", "knots": knots,
            "quantile_method": method, "sample_weight": weighted,
            "identical": (before.knots_.dtype == after.knots_.dtype
                          and before.knots_.tobytes() == after.knots_.tobytes()),
            "peak_before_mb": peak_before / 2**20, "peak_after_mb": peak_after / 2**20,
            "X_mb": X.nbytes / 2**20})
        del before, after
    return rows


def measure(args):
    from sknonneg.preprocessing import RampTransformer

    Before = baseline_class(args.baseline)
    rng = np.random.default_rng(0)
    weights = rng.uniform(0.5, 2.0, N_ROWS)
    result = {"baseline": args.baseline, "rows": N_ROWS, "n_knots": N_KNOTS,
              "repeats": args.repeats, "reference_repeats": args.reference_repeats,
              "load_1min_at_start": os.getloadavg()[0],
              "fits": [], "float32_fits": [], "transforms": [], "references": [],
              "csr": csr_refusal(RampTransformer)}
    for n_columns in args.columns:
        n_transform = DEFAULT_TRANSFORM_ROWS.get(n_columns, min(N_ROWS, 200))
        for kind in ("few distinct", "continuous"):
            X = make_data(kind, n_columns, rng)
            Xt = X[:n_transform]
            print(f"{n_columns} columns, {kind}", flush=True)
            fitted = {}
            for knots, method, weighted in FITS:
                w = weights if weighted else None
                params = dict(n_knots=N_KNOTS, knots=knots, quantile_method=method)
                before, peak_before = traced(
                    lambda: Before(**params).fit(X, sample_weight=w))
                after, peak_after = traced(
                    lambda: RampTransformer(**params).fit(X, sample_weight=w))
                t_before, t_after = paired(
                    [lambda: Before(**params).fit(X, sample_weight=w),
                     lambda: RampTransformer(**params).fit(X, sample_weight=w)],
                    args.repeats)
                same = (before.knots_.dtype == after.knots_.dtype
                        and before.knots_.tobytes() == after.knots_.tobytes())
                result["fits"].append({
                    "columns": n_columns, "data": kind, "knots": knots,
                    "quantile_method": method, "sample_weight": weighted,
                    "before_s": t_before, "after_s": t_after,
                    "ratio": t_before / t_after, "identical": same,
                    "peak_before_mb": peak_before / 2**20,
                    "peak_after_mb": peak_after / 2**20,
                    "X_mb": X.nbytes / 2**20})
                if method == "linear" and not weighted:
                    fitted[knots] = (before, after)
            for knots, (before, after) in fitted.items():
                out_before, peak_before = traced(lambda: before.transform(Xt))
                out_after, peak_after = traced(lambda: after.transform(Xt))
                same = (out_before.dtype == out_after.dtype
                        and out_before.tobytes() == out_after.tobytes())
                output_mb = out_after.nbytes / 2**20
                del out_before, out_after
                t_before, t_after = paired([lambda: before.transform(Xt),
                                            lambda: after.transform(Xt)],
                                           args.repeats)
                result["transforms"].append({
                    "columns": n_columns, "data": kind, "knots": knots,
                    "transform_rows": Xt.shape[0], "before_s": t_before,
                    "after_s": t_after, "ratio": t_before / t_after,
                    "identical": same, "output_mb": output_mb,
                    "peak_before_mb": peak_before / 2**20,
                    "peak_after_mb": peak_after / 2**20})
            result["references"] += reference_rows(X, Xt, kind,
                                                   args.reference_repeats)
            if args.float32 and kind == "continuous":
                result["float32_fits"] += float32_rows(X.astype(np.float32), Before,
                                                       RampTransformer, weights)
            del X, Xt, fitted
        # Saved after each width: a run stopped during the next keeps this one.
        save_result(args.name, result, markdown)
    return result


def markdown(result):
    rec = result["record"]
    md = markdown_header(rec, "RampTransformer on wide dense data")
    if "load_1min_at_start" in result:
        md += [f"Load (1 minute) at the start: {result['load_1min_at_start']:.1f}.", ""]
    md += [f"Baseline: `sknonneg/preprocessing/_ramps.py` at `{result['baseline']}`, "
           "run in the same process as this tree's, alternating (the baseline "
           "first in each pair). "
           f"{result['rows']:,} rows of float64, n_knots={result['n_knots']}; medians "
           f"of {result['repeats']} calls after a warm-up. Ratio = before / after. "
           "Identical: knots_ (fit) or output (transform) equal bit for bit. Peak: "
           "`tracemalloc` peak of the warm-up call (beyond the input, MiB). "
           + SAME_CODE.get(result["baseline"], ""), "",
           f"CSR input: {result['csr']}", "", "## fit", "",
           "| columns | data | knots | quantile_method | weights | before (s) "
           "| after (s) | ratio | identical | peak before | peak after | X |",
           "|---:|---|---|---|---|---:|---:|---:|---|---:|---:|---:|"]
    for r in result["fits"]:
        md.append(f"| {r['columns']:,} | {r['data']} | {r['knots']} | "
                  f"{r['quantile_method']} | {'yes' if r['sample_weight'] else 'no'} | "
                  f"{r['before_s']:.3f} | {r['after_s']:.3f} | {r['ratio']:.1f} | "
                  f"{r['identical']} | {r['peak_before_mb']:.0f} | "
                  f"{r['peak_after_mb']:.0f} | {r['X_mb']:.0f} |")
    if result.get("float32_fits"):
        md += ["", "## fit, float32 input (peak memory)", "",
               "The continuous data as float32; each fit once per side under "
               "`tracemalloc` (peak beyond the input, MiB), not timed.", "",
               "| columns | knots | quantile_method | weights | identical "
               "| peak before | peak after | X |",
               "|---:|---|---|---|---|---:|---:|---:|"]
        for r in result["float32_fits"]:
            md.append(f"| {r['columns']:,} | {r['knots']} | {r['quantile_method']} | "
                      f"{'yes' if r['sample_weight'] else 'no'} | {r['identical']} | "
                      f"{r['peak_before_mb']:.0f} | {r['peak_after_mb']:.0f} | "
                      f"{r['X_mb']:.0f} |")
    md += ["", "## transform", "",
           "Rows: the first rows of the training data (fewer at 100,000 columns: "
           "the output of 1,000 rows would be 8 GB). Fitted with the default "
           "quantile_method, no weights.", "",
           "| columns | rows | data | knots | before (s) | after (s) | ratio "
           "| identical | output | peak before | peak after |",
           "|---:|---:|---|---|---:|---:|---:|---|---:|---:|---:|"]
    for r in result["transforms"]:
        md.append(f"| {r['columns']:,} | {r['transform_rows']:,} | {r['data']} | "
                  f"{r['knots']} | {r['before_s']:.3f} | {r['after_s']:.3f} | "
                  f"{r['ratio']:.1f} | {r['identical']} | {r['output_mb']:.0f} | "
                  f"{r['peak_before_mb']:.0f} | {r['peak_after_mb']:.0f} |")
    md += ["", "## scikit-learn, for reference", "",
           f"Median of {result['reference_repeats']} calls after a warm-up. "
           "Same data; transform on the same rows. SplineTransformer: degree-1 "
           "B-splines (hat functions) at quantiles of the column (not of its "
           "distinct values), the same 10 columns per feature; KBinsDiscretizer: one ordinal bin code per feature (1/10 of the "
           "output). Neither is monotone per output column as the ramps are.", "",
           "| columns | data | estimator | fit (s) | transform (s) | rows |",
           "|---:|---|---|---:|---:|---:|"]
    for r in result["references"]:
        if "refused" in r:
            md.append(f"| {r['columns']:,} | {r['data']} | {r['estimator']} | "
                      f"refused: {r['refused']} | | |")
        else:
            md.append(f"| {r['columns']:,} | {r['data']} | {r['estimator']} | "
                      f"{r['fit_s']:.3f} | {r['transform_s']:.3f} | "
                      f"{r['transform_rows']:,} |")
    return "\n".join(md) + "\n"


def main():
    parser = add_common_args(argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter),
        quick=False, seeds=False)
    parser.add_argument("--columns", type=int, nargs="+",
                        default=[1000, 10_000, 100_000])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--reference-repeats", type=int, default=3,
                        help="timed calls of the scikit-learn references "
                             "(default 3)")
    parser.add_argument("--baseline", default="8cb4d04",
                        help="commit of the baseline _ramps.py (default 8cb4d04, "
                             "before the block-wise halves; b5c62b2: before the "
                             "vectorised fit and transform)")
    parser.add_argument("--no-float32", dest="float32", action="store_false",
                        help="leave out the float32 fits (peak memory, identity)")
    parser.add_argument("--name", default=STEM,
                        help="stem of the result files (default ramp_wide)")
    args = parser.parse_args()
    set_threads(args.threads)
    result = measure(args)
    save_result(args.name, result, markdown)
    print(markdown(result))


if __name__ == "__main__":
    main()
