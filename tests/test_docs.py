"""The README and .env.example stay true: the same settings in both, each one read by the bot,
and every `make` target in the README's table."""

from __future__ import annotations

import re

from tests.helpers import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")
MAKEFILE = (ROOT / "Makefile").read_text(encoding="utf-8")


def readme_settings() -> set[str]:
    table = README[README.index("## Settings") :]
    table = table[: table.index("\n## ")]
    return set(re.findall(r"^\| `([A-Z_]+)` \|", table, re.MULTILINE))


def test_env_example_and_readme_name_the_same_settings() -> None:
    in_example = set(re.findall(r"^([A-Z_]+)=", ENV_EXAMPLE, re.MULTILINE))
    assert {"TELEGRAM_BOT_TOKEN", "KNOWLEDGE_WATCH_SECONDS", "TEACHING_DB"} <= in_example
    assert in_example == readme_settings()


def test_every_documented_setting_is_read_by_the_bot() -> None:
    sources = "\n".join(
        path.read_text(encoding="utf-8") for path in sorted((ROOT / "bot").rglob("*.py"))
    )
    unread = [name for name in sorted(readme_settings()) if f'"{name}"' not in sources]
    assert unread == []


def test_every_make_target_is_in_the_readme() -> None:
    targets = re.findall(r"^([a-z-]+):.*## ", MAKEFILE, re.MULTILINE)
    assert "test" in targets
    missing = [t for t in targets if t != "help" and f"| `make {t}` |" not in README]
    assert missing == []
