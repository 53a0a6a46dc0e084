"""The transport-free entry point: a question in, a Reply out.

Every adapter (command line, console chat, Telegram) calls `Assistant.reply` for free text and
`Assistant.answer` for a chosen entry (a command, a button); none of them renders text itself.
A Reply is structured (sections of title, body and source, choices): markup such as Telegram's
HTML is the adapter's business.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from bot.classifier import (
    ON_BY_DEFAULT,
    RESCUE_AT,
    RESCUE_EVIDENCE,
    SWITCH_WITHIN,
    TIE_FACTOR,
    UNPLACED_RESCUE_EVIDENCE,
    VETO_BELOW,
    train_for,
)
from bot.followup import (
    HOW_MANY,
    LEAVING_OUT,
    POINTERS,
    Context,
    Conversations,
    cue_of,
    shifted,
    short_years,
)
from bot.knowledge import Entry, KnowledgeBase, load_knowledge
from bot.language import (
    SUPPORTED,
    language_evidence,
    language_of,
    names_a_language,
    only_request_words,
    requested_language,
    sure_of,
)
from bot.matcher import CONCEPT_MARK, Matcher, MatchSettings, Outcome, Scored, decide
from bot.model import UsageRow
from bot.normalize import (
    FIRST_PERSON_SUBJECTS,
    MIXED,
    QUESTION_WORDS,
    SENTENCE_END,
    YEAR_TOKEN,
    Normalized,
    Period,
    normalize,
    signature_start,
    without_salutation,
    words_of,
)
from bot.render import (
    difference_text,
    extremes_texts,
    fact_values,
    fill,
    most_and_least,
    period_texts,
    share_texts,
    single_years_of,
    sum_text,
    tidy,
)
from bot.stopwords import ALL_STOPWORDS, STOPWORDS

# Longer messages are matched on their start only: no question needs more, and the cost of
# matching stays bounded whatever a user pastes.
MAX_QUESTION_CHARS = 1000
# A message of several sentences is answered on each topic that scores this well in it.
MULTI_TOPIC_SCORE = 55.0
# A sentence whose best entry scores less than this above the message's best entry asks the
# message's best (`_topics_asked`), unless its own best scores `CLEAR_IN_SENTENCE` or more:
# "Hvor mange timer er brugt, og hvor mange er tilbage?" asks both.
CLOSE_IN_SENTENCE = 10.0
CLEAR_IN_SENTENCE = 80.0
# An alternative read alone answers a question of two alternatives with this score or more.
ALTERNATIVE_SCORE = 90.0
# The score a sentence of everyday words alone needs to ask a topic of its own.
EVERYDAY_TOPIC_SCORE = 70.0
# In a message of several sentences, an entry's score gains this share of the score of the
# second sentence that speaks of it (`Assistant._with_support`); sentences scoring less than
# SUPPORT_FLOOR for an entry do not speak of it. Chosen on the dev question sets.
SUPPORT_WEIGHT = 0.3
SUPPORT_FLOOR = 10.0
# Sentence rankings kept (`Assistant._piece_ranking`); a message has a handful.
PIECE_CACHE_SIZE = 256
# What a message asking only for another language gets when nothing was answered before.
HELP_ENTRY = "help"
# A long message the matcher does not answer is answered with the entry one of its asking
# sentences contains this much of a phrasing of (`Matcher.contained`), this far ahead of the
# next entry, and which the classifier gives at least this probability; chosen on the dev sets
# (the margin was 30 until they grew to 2,059 questions: 25 answers two more long messages and
# no off-topic one; CONTAINED_AT 70 answered one more off-topic message).
CONTAINED_AT = 80.0
# A sentence told before thanks ("det var lige det jeg manglede, cheers!") asks for a fact only
# when it scores this much.
TOLD_BESIDE_THANKS = 80.0
CONTAINED_MARGIN = 25.0
CONTAINED_PROBABILITY = 0.1
# The concept that asks for the total of the years a message names ("2015 og 2016 tilsammen").
TOTAL_CONCEPT = CONCEPT_MARK + "total"
# The concept that asks for a share of the pool ("hvor mange procent blev brugt i 2013?").
SHARE_CONCEPT = CONCEPT_MARK + "share"
# The concept that asks for the difference between two years ("forskellen mellem 2013 og 2014").
DIFFERENCE_CONCEPT = CONCEPT_MARK + "difference"
# The use ("timeforbrug 14 og 15"): with it, two digits within the table's years are years.
USAGE_CONCEPT = CONCEPT_MARK + "usage"
# Ending ("lukket", "closed"): said with years alone, it asks when the card ended.
ENDED_CONCEPT = CONCEPT_MARK + "ended"
# The card's last year named ("det sidste år", "the final year"), and the verb that makes a
# year asked to be it ("var 2016 ...?", "was 2016 ...?").
_LAST_YEAR_PHRASES = tuple(
    normalize(text).words for text in ("sidste år", "last year", "final year")
)
_BEING = frozenset(normalize("var er blev was is were").words)
# Someone's time away ("min kollega er på ferie"): told beside a question, no other matter.
ABSENCE_CONCEPT = CONCEPT_MARK + "absence"
# Who to contact: a question for a contact about something asks the contact.
CONTACT_CONCEPT = CONCEPT_MARK + "contact"
# The words that say what a question for a contact is about.
# What a question for a contact is about, or when it is due ("hvem ringer jeg til, hvis jeg har
# spørgsmål til timepuljen?").
_ABOUT = frozenset(
    normalize("om omkring angående vedrørende hvis såfremt about regarding concerning re if").words
)
# A question for someone: "hvem kan jeg ringe til", "is there anyone I can phone" ("vores
# projektleder spørger om …" tells who asks).
_WHO_ASKED = QUESTION_WORDS | frozenset(
    normalize("nogen nogle anyone someone somebody anybody").words
)
# A clause that only says when something happened ("da Klippekortet sluttede"): it opens with
# one of these and has at most `CIRCUMSTANCE_WORDS` words.
# ("when" starts a question as often, and a sentence with it is read as asking anyway.)
_WHEN_WORDS = frozenset(normalize("da når efter før siden mens after before since while").words)
CIRCUMSTANCE_WORDS = 6
# A clause that sets something aside ("..., hvis man ser bort fra 2010-2012?", "excluding
# 2010-12"): how it starts, after words that say who sets it aside (`_SETTING_ASIDE_LEAD`).
_SETTING_ASIDE = tuple(
    normalize(text).words
    for text in (
        # "fra 2010-2012", "from 2010-2012" may be read as the period: no "fra", "from".
        "ser bort", "ser vi bort", "bortset", "set bort", "uden at medregne",
        "excluding", "apart", "aside", "except", "not counting", "leaving out",
        "without counting",
    )
)  # fmt: skip
_SETTING_ASIDE_LEAD = frozenset(normalize("og men hvis naar man vi and but if we you").words)
# The only words allowed between a word that leaves out years (`LEAVING_OUT`: "i alt uden
# 2016", "ser bort fra 2016", "total excluding 2010-2012 and 2016") and the first year it
# leaves out ("uden KL i 2015" leaves out no year), and those that join one more year to them.
_LEAVING_OUT_GAP = frozenset(
    normalize(
        "fra at med medregne medregnet regne tælle taelle året aaret år aar perioden i for "
        "from the year years period counting including in for"
    ).words
)
_AND_ONE_MORE = frozenset(normalize("og samt eller and or plus").words)
# The slots of entries that answer per year (the use, the busiest year).
_YEARS_SLOTS = frozenset({"period", "extremes"})
# Years one by one ("enkelte år", "a single year", "individual years").
_ONE_BY_ONE = frozenset(
    normalize("enkelte enkelt enkeltvis enkeltår single individual separate separately").words
)
# What "bortset fra det", "apart from that" set aside: the last answer, not a period.
_SET_ASIDE_POINTERS = frozenset(normalize("det dette den that this it").words)
# Words that set a question in the past ("hvor mange var der så tilbage?", "were there any left
# then?").
_THEN = frozenset(normalize("var havde dengang daværende was were had then").words)
# A message not answered that scores another topic this well is not read as asking about the
# last answer's words.
NEARLY_ANOTHER_TOPIC = 60.0
# The months' names, which date a year checked in a follow-up ("juni 2016, right?").
MONTH_CONCEPT = "month"
# The most and the least use, in an answer about both (slot `extremes`).
MOST_CONCEPT = CONCEPT_MARK + "most"
LEAST_CONCEPT = CONCEPT_MARK + "least"
# How big a figure was ("hvor stor var forskellen?", "how big was the difference?").
_HOW_BIG = frozenset(normalize("stor store big large").words)
# Words that compare two years' use ("blev der brugt flere timer i 2014 end i 2013?", "which
# was higher?"): read as asking the most and the fewest of the years compared.
_COMPARATIVES = frozenset(
    normalize(
        "flere færre mere mindre højere lavere større more fewer less higher lower bigger "
        "smaller larger"
    ).words
)
# What sets one year against another after a comparative ("flere i 2014 end i 2013").
_THAN = frozenset(normalize("end than eller or versus vs").words)
ASKS_WHICH_CONCEPT = CONCEPT_MARK + "asks_which"
# What a sentence beside a comparison may say ("..., 2013 or 2014?", "..., and why?").
_BESIDE_COMPARING = frozenset({YEAR_TOKEN, *_THAN, *normalize("år året aar aaret year").words})
# Comparatives that ask for more as often as which was more ("mere?", "har du flere?").
_MORE = frozenset(normalize("mere flere more").words)
# What a follow-up that compares the conversation's years may say besides comparing them
# ("hvilket af dem var størst?", "which of the two was higher?"), as concepts are folded.
_SAID_WHEN_COMPARING = frozenset(
    {
        *(CONCEPT_MARK + name for name in ("year", "hours")),
        ASKS_WHICH_CONCEPT,
        USAGE_CONCEPT,
        *normalize("to two begge both").words,
    }
)
# Words that ask how something was split between several ("fordelt mellem KL og KOMBIT").
_SPLIT = frozenset(
    normalize(
        "fordelt fordeling fordelte delt hver mellem sammenlignet kontra split divided between "
        "each versus vs compared"
    ).words
)


def _a_time_follows(words: tuple[str, ...], position: int) -> bool:
    """Whether an hour of the day follows the word at `position` ("kl 14", "kl. 9")."""
    following = words[position + 1] if position + 1 < len(words) else ""
    return following.isdigit() and len(following) <= 2


# The slots of entries whose answers count hours (use per year, the most and least, the pool).
_HOURS_SLOTS = frozenset({"period", "extremes", "pool"})
# What a sentence after thanks opens with when it tells what the answer did ("tak, det hjalp
# med 2014-tallet"), not what is asked next ("tak. forbruget i 2015").
_SAYING_WHAT_IT_DID = frozenset("det dette den that this it".split())
# A message that alone says one of an entry's phrasings whole ("er der hours left") is a
# complete question: a word in it that may point back ("der") does not bend it to the last topic.
COMPLETE_SCORE = 100.0
# Follow-up cues that mean nothing without the conversation they follow: "og året før?" alone
# names no year, "og i alt?" no total; offered as choices, never answered outright.
RELATIVE_CUES = frozenset({"before", "after", "total"})
_STEPS = frozenset({"before", "after"})
# Rendered answers kept: one per entry, language and years asked.
ANSWER_CACHE_SIZE = 1024


@dataclass(frozen=True)
class _Question:
    """A question as read once: its normalised words, periods, pieces and language evidence."""

    words: tuple[str, ...]
    periods: tuple[Period, ...]
    pieces: tuple[tuple[str, ...], ...]
    evidence: tuple[int, int]
    # The pieces as ranked: each with the message's years.
    ranked: tuple[tuple[str, ...], ...]
    # Which pieces ask something (the others introduce, thank or sign).
    asking: tuple[bool, ...]
    # The words with concepts named ("~cost"), as the classifier and `Asks` read them.
    folded: tuple[str, ...]
    # The periods it leaves out ("i alt uden 2016": `left_out_periods`).
    left_out: tuple[Period, ...] = ()


@dataclass(frozen=True)
class Choice:
    """An entry offered to the user: as a suggestion or as a related topic."""

    entry_id: str
    title: str


@dataclass(frozen=True)
class Section:
    """One answer's part of a reply: an optional title, the text, an optional source line."""

    title: str | None
    body: str
    source: str | None = None


@dataclass(frozen=True)
class Reply:
    """Everything an adapter needs to show an answer.

    `text` is the plain answer (with a suggestion's numbered choices); `sections` is the same
    answer as parts an adapter marks up (a title in bold, the source in italics), one per topic
    answered; suggestions and related topics are choices an adapter shows as buttons or numbers.
    """

    outcome: Outcome
    entry_id: str | None
    score: float
    language: str
    text: str
    sections: tuple[Section, ...]
    title: str | None = None
    source: str | None = None
    suggestions: tuple[Choice, ...] = ()
    related: tuple[Choice, ...] = ()
    periods: tuple[Period, ...] = field(default=())
    # Further entries answered in the same reply, for a message that asks several topics.
    also: tuple[str, ...] = ()

    def as_dict(self, question: str) -> dict[str, object]:
        """The JSON form used by `klippekort-bot ask --json`."""
        return {
            "question": question,
            "entry": self.entry_id if self.outcome is Outcome.ANSWERED else None,
            "also": list(self.also),
            "score": round(self.score, 1),
            "language": self.language,
            "outcome": str(self.outcome),
            "answer": self.text,
            "suggestions": [choice.entry_id for choice in self.suggestions],
            "related": [choice.entry_id for choice in self.related],
            "source": self.source,
        }


# A message going on from the last answer starts with one of these ("og for leverandører?")
# and says this many words of its own at most: one more is a question of its own.
# Going back to the card after something else: "tilbage til (kmd-)klippekortet", "back to the
# clip card"; the card's name within this many words after it.
_RETURNING = frozenset({("tilbage", "til"), ("back", "to")})
RETURNING_REACH = 3
# Words around a figure a message checks ("wasn't it around 3,000?", "var det ikke ca. 17.000").
_APPROXIMATELY = frozenset(
    normalize("ca cirka omkring ikke around about roughly approximately not wasn isn weren").words
)
# Where something is written ("står det et sted?", "hvad er kilden?", "where does it say that?").
_WRITTEN = frozenset(
    normalize("står sted steder kilde kilden kilder source sources say says").words
)
# "not klippekortet", "ikke om klippekortet": a word this close before the card's name denies it.
_DENIALS = frozenset(normalize("ikke not").words)
DENIAL_REACH = 1
# Reactions that open questions as often as they stand alone ("ok hvor mange timer ...").
_FILLER_REACTIONS = frozenset(normalize("ok okay k oki ah ahh hmm").words)
# What a user needs, told rather than asked ("jeg mangler tallet for 2014", "I need the figure").
_NEEDS = frozenset(
    normalize(
        "mangler manglede søger skal bruge brug behov vil gerne ønsker need needs want "
        "looking would like"
    ).words
)
# What a user tells they will do with an answer ("så ringer jeg", "I'll call them").
_USER_ACTIONS = frozenset(
    normalize(
        "ringer ringe læser læse sender sende kigger kigge tjekker tjekke skriver skrive "
        "call read send check look write email mail"
    ).words
)
# Asking for the last answer again ("kan du gentage?", "say that again").
_REPEAT = frozenset(normalize("gentage gentag gentaget repeat again igen").words)
_WHY = frozenset(normalize("hvorfor why").words)
# The year itself, pointed at ("det år", "that year").
_THE_YEAR = frozenset(normalize("år året aar aaret year").words)
_GOING_ON = frozenset(normalize("og and også ogsaa also plus men but").words)
GOING_ON_WORDS = 1
# A piece of these words alone asks about something said before it: "nogen nævner klippekortet
# hele tiden, hvad er det?", "What exactly is it?", "Passer det?".
# Words that make a message a request though it asks nothing: "fedt, fortæl om snitfladerne",
# "nice. jeg mangler telefonnummeret".
_REQUESTS = frozenset(normalize("fortæl forklar beskriv mangler explain describe need").words)
# ... and these said to the bot: "send mig", "tell me" ("I'll tell my boss" requests nothing).
_REQUEST_VERBS = frozenset(normalize("send sende giv give vis vise tell show find get").words)
_TO_THE_ASKER = frozenset(normalize("mig os me us").words)
# ... and the bot asked to do something: "kan du ...", "could you ...".
_ASKED_TO = frozenset(
    tuple(normalize(pair).words) for pair in ("kan du", "kunne du", "can you", "could you")
)


def _requests(words: tuple[str, ...]) -> bool:
    """Whether a message requests something though it asks nothing."""
    return not _REQUESTS.isdisjoint(words) or any(
        (verb in _REQUEST_VERBS and whom in _TO_THE_ASKER) or (verb, whom) in _ASKED_TO
        for verb, whom in itertools.pairwise(words)
    )


# The words that stand for what the last answer was about ("og hvem må bruge dem?"); not "der",
# which is "there" as often ("hvor mange var der?").
_SUBJECT_POINTERS = POINTERS - frozenset({"der"})
# Asking what something means ("hvad betyder det helt konkret?", "what does that mean in
# practice?") points back as well.
_MEANING = frozenset(
    normalize(
        "betyder betyde betød mean means meaning meant praksis practice konkret konkrete "
        "concretely concrete"
    ).words
)
# Asking whether the last answer is right, or pushing back on it ("er det korrekt?", "are you
# sure?", "kan du tjekke igen?", "det tror jeg ikke på", "men 47.746 + 17.011 + ... giver jo
# 100.728?"): with nothing else but stop words, the answer again (`_asks_again`).
_CHECKS = frozenset(
    normalize(
        "korrekt rigtigt rigtig passer stemmer sandt sikker right correct true sure siger sagde "
        "said tjek tjekke tjekker tjekket check checked giver makes equals adds tror believe"
    ).words
)
# Words that ask what a document says ("står der også ...?", "does it mention ...?"), after
# the entry about one (slot `document`).
_WHAT_IT_SAYS = frozenset(
    normalize(
        "står staar stod nævner naevner beskriver dækker daekker indeholder fremgår fremgaar "
        "viser mention mentions cover covers describe describes contain contains include "
        "includes show shows say says"
    ).words
)
# What such a verb must point at to ask about the document ("står der ...?", "does it ...?"; not
# "show me the hours left"); a participle says it alone ("er processen beskrevet?").
_THE_DOCUMENT = frozenset(normalize("der den det it rapporten report").words)
_SAID_IN_IT = frozenset(
    normalize("nævnt naevnt beskrevet dækket daekket mentioned covered described").words
)
# The word between two alternatives ("afsluttet eller sat på pause?").
_EITHER = frozenset(normalize("eller or").words)
# Doubt about the last answer in a word or two ("none at all?", "virkelig? intet?"): the answer
# again, unless the message asks something as well ("virkelig? i alt?", "really? when?").
_DOUBT = frozenset(normalize("troede thought virkelig really none nothing intet ingenting").words)
_POINTING_ONLY = ALL_STOPWORDS | QUESTION_WORDS | POINTERS | _MEANING | _CHECKS
# What a message that asks for the last answer again may say besides (`_asks_again`), worked
# out once.
_SAID_WITH_CHECKS = _POINTING_ONLY | _REPEAT
_CHECKING_AGAIN = _CHECKS | _REPEAT
_SAID_WITH_WRITTEN = _POINTING_ONLY | _WRITTEN


def _longest_first(
    phrasings: Iterable[tuple[tuple[str, ...], str]],
) -> tuple[tuple[tuple[str, ...], str], ...]:
    """Phrasings (as words, with their entry) with the longest first, so that the longest
    phrasing a message opens with is the one found."""
    return tuple(sorted(phrasings, key=lambda found: (-len(found[0]), found)))


def _first(scored: Scored, ranking: list[Scored]) -> list[Scored]:
    """`ranking` with `scored` first, in place of its own score for that entry."""
    return [scored, *(s for s in ranking if s.entry_id != scored.entry_id)]


def _as_years(words: tuple[str, ...], named: set[str]) -> tuple[str, ...]:
    """Words with the two-digit years `named` read as years."""
    return tuple(YEAR_TOKEN if word in named else word for word in words)


def _one_row_once(periods: tuple[Period, ...], usage: Sequence[UsageRow]) -> tuple[Period, ...]:
    """Two years compared inside one row of the table ("forskel mellem 2010 og 2012") are
    that row, asked once: the table has no figure for either alone."""
    if len(periods) != 2:
        return periods
    first, second = periods
    for row in usage:
        inside = all(row.first_year <= p.first and p.last <= row.last_year for p in periods)
        if row.is_multi_year and inside and first != second:
            return (Period(min(first.first, second.first), max(first.last, second.last)),)
    return periods


def _says_phrase(words: Sequence[str], phrase: tuple[str, ...]) -> bool:
    """Whether the words say a phrase, word after word."""
    return any(
        tuple(words[start : start + len(phrase)]) == phrase
        for start in range(len(words) - len(phrase) + 1)
    )


def _alternatives(words: tuple[str, ...]) -> list[tuple[str, ...]]:
    """A question of two alternatives read with one of them at a time: "var timerne til nye
    fagsystemer eller til snitflader" as "var timerne til nye fagsystemer" and "var timerne
    til snitflader". The first alternative starts where the second's first word was said
    before ("til ... eller til ..."), else it is as long as the second."""
    at = next(n for n, word in enumerate(words) if n > 0 and word in _EITHER)
    second = words[at + 1 :]
    start = max(0, at - len(second))
    if second and second[0] in words[:at]:
        start = max(n for n in range(at) if words[n] == second[0])
    return [words[:at], words[:start] + second]


def _own_words(words: tuple[str, ...]) -> list[str]:
    """What a message says besides stop words, question words and words that point back."""
    return [word for word in words if word not in _POINTING_ONLY]


def _joined_to_what_they_point_at(
    pieces: tuple[tuple[str, ...], ...], asking: tuple[bool, ...]
) -> tuple[tuple[tuple[str, ...], ...], tuple[bool, ...]]:
    """The pieces of a message, and after each that names nothing of its own ("hvad er
    det?") that piece joined to the one before it, which says what it asks about: the joined
    piece asks, the piece alone counts as telling. It stays, since alone "hvad er det
    egentlig?" still asks what something is when what it points at names nothing the bot
    knows; but "Transitionsaftalen med KMD – what is it?" asks about the agreement."""
    if len(pieces) < 2:
        return pieces, asking
    joined: list[tuple[str, ...]] = [pieces[0]]
    asks = [asking[0]]
    for before, piece, piece_asks in zip(pieces, pieces[1:], asking[1:], strict=False):
        joined.append(piece)
        if _POINTING_ONLY.issuperset(piece):
            asks.append(False)
            joined.append((*before, *piece))
        asks.append(piece_asks)
    return tuple(joined), tuple(asks)


def _without_circumstances(
    pieces: tuple[tuple[str, ...], ...], asking: tuple[bool, ...]
) -> tuple[tuple[tuple[str, ...], ...], tuple[bool, ...]]:
    """The pieces without a clause that only says when ("..., da Klippekortet sluttede.",
    "after the card ended,") in a message that asks in other pieces: the time it names is
    no topic of the message ("find den rapport, der blev lavet, da Klippekortet sluttede.
    Hvad står der i den?" asks about the report)."""
    if not any(asking):
        return pieces, asking
    kept = [
        (piece, asks)
        for piece, asks in zip(pieces, asking, strict=True)
        if asks or not piece or piece[0] not in _WHEN_WORDS or len(piece) > CIRCUMSTANCE_WORDS
    ]
    return tuple(p for p, _ in kept), tuple(a for _, a in kept)


def _set_aside_joined(
    pieces: tuple[tuple[str, ...], ...], asking: tuple[bool, ...]
) -> tuple[tuple[tuple[str, ...], ...], tuple[bool, ...]]:
    """The pieces with a clause that sets something aside joined to the piece before it, whose
    question it narrows: "og flest, hvis man ser bort fra 2010-2012?" asks the most, not the
    use of 2010-2012. The joined piece asks when either did."""
    joined: list[tuple[str, ...]] = []
    asks: list[bool] = []
    for piece, piece_asks in zip(pieces, asking, strict=True):
        if joined and _sets_aside(piece):
            joined[-1] = (*joined[-1], *piece)
            asks[-1] = asks[-1] or piece_asks
        else:
            joined.append(piece)
            asks.append(piece_asks)
    return tuple(joined), tuple(asks)


def _sets_aside(piece: tuple[str, ...]) -> bool:
    """Whether a piece only sets something aside (`_SETTING_ASIDE`): not "besides that" before
    a question of its own ("og bortset fra det, hvem skal jeg kontakte?", "apart from that,
    is there a report?")."""
    start = 0
    while start < len(piece) and piece[start] in _SETTING_ASIDE_LEAD:
        start += 1
    for phrase in _SETTING_ASIDE:
        if piece[start : start + len(phrase)] == phrase:
            rest = piece[start + len(phrase) :]
            if rest[:1] in (("fra",), ("from",)):
                rest = rest[1:]
            return QUESTION_WORDS.isdisjoint(rest) and _SET_ASIDE_POINTERS.isdisjoint(rest[:1])
    return False


def left_out_periods(words: Sequence[str], periods: Sequence[Period]) -> tuple[Period, ...]:
    """The periods a message leaves out (`LEAVING_OUT`): "i alt uden 2016" leaves out 2016,
    "excluding 2010-2012 and 2016" both; "uden 2016, og 2015?" only 2016. Each year token of
    `words` is the period of `periods` in the same place."""
    left_out: list[Period] = []
    leaving = False  # after a word that leaves out, or a year left out
    joined = False  # the last year was left out: "og 2015" joins it
    number = 0
    for word in words:
        if word == YEAR_TOKEN:
            if number < len(periods) and leaving:
                left_out.append(periods[number])
                joined = True
            else:
                leaving = joined = False
            number += 1
        elif word in LEAVING_OUT:
            leaving, joined = True, False
        elif leaving and word not in (_AND_ONE_MORE if joined else _LEAVING_OUT_GAP):
            leaving = joined = False
    return tuple(left_out)


@dataclass(frozen=True)
class Asks:
    """What a question asks besides its entry and years, which shapes the answer."""

    # Names KMD, KL or KOMBIT and not the card: the entry's `named_answer`.
    named: bool = False
    # The use per month, week, project or municipality: `ui.usage_yearly_only` first.
    finer: bool = False
    # The total of the years it names: their reported sum.
    summed: bool = False
    # Their share of the pool, as a percentage.
    shared: bool = False
    # The difference between the two years it names.
    compared: bool = False
    # Only the most, or only the least, of an entry about both (slot `extremes`).
    most: bool = False
    least: bool = False
    # Hours of one of the organisations that shared them (`holders`): `ui.holders_not_split`
    # first.
    one_holder: bool = False


class Assistant:
    """Answers questions from one knowledge base."""

    def __init__(
        self,
        knowledge: KnowledgeBase,
        settings: MatchSettings | None = None,
        default_language: str = "da",
        signal: bool = ON_BY_DEFAULT,
    ) -> None:
        self.knowledge = knowledge
        self.matcher = Matcher(
            knowledge.entries, settings, knowledge.neutral_words, knowledge.concepts
        )
        # The statistical second opinion (bot.classifier), trained now and cached with the rest.
        self.signal = train_for(knowledge.entries, self.matcher.concepts.fold) if signal else None
        self.settings = self.matcher.settings
        self.default_language = default_language if default_language in SUPPORTED else "da"
        self._facts = {
            lang: fact_values(knowledge.facts, lang, knowledge.ui) for lang in knowledge.languages
        }
        # By entry, language, periods, dated or not, and what else the question asks.
        self._answers: dict[tuple[str, str, tuple[Period, ...], bool, Asks], Reply] = {}
        self._pieces: dict[tuple[tuple[str, ...], str, bool], list[Scored]] = {}
        # The classifier's reading of the last message (`_probabilities`).
        self._last_probabilities: tuple[tuple[str, ...], dict[str, float]] | None = None
        # Each sentence's containment (`_clearly_contained`), by sentence and index.
        self._containment: dict[tuple[tuple[str, ...], str], list[Scored]] = {}
        # A sentence of only these words names no topic of its own (`_topics_asked`).
        self._no_topic = {
            lang: STOPWORDS[lang] | self.matcher.neutral[lang] for lang in knowledge.languages
        }
        # Nor does what follows a greeting in "Hej KMD", "Godmorgen KOMBIT".
        self._names_nothing = frozenset().union(*self._no_topic.values())

    @classmethod
    def from_path(cls, path: Path | str | None = None, **kwargs: object) -> Assistant:
        """Load (and validate) a knowledge base and build an assistant on it."""
        return cls(load_knowledge(path), **kwargs)  # type: ignore[arg-type]

    @cached_property
    def core_topics(self) -> tuple[str, ...]:
        """The entries offered when a user has not asked anything yet."""
        wanted = ("remaining_hours", "usage", "interface_costs", "contact")
        return tuple(entry_id for entry_id in wanted if entry_id in self.knowledge.entries)

    def reply(
        self,
        text: str,
        language: str | None = None,
        *,
        fixed_language: bool = False,
        context: Context | None = None,
    ) -> Reply:
        """Answer free text.

        `language` is a hint (a user's client language) that breaks ties; with `fixed_language`
        it is the user's own choice and the answer is in it whatever the question's language.
        `context` is the conversation's last answer: used only when the message says nothing
        but a follow-up ("og 2015?", "and the year after?", "og i alt?").
        """
        question = self._read(text)
        if names_a_language(question.words):
            switched = self._in_language_asked(text, context)
            if switched is not None:
                return switched
        lang = self._language(question, language, fixed_language)
        if not question.words:
            return self._plain(Outcome.UNKNOWN, lang, self.knowledge.ui["empty"][lang])
        end = self._end_entry
        if end is not None and (
            self._asks_if_it_was_the_last_year(question) or self._asks_if_it_ended_then(question)
        ):
            # "was 2016 the last year?", "lukket i 2016 eller 2017?": when the card ended, not
            # those years' use.
            return self.answer(end, lang)
        # A follow-up is in the conversation's language unless its own words lean to the other
        # ("tak" after an English answer is Danish; "og 15?" is the conversation's).
        danish, english = question.evidence
        unsure = context is not None and not fixed_language and danish == english
        follow_lang = context.language if context is not None and unsure else lang
        if context is not None:
            followed = self._follow_up(question, context, follow_lang)
            if followed is not None:
                return followed
        # Whatever else it gets ("ok", "hmm", a new question in words of both languages), the
        # reply keeps the conversation's language, unless the user's client says which
        # language they read (a hint breaks the tie).
        if language is None:
            lang = follow_lang
        ranking = self._rank(question, lang, outcome_only=True)
        decision = decide(ranking, self.settings)
        if self.signal is not None:
            ranking, decision = self._second_opinion(question, lang, ranking, decision)
        if decision is not Outcome.ANSWERED:
            # A sentence of a long message that says a phrasing nearly whole; a sentence that
            # changes language, read in its parts.
            if len(question.pieces) > 1:
                lead = self._contained(question, lang)
            elif self.matcher.mixes(question.pieces):
                lead = self._in_its_languages(question)
            else:
                lead = None
            if lead is None:
                lead = self._one_alternative(question, lang, ranking)
            if lead is not None:
                ranking, decision = _first(lead, ranking), Outcome.ANSWERED
        # A message naming something no entry is about ("vores serviceaftale på 200 timer")
        # is only offered choices, even when it asks two of the topics' questions.
        foreign = (
            self._names_foreign(question)
            or (context is None and self._only_other_names(question))
            or self._denies_the_card(question.words)
        )
        # "og i alt?" alone has no years to add up; after an answer that is not about years
        # ("hvor mange er der tilbage?"), the total is the pool's.
        relative = self._cue(question) in (RELATIVE_CUES if context is None else _STEPS)
        if decision is Outcome.ANSWERED and (relative or foreign):
            decision = Outcome.SUGGESTED
        acknowledged = self._acknowledged(question, follow_lang) or self._reacting(
            question, follow_lang
        )
        if acknowledged is not None:
            return acknowledged
        own_score = ranking[0].score if ranking else 0.0
        if context is not None and self.settings.suggest_at <= own_score < COMPLETE_SCORE:
            # Only a message with words of a topic of its own, yet not a whole question.
            pointed = self._read_with_subject(question, context, follow_lang)
            # Read with the subject, it must say more than alone: "hvor finder jeg den?"
            # after the purpose is the report, not "where do I find the hours".
            if pointed is not None and (
                pointed.entry_id == ranking[0].entry_id or pointed.score > own_score
            ):
                return pointed
        if context is not None and decision is not Outcome.ANSWERED:
            resolved = self._in_context(question, context, follow_lang, ranking, decision)
            if resolved is not None:
                return resolved
        elif (
            context is not None
            and not self.knowledge.entries[ranking[0].entry_id].chitchat  # "tak for det"
            and ranking[0].score < COMPLETE_SCORE
            and self._leans_on_context(question)
        ):
            # "hvem lavede den?" after the transition agreement, "why?" after the end: read
            # with the conversation, the message stays on its topic when it can.
            resolved = self._in_context(question, context, follow_lang, ranking, decision)
            if resolved is not None and (
                resolved.entry_id == context.entry_id or self._bare(question)
            ):
                return resolved
        extremes = self._entry_with_slot("extremes")
        if (
            extremes is not None
            and decision is not Outcome.ANSWERED
            and self._one_year_against(question)
        ):
            # "was 2013 higher than 2014?": the words of no entry but the years themselves.
            return self.answer(extremes, lang, question.periods, asks=self._asks(question))
        ranked_slot = self.knowledge.entries[ranking[0].entry_id].slot if ranking else None
        if (
            extremes is not None
            and question.left_out
            and ranked_slot in _YEARS_SLOTS
            and self._compares_years(question)
        ):
            # "which year was lowest, leaving 2016 aside?": the other years ranked.
            single = self._single_years_in(self._rest_of_use(question) or ())
            if len(single) >= 2:
                return self.answer(extremes, lang, single, asks=self._asks(question))
        compared = self._comparison(ranking[0].entry_id, question) if ranking else None
        if compared is not None and decision is not Outcome.UNKNOWN and not foreign:
            # "hvilket år blev der brugt mest, 2014 eller 2015?": one question, not two topics.
            return self.answer(
                compared, lang, question.periods, ranking[0].score, self._asks(question)
            )
        if len(question.pieces) > 1 and decision is not Outcome.UNKNOWN and not foreign:
            topics = self._topics_asked(question, lang, ranking)
            if len(topics) > 1:
                asks, rest = self._asks(question), self._rest_of_use(question)
                if rest is not None:
                    # "i alt uden 2016, og hvem kan jeg kontakte?": the other years, added up.
                    asks = replace(asks, summed=True)
                return self._together(
                    topics, lang, rest or question.periods, ranking[0].score, asks
                )
        if decision is Outcome.ANSWERED:
            entry_id = ranking[0].entry_id
            periods = self._then(entry_id, question, context) or question.periods
            asks = self._asks(question)
            rest = self._rest_of_use(question) if entry_id == self._period_entry else None
            if rest is not None:
                # "hvor mange timer i alt uden 2016?": the other periods, added up.
                periods, asks = rest, replace(asks, summed=True)
            return self.answer(entry_id, lang, periods, ranking[0].score, asks)
        if decision is Outcome.SUGGESTED:
            return self._suggest(ranking, lang)
        return self._unknown(lang, ranking[0].score if ranking else 0.0)

    def _second_opinion(
        self, question: _Question, language: str, ranking: list[Scored], decision: Outcome
    ) -> tuple[list[Scored], Outcome]:
        """The matcher's ranking and outcome as the classifier seconds them: an answer it finds
        very unlikely is only offered, and one it is sure is another entry's, which the matcher
        scores nearly as well (`SWITCH_WITHIN`), is that entry's; a question the matcher does
        not answer is answered with the classifier's confident pick when the matcher scores the
        pick at least `RESCUE_EVIDENCE` ("hvem leverede selve timerne": the words are the
        entry's, too few to answer alone); below a suggestion, the pick must be the matcher's
        own best too, scored at least `UNPLACED_RESCUE_EVIDENCE`. The classifier reads every
        message as some entry's, so it never answers one whose words the matcher does not
        find."""
        assert self.signal is not None
        probabilities = self._probabilities(question)
        pick = max(probabilities, key=probabilities.__getitem__)
        sure = sure_of(question.evidence) == language
        if decision is Outcome.ANSWERED:
            if probabilities.get(ranking[0].entry_id, 0.0) < VETO_BELOW:
                return ranking, Outcome.SUGGESTED
            if pick == ranking[0].entry_id or probabilities[pick] < RESCUE_AT:
                return ranking, decision
            # Sure of another entry the matcher finds nearly as good: "er alle timerne på
            # klippekortet brugt" asks what is left, not how the hours were used.
            floor = max(RESCUE_EVIDENCE, ranking[0].score - SWITCH_WITHIN)
            closer = self.matcher.rank(question.ranked, language, sure, floor=floor)
            rival = next((s for s in closer if s.entry_id == pick), None)
            return (ranking if rival is None else _first(rival, ranking)), decision
        tied = [s.entry_id for s in ranking if math.isclose(s.score, ranking[0].score)]
        if len(tied) > 1 and ranking[0].score >= self.settings.answer_at and pick in tied:
            # Two entries the matcher finds equally good ("what's the clip card": what it is,
            # what it was for): the classifier's pick between them, when it is much the likelier.
            others = max(probabilities[entry_id] for entry_id in tied if entry_id != pick)
            if probabilities[pick] >= TIE_FACTOR * others:
                winner = next(s for s in ranking if s.entry_id == pick)
                return _first(winner, ranking), Outcome.ANSWERED
        if probabilities[pick] < RESCUE_AT:
            return ranking, decision
        # Below a suggestion only a pick the matcher finds best at 33 or more can be answered:
        # nothing scoring less need be worked out.
        unplaced = decision is Outcome.UNKNOWN
        floor = UNPLACED_RESCUE_EVIDENCE if unplaced else RESCUE_EVIDENCE
        closer = self.matcher.rank(question.pieces, language, sure, unplaced, floor=floor)
        found = next((scored for scored in closer if scored.entry_id == pick), None)
        if found is None:
            return ranking, decision
        if unplaced and closer[0].entry_id != pick:
            # Below a suggestion both must agree, on more of the entry's words.
            return ranking, decision
        return _first(found, ranking), Outcome.ANSWERED

    def _contained(self, question: _Question, language: str) -> Scored | None:
        """The entry one of whose phrasings a sentence of a long message says nearly whole,
        well ahead of any other (`Matcher.contained`), when the matcher did not answer: the
        fuzzy score of "Har vi som ekstern part lov til at bruge de data ... i snitfladerne?"
        is lowered by all it says besides. Only sentences that ask are read; in a message
        that asks nothing, only chit-chat ("Tusind tak for svaret i går, det hjalp os meget"),
        not a topic a complaint names ("så træt af at skulle ringe rundt"). The classifier,
        when there is one, must not find the entry unlikely."""
        anything_asked = any(question.asking)
        index = self._contained_index(question, language)
        best: Scored | None = None
        for piece, asks in zip(question.pieces, question.asking, strict=True):
            if anything_asked and not asks:
                continue
            top = self._clearly_contained(piece, index, question)
            if top is None or (not asks and not self.knowledge.entries[top.entry_id].chitchat):
                continue
            if best is None or top.score > best.score:
                best = top
        return best

    def _asks_alone(
        self, pieces: tuple[tuple[str, ...], ...], number: int, language: str, sure: bool
    ) -> bool:
        """Whether a piece that only points ("hvad er det?") asks on its own: when joined to
        what it points at (the next piece) it finds no topic, as in "nogen nævner
        klippekortet hele tiden, hvad er det?"."""
        piece = pieces[number]
        if number + 1 >= len(pieces) or not _POINTING_ONLY.issuperset(piece):
            return False
        joined = pieces[number + 1]
        if joined[-len(piece) :] != piece or len(joined) == len(piece):
            return False
        ranking = self._piece_ranking(joined, language, sure)
        return not ranking or ranking[0].score < MULTI_TOPIC_SCORE

    def _only_other_names(self, question: _Question) -> bool:
        """Whether a message names nothing but organisations the source does not describe
        ("Hvad er KMD?", "who is KOMBIT?"): no words of its own, and no name of the card. In a
        conversation the same words go on from the last answer ("and KMD's?")."""
        said = _own_words(question.words)
        return bool(said) and self._other_names.issuperset(said)

    def _asks_only_a_figure(self, question: _Question) -> bool:
        """Whether a message asks for nothing but a share, a difference or a sum ("og i
        procent?", "hvor mange procent var det?", "hvad er forskellen så?", "og tilsammen?"),
        besides stop words, question words, pointers and how many."""
        folded = question.folded
        figures = {SHARE_CONCEPT, DIFFERENCE_CONCEPT, TOTAL_CONCEPT}
        if figures.isdisjoint(folded):
            return False
        ignored = figures | HOW_MANY | _HOW_BIG
        return not _own_words(tuple(word for word in folded if word not in ignored))

    def _asks(self, question: _Question) -> Asks:
        """What a message asks besides its entry and years, which shapes the answer: the
        knowledge base's concepts `total` ("tilsammen"), `share` ("procent") and `difference`
        ("forskellen"), a finer split than per year (`yearly_only`), another organisation than
        the card (`card_names`)."""
        folded = question.folded
        return Asks(
            named=self._names_others_only(question),
            finer=self._asks_finer(question),
            summed=TOTAL_CONCEPT in folded,
            shared=SHARE_CONCEPT in folded,
            # "forskellen", or one year against another ("flere i 2014 end i 2013?").
            compared=DIFFERENCE_CONCEPT in folded or self._one_year_against(question),
            most=MOST_CONCEPT in folded,
            least=LEAST_CONCEPT in folded,
            one_holder=self._asks_of_one_holder(question),
        )

    def _asks_finer(self, question: _Question) -> bool:
        """Whether a message asks for a finer split of the use than per year for the whole
        card (`yearly_only`: a month, a week, a project, one municipality), outside sentences
        in which the user tells about themselves ("jeg sidder i Greve kommune, hvad var
        forbruget 2015?" names its municipality only to say who asks). "Odenses forbrug": a
        genitive without an apostrophe counts as the word."""
        words = [
            word
            for piece, asks in zip(question.pieces, question.asking, strict=True)
            if asks or FIRST_PERSON_SUBJECTS.isdisjoint(piece)
            for word in piece
        ]
        finer = self._yearly_only
        if any(word in finer or word.removesuffix("s") in finer for word in words):
            return True
        return any(_says_phrase(words, phrase) for phrase in self._yearly_only_phrases)

    def _asks_only_of_a_holder(self, question: _Question, context: Context) -> bool:
        """Whether a message names nothing but holders after an answer with hours ("og
        KOMBIT?", "what about KL's?")."""
        if self.knowledge.entries[context.entry_id].slot not in _HOURS_SLOTS:
            return False
        said = _own_words(question.words)
        named = self._holders_named(tuple(said))
        return bool(named) and all(
            word in named or word.removesuffix("s") in named for word in said
        )

    @staticmethod
    def _asks_what_it_says(question: _Question) -> bool:
        """Whether a message asks what a document says: a verb of saying pointed at it ("står
        der også ...?", "does it mention ...?") or a participle ("er processen beskrevet?")."""
        words = question.words
        pointed = not _WHAT_IT_SAYS.isdisjoint(words) and not _THE_DOCUMENT.isdisjoint(words)
        return pointed or not _SAID_IN_IT.isdisjoint(words)

    def _counted_together(self, period: Period) -> bool:
        """Whether a period is one the table counts as a whole (2010–2012), or inside one."""
        row = self.knowledge.facts.row_for_year(period.first)
        return row is not None and row.is_multi_year and row.covers(period.last)

    def _clearly_another(self, question: _Question, language: str, entry_id: str) -> bool:
        """Whether a message alone clearly asks another entry than `entry_id` ("hvem står bag?",
        "show me the hours left" after the report)."""
        ranking = self._rank(question, language, outcome_only=True)
        return (
            bool(ranking)
            and ranking[0].entry_id != entry_id
            and ranking[0].score >= CLEAR_IN_SENTENCE
            and decide(ranking, self.settings) is Outcome.ANSWERED
        )

    def _asks_of_one_holder(self, question: _Question) -> bool:
        """Whether a message asks about the hours of one of the organisations that shared them
        (`holders`): it names one ("hvor mange timer brugte KOMBIT i 2015?"), or more and asks
        how they were split ("hvor mange fik KL, og hvor mange fik KOMBIT?"). Only the sentences
        that ask count: "Vi er fra KL. Hvor mange timer blev brugt i 2015?" asks of the card."""
        asked = [p for p, asks in zip(question.pieces, question.asking, strict=True) if asks]
        words = tuple(word for piece in asked for word in piece) if asked else question.words
        named = self._holders_named(words)
        if len(named) == 1:
            return True
        how_many = sum(1 for word in words if word in HOW_MANY)
        return len(named) > 1 and (how_many > 1 or not _SPLIT.isdisjoint(words))

    def _holders_named(self, words: tuple[str, ...]) -> set[str]:
        """The holders a message's words name, a genitive without an apostrophe too
        ("KOMBITs"); "kl 14" is a time of day."""
        holders = self.knowledge.holders
        return {
            name
            for position, word in enumerate(words)
            for name in (word, word.removesuffix("s"))
            if name in holders and not _a_time_follows(words, position)
        }

    @cached_property
    def _yearly_only(self) -> frozenset[str]:
        """The single words of `yearly_only`, as messages' words are folded."""
        return frozenset(words[0] for words in self._yearly_only_said if len(words) == 1)

    @cached_property
    def _yearly_only_phrases(self) -> tuple[tuple[str, ...], ...]:
        """The expressions of `yearly_only` ("hver kommune", "which municipalities"), as
        messages' words are folded: their words alone ask for no finer split."""
        return tuple(words for words in self._yearly_only_said if len(words) > 1)

    @cached_property
    def _yearly_only_said(self) -> tuple[tuple[str, ...], ...]:
        """Each word or expression of `yearly_only`, normalised once."""
        return tuple(
            normalize(text).words for texts in self.knowledge.yearly_only.values() for text in texts
        )

    def _names_others_only(self, question: _Question) -> bool:
        """Whether a message names KMD, KL or KOMBIT and not the card ("hvad er KMD's
        telefonnummer?"): an entry with a `named_answer` then says what the source has of the
        organisation's own."""
        said = question.words
        # "KOMBITs", "KMDs": a genitive written without an apostrophe is the name too; "kl 10"
        # is a time of day, not KL.
        words = {
            name
            for position, word in enumerate(said)
            for name in (word, word.removesuffix("s"))
            if not (position + 1 < len(said) and said[position + 1].isdigit())
        }
        return not self._organisations.isdisjoint(words) and self._card_words.isdisjoint(words)

    def _denies_the_card(self, words: tuple[str, ...]) -> bool:
        """Whether a message names the card only to say it is not about it ("for our KMD
        project, not klippekortet", "det er ikke klippekortet men vores egen aftale")."""
        card = self._card_words
        named = [position for position, word in enumerate(words) if word in card]
        return bool(named) and all(
            not _DENIALS.isdisjoint(words[max(0, position - DENIAL_REACH) : position])
            for position in named
        )

    @cached_property
    def _organisations(self) -> frozenset[str]:
        """The organisations the source names but does not describe, as words are folded."""
        return words_of(self.knowledge.organisations)

    @cached_property
    def _card_words(self) -> frozenset[str]:
        """The card's names, as messages' words are folded."""
        return words_of(self.knowledge.card_names)

    def _cue(self, question: _Question) -> str | None:
        """The follow-up a message makes (`cue_of`), also when it names the card as well ("og
        i alt for hele klippekortet?"). The card's name alone is no follow-up: without it,
        "klippekortet?" says nothing, which `cue_of` reads as years alone ("years")."""
        cue = cue_of(question.words)
        if cue is None:
            without = tuple(word for word in question.words if word not in self._card_words)
            if len(without) < len(question.words):
                unnamed = cue_of(without)
                if unnamed not in (None, "years"):
                    return unnamed
        return cue

    @cached_property
    def _other_names(self) -> frozenset[str]:
        """The neutral words that are not the card's names, as messages' words are folded."""
        if not self._card_words:
            return frozenset()
        return self.matcher.neutral[MIXED] - self._card_words

    def _contained_index(self, question: _Question, language: str) -> str:
        """The index a message's sentences are looked for in: both languages' when it mixes."""
        return MIXED if self.matcher.mixes(question.pieces) else language

    def _clearly_contained(
        self, piece: tuple[str, ...], index: str, question: _Question
    ) -> Scored | None:
        """The entry a sentence says a phrasing of nearly whole, well ahead of any other, and
        that the classifier, when there is one, does not find unlikely for the message."""
        key = (piece, index)
        ranked = self._containment.get(key)
        if ranked is None:
            if len(self._containment) >= PIECE_CACHE_SIZE:
                self._containment.clear()
            ranked = self._containment[key] = self.matcher.contained(piece, index)
        return self._clear_lead(ranked, question)

    def _clear_lead(self, ranked: list[Scored], question: _Question) -> Scored | None:
        """The best of `ranked` when it scores `CONTAINED_AT` or more, `CONTAINED_MARGIN` ahead
        of the next, and the classifier, when there is one, does not find it unlikely."""
        if not ranked:
            return None
        runner_up = ranked[1].score if len(ranked) > 1 else 0.0
        top = ranked[0]
        if top.score < CONTAINED_AT or top.score - runner_up < CONTAINED_MARGIN:
            return None
        if self._probabilities(question).get(top.entry_id, 1.0) < CONTAINED_PROBABILITY:
            return None
        return top

    def _in_language_asked(self, text: str, context: Context | None) -> Reply | None:
        """The reply to a message with a sentence that asks for the other language ("in
        english please", "hvor mange timer er der tilbage? svar på engelsk"): the rest of the
        message, as written, answered in it; with nothing else ("in english please, thanks"),
        the last answer again in it, or what the bot can do when there is none. None when no
        sentence asks for a language the knowledge base has."""
        wanted: str | None = None
        rest: list[str] = []
        start = 0
        for end in [*SENTENCE_END.finditer(text), None]:
            part = text[start : end.end() if end else len(text)]
            words = normalize(part).words
            asked = requested_language(words)
            if asked is not None and wanted in (None, asked):
                wanted = asked
            elif only_request_words(words):
                pass  # "please", "thanks" beside the request belong to it
            else:
                rest.append(part)
            if end is not None:
                start = end.end()
        if wanted is None or wanted not in self.knowledge.languages:
            return None
        if rest:
            return self.reply("".join(rest), wanted, fixed_language=True, context=context)
        if context is not None:
            return self.answer(context.entry_id, wanted, context.periods)
        if HELP_ENTRY in self.knowledge.entries:
            return self.answer(HELP_ENTRY, wanted, (), COMPLETE_SCORE)
        return None

    def _probabilities(self, question: _Question) -> dict[str, float]:
        """The classifier's probability of each entry for a message, worked out once per
        message (the second opinion and each sentence's containment ask for it); none without
        the signal."""
        if self.signal is None:
            return {}
        known = self._last_probabilities
        if known is None or known[0] != question.folded:
            known = self._last_probabilities = (
                question.folded,
                self.signal.probabilities(question.folded),
            )
        return known[1]

    def _topics_asked(self, question: _Question, language: str, ranking: list[Scored]) -> list[str]:
        """The entries a message of several sentences asks, in its order, each answered well
        by a sentence of its own ("Hvor mange timer er der tilbage, og hvem skal jeg
        kontakte?"); the message's own best entry must be one of them. A sentence that asks
        in words that contain an entry's phrasing adds that entry last."""
        sure = sure_of(question.evidence) == language
        topics: list[str] = []
        later: list[str] = []
        ignored = self._no_topic[language]
        # A message none of whose sentences asks ("jeg skal bruge forbruget for 2013 og vide,
        # om der er timer tilbage") asks in all of them.
        anything_asked = any(question.asking)
        pieces, asked = question.pieces, question.asking
        index = self._contained_index(question, language)
        # The message's best entry, when no other ties with it, draws a sentence that scores it
        # nearly as well as its own best (`CLOSE_IN_SENTENCE`).
        best_leads = len(ranking) < 2 or ranking[0].score > ranking[1].score
        for number, (piece, asking) in enumerate(zip(pieces, asked, strict=True)):
            alone = self._asks_alone(pieces, number, language, sure)
            if anything_asked and not asking and not alone:
                continue  # "Vi er leverandør til tre kommuner." tells who asks, not what
            if all(word in ignored or len(word) < 2 for word in piece):
                continue  # "..., der har haft klippekortet?" names no topic of its own
            # Chit-chat answers a whole message only: "og hvad skulle de bruges til?" asks what
            # the hours were for, not what the bot can do.
            piece_ranking = [
                scored
                for scored in self._piece_ranking(piece, language, sure)
                if not self.knowledge.entries[scored.entry_id].chitchat
            ]
            # Everyday words alone say a topic only clearly: "jeg skal bruge nogle tal" asks
            # for something, not which topic; "og er det stadig noget vi kan bruge?" asks one.
            needed = (
                EVERYDAY_TOPIC_SCORE
                if self.matcher.everyday_only(piece, language)
                else MULTI_TOPIC_SCORE
            )
            if piece_ranking and piece_ranking[0].score >= needed:
                entry_id = piece_ranking[0].entry_id
                # A sentence nearly as much about the message's best entry is about that one:
                # "Var det en del af formålet?" says "en del af" as the transition agreement's
                # phrasings do, and asks the purpose.
                if (
                    best_leads
                    and len(piece_ranking) > 1
                    and piece_ranking[1].entry_id == ranking[0].entry_id
                    and piece_ranking[0].score < CLEAR_IN_SENTENCE
                    and piece_ranking[0].score - piece_ranking[1].score < CLOSE_IN_SENTENCE
                ):
                    entry_id = ranking[0].entry_id
            elif asking and (contained := self._clearly_contained(piece, index, question)):
                # A sentence that asks in a phrasing of an entry, said nearly whole, asks that
                # entry too: after those the sentences' own scores find, one of which must be
                # the message's best.
                later.append(contained.entry_id)
                continue
            else:
                continue
            if not self.knowledge.entries[entry_id].chitchat and entry_id not in topics:
                topics.append(entry_id)
        if ranking[0].entry_id not in topics:
            return []
        for entry_id in later:
            if not self.knowledge.entries[entry_id].chitchat and entry_id not in topics:
                topics.append(entry_id)
        return topics

    def _together(
        self,
        topics: list[str],
        language: str,
        periods: tuple[Period, ...],
        score: float,
        asks: Asks = Asks(),
    ) -> Reply:
        """One reply with the answers to each topic a message asks, in the message's order. The
        message's years go to the topics that take years: in "brugt i 2014, og hvor mange er
        der tilbage?" they are the use's, not a balance asked of 2014. Hours asked of one holder
        are said not to be split (`Asks.one_holder`) in each answer with hours."""
        takes_years = {e for e in topics if self.knowledge.entries[e].slot == "period"}
        holder = Asks(one_holder=asks.one_holder, summed=asks.summed)
        answers = [
            self.answer(
                entry_id, language, periods if entry_id in takes_years else (), score, holder
            )
            for entry_id in topics
        ]
        first = answers[0]
        return replace(
            first,
            text="\n\n".join(a.text for a in answers),
            sections=tuple(section for a in answers for section in a.sections),
            related=tuple(c for c in first.related if c.entry_id not in topics),
            periods=next((a.periods for a in answers if a.periods), ()),
            also=tuple(topics[1:]),
        )

    def converse(
        self,
        text: str,
        conversations: Conversations,
        key: Hashable,
        language: str | None = None,
        *,
        fixed_language: bool = False,
    ) -> Reply:
        """Answer one message of a conversation, with its context, and keep the new context.

        An answer becomes the context (chit-chat leaves it as it was); a message the bot cannot
        place at all ends it, since the conversation has moved on.
        """
        context = conversations.get(key)
        reply = self.reply(text, language, fixed_language=fixed_language, context=context)
        after = self.context_after(reply, context)
        if after is None:
            conversations.forget(key)
        elif after is not context:
            conversations.remember(key, after.entry_id, after.periods, after.language)
        return reply

    def context_after(self, reply: Reply, context: Context | None) -> Context | None:
        """What a conversation's context becomes after `reply`: the one rule every adapter keeps.

        An answer becomes the context (chit-chat leaves it as it was, the very same object); a
        message the bot cannot place at all ends it (None), since the conversation has moved
        on; a suggestion leaves it as it was. The new context's `at` is 0: its keeper stamps it.
        """
        if reply.outcome is Outcome.ANSWERED and reply.entry_id is not None:
            if self.knowledge.entries[reply.entry_id].chitchat:
                return context
            return Context(reply.entry_id, reply.periods, reply.language, 0.0)
        if reply.outcome is Outcome.UNKNOWN:
            return None
        return context

    def _follow_up(self, question: _Question, context: Context, language: str) -> Reply | None:
        """The answer a follow-up asks for, or None when the message is not one."""
        cue = self._cue(question)
        period_entry = self._period_entry
        if period_entry is None:
            return None
        end = self._end_entry
        if end is not None and self._asks_why_it_ended(question, context):
            # "why so few?" after the closing year's use: the card ended that year. The years
            # stay the conversation's ("og i alt?" next is still about the use). Before doubt:
            # "hvorfor virkelig så få?" asks why as well.
            return replace(self.answer(end, language), periods=context.periods)
        if self._asks_again(question):
            # "passer det?", "wasn't it around 3,000?": the last answer again, as it stands.
            return self.answer(context.entry_id, language, context.periods)
        compared = self._compared_again(question, context, language)
        if compared is not None:
            return compared
        if self._checks_a_date(question, context) and not (
            context.entry_id == period_entry or context.periods
        ):
            # "juni 2016, right?" after the card's end checks that answer's date; after a
            # year's use, a month is a finer figure than the source gives.
            return self.answer(context.entry_id, language, ())
        if (
            self.knowledge.entries[context.entry_id].slot == "extremes"
            and question.periods
            and all(self._counted_together(period) for period in question.periods)
            and _sets_aside(question.words)
        ):
            # "and excluding 2010-2012?" after the busiest year: the answer counts the years
            # one by one already, and says so. ("excluding 2013?" is not answered by it.)
            return self.answer(context.entry_id, language)
        if (
            self.knowledge.entries[context.entry_id].slot == "extremes"
            and not question.periods
            and not _ONE_BY_ONE.isdisjoint(question.words)
            and not self._clearly_another(question, language, context.entry_id)
        ):
            # "og hvis man kun kigger på enkelte år?" after the busiest period: the answer ranks
            # the years counted one by one already, and says so.
            return self.answer(context.entry_id, language)
        if self._asks_only_of_a_holder(question, context):
            # "og KOMBIT?" after 2014's use: the same figure, said not to be KOMBIT's alone.
            asks = Asks(one_holder=True)
            return self.answer(context.entry_id, language, context.periods, asks=asks)
        document = self._entry_with_slot("document")
        if (
            context.entry_id == document
            and not question.periods  # "står der noget om forbruget i 2014?" asks the figure
            and self._asks_what_it_says(question)
            and not self._clearly_another(question, language, document)
        ):
            # "står der også hvordan timerne blev brugt?" after the report: what it covers.
            return self.answer(document, language)
        if cue is None and context.periods and self._asks_only_a_figure(question):
            # "hvad er det i procent?" after a year's use: that year's share.
            return self.answer(period_entry, language, context.periods, asks=self._asks(question))
        if cue is None:
            return None
        about_periods = context.entry_id == period_entry or bool(context.periods)
        usage = self.knowledge.facts.usage
        if cue == "checked" and not about_periods:
            # "var det 2015?" after the card's end checks that answer, not 2015's use.
            return self.answer(context.entry_id, language, ())
        if cue == "years" and question.left_out:
            left = self._leaving_out(question, context, language)
            if left is not None or context.entry_id != period_entry:
                return left
            # After the use, a year that cannot be left out ("uden 2011?", "uden 2017?") is
            # answered as a year: the answer says why.
        if cue in ("years", "checked"):
            # "og 14?" after a year's use: two digits are that year.
            periods = question.periods
            if not periods and about_periods and usage:
                # A year either side of the table is told it has no use ("og 17?").
                first, last = usage[0].first_year - 1, usage[-1].last_year + 1
                periods = short_years(question.words, first, last)
        elif cue == "compared" and about_periods:
            periods = tuple(dict.fromkeys((*context.periods, *question.periods)))
        elif cue in ("first", "last") and about_periods and usage:
            row = usage[0] if cue == "first" else usage[-1]
            periods = (Period(row.first_year, row.last_year),)
        elif cue in ("before", "after") and context.periods:
            # After years named turn by turn ("2015", "og 2014?"), the last one named.
            stepped = context.periods[-1:] if context.entry_id == period_entry else context.periods
            periods = shifted(stepped, -1 if cue == "before" else 1)
        elif cue in ("before", "after") and about_periods:
            # "og året før?" after the whole table has no year to go from: the table again,
            # which has the year meant, rather than "I don't know".
            periods = ()
        elif cue == "total" and about_periods:
            periods = ()
        elif cue == "reported" and about_periods:
            periods = context.periods
        elif cue == "trend" and context.periods:
            # "faldt det?" after one year: that year and the one before it.
            before = shifted(context.periods, -1) if len(context.periods) == 1 else ()
            periods = (*before, *context.periods)
        elif cue == "amount" and context.periods:
            # "hvor mange var det?" after the busiest year: that year's use.
            periods = context.periods
        elif (
            cue == "amount"
            and not about_periods
            and USAGE_CONCEPT not in question.folded  # "og hvor mange er brugt?" asks the use
            and (pool := self._entry_with_slot("pool"))
            and self._same_subject(context.entry_id, pool)
        ):
            # "hvor mange var der?" after what is left or what the hours went to: how many
            # hours there were, the pool (not after the interfaces' costs: how many of them).
            return self.answer(pool, language, ())
        else:
            return None
        if cue in ("years", "checked") and not periods:
            return None
        asks = self._asks(question)
        if cue == "trend":
            asks = replace(asks, compared=True)  # by how much it went up or down
        reply = self.answer(period_entry, language, periods, asks=asks)
        if cue == "years" and context.entry_id == period_entry and context.periods:
            # The conversation now names the years of both turns: "og tilsammen?" or "and the
            # difference?" next take them together.
            return replace(reply, periods=tuple(dict.fromkeys((*context.periods, *periods))))
        return reply

    def _in_context(
        self,
        question: _Question,
        context: Context,
        language: str,
        ranking: list[Scored],
        decision: Outcome,
    ) -> Reply | None:
        """A message not answered alone, read as part of the conversation.

        Offered the conversation's own topic first ("and the fewest?" after the busiest year),
        it is that topic; one that points back ("hvem indgik den?") is read with the last
        topic's title added. Either way the matcher must place it: context alone answers
        nothing, so an off-topic message stays unanswered.
        """
        if self.matcher.names_foreign(question.words):
            return None  # "og hvor mange timer er der i et år?" is not the last topic's either
        if decision is Outcome.SUGGESTED and ranking and ranking[0].entry_id == context.entry_id:
            return self.answer(
                context.entry_id, language, context.periods, ranking[0].score, self._asks(question)
            )
        nearly = bool(ranking) and ranking[0].score >= NEARLY_ANOTHER_TOPIC
        if decision is Outcome.UNKNOWN or (decision is Outcome.SUGGESTED and not nearly):
            in_last_answer = self._in_last_answer(question, context)
        else:
            in_last_answer = False  # "all used?" after the pool nearly asks what is left
        if in_last_answer:
            # "hvilke løsninger?" after the purpose, which names KMD's critical solutions:
            # what the message asks about is in that answer, which is given again.
            return self.answer(context.entry_id, language, context.periods, 0.0)
        if not self._leans_on_context(question):
            return None
        if self._bare(question) and not _WHY.isdisjoint(question.words):
            # "hvorfor ikke?" after "kan vi stadig bestille ...?" asks why that answer is so.
            return self.answer(context.entry_id, language, context.periods, 0.0)
        title = self.knowledge.entries[context.entry_id].title[language]
        combined = self._read(" ".join(question.words) + " " + title)
        ranking = self._rank(combined, language, outcome_only=True)
        own_words = [word for word in question.words if word not in POINTERS]
        if decide(ranking, self.settings) is Outcome.ANSWERED and not self.matcher.strangers(
            ranking[0].entry_id, own_words, language
        ):
            periods = question.periods or context.periods
            return self.answer(
                ranking[0].entry_id, language, periods, ranking[0].score, self._asks(question)
            )
        if self._bare(question):
            # Question words alone ("og hvem er det?", "hvornår?") ask about the last answer
            # itself when nothing reads better with it: that answer is given again.
            return self.answer(context.entry_id, language, context.periods, 0.0)
        return None  # not answered with the title, or the title carried it, not the message

    def _in_last_answer(self, question: _Question, context: Context) -> bool:
        """Whether every word a message says of its own (not stop words, question words or
        words that point back), stemmed, is a word of the last answer ("hvilke løsninger?",
        "hvad betyder digital sammenhæng?" after the purpose)."""
        language = context.language
        index = self.matcher.index_of.get(language)
        if index is None:
            return False
        own = set(self.matcher.prepare(index, _own_words(question.words)))
        if not own:
            return False
        said = self._last_answer(context, language)
        return own <= set(self.matcher.prepare(index, list(said.words)))

    def _acknowledged(self, question: _Question, language: str) -> Reply | None:
        """The chit-chat answer to a message that asks nothing and thanks for something ("tak
        for tallene for 2014"), or has a sentence of chit-chat said whole (thanks, a goodbye)
        and names no topic clearly beside it ("tak, det hjalp med 2014-tallet", "thanks,
        bye"): it tells, so no fact is due ("tak. forbruget i 2015" still asks for 2015's
        use). The first such sentence is answered."""
        if any(question.asking) or _requests(question.words):
            return None  # "tak. send mig tallene for 2014"
        if len(question.pieces) == 1:
            thanked = self._thanks_for(question.words)
            if thanked is not None:
                return self.answer(thanked, language, (), COMPLETE_SCORE)
        if len(question.pieces) < 2:
            return None
        said: Scored | None = None
        for number, piece in enumerate(question.pieces):
            thanked = self._thanks_for(piece)
            if said is None and thanked is not None:
                # "Tusind tak for svaret i går, ... God weekend.": thanks for something.
                said = Scored(thanked, COMPLETE_SCORE, language)
                continue
            ranking = self._piece_ranking(piece, language, False)
            if not ranking:
                continue
            top = ranking[0]
            chitchat = self.knowledge.entries[top.entry_id].chitchat
            if said is None and top.score >= COMPLETE_SCORE and chitchat:
                said = top  # "tak!", "cheers!" said whole, first or later
                continue
            if said is not None and chitchat:
                continue  # "thanks, bye": the first is answered
            if number and piece[0] in _SAYING_WHAT_IT_DID:
                continue  # "thanks, that helped with the 2014 figure" tells what helped
            # Before the thanks, a fact must be said clearly to be asked for ("det var lige det
            # jeg manglede, cheers!"); after it, as clearly as any answer ("ok. men kan KMD
            # så fakturere os for noget").
            if top.score >= (self.settings.answer_at if said else TOLD_BESIDE_THANKS):
                return None
        if said is None:
            return None
        return self.answer(said.entry_id, language, (), said.score)

    def _thanks_for(self, words: tuple[str, ...]) -> str | None:
        """The `thanks` entry of words that thank for something ("tak for tallene for 2014",
        "thanks for the 2014 usage figure"): what they thank for is no question about it.
        "thanks for nothing" is a phrasing of its own, and no thanks."""
        if words in self._chitchat_phrasings:
            return None
        for opening, entry_id in self._thanks_openings:
            if words[: len(opening) + 1] == (*opening, "for"):
                return entry_id
        return None

    def _phrasings_of(self, kind: Callable[[Entry], bool]) -> set[tuple[tuple[str, ...], str]]:
        """The phrasings of the entries of a kind (reactions, thanks, chit-chat) as words, each
        with its entry; empty ones left out."""
        return {
            (words, entry.id)
            for entry in self.knowledge.entries.values()
            if kind(entry)
            for texts in entry.phrasings.values()
            for text in texts
            if (words := normalize(text).words)
        }

    @cached_property
    def _thanks_openings(self) -> tuple[tuple[tuple[str, ...], str], ...]:
        """The phrasings of `thanks` entries ("tak", "mange tak", "thanks"), longest first:
        said before "for", they thank for something."""
        return _longest_first(self._phrasings_of(lambda entry: entry.thanks))

    @cached_property
    def _chitchat_phrasings(self) -> frozenset[tuple[str, ...]]:
        """Every chit-chat phrasing as words ("thanks for nothing" is a complaint's)."""
        return frozenset(words for words, _ in self._phrasings_of(lambda entry: entry.chitchat))

    def _reacting(self, question: _Question, language: str) -> Reply | None:
        """The answer of a `reaction` entry to a message that asks nothing, requests nothing
        and opens with one of its phrasings ("haha det klippekort har jeg hørt meget om",
        "godt at vide at der ikke er flere timer") or has one as a sentence after the first
        ("så der er 0 timer tilbage, ærgerligt"): it comments on the card, so no fact is
        due."""
        if any(question.asking) or _requests(question.words):
            return None
        words = question.words
        if len(words) > 1 and words in self._chitchat_phrasings:
            return None  # said whole by a phrasing: "nej tak" is thanks, not "nej"
        if not _CHECKS.isdisjoint(words):
            return None  # "nej det passer ikke": a claim denied, no reaction
        for opening, entry_id in self._openings:
            if words[: len(opening)] == opening:
                return self.answer(entry_id, language, (), COMPLETE_SCORE)
        # Said after what it reacts to: "så der er 0 timer tilbage, ærgerligt", "16.060 timer i
        # 2015, okay".
        for piece in question.pieces[1:]:
            reacted = self._reactions.get(piece)
            if reacted is not None:
                return self.answer(reacted, language, (), COMPLETE_SCORE)
        # What the user will do, after an "ok" ("ok så ringer jeg bare til det nummer"): told,
        # not asked. Not a claim or a problem ("ok, vi har stadig 5000 timer tilbage", "tak,
        # jeg kan ikke finde nummeret"), which the card's answer may correct or help with.
        reacted = self._acknowledgements.get(words[:1])
        told = words[1:]
        if (
            reacted is not None
            and not FIRST_PERSON_SUBJECTS.isdisjoint(told)
            and not _USER_ACTIONS.isdisjoint(told)
            and _DENIALS.isdisjoint(told)
            and _NEEDS.isdisjoint(told)
        ):
            return self.answer(reacted, language, (), COMPLETE_SCORE)
        return None

    @cached_property
    def _acknowledgements(self) -> dict[tuple[str, ...], str]:
        """The one-word phrasings of `reaction` and `thanks` entries ("ok", "perfekt"), with
        their entry."""
        return {
            words: entry_id
            for words, entry_id in self._phrasings_of(lambda entry: entry.reaction or entry.thanks)
            if len(words) == 1
        }

    @cached_property
    def _reactions(self) -> dict[tuple[str, ...], str]:
        """Every phrasing of a `reaction` entry, as words, with its entry."""
        return dict(self._phrasings_of(lambda entry: entry.reaction))

    @cached_property
    def _openings(self) -> tuple[tuple[tuple[str, ...], str], ...]:
        """The phrasings of `reaction` entries as words, longest first."""
        # Filler alone ("ok", "hmm") opens questions as often ("ok hvor mange timer ..."): it
        # is a reaction only as the whole message, which the matcher finds.
        return _longest_first(
            (words, entry_id)
            for words, entry_id in self._phrasings_of(lambda entry: entry.reaction)
            if not _FILLER_REACTIONS.issuperset(words)
        )

    def _read_with_subject(
        self, question: _Question, context: Context, language: str
    ) -> Reply | None:
        """A message that points back at what the last answer was about ("og hvem må bruge
        dem?" after the interfaces' costs), read with the last entry's `subject` in place of
        the pointer: answered when that reading is, in words the entry knows."""
        subject = self.knowledge.entries[context.entry_id].subject
        if subject is None or _SUBJECT_POINTERS.isdisjoint(question.words):
            return None
        if self.matcher.names_foreign(question.words):
            return None
        own = [word for word in question.words if word not in _SUBJECT_POINTERS]
        reading = self._read(" ".join(own) + " " + subject[language])
        ranking = self._rank(reading, language, outcome_only=True)
        if decide(ranking, self.settings) is not Outcome.ANSWERED:
            return None
        if self.matcher.strangers(ranking[0].entry_id, own, language):
            return None
        periods = question.periods or context.periods
        return self.answer(
            ranking[0].entry_id, language, periods, ranking[0].score, self._asks(question)
        )

    def _one_alternative(
        self, question: _Question, language: str, ranking: list[Scored]
    ) -> Scored | None:
        """The entry a question of two alternatives asks ("er klippekortet afsluttet eller bare
        sat på pause?", "var timerne til nye fagsystemer eller til snitflader?"), when read with
        one alternative at a time exactly one entry is answered, clearly (`ALTERNATIVE_SCORE`): a
        word no entry knows in the other alternative says what the card was not, not that the
        question is off-topic. The message whole must not rank another entry first ("was the
        money for new systems or for interfaces?" reads as the purpose, not the costs)."""
        asked = [p for p, asks in zip(question.pieces, question.asking, strict=True) if asks]
        # Two alternatives need a word each side of "eller" and one before them at least.
        either = [p for p in asked if len(p) > 3 and not _EITHER.isdisjoint(p[1:-1])]
        if len(either) != 1 or self._names_foreign(question):
            return None
        found: dict[str, Scored] = {}
        for alternative in _alternatives(either[0]):
            reading = self._read(" ".join(alternative))
            read = self._rank(reading, language, outcome_only=True)
            if (
                read
                and read[0].score >= ALTERNATIVE_SCORE
                and decide(read, self.settings) is Outcome.ANSWERED
            ):
                found.setdefault(read[0].entry_id, read[0])
        if len(found) != 1:
            return None
        (scored,) = found.values()
        if ranking and ranking[0].entry_id != scored.entry_id:
            return None
        return None if self.knowledge.entries[scored.entry_id].chitchat else scored

    def _asks_if_it_was_the_last_year(self, question: _Question) -> bool:
        """Whether a message asks only whether one year was the card's last ("was 2016 the
        last year?", "var 2015 det sidste år for klippekortet?"): no hours or their use ("hvor
        mange timer blev brugt det sidste år, 2016?" asks the use), no other words of its own
        ("var 2016 det sidste år med tilskud?")."""
        if len(question.periods) != 1 or not question.periods[0].is_single_year:
            return False
        words = question.words
        said = [phrase for phrase in _LAST_YEAR_PHRASES if _says_phrase(words, phrase)]
        # "hvad med det sidste år, 2016?" names the year, and asks its use.
        if not said or _BEING.isdisjoint(words):
            return False
        return self._says_only(words, {word for phrase in said for word in phrase})

    def _asks_if_it_ended_then(self, question: _Question) -> bool:
        """Whether a message asks only whether the card ended in the years it names ("blev
        klippekortet lukket i 2016 eller 2017?", "closed 2017?"): the words for ending, the
        years and nothing else of its own."""
        if not question.periods or ENDED_CONCEPT not in question.folded:
            return False
        if not all(period.is_single_year for period in question.periods):
            return False  # "sluttede perioden 2010-2012 i 2012?" asks of the period
        if self._says_only(question.folded, {ENDED_CONCEPT}):
            return True
        # Or one of its sentences does, beside a greeting, a signature and sentences that ask
        # no topic ("Good morning, quick check from KL: the klippekort ended in
        # 2016, right? /Anne", "..., skal bruge det til et møde om 10 min").
        checks = False
        for piece, asks in zip(question.pieces, question.asking, strict=True):
            folded = self.matcher.concepts.fold(piece)
            if ENDED_CONCEPT in folded and YEAR_TOKEN in folded:
                checks = checks or self._says_only(folded, {ENDED_CONCEPT})
            elif not _own_words(piece):
                continue  # "Why?" after it asks why it ended
            elif (asks and self.matcher.names_foreign(piece)) or self._asks_a_topic(piece):
                # "..., og hvem kan jeg ringe til?", "I need the figures for 2015 too.",
                # "hvornår udløber mit rejsekort? Det sluttede vel i 2016?"
                return False
        return checks

    def _asks_a_topic(self, piece: tuple[str, ...]) -> bool:
        """Whether a sentence alone asks one of the entries clearly enough to be answered (not
        chit-chat) in either language."""
        return any(
            best.score >= self.settings.answer_at
            and not self.knowledge.entries[best.entry_id].chitchat
            for best in self._sentence_bests(piece)
        )

    def _sentence_bests(self, piece: tuple[str, ...]) -> list[Scored]:
        """A sentence's best entry read alone in each language it has one in, in order."""
        return [
            ranking[0]
            for language in self.knowledge.languages
            if (ranking := self._piece_ranking(piece, language, False))
        ]

    def _says_only(self, words: Sequence[str], named: Collection[str]) -> bool:
        """Whether words say nothing but `named`, years, the card's names, stop words and
        question words."""
        return all(
            word in named
            or word == YEAR_TOKEN
            or word in self._card_words
            or word in ALL_STOPWORDS
            or word in QUESTION_WORDS
            for word in words
        )

    def _leans_on_context(self, question: _Question) -> bool:
        """Whether a message points back ("hvem indgik den?"), asks with question words
        alone ("hvorfor?", "why not?") or goes on from the last answer in a word or two ("og
        for leverandører?", "and for suppliers?"), and so means something only with what came
        before."""
        return (
            bool(POINTERS.intersection(question.words))
            or self._bare(question)
            or self._going_on(question)
        )

    @staticmethod
    def _going_on(question: _Question) -> bool:
        """Whether a message starts with "og", "and", "også" or "also" and says at most
        `GOING_ON_WORDS` words besides stop words and question words."""
        words = question.words
        return bool(words) and words[0] in _GOING_ON and len(_own_words(words)) <= GOING_ON_WORDS

    @staticmethod
    def _bare(question: _Question) -> bool:
        """Whether a message is question words alone ("hvorfor ikke?", "and when?")."""
        return not _own_words(question.words) and not QUESTION_WORDS.isdisjoint(question.words)

    @cached_property
    def _end_entry(self) -> str | None:
        """The entry that tells how the card ended (slot `end`)."""
        return self._entry_with_slot("end")

    def _same_subject(self, entry_id: str, other_id: str) -> bool:
        """Whether two entries' answers are about the same thing (their `subject`)."""
        subject = self.knowledge.entries[entry_id].subject
        return subject is not None and subject == self.knowledge.entries[other_id].subject

    def _entry_with_slot(self, slot: str) -> str | None:
        return self._slot_entries.get(slot)

    @cached_property
    def _slot_entries(self) -> dict[str, str]:
        """The first entry of each slot, looked up once: asked for on every message."""
        found: dict[str, str] = {}
        for entry in self.knowledge.entries.values():
            if entry.slot is not None:
                found.setdefault(entry.slot, entry.id)
        return found

    def _comparison(self, entry_id: str, question: _Question) -> str | None:
        """The entry about the most and least use, when a question about use or about the
        busiest year asks which of the years it names used the most or the fewest ("blev der
        brugt mest i 2014 eller 2015?"); the entry about use when some of those years cannot
        be ranked; None otherwise."""
        extremes = self._entry_with_slot("extremes")
        if extremes is None or self.knowledge.entries[entry_id].slot not in _YEARS_SLOTS:
            return None
        if not self._compares_years(question):
            return None
        if self._compares(self.knowledge.entries[extremes], question.periods):
            return extremes
        if len(question.periods) >= 2:
            # Years that cannot all be ranked ("mest i 2012 eller 2013?": 2012 has no figure of
            # its own) are each answered as they are, by the entry about use.
            return self._period_entry
        return None

    def _compares_years(self, question: _Question) -> bool:
        """Whether a message asks the most or the fewest, or compares two years or more ("var
        der flere i 2014 end i 2013?")."""
        folded = question.folded
        return MOST_CONCEPT in folded or LEAST_CONCEPT in folded or self._one_year_against(question)

    def _one_year_against(self, question: _Question) -> bool:
        """Whether a message sets years against each other with a comparative and "end",
        "than", "eller" or "or" ("var der flere i 2014 end i 2013?", "was 2013 higher than
        2014?", "which year had more hours, 2013 or 2014?"), saying nothing else but the hours,
        their use and the card: not "brugte KOMBIT flere timer end KL ...?" (the two compared),
        "flere elever i 2014 end i 2013?" (not the card's) or "..., og hvem kan jeg kontakte?"."""
        words = question.words
        period_entry = self._period_entry
        return (
            period_entry is not None
            and len(question.periods) >= 2
            and self._organisations.isdisjoint(words)  # "KOMBIT flere timer end KL"
            and not _COMPARATIVES.isdisjoint(words)
            and not _THAN.isdisjoint(words)
            # Of the card's use only: "flere elever i 2014 end i 2013?" is not the card's.
            and all(
                self._known_to(period_entry, piece)
                for piece in question.pieces
                if not _COMPARATIVES.isdisjoint(piece)
            )
            and all(
                not asks
                or not _COMPARATIVES.isdisjoint(piece)
                or set(_own_words(piece)) <= _BESIDE_COMPARING
                for piece, asks in zip(question.pieces, question.asking, strict=True)
            )
        )

    def _known_to(self, entry_id: str, piece: Sequence[str]) -> bool:
        """Whether every word of a sentence that says something (not a year, a comparative,
        the card's name) is a word of the entry's phrasings, in either language."""
        said = [
            word
            for word in piece
            if word != YEAR_TOKEN
            and word not in _COMPARATIVES
            and word not in self._card_words
            and word not in ALL_STOPWORDS
            and word not in QUESTION_WORDS
            and word not in _THAN
        ]
        if not self.matcher.all_words.issuperset(said):
            return False  # a word of no phrasing ("elever"), though a slip of one ("leverer")
        number = self.matcher.entry_number[entry_id]
        for language in self.knowledge.languages:
            index = self.matcher.index_of[language]
            vocabulary = index.entry_vocabulary[number]
            if all(stem in vocabulary for stem in self.matcher.prepare(index, said)):
                return True
        return False

    def _asks_without_years(self, piece: tuple[str, ...]) -> bool:
        """Whether a sentence alone asks, whole (`COMPLETE_SCORE`), an entry that answers no
        years: "Jeg var med i et projekt i 2014. Hvad skulle timerne egentlig bruges til?"
        asks what the hours were for, not 2014's use."""
        for best in self._sentence_bests(piece):
            if best.score >= COMPLETE_SCORE:
                entry = self.knowledge.entries[best.entry_id]
                return entry.slot not in _YEARS_SLOTS and entry.dated_answer is None
        return False

    def _single_years_in(self, periods: Sequence[Period]) -> tuple[Period, ...]:
        """The years of `periods` that the table counts one by one: only they can be ranked."""
        facts = self.knowledge.facts
        return tuple(
            Period(year, year)
            for period in periods
            for year in range(period.first, period.last + 1)
            if (row := facts.row_for_year(year)) is not None and not row.is_multi_year
        )

    def _compared_again(self, question: _Question, context: Context, language: str) -> Reply | None:
        """The conversation's years compared, when a message asks only which of them used more
        or less ("hvilket af dem var størst?", "which was higher?" after 2014 and 2015)."""
        if context.entry_id != self._period_entry or question.periods:
            return None
        # "i alt uden 2016" then "hvilket af dem var lavest?": of 2010-2015 the years ranked.
        years = self._single_years_in(context.periods)
        if len(years) < 2:
            return None
        own = set(_own_words(question.folded))
        comparing = own & (_COMPARATIVES | {MOST_CONCEPT, LEAST_CONCEPT})
        if not comparing or not own - comparing <= _SAID_WHEN_COMPARING:
            return None
        if comparing <= _MORE and not own & {ASKS_WHICH_CONCEPT}:
            return None  # "har du mere?", "more hours?" ask for more, not which was more
        extremes = self._entry_with_slot("extremes")
        if extremes is None:
            return None
        return self.answer(extremes, language, years, asks=self._asks(question))

    @staticmethod
    def _asks_again(question: _Question) -> bool:
        """Whether a message asks for nothing but the last answer again: it checks it ("er det
        korrekt?", "passer det?", "wasn't it around 3,000?": a figure of its own, said with
        nothing else), doubts it ("none at all?", `_DOUBT`), asks for it again ("kan du
        gentage?") or asks where it is written ("står det et sted?", "source?": the answer names
        its section of the source)."""
        words = question.words
        if not _WRITTEN.isdisjoint(words) and _SAID_WITH_WRITTEN.issuperset(words):
            return True
        # Two digits are a year after an answer about years ("og 14?"), not a figure.
        figures = [word for word in words if word.isdigit() and len(word) > 2]
        said = [word for word in words if word not in figures and word not in _APPROXIMATELY]
        if not _SAID_WITH_CHECKS.issuperset(word for word in said if word not in _DOUBT):
            return False
        if figures or not _CHECKING_AGAIN.isdisjoint(words):
            return True
        # Doubt alone, asked ("haha virkelig" is a reaction): no question word, no year and no
        # follow-up of its own ("virkelig? i alt?").
        # Or why of it ("why none?", "hvorfor intet?"): the last answer says why.
        without_doubt = tuple(word for word in words if word not in _DOUBT)
        return (
            not _DOUBT.isdisjoint(words)
            and any(question.asking)
            and QUESTION_WORDS.isdisjoint(word for word in words if word not in _WHY)
            and YEAR_TOKEN not in words
            and cue_of(without_doubt) in (None, "years")
        )

    def _asks_why_it_ended(self, question: _Question, context: Context) -> bool:
        """Whether a message asks only why ("hvorfor?", "why so few?") after an answer about
        the year the card closed alone, whose use was short for that reason."""
        closed = self.knowledge.facts.closed_year
        # "hvorfor så få det år?" points at the year as well.
        said = [word for word in _own_words(question.words) if word not in _THE_YEAR]
        return (
            not said
            and not _WHY.isdisjoint(question.words)
            and Period(closed, closed) in context.periods
        )

    def _leaving_out(self, question: _Question, context: Context, language: str) -> Reply | None:
        """A follow-up that leaves years out ("og uden 2016?"): after the use, the other years
        of those it was about (of the whole table when none), added up; after the busiest
        year, the busiest and quietest of the other years; after anything else, nothing."""
        entry = self.knowledge.entries[context.entry_id]
        if entry.slot == "period":
            # Of the years the conversation is about, when the years left out are among them.
            rest = self._rest_of_use(question, context.periods) or self._rest_of_use(question)
            if rest is not None:
                asks = replace(self._asks(question), summed=True)
                return self.answer(entry.id, language, rest, asks=asks)
        elif entry.slot == "extremes":
            single = self._single_years_in(self._rest_of_use(question) or ())
            if self._compares(entry, single):
                return self.answer(entry.id, language, single, asks=self._asks(question))
        return None

    def _rest_of_use(
        self, question: _Question, among: tuple[Period, ...] = ()
    ) -> tuple[Period, ...] | None:
        """The periods of the table (of those `among` when given) but those a message leaves
        out, when it names no others ("hvor mange timer i alt uden 2016?", "total excluding
        2010-2012"); None when it leaves out none, a year the rows have no figure for (2017),
        or part of a period the table counts whole (2011 of 2010-2012)."""
        left_out = question.left_out
        if not left_out or not set(question.periods) <= set(left_out):
            return None

        def overlap(row: UsageRow, period: Period) -> bool:
            return row.first_year <= period.last and period.first <= row.last_year

        rows = [
            row
            for row in self.knowledge.facts.usage
            if not among or any(overlap(row, period) for period in among)
        ]
        if not all(any(overlap(row, period) for row in rows) for period in left_out):
            return None
        rest: list[Period] = []
        for row in rows:
            overlapping = [period for period in left_out if overlap(row, period)]
            if any(p.first > row.first_year or p.last < row.last_year for p in overlapping):
                return None
            if not overlapping:
                rest.append(Period(row.first_year, row.last_year))
        if not rest:
            return None
        if all(a.last + 1 == b.first for a, b in itertools.pairwise(rest)):
            # Rows next to each other are one span, answered as the table's rows and their sum.
            return (Period(rest[0].first, rest[-1].last),)
        return tuple(rest)

    def _then(
        self, entry_id: str, question: _Question, context: Context | None
    ) -> tuple[Period, ...]:
        """The conversation's years, when a message asks in the past of an entry with an
        answer for a time ("hvor mange var der så tilbage?" after 2013's use: not today's
        balance, which the entry's own answer gives); none otherwise."""
        if context is None or not context.periods or question.periods:
            return ()
        if self.knowledge.entries[entry_id].dated_answer is None or _THEN.isdisjoint(
            question.words
        ):
            return ()
        return context.periods

    def _last_answer(self, context: Context, language: str) -> Normalized:
        """The conversation's last answer in `language`, read as a question is."""
        return normalize(self.answer(context.entry_id, language, context.periods).text)

    def _checks_a_date(self, question: _Question, context: Context) -> bool:
        """Whether a message says a month and a year the last answer names, with nothing else
        but stop words and checking words ("juni 2016 siger du?", "so june 2016?" after the
        end); "og i marts 2014?" after the balance asks something else."""
        words = set(question.words)
        months = words & self._month_words
        if not months or YEAR_TOKEN not in words:
            return False
        if not _SAID_WITH_CHECKS.issuperset(words - months - {YEAR_TOKEN}):
            return False
        # In either language: "so june 2016?" after a Danish answer.
        answers = [self._last_answer(context, language) for language in self.knowledge.languages]
        return any(
            months <= set(answered.words) and set(question.periods) <= set(answered.periods)
            for answered in answers
        )

    @cached_property
    def _month_words(self) -> frozenset[str]:
        """The months' names (the concept `month`), which date a year checked in a follow-up."""
        texts = self.knowledge.concepts.get(MONTH_CONCEPT, {}).values()
        return frozenset(
            word for words in texts for text in words for word in normalize(text).words
        )

    @cached_property
    def _period_entry(self) -> str | None:
        """The entry that answers per period (usage), which follow-ups about years go to."""
        return self._entry_with_slot("period")

    def rank(self, text: str, language: str | None = None) -> list[Scored]:
        """The matcher's ranking of entries for a question (before the outcome is decided)."""
        question = self._read(text)
        return self._rank(question, self._language(question, language))

    def best_answers(self, text: str, language: str | None = None, limit: int = 5) -> list[Reply]:
        """Up to `limit` answers for a question, best first (for inline mode): every entry that
        scores at least the suggestion threshold, each rendered with the periods asked."""
        question = self._read(text)
        if not question.words:
            return []
        lang = self._language(question, language)
        ranking = self._rank(question, lang)
        return [
            self.answer(scored.entry_id, lang, question.periods, scored.score)
            for scored in ranking[:limit]
            if scored.score >= self.settings.suggest_at
        ]

    def _read(self, text: str) -> _Question:
        # Normalised once here: language detection and matching both read the same words.
        question = text[:MAX_QUESTION_CHARS]
        normalized = normalize(question, pieces=True)
        evidence = language_evidence(question, normalized.words)
        # A signature ("Mvh Louise, produktchef") tells who asks, never what.
        kept = signature_start(normalized.pieces, normalized.asking, self.matcher.all_words)
        # A greeting before the question ("Hej bot, hvad kan du?") asks nothing either.
        greeted = without_salutation(
            normalized.pieces[:kept], self._names_nothing, self._organisations
        )
        dropped = kept - len(greeted)
        pieces, asking = _joined_to_what_they_point_at(greeted, normalized.asking[dropped:kept])
        pieces = tuple(self._without_returning(piece) for piece in pieces)
        pieces, asking = self._contact_apart(pieces, asking)
        pieces, asking = _without_circumstances(pieces, asking)
        pieces, asking = _set_aside_joined(pieces, asking)
        ranked = pieces
        if normalized.periods and len(pieces) > 1:
            # The years a message names belong to its question: "jeg skal bruge tallet for
            # 2014 til et slide, hvor mange timer var det?" (each topic of a message asking
            # two is still found in its own words).
            # Not to a piece of stop words alone before the year is named ("jeg vil høre ...
            # fra 2014"), which the year would make a question about that year's use; after
            # it ("..., is that right?") the piece points back at the year's figure.
            named_at = next((n for n, p in enumerate(pieces) if YEAR_TOKEN in p), len(pieces))
            ranked = tuple(
                p
                if YEAR_TOKEN in p
                or (n < named_at and ALL_STOPWORDS.issuperset(p))
                or self._asks_without_years(p)
                else (*p, YEAR_TOKEN)
                for n, p in enumerate(pieces)
            )
        periods = normalized.periods
        usage = self.knowledge.facts.usage
        if usage:
            # "før 2016" is 2010-2015: an open end closes at the years there are figures for.
            periods = tuple(p.within(usage[0].first_year, usage[-1].last_year) for p in periods)
            periods = _one_row_once(periods, usage)
        words = self._without_returning(normalized.words)
        folded = tuple(self.matcher.concepts.fold(words))
        if not periods and usage and USAGE_CONCEPT in folded:
            # "timeforbrug 14 og 15": with the word for use, two digits within the table's
            # years are years.
            short = short_years(words, usage[0].first_year, usage[-1].last_year)
            if short:
                periods = _one_row_once(short, usage)
                named = {str(period.first - 2000) for period in short}
                pieces, ranked, words = (
                    tuple(_as_years(piece, named) for piece in pieces),
                    tuple(_as_years(piece, named) for piece in ranked),
                    _as_years(words, named),
                )
                folded = tuple(self.matcher.concepts.fold(words))
        left_out = left_out_periods(words, periods)
        return _Question(words, periods, pieces, evidence, ranked, asking, folded, left_out)

    def _names_foreign(self, question: _Question) -> bool:
        """Whether a message names something no entry is about; someone's time away only in a
        sentence that asks ("min kollega er på ferie" tells why someone asks, not what)."""
        if not self.matcher.names_foreign(question.words):
            return False
        if len(question.pieces) < 2 or not any(question.asking):
            return True
        situation = {ABSENCE_CONCEPT}
        for piece, asks in zip(question.pieces, question.asking, strict=True):
            named = set(self.matcher.concepts.fold(piece)) & self.matcher.foreign_concepts
            if named and (asks or named - situation):
                return True
        return False

    def _contact_apart(
        self, pieces: tuple[tuple[str, ...], ...], asking: tuple[bool, ...]
    ) -> tuple[tuple[tuple[str, ...], ...], tuple[bool, ...]]:
        """Pieces with a question for a contact cut from what it is about ("hvem kan jeg ringe
        til | om snitfladernes pris?", "is there someone I can talk to | about the report?",
        "who do I call | if I have questions about the hours?"):
        the first part asks, the rest only tells what about."""
        cut: list[tuple[str, ...]] = []
        asks: list[bool] = []
        for piece, piece_asks in zip(pieces, asking, strict=True):
            at = next((i for i, word in enumerate(piece) if i > 0 and word in _ABOUT), None)
            if (
                piece_asks
                and at is not None
                and not _WHO_ASKED.isdisjoint(piece[:at])
                and QUESTION_WORDS.isdisjoint(piece[at:])  # "…om klippekortet, hvem er det?"
                and CONTACT_CONCEPT in self.matcher.concepts.fold(piece[:at])
            ):
                cut += [piece[:at], piece[at:]]
                asks += [piece_asks, False]
            else:
                cut.append(piece)
                asks.append(piece_asks)
        return tuple(cut), tuple(asks)

    def _in_its_languages(self, question: _Question) -> Scored | None:
        """The entry a message that mixes languages asks about when it is cut where its
        language changes: "can someone explain hvad klippekortet egentlig er?" asks in Danish
        what the card is, and neither language's phrasings meet the whole."""
        runs = [run for piece in question.ranked for run in self.matcher.language_runs(piece)]
        if len(runs) <= len(question.ranked):
            return None
        return self._clear_lead(self.matcher.rank(runs, None, False, outcome_only=True), question)

    def _without_returning(self, words: tuple[str, ...]) -> tuple[str, ...]:
        """Words without the turn that opens them by going back to the card ("ok, tilbage til
        klippekortet: hvor mange timer var der?", "back to the clip card"): "tilbage" there
        is no balance. Inside a question ("timer tilbage til klippekortet") it stays."""
        start = 0
        while start < len(words) and words[start] in ALL_STOPWORDS:
            start += 1
        if tuple(words[start : start + 2]) not in _RETURNING:
            return words
        if self._card_words.isdisjoint(words[start + 2 : start + 2 + RETURNING_REACH]):
            return words
        return words[:start] + words[start + 2 :]

    def _rank(self, question: _Question, language: str, outcome_only: bool = False) -> list[Scored]:
        sure = sure_of(question.evidence) == language
        ranking = self.matcher.rank(question.ranked, language, sure, outcome_only, question.asking)
        if len(question.ranked) > 1:
            ranking = self._with_support(question, language, sure, ranking, outcome_only)
        return ranking

    def _piece_ranking(self, piece: tuple[str, ...], language: str, sure: bool) -> list[Scored]:
        """One sentence's ranking down to `SUPPORT_FLOOR`, worked out once per message for the
        support of each entry and the topics a message asks (`_topics_asked`)."""
        key = (piece, language, sure)
        found = self._pieces.get(key)
        if found is None:
            if len(self._pieces) >= PIECE_CACHE_SIZE:
                self._pieces.clear()
            found = self._pieces[key] = self.matcher.rank(
                [piece], language, sure, floor=SUPPORT_FLOOR
            )
        return found

    def _with_support(
        self,
        question: _Question,
        language: str,
        sure: bool,
        ranking: list[Scored],
        outcome_only: bool = False,
    ) -> list[Scored]:
        """A long message's ranking with each entry's score raised by the next best sentence
        that speaks of it too: "... vil jeg gerne vide, om der følger omkostninger med, fx til
        implementering, konvertering eller løbende drift" asks about costs in three places,
        none of them enough alone. `SUPPORT_WEIGHT` of that sentence's score is added."""
        weights = [
            1.0 if asks or not any(question.asking) else self.settings.telling_weight
            for asks in question.asking
        ]
        pieces: dict[str, list[float]] = {}
        for piece, weight in zip(question.ranked, weights, strict=True):
            for scored in self._piece_ranking(piece, language, sure):
                if not self.knowledge.entries[scored.entry_id].chitchat:
                    pieces.setdefault(scored.entry_id, []).append(scored.score * weight)
        scores = {scored.entry_id: scored for scored in ranking}
        supported = [entry_id for entry_id, found in pieces.items() if len(found) >= 2]
        whole = scores
        missing = set(supported) - set(scores)
        if outcome_only and missing:
            # An entry left out of a ranking for the outcome alone (too far below the best)
            # is raised from its own score, as in the full ranking, not from its best sentence's.
            full = self.matcher.rank(
                question.ranked, language, sure, False, question.asking, only=supported
            )
            whole = {scored.entry_id: scored for scored in full}
        for entry_id in supported:
            first, second = sorted(pieces[entry_id], reverse=True)[:2]
            found = whole.get(entry_id)
            base = found.score if found is not None else first
            scores[entry_id] = Scored(
                entry_id,
                min(100.0, base + SUPPORT_WEIGHT * second),
                found.language if found is not None else language,
            )
        return sorted(scores.values(), key=lambda s: (-s.score, s.entry_id))

    def _language(self, question: _Question, hint: str | None, fixed: bool = False) -> str:
        if fixed and hint is not None and hint in self.knowledge.languages:
            return hint
        language = language_of(question.evidence, hint, self.default_language)
        return language if language in self.knowledge.languages else self.knowledge.languages[0]

    def answer(
        self,
        entry_id: str,
        language: str | None = None,
        periods: tuple[Period, ...] = (),
        score: float = 100.0,
        asks: Asks = Asks(),
    ) -> Reply:
        """The answer of one entry (for a command or a pressed button), with any periods asked,
        shaped by what else the question `asks` (`Asks`)."""
        entry = self.knowledge.entries[entry_id]
        lang = language if language in self.knowledge.languages else self.default_language
        assert lang is not None
        asked = periods if entry.slot == "period" or self._compares(entry, periods) else ()
        # Years asked of an entry that takes none ("tilbage efter 2013?") get its dated answer.
        dated = bool(periods) and entry.dated_answer is not None
        # Only what the entry and its years can say counts, so equal answers share a cache key.
        asks = Asks(
            named=asks.named and entry.named_answer is not None and not dated,
            finer=asks.finer and entry.slot in _HOURS_SLOTS,
            summed=asks.summed and len(asked) > 1,
            shared=asks.shared and bool(asked),
            compared=asks.compared and len(asked) == 2,
            most=asks.most and entry.slot == "extremes",
            least=asks.least and entry.slot == "extremes",
            one_holder=asks.one_holder and entry.slot in _HOURS_SLOTS,
        )
        key = (entry_id, lang, asked, dated, asks)
        rendered = self._answers.get(key)
        if rendered is None:
            # The same few answers are asked for again and again; render each once.
            if len(self._answers) >= ANSWER_CACHE_SIZE:
                self._answers.clear()
            rendered = self._answers[key] = self._render(entry, lang, asked, dated, asks)
        return replace(rendered, score=score)

    def _render(
        self,
        entry: Entry,
        lang: str,
        asked: tuple[Period, ...],
        dated: bool = False,
        asks: Asks = Asks(),
    ) -> Reply:
        values = self._facts[lang]
        facts, ui = self.knowledge.facts, self.knowledge.ui
        if asks.named and entry.named_answer is not None:
            body = fill(entry.named_answer[lang], values)
        elif dated and entry.dated_answer is not None:
            body = fill(entry.dated_answer[lang], values)
        elif asked and entry.slot == "extremes":
            texts = extremes_texts(single_years_of(facts, asked), ui, lang)
            # "flere i 2014 end i 2013?": by how much, too.
            difference = difference_text(facts, asked, ui, lang) if asks.compared else None
            body = "\n".join([*texts, *([difference] if difference else [])])
        elif asked:
            texts = period_texts(facts, asked, entry.variants, ui, lang, values)
            extra = [
                sum_text(facts, asked, ui, lang) if asks.summed else None,
                difference_text(facts, asked, ui, lang) if asks.compared else None,
            ]
            texts += [text for text in extra if text is not None]
            if asks.shared:
                texts += share_texts(facts, asked, ui, lang, values)
            body = "\n".join(texts)
        else:
            body = fill(entry.answer[lang], values)
        if asks.finer:
            body = fill(ui["usage_yearly_only"][lang], values) + "\n" + body
        if asks.one_holder:
            body = fill(ui["holders_not_split"][lang], values) + "\n" + body
        body = tidy(body)
        title = entry.title[lang]
        source = self._source(entry, lang)
        return Reply(
            outcome=Outcome.ANSWERED,
            entry_id=entry.id,
            score=100.0,
            language=lang,
            text=body,
            sections=(Section(title, body, source),),
            title=title,
            source=source,
            related=self._choices(entry.related, lang),
            periods=self._extremes(asks, asked) if entry.slot == "extremes" else asked,
        )

    def _compares(self, entry: Entry, periods: tuple[Period, ...]) -> bool:
        """Whether periods asked of an entry about the most and least use (slot `extremes`)
        name two single years or more to compare ("brugte 2014 eller 2015 flest timer?")."""
        facts = self.knowledge.facts
        return entry.slot == "extremes" and len(single_years_of(facts, periods)) >= 2

    def _extremes(self, asks: Asks, compared: tuple[Period, ...] = ()) -> tuple[Period, ...]:
        """The periods an answer about the most and least use is about: the single year of most
        use, of least use, or both when the question asked neither or both alone; among the
        years `compared` when it names some. A follow-up goes on from them ("hvor mange var
        det?", "og året efter?")."""
        facts = self.knowledge.facts
        years = (
            single_years_of(facts, compared)
            if compared
            else [row for row in facts.usage if not row.is_multi_year]
        )
        if not years:
            return ()
        peak, lowest = most_and_least(years)
        rows = [peak] if asks.most and not asks.least else []
        rows += [lowest] if asks.least and not asks.most else []
        return tuple(Period(row.first_year, row.last_year) for row in rows or (peak, lowest))

    def _source(self, entry: Entry, language: str) -> str | None:
        if entry.source is None:
            return None
        section = self.knowledge.sources[entry.source]
        return fill(self.knowledge.ui["source"][language], {"section": section})

    def _choices(self, entry_ids: tuple[str, ...] | list[str], language: str) -> tuple[Choice, ...]:
        entries = self.knowledge.entries
        return tuple(Choice(i, entries[i].title[language]) for i in entry_ids if i in entries)

    def _suggest(self, ranking: list[Scored], language: str) -> Reply:
        s = self.settings
        best = ranking[0].score
        # Chit-chat is never a choice ("1. Reaktion"); with no choice left, the bot says it
        # does not know rather than offer an empty menu.
        picked = [
            scored.entry_id
            for scored in ranking[: s.max_suggestions]
            if scored.score >= s.suggest_at
            and best - scored.score <= s.window
            and not self.knowledge.entries[scored.entry_id].chitchat
        ]
        if not picked:
            return self._unknown(language, best)
        choices = self._choices(picked, language)
        intro = self.knowledge.ui["suggest"][language]
        lines = [intro, *(f"{n}. {c.title}" for n, c in enumerate(choices, 1))]
        text = "\n".join(lines)
        return Reply(
            outcome=Outcome.SUGGESTED,
            entry_id=None,
            score=best,
            language=language,
            text=text,
            sections=(Section(None, intro),),
            suggestions=choices,
        )

    def dont_know(self, language: str) -> Reply:
        """The "I don't know" answer: what the bot can answer, and the contact."""
        return self._unknown(language if language in self.knowledge.languages else "da", 0.0)

    def _unknown(self, language: str, score: float) -> Reply:
        text = fill(self.knowledge.ui["unknown"][language], self._facts[language])
        return self._plain(Outcome.UNKNOWN, language, text, score, self.core_topics)

    def _plain(
        self,
        outcome: Outcome,
        language: str,
        text: str,
        score: float = 0.0,
        offer: tuple[str, ...] = (),
    ) -> Reply:
        return Reply(
            outcome=outcome,
            entry_id=None,
            score=score,
            language=language,
            text=text,
            sections=(Section(None, text),),
            related=self._choices(offer, language),
        )

    def titles(self, language: str) -> Mapping[str, str]:
        """Entry titles in `language`, for menus."""
        return {entry_id: e.title[language] for entry_id, e in self.knowledge.entries.items()}
