"""Tasks read from speech acts and from the turn they answer, beyond "I'll…":

- **doing it now**, as one's own act in progress: "Upgrading our nodes now.", "I'm looking into
  it now.", "we're on it", "I'm pinging them", "estoy revisando", "je regarde ça", "ich schaue";
- an **offer with a time**: "I can have the vectors in by Friday", "I can collect the questions,
  will post the list Wednesday";
- an **assignment**: "Assigning the upload to @bob", "asignado a @ana", and a message listing
  one "@name task" per line ("@tolu trace the funds / @vika fix the feed");
- **answering a call for hands**: a reply to "please claim slots", "who can…", "need cover for…",
  "¿quién puede…?", "qui peut…", "wer kann…" that names what one takes ("Put me down for the
  26th", "the 31st is mine", "Jan 1, I'm around"), never a plain refusal or a question.
"""

from __future__ import annotations

import re

_DOING_NOW = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|yep|sure|yes|on\s+it)[,.!]?\s+)?(?:i'?m\s+|we'?re\s+)?"
    r"(?!\w*thing\b|thinking\b|saying\b|waiting\b|wondering\b|guessing\b|hoping\b|seeing\b|"
    r"getting\b|feeling\b|going\b|sitting\b|looking\s+(?:good|fine|better|ok|bad)\b)"
    r"[a-z]+ing\b[^.?!]{0,60}\bnow\b",
    re.IGNORECASE,
)
_ACT_IN_PROGRESS = re.compile(
    r"\b(?:i'?m|we'?re|i\s+am|we\s+are)\s+(?:already\s+)?(?:pinging|calling|contacting|messaging|"
    r"emailing|reaching\s+out\s+to|drafting|preparing|fixing|upgrading|deploying|rolling\s+out|"
    r"patching|investigating|looking\s+into|reviewing|setting\s+up|queuing|queueing|tracing)\b"
    r"|^\W*(?:we'?re|we\s+are)\s+on\s+it\b"
    r"|\b(?:estoy|estamos)\s+(?:revisando|arreglando|preparando|investigando|contactando)\b"
    r"|\b(?:estou|estamos)\s+(?:vendo|revisando|corrigindo|preparando|investigando)\b"
    r"|^\W*(?:je|on)\s+(?:regarde|m'en\s+occupe|s'en\s+occupe|corrige|pr[ée]pare)\b"
    r"|^\W*ich\s+(?:schaue|k[üu]mmere\s+mich|kümmere\s+mich|repariere)\b"
    r"|^\W*(?:ci\s+)?(?:sto|stiamo)\s+(?:guardando|sistemando|preparando|controllando)\b",
    re.IGNORECASE,
)
_WHEN = (
    r"\b(?:today|tonight|tomorrow|eod|eow|(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    r"end\s+of\s+(?:day|week)|next\s+week|this\s+week|\d{1,2}(?::\d{2})\s*(?:utc)?)\b"
)
_OFFER = re.compile(
    rf"\bi\s+can\s+(?!not\b)(?:have|get|do|send|post|ship|collect|write|draft|prepare|take|"
    rf"run|add|put|open|publish|review|set\s+up)\b(?=.*(?:{_WHEN}|\bwill\s+\w+))",
    re.IGNORECASE,
)
_ASSIGNED = re.compile(
    r"\b(?:assign(?:ing|ed)?|handing|giving)\s+(?:[^@.?!]{1,60}?\s+)?(?:to|a|para|à|an)\s+"
    r"@(?P<who>[\w.-]*\w)"
    r"|\b(?:asignad[oa]|atribu[íi]d[oa]|assign[ée]e?|zugewiesen|assegnat[oa])\s+(?:a|para|à|an)\s+"
    r"@(?P<to>[\w.-]*\w)",
    re.IGNORECASE,
)
_LINE_MENTION = re.compile(r"^\W*@(?P<who>[\w.-]*\w)[\s,:]+\S")
_CALL_FOR_HANDS = re.compile(
    r"\b(?:(?:please\s+)?claim\s+(?:a\s+|your\s+|the\s+)?(?:slots?|shifts?|spots?|days?|tasks?|one)|"
    r"please\s+claim|sign\s+up\s+for|volunteers?|who\s+(?:can|could|wants\s+to|is\s+up\s+for)|"
    r"anyone\s+(?:free|around|able|up)\s+(?:for|to)|need\s+(?:cover|someone|a\s+volunteer|"
    r"hands|help\s+with)|qui[ée]n\s+puede|voluntari[oa]s?|algu[ée]m\s+pode|qui\s+peut|"
    r"wer\s+kann|chi\s+pu[òo])\b",
    re.IGNORECASE,
)
_ONLY_REFUSES = re.compile(
    r"^\W*(?:(?:sorry|nope|no|nah)[,.!\s]+)?(?:i\s+can'?t|can'?t|not\s+me|i'?m\s+out|"
    r"i\s+cannot)\b(?![^.!?]*\b(?:but|though)\b)",
    re.IGNORECASE,
)


def doing_now(text: str) -> bool:
    """One's own act in progress ("Upgrading our nodes now.", "we're on it", "I'm pinging
    them"), never a question."""
    text = text.replace("\u2019", "'")
    if text.rstrip().endswith("?"):
        return False
    return bool(_DOING_NOW.match(text) or _ACT_IN_PROGRESS.search(text))


def offers_with_a_time(text: str) -> bool:
    """ "I can have all four in by Friday": an offer that names when."""
    text = text.replace("\u2019", "'")
    return not text.rstrip().endswith("?") and bool(_OFFER.search(text))


def assigned_to(text: str) -> str | None:
    """Who a task is handed to: "Assigning the upload to @bob", "asignado a @ana"."""
    found = _ASSIGNED.search(text.replace("\u2019", "'"))
    return (found.group("who") or found.group("to")) if found else None


def listed_for(sentence: str, message: str) -> str | None:
    """The person a line of an assignment list names ("@tolu trace the funds"), when the
    message gives at least two lines each to someone."""
    lines = [line for line in message.split("\n") if _LINE_MENTION.match(line)]
    found = _LINE_MENTION.match(sentence)
    if len(lines) < 2 or found is None or sentence.rstrip().endswith("?"):
        return None
    return found.group("who")


def calls_for_hands(text: str) -> bool:
    """A request to the group for volunteers ("please claim slots", "who can…")."""
    return bool(_CALL_FOR_HANDS.search(text.replace("\u2019", "'")))


def takes_a_slot(text: str) -> bool:
    """A reply to a call for hands that takes something, not a plain refusal or a question."""
    text = text.replace("\u2019", "'").strip()
    return bool(text) and not text.endswith("?") and not _ONLY_REFUSES.match(text)


def commit_owner(
    text: str, message: str, author: str, parent: str | None, accepting: bool
) -> str | None:
    """Who takes a task on in one of the ways above, for a sentence no other rule placed;
    `parent` is the text of the message it replies to, `accepting` whether that message asked
    its author (then the request is the item, not the acceptance)."""
    handed = assigned_to(text) or listed_for(text, message)
    if handed is not None:
        return handed
    if doing_now(text) or offers_with_a_time(text):
        return None if accepting else author
    if parent is not None and calls_for_hands(parent) and takes_a_slot(text):
        return author
    return None
