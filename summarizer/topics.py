"""A chat window cut into its conversations (topics), the way a reader of the channel follows them.

Chat has no threads to go by, only signs that one message continues another:

- a reply continues the conversation of the message it answers;
- a message addressed to someone ("@kwame can you…") who spoke moments ago continues theirs;
- a second message from the same author within a few minutes continues their first;
- a message that shares distinctive words with a conversation still going ("the 28th", "OIP-15")
  joins it; after a long gap it needs more words in common;
- a message that opens something new ("item 2:", "unrelated but…", "while we're here:", a proposal
  after a pause) starts a topic, and so does anything the signs above do not place.

Greetings, emoji, bot notices and bare links belong to no topic, and a topic of side chatter that
asks, proposes and decides nothing (two people remarking on the price) is left out.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from summarizer.chat_fixed import fixes_a_date
from summarizer.chat_settled import settles
from summarizer.chat_stance import takes_a_side
from summarizer.chat_tasks import sounds_like_a_task
from summarizer.schema import PostInput
from summarizer.text import is_mostly_link, prose

SAME_AUTHOR = timedelta(minutes=3)
ADDRESSED = timedelta(minutes=30)
CONTINUES = timedelta(minutes=5)
SHARED_SOON = timedelta(minutes=20)
SHARED_LATER = timedelta(hours=4)
PROPOSAL_PAUSE = timedelta(minutes=10)
SHORT = 3  # distinctive words: "ok fair", "why?", "+1 from me" go on whatever is going on

_WORD = re.compile(r"[^\W_][\w.'/-]*[^\W_]|[^\W_]", re.UNICODE)
_STOP = frozenset(
    (
        "the a an and or but if of to in on for with at by from is are was were be been it this "
        "that these those we you they i he she our your their not no so as do does did have has "
        "had will would can could should may might just than then there here what which who how "
        "why about into also more most very all any some such its it's i'm don't i'll i'd we'll "
        "we'd that's there's isn't it'd yes yeah yep ok okay sure thanks thank lol tbh ngl imo "
        "now one get got still even only like too way out up over after before again when where "
        "think know see let's need people anyone someone everyone something thing things much "
        "right new first probably really well good great fine sorry today tomorrow yesterday"
    ).split()
)
_GREETING = re.compile(
    r"^(?:gm|gn|gm\s+\w+|good\s+(?:morning|night|evening)|hi|hey|hello|hi\s+all|hey\s+all|"
    r"hello\s+all|morning|thanks(?:\s+all)?|thank\s+you|ty|thx|tysm|cheers|lol|lmao|haha|nice|"
    r"wow|welcome|brb|back|o/|see\s+you(?:\s+there)?|bye|gg|wagmi|lfg|ser|fren|frens|puffins|"
    # the same in the other languages DAO chats see most
    r"bom\s+dia|boa\s+tarde|boa\s+noite|ol[áa]|oi|buen[oa]s(?:\s+(?:d[íi]as|tardes|noches))?|hola|"
    r"gracias|obrigad[oa]|ciao|hallo|servus|moin|danke|salut|bonjour|bonsoir|merci|"
    r"k{3,}|(?:ja){2,}|(?:ha){2,}|(?:he){2,}|xd+)"
    r"(?:[\s,!.]+(?:all|everyone|guys|frens|fren|ser|team|folks|puffins|pessoal|gente|todos|"
    r"a\s+todos|chicos|zusammen|tout\s+le\s+monde))*[\s!.?]*$",
    re.IGNORECASE,
)
_VOTE_TOKEN = re.compile(r"(?:^|\s)(?:[+-]\d+|(?:👍|👎|✅|❌)+)(?=$|[\s.,!;:)])")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
_BOT = re.compile(r"(?:^|[_.-])bot$|bot$", re.IGNORECASE)
_BOT_NOTICE = re.compile(
    r"^\W*(?:welcome\s+@\w+|new\s+forum\s+post|removed\s+a\s+message|reminder)", re.IGNORECASE
)
# Openers of something new.
_NEW_TOPIC = re.compile(
    r"^\W*(?:item\s+\d+|unrelated|off[- ]topic|different\s+topic|new\s+topic|on\s+another\s+note|"
    r"while\s+(?:we'?re|we\s+are)\s+(?:here|at\s+it)|while\s+i\s+have\s+(?:everyone|you\s+all)|"
    r"quick\s+(?:one|question)|follow[- ]up\s+on|ok(?:ay)?,?\s+now\s+(?:the|a|an|for)|"
    r"separate\s+(?:question|topic|thing)|one\s+more\s+thing|second,?\s+smaller\s+one|"
    r"another\s+(?:question|topic|thing))\b",
    re.IGNORECASE,
)
# Someone raising a motion ("Proposal:", "I'd like to propose", "we should…").
PROPOSING = re.compile(
    r"^\W*(?:proposal|rfc|idea|suggestion|pitch|motion)\s*:|"
    r"^\W*(?:what\s+if\s+we|how\s+about\s+we)\b|\bi\s+move\s+(?:that\s+)?(?:we|to)\b|"
    r"^\W*(?:yo\s+|eu\s+)?(?:propongo|proponho|sugiero|sugiro)\b|\bi\s+(?:suggest|recommend)\s+(?:that\s+)?we\b|"
    r"^\W*let'?s\s+(?!be\b|see\b|wait\b|go\b|hope\b|not\b|just\s+say\b|check\b)\w+|\b(?:i'?d\s+like\s+to|i\s+want\s+to|i\s+would\s+like\s+to|let\s+me)\s+"
    r"propose\b|\b(?:i|we|i'?d|we'?d)\s+(?:would\s+)?propose\b|\bproposes?\s+to\b|\bproposal\s+to\b|\bsuggestion\s+is\s+to\b"
    # "we should compare like with like" is how to read the data, no motion
    r"|\b(?:i\s+think\s+)?we\s+should\s+(?!at\s+least|be\b|have\s+been|compare\b|measure\b|"
    r"verify\b|double-check\b|look\s+(?:at|into)\b|read\b)|\bi'?d\s+rather\s+(?:you|we)\b"
    r"|^\W*(?:should\s+we|can\s+we|could\s+we|shall\s+we)\b",
    re.IGNORECASE,
)
_FRESH_QUESTION = re.compile(
    r"^\W*(?:anyone|does\s+anyone|is\s+there|has\s+anyone|who\s+else|any\s+news)\b", re.IGNORECASE
)
# Someone deciding, asking someone to do something, or taking a task on.
_COMMITS = re.compile(
    r"\b(?:on\s+it|i'?ll|i\s+will|can\s+you|could\s+you|decision|decided|agreed|agree\s+with|"
    r"fair\s+point|good\s+point|let\s+me|i\s+can\s+(?:take|own|handle|do)|will\s+(?:ship|send|post|write|draft|deliver|publish|fix|deploy|"
    r"release|update|review|own|run|lead))\b",
    re.IGNORECASE,
)
_AT_NAME = re.compile(r"(?<![\w@])@([\w.-]*\w)")


def is_chatter(post: PostInput) -> bool:
    """A message that belongs to no topic: a greeting, emoji, a bot's notice, a bare link."""
    own = prose(post.text).own.strip()
    if not own:
        return True
    if _BOT.search(post.author) or _BOT_NOTICE.search(own):
        return True
    if not _LETTER.search(own):
        return not _VOTE_TOKEN.search(own)  # "+1" and 👍 say something; 🚀🚀 does not
    words = own.replace("[link]", " ")
    if _GREETING.match(_strip_emoji(words)):
        return True
    return is_mostly_link(own) and not _VOTE_TOKEN.search(own)


def _strip_emoji(text: str) -> str:
    return re.sub(r"[^\w\s'.,!?+-]", " ", text).strip()


def mentioned(post: PostInput) -> set[str]:
    """The people a message addresses: its mentions, and "@name" in its text."""
    names = {m.lower().lstrip("@") for m in post.mentions}
    names.update(m.lower() for m in _AT_NAME.findall(post.text))
    return names


def terms(text: str) -> set[str]:
    """The distinctive words of a message: no stop words, no short words, no links."""
    own = prose(text).own.lower().replace("[link]", " ")
    own = _AT_NAME.sub(" ", own)
    found = set()
    for word in _WORD.findall(own):
        word = word.strip(".'-/")
        if len(word) >= 3 and word not in _STOP and not word.isdigit():
            found.add(word[:-1] if word.endswith("s") and len(word) > 4 else word)
    return found


def split_topics(posts: Sequence[PostInput]) -> list[list[PostInput]]:
    """The window's conversations, each in the order its messages were written, ordered by
    their first message. Side chatter is in none of them. A conversation never spans two
    channels: a thread, a forum post or a topic (`PostInput.channel`) is split on its own."""
    channels: dict[str, list[PostInput]] = {}
    for post in posts:
        channels.setdefault(post.channel, []).append(post)
    if len(channels) == 1:
        return _split(posts)
    topics = [topic for part in channels.values() for topic in _split(part)]
    return sorted(topics, key=lambda topic: message_time(topic[0]))


def _split(posts: Sequence[PostInput]) -> list[list[PostInput]]:
    ordered = sorted(enumerate(posts), key=lambda pair: (message_time(pair[1]), pair[0]))
    messages = [post for _, post in ordered]
    document_frequency = Counter(w for post in messages for w in terms(post.text))
    common = max(4, len(messages) // 4)

    def distinctive(post: PostInput) -> set[str]:
        return {w for w in terms(post.text) if document_frequency[w] <= common}

    topic_of: dict[str, int] = {}
    topics: list[list[PostInput]] = []
    vocabulary: list[set[str]] = []
    last_at: list[datetime] = []
    last_by: dict[str, tuple[PostInput, int]] = {}  # an author's latest placed message

    def place(post: PostInput, topic: int | None) -> None:
        if topic is None:
            topics.append([])
            vocabulary.append(set())
            last_at.append(message_time(post))
            topic = len(topics) - 1
        topics[topic].append(post)
        vocabulary[topic] |= distinctive(post)
        last_at[topic] = max(last_at[topic], message_time(post))
        topic_of[post.id] = topic
        last_by[post.author.lower()] = (post, topic)

    for post in messages:
        if is_chatter(post):
            continue
        words = distinctive(post)
        place(post, _topic_for(post, words, topic_of, topics, vocabulary, last_at, last_by))
    return [topic for topic in topics if _has_substance(topic)]


def _topic_for(
    post: PostInput,
    words: set[str],
    topic_of: dict[str, int],
    topics: list[list[PostInput]],
    vocabulary: list[set[str]],
    last_at: list[datetime],
    last_by: dict[str, tuple[PostInput, int]],
) -> int | None:
    if post.reply_to is not None and post.reply_to in topic_of:
        return topic_of[post.reply_to]
    own = prose(post.text).own.strip()
    if _NEW_TOPIC.search(own):
        return None
    at = message_time(post)
    for name in mentioned(post):
        latest = last_by.get(name)
        if latest is not None and at - message_time(latest[0]) <= ADDRESSED:
            return latest[1]
    proposing = bool(PROPOSING.search(own)) and not own.endswith("?")
    recent = max(range(len(topics)), key=lambda i: last_at[i]) if topics else None
    shared = [len(words & vocabulary_of) for vocabulary_of in vocabulary]
    previous = last_by.get(post.author.lower())
    if (
        previous is not None
        and recent is not None
        and topics[recent][-1] is previous[0]
        and at - message_time(previous[0]) <= SAME_AUTHOR
    ):
        return recent  # the same person going on, nobody in between: one message in parts
    if proposing and (
        recent is None
        or at - last_at[recent] > PROPOSAL_PAUSE
        or shared[recent] < (1 if at - last_at[recent] <= CONTINUES else 2)
    ):
        return None  # a proposal opens a conversation, unless it answers the one going on
    best: tuple[int, datetime, int] | None = None
    for index, count in enumerate(shared):
        gap = at - last_at[index]
        close = (count >= 1 and gap <= SHARED_SOON) or (count >= 2 and gap <= SHARED_LATER)
        if close and (best is None or (count, last_at[index]) > best[:2]):
            best = (count, last_at[index], index)
    if (
        recent is not None
        and at - last_at[recent] <= CONTINUES
        and not _FRESH_QUESTION.search(own)
        and (best is None or best[0] <= shared[recent])
        and (
            shared[recent] >= 1
            or len(words) <= SHORT
            or takes_a_side(own)
            or any(p.author == post.author for p in topics[recent])
        )
    ):
        # the conversation going on, unless the message is about an earlier one, or says
        # something of its own that shares nothing with it (two conversations interleaved);
        # a side taken ("sou a favor, …") goes on it in any language, and so does someone
        # who has spoken in it
        return recent
    if (
        previous is not None
        and at - message_time(previous[0]) <= SAME_AUTHOR
        and (best is None or best[0] < shared[previous[1]] + 2)
    ):
        return previous[1]  # the same person going on, unless plainly about another topic
    return best[2] if best is not None else None


def _has_substance(topic: list[PostInput]) -> bool:
    """A topic worth a summary: it asks, proposes or decides something, says something at some
    length (six distinctive words), or is a conversation of three messages or more."""
    if len(topic) >= 3 or any(len(terms(post.text)) >= 6 for post in topic):
        return True
    return any(
        "?" in post.text
        or _NEW_TOPIC.search(prose(post.text).own)
        or PROPOSING.search(prose(post.text).own)
        or _COMMITS.search(post.text)
        or _settles_or_takes_on(prose(post.text).own)
        for post in topic
    )


def _settles_or_takes_on(text: str) -> bool:
    """A short message that settles something ("Friday 16:30 then") or hands out or takes on a
    task ("@kim pls ping the auditors", "je m'en occupe"): worth a topic on its own."""
    return settles(text) or fixes_a_date(text) or sounds_like_a_task(text)


def message_time(post: PostInput) -> datetime:
    """When a message was written, comparable with any other: naive times are taken as UTC,
    and a message without one is as old as can be (it joins topics only by reply)."""
    if post.created_at is None:
        return datetime.min.replace(tzinfo=UTC)
    at = post.created_at
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
