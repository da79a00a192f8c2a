"""What publishing reads of a stored draft: the checks' view of it and the text it goes out as."""

from __future__ import annotations

from cogs.proposals.draft_doc import (
    DraftDoc,
    budget_lines,
    discussion_link,
    render_markdown,
    stated_total,
    voting_options,
)
from cogs.proposals.draft_template import Template
from cogs.proposals.publish_checks import Ask, CheckedDraft
from cogs.proposals.publish_snapshot import ProposalContent


def published_body(doc: DraftDoc) -> str:
    """The Markdown a forum topic or a Snapshot proposal carries: the title is its own field."""
    return render_markdown(doc, with_title=False)


def checked_draft(doc: DraftDoc, template: Template) -> CheckedDraft:
    headings = {s.key: s.heading for s in template.sections}
    headings.update({s.key: s.heading for s in doc.sections})
    required = [headings.get(key, key) for key in template.required if key != "title"]
    total = stated_total(doc)
    return CheckedDraft(
        title=doc.title,
        sections={s.heading: s.text for s in doc.sections},
        required_sections=required,
        asks=[
            Ask(line.amount, line.token, line.recipient or None, line.raw)
            for line in budget_lines(doc)
        ],
        stated_total={total[1]: total[0]} if total else {},
        voting_options=voting_options(doc),
        abstain_required=template.abstain,
        discussion_link=discussion_link(doc),
        body=published_body(doc),
    )


def snapshot_content(doc: DraftDoc) -> ProposalContent:
    return ProposalContent(
        title=doc.title,
        body=published_body(doc),
        choices=tuple(voting_options(doc)),
        discussion=discussion_link(doc) or "",
    )
