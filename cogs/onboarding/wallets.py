"""Wallet proofs: Sign-In with Ethereum messages issued with a single-use nonce, checked when the
member sends the signature back (pasted in chat or posted by the signing page), and the wallet
linked to the member once proved.

Each refusal has its own reason: a nonce used already, an expired message, a message for another
bot or chain, a signature from another address, an address another member linked first.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import delete, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.clock import Clock
from bot.commands.reply import Reply, Tone
from bot.errors import UpstreamError, UserError
from bot.outbox import Outbox, ToMember
from bot.storage.database import Database
from bot.storage.models import as_utc
from bot.web import WebServer
from chain import siwe
from chain.errors import ChainError
from chain.node import ChainNode
from cogs.onboarding.wallet_config import ChainSettings
from cogs.onboarding.wallet_models import SignInRequest, WalletLink

STATEMENT = "Prove to {community} that this wallet is yours. This costs nothing and sends nothing."


class SignInRefused(UserError):
    """A proof refused, with the one-line reason the member reads."""


class UnknownRequest(UserError):
    """A nonce this bot never issued."""


@dataclass(frozen=True)
class Member:
    community_id: int
    platform: str
    user_id: str


@dataclass(frozen=True)
class Challenge:
    nonce: str
    address: str
    message: str
    expires_at: datetime
    url: str


@dataclass(frozen=True)
class Proved:
    member: Member
    address: str
    kind: str  # account, contract


def short(address: str) -> str:
    return f"{address[:6]}…{address[-4:]}"


class WalletService:
    def __init__(
        self,
        db: Database,
        chain: ChainSettings,
        web: WebServer,
        clock: Clock,
        outbox: Outbox,
        node: ChainNode | None,
    ) -> None:
        self._db = db
        self._chain = chain
        self._web = web
        self._clock = clock
        self._outbox = outbox
        self._node = node

    @property
    def domain(self) -> str:
        """The bot's domain in sign-in messages: the host (and port) members reach it at."""
        return urlsplit(self._web.public_url).netloc

    @property
    def chain_id(self) -> int:
        return self._chain.chain_id

    def now(self) -> datetime:
        return self._clock.now()

    def page_url(self, nonce: str) -> str:
        return self._web.url(f"/sign/{nonce}")

    # Issuing -------------------------------------------------------------------------------

    async def issue(self, member: Member, address: str, community_name: str) -> Challenge:
        async with self._db.read() as session:
            await _refuse_if_linked_elsewhere(session, member, address)
        now = self._clock.now()
        nonce = secrets.token_hex(12)  # letters and digits, as EIP-4361 asks; hex in links
        expires_at = now + timedelta(minutes=self._chain.sign_in_minutes)
        url = self.page_url(nonce)
        message = siwe.new_message(
            address=address,
            domain=self.domain,
            uri=url,
            chain_id=self._chain.chain_id,
            nonce=nonce,
            issued_at=now,
            expires_at=expires_at,
            statement=STATEMENT.format(community=community_name),
        )
        async with self._db.transaction() as session:
            session.add(
                SignInRequest(
                    nonce=nonce,
                    community_id=member.community_id,
                    platform=member.platform,
                    user_id=member.user_id,
                    address=address,
                    message=message,
                    issued_at=now,
                    expires_at=expires_at,
                )
            )
        return Challenge(nonce, address, message, expires_at, url)

    async def request(self, nonce: str) -> SignInRequest | None:
        if not _looks_like_nonce(nonce):
            return None
        async with self._db.read() as session:
            return await session.get(SignInRequest, nonce)

    async def latest_request(self, member: Member) -> SignInRequest | None:
        async with self._db.read() as session:
            query = (
                select(SignInRequest)
                .where(
                    SignInRequest.community_id == member.community_id,
                    SignInRequest.platform == member.platform,
                    SignInRequest.user_id == member.user_id,
                )
                .order_by(col(SignInRequest.issued_at).desc())
                .limit(1)
            )
            return (await session.exec(query)).first()

    # Proving -------------------------------------------------------------------------------

    async def prove_latest(self, member: Member, signature: str) -> Proved:
        """`/verify signature`: the member's latest message, signed."""
        request = await self.latest_request(member)
        if request is None:
            raise SignInRefused(
                "You have no sign-in message to sign: start with /verify wallet <address>."
            )
        return await self._prove(request, signature, tell=False)

    async def prove_nonce(self, nonce: str, signature: str) -> Proved:
        """The signing page: the message of this nonce, signed; the member is told in chat."""
        request = await self.request(nonce)
        if request is None:
            raise UnknownRequest("This bot issued no sign-in message with that nonce.")
        return await self._prove(request, signature, tell=True)

    async def _prove(self, request: SignInRequest, signature: str, *, tell: bool) -> Proved:
        now = self._clock.now()
        member = Member(request.community_id, request.platform, request.user_id)
        if request.used_at is not None:
            raise SignInRefused(
                "This sign-in message was used already (its nonce proves one wallet once): "
                "ask for a new one with /verify wallet."
            )
        expires_at = as_utc(request.expires_at)
        if expires_at is not None and expires_at <= now:
            raise SignInRefused(
                f"This sign-in message expired at {expires_at:%H:%M} UTC (messages last "
                f"{self._chain.sign_in_minutes} minutes): ask for a new one with /verify wallet."
            )
        kind = await self._check(request, signature, now)
        async with self._db.transaction() as session:
            used = await session.exec(
                update(SignInRequest)
                .where(
                    col(SignInRequest.nonce) == request.nonce,
                    col(SignInRequest.used_at).is_(None),
                )
                .values(used_at=now)
            )
            if used.rowcount != 1:
                raise SignInRefused(
                    "This sign-in message was used already (its nonce proves one wallet once): "
                    "ask for a new one with /verify wallet."
                )
            await self._link(session, member, request.address, kind, now)
            if tell:
                await self._outbox.enqueue(
                    session,
                    key=f"onboarding.verified:{request.nonce}",
                    community_id=member.community_id,
                    reply=Reply(
                        title="Wallet verified",
                        body=f"{request.address} is now linked to you. See your roles with "
                        "/verify refresh.",
                        tone=Tone.SUCCESS,
                    ),
                    to=ToMember(member.platform, member.user_id),
                )
        return Proved(member, request.address, kind)

    async def _check(self, request: SignInRequest, signature: str, now: datetime) -> str:
        """The wallet's kind (account, contract) when the signature proves the message."""
        try:
            result = await siwe.verify_sign_in(
                request.message,
                signature,
                domain=self.domain,
                chain_id=self._chain.chain_id,
                now=now,
                web3=self._node,
                nonce=request.nonce,
            )
        except siwe.ExpiredMessage as exc:
            raise SignInRefused(
                "This sign-in message has expired: ask for a new one with /verify wallet."
            ) from exc
        except siwe.WrongDomain as exc:
            raise SignInRefused(
                f"Wrong domain: {exc.message} Ask for a new message with /verify wallet."
            ) from exc
        except siwe.WrongChain as exc:
            raise SignInRefused(
                f"Wrong chain: {exc.message} Ask for a new message with /verify wallet."
            ) from exc
        except siwe.WrongSigner as exc:
            by = f"by {exc.signer}" if exc.signer else "by someone else"
            raise SignInRefused(
                f"This signature was made {by}, not by {request.address}, the address you are "
                "proving: sign with that wallet."
            ) from exc
        except siwe.WrongNonce as exc:
            raise SignInRefused("This signature is for another sign-in message.") from exc
        except siwe.SignInRefused as exc:
            raise SignInRefused(exc.message) from exc
        except ChainError as exc:  # the node failed: not a refusal, try again later
            raise UpstreamError("the chain's RPC", exc.message, retryable=True) from exc
        if result.nonce != request.nonce or result.address != request.address:
            raise SignInRefused("This signature is for another sign-in message.")
        return result.wallet

    async def _link(
        self, session: AsyncSession, member: Member, address: str, kind: str, now: datetime
    ) -> None:
        existing = await _refuse_if_linked_elsewhere(session, member, address)
        if existing is None:
            session.add(
                WalletLink(
                    community_id=member.community_id,
                    platform=member.platform,
                    user_id=member.user_id,
                    address=address,
                    kind=kind,
                    verified_at=now,
                )
            )
        else:
            existing.kind, existing.verified_at = kind, now
            session.add(existing)

    # Links ---------------------------------------------------------------------------------

    async def wallets_of(self, member: Member) -> list[WalletLink]:
        async with self._db.read() as session:
            query = (
                select(WalletLink)
                .where(
                    WalletLink.community_id == member.community_id,
                    WalletLink.platform == member.platform,
                    WalletLink.user_id == member.user_id,
                )
                .order_by(col(WalletLink.verified_at))
            )
            return list((await session.exec(query)).all())

    async def links(self, community_id: int) -> list[WalletLink]:
        async with self._db.read() as session:
            query = select(WalletLink).where(WalletLink.community_id == community_id)
            return list((await session.exec(query)).all())

    async def unlink(self, member: Member, address: str) -> bool:
        async with self._db.transaction() as session:
            removed = await session.exec(
                delete(WalletLink).where(
                    col(WalletLink.community_id) == member.community_id,
                    col(WalletLink.platform) == member.platform,
                    col(WalletLink.user_id) == member.user_id,
                    col(WalletLink.address) == address,
                )
            )
            return bool(removed.rowcount)


async def forget_wallets(
    session: AsyncSession, community_id: int, platform: str, user_id: str
) -> int:
    """/forget: every wallet link and sign-in message naming the member (in /forget's
    transaction)."""
    removed = 0
    for table in (WalletLink, SignInRequest):
        result = await session.exec(
            delete(table).where(
                col(table.community_id) == community_id,
                col(table.platform) == platform,
                col(table.user_id) == user_id,
            )
        )
        removed += result.rowcount or 0
    return removed


async def _refuse_if_linked_elsewhere(
    session: AsyncSession, member: Member, address: str
) -> WalletLink | None:
    """The member's own link of this address, if any; refused when another member has it."""
    query = select(WalletLink).where(
        WalletLink.community_id == member.community_id, WalletLink.address == address
    )
    existing = (await session.exec(query)).first()
    if existing is not None and (existing.platform, existing.user_id) != (
        member.platform,
        member.user_id,
    ):
        raise SignInRefused(
            f"{address} is already linked to another member of this community: they must "
            f"unlink it first with /verify unlink {address}."
        )
    return existing


def _looks_like_nonce(text: str) -> bool:
    return 8 <= len(text) <= 32 and text.isalnum()


def clean_signature(text: str) -> str:
    """A signature as wallets give it: 0x and hex, 65 bytes per signer (a Safe's owners' joined),
    at most ten signers' worth."""
    value = text.strip().strip("`\"'")
    if not value.startswith("0x"):
        value = f"0x{value}"
    body = value[2:]
    if not body or len(body) % 2 or len(body) > 1300 or not all(c in HEX for c in body):
        raise SignInRefused(
            "That is not a signature: paste the 0x… text your wallet gave when it signed."
        )
    return value.lower()


HEX = frozenset("0123456789abcdefABCDEF")
