"""Kinds of message that once failed, each fixed by a rule rather than a phrasing.

The sentences here are our own; each stands for a kind (mixed languages, a slip in a filler
word, an introduction before the question, time in general), not for a case to tune on.
"""

from __future__ import annotations

import pytest

from bot.assistant import Assistant
from bot.language import sure_language
from bot.matcher import Outcome
from bot.normalize import Period, normalize, signature_start
from bot.stopwords import content_words


def answered(assistant: Assistant, text: str) -> str | None:
    reply = assistant.reply(text)
    return reply.entry_id if reply.outcome is Outcome.ANSWERED else None


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("hvem stod behind klippekortet?", "who"),
        ("hvor mange hours er der left på kortet?", "remaining_hours"),
        ("what was the samlede pulje?", "pool_size"),
    ],
)
def test_a_message_mixing_danish_and_english_is_understood(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    assert answered(assistant, text) == entry_id


def test_one_word_with_a_danish_letter_does_not_make_an_english_message_danish(
    assistant: Assistant,
) -> None:
    # "ø" once counted as all the Danish a message needs, so only Danish phrasings were tried.
    assert sure_language("is the klippekort still kørende?") is None
    assert answered(assistant, "is the klippekort still kørende?") == "status"
    assert sure_language("hvor mange timer er der tilbage på kortet?") == "da"


def test_the_mixed_reading_keeps_each_words_own_language(assistant: Assistant) -> None:
    # Stemmed as Danish, English "time" would read as "timer" (hours).
    assert answered(assistant, "what time is it?") is None


def test_a_sentence_that_changes_language_is_read_in_its_parts(assistant: Assistant) -> None:
    # Neither language's phrasings meet "can someone explain hvad klippekortet egentlig er"
    # whole; its Danish part asks what the card is.
    for text, entry_id in (
        ("can someone explain hvad klippekortet egentlig er?", "what_is"),
        ("could somebody please tell me hvem man skal ringe til om klippekortet", "contact"),
    ):
        assert answered(assistant, text) == entry_id
    # The parts of a sentence that names nothing of the card stay unanswered.
    for text in (
        "can someone explain hvad KMD laver i dag",
        "tell me hvor mange timer der er i en uge",
        "please tell me hvem der ejer KMD nu",
    ):
        assert answered(assistant, text) is None


def test_a_sentence_is_cut_where_its_language_changes(assistant: Assistant) -> None:
    runs = assistant.matcher.language_runs
    assert runs(("can", "someone", "explain", "hvad", "klippekortet", "egentlig", "er")) == (
        ("can", "someone", "explain"),
        ("hvad", "klippekortet", "egentlig", "er"),
    )
    # A word or two of the other language is part of the sentence, not a part of its own.
    words = ("hvor", "mange", "hours", "er", "der", "left")
    assert runs(words) == (words,)


def test_only_a_message_that_mixes_is_read_in_both_languages(assistant: Assistant) -> None:
    # English phrasings ("who paid for the clip card") must not answer a Danish message.
    assert answered(assistant, "koster det noget?") == "interface_costs"
    assert assistant.matcher.mixes([("hvem", "stod", "behind", "klippekortet")])
    assert not assistant.matcher.mixes([("koster", "det", "noget")])


def test_a_slip_in_a_filler_word_does_not_sink_the_question(assistant: Assistant) -> None:
    assert answered(assistant, "who shuold I call") == "contact"


def test_one_letter_typed_over_and_over_is_noise() -> None:
    words = list(normalize("zz tlf nummer zzz").words)
    assert content_words(words, frozenset()) == ["telefon", "nummer"]
    assert content_words(["aa"], frozenset()) == ["aa"]  # å is a word


def test_an_introduction_and_a_signature_do_not_choose_the_topic(assistant: Assistant) -> None:
    text = (
        "Hej. Vi er leverandør af et journalsystem til tre kommuner. "
        "Hvem kan jeg ringe til om Klippekortet? Mvh Jens, projektleder"
    )
    reply = assistant.reply(text)
    assert (reply.outcome, reply.entry_id, reply.also) == (Outcome.ANSWERED, "contact", ())


def test_the_year_of_a_message_belongs_to_its_question(assistant: Assistant) -> None:
    text = "hej, jeg skal bruge tallet for 2015 til en rapport. hvor mange timer gik der?"
    reply = assistant.reply(text)
    assert reply.entry_id == "usage"
    assert "16.060" in reply.text


@pytest.mark.parametrize(
    "text",
    ["Hvor mange timer er der i et år?", "hvor mange timer er der pa et ar", "hours in a day?"],
)
def test_time_in_general_is_not_a_question_about_the_card(assistant: Assistant, text: str) -> None:
    assert answered(assistant, text) is None


def test_a_year_alone_does_not_make_an_entry_without_years(assistant: Assistant) -> None:
    assert answered(assistant, "Hvad skete der i 2013?") is None
    assert answered(assistant, "Er Klippekortet lukket i 2016?") == "status"


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("var det kun snitflader eller også andre opgaver de lavede for timerne", "purpose"),
        ("Apart from the interface itself, could there be charges for testing?", "interface_costs"),
    ],
)
def test_other_tasks_of_the_card_itself_are_its_own_matter(
    assistant: Assistant, text: str, entry: str
) -> None:
    # "andre opgaver", "apart from" say what else the card did or costs, not other matters.
    assert answered(assistant, text) == entry


@pytest.mark.parametrize(
    "text",
    [
        "Hvad laver KOMBIT ellers?",
        "Hvad laver KOMBIT i øvrigt?",
        "what else does KMD do?",
        "other projects at KOMBIT?",
    ],
)
def test_other_matters_of_the_organisations_are_not_answered(
    assistant: Assistant, text: str
) -> None:
    assert answered(assistant, text) is None


def test_a_sign_off_is_no_topic(assistant: Assistant) -> None:
    # "Best" one slip from "rest" (remaining) once answered a question about interfaces.
    text = "Hello, which data do the interfaces give suppliers access to? Best, Ann"
    assert answered(assistant, text) == "interface_access"


def test_a_long_message_that_mixes_languages_is_read_piece_by_piece(assistant: Assistant) -> None:
    assert answered(assistant, "Hej, how big var puljen i klippekortet? mvh Dennis") == "pool_size"


def test_a_signature_says_who_asks_not_what(assistant: Assistant) -> None:
    text = (
        "Hej. Er der et abonnement på snitfladerne fra Klippekortet? "
        "Mvh Karen Holm, projektleder, KOMBIT"
    )
    assert answered(assistant, text) == "interface_costs"


def test_names_and_a_title_after_the_question_are_a_signature_without_a_sign_off(
    assistant: Assistant,
) -> None:
    text = "Hvad koster snitfladerne? /Mette, projektleder"
    question = normalize(text, pieces=True)
    known = assistant.matcher.all_words
    assert signature_start(question.pieces, question.asking, known) == 1
    # "projektleder" alone would ask for the contact.
    assert answered(assistant, text) == "interface_costs"
    # What follows a question and names a topic is no signature: "Forbrug 2013".
    question = normalize("Kan du hjælpe? Forbrug 2013", pieces=True)
    assert signature_start(question.pieces, question.asking, known) == 2


def test_thanks_before_the_question_is_no_signature(assistant: Assistant) -> None:
    text = "Hej, tak for hjælpen i går. Hvor mange timer er der tilbage på klippekortet?"
    assert answered(assistant, text) == "remaining_hours"


def test_in_charge_is_not_a_charge(assistant: Assistant) -> None:
    assert answered(assistant, "or is it free?") == "interface_costs"
    assert assistant.reply("Who was in charge of the clip card?").entry_id != "interface_costs"


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        (
            "Hej der. Vi leverer et system til skoler. Er der faste omkostninger ved snitfladerne?",
            "interface_costs",
        ),
        (
            "Hello, I am new to this market. "
            "Can you explain what the Klippekort is in a few sentences?",
            "what_is",
        ),
    ],
)
def test_a_word_of_the_situation_does_not_sink_a_sentence_that_asks(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    assert answered(assistant, text) == entry_id


def test_hours_of_another_agreement_are_not_the_cards(assistant: Assistant) -> None:
    text = "Hej. Vores serviceaftale med KMD har 150 timer om året. Hvor mange er der tilbage?"
    assert answered(assistant, text) is None
    assert "~other_agreement" in assistant.matcher.foreign_concepts
    assert "~remaining" not in assistant.matcher.foreign_concepts
    # Nor when the message asks two of the card's questions about them.
    two = (
        "Hej. Vi har en serviceaftale med KMD på 200 timer om året. "
        "Hvor mange timer har vi brugt i år, og hvor mange er der tilbage?"
    )
    assert answered(assistant, two) is None


def test_a_word_no_phrasing_has_meets_its_stem_in_either_language(
    assistant: Assistant,
) -> None:
    # "transitionsaftale" is in no phrasing ("transitionsaftalen" is), in an English message.
    assert answered(assistant, "what's the transitionsaftale med KMD?") == "transition_agreement"


def test_one_sentence_joining_two_questions_asks_both(assistant: Assistant) -> None:
    reply = assistant.reply("Hello, what is the Klippekort and is it still running?")
    assert (reply.entry_id, reply.also) == ("what_is", ("status",))
    years = normalize("hvor mange timer blev brugt i 2013 og 2014", pieces=True)
    assert len(years.pieces) == 1  # "og 2014" asks nothing of its own


@pytest.mark.parametrize(
    "text",
    [
        "Hej, jeg kan ikke logge ind i vores system. Hvem kan hjælpe mig?",
        "I forgot my password for the KOMBIT portal, can you reset it?",
    ],
)
def test_help_with_a_system_is_not_the_cards_matter(assistant: Assistant, text: str) -> None:
    assert answered(assistant, text) is None


def test_a_negation_is_filler(assistant: Assistant) -> None:
    assert answered(assistant, "so no hours left then?") == "remaining_hours"
    assert answered(assistant, "er der ingen timer tilbage?") == "remaining_hours"


def test_a_question_that_only_points_back_is_read_with_the_sentence_before(
    assistant: Assistant,
) -> None:
    # "Hvem er det" alone is a question about a person; with the sentence before, it asks
    # whom to contact about the card.
    text = (
        "Vi er leverandør og har brug for at snakke med den ansvarlige for klippekortet. "
        "Hvem er det, og hvordan får jeg fat i vedkommende?"
    )
    assert answered(assistant, text) == "contact"
    # The pointing piece is also read alone: "hvad er det egentlig?" asks what it is.
    assert answered(assistant, "Jeg hører tit om klippekortet. Hvad er det egentlig?") == "what_is"


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("er puljen brugt op elr hva", "remaining_hours"),
        ("tak skal du ha", "thanks"),
        ("kan du give mig forbruget pr aar", "usage"),
        ("can u give me a phone no for the klippekort ppl", "contact"),
        ("is the klippekort pool completely used up?", "remaining_hours"),
        ("hvem ska jeg snakke med om klippekortet", "contact"),
        ("what did the hours go towards", "purpose"),
        ("ok, and what was the klippekort part of", "transition_agreement"),
        ("og findes det stadig i dag", "status"),
    ],
)
def test_chat_shorthand_and_requests_are_filler(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    # "elr", "hva", "ha", "ppl" are chat spellings; "give me", "completely" ask no topic.
    assert answered(assistant, text) == entry_id


def test_a_slip_in_the_phrasings_is_read_as_the_word_it_slips_from(
    assistant: Assistant,
) -> None:
    # Phrasings written as users type keep their slips ("timr"); such a rare spelling one
    # letter short of a common word is that word, so a question with the slip is mended too.
    canonical = assistant.matcher.canonical["da"]
    assert canonical.get("timr") == "timer"
    assert "lavest" not in canonical  # a letter more makes another word, not a slip
    assert answered(assistant, "hvor mange timr er der tilbge") == "remaining_hours"
    assert answered(assistant, "hvornar blev klipekortet afsluttet") == "status"


@pytest.mark.parametrize(
    "text",
    [
        "Hvem ejer KMD i dag?",
        "who bought KMD in the end?",
        "hvad er nummeret til KMD's helpdesk",
        "can you give me a python code sample for the interface?",
        "vi har en hostingaftale på 200 timer, hvor mange er brugt?",
        # The source names the base module, never says what is in it.
        "hvad er et basismodul helt præcist og hvad indeholder det",
        "what does the base module include",
    ],
)
def test_kmd_itself_its_help_desk_and_programming_are_not_the_cards_matter(
    assistant: Assistant, text: str
) -> None:
    # Each shares words with a topic (KMD, a phone number, an interface, hours) but asks about
    # something the source does not cover; it is never answered outright.
    assert answered(assistant, text) is None


def test_sentences_that_each_speak_of_a_topic_add_up(assistant: Assistant) -> None:
    # No sentence asks about the hours left clearly enough alone; together they do.
    text = (
        "Hej. Vi er et lille softwarehus. En kollega siger, at der stadig ligger ubrugte timer "
        "på klippekortet, som vi kan trække på. Passer det? Mvh Ole"
    )
    assert answered(assistant, text) == "remaining_hours"


def test_a_sentence_of_everyday_words_asks_no_topic_of_its_own(assistant: Assistant) -> None:
    # "skal bruge nogle oplysninger" says what the writer needs, not which.
    assert assistant.matcher.everyday_only(("skal", "bruge", "nogle", "oplysninger"), "da")
    assert not assistant.matcher.everyday_only(("findes", "det", "stadig"), "da")
    text = (
        "Hej. Jeg sidder hos KL og skal bruge nogle tal til et notat. Hvor mange timer blev "
        "der brugt på klippekortet i 2014? Hilsen Anne"
    )
    reply = assistant.reply(text)
    assert (reply.entry_id, reply.also) == ("usage", ())
    assert "16.880" in reply.text


def test_time_in_general_told_beside_the_question_does_not_make_it_another_matter(
    assistant: Assistant,
) -> None:
    # "min kollega er på ferie" tells why someone asks; the question is the card's contact.
    text = (
        "hej er der et tlf nr jeg kan ringe paa ang klippekortet? har prøvet at finde det men "
        "kan ikke, og min kollega er på ferie"
    )
    assert answered(assistant, text) == "contact"
    # Asked, the holiday is the matter: not the card's hours.
    asked = assistant.reply("Hvor mange timer ferie har jeg tilbage? Jeg arbejder hos KL.")
    assert asked.outcome is not Outcome.ANSWERED


@pytest.mark.parametrize(
    "text",
    [
        "who should I call about interface invoices",
        "hvem kan jeg spørge om fordelingen på de enkelte år",
        "is there someone I can talk to about the final report",
        "hvem kan jeg kontakte angående prisen på snitfladerne",
        "who do I call if I have questions about the interface fees",
    ],
)
def test_a_question_for_a_contact_about_a_topic_asks_the_contact(
    assistant: Assistant, text: str
) -> None:
    assert answered(assistant, text) == "contact"


def test_a_contact_only_named_or_about_another_matter_is_not_asked(assistant: Assistant) -> None:
    # "projektleder" tells who asks; the question is whether the interfaces cost anything.
    told = assistant.reply("Vores projektleder spørger om snitfladerne koster noget")
    assert told.entry_id != "contact"
    other = assistant.reply("who do I call about my bus klippekort")
    assert other.outcome is not Outcome.ANSWERED


def test_thanks_with_what_was_needed_told_before_it_is_thanks(assistant: Assistant) -> None:
    text = (
        "ok det var lige det jeg manglede, cheers! vi har deadline i morgen så det kom på det "
        "helt rigtige tidspunkt."
    )
    assert answered(assistant, text) == "thanks"
    # After the thanks, a question is still asked: "ok. men kan KMD så fakturere os for noget".
    assert answered(assistant, "ok. men kan KMD så fakturere os for noget") == "interface_costs"


def test_a_complaint_that_names_a_topic_is_not_answered_with_it(assistant: Assistant) -> None:
    text = (
        "Jeg er simpelthen så træt af at skulle ringe rundt i hele systemet for at få svar på "
        "noget så simpelt. Tre afdelinger og ingen ved noget. Nå, det var bare lige det."
    )
    assert assistant.reply(text).outcome is not Outcome.ANSWERED
    # A long thanks that says a thanks phrasing inside it is still thanks.
    thanks = "Tusind tak for svaret i går, det hjalp os meget i forhandlingerne med kommunen."
    assert answered(assistant, thanks) == "thanks"


@pytest.mark.parametrize(
    "text",
    [
        "På vores kontor har vi et klippekort til kopimaskinen, og det er løbet tør. Hvem "
        "bestiller et nyt?",
        "Er der planer om et nyt klippekort med KMD fremover?",
        "Vores Outlook crasher hver gang vi åbner KMD-systemerne. Hvad gør vi?",
        "hvor mange kommuner er der egentlig i Danmark i alt?",
        "hvordan ser jeg min lønseddel i KMD med MitID",
        "hvad kostede det at købe kmd",
        "how many interfaces were developed",
        "hvor mange snitflader blev lavet",
        "hvor mange timer tog det at udvikle den enkelte snitflade til sygedagpenge?",
        "hvilket dataformat bruger snitfladerne fra KMD, XML eller JSON?",
        "jeg har mistet mit adgangskort til KOMBIT. Hvem kontakter jeg?",
        # Ending another contract is that contract's matter.
        "Vi vil opsige vores kontrakt med KMD. Skal vi betale for at komme ud?",
        "what is the notice period on our KMD contract",
        # Hours until a holiday are time in general.
        "hvor mange timer er der til jul",
        "how many hours until christmas",
    ],
)
def test_near_topic_matters_named_in_long_messages_are_not_the_cards(
    assistant: Assistant, text: str
) -> None:
    assert assistant.reply(text).outcome is not Outcome.ANSWERED


def test_a_clause_that_only_says_when_is_no_topic_of_the_message(assistant: Assistant) -> None:
    text = (
        "Hej, jeg har fået til opgave at finde den rapport, der blev lavet, da Klippekortet "
        "sluttede. Hvad står der i den, og hvor ligger den? Tak, Lene, KL"
    )
    assert answered(assistant, text) == "final_report"
    # Asked, the time is the question: "hvornår sluttede klippekortet?".
    assert answered(assistant, "Vi skriver en rapport. Hvornår sluttede klippekortet?") == "status"


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("who benefits", "purpose"),
        ("har kommunerne faaet noget ud af klippekortet", "purpose"),
        ("who had the 100k hours", "who"),
        ("hvem fik de 100.000 timer", "who"),
    ],
)
def test_the_benefit_and_the_pool_named_by_its_figure(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    assert answered(assistant, text) == entry_id


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("ok så ringer jeg bare til det nummer", "reaction"),
        ("perfekt, så ringer jeg til projektchefen i morgen", "thanks"),
        ("fint, så læser jeg afslutningsrapporten", "thanks"),
        ("ok jeg sender det til min leder", "reaction"),
        ("you're useless lol", "complaint"),
        ("du er ubrugelig", "complaint"),
        ("godt svar", "thanks"),
    ],
)
def test_what_a_user_will_do_is_told_not_asked(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    assert answered(assistant, text) == entry_id


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("ok, vi har stadig 5000 timer tilbage på klippekortet", "remaining_hours"),
        ("tak, jeg kan ikke finde nummeret til projektchefen", "contact"),
        ("ok vi kan ikke finde afslutningsrapporten", "final_report"),
    ],
)
def test_a_claim_or_a_problem_told_after_ok_gets_the_answer(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    assert answered(assistant, text) == entry_id


def test_a_need_told_after_ok_is_still_a_request(assistant: Assistant) -> None:
    assert answered(assistant, "ok vi skal bruge forbruget for 2014") == "usage"
    # "i" is as often Danish "in": this asks about a bus card, not the card's hours.
    reply = assistant.reply("ok men seriøst kan man stadig faa et klippekort til bussen i kbh")
    assert reply.outcome is not Outcome.ANSWERED


@pytest.mark.parametrize("text", ["so nothing left?", "er der ingenting tilbage", "intet tilbage?"])
def test_nothing_left_asks_what_is_left(assistant: Assistant, text: str) -> None:
    assert answered(assistant, text) == "remaining_hours"


def test_a_year_told_as_a_reason_does_not_make_a_status_question_about_its_use(
    assistant: Assistant,
) -> None:
    # "fordi ..." tells why someone asks.
    text = (
        "jeg vil høre hvad status er på klippekortet i dag fordi jeg så en gammel præsentation "
        "fra 2014 hvor der stod at der stadig var timer tilbage"
    )
    assert answered(assistant, text) == "status"


@pytest.mark.parametrize(
    ("text", "topics"),
    [
        # Everyday words, but clearly a second question.
        (
            "hvad er klippekortet, og er det stadig noget vi kan bruge?",
            ("what_is", "remaining_hours"),
        ),
        # "hvad skulle de bruges til" is also what the bot can be used for (help): a sentence is
        # never chit-chat.
        (
            "Hvor mange timers bistand indeholdt klippekortet, og hvad skulle de bruges til?",
            ("pool_size", "purpose"),
        ),
    ],
)
def test_a_second_question_in_everyday_words_is_answered_too(
    assistant: Assistant, text: str, topics: tuple[str, ...]
) -> None:
    reply = assistant.reply(text)
    assert (reply.entry_id, *reply.also) == topics


def test_anyone_else_asks_who_not_about_other_matters(assistant: Assistant) -> None:
    text = "Which parties were behind this scheme – KL, KOMBIT, KMD, anyone else?"
    assert answered(assistant, text) == "who"
    # "what else", "anything else" still ask about other matters than the card.
    for other in ("what else does KOMBIT do", "does KL do anything else"):
        assert assistant.reply(other).outcome is not Outcome.ANSWERED


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        # The card's own questions, with words near those of matters it is not about.
        ("Skal vi betale for snitfladerne fremover?", "interface_costs"),
        ("hvor mange kommuner kan bruge snitfladerne?", "interface_access"),
        ("kan vores teams bruge snitfladerne gratis?", "interface_costs"),
        ("are they charging for the interfaces?", "interface_costs"),
        ("who should I be phoning about the klippekort?", "contact"),
        ("when was the klippekort closing?", "status"),
    ],
)
def test_near_words_of_other_matters_do_not_block_the_cards_questions(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    assert answered(assistant, text) == entry_id


@pytest.mark.parametrize(
    "text",
    [
        "I work full time. How many hours do I have left?",
        "Vi har 37 timer om ugen. Hvor mange timer er der tilbage?",
    ],
)
def test_time_in_general_told_beside_the_question_is_still_the_matter(
    assistant: Assistant, text: str
) -> None:
    assert assistant.reply(text).outcome is not Outcome.ANSWERED


def test_a_message_that_asks_in_no_sentence_is_asked_in_all(assistant: Assistant) -> None:
    # Neither sentence is a question, yet the message wants both figures.
    text = "Hej, vi skal bruge forbruget for 2014 og vide, om der er nogen timer tilbage nu."
    reply = assistant.reply(text)
    assert reply.outcome is Outcome.ANSWERED
    assert {reply.entry_id, *reply.also} == {"usage", "remaining_hours"}


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("hi, hvad kan du?", "help"),
        ("hej bot, what can you do?", "help"),
        ("Hej", "greeting"),
        ("Godmorgen KOMBIT", "greeting"),  # a greeting whole: nothing but a name follows
        ("Hej med dig", "greeting"),
        ("hej hvor mange timer er der tilbage", "remaining_hours"),
    ],
)
def test_a_greeting_before_the_question_asks_nothing(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    assert answered(assistant, text) == entry_id


def test_a_question_of_question_words_alone_is_read_whole(assistant: Assistant) -> None:
    # "what can you do?" and "what was it for?" are both a bare "what" once stop words go.
    assert answered(assistant, "what can you do?") == "help"
    assert answered(assistant, "what was it for?") == "purpose"


def test_a_slip_is_mended_to_a_word_of_the_messages_own_language(assistant: Assistant) -> None:
    # "bid" (Danish: a bite) is not the English concept word "big", nor "tog" (took) "tom".
    index = assistant.matcher.index_of["da"]
    assert assistant.matcher.correct(index, ["bid", "tog"]) == ["bid", "tog"]
    assert assistant.matcher.correct(index, ["timr"]) == ["timer"]


def test_the_cards_name_is_split_off_a_compound(assistant: Assistant) -> None:
    matcher = assistant.matcher
    index = matcher.index_of["da"]
    assert matcher.correct(index, ["klippekortordningen"]) == ["klippekort", "ordningen"]
    assert matcher.correct(index, ["kommunernes"]) == ["kommunernes"]  # an ending, no word
    assert answered(assistant, "Er klippekortordningen lukket ned?") == "status"
    # Two slips in the name are the name, not two words ("klip" and "kortet").
    assert matcher.correct(index, ["klipkortet"]) == ["klippekortet"]
    assert matcher.correct(index, ["udviklingsopgaver"]) == ["udvikling", "opgaver"]


def test_a_filler_word_inside_an_expression_keeps_it_one(assistant: Assistant) -> None:
    fold = assistant.matcher.concepts.fold
    assert fold(["brugt", "helt", "op"]) == ["~remaining"]
    assert fold(["get", "a", "hold", "of"]) == ["~contact"]
    assert fold(["brugt", "til", "at", "op"]) != ["~remaining"]  # one filler, not two
    assert answered(assistant, "Er klippekortet brugt helt op?") == "remaining_hours"
    assert answered(assistant, "Hvem ejer egentlig KMD i dag?") is None


def test_a_long_sentence_that_contains_a_phrasing_is_answered(assistant: Assistant) -> None:
    # Everything else the sentence says lowers its fuzzy score; the phrasing is still in it.
    text = (
        "Goddag. Vi er et nyt firma og prøver at forstå markedet. Har vi som ekstern part "
        "lov til at bruge de data og den funktionalitet, der ligger i snitfladerne?"
    )
    assert answered(assistant, text) == "interface_access"
    asking = next(p for p in normalize(text, pieces=True).pieces if p[0] == "har")
    first, *others = assistant.matcher.contained(asking, "da")
    assert first.entry_id == "interface_access"
    assert first.score - max((s.score for s in others), default=0.0) >= 30


def test_a_second_question_that_contains_a_phrasing_is_answered_too(
    assistant: Assistant,
) -> None:
    text = (
        "Er der timer tilbage på klippekortet, og har vi som ekstern part lov til at bruge "
        "de data der ligger i snitfladerne?"
    )
    reply = assistant.reply(text)
    assert (reply.entry_id, reply.also) == ("remaining_hours", ("interface_access",))


def test_a_danish_question_may_start_with_any_verb(assistant: Assistant) -> None:
    text = "Kører klippekortet stadig, og hvad står der i afslutningsrapporten om projekterne?"
    assert normalize(text, pieces=True).asking == (True, True)
    reply = assistant.reply(text)
    assert (reply.entry_id, reply.also) == ("status", ("final_report",))


def test_a_pointing_question_asks_about_what_it_points_at(assistant: Assistant) -> None:
    assert answered(assistant, "transitionsaftalen med KMD – what is it?") == (
        "transition_agreement"
    )
    # Pointing at nothing the bot knows, it still asks what something is.
    text = "nogen nævner klippekortet hele tiden, hvad er det? og hvem kunne bruge det?"
    reply = assistant.reply(text)
    assert (reply.entry_id, reply.also) == ("what_is", ("who",))


def test_a_year_added_to_a_sentence_is_not_a_word_it_contains(assistant: Assistant) -> None:
    # The message's year is read with each sentence; "hours" and that year are not a phrasing.
    text = "My daughter was born in 2015. How many hours of sleep does a baby need?"
    assert answered(assistant, text) is None


def test_the_years_of_a_message_go_to_the_topic_that_takes_years(assistant: Assistant) -> None:
    reply = assistant.reply("Hvor mange timer blev brugt i 2014, og hvor mange er der tilbage?")
    assert (reply.entry_id, reply.also) == ("usage", ("remaining_hours",))
    assert "16.880" in reply.text
    assert "Kilden opgør ikke" not in reply.text  # no balance asked of 2014


@pytest.mark.parametrize("text", ["Hvad er KMD?", "who is KOMBIT?", "hvem er KL og KOMBIT"])
def test_a_message_naming_only_an_organisation_is_not_about_the_card(
    assistant: Assistant, text: str
) -> None:
    # The source does not describe KMD, KL or KOMBIT; the card's own description is no answer.
    assert answered(assistant, text) is None
    assert answered(assistant, "Hvad er klippekortet?") == "what_is"
    assert answered(assistant, "Hvad er KMD's rolle?") == "who"


def test_one_shared_word_is_not_containment(assistant: Assistant) -> None:
    # "timer" alone is in many phrasings; question words and "mange" contain nothing.
    assert assistant.matcher.contained(("hvor", "mange", "timer"), "da") == []
    text = "Hej. Vi har travlt. Hvor mange timer er der i en arbejdsuge hos jer?"
    assert answered(assistant, text) is None


@pytest.mark.parametrize(
    "text",
    [
        "tak, det hjalp med 2014 tallet",
        "thanks, that helped with the 2014 figure",
        "tak for tallene for 2014",
        "mange tak for kontaktoplysningerne til projektchefen",
        "thanks for the 2014 usage figure",
    ],
)
def test_thanks_that_mention_a_topic_get_no_fact(assistant: Assistant, text: str) -> None:
    reply = assistant.reply(text)
    assert reply.outcome is Outcome.ANSWERED
    assert assistant.knowledge.entries[reply.entry_id].chitchat


@pytest.mark.parametrize(
    ("text", "entry"),
    [
        ("tak. forbruget i 2015", "usage"),
        ("thanks. and the contact number", "contact"),
        ("tak for svaret, men hvad med 2015?", "usage"),
        ("tak for det. forbruget i 2015", "usage"),
        ("thanks for the info. phone number please", "contact"),
        # Other chit-chat before "for" thanks for nothing: a greeting, the word "test".
        ("test for konvertering koster det ekstra", "interface_costs"),
        ("hej for 2015 timer", "usage"),
    ],
)
def test_thanks_before_a_request_still_get_the_answer(
    assistant: Assistant, text: str, entry: str
) -> None:
    assert assistant.reply(text).entry_id == entry


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        # "korrekt" was mended to "kortet" (two slips), a topic word of its own.
        ("Er det korrekt at klippekortet blev afsluttet i juni 2016?", "status"),
        ("I have 18,000 hours written down for 2013 in my notes, is that right?", "usage"),
        ("is it true that the card has closed?", "status"),
        ("is klippekortet afsluttet eller ej", "status"),
        ("Was everything wrapped up by mid-2016?", "status"),
        ("hvor er afslutningsrapporten henne?", "final_report"),
    ],
)
def test_asking_whether_something_is_right_says_nothing_of_the_topic(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    assert answered(assistant, text) == entry_id


def test_a_month_is_read_as_a_date_of_any_topic(assistant: Assistant) -> None:
    # One concept for all twelve months: a date in a question about the end, or about use.
    assert answered(assistant, "lukkede klippekortet i maj 2016?") == "status"
    assert answered(assistant, "hvor mange timer blev brugt i oktober 2014") == "usage"
    reply = assistant.reply("hvor mange timer blev brugt i oktober 2014")
    assert "16.880" in reply.text
    assert "pr. år" in reply.text
    # A month alone names no topic of the card.
    assert answered(assistant, "hvad sker der i juni") is None


def test_who_is_asked_and_in_which_language_say_nothing_of_the_topic(assistant: Assistant) -> None:
    # "someone" and "english" weighed as words of their own and sank "what the card is".
    text = "could someone explain in plain English what the Klippekortet is?"
    assert answered(assistant, text) == "what_is"
    assert answered(assistant, "kan nogen forklare på dansk hvad klippekortet er") == "what_is"
    # A work year is time in general, whatever its country.
    assert answered(assistant, "How many working hours are there in a Danish work year?") is None


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("tilbage til klippekortet, hvor mange timer havde de", "pool_size"),
        ("ok tilbage til kmd-klippekortet, hvad var formålet med det", "purpose"),
        ("back to the clip card: how many hours were in it?", "pool_size"),
        # Inside the question, "tilbage" is the balance.
        ("hvor mange timer er der tilbage til klippekortet", "remaining_hours"),
    ],
)
def test_going_back_to_the_card_is_not_a_balance(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    assert answered(assistant, text) == entry_id


@pytest.mark.parametrize(
    "text",
    [
        "haha det klippekort har jeg hørt meget om",
        "godt at vide at der ikke er flere timer",
        "nice, I'll tell my boss about the report",
        "jeg har ikke flere spørgsmål om klippekortet",
        # After what it reacts to, as a sentence of its own.
        "så der er 0 timer tilbage, ærgerligt",
        "16.060 timer i 2015, okay",
        "hmm 16.880 i 2014, det lyder rigtigt",
    ],
)
def test_a_reaction_that_asks_nothing_gets_no_fact(assistant: Assistant, text: str) -> None:
    reply = assistant.reply(text)
    assert reply.entry_id == "reaction"


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("haha ok, hvem kan jeg ringe til om klippekortet", "contact"),
        ("lol ok. what is the KMD klippekort then", "what_is"),
        ("nice, which was the biggest year", "busiest_year"),
    ],
)
def test_a_reaction_before_a_question_still_asks(
    assistant: Assistant, text: str, entry_id: str
) -> None:
    assert answered(assistant, text) == entry_id


def test_testing_the_bot_or_asking_if_it_is_there_is_a_greeting(assistant: Assistant) -> None:
    # "test" was the interfaces' test costs, "still" the card still running.
    for text in ("test", "are you still there?"):
        assert assistant.reply(text).entry_id == "greeting"


def test_a_word_one_letter_from_a_filler_word_is_not_that_filler(assistant: Assistant) -> None:
    # "brevet" (the letter) was mended to "blevet", a stop word, and "hvem fik brevet" became
    # "hvem fik" (who got the hours). A slip that swaps, drops or keeps the first two letters
    # is still mended ("who shuold I call").
    assert answered(assistant, "hvem fik brevet") is None
    assert answered(assistant, "hvem modtog brevet") is None
    assert answered(assistant, "who shuold I call") == "contact"


@pytest.mark.parametrize(
    "text",
    [
        "fedt, fortæl om snitfladerne",
        "cool tell me about the interfaces",
        "nice. send me the figures",
    ],
)
def test_a_reaction_before_a_request_is_no_reaction(assistant: Assistant, text: str) -> None:
    assert assistant.reply(text).entry_id not in ("reaction", "thanks")


def test_a_message_that_says_it_is_not_about_the_card_gets_no_fact(assistant: Assistant) -> None:
    text = "Jeg skal summere timer per medarbejder for our KMD project, not klippekortet. Formel?"
    assert answered(assistant, text) is None
    # Negation elsewhere is the question's own.
    assert answered(assistant, "er der ikke flere timer på klippekortet") == "remaining_hours"


def test_the_cards_name_is_no_danish_word(assistant: Assistant) -> None:
    # English messages use the name as it is.
    assert assistant.reply("was klippekortet closed in 2016").language == "en"
    assert assistant.reply("hvad er klippekortet").language == "da"


def test_two_digits_with_the_word_for_use_are_years(assistant: Assistant) -> None:
    reply = assistant.reply("timeforbrug 14 and 15 pls")
    assert reply.entry_id == "usage"
    assert reply.periods == (Period(2014, 2014), Period(2015, 2015))
    # Without it, or outside the table's years, a number stays a number.
    assert assistant.reply("hvem er de 14 kommuner").periods == ()
    assert assistant.reply("forbrug 30").periods == ()


@pytest.mark.parametrize(
    ("text", "entry_id"),
    [
        ("forkert", "complaint"),
        ("jeg forstår ikke", "complaint"),
        ("wrong answer", "complaint"),
        ("ja", "reaction"),
        ("nope", "reaction"),
        ("det giver mening", "reaction"),
        ("det var ikke særlig hjælpsomt", "complaint"),
        ("farvel", "goodbye"),
        ("god weekend", "goodbye"),
        ("have a nice day", "goodbye"),
        ("det var et elendigt svar", "complaint"),
        ("sorry, thanks anyway", "apology"),
        ("undskyld", "apology"),
        ("goodbye and thanks", "goodbye"),
        # Small talk gets what the bot can do.
        ("tell me a joke", "help"),
        ("hvordan har du det?", "help"),
        # Thanks and a goodbye: the thanks first.
        ("thanks, bye", "thanks"),
        ("Tusind tak for svaret i går, det hjalp os meget. God weekend.", "thanks"),
    ],
)
def test_a_complaint_or_a_yes_gets_no_fact(assistant: Assistant, text: str, entry_id: str) -> None:
    assert assistant.reply(text).entry_id == entry_id


def test_wrong_in_a_question_is_no_complaint(assistant: Assistant) -> None:
    assert answered(assistant, "forkert tal for 2014?") == "usage"


@pytest.mark.parametrize(
    ("text", "entry", "figure"),
    [
        ("hvor mange timer brugte KL i 2013?", "usage", "17.011"),
        ("how many hours did KOMBIT use in 2014?", "usage", "16,880"),
        ("hvor mange timer fik KOMBITs folk i alt", "pool_size", "100.000"),
        # Both named, asking how the hours were split; a figure after the name is no time.
        ("hvor mange timer fik KL, og hvor mange fik KOMBIT?", "pool_size", "100.000"),
        ("hvordan blev timerne fordelt mellem KL og KOMBIT?", "usage", "16.880"),
        ("how many hours did KL use in 2014 versus KOMBIT?", "usage", "16,880"),
        ("fik KL 100.000 timer?", "pool_size", "100.000"),
        # With another topic asked in the same message.
        ("Hvor mange timer brugte KOMBIT i 2015? Og hvem kan jeg kontakte?", "usage", "16.060"),
    ],
)
def test_hours_asked_of_one_holder_say_the_source_does_not_split_them(
    assistant: Assistant, text: str, entry: str, figure: str
) -> None:
    # The figures are the whole card's: said plainly, they would read as that organisation's.
    reply = assistant.reply(text)
    assert reply.entry_id == entry
    assert figure in reply.text
    first_line = reply.text.splitlines()[0]
    assert "KL" in first_line
    assert "KOMBIT" in first_line
    assert figure not in first_line


@pytest.mark.parametrize(
    "text",
    [
        "hvor mange timer brugte KL og KOMBIT i 2015",
        # KL is who asks, in a sentence that tells.
        "Vi er fra KL. Hvor mange timer blev brugt i 2015?",
    ],
)
def test_hours_asked_of_the_card_need_no_such_note(assistant: Assistant, text: str) -> None:
    assert assistant.reply(text).text.splitlines()[0].startswith("I 2015")


@pytest.mark.parametrize(
    "text",
    [
        "did klippekortet end in 2016?",
        "jeg tror klippekortet lukkede i 2016?",
        "when did it end",
        # "later" and "senere" say nothing of the matter.
        "did it end in 2016 or later?",
        "lukkede det i 2016 eller senere?",
    ],
)
def test_whether_the_card_ended_is_its_status_even_with_the_year(
    assistant: Assistant, text: str
) -> None:
    # English "end" is also Danish "end" (than), a stop word: the expressions carry it. "I
    # think" and "jeg tror" say nothing ("think" was mended to "thank").
    assert answered(assistant, text) == "status"


@pytest.mark.parametrize(
    "text",
    ["when did the klippekort start", "hvornår startede klippekortet", "hvor længe kørte det"],
)
def test_a_start_date_is_said_not_to_be_in_the_source(assistant: Assistant, text: str) -> None:
    # Not the end ("Klippekortet has ended") for when it started: the source gives no start.
    reply = assistant.reply(text)
    assert reply.entry_id == "start"
    assert "2010" in reply.text


def test_a_start_that_is_the_pool_is_still_the_pool(assistant: Assistant) -> None:
    assert answered(assistant, "hvor mange timer var der til at starte med") == "pool_size"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("min kollega siger der stadig er 2000 timer tilbage, passer det?", "remaining_hours"),
        ("my boss says the card closed in 2017, is that right?", "status"),
        ("our manager thinks we have about 3000 hours left, correct?", "remaining_hours"),
        # "Hvem har ret?" asks whose claim is right: the claims are the topic, not who.
        (
            "En kollega mener at puljen var på 120.000 timer. Jeg mener det var 100.000. "
            "Hvem har ret?",
            "pool_size",
        ),
    ],
)
def test_a_claim_checked_is_about_its_topic_not_whose_it_is(
    assistant: Assistant, text: str, expected: str
) -> None:
    # Who said it and the year or figure they named are no topic: a year claimed is no
    # question about that year's use.
    assert answered(assistant, text) == expected


@pytest.mark.parametrize(
    "text", ["er klippekortet åbent endnu?", "is klippekortet open any longer?"]
)
def test_open_any_longer_asks_whether_it_still_runs(assistant: Assistant, text: str) -> None:
    assert answered(assistant, text) == "status"


@pytest.mark.parametrize("text", ["so there are zero hours left?", "så der er nul timer tilbage?"])
def test_zero_checked_asks_what_is_left(assistant: Assistant, text: str) -> None:
    # "zero" and "nul" are a figure quoted, no word of the topic.
    assert answered(assistant, text) == "remaining_hours"


@pytest.mark.parametrize(
    "text", ["hvem kan bekræfte det?", "who can confirm that?", "hvem ved mest om klippekortet"]
)
def test_who_can_confirm_or_knows_most_asks_the_contact(assistant: Assistant, text: str) -> None:
    # "bekræfte" and "confirm" are filler elsewhere, "mest" asks the busiest year elsewhere.
    assert answered(assistant, text) == "contact"


@pytest.mark.parametrize(
    "text",
    [
        "hvilket år var forbruget højest når man ser bort fra 2010-2012?",
        "which year had the most hours excluding 2010-2012?",
    ],
)
def test_a_period_set_aside_still_asks_the_busiest_year(assistant: Assistant, text: str) -> None:
    # "ser" and "bort" were mended to "sker" and "bot"; setting aside is no topic.
    assert answered(assistant, text) == "busiest_year"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Er der timer tilbage på klippekortet? Ellers må vi selv betale.", "remaining_hours"),
        ("hvem kan jeg ringe til om klippekortet, ellers skriver jeg bare til KL", "contact"),
        ("kører klippekortet i øvrigt stadig?", "status"),
        ("Hvem står i øvrigt for klippekortet?", "who"),
    ],
)
def test_otherwise_is_no_other_matter(assistant: Assistant, text: str, expected: str) -> None:
    # "ellers" is "otherwise" and "i øvrigt" "by the way" here; "hvad laver KOMBIT ellers?"
    # asks what else (see above).
    assert answered(assistant, text) == expected


def test_a_second_question_said_by_the_way_is_answered_too(assistant: Assistant) -> None:
    reply = assistant.reply(
        "Hvem kan jeg ringe til, og findes der i øvrigt en afslutningsrapport jeg kan læse først?"
    )
    assert (reply.entry_id, reply.also) == ("contact", ("final_report",))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("sluttede det ikke allerede i 2015?", "status"),
        ("klippekort slut 2016 ja/nej", "status"),
        ("hvad med 2012 alene?", "usage"),
    ],
)
def test_a_wrong_premise_in_few_words_gets_the_answer_that_corrects_it(
    assistant: Assistant, text: str, expected: str
) -> None:
    # "alene", "allerede", "ja/nej" are no topic.
    assert answered(assistant, text) == expected


def test_a_second_question_joined_by_og_om_asks_as_the_first(assistant: Assistant) -> None:
    text = (
        "hej, jeg skal bruge lidt hjælp. min chef spørger hvornår klippekortet sluttede og om "
        "der er en rapport. kan du svare på begge dele? tak /jonas"
    )
    reply = assistant.reply(text)
    assert {reply.entry_id, *reply.also} == {"status", "final_report"}
    # Who asks is no topic; the question asked indirectly still asks.
    told = "Vi er leverandør til tre kommuner. Min kollega spørger om snitfladerne koster noget."
    assert assistant.reply(told).entry_id == "interface_costs"


@pytest.mark.parametrize(
    "text",
    [
        "hvor mange timer er 365 dage",
        "var der 100 snitflader?",
        "hvor mange millioner fik KMD for klippekortet?",
        "fik hver kommune 100 timer?",
    ],
)
def test_a_small_number_or_millions_keep_a_question_another_matter(
    assistant: Assistant, text: str
) -> None:
    # Read as a figure quoted, a number of three digits made these the card's questions.
    assert assistant.reply(text).outcome is not Outcome.ANSWERED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "hvem har ret til" asks who is entitled; a contact is someone's only with "min" ...
        ("hvem har ret til at bruge timerne?", "who"),
        ("Hvem er kontakt tror du?", "contact"),
        # "hvordan går det med ..." asks about the matter, not how the bot is.
        ("hvordan går det med forbruget?", "usage"),
    ],
)
def test_words_the_claim_and_small_talk_rules_must_leave(
    assistant: Assistant, text: str, expected: str
) -> None:
    # Answered, or offered first when the words are few ("går" is a word no entry uses).
    reply = assistant.reply(text)
    assert (reply.entry_id or reply.suggestions[0].entry_id) == expected


def test_og_om_and_a_noun_is_what_it_is_about(assistant: Assistant) -> None:
    reply = assistant.reply("hvem kan jeg kontakte og om rapporten")
    assert (reply.entry_id, reply.also) == ("contact", ())


def test_a_municipality_that_only_says_who_asks_gets_no_note(assistant: Assistant) -> None:
    reply = assistant.reply("jeg sidder i Greve kommune, hvad var forbruget 2015")
    assert reply.text == "I 2015 blev der brugt 16.060 timer af Klippekortet."


@pytest.mark.parametrize(
    ("text", "figure"),
    [
        ("svar på engelsk: blev der brugt 16.060 timer i 2015?", "16,060"),
        ("in english please: how many hours were used in 2014?", "16,880"),
    ],
)
def test_a_language_request_leaves_the_figures_of_its_message_whole(
    assistant: Assistant, text: str, figure: str
) -> None:
    # Cut at every "." and ",", "16.060" became "16" (read as 2016) and "060".
    reply = assistant.reply(text)
    assert reply.language == "en"
    assert figure in reply.text


@pytest.mark.parametrize(
    "text",
    [
        "How many hours were used over the whole lifetime of the Klippekort?",
        "hvor mange timer blev brugt i hele levetiden",
        "hvor mange timer blev brugt i klippekortets levetid?",
    ],
)
def test_its_lifetime_is_the_whole_period(assistant: Assistant, text: str) -> None:
    assert answered(assistant, text) == "usage"


def test_its_lifetime_alone_asks_no_figure(assistant: Assistant) -> None:
    assert answered(assistant, "hvad var levetiden for klippekortet?") != "pool_size"


@pytest.mark.parametrize(
    "text", ["can I see the use of the hours?", "hvor kan jeg se timeforbruget"]
)
def test_the_use_not_named_in_the_report_is_the_use(assistant: Assistant, text: str) -> None:
    assert answered(assistant, text) == "usage"


def test_which_municipalities_may_use_the_interfaces_is_the_cards_question(
    assistant: Assistant,
) -> None:
    # Only the use counted per municipality is not in the source.
    assert answered(assistant, "hvilke kommuner kunne bruge snitfladerne") == "interface_access"


def test_a_sentence_nearly_as_much_about_the_messages_best_entry_asks_that_one(
    assistant: Assistant,
) -> None:
    # "en del af" is said by the transition agreement's phrasings; the sentence asks the purpose.
    text = (
        "Hej. I vores team snakker vi meget om digital sammenhæng på tværs af leverandører. Var "
        "det en del af formålet med klippekortet, og hvad blev timerne ellers brugt til? Mvh Jakob"
    )
    reply = assistant.reply(text)
    assert (reply.entry_id, reply.also) == ("purpose", ())
    # Two topics each clearly asked are still both answered, also when the message's best
    # entry scores nearly as well in the other sentence.
    for text, expected in (
        (
            "Hvor mange timer er der tilbage, og hvem skal jeg kontakte?",
            {"remaining_hours", "contact"},
        ),
        ("Hvor mange timer er brugt, og hvor mange er tilbage?", {"usage", "remaining_hours"}),
        ("What were the hours used for, and how many were used in 2015?", {"purpose", "usage"}),
    ):
        both = assistant.reply(text)
        assert {both.entry_id, *both.also} == expected, text
    # With two entries tied at the message's best, no sentence is drawn to either.
    tied = assistant.reply("hvor mange timer brugte KL og hvor mange brugte KOMBIT")
    assert "remaining_hours" not in {tied.entry_id, *tied.also}


def test_what_it_was_good_for_is_its_purpose(assistant: Assistant) -> None:
    assert answered(assistant, "hvad skulle klippekortet gøre godt for") == "purpose"
    # "godt for nu" is a sign-off.
    assert answered(assistant, "ok, det er godt for nu") != "purpose"


@pytest.mark.parametrize(
    "text",
    [
        "klippekortet i en nøddeskal",
        "Hvad er klippekortet sådan i grove træk?",
        "explain the klippekort in simple terms",
        "Jeg aner ikke hvad klippekortet er. Kan du forklare det på almindeligt dansk?",
    ],
)
def test_asked_in_plain_words_it_is_what_the_card_is(assistant: Assistant, text: str) -> None:
    assert answered(assistant, text) == "what_is"


@pytest.mark.parametrize(
    "text",
    [
        "which municipalities used the most klippekort hours",
        "hvor mange timer pr. kommune",
        "Hvor stor var puljen for hver kommune?",
    ],
)
def test_the_use_per_municipality_is_said_not_to_be_counted(
    assistant: Assistant, text: str
) -> None:
    reply = assistant.reply(text)
    assert reply.entry_id in {"usage", "busiest_year", "pool_size"}
    assert "municipality" in reply.text or "kommune" in reply.text.split(";")[0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kan hver kommune bruge snitfladerne?", "interface_access"),
        ("skal hver kommune betale for snitfladerne?", "interface_costs"),
    ],
)
def test_each_municipality_asking_another_topic_gets_that_topic(
    assistant: Assistant, text: str, expected: str
) -> None:
    assert answered(assistant, text) == expected


def test_an_opening_in_connection_with_something_else_asks_nothing(assistant: Assistant) -> None:
    text = "I forbindelse med et kontraktmøde med KMD vil jeg gerne have forbruget i 2014"
    assert answered(assistant, text) == "usage"


def test_whether_in_danish_is_no_topic(assistant: Assistant) -> None:
    # "hvorvidt" is "whether", a stop word as English "whether" is.
    text = "Jeg vil gerne have en bekræftelse af, hvorvidt Klippekortet er afsluttet."
    assert answered(assistant, text) == "status"


@pytest.mark.parametrize(
    "text",
    [
        "Is there any official document summarising the projects and how the hours were spent?",
        "findes der et dokument om klippekortet",
    ],
)
def test_a_document_about_the_card_is_the_final_report(assistant: Assistant, text: str) -> None:
    assert answered(assistant, text) == "final_report"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("er klippekortordningen afsluttet eller bare sat paa pause", "status"),
        ("var timerne til nye fagsystemer eller til snitflader?", "purpose"),
        ("was the pool 100,000 hours or 100,000 kroner", "pool_size"),
    ],
)
def test_a_question_of_two_alternatives_is_read_one_at_a_time(
    assistant: Assistant, text: str, expected: str
) -> None:
    assert answered(assistant, text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # Neither alternative is the card's, clearly.
        "hvad koster en pizza eller en burger",
        # Something no entry is about, named in either, keeps the message unanswered.
        "er der timer tilbage på vores serviceaftale eller på klippekortet",
        "hvor mange timer er der i et døgn eller en uge",
    ],
)
def test_alternatives_answer_only_what_one_of_them_clearly_asks(
    assistant: Assistant, text: str
) -> None:
    assert assistant.reply(text).outcome is not Outcome.ANSWERED


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("who can I ask for a quote?", "contact"),
        ("På baggrund af forbruget i 2016 kan du sige hvornår det lukkede?", "status"),
        (
            "I forbindelse med transitionsaftalen vil jeg gerne vide hvem jeg kan kontakte",
            "contact",
        ),
    ],
)
def test_what_an_opening_or_a_request_names_is_no_topic_of_its_own(
    assistant: Assistant, text: str, expected: str
) -> None:
    reply = assistant.reply(text)
    assert (reply.entry_id, reply.also) == (expected, ())


@pytest.mark.parametrize(
    "text",
    [
        "was the money for new systems or for interfaces?",
        "sluttede perioden 2010-2012 i 2012?",
        "hvilke dokumenter skal jeg sende til KMD?",
    ],
)
def test_readings_that_would_answer_another_question_are_not_answered(
    assistant: Assistant, text: str
) -> None:
    assert assistant.reply(text).outcome is not Outcome.ANSWERED


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("what year did it kick off", "start"),
        ("hvornår blev klippekortet lanceret", "start"),
        ("when was it set up", "start"),
        # Who started it is who is behind it.
        ("hvem startede klippekortet", "who"),
        ("who launched it", "who"),
        # Starting a job is no start of the card, nor is the bot's age or another body's.
        ("Jeg er lige startet hos en leverandør. Hvad er klippekortet?", "what_is"),
        ("hvor gammel er du?", None),
        ("hvornår blev KMD etableret?", None),
        ("who established KOMBIT?", None),
        ("hvem oprettede min bruger?", None),
        ("let's begin: what is the klippekort?", "what_is"),
    ],
)
def test_a_beginning_in_other_words_asks_when_the_card_started(
    assistant: Assistant, question: str, expected: str | None
) -> None:
    assert answered(assistant, question) == expected


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("see ya", "goodbye"),
        ("sorry forkert chat", "apology"),
        ("wrong chat, sorry", "apology"),
        ("hej makker, hvor mange timer er der tilbage", "remaining_hours"),
        # A word for someone is no filler, and alone no thanks.
        ("hvem er min makker på projektet?", None),
        ("mate?", None),
    ],
)
def test_chat_slang_is_the_chit_chat_it_says(
    assistant: Assistant, message: str, expected: str | None
) -> None:
    assert answered(assistant, message) == expected


def test_the_suppliers_costs_are_asked_with_the_definite_plural_too(assistant: Assistant) -> None:
    # Snowball stems "leverandørerne" to "leverandoer" but "leverandører" to "leverando"; a
    # phrasing of the costs says the definite plural, so the word is the costs' as well.
    assert answered(assistant, "hvad koster snitfladerne for leverandørerne") == "interface_costs"
    assert answered(assistant, "skal leverandørerne betale for at bruge snitfladerne?") == (
        "interface_costs"
    )


@pytest.mark.parametrize(
    "question",
    ["jeg mangler lige tallet for 2015", "give me the numbers for 2014", "figures for 2013 please"],
)
def test_figures_asked_for_a_year_are_its_use(assistant: Assistant, question: str) -> None:
    assert answered(assistant, question) == "usage"


def test_a_quarter_is_a_finer_split_than_the_source_gives(assistant: Assistant) -> None:
    reply = assistant.reply("how many hours were used in Q3 2015")
    assert reply.entry_id == "usage"
    assert "per year for the whole card only" in reply.text


@pytest.mark.parametrize(
    "question",
    [
        "hvor mange skoletimer er der i 2. klasse?",
        "hvad var vandforbruget i 2014?",
        "statistik over snitfladernes brug",
        "how old is KMD?",
    ],
)
def test_other_hours_use_and_statistics_are_not_the_cards(
    assistant: Assistant, question: str
) -> None:
    assert answered(assistant, question) is None


@pytest.mark.parametrize(
    "message",
    [
        "Good morning, quick sanity check from KL: the klippekort ended in 2016, right? /Anne",
        "Hej. Klippekortet sluttede i 2016, ikke? Mvh Ole",
        "hej, kan ikke huske det – lukkede klippekortet i 2016 eller 2017? har et møde om lidt",
    ],
)
# (Beside another card's end, or a question of the use, it is not only that check: below.)
def test_an_end_year_checked_between_a_greeting_and_a_signature_is_the_end(
    assistant: Assistant, message: str
) -> None:
    assert answered(assistant, message) == "status"
    # Beside a question of the use, the use is still answered; beside another card, no end.
    assert (
        answered(assistant, "Hej, hvornår udløber mit rejsekort? Det sluttede vel i 2016?") is None
    )
    assert (
        answered(
            assistant,
            "Quick check: the klippekort ended in 2016, right? I need the figures for 2015 too.",
        )
        == "usage"
    )
    assert answered(
        assistant, "Hvor mange timer blev brugt i 2016? Det sluttede i 2016, ikke?"
    ) == ("usage")


def test_a_scheme_said_to_be_over_asks_whether_it_ended(assistant: Assistant) -> None:
    assert answered(assistant, "is the klippekort scheme over, and if so since when?") == "status"
    assert answered(assistant, "is the klippekort over now?") == "status"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("har du et tal jeg kan ringe til?", "contact"),
        ("hvad er tallet til projektchefen?", "contact"),
        ("I can't figure out who to call", "contact"),
        ("jeg mangler lige tallet for 2015", "usage"),
    ],
)
def test_a_number_to_call_is_the_contact_and_a_years_figure_its_use(
    assistant: Assistant, question: str, expected: str
) -> None:
    assert answered(assistant, question) == expected


@pytest.mark.parametrize("message", ["see ya", "cya", "wrong chat", "sorry wrong group"])
def test_english_chat_words_get_an_english_reply(assistant: Assistant, message: str) -> None:
    assert assistant.reply(message).language == "en"


@pytest.mark.parametrize("message", ["cheers", "ok cheers", "undskyld, wrong chat", "fedt, cheers"])
def test_chat_words_danes_use_too_leave_a_danish_reply(assistant: Assistant, message: str) -> None:
    assert assistant.reply(message).language == "da"


def test_a_year_told_beside_a_question_of_no_year_is_not_asked_of(assistant: Assistant) -> None:
    # The question asks, whole, an entry that answers no years: the year told is context.
    assert answered(assistant, "I joined KOMBIT in 2013. What was the klippekort about?") == (
        "what_is"
    )
    reply = assistant.reply("Hej! Jeg var med i et projekt i 2014. Hvad skulle timerne bruges til?")
    assert reply.entry_id != "usage"
    # A year told beside a question of the use is still that year's.
    text = "jeg skal bruge tallet for 2014 til et slide, hvor mange timer var det?"
    assert answered(assistant, text) == "usage"
