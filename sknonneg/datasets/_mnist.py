"""MNIST handwritten digits loader."""

import tokenize
import zipfile
import zlib

import numpy as np
from sklearn.utils import Bunch

from .._validation import check_flags
from ._base import (
    RemoteFileMetadata,
    _deprecate_positional_args,
    fetch_file,
    _redownload_hint,
)

__all__ = ["load_mnist"]

#: Metadata of the MNIST file (a ``np.savez_compressed`` archive).
MNIST = RemoteFileMetadata(
    filename="mnist.npz",
    sha256="58c05ffd9880e3b6ddfe8c74b89ccc40c0da6f6152f4c5203a7c6a12919c2344",
    size=11490517,
)

_KEYS = ("X_train", "y_train", "X_test", "y_test")

#: Images in each split of ``mnist.npz`` (the shapes the docstring promises), always
#: checked: a partial file (a smaller export) is a valid archive all the same.
N_SAMPLES = {"train": 60000, "test": 10000}

MNIST_DESCR = """\
.. _mnist_dataset:

MNIST handwritten digits
------------------------

**Source:** the MNIST database of handwritten digits by Yann LeCun, Corinna
Cortes and Christopher J. C. Burges, converted losslessly from the four
original IDX files (their uncompressed md5 sums equal the official ones).

**License:** Creative Commons Attribution-Share Alike 3.0 (CC BY-SA 3.0).

**Format:** 60,000 training and 10,000 test images of 28x28 grey-scale pixels,
flattened in row-major order to 784 features. Pixels are kept as ``uint8``
in 0..255 (divide by 255 to get values in [0, 1]); targets are the digits
0..9 as ``int64``. Rows are in the original, unshuffled IDX order.

=================   ==============================
Classes             10
Samples (train)     60,000
Samples (test)      10,000
Dimensionality      784 (28 x 28)
Features            integers 0-255
=================   ==============================

Train label counts (0..9): 5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265,
5851, 5949. Test label counts: 980, 1135, 1032, 1010, 982, 892, 958, 1028,
974, 1009.
"""


@_deprecate_positional_args("data_home")
def load_mnist(
    *,
    data_home=None,
    download_if_missing=True,
    return_X_y=False,
    verify=False,
):
    """Load the MNIST handwritten digits (standard 60,000 / 10,000 split).

    The data is read from ``<data_home>/mnist.npz``, a ``np.savez_compressed``
    archive holding ``X_train``, ``y_train``, ``X_test`` and ``y_test``.

    Every argument is keyword-only, as in scikit-learn's fetchers; ``data_home``
    passed by position is deprecated (a ``FutureWarning``, an error from version
    0.2).

    Parameters
    ----------
    data_home : str or path-like, default=None
        Directory holding ``mnist.npz``. ``None`` means the ``SKNONNEG_DATA``
        environment variable, else ``~/sknonneg_data`` (see
        :func:`sknonneg.datasets.get_data_home`).
    download_if_missing : bool, default=True
        If the file is missing, download it from the configured mirrors
        (checked against its sha256; folders of ``data_home`` created for it
        are removed again if no download succeeds). If False, raise
        :class:`FileNotFoundError` instead.
    return_X_y : bool, default=False
        If True, return ``(X_train, X_test, y_train, y_test)`` (the order of
        :func:`sklearn.model_selection.train_test_split`) instead of a Bunch.
    verify : bool, default=False
        If True, check the sha256 of an already present file (hashes about
        11 MB).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data_train : ndarray of shape (60000, 784), dtype uint8
            Training images, pixels 0..255, row-major 28x28.
        target_train : ndarray of shape (60000,), dtype int64
            Training digits 0..9.
        data_test : ndarray of shape (10000, 784), dtype uint8
            Test images.
        target_test : ndarray of shape (10000,), dtype int64
            Test digits.
        target_names : list of str
            ``["0", "1", ..., "9"]``; ``target_names[k]`` names class ``k``.
        image_shape : tuple of int
            ``(28, 28)``, to reshape a row into an image.
        filename : str
            Path of the file that was read.
        DESCR : str
            Description of the dataset (source, license, format).

    (X_train, X_test, y_train, y_test) : tuple of ndarray
        Returned instead when ``return_X_y`` is True.

    Raises
    ------
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    OSError
        If the download failed, or the file is corrupt, has an unexpected
        layout, images other than ``uint8`` pixels (a float export scaled to
        [0, 1], say) or another number of images than 60,000 and 10,000.

    Examples
    --------
    >>> from sknonneg.datasets import load_mnist
    >>> mnist = load_mnist()  # doctest: +SKIP
    >>> X = mnist.data_train / 255.0  # doctest: +SKIP
    >>> X.shape  # doctest: +SKIP
    (60000, 784)
    """
    check_flags("load_mnist", download_if_missing=download_if_missing,
                return_X_y=return_X_y, verify=verify)
    path = fetch_file(
        MNIST,
        data_home,
        download_if_missing=download_if_missing,
        verify=verify,
    )
    if not zipfile.is_zipfile(path):
        # Before: np.load read any other file as a pickle and said "If you trust
        # the file you can load it unsafely using the allow_pickle= keyword".
        with open(path, "rb") as f:
            head = f.read(6)
        what = ("a single .npy array" if head == b"\x93NUMPY"
                else "neither an .npz archive nor an array file")
        raise OSError(
            f"{path!r} is not a valid MNIST archive: it is {what}, expected an .npz "
            f"archive of {list(_KEYS)}. Replace it with a good copy (sha256 "
            f"{MNIST.sha256}).")
    try:
        archive = np.load(path, allow_pickle=False)
        if not isinstance(archive, np.lib.npyio.NpzFile):
            raise OSError(
                f"{path!r} is not a valid MNIST archive: a single array, expected "
                f"an .npz archive of {list(_KEYS)}"
            )
        with archive:
            missing = [k for k in _KEYS if k not in archive.files]
            if missing:
                raise OSError(
                    f"{path!r} is not a valid MNIST archive: missing arrays "
                    f"{missing} (expected {list(_KEYS)})"
                )
            X_train, y_train, X_test, y_test = (archive[k] for k in _KEYS)
    except (ValueError, EOFError, zipfile.BadZipFile, zlib.error, SyntaxError,
            tokenize.TokenError, NotImplementedError, RuntimeError) as exc:
        # A damaged byte of the compressed data (zlib.error), of an array's header
        # (which NumPy parses as a Python literal: SyntaxError, TokenError) or of
        # the zip's directory ("zip file version", "is encrypted":
        # NotImplementedError, RuntimeError) too; before, those escaped as
        # themselves, not the documented OSError.
        raise OSError(f"could not read MNIST archive {path!r}: {exc}") from exc

    for name, X, y in (("train", X_train, y_train), ("test", X_test, y_test)):
        if X.ndim != 2 or X.shape[1] != 784 or y.shape != (X.shape[0],):
            raise OSError(
                f"{path!r} has unexpected {name} shapes X={X.shape}, "
                f"y={y.shape}; expected (n, 784) and (n,)"
            )

        # Before: any numeric images were taken: a float export scaled to [0, 1]
        # loaded as it was, against the uint8 pixels 0..255 documented (which
        # the user is told to divide by 255).
        if not (X.dtype == np.uint8 and np.issubdtype(y.dtype, np.integer)):
            raise OSError(
                f"{path!r} has unexpected {name} dtypes X={X.dtype}, y={y.dtype}; "
                "expected uint8 images (pixels 0..255, the data set's documented "
                "format) and integer labels: the file is another version of it. "
                f"Replace it with a good copy (sha256 {MNIST.sha256})."
            )
        if y.size and (y.min() < 0 or y.max() > 9):
            raise OSError(f"{path!r} has {name} labels outside 0..9")
        # Before: a file of 100 images per split loaded as (100, 784), silently.
        expected = N_SAMPLES[name]
        if X.shape[0] != expected:
            raise OSError(
                f"{path!r} gives {X.shape[0]} {name} images, expected {expected} (the "
                "data set's documented size): the file is cut short or another "
                f"version of it. Check it with verify=True (sha256 {MNIST.sha256}); "
                + _redownload_hint())

    y_train = y_train.astype(np.int64)
    y_test = y_test.astype(np.int64)

    if return_X_y:
        return X_train, X_test, y_train, y_test

    return Bunch(
        data_train=X_train,
        target_train=y_train,
        data_test=X_test,
        target_test=y_test,
        target_names=[str(i) for i in range(10)],
        image_shape=(28, 28),
        filename=path,
        DESCR=MNIST_DESCR,
    )
