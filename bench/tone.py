"""Benchmark of the tone classifier: accuracy on the held-out set, latency, and import + model load time.

    python bench/tone.py [--heldout data/tone/heldout.jsonl] [--dev /work/shared/data/tone-dev.jsonl]

A trivial keyword classifier and the latency of str.lower() on the same texts are printed first, as a
baseline; the classifier's own figures come last, each with its target and PASS/FAIL.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.policies.tone import Flag, Tone, classify_tone  # noqa: E402

HELDOUT = ROOT / "data" / "tone" / "heldout.jsonl"
TONES = list(Tone)
FLAGS = list(Flag)
LATENCY_PASSES = 5
IMPORT_RUNS = 3
Prediction = tuple[str, set[str]]

# The baseline: what a quick regex list would do, to show what the rules and model add.
_BASE_ABUSE = re.compile(r"idiot|moron|stupid|useless|liar|scam|thie[fv]|crook|fuck|f\*+|shit|clown|hell|fraud")
_BASE_FRUSTRATION = re.compile(r"!|still|again|unacceptable|ridiculous|disappoint|annoy|worst|waiting|refund|days")
_BASE_FLAGS = {
    "chargeback": re.compile(r"chargeback|dispute|bank|paypal"),
    "legal": re.compile(r"lawyer|solicitor|attorney|court|sue|legal"),
    "public": re.compile(r"review|twitter|reddit|facebook|everyone"),
    "threat": re.compile(r"kill|hurt|watch your back|where you live"),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--heldout", type=Path, default=HELDOUT)
    parser.add_argument("--dev", type=Path, help="also report on this labelled file (e.g. the issue's examples)")
    args = parser.parse_args(argv)

    rows = read_rows(args.heldout)
    texts = [row["text"] for row in rows]
    print(f"held-out set: {args.heldout} ({len(rows)} messages)\n")

    print("== baseline: keyword list ==")
    baseline = evaluate(rows, keyword_baseline)
    print_accuracy(baseline)
    lower = latencies(str.lower, texts)
    print(f"  latency of str.lower(): p50 {lower.p50 * 1000:.4f} ms, p99 {lower.p99 * 1000:.4f} ms\n")

    if args.dev:
        print(f"== classifier on {args.dev} ==")
        print_accuracy(evaluate(read_rows(args.dev), classify))
        print()

    print("== classifier on the held-out set ==")
    results = evaluate(rows, classify)
    print_accuracy(results)
    timing = latencies(classify_tone, texts)
    load = import_and_load_seconds()
    print(
        f"  latency per message, all {LATENCY_PASSES * len(texts)} calls: p50 {timing.p50 * 1000:.3f} ms, "
        f"p99 {timing.p99 * 1000:.3f} ms, max {timing.worst * 1000:.3f} ms"
    )
    print(
        f"  each message's best of {LATENCY_PASSES} (its own cost, without other processes' preemption): "
        f"p99 {timing.best_p99 * 1000:.3f} ms, max {timing.best_worst * 1000:.3f} ms"
    )
    print(f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} during the run")
    print(f"  import + model load in a fresh interpreter: {load * 1000:.0f} ms (median of {IMPORT_RUNS})\n")

    checks = [
        ("macro-F1 on held-out", results["macro_f1"], ">=", 0.90),
        ("frustrated called abusive", results["frustrated_as_abusive"], "<=", 0.05),
        ("abusive recall", results["recall"]["abusive"], ">=", 0.90),
        ("p99 latency, all calls (ms)", timing.p99 * 1000, "<", 5.0),
        ("import + load (ms)", load * 1000, "<", 1000.0),
    ]
    print("== targets ==")
    failed = 0
    for name, value, op, target in checks:
        ok = value >= target if op == ">=" else value <= target if op == "<=" else value < target
        failed += not ok
        print(f"  {name:<28} {value:8.3f}  target {op} {target:<7} {'PASS' if ok else 'FAIL'}")
    return 1 if failed else 0


def read_rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def classify(text: str) -> Prediction:
    verdict = classify_tone(text)
    return str(verdict.tone), {str(flag) for flag in verdict.flags}


def keyword_baseline(text: str) -> Prediction:
    lowered = text.lower()
    flags = {flag for flag, pattern in _BASE_FLAGS.items() if pattern.search(lowered)}
    if _BASE_ABUSE.search(lowered):
        return "abusive", flags
    if _BASE_FRUSTRATION.search(lowered):
        return "frustrated", flags
    return "neutral", flags


def evaluate(rows: list[dict], predict: Callable[[str], Prediction]) -> dict:
    truth = [(row["tone"], set(row.get("flags", []))) for row in rows]
    guess = [predict(row["text"]) for row in rows]
    tones_true = [t for t, _ in truth]
    tones_guess = [g for g, _ in guess]
    precision, recall, f1 = {}, {}, {}
    for tone in TONES:
        tp = sum(1 for t, g in zip(tones_true, tones_guess, strict=True) if t == g == tone)
        precision[tone] = tp / max(1, tones_guess.count(tone))
        recall[tone] = tp / max(1, tones_true.count(tone))
        both = precision[tone] + recall[tone]
        f1[tone] = 2 * precision[tone] * recall[tone] / both if both else 0.0
    frustrated = [g for t, g in zip(tones_true, tones_guess, strict=True) if t == "frustrated"]
    flag_scores = {}
    for flag in FLAGS:
        tp = sum(1 for (_, tf), (_, gf) in zip(truth, guess, strict=True) if flag in tf and flag in gf)
        predicted = sum(1 for _, gf in guess if flag in gf)
        actual = sum(1 for _, tf in truth if flag in tf)
        flag_scores[flag] = (tp / max(1, predicted), tp / max(1, actual), actual, predicted)
    confusion = {t: {g: 0 for g in TONES} for t in TONES}
    for t, g in zip(tones_true, tones_guess, strict=True):
        confusion[t][g] += 1
    return {
        "n": len(rows),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "macro_f1": sum(f1.values()) / len(f1),
        "frustrated_as_abusive": frustrated.count("abusive") / max(1, len(frustrated)),
        "frustrated_as_abusive_count": (frustrated.count("abusive"), len(frustrated)),
        "flags": flag_scores,
        "confusion": confusion,
    }


def print_accuracy(results: dict) -> None:
    for tone in TONES:
        print(
            f"  {tone:<10} precision {results['precision'][tone]:.3f}  recall {results['recall'][tone]:.3f}"
            f"  f1 {results['f1'][tone]:.3f}"
        )
    called, total = results["frustrated_as_abusive_count"]
    print(f"  macro-F1 {results['macro_f1']:.3f}")
    print(f"  frustrated called abusive: {called}/{total} ({results['frustrated_as_abusive']:.1%})")
    print(f"  abusive caught (recall): {results['recall']['abusive']:.1%}")
    print("  confusion (rows = truth, columns = predicted neutral/frustrated/abusive):")
    for tone in TONES:
        print(f"    {tone:<10} " + " ".join(f"{results['confusion'][tone][g]:4d}" for g in TONES))
    for flag, (precision, recall, actual, predicted) in results["flags"].items():
        print(f"  flag {flag:<10} precision {precision:.3f}  recall {recall:.3f}  (true {actual}, flagged {predicted})")


@dataclass(frozen=True)
class Timing:
    p50: float
    p99: float
    worst: float
    best_p99: float
    best_worst: float


def latencies(function: Callable[[str], object], texts: list[str]) -> Timing:
    """Seconds per call after a warm-up pass (the model loads once, on first use).

    On a busy machine a call is sometimes preempted for a scheduler slice (a few ms); the raw p99 includes
    that, the per-message best-of-N does not. The target is judged on the raw figure.
    """
    for text in texts:
        function(text)
    samples: list[float] = []
    best = [float("inf")] * len(texts)
    for _ in range(LATENCY_PASSES):
        for i, text in enumerate(texts):
            start = time.perf_counter()
            function(text)
            elapsed = time.perf_counter() - start
            samples.append(elapsed)
            best[i] = min(best[i], elapsed)
    samples.sort()
    best.sort()
    return Timing(
        p50=statistics.median(samples),
        p99=_percentile(samples, 0.99),
        worst=samples[-1],
        best_p99=_percentile(best, 0.99),
        best_worst=best[-1],
    )


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[min(len(ordered) - 1, math.ceil(len(ordered) * share) - 1)]


def import_and_load_seconds() -> float:
    """Import the module and load the model in a fresh interpreter, timed from inside it."""
    code = (
        "import time; t = time.perf_counter(); "
        "from bot.policies.tone import classify_tone, load_model; load_model(); classify_tone('hello'); "
        "print(time.perf_counter() - t)"
    )
    runs = []
    for _ in range(IMPORT_RUNS):
        done = subprocess.run(  # noqa: S603 - our own interpreter running a fixed snippet
            [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
        )
        runs.append(float(done.stdout.strip()))
    return statistics.median(runs)


if __name__ == "__main__":
    raise SystemExit(main())
