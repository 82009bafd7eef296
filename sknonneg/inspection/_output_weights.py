"""Hinton diagram of the hidden-to-output weights (paper's Fig. 2)."""

import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import is_classifier, is_regressor
from sklearn.exceptions import DataConversionWarning
from sklearn.utils import check_consistent_length

from .._validation import (check_bool, check_colors, check_flags,
                           check_missing_targets, parameter_error, user_stacklevel)
from ..neural_network._classifier import is_multilabel
from ._hidden_units import (HiddenUnitsDisplay, _check_image_shape, _colour_limits,
                            _resolve_image_shape)
from ._utils import estimator_name as _estimator_name
from ._utils import (
    check_labels,
    check_title,
    drawable_array,
    final_estimator,
    fitted_attribute,
    get_components,
    check_pairs,
    hidden_activations,
    import_pyplot,
    is_network,
    logit_weights,
    order_pairs,
    order_units,
    output_classes,
)


def _check_ax(ax):
    """Refuse, before anything is drawn, an ``ax`` that is not None, an Axes or a
    pair of Axes (before: "'str' object has no attribute 'figure'")."""
    from matplotlib.axes import Axes

    if ax is None or isinstance(ax, Axes):
        return
    if isinstance(ax, (list, tuple, np.ndarray)):
        if len(ax) != 2:
            raise parameter_error("OutputWeightsDisplay.plot", "ax",
                                  "a matplotlib Axes, a pair of Axes (hinton_ax, "
                                  "bar_ax) or None", ax, f"({len(ax)} given.)")
        if all(isinstance(a, Axes) for a in ax):
            return
    raise parameter_error("OutputWeightsDisplay.plot", "ax",
                          "a matplotlib Axes, a pair of Axes (hinton_ax, bar_ax) "
                          "or None", ax)


def _tick_positions(n, max_labels=40):
    step = max(1, int(np.ceil(n / max_labels)))
    return np.arange(0, n, step)


def _label_width(labels):
    """Estimated width in inches of the widest of ``labels`` at the "small" size
    of the tick labels (0.6 em per character)."""
    from matplotlib.font_manager import FontProperties

    size = FontProperties(size="small").get_size_in_points()  # follows rcParams
    return 0.6 * size / 72 * max((len(str(s)) for s in labels), default=0)


def _text_width(labels, size="small"):
    """Width in inches of the widest of ``labels`` as rendered at ``size``
    (measured on the font's glyphs, with a little slack for hinting)."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import text_to_path

    prop = FontProperties(size=size)
    return max((text_to_path.get_text_width_height_descent(str(s), prop,
                                                           ismath=False)[0]
                for s in labels if str(s)), default=0.0) * 1.1 / 72


def _line_height(size="small"):
    """Height in inches of a line of text at ``size``."""
    from matplotlib.font_manager import FontProperties

    return 1.2 * FontProperties(size=size).get_size_in_points() / 72


def _left_margin(out_labels, act_labels, out_lines=1, act_lines=2):
    """Left margin in inches of the default (not transposed) layout: room for the
    widest output (and bar) label, its padding and the axis label beside it (of
    ``out_lines`` and ``act_lines`` lines); 1 inch at least, as before."""
    import matplotlib as mpl

    pads = (mpl.rcParams["ytick.major.pad"] + mpl.rcParams["axes.labelpad"]) / 72
    need = (_text_width(out_labels) + pads
            + out_lines * _line_height(mpl.rcParams["axes.labelsize"]))
    if act_labels is not None:
        # the bars' label, "mean activation\nper class", is two small lines
        # (three beside bars lower than two are long)
        need = max(need, _text_width(act_labels) + pads + act_lines * _line_height())
    return max(1.0, need + 0.1)


def _split_output_name(output_name, n_y, cell, strips):
    """Whether the output axis's label, beside a diagram of ``n_y`` rows of
    ``cell`` inches, goes on two lines: when it is longer than the diagram is
    high and ``strips`` (of images or bars, and their label) follow below."""
    return bool(strips) and _label_width([output_name]) * 1.2 > n_y * cell


def _split_bar_label(n_rows, cell):
    """Whether the bars' label goes on three lines: beside (over) ``n_rows``
    rows of bars shorter than "mean activation" is long."""
    return _text_width(["mean activation"]) > n_rows * cell


def _thin(ticks, n, spacing, extent):
    """``ticks`` (of ``n`` positions ``spacing`` inches apart), thinned so that
    labels ``extent`` inches long along the axis do not run into each other:
    every k-th position, k a 1-2-5 step, when ``ticks`` are closer than that."""
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    if spacing <= 0 or extent <= spacing * step:
        return ticks
    need = extent / spacing
    k = 10 ** int(np.floor(np.log10(need)))
    k = next(m * k for m in (1, 2, 5, 10) if m * k >= need)
    return np.arange(0, n, max(int(k), step))


def _crowded(labels, spacing):
    """Whether labels ``spacing`` inches apart would run into each other."""
    return _label_width(labels) > 0.9 * spacing


def _align_bar_axes(bar_ax, ax, transpose, n_units, ticks, ticklabels,
                    unit_name="hidden unit"):
    """Give a user-supplied bar Axes the diagram's hidden-unit axis.

    The unit axis (y with ``transpose``, else x) gets the diagram's limits
    (inverted with ``transpose``: unit 0 on top) and unit labels, and is shared
    with the diagram's when it is shared with no other Axes. At draw time the
    Axes is narrowed (shortened, with ``transpose``) to the extent the diagram's
    equal aspect leaves it, placed by the diagram's anchor, so that bars stacked
    under (beside) the diagram line up with its columns (rows).
    """
    from matplotlib.transforms import Bbox

    name = "y" if transpose else "x"
    shared = getattr(ax, f"get_shared_{name}_axes")()
    if not shared.joined(ax, bar_ax) and len(shared.get_siblings(bar_ax)) == 1:
        getattr(bar_ax, f"share{name}")(ax)
    if transpose:
        bar_ax.set_ylim(n_units - 0.5, -0.5)
        bar_ax.set_yticks(ticks, ticklabels)
        bar_ax.tick_params(axis="y", left=False, labelleft=True)
        bar_ax.set_ylabel(unit_name)
    else:
        bar_ax.set_xlim(-0.5, n_units - 0.5)
        bar_ax.set_xticks(ticks, ticklabels)
        bar_ax.tick_params(axis="x", bottom=False, labelbottom=True)
        bar_ax.set_xlabel(unit_name)

    def locator(bar_ax, renderer):
        ax.apply_aspect()
        active = ax.get_position(original=False)
        box = bar_ax.get_position(original=True)
        if transpose:
            size = (box.width, min(active.height, box.height))
        else:
            size = (min(active.width, box.width), box.height)
        return Bbox.from_bounds(0, 0, *size).anchored(ax.get_anchor(), box)

    bar_ax.set_axes_locator(locator)


# The lines between groups of units: a white line outlined in dark grey (matplotlib
# path effects), so that it shows over squares of any colour and stands apart from
# them: across a dense Hinton diagram of black and white squares on grey, the dashed
# dark-grey line it was before was lost among the black squares and barely apart
# from the grey (an MLPClassifier((300,)) on digits); the outline shows over white
# squares and the bars' white background, the white core over black and grey ones.
# Neither is a colour of the bars (before that: "tab:orange", the colour of class
# 1's bars, so a separator beside class 1's bars read as one of them). The group
# names are in the outline's colour.
_SEPARATOR_DARK = "0.15"
_SEPARATOR = {"color": "white", "lw": 1.5, "ls": "-", "zorder": 3}
_SEPARATOR_OUTLINE = {"linewidth": 4.0, "foreground": _SEPARATOR_DARK}


def _separator_effects():
    """The separators' dark outline under their white core (matplotlib path
    effects)."""
    from matplotlib import patheffects

    return [patheffects.Stroke(**_SEPARATOR_OUTLINE), patheffects.Normal()]


def _group_labels(runs, transpose, cell):
    """How the names of the runs ``(start, stop, name)`` of units ``cell`` inches
    wide are laid: ``(rotate, kept)``, whether the names are turned upright (not
    transposed: when side by side some would run into their neighbours) and the
    indices of the runs named, each clear of the one named before it."""
    centres = [(a + b - 1) / 2 for a, b, _ in runs]
    sizes = [_line_height() if transpose else _text_width([g]) for _, _, g in runs]
    gap = 0.05  # inch, between two names

    def clear(i, j):
        return (centres[j] - centres[i]) * cell >= (sizes[i] + sizes[j]) / 2 + gap

    # Before: upright whenever a name was wider than its run, though it had room
    # beside it; and every name was drawn, so that names of short runs ran
    # together (e.g. upright "eight" and "five" over single units).
    rotate = not transpose and not all(clear(i, i + 1) for i in range(len(runs) - 1))
    if rotate:
        sizes = [_line_height()] * len(runs)
    kept = []
    for i in range(len(runs)):
        if not kept or clear(kept[-1], i):
            kept.append(i)
    return rotate, kept


def _draw_groups(ax, runs, transpose, unit_ticklabels, cell):
    """Label each run ``(start, stop, name)`` of units beside the unit labels of the
    diagram ``ax`` (minor ticks at the runs' centres, padded past the unit labels;
    in their place when there are none), and separate the runs with lines across
    it; returns the lines. A name that would run into the one named before it
    (runs shorter than their names, side by side) is left out: the lines still
    mark its run."""
    import matplotlib as mpl

    centres = [(a + b - 1) / 2 for a, b, _ in runs]
    names = [g for _, _, g in runs]
    name = "y" if transpose else "x"
    # a run of odd length is centred on a unit's (major) tick: kept all the same
    getattr(ax, f"{name}axis").remove_overlapping_locs = False
    pad = mpl.rcParams[f"{name}tick.major.pad"]
    rotate, kept = _group_labels(runs, transpose, cell)
    centres, names = [centres[i] for i in kept], [names[i] for i in kept]
    if transpose:
        if unit_ticklabels:  # past the widest unit label, left of the diagram
            pad += _text_width(unit_ticklabels) * 72 + 4
        ax.set_yticks(centres, names, minor=True)
        ax.tick_params(axis="y", which="minor", left=False, labelleft=True,
                       right=False, labelright=False)
    else:
        if unit_ticklabels:  # above the unit labels
            pad += _line_height() * 72 + 2
        ax.set_xticks(centres, names, minor=True)
        ax.tick_params(axis="x", which="minor", top=False, labeltop=True,
                       bottom=False, labelbottom=False)
        if rotate:
            ax.tick_params(axis="x", which="minor", labelrotation=90)
    ax.tick_params(axis=name, which="minor", length=0, pad=pad, labelsize="small",
                   labelcolor=_SEPARATOR_DARK)
    return _separate(ax, runs, transpose)


def _separate(ax, runs, transpose):
    """Lines across ``ax`` between the runs of units (the diagram's or the bars'
    Axes); returns them."""
    line = ax.axhline if transpose else ax.axvline
    return [line(a - 0.5, path_effects=_separator_effects(), **_SEPARATOR)
            for a, _, _ in runs[1:]]


# A diagram (and its strips) at most this long, in inches, with cells no smaller
# than _MIN_CELL; a wrapped figure's panels, with their gaps, at most this wide.
_PAGE = 9.0
_MIN_CELL = 0.05


def _panel_cell(per_panel, n_panels, n_units, extra, gap):
    """Side in inches of a cell of ``n_panels`` panels of ``per_panel`` outputs
    (and ``extra`` cells of strips) by ``n_units`` units, laid ``gap`` inches
    apart within a page."""
    return float(np.clip(min(_PAGE / (per_panel + extra),
                             (_PAGE - (n_panels - 1) * gap) / (n_panels * n_units)),
                         _MIN_CELL, 0.6))


def _outputs_per_panel(wrap, n_out, n_units, extra, gap):
    """The outputs per panel of a figure (``n_out``: one diagram) for ``wrap``:
    ``"auto"`` wraps only outputs that do not fit a page at the smallest cells,
    into the number of panels that gives the largest cells (the fewest of
    equals)."""
    if wrap is None:
        return n_out
    if wrap != "auto":
        return min(int(wrap), n_out)
    if (n_out + extra) * _MIN_CELL <= _PAGE:
        return n_out
    best, best_cell = n_out, _panel_cell(n_out, 1, n_units, extra, gap)
    for n_panels in range(2, min(n_out, 64) + 1):
        per_panel = -(-n_out // n_panels)
        cell = _panel_cell(per_panel, -(-n_out // per_panel), n_units, extra, gap)
        if cell > best_cell * (1 + 1e-9):
            best, best_cell = per_panel, cell
    return best


def _units_per_panel(n_units, across, gap, pads=0.0):
    """The units per panel of a figure whose unit axis (``n_units``: one diagram)
    is too long for a page at the smallest cells: the number of panels, of
    ``across`` cells (outputs and strips) and ``pads`` inches each, ``gap``
    inches apart, that gives the largest cells (the fewest of equals)."""
    if n_units * _MIN_CELL <= _PAGE:
        return n_units

    def cell(per_panel):  # unclipped: the best fit, even at the smallest cells
        n_panels = -(-n_units // per_panel)
        return min(_PAGE / per_panel,
                   (_PAGE - (n_panels - 1) * gap - n_panels * pads)
                   / (n_panels * across))

    best, best_cell = n_units, cell(n_units)
    for n_panels in range(2, min(n_units, 64) + 1):
        per_panel = -(-n_units // n_panels)
        if cell(per_panel) > best_cell * (1 + 1e-9):
            best_cell = cell(per_panel)
            best = per_panel
    return best


def _hinton_squares(W, wmax, max_size, transpose, positive_color, negative_color):
    """The squares of the Hinton diagram of ``W`` (n_units, n_outputs), as one
    :class:`~matplotlib.collections.PolyCollection`: one closed square per
    non-zero weight, in row-major order of ``W``, centred on its cell (column
    ``j``, row ``c``; column ``c``, row ``j`` with ``transpose``), of side
    ``max_size * sqrt(|w| / wmax)``, filled with ``positive_color`` or
    ``negative_color``; none where ``wmax`` is 0.

    Before: one ``Rectangle`` patch per square, each added to the Axes, which
    updated its data limits patch by patch: seconds for the squares of a network
    of 1,000 units, most of the time the display took; the collection draws the
    same pixels (benchmarks/inspection_draw.py)."""
    from matplotlib.collections import PolyCollection
    from matplotlib.colors import to_rgba

    j, c = np.nonzero(W) if wmax != 0 else (np.zeros(0, int), np.zeros(0, int))
    w = W[j, c]
    side = max_size * np.sqrt(np.abs(w) / wmax) if w.size else np.zeros(0)
    x, y = (c, j) if transpose else (j, c)
    x0, y0 = x - side / 2, y - side / 2
    x1, y1 = x0 + side, y0 + side
    # the corners in the order of a Rectangle's path: (x0, y0), (x1, y0), (x1, y1),
    # (x0, y1), closed
    verts = np.stack([np.stack([x0, y0], axis=-1), np.stack([x1, y0], axis=-1),
                      np.stack([x1, y1], axis=-1), np.stack([x0, y1], axis=-1)],
                     axis=1)
    colours = np.array([to_rgba(negative_color), to_rgba(positive_color)])
    return PolyCollection(verts, closed=True, facecolors=colours[(w > 0).astype(int)],
                          edgecolors="none")


def _bar_row(pos, length, base, transpose, color, label):
    """One row of activation bars as one
    :class:`~matplotlib.collections.PolyCollection`: a closed rectangle per unit
    (zero-length ones included), 0.7 wide, centred on the unit's position ``pos``,
    from ``base`` along ``length`` (up, or right with ``transpose``), filled with
    ``color`` and labelled ``label`` (its legend entry).

    The rectangles are those that ``Axes.bar`` (``barh``) made, with the corners
    in the order of a ``Rectangle``'s path, and the collection takes the edge
    colour, line width and antialiasing of patches from the rcParams as a bar
    does. Before: ``bar_ax.bar``, a ``Rectangle`` patch per bar added to the
    Axes one by one, was slow for many bars (benchmarks/inspection_draw.py;
    doc/user_guide/performance.rst, "Drawing the inspection displays"); the
    collection draws the same pixels."""
    from matplotlib.collections import PolyCollection

    lo = pos - 0.7 / 2  # Axes.bar's align="center"
    hi = lo + 0.7
    start = np.full(len(pos), float(base))
    end = start + length
    if transpose:  # barh: x from base along length, y across
        x0, x1, y0, y1 = start, end, lo, hi
    else:
        x0, x1, y0, y1 = lo, hi, start, end
    verts = np.stack([np.stack([x0, y0], axis=-1), np.stack([x1, y0], axis=-1),
                      np.stack([x1, y1], axis=-1), np.stack([x0, y1], axis=-1)],
                     axis=1)
    return PolyCollection(verts, closed=True, facecolors=[color], label=label)


def _bar_scale(acts):
    """``(signed, top)`` of the bars of ``acts``: whether any is negative (bars
    up and down from a baseline mid-row) and the activation that fills a row."""
    signed = bool(acts.size) and float(np.nanmin(acts)) < 0
    top = max(1.0, float(np.nanmax(np.abs(acts)))) if acts.size else 1.0
    return signed, top


def _image_scale(images):
    """``(signed, {"vmin": ..., "vmax": ...})``: the global colour scale that
    :class:`HiddenUnitsDisplay` gives ``images`` (``_colour_limits``), for every
    panel's strip."""
    signed, vmin, vmax = _colour_limits(images)
    if not len(vmax):
        return signed, {"vmin": 0.0, "vmax": 1.0}
    return signed, {"vmin": float(vmin[0]), "vmax": float(vmax[0])}


def _cell_inches(ax, n_x, n_y):
    """Side in inches of a diagram cell (the diagram keeps an equal aspect)."""
    pos = ax.get_position(original=True)  # in its figure's or subfigure's box
    fig = ax.figure
    if hasattr(fig, "get_size_inches"):
        width, height = fig.get_size_inches()
    else:  # a SubFigure (before: an AttributeError for the Axes of one)
        width, height = fig.bbox.width / fig.dpi, fig.bbox.height / fig.dpi
    return min(pos.width * width / max(n_x, 1), pos.height * height / max(n_y, 1))


def _top_label_sets(n_out, out_labels, acts, activation_labels):
    """The label sets above a transposed diagram and its bars, with their step."""
    ticks = _tick_positions(n_out)
    sets = [([out_labels[c] for c in ticks], ticks[1] - ticks[0] if len(ticks) > 1 else 1)]
    if acts is not None:
        names = (activation_labels if activation_labels is not None
                 else range(len(acts)))
        sets.append(([str(s) for s in names], 1))
    return sets


class OutputWeightsDisplay:
    """Hinton diagram of the hidden-to-output weights of a network.

    Every weight ``coefs_[-1][j, c]`` (hidden unit ``j`` to output neuron
    ``c``) is drawn as a square whose **area** is proportional to
    ``|w| / max|w|``; the fill colour gives the sign: by default **white for
    positive** and **black for negative** weights on a mid-grey background,
    as in Fig. 2 of Chorowski & Zurada (2015). Pass e.g.
    ``positive_color="tab:blue", negative_color="tab:red",
    background_color="white"`` for a blue/red variant. Exactly-zero weights
    draw no square, so a sparse non-negative output layer is visibly sparse.
    An ``ABBAClassifier``'s ``coefs_[-1]`` is ``[[A, B], [B, A]]``, every weight
    non-negative and drawn twice; :meth:`from_estimator`'s ``pairs="once"`` draws
    the signed weights of one unit of each pair on the logits instead.

    By default output neurons (classes) are the rows and hidden units the
    columns. Optionally the display adds, aligned with the hidden-unit axis,

    - the first-layer weights of the hidden units as images (as below the
      diagram in Fig. 2), and
    - the mean activation of every hidden unit for the samples of each class,
      as one row of bars per class (Fig. 2's bar charts).

    It is recommended to create a display with :meth:`from_estimator`. All
    parameters are stored as attributes.

    Parameters
    ----------
    weights : ndarray of shape (n_units, n_outputs)
        Hidden-to-output weights (``coefs_[-1]``), rows in display order.
    output_labels : list of str, default=None
        Label of each output neuron (class). Defaults to ``"out0", ...``.
    unit_ids : array-like of int, default=None
        Index of each shown hidden unit in the estimator.
    mean_activations : ndarray of shape (n_groups, n_units), default=None
        Mean hidden activation per class (rows) and unit (columns).
    activation_labels : list of str, default=None
        Label of each row of ``mean_activations``.
    unit_weights : ndarray of shape (n_units, n_features), default=None
        First-layer weights of the shown units, drawn as images.
    image_shape : tuple of int, default=None
        Shape of one image of ``unit_weights``; ``None`` means square. Without
        ``unit_weights`` it shapes nothing, but :meth:`plot` still refuses a
        value that is not a pair of positive ints.
    estimator_name : str, default=None
        Name of the estimator, used as title.
    output_name : str, default="output (class)"
        Label of the output axis: :meth:`from_estimator` gives ``"output
        (class)"`` for a classifier (``"output (label)"`` fitted to a multilabel
        target, ``"logit (class)"`` for an ``ABBAClassifier`` drawn with
        ``pairs="once"``, ``"logit (label)"`` multilabel), ``"output"`` for a
        regressor and ``"reconstructed feature"`` for an autoencoder.
    unit_name : str, default="hidden unit"
        Label of the hidden-unit axis: :meth:`from_estimator` gives ``"hidden
        unit i (pair i & i + N)"`` for an ``ABBAClassifier`` drawn with
        ``pairs="once"`` (``N`` the half-width of its last hidden layer), and
        adds ``", by the class it favours"`` with ``order="class"``.
    unit_groups : list of str, default=None
        Group of each unit, in display order, e.g. the class it favours
        (:meth:`from_estimator` gives it with ``order="class"``). Each run of
        consecutive units of one group is labelled with its group's name beside
        the unit labels (above them, or left of them with ``transpose``), and runs
        are separated by lines across the diagram and the bars. Where not every
        unit has room for its label, the names take the unit labels' place (every
        k-th unit's id names no position once the units are grouped); a name
        that would run into the one before it (runs shorter than their names) is
        left out, its run still marked by the lines. Names too wide for their
        runs side by side are turned upright.

    Attributes
    ----------
    squares_ : list of matplotlib.collections.PolyCollection
        The squares of the diagram, one collection per panel: ``squares_[p]``
        drawn in ``axes_[p]`` (one, in ``ax_``, when not wrapped). A collection
        holds one closed square path per non-zero weight of its panel
        (``get_paths()``), in row-major order of its part of ``weights`` (unit by
        unit, output by output), and their fill colours (``get_facecolors()``,
        one row per square). One collection per panel, not a ``Rectangle`` patch
        per square, whose cost grows with the squares (a network of a thousand
        units: the user guide, :ref:`performance-displays`).
    bars_ : list of matplotlib.collections.PolyCollection
        One collection per row of ``mean_activations`` and panel (empty if
        none): ``n_panels * n_rows``, panel by panel, ``bars_[p * n_rows + r]``
        row ``r`` of panel ``p``, drawn in ``bar_axes_[p]``; ``n_rows`` when
        not wrapped. A collection holds one closed rectangle path per unit of
        its panel, in display order (``get_paths()``; a bar of no length
        included), is filled with its row's colour (``get_facecolors()``) and
        labelled with its row's label (``get_label()``, its legend entry). A
        collection per row, not a ``BarContainer`` of a ``Rectangle`` patch per
        bar, which is slow for many bars (the user guide,
        :ref:`performance-displays`).
    ax_ : matplotlib.axes.Axes
        Axes holding the Hinton diagram (its first panel, when wrapped).
    axes_ : ndarray of matplotlib.axes.Axes of shape (n_panels,)
        The Axes of every panel of the diagram (``ax_`` alone when not wrapped:
        see ``wrap``).
    bar_ax_ : matplotlib.axes.Axes or None
        Axes holding the activation bars (of the first panel, when wrapped).
    bar_axes_ : ndarray of matplotlib.axes.Axes of shape (n_panels,) or None
        The Axes of the bars of every panel, ``bar_axes_[p]`` beside
        ``axes_[p]``; ``None`` without bars.
    images_display_ : HiddenUnitsDisplay or None
        Display of the unit images, drawn in ``images_display_.ax_`` (of the
        first panel, when wrapped): each image (``images_display_.images_``) an
        ``AxesImage`` of that one Axes (``images_display_.axes_`` holds it in
        every cell), drawn with a background and a frame as the inset Axes per
        image that it had before drew them (making those inset Axes was most of
        the build: the user guide, :ref:`performance-displays`).
    images_displays_ : ndarray of HiddenUnitsDisplay of shape (n_panels,) or None
        The displays of the images of every panel, ``images_displays_[p]``
        beside ``axes_[p]``; ``None`` without images.
    figure_ : matplotlib.figure.Figure or matplotlib.figure.SubFigure
        Figure holding the diagram (the subfigure of ``ax``, when ``ax`` is an
        Axes of one).
    separators_ : list of matplotlib.lines.Line2D
        The lines between groups of ``unit_groups`` (in the diagram, then in the
        bars, panel by panel); empty without groups.

    See Also
    --------
    HiddenUnitsDisplay : First-layer weights as images.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import warnings
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.neural_network import MLPClassifier
    >>> from sknonneg.inspection import OutputWeightsDisplay
    >>> X, y = load_digits(return_X_y=True)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     mlp = MLPClassifier((10,), max_iter=20, random_state=0).fit(X / 16, y)
    >>> disp = OutputWeightsDisplay.from_estimator(mlp, X / 16, y, show_images=True)
    >>> len(disp.squares_[0].get_paths()), len(disp.bars_)
    (100, 10)
    """

    def __init__(
        self,
        weights,
        *,
        output_labels=None,
        unit_ids=None,
        mean_activations=None,
        activation_labels=None,
        unit_weights=None,
        image_shape=None,
        estimator_name=None,
        output_name="output (class)",
        unit_name="hidden unit",
        unit_groups=None,
    ):
        self.weights = weights
        self.output_labels = output_labels
        self.unit_ids = unit_ids
        self.mean_activations = mean_activations
        self.activation_labels = activation_labels
        self.unit_weights = unit_weights
        self.image_shape = image_shape
        self.estimator_name = estimator_name
        self.output_name = output_name
        self.unit_name = unit_name
        self.unit_groups = unit_groups

    def plot(
        self,
        ax=None,
        *,
        transpose=False,
        positive_color="white",
        negative_color="black",
        background_color="0.5",
        max_size=0.9,
        bar_colors=None,
        title=True,
        wrap="auto",
    ):
        """Draw the Hinton diagram (and optional images and bars).

        Parameters
        ----------
        ax : None, Axes or pair of Axes, default=None
            ``None``: a new figure sized to the diagram. A single Axes: the
            diagram is drawn in it, and strips for the unit images and the
            activation bars are appended to it (aligned, via
            :func:`mpl_toolkits.axes_grid1.make_axes_locatable`). A pair of
            Axes ``(hinton_ax, bar_ax)``: diagram and bars go there (no images);
            ``bar_ax`` gets the diagram's hidden-unit axis (limits, order and
            labels; shared with it unless ``bar_ax`` already shares that axis
            with another Axes) and is narrowed (shortened, with ``transpose``)
            to the diagram's extent, so that bars placed below it (beside it,
            with ``transpose``) line up with its columns (rows).
        transpose : bool, default=False
            If False, outputs are rows and hidden units columns (as in
            Fig. 2); images and bars go below. If True, hidden units are rows
            and outputs columns (as in Fig. 4); images and bars go to the
            right, and column labels too wide for their cells are turned
            upright.
        positive_color, negative_color : color, default="white", "black"
            Fill colours of positive and negative weights: matplotlib colours
            (``"none"`` for no fill; None, not a colour, is refused).
        background_color : color, default="0.5"
            Background of the diagram (mid-grey).
        max_size : float, default=0.9
            Side of the square of the largest weight, in cell units.
        bar_colors : list of color, default=None
            One colour per activation row; default the ``tab10`` cycle.
        title : bool or str, default=True
            Title; ``True`` uses ``estimator_name``.
        wrap : "auto", int or None, default="auto"
            With ``ax=None``, split the outputs among several diagrams (panels)
            of the same units, side by side (stacked, with ``transpose``), each
            with its own images and bars beside its columns (rows): those of the
            same units, repeated, so that a long strip fits a page. ``"auto"``: only where the outputs do not fit one diagram of 9
            inches with cells of 0.05 inch (more than about 180, e.g. an
            autoencoder's 784 reconstructed pixels of MNIST), into the number of
            panels that gives the largest cells; where the outputs fit but the
            hidden units do not (more than 180, e.g. a classifier of
            ``hidden_layer_sizes=(1000,)``), the units are split instead, among
            panels of every output stacked (side by side, with ``transpose``),
            each with the images and bars of its own units; where neither fits,
            the outputs are split, and the panels are longer than a page. An int
            ``n``: ``n`` outputs per panel at most (the units are not split);
            ``None``: one diagram, however long. The squares, bars and images of
            every panel are at one scale, that of all. With an ``ax`` given the
            diagram is drawn in it, whole (an int is refused).

        Returns
        -------
        display : OutputWeightsDisplay
            The display, its ``ax_`` and ``figure_`` drawn on.
        """
        if not (wrap is None or (isinstance(wrap, str) and wrap == "auto")
                or (isinstance(wrap, Integral) and not isinstance(wrap, bool)
                    and wrap >= 1)):
            raise parameter_error("OutputWeightsDisplay.plot", "wrap",
                                  "a str among {'auto'}, an int in the range "
                                  "[1, inf) or None", wrap)
        if isinstance(wrap, Integral) and ax is not None:
            raise ValueError(f"wrap={wrap!r} splits the outputs among panels of a "
                             "new figure; with an ax given, the diagram is drawn "
                             "in it whole: pass ax=None, or wrap='auto' or None.")
        if (not isinstance(max_size, Real) or isinstance(max_size, bool)
                or not 0 < max_size <= 1):
            raise parameter_error("OutputWeightsDisplay.plot", "max_size",
                                  "a float in the range (0, 1] (the side of the "
                                  "largest square, in cell units)", max_size)
        # Before: any value was taken for its truth, transpose="no" as True.
        transpose = check_bool(transpose, "transpose", "OutputWeightsDisplay.plot")
        check_colors("OutputWeightsDisplay.plot", positive_color=positive_color,
                     negative_color=negative_color, background_color=background_color)
        title = check_title(title, "OutputWeightsDisplay.plot")
        _check_ax(ax)
        plt = import_pyplot()
        # Before: a NaN or an inf drew a blank diagram (every square sized by
        # the NaN largest weight), 3-D weights were "too many values to unpack",
        # no unit a ZeroDivisionError.
        W = drawable_array(self.weights, "weights",
                           "(n_units, n_outputs) (or (n_units,), one output)",
                           one_d="column")
        n_units, n_out = W.shape
        unit_ids = (
            np.arange(n_units) if self.unit_ids is None else np.asarray(self.unit_ids)
        )
        # Before: lists of the wrong length were a bare IndexError while drawing.
        if unit_ids.ndim != 1 or unit_ids.shape[0] != n_units:
            raise ValueError(f"unit_ids must have one entry per unit ({n_units} rows "
                             f"of weights), got shape {unit_ids.shape}.")
        output_labels = check_labels(self.output_labels, "output_labels", "output")
        out_labels = (
            [f"out{j}" for j in range(n_out)]
            if output_labels is None
            else [str(s) for s in output_labels]
        )
        if len(out_labels) != n_out:
            raise ValueError(f"output_labels must have one entry per output ({n_out} "
                             f"columns of weights), got {len(out_labels)}.")
        name = self.estimator_name if title is True else (title or None)
        acts = self.mean_activations
        if acts is not None:
            # Before: NaN bars drawn as nothing (RuntimeWarnings), 3-D ones
            # "only 0-dimensional arrays can be converted to Python scalars".
            acts = drawable_array(acts, "mean_activations", "(n_rows, n_units)")
            if acts.shape[1] != n_units:
                raise ValueError("mean_activations must have one column per unit")
            check_labels(self.activation_labels, "activation_labels",
                         "row of mean_activations")
            if (self.activation_labels is not None
                    and len(self.activation_labels) != len(acts)):
                raise ValueError(
                    f"activation_labels must have one entry per row of "
                    f"mean_activations ({len(acts)}), got "
                    f"{len(self.activation_labels)}.")
            from matplotlib.colors import is_color_like

            if bar_colors is not None and (
                    isinstance(bar_colors, str) or not hasattr(bar_colors, "__len__")
                    or len(bar_colors) < len(acts)
                    or not all(is_color_like(c) for c in list(bar_colors)[:len(acts)])):
                # Before: an IndexError from the list (and from a number, such as
                # bar_colors=3, a TypeError: "object of type 'int' has no len()").
                # A list of colours of mixed kinds, [(1, 0, 0), "C1", "g"], was
                # numpy's "inhomogeneous shape" (np.ndim made it an array), and
                # one that is no colour matplotlib's "Invalid RGBA argument",
                # naming no parameter; all after the figure was made, left open.
                raise parameter_error(
                    "OutputWeightsDisplay.plot", "bar_colors",
                    f"a list of at least one matplotlib color per row of bars "
                    f"({len(acts)}) or None", bar_colors)
        images = self.unit_weights
        if images is not None:
            # (Before: non-finite ones were refused by HiddenUnitsDisplay as
            # "weights must be finite", naming the other parameter.)
            images = drawable_array(images, "unit_weights", "(n_units, n_features)")
            if images.shape[0] != n_units:
                # Before: HiddenUnitsDisplay's "unit_ids must have one entry per
                # unit (4 rows of weights)", blaming unit_ids for unit_weights' rows.
                raise ValueError(
                    f"unit_weights must have one row per unit ({n_units} rows of "
                    f"weights), got shape {images.shape}.")
            img_shape = _resolve_image_shape(images.shape[1], self.image_shape,
                                             "OutputWeightsDisplay")
        elif self.image_shape is not None:
            # No images to shape, but a malformed value is refused as with them
            # (before: passed silently).
            _check_image_shape(self.image_shape, "OutputWeightsDisplay")

        groups = check_labels(self.unit_groups, "unit_groups", "unit")
        runs = None
        if groups is not None:
            if len(groups) != n_units:
                raise ValueError(f"unit_groups must have one entry per unit "
                                 f"({n_units} rows of weights), got {len(groups)}.")
            groups = [str(g) for g in groups]
            starts = [0] + [j for j in range(1, n_units) if groups[j] != groups[j - 1]]
            runs = [(a, b, groups[a]) for a, b in zip(starts, starts[1:] + [n_units])]

        bar_ax = None
        if ax is None:
            n_x, n_y = (n_out, n_units) if transpose else (n_units, n_out)
            extra, n_pads = 0.0, 0
            if acts is not None:
                extra, n_pads = extra + len(acts), n_pads + 1
            if images is not None:
                h, w = img_shape
                extra, n_pads = extra + ((w / h) if transpose else (h / w)), n_pads + 1
            long_x = n_x + (extra if transpose else 0)
            long_y = n_y + (0 if transpose else extra)
            cell = float(np.clip(min(9.0 / long_x, 9.0 / long_y), 0.05, 0.6))
            left, right, top, bottom = 1.0, 0.3, 1.0, 0.25
            if not transpose:
                # Before: a fixed inch, so that long class (feature) names began
                # off the canvas and the axis labels beside them were lost.
                left = _left_margin(
                    out_labels,
                    None if acts is None else (
                        self.activation_labels if self.activation_labels is not None
                        else range(len(acts))),
                    out_lines=1 + _split_output_name(
                        self.output_name, n_y, cell, acts is not None
                        or images is not None),
                    act_lines=2 + (acts is not None and _split_bar_label(
                        len(acts), cell)))
            if transpose:
                # room for output (and bar) labels turned upright when crowded
                top += max(
                    _label_width(labels) - 0.15 if _crowded(labels, cell * step) else 0
                    for labels, step in _top_label_sets(n_out, out_labels, acts,
                                                        self.activation_labels)
                )
            if runs is not None:
                # a row of group labels beyond the unit labels (a column, left of
                # them, with transpose)
                if transpose:
                    left += _text_width([g for _, _, g in runs]) + _label_width(
                        [str(u) for u in unit_ids])
                elif _group_labels(runs, transpose, cell)[0]:
                    # turned upright (see _draw_groups): as high as the longest
                    # (before: one line, so that they ran into the axis label)
                    top += _text_width([g for _, _, g in runs])
                else:
                    top += _line_height()
            if transpose:
                gap = top - 0.3  # the output labels above each panel
            else:
                gap = 0.25 + _text_width(
                    list(out_labels) + ([] if acts is None else [
                        str(s) for s in (self.activation_labels
                                         if self.activation_labels is not None
                                         else range(len(acts)))]))
            kwargs = dict(positive_color=positive_color,
                          negative_color=negative_color,
                          background_color=background_color,
                          max_size=max_size, bar_colors=bar_colors)
            per_panel = _outputs_per_panel(wrap, n_out, n_units, extra, gap)
            if per_panel < n_out:
                return self._plot_panels(
                    per_panel, W, out_labels, unit_ids, acts, images, groups,
                    transpose=transpose, extra=extra, n_pads=n_pads, gap=gap,
                    margins=(left, right, top, bottom), name=name, kwargs=kwargs)
            if wrap == "auto":
                # A long unit axis (hundreds of hidden units): the units split
                # among panels, stacked (side by side, with transpose), each
                # panel's gap room for its unit (and group) labels. Before: one
                # strip, 51 inches long for 1,000 units.
                if transpose:
                    unit_gap = (_text_width([str(u) for u in unit_ids])
                                + (left - 1.0) + 0.3)
                else:
                    unit_gap = (top - 1.0) + _line_height() + 0.3
                per_units = _units_per_panel(n_units, n_out + extra, unit_gap,
                                             0.08 * n_pads)
                if per_units < n_units:
                    return self._plot_panels(
                        per_units, W, out_labels, unit_ids, acts, images, groups,
                        transpose=transpose, extra=extra, n_pads=n_pads,
                        gap=unit_gap, margins=(left, right, top, bottom),
                        name=name, kwargs=kwargs, along="units")
            width = long_x * cell + left + right + (0.08 * n_pads if transpose else 0)
            # Room for the title over a narrow diagram (one output, transposed):
            # about 0.12 inch per character at the default size, centred on the
            # axes, which sit (left - right) / 2 inch right of the figure's centre.
            width = max(width, 0.12 * len(str(name or "")) + left - right + 0.1)
            height = long_y * cell + top + bottom + (0 if transpose else 0.08 * n_pads)
            fig, ax = plt.subplots(figsize=(width, height))
            fig.subplots_adjust(
                left=left / width, right=1 - right / width,
                bottom=bottom / height, top=1 - top / height,
            )
        elif isinstance(ax, (list, tuple, np.ndarray)):
            ax, bar_ax = ax
            fig = ax.figure
            images = None  # no room reserved for images with explicit axes
        else:
            fig = ax.figure

        # --- Hinton diagram -------------------------------------------------
        wmax = self._wmax
        if wmax is None:
            wmax = np.max(np.abs(W)) if W.size else 0.0
        squares = _hinton_squares(W, wmax, max_size, transpose, positive_color,
                                  negative_color)
        ax.add_collection(squares)
        n_x, n_y = (n_out, n_units) if transpose else (n_units, n_out)
        ax.set_xlim(-0.5, n_x - 0.5)
        ax.set_ylim(n_y - 0.5, -0.5)
        ax.set_aspect("equal", adjustable="box")
        ax.set_facecolor(background_color)
        cell = _cell_inches(ax, n_x, n_y)
        # Before: labels were thinned to 40 at most, whatever room they had, so
        # 200 units' labels ran together, as did 10 class labels on rows 0.05 inch
        # high, or an autoencoder's unit labels "10111213". Now every k-th one
        # when their cells are narrower (lower) than the labels are wide (high).
        unit_ticks = _thin(
            _tick_positions(n_units), n_units, cell,
            _line_height() if transpose
            else _text_width([str(u) for u in unit_ids]) + 0.04)
        if runs is not None and len(unit_ticks) < n_units:
            # Not every unit labelled, and the units ordered by group: every k-th
            # unit's id names no position one could count from (before: "100
            # 314 597 ..." under the group labels); the group labels take their
            # place.
            unit_ticks = unit_ticks[:0]
        unit_ticklabels = [str(u) for u in unit_ids[unit_ticks]]
        # As many output labels as unit labels at most (an autoencoder has one
        # output per input feature): every k-th one beyond that.
        out_ticks = _tick_positions(n_out)
        out_ticklabels = [out_labels[c] for c in out_ticks]
        if transpose:
            # Before: labels wider than their cells ran together, e.g. ABBA's
            # "0 (u)1 (u)2 (u)...", and a one-column diagram's "output (class)"
            # ran into the bars' label beside it.
            step = out_ticks[1] - out_ticks[0] if len(out_ticks) > 1 else 1
            rotate = _crowded(out_ticklabels, cell * step)
            if rotate:  # upright labels need their height
                out_ticks = _thin(out_ticks, n_out, cell, _line_height())
                out_ticklabels = [out_labels[c] for c in out_ticks]
            ax.set_xticks(out_ticks, out_ticklabels)
            ax.set_yticks(unit_ticks, unit_ticklabels)
            if rotate:
                ax.tick_params(axis="x", labelrotation=90)
            ax.set_xlabel(
                self.output_name.replace(" ", "\n", 1)
                if _label_width([self.output_name]) * 1.2 > n_x * cell  # not "small"
                else self.output_name
            )
            ax.set_ylabel(self.unit_name)
            ax.xaxis.tick_top()
            ax.xaxis.set_label_position("top")
        else:
            out_ticks = _thin(out_ticks, n_out, cell, _line_height())
            out_ticklabels = [out_labels[c] for c in out_ticks]
            ax.set_xticks(unit_ticks, unit_ticklabels)
            ax.set_yticks(out_ticks, out_ticklabels)
            ax.set_xlabel(self.unit_name)
            # on two lines beside a diagram lower than it is long, over strips
            # (before: it ran into the bars' label below, e.g. 10 classes at
            # 0.05 inch)
            ax.set_ylabel(
                self.output_name.replace(" ", "\n", 1)
                if _split_output_name(self.output_name, n_y, cell,
                                      images is not None or acts is not None)
                else self.output_name)
            ax.xaxis.tick_top()
            ax.xaxis.set_label_position("top")
        ax.tick_params(length=0, labelsize="small")
        for spine in ax.spines.values():
            spine.set_visible(False)
        separators = []
        if runs is not None:
            separators = _draw_groups(ax, runs, transpose, unit_ticklabels, cell)
        if name:
            ax.set_title(name, pad=8)

        # --- appended strips ------------------------------------------------
        divider = None
        if (images is not None or acts is not None) and bar_ax is None:
            from mpl_toolkits.axes_grid1 import make_axes_locatable

            divider = make_axes_locatable(ax)
        where = "right" if transpose else "bottom"
        ref = n_x if transpose else n_y  # extent along the appended direction

        self.images_display_ = None
        if images is not None:
            h, w = img_shape
            depth = (h / w) if not transpose else (w / h)
            strip = divider.append_axes(where, size=f"{100 * depth / ref:.3f}%", pad=0.08)
            images_display = HiddenUnitsDisplay(
                images, image_shape=img_shape, unit_ids=unit_ids
            )
            images_display._fill_container = True
            # a panel's images at the scale of all panels' (see HiddenUnitsDisplay)
            signed_images, limits = ("auto", None) if self._image_scale is None \
                else self._image_scale
            self.images_display_ = images_display.plot(
                ax=strip, n_cols=1 if transpose else n_units, titles=False,
                title=False, signed=signed_images, imshow_kw=limits,
            )

        bars = []
        if acts is not None:
            n_rows = len(acts)
            group = "label" if self.output_name == "output (label)" else "class"
            act_labels = (
                [str(s) for s in self.activation_labels]
                if self.activation_labels is not None
                else [str(i) for i in range(n_rows)]
            )
            pair = bar_ax is not None
            if not pair:
                share = {"sharey": ax} if transpose else {"sharex": ax}
                bar_ax = divider.append_axes(
                    where, size=f"{100 * n_rows / ref:.3f}%", pad=0.08, **share
                )
            colors = bar_colors
            if colors is None:
                cycle = plt.get_cmap("tab10").colors
                colors = [cycle[i % len(cycle)] for i in range(n_rows)]
            # bars are scaled so that an activation of 1 (saturated sigmoid)
            # fills the row; unbounded activations are scaled to the maximum.
            # Negative activations (tanh, ABBA's default) get a baseline in the
            # middle of the row, bars up and down from it: before, they hung from
            # the row's bottom into the next class's row.
            if self._bar_scale is not None:  # a panel's: that of all panels
                signed, top = self._bar_scale
            else:
                signed, top = _bar_scale(acts)
            half = 0.42 if signed else 0.0
            pos = np.arange(n_units)
            for r in range(n_rows):
                base = (r if transpose else (n_rows - 1 - r)) - 0.42 + half
                length = (0.42 if signed else 0.84) * acts[r] / top
                bc = _bar_row(pos, length, base, transpose, colors[r], act_labels[r])
                bar_ax.add_collection(bc)
                if transpose:
                    bar_ax.axvline(base, color="0.7", lw=0.5, zorder=0)
                else:
                    bar_ax.axhline(base, color="0.7", lw=0.5, zorder=0)
                bars.append(bc)
            if transpose:
                bar_ax.set_xlim(-0.5, n_rows - 0.5)
                rows = np.arange(n_rows)
                rotate = _crowded(act_labels, cell)
                if rotate:
                    rows = _thin(rows, n_rows, cell, _line_height())
                bar_ax.set_xticks(rows, [act_labels[r] for r in rows])
                bar_ax.xaxis.tick_top()
                bar_ax.tick_params(axis="y", left=False, labelleft=False)
                if rotate:
                    bar_ax.tick_params(axis="x", labelrotation=90)
                # on two lines, as beside the diagram when not transposed
                # on three lines over bars narrower than two are long
                bar_ax.set_xlabel(
                    f"mean\nactivation\nper {group}"
                    if _split_bar_label(n_rows, cell)
                    else f"mean activation\nper {group}", fontsize="small")
                bar_ax.xaxis.set_label_position("top")
            else:
                bar_ax.set_ylim(-0.5, n_rows - 0.5)
                rows = _thin(np.arange(n_rows), n_rows, cell, _line_height())
                bar_ax.set_yticks(n_rows - 1 - rows, [act_labels[r] for r in rows])
                bar_ax.tick_params(axis="x", bottom=False, labelbottom=False)
                # on three lines beside bars lower than two are long
                bar_ax.set_ylabel(
                    f"mean\nactivation\nper {group}"
                    if _split_bar_label(n_rows, cell)
                    else f"mean activation\nper {group}", fontsize="small")
            if pair:
                # Before: a given bar Axes kept its own unit axis (not inverted
                # with transpose, so unit 0's bars were at the bottom; padded
                # limits; no unit labels) and its own extent, so the bars did not
                # line up with the diagram's columns (rows).
                _align_bar_axes(bar_ax, ax, transpose, n_units, unit_ticks,
                                unit_ticklabels, self.unit_name)
            bar_ax.tick_params(length=0, labelsize="small")
            for spine in bar_ax.spines.values():
                spine.set_visible(False)
            if runs is not None:
                # a bar Axes sharing the diagram's unit axis shares its group
                # ticks too: not labelled there
                bar_ax.tick_params(which="minor", length=0, labelleft=False,
                                   labelbottom=False, labeltop=False,
                                   labelright=False)
                separators += _separate(bar_ax, runs, transpose)

        self._set_fitted(ax=ax, fig=fig, squares=[squares], bars=bars,
                         separators=separators, axes=[ax], bar_axes=[bar_ax],
                         images_displays=[self.images_display_])
        return self

    # The largest weight magnitude that squares are scaled by (None: that of
    # ``weights``); a panel of a wrapped figure is given that of all panels, as
    # the scale of its bars, (signed, top), and of its images, (signed, limits).
    _wmax = None
    _bar_scale = None
    _image_scale = None

    def _plot_panels(self, per_panel, W, out_labels, unit_ids, acts, images, groups,
                     *, transpose, extra, n_pads, gap, margins, name, kwargs,
                     along="outputs"):
        """Draw the outputs (``along="units"``: the units) ``per_panel`` at a time
        in panels of a new figure, each a display of its own drawn in its Axes
        (see ``wrap``)."""
        plt = import_pyplot()
        n_units, n_out = W.shape
        n = n_out if along == "outputs" else n_units
        n_panels = -(-n // per_panel)
        counts = [min(per_panel, n - p * per_panel) for p in range(n_panels)]
        strips = 0.08 * n_pads
        if along == "outputs":
            cell = _panel_cell(per_panel, n_panels, n_units, extra, gap)
            # each panel's length (outputs and strips) and breadth (units)
            lengths = [(m + extra) * cell + strips for m in counts]
            across = n_units * cell
        else:
            cell = float(np.clip(min(
                _PAGE / per_panel,
                (_PAGE - (n_panels - 1) * gap - n_panels * strips)
                / (n_panels * (n_out + extra))), _MIN_CELL, 0.6))
            lengths = [m * cell for m in counts]  # units
            across = (n_out + extra) * cell + strips
        # every panel's squares, bars and images at the scale of all panels'
        wmax = float(np.max(np.abs(W))) if W.size else 0.0
        bar_scale = None if acts is None else _bar_scale(acts)
        image_scale = None if images is None else _image_scale(images)
        left, right, top, bottom = margins
        # outputs transposed, units not: panels stacked, each along x
        stacked = transpose == (along == "outputs")
        if stacked:
            width = left + lengths[0] + right
            height = top + bottom + n_panels * across + (n_panels - 1) * gap
        else:  # side by side, each along y
            width = left + n_panels * across + (n_panels - 1) * gap + right
            height = top + bottom + lengths[0]
        width = max(width, 0.12 * len(str(name or "")) + left - right + 0.1)
        fig = plt.figure(figsize=(width, height))
        panels = []
        for p, m in enumerate(counts):
            if stacked:
                box = (left, height - top - p * (across + gap) - across, lengths[p],
                       across)
            else:
                box = (left + p * (across + gap), bottom + lengths[0] - lengths[p],
                       across, lengths[p])
            ax = fig.add_axes((box[0] / width, box[1] / height, box[2] / width,
                               box[3] / height))
            part = slice(p * per_panel, p * per_panel + m)
            if along == "outputs":
                panel = OutputWeightsDisplay(
                    W[:, part], output_labels=out_labels[part], unit_ids=unit_ids,
                    mean_activations=acts, unit_weights=images, unit_groups=groups)
            else:
                panel = OutputWeightsDisplay(
                    W[part], output_labels=out_labels, unit_ids=unit_ids[part],
                    mean_activations=None if acts is None else acts[:, part],
                    unit_weights=None if images is None else images[part],
                    unit_groups=None if groups is None else groups[part])
            panel.activation_labels = self.activation_labels
            panel.image_shape = self.image_shape
            # the axis labels once, on the first panel (the same for all)
            panel.output_name = self.output_name if p == 0 else ""
            panel.unit_name = self.unit_name if p == 0 else ""
            panel._wmax, panel._bar_scale, panel._image_scale = (
                wmax, bar_scale, image_scale)
            panels.append(panel.plot(ax=ax, transpose=transpose, title=False,
                                     wrap=None, **kwargs))
            if p and panel.bar_ax_ is not None:
                # the bars' label once too: beside each panel's bars it stood in
                # the gap, over the bars of the panel before (side by side)
                panel.bar_ax_.set_xlabel("")
                panel.bar_ax_.set_ylabel("")
        if name:
            fig.suptitle(name)
        first = panels[0]
        # Before: bars_ held the first panel's bars only.
        self._set_fitted(
            ax=first.ax_, fig=fig,
            squares=[sq for d in panels for sq in d.squares_],
            bars=[bc for d in panels for bc in d.bars_],
            separators=[line for d in panels for line in d.separators_],
            axes=[d.ax_ for d in panels],
            bar_axes=[d.bar_ax_ for d in panels],
            images_displays=[d.images_display_ for d in panels])
        return self

    def _set_fitted(self, *, ax, fig, squares, bars, separators, axes, bar_axes,
                    images_displays):
        """Store the artists of the figure's panels (one, unless wrapped)."""
        self.squares_ = squares
        self.bars_ = bars
        self.separators_ = separators
        self.ax_ = ax
        self.axes_ = np.array(axes, dtype=object)
        self.bar_ax_ = bar_axes[0]
        self.bar_axes_ = (None if bar_axes[0] is None
                          else np.array(bar_axes, dtype=object))
        self.images_display_ = images_displays[0]
        self.images_displays_ = (None if images_displays[0] is None
                                 else np.array(images_displays, dtype=object))
        self.figure_ = fig

    @classmethod
    def from_estimator(
        cls,
        estimator,
        X=None,
        y=None,
        *,
        units=None,
        order=None,
        pairs="both",
        show_images=False,
        image_shape=None,
        ax=None,
        transpose=False,
        positive_color="white",
        negative_color="black",
        background_color="0.5",
        max_size=0.9,
        bar_colors=None,
        title=True,
        wrap="auto",
    ):
        """Hinton diagram of a fitted network's output weights.

        Parameters
        ----------
        estimator : fitted network
            NonNegMLPClassifier, ABBAClassifier, MLPClassifier,
            NonNegMLPRegressor, MLPRegressor, NonNegAutoencoder (its decoder:
            one output per reconstructed input feature, named after the
            features) or a Pipeline ending in one. The diagram shows
            ``coefs_[-1]`` (last hidden layer to outputs).
        X : array-like of shape (n_samples, n_features), default=None
            If given, the mean activation of every (last-layer) hidden unit
            over the samples of each class is drawn as bars (classifiers
            only). Activations are ``estimator.transform(X)`` when the network
            has ``transform``, otherwise computed from ``coefs_``/``intercepts_``
            (MLPClassifier), after checking ``X`` as the estimator's ``predict``
            does (the same errors for NaN, the number of features, feature names).
        y : array-like of shape (n_samples,) or (n_samples, n_labels), default=None
            Class of each sample of ``X`` (a label indicator matrix for a
            multilabel network); if ``None`` the predicted classes are used. A
            column vector of classes, of shape (n_samples, 1), for a network that
            is not multilabel is raveled with a ``DataConversionWarning``, as
            scikit-learn's estimators do.
        units : None, int or array-like of int, default=None
            Hidden units to show (see :meth:`HiddenUnitsDisplay.from_estimator`).
        order : {None, "output_weight", "class"}, default=None
            Order of the hidden units (see
            :meth:`HiddenUnitsDisplay.from_estimator`; ``"class"`` for
            classifiers only). The same ``units`` and ``order`` give the same
            units in the same order in both displays.
        pairs : {"both", "once"}, default="both"
            For an ``ABBAClassifier``. ``"both"`` draws ``coefs_[-1]`` as
            stored: ``[[A, B], [B, A]]``, every weight non-negative (all squares
            of one colour), rows the ``2 n_classes`` halves ``u`` and ``v`` of the
            logits ``(u - v) / 2``, columns the ``2 N`` units of the last hidden
            layer. ``"once"`` draws each pair once on both sides: one row per
            logit (class), and one column per pair of hidden units ``{i, N + i}``,
            drawn by its unit ``i``, whose squares are that unit's signed weights on
            the logits, ``(A - B)[i, c] / 2`` (the weights through ``u_c`` and
            ``v_c`` together: positive raise the class's logit, negative lower
            it); unit ``N + i``'s are exactly their negatives. The images are
            unit ``i``'s (as :meth:`HiddenUnitsDisplay.from_estimator`'s
            ``pairs="once"``), the bars unit ``i``'s mean activation (its
            partner's differ by its bias); ``units`` selects and ``order`` orders
            pairs as there. A ``ValueError`` for any other estimator.
        show_images : bool, default=False
            Draw each hidden unit's first-layer weights as an image next to
            its column (one-hidden-layer networks only).
        image_shape : tuple of int, default=None
            Shape of these images; ``None`` means square. Checked with or
            without ``show_images`` (``height * width`` must be the number of
            the network's input features), though only drawn with it.
        ax : None, Axes or pair of Axes, default=None
            ``None``: a new figure sized to the diagram. A single Axes: the
            diagram is drawn in it, and strips for the unit images and the
            activation bars are appended to it (aligned, via
            :func:`mpl_toolkits.axes_grid1.make_axes_locatable`). A pair of
            Axes ``(hinton_ax, bar_ax)``: diagram and bars go there (no images:
            ``show_images=True`` with a pair is an error);
            ``bar_ax`` gets the diagram's hidden-unit axis (limits, order and
            labels; shared with it unless ``bar_ax`` already shares that axis
            with another Axes) and is narrowed (shortened, with ``transpose``)
            to the diagram's extent, so that bars placed below it (beside it,
            with ``transpose``) line up with its columns (rows).
        transpose : bool, default=False
            If False, outputs are rows and hidden units columns (as in
            Fig. 2); images and bars go below. If True, hidden units are rows
            and outputs columns (as in Fig. 4); images and bars go to the
            right, and column labels too wide for their cells are turned
            upright.
        positive_color, negative_color : color, default="white", "black"
            Fill colours of positive and negative weights: matplotlib colours
            (``"none"`` for no fill; None, not a colour, is refused).
        background_color : color, default="0.5"
            Background of the diagram (mid-grey).
        max_size : float, default=0.9
            Side of the square of the largest weight, in cell units.
        bar_colors : list of color, default=None
            One colour per activation row; default the ``tab10`` cycle.
        title : bool or str, default=True
            Title; ``True`` uses ``estimator_name``.
        wrap : "auto", int or None, default="auto"
            With ``ax=None``, split the outputs among several panels so that a
            long strip fits a page (see :meth:`plot`): ``"auto"`` only where
            more than about 180 outputs do not fit one diagram, e.g. an
            autoencoder's 784 reconstructed pixels of MNIST, or, where they fit,
            the hidden units, when more than about 180 do not.

        Returns
        -------
        display : OutputWeightsDisplay
            The display, its ``ax_`` and ``figure_`` drawn on.
        """
        # Named after this method (before: transpose's error named
        # OutputWeightsDisplay.plot, which it calls).
        check_flags("OutputWeightsDisplay.from_estimator", transpose=transpose,
                    show_images=show_images)
        check_colors("OutputWeightsDisplay.from_estimator",
                     positive_color=positive_color, negative_color=negative_color,
                     background_color=background_color)
        check_pairs(pairs, "OutputWeightsDisplay.from_estimator")
        final = final_estimator(estimator)
        if not is_network(final):
            raise TypeError(
                f"{type(final).__name__} has no output layer; "
                "OutputWeightsDisplay needs a network with `coefs_`."
            )
        coefs = fitted_attribute(final, "coefs_")
        W = np.asarray(coefs[-1], dtype=float)
        n_units = W.shape[0]
        layer = len(coefs) - 1
        out_labels = output_classes(final, W.shape[1], estimator)
        if pairs == "once":
            idx, unit_groups = order_pairs(estimator, n_units, units=units,
                                           order=order, layer=layer,
                                           caller="OutputWeightsDisplay.from_estimator")
            # The weights of the units on the logits (u - v) / 2, one column per
            # class; the labels of the u halves without their " (u)".
            W = logit_weights(final, W)
            out_labels = [label[:-len(" (u)")] for label in out_labels[:W.shape[1]]]
        else:
            idx, unit_groups = order_units(estimator, n_units, units=units,
                                           order=order, layer=layer,
                                           caller="OutputWeightsDisplay.from_estimator")
        if pairs == "once":
            # Before: "logit (class)" for a multilabel target too, whose rows are
            # labels (as "output (label)" of pairs="both")
            output_name = ("logit (label)" if is_multilabel(final)
                           else "logit (class)")
        elif is_classifier(final):
            output_name = "output (label)" if is_multilabel(final) else "output (class)"
        elif is_regressor(final):
            output_name = "output"
        else:
            # An autoencoder's decoder reconstructs the input features (which
            # output_classes names them after).
            output_name = "reconstructed feature"

        unit_weights = None
        # Before: any truthy value ("no") drew the images.
        if show_images:  # checked above
            if len(coefs) != 2:
                raise ValueError("show_images=True needs a network with one hidden layer")
            if isinstance(ax, (list, tuple, np.ndarray)):
                # Before: the images were dropped silently (a pair of Axes leaves
                # no room for their strip).
                raise ValueError(
                    "show_images=True draws the unit images in a strip appended to "
                    "a single Axes; a pair of Axes (hinton_ax, bar_ax) leaves no room "
                    "for it: pass one Axes (or None), or show_images=False.")
            if hasattr(final, "inverse_transform") and not (
                    is_classifier(final) or is_regressor(final)):
                # An autoencoder: its components_ are the decoder's rows, the
                # weights the diagram itself draws (before: drawn twice); a
                # unit's first-layer weights are the encoder's.
                comps = np.asarray(coefs[0], dtype=float).T
            else:
                comps = get_components(estimator)
            _resolve_image_shape(comps.shape[1], image_shape,
                                 "OutputWeightsDisplay.from_estimator")
            unit_weights = comps[idx]
        elif image_shape is not None:
            # Checked as with show_images=True (the images are the first layer's
            # weights, of coefs_[0].shape[0] features), though none is drawn:
            # before, a wrong image_shape passed silently here and raised there.
            _resolve_image_shape(np.shape(coefs[0])[0], image_shape,
                                 "OutputWeightsDisplay.from_estimator")

        mean_acts, act_labels = None, None
        if X is not None and not is_classifier(final):
            # Before: a regressor's predictions (or continuous y) made one group
            # per distinct value, a strip of bars per sample.
            raise ValueError(
                f"X (and y) draw each hidden unit's mean activation per class, for "
                f"classifiers; {type(final).__name__} has no classes. Leave X out, "
                "or plot hidden activations against the target yourself "
                "(estimator.transform(X)).")
        if X is None and y is not None:
            raise ValueError("y gives the classes of the rows of X, for the bars of "
                             "mean activations: pass X too (or leave y out).")
        if X is not None:
            H = hidden_activations(estimator, X)
            if y is None:
                with warnings.catch_warnings():
                    # hidden_activations has just warned about X's feature names,
                    # if at all: predict's check would say it a second time.
                    warnings.filterwarnings(
                        "ignore", message="X (has|does not have valid) feature names",
                        category=UserWarning)
                    labels = estimator.predict(X)
            else:
                # A missing label: "Input y contains NaN.", as the estimators' fit
                # says (before: a bare TypeError from sorting the labels).
                check_missing_targets(y, "y")
                labels = y
            if sp.issparse(labels):
                # A sparse indicator matrix: y as scikit-learn takes it, or the
                # prediction of a model fitted on one (before: "len() of unsized
                # object", np.asarray of a sparse matrix being a 0-d object).
                labels = labels.toarray()
            labels = np.asarray(labels)
            if y is not None and (labels.dtype == object or (
                    labels.dtype.kind in "fc" and np.isnan(labels).any())):
                # pd.NA of a nullable column (boolean, Int64, Float64) is an
                # object here, NaN a float: "Input y contains NaN.", as the
                # estimators' fit says (before: "boolean value of NA is
                # ambiguous" from np.unique, or "y has labels [nan] that are not
                # among the estimator's classes_").
                if labels.dtype.kind in "fc":
                    raise ValueError("Input y contains NaN.")
                check_missing_targets(labels, "y")
            # scikit-learn's words, with the counts.
            check_consistent_length(H, labels)
            classes = getattr(final, "classes_", None)
            if labels.ndim == 2 and labels.shape[1] == 1 and not is_multilabel(final):
                # Before: read as a one-label indicator matrix, silently: one row
                # of bars, named after the first class, averaged over the samples
                # whose class is not 0. scikit-learn's words (column_or_1d).
                warnings.warn(
                    "A column-vector y was passed when a 1d array was expected. "
                    "Please change the shape of y to (n_samples, ), for example "
                    "using ravel().", DataConversionWarning,
                    stacklevel=user_stacklevel())
                labels = labels.ravel()
            if labels.ndim == 2 and not is_multilabel(final):
                # Before: read as a label indicator matrix, silently (bars named
                # after the column numbers). scikit-learn's words (column_or_1d).
                raise ValueError(f"y should be a 1d array, got an array of shape "
                                 f"{labels.shape} instead.")
            if labels.ndim == 2:
                # Multilabel indicator: one group per label, the samples that have it.
                names = (list(classes) if classes is not None
                         and len(classes) == labels.shape[1]
                         else list(range(labels.shape[1])))
                masks = [(labels[:, j] != 0, name) for j, name in enumerate(names)]
            elif labels.ndim == 1:
                present = set(np.unique(labels).tolist())
                if classes is not None and present <= set(np.asarray(classes).tolist()):
                    groups = [c for c in classes if c in present]
                elif classes is not None:
                    # Before: bars titled after labels the model never saw.
                    unknown = sorted(present - set(np.asarray(classes).tolist()),
                                     key=str)
                    raise ValueError(
                        f"y has labels {np.asarray(unknown[:5])} that are not "
                        f"among the estimator's classes_ "
                        f"{np.asarray(classes)[:10]}.")
                else:
                    groups = list(np.unique(labels))
                masks = [(labels == g, g) for g in groups]
            else:
                raise ValueError(f"y must be 1-D labels or a 2-D label indicator "
                                 f"matrix, got shape {labels.shape}.")
            masks = [(mask, name) for mask, name in masks if mask.any()]
            if not masks:
                raise ValueError("y assigns no sample to any class or label.")
            mean_acts = np.vstack([H[mask].mean(axis=0) for mask, _ in masks])[:, idx]
            act_labels = [str(name) for _, name in masks]

        disp = cls(
            W[idx],
            output_labels=out_labels,
            unit_ids=idx,
            mean_activations=mean_acts,
            activation_labels=act_labels,
            unit_weights=unit_weights,
            image_shape=image_shape,
            estimator_name=_estimator_name(estimator),
            output_name=output_name,
            unit_name=((f"hidden unit i (pair i & i + {n_units // 2})"
                        if pairs == "once" else "hidden unit")
                       + (", by the class it favours" if unit_groups is not None
                          else "")),
            unit_groups=unit_groups,
        )
        return disp.plot(
            ax=ax, transpose=transpose, positive_color=positive_color,
            negative_color=negative_color, background_color=background_color,
            max_size=max_size, bar_colors=bar_colors, title=title, wrap=wrap,
        )
