"""The console front end: a local member of a local community, for trying Steward offline.

It reads "/command args" lines from standard input and prints replies; it is also the local
community's channels, so whatever the bot would post there is printed too. Standard input may be
a terminal, a pipe, a file or nothing at all (`< /dev/null`, a container without `-i`, a
systemd unit): the end of input ends the script.
"""

from __future__ import annotations

import asyncio
import logging
import os
import stat
import sys
from collections.abc import AsyncIterator, Sequence
from typing import TextIO

from bot.app import App
from bot.commands.caller import Caller, Role, Space
from bot.commands.dispatch import CommandRequest
from bot.commands.options import ChannelRef
from bot.commands.registry import parse_command_line
from bot.commands.reply import Reply, Tone, error_reply
from bot.commands.sanitize import visible
from bot.errors import UserError
from bot.frontend import Health, MessageRef

log = logging.getLogger(__name__)

_TONE_MARK = {Tone.ERROR: "✗ ", Tone.WARNING: "! ", Tone.SUCCESS: "✓ ", Tone.ALERT: "⚠ "}
# Longer lines are refused (and skipped to their end), not allowed to stop the console.
MAX_LINE_BYTES = 64 * 1024


def render_console(reply: Reply, *, private: bool = False, heading: str | None = None) -> str:
    reply = visible(reply)
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
    if reply.select is not None:
        menu = reply.select
        several = ", several separated by commas" if menu.max_values > 1 else ""
        lines.append(f"Choose{several}: {menu.command} {menu.option}=<value>")
        shown = (f"{value} ({label})" if label != value else value for label, value in menu.options)
        lines.append("  " + ", ".join(shown))
    if reply.form is not None:
        options = " ".join(f'{f.option}="<{f.label}>"' for f in reply.form.fields)
        lines.append(f"[{reply.form.label}] {reply.form.command} {options}")
    lines += [f"(attached {f.filename}, {len(f.data)} bytes)" for f in reply.files]
    if reply.footer:
        lines.append(f"({reply.footer})")
    if private:
        lines.append("(only you can see this)")
    return "\n".join(lines)


class LineTooLong(Exception):
    pass


class ConsoleFrontEnd:
    platform = "console"

    def __init__(
        self,
        app: App,
        *,
        role: Role = Role.MEMBER,
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
    ) -> None:
        self._app = app
        self._caller = Caller("console", os.environ.get("USER", "you"), "you", platform_role=role)
        # sys.stdin is None when the process was started with standard input closed.
        self._stdin: TextIO | None = stdin or sys.stdin
        self._stdout = stdout or sys.stdout
        self._community = app.settings.console.community
        self._stopped = asyncio.Event()
        self._commands_run = 0
        # Messages posted unprompted, numbered so that an edit can name the one it changes.
        self._posted = 0

    async def run(self) -> None:
        """Answer each line until the input ends or `stop` is called."""
        if self._stdin is not None and _is_terminal(self._stdin):
            self._print(
                f"Steward console: you are a {self._caller.platform_role.name.lower()} of "
                f"'{self._community}'. Type /help; Ctrl-D quits."
            )
        async for line in self._lines():
            if isinstance(line, LineTooLong):
                self._print(
                    render_console(
                        error_reply(
                            f"That line is longer than {MAX_LINE_BYTES // 1024} KiB; skipped."
                        )
                    )
                )
                continue
            await self.handle_line(line)
            if self._stopped.is_set():
                return

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

    async def _lines(self) -> AsyncIterator[str | LineTooLong]:
        """Lines of standard input, read without blocking the event loop where the OS allows.

        Input that cannot be read at all (standard input closed, or open for writing only) is
        treated as empty, like /dev/null: a service with no input must not fail and retry."""
        stdin = self._stdin
        if stdin is None:  # the process was started with standard input closed
            return
        if not _is_pollable(stdin):
            # Files, /dev/null and in-memory streams can't be watched by the event loop; reading
            # them never blocks for long.
            while (line := _read_line(stdin)) is not None:
                yield line
            return
        loop = asyncio.get_running_loop()
        reader = asyncio.StreamReader(limit=MAX_LINE_BYTES)
        try:
            transport, _ = await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(reader), stdin
            )
        except OSError as exc:
            _unreadable(exc)
            return
        try:
            while not self._stopped.is_set():
                try:
                    raw = await reader.readuntil(b"\n")
                except asyncio.IncompleteReadError as end:
                    if end.partial:
                        yield _decoded(end.partial)
                    return
                except asyncio.LimitOverrunError:
                    await _skip_line(reader)
                    yield LineTooLong()
                    continue
                except OSError as exc:
                    _unreadable(exc)
                    return
                yield _decoded(raw)
        finally:
            transport.close()

    async def stop(self) -> None:
        self._stopped.set()

    async def post(
        self, channel: ChannelRef, reply: Reply, *, nonce: str | None = None
    ) -> list[MessageRef]:
        self._print(render_console(reply, heading=f"posted to #{channel.display or channel.id}"))
        return [self._number(channel.id)]

    async def post_direct(
        self, user_id: str, reply: Reply, *, nonce: str | None = None
    ) -> list[MessageRef]:
        self._print(render_console(reply, heading=f"direct message to {user_id}"))
        return [self._number(f"dm:{user_id}")]

    async def edit_message(self, message: MessageRef, reply: Reply) -> None:
        """A terminal cannot change what it printed: the new text follows, marked as an update
        of the earlier post."""
        kind, _, target = message.channel_id.partition(":")
        where = f"direct message to {target}" if kind == "dm" and target else f"post to #{kind}"
        self._print(render_console(reply, heading=f"update of an earlier {where}"))

    def _number(self, channel_id: str) -> MessageRef:
        self._posted += 1
        return MessageRef(channel_id, str(self._posted))

    async def space_of(self, channel: ChannelRef) -> str | None:
        # The console is the local community's one channel.
        return self._community if channel.id == self._community else None

    async def member_spaces(self, user_id: str, spaces: Sequence[str]) -> list[str]:
        return [s for s in spaces if s == self._community]

    def health(self) -> Health:
        return Health("console", True, f"{self._commands_run} commands run")

    def _print(self, text: str) -> None:
        self._stdout.write(text + "\n\n")
        self._stdout.flush()


def _read_line(stream: TextIO) -> str | LineTooLong | None:
    """The next line of a stream that is not a pipe; None at its end. Bytes are decoded like a
    pipe's (invalid UTF-8 replaced, so a stray byte cannot stop the console), and an over-long
    line is skipped without holding it in memory."""
    binary = getattr(stream, "buffer", None)
    try:
        if binary is None:
            line = stream.readline()
        else:
            raw = binary.readline(MAX_LINE_BYTES + 2)  # the limit, and room for "\r\n"
            if len(raw) == MAX_LINE_BYTES + 2 and not raw.endswith(b"\n"):
                while (rest := binary.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                    pass
                return LineTooLong()
            line = _decoded(raw)
    except (OSError, ValueError) as exc:
        _unreadable(exc)
        return None
    if not line:
        return None
    return LineTooLong() if _too_long(line) else line


def _decoded(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace")


def _too_long(line: str) -> bool:
    # Measured without the newline, as the pipe reader's limit is.
    return len(line.rstrip("\r\n").encode("utf-8", errors="replace")) > MAX_LINE_BYTES


def _unreadable(exc: Exception) -> None:
    log.warning("cannot read standard input; taking it as ended", extra={"error": str(exc)})


async def _skip_line(reader: asyncio.StreamReader) -> None:
    """Drop the rest of an over-long line, up to and including its newline."""
    while True:
        try:
            await reader.readuntil(b"\n")
            return
        except asyncio.LimitOverrunError as exc:
            await reader.readexactly(exc.consumed)
        except asyncio.IncompleteReadError:
            return


def _mode(stream: TextIO) -> int | None:
    try:
        return os.fstat(stream.fileno()).st_mode
    except (OSError, ValueError):
        return None


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (OSError, ValueError):
        return False


def _is_pollable(stream: TextIO) -> bool:
    """Pipes, sockets and terminals can be watched by the event loop; /dev/null (a character
    device that is no terminal) and regular files cannot (epoll refuses them)."""
    mode = _mode(stream)
    if mode is None:
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or _is_terminal(stream)
