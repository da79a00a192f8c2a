"""A chain as an operator configures it: a node serving another chain is refused at start, and
/about shows each chain's head, lag and last error."""

from __future__ import annotations

from pathlib import Path

from tests.bot.test_startup import only_line, steward
from tests.support.anvil import Anvil


def test_a_node_serving_another_chain_id_stops_the_start_in_one_line(
    tmp_path: Path, chain: Anvil
) -> None:
    config = f'[treasury.chains.mainnet]\nchain_id = 1\nrpc_url = "{chain.url}"\n'
    result = steward(tmp_path, "run", config=config)
    assert result.returncode == 1
    line = only_line(result.stderr)
    assert f"serves chain id {chain.chain_id}, not the configured 1" in line
    assert "treasury.chains.mainnet.rpc_url" in line
