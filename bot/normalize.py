"""Text normalisation: one canonical form for what users type and what the knowledge base says.

Users type on phones, without æøå, with typos and with numbers in any format. Everything the
matcher compares goes through `normalize` first, so "Hvornår", "hvornaar" and "HVORNÅR" are one
word, "47.746", "47,746" and "47 746" one number, and any year or period one placeholder token.
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Callable, Container, Iterable
from dataclasses import dataclass
from functools import lru_cache

import Stemmer

YEAR_TOKEN = "yeartoken"
# The token as it replaces a year: set off by a control character that splits words but is not
# white space (unlike \x1c-\x1f), so "Grand Prix -2013" or "ellers,2013" gains no sentence
# break where the year was.
_PADDED_YEAR = f"\x1a{YEAR_TOKEN}\x1a"
# Years a question can sensibly mean; anything else stays a plain number.
MIN_YEAR, MAX_YEAR = 1900, 2099

# 47.746 / 47,746 / 47 746 (also with a no-break space) -> 47746; not "2013, 2014".
_GROUPED_NUMBER = re.compile(r"(?<![\d.,])(\d{1,3})((?:[.,\u00a0\u202f ]\d{3})+)(?![\d]|[.,]\d)")
_YEAR = r"(?:19|20)\d\d"
# "2010-2012", "2010–2012", "fra 2010 til 2012", "between 2010 and 2012", "2010 til 2012".
_BETWEEN = rf"(?:\b(?:mellem|between)\s+({_YEAR})\s*(?:og|and|-|–|—)\s*({_YEAR})\b)"
_SPAN = (
    rf"(?:\b(?:fra|from|i perioden|perioden|in the period)\s+)?\b({_YEAR})\s*"
    rf"(?:-|–|—|(?:og\s+)?(?:frem\s+)?til(?:\s+og\s+med)?(?:\s+udgangen\s+af)?"
    rf"|(?:up\s+)?to(?:\s+and\s+including)?(?:\s+the\s+end\s+of)?"
    rf"|until(?:\s+the\s+end\s+of)?|through)\s*({_YEAR})\b"
)
_PERIOD = re.compile(rf"{_BETWEEN}|{_SPAN}")
# "2010-12", "2013–15": a span whose end keeps only its last two digits.
_SHORT_SPAN = re.compile(rf"\b({_YEAR})\s*[-–—]\s*(\d\d)\b(?![.,/-]?\d)")
# "forskellen mellem 2013 og 2014" compares two years; it does not ask for the span between.
_PERIOD_COMPARED = re.compile(_SPAN)
_COMPARING = re.compile(r"\b(?:forskel|forskellen|difference|differencen)\b")
# A year said with words around it, in the order they are looked for, and the period each
# makes of the year: "året før 2016" is 2015 and "the year after 2013" 2014; "før 2016", "by
# the end of 2013", "efter 2013" and "since 2014" are periods open at one end, which stays
# MIN_YEAR or MAX_YEAR until the assistant closes it at the years it has figures for
# (`Period.within`).
_YEAR_PHRASES: tuple[tuple[re.Pattern[str], Callable[[int], Period]], ...] = (
    (
        re.compile(rf"\b(?:aaret|the year|year)\s+(?:foer|inden|before)\s+({_YEAR})\b"),
        lambda year: Period(year - 1, year - 1),
    ),
    (
        re.compile(rf"\b(?:aaret|the year|year)\s+(?:efter|after)\s+({_YEAR})\b"),
        lambda year: Period(year + 1, year + 1),
    ),
    (
        re.compile(rf"\b(?:foer|inden|before|prior to)\s+(?:aaret\s+|the year\s+)?({_YEAR})\b"),
        lambda year: Period(MIN_YEAR, year - 1),
    ),
    (
        re.compile(
            rf"\b(?:indtil|frem til|til og med|ultimo|up to and including|up to|until|through|"
            rf"by the end of|by the end|at the end of|end of|ved udgangen af|udgangen af|"
            rf"ved slutningen af|slutningen af)\s+({_YEAR})\b"
        ),
        lambda year: Period(MIN_YEAR, year),
    ),
    (
        re.compile(rf"\b(?:efter|after)\s+(?:aaret\s+|the year\s+)?({_YEAR})\b"),
        lambda year: Period(year + 1, MAX_YEAR),
    ),
    (
        re.compile(rf"\b(?:siden|since|fra og med|starting)\s+({_YEAR})\b"),
        lambda year: Period(year, MAX_YEAR),
    ),
    (
        # "2014 og fremefter", "from 2013 onwards"; not "2013 og frem til 2015", a span.
        re.compile(
            rf"\b({_YEAR})\s+(?:og\s+|and\s+)?(?:frem|fremefter|fremad|senere|onwards|onward|"
            rf"later)\b(?!\s+til\s+{_YEAR})"
        ),
        lambda year: Period(year, MAX_YEAR),
    ),
)
# Each pattern below starts with what it looks for, not with a look-behind: the regex engine
# then skips quickly to the few places that can match, about four times faster on a long message.
_SINGLE_YEAR = re.compile(rf"{_YEAR}(?<!\d\d{{4}})(?!\d)")
_GROUP_HINT = re.compile(r"\d[.,\u00a0\u202f ]\d\d\d")
# An ending after an apostrophe: English and Danish possessives ("KMD's") and the Danish
# inflection of an abbreviation or loanword ("API'erne", "CPR'en"), which is still the word.
_POSSESSIVE = re.compile(r"(?<=\w)'(?:s|en|et|er|erne|ene|ens|ets|ernes)\b")
_PLACEHOLDER_YEAR = re.compile(r"\{year\}")
_WORD = re.compile(r"\w+")
# Every ASCII character that is not a letter or a digit, as a space: ASCII text splits into the
# same words as with `_WORD`, three times faster.
_ASCII_WORD_BREAKS = bytes(
    byte if (chr(byte).isascii() and chr(byte).isalnum()) or byte > 127 else ord(" ")
    for byte in range(256)
)
# Chat shorthand and longer spellings of a word ("stadigvæk"), spelled as usual before matching.
SHORTHAND = {
    "hrs": "hours",
    "hr": "hour",
    "yr": "year",
    "yrs": "years",
    "pls": "please",
    "plz": "please",
    "thx": "thanks",
    "u": "you",
    "r": "are",
    "ur": "your",
    "tlf": "telefon",
    "nr": "nummer",
    "ift": "i forhold til",
    "mht": "med hensyn til",
    "hva": "hvad",
    "ska": "skal",
    "sku": "skulle",
    "ka": "kan",
    "mg": "mange",
    "spm": "spoergsmaal",
    "ik": "ikke",
    "ikk": "ikke",
    "elr": "eller",
    "evt": "eventuelt",
    "vedr": "vedroerende",
    "ang": "angaaende",
    "iflg": "ifoelge",
    "ppl": "people",
    "abt": "about",
    "btw": "by the way",
    "stadigvaek": "stadig",
}
_SHORTHAND_PARTS = {word: tuple(spelled.split()) for word, spelled in SHORTHAND.items()}
# Where a sentence or clause ends: a mark and a space or the end, so that "16.060" and
# "30.06.2016" stay whole.
SENTENCE_END = re.compile(r"[.!?;:,\n]+(?:\s+|$)")
# Between the words of a message also a dash or a plus set apart by spaces.
_SENTENCE_BREAK = re.compile(rf"{SENTENCE_END.pattern}|\s[–—+-]\s")

# "1) hvad er klippekortet", "a) timer 2015 b) timer 2016": markers of a list, not words.
_LIST_MARKER = re.compile(r"(?:^|(?<=\s))(?:\d{1,2}|[a-z])\)(?=\s|$)", re.MULTILINE)

_STEMMERS = {"da": "danish", "en": "english"}


@dataclass(frozen=True)
class Period:
    """A year or an inclusive span of years named in a question."""

    first: int
    last: int

    @property
    def is_single_year(self) -> bool:
        return self.first == self.last

    def within(self, first_year: int, last_year: int) -> Period:
        """The period with an open end ("før 2016") closed at the years there are figures
        for; a period that then holds no year ("før 2010") is the year beyond them."""
        first = first_year if self.first == MIN_YEAR else self.first
        last = last_year if self.last == MAX_YEAR else self.last
        if first > last:
            return Period(self.last, self.last) if self.first == MIN_YEAR else Period(first, first)
        return Period(first, last)


_NOT_ASCII = re.compile(r"[^\x00-\x7f]")
# æ/ø/å as Danes spell them without the letters; any other character loses its accents.
_PLAIN = {"æ": "ae", "ø": "oe", "å": "aa", "ß": "ss", "’": "'"}
# Characters remembered at most: enough for every script users write, bounded against floods.
_PLAIN_LIMIT = 4096


def _plain(match: re.Match[str]) -> str:
    character = match.group()
    plain = _PLAIN.get(character)
    if plain is None:
        category = unicodedata.category(character)
        if category == "Nd":  # Arabic-Indic and other digits: ٢٠١٤ is 2014
            plain = str(unicodedata.digit(character))
        elif category == "Cf":  # zero-width spaces and joiners, bidi marks, soft hyphens
            plain = ""
        else:
            decomposed = unicodedata.normalize("NFKD", character)
            plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
        if len(_PLAIN) < _PLAIN_LIMIT:
            _PLAIN[character] = plain
    return plain


def fold(text: str) -> str:
    """Case-fold and spell æ/ø/å as ae/oe/aa; drop other accents (é -> e)."""
    if text.isascii():
        folded = text.casefold()
    else:
        # Messages are mostly ASCII: only the other characters are looked up, each once.
        folded = _NOT_ASCII.sub(_plain, unicodedata.normalize("NFKC", text).casefold())
    return folded.replace("`", "'") if "`" in folded else folded


# A year written short: "2k15", "'14" (and "’14", folded to "'14"): 2015, 2014; only this
# century's first decades, so "'99" stays what it was.
_SHORT_YEAR = re.compile(r"(?:\b2k|(?<![\w'])')([0-2]\d)\b")


def spell_out_short_years(text: str) -> str:
    """Write "2k15" and "'14" as 2015 and 2014, and a year typed with a letter for a digit
    ("2o14", "2O15", "20l6") as the year."""
    if "2" in text:
        text = _LETTERED_YEAR.sub(_digits_for_letters, text)
    if "2k" not in text and "'" not in text:
        return text
    return _SHORT_YEAR.sub(lambda m: "20" + m.group(1), text)


# A year with the letter o for a zero or l for a one, as thumbs type them: "2o14", "2ol5".
_LETTERED_YEAR = re.compile(r"\b2[0o][0-9ol][0-9ol]\b")
_AS_DIGITS = str.maketrans("ol", "01")


def _digits_for_letters(match: re.Match[str]) -> str:
    return match.group().translate(_AS_DIGITS)


# Thousands written short: "100k", "100 tusind", "100 thousand" are 100000, as the source's
# "100.000" is read. Not "2k15", a year, which needs a word's end after the "k".
_THOUSANDS = re.compile(r"\b(\d{1,3}) ?(?:k|tusind|tusinde|thousand)\b")


def spell_out_thousands(text: str) -> str:
    """Write "100k", "100 tusind" and "100 thousand" as 100000."""
    if "k" not in text and "tusind" not in text and "thousand" not in text:
        return text
    return _THOUSANDS.sub(lambda m: m.group(1) + "000", text)


def join_number_groups(text: str) -> str:
    """Write grouped numbers without separators: 47.746, 47,746 and 47 746 become 47746."""
    if not _GROUP_HINT.search(text):
        return text
    return _GROUPED_NUMBER.sub(lambda m: m.group(1) + re.sub(r"\D", "", m.group(2)), text)


def extract_periods(text: str) -> tuple[str, list[Period]]:
    """Find years and periods in folded text; return the text with each replaced by YEAR_TOKEN."""
    periods: list[Period] = []

    def period(match: re.Match[str]) -> str:
        groups = [int(g) for g in match.groups() if g is not None]
        first, last = groups[0], groups[1]
        if first > last:
            first, last = last, first
        periods.append(Period(first, last))
        return _PADDED_YEAR

    def year(match: re.Match[str]) -> str:
        value = int(match.group(0))
        periods.append(Period(value, value))
        return _PADDED_YEAR

    def short_span(match: re.Match[str]) -> str:
        first = int(match.group(1))
        last = first // 100 * 100 + int(match.group(2))
        if last <= first:
            return match.group(0)  # "2014-12" is a date, not a span
        periods.append(Period(first, last))
        return _PADDED_YEAR

    def phrased(make: Callable[[int], Period]) -> Callable[[re.Match[str]], str]:
        def found(match: re.Match[str]) -> str:
            periods.append(make(int(match.group(1))))
            return _PADDED_YEAR

        return found

    years = len(_SINGLE_YEAR.findall(text))
    if years > 1:  # a period names two years
        spans = _PERIOD_COMPARED if _COMPARING.search(text) else _PERIOD
        text = spans.sub(period, text)
    if years:
        text = _SHORT_SPAN.sub(short_span, text)
        said = len(periods)
        for pattern, make in _YEAR_PHRASES:
            text = pattern.sub(phrased(make), text)
        periods[said:] = _closed_between(periods[said:])
        text = _SINGLE_YEAR.sub(year, text)
    if "{year}" in text:
        text = _PLACEHOLDER_YEAR.sub(_PADDED_YEAR, text)
    return text, _unique(periods)


def _closed_between(opened: list[Period]) -> list[Period]:
    """Periods open at one end, with "efter 2013 og før 2016" read as the one span between."""
    starts = [p for p in opened if p.last == MAX_YEAR and p.first != MIN_YEAR]
    ends = [p for p in opened if p.first == MIN_YEAR and p.last != MAX_YEAR]
    if len(starts) == 1 and len(ends) == 1 and starts[0].first <= ends[0].last:
        return [Period(starts[0].first, ends[0].last)]
    return opened


def _unique(periods: list[Period]) -> list[Period]:
    seen: set[Period] = set()
    result = []
    for item in periods:
        if item.first < MIN_YEAR or item.last > MAX_YEAR or item.first > item.last:
            continue
        if item in seen:
            continue
        seen.add(item)
        result.append(item)
    return result


@lru_cache(maxsize=4)
def _stemmer(language: str) -> Stemmer.Stemmer:
    return Stemmer.Stemmer(_STEMMERS[language])


# The "language" of messages that mix Danish and English: stemmed by both stemmers in turn.
MIXED = "da+en"


def stem_words(words: list[str], language: str) -> list[str]:
    """Stem folded words with the Snowball stemmer of `language` (both for `MIXED`); the year
    token stays."""
    if language == MIXED:
        stems: list[str] = _stemmer("en").stemWords(_stemmer("da").stemWords(words))
    else:
        stems = _stemmer(language).stemWords(words)
    return [word if word == YEAR_TOKEN else stem for word, stem in zip(words, stems, strict=True)]


@dataclass(frozen=True)
class Normalized:
    """A text ready for matching: folded words, the periods it names, and the words of each of
    its sentences and clauses (so a long message can also be matched piece by piece)."""

    words: tuple[str, ...]
    periods: tuple[Period, ...]
    pieces: tuple[tuple[str, ...], ...] = ()
    # For each piece: does it ask something (a "?", a question word, a verb first)?
    asking: tuple[bool, ...] = ()


# What makes a piece of a message a question rather than an introduction or a signature.
QUESTION_WORDS = frozenset(
    "hvad hvem hvor hvornaar hvordan hvilken hvilket hvilke hvorfor "
    "what who whom whose where when how which why".split()
)
_ASKING_FIRST_WORDS = QUESTION_WORDS | frozenset(
    "kan kunne er har skal maa findes gaelder koster bliver blev var vil ved faar "
    "koerer hedder ligger staar gaar fungerer virker daekker indeholder betyder passer stemmer "
    "havde skulle ville maatte fik gik kom eksisterer "
    "can could is are do does did will would was were has have may should any "
    "had might must shall".split()
)


# How a signature starts ("Mvh Jens, projektleder", "Best regards, Ann"); folded.
_SIGN_OFFS = tuple(
    tuple(text.split())
    for text in (
        "mvh", "vh", "kh", "bh", "hilsen", "hilsner", "venlig hilsen", "venlige hilsner",
        "med venlig hilsen", "de bedste hilsner", "mange hilsner", "tak", "tusind tak",
        "best", "regards", "kind regards", "best regards", "br", "cheers", "thanks",
        "thank you", "many thanks", "sincerely", "yours",
    )
)  # fmt: skip
# The pieces of a signature are short: a name, a title, a company.
SIGNATURE_PIECE_WORDS = 5


# What a signature without a sign-off ("Nogen der ved det? /Mette, projektleder") says
# besides names: job titles and company forms; folded.
_TITLES = frozenset(
    """
    projektleder projektlederen projektchef produktchef udvikler udviklere konsulent it
    chefkonsulent specialkonsulent seniorkonsulent chef direktoer salgschef kundeansvarlig
    arkitekt indkoeber indkoebschef oekonomikonsulent jurist koordinator leder teamleder
    afdelingsleder loenchef kontraktansvarlig raadgiver medarbejder sagsbehandler ejer partner
    product owner developer manager consultant cto ceo cio procurement engineer architect
    analyst lead specialist advisor officer head senior junior aps as ltd inc gmbh ab
    """.split()
)
# A signature without a sign-off has at most this many words in each piece.
BARE_SIGNATURE_WORDS = 3


def signature_start(
    pieces: tuple[tuple[str, ...], ...],
    asking: tuple[bool, ...] = (),
    known: Container[str] = frozenset(),
) -> int:
    """Where a message's signature begins (its number of pieces when it has none): a piece,
    not the first, that starts with a sign-off and is followed by short pieces only; or,
    after the last piece that asks, short pieces that ask nothing and say only names (words
    not in `known`), job titles and company forms ("/Mette, projektleder")."""
    start = len(pieces)
    for number in range(len(pieces) - 1, 0, -1):
        piece = pieces[number]
        if len(piece) > SIGNATURE_PIECE_WORDS:
            break
        if any(piece[: len(sign_off)] == sign_off for sign_off in _SIGN_OFFS):
            start = number
    if not any(asking[:start]):
        return start
    last_asking = max(number for number in range(start) if asking[number])
    for number in range(start - 1, last_asking, -1):
        piece = pieces[number]
        if len(piece) > BARE_SIGNATURE_WORDS or asking[number]:
            break
        if not all(word in _TITLES or word not in known for word in piece):
            break
        start = number
    return start


# Words that greet or address ("Hej bot,", "Hi team,", "Kære KL"): folded.
_SALUTATIONS = frozenset(
    "hej hejsa hejhej hey hi hello hallo halloj goddag godmorgen morgen dav davs kaere dear "
    "god good morning afternoon evening eftermiddag aften bot botten alle everyone all team "
    "folks there der igen again sammen gruppe folkens kolleger kollegaer guys".split()
)


def without_salutation(
    pieces: tuple[tuple[str, ...], ...],
    names_nothing: frozenset[str] = frozenset(),
    addressees: frozenset[str] = frozenset(),
) -> tuple[tuple[str, ...], ...]:
    """The pieces without the greeting a message opens with ("Hej bot, hvad kan du?"), when
    something that `names_nothing` does not hold follows it: a greeting asks nothing, and
    read with the question it hides a chit-chat question ("hvad kan du?") from the entry that
    answers it. "Hej KMD" and "Hej med dig" are greetings whole. Whom a greeting of its own
    addresses (`addressees`: "Dear KOMBIT,", "Kære KL.") is no topic of the sentences after
    it."""
    if not pieces:
        return pieces
    first = pieces[0]
    start = 0
    while start < len(first) and first[start] in _SALUTATIONS:
        start += 1
    rest = [*first[start:], *(word for piece in pieces[1:] for word in piece)]
    if start == 0 or all(word in names_nothing or word in _SALUTATIONS for word in rest):
        return pieces
    if start < len(first) and not (len(pieces) > 1 and addressees.issuperset(first[start:])):
        return ((first[start:]), *pieces[1:])
    return pieces[1:]


_JOINING_WORDS = frozenset("og and eller or samt".split())
# "... og om det stadig kører", "... and whether it's still running": a second question.
_SECOND_QUESTION = frozenset("om whether hvorvidt".split())
# A clause of fewer words after "og om" is what something is about, not a second question.
SECOND_QUESTION_WORDS = 3


def _questions_joined(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The questions one sentence joins: "hvad er klippekortet og kører det stadig" and "what
    it was and whether it's still running" ask two, "hvor mange timer blev brugt i 2013 og
    2014" one."""
    clauses: list[tuple[str, ...]] = []
    start = 0
    for position in range(1, len(words) - 1):
        following = words[position + 1]
        if words[position] in _JOINING_WORDS and (
            following in _ASKING_FIRST_WORDS or following in _SECOND_QUESTION
        ):
            if position > start:
                clauses.append(words[start:position])
            start = position + 1
    if start < len(words):
        clauses.append(words[start:])
    return clauses


# A relative clause that says what something could be used for: "timer tilbage, som kunne
# dække en lille opgave", "hours left that could cover a small integration"; folded.
_RELATIVE_WORDS = frozenset("som der that which".split())
_MODAL_WORDS = frozenset(
    "kan kunne vil ville skal skulle maa can could would might will may".split()
)
# After these, "der" is "there", not "which": "om der kan bruges timer", "hvis der kan".
_BEFORE_THERE = frozenset("om hvis at naar fordi saa hvor er".split())


# A message written in one breath ("godmorgen jeg er ny i teamet ... min chef bad mig tjekke
# hvad forbruget var i 2015 kan nogen hjælpe") is split where a clause starts: before a
# question word, and before "og jeg", "and we"; only in a clause this long, and never into
# pieces shorter than RUN_ON_PIECE words.
RUN_ON_WORDS = 12
RUN_ON_PIECE = 3
# Question words that start a clause inside a sentence; "hvor", "when" and "where" are as
# often conjunctions ("en aftale lavet da KMD blev solgt", "a deal made when KMD was sold"),
# so "hvor" and "how" count only with a quantity ("hvor mange", "how much").
_CLAUSE_QUESTION_WORDS = frozenset(
    "hvad hvem hvornaar hvordan hvilken hvilket hvilke hvorfor what who which why".split()
)
_QUANTITY_QUESTION_WORDS = frozenset("hvor how".split())
_QUANTITIES = frozenset("mange meget stor stort store langt many much big long".split())
# A sentence's subject in the first person ("jeg", "vi", "we"); "i" is as often Danish "in".
FIRST_PERSON_SUBJECTS = frozenset("jeg vi we".split())
_SUBJECTS = FIRST_PERSON_SUBJECTS | {"i"}
_CLAUSE_JOINS = frozenset("og men and but so saa".split())
_BECAUSE = frozenset("fordi because".split())
# English leaves out "that" before a subject as often as it starts a clause ("anyone at KOMBIT I
# can phone", "the report we got"), so only Danish subjects start one.
_DANISH_SUBJECTS = frozenset("jeg vi".split())
# Verbs that follow a subject which starts a clause ("jeg skal", "vi har", "i need").
_FINITE_VERBS = frozenset(
    "har havde er var skal skulle kan kunne vil ville maa sidder proever proevede skriver "
    "laver arbejder mangler leder kigger sender tror synes ved fik faar hoerte hoerer "
    "have had am was were need needed want wanted tried try work am can could will would "
    "must should do did".split()
)
# Words after which a subject goes on the clause before: conjunctions and "at", "that", and
# the words a relative clause without "som", "that" goes with ("anyone I can phone").
_BINDING_WORDS = frozenset(
    "at som der hvis fordi naar da om og men eller saa end that which who if because when "
    "whether and but or so than nogen noget nogle anyone someone somebody anybody something "
    "one person people".split()
)


def _run_on_apart(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """The clauses of a long sentence without punctuation (`RUN_ON_WORDS`); "which could"
    starts a relative clause, which `_relative_apart` finds, not a question."""
    if len(words) < RUN_ON_WORDS:
        return [words]
    clauses: list[tuple[str, ...]] = []
    start = 0
    for position in range(RUN_ON_PIECE, len(words) - RUN_ON_PIECE + 1):
        if position - start < RUN_ON_PIECE:
            continue
        word, previous = words[position], words[position - 1]
        starts = (
            (word in _CLAUSE_QUESTION_WORDS and words[position + 1] not in _MODAL_WORDS)
            or (word in _QUANTITY_QUESTION_WORDS and words[position + 1] in _QUANTITIES)
        ) and previous not in QUESTION_WORDS
        joined = word in _SUBJECTS and previous in _CLAUSE_JOINS
        # "... i 2016 paa klippekortet | jeg skal bruge tallet til en opgave": a subject and
        # its verb start a clause, unless a verb or a conjunction comes first ("hvor mange
        # timer har vi", "hvis vi har").
        subject = (
            word in _DANISH_SUBJECTS
            and words[position + 1] in _FINITE_VERBS
            and previous not in _FINITE_VERBS
            and previous not in _BINDING_WORDS
        )
        # "... i dag | fordi jeg så en gammel præsentation ...": a reason told after the question.
        because = word in _BECAUSE and position - start >= RUN_ON_PIECE
        if because and not starts:
            clauses.append(words[start:position])
            start = position
            continue
        if subject and not starts:
            clauses.append(words[start:position])
            start = position
            continue
        if starts:
            clauses.append(words[start:position])
            start = position
        elif joined and position - 1 - start >= RUN_ON_PIECE:
            clauses.append(words[start : position - 1])
            start = position
    clauses.append(words[start:])
    return clauses


# A sentence that opens with what it is in connection with ("I forbindelse med et møde med KMD
# vil jeg gerne have forbruget for 2014"): the opening tells why, and ends where the verb and
# the subject change places ("vil jeg"), as Danish puts them after an opening.
_FRONTED_OPENINGS = tuple(
    tuple(opening.split())
    for opening in (
        "i forbindelse med", "til brug for", "som led i", "med henblik paa", "i anledning af",
        "forud for", "i lyset af", "paa baggrund af", "in connection with", "as part of",
        "in preparation for", "ahead of", "for the purpose of",
    )
)  # fmt: skip
# ("i" is also "in", so not it.)
_INVERTED_SUBJECTS = frozenset("jeg vi du man we you".split())
# Their first words: most clauses are ruled out by one look-up.
_FRONTED_FIRST_WORDS = frozenset(opening[0] for opening in _FRONTED_OPENINGS)


def _fronted_apart(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """A clause without the opening that says what it is in connection with
    (`_FRONTED_OPENINGS`): it tells why, and what it names is no topic ("På baggrund af
    forbruget i 2016 kan du sige hvornår det lukkede?" asks when it closed). The clause whole
    when it has no such opening, or no verb and subject after it."""
    if not words or words[0] not in _FRONTED_FIRST_WORDS:
        return [words]
    opening = next((o for o in _FRONTED_OPENINGS if words[: len(o)] == o), None)
    if opening is None:
        return [words]
    # One word at least says what it is in connection with, before the verb.
    for position in range(len(opening) + 1, len(words) - 1):
        if words[position] in _FINITE_VERBS and words[position + 1] in _INVERTED_SUBJECTS:
            return [words[position:]]
    return [words]


# What something is for, at the end of a question: "... timer tilbage til en ny snitflade?",
# "... hours we could use for a small integration?"; folded.
_FOR_WORDS = frozenset("til for".split())
_ARTICLES = frozenset("en et a an".split())
# Such a phrase has this many words at most, after a question of this many words at least.
USE_CLAUSE_WORDS = 5
USE_CLAUSE_AFTER = 3


def _relative_apart(
    words: tuple[str, ...], asking: bool
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A clause and the relative clause of use it ends with ("... som kunne dække en lille
    opgave", with a subject before the modal verb too: "... that we could tap into"), or, when
    it asks, the phrase of use ("... til en ny snitflade?"); empty when it has none. The clause
    keeps at least two words."""
    for position in range(2, len(words) - 1):
        if (
            words[position] in _RELATIVE_WORDS
            and words[position - 1] not in _BEFORE_THERE
            and (
                words[position + 1] in _MODAL_WORDS
                or (
                    words[position + 1] in _SUBJECTS
                    and position + 2 < len(words)
                    and words[position + 2] in _MODAL_WORDS
                )
            )
        ):
            return words[:position], words[position:]
        if (
            asking
            and words[position] in _FOR_WORDS
            and words[position + 1] in _ARTICLES
            and position >= USE_CLAUSE_AFTER
            and len(words) - position <= USE_CLAUSE_WORDS
        ):
            return words[:position], words[position:]
    return words, ()


# A question asked indirectly: "en kunde spørger om der stadig er timer tilbage", "I'd like to
# know whether ...", "ved nogen om ...". (With a question word, "vil gerne vide hvor mange ...",
# it asks anyway.)
_INDIRECT_VERBS = frozenset(
    "spoerger spoerge spurgte vide ved tvivl undrer undre hoere hoert tjekke bekraefte "
    "wondering wonder know asking asks ask asked unsure sure check confirm".split()
)
_INDIRECT_MARKS = frozenset("om if whether".split())
_WHETHER = frozenset("whether hvorvidt".split())


def asks(words: tuple[str, ...], ends_with_question_mark: bool) -> bool:
    """Whether a piece of a message asks something rather than tells ("vi er leverandør")."""
    if ends_with_question_mark or (words and words[0] in _ASKING_FIRST_WORDS):
        return True
    if not QUESTION_WORDS.isdisjoint(words) or not _WHETHER.isdisjoint(words):
        return True
    return any(
        first in _INDIRECT_VERBS and second in _INDIRECT_MARKS
        for first, second in itertools.pairwise(words)
    )


# Whose claim a message checks ("min chef siger der er 5000 timer tilbage, er det rigtigt?",
# "my manager says it closed in 2017"): the person and the saying are no topic. ("Hvem er
# chefen?" has no saying, and keeps its words; a contact is someone's only with "min", "our"
# ...: "hvem er kontakt tror du?" asks the contact.)
_HEARSAY = re.compile(
    r"\b(?:(?:(?:min|mit|vores|en|my|our|a)\s+)?"
    r"(?:chef|chefen|leder|lederen|kollega|kollegaen|kolleger|kollegaer|boss|manager|"
    r"colleague|colleagues|coworker|coworkers|direktoer|direktoeren|revisor|revisoren|"
    r"revisorer|kunde|kunden|cfo|ceo|cio|cto|director|auditor|auditors|customer|client)"
    r"|(?:min|vores|en|my|our|a)\s+(?:kontakt|kontaktperson|contact))"
    # "min kontakt hos KMD sagde", "our contact at KMD said": where they are, one word.
    r"(?:\s+(?:hos|i|paa|at|in)\s+\w+)?\s+"
    r"(?:siger|sagde|mener|mente|paastaar|paastod|tror|troede|skriver|skrev|har sagt|"
    r"says|said|thinks|thought|claims|claimed|believes|reckons|told me|tells me"
    # Asking, the verb stays: "spørger om ..." is a question asked indirectly.
    r"|(?P<asking>spoerger|spurgte|vil vide|asks|asked|wants to know))"
    r"(?:\s+(?:at|that))?\b"
)


# On whose behalf someone asks ("... i 2013 spoerger for en kollega der laver en rapport",
# "asking for a colleague"): a sentence of its own that tells why, not what is asked.
_ASKING_FOR = re.compile(
    r"\b(?:jeg\s+|i\s+am\s+|i'?m\s+)?(?:spoerger|asking)\s+"
    r"(?:for|paa\s+vegne\s+af|on\s+behalf\s+of)\s+(?=(?:en|min|vores|a|my|our)\b)"
)


def _without_whose(match: re.Match[str]) -> str:
    """What is left of whose claim it is: nothing, or the verb that asks."""
    asked = match.group("asking")
    return f" {asked} " if asked else " "


# Asking whose claim is right ("... Jeg mener det var 100.000. Hvem har ret?"): beside the
# claims, which are what the message is about, no topic either. "Hvem har ret til timerne?"
# asks who is entitled to them.
_WHOSE_RIGHT = re.compile(
    r"\b(?:hvem|hvad|hvilken|hvilket)(?:\s+af\s+(?:os|dem|de\s+to))?\s+"
    r"(?:har\s+ret|er\s+rigtigt?)\b(?!\s+til\b)"
    r"|\b(?:who|which)(?:\s+of\s+(?:us|them|the\s+two))?(?:\s+one)?(?:\s+is|'s|s)?\s+"
    r"(?:right|correct)\b"
)


def normalize(text: str, pieces: bool = False) -> Normalized:
    """Fold, join number groups, drop whose claim it is (`_HEARSAY`, `_WHOSE_RIGHT`), replace
    years and periods, split into words (and pieces)."""
    folded = spell_out_thousands(spell_out_short_years(join_number_groups(fold(text))))
    folded = _HEARSAY.sub(_without_whose, folded)
    folded = _ASKING_FOR.sub(". ", folded)
    if _WHOSE_RIGHT.search(folded):
        claims = _WHOSE_RIGHT.sub(" ", folded)
        if _WORD.search(claims):
            folded = claims
    if ")" in folded:
        folded = _LIST_MARKER.sub(" ", folded)
    if "'" in folded:
        folded = _POSSESSIVE.sub("", folded)
    if "%" in folded:
        folded = folded.replace("%", " procent ")  # "hvor mange % blev brugt?"
    folded, periods = extract_periods(folded)
    words = _words(folded)
    if not pieces:
        return Normalized(words, tuple(periods))
    # Split after the years are read, so "2010 - 2012" stays one period in its piece.
    found: list[tuple[str, ...]] = []
    asking: list[bool] = []
    start = 0
    for end in [*_SENTENCE_BREAK.finditer(folded), None]:
        part = _words(folded[start : end.start() if end else len(folded)])
        clauses = [
            clause
            for joined in _questions_joined(part)
            for run_on in _run_on_apart(joined)
            for clause in _fronted_apart(run_on)
        ]
        for number, clause in enumerate(clauses):
            last = number == len(clauses) - 1
            question_mark = last and end is not None and "?" in end.group()
            main, relative = _relative_apart(clause, asks(clause, question_mark))
            # "hvornår det sluttede | og om der er en rapport": the second asks as the first
            # ("og om rapporten" is about the report, and asks nothing of its own).
            second = (
                number > 0
                and len(main) >= SECOND_QUESTION_WORDS
                and main[0] in _SECOND_QUESTION
                and asking[-1]
            )
            found.append(main)
            asking.append(second or asks(main, question_mark))
            if relative:
                # "... som kunne dække en lille opgave?" says what for, not what is asked.
                found.append(relative)
                asking.append(False)
        if end is not None:
            start = end.end()
    return Normalized(words, tuple(periods), tuple(found), tuple(asking))


def words_of(texts: Iterable[str]) -> frozenset[str]:
    """Every word of some texts (names, word lists), as a message's words are normalised."""
    return frozenset(word for text in texts for word in normalize(text).words)


def _words(text: str) -> tuple[str, ...]:
    if text.isascii():
        found = text.encode("ascii").translate(_ASCII_WORD_BREAKS).decode("ascii").split()
    else:
        found = _WORD.findall(text.replace("_", " "))
    if _SHORTHAND_PARTS.keys().isdisjoint(found):
        return tuple(found)
    return tuple(part for word in found for part in _SHORTHAND_PARTS.get(word, (word,)))
