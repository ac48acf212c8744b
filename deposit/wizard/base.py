"""What a wizard step is: one page of the deposit, which reads its fields from the metadata document,
merges what was typed back into it, knows which of the document's paths are typed on its page, and
says what counts towards the deposit's completeness. Each step is a subclass in its own module
(`describe.py`, `people.py`…), listed once in `registry.py`."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from . import lenient
from .values import flat, flatten


@dataclass(frozen=True)
class Check:
    """A field that counts towards the deposit's completeness score (required, or recommended)."""

    key: str
    label: str
    required: bool
    filled: Callable[[dict, object, list], bool]  # (metadata, deposit or None, files) -> filled?


@dataclass(frozen=True)
class FieldPath:
    """Where a problem is in the document: `creators.1.orcid` → top "creators", rest ("1", "orcid"),
    index 1 (the line of a list, when the part after the top is a number)."""

    top: str
    rest: tuple[str, ...]
    index: int | None

    @classmethod
    def parse(cls, field) -> FieldPath | None:
        """The path of a problem's `field` (dotted), or None when it names no field."""
        parts = [p for p in str(field or "").split(".") if p != ""]
        if not parts:
            return None
        rest = tuple(parts[1:])
        return cls(parts[0], rest, int(rest[0]) if rest and rest[0].isdigit() else None)


class Step:
    """One step of the wizard. A subclass sets the class attributes and overrides `read`,
    `merge_values` and `anchor` (and `has_content` when "something typed" means more than a field
    differing from its default); the registry gives it its number."""

    slug: ClassVar[str]
    label: ClassVar[str]  # short, for the step navigation
    title: ClassVar[str]  # the page's heading
    summary: ClassVar[str]  # one sentence under the heading
    # Saved through the wizard's form (autosave and the plain POST); the files step has its uploads.
    form: ClassVar[bool] = True
    # What the page shows before anything is typed: not the depositor's content.
    defaults: ClassVar[dict[str, str]] = {}
    checks: ClassVar[tuple[Check, ...]] = ()

    def __init__(self, number: int):
        self.number = number

    def __repr__(self) -> str:
        return f"<Step {self.number} {self.slug}>"

    @property
    def template(self) -> str:
        return f"deposit/wizard/{self.slug}.html"

    def read(self, metadata: dict | None, deposit=None) -> dict:
        """What the step's page shows of the (possibly half-typed) document."""
        return {}

    def merge(self, metadata: dict | None, data) -> tuple[dict, object]:
        """The document with the step's typed fields (a POST or a dict) merged in, everything else
        kept, and the community slug to set (`...` when the step has none)."""
        md = copy.deepcopy(lenient.mapping(metadata))
        community = self.merge_values(md, flat(data))
        return md, community

    def merge_values(self, md: dict, values: dict[str, str]) -> object:
        """Merge the typed values into `md` (a copy, changed in place); return the community slug to
        set, or `...`."""
        return ...

    def anchor(self, path: FieldPath, metadata: dict, files) -> str | None:
        """The id of the field on this step's page where the document's `path` is typed, or None
        when the path is not typed on this step."""
        return None

    def values_flat(self, metadata: dict | None, deposit=None) -> dict[str, str]:
        """The step's values as {field name: text}, the names the page's inputs carry."""
        values = flatten(self.read(metadata, deposit))
        # Free keywords are one field; the where/when kind of a line is not something one types.
        return {k: v for k, v in values.items() if not k.endswith("-kind")}

    def has_content(self, metadata: dict, deposit, files) -> bool:
        """Whether the depositor typed anything on this step (else it is "not started")."""
        values = self.values_flat(metadata, deposit)
        # A person's kind and a contributor's role are selects that always hold a value.
        return any(
            v and self.defaults.get(k) != v
            for k, v in values.items()
            if not k.endswith(("name_type", "contributor_type"))
        )
