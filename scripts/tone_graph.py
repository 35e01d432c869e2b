"""Slim the tone model's int8 ONNX graph without changing a single score, and refuse the result if one changes.

    pip install -e '.[train]'
    python scripts/tone_graph.py         # slims bot/tone/model/tone.onnx in place and updates model.json

scripts/train_tone_model.py runs the same on every new export. Two rewrites, found by profiling one 1,200-character
message on one core (bench/tone_profile.py):

- torch's attention export guards each softmax with Where(IsNaN(p), 0, p), for a row whose keys are all masked.
  No window the bot sends has one (each starts with [CLS] and ends with [SEP], bot.tone.model.feeds), so the
  guard only copies, over every attention probability: 18 nodes with their constants, about 13 % of the model's
  time on this CPU.
- each attention layer works out its five reshapes' targets from Shape, Gather, Unsqueeze and Concat on every
  run; Reshape's 0 ("keep this dimension") says the same as a constant (294 fewer nodes, about 4 %).

Both are exact: the same arithmetic on the same numbers. That matters more than usual here, because activations
are quantised per run (dynamic int8): any other change, even one rounding, moves the scores (a faster
layer-norm kernel moves probabilities by up to 0.03). So the slimmed graph is kept only if its outputs are
bit-identical to the original's on random ids of every batch shape `feeds` makes and on every window of the
held-out set and the dev sets present. The card then names the new file, and lists the version it replaces
under `same_scores_as`: a team's head fitted on that version still sits on this one (bot.tone.head_bases).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import onnx  # noqa: E402
import onnxruntime  # noqa: E402
from onnx import numpy_helper  # noqa: E402

from bot.policies.tone_text import own_text  # noqa: E402
from bot.tone.model import BATCH, MAX_TOKENS, MODEL_DIR, OVERLAP, feeds  # noqa: E402

SETS = [
    ROOT / "data" / "tone" / "heldout.jsonl",
    Path("/work/shared/data/tone-dev.jsonl"),
    Path("/work/shared/data/tone-dev2.jsonl"),
]
_SHAPE_SEED = 15


class ScoresChangedError(RuntimeError):
    """The slimmed graph gave a different number somewhere: it is not kept."""


def slim(model: onnx.ModelProto) -> int:
    """Apply both rewrites in place; the number of nodes removed."""
    before = len(model.graph.node)
    _drop_nan_guards(model.graph)
    _constant_reshapes(model.graph)
    _prune(model.graph)
    onnx.checker.check_model(model)
    return before - len(model.graph.node)


def _drop_nan_guards(graph: onnx.GraphProto) -> None:
    consumers = _consumers(graph)
    for isnan in [node for node in graph.node if node.op_type == "IsNaN"]:
        (where,) = consumers[isnan.output[0]]
        if where.op_type != "Where" or where.input[2] != isnan.input[0] or _constant(graph, where.input[1]) != [0.0]:
            raise ValueError(f"{isnan.name} is not a softmax guard Where(IsNaN(p), 0, p)")
        for node in consumers.get(where.output[0], []):
            node.input[:] = [isnan.input[0] if name == where.output[0] else name for name in node.input]
        graph.node.remove(where)
        graph.node.remove(isnan)


def _constant_reshapes(graph: onnx.GraphProto) -> None:
    """A target entry read as "dimension i of some tensor" at position i becomes 0 (keep input dimension i)."""
    producers = {output: node for node in graph.node for output in node.output}
    for node in graph.node:
        concat = producers.get(node.input[1]) if node.op_type == "Reshape" else None
        if concat is None or concat.op_type != "Concat" or "/attention/" not in node.name:
            continue
        target = [_constant(graph, name) or _dimension(graph, producers, name) for name in concat.input]
        if any(entry is None or len(entry) != 1 for entry in target):
            continue
        entries = [0 if entry[0] == f"dim{i}" else entry[0] for i, entry in enumerate(target)]
        if any(isinstance(entry, str) for entry in entries):
            continue
        name = "reshape_" + "_".join(str(entry).replace("-", "m") for entry in entries)
        if name not in {initializer.name for initializer in graph.initializer}:
            graph.initializer.append(numpy_helper.from_array(np.array(entries, dtype=np.int64), name))
        node.input[1] = name


def _dimension(graph: onnx.GraphProto, producers: dict, name: str) -> list[str] | None:
    unsqueeze = producers.get(name)
    gather = producers.get(unsqueeze.input[0]) if unsqueeze is not None and unsqueeze.op_type == "Unsqueeze" else None
    if gather is None or gather.op_type != "Gather" or producers[gather.input[0]].op_type != "Shape":
        return None
    index = _constant(graph, gather.input[1])
    return None if index is None else [f"dim{int(index[0])}"]


def _constant(graph: onnx.GraphProto, name: str) -> list | None:
    for node in graph.node:
        if node.op_type == "Constant" and node.output[0] == name:
            return np.atleast_1d(numpy_helper.to_array(node.attribute[0].t)).tolist()
    for initializer in graph.initializer:
        if initializer.name == name:
            return np.atleast_1d(numpy_helper.to_array(initializer)).tolist()
    return None


def _prune(graph: onnx.GraphProto) -> None:
    wanted = {output.name for output in graph.output}
    while True:
        used = wanted | {name for node in graph.node for name in node.input}
        dead = [node for node in graph.node if not any(output in used for output in node.output)]
        if not dead:
            break
        for node in dead:
            graph.node.remove(node)
    used = {name for node in graph.node for name in node.input}
    kept = [initializer for initializer in graph.initializer if initializer.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept)


def _consumers(graph: onnx.GraphProto) -> dict[str, list[onnx.NodeProto]]:
    found: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            found.setdefault(name, []).append(node)
    return found


def check_same(original: bytes, slimmed: bytes, texts: list[str], tokenizer_path: Path) -> int:
    """Raise ScoresChangedError unless both graphs give bit-identical outputs; the number of batches compared."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(tokenizer_path))
    cls_id, sep_id = tokenizer.token_to_id("[CLS]"), tokenizer.token_to_id("[SEP]")
    texts_ids = [tokenizer.encode(own_text(text).text, add_special_tokens=False).ids for text in texts]
    # Every batch shape feeds() makes: one window of any width (2 is an empty text), 2 to BATCH full windows,
    # and more than a batch of them.
    size, step = MAX_TOKENS - 2, MAX_TOKENS - 2 - OVERLAP
    lengths = [0, 1, 15, 62, size] + [size + (n - 1) * step for n in range(2, BATCH + 2)]
    rng = np.random.default_rng(_SHAPE_SEED)
    texts_ids += [[int(i) for i in rng.integers(1000, 30000, size=length)] for length in lengths]
    sessions = [_session(model) for model in (original, slimmed)]
    compared = 0
    for ids in texts_ids:
        for _, feed in feeds(ids, cls_id, sep_id):
            before, after = (session.run(None, feed) for session in sessions)
            for old, new in zip(before, after, strict=True):
                if not np.array_equal(old, new):
                    shape = feed["input_ids"].shape
                    raise ScoresChangedError(f"a batch of shape {shape} changed by up to {np.abs(old - new).max():.3g}")
            compared += 1
    return compared


def _session(model: bytes) -> onnxruntime.InferenceSession:
    # The options bot.tone.model runs with: the graph optimisations decide the arithmetic.
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def set_texts() -> list[str]:
    texts = []
    for path in SETS:
        if path.exists():
            texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line]
    return texts


def slim_file(path: Path) -> tuple[int, int]:
    """Slim the ONNX file at `path` in place if its scores stay bit-identical; nodes removed, batches compared."""
    original = path.read_bytes()
    model = onnx.load_from_string(original)
    removed = slim(model)
    if not removed:
        return 0, 0
    slimmed = model.SerializeToString()
    compared = check_same(original, slimmed, set_texts(), path.with_name("tokenizer.json"))
    path.write_bytes(slimmed)
    return removed, compared


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-dir", type=Path, default=MODEL_DIR)
    args = parser.parse_args(argv)
    card_path = args.model_dir / "model.json"
    card = json.loads(card_path.read_text(encoding="utf-8"))
    path = args.model_dir / "tone.onnx"
    removed, compared = slim_file(path)
    if not removed:
        print(f"{path} is already slim")
        return 0
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    previous = card["version"]
    card["sha256"]["tone.onnx"] = digest
    card["version"] = card["name"] + "-" + digest[:12]
    card["same_scores_as"] = [*card.get("same_scores_as", []), previous]
    card_path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"{removed} nodes removed; outputs bit-identical on {compared} batches; {previous} -> {card['version']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
