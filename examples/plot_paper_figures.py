"""
===========================================================
Figures 2-4 of Chorowski & Zurada (2015) on bundled data
===========================================================

"Learning understandable neural networks with nonnegative weight constraints"
compares networks trained with and without non-negative weights by looking
inside them. This example redoes those pictures with
:mod:`sknonneg.inspection` on data that ship with scikit-learn (no download):

* Fig. 2: digits 1, 2 and 6, networks with 10 hidden units; Hinton diagram of
  the output weights, the hidden units' weights as images below their columns,
  and the mean hidden activation per class as bars.
* Fig. 3: 32 of the 48 hidden units of an unconstrained and of a positive
  network trained on all ten digits, next to 32 PCA and 32 NMF components.
* Fig. 4: networks on a small built-in synthetic text corpus; every hidden unit
  is labelled with its strongest words (:func:`~sknonneg.inspection.top_features`),
  next to the hidden-to-output Hinton diagram.

The data are scikit-learn's 8x8 ``load_digits`` images scaled to [0, 1]. The
positive network is ``NonNegMLPClassifier(positive=True)``, the unconstrained
one the same estimator and objective with ``positive=False``. The networks are
trained for 200 L-BFGS-B iterations (the full-size figures on MNIST and
Reuters-21578 are on the :doc:`reproduction page </reproduction>`).
"""

# The gallery's thumbnail: Fig. 3, the second figure (Fig. 2, one network above
# the other, would shrink to a thin strip).
# sphinx_gallery_thumbnail_number = 2
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import load_digits
from sklearn.decomposition import NMF, PCA
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sknonneg import NonNegMLPClassifier
from sknonneg.inspection import (
    HiddenUnitsDisplay,
    OutputWeightsDisplay,
    describe_network,
    top_features,
)

SEED = 0
MAX_ITER = 200  # L-BFGS-B iterations
# MAX_ITER caps every fit (build time); the filter keeps a ConvergenceWarning off the
# page
warnings.simplefilter("ignore", ConvergenceWarning)
X, y = load_digits(return_X_y=True)
X = X / 16.0


def positive_net(hidden, max_iter, l1=1e-4, l2=1e-4):
    """The paper's network: every weight >= 0, gain annealed from 1 to 2."""
    return NonNegMLPClassifier(
        hidden_layer_sizes=(hidden,), positive=True, l1=l1, l2=l2,
        max_iter=max_iter, random_state=SEED,
    )


def unconstrained_net(hidden, max_iter, l1=1e-4, l2=1e-4):
    """The same network and objective without the sign constraint."""
    return NonNegMLPClassifier(
        hidden_layer_sizes=(hidden,), positive=False, l1=l1, l2=l2,
        max_iter=max_iter, random_state=SEED,
    )


def summary(est):
    """``describe_network``'s text, its first line split at its first "; " (whole,
    that line can be too long for the page's output box)."""
    first, _, rest = describe_network(est).partition("\n")
    return "\n".join([first.replace("; ", ";\n  ", 1)] + ([rest] if rest else []))


def _title(kind, est, X_test, y_test):
    err = 1 - est.score(X_test, y_test)
    name = type(est[-1] if hasattr(est, "steps") else est).__name__
    return f"{kind} ({name}), test error {err:.1%}"


# %%
# Fig. 2: digits 1, 2 and 6 with 10 hidden units
# ----------------------------------------------
# The positive network's output weights are non-negative and sparse: each class
# listens to a few hidden units. Each of these units is a sparse set of pixels
# where its digit has ink (the top bar and bottom row of a 2, the left side and
# lower loop of a 6): for the 1's and 6's units mostly pixels where the other two
# digits have less ink, for the 2's about half of their weight. Some of a class's
# units are near-copies of one another rather than different parts. The first lines
# printed below the figure list, for each class, the units that feed it and how far
# apart their input weights are (the largest difference of a pixel's weight, as
# a share of the pair's largest weight: 0% for copies, 100% for units with no
# pixel in common), and the units that feed more than one class. Ten units are
# more than three classes need, and nothing pushes the network to split a digit
# among them. The unit images are each scaled to their own largest absolute
# weight, so that the shapes show. In the unconstrained network an all-grey image
# with no output weight is a dead unit: the l1 penalty drove all its input
# weights to exactly zero (``describe_network`` counts them under ``dead``); its
# bar is the constant activation of its bias.
def print_units_per_class(net, title):
    """The hidden units that feed each class of a positive network, how alike their
    input weights are, and the units that feed several classes."""
    W_in, W_out = net.coefs_
    print(f"{title}: the units that feed each class")
    for c, label in enumerate(net.classes_):
        units = np.flatnonzero(W_out[:, c] > 0)
        pairs = []
        for k, i in enumerate(units):
            for j in units[k + 1:]:
                largest = np.abs(W_in[:, [i, j]]).max()
                gap = np.abs(W_in[:, i] - W_in[:, j]).max() / largest
                pairs.append(f"{i}-{j} {gap:.0%}")
        print(f"  class {label}: units {', '.join(map(str, units))}")
        if pairs:
            print(f"    input weights differ by {', '.join(pairs)}")
    shared = np.flatnonzero((W_out > 0).sum(axis=1) > 1)
    print("  units that feed more than one class:",
          ", ".join(map(str, shared)) or "none")


def figure2(X, y):
    keep = np.isin(y, [1, 2, 6])
    X_tr, X_te, y_tr, y_te = train_test_split(
        X[keep], y[keep], test_size=0.3, random_state=SEED, stratify=y[keep]
    )
    nets = {
        "unconstrained": unconstrained_net(10, MAX_ITER).fit(X_tr, y_tr),
        "positive": positive_net(10, MAX_ITER).fit(X_tr, y_tr),
    }
    print_units_per_class(nets["positive"], "Fig. 2, positive network")
    # one network above the other, so that the figure keeps a legible size in
    # the page's column
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 10.5), layout="constrained")
    for ax, (kind, net) in zip(axes, nets.items()):
        disp = OutputWeightsDisplay.from_estimator(
            net, X_te, y_te, order="class", show_images=True, ax=ax,
        )
        disp.ax_.set_title(_title(kind, net, X_te, y_te), pad=10, fontsize="medium")
        # each unit image on its own scale (as normalize="unit" in Fig. 3): on
        # the shared scale the positive units are dim grey on black
        for im in disp.images_display_.images_:
            w = np.abs(im.get_array())
            top = w.max() if w.max() > 0 else 1.0
            im.set_clim(-top if im.get_clim()[0] < 0 else 0.0, top)
        print(f"\nFig. 2, {kind} network\n{summary(net)}")
    fig.suptitle(
        "Fig. 2 analogue (digits 1, 2, 6): output weights (white +, black -, "
        "area ~ |w|),\nhidden weights as images, each scaled to its own largest "
        "|w|\n(0 = grey when signed, black when non-negative),\nmean hidden "
        "activation per class (bars)",
        fontsize="medium",
    )
    return fig


fig2 = figure2(X, y)

# %%
# Fig. 3: hidden units vs PCA vs NMF on all ten digits
# ----------------------------------------------------
# Unconstrained hidden units look like noise; positive ones, like NMF
# components, are non-negative and sparse, most of their 64 pixels exactly zero
# (on 8x8 images these are scattered dots and short pieces rather than the strokes
# the paper shows on MNIST). The uniform grey tiles in (a) are dead units (all input weights zero,
# counted under ``dead`` in the printed summary), as in Fig. 2.
def figure3(X, y):
    X_tr, X_te, y_tr, y_te = train_test_split(
        X, y, test_size=0.3, random_state=SEED, stratify=y
    )
    n_hidden, n_show = 48, 32
    unc = unconstrained_net(n_hidden, MAX_ITER).fit(X_tr, y_tr)
    pos = positive_net(n_hidden, MAX_ITER).fit(X_tr, y_tr)
    pca = PCA(n_show, random_state=SEED).fit(X_tr)
    nmf = NMF(n_show, init="nndsvda", max_iter=200, random_state=SEED).fit(X_tr)
    shown = np.sort(np.random.RandomState(SEED).choice(n_hidden, n_show, replace=False))

    fig, axes = plt.subplots(2, 2, figsize=(12, 7.5))
    panels = [
        (unc, shown, f"(a) {_title('unconstrained', unc, X_te, y_te)}"),
        (pos, shown, f"(b) {_title('positive', pos, X_te, y_te)}"),
        (pca, None, "(c) PCA: first 32 components"),
        (nmf, None, "(d) NMF: 32 components"),
    ]
    for ax, (est, units, title) in zip(axes.ravel(), panels):
        HiddenUnitsDisplay.from_estimator(
            est, units=units, image_shape=(8, 8), ax=ax, n_cols=8,
            normalize="unit", title=title,
        )
        ax.title.set_fontsize("medium")
    fig.suptitle(
        "Fig. 3 analogue (8x8 digits): weights of 32 of 48 hidden units and 32 "
        "components,\neach scaled to its own largest |w|; signed: 0 = grey, "
        "non-negative: 0 = black",
        fontsize="medium",
    )
    for name, est in [("unconstrained", unc), ("positive", pos), ("PCA", pca), ("NMF", nmf)]:
        print(f"\nFig. 3, {name}\n{summary(est)}")
    return fig


fig3 = figure3(X, y)

# %%
# Fig. 4: word lists on a small synthetic text corpus
# ---------------------------------------------------
# Documents mix topic words, common words and the noise word "blah". Most of a
# positive network's hidden units are lists of words of one topic, each feeding
# that topic's class; a unit can also mix the words of two topics and feed both
# classes (the units that do are printed first below the figure). The
# unconstrained network's units mix topics and signs.
TOPICS = {
    "grain": "grain harvest tonnes crop export silo farmers",
    "wheat": "wheat grain flour tonnes bushel crop winter",
    "corn": "corn maize grain bushel crop ethanol acreage",
    "money-fx": "dollar yen currency exchange fed intervention rate",
    "interest": "rate fed interest prime cut bank percent",
    "trade": "trade deficit tariff export import surplus dollar",
    "crude": "oil crude barrel opec price refinery pipeline",
}
COMMON = "said year market new would also week company government".split()


def text_corpus(n_per_topic=80, seed=SEED):
    """Tiny Reuters-like corpus generated from topic word lists.

    Documents mix 6-10 topic words with common words and the meaningless
    noise word "blah" (as in the paper's Reuters data).
    """
    rng = np.random.RandomState(seed)
    docs, labels = [], []
    for topic, words in TOPICS.items():
        words = words.split()
        for _ in range(n_per_topic):
            n_topic = rng.randint(6, 11)
            doc = list(rng.choice(words, n_topic))
            doc += list(rng.choice(COMMON, rng.randint(3, 8)))
            doc += ["blah"] * rng.poisson(1.0)
            rng.shuffle(doc)
            docs.append(" ".join(doc))
            labels.append(topic)
    return docs, np.array(labels)


def figure4():
    docs, labels = text_corpus()
    d_tr, d_te, y_tr, y_te = train_test_split(
        docs, labels, test_size=0.3, random_state=SEED, stratify=labels
    )
    nets = {
        "unconstrained": make_pipeline(CountVectorizer(), unconstrained_net(8, MAX_ITER)),
        "positive": make_pipeline(CountVectorizer(), positive_net(8, MAX_ITER)),
    }
    # one network above the other: side by side, the word labels are too small
    # to read in the page's column
    fig, axes = plt.subplots(2, 1, figsize=(7.5, 11), layout="constrained")
    for pipe in nets.values():
        pipe.fit(d_tr, y_tr)
    print_units_per_class(nets["positive"][-1], "Fig. 4, positive network")
    for ax, (kind, pipe) in zip(axes, nets.items()):
        # the paper's word lists: the six strongest words per hidden unit, with
        # signs for the unconstrained net (one call through the Pipeline)
        table = top_features(pipe, k=6)
        signed = (table["weight"] < 0).any()
        # three words to a line: six on one line ran off the page's left edge
        words = {}
        for unit, rows in table.groupby("unit"):
            signed_words = [
                (("+" if w > 0 else "-") if signed else "") + f
                for f, w in zip(rows["feature"], rows["weight"])
            ]
            words[unit] = " ".join(signed_words[:3]) + "\n" + " ".join(signed_words[3:])
        disp = OutputWeightsDisplay.from_estimator(
            pipe, order="class", transpose=True, ax=ax, title=False
        )
        disp.ax_.set_yticks(
            np.arange(len(disp.unit_ids)),
            [f"{words[u]}  [{u}]" for u in disp.unit_ids],
            fontsize="small",
        )
        disp.ax_.set_ylabel("")
        # the word lists take the room left of the diagram that the labels of the
        # class groups (order="class") would take: the lines between groups stay,
        # and each group's class is the column of its units' largest squares
        disp.ax_.set_yticks([], minor=True)
        disp.ax_.set_xticks(disp.ax_.get_xticks(), disp.ax_.get_xticklabels(),
                            rotation=45, ha="left")
        disp.ax_.set_title(_title(kind, pipe, d_te, y_te), fontsize="medium", pad=10)
        print(f"\nFig. 4, {kind} network\n{summary(pipe)}")
        print(table[table["unit"] == disp.unit_ids[0]].to_string(index=False))
    fig.suptitle(
        "Fig. 4 analogue (synthetic Reuters-like corpus):\nhidden units labelled by "
        "their strongest words;\nHinton diagram of hidden-to-class weights "
        "(white +, black -, area ~ |w|)",
        fontsize="medium",
    )
    # a little room beyond what the layout computes: the word labels sit beside
    # square (equal-aspect) diagrams, which it places only approximately
    fig.get_layout_engine().set(w_pad=0.2)
    return fig


fig4 = figure4()
plt.show()
