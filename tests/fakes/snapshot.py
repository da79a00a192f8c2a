"""A local fake of Snapshot: the hub's GraphQL API and the sequencer, on one aiohttp server.

Usage::

    fake = FakeSnapshot(rpc_url=anvil.url)          # rpc_url: where EIP-1271 is asked
    await fake.start()
    fake.add_space("dao.eth")
    proposal = fake.add_proposal("dao.eth", title="Fund the docs", start=..., end=...)
    fake.add_vote(proposal["id"], voter, choice=1, vp=120.0)
    # the hub: POST {fake.url}/graphql   the sequencer: POST {fake.url}/
    await fake.stop()

Hub (snapshot-labs/snapshot-hub `src/graphql/schema.gql`, `helpers.ts`): `proposals(first, skip,
where, orderBy, orderDirection)` and `votes(...)` (plus `proposal(id)`), with the real field
names; unknown fields, arguments and `where` keys are refused with graphql-js's wording (HTTP
400 `{errors}`); the argument limits (`first` ≤ 1000, `skip` ≤ 5000, `*_in` ≤ 100, proposals'
`space_in` ≤ 10000) answer `{data: {field: null}, errors}` as the hub's resolvers do. A
proposal's `state` follows `fake.now` (pending, active, closed) unless a test sets it.

Sequencer: see tests/fakes/snapshot_sequencer.py for the checks and their wording. A proposal it
accepts appears in the hub's answers at once, with the id it answered.

State from tests: `add_space`, `add_proposal`, `add_vote`, `set_state`, `set_scores`,
`fake.now = ...` / `advance(seconds)`. API keys: `api_keys` (sent as `x-api-key` or `?apiKey=`)
skip the rate limit, as the hub's keycard does. Faults: `rate_limit(count)` answers the next
`count` keyless requests with the hub's 429. Record: `fake.requests` (path, headers, JSON body).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from tests.fakes import snapshot_query as gql
from tests.fakes import snapshot_sequencer as seq

JSON = dict[str, Any]
TOO_MANY = "too many requests, refer to https://docs.snapshot.box/tools/api/api-keys#limits"
PROPOSAL_FIELDS = frozenset(
    "id ipfs author created updated space network symbol type strategies validation plugins "
    "title body discussion choices labels start end quorum quorumType privacy snapshot state "
    "link app scores scores_by_strategy scores_state scores_total scores_updated votes flagged "
    "flagCode".split()
)
VOTE_FIELDS = frozenset(
    "id ipfs voter created space proposal choice metadata reason app vp vp_by_strategy "
    "vp_state".split()
)
SPACE_FIELDS = frozenset("id name network symbol voting".split())
VOTING_FIELDS = frozenset("delay period type quorum privacy hideAbstain".split())
RANGE = ("", "_gt", "_gte", "_lt", "_lte", "_in")
OPERATORS = frozenset({"gt", "gte", "lt", "lte", "in", "contains", "not"})
PROPOSAL_WHERE = frozenset(
    [f"{key}{op}" for key in ("created", "start", "end") for op in RANGE]
    + ["id", "id_in", "ipfs", "ipfs_in", "space", "space_in", "author", "author_in"]
    + ["network", "network_in", "title_contains", "strategies_contains", "state"]
    + ["type", "type_in", "scores_state", "scores_state_in", "space_verified", "flagged"]
)
VOTE_WHERE = frozenset(
    [f"created{op}" for op in RANGE]
    + ["id", "id_in", "ipfs", "ipfs_in", "space", "space_in", "voter", "voter_in"]
    + ["proposal", "proposal_in", "reason", "reason_not", "app", "app_in", "vp", "vp_gt"]
)
ROOTS = {"proposals": "Proposal", "votes": "Vote", "proposal": "Proposal", "space": "Space"}
ARGUMENTS = {
    "proposals": {"first", "skip", "where", "orderBy", "orderDirection"},
    "votes": {"first", "skip", "where", "orderBy", "orderDirection"},
    "proposal": {"id"},
    "space": {"id"},
}


class GraphQLError(Exception):
    """A request the hub's schema refuses before running it (HTTP 400)."""


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


class FakeSnapshot:
    def __init__(
        self,
        *,
        rpc_url: str | None = None,
        api_keys: Collection[str] = (),
        known_types: Collection[str] = tuple(seq.KNOWN_TYPES),
        now: float | None = None,
    ) -> None:
        self.rpc_url = rpc_url
        self.api_keys = set(api_keys)
        self.known_types = set(known_types)
        self.now = now if now is not None else time.time()
        self.spaces: dict[str, JSON] = {}
        self.proposals: list[JSON] = []
        self.votes: list[JSON] = []
        self.requests: list[Recorded] = []
        self.relayer = "0x8BBE4Ac64246d600BC2889ef5d83809D138F03DF"
        self._throttled = 0
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.url = ""

    # -- lifecycle ---------------------------------------------------------------------------

    async def start(self) -> FakeSnapshot:
        app = web.Application()
        app.router.add_post("/graphql", self._graphql)
        app.router.add_post("/", self._sequencer)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
        if self._runner is not None:
            await self._runner.cleanup()

    async def __aenter__(self) -> FakeSnapshot:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    # -- state -------------------------------------------------------------------------------

    def add_space(
        self,
        space: str,
        *,
        network: str = "1",
        name: str | None = None,
        voting: JSON | None = None,
    ) -> JSON:
        """A space; `voting` is what it imposes on proposals (delay and period in seconds,
        type), each enforced by the sequencer as the real one does."""
        self.spaces[space] = {
            "id": space,
            "name": name or space,
            "network": network,
            "voting": {
                "delay": None,
                "period": None,
                "type": None,
                "quorum": None,
                **(voting or {}),
            },
        }
        return self.spaces[space]

    def add_proposal(self, space: str, **fields: Any) -> JSON:
        """A proposal as the hub stores it; unspecified fields get plausible values."""
        if space not in self.spaces:
            self.add_space(space)
        created = int(fields.pop("created", self.now))
        number = len(self.proposals) + 1
        proposal: JSON = {
            "id": "0x" + f"{number:064x}",
            "ipfs": f"bafkreifake{number:08d}",
            "author": "0x0000000000000000000000000000000000000001",
            "created": created,
            "updated": None,
            "network": self.spaces[space]["network"],
            "symbol": "VOTE",
            "type": "single-choice",
            "strategies": [],
            "validation": {"name": "any", "params": {}},
            "plugins": {},
            "title": f"Proposal {number}",
            "body": "",
            "discussion": "",
            "choices": ["For", "Against", "Abstain"],
            "labels": [],
            "start": created,
            "end": created + 7 * 86400,
            "quorum": 0.0,
            "quorumType": "default",
            "privacy": "",
            "snapshot": "1",
            "app": "snapshot",
            "scores_state": "pending",
            "scores_updated": created,
            "votes": 0,
            "flagged": False,
            "flagCode": 0,
            **fields,
        }
        proposal["_space"] = space
        proposal.setdefault("scores", [0.0] * len(proposal["choices"]))
        proposal.setdefault("scores_total", float(sum(proposal["scores"])))
        proposal.setdefault("link", f"https://snapshot.org/#/{space}/proposal/{proposal['id']}")
        self.proposals.append(proposal)
        return proposal

    def proposal(self, proposal_id: str) -> JSON:
        return next(p for p in self.proposals if p["id"] == proposal_id)

    def add_vote(self, proposal_id: str, voter: str, *, choice: Any = 1, vp: float = 1.0) -> JSON:
        """A vote; the proposal's `votes`, `scores` and `scores_total` follow."""
        proposal = self.proposal(proposal_id)
        vote = {
            "id": "0x" + f"{len(self.votes) + 1:064x}",
            "ipfs": f"bafkreivote{len(self.votes) + 1:08d}",
            "voter": voter,
            "created": int(self.now),
            "_space": proposal["_space"],
            "_proposal": proposal_id,
            "choice": choice,
            "metadata": {},
            "reason": "",
            "app": "snapshot",
            "vp": vp,
            "vp_by_strategy": [vp],
            "vp_state": "final",
        }
        self.votes.append(vote)
        proposal["votes"] += 1
        if isinstance(choice, int) and 1 <= choice <= len(proposal["scores"]):
            proposal["scores"][choice - 1] += vp
            proposal["scores_total"] += vp
        return vote

    def set_state(self, proposal_id: str, state: str | None) -> None:
        """Pin a proposal's state ("pending", "active", "closed"); None: follow the clock."""
        self.proposal(proposal_id)["_state"] = state

    def set_scores(self, proposal_id: str, scores: list[float], *, final: bool = False) -> None:
        proposal = self.proposal(proposal_id)
        proposal["scores"], proposal["scores_total"] = list(scores), float(sum(scores))
        proposal["scores_state"] = "final" if final else "pending"

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def rate_limit(self, count: int) -> None:
        self._throttled = count

    def state_of(self, proposal: JSON) -> str:
        if proposal.get("_state"):
            return str(proposal["_state"])
        if self.now < proposal["start"]:
            return "pending"
        return "active" if self.now < proposal["end"] else "closed"

    # -- HTTP --------------------------------------------------------------------------------

    async def _record(self, request: web.Request) -> tuple[Any, web.Response | None]:
        try:
            body = await request.json()
        except ValueError:
            body = None
        headers = {key.lower(): value for key, value in request.headers.items()}
        self.requests.append(Recorded(request.method, request.path, headers, body))
        key = request.headers.get("x-api-key") or request.query.get("apiKey")
        if self._throttled > 0 and key not in self.api_keys:
            self._throttled -= 1
            limited = {
                "RateLimit-Limit": "100",
                "RateLimit-Remaining": "0",
                "RateLimit-Reset": "60",
                "Retry-After": "60",  # express-rate-limit sets it once the limit is reached
            }
            return body, web.json_response({"error": TOO_MANY}, status=429, headers=limited)
        return body, None

    async def _graphql(self, request: web.Request) -> web.Response:
        body, limited = await self._record(request)
        if limited is not None:
            return limited
        if not isinstance(body, dict) or not isinstance(body.get("query"), str):
            return _errors(400, "Must provide query string.")
        try:
            operation = gql.parse(body["query"])
            variables = {**operation.variables, **(body.get("variables") or {})}
            for root in operation.selections:
                self._validate(root)
            data = {
                root.key: self._resolve(root, gql.resolve_variables(root.arguments, variables))
                for root in operation.selections
            }
        except (gql.QuerySyntaxError, GraphQLError) as exc:
            return _errors(400, str(exc))
        except _LimitError as exc:
            return web.json_response(
                {"data": {exc.field: None}, "errors": [{"message": str(exc), "path": [exc.field]}]}
            )
        return web.json_response({"data": data})

    def _validate(self, root: gql.Field) -> None:
        kind = ROOTS.get(root.name)
        if kind is None:
            raise GraphQLError(f'Cannot query field "{root.name}" on type "Query".')
        for argument in root.arguments:
            if argument not in ARGUMENTS[root.name]:
                raise GraphQLError(f'Unknown argument "{argument}" on field "Query.{root.name}".')
        if not root.selections:
            raise GraphQLError(
                f'Field "{root.name}" of type "[{kind}]" must have a selection of subfields.'
            )
        if kind == "Space":
            for selected in root.selections:
                if selected.name not in SPACE_FIELDS:
                    raise GraphQLError(f'Cannot query field "{selected.name}" on type "Space".')
                for nested in selected.selections:
                    if nested.name not in VOTING_FIELDS:
                        raise GraphQLError(
                            f'Cannot query field "{nested.name}" on type "SpaceVoting".'
                        )
            return
        known = PROPOSAL_FIELDS if kind == "Proposal" else VOTE_FIELDS
        for selected in root.selections:
            if selected.name not in known:
                raise GraphQLError(f'Cannot query field "{selected.name}" on type "{kind}".')
            for nested in selected.selections:
                if nested.name not in (SPACE_FIELDS if selected.name == "space" else {"id"}):
                    raise GraphQLError(f'Cannot query field "{nested.name}".')

    def _resolve(self, root: gql.Field, arguments: JSON) -> Any:
        if root.name == "space":
            space = self.spaces.get(str(arguments.get("id")))
            if space is None:
                return None
            shaped: JSON = {}
            for selected in root.selections:
                value = space.get(selected.name)
                if selected.name == "voting":
                    value = {f.key: space["voting"].get(f.name) for f in selected.selections}
                shaped[selected.key] = value
            return shaped
        if root.name == "proposal":
            found = [p for p in self.proposals if p["id"] == arguments.get("id")]
            return self._shape(found[0], root.selections) if found else None
        first, skip = int(arguments.get("first", 20)), int(arguments.get("skip", 0))
        where = arguments.get("where") or {}
        if not isinstance(where, dict):
            raise GraphQLError(f'Argument "where" of field "{root.name}" must be an object.')
        kind, allowed = ("ProposalWhere", PROPOSAL_WHERE)
        if root.name == "votes":
            kind, allowed = ("VoteWhere", VOTE_WHERE)
        for key in where:
            if key not in allowed:
                raise GraphQLError(f'Field "{key}" is not defined by type "{kind}".')
        _check_limits(root.name, first, skip, where)
        items = self.proposals if root.name == "proposals" else self.votes
        found = [item for item in items if self._matches(item, where)]
        order = str(arguments.get("orderBy") or "created")
        descending = str(arguments.get("orderDirection") or "desc").lower() == "desc"
        found.sort(key=lambda item: self._value(item, order) or 0, reverse=descending)
        return [self._shape(item, root.selections) for item in found[skip : skip + first]]

    def _value(self, item: JSON, key: str) -> Any:
        if key == "state":
            return self.state_of(item)
        if key == "space":
            return item["_space"]
        if key == "proposal":
            return item.get("_proposal")
        return item.get(key)

    def _matches(self, item: JSON, where: JSON) -> bool:
        for key, wanted in where.items():
            if wanted is None or (key == "state" and wanted == "all"):
                continue
            name, _, op = key.rpartition("_")
            if op not in OPERATORS:
                name, op = key, ""
            value = self._value(item, name)
            if op == "contains" and isinstance(value, str):
                if str(wanted).lower() not in value.lower():
                    return False
                continue
            if name in ("author", "voter", "id", "proposal") and isinstance(value, str):
                value = value.lower()
                wanted = [str(w).lower() for w in wanted] if op == "in" else str(wanted).lower()
            if not _compare(value, op, wanted):
                return False
        return True

    def _shape(self, item: JSON, selections: list[gql.Field]) -> JSON:
        shaped: JSON = {}
        for selected in selections:
            if selected.name == "space":
                space = self.spaces[item["_space"]]
                shaped[selected.key] = {f.key: space.get(f.name) for f in selected.selections}
            elif selected.name == "proposal":
                shaped[selected.key] = {"id": item["_proposal"]}
            else:
                shaped[selected.key] = self._value(item, selected.name)
        return shaped

    async def _sequencer(self, request: web.Request) -> web.Response:
        body, limited = await self._record(request)
        if limited is not None:
            return limited
        try:
            seq.check_shape(body)
            seq.check_message(body, now=self.now, known_types=self.known_types, spaces=self.spaces)
            seq.check_space_voting(
                body["data"]["message"], self.spaces[body["data"]["message"]["space"]]
            )
            digest = seq.message_hash(body["data"])
            await seq.check_signature(
                body["address"], body["sig"], digest, self.rpc_url, self._post_json
            )
            proposal_id = "0x" + digest.hex()
            if any(p["id"] == proposal_id for p in self.proposals):
                raise seq.Refused("duplicate message")
        except seq.Refused as exc:
            answer = {"error": "client_error", "error_description": exc.description}
            return web.json_response(answer, status=400)
        message = body["data"]["message"]
        created = self.add_proposal(
            message["space"],
            id=proposal_id,
            ipfs="bafkrei" + digest.hex()[:52],
            author=body["address"],
            created=int(self.now),
            type=message.get("type", "single-choice"),
            title=message.get("title", ""),
            body=message.get("body", ""),
            discussion=message.get("discussion", ""),
            choices=list(message.get("choices", [])),
            labels=list(message.get("labels", [])),
            start=int(message.get("start", 0)),
            end=int(message.get("end", 0)),
            snapshot=str(message.get("snapshot", "")),
            privacy=message.get("privacy", ""),
            app=message.get("app", "") or "snapshot",
        )
        receipt = "0x" + "ab" * 65
        return web.json_response(
            {
                "id": created["id"],
                "ipfs": created["ipfs"],
                "relayer": {"address": self.relayer, "receipt": receipt},
            }
        )

    async def _post_json(self, url: str, body: JSON) -> Any:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        async with self._session.post(url, json=body) as response:
            return await response.json(content_type=None)


class _LimitError(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _check_limits(field: str, first: int, skip: int, where: JSON) -> None:
    """snapshot-hub `checkLimits`, with its words."""
    limits = {"first": 1000, "skip": 5000}
    for key, value in (("first", first), ("skip", skip)):
        if value > limits[key]:
            raise _LimitError(field, f"The `{key}` argument must not be greater than {limits[key]}")
        if value < 0:
            raise _LimitError(field, f"The `{key}` argument must be positive")
    for key, value in where.items():
        limit = 10000 if (field, key) == ("proposals", "space_in") else 100
        if key.endswith("_in") and isinstance(value, list) and len(value) > limit:
            raise _LimitError(field, f"The `{key}` argument must not be greater than {limit}")


def _compare(value: Any, op: str, wanted: Any) -> bool:
    checks: dict[str, Callable[[], bool]] = {
        "": lambda: value == wanted,
        "in": lambda: value in wanted,
        "gt": lambda: value is not None and value > wanted,
        "gte": lambda: value is not None and value >= wanted,
        "lt": lambda: value is not None and value < wanted,
        "lte": lambda: value is not None and value <= wanted,
        "contains": lambda: wanted in (value or []),
        "not": lambda: value != wanted,
    }
    check = checks.get(op)
    if check is None:
        raise GraphQLError(f"unsupported filter operator {op!r}")
    return check()


def _errors(status: int, message: str) -> web.Response:
    return web.json_response({"errors": [{"message": message}]}, status=status)
