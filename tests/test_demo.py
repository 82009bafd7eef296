"""The demo (`python -m sknonneg`) runs and prints its table."""

import numpy as np
import pytest

from sknonneg.__main__ import main, zero_fractions


def test_demo_prints_a_row_per_model(capsys):
    assert main(["--hidden", "8", "--max-iter", "15"]) == 0
    out = capsys.readouterr().out
    for name in ("NonNegMLPClassifier(positive=True)",
                 "NonNegMLPClassifier(positive=False)",
                 "sklearn MLPClassifier", "NMF(8) + LogisticRegression"):
        assert name in out
    # accuracy column parses as a percentage for every model row
    rows = [line for line in out.splitlines() if "%" in line]
    assert len(rows) == 4
    # Before: the demo silenced ConvergenceWarning, and a model stopped at its
    # iteration limit (every network here, at 15 iterations) looked converged.
    assert rows[0].endswith("*")
    assert "* did not converge: its fit raised a ConvergenceWarning" in out


def test_zero_fractions_relative_to_layer_scale():
    coefs = [np.array([[0.0, 1.0], [1e-9, 2.0]]), np.zeros((2, 2))]
    assert zero_fractions(coefs) == [pytest.approx(0.5), 1.0]


def test_demo_data_home_missing_file_is_a_clear_error(tmp_path, capsys):
    """A usage error (exit status 2) naming the file, not a traceback."""
    with pytest.raises(SystemExit) as exc:
        main(["--data-home", str(tmp_path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m sknonneg: error: ") and "mnist.npz" in err
    assert "--data-home names the folder" in err  # the CLI's spelling of data_home
    missing = tmp_path / "typo" / "sub"
    with pytest.raises(SystemExit):
        main(["--data-home", str(missing)])
    assert not (tmp_path / "typo").exists()  # before: created, with its parents


@pytest.mark.parametrize("what", ["an empty folder", "a file"])
def test_demo_data_home_messages_speak_in_cli_terms(tmp_path, capsys, what):
    # Before: load_mnist's message, "... and download_if_missing=False. ... or pass
    # data_home=... / set the SKNONNEG_DATA environment variable ...": none of them
    # an option of the command line.
    home = tmp_path
    if what == "a file":
        home = tmp_path / "mnist.npz"
        home.write_text("x")
    with pytest.raises(SystemExit) as exc:
        main(["--data-home", str(home)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m sknonneg: error: ") and str(home) in err
    assert "--data-home names the folder that holds mnist.npz" in err
    words = err.replace(str(home), "")  # (pytest's tmp_path names the test)
    for api_term in ("download_if_missing", "data_home", "SKNONNEG_DATA"):
        assert api_term not in words


def test_demo_data_home_holding_a_folder_named_mnist_npz_speaks_in_cli_terms(
        tmp_path, capsys):
    # Before: load_mnist's advice for a directory in place of the file, "pass
    # data_home=... / set the SKNONNEG_DATA environment variable", neither an
    # option of the command line.
    (tmp_path / "mnist.npz").mkdir()
    with pytest.raises(SystemExit) as exc:
        main(["--data-home", str(tmp_path)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m sknonneg: error: ")
    assert f"{tmp_path / 'mnist.npz'} is a folder, not the file mnist.npz" in err
    assert "--data-home names the folder that holds mnist.npz" in err
    words = err.replace(str(tmp_path), "")
    for api_term in ("download_if_missing", "data_home", "SKNONNEG_DATA"):
        assert api_term not in words


def test_demo_help_describes_every_option(capsys):
    # Before: --max-iter and --seed had no help text.
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "--max-iter MAX_ITER iterations of the two networks" in out
    assert "--seed SEED random_state of every model" in out


@pytest.mark.parametrize("what", ["a file", "a damaged archive"])
def test_demo_data_home_unusable_is_a_clear_error(tmp_path, capsys, what):
    # Before: a traceback (NotADirectoryError, OSError) where a missing file gave
    # a usage error.
    if what == "a file":
        home = tmp_path / "mnist.npz"
        home.write_text("x")
    else:
        home = tmp_path
        (tmp_path / "mnist.npz").write_text("not an archive")
    with pytest.raises(SystemExit) as exc:
        main(["--data-home", str(home)])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("python -m sknonneg: error: ") and "Traceback" not in err


@pytest.mark.parametrize("large", [False, True])
def test_demo_baselines_are_configured_fairly(large):
    from sklearn.decomposition import NMF, MiniBatchNMF
    from sklearn.preprocessing import StandardScaler

    from sknonneg.__main__ import models

    rows = models(8, 15, 0, large=large)
    nmf_pipeline = rows[next(label for label in rows if "NMF" in label)]
    # NMF codes are standardised before the logistic regression (65% -> 94% on digits)
    assert isinstance(nmf_pipeline[1], StandardScaler)
    assert isinstance(nmf_pipeline[0], MiniBatchNMF if large else NMF)
    mlp = rows[next(label for label in rows if "sklearn MLP" in label)]
    # the budget is in the row label
    if large:
        assert mlp.max_iter == 15 and "15 ep." in next(l for l in rows if "sklearn" in l)
    else:
        assert mlp.max_iter == 15 and mlp.solver == "lbfgs"


@pytest.mark.parametrize("argv, match", [
    (["--hidden", "0"], "--hidden: must be an int >= 1, got 0"),
    (["--hidden", "-3"], "--hidden: must be an int >= 1, got -3"),
    (["--max-iter", "0"], "--max-iter: must be an int >= 1, got 0"),
    (["--seed", "-1"], "--seed: must be an int >= 0, got -1"),
    (["--seed", "one"], "--seed: invalid int value: 'one'"),
    # Before: a traceback from the estimator after the table's header.
    (["--seed", "4294967296"], "--seed: must be an int <= 4294967295"),
    # Before: the empty path searched the current directory.
    (["--data-home", ""], "--data-home must name the folder"),
])
def test_demo_bad_numbers_are_usage_errors(argv, match, capsys):
    # Before: --hidden 0 silently ran the default width (0 is falsy), and -3, a
    # max-iter of 0 or a negative seed ended in a traceback from the estimators.
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert match in capsys.readouterr().err


def test_demo_names_the_model_of_a_warning_it_shows(capsys):
    # Before: a warning other than ConvergenceWarning was shown as raised, at
    # "<frozen runpy>", naming no model row (two rows are NonNegMLPClassifier).
    import warnings

    from sknonneg import NonNegMLPClassifier
    from sknonneg.__main__ import _fit_and_print

    class Noisy(NonNegMLPClassifier):
        def fit(self, X, y):
            warnings.warn("something to say", UserWarning)
            return super().fit(X, y)

    X = np.random.RandomState(0).rand(20, 3)
    y = np.array([0, 1] * 10)
    with pytest.warns(UserWarning, match=r"^my row: something to say$"):
        _fit_and_print("my row", Noisy(hidden_layer_sizes=(2,), max_iter=200),
                       X, X, y, y)


def test_readme_states_the_demo_zero_fractions_on_digits():
    # The README's opening claim ("40% of the first layer's weights and 47% of the
    # output layer's are exactly 0 on scikit-learn's digits in the demo below") is
    # the demo's positive network as fitted today, rounded to the percent: a change
    # of the engine that moves them makes this fail, not the README go stale.
    import re
    from pathlib import Path

    from sknonneg.__main__ import layer_weights, load_data, models

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(
        encoding="utf-8")
    sentence = ("{}% of the first layer's weights and {}% of the output layer's are "
                "exactly 0 on scikit-learn's digits in the demo")
    pattern = r"\s+".join(re.escape(word) for word in sentence.split()).replace(
        re.escape("{}"), r"(\d+)")
    claim = re.search(pattern, readme)
    assert claim is not None
    _, X_train, _, y_train, _ = load_data(None)
    model = models(50, 200, 0)["NonNegMLPClassifier(positive=True)"]
    model.fit(X_train, y_train)
    shown = [round(100 * f) for f in zero_fractions(layer_weights(model))]
    assert shown == [int(claim.group(1)), int(claim.group(2))]
