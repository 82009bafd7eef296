"""One flat float64 vector ``theta`` over the parameter blocks of any layers.

Each layer declares its blocks (``layers.Block``: shape, bounds, exact-L1 weights);
``ParameterLayout`` places them one after the other in ``theta``, the vector the
solvers work on, and describes their bounds and L1 weights as a ``Box``.

L1 is exact here. On a weight bounded at zero ``|w|`` is linear (``w`` or ``-w``), so
the penalty is the linear function ``c @ theta``, smooth for L-BFGS-B. A free weight
with an L1 penalty is split into ``w = w_pos - w_neg`` with ``w_pos, w_neg >= 0``;
then ``|w| = w_pos + w_neg`` at every optimum and the penalty is again linear. So
the L1 term of the objective is ``c @ theta`` with gradient ``c``, whatever the
constraints, and no sub-gradient ever reaches the optimizer.

No vector of the size of ``theta`` describes the bounds or ``c``: a block's bounds
and L1 weight are a scalar or one value per row of its weights (a sign constraint
per input feature), so the ``Box`` holds one value per row of each block
(``Segment``), a few kilobytes where ``theta`` may take hundreds of megabytes (a
bag-of-words first layer of 200,000 inputs x 100 units is 153 MB). Projected Adam
reads them per row; only L-BFGS-B needs whole bound arrays, which it builds once per
fit (``Box.lbfgsb_bounds``). ``lower``, ``upper`` and ``l1_linear`` (the whole
vectors) are built on each access, for inspection and tests.
"""

from dataclasses import dataclass

import numpy as np

from .._validation import check_network_fits_in_memory
from .layers import DenseLayer

__all__ = ["Box", "ParameterLayout", "Segment", "as_box"]

# Elements per piece in the passes over ``theta`` that need temporaries (the
# projected-gradient norm, the feasibility test): they stay this small whatever
# the number of parameters.
_PIECE = 1 << 16


@dataclass
class Segment:
    """A run of ``theta``, ``theta[start:start + n_rows * row_len]``, read as
    ``(n_rows, row_len)``: row ``r`` has the bounds ``lower[r]``, ``upper[r]`` and
    the L1 weight ``l1[r]`` (float64 arrays of length ``n_rows``)."""

    start: int
    n_rows: int
    row_len: int
    lower: np.ndarray
    upper: np.ndarray
    l1: np.ndarray

    @property
    def stop(self):
        return self.start + self.n_rows * self.row_len

    def rows(self, vector):
        """``vector``'s part in this segment, as ``(n_rows, row_len)`` (a view)."""
        return vector[self.start:self.stop].reshape(self.n_rows, self.row_len)

    def pieces(self, *vectors):
        """``(views of the vectors, lower, upper)`` over pieces of at most about
        ``_PIECE`` elements: the views 2-D, the bounds columns that broadcast with
        them."""
        rows = [self.rows(v) for v in vectors]
        if self.row_len >= _PIECE:
            for r in range(self.n_rows):
                for a in range(0, self.row_len, _PIECE):
                    b = min(a + _PIECE, self.row_len)
                    yield ([v[r:r + 1, a:b] for v in rows], self.lower[r:r + 1, None],
                           self.upper[r:r + 1, None])
            return
        step = max(1, _PIECE // self.row_len)
        for r in range(0, self.n_rows, step):
            s = slice(r, min(r + step, self.n_rows))
            yield [v[s] for v in rows], self.lower[s, None], self.upper[s, None]


def _row_values(value, shape):
    """``value`` (a scalar or an array that broadcasts to ``shape``) as a constant
    (a 0-d array), one value per row of a 2-D block (1-d), or None when it varies
    along a row. Reads ``value`` as given, never broadcast to the block's size."""
    value = np.asarray(value, dtype=np.float64)
    if value.size == 0 or np.all(value == value.flat[0]):
        return np.asarray(value.flat[0] if value.size else 0.0)
    if len(shape) == 2 and value.ndim == 2 and value.shape[1] == 1:
        return np.ascontiguousarray(np.broadcast_to(value, (shape[0], 1))[:, 0])
    return None


class Box:
    """The bounds and L1 weights of ``theta``, as ``Segment`` s that cover it.

    Parameters
    ----------
    segments : list of Segment
        In order, covering ``range(n_params)``.
    n_params : int
    """

    def __init__(self, segments, n_params):
        self.segments = list(segments)
        self.n_params = int(n_params)
        self.is_bounded = any(np.isfinite(s.lower).any() or np.isfinite(s.upper).any()
                              for s in self.segments)
        self.has_l1 = any(np.any(s.l1 != 0) for s in self.segments)

    @classmethod
    def from_arrays(cls, lower, upper):
        """The box of whole bound arrays (one row per parameter)."""
        lower = np.ascontiguousarray(lower, dtype=np.float64).reshape(-1)
        upper = np.ascontiguousarray(upper, dtype=np.float64).reshape(-1)
        if lower.shape != upper.shape:
            raise ValueError(f"lower and upper bounds differ in shape: {lower.shape} "
                             f"and {upper.shape}")
        n = lower.shape[0]
        return cls([Segment(0, n, 1, lower, upper, np.zeros(n))] if n else [], n)

    def _whole(self, field):
        out = np.empty(self.n_params)
        for s in self.segments:
            s.rows(out)[...] = getattr(s, field)[:, None]
        return out

    def arrays(self):
        """``(lower, upper)``: whole float64 arrays, built on each call."""
        return self._whole("lower"), self._whole("upper")

    def l1_vector(self):
        """The L1 weights ``c`` of the penalty ``c @ theta``, a whole array built on
        each call."""
        return self._whole("l1")

    def lbfgsb_bounds(self):
        """``(nbd, low, up)`` as scipy's ``setulb`` reads them (0 free, 1 lower
        bound only, 2 both, 3 upper only; 0.0 where there is no bound), filled
        segment by segment."""
        nbd = np.empty(self.n_params, dtype=np.int32)
        low, up = np.empty(self.n_params), np.empty(self.n_params)
        for s in self.segments:
            has_lower, has_upper = np.isfinite(s.lower), np.isfinite(s.upper)
            code = np.select([has_lower & has_upper, has_lower, has_upper], [2, 1, 3], 0)
            s.rows(nbd)[...] = code.astype(np.int32)[:, None]
            s.rows(low)[...] = np.where(has_lower, s.lower, 0.0)[:, None]
            s.rows(up)[...] = np.where(has_upper, s.upper, 0.0)[:, None]
        return nbd, low, up

    def project(self, theta, out=None):
        """Euclidean projection of ``theta`` onto the box (into ``out``; ``out=theta``
        projects in place, with no temporary)."""
        theta = np.asarray(theta, dtype=np.float64)
        if out is None:
            out = np.empty_like(theta)
        for s in self.segments:
            np.clip(s.rows(theta), s.lower[:, None], s.upper[:, None], out=s.rows(out))
        return out

    def contains(self, theta):
        """Whether every entry of ``theta`` lies within its bounds."""
        for s in self.segments:
            for (piece,), lower, upper in s.pieces(theta):
                if not np.all((lower <= piece) & (piece <= upper)):
                    return False
        return True

    def projected_gradient_norm(self, theta, grad):
        """``max |theta - clip(theta - grad, lower, upper)|``: zero at a bounded
        stationary point (L-BFGS-B's ``pgtol`` test); NaN without a gradient."""
        if grad is None:
            return np.nan
        grad = np.asarray(grad, dtype=np.float64)
        norm = 0.0
        for s in self.segments:
            for (t, g), lower, upper in s.pieces(theta, grad):
                step = np.clip(t - g, lower, upper)
                step -= t
                norm = max(norm, float(np.max(np.abs(step), initial=0.0)))
        return norm

    def l1_penalty(self, theta):
        """``c @ theta``, summed row by row."""
        total = 0.0
        for s in self.segments:
            if np.any(s.l1 != 0):
                total += float(s.l1 @ s.rows(theta).sum(axis=1))
        return total

    def add_l1_grad(self, grad):
        """``grad += c``, in place."""
        for s in self.segments:
            if np.any(s.l1 != 0):
                s.rows(grad)[...] += s.l1[:, None]


def as_box(bounds):
    """A ``Box`` as it is, or the box of a ``(lower, upper)`` pair of arrays."""
    if isinstance(bounds, Box):
        return bounds
    lower, upper = bounds
    return Box.from_arrays(lower, upper)


class ParameterLayout:
    """Where each layer's blocks live in ``theta``, their bounds and L1 weights.

    Parameters
    ----------
    layers : list of layer
        ``DenseLayer``, ``ABBALayer`` or any object with ``blocks()``,
        ``views(blocks)`` and ``pack(blocks, *arrays)``.

    Attributes
    ----------
    box : Box
        The bounds and L1 weights, per row of each block.
    """

    def __init__(self, layers):
        self.network = list(layers)
        self.n_layers = len(self.network)
        self.layer_sizes = [self.network[0].n_in] + [layer.n_out for layer in self.network]
        # Before any block (their per-row bounds included) is allocated: at least
        # the weights and biases of each layer.
        check_network_fits_in_memory(self.layer_sizes)
        self._slices = []  # per layer: {block name: (slice, shape)}
        offset = 0
        for layer in self.network:
            slices = {}
            for block in layer.blocks():
                slices[block.name] = (slice(offset, offset + block.size), block.shape)
                offset += block.size
            self._slices.append(slices)
        self.n_params = offset
        self.box = self._box()
        self.has_l1 = self.box.has_l1

    def packing(self):
        """Where every block lies in ``theta`` and its shape, layer by layer: two
        layouts with equal packings read a ``theta`` alike (a warm start may
        continue it), whatever their bounds."""
        return [[(name, s.start, s.stop, shape) for name, (s, shape) in slices.items()]
                for slices in self._slices]

    def same_network(self, other):
        """Whether ``other`` has this packing and the same per-row signs on every
        dense layer's ``coef`` (which set their bounds): the same network to
        continue training, compared without building arrays the size of theta."""
        signs, other_signs = self.coef_signs, other.coef_signs
        return (self.packing() == other.packing() and len(signs) == len(other_signs)
                and all(np.array_equal(a, b) for a, b in zip(signs, other_signs)))

    # The box follows from the layers; a pickle (a fitted estimator sent to a Dask
    # worker, or saved) carries only those.
    def __getstate__(self):
        state = self.__dict__.copy()
        for name in ("box", "lower", "upper", "l1_linear"):
            state.pop(name, None)
        return state

    def __setstate__(self, state):
        for name in ("lower", "upper", "l1_linear"):  # pickles of older versions
            state.pop(name, None)
        self.__dict__.update(state)
        self.box = self._box()
        self.has_l1 = self.box.has_l1

    def _box(self):
        segments = []
        for layer, slices in zip(self.network, self._slices):
            for block in layer.blocks():
                s, shape = slices[block.name]
                if block.size == 0:
                    continue
                given = (block.lower, block.upper, block.l1)
                rows = [_row_values(v, shape) for v in given]
                if all(r is not None and r.ndim == 0 for r in rows):
                    n_rows, row_len = 1, block.size  # one constant per block
                elif all(r is not None for r in rows):
                    n_rows, row_len = shape  # one value per row (per input feature)
                else:  # values that vary along a row: one per element
                    n_rows, row_len = block.size, 1
                    rows = [np.broadcast_to(np.asarray(v, dtype=np.float64),
                                            shape).reshape(-1) for v in given]
                segments.append(Segment(s.start, n_rows, row_len, *(
                    np.ascontiguousarray(np.broadcast_to(r, (n_rows,))) for r in rows)))
        return Box(segments, self.n_params)

    @property
    def lower(self):
        """Lower bounds of ``theta``, a whole array built on each access."""
        return self.box.arrays()[0]

    @property
    def upper(self):
        """Upper bounds of ``theta``, a whole array built on each access."""
        return self.box.arrays()[1]

    @property
    def l1_linear(self):
        """The L1 weights ``c`` (penalty ``c @ theta``), built on each access."""
        return self.box.l1_vector()

    # --------------------------------------------------------------- access
    def block_slice(self, layer, name):
        """``(slice, shape)`` of block ``name`` of layer ``layer`` in ``theta``."""
        return self._slices[layer][name]

    def blocks(self, theta):
        """Per layer, ``{block name: view of theta}`` (views, no copies)."""
        return [{name: theta[s].reshape(shape) for name, (s, shape) in slices.items()}
                for slices in self._slices]

    def weight_blocks(self, theta, layer):
        """Views of ``theta``: layer ``layer``'s weights, its 2-D blocks (every
        block but the intercepts), each of shape (n_in, n_out)."""
        return [theta[s].reshape(shape) for s, shape in self._slices[layer].values()
                if len(shape) == 2]

    def views(self, theta):
        """Per layer, its arrays as the layer names them: ``(coef, intercept)`` for a
        dense layer, ``(A, B, b_u, b_v)`` for an ABBA one (views where the layer
        stores them as such)."""
        return [layer.views(blocks)
                for layer, blocks in zip(self.network, self.blocks(theta))]

    def arrays(self, theta):
        """The layers' arrays as lists of new float64 arrays, one list per kind:
        ``(coefs, intercepts)`` for dense layers, ``(coefs_a, coefs_b,
        intercepts_u, intercepts_v)`` for ABBA ones (``pack``'s arguments)."""
        per_layer = [[np.array(a, dtype=np.float64) for a in arrays]
                     for arrays in self.views(theta)]
        return tuple(list(kind) for kind in zip(*per_layer))

    def pack(self, *arrays):
        """``theta`` of the given arrays (one list per kind, as ``arrays`` returns
        them), projected onto the bounds."""
        theta = np.zeros(self.n_params)
        for i, (layer, blocks) in enumerate(zip(self.network, self.blocks(theta))):
            layer.pack(blocks, *(kind[i] for kind in arrays))
        return self.project(theta, out=theta)

    @property
    def bounds(self):
        """``(lower, upper)``: whole arrays, built on each access (``box`` describes
        them without)."""
        return self.box.arrays()

    @property
    def is_bounded(self):
        return self.box.is_bounded

    def project(self, theta, out=None):
        """Euclidean projection onto the box of the bounds (``out=theta``: in
        place)."""
        return self.box.project(theta, out=out)

    def l1_penalty(self, theta):
        return self.box.l1_penalty(theta)

    def coef_shape(self, i):
        return self.network[i].shape

    # ------------------------------------------- what dense networks read
    @property
    def coef_signs(self):
        """Sign constraint per input row of every dense layer's ``coef``."""
        return [layer.signs for layer in self.network if isinstance(layer, DenseLayer)]

    @property
    def nonneg_layers(self):
        """Per dense layer, whether every one of its weights is constrained >= 0
        (every row's sign +1)."""
        return [bool(np.all(signs > 0)) for signs in self.coef_signs]
