"""The training objective of an ABBA network, its parameter layout and forward pass.

The network (Definition 3.2 of Vasilescu, Neacsu & Pesquet 2024, row convention):
the input ``x`` is doubled into ``[x, -x]``; ABBA layer ``l`` maps ``[x_{l-1},
z_{l-1}]`` to ``[x_l, z_l] = R_l([x_{l-1}, z_{l-1}] [[A_l, B_l], [B_l, A_l]] + [b_u,
b_v])`` with ``A_l, B_l >= 0``; the logits are the halving map ``(x_L - z_L) / 2``.
The hidden layers use ``activation``; the last ABBA layer uses the identity, so the
logits are unbounded as in any softmax classifier and equal
``d_{L-1} (A_L - B_L) / 2 + (b_u - b_v) / 2`` with ``d = x - z``: one product.
See ``sknonneg._abba_kernels`` for the two-product form of the hidden layers.

The objective, over ``theta`` holding every ``A_l, B_l`` (bounded at 0) and the free
``b_u, b_v``::

    loss(theta) = sum_i s_i nll(z_i, y_i) / sum_i s_i
                + sum_l l2_l (||A_l||_F^2 + ||B_l||_F^2) + sum_l l1_l sum(A_l + B_l)

L1 is linear on the non-negative blocks, hence exact and smooth.

With ``lipschitz_max``, the network is evaluated with every weight block multiplied
by ``c(theta) = min(1, (lipschitz_max / bound)^(1/L))`` (``sknonneg._lipschitz.
bound_scale``), and the gradient goes through ``c``: with ``G_l`` the gradient of the
data term with respect to the scaled blocks,
``dloss/dW_l = c G_l + (sum_k <G_k, W_k>) dc/dW_l``. The penalties act on the
unscaled blocks, which keeps them from drifting along the directions that ``c``
cancels.
"""

import numba
import numpy as np

from ._abba_kernels import ABBA_KERNELS, ACTIVATIONS, FIRST, INNER, LAST
from ._kernels import KERNELS
from ._lipschitz import abba_factor_grads, abba_factors, bound_scale
from ._objective import (_CSR, FirstLayerGradient, _as_kernel_input, n_chunks_for,
                         prepare_data)
from ._threads import fit_threads

__all__ = ["ABBALayout", "ABBAObjective", "abba_forward"]


class ABBALayout:
    """Where each ABBA layer's ``A``, ``B``, ``b_u``, ``b_v`` live in ``theta``.

    The counterpart of ``sknonneg._packing.ParameterLayout`` (same interface for
    the fitting loops: ``n_params``, ``lower``, ``upper``, ``bounds``, ``project``,
    ``l1_linear``), which cannot hold these layers: an ABBA layer has two coef blocks
    and ``2 n_out`` intercepts, and its input width is twice the previous layer's.
    Layer ``l`` occupies ``[A_l.ravel(), B_l.ravel(), b_u, b_v]``, or ``[W_l.ravel(),
    b_u, b_v]`` if it is ``free``.

    A free layer holds ``W = A - B``, unbounded, and ``B`` reads as zeros. Only the
    first and the last layer can be: the network reads nothing but their ``A - B``
    (module docstring of ``sknonneg._abba_kernels``). With no L1 penalty and no
    Lipschitz scale on them the two forms are one problem: for every ``W``, ``||A||^2
    + ||B||^2`` over ``A, B >= 0`` with ``A - B = W`` is least, ``||W||^2``, at ``A =
    max(W, 0)``, ``B = max(-W, 0)``, so the minima match. The free form has half the
    variables and no bounds, and scipy's L-BFGS-B costs far more per bounded variable
    than per free one (Reuters, 2000 features, 64 units: 80 ms per iteration with
    the first layer bounded, against 5 ms for an evaluation).

    Parameters
    ----------
    layer_sizes : sequence of int
        ``[n_features, n_hidden_1, ..., n_outputs]``, the half-widths ``N_l``: ABBA
        layer ``l`` has ``2 N_l`` units and blocks ``A_l, B_l`` of shape
        ``(N_{l-1}, N_l)``.
    l1 : sequence of float
        L1 penalty per layer, on ``A_l`` and ``B_l``.
    free : sequence of bool, default=None
        Per layer, whether it is stored as ``W = A - B`` (see above; no layer by
        default). Only the first and the last layer may be, without L1 penalty.
    """

    def __init__(self, layer_sizes, l1, free=None):
        self.layer_sizes = [int(s) for s in layer_sizes]
        self.n_layers = len(self.layer_sizes) - 1
        self.l1 = [float(v) for v in l1]
        self.free = [False] * self.n_layers if free is None else [bool(f) for f in free]
        for i, is_free in enumerate(self.free):
            if is_free and (0 < i < self.n_layers - 1 or self.l1[i] != 0.0):
                raise ValueError(f"layer {i} cannot be free: only the first and the last "
                                 f"layer, without L1 penalty, read A - B alone")
        self._slices = []
        offset = 0
        for i in range(self.n_layers):
            size = self.layer_sizes[i] * self.layer_sizes[i + 1]
            n_out = self.layer_sizes[i + 1]
            stops = np.cumsum([offset, size, 0 if self.free[i] else size, n_out, n_out])
            self._slices.append([slice(int(a), int(b)) for a, b in zip(stops[:-1], stops[1:])])
            offset = int(stops[-1])
        self.n_params = offset
        self.lower = np.full(self.n_params, -np.inf)
        self.upper = np.full(self.n_params, np.inf)
        self.l1_linear = np.zeros(self.n_params)
        for i, (a, b, _, _) in enumerate(self._slices):
            if self.free[i]:
                continue
            self.lower[a] = 0.0
            self.lower[b] = 0.0
            self.l1_linear[a] = self.l1[i]
            self.l1_linear[b] = self.l1[i]

    def coef_shape(self, i):
        return (self.layer_sizes[i], self.layer_sizes[i + 1])

    @property
    def bounds(self):
        return self.lower, self.upper

    @property
    def is_bounded(self):
        return not all(self.free)

    def project(self, theta, out=None):
        """Euclidean projection onto the bounds: negative blocks clipped to 0."""
        return np.clip(theta, self.lower, self.upper, out=out)

    def l1_penalty(self, theta):
        return float(self.l1_linear @ theta)

    def views(self, theta):
        """Per layer ``(A, B, b_u, b_v)``: views into ``theta`` (no copies); a free
        layer's ``(W, zeros, b_u, b_v)``, its ``B`` a new array on each call (what is
        written into it, such as a gradient, is dropped)."""
        layers = []
        for i, (a, b, bu, bv) in enumerate(self._slices):
            shape = self.coef_shape(i)
            block_b = np.zeros(shape) if self.free[i] else theta[b].reshape(shape)
            layers.append((theta[a].reshape(shape), block_b, theta[bu], theta[bv]))
        return layers

    def pack(self, coefs_a, coefs_b, intercepts_u, intercepts_v):
        """``theta`` of the given blocks, projected onto the bounds (a free layer
        stores ``A - B``)."""
        theta = np.zeros(self.n_params)
        for i, (a, b, bu, bv) in enumerate(self._slices):
            block_a = np.asarray(coefs_a[i], dtype=np.float64)
            block_b = np.asarray(coefs_b[i], dtype=np.float64)
            if self.free[i]:
                theta[a] = (block_a - block_b).ravel()
            else:
                theta[a] = block_a.ravel()
                theta[b] = block_b.ravel()
            theta[bu] = intercepts_u[i]
            theta[bv] = intercepts_v[i]
        return self.project(theta, out=theta)


class ABBAObjective:
    """Loss and gradient over ``theta`` for one data set, with reusable buffers.

    Parameters
    ----------
    layout : ABBALayout
    X : ndarray or sparse matrix of shape (n_samples, n_features)
    y : ndarray
        Class indices (``output="softmax"``) or a 0/1 indicator matrix
        (``"logistic"``).
    sample_weight : ndarray of shape (n_samples,)
    output : {"softmax", "logistic"}
    l2 : sequence of float, one per layer
    activation : {"tanh", "capped_leaky_relu", "identity"}
    slope, cap : float
        Parameters of the capped leaky ReLU (eq. 20: ``alpha``, ``beta``).
    lipschitz_max : float or None
    dtype : {np.float32, np.float64}
    parallel : bool
        Use the parallel kernels; call ``loss_grad`` inside
        ``sknonneg._threads.fit_threads()``.
    """

    def __init__(self, layout, X, y, sample_weight, *, output, l2, activation, slope,
                 cap, lipschitz_max=None, dtype=np.float64, parallel=True):
        self.layout = layout
        self.dtype = np.dtype(dtype)
        self.output = output
        self.l2 = [float(v) for v in l2]
        self.activation = ACTIVATIONS[activation]
        self.slope = float(slope)
        self.cap = float(cap)
        self.lipschitz_max = lipschitz_max
        self.gain = 1.0  # set by the fitting loops; ABBA layers have no gain
        self.kernels = KERNELS[bool(parallel)]
        self.abba_kernels = ABBA_KERNELS[bool(parallel)]
        self.parallel = bool(parallel)
        # The ABBA network doubles every layer: size the chunks by its real width.
        self.n_chunks = n_chunks_for(X.shape[0], [2 * s for s in layout.layer_sizes],
                                     parallel)
        self.n_samples = X.shape[0]
        self.set_data(X, y, sample_weight)

        n_samples = X.shape[0]
        sizes = layout.layer_sizes
        n_layers = layout.n_layers
        dt, nc = self.dtype, self.n_chunks
        shapes = [layout.coef_shape(i) for i in range(n_layers)]
        # coef_sum[l] = A + B (inner layers), coef_diff[l] = A - B (halved for the
        # output layer, whose logits are d (A - B) / 2); intercepts likewise.
        self.coef_sum = [np.empty(s, dtype=dt) for s in shapes]
        self.coef_diff = [np.empty(s, dtype=dt) for s in shapes]
        self.intercept_u = [np.empty(sizes[i + 1], dtype=dt) for i in range(n_layers)]
        self.intercept_v = [np.empty(sizes[i + 1], dtype=dt) for i in range(n_layers)]
        self.grad_sum = [np.empty(s, dtype=dt) for s in shapes]
        self.grad_diff = [np.empty(s, dtype=dt) for s in shapes]
        # Column sums of dL/dP (row 0) and dL/dQ (row 1): the intercepts' gradients.
        self.grad_icpt = [np.empty((2, sizes[i + 1]), dtype=dt) for i in range(n_layers)]
        # Per-chunk partial sums, added up by the kernels (the first layer's belong to
        # its FirstLayerGradient).
        self.partial_coef = [None if i == 0 else np.empty((nc, *s), dtype=dt)
                             for i, s in enumerate(shapes)]
        self.partial_coef_diff = [np.empty((nc, *s), dtype=dt) if 0 < i < n_layers - 1
                                  else None for i, s in enumerate(shapes)]
        self.partial_icpt = [np.empty((nc, sizes[i + 1]), dtype=dt)
                             for i in range(n_layers)]
        self.partial_sums = [np.empty((nc, 2, sizes[i + 1]), dtype=dt)
                             for i in range(n_layers - 1)]
        # Hidden layer l: its outputs (s, d) and its deltas (dL/dP, dL/dQ).
        hidden = [(n_samples, sizes[i + 1]) for i in range(n_layers - 1)]
        self.sums = [np.empty(h, dtype=dt) for h in hidden]
        self.diffs = [np.empty(h, dtype=dt) for h in hidden]
        self.delta_sums = [np.empty(h, dtype=dt) for h in hidden]
        self.delta_diffs = [np.empty(h, dtype=dt) for h in hidden]
        self.logits = np.empty((n_samples, sizes[-1]), dtype=dt)
        self.delta_out = np.empty_like(self.logits)
        self.grad = np.empty(layout.n_params)
        self._has_l1 = bool(np.any(layout.l1_linear))

    def set_data(self, X, y, sample_weight):
        """Points the objective at another batch with as many rows, reusing every
        buffer."""
        if X.shape[0] != self.n_samples:
            raise ValueError(f"set_data needs {self.n_samples} rows, got {X.shape[0]}")
        self.X, self.y, self.sample_weight, self.scale = prepare_data(
            X, y, sample_weight, self.output, self.dtype, self.parallel)
        self.first_layer = FirstLayerGradient(self.X, self.layout.layer_sizes[1],
                                              self.n_chunks, self.kernels,
                                              getattr(self, "first_layer", None))

    # ---------------------------------------------------------------- forward
    def _load_layers(self, theta):
        """Scaled blocks of ``theta`` into the compute buffers; returns
        ``(views, c, dc/dblocks or None)``."""
        views = self.layout.views(theta)
        c, dc = 1.0, None
        if self.lipschitz_max is not None:
            a_list = [v[0] for v in views]
            b_list = [v[1] for v in views]
            c, _, factor_dc = bound_scale(abba_factors(a_list, b_list),
                                          self.lipschitz_max)
            if factor_dc is not None:
                dc = abba_factor_grads(a_list, b_list, factor_dc)
        last = self.layout.n_layers - 1
        k = self.abba_kernels
        for i, (a, b, bu, bv) in enumerate(views):
            # The first layer sees s = 0 and the logits read only d: no A + B there.
            k.abba_load_layer(a, b, 0.5 * c if i == last else c, 0 < i < last,
                              self.coef_sum[i], self.coef_diff[i])
            if i == last:
                # Logits: (u - v) / 2, whose intercept is (b_u - b_v) / 2.
                np.subtract(bu, bv, out=self.intercept_u[i], casting="unsafe")
                self.intercept_u[i] *= 0.5
            else:
                self.intercept_u[i][...] = bu
                self.intercept_v[i][...] = bv
        return views, c, dc

    def _forward_hidden(self):
        k, nc = self.abba_kernels, self.n_chunks
        act, slope, cap = self.activation, self.slope, self.cap
        X = self.X
        if isinstance(X, _CSR):
            k.csr_abba_input_forward(X.data, X.indices, X.indptr, self.coef_diff[0],
                                     self.intercept_u[0], self.intercept_v[0], act,
                                     slope, cap, nc, self.sums[0], self.diffs[0])
        else:
            k.abba_input_forward(X, self.coef_diff[0], self.intercept_u[0],
                                 self.intercept_v[0], act, slope, cap, nc, self.sums[0],
                                 self.diffs[0])
        for i in range(1, self.layout.n_layers - 1):
            k.abba_forward(self.sums[i - 1], self.diffs[i - 1], self.coef_sum[i],
                           self.coef_diff[i], self.intercept_u[i], self.intercept_v[i],
                           act, slope, cap, nc, self.sums[i], self.diffs[i])

    # --------------------------------------------------------------- gradient
    def loss_grad(self, theta):
        """``(loss, grad)`` at ``theta``, both float64; for ``jac=True`` optimizers."""
        k, ak, nc = self.kernels, self.abba_kernels, self.n_chunks
        if self.parallel:
            # One numba thread per chunk; fit_threads restores the count afterwards.
            numba.set_num_threads(nc)
        layout = self.layout
        last = layout.n_layers - 1
        act, slope, cap = self.activation, self.slope, self.cap
        views, c, dc = self._load_layers(theta)
        self._forward_hidden()

        loss = k.linear_nll_grad(self.diffs[-1], self.coef_diff[last],
                                 self.intercept_u[last], self.y, self.sample_weight,
                                 self.scale, nc, self.logits, self.delta_out) * self.scale

        # Output layer: logits = d C + c0 with C = (A - B) / 2, c0 = (b_u - b_v) / 2.
        k.gram_colsum(self.diffs[-1], self.delta_out, nc, self.partial_coef[last],
                      self.partial_icpt[last], self.grad_diff[last],
                      self.grad_icpt[last][1])
        delta_sum, delta_diff = self.delta_out, self.delta_out
        for i in range(last - 1, -1, -1):
            ak.abba_backprop(delta_sum, self.coef_sum[i + 1], delta_diff,
                             self.coef_diff[i + 1], self.sums[i], self.diffs[i], act,
                             slope, cap, i + 1 != last, nc, self.partial_sums[i],
                             self.delta_sums[i], self.delta_diffs[i], self.grad_icpt[i])
            delta_sum, delta_diff = self.delta_sums[i], self.delta_diffs[i]
            if i > 0:
                ak.abba_gram(self.sums[i - 1], self.diffs[i - 1], delta_sum, delta_diff,
                             nc, self.partial_coef[i], self.partial_coef_diff[i],
                             self.grad_sum[i], self.grad_diff[i])
                continue
            # First layer: d = 2x and s = 0, so only x^T dL/dQ (its column sums,
            # written again here, are those abba_backprop already gave).
            self.first_layer.compute(delta_diff, self.partial_icpt[0], self.grad_diff[0],
                                     self.grad_icpt[0][1])
        return self._pack_grad(theta, views, c, dc, loss)

    def _pack_grad(self, theta, views, c, dc, loss):
        """Chain rule from the products' gradients to ``theta`` (float64)."""
        layout = self.layout
        last = layout.n_layers - 1
        grad_views = layout.views(self.grad)
        inner = 0.0  # sum_l <G_l, W_l>, G the gradient w.r.t. the scaled blocks
        for i, (a, b, _, _) in enumerate(views):
            g_a, g_b, g_bu, g_bv = grad_views[i]
            role = FIRST if i == 0 else LAST if i == last else INNER
            penalty, layer_inner = self.abba_kernels.abba_coef_grad(
                self.grad_sum[i], self.grad_diff[i], a, b, role, c, self.l2[i], g_a,
                g_b)
            loss += penalty
            inner += layer_inner
            icpt_sum, icpt_diff = self.grad_icpt[i]
            if i == last:
                g_bu[...] = 0.5 * icpt_diff
                np.negative(g_bu, out=g_bv)
            else:
                # u = (P + Q) / 2 + b_u, v = (P - Q) / 2 + b_v, and the kernels' deltas
                # are dL/dP = (du + dv) / 2, dL/dQ = (du - dv) / 2.
                np.add(icpt_sum, icpt_diff, out=g_bu, casting="unsafe")
                np.subtract(icpt_sum, icpt_diff, out=g_bv, casting="unsafe")
        if dc is not None:
            for (g_a, g_b, _, _), (dc_a, dc_b) in zip(grad_views, dc):
                g_a += inner * dc_a
                g_b += inner * dc_b
        if self._has_l1:
            loss += layout.l1_penalty(theta)
            self.grad += layout.l1_linear
        return float(loss), self.grad.copy()


def abba_forward(X, coefs_a, coefs_b, intercepts_u, intercepts_v, *, activation, slope,
                 cap, dtype=np.float64):
    """Hidden layers and logits of an ABBA network, for prediction (allocating).

    Returns ``(hidden, logits)``: ``hidden`` the list of ``(x_l, z_l)`` pairs of the
    hidden layers (each of shape (n_samples, N_l)), ``logits`` ``(x_L - z_L) / 2``.
    """
    code = ACTIVATIONS[activation]
    with fit_threads() as parallel:
        k = ABBA_KERNELS[parallel]
        n_samples = X.shape[0]
        sizes = [X.shape[1]] + [a.shape[1] for a in coefs_a]
        n_chunks = n_chunks_for(n_samples, [2 * s for s in sizes], parallel)
        if parallel:
            numba.set_num_threads(n_chunks)
        inputs = _as_kernel_input(X, dtype, parallel)

        def arr(value):
            return np.ascontiguousarray(value, dtype=dtype)

        hidden = []
        s = d = None
        for i in range(len(coefs_a) - 1):
            a, b = coefs_a[i], coefs_b[i]
            s_out = np.empty((n_samples, a.shape[1]), dtype=dtype)
            d_out = np.empty_like(s_out)
            if i == 0 and isinstance(inputs, _CSR):
                k.csr_abba_input_forward(inputs.data, inputs.indices, inputs.indptr,
                                         arr(a - b), arr(intercepts_u[i]),
                                         arr(intercepts_v[i]), code, slope, cap,
                                         n_chunks, s_out, d_out)
            elif i == 0:
                k.abba_input_forward(inputs, arr(a - b), arr(intercepts_u[i]),
                                     arr(intercepts_v[i]), code, slope, cap, n_chunks,
                                     s_out, d_out)
            else:
                k.abba_forward(s, d, arr(a + b), arr(a - b), arr(intercepts_u[i]),
                               arr(intercepts_v[i]), code, slope, cap, n_chunks, s_out,
                               d_out)
            s, d = s_out, d_out
            hidden.append(((s + d) / 2, (s - d) / 2))
        logits = d @ arr((coefs_a[-1] - coefs_b[-1]) / 2)
        logits += arr((intercepts_u[-1] - intercepts_v[-1]) / 2)
    return hidden, logits
