"""Tone of customer messages with the fine-tuned language model: `classify_tone(text) -> ToneVerdict`.

The model runner (bot.tone.model) does the I/O: it loads the shipped ONNX file once, checks its checksum, and
scores a message's own text window by window. The decision (model scores combined with the rules' hits) is
pure and lives in bot.policies.tone.
"""

from __future__ import annotations

from bot.policies.tone import Flag, Tone, ToneVerdict
from bot.policies.tone import classify_tone as _decide
from bot.policies.tone_head import ToneHead
from bot.policies.tone_text import own_text
from bot.tone.model import head_bases, model_version, score

__all__ = ["Flag", "Tone", "ToneHead", "ToneVerdict", "classify_tone", "head_bases", "model_version"]


def classify_tone(text: str, head: ToneHead | None = None) -> ToneVerdict:
    """The tone of one customer message, judged by the language model and the rules together, and by the
    team's own head (learnt from their corrections, bot.tone.retrain) when one is in use."""
    if head is not None and head.base_version not in head_bases():
        head = None  # fitted on another release's model: its weights mean nothing on this one
    return _decide(text, scores=score(own_text(text).text), head=head)
