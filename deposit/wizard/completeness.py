"""Completeness: each step's state (complete, has problems, not started) with its problems' count,
and the deposit's score, the share of the required and recommended fields (the steps' `checks`)
that are filled."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from . import lenient
from .registry import STEP_LIST

STATUS_LABELS = {
    "complete": gettext_lazy("complete"),
    "problems": gettext_lazy("has problems"),
    "empty": gettext_lazy("not started"),
}


def completeness(deposit, problems: list[dict], files=None) -> dict:
    """Each step's state (complete, has problems, not started) with its problems' count, and the
    deposit's score: the share of required and recommended fields filled."""
    md = lenient.mapping(deposit.metadata)
    files = list(deposit.files.all()) if files is None else list(files)
    steps = []
    for step in STEP_LIST:
        count = sum(1 for p in problems if p["step"] == step.slug)
        content = step.has_content(md, deposit, files)
        status = "problems" if count and content else "complete" if content else "empty"
        steps.append(
            {
                "slug": step.slug,
                "number": step.number,
                "label": step.label,
                "status": status,
                "status_label": STATUS_LABELS[status],
                "problems": count,
            }
        )
    checks = [
        {
            "key": c.key,
            "step": step.slug,
            "label": c.label,
            "required": c.required,
            "filled": c.filled(md, deposit, files),
        }
        for step in STEP_LIST
        for c in step.checks
    ]
    filled = sum(1 for c in checks if c["filled"])
    required = [c for c in checks if c["required"]]
    return {
        "steps": steps,
        "checks": checks,
        "score": round(100 * filled / len(checks)),
        "required_filled": sum(1 for c in required if c["filled"]),
        "required_total": len(required),
        "missing_recommended": [c for c in checks if not c["required"] and not c["filled"]],
    }
