"""Speed of the answer core (`make bench`).

Prints, for the real knowledge base and for generated ones of 1,000 and 10,000 entries: the time
to load and validate the file, the time to build the matcher, and the median and p99 time per
question; then the start-up time of `klippekort-bot ask` answering its first question, with the
built assistant from the cache and without it.
Targets on the project's 2-core machine (issue 9): p99 ≤ 2 ms (real), ≤ 20 ms (10,000
entries), ask ≤ 0.2 s.
"""

from __future__ import annotations

import compileall
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import Assistant  # noqa: E402
from bot.evaluation import load_questions  # noqa: E402
from bot.knowledge import DEFAULT_KNOWLEDGE_PATH, load_knowledge  # noqa: E402

SYLLABLES = (
    "ka ko ki ske sta pro tel for brug lan ter mi no da ve ra ti se ne gle und kon hal".split()
)
FILLER = "hvad hvor hvem hvornår er der det en et til på af om kan vi jeg mange".split()


# Questions asked once before timing, to warm the caches.
WARM_UP = 50


def percentile(samples: Sequence[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def generated_knowledge(entries: int, seed: int = 7) -> str:
    """The real file's facts and ui with `entries` made-up entries on a Zipf-like vocabulary."""
    rng = random.Random(seed)
    vocabulary = sorted(
        {"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))) for _ in range(30_000)}
    )
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(vocabulary))]
    real = DEFAULT_KNOWLEDGE_PATH.read_text(encoding="utf-8")
    head = real[: real.index("\nentries:")]
    lines = [head, "", "entries:"]
    required = ("remaining_hours", "usage", "interface_costs", "contact")
    for number in range(entries):
        entry_id = required[number] if number < len(required) else f"topic_{number}"
        topic = rng.choices(vocabulary, weights, k=4)
        lines += [
            f"  - id: {entry_id}",
            "    source: intro",
            f"    title: {{da: Emne {number}, en: Topic {number}}}",
            "    answer: {da: 'Svar om {pool_hours} timer.', en: 'About {pool_hours} hours.'}",
        ]
        if entry_id == "usage":
            lines += ["    slot: period", "    variants:"]
            for variant in ("single_year", "multi_year", "year_in_period", "out_of_range"):
                lines.append(f"      {variant}: {{da: '{{period}} {{used}}', en: '{{period}}'}}")
        lines.append("    phrasings:")
        for language in ("da", "en"):
            lines.append(f"      {language}:")
            for _ in range(6):
                words = rng.sample(topic, 2) + rng.choices(vocabulary, weights, k=2)
                words += rng.sample(FILLER, 2)
                rng.shuffle(words)
                lines.append(f"        - {' '.join(words)}")
    return "\n".join(lines) + "\n"


def questions_for(knowledge_text: str, count: int, seed: int = 11) -> list[str]:
    """Phrasings of a generated file, reordered and with a typo now and then, plus noise."""
    rng = random.Random(seed)
    phrasings = [line[10:] for line in knowledge_text.splitlines() if line.startswith("        - ")]
    questions = []
    for _ in range(count):
        words = rng.choice(phrasings).split()
        rng.shuffle(words)
        if rng.random() < 0.3:
            word = rng.randrange(len(words))
            letters = list(words[word])
            if len(letters) > 3:
                i = rng.randrange(len(letters) - 1)
                letters[i], letters[i + 1] = letters[i + 1], letters[i]
            words[word] = "".join(letters)
        if rng.random() < 0.2:
            words += ["blomsterkasse", "i", "2014"]
        questions.append(" ".join(words))
    return questions


def per_question(assistant: Assistant, questions: Sequence[str], rounds: int) -> list[list[float]]:
    """Seconds per question, one list per round over all the questions."""
    for question in questions[:WARM_UP]:
        assistant.reply(question)
    timings = []
    for _ in range(rounds):
        samples = []
        for question in questions:
            start = time.perf_counter()
            assistant.reply(question)
            samples.append(time.perf_counter() - start)
        timings.append(samples)
    return timings


def report(name: str, path: Path, questions: Sequence[str], rounds: int) -> None:
    load = min(timed(lambda: load_knowledge(path)) for _ in range(3 if rounds > 1 else 1))
    knowledge = load_knowledge(path)
    build = timed(lambda: Assistant(knowledge))
    assistant = Assistant(knowledge)
    timings = per_question(assistant, questions, rounds)
    samples = [sample for round_ in timings for sample in round_]
    median = statistics.median(samples) * 1000
    print(
        f"{name:<22} entries {len(knowledge.entries):>6}  load {load * 1000:8.1f} ms  "
        f"index {build * 1000:8.1f} ms  per question: median {median:6.3f}"
        f" ms  p99 {percentile(samples, 0.99) * 1000:6.3f} ms  ({len(samples)} questions)"
    )
    if rounds > 1:
        # The machine is shared: the quietest round shows the code's own speed.
        quiet = min(timings, key=lambda r: percentile(r, 0.99))
        quiet_median = statistics.median(quiet) * 1000
        quiet_p99 = percentile(quiet, 0.99) * 1000
        print(
            f"{'':<22} quietest of {rounds} rounds: median {quiet_median:6.3f} ms"
            f"  p99 {quiet_p99:6.3f} ms"
        )
        # Later rounds find each message's sentences in the caches; the first round does not
        # (but for the warm-up questions), as a message never seen before would.
        first = timings[0][WARM_UP:]
        first_median = statistics.median(first) * 1000
        first_p99 = percentile(first, 0.99) * 1000
        print(
            f"{'':<22} first round, messages not seen before: median {first_median:6.3f} ms"
            f"  p99 {first_p99:6.3f} ms"
        )


def ask_startup(runs: int = 7) -> None:
    """`klippekort-bot ask` answering one question, process start included: from the cache of
    the built assistant (every start after the first) and building it (the first start)."""
    # An installed package has its bytecode compiled; an editable one where Python may not write
    # it (PYTHONDONTWRITEBYTECODE) would compile our modules on every start.
    compileall.compile_dir(ROOT / "bot", quiet=1)
    command = [str(Path(sys.executable).parent / "klippekort-bot"), "ask", "--json"]
    with tempfile.TemporaryDirectory() as folder:
        for label, cache in (("from the cache", folder), ("building (cache off)", "off")):
            environment = dict(os.environ, KLIPPEKORT_CACHE=cache)
            samples = []
            for _ in range(runs + 1):
                start = time.perf_counter()
                subprocess.run(
                    command,
                    input="Hvor mange timer blev brugt i 2014?\n",
                    capture_output=True,
                    text=True,
                    check=True,
                    env=environment,
                )
                samples.append(time.perf_counter() - start)
            samples = samples[1:]  # the first run fills the cache
            median = statistics.median(samples) * 1000
            print(
                f"{'klippekort-bot ask':<22} first answer, {label}: median {median:.0f} ms"
                f"  min {min(samples) * 1000:.0f} ms  max {max(samples) * 1000:.0f} ms"
                f"  ({runs} runs, process start included)"
            )


def main() -> int:
    real_questions = [q.text for q in load_questions()]
    report("real knowledge base", DEFAULT_KNOWLEDGE_PATH, real_questions, rounds=10)
    with tempfile.TemporaryDirectory() as folder:
        for size in (1_000, 10_000):
            text = generated_knowledge(size)
            path = Path(folder) / f"generated-{size}.yaml"
            path.write_text(text, encoding="utf-8")
            questions = questions_for(text, 1000) + real_questions
            report(f"generated {size:,}", path, questions, rounds=1)
    ask_startup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
