"""Precision and recall of the gatekeeper's blocked-terms check on a labelled set of prompts.

    PYTHONPATH=. .venv/bin/python -m tests.generation.gatekeeper_eval

`blocked` in tests/generation/data/gatekeeper_prompts.jsonl is a person's judgement: should a
community that lists TERMS stop this prompt? Paraphrases and safety messages are in the set on
purpose: a list of terms cannot tell them apart, and the figures say so.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, replace
from pathlib import Path

from cogs.generation.gatekeeper import Gatekeeper
from tests.generation.gatekeeper_support import ACME_IMAGE, request

DATA = Path(__file__).parent / "data" / "gatekeeper_prompts.jsonl"
TERMS = (
    "scam",
    "rug pull",
    "pump and dump",
    "guaranteed returns",
    "nsfw",
    "nude",
    "gore",
    "seed phrase",
    "private key",
    "estafa",
    "arnaque",
    "Betrug",
    "мошенничество",
    "詐欺",
    "golpe",
)


@dataclass(frozen=True)
class Case:
    lang: str
    blocked: bool
    prompt: str
    note: str


@dataclass(frozen=True)
class Outcome:
    case: Case
    refused: bool
    reasons: tuple[str, ...]


def cases() -> list[Case]:
    return [Case(**json.loads(line)) for line in DATA.read_text("utf-8").splitlines() if line]


async def evaluate() -> list[Outcome]:
    keeper = Gatekeeper()
    style = replace(ACME_IMAGE, blocked_terms=TERMS)
    outcomes = []
    for case in cases():
        verdict = await keeper.check_prompt(request(style, prompt=case.prompt))
        outcomes.append(Outcome(case, not verdict.passed, verdict.reasons))
    return outcomes


def naive(case: Case) -> Outcome:
    """The baseline: a lower-cased substring test, as a first attempt would do it."""
    found = tuple(term for term in TERMS if term.lower() in case.prompt.lower())
    return Outcome(case, bool(found), found)


def scores(outcomes: list[Outcome]) -> dict[str, float]:
    tp = sum(o.refused and o.case.blocked for o in outcomes)
    fp = sum(o.refused and not o.case.blocked for o in outcomes)
    fn = sum(not o.refused and o.case.blocked for o in outcomes)
    tn = len(outcomes) - tp - fp - fn
    return {
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "precision": tp / (tp + fp) if tp + fp else 1.0,
        "recall": tp / (tp + fn) if tp + fn else 1.0,
    }


def main() -> None:
    outcomes = asyncio.run(evaluate())
    print(f"{len(outcomes)} prompts, {len({o.case.lang for o in outcomes})} languages")
    for name, run in (("gatekeeper", outcomes), ("substring", [naive(c) for c in cases()])):
        result = scores(run)
        print(
            f"{name}: TP {result['tp']}, FP {result['fp']}, FN {result['fn']}, "
            f"TN {result['tn']}; precision {result['precision']:.3f}, "
            f"recall {result['recall']:.3f}"
        )
    for outcome in outcomes:
        if outcome.refused != outcome.case.blocked:
            kind = "FP" if outcome.refused else "FN"
            print(f"{kind} [{outcome.case.lang}] {outcome.case.prompt} ({outcome.case.note})")


if __name__ == "__main__":
    main()
