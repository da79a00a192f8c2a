#!/usr/bin/env node
// Builds the committed artifacts of the test contracts from the Solidity sources beside this
// file: the NFTs, and an OpenZeppelin Governor with its ERC20Votes token and TimelockController.
// Tests never compile: they load the JSON this writes. It also writes the Governor's ABI that
// chain/governor.py decodes with (chain/interfaces/governor.json), so the bot's ABI is the one solc
// produced from OpenZeppelin's sources, never one written by hand.
//
//   node tests/support/contracts/build.mjs           (re)write Test*.json and the Governor ABI
//   node tests/support/contracts/build.mjs --check   exit 1 if the committed JSON is not what
//                                                    the sources and pinned packages give
//
// Needs `npm ci` in the repository root first. The compiler is solcjs, npm `solc` pinned in
// package.json (0.8.37, reporting 0.8.37+commit.f401782d.Emscripten.clang), which carries its
// compiler in soljson.js, so nothing is downloaded; the imports come from npm
// `@openzeppelin/contracts`, also pinned there. Optimizer on (200 runs), EVM version cancun.
//
// Each artifact records the compiler, the OpenZeppelin version and the keccak256 of every
// source file as solc's own metadata lists them; tests/support/test_nfts.py checks those
// against the sources and package.json, so an edited source or a bumped pin without a rebuild
// fails the suite.
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..", "..", "..");
const nodeModules = join(root, "node_modules");
const require = createRequire(join(root, "package.json"));
const solc = require("solc");

const CONTRACTS = [
  "TestERC721",
  "TestERC1155",
  "TestVotesToken",
  "TestTimelock",
  "TestGovernor",
];
// The bot's copy of the Governor interface: the compiled TestGovernor's ABI (IGovernor plus the
// extensions' functions: proposalVotes, token, quorum, timelock, ...).
const GOVERNOR_ABI = join(root, "chain", "interfaces", "governor.json");
const SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  evmVersion: "cancun",
};

function packageVersion(name) {
  return JSON.parse(readFileSync(join(nodeModules, name, "package.json"), "utf8")).version;
}

function findImports(path) {
  // Only npm packages are imported; anything else is a mistake worth failing on.
  try {
    return { contents: readFileSync(join(nodeModules, path), "utf8") };
  } catch (error) {
    return { error: `cannot import ${path}: ${error.message}` };
  }
}

function build() {
  const sources = Object.fromEntries(
    CONTRACTS.map((name) => [
      `${name}.sol`,
      { content: readFileSync(join(here, `${name}.sol`), "utf8") },
    ]),
  );
  const input = {
    language: "Solidity",
    sources,
    settings: {
      ...SETTINGS,
      outputSelection: {
        "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "metadata"] },
      },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
  const errors = (output.errors || []).filter((e) => e.severity === "error");
  for (const message of output.errors || []) {
    console.error(message.formattedMessage);
  }
  if (errors.length) {
    throw new Error(`solc reported ${errors.length} error(s)`);
  }

  const artifacts = {};
  for (const name of CONTRACTS) {
    const compiled = output.contracts[`${name}.sol`][name];
    const metadata = JSON.parse(compiled.metadata);
    const artifact = {
      _generated: "by tests/support/contracts/build.mjs from the .sol file named below; do not edit",
      contractName: name,
      sourceName: `${name}.sol`,
      compiler: {
        npm: `solc@${packageVersion("solc")}`,
        version: metadata.compiler.version,
        settings: SETTINGS,
      },
      dependencies: {
        "@openzeppelin/contracts": packageVersion("@openzeppelin/contracts"),
      },
      // keccak256 of each source as solc read it (the metadata the bytecode's hash commits to).
      sources: Object.fromEntries(
        Object.entries(metadata.sources)
          .map(([path, entry]) => [path, entry.keccak256])
          .sort(([a], [b]) => a.localeCompare(b)),
      ),
      abi: compiled.abi,
      bytecode: `0x${compiled.evm.bytecode.object}`,
      deployedBytecode: `0x${compiled.evm.deployedBytecode.object}`,
    };
    artifacts[join(here, `${name}.json`)] = `${JSON.stringify(artifact, null, 2)}\n`;
  }
  const governor = output.contracts["TestGovernor.sol"].TestGovernor;
  const governorAbi = {
    _generated:
      "by tests/support/contracts/build.mjs: the ABI solc gives for an OpenZeppelin Governor " +
      "(GovernorSettings, GovernorCountingSimple, GovernorVotes, GovernorVotesQuorumFraction, " +
      "GovernorTimelockControl); do not edit",
    dependencies: { "@openzeppelin/contracts": packageVersion("@openzeppelin/contracts") },
    abi: governor.abi,
  };
  artifacts[GOVERNOR_ABI] = `${JSON.stringify(governorAbi, null, 2)}\n`;
  return artifacts;
}

const check = process.argv.includes("--check");
const started = Date.now();
const artifacts = build();
let stale = 0;
for (const [path, text] of Object.entries(artifacts)) {
  const name = relative(root, path);
  if (check) {
    let committed = "";
    try {
      committed = readFileSync(path, "utf8");
    } catch {
      // missing counts as stale
    }
    if (committed !== text) {
      stale += 1;
      console.error(`${name} is stale: run node tests/support/contracts/build.mjs`);
    }
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${name}`);
  }
}
console.log(`solc ${solc.version()} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(stale ? 1 : 0);
