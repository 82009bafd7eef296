"""The layout of :class:`HiddenUnitsDisplay`'s own figure: a grid of equal images.

Imported when such a figure is made (it imports matplotlib); a module of its own so
that a figure that uses it can be pickled and unpickled.
"""

import warnings
from numbers import Real

import matplotlib as mpl
import numpy as np
from matplotlib.layout_engine import LayoutEngine

from .._validation import parameter_error, user_stacklevel


def _put(ax, bounds):
    """``ax.set_position(bounds)``, keeping ``ax.get_in_layout()``.

    ``Axes.set_position`` takes the Axes out of every layout (``in_layout``
    False, as for a position a user sets): before, after one draw of the
    display's figure, the constrained (compressed) and tight layouts a user
    switched to left every image, its title and the colour bar out of their
    margins (the colour bar's labels cut off at the figure's edge)."""
    keep = ax.get_in_layout()
    ax.set_position(bounds)
    ax.set_in_layout(keep)


def _is_pad(value):
    """Whether ``value`` is a pad: a finite real number >= 0, not a bool."""
    return (not isinstance(value, bool) and isinstance(value, Real)
            and bool(np.isfinite(value)) and value >= 0)


def _renderer(fig):
    """The renderer that the layout measures the titles and the colour bar with.

    The canvas' ``get_renderer()`` where it has one, the route matplotlib's
    documentation gives (``Figure.get_tightbbox``: "i.e.
    ``fig.canvas.get_renderer()``"): the Agg canvas (PNG, and the GUI backends
    built on it), Cairo's and PGF's, whose renderer is the one that draws. A
    vector canvas (PDF, SVG, PS) has none, and matplotlib has no public route to
    the renderer of a save in progress (a layout engine's ``execute`` is given
    the figure alone): then ``Figure._get_renderer()``, a private, the call that
    matplotlib's own engines make (``TightLayoutEngine.execute``, the
    constrained layout), which makes that canvas' renderer. Where a matplotlib
    lacks it, None: the public ``get_window_extent`` and ``get_tightbbox``
    called with None find the figure's renderer themselves.
    """
    public = getattr(fig.canvas, "get_renderer", None)
    if callable(public):
        return public()
    private = getattr(fig, "_get_renderer", None)
    return private() if callable(private) else None


def _warned_at_the_user(function, *args):
    """``function(*args)``, the warnings it shows given again at the user's line
    (past sknonneg's and matplotlib's frames), with their category."""
    caught = []

    def keep(message, category, filename, lineno, file=None, line=None):
        caught.append((message, category))

    registry = globals().get("__warningregistry__")
    if registry is not None:
        registry.clear()
    shown = warnings.showwarning
    warnings.showwarning = keep
    try:
        result = function(*args)
    finally:
        warnings.showwarning = shown
    for message, category in caught:
        warnings.warn(message, category, stacklevel=user_stacklevel(
            through=("matplotlib", "mpl_toolkits")))
    return result


# The least length of the colour bar in inches, where the figure has the room:
# three tick labels of 10 points and their gaps (the bars of 0.75 inch or more
# that the layout drew before are unchanged)
CB_LEAST_LENGTH = 0.75


class ImageGridLayout(LayoutEngine):
    """Lay out a grid of equal images at every draw, as matplotlib's "compressed"
    layout lays out such a grid.

    Pads of ``w_pad`` inch left and right of every Axes and ``h_pad`` above and
    below it and its title (those of the constrained layout, which are
    ``rcParams["figure.constrained_layout.w_pad"]`` and ``["...h_pad"]`` when the
    layout is made: 3 points by default); the images as large as the figure allows at their
    aspect ratio, every column as wide as its widest title at least (titles
    wider than the figure side by side: as wide as its image); the grid centred,
    below the suptitle, which stands a pad above it, clear of a ``supxlabel``
    below and a ``supylabel`` left of it; a colour bar (the ``colorbar_ax`` of
    ``Figure.colorbar``) ``shrink`` times the grid's height, at most its
    ``fraction`` (0.15) of the grid's width thick (then shorter), centred on
    it, 5 % of its width right of it (or where its ``location`` has it), its
    labels measured again once placed; at least 0.75 inch long
    (``CB_LEAST_LENGTH``) where the figure has the room, within the figure
    below the suptitle (a flat grid's bar is longer than the grid). The Axes'
    and the colour bar's positions are set, each Axes kept in a layout the
    figure is switched to (``in_layout``); cells without an image are placed
    as the others. Two colour bars or more, or a figure legend placed
    "outside", are left to matplotlib's compressed layout (with these pads and
    spaces), which stacks them. ``set(w_pad=..., h_pad=...)`` sets the pads,
    ``set(pad=...)`` both.
    Where the pads and spaces leave the images less than a pixel in their
    larger side (``set(wspace=10.0)``), the layout warns (a ``UserWarning``
    naming the pads, the spaces and what to do, at the user's ``savefig`` or
    ``draw``, past matplotlib's frames) and leaves the Axes where they are, as
    the constrained layout does where the Axes' sizes collapse to zero.

    The space between two columns (rows) is as the constrained layout makes it
    from ``wspace`` (``hspace``), a fraction of the figure's width (height):
    ``wspace / n_cols`` of the figure's width where that is more than the two
    pads between them, else the two pads (``rcParams
    ["figure.constrained_layout.wspace"]`` and ``["...hspace"]``, 0.02 by
    default, when the layout is made; ``set(wspace=..., hspace=...)`` sets
    them). At matplotlib's defaults (0.02, pads of 3/72 inch) the spaces
    win only where a column is over 4.2 inches wide (a row over 4.2 inches
    high): never across in the figures :class:`HiddenUnitsDisplay` makes, but
    down where its images are about 2.3 times as high as wide or more (2.7
    without titles: ``image_shape=(16, 4)``, two rows 0.145 inch apart where
    two pads are 0.083), as in the compressed layout; otherwise where a user
    asks for more space between the images, or enlarges the figure
    (``set_size_inches``).

    Matplotlib's constrained ("compressed") layout takes a time that grows with
    the square of the number of Axes (``check_no_collapsed_axes`` and
    ``reset_margins`` visit every cell of the grid for every Axes, and a colour
    bar's parents for every Axes): 25 CPU seconds to draw the 1,035 Axes of
    1,000 units. A grid of equal cells needs no solver: this one measures each
    title once and finds the images' size by bisection.

    Parameters
    ----------
    axes : ndarray of matplotlib.axes.Axes of shape (n_rows, n_cols)
        The grid, in the figure laid out.
    aspect : float
        Height over width of every image.
    pad : float, default=None
        Both pads in inches; ``None``: as ``w_pad`` and ``h_pad``.
    w_pad, h_pad : float, default=None
        The pads in inches across and down (``w_pad`` and ``h_pad`` win over
        ``pad``); ``None``: ``rcParams["figure.constrained_layout.w_pad"]``
        (``h_pad``), as matplotlib's ``ConstrainedLayoutEngine`` reads them when
        it is made.
    wspace, hspace : float, default=None
        The space between columns (rows) as a fraction of the figure's width
        (height), spread over the gaps as the constrained layout spreads it;
        ``None``: ``rcParams["figure.constrained_layout.wspace"]``
        (``hspace``), as ``ConstrainedLayoutEngine`` reads them when it is made.
    shrink : float, default=0.8
        Height of the colour bar, a share of the grid's.
    """

    # _adjust_compatible, _colorbar_gridspec and _params are the documented
    # contract of a LayoutEngine subclass, despite their underscores: "To
    # implement a custom LayoutEngine: 1. override _adjust_compatible and
    # _colorbar_gridspec 2. override LayoutEngine.set to update self._params
    # 3. override LayoutEngine.execute" (matplotlib.layout_engine.LayoutEngine,
    # https://matplotlib.org/stable/api/layout_engine_api.html).
    _adjust_compatible = False
    _colorbar_gridspec = False

    def __init__(self, axes, aspect, *, pad=None, w_pad=None, h_pad=None,
                 wspace=None, hspace=None, shrink=0.8):
        super().__init__()
        self._axes = np.asarray(axes, dtype=object)
        self._aspect = float(aspect)  # height / width of an image
        self._shrink = shrink
        # LayoutEngine.get() reads _params. The pads of the rcParams when the
        # layout is made, as ConstrainedLayoutEngine reads them (before: 3/72
        # inch whatever the rcParams said)
        self._params = {}
        for name, given in (("w_pad", w_pad if pad is None else pad),
                            ("h_pad", h_pad if pad is None else pad),
                            ("wspace", wspace), ("hspace", hspace)):
            if given is None:
                key = f"figure.constrained_layout.{name}"
                value = mpl.rcParams[key]
                if not _is_pad(value):
                    # Named as the user set it (before: "The 'w_pad' parameter
                    # of ImageGridLayout.set ...", a method not called).
                    unit = "inches" if name.endswith("pad") else "a fraction of the figure"
                    raise ValueError(
                        f"rcParams[{key!r}] must be a float >= 0 ({unit}) for "
                        f"HiddenUnitsDisplay's grid layout (ImageGridLayout); "
                        f"got {value!r}.")
                self._params[name] = float(value)
        self.set(pad=pad, w_pad=w_pad, h_pad=h_pad, wspace=wspace, hspace=hspace)
        self.suptitle = None
        self.colorbar_ax = None

    def set(self, *, pad=None, w_pad=None, h_pad=None, wspace=None, hspace=None,
            **kwargs):
        """Set the pads and the spaces (``None`` keeps one), as the constrained
        layout's ``set`` sets them: the pads in inches, ``w_pad`` left and right
        of every Axes, ``h_pad`` above and below it, ``pad`` both (``w_pad`` and
        ``h_pad`` win over it); ``wspace`` (``hspace``) the space between
        columns (rows), a fraction of the figure's width (height), where it is
        more than the two pads between them (see the class).

        Before, LayoutEngine's ``set`` raised a bare ``NotImplementedError``,
        and then ``wspace`` and ``hspace`` were refused. The constrained layout's
        ``rect`` is refused by name.
        """
        if kwargs:
            raise TypeError(
                f"ImageGridLayout.set() got unexpected keyword argument(s) "
                f"{sorted(kwargs)}; it takes w_pad, h_pad and pad (in inches), "
                f"wspace and hspace (fractions of the figure). Use "
                f"figure.set_layout_engine('compressed') for the compressed "
                f"layout's rect.")
        for name, value in (("pad", pad), ("w_pad", w_pad), ("h_pad", h_pad),
                            ("wspace", wspace), ("hspace", hspace)):
            if value is not None and not _is_pad(value):
                unit = "inches" if name.endswith("pad") else "a fraction of the figure"
                raise parameter_error("ImageGridLayout.set", name,
                                      f"a float in the range [0, inf) ({unit})", value)
        for name, value in (("w_pad", pad), ("h_pad", pad), ("w_pad", w_pad),
                            ("h_pad", h_pad), ("wspace", wspace),
                            ("hspace", hspace)):
            if value is not None:
                self._params[name] = float(value)

    def execute(self, fig):
        grid = set(self._axes.ravel())
        bars = [a for a in fig.axes if a not in grid
                and a.get_label() == "<colorbar>"]
        if len(bars) > 1 or any(getattr(leg, "_outside_loc", None)
                                for leg in fig.legends):
            # Two colour bars or more, or a figure legend placed "outside":
            # laid out by matplotlib's compressed layout, which stacks them
            # (slow for many images, but nothing drawn over the images; before,
            # a second colour bar was drawn over them). Its suptitle as
            # Figure.suptitle makes it (matplotlib 3.7 to 3.10 move it, not
            # align it).
            sup = getattr(fig, "_suptitle", None)
            if sup is not None and getattr(sup, "_autopos", False):
                sup.set_verticalalignment("top")
            from matplotlib.layout_engine import ConstrainedLayoutEngine

            # with this layout's pads and spaces (before: the rcParams',
            # whatever set() had set)
            engine = ConstrainedLayoutEngine(
                compress=True, **{name: self._params.get(name) for name in
                                  ("w_pad", "h_pad", "wspace", "hspace")})
            # Its warnings ("constrained_layout not applied ...") are given
            # again at the user's draw or savefig: matplotlib points them at
            # the first frame outside matplotlib, which is this one (before: a
            # line of this module). Taken by a showwarning hook, not by
            # catch_warnings, which changes the filters and so makes every
            # module's registry forget the warnings it has shown: under the
            # default filters, each draw warned again (matplotlib's own
            # compressed layout warns once at a line). This module's registry
            # is emptied, so that each warning reaches the hook; the user's
            # filters and registry apply where it is given again ("error"
            # raises, as in matplotlib).
            return _warned_at_the_user(engine.execute, fig)
        renderer = _renderer(fig)
        dpi = fig.dpi
        W, H = fig.get_size_inches()
        # the pads across (left and right) and down (above and below)
        wp, hp, r = self._params["w_pad"], self._params["h_pad"], self._aspect
        n_rows, n_cols = self._axes.shape
        # the space between two columns (rows) beyond their two pads: as the
        # constrained layout makes it, wspace / n_cols of the figure's width
        # where that is more than two pads (its get_margin_from_padding); 0.0
        # at matplotlib's defaults in the display's figures but for rows over
        # 4.2 inches high (images about 2.3 times as high as wide). (A figure
        # pickled before the spaces were read has none.)
        ew = max(0.0, self._params.get("wspace", 0.0) * W / n_cols - 2 * wp)
        eh = max(0.0, self._params.get("hspace", 0.0) * H / n_rows - 2 * hp)
        title_h, title_w, sup, sup_room = self._title_rooms(fig, renderer)
        # a supxlabel below and a supylabel left of everything, as the
        # constrained layout makes room for them (before: drawn over the images)
        labels = {}
        for side in ("x", "y"):
            lab = getattr(fig, f"_sup{side}label", None)
            if (lab is not None and lab.get_visible() and lab.get_text()
                    and lab.get_in_layout()):
                box = lab.get_window_extent(renderer)
                labels[side] = (lab, (box.height if side == "x" else box.width)
                                / dpi + 2 * (hp if side == "x" else wp))
        x_room = labels["x"][1] if "x" in labels else 0.0
        y_room = labels["y"][1] if "y" in labels else 0.0
        cax = self.colorbar_ax
        if cax not in fig.axes:  # none, or removed since
            cax = bars[0] if bars else None
        loc, shrink = None, self._shrink
        if cax is not None:
            # where Figure.colorbar put it (its location, shrink, fraction and
            # pad; right and 0.05 of the grid's width, or below and 0.15 of its
            # height, as its defaults), its thickness a share of its length
            # (its aspect), at most its fraction (0.15) of the grid's width
            # (height) as the constrained layout makes it
            info = getattr(cax, "_colorbar_info", {})
            box = cax.get_box_aspect() or 20.0  # height / width
            loc = info.get("location", "right" if box >= 1 else "bottom")
            vertical = loc in ("right", "left")
            shrink = info.get("shrink", shrink)
            fraction = info.get("fraction", 0.15)
            cb_pad = info.get("pad", 0.05 if vertical else 0.15)
            thin = max(box, 1 / box)
        # the largest image at its aspect ratio that fits: the columns as wide
        # as the image or its widest title, the colour bar's room beside the
        # grid (room that grows with the grid): all grow with the image's side,
        # whose largest fit a bisection finds
        title_rows = title_h.sum()
        # the colour bar's ticks and labels, on the side away from the grid,
        # measured where it is; placed, it may have other ticks (one unit's
        # colour bar, at first where Figure.colorbar put it, ran past the
        # figure's edge): measured again and laid out once more if they changed
        cb_deco = None
        for _ in range(3 if cax is not None else 1):
            if cax is not None:
                tight, own = cax.get_tightbbox(renderer), cax.bbox
                deco = max(0.0, {"right": tight.x1 - own.x1,
                                 "left": own.x0 - tight.x0,
                                 "top": tight.y1 - own.y1,
                                 "bottom": own.y0 - tight.y0}[loc]) / dpi
                if cb_deco is not None and abs(deco - cb_deco) < 0.5 / dpi:
                    break
                cb_deco = deco
            if not self._place(fig, W, H, wp, hp, ew, eh, r, n_rows, n_cols,
                               title_h, title_w, title_rows, sup, sup_room,
                               labels, x_room, y_room, cax, loc, shrink,
                               None if cax is None else (
                                   vertical, fraction, cb_pad, thin, cb_deco)):
                # as the constrained layout does where the Axes' sizes
                # collapse to zero: a warning, the Axes left where they are
                # (before: placed less than a pixel large, or outside the
                # figure, without a word)
                p = self._params
                warnings.warn(
                    f"HiddenUnitsDisplay's grid layout (ImageGridLayout) not "
                    f"applied: its images would be less than a pixel large in "
                    f"a figure of {W:g} x {H:g} inches with pads "
                    f"w_pad={p['w_pad']:g}, h_pad={p['h_pad']:g} (inches) and "
                    f"spaces wspace={p.get('wspace', 0.0):g}, "
                    f"hspace={p.get('hspace', 0.0):g} (fractions of the "
                    f"figure). Make the figure larger, or the pads "
                    f"(set(pad=...)) or spaces (set(wspace=..., hspace=...)) "
                    f"smaller.", UserWarning,
                    # at the user's draw or savefig, past matplotlib, which
                    # calls execute (before: stacklevel=2, a line of
                    # matplotlib's figure.py)
                    stacklevel=user_stacklevel(through=("matplotlib",
                                                        "mpl_toolkits")))
                return

    def _title_rooms(self, fig, renderer):
        """``(title_h, title_w, sup, sup_room)``, in inches: every row's
        largest title height above its Axes, every column's widest title (none:
        0), the suptitle and its height with a pad below it (0.0 without one).
        The suptitle is the figure's, also one added after the display made it
        (as matplotlib's own layouts find it), else the display's. What
        :meth:`execute` lays out, and what ``HiddenUnitsDisplay.plot`` sizes its
        figure by."""
        dpi = fig.dpi
        above = np.zeros(self._axes.shape)
        wide = np.zeros(self._axes.shape)
        for (i, j), a in np.ndenumerate(self._axes):
            t = a.title
            if a.get_visible() and t.get_visible() and t.get_text():
                box = t.get_window_extent(renderer)
                above[i, j] = max(0.0, box.y1 - a.bbox.y1) / dpi
                wide[i, j] = box.width / dpi
        sup = getattr(fig, "_suptitle", None) or self.suptitle
        sup_room = 0.0
        if sup is not None and sup.get_visible() and sup.get_text():
            sup_room = (sup.get_window_extent(renderer).height / dpi
                        + 2 * self._params["h_pad"])
        return above.max(axis=1), wide.max(axis=0), sup, sup_room

    def _place(self, fig, W, H, wp, hp, ew, eh, r, n_rows, n_cols, title_h,
               title_w, title_rows, sup, sup_room, labels, x_room, y_room, cax,
               loc, shrink, cb):
        """Set the positions of the Axes, the suptitle, the figure's labels and
        the colour bar (``ew``, ``eh``: the space between two columns, rows
        beyond their two pads; ``cb``: its orientation, fraction, pad, aspect and
        decoration's room; None without one). False, and nothing placed, where
        the images would be less than a pixel large in their larger side."""
        if cb is not None:
            vertical, fraction, cb_pad, thin, cb_deco = cb
            # the room along the bar, two pads from its ends for the labels
            # there: below the suptitle's room and above a supxlabel's
            # (vertical), between the figure's edges and a supylabel's
            # (horizontal)
            if vertical:
                cb_lo, cb_hi = x_room + 2 * hp, H - sup_room - 2 * hp
            else:
                cb_lo, cb_hi = y_room + 2 * wp, W - 2 * wp
            cb_least = min(CB_LEAST_LENGTH, cb_hi - cb_lo)

        def cb_size(span_w, span_h):
            """The colour bar's width and height: ``shrink`` times the grid's
            side, ``thin`` times thinner, at most ``fraction`` of the grid
            across (then as much shorter); at least ``CB_LEAST_LENGTH`` long
            where the figure has the room (a flat grid's: before, two 1 x 64
            images in one column had a bar 0.15 inch long, its labels
            crowded)."""
            if vertical:
                if fraction * span_w < shrink * span_h / thin:
                    width = fraction * span_w
                    length = width * thin
                else:
                    length = shrink * span_h
                    width = length / thin
                if length < cb_least:
                    return cb_least / thin, cb_least
                return width, length
            if fraction * span_h < shrink * span_w / thin:
                height = fraction * span_h
                length = height * thin
            else:
                length = shrink * span_w
                height = length / thin
            if length < cb_least:
                return cb_least, cb_least / thin
            return length, height

        def room(side):
            """The span of the images and titles across and down (the top row's
            titles left out), the room of the colour bar across and down."""
            span_w = (np.maximum(side, title_w).sum() + (n_cols - 1) * 2 * wp
                      + (n_cols - 1) * ew)
            span_h = (n_rows * side * r + (n_rows - 1) * 2 * hp + title_rows
                      - title_h[0] + (n_rows - 1) * eh)
            cb_w = cb_h = 0.0
            if loc is not None and vertical:
                cb_w = cb_pad * span_w + cb_size(span_w, span_h)[0] + cb_deco + wp
            elif loc is not None:
                cb_h = cb_pad * span_h + cb_size(span_w, span_h)[1] + cb_deco + hp
            return span_w, span_h, cb_w, cb_h

        def fits(side):
            span_w, span_h, cb_w, cb_h = room(side)
            return (span_w + 2 * wp + cb_w + y_room <= W
                    and span_h + 2 * hp + title_h[0] + sup_room + cb_h + x_room
                    <= H)

        def largest(title_w):
            lo, hi = 0.0, max(W, H / r)
            for _ in range(60):
                mid = (lo + hi) / 2
                lo, hi = (mid, hi) if fits(mid) else (lo, mid)
            return lo

        side = largest(title_w)
        if side < 0.05 and title_w.any():
            # titles wider than the figure side by side: the images as large as
            # without them, the titles running into each other
            title_w = np.zeros(n_cols)
            side = largest(title_w)
        if side * max(1.0, r) * fig.dpi < 1.0:
            # collapsed: not placed (the caller warns)
            return False
        side = max(side, 1e-3)
        overhang = np.maximum(0.0, (title_w - side) / 2)
        span_w, span_h, cb_w, cb_h = room(side)
        grid_w = n_cols * (side + 2 * wp) + 2 * overhang.sum() + (n_cols - 1) * ew
        grid_h = n_rows * (side * r + 2 * hp) + title_h.sum() + (n_rows - 1) * eh
        # centred, the suptitle above (the grid just below it where the
        # figure is higher than the grid needs), the colour bar beside, clear
        # of the figure's labels
        # a colour bar longer than the grid (a flat grid's, CB_LEAST_LENGTH
        # long), centred on its images: room for it and its end labels above
        # and below the grid, the suptitle above it
        above = below = 0.0
        if loc is not None and vertical:
            length = cb_size(span_w, span_h)[1]
            if length > span_h:
                mid = (grid_h + title_h[0]) / 2  # the images' centre
                above = max(0.0, length / 2 + 2 * hp - mid)
                below = max(0.0, mid + length / 2 + 2 * hp - grid_h)
        block_h = grid_h + above + below
        top = max(sup_room, (H - cb_h - block_h) / 2)
        if x_room:
            top = max(sup_room, min(top, H - cb_h - block_h - x_room))
        left = (W - cb_w - grid_w) / 2
        if y_room:
            left = min(max(left, y_room), W - cb_w - grid_w)
        left = left + (cb_w if loc == "left" else 0.0)
        grid_top = H - top - above - (cb_h if loc == "top" else 0.0)
        xs = left + np.concatenate(
            [[0.0], np.cumsum(side + 2 * wp + 2 * overhang + ew)[:-1]]) + wp + overhang
        tops = grid_top - np.concatenate(
            [[0.0], np.cumsum(side * r + 2 * hp + title_h + eh)[:-1]]) - hp - title_h
        h = side * r
        for (i, j), a in np.ndenumerate(self._axes):
            _put(a, [xs[j] / W, (tops[i] - h) / H, side / W, h / H])
        if sup is not None and getattr(sup, "_autopos", True):
            # as the constrained layout places it: its bottom a pad above
            # the room of the grid (and of a colour bar above it)
            sup.set_position((sup.get_position()[0], (H - top + hp) / H))
            sup.set_verticalalignment("bottom")
        # the figure's labels a pad from its edge, as the constrained layout
        # places them (their own alignments: bottom, left)
        for side_, (lab, _) in labels.items():
            if getattr(lab, "_autopos", True):
                x, y = lab.get_position()
                lab.set_position((x, hp / H) if side_ == "x" else (wp / W, y))
        if loc is not None:
            x_lo, x_hi = xs[0] - overhang[0], xs[-1] + side + overhang[-1]
            y_lo, y_hi = tops[-1] - h, tops[-1] - h + span_h
            width, height = cb_size(span_w, span_h)
            if vertical:
                x0 = (x_hi + cb_pad * span_w if loc == "right"
                      else x_lo - cb_pad * span_w - width)
                y0 = y_lo + (span_h - height) / 2
                if height > span_h:
                    # longer than the grid: within the figure
                    y0 = min(max(y0, cb_lo), cb_hi - height)
            else:
                x0 = x_lo + (span_w - width) / 2
                if width > span_w:
                    x0 = min(max(x0, cb_lo), cb_hi - width)
                y0 = (y_hi + title_h[0] + cb_pad * span_h if loc == "top"
                      else y_lo - cb_pad * span_h - height)
            _put(cax, [x0 / W, y0 / H, width / W, height / H])
        return True
