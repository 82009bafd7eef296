"""Time to build and draw the inspection displays of networks of realistic sizes.

For each network, the seconds (wall and CPU, this process) of

- ``build``: ``OutputWeightsDisplay.from_estimator`` (``HiddenUnitsDisplay``'s),
  which lays out the figure and creates its artists, and
- ``draw``: ``fig.canvas.draw()`` with the Agg backend, which renders them,

with the figure's size, its number of panels and of artists. Networks:

- MNIST (pixels / 255, the first 2,000 training images): ``NonNegMLPClassifier``
  of 50, 300 and 1,000 hidden units, 10 classes, fitted with Adam for 3 epochs
  (weights of the right shapes and signs; the timings do not depend on how well
  they are trained). Displays: the output weights alone (``plain``), the output
  weights with the unit images and the mean activations of 1,000 images per class
  (``full``, the paper's Fig. 2), and the hidden units' images.
- Reuters-21578, the 90 ModApte categories (multilabel; bag of words of the
  2,000 most frequent terms, log(1 + count)): 200 hidden units, Adam for 3
  epochs; the output weights alone, and with the mean activations of the
  training documents per label (90 rows of bars).

Each case is a fresh figure, closed after it is drawn; the median of
``--repeats``. PNGs of every figure go to ``--png-dir``; ``--compare DIR`` gives,
for every PNG of the same name in ``DIR`` (a run at another commit), the share of
pixels that differ (any channel by more than ``--tolerance`` of 255) when both
images have the same size.

Usage::

    python benchmarks/inspection_draw.py [--repeats 1] [--png-dir DIR]
                                         [--compare DIR] [--suffix _after]
"""

import argparse
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (  # noqa: E402
    DEFAULT_DATA_HOME,
    markdown_header,
    save_result,
)

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from sknonneg import NonNegMLPClassifier  # noqa: E402
from sknonneg.datasets import load_mnist, load_reuters, reuters_bag_of_words  # noqa: E402
from sknonneg.inspection import HiddenUnitsDisplay, OutputWeightsDisplay  # noqa: E402


def _fit(X, y, n_hidden):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return NonNegMLPClassifier((n_hidden,), solver="adam", max_iter=3,
                                   random_state=0).fit(X, y)


def networks(data_home):
    """``[(name, estimator, X, y)]`` of the networks measured."""
    X, _, y, _ = load_mnist(data_home=data_home, return_X_y=True)
    X = np.asarray(X[:2000], dtype=np.float64) / 255.0
    y = np.asarray(y[:2000])
    nets = [(f"mnist_{n}", _fit(X, y, n), X[:1000], y[:1000]) for n in (50, 300, 1000)]
    bunch = load_reuters(data_home=data_home, subset="all90")
    bow = reuters_bag_of_words(bunch, max_features=2000, min_df=3)
    Xr = bow["X_train"].astype(np.float64)
    Xr.data = np.log1p(Xr.data)
    Yr = np.asarray(bow["Y_train"].toarray() if hasattr(bow["Y_train"], "toarray")
                    else bow["Y_train"])
    keep = Yr.sum(axis=0) > 0
    nets.append(("reuters90_200", _fit(Xr, Yr[:, keep], 200), Xr, Yr[:, keep]))
    return nets


def cases(nets):
    """``[(case, build)]``: ``build()`` makes the display."""
    out = []
    for name, est, X, y in nets:
        if name.startswith("mnist"):
            out += [
                (f"output_weights_plain_{name}",
                 lambda est=est: OutputWeightsDisplay.from_estimator(est)),
                (f"output_weights_full_{name}",
                 lambda est=est, X=X, y=y: OutputWeightsDisplay.from_estimator(
                     est, X, y, show_images=True)),
                (f"hidden_units_{name}",
                 lambda est=est: HiddenUnitsDisplay.from_estimator(est)),
            ]
        else:
            out += [
                (f"output_weights_plain_{name}",
                 lambda est=est: OutputWeightsDisplay.from_estimator(est)),
                (f"output_weights_bars_{name}",
                 lambda est=est, X=X, y=y: OutputWeightsDisplay.from_estimator(
                     est, X, y)),
            ]
    return out


def _count_artists(fig):
    return sum(1 for _ in fig.findobj())


def measure(case, build, repeats, png_dir):
    builds, draws = [], []
    for r in range(repeats):
        t0, c0 = time.perf_counter(), time.process_time()
        disp = build()
        t1, c1 = time.perf_counter(), time.process_time()
        fig = disp.figure_
        fig.canvas.draw()
        t2, c2 = time.perf_counter(), time.process_time()
        builds.append((t1 - t0, c1 - c0))
        draws.append((t2 - t1, c2 - c1))
        if r == 0:
            row = {"figsize": [round(float(v), 3) for v in fig.get_size_inches()],
                   "n_axes": len(fig.axes), "n_artists": _count_artists(fig)}
            if isinstance(disp, OutputWeightsDisplay):
                row["n_panels"] = len(disp.axes_)
                # squares_: a Rectangle per square before 18b1acc, a collection
                # of squares per panel since
                row["n_squares"] = sum(len(s.get_paths()) if hasattr(s, "get_paths")
                                       else 1 for s in disp.squares_)
            if png_dir is not None:
                fig.savefig(Path(png_dir) / f"{case}.png", dpi=72)
        plt.close(fig)
    row.update(
        build_wall=statistics.median(b[0] for b in builds),
        build_cpu=statistics.median(b[1] for b in builds),
        draw_wall=statistics.median(d[0] for d in draws),
        draw_cpu=statistics.median(d[1] for d in draws))
    return row


def pixel_diff(a, b, tolerance):
    """Share of the pixels of PNGs ``a`` and ``b`` that differ (None: sizes differ)."""
    ia, ib = plt.imread(a), plt.imread(b)
    if ia.shape != ib.shape:
        return None
    return float(np.mean(np.any(np.abs(ia - ib) > tolerance / 255, axis=-1)))


def markdown(result):
    lines = markdown_header(result["record"], "Inspection displays: build and draw times")
    lines += ["Seconds (median of the repeats; wall, this process's CPU in brackets). "
              "`build`: `from_estimator`; `draw`: `fig.canvas.draw()` (Agg).", "",
              "| case | figure (in) | panels | squares | artists | build s | draw s "
              "| pixels differing |", "|---|---|---|---|---|---|---|---|"]
    for case, row in result["cases"].items():
        diff = row.get("pixel_diff")
        lines.append(
            f"| {case} | {row['figsize'][0]:.2f} x {row['figsize'][1]:.2f} "
            f"| {row.get('n_panels', '')} | {row.get('n_squares', '')} "
            f"| {row['n_artists']} "
            f"| {row['build_wall']:.2f} ({row['build_cpu']:.2f}) "
            f"| {row['draw_wall']:.2f} ({row['draw_cpu']:.2f}) "
            f"| {'' if 'pixel_diff' not in row else ('size differs' if diff is None else f'{100 * diff:.3f} %')} |")
    if result.get("compare_to"):
        lines += ["", f"Pixels differing: against the PNGs of `{result['compare_to']}` "
                  f"(a channel off by more than {result['tolerance']}/255), dpi 72."]
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-home", default=str(DEFAULT_DATA_HOME))
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--png-dir", default=None,
                        help="write each figure's PNG (dpi 72) here")
    parser.add_argument("--compare", default=None,
                        help="a --png-dir of another run: pixel diff of each PNG")
    parser.add_argument("--tolerance", type=float, default=8.0)
    parser.add_argument("--suffix", default="")
    parser.add_argument("--only", default=None, help="cases whose name contains this")
    args = parser.parse_args()
    if args.png_dir:
        Path(args.png_dir).mkdir(parents=True, exist_ok=True)
    nets = networks(args.data_home)
    # warm-up: matplotlib's font cache, the first figure
    disp = OutputWeightsDisplay.from_estimator(nets[0][1], nets[0][2], nets[0][3],
                                               show_images=True)
    disp.figure_.canvas.draw()
    plt.close(disp.figure_)
    result = {"cases": {}, "compare_to": args.compare, "tolerance": args.tolerance}
    for case, build in cases(nets):
        if args.only and args.only not in case:
            continue
        row = measure(case, build, args.repeats, args.png_dir)
        if args.compare and args.png_dir:
            other = Path(args.compare) / f"{case}.png"
            if other.exists():
                row["pixel_diff"] = pixel_diff(Path(args.png_dir) / f"{case}.png",
                                               other, args.tolerance)
        print(case, row, flush=True)
        result["cases"][case] = row
    save_result(f"inspection_draw{args.suffix}", result, markdown)


if __name__ == "__main__":
    main()
