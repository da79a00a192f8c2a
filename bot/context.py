"""What a feature is given: the shared mechanisms and its own configuration, nothing more.

A feature's lifespan receives a `FeatureContext` and yields the object its commands see as
`inv.feature`. There is no app object to fetch services from by name: what a feature depends on
is visible here, and a test can build one feature alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from pydantic import BaseModel

from bot.activity import Activity
from bot.chain_logs import ChainLogs
from bot.clock import Clock
from bot.commands.community import CommunityService
from bot.commands.registry import CommandRegistry
from bot.digest_parts import DigestParts
from bot.directory import Directory
from bot.discussions import Discussions
from bot.events import EventBus
from bot.frontend import FrontEnds
from bot.health import HealthChecks
from bot.http import HttpClient
from bot.outbox import Outbox
from bot.payouts import PayoutReviews
from bot.records import Records
from bot.scheduling import Scheduler
from bot.settings import LLMSettings
from bot.storage.database import Database
from bot.web import WebServer

ConfigT = TypeVar("ConfigT", bound=BaseModel)


@dataclass(frozen=True)
class FeatureContext(Generic[ConfigT]):
    name: str
    # The feature's own table of the configuration file, validated by its model.
    config: ConfigT
    db: Database
    scheduler: Scheduler
    outbox: Outbox
    http: HttpClient
    clock: Clock
    events: EventBus
    communities: CommunityService
    # The chat front ends, for what a feature may ask of them (reading a channel's history).
    frontends: FrontEnds
    health: HealthChecks
    commands: CommandRegistry
    # The language model endpoint, for features that summarize or draft through summarizer/.
    llm: LLMSettings
    # Where direct messages and unassigned configuration belong by default.
    default_community: str
    console_community: str
    # Members behind addresses, for features that name people (filled by onboarding).
    directory: Directory = field(default_factory=Directory)
    # What members have done here, for features that rank people (filled by debates).
    activity: Activity = field(default_factory=Activity)
    # Checks of what a treasury is about to pay (registered by proposals, read by treasury).
    payouts: PayoutReviews = field(default_factory=PayoutReviews)
    # Debates as other features read them (filled by debates, read by proposals).
    discussions: Discussions = field(default_factory=Discussions)
    # Chain logs features follow, read in the treasury's polls (registered by proposals).
    chain_logs: ChainLogs = field(default_factory=ChainLogs)
    # What each feature tells stewards in their digests (registered by features, read by digests).
    digest_parts: DigestParts = field(default_factory=DigestParts)
    # What the community wrote, searchable for /ask (registered by debates, proposals, knowledge).
    records: Records = field(default_factory=Records)
    # The bot's web server, for pages members open from chat (routes added in the lifespan).
    web: WebServer = field(default_factory=WebServer)
    # Every loaded feature as (name, description), for /about.
    features: Sequence[tuple[str, str]] = ()
    version: str = ""
