"""Rebuild bot/policies/tone_model.json from data/tone/train.jsonl, deterministically, with the standard library.

The model is a multinomial logistic regression over the features of bot.policies.tone.model_features (words,
word pairs, and what the rules found), trained by AdaGrad SGD with L2 and a fixed seed. Rebuilding from the
same data gives a byte-identical file.

    python scripts/train_tone.py                        # train on all of train.jsonl, write the model
    python scripts/train_tone.py --validate             # hold out 20% of the hand-written rows, report, write nothing
    python scripts/train_tone.py --extra fixes.jsonl    # add feedback corrections (JSON lines with text and tone)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.policies.tone import MODEL_PATH, Tone, ToneModel, classify_tone, model_features, softmax  # noqa: E402
from bot.policies.tone_rules import analyse  # noqa: E402

TRAIN = ROOT / "data" / "tone" / "train.jsonl"
CLASSES = [Tone.NEUTRAL, Tone.FRUSTRATED, Tone.ABUSIVE]
SEED = 7
EPOCHS = 8
LEARNING_RATE = 0.05
L2 = 1e-3
MIN_DOCS = 2  # a word seen in one message only is noise, and would bloat the shipped file
VALIDATION_SHARE = 0.2


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--train", type=Path, default=TRAIN)
    parser.add_argument("--extra", type=Path, action="append", default=[], help="JSON lines with text and tone")
    parser.add_argument("--output", type=Path, default=MODEL_PATH)
    parser.add_argument("--validate", action="store_true", help="report on a held-back 20%% of hand-written rows")
    args = parser.parse_args(argv)

    rows = read_rows(args.train) + [row for path in args.extra for row in read_rows(path)]
    if args.validate:
        fit, check = validation_split(rows)
        model = train(fit)
        print(f"validation: trained on {len(fit)} rows, checking {len(check)} hand-written rows")
        report(ToneModel.from_json(model), check)
        return 0
    model = train(rows)
    model["training"]["data_sha256"] = _digest([args.train, *args.extra])
    args.output.write_text(dump(model), encoding="utf-8")
    print(f"wrote {args.output} ({args.output.stat().st_size} bytes, {len(model['weights'])} features)")
    print("on the training data itself (optimistic):")
    report(ToneModel.from_json(model), rows)
    return 0


def read_rows(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "text" not in row or row.get("tone") not in set(Tone):
            raise SystemExit(f"{path}:{number}: needs 'text' and a 'tone' of {', '.join(Tone)}")
        rows.append(row)
    return rows


def validation_split(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Hold back part of the hand-written rows: they resemble real, unseen messages better than templates."""
    hand = [i for i, row in enumerate(rows) if row.get("source") == "hand"]
    random.Random(SEED).shuffle(hand)  # noqa: S311 - reproducible split, not secrets
    held = set(hand[: int(len(hand) * VALIDATION_SHARE)])
    return [r for i, r in enumerate(rows) if i not in held], [r for i, r in enumerate(rows) if i in held]


def train(rows: list[dict]) -> dict:
    examples = [(model_features(analyse(row["text"])), CLASSES.index(Tone(row["tone"]))) for row in rows]
    counts = Counter(f for features, _ in examples for f in features)
    vocabulary = sorted(f for f, n in counts.items() if n >= MIN_DOCS or f.startswith("rule:"))
    index = {f: i for i, f in enumerate(vocabulary)}
    encoded = [([index[f] for f in features if f in index], label) for features, label in examples]

    k = len(CLASSES)
    weights = [[0.0] * k for _ in vocabulary]
    squares = [[1e-8] * k for _ in vocabulary]
    bias, bias_squares = [0.0] * k, [1e-8] * k
    order = list(range(len(encoded)))
    rng = random.Random(SEED)  # noqa: S311 - reproducible training, not secrets
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for n in order:
            active, label = encoded[n]
            logits = [bias[c] + sum(weights[i][c] for i in active) for c in range(k)]
            probabilities = softmax(logits)
            for c in range(k):
                error = probabilities[c] - (1.0 if c == label else 0.0)
                bias_squares[c] += error * error
                bias[c] -= LEARNING_RATE * error / math.sqrt(bias_squares[c])
                for i in active:
                    gradient = error + L2 * weights[i][c]
                    squares[i][c] += gradient * gradient
                    weights[i][c] -= LEARNING_RATE * gradient / math.sqrt(squares[i][c])
    return {
        "format": 1,
        "classes": [str(c) for c in CLASSES],
        "bias": [round(b, 4) for b in bias],
        "weights": {f: [round(w, 4) for w in weights[i]] for f, i in index.items() if any(weights[i])},
        "training": {
            "rows": len(rows),
            "seed": SEED,
            "epochs": EPOCHS,
            "learning_rate": LEARNING_RATE,
            "l2": L2,
            "min_docs": MIN_DOCS,
        },
    }


def dump(model: dict) -> str:
    return json.dumps(model, sort_keys=True, ensure_ascii=False, separators=(",", ":")) + "\n"


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def report(model: ToneModel, rows: list[dict]) -> None:
    truth = [Tone(row["tone"]) for row in rows]
    guess = [classify_tone(row["text"], model).tone for row in rows]
    f1s = []
    for tone in CLASSES:
        tp = sum(1 for t, g in zip(truth, guess, strict=True) if t == g == tone)
        precision = tp / max(1, guess.count(tone))
        recall = tp / max(1, truth.count(tone))
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        f1s.append(f1)
        print(f"  {tone:<10} precision {precision:.3f}  recall {recall:.3f}  f1 {f1:.3f}  (n={truth.count(tone)})")
    frustrated = [g for t, g in zip(truth, guess, strict=True) if t is Tone.FRUSTRATED]
    print(
        f"  macro-F1 {sum(f1s) / len(f1s):.3f}; frustrated called abusive: "
        f"{frustrated.count(Tone.ABUSIVE)}/{len(frustrated)}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
