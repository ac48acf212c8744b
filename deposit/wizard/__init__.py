"""The five-step deposit wizard: the steps, how each step's fields are read from and merged into the
metadata document (leniently: whatever is typed is kept, valid or not), where each validation
problem is shown (the anchor id of its field), and completeness per step and for the deposit.

Field names follow the document's paths with dashes (`creators-1-orcid` is
`metadata["creators"][1]["orcid"]`); a field's id is `f-<name>`, which is also the anchor the review
links to. The few fields that do not follow a path one to one (the main title, the abstract, the
keyword groups, which share `subjects`) are mapped explicitly by their step.

The package:
- `base.py`: what a step is (`Step`: `read`, `merge`, `anchor`, `has_content`, `checks`);
- one module a step: `describe.py`, `people.py`, `where_when.py`, `files.py`, `links_licence.py`;
- `registry.py`: the steps in order, and `read_step`, `merge_step`, `problem_anchor` by slug;
- `lenient.py`: reading a half-typed document (`text`, `mapping`, `sequence`, `items`), for the
  steps and the automatic checks;
- `values.py` (form values), `keywords.py` (the keyword groups in `subjects`), `choices.py`,
  `labels.py`, `problems.py`, `completeness.py`, `start.py` (a new deposit's document),
  `inspire.py` (the INSPIRE theme and the conditions for access and use, with their defaults).

This module is the wizard's public face: callers use `from deposit import wizard` and the names
below.
"""

from __future__ import annotations

from .base import Check, FieldPath, Step
from .choices import (
    ACCESS_LEVELS,
    CONTRIBUTOR_LABELS,
    CONTRIBUTOR_TYPES,
    DEFAULT_LICENCE,
    FUNDER_ID_TYPES,
    IDENTIFIER_TYPES,
    LANGUAGES,
    LICENCE_EXPLANATIONS,
    LINK_PRESETS,
    NAME_TYPES,
    RELATED_RESOURCE_TYPES,
    RELATION_LABELS,
    RELATION_TYPES,
    RESOURCE_TYPES,
    TITLE_TYPES,
    VERTICAL_REFERENCES,
    licence_choices,
)
from .completeness import STATUS_LABELS, completeness
from .files import CLOSED_FORMATS, OPEN_ALTERNATIVES, OPEN_FORMATS, NamedFiles, file_format
from .inspire import community_theme, community_themes, theme_choices as inspire_theme_choices
from .keywords import (
    GROUP_BY_NAME,
    GROUP_BY_TYPE,
    KEYWORD_GROUPS,
    SUBJECT_KEYS,
    WHERE_TYPES,
    KeywordGroup,
)
from .labels import GROUP_LABELS, LEAF_LABELS, field_label
from .links_licence import embargo_limit
from .problems import described_problems, humanize, listed_problems
from .registry import (
    FORM_STEPS,
    STEP_BY_SLUG,
    STEP_LIST,
    merge_step,
    problem_anchor,
    read_step,
    step_values_flat,
)
from .start import initial_metadata
from .values import flat, flatten, format_polygon, number, parse_polygon, rows
from .where_when import variables_table

__all__ = [
    "ACCESS_LEVELS",
    "CLOSED_FORMATS",
    "CONTRIBUTOR_LABELS",
    "CONTRIBUTOR_TYPES",
    "DEFAULT_LICENCE",
    "FORM_STEPS",
    "FUNDER_ID_TYPES",
    "GROUP_BY_NAME",
    "GROUP_BY_TYPE",
    "GROUP_LABELS",
    "IDENTIFIER_TYPES",
    "KEYWORD_GROUPS",
    "LANGUAGES",
    "LEAF_LABELS",
    "LICENCE_EXPLANATIONS",
    "LINK_PRESETS",
    "NAME_TYPES",
    "OPEN_ALTERNATIVES",
    "OPEN_FORMATS",
    "RELATED_RESOURCE_TYPES",
    "RELATION_LABELS",
    "RELATION_TYPES",
    "RESOURCE_TYPES",
    "STATUS_LABELS",
    "STEP_BY_SLUG",
    "STEP_LIST",
    "SUBJECT_KEYS",
    "TITLE_TYPES",
    "VERTICAL_REFERENCES",
    "WHERE_TYPES",
    "Check",
    "FieldPath",
    "KeywordGroup",
    "NamedFiles",
    "Step",
    "community_theme",
    "community_themes",
    "completeness",
    "described_problems",
    "embargo_limit",
    "field_label",
    "file_format",
    "flat",
    "flatten",
    "format_polygon",
    "humanize",
    "initial_metadata",
    "inspire_theme_choices",
    "licence_choices",
    "listed_problems",
    "merge_step",
    "number",
    "parse_polygon",
    "problem_anchor",
    "read_step",
    "rows",
    "step_values_flat",
    "variables_table",
]
