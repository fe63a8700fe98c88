"""The propensity model on the UCI layout: bad files refused row by row, a model that learns a
known signal, scores as id,propensity, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from dunning.cli.main import app
from dunning.core.errors import ImportRejected, InputError
from dunning.propensity import UCI_COLUMNS, PropensityModel, read_uci, train

runner = CliRunner()


def _uci(path: Path, rows: int = 1500, seed: int = 1) -> Path:
    """A UCI-layout file whose defaults follow the months of delay (as in the real data)."""
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {"ID": np.arange(1, rows + 1)}
    for column in UCI_COLUMNS[1:]:
        data[column] = rng.integers(0, 50_000, rows).astype(float)
    delay = rng.integers(-2, 4, rows)
    data["PAY_0"] = delay.astype(float)
    data["LIMIT_BAL"] = rng.integers(10_000, 500_000, rows).astype(float)
    risk = 1 / (1 + np.exp(-(delay * 1.2 - 1.5)))
    data["default"] = (rng.random(rows) < risk).astype(int)
    pl.DataFrame(data).write_csv(path)
    return path


def test_bad_files_are_refused_with_every_bad_row(tmp_path: Path) -> None:
    good = _uci(tmp_path / "good.csv", rows=50)
    text = good.read_text().splitlines()
    broken = tmp_path / "broken.csv"
    lines = text[:]
    cells = lines[3].split(",")
    cells[2] = "abc"  # SEX
    lines[3] = ",".join(cells)
    lines[5] = ",".join([*lines[5].split(",")[:-1], "2"])  # default = 2
    broken.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportRejected) as info:
        read_uci(broken, labelled=True)
    assert {(e.line, e.column) for e in info.value.errors} == {(4, "SEX")}  # type: ignore[attr-defined]
    lines[3] = text[3]
    broken.write_text("\n".join(lines) + "\n")
    with pytest.raises(ImportRejected) as info:
        read_uci(broken, labelled=True)
    assert [(e.line, e.column) for e in info.value.errors] == [(6, "default")]  # type: ignore[attr-defined]
    missing = tmp_path / "missing.csv"
    pl.read_csv(good).drop("PAY_AMT6").write_csv(missing)
    with pytest.raises(InputError, match="PAY_AMT6"):
        read_uci(missing, labelled=False)
    (tmp_path / "empty.csv").write_text(",".join(UCI_COLUMNS) + "\n")
    with pytest.raises(InputError, match="no rows"):
        read_uci(tmp_path / "empty.csv", labelled=False)


def test_the_model_learns_the_signal_and_round_trips(tmp_path: Path) -> None:
    frame = read_uci(_uci(tmp_path / "h.csv"), labelled=True)
    model, scored = train(frame, seeds=1, iterations=60)
    assert scored.rows == 300 and scored.roc_auc > 0.75 and 0 < scored.brier < 0.25
    assert sum(r["rows"] for r in scored.reliability) == 300
    model.save(tmp_path / "m.pkl")
    again = PropensityModel.load(tmp_path / "m.pkl")
    p = again.propensity(frame)
    assert p.shape == (len(frame),) and ((p >= 0) & (p <= 1)).all()
    late, early = frame["PAY_0"].to_numpy() >= 2, frame["PAY_0"].to_numpy() <= -1
    assert p[late].mean() < p[early].mean()  # the late pay less often
    (tmp_path / "junk.pkl").write_bytes(b"not a model")
    with pytest.raises(InputError):
        PropensityModel.load(tmp_path / "junk.pkl")


def test_cli_train_then_score(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dunning.propensity.model as model_module

    monkeypatch.setitem(model_module._PARAMS, "max_iter", 60)
    history = _uci(tmp_path / "h.csv")
    trained = runner.invoke(
        app,
        [
            "model",
            "train",
            "--history",
            str(history),
            "--format",
            "uci",
            "--out",
            str(tmp_path / "m.pkl"),
            "--json",
        ],
    )
    assert trained.exit_code == 0, trained.output
    report = json.loads(trained.output.strip().splitlines()[-1])
    assert report["holdout"]["roc_auc"] > 0.75 and report["trained_rows"] == 1500
    scored = runner.invoke(
        app,
        [
            "model",
            "score",
            "--model",
            str(tmp_path / "m.pkl"),
            "--history",
            str(history),
            "--format",
            "uci",
            "--out",
            str(tmp_path / "s.csv"),
        ],
    )
    assert scored.exit_code == 0, scored.output
    scores = pl.read_csv(tmp_path / "s.csv")
    assert scores.columns == ["id", "propensity"] and scores.height == 1500
    bad = runner.invoke(
        app,
        [
            "model",
            "score",
            "--model",
            str(history),
            "--history",
            str(history),
            "--out",
            str(tmp_path / "x.csv"),
        ],
    )
    assert bad.exit_code != 0 and "Traceback" not in bad.output
