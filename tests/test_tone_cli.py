from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.tone.cli import main


def test_one_message_prints_a_readable_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["You thieves, I'm calling my bank to reverse the charge."]) == 0
    out = capsys.readouterr().out
    assert "tone:   abusive" in out
    assert "flags:  chargeback" in out
    assert 'reason: insult aimed at staff: "thieves"' in out


def test_neutral_message_has_no_flags(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["Could you resend my invoice, please?"]) == 0
    out = capsys.readouterr().out
    assert "tone:   neutral" in out
    assert "flags:  none" in out


def test_jsonl_writes_one_line_per_input_and_passes_fields_through(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        json.dumps({"id": 1, "text": "Where is my invoice?", "channel": "email"})
        + "\n"
        + json.dumps({"id": 2, "text": "Scammers. I've opened a PayPal dispute and I'm telling Reddit."})
        + "\n",
        encoding="utf-8",
    )
    assert main(["--jsonl", str(source)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == [1, 2]
    assert lines[0]["channel"] == "email"
    assert lines[0]["tone"] == "neutral"
    assert lines[1]["tone"] == "abusive"
    assert lines[1]["flags"] == ["chargeback", "public"]
    for line in lines:
        assert round(line["score"], 3) == line["score"]
        assert 0 <= line["score"] <= 1


def test_bad_lines_are_reported_by_number_and_the_rest_still_processed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"text": "first, fine"}\nnot json at all\n{"id": 3}\n\n["a list"]\n{"text": "last, fine"}\n',
        encoding="utf-8",
    )
    assert main(["--jsonl", str(source)]) == 1
    captured = capsys.readouterr()
    assert [json.loads(line)["text"] for line in captured.out.splitlines()] == ["first, fine", "last, fine"]
    assert "line 2: not valid JSON" in captured.err
    assert "line 3: missing 'text' field" in captured.err
    assert "line 5: expected a JSON object" in captured.err


def test_jsonl_reads_stdin_with_dash(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO('{"text": "thanks, all sorted"}\n'))
    assert main(["--jsonl", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["tone"] == "neutral"


def test_missing_file_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--jsonl", str(tmp_path / "nope.jsonl")]) == 1
    assert "cannot read" in capsys.readouterr().err


def test_text_or_jsonl_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([])
    assert exit_info.value.code == 2
    assert "usage: supportbot tone" in capsys.readouterr().err
