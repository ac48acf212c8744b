"""Template helpers of the deposit wizard: one field (label, input, help, problems, all tied by ids
the review links to), the problem slot of a group or line, dictionary lookup."""

# wfield's arguments type, help, min and max shadow builtins: they are the keyword names the
# templates pass ({% wfield "use_conditions" l values.use_conditions type="textarea" help=h %}).
# ruff: noqa: A002
from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("deposit/wizard/_field.html", takes_context=True)
def wfield(
    context,
    name,
    label,
    value="",
    prefix="",
    type="text",
    help="",
    choices=None,
    required=False,
    placeholder="",
    rows=None,
    css="",
    inputmode="",
    autocomplete="",
    min="",
    max="",
    step="",
    check="",
    spellcheck="",
):
    """`name` is relative to the line (`orcid`); `prefix` is the line's (`creators-0-`). The field's
    id is `f-<prefix><name>`, its help `…-help` and its problems `…-problems`. `check` names the
    client-side check wizard.js runs on it (lat, lon, orcid, ror, date…)."""
    full = f"{prefix}{name}"
    fid = f"f-{full}"
    problems = context.get("problems_by_anchor", {}).get(fid, []) if "__i__" not in prefix else []
    return {
        "rel": name,
        "name": full,
        "fid": fid,
        "label": label,
        "value": "" if value is None else value,
        "type": type,
        "help": help,
        "choices": choices or [],
        "required": required,
        "placeholder": placeholder,
        "rows": rows,
        "css": css,
        "inputmode": inputmode,
        "autocomplete": autocomplete,
        "min": min,
        "max": max,
        "step": step,
        "check": check,
        "spellcheck": spellcheck,
        "problems": problems,
    }


@register.inclusion_tag("deposit/wizard/_problems.html", takes_context=True)
def problems_at(context, rel, prefix=""):
    """The problems of a group or a fieldset (`f-<prefix><rel>-problems`), or of the line itself
    when `rel` is empty (`f-creators-0-problems`)."""
    fid = f"f-{prefix}{rel}" if rel else f"f-{prefix[:-1]}"
    problems = context.get("problems_by_anchor", {}).get(fid, []) if "__i__" not in prefix else []
    return {"fid": fid, "data_id": f"{rel}-problems" if rel else "problems", "problems": problems}


@register.filter
def get(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def concat(*parts) -> str:
    return "".join(str(p) for p in parts)
