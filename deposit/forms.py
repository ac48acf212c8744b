"""The simple deposit form: what a depositor types, turned into (and read back from) the metadata
document. Lenient on purpose: a draft saves whatever was typed, and submission does the strict check."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import Community
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


def parse_creators(text: str) -> list[tuple[str, str]]:
    """One creator per line, `Family, Given` optionally followed by `; ORCID iD`."""
    creators = []
    for line in (text or "").splitlines():
        name, _sep, orcid = line.partition(";")
        name, orcid = name.strip(), orcid.strip()
        if name or orcid:
            creators.append((name, orcid))
    return creators


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def read_metadata(metadata) -> dict:
    """What the form shows of a saved metadata document, read leniently (drafts may hold anything):
    title, creators as (name, ORCID iD) pairs, abstract, licence identifier (or None)."""
    metadata = _dict(metadata)
    titles = _list(metadata.get("titles"))
    creators = []
    for creator in _list(metadata.get("creators")):
        creator = _dict(creator)
        creators.append((str(creator.get("name") or ""), str(creator.get("orcid") or "")))
    descriptions = [_dict(d) for d in _list(metadata.get("descriptions"))]
    abstract = next(
        (d for d in descriptions if d.get("description_type", "Abstract") == "Abstract"),
        descriptions[0] if descriptions else {},
    )
    rights = _list(metadata.get("rights"))
    return {
        "title": str(_dict(titles[0]).get("title") or "") if titles else "",
        "creators": creators,
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
            "One creator per line, as “Family, Given”, optionally followed by “; ORCID iD”. "
            "Example: Le Goff, Anne; 0000-0002-1825-0097"
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
            "creators": "\n".join(f"{name}; {orcid}" if orcid else name for name, orcid in typed["creators"]),
            "description": typed["abstract"],
            "community": deposit.community,
            "licence": typed["licence"] if typed["licence"] in LICENCES else DEFAULT_LICENCE,
            "revision": deposit.revision,
        }

    def metadata(self, base: dict | None = None) -> dict:
        """The metadata document as typed, on top of `base` (the saved metadata) so that what this
        form does not show — subjects, places, extra titles, affiliations — is kept."""
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
        for name, orcid in parse_creators(data["creators"]):
            creator = dict(previous.get(name, {}))
            creator["name"] = name
            if orcid:
                creator["orcid"] = orcid
            else:
                creator.pop("orcid", None)
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
