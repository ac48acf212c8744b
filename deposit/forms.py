"""The simple deposit form: what a depositor types, turned into (and read back from) the metadata
document. Lenient on purpose: a draft saves whatever was typed, and submission does the strict check."""
from __future__ import annotations

import re
from typing import NamedTuple

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Community
from accounts.orcid import orcid_problem
from repository.metadata import LICENCES

DEFAULT_LICENCE = "CC-BY-4.0"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more files from one `<input type=file multiple>`."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


AFFILIATION_RE = re.compile(r"^(?P<name>.*?)\s*\((?P<ror>(?:https?://)?ror\.org/[^()\s]+|0[a-z0-9]{8})\)$")


class CreatorLine(NamedTuple):
    name: str
    orcid: str
    affiliations: list[dict] | None  # None: the line has no affiliation part (keep the saved ones)


def parse_creator_lines(text: str) -> list[CreatorLine]:
    """One creator per line: `Family, Given`, optionally followed by `; ORCID iD`, then by
    `; affiliation` parts, each optionally naming its ROR id in brackets:
    `Le Goff, Anne; 0000-0002-1825-0097; Ifremer (https://ror.org/044jxhp58)`. An empty ORCID part
    (`Martin, Paul; ; CNRS`) gives affiliations without an iD; an empty last part
    (`Martin, Paul; ;`) removes them."""
    creators = []
    for line in (text or "").splitlines():
        parts = [part.strip() for part in line.split(";")]
        name, orcid = parts[0], parts[1] if len(parts) > 1 else ""
        affiliations = None
        if len(parts) > 2:
            affiliations = []
            for part in parts[2:]:
                if not part:
                    continue
                match = AFFILIATION_RE.match(part)
                if match and match["name"]:
                    ror = match["ror"]
                    if not ror.startswith("http"):
                        ror = "https://" + (ror if ror.startswith("ror.org") else f"ror.org/{ror}")
                    affiliations.append({"name": match["name"], "ror": ror})
                else:
                    affiliations.append({"name": part})
        if name or orcid or affiliations:
            creators.append(CreatorLine(name, orcid, affiliations))
    return creators


def parse_creators(text: str) -> list[tuple[str, str]]:
    """One creator per line, `Family, Given` optionally followed by `; ORCID iD`: (name, iD) pairs."""
    return [(line.name, line.orcid) for line in parse_creator_lines(text)]


def format_creator_line(name: str, orcid: str = "", affiliations: list | None = None) -> str:
    """The line `parse_creator_lines` reads back."""
    shown = []
    for affiliation in affiliations or []:
        affiliation = _dict(affiliation)
        label = str(affiliation.get("name") or "").strip()
        if label:
            ror = str(affiliation.get("ror") or "").strip()
            shown.append(f"{label} ({ror})" if ror else label)
    parts = [name]
    if orcid or shown:
        parts.append(orcid)
    return "; ".join(parts + shown)


def creator_orcid_problems(text: str) -> list[str]:
    """Each line whose ORCID iD is not one (format or check digit), in words."""
    problems = []
    for number, line in enumerate(parse_creator_lines(text), start=1):
        problem = orcid_problem(line.orcid) if line.orcid else None
        if problem:
            problems.append(gettext("Line %(line)s: %(problem)s") % {"line": number, "problem": problem})
    return problems


def creator_line_for(user) -> str:
    """The signed-in depositor as a creator line: `Family, Given; <authenticated iD>; affiliation
    (ROR)`, or "" when the account has no name to offer. Only an iD proved by an ORCID sign-in is
    offered: one typed by hand is unverified."""
    if user.last_name:
        name = f"{user.last_name}, {user.first_name}" if user.first_name else user.last_name
    else:
        name = user.display_name
    name = name.replace(";", ",").strip()
    if not name:
        return ""
    orcid = user.orcid if user.orcid_authenticated else ""
    affiliations = []
    if user.affiliation:
        affiliations.append({"name": user.affiliation.replace(";", ","), "ror": user.affiliation_ror})
    return format_creator_line(name, orcid, affiliations)


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def read_metadata(metadata) -> dict:
    """What the form shows of a saved metadata document, read leniently (drafts may hold anything):
    title, creators as (name, ORCID iD) pairs and as form lines (with affiliations), abstract,
    licence identifier (or None)."""
    metadata = _dict(metadata)
    titles = _list(metadata.get("titles"))
    creators, creator_lines = [], []
    for creator in _list(metadata.get("creators")):
        creator = _dict(creator)
        name, orcid = str(creator.get("name") or ""), str(creator.get("orcid") or "")
        creators.append((name, orcid))
        creator_lines.append(format_creator_line(name, orcid, _list(creator.get("affiliations"))))
    descriptions = [_dict(d) for d in _list(metadata.get("descriptions"))]
    abstract = next(
        (d for d in descriptions if d.get("description_type", "Abstract") == "Abstract"),
        descriptions[0] if descriptions else {},
    )
    rights = _list(metadata.get("rights"))
    return {
        "title": str(_dict(titles[0]).get("title") or "") if titles else "",
        "creators": creators,
        "creator_lines": creator_lines,
        "abstract": str(abstract.get("description") or ""),
        "licence": _dict(rights[0]).get("identifier") if rights else None,
    }


class DepositForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=500, required=False)
    creators = forms.CharField(
        label=_("Creators"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "class": "creators", "spellcheck": "false"}),
        help_text=_(
            "One creator per line: “Family, Given; ORCID iD; affiliation (ROR id)”, the iD and the "
            "affiliation optional. Example: Le Goff, Anne; 0000-0002-1825-0097; Ifremer "
            "(https://ror.org/044jxhp58). A line without an affiliation keeps the saved ones; an "
            "empty last part (“…; 0000-0002-1825-0097;”) removes them."
        ),
    )
    description = forms.CharField(
        label=_("Abstract"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What the data are, how and where they were collected."),
    )
    community = forms.ModelChoiceField(
        label=_("Community"),
        queryset=Community.objects.all(),
        to_field_name="slug",
        required=False,
        empty_label=_("— Choose the community that will review it —"),
        help_text=_("A moderator of this community reviews the deposit."),
    )
    licence = forms.ChoiceField(
        label=_("Licence"),
        choices=[(key, f"{rights.title} ({key})") for key, rights in LICENCES.items()],
        initial=DEFAULT_LICENCE,
    )
    files = MultipleFileField(
        label=_("Files"),
        required=False,
        help_text=_("You can choose several files at once, and add more later."),
    )
    revision = forms.IntegerField(widget=forms.HiddenInput, required=False)

    @classmethod
    def initial_from(cls, deposit) -> dict:
        """The form's values for a saved deposit."""
        typed = read_metadata(deposit.metadata)
        return {
            "title": typed["title"],
            "creators": "\n".join(typed["creator_lines"]),
            "description": typed["abstract"],
            "community": deposit.community,
            "licence": typed["licence"] if typed["licence"] in LICENCES else DEFAULT_LICENCE,
            "revision": deposit.revision,
        }

    def clean_creators(self) -> str:
        """Lenient like the rest of a draft: a bad ORCID iD does not stop the save. It is kept in
        `creator_problems`, for the view to flag on the field once the draft is saved."""
        value = self.cleaned_data["creators"]
        self.creator_problems = creator_orcid_problems(value)
        return value

    @classmethod
    def flagged(cls, deposit) -> "DepositForm | None":
        """The form of a saved deposit, bound to its values with each bad ORCID iD of its creators
        as an error on the field; None when there is none to flag."""
        initial = cls.initial_from(deposit)
        problems = creator_orcid_problems(initial["creators"])
        if not problems:
            return None
        community = initial["community"]
        form = cls({**initial, "community": community.slug if community else ""})
        form.is_valid()
        for problem in problems:
            form.add_error("creators", problem)
        return form

    def metadata(self, base: dict | None = None) -> dict:
        """The metadata document as typed, on top of `base` (the saved metadata) so that what this
        form does not show — subjects, places, extra titles — is kept, and a creator's saved
        affiliations too when their line has no affiliation part."""
        data = self.cleaned_data
        metadata = dict(_dict(base))

        other_titles = _list(metadata.get("titles"))[1:]
        title = data["title"].strip()
        metadata["titles"] = ([{"title": title}] if title else []) + other_titles

        previous = {}
        for creator in _list(metadata.get("creators")):
            creator = _dict(creator)
            previous.setdefault(str(creator.get("name") or "").strip(), creator)
        creators = []
        for line in parse_creator_lines(data["creators"]):
            creator = dict(previous.get(line.name, {}))
            creator["name"] = line.name
            if line.orcid:
                creator["orcid"] = line.orcid
            else:
                creator.pop("orcid", None)
            if line.affiliations:
                creator["affiliations"] = line.affiliations
            elif line.affiliations is not None:
                creator.pop("affiliations", None)
            creators.append(creator)
        metadata["creators"] = creators

        descriptions = [_dict(d) for d in _list(metadata.get("descriptions"))]
        others = [d for d in descriptions if d.get("description_type", "Abstract") != "Abstract"]
        abstract = data["description"].strip()
        metadata["descriptions"] = (
            [{"description": abstract, "description_type": "Abstract"}] if abstract else []
        ) + others

        metadata["rights"] = [LICENCES[data["licence"]].model_dump()] if data.get("licence") else []
        resource_type = _dict(metadata.get("resource_type"))
        metadata["resource_type"] = {**resource_type, "general": resource_type.get("general") or "Dataset"}
        return metadata



class InviteForm(forms.Form):
    invitee = forms.CharField(
        label=_("E-mail address or ORCID iD"),
        max_length=254,
        help_text=_("They will be able to edit and submit this deposit once they accept."),
    )
