"""The public API of sknonneg, as the documentation and ``tests/test_docstrings.py`` see it.

Public modules are ``sknonneg`` and every module or package ``sknonneg.<name>`` whose name
does not start with an underscore, except those whose ``__all__`` is re-exported whole by
``sknonneg`` itself (``sknonneg.neural_network``: its estimators are documented as
``sknonneg.NonNegMLPClassifier`` ...). Public names are the entries of each module's
``__all__``, except private ones (a leading underscore); dunder names such as
``sknonneg.__version__`` are public. A new public module or name therefore needs no
edit here.
"""

import importlib
import inspect
import pkgutil
import sys

PACKAGE = "sknonneg"


def public_modules():
    """Return the names of the public modules, ``sknonneg`` first."""
    package = importlib.import_module(PACKAGE)
    top = set(package.__all__)
    names = [PACKAGE]
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        name = f"{PACKAGE}.{info.name}"
        module = importlib.import_module(name)
        exported = set(getattr(module, "__all__", ()))
        if exported and exported <= top:
            continue
        names.append(name)
    return names


def reexported_modules():
    """Return the names of the public modules documented through ``sknonneg``.

    Those that :func:`public_modules` leaves out: a module ``sknonneg.<name>`` (no
    leading underscore) whose whole ``__all__`` ``sknonneg`` re-exports, such as
    ``sknonneg.exceptions``. Their names are documented as ``sknonneg.<name>``; the
    module itself is named on that page, so that the import the docstrings show
    (``from sknonneg.exceptions import ...``) can be looked up.
    """
    package = importlib.import_module(PACKAGE)
    documented = set(public_modules())
    return [f"{PACKAGE}.{info.name}"
            for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name)
            if not info.name.startswith("_")
            and f"{PACKAGE}.{info.name}" not in documented]


def public_names(module_name):
    """Return ``(classes, functions, data)``: sorted public names of one module."""
    module = importlib.import_module(module_name)
    classes, functions, data = [], [], []
    for name in sorted(getattr(module, "__all__", ())):
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            continue
        obj = getattr(module, name)
        if inspect.isclass(obj):
            classes.append(name)
        elif callable(obj):
            functions.append(name)
        else:
            data.append(name)
    return classes, functions, data


def public_methods(cls):
    """Return the sorted names of the public methods and properties of ``cls``.

    Only members defined by sknonneg itself: those inherited from scikit-learn
    (``get_params``, ``score`` ...) are documented there.
    """
    names = []
    for klass in cls.__mro__:
        if not klass.__module__.startswith(PACKAGE):
            continue
        for name, member in vars(klass).items():
            if name.startswith("_") or name in names:
                continue
            if isinstance(member, (staticmethod, classmethod, property)) or inspect.isfunction(
                member
            ):
                names.append(name)
    return sorted(names)


def data_doc(module_name, name):
    """Return the lines of the ``#:`` comment documenting a public constant.

    The comment sits above the assignment in the module that defines the constant,
    which may be a private module that ``module_name`` re-exports it from: one of its
    submodules, or a private module of the package (``sknonneg._pipeline`` defines
    ``sknonneg.robustness.MONOTONE_UFUNCS``). An empty list when there is none.
    """
    from sphinx.pycode import ModuleAnalyzer

    obj = getattr(importlib.import_module(module_name), name)
    submodules = sorted(m for m in sys.modules if m.startswith(module_name + "."))
    candidates = [module_name] + submodules + sorted(
        m for m in sys.modules
        if m.startswith(PACKAGE + ".") and m != module_name and m not in submodules)
    for candidate in candidates:
        if getattr(sys.modules.get(candidate), name, None) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(candidate).find_attr_docs()
        except Exception:  # no source (compiled module)
            continue
        if ("", name) in docs:
            return list(docs[("", name)])
    return []
