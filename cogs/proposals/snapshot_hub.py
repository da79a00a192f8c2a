"""Snapshot's hub (GraphQL, read) and sequencer (signed messages, write), over `ctx.http`.

`SnapshotHub(http, api_key=...)`:

* `proposals(hub_url, spaces, *, since=None, ids=None, state=None)`: the spaces' proposals,
  oldest first, as `HubProposal`s. `since` (Unix seconds) keeps those created after it; `ids`
  asks for those proposals only (any space when `spaces` is empty); `state` is "pending",
  "active" or "closed". Pages of `PAGE_SIZE` within the hub's limits (`first` ≤ 1000, `skip` ≤
  5000, `id_in` ≤ 100): past 5,000 the next pages start from the last creation time seen.
* `voters(hub_url, proposal_id, addresses)`: which of `addresses` voted on the proposal (as
  given, case kept), asked 100 at a time.
* `votes_since(hub_url, proposal_id, since)`: (voter, created) of the proposal's votes cast at or
  after `since` (Unix seconds), oldest first: what digests record of who voted.
* `submit(sequencer_url, envelope)`: POST the signed envelope (chain/snapshot.py `envelope`)
  to the sequencer's root; `SubmitResult` on success, `SequencerRefused` (a UserError carrying
  the sequencer's own `error_description`) on its HTTP 400. Not retried: a retry after a lost
  answer would only be refused as "duplicate message".

The API key (config `proposals.snapshot.api_key_env`) goes as `x-api-key` to the hub and the
sequencer only. A failing hub (HTTP error, GraphQL errors, an answer of another shape) raises
UpstreamError("Snapshot hub", ...), retryable when the HTTP client says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.errors import UpstreamError, UserError
from bot.http import HttpClient, HttpError

PAGE_SIZE = 1000  # the hub's largest `first`
MAX_SKIP = 5000
MAX_IN = 100  # the hub's largest `*_in` list (but proposals' space_in)
HUB = "Snapshot hub"
SEQUENCER = "Snapshot sequencer"

PROPOSAL_FIELDS = (
    "id space { id } title author state start end choices scores scores_total quorum votes "
    "link type body discussion created scores_state"
)
PROPOSALS_QUERY = (
    "query Proposals($first: Int!, $skip: Int!, $where: ProposalWhere) {"
    ' proposals(first: $first, skip: $skip, where: $where, orderBy: "created",'
    f" orderDirection: asc) {{ {PROPOSAL_FIELDS} }} }}"
)
SPACE_VOTING_QUERY = (
    "query SpaceVoting($id: String!) { space(id: $id) { id voting { delay period type } } }"
)
VOTERS_QUERY = (
    "query Voters($first: Int!, $where: VoteWhere) {"
    " votes(first: $first, skip: 0, where: $where) { voter } }"
)
VOTES_SINCE_QUERY = (
    "query VotesSince($first: Int!, $skip: Int!, $where: VoteWhere) {"
    ' votes(first: $first, skip: $skip, where: $where, orderBy: "created",'
    " orderDirection: asc) { voter created } }"
)


@dataclass(frozen=True)
class SpaceVoting:
    """What a space fixes for every proposal (the sequencer refuses one that differs): the
    delay between creation and start and the voting period, in seconds, and the voting type;
    None where the space leaves it to the author."""

    delay: int | None
    period: int | None
    type: str | None


@dataclass(frozen=True)
class HubProposal:
    """A proposal as the hub lists it. Times are Unix seconds; `scores` follow `choices`."""

    id: str
    space: str
    title: str
    author: str
    state: str  # "pending" | "active" | "closed"
    start: int
    end: int
    choices: tuple[str, ...]
    scores: tuple[float, ...]
    scores_total: float
    quorum: float
    votes: int
    link: str
    type: str
    body: str
    discussion: str
    created: int
    # "final" once the hub has counted the closed vote for good, else "pending" (or "invalid").
    scores_state: str = ""


@dataclass(frozen=True)
class SubmitResult:
    id: str  # the proposal's id on the hub: the EIP-712 hash of the message
    ipfs: str
    relayer: str | None
    receipt: str | None


class SequencerRefused(UserError):
    """The sequencer said no (HTTP 400); `description` is its own words ("wrong timestamp")."""

    def __init__(self, description: str) -> None:
        super().__init__(f"Snapshot refused the proposal: {description}")
        self.description = description


class SnapshotHub:
    def __init__(
        self,
        http: HttpClient,
        *,
        api_key: str | None = None,
        page_size: int = PAGE_SIZE,
        max_skip: int = MAX_SKIP,
    ) -> None:
        self.http = http
        self.api_key = api_key
        self.page_size = page_size
        self.max_skip = max_skip

    async def proposals(
        self,
        hub_url: str,
        spaces: Sequence[str],
        *,
        since: int | None = None,
        ids: Sequence[str] | None = None,
        state: str | None = None,
    ) -> list[HubProposal]:
        where: dict[str, Any] = {}
        if spaces:
            where["space_in"] = list(spaces)
        if state is not None:
            where["state"] = state
        if ids is not None:
            found: list[HubProposal] = []
            for chunk in _chunks(list(dict.fromkeys(ids)), MAX_IN):
                found += await self._pages(hub_url, {**where, "id_in": chunk}, since)
            return sorted(found, key=lambda p: (p.created, p.id))
        if not spaces:
            return []
        return await self._pages(hub_url, where, since)

    async def space_voting(self, hub_url: str, space: str) -> SpaceVoting | None:
        """The voting settings a space imposes on its proposals (None: no such space)."""
        data = await self._query(hub_url, SPACE_VOTING_QUERY, {"id": space})
        found = data.get("space")
        if not isinstance(found, dict):
            return None
        settings = found.get("voting")
        voting: dict[str, Any] = settings if isinstance(settings, dict) else {}
        return SpaceVoting(
            delay=_positive(voting.get("delay")),
            period=_positive(voting.get("period")),
            type=str(voting["type"]) if voting.get("type") else None,
        )

    async def voters(self, hub_url: str, proposal_id: str, addresses: Iterable[str]) -> set[str]:
        wanted = {address.lower(): address for address in addresses}
        voted: set[str] = set()
        for chunk in _chunks(list(wanted), MAX_IN):
            where = {"proposal": proposal_id, "voter_in": chunk}
            data = await self._query(hub_url, VOTERS_QUERY, {"first": MAX_IN, "where": where})
            for vote in _list(data, "votes"):
                voter = str(vote.get("voter", "")).lower()
                if voter in wanted:
                    voted.add(wanted[voter])
        return voted

    async def votes_since(
        self, hub_url: str, proposal_id: str, since: int
    ) -> list[tuple[str, int]]:
        found: dict[str, int] = {}
        floor, skip = since, 0
        while True:
            where = {"proposal": proposal_id, "created_gte": floor}
            variables = {"first": self.page_size, "skip": skip, "where": where}
            page = _list(await self._query(hub_url, VOTES_SINCE_QUERY, variables), "votes")
            for vote in page:
                voter, created = str(vote.get("voter") or ""), int(vote.get("created") or 0)
                if voter:
                    found.setdefault(voter, created)
            if len(page) < self.page_size:
                break
            if skip + self.page_size <= self.max_skip:
                skip += self.page_size
                continue
            last = int(page[-1].get("created") or 0)
            if last == floor:
                break  # a whole paging's worth in one second: nothing more to ask
            floor, skip = last, 0
        return sorted(found.items(), key=lambda vote: vote[1])

    async def submit(self, sequencer_url: str, envelope: dict[str, Any]) -> SubmitResult:
        try:
            response = await self.http.request(
                "POST",
                sequencer_url,
                json=envelope,
                credentials=self._credentials(),
                retry=False,
                accept={400},
            )
            answer = response.json()
        except HttpError as exc:
            raise UpstreamError(SEQUENCER, str(exc), retryable=exc.retryable) from exc
        if response.status == 400:
            description = answer.get("error_description") if isinstance(answer, dict) else None
            raise SequencerRefused(str(description or answer))
        if not isinstance(answer, dict) or not isinstance(answer.get("id"), str):
            raise UpstreamError(SEQUENCER, "answered without a proposal id", retryable=False)
        relayer = answer.get("relayer") if isinstance(answer.get("relayer"), dict) else {}
        return SubmitResult(
            id=answer["id"],
            ipfs=str(answer.get("ipfs", "")),
            relayer=relayer.get("address") if relayer else None,
            receipt=relayer.get("receipt") if relayer else None,
        )

    async def _pages(
        self, hub_url: str, where: dict[str, Any], since: int | None
    ) -> list[HubProposal]:
        """Every page; past MAX_SKIP, from the last creation time seen (ids deduplicated)."""
        found: dict[str, HubProposal] = {}
        floor, inclusive, skip = since, False, 0
        while True:
            page_where = dict(where)
            if floor is not None:
                page_where["created_gte" if inclusive else "created_gt"] = floor
            variables = {"first": self.page_size, "skip": skip, "where": page_where}
            page = [
                _proposal(raw)
                for raw in _list(
                    await self._query(hub_url, PROPOSALS_QUERY, variables), "proposals"
                )
            ]
            for proposal in page:
                found.setdefault(proposal.id, proposal)
            if len(page) < self.page_size:
                break
            if skip + self.page_size <= self.max_skip:
                skip += self.page_size
                continue
            if floor == page[-1].created and inclusive:
                break  # more than a whole paging's worth created in one second: nothing more to ask
            floor, inclusive, skip = page[-1].created, True, 0
        return sorted(found.values(), key=lambda p: (p.created, p.id))

    async def _query(self, hub_url: str, query: str, variables: dict[str, Any]) -> Any:
        url = hub_url.rstrip("/") + "/graphql"
        try:
            response = await self.http.request(
                "POST",
                url,
                json={"query": query, "variables": variables},
                credentials=self._credentials(),
                accept={400},
            )
            answer = response.json()
        except HttpError as exc:
            raise UpstreamError(HUB, str(exc), retryable=exc.retryable) from exc
        errors = answer.get("errors") if isinstance(answer, dict) else None
        if errors or response.status == 400:
            first = errors[0] if isinstance(errors, list) and errors else {}
            message = first.get("message") if isinstance(first, dict) else None
            raise UpstreamError(HUB, str(message or "refused the query"), retryable=False)
        data = answer.get("data") if isinstance(answer, dict) else None
        if not isinstance(data, dict):
            raise UpstreamError(HUB, "answered without data", retryable=False)
        return data

    def _credentials(self) -> dict[str, str] | None:
        return {"x-api-key": self.api_key} if self.api_key else None


def _list(data: Any, key: str) -> list[dict[str, Any]]:
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise UpstreamError(HUB, f"answered without a list of {key}", retryable=False)
    return [item for item in items if isinstance(item, dict)]


def _proposal(raw: dict[str, Any]) -> HubProposal:
    try:
        space = raw.get("space")
        return HubProposal(
            id=str(raw["id"]),
            space=str(space.get("id") if isinstance(space, dict) else space or ""),
            title=str(raw.get("title") or ""),
            author=str(raw.get("author") or ""),
            state=str(raw.get("state") or ""),
            start=int(raw.get("start") or 0),
            end=int(raw.get("end") or 0),
            choices=tuple(str(c) for c in raw.get("choices") or ()),
            scores=tuple(float(s) for s in raw.get("scores") or ()),
            scores_total=float(raw.get("scores_total") or 0),
            quorum=float(raw.get("quorum") or 0),
            votes=int(raw.get("votes") or 0),
            link=str(raw.get("link") or ""),
            type=str(raw.get("type") or ""),
            body=str(raw.get("body") or ""),
            discussion=str(raw.get("discussion") or ""),
            created=int(raw.get("created") or 0),
            scores_state=str(raw.get("scores_state") or ""),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise UpstreamError(
            HUB, f"answered a proposal of another shape ({exc})", retryable=False
        ) from exc


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _positive(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and value > 0 else None
