"""The second opinion: the shipped model loads without pickle and scores deterministically, held-out
abusive paraphrases outscore must-pass lines, training is deterministic, ``score_series`` is ``score``."""

from __future__ import annotations

import functools
import io
import json
import pickle
import re
import zipfile
from importlib import resources
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunning.compliance import classifier
from dunning.compliance.classifier import (
    Model,
    Seed,
    generate,
    load_model,
    load_seeds,
    model_info,
    score,
    score_series,
    threshold,
    train,
)

PROFILES = ("CN", "US")
CN_BENIGN = (
    "【安信金融】张*您好，您在安信消费金融的借款已逾期3天，欠款1,286.40元，"
    "请尽快通过安信金融App还款。客服95000"
)
CN_ABUSIVE = (
    "【安信金融】张*您好，您的借款已逾期3天。再不还款就移交公安机关抓捕，让你坐牢，通知你全家。客服95000"
)
US_BENIGN = (
    "Harbor Lending: Hi J., your loan ending 1234 is 3 days past due. Balance: $1,286.40. "
    "Please pay in the Harbor Lending app. Call 1-800-555-0100. Reply STOP to opt out."
)
US_ABUSIVE = (
    "Harbor Lending: Hi J., your loan ending 1234 is 3 days past due. Pay today or a warrant will be "
    "issued for your arrest and we will tell your employer. Call 1-800-555-0100. Reply STOP to opt out."
)


def _npz(profile: str) -> bytes:
    resource = resources.files("dunning.compliance").joinpath("model", f"{profile.lower()}.npz")
    return resource.read_bytes()


@pytest.mark.parametrize("profile", PROFILES)
def test_shipped_model_loads_and_scores(profile: str) -> None:
    benign, abusive = (CN_BENIGN, CN_ABUSIVE) if profile == "CN" else (US_BENIGN, US_ABUSIVE)
    scores = score([benign, abusive, ""], profile)
    assert scores.shape == (3,) and scores.dtype == np.float64
    assert np.all((scores >= 0) & (scores <= 1))
    assert scores[1] > threshold(profile) > scores[0]
    info = model_info(profile)
    assert info["profile"] == profile and info["threshold"] == threshold(profile)
    assert info["rows"] >= 20_000 and info["auc"] > 0.8
    assert 0 < threshold(profile) < 1
    assert info["pass_rate_at_threshold"] >= 1 - classifier.REVIEW_PASS_SHARE[profile]
    assert len(_npz(profile)) < 5 * 2**20


@pytest.mark.parametrize("profile", PROFILES)
def test_scores_are_deterministic_and_match_training_time(profile: str) -> None:
    checks = model_info(profile)["checks"]
    texts = [c["text"] for c in checks]
    first, again = score(texts, profile), score(list(texts), profile)
    assert np.array_equal(first, again)
    # The scores written at training time: hashing, normalisation and TF-IDF have not drifted.
    assert np.allclose(first, [c["score"] for c in checks], atol=1e-5)
    fresh = Model.from_bytes(_npz(profile))
    assert np.array_equal(fresh.score(texts), first)


@pytest.mark.parametrize("profile", PROFILES)
def test_model_file_holds_arrays_only_and_loads_without_pickle(
    profile: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = _npz(profile)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = set(archive.namelist())
    assert names == {
        f"{k}.npy" for k in ("index", "coef", "idf", "default_idf", "intercept", "threshold", "meta")
    }
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        assert all(npz[key].dtype.kind != "O" for key in npz.files)

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("pickle used")

    monkeypatch.setattr(pickle, "loads", refuse)
    monkeypatch.setattr(pickle, "load", refuse)
    model = Model.from_bytes(data)
    assert model.profile == profile and model.coef.shape == (model.n_features,)


def test_score_series_equals_score_on_unique_texts_and_handles_nulls() -> None:
    bodies = [
        CN_BENIGN,
        CN_BENIGN.replace("张*", "李*").replace("1,286.40", "3,456.78"),  # same skeleton
        CN_ABUSIVE,
        None,
        "",
        CN_ABUSIVE.replace("3天", "45天"),
        "坐*牢",  # "*" between characters is not a masked name
    ] * 50
    series = pl.Series("body", bodies, dtype=pl.String)
    scored = score_series(series, "CN")
    assert scored.dtype == pl.Float64 and scored.len() == series.len() and scored.name == "body"
    assert scored.null_count() == 0
    expected = score([b or "" for b in bodies], "CN")
    assert np.array_equal(scored.to_numpy(), expected)
    assert scored[0] == scored[1]  # names and digits do not change a score
    assert scored[3] == scored[4] == score([""], "CN")[0]  # null: an empty message
    assert score_series(pl.Series("body", [], dtype=pl.String), "US").len() == 0


def test_skeleton_zeroes_digits_and_collapses_masked_names_and_senders() -> None:
    texts = pl.Series(
        "b",
        [
            "【安信金融】张*您好，尊敬的李*，欠款1,286.40元",
            "Hi J., call 1-800-555-0100",
            "坐*牢 U.S. 王**",
            None,
            "您在融易消费金融的借款，请登录融易贷App或 https://m.rongyi.example.cn 还款",
            "Acme Credit Recovery LLC: pay at pay.acme.example",
        ],
    )
    assert classifier.skeletons(texts).to_list() == [
        "【签名】某*您好，尊敬的某*，欠款0,000.00元",
        "Hi X., call 0-000-000-0000",
        "坐*牢 U.S. 某*",  # "*" between ideographs is a separator, not a masked name
        "",
        # who sent it is not what it says: organisations, apps and links become placeholders
        "您在某机构的借款，请登录App或  url  还款",
        "Org: pay at  url ",
    ]


@given(
    st.lists(st.text(alphabet=st.sampled_from("张李*＊您好，】 .J,:0123456789aZ１"), max_size=12), max_size=8)
)
def test_byte_level_skeleton_equals_the_regex_definition(texts: list[str]) -> None:
    series = pl.Series("b", texts, dtype=pl.String)
    reference = pl.DataFrame({"b": series}).select(classifier.skeleton_expr(pl.col("b"))).to_series()
    assert classifier.skeletons(series).to_list() == reference.to_list()
    # A slice of a longer column (an Arrow array with an offset) gives the same.
    assert classifier.zero_digits(series.slice(1)).to_list() == classifier.zero_digits(series).to_list()[1:]


def _zero_digits_reference(text: str) -> str:
    def word(m: re.Match[str]) -> str:
        w = m.group(0)
        return w if re.search("[A-Za-z]", w) else re.sub("[0-9]", "0", w)

    return re.sub("[A-Za-z0-9]+", word, text)


@given(st.lists(st.text(alphabet=st.sampled_from("j4l1 $,.-尾号7aZ９@"), max_size=14), max_size=8))
def test_digits_inside_words_stay_for_the_leet_fold(texts: list[str]) -> None:
    series = pl.Series("b", texts, dtype=pl.String)
    assert classifier.zero_digits(series).to_list() == [_zero_digits_reference(t) for t in texts]
    assert classifier.zero_digits(series.slice(2)).to_list() == [_zero_digits_reference(t) for t in texts[2:]]


def test_zero_digits_keeps_leetspeak_and_blanks_numbers() -> None:
    got = classifier.zero_digits(pl.Series(["j41l $1,880 b4 5pm 尾号7719 1mm1gr@t10n"])).to_list()
    assert got == ["j41l $0,000 b4 5pm 尾号0000 1mm1gr@t10n"]


def test_held_out_abusive_paraphrases_outscore_must_pass_lines() -> None:
    """Grouped: a model trained on four fifths of the shipped corpus seeds scores mutated and
    recombined messages built only from the other fifth."""
    seeds = [s for s in load_seeds("CN") if s.origin == "corpus"]
    held = {s.group for s in seeds if classifier._fold(s.group, 5, 0) == 0}
    train_seeds = [s for s in seeds if s.group not in held]
    test_seeds = [s for s in seeds if s.group in held]
    assert test_seeds and train_seeds
    model, report = classifier.fit_rows(
        generate(train_seeds, "CN", rows=1500, use_gate=False), "CN", seeds=train_seeds
    )
    rows = generate(test_seeds, "CN", rows=400, seed=1, use_gate=False)
    scores = model.score([r.text for r in rows])
    abusive = np.array([r.abusive for r in rows])
    above = scores >= model.threshold
    assert above[abusive].mean() > 2 * above[~abusive].mean()
    assert above[abusive].mean() > 0.3
    assert scores[abusive].mean() > scores[~abusive].mean() + 0.2
    assert report["pass_rate_at_threshold"] >= 0.98


def test_training_is_deterministic_and_writes_a_loadable_model(tmp_path: Path) -> None:
    seeds = [s for s in load_seeds("US") if s.origin == "corpus"][::5]
    first = train("US", tmp_path / "a", rows=250, folds=2, use_gate=False, seeds=seeds)
    second = train("US", tmp_path / "b", rows=250, folds=2, use_gate=False, seeds=seeds)
    a, b = Model.load(tmp_path / "a" / "us.npz"), Model.load(tmp_path / "b" / "us.npz")
    assert np.array_equal(a.coef, b.coef) and a.intercept == b.intercept and a.threshold == b.threshold
    assert np.count_nonzero(a.coef) > 100
    for key in ("rows", "auc", "threshold", "recall_at_threshold", "pass_rate_at_threshold"):
        assert first[key] == second[key]
    assert first["rows"] > 250 and first["seeds_abusive"] + first["seeds_pass"] == len(seeds)
    assert (tmp_path / "a" / "us.npz").read_bytes() == (tmp_path / "b" / "us.npz").read_bytes()


def test_seeds_come_from_the_corpus_and_an_absent_training_folder_is_fine(tmp_path: Path) -> None:
    shipped = resources.files("dunning.compliance").joinpath("corpus")
    for kind in ("block", "pass"):
        (tmp_path / f"cn_{kind}.jsonl").write_text(
            shipped.joinpath(f"cn_{kind}.jsonl").read_text("utf-8"), "utf-8"
        )
    seeds = load_seeds("CN", tmp_path)
    assert seeds and {s.origin for s in seeds} == {"corpus"}
    assert any(s.abusive for s in seeds) and any(not s.abusive for s in seeds)
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "cn_block.jsonl").write_text(
        json.dumps(
            {
                "id": "t-1",
                "text": "【安信金融】张*，再不还钱就让你坐牢。",
                "expect": ["content.threat_arrest"],
            }
        )
        + "\n"
        + json.dumps(
            {
                "id": "t-2",
                "text": "【安信金融】张*您好，将起诉您。客服95000",
                "expect": ["content.time_barred_litigation"],
                "context": {"time_barred": True},
            }
        )
        + "\n",
        "utf-8",
    )
    more = load_seeds("CN", tmp_path)
    added = [s for s in more if s.origin == "train"]
    # Time-barred litigation is lawful on a live debt: the text alone cannot tell, so it is left out.
    assert [s.abusive for s in added] == [True]


def test_label_rules() -> None:
    label = classifier._label
    assert label({"expect": ["content.threat_arrest"]}, True) is True
    assert label({"expect": ["personal_data.ssn"]}, True) is True
    assert label({"expect": ["time.window"], "context": {"local_minute_min": 1}}, True) is None
    assert label({"expect": ["link.not_allowed"]}, True) is None
    assert label({"expect": ["content.time_barred_litigation"]}, True) is None
    assert label({}, False) is False


def test_same_text_under_two_ids_shares_a_group_and_conflicts_are_dropped() -> None:
    seeds = classifier._as_seeds(
        [
            ("corpus", "a", "【X】张*您好，坐牢。", True),
            ("train", "b", "【X】李*您好，坐牢。", True),  # same skeleton
            ("corpus", "c", "你好", False),
            ("train", "d", "你好", True),  # both labels: dropped
        ]
    )
    assert seeds == [Seed("corpus:a", "【X】张*您好，坐牢。", True, "corpus")]


def test_unknown_profile_is_an_input_error() -> None:
    from dunning.core.errors import InputError

    with pytest.raises(InputError):
        load_model("XX")


def test_cli_prints_the_model_info_and_trains_into_a_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from dunning.cli.main import app

    runner = CliRunner()
    result = runner.invoke(app, ["compliance", "classifier-info", "--profile", "cn", "--json"])
    assert result.exit_code == 0, result.output
    (info,) = json.loads(result.stdout)
    assert info["profile"] == "CN" and info["threshold"] == threshold("CN") and info["rows"] > 0

    seeds = [s for s in load_seeds("US") if s.origin == "corpus"][::6]
    monkeypatch.setattr(classifier, "load_seeds", lambda profile: seeds)
    monkeypatch.setattr(classifier, "train", functools.partial(train, folds=2, use_gate=False))
    args = ["compliance", "train-classifier", "--profile", "US", "--out", str(tmp_path), "--rows", "200"]
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["profile"] == "US" and (tmp_path / "us.npz").is_file()
    assert Model.load(tmp_path / "us.npz").threshold == pytest.approx(report["threshold"], abs=1e-6)
    assert runner.invoke(app, ["compliance", "classifier-info", "--profile", "XX"]).exit_code == 2
