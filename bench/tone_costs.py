"""What the tone language model costs, each figure measured in a fresh interpreter pinned to one core.

- latency: messages of exactly 1,200 characters (held-out messages run together), four passes after a warm-up,
  as CPU time per call: on a shared machine the wall clock also counts other processes' turns (printed too);
- load: import bot.tone and give the first verdict (session creation and checksum included), CPU time, with
  the wall-clock figure beside it;
- resident memory added: VmRSS after the first verdict, less VmRSS with the baseline classifier loaded;
- installed size added: the runtime packages the model needs (onnxruntime, tokenizers and what they pull in
  that supportbot did not already install) plus the shipped model files.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL_RUNTIME = ["onnxruntime", "tokenizers"]
LENGTH = 1200
MESSAGES = 50
PASSES = 4
LOAD_RUNS = 3

_CHILD = r"""
import json, os, statistics, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
kind, length, count, passes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])

def rss_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024

start, start_cpu = time.perf_counter(), time.process_time()
if kind == "load":
    from bot.tone import classify_tone
    classify_tone("hello")
    print(json.dumps({"load_s": time.process_time() - start_cpu, "load_wall_s": time.perf_counter() - start}))
    raise SystemExit
from bot.policies.tone import classify_tone as baseline
baseline("hello")
before = rss_mb()
if kind == "baseline":
    classify = baseline
else:
    from bot.tone import classify_tone as classify
    classify("hello")
after = rss_mb()
rows = [json.loads(line)["text"] for line in open("data/tone/heldout.jsonl", encoding="utf-8")]
stream = " ".join(" ".join(rows).split())
texts = [stream[i * length : (i + 1) * length] for i in range(count)]
for text in texts:
    classify(text)
cpu, wall = [], []
for _ in range(passes):
    for text in texts:
        t, c = time.perf_counter(), time.process_time()
        classify(text)
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - t)
p99 = lambda samples: sorted(samples)[min(len(samples) - 1, int(len(samples) * 0.99))] * 1000
print(json.dumps({"p99_ms": p99(cpu), "p99_wall_ms": p99(wall), "p50_ms": statistics.median(cpu) * 1000,
                  "rss_mb": after - before}))
"""


def costs() -> dict:
    model = _child("model")
    baseline = _child("baseline")
    loads = [_child("load") for _ in range(LOAD_RUNS)]
    installed, detail = installed_mb()
    return {
        "p99_ms": model["p99_ms"],
        "p50_ms": model["p50_ms"],
        "p99_wall_ms": model["p99_wall_ms"],
        "baseline_p99_ms": baseline["p99_ms"],
        "load_s": statistics.median(load["load_s"] for load in loads),
        "load_wall_s": statistics.median(load["load_wall_s"] for load in loads),
        "rss_mb": model["rss_mb"],
        "installed_mb": installed,
        "installed_detail": detail,
    }


def _child(kind: str) -> dict:
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    done = subprocess.run(  # noqa: S603 - our own interpreter running a fixed snippet
        [sys.executable, "-c", _CHILD, kind, str(LENGTH), str(MESSAGES), str(PASSES)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def installed_mb() -> tuple[float, str]:
    """Megabytes on disk that the model adds: its runtime packages (less those supportbot has anyway) and files."""
    already = _closure([name for name in _requirements("supportbot") if name not in MODEL_RUNTIME])
    added = sorted(_closure(MODEL_RUNTIME) - already)
    sizes = {name: size for name in added if (size := _size(name))}
    model_dir = ROOT / "bot" / "tone" / "model"
    sizes["model files"] = sum(f.stat().st_size for f in model_dir.iterdir() if f.is_file()) / 1e6
    detail = ", ".join(f"{name} {mb:.1f}" for name, mb in sorted(sizes.items(), key=lambda kv: -kv[1]))
    return sum(sizes.values()), detail


def _requirements(name: str) -> list[str]:
    try:
        requires = metadata.distribution(name).requires or []
    except metadata.PackageNotFoundError:
        return []
    names = []
    for requirement in requires:
        if "extra ==" in requirement:
            continue  # extras (supportbot's dev and train) are not installed in production
        names.append(_canonical(re.split(r"[ ;<>=!~\[(]", requirement, maxsplit=1)[0]))
    return names


def _closure(names: list[str]) -> set[str]:
    seen: set[str] = set()
    pending = [_canonical(n) for n in names]
    while pending:
        name = pending.pop()
        if name in seen:
            continue
        seen.add(name)
        pending += [n for n in _requirements(name) if n not in seen]
    return seen


def _size(name: str) -> float:
    try:
        files = metadata.distribution(name).files or []
    except metadata.PackageNotFoundError:
        return 0.0
    return sum(f.size or 0 for f in files) / 1e6


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
