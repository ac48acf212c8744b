"""Factories for deposits and complete metadata documents."""

from __future__ import annotations

import hashlib

from repository.metadata import LICENCES


def complete_metadata(title: str = "CTD casts of the PELGAS 2024 cruise, Bay of Biscay") -> dict:
    return {
        "titles": [{"title": title}],
        "creators": [
            {
                "name": "Le Goff, Anne",
                "orcid": "0000-0002-1825-0097",
                "affiliations": [{"name": "Ifremer", "ror": "https://ror.org/044jxhp58"}],
            },
            {"name": "Martin, Paul"},
        ],
        "descriptions": [{"description": "Temperature and salinity profiles from 120 CTD casts."}],
        "resource_type": {"general": "Dataset", "type": "CTD profiles"},
        "subjects": [
            {
                "subject": "Sea water temperature",
                "scheme": "NERC P02",
                "value_uri": "http://vocab.nerc.ac.uk/collection/P02/current/TEMP/",
            }
        ],
        "point_of_contact": {"name": "Anne Le Goff", "email": "anne.legoff@example.org", "organisation": "Ifremer"},
        "rights": [LICENCES["CC-BY-4.0"].model_dump()],
        "geo_locations": [
            {"place": "Bay of Biscay", "box": {"west": -6.0, "east": -1.0, "south": 43.5, "north": 48.0}}
        ],
        "dates": [{"date": "2024-04-25/2024-05-30", "date_type": "Collected"}],
    }


def deposit_with_file(owner, *, community, metadata=None, content: bytes = b"depth,temp\n1,12.5\n", name="ctd.csv"):
    from deposit import services

    deposit = services.deposit_create(owner=owner, metadata=metadata or complete_metadata(), community=community)
    services.file_add_bytes(deposit=deposit, actor=owner, name=name, chunks=[content], size=len(content))
    return deposit


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
