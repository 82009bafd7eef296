"""The certificate and the attack on text read through a ColumnTransformer (a
subject and a body column, each through its own vectorizer, beside numeric
columns), and through a HashingVectorizer."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MaxAbsScaler, OneHotEncoder, StandardScaler

from sknonneg import NonNegMLPClassifier
from sknonneg.robustness import additive_evasion_attack, monotone_certificate

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

WORDS = np.array("free money win offer cash prize hello meeting lunch report "
                 "notes agenda".split())


def _mails(seed=0, n=120):
    rng = np.random.RandomState(seed)
    subject = [" ".join(rng.choice(WORDS, 3)) for _ in range(n)]
    body = [" ".join(rng.choice(WORDS, 8)) for _ in range(n)]
    X = pd.DataFrame({"subject": subject, "body": body,
                      "length": rng.uniform(1, 5, size=n)})
    y = np.array([("free" in s) or (b.count("cash") > 1)
                  for s, b in zip(subject, body)]).astype(int)
    return X, y


def _net(**params):
    return NonNegMLPClassifier(**{"hidden_layer_sizes": 4, "output": "logistic",
                                  "max_iter": 40, "random_state": 0, **params})


def _pipe(subject, body=None, final=None, X=None, y=None):
    ct = ColumnTransformer([("s", subject, "subject"),
                            ("b", CountVectorizer() if body is None else body, "body"),
                            ("n", StandardScaler(), ["length"])])
    if X is None:
        X, y = _mails()
    return make_pipeline(ct, _net(positive=True) if final is None else final).fit(X, y)


MONOTONE = {
    "count": CountVectorizer(),
    "tfidf": TfidfVectorizer(norm=None),
    "sublinear": TfidfVectorizer(norm=None, sublinear_tf=True),
    "binary": CountVectorizer(binary=True),
    "count-tfidf": make_pipeline(CountVectorizer(),
                                 TfidfTransformer(norm=None, sublinear_tf=True)),
    "count-scaled": make_pipeline(CountVectorizer(), TfidfTransformer(norm=None),
                                  "passthrough"),
    "hashing": HashingVectorizer(alternate_sign=False, norm=None, n_features=16),
}


@pytest.mark.parametrize("name", list(MONOTONE))
def test_vectorizer_in_a_column_transformer_is_certified(name):
    # Before: each text column read as an arbitrary map, signs [0 0 1].
    cert = monotone_certificate(_pipe(MONOTONE[name]))
    assert cert.feature_signs_.tolist() == [1, 1, 1]
    assert cert.feature_names_.tolist() == ["subject", "body", "length"]
    assert cert.uncertified_reasons_ == {}


# Each with the refusal's words that the certificate's reason repeats.
NOT_MONOTONE_WHY = {
    "l2": "norm='l2': normalising", "l1": "norm='l1'",
    "hashing-signs": "alternate_sign=True", "hashing-l2": "norm='l2'",
    "bigrams": "ngram_range=(1, 2)", "chars": "analyzer='char'",
    "float32-sublinear": "float32", "float32-sublinear-after":
    "its step TfidfTransformer: ", "int8": "dtype=int8",
    "tokenizer": "custom tokenizer",
}
NOT_MONOTONE = {
    "l2": TfidfVectorizer(),
    "l1": TfidfVectorizer(norm="l1", use_idf=False),
    "hashing-signs": HashingVectorizer(norm=None, n_features=16),
    "hashing-l2": HashingVectorizer(alternate_sign=False, n_features=16),
    "bigrams": CountVectorizer(ngram_range=(1, 2)),
    "chars": CountVectorizer(analyzer="char"),
    "float32-sublinear": TfidfVectorizer(norm=None, sublinear_tf=True,
                                         dtype=np.float32),
    "float32-sublinear-after": make_pipeline(
        CountVectorizer(dtype=np.float32),
        TfidfTransformer(norm=None, sublinear_tf=True)),
    "int8": CountVectorizer(dtype=np.int8),
    "tokenizer": CountVectorizer(tokenizer=str.split, token_pattern=None),
}


@pytest.mark.parametrize("name", list(NOT_MONOTONE))
def test_non_monotone_vectorizer_in_a_column_transformer_stays_uncertified(name):
    # The same rules as for a vectorizer that starts the Pipeline: only the
    # column it reads is left uncertified.
    cert = monotone_certificate(_pipe(NOT_MONOTONE[name]))
    assert cert.feature_signs_.tolist() == [0, 1, 1]
    # It says why, in the words a Pipeline starting with it is refused with (before:
    # silent, the refusal was swallowed).
    assert list(cert.uncertified_reasons_) == ["subject"]
    why = cert.uncertified_reasons_["subject"]
    assert why.startswith("the ColumnTransformer's transformer 's' (")
    assert NOT_MONOTONE_WHY[name] in why, why


def test_uncertified_reasons_name_a_negative_weight_and_the_models_own_signs():
    """A transformer weight of -1, a one-hot block the model reads and a feature
    left free by monotonic_cst each give their own reason."""
    X, y = _mails()
    X = X.assign(kind=np.where(np.arange(len(X)) % 3, "a", "b"), size=X["length"])
    ct = ColumnTransformer([("s", CountVectorizer(), "subject"),
                            ("b", CountVectorizer(), "body"),
                            ("n", StandardScaler(), ["length"]),
                            ("k", OneHotEncoder(), ["kind"]),
                            ("z", StandardScaler(), ["size"])],
                           transformer_weights={"n": -1.0})
    names = ct.fit(X).get_feature_names_out()
    cst = [0 if n.startswith("z__") else 1 for n in names]
    pipe = make_pipeline(ct, _net(monotonic_cst=cst)).fit(X, y)
    cert = monotone_certificate(pipe)
    reasons = cert.uncertified_reasons_
    signs = dict(zip(cert.feature_names_, cert.feature_signs_.tolist()))
    assert sorted(reasons) == sorted(n for n, sign in signs.items() if sign == 0)
    assert "transformer_weights entry -1.0" in reasons["length"]
    assert "'k' (OneHotEncoder)" in reasons["kind"]
    assert "monotonic_cst leaves it free" in reasons["size"]
    assert "'z__size'" in reasons["size"]


def _codes_and_numbers(n=120):
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"a": rng.randint(0, 3, n).astype(float),
                      "b": rng.normal(size=n), "c": rng.normal(size=n)})
    return X, ((X["a"] + X["b"]) > 1).astype(int).to_numpy()


def test_uncertified_reasons_blame_only_blocks_the_model_reads():
    """A transformer whose columns the model does not read (zero weights, or a
    later selector dropped them) cannot lower the score, and is not blamed; one
    inside a nested ColumnTransformer is named. Before: every non-monotone block
    a feature went through was blamed, and a nested one gave "no direction could
    be proven"."""
    from sklearn.preprocessing import FunctionTransformer

    X, y = _codes_and_numbers()
    ct = ColumnTransformer([
        ("oh", OneHotEncoder(), ["a"]),
        ("cos", FunctionTransformer(np.cos, feature_names_out="one-to-one"),
         ["a", "b"])])
    pipe = make_pipeline(ct, LogisticRegression()).fit(X, y)
    pipe[-1].coef_[0, :3] = 0  # the one-hot columns: not read
    reasons = monotone_certificate(pipe).uncertified_reasons_
    assert sorted(reasons) == ["a", "b"]
    assert "'cos' (FunctionTransformer)" in reasons["a"]
    assert "OneHotEncoder" not in reasons["a"], reasons["a"]

    from sklearn.feature_selection import SelectFromModel

    # A selector that keeps the cos block's two columns alone.
    dropped = make_pipeline(clone(ct), SelectFromModel(LogisticRegression(),
                                                       threshold=-np.inf),
                            LogisticRegression())
    dropped[1]._get_support_mask = lambda: np.array([0, 0, 0, 1, 1], dtype=bool)
    dropped.fit(X, y)
    assert dropped[-1].n_features_in_ == 2
    reasons = monotone_certificate(dropped).uncertified_reasons_
    assert sorted(reasons) == ["a", "b"]
    assert "OneHotEncoder" not in reasons["a"], reasons["a"]

    inner = ColumnTransformer([("oh", OneHotEncoder(), [0]),
                               ("s", StandardScaler(), [1, 2])])
    nested = make_pipeline(
        ColumnTransformer([("p", make_pipeline(StandardScaler(), inner),
                            ["a", "b", "c"])]),
        LogisticRegression()).fit(X, y)
    cert = monotone_certificate(nested)
    assert cert.feature_signs_[0] == 0
    assert cert.uncertified_reasons_ == {
        "a": "the ColumnTransformer's transformer 'p' (Pipeline) keeps no certified "
             "direction: in it, the ColumnTransformer's transformer 'oh' "
             "(OneHotEncoder) keeps no certified direction: it is not a known "
             "per-feature non-decreasing map"}


def test_a_soft_votes_reasons_are_its_members():
    """A vote proves no direction where a member proves none (that member's reason
    is given) or where its members go opposite ways. Before: "its weights on it
    have both signs", for a member whose one-hot encoder was the reason."""
    from sklearn.ensemble import VotingClassifier

    X, y = _codes_and_numbers()
    coded = make_pipeline(ColumnTransformer([("oh", OneHotEncoder(), ["a"])],
                                            remainder="passthrough"),
                          LogisticRegression())
    vote = VotingClassifier([("coded", coded), ("lr", LogisticRegression())],
                            voting="soft").fit(X, y)
    lr = vote.estimators_[1]
    lr.coef_[0, 2] = -abs(lr.coef_[0, 2]) - 0.1
    vote.estimators_[0][-1].coef_[0, -1] = abs(vote.estimators_[0][-1].coef_[0, -1])
    cert = monotone_certificate(vote)
    assert cert.feature_signs_.tolist() == [0, 1, 0]
    reasons = cert.uncertified_reasons_
    assert "its member 'coded' proves none: the ColumnTransformer's transformer " \
           "'oh' (OneHotEncoder)" in reasons["a"]
    assert "both signs" not in reasons["a"]
    assert reasons["c"] == ("VotingClassifier proves no direction in its input 'c': "
                            "its members go in opposite directions in it "
                            "(non-decreasing: ['coded']; non-increasing: ['lr'])")


def test_uncertified_reasons_are_built_when_read():
    """A string per uncertified feature is built when the attribute is first read,
    not by monotone_certificate: a HashingVectorizer's 2**20 columns before a
    positive="output" network are mostly uncertified (before: a pass over every
    pair per feature, quadratic in the columns, and a dict of them built on each
    call). The certificate pickles before and after."""
    import pickle

    from sknonneg.robustness import _certificate

    rng = np.random.RandomState(0)
    docs = [" ".join(rng.choice(WORDS, 6)) for _ in range(60)]
    y = np.array(["free" in d for d in docs]).astype(int)
    pipe = make_pipeline(HashingVectorizer(n_features=64, alternate_sign=False,
                                           norm=None),
                         _net(positive="output", max_iter=5)).fit(docs, y)
    built = []
    real = _certificate._UncertifiedReasons.build
    cert = monotone_certificate(pipe)
    _certificate._UncertifiedReasons.build = lambda self: built.append(1) or real(self)
    try:
        copy = pickle.loads(pickle.dumps(cert))
        assert built == []
        zero = np.flatnonzero(cert.feature_signs_ == 0).tolist()
        assert 0 < len(zero) < 64
        assert sorted(cert.uncertified_reasons_) == zero
        assert cert.uncertified_reasons_ is cert.uncertified_reasons_
        assert built == [1]
        assert copy.uncertified_reasons_ == cert.uncertified_reasons_
        assert pickle.loads(pickle.dumps(cert)).uncertified_reasons_ == \
            cert.uncertified_reasons_
    finally:
        _certificate._UncertifiedReasons.build = real


def _add_words(X, column, rng, extra=("free", "lunch", "unseen", "agenda agenda")):
    out = X.copy()
    out[column] = [text + " " + " ".join(rng.choice(extra, rng.randint(1, 4)))
                   for text in X[column]]
    return out


@pytest.mark.parametrize("name", ["tfidf", "hashing"])
def test_added_words_in_both_columns_never_lower_a_certified_score(name):
    """The certificate is exact on the real pipeline: words added to the subject,
    the body or both never lower the computed decision function or probability
    of a positive=True network, row by row and in a batch."""
    pipe = _pipe(MONOTONE[name], body=TfidfVectorizer(norm=None))
    assert monotone_certificate(pipe).all_certified_
    X, _ = _mails(seed=1, n=200)
    rng = np.random.RandomState(0)
    before = pipe.decision_function(X)
    proba = pipe.predict_proba(X)[:, 1]
    for columns in (["subject"], ["body"], ["subject", "body"]):
        moved = X
        for column in columns:
            moved = _add_words(moved, column, rng)
        after = pipe.decision_function(moved)
        assert np.all(after >= before)
        assert np.all(pipe.predict_proba(moved)[:, 1] >= proba)
        assert np.any(after > before)  # the words were read
        # One row alone scores as in the batch.
        assert pipe.decision_function(moved.iloc[[3]])[0] == after[3]


def test_per_column_directions_through_monotonic_cst():
    """A network constrained up in the subject's words and down in the body's:
    the certificate gives each text column its direction, and adding words to
    the body never raises the score, to the subject never lowers it."""
    X, y = _mails()
    ct = ColumnTransformer([("s", CountVectorizer(), "subject"),
                            ("b", TfidfVectorizer(norm=None), "body"),
                            ("n", StandardScaler(), ["length"])]).fit(X)
    names = ct.get_feature_names_out()
    cst = [1 if n.startswith("s__") else -1 if n.startswith("b__") else 0
           for n in names]
    pipe = make_pipeline(ct, _net(monotonic_cst=cst)).fit(X, y)
    cert = monotone_certificate(pipe)
    assert cert.feature_signs_.tolist() == [1, -1, 0]
    Xt, _ = _mails(seed=2, n=150)
    rng = np.random.RandomState(1)
    before = pipe.decision_function(Xt)
    assert np.all(pipe.decision_function(_add_words(Xt, "subject", rng)) >= before)
    assert np.all(pipe.decision_function(_add_words(Xt, "body", rng)) <= before)


def test_bare_hashing_vectorizer_is_certified_on_hashed_columns():
    X, y = _mails()
    # 8 columns for 12 words: some words share a column, and the column counts
    # both; an added word only adds to its column.
    vec = HashingVectorizer(alternate_sign=False, norm=None, n_features=8)
    pipe = make_pipeline(vec, _net(positive=True)).fit(X["body"], y)
    cert = monotone_certificate(pipe)
    assert cert.n_features_ == 8 and cert.all_certified_
    assert cert.feature_names_ is None  # hashes have no names
    texts = X["body"]
    rng = np.random.RandomState(0)
    moved = _add_words(X, "body", rng, extra=tuple(WORDS) + ("zzz",))["body"]
    assert np.all(pipe.decision_function(moved) >= pipe.decision_function(texts))


@pytest.mark.parametrize("params, match", [
    ({"norm": None}, "alternate_sign=True"),
    ({"alternate_sign": False}, "norm='l2'"),
    ({"alternate_sign": False, "norm": None, "ngram_range": (1, 2)}, "ngram_range"),
    ({"alternate_sign": False, "norm": None, "analyzer": "char"}, "analyzer"),
])
def test_bare_hashing_vectorizer_that_is_not_monotone_is_refused(params, match):
    X, y = _mails()
    pipe = make_pipeline(HashingVectorizer(n_features=16, **params),
                         _net(positive=True)).fit(X["body"], y)
    with pytest.raises(ValueError, match=match):
        monotone_certificate(pipe)


def test_hashing_signs_do_lower_a_column():
    # Why alternate_sign=True is refused: some word adds -1 to its column.
    vec = HashingVectorizer(norm=None, n_features=16)
    assert vec.transform([" ".join(WORDS)]).min() < 0


def test_attack_on_text_columns_says_what_to_attack_and_it_adds_words():
    X, y = _mails()
    pipe = _pipe(CountVectorizer(), body=TfidfVectorizer(norm=None))
    # Before: "X has non-numeric columns ['subject', 'body']", with no way to
    # add words.
    with pytest.raises(ValueError, match=r"does not edit text.*ColumnTransformer "
                       r"'columntransformer'.*pipeline\[1:\].*"
                       r"pipeline\[:1\]\.transform\(X\).*output_indices_\['s'\]"
                       r".*'b'.*not plain word"):
        additive_evasion_attack(pipe, X, budget=3)
    # What it says: the rest of the Pipeline on the ColumnTransformer's features,
    # the subject's word counts allowed.
    names = pipe[0].get_feature_names_out()
    allowed = np.arange(names.size)[pipe[0].output_indices_["s"]]
    assert np.all(np.char.startswith(names[allowed].astype(str), "s__"))
    Xt = pipe[0].transform(X)
    result = additive_evasion_attack(pipe[1:], Xt, budget=3, features=allowed)
    assert result.attacked_.any() and not result.success_.any()
    # A raised count is that word added to the subject: on a model that is not
    # certified (free signs), the raised rows are the ColumnTransformer's
    # features of the subjects with the words appended.
    free = make_pipeline(clone(pipe[0]), LogisticRegression()).fit(X, y)
    Xt = free[0].transform(X)
    result = additive_evasion_attack(free[1:], Xt, budget=3, features=allowed)
    assert result.success_.any()
    adv = sp.csr_matrix(result.X_adv_)
    delta = (adv - sp.csr_matrix(Xt)).toarray()
    rows = np.flatnonzero(delta.sum(axis=1) > 0)
    assert rows.size
    for i in rows:
        added = " ".join(f"{names[j][3:]} " * int(delta[i, j])
                         for j in np.flatnonzero(delta[i]))
        row = X.iloc[[i]].copy()
        row["subject"] = row["subject"] + " " + added
        # (One row comes back dense: ColumnTransformer's sparse_threshold.)
        assert np.array_equal(np.asarray(sp.csr_matrix(free[0].transform(row))
                                         .toarray())[0], adv[i].toarray()[0])


def test_attack_on_a_bare_hashing_pipeline_calls_its_columns_counts():
    X, y = _mails()
    pipe = make_pipeline(HashingVectorizer(alternate_sign=False, norm=None,
                                           n_features=16),
                         _net(positive=True)).fit(X["body"], y)
    with pytest.raises(ValueError, match=r"pipeline\[1:\]") as info:
        additive_evasion_attack(pipe, X["body"], budget=3)
    assert "not word counts" not in str(info.value)
    res = additive_evasion_attack(pipe[1:], pipe[0].transform(X["body"]), budget=3)
    assert res.attacked_.any() and not res.success_.any()


# ---------------------------------------------------------------- missing values
def _gaps(seed=0, n=160):
    rng = np.random.RandomState(seed)
    X = rng.poisson(1.0, size=(n, 6)).astype(float)
    y = (X[:, 0] - X[:, 1] + 0.3 * rng.randn(n) > 0).astype(int)
    gaps = X.copy()
    gaps[::5, 0] = np.nan
    gaps[::3, 1] = np.nan
    return gaps, y


def _check_missing_kept(result, X):
    adv = result.X_adv_
    adv = adv.toarray() if sp.issparse(adv) else np.asarray(adv, dtype=float)
    X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=float)
    assert np.array_equal(np.isnan(adv), np.isnan(X))  # missing stays missing
    assert np.all(adv[~np.isnan(X)] >= X[~np.isnan(X)])
    assert np.all(np.isfinite(result.cost_))
    raised = np.nan_to_num(adv - X)  # NaN - NaN: not raised
    assert np.allclose(result.cost_, raised.sum(axis=1))


@pytest.mark.parametrize("method", ["greedy", "gradient"])
@pytest.mark.parametrize("container", ["dense", "csr", "frame"])
def test_attack_keeps_missing_values_missing_behind_an_imputer(method, container):
    """NaN behind SimpleImputer(missing_values=np.nan): a missing value stays
    missing and is never raised; the present values are attacked. Before: the
    attack refused X ("Input contains NaN."), though the model reads it."""
    from sklearn.impute import SimpleImputer

    gaps, y = _gaps()
    pipe = make_pipeline(SimpleImputer(), MaxAbsScaler(),
                         LogisticRegression()).fit(gaps, y)
    X = {"dense": gaps, "csr": sp.csr_matrix(gaps),
         "frame": pd.DataFrame(gaps, columns=list("abcdef"))}[container]
    if container == "frame":
        pipe.fit(X, y)
    result = additive_evasion_attack(pipe, X, budget=3, method=method)
    assert result.attacked_.any() and result.success_.any()
    _check_missing_kept(result, X)
    # A row whose only helpful feature is missing is not evaded through it: the
    # search does not count a raise of a missing value as a move.
    rows = np.flatnonzero(result.attacked_)
    assert np.all(result.n_steps_[rows] * 1.0 == result.cost_[rows])


def test_attack_keeps_missing_values_of_a_certified_network():
    from sklearn.impute import SimpleImputer

    gaps, y = _gaps()
    pipe = make_pipeline(SimpleImputer(add_indicator=True), StandardScaler(),
                         _net(positive=True)).fit(gaps, y)
    assert monotone_certificate(pipe).all_certified_
    result = additive_evasion_attack(pipe, gaps, budget=3)
    assert result.attacked_.any() and not result.success_.any()
    _check_missing_kept(result, gaps)


def test_attack_with_missing_values_and_an_infinite_budget():
    from sklearn.impute import SimpleImputer

    gaps, y = _gaps()
    pipe = make_pipeline(SimpleImputer(), LogisticRegression()).fit(gaps, y)
    result = additive_evasion_attack(pipe, gaps, budget=np.inf, upper=4.0)
    _check_missing_kept(result, gaps)
    adv = np.asarray(result.X_adv_)
    raised = ~np.isnan(gaps) & (adv > gaps)
    assert raised.any() and np.all(adv[raised] <= 4.0)


def test_attack_on_a_model_that_refuses_missing_values_says_so():
    gaps, y = _gaps()
    clf = LogisticRegression().fit(np.nan_to_num(gaps), y)
    with pytest.raises(ValueError, match="Input X contains NaN.\nLogisticRegression"):
        additive_evasion_attack(clf, gaps, budget=3)
    # Infinity is no missing value: still refused by the attack, naming X as the
    # estimators do.
    bad = np.nan_to_num(gaps)
    bad[0, 0] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        additive_evasion_attack(clf, bad, budget=3)


@pytest.mark.parametrize("upper", [None, 4.0])
@pytest.mark.parametrize("sparse", [False, True])
def test_attack_where_every_allowed_feature_is_missing_says_so(upper, sparse):
    """Every allowed feature missing on every attacked row: refused as such.
    Before: "step=1.0 raises every allowed feature ... past the largest float64
    ... or above upper" (or "upper leaves no allowed feature room"), naming a
    step and an upper that were not the cause."""
    from sklearn.impute import SimpleImputer

    gaps, y = _gaps()
    pipe = make_pipeline(SimpleImputer(), LogisticRegression()).fit(gaps, y)
    X = gaps.copy()
    X[:, :2] = np.nan
    X = sp.csr_matrix(X) if sparse else X
    with pytest.raises(ValueError, match=r"every allowed feature is missing \(NaN\)"):
        additive_evasion_attack(pipe, X, budget=3, features=[0, 1], upper=upper)
    # A present value of an allowed feature on the attacked rows is room enough.
    Xd = X.toarray() if sparse else X.copy()
    Xd[:, 0] = 0.0
    result = additive_evasion_attack(pipe, sp.csr_matrix(Xd) if sparse else Xd,
                                     budget=3, features=[0, 1], upper=upper)
    _check_missing_kept(result, Xd)


@pytest.mark.parametrize("vectorizer", [
    CountVectorizer(binary=True),
    HashingVectorizer(n_features=8, alternate_sign=False, norm=None, binary=True)])
def test_attack_refusal_says_binary_columns_stop_at_one(vectorizer):
    """A binary vectorizer's column is 1 once its word is in the text: a raise past
    1 adds no word. Before, the refusals said such columns count words (a raise by
    1 adds the word), for a vectorizer in a ColumnTransformer and one first in the
    Pipeline alike."""
    X, y = _mails()
    pipe = _pipe(clone(vectorizer))
    with pytest.raises(ValueError, match=r"The columns of 's' are 0 or 1 "
                       r"\(binary=True\).*pass upper=1"):
        additive_evasion_attack(pipe, X, budget=3)
    bare = make_pipeline(clone(vectorizer), LogisticRegression()).fit(X["subject"], y)
    with pytest.raises(ValueError, match=r"features are 0 or 1 \(binary=True\).*"
                       r"pass upper=1"):
        additive_evasion_attack(bare, X["subject"], budget=3)
    # Without binary, no such note.
    with pytest.raises(ValueError) as info:
        additive_evasion_attack(_pipe(clone(vectorizer).set_params(binary=False)), X,
                                budget=3)
    assert "binary" not in str(info.value)


def test_attack_keeps_pandas_na_of_a_nullable_integer_column():
    """A nullable Int64 column's pd.NA behind SimpleImputer stays NA and the
    column keeps its dtype; its present values and the float columns only rise."""
    from sklearn.impute import SimpleImputer

    rng = np.random.RandomState(0)
    X = rng.poisson(1.0, size=(160, 2)).astype(float)
    frame = pd.DataFrame({"a": pd.array([1, None, 2, 0] * 40, dtype="Int64"),
                          "b": X[:, 0], "c": X[:, 1]})
    y = (X[:, 0] - X[:, 1] + 0.3 * rng.randn(160) > 0).astype(int)
    pipe = make_pipeline(SimpleImputer(), LogisticRegression()).fit(frame, y)
    result = additive_evasion_attack(pipe, frame, budget=3)
    adv = result.X_adv_
    assert isinstance(adv, pd.DataFrame) and list(adv.columns) == ["a", "b", "c"]
    assert adv["a"].dtype == frame["a"].dtype
    assert np.array_equal(adv["a"].isna().to_numpy(), frame["a"].isna().to_numpy())
    present = ~frame["a"].isna().to_numpy()
    assert np.all(adv["a"].to_numpy()[present] >= frame["a"].to_numpy()[present])
    for column in "bc":
        assert np.all(adv[column].to_numpy() >= frame[column].to_numpy())
    assert result.attacked_.any() and np.all(np.isfinite(result.cost_))
