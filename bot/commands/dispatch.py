"""Running a command: the core's single path from a request to a reply, for every front end.

It resolves the community (for a direct message, the member's own), decides the caller's role,
checks permission, parses options with the shared parsers and calls the handler with its
feature's runtime. Whatever goes wrong becomes a reply here; front ends never see an exception
from a command.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.commands.caller import Caller, Space
from bot.commands.community import CommunityContext, CommunityService
from bot.commands.invocation import Invocation
from bot.commands.options import ChannelRef
from bot.commands.registry import MissingOption, bind_arguments
from bot.commands.reply import Reply, Tone, error_reply
from bot.commands.spec import CommandSpec, Param
from bot.errors import ErrorReader, NotAllowed, StewardError, UpstreamError, UserError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommandRequest:
    spec: CommandSpec
    caller: Caller
    space: Space
    channel: ChannelRef | None
    positional: list[str] = field(default_factory=list)
    keyword: Mapping[str, object] = field(default_factory=dict)
    # A direct message: the member's guilds or chats that the bot serves, and the community
    # they picked when they belong to several.
    member_spaces: Sequence[str] = ()
    chosen_community: str | None = None


@dataclass(frozen=True)
class Outcome:
    reply: Reply
    private: bool
    ok: bool
    # A required option that was left out, so a front end can offer its choices.
    missing: Param | None = None
    # A direct message from a member of several communities: (slug, name) to choose from.
    communities: tuple[tuple[str, str], ...] = ()


class ChooseCommunity(UserError):
    def __init__(self, candidates: Sequence[CommunityContext]) -> None:
        names = ", ".join(c.name for c in candidates)
        super().__init__(f"You belong to several communities here ({names}); which one?")
        self.candidates = tuple((c.slug, c.name) for c in candidates)


class Dispatcher:
    def __init__(
        self,
        communities: CommunityService,
        runtimes: Mapping[str, object],
        owners: Mapping[str, str],
        error_readers: Mapping[type[Exception], ErrorReader] | None = None,
    ) -> None:
        self._communities = communities
        # Each feature's runtime (what its lifespan yielded), by feature name, and the feature
        # that declared each command, by command name.
        self._runtimes = runtimes
        self._owners = owners
        self._readers = dict(error_readers or {})

    def runtime_for(self, spec: CommandSpec) -> object:
        """What the command's own feature yielded: its `inv.feature`."""
        return self._runtimes.get(self._owners.get(spec.name, spec.feature))

    async def run(self, request: CommandRequest) -> Outcome:
        spec = request.spec
        try:
            try:
                invocation, arguments = await self._prepare(request)
                reply = await spec.handler(invocation, **arguments)
            except StewardError:
                raise
            except Exception as exc:
                read = self._read(exc)
                if read is None:
                    raise
                raise read from exc
        except ChooseCommunity as exc:
            return Outcome(
                reply=Reply(body=str(exc), tone=Tone.INFO, private=True),
                private=True,
                ok=False,
                communities=exc.candidates,
            )
        except MissingOption as exc:
            return self._failed(error_reply(str(exc)), missing=exc.param)
        except UserError as exc:
            return self._failed(error_reply(str(exc)))
        except UpstreamError as exc:
            incident = self._incident(request, exc, logging.WARNING)
            retry = "please try again later" if exc.retryable else "a steward should look at it"
            body = f"{exc.service} failed: {exc.message}; {retry}. (incident {incident})"
            return self._failed(error_reply(body))
        except Exception as exc:  # the one boundary where any fault becomes an apology
            incident = self._incident(request, exc, logging.ERROR)
            body = (
                f"/{spec.name} hit a bug on my side ({type(exc).__name__}). "
                f"Stewards can trace it as incident {incident}."
            )
            return self._failed(error_reply(body))
        private = spec.private if reply.private is None else reply.private
        return Outcome(reply=reply, private=private, ok=reply.tone != Tone.ERROR)

    def _read(self, exc: Exception) -> StewardError | None:
        """A library's error in the words its feature gave it; None for a bug."""
        for kind in type(exc).__mro__:
            reader = self._readers.get(kind)
            if reader is not None:
                return reader(exc)
        return None

    async def _prepare(self, request: CommandRequest) -> tuple[Invocation[Any], dict[str, Any]]:
        spec = request.spec
        community = await self._community(request)
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
            spec=spec,
            community=community,
            caller=request.caller,
            role=role,
            channel=request.channel,
            feature=self.runtime_for(spec),
        )
        return invocation, arguments

    async def _community(self, request: CommandRequest) -> CommunityContext:
        space = request.space
        if not space.is_direct:
            return await self._communities.resolve(space.platform, space.id, space.name)
        candidates = await self._communities.of_spaces(space.platform, request.member_spaces)
        chosen = [c for c in candidates if c.slug == request.chosen_community]
        if chosen:
            return chosen[0]
        if len(candidates) == 1:
            return candidates[0]
        if not candidates:
            raise NotAllowed(
                "You are not in any community I serve here, so I can't tell whose commands you "
                "mean. Run the command in your community's server or group."
            )
        raise ChooseCommunity(candidates)

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
