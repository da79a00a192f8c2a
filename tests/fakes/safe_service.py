"""A local fake of the Safe Transaction Service (the hosted ``api.safe.global/tx-service`` API).

Usage::

    fake = FakeSafeTransactionService(31337, api_key="key", limits=Quota.builder())
    await fake.start()
    fake.add_safe(safe_address, owners=[a.address, b.address, c.address], threshold=2)
    api = TransactionServiceApi(EthereumNetwork(31337), base_url=fake.base_url, api_key="key")
    await asyncio.to_thread(api.post_transaction, safe_tx)      # safe-eth-py uses requests
    fake.mark_executed(safe_tx_hash, tx_hash)                   # or fake.set_nonce(safe, n)
    await fake.stop()

With ``rpc_url`` the Safes are read from the chain instead (``getOwners``, ``getThreshold``,
``nonce``, ``VERSION``, modules and the singleton/fallback/guard storage slots, one JSON-RPC batch
per request), and a transaction is executed when an ``ExecutionSuccess``/``ExecutionFailure`` log
of its Safe carries its safeTxHash. Executions of L2 Safes never proposed here are indexed from
their ``SafeMultiSigTransaction`` log, as the service does.

Endpoints (trailing slash required, as Django's; a GET without it gets a 301):
``GET /api/v1/safes/{address}/``; ``GET|POST /api/v1|v2/safes/{address}/multisig-transactions/``;
``GET|DELETE /api/v1|v2/multisig-transactions/{safe_tx_hash}/``;
``GET|POST /api/v1/multisig-transactions/{safe_tx_hash}/confirmations/``. Anything else: 404 JSON,
also kept in ``fake.unhandled``.

Behaviour follows safe-global/safe-transaction-service where it was read (history/views*.py,
serializers.py, filters.py, pagination.py, models.py):

* JSON is camelCase. v2 renders ``nonce``, ``safeTxGas`` and ``baseGas`` as strings, v1 as
  numbers; ``value``, ``gasPrice``, ``ethGasPrice``, ``fee`` are strings in both, and so is the
  Safe info's ``nonce``. ``data`` is ``null`` when empty; ``origin`` is ``"{}"`` when none was sent.
* Lists: limit/offset (default 100, max 200) and ``{count, next, previous, results,
  countUniqueNonce}``; ``next``/``previous`` are absolute, their query parameters sorted (DRF's
  ``replace_query_param``). ``countUniqueNonce`` counts the distinct nonces of all the Safe's
  (trusted) transactions, whatever the filters. ``trusted`` defaults to true, and a proposal
  without a signature is untrusted until someone confirms it.
* ``confirmationsRequired`` is the Safe's current threshold while a transaction is pending and the
  threshold at execution once executed (``with_confirmations_required``).
* A replaced transaction (another one used its nonce) stays ``isExecuted: false``: the queue is
  ``executed=false&nonce__gte=<Safe nonce>``.
* ``dataDecoded`` covers ERC-20 ``transfer/approve/transferFrom``, the Safe's owner, threshold,
  module, guard and fallback-handler setters, and ``multiSend`` (``valueDecoded`` items with their
  own ``dataDecoded``); teach it more with ``add_function``. A DELEGATECALL is decoded only when its
  target is trusted (the MultiSend deployments, or ``trust_delegate_call``).
* Proposal errors are 422 ``{"nonFieldErrors": [...]}`` or ``{"<field>": [...]}`` with the
  service's messages; confirmation errors are 400 ``{"signature": [...]}``; a non-checksummed
  address in the path is 422 ``{"code": 1, "message": ..., "arguments": [...]}``.

Hosted-API layer (docs.safe.global/core-api/api-authentication): with ``api_key`` every request
needs ``Authorization: Bearer <key>`` (else 401 ``{"detail": ...}``). Other answers carry
``X-RateLimit-Limit`` (the monthly quota), ``X-RateLimit-Remaining``, ``X-RateLimit-Reset``
(seconds, not a timestamp), with a key also ``X-Consumer-Id``, ``X-Consumer-RPS`` and
``X-RateLimit-Plan``, and ``X-RateLimit-Warning`` from 80% of the quota. An exhausted quota gives
429 ``{"detail": "Monthly quota exceeded."}``; more than ``rps`` requests in one clock second give
429 too; both with ``Retry-After``. Refused requests (401, 429) use no quota. ``limits`` defaults
to ``Quota.no_rps()`` (no per-second limit) so that tests of other features, which run on the
real clock, are not throttled; pass ``Quota.builder()`` and a clock to test throttling.

Faults: ``fail_next(path_substring, status, count)``. Record: ``fake.requests``, ``fake.unhandled``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import aiohttp
from aiohttp import web
from eth_abi import decode as abi_decode
from eth_abi import encode as abi_encode
from eth_account.signers.local import LocalAccount
from eth_keys import keys
from eth_typing import Hash32
from eth_utils import is_checksum_address, keccak, to_checksum_address
from safe_eth.safe.multi_send import MultiSend

JSON = dict[str, Any]

ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
DEFAULT_LIMIT = 100  # history/pagination.py DefaultPagination
MAX_LIMIT = 200
WARNING_FROM = 0.8  # "X-RateLimit-Warning: from 80% of the quota"
PLANS_URL = "https://safe.global/api#plans"
MONTH_SECONDS = 30 * 24 * 3600
ORDERING_FIELDS = frozenset({"nonce", "created", "modified"})
DEFAULT_ORDERING = ("-nonce", "-created")

# EIP-712 type hashes: the Safe's SafeTx (chainId in the domain since 1.3.0, "dataGas" before
# 1.0.0) and the service's own DeleteRequest.
_DOMAIN_WITH_CHAIN = keccak(text="EIP712Domain(uint256 chainId,address verifyingContract)")
_DOMAIN_WITHOUT_CHAIN = keccak(text="EIP712Domain(address verifyingContract)")
_SAFE_TX = (
    "SafeTx(address to,uint256 value,bytes data,uint8 operation,uint256 safeTxGas,uint256 {},"
    "uint256 gasPrice,address gasToken,address refundReceiver,uint256 nonce)"
)
_SAFE_TX_TYPE = keccak(text=_SAFE_TX.format("baseGas"))
_SAFE_TX_TYPE_OLD = keccak(text=_SAFE_TX.format("dataGas"))
_TAIL_TYPES = ("address", "address", "uint256")  # gasToken, refundReceiver, nonce
_SERVICE_DOMAIN = keccak(
    text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_DELETE_REQUEST = keccak(text="DeleteRequest(bytes32 safeTxHash,uint256 totp)")

# Safe events: topic0 is the same in 1.3.0 and 1.4.1, only the indexed flags moved.
_EXECUTION_SUCCESS = "0x" + keccak(text="ExecutionSuccess(bytes32,uint256)").hex()
_EXECUTION_FAILURE = "0x" + keccak(text="ExecutionFailure(bytes32,uint256)").hex()
_L2_TX_TYPES = [
    "address", "uint256", "bytes", "uint8", "uint256", "uint256", "uint256", "address", "address",
    "bytes", "bytes",
]  # fmt: skip
_SAFE_MULTISIG_TX = "0x" + keccak(text=f"SafeMultiSigTransaction({','.join(_L2_TX_TYPES)})").hex()
# Storage slots the Safe keeps outside its layout (FallbackManager, GuardManager).
_FALLBACK_SLOT = "0x" + keccak(text="fallback_manager.handler.address").hex()
_GUARD_SLOT = "0x" + keccak(text="guard_manager.guard.address").hex()
_SENTINEL = "0x0000000000000000000000000000000000000001"

# Functions the service's decoder knows by ABI; names as in the recorded responses.
_KNOWN_FUNCTIONS = (
    "transfer(address to,uint256 value)",
    "approve(address spender,uint256 value)",
    "transferFrom(address from,address to,uint256 value)",
    "addOwnerWithThreshold(address owner,uint256 _threshold)",
    "removeOwner(address prevOwner,address owner,uint256 _threshold)",
    "swapOwner(address prevOwner,address oldOwner,address newOwner)",
    "changeThreshold(uint256 _threshold)",
    "enableModule(address module)",
    "disableModule(address prevModule,address module)",
    "setGuard(address guard)",
    "setFallbackHandler(address handler)",
    "multiSend(bytes transactions)",
)

_FAULT_PAGES = {
    500: "<html><body><h1>500 Internal Server Error</h1></body></html>\n",
    502: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center></body></html>\n",
    503: "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
    "<h1>503 Service Temporarily Unavailable</h1></center></body></html>\n",
}


# ----- public records ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Quota:
    """A plan of the hosted API. ``rps=None`` turns the per-second limit off (the monthly quota
    and its headers stay), which is what tests of other features want from a shared fake."""

    rps: int | None = 5
    monthly: int = 50_000
    window_seconds: int = MONTH_SECONDS
    plan: str = "builder"

    @classmethod
    def builder(cls) -> Quota:
        return cls(5, 50_000, plan="builder")

    @classmethod
    def unauthenticated(cls) -> Quota:
        return cls(2, 5_000, plan="unauthenticated")

    @classmethod
    def no_rps(cls) -> Quota:
        return cls(None, 50_000)


@dataclass(slots=True)
class SafeState:
    address: str
    owners: list[str]
    threshold: int
    nonce: int
    version: str = "1.4.1"
    master_copy: str = ZERO_ADDRESS
    modules: list[str] = field(default_factory=list)
    fallback_handler: str = ZERO_ADDRESS
    guard: str = ZERO_ADDRESS


@dataclass(frozen=True, slots=True)
class SafeTxFields:
    """What the owners sign: the Safe's EIP-712 ``SafeTx`` struct."""

    to: str
    value: int = 0
    data: bytes = b""
    operation: int = 0
    safe_tx_gas: int = 0
    base_gas: int = 0
    gas_price: int = 0
    gas_token: str = ZERO_ADDRESS
    refund_receiver: str = ZERO_ADDRESS
    nonce: int = 0

    def safe_tx_hash(self, chain_id: int, version: str, safe: str) -> bytes:
        """The contract's ``getTransactionHash``. Computed here, not with safe-eth-py, so the tests
        cross-check two implementations."""
        release = tuple(int(part) for part in re.findall(r"\d+", version)[:3])
        domain = (
            abi_encode(["bytes32", "uint256", "address"], [_DOMAIN_WITH_CHAIN, chain_id, safe])
            if release >= (1, 3, 0)
            else abi_encode(["bytes32", "address"], [_DOMAIN_WITHOUT_CHAIN, safe])
        )
        struct = abi_encode(
            ["bytes32", "address", "uint256", "bytes32", "uint8", *["uint256"] * 3, *_TAIL_TYPES],
            [
                _SAFE_TX_TYPE if release >= (1, 0, 0) else _SAFE_TX_TYPE_OLD,
                *(self.to, self.value, keccak(self.data), self.operation, self.safe_tx_gas),
                *(self.base_gas, self.gas_price, self.gas_token, self.refund_receiver, self.nonce),
            ],
        )
        return keccak(b"\x19\x01" + keccak(domain) + keccak(struct))


@dataclass(slots=True)
class Confirmation:
    owner: str
    created: float
    signature: bytes
    signature_type: str  # SafeSignatureType name: EOA, ETH_SIGN, APPROVED_HASH, ...


@dataclass(slots=True)
class Execution:
    tx_hash: str
    block_number: int
    timestamp: float
    success: bool
    executor: str | None
    threshold: int
    gas_used: int | None = None
    eth_gas_price: int | None = None
    max_fee_per_gas: int | None = None
    max_priority_fee_per_gas: int | None = None
    payment: int = 0
    signatures: bytes = b""


@dataclass(slots=True)
class MultisigTx:
    safe: str
    fields: SafeTxFields
    safe_tx_hash: str
    created: float
    modified: float
    seq: int  # insertion order, breaks ties between equal timestamps
    proposer: str | None
    origin: str | None
    trusted: bool = False
    confirmations: dict[str, Confirmation] = field(default_factory=dict)
    execution: Execution | None = None


@dataclass(slots=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    status: int
    at: float  # the fake's clock
    had_valid_key: bool
    body: Any = None  # the parsed JSON body, if any


# ----- signatures and decoding -------------------------------------------------------------------
def delete_request_hash(chain_id: int, safe: str, safe_tx_hash: bytes, totp: int) -> bytes:
    """What the proposer signs to delete a pending transaction (views_v2 DELETE docstring)."""
    name, version = keccak(text="Safe Transaction Service"), keccak(text="1.0")
    domain = abi_encode(
        ["bytes32", "bytes32", "bytes32", "uint256", "address"],
        [_SERVICE_DOMAIN, name, version, chain_id, safe],
    )
    struct = abi_encode(["bytes32", "bytes32", "uint256"], [_DELETE_REQUEST, safe_tx_hash, totp])
    return keccak(b"\x19\x01" + keccak(domain) + keccak(struct))


@dataclass(frozen=True, slots=True)
class ParsedSignature:
    owner: str
    raw: bytes  # the 65-byte static part, which the service stores for EOA/eth_sign/approved
    kind: str


def _recover(message_hash: bytes, v: int, r: int, s: int) -> str:
    try:
        signature = keys.Signature(vrs=(v - 27, r, s))
        return str(signature.recover_public_key_from_msg_hash(message_hash).to_checksum_address())
    except Exception:  # eth_keys raises several types for a bad v, r or s
        return ZERO_ADDRESS  # safe-eth-py's get_signing_address answers the zero address too


def parse_signatures(blob: bytes, message_hash: bytes) -> list[ParsedSignature]:
    """Split Safe signatures ({r}{s}{v}, 65 bytes each). ``v`` gives the kind, as in the contract:
    0 contract (``s`` points at dynamic data), 1 approved hash, 2 passkey, > 30 eth_sign, else
    ECDSA over the hash itself."""
    result: list[ParsedSignature] = []
    end = len(blob)
    for start in range(0, len(blob) - 64, 65):
        if start >= end:  # the contract signatures' dynamic data begins here
            break
        chunk = blob[start : start + 65]
        r, s, v = int.from_bytes(chunk[:32], "big"), int.from_bytes(chunk[32:64], "big"), chunk[64]
        by_r = to_checksum_address(chunk[12:32])
        if v in (0, 2):
            end = min(end, s)
            result.append(
                ParsedSignature(by_r, chunk, "CONTRACT_SIGNATURE" if v == 0 else "SECP256R1")
            )
        elif v == 1:
            result.append(ParsedSignature(by_r, chunk, "APPROVED_HASH"))
        elif v > 30:
            prefixed = keccak(b"\x19Ethereum Signed Message:\n32" + message_hash)
            result.append(ParsedSignature(_recover(prefixed, v - 4, r, s), chunk, "ETH_SIGN"))
        else:
            result.append(ParsedSignature(_recover(message_hash, v, r, s), chunk, "EOA"))
    return result


@dataclass(frozen=True, slots=True)
class _Function:
    name: str
    types: tuple[str, ...]
    names: tuple[str, ...]


def _parse_function(signature: str) -> tuple[bytes, _Function]:
    match = re.fullmatch(r"\s*(\w+)\s*\((.*)\)\s*", signature)
    params = [p.split() for p in match[2].split(",") if p.strip()] if match else [[]]
    if match is None or any(len(p) != 2 for p in params):
        raise ValueError(f"expected 'name(type name,...)', got {signature!r}")
    types = tuple(p[0] for p in params)
    selector = keccak(text=f"{match[1]}({','.join(types)})")[:4]
    return selector, _Function(match[1], types, tuple(p[1] for p in params))


def _render_value(abi_type: str, value: Any) -> Any:
    # As the service's decoder: ints and bytes become strings (JavaScript clients lose precision
    # otherwise), addresses are checksummed, arrays keep their shape.
    if abi_type.endswith("]"):
        return [_render_value(abi_type[: abi_type.rindex("[")], item) for item in value]
    if abi_type == "address":
        return to_checksum_address(value)
    if isinstance(value, bytes):
        return "0x" + value.hex()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def _unpack_multisend(blob: bytes) -> list[tuple[int, str, int, bytes]]:
    """MultiSend's packed encoding: operation (1 byte), to (20), value (32), length (32), data."""
    items: list[tuple[int, str, int, bytes]] = []
    at = 0
    while at < len(blob):
        length = int.from_bytes(blob[at + 53 : at + 85], "big")
        if len(blob) - at < 85 + length:
            raise ValueError("truncated multiSend transaction")
        value = int.from_bytes(blob[at + 21 : at + 53], "big")
        items.append(
            (
                blob[at],
                to_checksum_address(blob[at + 1 : at + 21]),
                value,
                blob[at + 85 : at + 85 + length],
            )
        )
        at += 85 + length
    return items


# ----- wire-format helpers -----------------------------------------------------------------------
def _iso(timestamp: float) -> str:
    # DRF's DateTimeField: ISO 8601 in UTC with "Z", microseconds only when there are some.
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat().replace("+00:00", "Z")


def _hex(data: bytes) -> str:
    return "0x" + data.hex()


def _origin_out(origin: str | None) -> str:
    # The service keeps origin as JSON ({} when missing) and renders non-strings with json.dumps.
    value: Any = {}
    if origin:
        try:
            value = json.loads(origin)
        except ValueError:
            value = origin
    return value if isinstance(value, str) else json.dumps(value)


def _replace_query(url: str, updates: Mapping[str, object], remove: Iterable[str] = ()) -> str:
    # DRF's replace_query_param/remove_query_param: parse, change, re-encode with sorted keys.
    scheme, netloc, path, query, fragment = urlsplit(url)
    params = parse_qs(query, keep_blank_values=True)
    for key in remove:
        params.pop(key, None)
    params.update({key: [str(value)] for key, value in updates.items()})
    return urlunsplit(
        (scheme, netloc, path, urlencode(sorted(params.items()), doseq=True), fragment)
    )


def _json(
    data: object, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return web.Response(text=text, status=status, content_type="application/json", headers=headers)


class _Reply(Exception):
    def __init__(self, response: web.Response, *, unhandled: bool = False) -> None:
        super().__init__(response.status)
        self.response = response
        self.unhandled = unhandled  # no route matched: kept in ``fake.unhandled`` too


def _fail(status: int, data: object) -> _Reply:
    return _Reply(_json(data, status))


def _non_field(status: int, message: str) -> _Reply:
    return _fail(status, {"nonFieldErrors": [message]})


def _positive_int(raw: str | None, *, strict: bool, cutoff: int | None = None) -> int | None:
    """DRF's ``_positive_int``: None when absent or invalid, so the caller's default applies."""
    try:
        value = int(raw) if raw is not None else -1
    except ValueError:
        return None
    if value < 0 or (strict and value == 0):
        return None
    return min(value, cutoff) if cutoff is not None else value


def _parse_bool(raw: str) -> bool | None:
    return {"true": True, "1": True, "false": False, "0": False}.get(raw.strip().lower())


def _hex_field(
    raw: Any, *, required: bool, min_length: int = 0, exact: int | None = None
) -> tuple[bytes | None, str | None]:
    """safe-eth-py's HexadecimalField: with or without 0x; lengths count bytes."""
    if raw is None or raw in ("", "0x"):
        return None, ("This field may not be null." if required else None)
    try:
        value = bytes.fromhex(raw.strip().removeprefix("0x"))
    except (AttributeError, ValueError):
        return None, f"{raw} is not a hexadecimal value."
    least = exact if exact is not None else min_length
    if len(value) < least:
        return None, f"Ensure this field has at least {least} hexadecimal chars (not counting 0x)."
    if exact is not None and len(value) > exact:
        return (
            None,
            f"Ensure this field has no more than {exact} hexadecimal chars (not counting 0x).",
        )
    return value, None


_COMPARISONS: dict[str, Callable[[int, int], bool]] = {
    "": lambda a, b: a == b,
    "__gt": lambda a, b: a > b,
    "__gte": lambda a, b: a >= b,
    "__lt": lambda a, b: a < b,
    "__lte": lambda a, b: a <= b,
}


@dataclass(slots=True)
class _Fault:
    substring: str
    count: int
    status: int


@dataclass(slots=True)
class _Call:
    request: web.Request
    v2: bool
    params: dict[str, str]
    body: Any


_Handler = Callable[[_Call], Awaitable[web.Response]]
_BAD_JSON = object()  # a body that is not JSON; answered 400 once the request is let through


# ----- the fake ----------------------------------------------------------------------------------
class FakeSafeTransactionService:
    def __init__(
        self,
        chain_id: int,
        *,
        api_key: str | None = None,
        rpc_url: str | None = None,
        limits: Quota | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.chain_id = chain_id
        self.api_key = api_key
        self.rpc_url = rpc_url
        self.limits = limits or Quota.no_rps()
        self.clock = clock  # wall-clock seconds: timestamps, rate windows and the delete TOTP
        self.requests: list[RecordedRequest] = []
        self.unhandled: list[RecordedRequest] = []
        self.port = 0
        self.quota_window_start = clock()
        self.quota_used = 0
        self._second, self._second_count = -1, 0
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None
        self._safes: dict[str, SafeState] = {}  # registered by the test
        self._chain_safes: dict[str, SafeState] = {}  # last read from the chain
        self._scanned_to: dict[str, int] = {}  # last block whose logs were indexed, per Safe
        self._txs: dict[str, MultisigTx] = {}
        self._seq = 0
        self._block = 1_000
        self._faults: list[_Fault] = []
        self._functions = dict(_parse_function(s) for s in _KNOWN_FUNCTIONS)
        multisends = (*MultiSend.MULTISEND_ADDRESSES, *MultiSend.MULTISEND_CALL_ONLY_ADDRESSES)
        self._trusted_delegates = {to_checksum_address(a) for a in multisends}
        hash_path = r"/api/(?P<v>v1|v2)/multisig-transactions/(?P<hash>0x[0-9a-fA-F]{64})/"
        routes: tuple[tuple[str, dict[str, _Handler]], ...] = (
            (r"/api/(?P<v>v1)/safes/(?P<address>[^/]+)/", {"GET": self._safe_info}),
            (
                r"/api/(?P<v>v1|v2)/safes/(?P<address>[^/]+)/multisig-transactions/",
                {"GET": self._list, "POST": self._propose},
            ),
            (hash_path, {"GET": self._detail, "DELETE": self._delete}),
            (
                hash_path.replace("v1|v2", "v1") + "confirmations/",
                {"GET": self._confirmations, "POST": self._confirm},
            ),
        )
        self._routes = tuple((re.compile(pattern), handlers) for pattern, handlers in routes)

    # ----- lifecycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        if self.rpc_url is not None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10))
            # A wrong chain id would make every safeTxHash differ from the contract's: say so now.
            chain = int((await self._rpc([("eth_chainId", [])]))[0], 16)
            if chain != self.chain_id:
                await self._http.close()
                raise ValueError(f"rpc_url serves chain {chain}, not {self.chain_id}")
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._http is not None:
            await self._http.close()
            self._http = None

    async def __aenter__(self) -> FakeSafeTransactionService:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # ----- state the tests drive ---------------------------------------------------------------
    def add_safe(
        self,
        address: str,
        owners: Sequence[str],
        threshold: int,
        nonce: int = 0,
        version: str = "1.4.1",
        *,
        master_copy: str = ZERO_ADDRESS,
        modules: Sequence[str] = (),
        fallback_handler: str = ZERO_ADDRESS,
        guard: str = ZERO_ADDRESS,
    ) -> SafeState:
        """Register a Safe (it wins over the chain when ``rpc_url`` is set too)."""
        state = SafeState(
            to_checksum_address(address),
            [to_checksum_address(o) for o in owners],
            threshold,
            nonce,
            version,
            to_checksum_address(master_copy),
            [to_checksum_address(m) for m in modules],
            to_checksum_address(fallback_handler),
            to_checksum_address(guard),
        )
        self._safes[state.address] = state
        return state

    def safe(self, address: str) -> SafeState | None:
        """The last known state: registered, or as last read from the chain."""
        address = to_checksum_address(address)
        return self._safes.get(address) or self._chain_safes.get(address)

    def set_nonce(self, address: str, nonce: int) -> None:
        """Move a registered Safe's nonce, as executions the service did not see would."""
        self._registered(address).nonce = nonce

    def set_owners(self, address: str, owners: Sequence[str], threshold: int) -> None:
        state = self._registered(address)
        state.owners = [to_checksum_address(o) for o in owners]
        state.threshold = threshold

    def add_function(self, signature: str) -> None:
        """Teach the decoder a function, e.g. ``"mint(address to,uint256 amount)"``."""
        selector, function = _parse_function(signature)
        self._functions[selector] = function

    def trust_delegate_call(self, address: str) -> None:
        """Decode DELEGATECALLs to ``address`` (the service decodes only trusted targets)."""
        self._trusted_delegates.add(to_checksum_address(address))

    def propose_raw(
        self,
        safe: str,
        to: str,
        value: int = 0,
        data: bytes = b"",
        operation: int = 0,
        nonce: int | None = None,
        *,
        signers: Sequence[LocalAccount] = (),
        safe_tx_gas: int = 0,
        base_gas: int = 0,
        gas_price: int = 0,
        gas_token: str = ZERO_ADDRESS,
        refund_receiver: str = ZERO_ADDRESS,
        proposer: str | None = None,
        origin: str | None = None,
        trusted: bool | None = None,
    ) -> str:
        """Add a transaction without HTTP and without the service's checks; ``signers`` sign its
        real safeTxHash. The proposer defaults to the first signer, ``nonce`` to the Safe's,
        ``trusted`` to "has a signature", as the service decides. Returns the safeTxHash."""
        state = self.safe(safe)
        if state is None:
            raise KeyError(f"unknown Safe {safe}; add_safe() it first")
        fields = SafeTxFields(
            to_checksum_address(to),
            value,
            bytes(data),
            operation,
            safe_tx_gas,
            base_gas,
            gas_price,
            to_checksum_address(gas_token),
            to_checksum_address(refund_receiver),
            state.nonce if nonce is None else nonce,
        )
        digest = fields.safe_tx_hash(self.chain_id, state.version, state.address)
        if proposer is None and signers:
            proposer = signers[0].address
        tx = self._store(state.address, fields, digest, proposer, origin)
        tx.trusted = bool(signers) if trusted is None else trusted
        for account in signers:
            self.confirm_raw(tx.safe_tx_hash, account)
        return tx.safe_tx_hash

    def confirm_raw(self, safe_tx_hash: str, account: LocalAccount) -> None:
        """Add ``account``'s EOA confirmation without HTTP."""
        tx = self._txs[safe_tx_hash.lower()]
        signed = account.unsafe_sign_hash(Hash32(bytes.fromhex(tx.safe_tx_hash[2:])))
        raw = signed.r.to_bytes(32, "big") + signed.s.to_bytes(32, "big") + bytes([signed.v])
        self._add_confirmation(tx, ParsedSignature(account.address, raw, "EOA"))

    def mark_executed(
        self,
        safe_tx_hash: str,
        tx_hash: str | None = None,
        *,
        success: bool = True,
        block_number: int | None = None,
        executor: str | None = None,
        gas_used: int = 85_000,
        gas_price: int = 1_000_000_000,
    ) -> None:
        """Execute a transaction "on chain": a registered Safe's nonce moves past it (as
        execTransaction increments it); its same-nonce siblings stay unexecuted (replaced)."""
        tx = self._txs[safe_tx_hash.lower()]
        if block_number is None:
            self._block += 1
            block_number = self._block
        state = self.safe(tx.safe)
        ordered = sorted(tx.confirmations.values(), key=lambda c: int(c.owner, 16))
        tx.execution = Execution(
            tx_hash or _hex(keccak(text=f"{tx.safe_tx_hash}:{block_number}")),
            block_number,
            float(int(self.clock())),  # block timestamps are whole seconds
            success,
            executor or tx.proposer,
            state.threshold if state else len(ordered),
            gas_used,
            gas_price,
            signatures=b"".join(c.signature for c in ordered),  # what execTransaction received
        )
        tx.modified = self.clock()
        if state is not None and tx.safe in self._safes:
            state.nonce = max(state.nonce, tx.fields.nonce + 1)

    def transaction(self, safe_tx_hash: str, *, v2: bool = True) -> JSON | None:
        """The transaction as ``GET /api/v2/multisig-transactions/{hash}/`` renders it."""
        tx = self._txs.get(safe_tx_hash.lower())
        return None if tx is None else self._render(tx, v2)

    def queued(self, address: str, *, trusted_only: bool = True) -> list[JSON]:
        """Pending transactions (not executed, nonce >= the Safe's), lowest nonce first. With
        ``rpc_url`` this uses the chain state of the last request: ``await sync()`` first."""
        state = self.safe(address)
        if state is None:
            return []
        txs = [
            tx
            for tx in self._txs.values()
            if tx.safe == state.address
            and tx.execution is None
            and tx.fields.nonce >= state.nonce
            and (tx.trusted or not trusted_only)
        ]
        return [self._render(tx, True) for tx in sorted(txs, key=lambda t: (t.fields.nonce, t.seq))]

    async def sync(self, address: str) -> SafeState | None:
        """Read the Safe (and index its executions) as a request about it would."""
        return await self._safe_state(to_checksum_address(address))

    # ----- quota, faults and records -----------------------------------------------------------
    @property
    def quota_remaining(self) -> int:
        self._roll_quota_window()
        return max(0, self.limits.monthly - self.quota_used)

    @property
    def quota_resets_in(self) -> int:
        self._roll_quota_window()
        end = self.quota_window_start + self.limits.window_seconds
        return max(0, math.ceil(end - self.clock()))

    def set_quota_remaining(self, remaining: int) -> None:
        self._roll_quota_window()
        self.quota_used = max(0, self.limits.monthly - remaining)

    def fail_next(self, path_substring: str, status: int = 500, count: int = 1) -> None:
        """The next ``count`` requests whose path and query contain ``path_substring`` get
        ``status`` with an HTML page, as the proxy in front of the service answers. They pass
        authentication and rate limiting first, so they use quota."""
        self._faults.append(_Fault(path_substring, count, status))

    def clear_faults(self) -> None:
        self._faults.clear()

    def request_count(self, path_prefix: str = "") -> int:
        return sum(1 for r in self.requests if r.path.startswith(path_prefix))

    # ----- request pipeline --------------------------------------------------------------------
    async def _handle(self, request: web.Request) -> web.StreamResponse:
        valid_key = self.api_key is not None and (
            request.headers.get("Authorization", "") == f"Bearer {self.api_key}"
        )
        body: Any = None
        if request.can_read_body:
            try:
                body = await request.json()
            except ValueError:
                body = _BAD_JSON
        unhandled = False
        if self.api_key is not None and not valid_key:
            # Refused at the gateway: no account to charge, so no quota used and no rate headers.
            missing = "Authorization" not in request.headers
            detail = (
                "Authentication credentials were not provided." if missing else "Invalid API key."
            )
            response = _json({"detail": detail}, 401, {"WWW-Authenticate": "Bearer"})
        else:
            try:
                refused = self._throttle() or self._fault(request)
                if refused is not None:
                    response = refused
                elif body is _BAD_JSON:
                    raise _fail(400, {"detail": "JSON parse error - Expecting value"})
                else:
                    response = await self._route(request, body)
            except _Reply as reply:
                response, unhandled = reply.response, reply.unhandled
            self._rate_headers(response, keyed=valid_key)
        query = {k: request.query.getall(k) for k in request.query}
        parsed = None if body is _BAD_JSON else body
        record = RecordedRequest(
            request.method, request.path, query, response.status, self.clock(), valid_key, parsed
        )
        self.requests.append(record)
        if unhandled:
            self.unhandled.append(record)
        return response

    def _roll_quota_window(self) -> None:
        window = self.limits.window_seconds
        passed = (self.clock() - self.quota_window_start) // window
        if passed >= 1:  # billing cycles follow each other; skip every one that has ended
            self.quota_window_start += window * passed
            self.quota_used = 0

    def _throttle(self) -> web.Response | None:
        if self.quota_remaining <= 0:
            headers = {"Retry-After": str(self.quota_resets_in)}
            return _json({"detail": "Monthly quota exceeded."}, 429, headers)
        now = self.clock()
        second = math.floor(now)
        if second != self._second:
            self._second, self._second_count = second, 0
        if self.limits.rps is not None and self._second_count >= self.limits.rps:
            wait = max(1, math.ceil(second + 1 - now))
            detail = f"Request was throttled. Expected available in {wait} second."
            return _json({"detail": detail}, 429, {"Retry-After": str(wait)})
        self._second_count += 1
        self.quota_used += 1
        return None

    def _rate_headers(self, response: web.StreamResponse, *, keyed: bool) -> None:
        limits = self.limits
        response.headers["X-RateLimit-Limit"] = str(limits.monthly)
        response.headers["X-RateLimit-Remaining"] = str(self.quota_remaining)
        response.headers["X-RateLimit-Reset"] = str(self.quota_resets_in)
        if keyed and self.api_key is not None:
            response.headers["X-Consumer-Id"] = keccak(text=self.api_key).hex()[:8]
            if limits.rps is not None:
                response.headers["X-Consumer-RPS"] = str(limits.rps)
            response.headers["X-RateLimit-Plan"] = limits.plan
        used = self.quota_used / limits.monthly if limits.monthly else 1.0
        if used >= WARNING_FROM:
            percent = min(100, math.floor(used * 100))
            response.headers["X-RateLimit-Warning"] = (
                f"{percent}% of monthly quota used. Plans: {PLANS_URL}"
            )

    def _fault(self, request: web.Request) -> web.Response | None:
        for fault in self._faults:
            if fault.count > 0 and fault.substring in request.path_qs:
                fault.count -= 1
                page = _FAULT_PAGES.get(fault.status, f"<html><body>{fault.status}</body></html>")
                return web.Response(text=page, status=fault.status, content_type="text/html")
        return None

    async def _route(self, request: web.Request, body: Any) -> web.Response:
        path = request.path
        for pattern, handlers in self._routes:
            match = pattern.fullmatch(path)
            if match is None:
                if pattern.fullmatch(path + "/") and request.method in ("GET", "HEAD"):
                    # Django's APPEND_SLASH redirects GETs; other methods just do not match.
                    query = f"?{request.query_string}" if request.query_string else ""
                    raise _Reply(web.Response(status=301, headers={"Location": path + "/" + query}))
                continue
            handler = handlers.get(request.method)
            if handler is None:
                raise _fail(405, {"detail": f'Method "{request.method}" not allowed.'})
            params = match.groupdict()
            return await handler(_Call(request, params.pop("v") == "v2", params, body))
        raise _Reply(_json({"detail": "Not found."}, 404), unhandled=True)

    # ----- handlers ----------------------------------------------------------------------------
    async def _safe_info(self, call: _Call) -> web.Response:
        state = await self._safe_state(self._checksummed(call.params["address"]))
        if state is None:
            return web.Response(status=404)  # the service answers an empty 404
        return _json(
            {
                "address": state.address,
                "nonce": str(state.nonce),
                "threshold": state.threshold,
                "owners": state.owners,
                "masterCopy": state.master_copy,
                "modules": state.modules,
                "fallbackHandler": state.fallback_handler,
                "guard": state.guard,
                "version": state.version,
            }
        )

    async def _list(self, call: _Call) -> web.Response:
        address = self._checksummed(call.params["address"])
        await self._safe_state(address)
        query = call.request.query
        own = [tx for tx in self._txs.values() if tx.safe == address]
        txs = self._order(self._filter(own, query), query.get("ordering"))
        page = self._page(call.request, txs, lambda tx: self._render(tx, call.v2))
        only_trusted = _parse_bool(query.get("trusted", "true")) is not False
        page["countUniqueNonce"] = len(
            {t.fields.nonce for t in own if t.trusted or not only_trusted}
        )
        return _json(page)

    async def _detail(self, call: _Call) -> web.Response:
        tx = self._txs.get(call.params["hash"].lower())
        if tx is None:
            raise _fail(404, {"detail": "No MultisigTransaction matches the given query."})
        await self._safe_state(tx.safe)
        return _json(self._render(tx, call.v2))

    async def _confirmations(self, call: _Call) -> web.Response:
        tx = self._txs.get(call.params["hash"].lower())
        confirmations = list(tx.confirmations.values()) if tx else []
        return _json(self._page(call.request, confirmations, self._render_confirmation))

    async def _propose(self, call: _Call) -> web.Response:
        address = self._checksummed(call.params["address"])
        proposal = _Proposal(call.body if isinstance(call.body, dict) else {})
        if proposal.errors:
            raise _fail(422, proposal.errors)
        state = await self._safe_state(address)
        if state is None:
            raise _non_field(422, f"Safe={address} does not exist or it's still not indexed")
        fields = proposal.fields
        digest = fields.safe_tx_hash(self.chain_id, state.version, address)
        if digest != proposal.contract_transaction_hash:
            raise _non_field(
                422,
                f"Contract-transaction-hash={_hex(digest)} does not match provided "
                f"contract-tx-hash={_hex(proposal.contract_transaction_hash)}",
            )
        self._check_nonce_not_executed(address, fields.nonce, _hex(digest))
        sender, owners = proposal.sender, state.owners
        listed = f"Current owners={owners!r}. Delegates=set()"
        if sender not in owners:
            raise _non_field(422, f"Sender={sender} is not an owner or delegate. {listed}")
        signatures = parse_signatures(proposal.signature, digest)
        signers: list[str] = []
        for signature in signatures:
            owner = signature.owner
            if not await self._signature_valid(state, signature, digest):
                raise _non_field(
                    422, f"Signature={_hex(signature.raw)} for owner={owner} is not valid"
                )
            if owner not in owners:
                raise _non_field(422, f"Signer={owner} is not an owner or delegate. {listed}")
            if owner in signers:
                raise _non_field(422, f"Signature for owner={owner} is duplicated")
            signers.append(owner)
        if signers and sender not in signers:
            message = f"Signature does not match sender={sender}. Calculated owners={signers!r}"
            raise _non_field(422, message)
        tx = self._txs.get(_hex(digest))
        if tx is None:
            tx = self._store(address, fields, digest, sender, proposal.origin)
            tx.trusted = bool(signers)
        elif signers and not tx.trusted:
            tx.trusted, tx.origin = True, proposal.origin
        for signature in signatures:
            self._add_confirmation(tx, signature)
        return web.Response(status=201)

    async def _confirm(self, call: _Call) -> web.Response:
        # DRF's CreateAPIView: validation errors are 400 here, not the 422 of proposals.
        safe_tx_hash = call.params["hash"].lower()
        raw = call.body.get("signature") if isinstance(call.body, dict) else None
        blob, error = _hex_field(raw, required=True, min_length=65)
        if error or blob is None:
            raise _fail(400, {"signature": [error or "This field is required."]})
        tx = self._txs.get(safe_tx_hash)
        if tx is None:
            detail = f"Multisig transaction with safe-tx-hash={safe_tx_hash} was not found"
            raise _fail(404, {"detail": detail})
        if tx.execution is not None:
            message = f"Transaction with safe-tx-hash={safe_tx_hash} was already executed"
            raise _fail(400, {"signature": [message]})
        state = await self._safe_state(tx.safe)
        owners = state.owners if state else []
        digest = bytes.fromhex(safe_tx_hash[2:])
        signatures = parse_signatures(blob, digest)
        seen: list[str] = []
        for signature in signatures:
            owner = signature.owner
            if owner not in owners:
                message = f"Signer={owner} is not an owner. Current owners={owners!r}"
            elif state is None or not await self._signature_valid(state, signature, digest):
                message = f"Signature={_hex(signature.raw)} for owner={owner} is not valid"
            elif owner in seen:
                message = f"Signature for owner={owner} is duplicated"
            else:
                seen.append(owner)
                continue
            raise _fail(400, {"signature": [message]})
        for signature in signatures:
            self._add_confirmation(tx, signature)
        tx.trusted = tx.trusted or bool(signatures)
        return _json({"signature": _hex(blob)}, 201)

    async def _delete(self, call: _Call) -> web.Response:
        safe_tx_hash = call.params["hash"].lower()
        raw = call.body.get("signature") if isinstance(call.body, dict) else None
        blob, error = _hex_field(raw, required=True, min_length=65)
        if error or blob is None:
            raise _fail(400, {"signature": [error or "This field is required."]})
        tx = self._txs.get(safe_tx_hash)
        if tx is None:
            raise _fail(404, {"detail": "Multisig transaction not found"})
        if tx.execution is not None:
            raise _non_field(400, "Executed transactions cannot be deleted")
        if not tx.proposer or tx.proposer == ZERO_ADDRESS:
            raise _non_field(400, "Old transactions without proposer cannot be deleted")
        totp = int(self.clock()) // 3600
        # The previous TOTP is accepted too, so a signature made just before the hour turned works.
        for candidate in (totp - 1, totp):
            message_hash = delete_request_hash(
                self.chain_id, tx.safe, bytes.fromhex(safe_tx_hash[2:]), candidate
            )
            signatures = parse_signatures(blob, message_hash)
            if len(signatures) != 1:
                raise _non_field(400, f"1 owner signature was expected, {len(signatures)} received")
            if signatures[0].kind not in ("EOA", "ETH_SIGN"):
                raise _non_field(400, "Only EOA and ETH_SIGN signatures are supported")
            if signatures[0].owner == tx.proposer:
                del self._txs[safe_tx_hash]
                return web.Response(status=204)
        raise _non_field(
            400,
            "Provided signer is not the proposer or the delegate user who proposed the transaction",
        )

    # ----- listing -----------------------------------------------------------------------------
    def _filter(self, txs: list[MultisigTx], query: Mapping[str, str]) -> list[MultisigTx]:
        """MultisigTransactionFilter's filters a queue reader needs; others are ignored."""
        errors: dict[str, list[str]] = {}
        flags: dict[str, bool | None] = {}
        for name in ("executed", "trusted", "has_confirmations", "failed"):
            raw = query.get(name, "true" if name == "trusted" else "")  # trusted defaults to true
            flags[name] = _parse_bool(raw) if raw else None
            if raw and flags[name] is None:
                errors[name] = ["Enter a valid boolean."]
        nonce_tests: list[tuple[Callable[[int, int], bool], int]] = []
        for suffix, test in _COMPARISONS.items():
            if raw := query.get("nonce" + suffix, ""):
                try:
                    nonce_tests.append((test, int(raw)))
                except ValueError:
                    errors["nonce" + suffix] = ["Enter a number."]
        if errors:
            raise _fail(400, errors)
        wanted_hash = query.get("safe_tx_hash", "").lower()
        wanted_to = query.get("to", "")
        wanted_tx_hash = query.get("transaction_hash", "").lower()

        def keep(tx: MultisigTx) -> bool:
            ex = tx.execution
            return (
                flags["executed"] in (None, ex is not None)
                and flags["trusted"] in (None, tx.trusted)
                and flags["has_confirmations"] in (None, bool(tx.confirmations))
                # "failed" is a nullable column: pending transactions match neither value.
                and (flags["failed"] is None or (ex is not None and ex.success != flags["failed"]))
                and all(test(tx.fields.nonce, bound) for test, bound in nonce_tests)
                and wanted_hash in ("", tx.safe_tx_hash)
                and wanted_to in ("", tx.fields.to)
                and (not wanted_tx_hash or (ex is not None and ex.tx_hash == wanted_tx_hash))
            )

        return [tx for tx in txs if keep(tx)]

    @staticmethod
    def _order(txs: list[MultisigTx], ordering: str | None) -> list[MultisigTx]:
        # DRF's OrderingFilter drops unknown fields and falls back to the view's default order.
        terms = [t.strip() for t in (ordering or "").split(",")]
        terms = [t for t in terms if t.lstrip("-") in ORDERING_FIELDS] or list(DEFAULT_ORDERING)
        keys: dict[str, Callable[[MultisigTx], tuple[float, int]]] = {
            "nonce": lambda tx: (tx.fields.nonce, 0),
            "created": lambda tx: (tx.created, tx.seq),
            "modified": lambda tx: (tx.modified, tx.seq),
        }
        result = sorted(txs, key=lambda tx: tx.seq)
        for term in reversed(terms):  # stable sorts, least significant first
            result.sort(key=keys[term.lstrip("-")], reverse=term.startswith("-"))
        return result

    @staticmethod
    def _page(request: web.Request, items: list[Any], render: Callable[[Any], JSON]) -> JSON:
        # DRF's LimitOffsetPagination, links included.
        query = request.query
        limit = _positive_int(query.get("limit"), strict=True, cutoff=MAX_LIMIT) or DEFAULT_LIMIT
        offset = _positive_int(query.get("offset"), strict=False) or 0
        url = f"{request.scheme}://{request.host}{request.path_qs}"
        next_url = previous_url = None
        if offset + limit < len(items):
            next_url = _replace_query(url, {"limit": limit, "offset": offset + limit})
        if 0 < offset <= limit:
            previous_url = _replace_query(url, {"limit": limit}, remove=("offset",))
        elif offset > limit:
            previous_url = _replace_query(url, {"limit": limit, "offset": offset - limit})
        return {
            "count": len(items),
            "next": next_url,
            "previous": previous_url,
            "results": [render(item) for item in items[offset : offset + limit]],
        }

    # ----- rendering ---------------------------------------------------------------------------
    def _render(self, tx: MultisigTx, v2: bool) -> JSON:
        f, ex = tx.fields, tx.execution
        number: Callable[[int], int | str] = str if v2 else int
        state = self.safe(tx.safe)
        required = ex.threshold if ex else (state.threshold if state else None)
        price = ex.eth_gas_price if ex else None
        gas_used = ex.gas_used if ex else None
        decode = f.operation != 1 or f.to in self._trusted_delegates
        return {
            "safe": tx.safe,
            "to": f.to,
            "value": str(f.value),
            "data": _hex(f.data) if f.data else None,
            "operation": f.operation,
            "gasToken": f.gas_token,
            "safeTxGas": number(f.safe_tx_gas),
            "baseGas": number(f.base_gas),
            "gasPrice": str(f.gas_price),
            "refundReceiver": f.refund_receiver,
            "nonce": number(f.nonce),
            "executionDate": _iso(ex.timestamp) if ex else None,
            "submissionDate": _iso(tx.created),
            "modified": _iso(tx.modified),
            "blockNumber": ex.block_number if ex else None,
            "transactionHash": ex.tx_hash if ex else None,
            "safeTxHash": tx.safe_tx_hash,
            "proposer": tx.proposer,
            "proposedByDelegate": None,
            "executor": ex.executor if ex else None,
            "isExecuted": ex is not None,
            "isSuccessful": ex.success if ex else None,
            "ethGasPrice": str(price) if price else None,
            "maxFeePerGas": str(ex.max_fee_per_gas) if ex and ex.max_fee_per_gas else None,
            "maxPriorityFeePerGas": (
                str(ex.max_priority_fee_per_gas) if ex and ex.max_priority_fee_per_gas else None
            ),
            "gasUsed": gas_used,
            "fee": str(gas_used * price) if gas_used and price else None,
            "payment": str(ex.payment) if ex else None,
            "origin": _origin_out(tx.origin),
            # data_should_be_decoded(): a decoded DELEGATECALL to an unknown contract could trick
            # signers, so the service leaves those undecoded.
            "dataDecoded": self.decode(f.data) if decode else None,
            "confirmationsRequired": required,
            "confirmations": [self._render_confirmation(c) for c in tx.confirmations.values()],
            "trusted": tx.trusted,
            "signatures": _hex(ex.signatures) if ex and ex.signatures else None,
        }

    @staticmethod
    def _render_confirmation(confirmation: Confirmation) -> JSON:
        return {
            "owner": confirmation.owner,
            "submissionDate": _iso(confirmation.created),
            "transactionHash": None,
            "signature": _hex(confirmation.signature),
            "signatureType": confirmation.signature_type,
        }

    def decode(self, data: bytes) -> JSON | None:
        """``dataDecoded`` for ``data``: None when the function is unknown or does not decode."""
        function = self._functions.get(bytes(data[:4]))
        if function is None:
            return None
        try:
            values = abi_decode(list(function.types), bytes(data[4:]))
        except Exception:  # eth_abi has many decoding error types
            return None
        parameters: list[JSON] = [
            {"name": name, "type": abi_type, "value": _render_value(abi_type, value)}
            for name, abi_type, value in zip(function.names, function.types, values, strict=True)
        ]
        if function.name == "multiSend" and function.types == ("bytes",):
            try:
                items = _unpack_multisend(values[0])
            except ValueError:
                parameters[0]["valueDecoded"] = None
            else:
                parameters[0]["valueDecoded"] = [
                    {
                        "operation": operation,
                        "to": to,
                        "value": str(value),
                        "data": _hex(inner) if inner else None,
                        "dataDecoded": self.decode(inner),
                    }
                    for operation, to, value, inner in items
                ]
        return {"method": function.name, "parameters": parameters}

    # ----- state internals ---------------------------------------------------------------------
    def _registered(self, address: str) -> SafeState:
        state = self._safes.get(to_checksum_address(address))
        if state is None:
            raise KeyError(f"unknown Safe {address}; add_safe() it first")
        return state

    @staticmethod
    def _checksummed(address: str) -> str:
        if not is_checksum_address(address):
            message = "Checksum address validation failed"
            raise _fail(422, {"code": 1, "message": message, "arguments": [address]})
        return address

    def _store(
        self,
        safe: str,
        fields: SafeTxFields,
        digest: bytes,
        proposer: str | None,
        origin: str | None,
    ) -> MultisigTx:
        now = self.clock()
        self._seq += 1
        tx = MultisigTx(safe, fields, _hex(digest), now, now, self._seq, proposer, origin)
        self._txs[tx.safe_tx_hash] = tx
        return tx

    def _add_confirmation(self, tx: MultisigTx, signature: ParsedSignature) -> None:
        # get_or_create per owner: another signature of the same owner changes nothing.
        if signature.owner not in tx.confirmations:
            now = self.clock()
            tx.confirmations[signature.owner] = Confirmation(
                signature.owner, now, signature.raw, signature.kind
            )
            tx.modified = now

    def _check_nonce_not_executed(self, safe: str, nonce: int, digest: str) -> None:
        # The service refuses a proposal for a nonce it has seen executed.
        for tx in self._txs.values():
            if tx.safe == safe and tx.fields.nonce == nonce and tx.execution is not None:
                where = f"for safe={safe}"
                done = f"executed in tx-hash={tx.execution.tx_hash}"
                if tx.safe_tx_hash == digest:
                    message = f"Tx with safe-tx-hash={digest} {where} was already {done}"
                else:
                    message = f"Tx with nonce={nonce} {where} already {done}"
                raise _non_field(422, message)

    async def _signature_valid(
        self, state: SafeState, signature: ParsedSignature, digest: bytes
    ) -> bool:
        if signature.kind in ("EOA", "ETH_SIGN"):
            return signature.owner != ZERO_ADDRESS
        if signature.kind == "APPROVED_HASH" and self._http is not None:
            # An approved hash counts once approveHash() is on chain, which the service checks.
            call = keccak(text="approvedHashes(address,bytes32)")[:4] + abi_encode(
                ["address", "bytes32"], [signature.owner, digest]
            )
            return int.from_bytes(await self._eth_call(state.address, call) or b"\0", "big") != 0
        return False  # contract (EIP-1271) and passkey signatures are not checked by this fake

    async def _safe_state(self, address: str) -> SafeState | None:
        if address in self._safes or self._http is None:
            return self._safes.get(address)
        state = await self._read_safe(address)
        if state is not None:
            self._chain_safes[address] = state
            await self._index_executions(state)
        return state

    # ----- JSON-RPC ----------------------------------------------------------------------------
    async def _rpc(self, calls: Sequence[tuple[str, list[Any]]]) -> list[Any]:
        """One JSON-RPC batch; an answer with an error becomes None."""
        if self._http is None or self.rpc_url is None:
            raise RuntimeError("the fake has no rpc_url, or is not started")
        payload = [
            {"jsonrpc": "2.0", "id": index, "method": method, "params": params}
            for index, (method, params) in enumerate(calls)
        ]
        async with self._http.post(self.rpc_url, json=payload) as response:
            answers = await response.json(content_type=None)
        if not isinstance(answers, list):  # some nodes answer a refused batch with one error
            return [None] * len(calls)
        by_id = {answer.get("id"): answer for answer in answers}
        return [by_id.get(index, {}).get("result") for index in range(len(calls))]

    async def _eth_call(self, to: str, data: bytes) -> bytes:
        (result,) = await self._rpc([("eth_call", [{"to": to, "data": _hex(data)}, "latest"])])
        return bytes.fromhex(result[2:]) if isinstance(result, str) else b""

    async def _read_safe(self, address: str) -> SafeState | None:
        def call(signature: str, *args: Any) -> tuple[str, list[Any]]:
            types = re.findall(r"\w+", signature.partition("(")[2])
            data = keccak(text=signature)[:4] + (abi_encode(types, args) if args else b"")
            return ("eth_call", [{"to": address, "data": _hex(data)}, "latest"])

        results = await self._rpc(
            [
                call("getOwners()"),
                call("getThreshold()"),
                call("nonce()"),
                call("VERSION()"),
                call("getModulesPaginated(address,uint256)", _SENTINEL, 100),
                ("eth_getStorageAt", [address, "0x0", "latest"]),
                ("eth_getStorageAt", [address, _FALLBACK_SLOT, "latest"]),
                ("eth_getStorageAt", [address, _GUARD_SLOT, "latest"]),
            ]
        )
        raw = [bytes.fromhex(r[2:]) if isinstance(r, str) else b"" for r in results]
        try:
            (owners,) = abi_decode(["address[]"], raw[0])
            (threshold,) = abi_decode(["uint256"], raw[1])
            (nonce,) = abi_decode(["uint256"], raw[2])
            version = abi_decode(["string"], raw[3])[0] if raw[3] else "unknown"
            modules = abi_decode(["address[]", "address"], raw[4])[0] if raw[4] else []
        except Exception:  # no code there, or not a Safe: eth_abi cannot decode the answers
            return None

        def slot_address(value: bytes) -> str:
            return to_checksum_address(value[-20:].rjust(20, b"\0"))

        return SafeState(
            address,
            [to_checksum_address(o) for o in owners],
            threshold,
            nonce,
            version,
            slot_address(raw[5]),
            [to_checksum_address(m) for m in modules],
            slot_address(raw[6]),
            slot_address(raw[7]),
        )

    async def _index_executions(self, state: SafeState) -> None:
        """Read the Safe's execution logs since the last scan and record what they executed."""
        (latest_hex,) = await self._rpc([("eth_blockNumber", [])])
        latest, start = int(latest_hex, 16), self._scanned_to.get(state.address, -1) + 1
        if start > latest:
            return
        topics = [[_EXECUTION_SUCCESS, _EXECUTION_FAILURE, _SAFE_MULTISIG_TX]]
        log_filter = {"address": state.address, "fromBlock": hex(start), "toBlock": hex(latest)}
        (logs,) = await self._rpc([("eth_getLogs", [{**log_filter, "topics": topics}])])
        self._scanned_to[state.address] = latest
        # SafeMultiSigTransaction logs, per transaction hash: (tx, signatures, threshold)
        announced: dict[str, tuple[MultisigTx, bytes, int]] = {}
        for log in logs or []:
            topic0, data = log["topics"][0].lower(), bytes.fromhex(log["data"][2:])
            if topic0 == _SAFE_MULTISIG_TX:
                # L2 Safes log the whole SafeTx before executing it, which lets the service index
                # executions nobody proposed to it.
                announced[log["transactionHash"]] = self._announced_tx(state, data)
                continue
            if len(log["topics"]) > 1:  # 1.4.1 indexes the safeTxHash; 1.3.0 puts it in data
                executed_hash, payment = log["topics"][1].lower(), data[-32:]
            else:
                executed_hash, payment = _hex(data[:32]), data[32:64]
            candidate, signatures, threshold = announced.get(
                log["transactionHash"], (None, b"", state.threshold)
            )
            tx = self._txs.get(executed_hash)
            if tx is None and candidate is not None and candidate.safe_tx_hash == executed_hash:
                tx = self._txs[executed_hash] = candidate
            if tx is not None and tx.execution is None:
                success = topic0 == _EXECUTION_SUCCESS
                details = (success, int.from_bytes(payment, "big"), signatures, threshold)
                await self._record_execution(tx, log, *details)

    def _announced_tx(self, state: SafeState, data: bytes) -> tuple[MultisigTx, bytes, int]:
        """The transaction a SafeMultiSigTransaction log describes (not stored yet), with the
        signatures it was executed with and the threshold then."""
        values = abi_decode(_L2_TX_TYPES, data)
        nonce, sender, threshold = abi_decode(["uint256", "address", "uint256"], values[10])
        to, gas_token, refund = (to_checksum_address(values[i]) for i in (0, 7, 8))
        value, data, operation, safe_tx_gas, base_gas, gas_price = values[1:7]
        fields = SafeTxFields(
            to, value, data, operation, safe_tx_gas, base_gas, gas_price, gas_token, refund, nonce
        )
        digest = fields.safe_tx_hash(self.chain_id, state.version, state.address)
        now = self.clock()
        proposer = to_checksum_address(sender)
        tx = MultisigTx(state.address, fields, _hex(digest), now, now, 0, proposer, None, True)
        for signature in parse_signatures(values[9], digest):
            self._add_confirmation(tx, signature)
        return tx, values[9], threshold

    async def _record_execution(
        self,
        tx: MultisigTx,
        log: Mapping[str, Any],
        success: bool,
        payment: int,
        signatures: bytes,
        threshold: int,
    ) -> None:
        tx_hash = log["transactionHash"]
        block, chain_tx, receipt = await self._rpc(
            [
                ("eth_getBlockByNumber", [log["blockNumber"], False]),
                ("eth_getTransactionByHash", [tx_hash]),
                ("eth_getTransactionReceipt", [tx_hash]),
            ]
        )

        def quantity(source: Any, key: str) -> int | None:
            value = source.get(key) if isinstance(source, dict) else None
            return int(value, 16) if isinstance(value, str) else None

        if not signatures:
            ordered = sorted(tx.confirmations.values(), key=lambda c: int(c.owner, 16))
            signatures = b"".join(c.signature for c in ordered)
        executor = chain_tx.get("from") if isinstance(chain_tx, dict) else None
        tx.execution = Execution(
            tx_hash.lower(),
            int(log["blockNumber"], 16),
            float(quantity(block, "timestamp") or int(self.clock())),
            success,
            to_checksum_address(executor) if executor else None,
            threshold,
            quantity(receipt, "gasUsed"),
            quantity(receipt, "effectiveGasPrice") or quantity(chain_tx, "gasPrice"),
            quantity(chain_tx, "maxFeePerGas"),
            quantity(chain_tx, "maxPriorityFeePerGas"),
            payment,
            signatures,
        )
        if tx.seq == 0:  # indexed from its log: it joins the list now
            self._seq += 1
            tx.seq = self._seq
        tx.modified = self.clock()


class _Proposal:
    """The request serializer's field checks (SafeMultisigTransactionSerializer and its bases).
    Every field error is collected before any cross-field check, as DRF does."""

    def __init__(self, body: Mapping[str, Any]) -> None:
        self.errors: dict[str, list[str]] = {}
        self.body = body
        to = self._address("to", required=True, allow_zero=True) or ZERO_ADDRESS
        value = self._uint("value")
        data, error = _hex_field(body.get("data"), required=False)
        if error:
            self.errors["data"] = [error]
        operation = self._uint("operation")
        gas_token = self._address("gasToken", required=False, allow_zero=True)
        safe_tx_gas, base_gas, gas_price = (
            self._uint(n) for n in ("safeTxGas", "baseGas", "gasPrice")
        )
        refund_receiver = self._address("refundReceiver", required=False, allow_zero=True)
        nonce = self._uint("nonce")
        self.fields = SafeTxFields(
            to, value, data or b"", operation, safe_tx_gas, base_gas, gas_price,
            gas_token or ZERO_ADDRESS, refund_receiver or ZERO_ADDRESS, nonce,
        )  # fmt: skip
        raw_hash = body.get("contractTransactionHash")
        digest, error = _hex_field(raw_hash, required=True, exact=32)
        if error:
            missing = "contractTransactionHash" not in body
            self.errors["contractTransactionHash"] = [
                "This field is required." if missing else error
            ]
        self.contract_transaction_hash = digest or b""
        self.sender = self._address("sender", required=True, allow_zero=False) or ZERO_ADDRESS
        signature, error = _hex_field(body.get("signature"), required=False, min_length=65)
        if error:
            self.errors["signature"] = [error]
        self.signature = signature or b""
        origin = body.get("origin")
        if origin is not None and (not isinstance(origin, str) or len(origin) > 200):
            self.errors["origin"] = ["Ensure this field has no more than 200 characters."]
        self.origin = origin if isinstance(origin, str) else None
        if not self.errors and operation == 2:
            self.errors["nonFieldErrors"] = [
                "Operation CREATE not supported. Please use Safe CreateLib"
            ]
        elif "operation" not in self.errors and operation > 2:
            self.errors["operation"] = ["Unknown operation"]

    def _uint(self, name: str) -> int:
        raw = self.body.get(name)
        if raw is None:
            missing = name not in self.body
            self.errors[name] = [
                "This field is required." if missing else "This field may not be null."
            ]
            return 0
        try:
            value = int(str(raw).strip())
        except ValueError:
            self.errors[name] = ["A valid integer is required."]
            return 0
        if value < 0:
            self.errors[name] = ["Ensure this value is greater than or equal to 0."]
        return value

    def _address(self, name: str, *, required: bool, allow_zero: bool) -> str | None:
        raw = self.body.get(name)
        if raw is None:
            if required:
                missing = name not in self.body
                self.errors[name] = [
                    "This field is required." if missing else "This field may not be null."
                ]
            return None
        if not isinstance(raw, str) or not is_checksum_address(raw):
            self.errors[name] = [f"Address {raw} is not checksumed"]  # sic, safe-eth-py's text
            return None
        if int(raw, 16) == 0 and not allow_zero:
            self.errors[name] = ["0x0 address is not allowed"]
            return None
        return raw
