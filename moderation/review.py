"""The review page's reading of a deposit: its metadata laid out by the wizard's steps, and what
changed since the previous round, field by field (and file by file)."""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _, gettext_lazy

from deposit import wizard
from deposit.models import Deposit, ReviewRound
from deposit.wizard import lenient
from repository.metadata import LICENCES

# The steps whose fields are metadata (the files step is shown as the file list).
METADATA_STEPS = wizard.FORM_STEPS


@dataclass
class Row:
    name: str  # the wizard's field name, the anchor of comments: `geo_locations-0-box-west`
    label: str
    value: str  # in words, as the wizard's selects and radio buttons show it (display_value)
    href: str = ""  # a keyword's concept URI
    note: str = ""  # a keyword's thesaurus


# The codes of the wizard's selects and radio buttons, by the last segment of a field's name, shown
# with the wizard's own labels ("English", not "en"; "supplements…", not "IsSupplementTo").
VALUE_LABELS = {
    "language": dict(wizard.LANGUAGES),
    "lang": dict(wizard.LANGUAGES),
    "resource_type_general": dict(wizard.RESOURCE_TYPES),
    "title_type": dict(wizard.TITLE_TYPES),
    "name_type": dict(wizard.NAME_TYPES),
    "contributor_type": dict(wizard.CONTRIBUTOR_TYPES),
    "funder_identifier_type": dict(wizard.FUNDER_ID_TYPES),
    "reference": dict(wizard.VERTICAL_REFERENCES),
    "identifier_type": dict(wizard.IDENTIFIER_TYPES),
    "relation_type": dict(wizard.RELATION_TYPES),
    "level": dict(wizard.ACCESS_LEVELS),
    "address": {
        "own": gettext_lazy("The point of contact's own address (published)"),
        "community": gettext_lazy("The community's contact address"),
    },
}
# Fields the wizard has no input for on that kind of item: a creator's role (only contributors have one).
HIDDEN_FIELDS = {("creators", "contributor_type")}


def display_value(name: str, value: str) -> str:
    """A field's value as the wizard shows it: the label of a choice, the title of a licence; any
    other value (or a code the wizard does not offer) as it is."""
    leaf = name.rsplit("-", 1)[-1]
    if not value.strip():
        return value
    if leaf == "licence":
        rights = LICENCES.get(value.strip())
        return rights.title if rights else value
    labels = VALUE_LABELS.get(leaf)
    return str(labels.get(value.strip(), value)) if labels else value


def anchor_of(name: str) -> str:
    """The field a comment is attached to: a whole item of a list (`creators-1`, `geo_locations-0`,
    the bounding box and place of one location) or a single field (`title`, `point_of_contact`)."""
    parts = name.split("-")
    if len(parts) > 1 and parts[1].isdigit():
        return f"{parts[0]}-{parts[1]}"
    return parts[0]


def anchor_label(anchor: str) -> str:
    return wizard.field_label(anchor)


def step_of_anchor(anchor: str) -> str | None:
    """The wizard step that holds the field, for links and for showing comments in the wizard."""
    head = anchor.split("-")[0]
    if head == "files":
        return "files"
    for slug in METADATA_STEPS:
        if head in _STEP_HEADS[slug]:
            return slug
    return None


@dataclass
class Group:
    anchor: str
    label: str
    rows: list[Row] = field(default_factory=list)
    compact: bool = False  # one line, without a heading of its own (a keyword)


@dataclass
class Section:
    slug: str
    label: str
    groups: list[Group] = field(default_factory=list)


# Items of one list shown each in its own group, with its own comment form; the others (a
# consortium's 2,000 creators) share one compact group, a line each, commented on as a whole: 2,000
# forms made a page of megabytes that took seconds to render.
FULL_ITEMS = 100


def sections(metadata: dict, deposit: Deposit | None = None) -> list[Section]:
    """Every filled field, step by step, labelled as in the wizard, grouped by what a comment can
    be attached to."""
    out = []
    labels: dict[str, str] = {}  # a field's label within its group (`affiliations-0-name`), computed once
    for slug in METADATA_STEPS:
        step = wizard.STEP_BY_SLUG[slug]
        groups: dict[str, Group] = {}
        for name, value in wizard.step_values_flat(slug, metadata or {}, deposit).items():
            if not value.strip():
                continue
            anchor = anchor_of(name)
            tail = name[len(anchor) + 1 :]
            if (anchor.split("-")[0], tail) in HIDDEN_FIELDS:
                continue
            group = groups.get(anchor) or groups.setdefault(anchor, Group(anchor, anchor_label(anchor)))
            if tail not in labels:
                labels[tail] = wizard.field_label(tail) if tail else ""
            if (
                name == "community"
                and deposit is not None
                and deposit.community
                and value.strip() == deposit.community.slug
            ):
                value = str(deposit.community)  # its name, not its slug
            group.rows.append(Row(name, labels[tail] or group.label, display_value(name, value)))
        kept = [_keyword_line(g) if g.anchor.split("-")[0] in wizard.GROUP_BY_NAME else g for g in groups.values()]
        out.append(Section(slug, str(step.label), _compacted([g for g in kept if not _only_defaults(g)])))
    return out


def _keyword_line(group: Group) -> Group:
    """A keyword of a thesaurus group as one line: its term, linked to its concept, its thesaurus
    beside it (rather than a row each for the term, the URIs, the thesaurus and the kind)."""
    by_leaf = {row.name.rsplit("-", 1)[-1]: row for row in group.rows}
    term = by_leaf.get("subject")
    if term is None:
        return group
    scheme = by_leaf.get("scheme")
    uri = by_leaf.get("value_uri")
    label = str(wizard.GROUP_BY_NAME[group.anchor.split("-")[0]].label)
    href = uri.value.strip() if uri else ""
    if not href.startswith(("https://", "http://")):
        href = ""  # a link only to a web address: nothing a depositor typed runs as a script
    line = Row(term.name, label, term.value, href=href, note=scheme.value if scheme else "")
    return Group(group.anchor, group.label, [line], compact=True)


def _only_defaults(group: Group) -> bool:
    """A group holding nothing typed: the vertical reference alone, which the wizard's select
    always has (depth), with no minimum nor maximum."""
    return group.anchor == "vertical_extent" and all(row.name == "vertical_extent-reference" for row in group.rows)


def _compacted(groups: list[Group]) -> list[Group]:
    """The groups, the items of a list beyond `FULL_ITEMS` gathered in one group of one line each,
    anchored on the whole list (`creators`)."""
    out: list[Group] = []
    rest: dict[str, Group] = {}
    for group in groups:
        head, _sep, index = group.anchor.partition("-")
        if not (index.isdigit() and int(index) >= FULL_ITEMS):
            out.append(group)
            continue
        if head not in rest:
            rest[head] = Group(head, "")
            out.append(rest[head])
        line = "; ".join(f"{row.label}: {row.value}" if row.label != group.label else row.value for row in group.rows)
        rest[head].rows.append(Row(group.anchor, group.label, line))
    for group in rest.values():
        group.label = f"{group.rows[0].label} – {group.rows[-1].label}"  # "Creators 101 – Creators 2000"
    return out


# Which first segments of field names each step holds (from the step's empty form).
_STEP_HEADS = {
    slug: {name.split("-")[0] for name in wizard.step_values_flat(slug, {})}
    | {
        "describe": {"title", "abstract", "keywords", "free_keywords", "alt_titles", "lineage", "community"},
        "people": {"creators", "contributors", "point_of_contact", "funding_references"},
        "where_when": {"geo_locations", "temporal_extent", "vertical_extent", "variables"},
        "links_licence": {"related_identifiers", "licence", "access", "version"},
    }[slug]
    for slug in METADATA_STEPS
}


# Runs of spaces, and words with their closing punctuation apart ("2024." is "2024" and "."; "-5.5" one word).
_TOKENS = re.compile(r"\s+|\S+?(?=[.,;:!?»”)\]]*(?:\s|$))|[.,;:!?»”)\]]+")
# Beyond this many words and spaces on either side the texts are shown whole, one struck out and the
# other inserted: SequenceMatcher's time grows with the square of the length in the worst case.
WORD_DIFF_MAX_TOKENS = 6000


def _marked(tag: str, words: list[str], spoken: str) -> str:
    """`words` in a <del> or <ins>, which screen readers do not announce: a visually hidden word
    says what the mark means."""
    return f'<{tag}><span class="visually-hidden">{escape(spoken)} </span>{escape("".join(words))}</{tag}>'


def word_diff(before: str, after: str) -> tuple[SafeString, SafeString]:
    """The two texts as HTML, the words only in `before` struck out (<del>) and the words only in
    `after` inserted (<ins>), the rest as it was: a changed abstract shows the words that changed, not
    two whole paragraphs. Words are compared with the whitespace between them kept as tokens, so
    the text reads as typed; every piece of text is escaped."""
    old, new = _TOKENS.findall(before), _TOKENS.findall(after)
    deleted, inserted = _("deleted:"), _("inserted:")
    if len(old) > WORD_DIFF_MAX_TOKENS or len(new) > WORD_DIFF_MAX_TOKENS:
        return (
            mark_safe(_marked("del", old, deleted) if old else ""),  # escaped in _marked
            mark_safe(_marked("ins", new, inserted) if new else ""),
        )
    left: list[str] = []
    right: list[str] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            left.append(escape("".join(old[i1:i2])))
            right.append(escape("".join(new[j1:j2])))
            continue
        if i2 > i1:
            left.append(_marked("del", old[i1:i2], deleted))
        if j2 > j1:
            right.append(_marked("ins", new[j1:j2], inserted))
    return mark_safe("".join(left)), mark_safe("".join(right))  # every piece escaped above


@dataclass
class Change:
    name: str
    label: str
    before: str
    after: str

    @property
    def kind(self) -> str:
        if not self.before:
            return "added"
        if not self.after:
            return "removed"
        return "changed"

    @cached_property
    def marked(self) -> tuple[SafeString, SafeString]:
        """`before` and `after` as HTML, the words that changed marked (word_diff)."""
        return word_diff(self.before, self.after)

    @property
    def before_html(self) -> SafeString:
        return self.marked[0]

    @property
    def after_html(self) -> SafeString:
        return self.marked[1]


# The files a round's changes name, at most (the others are counted).
FILES_LISTED = 100


@dataclass
class RoundDiff:
    previous: int  # the round compared with
    current: int
    steps: list[Section]  # rows unused; `changes` per step below
    changes: dict[str, list[Change]]
    files_added: list[dict]
    files_removed: list[dict]
    files_changed: list[dict]

    @property
    def is_empty(self) -> bool:
        return not any(self.changes.values()) and not (self.files_added or self.files_removed or self.files_changed)

    @property
    def files_count(self) -> int:
        return len(self.files_added) + len(self.files_removed) + len(self.files_changed)

    @property
    def files_listed(self) -> list[tuple[str, str]]:
        """`(kind, name)` of the first `FILES_LISTED` files that changed, added first, then removed,
        then replaced: a round that adds 10,000 files says how many and names a hundred."""
        listed: list[tuple[str, str]] = []
        for kind, files in (
            ("added", self.files_added),
            ("removed", self.files_removed),
            ("changed", self.files_changed),
        ):
            listed += [(kind, f["name"]) for f in files[: FILES_LISTED - len(listed)]]
        return listed

    @property
    def files_more(self) -> int:
        return self.files_count - len(self.files_listed)


def diff_rounds(before: ReviewRound, after: ReviewRound, deposit: Deposit | None = None) -> RoundDiff:
    changes: dict[str, list[Change]] = {}
    steps = []
    for slug in METADATA_STEPS:
        old = wizard.step_values_flat(slug, before.metadata or {}, deposit)
        new = wizard.step_values_flat(slug, after.metadata or {}, deposit)
        names = list(dict.fromkeys([*old, *new]))
        step_changes = [
            Change(
                name,
                wizard.field_label(name),
                display_value(name, old.get(name, "").strip()),
                display_value(name, new.get(name, "").strip()),
            )
            for name in names
            if old.get(name, "").strip() != new.get(name, "").strip()
        ]
        steps.append(Section(slug, str(wizard.STEP_BY_SLUG[slug].label)))
        changes[slug] = step_changes
    old_files = {f["name"]: f for f in before.files}
    new_files = {f["name"]: f for f in after.files}
    return RoundDiff(
        previous=before.number,
        current=after.number,
        steps=steps,
        changes=changes,
        files_added=[new_files[n] for n in new_files if n not in old_files],
        files_removed=[old_files[n] for n in old_files if n not in new_files],
        files_changed=[
            new_files[n]
            for n in new_files
            if n in old_files
            and (old_files[n].get("sha256"), old_files[n].get("size"))
            != (new_files[n].get("sha256"), new_files[n].get("size"))
        ],
    )


def latest_diff(deposit: Deposit) -> RoundDiff | None:
    """What changed between the last two rounds; None before the first resubmission. Two queries."""
    rounds = list(ReviewRound.objects.filter(deposit=deposit).order_by("-number")[:2])
    if len(rounds) < 2:
        return None
    current, previous = rounds
    return diff_rounds(previous, current, deposit)


def _coordinate(value, limit: float) -> float | None:
    """A number within ±limit, or None (a draft holds whatever was typed)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) and -limit <= number <= limit else None


def extent_shapes(metadata: dict | None) -> list[dict]:
    """The extent for the review page's map, in the shapes the landing page draws
    (repository.landing.LandingPage.shapes: boxes, points, polygons as `[lat, lon]` rings, each with
    its place), read leniently from a draft: a location whose coordinates are incomplete is left out."""
    shapes = []
    for location in lenient.items(lenient.mapping(metadata).get("geo_locations")):
        label = lenient.text(location.get("place"))
        box = lenient.mapping(location.get("box"))
        west, east = _coordinate(box.get("west"), 180), _coordinate(box.get("east"), 180)
        south, north = _coordinate(box.get("south"), 90), _coordinate(box.get("north"), 90)
        if None not in (west, east, south, north):
            shapes.append({"kind": "box", "west": west, "east": east, "south": south, "north": north, "label": label})
        point = lenient.mapping(location.get("point"))
        lat, lon = _coordinate(point.get("latitude"), 90), _coordinate(point.get("longitude"), 180)
        if None not in (lat, lon):
            shapes.append({"kind": "point", "lat": lat, "lon": lon, "label": label})
        ring = [
            (_coordinate(p.get("latitude"), 90), _coordinate(p.get("longitude"), 180))
            for p in lenient.items(location.get("polygon"))
        ]
        if len(ring) >= 3 and all(None not in p for p in ring):
            shapes.append({"kind": "polygon", "points": [list(p) for p in ring], "label": label})
    return shapes
