"""Whether a chat sentence settles something, however people close a discussion: an outcome
announced in passing ("ok, Lisbon it is 🎉", "approved ✅", "vamos con la opción B", "c'est
acté", "es bleibt bei 2%", "andiamo con giovedì"), and what keeps a sentence from being one.

`settles` reads one sentence on its own: a verb of approval or rejection, a closing phrase, or a
date or parameter stated as fixed, in English, Spanish, Portuguese, French, German and Italian;
never a question, a hedge ("leaning towards", "probably"), a condition ("if…", "si…"), a vote
still to come, something reported from elsewhere ("Aave approved…"), a habit ("we usually…"),
or a person's own plan ("I'll…", an action item).

`closes_motion` is the structural reading: a definitive sentence by the motion's author, after
others have spoken, that restates the motion's terms with a closing word ("ok, Thursday then").
"""

from __future__ import annotations

import re

from summarizer.chat_stance import words

# An outcome, as a verb of approval/rejection or a closing phrase.
_SETTLES = re.compile(
    # English
    r"\b(?:is|was|are|were|has\s+been|have\s+been|got|gets|been)\s+(?:officially\s+)?"
    r"(?:approved|rejected|adopted|ratified|accepted|declined|passed|greenlit|green-lit|"
    r"signed\s+off|confirmed|settled|locked(?:\s+in)?|finali[sz]ed|scrapped|shelved|dropped|"
    r"cancel+ed|vetoed|denied|voted\s+(?:down|through|in))\b"
    r"|^\W*(?:(?:ok(?:ay)?|so|alright|right|cool|great|perfect|done|fine)[\s,.!:]+)*"
    r"(?:approved|rejected|passed|adopted|denied|accepted|settled|ratified|"
    r"locked(?:\s+in)?|greenlit|signed\s+off)(?=\s*[^\w\s]|\s*$|\s+by\s+(?:the\s+)?(?:team|"
    r"council|committee|board|dao|multisig|signers|foundation|members|delegates|community)\b)"
    r"|\b[a-z]{2,6}-\d+\s+(?:has\s+)?(?:passed|failed|was\s+(?:approved|rejected)|is\s+approved)\b"
    r"|\b(?:motion|proposal|vote|poll|resolution)\s+(?:\S+\s+)?(?:passes|passed|carries|carried|"
    r"fails|failed|is\s+approved|is\s+rejected)\b"
    r"|\b(?:it'?s|that'?s|this\s+is)\s+(?:settled|decided|final|official|a\s+go|a\s+done\s+deal|"
    r"locked(?:\s+in)?|a\s+wrap|agreed)\b|\bthat\s+settles\s+it\b|\bdone\s+deal\b"
    r"|\bfinal\s+(?:call|answer|word|decision)\b|\b(?:the|my|our)\s+call\s+is\s*(?::|to\b|that\b)"
    r"|^\W*(?:(?:ok(?:ay)?|so|alright|right)[\s,.!]+)?(?!(?:what|how|who|that|this)\b)\w+(?:\s+\w+)?\s+it\s+is(?=\s*(?:[^\w\s]|$))"
    r"|\bit'?s\s+a\s+go\b|\bis\s+a\s+go\b"
    r"|\bwe'?re\s+(?:going\s+with|sticking\s+with|not\s+doing|moving\s+forward\s+with|"
    r"moving\s+ahead\s+with|proceeding\s+with|dropping|scrapping|shelving|killing|"
    r"locking\s+in|picking|choosing)\b"
    r"|\bwe\s+(?:go|proceed|move\s+forward|stick)\s+with\b|\bwe\s+(?:picked|chose|went\s+with|"
    r"approved|rejected|settled\s+on|landed\s+on|voted\s+to|voted\s+for)\b"
    r"|\b(?:going|sticking)\s+with\s+.+\s+then\b|\bwe\s+have\s+(?:a\s+)?consensus\s+(?:on|to|"
    r"for)\b|\bconsensus\s+is\s+(?:to|that)\b"
    r"|\b(?:is|are)\s+(?:off|back\s+on)\s+the\s+table\b|\bno\s+\w+(?:\s+\w+)?\s+then\b"
    r"|\b(?:is|are)\s+(?:set|scheduled|fixed|booked)\s+(?:for|to|at)\b"
    # a body's outcome: "the council approved…", "the signers just signed off"
    r"|\b(?:the|our)\s+(?:security\s+)?(?:council|committee|board|team|core\s+team|dao|multisig|"
    r"signers|foundation|delegates|stewards|mods|members|working\s+group)\s+(?:has\s+|have\s+|"
    r"just\s+|officially\s+|unanimously\s+)*(?:approved|rejected|ratified|accepted|declined|"
    r"greenlit|signed\s+off|voted\s+(?:to|for|against|down|through)|chose|picked|went\s+with|"
    r"settled\s+on|confirmed)\b"
    r"|^\W*(?:(?:ok(?:ay)?|so|alright|k|right)[\s,.!]+)?(?:going|sticking)\s+with\b"
    r"|^\W*(?:(?:ok(?:ay)?|so|alright|k|right)[\s,.!]+)?(?:settled|decided|agreed)\s+then\b"
    r"|\b(?:that'?s|it'?s)\s+a\s+(?:yes|no)\s+from\s+(?:us|the\s+\w+)\b|\bconsider\s+it\s+done\b"
    r"|^\W*(?:on\s+behalf\s+of|speaking\s+for)\s+the\s+\w+(?:\s+\w+)?\s*[:,]"
    r"|\bwe\s+ship\s+(?:\S+\s+){1,5}?on\b|\bwe'?re\s+on\s+for\b"
    r"|\bwe(?:'ve|\s+have)?\s+(?:just\s+)?locked\s+in\b|\blocking\s+in\b|\bconfirmed\s+(?:for|on)\b"
    # a change in force, a date or a value stated as fixed, a wrap-up, a no from the body
    r"|\b(?:from\s+now\s+on|going\s+forward|effective\s+(?:immediately|today|now|from)|"
    r"starting\s+(?:today|tomorrow|now|next\s+\w+|\w+day\b|on\s+\w+))\b"
    r"|\bwill\s+be\s+(?:on\s+|at\s+|in\s+)?(?:\d|\w+day\b|the\s+\d|(?:jan|feb|mar|apr|may|jun|jul|"
    r"aug|sep|oct|nov|dec)\w*\s+\d)|\b(?:happens|takes\s+place|is\s+happening)\s+(?:on|in|at)\b"
    r"|^\W*(?:closing\s+(?:this|the\s+(?:thread|discussion|topic|loop))|wrapping\s+(?:this\s+)?up|"
    r"to\s+(?:close|wrap)\s+(?:this|it)\s+(?:out|up)?|summing\s+up|consensus(?:\s+reached)?)\W*:"
    r"|\b(?:it'?s|that'?s)\s+a\s+(?:no|yes)\s+from\s+(?:the\s+)?(?:team|council|committee|board|"
    r"us|signers|multisig|foundation)\b|\b(?:the\s+)?answer\s+is\s+(?:no|yes)\b"
    r"|\blet'?s\s+do\s+(?:it|that|this|\w+)\s+then\b"
    # a reversal, a team staying put, a plan closed on: "we're reverting the fee change",
    # "scratch that, we stay on v1", "we'll do the 3% version then", "that's the plan then"
    r"|\bwe'?re\s+(?:not\s+)?(?:reverting|rolling\s+back|renewing|pausing|postponing|delaying|"
    r"cancel+ing|extending|switching\s+to)\b|\bwe\s+stay\s+(?:on|at|with)\b"
    r"|\bwe'?ll\s+do\s+.+\s+then\b|\blet'?s\s+lock\s+(?:it|that|this)\b|\bthat'?s\s+the\s+plan\b"
    r"|\bthat'?s\s+what\s+we'?(?:ll|\s+will)\s+do\b|\bgoes\s+ahead\b"
    r"|^\W*(?:(?:ok(?:ay)?|so|alright)[,\s]+)?going\s+ahead\s+with\b"
    r"|^\W*(?:council|committee|board|signers|multisig|foundation)\s+(?:has\s+|have\s+|just\s+)?"
    r"(?:approved|rejected|signed\s+off|ratified)\b"
    r"|\b(?:nobody|no\s+one)\s+objected\b|\bno\s+objections?\b[^?]*\b(?:so|then)\b"
    # Spanish
    r"|\b(?:queda|quedan|qued[óo]|est[áa]|fue|ha\s+sido)\s+(?:aprobad[oa]s?|rechazad[oa]s?|"
    r"decidid[oa]|confirmad[oa]|cerrad[oa]|fijad[oa]|descartad[oa])\b|\bse\s+(?:aprueba|aprob[óo]|"
    r"rechaza|rechaz[óo]|decidi[óo]|acord[óo]|descarta)\b|^\W*(?:aprobad[oa]|rechazad[oa])\b"
    r"|\b(?:vamos|nos\s+vamos|seguimos|nos\s+quedamos)\s+con\b|\bno\s+vamos\s+a\s+\w+"
    r"|\bqueda\s+(?:en|as[íi]|para)\b|\bcerramos\s+con\b|\bva\s+a\s+ser\s+(?:el|la|en)\b"
    r"|\bser[áa]\s+(?:en|el|la|los|las)\b|\blo\s+hacemos\s+as[íi]\b|\bse\s+hace\b"
    # Portuguese
    r"|\b(?:fica|ficou|est[áa]|foi)\s+(?:aprovad[oa]|rejeitad[oa]|decidid[oa]|confirmad[oa]|"
    r"fechad[oa]|definid[oa]|descartad[oa])\b|^\W*(?:aprovad[oa]|rejeitad[oa]|fechado)\b"
    r"|\bfazemos\s+assim\b|\bfica\s+pra\b"
    r"|\b(?:vamos|ficamos|seguimos)\s+com\b|\bbate(?:u|mos)\s+o\s+martelo\b|\bn[ãa]o\s+vamos\s+\w+"
    r"|\bvai\s+ser\s+(?:em|no|na|o|a)\b|\bfica\s+(?:assim|em|no|na|para)\b"
    # French
    r"|\bc'est\s+(?:d[ée]cid[ée]|act[ée]|valid[ée]|confirm[ée]|vot[ée]|officiel|bon)\b"
    r"|\b(?:est|a\s+[ée]t[ée])\s+(?:adopt[ée]e?|approuv[ée]e?|rejet[ée]e?|valid[ée]e?|act[ée]e?)\b"
    r"|^\W*(?:adopt[ée]|approuv[ée]|rejet[ée]|valid[ée]|act[ée])\b"
    r"|\bon\s+(?:part\s+sur|garde|reste\s+sur|y\s+va\s+avec|prend|retient)\b|\bce\s+sera\b"
    r"|\bon\s+fait\s+comme\s+(?:ça|ca)\b|\bon\s+valide\b"
    r"|\bon\s+ne\s+(?:fera|va)\s+pas\b(?!\s+y\s+passer)|\b(?:ça|ca)\s+sera\b|\baura\s+lieu\b"
    # German
    r"|\b(?:ist|wurde|sind|wurden)\s+(?:beschlossen|entschieden|angenommen|abgelehnt|"
    r"genehmigt|best[äa]tigt|fix)\b|^\W*(?:beschlossen|angenommen|abgelehnt|genehmigt|"
    r"abgemacht)\b|\bes\s+bleibt\s+bei\b|\bwir\s+(?:bleiben|gehen)\s+(?:bei|mit)\b"
    r"|\bwir\s+(?:machen|nehmen)\s+(?!das\s+so\s+nicht)\w+|\bsteht\s+fest\b|\bwir\s+werden\s+nicht\b"
    r"|\b(?:machen|nehmen)\s+wir\s+(?:das\s+)?so\b"
    r"|^\W*(?:(?:ok(?:ay)?|gut|also|alles\s+klar)[,\s]+)?dann\s+(?!m[üu]ssen|sollten|k[öo]nnten|"
    r"w[üu]rden|haben|sind|sehen|schauen|warten|reden)\w+en\s+wir\b"
    r"|\bfindet\s+am\b.*\bstatt\b|\bab\s+(?:sofort|jetzt|morgen|heute)\b"
    # Italian
    r"|\b(?:è|e'|sono|viene|vengono|[èe]\s+stat[oa])\s+(?:approvat[oa]|respint[oa]|decis[oa]|"
    r"confermat[oa]|bocciat[oa])\b|^\W*(?:approvat[oa]|respint[oa]|deciso)\b"
    r"|\b(?:andiamo|si\s+va|restiamo|teniamo)\s+(?:con|su|a)\b|\babbiamo\s+deciso\b"
    r"|\bsi\s+fa\s+(?:così|cosi)\b|\bnon\s+faremo\b|\bresta\s+(?:a|al|il|la)\b|\bsar[àa]\s+(?:a|il|la|lo|al|in|di)\b"
    r"|\bda\s+(?:ora|oggi|domani)\s+in\s+poi\b",
    re.IGNORECASE,
)
# What keeps a sentence from settling anything.
_HEDGE = re.compile(
    r"\b(?:leaning|lean\s+towards|probably|maybe|perhaps|might|may\s+be|i\s+think|i\s+guess|"
    r"i\s+feel|i\s+hope|hopefully|seems|sounds\s+like|likely|tentative(?:ly)?|for\s+now|"
    r"not\s+sure|unless|would|could|should|prefer|rather|(?:by|for|from)\s+me|imo|imho|para\s+m[íi]m?|pra\s+mim|pour\s+moi|f[üu]r\s+mich|per\s+me|"
    r"quiz[áa]s?|tal\s+vez|talvez|creo\s+que|acho\s+que|peut-[êe]tre|je\s+pense|vielleicht|"
    r"wahrscheinlich|ich\s+denke|forse|penso\s+che|probabilmente|provavelmente|probablemente)\b",
    re.IGNORECASE,
)
_CONDITIONAL = re.compile(
    r"^\W*(?:if|when|once|unless|assuming|si|se|wenn|falls|sobald|quando|cuando|lorsque)\b"
    r"|\b(?:if|unless|provided|as\s+long\s+as|assuming|falls|sofern|a\s+menos\s+que|"
    r"a\s+condition\s+que|purch[ée])\b",
    re.IGNORECASE,
)
# A vote still to come, or an outcome reported from elsewhere, or a habit.
_NOT_YET = re.compile(
    r"\b(?:poll|vote|snapshot|votaci[óo]n|vota[çc][ãa]o|sondage|umfrage|abstimmung|sondaggio)\s+"
    r"(?:tomorrow|next|later|coming|soon|will|opens|goes\s+up|on\s+\w+day)\b"
    r"|\b(?:will|we'?ll|let'?s|to)\s+(?:vote|poll)\b|\b(?:once|after)\s+the\s+(?:vote|poll)\b"
    r"|\b(?:reportedly|apparently|i\s+heard|i\s+read|they\s+say|rumou?r|over\s+(?:at|on)|"
    r"other\s+daos?|their\s+(?:forum|dao|vote|governance)|last\s+(?:year|time|cycle)|"
    r"usually|always|typically|normally|generally|every\s+(?:time|week|month)|"
    r"back\s+(?:then|in)|used\s+to|in\s+the\s+past|according\s+to|they\s+(?:say|said))\b"
    r"|\b(?:docs?|blog|article|tweet|thread|post|announcement|website|site|medium|news)\s+"
    r"(?:says?|said|claims?|mentions?)\b"
    r"|\b(?:i'?ll|i\s+will|i'?m\s+going\s+to|i\s+am\s+going\s+to|voy\s+a|vou|je\s+vais|ich\s+werde)\b",
    re.IGNORECASE,
)
# A word that closes: "ok", "then", "final", "entonces", "alors", "dann", "quindi"…
_CLOSING = re.compile(
    r"^\W*(?:ok(?:ay)?|alright|right|so|fine|great|cool|perfect|done|bueno|listo|dale|vale|"
    r"perfecto|beleza|fechado|certo|ent[ãa]o|entonces|pues|alors|bon|d'accord|ok\s+alors|gut|"
    r"also|alles\s+klar|okay\s+dann|va\s+bene|perfetto|allora|quindi|ottimo)\b"
    r"|\b(?:then|final(?:ly)?|entonces|ent[ãa]o|alors|donc|dann|also|quindi|allora)\W*$",
    re.IGNORECASE,
)
# Someone's own transaction, claim or pull request, a test or a deadline: no outcome of a debate.
_NOT_AN_OUTCOME = re.compile(
    r"\b(?:my|your|his|her|their)\s+(?:\w+\s+){0,2}(?:is|was|got|gets|has\s+been|were|are)\s+"
    r"|\bfor\s+my\b|\bmy\s+own\b"
    r"|\b(?:tx|txn|txs|transactions?|deposits?|withdrawals?|transfers?|payments?|blocks?|tests?|ci|"
    r"builds?|checks?|deadline|pr|prs|pull\s+requests?|claims?)\s+(?:\S+\s+)?(?:is|was|got|gets|"
    r"has\s+been|have\s+been|were|are)\s+",
    re.IGNORECASE,
)
# "Uniswap approved the fee switch": another DAO's outcome, reported.
_NAMED_DAO = re.compile(
    r"^\W*(?!(?:The|Our|We|This|That|It)\b)(?![A-Z]+-\d)[A-Z][\w.-]+(?:\s+DAO)?\s+(?:has\s+|have\s+)?"
    r"(?:approved|rejected|passed)\b"
)


# The body an outcome is announced for: "the council approved…", "on behalf of the board:".
_BODY = re.compile(
    r"\b(?:the|our)\s+(?P<body>(?:security\s+)?council|committee|board|core\s+team|multisig|"
    r"signers|foundation|working\s+group|stewards)\s+(?:has\s+|have\s+|just\s+|officially\s+|"
    r"unanimously\s+)*(?:approved|rejected|ratified|accepted|declined|greenlit|signed\s+off|"
    r"voted|chose|picked|went\s+with|settled\s+on|confirmed)\b"
    r"|^\W*(?:on\s+behalf\s+of|speaking\s+for)\s+the\s+(?P<for>\w+(?:\s+\w+)?)\s*[:,]",
    re.IGNORECASE,
)


def body_of(text: str) -> str | None:
    """The body a settling sentence speaks for, when it names one."""
    found = _BODY.search(text.replace("\u2019", "'"))
    return (found.group("body") or found.group("for")) if found else None


def blocked(text: str) -> bool:
    """A question, a hedge, a condition, a vote to come, a report, a habit or one's own plan."""
    text = text.replace("\u2019", "'")
    return bool(
        text.rstrip().endswith("?")
        or _HEDGE.search(text)
        or _CONDITIONAL.search(text)
        or _NOT_YET.search(text)
        or _NAMED_DAO.search(text)
        or _NOT_AN_OUTCOME.search(text)
    )


def settles(text: str) -> bool:
    """Whether a sentence announces an outcome, in any of the ways above."""
    text = text.replace("\u2019", "'")
    return bool(_SETTLES.search(text)) and not blocked(text)


def closes_motion(text: str, motion_text: str, alternatives: set[str]) -> bool:
    """A definitive sentence with a closing word that restates the motion's terms or one of the
    options argued ("ok, Thursday then"): read for the motion's author, after the debate."""
    text = text.replace("\u2019", "'")
    if blocked(text) or not _CLOSING.search(text):
        return False
    said = words(text)
    return len(said & words(motion_text)) >= 2 or bool(said & alternatives)
