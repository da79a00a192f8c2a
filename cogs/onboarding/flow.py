"""/onboard: a step-by-step profile whose state lives in the database.

Each answer is stored as it is given, so a restart of the bot loses nothing: /onboard again shows
the step it waits on. A flow left unanswered for the configured timeout is closed (the member is
told once, by direct message) and /onboard then starts afresh.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.commands.registry import quote_value
from bot.commands.reply import Button, Field, Form, FormField, Reply, Select, Tone
from bot.errors import UserError
from bot.outbox import Outbox, ToMember
from bot.storage.database import Database
from bot.storage.models import as_utc
from cogs.onboarding import fields
from cogs.onboarding.config import OnboardingConfig
from cogs.onboarding.models import ContributorProfile, OnboardingFlow
from cogs.onboarding.store import Member, flow_of, flows_idle_since, profile_of

ANSWER = "/onboard answer"
DONE = "done"
TIMEOUT_KEY = "onboarding.timeout"
COMMON_ZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York", "Asia/Singapore")
HOUR_CHOICES = (5, 10, 20, 40)


@dataclass(frozen=True)
class Step:
    name: str
    question: str
    hint: str


STEPS = (
    Step("name", "What name should we show for you?", "a display name, at most 64 characters"),
    Step(
        "skills",
        "Which skills do you bring? Pick one or more, then done.",
        "skills from the list, separated by commas, then done",
    ),
    Step("timezone", "Which time zone are you in?", "an IANA name such as Europe/Berlin"),
    Step("hours", "How many hours a week can you give?", "a whole number from 0 to 80"),
    Step("github", "Your GitHub handle?", "a handle such as octocat, or skip"),
    Step(
        "interests",
        "What would you like to work on?",
        "a few words, at most 500 characters, or skip",
    ),
    Step("matching", "May stewards suggest you for tasks that fit?", "yes or no"),
)
_BY_NAME = {step.name: step for step in STEPS}


def answer_line(value: str) -> str:
    return f"{ANSWER} {quote_value(value)}"


class FlowService:
    def __init__(
        self, db: Database, config: OnboardingConfig, outbox: Outbox, clock: Clock
    ) -> None:
        self.db = db
        self.config = config
        self.outbox = outbox
        self.clock = clock

    @property
    def timeout(self) -> timedelta:
        return timedelta(minutes=self.config.flow_timeout_minutes)

    def _expired(self, flow: OnboardingFlow) -> bool:
        updated = as_utc(flow.updated_at)
        return updated is not None and self.clock.now() - updated >= self.timeout

    async def start(self, member: Member, community: str, caller_name: str) -> Reply:
        """Resume the open flow, or start one; an expired flow is closed and started afresh."""
        note = ""
        async with self.db.transaction() as session:
            flow = await flow_of(session, member)
            if flow is not None and self._expired(flow):
                await session.delete(flow)
                await session.flush()
                flow, note = None, "Your last onboarding timed out, so we start again."
            if flow is not None:
                return self._prompt(flow, community, caller_name, "Picking up where you left off.")
            if await profile_of(session, member) is not None and not note:
                return Reply(
                    title="You are onboarded already",
                    body="See your entry with `/profile`, change a field with "
                    "`/profile set <field> <value>`, or go through every step again.",
                    buttons=(Button("Start again", command="/onboard restart"),),
                )
            flow = self._new_flow(member)
            session.add(flow)
        return self._prompt(flow, community, caller_name, note)

    async def restart(self, member: Member, community: str, caller_name: str) -> Reply:
        async with self.db.transaction() as session:
            flow = await flow_of(session, member)
            if flow is not None:
                await session.delete(flow)
                await session.flush()
            flow = self._new_flow(member)
            session.add(flow)
        return self._prompt(flow, community, caller_name, "Starting over.")

    def _new_flow(self, member: Member) -> OnboardingFlow:
        now = self.clock.now()
        return OnboardingFlow(
            community_id=member.community_id,
            platform=member.platform,
            user_id=member.user_id,
            step=STEPS[0].name,
            answers={},
            started_at=now,
            updated_at=now,
        )

    async def answer(
        self, member: Member, community: str, caller_name: str, value: str | None
    ) -> Reply:
        async with self.db.transaction() as session:
            flow = await flow_of(session, member)
            expired = flow is not None and self._expired(flow)
            if flow is not None and expired:
                await session.delete(flow)
        if flow is None or expired:
            raise UserError(
                "Your onboarding timed out; run `/onboard` to start again."
                if expired
                else "There is no onboarding in progress; run `/onboard` to start."
            )
        if value is None or not value.strip():
            return self._prompt(flow, community, caller_name, "")
        answers = dict(flow.answers)
        step = flow.step
        self._apply(step, value, answers, community)
        following = self._next_step(step, answers)
        async with self.db.transaction() as session:
            fresh = await flow_of(session, member)
            if fresh is None or fresh.step != step:
                # Answered twice at once (two buttons pressed together): show where it stands.
                raise UserError("That step was answered already; run `/onboard` to see the next.")
            fresh.answers = answers
            fresh.updated_at = self.clock.now()
            if following is None:
                profile = await self._save(session, member, answers)
                await session.delete(fresh)
                return finished(profile)
            fresh.step = following
            session.add(fresh)
        return self._prompt(fresh, community, caller_name, "")

    def _apply(self, step: str, value: str, answers: dict[str, Any], community: str) -> None:
        readers: dict[str, Callable[[str], Any]] = {
            "name": fields.display_name,
            "timezone": fields.timezone,
            "hours": fields.hours,
            "github": fields.github,
            "interests": fields.interests,
            "matching": fields.yes_no,
        }
        if step == "skills":
            chosen: list[str] = list(answers.get("skills", []))
            if value.strip().lower() == DONE:
                if not chosen:
                    raise UserError("Pick at least one skill before `done`.")
                answers["skills_done"] = True
                return
            allowed = self.config.skills_for(community)
            words = [w for w in value.replace(",", " ").split() if w.lower() != DONE]
            added = fields.skills(" ".join(words), allowed)
            answers["skills"] = list(dict.fromkeys([*chosen, *added]))
            # Skills typed in one answer ("solidity, design done" or a comma list) finish the step.
            answers["skills_done"] = DONE in value.lower().split() or len(added) > 1
            return
        answers[step] = readers[step](value)

    def _next_step(self, step: str, answers: dict[str, Any]) -> str | None:
        if step == "skills" and not answers.get("skills_done"):
            return step
        names = [s.name for s in STEPS]
        index = names.index(step) + 1
        return names[index] if index < len(names) else None

    async def _save(
        self, session: AsyncSession, member: Member, answers: dict[str, Any]
    ) -> ContributorProfile:
        now = self.clock.now()
        profile = await profile_of(session, member)
        if profile is None:
            profile = ContributorProfile(
                community_id=member.community_id,
                platform=member.platform,
                user_id=member.user_id,
                display_name=answers["name"],
                onboarded_at=now,
            )
        profile.display_name = answers["name"]
        profile.skills = list(answers["skills"])
        profile.timezone = answers["timezone"]
        profile.hours_per_week = answers["hours"]
        profile.github = answers["github"]
        profile.interests = answers["interests"]
        profile.matching = answers["matching"]
        profile.updated_at = now
        session.add(profile)
        return profile

    def _prompt(self, flow: OnboardingFlow, community: str, caller_name: str, note: str) -> Reply:
        step = _BY_NAME[flow.step]
        number = [s.name for s in STEPS].index(step.name) + 1
        buttons = self._buttons(step, flow.answers, community, caller_name)
        body = [note] if note else []
        body.append(step.question)
        if step.name == "skills":
            chosen = flow.answers.get("skills", [])
            if chosen:
                body.append(f"Chosen so far: {', '.join(chosen)}.")
        body.append(f"Answer with `{ANSWER} <{step.hint}>`.")
        return Reply(
            title=f"Onboarding, step {number} of {len(STEPS)}",
            body="\n".join(body),
            buttons=buttons,
            select=self._menu(step, flow.answers, community),
            form=_typed_answer(step),
            footer=f"Unanswered for {self.config.flow_timeout_minutes} minutes, it closes; "
            "`/onboard restart` starts over.",
        )

    def _buttons(
        self, step: Step, answers: dict[str, Any], community: str, caller_name: str
    ) -> tuple[Button, ...]:
        match step.name:
            case "name":
                try:
                    name = fields.display_name(caller_name)
                except UserError:
                    return ()
                return (Button(f"Use {name}", command=answer_line(name)),)
            case "skills":
                # The skills themselves are the menu (see _menu).
                chosen = answers.get("skills", [])
                return (Button("Done", command=answer_line(DONE)),) if chosen else ()
            case "timezone":
                return tuple(Button(z, command=answer_line(z)) for z in COMMON_ZONES)
            case "hours":
                return tuple(Button(f"{h} h", command=answer_line(str(h))) for h in HOUR_CHOICES)
            case "github" | "interests":
                return (Button("Skip", command=answer_line("skip")),)
            case _:
                return (
                    Button("Yes, suggest me", command=answer_line("yes")),
                    Button("No", command=answer_line("no")),
                )

    def _menu(self, step: Step, answers: dict[str, Any], community: str) -> Select | None:
        """Skills not chosen yet, as a menu: several at once on Discord, one per press on
        Telegram."""
        if step.name != "skills":
            return None
        chosen = set(answers.get("skills", []))
        left = [s for s in self.config.skills_for(community) if s not in chosen]
        if not left:
            return None
        return Select(ANSWER, "value", tuple((s, s) for s in left), "Choose your skills", len(left))

    async def expire_job(self) -> None:
        await self.expire()

    async def expire(self) -> int:
        """Close every flow left unanswered past the timeout; each member is told once."""
        closed = 0
        async with self.db.transaction() as session:
            for flow in await flows_idle_since(session, self.clock.now() - self.timeout):
                key = _timeout_key(flow)
                await self.outbox.enqueue(
                    session,
                    key=key,
                    community_id=flow.community_id,
                    reply=Reply(
                        title="Onboarding closed",
                        body=f"Your onboarding waited {self.config.flow_timeout_minutes} minutes "
                        "for an answer, so it was closed. Run `/onboard` whenever you are ready "
                        "to start again.",
                        buttons=(Button("Start again", command="/onboard"),),
                        tone=Tone.WARNING,
                    ),
                    to=ToMember(flow.platform, flow.user_id),
                )
                await session.delete(flow)
                closed += 1
        return closed


def _typed_answer(step: Step) -> Form | None:
    """A form for the steps answered in words (on Discord, a modal; the buttons offer the
    common answers)."""
    if step.name in ("skills", "matching"):
        return None
    return Form(
        "Type my answer",
        step.question[:45],
        ANSWER,
        (FormField("value", step.hint[:45], long=step.name == "interests", max_length=500),),
    )


def _timeout_key(flow: OnboardingFlow) -> str:
    """Keyed on a digest, so the outbox row does not name the member in its key."""
    started = as_utc(flow.started_at)
    moment = started.isoformat() if started else ""
    raw = f"{flow.community_id}:{flow.platform}:{flow.user_id}:{moment}"
    return f"{TIMEOUT_KEY}:{hashlib.blake2b(raw.encode(), digest_size=12).hexdigest()}"


def finished(profile: ContributorProfile) -> Reply:
    return Reply(
        title="Welcome aboard",
        body=f"Thanks, {fields.safe(profile.display_name)}: your profile is saved. "
        "Stewards can now find you by skill. See it with `/profile`.",
        fields=profile_fields(profile, everything=True),
        tone=Tone.SUCCESS,
    )


def profile_fields(
    profile: ContributorProfile, *, everything: bool, shown: Sequence[str] | None = None
) -> tuple[Field, ...]:
    """A profile as reply fields: everything for its owner and stewards, else what it shares."""
    allowed = set(profile.shared if shown is None else shown)
    rows: list[Field] = []

    def add(key: str, name: str, value: str) -> None:
        if (everything or key in allowed) and value:
            rows.append(Field(name, fields.safe(value), inline=True))

    add("skills", "Skills", ", ".join(profile.skills))
    add("timezone", "Time zone", profile.timezone)
    add("hours", "Hours a week", str(profile.hours_per_week))
    add("github", "GitHub", profile.github)
    add("forum", "Forum", profile.forum)
    add("interests", "Wants to work on", profile.interests)
    if everything:
        rows.append(Field("Matching", "yes" if profile.matching else "no", inline=True))
        rows.append(Field("Shared with members", ", ".join(profile.shared) or "nothing"))
    return tuple(rows)
