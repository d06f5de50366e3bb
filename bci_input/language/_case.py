"""Case: how the context and the typed prefix decide the case of a suggestion and of the next letter.

Vocabularies are lower-case (``wordfreq`` folds case). A suggestion is put back in case in three steps:

1. a prefix typed in capitals (two letters or more, ``EU``, ``NAT``) keeps them: ``NATO``;
2. a word has a *natural* form (``thursday`` -> ``Thursday``, ``eu`` -> ``EU``, ``i`` -> ``I``): the local and
   HTTP backends read it from the case of the model's tokens, the word-frequency backend from :data:`NATURAL`;
3. a prefix starting with a capital, or the start of a sentence before any letter, capitalises the first letter.

A prefix typed in lower case is an explicit choice (the speller capitalises sentence starts by itself): it
gets the word's natural form, never a sentence-start capital.
"""

from __future__ import annotations

__all__ = [
    "NATURAL", "prefix_case", "sentence_start", "cased", "case_phrase", "natural_form", "after_digit"
]

_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday"
# "May" and "March" are left out: as verbs they are far more frequent than as months.
_MONTHS = "January February April June July August September October November December"
_PLACES = (
    "Europe European Europeans Brussels Strasbourg Luxembourg Britain British England English Scotland Scottish "
    "Wales Welsh Ireland Irish France French Paris Germany German Berlin Spain Spanish Madrid Italy Italian Rome "
    "Portugal Portuguese Belgium Belgian Netherlands Dutch Austria Austrian Switzerland Swiss Sweden Swedish "
    "Denmark Danish Norway Norwegian Finland Finnish Poland Greece Greek Hungary Hungarian Romania Romanian "
    "Bulgaria Croatia Czech Slovakia Slovenia Estonia Latvia Lithuania Cyprus Malta Ukraine Ukrainian Russia "
    "Russian America American Americans Canada Canadian Mexico Japan Japanese China Chinese India Indian Africa "
    "African Asia Asian London Geneva Vienna Amsterdam Dublin Lisbon Athens Warsaw Prague Edinburgh Manchester "
    "Christmas Easter Mr Mrs Ms Dr Prof"
)
_NAMES = (
    "Anna Emma Mary Margaret Sarah James John Tom Peter Paul David Michael Robert William Richard Thomas Charles "
    "Elizabeth Susan Helen Jane Laura Sophie Julia Maria Marie Pierre Jean Hans Klaus Patel Smith Jones Brown"
)
_ACRONYMS = (
    "EU UK US USA UN NATO NHS GP ECB ECJ GDP VAT CEO CV PDF ID IT OK TV PC MEP MEPs ICU MRI ALS EEG EMG BCI "
    "AI API SMS URL HR IBAN BIC ATM FAQ"
)
_I_FORMS = ("I", "I'm", "I've", "I'll", "I'd")
#: Lower-case word -> the form it is written in (names, days, places, acronyms, ``I``) for the word-frequency
#: backend, and for words a model's top tokens do not cover.
NATURAL: dict[str, str] = {
    w.lower(): w for w in (*_DAYS.split(), *_MONTHS.split(), *_PLACES.split(), *_NAMES.split(),
                           *_ACRONYMS.split(), *_I_FORMS)
}
# Common words that some lists above also hold in another sense are kept lower-case.
for _w in ("it", "us", "ok", "id", "mark", "bill", "will", "may", "jean"):
    NATURAL.pop(_w, None)


def known_form(word: str) -> str:
    """Return the :data:`NATURAL` form of ``word``, of its plural or possessive (``thursdays`` -> ``Thursdays``)."""
    form = NATURAL.get(word)
    if form is not None:
        return form
    for end in ("'s", "s"):
        if word.endswith(end) and len(word) > len(end) + 1:
            stem = NATURAL.get(word[: -len(end)])
            if stem is not None and not stem.isupper():
                return stem + end
    return word


# Abbreviations after which a full stop does not end a sentence.
_NO_END = {"mr.", "mrs.", "ms.", "dr.", "prof.", "st.", "e.g.", "i.e.", "cf.", "vs.", "no.", "art.", "para.", "p.",
           "pp.", "fig.", "approx.", "ca.", "incl."}
def prefix_case(typed: str) -> str:
    """Classify the case of a typed prefix.

    Returns
    -------
    str
        ``"upper"`` (two capitals or more, no lower-case letter), ``"title"`` (starts with a capital),
        ``"lower"`` (starts with a lower-case letter) or ``""`` (no letter typed).
    """
    letters = [c for c in typed if c.isalpha()]
    if not letters:
        return ""
    if len(letters) >= 2 and all(c.isupper() for c in letters):
        return "upper"
    return "title" if letters[0].isupper() else "lower"


def sentence_start(before: str) -> bool:
    """Return True if a word written after ``before`` starts a sentence.

    That is: the text is empty, ends with a line break (spaces allowed after it), or ends with ``. ? !``
    (closing quotes and brackets allowed) followed by whitespace. ``Dr. `` and ``e.g. `` do not end a sentence.
    An opening quote or bracket starts a sentence where the text before it does; a quotation after a colon
    (``: "``) starts one too.
    """
    if before.endswith(('"', "“", "(")):
        # An opening quote or bracket: a quotation after a colon starts with a capital; otherwise look before it.
        inner = before[:-1]
        return (before[-1] != "(" and inner.rstrip().endswith(":")) or sentence_start(inner)
    t = before.rstrip(" \t")
    if not t or t.endswith("\n"):
        return True
    if len(t) == len(before):
        return False
    core = t.rstrip("\"')»”’")
    if not core.endswith((".", "?", "!")):
        return False
    last = core.rsplit(None, 1)[-1].lower()
    return last not in _NO_END


def after_digit(before: str) -> bool:
    """Return True if ``before`` ends with a digit (a number is being typed)."""
    return bool(before) and before[-1].isdigit()


def natural_form(word: str, upper: float = 0.0, title: float = 0.0) -> str:
    """Return the form ``word`` is written in mid-sentence.

    Parameters
    ----------
    word : str
        Lower-case word.
    upper, title : float
        Share of the model's probability for this word that went to its all-capitals and its capitalised
        tokens (0 when the model says nothing: :data:`NATURAL` decides).

    Returns
    -------
    str
        ``EU``, ``Thursday`` or the word unchanged.
    """
    known = known_form(word)
    if upper > 0.5 and len(word) <= 6:
        return word.upper()
    capital = upper + title
    # A small model capitalises common words after odd contexts ("Hello, In"): a word the list does not know as
    # a name needs a clear majority; a known name keeps its form unless the model clearly writes it lower-case.
    if known != word:
        return known if capital >= 0.1 or capital == 0.0 else word
    if capital > 0.7:
        return word[:1].upper() + word[1:]
    return word


def cased(word: str, typed: str, start: bool, natural: str | None = None) -> str:
    """Put a lower-case suggestion in the case the context and the typed prefix call for.

    Parameters
    ----------
    word : str
        The suggestion, lower-case.
    typed : str
        The prefix as typed (original case).
    start : bool
        The word starts a sentence (:func:`sentence_start`).
    natural : str | None
        The word's natural form (:func:`natural_form`); None looks it up in :data:`NATURAL`.

    Returns
    -------
    str
        ``NATO`` for ``NAT``, ``Thursday`` after ``on``, ``The`` at a sentence start, ``EU`` for ``E``.
    """
    base = natural if natural is not None else known_form(word)
    style = prefix_case(typed)
    if style == "upper":
        return word.upper()
    if style == "lower":
        # At a sentence start a lower-case letter overrides the automatic capital: only names keep theirs.
        return known_form(word) if start else base
    if style == "title" or start:
        return base if base[:1].isupper() else base[:1].upper() + base[1:]
    return base


def case_phrase(phrase: str, typed: str, start: bool, *, prompt_capital: bool = False) -> str:
    """Put the first word of a phrase (or expansion) in case; the other words keep the case they have.

    Parameters
    ----------
    phrase : str
        The phrase as a model wrote it.
    typed : str
        The prefix of its first word as typed.
    start : bool
        The phrase starts a sentence.
    prompt_capital : bool
        A capitalised first word comes from the prompt (a sentence), not from the word: only capitals
        (``EU``) and :data:`NATURAL` forms are kept.
    """
    if not phrase:
        return phrase
    head, sep, tail = phrase.partition(" ")
    lower = head.lower()
    keep = head != lower and not (prompt_capital and prefix_case(head) != "upper")
    first = cased(lower, typed, start, natural=head if keep else None)
    return first + sep + tail
