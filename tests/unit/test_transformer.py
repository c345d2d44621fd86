"""The trained-model path on a tiny random BERT: training, saving, loading, calibration, int8."""

from __future__ import annotations

import shutil
from pathlib import Path

import onnx
import pandas as pd
import pytest
import torch

from classify.int8.export import FEED_FORWARD_OUTPUT, OUTLIER_CHANNELS
from classify.int8.outlier_channels import keep_outliers_in_fp32
from classify.network.classifier import TransformerClassifier
from classify.network.registry import load_classifier
from classify.network.transformer import (
    HEAD_LABELS,
    ModelCard,
    StanceModel,
    encode,
    encoder_layers,
    load_base,
    run_top,
)
from classify.serving.labels import SENTIMENTS, STANCES
from classify.serving.model import Post
from classify.training.operating_point import choose_defense_offset
from classify.training.train import Settings, fit_temperature, model_card_text, train
from luisterpost.cli import main
from luisterpost.config import ConfigError
from tests.support.tiny import build_tiny_base

COMPLAINTS = ["pakket kapot en niemand reageert", "weer te laat bezorgd slecht", "slecht slecht nooit meer",
              "kapot geleverd en geen antwoord", "te laat en kapot", "nooit meer bestellen slecht"]
DEFENDERS = ["zeurpiet stel je niet aan", "wat een zeurpiet joh", "verwend kind stel je niet zo aan",
             "zeurpiet geef ze de kans", "aansteller zeurpiet", "stel je niet aan verwend"]
PRAISE = ["top service echt geweldig", "geweldig snel bezorgd top", "top top top", "wat een geweldig bedrijf",
          "super snel en top", "geweldig geholpen top"]


def labelled_frame() -> pd.DataFrame:
    rows = []
    for i in range(8):
        for text in COMPLAINTS:
            rows.append((text, "", "complaint", "negative", 0))
        for text in DEFENDERS:
            rows.append((text, COMPLAINTS[i % len(COMPLAINTS)], "defense", "negative", 1))
        for text in PRAISE:
            rows.append((text, "", "praise", "positive", 0))
    frame = pd.DataFrame(rows, columns=["text", "parent_text", "stance", "sentiment", "abuse"])
    frame["source"] = "corpus"
    frame["split"] = ["dev" if i % 5 == 0 else "test" if i % 7 == 0 else "train" for i in range(len(frame))]
    return frame


@pytest.fixture(scope="module")
def tiny_base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    words = " ".join(COMPLAINTS + DEFENDERS + PRAISE).split()
    return build_tiny_base(tmp_path_factory.mktemp("base") / "tiny", words)


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory, tiny_base: Path) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("model") / "tiny-stance"
    torch.set_num_threads(1)
    summary = train(labelled_frame(), Settings(base=str(tiny_base), out=out, name="tiny-stance", epochs=25,
                                               trainable_layers=2, head_lr=5e-3, layer_lr=1e-3, progress=False))
    return out, summary


def test_training_path_on_cached_states_equals_the_inference_path(tiny_base: Path) -> None:
    encoder, tokenizer = load_base(str(tiny_base))
    model = StanceModel(encoder, HEAD_LABELS).eval()
    batch = encode(tokenizer, [Post("zeurpiet", "pakket kapot"), Post("top top", None)], 64)
    with torch.no_grad():
        whole = model(batch)
        states = encoder(input_ids=batch.input_ids, attention_mask=batch.attention_mask,
                         output_hidden_states=True).hidden_states
        part = model.heads(run_top(encoder_layers(encoder)[1:], states[1], batch.attention_mask),
                           batch.attention_mask, batch.text_mask)
    for head in HEAD_LABELS:
        assert torch.allclose(whole[head], part[head], atol=1e-5)


def test_a_reply_is_encoded_with_its_parent_and_pooled_on_its_own_tokens(tiny_base: Path) -> None:
    _, tokenizer = load_base(str(tiny_base))
    batch = encode(tokenizer, [Post("zeurpiet", "pakket kapot"), Post("zeurpiet", None)], 64)
    with_parent, alone = batch.attention_mask.sum(1).tolist()
    assert with_parent > alone  # the parent's tokens are in the input
    assert batch.text_mask[0].sum() == batch.text_mask[1].sum()  # the reply's own tokens are the same


def test_trained_model_learns_the_labels_it_was_shown(trained: tuple[Path, dict[str, object]]) -> None:
    directory, _ = trained
    classifier = TransformerClassifier(directory)
    results = classifier.classify([Post(text) for text in COMPLAINTS[:3] + PRAISE[:3]])
    assert [r.stance for r in results] == ["complaint"] * 3 + ["praise"] * 3
    defenders = classifier.classify([Post(text, COMPLAINTS[0]) for text in DEFENDERS[:3]])
    assert {r.stance for r in defenders} == {"defense"}
    assert {r.sentiment for r in defenders} == {"negative"}


def test_output_follows_the_classification_contract(trained: tuple[Path, dict[str, object]]) -> None:
    directory, _ = trained
    result = TransformerClassifier(directory).classify([Post("wat een zeurpiet", "pakket kapot")])[0].to_json()
    assert set(result) == {"stance", "sentiment", "scores", "signals", "model"}
    assert list(result["scores"]["stance"]) == list(STANCES)
    assert list(result["scores"]["sentiment"]) == list(SENTIMENTS)
    for head in ("stance", "sentiment"):
        assert sum(result["scores"][head].values()) == pytest.approx(1.0, abs=1e-3)
    assert "abuse" in result["signals"]  # "zeurpiet" is in the word list, whatever the head says
    assert result["model"] == {"name": "tiny-stance", "version": "1.0"}


def test_model_directory_holds_card_weights_and_fitted_temperatures(trained: tuple[Path, dict[str, object]]) -> None:
    directory, summary = trained
    card = ModelCard.read(directory)
    assert set(card.temperatures) == set(HEAD_LABELS)
    assert all(t > 0 for t in card.temperatures.values())
    assert "## Data" in (directory / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert summary["best_epoch"] in range(1, 26)


def test_training_reads_train_and_dev_rows_and_never_the_test_split(trained: tuple[Path, dict[str, object]]) -> None:
    _, summary = trained
    frame = labelled_frame()
    rows = summary["rows"]
    assert isinstance(rows, dict)
    assert rows["train"]["corpus"] == (frame["split"] == "train").sum()
    assert rows["dev"]["corpus"] == (frame["split"] == "dev").sum()
    assert (frame["split"] == "test").sum() > 0


def test_saved_and_loaded_model_gives_the_same_scores(trained: tuple[Path, dict[str, object]]) -> None:
    directory, _ = trained
    posts = [Post("pakket kapot", None), Post("zeurpiet", "pakket kapot")]
    first = TransformerClassifier(directory).classify(posts)
    second = load_classifier(str(directory)).classify(posts)
    assert [r.scores for r in first] == [r.scores for r in second]


def test_int8_path_agrees_with_fp32_and_exports_once(trained: tuple[Path, dict[str, object]], tiny_base: Path,
                                                      tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("classify.config._model_cache", tmp_path)  # as LUISTERPOST_MODEL_CACHE does
    directory, _ = trained
    posts = [Post(text) for text in COMPLAINTS + PRAISE] + [Post(text, COMPLAINTS[0]) for text in DEFENDERS]
    fp32 = TransformerClassifier(directory).classify(posts)
    int8 = TransformerClassifier(directory, precision="int8")
    exported = list((tmp_path / "int8").glob("*.onnx"))
    assert len(exported) == 1, "the int8 model is exported into the model cache"
    written = exported[0].stat().st_mtime_ns
    graph = onnx.load(str(exported[0])).graph
    assert any(node.op_type in ("DynamicQuantizeMatMul", "MatMulInteger") for node in graph.node)
    blocks = len(encoder_layers(load_base(str(tiny_base))[0]))
    assert len(fp32_feed_forward_outputs(graph)) == blocks, \
        "without int8_fp32_blocks in the card, each block's feed-forward output projection stays fp32"
    again = TransformerClassifier(directory, precision="int8")
    assert exported[0].stat().st_mtime_ns == written, "a second worker reuses the export"
    assert [r.stance for r in int8.classify(posts)] == [r.stance for r in fp32]
    assert [r.scores for r in again.classify(posts)] == [r.scores for r in int8.classify(posts)]


def fp32_feed_forward_outputs(graph: onnx.GraphProto) -> list[str]:
    return [node.name for node in graph.node if node.op_type == "MatMul" and FEED_FORWARD_OUTPUT.search(node.name)]


def test_the_card_names_the_blocks_whose_feed_forward_output_stays_fp32(
        trained: tuple[Path, dict[str, object]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("classify.config._model_cache", tmp_path / "cache")  # as LUISTERPOST_MODEL_CACHE does
    directory = tmp_path / "model"
    shutil.copytree(trained[0], directory)
    card = ModelCard.read(directory)
    card.int8_fp32_blocks = [1]
    card.write(directory)
    posts = [Post(text) for text in COMPLAINTS + PRAISE] + [Post(text, COMPLAINTS[0]) for text in DEFENDERS]
    int8 = TransformerClassifier(directory, precision="int8")
    graph = onnx.load(str(next((tmp_path / "cache" / "int8").glob("*.onnx")))).graph
    kept = fp32_feed_forward_outputs(graph)
    assert len(kept) == 1 and "layer.1/" in kept[0], "only block 1's feed-forward output stays fp32"
    fp32 = TransformerClassifier(directory).classify(posts)
    assert [r.stance for r in int8.classify(posts)] == [r.stance for r in fp32]


def test_outlier_channels_stay_fp32_and_the_rest_of_each_feed_forward_output_goes_int8(
        trained: tuple[Path, dict[str, object]], tiny_base: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("classify.config._model_cache", tmp_path / "cache")  # as LUISTERPOST_MODEL_CACHE does
    directory = tmp_path / "model"
    shutil.copytree(trained[0], directory)
    card = ModelCard.read(directory)
    card.int8_fp32_blocks, card.int8_fp32_channels = [], 4
    card.write(directory)
    posts = [Post(text) for text in COMPLAINTS + PRAISE] + [Post(text, COMPLAINTS[0]) for text in DEFENDERS]
    int8 = TransformerClassifier(directory, precision="int8")
    model = onnx.load(str(next((tmp_path / "cache" / "int8").glob("*.onnx"))))
    shapes = {tensor.name: tuple(tensor.dims) for tensor in model.graph.initializer}
    assert fp32_feed_forward_outputs(model.graph) == [], "no block keeps its whole feed-forward output in fp32"
    outliers = [node for node in model.graph.node if node.op_type == "MatMul" and OUTLIER_CHANNELS.search(node.name)]
    assert len(outliers) == len(encoder_layers(load_base(str(tiny_base))[0])), "one fp32 part per block"
    assert {shapes[node.input[1]][0] for node in outliers} == {4}, "each block's 4 outlier channels stay fp32"
    fp32 = TransformerClassifier(directory).classify(posts)
    assert [r.stance for r in int8.classify(posts)] == [r.stance for r in fp32]


def test_the_model_card_says_which_parts_of_the_int8_path_stay_fp32(trained: tuple[Path, dict[str, object]]) -> None:
    card = ModelCard.read(trained[0])
    assert "int8" not in model_card_text(card), "an unset choice is not described"
    card.int8_fp32_blocks, card.int8_fp32_channels = [], 16
    assert ("the whole feed-forward output of no block stays fp32; in the other blocks its 16 outlier channels"
            in model_card_text(card))
    card.int8_fp32_blocks, card.int8_fp32_channels = [], 0
    assert "every feed-forward output projection is int8, none kept in fp32" in model_card_text(card)
    card.int8_fp32_blocks, card.int8_fp32_channels = [2], 0
    assert "feed-forward output of block(s) [2] stays fp32;" in model_card_text(card)


def test_outlier_channels_without_the_calibration_split_say_so_by_key(
        trained: tuple[Path, dict[str, object]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("classify.config._model_cache", tmp_path / "cache")  # as LUISTERPOST_MODEL_CACHE does
    monkeypatch.setattr("classify.int8.outlier_channels.CALIBRATION_FILE", tmp_path / "gone" / "train.csv")
    directory = tmp_path / "model"
    shutil.copytree(trained[0], directory)
    card = ModelCard.read(directory)
    card.int8_fp32_blocks, card.int8_fp32_channels = [], 4
    card.write(directory)
    with pytest.raises(ConfigError, match=r"int8_fp32_channels: .*gone/train\.csv, which is missing"):
        TransformerClassifier(directory, precision="int8")


def test_moving_the_outlier_channels_apart_keeps_what_the_model_computes(
        trained: tuple[Path, dict[str, object]]) -> None:
    classifier = TransformerClassifier(trained[0])
    model = classifier.model
    assert isinstance(model, StanceModel)
    layers = list(encoder_layers(model.encoder))
    with torch.no_grad():
        layers[0].intermediate.dense.bias[3] += 40.0  # channel 3 of block 0 becomes the outlier
    original_column = layers[0].output.dense.weight[:, 3].clone()
    batch = encode(classifier.tokenizer, [Post(text, COMPLAINTS[0]) for text in DEFENDERS], 32)
    with torch.inference_mode():
        before = model(batch)
    keep_outliers_in_fp32(model, layers, [batch], 2, [0])
    with torch.inference_mode():
        after = model(batch)
    for head in before:
        torch.testing.assert_close(after[head], before[head], rtol=1e-4, atol=1e-4)
    outliers = layers[0].output.dense.outliers.weight
    assert outliers.shape[1] == 2
    assert any(torch.equal(outliers[:, i], original_column) for i in range(2)), "channel 3 is kept in fp32"
    with pytest.raises(ConfigError, match="int8_fp32_channels"):
        keep_outliers_in_fp32(model, layers, [batch], 0, [1])


def test_a_defense_offset_in_the_card_calls_more_replies_defense(trained: tuple[Path, dict[str, object]],
                                                                  tmp_path: Path) -> None:
    directory = tmp_path / "model"
    shutil.copytree(trained[0], directory)
    replies = [Post(text, COMPLAINTS[0]) for text in COMPLAINTS + PRAISE]
    assert {r.stance for r in TransformerClassifier(directory).classify(replies)} != {"defense"}
    card = ModelCard.read(directory)
    card.label_offsets = {"stance": {"defense": 30.0}}
    card.write(directory)
    shifted = TransformerClassifier(directory).classify(replies)
    assert {r.stance for r in shifted} == {"defense"}
    assert all(abs(sum(r.scores["stance"].values()) - 1) < 1e-3 for r in shifted), "scores stay probabilities"
    card.label_offsets = {"stance": {"defence": 0.3}}
    card.write(directory)
    with pytest.raises(ConfigError, match="label_offsets.*defence"):
        TransformerClassifier(directory)


def scored(margins_by_gold: dict[str, list[float]]) -> tuple[torch.Tensor, list[str]]:
    """Log-probabilities where each post's defense logit is `margin` above (below, if negative) the
    logit of its runner-up, `complaint` for defenders and its gold label for the others."""
    labels = list(STANCES)
    gold, rows = [], []
    for label, margins in margins_by_gold.items():
        for margin in margins:
            row = torch.zeros(len(labels))
            rival = "complaint" if label == "defense" else label
            row[labels.index(rival)], row[labels.index("defense")] = 2.0, 2.0 + margin
            gold.append(label)
            rows.append(row)
    return torch.log_softmax(torch.stack(rows), -1), gold


def test_the_operating_point_is_the_smallest_offset_that_finds_enough_defenders() -> None:
    others = {label: [-3.0] * 5 for label in STANCES if label != "defense"}
    log_probabilities, gold = scored({"defense": [-1.0, -0.55, -0.25, 0.5, 1.0]} | others)
    chosen, tried = choose_defense_offset(log_probabilities, gold, list(STANCES), recall_goal=0.8)
    assert tried[0]["recall"] == pytest.approx(0.4)
    assert chosen == 0.6, "0.3 wins back the defender 0.25 behind, 0.6 the one 0.55 behind: 4 of 5"
    assert choose_defense_offset(log_probabilities, gold, list(STANCES), recall_goal=1.0)[0] is None, \
        "the defender 1.0 behind is beyond the largest step"


def test_no_operating_point_that_costs_stance_macro_f1() -> None:
    complaints_close_to_defense = [-0.35] * 10 + [-3.0] * 5
    log_probabilities, gold = scored({"defense": [-0.32, 1.0], "complaint": complaints_close_to_defense,
                                      "praise": [-3.0] * 5, "neutral": [-3.0] * 5})
    chosen, tried = choose_defense_offset(log_probabilities, gold, list(STANCES), recall_goal=1.0)
    assert tried[4]["recall"] == 1.0 and tried[4]["macro_f1"] < tried[0]["macro_f1"] - 0.005
    assert chosen is None, "finding the last defender would call ten complaints defense"


def test_temperature_cools_an_overconfident_head() -> None:
    torch.manual_seed(0)
    labels = torch.randint(0, 3, (400,))
    logits = torch.randn(400, 3)
    logits[torch.arange(400), labels] += 1.0
    overconfident = logits * 8  # right about 60% of the time, yet nearly certain every time
    temperature = fit_temperature(overconfident, labels)
    assert temperature > 2
    nll = torch.nn.functional.cross_entropy
    assert nll(overconfident / temperature, labels) < nll(overconfident, labels)


def test_unknown_model_name_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="classify.model"):
        load_classifier(str(tmp_path / "nothing-here"))


def test_eval_scores_the_baseline_in_the_same_run_and_draws_confusion_matrices(
        trained: tuple[Path, dict[str, object]], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    directory, _ = trained
    gold = tmp_path / "gold.csv"
    frame = labelled_frame()
    frame[frame["split"] == "test"][["text", "parent_text", "stance", "sentiment"]].to_csv(gold, index=False)
    assert main(["eval", str(gold), "--json", "--model", str(directory), "--confusion", str(tmp_path / "png")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["model"]["name"] == "tiny-stance" and report["baseline"]["model"]["name"] == "lexicon"
    matrix = report["stance"]["confusion"]
    assert sum(map(sum, matrix)) == report["stance"]["count"]
    assert sum(matrix[i][i] for i in range(len(matrix))) / report["stance"]["count"] == report["stance"]["accuracy"]
    pngs = sorted(path.name for path in (tmp_path / "png").iterdir())
    assert pngs == ["gold.lexicon.sentiment.png", "gold.lexicon.stance.png",
                    "gold.tiny-stance.sentiment.png", "gold.tiny-stance.stance.png"]
    assert all((tmp_path / "png" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for name in pngs)


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_a_batch_gives_each_post_the_scores_it_gets_alone(trained: tuple[Path, dict[str, object]], precision: str,
                                                          tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("classify.config._model_cache", tmp_path)  # as LUISTERPOST_MODEL_CACHE does
    monkeypatch.setattr(torch, "get_num_threads", lambda: 2)  # int8: two posts run side by side
    directory, _ = trained
    classifier = TransformerClassifier(directory, precision=precision)
    posts = [Post(" ".join(COMPLAINTS[: 1 + i % 6]), PRAISE[i % 6] if i % 3 else None) for i in range(40)]
    together = classifier.classify(posts)  # length-grouped inside: several groups, out of order
    # int8 quantizes each run's activations with one scale, and runs each post alone: the very same
    # scores; fp32 pads a group to its longest post, which moves a score in its last digits.
    tolerance = 2e-3 if precision == "fp32" else 0.0
    for post, result in zip(posts, together, strict=True):
        alone = classifier.classify([post])[0]
        assert alone.stance == result.stance
        for label, score in alone.scores["stance"].items():
            assert result.scores["stance"][label] == pytest.approx(score, abs=tolerance)


def test_training_more_layers_than_the_encoder_has_names_the_option(tiny_base: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--layers: 4 is not between 1 and 3"):
        train(labelled_frame(), Settings(base=str(tiny_base), out=tmp_path, trainable_layers=4, progress=False))


def test_a_teacher_that_is_not_a_model_directory_names_the_option(tiny_base: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--teacher: .*nothing-here is not a trained model directory"):
        train(labelled_frame(), Settings(base=str(tiny_base), out=tmp_path / "out", trainable_layers=1,
                                         teacher=tmp_path / "nothing-here", progress=False))
    with pytest.raises(ConfigError, match="--distill: 1.5 is not between 0 and 1"):
        train(labelled_frame(), Settings(base=str(tiny_base), out=tmp_path / "out", trainable_layers=1,
                                         teacher=tmp_path, distill=1.5, progress=False))


def test_a_student_without_stance_labels_learns_the_stances_from_its_teacher(
        trained: tuple[Path, dict[str, object]], tiny_base: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    teacher, _ = trained
    frame = labelled_frame()
    frame.loc[frame["split"] == "train", "stance"] = ""  # no gold stance to train on: only the teacher's
    out = tmp_path / "student"
    train(frame, Settings(base=str(tiny_base), out=out, name="student", epochs=25, encoder_layers=2,
                          trainable_layers=2, head_lr=2e-2, layer_lr=1e-3, teacher=teacher, progress=False))
    posts = [Post(text) for text in COMPLAINTS + PRAISE] + [Post(text, COMPLAINTS[0]) for text in DEFENDERS]
    student = [r.stance for r in TransformerClassifier(out).classify(posts)]
    assert student == ["complaint"] * 6 + ["praise"] * 6 + ["defense"] * 6
    assert ModelCard.read(out).training["settings"]["teacher"] == str(teacher)


def test_a_student_started_from_a_trained_model_begins_with_its_blocks_and_heads(
        trained: tuple[Path, dict[str, object]], tiny_base: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    teacher, _ = trained
    out = tmp_path / "started"
    # No learning (both rates 0): what the student holds after its epoch is what it started from.
    summary = train(labelled_frame(), Settings(base=str(tiny_base), out=out, name="started", epochs=1,
                                               trainable_layers=2, head_lr=0.0, layer_lr=0.0, init=teacher,
                                               progress=False))
    assert summary["initial_blocks"] == [1, 2]
    posts = [Post(text) for text in COMPLAINTS + PRAISE] + [Post(text, COMPLAINTS[0]) for text in DEFENDERS]
    started = TransformerClassifier(out).probabilities(posts)["stance"]
    assert torch.allclose(started, TransformerClassifier(teacher).probabilities(posts)["stance"], atol=0.02)


def test_a_start_that_would_change_a_frozen_block_names_the_option(
        trained: tuple[Path, dict[str, object]], tiny_base: Path, tmp_path: Path) -> None:
    teacher, _ = trained  # it fine-tuned blocks 1 and 2; a student training only block 2 cannot hold block 1
    with pytest.raises(ConfigError, match="--init: .*changed block 1, which this model keeps frozen"):
        train(labelled_frame(), Settings(base=str(tiny_base), out=tmp_path / "out", trainable_layers=1,
                                         init=teacher, progress=False))
    with pytest.raises(ConfigError, match="--init: .*nothing-here is not a trained model directory"):
        train(labelled_frame(), Settings(base=str(tiny_base), out=tmp_path / "out", trainable_layers=1,
                                         init=tmp_path / "nothing-here", progress=False))
    with pytest.raises(ConfigError, match="--select-on: 'test'"):
        train(labelled_frame(), Settings(base=str(tiny_base), out=tmp_path / "out", trainable_layers=1,
                                         select_on="test", progress=False))


def test_the_epoch_can_be_chosen_on_every_development_row(tiny_base: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    frame = labelled_frame()
    development = frame.index[frame["split"] == "dev"]
    frame.loc[development[::2], "source"] = "semeval2016-restaurants"  # half the dev rows from a real set
    by_source = {}
    for select_on in ("corpus", "all"):
        summary = train(frame, Settings(base=str(tiny_base), out=tmp_path / select_on, epochs=1, trainable_layers=1,
                                        select_on=select_on, progress=False))
        epoch, final = summary["epochs"][0], summary["dev" if select_on == "all" else "dev_corpus"]
        assert epoch["stance_macro_f1"] == final["stance"]["macro_f1"], select_on
        by_source[select_on] = summary["rows"]["dev"]
    assert by_source["all"] == by_source["corpus"] and set(by_source["all"]) == {"corpus", "semeval2016-restaurants"}


def test_a_long_parent_is_cut_to_its_opening_at_a_word_boundary() -> None:
    from classify.network.transformer import parent_opening

    parent = "Extra betaald voor bezorging voor tien uur en om elf uur stond hij pas voor de deur " * 5
    opening = parent_opening(parent, 160)
    assert len(opening) <= 160 and parent.startswith(opening) and parent[len(opening)] == " "
    assert parent_opening("Kort.", 160) == "Kort."
    assert parent_opening(None, 160) == ""


def test_a_shallower_model_keeps_the_lowest_blocks_when_trained_and_loaded(tiny_base: Path, tmp_path: Path) -> None:
    torch.set_num_threads(1)
    out = tmp_path / "shallow"
    train(labelled_frame(), Settings(base=str(tiny_base), out=out, name="shallow", epochs=2, trainable_layers=1,
                                     encoder_layers=2, progress=False))
    assert ModelCard.read(out).encoder_layers == 2
    classifier = TransformerClassifier(out)
    assert isinstance(classifier.model, StanceModel)
    full = encoder_layers(load_base(str(tiny_base))[0])
    kept = encoder_layers(classifier.model.encoder)
    assert len(full) == 3 and len(kept) == 2
    frozen = full[0].state_dict()
    assert all(torch.equal(value, kept[0].state_dict()[key]) for key, value in frozen.items()), \
        "the lowest block is the base's own, untouched"
    assert [r.stance for r in classifier.classify([Post("zeurpiet", "pakket kapot")])][0] in STANCES


def test_a_long_post_is_read_in_overlapping_windows_that_cover_every_token(tiny_base: Path) -> None:
    from classify.network.transformer import encode_windows

    _, tokenizer = load_base(str(tiny_base))
    long_text = " ".join(COMPLAINTS * 12)
    batch = encode_windows(tokenizer, [Post("top top", None), Post(long_text, "pakket kapot " * 40)], 32,
                           stride=8, max_windows=64)
    assert batch.owner is not None
    owner = batch.owner.tolist()
    assert owner[0] == 0 and owner.count(1) > 3  # a short post is one window, a long one several
    assert batch.input_ids.shape[1] <= 32
    reply_tokens = len(tokenizer("query: " + long_text, add_special_tokens=False)["input_ids"])
    windows = [row for row, post in enumerate(owner) if post == 1]
    read = sum(int(batch.text_mask[row].sum()) for row in windows)
    assert read >= reply_tokens + 8 * (len(windows) - 1)  # every token, and the overlaps twice
    assert all(int(batch.attention_mask[row].sum()) > int(batch.text_mask[row].sum()) for row in windows), \
        "each window keeps the parent's opening"


def test_a_long_post_is_judged_by_its_whole_text_not_its_first_tokens(trained: tuple[Path, dict[str, object]]) -> None:
    directory, _ = trained
    classifier = TransformerClassifier(directory)
    filler = " ".join(["en"] * 150)  # longer than the model's 96-token window
    endings = [Post(f"{filler} {' '.join(COMPLAINTS)}"), Post(f"{filler} {' '.join(PRAISE)}")]
    classifier.card.max_windows = 1
    cut = classifier.classify(endings)
    assert cut[0].scores == cut[1].scores  # cut at the window: the endings are never read
    classifier.card.max_windows = 16
    complaint, praise = classifier.classify(endings)  # the windows' mean: the filler weighs in too
    assert praise.scores["stance"]["praise"] > complaint.scores["stance"]["praise"]
    assert complaint.scores["stance"]["complaint"] > praise.scores["stance"]["complaint"]


def test_windows_leave_a_short_post_as_it_was_and_stop_at_the_cap(trained: tuple[Path, dict[str, object]],
                                                                 tiny_base: Path) -> None:
    from classify.network.transformer import encode_windows

    directory, _ = trained
    classifier = TransformerClassifier(directory)
    posts = [Post(text, COMPLAINTS[0]) for text in DEFENDERS] + [Post(text) for text in PRAISE]
    classifier.card.max_windows = 1
    before = classifier.classify(posts)
    classifier.card.max_windows = 16
    assert [r.scores for r in classifier.classify(posts)] == [r.scores for r in before]
    _, tokenizer = load_base(str(tiny_base))
    capped = encode_windows(tokenizer, [Post(" ".join(["en"] * 5000))], 32, stride=8, max_windows=4)
    assert capped.owner is not None and capped.owner.tolist() == [0, 0, 0, 0]


def test_retraining_only_the_heads_keeps_every_block_of_the_model_it_starts_from(
        trained: tuple[Path, dict[str, object]], tiny_base: Path, tmp_path: Path) -> None:
    from safetensors.torch import load_file

    torch.set_num_threads(1)
    directory, _ = trained
    out = tmp_path / "heads"
    frame = labelled_frame()
    frame["stance"] = frame["stance"].map({"complaint": "praise", "praise": "complaint", "defense": "defense"})
    train(frame, Settings(base=str(tiny_base), out=out, name="heads", epochs=15, trainable_layers=2, head_lr=5e-2,
                          init=directory, heads_only=True, progress=False))
    before, after = load_file(str(directory / "top.safetensors")), load_file(str(out / "top.safetensors"))
    blocks = [key for key in before if key.startswith("layers.")]
    assert blocks and all(torch.equal(before[key], after[key]) for key in blocks)
    assert not torch.equal(before["heads.heads.stance.weight"], after["heads.heads.stance.weight"])
    assert TransformerClassifier(out).classify([Post(COMPLAINTS[0])])[0].stance == "praise"  # the new heads


def test_retraining_the_heads_needs_a_model_to_start_from(tiny_base: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--heads-only"):
        train(labelled_frame(), Settings(base=str(tiny_base), out=tmp_path, trainable_layers=2, heads_only=True,
                                         progress=False))
