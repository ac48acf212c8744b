"""`{% deposit_checks deposit files %}`: the automatic checks (moderation.checks) where the depositor
works, the wizard's review and the deposit's page, with links into the wizard. A template tag, so
that the deposit app's views need not import moderation (apps depend one way: moderation → deposit).
Runs no query when given the files the page already loaded."""

from __future__ import annotations

from django import template

from moderation.checks import run_checks

register = template.Library()


@register.inclusion_tag("moderation/_checks.html")
def deposit_checks(deposit, files=None, link="wizard", heading="h2", inline=False):
    """`files`: DepositFile objects, or the wizard's file rows (`{"file": ...}`); None reads
    `deposit.files` (one query unless prefetched). `link`: "wizard" (the field in the wizard),
    "review" (the review page's element) or "none"."""
    items = list(deposit.files.all()) if files is None else [f["file"] if isinstance(f, dict) else f for f in files]
    return {
        "deposit": deposit,
        "checks": run_checks(deposit, items),
        "checks_link": link,
        "checks_heading": heading,
        "checks_inline": inline,
    }
