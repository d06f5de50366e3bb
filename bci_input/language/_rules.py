"""Rule-based rewrites: always available, deterministic, used by the fallback and mixed into LM candidates."""

from __future__ import annotations

import re

__all__ = ["rule_rewrite"]

_FIXES = {
    "i": "I",
    "im": "I'm",
    "ive": "I've",
    "ill": "I'll",
    "dont": "don't",
    "doesnt": "doesn't",
    "didnt": "didn't",
    "cant": "can't",
    "couldnt": "couldn't",
    "wouldnt": "wouldn't",
    "shouldnt": "shouldn't",
    "isnt": "isn't",
    "wasnt": "wasn't",
    "arent": "aren't",
    "havent": "haven't",
    "thats": "that's",
    "theyre": "they're",
    "youre": "you're",
    "teh": "the",
    "recieve": "receive",
    "untill": "until",
    "alot": "a lot",
    "tommorow": "tomorrow",
    "tomorow": "tomorrow",
    "definately": "definitely",
    "seperate": "separate",
    "occured": "occurred",
    "wich": "which",
    "becuase": "because",
}
_CONTRACTIONS = {
    "i'm": "I am",
    "i've": "I have",
    "i'll": "I will",
    "i'd": "I would",
    "don't": "do not",
    "doesn't": "does not",
    "didn't": "did not",
    "can't": "cannot",
    "won't": "will not",
    "couldn't": "could not",
    "wouldn't": "would not",
    "shouldn't": "should not",
    "isn't": "is not",
    "aren't": "are not",
    "wasn't": "was not",
    "haven't": "have not",
    "it's": "it is",
    "that's": "that is",
    "we're": "we are",
    "they're": "they are",
    "you're": "you are",
    "let's": "let us",
    "gonna": "going to",
    "wanna": "want to",
    "gotta": "have to",
    "yeah": "yes",
    "thanks": "thank you",
    "hi": "hello",
    "ok": "all right",
    "okay": "all right",
    "kids": "children",
}
_FILLERS = {"really", "very", "just", "actually", "basically", "quite", "totally", "literally", "simply", "so"}
_POLITE = [
    (re.compile(r"\bI want\b", re.I), "I would like"),
    (re.compile(r"\bgive me\b", re.I), "could you please give me"),
    (re.compile(r"\bsend me\b", re.I), "could you please send me"),
    (re.compile(r"\btell me\b", re.I), "could you please tell me"),
    (re.compile(r"\bI need\b", re.I), "I would appreciate"),
]
_WORD = re.compile(r"[A-Za-z']+")


def _map_words(text: str, table: dict[str, str]) -> str:
    def sub(m: re.Match[str]) -> str:
        w = m.group(0)
        new = table.get(w.lower())
        if new is None:
            return w
        if w[0].isupper() and not new[0].isupper():
            new = new[0].upper() + new[1:]
        return new

    return _WORD.sub(sub, text)


def _fix_grammar(text: str) -> str:
    t = re.sub(r"[ \t]+", " ", text.strip())
    t = _map_words(t, _FIXES)
    t = re.sub(r"\b(\w+) \1\b", r"\1", t)  # repeated word
    t = re.sub(r"\s+([,.?!;:])", r"\1", t)  # no space before punctuation
    t = re.sub(r"([,.?!;:])(?=[A-Za-z])", r"\1 ", t)  # a space after it
    t = re.sub(r"(^|[.?!]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), t)
    if t and t[-1] not in ".?!:;\"')":
        t += "."
    return t


def _shorter(text: str) -> str:
    t = re.sub(r"\b(I think that|I think|in order to|at this point in time|due to the fact that)\b ?", "", text)
    t = re.sub(r"\bin order to\b", "to", t)
    words = [w for w in t.split() if w.lower().strip(",.") not in _FILLERS]
    return _fix_grammar(" ".join(words))


def _polite(text: str) -> str:
    t = _fix_grammar(text)
    for pat, rep in _POLITE:
        t = pat.sub(rep, t)
    t = re.sub(r"(^|[.?!]\s+)([a-z])", lambda m: m.group(1) + m.group(2).upper(), t)
    if not re.search(r"\b(thank you|thanks)\b", t, re.I):
        t += " Thank you."
    return t


def rule_rewrite(text: str, preset: str) -> str | None:
    """Rewrite ``text`` for a preset with simple rules, or return None when rules cannot do it.

    Parameters
    ----------
    text : str
        The text to rewrite.
    preset : str
        A key of :data:`~bci_input.language.REWRITE_PRESETS`; other values return None.

    Returns
    -------
    str | None
        The rewritten text.
    """
    if not text.strip():
        return None
    if preset == "fix_grammar":
        return _fix_grammar(text)
    if preset == "formal":
        return _fix_grammar(_map_words(text, _CONTRACTIONS))
    if preset == "shorter":
        return _shorter(text)
    if preset == "polite":
        return _polite(text)
    return None
