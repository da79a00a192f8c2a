"""New topics on the fake Discourse: `POST /posts.json` as PostsController#create answers it.

Body: JSON, form-encoded or multipart, with `raw` (required), `title` (required for a new
topic) and `category` (optional). Checks the site settings a steward's proposal can trip, with
Discourse's defaults: `min_topic_title_length` 15, `max_topic_title_length` 255,
`min_first_post_length` 20, `max_post_length` 32000, and no duplicate titles
(`allow_duplicate_topic_titles` false). A failure is HTTP 422 `{"action": "create_post",
"errors": [...]}` (render_json_error of the NewPostResult); a missing parameter is 400
`invalid_parameters`; no API key is 403 `not_logged_in`. Success is 200 with the new post, as
the post serializer renders it. The wordings are Discourse's as clients quote them ("Title has
already been used", "Title is too short (minimum is 15 characters)", "Body is limited to 50000
characters; you entered …" on a site with that setting).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.fakes.discourse_forum import Forum, User

JSON = dict[str, Any]


@dataclass(frozen=True, slots=True)
class TopicSettings:
    min_title: int = 15
    max_title: int = 255
    min_first_post: int = 20
    max_post: int = 32_000
    allow_duplicate_titles: bool = False


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: JSON


def create_topic(
    forum: Forum, viewer: User | None, params: JSON, settings: TopicSettings
) -> Answer:
    if viewer is None:
        message = "You need to be logged in to do that."
        return Answer(403, {"errors": [message], "error_type": "not_logged_in"})
    raw = params.get("raw")
    if not isinstance(raw, str) or not raw.strip():
        message = "You supplied invalid parameters to the request: raw"
        return Answer(400, {"errors": [message], "error_type": "invalid_parameters"})
    if "topic_id" in params:
        return Answer(422, _failed("Replies are not served by this fake."))
    title = str(params.get("title") or "").strip()
    problems = []
    if len(title) < settings.min_title:
        problems.append(f"Title is too short (minimum is {settings.min_title} characters)")
    elif len(title) > settings.max_title:
        problems.append(f"Title is too long (maximum is {settings.max_title} characters)")
    body = raw.strip()
    if len(body) < settings.min_first_post:
        problems.append(f"Body is too short (minimum is {settings.min_first_post} characters)")
    elif len(body) > settings.max_post:
        problems.append(
            f"Body is limited to {settings.max_post} characters; you entered {len(body)}."
        )
    if not settings.allow_duplicate_titles and any(
        t.title.casefold() == title.casefold() for t in forum.topics.values()
    ):
        problems.append("Title has already been used")
    category_id = _category(params.get("category"))
    if category_id is not None and category_id not in forum.categories:
        problems.append("Category can't be blank")
    if problems:
        return Answer(422, _failed(*problems))
    topic = forum.add_topic(title, category_id=category_id, raw=raw, author=viewer.username)
    post = topic.posts[0]
    return Answer(
        200,
        {
            "id": post.id,
            "name": viewer.name,
            "username": viewer.username,
            "avatar_template": viewer.avatar_template,
            "created_at": post.created_at.isoformat().replace("+00:00", "Z"),
            "cooked": post.cooked,
            "post_number": post.post_number,
            "post_type": 1,
            "updated_at": post.updated_at.isoformat().replace("+00:00", "Z"),
            "reply_count": 0,
            "reply_to_post_number": None,
            "quote_count": 0,
            "incoming_link_count": 0,
            "reads": 0,
            "score": 0,
            "yours": True,
            "topic_id": topic.id,
            "topic_slug": topic.slug,
            "display_username": viewer.name,
            "version": 1,
            "can_edit": True,
            "can_delete": False,
            "user_id": viewer.id,
            "draft_sequence": 0,
            "hidden": False,
            "trust_level": viewer.trust_level,
            "deleted_at": None,
            "user_deleted": False,
            "edit_reason": None,
            "wiki": False,
            "raw": raw,
            "actions_summary": [],
        },
    )


def _failed(*errors: str) -> JSON:
    return {"action": "create_post", "errors": list(errors)}


def _category(value: object) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value))
    except ValueError:
        return -1
