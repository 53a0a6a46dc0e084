"""Guess whether a question is Danish or English."""

from __future__ import annotations

from collections.abc import Sequence

from bot.normalize import fold, normalize

# Frequent function words and domain words; a word in both lists (e.g. "i") tells nothing, nor
# does the card's name, which English messages use as it is ("did klippekortet end in 2016?").
_DANISH = frozenset(
    fold(word)
    for word in """
    hvad hvor hvem hvilke hvilket hvornår hvordan hvorfor hvis hvorfra er der og på til af det den
    de en et jeg vi kan mange timer med om har ikke tak hej blev brugt skal mig min vores jer
    bliver var være noget kunne fra ved må godt også eller men når så stadig tilbage koster
    snitfladerne snitflader kontakte mange forbrug puljen brug år året årene alt
    pr fik gik dag godmorgen goddag mere endnu hvilken nogen skal kommer afsluttet rapporten
    forskel forskellen procent andel tilsammen mellem undskyld farvel ses
    """.split()
)
_ENGLISH = frozenset(
    """
    what where who which when how why if is are the and on to of it a an we can many hours with
    about have has not thanks thank hello hi was were used me my our you your be do does did
    from by may also or but still left cost costs interfaces interface contact pool year years
    usage total get got there any more yet much card clip some report please help use
    difference percentage percent share combined between than end ended close closed running
    phone number email whats will bill charge charged conversion testing yes nope sure cool ty
    thx great see ya cya wrong
    """.split()
)
_ONLY_DANISH = _DANISH - _ENGLISH
_ONLY_ENGLISH = _ENGLISH - _DANISH
SUPPORTED = ("da", "en")
# U+212B, the Ångström sign, folds to å.
_DANISH_LETTERS = frozenset("æøåÆØÅ\u212b")
DANISH_LETTER_WEIGHT = 2


def language_evidence(text: str, words: Sequence[str] | None = None) -> tuple[int, int]:
    """How many words of `text` are telling Danish, and how many telling English. A word
    spelt with æ, ø or å counts as `DANISH_LETTER_WEIGHT` Danish words: plenty against an
    English word or two, yet "is klippekortet still kørende?" stays a mixed message, not a
    Danish one. `words` are the text's normalised words, when already known."""
    if words is None:
        words = normalize(text).words
    lettered = sum(1 for token in text.split() if _DANISH_LETTERS.intersection(token))
    danish = sum(map(_ONLY_DANISH.__contains__, words)) + DANISH_LETTER_WEIGHT * lettered
    return danish, sum(map(_ONLY_ENGLISH.__contains__, words))


def sure_of(evidence: tuple[int, int]) -> str | None:
    """The language the evidence leaves no doubt about (two telling words more than the other
    language has), else None."""
    danish, english = evidence
    if danish - english >= 2:
        return "da"
    if english - danish >= 2:
        return "en"
    return None


def language_of(evidence: tuple[int, int], hint: str | None = None, default: str = "da") -> str:
    """'da' or 'en' by the evidence; `hint` (a user's choice or Telegram's language_code)
    breaks ties."""
    danish, english = evidence
    if danish > english:
        return "da"
    if english > danish:
        return "en"
    hint_language = (hint or "").split("-")[0].lower()
    if hint_language in SUPPORTED:
        return hint_language
    return default


def sure_language(text: str) -> str | None:
    """The language of `text` when its words leave no doubt, else None."""
    return sure_of(language_evidence(text))


def detect_language(text: str, hint: str | None = None, default: str = "da") -> str:
    """'da' or 'en' for `text`; `hint` breaks ties."""
    return language_of(language_evidence(text), hint, default)


# A request for the other language ("in english please", "kan du svare på dansk?"): a
# language's name and these words around it, nothing else.
_LANGUAGE_NAMES = {
    word: language
    for language, names in (("da", "dansk danish"), ("en", "engelsk english"))
    for word in names.split()
}
_REQUEST_WORDS = frozenset(
    normalize(
        "please pls plz tak venligst gerne kan du could can you would will i in på on til to "
        "svar svare svarer answer reply respond write skriv skrive sig say tal tale speak "
        "sprog language switch skift skifte it det that the same samme igen again ok okay og "
        "and men but hellere rather helst instead stedet jeg vil want like prefer foretrækker "
        "do me mig os us thanks thank"
    ).words
)


def names_a_language(words: Sequence[str]) -> bool:
    """Whether words name Danish or English (a cheap test before `requested_language`)."""
    return not _LANGUAGE_NAMES.keys().isdisjoint(words)


def only_request_words(words: Sequence[str]) -> bool:
    """Whether words say nothing but what goes around a request for a language ("please",
    "thanks", "kan du svare"); no words say nothing either."""
    return _REQUEST_WORDS.issuperset(words)


def requested_language(words: Sequence[str]) -> str | None:
    """The language a message asks the answers in, when that is all it asks ("in english
    please", "på dansk tak", "can you answer in danish?"); None otherwise."""
    named = {_LANGUAGE_NAMES[word] for word in words if word in _LANGUAGE_NAMES}
    if len(named) != 1:
        return None
    if not only_request_words([word for word in words if word not in _LANGUAGE_NAMES]):
        return None
    return named.pop()
