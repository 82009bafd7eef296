"""Are NumPy's monotone ufuncs non-decreasing *as computed*? (the certificate's list)

``monotone_certificate`` certifies a Pipeline through a ``FunctionTransformer`` whose
``func`` is one of ``sknonneg.robustness.MONOTONE_UFUNCS``. Every candidate ufunc is a
non-decreasing function, but NumPy computes most of them to within an ulp or so, not
correctly rounded, and then two adjacent floating-point inputs can give a falling
pair of computed values. This counts those pairs:

- float32: exhaustively, every finite float32 in increasing order (about 4.3e9
  values per ufunc; minutes each);
- float64 (not exhaustively checkable): 400 runs of 25,000 consecutive floats from
  random starting points (sign and decade drawn at random), 1e7 inputs per ufunc.

    python benchmarks/ufunc_monotone_scan.py [--ufuncs exp log1p ...] [--no-float32]
    NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL" python benchmarks/ufunc_monotone_scan.py \
        --ufuncs log1p log2 exp2 arcsinh sqrt --tag _no_avx512   # NumPy's AVX2 paths

Results: benchmarks/results/ufunc_monotone_scan.{json,md}. The counts belong to the
NumPy build and the CPU (SIMD paths differ), which the result records.
"""

import argparse
import os
import platform
import time

import numpy as np

from _common import markdown_header, save_result

CANDIDATES = ("log1p", "log", "log2", "log10", "sqrt", "cbrt", "exp", "expm1", "exp2",
              "arcsinh", "tanh", "arctan", "sign", "floor", "ceil", "rint", "trunc")


def _float32_in_order(chunk=1 << 24):
    """Every finite float32, increasing, in chunks (negative ones first)."""
    top_negative, last_positive = 0xFF7FFFFF, 0x7F7FFFFF
    for start in range(top_negative, 0x80000000 - 1, -chunk):
        stop = max(start - chunk, 0x80000000 - 1)
        yield np.arange(start, stop, -1, dtype=np.uint32).view(np.float32)
    for start in range(0, last_positive + 1, chunk):
        stop = min(start + chunk, last_positive + 1)
        yield np.arange(start, stop, dtype=np.uint32).view(np.float32)


def _falls(x, y):
    """Indices i with y[i + 1] < y[i] (NaN pairs left out)."""
    valid = ~np.isnan(y)
    return np.flatnonzero(valid[1:] & valid[:-1] & (np.diff(y) < 0))


def _tally(count, example, x, y):
    """``count`` plus the falls of ``y`` over ``x``; the first fall seen as
    ``example`` ([x1, x2, f(x1), f(x2)])."""
    falls = _falls(x, y)
    if falls.size and example is None:
        i = falls[0]
        example = [float(x[i]), float(x[i + 1]), float(y[i]), float(y[i + 1])]
    return count + int(falls.size), example


def scan_float32(func):
    count, example, previous = 0, None, None
    for x in _float32_in_order():
        y = func(x)
        if previous is not None:
            x, y = np.concatenate([[previous[0]], x]), np.concatenate([[previous[1]], y])
        count, example = _tally(count, example, x, y)
        previous = (x[-1], y[-1])
    return count, example


def scan_float64(func, runs=400, length=25_000, seed=0):
    rng = np.random.default_rng(seed)
    count, example = 0, None
    for _ in range(runs):
        sign = rng.choice([-1.0, 1.0])
        decade = rng.uniform(-30, 30) if rng.random() < 0.8 else rng.uniform(-300, 300)
        start = np.float64(sign * 10.0 ** decade)
        bits = start.view(np.uint64)
        steps = np.arange(length, dtype=np.uint64)
        x = (bits + steps if start > 0 else bits - steps).view(np.float64)
        count, example = _tally(count, example, x, func(x))
    return count, example, runs * length


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--ufuncs", nargs="+", default=list(CANDIDATES))
    parser.add_argument("--no-float32", action="store_true",
                        help="skip the exhaustive float32 scan (minutes per ufunc)")
    parser.add_argument("--tag", default="",
                        help="suffix of the result files, e.g. _no_avx512 for a run "
                             "under NPY_DISABLE_CPU_FEATURES")
    args = parser.parse_args()
    np.seterr(all="ignore")
    rows = []
    for name in args.ufuncs:
        func = getattr(np, name)
        row = {"ufunc": name}
        if not args.no_float32:
            start = time.perf_counter()
            row["float32_falls"], row["float32_example"] = scan_float32(func)
            row["float32_s"] = time.perf_counter() - start
        row["float64_falls"], row["float64_example"], row["float64_inputs"] = (
            scan_float64(func))
        rows.append(row)
        print(row, flush=True)
    result = {"numpy": np.__version__, "cpu": platform.processor() or platform.machine(),
              "simd": _simd(), "rows": rows,
              "disabled": os.environ.get("NPY_DISABLE_CPU_FEATURES", "")}
    save_result(f"ufunc_monotone_scan{args.tag}", result, _markdown)


def _simd():
    try:
        from numpy._core._multiarray_umath import __cpu_features__
    except ImportError:  # NumPy < 2
        from numpy.core._multiarray_umath import __cpu_features__
    return [k for k in ("AVX2", "AVX512F", "AVX512_SKX", "FMA3") if __cpu_features__.get(k)]


def _markdown(result):
    lines = markdown_header(result["record"], "NumPy's monotone ufuncs as computed")
    lines += [
        f"NumPy {result['numpy']}, CPU features {', '.join(result['simd']) or 'none'}"
        + (f" (NPY_DISABLE_CPU_FEATURES=\"{result['disabled']}\")"
           if result.get("disabled") else "") + ". "
        "Falls: pairs of adjacent inputs (increasing) whose computed values decrease. "
        "float32: every finite float32; float64: 1e7 inputs (400 runs of 25,000 "
        "consecutive floats from random starts). An example is the first fall found "
        "(x1 < x2, f(x1) > f(x2)).", "",
        "| ufunc | float32 falls (all inputs) | float32 example | float64 falls (1e7 "
        "inputs) |", "| --- | ---: | --- | ---: |"]
    for r in result["rows"]:
        example = r.get("float32_example")
        shown = ("-" if not example else
                 f"f({example[0]!r}) = {example[2]!r} > f({example[1]!r}) = {example[3]!r}")
        lines.append(f"| `np.{r['ufunc']}` | {r.get('float32_falls', 'not run')} | "
                     f"{shown} | {r['float64_falls']} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
