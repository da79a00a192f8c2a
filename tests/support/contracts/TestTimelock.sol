// SPDX-License-Identifier: MIT
// OpenZeppelin's TimelockController as it ships, under a name of our own so build.mjs compiles it
// beside the Governor. Built into TestTimelock.json; never meant for a real chain.
pragma solidity ^0.8.24;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

contract TestTimelock is TimelockController {
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
