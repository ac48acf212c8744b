"""Validation problems at their fields: which step and which input each problem belongs to (the
anchor the review links to), where it is in words, and what it is in words the depositor
understands."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _, gettext_noop as N_

from .files import NamedFiles
from .labels import field_label
from .registry import STEP_BY_SLUG, STEP_LIST, problem_anchor

_PYDANTIC_MESSAGES: tuple[tuple[re.Pattern, str], ...] = (
    (re.compile(r"^Input should be less than or equal to (?P<n>-?[\d.]+)"), N_("Must be at most %(n)s.")),
    (re.compile(r"^Input should be greater than or equal to (?P<n>-?[\d.]+)"), N_("Must be at least %(n)s.")),
    (re.compile(r"^Input should be a valid number"), N_("Enter a number (decimal degrees or metres, with a point).")),
    (re.compile(r"^Input should be a valid date"), N_("Enter a date as YYYY-MM-DD.")),
    (re.compile(r"^Input should be a valid (dictionary|list|string)"), N_("This value is not in the expected form.")),
    (re.compile(r"^Input should be a valid boolean"), N_("Answer yes or no.")),
    (re.compile(r"^Input should be "), N_("Choose one of the values offered.")),
    (re.compile(r"^Field required$"), N_("This is required.")),
    (re.compile(r"^String should have at least 1 character"), N_("This is required.")),
    (re.compile(r"^String should have at most (?P<n>\d+) characters?"), N_("Keep it under %(n)s characters.")),
    (re.compile(r"^List should have at least 1 item"), N_("At least one is required.")),
    (re.compile(r"^List should have at most (?P<n>\d+) items?"), N_("At most %(n)s are allowed here.")),
    (re.compile(r"^Extra inputs are not permitted"), N_("This field is not part of the description.")),
)


def humanize(message: str) -> str:
    """A validation message in words the depositor understands, in their language."""
    message = str(message or "")
    for pattern, replacement in _PYDANTIC_MESSAGES:
        match = pattern.match(message)
        if match:
            return _(replacement) % match.groupdict() if match.groupdict() else _(replacement)
    return _(message) if message else ""


def described_problems(problems: list[dict], metadata: dict | None, files=()) -> list[dict]:
    """Each problem with its step, its field's anchor, where it is in words and what it is."""
    described = []
    files = files if isinstance(files, NamedFiles) else NamedFiles(files)
    for problem in problems:
        step, anchor = problem_anchor(problem, metadata, files)
        step_obj = STEP_BY_SLUG.get(step, STEP_LIST[0])
        label = field_label(anchor[2:]) if anchor.startswith("f-") else ""
        described.append(
            {
                "step": step,
                "step_label": str(step_obj.label),
                "step_number": step_obj.number,
                "field": problem.get("field") or "",
                "anchor": anchor,
                "where": label,
                "message": humanize(problem.get("message") or ""),
            }
        )
    described.sort(key=lambda p: p["step_number"])
    return described


# The files' own problems (a file not ready yet, one a file) a page lists before it only counts them.
FILE_PROBLEMS_LISTED = 10


def listed_problems(problems: list[dict]) -> tuple[list[dict], int]:
    """The problems a page lists, and how many it leaves out: every problem of a field, the first
    FILE_PROBLEMS_LISTED of the files' own only, so that a folder of 10,000 files on its way is a
    few lines and a count, not 10,000 lines (the Files step's table says which)."""
    listed, left_out, of_files = [], 0, 0
    for problem in problems:
        if problem["anchor"].startswith("f-files-"):
            of_files += 1
            if of_files > FILE_PROBLEMS_LISTED:
                left_out += 1
                continue
        listed.append(problem)
    return listed, left_out
