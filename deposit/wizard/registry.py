"""The wizard's steps, in order, and the three things the rest of the code asks of a step by its
slug: what its page shows (`read_step`), the document with what was typed on it (`merge_step`) and
the field a problem belongs to (`problem_anchor`).

Adding a step: a module with its `Step` subclass, one entry in `STEP_CLASSES`, one template
(`templates/deposit/wizard/<slug>.html`), and its slug in `repository.metadata.STEPS`."""

from __future__ import annotations

from repository.metadata import STEPS

from . import lenient
from .base import FieldPath, Step
from .describe import Describe
from .files import Files
from .links_licence import LinksLicence
from .people import People
from .where_when import WhereWhen

STEP_CLASSES: tuple[type[Step], ...] = (Describe, People, WhereWhen, Files, LinksLicence)
STEP_LIST: tuple[Step, ...] = tuple(cls(number) for number, cls in enumerate(STEP_CLASSES, start=1))
STEP_BY_SLUG: dict[str, Step] = {s.slug: s for s in STEP_LIST}
assert tuple(STEP_BY_SLUG) == STEPS

# Steps whose fields are saved through the wizard's form (the files step has its own uploads).
FORM_STEPS: tuple[str, ...] = tuple(s.slug for s in STEP_LIST if s.form)


class _NoStep(Step):
    """What an unknown slug reads and merges as: nothing on the page, nothing merged."""

    slug = label = title = summary = ""
    form = False


_NO_STEP = _NoStep(0)


def read_step(step: str, metadata: dict | None, deposit=None) -> dict:
    """What a step's page shows of the (possibly half-typed) document."""
    return STEP_BY_SLUG.get(step, _NO_STEP).read(metadata, deposit)


def merge_step(step: str, metadata: dict | None, data) -> tuple[dict, object]:
    """The document with the step's typed fields merged in (everything else kept), and the
    community slug to set (`...` when the step has none)."""
    return STEP_BY_SLUG.get(step, _NO_STEP).merge(metadata, data)


def step_values_flat(step: str, metadata: dict, deposit=None) -> dict[str, str]:
    """A step's values as {field name: text}, the names the page's inputs carry."""
    return STEP_BY_SLUG.get(step, _NO_STEP).values_flat(metadata, deposit)


def problem_anchor(problem: dict, metadata: dict | None, files=()) -> tuple[str, str]:
    """The step and the id of the field a problem belongs to: the first step that types the
    problem's path; the problem's own step (or the first) and the form when none does."""
    step = problem.get("step") or "describe"
    path = FieldPath.parse(problem.get("field"))
    if path is None:
        return step, "wizard-form"
    md = lenient.mapping(metadata)
    for candidate in STEP_LIST:
        anchor = candidate.anchor(path, md, files)
        if anchor is not None:
            return candidate.slug, anchor
    return step, "wizard-form"
