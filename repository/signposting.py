"""FAIR Signposting (https://signposting.org/FAIR/) of a landing page: the typed links a machine
follows from it without parsing HTML, as HTTP `Link` headers (level 1) and as a linkset (level 2,
RFC 9264 `application/linkset+json`, at `/records/<id>/export/linkset`).

- `cite-as`: the DOI's URL; `type`: `schema.org/Dataset` (the resource type) and
  `schema.org/AboutPage` (a landing page);
- `author`: each creator's ORCID iD (creators without one have no URI to give);
- `describedby`: each metadata format, with its media type (DataCite XML and JSON, schema.org
  JSON-LD, ISO 19115-3, and the citation formats);
- `item`: each file, with its media type, when anyone may download it (not under embargo, not
  withdrawn);
- `license`: the licence's URL; `linkset`: the linkset.

A `Link` header with hundreds of files would outgrow what proxies accept (nginx reads 4-8 KiB of
response headers by default), and a partial list of items would mislead a harvester: with more than
`MAX_HEADER_ITEMS` files the header names none of them and points to the linkset, which has all.
"""

from __future__ import annotations

from dataclasses import dataclass

MAX_HEADER_ITEMS = 20
DATASET = "https://schema.org/Dataset"
ABOUT_PAGE = "https://schema.org/AboutPage"
LINKSET_TYPE = "application/linkset+json"


@dataclass(frozen=True)
class Link:
    href: str
    rel: str
    type: str | None = None

    def header(self) -> str:
        href = self.href.replace(">", "%3E").replace("<", "%3C")
        value = f'<{href}>; rel="{self.rel}"'
        if self.type:
            value += f'; type="{self.type}"'
        return value


def record_links(
    *,
    doi: str,
    creators_orcids: list[str],
    describedby: list[tuple[str, str]],
    items: list[tuple[str, str]],
    licences: list[str],
    linkset_url: str | None,
) -> list[Link]:
    """Every link of a record's landing page: `describedby` and `items` are (URL, media type)."""
    links = [Link(f"https://doi.org/{doi}", "cite-as"), Link(DATASET, "type"), Link(ABOUT_PAGE, "type")]
    links += [Link(f"https://orcid.org/{orcid}", "author") for orcid in dict.fromkeys(creators_orcids)]
    links += [Link(url, "describedby", media_type) for url, media_type in describedby]
    links += [Link(url, "item", media_type) for url, media_type in items]
    links += [Link(url, "license") for url in dict.fromkeys(licences)]
    if linkset_url:
        links.append(Link(linkset_url, "linkset", LINKSET_TYPE))
    return links


def link_header(links: list[Link]) -> str:
    """The `Link` header's value; item links left out when there are more than MAX_HEADER_ITEMS."""
    items = [link for link in links if link.rel == "item"]
    shown = [link for link in links if link.rel != "item" or len(items) <= MAX_HEADER_ITEMS]
    return ", ".join(link.header() for link in shown)


def linkset(anchor: str, links: list[Link]) -> dict:
    """RFC 9264's JSON linkset of the landing page (`anchor`), every link included; the linkset's
    own link is left out."""
    context: dict = {"anchor": anchor}
    for link in links:
        if link.rel == "linkset":
            continue
        target = {"href": link.href}
        if link.type:
            target["type"] = link.type
        context.setdefault(link.rel, []).append(target)
    return {"linkset": [context]}
