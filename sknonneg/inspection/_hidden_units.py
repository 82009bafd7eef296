"""Display first-layer weight vectors as a grid of images."""

import functools
import math
from collections.abc import Mapping
from numbers import Integral

import numpy as np

from .._validation import (check_auto_or_bool, check_bool, check_flags,
                           parameter_error, user_stacklevel)
from ._utils import estimator_name as _estimator_name
from ._utils import (
    check_labels,
    check_pairs,
    check_title,
    drawable_array,
    get_components,
    import_pyplot,
    order_pairs,
    order_units,
)


def _check_image_shape(image_shape, caller="HiddenUnitsDisplay"):
    """``image_shape`` as a tuple of two positive ints; scikit-learn's
    ``InvalidParameterError`` (a ``ValueError``), naming ``caller``, for any
    other value (None included: the caller resolves it)."""
    # Before: 64 was "'int' object is not iterable" and (-8, -8) (product 64)
    # failed in numpy's reshape.
    if (not isinstance(image_shape, (tuple, list, np.ndarray)) or len(image_shape) != 2
            or not all(isinstance(s, (Integral, np.integer))
                       and not isinstance(s, (bool, np.bool_)) and s > 0
                       for s in image_shape)):
        raise parameter_error(caller, "image_shape",
                              "a pair of ints in the range [1, inf) (height, width) "
                              "or None", image_shape)
    return tuple(int(s) for s in image_shape)


def _resolve_image_shape(n_features, image_shape, caller="HiddenUnitsDisplay"):
    if image_shape is None:
        side = math.isqrt(n_features)
        if side * side != n_features:
            raise ValueError(
                f"cannot infer image_shape: n_features={n_features} is not a "
                "perfect square; pass image_shape=(height, width). Where the "
                "features are not the pixels of an image, "
                "sknonneg.inspection.top_features lists each hidden unit's "
                "strongest features by name."
            )
        return (side, side)
    shape = _check_image_shape(image_shape, caller)
    if shape[0] * shape[1] != n_features:
        raise ValueError(
            f"image_shape={tuple(image_shape)} does not match n_features="
            f"{n_features} (need height * width == n_features)"
        )
    return shape


# the colour bar's height, a share of the grid's
_SHRINK = 0.8
# the largest side of plot's own figure, in inches (four times matplotlib's
# default figure width, whatever the rcParams: fixed, as figaspect's bounds)
_MAX_INCHES = 25.6
# the height (width) of a row (column) of images where the titles and pads of the
# rows (columns) alone need more than _MAX_INCHES
_LEAST_ROW = 0.1
# images whose height / width is within [1 / _ASPECT_LIMIT, _ASPECT_LIMIT] are laid
# out as square ones (the grid's columns, the cell); beyond, by their aspect
_ASPECT_LIMIT = 4.0
# the most columns the default gives tall images beyond the aspect limit: the
# numeric titles and pads of 64 columns take 17 inches (3 digits) to 21 (4), within
# _MAX_INCHES (before: 400 images of 64 x 1 got 114 columns, whose titles alone
# needed a figure 30.3 inches wide)
_MAX_TALL_COLS = 64


def _aspect_excess(aspect):
    """How far an image's ``aspect`` (height / width) lies beyond ``[1 /
    _ASPECT_LIMIT, _ASPECT_LIMIT]``: 1.0 within, ``aspect * _ASPECT_LIMIT`` (< 1)
    for flatter images, ``aspect / _ASPECT_LIMIT`` (> 1) for taller ones."""
    return aspect / min(max(aspect, 1.0 / _ASPECT_LIMIT), _ASPECT_LIMIT)


def _default_n_cols(n, excess=1.0):
    """``ceil(sqrt(2 * n * excess))`` columns, 1 to ``n``: a grid about twice as
    wide as high, of square images (``excess`` 1.0) or, beyond the aspect limit,
    of images ``excess`` times as high for their width as the limit's (fewer
    columns of flat images, more of tall ones, but not past ``_MAX_TALL_COLS`` or
    the square images' count where that is more)."""
    n_cols = math.ceil(math.sqrt(2 * n * excess))
    if excess > 1.0:
        n_cols = min(n_cols, max(math.ceil(math.sqrt(2 * n)), _MAX_TALL_COLS))
    return max(1, min(n, n_cols))


def _is_axes(obj):
    return hasattr(obj, "imshow") and hasattr(obj, "inset_axes")


def _is_figure_like(obj):
    # Figure or SubFigure: can create subplots but is not an Axes
    return hasattr(obj, "subplots") and hasattr(obj, "add_subplot") and not _is_axes(obj)



def _colour_limits(W, signed="auto", normalize="global"):
    """``(signed_, vmin, vmax)``, the images' colour scale (``vmin``, ``vmax`` of
    shape (n_units,)): signed (grey-centred, ``-m`` to ``m``, ``m`` the largest
    magnitude) where ``signed`` is True or, for ``"auto"``, ``W`` has a negative
    entry, else ``0`` to the largest value; ``m`` of all units (``"global"``) or
    per unit; 1 where ``m`` is not positive (all-zero units: never
    ``vmin == vmax``). Also the scale that ``OutputWeightsDisplay`` gives every
    panel of a wrapped figure."""
    signed_ = bool(np.any(W < 0)) if signed == "auto" else bool(signed)
    n_units = W.shape[0]
    if not W.size:
        m = np.zeros(n_units)
    elif normalize == "global":
        m = np.full(n_units, np.max(np.abs(W)) if signed_ else np.max(W))
    else:
        m = np.max(np.abs(W), axis=1) if signed_ else np.max(W, axis=1)
    m = np.where(m > 0, m, 1.0)
    return signed_, (-m if signed_ else np.zeros(n_units)), m


def _least_height(fig, layout, axes, cell, rooms, image_h=None):
    """The least height in inches of ``plot``'s own figure at which its images
    are half a cell (``cell``, inches) wide where the width allows (or, given,
    ``image_h`` inches high, all rows together): the rows of images, their
    titles (measured: ``rooms()``, the layout's ``_title_rooms``), the pads and
    spaces between them (``hspace`` as :class:`ImageGridLayout` spreads it) and
    the suptitle.

    A bound from the font sizes is tried first (no measurement: 0.0 where the
    figure is higher than that)."""
    n_rows = axes.shape[0]
    hp = layout.get()["h_pad"]
    hspace = layout.get()["hspace"]
    if image_h is None:
        image_h = n_rows * 0.5 * cell * layout._aspect
    titles = [a.title for a in axes.ravel() if a.title.get_text()]
    sup = layout.suptitle
    lines = max([t.get_text().count("\n") + 1 for t in titles], default=0)
    bound = image_h + n_rows * 2 * hp + (n_rows - 1) * 2 * hp + 2 * hp
    if titles:
        size = titles[0].get_fontsize()
        bound += n_rows * (2 + 1.5 * size * lines) / 72
    if sup is not None:
        bound += (1.5 * sup.get_fontsize() * (sup.get_text().count("\n") + 1)) / 72 + 2 * hp
    if fig.get_size_inches()[1] * (1 - hspace) >= bound:
        return 0.0
    # measured as the layout measures them
    title_h, _, _, sup_room = rooms()
    rows = image_h + title_h.sum() + 2 * hp + sup_room
    # the gaps: two pads, or hspace / n_rows of the figure's height
    height = rows + (n_rows - 1) * 2 * hp
    if hspace * height / n_rows > 2 * hp:
        share = hspace * (n_rows - 1) / n_rows
        height = rows / (1 - share) if share < 0.5 else 2 * rows
    return height


def _colorbar_height(fig, layout, rooms):
    """The least height in inches of ``plot``'s own figure in which
    :class:`ImageGridLayout` draws the colour bar ``CB_LEAST_LENGTH`` long: the
    bar, the suptitle's room (``rooms()``, the layout's ``_title_rooms``) and
    two pads above and below it (for the labels at its ends). Measured only
    where a bound from the font size says the figure could be lower (0.0
    otherwise)."""
    from ._grid_layout import CB_LEAST_LENGTH

    hp = layout.get()["h_pad"]
    sup = layout.suptitle
    bound = CB_LEAST_LENGTH + 4 * hp
    if sup is not None:
        lines = sup.get_text().count("\n") + 1
        bound += 1.5 * sup.get_fontsize() * lines / 72 + 2 * hp
    if fig.get_size_inches()[1] >= bound:
        return 0.0
    return CB_LEAST_LENGTH + 4 * hp + rooms()[3]


def _title_extent(ax, labels, size, column):
    """The height in pixels of the tallest of the titles ``labels`` (of font
    ``size`` points) beyond one line's, and the width of the widest (0.0 where
    a bound from the font size shows they are less than ``column`` wide, 2
    points apart; not measured then)."""
    dpi = ax.figure.dpi
    size_px = size * dpi / 72
    tall = ([s for s in labels if "\n" in s or "$" in s]
            if column == np.inf else [])
    wide = (labels if max(map(len, labels), default=0) * size_px
            > column - 2 * dpi / 72 else [])
    if not tall and not wide:
        return 0.0, 0.0
    import matplotlib as mpl
    from matplotlib.text import Text

    from ._grid_layout import _renderer

    root = getattr(ax.figure, "figure", None) or ax.figure
    renderer = _renderer(root)

    def extent(s):
        t = Text(0, 0, s, fontsize=size,
                 fontweight=mpl.rcParams["axes.titleweight"])
        t.set_figure(root)
        return t.get_window_extent(renderer)

    one = extent("0").height
    extra = max([extent(s).height - one for s in tall], default=0.0)
    width = max([extent(s).width for s in wide], default=0.0)
    return max(0.0, extra), width


class HiddenUnitsDisplay:
    """Weights of first-layer units shown as a grid of images.

    Each unit's incoming weight vector (a row of ``components_``, i.e. a
    column of ``coefs_[0]``) is reshaped to ``image_shape`` and drawn with
    :meth:`~matplotlib.axes.Axes.imshow`, as in Figs. 2-3 of Chorowski &
    Zurada (2015). For an ``ABBAClassifier``, whose ``coefs_[0]`` acts on the
    doubled input ``[x, -x]``, ``components_`` is the signed map ``A_1 - B_1``
    on ``x`` and its negative: unit ``N_1 + i`` (``N_1`` the hidden size) is
    drawn as the negative of unit ``i``, and :meth:`from_estimator`'s
    ``pairs="once"`` draws each such pair once. For a ``NonNegAutoencoder``, whose
    ``components_`` are its decoder's rows (as NMF's), each image is the pattern
    a code unit adds to the reconstruction (the parts; with
    ``decoder="sigmoid"``, the default, added before the decoder's sigmoid), not
    its encoder weights.

    The colour scale is sign-aware:

    - if every shown weight is ``>= 0`` (non-negative network, NMF) the
      ``"gray"`` map is used with ``vmin=0`` (0 is black) and ``vmax`` the
      largest weight;
    - otherwise the display is grey-centred: the ``"gray"`` map with
      symmetric limits ``vmin=-m``, ``vmax=m`` (``m`` the largest magnitude),
      so that 0 is mid-grey, positive weights are lighter and negative ones
      darker.

    It is recommended to create a display with :meth:`from_estimator`. All
    parameters are stored as attributes.

    Parameters
    ----------
    weights : ndarray of shape (n_units, n_features)
        Weight vectors, one per image, in display order.
    image_shape : tuple of int (height, width), default=None
        Shape of one image. ``None`` means square, which requires
        ``n_features`` to be a perfect square.
    unit_ids : array-like of int, default=None
        Index of each shown unit in the estimator (used in titles).
        Defaults to ``range(n_units)``.
    unit_labels : list of str, default=None
        Title of each image; defaults to the unit ids.
    estimator_name : str, default=None
        Name of the estimator, used as the title of the container axes or
        figure.

    Attributes
    ----------
    images_ : ndarray of matplotlib.image.AxesImage, shape (n_units,)
        One image per unit.
    axes_ : ndarray of matplotlib.axes.Axes, shape (n_rows, n_cols)
        Grid of axes; cells without an image are switched off. In the image
        strip of :class:`OutputWeightsDisplay` (``show_images=True``) every
        cell holds the strip's one Axes (``ax_``), in which each image is drawn
        as an inset Axes in its cell would draw it, with its background and
        frame (cheaper to build than an inset Axes per image: see the user
        guide, :ref:`performance-displays`).
    ax_ : matplotlib.axes.Axes or None
        The container axes when :meth:`plot` was given a single Axes (the
        grid is then drawn as inset axes inside it; in the image strip of
        :class:`OutputWeightsDisplay`, as tiles of it), else ``None``.
    figure_ : matplotlib.figure.Figure or matplotlib.figure.SubFigure
        Figure (or subfigure) holding the grid. A figure that :meth:`plot` made
        (``ax=None``) is laid out at every draw by a layout engine of its own
        (``figure_.get_layout_engine()``, with the pads in inches of
        ``rcParams["figure.constrained_layout.w_pad"]`` and ``["...h_pad"]``
        when :meth:`plot` is called, as the compressed layout takes them, and
        whose ``set(w_pad=..., h_pad=...)`` sets them, ``set(pad=...)`` both;
        the space between the images from ``["...wspace"]`` and ``["...hspace"]``,
        or ``set(wspace=..., hspace=...)``, as the compressed layout spreads it,
        where it is more than two pads: at matplotlib's defaults, in the figure
        :meth:`plot` makes, only between rows of images about 2.3 times as high
        as wide or more, or where the figure is enlarged),
        which places the images, their titles, the suptitle, the
        figure's ``supxlabel`` and ``supylabel`` and the colour bar as
        matplotlib's ``layout="compressed"`` places a grid of images, in a time
        that grows with the number of images (the compressed layout's grows
        with its square; timings: the user guide, :ref:`performance-displays`);
        a title wider than its
        image widens its column rather than running into its neighbours'. The
        figure is ``n_cols * cell + 0.3`` inches wide (``+ 1.0`` with a colour
        bar; ``cell`` 0.5 to 1.4 inches, ``10 / n_cols`` between) and
        ``n_rows * cell * h / w * 1.25 + 0.5`` high (1.05 without titles), or
        higher where the titles and the suptitle (measured) would leave images
        less than half a cell wide (flat images, ``image_shape=(4, 16)``) or a
        colour bar less than 0.75 inch long. Images of an aspect ``h / w``
        beyond 1/4 to 4 (``image_shape=(1, 64)`` or ``(64, 1)``) are laid out
        by it: their grid has ``ceil(sqrt(2 * n_units * e))`` columns (``e``,
        the aspect over the limit it passes: 1/16 at 1 x 64, fewer columns; 16
        at 64 x 1, more, up to 64 or ``ceil(sqrt(2 * n_units))`` where that is
        more, so that their titles fit), each image is ``cell / sqrt(e)`` inches wide (the
        area of an image at the limit: a flat one longer, a tall one narrower),
        and the figure is as high and as wide as the images at that size, their
        titles (measured, not a share of the images' height) and pads need:
        16 images of 1 x 64 are 5.6 x 0.09 inches each, in two columns of a
        figure 11.7 x 2.4 inches (before, six columns of lines a pixel high). Neither side is over 25.6 inches
        (four times matplotlib's default figure width, whatever the rcParams,
        as :func:`~matplotlib.figure.figaspect` bounds a figure): where the
        sizes above are more (images far taller than wide,
        ``image_shape=(64, 1)``; over about 50 columns or many rows), the cell
        shrinks to fit, the columns as wide as their titles at least; only
        where the titles and pads alone need more (with the default numeric
        titles, over about 100 titled rows or 80 to 100 columns; fewer with longer
        ``unit_labels``) is the figure larger, as large as they need with
        images 0.1 inch. Where pads or spaces set on the layout leave the images less
        than a pixel, it warns and leaves the Axes where they are, as the
        compressed layout does.
    colorbar_ : matplotlib.colorbar.Colorbar or None
        Colour bar, when requested.
    signed_ : bool
        Whether the signed (grey-centred) scale was chosen (``signed``); limits
        given in ``imshow_kw`` (``vmin``, ``vmax`` or ``norm``) replace its
        limits, and ``vmin_``, ``vmax_`` are those drawn.
    vmin_, vmax_ : ndarray of shape (n_units,)
        Colour limits of each image, as drawn (those of ``imshow_kw``'s
        ``vmin``, ``vmax`` or ``norm`` when it gives them).

    See Also
    --------
    OutputWeightsDisplay : Hinton diagram of the hidden-to-output weights.
    top_features : Strongest input features of each unit as a table.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.datasets import load_digits
    >>> from sklearn.decomposition import NMF
    >>> from sknonneg.inspection import HiddenUnitsDisplay
    >>> X = load_digits().data / 16
    >>> nmf = NMF(16, init="nndsvda", max_iter=500).fit(X)
    >>> disp = HiddenUnitsDisplay.from_estimator(nmf)
    >>> len(disp.images_), float(disp.images_[0].get_clim()[0])
    (16, 0.0)
    """

    def __init__(
        self, weights, *, image_shape=None, unit_ids=None, unit_labels=None,
        estimator_name=None,
    ):
        self.weights = weights
        self.image_shape = image_shape
        self.unit_ids = unit_ids
        self.unit_labels = unit_labels
        self.estimator_name = estimator_name

    def plot(
        self,
        ax=None,
        *,
        n_cols=None,
        normalize="global",
        cmap=None,
        signed="auto",
        colorbar=False,
        titles=True,
        title=True,
        imshow_kw=None,
    ):
        """Draw the images.

        Parameters
        ----------
        ax : None, Axes, array-like of Axes, Figure or SubFigure, default=None
            Where to draw. ``None``: a new figure. A single Axes: the grid is
            drawn as inset axes inside it (the Axes itself is hidden but keeps
            its title), so several displays can share one figure; each title
            has the room of its lines above its image, and the columns are as
            wide as the widest title and 2 points at least (a ``UserWarning``
            where the Axes is too narrow for that: the titles overlap). An
            array-like of Axes: one image per Axes (at least ``n_units``;
            extra ones are switched off). A Figure or SubFigure: a grid of
            subplots is created in it.
        n_cols : int, default=None
            Maximum number of grid columns (ignored for an array of Axes): a
            value above ``n_units`` makes one row of ``n_units`` columns, as
            scikit-learn's ``PartialDependenceDisplay`` clamps its ``n_cols``.
            Default ``ceil(sqrt(2 * n_units))``, a grid about twice as wide as
            high; for images of an aspect beyond 1/4 to 4, computed from it
            (see ``figure_``).
        normalize : {"global", "unit"}, default="global"
            ``"global"``: one colour scale for all images (magnitudes are
            comparable across units); ``"unit"``: each image scaled by its
            own largest weight (shapes are easier to see).
        cmap : str or Colormap, default=None
            Colour map; ``"gray"`` by default for both sign conventions.
        signed : "auto" or bool, default="auto"
            Use the grey-centred symmetric scale. ``"auto"``: when any shown
            weight is negative.
        colorbar : bool, default=False
            Add a colour bar (only with ``normalize="global"``).
        titles : bool, default=True
            Title each image with its unit label.
        title : bool or str, default=True
            Title of the whole grid: ``True`` uses ``estimator_name``. Not drawn
            when ``ax`` is an array of Axes (they may be part of a larger figure,
            whose title is the caller's).
        imshow_kw : dict, default=None
            Extra keyword arguments for :meth:`~matplotlib.axes.Axes.imshow`.
            They take precedence: its ``vmin`` and ``vmax`` replace the limits
            computed from ``normalize`` and ``signed``, and a ``norm`` replaces
            both.

        Returns
        -------
        display : HiddenUnitsDisplay
            Object that stores computed values.
        """
        plt = import_pyplot()
        # Before: 3-D weights were "too many values to unpack (expected 2)"; a NaN
        # made the colour limit NaN, silently replaced by 1 (weights of 100 drawn
        # saturated, a wrong colour bar), an inf made it infinite; no unit was
        # "zero-size array to reduction operation maximum".
        W = drawable_array(self.weights, "weights", "(n_units, n_features)")
        n_units, n_features = W.shape
        shape = _resolve_image_shape(n_features, self.image_shape)
        if normalize not in ("global", "unit"):
            raise parameter_error("HiddenUnitsDisplay.plot", "normalize",
                                  "a str among {'global', 'unit'}", normalize)
        if n_cols is not None and (isinstance(n_cols, bool)
                                   or not isinstance(n_cols, Integral) or n_cols < 1):
            # Before: n_cols=0 was a ZeroDivisionError from the grid's row count.
            raise parameter_error("HiddenUnitsDisplay.plot", "n_cols",
                                  "an int in the range [1, inf) or None", n_cols)
        if imshow_kw is not None and not isinstance(imshow_kw, Mapping):
            # Before: dict.update's "dictionary update sequence element #0 has
            # length 1; 2 is required" for imshow_kw="x".
            raise parameter_error("HiddenUnitsDisplay.plot", "imshow_kw",
                                  "a dict of keyword arguments for matplotlib's "
                                  "imshow or None", imshow_kw)
        unit_ids = (
            np.arange(n_units) if self.unit_ids is None else np.asarray(self.unit_ids)
        )
        if unit_ids.ndim != 1 or unit_ids.shape[0] != n_units:
            # Before: the error blamed unit_labels, which were made from them.
            raise ValueError(f"unit_ids must have one entry per unit ({n_units} rows "
                             f"of weights), got shape {unit_ids.shape}.")
        unit_labels = check_labels(self.unit_labels, "unit_labels", "unit")
        labels = [str(u) for u in unit_ids] if unit_labels is None else unit_labels
        if len(labels) != n_units:
            raise ValueError(f"unit_labels must have one entry per unit ({n_units} "
                             f"rows of weights), got {len(labels)}.")

        # Before: any value passed as bool(signed), "yes" as True; then a plain
        # ValueError where the flags below raise scikit-learn's
        # InvalidParameterError.
        signed = check_auto_or_bool(signed, "signed", "HiddenUnitsDisplay.plot")
        # Before: any truthy value ("no") drew the colour bar, the titles.
        colorbar = check_bool(colorbar, "colorbar", "HiddenUnitsDisplay.plot")
        titles = check_bool(titles, "titles", "HiddenUnitsDisplay.plot")
        title = check_title(title, "HiddenUnitsDisplay.plot")
        if colorbar and normalize != "global":
            # Before: raised after the figure was made, leaving it open.
            raise ValueError("colorbar=True requires normalize='global'")
        if not (ax is None or _is_figure_like(ax) or _is_axes(ax)):
            # Before: ax="foo" was read as a list of one Axes ("got 1 Axes for 16
            # units"), and a list holding something else failed in imshow.
            flat = (np.asarray(ax, dtype=object).ravel()
                    if isinstance(ax, (list, tuple, np.ndarray)) else None)
            if flat is None or not all(_is_axes(a) for a in flat):
                raise parameter_error(
                    "HiddenUnitsDisplay.plot", "ax",
                    "a matplotlib Axes, an array-like of Axes, a Figure, a "
                    "SubFigure or None", ax)
        signed_, vmin, vmax = _colour_limits(W, signed, normalize)

        # --- axes ---------------------------------------------------------
        container = None
        if ax is None or _is_figure_like(ax) or _is_axes(ax):
            # At most one column per unit, as scikit-learn's
            # PartialDependenceDisplay clamps its n_cols (before: n_cols=10**6
            # built a million Axes, for minutes, to draw a few images).
            # By default, computed from the images' aspect beyond _ASPECT_LIMIT
            # (before: six columns of 1 x 64 images, each a line a pixel high,
            # or six of 64 x 1 images in a figure 1.5 x 25.6 inches).
            excess = _aspect_excess(shape[0] / shape[1])
            n_cols = (_default_n_cols(n_units, excess) if n_cols is None
                      else min(int(n_cols), n_units))
            n_rows = math.ceil(n_units / n_cols)
        layout = None
        if ax is None:
            h, w = shape
            cell = max(0.5, min(1.4, 10.0 / n_cols))
            margin_w = 1.0 if colorbar else 0.3
            title_k = 1.25 if titles else 1.05
            # Beyond the aspect limit an image is drawn 1 / sqrt(excess) times
            # the cell wide, keeping the area of an image at the limit: a flat
            # one longer, with rows of pixels a sixteenth of the cell high at 1
            # x 64 (before: a pixel high), a tall one narrower and higher; 1.0
            # within the limit.
            stretch = 1.0 / math.sqrt(excess)
            # and the room of its title is measured (below), not a share of its
            # height (too much for a tall image, too little for a flat one)
            extreme = excess != 1.0
            if extreme:
                title_k = 1.0
            # neither side over _MAX_INCHES: the cell shrinks to fit (before:
            # two 64 x 1 images made a figure 3.1 x 112.5 inches, eight in one
            # column a PNG of 170 x 89,650 pixels); the figures within the
            # bound keep their cell, and their size to the bit
            fit = min((_MAX_INCHES - margin_w) / (n_cols * stretch),
                      (_MAX_INCHES - 0.5) / (n_rows * h / w * stretch * title_k))
            bounded = fit < cell
            if bounded:
                cell = fit
            cell = cell * stretch  # from here, the width of an image
            # Laid out by ImageGridLayout, as matplotlib's "compressed" layout
            # lays out such a grid (before: that layout, 25 CPU seconds to
            # draw 1,000 units)
            fig = plt.figure(figsize=(
                n_cols * cell + margin_w,
                n_rows * cell * h / w * title_k + 0.5,
            ))
            axes = fig.subplots(n_rows, n_cols, squeeze=False)
            from ._grid_layout import ImageGridLayout

            try:
                layout = ImageGridLayout(axes, h / w, shrink=_SHRINK)
            except ValueError:
                # a negative rcParams pad, refused: the figure this call made
                # is closed, not left open
                plt.close(fig)
                raise
            fig.set_layout_engine(layout)
        elif _is_figure_like(ax):
            fig = ax
            axes = np.asarray(fig.subplots(n_rows, n_cols, squeeze=False))
        elif _is_axes(ax):
            container = ax
            fig = ax.figure
            ax.set_axis_off()
            if self._fill_container:
                # OutputWeightsDisplay's strip: every image a tile of this one
                # Axes, not an inset Axes of its own (before: 6 CPU seconds
                # for 1,000 units, matplotlib making the Axes; see _image_strip)
                axes = np.empty((n_rows, n_cols), dtype=object)
                axes[...] = ax
            else:
                axes = self._inset_grid(ax, n_rows, n_cols, shape,
                                         labels if titles else None)
        else:
            flat = np.asarray(ax, dtype=object).ravel()
            if len(flat) < n_units:
                raise ValueError(
                    f"got {len(flat)} Axes for {n_units} units; pass at least "
                    "one Axes per unit"
                )
            axes = np.asarray(ax, dtype=object)
            if axes.ndim != 2:
                axes = flat.reshape(1, -1)
            fig = flat[0].figure

        kw = {"interpolation": "nearest", "cmap": "gray" if cmap is None else cmap}
        kw.update(imshow_kw or {})
        # The user's imshow_kw wins: its vmin/vmax replace the computed limits,
        # and a norm replaces both (matplotlib refuses a norm with vmin/vmax).
        # Before: imshow got vmin twice (a TypeError), or a norm with vmin/vmax.
        user_vmin, user_vmax = kw.pop("vmin", None), kw.pop("vmax", None)
        if kw.get("norm") is not None:
            limits = [{} for _ in range(n_units)]
        else:
            limits = [{"vmin": vmin[i] if user_vmin is None else user_vmin,
                       "vmax": vmax[i] if user_vmax is None else user_vmax}
                      for i in range(n_units)]
        flat_axes = axes.ravel()
        images = np.empty(n_units, dtype=object)
        # OutputWeightsDisplay's strip: the images tiles of its one Axes
        tiled = self._fill_container and container is not None
        try:
            if tiled:
                from ._image_strip import draw_tiles

                images[:] = draw_tiles(container, W, shape,
                                       self._fill_boxes(n_rows, n_cols)[:n_units],
                                       kw, limits)
            for i in range(0 if tiled else n_units):
                a = flat_axes[i]
                images[i] = a.imshow(W[i].reshape(shape), **kw, **limits[i])
                a.set_xticks([])
                a.set_yticks([])
                if titles:
                    a.set_title(labels[i], fontsize="x-small", pad=2)
        except Exception:
            # matplotlib refuses a cmap or an imshow_kw (cmap="nocmap",
            # imshow_kw={"nokey": 1}): the figure this call made is closed, not
            # left open (before: one more open figure per refusal)
            if ax is None:
                plt.close(fig)
            raise
        for a in flat_axes[n_units:]:
            a.set_axis_off()

        name = self.estimator_name if title is True else (title or None)
        if name:
            if container is not None:
                container.set_title(name, pad=12 if titles else 4)
            elif ax is None or _is_figure_like(ax):
                sup = fig.suptitle(name)
                if layout is not None:
                    layout.suptitle = sup

        self.colorbar_ = None
        if colorbar:
            target = container if container is not None else list(flat_axes)
            self.colorbar_ = fig.colorbar(images[0], ax=target, shrink=_SHRINK)
            if layout is not None:
                layout.colorbar_ax = self.colorbar_.ax
        if layout is not None:
            # high enough for the title rows and the suptitle, images at least
            # half a cell wide (flat images: before, a figure of 1 x 64 images
            # in one column was a few title rows high, the images collapsed)
            from ._grid_layout import _renderer

            # the titles' and the suptitle's rooms, measured once, where a bound
            # from the font sizes does not settle a size (before: up to three
            # times, the same measurement: a tenth of a second at 400 units)
            rooms = functools.cache(lambda: layout._title_rooms(fig, _renderer(fig)))
            width, height = fig.get_size_inches()
            # beyond the aspect limit, high enough for the images at their size
            # (the titles and pads of rows of flat images are most of the
            # figure: before, a formula for square ones left them half as high)
            height = max(height, _least_height(
                fig, layout, axes, cell, rooms,
                image_h=n_rows * cell * h / w if extreme else None))
            if colorbar:
                # room for a colour bar CB_LEAST_LENGTH long below the suptitle
                # (before: 0.8 of a flat grid's height, 0.15 inch)
                height = max(height, _colorbar_height(fig, layout, rooms))
            if height > _MAX_INCHES:
                # bounded, but for rows of titles that alone need more (about
                # 100 rows in one column): then as high as they need, with
                # images _LEAST_ROW inches high
                height = max(_MAX_INCHES, _least_height(
                    fig, layout, axes, cell, rooms, image_h=n_rows * _LEAST_ROW))
            if bounded or extreme:
                # the cell shrunk: the columns as wide as their titles and pads
                # at least, within the bound, but for columns whose titles and
                # pads alone need more (80 to 100 columns): then as wide as
                # they need, with images _LEAST_ROW inches wide; beyond the
                # aspect limit, as wide as their images and pads too (before:
                # the pads of 16 columns of 64 x 1 images took half their width)
                title_w = rooms()[1] if titles else np.zeros(n_cols)
                pads = 2 * layout.get()["w_pad"]
                least = np.maximum(title_w, cell) if extreme else title_w
                width = max(width, (least + pads).sum() + margin_w)
                if width > _MAX_INCHES:
                    width = max(_MAX_INCHES, (np.maximum(title_w, _LEAST_ROW)
                                              + pads).sum() + margin_w)
            fig.set_size_inches(width, height)

        self.images_ = images
        self.axes_ = axes
        self.ax_ = container
        self.figure_ = fig
        self.signed_ = signed_
        # the limits as drawn (imshow_kw's vmin, vmax or norm included)
        clims = np.array([im.get_clim() for im in images], dtype=float).reshape(-1, 2)
        self.vmin_ = clims[:, 0]
        self.vmax_ = clims[:, 1]
        return self

    # When given one Axes, the images go in a grid of inset axes, sized from
    # the Axes' current extent so that the tiles keep the image aspect ratio
    # and anchored at the top. With ``_fill_container`` (used by
    # OutputWeightsDisplay for its aligned image strip) the grid spans the whole
    # Axes evenly, each image a tile of that Axes drawn as an inset Axes of its
    # cell would draw it (``_image_strip``), and ``axes_`` holds that Axes.
    _fill_container = False

    @staticmethod
    def _fill_boxes(n_rows, n_cols, gap=0.06):
        """The bounds of the cells of a grid spanning a whole Axes evenly, in
        its Axes coordinates, row by row."""
        cw, ch = 1.0 / n_cols, 1.0 / n_rows
        return [
            [c * cw + gap * cw / 2, 1 - (r + 1) * ch + gap * ch / 2,
             cw * (1 - gap), ch * (1 - gap)]
            for r in range(n_rows) for c in range(n_cols)
        ]

    def _inset_grid(self, ax, n_rows, n_cols, shape, labels):
        """A grid of inset Axes in ``ax`` for images of ``shape``, with room
        for the titles ``labels`` above them (None: no titles)."""
        titles = labels is not None
        h, w = shape
        title_frac = 0.3 if titles else 0.06
        gap = 0.06
        W_px = max(ax.bbox.width, 1.0)
        H_px = max(ax.bbox.height, 1.0)
        aspect = h / w
        by_height = H_px / (n_rows * aspect * (1 + title_frac))
        # a title's room: 0.3 of its image's height, at least its pad and
        # font size (set_title below: 2 points, "x-small") where that is more
        # (small images: before, 400 units in a 10 x 7 inch Axes had 7.5 pixels
        # for titles 11 high, which ran into the images above them), and the
        # height of its further lines (measured: before, a unit_labels entry
        # with a newline ran into the image above)
        title_px = 0.0
        title_w = 0.0
        if titles:
            from matplotlib.font_manager import FontProperties

            size = FontProperties(size="x-small").get_size_in_points()
            title_px = (2 + size) * ax.figure.dpi / 72
            title_px += _title_extent(ax, labels, size, np.inf)[0]
            if title_frac * aspect * by_height < title_px < H_px / n_rows:
                by_height = (H_px / n_rows - title_px) / aspect
        tile_w = min(W_px / (n_cols * (1 + gap)), by_height)
        tile_h = tile_w * aspect
        cell_w, cell_h = tile_w * (1 + gap), tile_h * (1 + title_frac)
        if title_frac * tile_h < title_px < H_px / n_rows:
            cell_h = tile_h + title_px
        # the titles 2 points apart at least: the columns widened for titles
        # wider than their images (before: they ran into each other); where
        # the Axes is too narrow for that, a warning
        sep = 2 * ax.figure.dpi / 72
        offset = gap * tile_w / 2
        if titles:
            title_w = _title_extent(ax, labels, size, cell_w)[1]
        if title_w + sep > cell_w:
            if n_cols * (title_w + sep) <= W_px:
                cell_w = title_w + sep
                offset = (cell_w - tile_w) / 2
            else:
                import warnings

                warnings.warn(
                    f"HiddenUnitsDisplay.plot: the titles of the images, up to "
                    f"{title_w / ax.figure.dpi:.2g} inches wide, do not fit side by "
                    f"side in {n_cols} columns of an Axes "
                    f"{W_px / ax.figure.dpi:.3g} inches wide; they overlap. Pass "
                    f"titles=False, shorter unit_labels, a smaller n_cols or a "
                    f"wider Axes.", UserWarning,
                    # at the user's line (before: stacklevel=3, a line of
                    # this module where from_estimator called plot)
                    stacklevel=user_stacklevel())
        x0 = (W_px - n_cols * cell_w) / 2
        boxes = [
            [(x0 + c * cell_w + offset) / W_px,
             (H_px - (r + 1) * cell_h) / H_px,
             tile_w / W_px, tile_h / H_px]
            for r in range(n_rows) for c in range(n_cols)
        ]
        axes = np.array([ax.inset_axes(b) for b in boxes], dtype=object)
        return axes.reshape(n_rows, n_cols)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        units=None,
        order=None,
        pairs="both",
        image_shape=None,
        ax=None,
        n_cols=None,
        normalize="global",
        cmap=None,
        signed="auto",
        colorbar=False,
        titles=True,
        title=True,
        imshow_kw=None,
    ):
        """Plot the first-layer weights of a fitted estimator.

        Parameters
        ----------
        estimator : fitted estimator
            NonNegMLPClassifier, NonNegMLPRegressor or ABBAClassifier
            (``components_``), NonNegAutoencoder (``components_``: the decoder's
            rows, see above), MLPClassifier (``coefs_[0].T``), PCA or NMF
            (``components_``), or a Pipeline ending in one of them.
        units : None, int or array-like of int, default=None
            Units to show: all (``None``); the first ``n`` after ordering
            (``int``), e.g. the 16 strongest with ``order="output_weight"``;
            with ``order="class"``, ``n`` taken in turn over the classes (the
            strongest unit of each class, then the second strongest of each,
            ..., the units that favour no class last), shown grouped by class,
            so that ``units=20`` of a 10-class network shows two units of each
            class that has two; or the given indices (then sorted by ``order`` if given; negative
            ones count from the end, as NumPy's; a unit given twice is a
            ``ValueError``), e.g. a random subset as in the paper's Fig. 3.
            Every unit is one Axes: hundreds of units make a figure larger than
            a page (1,000 units: a grid of 23 x 45 images, 23 by 15 inches, each
            image half an inch), slow to make (most of the time is matplotlib
            making the Axes; timings: the user guide,
            :ref:`performance-displays`); show some, e.g.
            ``units=64, order="output_weight"``, or pass ``n_cols``.
        order : {None, "output_weight", "class"}, default=None
            ``None``: as given. ``"output_weight"``: by total outgoing weight
            magnitude ``sum_j |coefs_[1][i, j]|``, strongest first.
            ``"class"``: grouped by the class that the unit's output weight
            favours most (``argmax_j coefs_[1][i, j]``; for a binary net with
            one output, the sign: positive favours ``classes_[1]``, negative
            ``classes_[0]``; for ABBAClassifier, whose output columns are the
            halves ``u`` and ``v`` of the logits ``(u - v) / 2``, the argmax
            over ``coefs_[1][i, :C] - coefs_[1][i, C:]``, the class whose logit
            the unit raises most), strongest first within each group; image
            titles then read ``"unit→class"``. A unit whose output weights are
            all zero favours no class: it comes last, titled ``"unit→none"``.
            Orders need a network; ``"class"`` a classifier (an estimator with
            ``classes_``) with a single hidden layer: a regressor or an
            autoencoder has no classes, and ``order="class"`` raises a
            ``ValueError`` for it.
        pairs : {"both", "once"}, default="both"
            For an ``ABBAClassifier``: its first layer has ``2 N_1`` units that
            come in pairs, unit ``N_1 + i`` the partner of unit ``i`` with the
            negated image (``components_[N_1 + i] == -components_[i]``), so that
            ``"both"`` draws every image twice, once with its colours swapped.
            ``"once"`` draws each pair once, by the image of its unit ``i`` (the
            map ``A_1 - B_1`` of the ``x`` half, ``i < N_1``), titled ``"i & N_1 +
            i"``; its partner's image is that image negated (exactly; the two
            units differ in their biases only). ``units`` then selects pairs: an
            int ``n`` the first ``n`` pairs after ordering, indices the pairs of
            the units given (``i`` or ``N_1 + i``); ``order`` orders the pairs as
            their unit ``i`` (both units of a pair have the same
            ``"output_weight"``; with ``"class"``, the class whose logit unit
            ``i`` raises most, the one its partner lowers most, titled ``"i→class
            (& N_1 + i)"``: the class is unit ``i``'s). A ``ValueError``
            for any other estimator.
        image_shape : tuple of int, default=None
            ``(height, width)``, e.g. ``(28, 28)`` for MNIST or ``(8, 8)``
            for :func:`~sklearn.datasets.load_digits`. ``None``: square.
        ax : None, Axes, array-like of Axes, Figure or SubFigure, default=None
            Where to draw. ``None``: a new figure. A single Axes: the grid is
            drawn as inset axes inside it (the Axes itself is hidden but keeps
            its title), so several displays can share one figure. An
            array-like of Axes: one image per Axes (at least ``n_units``;
            extra ones are switched off). A Figure or SubFigure: a grid of
            subplots is created in it.
        n_cols : int, default=None
            Maximum number of grid columns (ignored for an array of Axes): a
            value above ``n_units`` makes one row of ``n_units`` columns, as
            scikit-learn's ``PartialDependenceDisplay`` clamps its ``n_cols``.
            Default ``ceil(sqrt(2 * n_units))``, a grid about twice as wide as
            high; for images of an aspect beyond 1/4 to 4, computed from it
            (see ``figure_``).
        normalize : {"global", "unit"}, default="global"
            ``"global"``: one colour scale for all images (magnitudes are
            comparable across units); ``"unit"``: each image scaled by its
            own largest weight (shapes are easier to see).
        cmap : str or Colormap, default=None
            Colour map; ``"gray"`` by default for both sign conventions.
        signed : "auto" or bool, default="auto"
            Use the grey-centred symmetric scale. ``"auto"``: when any shown
            weight is negative.
        colorbar : bool, default=False
            Add a colour bar (only with ``normalize="global"``).
        titles : bool, default=True
            Title each image with its unit label.
        title : bool or str, default=True
            Title of the whole grid: ``True`` uses ``estimator_name``. Not drawn
            when ``ax`` is an array of Axes (they may be part of a larger figure,
            whose title is the caller's).
        imshow_kw : dict, default=None
            Extra keyword arguments for :meth:`~matplotlib.axes.Axes.imshow`.
            They take precedence: its ``vmin`` and ``vmax`` replace the limits
            computed from ``normalize`` and ``signed``, and a ``norm`` replaces
            both.

        Returns
        -------
        display : HiddenUnitsDisplay
            Object that stores computed values.
        """
        # Named after this method (before: HiddenUnitsDisplay.plot, which it calls).
        check_flags("HiddenUnitsDisplay.from_estimator", colorbar=colorbar,
                    titles=titles)
        check_auto_or_bool(signed, "signed", "HiddenUnitsDisplay.from_estimator")
        check_pairs(pairs, "HiddenUnitsDisplay.from_estimator")
        W = get_components(estimator)
        # fail before drawing
        _resolve_image_shape(W.shape[1], image_shape,
                             "HiddenUnitsDisplay.from_estimator")
        if pairs == "once":
            idx, group = order_pairs(estimator, W.shape[0], units=units, order=order,
                                     layer=1,
                                     caller="HiddenUnitsDisplay.from_estimator")
            half = W.shape[0] // 2
            names = [f"{i} & {i + half}" for i in idx]
        else:
            idx, group = order_units(estimator, W.shape[0], units=units, order=order,
                                     layer=1,
                                     caller="HiddenUnitsDisplay.from_estimator")
            names = [str(i) for i in idx]
        if group is not None:
            # A pair's title names the class of its unit i first: "2→0 (& 14)"
            # (before: "2 & 14→0", which read as if unit 14 too favoured class
            # 0, whose logit it lowers).
            labels = ([f"{i}→{g} (& {i + half})" for i, g in zip(idx, group)]
                      if pairs == "once" else
                      [f"{n}→{g}" for n, g in zip(names, group)])
        else:
            labels = names if pairs == "once" else None
        disp = cls(
            W[idx],
            image_shape=image_shape,
            unit_ids=idx,
            unit_labels=labels,
            estimator_name=_estimator_name(estimator),
        )
        return disp.plot(
            ax=ax, n_cols=n_cols, normalize=normalize, cmap=cmap, signed=signed,
            colorbar=colorbar, titles=titles, title=title, imshow_kw=imshow_kw,
        )
