"""The fine-tuned MiniLM tone model: load the shipped int8 ONNX file once, score a text window by window.

Built by scripts/train_tone_model.py. `model.json` beside the ONNX file records each file's SHA-256; a file
that does not match is refused (ModelIntegrityError) rather than run. The session is loaded on first use,
not at import, and runs on one thread: tone is judged after the acknowledgement, and the bot shares its
machine.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.policies.tone import ModelScores, WindowScores
from bot.policies.tone_text import windows

if TYPE_CHECKING:  # both load slowly: imported when the model is first used, not with the bot
    import onnxruntime
    from tokenizers import Tokenizer

TONES = ["neutral", "frustrated", "abusive"]
FLAGS = ["chargeback", "legal", "public", "threat"]
# Tokens per window, [CLS] and [SEP] included; long messages are read in overlapping windows of this size.
MAX_TOKENS = 128
OVERLAP = 32
BATCH = 8
MODEL_DIR = Path(__file__).with_name("model")
_CLS, _SEP = "[CLS]", "[SEP]"


class ModelIntegrityError(RuntimeError):
    """A shipped model file is missing or does not match its recorded checksum."""


@dataclass(frozen=True)
class _Runner:
    session: onnxruntime.InferenceSession
    tokenizer: Tokenizer
    version: str
    cls_id: int
    sep_id: int


def score(text: str) -> ModelScores:
    """The model's probabilities for each window of `text` (the customer's own words)."""
    import numpy as np

    runner = load()
    encoding = runner.tokenizer.encode(text, add_special_tokens=False)
    offsets = encoding.offsets
    results: list[WindowScores] = []
    for group, feed in feeds(encoding.ids, runner.cls_id, runner.sep_id):
        tone_logits, flag_logits = runner.session.run(None, feed)
        tone = np.exp(tone_logits - tone_logits.max(axis=1, keepdims=True))
        tone /= tone.sum(axis=1, keepdims=True)
        flags = 1.0 / (1.0 + np.exp(-flag_logits))
        for row, (start, end) in enumerate(group):
            excerpt = text[offsets[start][0] : offsets[end - 1][1]] if end > start else ""
            results.append(
                WindowScores(
                    tone=(float(tone[row, 0]), float(tone[row, 1]), float(tone[row, 2])),
                    flags={flag: float(flags[row, k]) for k, flag in enumerate(FLAGS)},
                    excerpt=excerpt,
                )
            )
    return ModelScores(version=runner.version, windows=tuple(results))


def feeds(ids: list[int], cls_id: int, sep_id: int) -> Iterator[tuple[list[tuple[int, int]], dict[str, Any]]]:
    """The model's inputs for a text's token ids: its windows, a batch at a time, each with the spans it holds.

    Every row starts with [CLS] and ends with [SEP], so no row is all padding: the shipped graph has no guard
    against a softmax over nothing (scripts/tone_graph.py removed it), and such a row would come out NaN.
    """
    import numpy as np

    spans = windows(len(ids), MAX_TOKENS - 2, OVERLAP)
    for first in range(0, len(spans), BATCH):
        group = spans[first : first + BATCH]
        width = max(end - start for start, end in group) + 2
        input_ids = np.zeros((len(group), width), dtype=np.int64)
        mask = np.zeros((len(group), width), dtype=np.int64)
        for row, (start, end) in enumerate(group):
            piece = [cls_id, *ids[start:end], sep_id]
            input_ids[row, : len(piece)] = piece
            mask[row, : len(piece)] = 1
        yield group, {"input_ids": input_ids, "attention_mask": mask}


def model_version() -> str:
    """The shipped model's version (from its card; does not load the session)."""
    return _card(MODEL_DIR)["version"]


def head_bases() -> tuple[str, ...]:
    """The model versions a team's head may have been fitted on to sit on this one: its own, and those whose
    scores it gives bit for bit (the card's `same_scores_as`: the same weights in a slimmer graph). A head
    depends only on the scores, so a release that keeps them keeps every deployment's head in use."""
    card = _card(MODEL_DIR)
    return (card["version"], *card.get("same_scores_as", []))


_loading = threading.Lock()


def load(directory: Path = MODEL_DIR) -> _Runner:
    # Verdicts are given from worker threads: the first ones to arrive wait for one load, not one each.
    with _loading:
        return _load(directory)


@cache
def _load(directory: Path) -> _Runner:
    import onnxruntime
    from tokenizers import Tokenizer

    card = _card(directory)
    for name, expected in card["sha256"].items():
        verify(directory / name, expected)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    session = onnxruntime.InferenceSession(str(directory / "tone.onnx"), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(directory / "tokenizer.json"))
    tokenizer.no_truncation()
    tokenizer.no_padding()
    cls_id, sep_id = tokenizer.token_to_id(_CLS), tokenizer.token_to_id(_SEP)
    if cls_id is None or sep_id is None:
        raise ModelIntegrityError(f"the tokenizer in {directory} lacks {_CLS} or {_SEP}")
    return _Runner(session, tokenizer, card["version"], cls_id, sep_id)


def verify(path: Path, expected: str) -> None:
    if not path.is_file():
        raise ModelIntegrityError(f"tone model file missing: {path}")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != expected:
        raise ModelIntegrityError(f"tone model file {path.name} has SHA-256 {digest}, expected {expected}")


@cache
def _card(directory: Path) -> dict:
    path = directory / "model.json"
    if not path.is_file():
        raise ModelIntegrityError(f"tone model card missing: {path}")
    return json.loads(path.read_text(encoding="utf-8"))
