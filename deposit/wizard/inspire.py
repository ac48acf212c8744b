"""What the wizard asks for INSPIRE, with its defaults: the INSPIRE theme (a choice from the register's
34 themes, pre-filled with the community's) and the conditions applying to access and use
(pre-filled from the licence). The lineage is the describe step's lineage field, which existed before.

Defaults are written into the document where the depositor sees them, never added behind their back:
the first document of a deposit has both (`start.py`), the theme follows the community and the
conditions follow the licence as long as the depositor has left them as they were offered, and
either can be cleared. The ISO 19115-3 export reads them (`repository/serializers/inspire.py`).

The theme is a keyword of the INSPIRE themes register in the document's `subjects`, so that DataCite
and schema.org show it too; the first such keyword is the one the wizard's field shows (further ones,
e.g. from the API or the keyword type-ahead, stay ordinary keyword chips). It is stored with the
register's English label, whatever the page's language: GeoNetwork's INSPIRE rules find a theme by
its label."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import get_language

from repository.metadata import LICENCES
from repository.serializers import inspire

from .lenient import items, mapping, text


@dataclass(frozen=True)
class Theme:
    code: str  # the register's code, the last part of the URI: "of"
    en: str
    fr: str

    @property
    def uri(self) -> str:
        return inspire.theme_uri(self.code)

    def label(self, language: str | None = None) -> str:
        """The register's label in the page's language (French or English)."""
        return self.fr if (language or get_language() or "en").startswith("fr") else self.en


# The INSPIRE themes register (http://inspire.ec.europa.eu/theme, GEMET), its 34 themes with the
# register's own English and French labels (as in vocabularies/data/estran-demo.ttl and GeoNetwork's
# thesaurus in repository/conformance/rules), so that the choice needs neither the network nor a
# loaded thesaurus. In the register's order of its annexes.
THEMES: tuple[Theme, ...] = (
    Theme("rs", "Coordinate reference systems", "Référentiels de coordonnées"),
    Theme("gg", "Geographical grid systems", "Systèmes de maillage géographique"),
    Theme("gn", "Geographical names", "Dénominations géographiques"),
    Theme("au", "Administrative units", "Unités administratives"),
    Theme("ad", "Addresses", "Adresses"),
    Theme("cp", "Cadastral parcels", "Parcelles cadastrales"),
    Theme("tn", "Transport networks", "Réseaux de transport"),
    Theme("hy", "Hydrography", "Hydrographie"),
    Theme("ps", "Protected sites", "Sites protégés"),
    Theme("el", "Elevation", "Altitude"),
    Theme("lc", "Land cover", "Occupation des terres"),
    Theme("oi", "Orthoimagery", "Ortho-imagerie"),
    Theme("ge", "Geology", "Géologie"),
    Theme("su", "Statistical units", "Unités statistiques"),
    Theme("bu", "Buildings", "Bâtiments"),
    Theme("so", "Soil", "Sols"),
    Theme("lu", "Land use", "Usage des sols"),
    Theme("hh", "Human health and safety", "Santé et sécurité des personnes"),
    Theme("us", "Utility and governmental services", "Services d'utilité publique et services publics"),
    Theme("ef", "Environmental monitoring facilities", "Installations de suivi environnemental"),
    Theme("pf", "Production and industrial facilities", "Lieux de production et sites industriels"),
    Theme("af", "Agricultural and aquaculture facilities", "Installations agricoles et aquacoles"),
    Theme("pd", "Population distribution — demography", "Répartition de la population — démographie"),
    Theme(
        "am",
        "Area management/restriction/regulation zones and reporting units",
        "Zones de gestion, de restriction ou de réglementation et unités de déclaration",
    ),
    Theme("nz", "Natural risk zones", "Zones à risque naturel"),
    Theme("ac", "Atmospheric conditions", "Conditions atmosphériques"),
    Theme("mf", "Meteorological geographical features", "Caractéristiques géographiques météorologiques"),
    Theme("of", "Oceanographic geographical features", "Caractéristiques géographiques océanographiques"),
    Theme("sr", "Sea regions", "Régions maritimes"),
    Theme("br", "Bio-geographical regions", "Régions biogéographiques"),
    Theme("hb", "Habitats and biotopes", "Habitats et biotopes"),
    Theme("sd", "Species distribution", "Répartition des espèces"),
    Theme("er", "Energy resources", "Sources d'énergie"),
    Theme("mr", "Mineral resources", "Ressources minérales"),
)
THEME_BY_URI = {t.uri: t for t in THEMES}


def theme_choices(language: str | None = None) -> dict[str, str]:
    """The select's options, {URI: label in the page's language}, in alphabetical order of the label."""
    return dict(sorted(((t.uri, t.label(language)) for t in THEMES), key=lambda choice: choice[1].casefold()))


def community_theme(community_slug: str | None) -> str:
    """The URI of a community's default theme, "" when it has none (or when there is no community)."""
    code = inspire.COMMUNITY_THEMES.get(community_slug or "")
    return inspire.theme_uri(code) if code else ""


def community_themes(communities) -> dict[str, str]:
    """{community slug: its default theme's URI} for the communities given (for the page's script)."""
    return {c.slug: community_theme(c.slug) for c in communities}


def is_theme(subject) -> bool:
    """A theme keyword of the INSPIRE themes register, read leniently (the serializer's test, on a
    draft; a place or a parameter that happens to cite the register stays in its own group)."""
    subject = mapping(subject)
    if text(subject.get("keyword_type")) not in ("", "theme"):
        return False
    return text(subject.get("scheme_uri")).rstrip("/") == inspire.THEMES_URI or text(
        subject.get("value_uri")
    ).startswith(inspire.THEMES_URI + "/")


def theme_uri_of(subject) -> str:
    """The URI the theme field shows for a theme keyword: its concept URI, else the register's theme
    with its label (in English or French), else the concept URI as it is."""
    subject = mapping(subject)
    uri = text(subject.get("value_uri")).strip()
    if uri in THEME_BY_URI:
        return uri
    label = text(subject.get("subject")).strip().casefold()
    found = next((t for t in THEMES if label in (t.en.casefold(), t.fr.casefold())), None)
    return found.uri if found else uri


def theme_index(metadata) -> int | None:
    """The position in `subjects` of the theme the wizard's field shows: the first INSPIRE theme."""
    return next((i for i, s in enumerate(items(mapping(metadata).get("subjects"))) if is_theme(s)), None)


def theme_subject(uri: str) -> dict | None:
    """The keyword a theme is kept as, with the register's English label; None for an unknown URI."""
    theme = THEME_BY_URI.get(uri)
    if theme is None:
        return None
    return {
        "subject": theme.en,
        "value_uri": theme.uri,
        "scheme": inspire.THEMES_TITLE,
        "scheme_uri": inspire.THEMES_URI,
        "keyword_type": "theme",
        "lang": "en",
    }


def use_conditions(licence_id: str | None) -> str:
    """The conditions of use a licence sets, as offered in the wizard (and written by the ISO export
    when the depositor gives none): "" for a licence that is not one of those offered."""
    rights = LICENCES.get(licence_id or "")
    return inspire.use_conditions(rights) if rights else ""


def licence_of(metadata) -> str:
    """The identifier of the document's (first) licence, "" when it has none."""
    rights = items(mapping(metadata).get("rights"))
    return text(rights[0].get("identifier")) if rights else ""
