"""Two more ways a chat settles something, read structurally rather than from one verb:

- a **date or time stated as fixed**: a day, a date or a clock time together with a word that
  fixes it ("Thursday 15:00 then", "yes, Tuesday May 12, confirmed with the speakers", "call
  locked in for Thursday 14:00", "tag goes out Wednesday as planned", "Confirmé : … le 10 juin",
  "bestätigt: Freitag 18 Uhr"); never a question, a hedge, a condition or a report;
- a **decision that goes on**: the sentences after a decision in the same message that state
  more of it ("…first strike $0.50. We'll run an RFP before any renewal.", "…long-tail only.
  Majors stay on spot until the audit closes."): a plain statement with a team ("we") or a
  change of state as its verb, never a question, a hedge, a person's own task or a request.
"""

from __future__ import annotations

import re

_DAYS = (
    r"monday|tuesday|tues?|wednesday|wed|thursday|thu(?:rs?)?|friday|fri|saturday|sunday|"
    r"lunes|martes|mi[ée]rcoles|jueves|viernes|s[áa]bado|domingo|segunda(?:-feira)?|"
    r"ter[çc]a(?:-feira)?|quarta(?:-feira)?|quinta(?:-feira)?|sexta(?:-feira)?|lundi|mardi|"
    r"mercredi|jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|"
    r"samstag|sonntag|luned[iì]|marted[iì]|mercoled[iì]|gioved[iì]|venerd[iì]"
)
_MONTHS = (
    r"jan(?:uary|vier|uar|eiro)?|feb(?:ruary|ruar)?|f[ée]v(?:rier)?|fevereiro|febrero|febbraio|"
    r"mar(?:ch|s|zo|ço|co)?|m[äa]rz|apr(?:il|ile)?|avr(?:il)?|abr(?:il)?|may|mai|mayo|maio|"
    r"maggio|june?|juin|junio|junho|juni|giugno|july?|juil(?:let)?|julio|julho|juli|luglio|"
    r"aug(?:ust)?|ao[uû]t|agosto|sept?(?:ember|iembre|embre)?|setembro|settembre|"
    r"oct(?:ober|obre|ubre)?|okt(?:ober)?|outubro|ottobre|nov(?:ember|embre|iembre|embro)?|"
    r"dec(?:ember)?|d[ée]cembre|dez(?:ember|embro)?|diciembre|dicembre|enero|gennaio|ene"
)
# A day, a date or a clock time.
_WHEN = re.compile(
    rf"\b(?:(?:{_DAYS})s?|(?:today|tonight|tomorrow|demain|aujourd'hui|ma[ñn]ana|amanh[ãa]|"
    r"morgen|heute|domani|oggi))\b"
    rf"|\b(?:{_MONTHS})\.?\s+\d{{1,2}}\b|\b\d{{1,2}}(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?"
    rf"(?:{_MONTHS})\b"
    r"|\b\d{1,2}[:h]\d{2}\b|\b\d{1,2}\s*(?:h|uhr|am|pm)\b|\b\d{1,2}/\d{1,2}\b",
    re.IGNORECASE,
)
# A word that fixes it.
# "then" fixes only a precise slot ("Thursday 15:00 then"): "Thursday evenings then" restates.
_THEN = re.compile(r"\bthen\s*(?:[,.!;]|$)", re.IGNORECASE)
_PRECISE = re.compile(r"\d")
_FIXED = re.compile(
    r"\bconfirm(?:ed|é|ée|ado|ada|ato|ata)\b(?!\s+(?:the|that|it|a|an|this|they|my|our|"
    r"que|qu'|que\s)\b)|\bbest[äa]tigt\b|\bconfermat[oa]\b"
    r"|\blocked(?:\s+in)?\b|\bas\s+planned\b|\bcomme\s+pr[ée]vu\b|\bcomo\s+(?:estaba\s+)?"
    r"(?:previsto|planeado|planejado|combinado)\b|\bwie\s+geplant\b|\bcome\s+previsto\b"
    r"|\b(?:is|are)\s+(?:on|final|fixed|set)\b|\bit\s+is\s*[.!]?$|\bit'?s\s+a\s+date\b"
    r"|\b(?:set|fixed|scheduled|booked)\s+(?:for|on)\b|\bc'est\s+(?:not[ée]|cal[ée]|fix[ée])\b"
    r"|^\W*(?:ent[ãa]o|entonces|alors|dann|allora)\b|\bsteht\b|\bqueda\s+(?:para|el)\b|\bfica\s+(?:para|na|no)\b",
    re.IGNORECASE,
)
# How the other languages open a stated outcome: "Confirmé :", "Bestätigt:", "Acordado:".
_LABEL = re.compile(
    r"^\W*(?:confirm[ée]e?s?|d[ée]cid[ée]e?s?|act[ée]|confirmad[oa]|decidid[oa]|acordad[oa]|"
    r"definid[oa]|best[äa]tigt|beschlossen|beschluss|entschieden|confermat[oa]|decis[oa])\s*:",
    re.IGNORECASE,
)
# A team as the subject, or a change of state as the verb.
_STATES_MORE = re.compile(
    r"\b(?:we|we'll|we're|we\s+will|nous|wir|vamos)\b|^\W*on\s+(?!a\b|the\b)\w+"
    r"|\b(?:stays?|remains?|goes|go\s+(?:out|live|into)|ships?|starts?|ends?|moves?|flips?|"
    r"switch(?:es)?|launch(?:es)?|opens?|closes?|is\s+(?:moved|set|postponed|cancel+ed|paused)|"
    r"will\s+be|gets?\s+\w+ed|partent|reste|restent|bleibt|bleiben|queda|quedan|fica|ficam)\b",
    re.IGNORECASE,
)
# What only follows a decision without adding to it: thanks, reasons, greetings.
_NOT_MORE = re.compile(
    r"^\W*(?:thanks|thank\s+you|thx|ty|merci|gracias|obrigad|danke|grazie|because|since|as\b|"
    r"that'?s\s+because|gm|gn|see\s+you|cheers)\b",
    re.IGNORECASE,
)


def fixes_a_date(text: str) -> bool:
    """A day, date or time with a word fixing it, or opened as an outcome ("Confirmé :")."""
    text = text.replace("\u2019", "'")
    if text.rstrip().endswith("?"):
        return False
    if _LABEL.match(text):
        return True
    when = _WHEN.search(text)
    if when is None:
        return False
    return bool(_FIXED.search(text)) or bool(_THEN.search(text) and _PRECISE.search(text))


def states_more(text: str) -> bool:
    """A statement that can carry a decision on: a team as subject or a change of state."""
    text = text.replace("\u2019", "'")
    if text.rstrip().endswith("?") or _NOT_MORE.match(text) or len(text.split()) < 4:
        return False
    return bool(_STATES_MORE.search(text))


# A bare assent that closes: "ok let's do it", "agreed, let's do that", "ship it", "deal".
_ADOPTS = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|alright|fine|agreed|deal|sold|great|perfect|cool)[,.!\s]+)*"
    r"(?:let'?s\s+(?:do|go\s+with)\s+(?:it|that|this)|ship\s+it|deal|sold|agreed|done\s+deal|"
    r"let'?s\s+go|vamos\s+(?:nessa|con\s+(?:eso|esa))|dale|fechado|on\s+y\s+va|abgemacht|"
    r"machen\s+wir|d'accord,?\s+on\s+fait\s+(?:ça|ca))(?:\s+then)?\W*$",
    re.IGNORECASE,
)


def adopts(text: str) -> bool:
    """A bare assent that closes a debate when the motion's author says it after others spoke
    ("ok let's do it", "ship it", "deal", "dale", "abgemacht")."""
    return bool(_ADOPTS.match(text.replace("\u2019", "'")))
