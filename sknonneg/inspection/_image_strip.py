"""Unit images drawn as tiles of one Axes: :class:`OutputWeightsDisplay`'s strip.

Imported when such a strip is drawn (it imports matplotlib); a module of its own
so that a figure that holds the tiles can be pickled and unpickled.

Before, every image of the strip was an inset Axes of its own (about 6 CPU
seconds for 1,000 units, nearly all of it matplotlib making the Axes and their
ticks). A tile draws what such an Axes drew, with the same transforms, in the
same order: its background (the Axes' patch), its image and its frame (the
Axes' four spines), at the place and size the inset Axes had (its bounds in the
strip, shrunk to the image's aspect ratio and centred, as ``Axes.apply_aspect``
does), so that the figure is the same to the pixel.
"""

import matplotlib as mpl
import numpy as np
from matplotlib import artist as martist
from matplotlib import transforms as mtransforms
from matplotlib.patches import PathPatch, Rectangle
from matplotlib.path import Path


class _Tile(Rectangle):
    """The background of one image of the strip, as an inset Axes' patch; at
    every draw it first places the tile where ``ax.inset_axes(bounds)`` holding
    ``imshow`` of an image of ``shape`` would be.

    ``trans_axes`` and ``trans_data`` are that inset Axes' ``transAxes`` and
    ``transData`` (built as ``Axes._set_lim_and_transforms`` builds them, the
    data limits those ``imshow`` sets); ``frame`` draws its spines."""

    def __init__(self, ax, bounds, shape, spine_paths):
        super().__init__((0.0, 0.0), 1.0, 1.0)
        h, w = shape
        self._tile_bounds = tuple(float(b) for b in bounds)
        # Axes.get_data_ratio of imshow's limits (-0.5, w - 0.5), (h - 0.5, -0.5)
        self._tile_aspect = ((h - 0.5) - (-0.5)) / ((w - 0.5) - (-0.5))
        self._tile_position = mtransforms.Bbox.unit()
        self.trans_axes = mtransforms.BboxTransformTo(
            mtransforms.TransformedBbox(self._tile_position,
                                        ax.figure.transSubfigure))
        view = mtransforms.Bbox([[-0.5, h - 0.5], [w - 0.5, -0.5]])
        scale = mtransforms.TransformWrapper(mtransforms.IdentityTransform())
        limits = mtransforms.BboxTransformFrom(
            mtransforms.TransformedBbox(view, scale))
        self.trans_data = scale + (limits + self.trans_axes)
        # the Axes' patch: its facecolor, no edge
        self.set_facecolor(mpl.rcParams["axes.facecolor"])
        self.set_edgecolor("none")
        self.set_linewidth(0)
        self.set_transform(self.trans_axes)
        self.set_zorder(0)
        self.frame = _Frame(self.trans_axes, self.trans_data, spine_paths)

    def place(self, ax, to_figure=None, fig_aspect=None):
        """The tile's position, as ``Axes.apply_aspect`` sets that of an inset
        Axes of these bounds (``_TransformedBoundsLocator``): equal aspect,
        anchored at its centre. ``to_figure`` (``ax.transAxes -
        fig.transSubfigure``) and ``fig_aspect`` as at this moment, or None."""
        fig = ax.figure
        if to_figure is None:
            to_figure = ax.transAxes - fig.transSubfigure
            bb = mtransforms.Bbox.unit().transformed(fig.transSubfigure)
            fig_aspect = bb.height / bb.width
        pb = mtransforms.TransformedBbox(
            mtransforms.Bbox.from_bounds(*self._tile_bounds), to_figure).frozen()
        pb1 = pb.shrunk_to_aspect(self._tile_aspect, pb, fig_aspect)
        self._tile_position.set(pb1.anchored("C", pb))

    def draw(self, renderer):
        # the strip's own place is set before its artists draw (the figure
        # applies its locator first)
        self.place(self.axes)
        if self.axes.patch.get_facecolor()[3] == 0:
            # savefig(transparent=True) makes every Axes' patch transparent for
            # the save, an inset Axes' too (matplotlib >= 3.8; 3.7 left the
            # insets opaque): the background is then not drawn (before this, a
            # translucent image was drawn over an opaque tile). The place is
            # still set: the image is clipped to the tile.
            self.stale = False
            return
        super().draw(renderer)


class _Frame(martist.Artist):
    """The four spines of a tile (left, right, bottom, top), each drawn as
    ``Spine.linear_spine`` makes it and ``Spine.draw`` places it: a line along
    the image's edge in the blended transform of the inset Axes' ``transAxes``
    and ``transData``."""

    def __init__(self, trans_axes, trans_data, spine_paths):
        super().__init__()
        self.set_zorder(0)
        self.spines = []
        for side, path in spine_paths.items():
            tx, ty = ((trans_axes, trans_data) if side in ("left", "right")
                      else (trans_data, trans_axes))
            spine = PathPatch(path, facecolor="none",
                              edgecolor=mpl.rcParams["axes.edgecolor"],
                              linewidth=mpl.rcParams["axes.linewidth"],
                              capstyle="projecting",
                              visible=mpl.rcParams[f"axes.spines.{side}"])
            spine.set_transform(mtransforms.blended_transform_factory(tx, ty))
            self.spines.append(spine)

    def set_figure(self, fig):
        super().set_figure(fig)
        for spine in self.spines:
            spine.set_figure(fig)

    def get_children(self):
        return list(self.spines)

    def get_window_extent(self, renderer=None):
        boxes = [s.get_window_extent(renderer) for s in self.spines
                 if s.get_visible()]
        return (mtransforms.Bbox.union(boxes) if boxes
                else mtransforms.Bbox.null())

    @martist.allow_rasterization
    def draw(self, renderer):
        if not self.get_visible():
            return
        for spine in self.spines:
            spine.draw(renderer)
        self.stale = False


def _spine_paths(shape):
    """The paths of the spines of an inset Axes holding ``imshow`` of an image
    of ``shape``: in Axes coordinates across, data coordinates along (its view
    limits), as ``Spine._adjust_location`` sets them."""
    h, w = shape
    low_y, high_y = h - 0.5, -0.5  # imshow's y limits (origin "upper")
    low_x, high_x = -0.5, w - 0.5
    return {"left": Path(np.array([[0.0, low_y], [0.0, high_y]])),
            "right": Path(np.array([[1.0, low_y], [1.0, high_y]])),
            "bottom": Path(np.array([[low_x, 0.0], [high_x, 0.0]])),
            "top": Path(np.array([[low_x, 1.0], [high_x, 1.0]]))}


def _unclipped(artist):
    # as an Axes' patch and spines: no clip (Axes.add_artist clips to the Axes)
    artist.set_clip_path(None)
    artist.set_clip_box(None)


def draw_tiles(ax, W, shape, boxes, kw, limits):
    """Draw ``W[i].reshape(shape)`` in ``ax`` at ``boxes[i]`` (bounds in ``ax``'s
    Axes coordinates) as ``ax.inset_axes(boxes[i]).imshow(..., **kw,
    **limits[i])`` with its ticks removed draws it; the images, an ndarray of
    ``AxesImage`` in ``ax``, each after its tile (background) and before its
    frame in ``ax``'s artists."""
    images = np.empty(len(W), dtype=object)
    paths = _spine_paths(shape)
    fig = ax.figure
    to_figure = ax.transAxes - fig.transSubfigure
    bb = mtransforms.Bbox.unit().transformed(fig.transSubfigure)
    fig_aspect = bb.height / bb.width
    # imshow (an image not in ax's data coordinates) leaves ax's limits as
    # they are, and with aspect="auto" its aspect too (matplotlib < 3.9 set
    # the rcParams' "equal" whatever the image's transform, shrinking the strip)
    autoscale = ax.get_autoscalex_on(), ax.get_autoscaley_on()
    ax.set_autoscale_on(False)
    try:
        for i, bounds in enumerate(boxes):
            tile = _Tile(ax, bounds, shape, paths)
            tile.place(ax, to_figure, fig_aspect)
            ax.add_artist(tile)
            _unclipped(tile)
            im = ax.imshow(W[i].reshape(shape), transform=tile.trans_data,
                           aspect="auto", **kw, **limits[i])
            # clipped to the tile, as imshow clips to its Axes' patch
            im.set_clip_path(tile)
            ax.add_artist(tile.frame)
            _unclipped(tile.frame)
            images[i] = im
    finally:
        ax.set_autoscalex_on(autoscale[0])
        ax.set_autoscaley_on(autoscale[1])
    return images
