"""Tasks in chat beyond English's "I'll…" and "@x can you…?": someone taking a task on in
French, German or Italian ("je m'en occupe", "je l'ajoute", "je regarde ça ce soir", "dann
teste ich es", "ci penso io"), an offer of a concrete task ("I can ask Kestrel to…"), and a
request addressed to someone by @name or by name anywhere in the sentence ("@julien quand tu
passes, peux-tu confirmer…?", "Thibault, tu prends le stream ?", "@amara kannst du … teilen?").

And what is no task: a plan under a condition ("if the rollback is tested I'll move one node"),
giving something up ("I'll stop pushing for today"), and accepting a request made to oneself
("sure, will post a gist", "ok pour vendredi"): the request is the item.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

# French: "je m'en occupe", "je l'ajoute", "moi je réserve…", "je regarde ça ce soir".
_FR_VERB = (
    r"(?:ajout|envoi|partag|corrig|r[ée]serv|pr[ée]par|[ée]cri|publi|post|fai|v[ée]rifi|pren|"
    r"reli|tradui|met|organis|r[ée]dig|lanc|cr[ée]|g[èe]r|transmet|imprim|command|"
    r"termin|fini|r[èe]gl|test|demand|appel|contact|relanc|r[ée]pon|r[ée]par|fix|mont|"
    r"m[ée]l|checke|boucl|valid|envoy|s[ée]lectionn)\w*"
)
_FR_WHEN = (
    r"aujourd'hui|ce\s+soir|demain|cette\s+semaine|ce\s+week-end|d'ici|tout\s+de\s+suite|"
    r"dans\s+l'heure|maintenant|avant\s+\w+|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
)
_TAKES_ON_FR = re.compile(
    r"\bje\s+m'(?:en\s+)?occupe\b|\bje\s+(?:m'en|me)\s+charge\b|\bje\s+(?:peux|vais)\s+"
    rf"(?!bien\b|voir\s+si\b|pas\b)(?:m'occuper|{_FR_VERB})"
    rf"|\bje\s+(?:(?:te|vous|lui|leur)\s+)?(?:l'|le\s+|la\s+|les\s+|en\s+){_FR_VERB}"
    rf"|\bmoi,?\s+je\s+{_FR_VERB}"
    rf"|\bje\s+{_FR_VERB}\b.*\b(?:{_FR_WHEN})\b"
    rf"|\bje\s+(?:{_FR_VERB}|regarde)\s+(?:ça|ca|cela)\b|\bje\s+(?:l'|le\s+|la\s+|les\s+)regarde\b",
    re.IGNORECASE,
)
# German: "ich kümmere mich darum", "mach ich", "dann teste ich es", "ich schicke es heute".
_TAKES_ON_DE = re.compile(
    r"\bich\s+(?:k[üu]mmere\s+mich|[üu]bernehme|mach(?:e)?\s+(?:das|es)|schicke|sende|schreibe|"
    r"teste|pr[üu]fe|poste|teile|melde\s+mich|schau(?:e)?\s+(?:mir\s+)?(?:das|es)|werde\s+"
    r"(?!wohl\b|nicht\b|sehen\b)\w+)\b"
    r"|\b(?:dann|gleich|heute|morgen|nachher|sp[äa]ter)\s+(?!habe\b|bin\b|glaube\b|denke\b|"
    r"finde\b|hoffe\b|wei[ßs]\b|sehe\b|meine\b|w[äa]re\b|w[üu]rde\b|h[äa]tte\b|m[üu]sste\b|"
    r"k[öo]nnte\b|sage\b)\w+e\s+ich\b|\bmach(?:e)?\s+ich\b|\b[üu]bernehm(?:e)?\s+ich\b",
    re.IGNORECASE,
)
# Italian, Spanish and Portuguese forms the older rules miss.
_TAKES_ON_ROMANCE = re.compile(
    r"\bci\s+penso\s+io\b|\bme\s+ne\s+occupo\b|\b(?:lo|la)\s+faccio\s+io\b"
    r"|\b(?:preparo|scrivo|mando|pubblico|condivido|controllo|sistemo)\b.*\b(?:oggi|domani|"
    r"stasera|entro)\b|\b(?:yo\s+)?me\s+ocupo\b|\beu\s+cuido\b|\bpode\s+deixar\b"
    r"|\beu\s+(?!acho\b|penso\b|creio\b|prefiro\b|gosto\b|concordo\b|discordo\b|voto\b|"
    r"n[ãa]o\b|tamb[ée]m\b|sei\b|fico\b|estou\b|tenho\b|consigo\b|posso\b|quero\b)\w+o\b",
    re.IGNORECASE,
)
# An offer of a concrete task: "I can ask Kestrel to…", "I can draft the post tonight".
_OFFERS = re.compile(
    r"\bi\s+can\s+(?:also\s+)?(?:ask|reach\s+out|ping|contact|email|check|look\s+into|"
    r"follow\s+up|write\s+(?:it|this|that)\s+up|draft|prepare|send|share|set\s+up|review|book|"
    r"schedule|organi[sz]e|coordinate|host|translate|moderate|put\s+together)\b",
    re.IGNORECASE,
)
# Asking someone to do something, in the languages DAO chats see most.
_REQUEST_FORM = re.compile(
    r"\b(?:can|could|would|will)\s+(?:you|u)\b|\bplease\b|\bpls\b|\bplz\b"
    r"|\bpeux[\s-]tu\b|\bpourrais[\s-]tu\b|\btu\s+(?:peux|pourrais|prends|t'occupes|g[èe]res)\b"
    r"|\bvous\s+pouvez\b|\bpouvez[\s-]vous\b|\bpourriez[\s-]vous\b|\bmerci\s+de\b"
    r"|\bkannst\s+du\b|\bk[öo]nntest\s+du\b|\b[üu]bernimmst\s+du\b|\bmachst\s+du\b|\bbitte\b"
    r"|\bpuedes\b|\bpodr[íi]as\b|\bpod[ée]s\b|\bte\s+(?:encargas|ocup[áa]s)\b|\bpor\s+favor\b"
    r"|\b(?:voc[êe]\s+)?pode\b|\bpodes\b|\bpoderia\b|\bconsegue\b"
    r"|\bpuoi\b|\bpotresti\b|\bti\s+occupi\b",
    re.IGNORECASE,
)
# A request opening a reply: "can you…?", "kannst du…?", "peux-tu…?", "¿puedes…?".
_ASKS_BACK = re.compile(
    r"^\W*(?:(?:can|could|would)\s+you|kannst\s+du|k[öo]nntest\s+du|peux[\s-]tu|tu\s+peux|"
    r"pourrais[\s-]tu|pouvez[\s-]vous|puedes|podr[íi]as|pod[ée]s|(?:voc[êe]\s+)?pode|podes|"
    r"poderia|consegue|puoi|potresti)\b",
    re.IGNORECASE,
)
# Claiming a task: "taking this one", "I've got this", "mine 🙋".
_CLAIMS = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|yep|yes|sure)[,!.]?\s+)?(?:taking\s+(?:this|that|it)(?:\s+one)?\b|"
    r"i'?ve\s+got\s+(?:this|it|that)\W*$|i\s+got\s+(?:this|it)\W*$|mine\W*$|dibs\b|"
    r"claiming\s+(?:this|it)\b)",
    re.IGNORECASE,
)
# Handing a task to someone: "assigning this to @pat", "@pat this one is yours".
_ASSIGNS = re.compile(
    r"\bassign(?:ing|ed)?\s+(?:this|that|it)(?:\s+one)?\s+to\s+@(?P<to>[\w.-]*\w)"
    r"|^\W*@(?P<yours>[\w.-]*\w)[\s,:]+(?:this\s+(?:one\s+)?is\s+|that'?s\s+)?yours\b",
    re.IGNORECASE,
)
# Enough of a task's shape to keep a lone message as a topic of its own.
_TASKISH = re.compile(
    r"\b(?:going\s+to|voy\s+a|vou|eu\s+fa[çc]o|deixa\s+comigo|me\s+encargo|action\s+items?|"
    r"todo|please|pls|we'?ll|we\s+will|i'?ll|i\s+will)\b|^\W*yo\s+\w+o\b|^\W*@[\w.-]+",
    re.IGNORECASE,
)
_AT_NAME = re.compile(r"(?<![\w@])@(?P<who>[\w.-]*\w)")
_NAME_ADDRESS = re.compile(r"^\W*(?P<who>[^\W\d_][\w.-]{2,})\s*,\s*\S")
# "if the rollback is tested I'll…", "tomorrow if CI is green, I'll ping here", "si ça passe, je…"
_CONDITION_FIRST = re.compile(
    r"^\W*(?:if|si|wenn|falls|se|unless|only\s+if)\b"
    r"|\b(?:if|unless|si|wenn|falls)\b[^.;!?]*,\s*(?:i'?ll|i\s+will|je|ich|yo|eu)\b",
    re.IGNORECASE,
)
_GIVES_UP = re.compile(
    r"\b(?:i'?ll|i\s+will)\s+(?:just\s+)?(?:stop|quit|shut\s+up|leave\s+it|drop\s+it|let\s+it\s+go|"
    r"back\s+off|give\s+up|sleep|go\s+to\s+(?:bed|sleep)|vote|abstain|support|oppose|agree|"
    r"disagree)\b",
    re.IGNORECASE,
)
_ACCEPTS = re.compile(
    r"^\W*(?:sure|yes|yep|yeah|ok(?:ay)?|will\s+do|on\s+it|can\s+do|d'accord|oui|ok\s+pour|"
    r"claro|dale|s[íi]|sim|certo|klar|ja|va\s+bene|certo|👍|✅)\b",
    re.IGNORECASE,
)


def takes_on(text: str) -> re.Match[str] | None:
    """A task taken on or offered in the forms the English "I'll…" rules miss: where it is."""
    return (
        _CLAIMS.search(text)
        or _TAKES_ON_FR.search(text)
        or _TAKES_ON_DE.search(text)
        or _TAKES_ON_ROMANCE.search(text)
        or _OFFERS.search(text)
    )


def no_task(text: str) -> bool:
    """A plan under a condition, or giving something up: no task."""
    return bool(_CONDITION_FIRST.search(text) or _GIVES_UP.search(text))


def accepts(text: str) -> bool:
    """Whether a reply opens by accepting ("sure, …", "ok pour vendredi", "klar, …")."""
    return bool(_ACCEPTS.match(text))


def flat(name: str) -> str:
    """A name without case, accents or punctuation: "Aïcha" ~ "aicha_b"."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[\W_]+", "", plain).casefold()


def person(name: str, people: Iterable[str]) -> str | None:
    """The author a first name stands for ("Thibault" → "thibault_ops"), when only one fits."""
    wanted = flat(name)
    if len(wanted) < 3:
        return None
    fits = {p for p in people if flat(re.split(r"[_.\-\d]", p)[0]) == wanted or flat(p) == wanted}
    return fits.pop() if len(fits) == 1 else None


def asks_in_reply(text: str) -> bool:
    """A question opening with a request ("can you…?", "kannst du…?"): asked of whoever it
    answers."""
    return bool(_ASKS_BACK.match(text))


def sounds_like_a_task(text: str) -> bool:
    """Whether a lone message may hold a task: worth keeping as a topic to read it."""
    return bool(_TASKISH.search(text) or takes_on(text) or asked_of(text, ()))


def asked_of(text: str, people: Iterable[str]) -> str | None:
    """The person a request is addressed to, by @name or by name, anywhere before its ask;
    or handed a task ("assigning this to @pat", "@pat this one is yours")."""
    assigned = _ASSIGNS.search(text)
    if assigned is not None:
        return assigned.group("to") or assigned.group("yours")
    request = _REQUEST_FORM.search(text)
    if request is None:
        return None
    before = text[: request.start()]
    named = list(_AT_NAME.finditer(before))
    if named:
        last = named[-1]
        right_before = not before[last.end() :].strip(" ,:;-–—")
        opening = len(before[: last.start()].split()) <= 1
        return last.group("who") if right_before or opening else None
    address = _NAME_ADDRESS.match(text)
    if address is not None and address.start("who") < request.start():
        return person(address.group("who"), people)
    return None


def addressed(author: str, text: str) -> bool:
    """Whether a message addresses `author` by first name ("Thibault, tu prends…")."""
    first = flat(re.split(r"[_.\-\d]", author)[0])
    return len(first) >= 3 and any(flat(w) == first for w in re.findall(r"[^\W\d_]+", text))
