"""Running a command: the core's single path from a request to a reply, for every front end.

It resolves the community, decides the caller's role, checks permission, parses options with the
shared parsers and calls the handler. Whatever goes wrong becomes a reply here; front ends never
see an exception from a command.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.commands.invocation import Caller, Invocation
from bot.commands.options import ChannelRef
from bot.commands.registry import MissingOption, bind_arguments
from bot.commands.reply import Reply, Tone, error_reply
from bot.commands.spec import CommandSpec, Param
from bot.errors import NotAllowed, UpstreamError, UserError

if TYPE_CHECKING:
    from bot.app import App

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Space:
    """Where a command was run: a Discord guild, a Telegram chat, the console's community."""

    platform: str
    id: str
    name: str


@dataclass(frozen=True)
class CommandRequest:
    spec: CommandSpec
    caller: Caller
    space: Space
    channel: ChannelRef | None
    positional: list[str] = field(default_factory=list)
    keyword: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Outcome:
    reply: Reply
    private: bool
    ok: bool
    # A required option that was left out, so a front end can offer its choices.
    missing: Param | None = None


class Dispatcher:
    def __init__(self, app: App) -> None:
        self._app = app

    async def run(self, request: CommandRequest) -> Outcome:
        spec = request.spec
        try:
            invocation, arguments = await self._prepare(request)
            reply = await spec.handler(invocation, **arguments)
        except MissingOption as exc:
            return self._failed(error_reply(str(exc)), missing=exc.param)
        except UserError as exc:
            return self._failed(error_reply(str(exc)))
        except UpstreamError as exc:
            incident = self._incident(request, exc, logging.WARNING)
            body = (
                f"{exc.service} is not answering right now; please try again. (incident {incident})"
            )
            return self._failed(error_reply(body))
        except Exception as exc:  # the one boundary where any fault becomes an apology
            incident = self._incident(request, exc, logging.ERROR)
            body = f"Something went wrong on my side. Stewards can trace it as incident {incident}."
            return self._failed(error_reply(body))
        private = spec.private if reply.private is None else reply.private
        return Outcome(reply=reply, private=private, ok=reply.tone != Tone.ERROR)

    async def _prepare(self, request: CommandRequest) -> tuple[Invocation, dict[str, Any]]:
        spec = request.spec
        community = await self._app.communities.resolve(*_space_key(request.space))
        role = community.role_of(request.caller)
        if role < spec.requires:
            raise NotAllowed(f"/{spec.name} is for {spec.requires.label} only.")
        raw = bind_arguments(spec, list(request.positional), dict(request.keyword))
        arguments = {
            param.name: param.parse(raw[param.name], request.caller.platform)
            if param.name in raw
            else param.default
            for param in spec.params
        }
        invocation = Invocation(
            app=self._app,
            spec=spec,
            community=community,
            caller=request.caller,
            role=role,
            channel=request.channel,
        )
        return invocation, arguments

    @staticmethod
    def _failed(reply: Reply, missing: Param | None = None) -> Outcome:
        return Outcome(reply=reply, private=True, ok=False, missing=missing)

    @staticmethod
    def _incident(request: CommandRequest, exc: BaseException, level: int) -> str:
        incident = uuid.uuid4().hex[:8]
        log.log(
            level,
            "command failed",
            exc_info=exc,
            extra={
                "incident": incident,
                "command": request.spec.name,
                "platform": request.caller.platform,
            },
        )
        return incident


def _space_key(space: Space) -> tuple[str, str, str]:
    return space.platform, space.id, space.name
