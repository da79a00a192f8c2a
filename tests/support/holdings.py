"""Moving test tokens on anvil for the role rule tests: members receive and send away TUSD, mint
critters (ERC-721) and badges (ERC-1155)."""

from __future__ import annotations

from eth_account.signers.local import LocalAccount
from hexbytes import HexBytes
from safe_eth.eth.contracts import get_example_erc20_contract

from tests.support.anvil import Anvil
from tests.support.nfts import erc721_contract, erc1155_contract
from tests.support.safes import TOKEN_DECIMALS, SafeContracts, transact


def send_tusd(
    chain: Anvil, contracts: SafeContracts, sender: LocalAccount, to: str, amount: float
) -> None:
    token = get_example_erc20_contract(chain.w3, contracts.token)
    raw = int(amount * 10**TOKEN_DECIMALS)
    data = HexBytes(token.encode_abi("transfer", args=[to, raw]))
    receipt = transact(chain, sender, {"to": contracts.token, "data": data})
    assert receipt["status"] == 1


def mint_critter(chain: Anvil, contracts: SafeContracts, to: str, token_id: int) -> None:
    collection = erc721_contract(chain.w3, contracts.erc721)
    data = HexBytes(collection.encode_abi("mint", args=[to, token_id]))
    assert transact(chain, chain.accounts[0], {"to": contracts.erc721, "data": data})["status"]


def mint_badge(chain: Anvil, contracts: SafeContracts, to: str, token_id: int, amount: int) -> None:
    collection = erc1155_contract(chain.w3, contracts.erc1155)
    data = HexBytes(collection.encode_abi("mint", args=[to, token_id, amount, b""]))
    assert transact(chain, chain.accounts[0], {"to": contracts.erc1155, "data": data})["status"]
