"""Data home, remote file metadata, download and checksum helpers.

Every data file used by :mod:`sknonneg.datasets` is described by a
:class:`RemoteFileMetadata` record (file name, expected sha256 and optional
explicit URLs). :func:`fetch_file` looks the file up in the data home and,
when it is missing, downloads it from the configured mirrors, verifies its
sha256 and moves it into place atomically.
"""

import functools
import hashlib
import http.client
import logging
import os
import re
import shutil
import tempfile
import urllib.request
import warnings
from dataclasses import dataclass
from numbers import Real

from .._validation import check_flags, parameter_error

__all__ = [
    "MIRRORS",
    "RemoteFileMetadata",
    "clear_data_home",
    "fetch_file",
    "get_data_home",
]

logger = logging.getLogger(__name__)

#: Environment variable naming the data home (see :func:`get_data_home`).
DATA_HOME_ENV = "SKNONNEG_DATA"

#: Environment variable holding extra mirror base URLs (whitespace or comma
#: separated); they are tried before :data:`MIRRORS`.
MIRRORS_ENV = "SKNONNEG_DATA_MIRRORS"

#: Default data home when neither an argument nor ``SKNONNEG_DATA`` is given.
DEFAULT_DATA_HOME = os.path.join("~", "sknonneg_data")

#: Base URLs of mirrors holding the data files under their exact file names
#: (``<base>/<filename>``), tried in order after the explicit URLs of a
#: file's :class:`RemoteFileMetadata`. Modify the list in place, e.g.
#: ``sknonneg.datasets.MIRRORS.insert(0, "https://example.org/data/")``, or
#: set the ``SKNONNEG_DATA_MIRRORS`` environment variable.
#:
#: The default entry is a placeholder for a project-hosted mirror; it is not
#: known to serve the files yet. Downloads are always checked against the
#: sha256 recorded in the metadata, so a wrong or missing mirror can never
#: put unexpected content in the data home.
MIRRORS = [
    "https://github.com/sknonneg/sknonneg-data/releases/download/v1/",
]

#: Seconds before a download attempt from one URL gives up.
DOWNLOAD_TIMEOUT = 60.0

_CHUNK_SIZE = 1 << 20


@dataclass(frozen=True)
class RemoteFileMetadata:
    """Description of a data file that can be fetched from the network.

    Parameters
    ----------
    filename : str
        Name of the file inside the data home (and on every mirror): a plain
        name, without a folder (:func:`fetch_file` refuses an absolute path or
        one with a folder or ``..``, which would lie outside the data home).
    sha256 : str
        Expected sha256 digest of the file: 64 hexadecimal digits, either case
        (anything else is refused: it could match no file).
    urls : tuple of str, default=()
        Explicit download URLs tried first, in order, before the mirrors in
        ``SKNONNEG_DATA_MIRRORS`` and :data:`MIRRORS`.
    size : int or None, default=None
        Expected size in bytes, for information only.

    Examples
    --------
    >>> from sknonneg.datasets import RemoteFileMetadata
    >>> meta = RemoteFileMetadata("notes.txt", "0" * 64, size=5)
    >>> meta.filename, meta.urls, meta.size
    ('notes.txt', (), 5)

    :func:`fetch_file` finds or downloads the file it describes.
    """

    filename: str
    sha256: str
    urls: tuple = ()
    size: int | None = None

    def __post_init__(self):
        # A digest that is not 64 hexadecimal digits can match no file: before, it
        # was taken and every file was later refused as a "checksum mismatch".
        if not (isinstance(self.sha256, str)
                and re.fullmatch(r"[0-9a-fA-F]{64}", self.sha256)):
            raise ValueError(
                "The 'sha256' parameter of RemoteFileMetadata must be a str of 64 "
                f"hexadecimal digits (a sha256 digest). Got {self.sha256!r} instead.")


def _deprecate_positional_args(*names, version="0.2"):
    """Decorator of a loader whose arguments are keyword-only, accepting ``names``,
    its arguments that used to be positional, in their old order, with a
    ``FutureWarning`` worded as scikit-learn's ``_deprecate_positional_args`` words
    it (``load_mnist(home)`` worked before the arguments became keyword-only)."""

    def decorator(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            if args:
                if len(args) > len(names):
                    raise TypeError(
                        f"{func.__name__}() takes at most {len(names)} positional "
                        f"argument{'s' if len(names) > 1 else ''} ({', '.join(names)}, "
                        f"deprecated: pass them as keywords) but {len(args)} were "
                        "given")
                passed = dict(zip(names, args))
                for name in passed:
                    if name in kwargs:
                        raise TypeError(f"{func.__name__}() got multiple values for "
                                        f"argument {name!r}")
                given = ", ".join(f"{name}={value!r}" for name, value in passed.items())
                warnings.warn(
                    f"Pass {given} as keyword args. From version {version} passing "
                    "these as positional arguments will result in an error",
                    FutureWarning, stacklevel=2)
                kwargs.update(passed)
            return func(**kwargs)

        return wrapper

    return decorator


def get_data_home(data_home=None):
    """Return the path of the sknonneg data directory, creating it if needed.

    The directory is, in order of precedence: the ``data_home`` argument,
    the ``SKNONNEG_DATA`` environment variable (when set and non-empty), or
    ``~/sknonneg_data``. A leading ``~`` is expanded to the user's home.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Explicit data directory. ``None`` means use ``SKNONNEG_DATA`` or the
        per-user default.

    Returns
    -------
    data_home : str
        Absolute path of the data directory.

    Examples
    --------
    >>> import tempfile
    >>> from sknonneg.datasets import get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     get_data_home(tmp) == tmp
    True
    """
    data_home = _resolve_data_home(data_home)
    try:
        os.makedirs(data_home, exist_ok=True)
    except PermissionError as exc:
        raise PermissionError(
            exc.errno, f"The data home {data_home!r} cannot be created "
            f"({exc.strerror}): pass data_home or set {DATA_HOME_ENV} to a folder you "
            "can write, or to the folder that holds the data files.",
            exc.filename) from exc
    return data_home


def _resolve_data_home(data_home=None):
    """The data home as :func:`get_data_home` resolves it, without creating it: for
    reading, where a mistyped path must not leave a tree of empty folders."""
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_ENV) or DEFAULT_DATA_HOME
    if not isinstance(data_home, (str, bytes, os.PathLike)):
        # Before: os.fspath's "expected str, bytes or os.PathLike object, not int",
        # which named no argument.
        raise TypeError(f"data_home must be None, a str or a path-like object (a "
                        f"folder), got {type(data_home).__name__}: {data_home!r}.")
    data_home = os.path.abspath(os.path.expanduser(os.fsdecode(os.fspath(data_home))))
    if os.path.exists(data_home) and not os.path.isdir(data_home):
        raise NotADirectoryError(
            f"The data home {data_home!r} is a file, not a directory: pass data_home "
            f"or set {DATA_HOME_ENV} to the folder that holds the data files.")
    return data_home


def clear_data_home(data_home=None):
    """Delete the data directory and everything in it.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Data directory to delete; resolved as in :func:`get_data_home`. Nothing
        happens if it does not exist. Refused (``ValueError``): a symbolic link,
        and a folder that is or holds the home folder or the current folder (the
        file system's root, ``"~"``, ``""``).

    Returns
    -------
    None
        The folder is deleted in place.

    Examples
    --------
    >>> import os, tempfile
    >>> from sknonneg.datasets import clear_data_home, get_data_home
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     home = get_data_home(os.path.join(tmp, "data"))
    ...     clear_data_home(home)
    ...     os.path.exists(home)
    False
    """
    # Before: any folder was deleted: clear_data_home("~") the home folder, ""
    # the current one; a missing one was first created, parents included.
    data_home = _resolve_data_home(data_home)
    if not os.path.lexists(data_home):
        return
    if os.path.islink(data_home):
        raise ValueError(
            f"The data home {data_home!r} is a symbolic link: clear_data_home does not "
            "delete through it; delete the folder it points to yourself.")
    real = os.path.realpath(data_home)
    guarded = {os.path.realpath(os.path.expanduser("~")), os.path.realpath(os.getcwd())}
    if any(_within(place, real) for place in guarded):
        raise ValueError(
            f"clear_data_home refuses to delete {data_home!r}: it is, or holds, your "
            "home folder or the current folder. Pass the data folder itself (by "
            f"default {DEFAULT_DATA_HOME!r}), or delete its files yourself.")
    shutil.rmtree(data_home)


def _within(path, folder):
    """Whether ``path`` is ``folder`` or lies inside it (both real, absolute)."""
    try:
        return os.path.commonpath([path, folder]) == folder
    except ValueError:  # another drive (Windows)
        return False


def _check_metadata(metadata):
    """A TypeError for what is not a :class:`RemoteFileMetadata` (before: an
    AttributeError on ``.filename``), a ValueError for a file name that is not a
    plain name inside the data home: an absolute path or one with a folder or
    ``..`` was joined to the data home and read, or downloaded to, outside it."""
    if not isinstance(metadata, RemoteFileMetadata):
        raise TypeError(f"metadata must be a RemoteFileMetadata (the file's name, "
                        f"sha256 and URLs), got {type(metadata).__name__}: "
                        f"{metadata!r}.")
    name = metadata.filename
    if (not isinstance(name, str) or name in ("", ".", "..")
            or os.path.basename(name) != name
            or (os.altsep is not None and os.altsep in name)):
        raise ValueError(f"RemoteFileMetadata.filename must be a plain file name (no "
                         f"folder, not absolute), the name of the file inside the "
                         f"data home; got {name!r}.")


def _sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK_SIZE), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_sha256(path, metadata, advice=""):
    """An ``OSError`` (ending with ``advice``) if the sha256 of the file ``path``
    is not ``metadata.sha256``: ``fetch_file``'s ``verify`` and the tabular
    loaders' (which are not downloaded)."""
    actual = _sha256(path)
    if actual != metadata.sha256.lower():
        raise OSError(
            f"checksum mismatch for existing file {path!r}: expected sha256 "
            f"{metadata.sha256}, got {actual}." + (f" {advice}" if advice else ""))


def _candidate_urls(metadata):
    """Explicit URLs, then ``SKNONNEG_DATA_MIRRORS``, then ``MIRRORS``."""
    env_mirrors = [
        m for m in re.split(r"[\s,]+", os.environ.get(MIRRORS_ENV, "")) if m
    ]
    urls = list(metadata.urls)
    for base in [*env_mirrors, *MIRRORS]:
        urls.append(base.rstrip("/") + "/" + metadata.filename)
    # de-duplicate, keep order
    return list(dict.fromkeys(urls))


def _download_one(url, metadata, data_home, timeout):
    """Download ``url`` to a temp file in ``data_home``, check its sha256 and
    move it into place. Any failure removes the temp file and raises OSError.
    """
    target = os.path.join(data_home, metadata.filename)
    fd, tmp_path = tempfile.mkstemp(
        dir=data_home, prefix=f".{metadata.filename}.", suffix=".part"
    )
    try:
        digest = hashlib.sha256()
        n_bytes = 0
        with os.fdopen(fd, "wb") as out:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                for chunk in iter(lambda: response.read(_CHUNK_SIZE), b""):
                    out.write(chunk)
                    digest.update(chunk)
                    n_bytes += len(chunk)
            out.flush()
            os.fsync(out.fileno())
        actual = digest.hexdigest()
        if actual != metadata.sha256.lower():
            raise OSError(
                f"checksum mismatch for {metadata.filename!r} downloaded from "
                f"{url} ({n_bytes} bytes): expected sha256 {metadata.sha256}, "
                f"got {actual}; the corrupted download was deleted"
            )
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    except BaseException:
        try:
            os.remove(tmp_path)
        except FileNotFoundError:
            pass
        raise
    return target


def _missing_dirs(path):
    """The folders ``os.makedirs(path)`` would create, deepest first."""
    missing = []
    while not os.path.exists(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return missing


def _remove_empty_dirs(dirs):
    """Remove ``dirs`` (deepest first) while they are empty; one that is not (a
    concurrent download put a file there) is kept, with the folders above it."""
    for path in dirs:
        try:
            os.rmdir(path)
        except FileNotFoundError:  # never created (os.makedirs failed above it)
            continue
        except OSError:
            return


def _redownload_hint():
    """How to get a good copy of a damaged downloadable file: deleting it downloads
    it again only from a mirror that serves it, and the default entry of
    :data:`MIRRORS` is a placeholder (before: "delete it to download it again",
    which by default lost the file and then failed to download it)."""
    return ("replace it with a good copy, or delete it to download it again from a "
            f"mirror that serves it (sknonneg.datasets.MIRRORS or the {MIRRORS_ENV} "
            "environment variable; the default entry is a placeholder, not known to "
            "serve the files).")


def _missing_hint(metadata, data_home):
    return (
        f"Copy {metadata.filename!r} (sha256 {metadata.sha256}) into "
        f"{data_home!r}, or pass data_home=... / set the {DATA_HOME_ENV} "
        f"environment variable to a directory that contains it."
    )


def fetch_file(
    metadata,
    data_home=None,
    *,
    download_if_missing=True,
    verify=False,
    timeout=None,
):
    """Return the local path of a data file, downloading it if missing.

    The file is looked up as ``<data_home>/<metadata.filename>``. When it is
    absent and ``download_if_missing`` is true, each candidate URL is tried
    in turn: the explicit ``metadata.urls``, then ``<base>/<filename>`` for
    every base URL in the ``SKNONNEG_DATA_MIRRORS`` environment variable and
    in :data:`MIRRORS`. A download is written to a temporary file inside the
    data home, its sha256 is checked, and only then is it atomically renamed
    to its final name; a download with a wrong checksum is deleted and the
    next URL is tried. The data home is created only to download into: when no
    download succeeds, the folders this call created are removed again, so a
    mistyped ``data_home`` leaves no tree of empty folders.

    Parameters
    ----------
    metadata : RemoteFileMetadata
        The file to fetch.
    data_home : str or path-like, default=None
        Data directory, resolved as in :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise instead of downloading a missing file.
    verify : bool, default=False
        If True, also check the sha256 of a file that is already present.
        Off by default so that loading does not re-hash large files.
    timeout : float, default=None
        Per-URL network timeout in seconds, positive and finite; ``None`` means
        60 seconds.

    Returns
    -------
    path : str
        Path of the local file.

    Raises
    ------
    FileNotFoundError
        If the file is missing and ``download_if_missing`` is False.
    OSError
        If every download attempt failed (network error or checksum
        mismatch), if ``verify`` is True and a present file does not match
        the expected checksum, or if a directory has the file's name.
    TypeError
        If ``metadata`` is not a :class:`RemoteFileMetadata`.
    ValueError
        If its ``filename`` is not a plain file name, or ``timeout`` is not a
        positive finite float or None.

    Examples
    --------
    A file already in the data home is returned as it is:

    >>> import hashlib, os, tempfile
    >>> from sknonneg.datasets import RemoteFileMetadata, fetch_file
    >>> with tempfile.TemporaryDirectory() as home:
    ...     with open(os.path.join(home, "a.txt"), "w") as f:
    ...         _ = f.write("data")
    ...     meta = RemoteFileMetadata("a.txt", hashlib.sha256(b"data").hexdigest())
    ...     fetch_file(meta, home, download_if_missing=False) == os.path.join(home, "a.txt")
    True
    """
    check_flags("fetch_file", download_if_missing=download_if_missing, verify=verify)
    _check_metadata(metadata)
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, Real)
                                or not 0 < timeout < float("inf")):
        # Before: checked by urlopen only, once a download was tried.
        raise parameter_error("fetch_file", "timeout",
                              "a positive finite float or None", timeout)
    # Created only to download into: reading a present file, or failing to find
    # one with download_if_missing=False, leaves the file system as it was.
    data_home = _resolve_data_home(data_home)
    path = os.path.join(data_home, metadata.filename)

    if os.path.exists(path):
        if os.path.isdir(path):
            # Before: a bare IsADirectoryError from the loader's read (or the hash).
            raise OSError(
                f"{path!r} is a directory, not the data file {metadata.filename!r}: "
                f"replace it with the file (sha256 {metadata.sha256}), or pass "
                f"data_home=... / set the {DATA_HOME_ENV} environment variable to "
                "the directory that holds the file.")
        if verify:
            hint = _redownload_hint()
            check_sha256(path, metadata, hint[0].upper() + hint[1:])
        return path

    if not download_if_missing:
        raise FileNotFoundError(
            f"Data file {metadata.filename!r} not found in data home "
            f"{data_home!r} and download_if_missing=False. "
            + _missing_hint(metadata, data_home)
        )

    urls = _candidate_urls(metadata)
    if not urls:
        raise OSError(
            f"Data file {metadata.filename!r} not found in data home "
            f"{data_home!r} and no download URL is configured (see "
            f"sknonneg.datasets.MIRRORS and the {MIRRORS_ENV} environment "
            f"variable). " + _missing_hint(metadata, data_home)
        )

    if timeout is None:
        timeout = DOWNLOAD_TIMEOUT
    # The folders this call creates, deepest first: removed again when no download
    # succeeds. Before: a mistyped data_home (download_if_missing=True, no mirror
    # serving the file) raised but left its tree of empty folders behind.
    created = _missing_dirs(data_home)
    errors = []
    try:
        get_data_home(data_home)  # creates it
        for url in urls:
            logger.info("Downloading %s from %s", metadata.filename, url)
            try:
                return _download_one(url, metadata, data_home, timeout)
            except (OSError, ValueError, http.client.HTTPException) as exc:
                logger.warning("Download of %s failed: %s", url, exc)
                errors.append(f"  - {url}: {exc}")
    finally:
        if not os.path.exists(path):
            _remove_empty_dirs(created)
    raise OSError(
        f"Data file {metadata.filename!r} not found in data home "
        f"{data_home!r} and could not be downloaded:\n"
        + "\n".join(errors)
        + "\n"
        + _missing_hint(metadata, data_home)
    )
