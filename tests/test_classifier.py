"""The statistical second signal (bot/classifier.py) and how the assistant combines it."""

from __future__ import annotations

import pickle

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from bot import classifier
from bot.assistant import Assistant
from bot.evaluation import DEV_SETS, answered_entry, load_sets
from bot.knowledge import KnowledgeBase
from bot.matcher import Outcome
from bot.normalize import normalize

TOY = {
    "weather": ["hvordan bliver vejret i morgen", "vejrudsigten for weekenden", "regner det"],
    "trains": ["hvornaar gaar toget", "togets afgang fra stationen", "er toget forsinket"],
    "food": ["hvad er der til middag", "aftensmaden i aften", "hvad skal vi spise"],
}


@pytest.fixture(scope="module")
def with_signal(knowledge: KnowledgeBase) -> Assistant:
    return Assistant(knowledge, signal=True)


@pytest.fixture(scope="module")
def matcher_alone(knowledge: KnowledgeBase) -> Assistant:
    return Assistant(knowledge, signal=False)


def words_of(text: str) -> list[str]:
    return list(normalize(text).words)


def test_it_trains_and_reads_a_paraphrase_it_was_not_taught() -> None:
    signal = classifier.train(TOY)
    assert signal is not None
    assert set(signal.entry_ids) == set(TOY)
    for text, expected in (
        ("vejrudsigt", "weather"),
        ("togetz afgange", "trains"),
        ("middagen", "food"),
    ):
        probabilities = signal.probabilities(words_of(text))
        assert max(probabilities, key=probabilities.__getitem__) == expected
        assert sum(probabilities.values()) == pytest.approx(1.0)


def test_its_probabilities_are_scikit_learns() -> None:
    # The weights are worked out without scikit-learn at answer time; they must agree with it.
    signal = classifier.train(TOY)
    assert signal is not None
    texts = [text for texts in TOY.values() for text in texts]
    labels = [entry_id for entry_id, texts in TOY.items() for _ in texts]
    vectorizer = TfidfVectorizer(analyzer=classifier.ngrams, sublinear_tf=True)
    model = LogisticRegression(C=classifier.REGULARISATION, max_iter=2000)
    model.fit(vectorizer.fit_transform(texts), labels)
    # Repeated words and n-grams ("toget toget", "aaaa") take the shortcut's correction.
    questions = (
        "regner det i morgen",
        "toget",
        "zzz",
        "spise middag paa stationen",
        "toget toget regner det det i morgen naar toget kommer aaaa",
    )
    for question in questions:
        expected = model.predict_proba(vectorizer.transform([question]))[0]
        got = signal.probabilities(question.split())
        for entry_id, probability in zip(model.classes_, expected, strict=True):
            assert got[entry_id] == pytest.approx(probability, abs=1e-9)


def test_two_entries_are_enough_and_one_is_not() -> None:
    two = classifier.train({key: TOY[key] for key in ("weather", "trains")})
    assert two is not None
    probabilities = two.probabilities(words_of("regner det"))
    assert probabilities["weather"] > probabilities["trains"]
    assert classifier.train({"weather": TOY["weather"]}) is None
    assert classifier.train({}) is None


def test_a_very_large_knowledge_base_is_not_trained(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(classifier, "MAX_ENTRIES", 2)
    assert classifier.train(TOY) is None


def test_the_signal_is_off_unless_asked_for(
    matcher_alone: Assistant, with_signal: Assistant
) -> None:
    assert matcher_alone.signal is None
    assert with_signal.signal is not None
    assert set(with_signal.signal.entry_ids) == set(with_signal.knowledge.entries)


def test_it_answers_a_paraphrase_of_a_real_entry(with_signal: Assistant) -> None:
    reply = with_signal.reply("Is there a fee for using the interfaces built under Klippekortet?")
    assert reply.outcome is Outcome.ANSWERED
    assert reply.entry_id == "interface_costs"


@pytest.mark.parametrize(
    "text",
    [
        "Hvad bliver vejret i morgen?",
        "jeg har glemt min kode til outlook, hvad goer jeg",
        "what is the capital of France",
        "kan du anbefale en god pizza",
    ],
)
def test_it_never_answers_a_message_without_the_domains_words(
    with_signal: Assistant, text: str
) -> None:
    assert with_signal.reply(text).outcome is not Outcome.ANSWERED


def test_an_answer_it_adds_always_has_the_matchers_evidence(
    matcher_alone: Assistant, with_signal: Assistant
) -> None:
    # Wherever the matcher alone does not answer an off-topic dev question and the combination
    # does, the matcher itself scores that entry at least RESCUE_EVIDENCE.
    off_topic = [q for q in load_sets(DEV_SETS) if q.expect is None and not q.before]
    assert off_topic
    for question in off_topic:
        if answered_entry(matcher_alone.reply(question.text)) is not None:
            continue
        reply = with_signal.reply(question.text)
        if reply.outcome is Outcome.ANSWERED:
            ranking = with_signal.matcher.rank(
                with_signal._read(question.text).pieces, reply.language, floor=0.0
            )
            scores = {scored.entry_id: scored.score for scored in ranking}
            assert scores.get(reply.entry_id or "", 0.0) >= classifier.RESCUE_EVIDENCE


def test_it_answers_a_question_the_matcher_finds_too_few_words_of(
    matcher_alone: Assistant, with_signal: Assistant
) -> None:
    # The matcher scores the use between RESCUE_EVIDENCE and a suggestion ("slugte" is no
    # word of the knowledge base's): too few words to offer it, enough with the classifier's
    # confidence.
    text = "Hvor mange timer slugte 2016?"
    assert matcher_alone.reply(text).outcome is Outcome.UNKNOWN
    ranking = matcher_alone.matcher.rank(matcher_alone._read(text).pieces, "da", floor=0.0)
    assert ranking[0].entry_id == "usage"
    assert classifier.RESCUE_EVIDENCE <= ranking[0].score < matcher_alone.settings.suggest_at
    reply = with_signal.reply(text)
    assert (reply.outcome, reply.entry_id) == (Outcome.ANSWERED, "usage")
    # What people earn is a concept of its own, never the contact's.
    assert with_signal.reply("Hvad tjener en projektchef?").outcome is not Outcome.ANSWERED


def test_it_decides_between_entries_the_matcher_ties_on(
    matcher_alone: Assistant, with_signal: Assistant
) -> None:
    # What was left and the pool's size both say "hvor mange timer var der".
    text = "hvor mange timer var der i puljen?"
    ranking = matcher_alone.rank(text)
    assert ranking[0].score == ranking[1].score >= matcher_alone.settings.answer_at
    assert matcher_alone.reply(text).outcome is Outcome.SUGGESTED
    reply = with_signal.reply(text)
    assert (reply.outcome, reply.entry_id) == (Outcome.ANSWERED, "pool_size")


def test_an_answer_is_another_entrys_when_it_is_sure_and_the_matcher_nearly_agrees(
    matcher_alone: Assistant, with_signal: Assistant
) -> None:
    # "brugt" is the use's word; all the hours used asks what is left.
    text = "er alle timerne på klippekortet brugt"
    assert matcher_alone.reply(text).entry_id == "usage"
    assert with_signal.reply(text).entry_id == "remaining_hours"


def test_it_survives_the_cache_round_trip(with_signal: Assistant) -> None:
    # bot.cache pickles the built assistant; the signal must come back whole and answer alike.
    question = "Er API'erne gratis?"
    assert with_signal.signal is not None
    before = with_signal.signal.probabilities(words_of(question))
    restored = pickle.loads(pickle.dumps(with_signal, protocol=pickle.HIGHEST_PROTOCOL))
    assert restored.signal is not None
    assert restored.signal.probabilities(words_of(question)) == before
    for text in ("Er API'erne gratis?", "Hvad er vejret?", "who shuold I call"):
        original, copy = with_signal.reply(text), restored.reply(text)
        assert (copy.outcome, copy.entry_id) == (original.outcome, original.entry_id)
