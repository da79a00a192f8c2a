"""Other features' chain logs ride in the treasury's polls: one HTTP request per poll, the logs
handed over once, in the transaction that advances the cursor."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.chain_logs import LogInterest
from bot.commands.reply import Reply
from bot.outbox import ToChannelSetting
from chain.governor_events import GOVERNOR_TOPICS, decode_governor_logs
from chain.node import ChainNode
from cogs.treasury.service import ALERT_CHANNEL
from tests.support.anvil import Anvil
from tests.support.governor import FOR, WHOLE, Governance, deploy_governance
from tests.support.rpc_proxy import RangeError, RpcProxy
from tests.support.safes import SafeContracts
from tests.support.treasury import Watching, new_safe, watching


class Listener:
    """A feature's interest in a governor's logs: it posts one line per log, keyed by the log,
    and can be told to fail after posting (its writes must then vanish with the range)."""

    def __init__(self, world: Watching, governance: Governance) -> None:
        self.world = world
        self.fail = False
        self.calls: list[tuple[str, list[dict[str, Any]], int]] = []
        self.interest = LogInterest(
            "test.governor",
            "anvil",
            (governance.address,),
            tuple(GOVERNOR_TOPICS),
            self.handle,
        )
        world.app.chain_logs.register(self.interest)

    async def handle(
        self,
        session: AsyncSession,
        chain_name: str,
        node: ChainNode,
        logs: list[dict[str, Any]],
        to_block: int,
    ) -> None:
        self.calls.append((chain_name, logs, to_block))
        community = await self.world.app.communities.by_slug(
            self.world.app.settings.console.community
        )
        assert community is not None
        for event in decode_governor_logs(logs):
            await self.world.app.outbox.enqueue(
                session,
                key=f"test:{event.key}",
                community_id=community.id,
                reply=Reply(body=f"governor saw {type(event).__name__} in {event.block_number}"),
                to=ToChannelSetting(ALERT_CHANNEL),
            )
        if self.fail:
            raise RuntimeError("the handler failed")

    def logs(self) -> list[dict[str, Any]]:
        return [log for _, logs, _ in self.calls for log in logs]


async def test_governor_logs_join_the_safe_polls_batch(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)
    governance = deploy_governance(chain)
    alice = governance.voters[0]
    async with RpcProxy(chain.url) as proxy, watching(tmp_path, db_url, proxy.url, safe) as world:
        listener = Listener(world, governance)
        await world.service.run_chain("anvil")  # learns the head
        proxy.reset()
        safe.fund_eth(10**15)
        proposal = governance.propose_transfer(alice, alice.address, WHOLE, "Pay Alice")
        chain.mine(1)
        await world.service.poll("anvil")
        governance.open_voting(proposal)
        governance.vote(alice, proposal, FOR, "yes")
        for _ in range(3):
            chain.mine(1)
            await world.service.poll("anvil")
        assert proxy.stats.requests == 4, "one HTTP request per poll, governor filter included"
        await world.service.poll("anvil")  # nothing new: nothing handed over twice
        posted = await world.posted()
    assert [e.__class__.__name__ for e in decode_governor_logs(listener.logs())] == [
        "ProposalCreated",
        "VoteCast",
    ]
    assert sum("funds received" in p for p in posted) == 1
    assert sum("governor saw ProposalCreated" in p for p in posted) == 1
    assert sum("governor saw VoteCast" in p for p in posted) == 1
    assert all(chain_name == "anvil" for chain_name, _, _ in listener.calls)


async def test_a_chain_with_only_interests_is_polled_and_a_failing_handler_rereads(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)
    governance = deploy_governance(chain)
    alice = governance.voters[0]
    async with RpcProxy(chain.url) as proxy, watching(tmp_path, db_url, proxy.url, safe) as world:
        assert "No longer watching" in await world.run(f"/safe unwatch {safe.address} anvil")
        listener = Listener(world, governance)
        listener.fail = True
        cursor = await world.service.cursor("anvil")
        governance.propose_transfer(alice, alice.address, WHOLE, "Pay Alice")
        chain.mine(1)
        await world.service.run_chain("anvil")
        assert "the handler failed" in str(world.service.chains["anvil"].last_error)
        assert len(listener.calls) == 1 and len(listener.calls[0][1]) == 1
        assert await world.service.cursor("anvil") == cursor, "the failed range is not passed"
        assert await world.posted() == [], "the handler's messages went with its transaction"
        listener.fail = False
        proxy.reset()
        await world.service.run_chain("anvil")
        assert proxy.stats.requests == 1, "a chain with no Safe, only an interest, is polled"
        assert world.service.chains["anvil"].last_error is None
        assert (await world.service.cursor("anvil") or 0) > (cursor or 0)
        posted = await world.posted()
    assert len(posted) == 1 and "governor saw ProposalCreated" in posted[0]
    assert len(decode_governor_logs(listener.calls[-1][1])) == 1


async def test_a_provider_refusing_long_ranges_splits_the_interests_filter_too(
    tmp_path: Path, db_url: str, chain: Anvil, safe_contracts: SafeContracts
) -> None:
    safe = new_safe(chain, safe_contracts)
    governance = deploy_governance(chain)
    alice, bob, _ = governance.voters
    async with (
        RpcProxy(chain.url, max_log_blocks=3, range_error=RangeError.ALCHEMY) as proxy,
        watching(tmp_path, db_url, proxy.url, safe) as world,
    ):
        listener = Listener(world, governance)
        proposals = []
        for i, proposer in enumerate([alice, bob, alice]):
            description = f"Pay Alice, take {i}"
            proposals.append(
                governance.propose_transfer(proposer, alice.address, WHOLE, description)
            )
            chain.mine(3)
        await world.service.run_chain("anvil")
        assert proxy.stats.refused > 0, "the provider did refuse a range"
        posted = await world.posted()
    created = decode_governor_logs(listener.logs())
    assert [e.proposal_id for e in created] == [p.id for p in proposals]
    assert len([p for p in posted if "governor saw ProposalCreated" in p]) == 3
