"""
==============================================================
Parts learned by a non-negative autoencoder, NMF and PCA
==============================================================

A sparse autoencoder whose decoder weights are non-negative
(:class:`sknonneg.NonNegAutoencoder`) reconstructs each image as an additive
combination of parts, as NMF does: its ``components_`` (the decoder's weights) are
non-negative images. PCA's components have both signs and cancel each other out.
We fit them on scikit-learn's 8x8 digits and show their 16 parts, then compare the
reconstruction error, the sparsity of the codes and the time ``transform`` takes
(the autoencoder's is one forward pass, NMF's an optimisation per call).

The autoencoder is shown twice: at its defaults but for 200 epochs (projected
Adam, no sparsity penalty, non-negative decoder: chosen for reconstruction, see
the estimator's Notes) and in the configuration of Hosseini-Asl, Zurada & Nasraoui's NCAE (KL
sparsity with weight 3 and target 0.05, the quadratic penalty on negative weights
of both layers, 400 L-BFGS-B iterations), whose codes are sparser and whose
reconstruction is worse. A penalty is not a constraint: some of NCAE's weights
stay negative, so its parts are signed images.
"""

# %%
# Data: 1797 digits of 8x8 pixels, scaled to [0, 1] for the autoencoder's sigmoid
# decoder.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import NMF, PCA
from sklearn.exceptions import ConvergenceWarning

from sknonneg import NonNegAutoencoder
from sknonneg.inspection import HiddenUnitsDisplay

X = load_digits().data / 16.0
k = 16

# %%
# Fit the models with 16 parts each.
models = {
    "NonNegAutoencoder": NonNegAutoencoder(k, max_iter=200, random_state=0),
    "NCAE (paper)": NonNegAutoencoder(
        k, nonneg="penalty", nonneg_layers="both", nonneg_penalty=3e-3,
        sparsity_target=0.05, sparsity_weight=3.0, solver="lbfgsb", max_iter=400,
        random_state=0),
    "NMF": NMF(k, init="nndsvda", max_iter=400, tol=1e-4, random_state=0),
    "PCA": PCA(k, random_state=0),
}
with warnings.catch_warnings():
    # max_iter caps the fits (build time); the filter keeps a ConvergenceWarning
    # off the page
    warnings.simplefilter("ignore", ConvergenceWarning)
    for model in models.values():
        model.fit(X)

# %%
# The parts. The default autoencoder's and NMF's are non-negative and drawn
# black at zero. NCAE's configuration only penalises negative weights
# (``nonneg="penalty"``, a weak ``nonneg_penalty=3e-3``) instead of forbidding
# them, so its parts have negative pixels (every one of them here, and over a
# quarter of its weights: printed at the end): the display then draws them, as
# PCA's signed components, grey-centred (grey is zero, darker is negative). Its
# negative weights are tiny, though (how tiny, as a share of the largest weight
# of their part, is printed at the end), so no pixel of that panel is visibly
# darker than grey. Each part is scaled to its own largest weight
# (``normalize="unit"``): NMF's parts differ in magnitude by more than an order
# (their largest weights by up to 30 times here: printed at the end), and on one
# shared scale most of them would show as black.
fig = plt.figure(figsize=(10, 3.3))
subfigs = fig.subfigures(1, len(models), wspace=0.02)
for subfig, (name, model) in zip(subfigs, models.items()):
    HiddenUnitsDisplay.from_estimator(model, image_shape=(8, 8), ax=subfig,
                                      normalize="unit", n_cols=4)
    subfig.suptitle(name)
plt.show()

# %%
# Reconstruction error, sparsity of the codes (Hoyer: 1 for a single active part,
# 0 for all equally active) and the time of ``transform`` (the best of 5 calls).


def hoyer(A):
    A = np.abs(A)
    n = A.shape[1]
    ratio = A.sum(1) / np.maximum(np.sqrt((A ** 2).sum(1)), 1e-300)
    return float(np.mean((np.sqrt(n) - ratio) / (np.sqrt(n) - 1)))


for name, model in models.items():
    seconds = np.inf
    for _ in range(5):
        start = time.perf_counter()
        codes = model.transform(X)
        seconds = min(seconds, time.perf_counter() - start)
    mse = np.mean((X - model.inverse_transform(codes)) ** 2)
    print(f"{name:18s} MSE {mse:.4f}  code sparsity {hoyer(codes):.2f}  "
          f"transform {1000 * seconds:.1f} ms")

# %%
# The default autoencoder's parts are non-negative exactly (projected Adam clips
# them at 0 after each step); NCAE's weak penalty (3e-3) lets many go negative,
# which is why its panel above is grey-centred:
for name in ("NonNegAutoencoder", "NCAE (paper)"):
    parts = models[name].components_
    # each part's most negative weight, as a share of its largest weight (a part
    # without a positive weight counts whole: its negative weights are all it has)
    top = parts.max(axis=1)
    share = np.max(np.where(top > 0, -parts.min(axis=1) / np.where(top > 0, top, 1),
                            np.where(parts.min(axis=1) < 0, np.inf, 0.0)))
    print(f"{name}: smallest part weight {parts.min():.2g}, "
          f"{np.mean(parts < 0):.1%} of the weights negative, in "
          f"{np.sum(np.any(parts < 0, axis=1))} of {parts.shape[0]} parts")
    print(f"  most negative weight {max(0.0, share):.1%} of its part's largest")

# %%
# NMF's parts on one scale: how much larger the largest part's top weight is than
# the smallest part's.
top = models["NMF"].components_.max(axis=1)
print(f"NMF: largest weights of the parts from {top.min():.3g} to {top.max():.3g}, "
      f"{top.max() / top.min():.0f} times")
