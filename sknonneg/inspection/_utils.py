"""Private helpers shared by the inspection tools.

Everything here works on *fitted* estimators through duck typing:

* networks expose ``coefs_`` (list of ``(n_in, n_out)`` arrays), optionally
  ``components_`` (first layer as ``(n_units, n_features)``) and
  ``weight_constraints_`` (one of ``"nonneg"``, ``"free"``, ``"abba"`` per
  weight layer);
* decompositions such as :class:`~sklearn.decomposition.PCA` and
  :class:`~sklearn.decomposition.NMF` expose ``components_`` only;
* a :class:`~sklearn.pipeline.Pipeline` is inspected through its final step,
  the preceding steps supplying feature names and the input transformation.

An sknonneg network's attributes are read as it was fitted
(:func:`~sknonneg.neural_network._base.fitted_attribute`): its lists (``coefs_``,
...) can be edited, not its arrays, and an array put in a list's place
(``est.coefs_[0] = W``) or a value in an attribute's changes no prediction, so it
changes nothing drawn or reported either.
"""

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.pipeline import Pipeline
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from .. import _activations
from ..neural_network._base import fitted_attribute
from .._validation import (check_sparse_structure, install_hint, parameter_error,
                           search_hint)

MATPLOTLIB_MSG = f"plotting requires matplotlib; {install_hint('plot')}"


def has_fitted(final, name):
    """Whether ``final`` has the fitted attribute ``name`` (as
    :func:`~sknonneg.neural_network._base.fitted_attribute` reads it)."""
    return fitted_attribute(final, name, None) is not None


def import_pyplot():
    """Import :mod:`matplotlib.pyplot` lazily with a helpful error message."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - exercised via monkeypatch
        raise ImportError(MATPLOTLIB_MSG) from exc
    return plt


def check_title(title, caller):
    """A display's ``title``: a bool (``True``: the estimator's name), a str, or
    ``None`` (no title, as ``False``); anything else is scikit-learn's
    ``InvalidParameterError`` (a ``TypeError`` and ``ValueError``), naming
    ``caller`` (before: a
    number was drawn as the title, and ``np.True_`` was the title "True")."""
    if isinstance(title, (bool, np.bool_)):
        return bool(title)
    if title is None or isinstance(title, str):
        return title
    raise parameter_error(caller, "title", "a bool or a str", title)


def drawable_array(values, name, shape, one_d="row"):
    """``values`` as the 2-D float array a display draws, or a ``ValueError`` that
    names the parameter ``name``.

    Refused: complex or non-numeric values, an array that is not 2-D (``shape``
    says which axes it needs, as ``"(n_units, n_features)"``), an empty one, and
    NaN or infinite values (which drew blank or wrong pictures). A 1-D array is
    one row (``one_d="row"``, as ``np.atleast_2d``) or one column
    (``one_d="column"``).
    """
    if values is None:
        # Before: np.asarray(None) became NaN: "must be finite; got 1 NaN".
        raise ValueError(f"{name} must be a numeric array of shape {shape}, got None.")
    if hasattr(values, "toarray"):  # a sparse matrix: before, "setting an array
        values = values.toarray()  # element with a sequence"
    try:
        A = np.asarray(values)
        is_complex = np.iscomplexobj(A)
        if not is_complex:
            A = A.astype(np.float64)
    except (TypeError, ValueError) as exc:
        # strings, ragged nested lists, objects that are not numbers
        raise ValueError(f"{name} must be a numeric array: {exc}") from None
    if is_complex:
        raise ValueError(f"Complex data not supported: {name} must be real, got "
                         f"complex values.")
    if one_d == "row":
        A = np.atleast_2d(A)
    elif A.ndim == 1:
        A = A[:, None]
    if A.ndim != 2:
        raise ValueError(f"{name} must be a 2-D array of shape {shape}, got shape "
                         f"{A.shape}.")
    if A.size == 0:
        raise ValueError(f"{name} must not be empty: got shape {A.shape}, nothing to "
                         f"draw.")
    n_bad = int(np.count_nonzero(~np.isfinite(A)))
    if n_bad:
        raise ValueError(f"{name} must be finite; got {n_bad} NaN or infinite "
                         f"value(s).")
    return A


def check_labels(labels, name, what):
    """``labels`` (None, or one label per ``what``) as a list, or a ``ValueError``
    naming ``name``: a number (or another object that is not a sequence) was a bare
    "'int' object is not iterable". A str is a sequence of one-letter labels (its
    length is checked with the others')."""
    if labels is None:
        return None
    try:
        len(labels)  # a 0-d array has __len__, and raises here
        return list(labels)
    except TypeError:
        raise ValueError(f"{name} must be a list of labels, one per {what}; got "
                         f"{labels!r}.") from None


def split_pipeline(estimator):
    """Return ``(prefix, final)`` where ``prefix`` is ``None`` or a Pipeline."""
    if isinstance(estimator, Pipeline):
        final = estimator.steps[-1][1]
        prefix = estimator[:-1] if len(estimator.steps) > 1 else None
        if final is None or final == "passthrough":
            raise ValueError("the final step of the Pipeline must be an estimator")
        return prefix, final
    return None, estimator


def final_estimator(estimator):
    """Final step of a Pipeline (or the estimator itself), checked fitted."""
    _, final = split_pipeline(estimator)
    if not (has_fitted(final, "coefs_") or has_fitted(final, "components_")):
        if not hasattr(final, "fit"):
            # Before: scikit-learn's "<the whole input> is not an estimator
            # instance.", an array printed in full.
            raise TypeError(
                f"{type(final).__name__} object is not an estimator instance: "
                "expected a fitted estimator with `coefs_` (neural network) or "
                "`components_` (e.g. PCA, NMF), or a Pipeline ending in one.")
        # check_is_fitted gives the familiar NotFittedError for unfitted
        # estimators; otherwise the estimator is simply unsupported.
        check_is_fitted(final)
        # A fitted search (GridSearchCV, RandomizedSearchCV, the halving ones)
        # holds the network it refitted: say where (before, only "not supported").
        hint = search_hint(final, "pass")
        raise TypeError(
            f"{type(final).__name__} is not supported: expected a fitted "
            "estimator with `coefs_` (neural network) or `components_` "
            f"(e.g. PCA, NMF).{hint}"
        )
    return final


def estimator_name(estimator):
    """Readable name of the (final step of the) estimator."""
    _, final = split_pipeline(estimator)
    return type(final).__name__


def is_network(final):
    """Whether the estimator is a network exposing ``coefs_``."""
    return has_fitted(final, "coefs_")


def get_components(estimator):
    """First-layer weight vectors as ``(n_units, n_features)`` array.

    ``components_`` is preferred when present (PCA, NMF, NonNegMLPClassifier,
    ABBAClassifier); otherwise ``coefs_[0].T`` (MLPClassifier).
    """
    final = final_estimator(estimator)
    if has_fitted(final, "components_"):
        W = np.asarray(fitted_attribute(final, "components_"), dtype=float)
        _check_matrix(final, "components_", W)
        return W
    return get_layers(estimator)[0][0].T


def _check_matrix(final, name, W):
    """``W``, the fitted attribute ``name`` of ``final``, a 2-D matrix, else a
    ``ValueError`` naming it. Before: a 3-D ``coefs_[0]`` (a model whose fitted
    attributes were replaced, or an object that only looks like an MLP) was read
    as a layer "1 -> 4" by describe_network and weight_sparsity, as a matrix of
    NaN sparsities by hoyer_sparsity, and top_features failed with "too many
    values to unpack (expected 2)"."""
    if W.ndim != 2:
        raise ValueError(
            f"{type(final).__name__}.{name} must be a 2-D array of weights, got an "
            f"array of shape {W.shape}: the model's fitted attributes are not "
            "those of a fitted network (were they replaced?).")


def get_layers(estimator):
    """Weight layers as a list of ``(n_in, n_out)`` arrays with names.

    Returns
    -------
    layers : list of ndarray
    names : list of str
    """
    final = final_estimator(estimator)
    if is_network(final):
        layers = [np.asarray(W, dtype=float) for W in fitted_attribute(final, "coefs_")]
        if not layers:
            raise ValueError(f"{type(final).__name__}.coefs_ is empty: a fitted "
                             "network has one weight matrix per layer.")
        for i, W in enumerate(layers):
            _check_matrix(final, f"coefs_[{i}]", W)
        for i in range(len(layers) - 1):
            if layers[i].shape[1] != layers[i + 1].shape[0]:
                # Before: read as they came, "4 -> 0 -> 1" for layers of shapes
                # (4, 0) and (3, 1).
                raise ValueError(
                    f"{type(final).__name__}.coefs_ do not make a network: "
                    f"coefs_[{i}] has shape {layers[i].shape} and coefs_[{i + 1}] "
                    f"{layers[i + 1].shape} (each layer's outputs are the next "
                    "one's inputs).")
        n = len(layers)
        stage = ["input"] + [f"h{i}" for i in range(1, n)] + ["output"]
        names = [f"{stage[i]}->{stage[i + 1]}" for i in range(n)]
    else:
        W = np.asarray(fitted_attribute(final, "components_"), dtype=float)
        _check_matrix(final, "components_", W)
        layers = [W.T]
        names = ["components"]
    return layers, names


def layer_constraints(estimator, layers=None):
    """Constraint per layer and whether it was declared or inferred.

    Returns
    -------
    constraints : list of str
        ``weight_constraints_`` entries when the estimator declares them
        (``"nonneg"``, ``"free"``, ``"abba"``), otherwise inferred from the
        signs: ``"nonneg"`` if every weight is ``>= 0``, else ``"free"``.
    declared : bool
    """
    final = final_estimator(estimator)
    if layers is None:
        layers, _ = get_layers(estimator)
    declared = fitted_attribute(final, "weight_constraints_", None)
    if declared is not None and len(declared) == len(layers):
        return [str(c) for c in declared], True
    inferred = ["nonneg" if np.all(W >= 0) else "free" for W in layers]
    return inferred, False


def output_classes(final, n_outputs, estimator=None):
    """Labels of the output neurons (``classes_`` when it matches; an autoencoder's
    outputs reconstruct the input features, and are named after them: by
    :func:`feature_names` of ``estimator``, the Pipeline ending in ``final`` when
    given, so that the words of a ``TfidfVectorizer`` before it name them)."""
    classes = getattr(final, "classes_", None)
    if (classes is None and not is_classifier(final) and not is_regressor(final)
            and getattr(final, "n_features_in_", None) == n_outputs):
        # Before: in a Pipeline, x0, x1, ... where top_features named the same
        # features after the preceding steps' get_feature_names_out().
        names = feature_names(final if estimator is None else estimator,
                              n_features=n_outputs)
        return [str(n) for n in names]
    if classes is None or np.asarray(classes).ndim != 1:
        return [f"out{j}" for j in range(n_outputs)]
    classes = np.asarray(classes)
    blocks = fitted_attribute(final, "coefs_a_", None)
    if blocks is not None and n_outputs == 2 * np.shape(blocks[-1])[1]:
        # ABBA's doubled output [u, v]: logit j is (u_j - v_j) / 2 (the halving
        # map), one pair per class, or one pair for a binary logistic output.
        n = n_outputs // 2
        if len(classes) == n:
            names = [str(c) for c in classes]
        elif len(classes) == 2 and n == 1:
            names = [f"{classes[1]} (vs {classes[0]})"]
        else:
            names = [f"out{j}" for j in range(n)]
        return [f"{c} (u)" for c in names] + [f"{c} (v)" for c in names]
    if len(classes) == n_outputs:
        return [str(c) for c in classes]
    if len(classes) == 2 and n_outputs == 1:
        # binary logistic output: positive weights favour classes_[1]
        return [f"{classes[1]} (vs {classes[0]})"]
    return [f"out{j}" for j in range(n_outputs)]


def unit_outgoing_weights(estimator, layer, n_units):
    """Weights leaving the units of hidden layer ``layer`` (1-based).

    Returns
    -------
    W : ndarray, shape (n_units, n_next)
        ``coefs_[layer]``.
    to_output : bool
        Whether these weights connect directly to the output neurons.
    """
    final = final_estimator(estimator)
    coefs = fitted_attribute(final, "coefs_", None)
    if coefs is None or len(coefs) < 2:
        raise ValueError(
            f"{type(final).__name__} has no hidden-to-next-layer weights; "
            "ordering units by their outgoing weights needs a network with "
            "`coefs_` and at least one hidden layer."
        )
    W = np.asarray(coefs[layer], dtype=float)
    if W.shape[0] != n_units:
        raise ValueError(
            f"coefs_[{layer}] has {W.shape[0]} rows but there are {n_units} "
            "units; cannot order units by their outgoing weights."
        )
    return W, layer == len(coefs) - 1


def class_preference(W_out, classes):
    """Class each unit's outgoing (output-layer) weight favours most.

    Parameters
    ----------
    W_out : ndarray, shape (n_units, n_outputs)
        Weights of the units on the logits, one column per class (or one
        column, the logit of ``classes[1]``, for a binary logistic output).
    classes : array-like or None
        ``classes_`` of the estimator.

    Returns
    -------
    label_index : ndarray of int, shape (n_units,)
        Index into ``labels``; a unit whose outgoing weights are all zero
        favours no class and gets the last label, ``"none"``.
    strength : ndarray of float, shape (n_units,)
        Weight towards the favoured class (0 for ``"none"``).
    labels : list of str
        Labels indexed by ``label_index``: the classes, then ``"none"``.
    """
    n_units = W_out.shape[0]
    if W_out.shape[1] == 1:
        # binary classifier with a single logistic output: w > 0 favours
        # classes_[1], w < 0 favours classes_[0], w == 0 neither (before: a zero
        # weight was said to favour classes_[0], which no unit of a non-negative
        # network can do)
        w = W_out[:, 0]
        labels = (
            [str(c) for c in classes]
            if classes is not None and len(classes) == 2
            else ["neg", "pos"]
        )
        idx = np.where(w > 0, 1, np.where(w < 0, 0, 2))
        return idx, np.abs(w), labels + ["none"]
    idx = np.argmax(W_out, axis=1)
    strength = W_out[np.arange(n_units), idx]
    if classes is not None and len(classes) == W_out.shape[1]:
        labels = [str(c) for c in classes]
    else:
        labels = [f"out{j}" for j in range(W_out.shape[1])]
    none = ~np.any(W_out != 0, axis=1)
    idx = np.where(none, len(labels), idx)
    strength = np.where(none, 0.0, strength)
    return idx, strength, labels + ["none"]


def logit_weights(final, W_out):
    """Weights of the last hidden units on the logits.

    ``coefs_[-1]`` itself, except for ABBAClassifier, whose doubled output
    ``[u, v]`` (``2 n_outputs`` columns, ``coefs_[-1] = [[A, B], [B, A]]``) feeds
    the logits ``(u - v) / 2``: its units act on them through
    ``(W[:, :n] - W[:, n:]) / 2``, one column per logit.
    """
    a = fitted_attribute(final, "coefs_a_", None)
    if a is not None and W_out.shape[1] == 2 * np.shape(a[-1])[1]:
        n = W_out.shape[1] // 2
        return (W_out[:, :n] - W_out[:, n:]) / 2
    return W_out


def unit_indices(units, n_units, caller="unit_indices"):
    """``units`` (array-like of int, negative ones counted from the end) as indices
    in ``[0, n_units)``; a ``ValueError`` for anything else (scikit-learn's
    ``InvalidParameterError``, naming ``caller``, for a wrong type or an index
    out of range), and for a unit given twice (``[3, 3]``, or
    ``[-1, n_units - 1]``)."""
    try:
        idx = np.asarray(units)
    except Exception as exc:  # ragged sequences and the like
        raise parameter_error(caller, "units", "an array-like of int",
                              units) from exc
    if idx.ndim > 1:
        # Before: flattened, so [[0, 1]] (or a mask-like 2-D array) read as [0, 1].
        raise parameter_error(caller, "units", "a 1-D array-like of int", units,
                              f"(an array of shape {idx.shape}).")
    idx = idx.ravel()
    if idx.size == 0:
        raise ValueError("units must select at least one unit")
    if not (np.issubdtype(idx.dtype, np.integer)
            or (idx.dtype == object and all(isinstance(i, (int, np.integer))
                                            and not isinstance(i, bool) for i in idx))):
        raise parameter_error(caller, "units", "an array-like of int", units)
    # Compared as Python ints: one beyond int64 (2**70, held in an object array)
    # is out of range, where astype(np.int64) raised an OverflowError.
    if (min(int(i) for i in idx) < -n_units
            or max(int(i) for i in idx) >= n_units):
        raise parameter_error(
            caller, "units",
            f"an array-like of int in the range [-{n_units}, {n_units - 1}] (the "
            f"network has {n_units} units; negative ones count from the end)", units)
    idx = idx.astype(np.int64) % n_units
    values, counts = np.unique(idx, return_counts=True)
    if np.any(counts > 1):
        # Before: accepted, and the unit listed (or drawn) once per mention, so a
        # table's (unit, rank) pairs were no longer unique.
        twice = [int(v) for v in values[counts > 1][:5]]
        raise ValueError(
            f"units must not repeat a unit; got {units!r}, in which unit(s) {twice} "
            "appear more than once (negative indices count from the end).")
    return idx


def _class_round_robin(codes, none_code, k):
    """Positions of the ``k`` units to keep of units in class order (``codes``,
    their classes' indices, non-decreasing; strongest first within each class):
    the strongest unit of each class, then the second strongest of each, and so
    on (a class with fewer units drops out), the units that favour no class
    (``none_code``) after every class's; in their given (class) order."""
    codes = np.asarray(codes)
    rank = np.arange(codes.size) - np.searchsorted(codes, codes, side="left")
    rank = np.where(codes == none_code, codes.size + rank, rank)
    return np.sort(np.lexsort((codes, rank))[:k])


def order_units(estimator, n_units, units=None, order=None, layer=1,
                caller="order_units", first=None):
    """Select and order hidden units.

    Parameters
    ----------
    estimator : fitted estimator
    n_units : int
    units : None, int or array-like of int
        ``None``: all units; ``int`` n: the first n units *after* ordering
        (with ``order="class"``, the n strongest in turn over the classes: the
        strongest unit of each class, then the second strongest of each, ...,
        the units that favour no class last; shown in class order);
        array-like: these units (then ordered by ``order`` if given).
    order : {None, "output_weight", "class"}
        ``"output_weight"``: by total outgoing weight magnitude, strongest
        first; ``"class"``: grouped by the class whose logit the unit's output
        weight raises most (in ``classes_`` order; for ABBAClassifier through
        :func:`logit_weights`), strongest first within a group; units that
        favour no class (all output weights zero) come last, as ``"none"``;
        classifiers only (an estimator without ``classes_`` is refused).
    layer : int, default=1
        The units are those of hidden layer ``layer`` (1-based), whose
        outgoing weights are ``coefs_[layer]``.
    caller : str, default="order_units"
        The function named in the errors (scikit-learn's
        ``InvalidParameterError``) for a wrong ``units`` or ``order``.
    first : int or None, default=None
        For :func:`order_pairs`: keep ``first`` of the ``units`` given after
        ordering, as an int ``units`` does.

    Returns
    -------
    idx : ndarray of int
        Selected unit indices, in display order.
    group : list of str or None
        For ``order="class"`` the favoured class of each selected unit.
    """
    if order not in (None, "output_weight", "class"):
        raise parameter_error(caller, "order",
                              "a str among {'class', 'output_weight'} or None", order)
    take_first = first
    if isinstance(units, (bool, np.bool_)):
        # bool is an int, but units=True is not a count (before: it was units=1;
        # top_features refuses k=True the same way).
        raise parameter_error(caller, "units",
                              "an int in the range [1, inf), an array-like of int or "
                              "None", units)
    if units is None:
        idx = np.arange(n_units)
    elif isinstance(units, (int, np.integer)):
        if not 1 <= units <= n_units:
            raise parameter_error(caller, "units",
                                  f"an int in the range [1, {n_units}] (the "
                                  f"network's units)", units)
        idx = np.arange(n_units)
        take_first = int(units)
    else:
        idx = unit_indices(units, n_units, caller)

    group = None
    if order is not None:
        W, to_output = unit_outgoing_weights(estimator, layer, n_units)
        if order == "output_weight":
            strength = np.abs(W).sum(axis=1)
            idx = idx[np.argsort(-strength[idx], kind="stable")]
        else:
            if not to_output:
                raise ValueError(
                    "order='class' needs units connected directly to the "
                    "output layer (a network with one hidden layer)."
                )
            final = final_estimator(estimator)
            classes = getattr(final, "classes_", None)
            if classes is None:
                # Before: a regressor's or an autoencoder's units were grouped
                # under made-up classes ("2→neg", "→out0").
                raise ValueError(
                    f"order='class' groups units by the class they favour, for "
                    f"classifiers; {type(final).__name__} has no classes_. Use "
                    f"order='output_weight' or None.")
            # Before: ABBA's argmax ran over its 2C [u, v] columns, a unit filed
            # under the v column of the class whose logit it lowers ("out12").
            cls, strength, labels = class_preference(logit_weights(final, W), classes)
            key = np.lexsort((-strength[idx], cls[idx]))
            idx = idx[key]
            if take_first is not None:
                # Before: the first n in class order, so units=20 of a 64-unit
                # MNIST network showed classes 0 to 2 only.
                idx = idx[_class_round_robin(cls[idx], len(labels) - 1, take_first)]
                take_first = None
            group = [labels[c] for c in cls[idx]]
    if take_first is not None:
        idx = idx[:take_first]
    return idx, group


def abba_half(estimator, layer):
    """``N_layer``, the half-width of hidden layer ``layer`` (1-based) of an ABBA
    network (an estimator with ``coefs_a_``, whose layer has ``2 N_layer`` units:
    unit ``N_layer + i`` is the partner of unit ``i``), or None for any other
    estimator."""
    final = final_estimator(estimator)
    blocks = fitted_attribute(final, "coefs_a_", None)
    if blocks is None or not 1 <= layer < len(blocks):
        return None
    return int(np.shape(blocks[layer - 1])[1])


def check_pairs(pairs, caller):
    """``pairs`` is ``"both"`` or ``"once"``, else scikit-learn's
    ``InvalidParameterError`` naming ``caller``."""
    if not (isinstance(pairs, str) and pairs in ("both", "once")):
        raise parameter_error(caller, "pairs", "a str among {'both', 'once'}", pairs)
    return pairs


def order_pairs(estimator, n_units, units=None, order=None, layer=1,
                caller="order_pairs"):
    """:func:`order_units` over the ABBA pairs of hidden layer ``layer``, each
    pair ``{i, N + i}`` (``N = n_units // 2``) standing for both its units by
    its first one, ``i``, the unit that reads ``x`` (``pairs="once"``).

    ``units``: ``None``, every pair; an int ``n``, the first ``n`` pairs after
    ordering (with ``order="class"``, in turn over the classes, as
    :func:`order_units`); unit indices, the pairs they belong to (unit ``i`` or
    ``N + i``, or both, select pair ``i`` once), in order of first mention. The order and
    the class groups are those of unit ``i``: the two units of a pair have the same
    total outgoing weight magnitude, and unit ``N + i``'s weights on the logits
    are the negatives of unit ``i``'s. A ``ValueError`` for an estimator that
    is not an ABBA network.
    """
    half = abba_half(estimator, layer)
    if half is None or n_units != 2 * half:
        final = final_estimator(estimator)
        raise ValueError(
            f"pairs='once' shows each pair of units of an ABBA network (an "
            f"ABBAClassifier, whose hidden layer has 2 N units, unit N + i the "
            f"partner of unit i) once; {type(final).__name__} has no such pairs. "
            f"Use pairs='both'.")
    take_first = None
    if units is None:
        reps = np.arange(half)
    elif isinstance(units, (bool, np.bool_)):
        # not a count: refused in order_units' words
        return order_units(estimator, n_units, units=units, order=order, layer=layer,
                           caller=caller)
    elif isinstance(units, (int, np.integer)):
        if not 1 <= units <= half:
            raise parameter_error(caller, "units",
                                  f"an int in the range [1, {half}] (the network's "
                                  f"pairs of units, with pairs='once')", units)
        reps, take_first = np.arange(half), int(units)
    else:
        reps = unit_indices(units, n_units, caller) % half
        _, first = np.unique(reps, return_index=True)
        reps = reps[np.sort(first)]
    return order_units(estimator, n_units, units=reps, order=order, layer=layer,
                       caller=caller, first=take_first)


def feature_names(estimator, feature_names=None, n_features=None):
    """Input feature names for the first layer of ``estimator``.

    Order of precedence: explicit ``feature_names``; the final step's
    ``feature_names_in_``; in a Pipeline, the preceding steps'
    ``get_feature_names_out()``; the pipeline's own ``feature_names_in_`` when
    the preceding steps keep the number of features; finally ``x0, x1, ...``.
    """
    prefix, final = split_pipeline(estimator)
    if n_features is None:
        n_features = get_components(estimator).shape[1]
    if feature_names is not None:
        names = np.asarray(feature_names, dtype=object).ravel()
        if len(names) != n_features:
            raise ValueError(
                f"feature_names has {len(names)} entries but the estimator has "
                f"{n_features} input features"
            )
        return names
    names = getattr(final, "feature_names_in_", None)
    if names is None and prefix is not None:
        try:
            names = prefix.get_feature_names_out()
        except (AttributeError, TypeError, ValueError):
            names = None
    if names is None and isinstance(estimator, Pipeline):
        names = getattr(estimator, "feature_names_in_", None)
    if names is not None and len(names) == n_features:
        return np.asarray(names, dtype=object)
    return np.asarray([f"x{i}" for i in range(n_features)], dtype=object)


def _check_forward_input(final, X):
    """``X`` validated as an sklearn-style MLP's ``predict`` validates it, before
    :func:`hidden_activations` runs the forward pass itself.

    scikit-learn's MLPs call ``validate_data(self, X, accept_sparse=["csr",
    "csc"], reset=False)``: the same call gives the same errors (NaN or infinity,
    strings, a 1-D or empty X, the number of features) and the same feature-name
    checks, without changing the estimator. An object that is not a scikit-learn
    estimator (no ``__sklearn_tags__``) gets ``check_array``; the number of
    features is checked against ``coefs_[0]`` either way.
    """
    if hasattr(final, "__sklearn_tags__"):
        X = validate_data(final, X, accept_sparse=["csr", "csc"], reset=False)
    else:
        X = check_array(X, accept_sparse=["csr", "csc"], estimator=final)
    n_in = np.shape(fitted_attribute(final, "coefs_")[0])[0]
    if X.shape[1] != n_in:
        raise ValueError(f"X has {X.shape[1]} features, but {type(final).__name__} "
                         f"is expecting {n_in} features as input.")
    return X


def hidden_activations(estimator, X):
    """Activations of the last hidden layer for ``X``.

    Uses the final estimator's ``transform`` when it has one (the
    NonNegMLPClassifier contract; it validates ``X``); otherwise validates ``X``
    as the estimator's ``predict`` would (:func:`_check_forward_input`) and runs
    the forward pass of an sklearn-style MLP from ``coefs_``, ``intercepts_`` and
    ``activation``. Before, that forward pass took ``X`` as it came: NaN gave NaN
    activations, drawn as bars with a RuntimeWarning; a DataFrame with other
    column names was accepted; the wrong number of features was numpy's
    "matmul: Input operand 1 has a mismatch", a list an AttributeError.
    """
    prefix, final = split_pipeline(estimator)
    final = final_estimator(estimator)
    if not is_network(final):
        raise ValueError(f"{type(final).__name__} is not a neural network")
    Xt = prefix.transform(X) if prefix is not None else X
    check_sparse_structure(Xt)
    if hasattr(final, "transform"):
        return np.asarray(final.transform(Xt))
    act_name = getattr(final, "activation", "relu")
    if act_name not in _activations.DENSE:
        raise ValueError(f"unknown activation {act_name!r}")
    act = _activations.DENSE[act_name].function
    H = _check_forward_input(final, Xt)
    for W, b in zip(fitted_attribute(final, "coefs_")[:-1],
                    fitted_attribute(final, "intercepts_")[:-1]):
        H = act(safe_sparse_dot(H, W) + b)
    return np.asarray(H)
