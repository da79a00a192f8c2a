"""Real Safe multisigs on the test anvil node, driven through safe-eth-py.

`deploy_safe_contracts` puts the contracts safe-eth-py ships on the node (SafeL2 1.5.0 and 1.4.1,
GnosisSafeL2 1.3.0, their proxy factories and CompatibilityFallbackHandlers, MultiSend and
MultiSendCallOnly 1.4.1 and 1.5.0, a test ERC20), plus the NFT test contracts of
`tests.support.nfts`; `create_safe` makes a proxy through the factory of any of the three
versions; `SafeDriver` builds, signs (with the owners' real keys) and executes Safe transactions,
so the treasury code can watch what a real Safe emits. `tests.support.multisend` puts MultiSend
at chosen addresses (the canonical deployments) for `SafeDriver.multisend(multisend_address=...)`.

Which event arguments are indexed, read from the ABIs safe-eth-py bundles (`SAFE_INDEXED` and
`FACTORY_INDEXED` below; test_chain_support.py checks them against those ABIs):

* 1.3.0 -> 1.4.1: the argument of ExecutionSuccess/ExecutionFailure (txHash), AddedOwner and
  RemovedOwner (owner), EnabledModule and DisabledModule (module), ChangedGuard (guard),
  ChangedFallbackHandler (handler) and the factory's ProxyCreation (proxy) moved from `data` to
  `topics[1]`. topic0 stays the same, so only the indexed flags tell them apart.
* 1.4.1 -> 1.5.0: nothing changed for the events both have. 1.5.0 adds
  ChangedModuleGuard(address indexed moduleGuard), and its factory adds
  ProxyCreationL2(address indexed proxy, address singleton, bytes initializer, uint256 saltNonce)
  and ChainSpecificProxyCreationL2(... , uint256 chainId), emitted only by the *L2 creation
  functions; safe-eth-py's `Safe.create` calls createProxyWithNonce, which emits ProxyCreation
  exactly as 1.4.1 does.

One behaviour differs too: with safeTxGas and gasPrice both 0, a failing inner call reverts the
whole execTransaction with GS013 up to 1.4.1, and with the inner call's own revert data in 1.5.0.
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from eth_account.signers.local import LocalAccount
from eth_typing import URI, ChecksumAddress, HexStr
from hexbytes import HexBytes
from safe_eth.eth import EthereumClient
from safe_eth.eth.constants import NULL_ADDRESS, SENTINEL_ADDRESS
from safe_eth.eth.contracts import (
    get_compatibility_fallback_handler_V1_3_0_contract,
    get_compatibility_fallback_handler_V1_4_1_contract,
    get_compatibility_fallback_handler_V1_5_0_contract,
    get_example_erc20_contract,
    get_multi_send_call_only_V1_4_1_contract,
    get_multi_send_call_only_V1_5_0_contract,
    get_multi_send_V1_4_1_contract,
    get_multi_send_V1_5_0_contract,
    get_proxy_factory_V1_3_0_contract,
    get_proxy_factory_V1_4_1_contract,
    get_proxy_factory_V1_5_0_contract,
    get_safe_V1_3_0_contract,
    get_safe_V1_4_1_contract,
    get_safe_V1_5_0_contract,
)
from safe_eth.safe import Safe, SafeOperationEnum, SafeTx
from safe_eth.safe.multi_send import MultiSendOperation, MultiSendTx
from web3 import Web3
from web3.contract import Contract
from web3.types import TxParams, TxReceipt, Wei

from tests.support.anvil import Anvil
from tests.support.nfts import (
    MULTI_TOKEN_URI,
    NFT_NAME,
    NFT_SYMBOL,
    SafeNfts,
    erc721_contract,
    erc721_init_code,
    erc1155_contract,
    erc1155_init_code,
)

SafeVersion = Literal["1.4.1", "1.3.0", "1.5.0"]
SAFE_VERSIONS: tuple[SafeVersion, ...] = ("1.4.1", "1.3.0", "1.5.0")

CALL = SafeOperationEnum.CALL.value
DELEGATE_CALL = SafeOperationEnum.DELEGATE_CALL.value
UNLIMITED = 2**256 - 1

# ERC20TestToken's constructor takes all of these. Six decimals, like USDC, so amount formatting
# is exercised off the 18-decimal happy path.
TOKEN_NAME = "Test USD"
TOKEN_SYMBOL = "TUSD"
TOKEN_DECIMALS = 6
TOKEN_SUPPLY = 1_000_000_000 * 10**TOKEN_DECIMALS

# Gas a failing Safe transaction reserves for its inner call. With safeTxGas and gasPrice both 0
# a failed inner call reverts the whole execTransaction (GS013) instead of emitting
# ExecutionFailure, so a transaction meant to fail visibly needs a non-zero value.
FAILING_SAFE_TX_GAS = 100_000


class Topic:
    """topic0 (keccak256 of the event signature) of the events tests look for.

    Identical for 1.3.0, 1.4.1 and 1.5.0: only which arguments are indexed changed between them
    (see `SAFE_INDEXED`). ERC-721's Transfer has ERC-20's topic0; it indexes the token id as
    well, so it has four topics where ERC-20's has three. test_chain_support.py and test_nfts.py
    check every value against the ABIs.
    """

    EXECUTION_SUCCESS = "0x442e715f626346e8c54381002da614f62bee8d27386535b2521ec8540898556e"
    EXECUTION_FAILURE = "0x23428b18acfb3ea64b08dc0c1d296ea9c09702c09083ca5272e64d115b687d23"
    SAFE_RECEIVED = "0x3d0ce9bfc3ed7d6862dbb28b2dea94561fe714a1b4d019aa8af39730d1ad7c3d"
    ADDED_OWNER = "0x9465fa0c962cc76958e6373a993326400c1c94f8be2fe3a952adfa7f60b2ea26"
    REMOVED_OWNER = "0xf8d49fc529812e9a7c5c50e69c20f0dccc0db8fa95c98bc58cc9a4f1c1299eaf"
    CHANGED_THRESHOLD = "0x610f7ff2b304ae8903c3de74c60c6ab1f7d6226b3f52c5161905bb5ad4039c93"
    ENABLED_MODULE = "0xecdf3a3effea5783a3c4c2140e677577666428d44ed9d474a0b3a4c9943f8440"
    CHANGED_GUARD = "0x1151116914515bc0891ff9047a6cb32cf902546f83066499bcf8ba33d2353fa2"
    CHANGED_MODULE_GUARD = "0xcd1966d6be16bc0c030cc741a06c6e0efaf8d00de2c8b6a9e11827e125de8bb8"
    CHANGED_FALLBACK_HANDLER = "0x5ac6c46c93c8d0e53714ba3b53db3e7c046da994313d7ed0d192028bc7c228b0"
    SAFE_SETUP = "0x141df868a6331af528e38c83b7aa03edc19be66e37ae67f9285bf4f8e3c6a1a8"
    SAFE_MULTISIG_TRANSACTION = "0x66753cd2356569ee081232e3be8909b950e0a76c1f8460c3a5e3c2be32b11bed"
    PROXY_CREATION = "0x4f51faf6c4561ff95f067657e43439f0f856d97c04d9ec9070a6199ad418e235"
    ERC20_TRANSFER = "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef"
    ERC20_APPROVAL = "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925"
    ERC721_TRANSFER = ERC20_TRANSFER
    ERC1155_TRANSFER_SINGLE = "0xc3d58168c5ae7397731d063d5bbf3d657854427343f4c083240f7aacaa2d0f62"
    ERC1155_TRANSFER_BATCH = "0x4a39dc06d4c0dbc64b70af90fd698a233a518aa5d07e595d983b8c0526c8f7fb"


# Indexed arguments of every event, by version (empty: all arguments are in `data`). 1.5.0 is
# 1.4.1 plus ChangedModuleGuard; the module docstring sums up the differences.
_SAFE_INDEXED_V130: dict[str, tuple[str, ...]] = {
    "AddedOwner": (),
    "ApproveHash": ("approvedHash", "owner"),
    "ChangedFallbackHandler": (),
    "ChangedGuard": (),
    "ChangedThreshold": (),
    "DisabledModule": (),
    "EnabledModule": (),
    "ExecutionFailure": (),
    "ExecutionFromModuleFailure": ("module",),
    "ExecutionFromModuleSuccess": ("module",),
    "ExecutionSuccess": (),
    "RemovedOwner": (),
    "SafeModuleTransaction": (),
    "SafeMultiSigTransaction": (),
    "SafeReceived": ("sender",),
    "SafeSetup": ("initiator",),
    "SignMsg": ("msgHash",),
}
_SAFE_INDEXED_V141: dict[str, tuple[str, ...]] = {
    **_SAFE_INDEXED_V130,
    "AddedOwner": ("owner",),
    "ChangedFallbackHandler": ("handler",),
    "ChangedGuard": ("guard",),
    "DisabledModule": ("module",),
    "EnabledModule": ("module",),
    "ExecutionFailure": ("txHash",),
    "ExecutionSuccess": ("txHash",),
    "RemovedOwner": ("owner",),
}
SAFE_INDEXED: dict[SafeVersion, dict[str, tuple[str, ...]]] = {
    "1.3.0": _SAFE_INDEXED_V130,
    "1.4.1": _SAFE_INDEXED_V141,
    "1.5.0": {**_SAFE_INDEXED_V141, "ChangedModuleGuard": ("moduleGuard",)},
}
FACTORY_INDEXED: dict[SafeVersion, dict[str, tuple[str, ...]]] = {
    "1.3.0": {"ProxyCreation": ()},
    "1.4.1": {"ProxyCreation": ("proxy",)},
    "1.5.0": {
        "ProxyCreation": ("proxy",),
        "ProxyCreationL2": ("proxy",),
        "ChainSpecificProxyCreationL2": ("proxy",),
    },
}


# Two tiny contracts safe-eth-py does not ship, hand-assembled here.
# PUSH1 1, PUSH1 0, MSTORE, PUSH1 32, PUSH1 0, RETURN: answers every call with the word 1. Safe
# 1.4.1's setGuard asks supportsInterface(Guard) and gets "true"; as a guard it then lets every
# transaction through. Also an arbitrary delegatecall target that touches no storage.
PERMISSIVE_RUNTIME = bytes.fromhex("600160005260206000f3")
# PUSH1 0, PUSH1 0, REVERT: every call reverts, for Safe transactions whose inner call fails.
REVERTER_RUNTIME = bytes.fromhex("60006000fd")


def creation_code(runtime: bytes) -> bytes:
    """Init code that returns `runtime` as the contract's code (for runtimes under 256 bytes)."""
    assert len(runtime) < 256
    # PUSH1 len, PUSH1 offset(=12, this prefix's length), PUSH1 0, CODECOPY, PUSH1 len, PUSH1 0,
    # RETURN
    size = len(runtime)
    return bytes([0x60, size, 0x60, 12, 0x60, 0, 0x39, 0x60, size, 0x60, 0, 0xF3]) + runtime


@dataclass(frozen=True)
class SafeContracts:
    """Where `deploy_safe_contracts` put everything; all addresses are checksummed."""

    deployer: ChecksumAddress
    safe_l2_v141: ChecksumAddress
    safe_l2_v130: ChecksumAddress
    safe_l2_v150: ChecksumAddress
    proxy_factory_v141: ChecksumAddress
    proxy_factory_v130: ChecksumAddress
    proxy_factory_v150: ChecksumAddress
    fallback_handler_v141: ChecksumAddress
    fallback_handler_v130: ChecksumAddress
    fallback_handler_v150: ChecksumAddress
    multi_send_v141: ChecksumAddress
    multi_send_call_only_v141: ChecksumAddress
    multi_send_v150: ChecksumAddress
    multi_send_call_only_v150: ChecksumAddress
    token: ChecksumAddress
    erc721: ChecksumAddress  # TestERC721 (tests.support.nfts), named NFT_NAME / NFT_SYMBOL
    erc1155: ChecksumAddress  # TestERC1155, uri MULTI_TOKEN_URI
    permissive: ChecksumAddress
    reverter: ChecksumAddress
    block_number: int  # the chain head right after deployment

    def singleton(self, version: SafeVersion) -> ChecksumAddress:
        return {"1.5.0": self.safe_l2_v150, "1.4.1": self.safe_l2_v141}.get(
            version, self.safe_l2_v130
        )

    def proxy_factory(self, version: SafeVersion) -> ChecksumAddress:
        return {"1.5.0": self.proxy_factory_v150, "1.4.1": self.proxy_factory_v141}.get(
            version, self.proxy_factory_v130
        )

    def fallback_handler(self, version: SafeVersion) -> ChecksumAddress:
        return {"1.5.0": self.fallback_handler_v150, "1.4.1": self.fallback_handler_v141}.get(
            version, self.fallback_handler_v130
        )

    # safe-eth-py 7.27 ships MultiSend and MultiSendCallOnly only for 1.4.1 and 1.5.0. Both are
    # version-independent libraries a Safe delegatecalls, so 1.3.0 Safes use the 1.4.1 ones.
    def multi_send(self, version: SafeVersion = "1.4.1") -> ChecksumAddress:
        return self.multi_send_v150 if version == "1.5.0" else self.multi_send_v141

    def multi_send_call_only(self, version: SafeVersion = "1.4.1") -> ChecksumAddress:
        if version == "1.5.0":
            return self.multi_send_call_only_v150
        return self.multi_send_call_only_v141

    def addresses(self) -> dict[str, ChecksumAddress]:
        """Every deployed contract by field name (not the deployer, which is an account)."""
        return {
            name: value
            for name, value in vars(self).items()
            if name not in {"deployer", "block_number"}
        }


@dataclass(frozen=True)
class ExecutedTx:
    """A mined transaction. `success` is the Safe's verdict for a Safe transaction
    (ExecutionSuccess rather than ExecutionFailure) and the receipt status for a plain one."""

    tx_hash: HexStr
    safe_tx_hash: HexStr | None
    block_number: int
    success: bool
    receipt: TxReceipt = field(repr=False, compare=False)


class SafeExecutionError(RuntimeError):
    pass


_clients: weakref.WeakKeyDictionary[Anvil, EthereumClient] = weakref.WeakKeyDictionary()


def ethereum_client(anvil: Anvil) -> EthereumClient:
    """safe-eth-py's client for this node, one per node."""
    client = _clients.get(anvil)
    if client is None:
        # No request caching: web3 would cache blocks by number, and an evm_revert makes those
        # numbers name different blocks.
        client = EthereumClient(URI(anvil.url), use_request_caching=False)
        # requests would otherwise route even 127.0.0.1 through an HTTP(S)_PROXY.
        client.http_session.trust_env = False
        _clients[anvil] = client
    return client


def transact(anvil: Anvil, sender: LocalAccount, tx: TxParams) -> TxReceipt:
    """Sign `tx` with `sender`'s key, send it and wait for the receipt (needs automine)."""
    w3 = anvil.w3
    params: dict[str, Any] = {"chainId": anvil.chain_id, "value": 0, **tx, "from": sender.address}
    if "nonce" not in params:
        params["nonce"] = w3.eth.get_transaction_count(sender.address, "pending")
    if "gasPrice" not in params and "maxFeePerGas" not in params:
        params["gasPrice"] = w3.eth.gas_price
    if "gas" not in params:
        params["gas"] = w3.eth.estimate_gas(cast(TxParams, params))
    signed = sender.sign_transaction(params)
    tx_hash = w3.eth.send_raw_transaction(signed.raw_transaction)
    return w3.eth.wait_for_transaction_receipt(tx_hash, timeout=30)


def _deploy(anvil: Anvil, deployer: LocalAccount, init_code: bytes | HexStr) -> ChecksumAddress:
    receipt = transact(anvil, deployer, {"data": HexBytes(init_code)})
    address = receipt["contractAddress"]
    if receipt["status"] != 1 or address is None:
        raise SafeExecutionError(f"deployment failed: {receipt}")
    return address


def deploy_safe_contracts(anvil: Anvil, deployer: LocalAccount | None = None) -> SafeContracts:
    """Deploy everything from safe-eth-py's bundled bytecode, the NFT test contracts from their
    committed artifacts, and two hand-assembled helpers.

    The test token's whole supply goes to the deployer (anvil's first account by default).
    """
    deployer = deployer or anvil.accounts[0]
    w3 = anvil.w3

    def deploy(accessor: Any, *args: Any) -> ChecksumAddress:
        # safe-eth-py's accessors give web3 contract classes carrying the bundled bytecode.
        return _deploy(anvil, deployer, accessor(w3).constructor(*args).data_in_transaction)

    return SafeContracts(
        deployer=deployer.address,
        safe_l2_v141=deploy(get_safe_V1_4_1_contract),
        safe_l2_v130=deploy(get_safe_V1_3_0_contract),
        safe_l2_v150=deploy(get_safe_V1_5_0_contract),
        proxy_factory_v141=deploy(get_proxy_factory_V1_4_1_contract),
        proxy_factory_v130=deploy(get_proxy_factory_V1_3_0_contract),
        proxy_factory_v150=deploy(get_proxy_factory_V1_5_0_contract),
        fallback_handler_v141=deploy(get_compatibility_fallback_handler_V1_4_1_contract),
        fallback_handler_v130=deploy(get_compatibility_fallback_handler_V1_3_0_contract),
        fallback_handler_v150=deploy(get_compatibility_fallback_handler_V1_5_0_contract),
        multi_send_v141=deploy(get_multi_send_V1_4_1_contract),
        multi_send_call_only_v141=deploy(get_multi_send_call_only_V1_4_1_contract),
        multi_send_v150=deploy(get_multi_send_V1_5_0_contract),
        multi_send_call_only_v150=deploy(get_multi_send_call_only_V1_5_0_contract),
        token=deploy(
            get_example_erc20_contract,
            TOKEN_NAME,
            TOKEN_SYMBOL,
            TOKEN_DECIMALS,
            deployer.address,
            TOKEN_SUPPLY,
        ),
        erc721=deploy_erc721(anvil, deployer=deployer),
        erc1155=deploy_erc1155(anvil, deployer=deployer),
        permissive=_deploy(anvil, deployer, creation_code(PERMISSIVE_RUNTIME)),
        reverter=_deploy(anvil, deployer, creation_code(REVERTER_RUNTIME)),
        block_number=anvil.block_number(),
    )


def deploy_erc721(
    anvil: Anvil,
    name: str = NFT_NAME,
    symbol: str = NFT_SYMBOL,
    *,
    deployer: LocalAccount | None = None,
) -> ChecksumAddress:
    """A new TestERC721 collection (anyone may mint)."""
    return _deploy(anvil, deployer or anvil.accounts[0], erc721_init_code(anvil.w3, name, symbol))


def deploy_erc1155(
    anvil: Anvil, uri: str = MULTI_TOKEN_URI, *, deployer: LocalAccount | None = None
) -> ChecksumAddress:
    """A new TestERC1155 collection (anyone may mint)."""
    return _deploy(anvil, deployer or anvil.accounts[0], erc1155_init_code(anvil.w3, uri))


def _address(owner: LocalAccount | str) -> ChecksumAddress:
    return Web3.to_checksum_address(owner if isinstance(owner, str) else owner.address)


def create_safe(
    anvil: Anvil,
    contracts: SafeContracts,
    owners: Sequence[LocalAccount | str],
    threshold: int,
    version: SafeVersion = "1.4.1",
    deployer: LocalAccount | None = None,
    *,
    fallback_handler: str | None = None,
) -> ChecksumAddress:
    """A new Safe proxy of `version` through that version's factory.

    Its fallback handler is that version's CompatibilityFallbackHandler unless `fallback_handler`
    says otherwise; `NULL_ADDRESS` makes a Safe without one, which refuses ERC-721 and ERC-1155
    safe transfers (the handler is what answers onERC721Received and onERC1155Received).
    """
    deployer = deployer or anvil.accounts[0]
    handler = contracts.fallback_handler(version) if fallback_handler is None else fallback_handler
    sent = Safe.create(
        ethereum_client(anvil),
        deployer,
        contracts.singleton(version),
        [_address(owner) for owner in owners],
        threshold,
        fallback_handler=Web3.to_checksum_address(handler),
        proxy_factory_address=contracts.proxy_factory(version),
    )
    receipt = anvil.w3.eth.wait_for_transaction_receipt(HexBytes(sent.tx_hash), timeout=30)
    if receipt["status"] != 1 or not sent.contract_address:
        raise SafeExecutionError(f"Safe creation failed: {receipt}")
    return Web3.to_checksum_address(sent.contract_address)


Call = tuple[str, int, bytes]  # (to, value in wei, calldata) of one MultiSend entry


class SafeDriver(SafeNfts):
    """Acts on one Safe as its owners would: builds a SafeTx, signs it with the owners' keys and
    has an anvil account execute it.

    Signing uses, unless told otherwise, the first `threshold` of the given owner accounts that
    are still owners on-chain. Every action waits for its receipt, so it needs automine; with
    manual mining use `submit`, `Anvil.mine` and `wait`.
    """

    def __init__(
        self,
        anvil: Anvil,
        contracts: SafeContracts,
        address: str,
        owners: Sequence[LocalAccount],
        executor: LocalAccount | None = None,
    ) -> None:
        self.anvil = anvil
        self.contracts = contracts
        self.address = Web3.to_checksum_address(address)
        self.client = ethereum_client(anvil)
        # Reads VERSION() and picks safe-eth-py's class (and ABI) for it.
        # Safe.__new__ returns the concrete subclass, which mypy cannot see.
        self.safe = Safe(self.address, self.client)  # type: ignore[abstract]
        self.version = self.safe.get_version()
        self.executor = executor or anvil.accounts[0]
        self._owner_keys = list(owners)
        self.token: Contract = get_example_erc20_contract(anvil.w3, contracts.token)
        self.erc721: Contract = erc721_contract(anvil.w3, contracts.erc721)
        self.erc1155: Contract = erc1155_contract(anvil.w3, contracts.erc1155)

    def __repr__(self) -> str:
        return f"<SafeDriver {self.address} v{self.version}>"

    # -- on-chain reads ------------------------------------------------------------------------

    def nonce(self) -> int:
        return int(self.safe.retrieve_nonce())

    def owners(self) -> list[ChecksumAddress]:
        return list(self.safe.retrieve_owners())

    def threshold(self) -> int:
        return int(self.safe.retrieve_threshold())

    def eth_balance(self) -> int:
        return int(self.anvil.w3.eth.get_balance(self.address))

    def token_balance(self) -> int:
        return int(self.token.functions.balanceOf(self.address).call())

    def prev_owner(self, owner: str) -> ChecksumAddress:
        """The `prevOwner` that removeOwner/swapOwner need: the owner before it in the list."""
        owners = self.owners()
        index = owners.index(Web3.to_checksum_address(owner))
        return SENTINEL_ADDRESS if index == 0 else owners[index - 1]

    # -- building, signing, executing ----------------------------------------------------------

    def build(
        self,
        to: str,
        value: int = 0,
        data: bytes = b"",
        operation: int = CALL,
        *,
        safe_tx_gas: int = 0,
        nonce: int | None = None,
    ) -> SafeTx:
        """An unsigned SafeTx at the current (or given) nonce; `.safe_tx_hash` is its hash."""
        return self.safe.build_multisig_tx(
            Web3.to_checksum_address(to),
            value,
            data,
            operation,
            safe_tx_gas=safe_tx_gas,
            safe_nonce=nonce,
        )

    def sign(self, safe_tx: SafeTx, owner: LocalAccount) -> bytes:
        """`owner`'s 65-byte signature of the SafeTx hash, as a Transaction Service confirmation
        carries it. It is also added to `safe_tx.signatures` (kept sorted by owner)."""
        return bytes(safe_tx.sign(HexBytes(owner.key).to_0x_hex()))

    def default_signers(self) -> list[LocalAccount]:
        current = set(self.owners())
        threshold = self.threshold()
        signers = [account for account in self._owner_keys if account.address in current]
        if len(signers) < threshold:
            raise SafeExecutionError(
                f"only {len(signers)} of the known owner keys still own {self.address}, "
                f"threshold is {threshold}"
            )
        return signers[:threshold]

    def submit(self, safe_tx: SafeTx, signers: Sequence[LocalAccount] | None = None) -> HexStr:
        """Sign (with `signers`, or the default owners if `safe_tx` is unsigned) and send
        execTransaction from the executor, without waiting for it to be mined."""
        if signers is not None or not safe_tx.signatures:
            for owner in signers if signers is not None else self.default_signers():
                safe_tx.sign(HexBytes(owner.key).to_0x_hex())
        tx_hash, _ = safe_tx.execute(HexBytes(self.executor.key).to_0x_hex())
        return HexStr(HexBytes(tx_hash).to_0x_hex())

    def wait(self, tx_hash: str, safe_tx_hash: str | None = None) -> ExecutedTx:
        """The mined outcome of a transaction; for a Safe transaction, whether the Safe emitted
        ExecutionSuccess or ExecutionFailure."""
        receipt = self.anvil.w3.eth.wait_for_transaction_receipt(HexBytes(tx_hash), timeout=30)
        if receipt["status"] != 1:
            raise SafeExecutionError(f"transaction {tx_hash} reverted")
        if safe_tx_hash is None:
            success = True
        else:
            verdicts = [
                log["topics"][0].to_0x_hex()
                for log in receipt["logs"]
                if log["address"] == self.address
                and log["topics"]
                and log["topics"][0].to_0x_hex()
                in (Topic.EXECUTION_SUCCESS, Topic.EXECUTION_FAILURE)
            ]
            if len(verdicts) != 1:
                raise SafeExecutionError(f"{tx_hash} has no single Safe execution event")
            success = verdicts[0] == Topic.EXECUTION_SUCCESS
        return ExecutedTx(
            tx_hash=HexStr(HexBytes(tx_hash).to_0x_hex()),
            safe_tx_hash=None if safe_tx_hash is None else HexStr(safe_tx_hash),
            block_number=int(receipt["blockNumber"]),
            success=success,
            receipt=receipt,
        )

    def execute(self, safe_tx: SafeTx, signers: Sequence[LocalAccount] | None = None) -> ExecutedTx:
        safe_tx_hash = safe_tx.safe_tx_hash.to_0x_hex()
        return self.wait(self.submit(safe_tx, signers), safe_tx_hash)

    def transact(
        self,
        to: str,
        value: int = 0,
        data: bytes = b"",
        operation: int = CALL,
        *,
        safe_tx_gas: int = 0,
        signers: Sequence[LocalAccount] | None = None,
    ) -> ExecutedTx:
        """Build, sign and execute one Safe transaction."""
        return self.execute(
            self.build(to, value, data, operation, safe_tx_gas=safe_tx_gas), signers
        )

    def _self_call(
        self, fn_name: str, args: Sequence[Any], signers: Sequence[LocalAccount] | None
    ) -> ExecutedTx:
        # Owner, module, guard and handler changes are calls from the Safe to itself.
        data = HexBytes(self.safe.contract.encode_abi(fn_name, args=list(args)))
        return self.transact(self.address, 0, data, signers=signers)

    # -- money in ------------------------------------------------------------------------------

    def fund_eth(self, wei: int, sender: LocalAccount | None = None) -> ExecutedTx:
        """A plain ETH transfer into the Safe (its receive() emits SafeReceived)."""
        receipt = transact(
            self.anvil, sender or self.executor, {"to": self.address, "value": Wei(wei)}
        )
        return self.wait(receipt["transactionHash"].to_0x_hex())

    def fund_token(self, amount: int, sender: LocalAccount | None = None) -> ExecutedTx:
        """Test tokens into the Safe, by default from the deployer, who holds the supply."""
        sender = sender or self._deployer()
        data = HexBytes(self.token.encode_abi("transfer", args=[self.address, amount]))
        receipt = transact(self.anvil, sender, {"to": self.contracts.token, "data": data})
        return self.wait(receipt["transactionHash"].to_0x_hex())

    def _eoa_call(
        self, sender: LocalAccount, contract: Contract, fn: str, *args: Any
    ) -> ExecutedTx:
        """`sender` calls `fn` on `contract` itself, not through the Safe."""
        data = HexBytes(contract.encode_abi(fn, args=list(args)))
        receipt = transact(self.anvil, sender, {"to": contract.address, "data": data})
        return self.wait(receipt["transactionHash"].to_0x_hex())

    def _deployer(self) -> LocalAccount:
        for account in self.anvil.accounts:
            if account.address == self.contracts.deployer:
                return account
        raise SafeExecutionError("the deployer is not an anvil account: pass a sender")

    # -- money out -----------------------------------------------------------------------------

    def send_eth(
        self, to: str, wei: int, *, signers: Sequence[LocalAccount] | None = None
    ) -> ExecutedTx:
        return self.transact(to, wei, b"", signers=signers)

    def send_token(
        self, to: str, amount: int, *, signers: Sequence[LocalAccount] | None = None
    ) -> ExecutedTx:
        data = HexBytes(
            self.token.encode_abi("transfer", args=[Web3.to_checksum_address(to), amount])
        )
        return self.transact(self.contracts.token, 0, data, signers=signers)

    def approve(
        self,
        spender: str,
        amount: int = UNLIMITED,
        *,
        signers: Sequence[LocalAccount] | None = None,
    ) -> ExecutedTx:
        """An ERC20 approval of the test token; unlimited (2**256-1) unless told otherwise."""
        data = HexBytes(
            self.token.encode_abi("approve", args=[Web3.to_checksum_address(spender), amount])
        )
        return self.transact(self.contracts.token, 0, data, signers=signers)

    def multisend(
        self,
        calls: Sequence[Call],
        *,
        multisend_address: str | None = None,
        signers: Sequence[LocalAccount] | None = None,
    ) -> ExecutedTx:
        """Several calls in one Safe transaction: a DELEGATECALL into MultiSend, by default the
        one of the Safe's version, or whichever code sits at `multisend_address` (see
        `tests.support.multisend` for putting MultiSend at a canonical or a fresh address)."""
        library = multisend_address or self.contracts.multi_send(self._version())
        return self._multisend(library, calls, signers)

    def multisend_call_only(
        self,
        calls: Sequence[Call],
        *,
        multisend_address: str | None = None,
        signers: Sequence[LocalAccount] | None = None,
    ) -> ExecutedTx:
        """The same through MultiSendCallOnly, which refuses nested delegatecalls."""
        library = multisend_address or self.contracts.multi_send_call_only(self._version())
        return self._multisend(library, calls, signers)

    def _version(self) -> SafeVersion:
        return self.version if self.version in SAFE_VERSIONS else "1.4.1"

    def _multisend(
        self,
        library: str,
        calls: Sequence[Call],
        signers: Sequence[LocalAccount] | None,
    ) -> ExecutedTx:
        packed = b"".join(
            MultiSendTx(
                MultiSendOperation.CALL, Web3.to_checksum_address(to), value, data
            ).encoded_data
            for to, value, data in calls
        )
        # Both libraries expose multiSend(bytes); the Safe must delegatecall them, or the inner
        # calls would come from the library's address instead of the Safe's.
        library_abi = get_multi_send_V1_4_1_contract(self.anvil.w3)
        data = HexBytes(library_abi.encode_abi("multiSend", args=[packed]))
        return self.transact(library, 0, data, DELEGATE_CALL, signers=signers)

    def delegatecall(
        self, target: str, data: bytes = b"", *, signers: Sequence[LocalAccount] | None = None
    ) -> ExecutedTx:
        """A DELEGATECALL to an arbitrary contract: the kind of transaction to alert on."""
        return self.transact(target, 0, data, DELEGATE_CALL, signers=signers)

    def failing(
        self,
        to: str | None = None,
        value: int = 0,
        data: bytes = b"",
        *,
        safe_tx_gas: int = FAILING_SAFE_TX_GAS,
        signers: Sequence[LocalAccount] | None = None,
    ) -> ExecutedTx:
        """A Safe transaction whose inner call reverts (by default a call to the reverter
        contract). The execution itself succeeds, emits ExecutionFailure and uses up the nonce."""
        return self.transact(
            to or self.contracts.reverter, value, data, safe_tx_gas=safe_tx_gas, signers=signers
        )

    # -- configuration -------------------------------------------------------------------------

    def add_owner(
        self,
        owner: LocalAccount | str,
        threshold: int,
        *,
        signers: Sequence[LocalAccount] | None = None,
    ) -> ExecutedTx:
        """addOwnerWithThreshold. Given an account, the driver can sign with it afterwards."""
        executed = self._self_call("addOwnerWithThreshold", [_address(owner), threshold], signers)
        known = {account.address for account in self._owner_keys}
        if not isinstance(owner, str) and owner.address not in known:
            self._owner_keys.append(owner)
        return executed

    def remove_owner(
        self,
        prev: str,
        owner: LocalAccount | str,
        threshold: int,
        *,
        signers: Sequence[LocalAccount] | None = None,
    ) -> ExecutedTx:
        """removeOwner; `prev` is the owner listed before it (see `prev_owner`)."""
        args = [Web3.to_checksum_address(prev), _address(owner), threshold]
        return self._self_call("removeOwner", args, signers)

    def change_threshold(
        self, threshold: int, *, signers: Sequence[LocalAccount] | None = None
    ) -> ExecutedTx:
        return self._self_call("changeThreshold", [threshold], signers)

    def enable_module(
        self, module: str, *, signers: Sequence[LocalAccount] | None = None
    ) -> ExecutedTx:
        return self._self_call("enableModule", [Web3.to_checksum_address(module)], signers)

    def set_guard(self, guard: str, *, signers: Sequence[LocalAccount] | None = None) -> ExecutedTx:
        """setGuard. 1.4.1 checks the guard's supportsInterface, so pass a real guard (such as
        `contracts.permissive`) or the zero address to remove it."""
        return self._self_call("setGuard", [Web3.to_checksum_address(guard)], signers)

    def set_module_guard(
        self, guard: str, *, signers: Sequence[LocalAccount] | None = None
    ) -> ExecutedTx:
        """setModuleGuard (1.5.0 only; emits ChangedModuleGuard). Like setGuard it checks the
        guard's supportsInterface: pass `contracts.permissive` or the zero address."""
        if self.version != "1.5.0":
            raise SafeExecutionError(f"Safe {self.version} has no setModuleGuard (1.5.0 only)")
        return self._self_call("setModuleGuard", [Web3.to_checksum_address(guard)], signers)

    def set_fallback_handler(
        self, handler: str, *, signers: Sequence[LocalAccount] | None = None
    ) -> ExecutedTx:
        return self._self_call("setFallbackHandler", [Web3.to_checksum_address(handler)], signers)


__all__ = [
    "CALL",
    "DELEGATE_CALL",
    "FACTORY_INDEXED",
    "FAILING_SAFE_TX_GAS",
    "NULL_ADDRESS",
    "SAFE_INDEXED",
    "SAFE_VERSIONS",
    "SENTINEL_ADDRESS",
    "TOKEN_DECIMALS",
    "TOKEN_NAME",
    "TOKEN_SUPPLY",
    "TOKEN_SYMBOL",
    "UNLIMITED",
    "Call",
    "ExecutedTx",
    "SafeContracts",
    "SafeDriver",
    "SafeExecutionError",
    "SafeVersion",
    "Topic",
    "create_safe",
    "creation_code",
    "deploy_erc721",
    "deploy_erc1155",
    "deploy_safe_contracts",
    "ethereum_client",
    "transact",
]
