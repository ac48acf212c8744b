"""Automatic checks of a deposit: small pluggable functions that each judge one quality of the
metadata or the files (pass, warning or failure, with a one-line explanation and the field it is
about). The moderator sees them on the review page; the depositor sees the same list in the
wizard's review and on the deposit's page before submitting.

Adding a check is one function and its registration:

    @check("version", step="links_licence", anchor="f-version", label=gettext_lazy("A version"))
    def version(ctx: Context) -> Result:
        if ctx.text("version"):
            return passed(_("Version %(version)s.") % {"version": ctx.text("version")})
        return warning(_("Give the data a version, e.g. 1.0."))

`step` and `anchor` are where the check's link lands in the wizard (the field's id, `f-<name>`),
unless the result names a more precise field: `warning(message, at="creators.1.orcid")` takes a
path in the metadata document and finds the wizard field it is typed in (`deposit.wizard.problem_anchor`,
the same mapping as the validation problems, so links land on the input). Checks run in the order
they are registered; keep them in wizard-step order.

Checks read a `Context` built once: the metadata as typed (a draft may be invalid anywhere, so read
it leniently), the list of files and the deposit. They must not query the database: the review
page runs a bounded number of queries whatever the deposit holds (`run_checks` is asserted to run
none). A check that raises is reported as a warning saying it could not run, never as a broken
page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from django.conf import settings
from django.utils.translation import gettext as _, gettext_lazy, ngettext
from pydantic import ValidationError

from core.file_names import base_name
from core.identifiers import is_valid_orcid
from core.logging import get_logger
from deposit import wizard
from deposit.wizard import inspire, lenient
from repository.metadata import LICENCES, Affiliation

from .review import anchor_of

log = get_logger(__name__)

PASS, WARNING, FAILURE = "pass", "warning", "failure"
STATUSES = (PASS, WARNING, FAILURE)

# An abstract shorter than this is a failure; shorter than the second, a warning
# (settings CHECKS_ABSTRACT_MIN_CHARS and CHECKS_ABSTRACT_GOOD_CHARS override them). 200 characters is
# two or three sentences: what, where, when; DataCite and catalogues show the first ~250.
ABSTRACT_MIN_CHARS = 50
ABSTRACT_GOOD_CHARS = 200
# Google Dataset Search reads a description of 50 to 5,000 characters (its shape in
# repository/conformance): shorter, whatever the settings above say, is a warning at least.
GOOGLE_ABSTRACT_MIN_CHARS = 50
# Related resources the data come from: the ISO export names them as the sources of the lineage.
SOURCE_RELATIONS = frozenset({"IsDerivedFrom", "IsCompiledBy"})
# A box at least this wide and tall is "the whole globe" (degrees).
GLOBE_WIDTH, GLOBE_HEIGHT = 350.0, 170.0
# Words in the resource type or title that make a global extent expected rather than an accident.
GLOBAL_WORDS = re.compile(
    r"\b(global|globe|world|worldwide|planet\w*|earth system|reanalys\w*|climatolog\w*|gcm|cmip\d*)\b",
    re.IGNORECASE,
)
# Names of documentation files: README*, LISEZMOI*, *.md, *.rst, *.pdf, and names saying what they are.
DOC_EXTENSIONS = frozenset({"md", "rst", "pdf", "odt", "html", "htm"})
DOC_NAMES = re.compile(
    r"^(readme|lisezmoi|read_me|read-me)|(^|[^a-z])(doc|docs|documentation|manual|guide|notice)([^a-z]|$)",
    re.IGNORECASE,
)
# A DOI as DataCite mints it: prefix 10.<4 to 9 digits>, a suffix without spaces.
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
DOI_LINK_RE = re.compile(r"^https?://(dx\.)?doi\.org/", re.IGNORECASE)


# --- Results and context ------------------------------------------------------------------------


@dataclass(frozen=True)
class Result:
    """One check's verdict. `anchor` is the id of the wizard field it is about (`f-creators-1-orcid`),
    `target` the element of the review page that shows that field (`field-creators-1`), or the
    step's section when the field is empty there (`step-people`), or the file (`file-12`)."""

    status: str
    message: str
    key: str = ""
    label: str = ""
    step: str = ""
    anchor: str = ""
    target: str = ""
    path: str = ""  # the metadata path the result names (`creators.1.orcid`), before it became `anchor`
    href: str = ""  # set by the review page when `target` is a file it does not list (another folder or page)

    @property
    def passed(self) -> bool:
        return self.status == PASS

    @property
    def icon(self) -> str:
        return {PASS: "✓", WARNING: "!", FAILURE: "✗"}[self.status]

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


STATUS_LABELS = {
    PASS: gettext_lazy("Passed"),
    WARNING: gettext_lazy("Warning"),
    FAILURE: gettext_lazy("Failed"),
}


def passed(message: str, *, at: str = "") -> Result:
    return Result(PASS, message, path=at)


def warning(message: str, *, at: str = "") -> Result:
    return Result(WARNING, message, path=at)


def failure(message: str, *, at: str = "") -> Result:
    return Result(FAILURE, message, path=at)


@dataclass
class Context:
    """What checks read: the metadata as typed (lenient accessors below), the files, the deposit."""

    metadata: dict
    files: list
    deposit: object = None

    def list(self, key: str) -> list[dict]:
        """A top-level list of objects, whatever a draft holds there (non-objects left out, with
        their position kept so that anchors stay right)."""
        return lenient.items(self.metadata.get(key))

    def dict(self, key: str) -> dict:
        return lenient.mapping(self.metadata.get(key))

    def text(self, key: str) -> str:
        return lenient.text(self.metadata.get(key)).strip()


@dataclass(frozen=True)
class Check:
    key: str
    step: str
    anchor: str  # the wizard field the check links to when its result names none
    label: str
    fn: Callable[[Context], Result] = field(compare=False)


REGISTRY: list[Check] = []


def check(key: str, *, step: str, anchor: str, label) -> Callable:
    """Register a check function (`fn(ctx) -> Result`). A key registered again replaces the
    previous check in place (a test or a deployment may swap one)."""

    def register(fn: Callable[[Context], Result]) -> Callable[[Context], Result]:
        entry = Check(key, step, anchor, label, fn)
        for index, existing in enumerate(REGISTRY):
            if existing.key == key:
                REGISTRY[index] = entry
                break
        else:
            REGISTRY.append(entry)
        return fn

    return register


class Results(list):
    """The results in registration order, with the counts the summary line shows."""

    def count_of(self, status: str) -> int:
        return sum(1 for r in self if r.status == status)

    @property
    def passed(self) -> int:
        return self.count_of(PASS)

    @property
    def warnings(self) -> int:
        return self.count_of(WARNING)

    @property
    def failures(self) -> int:
        return self.count_of(FAILURE)

    @property
    def summary(self) -> str:
        """ "9 passed, 2 warnings, 1 failure" (parts that are zero are left out, but never all)."""
        parts = []
        if self.passed or not self:
            parts.append(ngettext("%(n)s passed", "%(n)s passed", self.passed) % {"n": self.passed})
        if self.warnings:
            parts.append(ngettext("%(n)s warning", "%(n)s warnings", self.warnings) % {"n": self.warnings})
        if self.failures:
            parts.append(ngettext("%(n)s failure", "%(n)s failures", self.failures) % {"n": self.failures})
        return ", ".join(parts)


def run_checks(
    deposit, files, *, metadata: dict | None = None, files_results: Mapping[str, Result] | None = None
) -> Results:
    """Every registered check on the deposit's metadata (or `metadata`, e.g. a review round's) and
    these files. No database query: pass the files already loaded. With `files_results` (what
    `run_file_checks` returned for the deposit's files as they still are), the checks of the files
    step are not run again and `files` may be empty."""
    md = lenient.mapping(deposit.metadata if metadata is None and deposit is not None else metadata)
    files = list(files)
    ctx = Context(md, files, deposit)
    present = _review_groups(md)
    results = Results()
    for entry in REGISTRY:
        if files_results is not None and entry.step == "files" and entry.key in files_results:
            results.append(files_results[entry.key])
            continue
        results.append(_placed(_run(entry, ctx), entry, ctx, present))
    return results


def run_file_checks(deposit, files) -> dict[str, Result]:
    """The checks of the files step alone (they read the files, not the metadata), by key: what a
    page that keeps them while the files do not change gives `run_checks` as `files_results`."""
    files = list(files)
    ctx = Context(lenient.mapping({}), files, deposit)
    return {entry.key: _placed(_run(entry, ctx), entry, ctx, set()) for entry in REGISTRY if entry.step == "files"}


def _run(entry: Check, ctx: Context) -> Result:
    try:
        return entry.fn(ctx)
    except Exception as exc:  # noqa: BLE001 - one broken check must not hide the others
        log.warning("checks.failed", check=entry.key, deposit=getattr(ctx.deposit, "pk", None), error=repr(exc))
        return warning(_("This check could not run on the deposit as it stands."))


def _placed(result: Result, entry: Check, ctx: Context, present: set[str]) -> Result:
    """The result with its check's key and label, and links: the wizard field (from the document
    path it names, else the check's own anchor) and the review page's element."""
    step, anchor = entry.step, entry.anchor
    if result.path:
        step, anchor = wizard.problem_anchor({"field": result.path, "step": entry.step}, ctx.metadata, ctx.files)
    target = f"step-{step}"
    if step == "files" and anchor.startswith("f-files-"):
        index = anchor.rsplit("-", 1)[1]
        if index.isdigit() and int(index) < len(ctx.files):
            target = f"file-{ctx.files[int(index)].pk}"
    elif anchor.startswith("f-"):
        group = _review_anchor(anchor[2:])
        if group in present:
            target = f"field-{group}"
    return replace(result, key=entry.key, label=str(entry.label), step=step, anchor=anchor, target=target)


def _review_anchor(name: str) -> str:
    return anchor_of(name)


def _review_groups(md: dict) -> set[str]:
    """The groups the review page shows (`field-<anchor>`), i.e. the fields that are filled."""
    groups = set()
    for slug in wizard.FORM_STEPS:
        for name, value in wizard.step_values_flat(slug, md).items():
            if value.strip():
                groups.add(anchor_of(name))
    return groups


# --- Helpers ------------------------------------------------------------------------------------


def _setting(name: str, default):
    return getattr(settings, name, default)


def _person_name(person: dict, index: int) -> str:
    name = lenient.text(person.get("name")).strip()
    if not name:
        family, given = (
            lenient.text(person.get("family_name")).strip(),
            lenient.text(person.get("given_name")).strip(),
        )
        name = ", ".join(p for p in (family, given) if p)
    return name or _("creator %(n)s") % {"n": index + 1}


def _is_person(person: dict) -> bool:
    return person.get("name_type", "Personal") != "Organizational"


def _names(names: list[str], limit: int = 3) -> str:
    """`A; B; C` or `A; B; C and 2 more`, so that the message stays one line."""
    shown = "; ".join(names[:limit])
    if len(names) > limit:
        shown = _("%(names)s and %(n)s more") % {"names": shown, "n": len(names) - limit}
    return shown


def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number == number and abs(number) != float("inf") else None


def _ror_ok(value: str) -> bool:
    try:
        Affiliation.model_validate({"name": "x", "ror": value})
    except ValidationError:
        return False
    return True


def _extension(name: str) -> str:
    name = base_name(name)  # `v1.2/README` has none
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def _stem(name: str) -> str:
    """The name without its extension, in its folder: `a/data.csv` and `a/data.xlsx` are one table."""
    folder, slash, leaf = name.rpartition("/")
    return (folder + slash + (leaf.rsplit(".", 1)[0] if "." in leaf else leaf)).lower()


# --- Step 1: describe ---------------------------------------------------------------------------


@check("abstract", step="describe", anchor="f-abstract", label=gettext_lazy("An abstract of useful length"))
def abstract_length(ctx: Context) -> Result:
    abstract = " ".join(wizard.read_step("describe", ctx.metadata)["abstract"].split())
    shortest = _setting("CHECKS_ABSTRACT_MIN_CHARS", ABSTRACT_MIN_CHARS)
    good = _setting("CHECKS_ABSTRACT_GOOD_CHARS", ABSTRACT_GOOD_CHARS)
    if not abstract:
        return failure(_("There is no abstract."))
    values = {"n": len(abstract), "min": good}
    if len(abstract) < shortest:
        return failure(
            _("The abstract has %(n)s characters: say what, where, when and how in at least %(min)s.") % values
        )
    if len(abstract) < GOOGLE_ABSTRACT_MIN_CHARS:
        return warning(
            _("The abstract has %(n)s characters: Google Dataset Search ignores a description under %(google)s.")
            % {**values, "google": GOOGLE_ABSTRACT_MIN_CHARS}
        )
    if len(abstract) < good:
        return warning(_("The abstract has %(n)s characters: %(min)s or more make the data easier to find.") % values)
    return passed(_("The abstract has %(n)s characters.") % values)


@check("keywords", step="describe", anchor="f-keywords", label=gettext_lazy("Keywords from a thesaurus"))
def thesaurus_keywords(ctx: Context) -> Result:
    # The INSPIRE theme (its own field, often the community's default) is not one of the keywords.
    theme = inspire.theme_index(ctx.metadata)
    subjects = [(i, s) for i, s in enumerate(ctx.list("subjects")) if i != theme]
    concepts = [s for _i, s in subjects if lenient.text(s.get("value_uri")).strip()]
    if concepts:
        return passed(
            ngettext(
                "%(n)s keyword comes from a thesaurus, with its concept URI.",
                "%(n)s keywords come from thesauri, with their concept URIs.",
                len(concepts),
            )
            % {"n": len(concepts)}
        )
    if subjects:
        return warning(
            _("Only free keywords: pick at least one from a thesaurus, so that catalogues can find the data."),
            at=f"subjects.{subjects[0][0]}",
        )
    return failure(_("No keywords: pick at least one from a thesaurus."))


# What INSPIRE asks of data with a location (GeoNetwork's INSPIRE rules check the ISO export): a
# theme, a lineage statement, conditions for access and use. The wizard offers defaults for the
# theme and the conditions; a depositor may clear them, and the export then falls back on the
# community's theme and the licence's conditions (repository/serializers/inspire.py).


def _located(ctx: Context) -> bool:
    return any(ctx.list("geo_locations"))


OUTSIDE_INSPIRE = gettext_lazy("No location: INSPIRE does not apply to the data.")


@check("inspire_lineage", step="describe", anchor="f-lineage", label=gettext_lazy("INSPIRE: a lineage statement"))
def lineage_statement(ctx: Context) -> Result:
    methods = [d for d in ctx.list("descriptions") if lenient.text(d.get("description_type")) == "Methods"]
    if ctx.text("lineage") or any(lenient.text(d.get("description")).strip() for d in methods):
        return passed(_("The lineage says how the data were made."))
    if not _located(ctx):
        return passed(str(OUTSIDE_INSPIRE))
    sources = [r for r in ctx.list("related_identifiers") if lenient.text(r.get("relation_type")) in SOURCE_RELATIONS]
    if sources:
        return warning(_("No lineage: catalogues get only the names of the sources; say how the data were made."))
    return warning(_("No lineage: INSPIRE catalogues ask how the data were acquired and processed."))


@check("inspire_theme", step="describe", anchor="f-inspire_theme", label=gettext_lazy("INSPIRE: a theme"))
def inspire_theme(ctx: Context) -> Result:
    index = inspire.theme_index(ctx.metadata)
    if index is not None:
        subject = ctx.list("subjects")[index]
        theme = inspire.THEME_BY_URI.get(inspire.theme_uri_of(subject))
        label = theme.label() if theme else lenient.text(subject.get("subject")).strip()
        return passed(_("INSPIRE theme: %(theme)s.") % {"theme": label}, at=f"subjects.{index}")
    if not _located(ctx):
        return passed(str(OUTSIDE_INSPIRE))
    return warning(
        _("No INSPIRE theme: catalogues will get the community's, if it has one; choose the one that fits the data.")
    )


# --- Step 2: people -----------------------------------------------------------------------------


@check("orcid", step="people", anchor="f-creators", label=gettext_lazy("Creators with ORCID iDs"))
def creators_orcid(ctx: Context) -> Result:
    creators = ctx.list("creators")
    if not creators:
        return failure(_("No creators yet."))
    people = [(i, c) for i, c in enumerate(creators) if _is_person(c)]
    if not people:
        return passed(_("The creators are organisations; an ORCID iD is for persons."))
    invalid = [
        (i, c)
        for i, c in people
        if lenient.text(c.get("orcid")).strip() and not is_valid_orcid(lenient.text(c["orcid"]))
    ]
    if invalid:
        return failure(
            _("Not a valid ORCID iD: %(names)s.") % {"names": _names([_person_name(c, i) for i, c in invalid])},
            at=f"creators.{invalid[0][0]}.orcid",
        )
    missing = [(i, c) for i, c in people if not lenient.text(c.get("orcid")).strip()]
    if missing:
        return warning(
            ngettext(
                "%(n)s creator has no ORCID iD: %(names)s.",
                "%(n)s creators have no ORCID iD: %(names)s.",
                len(missing),
            )
            % {"n": len(missing), "names": _names([_person_name(c, i) for i, c in missing])},
            at=f"creators.{missing[0][0]}.orcid",
        )
    return passed(
        ngettext(
            "The creator has an ORCID iD.",
            "All %(n)s persons among the creators have an ORCID iD.",
            len(people),
        )
        % {"n": len(people)}
    )


@check("ror", step="people", anchor="f-creators", label=gettext_lazy("Affiliations with ROR ids"))
def affiliations_ror(ctx: Context) -> Result:
    creators = ctx.list("creators")
    if not creators:
        return failure(_("No creators yet."))
    invalid, without_ror, without_affiliation, total = [], [], [], 0
    for i, creator in enumerate(creators):
        if not _is_person(creator):
            ror = lenient.text(creator.get("ror")).strip()
            total += 1
            if not ror:
                without_ror.append((f"creators.{i}", _person_name(creator, i)))
            elif not _ror_ok(ror):
                invalid.append((f"creators.{i}", _person_name(creator, i)))
            continue
        affiliations = lenient.items(creator.get("affiliations"))
        if not affiliations:
            without_affiliation.append((f"creators.{i}.affiliations", _person_name(creator, i)))
        for j, affiliation in enumerate(affiliations):
            total += 1
            name = lenient.text(affiliation.get("name")).strip() or _person_name(creator, i)
            ror = lenient.text(affiliation.get("ror")).strip()
            if not ror:
                without_ror.append((f"creators.{i}.affiliations.{j}.ror", name))
            elif not _ror_ok(ror):
                invalid.append((f"creators.{i}.affiliations.{j}.ror", name))
    if invalid:
        return failure(
            _("Not a valid ROR id: %(names)s.") % {"names": _names([n for _p, n in invalid])},
            at=invalid[0][0],
        )
    if without_ror:
        names = _names(list(dict.fromkeys(n for _p, n in without_ror)))
        return warning(_("Without a ROR id: %(names)s.") % {"names": names}, at=without_ror[0][0])
    if without_affiliation:
        return warning(
            _("No affiliation for %(names)s.") % {"names": _names([n for _p, n in without_affiliation])},
            at=without_affiliation[0][0],
        )
    return passed(
        ngettext("The affiliation has a ROR id.", "All %(n)s affiliations have a ROR id.", total) % {"n": total}
    )


# --- Step 3: where and when ---------------------------------------------------------------------


def _global_by_design(ctx: Context) -> bool:
    resource_type = ctx.dict("resource_type")
    if lenient.text(resource_type.get("general")) == "Model":
        return True
    titles = [lenient.text(t.get("title")) for t in ctx.list("titles")]
    return bool(GLOBAL_WORDS.search(" ".join([lenient.text(resource_type.get("type")), *titles])))


def _box_of(location: dict) -> tuple[float, float, float, float] | str | None:
    """(west, east, south, north) of a location's box, point or polygon; None when it has no
    coordinates (a place name); "bad" when they are not numbers."""
    box, point, polygon = location.get("box"), location.get("point"), location.get("polygon")
    if isinstance(box, dict):
        values = [_number(box.get(k)) for k in ("west", "east", "south", "north")]
        return "bad" if None in values else tuple(values)
    if isinstance(point, dict):
        lon, lat = _number(point.get("longitude")), _number(point.get("latitude"))
        return "bad" if lon is None or lat is None else (lon, lon, lat, lat)
    if isinstance(polygon, list) and polygon:
        points = [
            (_number(lenient.mapping(p).get("longitude")), _number(lenient.mapping(p).get("latitude"))) for p in polygon
        ]
        if any(lon is None or lat is None for lon, lat in points):
            return "bad"
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        return min(lons), max(lons), min(lats), max(lats)
    return None


def _width(west: float, east: float) -> float:
    return east - west if west <= east else 360 - (west - east)  # west > east crosses the antimeridian


@check("extent", step="where_when", anchor="f-geo_locations", label=gettext_lazy("A plausible extent"))
def plausible_extent(ctx: Context) -> Result:
    locations = ctx.list("geo_locations")
    if not locations:
        return failure(_("No location: draw a box or a point on the map."))
    boxes = []
    for i, location in enumerate(locations):
        box = _box_of(location)
        kind = next((k for k in ("box", "point") if isinstance(location.get(k), dict)), "polygon")
        if box == "bad":
            return failure(
                _("Location %(n)s has coordinates that are not numbers.") % {"n": i + 1},
                at=f"geo_locations.{i}.{kind}",
            )
        if box is None:
            continue
        west, east, south, north = box
        if west == east == south == north == 0:
            return failure(
                _("Location %(n)s is at 0° N, 0° E, in the Gulf of Guinea: coordinates probably left at zero.")
                % {"n": i + 1},
                at=f"geo_locations.{i}.{kind}",
            )
        if _width(west, east) >= GLOBE_WIDTH and north - south >= GLOBE_HEIGHT and not _global_by_design(ctx):
            return warning(
                _("Location %(n)s covers the whole globe: is that the data's real extent?") % {"n": i + 1},
                at=f"geo_locations.{i}.{kind}",
            )
        boxes.append(box)
    if not boxes:
        return warning(
            _("Only place names: add a box or a point, so that maps and catalogues can show where."),
            at="geo_locations.0",
        )
    if len(boxes) == 1:
        west, east, south, north = boxes[0]
        if west == east and south == north:
            return passed(_("A point at %(lat)s° N, %(lon)s° E.") % {"lat": f"{south:g}", "lon": f"{west:g}"})
        return passed(_("A box of %(w)s° × %(h)s°.") % {"w": f"{_width(west, east):.3g}", "h": f"{north - south:.3g}"})
    return passed(
        ngettext("%(n)s location with coordinates.", "%(n)s locations with coordinates.", len(boxes))
        % {"n": len(boxes)}
    )


def _collected_range(ctx: Context) -> tuple[str, str] | None:
    """The start and end of a DataCite `Collected` or `Coverage` date range (`start/end`), if any."""
    for entry in ctx.list("dates"):
        if lenient.text(entry.get("date_type")) in ("Collected", "Coverage"):
            start, _sep, end = lenient.text(entry.get("date")).partition("/")
            if start.strip():
                return start.strip(), end.strip()
    return None


@check("temporal", step="where_when", anchor="f-temporal_extent-start", label=gettext_lazy("A temporal extent"))
def temporal_extent(ctx: Context) -> Result:
    extent = ctx.dict("temporal_extent")
    start, end = lenient.text(extent.get("start")).strip(), lenient.text(extent.get("end")).strip()
    ongoing = bool(extent.get("ongoing"))
    if not start:
        collected = _collected_range(ctx)
        if collected is None:
            return failure(_("No start date: say when the data were collected."), at="temporal_extent.start")
        start, end = collected
        if not end:
            return warning(_("The collection dates have a start but no end."), at="temporal_extent.end")
    elif not end and not ongoing:
        return warning(
            _("A start but no end: give the end date, or say that the collection is ongoing."),
            at="temporal_extent.end",
        )
    if end and len(start) == len(end) and end < start:
        return failure(_("The end date is before the start date."), at="temporal_extent.end")
    if ongoing and not end:
        return passed(_("From %(start)s, ongoing.") % {"start": start})
    return passed(_("From %(start)s to %(end)s.") % {"start": start, "end": end})


# --- Step 4: files ------------------------------------------------------------------------------


def _is_documentation(name: str) -> bool:
    """By its extension, its own name (`profiles/README`) or its folder's (`docs/calibration.txt`)."""
    if _extension(name) in DOC_EXTENSIONS:
        return True
    stem = _stem(name)  # its own name's stem is the part after the last slash: computed once, 10,000 files
    return bool(DOC_NAMES.search(stem) or ("/" in stem and DOC_NAMES.search(stem.rpartition("/")[2])))


@check("documentation", step="files", anchor="f-files", label=gettext_lazy("A README or documentation file"))
def documentation_file(ctx: Context) -> Result:
    docs = [f.name for f in ctx.files if _is_documentation(f.name)]
    if docs:
        return passed(_("Documentation: %(names)s.") % {"names": _names(docs)}, at=f"files.{docs[0]}")
    if not ctx.files:
        return failure(_("No files yet."))
    return warning(_("No README or documentation file: add one that explains the files, columns and units."))


@check("formats", step="files", anchor="f-files", label=gettext_lazy("Open and recommended formats"))
def open_formats(ctx: Context) -> Result:
    if not ctx.files:
        return failure(_("No files yet."))
    formats = [(f, wizard.file_format(f.name)) for f in ctx.files]  # once each: 10,000 files
    stems_open = {_stem(f.name) for f, fmt in formats if fmt["open"]}
    closed, unknown = [], []
    for f, fmt in formats:
        if fmt["open"] is False and _stem(f.name) not in stems_open:  # an open copy beside it is fine
            closed.append((f, fmt))
        elif fmt["open"] is None:
            unknown.append(f)
    if closed:
        f, _fmt = closed[0]
        described = [
            _("%(name)s (%(format)s: %(alternative)s is open)")
            % {
                "name": g.name,
                "format": fmt_g["label"],
                "alternative": fmt_g.get("alternative") or _("an open format"),
            }
            for g, fmt_g in closed
        ]
        return warning(
            _("Proprietary formats without an open copy: %(files)s.") % {"files": _names(described, 2)},
            at=f"files.{f.name}",
        )
    if unknown:
        return warning(
            _("Formats not recognised: %(names)s; say in the README how to read them.")
            % {"names": _names([f.name for f in unknown])},
            at=f"files.{unknown[0].name}",
        )
    return passed(
        ngettext("The file is in an open format.", "All %(n)s files are in open formats.", len(ctx.files))
        % {"n": len(ctx.files)}
    )


@check("checksums", step="files", anchor="f-files", label=gettext_lazy("All checksums verified"))
def checksums_verified(ctx: Context) -> Result:
    if not ctx.files:
        return failure(_("No files yet."))
    failed = [
        f
        for f in ctx.files
        if f.state == "failed"
        or (f.state == "ready" and not re.fullmatch(r"[0-9a-f]{64}", f.sha256 or ""))
        or (f.state == "ready" and f.declared_sha256 and f.declared_sha256 != f.sha256)
    ]
    if failed:
        return failure(
            _("Not verified: %(names)s.") % {"names": _names([f.name for f in failed])},
            at=f"files.{failed[0].name}",
        )
    pending = [f for f in ctx.files if f.state != "ready"]
    if pending:
        return warning(
            _("Still being uploaded or verified: %(names)s.") % {"names": _names([f.name for f in pending])},
            at=f"files.{pending[0].name}",
        )
    return passed(
        ngettext("The file's SHA-256 is verified.", "The SHA-256 of all %(n)s files is verified.", len(ctx.files))
        % {"n": len(ctx.files)}
    )


# --- Step 5: links and licence ------------------------------------------------------------------


@check("licence", step="links_licence", anchor="f-licence", label=gettext_lazy("A licence"))
def licence(ctx: Context) -> Result:
    rights = ctx.list("rights")
    if not rights:
        return failure(_("No licence: choose one, or nobody may reuse the data."))
    identifier = lenient.text(rights[0].get("identifier")).strip()
    if identifier in LICENCES:
        return passed(_("Licence: %(title)s.") % {"title": LICENCES[identifier].title})
    return warning(
        _("The licence “%(id)s” is not one of those offered; check that it allows reuse.")
        % {"id": identifier or lenient.text(rights[0].get("title"))}
    )


@check(
    "inspire_conditions",
    step="links_licence",
    anchor="f-use_conditions",
    label=gettext_lazy("INSPIRE: conditions for access and use"),
)
def use_conditions(ctx: Context) -> Result:
    if ctx.text("use_conditions"):
        return passed(_("The conditions for access and use are stated."))
    if not _located(ctx):
        return passed(str(OUTSIDE_INSPIRE))
    return warning(
        _("No conditions for access and use: catalogues will get only what the licence says; state them beside it.")
    )


def _doi_ok(value: str) -> bool:
    """Well-formed and normalisable: `10.1234/abcd`, `doi:10.1234/abcd` or a doi.org link."""
    import idutils  # noqa: PLC0415 - 0.4 s of regular expressions compiled at import: on first use

    value = value.strip()
    if not value or " " in value or not idutils.is_doi(value):
        return False
    try:
        normalized = idutils.normalize_doi(value)
    except Exception:  # noqa: BLE001 - idutils raises what its parser raises
        return False
    return bool(normalized and DOI_RE.match(normalized))


@check(
    "related_dois",
    step="links_licence",
    anchor="f-related_identifiers",
    label=gettext_lazy("Related DOIs well-formed"),
)
def related_dois(ctx: Context) -> Result:
    related = ctx.list("related_identifiers")
    dois, bad, links = 0, [], []
    for i, item in enumerate(related):
        value = lenient.text(item.get("identifier")).strip()
        kind = lenient.text(item.get("identifier_type")).strip() or "DOI"
        if kind == "DOI":
            dois += 1
            if not _doi_ok(value):
                bad.append((i, value))
        elif kind == "URL" and DOI_LINK_RE.match(value) and _doi_ok(value):
            links.append((i, value))
    if bad:
        return failure(
            _("Not a DOI: %(values)s.") % {"values": _names([v or "—" for _i, v in bad])},
            at=f"related_identifiers.{bad[0][0]}.identifier",
        )
    if links:
        return warning(
            _("A doi.org link given as a URL: choose the kind DOI for %(values)s.")
            % {"values": _names([v for _i, v in links])},
            at=f"related_identifiers.{links[0][0]}.identifier_type",
        )
    if not dois:
        return passed(_("No DOI among the related resources, nothing to check."))
    return passed(
        ngettext("The related DOI is well-formed.", "The %(n)s related DOIs are well-formed.", dois) % {"n": dois}
    )
