"""Words that say nothing about which topic a question is about.

Based on the Snowball stop-word lists for Danish and English, minus the question words (hvad,
hvem, hvor, hvornår, what, who, when ...) and quantities (mange, many) that do tell topics apart,
plus the polite filler and sign-offs that chat messages are full of ("kan du sige mig", "could you
tell me", "mvh", "best regards") and the hearsay around a question ("this thing everyone keeps
mentioning", "i det hele", "som folk nævner hele tiden") and the particles that start a turn
("nå men ...", "well, ...").
Words are in folded form (æ -> ae, ø -> oe, å -> aa).
"""

from __future__ import annotations

from bot.normalize import fold

_DANISH = """
og i jeg det at en den til er som paa de med han af for ikke der var mig sig men et har om vi
min havde ham hun nu over da fra du ud sin dem os man hans eller skal selv her alle vil blev
kunne ind naar vaere dog noget ville jo deres efter ned skulle denne end dette mit ogsaa under
have dig anden hende mine meget sit sine vor mod disse hvis din nogle hos blive ad bliver
hendes vaeret thi jer saadan
mon egentlig gerne altsaa lige bare nok godt kan faa faar sige fortaelle vide spoerge venligst
spoerger spurgte spurgt spoerges tror troede synes
lidt vores jeres helt ret bedes angaaende vedroerende omkring nogen blevet haft gjort
mon
mvh vh kh hilsen hilsner venlig venlige bh
ingen
ha giv give kende hoere hoert fuldstaendig totalt overhovedet eventuelt
ifoelge pludselig ok okay alligevel par saa igen
givet fald hvert tilfaelde tvivl opstaar
praecis praecist siden
ting naevne naevner naevnt naevnte snakker snakket hoerer hele tiden
mente mener
nå nåh øh øhm hmm ehm ah aah ahh fordi fremover fremadrettet jamen apropos forresten tja ik ikk vel
sætning sætninger tre bekræfte bekræftelse bekræftet vedkommende
korrekt korrekte rigtig rigtigt rigtige forkert forkerte sandt passer stemmer ej henne dansk engelsk
medio midten
ca cirka omtrent circa nul senere
ser bort bortset medregnet medregne fraregnet andet
alene allerede ja nej oevrigt
almindeligt almindelig noeddeskal grove traek hvorvidt virkelig virkeligt
folkens
""".split()

_ENGLISH = """
i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she
her hers herself it its itself they them their theirs themselves this that these those am is
are was were be been being have has had having do does did doing a an the and but if or because
as until while of at by for with about against between into through during before after above
below to from down in on over under again further then once here there all any both
each few other some such nor only own same so than too very s t can will just don should now
please could would tell know like let also regarding concerning
best regards kind br
no not
need needs want wants give actually really basically completely totally
entirely anything something whether wondering people guys folks way
ok okay anyway everyone everybody
exactly precisely since
thing things stuff keep keeps kept mention mentions mentioning mentioned hear heard hearing talking
meant
well um uh erm oh ah aah ahh ohh hmm btw tho though yo lol haha hehe
sentence sentences nutshell briefly one two three confirm confirmation verify
correct true right accurate wrong
someone somebody anyone anybody everything plain english danish mid simple layman laymans
ask asks asked asking think thinks thought believe believed guess suppose
approximately approx roughly circa zero later somewhere anywhere
excluding except apart aside counting
alone already yes
""".split()


# A message of stop words only ("hvem er du?") keeps them all: then they are all it has.
def ascii_variants(word: str) -> set[str]:
    """A folded word and how it is typed without æøå at all: paa -> pa, noeget -> noget."""
    return {word, word.replace("aa", "a").replace("oe", "o").replace("ae", "a")}


STOPWORDS = {
    "da": frozenset(v for w in _DANISH for v in ascii_variants(fold(w))),
    "en": frozenset(_ENGLISH),
}
# Both languages' stop words: people mix them in one message.
ALL_STOPWORDS = frozenset().union(*STOPWORDS.values())


def content_words(words: list[str], ignored: frozenset[str]) -> list[str]:
    """The words that carry meaning; all of them when every word is to be ignored.

    A lone letter carries none, nor one letter typed over and over: a slip of the thumb ("x y
    hvor mange timer", "zz tlf zz"), a list marker ("a)") or a stop word anyway ("i", "a");
    unless it is all there is. ("aa" is "å", a word.)
    """
    kept = [w for w in words if w not in ignored]
    return [w for w in kept if _means_something(w)] or kept or words


def _means_something(word: str) -> bool:
    return word.isdigit() or len(set(word)) > 1 or word == "aa"
