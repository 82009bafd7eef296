"""
===============================================
A text filter that adding words cannot fool
===============================================

A spam filter reads a mail's words; a spammer cannot remove the words that carry the
pitch, but can *add* innocent ones until the filter lets the mail through (a "good
word" attack). The same holds for malware detectors reading API calls or bytes.

A network whose weights are all non-negative, with a single logistic output, has a
score that cannot fall when a word count grows: no word added anywhere lowers it.
:func:`~sknonneg.robustness.monotone_certificate` reads that property off the fitted
weights, and :func:`~sknonneg.robustness.additive_evasion_attack` looks for the
evasions. We compare it with a network that constrains only its *output* layer, the
answer usually given to the question "how do I make my classifier robust to added
features?": that certifies only the few words whose first-layer weights happen to
have the right signs, by chance of training rather than by construction, and the
attack gets around it.

The data are Reuters-21578 news stories (ModApte split) on word counts; the filter
flags stories about corporate earnings ("earn"), standing in for spam. The example
reads the data from the data folder (:func:`sknonneg.datasets.get_data_home`:
``SKNONNEG_DATA``) and stops with a ``FileNotFoundError`` that names the file when
it is not there; nothing is downloaded.
"""

# %%
# Load the word counts
# --------------------

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, MaxAbsScaler

from sknonneg import NonNegMLPClassifier
from sknonneg.datasets import load_reuters
from sknonneg.robustness import additive_evasion_attack, monotone_certificate

# sknonneg-data: reuters21578_modapte_top10.jsonl.gz (read from the data folder)
reuters = load_reuters(download_if_missing=False)

TOPIC = "earn"
vectorizer = CountVectorizer(stop_words="english", min_df=3)
X_train = vectorizer.fit_transform(reuters.data_train).astype(np.float64)
X_test = vectorizer.transform(reuters.data_test).astype(np.float64)
y_train = np.array([TOPIC in labels for labels in reuters.target_train], dtype=int)
y_test = np.array([TOPIC in labels for labels in reuters.target_test], dtype=int)
words = vectorizer.get_feature_names_out()
print(f"{X_train.shape[0]} training stories, {X_test.shape[0]} test stories, "
      f"{len(words)} words; {y_test.mean():.0%} of the test stories are '{TOPIC}'")

# %%
# Two networks on log-scaled counts
# ---------------------------------
# ``log1p`` and ``MaxAbsScaler`` are non-decreasing in each count, so they keep the
# certificate. The first network has every weight non-negative; the second only its
# output layer. The full constraint has a price: its test ROC AUC is a little lower.


def network(positive):
    return make_pipeline(
        FunctionTransformer(np.log1p), MaxAbsScaler(),
        NonNegMLPClassifier(hidden_layer_sizes=10, positive=positive,
                            output="logistic", max_iter=100, random_state=0))


models = {"positive=True": network(True), 'positive="output"': network("output")}
for name, model in models.items():
    model.fit(X_train, y_train)
    auc = roc_auc_score(y_test, model.decision_function(X_test))
    print(f"{name:>18}: test ROC AUC {auc:.4f}")

# %%
# What the weights certify
# ------------------------
# The certificate covers every word for the fully non-negative network. With only the
# output layer constrained, a hidden unit with a negative weight for a word falls when
# that word is added, and takes the score down with it: only the words whose
# first-layer weights all happen to be non-negative are certified, by chance of
# training. Some words have all their first-layer weights negative instead: their
# direction is certified too, but the wrong way (``feature_signs_`` is ``-1``:
# adding them can only lower the score), ready-made words for an evasion.
for name, model in models.items():
    cert = monotone_certificate(model)
    print(f"{name:>18}: {cert.certified_features_.sum()} of {cert.n_features_} "
          "words certified; "
          f"{(cert.feature_signs_ == -1).sum()} certified to lower the score")

# %%
# The attack
# ----------
# Every test story flagged as "earn" is attacked: the greedy search adds one word
# occurrence at a time (the one that lowers the score most among the 50 words the
# input gradient ranks best), up to 20 added words.
results, rates = {}, {}
budgets = np.arange(1, 21)
for name, model in models.items():
    result = additive_evasion_attack(model, X_test, budget=20, max_candidates=50)
    results[name] = result
    rates[name] = [result.success_rate_at(b) for b in budgets]
    print(f"{name:>18}: {result.attacked_.sum()} stories flagged, "
          f"{result.success_rate_:.0%} let through with <= 20 added words")

# %%
# One evasion, word by word: the words added to the first story that got through
# the output-constrained network.
result = results['positive="output"']
if result.success_.any():
    i = np.flatnonzero(result.success_)[0]
    added = (result.X_adv_[i] - X_test[i]).toarray().ravel()
    print({words[j]: int(added[j]) for j in np.flatnonzero(added)})

# %%
# Success rate against the number of added words
# ----------------------------------------------
fig, ax = plt.subplots(figsize=(6, 3.5))
for name, rate in rates.items():
    ax.plot(budgets, 100 * np.asarray(rate), marker="o", label=name)
ax.set_xlabel("words added to each flagged story (at most)")
ax.set_xticks([1, 5, 10, 15, 20])  # whole words, both ends of the budget
ax.set_ylabel("flagged stories let through (%)")
ax.set_title(f"Additive evasion of the '{TOPIC}' filter (Reuters)")
ax.legend()
fig.tight_layout()
plt.show()

# %%
# The certified network is never evaded, whatever the attack: its guarantee comes
# from the weights, not from the attack failing. It holds for features that adding
# words can only raise, such as these counts; on word *frequencies* an attacker who
# adds words also lowers every other frequency, which no monotone certificate on the
# frequencies covers (see ``benchmarks/evasion_spam.py`` for Spambase).
