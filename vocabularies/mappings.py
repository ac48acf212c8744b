"""Which concepts of the thesauri say what a CF standard name says, so that a keyword is not offered
twice under two names (the wizard's "Fill from NetCDF" next to the NERC terms a depositor picked).

NVS P07 is the CF standard-name table as a thesaurus: its preferred labels are the standard names
themselves, and each P07 term is filed under (skos:broader) the NVS P02 parameter group that
covers it. When P07 is loaded, both links come from it. The demo and the test thesauri do not hold
P07 (its concept URIs, CFSN0335…, cannot be derived from a name), so the P02 group of the common
ocean standard names is also kept here, as NVS files them."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Concept

NVS_P02 = "http://vocab.nerc.ac.uk/collection/P02/current/"
NVS_P07 = "http://vocab.nerc.ac.uk/collection/P07/current/"

# The NVS P02 group each standard name's P07 term is filed under (skos:broader in NVS).
CF_P02_GROUPS = {
    "sea_water_temperature": "TEMP",
    "sea_water_potential_temperature": "TEMP",
    "sea_water_conservative_temperature": "TEMP",
    "sea_water_salinity": "PSAL",
    "sea_water_practical_salinity": "PSAL",
    "sea_water_absolute_salinity": "PSAL",
    "sea_water_electrical_conductivity": "CNDC",
    "sea_water_density": "SIGT",
    "sea_water_sigma_t": "SIGT",
    "sea_water_sigma_theta": "SIGT",
    "mole_concentration_of_dissolved_molecular_oxygen_in_sea_water": "DOXY",
    "moles_of_oxygen_per_unit_mass_in_sea_water": "DOXY",
}


def cf_equivalents(names: Iterable[str]) -> dict[str, list[str]]:
    """For each CF standard name, the URIs of the concepts that say the same: the P07 term of that
    name in a loaded thesaurus and the concept it is filed under, and the P02 group NVS files it
    under. One query."""
    names = [name for name in dict.fromkeys(names) if name]
    found: dict[str, list[str]] = {name: [] for name in names}
    if not names:
        return found
    for uri, label, broader in Concept.objects.filter(pref_label_en__in=names, uri__startswith=NVS_P07).values_list(
        "uri", "pref_label_en", "broader_uri"
    ):
        found[label] += [uri] + ([broader] if broader else [])
    for name in names:
        if name in CF_P02_GROUPS:
            found[name].append(f"{NVS_P02}{CF_P02_GROUPS[name]}/")
        found[name] = list(dict.fromkeys(found[name]))
    return found
