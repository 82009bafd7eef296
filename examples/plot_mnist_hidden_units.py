"""
===========================================
Hidden units of a positive network on MNIST
===========================================

The parts a positive network learns on the real MNIST digits (28x28), the data of
Fig. 3 of Chorowski & Zurada (2015), here on a 5,000-image training subset so that
the example runs in well under a minute.

This example needs ``mnist.npz`` in the data folder
(:func:`sknonneg.datasets.get_data_home`: the ``SKNONNEG_DATA`` environment variable,
else ``~/sknonneg_data``). It does not download anything: without the file it stops
with a ``FileNotFoundError`` that says where it looked, and the documentation build
reports it as an expected failure.
"""

# %%
# Load the data from the data folder
# ----------------------------------
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning

from sknonneg import NonNegMLPClassifier
from sknonneg.datasets import load_mnist
from sknonneg.inspection import HiddenUnitsDisplay, weight_sparsity

# sknonneg-data: mnist.npz (read from the data folder, never downloaded)
X_train, X_test, y_train, y_test = load_mnist(download_if_missing=False, return_X_y=True)
rng = np.random.RandomState(0)
subset = rng.choice(len(X_train), 5000, replace=False)
X_train, y_train = X_train[subset] / 255.0, y_train[subset]
X_test = X_test / 255.0

# %%
# A positive network with 100 hidden units
# ----------------------------------------
# float32 and 100 full-batch L-BFGS-B iterations.
# max_iter=100 caps the fit (build time); the filter keeps a ConvergenceWarning off
# the page
warnings.simplefilter("ignore", ConvergenceWarning)
clf = NonNegMLPClassifier(hidden_layer_sizes=100, positive=True, l1=1e-5,
                          max_iter=100, dtype="float32", random_state=0)
clf.fit(X_train, y_train)
print(f"test accuracy on the {len(X_test):,} test images: "
      f"{clf.score(X_test, y_test):.3f}")
weight_sparsity(clf)[["n_weights", "fraction_zero", "hoyer"]].round(3)

# %%
# The 32 hidden units with the strongest output weights, each scaled to its own
# largest weight (zero is black). They are strokes and blobs: parts of digits.
HiddenUnitsDisplay.from_estimator(clf, units=32, order="output_weight",
                                  image_shape=(28, 28), n_cols=8, normalize="unit",
                                  title="32 of 100 hidden units, strongest output "
                                        "weights first")
plt.show()
