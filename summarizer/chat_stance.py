"""Which side a chat sentence takes on a topic's motion.

Chat states sides tersely and by reference: "+1" to the message it replies to, "wednesday 14:00
works for me" to whichever plan mentioned Wednesday, "+1 on wren's idea" to Wren's side. So a
sentence is read in three steps:

1. approval of something named ("X works for me", "yes to X", "X 👍", "-1 on X", "X, no") goes
   to the plan X comes from: an alternative already put forward when X shares its words, else
   the motion when X shares the motion's words;
2. a bare seconding ("+1", "agree", "yes please", a vote emoji) takes the side of what it
   answers: the motion itself (for), or the side of the person it replies to or names;
3. otherwise the forum's sentence-level cues (`summarizer.stance.read_stance`), with chat's
   suggestions ("we could just…", "maybe … instead?", "why not …?") as alternatives and "I'd
   rather not." as against. "rather" or "proposed" inside an argument makes nothing an
   alternative, and a sentence with no confident cue takes no side.

Questions take no side unless they put forward another course; "yes, same issue" answering a
factual question is no stance (a seconding counts only when it answers a side or the motion).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from summarizer.stance import Reading, Side, read_stance

_PREFIX = 5  # words compared by their first letters: "removing" is "remove", "weds" is not

_WORD = re.compile(r"[^\W_][\w:.'-]*[^\W_]|[^\W_]", re.UNICODE)
_STOP = frozenset(
    (
        "the a an and or but if of to in on for with at by from is are was were be been it this "
        "that these those we you they i he she our your their not no so as do does did have has "
        "had will would can could should may might just than then there here what which who how "
        "why about into also very all any some its it's i'm me my too fine good works work yes "
        "okay ok sure great one idea version plan option"
    ).split()
)
_VOTE = r"(?:\+\d+|(?:👍|✅|🙌|💯)+)"
_AGAINST_VOTE = r"(?:-\d+|(?:👎|❌)+)"
# "+1", "agree", "yes please", "same", "exactly", "this": seconding what is answered.
_SECONDING = re.compile(
    rf"^\W*(?:{_VOTE}|yes(?:\s+please)?|yep|yeah|agree[d]?|exactly|same|this|absolutely|"
    r"100%|sgtm|lgtm|makes\s+sense|fair\s+enough|strongly\s+agree|sounds\s+(?:good|great)|"
    r"love\s+(?:it|this|that)|(?:great|good|excellent)\s+idea|let'?s\s+do\s+(?:it|this)|"
    r"ship\s+it|count\s+me\s+in|i'?m\s+for\s+(?:it|this))(?=[\s,.!]|$)",
    re.IGNORECASE,
)
# "nope", "hard pass", "no, …" answering the motion; "I disagree" answering it or a side.
_REFUSAL = re.compile(r"^\W*(?:nope|nah|no|hard\s+pass|pass)(?=[\s,.!]|$)", re.IGNORECASE)
_DISAGREE = re.compile(r"^\W*(?:i\s+)?(?:strongly\s+)?disagree\b", re.IGNORECASE)
_THINK_NOT = re.compile(
    r"\bi\s+(?:don'?t|do\s+not)\s+think\s+(?:we\s+should|(?:this|it|that)(?:'s|\s+is)\s+a\s+good\s+"
    r"idea|(?:this|it)\s+(?:is\s+)?(?:needed|necessary|worth\s+it))\b",
    re.IGNORECASE,
)
# "+1 to the 28th", "yes to RFP", "-1 on removing", "I'm fine with removing it".
_APPROVES = re.compile(
    rf"^\W*(?:(?P<vote>{_VOTE}|yes|big\s+yes)\s+(?:to|on|for)\s+(?P<x>.+)"
    rf"|(?P<nay>{_AGAINST_VOTE}|no)\s+(?:to|on|for)\s+(?P<y>.+)"
    r"|(?:i'?m|i\s+am|i'?d\s+be|we'?re|we'?d\s+be)\s+(?:fine|happy|ok|okay|comfortable)\s+with\s+"
    r"(?P<z>.+))$",
    re.IGNORECASE,
)
# "wednesday 14:00 works for me", "caps make sense", "june 3 is fine", "RFP 👍", "removal, no".
_APPROVED = re.compile(
    r"^\W*(?P<x>(?:\S+\s+){0,3}?\S+?)[\s,]+(?:(?:works|work)(?:\s+for\s+(?:me|us))?(?:\s+too)?|"
    r"(?:makes?|make)\s+sense|(?:is|are)\s+(?:fine|good|ok|okay)(?:\s+(?:with|by|for)\s+me)?|"
    r"sounds?\s+good|i\s+can\s+do|(?:is|are)\s+a\s+good\s+(?:idea|compromise|call|plan)|"
    rf"{_VOTE}+)(?P<after>\W.*)?$"
    r"|^\W*(?P<y>(?:\S+\s+){0,2}?\S+?),?\s+(?:no|nope|not\s+for\s+me)\s*[.!]*$",
    re.IGNORECASE,
)
_FINE_BY_ME = re.compile(
    r"\b(?:fine|ok|okay|good)\s+(?:by|with)\s+me\b|\bi'?m\s+in\b", re.IGNORECASE
)
# "agree with whale", "+1 on wren's holding period idea", "what @dana said".
_NAMED = re.compile(
    rf"^\W*(?:{_VOTE}|agree[d]?|i\s+agree|same\s+as|seconding|with)\s+(?:to\s+|on\s+|with\s+)?"
    r"@?(?P<who>[\w.-]+?)(?:'s\b|\b)",
    re.IGNORECASE,
)
_RATHER_NOT = re.compile(r"^\W*(?:i'?d|i\s+would)\s+rather\s+not\b", re.IGNORECASE)
_HARD_NO = re.compile(r"\b(?:hard|strong|big)\s+no\b|\bno\s+from\s+(?:me|us)\b", re.IGNORECASE)
_STRONG_YES = re.compile(r"\b(?:hard|strong|big|easy)\s+yes\b|\bi'?m\s+in\b", re.IGNORECASE)
# Another course put forward in chat's way.
_SUGGESTS = re.compile(
    r"^\W*(?:(?:then\s+)?(?:we|you)\s+could\s+(?:just\s+|also\s+)?(?!not\b)\w+|"
    r"(?:why\s+not|how\s+about|what\s+about|what\s+if\s+we)\b|"
    r"or\s+(?:give|do|make|use|move|keep|add|just|run|launch|redirect|this\s+one|we|you)\b|"
    r"maybe\s+(?!not\b)\w+.*\?$)"
    r"|\binstead\b.*\?$|\bas\s+a\s+start\b|\bi'?d\s+rather\s+(?:we|you)\s+(?!not\b)\w+|\b(?:like|prefer)\s+(?:this|that|the\s+\w+)\s+"
    r"(?:version|idea|approach|option|one)\b|\bgood\s+compromise\b|\bmiddle\s+ground\b",
    re.IGNORECASE,
)
# "done ✅", "merged 👍", "fixed.": a task reported done, no vote on anything.
_REPORT_DONE = re.compile(
    r"^\W*(?:all\s+)?(?:done|fixed|merged|deployed|shipped|sent|added|updated|pinned|posted|"
    r"published)\b[\s.!]*(?:✅|👍|✔️?|☑️?)*\s*$",
    re.IGNORECASE,
)
# Sarcasm: a "yes" or "sure" that means no ("sure, let's switch three weeks before a fork, what
# could possibly go wrong", "yes, another thread nobody reads, exactly what this DAO needs").
_SARCASM = re.compile(
    r"\bwhat\s+could\s+(?:possibly\s+)?go\s+wrong\b|\bexactly\s+what\s+(?:this|the|our|we|"
    r"every)\b[^.!?]{0,20}\bneeds?\b|\bsaid\s+no\s+one\b|🙃|(?:^|\s)/s\s*$|\byeah,?\s+right\b"
    r"|\bbecause\s+that\s+(?:worked|went)\s+(?:so\s+)?(?:well|great)\b|\bnothing\s+could\s+go\s+"
    r"wrong\b|\blove\s+that\s+for\s+us\b|\bhow\s+shocking\b|\bvery\s+reassuring\b",
    re.IGNORECASE,
)
_VOTE_INSIDE = re.compile(r"(?<=\S)\s*(?:👍|✅|👎|❌)+\s*$")
# "node 22 itself voting against the PR", "Bob voted for it": someone else's vote, reported.
_VOTE_VERB = re.compile(r"\b(?:voting|voted|votes|vote)\s+(?:against|for)\b", re.IGNORECASE)
_OWN_VOTER = re.compile(
    r"\b(?:i|we|i'?m|we'?re|i\s+am|we\s+are|i'?ll|we'?ll|i'?d|we'?d)\s+$", re.IGNORECASE
)
# "❌ build #41 failed: 2 tests": a status line opened by an emoji, no vote.
_STATUS_EMOJI = re.compile(r"^\s*(?:👍|✅|👎|❌|⚠️?|🔴|🟢|🟡)+\s*(?=(?:\S+\s+){3,}\S)")
# A speaker's "rather"/"proposed" inside an argument is no plan of their own.
_RATHER_IN_ARGUMENT = re.compile(r"\b(?:rather|proposed)\b", re.IGNORECASE)


def words(text: str) -> set[str]:
    """Distinctive words, compared by their first letters ("removal" ~ "removing")."""
    found = set()
    for word in _WORD.findall(text.lower()):
        word = word.strip(".'-:")
        if len(word) >= 2 and word not in _STOP and not word.startswith("@"):
            found.add(word[:_PREFIX] if len(word) > _PREFIX else word)
    return found


@dataclass
class Context:
    """What a sentence is read against: the motion's words, the words of every alternative put
    forward so far, and the side each author has taken so far."""

    motion_words: set[str]
    alternative_words: set[str]
    side_of: Callable[[str], Side | None]  # an author's (or a name's) latest side


def _object_side(text: str, context: Context) -> Side | None:
    said = words(text)
    if said & (context.alternative_words - context.motion_words):
        return "alternative"
    if said & context.motion_words:
        return "for"
    return None


def read_chat_stance(
    sentence: str,
    context: Context,
    *,
    answers_motion: bool,
    answered_side: Side | None,
) -> Reading:
    """The side of one sentence on the motion. `answers_motion`: its message replies to the
    motion's message; `answered_side`: the side of the message it replies to, if any."""
    text = sentence.strip().replace("\u2019", "'").replace("\u2018", "'")
    text = re.sub(r"^(?:@[\w.-]+[\s,:]*)+", "", text)  # "@dana +1": the address is no word
    if not text or _REPORT_DONE.match(text):
        return Reading(None)
    vote = _VOTE_VERB.search(text)
    if vote is not None and not _OWN_VOTER.search(text[: vote.start()]):
        return Reading(None)  # someone else's vote, reported
    text = _STATUS_EMOJI.sub("", text)
    if _SARCASM.search(text):
        against = answers_motion or answered_side == "for"
        return Reading("against", strong=True) if against else Reading(None)
    if _RATHER_NOT.search(text) or _HARD_NO.search(text):
        return Reading("against", strong=True)
    if _STRONG_YES.search(text):
        return Reading("for", strong=True)
    named = _NAMED.match(text)
    if named:
        # "+1 greta" in reply to greta's alternative: the message answered, not her first word
        side = answered_side or context.side_of(named.group("who"))
        if side is not None:
            return Reading(side, strong=True)
    approves = _APPROVES.match(text)
    if approves:
        if approves.group("y"):
            return (
                Reading("against", strong=True)
                if _object_side(approves.group("y"), context) == "for"
                else Reading(None)
            )
        side = _object_side(approves.group("x") or approves.group("z"), context)
        if side is not None:
            return Reading(side, strong=True)
    approved = _APPROVED.match(text)
    if approved and not text.endswith("?"):
        if approved.group("y"):
            if _object_side(approved.group("y"), context) == "for":
                return Reading("against", strong=True)
        else:
            side = _object_side(approved.group("x"), context)
            if side is not None:
                return Reading(side, strong=True)
    if _THINK_NOT.search(text):
        return Reading("against", strong=True)
    if _REFUSAL.match(text) and answers_motion:
        return Reading("against", strong=True)
    if _DISAGREE.match(text):
        if answers_motion or answered_side == "for":
            return Reading("against", strong=True)
        if answered_side == "against":
            return Reading("for", strong=True)
        return Reading(None)
    if _SECONDING.match(text) or _FINE_BY_ME.search(text):
        if answers_motion:
            return Reading("for", strong=True)
        if answered_side is not None:
            return Reading(answered_side, strong=True)
        if _SECONDING.match(text):
            return Reading(None)  # "yes, same configuration issue": answers no side
    if _SUGGESTS.search(text):
        return Reading("alternative", strong=True)
    if _VOTE_INSIDE.search(text) and len(_WORD.findall(_VOTE_INSIDE.sub(" ", text))) >= 4:
        # "first block is out, state root matches ✅": an emoji at the end of a report, no vote
        text = _VOTE_INSIDE.sub(" ", text).strip()
    reading = read_stance(text)
    if (
        reading.side == "alternative"
        and _RATHER_IN_ARGUMENT.search(text)
        and not re.search(r"\binstead\b|\brather\s+than\b", text, re.IGNORECASE)
    ):
        return Reading(None)  # "rather"/"proposed" inside an argument is no plan
    return reading


def takes_a_side(text: str) -> bool:
    """Whether a sentence reads as taking a side on something, in any of the ways above:
    enough to keep it in the conversation it answers even when it shares no word with it."""
    text = text.strip()
    return bool(
        _SUGGESTS.search(text)
        or _SECONDING.match(text)
        or _REFUSAL.match(text)
        or _HARD_NO.search(text)
        or _STRONG_YES.search(text)
        or read_stance(text).side is not None
    )
