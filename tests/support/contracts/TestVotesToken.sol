// SPDX-License-Identifier: MIT
// An ERC-20 with votes for Steward's Governor tests: OpenZeppelin's ERC20Votes (checkpoints by
// block number), minted by its deployer only. Built by build.mjs into TestVotesToken.json; never
// meant for a real chain.
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";

contract TestVotesToken is ERC20, ERC20Permit, ERC20Votes {
    address private immutable _minter;

    error OnlyMinter(address caller);

    constructor(string memory name_, string memory symbol_) ERC20(name_, symbol_) ERC20Permit(name_) {
        _minter = msg.sender;
    }

    /// Only the deployer mints: the tests hand out voting power and fund the timelock with it.
    function mint(address to, uint256 amount) external {
        if (msg.sender != _minter) revert OnlyMinter(msg.sender);
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }

    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }
}
