"""/ask: a question about the community's own history, answered from its record."""

from __future__ import annotations

from typing import Annotated

from bot.commands.invocation import Invocation
from bot.commands.reply import Reply
from bot.commands.spec import Opt, command
from cogs.knowledge.ask import AskRequest
from cogs.knowledge.ask_render import render
from cogs.knowledge.ask_rules import MAX_QUESTION
from cogs.knowledge.runtime import Knowledge


@command(
    "ask",
    help="Answers from this community's forum, chat and documents, every claim cited",
    slow=True,
    examples=(
        "/ask what did we decide about the grants budget?",
        "/ask who runs the treasury committee?",
    ),
)
async def ask(
    inv: Invocation[Knowledge],
    question: Annotated[str, Opt("what you want to know", max_length=MAX_QUESTION, rest=True)],
) -> Reply:
    request = AskRequest(
        community=inv.community,
        role=inv.role,
        platform=inv.platform,
        channel=inv.channel.id if inv.channel is not None else "",
        user_id=inv.caller.user_id,
        question=question,
    )
    return render(await inv.feature.asks.ask(request))
