"""Template helpers of the moderation pages and of the conversation shown in the wizard:
`markdown` (safe rendering of a comment), the rights of the viewer in a thread, and the threads
of one field or file."""

from __future__ import annotations

from django import template
from django.urls import reverse
from django.utils.safestring import mark_safe

from deposit import wizard
from deposit.workflow import EDITABLE
from moderation import markdown as md

register = template.Library()


@register.filter(name="markdown")
def markdown_filter(text: str) -> str:
    """A comment's Markdown as sanitised HTML (moderation/markdown.py says what survives)."""
    return mark_safe(md.render(text))  # sanitised by nh3 in render


@register.simple_tag
def conversation_rights(thread, user) -> dict:
    """`{% conversation_rights thread request.user as rights %}`: rights.comment, rights.moderate,
    rights.edit; computed once per page and thread."""
    if thread is None or not hasattr(thread, "rights"):  # an empty Thread is falsy, yet open
        return {"comment": False, "moderate": False, "edit": False, "user_id": getattr(user, "pk", None)}
    return thread.rights(user)


@register.filter
def field_threads(thread, anchor: str) -> list:
    """`thread|field_threads:"creators-1"`: the threads on that field."""
    return thread.by_field.get(anchor, []) if thread else []


@register.filter
def file_threads(thread, file) -> list:
    """`thread|file_threads:file`: the threads on that file (a DepositFile or its id)."""
    if not thread:
        return []
    return thread.by_file.get(getattr(file, "pk", file), [])


@register.filter
def step_threads(thread, slug: str) -> list:
    """The open threads of one wizard step."""
    return thread.open_in_step(slug) if thread else []


@register.filter
def step_markers(thread, slug: str) -> list:
    return thread.markers_for_step(slug) if thread else []


@register.filter
def step_label(slug: str) -> str:
    step = wizard.STEP_BY_SLUG.get(slug)
    return str(step.label) if step else slug


@register.simple_tag(takes_context=True)
def thread_scope(
    context,
    thread,
    *,
    anchor="",
    file=None,
    roots=None,
    general=False,
    everything=False,
    scope_key="",
    links="auto",
    bare=False,
    id_prefix="",
):
    """What one inclusion of moderation/_thread.html shows (its docstring at the top of the template
    gives the contract): the threads, whether each is labelled with its field and linked to it,
    and the new-comment form, if any. Also the `scope` key the forms post, so that an htmx answer
    re-renders the same part of the page (moderation/views_comments.py)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    rights = conversation_rights(thread, user)
    if anchor:
        key, chosen, labelled = f"field:{anchor}", field_threads(thread, anchor), False
        form = {"anchor": anchor, "file": None}
    elif file:
        key, chosen, labelled = f"file:{getattr(file, 'pk', file)}", file_threads(thread, file), False
        form = {"anchor": "", "file": file}
    elif roots is not None and scope_key:
        key, chosen, labelled, form = scope_key, list(roots), True, None
    elif everything or not general:
        # "everything": inside the includer's own card; "all" (no scope given): in a card of its own.
        key, labelled = ("everything" if everything else "all"), True
        chosen = (thread.field_roots + thread.file_roots + thread.general) if thread else []
        form = {"anchor": "", "file": None}
    else:
        key, chosen, labelled = "general", list(thread.general) if thread else [], False
        form = {"anchor": "", "file": None}
    deposit = getattr(thread, "deposit", None) or context.get("deposit")
    if links == "auto":
        if rights["moderate"]:
            links = "review"
        elif rights["edit"] and deposit is not None and deposit.status in EDITABLE:
            links = "wizard"
        else:
            links = ""
    dom_id = f"{id_prefix or ''}thread-scope-" + "".join(c if c.isalnum() else "-" for c in key)
    id_prefix = id_prefix or ""
    items = []
    for root in chosen:
        link = ""
        if labelled and deposit is not None and (root.anchor or root.file_id):
            if links == "review" and root.anchor:
                link = reverse("moderation:review", kwargs={"pk": deposit.pk}) + f"#field-{root.anchor}"
            elif links == "review":  # the file's folder and page of the review page (views_review.review_file)
                link = reverse("moderation:review-file", kwargs={"pk": deposit.pk, "file_pk": root.file_id})
            elif links == "wizard" and root.step:
                target = f"f-{root.anchor}" if root.anchor else "f-files"
                link = reverse("deposit:wizard", kwargs={"pk": deposit.pk, "step": root.step}) + "#" + target
        items.append({"root": root, "link": link, "labelled": labelled, "reply_id": f"{id_prefix}reply-{root.pk}"})
    return {
        "key": key,
        "items": items,
        "form": form if rights["comment"] else None,
        "links": links,
        "rights": rights,
        "dom_id": dom_id,
        "new_id": f"new-{dom_id}",
        "boxed": key == "all" and not bare,
        "whole": key in ("all", "everything", "general"),
    }


@register.filter
def other_open_steps(thread, slug: str) -> list:
    """(step, open threads) of the steps other than `slug` that have open threads."""
    return [(s, n) for s, n in thread.open_steps() if s != slug] if thread else []
