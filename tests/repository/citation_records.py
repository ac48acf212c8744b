"""A fixed set of records whose formatted citations are compared with citeproc-js's
(tests/data/citations/citeproc-js.json, tests/repository/test_citations.py): people with one or
two given names, an initial, particles and a hyphen, organisations, a second version, many authors."""

from __future__ import annotations

from repository.metadata import LICENCES

CONTACT = {"name": "Data desk", "email": "data@example.org"}
CC_BY = [LICENCES["CC-BY-4.0"].model_dump()]


def _record(
    doi: str, title: str, creators: list[dict], *, year: int = 2025, version: str = "1", resource_type: str = ""
) -> dict:
    return {
        "doi": doi,
        "year": year,
        "version": version,
        "metadata": {
            "titles": [{"title": title}],
            "creators": creators,
            "descriptions": [{"description": f"{title}: the data."}],
            "resource_type": {"general": "Dataset", "type": resource_type},
            "publisher": "Estran",
            "point_of_contact": CONTACT,
            "rights": CC_BY,
        },
    }


CITATION_RECORDS = [
    _record(
        "10.5072/estran.cite-1",
        "CTD casts of the PELGAS 2024 cruise, Bay of Biscay",
        [
            {"name": "Le Goff, Anne", "orcid": "0000-0002-1825-0097"},
            {"name": "Martin, Paul"},
            {"name": "Coriolis data centre", "name_type": "Organizational"},
        ],
        resource_type="CTD profiles",
    ),
    _record(
        "10.5072/estran.cite-2",
        "Coral cover at reef stations of New Caledonia and Wallis, 2024",
        [
            {"name": "Nguyen, Thi Mai"},
            {"name": "Tuilagi, Sione"},
        ],
        version="2",
    ),
    _record(
        "10.5072/estran.cite-3",
        "Inventaire des stations marégraphiques, édition 2025",
        [
            {"name": "Service hydrographique et océanographique de la Marine", "name_type": "Organizational"},
        ],
        year=2024,
    ),
    _record(
        "10.5072/estran.cite-4",
        "Seismic noise at the Pyrenean stations",
        [
            {"name": "Dupont, Jean-Pierre"},
            {"name": "Smith, John R."},
            {"name": "García Márquez, Lucía"},
        ],
        version="3",
    ),
    _record(
        "10.5072/estran.cite-5",
        "Argo float profiles of the North Atlantic, 2010-2024",
        [{"name": f"Author{chr(65 + i)}, Given{chr(65 + i)}"} for i in range(22)],
    ),
]
