// SPDX-License-Identifier: MIT
// A mintable ERC-721 for Steward's tests: OpenZeppelin's ERC721 with public minting. Built by
// build.mjs into TestERC721.json; never meant for a real chain.
pragma solidity ^0.8.24;

import {ERC721} from "@openzeppelin/contracts/token/ERC721/ERC721.sol";

contract TestERC721 is ERC721 {
    constructor(string memory name_, string memory symbol_) ERC721(name_, symbol_) {}

    /// Anyone may mint. `_mint` does not ask a contract recipient whether it accepts the token,
    /// so this lands even in a Safe without a fallback handler (like an airdrop).
    function mint(address to, uint256 id) external {
        _mint(to, id);
    }

    /// Minting that calls a contract recipient's onERC721Received first, as safeTransferFrom does.
    function safeMint(address to, uint256 id, bytes calldata data) external {
        _safeMint(to, id, data);
    }
}
