"""Strongest input features of each hidden unit."""

import numpy as np
import pandas as pd

from .._validation import check_bool, parameter_error
from ._utils import feature_names as _feature_names
from ._utils import get_components, unit_indices


def top_features(
    estimator, feature_names=None, k=10, *, units=None, by="auto", drop_zero=False
):
    """List the k strongest input features of every first-layer unit.

    This is the tabular form of the paper's Fig. 4, where each hidden neuron
    of a text classifier is characterised by the ten words with the largest
    weights.

    Parameters
    ----------
    estimator : fitted estimator
        NonNegMLPClassifier, ABBAClassifier, MLPClassifier (first layer
        ``coefs_[0].T``), PCA, NMF, NonNegAutoencoder (``components_``: for the
        autoencoder its parts, the decoder's weights), or a Pipeline ending in
        one of them (e.g. ``CountVectorizer -> NonNegMLPClassifier``, or
        ``TfidfVectorizer -> NonNegAutoencoder`` for the words of each part).
    feature_names : array-like of str, default=None
        Names of the input features, one per feature and all different (a name
        given twice is a ``ValueError``: the table's ``feature`` column would not
        say which feature a row is). By default taken from the estimator's
        ``feature_names_in_`` (fitted on a pandas DataFrame), else, for a
        Pipeline, from the preceding steps' ``get_feature_names_out()``,
        else ``"x0", "x1", ...``.
    k : int, default=10
        Number of features per unit (capped at the number of features).
    units : array-like of int, default=None
        Units to report, in this order; all by default. Unit indices, not feature
        indices: negative ones count from the end, as NumPy's and as the ``units``
        of :class:`HiddenUnitsDisplay` (``-1`` is the last unit). A unit given
        twice (``[3, 3]``, or ``[-1]`` with the last unit's index) is a
        ``ValueError``: each unit is listed once.
    by : {"auto", "abs", "positive", "negative"}, default="auto"
        Ranking criterion. ``"abs"`` ranks by ``|weight|`` (keeping the sign
        in the ``weight`` column); ``"positive"`` by weight, descending
        (excitatory features); ``"negative"`` by weight, ascending
        (inhibitory features). ``"auto"`` is ``"positive"`` when all the
        first-layer weights are non-negative and ``"abs"`` otherwise; for a
        non-negative network the two coincide.
    drop_zero : bool, default=False
        Drop rows whose weight is exactly zero (a sparse non-negative unit may
        have fewer than ``k`` non-zero weights).

    Returns
    -------
    table : pandas.DataFrame
        Long format with columns ``unit`` (index of the unit), ``rank``
        (0 = strongest), ``feature`` (name) and ``weight`` (signed weight),
        ``k`` rows per unit, sorted by unit then rank. Ties keep the original
        feature order.

    See Also
    --------
    HiddenUnitsDisplay : Show the same weights as images.

    Examples
    --------
    >>> from sklearn.feature_extraction.text import CountVectorizer
    >>> from sklearn.decomposition import NMF
    >>> from sklearn.pipeline import make_pipeline
    >>> from sknonneg.inspection import top_features
    >>> docs = ["apple banana apple", "banana cherry", "cherry date date"]
    >>> pipe = make_pipeline(CountVectorizer(), NMF(2, random_state=0)).fit(docs)
    >>> top_features(pipe, k=2).columns.tolist()
    ['unit', 'rank', 'feature', 'weight']
    """
    # Before: any truthy value ("no") dropped the zero rows.
    drop_zero = check_bool(drop_zero, "drop_zero", "top_features")
    W = get_components(estimator)
    n_bad = int(np.count_nonzero(~np.isfinite(W)))
    if n_bad:
        # Before: listed, a NaN ranked anywhere (it compares false both ways), as
        # weight_sparsity and HiddenUnitsDisplay refuse them.
        raise ValueError(f"Input contains NaN or infinity: top_features needs finite "
                         f"weights; the first layer has {n_bad} NaN or infinite "
                         f"value(s).")
    n_units, n_features = W.shape
    names = _feature_names(estimator, feature_names, n_features)
    if feature_names is not None:
        values, counts = np.unique(names.astype(str), return_counts=True)
        if np.any(counts > 1):
            # Before: accepted, and two features read the same in the table.
            raise ValueError(
                f"feature_names must be unique; {values[counts > 1][:5].tolist()} "
                "appear more than once.")
    # bool is an int, but k=True is not a count (before: it was k=1)
    if not isinstance(k, (int, np.integer)) or isinstance(k, (bool, np.bool_)) or k < 1:
        raise parameter_error("top_features", "k", "an int in the range [1, inf)", k)
    k = min(int(k), n_features)
    if by == "auto":
        by = "positive" if np.all(W >= 0) else "abs"
    if by == "abs":
        key = -np.abs(W)
    elif by == "positive":
        key = -W
    elif by == "negative":
        key = W
    else:
        raise parameter_error("top_features", "by",
                              "a str among {'abs', 'auto', 'negative', 'positive'}", by)
    unit_idx = (np.arange(n_units) if units is None
                else unit_indices(units, n_units, "top_features"))
    order = np.argsort(key[unit_idx], axis=1, kind="stable")[:, :k]
    weights = np.take_along_axis(W[unit_idx], order, axis=1)
    table = pd.DataFrame(
        {
            "unit": np.repeat(unit_idx, k),
            "rank": np.tile(np.arange(k), len(unit_idx)),
            "feature": names[order.ravel()],
            "weight": weights.ravel(),
        }
    )
    if drop_zero:
        table = table[table["weight"] != 0].reset_index(drop=True)
    return table
