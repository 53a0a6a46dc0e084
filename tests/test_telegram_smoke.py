"""The fixture works: a private question is answered over HTTP through the stand-in."""

from __future__ import annotations

import pytest

from tests.conftest import RunningBot


@pytest.mark.asyncio(loop_scope="function")
async def test_private_question_is_answered(running_bot: RunningBot) -> None:
    stub = running_bot.stub
    stub.push_message("Hvor mange timer blev brugt i 2014?")
    sent = await stub.wait_for(1)
    assert "16.880" in sent[0]["text"]
    assert sent[0]["parse_mode"] == "HTML"
