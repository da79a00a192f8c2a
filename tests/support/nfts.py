"""Mintable ERC-721 and ERC-1155 test contracts, from committed artifacts.

`contracts/TestERC721.sol` and `contracts/TestERC1155.sol` are OpenZeppelin's ERC721 and ERC1155
(npm `@openzeppelin/contracts` 5.7.0) with public `mint` functions, compiled by
`contracts/build.mjs` with solcjs 0.8.37 (optimizer on, 200 runs, EVM version cancun). Nothing is
compiled when tests run: this module reads the JSON artifacts next to the sources. After editing
a source or bumping a pin in package.json, run `npm ci` and then
`node tests/support/contracts/build.mjs`; test_nfts.py fails until the artifacts match again.

`SafeNfts` holds `SafeDriver`'s NFT helpers (NFTs into a Safe and out of it). Deployment lives in
`tests.support.safes` (`deploy_erc721`, `deploy_erc1155`), which deploys one of each with the
Safe contracts.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from eth_account.signers.local import LocalAccount
from eth_typing import ChecksumAddress
from hexbytes import HexBytes
from web3 import Web3
from web3.contract import Contract

if TYPE_CHECKING:
    from tests.support.anvil import Anvil
    from tests.support.safes import Call, ExecutedTx

CONTRACTS_DIR = Path(__file__).resolve().parent / "contracts"
NftStandard = Literal["erc721", "erc1155"]
ARTIFACT_NAMES: dict[NftStandard, str] = {"erc721": "TestERC721", "erc1155": "TestERC1155"}

NFT_NAME = "Steward Test Critters"
NFT_SYMBOL = "CRIT"
# .invalid never resolves (RFC 6761), so nothing can fetch metadata from it by accident.
MULTI_TOKEN_URI = "https://nft.invalid/{id}.json"


@functools.cache
def artifact(name: str) -> dict[str, Any]:
    """A build.mjs artifact by contract name: abi, bytecode, deployedBytecode, compiler,
    dependencies and the keccak256 of every source."""
    loaded: dict[str, Any] = json.loads((CONTRACTS_DIR / f"{name}.json").read_text())
    return loaded


def _contract(w3: Web3, standard: NftStandard, address: str) -> Contract:
    abi = artifact(ARTIFACT_NAMES[standard])["abi"]
    return w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi)


def _init_code(w3: Web3, standard: NftStandard, *args: Any) -> HexBytes:
    built = artifact(ARTIFACT_NAMES[standard])
    factory = w3.eth.contract(abi=built["abi"], bytecode=built["bytecode"])
    return HexBytes(factory.constructor(*args).data_in_transaction)


def erc721_contract(w3: Web3, address: str) -> Contract:
    """The TestERC721 collection at `address`."""
    return _contract(w3, "erc721", address)


def erc1155_contract(w3: Web3, address: str) -> Contract:
    """The TestERC1155 collection at `address`."""
    return _contract(w3, "erc1155", address)


def erc721_init_code(w3: Web3, name: str = NFT_NAME, symbol: str = NFT_SYMBOL) -> HexBytes:
    """Creation code plus constructor arguments for a new TestERC721 collection."""
    return _init_code(w3, "erc721", name, symbol)


def erc1155_init_code(w3: Web3, uri: str = MULTI_TOKEN_URI) -> HexBytes:
    """Creation code plus constructor argument for a new TestERC1155 collection."""
    return _init_code(w3, "erc1155", uri)


class SafeNfts:
    """The NFT half of `SafeDriver`, which mixes it in and provides what is declared below.

    Collections default to the driver's `erc721` / `erc1155` (the ones `deploy_safe_contracts`
    deployed); every method takes `collection=` for another one.
    """

    anvil: Anvil
    address: ChecksumAddress
    executor: LocalAccount
    erc721: Contract
    erc1155: Contract

    if TYPE_CHECKING:

        def transact(
            self,
            to: str,
            value: int = 0,
            data: bytes = b"",
            operation: int = 0,
            *,
            safe_tx_gas: int = 0,
            signers: Sequence[LocalAccount] | None = None,
        ) -> ExecutedTx: ...

        def _eoa_call(
            self, sender: LocalAccount, contract: Contract, fn: str, *args: Any
        ) -> ExecutedTx: ...

    def erc721_owner(self, token_id: int, collection: str | None = None) -> ChecksumAddress:
        owner: ChecksumAddress = self._erc721(collection).functions.ownerOf(token_id).call()
        return owner

    def erc1155_balance(
        self, token_id: int, holder: str | None = None, collection: str | None = None
    ) -> int:
        """`holder`'s (by default the Safe's) balance of one ERC-1155 id."""
        who = Web3.to_checksum_address(holder or self.address)
        return int(self._erc1155(collection).functions.balanceOf(who, token_id).call())

    # -- NFTs in ---------------------------------------------------------------------------------
    # The test collections let anyone mint. Minting or a safe transfer to a Safe makes the token
    # contract call onERC721Received / onERC1155Received / onERC1155BatchReceived on the Safe,
    # which its fallback handler answers; a Safe without one refuses (only ERC-721's plain
    # `mint` skips the check).

    def _erc721(self, collection: str | None) -> Contract:
        return self.erc721 if collection is None else erc721_contract(self.anvil.w3, collection)

    def _erc1155(self, collection: str | None) -> Contract:
        return self.erc1155 if collection is None else erc1155_contract(self.anvil.w3, collection)

    def mint_erc721(
        self,
        token_id: int,
        *,
        checked: bool = True,
        collection: str | None = None,
        sender: LocalAccount | None = None,
    ) -> ExecutedTx:
        """Mint an ERC-721 straight into the Safe: `safeMint` (asks the Safe's
        onERC721Received) unless `checked` is False, then the plain `mint`."""
        token = self._erc721(collection)
        sender = sender or self.executor
        if checked:
            return self._eoa_call(sender, token, "safeMint", self.address, token_id, b"")
        return self._eoa_call(sender, token, "mint", self.address, token_id)

    def fund_erc721(
        self, token_id: int, *, collection: str | None = None, sender: LocalAccount | None = None
    ) -> ExecutedTx:
        """An ERC-721 minted to `sender` (by default the executor), then moved into the Safe with
        safeTransferFrom. Returns the transfer."""
        token = self._erc721(collection)
        sender = sender or self.executor
        self._eoa_call(sender, token, "mint", sender.address, token_id)
        return self._eoa_call(
            sender, token, "safeTransferFrom", sender.address, self.address, token_id
        )

    def mint_erc1155(
        self,
        token_id: int,
        amount: int,
        *,
        data: bytes = b"",
        collection: str | None = None,
        sender: LocalAccount | None = None,
    ) -> ExecutedTx:
        """Mint ERC-1155 tokens straight into the Safe (TransferSingle from the zero address)."""
        token = self._erc1155(collection)
        return self._eoa_call(
            sender or self.executor, token, "mint", self.address, token_id, amount, data
        )

    def mint_erc1155_batch(
        self,
        token_ids: Sequence[int],
        amounts: Sequence[int],
        *,
        data: bytes = b"",
        collection: str | None = None,
        sender: LocalAccount | None = None,
    ) -> ExecutedTx:
        """Several ERC-1155 ids into the Safe in one mintBatch (one TransferBatch event)."""
        token = self._erc1155(collection)
        return self._eoa_call(
            sender or self.executor,
            token,
            "mintBatch",
            self.address,
            list(token_ids),
            list(amounts),
            data,
        )

    def fund_erc1155(
        self,
        token_id: int,
        amount: int,
        *,
        collection: str | None = None,
        sender: LocalAccount | None = None,
    ) -> ExecutedTx:
        """ERC-1155 tokens minted to `sender`, then moved into the Safe with safeTransferFrom.
        Returns the transfer."""
        token = self._erc1155(collection)
        sender = sender or self.executor
        self._eoa_call(sender, token, "mint", sender.address, token_id, amount, b"")
        return self._eoa_call(
            sender,
            token,
            "safeTransferFrom",
            sender.address,
            self.address,
            token_id,
            amount,
            b"",
        )

    def fund_erc1155_batch(
        self,
        token_ids: Sequence[int],
        amounts: Sequence[int],
        *,
        collection: str | None = None,
        sender: LocalAccount | None = None,
    ) -> ExecutedTx:
        """Several ERC-1155 ids minted to `sender`, then moved into the Safe with one
        safeBatchTransferFrom. Returns the transfer."""
        token = self._erc1155(collection)
        sender = sender or self.executor
        ids, values = list(token_ids), list(amounts)
        self._eoa_call(sender, token, "mintBatch", sender.address, ids, values, b"")
        return self._eoa_call(
            sender, token, "safeBatchTransferFrom", sender.address, self.address, ids, values, b""
        )

    # -- NFTs out --------------------------------------------------------------------------------
    # The *_call methods give MultiSend entries, so NFTs can leave in a batch:
    #   safe.multisend([safe.erc721_transfer_call(ALICE, 1), safe.erc1155_transfer_call(...)])

    def erc721_transfer_call(
        self, to: str, token_id: int, *, data: bytes = b"", collection: str | None = None
    ) -> Call:
        """safeTransferFrom(Safe, to, id, data) on the collection, as a MultiSend entry."""
        token = self._erc721(collection)
        calldata = token.encode_abi(
            "safeTransferFrom", args=[self.address, Web3.to_checksum_address(to), token_id, data]
        )
        return (token.address, 0, bytes(HexBytes(calldata)))

    def erc1155_transfer_call(
        self,
        to: str,
        token_id: int,
        amount: int,
        *,
        data: bytes = b"",
        collection: str | None = None,
    ) -> Call:
        """safeTransferFrom(Safe, to, id, amount, data) on the collection, as a MultiSend entry."""
        token = self._erc1155(collection)
        args = [self.address, Web3.to_checksum_address(to), token_id, amount, data]
        return (token.address, 0, bytes(HexBytes(token.encode_abi("safeTransferFrom", args=args))))

    def erc1155_batch_transfer_call(
        self,
        to: str,
        token_ids: Sequence[int],
        amounts: Sequence[int],
        *,
        data: bytes = b"",
        collection: str | None = None,
    ) -> Call:
        """safeBatchTransferFrom(Safe, to, ids, amounts, data), as a MultiSend entry."""
        token = self._erc1155(collection)
        args = [self.address, Web3.to_checksum_address(to), list(token_ids), list(amounts), data]
        calldata = token.encode_abi("safeBatchTransferFrom", args=args)
        return (token.address, 0, bytes(HexBytes(calldata)))

    def send_erc721(
        self,
        to: str,
        token_id: int,
        *,
        data: bytes = b"",
        collection: str | None = None,
        signers: Sequence[LocalAccount] | None = None,
    ) -> ExecutedTx:
        """A Safe transaction calling safeTransferFrom on the collection."""
        target, value, calldata = self.erc721_transfer_call(
            to, token_id, data=data, collection=collection
        )
        return self.transact(target, value, calldata, signers=signers)

    def send_erc1155(
        self,
        to: str,
        token_id: int,
        amount: int,
        *,
        data: bytes = b"",
        collection: str | None = None,
        signers: Sequence[LocalAccount] | None = None,
    ) -> ExecutedTx:
        """A Safe transaction calling the ERC-1155 safeTransferFrom."""
        target, value, calldata = self.erc1155_transfer_call(
            to, token_id, amount, data=data, collection=collection
        )
        return self.transact(target, value, calldata, signers=signers)

    def send_erc1155_batch(
        self,
        to: str,
        token_ids: Sequence[int],
        amounts: Sequence[int],
        *,
        data: bytes = b"",
        collection: str | None = None,
        signers: Sequence[LocalAccount] | None = None,
    ) -> ExecutedTx:
        """A Safe transaction calling safeBatchTransferFrom."""
        target, value, calldata = self.erc1155_batch_transfer_call(
            to, token_ids, amounts, data=data, collection=collection
        )
        return self.transact(target, value, calldata, signers=signers)


__all__ = [
    "ARTIFACT_NAMES",
    "CONTRACTS_DIR",
    "MULTI_TOKEN_URI",
    "NFT_NAME",
    "NFT_SYMBOL",
    "NftStandard",
    "SafeNfts",
    "artifact",
    "erc721_contract",
    "erc721_init_code",
    "erc1155_contract",
    "erc1155_init_code",
]
