"""Where a long message's tone verdict spends its time, step by step, on one pinned core.

    python bench/tone_profile.py [--graph OTHER.onnx] [--ops]

The messages are bench/tone_costs.py's: 1,200 characters of held-out messages run together. Each step is timed
alone as CPU time per message (own text, tokeniser, the model's batch of windows, the rules, the decision), beside
the whole `bot.tone.classify_tone` call measured in the same run (the baseline the steps should add up to).

`--graph` times another ONNX file of the same model beside the shipped one, message by message in turn, and checks
that both give the same numbers: e.g. the graph before scripts/tone_graph.py slimmed it,
`git show 9e73055:bot/tone/model/tone.onnx > /tmp/before.onnx`. `--ops` adds onnxruntime's own profile of the
shipped graph: the share of the model's time in each kind of operator.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from tone_costs import LENGTH, MESSAGES, PASSES

ROOT = Path(__file__).resolve().parent.parent

os.environ.setdefault("OMP_NUM_THREADS", "1")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--graph", type=Path, help="another ONNX file of the same model, timed beside the shipped one")
    parser.add_argument("--ops", action="store_true", help="onnxruntime's profile of the shipped graph, by operator")
    args = parser.parse_args(argv)
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})

    import numpy as np

    from bot.policies.tone import classify_tone as decide
    from bot.policies.tone_rules import analyse
    from bot.policies.tone_text import own_text
    from bot.tone import classify_tone
    from bot.tone.model import feeds, load, score

    runner = load()
    rows = [json.loads(line)["text"] for line in (ROOT / "data" / "tone" / "heldout.jsonl").open(encoding="utf-8")]
    stream = " ".join(" ".join(rows).split())
    texts = [stream[i * LENGTH : (i + 1) * LENGTH] for i in range(MESSAGES)]
    owns = [own_text(text).text for text in texts]
    ids = [runner.tokenizer.encode(own, add_special_tokens=False).ids for own in owns]
    batches = [[feed for _, feed in feeds(i, runner.cls_id, runner.sep_id)] for i in ids]
    scores = [score(own) for own in owns]
    windows = [sum(len(feed["input_ids"]) for feed in message) for message in batches]
    tokens = [sum(feed["input_ids"].size for feed in message) for message in batches]  # what the model reads
    print(
        f"{MESSAGES} messages of {LENGTH:,} characters, {PASSES} passes; own-text tokens p50 "
        f"{statistics.median(map(len, ids)):.0f} (max {max(map(len, ids))}); windows of up to 128 tokens per message: "
        f"{dict(sorted(collections.Counter(windows).items()))}"
    )

    def run_model(session: object, message: int) -> None:
        for feed in batches[message]:
            session.run(None, feed)  # type: ignore[attr-defined]

    steps: list[tuple[str, Callable[[int], object]]] = [
        ("own text (quotes, signature)", lambda i: own_text(texts[i])),
        ("tokeniser", lambda i: runner.tokenizer.encode(owns[i], add_special_tokens=False)),
        ("model: onnxruntime, all windows", lambda i: run_model(runner.session, i)),
        ("score(): tokeniser + model + numpy", lambda i: score(owns[i])),
        ("rules (analyse)", lambda i: analyse(texts[i])),
        ("decision (rules + word model + judge)", lambda i: decide(texts[i], scores=scores[i])),
        ("whole classify_tone (baseline)", lambda i: classify_tone(texts[i])),
    ]
    timed = _interleaved([step for _, step in steps])
    print(f"\n  {'step, CPU ms per message':<40} {'p50':>7} {'p99':>7}")
    for (name, _), samples in zip(steps, timed, strict=True):
        print(f"  {name:<40} {_p(samples, 50):7.2f} {_p(samples, 99):7.2f}")
    per_128 = sum(timed[2]) * 1000 * 128 / (PASSES * sum(tokens))
    print(f"  {'model per 128 tokens it reads, mean':<40} {per_128:7.2f}")

    if args.graph:
        other = _session(args.graph.read_bytes())
        same = all(
            np.array_equal(a, b)
            for message in batches
            for feed in message
            for a, b in zip(runner.session.run(None, feed), other.run(None, feed), strict=True)
        )
        shipped, given = _interleaved([lambda i: run_model(runner.session, i), lambda i: run_model(other, i)])
        print(f"\n  {'model, CPU ms per message':<40} {'p50':>7} {'p99':>7}")
        print(f"  {'shipped graph':<40} {_p(shipped, 50):7.2f} {_p(shipped, 99):7.2f}")
        print(f"  {args.graph.name:<40} {_p(given, 50):7.2f} {_p(given, 99):7.2f}")
        print(f"  outputs bit-identical on every window: {'yes' if same else 'NO'}")

    if args.ops:
        _operators(ROOT / "bot" / "tone" / "model" / "tone.onnx", [feed for message in batches for feed in message])
    print(f"\nmachine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    return 0


def _interleaved(steps: list[Callable[[int], object]]) -> list[list[float]]:
    """CPU seconds per call of each step, message by message in turn, so a busy spell hits every step alike."""
    for step in steps:
        for i in range(MESSAGES):
            step(i)
    samples: list[list[float]] = [[] for _ in steps]
    for _ in range(PASSES):
        for i in range(MESSAGES):
            for k, step in enumerate(steps):
                start = time.process_time()
                step(i)
                samples[k].append(time.process_time() - start)
    return samples


def _p(samples: list[float], percent: int) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, len(ordered) * percent // 100)] * 1000


def _session(model: bytes, profile_prefix: str | None = None):
    import onnxruntime

    # As bot.tone.model runs it.
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    if profile_prefix:
        options.enable_profiling = True
        options.profile_file_prefix = profile_prefix
    return onnxruntime.InferenceSession(model, options, providers=["CPUExecutionProvider"])


def _operators(path: Path, feeds: list[dict]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        session = _session(path.read_bytes(), str(Path(directory) / "ort"))
        for feed in feeds:
            session.run(None, feed)
        events = json.loads(Path(session.end_profiling()).read_text(encoding="utf-8"))
    spent: collections.Counter[str] = collections.Counter()
    nodes: dict[str, set[str]] = collections.defaultdict(set)
    for event in events:
        if event.get("cat") == "Node" and event["name"].endswith("_kernel_time"):
            spent[event["args"]["op_name"]] += event["dur"]
            nodes[event["args"]["op_name"]].add(event["name"])
    total = sum(spent.values())
    print(f"\n  onnxruntime's profile of the shipped graph, {len(feeds)} runs (time inside operators)")
    for op, micros in spent.most_common(12):
        print(f"  {op:<28} {100 * micros / total:5.1f} %  ({len(nodes[op])} nodes)")
    print(f"  {'the rest':<28} {100 * sum(v for _, v in spent.most_common()[12:]) / total:5.1f} %")


if __name__ == "__main__":
    raise SystemExit(main())
