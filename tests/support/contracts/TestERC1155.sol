// SPDX-License-Identifier: MIT
// A mintable ERC-1155 for Steward's tests: OpenZeppelin's ERC1155 with public minting. Built by
// build.mjs into TestERC1155.json; never meant for a real chain.
pragma solidity ^0.8.24;

import {ERC1155} from "@openzeppelin/contracts/token/ERC1155/ERC1155.sol";

contract TestERC1155 is ERC1155 {
    constructor(string memory uri_) ERC1155(uri_) {}

    /// Anyone may mint. Like every ERC-1155 transfer, minting to a contract calls its
    /// onERC1155Received, so a Safe needs a fallback handler to receive these.
    function mint(address to, uint256 id, uint256 amount, bytes calldata data) external {
        _mint(to, id, amount, data);
    }

    /// Several ids at once: one TransferBatch event, one onERC1155BatchReceived call.
    function mintBatch(
        address to,
        uint256[] calldata ids,
        uint256[] calldata amounts,
        bytes calldata data
    ) external {
        _mintBatch(to, ids, amounts, data);
    }
}
