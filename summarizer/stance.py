"""Which side a sentence takes on the motion under debate, from the words that carry it.

Stance is read per sentence, never per post: a post that supports the proposal and quotes a
critic, or praises one part and objects to another, says different things in different
sentences. Cues match whole words and phrases ("-1" as a vote, never inside "12/12-17" or
"2022-10-26"; "risk" never inside "Frisky"), negation turns them ("I don't support", "not
opposed"), hedges and questions take no side, and a sentence with no confident cue takes none:
better "no clear sides" than a wrong one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Side = Literal["for", "against", "alternative"]

# A vote written as a token of its own: at the start or after a space, not inside a number, a
# date, a range or a word.
_VOTE_FOR = re.compile(r"(?:^|(?<=[\s(]))(?:\+1|👍|✅)(?=$|[\s.,!;:)])")
_VOTE_AGAINST = re.compile(r"(?:^|(?<=[\s(]))(?:-1|−1|👎|❌)(?=$|[\s.,!;:)])")

_NEGATED_FOR = re.compile(
    r"\b(?:i|we)\s+(?:do\s+not|don'?t|can'?t|cannot|won'?t|will\s+not|could\s+not|couldn'?t)\s+"
    r"(?:yet\s+)?(?:fully\s+)?(?:support|back|endorse|get\s+behind|vote\s+for)\b"
    r"|\b(?:not|no\s+longer)\s+(?:in\s+favou?r|supportive)\b"
    r"|\bi'?m\s+not\s+(?:a\s+)?(?:fan|convinced)\b|^(?:still\s+)?not\s+convinced\b",
    re.IGNORECASE,
)
_NEGATED_AGAINST = re.compile(
    r"\b(?:not|never|no\s+longer)\s+(?:opposed|against)\b"
    r"|\b(?:i|we)\s+(?:do\s+not|don'?t)\s+(?:oppose|object)\b"
    r"|\bno\s+objections?\b",
    re.IGNORECASE,
)
_FOR = re.compile(
    r"\b(?:i|we)\s+(?:fully\s+|strongly\s+|wholeheartedly\s+|would\s+|will\s+|also\s+|"
    r"definitely\s+|happily\s+|continue\s+to\s+)?(?:support|endorse|back)\s+"
    r"(?:this|the\s+(?:proposal|rfc|motion|idea|plan|grant|request|direction|renewal|program|"
    r"programme|initiative|change|sale|budget|allocation|extension|goal|aip|kip)|it|"
    r"[\w-]+'s\s+proposal|\w+ing\b)\b"
    r"|\b(?:i\s+am|i'?m|we\s+are|we'?re)\s+(?:fully\s+|strongly\s+|very\s+much\s+|also\s+)?"
    r"(?:in\s+favou?r|supportive|for\s+this|for\s+it|on\s+board)\b"
    r"|\bin\s+favou?r\s+of\s+(?:this|the\s+proposal)\b"
    r"|\b(?:strong|big|easy|clear)\s+yes\b|\byes\s+from\s+(?:me|us)\b|\bcount\s+(?:me|us)\s+in\b"
    r"|\b(?:i|we)\s*(?:will\s+|am\s+going\s+to\s+|'ll\s+)?vote\s+(?:yes\b|for\s+(?:on|in)\b|(?:for|in\s+favou?r)"
    r"(?:\s+(?:of\s+)?(?:this|it|the\s+proposal)\b|\s*[.!,;]|\s*$))"
    r"|\bvoting\s+(?:yes\b|(?:for|in\s+favou?r)(?:\s+(?:of\s+)?(?:this|it|the\s+proposal)\b|"
    r"\s*[.!,;]|\s*$))"
    r"|^(?:this\s+is\s+a\s+|what\s+a\s+|a\s+)?(?:great|excellent|solid|good|well[- ]thought[- ]out|"
    r"strong)\s+(?:proposal|rfc|initiative|idea)\b|\blgtm\b|\blove\s+this\b"
    r"|\bhappy\s+to\s+support\b"
    r"|\bfull\s+support\b|\bhas\s+my\s+support\b|\bi\s+lean\s+towards?\s+supporting\b"
    r"|\blong\s+overdue\b|\b(?:the\s+)?(?:plan|proposal|rfc)\s+is\s+(?:sound|solid|reasonable|sensible)\b"
    r"|\b(?:i|we)(?:'ll|\s+will)\s+support\b",
    re.IGNORECASE,
)
_AGAINST = re.compile(
    r"\b(?:i|we)\s+(?:strongly\s+|firmly\s+|must\s+|would\s+|will\s+)?"
    r"(?:oppose|object\s+to|reject)\b"
    r"|\b(?:i\s+am|i'?m|we\s+are|we'?re)\s+(?:strongly\s+|firmly\s+)?(?:against|opposed)\b"
    r"|\b(?:i|we)\s+(?:will\s+|am\s+going\s+to\s+|'ll\s+)?vote\s+(?:against|no)\b"
    r"|\bvoting\s+(?:against|no)\b|\bstrong\s+no\b|\bno\s+from\s+(?:me|us)\b"
    r"|\bagainst\s+this\s+(?:proposal|rfc|motion)\b"
    r"|\b(?:bad|terrible|dangerous|reckless)\s+(?:idea|proposal)\b"
    r"|\bthis\s+(?:proposal\s+)?(?:should|must)\s+not\s+pass\b",
    re.IGNORECASE,
)
_ALTERNATIVE = re.compile(
    r"\binstead\s+of\b|\b(?:why\s+not|what\s+if\s+we|how\s+about|could\s+we\s+instead|"
    r"wouldn'?t\s+it\s+be\s+better\s+to)\b|\bcounter[- ]?proposal\b|\balternatively\b"
    r"|\b(?:an|my|one)\s+alternative\b|\brather\s+than\b"
    r"|\b(?:i|we)\s+(?:would\s+)?(?:propose|suggest)\s+(?:that\s+we\s+|we\s+|to\s+)?"
    r"(?:instead|a\s+smaller|halving|splitting|capping|starting\s+with|phasing)\b"
    r"|\b(?:i|we)\s+would\s+support\s+(?:this\s+)?(?:only\s+)?(?:if|with)\b"
    r"|\bsmaller\s+(?:amount|grant|allocation|pilot|first\s+tranche)\b"
    r"|\b(?:staggered|phased)\s+(?:approach|sale|sales|rollout|plan)\b|\bmore\s+reasonable\s+than\b"
    r"|\binstead\b|\b(?:start\s+with|as|run\s+it\s+as)\s+a\s+(?:smaller\s+)?pilot\b|\bmiddle\s+ground\b|\bcompromise\b|\bi'?d\s+rather\b"
    r"|\bcut\s+it\s+to\b|\b(?:could|would)\s+(?:vote\s+for|support)\s+(?:a|an|that)\b"
    r"|\bsomething\s+i\s+could\s+(?:vote\s+for|support)\b"
    r"|\bwould\s+support\s+a\s+(?:smaller|reduced|revised|different)\b"
    # the same in Spanish, Portuguese, German and French
    r"|\b(?:en\s+lugar\s+de|em\s+vez\s+de|stattdessen|au\s+lieu\s+de|ich\s+würde\s+(?:eher|lieber)?)\b",
    re.IGNORECASE,
)
# Support for another amount or schedule is a counter-proposal: "half the amount", "half now,
# half after a report", "a third upfront".
_COUNTER_AMOUNT = re.compile(
    r"\b(?:support|fund|approve|grant|pay|start\s+with|go\s+with|vote\s+for|back|release)\s+(?:only\s+)?"
    r"(?:half|a\s+third|a\s+quarter|part)\s+(?:of\s+)?(?:the\s+)?(?:amount|ask|budget|grant|sum)\b"
    r"|\b(?:half|a\s+third|a\s+quarter|part)\s+(?:now|upfront|up\s+front|first)\b"
    r"|\b(?:in|as)\s+(?:two|three|four|\d)\s+tranches\b|\bmilestone-based\b",
    re.IGNORECASE,
)
# "instead of" and "rather than" put forward another course only when someone speaks: "we
# should pay on delivery instead of upfront", not "the proceeds go to X instead of Y".
_DESCRIBES = re.compile(r"^(?:instead\s+of|rather\s+than)$", re.IGNORECASE)
_SPEAKER = re.compile(
    r"\b(?:i|we|i'?d|we'?d|let'?s|us|you|should|why\s+not|suggest|prefer|propose)\b|^\+1\b",
    re.IGNORECASE,
)
_PLUS_ONE_TO_A_PLAN = re.compile(r"(?:^|\s)\+1\s+(?:to|for|on)\s+(?!@)", re.IGNORECASE)
# A bare vote: "For." or "Strongly against!" as a sentence of its own; "Against unless…".
_BARE_VOTE = re.compile(
    r"^(?:(?:strongly|still|firmly|definitely|also)\s+)?(?P<side>for|against|yes|no)\s*[.!]*$",
    re.IGNORECASE,
)
_LEADING_AGAINST = re.compile(r"^(?:strongly\s+|still\s+)?against\b(?!\s+(?:the\s+)?\w+ing\b)"
                              r"(?!\s+(?:all\s+)?(?:the\s+|my\s+|our\s+)?(?:odds|expectations?|clock))",
                              re.IGNORECASE)  # fmt: skip
# "I'm not against X, but <objection>": the objection is what is meant.
_NOT_AGAINST_BUT = re.compile(r"\bnot\s+(?:against|opposed\s+to)\b[^.;]*,\s+but\b", re.IGNORECASE)
_NOT_OPPOSED = re.compile(r"^(?:i'?m\s+|i\s+am\s+|we\s+are\s+)?not\s+opposed\b", re.IGNORECASE)
# The same in the other languages DAO forums see most (Spanish, Portuguese, German, French).
_FOR_ELSEWHERE = re.compile(
    r"\b(?:estoy\s+a\s+favor|a\s+favor\s+de\s+(?:la|esta)\s+propuesta|apoyo\s+(?:la|esta)\s+propuesta|"
    r"apoio\s+(?:a|esta)\s+proposta|sou\s+a\s+favor|ich\s+bin\s+dafür|ich\s+unterstütze|"
    r"je\s+suis\s+pour|je\s+soutiens)\b",
    re.IGNORECASE,
)
_AGAINST_ELSEWHERE = re.compile(
    r"\b(?:estoy\s+en\s+contra|en\s+contra\s+de\s+(?:la|esta)\s+propuesta|sou\s+contra|"
    r"ich\s+bin\s+dagegen|je\s+suis\s+contre)\b",
    re.IGNORECASE,
)
# Support "in principle" announces a "but": a weak side, which the next sentence may change.
_IN_PRINCIPLE = re.compile(
    r"\b(?:in\s+principle|grundsätzlich|en\s+principio|em\s+princípio|en\s+principe)\b",
    re.IGNORECASE,
)
_SUGGESTION = re.compile(
    r"^(?:what\s+about|why\s+not|how\s+about|could\s+we\s+instead|wouldn'?t\s+it\s+be\s+better)\b|"
    r"\binstead\s*\?$",
    re.IGNORECASE,
)
# Uncertainty takes no side, whatever other words the sentence has.
_UNDECIDED = re.compile(
    r"\b(?:on\s+the\s+fence|undecided|not\s+sure\s+(?:yet|whether|if)|haven'?t\s+decided|"
    r"still\s+(?:thinking|making\s+up\s+my\s+mind)|need\s+more\s+(?:time|info|information))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reading:
    side: Side | None
    # Strong: an explicit vote or "I support / oppose"; weak: a softer cue.
    strong: bool = False


def read_stance(sentence: str) -> Reading:
    """The side a sentence takes on the motion, or none when it does not clearly take one."""
    text = sentence.strip().replace("\u2019", "'").replace("\u2018", "'")
    if not text or _UNDECIDED.search(text):
        return Reading(None)
    if text.endswith("?"):
        # A question takes no side, unless it puts forward another course ("Why not X?").
        return Reading("alternative") if _SUGGESTION.search(text) else Reading(None)
    if _NOT_AGAINST_BUT.search(text):
        return Reading("against")
    if _NOT_OPPOSED.search(text):
        return Reading("for")
    if _IN_PRINCIPLE.search(text) and not _NEGATED_FOR.search(text):
        return Reading("for")  # support with reservations to follow: weak
    bare = _BARE_VOTE.match(text)
    if bare:
        side = bare.group("side").lower()
        return Reading("for" if side in ("for", "yes") else "against", strong=True)
    if _LEADING_AGAINST.search(text):
        return Reading("against", strong=True)
    if _NEGATED_FOR.search(text) or _AGAINST_ELSEWHERE.search(text):
        return Reading("against", strong=True)
    if _FOR_ELSEWHERE.search(text):
        return Reading("for", strong=True)
    against = _VOTE_AGAINST.search(text) or _AGAINST.search(text)
    if against and not _NEGATED_AGAINST.search(text):
        return Reading("against", strong=True)
    if _COUNTER_AMOUNT.search(text):
        return Reading("alternative", strong=True)  # support for a different amount or schedule
    alternative = _ALTERNATIVE.search(text)
    if alternative and "would support" in alternative.group().lower():
        return Reading("alternative", strong=True)  # support on a condition is another plan
    if alternative and _DESCRIBES.search(alternative.group()) and not _SPEAKER.search(text):
        alternative = None  # "The proceeds go to X instead of Y" describes; nobody proposes
    if alternative and _PLUS_ONE_TO_A_PLAN.search(text):
        return Reading("alternative")  # "+1 to paying on delivery instead": another plan
    if _VOTE_FOR.search(text) or _FOR.search(text):
        return Reading("for", strong=not alternative)
    if alternative:
        return Reading("alternative")
    return Reading(None)
