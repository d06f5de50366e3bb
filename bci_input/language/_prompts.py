"""Rewrite prompts, clean-up, filters and ranking, shared by the local and the http backends.

- :func:`rewrite_messages` builds the chat prompt: a system message, instruction-specific few-shot examples
  (written for this project; none of them is in the benchmark's dev set) and the text.
- :func:`clean_reply` strips what is not the rewrite: "Sure, here is ...", "The corrected text:", quotes, a
  "Dear [Recipient's Name]," greeting or a "[Your Name]" signature, a trailing "I hope this helps".
- :func:`rank` keeps the candidates a person could accept (never the input again, even with only case or
  whitespace changed; no number, capitalised name, weekday or month absent from the text) and orders them by the
  model's own score.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from ._types import REWRITE_PRESETS, Rewrite, word_diff

__all__ = ["SYSTEM", "rewrite_messages", "clean_reply", "continuation", "same_text", "invented", "rank"]

#: The system message of every rewrite prompt.
SYSTEM = (
    "You rewrite the user's text as asked. Reply with the rewritten text only: no introduction, no explanation, "
    "no quotes, no greeting or signature that the text does not have. Keep every fact. Do not add names, numbers "
    "or dates."
)

#: Few-shot examples per preset: (text, rewrite).
FEW_SHOT: dict[str, tuple[tuple[str, str], ...]] = {
    "fix_grammar": (
        ("me and him goes to the shop every mornings, its quite far.",
         "He and I go to the shop every morning; it's quite far."),
        ("i dont know were i left my glasses.", "I don't know where I left my glasses."),
    ),
    "formal": (
        ("hi, cant come to the thing tomorrow, sorry", "I am sorry, but I will not be able to attend tomorrow."),
        ("the printer's broke again, can someone sort it?", "The printer is out of order again. Could someone "
         "repair it, please?"),
    ),
    "shorter": (
        ("I am just writing this message to let you know that I have now finished reading the book that you lent "
         "to me a while ago.", "I have finished the book you lent me."),
    ),
    "polite": (
        ("Give me the keys back.", "Could you please give me the keys back?"),
        ("Your car is blocking my ramp.", "Sorry to bother you, but your car is blocking my ramp. Could you move it, "
         "please?"),
    ),
    "continue": (
        ("The garden looks lovely this spring.", "The tulips you planted are in full bloom."),
    ),
}
#: Few-shot example for free-text instructions: (instruction, text, rewrite).
FREE_SHOT = ("Make it sound happier.", "The test results came back.", "Good news: the test results came back!")

_PREAMBLE = re.compile(
    r"^\W*(sure|certainly|absolutely|of course|okay|ok|here you go|here is|here's|here are|below is)\b[^:\n]*[:\n]\s*"
    r"|^\W*(sure|certainly|absolutely|okay)[!,.]\s*",
    re.I,
)
_LABEL = re.compile(
    r"^([^:\n]{0,60}):\s*", re.I
)
_LABEL_WORDS = re.compile(r"\b(text|version|rewrit\w*|correct\w*|revis\w*|here|sentence|output|answer)\b", re.I)
_TRAILER = re.compile(
    r"\s*(\n|(?<=[.!?])\s)(i hope this helps|let me know if|feel free to|note:|this (version|rewrite)|"
    r"(the )?(rewritten|corrected|revised) (text|version))[^\n]*$",
    re.I | re.S,
)
_BRACKET_GREETING = re.compile(r"^(dear|hi|hello)\s+\[[^\]]*\],?\s*", re.I)
_BRACKET_SIGNOFF = re.compile(r"\s*\n[^\n]*\n?\s*\[[^\]]*\]\s*$")
_NUMBER = re.compile(r"\d+")
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")
_TITLES = {"dr", "mr", "mrs", "ms", "prof", "st"}
_PRONOUN_I = {"i", "i'm", "i'll", "i've", "i'd", "ok"}
_CALENDAR = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december",
}


def _user(instruction: str, text: str) -> dict[str, str]:
    return {"role": "user", "content": f"{instruction}\n\nText: {text.strip()}"}


def rewrite_messages(text: str, instruction: str) -> list[dict[str, str]]:
    """Return the chat messages asking for one rewrite of ``text``.

    Parameters
    ----------
    text : str
        The text to rewrite.
    instruction : str
        A preset key of :data:`REWRITE_PRESETS` or free text.

    Returns
    -------
    list of dict
        ``{"role", "content"}`` messages: system, few-shot user/assistant pairs, then the text. The last user
        message is the instruction, a blank line, then ``Text:`` and the text.
    """
    instr = REWRITE_PRESETS.get(instruction, instruction.strip())
    if instruction == "continue":
        instr += " Reply with the new sentence only."
    msgs = [{"role": "system", "content": SYSTEM}]
    if instruction in FEW_SHOT:
        shots = [(instr, a, b) for a, b in FEW_SHOT[instruction]]
    else:
        shots = [FREE_SHOT]
    for ins, a, b in shots:
        msgs += [_user(ins, a), {"role": "assistant", "content": b}]
    msgs.append(_user(instr, text))
    return msgs


def clean_reply(reply: str, text: str) -> str:
    """Return the rewrite inside a model's reply, without meta text (empty if nothing is left).

    Parameters
    ----------
    reply : str
        The model's answer.
    text : str
        The text that was rewritten (a one-line text keeps only the reply's first paragraph line).
    """
    t = reply.strip()
    for _ in range(2):
        t = _PREAMBLE.sub("", t, count=1).strip()
        m = _LABEL.match(t)
        if m and _LABEL_WORDS.search(m.group(1)):
            t = t[m.end():].strip()
    t = _TRAILER.sub("", t).strip()
    t = _BRACKET_GREETING.sub("", t).strip()
    t = _BRACKET_SIGNOFF.sub("", t).strip()
    if "\n" not in text.strip():
        t = next((line.strip() for line in t.split("\n") if line.strip()), "")
    else:
        t = t.split("\n\n")[0].strip()
    if len(t) >= 2 and t[0] in "\"“'" and t[-1] in "\"”'" and not text.strip().startswith(t[0]):
        t = t[1:-1].strip()
    if t[:1].islower() and text.strip()[:1].isupper():
        t = t[0].upper() + t[1:]
    return "" if re.search(r"\[[^\]]*\]", t) else t


def continuation(text: str, reply: str) -> str:
    """Return ``text`` followed by the first sentence of ``reply`` (cleaned), or empty if there is none."""
    more = clean_reply(reply, text)
    if same_text(more[: len(text.strip())], text):
        more = more[len(text.strip()):].strip()
    m = re.match(r"[^.?!\n]*[.?!]?", more)
    sentence = m.group(0).strip() if m else ""
    return text.rstrip() + " " + sentence if len(sentence) > 1 else ""


def same_text(a: str, b: str) -> bool:
    """Return True if ``a`` and ``b`` differ at most in case and whitespace."""
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def invented(candidate: str, sources: Iterable[str]) -> list[str]:
    """Return the numbers and capitalised names, weekdays or months of ``candidate`` absent from ``sources``.

    A capitalised word at a sentence start counts only if it is a weekday or a month; the pronoun I never counts;
    a word counts as present in any case.

    Parameters
    ----------
    candidate : str
        A rewrite or an expansion.
    sources : iterable of str
        The texts it may draw from (the document, the instruction).

    Returns
    -------
    list of str
        The invented numbers and words, in order.
    """
    src = " ".join(sources)
    numbers = set(_NUMBER.findall(src))
    words = {w.casefold().replace("’", "'") for w in _WORD.findall(src)}
    found = [n for n in _NUMBER.findall(candidate) if n not in numbers]
    for m in _WORD.finditer(candidate):
        w = m.group(0)
        key = w.casefold().replace("’", "'")
        if not w[0].isupper() or key in _PRONOUN_I or key in words:
            continue
        before = candidate[: m.start()].rstrip(" \t\"'“‘(")
        prev = re.search(r"(\w+)\.$", before)
        at_start = not before or before[-1] in ".!?:\n" and not (prev and prev.group(1).casefold() in _TITLES)
        if at_start and key not in _CALENDAR:
            continue
        found.append(w)
    return found


def rank(
    text: str, instruction: str, scored: Sequence[tuple[str, float]], k: int, *, context: str = ""
) -> list[Rewrite]:
    """Keep the acceptable candidates and order them by the model's score, best first.

    Parameters
    ----------
    text : str
        The text that was rewritten.
    instruction : str
        The preset key or free-text instruction (its words may appear in a candidate).
    scored : sequence of (candidate, score)
        Cleaned candidates with the model's score (higher is better; e.g. the mean token log-probability).
    k : int
        Number of candidates to return.
    context : str
        Other text of the document the candidates may draw names and numbers from.

    Returns
    -------
    list of Rewrite
        At most k candidates: none equal to ``text`` up to case and whitespace, none inventing a number, name,
        weekday or month, no two the same up to case and whitespace.
    """
    sources = [text, context] + ([] if instruction in REWRITE_PRESETS else [instruction])
    kept: list[str] = []
    for _, _, c in sorted(((-s, i, c.strip()) for i, (c, s) in enumerate(scored)), key=lambda x: (x[0], x[1])):
        if not c or same_text(c, text) or len(c) > 3 * len(text) + 80 or invented(c, sources):
            continue
        if not any(same_text(c, o) for o in kept):
            kept.append(c)
    return [Rewrite(c, word_diff(text, c)) for c in kept[:k]]
