"""A corpus of varied published records for the conformance tests (tests/repository/test_conformance*.py),
each published through the publication service (`record_publish`, the local DOI provider) as an
approved deposit is: a rich record and its second version, an embargoed one, organisations as
creators with no extent at all, a polygon with an open-ended collection and altitudes, points and a
box across the antimeridian, a withdrawn record, a derived dataset, and one with every field the
INSPIRE rules read.

`CORPUS` maps a name to a builder; `build(name, cast)` publishes that record (and what it needs:
a second version publishes its first) and returns it."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from repository.metadata import LICENCES, MetadataDocument
from tests.repository.landing_support import ORCID_ANNE, ORCID_CHIARA, full_metadata

INSPIRE_THEMES = "http://inspire.ec.europa.eu/theme"


@dataclass
class Cast:
    depositor: object
    admin: object
    communities: dict


def _files(*names: str) -> list[dict]:
    return [
        {
            "name": name,
            "size": 2048 * (i + 1),
            "md5": "0" * 32,
            "sha256": f"{i + 1:064x}",
            "storage_key": f"corpus/{name}",
        }
        for i, name in enumerate(names)
    ]


def _publish(cast: Cast, metadata: dict, *, community: str = "ocean", files=("ctd.nc",), concept=None):
    from repository.services import pid_mint, record_publish

    return record_publish(
        pid=pid_mint(concept=concept),
        document=MetadataDocument.model_validate(metadata),
        community=cast.communities[community],
        owner=cast.depositor,
        files=_files(*files),
    )


def rich(cast: Cast):
    """Every part the landing page shows: people with ORCID iDs and affiliations (ROR), an
    organisation, a contributor, thesaurus keywords (a P01 parameter, a P02 theme, an instrument), a
    box, a point and a polygon, dates, depths, lineage, funding, related resources."""
    return _publish(cast, full_metadata(), files=("ctd casts.nc", "README.md"))


def second_version(cast: Cast):
    """The rich record's second version (the concept DOI is minted with it)."""
    first = rich(cast)
    metadata = full_metadata()
    metadata["descriptions"][0]["description"] += " Version 2 adds the casts of the second leg."
    return _publish(cast, metadata, files=("ctd casts.nc", "README.md"), concept=first.concept)


def embargoed(cast: Cast):
    metadata = full_metadata("Underway pCO2 of the MOOSE 2025 cruises, north-western Mediterranean")
    metadata["descriptions"] = [
        {"description": "Partial pressure of CO2 in surface water measured underway on the six MOOSE cruises of 2025."}
    ]
    metadata["access"] = {
        "level": "embargoed",
        "embargo_until": (timezone.now().date() + timedelta(days=200)).isoformat(),
    }
    metadata["geo_locations"] = [
        {"place": "Gulf of Lion", "box": {"west": 3.0, "east": 8.0, "south": 41.0, "north": 43.6}}
    ]
    return _publish(cast, metadata, community="atmosphere", files=("pco2_2025.csv", "pco2_2025.nc"))


def organisations(cast: Cast):
    """Organisations as creators, a point of contact that is a desk, no keyword, no extent, no
    funding, a French title and abstract, CC0."""
    metadata = {
        "titles": [{"title": "Inventaire des stations marégraphiques du réseau national, édition 2025"}],
        "creators": [
            {
                "name": "Service hydrographique et océanographique de la Marine",
                "name_type": "Organizational",
                "ror": "https://ror.org/044jxhp58",
            },
            {"name": "Réseau d'observation du niveau de la mer", "name_type": "Organizational"},
        ],
        "descriptions": [
            {
                "description": "Liste des stations marégraphiques, avec leur position, leur "
                "opérateur et leur période de fonctionnement.",
                "lang": "fr",
            }
        ],
        "language": "fr",
        "resource_type": {"general": "Dataset", "type": "Inventaire"},
        "point_of_contact": {"name": "Bureau des données", "email": "donnees@example.org"},
        "rights": [LICENCES["CC0-1.0"].model_dump()],
    }
    return _publish(cast, metadata, community="land-surfaces", files=("stations.csv",))


def polygon(cast: Cast):
    """A polygon only, a collection that goes on, altitudes, keywords from thesauri only, ODbL."""
    metadata = copy.deepcopy(full_metadata("Seismic noise at the Pyrenean stations, continuous record"))
    metadata["descriptions"] = [
        {"description": "Continuous broadband seismic noise recorded at twelve stations of the Pyrenees since 2023."}
    ]
    metadata["subjects"] = [
        {
            "subject": "Seismology",
            "scheme": "GCMD Science Keywords",
            "scheme_uri": "https://gcmd.earthdata.nasa.gov/kms/concepts/concept_scheme/sciencekeywords",
            "value_uri": "https://gcmd.earthdata.nasa.gov/kms/concept/b1de1226-0d62-4bd4-b4a5-d8a1a35dd5d6",
        }
    ]
    metadata["geo_locations"] = [
        {
            "place": "Pyrenees",
            "polygon": [
                {"longitude": -1.8, "latitude": 42.6},
                {"longitude": 3.2, "latitude": 42.3},
                {"longitude": 2.9, "latitude": 43.1},
                {"longitude": -1.5, "latitude": 43.4},
                {"longitude": -1.8, "latitude": 42.6},
            ],
        }
    ]
    metadata["temporal_extent"] = {"start": "2023-01-01", "ongoing": True}
    metadata["vertical_extent"] = {"minimum": 200, "maximum": 2800, "reference": "altitude"}
    metadata["rights"] = [LICENCES["ODbL-1.0"].model_dump()]
    metadata["related_identifiers"] = []
    metadata["funding_references"] = []
    return _publish(cast, metadata, community="solid-earth", files=("noise_2023.mseed", "stations.xml"))


def points(cast: Cast):
    """Several points and a box across the antimeridian, people without ORCID iDs but with two
    affiliations, a contact person among the contributors, a Crossref funder, Etalab 2.0."""
    metadata = copy.deepcopy(full_metadata("Coral cover at reef stations of New Caledonia and Wallis, 2024"))
    metadata["descriptions"] = [
        {"description": "Percentage of live coral cover along 20 m transects at reef stations, surveyed twice in 2024."}
    ]
    metadata["creators"] = [
        {
            "name": "Nguyen, Thi Mai",
            "affiliations": [
                {"name": "IRD", "ror": "https://ror.org/05q3vnk25"},
                {"name": "Université de la Nouvelle-Calédonie"},
            ],
        },
        {"name": "Tuilagi, Sione"},
    ]
    metadata["contributors"] = [
        {"name": "Rossi, Chiara", "orcid": ORCID_CHIARA, "contributor_type": "ContactPerson"},
        {"name": "Le Goff, Anne", "orcid": ORCID_ANNE, "contributor_type": "DataCurator"},
    ]
    metadata["subjects"] = [
        {"subject": "Coral cover", "keyword_type": "parameter"},
        {
            "subject": "Hard coral cover",
            "scheme": "NERC P01",
            "scheme_uri": "http://vocab.nerc.ac.uk/collection/P01/current/",
            "value_uri": "http://vocab.nerc.ac.uk/collection/P01/current/CORLCVR1/",
            "keyword_type": "parameter",
        },
        {"subject": "Reef survey", "keyword_type": "theme"},
    ]
    metadata["geo_locations"] = [
        {"place": "Nouméa lagoon", "point": {"longitude": 166.45, "latitude": -22.3}},
        {"place": "Wallis", "point": {"longitude": -176.2, "latitude": -13.3}},
        {"place": "Survey area", "box": {"west": 163.5, "east": -175.5, "south": -23.0, "north": -12.5}},
    ]
    metadata["temporal_extent"] = {"start": "2024-03-01", "end": "2024-11-30"}
    metadata["vertical_extent"] = None
    metadata["funding_references"] = [
        {
            "funder_name": "European Research Council",
            "funder_identifier": "https://doi.org/10.13039/501100000781",
            "funder_identifier_type": "Crossref Funder ID",
        }
    ]
    metadata["rights"] = [LICENCES["etalab-2.0"].model_dump()]
    metadata["related_identifiers"] = []
    return _publish(cast, metadata, community="biodiversity", files=("coral_cover.csv",))


def withdrawn(cast: Cast):
    from repository.services import record_withdraw

    record = _publish(cast, full_metadata("Mooring ADCP currents, Ushant front, 2023"), files=("adcp.nc",))
    return record_withdraw(record=record, actor=cast.admin, reason="data_error")


def derived(cast: Cast):
    """A gridded product derived from other datasets, described by a methods text."""
    metadata = copy.deepcopy(full_metadata("Gridded sea surface salinity of the Bay of Biscay, 2010-2024"))
    metadata["descriptions"] = [
        {
            "description": "Monthly sea surface salinity on a 0.1 degree grid, interpolated from the CTD casts "
            "and the ferrybox lines of the Bay of Biscay."
        },
        {"description": "Objective analysis with a 50 km correlation length.", "description_type": "Methods"},
    ]
    metadata["lineage"] = None
    metadata["related_identifiers"] = [
        {
            "identifier": "10.5072/estran.source-ctd",
            "identifier_type": "DOI",
            "relation_type": "IsDerivedFrom",
            "resource_type_general": "Dataset",
        },
        {
            "identifier": "https://github.com/estran/sss-grid",
            "identifier_type": "URL",
            "relation_type": "IsCompiledBy",
            "resource_type_general": "Software",
        },
    ]
    metadata["temporal_extent"] = {"start": "2010-01-01", "end": "2024-12-31"}
    return _publish(cast, metadata, files=("sss_grid.nc",))


CORPUS = {
    "rich": rich,
    "second_version": second_version,
    "embargoed": embargoed,
    "organisations": organisations,
    "polygon": polygon,
    "points": points,
    "withdrawn": withdrawn,
    "derived": derived,
}


def build(name: str, cast: Cast):
    return CORPUS[name](cast)
