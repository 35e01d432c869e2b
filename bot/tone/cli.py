"""`supportbot tone`: the tone classifier from the command line, for one message or a file of JSON lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from typing import TextIO

from bot.policies.tone import ToneVerdict
from bot.tone import classify_tone

EXAMPLES = """\
examples:
  supportbot tone "You people are useless idiots"
  supportbot tone --jsonl messages.jsonl > verdicts.jsonl
  cat messages.jsonl | supportbot tone --jsonl -"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="supportbot tone",
        description="Classify the tone of customer messages as neutral, frustrated or abusive, with flags.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("text", nargs="?", help="one message to classify")
    source.add_argument("--jsonl", metavar="FILE", help="JSON lines with a 'text' field ('-' for stdin)")
    args = parser.parse_args(argv)

    if args.jsonl is None:
        print(render(classify_tone(args.text)))
        return 0
    if args.jsonl == "-":
        return classify_lines(sys.stdin, sys.stdout, sys.stderr)
    try:
        with open(args.jsonl, encoding="utf-8") as lines:
            return classify_lines(lines, sys.stdout, sys.stderr)
    except OSError as error:
        print(f"supportbot tone: cannot read {args.jsonl}: {error.strerror}", file=sys.stderr)
        return 1


def render(verdict: ToneVerdict) -> str:
    flags = ", ".join(sorted(verdict.flags)) or "none"
    lines = [f"tone:   {verdict.tone} (score {verdict.score:.2f})", f"flags:  {flags}"]
    lines += [f"reason: {reason}" for reason in verdict.reasons]
    return "\n".join(lines)


def classify_lines(lines: Iterable[str], out: TextIO, err: TextIO) -> int:
    """One JSON line out per JSON line in; bad lines are reported on `err` and make the exit status 1."""
    status = 0
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        record, problem = _parse(line)
        if problem:
            print(f"line {number}: {problem}", file=err)
            status = 1
            continue
        verdict = classify_tone(record["text"])
        result = {
            **record,
            "tone": str(verdict.tone),
            "score": round(verdict.score, 3),
            "flags": sorted(str(flag) for flag in verdict.flags),
        }
        out.write(json.dumps(result, ensure_ascii=False) + "\n")
    return status


def _parse(line: str) -> tuple[dict, str]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return {}, f"not valid JSON ({error.msg})"
    if not isinstance(record, dict):
        return {}, "expected a JSON object with a 'text' field"
    if not isinstance(record.get("text"), str):
        return {}, "missing 'text' field (a string)"
    return record, ""


if __name__ == "__main__":
    raise SystemExit(main())
