"""A new deposit's first document: the signed-in depositor as first creator and point of contact,
the default licence and the conditions of use it sets, open access, a dataset in English, and the
community's INSPIRE theme when the community is chosen at once."""

from __future__ import annotations

from repository.metadata import LICENCES

from .choices import DEFAULT_LICENCE
from .inspire import community_theme, theme_subject, use_conditions


def initial_metadata(user, *, community: str | None = None) -> dict:
    """A new deposit: the signed-in depositor as first creator (name, authenticated ORCID iD,
    affiliation with its ROR id) and as point of contact (without their address), the default
    licence with its conditions of use, a dataset; the INSPIRE theme of the `community` (a slug),
    if it has one. The defaults are in the document, where the wizard shows them."""
    creator: dict = {"name_type": "Personal"}
    if user.last_name:
        creator["family_name"] = user.last_name
        if user.first_name:
            creator["given_name"] = user.first_name
        creator["name"] = ", ".join(p for p in (user.last_name, user.first_name) if p)
    else:
        # Only a display name: "Anne Le Goff" → given "Anne", family "Le Goff" (the depositor
        # corrects it in step 2 when the split is wrong).
        full = (user.display_name or user.get_full_name() or "").strip()
        given, _sep, family = full.partition(" ")
        family = family.strip()
        if family:
            creator.update(family_name=family, given_name=given, name=f"{family}, {given}")
        else:
            creator.update(family_name=full, name=full)
        if not full:
            del creator["family_name"]
    if user.orcid and user.orcid_authenticated:  # a hand-typed iD is not proved: not offered
        creator["orcid"] = user.orcid
    if user.affiliation:
        affiliation = {"name": user.affiliation}
        if user.affiliation_ror:
            affiliation["ror"] = user.affiliation_ror
        creator["affiliations"] = [affiliation]
    metadata: dict = {
        "resource_type": {"general": "Dataset", "type": ""},
        "language": "en",
        "rights": [LICENCES[DEFAULT_LICENCE].model_dump()],
        "use_conditions": use_conditions(DEFAULT_LICENCE),
        "access": {"level": "open"},
    }
    theme = theme_subject(community_theme(community))
    if theme:
        metadata["subjects"] = [theme]
    if creator["name"]:
        metadata["creators"] = [creator]
    # The depositor answers questions about the data, under their public name (never their
    # username); their address is published only if they choose to: by default, the community's.
    if user.public_name:
        contact = {"name": user.public_name}
        if user.affiliation:
            contact["organisation"] = user.affiliation
        if user.orcid and user.orcid_authenticated:
            contact["orcid"] = user.orcid
        metadata["point_of_contact"] = contact
    return metadata
