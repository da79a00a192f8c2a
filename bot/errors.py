"""One error tree for the whole bot.

Adapters turn `UserError` into a reply, `UpstreamError` into an apology with an incident id, and
`ConfigError` into a non-zero exit that names the key at fault. `chain/` and `summarizer/` have
errors of their own (they know nothing of the bot); features say how those read to members.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence


class StewardError(Exception):
    """Base of every error Steward raises on purpose."""


class UserError(StewardError):
    """The caller asked for something invalid, missing or not allowed; the message is the reply."""


class InvalidOption(UserError):
    def __init__(self, option: str, reason: str) -> None:
        super().__init__(f"Option `{option}`: {reason}")
        self.option = option
        self.reason = reason


class NotAllowed(UserError):
    pass


class UnknownCommand(UserError):
    pass


class UpstreamError(StewardError):
    """A dependency (chat API, RPC, model, forum) failed."""

    def __init__(self, service: str, message: str, *, retryable: bool = True) -> None:
        super().__init__(f"{service}: {message}")
        self.service = service
        self.message = message
        self.retryable = retryable


class ConfigError(StewardError):
    """The configuration is invalid; the process must stop before anything is applied."""

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


class ConfigErrors(ConfigError):
    """Every problem found in one pass, so an operator fixes them all at once."""

    def __init__(self, problems: Sequence[tuple[str, str]]) -> None:
        first_key, first_reason = problems[0] if problems else ("(config)", "invalid")
        super().__init__(first_key, first_reason)
        self.problems = list(problems) or [(first_key, first_reason)]


class StartupError(StewardError):
    """Something outside the configuration stops the bot from starting (the database, the disk);
    the process exits with this one line."""


# How an error of a library package (chain/, summarizer/, the HTTP client) reads to a member.
ErrorReader = Callable[[Exception], StewardError]
