"""polars DataFrames where sknonneg's code reads pandas ones.

scikit-learn takes a polars DataFrame wherever it takes a pandas one (its
feature names become ``feature_names_in_``) and ``set_output(transform="polars")``
returns one. sknonneg's estimators go through scikit-learn's validation and need
nothing more. The functions that read a DataFrame column by column and call the
model on modified copies of it (``sknonneg.inspection.check_monotonic``,
``sknonneg.robustness.additive_evasion_attack``) do so with pandas: a polars frame
is read as a pandas one of the same column names and values (each column through
polars' own ``to_numpy``: no pyarrow needed), and a frame they return is given
back as polars.
"""

import sys

import numpy as np

__all__ = ["from_pandas_like", "is_polars", "polars_to_pandas"]


def is_polars(X, kind="DataFrame"):
    """Whether ``X`` is a polars ``DataFrame`` (or ``kind="Series"``, a polars
    Series). False where polars is not imported (it is not a dependency)."""
    pl = sys.modules.get("polars")
    return pl is not None and isinstance(X, getattr(pl, kind))


def polars_to_pandas(X):
    """The polars DataFrame ``X`` as a pandas DataFrame of the same column names
    and values: a column of numbers or booleans keeps its NumPy dtype (integers
    with nulls become float64 with NaN, as ``to_numpy`` gives them), dates
    become ``datetime64`` (with their time zone, where they have one), a
    ``Categorical`` or ``Enum`` column a pandas ``category`` (an ``Enum``'s
    categories in its order, ordered), text what pandas makes of an array of
    strings (a null: missing). The values are copied."""
    import pandas as pd

    return pd.DataFrame({name: _pandas_column(X.get_column(name))
                         for name in X.columns}, columns=list(X.columns))


def _pandas_column(column):
    """One polars Series as the values of a pandas column (see
    ``polars_to_pandas``)."""
    import pandas as pd
    import polars as pl

    values = column.to_numpy()
    dtype = column.dtype
    zone = getattr(dtype, "time_zone", None)
    if zone is not None:
        # to_numpy gives the instants in UTC, without their zone: a 12:00 in
        # Paris would be read as 11:00.
        return pd.Series(values).dt.tz_localize("UTC").dt.tz_convert(zone)
    enum = getattr(pl, "Enum", None)
    if enum is not None and isinstance(dtype, enum):
        return pd.Categorical(values, categories=list(dtype.categories),
                              ordered=True)
    if isinstance(dtype, pl.Categorical) or dtype == pl.Categorical:
        # The categories in the order of their first row, as polars' to_pandas
        # gives them.
        present = pd.unique(pd.Series(values).dropna())
        return pd.Categorical(values, categories=present)
    return values


def from_pandas_like(frame, like):
    """The pandas DataFrame ``frame`` as polars when ``like`` (the input it was
    made from) is a polars DataFrame, else ``frame`` itself; columns keep their
    names and NumPy dtypes (a sparse column is densified: polars has none)."""
    if not is_polars(like):
        return frame
    import polars as pl

    return pl.DataFrame({str(name): np.asarray(frame[name])
                         for name in frame.columns})
