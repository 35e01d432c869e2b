"""The customer's own new words in a message, and the windows a long message is judged in.

Pure and standard-library only. Quoted history (`>` lines, everything under a reply header) is someone
else's text already answered; a signature (after the `-- ` delimiter, a "Sent from my phone" line, or a
sign-off followed only by a name and contact lines) says nothing about tone. What is left is what the model
and the rules judge.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.policies.tone_tokens import strip_quoted

_SIGNATURE_DELIMITER = re.compile(r"^(?:-- ?|--|__+|—)\s*$")
_SENT_FROM = re.compile(r"^\s*(?:sent from my|get outlook for|sent via|enviado desde|von meinem)\b", re.IGNORECASE)
_SIGN_OFF = re.compile(
    r"^\s*(?:best|kind|warm|many)?\s*(?:regards|wishes|thanks|thank you|cheers|sincerely|yours(?: truly| sincerely)?"
    r"|best|br|rgds|ta|mit freundlichen grüßen|cordialement|saludos|groeten|pozdrawiam)[,.!]?\s*$",
    re.IGNORECASE,
)
# A sign-off is only a signature when little follows it: a name, a title, a phone number.
_SIGNATURE_TAIL_LINES = 4
_SIGNATURE_LINE_CHARS = 60


@dataclass(frozen=True)
class OwnText:
    text: str
    quoted_lines: int
    signature_lines: int


def own_text(text: str) -> OwnText:
    """The message without quoted history or signature."""
    own, quoted = strip_quoted(text)
    lines = own.rstrip().split("\n")
    cut = _signature_start(lines)
    kept = lines if cut is None else lines[:cut]
    signature = 0 if cut is None else len([line for line in lines[cut:] if line.strip()])
    return OwnText("\n".join(kept).strip(), quoted, signature)


def _signature_start(lines: list[str]) -> int | None:
    for i, line in enumerate(lines):
        if i and (_SIGNATURE_DELIMITER.match(line) or _SENT_FROM.match(line)):
            return i
    for i in range(len(lines) - 1, 0, -1):
        if _SIGN_OFF.match(lines[i]):
            tail = [line for line in lines[i + 1 :] if line.strip()]
            short = all(len(line) <= _SIGNATURE_LINE_CHARS for line in tail)
            if len(tail) <= _SIGNATURE_TAIL_LINES and short:
                return i
            return None
    return None


def windows(length: int, size: int, overlap: int) -> list[tuple[int, int]]:
    """Start and end positions of overlapping windows covering `length` tokens (one window when it fits).

    As few windows as cover the text with at most `size` tokens each and at least `overlap` shared between
    neighbours, all of one width and spread evenly: a batch of them needs no padding, and the last window does
    not re-read most of the one before it (full-size windows with the last one flush with the end read a
    300-token text as 378 tokens; these read it as 366, and a 320-token one as 416 rather than 504).
    """
    if length <= size:
        return [(0, length)]
    count = -(-(length - overlap) // (size - overlap))
    width = -(-(length + (count - 1) * overlap) // count)
    last = length - width
    return [(start, start + width) for start in (k * last // (count - 1) for k in range(count))]
