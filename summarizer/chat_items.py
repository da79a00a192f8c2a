"""What a chat topic's sentences say besides sides: decisions with who took them, tasks with
their owner, agreements between people, and questions nobody answered.

Sentences are cut from a message's raw text, so every quote is a verbatim substring of it;
links are left out of quotes and a sentence that is mostly a link is never quoted. `used` holds
the sentences a summary has already shown, so none appears in two sections.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from summarizer.chat_closing import (
    asks_the_group,
    dated_act,
    goes_ahead,
    labels_an_outcome,
    objects,
    puts_off,
    steward_act,
)
from summarizer.chat_commits import commit_owner
from summarizer.chat_fixed import adopts, fixes_a_date, states_more
from summarizer.chat_settled import blocked, body_of, closes_motion, settles
from summarizer.chat_tasks import accepts, addressed, asked_of, asks_in_reply, no_task, takes_on
from summarizer.schema import ActionItem, Citation, Decision, Point, PostInput, Question
from summarizer.text import prose
from summarizer.topics import is_chatter, message_time, terms

MAX_QUESTIONS = 5
IMMEDIATE = timedelta(minutes=2)  # an answer said at once needs no word in common
ANSWER_SOON = timedelta(hours=1)  # the next word in the topic answers when it comes this soon
ANSWERED_SHAPE = timedelta(minutes=30)  # an answer-shaped statement anywhere answers this soon
_REACTIONS = 3  # the messages after a go-ahead read as reactions to it

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
_LIST_MARK = re.compile(r"^[-*•]\s+")
_VOTE_ONLY = re.compile(r"^(?:👍|👎|✅|❌|🙌|💯)+(?:\s*(?:👍|👎|✅|❌|🙌|💯)+)*$")
_URL = re.compile(r"(?:https?://|www\.)[^\s<>()\[\]\"']+", re.IGNORECASE)
_LETTERS = re.compile(r"[^\W\d_]{2,}", re.UNICODE)
_AT = re.compile(r"(?<![\w@])@([\w.-]*\w)")

DECISION = re.compile(
    r"^\W*(?:final\s+)?(?:decision|decided|resolution|resolved|outcome|agreed|decisión|decisão|"
    r"decidido|decidida|acordado|resuelto|entscheidung|décision)\s*:|\bit'?s\s+decided\b"
    # "Decision for 1.9:", "Committee decision on #31:": a body's decision on one item
    r"|^\W*(?:(?P<lead>[a-z]+(?:\s+[a-z]+)?)\s+)?decision\s+(?:for|on|about)\s+[^:?]{1,60}:"
    r"|^\W*(?:decidimos|acordamos|decidiram|decidimos\s+que)\b"
    r"|\bagreed\s+on\s+the\s+call\b"
    r"|\b(?:we|(?:the|our)\s+(?P<body>[a-z]+(?:\s+[a-z]+)?))\s+(?:have\s+|has\s+)?"
    r"(?:decided|agreed)(?:\s+(?:on\s+the\s+\w+\s+(?:call|meeting)\s+)?(?:to|on|that|not)\b|\s*:)"
    # "the foundation board decided last week that…", "the grants council approved…"
    r"|\b(?:the|our)\s+(?P<named>(?:[\w-]+\s+){0,2}?(?:council|committee|board|foundation|"
    r"core\s+unit|working\s+group|multisig|signers|stewards|delegates))\s+(?:has\s+|have\s+|"
    r"just\s+|officially\s+|unanimously\s+|formally\s+)*(?:decided|agreed|approved|ratified|"
    r"rejected|greenlit|signed\s+off|voted\s+(?:to|for|against|down|through))"
    r"(?!\s+(?:yet|on\s+whether)\b)\b"
    # "we keep the fee", not "we keep re-running the same votes" (a habit)
    r"|\bwe\s+(?:keep(?!\s+(?:re-\w+|(?!\w*thing\b)\w+ing\b))|are\s+keeping|go\s+with|"
    r"are\s+going\s+with)\b"
    r"|\bwe(?:'ll|\s+will)\s+(?:not\s+)?(?:also\s+)?(?:launch|move|replace|keep|roll|ship|go\s+with|"
    r"switch|delay|postpone|extend|cancel|stop|open|close|pause|hold|use)\b"
    r"|\bwe(?:\s+will\s+not|\s+won'?t)\s+(?!be\b|know\b|see\b|have\b|need\b|get\b|make\s+it\b)\w+"
    # a body's commitment: "the foundation will not sell…", "the council commits to…"
    r"|\b(?:the|our)\s+(?P<org>foundation|team|core\s+team|(?:security\s+)?council|committee|"
    r"multisig|signers|board|dao|working\s+group)\s+(?:will\s+not\s+(?!be\b)|won'?t\s+(?!be\b)|"
    r"will\s+never\s+|(?:is\s+)?commit(?:s|ting)?\s+to\b)"
    r"|\b(?:goes|go)\s+live\s+on\b|\bmoves?\s+to\s+(?:the\s+)?(?:\d|\w+day\b|next\s+week)"
    r"|\b(?:ships?|launch(?:es)?|goes\s+out|releases?|is\s+released)\s+on\s+(?:\w+day\b|\d|the\s+\d)"
    r"|\bwill\s+be\s+(?:paid|sent|released|distributed|deployed|published|live|out)\s+"
    r"(?:by|on|before)\s+(?:\w+day\b|[a-z]+\s+\d|\d|the\s+\d|end\s+of)"
    r"|\b(?:stays?|remains?|will\s+(?:stay|remain))\s+(?:at|below|under|above)\s+\d"
    r"|^\W*(?:confirmed|locked\s+in)\s*:|\bwe'?re\s+going\s+ahead\s+with\b"
    r"|^\W*(?:ok(?:ay)?,?\s+|so,?\s+|alright,?\s+)?let'?s\s+go\s+with\b"
    r"|\bstarts?\s+on\s+(?:day\s+one|\w+day\b|\d)|\b(?:is|are)\s+(?:moved|postponed)\s+to\b"
    r"|^\W*(?:ok(?:ay)?|so|alright)(?:,?\s+so)?\s*:\s*\S",
    re.IGNORECASE,
)
# A sentence that goes on with the decision before it in the same message ("Y hacemos…").
_GOES_ON = re.compile(r"^\W*(?:and|also|plus|y|e|además|também)\b", re.IGNORECASE)
_CONDITION = re.compile(r"\b(?:if|unless|once|until|provided|as\s+long\s+as)\s*$", re.IGNORECASE)
_NO_BODY = frozenset(("team", "call", "final", "the", "our", "my", "ok", "so", "okay"))
_TAKES_ON = re.compile(
    r"\b(?:i'?ll|i\s+will|i'?m\s+going\s+to|(?:@[\w.-]+\s+)?and\s+i\s+will)\s+(?:also\s+)?"
    r"(?!be\b|live\b|take\s+that|see\b|think\b|believe\b|admit\b|say\b|bet\b|pass\b|wait\b)\w+"
    r"|^\W*(?:(?:i'?m\s+)?on\s+it|will\s+do)\b|\bi\s+can\s+(?:take|own|handle|draft|write|do)\s+(?:this|that|it|"
    r"the)\b|^\W*let\s+me\s+(?!know\b|be\b|see\s+if\s+i\s+understand)\w+",
    re.IGNORECASE,
)
# Taking a task on in the other languages DAO chats see most, and as a team: "Vou divulgar…",
# "Yo subo el desglose…", "lo publico la próxima semana", "we will also publish the list…".
_TAKES_ON_TOO = re.compile(
    r"^\W*(?:eu\s+)?vou\s+(?!ver\b|pensar\b)\w+(?:ar|er|ir)\b|^\W*(?:yo\s+)?voy\s+a\s+\w+(?:ar|er|ir)\b"
    r"|\byo\s+(?!creo\b|pienso\b|digo\b|prefiero\b|opino\b|no\b|también\b|tampoco\b|solo\b)"
    r"\w+o\b|\b(?:lo|la|los|las)\s+(?:publico|subo|mando|envío|envio|hago|preparo|escribo|comparto|"
    r"paso|reviso|armo|organizo|traigo|publico)\b|\bme\s+encargo\b|\bdeixa\s+comigo\b"
    r"|\beu\s+(?:fa[cç]o|posso|mando|publico|escrevo|organizo)\b"
    r"|\bwe(?:'ll|\s+will)\s+(?:also\s+)?(?:publish|post|write|draft|send|share|prepare|document|"
    r"fix|review|set\s+up|reach\s+out)\b",
    re.IGNORECASE,
)
# "reviewing now", "ok, checking it now": a task taken on as it starts.
_DOING_NOW = re.compile(
    r"^\W*(?:(?:ok(?:ay)?|yep|sure)[,.!]?\s+)?(?:reviewing|checking|fixing|testing|merging|"
    r"deploying|drafting|writing|investigating)(?:\s+(?:it|this|that))?\s+now\b",
    re.IGNORECASE,
)
# "@ineko has the dashboard, @ineko could you pull…": a request inside the sentence.
_ASKED_INSIDE = re.compile(
    r"(?<![\w@])@(?P<who>[\w.-]*\w)[\s,:]+(?:(?:can|could|would)\s+you|please|pls|"
    r"¿?(?:puedes|podrías|podrias|podés|podes|pode|poderia)|por\s+favor)\b",
    re.IGNORECASE,
)
# A pronoun pointing back at what was asked: "I'll have it reviewed", "dale, la hago hoy".
_BACK = re.compile(r"\b(?:it|that|this|lo|la|isso|isto)\b", re.IGNORECASE)
_TASK_LABEL = re.compile(r"^\W*(?:action\s+items?|ai|todo|task)\s*:\s*", re.IGNORECASE)
_ON_IT = re.compile(r"^\W*(?:(?:i'?m\s+)?on\s+it|will\s+do)\b", re.IGNORECASE)
_REQUEST = re.compile(
    r"^\W*(?P<names>(?:@[\w.-]*\w[\s,]*(?:and\s+)?)+)[\s,:]*(?P<rest>.*)$", re.IGNORECASE
)
_ASKS_TO_DO = re.compile(
    r"^¿?(?:puedes|podrías|podrias|podés|podes|pode|poderia)\b|^por\s+favor\b|^porfa\b"
    r"|^(?:can|could|would|will)\s+you\b|^to\s+\w+|^you\s+(?:own|take|handle|drive|lead)\b|^please\b|^(?:you'?re|you\s+are)\s+on\b|^will\s+\w+"
    r"|^(?:pls|plz)\b",
    re.IGNORECASE,
)
_NAME_WILL = re.compile(
    r"^\W*(?P<who>[\w.-]+)\s+(?:will|is\s+going\s+to|'ll)\s+(?:also\s+)?(?!be\b)\w+",
    re.IGNORECASE,
)
WH = re.compile(
    r"^(?:what(?!\s+if\s+we)|why|how(?!\s+about\s+we)|when|where|who|which|is|are|do|does|did|"
    r"any)\b",
    re.IGNORECASE,
)
# The asker coming back to a question asked earlier: the later ask is the one that counts.
_ASKED_AGAIN = re.compile(
    r"\b(?:back\s+to|re|about|following\s+up\s+on)\s+my\s+(?:earlier\s+)?question\b"
    r"|\basking\s+again\b|^\W*bump\b",
    re.IGNORECASE,
)
# How an answer opens, in the languages DAO chats see most: yes/no, a number or date, "it's…",
# "we…", "the X is…".
_ANSWER_SHAPED = re.compile(
    r"^\W*(?:(?:yes|yeah|yep|yup|no|nope|nah|sure|correct|exactly|right|not\s+yet|already|"
    r"s[íi]|sim|n[ãa]o|oui|non|ja|nein|doch|certo|claro|exacto|exato|esatto|genau|"
    r"it'?s|it\s+is|it\s+was|they'?re|there'?s|that'?s|we\s+\w+|we'?re|we'?ll|we'?ve|"
    r"es|[ée]s|est[áa]|c'est|das\s+ist|es\s+ist|è|sono|"
    r"on\s+\w+day|next\s+\w+|tomorrow|today|by\s+\w+|after\s+\w+)(?=\W|$)|\d)",
    re.IGNORECASE,
)
_AGREEMENT = re.compile(
    r"^\W*(?:(?:i\s+)?agree(?:d)?\s+with\s+@?[\w.-]+|fair\s+point|good\s+point|that'?s\s+fair|"
    r"(?:ok\s+)?fair,|you'?re\s+(?:probably\s+)?right|i\s+take\s+the\s+point)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Said:
    post: PostInput
    order: int  # place in the topic
    text: str  # the sentence as written (a substring of the message)
    quote: str  # the part to cite: the sentence without its links; "" when it is mostly a link
    question: bool


def sentences(post: PostInput, order: int = 0) -> list[Said]:
    """A message's own sentences, as written; lines quoted with "> " are someone else's."""
    found = []
    for line in post.text.split("\n"):
        if line.lstrip().startswith(">"):
            continue
        line = _LIST_MARK.sub("", line.strip())
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip()
            if piece and re.search(r"[^\W_]", piece):
                found.append(Said(post, order, piece, _quotable(piece), piece.endswith("?")))
            elif _VOTE_ONLY.match(piece):
                found.append(Said(post, order, piece, "", False))  # 👍: a vote, no quote
    return found


def _quotable(sentence: str) -> str:
    """The sentence without its links, as a verbatim piece of it: the longest stretch between
    links, when it says something ("status page still says all systems operational lol")."""
    pieces = [p.strip(" \t:–—-,;") for p in _URL.split(sentence)]
    best = max(pieces, key=len) if pieces else ""
    if not re.search(r"[^\W_]", best):
        return ""  # emoji alone: nothing to quote
    return best if len(_LETTERS.findall(best)) >= 3 or (best == sentence.strip()) else ""


def key(said: Said) -> tuple[str, str]:
    return said.post.id, " ".join(re.findall(r"\w+", said.text.lower()))


def cite(said: Said) -> Citation:
    return Citation(post_id=said.post.id, quote=said.quote)


def decisions(
    said: list[Said], used: set[tuple[str, str]], motion: Said | None = None
) -> list[Decision]:
    """Stated decisions (`DECISION`), outcomes however announced (`settles`), and the motion's
    author closing the debate on its terms once others have spoken (`closes_motion`)."""
    found: list[Decision] = []
    previous: Said | None = None  # the decision just found, for a sentence that goes on with it
    spoke: set[str] = set()  # who has spoken since the motion
    for sentence in said:
        decided_before, previous = previous, None
        if motion is not None and sentence.order > motion.order:
            spoke.add(sentence.post.author)
        if sentence.question or not sentence.quote or key(sentence) in used:
            continue
        match = DECISION.search(sentence.text)
        labelled = labels_an_outcome(sentence.text)
        closes_by_turn = match is None and (
            labelled
            or steward_act(sentence.text)
            or dated_act(sentence.text)
            or (not blocked(sentence.text) and _answers_someone(sentence, said))
        )
        goes_on = (
            decided_before is not None
            and decided_before.post.id == sentence.post.id
            and (
                bool(_GOES_ON.match(sentence.text))
                or _carries_on(sentence.text)
                or (labels_an_outcome(decided_before.text) and states_more(sentence.text))
            )
        )
        closes = match is None and (
            settles(sentence.text)
            or (
                fixes_a_date(sentence.text)
                and not blocked(sentence.text)
                and not (motion is not None and not spoke - {motion.post.author})
            )
            or (
                motion is not None
                and sentence.post.author == motion.post.author
                and sentence.order > motion.order
                and bool(spoke - {motion.post.author})
                and (closes_motion(sentence.text, motion.text, set()) or adopts(sentence.text))
            )
        )
        closes = closes or closes_by_turn
        if match is None and not goes_on and not closes:
            continue
        if match is not None and _CONDITION.search(sentence.text[: match.start()]):
            continue  # "if the team commits to…, I can live with it": a condition, no decision
        by = sentence.post.author
        if match is not None:
            body = (
                match.group("body")
                or match.group("org")
                or match.group("lead")
                or match.group("named")
            )
            if body and body.lower() not in _NO_BODY:
                by = f"{body} (per {sentence.post.author})"
        elif closes and body_of(sentence.text):
            by = f"{body_of(sentence.text)} (per {sentence.post.author})"
        elif goes_on and found:
            by = found[-1].by
        used.add(key(sentence))
        found.append(Decision(decision=sentence.quote, by=by, citations=[cite(sentence)]))
        previous = sentence
    return found


def _answers_someone(sentence: Said, said: list[Said]) -> bool:
    """The opening sentence of a message answering another person's: a go-ahead after anything
    said ("ah then CF 0 is better" - "Do it: CF 0 via guardian."), or a deferral of a question
    about what the group does ("When do we unpause?" - "Not tonight, and not before…")."""
    ahead, off = goes_ahead(sentence.text), puts_off(sentence.text)
    if not (ahead or off):
        return False
    own = [s for s in said if s.post.id == sentence.post.id]
    if off and (not own or own[0] is not sentence):
        return (
            False  # a deferral opens the answer; a go-ahead may close it ("Fine. Let's do that.")
        )
    answered = [s for s in said if s.post.id == sentence.post.reply_to]
    if not answered:  # no reply reference: the message just before
        earlier = [s for s in said if s.order < sentence.order]
        answered = [s for s in earlier if s.post.id == earlier[-1].post.id] if earlier else []
    others = [s for s in answered if s.post.author != sentence.post.author]
    if ahead:  # the last go-ahead that nobody answering it objects to
        after = [s for s in said if sentence.order < s.order <= sentence.order + _REACTIONS]
        return (
            bool(others)
            and not any(objects(s.text) for s in after if s.post.author != sentence.post.author)
            and not any(goes_ahead(s.text) or adopts(s.text) for s in after)
        )
    return any(s.question and asks_the_group(s.text) for s in others)


def _carries_on(text: str) -> bool:
    """A sentence after a decision in its message that states more of it, neither a task of
    one's own nor a request to someone."""
    text = text.replace("\u2019", "'")
    if not states_more(text) or blocked(text) or _TAKES_ON_TOO.search(text):
        return False
    request = _REQUEST.match(text)
    return not (request and _AT.findall(request.group("names"))) and not _ASKED_INSIDE.search(text)


def action_items(
    said: list[Said], by_id: dict[str, PostInput], used: set[tuple[str, str]]
) -> list[ActionItem]:
    found = []
    for sentence in said:
        if not sentence.quote or key(sentence) in used:
            continue
        owner = _owner(sentence, by_id)
        if owner is None:
            continue
        used.add(key(sentence))
        found.append(ActionItem(task=sentence.quote, owner=owner, citations=[cite(sentence)]))
    return found


def _owner(sentence: Said, by_id: dict[str, PostInput]) -> str | None:
    text = sentence.text.replace("\u2019", "'")
    labelled = _TASK_LABEL.match(text)
    text = text[labelled.end() :] if labelled else text  # "Action item: @quen updates…"
    request = _REQUEST.match(text)
    if request is not None:
        rest = request.group("rest").strip()
        names = _AT.findall(request.group("names"))
        if names and labelled:
            return str(names[0])
        if re.match(r"^and\s+i\s+will\b", rest, re.IGNORECASE):
            return sentence.post.author  # "@jbaxter and I will do the sequencer side"
        short_ask = sentence.question and len(rest.split()) <= 5 and not WH.match(rest)
        if names and (_ASKS_TO_DO.search(rest) or short_ask):
            return str(names[0])
    inside = _ASKED_INSIDE.search(text)
    if inside is not None:
        return inside.group("who")  # "@ineko has the dashboard, @ineko could you pull…"
    asked = asked_of(text, {p.author for p in by_id.values()})
    if asked is not None:
        return asked  # "@julien quand tu passes, peux-tu confirmer…?", "Thibault, tu prends…?"
    named = _NAME_WILL.match(text)
    if named and not sentence.question:
        who = named.group("who")
        people = {p.author.lower(): p.author for p in by_id.values()}
        if who.lower() in people and who.lower() not in ("i", "we", "you", "they", "it"):
            return people[who.lower()]  # "kwame will ship the spec update by Thursday"
    parent = by_id.get(sentence.post.reply_to or "")
    accepting = parent is not None and (
        sentence.post.author.lower() in _named(parent)
        or addressed(sentence.post.author, parent.text)
    )
    if _ON_IT.match(text) or _DOING_NOW.match(text):
        # accepting a request made to them: the request is the item
        return None if accepting else sentence.post.author
    if no_task(text):
        return None  # "if the rollback is tested I'll move one node", "I'll stop pushing"
    taken = None if sentence.question else (_TAKES_ON.search(text) or _TAKES_ON_TOO.search(text))
    if taken is not None and not _quoted_at(text, taken.start()):
        if accepting and (_BACK.search(text) or accepts(text)):
            return None  # "I'll have it reviewed by 15:00" answering "@ade can you ship…?"
        return sentence.post.author
    other = None if sentence.question else takes_on(text)
    if other is not None and not _quoted_at(text, other.start()):
        return None if accepting else sentence.post.author  # "je l'ajoute", "dann teste ich es"
    if sentence.question and asks_in_reply(text):
        parent = by_id.get(sentence.post.reply_to or "")
        if parent is not None and parent.author != sentence.post.author:
            return parent.author
    if sentence.question:
        return None
    asked_by = parent.text if parent is not None and parent.author != sentence.post.author else None
    return commit_owner(text, sentence.post.text, sentence.post.author, asked_by, accepting)


def _quoted_at(text: str, at: int) -> bool:
    """Whether `at` is inside quotation marks: someone else's words ("just "we will post…"")."""
    before = text[:at]
    return before.count('"') % 2 == 1 or before.count("“") > before.count("”")


def _named(post: PostInput) -> set[str]:
    return {m.lower() for m in post.mentions} | {m.lower() for m in _AT.findall(post.text)}


def agreements(
    said: list[Said], by_id: dict[str, PostInput], used: set[tuple[str, str]]
) -> list[Point]:
    found = []
    for sentence in said:
        if not sentence.quote or key(sentence) in used or not _AGREEMENT.match(sentence.text):
            continue
        parent = by_id.get(sentence.post.reply_to or "")
        if parent is None or parent.author == sentence.post.author:
            continue
        used.add(key(sentence))
        who = f"{sentence.post.author} agrees with {parent.author}"
        rest = _AGREEMENT.sub("", sentence.quote).strip(" ,.;:!")
        point = f"{who}: {sentence.quote}" if len(rest.split()) >= 3 else who
        found.append(Point(point=point, citations=[cite(sentence)]))
    return found[:3]


def open_questions(
    said: list[Said],
    messages: list[PostInput],
    window: Sequence[PostInput],
    used: set[tuple[str, str]],
) -> list[Question]:
    found = []
    for sentence in said:
        if not sentence.question or not sentence.quote or key(sentence) in used:
            continue
        if _answered(sentence, messages, window):
            continue
        used.add(key(sentence))
        found.append(Question(question=sentence.quote, citations=[cite(sentence)]))
    return found[:MAX_QUESTIONS]


def _answered(sentence: Said, messages: list[PostInput], window: Sequence[PostInput]) -> bool:
    """Someone else replied to the message, or answered it without the reply button: the person
    it asks spoke after it, someone addressed the asker back, someone spoke up right after it,
    or a later message of the topic says the same thing in answer; or the asker asked it again
    later ("back to my question…"), and that later ask is the one that counts."""
    asker = sentence.post.author
    if any(p.reply_to == sentence.post.id and p.author != asker for p in window):
        return True
    asked = _named(sentence.post)
    later = messages[sentence.order + 1 :]
    if asked and any(p.author.lower() in asked for p in later):
        return True
    others = [p for p in later if p.author != asker and "?" not in p.text]
    if any(asker.lower() in _named(p) for p in others):
        return True  # "@andres not the channel for that": the asker addressed back
    # Within the hour: the next word of someone else in the topic, when it is no question, or
    # a later word shaped like an answer ("yes, …", "it's on Friday", "14:00 UTC", "we do").
    soon = [p for p in others if _within(sentence.post, p, ANSWER_SOON)]
    following_here = next((p for p in later if p.author != asker), None)
    if following_here is not None and soon and following_here is soon[0]:
        return True
    if any(_ANSWER_SHAPED.match(prose_of(p)) for p in soon):
        return True
    if sentence.post.created_at is None:
        return False
    at = message_time(sentence.post)
    after = sorted(
        (p for p in window if p.created_at is not None and message_time(p) > at),
        key=message_time,
    )
    if any(p.author == asker and _ASKED_AGAIN.search(p.text) for p in after):
        return True
    if asked and any(
        p.author.lower() in asked and "?" not in p.text and message_time(p) - at <= ANSWER_SOON
        for p in after
    ):
        return True  # the person it asks, speaking within the hour, in whatever topic
    asked_terms = terms(sentence.post.text)  # the question and what its message says with it
    following = next((p for p in after if p.author != asker and not is_chatter(p)), None)
    if (
        following is not None
        and following.reply_to in (None, sentence.post.id)
        and "?" not in following.text
    ):
        gap = message_time(following) - at
        if gap <= IMMEDIATE:
            return True  # "anyone up for lunch?" / "always": the next word, at once
        if gap <= timedelta(minutes=15) and terms(following.text) & terms(sentence.text):
            return True  # "when is OIP-15 going to a vote?" / "OIP-15 goes to a vote…"
    # Anywhere in the window, the first statement of someone else after it, shaped like an
    # answer and said within half an hour ("21 days, same as before"), is the answer.
    stated = next(
        (p for p in after if p.author != asker and not is_chatter(p) and "?" not in p.text), None
    )
    if (
        stated is not None
        and stated.reply_to in (None, sentence.post.id)
        and message_time(stated) - at <= ANSWERED_SHAPE
        and _ANSWER_SHAPED.match(prose_of(stated))
    ):
        return True
    # Later in the topic, however long after: a statement that shares two of its terms
    # ("is the vesting changeable? it's a contract" / "the vesting contract enforces…").
    return any(len(terms(p.text) & asked_terms) >= 2 for p in others)


def prose_of(post: PostInput) -> str:
    """A message's own words, without what it quotes."""
    return prose(post.text).own.strip()


def _within(asked: PostInput, answer: PostInput, limit: timedelta) -> bool:
    """Whether `answer` came within `limit` of `asked` (always, when either has no time)."""
    if asked.created_at is None or answer.created_at is None:
        return True
    return message_time(answer) - message_time(asked) <= limit
