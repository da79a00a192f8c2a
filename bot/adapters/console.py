"""The console front end: a local member of a local community, for trying Steward offline.

It reads "/command args" lines from standard input and prints replies; it is also the local
community's alert and digest channel, so whatever the bot would post there is printed too.
"""

from __future__ import annotations

import asyncio
import os
import stat
import sys
from collections.abc import AsyncIterator
from typing import TextIO

from bot.app import App
from bot.commands.dispatch import CommandRequest, Space
from bot.commands.invocation import Caller
from bot.commands.options import ChannelRef
from bot.commands.registry import parse_command_line
from bot.commands.reply import Reply, Tone, error_reply
from bot.commands.spec import Role
from bot.errors import UserError
from bot.frontend import Health

_TONE_MARK = {Tone.ERROR: "✗ ", Tone.WARNING: "! ", Tone.SUCCESS: "✓ ", Tone.ALERT: "⚠ "}


def render_console(reply: Reply, *, private: bool = False, heading: str | None = None) -> str:
    lines: list[str] = []
    if heading:
        lines.append(f"[{heading}]")
    if reply.title:
        title = _TONE_MARK.get(reply.tone, "") + reply.title
        lines += [title, "─" * min(len(title), 72)]
    if reply.body:
        body = reply.body if reply.title else _TONE_MARK.get(reply.tone, "") + reply.body
        lines.append(body)
    lines += [f"{field.name}: {field.value}" for field in reply.fields]
    lines += [f"{link.label}: {link.url}" for link in reply.links]
    lines += [f"[{b.label}] {b.command or b.url}" for b in reply.buttons]
    lines += [f"(attached {f.filename}, {len(f.data)} bytes)" for f in reply.files]
    if reply.footer:
        lines.append(f"({reply.footer})")
    if private:
        lines.append("(only you can see this)")
    return "\n".join(lines)


class ConsoleFrontEnd:
    platform = "console"

    def __init__(
        self,
        app: App,
        *,
        role: Role = Role.MEMBER,
        keep_running: bool = False,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self._app = app
        self._caller = Caller("console", os.environ.get("USER", "you"), "you", platform_role=role)
        self._keep_running = keep_running
        self._stdin = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._community = app.settings.console.community
        self._stopped = asyncio.Event()
        self._commands_run = 0

    async def run(self) -> None:
        interactive = self._stdin.isatty()
        if interactive:
            self._print(
                f"Steward console: you are a {self._caller.platform_role.name.lower()} of "
                f"'{self._community}'. Type /help; Ctrl-D quits."
            )
        async for line in self._lines():
            await self.handle_line(line)
            if self._stopped.is_set():
                return
        if self._keep_running:
            await self._stopped.wait()

    async def handle_line(self, line: str) -> None:
        if not line.strip() or line.lstrip().startswith("#"):
            return
        try:
            parsed = parse_command_line(self._app.registry, line)
            if parsed is None:
                self._print(render_console(error_reply("Commands start with / (try /help).")))
                return
        except UserError as exc:
            self._print(render_console(error_reply(str(exc))))
            return
        request = CommandRequest(
            spec=parsed.spec,
            caller=self._caller,
            space=Space("console", self._community, "Local community"),
            channel=ChannelRef("console", self._community, "console"),
            positional=parsed.positional,
            keyword=parsed.keyword,
        )
        outcome = await self._app.dispatcher.run(request)
        self._commands_run += 1
        self._print(render_console(outcome.reply, private=outcome.private))

    async def _lines(self) -> AsyncIterator[str]:
        """Lines of standard input, read without blocking the event loop where the OS allows."""
        if not _is_pipe_or_tty(self._stdin):
            # Files and in-memory streams can't be watched by the event loop; reading them
            # never blocks for long.
            for line in self._stdin:
                yield line
            return
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader()
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), self._stdin
        )
        try:
            while not self._stopped.is_set():
                raw = await reader.readline()
                if not raw:
                    return
                yield raw.decode("utf-8", errors="replace")
        finally:
            transport.close()

    async def stop(self) -> None:
        self._stopped.set()

    async def post(self, channel: ChannelRef, reply: Reply) -> None:
        self._print(render_console(reply, heading=f"posted to #{channel.display or channel.id}"))

    def health(self) -> Health:
        return Health("console", True, f"{self._commands_run} commands run")

    def _print(self, text: str) -> None:
        self._stdout.write(text + "\n\n")
        self._stdout.flush()


def _is_pipe_or_tty(stream: TextIO) -> bool:
    try:
        mode = os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISCHR(mode) or stat.S_ISSOCK(mode)
