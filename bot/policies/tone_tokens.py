"""A customer's text as the tone rules read it: quoted history set aside, spaced and disguised letters resolved,
words normalised into tokens by sentence and clause; and the `Hit` every rule records.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from bot.policies.tone_lexicon import (
    DEOBFUSCATE_TO,
    ENGLISH_STOPWORDS,
    FOREIGN,
    INSULTS,
    LEET,
    PHRASES,
    PROFANITY,
    SPELLINGS,
)


@dataclass(frozen=True)
class Hit:
    """One rule that fired: what kind, the words as the customer wrote them, and (for ignored hits) why."""

    kind: str
    phrase: str
    why: str = ""


@dataclass(frozen=True)
class Token:
    norm: str
    orig: str
    sentence: int
    clause: int
    trail: str = ""


# --- quoted text -----------------------------------------------------------------------------------------------

_REPLY_HEADER = re.compile(
    r"^\s*(?:on\b.{0,200}\bwrote:|le\b.{0,200}a écrit\s*:|am\b.{0,200}schrieb.{0,100}:|el\b.{0,200}escribió:"
    r"|-{2,}\s*(?:original message|forwarded message)\s*-{2,}|_{10,})\s*$",
    re.IGNORECASE,
)
_OUTLOOK_HEADER = re.compile(r"^\s*(?:from|sent|date|to|subject):\s", re.IGNORECASE)


def strip_quoted(text: str) -> tuple[str, int]:
    """The customer's own words: drop '>' lines, and whatever follows a reply header that is not '>'-quoted.

    Returns the remaining text and how many lines were dropped.
    """
    lines = text.replace("\r\n", "\n").split("\n")
    kept: list[str] = []
    dropped = 0
    for i, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            dropped += 1
            continue
        if _is_reply_header(lines, i):
            following = [rest for rest in lines[i + 1 :] if rest.strip()]
            if following and following[0].lstrip().startswith(">"):
                dropped += 1
                continue
            dropped += len(lines) - i
            break
        kept.append(line)
    return "\n".join(kept), dropped


def _is_reply_header(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _REPLY_HEADER.match(line):
        return True
    if line.rstrip().endswith("wrote:") and i > 0 and lines[i - 1].lstrip().lower().startswith("on "):
        return True
    # An Outlook block: "From: ..." followed closely by "Sent:"/"To:"/"Subject:".
    if line.lstrip().lower().startswith("from:"):
        return any(_OUTLOOK_HEADER.match(nxt) for nxt in lines[i + 1 : i + 4])
    return False


_INLINE_QUOTE = re.compile(r"\"[^\"\n]{1,200}\"|“[^”\n]{1,200}”|(?<![\w'])['‘][^'‘’\n]{1,80}['’](?![\w'])")


def mask_inline_quotes(text: str) -> str:
    # Words inside quotation marks are someone else's ("called me an 'idiot'") or scare quotes ("support").
    return _INLINE_QUOTE.sub(" quote ", text)


# --- normalisation ---------------------------------------------------------------------------------------------

# Dotted runs first ("F.U.C.K Y.O.U" is two words), then spaced ones ("i d i o t s").
_SPACED = (
    re.compile(r"(?<![A-Za-z.])(?:[A-Za-z][.\-_*]){2,}[A-Za-z](?![A-Za-z])"),
    re.compile(r"(?<![A-Za-z])(?:[A-Za-z] ){2,}[A-Za-z](?![A-Za-z])"),
)


def collapse_spaced_letters(text: str) -> str:
    def join(match: re.Match[str]) -> str:
        letters = re.sub(r"[^A-Za-z]", "", match.group()).lower()
        known = letters in INSULTS or letters in PROFANITY or letters in ("scammers", "you")
        return letters if known else match.group()

    for pattern in _SPACED:
        text = pattern.sub(join, text)
    return text


_EDGE = ".,!?;:()[]{}\"'“”‘’…<>~"


def tokenise(text: str) -> list[Token]:
    tokens: list[Token] = []
    sentence = clause = 0
    previous_end = 0
    for match in re.finditer(r"\S+", text):
        if "\n" in text[previous_end : match.start()] and tokens:
            sentence, clause = sentence + 1, clause + 1
        previous_end = match.end()
        chunk = match.group()
        core = chunk.strip(_EDGE)
        trail = chunk[len(chunk.rstrip(_EDGE)) :]
        if chunk[:1] == "(":
            clause += 1
        if core in ("-", "–", "—") or not core:
            clause += 1
        elif re.fullmatch(r"[rR]/\w+", core):
            # A subreddit ("r/scams") is one word: split, its "r" would read as "are".
            tokens.append(Token(core.lower(), core, sentence, clause, trail))
        else:
            for part in re.split(r"[/–—]+", core):
                norm = normalise_word(part)
                if norm:
                    tokens.append(Token(norm, part, sentence, clause, trail))
        if any(c in trail for c in ".!?;"):
            sentence, clause = sentence + 1, clause + 1
        elif any(c in trail for c in ",:)"):
            clause += 1
    return _merge_phrases(tokens)


def _merge_phrases(tokens: list[Token]) -> list[Token]:
    merged: list[Token] = []
    i = 0
    while i < len(tokens):
        for size in (3, 2):
            window = tokens[i : i + size]
            key = tuple(t.norm for t in window)
            if len(window) == size and key in PHRASES and window[0].sentence == window[-1].sentence:
                orig = " ".join(t.orig for t in window)
                merged.append(Token(PHRASES[key], orig, window[0].sentence, window[0].clause, window[-1].trail))
                i += size
                break
        else:
            merged.append(tokens[i])
            i += 1
    return merged


@lru_cache(maxsize=4096)
def normalise_word(word: str) -> str:
    """Lower-case a word and undo the usual disguises: id1ot, f***, a$$hole, idiooots, u r."""
    word = unicodedata.normalize("NFKC", word).lower().replace("’", "'").replace("‘", "'").strip(_EDGE)
    if not word:
        return ""
    if word.isdigit() or re.fullmatch(r"#?\d[\d.,:/-]*", word):
        return "<num>"
    if word in SPELLINGS:
        return SPELLINGS[word]
    if word.isalpha() and word.isascii() and not re.search(r"(.)\1\1", word):
        return word
    return _deobfuscate(word)


def _deobfuscate(word: str) -> str:
    if set(word) <= set("*#"):
        return ""
    if re.search(r"[*#]", word) or re.fullmatch(r"[a-z]+-[a-z]+", word):
        pattern = _wildcard_pattern(word)
        for candidate in DEOBFUSCATE_TO:
            if re.fullmatch(pattern, candidate):
                return candidate
        return word
    for candidate in _variants(word.translate(LEET)):
        if candidate in INSULTS or candidate in PROFANITY or candidate in ("scam", "scammers", "you"):
            return candidate
        if candidate in SPELLINGS:
            return SPELLINGS[candidate]
    return word


def _wildcard_pattern(word: str) -> str:
    """'f**k' -> 'f[a-z]{2}k', 'sh-t' -> 'sh[a-z]*t': each star stands for one hidden letter."""
    parts = []
    for run in re.findall(r"[*#]+|-|[^*#-]", word):
        if run[0] in "*#":
            parts.append(f"[a-z]{{{len(run)}}}")
        elif run == "-":
            parts.append("[a-z]*")
        else:
            parts.append(re.escape(run))
    return "".join(parts)


def _variants(word: str) -> tuple[str, ...]:
    return (
        word,
        re.sub(r"(.)\1{2,}", r"\1", word),
        re.sub(r"(.)\1{2,}", r"\1\1", word),
        re.sub(r"(.)\1+", r"\1", word),
    )


def is_non_english(norms: tuple[str, ...]) -> bool:
    english = sum(1 for n in norms if n in ENGLISH_STOPWORDS)
    foreign = sum(1 for n in norms if n in FOREIGN)
    accented = sum(1 for n in norms if not n.isascii())
    foreign += accented // 2
    return foreign >= 2 and foreign > english
