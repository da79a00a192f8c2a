"""Decisions read from who speaks after whom, not from one announcing verb:

- an **outcome label** after a short opener: "OK, decided: …", "Ok, decision so we don't reopen
  this: …", "Bon, décision : …", "Vale, acordado: …" (the label first, the outcome after a colon);
- a **go-ahead**: a bare "do it", "go ahead", "yes, post it", "adelante", "vas-y", "mach das",
  "procedi", answering someone else, when nobody objects after it ("nope", "wait", "I disagree");
- a **question to the group answered**: "should we…?", "OK to post?", "when do we unpause…?",
  "¿lo publicamos?", "on le fait ?", "sollen wir…?" answered by another person with a go-ahead
  or a deferral ("Yes, post it.", "Not tonight, and not before…", "noch nicht"); a plain "yes"
  or "no" is only an answer ("yes, 16:00 UTC", "no, withdrawals paused means…");
- a **reversal or rejection by a steward**: "I'm reverting the approval", "ok, merging, with the
  two tranches", "we pass on X", "acordamos no mover nada" (a team's own verb of agreement), or
  the consequence once a condition is met ("Then we unpause borrows at 09:00 UTC");
- an **act fixed for a date**, said impersonally: "4.3.0 will be tagged October 6", "must be
  tagged by October 7", "se publica el 15 de octubre".

Each is a speech act plus a structural place in the conversation; none holds for a question, a
hedge or a condition (see `chat_settled.blocked`), except that an outcome label or one's own act
may carry a condition or a "for now" ("we pass on X for now").
"""

from __future__ import annotations

import re

_OPENER = (
    r"^\W*(?:(?:ok(?:ay)?|so|alright|right|fine|bon|bueno|vale|ok\s+alors|gut|also|allora|certo|"
    r"ent[ãa]o)[,.!\s]+)?"
)

OUTCOME_LABEL = re.compile(
    _OPENER + r"(?:final\s+)?(?:decision|decided|agreed|resolution|outcome|d[ée]cision|"
    r"d[ée]cid[ée]|decisi[óo]n|decis[ãa]o|decidido|acordado|entscheidung|beschlossen|"
    r"decisione|deciso)\b[^:?]{0,60}:\s*\S",
    re.IGNORECASE,
)

# A bare go-ahead, possibly with the thing to do after a colon: "Do it: CF to 0 via guardian."
_GO_AHEAD = re.compile(
    r"^\W*(?:(?:yes|yep|yeah|ok(?:ay)?|sure|s[íi]|sim|oui|ja|s[iì])[,.!\s]+)?"
    r"(?:do\s+it|go\s+ahead|go\s+for\s+it|ship\s+it|post\s+it|send\s+it|merge\s+it|"
    r"let'?s\s+do\s+(?:it|that|this)|approved|green\s+light|"
    r"adelante|hacelo|hazlo|dale|pode\s+(?:fazer|mandar|seguir)|manda\s+ver|vai\s+em\s+frente|"
    r"vas-y|allez-y|on\s+y\s+va|go\s*!|mach\s+(?:das|es)|los\s+geht'?s|leg\s+los|"
    r"procedi|vai\s+pure|fallo|fate\s+pure)(?=\s*(?:[.!:]|$))",
    re.IGNORECASE,
)

# A question about what the group does, or asking leave to do it.
_ASKS_THE_GROUP = re.compile(
    r"\b(?:should|shall|can|do|will)\s+we\s+(?!need\b|have\b|know\b|think\b|want\b)\w+"
    r"|^\W*(?:ok(?:ay)?|good|fine|alright|all\s+good)\s+to\s+\w+"
    r"|\b(?:are|r)\s+we\s+(?:ok|okay|good|clear)\s+to\b"
    r"|\b(?:lo|la|los|las)\s+\w+(?:amos|emos|imos)\b|\b(?:podemos|debemos|devemos|vamos)\s+\w+"
    r"|\bon\s+(?:le|la|les)?\s*\w+\s*\?\s*$|\bsollen\s+wir\b|\bk[öo]nnen\s+wir\b"
    r"|\b(?:facciamo|possiamo|dobbiamo)\b",
    re.IGNORECASE,
)
# An answer that puts it off: "Not tonight, and not before…", "todavía no", "noch nicht".
_PUTS_OFF = re.compile(
    r"^\W*(?:(?:no|nope|non|nein|n[ãa]o)[,.!\s]+)?(?:not\s+(?:yet|now|today|tonight|this\s+week|"
    r"before|until)|todav[íi]a\s+no|a[úu]n\s+no|ainda\s+n[ãa]o|pas\s+(?:encore|maintenant|ce\s+soir|"
    r"avant)|noch\s+nicht|nicht\s+(?:vor|heute|jetzt)|non\s+ancora|non\s+(?:prima|stasera|oggi))\b",
    re.IGNORECASE,
)
# What keeps one's own act from being one: a question, a condition, a maybe.
_UNSURE = re.compile(
    r"\?\s*$|^\W*(?:if|unless|maybe|perhaps|si|se|wenn|falls)\b|\b(?:would|could|might|should)\b",
    re.IGNORECASE,
)

# A steward's own act that settles or reverses: "I'm reverting…", "ok, merging, with…".
_STEWARD_ACT = re.compile(
    r"\bi'?m\s+(?:reverting|rolling\s+back|withdrawing|rescinding|approving|rejecting|"
    r"overturning)\b"
    r"|^\W*(?:(?:ok(?:ay)?|alright|right)[,.!\s]+)?(?:merging|approving|rejecting|reverting)\b"
    r"(?!\s+(?:now|it\s+now)\b)"
    r"|\bwe(?:'re|\s+are)?\s+(?:pass|passing)\s+on\b|\bwe\s+(?:decline|turn\s+down)\b"
    # a consequence drawn once a condition is met: "Then we unpause borrows at 09:00 UTC"
    r"|^\W*(?:ok(?:ay)?[,\s]+)?then\s+we\s+(?!need|have|must|can|could|would|should|might|may|"
    r"will\s+see|see|wait|talk|discuss)\w+"
    r"|\b(?:acordamos|decidimos|resolvimos|combinamos|decidiram|nous\s+avons\s+d[ée]cid[ée]|"
    r"wir\s+haben\s+(?:beschlossen|entschieden)|abbiamo\s+(?:deciso|concordato))\b",
    re.IGNORECASE,
)


def labels_an_outcome(text: str) -> bool:
    """ "OK, decided: …": an outcome label after at most a short opener, then the outcome; what
    follows the colon may carry its own conditions ("…stays on the 14th only if…")."""
    text = text.replace("\u2019", "'")
    return bool(OUTCOME_LABEL.match(text)) and not text.rstrip().endswith("?")


def goes_ahead(text: str) -> bool:
    """A bare go-ahead, "Do it: …", "Yes, post it.", "adelante", "vas-y", "mach das"."""
    return bool(_GO_AHEAD.match(text.replace("\u2019", "'")))


def asks_the_group(text: str) -> bool:
    """A question about what the group does or leave to do it ("should we…?", "OK to post?")."""
    text = text.replace("\u2019", "'").strip()
    return text.endswith("?") and bool(_ASKS_THE_GROUP.search(text))


def puts_off(text: str) -> bool:
    """An answer that defers what was asked ("Not tonight, and not before…", "noch nicht")."""
    return bool(_PUTS_OFF.match(text.replace("\u2019", "'")))


def steward_act(text: str) -> bool:
    """A reversal or rejection said as one's own act, or a team's own verb of agreement."""
    text = text.replace("\u2019", "'")
    return bool(_STEWARD_ACT.search(text)) and not _UNSURE.search(text)


# A date an act is fixed for, said impersonally: "4.3.0 will be tagged October 6", "must be
# tagged by October 7", "se publica el 15 de octubre", "é publicado em 3 de maio".
_DATED_ACT = re.compile(
    r"\b(?:will|must|is\s+to|has\s+to)\s+be\s+\w+ed\s+(?:on\s+|by\s+|before\s+)?"
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|"
    r"\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)|"
    r"(?:mon|tues|wednes|thurs|fri|satur|sun)day\b)"
    r"|\bse\s+\w+(?:a|e)\s+el\s+\d{1,2}\s+de\s+\w+"
    r"|\b(?:é|ser[áa])\s+\w+(?:ad|id)[oa]\s+(?:em|no\s+dia|dia)\s+\d{1,2}"
    r"|\b(?:est|sera)\s+\w+[ée]e?\s+(?:le|pour\s+le)\s+\d{1,2}\s+\w+"
    r"|\bwird\s+am\s+\d{1,2}\.\s*\w+\s+\w+t\b",
    re.IGNORECASE,
)


def dated_act(text: str) -> bool:
    """An act fixed for a date, said impersonally ("4.3.0 will be tagged October 6")."""
    text = text.replace("\u2019", "'")
    return bool(_DATED_ACT.search(text)) and not _UNSURE.search(text)


def content_free(text: str) -> bool:
    """A go-ahead that names nothing ("Let's do that."): never a motion of its own."""
    return goes_ahead(text) and len(re.findall(r"\w+", text)) <= 4


# Someone objecting after a go-ahead: then it decided nothing ("nope", "hard pass", "wait",
# "I disagree", "no estoy de acuerdo", "pas d'accord", "dagegen", "non sono d'accordo").
_OBJECTS = re.compile(
    r"^\W*(?:no|nope|nah|hard\s+pass|wait|hold\s+on|not\s+so\s+fast|-1|👎|❌|"
    r"i\s+(?:strongly\s+)?disagree|i\s+don'?t\s+think|i'?m\s+not\s+convinced|i'?m\s+against|"
    r"no\s+estoy\s+de\s+acuerdo|espera|n[ãa]o\s+concordo|calma|pas\s+d'accord|attends|"
    r"je\s+ne\s+suis\s+pas\s+d'accord|dagegen|moment|warte|ich\s+bin\s+dagegen|"
    r"non\s+sono\s+d'accordo|aspetta)\b",
    re.IGNORECASE,
)


def objects(text: str) -> bool:
    """An objection opening a message ("nope", "hard pass", "wait", "I disagree")."""
    return bool(_OBJECTS.match(text.replace("\u2019", "'")))
