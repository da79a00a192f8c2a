"""Everything that talks to an EVM chain or Safe's services (web3, safe-eth-py)."""
