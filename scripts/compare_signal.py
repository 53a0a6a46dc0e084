"""The matcher alone against the matcher seconded by the classifier (bot/classifier.py).

Prints, for the dev and the held-out question sets, in-domain top-1 accuracy and off-topic
rejection with and without the signal, both measured in the same run on the same knowledge
base; then the time to build each assistant and the time per question. Aggregates only: the
held-out sets' questions are never listed, so nothing is tuned on them.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.assistant import Assistant  # noqa: E402
from bot.evaluation import DEV_SETS, HELDOUT_SETS, evaluate, load_sets  # noqa: E402
from bot.knowledge import load_knowledge  # noqa: E402


def main() -> int:
    knowledge = load_knowledge()
    assistants = {}
    for label, signal in (("matcher alone", False), ("with the signal", True)):
        start = time.perf_counter()
        assistants[label] = Assistant(knowledge, signal=signal)
        print(f"build, {label:<16} {(time.perf_counter() - start) * 1000:8.0f} ms")
    if assistants["with the signal"].signal is None:
        print("the signal was not trained (knowledge base too small or too large)")
        return 1
    sets = (("dev", load_sets(DEV_SETS)), ("held-out", load_sets(HELDOUT_SETS)))
    print()
    print(f"{'set':<22} {'':<16} {'in-domain top-1':>22} {'off-topic rejection':>22}")
    for name, questions in sets:
        for kind, chosen in (
            ("", [q for q in questions if not q.before]),
            (", follow-ups", [q for q in questions if q.before]),
        ):
            for label, assistant in assistants.items():
                report = evaluate(assistant, chosen)
                print(
                    f"{name + kind:<22} {label:<16} {report.in_domain!s:>22}"
                    f" {report.rejection!s:>22}"
                )
    print()
    texts = [q.text for q in load_sets(DEV_SETS) if not q.before]
    for label, assistant in assistants.items():
        samples = []
        for _ in range(3):
            for text in texts:
                start = time.perf_counter()
                assistant.reply(text)
                samples.append(time.perf_counter() - start)
        samples.sort()
        p99 = samples[int(0.99 * len(samples))] * 1000
        median = statistics.median(samples) * 1000
        print(f"per question, {label:<16} median {median:.3f} ms  p99 {p99:.3f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
